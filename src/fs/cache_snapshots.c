/*
 * cache_snapshots.c - each disk's snapshot listing in its slot: fetched
 * with a disk filter (or account-wide during a walk, cache_account.c),
 * streamed into a list as pages arrive, the ids already shown handed to
 * the walker to confirm, and an incomplete listing merged with the known
 * list instead of read as removals.
 */
#include "cache_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_errno.h"

/* The sinks of a streamed listing (called one page at a time). */
static int one_disk_page(void *arg, struct zec_snapshot *items, size_t n)
{
	struct zecfs_builder *b = arg;

	for (size_t i = 0; i < n; i++) {
		int ret = zecfs_cache_builder_add(b, &items[i]);

		if (ret)
			return ret;
	}
	return 0;
}

static void one_disk_restart(void *arg)
{
	zecfs_cache_builder_drop(arg);
}

void zecfs_cache_known_put(struct zecfs_known *k)
{
	for (size_t i = 0; i < k->n_lists; i++)
		zecfs_snaplist_put(k->lists[i]);
	free(k->lists);
	free(k->ids);
	free(k->text);
	memset(k, 0, sizeof(*k));
}

/* With the lock held: counts (k->lists NULL) or takes slot s's ids. */
static void known_slot(struct zecfs_known *k, const struct zecfs_slot *s, size_t *lists, size_t *ids)
{
	struct zecfs_snaplist *l = (struct zecfs_snaplist *)s->cur;

	if (!l)
		return;
	if (!k->lists) {
		(*lists)++;
		*ids += l->n;
		return;
	}
	zecfs_cache_list_get(&l->h);
	k->lists[k->n_lists++] = l;
	for (size_t i = 0; i < l->n; i++) {
		k->ids[k->n] = zecfs_snap_id(&l->v[i], k->text[k->n]);
		k->n++;
	}
}

/* Out of memory, nothing is known: the walk is then only not confirmed. */
void zecfs_cache_known_get(struct zecfs_cache *c, const char *disk_id, struct zecfs_known *k)
{
	size_t lists = 0, ids = 0;

	memset(k, 0, sizeof(*k));
	pthread_mutex_lock(&c->lock);
	for (int pass = 0; pass < 2; pass++) {
		if (disk_id) {
			struct zecfs_disk_slot *ds = zecfs_cache_disk_slot(c, disk_id, false);

			if (ds)
				known_slot(k, &ds->s, &lists, &ids);
		} else {
			for (size_t b = 0; b < SLOT_BUCKETS; b++) {
				for (struct zecfs_disk_slot *ds = c->buckets[b]; ds; ds = ds->next)
					known_slot(k, &ds->s, &lists, &ids);
			}
		}
		if (pass || !ids)
			break;
		k->lists = calloc(lists, sizeof(*k->lists));
		k->ids = calloc(ids, sizeof(*k->ids));
		k->text = malloc(ids * sizeof(*k->text));
		if (!k->lists || !k->ids || !k->text)
			break;
	}
	pthread_mutex_unlock(&c->lock);
	if (!k->n)
		zecfs_cache_known_put(k);
}

/*
 * An incomplete listing (res->incomplete: the list moved under every walk)
 * does not show what it lacks as gone: 'l' becomes itself plus every entry
 * of the disk's cached list that it does not have, and the slot asks again
 * at the next access (slot_get).  So zecfs's own mkdir never vanishes from
 * an ls because other snapshots were deleted while the listing was paged.
 * Out of memory, the listing stays as it came.
 */
void zecfs_cache_keep_unlisted(struct zecfs_cache *c, const char *disk_id,
                          struct zecfs_snaplist **l)
{
	struct zecfs_snaplist *old = NULL, *merged = NULL;
	struct zecfs_builder b = { 0 };
	struct zecfs_disk_slot *ds;
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	ds = zecfs_cache_disk_slot(c, disk_id, false);
	if (ds && ds->s.cur) {
		old = (struct zecfs_snaplist *)ds->s.cur;
		zecfs_cache_list_get(&old->h);
	}
	pthread_mutex_unlock(&c->lock);
	if (!old)
		return;
	for (size_t i = 0; i < (*l)->n && !ret; i++)
		ret = zecfs_cache_builder_add_snap(&b, &(*l)->v[i]);
	for (size_t i = 0; i < old->n && !ret; i++) {
		if (!zecfs_snaplist_find_same(*l, &old->v[i]))
			ret = zecfs_cache_builder_add_snap(&b, &old->v[i]);
	}
	if (!ret)
		ret = zecfs_cache_builder_finish(&b, (*l)->h.fetched, &merged);
	else
		zecfs_cache_builder_drop(&b);
	zecfs_list_put(&old->h);
	if (ret)
		return;
	zecfs_list_put(&(*l)->h);
	*l = merged;
}

static int fetch_snapshots(struct zecfs_cache *c, void *arg,
                           struct zecfs_list_head **out, struct zec_result *res)
{
	const char *disk_id = arg;
	const char *ids[1] = { disk_id };
	struct zec_snapshot_filter f = { .disk_ids = ids, .n_disk_ids = 1 };
	struct zecfs_snaplist *l = NULL;
	double started = zec_clock_now();
	bool walk;
	int ret;

	pthread_mutex_lock(&c->lock);
	walk = started < c->walk_until && !c->walk_listed;
	if (walk)
		c->walk_listed = true;
	pthread_mutex_unlock(&c->lock);
	if (walk)
		return zecfs_cache_fetch_account(c, disk_id, out, res);

	{
		struct zecfs_builder b = { 0 };
		struct zec_snapshot_sink sink = { one_disk_page, one_disk_restart, &b };
		struct zecfs_known k;

		/* pages go into the list's compact form as they arrive */
		zecfs_cache_known_get(c, disk_id, &k);
		f.known = k.ids;
		f.n_known = k.n;
		ret = zec_describe_snapshots_each(c->client, &f, &sink, res);
		zecfs_cache_known_put(&k);
		if (ret) {
			zecfs_cache_builder_drop(&b);
			return ret;
		}
		ret = zecfs_cache_builder_finish(&b, started, &l);
		if (!ret && res->incomplete)
			zecfs_cache_keep_unlisted(c, disk_id, &l);
	}
	if (ret)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "building the snapshot list");
	*out = &l->h;
	return 0;
}

void zecfs_cache_walk_started(struct zecfs_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->walk_until = zec_clock_now() + (c->opts.ttl > 2 ? c->opts.ttl : 2);
	c->walk_listed = false;
	pthread_mutex_unlock(&c->lock);
}

int zecfs_cache_snapshots(struct zecfs_cache *c, const char *disk_id,
                        struct zecfs_snaplist **out, struct zec_result *res)
{
	return zecfs_cache_snapshots_use(c, disk_id, &ZECFS_BY_TTL, out, res);
}

int zecfs_cache_snapshots_use(struct zecfs_cache *c, const char *disk_id,
                              const struct zecfs_use_by *by,
                              struct zecfs_snaplist **out, struct zec_result *res)
{
	struct zecfs_list_head *h = NULL;
	struct zecfs_disk_slot *ds;
	int ret;

	pthread_mutex_lock(&c->lock);
	ds = zecfs_cache_disk_slot(c, disk_id, true);
	pthread_mutex_unlock(&c->lock);
	if (!ds)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "cache slot");
	/* slots are never freed before the cache, so ds stays valid */
	ret = zecfs_cache_serve(c, &ds->s, fetch_snapshots, ds->disk_id, by, &h, res);
	if (!ret)
		*out = (struct zecfs_snaplist *)h;
	return ret;
}

struct zecfs_snaplist *zecfs_cache_snapshots_cached(struct zecfs_cache *c,
                                                const char *disk_id)
{
	struct zecfs_list_head *h = NULL;
	struct zecfs_disk_slot *ds;

	pthread_mutex_lock(&c->lock);
	ds = zecfs_cache_disk_slot(c, disk_id, false);
	if (ds && ds->s.cur) {
		h = ds->s.cur;
		zecfs_cache_list_get(h);
	}
	pthread_mutex_unlock(&c->lock);
	return (struct zecfs_snaplist *)h;
}

void zecfs_cache_forget_snapshots(struct zecfs_cache *c, const char *disk_id)
{
	struct zecfs_disk_slot *ds;

	pthread_mutex_lock(&c->lock);
	ds = zecfs_cache_disk_slot(c, disk_id, false);
	/* keep it for stale-if-error, whose age counts from the real fetch,
	 * but make it due for a refresh */
	if (ds && ds->s.cur)
		ds->s.due = true;
	/* what the kernel cached may lack a change whose outcome was unclear */
	zecfs_cache_report_changed(c, ZECFS_CHANGED_SNAPSHOTS, disk_id);
	pthread_mutex_unlock(&c->lock);
}

/*
 * cache.c - the listing cache's slots, and the cache's life cycle.
 *
 * Each listing (the disk list, a disk's snapshots, a listing of another
 * kind) lives in a slot: the current list (or none), whether a fetch is
 * under way, and how the last fetch ended.  Every read of a listing goes
 * through zecfs_cache_serve(), which:
 *   - returns the current list while it is younger than the TTL;
 *   - otherwise lets exactly one thread fetch, without the lock, while the
 *     others wait for that fetch and share its outcome;
 *   - serves a list younger than stale_max when the API cannot be reached.
 * A fetched list goes in through zecfs_cache_install(), which tells the
 * hook what the listing no longer has and which directory changed.
 */
#include "cache_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"

/* ---- installing a fetched list ------------------------------------------ */

/* With the lock held: the kernel's copy of a listing's directory is stale. */
void zecfs_cache_report_changed(struct zecfs_cache *c, enum zecfs_gone what, const char *key)
{
	if (c->opts.gone)
		c->opts.gone(c->opts.gone_arg, what, what == ZECFS_CHANGED_SNAPSHOTS ? key : NULL,
		             what == ZECFS_CHANGED_SLOT ? key : NULL);
}

/* With the lock held: tells the hook what a fresh listing no longer has. */
void zecfs_cache_report_gone(struct zecfs_cache *c, const char *disk_id,
                        const struct zecfs_list_head *old, const struct zecfs_list_head *fresh)
{
	if (!c->opts.gone || !old || old->digest == fresh->digest)
		return;
	if (fresh->destroy == zecfs_cache_snaplist_destroy) {
		const struct zecfs_snaplist *a = (const void *)old, *b = (const void *)fresh;
		size_t i = 0, j = 0;

		while (i < a->n) {
			int r = j < b->n ? strcmp(zecfs_snap_name(&a->v[i]), zecfs_snap_name(&b->v[j])) : -1;

			if (r < 0 || (r == 0 && !zecfs_snap_same_id(&a->v[i], &b->v[j])))
				c->opts.gone(c->opts.gone_arg, ZECFS_GONE_SNAPSHOT, disk_id,
				             zecfs_snap_name(&a->v[i]));
			if (r <= 0)
				i++;
			if (r >= 0)
				j++;
		}
	} else if (fresh->destroy == zecfs_cache_disklist_destroy) {
		const struct zecfs_disklist *a = (const void *)old, *b = (const void *)fresh;

		for (size_t i = 0; i < a->n; i++) {
			const struct zecfs_disk *now = zecfs_disklist_find(b, a->v[i].d.disk_id);
			const char *was = a->v[i].d.disk_name;

			if (!now)
				c->opts.gone(c->opts.gone_arg, ZECFS_GONE_DISK, a->v[i].d.disk_id, NULL);
			if (was && *was && (!now || !now->d.disk_name || strcmp(was, now->d.disk_name) != 0))
				c->opts.gone(c->opts.gone_arg, ZECFS_GONE_DISK_NAME, a->v[i].d.disk_id, was);
		}
	}
}

/* Do two records of one snapshot read the same (snapshot.json's bytes)? */
static bool same_record(const struct zec_snapshot *a, const struct zec_snapshot *b)
{
#define SAME_STRING(name, common) \
	if (a->name != b->name && (!a->name || !b->name || strcmp(a->name, b->name) != 0)) \
		return false;
	ZEC_SNAPSHOT_STRINGS(SAME_STRING)
#undef SAME_STRING
	return a->disk_ability == b->disk_ability;
}

/*
 * With the lock held: tells the hook each snapshot whose record differs
 * between two lists of a disk (a rename, a retention, a state), so that
 * the kernel's attributes of its snapshot.json, which it keeps for the
 * TTL, are dropped.  Not for the snapshots the fresh list lacks: those
 * are gone with their directory.
 */
void zecfs_cache_report_records(struct zecfs_cache *c, const char *disk_id,
                                const struct zecfs_snaplist *old,
                                const struct zecfs_snaplist *fresh)
{
	if (!c->opts.gone || !old || !fresh || old == fresh)
		return;
	for (size_t i = 0; i < fresh->n; i++) {
		struct zecfs_snap_rec now, was_rec;
		const struct zecfs_snap *was;

		zecfs_snap_record(&fresh->v[i], &now);
		was = zecfs_snaplist_find_id(old, now.s.snapshot_id);
		if (!was)
			continue;
		zecfs_snap_record(was, &was_rec);
		if (!same_record(&was_rec.s, &now.s))
			c->opts.gone(c->opts.gone_arg, ZECFS_CHANGED_SNAPSHOT, disk_id,
			             now.s.snapshot_id);
	}
}

/* With the lock held: puts a fetched list in a slot. */
void zecfs_cache_install(struct zecfs_cache *c, struct zecfs_slot *s,
                         struct zecfs_list_head *fresh)
{
	zecfs_cache_report_gone(c, s->key, s->cur, fresh);
	if (fresh->unshown && (!s->cur || s->cur->unshown != fresh->unshown))
		zlog_warn("listing has entries that cannot be shown, left out kind=%s count=%zu reason=\"empty, '/', '.', '..' or too long\"",
		          fresh->first_unshown, fresh->unshown);
	if (fresh->destroy == zecfs_cache_snaplist_destroy) {
		zecfs_cache_carry_bad_times((struct zecfs_snaplist *)fresh, (const struct zecfs_snaplist *)s->cur);
		zecfs_cache_report_records(c, s->key, (const struct zecfs_snaplist *)s->cur,
		                           (const struct zecfs_snaplist *)fresh);
	}
	zecfs_cache_settle_mtime(fresh, s->cur);
	/* the kernel may hold the directory with attributes valid for a TTL:
	 * a changed listing reaches it now, whoever's request fetched it */
	if (s->cur && s->cur->digest != fresh->digest)
		zecfs_cache_report_changed(c, fresh->destroy == zecfs_cache_snaplist_destroy ? ZECFS_CHANGED_SNAPSHOTS :
		                  fresh->destroy == zecfs_cache_disklist_destroy ? ZECFS_CHANGED_DISKS :
		                  ZECFS_CHANGED_SLOT, s->key);
	zecfs_list_put(s->cur);
	s->cur = fresh;
	s->due = false;
	s->err = 0;
}

void zecfs_cache_counters(struct zecfs_cache *c, struct zecfs_cache_counters *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->counters;
	pthread_mutex_unlock(&c->lock);
}

/* Errors that mean "the API cannot be reached", which stale lists may cover. */
static bool unreachable(const struct zec_result *res)
{
	switch (res->outcome) {
	case ZEC_OUTCOME_TRANSPORT:
	case ZEC_OUTCOME_TIMEOUT:
		return true;
	case ZEC_OUTCOME_API_ERROR:
	case ZEC_OUTCOME_BAD_RESPONSE:
		return res->http_status >= 500 || res->http_status == 429;
	default:
		return false;
	}
}

/* With the lock held: can s->cur stand in for a failed fetch? */
static bool stale_usable(struct zecfs_cache *c, struct zecfs_slot *s, double now)
{
	return s->cur && c->opts.stale_max > 0 && s->err && s->res && unreachable(s->res) &&
	       now - s->cur->fetched <= c->opts.stale_max;
}

/*
 * With the lock held: a list refreshed by the GETATTR or LOOKUP that opens
 * a command (ls: LOOKUP, GETATTR, READDIR) serves the requests of that
 * command that follow within a second, once each, without a fetch of their
 * own: so at cache_ttl=0 one ls costs one listing, not three.
 */
static bool take_primed(struct zecfs_slot *s, const struct zecfs_use_by *by, double now)
{
	if (by->use == ZECFS_USE_TTL || !s->cur || s->due || s->err || !s->primed_at ||
	    s->primed_pid != by->pid || now - s->primed_at >= 1)
		return false;
	if (by->use == ZECFS_USE_SCAN)
		s->primed_at = 0;       /* the command reads it: the next one asks again */
	return true;
}

/*
 * A fetch's outcome, kept in a slot or handed to a thread that waited for
 * it: everything but the path, which stays the receiver's own (the
 * fetching thread's may point into its stack).
 */
static void share_result(struct zec_result *to, const struct zec_result *from)
{
	const char *path = to->path;

	*to = *from;
	to->path = path;
}

/* With the lock held: a failed fetch's result kept in its slot; NULL: none. */
static void keep_result(struct zecfs_slot *s, const struct zec_result *res)
{
	if (!res) {
		free(s->res);
		s->res = NULL;
		return;
	}
	if (!s->res && !(s->res = calloc(1, sizeof(*s->res))))
		return;                 /* waiters then say ENOMEM, and no stale list stands in */
	share_result(s->res, res);
}

void zecfs_cache_slot_release(struct zecfs_slot *s)
{
	zecfs_list_put(s->cur);
	s->cur = NULL;
	free(s->res);
	s->res = NULL;
}

int zecfs_cache_serve(struct zecfs_cache *c, struct zecfs_slot *s, zecfs_slot_fetch_fn fetch,
                      void *arg, const struct zecfs_use_by *by,
                    struct zecfs_list_head **out, struct zec_result *res)
{
	struct zecfs_list_head *fresh = NULL;
	unsigned long long since;
	bool primed = false;
	double now;
	unsigned gen;
	int ret;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		now = zec_clock_now();
		if (take_primed(s, by, now)) {
			c->counters.hits++;
			primed = true;
			goto hit;
		}
		if (s->cur && !s->due && now - s->cur->fetched < c->opts.ttl) {
			c->counters.hits++;
			goto hit;
		}
		/* after a recent failure, a usable stale list answers at once */
		if (stale_usable(c, s, now) && now - s->failed_at < (c->opts.ttl > 1 ? c->opts.ttl : 1)) {
			c->counters.stale++;
			goto hit;
		}
		if (!s->fetching)
			break;
		gen = s->gen;
		zec_before_wait();
		while (s->fetching && s->gen == gen)
			pthread_cond_wait(&c->cond, &c->lock);
		/* share the outcome of the fetch we waited for */
		if (s->err) {
			if (stale_usable(c, s, zec_clock_now()))
				goto hit;
			ret = s->err;
			if (s->res)
				share_result(res, s->res);
			else
				ret = zec_result_local(res, ZECFS_OUT_OF_MEMORY, "keeping a listing's error");
			pthread_mutex_unlock(&c->lock);
			return ret;
		}
		if (s->cur)
			goto hit;
	}
	s->fetching = true;
	since = c->gen;
	c->counters.misses++;
	pthread_mutex_unlock(&c->lock);

	ret = fetch(c, arg, &fresh, res);

	pthread_mutex_lock(&c->lock);
	s->fetching = false;
	s->ended_at = zec_clock_now();
	s->gen++;
	s->err = ret;
	keep_result(s, ret ? res : NULL);
	if (ret == 0) {
		if (c->stale_warned)
			zlog_info("api reachable again, listings are fresh");
		c->stale_warned = false;
		if (s->changed_gen > since && s->cur) {
			/* our own change landed meanwhile: keep it, refetch next time */
			zecfs_list_put(fresh);
		} else if (res->incomplete && s->cur && fresh->destroy != zecfs_cache_snaplist_destroy) {
			/* an incomplete listing that could not be merged with the
			 * known one (fetch_snapshots merges) never replaces it: its
			 * silence would read as removals; ask again next time */
			zecfs_list_put(fresh);
			s->due = true;
		} else {
			/* a change during a first listing: show this one, ask again next time */
			bool raced = s->changed_gen > since;

			zecfs_cache_install(c, s, fresh);
			/* an incomplete listing is shown once, then asked again */
			s->due = raced || res->incomplete;
		}
	} else {
		s->failed_at = zec_clock_now();
	}
	pthread_cond_broadcast(&c->cond);
	if (ret) {
		if (stale_usable(c, s, zec_clock_now())) {
			if (!c->stale_warned)
				zlog_warn("api unreachable, serving cached listings code=%s http=%ld stale_max=%.0f",
				          ZLOG_ESC(res->code), res->http_status,
				          c->opts.stale_max);
			c->stale_warned = true;
			c->counters.stale++;
			goto hit;
		}
		pthread_mutex_unlock(&c->lock);
		return ret;
	}
hit:
	/* a list taken as primed is not primed again: the second after its
	 * own fetch (or TTL hit) bounds what it may answer */
	if (by->use == ZECFS_USE_OPEN && !primed) {
		s->primed_at = zec_clock_now();
		s->primed_pid = by->pid;
	}
	zecfs_cache_list_get(s->cur);
	*out = s->cur;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* With the lock held. */
struct zecfs_disk_slot *zecfs_cache_disk_slot(struct zecfs_cache *c, const char *disk_id,
                                   bool create)
{
	unsigned long h = 5381;
	struct zecfs_disk_slot *ds;

	if (!disk_id)
		return NULL;
	for (const char *p = disk_id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	h %= SLOT_BUCKETS;
	for (ds = c->buckets[h]; ds; ds = ds->next) {
		if (strcmp(ds->disk_id, disk_id) == 0)
			return ds;
	}
	if (!create)
		return NULL;
	ds = calloc(1, sizeof(*ds) + strlen(disk_id) + 1);
	if (!ds)
		return NULL;
	strcpy(ds->disk_id, disk_id);
	ds->s.key = ds->disk_id;
	ds->next = c->buckets[h];
	c->buckets[h] = ds;
	return ds;
}

/* ---- life cycle ----------------------------------------------------- */

int zecfs_cache_new(struct zec_client *client, const struct zecfs_cache_opts *opts,
                  struct zecfs_cache **out)
{
	struct zecfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->client = client;
	c->opts = *opts;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	*out = c;
	return 0;
}

void zecfs_cache_free(struct zecfs_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SLOT_BUCKETS; i++) {
		struct zecfs_disk_slot *ds = c->buckets[i], *next;

		for (; ds; ds = next) {
			next = ds->next;
			zecfs_cache_slot_release(&ds->s);
			free(ds);
		}
	}
	zecfs_cache_others_free(c);
	zecfs_cache_slot_release(&c->disks);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
	zecfs_cache_pool_free();
}

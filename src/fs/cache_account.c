/*
 * cache_account.c - the account-wide snapshot listing of a walk of the
 * whole mount: one DescribeSnapshots without a disk filter, split by disk
 * as its pages arrive, each disk's list installed in that disk's slot.
 */
#include "cache_int.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_errno.h"

/*
 * Installs a list fetched account-wide in a disk's slot, unless that slot
 * is being fetched on its own, or zecfs changed it since the listing began
 * (generation 'since'): the listing could not have seen that change.
 */
static void install_list(struct zecfs_cache *c, const char *disk_id,
                         struct zecfs_snaplist *l, unsigned long long since)
{
	struct zecfs_disk_slot *ds;

	pthread_mutex_lock(&c->lock);
	ds = zecfs_cache_disk_slot(c, disk_id, true);
	/* nor when a fetch of its own ended after this listing began: that
	 * list is as new as this one, and an empty one here would read as
	 * removals of what it found */
	if (ds && !ds->s.fetching && ds->s.changed_gen <= since && ds->s.ended_at < l->h.fetched) {
		zecfs_cache_install(c, &ds->s, &l->h);
		l = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (l)
		zecfs_list_put(&l->h);
}

/* An account-wide listing, split by disk as it arrives. */
struct by_disk {
	struct per_disk {
		const char *disk_id;     /* pooled */
		struct zecfs_builder b;
	} *v;
	size_t n, cap;
	const char *last;            /* the disk of the last record: pages come in runs */
	size_t last_i;
};

static struct zecfs_builder *by_disk_builder(struct by_disk *d, const char *disk_id)
{
	const char *id = zecfs_cache_intern(disk_id);

	if (!id)
		return NULL;
	if (d->last == id)
		return &d->v[d->last_i].b;
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].disk_id == id) {       /* pooled: one pointer per id */
			d->last = id;
			d->last_i = i;
			return &d->v[i].b;
		}
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct per_disk *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	d->v[d->n].disk_id = id;
	d->last = id;
	d->last_i = d->n;
	return &d->v[d->n++].b;
}

static void by_disk_restart(void *arg)
{
	struct by_disk *d = arg;

	for (size_t i = 0; i < d->n; i++)
		zecfs_cache_builder_drop(&d->v[i].b);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int by_disk_page(void *arg, struct zec_snapshot *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct zecfs_builder *b;
		int ret;

		if (!items[i].disk_id || !*items[i].disk_id)
			continue;
		b = by_disk_builder(arg, items[i].disk_id);
		if (!b)
			return -ENOMEM;
		ret = zecfs_cache_builder_add(b, &items[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One account-wide listing (no disk filter), split by disk as its pages
 * arrive: a walk of the whole mount (find, ls -R, du) costs ceil(S/100)
 * calls in all instead of one listing per disk.  Every disk of the cached
 * disk list gets a list, empty ones included; the list of 'disk_id' is
 * returned.
 */
int zecfs_cache_fetch_account(struct zecfs_cache *c, const char *disk_id,
                         struct zecfs_list_head **out, struct zec_result *res)
{
	struct zec_snapshot_filter f = { 0 };
	struct by_disk d = { 0 };
	struct zec_snapshot_sink sink = { by_disk_page, by_disk_restart, &d };
	struct zecfs_known k;
	struct zecfs_disklist *disks = NULL;
	struct zecfs_snaplist *mine = NULL;
	double started = zec_clock_now();
	unsigned long long since;
	int ret;

	pthread_mutex_lock(&c->lock);
	since = c->gen;
	pthread_mutex_unlock(&c->lock);
	zecfs_cache_known_get(c, NULL, &k);
	f.known = k.ids;
	f.n_known = k.n;
	ret = zec_describe_snapshots_each(c->client, &f, &sink, res);
	zecfs_cache_known_put(&k);
	if (ret) {
		by_disk_restart(&d);
		return ret;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct zecfs_snaplist *l = NULL;

		if (ret || zecfs_cache_builder_finish(&d.v[i].b, started, &l)) {
			zecfs_cache_builder_drop(&d.v[i].b);
			ret = -ENOMEM;
			continue;
		}
		if (strcmp(d.v[i].disk_id, disk_id) == 0)
			mine = l;
		else if (res->incomplete)
			zecfs_list_put(&l->h);        /* each disk lists itself when asked */
		else
			install_list(c, d.v[i].disk_id, l, since);
	}
	free(d.v);
	/* what the pages were parsed into is free again: give it back */
	malloc_trim(0);
	if (ret) {
		if (mine)
			zecfs_list_put(&mine->h);
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "building snapshot lists");
	}
	/* disks without any snapshot get an empty list too */
	if (mine && res->incomplete)
		zecfs_cache_keep_unlisted(c, disk_id, &mine);
	pthread_mutex_lock(&c->lock);
	if (c->disks.cur && !res->incomplete) {
		disks = (struct zecfs_disklist *)c->disks.cur;
		zecfs_cache_list_get(&disks->h);
	}
	pthread_mutex_unlock(&c->lock);
	for (size_t k = 0; disks && k < disks->n; k++) {
		const char *id = disks->v[k].d.disk_id;
		struct zecfs_disk_slot *ds;
		bool listed;

		if (strcmp(id, disk_id) == 0)
			continue;
		pthread_mutex_lock(&c->lock);
		ds = zecfs_cache_disk_slot(c, id, false);
		listed = ds && ds->s.cur && ds->s.cur->fetched >= started;
		pthread_mutex_unlock(&c->lock);
		if (!listed) {
			struct zecfs_snaplist *empty = NULL;

			if (zecfs_cache_empty_list(started, &empty) == 0)
				install_list(c, id, empty, since);
		}
	}
	zecfs_disklist_put(disks);
	if (!mine && zecfs_cache_empty_list(started, &mine))
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "building snapshot lists");
	*out = &mine->h;
	return 0;
}

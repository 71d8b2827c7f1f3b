/*
 * cache_disks.c - the disk list: built from DescribeDisks (sorted by disk
 * id, unshowable ids left out), kept in the cache's disk slot, searched by
 * id, and changed in place by zecfs's own renames (read-your-writes).
 */
#include "cache_int.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_errno.h"

void zecfs_cache_disklist_destroy(void *p)
{
	struct zecfs_disklist *l = p;

	for (size_t i = 0; i < l->n; i++)
		zec_disk_clear(&l->v[i].d);
	free(l->v);
	free(l);
}

void zecfs_disklist_put(struct zecfs_disklist *l)
{
	if (l)
		zecfs_list_put(&l->h);
}

static int disk_id_cmp(const void *pa, const void *pb)
{
	const struct zecfs_disk *a = pa, *b = pb;

	return strcmp(a->d.disk_id, b->d.disk_id);
}

/* Builds a disk list from disks it takes ownership of (the array too). */
static int disklist_build(struct zec_disk *items, size_t n, double fetched,
                          struct zecfs_disklist **out)
{
	struct zecfs_disklist *l = calloc(1, sizeof(*l));
	size_t k = 0;

	if (!l || (n && !(l->v = calloc(n, sizeof(*l->v))))) {
		for (size_t i = 0; i < n; i++)
			zec_disk_clear(&items[i]);
		free(items);
		free(l);
		return -ENOMEM;
	}
	l->h.refs = 1;
	l->h.fetched = fetched;
	l->h.destroy = zecfs_cache_disklist_destroy;
	for (size_t i = 0; i < n; i++) {
		if (!items[i].disk_id) {
			zec_disk_clear(&items[i]);
			continue;
		}
		if (!zecfs_name_ok(items[i].disk_id, ZECFS_LIST_ID_MAX) || items[i].disk_id[0] == '.') {
			if (!l->h.unshown++)
				l->h.first_unshown = "disk";
			zec_disk_clear(&items[i]);
			continue;
		}
		l->v[k].d = items[i];
		l->v[k].ctime = zecfs_cache_parse_time(items[i].create_time);
		k++;
	}
	l->n = k;
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), disk_id_cmp);
	for (size_t i = 0; i < l->n; i++) {
		l->h.digest = zecfs_list_digest(l->h.digest, l->v[i].d.disk_id, l->v[i].d.disk_name);
		if (l->v[i].ctime > l->h.newest)
			l->h.newest = l->v[i].ctime;
	}
	free(items);
	*out = l;
	return 0;
}

const struct zecfs_disk *zecfs_disklist_find(const struct zecfs_disklist *l,
                                         const char *disk_id)
{
	struct zecfs_disk key = { .d.disk_id = (char *)disk_id };

	if (!l || !l->n)
		return NULL;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), disk_id_cmp);
}

static int fetch_disks(struct zecfs_cache *c, void *arg,
                       struct zecfs_list_head **out, struct zec_result *res)
{
	struct zec_disk_filter f = { .snapshot_ability = -1 };
	struct zec_disk_list dl = { 0 };
	struct zecfs_disklist *l = NULL, *old = NULL;
	const char **known = NULL;
	double started = zec_clock_now();
	int ret;

	(void)arg;
	/* the disks shown now, for the walk to confirm what it lacks */
	pthread_mutex_lock(&c->lock);
	if (c->disks.cur) {
		old = (struct zecfs_disklist *)c->disks.cur;
		zecfs_cache_list_get(&old->h);
	}
	pthread_mutex_unlock(&c->lock);
	if (old && old->n && (known = calloc(old->n, sizeof(*known)))) {
		for (size_t i = 0; i < old->n; i++)
			known[i] = old->v[i].d.disk_id;
		f.known = known;
		f.n_known = old->n;
	}
	ret = zec_describe_disks_all(c->client, &f, &dl, res);
	free(known);
	zecfs_disklist_put(old);
	if (ret)
		return ret;
	ret = disklist_build(dl.items, dl.count, started, &l);
	/* what the pages were parsed into is free again, in the middle of the
	 * heap where the list's blocks went: give its whole pages back (a
	 * fresh mount of 1,100 disks: 2 MiB) */
	malloc_trim(0);
	if (ret)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "building the disk list");
	*out = &l->h;
	return 0;
}

int zecfs_cache_disks(struct zecfs_cache *c, struct zecfs_disklist **out,
                    struct zec_result *res)
{
	return zecfs_cache_disks_use(c, &ZECFS_BY_TTL, out, res);
}

int zecfs_cache_disks_use(struct zecfs_cache *c, const struct zecfs_use_by *by,
                          struct zecfs_disklist **out, struct zec_result *res)
{
	struct zecfs_list_head *h = NULL;
	int ret = zecfs_cache_serve(c, &c->disks, fetch_disks, NULL, by, &h, res);

	if (!ret)
		*out = (struct zecfs_disklist *)h;
	return ret;
}

struct zecfs_disklist *zecfs_cache_disks_cached(struct zecfs_cache *c)
{
	struct zecfs_list_head *h;

	pthread_mutex_lock(&c->lock);
	h = c->disks.cur;
	if (h)
		zecfs_cache_list_get(h);
	pthread_mutex_unlock(&c->lock);
	return (struct zecfs_disklist *)h;
}

int zecfs_cache_disk_changed(struct zecfs_cache *c, const struct zec_disk *d)
{
	struct zecfs_disklist *old, *fresh;
	struct zec_disk *items;
	size_t n;
	int ret;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		if (!c->disks.cur) {
			c->disks.changed_gen = ++c->gen;
			pthread_mutex_unlock(&c->lock);
			return 0;
		}
		old = (struct zecfs_disklist *)c->disks.cur;
		zecfs_cache_list_get(&old->h);
		pthread_mutex_unlock(&c->lock);

		ret = 0;
		fresh = NULL;
		items = calloc(old->n ? old->n : 1, sizeof(*items));
		for (n = 0; items && n < old->n; n++) {
			const struct zec_disk *src = &old->v[n].d;

			if (strcmp(src->disk_id, d->disk_id) == 0)
				src = d;
			ret = zec_disk_copy(&items[n], src);
			if (ret)
				break;
		}
		if (!items || ret) {
			for (size_t i = 0; items && i < n; i++)
				zec_disk_clear(&items[i]);
			free(items);
			zecfs_list_put(&old->h);
			return -ENOMEM;
		}
		ret = disklist_build(items, n, old->h.fetched, &fresh);
		if (ret) {
			zecfs_list_put(&old->h);
			return ret;
		}
		pthread_mutex_lock(&c->lock);
		if (c->disks.cur == &old->h) {
			zecfs_cache_changed_mtime(&fresh->h, &old->h);
			zecfs_list_put(c->disks.cur);
			c->disks.cur = &fresh->h;
			c->disks.changed_gen = ++c->gen;
			fresh = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		zecfs_list_put(&old->h);
		if (!fresh)
			return 0;
		zecfs_list_put(&fresh->h);
	}
}

void zecfs_cache_forget_disks(struct zecfs_cache *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->disks.cur)
		c->disks.due = true;
	c->disks.changed_gen = ++c->gen;
	zecfs_cache_report_changed(c, ZECFS_CHANGED_DISKS, NULL);
	pthread_mutex_unlock(&c->lock);
}

/*
 * cache_recheck.c - snapshots in a passing state (CREATING, DELETING,
 * ROLLING_BACK) asked about again by id, all of a disk's in one call, so
 * a state does not stay stale for a whole TTL.
 */
#include "cache_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"

#define TRANSIENT_RECHECK_S 2.0
#define RECHECK_MAX 100         /* snapshotIds in one DescribeSnapshots */

static bool transient(const char *status)
{
	return status && (strcmp(status, "CREATING") == 0 || strcmp(status, "DELETING") == 0 ||
	                  strcmp(status, "ROLLING_BACK") == 0);
}

struct recheck {
	const char **ids;            /* what was asked about, sorted */
	char (*text)[ZECFS_SNAP_ID_LEN];  /* the numeric ones written out */
	size_t n_ids;
	struct zec_snapshot_list *got;  /* what the server answered */
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The old list, with every rechecked snapshot as the server shows it now
 * (gone when the server no longer lists it). */
static int rebuild_rechecked(const struct zecfs_snaplist *old, void *arg,
                             struct zecfs_snaplist **out)
{
	const struct recheck *rc = arg;
	struct zecfs_builder b = { 0 };
	int ret = 0;

	for (size_t i = 0; i < old->n && !ret; i++) {
		const struct zec_snapshot *src = NULL;
		char buf[ZECFS_SNAP_ID_LEN];
		const char *id = zecfs_snap_id(&old->v[i], buf);

		if (!bsearch(&id, rc->ids, rc->n_ids, sizeof(*rc->ids), str_cmp)) {
			ret = zecfs_cache_builder_add_snap(&b, &old->v[i]);
			continue;
		}
		for (size_t k = 0; k < rc->got->count; k++) {
			if (rc->got->items[k].snapshot_id &&
			    strcmp(rc->got->items[k].snapshot_id, id) == 0) {
				src = &rc->got->items[k];
				break;
			}
		}
		if (src)                /* else gone */
			ret = zecfs_cache_builder_add(&b, src);
	}
	if (ret) {
		zecfs_cache_builder_drop(&b);
		return ret;
	}
	return zecfs_cache_builder_finish(&b, old->h.fetched, out);
}

int zecfs_cache_recheck_transient(struct zecfs_cache *c, const char *disk_id)
{
	struct zec_snapshot_filter f = { 0 };
	struct zec_snapshot_list got = { 0 };
	struct zec_result res = { .path = "recheck" };
	struct zecfs_snaplist *l = NULL;
	struct zecfs_disk_slot *ds;
	struct recheck rc = { 0 };
	double now = zec_clock_now();
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	ds = zecfs_cache_disk_slot(c, disk_id, false);
	if (ds && ds->s.cur && !ds->s.fetching &&
	    now - ds->s.cur->fetched >= TRANSIENT_RECHECK_S &&
	    now - ds->s.rechecked >= TRANSIENT_RECHECK_S) {
		l = (struct zecfs_snaplist *)ds->s.cur;
		zecfs_cache_list_get(&l->h);
		ds->s.rechecked = now;  /* one recheck at a time, every 2 s at most */
	}
	pthread_mutex_unlock(&c->lock);
	if (!l)
		return 0;
	rc.ids = calloc(RECHECK_MAX, sizeof(*rc.ids));
	rc.text = calloc(RECHECK_MAX, sizeof(*rc.text));
	if (!rc.ids || !rc.text) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l->n && rc.n_ids < RECHECK_MAX; i++) {
		if (transient(zecfs_snap_status(&l->v[i]))) {
			rc.ids[rc.n_ids] = zecfs_snap_id(&l->v[i], rc.text[rc.n_ids]);
			rc.n_ids++;
		}
	}
	if (!rc.n_ids)
		goto out;
	qsort(rc.ids, rc.n_ids, sizeof(*rc.ids), str_cmp);
	f.snapshot_ids = rc.ids;
	f.n_snapshot_ids = rc.n_ids;
	ret = zec_describe_snapshots_all(c->client, &f, &got, &res);
	if (ret)
		goto out;       /* the cached states stand; the TTL refetch will tell */
	rc.got = &got;
	ret = zecfs_cache_snap_swap(c, disk_id, rebuild_rechecked, &rc, false);
out:
	zec_snapshot_list_free(&got);
	free(rc.ids);
	free(rc.text);
	zecfs_snaplist_put(l);
	return ret;
}

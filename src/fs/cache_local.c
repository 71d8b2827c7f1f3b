/*
 * cache_local.c - read-your-writes for snapshot lists: zecfs's own mkdir,
 * rmdir and renames (and fresher records from a recheck) become a new list
 * built from the disk's current one without the lock, then swapped in.
 */
#include "cache_int.h"

#include <pthread.h>
#include <string.h>

enum change { CHANGE_ADD, CHANGE_REMOVE, CHANGE_REPLACE };

/* A copy of 'old' with one change applied, built without any lock. */
static int snap_rebuild(const struct zecfs_snaplist *old, enum change how,
                        const struct zec_snapshot *s, const char *snapshot_id,
                        struct zecfs_snaplist **out)
{
	const char *id = how == CHANGE_REMOVE ? snapshot_id : s->snapshot_id;
	const struct zecfs_snap *hit = how != CHANGE_ADD ? zecfs_snaplist_find_id(old, id) : NULL;
	struct zecfs_builder b = { 0 };
	int ret = 0;

	/* straight from the cached records into the new list's builder */
	for (size_t i = 0; i < old->n && !ret; i++) {
		if (&old->v[i] != hit)
			ret = zecfs_cache_builder_add_snap(&b, &old->v[i]);
		else if (how == CHANGE_REPLACE)
			ret = zecfs_cache_builder_add(&b, s);
	}
	if (!ret && how == CHANGE_ADD)
		ret = zecfs_cache_builder_add(&b, s);
	if (ret) {
		zecfs_cache_builder_drop(&b);
		return ret;
	}
	return zecfs_cache_builder_finish(&b, old->h.fetched, out);
}

/*
 * Swaps in a list built from the disk's current one.  The new list is built
 * without the lock; under it, only a pointer is swapped, so a change to a
 * disk of 100,000 snapshots stalls no lookup.  When another change swapped
 * first, the build starts again from the newer list.  'local': zecfs's own
 * change (read-your-writes: a fetch already under way must not undo it).
 */
int zecfs_cache_snap_swap(struct zecfs_cache *c, const char *disk_id, zecfs_cache_rebuild_fn fn,
                     void *arg, bool local)
{
	struct zecfs_snaplist *old, *fresh;
	struct zecfs_disk_slot *ds;
	int ret;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		ds = zecfs_cache_disk_slot(c, disk_id, true);
		if (!ds || !ds->s.cur) {
			/* never listed: the next listing shows it, but a listing
			 * under way may predate the change */
			if (ds && local)
				ds->s.changed_gen = ++c->gen;
			pthread_mutex_unlock(&c->lock);
			return 0;
		}
		old = (struct zecfs_snaplist *)ds->s.cur;
		zecfs_cache_list_get(&old->h);
		pthread_mutex_unlock(&c->lock);

		fresh = NULL;
		ret = fn(old, arg, &fresh);
		if (ret) {
			zecfs_list_put(&old->h);
			zecfs_cache_forget_snapshots(c, disk_id);
			return ret;
		}
		zecfs_cache_carry_bad_times(fresh, old);
		pthread_mutex_lock(&c->lock);
		if (ds->s.cur == &old->h) {
			zecfs_cache_report_records(c, disk_id, old, fresh);
			if (local) {
				zecfs_cache_changed_mtime(&fresh->h, &old->h);
				ds->s.changed_gen = ++c->gen;
			} else {
				zecfs_cache_report_gone(c, disk_id, &old->h, &fresh->h);
				zecfs_cache_settle_mtime(&fresh->h, &old->h);
			}
			zecfs_list_put(ds->s.cur);
			ds->s.cur = &fresh->h;
			fresh = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		zecfs_list_put(&old->h);
		if (!fresh)
			return 0;
		zecfs_list_put(&fresh->h);    /* lost the race: apply to the newer list */
	}
}

struct one_change {
	enum change how;
	const struct zec_snapshot *s;
	const char *snapshot_id;
};

static int rebuild_one(const struct zecfs_snaplist *old, void *arg, struct zecfs_snaplist **out)
{
	const struct one_change *ch = arg;

	return snap_rebuild(old, ch->how, ch->s, ch->snapshot_id, out);
}

static int snap_change(struct zecfs_cache *c, const char *disk_id, enum change how,
                       const struct zec_snapshot *s, const char *snapshot_id)
{
	struct one_change ch = { how, s, snapshot_id };

	return zecfs_cache_snap_swap(c, disk_id, rebuild_one, &ch, true);
}

int zecfs_cache_snapshot_added(struct zecfs_cache *c, const struct zec_snapshot *s)
{
	return snap_change(c, s->disk_id, CHANGE_ADD, s, NULL);
}

int zecfs_cache_snapshot_removed(struct zecfs_cache *c, const char *disk_id,
                               const char *snapshot_id)
{
	return snap_change(c, disk_id, CHANGE_REMOVE, NULL, snapshot_id);
}

int zecfs_cache_snapshot_changed(struct zecfs_cache *c, const struct zec_snapshot *s)
{
	return snap_change(c, s->disk_id, CHANGE_REPLACE, s, NULL);
}

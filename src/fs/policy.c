/*
 * policy.c - server-side schedules and restores, as extended attributes.
 *
 *   MNT/<diskId>  user.zec.autoSnapshot          "days=mon,wed,fri hours=2 keep=14"
 *                 (read: the disk's policy; write: put the disk on a policy
 *                 with exactly that schedule, an existing one of the disk's
 *                 zone when one matches, else a new one; a disk on another
 *                 policy is moved: cancel, then apply; remove: cancel)
 *   MNT/<diskId>  user.zec.autoSnapshotPolicyId  read-only
 *   MNT/<diskId>/snapshots/<name>  user.zec.restoreTo = <newDiskName>
 *                 CreateDisks from the snapshot (same zone, category and
 *                 size as the source disk), only with -o allow_restore;
 *                 EEXIST before any CreateDisks when a disk has the name.
 *
 * The schedule is read from the cached policy listing (policies.c: no call
 * within cache_ttl); every change made here drops that listing, so reads
 * see it at once.  Errnos come from the one table; a malformed schedule is
 * EINVAL before any call.
 */
#include "zecfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_policy.h"
#include "zec_schedule.h"

/* The schedule of a policy, as user.zec.autoSnapshot shows it. */
static struct zec_schedule schedule_of(const struct zec_policy *p)
{
	struct zec_schedule s = { p->week_days, p->hours, p->retention_days };

	return s;
}

int zecfs_autosnap_get(struct zecfs *fs, const struct zecfs_node *n, char *buf,
                       size_t size, struct zec_result *res)
{
	const char *id = n->disk->d.auto_snapshot_policy_id;
	const struct zecfs_policy_entry *pol;
	struct zecfs_policylist *pl = NULL;
	struct zec_schedule s;
	int ret;

	if (!id || !*id)
		return zecfs_refuse(ZECFS_XATTR_NONE);
	ret = zecfs_policies_get(fs, &pl, res);
	if (ret)
		return ret;
	pol = zecfs_policylist_find_id(pl, id);
	if (!pol && n->dl && pl->h.fetched < n->dl->h.fetched) {
		/* the disk's record is newer than the listing: list again, once */
		zecfs_policylist_put(pl);
		pl = NULL;
		zecfs_cache_slot_forget(fs->cache, fs->policies);
		ret = zecfs_policies_get(fs, &pl, res);
		if (ret)
			return ret;
		pol = zecfs_policylist_find_id(pl, id);
	}
	if (!pol) {
		ret = zecfs_refuse(ZECFS_XATTR_NONE);   /* the policy is gone */
		goto out;
	}
	s = schedule_of(&pol->p);
	ret = zec_schedule_format(&s, buf, size) ? zecfs_refuse(ZECFS_XATTR_NONE) : 0;
out:
	zecfs_policylist_put(pl);
	return ret;
}

/* The cached disk record with another policy id (read-your-writes). */
static void disk_on_policy(struct zecfs *fs, const struct zec_disk *d, const char *policy_id)
{
	struct zec_disk copy = { 0 };

	if (zec_disk_copy(&copy, d) == 0) {
		free(copy.auto_snapshot_policy_id);
		copy.auto_snapshot_policy_id = policy_id ? strdup(policy_id) : NULL;
		if (!policy_id || copy.auto_snapshot_policy_id)
			zecfs_cache_disk_changed(fs->cache, &copy);
		else
			zecfs_cache_forget_disks(fs->cache);
	} else {
		zecfs_cache_forget_disks(fs->cache);
	}
	zec_disk_clear(&copy);
}

/* A policy of the zone with exactly that schedule, or a new one. */
static int policy_for(struct zecfs *fs, const struct zec_disk *d, const struct zec_schedule *s,
                      char **policy_id, bool *created, struct zec_result *res)
{
	const char *zones[1] = { d->zone_id };
	struct zec_policy_filter f = { .zone_ids = zones, .n_zone_ids = d->zone_id ? 1 : 0 };
	struct zec_policy_list l = { 0 };
	struct zec_policy_spec spec = { 0 };
	char name[64];
	int ret;

	*policy_id = NULL;
	*created = false;
	ret = zec_describe_auto_snapshot_policies_all(fs->client, &f, &l, res);
	if (ret)
		return ret;
	for (size_t i = 0; i < l.count; i++) {
		struct zec_schedule has = schedule_of(&l.items[i]);

		if (has.days == s->days && has.hours == s->hours && has.keep == s->keep &&
		    l.items[i].policy_id) {
			*policy_id = strdup(l.items[i].policy_id);
			ret = *policy_id ? 0 : zecfs_refuse(ZECFS_OUT_OF_MEMORY);
			goto out;
		}
	}
	/* our choice of name (docs/design.md): the schedule, readably */
	if (zec_schedule_policy_name(s, name, sizeof(name)))
		snprintf(name, sizeof(name), "zecfs-schedule");
	spec.zone_id = d->zone_id;
	spec.policy_name = name;
	spec.week_days = s->days;
	spec.hours = s->hours;
	spec.retention_days = s->keep;
	ret = zec_create_auto_snapshot_policy(fs->client, &spec, policy_id, res);
	*created = ret == 0;
	if (!ret)
		zlog_info("policy created policy_id=%s name=%s zone_id=%s request_id=%s",
		          ZLOG_ESC(*policy_id), ZLOG_ESC(name), ZLOG_ESC(d->zone_id),
		          ZLOG_ESC(res->request_id));
out:
	zec_policy_list_free(&l);
	return ret;
}

/*
 * The apply failed (a system disk, a disk in another state): undo what this
 * setfattr did before it, best effort, so a refusal leaves things as they
 * were: the disk back on its old policy, no empty policy of ours left over.
 * The caller's result keeps the apply's error.
 */
static void undo_move(struct zecfs *fs, const struct zec_disk *d, const char *cancelled,
                      const char *created)
{
	const char *disk_ids[1] = { d->disk_id };
	struct zec_result undo = { .path = "autoSnapshot" };

	if (cancelled && zec_apply_auto_snapshot_policy(fs->client, cancelled, disk_ids, 1, &undo))
		zlog_warn("disk left off its old schedule after a refused move disk_id=%s "
		          "policy_id=%s code=%s", ZLOG_ESC(d->disk_id), ZLOG_ESC(cancelled),
		          ZLOG_ESC(undo.code));
	if (created) {
		const char *ids[1] = { created };

		if (zec_delete_auto_snapshot_policies(fs->client, ids, 1, &undo))
			zlog_warn("policy left unused after a refused apply policy_id=%s code=%s",
			          ZLOG_ESC(created), ZLOG_ESC(undo.code));
		else
			zlog_info("policy deleted, its apply was refused policy_id=%s request_id=%s",
			          ZLOG_ESC(created), ZLOG_ESC(undo.request_id));
	}
}

int zecfs_autosnap_set(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                       size_t size, struct zec_result *res)
{
	const struct zec_disk *d = &n->disk->d;
	const char *disk_ids[1] = { d->disk_id };
	const char *cancelled = NULL;
	struct zec_schedule s;
	char *policy_id = NULL;
	bool created;
	int ret;

	if (zec_schedule_parse(value, size, &s))
		return zec_result_local(res, ZECFS_SCHEDULE_INVALID, "autoSnapshot");
	if (!d->snapshot_ability)
		return zec_result_local(res, ZECFS_NO_SNAPSHOT_ABILITY, "autoSnapshot");
	ret = policy_for(fs, d, &s, &policy_id, &created, res);
	if (ret)
		goto changed;           /* a create whose outcome is unknown */
	if (d->auto_snapshot_policy_id && strcmp(d->auto_snapshot_policy_id, policy_id) == 0)
		goto out;               /* already on exactly that schedule */
	if (d->auto_snapshot_policy_id && *d->auto_snapshot_policy_id) {
		ret = zec_cancel_auto_snapshot_policy(fs->client, d->auto_snapshot_policy_id,
		                                      disk_ids, 1, res);
		if (ret)
			goto changed;
		cancelled = d->auto_snapshot_policy_id;
	}
	ret = zec_apply_auto_snapshot_policy(fs->client, policy_id, disk_ids, 1, res);
	if (ret) {
		undo_move(fs, d, cancelled, created ? policy_id : NULL);
		zecfs_cache_forget_disks(fs->cache);
		goto changed;
	}
	zlog_info("disk put on a schedule path=%s disk_id=%s policy_id=%s request_id=%s",
	          ZLOG_ESC(res->path), ZLOG_ESC(d->disk_id), ZLOG_ESC(policy_id),
	          ZLOG_ESC(res->request_id));
	disk_on_policy(fs, d, policy_id);
changed:
	/* policies changed (or may have: a failure's outcome can be unknown) */
	zecfs_policies_changed(fs, d->auto_snapshot_policy_id, policy_id, d->disk_id);
out:
	free(policy_id);
	return ret;
}

int zecfs_autosnap_remove(struct zecfs *fs, const struct zecfs_node *n, struct zec_result *res)
{
	const struct zec_disk *d = &n->disk->d;
	const char *disk_ids[1] = { d->disk_id };
	int ret;

	if (!d->auto_snapshot_policy_id || !*d->auto_snapshot_policy_id)
		return zecfs_refuse(ZECFS_XATTR_NONE);
	ret = zec_cancel_auto_snapshot_policy(fs->client, d->auto_snapshot_policy_id,
	                                      disk_ids, 1, res);
	zecfs_policies_changed(fs, d->auto_snapshot_policy_id, NULL, d->disk_id);
	if (ret)
		return ret;
	zlog_info("disk taken off its schedule path=%s disk_id=%s request_id=%s",
	          ZLOG_ESC(res->path), ZLOG_ESC(d->disk_id), ZLOG_ESC(res->request_id));
	disk_on_policy(fs, d, NULL);
	return 0;
}

/*
 * Whether a disk already has the name a restore would give: the cached
 * listing first (a hit costs no call), else the server, by name (the
 * filter may be fuzzy: only an exact match counts).  1 with its id in
 * *id, 0 when none has it, or a negative errno.  A second disk of one name
 * costs money and takes the name out of .by-name (names must be unique
 * there), so a restore is refused before CreateDisks.
 */
static int disk_name_taken(struct zecfs *fs, const struct zecfs_node *n, const char *name,
                           char **id, struct zec_result *res)
{
	struct zec_disk_filter f = { .disk_name = name, .snapshot_ability = -1 };
	struct zec_disk_list l = { 0 };
	int ret;

	*id = NULL;
	for (size_t i = 0; n->dl && i < n->dl->n; i++) {
		if (n->dl->v[i].d.disk_name && strcmp(n->dl->v[i].d.disk_name, name) == 0) {
			*id = strdup(n->dl->v[i].d.disk_id ? n->dl->v[i].d.disk_id : "-");
			return *id ? 1 : zecfs_refuse(ZECFS_OUT_OF_MEMORY);
		}
	}
	ret = zec_describe_disks_all(fs->client, &f, &l, res);
	for (size_t i = 0; !ret && i < l.count; i++) {
		if (l.items[i].disk_name && strcmp(l.items[i].disk_name, name) == 0) {
			*id = strdup(l.items[i].disk_id ? l.items[i].disk_id : "-");
			ret = *id ? 1 : zecfs_refuse(ZECFS_OUT_OF_MEMORY);
		}
	}
	zec_disk_list_free(&l);
	return ret;
}

int zecfs_restore(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                  size_t size, struct zec_result *res)
{
	char *taken = NULL;
	struct zec_disk_spec spec = { 0 };
	struct zec_disks_created made = { 0 };
	char *name;
	int ret;

	if (!fs->cfg.allow_restore) {
		zlog_warn("restore refused path=%s reason=\"restoring is off: mount with -o allow_restore\"",
		          ZLOG_ESC(res->path));
		return zec_result_local(res, ZECFS_RESTORE_DISABLED, res->path);
	}
	ret = zecfs_disk_name_value(value, size, &name, res);
	if (ret)
		return ret;
	ret = disk_name_taken(fs, n, name, &taken, res);
	if (ret > 0) {
		zlog_warn("restore refused path=%s disk_name=%s disk_id=%s reason=\"a disk of that name exists\"",
		          ZLOG_ESC(res->path), ZLOG_ESC(name), ZLOG_ESC(taken));
		ret = zec_result_local(res, ZECFS_DISK_EXISTS, name);
	}
	if (ret)
		goto out;
	spec.zone_id = n->disk->d.zone_id;
	spec.disk_name = name;
	spec.disk_size = n->disk->d.disk_size;
	spec.disk_category = n->disk->d.disk_category;
	spec.snapshot_id = n->snap->s.snapshot_id;
	/* the inode is the id the kernel looked the name up as: still so? */
	ret = zecfs_confirm_snapshot(fs, n->disk->d.disk_id, n->snap, res);
	if (ret)
		goto out;
	/* not re-sent after an unclear outcome: a disk costs money */
	ret = zec_create_disks(fs->client, &spec, &made, res);
	if (ret) {
		zecfs_cache_forget_disks(fs->cache);
		goto out;
	}
	zlog_info("disk restored path=%s snapshot_id=%s disk_id=%s disk_name=%s request_id=%s",
	          ZLOG_ESC(res->path), ZLOG_ESC(spec.snapshot_id),
	          ZLOG_ESC(made.disk_ids.count ? made.disk_ids.v[0] : NULL),
	          ZLOG_ESC(name), ZLOG_ESC(res->request_id));
	/* the new disk shows at once: the next look lists the disks again */
	zecfs_cache_forget_disks(fs->cache);
	zecfs_inval_inode(fs->inval, ZECFS_INO_ROOT);
	zecfs_inval_inode(fs->inval, ZECFS_INO_BYNAME);
	zecfs_inval_flush(fs->inval);
out:
	zec_disks_created_free(&made);
	free(taken);
	free(name);
	return ret;
}

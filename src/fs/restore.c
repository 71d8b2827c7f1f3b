/*
 * restore.c - user.zec.restoreTo: a new disk from a snapshot.
 *
 *   MNT/<diskId>/snapshots/<name>  user.zec.restoreTo = <newDiskName>
 *                 CreateDisks from the snapshot (same zone, category and
 *                 size as the source disk), only with -o allow_restore;
 *                 EEXIST before any CreateDisks when a disk has the name,
 *                 and only on the snapshot the server confirms still has
 *                 the name the kernel looked up (confirm.c).
 *
 * A disk costs money: the create is never re-sent after an unclear
 * outcome, and the disk list is listed again at once either way.
 */
#include "zecfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_policy.h"
#include "zec_schedule.h"
#include "zec_time.h"

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
			return *id ? 1 : zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
		}
	}
	ret = zec_describe_disks_all(fs->client, &f, &l, res);
	for (size_t i = 0; !ret && i < l.count; i++) {
		if (l.items[i].disk_name && strcmp(l.items[i].disk_name, name) == 0) {
			*id = strdup(l.items[i].disk_id ? l.items[i].disk_id : "-");
			ret = *id ? 1 : zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
		}
	}
	zec_disk_list_free(&l);
	return ret;
}

int zecfs_restore(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                  size_t size, struct zec_result *res)
{
	char *taken = NULL, snap_id[ZECFS_SNAP_ID_LEN];
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
	spec.snapshot_id = zecfs_snap_id(n->snap, snap_id);
	/* the inode is the id the kernel looked the name up as: still so? */
	ret = zecfs_confirm_snapshot(fs, n->disk->d.disk_id, n->snap, res);
	if (ret)
		goto out;
	/* not re-sent after an unclear outcome: a disk costs money */
	ret = zec_create_disks(fs->client, &spec, &made, res);
	if (ret) {
		/* the outcome may be unknown: the root the kernel holds must not
		 * hide a disk that was made, or a retry pays for a second one;
		 * the request is on a snapshot, so waiting for the root's drop
		 * here cannot deadlock */
		zecfs_cache_forget_disks(fs->cache);
		zecfs_inval_flush(fs->inval);
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

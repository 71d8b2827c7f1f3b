/*
 * confirm.c - a name from a listing is a hint, never the authority for a
 * mutation: before zecfs deletes, renames, rolls back, restores from or
 * changes the retention of a snapshot it found by name, the server confirms
 * that the snapshot's id still has that name on that disk.
 *
 * The cached listing can be cache_ttl old (stale_max while listings fail),
 * and other hosts, the console and Terraform rename and re-create names
 * meanwhile: without this, "rmdir snapA" could delete the snapshot that had
 * been renamed snapB since.  The cost is one DescribeSnapshots by id.
 *
 * On a mismatch the disk's listing is forgotten and the kernel's entry for
 * the old name dropped; callers that hold the name resolve it again in the
 * fresh listing (ENOENT, or the snapshot that has the name now), callers
 * that hold only an inode answer ESTALE, which makes the kernel look the
 * path up again and repeat the call once (retry_estale).
 */
#include "zecfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zec_errno.h"
#include "zec_log.h"

/* Rounds of "resolve, confirm" before a name that keeps moving gives up. */
#define CONFIRM_ROUNDS 3

/* Does the server's record still say what the listing said? */
static bool same_snapshot(const struct zec_snapshot *now, const struct zec_snapshot *was,
                          const char *disk_id)
{
	return now->snapshot_id && strcmp(now->snapshot_id, was->snapshot_id) == 0 &&
	       now->snapshot_name && was->snapshot_name &&
	       strcmp(now->snapshot_name, was->snapshot_name) == 0 &&
	       now->disk_id && strcmp(now->disk_id, disk_id) == 0 &&
	       !(now->status && strcmp(now->status, "DELETING") == 0);
}

/* The listing no longer tells the truth about 'shown': ask again, and drop
 * the kernel's entry for the name (and the directory's cached contents). */
static void moved(struct zecfs *fs, const char *disk_id, const char *shown)
{
	uint64_t dir = zecfs_inode_peek(fs->inodes, ZECFS_SNAPDIR, disk_id, NULL);

	zecfs_cache_forget_snapshots(fs->cache, disk_id);
	zecfs_inval_entry(fs->inval, dir, shown);
	zecfs_inval_inode(fs->inval, dir);
}

int zecfs_confirm_snapshot(struct zecfs *fs, const char *disk_id,
                           const struct zecfs_snap *snap, struct zec_result *res)
{
	struct zecfs_snap_rec was;
	const char *ids[1];
	struct zec_snapshot_filter f = { .snapshot_ids = ids, .n_snapshot_ids = 1 };
	struct zec_snapshot_list l = { 0 };
	int ret;

	zecfs_snap_record(snap, &was);
	ids[0] = was.s.snapshot_id;

	ret = zec_describe_snapshots(fs->client, &f, 1, 1, &l, res);
	if (ret)
		goto out;
	if (l.count == 1 && same_snapshot(&l.items[0], &was.s, disk_id))
		goto out;
	zlog_warn("name moved on the server, listing again path=%s snapshot_id=%s listed_name=%s server_name=%s request_id=%s",
	          ZLOG_ESC(res->path), ZLOG_ESC(was.s.snapshot_id),
	          ZLOG_ESC(was.s.snapshot_name),
	          ZLOG_ESC(l.count == 1 && l.items[0].snapshot_name ? l.items[0].snapshot_name : "-"),
	          ZLOG_ESC(res->request_id));
	moved(fs, disk_id, zecfs_snap_name(snap));
	ret = zec_result_local(res, ZECFS_NAME_MOVED, zecfs_snap_name(snap));
out:
	zec_snapshot_list_free(&l);
	return ret;
}

int zecfs_child_confirmed(struct zecfs *fs, const struct zecfs_node *parent,
                          const char *name, struct zecfs_node *c, struct zec_result *res)
{
	int ret = 0;

	for (int round = 0; round < CONFIRM_ROUNDS; round++) {
		zecfs_node_release(c);
		ret = zecfs_node_child(fs, parent, name, c, res);
		if (ret || c->id.kind != ZECFS_SNAPSHOT)
			return ret;
		ret = zecfs_confirm_snapshot(fs, parent->id.disk_id, c->snap, res);
		if (ret != -ESTALE)
			return ret;
	}
	return ret;
}

int zecfs_find_confirmed(struct zecfs *fs, const char *disk_id, const char *name,
                         struct zecfs_snaplist **sl, const struct zecfs_snap **snap,
                         struct zec_result *res)
{
	int ret = 0;

	for (int round = 0; round < CONFIRM_ROUNDS; round++) {
		zecfs_snaplist_put(*sl);
		*sl = NULL;
		*snap = NULL;
		ret = zecfs_cache_snapshots(fs->cache, disk_id, sl, res);
		if (ret)
			return ret;
		*snap = zecfs_snaplist_find(*sl, name);
		if (!*snap)
			return zec_result_local(res, ZECFS_NOT_FOUND, name);
		ret = zecfs_confirm_snapshot(fs, disk_id, *snap, res);
		if (ret != -ESTALE)
			return ret;
	}
	*snap = NULL;
	return ret;
}

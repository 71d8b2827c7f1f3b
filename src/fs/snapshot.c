/*
 * snapshot.c - taking, deleting and renaming snapshots: mkdir, rmdir and
 * rename in a snapshots/ directory.
 *
 *   mkdir   the name rule, snapshotAbility, the server's answer on the name
 *           (EEXIST), then CreateSnapshot (never two: see zec_client.h)
 *   rmdir   DeleteSnapshots, only with -o allow_delete; removes a snapshot
 *           directory although it holds snapshot.json (as ZFS does)
 *   rename  ModifySnapshotsAttribute, within one snapshots/ directory only
 *
 * rmdir and rename act on the id the server confirms for the name
 * (confirm.c), never on the cached listing's word alone.
 *
 * Each applies its change to the cache (read-your-writes) and answers an
 * errno from the one table in zec_errno.c.
 */
#include "zecfs.h"
#include "browse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"
#include "zec_name.h"

/*
 * The name rule, before any API call; a refusal is logged with the part of
 * the rule the name broke.  ENAMETOOLONG for length; any other break is
 * EINVAL for mkdir, but EPERM for rename: GNU mv prints rename's EINVAL
 * as "cannot move ... to a subdirectory of itself", which is not true.
 */
static int check_name(const char *op, const char *path, const char *name)
{
	static const char *const broke[] = {
		[ZEC_NAME_TOO_SHORT] = "the name is shorter than 2 characters",
		[ZEC_NAME_TOO_LONG] = "the name is longer than 63 characters",
		[ZEC_NAME_BAD_CHAR] = "the name holds a character other than a letter, a digit, '-' or '.'",
		[ZEC_NAME_BAD_EDGE] = "the name does not start and end with a letter or digit",
	};
	enum zec_name_verdict v = zec_snapshot_name_check(name);
	const char *code;

	if (v == ZEC_NAME_OK)
		return 0;
	if (v == ZEC_NAME_TOO_LONG)
		code = ZECFS_NAME_TOO_LONG;
	else
		code = strcmp(op, "rename") == 0 ? ZECFS_RENAME_NAME_INVALID : ZECFS_NAME_INVALID;
	return zecfs_refused(op, path, code, broke[v]);
}

/* A poll that failed for a reason that may pass: the wait goes on. */
static bool passing(const struct zec_result *res)
{
	return res->outcome == ZEC_OUTCOME_TIMEOUT || res->outcome == ZEC_OUTCOME_TRANSPORT ||
	       res->err == -EAGAIN || res->err == -ETIMEDOUT;
}

/*
 * Polls until the snapshot is AVAILABLE (-o wait_available).  The wait has
 * its own budget, wait_seconds, not the operation's deadline (-o timeout):
 * each poll is a call of its own with a fresh deadline, ending no later
 * than the wait, and a poll that times out or cannot connect is only one
 * poll lost.  The end of the budget is ZECFS_WAIT_TIMEOUT.
 */
static int wait_available(struct zecfs *fs, struct zec_snapshot *s, const char *path)
{
	const char *ids[1] = { s->snapshot_id };
	struct zec_snapshot_filter f = { .snapshot_ids = ids, .n_snapshot_ids = 1 };
	double deadline = zec_clock_now() + fs->cfg.wait_seconds;
	struct zec_result res = { .path = path };
	int ret;

	for (;;) {
		struct zec_snapshot_list l = { 0 };
		double left = deadline - zec_clock_now();

		if (left > fs->cfg.timeout)
			left = fs->cfg.timeout;
		zec_client_op_end(fs->client);
		zec_client_op_begin(fs->client, left > 0.001 ? (long)(left * 1000) : 1);
		ret = zec_describe_snapshots(fs->client, &f, 1, 1, &l, &res);
		if (ret && !passing(&res))
			break;
		if (!ret && l.count == 1 && l.items[0].status) {
			char *st = strdup(l.items[0].status);

			if (st) {
				free(s->status);
				s->status = st;
			}
			s->disk_ability = l.items[0].disk_ability;
			if (strcmp(l.items[0].status, "AVAILABLE") == 0) {
				zec_snapshot_list_free(&l);
				break;
			}
			if (strcmp(l.items[0].status, "FAILED") == 0) {
				zec_snapshot_list_free(&l);
				zlog_error("mkdir failed path=%s snapshot_id=%s status=FAILED",
				           ZLOG_ESC(path), ZLOG_ESC(s->snapshot_id));
				ret = zec_result_local(&res, ZECFS_SNAPSHOT_FAILED, path);
				break;
			}
		}
		zec_snapshot_list_free(&l);
		if (zec_clock_now() >= deadline) {
			zlog_error("mkdir wait timed out path=%s snapshot_id=%s waited_s=%.0f",
			           ZLOG_ESC(path), ZLOG_ESC(s->snapshot_id), fs->cfg.wait_seconds);
			ret = zec_result_local(&res, ZECFS_WAIT_TIMEOUT, path);
			break;
		}
		zec_before_wait();
		usleep(500 * 1000);
	}
	/* what mkdir does after the wait has a deadline of its own again */
	zec_client_op_end(fs->client);
	zec_client_op_begin(fs->client, (long)(fs->cfg.timeout * 1000));
	return ret;
}

/*
 * The snapshot ids of a listing whose snapshotName is name (a DELETING
 * namesake is not listed, but the server filters those out of adoption).
 * NULL with *n 0 when there are none or memory is short: adoption then
 * relies on the creation time alone.
 */
static const char **known_ids(const struct zecfs_snaplist *l, const char *name, size_t *n)
{
	const char **ids = NULL;

	*n = 0;
	for (size_t i = 0; l && i < l->n; i++) {
		if (strcmp(zecfs_snap_raw_name(&l->v[i]), name) != 0)
			continue;
		if (!ids && !(ids = calloc(l->n, sizeof(*ids) + ZECFS_SNAP_ID_LEN)))
			return NULL;
		/* the numeric ids written out after the pointers */
		ids[*n] = zecfs_snap_id(&l->v[i], (char *)(ids + l->n) + *n * ZECFS_SNAP_ID_LEN);
		(*n)++;
	}
	return ids;
}

/*
 * The record of a snapshot zecfs just created, as a listing would show it:
 * created at 'created', the server's clock when it answered (its HTTP
 * Date), so that its mtime is right at once, whatever the local clock says.
 */
static int new_snapshot(const struct zecfs_disk *disk, char **id, const char *name,
                        const char *retention, time_t created, struct zec_snapshot *s)
{
	char now[ZEC_TIME_LEN];

	zec_time_format(created, now);
	s->snapshot_id = *id;
	*id = NULL;
	s->disk_ability = false;        /* not usable until AVAILABLE (the CSI driver's reading) */
#define DUP(field, value) \
	if (value && !(s->field = strdup(value))) \
		return -ENOMEM;
	DUP(snapshot_name, name)
	DUP(zone_id, disk->d.zone_id)
	if (!(s->status = strdup("CREATING")) || !(s->snapshot_type = strdup("Manual")))
		return -ENOMEM;
	DUP(retention_time, retention)
	DUP(disk_id, disk->d.disk_id)
	if (!(s->create_time = strdup(now)))
		return -ENOMEM;
	DUP(resource_group_id, disk->d.resource_group_id)
	DUP(resource_group_name, disk->d.resource_group_name)
#undef DUP
	return 0;
}

void zecfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct zecfs *fs = zecfs_of(req);
	char path[512];
	struct zec_result res = { .path = path };
	struct zec_snapshot s = { 0 };
	struct zec_retention r;
	char retention[ZEC_TIME_LEN];
	struct fuse_entry_param e;
	const struct zecfs_disk *disk;
	struct zecfs_node p, c;
	struct zecfs_snaplist *fresh = NULL;
	const char **known;
	size_t n_known;
	char *id = NULL;
	time_t created;
	int ret;

	if (zecfs_pt_is(parent)) {
		zecfs_pt_refuse(req, "mkdir", parent, name);
		return;
	}
	(void)mode;
	memset(&c, 0, sizeof(c));
	ret = zecfs_node_get(fs, parent, &p, &res);
	zecfs_where(&p, name, path, sizeof(path));
	if (ret)
		goto out;
	if (p.id.kind != ZECFS_SNAPDIR) {
		ret = zecfs_refused("mkdir", path, p.id.kind == ZECFS_SNAPSHOT || zecfs_is_policy(p.id.kind) ?
		                    ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED, NULL);
		goto out;
	}
	ret = zecfs_node_child(fs, &p, name, &c, &res);
	if (ret == 0) {
		ret = zecfs_refused("mkdir", path, ZECFS_SNAPSHOT_EXISTS, NULL);
		goto out;
	}
	if (ret != -ENOENT || !c.disk)
		goto out;
	disk = c.disk;
	ret = check_name("mkdir", path, name);
	if (ret)
		goto out;
	if (!disk->d.snapshot_ability) {
		zlog_warn("mkdir refused path=%s disk_id=%s reason=\"snapshotAbility is false\"",
		          ZLOG_ESC(path), ZLOG_ESC(disk->d.disk_id));
		ret = zecfs_errno_of(ZECFS_NO_SNAPSHOT_ABILITY);
		goto out;
	}
	ret = zec_snapshot_name_exists(fs->client, disk->d.disk_id, name, &res);
	if (ret > 0) {
		zecfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		ret = zecfs_refused("mkdir", path, ZECFS_SNAPSHOT_EXISTS, NULL);
	}
	if (ret)
		goto out;
	retention[0] = '\0';
	/* "+7d" is 7 days on the server's clock, which applies the 24-hour rule */
	if (zecfs_default_retention(fs, disk->d.disk_id, &r))
		zec_time_format(zec_retention_resolve(&r, (time_t)zec_client_server_now(fs->client)),
		                retention);
	/* the ids zecfs knew for this name: an unclear create never adopts one */
	known = known_ids(c.sl, name, &n_known);
	ret = zec_create_snapshot_known(fs->client, disk->d.disk_id, name,
	                                retention[0] ? retention : NULL, known, n_known,
	                                &id, &res);
	free(known);
	if (ret) {
		/* the outcome may be unknown: the next listing asks the server */
		zecfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		goto out;
	}
	zlog_info("snapshot created path=%s snapshot_id=%s request_id=%s retention=%s",
	          ZLOG_ESC(path), ZLOG_ESC(id), ZLOG_ESC(res.request_id),
	          retention[0] ? retention : "permanent");
	created = (time_t)(res.server_time ? res.server_time : zec_client_server_now(fs->client));
	if (new_snapshot(disk, &id, name, retention[0] ? retention : NULL, created, &s)) {
		/* created, but we cannot show it: the next listing will */
		zecfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		ret = zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	if (fs->cfg.wait_available)
		ret = wait_available(fs, &s, path);
	zecfs_cache_snapshot_added(fs->cache, &s);
	if (ret)
		goto out;
	/* the entry for the kernel, from the record we know */
	ret = zecfs_snaplist_of(&s, &fresh);
	if (ret)
		goto out;
	zecfs_node_release(&c);
	memset(&c, 0, sizeof(c));
	c.id.kind = ZECFS_SNAPSHOT;
	snprintf(c.id.disk_id, sizeof(c.id.disk_id), "%s", p.id.disk_id);
	snprintf(c.id.obj_id, sizeof(c.id.obj_id), "%s", s.snapshot_id);
	c.snap = &fresh->v[0];
	ret = zecfs_node_entry(fs, &c, &e);
	c.snap = NULL;
out:
	if (ret)
		zecfs_reply_err(req, ret);
	else if (fuse_reply_entry(req, &e) != 0)
		zecfs_inode_forget(fs->inodes, e.ino, 1);
	zec_snapshot_clear(&s);
	zecfs_snaplist_put(fresh);
	free(id);
	zecfs_node_release(&c);
	zecfs_node_release(&p);
}

void zecfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = zecfs_of(req);
	char path[512];
	struct zec_result res = { .path = path };
	struct zec_strv busy = { 0 };
	char snap_id[ZECFS_SNAP_ID_LEN];
	const char *ids[1];
	struct zecfs_node p, c;
	int ret;

	if (zecfs_pt_is(parent)) {
		zecfs_pt_refuse(req, "rmdir", parent, name);
		return;
	}
	memset(&c, 0, sizeof(c));
	ret = zecfs_node_get(fs, parent, &p, &res);
	zecfs_where(&p, name, path, sizeof(path));
	if (!ret)
		ret = zecfs_node_child(fs, &p, name, &c, &res);
	if (ret)
		goto out;
	if (c.id.kind != ZECFS_SNAPSHOT && c.id.kind != ZECFS_POLICY) {
		ret = zecfs_refused("rmdir", path, zecfs_is_policy(c.id.kind) ? ZECFS_READ_ONLY :
		                    ZECFS_NOT_PERMITTED, NULL);
		goto out;
	}
	if (!fs->cfg.allow_delete) {
		zlog_warn("rmdir refused path=%s reason=\"deleting is off: mount with -o allow_delete\"",
		          ZLOG_ESC(path));
		ret = zecfs_errno_of(ZECFS_DELETE_DISABLED);
		goto out;
	}
	if (c.id.kind == ZECFS_POLICY) {
		ret = zecfs_policy_rmdir(fs, &p, name, &c, path, &res);
		goto out;
	}
	/* the listing's name is a hint: the server says which id has it now */
	ret = zecfs_child_confirmed(fs, &p, name, &c, &res);
	if (ret)
		goto out;
	ids[0] = zecfs_snap_id(c.snap, snap_id);
	ret = zec_delete_snapshots(fs->client, ids, 1, &busy, &res);
	if (ret == -ENOENT) {
		/* already gone on the server */
		zecfs_cache_snapshot_removed(fs->cache, c.id.disk_id, ids[0]);
		goto out;
	}
	if (ret) {
		zecfs_cache_forget_snapshots(fs->cache, c.id.disk_id);
		goto out;
	}
	for (size_t i = 0; i < busy.count; i++) {
		if (strcmp(busy.v[i], ids[0]) == 0) {
			zlog_warn("rmdir refused path=%s snapshot_id=%s reason=\"snapshot is busy\" request_id=%s",
			          ZLOG_ESC(path), ZLOG_ESC(ids[0]), ZLOG_ESC(res.request_id));
			zecfs_cache_forget_snapshots(fs->cache, c.id.disk_id);
			ret = zecfs_errno_of(ZECFS_SNAPSHOT_BUSY);
			goto out;
		}
	}
	zlog_info("snapshot deleted path=%s snapshot_id=%s request_id=%s",
	          ZLOG_ESC(path), ZLOG_ESC(ids[0]), ZLOG_ESC(res.request_id));
	zecfs_cache_snapshot_removed(fs->cache, c.id.disk_id, ids[0]);
out:
	zecfs_reply_err(req, ret);
	zec_strv_free(&busy);
	zecfs_node_release(&c);
	zecfs_node_release(&p);
}

void zecfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
                         fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct zecfs *fs = zecfs_of(req);
	char from[512], to[512];
	struct zec_result res = { .path = from };
	struct zecfs_node p, np, a, b;
	struct zec_snapshot s = { 0 };
	struct zec_snapshot_modify m = { 0 };
	struct zecfs_snap_rec was;
	const char *ids[1];
	int ret, rb;

	if (zecfs_pt_is(parent) || zecfs_pt_is(newparent)) {
		zecfs_pt_refuse(req, "rename", zecfs_pt_is(parent) ? parent : newparent,
		                 zecfs_pt_is(parent) ? name : newname);
		return;
	}
	memset(&np, 0, sizeof(np));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ret = zecfs_node_get(fs, parent, &p, &res);
	zecfs_where(&p, name, from, sizeof(from));
	if (!ret)
		ret = zecfs_node_child(fs, &p, name, &a, &res);
	if (ret)
		goto out;
	if (a.id.kind != ZECFS_SNAPSHOT) {
		ret = zecfs_refused("rename", from, zecfs_is_policy(a.id.kind) ? ZECFS_READ_ONLY :
		                    ZECFS_NOT_PERMITTED, NULL);
		goto out;
	}
	if (flags & RENAME_EXCHANGE) {
		ret = zecfs_refused("rename", from, ZECFS_RENAME_ACROSS,
		                    "snapshots cannot be exchanged (RENAME_EXCHANGE)");
		goto out;
	}
	ret = zecfs_node_get(fs, newparent, &np, &res);
	zecfs_where(&np, newname, to, sizeof(to));
	if (ret)
		goto out;
	if (np.id.kind == ZECFS_SNAPSHOT) {
		/* "mv a b" with b an existing snapshot moves into b: refuse as EEXIST */
		ret = zecfs_refused("rename", to, ZECFS_SNAPSHOT_EXISTS, NULL);
		goto out;
	}
	if (np.id.kind != ZECFS_SNAPDIR || strcmp(np.id.disk_id, a.id.disk_id) != 0) {
		zlog_warn("rename refused from=%s to=%s reason=\"snapshots move only within their snapshots/ directory\"",
		          ZLOG_ESC(from), ZLOG_ESC(to));
		ret = zecfs_errno_of(ZECFS_RENAME_ACROSS);
		goto out;
	}
	rb = zecfs_node_child(fs, &np, newname, &b, &res);
	if (rb == 0) {
		ret = strcmp(b.id.obj_id, a.id.obj_id) == 0 ? 0 :
		      zecfs_refused("rename", to, ZECFS_SNAPSHOT_EXISTS, NULL);
		goto out;
	}
	if (rb != -ENOENT) {
		ret = rb;
		goto out;
	}
	ret = check_name("rename", to, newname);
	if (ret)
		goto out;
	ret = zec_snapshot_name_exists(fs->client, a.id.disk_id, newname, &res);
	if (ret > 0) {
		zecfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
		ret = zecfs_refused("rename", to, ZECFS_SNAPSHOT_EXISTS, NULL);
	}
	if (ret)
		goto out;
	/* last before the change: the server says which id has the name now */
	ret = zecfs_child_confirmed(fs, &p, name, &a, &res);
	if (ret)
		goto out;
	zecfs_snap_record(a.snap, &was);
	ids[0] = was.s.snapshot_id;
	m.snapshot_ids = ids;
	m.n_snapshot_ids = 1;
	m.snapshot_name = newname;
	ret = zec_modify_snapshots_attribute(fs->client, &m, &res);
	if (ret) {
		zecfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
		goto out;
	}
	zlog_info("snapshot renamed from=%s to=%s snapshot_id=%s request_id=%s",
	          ZLOG_ESC(from), ZLOG_ESC(to), ZLOG_ESC(ids[0]), ZLOG_ESC(res.request_id));
	if (zec_snapshot_copy(&s, &was.s) == 0) {
		free(s.snapshot_name);
		s.snapshot_name = strdup(newname);
		if (s.snapshot_name)
			zecfs_cache_snapshot_changed(fs->cache, &s);
		else
			zecfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
	} else {
		zecfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
	}
	/* snapshots.json lists names: its size changed; so did snapshot.json's,
	 * whose drop the cache queued: both reach the kernel before the reply */
	zecfs_inval_inode(fs->inval, zecfs_inode_peek(fs->inodes, ZECFS_SNAPS_JSON, a.id.disk_id, NULL));
	zecfs_inval_flush(fs->inval);
out:
	zecfs_reply_err(req, ret);
	zec_snapshot_clear(&s);
	zecfs_node_release(&a);
	zecfs_node_release(&b);
	zecfs_node_release(&np);
	zecfs_node_release(&p);
}

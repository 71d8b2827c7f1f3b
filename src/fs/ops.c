/*
 * ops.c - the FUSE operations of zecfs (libfuse's low-level API).
 *
 * Every request names an inode; node.c says what it is, against the cached
 * listings.  An operation calls the API client when it must, applies its
 * own change to the cache (read-your-writes), and answers 0 or an errno
 * that comes from the one table in zec_errno.c.
 *
 * The kernel does most of the work on a walk: OPENDIR is declined where
 * the kernel can skip it, directory contents and attributes are cached by
 * the kernel for cache_ttl (a directory's mtime moves when zecfs sees its
 * contents change, which makes the kernel read it again), and READDIRPLUS
 * hands every entry's attributes over with the listing.
 */
#include "zecfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_name.h"

/* Set in init: the kernel will not send OPENDIR again once declined. */
static bool no_opendir;

int zecfs_refuse(const char *code)
{
	return -zec_errno_for_code(code);
}

static struct zecfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void reply_err(fuse_req_t req, int ret)
{
	fuse_reply_err(req, ret < 0 ? -ret : ret);
}

/* "/<diskId>/snapshots/<name>" for log lines. */
static const char *where(const struct zfs_node *dir, const char *name, char *buf,
                         size_t size)
{
	switch (dir->id.kind) {
	case ZFS_SNAPDIR:
		snprintf(buf, size, "/%s/snapshots/%s", dir->id.disk_id, name ? name : "");
		break;
	case ZFS_DISK:
		snprintf(buf, size, "/%s%s%s", dir->id.disk_id, name ? "/" : "", name ? name : "");
		break;
	default:
		snprintf(buf, size, "/%s", name ? name : "");
		break;
	}
	return buf;
}

/* ---- lookup, forget, getattr ----------------------------------------- */

static void refresh_listing(struct zecfs *fs, struct zfs_node *n);

static void zecfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = fs_of(req);
	struct zec_result res = { .path = name };
	struct fuse_entry_param e;
	struct zfs_node p, c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = zfs_node_get(fs, parent, &p, &res);
	if (!ret)
		ret = zfs_node_child(fs, &p, name, &c, &res);
	if (!ret) {
		/* a lookup refreshes the attributes, mtime included */
		refresh_listing(fs, &c);
		ret = zfs_node_entry(fs, &c, &e);
	}
	if (ret)
		reply_err(req, ret);
	else if (fuse_reply_entry(req, &e) != 0)
		zfs_inode_forget(fs->inodes, e.ino, 1);   /* the kernel never got it */
	zfs_node_release(&c);
	zfs_node_release(&p);
}

static void zecfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	zfs_inode_forget(fs_of(req)->inodes, ino, nlookup);
	fuse_reply_none(req);
}

static void zecfs_forget_multi(fuse_req_t req, size_t count,
                               struct fuse_forget_data *forgets)
{
	struct zecfs *fs = fs_of(req);

	for (size_t i = 0; i < count; i++)
		zfs_inode_forget(fs->inodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/*
 * A directory's listing, fetched when older than the TTL.  This is what
 * makes changes by others appear: the kernel asks for a directory's
 * attributes once they expire, and a changed listing gives a new mtime,
 * which makes the kernel drop the contents it cached.  A failure leaves
 * the attributes as they were known: stat of a directory never fails
 * because the API is down.
 */
static void refresh_listing(struct zecfs *fs, struct zfs_node *n)
{
	struct zec_result res = { .path = "getattr" };

	if ((n->id.kind == ZFS_ROOT || n->id.kind == ZFS_BYNAME_DIR) && !n->dl)
		zfs_cache_disks(fs->cache, &n->dl, &res);
	else if (n->id.kind == ZFS_SNAPDIR && !n->sl)
		zfs_cache_snapshots(fs->cache, n->id.disk_id, &n->sl, &res);
}

static double attr_timeout(struct zecfs *fs, const struct zfs_node *n)
{
	switch (n->id.kind) {
	case ZFS_DISK_JSON:
	case ZFS_SNAPS_JSON:
	case ZFS_SNAP_JSON:
	case ZFS_STATS_FILE:
	case ZFS_STATS_DIR:
		return 0;
	default:
		return fs->cfg.cache_ttl;
	}
}

static void zecfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = fs_of(req);
	struct zec_result res = { .path = "getattr" };
	struct zfs_node n;
	struct stat st;
	int ret;

	(void)fi;
	ret = zfs_node_get(fs, ino, &n, &res);
	if (!ret) {
		refresh_listing(fs, &n);
		ret = zfs_node_stat(fs, &n, &st);
	}
	if (ret)
		reply_err(req, ret);
	else
		fuse_reply_attr(req, &st, attr_timeout(fs, &n));
	zfs_node_release(&n);
}

static void zecfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct zecfs *fs = fs_of(req);
	struct zec_result res = { .path = "readlink" };
	char target[ZFS_ID_MAX + 4];
	struct zfs_node n;
	int ret;

	ret = zfs_node_get(fs, ino, &n, &res);
	if (!ret && n.id.kind != ZFS_BYNAME_LINK)
		ret = -EINVAL;
	if (ret) {
		reply_err(req, ret);
	} else {
		snprintf(target, sizeof(target), "../%s", n.disk->d.disk_id);
		fuse_reply_readlink(req, target);
	}
	zfs_node_release(&n);
}

/* ---- directories ----------------------------------------------------- */

static bool is_dir(enum zfs_kind kind)
{
	switch (kind) {
	case ZFS_ROOT:
	case ZFS_BYNAME_DIR:
	case ZFS_STATS_DIR:
	case ZFS_DISK:
	case ZFS_SNAPDIR:
	case ZFS_SNAPSHOT:
		return true;
	default:
		return false;
	}
}

static void zecfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = fs_of(req);
	struct zec_result res = { .path = "opendir" };
	struct zfs_node n;
	int ret;

	if (no_opendir) {
		/* the kernel then opens directories itself, caching their contents */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	ret = zfs_node_get(fs, ino, &n, &res);
	if (!ret && !is_dir(n.id.kind))
		ret = -ENOTDIR;
	zfs_node_release(&n);
	if (ret) {
		reply_err(req, ret);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* A name that can stand in a directory: not empty, no '/', not . or .. */
static bool showable(const char *name)
{
	return zfs_name_ok(name, 255);
}

/* One directory entry to hand to the kernel. */
struct dent {
	const char *name;
	struct zfs_node node;        /* borrows the parent's lists */
};

/*
 * The i-th entry of a directory (0 and 1 are . and ..); false past the end.
 * Entries that cannot be shown (bad names or ids from the server) come back
 * with name NULL, keeping their place.
 */
static bool nth_entry(const struct zfs_node *dir, size_t i, struct dent *d)
{
	memset(d, 0, sizeof(*d));
	d->node.id.kind = ZFS_ROOT;
	if (i < 2) {
		d->name = i == 0 ? "." : "..";
		return true;
	}
	i -= 2;
	switch (dir->id.kind) {
	case ZFS_ROOT:
		if (i == 0) {
			d->name = ".by-name";
			d->node.id.kind = ZFS_BYNAME_DIR;
			return true;
		}
		if (--i >= dir->dl->n)
			return false;
		d->node.disk = &dir->dl->v[i];
		d->node.id.kind = ZFS_DISK;
		d->name = d->node.disk->d.disk_id;      /* checked when listed */
		break;
	case ZFS_BYNAME_DIR:
		if (i >= dir->dl->n)
			return false;
		d->node.disk = &dir->dl->v[i];
		d->node.id.kind = ZFS_BYNAME_LINK;
		if (showable(d->node.disk->d.disk_name) &&
		    zfs_disk_by_name(dir->dl, d->node.disk->d.disk_name) == d->node.disk)
			d->name = d->node.disk->d.disk_name;
		break;
	case ZFS_DISK: {
		static const char *const names[] = { "disk.json", "snapshots", "snapshots.json" };
		static const enum zfs_kind kinds[] = { ZFS_DISK_JSON, ZFS_SNAPDIR, ZFS_SNAPS_JSON };

		if (i >= 3)
			return false;
		d->name = names[i];
		d->node.id.kind = kinds[i];
		d->node.disk = dir->disk;
		break;
	}
	case ZFS_SNAPDIR:
		if (i >= dir->sl->n)
			return false;
		d->node.disk = dir->disk;
		d->node.snap = &dir->sl->v[i];
		d->node.id.kind = ZFS_SNAPSHOT;
		d->name = d->node.snap->name;           /* checked when listed */
		snprintf(d->node.id.snap_id, sizeof(d->node.id.snap_id), "%s",
		         d->node.snap->s.snapshot_id);
		break;
	case ZFS_STATS_DIR:
		if (i >= 1)
			return false;
		d->name = "stats";
		d->node.id.kind = ZFS_STATS_FILE;
		break;
	case ZFS_SNAPSHOT:
		if (i >= 1)
			return false;
		d->name = "snapshot.json";
		d->node.id.kind = ZFS_SNAP_JSON;
		d->node.disk = dir->disk;
		d->node.snap = dir->snap;
		snprintf(d->node.id.snap_id, sizeof(d->node.id.snap_id), "%s", dir->id.snap_id);
		break;
	default:
		return false;
	}
	if (d->node.disk)
		snprintf(d->node.id.disk_id, sizeof(d->node.id.disk_id), "%s",
		         d->node.disk->d.disk_id);
	return true;
}

/* The inode of '..' for a directory. */
static uint64_t parent_ino(struct zecfs *fs, const struct zfs_node *dir)
{
	switch (dir->id.kind) {
	case ZFS_SNAPDIR:
		return zfs_inode_peek(fs->inodes, ZFS_DISK, dir->id.disk_id, NULL);
	case ZFS_SNAPSHOT:
		return zfs_inode_peek(fs->inodes, ZFS_SNAPDIR, dir->id.disk_id, NULL);
	default:
		return ZFS_INO_ROOT;
	}
}

/* Is a disk's snapshot listing in the cache (whatever its age)? */
static bool listed(struct zecfs *fs, const char *disk_id)
{
	struct zfs_snaplist *sl = zfs_cache_snapshots_cached(fs->cache, disk_id);

	zfs_snaplist_put(sl);
	return sl != NULL;
}

/*
 * Adds one entry to buf; returns its size, or 0 when it does not fit.
 * With plus, the entry comes with its attributes and one lookup reference.
 */
static size_t add_entry(fuse_req_t req, struct zecfs *fs, const struct zfs_node *dir,
                        struct dent *d, bool plus, char *buf, size_t left, off_t next)
{
	struct fuse_entry_param e;
	size_t need;
	bool dot = d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2]));

	memset(&e, 0, sizeof(e));
	if (dot) {
		e.attr.st_ino = d->name[1] ? parent_ino(fs, dir) : dir->ino;
		e.attr.st_mode = S_IFDIR;
	} else if (plus && ((d->node.id.kind == ZFS_SNAPS_JSON && !listed(fs, d->node.id.disk_id)) ||
	                    d->node.id.kind == ZFS_SNAP_JSON)) {
		/* its size costs work (a listing, a JSON text) that a walk does not
		 * need: no attributes now, a lookup asks for them when it is used */
		e.attr.st_ino = zfs_inode_peek(fs->inodes, d->node.id.kind, d->node.id.disk_id,
		                               d->node.id.snap_id);
		e.attr.st_mode = S_IFREG;
	} else if (plus) {
		if (zfs_node_entry(fs, &d->node, &e))
			return SIZE_MAX;        /* skip it */
	} else {
		e.attr.st_ino = zfs_inode_peek(fs->inodes, d->node.id.kind, d->node.id.disk_id,
		                               d->node.id.snap_id);
		e.attr.st_mode = is_dir(d->node.id.kind) ? S_IFDIR :
		                 d->node.id.kind == ZFS_BYNAME_LINK ? S_IFLNK : S_IFREG;
	}
	if (!plus) {
		need = fuse_add_direntry(req, buf, left, d->name, &e.attr, next);
	} else {
		need = fuse_add_direntry_plus(req, buf, left, d->name, &e, next);
		if (need > left && e.ino)
			zfs_inode_forget(fs->inodes, e.ino, 1);     /* not sent */
	}
	return need > left ? 0 : need;
}

/* READDIR and READDIRPLUS: entry i has offset i + 1. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       bool plus)
{
	struct zecfs *fs = fs_of(req);
	struct zec_result res = { .path = "readdir" };
	struct zfs_node n;
	size_t used = 0;
	char *buf = NULL;
	int ret;

	ret = zfs_node_get(fs, ino, &n, &res);
	if (ret)
		goto out;
	if (!is_dir(n.id.kind)) {
		ret = -ENOTDIR;
		goto out;
	}
	if (n.id.kind == ZFS_ROOT || n.id.kind == ZFS_BYNAME_DIR) {
		ret = zfs_cache_disks(fs->cache, &n.dl, &res);
		if (!ret && n.id.kind == ZFS_ROOT && off == 0)
			zfs_cache_walk_started(fs->cache);
	} else if (n.id.kind == ZFS_SNAPDIR) {
		ret = zfs_cache_snapshots(fs->cache, n.id.disk_id, &n.sl, &res);
	}
	if (ret)
		goto out;
	buf = malloc(size);
	if (!buf) {
		ret = zecfs_refuse(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off;; i++) {
		struct dent d;
		size_t got;

		if (!nth_entry(&n, i, &d))
			break;
		if (!d.name)
			continue;
		got = add_entry(req, fs, &n, &d, plus, buf + used, size - used, (off_t)i + 1);
		if (got == SIZE_MAX)
			continue;
		if (got == 0)
			break;
		used += got;
	}
out:
	if (ret)
		reply_err(req, ret);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
	zfs_node_release(&n);
}

static void zecfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, false);
}

static void zecfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                              struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, true);
}

/* ---- snapshots ------------------------------------------------------- */

static int check_name(const char *name, struct zec_result *res)
{
	switch (zec_snapshot_name_check(name)) {
	case ZEC_NAME_OK:
		return 0;
	case ZEC_NAME_TOO_LONG:
		return zec_result_local(res, ZECFS_NAME_TOO_LONG, name);
	default:
		return zec_result_local(res, ZECFS_NAME_INVALID, name);
	}
}

/* Asks the server whether the disk has a snapshot of that exact name. */
static int name_taken(struct zecfs *fs, const char *disk_id, const char *name,
                      struct zec_result *res)
{
	const char *ids[1] = { disk_id };
	char anchored[ZEC_NAME_MAX + 3];
	struct zec_snapshot_filter f = { .disk_ids = ids, .n_disk_ids = 1,
	                                 .snapshot_name = anchored };
	struct zec_snapshot_list l = { 0 };
	int ret;

	snprintf(anchored, sizeof(anchored), "^%s$", name);
	ret = zec_describe_snapshots(fs->client, &f, 1, 10, &l, res);
	if (ret)
		return ret;
	for (size_t i = 0; i < l.count; i++) {
		if (l.items[i].snapshot_name && strcmp(l.items[i].snapshot_name, name) == 0 &&
		    !(l.items[i].status && strcmp(l.items[i].status, "DELETING") == 0)) {
			ret = 1;
			break;
		}
	}
	zec_snapshot_list_free(&l);
	return ret;
}

/* Polls until the snapshot is AVAILABLE (-o wait_available). */
static int wait_available(struct zecfs *fs, struct zec_snapshot *s, const char *path)
{
	const char *ids[1] = { s->snapshot_id };
	struct zec_snapshot_filter f = { .snapshot_ids = ids, .n_snapshot_ids = 1 };
	double deadline = zfs_now() + fs->cfg.wait_seconds;
	struct zec_result res = { .path = path };
	int ret;

	for (;;) {
		struct zec_snapshot_list l = { 0 };

		ret = zec_describe_snapshots(fs->client, &f, 1, 1, &l, &res);
		if (ret)
			return ret;
		if (l.count == 1 && l.items[0].status) {
			char *st = strdup(l.items[0].status);

			if (st) {
				free(s->status);
				s->status = st;
			}
			if (strcmp(l.items[0].status, "AVAILABLE") == 0) {
				zec_snapshot_list_free(&l);
				return 0;
			}
			if (strcmp(l.items[0].status, "FAILED") == 0) {
				zec_snapshot_list_free(&l);
				zlog_error("mkdir failed path=%s snapshot_id=%s status=FAILED",
				           path, s->snapshot_id);
				return zec_result_local(&res, ZECFS_SNAPSHOT_FAILED, path);
			}
		}
		zec_snapshot_list_free(&l);
		if (zfs_now() >= deadline) {
			zlog_error("mkdir wait timed out path=%s snapshot_id=%s waited_s=%.0f",
			           path, s->snapshot_id, fs->cfg.wait_seconds);
			return zec_result_local(&res, ZECFS_WAIT_TIMEOUT, path);
		}
		usleep(500 * 1000);
	}
}

/* The record of a snapshot zecfs just created, as a listing would show it. */
static int new_snapshot(const struct zfs_disk *disk, char **id, const char *name,
                        const char *retention, struct zec_snapshot *s)
{
	char now[ZEC_TIME_LEN];

	zec_time_format(time(NULL), now);
	s->snapshot_id = *id;
	*id = NULL;
	s->disk_ability = true;
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

static void zecfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct zecfs *fs = fs_of(req);
	char path[512];
	struct zec_result res = { .path = path };
	struct zec_snapshot s = { 0 };
	struct zec_retention r;
	char retention[ZEC_TIME_LEN];
	struct fuse_entry_param e;
	const struct zfs_disk *disk;
	struct zfs_node p, c;
	struct zfs_snap fresh;
	char *id = NULL;
	int ret;

	(void)mode;
	memset(&c, 0, sizeof(c));
	ret = zfs_node_get(fs, parent, &p, &res);
	where(&p, name, path, sizeof(path));
	if (ret)
		goto out;
	if (p.id.kind != ZFS_SNAPDIR) {
		ret = zecfs_refuse(p.id.kind == ZFS_SNAPSHOT ? ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
		goto out;
	}
	ret = zfs_node_child(fs, &p, name, &c, &res);
	if (ret == 0) {
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
		goto out;
	}
	if (ret != -ENOENT || !c.disk)
		goto out;
	disk = c.disk;
	ret = check_name(name, &res);
	if (ret)
		goto out;
	if (!disk->d.snapshot_ability) {
		zlog_warn("mkdir refused path=%s disk_id=%s reason=\"snapshotAbility is false\"",
		          path, disk->d.disk_id);
		ret = zecfs_refuse(ZECFS_NO_SNAPSHOT_ABILITY);
		goto out;
	}
	ret = name_taken(fs, disk->d.disk_id, name, &res);
	if (ret > 0) {
		zfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
	}
	if (ret)
		goto out;
	retention[0] = '\0';
	if (zecfs_default_retention(fs, disk->d.disk_id, &r))
		zec_time_format(zec_retention_resolve(&r, time(NULL)), retention);
	ret = zec_create_snapshot(fs->client, disk->d.disk_id, name,
	                          retention[0] ? retention : NULL, &id, &res);
	if (ret) {
		/* the outcome may be unknown: the next listing asks the server */
		zfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		goto out;
	}
	zlog_info("snapshot created path=%s snapshot_id=%s request_id=%s retention=%s",
	          path, id, res.request_id, retention[0] ? retention : "permanent");
	if (new_snapshot(disk, &id, name, retention[0] ? retention : NULL, &s)) {
		/* created, but we cannot show it: the next listing will */
		zfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		ret = zecfs_refuse(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	if (fs->cfg.wait_available)
		ret = wait_available(fs, &s, path);
	zfs_cache_snapshot_added(fs->cache, &s);
	if (ret)
		goto out;
	/* the entry for the kernel, from the record we know */
	memset(&fresh, 0, sizeof(fresh));
	fresh.s = s;
	fresh.name = s.snapshot_name;
	fresh.ctime = time(NULL);
	zfs_node_release(&c);
	memset(&c, 0, sizeof(c));
	c.id.kind = ZFS_SNAPSHOT;
	snprintf(c.id.disk_id, sizeof(c.id.disk_id), "%s", p.id.disk_id);
	snprintf(c.id.snap_id, sizeof(c.id.snap_id), "%s", s.snapshot_id);
	c.snap = &fresh;
	ret = zfs_node_entry(fs, &c, &e);
	c.snap = NULL;
out:
	if (ret)
		reply_err(req, ret);
	else if (fuse_reply_entry(req, &e) != 0)
		zfs_inode_forget(fs->inodes, e.ino, 1);
	zec_snapshot_clear(&s);
	free(id);
	zfs_node_release(&c);
	zfs_node_release(&p);
}

static void zecfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = fs_of(req);
	char path[512];
	struct zec_result res = { .path = path };
	struct zec_strv busy = { 0 };
	const char *ids[1];
	struct zfs_node p, c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = zfs_node_get(fs, parent, &p, &res);
	where(&p, name, path, sizeof(path));
	if (!ret)
		ret = zfs_node_child(fs, &p, name, &c, &res);
	if (ret)
		goto out;
	if (c.id.kind != ZFS_SNAPSHOT) {
		ret = zecfs_refuse(ZECFS_NOT_PERMITTED);
		goto out;
	}
	if (!fs->cfg.allow_delete) {
		zlog_warn("rmdir refused path=%s reason=\"deleting is off: mount with -o allow_delete\"",
		          path);
		ret = zecfs_refuse(ZECFS_DELETE_DISABLED);
		goto out;
	}
	ids[0] = c.snap->s.snapshot_id;
	ret = zec_delete_snapshots(fs->client, ids, 1, &busy, &res);
	if (ret == -ENOENT) {
		/* already gone on the server */
		zfs_cache_snapshot_removed(fs->cache, c.id.disk_id, ids[0]);
		goto out;
	}
	if (ret) {
		zfs_cache_forget_snapshots(fs->cache, c.id.disk_id);
		goto out;
	}
	for (size_t i = 0; i < busy.count; i++) {
		if (strcmp(busy.v[i], ids[0]) == 0) {
			zlog_warn("rmdir refused path=%s snapshot_id=%s reason=\"snapshot is busy\" request_id=%s",
			          path, ids[0], res.request_id);
			zfs_cache_forget_snapshots(fs->cache, c.id.disk_id);
			ret = zecfs_refuse(ZECFS_SNAPSHOT_BUSY);
			goto out;
		}
	}
	zlog_info("snapshot deleted path=%s snapshot_id=%s request_id=%s",
	          path, ids[0], res.request_id);
	zfs_cache_snapshot_removed(fs->cache, c.id.disk_id, ids[0]);
out:
	reply_err(req, ret);
	zec_strv_free(&busy);
	zfs_node_release(&c);
	zfs_node_release(&p);
}

static void zecfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
                         fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct zecfs *fs = fs_of(req);
	char from[512], to[512];
	struct zec_result res = { .path = from };
	struct zfs_node p, np, a, b;
	struct zec_snapshot s = { 0 };
	struct zec_snapshot_modify m = { 0 };
	const char *ids[1];
	int ret, rb;

	memset(&np, 0, sizeof(np));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ret = zfs_node_get(fs, parent, &p, &res);
	where(&p, name, from, sizeof(from));
	if (!ret)
		ret = zfs_node_child(fs, &p, name, &a, &res);
	if (ret)
		goto out;
	if (a.id.kind != ZFS_SNAPSHOT) {
		ret = zecfs_refuse(ZECFS_NOT_PERMITTED);
		goto out;
	}
	if (flags & RENAME_EXCHANGE) {
		ret = zecfs_refuse(ZECFS_RENAME_ACROSS);
		goto out;
	}
	ret = zfs_node_get(fs, newparent, &np, &res);
	where(&np, newname, to, sizeof(to));
	if (ret)
		goto out;
	if (np.id.kind == ZFS_SNAPSHOT) {
		/* "mv a b" with b an existing snapshot moves into b: refuse as EEXIST */
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
		goto out;
	}
	if (np.id.kind != ZFS_SNAPDIR || strcmp(np.id.disk_id, a.id.disk_id) != 0) {
		zlog_warn("rename refused from=%s to=%s reason=\"snapshots move only within their snapshots/ directory\"",
		          from, to);
		ret = zecfs_refuse(ZECFS_RENAME_ACROSS);
		goto out;
	}
	rb = zfs_node_child(fs, &np, newname, &b, &res);
	if (rb == 0) {
		ret = strcmp(b.id.snap_id, a.id.snap_id) == 0 ? 0 :
		      zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
		goto out;
	}
	if (rb != -ENOENT) {
		ret = rb;
		goto out;
	}
	ret = check_name(newname, &res);
	if (ret)
		goto out;
	ret = name_taken(fs, a.id.disk_id, newname, &res);
	if (ret > 0) {
		zfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
	}
	if (ret)
		goto out;
	ids[0] = a.snap->s.snapshot_id;
	m.snapshot_ids = ids;
	m.n_snapshot_ids = 1;
	m.snapshot_name = newname;
	ret = zec_modify_snapshots_attribute(fs->client, &m, &res);
	if (ret) {
		zfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
		goto out;
	}
	zlog_info("snapshot renamed from=%s to=%s snapshot_id=%s request_id=%s",
	          from, to, ids[0], res.request_id);
	if (zec_snapshot_copy(&s, &a.snap->s) == 0) {
		free(s.snapshot_name);
		s.snapshot_name = strdup(newname);
		if (s.snapshot_name)
			zfs_cache_snapshot_changed(fs->cache, &s);
		else
			zfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
	} else {
		zfs_cache_forget_snapshots(fs->cache, a.id.disk_id);
	}
	/* snapshots.json lists names: its size changed */
	zfs_inval_inode(fs->inval, zfs_inode_peek(fs->inodes, ZFS_SNAPS_JSON, a.id.disk_id, NULL));
out:
	reply_err(req, ret);
	zec_snapshot_clear(&s);
	zfs_node_release(&a);
	zfs_node_release(&b);
	zfs_node_release(&np);
	zfs_node_release(&p);
}

/* ---- files ----------------------------------------------------------- */

struct open_file {
	char *text;
	size_t len;
};

static void zecfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = fs_of(req);
	struct zec_result res = { .path = "open" };
	struct open_file *f = NULL;
	struct zfs_node n;
	int ret;

	ret = zfs_node_get_status(fs, ino, &n, &res);
	if (ret)
		goto out;
	if (is_dir(n.id.kind)) {
		ret = -EISDIR;
		goto out;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		ret = zecfs_refuse(n.id.kind == ZFS_SNAP_JSON ? ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
		goto out;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		ret = zecfs_refuse(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	/* a file's content is fixed at open: what read() returns stays consistent */
	ret = zfs_content(fs, &n, &f->text, &f->len);
	if (ret)
		goto out;
	fi->fh = (uint64_t)(uintptr_t)f;
	/* generated text: its size may differ from the last stat, read it all */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	if (fuse_reply_open(req, fi) != 0) {
		free(f->text);
		free(f);
	}
	f = NULL;
out:
	if (ret)
		reply_err(req, ret);
	if (f) {
		free(f->text);
		free(f);
	}
	zfs_node_release(&n);
}

static void zecfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	const struct open_file *f = (const struct open_file *)(uintptr_t)fi->fh;

	(void)ino;
	if (!f) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (off < 0 || (size_t)off >= f->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > f->len - (size_t)off)
		size = f->len - (size_t)off;
	fuse_reply_buf(req, f->text + off, size);
}

static void zecfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_file *f = (struct open_file *)(uintptr_t)fi->fh;

	(void)ino;
	if (f) {
		free(f->text);
		free(f);
	}
	fi->fh = 0;
	fuse_reply_err(req, 0);
}

/* ---- everything else gets a deliberate errno ------------------------- */

/* EROFS inside a snapshot directory, EPERM anywhere else. */
static void refuse_in(fuse_req_t req, fuse_ino_t dir)
{
	struct zecfs *fs = fs_of(req);
	struct zfs_ident id;
	int ret = zfs_inode_ident(fs->inodes, dir, &id);

	if (!ret)
		ret = zecfs_refuse(id.kind == ZFS_SNAPSHOT ? ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
	reply_err(req, ret);
}

static void zecfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
                        mode_t mode, dev_t rdev)
{
	(void)name;
	(void)mode;
	(void)rdev;
	refuse_in(req, parent);
}

static void zecfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
                         mode_t mode, struct fuse_file_info *fi)
{
	(void)name;
	(void)mode;
	(void)fi;
	refuse_in(req, parent);
}

static void zecfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)name;
	refuse_in(req, parent);
}

static void zecfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
                          const char *name)
{
	(void)link;
	(void)name;
	refuse_in(req, parent);
}

static void zecfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
                       const char *newname)
{
	(void)ino;
	(void)newname;
	refuse_in(req, newparent);
}

static void zecfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
                          int to_set, struct fuse_file_info *fi)
{
	struct zecfs *fs = fs_of(req);
	struct zfs_ident id;
	int ret = zfs_inode_ident(fs->inodes, ino, &id);

	(void)attr;
	(void)to_set;
	(void)fi;
	if (!ret)
		ret = zecfs_refuse(id.kind == ZFS_SNAP_JSON ? ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
	reply_err(req, ret);
}

static void zecfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
                        off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	reply_err(req, zecfs_refuse(ZECFS_NOT_PERMITTED));
}

static void zecfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = ZEC_NAME_MAX;    /* getconf NAME_MAX tells the snapshot name limit */
	fuse_reply_statfs(req, &st);
}

static void zecfs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct zecfs *fs = userdata;

	fs->mount_time = time(NULL);
	/* directories: no OPENDIR round trip; the kernel caches their contents */
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) {
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
		no_opendir = true;
	}
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* a changed mtime makes the kernel drop a directory's cached contents */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	conn->want &= ~FUSE_CAP_POSIX_ACL;
}

const struct fuse_lowlevel_ops zecfs_ops = {
	.init         = zecfs_init,
	.lookup       = zecfs_lookup,
	.forget       = zecfs_forget,
	.forget_multi = zecfs_forget_multi,
	.getattr      = zecfs_getattr,
	.setattr      = zecfs_setattr,
	.readlink     = zecfs_readlink,
	.mknod        = zecfs_mknod,
	.mkdir        = zecfs_mkdir,
	.unlink       = zecfs_unlink,
	.rmdir        = zecfs_rmdir,
	.symlink      = zecfs_symlink,
	.rename       = zecfs_rename,
	.link         = zecfs_link,
	.open         = zecfs_open,
	.read         = zecfs_read,
	.write        = zecfs_write,
	.release      = zecfs_release,
	.opendir      = zecfs_opendir,
	.readdir      = zecfs_readdir,
	.readdirplus  = zecfs_readdirplus,
	.statfs       = zecfs_statfs,
	.setxattr     = zecfs_setxattr,
	.getxattr     = zecfs_getxattr,
	.listxattr    = zecfs_listxattr,
	.removexattr  = zecfs_removexattr,
	.create       = zecfs_create,
};

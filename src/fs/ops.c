/*
 * ops.c - the FUSE operations of zecfs (high-level, path-based API).
 *
 * Every operation resolves its path against the cached listings, calls the
 * API client when it must, applies its own change to the cache
 * (read-your-writes), and returns 0 or a negative errno that comes from the
 * one table in zec_errno.c.
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

struct zecfs *zecfs_get(void)
{
	return fuse_get_context()->private_data;
}

int zecfs_refuse(const char *code)
{
	return -zec_errno_for_code(code);
}

static time_t mount_time;

/* MNT/.zecfs/stats: the counters as JSON, with a final newline. */
static char *stats_text(struct zecfs *fs)
{
	struct zfs_cache_counters cc;
	char *json, *text = NULL;

	zfs_cache_counters(fs->cache, &cc);
	json = zfs_stats_json(fs->stats, &cc);
	if (json && asprintf(&text, "%s\n", json) < 0)
		text = NULL;
	free(json);
	return text;
}

int zecfs_stat(struct zecfs *fs, const struct zfs_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = mount_time;
	switch (n->p.kind) {
	case ZFS_ROOT:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2 + (n->dl ? n->dl->n : 0);
		break;
	case ZFS_BYNAME_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case ZFS_BYNAME_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)(strlen("../") + strlen(n->disk->d.disk_id));
		st->st_atime = st->st_mtime = st->st_ctime = n->disk->ctime;
		break;
	case ZFS_DISK:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 3;
		st->st_atime = st->st_mtime = st->st_ctime = n->disk->ctime;
		break;
	case ZFS_DISK_JSON:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = n->disk->d.json ? (off_t)strlen(n->disk->d.json) + 1 : 0;
		st->st_blocks = (st->st_size + 511) / 512;
		st->st_atime = st->st_mtime = st->st_ctime = n->disk->ctime;
		break;
	case ZFS_SNAPDIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		st->st_atime = st->st_mtime = st->st_ctime = n->disk->ctime;
		break;
	case ZFS_SNAPSHOT:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		st->st_atime = st->st_mtime = st->st_ctime = n->snap->ctime;
		break;
	case ZFS_STATS_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case ZFS_STATS_FILE: {
		char *json = stats_text(fs);

		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = json ? (off_t)strlen(json) : 0;
		st->st_atime = st->st_mtime = st->st_ctime = time(NULL);
		free(json);
		break;
	}
	default:
		return zecfs_refuse(ZECFS_NOT_FOUND);
	}
	return 0;
}

static int zecfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zfs_node n;
	int ret;

	(void)fi;
	ret = zfs_resolve(fs, path, &n, &res);
	if (!ret)
		ret = zecfs_stat(fs, &n, st);
	zfs_node_release(&n);
	return ret;
}

/* Fills one entry with its attributes (readdirplus: no getattr follows). */
static int fill(struct zecfs *fs, void *buf, fuse_fill_dir_t filler,
                struct zfs_node *n, enum zfs_kind kind, const char *name)
{
	struct zfs_node child = *n;
	struct stat st;

	child.p.kind = kind;
	if (zecfs_stat(fs, &child, &st))
		return filler(buf, name, NULL, 0, 0);
	return filler(buf, name, &st, 0, FUSE_FILL_DIR_PLUS);
}

static int zecfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                         off_t offset, struct fuse_file_info *fi,
                         enum fuse_readdir_flags flags)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zfs_node n;
	int ret;

	(void)offset;
	(void)fi;
	(void)flags;
	ret = zfs_resolve(fs, path, &n, &res);
	if (ret)
		goto out;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	switch (n.p.kind) {
	case ZFS_ROOT:
		ret = zfs_cache_disks(fs->cache, &n.dl, &res);
		if (ret)
			goto out;
		zfs_cache_walk_started(fs->cache);
		fill(fs, buf, filler, &n, ZFS_BYNAME_DIR, ".by-name");
		for (size_t i = 0; i < n.dl->n; i++) {
			n.disk = &n.dl->v[i];
			if (fill(fs, buf, filler, &n, ZFS_DISK, n.disk->d.disk_id))
				break;
		}
		break;
	case ZFS_BYNAME_DIR:
		ret = zfs_cache_disks(fs->cache, &n.dl, &res);
		if (ret)
			goto out;
		for (size_t i = 0; i < n.dl->n; i++) {
			const char *name = n.dl->v[i].d.disk_name;

			if (!name || !*name || strchr(name, '/') ||
			    zfs_disk_by_name(n.dl, name) != &n.dl->v[i])
				continue;
			n.disk = &n.dl->v[i];
			if (fill(fs, buf, filler, &n, ZFS_BYNAME_LINK, name))
				break;
		}
		break;
	case ZFS_DISK:
		fill(fs, buf, filler, &n, ZFS_DISK_JSON, "disk.json");
		fill(fs, buf, filler, &n, ZFS_SNAPDIR, "snapshots");
		break;
	case ZFS_SNAPDIR:
		ret = zfs_cache_snapshots(fs->cache, n.disk->d.disk_id, &n.sl, &res);
		if (ret)
			goto out;
		for (size_t i = 0; i < n.sl->n; i++) {
			n.snap = &n.sl->v[i];
			if (fill(fs, buf, filler, &n, ZFS_SNAPSHOT, n.snap->name))
				break;
		}
		break;
	case ZFS_SNAPSHOT:
		break;          /* snapshot directories are empty */
	case ZFS_STATS_DIR:
		fill(fs, buf, filler, &n, ZFS_STATS_FILE, "stats");
		break;
	default:
		ret = -ENOTDIR;
		break;
	}
out:
	zfs_node_release(&n);
	return ret;
}

static int zecfs_readlink(const char *path, char *buf, size_t size)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zfs_node n;
	int ret;

	ret = zfs_resolve(fs, path, &n, &res);
	if (!ret && n.p.kind != ZFS_BYNAME_LINK)
		ret = -EINVAL;
	if (!ret && size)
		snprintf(buf, size, "../%s", n.disk->d.disk_id);
	zfs_node_release(&n);
	return ret;
}

/* ---- snapshots ------------------------------------------------------ */

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
			const char *st = l.items[0].status;

			free(s->status);
			s->status = strdup(st);
			if (strcmp(st, "AVAILABLE") == 0) {
				zec_snapshot_list_free(&l);
				return 0;
			}
			if (strcmp(st, "FAILED") == 0) {
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

static int zecfs_mkdir(const char *path, mode_t mode)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zec_snapshot s = { 0 };
	struct zec_retention r;
	char retention[ZEC_TIME_LEN], now[ZEC_TIME_LEN];
	const struct zfs_disk *disk;
	struct zfs_node n;
	char *id = NULL;
	int ret;

	(void)mode;
	ret = zfs_resolve(fs, path, &n, &res);
	if (n.p.kind == ZFS_IN_SNAPSHOT && n.snap) {
		ret = zecfs_refuse(ZECFS_READ_ONLY);
		goto out;
	}
	if (n.p.kind != ZFS_SNAPSHOT) {
		ret = ret == -ENOENT && n.p.kind == ZFS_IN_SNAPSHOT ? ret :
		      zecfs_refuse(ZECFS_NOT_PERMITTED);
		goto out;
	}
	if (ret == 0) {
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
		goto out;
	}
	if (ret != -ENOENT || !n.disk)
		goto out;
	disk = n.disk;
	ret = check_name(n.p.name, &res);
	if (ret)
		goto out;
	if (!disk->d.snapshot_ability) {
		zlog_warn("mkdir refused path=%s disk_id=%s reason=\"snapshotAbility is false\"",
		          path, disk->d.disk_id);
		ret = zecfs_refuse(ZECFS_NO_SNAPSHOT_ABILITY);
		goto out;
	}
	ret = name_taken(fs, disk->d.disk_id, n.p.name, &res);
	if (ret > 0) {
		zfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
	}
	if (ret)
		goto out;
	retention[0] = '\0';
	if (zecfs_default_retention(fs, disk->d.disk_id, &r))
		zec_time_format(zec_retention_resolve(&r, time(NULL)), retention);
	ret = zec_create_snapshot(fs->client, disk->d.disk_id, n.p.name,
	                          retention[0] ? retention : NULL, &id, &res);
	if (ret) {
		/* the outcome may be unknown: the next listing asks the server */
		zfs_cache_forget_snapshots(fs->cache, disk->d.disk_id);
		goto out;
	}
	zec_time_format(time(NULL), now);
	s.snapshot_id = id;
	id = NULL;
	s.snapshot_name = strdup(n.p.name);
	s.zone_id = disk->d.zone_id ? strdup(disk->d.zone_id) : NULL;
	s.status = strdup("CREATING");
	s.snapshot_type = strdup("Manual");
	s.retention_time = retention[0] ? strdup(retention) : NULL;
	s.disk_id = strdup(disk->d.disk_id);
	s.create_time = strdup(now);
	s.resource_group_id = disk->d.resource_group_id ? strdup(disk->d.resource_group_id) : NULL;
	s.resource_group_name = disk->d.resource_group_name ? strdup(disk->d.resource_group_name) : NULL;
	s.disk_ability = true;
	zlog_info("snapshot created path=%s snapshot_id=%s request_id=%s retention=%s",
	          path, s.snapshot_id, res.request_id, retention[0] ? retention : "permanent");
	if (fs->cfg.wait_available)
		ret = wait_available(fs, &s, path);
	zfs_cache_snapshot_added(fs->cache, &s);
out:
	zec_snapshot_clear(&s);
	free(id);
	zfs_node_release(&n);
	return ret;
}

static int zecfs_rmdir(const char *path)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zec_strv busy = { 0 };
	const char *ids[1];
	struct zfs_node n;
	int ret;

	ret = zfs_resolve(fs, path, &n, &res);
	if (ret)
		goto out;
	if (n.p.kind != ZFS_SNAPSHOT) {
		ret = zecfs_refuse(ZECFS_NOT_PERMITTED);
		goto out;
	}
	if (!fs->cfg.allow_delete) {
		zlog_warn("rmdir refused path=%s reason=\"deleting is off: mount with -o allow_delete\"",
		          path);
		ret = zecfs_refuse(ZECFS_DELETE_DISABLED);
		goto out;
	}
	ids[0] = n.snap->s.snapshot_id;
	ret = zec_delete_snapshots(fs->client, ids, 1, &busy, &res);
	if (ret == -ENOENT) {
		/* already gone on the server */
		zfs_cache_snapshot_removed(fs->cache, n.disk->d.disk_id, ids[0]);
		goto out;
	}
	if (ret) {
		zfs_cache_forget_snapshots(fs->cache, n.disk->d.disk_id);
		goto out;
	}
	for (size_t i = 0; i < busy.count; i++) {
		if (strcmp(busy.v[i], ids[0]) == 0) {
			zlog_warn("rmdir refused path=%s snapshot_id=%s reason=\"snapshot is busy\" request_id=%s",
			          path, ids[0], res.request_id);
			zfs_cache_forget_snapshots(fs->cache, n.disk->d.disk_id);
			ret = zecfs_refuse(ZECFS_SNAPSHOT_BUSY);
			goto out;
		}
	}
	zlog_info("snapshot deleted path=%s snapshot_id=%s request_id=%s",
	          path, ids[0], res.request_id);
	zfs_cache_snapshot_removed(fs->cache, n.disk->d.disk_id, ids[0]);
out:
	zec_strv_free(&busy);
	zfs_node_release(&n);
	return ret;
}

static int zecfs_rename(const char *from, const char *to, unsigned int flags)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = from };
	struct zfs_node a, b;
	struct zec_snapshot s = { 0 };
	struct zec_snapshot_modify m = { 0 };
	const char *ids[1];
	int ret, rb;

	ret = zfs_resolve(fs, from, &a, &res);
	rb = zfs_resolve(fs, to, &b, &res);
	if (ret)
		goto out;
	if (a.p.kind != ZFS_SNAPSHOT) {
		ret = zecfs_refuse(ZECFS_NOT_PERMITTED);
		goto out;
	}
	if (flags & RENAME_EXCHANGE) {
		ret = zecfs_refuse(ZECFS_RENAME_ACROSS);
		goto out;
	}
	if (b.p.kind == ZFS_IN_SNAPSHOT && b.snap) {
		/* "mv a b" with b an existing snapshot moves into b: refuse as EEXIST */
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
		goto out;
	}
	if (b.p.kind != ZFS_SNAPSHOT || strcmp(a.p.disk, b.p.disk) != 0) {
		zlog_warn("rename refused from=%s to=%s reason=\"snapshots move only within their snapshots/ directory\"",
		          from, to);
		ret = zecfs_refuse(ZECFS_RENAME_ACROSS);
		goto out;
	}
	if (rb == 0) {
		ret = b.snap == a.snap ? 0 : zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
		goto out;
	}
	if (rb != -ENOENT) {
		ret = rb;
		goto out;
	}
	ret = check_name(b.p.name, &res);
	if (ret)
		goto out;
	ret = name_taken(fs, a.disk->d.disk_id, b.p.name, &res);
	if (ret > 0) {
		zfs_cache_forget_snapshots(fs->cache, a.disk->d.disk_id);
		ret = zecfs_refuse(ZECFS_SNAPSHOT_EXISTS);
	}
	if (ret)
		goto out;
	ids[0] = a.snap->s.snapshot_id;
	m.snapshot_ids = ids;
	m.n_snapshot_ids = 1;
	m.snapshot_name = b.p.name;
	ret = zec_modify_snapshots_attribute(fs->client, &m, &res);
	if (ret) {
		zfs_cache_forget_snapshots(fs->cache, a.disk->d.disk_id);
		goto out;
	}
	zlog_info("snapshot renamed from=%s to=%s snapshot_id=%s request_id=%s",
	          from, to, ids[0], res.request_id);
	if (zec_snapshot_copy(&s, &a.snap->s) == 0) {
		free(s.snapshot_name);
		s.snapshot_name = strdup(b.p.name);
		if (s.snapshot_name)
			zfs_cache_snapshot_changed(fs->cache, &s);
		else
			zfs_cache_forget_snapshots(fs->cache, a.disk->d.disk_id);
	}
out:
	zec_snapshot_clear(&s);
	zfs_node_release(&a);
	zfs_node_release(&b);
	return ret;
}

/* ---- disk.json ------------------------------------------------------ */

static int zecfs_open(const char *path, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zfs_node n;
	char *text = NULL;
	int ret;

	ret = zfs_resolve(fs, path, &n, &res);
	if (!ret && n.p.kind != ZFS_DISK_JSON && n.p.kind != ZFS_STATS_FILE)
		ret = -EISDIR;
	if (!ret && ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)))
		ret = zecfs_refuse(ZECFS_NOT_PERMITTED);
	if (ret)
		goto out;
	/* a file's content is fixed at open: what read() returns stays consistent */
	if (n.p.kind == ZFS_STATS_FILE) {
		text = stats_text(fs);
		fi->direct_io = 1;      /* its size changes from one open to the next */
	} else if (asprintf(&text, "%s\n", n.disk->d.json ? n.disk->d.json : "{}") < 0) {
		text = NULL;
	}
	if (!text) {
		ret = zecfs_refuse(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	fi->fh = (uint64_t)(uintptr_t)text;
	fi->keep_cache = 0;
out:
	zfs_node_release(&n);
	return ret;
}

static int zecfs_read(const char *path, char *buf, size_t size, off_t off,
                      struct fuse_file_info *fi)
{
	const char *text = (const char *)(uintptr_t)fi->fh;
	size_t len;

	(void)path;
	if (!text)
		return -EISDIR;
	len = strlen(text);
	if (off < 0 || (size_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(buf, text + off, size);
	return (int)size;
}

static int zecfs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	free((char *)(uintptr_t)fi->fh);
	fi->fh = 0;
	return 0;
}

/* ---- everything else gets a deliberate errno ------------------------- */

/* EROFS inside a snapshot directory, EPERM anywhere else. */
static int refuse_at(const char *path)
{
	struct zecfs *fs = zecfs_get();
	struct zec_result res = { .path = path };
	struct zfs_node n;
	int ret;

	ret = zfs_resolve(fs, path, &n, &res);
	if (n.p.kind == ZFS_IN_SNAPSHOT && n.snap)
		ret = zecfs_refuse(ZECFS_READ_ONLY);
	else if (ret == 0 || ret == -ENOENT)
		ret = zecfs_refuse(ZECFS_NOT_PERMITTED);
	zfs_node_release(&n);
	return ret;
}

static int zecfs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	(void)mode;
	(void)rdev;
	return refuse_at(path);
}

static int zecfs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return refuse_at(path);
}

static int zecfs_unlink(const char *path)
{
	return refuse_at(path);
}

static int zecfs_symlink(const char *target, const char *path)
{
	(void)target;
	return refuse_at(path);
}

static int zecfs_link(const char *from, const char *to)
{
	(void)from;
	return refuse_at(to);
}

static int zecfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return refuse_at(path);
}

static int zecfs_chown(const char *path, uid_t uid, gid_t gid,
                       struct fuse_file_info *fi)
{
	(void)uid;
	(void)gid;
	(void)fi;
	return refuse_at(path);
}

static int zecfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size;
	(void)fi;
	return refuse_at(path);
}

static int zecfs_utimens(const char *path, const struct timespec tv[2],
                         struct fuse_file_info *fi)
{
	(void)tv;
	(void)fi;
	return refuse_at(path);
}

static int zecfs_write(const char *path, const char *buf, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	return refuse_at(path);
}

static int zecfs_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namemax = 255;
	return 0;
}

static void *zecfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct zecfs *fs = zecfs_get();

	(void)conn;
	mount_time = time(NULL);
	cfg->entry_timeout = fs->cfg.cache_ttl;
	cfg->attr_timeout = fs->cfg.cache_ttl;
	cfg->negative_timeout = 0;
	cfg->use_ino = 0;
	cfg->nullpath_ok = 0;
	return fs;
}

const struct fuse_operations zecfs_ops = {
	.init        = zecfs_init,
	.getattr     = zecfs_getattr,
	.readlink    = zecfs_readlink,
	.readdir     = zecfs_readdir,
	.mkdir       = zecfs_mkdir,
	.rmdir       = zecfs_rmdir,
	.rename      = zecfs_rename,
	.open        = zecfs_open,
	.read        = zecfs_read,
	.release     = zecfs_release,
	.write       = zecfs_write,
	.mknod       = zecfs_mknod,
	.create      = zecfs_create,
	.unlink      = zecfs_unlink,
	.symlink     = zecfs_symlink,
	.link        = zecfs_link,
	.chmod       = zecfs_chmod,
	.chown       = zecfs_chown,
	.truncate    = zecfs_truncate,
	.utimens     = zecfs_utimens,
	.statfs      = zecfs_statfs,
	.getxattr    = zecfs_getxattr,
	.setxattr    = zecfs_setxattr,
	.listxattr   = zecfs_listxattr,
	.removexattr = zecfs_removexattr,
};

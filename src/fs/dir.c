/*
 * dir.c - directories: OPENDIR (declined where the kernel can skip it) and
 * READDIR/READDIRPLUS with real offsets and real inode numbers.
 *
 * Entry i of a directory (0 and 1 are . and ..) has offset i + 1, and every
 * entry carries its inode number, so no libfuse version loses entries or
 * hands the kernel d_ino 0.  READDIRPLUS gives each entry's attributes and
 * takes one lookup reference for it (none for . and ..).
 */
#include "zecfs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zec_errno.h"

/* Set in init: the kernel will not send OPENDIR again once declined. */
static bool no_opendir;

void zecfs_dir_decline_opendir(void)
{
	no_opendir = true;
}

bool zecfs_is_dir(enum zecfs_kind kind)
{
	switch (kind) {
	case ZECFS_ROOT:
	case ZECFS_BYNAME_DIR:
	case ZECFS_STATS_DIR:
	case ZECFS_DISK:
	case ZECFS_SNAPDIR:
	case ZECFS_SNAPSHOT:
	case ZECFS_POLICIES_DIR:
	case ZECFS_POLICY:
		return true;
	default:
		return false;
	}
}

void zecfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "opendir" };
	struct zecfs_node n;
	int ret;

	if (no_opendir) {
		/* the kernel then opens directories itself, caching their contents */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	if (!ret && !zecfs_is_dir(n.id.kind))
		ret = -ENOTDIR;
	zecfs_node_release(&n);
	if (ret) {
		zecfs_reply_err(req, ret);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* A name that can stand in a directory: not empty, no '/', not . or .. */
static bool showable(const char *name)
{
	return zecfs_name_ok(name, 255);
}

/* One directory entry to hand to the kernel. */
struct dent {
	const char *name;
	struct zecfs_node node;        /* borrows the parent's lists */
};

/*
 * The i-th entry of a directory (0 and 1 are . and ..); false past the end.
 * Entries that cannot be shown (bad names or ids from the server) come back
 * with name NULL, keeping their place.
 */
static bool nth_entry(const struct zecfs_node *dir, size_t i, struct dent *d)
{
	memset(d, 0, sizeof(*d));
	d->node.id.kind = ZECFS_ROOT;
	if (i < 2) {
		d->name = i == 0 ? "." : "..";
		return true;
	}
	i -= 2;
	switch (dir->id.kind) {
	case ZECFS_ROOT:
		if (i < 2) {
			d->name = i == 0 ? ".by-name" : ".policies";
			d->node.id.kind = i == 0 ? ZECFS_BYNAME_DIR : ZECFS_POLICIES_DIR;
			return true;
		}
		if ((i -= 2) >= dir->dl->n)
			return false;
		d->node.disk = &dir->dl->v[i];
		d->node.id.kind = ZECFS_DISK;
		d->name = d->node.disk->d.disk_id;      /* checked when listed */
		break;
	case ZECFS_BYNAME_DIR:
		if (i >= dir->dl->n)
			return false;
		d->node.disk = &dir->dl->v[i];
		d->node.id.kind = ZECFS_BYNAME_LINK;
		if (showable(d->node.disk->d.disk_name) &&
		    zecfs_disk_by_name(dir->dl, d->node.disk->d.disk_name) == d->node.disk)
			d->name = d->node.disk->d.disk_name;
		break;
	case ZECFS_DISK: {
		static const char *const names[] = { "disk.json", "snapshots", "snapshots.json" };
		static const enum zecfs_kind kinds[] = { ZECFS_DISK_JSON, ZECFS_SNAPDIR, ZECFS_SNAPS_JSON };

		if (i >= 3)
			return false;
		d->name = names[i];
		d->node.id.kind = kinds[i];
		d->node.disk = dir->disk;
		break;
	}
	case ZECFS_SNAPDIR:
		if (i >= dir->sl->n)
			return false;
		d->node.disk = dir->disk;
		d->node.snap = &dir->sl->v[i];
		d->node.id.kind = ZECFS_SNAPSHOT;
		d->name = d->node.snap->name;           /* checked when listed */
		snprintf(d->node.id.snap_id, sizeof(d->node.id.snap_id), "%s",
		         d->node.snap->s.snapshot_id);
		break;
	case ZECFS_STATS_DIR:
		if (i >= 2)
			return false;
		d->name = i == 0 ? "metrics" : "stats";
		d->node.id.kind = i == 0 ? ZECFS_METRICS_FILE : ZECFS_STATS_FILE;
		break;
	case ZECFS_POLICIES_DIR:
		if (i >= dir->pl->n)
			return false;
		d->node.pol = &dir->pl->v[i];
		d->node.id.kind = ZECFS_POLICY;
		d->name = d->node.pol->name;            /* NULL: not shown */
		snprintf(d->node.id.snap_id, sizeof(d->node.id.snap_id), "%s",
		         d->node.pol->p.policy_id);
		break;
	case ZECFS_POLICY:
		if (i > dir->pol->p.disk_ids.count)
			return false;
		d->node.pol = dir->pol;
		snprintf(d->node.id.snap_id, sizeof(d->node.id.snap_id), "%s", dir->id.snap_id);
		if (i == 0) {
			d->name = "policy.json";
			d->node.id.kind = ZECFS_POLICY_JSON;
			break;
		}
		d->node.id.kind = ZECFS_POLICY_LINK;
		if (zecfs_name_ok(dir->pol->p.disk_ids.v[i - 1], ZECFS_ID_MAX)) {
			d->name = dir->pol->p.disk_ids.v[i - 1];
			snprintf(d->node.id.disk_id, sizeof(d->node.id.disk_id), "%s", d->name);
		}
		break;
	case ZECFS_SNAPSHOT:
		if (i >= 1)
			return false;
		d->name = "snapshot.json";
		d->node.id.kind = ZECFS_SNAP_JSON;
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
static uint64_t parent_ino(struct zecfs *fs, const struct zecfs_node *dir)
{
	switch (dir->id.kind) {
	case ZECFS_SNAPDIR:
		return zecfs_inode_peek(fs->inodes, ZECFS_DISK, dir->id.disk_id, NULL);
	case ZECFS_SNAPSHOT:
		return zecfs_inode_peek(fs->inodes, ZECFS_SNAPDIR, dir->id.disk_id, NULL);
	case ZECFS_POLICY:
		return ZECFS_INO_POLICIES;
	default:
		return ZECFS_INO_ROOT;
	}
}

/* Is a disk's snapshot listing in the cache (whatever its age)? */
static bool listed(struct zecfs *fs, const char *disk_id)
{
	struct zecfs_snaplist *sl = zecfs_cache_snapshots_cached(fs->cache, disk_id);

	zecfs_snaplist_put(sl);
	return sl != NULL;
}

/*
 * Adds one entry to buf; returns its size, or 0 when it does not fit.
 * With plus, the entry comes with its attributes and one lookup reference.
 */
static size_t add_entry(fuse_req_t req, struct zecfs *fs, const struct zecfs_node *dir,
                        struct dent *d, bool plus, char *buf, size_t left, off_t next)
{
	struct fuse_entry_param e;
	size_t need;
	bool dot = d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2]));

	memset(&e, 0, sizeof(e));
	if (dot) {
		e.attr.st_ino = d->name[1] ? parent_ino(fs, dir) : dir->ino;
		e.attr.st_mode = S_IFDIR;
	} else if (plus && ((d->node.id.kind == ZECFS_SNAPS_JSON && !listed(fs, d->node.id.disk_id)) ||
	                    d->node.id.kind == ZECFS_SNAP_JSON)) {
		/* its size costs work (a listing, a JSON text) that a walk does not
		 * need: no attributes now, a lookup asks for them when it is used */
		e.attr.st_ino = zecfs_inode_peek(fs->inodes, d->node.id.kind, d->node.id.disk_id,
		                               d->node.id.snap_id);
		e.attr.st_mode = S_IFREG;
	} else if (plus) {
		if (zecfs_node_entry(fs, &d->node, &e))
			return SIZE_MAX;        /* skip it */
	} else {
		e.attr.st_ino = zecfs_inode_peek(fs->inodes, d->node.id.kind, d->node.id.disk_id,
		                               d->node.id.snap_id);
		e.attr.st_mode = zecfs_is_dir(d->node.id.kind) ? S_IFDIR :
		                 d->node.id.kind == ZECFS_BYNAME_LINK ||
		                 d->node.id.kind == ZECFS_POLICY_LINK ? S_IFLNK : S_IFREG;
	}
	if (!plus) {
		need = fuse_add_direntry(req, buf, left, d->name, &e.attr, next);
	} else {
		need = fuse_add_direntry_plus(req, buf, left, d->name, &e, next);
		if (need > left && e.ino)
			zecfs_inode_forget(fs->inodes, e.ino, 1);     /* not sent */
	}
	return need > left ? 0 : need;
}

/* READDIR and READDIRPLUS: entry i has offset i + 1. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       bool plus)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "readdir" };
	struct zecfs_node n;
	size_t used = 0;
	char *buf = NULL;
	int ret;

	ret = zecfs_node_get(fs, ino, &n, &res);
	if (ret)
		goto out;
	if (!zecfs_is_dir(n.id.kind)) {
		ret = -ENOTDIR;
		goto out;
	}
	if (n.id.kind == ZECFS_ROOT || n.id.kind == ZECFS_BYNAME_DIR) {
		ret = zecfs_cache_disks(fs->cache, &n.dl, &res);
		if (!ret && n.id.kind == ZECFS_ROOT && off == 0)
			zecfs_cache_walk_started(fs->cache);
	} else if (n.id.kind == ZECFS_SNAPDIR) {
		ret = zecfs_cache_snapshots(fs->cache, n.id.disk_id, &n.sl, &res);
	} else if (n.id.kind == ZECFS_POLICIES_DIR) {
		ret = zecfs_policies_get(fs, &n.pl, &res);
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
		zecfs_reply_err(req, ret);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
	zecfs_node_release(&n);
}

void zecfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, false);
}

void zecfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                              struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, true);
}

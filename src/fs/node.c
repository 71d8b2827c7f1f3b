/*
 * node.c - what an inode is, resolved against the cached listings.
 *
 *   /                                 ZECFS_ROOT          (fixed inode 1)
 *   /.by-name[/<diskName>]            ZECFS_BYNAME_DIR, ZECFS_BYNAME_LINK
 *   /<diskId>                         ZECFS_DISK
 *   /<diskId>/disk.json               ZECFS_DISK_JSON
 *   /<diskId>/snapshots.json          ZECFS_SNAPS_JSON
 *   /<diskId>/snapshots               ZECFS_SNAPDIR
 *   /<diskId>/snapshots/<name>        ZECFS_SNAPSHOT      (by snapshotId)
 *   /<diskId>/snapshots/<name>/snapshot.json   ZECFS_SNAP_JSON
 *   /.zecfs[/stats]                   ZECFS_STATS_DIR, ZECFS_STATS_FILE
 *   /.zecfs/metrics                   ZECFS_METRICS_FILE
 *   /.policies                        ZECFS_POLICIES_DIR  (fixed inode 5)
 *   /.policies/<name>                 ZECFS_POLICY        (by autoSnapshotPolicyId)
 *   /.policies/<name>/policy.json     ZECFS_POLICY_JSON
 *   /.policies/<name>/<diskId>        ZECFS_POLICY_LINK   -> ../../<diskId>
 *
 * A snapshot inode stands for its snapshotId, so a rename keeps it; a
 * policy's for its autoSnapshotPolicyId.
 */
#include "zecfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zec_clock.h"
#include "zec_errno.h"

const struct zecfs_disk *zecfs_disk_by_name(const struct zecfs_disklist *l,
                                        const char *name)
{
	const struct zecfs_disk *found = NULL;

	for (size_t i = 0; l && i < l->n; i++) {
		if (l->v[i].d.disk_name && strcmp(l->v[i].d.disk_name, name) == 0) {
			if (found)
				return NULL;   /* not unique */
			found = &l->v[i];
		}
	}
	return found;
}

void zecfs_node_release(struct zecfs_node *n)
{
	zecfs_snaplist_put(n->sl);
	zecfs_disklist_put(n->dl);
	zecfs_policylist_put(n->pl);
	n->sl = NULL;
	n->dl = NULL;
	n->pl = NULL;
	n->disk = NULL;
	n->snap = NULL;
	n->pol = NULL;
}

/* Is disk_id in the policy's diskIdSet? */
static bool on_policy(const struct zecfs_policy_entry *pol, const char *disk_id)
{
	for (size_t i = 0; i < pol->p.disk_ids.count; i++) {
		if (strcmp(pol->p.disk_ids.v[i], disk_id) == 0)
			return true;
	}
	return false;
}

/* A policy node: its policy (by id) in the policy listing. */
static int resolve_policy(struct zecfs *fs, struct zecfs_node *n, struct zec_result *res)
{
	int ret = zecfs_policies_get(fs, &n->pl, res);

	if (ret)
		return ret;
	n->pol = zecfs_policylist_find_id(n->pl, n->id.obj_id);
	if (!n->pol || !n->pol->name ||
	    (n->id.kind == ZECFS_POLICY_LINK && !on_policy(n->pol, n->id.disk_id)))
		return zecfs_errno_of(ZECFS_NOT_FOUND);
	return 0;
}

/* Fills n's listings and records from n->id. */
static int resolve(struct zecfs *fs, struct zecfs_node *n, struct zec_result *res)
{
	int ret;

	switch (n->id.kind) {
	case ZECFS_ROOT:
	case ZECFS_BYNAME_DIR:
	case ZECFS_STATS_DIR:
	case ZECFS_STATS_FILE:
	case ZECFS_METRICS_FILE:
	case ZECFS_POLICIES_DIR:
		return 0;
	case ZECFS_POLICY:
	case ZECFS_POLICY_JSON:
	case ZECFS_POLICY_LINK:
		return resolve_policy(fs, n, res);
	default:
		break;
	}
	ret = zecfs_cache_disks(fs->cache, &n->dl, res);
	if (ret)
		return ret;
	n->disk = zecfs_disklist_find(n->dl, n->id.disk_id);
	if (!n->disk)
		return zecfs_errno_of(ZECFS_NOT_FOUND);
	if (n->id.kind != ZECFS_SNAPSHOT && n->id.kind != ZECFS_SNAP_JSON)
		return 0;
	ret = zecfs_cache_snapshots(fs->cache, n->id.disk_id, &n->sl, res);
	if (ret)
		return ret;
	n->snap = n->id.snap_num ? zecfs_snaplist_find_num(n->sl, n->id.snap_num) :
	          zecfs_snaplist_find_id(n->sl, n->id.obj_id);
	return n->snap ? 0 : zecfs_errno_of(ZECFS_NOT_FOUND);
}

int zecfs_node_get(struct zecfs *fs, uint64_t ino, struct zecfs_node *n,
                 struct zec_result *res)
{
	int ret;

	memset(n, 0, sizeof(*n));
	n->ino = ino;
	ret = zecfs_inode_ident(fs->inodes, ino, &n->id);
	if (ret)
		return ret;
	return resolve(fs, n, res);
}

int zecfs_node_get_status(struct zecfs *fs, uint64_t ino, struct zecfs_node *n,
                        struct zec_result *res)
{
	struct zecfs_ident id;

	if (zecfs_inode_ident(fs->inodes, ino, &id) == 0 &&
	    (id.kind == ZECFS_SNAPSHOT || id.kind == ZECFS_SNAP_JSON || id.kind == ZECFS_SNAPS_JSON))
		zecfs_cache_recheck_transient(fs->cache, id.disk_id);
	return zecfs_node_get(fs, ino, n, res);
}

/* An id that can name a node (see zecfs_name_ok). */
static bool id_name(const char *name)
{
	return zecfs_name_ok(name, ZECFS_ID_MAX);
}

static void set_ident(struct zecfs_node *c, enum zecfs_kind kind, const char *disk_id,
                      const char *obj_id)
{
	c->id.kind = kind;
	if (disk_id)
		zecfs_id_set(c->id.disk_id, disk_id);
	if (obj_id)
		zecfs_id_set(c->id.obj_id, obj_id);
}

int zecfs_node_child(struct zecfs *fs, const struct zecfs_node *parent,
                   const char *name, struct zecfs_node *c, struct zec_result *res)
{
	const struct zecfs_disk *d;
	const struct zecfs_snap *sn;
	int ret;

	memset(c, 0, sizeof(*c));
	switch (parent->id.kind) {
	case ZECFS_ROOT:
		if (strcmp(name, ".by-name") == 0) {
			set_ident(c, ZECFS_BYNAME_DIR, NULL, NULL);
			return 0;
		}
		if (strcmp(name, ".zecfs") == 0) {
			set_ident(c, ZECFS_STATS_DIR, NULL, NULL);
			return 0;
		}
		if (strcmp(name, ".policies") == 0) {
			set_ident(c, ZECFS_POLICIES_DIR, NULL, NULL);
			return 0;
		}
		if (name[0] == '.' || !id_name(name))
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		set_ident(c, ZECFS_DISK, name, NULL);
		return resolve(fs, c, res);
	case ZECFS_BYNAME_DIR:
		ret = zecfs_cache_disks(fs->cache, &c->dl, res);
		if (ret)
			return ret;
		d = zecfs_disk_by_name(c->dl, name);
		if (!d || !id_name(d->d.disk_id))
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		set_ident(c, ZECFS_BYNAME_LINK, d->d.disk_id, NULL);
		c->disk = d;
		return 0;
	case ZECFS_DISK:
		if (strcmp(name, "disk.json") == 0)
			set_ident(c, ZECFS_DISK_JSON, parent->id.disk_id, NULL);
		else if (strcmp(name, "snapshots.json") == 0)
			set_ident(c, ZECFS_SNAPS_JSON, parent->id.disk_id, NULL);
		else if (strcmp(name, "snapshots") == 0)
			set_ident(c, ZECFS_SNAPDIR, parent->id.disk_id, NULL);
		else
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		return resolve(fs, c, res);
	case ZECFS_SNAPDIR:
		set_ident(c, ZECFS_SNAPSHOT, parent->id.disk_id, NULL);
		ret = zecfs_cache_disks(fs->cache, &c->dl, res);
		if (ret)
			return ret;
		c->disk = zecfs_disklist_find(c->dl, parent->id.disk_id);
		if (!c->disk)
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		ret = zecfs_cache_snapshots(fs->cache, parent->id.disk_id, &c->sl, res);
		if (ret)
			return ret;
		sn = zecfs_snaplist_find(c->sl, name);
		if (!sn)
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		zecfs_snap_id_to(sn, c->id.obj_id, sizeof(c->id.obj_id));
		c->id.snap_num = zecfs_snap_num(sn);
		if (!id_name(c->id.obj_id))
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		c->snap = sn;
		return 0;
	case ZECFS_STATS_DIR:
		if (strcmp(name, "stats") == 0)
			set_ident(c, ZECFS_STATS_FILE, NULL, NULL);
		else if (strcmp(name, "metrics") == 0)
			set_ident(c, ZECFS_METRICS_FILE, NULL, NULL);
		else
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		return 0;
	case ZECFS_SNAPSHOT:
		/* a snapshot directory is never empty, so rm -rf cannot remove it */
		if (strcmp(name, "snapshot.json") != 0)
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		set_ident(c, ZECFS_SNAP_JSON, parent->id.disk_id, parent->id.obj_id);
		c->id.snap_num = parent->id.snap_num;
		return resolve(fs, c, res);
	case ZECFS_POLICIES_DIR: {
		const struct zecfs_policy_entry *pol;

		ret = zecfs_policies_get(fs, &c->pl, res);
		if (ret)
			return ret;
		pol = zecfs_policylist_find(c->pl, name);
		if (!pol)
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		set_ident(c, ZECFS_POLICY, NULL, pol->p.policy_id);
		c->pol = pol;
		return 0;
	}
	case ZECFS_POLICY:
		if (strcmp(name, "policy.json") == 0)
			set_ident(c, ZECFS_POLICY_JSON, NULL, parent->id.obj_id);
		else if (id_name(name) && on_policy(parent->pol, name))
			set_ident(c, ZECFS_POLICY_LINK, name, parent->id.obj_id);
		else
			return zecfs_errno_of(ZECFS_NOT_FOUND);
		return resolve(fs, c, res);
	default:
		return -ENOTDIR;
	}
}

static void set_times(struct stat *st, time_t t)
{
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = t;
	st->st_atim.tv_nsec = st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = 0;
}

/* A directory's times from its listing's mtime (nanoseconds count). */
static void set_dir_times(struct stat *st, const struct timespec *t)
{
	st->st_atim = st->st_mtim = st->st_ctim = *t;
}

/*
 * A listed directory whose listing could not be had (and no stale one may
 * stand in: stale_max) gets the time of this answer as its mtime, which
 * no listing has: the kernel drops the contents it cached, and the next
 * readdir comes here and fails as the listing does, instead of the
 * kernel showing its old copy.
 */
static void set_unlisted_times(struct stat *st)
{
	struct timespec now;

	zec_clock_wall_ts(&now);
	set_dir_times(st, &now);
}

/* A generated read-only file: its size is its content's. */
static int file_stat(struct zecfs *fs, const struct zecfs_node *n, struct stat *st)
{
	off_t size;
	int ret = zecfs_content_size(fs, n, &size);

	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = size;
	st->st_blocks = (size + 511) / 512;
	return ret;
}

/* The policy kinds' attributes (times: createTime, else the mount's). */
static int policy_stat(struct zecfs *fs, const struct zecfs_node *n, struct stat *st)
{
	struct zecfs_policylist *pl = n->pl;
	int ret = 0;

	if (n->pol && n->pol->ctime)
		set_times(st, n->pol->ctime);
	switch (n->id.kind) {
	case ZECFS_POLICIES_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		/* a root listing must not cost a policy listing: what is cached */
		if (!pl)
			pl = zecfs_policies_cached(fs);
		if (pl) {
			for (size_t i = 0; i < pl->n && pl->v[i].name; i++)
				st->st_nlink++;
			if (pl->h.mtime.tv_sec)
				set_dir_times(st, &pl->h.mtime);
		}
		if (pl != n->pl)
			zecfs_policylist_put(pl);
		if (n->unlisted)
			set_unlisted_times(st);
		break;
	case ZECFS_POLICY:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case ZECFS_POLICY_JSON:
		ret = file_stat(fs, n, st);
		break;
	default:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)(strlen("../../") + strlen(n->id.disk_id));
		break;
	}
	return ret;
}

int zecfs_node_stat(struct zecfs *fs, const struct zecfs_node *n, struct stat *st)
{
	struct zecfs_snaplist *sl = NULL;
	off_t size;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	set_times(st, fs->mount_time);
	switch (n->id.kind) {
	case ZECFS_ROOT:
	case ZECFS_BYNAME_DIR:
		st->st_mode = S_IFDIR | (n->id.kind == ZECFS_ROOT ? 0755 : 0555);
		st->st_nlink = 2;
		if (n->dl) {
			if (n->id.kind == ZECFS_ROOT)
				st->st_nlink += 2 + n->dl->n;     /* .by-name, .policies, the disks */
			if (n->dl->h.mtime.tv_sec)
				set_dir_times(st, &n->dl->h.mtime);
		}
		if (n->unlisted)
			set_unlisted_times(st);
		break;
	case ZECFS_BYNAME_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)(strlen("../") + strlen(n->disk->d.disk_id));
		set_times(st, n->disk->ctime);
		break;
	case ZECFS_DISK:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 3;
		set_times(st, n->disk->ctime);
		break;
	case ZECFS_DISK_JSON:
	case ZECFS_SNAPS_JSON:
		ret = file_stat(fs, n, st);
		set_times(st, n->disk->ctime);
		break;
	case ZECFS_SNAPDIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		set_times(st, n->disk->ctime);
		sl = n->sl;
		if (!sl)
			sl = zecfs_cache_snapshots_cached(fs->cache, n->id.disk_id);
		if (sl) {
			st->st_nlink += sl->n;
			if (sl->h.mtime.tv_sec >= n->disk->ctime)
				set_dir_times(st, &sl->h.mtime);
		}
		if (sl != n->sl)
			zecfs_snaplist_put(sl);
		if (n->unlisted)
			set_unlisted_times(st);
		break;
	case ZECFS_SNAPSHOT:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		set_times(st, n->snap->ctime);
		break;
	case ZECFS_SNAP_JSON:
		ret = file_stat(fs, n, st);
		set_times(st, n->snap->ctime);
		break;
	case ZECFS_STATS_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case ZECFS_POLICIES_DIR:
	case ZECFS_POLICY:
	case ZECFS_POLICY_JSON:
	case ZECFS_POLICY_LINK:
		ret = policy_stat(fs, n, st);
		break;
	case ZECFS_STATS_FILE:
	case ZECFS_METRICS_FILE:
		ret = zecfs_content_size(fs, n, &size);
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = size;
		set_times(st, zec_clock_wall());
		break;
	default:
		ret = zecfs_errno_of(ZECFS_NOT_FOUND);
		break;
	}
	return ret;
}

/*
 * How long the kernel may keep a node's attributes.  Files whose size
 * changes with nothing zecfs can tell (stats, metrics) and files whose size
 * costs a listing or a record the kernel may not have (disk.json,
 * snapshots.json, policy.json) are asked each time.  snapshot.json is its
 * snapshot's record: it changes only when zecfs installs a list with a
 * different record for that id, and then inval.c drops the kernel's copy
 * (ZECFS_CHANGED_SNAPSHOT), so it is kept for the listing's TTL.
 */
double zecfs_attr_timeout(const struct zecfs *fs, enum zecfs_kind kind)
{
	switch (kind) {
	case ZECFS_DISK_JSON:
	case ZECFS_SNAPS_JSON:
	case ZECFS_POLICY_JSON:
	case ZECFS_STATS_FILE:
	case ZECFS_METRICS_FILE:
	case ZECFS_STATS_DIR:
		return 0;
	default:
		return fs->cfg.cache_ttl;
	}
}

int zecfs_node_entry(struct zecfs *fs, struct zecfs_node *n, struct fuse_entry_param *e)
{
	uint64_t ino;
	int ret;

	memset(e, 0, sizeof(*e));
	ret = zecfs_inode_ref_ident(fs->inodes, &n->id, &ino);
	if (ret)
		return ret;
	n->ino = ino;
	ret = zecfs_node_stat(fs, n, &e->attr);
	if (ret) {
		zecfs_inode_forget(fs->inodes, ino, 1);
		return ret;
	}
	e->ino = ino;
	e->entry_timeout = fs->cfg.cache_ttl;
	e->attr_timeout = zecfs_attr_timeout(fs, n->id.kind);
	return 0;
}

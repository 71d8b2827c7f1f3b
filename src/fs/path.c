/*
 * path.c - what a path names.
 *
 *   /                                 ZFS_ROOT
 *   /.by-name[/<diskName>]            ZFS_BYNAME_DIR, ZFS_BYNAME_LINK
 *   /<diskId>                         ZFS_DISK
 *   /<diskId>/disk.json               ZFS_DISK_JSON
 *   /<diskId>/snapshots               ZFS_SNAPDIR
 *   /<diskId>/snapshots/<name>        ZFS_SNAPSHOT
 *   /<diskId>/snapshots/<name>/...    ZFS_IN_SNAPSHOT
 *   /.zecfs[/stats]                   ZFS_STATS_DIR, ZFS_STATS_FILE
 */
#include "zecfs.h"

#include <errno.h>
#include <string.h>

#include "zec_errno.h"

/* Copies the next component of *p into dst; 0 at the end of the path. */
static int component(const char **p, char *dst, size_t size)
{
	const char *s = *p;
	size_t n;

	while (*s == '/')
		s++;
	n = strcspn(s, "/");
	if (n == 0)
		return 0;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	*p = s + n;
	return 1;
}

int zfs_path_parse(const char *path, struct zfs_path *out)
{
	char c[256];
	int r;

	memset(out, 0, sizeof(*out));
	out->kind = ZFS_ROOT;
	if ((r = component(&path, c, sizeof(out->disk))) <= 0)
		return r;
	if (strcmp(c, ".by-name") == 0) {
		out->kind = ZFS_BYNAME_DIR;
		if ((r = component(&path, out->disk, sizeof(out->disk))) <= 0)
			return r;
		out->kind = ZFS_BYNAME_LINK;
		r = component(&path, c, sizeof(c));
		if (r != 0)
			out->kind = ZFS_OTHER;
		return r < 0 ? r : 0;
	}
	if (strcmp(c, ".zecfs") == 0) {
		out->kind = ZFS_STATS_DIR;
		if ((r = component(&path, c, sizeof(c))) <= 0)
			return r;
		out->kind = strcmp(c, "stats") == 0 ? ZFS_STATS_FILE : ZFS_OTHER;
		if (component(&path, c, sizeof(c)) != 0)
			out->kind = ZFS_OTHER;
		return 0;
	}
	if (c[0] == '.') {
		out->kind = ZFS_OTHER;
		return 0;
	}
	strcpy(out->disk, c);
	out->kind = ZFS_DISK;
	if ((r = component(&path, c, sizeof(c))) <= 0)
		return r;
	if (strcmp(c, "disk.json") == 0) {
		out->kind = ZFS_DISK_JSON;
	} else if (strcmp(c, "snapshots") == 0) {
		out->kind = ZFS_SNAPDIR;
		if ((r = component(&path, out->name, sizeof(out->name))) <= 0)
			return r;
		out->kind = ZFS_SNAPSHOT;
		if ((r = component(&path, c, sizeof(c))) < 0)
			return r;
		if (r > 0)
			out->kind = ZFS_IN_SNAPSHOT;
		return 0;
	} else {
		out->kind = ZFS_DISK_OTHER;
		return 0;
	}
	if ((r = component(&path, c, sizeof(c))) < 0)
		return r;
	if (r > 0)
		out->kind = ZFS_OTHER;
	return 0;
}

const struct zfs_disk *zfs_disk_by_name(const struct zfs_disklist *l,
                                        const char *name)
{
	const struct zfs_disk *found = NULL;

	for (size_t i = 0; l && i < l->n; i++) {
		if (l->v[i].d.disk_name && strcmp(l->v[i].d.disk_name, name) == 0) {
			if (found)
				return NULL;   /* not unique */
			found = &l->v[i];
		}
	}
	return found;
}

int zfs_resolve(struct zecfs *fs, const char *path, struct zfs_node *n,
                struct zec_result *res)
{
	int ret;

	memset(n, 0, sizeof(*n));
	ret = zfs_path_parse(path, &n->p);
	if (ret)
		return ret;
	switch (n->p.kind) {
	case ZFS_ROOT:
	case ZFS_BYNAME_DIR:
	case ZFS_STATS_DIR:
	case ZFS_STATS_FILE:
		return 0;
	case ZFS_OTHER:
	case ZFS_DISK_OTHER:
		return zecfs_refuse(ZECFS_NOT_FOUND);
	default:
		break;
	}
	ret = zfs_cache_disks(fs->cache, &n->dl, res);
	if (ret)
		return ret;
	if (n->p.kind == ZFS_BYNAME_LINK) {
		n->disk = zfs_disk_by_name(n->dl, n->p.disk);
		return n->disk ? 0 : zecfs_refuse(ZECFS_NOT_FOUND);
	}
	n->disk = zfs_disklist_find(n->dl, n->p.disk);
	if (!n->disk)
		return zecfs_refuse(ZECFS_NOT_FOUND);
	if (n->p.kind != ZFS_SNAPSHOT && n->p.kind != ZFS_IN_SNAPSHOT)
		return 0;
	ret = zfs_cache_snapshots(fs->cache, n->disk->d.disk_id, &n->sl, res);
	if (ret)
		return ret;
	n->snap = zfs_snaplist_find(n->sl, n->p.name);
	if (!n->snap || n->p.kind == ZFS_IN_SNAPSHOT)
		return zecfs_refuse(ZECFS_NOT_FOUND);
	return 0;
}

void zfs_node_release(struct zfs_node *n)
{
	zfs_snaplist_put(n->sl);
	zfs_disklist_put(n->dl);
	n->sl = NULL;
	n->dl = NULL;
	n->disk = NULL;
	n->snap = NULL;
}

/*
 * inode.h - inode numbers and the kernel's lookup counts.
 *
 * zecfs runs on libfuse's low-level API: the kernel names every object by
 * an inode number, never by a path.  An inode number stands for an
 * identity, not for a cached record:
 *
 *   kind       what it is (a disk, its disk.json, its snapshots/ directory,
 *              a snapshot, ...)
 *   disk_id    the disk it belongs to (empty for the fixed nodes)
 *   snap_id    the snapshot, for ZFS_SNAPSHOT
 *
 * The number is a 64-bit hash of that identity, so it is the same for the
 * whole life of the mount (and across mounts): a snapshot keeps its inode
 * through a rename, and tools that remember inode numbers (tar
 * --listed-incremental, rsync -H) see a stable tree.  On the rare
 * collision the next free number is taken.
 *
 * The table holds an identity only while the kernel holds a reference
 * (lookup count > 0): lookup, mkdir and readdirplus add to the count,
 * forget takes away, and at zero the entry is freed.
 */
#ifndef ZECFS_INODE_H
#define ZECFS_INODE_H

#include <stdint.h>
#include <stdbool.h>

enum zfs_kind {
	ZFS_ROOT = 1,
	ZFS_BYNAME_DIR,              /* /.by-name */
	ZFS_STATS_DIR,               /* /.zecfs (not listed in the root) */
	ZFS_STATS_FILE,              /* /.zecfs/stats */
	ZFS_BYNAME_LINK,             /* /.by-name/<diskName> -> ../<diskId> */
	ZFS_DISK,                    /* /<diskId> */
	ZFS_DISK_JSON,               /* /<diskId>/disk.json */
	ZFS_SNAPS_JSON,              /* /<diskId>/snapshots.json */
	ZFS_SNAPDIR,                 /* /<diskId>/snapshots */
	ZFS_SNAPSHOT,                /* /<diskId>/snapshots/<name> */
	ZFS_SNAP_JSON,               /* /<diskId>/snapshots/<name>/snapshot.json */
};

/* The fixed nodes have fixed numbers; hashed ones are never below this. */
#define ZFS_INO_ROOT    1
#define ZFS_INO_BYNAME  2
#define ZFS_INO_STATSD  3
#define ZFS_INO_STATS   4
#define ZFS_INO_FIRST   16

/* Longest disk or snapshot id zecfs accepts from the server. */
#define ZFS_ID_MAX      127

struct zfs_ident {
	enum zfs_kind kind;
	char disk_id[ZFS_ID_MAX + 1];
	char snap_id[ZFS_ID_MAX + 1];
};

struct zfs_inodes;

int zfs_inodes_new(struct zfs_inodes **out);
void zfs_inodes_free(struct zfs_inodes *t);

/*
 * The inode number of an identity, its lookup count raised by one (the
 * kernel is about to learn it).  0 or -ENOMEM, -ENAMETOOLONG for an id
 * longer than ZFS_ID_MAX.
 */
int zfs_inode_ref(struct zfs_inodes *t, enum zfs_kind kind, const char *disk_id,
                  const char *snap_id, uint64_t *ino);
/* The kernel forgot n references. */
void zfs_inode_forget(struct zfs_inodes *t, uint64_t ino, uint64_t n);
/* What an inode number stands for; -ENOENT (stale) when unknown. */
int zfs_inode_ident(struct zfs_inodes *t, uint64_t ino, struct zfs_ident *out);
/* The number an identity has or would have, without a reference (0: none yet). */
uint64_t zfs_inode_peek(struct zfs_inodes *t, enum zfs_kind kind,
                        const char *disk_id, const char *snap_id);
/* How many identities the kernel holds now (for stats and tests). */
uint64_t zfs_inodes_count(struct zfs_inodes *t);

#endif /* ZECFS_INODE_H */

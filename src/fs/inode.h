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
 *   obj_id    the snapshot, for ZECFS_SNAPSHOT; the autoSnapshotPolicyId
 *              for the policy kinds (whose disk_id is the linked disk)
 *
 * The number is a snapshot's numeric id with a kind bit (a snapshot and its
 * snapshot.json), else a 62-bit hash of the identity, so it is the same
 * for the whole life of the mount (and across mounts): a snapshot keeps
 * its inode through a rename, and tools that remember inode numbers (tar
 * --listed-incremental, rsync -H) see a stable tree.  On the rare
 * collision of two hashes the next free number is taken.  Numbers stay
 * below 2^63: the passthrough of a snapshot's files uses the top bit.
 *
 * The table holds an identity only while the kernel holds a reference
 * (lookup count > 0): lookup, mkdir and readdirplus add to the count,
 * forget takes away, and at zero the entry is freed.
 */
#ifndef ZECFS_INODE_H
#define ZECFS_INODE_H

#include <stdint.h>
#include <stdbool.h>
#include <string.h>

enum zecfs_kind {
	ZECFS_ROOT = 1,
	ZECFS_BYNAME_DIR,              /* /.by-name */
	ZECFS_STATS_DIR,               /* /.zecfs (not listed in the root) */
	ZECFS_STATS_FILE,              /* /.zecfs/stats */
	ZECFS_BYNAME_LINK,             /* /.by-name/<diskName> -> ../<diskId> */
	ZECFS_DISK,                    /* /<diskId> */
	ZECFS_DISK_JSON,               /* /<diskId>/disk.json */
	ZECFS_SNAPS_JSON,              /* /<diskId>/snapshots.json */
	ZECFS_SNAPDIR,                 /* /<diskId>/snapshots */
	ZECFS_SNAPSHOT,                /* /<diskId>/snapshots/<name> */
	ZECFS_SNAP_JSON,               /* /<diskId>/snapshots/<name>/snapshot.json */
	ZECFS_POLICIES_DIR,            /* /.policies */
	ZECFS_POLICY,                  /* /.policies/<name> (by autoSnapshotPolicyId) */
	ZECFS_POLICY_JSON,             /* /.policies/<name>/policy.json */
	ZECFS_POLICY_LINK,             /* /.policies/<name>/<diskId> -> ../../<diskId> */
	ZECFS_METRICS_FILE,            /* /.zecfs/metrics */
};

/* The fixed nodes have fixed numbers; hashed ones are never below this. */
#define ZECFS_INO_ROOT    1
#define ZECFS_INO_BYNAME  2
#define ZECFS_INO_STATSD  3
#define ZECFS_INO_STATS   4
#define ZECFS_INO_POLICIES 5
#define ZECFS_INO_METRICS 6
#define ZECFS_INO_FIRST   16

/* Longest disk or snapshot id zecfs accepts from the server. */
#define ZECFS_ID_MAX      127

struct zecfs_ident {
	enum zecfs_kind kind;
	char disk_id[ZECFS_ID_MAX + 1];  /* the disk kinds and snapshots; a policy link's disk */
	/*
	 * The object the node stands for within its disk or .policies, "" for
	 * none: the snapshotId for ZECFS_SNAPSHOT and ZECFS_SNAP_JSON, the
	 * autoSnapshotPolicyId for ZECFS_POLICY, ZECFS_POLICY_JSON and
	 * ZECFS_POLICY_LINK.
	 */
	char obj_id[ZECFS_ID_MAX + 1];
	/*
	 * A snapshot's obj_id as a number, when its holder knew it: obj_id is
	 * then exactly that number in decimal, without a leading zero.  0:
	 * obj_id alone says the id.  Spares a walk writing each snapshot id out
	 * and reading it back in the several steps that need the number.
	 */
	uint64_t snap_num;
};

/* Sets an identity's id field, cut at ZECFS_ID_MAX as snprintf would (a
 * longer id never names a node: zecfs_inode_ref refuses it). */
static inline void zecfs_id_set(char dst[ZECFS_ID_MAX + 1], const char *src)
{
	size_t n = src ? strnlen(src, ZECFS_ID_MAX) : 0;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct zecfs_inodes;

int zecfs_inodes_new(struct zecfs_inodes **out);
void zecfs_inodes_free(struct zecfs_inodes *t);

/*
 * The inode number of an identity, its lookup count raised by one (the
 * kernel is about to learn it).  0 or -ENOMEM, -ENAMETOOLONG for an id
 * longer than ZECFS_ID_MAX.
 */
int zecfs_inode_ref(struct zecfs_inodes *t, enum zecfs_kind kind, const char *disk_id,
                  const char *obj_id, uint64_t *ino);
/* The same for an identity whose snap_num may say the id's number. */
int zecfs_inode_ref_ident(struct zecfs_inodes *t, const struct zecfs_ident *id, uint64_t *ino);
/* The kernel forgot n references. */
void zecfs_inode_forget(struct zecfs_inodes *t, uint64_t ino, uint64_t n);
/* What an inode number stands for (snap_num set for a number derived from
 * a snapshot id); -ENOENT (stale) when unknown. */
int zecfs_inode_ident(struct zecfs_inodes *t, uint64_t ino, struct zecfs_ident *out);
/* The number an identity has or would have, without a reference (0: none yet). */
uint64_t zecfs_inode_peek(struct zecfs_inodes *t, enum zecfs_kind kind,
                        const char *disk_id, const char *obj_id);
/* The number of an identity the kernel holds now; 0 when it holds none. */
uint64_t zecfs_inode_held(struct zecfs_inodes *t, enum zecfs_kind kind,
                          const char *disk_id, const char *obj_id);
/*
 * The kind an inode number says by itself, without the table: a snapshot's
 * directory or snapshot.json numbered from its id; 0 for every other number.
 */
enum zecfs_kind zecfs_inode_number_kind(uint64_t ino);
/*
 * How many entries the table holds for the kernel's references (stats and
 * tests): a snapshot.json under its held directory has none of its own.
 */
uint64_t zecfs_inodes_count(struct zecfs_inodes *t);

#endif /* ZECFS_INODE_H */

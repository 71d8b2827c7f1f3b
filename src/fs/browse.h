/*
 * browse.h - a snapshot's files at snapshots/<name>/files/: the contract
 * between the temporary disk's lifecycle (browse.c) and the read-only
 * passthrough that serves the mounted tree (passthrough.c).
 *
 * browse.c owns a browse: CreateDisks from the snapshot, AttachDisks to
 * this instance, a read-only mount under /run/zecfs, and the teardown
 * (idle, unmount, SIGTERM, a crashed daemon's leftovers).  It hands the
 * passthrough one directory: the filesystem's root, or for a partitioned
 * disk a private directory holding part<N>/ mount points.
 *
 * passthrough.c owns every inode number the kernel learns under files/
 * and every file descriptor opened there.  Before browse.c unmounts, it
 * asks the passthrough to let go of the browse (zecfs_pt_drop): all of
 * the browse's descriptors are closed and its inodes answer ESTALE from
 * then on, so the unmount never finds the tree busy.
 */
#ifndef ZECFS_BROWSE_H
#define ZECFS_BROWSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zecfs.h"

struct zecfs;
struct zecfs_snap;
struct zec_result;
struct zecfs_browse;

/* ---- browse.c ------------------------------------------------------- */

/* Start-up (after options): the crashed daemon's browse disks are released. */
int zecfs_browse_init(struct zecfs *fs);
/* Unmount and SIGTERM: every browse is torn down before the daemon exits. */
void zecfs_browse_shutdown(struct zecfs *fs);

/*
 * The browse of a snapshot (disk_id, snap as listed; path for log lines),
 * prepared or joined: blocks until it is ready or browse_timeout passed
 * (-ETIMEDOUT).  -EPERM without allow_browse; other refusals by the errno
 * table.  On 0, *out holds one reference: give it back with
 * zecfs_browse_put.
 */
int zecfs_browse_get(struct zecfs *fs, const char *disk_id, const struct zecfs_snap *snap,
                     const char *path, struct zecfs_browse **out, struct zec_result *res);
void zecfs_browse_put(struct zecfs_browse *b);
/*
 * Another reference to b, by a holder of one (an open file or directory
 * under files/ holds one: no idle teardown while it is open).
 */
void zecfs_browse_ref(struct zecfs_browse *b);
/* The directory files/ shows: an O_PATH descriptor that the browse owns. */
int zecfs_browse_root_fd(const struct zecfs_browse *b);
/* The snapshot it is of (for the kernel's invalidation of files/). */
const char *zecfs_browse_snapshot_id(const struct zecfs_browse *b);
/* A request under files/ was served: the idle clock starts again. */
void zecfs_browse_touch(struct zecfs_browse *b);
/* Bytes read through files/ (stats). */
void zecfs_browse_count_read(struct zecfs_browse *b, uint64_t bytes);
/* user.zec.browse of a snapshot: "off", "creating-disk <diskId>", ...;
 * the length written (without the NUL), -ERANGE when size is too small. */
int zecfs_browse_state(struct zecfs *fs, const char *snapshot_id, char *buf, size_t size);
/* The figures of .zecfs/stats and metrics. */
struct zecfs_browse_counters {
	unsigned long long browses;         /* preparations that became ready */
	unsigned long long disks_created, disks_released;
	unsigned long long bytes_read;      /* through files/ */
	unsigned long long active;          /* browses holding or making a disk now */
};
void zecfs_browse_counters(struct zecfs *fs, struct zecfs_browse_counters *c);

/* ---- passthrough.c -------------------------------------------------- */

/*
 * Is ino one of the passthrough's?  Its numbers never collide with the
 * hashed ones of inode.c: they have the top bit set.
 */
static inline bool zecfs_pt_is(uint64_t ino)
{
	return (ino >> 63) != 0;
}
/*
 * Called by browse.c before it unmounts b (see above), without holding a
 * lock of its own: it waits for requests in flight under files/, closes
 * b's descriptors, gives back the references its open handles held (with
 * zecfs_browse_put) and never touches b again.
 */
void zecfs_pt_drop(struct zecfs *fs, struct zecfs_browse *b);

/* The passthrough's table (at start-up; raises the descriptor limit). */
int zecfs_pt_init(struct zecfs *fs);
/* At exit, after zecfs_browse_shutdown: what the kernel never forgot. */
void zecfs_pt_free(struct zecfs *fs);
/* How many inodes under files/ the kernel holds now (tests). */
uint64_t zecfs_pt_count(struct zecfs *fs);

struct zecfs_node;
/*
 * LOOKUP of files in a snapshot directory (resolved): the browse's root
 * entry, once the browse is ready (zecfs_browse_get blocks).  Refused to
 * zecfs's own threads.  Replies.
 */
void zecfs_pt_files(fuse_req_t req, const struct zecfs_node *snapdir);

/* The operations on the passthrough's inodes (ino: zecfs_pt_is).  Each replies. */
void zecfs_pt_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void zecfs_pt_forget(struct zecfs *fs, fuse_ino_t ino, uint64_t nlookup);  /* no reply */
void zecfs_pt_getattr(fuse_req_t req, fuse_ino_t ino);
void zecfs_pt_readlink(fuse_req_t req, fuse_ino_t ino);
void zecfs_pt_statfs(fuse_req_t req, fuse_ino_t ino);
void zecfs_pt_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void zecfs_pt_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi);
/* RELEASE and RELEASEDIR */
void zecfs_pt_release(fuse_req_t req, struct fuse_file_info *fi);
void zecfs_pt_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void zecfs_pt_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus);
void zecfs_pt_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void zecfs_pt_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
/* Any change under files/ (op: "mkdir", "setattr", ...): EROFS, logged. */
void zecfs_pt_refuse(fuse_req_t req, const char *op, fuse_ino_t ino, const char *name);

#endif /* ZECFS_BROWSE_H */

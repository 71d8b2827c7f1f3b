/*
 * passthrough_int.h - what passthrough.c (the inode table, LOOKUP, files/
 * itself, letting go) and passthrough_io.c (handles, reads, listings,
 * xattrs) share: the table's structs and the steps of a request on one of
 * its inodes.
 */
#ifndef ZECFS_PASSTHROUGH_INT_H
#define ZECFS_PASSTHROUGH_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "zecfs.h"

#define PT_BIT (1ULL << 63)
/*
 * The tree is a read-only mount of a disk made from a snapshot: it never
 * changes while the browse lives, so the kernel may keep what it learnt.
 * A browse that ends is dropped from the kernel by name (files/), and its
 * inodes answer ESTALE.
 */
#define PT_TIMEOUT 3600.0
#define BUCKETS_MIN 1024

/* The passthrough's side of one browse. */
struct pt_browse {
	struct zecfs_browse *b;      /* NULL once dropped */
	/* requests hold it for reading while they use the browse's
	 * descriptors or b; zecfs_pt_drop for writing */
	pthread_rwlock_t lock;
	bool dead;                   /* dropped: written under the write lock */
	uint64_t salt;               /* of its inode numbers */
	uint64_t snap_ino;           /* the snapshot directory holding files/ */
	dev_t root_dev;              /* what files/ is (its .. is the snapshot) */
	ino_t root_ino;
	bool live;                   /* not dropped (table lock) */
	char *where;                 /* "/<diskId>/snapshots/<name>/files", log lines */
	unsigned refs;               /* live, inodes, handles (table lock) */
	struct pt_handle *handles;   /* open files and directories (table lock) */
	struct pt_browse *next;      /* every browse the table knows */
};

struct pt_inode {
	uint64_t nodeid;
	struct pt_browse *pb;        /* holds one of its refs */
	dev_t dev;
	ino_t ino;
	mode_t type;                 /* S_IFMT bits */
	int fd;                      /* O_PATH, -1 once dropped */
	uint64_t nlookup;            /* the kernel's references */
	unsigned pins;               /* requests using it now */
	struct pt_inode *next;       /* hash chain */
};

/* An open file (fd) or directory (fd -1). */
struct pt_handle {
	struct pt_browse *pb;        /* holds one of its refs */
	struct zecfs_browse *b;      /* a browse reference, NULL once dropped */
	int fd;
	struct pt_handle *prev, *next;
};

struct zecfs_pt {
	pthread_mutex_t lock;        /* the map, refs, pins, lists, seq */
	struct pt_inode **buckets;
	size_t mask;
	size_t count;
	struct pt_browse *browses;   /* live ones and dropped ones still held */
	uint64_t seq;                /* browses seen: each has its own numbers */
};

/* ---- passthrough.c, for passthrough_io.c -------------------------------- */

/*
 * Pins the inode and holds its browse for reading: 0, or -ESTALE when the
 * browse was dropped (or the kernel names an inode it forgot).  Every
 * request under files/ restarts the browse's idle clock.  Undone by
 * zecfs_pt_leave, also after -ESTALE (i may be NULL).
 */
int zecfs_pt_enter(struct zecfs *fs, uint64_t nodeid, struct pt_inode **out);
void zecfs_pt_leave(struct zecfs *fs, struct pt_inode *i);
/* errno as a negative errno, EIO when it is 0. */
int zecfs_pt_fix_errno(int err);
/* The entry of 'name' in the directory i (held by the caller), with one
 * lookup reference. */
int zecfs_pt_do_lookup(struct zecfs *fs, struct pt_inode *dir, const char *name,
                       struct fuse_entry_param *e);
/* The number (dev, ino) has or would have in pb; *found the inode that
 * holds it now, or NULL. Table lock held. */
uint64_t zecfs_pt_number_of(const struct zecfs_pt *t, const struct pt_browse *pb, dev_t dev,
                            ino_t ino, struct pt_inode **found);
/* One reference to pb less. Table lock held. */
void zecfs_pt_browse_unref(struct zecfs_pt *t, struct pt_browse *pb);
/* n of the kernel's references to nodeid less. */
void zecfs_pt_forget_one(struct zecfs_pt *t, uint64_t nodeid, uint64_t n);

#endif

/*
 * browse_int.h - what browse.c and browse_disk.c share: a browse, the
 * registry of them, and the disk steps browse_disk.c does for both the
 * preparation and the teardown.
 */
#ifndef ZECFS_BROWSE_INT_H
#define ZECFS_BROWSE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "browse_dev.h"
#include "zec_client.h"

/* the first and longest wait between two reads of a disk being made or released */
#define ZECFS_BROWSE_POLL_MIN_MS  100
#define ZECFS_BROWSE_POLL_MAX_MS  2000

#define TAG_KEY          "zecfs-browse"
#define NAME_PREFIX      "zecfs-browse-"

enum state { ST_CREATING, ST_ATTACHING, ST_MOUNTING, ST_READY, ST_RELEASING, ST_ERROR };

struct zecfs_browse {
	struct zecfs_browses *reg;
	char *snapshot_id;
	char *source_disk_id;        /* the disk the snapshot is of (never changed) */
	char *path;                  /* for log lines */
	char *disk_id;               /* the temporary disk, once CreateDisks named it */
	enum state state;
	char code[80];               /* ST_ERROR: the code (as zec_result.code) */
	unsigned gen;                /* preparations started */
	int refs;
	double last_used;            /* monotonic seconds */
	double started;
	int root_fd;                 /* O_PATH of what files/ shows, -1 */
	char *dir;                   /* the private directory under ZECFS_RUN_DIR */
	char *mounts[ZECFS_BDEV_MAX_PARTS + 1]; /* mount points, NULL-terminated */
	bool attached;               /* an attach was sent (worker only) */
	bool create_unclear;         /* CreateDisks may have made a disk (worker only) */
	struct zecfs_browse *next;
};

struct zecfs_browses {
	struct zecfs *fs;
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* state changes, workers done, stop */
	struct zecfs_browse *list;
	char *instance_id;           /* NULL: unknown (browsing refused) */
	char run_dir[64];            /* ZECFS_RUN_DIR/<pid> */
	int workers;                 /* prepare threads running */
	bool stopping;
	bool reaper_started;
	pthread_t reaper;
	unsigned long long browses, disks_created, disks_released, bytes_read;
};

/* ---- browse_disk.c ---------------------------------------------------- */

/* The CLOCK_MONOTONIC time seconds from now, for the registry's waits. */
void zecfs_bdisk_abs_time(double seconds_from_now, struct timespec *ts);
/*
 * Sleeps ms (the lock is not held).  A preparation's wait ends early when
 * the registry starts stopping; a teardown's waits run out in full even
 * then, so that its polls never spin.
 */
void zecfs_bdisk_nap(struct zecfs_browses *r, long ms);
bool zecfs_bdisk_stopping(struct zecfs_browses *r);
/* One more of a counter (disks_created, ...), under the lock. */
void zecfs_bdisk_count(struct zecfs_browses *r, unsigned long long *what);

/* One disk by id into *d (cleared first): 0, -ENOENT when gone, or the errno. */
int zecfs_bdisk_describe(struct zecfs *fs, const char *disk_id, struct zec_disk *d,
                         struct zec_result *res);
/* Whether d is a browse disk of this instance: the name
 * zecfs-browse-<snapshot_id> (NULL: any) and the tag zecfs-browse=<instanceId>. */
bool zecfs_bdisk_owned(const struct zecfs_browses *r, const struct zec_disk *d,
                       const char *snapshot_id);
bool zecfs_bdisk_status_is(const struct zec_disk *d, const char *status);
/*
 * Polls the disk until done(d) (0), it is gone (-ENOENT), it went FAILED
 * (ZECFS_BROWSE_DISK_FAILED), the deadline passed (ZECFS_BROWSE_TIMEOUT)
 * or zecfs is stopping and 'interruptible' (ZECFS_CANCELLED).  *d holds the
 * last record seen.
 */
int zecfs_bdisk_wait(struct zecfs_browses *r, const char *disk_id,
                     bool (*done)(const struct zec_disk *d, const void *arg), const void *arg,
                     double deadline, bool interruptible, struct zec_disk *d,
                     struct zec_result *res);
/* done() for zecfs_bdisk_wait: the status arg; not in a passing state;
 * IN_USE on instance arg. */
bool zecfs_bdisk_has_status(const struct zec_disk *d, const void *arg);
bool zecfs_bdisk_settled(const struct zec_disk *d, const void *arg);
bool zecfs_bdisk_attached_here(const struct zec_disk *d, const void *arg);
/*
 * Detaches (when attached), recycles and destroys a browse disk, each step
 * after reading the disk back and finding it still ours.  0 when it is
 * gone, else the errno; one log line either way.
 */
int zecfs_bdisk_release(struct zecfs_browses *r, const char *disk_id, const char *snapshot_id,
                        const char *why);

#endif

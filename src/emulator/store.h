/*
 * store.h - the emulator's state: disks, snapshots, the business clock and
 * the pending state transitions, with persistence to a JSON file.
 *
 * Records are cJSON objects carrying exactly the API's field names, so
 * DescribeDisks, DescribeSnapshots, /_emulator/state and the state file all
 * print them as they are.  Every function whose name ends in _locked must be
 * called with store->lock held; nothing sleeps or does I/O under it.
 *
 * Scale: disks and snapshots are indexed by id (hash maps), snapshots are
 * kept in listing order (createTime, then numeric snapshotId) in a treap
 * with subtree sizes (snaptree.c), once for all snapshots and once per
 * diskId, so a page is found in O(log n) and every mutation costs O(log n).
 * The fields the order, the filters and the clock need are cached in struct
 * emu_snap; the setters below keep them in step with the record, so snapshot
 * records are changed only through them (or for fields not cached, such as
 * the name).
 */
#ifndef ZEC_EMU_STORE_H
#define ZEC_EMU_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "emulator.h"
#include "strmap.h"

struct emu_disk {
	cJSON *rec;                     /* API disk record */
	long long due_ms;               /* rollback ends (business ms); 0: none */
	char *prev_status;              /* status to return to after rollback */
};

struct emu_snap;

/* A snapshot's place in one ordered tree (treap by key, heap by prio). */
struct snap_link {
	struct emu_snap *l, *r;
	size_t size;                    /* nodes in this subtree */
};

/* The snapshots of one diskId (the disk may not exist). */
struct snap_group {
	char *disk_id;
	struct emu_snap *root;          /* its snapshots, listing order */
	size_t ndeleting;               /* of them in DELETING */
	unsigned long long mark;        /* request stamp (store.stamp) */
	size_t load_off, load_n;        /* scratch of a load */
	struct snap_group *next;        /* every group, for freeing */
};

struct emu_snap {
	cJSON *rec;                     /* API snapshot record */
	long long due_ms;               /* pending transition ends; 0: none */
	char *prev_status;              /* status after ROLLING_BACK */

	/* cached from rec: pointers into it, refreshed by every setter */
	const char *id;                 /* snapshotId */
	const char *create_time;        /* createTime */
	const char *status;             /* status */
	long long retention_ms;         /* retentionTime, business ms; none: LLONG_MAX */
	struct snap_group *group;       /* of its diskId */

	unsigned prio;
	struct snap_link all, grp;      /* store.snaps and group->root trees */
	struct emu_snap *pend_prev, *pend_next; /* store.pending: due_ms set */
	unsigned long long mark;        /* request stamp (store.stamp) */
};

/* A filtered snapshot listing kept while the store does not change. */
struct list_cache {
	char *key;                      /* the filters (describe_snapshots.c) */
	unsigned long long gen;         /* store.gen when it was made */
	struct emu_snap **items;        /* every match, listing order */
	size_t n;
};

#define STORE_LIST_CACHE 4

/* Everything a seed replaces, so a load can build it aside and swap. */
struct store_content {
	struct emu_disk *disks;         /* in insertion order */
	size_t ndisks, cap_disks;
	struct strmap disk_index;       /* diskId -> index + 1 */
	struct emu_snap *snaps;         /* tree root, listing order */
	size_t nsnaps;
	struct strmap snap_index;       /* snapshotId -> struct emu_snap */
	struct strmap group_index;      /* diskId -> struct snap_group */
	struct snap_group *groups;
	struct emu_snap *pending;       /* snapshots with a due_ms */
	/* lower bounds of the next due time (business ms), LLONG_MAX: none;
	 * store_tick_locked() does nothing before the earliest of them */
	long long pend_next_ms, ret_next_ms, disk_next_ms;
	cJSON *policies;                /* AutoSnapshotPolicy records (policies.c) */
	cJSON *instances;               /* InstanceInfo records (lifecycle.c) */
	cJSON *zones;                   /* the zones known (lifecycle.c) */
	long long sched_ms;             /* schedule run through (business ms) */
};

/*
 * Image work (--disk-data) an action leaves behind: queued under the store
 * lock (memory only), run by images_run() after the lock is released, in
 * queue order, under store.img_lock (images.c).
 */
enum img_kind {
	IMG_CAPTURE,                    /* disk_id's bytes -> snap_id */
	IMG_RESTORE,                    /* snap_id's bytes -> disk_id (size_gib) */
	IMG_GROW,                       /* disk_id to size_gib */
	IMG_REMOVE_DISK,
	IMG_REMOVE_SNAP,
	IMG_DEMO,                       /* disk_id gets its demo files (seed.c) */
	IMG_ATTACH,                     /* disk_id appears on this machine (hv.c) */
	IMG_DETACH,                     /* ... and disappears */
};

struct img_op {
	enum img_kind kind;
	char *disk_id, *snap_id;
	long long size_gib;
	struct img_op *next;
};

struct store {
	pthread_mutex_t lock;
	const struct emu_config *cfg;
	struct store_content c;
	long long clock_offset_ms;      /* business time = real time + offset */
	unsigned long long next_id;     /* last snapshot id handed out */
	unsigned long long gen;         /* bumped on every change */
	unsigned long long stamp;       /* request stamps for .mark */
	unsigned rng;                   /* treap priorities */
	struct list_cache lists[STORE_LIST_CACHE];
	unsigned list_next;             /* the one to replace next */
	char *initial_seed;             /* JSON text POST /_emulator/reset restores */

	pthread_mutex_t persist_lock;
	unsigned long long persisted_gen;

	struct img_op *img_head, **img_tail;    /* under lock */
	bool img_wipe;                  /* after a load: sweep the image directory */
	bool img_prune;                 /* ... keeping the images of known ids */
	pthread_mutex_t img_lock;       /* image I/O; taken before lock, never under it */
};

int store_init(struct store *s, const struct emu_config *cfg);
void store_destroy(struct store *s);

/* ---- store_io.c: seeds, the state document and file ---- */

/*
 * Replaces all state with a seed {"disks":[...],"snapshots":[...]}, filling
 * defaults; a "clockOffsetMs" member (state files) restores the clock.
 * -EINVAL with a reason in err when the seed is malformed (state untouched).
 * store_load_locked() copies the records; store_load_owned_locked() moves
 * them out of seed (faster, half the memory), which the caller can then
 * only delete.
 */
int store_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size);
int store_load_owned_locked(struct store *s, cJSON *seed, char *err, size_t err_size);

/* Puts a disk's tags in the official shape {"tags":[...]} (0 or -ENOMEM). */
int store_disk_norm_tags(cJSON *d);

/* Type checks of disk fields (seeds, /_emulator/disks): -EINVAL, reason in err. */
int store_check_disk_fields(const cJSON *fields, char *err, size_t err_size);

/* {"disks":[...],"snapshots":[...],"now":"..."}; NULL on ENOMEM. */
cJSON *store_state_json_locked(const struct store *s);

/* Writes the state file if there is one and the state changed since the
 * last write.  Takes the lock itself: call it without holding it. */
int store_persist(struct store *s);

/* ---- store.c: the clock, lookups, listings and transitions ---- */

/* Business time. */
long long store_now_ms_locked(const struct store *s);
time_t store_now_locked(const struct store *s);

/* Applies every transition that is due; true when something changed. */
bool store_tick_locked(struct store *s);

/* Marks the state changed (to be persisted). */
void store_touch_locked(struct store *s);

/* Lookups in O(1): the disk's index or -1; the snapshot, its group or NULL. */
long store_find_disk_locked(const struct store *s, const char *disk_id);
struct emu_snap *store_find_snap_locked(const struct store *s, const char *snap_id);
struct snap_group *store_find_group_locked(const struct store *s, const char *disk_id);

/* Listing order, the trees' key (snaptree.c): createTime, then snapshotId
 * (numerically). */
int store_snap_cmp(const struct emu_snap *a, const struct emu_snap *b);

/* Snapshots of group g (NULL: all), in listing order. */
size_t store_snap_count_locked(const struct store *s, const struct snap_group *g);

/* Up to count snapshots of g (NULL: all) from rank first; how many in out. */
size_t store_snap_page_locked(const struct store *s, const struct snap_group *g,
                              size_t first, size_t count, struct emu_snap **out);

/*
 * The same for the union of groups gs (distinct): the page is found by a
 * binary search over global ranks, O(log n * ng * log n + ng * count).
 * 0 or -ENOMEM; *nout snapshots in out.
 */
int store_snap_union_page_locked(const struct store *s, struct snap_group *const *gs,
                                 size_t ng, size_t first, size_t count,
                                 struct emu_snap **out, size_t *nout);

/* Calls fn on the snapshots of g (NULL: all) in listing order until it
 * returns false.  fn must not add or remove snapshots. */
void store_snap_walk_locked(const struct store *s, const struct snap_group *g,
                            bool (*fn)(struct emu_snap *sn, void *arg), void *arg);

/*
 * Queues image work (a no-op without --disk-data).  0, or -ENOMEM after
 * logging it (the image is then left to the next start's clean-up).
 */
int store_img_queue_locked(struct store *s, enum img_kind kind, const char *disk_id,
                           const char *snap_id, long long size_gib);

/* Removes disk d (its image, its attachment on this machine) for good. */
void store_remove_disk_locked(struct store *s, size_t d);

/* A new CREATING snapshot of disk d. */
int store_create_snap_locked(struct store *s, size_t d, const char *name,
                             const char *retention, struct emu_snap **out);
void store_remove_snap_locked(struct store *s, struct emu_snap *sn);

/* Sets the status; due_ms > 0 also makes it pending until then. */
int store_snap_set_status_locked(struct store *s, struct emu_snap *sn,
                                 const char *status, long long due_ms);

/* Sets retentionTime (a valid time), or removes it (NULL). */
int store_snap_set_retention_locked(struct store *s, struct emu_snap *sn,
                                    const char *retention);

/* Records that disk d's pending rollback ends at due_ms. */
void store_disk_due_locked(struct store *s, size_t d, long long due_ms);

/* Record helpers: a string member or NULL; setting replaces or adds. */
const char *rec_str(const cJSON *rec, const char *key);
int rec_set_str(cJSON *rec, const char *key, const char *value);
int rec_set_bool(cJSON *rec, const char *key, bool value);
bool rec_bool(const cJSON *rec, const char *key, bool dflt);
/* Both strings there and equal (a field of a record that may lack it). */
bool str_eq(const char *a, const char *b);

/* ---- for policies.c, autosnap.c and create_disks.c; the adds are
 * store_io.c's, as they fill in the seed defaults ---- */

/* The name of resource group rg_id, as a disk of it names it (else its id;
 * "default" is the Default Resource Group). */
const char *store_rg_name_locked(const struct store *s, const char *rg_id);

/* A fresh numeric id (snapshots, disks, policies, orders share the counter). */
unsigned long long store_new_id_locked(struct store *s);

/* Adds snapshot rec (taken over on success), seed defaults filled in,
 * pending until due_ms (0: not pending). */
int store_add_snap_locked(struct store *s, cJSON *rec, long long due_ms,
                          struct emu_snap **out);

/* Adds disk rec (taken over on success), seed defaults filled in; with
 * due_ms its status becomes after_status then.  The disk's index in *out. */
int store_add_disk_locked(struct store *s, cJSON *rec, long long due_ms,
                          const char *after_status, size_t *out);

#endif /* ZEC_EMU_STORE_H */

/*
 * cache_int.h - what the pieces of the listing cache share, and nothing
 * outside src/fs/cache*.c sees: the cache and its slots, the snapshot-list
 * builder, the compact string store, and the helpers one piece calls in
 * another.  cache.h stays the interface the filesystem uses.
 *
 *   cache.c            the slots (zecfs_cache_serve, zecfs_cache_install), life cycle
 *   cache_list.c       what every list shares: references, digest, mtime
 *   cache_store.c      interned strings and the chunks a builder fills
 *   cache_snaplist.c   a disk's snapshot list: builder, name@id, sort, lookups
 *   cache_disks.c      the disk list
 *   cache_snapshots.c  each disk's snapshot listing, fetched into its slot
 *   cache_account.c    a walk's account-wide listing, split by disk
 *   cache_local.c      read-your-writes: zecfs's own changes to snapshot lists
 *   cache_recheck.c    snapshots in a passing state asked about again
 *   cache_other.c      slots for listings of other kinds (policies_dir.c)
 */
#ifndef ZECFS_CACHE_INT_H
#define ZECFS_CACHE_INT_H

#include <pthread.h>

#include "cache.h"

/* ---- the cache and its slots ------------------------------------------ */

#define SLOT_BUCKETS 1024
/* the inode table's limit on ids (inode.h ZECFS_ID_MAX) */
#define ZECFS_LIST_ID_MAX 127

struct zecfs_slot {
	const char *key;             /* what the hook is told: the disk id, the name
	                              * of a listing of another kind, NULL: the disks */
	struct zecfs_list_head *cur;   /* current list, referenced by the slot */
	bool fetching;
	bool due;                    /* forgotten: ask the API next time, whatever its age */
	unsigned long long changed_gen;  /* cache generation of the last local change */
	unsigned gen;                /* bumped when a fetch ends */
	int err;                     /* how the last fetch ended */
	/* what a failed last fetch said (NULL after a success, or when there was
	 * no memory to keep it): a cached disk's slot is 100-odd bytes, not 850 */
	struct zec_result *res;
	double failed_at;            /* monotonic time of the last failure */
	double ended_at;             /* monotonic time its last fetch ended */
	double rechecked;            /* monotonic time of the last transient-state recheck */
	/* when (monotonic) and for which process a LOOKUP or GETATTR left it
	 * for the requests of the same command that follow (take_primed in zecfs_cache_serve) */
	double primed_at;
	long primed_pid;
};

struct zecfs_disk_slot {
	struct zecfs_slot s;
	struct zecfs_disk_slot *next;
	char disk_id[];
};

struct zecfs_cache {
	struct zec_client *client;
	struct zecfs_cache_opts opts;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct zecfs_slot disks;
	struct zecfs_disk_slot *buckets[SLOT_BUCKETS];
	bool stale_warned;           /* warned for this episode of errors */
	unsigned long long gen;      /* bumped by every local change (read-your-writes) */
	struct zecfs_cache_counters counters;  /* guarded by lock */
	double walk_until;           /* a walk of the whole mount is under way */
	bool walk_listed;            /* its account-wide listing was made */
	struct zecfs_cache_slot *others;  /* listings of other kinds */
};

/* Builds a slot's list from the API; 'arg' as zecfs_cache_serve was given it. */
typedef int (*zecfs_slot_fetch_fn)(struct zecfs_cache *c, void *arg,
                                   struct zecfs_list_head **out, struct zec_result *res);

/*
 * A slot's list, for a request used as 'by': the current one while it is
 * younger than the TTL; else exactly one thread fetches it (without the
 * lock) while the others wait and share its outcome; a list younger than
 * stale_max stands in when the API cannot be reached.
 */
int zecfs_cache_serve(struct zecfs_cache *c, struct zecfs_slot *s, zecfs_slot_fetch_fn fetch,
                      void *arg, const struct zecfs_use_by *by,
                      struct zecfs_list_head **out, struct zec_result *res);
/* With the lock held: puts a fetched list in a slot, telling the hook what changed. */
void zecfs_cache_install(struct zecfs_cache *c, struct zecfs_slot *s,
                         struct zecfs_list_head *fresh);
/* What a slot holds (its list, a failure's result) given back, with the cache. */
void zecfs_cache_slot_release(struct zecfs_slot *s);
/* With the lock held: the disk's slot, made when 'create'; NULL without memory. */
struct zecfs_disk_slot *zecfs_cache_disk_slot(struct zecfs_cache *c, const char *disk_id,
                                              bool create);
/* With the lock held: the kernel's copy of a listing's directory is stale. */
void zecfs_cache_report_changed(struct zecfs_cache *c, enum zecfs_gone what, const char *key);
/* With the lock held: tells the hook what a fresh listing no longer has. */
void zecfs_cache_report_gone(struct zecfs_cache *c, const char *disk_id,
                             const struct zecfs_list_head *old,
                             const struct zecfs_list_head *fresh);
/* With the lock held: the snapshots whose record differs between two lists. */
void zecfs_cache_report_records(struct zecfs_cache *c, const char *disk_id,
                                const struct zecfs_snaplist *old,
                                const struct zecfs_snaplist *fresh);

/* ---- what every cached list shares --------------------------------------- */

void zecfs_cache_list_get(struct zecfs_list_head *h);
/* An API time in seconds since the epoch; 0 when absent or unparsable. */
time_t zecfs_cache_parse_time(const char *s);
/* A changed list's mtime: now, past its newest entry and the old list's mtime. */
void zecfs_cache_changed_mtime(struct zecfs_list_head *fresh, const struct zecfs_list_head *old);
/* A fetched list's mtime: the old one's when its contents are the same. */
void zecfs_cache_settle_mtime(struct zecfs_list_head *fresh, const struct zecfs_list_head *old);

/* ---- the compact string store ------------------------------------------- */

struct zecfs_chunk;

/* A pooled copy of str (shared, lives until zecfs_cache_pool_free); NULL on ENOMEM. */
const char *zecfs_cache_intern(const char *str);
void zecfs_cache_pool_free(void);
/* The pooled set equal to c, whose strings are pooled; NULL on ENOMEM. */
const struct zecfs_snap_common *zecfs_cache_intern_common(const struct zecfs_snap_common *c);
/* A copy of s, or len bytes, in the chunks (they never move); NULL on ENOMEM. */
char *zecfs_cache_chunk_dup(struct zecfs_chunk **chunks, const char *s);
void *zecfs_cache_chunk_alloc(struct zecfs_chunk **chunks, size_t len);
void zecfs_cache_chunks_free(struct zecfs_chunk *c);

/* ---- snapshot lists ------------------------------------------------------ */

/*
 * A list under construction: snapshots are added one at a time (from the
 * pages of a listing as they arrive, or from a list being changed), their
 * strings copied into the builder's chunks or the pool of shared strings.
 */
struct zecfs_builder {
	struct zecfs_snap *v;
	size_t n, cap;
	struct zecfs_chunk *chunks;
	size_t unshown;
	const struct zecfs_snap_common *last;  /* the previous record's shared fields */
};

/* Adds a copy of s; DELETING snapshots and unshowable names are left out. */
int zecfs_cache_builder_add(struct zecfs_builder *b, const struct zec_snapshot *s);
/* Adds a copy of a snapshot of another list (as it was added there). */
int zecfs_cache_builder_add_snap(struct zecfs_builder *b, const struct zecfs_snap *sn);
/* The list, from the builder (emptied, also on failure). */
int zecfs_cache_builder_finish(struct zecfs_builder *b, double fetched,
                               struct zecfs_snaplist **out);
void zecfs_cache_builder_drop(struct zecfs_builder *b);
/* A list with no snapshot. */
int zecfs_cache_empty_list(double fetched, struct zecfs_snaplist **out);
void zecfs_cache_snaplist_destroy(void *p);
/* Unparsable createTimes keep the time zecfs first saw them, from 'old'. */
void zecfs_cache_carry_bad_times(struct zecfs_snaplist *fresh,
                                 const struct zecfs_snaplist *old);

/* ---- the disk list --------------------------------------------------- */

void zecfs_cache_disklist_destroy(void *p);

/* ---- each disk's snapshot listing ------------------------------------- */

/*
 * The snapshot ids the cache shows now, for a walk to confirm what it lacks
 * (zec_snapshot_filter.known): of one disk, or of every disk (disk_id NULL).
 * The lists stay referenced until zecfs_cache_known_put().
 */
struct zecfs_known {
	const char **ids;
	char (*text)[ZECFS_SNAP_ID_LEN];  /* the numeric ids written out */
	size_t n;
	struct zecfs_snaplist **lists;
	size_t n_lists;
};

void zecfs_cache_known_get(struct zecfs_cache *c, const char *disk_id, struct zecfs_known *k);
void zecfs_cache_known_put(struct zecfs_known *k);
/* An incomplete listing keeps what the disk's cached list has and it lacks. */
void zecfs_cache_keep_unlisted(struct zecfs_cache *c, const char *disk_id,
                               struct zecfs_snaplist **l);
/* One account-wide listing, split by disk; returns the list of 'disk_id'. */
int zecfs_cache_fetch_account(struct zecfs_cache *c, const char *disk_id,
                              struct zecfs_list_head **out, struct zec_result *res);

/* ---- changes to a disk's snapshot list ---------------------------------- */

/* Builds a disk's next list from its current one, without any lock. */
typedef int (*zecfs_cache_rebuild_fn)(const struct zecfs_snaplist *old, void *arg,
                                      struct zecfs_snaplist **out);

/* Swaps in a list built by fn from the disk's current one ('local': zecfs's own change). */
int zecfs_cache_snap_swap(struct zecfs_cache *c, const char *disk_id,
                          zecfs_cache_rebuild_fn fn, void *arg, bool local);

/* ---- listings of other kinds -------------------------------------------- */

/* Frees the slots of other kinds (zecfs_cache_slot_new), with the cache. */
void zecfs_cache_others_free(struct zecfs_cache *c);

#endif /* ZECFS_CACHE_INT_H */

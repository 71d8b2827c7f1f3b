/*
 * cache.h - the listing cache wrapped around the API client.
 *
 * Disk and snapshot listings are immutable, reference-counted lists.  A
 * reader takes a reference under the cache lock and then works without it;
 * a refresh or a local change (read-your-writes after mkdir, rmdir, rename,
 * setxattr) builds a new list and swaps it in.  No lock is held across a
 * network call: one thread fetches a stale listing while the others that
 * need the same listing wait on a condition variable.
 *
 * When the API cannot be reached, a listing younger than stale_max seconds
 * is served instead of the error (stale-if-error), with one warning per
 * episode.
 */
#ifndef ZECFS_CACHE_H
#define ZECFS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "zec_client.h"

/*
 * What many snapshots share (a disk's zone, status, type, resource group),
 * kept once for the process (cache_store.c): a snapshot points at it.
 */
struct zecfs_snap_common {
	const char *zone_id, *status, *snapshot_type, *disk_id;
	const char *resource_group_id, *resource_group_name;
	bool disk_ability;
	/* the JSON of a record of these members and none of a snapshot's
	 * own, on one line [0] and pretty [1] (derived: not part of the
	 * set's identity) */
	size_t json_len[2];
};

/*
 * One snapshot as the filesystem shows it, in 32 bytes: the id as a number,
 * the parsed createTime, the shared fields, and 'text', the few bytes only
 * it has (its name, and whatever of the record cannot be a number without
 * changing what snapshot.json prints).  Read it through the accessors
 * below, never the members: the layout of 'text' is cache_snaplist.c's.
 */
#define ZECFS_SNAP_ID_TEXT UINT64_MAX   /* id: the snapshotId is kept as text */
struct zecfs_snap {
	uint64_t id;                 /* snapshotId when it is a plain decimal number */
	time_t ctime;                /* createTime, or when first seen if unparsable */
	const unsigned char *text;   /* flags, the shown name, then the rest */
	const struct zecfs_snap_common *common;
};

/* Room for a numeric snapshot id written out (20 digits and a NUL). */
#define ZECFS_SNAP_ID_LEN 21

/* The directory name: snapshotName, or name@snapshotId where names repeat. */
static inline const char *zecfs_snap_name(const struct zecfs_snap *sn)
{
	return (const char *)sn->text + 1;
}

static inline const char *zecfs_snap_status(const struct zecfs_snap *sn)
{
	return sn->common->status;
}

/* The id as a zecfs_ident's snap_num: 0 when it is kept as text (or is 0). */
static inline uint64_t zecfs_snap_num(const struct zecfs_snap *sn)
{
	return sn->id == ZECFS_SNAP_ID_TEXT ? 0 : sn->id;
}

/* The snapshotId: in the list, or written in buf. */
const char *zecfs_snap_id(const struct zecfs_snap *sn, char buf[ZECFS_SNAP_ID_LEN]);
/* The snapshotId written in out (size >= ZECFS_SNAP_ID_LEN, or the id may be cut). */
void zecfs_snap_id_to(const struct zecfs_snap *sn, char *out, size_t size);
/* The snapshotName as the server has it (without any @id). */
const char *zecfs_snap_raw_name(const struct zecfs_snap *sn);
/* Both have the same snapshotId. */
bool zecfs_snap_same_id(const struct zecfs_snap *a, const struct zecfs_snap *b);

/*
 * The record as the server sent it, byte for byte (snapshot.json, xattrs,
 * a copy for read-your-writes): strings point into the list, the pool or
 * the buffers of 'out', so 'out' lives no longer than the list.
 */
struct zecfs_snap_rec {
	struct zec_snapshot s;
	char id[ZECFS_SNAP_ID_LEN];
	char create_time[24];
	char retention_time[24];
};

void zecfs_snap_record(const struct zecfs_snap *sn, struct zecfs_snap_rec *out);
/* The length of zecfs_snapjson() of that record, counting only its own members. */
size_t zecfs_snap_json_len(const struct zecfs_snap *sn, bool pretty);
/*
 * One string member of the record (offsetof(struct zec_snapshot, member)):
 * in the list, or copied into buf (size >= 24); NULL when absent.
 */
const char *zecfs_snap_str(const struct zecfs_snap *sn, size_t member, char *buf, size_t size);

/* What every cached list starts with. */
struct zecfs_list_head {
	int refs;
	double fetched;              /* monotonic seconds of the fetch it came from */
	void (*destroy)(void *list);
	uint64_t digest;             /* hash of the names and ids it lists */
	time_t newest;               /* newest createTime among its entries, or 0 */
	/*
	 * When its contents last changed, as zecfs saw it, to the nanosecond:
	 * every list whose names or ids differ from the one it replaces has a
	 * later mtime than it, even within one second or with a server clock
	 * ahead of ours, because the kernel keeps a directory's cached
	 * contents for as long as its mtime compares equal.
	 */
	struct timespec mtime;
	size_t unshown;              /* entries whose names or ids cannot be path components */
	void *order[2];              /* dir.c's entry orders, built on first readdir;
	                              * freed with the list */
	const char *first_unshown;   /* the id of one of them, for the log */
};

struct zecfs_snaplist {
	struct zecfs_list_head h;
	struct zecfs_snap *v;          /* sorted by name */
	size_t n;
	uint32_t *by_id;             /* indices into v, sorted by snapshotId */
	size_t json_len;             /* snapshots.json's size, counted on first use (0: not yet) */
};

struct zecfs_disk {
	struct zec_disk d;
	time_t ctime;
};

struct zecfs_disklist {
	struct zecfs_list_head h;
	struct zecfs_disk *v;          /* sorted by disk id */
	size_t n;
};

/*
 * What a fresh listing shows is gone (or now names something else), and
 * which listings changed or were forgotten: the kernel's copies of those
 * directories are dropped at once.
 */
enum zecfs_gone {
	ZECFS_GONE_DISK,               /* a disk id left the root */
	ZECFS_GONE_DISK_NAME,          /* a disk name left .by-name */
	ZECFS_GONE_SNAPSHOT,           /* a name left a disk's snapshots/ */
	ZECFS_CHANGED_DISKS,           /* the disk list changed or is due (root, .by-name) */
	ZECFS_CHANGED_SNAPSHOTS,       /* disk_id's snapshot list changed or is due */
	ZECFS_CHANGED_SLOT,            /* the listing in the slot named 'name' */
	ZECFS_CHANGED_SNAPSHOT,        /* the record of snapshot 'name' (an id) of disk_id changed */
};

struct zecfs_cache_opts {
	double ttl;                  /* seconds; 0: always ask */
	double stale_max;            /* seconds a listing may be served after errors */
	/*
	 * Called (under the cache lock: it must only queue) for each entry a
	 * fetched listing no longer has, so the kernel's cached entry can be
	 * dropped at once instead of after its timeout.  May be NULL.
	 */
	void (*gone)(void *arg, enum zecfs_gone what, const char *disk_id, const char *name);
	void *gone_arg;
};

struct zecfs_cache;

/* How listings were answered, for MNT/.zecfs/stats. */
struct zecfs_cache_counters {
	unsigned long long hits;      /* from a fresh listing */
	unsigned long long misses;    /* needed a fetch */
	unsigned long long stale;     /* from a stale listing while the API was down */
};

void zecfs_cache_counters(struct zecfs_cache *c, struct zecfs_cache_counters *out);

int zecfs_cache_new(struct zec_client *client, const struct zecfs_cache_opts *opts,
                  struct zecfs_cache **out);
void zecfs_cache_free(struct zecfs_cache *c);

/*
 * How a request uses a listing.  One ls sends LOOKUPs and GETATTRs of the
 * directory (stat, then open), then READDIR at offset 0; at cache_ttl=0
 * each would fetch the listing.  So the list a LOOKUP or GETATTR had is
 * left for the requests of the same process that follow within one second
 * of it (not renewed by them), until that process reads the directory from
 * offset 0: one command, one listing.  A list taken by a READDIR at offset
 * 0 is left for nobody: the next command of that process asks again.
 *   USE_TTL   fetched when older than the TTL
 *   USE_OPEN  (LOOKUP, GETATTR) what the same process was left, else as
 *             USE_TTL; left for the same process
 *   USE_SCAN  (READDIR at offset 0) what the same process was left, once,
 *             else as USE_TTL
 */
enum zecfs_use { ZECFS_USE_TTL, ZECFS_USE_OPEN, ZECFS_USE_SCAN };

struct zecfs_use_by {
	enum zecfs_use use;
	long pid;                    /* the requesting process (fuse_req_ctx) */
};

static const struct zecfs_use_by ZECFS_BY_TTL = { ZECFS_USE_TTL, 0 };

/* A referenced list of all disks; release it with zecfs_disklist_put. */
int zecfs_cache_disks(struct zecfs_cache *c, struct zecfs_disklist **out,
                    struct zec_result *res);
int zecfs_cache_disks_use(struct zecfs_cache *c, const struct zecfs_use_by *by,
                          struct zecfs_disklist **out, struct zec_result *res);
/* The disk list as it is cached now, whatever its age; NULL: never listed. */
struct zecfs_disklist *zecfs_cache_disks_cached(struct zecfs_cache *c);
/* The disk of that id in the list, or NULL. */
const struct zecfs_disk *zecfs_disklist_find(const struct zecfs_disklist *l,
                                         const char *disk_id);
void zecfs_disklist_put(struct zecfs_disklist *l);

/* A referenced list of one disk's snapshots (DELETING ones left out). */
int zecfs_cache_snapshots(struct zecfs_cache *c, const char *disk_id,
                        struct zecfs_snaplist **out, struct zec_result *res);
int zecfs_cache_snapshots_use(struct zecfs_cache *c, const char *disk_id,
                              const struct zecfs_use_by *by,
                              struct zecfs_snaplist **out, struct zec_result *res);
const struct zecfs_snap *zecfs_snaplist_find(const struct zecfs_snaplist *l,
                                         const char *name);
const struct zecfs_snap *zecfs_snaplist_find_id(const struct zecfs_snaplist *l,
                                            const char *snapshot_id);
/* The same by the id's number (a zecfs_ident's snap_num, not 0). */
const struct zecfs_snap *zecfs_snaplist_find_num(const struct zecfs_snaplist *l, uint64_t num);
/*
 * A list of s alone, as a listing would hold it (the entry of a snapshot
 * zecfs just made); -ENOMEM, or -EINVAL when s could not be listed.
 */
int zecfs_snaplist_of(const struct zec_snapshot *s, struct zecfs_snaplist **out);
/* The snapshot of l with sn's id, or NULL. */
const struct zecfs_snap *zecfs_snaplist_find_same(const struct zecfs_snaplist *l,
                                              const struct zecfs_snap *sn);
/*
 * The disk's snapshot list as it is cached now, whatever its age, without
 * asking the API; NULL when it was never listed.
 */
struct zecfs_snaplist *zecfs_cache_snapshots_cached(struct zecfs_cache *c,
                                                const char *disk_id);

void zecfs_snaplist_put(struct zecfs_snaplist *l);

/* Read-your-writes: apply zecfs's own successful changes to the cache. */
int zecfs_cache_snapshot_added(struct zecfs_cache *c, const struct zec_snapshot *s);
int zecfs_cache_snapshot_removed(struct zecfs_cache *c, const char *disk_id,
                               const char *snapshot_id);
/* Replaces the snapshot of the same id with s (rename, retention). */
int zecfs_cache_snapshot_changed(struct zecfs_cache *c, const struct zec_snapshot *s);
int zecfs_cache_disk_changed(struct zecfs_cache *c, const struct zec_disk *d);
/*
 * The root was listed: a walk of the whole mount may follow.  The next
 * snapshot listing that must be fetched is made account-wide and split by
 * disk, so the walk costs one listing in all.
 */
void zecfs_cache_walk_started(struct zecfs_cache *c);
/*
 * Snapshots in a passing state (CREATING, DELETING, ROLLING_BACK) are asked
 * about again, all of a disk's in one filtered call, when their listing is
 * at least 2 s old and nobody asked in the last 2 s; so a snapshot does not
 * read CREATING for a whole TTL after it became AVAILABLE.
 */
int zecfs_cache_recheck_transient(struct zecfs_cache *c, const char *disk_id);
/* Forget the disk list (next access asks the API): a disk was made. */
void zecfs_cache_forget_disks(struct zecfs_cache *c);
/* Forget a disk's snapshot listing (next access asks the API). */
void zecfs_cache_forget_snapshots(struct zecfs_cache *c, const char *disk_id);

/*
 * Directory names for entries that may share a name (snapshots/,
 * .policies/): sorted by name, then oldest first (zecfs_age_cmp: the time,
 * then the id as a number), the oldest keeps the name and each younger one
 * is shown as name@id.  zecfs_shown_name returns name itself, or name@id
 * written in buf when prev_name (the entry before it) is the same; NULL
 * when that does not fit.
 */
int zecfs_age_cmp(time_t a_time, const char *a_id, time_t b_time, const char *b_id);
const char *zecfs_shown_name(const char *name, const char *prev_name, const char *id,
                             char *buf, size_t size);

/*
 * Listings of other kinds (policies_dir.c) kept in a slot of the cache, with the
 * same TTL, single fetch and stale-if-error as the disk list.  'fetch'
 * builds a list that starts with a zecfs_list_head (refs 1, destroy,
 * fetched, digest and newest set).  A slot lives as long as the cache.
 */
typedef int (*zecfs_cache_fetch)(void *arg, struct zecfs_list_head **out,
                                 struct zec_result *res);
struct zecfs_cache_slot;

int zecfs_cache_slot_new(struct zecfs_cache *c, const char *name, zecfs_cache_fetch fetch,
                         void *arg, struct zecfs_cache_slot **out);
/* The slot's list, fetched when older than the TTL; release with zecfs_list_put. */
int zecfs_cache_slot_get(struct zecfs_cache *c, struct zecfs_cache_slot *o,
                         struct zecfs_list_head **out, struct zec_result *res);
int zecfs_cache_slot_get_use(struct zecfs_cache *c, struct zecfs_cache_slot *o,
                             const struct zecfs_use_by *by, struct zecfs_list_head **out,
                             struct zec_result *res);
/* Its list whatever its age, without asking the API; NULL when never listed. */
struct zecfs_list_head *zecfs_cache_slot_cached(struct zecfs_cache *c,
                                                struct zecfs_cache_slot *o);
/* zecfs changed what it lists: the next access asks the API. */
void zecfs_cache_slot_forget(struct zecfs_cache *c, struct zecfs_cache_slot *o);
/*
 * Read-your-writes: 'fresh', built from 'old' with zecfs's own change,
 * replaces it (its mtime: now).  -EAGAIN when 'old' is no longer the
 * slot's list (build again from the current one).  Takes 'fresh' either way.
 */
int zecfs_cache_slot_replace(struct zecfs_cache *c, struct zecfs_cache_slot *o,
                             const struct zecfs_list_head *old, struct zecfs_list_head *fresh);
void zecfs_list_put(struct zecfs_list_head *h);
/* Folds one entry (its name and id) into a list's digest; start from 0. */
uint64_t zecfs_list_digest(uint64_t h, const char *a, const char *b);

/*
 * Can a string from the server be a path component?  Not empty, no '/',
 * not "." or "..", at most max bytes.  Never trust the server: a diskId of
 * "../../tmp" must not make .by-name point out of the mount.
 */
bool zecfs_name_ok(const char *name, size_t max);


#endif /* ZECFS_CACHE_H */

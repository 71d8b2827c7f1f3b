/*
 * zec_client.h - typed client for the ZEC disk and snapshot API.
 *
 * One function per action; C structs in and out, no JSON for callers.
 * Every function returns 0 or a negative errno, and fills a struct
 * zec_result with what happened (HTTP status, API code, message, requestId,
 * transport error), so callers can log and decide without parsing anything.
 * The errno is decided by zec_errno.c and nowhere else.
 *
 * A client is shared by all threads: it keeps a pool of libcurl handles
 * (keep-alive connections) and holds no lock during a request.
 */
#ifndef ZEC_CLIENT_H
#define ZEC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zec_client;
struct zec_result;

struct zec_client_config {
	const char *endpoint;            /* "https://console.zenlayer.com", "http://127.0.0.1:8080" */
	const char *access_key_id;       /* signed mode ...                 */
	const char *access_key_password;
	const char *bearer_token;        /* ... or bearer mode, when set     */
	const char *cafile;              /* extra CA bundle, or NULL          */
	long request_timeout_ms;         /* one HTTP exchange; 0: 30000      */
	long deadline_ms;                /* one call, retries included; 0: 30000 */
	int retries;                     /* attempts per call; 0: 4          */
	int log_calls;                   /* log every call at info, not only failures */
	int parallel;                    /* pages in flight per walk; 0: 64 */
	/* Called after every API call (each page of a walk is one), from the
	 * calling thread, with its final result; may be NULL. */
	void (*observe)(void *arg, const struct zec_result *res);
	void *observe_arg;
	/* A call that timed out or could not connect opens a circuit breaker:
	 * calls then fail at once until a probe (DescribeDisks, one record)
	 * sent every probe_interval_ms (0: 1000) gets an answer. */
	int breaker;
	long probe_interval_ms;
};

enum zec_outcome {
	ZEC_OUTCOME_OK = 0,
	ZEC_OUTCOME_API_ERROR,           /* the server answered with an error envelope */
	ZEC_OUTCOME_TRANSPORT,           /* connect, send or receive failed           */
	ZEC_OUTCOME_TIMEOUT,             /* no complete answer in time                */
	ZEC_OUTCOME_BAD_RESPONSE,        /* an answer we cannot parse                 */
	ZEC_OUTCOME_LOCAL,               /* refused before any request (bad argument) */
};

struct zec_result {
	const char *path;                /* in: what the call is for, for log lines (may be NULL) */
	enum zec_outcome outcome;
	long http_status;                /* 0 when no HTTP answer */
	char action[48];
	char code[80];                   /* API code, or a ZECFS_* local code */
	char message[256];
	char request_id[64];
	char transport[256];             /* libcurl's error text */
	int attempts;
	double duration_ms;
	int err;                         /* the negative errno this result maps to */
	bool incomplete;                 /* a listing that moved under its every walk:
	                                    items may be missing (zec_walk.c) */
	long long server_time;           /* the answer's HTTP Date (the server's
	                                    clock, epoch seconds); 0 when none */
};

/*
 * The string members of a disk and of a snapshot, each listed once: the
 * structs below, zec_*_clear, zec_*_copy and the cache's compact form are
 * all made from these lists, so a new member cannot be left out of one of
 * them (scalars are copied with the struct).  X(member, common): 'common'
 * marks values that many records share, which the cache keeps once.
 *
 *   disk.json              the record as received, pretty-printed
 *   snapshot.retention_time NULL: kept forever
 */
#define ZEC_DISK_STRINGS(X) \
	X(disk_id, 0) X(disk_name, 0) X(region_id, 1) X(zone_id, 1) X(disk_type, 1) \
	X(disk_category, 1) X(disk_status, 1) X(instance_id, 0) X(instance_name, 0) \
	X(create_time, 0) X(expired_time, 0) X(resource_group_id, 1) \
	X(resource_group_name, 1) X(serial, 0) X(auto_snapshot_policy_id, 0) X(json, 0)

#define ZEC_SNAPSHOT_STRINGS(X) \
	X(snapshot_id, 0) X(snapshot_name, 0) X(zone_id, 1) X(status, 1) \
	X(snapshot_type, 1) X(retention_time, 0) X(disk_id, 1) X(create_time, 0) \
	X(resource_group_id, 1) X(resource_group_name, 1)

#define ZEC_STRING_MEMBER(name, common) char *name;

struct zec_disk {
	ZEC_DISK_STRINGS(ZEC_STRING_MEMBER)
	long long disk_size;             /* GiB */
	long long period;
	bool portable, snapshot_ability, bursting_enabled;
};

struct zec_snapshot {
	ZEC_SNAPSHOT_STRINGS(ZEC_STRING_MEMBER)
	bool disk_ability;
	/* the strings are lent by the page the record came in (one block with
	 * the page's records: freeing the page's array frees them);
	 * zec_snapshot_clear frees none, zec_snapshot_own copies them */
	bool lent;
};

struct zec_disk_list {
	struct zec_disk *items;
	size_t count;
	long long total;                 /* totalCount */
};

struct zec_snapshot_list {
	struct zec_snapshot *items;
	size_t count;
	long long total;
};

struct zec_strv {
	char **v;
	size_t count;
};

/* A tag given in a request or a filter (value NULL: "" / any value). */
struct zec_tag_arg {
	const char *key, *value;
};

/* Unset fields are NULL (strings), 0 (counts) or -1 (tri-state booleans). */
/*
 * known[0..n_known) in a listing's filter (not sent): the ids the caller's
 * last listing held.  A walk of more than one page that lacks some of them
 * asks for those by id before it ends: one that still exists was missed (it
 * shifted across a page boundary while the list kept its size), so the
 * list moved and the walk starts over (the last round delivers them).  So
 * no id of the last listing goes missing from a complete walk while the
 * server has it.  The array must stay valid for the walk.
 */
struct zec_disk_filter {
	const char *const *disk_ids;
	size_t n_disk_ids;
	const char *disk_name, *disk_status, *disk_type, *disk_category;
	const char *instance_id, *zone_id, *region_id, *resource_group_id;
	int snapshot_ability;            /* -1 unset, 0 false, 1 true */
	const char *const *tag_keys;     /* tagKeys[]: disks carrying these keys */
	size_t n_tag_keys;
	const struct zec_tag_arg *tags;  /* tags[]: disks carrying these pairs */
	size_t n_tags;
	const char *const *known;        /* not sent: see above */
	size_t n_known;
};

struct zec_snapshot_filter {
	const char *const *snapshot_ids;
	size_t n_snapshot_ids;
	const char *const *disk_ids;
	size_t n_disk_ids;
	const char *zone_id, *status, *disk_type, *snapshot_type;
	const char *snapshot_name;       /* fuzzy; "^name$" for an exact match */
	const char *resource_group_id;
	const char *const *known;        /* not sent: see above */
	size_t n_known;
};

struct zec_snapshot_modify {
	const char *const *snapshot_ids;
	size_t n_snapshot_ids;
	const char *snapshot_name;       /* NULL: unchanged */
	const char *retention_time;      /* NULL: unchanged */
	bool is_permanent;               /* true: clear the retention */
};

#define ZEC_DISK_PAGE_MAX      1000
#define ZEC_SNAPSHOT_PAGE_MAX  100

int zec_client_new(const struct zec_client_config *cfg, struct zec_client **out);
void zec_client_free(struct zec_client *c);
/* Replace the credentials (SIGHUP); in-flight calls finish with the old ones. */
int zec_client_set_credentials(struct zec_client *c, const char *key_id,
                               const char *password, const char *bearer_token);
/*
 * Makes every in-flight and future call fail at once with ZECFS_CANCELLED
 * (ESHUTDOWN): in-flight transfers are woken and aborted within milliseconds
 * (curl_multi_wakeup), backoff sleeps end.  Safe from any thread, including
 * while other threads are inside calls; the client stays valid until
 * zec_client_free() (call that only after every caller has returned).
 */
void zec_client_cancel(struct zec_client *c);
/*
 * Calls go out again after a cancel: for the clean-up a daemon owes after
 * its loop ended (releasing the disks it made), once no other thread calls.
 */
void zec_client_resume(struct zec_client *c);
/*
 * Now on the server's clock, in epoch seconds: the local wall clock moved
 * by the offset of the latest answer's HTTP Date (none yet: the local
 * clock).  Relative times (retention "+2d") are resolved on it, since the
 * server applies its rules (24 hours ahead at least) on its own clock.
 */
long long zec_client_server_now(struct zec_client *c);

/* The circuit breaker's state, for .zecfs/stats. */
struct zec_breaker_info {
	bool enabled;
	bool open;                       /* calls fail at once */
	uint64_t open_ms;                /* open this long */
	char reason[80];                 /* the code of the failure that opened it */
	unsigned long long trips, fast_failed, probes;
};

void zec_client_breaker_info(const struct zec_client *c, struct zec_breaker_info *out);

/*
 * Operation deadline.  zec_client_op_begin() sets, for
 * the calling thread, a deadline of now + timeout_ms (timeout_ms <= 0: the
 * client's deadline_ms) that every call this thread makes until
 * zec_client_op_end() honours: retries, backoff sleeps, the adoption lookup
 * of a create, the lookup of an ambiguous delete, and every page of a walk
 * (its worker threads inherit the walk's deadline).  Each call keeps
 * min(its own deadline, the operation's); a call started after the deadline
 * fails at once with ZECFS_TIMEOUT (ETIMEDOUT).  A begin inside an operation
 * keeps the earlier deadline; op_end clears it.
 *
 * The daemon wraps each FUSE request that may call the API:
 *     zec_client_op_begin(client, cfg.timeout * 1000);
 *     ... every zec_* call of the operation ...
 *     zec_client_op_end(client);
 */
void zec_client_op_begin(struct zec_client *c, long timeout_ms);
void zec_client_op_end(struct zec_client *c);
/*
 * The confirmation of a change whose answer was lost (the server may have
 * applied it), which usually comes after the operation's deadline: until
 * zec_client_confirm_end(), the calling thread's calls have one more
 * deadline of their own (deadline_ms from now) and go out even while the
 * circuit breaker is open.  confirm_end puts the operation's deadline back.
 */
uint64_t zec_client_confirm_begin(struct zec_client *c);
void zec_client_confirm_end(struct zec_client *c, uint64_t saved);
const char *zec_client_endpoint(const struct zec_client *c);

/*
 * page_num / page_size <= 0 are left out of the request (the API's defaults,
 * 1 and 20); page_size above ZEC_*_PAGE_MAX is refused (ZECFS_BAD_ARGUMENT).
 */
int zec_describe_disks(struct zec_client *c, const struct zec_disk_filter *f,
                       int page_num, int page_size, struct zec_disk_list *out,
                       struct zec_result *res);
/*
 * Streaming listings.  A sink receives a listing page by page as
 * the pages arrive, so that the whole parsed listing never exists at once:
 *
 *  page(arg, items, n)  called once per page that brings new items, never
 *                       two at once (the walk's mutex is held: keep it
 *                       short, never call the client from it), in arrival
 *                       order, not page order, from any of the walk's
 *                       threads.  items[0..n) are records whose ids were not
 *                       handed over before in this round: repeated ids,
 *                       within a page or across pages, are already removed.
 *                       The sink owns a disk's fields: it may take any
 *                       pointer (and set the field to NULL); after page()
 *                       returns the walker frees what is left and the
 *                       array.  A snapshot's strings may be lent by the
 *                       page (s->lent): the sink copies what it keeps, or
 *                       makes the record its own (zec_snapshot_own) first.
 *                       Return 0, or a negative errno to stop the walk with
 *                       that errno (-ENOMEM: ZECFS_OUT_OF_MEMORY).
 *  restart(arg)         the list changed while it was paged (a page reported
 *                       another totalCount than page 1): forget every item
 *                       received so far; the walk starts over (at most 3
 *                       rounds; the last is accepted as it is).  Never called
 *                       while page() runs.  NULL: the walk is never
 *                       restarted (one round, accepted as it is).
 *
 * Pages 2..N are fetched concurrently, up to zec_client_config.parallel in
 * flight, or all of them in one first wave when they are at most 2 x
 * parallel (halved on every REQUEST_LIMIT_EXCEEDED, then grown again by one
 * a page).  totalCount is an upper bound only: the walk stops at the first
 * short or empty page (a full last page asks for the next one, whatever
 * totalCount said), and fails with ZECFS_LIST_INCONSISTENT (EIO, one log
 * line) when the pages do not add up (see zec_walk.c).  Records the
 * filter's id lists exclude (another disk's snapshot in a listing filtered
 * by diskIds) are dropped and logged, never delivered.  The walk keeps
 * one copy of each id seen (about 30 bytes an id) and nothing else.  One
 * deadline covers the whole walk: the client's deadline_ms, or the thread's
 * operation deadline when earlier.  res describes page 1, or the failure;
 * res->attempts counts the tries of every page.
 */
struct zec_disk_sink {
	int (*page)(void *arg, struct zec_disk *items, size_t n);
	void (*restart)(void *arg);
	void *arg;
};

struct zec_snapshot_sink {
	int (*page)(void *arg, struct zec_snapshot *items, size_t n);
	void (*restart)(void *arg);
	void *arg;
};

int zec_describe_disks_each(struct zec_client *c, const struct zec_disk_filter *f,
                            const struct zec_disk_sink *sink,
                            struct zec_result *res);
int zec_describe_snapshots_each(struct zec_client *c,
                                const struct zec_snapshot_filter *f,
                                const struct zec_snapshot_sink *sink,
                                struct zec_result *res);

/* Every page, ZEC_DISK_PAGE_MAX at a time, kept in one list (a sink on top
 * of zec_describe_disks_each); items in arrival order. */
int zec_describe_disks_all(struct zec_client *c, const struct zec_disk_filter *f,
                           struct zec_disk_list *out, struct zec_result *res);

int zec_describe_snapshots(struct zec_client *c, const struct zec_snapshot_filter *f,
                           int page_num, int page_size,
                           struct zec_snapshot_list *out, struct zec_result *res);
/* Every page, ZEC_SNAPSHOT_PAGE_MAX at a time, as zec_describe_disks_all. */
int zec_describe_snapshots_all(struct zec_client *c,
                               const struct zec_snapshot_filter *f,
                               struct zec_snapshot_list *out,
                               struct zec_result *res);

/*
 * retention_time NULL: kept forever.  *snapshot_id is malloc'd.
 * Never creates two snapshots: after a try whose outcome is unknown, the name
 * is looked up on the disk and a snapshot this create could have made is
 * adopted (returns 0): an exact match of name and disk, not DELETING, not one
 * of known_ids[0..n_known) (the ids the caller knew for that name on that
 * disk before calling; may be NULL/0), created (server clock) no earlier than
 * 5 s before the first try was sent (our clock).  Two equally new candidates
 * give ZECFS_CREATE_UNCERTAIN (EIO).  An unknown live namesake created up to
 * 300 s earlier (the signature window, so a server clock that lags ours) may
 * be ours: the create's own failure is returned, never re-sent.  The request
 * is sent again only when the lookup shows no match at all.
 * zec_create_snapshot() is zec_create_snapshot_known() with no known ids.
 */
int zec_create_snapshot(struct zec_client *c, const char *disk_id,
                        const char *snapshot_name, const char *retention_time,
                        char **snapshot_id, struct zec_result *res);
int zec_create_snapshot_known(struct zec_client *c, const char *disk_id,
                              const char *snapshot_name,
                              const char *retention_time,
                              const char *const *known_ids, size_t n_known,
                              char **snapshot_id, struct zec_result *res);
int zec_modify_snapshots_attribute(struct zec_client *c,
                                   const struct zec_snapshot_modify *m,
                                   struct zec_result *res);
/*
 * not_deleted (may be NULL) receives the ids the server could not delete.
 * Every try goes over a fresh connection (libcurl never re-sends it behind
 * our back).  After a try that may have been applied the
 * ids are looked up (DescribeSnapshots snapshotIds=[...]): when each is
 * DELETING or gone the delete succeeded (returns 0); when some still live,
 * the request is sent again (attempts and deadline permitting); when the
 * lookup fails, the try's own failure is returned.
 * INVALID_DISK_SNAPSHOT_NOT_FOUND after a try that may have been applied
 * counts as success too (already gone).
 */
int zec_delete_snapshots(struct zec_client *c, const char *const *snapshot_ids,
                         size_t n, struct zec_strv *not_deleted,
                         struct zec_result *res);
/* Not re-sent after a try whose outcome is unknown (a rollback is not idempotent). */
int zec_apply_snapshot(struct zec_client *c, const char *snapshot_id,
                       const char *disk_id, struct zec_result *res);
int zec_modify_disks_attributes(struct zec_client *c, const char *const *disk_ids,
                                size_t n, const char *disk_name,
                                struct zec_result *res);

void zec_disk_clear(struct zec_disk *d);
void zec_snapshot_clear(struct zec_snapshot *s);
void zec_disk_list_free(struct zec_disk_list *l);
void zec_snapshot_list_free(struct zec_snapshot_list *l);
void zec_strv_free(struct zec_strv *v);
int zec_snapshot_copy(struct zec_snapshot *dst, const struct zec_snapshot *src);
/* A lent record made its own (its strings copied); 0 or -ENOMEM, when it
 * is unchanged. */
int zec_snapshot_own(struct zec_snapshot *s);
int zec_disk_copy(struct zec_disk *dst, const struct zec_disk *src);

/*
 * Whether disk_id has a snapshot named exactly name that is not DELETING:
 * 1 yes, 0 no, or a negative errno (res says why).  Correct whether the
 * server anchors the snapshotName filter ("^name$", as the CSI driver sends)
 * or takes it as a plain substring: the answer is filtered for the exact name
 * here, and an empty anchored answer is checked with the unanchored query
 * before the name is called free.
 */
int zec_snapshot_name_exists(struct zec_client *c, const char *disk_id,
                             const char *name, struct zec_result *res);

#endif /* ZEC_CLIENT_H */
#include "zec_policy.h"  /* auto-snapshot policies and CreateDisks */
#include "zec_disks.h"   /* the disk lifecycle: attach, detach, release */

/*
 * zecfs.h - the daemon's shared state and the pieces of the filesystem.
 *
 * zecfs runs on libfuse's low-level API: requests name inodes, not paths.
 *
 *   inode.c     inode numbers (a hash of what a node is) and lookup counts
 *   node.c      what an inode is, resolved against the cached listings; stat
 *   content.c   what the read-only files hold (disk.json, snapshots.json, stats)
 *   snapjson.c  a snapshot record's JSON text, written or only counted (snapjson.h)
 *   ops.c       lookup, forget, getattr, open/read, refusals, the op table
 *   dir.c       opendir (declined), readdir and readdirplus
 *   snapshot.c  mkdir, rmdir, rename of snapshots
 *   xattr.c     user.zec.* attributes
 *   autosnap.c  user.zec.autoSnapshot, autoSnapshotPolicyId: a disk's schedule
 *   restore.c   user.zec.restoreTo: a new disk from a snapshot
 *   policies_dir.c  the policy listing behind .policies/ (a cache slot), rmdir there
 *   browse.c    a snapshot's files/: the temporary disk made, attached, mounted (browse.h)
 *   passthrough.c  files/ served read-only from that mount (browse.h)
 *   inval.c     tells the kernel what changed, from its own thread
 *   confirm.c   a cached name is confirmed on the server before a mutation
 *   cache.c     the listing cache (cache.h): slots with a TTL, single fetch, stale-if-error
 *     cache_list.c      what every cached list shares: references, digest, mtime
 *     cache_store.c     the compact string store: interned strings, chunks a builder fills
 *     cache_snaplist.c  a disk's snapshot list: builder, name@id, sort, lookups
 *     cache_disks.c     the disk list: DescribeDisks, lookups by id, renames
 *     cache_snapshots.c each disk's snapshot listing: fetch, known ids, incomplete merge
 *     cache_account.c   a walk's account-wide snapshot listing, split by disk
 *     cache_local.c     read-your-writes: zecfs's own changes swapped into a disk's list
 *     cache_recheck.c   snapshots in a passing state asked about again by id
 *     cache_other.c     slots for listings of other kinds (the policy listing, policies_dir.c)
 *   options.c   the option table, defaults, credentials and endpoint
 *   signals.c   SIGHUP reloads credentials, SIGTERM/SIGINT unmount
 *   stats.c     the counters behind MNT/.zecfs/stats and .zecfs/metrics
 *   loop.c      the session loop: the reader answers, hands off before a wait
 *   main.c      start-up: check credentials, mount, daemonize, loop
 */
#ifndef ZECFS_H
#define ZECFS_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cache.h"
#include "inode.h"
#include "stats.h"
#include "zec_client.h"
#include "zec_time.h"

struct zecfs_config {
	char *endpoint;
	char *credentials;           /* -o credentials=FILE */
	char *cafile;
	char *retention;             /* -o retention=VALUE: default for all disks */
	char *log_level;
	char *log_file;              /* -o log_file=PATH */
	double cache_ttl;
	double stale_max;
	double timeout;
	int retries;
	int parallel;                /* -o parallel=N: pages fetched at once */
	int allow_delete;
	int allow_rollback;
	int allow_restore;           /* -o allow_restore: user.zec.restoreTo */
	int wait_available;          /* -o wait_available[=SECONDS] */
	double wait_seconds;
	char *profile;               /* -o profile=NAME */
	int allow_browse;            /* -o allow_browse: snapshots/<name>/files/ */
	char *instance_id;           /* -o instance_id=ID (browse.c finds the default) */
	char *device_dir;            /* -o device_dir=DIR */
	double browse_idle;          /* -o browse_idle=SECONDS */
	int browse_max;              /* -o browse_max=N */
	double browse_timeout;       /* -o browse_timeout=SECONDS */
	int allow_other;
	int show_help;
	int bad_option;              /* a message naming it was printed */
	int show_version;
	char *source;                /* "zecfs SOURCE MOUNTPOINT" (mount.fuse3) */
	char *nonopts[2];
	int n_nonopts;
};

/* A disk's default retention, set through user.zec.retentionTime on snapshots/. */
struct disk_retention {
	char *disk_id;
	struct zec_retention r;
	struct disk_retention *next;
};

struct zecfs_inval;
struct zecfs_browses;
struct zecfs_pt;

/* One auto-snapshot policy as .policies/ shows it. */
struct zecfs_policy_entry {
	struct zec_policy p;
	const char *name;            /* autoSnapshotPolicyName, or name@policyId;
	                              * NULL: cannot be a path component (not shown) */
	char *alias;                 /* owns name@policyId */
	time_t ctime;                /* createTime, 0 when unparsable */
};

/* The policy listing: immutable, reference-counted (cache.h). */
struct zecfs_policylist {
	struct zecfs_list_head h;
	struct zecfs_policy_entry *v;  /* sorted by name, unshown ones last */
	size_t n;
};

struct zecfs {
	struct zecfs_config cfg;
	struct zec_client *client;
	struct zecfs_cache *cache;
	struct zecfs_cache_slot *policies;  /* the policy listing (policies_dir.c) */
	struct zecfs_stats *stats;
	struct zecfs_inodes *inodes;
	struct zecfs_inval *inval;
	uid_t uid;
	gid_t gid;
	time_t mount_time;
	bool has_retention;          /* -o retention was given */
	struct zec_retention retention;
	pthread_mutex_t lock;        /* guards retentions */
	struct disk_retention *retentions;
	struct fuse_session *se;
	struct zecfs_browses *browses;  /* the snapshots' files (browse.c) */
	struct zecfs_pt *pt;         /* their inodes and descriptors (passthrough.c) */
};

/* ---- node.c --------------------------------------------------------- */

/* What an inode is, resolved against the cached listings. */
struct zecfs_node {
	struct zecfs_ident id;
	uint64_t ino;
	struct zecfs_disklist *dl;
	const struct zecfs_disk *disk;  /* disk kinds, BYNAME_LINK */
	struct zecfs_snaplist *sl;
	const struct zecfs_snap *snap;  /* ZECFS_SNAPSHOT */
	struct zecfs_policylist *pl;
	const struct zecfs_policy_entry *pol;  /* the policy kinds */
	bool unlisted;               /* a directory whose listing could not be had */
};

/*
 * Resolves an inode: 0 when what it names still exists, else -ENOENT (or
 * the API's errno).  Always call zecfs_node_release.
 */
int zecfs_node_get(struct zecfs *fs, uint64_t ino, struct zecfs_node *n,
                 struct zec_result *res);
/*
 * Resolves 'name' in the directory 'parent' (already resolved) into 'child'
 * without taking a lookup reference.  0, -ENOENT or the API's errno; for a
 * snapshot name that does not exist, child->disk (and child->sl) stay set.
 */
int zecfs_node_child(struct zecfs *fs, const struct zecfs_node *parent,
                   const char *name, struct zecfs_node *child,
                   struct zec_result *res);
/*
 * The same, for a look at a snapshot's state (xattrs, snapshot.json,
 * snapshots.json): snapshots in a passing state are asked about again
 * first (see zecfs_cache_recheck_transient).
 */
int zecfs_node_get_status(struct zecfs *fs, uint64_t ino, struct zecfs_node *n,
                        struct zec_result *res);
void zecfs_node_release(struct zecfs_node *n);
/* The attributes of a resolved node; with_listing: may ask for snapshots/ (mtime). */
int zecfs_node_stat(struct zecfs *fs, const struct zecfs_node *n, struct stat *st);
/* Seconds the kernel may keep the attributes of a node of that kind. */
double zecfs_attr_timeout(const struct zecfs *fs, enum zecfs_kind kind);
/* The entry reply for a resolved node, taking one lookup reference. */
int zecfs_node_entry(struct zecfs *fs, struct zecfs_node *n, struct fuse_entry_param *e);
/* The disk of that name, when exactly one disk has it. */
const struct zecfs_disk *zecfs_disk_by_name(const struct zecfs_disklist *l,
                                        const char *name);

/* ---- confirm.c ------------------------------------------------------ */

/*
 * 0 when the server's record of 'snap' (from a listing of disk_id) still
 * has its listed snapshotName on that disk and is not DELETING.  Else the
 * listing is forgotten, the kernel's entry for snap->name dropped, and
 * -ESTALE (ZECFS_NAME_MOVED) returned; or the API's errno.  One call.
 */
int zecfs_confirm_snapshot(struct zecfs *fs, const char *disk_id,
                           const struct zecfs_snap *snap, struct zec_result *res);
/*
 * zecfs_node_child of 'name' in a snapshots/ directory, confirmed on the
 * server: a name that moved is resolved again in the fresh listing
 * (ENOENT, or the snapshot that has the name now), a few times at most.
 */
int zecfs_child_confirmed(struct zecfs *fs, const struct zecfs_node *parent,
                          const char *name, struct zecfs_node *c, struct zec_result *res);
/* The same for a snapshot named in a value (rollback): *sl is referenced. */
int zecfs_find_confirmed(struct zecfs *fs, const char *disk_id, const char *name,
                         struct zecfs_snaplist **sl, const struct zecfs_snap **snap,
                         struct zec_result *res);

/* ---- content.c ------------------------------------------------------ */

/* A read-only file's whole content, malloc'd; *len its length.  -errno. */
int zecfs_content(struct zecfs *fs, const struct zecfs_node *n, char **text, size_t *len);
/* Its exact size without keeping the text. */
int zecfs_content_size(struct zecfs *fs, const struct zecfs_node *n, off_t *size);

/* ---- inval.c -------------------------------------------------------- */

/*
 * The kernel caches entries, attributes and directory contents for
 * cache_ttl; when zecfs makes or learns of a change the kernel did not see,
 * these drop exactly the entries it touches.  Queued and sent from their
 * own thread: a notification must never be sent from inside a request on
 * a related inode.
 */
int zecfs_inval_start(struct fuse_session *se, struct zecfs_inval **out);
void zecfs_inval_stop(struct zecfs_inval *q);
/*
 * The cache's hook (zecfs_cache_opts.gone, arg: the struct zecfs): an entry a
 * fresh listing no longer has is dropped from the kernel at once.
 */
void zecfs_inval_gone(void *arg, enum zecfs_gone what, const char *disk_id, const char *name);
/* Forget the entry 'name' in directory 'parent'. */
void zecfs_inval_entry(struct zecfs_inval *q, uint64_t parent, const char *name);
/* Forget an inode's attributes and cached contents. */
void zecfs_inval_inode(struct zecfs_inval *q, uint64_t ino);
/*
 * Waits (2 s at most) until what was queued so far reached the kernel:
 * read-your-writes for a change whose request is on an unrelated inode
 * (a disk's setxattr changing .by-name).
 */
void zecfs_inval_flush(struct zecfs_inval *q);

/* ---- ops.c, dir.c, snapshot.c, xattr.c ------------------------------ */

extern const struct fuse_lowlevel_ops zecfs_ops;

/* The negative errno the table gives a local condition. */
int zecfs_errno_of(const char *code);
/*
 * A refusal of what a user asked (op: "mkdir", "rename", "setxattr", ...),
 * logged as one warn line: "<op> refused path=... code=... reason=...",
 * reason the caller's words, or the table's advice when NULL.  Returns
 * the code's negative errno.
 */
int zecfs_refused(const char *op, const char *path, const char *code, const char *reason);
struct zecfs *zecfs_of(fuse_req_t req);
/*
 * A buffer of at least size bytes that the calling worker thread owns until
 * its next call (a READDIR's entries, a read's bytes): no allocation per
 * request once it is big enough; freed when the thread ends.  NULL: no memory.
 */
void *zecfs_thread_buf(size_t size);
/* Answers a request with 0 or a negative errno. */
void zecfs_reply_err(fuse_req_t req, int ret);
/* "/<diskId>/snapshots/<name>" (or shorter) for log lines; name NULL: dir itself. */
const char *zecfs_where(const struct zecfs_node *dir, const char *name, char *buf,
                        size_t size);
/*
 * A directory's listing, fetched when older than the TTL (GETATTR, LOOKUP);
 * when it cannot be had, n->unlisted is set (see node.c).
 */
void zecfs_refresh_listing(struct zecfs *fs, struct zecfs_node *n, const struct zecfs_use_by *by);
bool zecfs_is_dir(enum zecfs_kind kind);

void zecfs_dir_decline_opendir(void);
void zecfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void zecfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi);
void zecfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi);
void zecfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

void zecfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void zecfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void zecfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
                  fuse_ino_t newparent, const char *newname, unsigned int flags);

void zecfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void zecfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
                    const char *value, size_t size, int flags);
void zecfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void zecfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* The default retention for new snapshots on a disk; false: kept forever. */
bool zecfs_default_retention(struct zecfs *fs, const char *disk_id,
                             struct zec_retention *out);

/* ---- autosnap.c, restore.c ------------------------------------------ */

/* user.zec.autoSnapshot of a disk: its policy's schedule; -ENODATA if none. */
int zecfs_autosnap_get(struct zecfs *fs, const struct zecfs_node *n, char *buf,
                       size_t size, struct zec_result *res);
int zecfs_autosnap_set(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                       size_t size, struct zec_result *res);
int zecfs_autosnap_remove(struct zecfs *fs, const struct zecfs_node *n,
                          struct zec_result *res);
/* A disk name written to an attribute, checked by the SDK's rule; malloc'd. */
int zecfs_disk_name_value(const char *value, size_t size, char **out,
                          struct zec_result *res);
/* user.zec.restoreTo of a snapshot: a new disk from it (-o allow_restore). */
int zecfs_restore(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                  size_t size, struct zec_result *res);

/*
 * The zone's policy lock: held from the read to the last write of a
 * look-up-else-create, a move and a policy's delete, so that two requests
 * of this daemon never interleave them in one zone.  NULL: no memory.
 */
struct zecfs_zone_lock;
struct zecfs_zone_lock *zecfs_zone_lock(const char *zone);
void zecfs_zone_unlock(struct zecfs_zone_lock *z);

/* ---- policies_dir.c ------------------------------------------------- */

/* Makes the policy listing's cache slot (at start-up). */
int zecfs_policies_init(struct zecfs *fs);
/* The policy listing, fetched when older than cache_ttl; release with put. */
int zecfs_policies_get(struct zecfs *fs, struct zecfs_policylist **out,
                       struct zec_result *res);
/* The same, used as zecfs_use says (cache.h). */
int zecfs_policies_get_use(struct zecfs *fs, const struct zecfs_use_by *by,
                           struct zecfs_policylist **out, struct zec_result *res);
/* The listing as cached now, whatever its age (NULL: never listed). */
struct zecfs_policylist *zecfs_policies_cached(struct zecfs *fs);
void zecfs_policylist_put(struct zecfs_policylist *l);
/* By directory name (shown entries only), or by autoSnapshotPolicyId. */
const struct zecfs_policy_entry *zecfs_policylist_find(const struct zecfs_policylist *l,
                                                   const char *name);
const struct zecfs_policy_entry *zecfs_policylist_find_id(const struct zecfs_policylist *l,
                                                      const char *policy_id);
/*
 * zecfs moved disk_id from policy old_id to new_id (either may be NULL):
 * the listing is asked for again and the kernel's copies are dropped.
 */
void zecfs_policies_changed(struct zecfs *fs, const char *old_id, const char *new_id,
                            const char *disk_id);
/*
 * rmdir .policies/<name> (c: its node, resolved in parent): DeleteAutoSnapshotPolicies
 * when the server confirms the policy still has that name and no disk is on it.
 */
int zecfs_policy_rmdir(struct zecfs *fs, const struct zecfs_node *parent, const char *name,
                       struct zecfs_node *c, const char *path, struct zec_result *res);
/* Is the node in .policies (read-only: EROFS for any change)? */
bool zecfs_is_policy(enum zecfs_kind kind);

/* ---- signals.c ------------------------------------------------------ */
struct zecfs_signals;
/* SIGHUP reloads credentials; SIGTERM/SIGINT unmount gracefully. */
int zecfs_signals_start(struct zecfs *fs, const char *mountpoint,
                      struct zecfs_signals **out);
void zecfs_signals_stop(struct zecfs_signals *s);

/* ---- loop.c --------------------------------------------------------- */
/*
 * Serves the session until it ends: 0 or a negative errno.  Up to
 * max_threads workers; above max_idle parked ones (UINT_MAX: no limit) a
 * worker leaves.
 */
int zecfs_loop(struct fuse_session *se, unsigned max_threads, unsigned max_idle);
/* Ends a running zecfs_loop() now (false: none runs); in-flight requests
 * still finish.  After fuse_session_exit(). */
bool zecfs_loop_stop(void);

/* ---- options.c ------------------------------------------------------ */

int zecfs_parse_options(struct fuse_args *args, struct zecfs_config *cfg);
void zecfs_usage(const char *progname);
void zecfs_config_free(struct zecfs_config *cfg);
/* Credentials and endpoint from options and the environment. */
struct zecfs_credentials {
	char *key_id;
	char *password;
	char *token;                 /* bearer token (credentials.json "token") */
	const char *source;          /* where they came from, for messages */
};
int zecfs_load_credentials(const struct zecfs_config *cfg,
                           struct zecfs_credentials *out, char *why, size_t why_size);
void zecfs_credentials_free(struct zecfs_credentials *cr);
/* The endpoint: -o endpoint, else ZENLAYERCLOUD_SCHEME/DOMAIN, else the default. */
char *zecfs_endpoint(const struct zecfs_config *cfg);

#endif /* ZECFS_H */

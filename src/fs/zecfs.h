/*
 * zecfs.h - the daemon's shared state and the pieces of the filesystem.
 *
 *   options.c   the option table, defaults, credentials and endpoint
 *   path.c      what a path names (root, disk, snapshots/, a snapshot, ...)
 *   ops.c       the FUSE operations: namespace, mkdir, rmdir, rename, ...
 *   xattr.c     user.zec.* attributes
 *   cache.c     listings with a TTL, wrapped around the API client
 *   signals.c   SIGHUP reloads credentials, SIGTERM/SIGINT unmount
 *   main.c      start-up: check credentials, mount, daemonize, loop
 */
#ifndef ZECFS_H
#define ZECFS_H

#define FUSE_USE_VERSION 312

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cache.h"
#include "stats.h"
#include "zec_client.h"
#include "zec_time.h"

struct zecfs_config {
	char *endpoint;
	char *credentials;           /* -o credentials=FILE */
	char *cafile;
	char *retention;             /* -o retention=VALUE: default for all disks */
	char *log_level;
	double cache_ttl;
	double stale_max;
	double timeout;
	int retries;
	int parallel;                /* -o parallel=N: pages fetched at once */
	int allow_delete;
	int allow_rollback;
	int wait_available;          /* -o wait_available[=SECONDS] */
	double wait_seconds;
	char *profile;               /* -o profile=NAME */
	int allow_other;
	int show_help;
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

struct zecfs {
	struct zecfs_config cfg;
	struct zec_client *client;
	struct zfs_cache *cache;
	struct zfs_stats *stats;
	uid_t uid;
	gid_t gid;
	bool has_retention;          /* -o retention was given */
	struct zec_retention retention;
	pthread_mutex_t lock;        /* guards retentions */
	struct disk_retention *retentions;
	struct fuse *fuse;
};

/* ---- path.c --------------------------------------------------------- */

enum zfs_kind {
	ZFS_ROOT,
	ZFS_BYNAME_DIR,              /* /.by-name */
	ZFS_BYNAME_LINK,             /* /.by-name/<diskName> */
	ZFS_DISK,                    /* /<diskId> */
	ZFS_DISK_JSON,               /* /<diskId>/disk.json */
	ZFS_DISK_OTHER,              /* /<diskId>/<anything else> */
	ZFS_SNAPDIR,                 /* /<diskId>/snapshots */
	ZFS_SNAPSHOT,                /* /<diskId>/snapshots/<name> */
	ZFS_IN_SNAPSHOT,             /* /<diskId>/snapshots/<name>/... */
	ZFS_STATS_DIR,               /* /.zecfs (not listed in the root) */
	ZFS_STATS_FILE,              /* /.zecfs/stats */
	ZFS_OTHER,                   /* any other path */
};

struct zfs_path {
	enum zfs_kind kind;
	char disk[128];              /* diskId, or diskName for BYNAME_LINK */
	char name[256];              /* snapshot directory name */
};

/* -ENAMETOOLONG for a component too long to be anything. */
int zfs_path_parse(const char *path, struct zfs_path *out);

/* What a path names, resolved against the cached listings. */
struct zfs_node {
	struct zfs_path p;
	struct zfs_disklist *dl;
	const struct zfs_disk *disk;  /* ZFS_DISK .. ZFS_IN_SNAPSHOT, BYNAME_LINK */
	struct zfs_snaplist *sl;
	const struct zfs_snap *snap;  /* ZFS_SNAPSHOT, ZFS_IN_SNAPSHOT */
};

/*
 * Resolves path; 0 when what it names exists.  For a snapshot that does not
 * exist, returns the ENOENT but leaves n->disk (and n->sl) set, so mkdir can
 * use them.  Always call zfs_node_release.
 */
int zfs_resolve(struct zecfs *fs, const char *path, struct zfs_node *n,
                struct zec_result *res);
void zfs_node_release(struct zfs_node *n);

/* The disk of that name, when exactly one disk has it. */
const struct zfs_disk *zfs_disk_by_name(const struct zfs_disklist *l,
                                        const char *name);

/* ---- ops.c / xattr.c ------------------------------------------------ */

extern const struct fuse_operations zecfs_ops;

struct zecfs *zecfs_get(void);
/* The negative errno the table gives a local condition. */
int zecfs_refuse(const char *code);
int zecfs_stat(struct zecfs *fs, const struct zfs_node *n, struct stat *st);

int zecfs_getxattr(const char *path, const char *name, char *value, size_t size);
int zecfs_setxattr(const char *path, const char *name, const char *value,
                   size_t size, int flags);
int zecfs_listxattr(const char *path, char *list, size_t size);
int zecfs_removexattr(const char *path, const char *name);

/* The default retention for new snapshots on a disk; false: kept forever. */
bool zecfs_default_retention(struct zecfs *fs, const char *disk_id,
                             struct zec_retention *out);

/* ---- signals.c ------------------------------------------------------ */

struct zfs_signals;
/* SIGHUP reloads credentials; SIGTERM/SIGINT unmount gracefully. */
int zfs_signals_start(struct zecfs *fs, const char *mountpoint,
                      struct zfs_signals **out);
void zfs_signals_stop(struct zfs_signals *s);

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

/*
 * zec_errno.h - the one table that decides an errno.
 *
 * Keys are API error codes (zec-api.md section 4) and zecfs's own local
 * conditions (ZECFS_*).  docs/errors.md mirrors this table; a unit test
 * checks the two agree.
 */
#ifndef ZEC_ERRNO_H
#define ZEC_ERRNO_H

#include "zec_client.h"

/* Local conditions: decided by zecfs without (or after) an API call. */
#define ZECFS_NAME_INVALID        "ZECFS_NAME_INVALID"
#define ZECFS_NAME_TOO_LONG       "ZECFS_NAME_TOO_LONG"
#define ZECFS_RENAME_NAME_INVALID "ZECFS_RENAME_NAME_INVALID"
#define ZECFS_DISK_NAME_INVALID   "ZECFS_DISK_NAME_INVALID"
#define ZECFS_DISK_NAME_TOO_LONG  "ZECFS_DISK_NAME_TOO_LONG"
#define ZECFS_SNAPSHOT_EXISTS     "ZECFS_SNAPSHOT_EXISTS"
#define ZECFS_DISK_EXISTS         "ZECFS_DISK_EXISTS"
#define ZECFS_NOT_FOUND           "ZECFS_NOT_FOUND"
#define ZECFS_NAME_MOVED          "ZECFS_NAME_MOVED"
#define ZECFS_NO_SNAPSHOT_ABILITY "ZECFS_NO_SNAPSHOT_ABILITY"
#define ZECFS_DELETE_DISABLED     "ZECFS_DELETE_DISABLED"
#define ZECFS_ROLLBACK_DISABLED   "ZECFS_ROLLBACK_DISABLED"
#define ZECFS_RESTORE_DISABLED    "ZECFS_RESTORE_DISABLED"
#define ZECFS_SCHEDULE_INVALID    "ZECFS_SCHEDULE_INVALID"
#define ZECFS_NOT_PERMITTED       "ZECFS_NOT_PERMITTED"
#define ZECFS_READ_ONLY           "ZECFS_READ_ONLY"
#define ZECFS_SNAPSHOT_BUSY       "ZECFS_SNAPSHOT_BUSY"
#define ZECFS_POLICY_IN_USE       "ZECFS_POLICY_IN_USE"
#define ZECFS_RENAME_ACROSS       "ZECFS_RENAME_ACROSS"
#define ZECFS_RETENTION_INVALID   "ZECFS_RETENTION_INVALID"
#define ZECFS_XATTR_NONE          "ZECFS_XATTR_NONE"
#define ZECFS_XATTR_UNSUPPORTED   "ZECFS_XATTR_UNSUPPORTED"
#define ZECFS_XATTR_READ_ONLY     "ZECFS_XATTR_READ_ONLY"
#define ZECFS_XATTR_RANGE         "ZECFS_XATTR_RANGE"
#define ZECFS_XATTR_RETRY         "ZECFS_XATTR_RETRY"
#define ZECFS_WAIT_TIMEOUT        "ZECFS_WAIT_TIMEOUT"
#define ZECFS_SNAPSHOT_FAILED     "ZECFS_SNAPSHOT_FAILED"
#define ZECFS_TRANSPORT           "ZECFS_TRANSPORT"
#define ZECFS_TIMEOUT             "ZECFS_TIMEOUT"
#define ZECFS_BAD_RESPONSE        "ZECFS_BAD_RESPONSE"
#define ZECFS_OUT_OF_MEMORY       "ZECFS_OUT_OF_MEMORY"
#define ZECFS_CANCELLED           "ZECFS_CANCELLED"
/* Added with the client library. */
#define ZECFS_BAD_ARGUMENT        "ZECFS_BAD_ARGUMENT"
#define ZECFS_CREATE_UNCERTAIN    "ZECFS_CREATE_UNCERTAIN"
/* Listings whose pages do not add up (the streaming walker). */
#define ZECFS_LIST_INCONSISTENT   "ZECFS_LIST_INCONSISTENT"
/* setxattr's flags and values. */
#define ZECFS_XATTR_EXISTS        "ZECFS_XATTR_EXISTS"
#define ZECFS_XATTR_VALUE_NUL     "ZECFS_XATTR_VALUE_NUL"
/* A snapshot's files (browse): refusals and failures of the temporary disk. */
#define ZECFS_INSTANCE_UNKNOWN    "ZECFS_INSTANCE_UNKNOWN"
#define ZECFS_BROWSE_DISABLED     "ZECFS_BROWSE_DISABLED"
#define ZECFS_BROWSE_NO_INSTANCE  "ZECFS_BROWSE_NO_INSTANCE"
#define ZECFS_BROWSE_ZONE         "ZECFS_BROWSE_ZONE"
#define ZECFS_BROWSE_MAX          "ZECFS_BROWSE_MAX"
#define ZECFS_BROWSE_TIMEOUT      "ZECFS_BROWSE_TIMEOUT"
#define ZECFS_BROWSE_NO_DEVICE    "ZECFS_BROWSE_NO_DEVICE"
#define ZECFS_BROWSE_NO_FS        "ZECFS_BROWSE_NO_FS"
#define ZECFS_BROWSE_MOUNT        "ZECFS_BROWSE_MOUNT"
#define ZECFS_BROWSE_DISK_FAILED  "ZECFS_BROWSE_DISK_FAILED"
/* Pseudo codes: a 429/5xx answer without a parsable error envelope. */
#define ZECFS_HTTP_429            "ZECFS_HTTP_429"
#define ZECFS_HTTP_503            "ZECFS_HTTP_503"
#define ZECFS_HTTP_504            "ZECFS_HTTP_504"
#define ZECFS_HTTP_5XX            "ZECFS_HTTP_5XX"

struct zec_errno_entry {
	const char *code;        /* exact code, or a prefix ending in '*' */
	int err;                 /* positive errno */
	const char *advice;      /* what the user should do */
};

/* Positive errno for a code; EIO for an unknown one. */
int zec_errno_for_code(const char *code);
/* The negative errno for a finished call (0 for success). */
int zec_errno_for_result(const struct zec_result *res);
/*
 * The errno a setxattr answers for err: "try again" must survive the VFS,
 * which turns -EAGAIN from a filesystem's setxattr into EOPNOTSUPP; so a
 * transient failure is ZECFS_XATTR_RETRY (EBUSY) there.
 */
int zec_errno_for_setxattr(int err);
/* The table's advice for a code ("" for an unknown one): a refusal's reason. */
const char *zec_errno_advice(const char *code);
/* The table itself, for docs checks and --help; *n gets its length. */
const struct zec_errno_entry *zec_errno_table(size_t *n);
/*
 * Fills res as a local refusal with 'code' and returns its negative errno:
 * the way zecfs turns a local condition into an errno.
 */
int zec_result_local(struct zec_result *res, const char *code, const char *message);

#endif /* ZEC_ERRNO_H */

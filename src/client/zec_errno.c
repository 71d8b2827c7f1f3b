/*
 * zec_errno.c - the one table that maps API codes and local conditions to
 * errno.  Nothing else in zecfs decides an errno.
 */
#include "zec_errno.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct zec_errno_entry table[] = {
	/* CreateSnapshot, ApplySnapshot, ModifyDisksAttributes */
	{ "INVALID_DISK_NOT_FOUND", ENOENT, "the disk does not exist: list the mount again" },
	{ "INVALID_SNAPSHOT_QUOTA_EXCEED", EDQUOT, "the disk has its maximum of snapshots: remove old ones" },
	/*
	 * any other quota of the account (the SDK names OPERATION_DENIED_
	 * INSTANCE_QUOTA_EXCEED; a disk quota, which a browse or a restore's
	 * CreateDisks can hit, is not published, and would read the same)
	 */
	{ "*_QUOTA_EXCEED", EDQUOT, "an account quota was reached (a browse or a restore creates a disk): release unused disks, or ask for a larger quota" },
	{ "INVALID_SNAPSHOT_RETENTION_TIME", EINVAL, "retention must be at least 24 hours ahead" },
	{ "UNSUPPORTED_OPERATION_DISK_STATUS", EBUSY, "the disk's state forbids it now: retry when it is IN_USE or AVAILABLE" },
	{ "OPERATION_DENIED_DISK_SYSTEM_TYPE", EPERM, "system (boot) disks cannot be snapshotted this way" },
	/* DeleteSnapshots, ModifySnapshotsAttribute, ApplySnapshot */
	{ "INVALID_DISK_SNAPSHOT_NOT_FOUND", ENOENT, "the snapshot is gone: list the directory again" },
	{ "OPERATION_DENIED_DISK_SNAPSHOT_STATUS", EBUSY, "the snapshot is busy (creating, deleting, rolling back): retry later" },
	{ "OPERATION_DENIED_DISK_STATUS", EBUSY, "the disk's state forbids a rollback now: retry later" },
	{ "OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED", EPERM, "the disk was reinstalled since this snapshot: it cannot be applied" },
	/* codes the official tools name: SDK, CLI, Terraform, CSI driver */
	{ "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND", ENOENT, "the auto snapshot policy does not exist" },
	{ "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST", EEXIST, "the disk already has an auto snapshot policy: cancel it first" },
	{ "INVALID_DISK_SNAPSHOT_SIZE_MISMATCH", EINVAL, "the disk is smaller than the snapshot" },
	{ "OPERATION_FAILED_RESOURCE_GROUP_NOT_FOUND", ENOENT, "the resource group does not exist" },
	/* a recycled disk does not come back by waiting: not EBUSY */
	{ "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE", EPERM, "the disk is in the recycle bin: waiting does not bring it back; restore it in the console" },
	{ "INVALID_OPERATION_TIMEOUT", ETIMEDOUT, "the service timed out the operation: retry later" },
	/* the disk lifecycle: attach, detach, release, resize, zones */
	{ "INVALID_INSTANCE_NOT_FOUND", ENOENT, "the instance does not exist" },
	{ "INVALID_ZONE_NOT_FOUND", ENOENT, "the zone does not exist or sells no disks (DescribeDiskCategory lists them)" },
	{ "OPERATION_DENIED_DIFFERENT_ZONE", EXDEV, "the disk and the instance are in different zones" },
	{ "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH", EXDEV, "the disk is in another zone than the auto snapshot policy" },
	{ "OPERATION_DENIED_INSTANCE_NOT_RUNNING", EBUSY, "the instance is not running or stopped (deploying, rebooting): retry when it is" },
	{ "UNSUPPORTED_OPERATION_DISK_NO_ATTACH", EINVAL, "the disk is not attached to an instance" },
	/* common codes */
	{ "AUTHFAILURE_*", EACCES, "check the access key id and password, and the key's permissions" },
	{ "MISSING_PARAMETER", EINVAL, "a required field was missing: report a zecfs bug" },
	{ "INVALID_PARAMETER_EXCEED_LENGTH", ENAMETOOLONG, "the value is too long" },
	{ "INVALID_PARAMETER_*", EINVAL, "a value was rejected: check the name or time you gave" },
	{ "OPERATION_FAILED_RESOURCE_NOT_FOUND", ENOENT, "the resource does not exist" },
	{ "OPERATION_FAILED_FOR_RECYCLE_RESOURCE", EPERM, "the resource is in the recycle bin" },
	{ "REQUEST_LIMIT_EXCEEDED", EAGAIN, "rate limited: retry later, or lower the request rate" },
	{ "SERVICE_TEMPORARY_UNAVAILABLE", EAGAIN, "the service is briefly unavailable: retry later" },
	{ "REQUEST_TIMED_OUT", ETIMEDOUT, "the service timed out: retry later" },
	{ "INTERNAL_SERVER_ERROR", EIO, "the service failed: retry later, quote the requestId to support" },
	/* local conditions */
	{ ZECFS_NAME_INVALID, EINVAL, "names are 2-63 letters, digits, '-' and '.', starting and ending with a letter or digit" },
	{ ZECFS_NAME_TOO_LONG, ENAMETOOLONG, "names are at most 63 characters" },
	{ ZECFS_RENAME_NAME_INVALID, EPERM, "names are 2-63 letters, digits, '-' and '.', starting and ending with a letter or digit" },
	{ ZECFS_DISK_NAME_INVALID, EINVAL, "disk names are 1-64 letters, digits, '-', '_' and '.', starting and ending with a letter or digit" },
	{ ZECFS_DISK_NAME_TOO_LONG, ENAMETOOLONG, "disk names are at most 64 characters" },
	{ ZECFS_SNAPSHOT_EXISTS, EEXIST, "a snapshot of that name exists on this disk: choose another name" },
	{ ZECFS_DISK_EXISTS, EEXIST, "a disk of that name exists: choose another name (a second one would cost money and leave .by-name without the name)" },
	{ ZECFS_NOT_FOUND, ENOENT, "no such disk, snapshot or file" },
	{ ZECFS_NAME_MOVED, ESTALE, "the name was given to another snapshot or policy meanwhile (another host, the console): list the directory again" },
	{ ZECFS_NO_SNAPSHOT_ABILITY, EOPNOTSUPP, "this disk cannot be snapshotted (snapshotAbility is false)" },
	{ ZECFS_DELETE_DISABLED, EPERM, "mount with -o allow_delete to delete snapshots and policies" },
	{ ZECFS_ROLLBACK_DISABLED, EPERM, "mount with -o allow_rollback to roll disks back" },
	{ ZECFS_RESTORE_DISABLED, EPERM, "mount with -o allow_restore to create disks from snapshots (a new disk costs money)" },
	{ ZECFS_SCHEDULE_INVALID, EINVAL, "write days=<mon..sun|1..7|daily,...> hours=<0..23,...> keep=<days|forever>" },
	{ ZECFS_NOT_PERMITTED, EPERM, "zecfs holds only snapshot directories: files, links and mode changes are refused" },
	{ ZECFS_READ_ONLY, EROFS, "snapshot directories and .policies are read-only" },
	{ ZECFS_SNAPSHOT_BUSY, EBUSY, "the snapshot is busy: retry when it is AVAILABLE" },
	{ ZECFS_POLICY_IN_USE, EBUSY, "disks are on the policy: take them off (removexattr user.zec.autoSnapshot) first" },
	{ ZECFS_RENAME_ACROSS, EPERM, "snapshots can only be renamed within their own snapshots/ directory" },
	{ ZECFS_XATTR_RETRY, EBUSY, "the API is rate limited or briefly unavailable: run setfattr again later" },
	{ ZECFS_RETENTION_INVALID, EINVAL, "give yyyy-MM-ddTHH:mm:ssZ, +N{m,h,d,w} or permanent, at least 24 hours ahead" },
	{ ZECFS_XATTR_NONE, ENODATA, "no such attribute, or no value (kept forever)" },
	{ ZECFS_XATTR_UNSUPPORTED, ENOTSUP, "zecfs stores only its own user.zec.* attributes" },
	{ ZECFS_XATTR_READ_ONLY, EPERM, "this attribute is read-only" },
	{ ZECFS_XATTR_RANGE, ERANGE, "the buffer is too small for the value" },
	{ ZECFS_XATTR_EXISTS, EEXIST, "the attribute has a value and XATTR_CREATE was given: write it without XATTR_CREATE to replace it" },
	{ ZECFS_XATTR_VALUE_NUL, EINVAL, "attribute values are text: a NUL byte inside a value is refused" },
	{ ZECFS_WAIT_TIMEOUT, ETIMEDOUT, "the snapshot did not become AVAILABLE in time; it may still" },
	{ ZECFS_SNAPSHOT_FAILED, EIO, "the snapshot went FAILED: remove it and try again" },
	{ ZECFS_TRANSPORT, EIO, "the API could not be reached: check the endpoint and the network" },
	{ ZECFS_TIMEOUT, ETIMEDOUT, "the API did not answer in time" },
	{ ZECFS_BAD_RESPONSE, EIO, "the API's answer could not be understood: report it with the requestId" },
	{ ZECFS_OUT_OF_MEMORY, ENOMEM, "zecfs ran out of memory" },
	{ ZECFS_CANCELLED, ESHUTDOWN, "zecfs is unmounting" },
	{ ZECFS_BAD_ARGUMENT, EINVAL, "a call was refused before it was sent: report a zecfs bug" },
	{ ZECFS_CREATE_UNCERTAIN, EIO, "the snapshot may or may not exist: list the directory before trying again" },
	{ ZECFS_LIST_INCONSISTENT, EIO, "the API's listing pages do not add up (totalCount, short or repeated pages): retry, report it with the requestId" },
	{ ZECFS_INSTANCE_UNKNOWN, ENXIO, "the account has no instance of that id: give -o instance_id=ID of the instance zecfs runs on" },
	{ ZECFS_BROWSE_DISABLED, EPERM, "mount with -o allow_browse to read snapshots' files (a browse creates a disk, billed while it exists)" },
	{ ZECFS_BROWSE_NO_INSTANCE, ENXIO, "zecfs does not know the instance it runs on: mount with -o instance_id=ID" },
	{ ZECFS_BROWSE_ZONE, EXDEV, "the snapshot is in another zone than this instance: browse it from an instance in its zone" },
	{ ZECFS_BROWSE_MAX, EUSERS, "browse_max snapshots are open: leave one (it ends after browse_idle) or mount with a larger -o browse_max" },
	{ ZECFS_BROWSE_TIMEOUT, ETIMEDOUT, "the snapshot's disk was not ready within browse_timeout: it may still be; look again later" },
	{ ZECFS_BROWSE_NO_DEVICE, ENODEV, "the attached disk did not appear as a device: check -o device_dir" },
	{ ZECFS_BROWSE_NO_FS, EIO, "the snapshot holds no filesystem this host can mount (the log says what was found)" },
	{ ZECFS_BROWSE_MOUNT, EIO, "the snapshot's filesystem could not be mounted read-only (the log says why)" },
	{ ZECFS_BROWSE_DISK_FAILED, EIO, "the disk made from the snapshot went FAILED: try again later" },
	{ ZECFS_HTTP_429, EAGAIN, "rate limited (no error envelope): retry later" },
	{ ZECFS_HTTP_503, EAGAIN, "the service or a proxy is unavailable: retry later" },
	{ ZECFS_HTTP_504, ETIMEDOUT, "a gateway timed out: retry later" },
	{ ZECFS_HTTP_5XX, EIO, "the service or a proxy failed: retry later" },
};

/* "PREFIX*", "*SUFFIX" or the whole code. */
static int matches(const char *pattern, const char *code)
{
	size_t n = strlen(pattern), m = strlen(code);

	if (n && pattern[0] == '*')
		return m >= n - 1 && strcmp(code + m - (n - 1), pattern + 1) == 0;
	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, code, n - 1) == 0;
	return strcmp(pattern, code) == 0;
}

int zec_errno_for_code(const char *code)
{
	if (!code || !*code)
		return EIO;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (matches(table[i].code, code))
			return table[i].err;
	}
	return EIO;
}

const char *zec_errno_advice(const char *code)
{
	for (size_t i = 0; code && i < sizeof(table) / sizeof(table[0]); i++) {
		if (matches(table[i].code, code))
			return table[i].advice;
	}
	return "";
}

int zec_errno_for_result(const struct zec_result *res)
{
	switch (res->outcome) {
	case ZEC_OUTCOME_OK:
		return 0;
	case ZEC_OUTCOME_TRANSPORT:
		return -zec_errno_for_code(ZECFS_TRANSPORT);
	case ZEC_OUTCOME_TIMEOUT:
		return -zec_errno_for_code(ZECFS_TIMEOUT);
	case ZEC_OUTCOME_BAD_RESPONSE:
		/* a 429/5xx without an envelope carries a ZECFS_HTTP_* pseudo code */
		if (strncmp(res->code, "ZECFS_HTTP_", 11) == 0)
			return -zec_errno_for_code(res->code);
		return -zec_errno_for_code(ZECFS_BAD_RESPONSE);
	case ZEC_OUTCOME_API_ERROR:
	case ZEC_OUTCOME_LOCAL:
	default:
		return -zec_errno_for_code(res->code);
	}
}

int zec_errno_for_setxattr(int err)
{
	/* the kernel's __vfs_setxattr_noperm turns -EAGAIN into EOPNOTSUPP */
	return err == -EAGAIN ? -zec_errno_for_code(ZECFS_XATTR_RETRY) : err;
}

const struct zec_errno_entry *zec_errno_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

int zec_result_local(struct zec_result *res, const char *code, const char *message)
{
	res->outcome = ZEC_OUTCOME_LOCAL;
	res->http_status = 0;
	snprintf(res->code, sizeof(res->code), "%s", code);
	snprintf(res->message, sizeof(res->message), "%s", message ? message : "");
	res->request_id[0] = '\0';
	res->err = -zec_errno_for_code(code);
	return res->err;
}

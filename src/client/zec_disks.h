/*
 * zec_disks.h - typed client for the disk lifecycle: AttachDisks,
 * DetachDisks, ReleaseDisk, and the instance a disk is attached to
 * (DescribeInstances).  Included by zec_client.h; its conventions: 0 or a
 * negative errno, struct zec_result filled (res may be NULL), the errno
 * decided by zec_errno.c only, no JSON for callers.
 *
 * None of these is re-sent after a try whose outcome is unknown: a second
 * ReleaseDisk of a disk the first one recycled destroys it, and a second
 * attach or detach is refused by the disk's new status.  The caller reads
 * the disk's status back (DescribeDisks) to learn what happened.
 */
#ifndef ZEC_DISKS_H
#define ZEC_DISKS_H

#include <stdbool.h>
#include <stddef.h>

#include "zec_client.h"

#define ZEC_ATTACH_MAX 10                /* disks per AttachDisks / DetachDisks */

/* The fields of an InstanceInfo zecfs uses. */
struct zec_instance {
	char *instance_id;
	char *zone_id;
	char *status;                    /* RUNNING, STOPPED, DEPLOYING, ... */
};

/* 1-10 disks, all AVAILABLE, in the instance's zone; an empty answer. */
int zec_attach_disks(struct zec_client *c, const char *const *disk_ids, size_t n,
                     const char *instance_id, struct zec_result *res);
/*
 * 1-10 disks of one instance, sent with instanceCheckFlag false (a running
 * instance's disks detach, as Terraform and the CSI driver ask).  failed
 * (may be NULL) receives failedDiskIds: disks the service did not detach
 * although the call answered 200.
 */
int zec_detach_disks(struct zec_client *c, const char *const *disk_ids, size_t n,
                     struct zec_strv *failed, struct zec_result *res);
/* AVAILABLE/FAILED -> RECYCLING -> RECYCLED; a RECYCLED disk is destroyed. */
int zec_release_disk(struct zec_client *c, const char *disk_id, struct zec_result *res);
/* One instance by id: -ENOENT-ish (ZECFS_NOT_FOUND) when it is not listed. */
int zec_describe_instance(struct zec_client *c, const char *instance_id,
                          struct zec_instance *out, struct zec_result *res);
void zec_instance_clear(struct zec_instance *i);
/*
 * Whether a disk's record (disk.json, as received) carries the tag key=value
 * (value NULL: any value), in either shape the API uses: {"tags":{"tags":[...]}}
 * or {"tags":[...]}.
 */
bool zec_disk_has_tag(const struct zec_disk *d, const char *key, const char *value);

/* Bodies and answers, for the unit tests. */
int zec_build_attach_disks(const char *const *disk_ids, size_t n, const char *instance_id,
                           char **body);
int zec_build_detach_disks(const char *const *disk_ids, size_t n, char **body);
int zec_build_release_disk(const char *disk_id, char **body);
int zec_build_describe_instance(const char *instance_id, char **body);
#endif /* ZEC_DISKS_H */

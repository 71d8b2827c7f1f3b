/*
 * zec_policy.h - typed client for the auto-snapshot policy actions and
 * CreateDisks.  Included by zec_client.h; the conventions are
 * that header's: 0 or a negative errno, struct zec_result filled (res may be
 * NULL), the errno decided by zec_errno.c only, no JSON for callers.
 *
 * Schedules are bit sets: ZEC_WEEKDAY(d) for d = 1 (Monday) .. 7 (Sunday),
 * ZEC_HOUR(h) for h = 0 .. 23 (UTC).
 */
#ifndef ZEC_POLICY_H
#define ZEC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zec_client.h"

#define ZEC_POLICY_PAGE_MAX       100
#define ZEC_RETENTION_FOREVER     (-1)
#define ZEC_RETENTION_DAYS_MAX    65535
#define ZEC_WEEKDAY(d)            ((uint8_t)(1u << (d)))     /* 1..7 */
#define ZEC_WEEKDAYS_ALL          ((uint8_t)0xfe)
#define ZEC_HOUR(h)               ((uint32_t)1u << (h))      /* 0..23 */
#define ZEC_HOURS_ALL             ((uint32_t)0xffffff)

struct zec_tag {
	char *key, *value;
};

/* One AutoSnapshotPolicy record. */
/* The string members, as ZEC_DISK_STRINGS (zec_client.h): X(name, common),
 * common when many records share the value; json is the record as received,
 * pretty-printed. */
#define ZEC_POLICY_STRINGS(X) \
	X(policy_id, 0) X(policy_name, 0) X(zone_id, 1) X(create_time, 0) \
	X(resource_group_id, 1) X(resource_group_name, 1) X(json, 0)

struct zec_policy {
	ZEC_POLICY_STRINGS(ZEC_STRING_MEMBER)
	uint8_t week_days;               /* ZEC_WEEKDAY bits */
	uint32_t hours;                  /* ZEC_HOUR bits */
	int retention_days;              /* ZEC_RETENTION_FOREVER or 1..65535 */
	long long disk_num;
	struct zec_strv disk_ids;        /* diskIdSet */
	struct zec_tag *tags;
	size_t n_tags;
};

struct zec_policy_list {
	struct zec_policy *items;
	size_t count;
	long long total;                 /* totalCount */
};

/* Unset fields are NULL / 0. */
struct zec_policy_filter {
	const char *const *policy_ids;
	size_t n_policy_ids;
	const char *const *zone_ids;
	size_t n_zone_ids;
	const char *policy_name;         /* fuzzy; "^name$" for an exact match */
	const char *resource_group_id;
	const char *const *tag_keys;
	size_t n_tag_keys;
	const struct zec_tag_arg *tags;
	size_t n_tags;
	const char *const *known;        /* not sent: as zec_snapshot_filter's */
	size_t n_known;
};

struct zec_policy_spec {
	const char *zone_id;
	const char *policy_name;         /* 2-63: letters, digits, - _ . */
	uint8_t week_days;               /* at least one of ZEC_WEEKDAY(1..7) */
	uint32_t hours;                  /* at least one of ZEC_HOUR(0..23) */
	int retention_days;              /* ZEC_RETENTION_FOREVER or 1..65535 */
	const char *resource_group_id;   /* NULL: the default group */
	const struct zec_tag_arg *tags;
	size_t n_tags;
};

/* What ModifyAutoSnapshotPolicy changes; 0 / NULL / false: unchanged. */
struct zec_policy_modify {
	const char *policy_id;
	const char *policy_name;
	uint8_t week_days;
	uint32_t hours;
	bool set_retention;
	int retention_days;
};

struct zec_disk_spec {
	const char *zone_id;
	const char *disk_name;           /* 1-64: letters, digits, - _ . */
	long long disk_size;             /* GiB; from a snapshot: >= its disk's */
	int disk_amount;                 /* 0: 1 */
	const char *disk_category;       /* NULL: the snapshot's disk's (or the API's default) */
	const char *resource_group_id;   /* NULL: the default group */
	const char *snapshot_id;         /* NULL: an empty disk */
	const struct zec_tag_arg *tags;  /* sent as {"tags":[{"key","value"}]} */
	size_t n_tags;
};

struct zec_disks_created {
	struct zec_strv disk_ids;
	char *order_number;
};

/*
 * *policy_id is malloc'd.  Not re-sent after a try whose outcome is unknown
 * (a second policy would be made); the failure is returned.
 */
int zec_create_auto_snapshot_policy(struct zec_client *c, const struct zec_policy_spec *spec,
                                    char **policy_id, struct zec_result *res);

/* page_num / page_size <= 0 are left out; page_size above ZEC_POLICY_PAGE_MAX refused. */
int zec_describe_auto_snapshot_policies(struct zec_client *c,
                                        const struct zec_policy_filter *f,
                                        int page_num, int page_size,
                                        struct zec_policy_list *out,
                                        struct zec_result *res);
/* Every page, ZEC_POLICY_PAGE_MAX at a time: ceil(P / 100) calls (a walk
 * whose pages disagree on totalCount is made again, at most 3 times). */
int zec_describe_auto_snapshot_policies_all(struct zec_client *c,
                                            const struct zec_policy_filter *f,
                                            struct zec_policy_list *out,
                                            struct zec_result *res);

/* Idempotent, retried. */
int zec_modify_auto_snapshot_policy(struct zec_client *c, const struct zec_policy_modify *m,
                                    struct zec_result *res);
/* 1-100 ids; INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND after a try that may have
 * been applied counts as success (already gone). */
int zec_delete_auto_snapshot_policies(struct zec_client *c, const char *const *policy_ids,
                                      size_t n, struct zec_result *res);
/* 1-100 disks; idempotent (a disk already on the policy is no error). */
int zec_apply_auto_snapshot_policy(struct zec_client *c, const char *policy_id,
                                   const char *const *disk_ids, size_t n,
                                   struct zec_result *res);
int zec_cancel_auto_snapshot_policy(struct zec_client *c, const char *policy_id,
                                    const char *const *disk_ids, size_t n,
                                    struct zec_result *res);

/*
 * CreateDisks.  Never re-sent after a try whose outcome is unknown (each
 * try may create and bill disks); the failure is returned and the caller
 * must list the disks to learn what happened.
 */
int zec_create_disks(struct zec_client *c, const struct zec_disk_spec *spec,
                     struct zec_disks_created *out, struct zec_result *res);

void zec_policy_clear(struct zec_policy *p);
void zec_policy_list_free(struct zec_policy_list *l);
int zec_policy_copy(struct zec_policy *dst, const struct zec_policy *src);
void zec_disks_created_free(struct zec_disks_created *d);

#endif /* ZEC_POLICY_H */

/*
 * policies.c - the six auto-snapshot policy actions (Create, Describe,
 * Modify, Delete, Apply, Cancel) and the policies of seeds and state files.
 *
 * Policies are AutoSnapshotPolicy records (zenlayercloud-sdk-go
 * zec20250901/models.go) kept in store.c's content (s->c.policies) in
 * creation order.  A disk's membership is held twice, kept in step: the
 * policy's diskIdSet/diskNum and the disk record's autoSnapshotPolicyId (so
 * DescribeDisks and the state file show it as they are).
 *
 * The schedule that makes their Auto snapshots is autosnap.c's.
 */
#include "policies.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lifecycle.h"
#include "params.h"
#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

#define MAX_POLICY_PAGE    100
#define MAX_IDS            100
#define MAX_TAG_FILTERS    20
#define POLICY_NAME_MIN    2
#define POLICY_NAME_MAX    63
#define RETENTION_DAYS_MAX 65535

/* ---- parameters ------------------------------------------------------ */

/* A non-empty array of integers in lo..hi (hi < 32). */
static bool int_set_ok(const cJSON *v, int lo, int hi)
{
	const cJSON *it;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1)
		return false;
	cJSON_ArrayForEach(it, v) {
		double d = it->valuedouble;

		if (!cJSON_IsNumber(it) || d < lo || d > hi || d != (double)(int)d)
			return false;
	}
	return true;
}

/* The members of a valid set, sorted and without repeats; NULL on ENOMEM. */
static cJSON *int_set_norm(const cJSON *v, int lo, int hi)
{
	bool seen[32] = { false };
	cJSON *out = cJSON_CreateArray();
	const cJSON *it;

	if (!out)
		return NULL;
	cJSON_ArrayForEach(it, v)
		seen[(int)it->valuedouble] = true;
	for (int i = lo; i <= hi; i++) {
		cJSON *n;

		if (!seen[i])
			continue;
		n = cJSON_CreateNumber(i);
		if (!n) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToArray(out, n);
	}
	return out;
}

/* repeatWeekDays (1..7) or hours (0..23): *out NULL when absent. */
static int param_int_set(const cJSON *body, const char *key, bool required,
                         int lo, int hi, cJSON **out, struct emu_result *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return emu_fail(res, 400, "MISSING_PARAMETER",
			                "The parameter %s is required.", key);
		return 0;
	}
	if (!cJSON_IsArray(v))
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter %s must be an array of integers.", key);
	if (cJSON_GetArraySize(v) < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_LENGTH",
		                "The parameter %s needs at least 1 item(s).", key);
	if (!int_set_ok(v, lo, hi))
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "Each item of %s must be an integer from %d to %d.", key, lo, hi);
	*out = int_set_norm(v, lo, hi);
	return *out ? 0 : emu_no_memory(res);
}

static bool retention_days_ok(long long v)
{
	return v == -1 || (v >= 1 && v <= RETENTION_DAYS_MAX);
}

static int param_retention_days(const cJSON *body, bool *present, long long *days,
                                struct emu_result *res)
{
	int st = param_int(body, "retentionDays", false, present, days, res);

	if (st)
		return st;
	if (*present && !retention_days_ok(*days))
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "The parameter retentionDays must be -1 or from 1 to %d.",
		                RETENTION_DAYS_MAX);
	return 0;
}

/* ---- records ----------------------------------------------------------- */

/* {"resourceGroupId":..,"resourceGroupName":..}; NULL on ENOMEM. */
static cJSON *resource_group(const struct store *s, const char *rg_id)
{
	cJSON *rg = cJSON_CreateObject();

	if (!rg_id)
		rg_id = "default";
	if (!rg || zj_add_string(rg, "resourceGroupId", rg_id) ||
	    zj_add_string(rg, "resourceGroupName", store_rg_name_locked(s, rg_id))) {
		cJSON_Delete(rg);
		return NULL;
	}
	return rg;
}

static cJSON *policies(struct store *s)
{
	if (!s->c.policies)
		s->c.policies = cJSON_CreateArray();
	return s->c.policies;
}

static cJSON *find_policy(const struct store *s, const char *id)
{
	cJSON *p;

	cJSON_ArrayForEach(p, s->c.policies) {
		if (str_eq(rec_str(p, "autoSnapshotPolicyId"), id))
			return p;
	}
	return NULL;
}

static int policy_missing(const char *id, struct emu_result *res)
{
	return emu_fail(res, 404, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND",
	                "The auto snapshot policy %s does not exist.", id);
}

cJSON *policy_disk_set(const cJSON *p)
{
	return cJSON_GetObjectItemCaseSensitive(p, "diskIdSet");
}

static void count_disks(cJSON *p)
{
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "diskNum"),
	                     cJSON_GetArraySize(policy_disk_set(p)));
}

/* Takes disk_id off policy p (its diskIdSet and the disk's field). */
static void unlink_disk(struct store *s, cJSON *p, const char *disk_id)
{
	cJSON *set = policy_disk_set(p), *it;
	long d = store_find_disk_locked(s, disk_id);

	if (d >= 0)
		cJSON_DeleteItemFromObjectCaseSensitive(s->c.disks[d].rec, "autoSnapshotPolicyId");
	cJSON_ArrayForEach(it, set) {
		if (str_eq(it->valuestring, disk_id)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(set, it));
			break;
		}
	}
	count_disks(p);
}

void policy_forget_disk_locked(struct store *s, const char *disk_id)
{
	cJSON *p;

	cJSON_ArrayForEach(p, s->c.policies) {
		if (in_ids(policy_disk_set(p), disk_id)) {
			unlink_disk(s, p, disk_id);
			return;
		}
	}
}

static void replace_member(cJSON *rec, const char *key, cJSON *value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		cJSON_ReplaceItemInObjectCaseSensitive(rec, key, value);
	else
		cJSON_AddItemToObject(rec, key, value);
}

/* ---- CreateAutoSnapshotPolicy ------------------------------------------ */

static int create_policy(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *zone, *name, *rg_id;
	cJSON *days = NULL, *hours = NULL, *tags = NULL, *p = NULL, *rg;
	long long retention = -1;
	bool has_ret;
	char id[32], now[ZEC_TIME_LEN];
	int st;

	if ((st = param_str(body, "zoneId", true, &zone, res)) ||
	    (st = param_str(body, "autoSnapshotPolicyName", true, &name, res)) ||
	    (st = param_name("autoSnapshotPolicyName", name, POLICY_NAME_MIN,
	                     POLICY_NAME_MAX, "-_.", res)) ||
	    (st = param_retention_days(body, &has_ret, &retention, res)) ||
	    (st = param_str(body, "resourceGroupId", false, &rg_id, res)) ||
	    (st = param_int_set(body, "repeatWeekDays", true, 1, 7, &days, res)) ||
	    (st = param_int_set(body, "hours", true, 0, 23, &hours, res)) ||
	    (st = param_tag_association(body, 0, &tags, res)))
		goto fail;
	if (!has_ret)
		retention = -1;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	if (!lifecycle_zone_locked(s, zone)) {
		pthread_mutex_unlock(&s->lock);
		st = emu_fail(res, 404, "INVALID_ZONE_NOT_FOUND",
		              "The zone %s does not exist.", zone);
		goto fail;
	}
	snprintf(id, sizeof(id), "%llu", store_new_id_locked(s));
	zec_time_format(store_now_locked(s), now);
	p = cJSON_CreateObject();
	if (!p || !policies(s) || zj_add_string(p, "autoSnapshotPolicyId", id) ||
	    zj_add_string(p, "zoneId", zone) ||
	    zj_add_string(p, "autoSnapshotPolicyName", name))
		goto nomem;
	cJSON_AddItemToObject(p, "repeatWeekDays", days);
	cJSON_AddItemToObject(p, "hours", hours);
	days = hours = NULL;
	if (!cJSON_AddNumberToObject(p, "retentionDays", (double)retention) ||
	    !cJSON_AddNumberToObject(p, "diskNum", 0) || zj_add_string(p, "createTime", now) ||
	    !(rg = resource_group(s, rg_id)))
		goto nomem;
	cJSON_AddItemToObject(p, "resourceGroup", rg);
	if (!cJSON_AddArrayToObject(p, "diskIdSet"))
		goto nomem;
	cJSON_AddItemToObject(p, "tags", tags);
	tags = NULL;
	if (!(res->response = cJSON_CreateObject()) ||
	    zj_add_string(res->response, "autoSnapshotPolicyId", id))
		goto nomem;
	cJSON_AddItemToArray(s->c.policies, p);
	store_touch_locked(s);
	zlog_info("policy created autoSnapshotPolicyId=%s zoneId=%s", id, zone);
	st = res->status = 200;
	pthread_mutex_unlock(&s->lock);
	return st;
nomem:
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(p);
	cJSON_Delete(res->response);
	res->response = NULL;
	st = emu_no_memory(res);
fail:
	cJSON_Delete(days);
	cJSON_Delete(hours);
	cJSON_Delete(tags);
	return st;
}

/* ---- DescribeAutoSnapshotPolicies -------------------------------------- */

struct policy_query {
	const cJSON *ids, *zones, *tag_keys, *tags;
	const char *name, *rg;
};

static bool policy_matches(const struct policy_query *q, const cJSON *p)
{
	if (q->ids && !in_ids(q->ids, rec_str(p, "autoSnapshotPolicyId")))
		return false;
	if (q->zones && !in_ids(q->zones, rec_str(p, "zoneId")))
		return false;
	if (q->name && !fuzzy_match(rec_str(p, "autoSnapshotPolicyName"), q->name, false))
		return false;
	if (q->rg && !str_eq(rec_str(cJSON_GetObjectItemCaseSensitive(p, "resourceGroup"),
	                             "resourceGroupId"), q->rg))
		return false;
	return rec_tags_match(p, q->tag_keys, q->tags);
}

static int describe_policies(struct store *s, const cJSON *body, struct emu_result *res)
{
	struct policy_query q;
	long long num, size;
	cJSON **matches, *p;
	size_t n = 0, first;
	int cnt, st;

	if ((st = param_page(body, MAX_POLICY_PAGE, &num, &size, res)) ||
	    (st = param_ids(body, "autoSnapshotPolicyIds", 0, 0, &q.ids, &cnt, res)) ||
	    (st = param_ids(body, "zoneIds", 0, 0, &q.zones, &cnt, res)) ||
	    (st = param_str(body, "autoSnapshotPolicyName", false, &q.name, res)) ||
	    (st = param_str(body, "resourceGroupId", false, &q.rg, res)) ||
	    (st = param_ids(body, "tagKeys", 0, MAX_TAG_FILTERS, &q.tag_keys, &cnt, res)) ||
	    (st = read_tags(body, &q.tags, res)))
		return st;
	if (cJSON_GetArraySize(q.tags) > MAX_TAG_FILTERS)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter tags allows at most %d items.", MAX_TAG_FILTERS);

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	matches = malloc(((size_t)cJSON_GetArraySize(s->c.policies) + 1) * sizeof(*matches));
	if (!matches) {
		pthread_mutex_unlock(&s->lock);
		return emu_no_memory(res);
	}
	cJSON_ArrayForEach(p, s->c.policies) {
		if (policy_matches(&q, p))
			matches[n++] = p;
	}
	first = page_first(num, size);
	st = first < n ? page_out(s, matches + first, n - first < (size_t)size ? n - first
	                                                                       : (size_t)size,
	                          n, res)
	               : page_out(s, NULL, 0, n, res);
	pthread_mutex_unlock(&s->lock);
	free(matches);
	return st;
}

/* ---- ModifyAutoSnapshotPolicy ------------------------------------------ */

static int modify_policy(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *id, *name;
	cJSON *days = NULL, *hours = NULL, *p, *num;
	long long retention = -1;
	bool has_ret;
	int st;

	if ((st = param_str(body, "autoSnapshotPolicyId", true, &id, res)) ||
	    (st = param_str(body, "autoSnapshotPolicyName", false, &name, res)) ||
	    (name && (st = param_name("autoSnapshotPolicyName", name, POLICY_NAME_MIN,
	                              POLICY_NAME_MAX, "-_.", res))) ||
	    (st = param_retention_days(body, &has_ret, &retention, res)) ||
	    (st = param_int_set(body, "repeatWeekDays", false, 1, 7, &days, res)) ||
	    (st = param_int_set(body, "hours", false, 0, 23, &hours, res)))
		goto out;
	if (!name && !has_ret && !days && !hours) {
		st = emu_fail(res, 400, "MISSING_PARAMETER",
		              "One of autoSnapshotPolicyName, repeatWeekDays, hours or "
		              "retentionDays is required.");
		goto out;
	}
	num = cJSON_CreateNumber((double)retention);
	if (!num) {
		st = emu_no_memory(res);
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	p = find_policy(s, id);
	if (!p) {
		cJSON_Delete(num);
		st = policy_missing(id, res);
	} else if (name && rec_set_str(p, "autoSnapshotPolicyName", name)) {
		cJSON_Delete(num);
		st = emu_no_memory(res);
	} else {
		if (has_ret)
			replace_member(p, "retentionDays", num);
		else
			cJSON_Delete(num);
		if (days)
			replace_member(p, "repeatWeekDays", days);
		if (hours)
			replace_member(p, "hours", hours);
		days = hours = NULL;
		store_touch_locked(s);
		st = ok_empty(res);
	}
	pthread_mutex_unlock(&s->lock);
out:
	cJSON_Delete(days);
	cJSON_Delete(hours);
	return st;
}

/* ---- DeleteAutoSnapshotPolicies ---------------------------------------- */

static int delete_policies(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *ids, *it;
	int cnt, st;

	if ((st = param_ids(body, "autoSnapshotPolicyIds", 1, MAX_IDS, &ids, &cnt, res)))
		return st;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	cJSON_ArrayForEach(it, ids) {
		if (!find_policy(s, it->valuestring)) {
			st = policy_missing(it->valuestring, res);
			goto out;
		}
	}
	cJSON_ArrayForEach(it, ids) {
		cJSON *p = find_policy(s, it->valuestring);

		if (!p)
			continue;               /* listed twice */
		while (cJSON_GetArraySize(policy_disk_set(p)) > 0)
			unlink_disk(s, p, policy_disk_set(p)->child->valuestring);
		cJSON_Delete(cJSON_DetachItemViaPointer(s->c.policies, p));
		zlog_info("policy deleted autoSnapshotPolicyId=%s", it->valuestring);
	}
	store_touch_locked(s);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- ApplyAutoSnapshotPolicy / CancelAutoSnapshotPolicy ---------------- */

/* Why disk_id cannot join policy p: 0, or the error status. */
static int check_apply(struct store *s, const cJSON *p, const char *disk_id,
                       struct emu_result *res)
{
	long d = store_find_disk_locked(s, disk_id);
	const cJSON *disk;
	const char *on;

	if (d < 0)
		return emu_fail(res, 404, "INVALID_DISK_NOT_FOUND",
		                "The disk %s does not exist.", disk_id);
	disk = s->c.disks[d].rec;
	on = rec_str(disk, "autoSnapshotPolicyId");
	if (on && !str_eq(on, rec_str(p, "autoSnapshotPolicyId")))
		return emu_fail(res, 400, "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST",
		                "The disk %s is already on the auto snapshot policy %s.",
		                disk_id, on);
	if (!str_eq(rec_str(disk, "zoneId"), rec_str(p, "zoneId")))
		return emu_fail(res, 400, "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH",
		                "The disk %s is not in the zone of the policy (%s).",
		                disk_id, rec_str(p, "zoneId"));
	if (str_eq(rec_str(disk, "diskType"), "SYSTEM"))
		return emu_fail(res, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE",
		                "Snapshots of the system disk %s are not allowed.", disk_id);
	return 0;
}

/* The disks ids join policy p (all checked first, so none or all do). */
static int join_disks(struct store *s, cJSON *p, const char *id, const cJSON *ids,
                      struct emu_result *res)
{
	const cJSON *it;
	int st;

	cJSON_ArrayForEach(it, ids) {
		if ((st = check_apply(s, p, it->valuestring, res)))
			return st;
	}
	cJSON_ArrayForEach(it, ids) {
		cJSON *disk = s->c.disks[store_find_disk_locked(s, it->valuestring)].rec;
		cJSON *v;

		if (rec_str(disk, "autoSnapshotPolicyId"))
			continue;               /* already on it */
		v = cJSON_CreateString(it->valuestring);
		if (!v || rec_set_str(disk, "autoSnapshotPolicyId", id)) {
			cJSON_Delete(v);
			return emu_no_memory(res);
		}
		cJSON_AddItemToArray(policy_disk_set(p), v);
		count_disks(p);
		zlog_info("policy applied autoSnapshotPolicyId=%s diskId=%s", id, it->valuestring);
	}
	return 0;
}

/* The disks ids leave policy p. */
static void leave_disks(struct store *s, cJSON *p, const char *id, const cJSON *ids)
{
	const cJSON *it;

	/* a disk not on the policy is no error (the CLI's documentation) */
	cJSON_ArrayForEach(it, ids) {
		if (in_ids(policy_disk_set(p), it->valuestring)) {
			unlink_disk(s, p, it->valuestring);
			zlog_info("policy cancelled autoSnapshotPolicyId=%s diskId=%s", id,
			          it->valuestring);
		}
	}
}

/* ApplyAutoSnapshotPolicy (join) and CancelAutoSnapshotPolicy: the same
 * parameters and policy lookup, then the disks join or leave. */
static int set_membership(struct store *s, const cJSON *body, struct emu_result *res,
                          bool join)
{
	const cJSON *ids;
	const char *id;
	cJSON *p;
	int cnt, st;

	if ((st = param_str(body, "autoSnapshotPolicyId", true, &id, res)) ||
	    (st = param_ids(body, "diskIds", 1, MAX_IDS, &ids, &cnt, res)))
		return st;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	p = find_policy(s, id);
	if (!p) {
		st = policy_missing(id, res);
		goto out;
	}
	if (join && (st = join_disks(s, p, id, ids, res)))
		goto out;
	if (!join)
		leave_disks(s, p, id, ids);
	store_touch_locked(s);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

static int apply_policy(struct store *s, const cJSON *body, struct emu_result *res)
{
	return set_membership(s, body, res, true);
}

static int cancel_policy(struct store *s, const cJSON *body, struct emu_result *res)
{
	return set_membership(s, body, res, false);
}

/* ---- seeds and state ---------------------------------------------------- */

static int load_fail(char *err, size_t err_size, int i, const char *what)
{
	snprintf(err, err_size, "seed: autoSnapshotPolicies[%d]: %s", i, what);
	return -EINVAL;
}

/* Checks seed policy p (index i), fills its defaults and links its disks. */
static int load_one(struct store *s, cJSON *p, int i, const char *now,
                    char *err, size_t err_size)
{
	const char *id = rec_str(p, "autoSnapshotPolicyId");
	long long days = -1;
	const cJSON *set, *it;
	cJSON *rg, *tags;
	char what[160];

	if (!cJSON_IsObject(p) || !id || !*id || !rec_str(p, "zoneId") ||
	    !rec_str(p, "autoSnapshotPolicyName"))
		return load_fail(err, err_size, i, "needs autoSnapshotPolicyId, zoneId and "
		                 "autoSnapshotPolicyName strings");
	if (!int_set_ok(cJSON_GetObjectItemCaseSensitive(p, "repeatWeekDays"), 1, 7) ||
	    !int_set_ok(cJSON_GetObjectItemCaseSensitive(p, "hours"), 0, 23))
		return load_fail(err, err_size, i, "repeatWeekDays (1-7) and hours (0-23) needed");
	if (zj_int(p, "retentionDays", &days) == -EINVAL || !retention_days_ok(days))
		return load_fail(err, err_size, i, "retentionDays must be -1 or 1-65535");
	if (cJSON_GetObjectItemCaseSensitive(p, "diskIdSet") &&
	    zj_string_array(p, "diskIdSet", &set, &(int){ 0 }))
		return load_fail(err, err_size, i, "diskIdSet must be an array of strings");
	for (const cJSON *o = s->c.policies->child; o; o = o->next)
		if (str_eq(rec_str(o, "autoSnapshotPolicyId"), id))
			return load_fail(err, err_size, i, "duplicate autoSnapshotPolicyId");
	if (!cJSON_GetObjectItemCaseSensitive(p, "retentionDays") &&
	    !cJSON_AddNumberToObject(p, "retentionDays", -1))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(p, "diskIdSet") &&
	    !cJSON_AddArrayToObject(p, "diskIdSet"))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(p, "diskNum") &&
	    !cJSON_AddNumberToObject(p, "diskNum", 0))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(p, "createTime") &&
	    zj_add_string(p, "createTime", now))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(p, "resourceGroup")) {
		if (!(rg = resource_group(s, NULL)))
			return -ENOMEM;
		cJSON_AddItemToObject(p, "resourceGroup", rg);
	}
	if (!cJSON_GetObjectItemCaseSensitive(p, "tags")) {
		if (!(tags = cJSON_CreateObject()) || !cJSON_AddArrayToObject(tags, "tags")) {
			cJSON_Delete(tags);
			return -ENOMEM;
		}
		cJSON_AddItemToObject(p, "tags", tags);
	}
	cJSON_ArrayForEach(it, policy_disk_set(p)) {
		long d = store_find_disk_locked(s, it->valuestring);

		if (d < 0 || rec_str(s->c.disks[d].rec, "autoSnapshotPolicyId")) {
			snprintf(what, sizeof(what), "disk %.40s %s", it->valuestring,
			         d < 0 ? "does not exist" : "is on two policies");
			return load_fail(err, err_size, i, what);
		}
		if (rec_set_str(s->c.disks[d].rec, "autoSnapshotPolicyId", id))
			return -ENOMEM;
	}
	count_disks(p);
	return 0;
}

int policy_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(seed, "autoSnapshotPolicies"), *it;
	char now[ZEC_TIME_LEN];
	int i = 0, ret;

	s->c.sched_ms = store_now_ms_locked(s);
	/* a disk is on a policy when the policy's diskIdSet says so */
	for (size_t d = 0; d < s->c.ndisks; d++)
		cJSON_DeleteItemFromObjectCaseSensitive(s->c.disks[d].rec, "autoSnapshotPolicyId");
	if (!in || cJSON_IsNull(in))
		return 0;
	if (!cJSON_IsArray(in)) {
		snprintf(err, err_size, "seed: autoSnapshotPolicies must be an array");
		return -EINVAL;
	}
	if (!policies(s))
		return -ENOMEM;
	zec_time_format(store_now_locked(s), now);
	cJSON_ArrayForEach(it, in) {
		cJSON *p = cJSON_Duplicate(it, 1);

		if (!p)
			return -ENOMEM;
		ret = load_one(s, p, i++, now, err, err_size);
		if (ret) {
			cJSON_Delete(p);
			return ret;
		}
		cJSON_AddItemToArray(s->c.policies, p);
	}
	return 0;
}

int policy_state_json_locked(const struct store *s, cJSON *root)
{
	cJSON *list = s->c.policies ? cJSON_Duplicate(s->c.policies, 1) : cJSON_CreateArray();

	if (!list)
		return -ENOMEM;
	cJSON_AddItemToObject(root, "autoSnapshotPolicies", list);
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

static const struct action_entry policy_table[] = {
	{ "CreateAutoSnapshotPolicy", create_policy },
	{ "DescribeAutoSnapshotPolicies", describe_policies },
	{ "ModifyAutoSnapshotPolicy", modify_policy },
	{ "DeleteAutoSnapshotPolicies", delete_policies },
	{ "ApplyAutoSnapshotPolicy", apply_policy },
	{ "CancelAutoSnapshotPolicy", cancel_policy },
};

action_fn policy_actions_lookup(const char *name)
{
	return action_find(policy_table, sizeof(policy_table) / sizeof(policy_table[0]), name);
}

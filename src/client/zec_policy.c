/*
 * zec_policy.c - the auto-snapshot policy actions and CreateDisks: request
 * bodies, record parsing, one typed function per action and the policy
 * walker (zec_policy.h).
 *
 * Re-sending rules (as in zec_actions.c):
 *  - DescribeAutoSnapshotPolicies, ModifyAutoSnapshotPolicy,
 *    ApplyAutoSnapshotPolicy, CancelAutoSnapshotPolicy: idempotent, retried.
 *  - DeleteAutoSnapshotPolicies: retried; INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND
 *    after a try that may have been applied means already gone: success.
 *  - CreateAutoSnapshotPolicy, CreateDisks: never re-sent after a try whose
 *    outcome is unknown (a second policy, a second billed disk).
 */
#include "zec_policy_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zec_actions_int.h"
#include "zec_walk.h"
#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_json.h"
#include "zec_log.h"

#define MAX_IDS        100
#define POLICY_NAME_MIN 2
#define POLICY_NAME_MAX 63

/* ---- parsing ------------------------------------------------------------- */

/* An array of integers in lo..hi (hi < 32) as a bit set. */
static int take_bits(const cJSON *obj, const char *key, int lo, int hi, uint32_t *bits)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;

	*bits = 0;
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return -EINVAL;
	cJSON_ArrayForEach(it, arr) {
		double d = it->valuedouble;

		if (!cJSON_IsNumber(it) || d < lo || d > hi || d != (double)(int)d)
			return -EINVAL;
		*bits |= 1u << (int)d;
	}
	return 0;
}

static int take_tags(const cJSON *obj, struct zec_tag **tags, size_t *n)
{
	const cJSON *holder = cJSON_GetObjectItemCaseSensitive(obj, "tags"), *list, *it;
	size_t i = 0;

	*tags = NULL;
	*n = 0;
	if (!holder || cJSON_IsNull(holder))
		return 0;
	/* the SDK's Tags {"tags":[...]}; a bare array is read too */
	list = cJSON_IsArray(holder) ? holder : cJSON_GetObjectItemCaseSensitive(holder, "tags");
	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return -EINVAL;
	*tags = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(**tags));
	if (!*tags)
		return -ENOMEM;
	cJSON_ArrayForEach(it, list) {
		int ret = zec_parse_opt_str(it, "key", &(*tags)[i].key);

		if (!ret)
			ret = zec_parse_opt_str(it, "value", &(*tags)[i].value);
		*n = ++i;
		if (ret)
			return ret;
		if (!(*tags)[i - 1].key)
			return -EINVAL;
	}
	return 0;
}

static int take_strv(const cJSON *obj, const char *key, bool required, struct zec_strv *out)
{
	const cJSON *arr, *it;
	int count, ret = zj_string_array(obj, key, &arr, &count);

	memset(out, 0, sizeof(*out));
	if (ret == -ENOENT && !required)
		return 0;
	if (ret)
		return -EINVAL;
	out->v = calloc((size_t)count + 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	cJSON_ArrayForEach(it, arr) {
		out->v[out->count] = strdup(it->valuestring);
		if (!out->v[out->count])
			return -ENOMEM;
		out->count++;
	}
	return 0;
}

int zec_parse_policy(const cJSON *item, struct zec_policy *out)
{
	const cJSON *rg = cJSON_GetObjectItemCaseSensitive(item, "resourceGroup");
	long long v;
	uint32_t days = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->retention_days = ZEC_RETENTION_FOREVER;
	if (!cJSON_IsObject(item))
		return -EINVAL;
	ret = zec_parse_opt_str(item, "autoSnapshotPolicyId", &out->policy_id);
	if (!ret && (!out->policy_id || !*out->policy_id))
		ret = -EINVAL;
	if (!ret)
		ret = zec_parse_opt_str(item, "autoSnapshotPolicyName", &out->policy_name);
	if (!ret)
		ret = zec_parse_opt_str(item, "zoneId", &out->zone_id);
	if (!ret)
		ret = zec_parse_opt_str(item, "createTime", &out->create_time);
	if (!ret && rg && !cJSON_IsNull(rg) && !cJSON_IsObject(rg))
		ret = -EINVAL;
	if (!ret)
		ret = zec_parse_opt_str(rg, "resourceGroupId", &out->resource_group_id);
	if (!ret)
		ret = zec_parse_opt_str(rg, "resourceGroupName", &out->resource_group_name);
	if (!ret)
		ret = take_bits(item, "repeatWeekDays", 1, 7, &days);
	out->week_days = (uint8_t)days;
	if (!ret)
		ret = take_bits(item, "hours", 0, 23, &out->hours);
	if (!ret && (ret = zj_int(item, "retentionDays", &v)) == 0) {
		if (v != ZEC_RETENTION_FOREVER && (v < 1 || v > ZEC_RETENTION_DAYS_MAX))
			ret = -EINVAL;
		else
			out->retention_days = (int)v;
	} else if (ret == -ENOENT) {
		ret = 0;
	}
	if (!ret && (ret = zj_int(item, "diskNum", &out->disk_num)) == -ENOENT)
		ret = 0;
	if (!ret)
		ret = take_strv(item, "diskIdSet", false, &out->disk_ids);
	if (!ret)
		ret = take_tags(item, &out->tags, &out->n_tags);
	if (!ret && !(out->json = cJSON_Print(item)))
		ret = -ENOMEM;
	if (ret)
		zec_policy_clear(out);
	return ret;
}

static int parse_policy_any(const cJSON *item, void *out)
{
	return zec_parse_policy(item, out);
}

static void clear_policy_any(void *item)
{
	zec_policy_clear(item);
}

int zec_parse_policy_page(const cJSON *response, struct zec_policy_list *out)
{
	void *items;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = zec_parse_page(response, sizeof(*out->items), parse_policy_any,
	                     clear_policy_any, &items, &out->count, &out->total);
	out->items = items;
	return ret;
}

int zec_parse_disks_created(const cJSON *response, struct zec_disks_created *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = take_strv(response, "diskIds", true, &out->disk_ids);
	if (!ret && out->disk_ids.count == 0)
		ret = -EINVAL;
	if (!ret)
		ret = zec_parse_opt_str(response, "orderNumber", &out->order_number);
	if (ret)
		zec_disks_created_free(out);
	return ret;
}

/* ---- request bodies ------------------------------------------------------ */

/* The builders are alike on purpose: one body per action, each member added
 * in the order of the API reference, each ending in body_done(). */

static int add_strs(cJSON *o, const char *key, const char *const *v, size_t n)
{
	cJSON *arr;

	if (!n)
		return 0;
	if (!v)
		return -EINVAL;
	if (!(arr = cJSON_AddArrayToObject(o, key)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *s;

		if (!v[i])
			return -EINVAL;
		if (!(s = cJSON_CreateString(v[i])))
			return -ENOMEM;
		cJSON_AddItemToArray(arr, s);
	}
	return 0;
}

/* The set bits lo..hi of bits as an array of integers (none: omitted). */
static int add_bits(cJSON *o, const char *key, uint32_t bits, int lo, int hi)
{
	cJSON *arr;

	if (!bits)
		return 0;
	if (!(arr = cJSON_AddArrayToObject(o, key)))
		return -ENOMEM;
	for (int i = lo; i <= hi; i++) {
		cJSON *n;

		if (!(bits & (1u << i)))
			continue;
		if (!(n = cJSON_CreateNumber(i)))
			return -ENOMEM;
		cJSON_AddItemToArray(arr, n);
	}
	return 0;
}

static int add_num(cJSON *o, const char *key, long long v)
{
	return cJSON_AddNumberToObject(o, key, (double)v) ? 0 : -ENOMEM;
}

/* Prints o compactly into *body and frees o, whatever ret is. */
static int body_done(cJSON *o, int ret, char **body)
{
	*body = NULL;
	if (!ret && !(*body = cJSON_PrintUnformatted(o)))
		ret = -ENOMEM;
	cJSON_Delete(o);
	return ret;
}

int zec_build_create_policy(const struct zec_policy_spec *spec, char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret;

	*body = NULL;
	if (!o)
		return -ENOMEM;
	ret = zj_add_string(o, "zoneId", spec->zone_id);
	if (!ret)
		ret = zj_add_string(o, "autoSnapshotPolicyName", spec->policy_name);
	if (!ret)
		ret = add_bits(o, "repeatWeekDays", spec->week_days, 1, 7);
	if (!ret)
		ret = add_bits(o, "hours", spec->hours, 0, 23);
	if (!ret)
		ret = add_num(o, "retentionDays", spec->retention_days);
	if (!ret)
		ret = zj_add_string(o, "resourceGroupId", spec->resource_group_id);
	if (!ret)
		ret = zec_add_tags(o, "tags", spec->tags, spec->n_tags, true);
	return body_done(o, ret, body);
}

int zec_build_describe_policies(const struct zec_policy_filter *f, int page_num,
                                int page_size, char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret = 0;

	*body = NULL;
	if (!o)
		return -ENOMEM;
	if (f) {
		ret = add_strs(o, "autoSnapshotPolicyIds", f->policy_ids, f->n_policy_ids);
		if (!ret)
			ret = add_strs(o, "zoneIds", f->zone_ids, f->n_zone_ids);
		if (!ret)
			ret = zj_add_string(o, "autoSnapshotPolicyName", f->policy_name);
		if (!ret)
			ret = zj_add_string(o, "resourceGroupId", f->resource_group_id);
		if (!ret)
			ret = add_strs(o, "tagKeys", f->tag_keys, f->n_tag_keys);
		if (!ret)
			ret = zec_add_tags(o, "tags", f->tags, f->n_tags, false);
	}
	if (!ret && page_num > 0)
		ret = add_num(o, "pageNum", page_num);
	if (!ret && page_size > 0)
		ret = add_num(o, "pageSize", page_size);
	return body_done(o, ret, body);
}

int zec_build_modify_policy(const struct zec_policy_modify *m, char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret;

	*body = NULL;
	if (!o)
		return -ENOMEM;
	ret = zj_add_string(o, "autoSnapshotPolicyId", m->policy_id);
	if (!ret)
		ret = zj_add_string(o, "autoSnapshotPolicyName", m->policy_name);
	if (!ret)
		ret = add_bits(o, "repeatWeekDays", m->week_days, 1, 7);
	if (!ret)
		ret = add_bits(o, "hours", m->hours, 0, 23);
	if (!ret && m->set_retention)
		ret = add_num(o, "retentionDays", m->retention_days);
	return body_done(o, ret, body);
}

int zec_build_policy_ids(const char *policy_id, const char *const *ids, size_t n,
                         char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret;

	*body = NULL;
	if (!o)
		return -ENOMEM;
	ret = zj_add_string(o, "autoSnapshotPolicyId", policy_id);
	if (!ret)
		ret = add_strs(o, policy_id ? "diskIds" : "autoSnapshotPolicyIds", ids, n);
	return body_done(o, ret, body);
}

int zec_build_create_disks(const struct zec_disk_spec *spec, char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret;

	*body = NULL;
	if (!o)
		return -ENOMEM;
	ret = zj_add_string(o, "zoneId", spec->zone_id);
	if (!ret)
		ret = zj_add_string(o, "diskName", spec->disk_name);
	if (!ret)
		ret = add_num(o, "diskSize", spec->disk_size);
	if (!ret)
		ret = add_num(o, "diskAmount", spec->disk_amount > 0 ? spec->disk_amount : 1);
	if (!ret)
		ret = zj_add_string(o, "diskCategory", spec->disk_category);
	if (!ret)
		ret = zj_add_string(o, "resourceGroupId", spec->resource_group_id);
	if (!ret)
		ret = zj_add_string(o, "snapshotId", spec->snapshot_id);
	if (!ret)
		ret = zec_add_tags(o, "tags", spec->tags, spec->n_tags, true);
	return body_done(o, ret, body);
}

/* ---- checks -------------------------------------------------------------- */

static bool schedule_ok(uint8_t days, uint32_t hours)
{
	return days && !(days & ~ZEC_WEEKDAYS_ALL) && hours && !(hours & ~ZEC_HOURS_ALL);
}

static bool retention_ok(int days)
{
	return days == ZEC_RETENTION_FOREVER || (days >= 1 && days <= ZEC_RETENTION_DAYS_MAX);
}

static bool policy_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= POLICY_NAME_MIN && n <= POLICY_NAME_MAX;
}

/* ---- actions -------------------------------------------------------------- */

/* Sends a built body; the answer is handed to *response (may be NULL: dropped). */
static int simple_call(struct zec_client *c, const char *action, char *body, int built,
                       unsigned flags, uint64_t t0, cJSON **response,
                       struct zec_call *callp, struct zec_result *res)
{
	cJSON *r = NULL;
	int ret = send_call(c, action, body, built, flags, 0, t0, &r, callp, res);

	free(body);
	if (response)
		*response = r;
	else
		cJSON_Delete(r);
	return ret;
}

int zec_create_auto_snapshot_policy(struct zec_client *c, const struct zec_policy_spec *spec,
                                    char **policy_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	const char *id;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "CreateAutoSnapshotPolicy");
	if (policy_id)
		*policy_id = NULL;
	if (!c || !spec || !policy_id || !str_ok(spec->zone_id) ||
	    !policy_name_ok(spec->policy_name) || !schedule_ok(spec->week_days, spec->hours) ||
	    !retention_ok(spec->retention_days))
		return bad_argument(res, "CreateAutoSnapshotPolicy: zone, a 2-63 character name, "
		                    "days, hours and retention -1 or 1-65535 needed");
	ret = zec_build_create_policy(spec, &body);
	ret = simple_call(c, "CreateAutoSnapshotPolicy", body, ret, ZEC_CALL_NOT_IDEMPOTENT,
	                  t0, &response, NULL, res);
	if (ret)
		goto out;
	if (zj_string(response, "autoSnapshotPolicyId", &id) || !*id) {
		ret = parse_failed(res, -EINVAL, "CreateAutoSnapshotPolicy: no autoSnapshotPolicyId");
		goto out;
	}
	*policy_id = strdup(id);
	if (!*policy_id)
		ret = no_memory(res);
out:
	cJSON_Delete(response);
	return ret;
}

static int describe_page(struct zec_client *c, const struct zec_policy_filter *f,
                         int page_num, int page_size, uint64_t deadline,
                         struct zec_policy_list *out, struct zec_result *res)
{
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	zec_result_begin(res, "DescribeAutoSnapshotPolicies");
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !out || (f && (!ids_ok(f->policy_ids, f->n_policy_ids, 0, (size_t)-1) ||
	                         !ids_ok(f->zone_ids, f->n_zone_ids, 0, (size_t)-1) ||
	                         !ids_ok(f->tag_keys, f->n_tag_keys, 0, (size_t)-1))))
		return bad_argument(res, "DescribeAutoSnapshotPolicies: bad arguments");
	if (page_size > ZEC_POLICY_PAGE_MAX)
		return bad_argument(res, "DescribeAutoSnapshotPolicies: pageSize above 100");
	ret = zec_build_describe_policies(f, page_num, page_size, &body);
	ret = send_call(c, "DescribeAutoSnapshotPolicies", body, ret, 0, deadline, t0,
	                &response, NULL, res);
	if (!ret && (ret = zec_parse_policy_page(response, out)))
		ret = parse_failed(res, ret, "DescribeAutoSnapshotPolicies: unusable dataSet");
	cJSON_Delete(response);
	free(body);
	return ret;
}

int zec_describe_auto_snapshot_policies(struct zec_client *c,
                                        const struct zec_policy_filter *f,
                                        int page_num, int page_size,
                                        struct zec_policy_list *out,
                                        struct zec_result *res)
{
	struct zec_result local = { 0 };

	return describe_page(c, f, page_num, page_size, 0, out, res ? res : &local);
}

/* Appends page's items to out (taking them), dropping ids out already has. */
/* The policy listing for the generic walker (zec_walk.c); its callbacks are
 * alike on purpose to the disk and snapshot ones of zec_describe.c. */
static int policies_page(struct zec_client *c, const void *f, int page_num,
                         uint64_t deadline, struct zec_result *res, void **items,
                         size_t *count, long long *total)
{
	struct zec_policy_list l;
	int ret = describe_page(c, f, page_num, ZEC_POLICY_PAGE_MAX, deadline, &l, res);

	*items = l.items;
	*count = l.count;
	*total = l.total;
	return ret;
}

static const char *policy_id_of(const void *item)
{
	return ((const struct zec_policy *)item)->policy_id;
}

static void policy_clear_item(void *item)
{
	zec_policy_clear(item);
}

static const char *policy_outside(const void *filter, const void *item, const char **value)
{
	const struct zec_policy_filter *f = filter;
	const struct zec_policy *p = item;

	*value = p->policy_id;
	return f->n_policy_ids && !listed_in(p->policy_id, f->policy_ids, f->n_policy_ids) ?
	       "autoSnapshotPolicyId" : NULL;
}

static void policy_known(const void *filter, const char *const **ids, size_t *n)
{
	const struct zec_policy_filter *f = filter;

	*ids = f ? f->known : NULL;
	*n = *ids ? f->n_known : 0;
}

static void policy_only_ids(void *filter, const char *const *ids, size_t n)
{
	struct zec_policy_filter *f = filter;

	f->policy_ids = ids;
	f->n_policy_ids = n;
	f->known = NULL;
	f->n_known = 0;
}

static const struct walk_kind policy_walk = {
	"DescribeAutoSnapshotPolicies", ZEC_POLICY_PAGE_MAX, sizeof(struct zec_policy),
	policies_page, policy_id_of, policy_clear_item, zec_collect_deliver,
	zec_collect_restart, zec_collect_can_restart, policy_outside, policy_known,
	policy_only_ids, sizeof(struct zec_policy_filter),
};

/* Every page, through the client's one page walker: concurrent pages,
 * totalCount distrusted, ids de-duplicated, walked again if the list moves. */
int zec_describe_auto_snapshot_policies_all(struct zec_client *c,
                                            const struct zec_policy_filter *f,
                                            struct zec_policy_list *out,
                                            struct zec_result *res)
{
	struct zec_result local = { 0 };
	void *items;
	int ret;

	if (!res)
		res = &local;
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !out) {
		zec_result_begin(res, "DescribeAutoSnapshotPolicies");
		return bad_argument(res, "DescribeAutoSnapshotPolicies: no client");
	}
	ret = zec_walk_collect(c, &policy_walk, f, zec_call_deadline(c, 0), &items,
	                       &out->count, &out->total, res);
	out->items = items;
	return ret;
}

int zec_modify_auto_snapshot_policy(struct zec_client *c, const struct zec_policy_modify *m,
                                    struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ModifyAutoSnapshotPolicy");
	if (!c || !m || !str_ok(m->policy_id) || (m->policy_name && !policy_name_ok(m->policy_name)) ||
	    (m->week_days & ~ZEC_WEEKDAYS_ALL) || (m->hours & ~ZEC_HOURS_ALL) ||
	    (m->set_retention && !retention_ok(m->retention_days)) ||
	    (!m->policy_name && !m->week_days && !m->hours && !m->set_retention))
		return bad_argument(res, "ModifyAutoSnapshotPolicy: a policy id and something "
		                    "valid to change needed");
	ret = zec_build_modify_policy(m, &body);
	return simple_call(c, "ModifyAutoSnapshotPolicy", body, ret, 0, t0, NULL, NULL, res);
}

int zec_delete_auto_snapshot_policies(struct zec_client *c, const char *const *policy_ids,
                                      size_t n, struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_call call = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "DeleteAutoSnapshotPolicies");
	if (!c || !ids_ok(policy_ids, n, 1, MAX_IDS))
		return bad_argument(res, "DeleteAutoSnapshotPolicies: 1 to 100 policy ids");
	ret = zec_build_policy_ids(NULL, policy_ids, n, &body);
	ret = simple_call(c, "DeleteAutoSnapshotPolicies", body, ret, 0, t0, NULL, &call, res);
	if (ret && call.ambiguous_seen && res->outcome == ZEC_OUTCOME_API_ERROR &&
	    strcmp(res->code, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND") == 0) {
		/* an earlier try went through: already gone */
		zlog_warn("api delete already gone action=DeleteAutoSnapshotPolicies path=%s "
		          "attempt=%d request_id=%s", res->path ? res->path : "-",
		          res->attempts, res->request_id[0] ? res->request_id : "-");
		ret = zec_result_ok(res);
	}
	return ret;
}

static int policy_disks(struct zec_client *c, const char *action, const char *policy_id,
                        const char *const *disk_ids, size_t n, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, action);
	if (!c || !str_ok(policy_id) || !ids_ok(disk_ids, n, 1, MAX_IDS))
		return bad_argument(res, "auto snapshot policy: a policy id and 1 to 100 disk ids");
	ret = zec_build_policy_ids(policy_id, disk_ids, n, &body);
	return simple_call(c, action, body, ret, 0, t0, NULL, NULL, res);
}

int zec_apply_auto_snapshot_policy(struct zec_client *c, const char *policy_id,
                                   const char *const *disk_ids, size_t n,
                                   struct zec_result *res)
{
	return policy_disks(c, "ApplyAutoSnapshotPolicy", policy_id, disk_ids, n, res);
}

int zec_cancel_auto_snapshot_policy(struct zec_client *c, const char *policy_id,
                                    const char *const *disk_ids, size_t n,
                                    struct zec_result *res)
{
	return policy_disks(c, "CancelAutoSnapshotPolicy", policy_id, disk_ids, n, res);
}

int zec_create_disks(struct zec_client *c, const struct zec_disk_spec *spec,
                     struct zec_disks_created *out, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "CreateDisks");
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !spec || !out || !str_ok(spec->zone_id) || !str_ok(spec->disk_name) ||
	    spec->disk_size < 1 || spec->disk_amount < 0 ||
	    (spec->snapshot_id && !*spec->snapshot_id))
		return bad_argument(res, "CreateDisks: zone, name and a size of at least 1 GiB needed");
	ret = zec_build_create_disks(spec, &body);
	ret = simple_call(c, "CreateDisks", body, ret, ZEC_CALL_NOT_IDEMPOTENT, t0, &response,
	                  NULL, res);
	if (!ret && (ret = zec_parse_disks_created(response, out)))
		ret = parse_failed(res, ret, "CreateDisks: no diskIds");
	cJSON_Delete(response);
	return ret;
}

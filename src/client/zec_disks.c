/*
 * zec_disks.c - the disk lifecycle actions (zec_disks.h): AttachDisks,
 * DetachDisks, ReleaseDisk and the one DescribeInstances lookup a browse
 * makes, with their request bodies and the tag test on a disk's record.
 */
#include "zec_parse.h"
#include "zec_actions_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_json.h"

/* ---- bodies -------------------------------------------------------------- */

static int ids_body(cJSON *o, const char *const *ids, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "diskIds");

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *s;

		if (!ids || !ids[i])
			return -EINVAL;
		if (!(s = cJSON_CreateString(ids[i])))
			return -ENOMEM;
		cJSON_AddItemToArray(arr, s);
	}
	return 0;
}

static int print_body(cJSON *o, int ret, char **body)
{
	*body = NULL;
	if (!ret && !(*body = cJSON_PrintUnformatted(o)))
		ret = -ENOMEM;
	cJSON_Delete(o);
	return ret;
}

int zec_build_attach_disks(const char *const *disk_ids, size_t n, const char *instance_id,
                           char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret;

	if (!o) {
		*body = NULL;
		return -ENOMEM;
	}
	ret = ids_body(o, disk_ids, n);
	if (!ret)
		ret = zj_add_string(o, "instanceId", instance_id);
	return print_body(o, ret, body);
}

int zec_build_detach_disks(const char *const *disk_ids, size_t n, char **body)
{
	cJSON *o = cJSON_CreateObject();
	int ret;

	if (!o) {
		*body = NULL;
		return -ENOMEM;
	}
	ret = ids_body(o, disk_ids, n);
	/* the default (true) refuses every disk of a running instance */
	if (!ret && !cJSON_AddBoolToObject(o, "instanceCheckFlag", 0))
		ret = -ENOMEM;
	return print_body(o, ret, body);
}

int zec_build_release_disk(const char *disk_id, char **body)
{
	cJSON *o = cJSON_CreateObject();

	if (!o) {
		*body = NULL;
		return -ENOMEM;
	}
	return print_body(o, zj_add_string(o, "diskId", disk_id), body);
}

int zec_build_describe_instance(const char *instance_id, char **body)
{
	cJSON *o = cJSON_CreateObject(), *arr, *s;
	int ret = 0;

	if (!o) {
		*body = NULL;
		return -ENOMEM;
	}
	if (!instance_id)
		ret = -EINVAL;
	else if (!(arr = cJSON_AddArrayToObject(o, "instanceIds")) ||
	         !(s = cJSON_CreateString(instance_id)))
		ret = -ENOMEM;
	else
		cJSON_AddItemToArray(arr, s);
	return print_body(o, ret, body);
}

/* ---- actions -------------------------------------------------------------- */

/* One try only: see zec_disks.h. */
static int disk_call(struct zec_client *c, const char *action, char *body, int built,
                     uint64_t t0, cJSON **response, struct zec_result *res)
{
	cJSON *r = NULL;
	int ret = send_call(c, action, body, built, ZEC_CALL_NOT_IDEMPOTENT, 0, t0, &r,
	                    NULL, res);

	free(body);
	if (response)
		*response = r;
	else
		cJSON_Delete(r);
	return ret;
}

int zec_attach_disks(struct zec_client *c, const char *const *disk_ids, size_t n,
                     const char *instance_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "AttachDisks");
	if (!c || !ids_ok(disk_ids, n, 1, ZEC_ATTACH_MAX) || !str_ok(instance_id))
		return bad_argument(res, "AttachDisks: 1 to 10 disk ids and an instance id");
	ret = zec_build_attach_disks(disk_ids, n, instance_id, &body);
	return disk_call(c, "AttachDisks", body, ret, t0, NULL, res);
}

int zec_detach_disks(struct zec_client *c, const char *const *disk_ids, size_t n,
                     struct zec_strv *failed, struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_strv none = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	if (!failed)
		failed = &none;
	memset(failed, 0, sizeof(*failed));
	zec_result_begin(res, "DetachDisks");
	if (!c || !ids_ok(disk_ids, n, 1, ZEC_ATTACH_MAX))
		return bad_argument(res, "DetachDisks: 1 to 10 disk ids");
	ret = zec_build_detach_disks(disk_ids, n, &body);
	ret = disk_call(c, "DetachDisks", body, ret, t0, &response, res);
	if (!ret && (ret = zec_parse_strv(response, "failedDiskIds", failed)))
		ret = parse_failed(res, ret, "DetachDisks: failedDiskIds is not a list of ids");
	cJSON_Delete(response);
	zec_strv_free(&none);
	return ret;
}

int zec_release_disk(struct zec_client *c, const char *disk_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ReleaseDisk");
	if (!c || !str_ok(disk_id))
		return bad_argument(res, "ReleaseDisk: a disk id");
	ret = zec_build_release_disk(disk_id, &body);
	return disk_call(c, "ReleaseDisk", body, ret, t0, NULL, res);
}

void zec_instance_clear(struct zec_instance *i)
{
	if (!i)
		return;
	free(i->instance_id);
	free(i->zone_id);
	free(i->status);
	memset(i, 0, sizeof(*i));
}

int zec_describe_instance(struct zec_client *c, const char *instance_id,
                          struct zec_instance *out, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	const cJSON *set, *it;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	if (out)
		memset(out, 0, sizeof(*out));
	zec_result_begin(res, "DescribeInstances");
	if (!c || !out || !str_ok(instance_id))
		return bad_argument(res, "DescribeInstances: an instance id");
	ret = zec_build_describe_instance(instance_id, &body);
	/* a lookup: retried like every Describe */
	ret = send_call(c, "DescribeInstances", body, ret, 0, 0, t0, &response, NULL, res);
	free(body);
	if (ret)
		goto out;
	set = cJSON_GetObjectItemCaseSensitive(response, "dataSet");
	if (set && !cJSON_IsNull(set) && !cJSON_IsArray(set)) {
		ret = parse_failed(res, -EINVAL, "DescribeInstances: dataSet is not a list");
		goto out;
	}
	cJSON_ArrayForEach(it, set) {
		const char *id = NULL;

		if (zj_string(it, "instanceId", &id) || strcmp(id, instance_id) != 0)
			continue;
		if (zec_parse_opt_str(it, "instanceId", &out->instance_id) ||
		    zec_parse_opt_str(it, "zoneId", &out->zone_id) ||
		    zec_parse_opt_str(it, "status", &out->status)) {
			zec_instance_clear(out);
			ret = parse_failed(res, -EINVAL, "DescribeInstances: zoneId or status is not a string");
		}
		goto out;
	}
	ret = zec_result_local(res, ZECFS_INSTANCE_UNKNOWN, instance_id);
out:
	cJSON_Delete(response);
	return ret;
}

/* ---- tags ------------------------------------------------------------------ */

bool zec_disk_has_tag(const struct zec_disk *d, const char *key, const char *value)
{
	cJSON *rec, *tags, *it;
	bool found = false;

	if (!d || !d->json || !key || !(rec = cJSON_Parse(d->json)))
		return false;
	tags = cJSON_GetObjectItemCaseSensitive(rec, "tags");
	if (cJSON_IsObject(tags))
		tags = cJSON_GetObjectItemCaseSensitive(tags, "tags");
	if (!cJSON_IsArray(tags))
		tags = NULL;
	cJSON_ArrayForEach(it, tags) {
		const char *k = NULL, *v = NULL;

		if (zj_string(it, "key", &k) || strcmp(k, key) != 0)
			continue;
		if (!value || (!zj_string(it, "value", &v) && strcmp(v, value) == 0)) {
			found = true;
			break;
		}
	}
	cJSON_Delete(rec);
	return found;
}

/*
 * zec_parse.c - pure parsing and building for the ZEC API client: endpoint
 * URLs, response envelopes, disk and snapshot records, request bodies.
 *
 * Nothing here does I/O or keeps state, so every function can be fed any
 * bytes (unit tests, fuzz harnesses) and must answer with an error, never a
 * crash.
 */
#include "zec_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_errno.h"
#include "zec_json.h"

/* ---- endpoint ------------------------------------------------------------ */

static int copy_out(char *dst, size_t size, const char *src, size_t n)
{
	if (!dst)
		return 0;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int valid_port(const char *p, size_t n)
{
	long v = 0;

	if (n == 0 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* host[:port] with no path; IPv6 literals in brackets. */
static int valid_authority(const char *a, size_t n)
{
	size_t host_end;

	if (n == 0)
		return 0;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (!close || close == a + 1)
			return 0;
		for (const char *p = a + 1; p < close; p++) {
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return 0;
		}
		host_end = (size_t)(close - a) + 1;
	} else {
		host_end = 0;
		while (host_end < n && a[host_end] != ':') {
			char ch = a[host_end];

			if (!isalnum((unsigned char)ch) && ch != '-' && ch != '.')
				return 0;
			host_end++;
		}
		if (host_end == 0 || a[0] == '.' || a[0] == '-')
			return 0;
	}
	if (host_end == n)
		return 1;
	if (a[host_end] != ':')
		return 0;
	return valid_port(a + host_end + 1, n - host_end - 1);
}

int zec_endpoint_parse(const char *endpoint, char *url, size_t url_size,
                       char *host, size_t host_size, char *base, size_t base_size)
{
	const char *scheme, *auth;
	size_t n, scheme_len;
	char buf[600];
	int ret;

	if (!endpoint)
		return -EINVAL;
	if (strncasecmp(endpoint, "https://", 8) == 0) {
		scheme = "https";
		scheme_len = 8;
	} else if (strncasecmp(endpoint, "http://", 7) == 0) {
		scheme = "http";
		scheme_len = 7;
	} else {
		return -EINVAL;
	}
	auth = endpoint + scheme_len;
	n = strlen(auth);
	if (n && auth[n - 1] == '/')
		n--;
	if (!valid_authority(auth, n))
		return -EINVAL;
	if (n > 255)
		return -ENAMETOOLONG;

	ret = copy_out(host, host_size, auth, n);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%s://%.*s", scheme, (int)n, auth);
	ret = copy_out(base, base_size, buf, strlen(buf));
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%s://%.*s/api/v2/zec", scheme, (int)n, auth);
	return copy_out(url, url_size, buf, strlen(buf));
}

/* ---- results ------------------------------------------------------------- */

void zec_result_begin(struct zec_result *res, const char *action)
{
	const char *path = res->path;

	memset(res, 0, sizeof(*res));
	res->path = path;
	snprintf(res->action, sizeof(res->action), "%s", action ? action : "");
}

int zec_result_bad_response(struct zec_result *res, const char *message)
{
	res->outcome = ZEC_OUTCOME_BAD_RESPONSE;
	snprintf(res->code, sizeof(res->code), "%s", ZECFS_BAD_RESPONSE);
	snprintf(res->message, sizeof(res->message), "%s", message ? message : "");
	res->err = zec_errno_for_result(res);
	return res->err;
}

int zec_result_ok(struct zec_result *res)
{
	res->outcome = ZEC_OUTCOME_OK;
	res->code[0] = '\0';
	res->message[0] = '\0';
	res->err = 0;
	return 0;
}

/* ---- envelope ------------------------------------------------------------ */

static void copy_request_id(const cJSON *obj, struct zec_result *res)
{
	const char *rid;

	if (zj_string(obj, "requestId", &rid) == 0 && *rid)
		snprintf(res->request_id, sizeof(res->request_id), "%s", rid);
}

/* The pseudo code for a non-200 answer without an error envelope. */
static const char *status_pseudo_code(long status)
{
	if (status == 429)
		return ZECFS_HTTP_429;
	if (status == 503)
		return ZECFS_HTTP_503;
	if (status == 504)
		return ZECFS_HTTP_504;
	if (status >= 500 && status <= 599)
		return ZECFS_HTTP_5XX;
	return ZECFS_BAD_RESPONSE;
}

static int bad_envelope(long status, const char *why, struct zec_result *res)
{
	char msg[sizeof(res->message)];

	res->outcome = ZEC_OUTCOME_BAD_RESPONSE;
	snprintf(res->code, sizeof(res->code), "%s", status_pseudo_code(status));
	snprintf(msg, sizeof(msg), "HTTP %ld: %s", status, why);
	snprintf(res->message, sizeof(res->message), "%s", msg);
	res->err = zec_errno_for_result(res);
	return res->err;
}

int zec_parse_envelope(long http_status, const char *body, size_t len,
                       cJSON **response_out, struct zec_result *res)
{
	cJSON *root = NULL, *resp;
	const char *code, *message;
	int ret;

	*response_out = NULL;
	res->http_status = http_status;
	if (!body || len == 0) {
		ret = bad_envelope(http_status, "empty body", res);
		goto out;
	}
	root = cJSON_ParseWithLength(body, len);
	if (!root) {
		ret = bad_envelope(http_status, "body is not JSON", res);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		ret = bad_envelope(http_status, "body is not a JSON object", res);
		goto out;
	}
	copy_request_id(root, res);

	if (http_status == 200) {
		resp = cJSON_GetObjectItemCaseSensitive(root, "response");
		if (!resp || !cJSON_IsObject(resp)) {
			ret = bad_envelope(http_status, "no \"response\" object", res);
			goto out;
		}
		if (!res->request_id[0])
			copy_request_id(resp, res);
		*response_out = cJSON_DetachItemViaPointer(root, resp);
		ret = zec_result_ok(res);
		goto out;
	}

	if (zj_string(root, "code", &code) || !*code ||
	    zj_string(root, "message", &message)) {
		ret = bad_envelope(http_status, "no error envelope", res);
		goto out;
	}
	res->outcome = ZEC_OUTCOME_API_ERROR;
	snprintf(res->code, sizeof(res->code), "%s", code);
	snprintf(res->message, sizeof(res->message), "%s", message);
	res->err = zec_errno_for_result(res);
	ret = res->err;
out:
	cJSON_Delete(root);
	return ret;
}

/* ---- records ------------------------------------------------------------- */

int zec_parse_opt_str(const cJSON *obj, const char *key, char **dst)
{
	const char *s;
	int ret = zj_string(obj, key, &s);

	*dst = NULL;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static int req_str(const cJSON *obj, const char *key, char **dst)
{
	const char *s;
	int ret = zj_string(obj, key, &s);

	if (ret)
		return -EINVAL;
	if (!*s)
		return -EINVAL;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static int opt_int(const cJSON *obj, const char *key, long long *dst)
{
	int ret = zj_int(obj, key, dst);

	return ret == -ENOENT ? 0 : ret;
}

static int opt_bool(const cJSON *obj, const char *key, bool *dst)
{
	int ret = zj_bool(obj, key, dst);

	return ret == -ENOENT ? 0 : ret;
}

int zec_parse_disk(const cJSON *item, struct zec_disk *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (!item || !cJSON_IsObject(item))
		return -EINVAL;
	ret = req_str(item, "diskId", &out->disk_id);
	if (!ret) ret = zec_parse_opt_str(item, "diskName", &out->disk_name);
	if (!ret) ret = zec_parse_opt_str(item, "regionId", &out->region_id);
	if (!ret) ret = zec_parse_opt_str(item, "zoneId", &out->zone_id);
	if (!ret) ret = zec_parse_opt_str(item, "diskType", &out->disk_type);
	if (!ret) ret = zec_parse_opt_str(item, "diskCategory", &out->disk_category);
	if (!ret) ret = zec_parse_opt_str(item, "diskStatus", &out->disk_status);
	if (!ret) ret = zec_parse_opt_str(item, "instanceId", &out->instance_id);
	if (!ret) ret = zec_parse_opt_str(item, "instanceName", &out->instance_name);
	if (!ret) ret = zec_parse_opt_str(item, "createTime", &out->create_time);
	if (!ret) ret = zec_parse_opt_str(item, "expiredTime", &out->expired_time);
	if (!ret) ret = zec_parse_opt_str(item, "resourceGroupId", &out->resource_group_id);
	if (!ret) ret = zec_parse_opt_str(item, "resourceGroupName", &out->resource_group_name);
	if (!ret) ret = zec_parse_opt_str(item, "serial", &out->serial);
	if (!ret) ret = zec_parse_opt_str(item, "autoSnapshotPolicyId", &out->auto_snapshot_policy_id);
	if (!ret) ret = opt_int(item, "diskSize", &out->disk_size);
	if (!ret) ret = opt_int(item, "period", &out->period);
	if (!ret) ret = opt_bool(item, "portable", &out->portable);
	if (!ret) ret = opt_bool(item, "snapshotAbility", &out->snapshot_ability);
	if (!ret) ret = opt_bool(item, "burstingEnabled", &out->bursting_enabled);
	if (!ret) {
		out->json = cJSON_Print(item);
		if (!out->json)
			ret = -ENOMEM;
	}
	if (ret)
		zec_disk_clear(out);
	return ret;
}

int zec_parse_snapshot(const cJSON *item, struct zec_snapshot *out)
{
	const cJSON *rg;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!item || !cJSON_IsObject(item))
		return -EINVAL;
	ret = req_str(item, "snapshotId", &out->snapshot_id);
	if (!ret) ret = zec_parse_opt_str(item, "snapshotName", &out->snapshot_name);
	if (!ret) ret = zec_parse_opt_str(item, "zoneId", &out->zone_id);
	if (!ret) ret = zec_parse_opt_str(item, "status", &out->status);
	if (!ret) ret = zec_parse_opt_str(item, "snapshotType", &out->snapshot_type);
	if (!ret) ret = zec_parse_opt_str(item, "retentionTime", &out->retention_time);
	if (!ret) ret = zec_parse_opt_str(item, "diskId", &out->disk_id);
	if (!ret) ret = zec_parse_opt_str(item, "createTime", &out->create_time);
	if (!ret) ret = opt_bool(item, "diskAbility", &out->disk_ability);
	if (ret)
		goto out;
	if (out->retention_time && !out->retention_time[0]) {
		free(out->retention_time);
		out->retention_time = NULL;
	}
	rg = cJSON_GetObjectItemCaseSensitive(item, "resourceGroup");
	if (rg && !cJSON_IsNull(rg)) {
		if (!cJSON_IsObject(rg)) {
			ret = -EINVAL;
			goto out;
		}
		ret = zec_parse_opt_str(rg, "resourceGroupId", &out->resource_group_id);
		if (!ret)
			ret = zec_parse_opt_str(rg, "resourceGroupName", &out->resource_group_name);
	}
out:
	if (ret)
		zec_snapshot_clear(out);
	return ret;
}

/* totalCount and dataSet of a Describe* response. */
static int page_parts(const cJSON *response, long long *total,
                      const cJSON **data, size_t *n)
{
	const cJSON *ds;
	int size;

	*data = NULL;
	*n = 0;
	if (!response || !cJSON_IsObject(response))
		return -EINVAL;
	if (zj_int(response, "totalCount", total) || *total < 0)
		return -EINVAL;
	ds = cJSON_GetObjectItemCaseSensitive(response, "dataSet");
	if (!ds || cJSON_IsNull(ds))
		return 0;
	if (!cJSON_IsArray(ds))
		return -EINVAL;
	size = cJSON_GetArraySize(ds);
	*data = ds;
	*n = size > 0 ? (size_t)size : 0;
	return 0;
}

int zec_parse_page(const cJSON *response, size_t size,
                   int (*parse)(const cJSON *item, void *out), void (*clear)(void *item),
                   void **items, size_t *count, long long *total)
{
	const cJSON *data, *it;
	size_t n, i = 0;
	char *v;
	int ret;

	*items = NULL;
	*count = 0;
	ret = page_parts(response, total, &data, &n);
	if (ret || n == 0)
		return ret;
	v = calloc(n, size);
	if (!v)
		return -ENOMEM;
	cJSON_ArrayForEach(it, data) {
		if (i == n)
			break;
		ret = parse(it, v + i * size);
		if (ret)
			goto fail;
		i++;
	}
	*items = v;
	*count = i;
	return 0;
fail:
	for (size_t j = 0; j < i; j++)
		clear(v + j * size);
	free(v);
	*total = 0;
	return ret;
}

static int parse_disk_any(const cJSON *item, void *out)
{
	return zec_parse_disk(item, out);
}

static void clear_disk_any(void *item)
{
	zec_disk_clear(item);
}

static int parse_snapshot_any(const cJSON *item, void *out)
{
	return zec_parse_snapshot(item, out);
}

static void clear_snapshot_any(void *item)
{
	zec_snapshot_clear(item);
}

/* The typed page parsers are alike on purpose: the work is zec_parse_page(). */
int zec_parse_disk_page(const cJSON *response, struct zec_disk_list *out)
{
	void *items;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = zec_parse_page(response, sizeof(*out->items), parse_disk_any, clear_disk_any,
	                     &items, &out->count, &out->total);
	out->items = items;
	return ret;
}

int zec_parse_snapshot_page(const cJSON *response, struct zec_snapshot_list *out)
{
	void *items;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = zec_parse_page(response, sizeof(*out->items), parse_snapshot_any,
	                     clear_snapshot_any, &items, &out->count, &out->total);
	out->items = items;
	return ret;
}

int zec_parse_snapshot_id(const cJSON *response, char **id)
{
	*id = NULL;
	return req_str(response, "snapshotId", id);
}

int zec_parse_strv(const cJSON *response, const char *key, struct zec_strv *out)
{
	const cJSON *arr, *it;
	int count, ret;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	ret = zj_string_array(response, key, &arr, &count);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return -EINVAL;
	if (count <= 0)
		return 0;
	out->v = calloc((size_t)count + 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	cJSON_ArrayForEach(it, arr) {
		if (i == (size_t)count)
			break;
		out->v[i] = strdup(it->valuestring);
		if (!out->v[i]) {
			zec_strv_free(out);
			return -ENOMEM;
		}
		out->count = ++i;
	}
	return 0;
}

/* ---- request bodies ------------------------------------------------------ */

static int add_ids(cJSON *obj, const char *key, const char *const *ids, size_t n)
{
	cJSON *arr;

	if (n == 0)
		return 0;
	if (!ids)
		return -EINVAL;
	arr = cJSON_AddArrayToObject(obj, key);
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *s;

		if (!ids[i])
			return -EINVAL;
		s = cJSON_CreateString(ids[i]);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -ENOMEM;
		}
	}
	return 0;
}

static int add_int(cJSON *obj, const char *key, long long v)
{
	return cJSON_AddNumberToObject(obj, key, (double)v) ? 0 : -ENOMEM;
}

static int add_bool(cJSON *obj, const char *key, bool v)
{
	return cJSON_AddBoolToObject(obj, key, v) ? 0 : -ENOMEM;
}

int zec_add_tags(cJSON *o, const char *key, const struct zec_tag_arg *tags, size_t n,
                 bool wrapped)
{
	cJSON *arr;

	if (!n)
		return 0;
	if (!tags)
		return -EINVAL;
	if (wrapped) {
		if (!(o = cJSON_AddObjectToObject(o, key)))
			return -ENOMEM;
		key = "tags";
	}
	if (!(arr = cJSON_AddArrayToObject(o, key)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *t;

		if (!tags[i].key)
			return -EINVAL;
		if (!(t = cJSON_CreateObject()))
			return -ENOMEM;
		cJSON_AddItemToArray(arr, t);
		if (zj_add_string(t, "key", tags[i].key) ||
		    zj_add_string(t, "value", tags[i].value ? tags[i].value : ""))
			return -ENOMEM;
	}
	return 0;
}

/* Prints obj compactly into *body and frees obj, whatever 'ret' is. */
static int finish_body(cJSON *obj, int ret, char **body)
{
	*body = NULL;
	if (!ret) {
		*body = cJSON_PrintUnformatted(obj);
		if (!*body)
			ret = -ENOMEM;
	}
	cJSON_Delete(obj);
	return ret;
}

static cJSON *new_body(char **body)
{
	*body = NULL;
	return cJSON_CreateObject();
}

int zec_build_describe_disks(const struct zec_disk_filter *f, int page_num,
                             int page_size, char **body)
{
	cJSON *o = new_body(body);
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (f) {
		ret = add_ids(o, "diskIds", f->disk_ids, f->n_disk_ids);
		if (!ret) ret = zj_add_string(o, "diskName", f->disk_name);
		if (!ret) ret = zj_add_string(o, "diskStatus", f->disk_status);
		if (!ret) ret = zj_add_string(o, "diskType", f->disk_type);
		if (!ret) ret = zj_add_string(o, "diskCategory", f->disk_category);
		if (!ret) ret = zj_add_string(o, "instanceId", f->instance_id);
		if (!ret) ret = zj_add_string(o, "zoneId", f->zone_id);
		if (!ret) ret = zj_add_string(o, "regionId", f->region_id);
		if (!ret) ret = zj_add_string(o, "resourceGroupId", f->resource_group_id);
		if (!ret && f->snapshot_ability >= 0)
			ret = add_bool(o, "snapshotAbility", f->snapshot_ability != 0);
		if (!ret) ret = add_ids(o, "tagKeys", f->tag_keys, f->n_tag_keys);
		if (!ret) ret = zec_add_tags(o, "tags", f->tags, f->n_tags, false);
	}
	if (!ret && page_num > 0)
		ret = add_int(o, "pageNum", page_num);
	if (!ret && page_size > 0)
		ret = add_int(o, "pageSize", page_size);
	return finish_body(o, ret, body);
}

int zec_build_describe_snapshots(const struct zec_snapshot_filter *f,
                                 int page_num, int page_size, char **body)
{
	cJSON *o = new_body(body);
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (f) {
		ret = add_ids(o, "snapshotIds", f->snapshot_ids, f->n_snapshot_ids);
		if (!ret) ret = add_ids(o, "diskIds", f->disk_ids, f->n_disk_ids);
		if (!ret) ret = zj_add_string(o, "zoneId", f->zone_id);
		if (!ret) ret = zj_add_string(o, "status", f->status);
		if (!ret) ret = zj_add_string(o, "diskType", f->disk_type);
		if (!ret) ret = zj_add_string(o, "snapshotType", f->snapshot_type);
		if (!ret) ret = zj_add_string(o, "snapshotName", f->snapshot_name);
		if (!ret) ret = zj_add_string(o, "resourceGroupId", f->resource_group_id);
	}
	if (!ret && page_num > 0)
		ret = add_int(o, "pageNum", page_num);
	if (!ret && page_size > 0)
		ret = add_int(o, "pageSize", page_size);
	return finish_body(o, ret, body);
}

int zec_build_create_snapshot(const char *disk_id, const char *snapshot_name,
                              const char *retention_time, char **body)
{
	cJSON *o = new_body(body);
	int ret;

	if (!o)
		return -ENOMEM;
	ret = zj_add_string(o, "diskId", disk_id);
	if (!ret) ret = zj_add_string(o, "snapshotName", snapshot_name);
	if (!ret) ret = zj_add_string(o, "retentionTime", retention_time);
	return finish_body(o, ret, body);
}

int zec_build_modify_snapshots(const struct zec_snapshot_modify *m, char **body)
{
	cJSON *o = new_body(body);
	int ret;

	if (!o)
		return -ENOMEM;
	ret = add_ids(o, "snapshotIds", m->snapshot_ids, m->n_snapshot_ids);
	if (!ret) ret = zj_add_string(o, "snapshotName", m->snapshot_name);
	if (!ret) ret = zj_add_string(o, "retentionTime", m->retention_time);
	if (!ret && m->is_permanent)
		ret = add_bool(o, "isPermanent", true);
	return finish_body(o, ret, body);
}

int zec_build_delete_snapshots(const char *const *ids, size_t n, char **body)
{
	cJSON *o = new_body(body);

	if (!o)
		return -ENOMEM;
	return finish_body(o, add_ids(o, "snapshotIds", ids, n), body);
}

int zec_build_apply_snapshot(const char *snapshot_id, const char *disk_id,
                             char **body)
{
	cJSON *o = new_body(body);
	int ret;

	if (!o)
		return -ENOMEM;
	ret = zj_add_string(o, "snapshotId", snapshot_id);
	if (!ret) ret = zj_add_string(o, "diskId", disk_id);
	return finish_body(o, ret, body);
}

int zec_build_modify_disks(const char *const *ids, size_t n,
                           const char *disk_name, char **body)
{
	cJSON *o = new_body(body);
	int ret;

	if (!o)
		return -ENOMEM;
	ret = add_ids(o, "diskIds", ids, n);
	if (!ret) ret = zj_add_string(o, "diskName", disk_name);
	return finish_body(o, ret, body);
}

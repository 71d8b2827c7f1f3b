/*
 * actions.c - the API actions: DescribeDisks, DescribeSnapshots,
 * CreateSnapshot, ModifySnapshotsAttribute, DeleteSnapshots, ApplySnapshot
 * and ModifyDisksAttributes, with the API's parameter validation codes.
 */
#include "actions.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zec_json.h"
#include "zec_name.h"
#include "zec_time.h"

#define MAX_DISK_PAGE 1000
#define MAX_IDS 100
#define MAX_DISK_NAME 63
#define RETENTION_MIN_S (24 * 3600)

/* ---- parameter validation ------------------------------------------- */

/* Optional string: 0 (absent leaves *out NULL) or the error status. */
static int param_str(const cJSON *body, const char *key, bool required,
                     const char **out, struct emu_result *res)
{
	int r = zj_string(body, key, out);

	if (r == -ENOENT) {
		*out = NULL;
		if (required)
			return emu_fail(res, 400, "MISSING_PARAMETER",
			                "The parameter %s is required.", key);
		return 0;
	}
	if (r)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter %s must be a string.", key);
	if (required && !**out)
		return emu_fail(res, 400, "MISSING_PARAMETER",
		                "The parameter %s must not be empty.", key);
	return 0;
}

static int param_bool(const cJSON *body, const char *key, bool *present,
                      bool *out, struct emu_result *res)
{
	int r = zj_bool(body, key, out);

	*present = r == 0;
	if (r == -EINVAL)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter %s must be a boolean.", key);
	return 0;
}

/* An array of strings with min..max members (min 0: optional). */
static int param_ids(const cJSON *body, const char *key, int min, int max,
                     const cJSON **out, int *count, struct emu_result *res)
{
	int r = zj_string_array(body, key, out, count);

	if (r == -ENOENT) {
		*out = NULL;
		*count = 0;
		if (min > 0)
			return emu_fail(res, 400, "MISSING_PARAMETER",
			                "The parameter %s is required.", key);
		return 0;
	}
	if (r)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter %s must be an array of strings.", key);
	if (*count < min)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_LENGTH",
		                "The parameter %s needs at least %d item(s).", key, min);
	if (max && *count > max)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter %s allows at most %d items.", key, max);
	return 0;
}

static int param_page(const cJSON *body, long long max, long long *num,
                      long long *size, struct emu_result *res)
{
	int r;

	*num = 1;
	*size = 20;
	r = zj_int(body, "pageNum", num);
	if (r == -EINVAL)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter pageNum must be an integer.");
	r = zj_int(body, "pageSize", size);
	if (r == -EINVAL)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter pageSize must be an integer.");
	if (*num < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter pageNum must be at least 1.");
	if (*size < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter pageSize must be at least 1.");
	if (*size > max)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_MAXIMUM",
		                "The parameter pageSize must be at most %lld.", max);
	return 0;
}

static int check_name(const char *name, struct emu_result *res)
{
	switch (zec_snapshot_name_check(name)) {
	case ZEC_NAME_OK:
		return 0;
	case ZEC_NAME_TOO_LONG:
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter snapshotName must be at most %d characters.",
		                ZEC_NAME_MAX);
	case ZEC_NAME_TOO_SHORT:
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_LENGTH",
		                "The parameter snapshotName must be at least %d characters.",
		                ZEC_NAME_MIN);
	default:
		return emu_fail(res, 400, "INVALID_PARAMETER_PATTERN_ERROR",
		                "The parameter snapshotName may hold letters, digits, '-' and '.', "
		                "and must start and end with a letter or digit.");
	}
}

static int check_retention_format(const char *value, time_t *out,
                                  struct emu_result *res)
{
	if (zec_time_parse(value, out))
		return emu_fail(res, 400, "INVALID_PARAMETER_DATE_FORMAT_ERROR",
		                "The parameter retentionTime must be yyyy-MM-ddTHH:mm:ssZ.");
	return 0;
}

static int check_retention_rule(const struct store *s, time_t at,
                                struct emu_result *res)
{
	if (at < store_now_locked(s) + RETENTION_MIN_S)
		return emu_fail(res, 400, "INVALID_SNAPSHOT_RETENTION_TIME",
		                "The retention time must be at least 24 hours from now.");
	return 0;
}

/* ---- filters and paging --------------------------------------------- */

static bool in_ids(const cJSON *ids, const char *value)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, ids) {
		if (value && strcmp(it->valuestring, value) == 0)
			return true;
	}
	return false;
}

/* Substring match; a leading '^' and a trailing '$' anchor it. */
static bool fuzzy_match(const char *value, const char *pattern)
{
	bool head = false, tail = false;
	size_t plen = strlen(pattern), vlen;

	if (!value)
		return false;
	vlen = strlen(value);
	if (plen && pattern[0] == '^') {
		head = true;
		pattern++;
		plen--;
	}
	if (plen && pattern[plen - 1] == '$') {
		tail = true;
		plen--;
	}
	if (plen > vlen)
		return false;
	if (head && tail)
		return plen == vlen && memcmp(value, pattern, plen) == 0;
	if (head)
		return memcmp(value, pattern, plen) == 0;
	if (tail)
		return memcmp(value + vlen - plen, pattern, plen) == 0;
	for (size_t i = 0; i + plen <= vlen; i++)
		if (memcmp(value + i, pattern, plen) == 0)
			return true;
	return false;
}

struct str_filter {
	const char *key;                /* request and record field */
	const char *value;              /* NULL: not filtered */
};

static int read_str_filters(const cJSON *body, struct str_filter *f, size_t n,
                            struct emu_result *res)
{
	for (size_t i = 0; i < n; i++) {
		int st = param_str(body, f[i].key, false, &f[i].value, res);
		if (st)
			return st;
	}
	return 0;
}

static bool str_filters_match(const cJSON *rec, const struct str_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v;

		if (!f[i].value)
			continue;
		v = rec_str(rec, f[i].key);
		if (!v || strcmp(v, f[i].value) != 0)
			return false;
	}
	return true;
}

/* Adds totalCount and the requested page of matches to res->response. */
static int page_out(cJSON **matches, size_t n, long long num, long long size,
                    struct emu_result *res)
{
	cJSON *set;
	long long first = (num - 1) * size;

	res->response = cJSON_CreateObject();
	if (!res->response ||
	    !cJSON_AddNumberToObject(res->response, "totalCount", (double)n) ||
	    !(set = cJSON_AddArrayToObject(res->response, "dataSet")))
		goto nomem;
	for (long long i = first; i < (long long)n && i < first + size; i++) {
		cJSON *c = cJSON_Duplicate(matches[i], 1);
		if (!c)
			goto nomem;
		cJSON_AddItemToArray(set, c);
	}
	res->status = 200;
	return 200;
nomem:
	cJSON_Delete(res->response);
	res->response = NULL;
	return emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
}

static int ok_empty(struct emu_result *res)
{
	res->response = cJSON_CreateObject();
	if (!res->response)
		return emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
	res->status = 200;
	return 200;
}

/* ---- DescribeDisks -------------------------------------------------- */

/* tags filter: [{"key":..,"value":..}], every pair must be on the disk. */
static int read_tags(const cJSON *body, const cJSON **tags, struct emu_result *res)
{
	const cJSON *it;

	*tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
	if (!*tags || cJSON_IsNull(*tags)) {
		*tags = NULL;
		return 0;
	}
	if (!cJSON_IsArray(*tags))
		goto bad;
	cJSON_ArrayForEach(it, *tags) {
		const char *k, *v;
		if (zj_string(it, "key", &k) || zj_string(it, "value", &v) == -EINVAL)
			goto bad;
	}
	return 0;
bad:
	return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
	                "The parameter tags must be an array of {\"key\",\"value\"} objects.");
}

static bool disk_has_tag(const cJSON *disk, const char *key, const char *value)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(disk, "tags"), *it;

	cJSON_ArrayForEach(it, tags) {
		const char *k = rec_str(it, "key"), *v = rec_str(it, "value");
		if (k && strcmp(k, key) == 0 && (!value || (v && strcmp(v, value) == 0)))
			return true;
	}
	return false;
}

static bool tags_match(const cJSON *disk, const cJSON *tag_keys, const cJSON *tags)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, tag_keys) {
		if (!disk_has_tag(disk, it->valuestring, NULL))
			return false;
	}
	cJSON_ArrayForEach(it, tags) {
		if (!disk_has_tag(disk, rec_str(it, "key"), rec_str(it, "value")))
			return false;
	}
	return true;
}

static int describe_disks(struct store *s, const cJSON *body, struct emu_result *res)
{
	struct str_filter f[] = {
		{ "diskStatus", NULL }, { "diskType", NULL }, { "diskCategory", NULL },
		{ "instanceId", NULL }, { "zoneId", NULL }, { "regionId", NULL },
		{ "resourceGroupId", NULL },
	};
	const size_t nf = sizeof(f) / sizeof(f[0]);
	const cJSON *ids, *tag_keys, *tags;
	const char *name;
	bool has_ability, ability;
	long long num, size;
	cJSON **matches = NULL;
	size_t n = 0;
	int cnt, st;

	if ((st = param_page(body, MAX_DISK_PAGE, &num, &size, res)) ||
	    (st = param_ids(body, "diskIds", 0, 0, &ids, &cnt, res)) ||
	    (st = param_ids(body, "tagKeys", 0, 0, &tag_keys, &cnt, res)) ||
	    (st = read_tags(body, &tags, res)) ||
	    (st = param_str(body, "diskName", false, &name, res)) ||
	    (st = param_bool(body, "snapshotAbility", &has_ability, &ability, res)) ||
	    (st = read_str_filters(body, f, nf, res)))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	matches = malloc((s->ndisks ? s->ndisks : 1) * sizeof(*matches));
	if (!matches) {
		pthread_mutex_unlock(&s->lock);
		return emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
	}
	for (size_t i = 0; i < s->ndisks; i++) {
		const cJSON *d = s->disks[i].rec;

		if (ids && !in_ids(ids, rec_str(d, "diskId")))
			continue;
		if (name && !fuzzy_match(rec_str(d, "diskName"), name))
			continue;
		if (has_ability && rec_bool(d, "snapshotAbility", false) != ability)
			continue;
		if (!str_filters_match(d, f, nf) || !tags_match(d, tag_keys, tags))
			continue;
		matches[n++] = s->disks[i].rec;
	}
	st = page_out(matches, n, num, size, res);
	pthread_mutex_unlock(&s->lock);
	free(matches);
	return st;
}

/* ---- DescribeSnapshots ---------------------------------------------- */

static int describe_snapshots(struct store *s, const cJSON *body, struct emu_result *res)
{
	struct str_filter f[] = {
		{ "zoneId", NULL }, { "status", NULL }, { "snapshotType", NULL },
	};
	const size_t nf = sizeof(f) / sizeof(f[0]);
	const cJSON *snap_ids, *disk_ids;
	const char *name, *disk_type, *rg;
	long long num, size;
	cJSON **matches = NULL;
	size_t *order = NULL, n = 0;
	int cnt, st;

	if ((st = param_page(body, s->cfg->max_snapshot_page_size, &num, &size, res)) ||
	    (st = param_ids(body, "snapshotIds", 0, 0, &snap_ids, &cnt, res)) ||
	    (st = param_ids(body, "diskIds", 0, 0, &disk_ids, &cnt, res)) ||
	    (st = param_str(body, "snapshotName", false, &name, res)) ||
	    (st = param_str(body, "diskType", false, &disk_type, res)) ||
	    (st = param_str(body, "resourceGroupId", false, &rg, res)) ||
	    (st = read_str_filters(body, f, nf, res)))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	matches = malloc((s->nsnaps ? s->nsnaps : 1) * sizeof(*matches));
	if (!matches || store_sorted_snaps_locked(s, &order)) {
		pthread_mutex_unlock(&s->lock);
		free(matches);
		return emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
	}
	for (size_t k = 0; k < s->nsnaps; k++) {
		const cJSON *sn = s->snaps[order[k]].rec;

		if (snap_ids && !in_ids(snap_ids, rec_str(sn, "snapshotId")))
			continue;
		if (disk_ids && !in_ids(disk_ids, rec_str(sn, "diskId")))
			continue;
		if (name && !fuzzy_match(rec_str(sn, "snapshotName"), name))
			continue;
		if (!str_filters_match(sn, f, nf))
			continue;
		if (rg) {
			const cJSON *g = cJSON_GetObjectItemCaseSensitive(sn, "resourceGroup");
			const char *id = rec_str(g, "resourceGroupId");
			if (!id || strcmp(id, rg) != 0)
				continue;
		}
		if (disk_type) {
			long d = store_find_disk_locked(s, rec_str(sn, "diskId"));
			const char *t = d >= 0 ? rec_str(s->disks[d].rec, "diskType") : NULL;
			if (!t || strcmp(t, disk_type) != 0)
				continue;
		}
		matches[n++] = s->snaps[order[k]].rec;
	}
	st = page_out(matches, n, num, size, res);
	pthread_mutex_unlock(&s->lock);
	free(order);
	free(matches);
	return st;
}

/* ---- CreateSnapshot ------------------------------------------------- */

static int create_snapshot(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *disk_id, *name, *retention;
	time_t until = 0;
	long long active = 0;
	size_t idx;
	long d;
	int st;

	if ((st = param_str(body, "diskId", true, &disk_id, res)) ||
	    (st = param_str(body, "snapshotName", true, &name, res)) ||
	    (st = check_name(name, res)) ||
	    (st = param_str(body, "retentionTime", false, &retention, res)) ||
	    (retention && (st = check_retention_format(retention, &until, res))))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	d = store_find_disk_locked(s, disk_id);
	if (d < 0) {
		st = emu_fail(res, 404, "INVALID_DISK_NOT_FOUND",
		              "The disk %s does not exist.", disk_id);
		goto out;
	}
	if (retention && (st = check_retention_rule(s, until, res)))
		goto out;
	{
		const cJSON *disk = s->disks[d].rec;
		const char *type = rec_str(disk, "diskType");
		const char *status = rec_str(disk, "diskStatus");

		if (type && strcmp(type, "SYSTEM") == 0) {
			st = emu_fail(res, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE",
			              "Snapshots of the system disk %s are not allowed.", disk_id);
			goto out;
		}
		if (!status || (strcmp(status, "IN_USE") && strcmp(status, "AVAILABLE")) ||
		    !rec_bool(disk, "snapshotAbility", false)) {
			st = emu_fail(res, 400, "UNSUPPORTED_OPERATION_DISK_STATUS",
			              "The disk %s (status %s) cannot take a snapshot now.",
			              disk_id, status ? status : "unknown");
			goto out;
		}
	}
	for (size_t i = 0; i < s->nsnaps; i++) {
		const char *sd = rec_str(s->snaps[i].rec, "diskId");
		const char *ss = rec_str(s->snaps[i].rec, "status");
		if (sd && strcmp(sd, disk_id) == 0 && (!ss || strcmp(ss, "DELETING") != 0))
			active++;
	}
	if (active >= s->cfg->snapshot_quota) {
		st = emu_fail(res, 400, "INVALID_SNAPSHOT_QUOTA_EXCEED",
		              "The disk %s already has %lld snapshots (quota %lld).",
		              disk_id, active, s->cfg->snapshot_quota);
		goto out;
	}
	if (store_create_snap_locked(s, (size_t)d, name, retention, &idx) ||
	    !(res->response = cJSON_CreateObject()) ||
	    zj_add_string(res->response, "snapshotId",
	                  rec_str(s->snaps[idx].rec, "snapshotId"))) {
		st = emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
		goto out;
	}
	st = res->status = 200;
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- ModifySnapshotsAttribute --------------------------------------- */

static int modify_snapshots(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *ids, *it;
	const char *name, *retention;
	bool has_perm, perm = false;
	time_t until = 0;
	int cnt, st;

	if ((st = param_ids(body, "snapshotIds", 1, MAX_IDS, &ids, &cnt, res)) ||
	    (st = param_str(body, "snapshotName", false, &name, res)) ||
	    (name && (st = check_name(name, res))) ||
	    (st = param_str(body, "retentionTime", false, &retention, res)) ||
	    (retention && (st = check_retention_format(retention, &until, res))) ||
	    (st = param_bool(body, "isPermanent", &has_perm, &perm, res)))
		return st;
	if (perm && retention)
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "isPermanent true and retentionTime exclude each other.");
	if (!name && !retention && !has_perm)
		return emu_fail(res, 400, "MISSING_PARAMETER",
		                "One of snapshotName, retentionTime or isPermanent is required.");

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	cJSON_ArrayForEach(it, ids) {
		if (store_find_snap_locked(s, it->valuestring) < 0) {
			st = emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
			              "The snapshot %s does not exist.", it->valuestring);
			goto out;
		}
	}
	if (retention && (st = check_retention_rule(s, until, res)))
		goto out;
	cJSON_ArrayForEach(it, ids) {
		cJSON *rec = s->snaps[store_find_snap_locked(s, it->valuestring)].rec;

		if ((name && rec_set_str(rec, "snapshotName", name)) ||
		    (retention && rec_set_str(rec, "retentionTime", retention))) {
			st = emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
			goto out;
		}
		if (perm)
			cJSON_DeleteItemFromObjectCaseSensitive(rec, "retentionTime");
	}
	store_touch_locked(s);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- DeleteSnapshots ------------------------------------------------ */

static int delete_snapshots(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *ids, *it;
	cJSON *refused = NULL;
	int cnt, st, deleted = 0;
	long long due;

	if ((st = param_ids(body, "snapshotIds", 1, MAX_IDS, &ids, &cnt, res)))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	cJSON_ArrayForEach(it, ids) {
		if (store_find_snap_locked(s, it->valuestring) < 0) {
			st = emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
			              "The snapshot %s does not exist.", it->valuestring);
			goto out;
		}
	}
	refused = cJSON_CreateArray();
	if (!refused) {
		st = emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
		goto out;
	}
	due = store_now_ms_locked(s) + s->cfg->delete_delay_ms;
	cJSON_ArrayForEach(it, ids) {
		struct emu_snap *sn = &s->snaps[store_find_snap_locked(s, it->valuestring)];
		const char *status = rec_str(sn->rec, "status");

		if (status && (strcmp(status, "AVAILABLE") == 0 || strcmp(status, "FAILED") == 0)) {
			rec_set_str(sn->rec, "status", "DELETING");
			sn->due_ms = due;
			deleted++;
		} else if (!in_ids(refused, it->valuestring)) {
			cJSON_AddItemToArray(refused, cJSON_CreateString(it->valuestring));
		}
	}
	if (!deleted) {
		st = emu_fail(res, 400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS",
		              "None of the snapshots can be deleted in their current status.");
		goto out;
	}
	store_touch_locked(s);
	if (ok_empty(res) != 200) {
		st = res->status;
		goto out;
	}
	cJSON_AddItemToObject(res->response, "snapshotIds", refused);
	refused = NULL;
	st = 200;
	if (s->cfg->delete_delay_ms <= 0)
		store_tick_locked(s);
out:
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(refused);
	return st;
}

/* ---- ApplySnapshot -------------------------------------------------- */

static int apply_snapshot(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *snap_id, *disk_id, *dstat, *sstat, *owner;
	struct emu_disk *disk;
	struct emu_snap *snap;
	long d, i;
	long long due;
	int st;

	if ((st = param_str(body, "snapshotId", true, &snap_id, res)) ||
	    (st = param_str(body, "diskId", true, &disk_id, res)))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	d = store_find_disk_locked(s, disk_id);
	if (d < 0) {
		st = emu_fail(res, 404, "INVALID_DISK_NOT_FOUND",
		              "The disk %s does not exist.", disk_id);
		goto out;
	}
	i = store_find_snap_locked(s, snap_id);
	if (i < 0) {
		st = emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
		              "The snapshot %s does not exist.", snap_id);
		goto out;
	}
	disk = &s->disks[d];
	snap = &s->snaps[i];
	owner = rec_str(snap->rec, "diskId");
	if (!owner || strcmp(owner, disk_id) != 0) {
		st = emu_fail(res, 400, "OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED",
		              "The snapshot %s was not taken of disk %s.", snap_id, disk_id);
		goto out;
	}
	dstat = rec_str(disk->rec, "diskStatus");
	if (!dstat || (strcmp(dstat, "IN_USE") && strcmp(dstat, "AVAILABLE"))) {
		st = emu_fail(res, 400, "OPERATION_DENIED_DISK_STATUS",
		              "The disk %s (status %s) cannot be rolled back now.",
		              disk_id, dstat ? dstat : "unknown");
		goto out;
	}
	sstat = rec_str(snap->rec, "status");
	if (!sstat || strcmp(sstat, "AVAILABLE") != 0) {
		st = emu_fail(res, 400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS",
		              "The snapshot %s (status %s) cannot be applied now.",
		              snap_id, sstat ? sstat : "unknown");
		goto out;
	}
	free(disk->prev_status);
	free(snap->prev_status);
	disk->prev_status = strdup(dstat);
	snap->prev_status = strdup(sstat);
	due = store_now_ms_locked(s) + s->cfg->rollback_delay_ms;
	disk->due_ms = snap->due_ms = due;
	rec_set_str(disk->rec, "diskStatus", "ROLLING_BACK");
	rec_set_str(snap->rec, "status", "ROLLING_BACK");
	store_touch_locked(s);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- ModifyDisksAttributes ------------------------------------------ */

static int modify_disks(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *ids, *it;
	const char *name;
	int cnt, st;

	if ((st = param_ids(body, "diskIds", 1, MAX_IDS, &ids, &cnt, res)) ||
	    (st = param_str(body, "diskName", true, &name, res)))
		return st;
	if (strlen(name) > MAX_DISK_NAME)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter diskName must be at most %d characters.",
		                MAX_DISK_NAME);

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	cJSON_ArrayForEach(it, ids) {
		if (store_find_disk_locked(s, it->valuestring) < 0) {
			st = emu_fail(res, 404, "INVALID_DISK_NOT_FOUND",
			              "The disk %s does not exist.", it->valuestring);
			goto out;
		}
	}
	cJSON_ArrayForEach(it, ids) {
		cJSON *rec = s->disks[store_find_disk_locked(s, it->valuestring)].rec;
		if (rec_set_str(rec, "diskName", name)) {
			st = emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
			goto out;
		}
	}
	store_touch_locked(s);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

static const struct {
	const char *name;
	action_fn fn;
} action_table[] = {
	{ "DescribeDisks", describe_disks },
	{ "DescribeSnapshots", describe_snapshots },
	{ "CreateSnapshot", create_snapshot },
	{ "ModifySnapshotsAttribute", modify_snapshots },
	{ "DeleteSnapshots", delete_snapshots },
	{ "ApplySnapshot", apply_snapshot },
	{ "ModifyDisksAttributes", modify_disks },
};

action_fn actions_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(action_table) / sizeof(action_table[0]); i++)
		if (strcmp(action_table[i].name, name) == 0)
			return action_table[i].fn;
	return NULL;
}

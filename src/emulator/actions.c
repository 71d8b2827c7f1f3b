/*
 * actions.c - the disk and snapshot actions that change or list records
 * one by one: DescribeDisks, CreateSnapshot, ModifySnapshotsAttribute,
 * DeleteSnapshots, ApplySnapshot and ModifyDisksAttributes, with the API's
 * parameter validation codes; and the lookup of every action's handler.
 * DescribeSnapshots is describe_snapshots.c's, CreateDisks create_disks.c's.
 */
#include "actions.h"
#include "create_disks.h"
#include "describe_snapshots.h"
#include "params.h"
#include "lifecycle.h"
#include "policies.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_json.h"
#include "zec_name.h"
#include "zec_time.h"

#define MAX_DISK_PAGE 1000
#define MAX_IDS 100
#define MAX_TAGS 20             /* tags and tagKeys: "最长不得超过20个" (SDK models.go) */
#define RETENTION_MIN_S (24 * 3600)
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- parameter validation ------------------------------------------- */

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

/* ---- DescribeDisks -------------------------------------------------- */

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
	size_t n = 0, first;
	int cnt, st;

	if ((st = param_page(body, MAX_DISK_PAGE, &num, &size, res)) ||
	    (st = param_ids(body, "diskIds", 0, 0, &ids, &cnt, res)) ||
	    (st = param_ids(body, "tagKeys", 0, MAX_TAGS, &tag_keys, &cnt, res)) ||
	    (st = read_tags(body, &tags, res)) ||
	    (st = param_str(body, "diskName", false, &name, res)) ||
	    (st = param_bool(body, "snapshotAbility", &has_ability, &ability, res)) ||
	    (st = read_str_filters(body, f, nf, res)))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	matches = malloc((s->c.ndisks ? s->c.ndisks : 1) * sizeof(*matches));
	if (!matches) {
		pthread_mutex_unlock(&s->lock);
		return emu_no_memory(res);
	}
	for (size_t i = 0; i < s->c.ndisks; i++) {
		const cJSON *d = s->c.disks[i].rec;

		if (ids && !in_ids(ids, rec_str(d, "diskId")))
			continue;
		if (name && !fuzzy_match(rec_str(d, "diskName"), name, false))
			continue;
		if (has_ability && rec_bool(d, "snapshotAbility", false) != ability)
			continue;
		if (!str_filters_match(d, f, nf) || !rec_tags_match(d, tag_keys, tags))
			continue;
		matches[n++] = s->c.disks[i].rec;
	}
	first = page_first(num, size);
	st = first < n ? page_out(s, matches + first, MIN(n - first, (size_t)size), n, res)
	               : page_out(s, NULL, 0, n, res);
	pthread_mutex_unlock(&s->lock);
	free(matches);
	return st;
}

/* ---- CreateSnapshot ------------------------------------------------- */

/*
 * --disk-snapshot-creating: disk d is SNAPSHOT_CREATING (zenlayercloud-cli
 * apis/en-US/zec/describe-disks.yaml; zenlayer-cloud-csi-driver
 * pkg/cloud/types.go) until sn is made, then returns to its status.
 */
static int disk_snapshot_creating(struct store *s, size_t d, const struct emu_snap *sn)
{
	struct emu_disk *disk = &s->c.disks[d];
	char *prev = strdup(rec_str(disk->rec, "diskStatus"));

	if (!prev || rec_set_str(disk->rec, "diskStatus", "SNAPSHOT_CREATING")) {
		free(prev);
		return -ENOMEM;
	}
	free(disk->prev_status);
	disk->prev_status = prev;
	store_disk_due_locked(s, d, sn->due_ms ? sn->due_ms : store_now_ms_locked(s));
	store_touch_locked(s);
	return 0;
}

static int create_snapshot(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *disk_id, *name, *retention;
	time_t until = 0;
	long long active = 0;
	struct snap_group *g;
	struct emu_snap *sn;
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
		const cJSON *disk = s->c.disks[d].rec;
		const char *type = rec_str(disk, "diskType");
		const char *status = rec_str(disk, "diskStatus");

		if (type && strcmp(type, "SYSTEM") == 0) {
			st = emu_fail(res, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE",
			              "Snapshots of the system disk %s are not allowed.", disk_id);
			goto out;
		}
		/* terraform-provider-zenlayercloud services/zec/service_zenlayer_zec.go */
		if (status && (strcmp(status, "RECYCLED") == 0 || strcmp(status, "RECYCLING") == 0)) {
			st = emu_fail(res, 400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE",
			              "The disk %s is being recycled.", disk_id);
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
	g = store_find_group_locked(s, disk_id);
	if (g)
		active = (long long)(store_snap_count_locked(s, g) - g->ndeleting);
	if (active >= s->cfg->snapshot_quota) {
		st = emu_fail(res, 400, "INVALID_SNAPSHOT_QUOTA_EXCEED",
		              "The disk %s already has %lld snapshots (quota %lld).",
		              disk_id, active, s->cfg->snapshot_quota);
		goto out;
	}
	if (store_create_snap_locked(s, (size_t)d, name, retention, &sn) ||
	    /* the disk's bytes now (images.c copies them before the answer) */
	    store_img_queue_locked(s, IMG_CAPTURE, disk_id, sn->id,
	                           disk_gib(s->c.disks[d].rec)) ||
	    !(res->response = cJSON_CreateObject()) ||
	    zj_add_string(res->response, "snapshotId", sn->id) ||
	    (s->cfg->disk_snapshot_creating && disk_snapshot_creating(s, (size_t)d, sn))) {
		st = emu_no_memory(res);
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
		if (!store_find_snap_locked(s, it->valuestring)) {
			st = emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
			              "The snapshot %s does not exist.", it->valuestring);
			goto out;
		}
	}
	if (retention && (st = check_retention_rule(s, until, res)))
		goto out;
	store_touch_locked(s);          /* even if a change below fails */
	cJSON_ArrayForEach(it, ids) {
		struct emu_snap *sn = store_find_snap_locked(s, it->valuestring);

		if ((name && rec_set_str(sn->rec, "snapshotName", name)) ||
		    (retention && store_snap_set_retention_locked(s, sn, retention))) {
			st = emu_no_memory(res);
			goto out;
		}
		if (perm)
			store_snap_set_retention_locked(s, sn, NULL);
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
		if (!store_find_snap_locked(s, it->valuestring)) {
			st = emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
			              "The snapshot %s does not exist.", it->valuestring);
			goto out;
		}
	}
	refused = cJSON_CreateArray();
	if (!refused) {
		st = emu_no_memory(res);
		goto out;
	}
	due = store_now_ms_locked(s) + s->cfg->delete_delay_ms;
	cJSON_ArrayForEach(it, ids) {
		struct emu_snap *sn = store_find_snap_locked(s, it->valuestring);
		const char *status = sn->status;

		if (strcmp(status, "AVAILABLE") == 0 || strcmp(status, "FAILED") == 0) {
			store_snap_set_status_locked(s, sn, "DELETING", due);
			deleted++;
		} else if (!in_ids(refused, it->valuestring)) {
			cJSON_AddItemToArray(refused, cJSON_CreateString(it->valuestring));
		}
	}
	/* the ids that cannot be deleted come back in snapshotIds of a
	 * successful answer, all of them when none can (zenlayercloud-sdk-go
	 * zec20250901/models.go DeleteSnapshotsResponseParams; the CSI driver's
	 * pkg/cloud/cloud_manager.go checks len(SnapshotIds) != 0) */
	if (deleted)
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
	long d;
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
	snap = store_find_snap_locked(s, snap_id);
	if (!snap) {
		st = emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
		              "The snapshot %s does not exist.", snap_id);
		goto out;
	}
	disk = &s->c.disks[d];
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
	store_disk_due_locked(s, (size_t)d, due);
	rec_set_str(disk->rec, "diskStatus", "ROLLING_BACK");
	store_snap_set_status_locked(s, snap, "ROLLING_BACK", due);
	/* the snapshot's bytes go back into the disk (images.c) */
	store_img_queue_locked(s, IMG_RESTORE, disk_id, snap_id, disk_gib(disk->rec));
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
	switch (zec_disk_name_check(name)) {
	case ZEC_NAME_OK:
		break;
	case ZEC_NAME_TOO_LONG:
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter diskName must be at most %d characters.",
		                ZEC_DISK_NAME_MAX);
	default:
		return emu_fail(res, 400, "INVALID_PARAMETER_PATTERN_ERROR",
		                "The parameter diskName may hold letters, digits, '-', '_' and '.', "
		                "and must start and end with a letter or digit.");
	}

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
		cJSON *rec = s->c.disks[store_find_disk_locked(s, it->valuestring)].rec;
		if (rec_set_str(rec, "diskName", name)) {
			st = emu_no_memory(res);
			goto out;
		}
	}
	store_touch_locked(s);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

static const struct action_entry action_table[] = {
	{ "DescribeDisks", describe_disks },
	{ "DescribeSnapshots", describe_snapshots },
	{ "CreateSnapshot", create_snapshot },
	{ "ModifySnapshotsAttribute", modify_snapshots },
	{ "DeleteSnapshots", delete_snapshots },
	{ "ApplySnapshot", apply_snapshot },
	{ "ModifyDisksAttributes", modify_disks },
	{ "CreateDisks", create_disks },
};

action_fn action_find(const struct action_entry *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].fn;
	return NULL;
}

action_fn actions_lookup(const char *name)
{
	action_fn fn;

	if (!name)
		return NULL;
	fn = action_find(action_table, sizeof(action_table) / sizeof(action_table[0]), name);
	if (!fn)
		fn = policy_actions_lookup(name);       /* policies.c */
	return fn ? fn : lifecycle_actions_lookup(name);        /* lifecycle.c */
}

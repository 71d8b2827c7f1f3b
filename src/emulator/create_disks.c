/*
 * create_disks.c - CreateDisks: new disks, empty or from a snapshot, each
 * CREATING and then AVAILABLE, or IN_USE on the instance it was made for.
 */
#include "create_disks.h"
#include "lifecycle.h"
#include "params.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

#define DISK_NAME_MIN      1
#define DISK_NAME_MAX      64
#define MAX_DISK_AMOUNT    50      /* "最大值50" (CLI apis/zh-CN/vm/create-disks.yaml) */
#define MIN_DISK_SIZE      20      /* TF resource_zc_zec_disk.go: IntAtLeast(20) */
#define MAX_DISK_SIZE      32768

struct new_disks {
	const char *zone, *name, *category, *rg, *snap_id, *instance;
	const cJSON *instances;         /* instanceIds: one per disk */
	cJSON *tags;                    /* {"tags":[...]}, owned */
	bool bursting;
	long long size, amount;
};

static int create_disks_params(const cJSON *body, struct new_disks *nd,
                               struct emu_result *res)
{
	bool has, has_burst;
	int st, n;

	if ((st = param_str(body, "zoneId", true, &nd->zone, res)) ||
	    (st = param_str(body, "diskName", true, &nd->name, res)) ||
	    (st = param_name("diskName", nd->name, DISK_NAME_MIN, DISK_NAME_MAX, "-_.", res)) ||
	    (st = param_int(body, "diskSize", true, &has, &nd->size, res)) ||
	    (st = param_int(body, "diskAmount", false, &has, &nd->amount, res)) ||
	    (st = param_str(body, "diskCategory", false, &nd->category, res)) ||
	    (st = param_str(body, "resourceGroupId", false, &nd->rg, res)) ||
	    (st = param_str(body, "snapshotId", false, &nd->snap_id, res)) ||
	    (st = param_str(body, "instanceId", false, &nd->instance, res)) ||
	    (st = param_ids(body, "instanceIds", 0, MAX_DISK_AMOUNT, &nd->instances, &n, res)) ||
	    (st = param_bool(body, "burstingEnabled", &has_burst, &nd->bursting, res)))
		return st;
	if (!has)
		nd->amount = 1;
	if (nd->size < MIN_DISK_SIZE)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter diskSize must be at least %d.", MIN_DISK_SIZE);
	if (nd->size > MAX_DISK_SIZE)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_MAXIMUM",
		                "The parameter diskSize must be at most %d.", MAX_DISK_SIZE);
	if (nd->amount < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter diskAmount must be at least 1.");
	if (nd->amount > MAX_DISK_AMOUNT)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_MAXIMUM",
		                "The parameter diskAmount must be at most %d.", MAX_DISK_AMOUNT);
	if (nd->instance && nd->instances)
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "instanceId and instanceIds exclude each other.");
	/* "The number of IDs should be the same as diskAmount" (CLI, SDK) */
	if (nd->instances && n != nd->amount)
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "instanceIds has %d ids for diskAmount %lld.", n, nd->amount);
	if (nd->instance && nd->amount != 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "instanceId attaches one disk: diskAmount must be 1 (or use instanceIds).");
	return param_tag_association(body, 1, &nd->tags, res);
}

/* Every instance the new disks go to exists, runs (or is stopped) and is in
 * the zone. */
static int check_instances(struct store *s, const struct new_disks *nd,
                           struct emu_result *res)
{
	for (long long i = 0; i < nd->amount; i++) {
		const char *id = nd->instance ? nd->instance :
		                 nd->instances ? cJSON_GetArrayItem(nd->instances, (int)i)->valuestring
		                               : NULL;
		const cJSON *in;

		if (!id)
			return 0;
		in = lifecycle_instance_locked(s, id);
		if (!in)
			return emu_fail(res, 404, "INVALID_INSTANCE_NOT_FOUND",
			                "The instance %s does not exist.", id);
		if (!str_eq(rec_str(in, "zoneId"), nd->zone))
			return emu_fail(res, 400, "OPERATION_DENIED_DIFFERENT_ZONE",
			                "The instance %s is not in the zone %s.", id, nd->zone);
		if (!str_eq(rec_str(in, "status"), "RUNNING") && !str_eq(rec_str(in, "status"), "STOPPED"))
			return emu_fail(res, 400, "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
			                "The instance %s (status %s) cannot take disks now.", id,
			                rec_str(in, "status"));
	}
	return 0;
}

/* The snapshot's checks; fills nd's defaults from the source disk. */
static int check_source(struct store *s, struct new_disks *nd, struct emu_result *res)
{
	struct emu_snap *sn = store_find_snap_locked(s, nd->snap_id);
	const cJSON *src;
	long d;

	if (!sn)
		return emu_fail(res, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND",
		                "The snapshot %s does not exist.", nd->snap_id);
	if (strcmp(sn->status, "AVAILABLE") != 0)
		return emu_fail(res, 400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS",
		                "The snapshot %s (status %s) cannot be used now.",
		                nd->snap_id, sn->status);
	if (!str_eq(rec_str(sn->rec, "zoneId"), nd->zone))
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "The snapshot %s is not in the zone %s.", nd->snap_id, nd->zone);
	d = store_find_disk_locked(s, rec_str(sn->rec, "diskId"));
	if (d < 0)
		return 0;
	src = s->c.disks[d].rec;
	{
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(src, "diskSize");

		if (cJSON_IsNumber(size) && (double)nd->size < size->valuedouble)
			return emu_fail(res, 400, "INVALID_DISK_SNAPSHOT_SIZE_MISMATCH",
			                "The disk size %lld is below the size of the snapshot's "
			                "disk (%g).", nd->size, size->valuedouble);
	}
	if (!nd->category)
		nd->category = rec_str(src, "diskCategory");
	return 0;
}

/* New disk number i of the call: CREATING, then AVAILABLE (or IN_USE on
 * its instance) after --create-delay-ms. */
static int add_new_disk(struct store *s, const struct new_disks *nd, long long i,
                        const char *region, cJSON *ids)
{
	long long due = store_now_ms_locked(s) + s->cfg->create_delay_ms;
	const char *rg = nd->rg ? nd->rg : "default";
	const char *iid = nd->instance ? nd->instance :
	                  nd->instances ? cJSON_GetArrayItem(nd->instances, (int)i)->valuestring
	                                : NULL;
	const cJSON *in = iid ? lifecycle_instance_locked(s, iid) : NULL;
	cJSON *rec = cJSON_CreateObject(), *tags = cJSON_Duplicate(nd->tags, 1);
	char id[32];
	size_t d;

	do
		snprintf(id, sizeof(id), "%llu", store_new_id_locked(s));
	while (store_find_disk_locked(s, id) >= 0);
	if (!rec || !tags || zj_add_string(rec, "diskId", id) ||
	    zj_add_string(rec, "diskName", nd->name) ||
	    zj_add_string(rec, "regionId", region) || zj_add_string(rec, "zoneId", nd->zone) ||
	    zj_add_string(rec, "diskType", "DATA") || !cJSON_AddBoolToObject(rec, "portable", 1) ||
	    zj_add_string(rec, "diskCategory", nd->category) ||
	    !cJSON_AddNumberToObject(rec, "diskSize", (double)nd->size) ||
	    zj_add_string(rec, "diskStatus", "CREATING") ||
	    (in && (zj_add_string(rec, "instanceId", iid) ||
	            zj_add_string(rec, "instanceName", rec_str(in, "instanceName")))) ||
	    zj_add_string(rec, "resourceGroupId", rg) ||
	    zj_add_string(rec, "resourceGroupName", store_rg_name_locked(s, rg)) ||
	    !cJSON_AddBoolToObject(rec, "snapshotAbility", 1) ||
	    !cJSON_AddBoolToObject(rec, "burstingEnabled", nd->bursting))
		goto nomem;
	cJSON_AddItemToObject(rec, "tags", tags);
	tags = NULL;
	if (store_add_disk_locked(s, rec, due > 0 ? due : 1, in ? "IN_USE" : "AVAILABLE", &d))
		goto nomem;
	if (nd->snap_id)
		store_img_queue_locked(s, IMG_RESTORE, id, nd->snap_id, nd->size);
	if (iid && s->cfg->host_instance && strcmp(iid, s->cfg->host_instance) == 0)
		store_img_queue_locked(s, IMG_ATTACH, id, NULL, 0);
	zlog_info("disk created diskId=%s snapshotId=%s instanceId=%s", id,
	          ZLOG_ESC(nd->snap_id), ZLOG_ESC(iid));
	cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	return 0;
nomem:
	cJSON_Delete(tags);
	cJSON_Delete(rec);
	return -ENOMEM;
}

int create_disks(struct store *s, const cJSON *body, struct emu_result *res)
{
	struct new_disks nd = { 0 };
	const cJSON *zone;
	char order[32];
	cJSON *ids;
	int st;

	if ((st = create_disks_params(body, &nd, res)))
		goto done;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	/* the zones DescribeDiskCategory lists (lifecycle.c) */
	zone = lifecycle_zone_locked(s, nd.zone);
	if (!zone) {
		st = emu_fail(res, 404, "INVALID_ZONE_NOT_FOUND",
		              "The zone %s does not exist or sells no disks.", nd.zone);
		goto out;
	}
	if ((nd.snap_id && (st = check_source(s, &nd, res))) ||
	    (st = check_instances(s, &nd, res)))
		goto out;
	if (!nd.category)
		nd.category = "Standard NVMe SSD";      /* "默认为Standard NVMe SSD" (SDK) */
	if (!lifecycle_zone_has_category(zone, nd.category)) {
		st = emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		              "The zone %s has no disk category \"%s\" (DescribeDiskCategory).",
		              nd.zone, nd.category);
		goto out;
	}
	res->response = cJSON_CreateObject();
	ids = res->response ? cJSON_AddArrayToObject(res->response, "diskIds") : NULL;
	if (!ids)
		goto nomem;
	for (long long i = 0; i < nd.amount; i++)
		if (add_new_disk(s, &nd, i, rec_str(zone, "regionId"), ids))
			goto nomem;
	snprintf(order, sizeof(order), "%llu", store_new_id_locked(s));
	if (zj_add_string(res->response, "orderNumber", order))
		goto nomem;
	st = res->status = 200;
out:
	pthread_mutex_unlock(&s->lock);
done:
	cJSON_Delete(nd.tags);
	return st;
nomem:
	cJSON_Delete(res->response);
	res->response = NULL;
	st = emu_no_memory(res);
	goto out;
}

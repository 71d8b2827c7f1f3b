/*
 * versions.c - what differs at X-ZC-Version 2024-04-01: every action the
 * emulator implements exists in Zenlayer's 2024-04-01 SDK
 * (zenlayercloud-sdk-go zenlayercloud/zec20240401/), and answers there in
 * that version's shapes.  The actions run as at 2025-09-01; the request
 * loses the members 2024-04-01 does not have (ignored, as a field the
 * version does not know), and the answer is cut to that version's records
 * (models.go against zec20250901/models.go).
 */
#include "versions.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "zec_json.h"

/* Request members 2024-04-01 does not have, per action. */
static const struct {
	const char *action;
	const char *const drop[4];
} requests[] = {
	{ "DescribeDisks", { "regionId", "tagKeys", "tags", NULL } },
	{ "CreateAutoSnapshotPolicy", { "tags", NULL } },
	{ "DescribeAutoSnapshotPolicies", { "tagKeys", "tags", NULL } },
	{ "CreateDisks", { "instanceIds", "tags", "burstingEnabled", NULL } },
	{ "DescribeInstances", { "tagKeys", "tags", NULL } },
	/* 2024-04-01 only: every region sells both charge types here */
	{ "DescribeDiskRegions", { "chargeType", NULL } },
};

void version_old_request(const char *action, cJSON *params)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (strcmp(requests[i].action, action) != 0)
			continue;
		for (size_t k = 0; requests[i].drop[k]; k++)
			cJSON_DeleteItemFromObjectCaseSensitive(params, requests[i].drop[k]);
	}
}

static void drop_each(cJSON *set, const char *const *keys)
{
	cJSON *it;

	cJSON_ArrayForEach(it, set) {
		for (size_t k = 0; keys[k]; k++)
			cJSON_DeleteItemFromObjectCaseSensitive(it, keys[k]);
	}
}

/* DiskInfo at 2024-04-01: chargeType, and no regionId, tags, burstingEnabled. */
static int old_disks(cJSON *set)
{
	static const char *const gone[] = { "regionId", "tags", "burstingEnabled", NULL };
	cJSON *it;

	drop_each(set, gone);
	cJSON_ArrayForEach(it, set) {
		/* period is set only for PREPAID disks (CLI describe-disks.yaml) */
		bool prepaid = cJSON_GetObjectItemCaseSensitive(it, "period") != NULL;

		if (zj_add_string(it, "chargeType", prepaid ? "PREPAID" : "POSTPAID"))
			return -1;
	}
	return 0;
}

/* InstanceInfo, SystemDisk and DataDisk at 2024-04-01. */
static void old_instances(cJSON *set)
{
	static const char *const gone[] = {
		"tags", "loadBalancerIds", "placementGroupId", "instanceOptions",
		"securityGroupId", NULL,
	};
	static const char *const disk_gone[] = { "burstingEnabled", NULL };
	cJSON *it;

	drop_each(set, gone);
	cJSON_ArrayForEach(it, set) {
		cJSON *sys = cJSON_GetObjectItemCaseSensitive(it, "systemDisk");

		drop_each(cJSON_GetObjectItemCaseSensitive(it, "dataDisks"), disk_gone);
		if (sys)
			cJSON_DeleteItemFromObjectCaseSensitive(sys, "burstingEnabled");
	}
}

int version_old_response(const char *action, struct emu_result *res)
{
	cJSON *r = res->response;
	cJSON *set = cJSON_GetObjectItemCaseSensitive(r, "dataSet");

	if (res->status != 200 || !r)
		return 0;
	if (strcmp(action, "DescribeDisks") == 0) {
		if (old_disks(set)) {
			cJSON_Delete(res->response);
			res->response = NULL;
			return emu_no_memory(res);
		}
	} else if (strcmp(action, "DescribeAutoSnapshotPolicies") == 0) {
		static const char *const gone[] = { "tags", NULL };

		drop_each(set, gone);
	} else if (strcmp(action, "DescribeInstances") == 0) {
		old_instances(set);
	} else if (strcmp(action, "DetachDisks") == 0) {
		/* 2024-04-01's answer has no failedDiskIds: a detach the running
		 * instance refused (nothing changed) is an error there */
		cJSON *failed = cJSON_GetObjectItemCaseSensitive(r, "failedDiskIds");

		if (cJSON_GetArraySize(failed) > 0) {
			cJSON_Delete(res->response);
			res->response = NULL;
			return emu_fail(res, 400, "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
			                "The instance is running: shut it down, or detach with "
			                "instanceCheckFlag false.");
		}
		cJSON_DeleteItemFromObjectCaseSensitive(r, "failedDiskIds");
	}
	return 0;
}

/*
 * lifecycle.c - instances, zones and the disk lifecycle after CreateDisks:
 * DescribeInstances, DescribeInstancesStatus, AttachDisks, DetachDisks,
 * ReleaseDisk, ResizeDisk, DescribeDiskRegions and DescribeDiskCategory,
 * with the official shapes (zenlayercloud-sdk-go zec20250901/models.go:
 * InstanceInfo, DataDisk, SystemDisk, DescribeDiskCategoryItem, ...).
 *
 * Transitions use the store's pending disk status (store_disk_due_locked):
 * ATTACHING -> IN_USE, DETACHING -> AVAILABLE, CHANGING -> former status,
 * RECYCLING -> RECYCLED, each after --disk-op-delay-ms.  The second
 * ReleaseDisk, of a RECYCLED disk, destroys it (the CSI driver's two-step
 * DeleteVolume).  Attach and detach of a disk of --host-instance queue the
 * hypervisor side (hv.c) with the image work.
 */
#include "lifecycle.h"
#include "params.h"
#include "policies.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

#define MAX_INSTANCE_PAGE 1000
#define MAX_ATTACH 10           /* "A maximum of 10 disks ... in one request" (CLI) */
#define MAX_DISK_SIZE 32768     /* "Maximum limit: 32,768 GB" (CLI resize-disk.yaml) */

static const char *const default_categories[] = { "Standard NVMe SSD", "Basic NVMe SSD" };

static const char *or_empty(const char *v)
{
	return v ? v : "";
}

/* ---- zones ---------------------------------------------------------------- */

const cJSON *lifecycle_zone_locked(const struct store *s, const char *zone)
{
	const cJSON *z;

	cJSON_ArrayForEach(z, s->c.zones) {
		if (str_eq(rec_str(z, "zoneId"), zone))
			return z;
	}
	return NULL;
}

bool lifecycle_zone_has_category(const cJSON *zone, const char *category)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(zone, "categorySet")) {
		if (cJSON_IsString(it) && str_eq(it->valuestring, category))
			return true;
	}
	return false;
}

/* Adds zone (region: given, else the zone without its last letter) if new,
 * and category to its set; 0 or -ENOMEM. */
static int note_zone(struct store *s, const char *zone, const char *region,
                     const char *category)
{
	cJSON *z = (cJSON *)(uintptr_t)lifecycle_zone_locked(s, zone), *set = NULL;
	char guess[128];

	if (!zone || !*zone)
		return 0;
	if (!s->c.zones && !(s->c.zones = cJSON_CreateArray()))
		return -ENOMEM;
	if (!z) {
		size_t n = strlen(zone);

		snprintf(guess, sizeof(guess), "%.*s", (int)(n > 1 ? n - 1 : n), zone);
		z = cJSON_CreateObject();
		if (!z || zj_add_string(z, "zoneId", zone) ||
		    zj_add_string(z, "regionId", region ? region : guess) ||
		    !(set = cJSON_AddArrayToObject(z, "categorySet"))) {
			cJSON_Delete(z);
			return -ENOMEM;
		}
		for (size_t i = 0; i < 2; i++)
			cJSON_AddItemToArray(set, cJSON_CreateString(default_categories[i]));
		cJSON_AddItemToArray(s->c.zones, z);
	}
	set = cJSON_GetObjectItemCaseSensitive(z, "categorySet");
	if (category && *category && !lifecycle_zone_has_category(z, category)) {
		cJSON *c = cJSON_CreateString(category);
		if (!c)
			return -ENOMEM;
		cJSON_AddItemToArray(set, c);
	}
	return 0;
}

/* ---- instances ------------------------------------------------------------ */

cJSON *lifecycle_instance_locked(const struct store *s, const char *instance_id)
{
	cJSON *i;

	cJSON_ArrayForEach(i, s->c.instances) {
		if (str_eq(rec_str(i, "instanceId"), instance_id))
			return i;
	}
	return NULL;
}

static int dflt(cJSON *rec, const char *key, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key)) {
		cJSON_Delete(v);
		return 0;
	}
	if (!v)
		return -ENOMEM;
	cJSON_AddItemToObject(rec, key, v);
	return 0;
}

/* Fills an instance record's defaults (InstanceInfo fields). */
static int instance_defaults(cJSON *in, const char *now)
{
	const char *id = rec_str(in, "instanceId");
	size_t n = strlen(id);
	char name[64];
	cJSON *tags;

	snprintf(name, sizeof(name), "instance-%s", id + (n > 6 ? n - 6 : 0));
	if (dflt(in, "instanceName", cJSON_CreateString(name)) ||
	    dflt(in, "zoneId", cJSON_CreateString("asia-east-1a")) ||
	    dflt(in, "instanceType", cJSON_CreateString("z2a.cpu.4")) ||
	    dflt(in, "cpu", cJSON_CreateNumber(4)) || dflt(in, "memory", cJSON_CreateNumber(8)) ||
	    dflt(in, "imageId", cJSON_CreateString("ubuntu-22.04")) ||
	    dflt(in, "imageName", cJSON_CreateString("Ubuntu 22.04")) ||
	    dflt(in, "status", cJSON_CreateString("RUNNING")) ||
	    dflt(in, "publicIpAddresses", cJSON_CreateArray()) ||
	    dflt(in, "privateIpAddresses", cJSON_CreateArray()) ||
	    dflt(in, "createTime", cJSON_CreateString(now)) ||
	    dflt(in, "resourceGroupId", cJSON_CreateString("default")) ||
	    dflt(in, "resourceGroupName", cJSON_CreateString("Default Resource Group")))
		return -ENOMEM;
	tags = cJSON_GetObjectItemCaseSensitive(in, "tags");
	if (!tags) {
		tags = cJSON_CreateObject();
		if (!tags || !cJSON_AddArrayToObject(tags, "tags")) {
			cJSON_Delete(tags);
			return -ENOMEM;
		}
		cJSON_AddItemToObject(in, "tags", tags);
	}
	return 0;
}

static int add_instance(struct store *s, const char *id, const char *name, const char *zone,
                        const char *now)
{
	cJSON *in = cJSON_CreateObject();

	if (!s->c.instances && !(s->c.instances = cJSON_CreateArray()))
		goto nomem;
	if (!in || zj_add_string(in, "instanceId", id) ||
	    (name && zj_add_string(in, "instanceName", name)) ||
	    (zone && zj_add_string(in, "zoneId", zone)) || instance_defaults(in, now))
		goto nomem;
	cJSON_AddItemToArray(s->c.instances, in);
	return 0;
nomem:
	cJSON_Delete(in);
	return -ENOMEM;
}

static int load_fail(char *err, size_t err_size, const char *fmt, size_t i, const char *what)
{
	snprintf(err, err_size, fmt, i, what);
	return -EINVAL;
}

int lifecycle_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size)
{
	const cJSON *zones = cJSON_GetObjectItemCaseSensitive(seed, "zones");
	const cJSON *insts = cJSON_GetObjectItemCaseSensitive(seed, "instances"), *it;
	const char *host = s->cfg->host_instance;
	char now[ZEC_TIME_LEN];
	size_t i = 0;

	zec_time_format(store_now_locked(s), now);
	if ((zones && !cJSON_IsArray(zones)) || (insts && !cJSON_IsArray(insts))) {
		snprintf(err, err_size, "seed: zones and instances must be arrays");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, zones) {
		const cJSON *set = cJSON_GetObjectItemCaseSensitive(it, "categorySet"), *c;
		const char *zone = rec_str(it, "zoneId");

		if (!cJSON_IsObject(it) || !zone || !*zone)
			return load_fail(err, err_size, "zones[%zu]%s", i, ".zoneId must be a non-empty string");
		if (lifecycle_zone_locked(s, zone))
			return load_fail(err, err_size, "zones[%zu]%s", i, ": duplicate zoneId");
		if (set && !cJSON_IsArray(set))
			return load_fail(err, err_size, "zones[%zu]%s", i, ".categorySet must be an array");
		if (note_zone(s, zone, rec_str(it, "regionId"), NULL))
			return -ENOMEM;
		if (set) {
			/* the seed's set replaces the default one */
			cJSON *z = (cJSON *)(uintptr_t)lifecycle_zone_locked(s, zone);
			cJSON *copy = cJSON_Duplicate(set, 1);

			if (!copy)
				return -ENOMEM;
			cJSON_ArrayForEach(c, copy) {
				if (!cJSON_IsString(c)) {
					cJSON_Delete(copy);
					return load_fail(err, err_size, "zones[%zu]%s", i,
					                 ".categorySet must hold strings");
				}
			}
			cJSON_ReplaceItemInObjectCaseSensitive(z, "categorySet", copy);
		}
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(it, insts) {
		const char *id = rec_str(it, "instanceId");
		cJSON *in;

		if (!cJSON_IsObject(it) || !id || !*id)
			return load_fail(err, err_size, "instances[%zu]%s", i, ".instanceId must be a non-empty string");
		if (lifecycle_instance_locked(s, id))
			return load_fail(err, err_size, "instances[%zu]%s", i, ": duplicate instanceId");
		if (!s->c.instances && !(s->c.instances = cJSON_CreateArray()))
			return -ENOMEM;
		in = cJSON_Duplicate(it, 1);
		if (!in || instance_defaults(in, now)) {
			cJSON_Delete(in);
			return -ENOMEM;
		}
		/* what a disk shows is derived from the disks themselves */
		cJSON_DeleteItemFromObjectCaseSensitive(in, "dataDisks");
		cJSON_DeleteItemFromObjectCaseSensitive(in, "systemDisk");
		cJSON_AddItemToArray(s->c.instances, in);
		i++;
	}
	for (size_t d = 0; d < s->c.ndisks; d++) {
		const cJSON *disk = s->c.disks[d].rec;
		const char *iid = rec_str(disk, "instanceId");

		if (note_zone(s, rec_str(disk, "zoneId"), rec_str(disk, "regionId"),
		              rec_str(disk, "diskCategory")))
			return -ENOMEM;
		if (iid && !lifecycle_instance_locked(s, iid) &&
		    add_instance(s, iid, rec_str(disk, "instanceName"), rec_str(disk, "zoneId"), now))
			return -ENOMEM;
	}
	cJSON_ArrayForEach(it, s->c.instances) {
		if (note_zone(s, rec_str(it, "zoneId"), NULL, NULL))
			return -ENOMEM;
	}
	cJSON_ArrayForEach(it, s->c.policies) {
		if (note_zone(s, rec_str(it, "zoneId"), NULL, NULL))
			return -ENOMEM;
	}
	if (host && !lifecycle_instance_locked(s, host)) {
		const char *zone = s->c.ndisks ? rec_str(s->c.disks[0].rec, "zoneId") : NULL;

		if (add_instance(s, host, "this-host", zone, now) ||
		    note_zone(s, zone ? zone : "asia-east-1a", NULL, NULL))
			return -ENOMEM;
	}
	return 0;
}

int lifecycle_state_json_locked(const struct store *s, cJSON *root)
{
	cJSON *z = s->c.zones ? cJSON_Duplicate(s->c.zones, 1) : cJSON_CreateArray();
	cJSON *in = s->c.instances ? cJSON_Duplicate(s->c.instances, 1) : cJSON_CreateArray();

	if (!z || !in) {
		cJSON_Delete(z);
		cJSON_Delete(in);
		return -ENOMEM;
	}
	cJSON_AddItemToObject(root, "zones", z);
	cJSON_AddItemToObject(root, "instances", in);
	return 0;
}

/* ---- DescribeInstances, DescribeInstancesStatus --------------------------- */

/* A copy of instance in with systemDisk and dataDisks from the disks. */
static cJSON *instance_out(const struct store *s, const cJSON *in)
{
	cJSON *out = cJSON_Duplicate(in, 1), *data;
	const char *id = rec_str(in, "instanceId");

	if (!out || !(data = cJSON_AddArrayToObject(out, "dataDisks")))
		goto nomem;
	for (size_t i = 0; i < s->c.ndisks; i++) {
		const cJSON *d = s->c.disks[i].rec;
		bool sys = str_eq(rec_str(d, "diskType"), "SYSTEM");
		cJSON *o;

		if (!str_eq(rec_str(d, "instanceId"), id))
			continue;
		o = cJSON_CreateObject();
		/* a control-plane edit may have removed the name or category */
		if (!o || zj_add_string(o, "diskId", rec_str(d, "diskId")) ||
		    (!sys && zj_add_string(o, "diskName", or_empty(rec_str(d, "diskName")))) ||
		    !cJSON_AddNumberToObject(o, "diskSize", (double)disk_gib(d)) ||
		    (!sys && !cJSON_AddBoolToObject(o, "portable", rec_bool(d, "portable", true))) ||
		    !cJSON_AddBoolToObject(o, "burstingEnabled", rec_bool(d, "burstingEnabled", false)) ||
		    zj_add_string(o, "diskCategory", or_empty(rec_str(d, "diskCategory")))) {
			cJSON_Delete(o);
			goto nomem;
		}
		if (sys && !cJSON_GetObjectItemCaseSensitive(out, "systemDisk"))
			cJSON_AddItemToObject(out, "systemDisk", o);
		else
			cJSON_AddItemToArray(data, o);
	}
	return out;
nomem:
	cJSON_Delete(out);
	return NULL;
}

static bool has_address(const cJSON *in, const char *key, const char *addr)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(in, key)) {
		if (cJSON_IsString(it) && str_eq(it->valuestring, addr))
			return true;
	}
	return false;
}

/* A 200 with totalCount and the page of records made by out(). */
static int instance_page(const struct store *s, const cJSON **match, size_t n,
                         long long num, long long size, bool status_only,
                         struct emu_result *res)
{
	size_t first = page_first(num, size);
	cJSON *set = page_start(n, res);

	if (!set)
		return res->status;
	for (size_t i = first; i < n && i - first < (size_t)size; i++) {
		cJSON *o;

		if (status_only) {
			o = cJSON_CreateObject();
			if (o && (zj_add_string(o, "instanceId", rec_str(match[i], "instanceId")) ||
			          zj_add_string(o, "instanceStatus", rec_str(match[i], "status")))) {
				cJSON_Delete(o);
				o = NULL;
			}
		} else {
			o = instance_out(s, match[i]);
		}
		if (!o)
			return page_fail(res);
		cJSON_AddItemToArray(set, o);
	}
	res->status = 200;
	return 200;
}

static int describe_instances_any(struct store *s, const cJSON *body,
                                  struct emu_result *res, bool status_only)
{
	const char *zone = NULL, *status = NULL, *name = NULL, *rg = NULL, *image = NULL;
	const char *v4 = NULL, *v6 = NULL;
	const cJSON *ids, *tag_keys = NULL, *tags = NULL, *in;
	const cJSON **match = NULL;
	long long num, size;
	size_t n = 0;
	int cnt, st;

	if ((st = param_page(body, MAX_INSTANCE_PAGE, &num, &size, res)) ||
	    (st = param_ids(body, "instanceIds", 0, 100, &ids, &cnt, res)) ||
	    (st = param_str(body, "resourceGroupId", false, &rg, res)))
		return st;
	if (!status_only &&
	    ((st = param_str(body, "zoneId", false, &zone, res)) ||
	     (st = param_str(body, "status", false, &status, res)) ||
	     (st = param_str(body, "name", false, &name, res)) ||
	     (st = param_str(body, "imageId", false, &image, res)) ||
	     (st = param_str(body, "ipv4Address", false, &v4, res)) ||
	     (st = param_str(body, "ipv6Address", false, &v6, res)) ||
	     (st = param_ids(body, "tagKeys", 0, 20, &tag_keys, &cnt, res)) ||
	     (st = read_tags(body, &tags, res))))
		return st;

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	match = malloc(((size_t)cJSON_GetArraySize(s->c.instances) + 1) * sizeof(*match));
	if (!match) {
		st = emu_no_memory(res);
		goto out;
	}
	cJSON_ArrayForEach(in, s->c.instances) {
		if ((ids && !in_ids(ids, rec_str(in, "instanceId"))) ||
		    (rg && !str_eq(rec_str(in, "resourceGroupId"), rg)) ||
		    (zone && !str_eq(rec_str(in, "zoneId"), zone)) ||
		    (status && !str_eq(rec_str(in, "status"), status)) ||
		    (name && !fuzzy_match(rec_str(in, "instanceName"), name, false)) ||
		    (image && !str_eq(rec_str(in, "imageId"), image)) ||
		    (v4 && !has_address(in, "publicIpAddresses", v4) &&
		     !has_address(in, "privateIpAddresses", v4)) ||
		    (v6 && !has_address(in, "publicIpAddresses", v6)))
			continue;
		if (rec_tags_match(in, tag_keys, tags))
			match[n++] = in;
	}
	st = instance_page(s, match, n, num, size, status_only, res);
out:
	pthread_mutex_unlock(&s->lock);
	free(match);
	return st;
}

static int describe_instances(struct store *s, const cJSON *body, struct emu_result *res)
{
	return describe_instances_any(s, body, res, false);
}

static int describe_instances_status(struct store *s, const cJSON *body,
                                     struct emu_result *res)
{
	return describe_instances_any(s, body, res, true);
}

/* ---- disk checks shared by the actions ------------------------------------ */

static bool is_recycled(const char *status)
{
	return str_eq(status, "RECYCLED") || str_eq(status, "RECYCLING");
}

/* The disk's index, or the 404 (code: INVALID_DISK_NOT_FOUND unless given). */
static int find_disk(struct store *s, const char *id, const char *code, long *d,
                     struct emu_result *res)
{
	*d = store_find_disk_locked(s, id);
	if (*d < 0)
		return emu_fail(res, 404, code ? code : "INVALID_DISK_NOT_FOUND",
		                "The disk %s does not exist.", id);
	return 0;
}

static int refuse_status(const char *id, const char *status, const char *what,
                         struct emu_result *res)
{
	if (is_recycled(status))
		return emu_fail(res, 400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE",
		                "The disk %s is in the recycle bin (%s).", id, status);
	return emu_fail(res, 400, "UNSUPPORTED_OPERATION_DISK_STATUS",
	                "The disk %s (status %s) cannot be %s now.", id,
	                status ? status : "unknown", what);
}

static int refuse_system(const cJSON *disk, const char *id, struct emu_result *res)
{
	if (str_eq(rec_str(disk, "diskType"), "SYSTEM"))
		return emu_fail(res, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE",
		                "The disk %s is a system disk.", id);
	return 0;
}

/* Starts a transition of disk d: status now, then after. */
static int begin(struct store *s, long d, const char *now_status, const char *after)
{
	struct emu_disk *disk = &s->c.disks[d];
	char *prev = strdup(after);

	if (!prev || rec_set_str(disk->rec, "diskStatus", now_status)) {
		free(prev);
		return -ENOMEM;
	}
	free(disk->prev_status);
	disk->prev_status = prev;
	store_disk_due_locked(s, (size_t)d, store_now_ms_locked(s) + s->cfg->disk_op_delay_ms);
	store_touch_locked(s);
	return 0;
}

static bool on_host(const struct store *s, const char *instance_id)
{
	return s->cfg->host_instance && str_eq(instance_id, s->cfg->host_instance);
}

/* ---- AttachDisks ---------------------------------------------------------- */

static int attach_disks(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *ids, *it;
	const char *iid;
	cJSON *in;
	int cnt, st;
	long d;

	if ((st = param_ids(body, "diskIds", 1, MAX_ATTACH, &ids, &cnt, res)) ||
	    (st = param_str(body, "instanceId", true, &iid, res)))
		return st;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	in = lifecycle_instance_locked(s, iid);
	if (!in) {
		st = emu_fail(res, 404, "INVALID_INSTANCE_NOT_FOUND",
		              "The instance %s does not exist.", iid);
		goto out;
	}
	if (!str_eq(rec_str(in, "status"), "RUNNING") && !str_eq(rec_str(in, "status"), "STOPPED")) {
		st = emu_fail(res, 400, "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
		              "The instance %s (status %s) cannot take disks now.", iid,
		              rec_str(in, "status"));
		goto out;
	}
	/* all or nothing: every disk is checked first */
	cJSON_ArrayForEach(it, ids) {
		const cJSON *disk;
		const char *status;

		if ((st = find_disk(s, it->valuestring, NULL, &d, res)))
			goto out;
		disk = s->c.disks[d].rec;
		status = rec_str(disk, "diskStatus");
		if ((st = refuse_system(disk, it->valuestring, res)))
			goto out;
		if (!str_eq(status, "AVAILABLE")) {
			st = refuse_status(it->valuestring, status, "attached", res);
			goto out;
		}
		if (!str_eq(rec_str(disk, "zoneId"), rec_str(in, "zoneId"))) {
			st = emu_fail(res, 400, "OPERATION_DENIED_DIFFERENT_ZONE",
			              "The disk %s (zone %s) and the instance %s (zone %s) are in "
			              "different zones.", it->valuestring, rec_str(disk, "zoneId"),
			              iid, rec_str(in, "zoneId"));
			goto out;
		}
	}
	cJSON_ArrayForEach(it, ids) {
		cJSON *disk;

		d = store_find_disk_locked(s, it->valuestring);
		disk = s->c.disks[d].rec;
		if (str_eq(rec_str(disk, "diskStatus"), "ATTACHING"))
			continue;               /* listed twice */
		if (rec_set_str(disk, "instanceId", iid) ||
		    rec_set_str(disk, "instanceName", rec_str(in, "instanceName")) ||
		    begin(s, d, "ATTACHING", "IN_USE")) {
			st = emu_no_memory(res);
			goto out;
		}
		/* the disk appears on this machine (hv.c) */
		if (on_host(s, iid))
			store_img_queue_locked(s, IMG_ATTACH, it->valuestring, NULL, 0);
		zlog_info("disk attaching diskId=%s instanceId=%s", ZLOG_ESC(it->valuestring),
		          ZLOG_ESC(iid));
	}
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- DetachDisks ---------------------------------------------------------- */

static int detach_disks(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *ids, *it;
	const char *iid = NULL;
	cJSON *failed = NULL;
	bool has_flag, check = true;
	int cnt, st;
	long d;

	if ((st = param_ids(body, "diskIds", 1, MAX_ATTACH, &ids, &cnt, res)) ||
	    (st = param_bool(body, "instanceCheckFlag", &has_flag, &check, res)))
		return st;
	if (!has_flag)
		check = true;           /* "Default value: true" (CLI, SDK) */
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	cJSON_ArrayForEach(it, ids) {
		const cJSON *disk;
		const char *status, *on;

		if ((st = find_disk(s, it->valuestring, NULL, &d, res)))
			goto out;
		disk = s->c.disks[d].rec;
		status = rec_str(disk, "diskStatus");
		on = rec_str(disk, "instanceId");
		if ((st = refuse_system(disk, it->valuestring, res)))
			goto out;
		if (is_recycled(status)) {
			st = refuse_status(it->valuestring, status, "detached", res);
			goto out;
		}
		if (!on || str_eq(status, "AVAILABLE")) {
			st = emu_fail(res, 400, "UNSUPPORTED_OPERATION_DISK_NO_ATTACH",
			              "The disk %s is not attached to an instance.", it->valuestring);
			goto out;
		}
		if (!str_eq(status, "IN_USE")) {
			st = refuse_status(it->valuestring, status, "detached", res);
			goto out;
		}
		if (!rec_bool(disk, "portable", true)) {
			st = emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
			              "The disk %s is not detachable (portable is false).",
			              it->valuestring);
			goto out;
		}
		if (iid && !str_eq(iid, on)) {
			st = emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
			              "The disks to detach must be attached to one instance "
			              "(%s and %s).", iid, on);
			goto out;
		}
		iid = on;
	}
	failed = cJSON_CreateArray();
	if (!failed) {
		st = emu_no_memory(res);
		goto out;
	}
	{
		const cJSON *in = lifecycle_instance_locked(s, iid);

		/* instanceCheckFlag: "disk detach allowed only when instance is
		 * shut down"; a running instance keeps them, listed as failed */
		if (check && in && str_eq(rec_str(in, "status"), "RUNNING")) {
			cJSON_ArrayForEach(it, ids) {
				if (!in_ids(failed, it->valuestring))
					cJSON_AddItemToArray(failed, cJSON_CreateString(it->valuestring));
			}
			zlog_info("disk detach refused instanceId=%s reason=instance-running",
			          ZLOG_ESC(iid));
			goto answer;
		}
	}
	cJSON_ArrayForEach(it, ids) {
		d = store_find_disk_locked(s, it->valuestring);
		if (str_eq(rec_str(s->c.disks[d].rec, "diskStatus"), "DETACHING"))
			continue;
		if (begin(s, d, "DETACHING", "AVAILABLE")) {
			st = emu_no_memory(res);
			goto out;
		}
		if (on_host(s, iid))
			store_img_queue_locked(s, IMG_DETACH, it->valuestring, NULL, 0);
		zlog_info("disk detaching diskId=%s instanceId=%s", ZLOG_ESC(it->valuestring),
		          ZLOG_ESC(iid));
	}
answer:
	if (ok_empty(res) != 200) {
		st = res->status;
		goto out;
	}
	cJSON_AddItemToObject(res->response, "failedDiskIds", failed);
	failed = NULL;
	st = 200;
out:
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(failed);
	return st;
}

/* ---- ReleaseDisk ------------------------------------------------------------ */

static int release_disk(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *id, *status;
	const cJSON *disk;
	int st;
	long d;

	if ((st = param_str(body, "diskId", true, &id, res)))
		return st;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	/* the code the CSI driver's DeleteVolume takes for "already gone" */
	if ((st = find_disk(s, id, "OPERATION_FAILED_RESOURCE_NOT_FOUND", &d, res)))
		goto out;
	disk = s->c.disks[d].rec;
	status = rec_str(disk, "diskStatus");
	if ((st = refuse_system(disk, id, res)))
		goto out;
	if (str_eq(status, "RECYCLED")) {
		/* the second release destroys it, its image and attachment */
		policy_forget_disk_locked(s, id);
		store_remove_disk_locked(s, (size_t)d);
		zlog_info("disk destroyed diskId=%s", ZLOG_ESC(id));
		st = ok_empty(res);
		goto out;
	}
	if (str_eq(status, "RECYCLING")) {
		st = refuse_status(id, status, "released", res);
		goto out;
	}
	if (!str_eq(status, "AVAILABLE") && !str_eq(status, "FAILED")) {
		st = refuse_status(id, status, "released (detach it first)", res);
		goto out;
	}
	if (begin(s, d, "RECYCLING", "RECYCLED")) {
		st = emu_no_memory(res);
		goto out;
	}
	zlog_info("disk recycling diskId=%s", ZLOG_ESC(id));
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- ResizeDisk ------------------------------------------------------------- */

static int resize_disk(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *id, *status;
	long long size;
	cJSON *disk;
	bool has;
	int st;
	long d;

	if ((st = param_str(body, "diskId", true, &id, res)) ||
	    (st = param_int(body, "diskSize", true, &has, &size, res)))
		return st;
	if (size < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter diskSize must be at least 1.");
	if (size > MAX_DISK_SIZE)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_MAXIMUM",
		                "The parameter diskSize must be at most %d.", MAX_DISK_SIZE);
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	if ((st = find_disk(s, id, NULL, &d, res)))
		goto out;
	disk = s->c.disks[d].rec;
	status = rec_str(disk, "diskStatus");
	if (!str_eq(status, "IN_USE") && !str_eq(status, "AVAILABLE")) {
		st = refuse_status(id, status, "resized", res);
		goto out;
	}
	if (size <= disk_gib(disk)) {
		st = emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		              "The parameter diskSize (%lld) must be greater than the disk's "
		              "size (%lld): disks only grow.", size, disk_gib(disk));
		goto out;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(disk, "diskSize", cJSON_CreateNumber((double)size));
	if (begin(s, d, "CHANGING", status) ||
	    store_img_queue_locked(s, IMG_GROW, id, NULL, size)) {
		st = emu_no_memory(res);
		goto out;
	}
	zlog_info("disk resizing diskId=%s diskSize=%lld", ZLOG_ESC(id), size);
	st = ok_empty(res);
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* ---- DescribeDiskRegions, DescribeDiskCategory ------------------------------ */

static int describe_disk_regions(struct store *s, const cJSON *body, struct emu_result *res)
{
	const cJSON *z;
	cJSON *ids;

	(void)body;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	res->response = cJSON_CreateObject();
	ids = res->response ? cJSON_AddArrayToObject(res->response, "regionIds") : NULL;
	if (!ids)
		goto nomem;
	cJSON_ArrayForEach(z, s->c.zones) {
		const char *r = rec_str(z, "regionId");
		cJSON *v;

		if (!r || in_ids(ids, r))
			continue;
		if (!(v = cJSON_CreateString(r)))
			goto nomem;
		cJSON_AddItemToArray(ids, v);
	}
	pthread_mutex_unlock(&s->lock);
	res->status = 200;
	return 200;
nomem:
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(res->response);
	res->response = NULL;
	return emu_no_memory(res);
}

static int describe_disk_category(struct store *s, const cJSON *body, struct emu_result *res)
{
	const char *zone, *category;
	const cJSON *z, *c;
	cJSON *set;
	int st;

	if ((st = param_str(body, "zoneId", false, &zone, res)) ||
	    (st = param_str(body, "diskCategory", false, &category, res)))
		return st;
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	res->response = cJSON_CreateObject();
	set = res->response ? cJSON_AddArrayToObject(res->response, "categoryZoneSet") : NULL;
	if (!set)
		goto nomem;
	cJSON_ArrayForEach(z, s->c.zones) {
		cJSON *item, *cats;

		if ((zone && !str_eq(rec_str(z, "zoneId"), zone)) ||
		    (category && !lifecycle_zone_has_category(z, category)))
			continue;
		item = cJSON_CreateObject();
		if (!item || zj_add_string(item, "zoneId", rec_str(z, "zoneId")) ||
		    !(cats = cJSON_AddArrayToObject(item, "categorySet"))) {
			cJSON_Delete(item);
			goto nomem;
		}
		cJSON_AddItemToArray(set, item);
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(z, "categorySet")) {
			cJSON *v;

			if (category && !str_eq(c->valuestring, category))
				continue;
			if (!(v = cJSON_CreateString(c->valuestring)))
				goto nomem;
			cJSON_AddItemToArray(cats, v);
		}
	}
	pthread_mutex_unlock(&s->lock);
	res->status = 200;
	return 200;
nomem:
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(res->response);
	res->response = NULL;
	return emu_no_memory(res);
}

static const struct action_entry table[] = {
	{ "DescribeInstances", describe_instances },
	{ "DescribeInstancesStatus", describe_instances_status },
	{ "AttachDisks", attach_disks },
	{ "DetachDisks", detach_disks },
	{ "ReleaseDisk", release_disk },
	{ "ResizeDisk", resize_disk },
	{ "DescribeDiskRegions", describe_disk_regions },
	{ "DescribeDiskCategory", describe_disk_category },
};

action_fn lifecycle_actions_lookup(const char *name)
{
	return action_find(table, sizeof(table) / sizeof(table[0]), name);
}

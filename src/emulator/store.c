/*
 * store.c - disks, snapshots, the business clock and pending transitions.
 *
 * Transitions are evaluated lazily: every request calls store_tick_locked()
 * first, which finishes whatever is due at the current business time
 * (CREATING -> AVAILABLE, DELETING -> gone, ROLLING_BACK -> former status,
 * retention expiry -> gone).  No background thread is needed.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

#define ID_BASE 880000000000000000ULL

const char *rec_str(const cJSON *rec, const char *key)
{
	const char *v = NULL;

	if (zj_string(rec, key, &v))
		return NULL;
	return v;
}

int rec_set_str(cJSON *rec, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (!v)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		cJSON_ReplaceItemInObjectCaseSensitive(rec, key, v);
	else
		cJSON_AddItemToObject(rec, key, v);
	return 0;
}

int rec_set_bool(cJSON *rec, const char *key, bool value)
{
	cJSON *v = cJSON_CreateBool(value);

	if (!v)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		cJSON_ReplaceItemInObjectCaseSensitive(rec, key, v);
	else
		cJSON_AddItemToObject(rec, key, v);
	return 0;
}

bool rec_bool(const cJSON *rec, const char *key, bool dflt)
{
	bool b;

	if (zj_bool(rec, key, &b))
		return dflt;
	return b;
}

static long long real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long store_now_ms_locked(const struct store *s)
{
	return real_ms() + s->clock_offset_ms;
}

time_t store_now_locked(const struct store *s)
{
	long long ms = store_now_ms_locked(s);

	return (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
}

void store_touch_locked(struct store *s)
{
	s->gen++;
}

static void free_arrays(struct emu_disk *disks, size_t ndisks,
                        struct emu_snap *snaps, size_t nsnaps)
{
	for (size_t i = 0; i < ndisks; i++) {
		cJSON_Delete(disks[i].rec);
		free(disks[i].prev_status);
	}
	for (size_t i = 0; i < nsnaps; i++) {
		cJSON_Delete(snaps[i].rec);
		free(snaps[i].prev_status);
	}
	free(disks);
	free(snaps);
}

static void free_content(struct store *s)
{
	free_arrays(s->disks, s->ndisks, s->snaps, s->nsnaps);
	s->disks = NULL;
	s->snaps = NULL;
	s->ndisks = s->nsnaps = s->cap_disks = s->cap_snaps = 0;
}

int store_init(struct store *s, const struct emu_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->next_id = ID_BASE + (unsigned long long)(real_ms() / 1000 % 10000000) * 10000ULL;
	if (pthread_mutex_init(&s->lock, NULL))
		return -ENOMEM;
	if (pthread_mutex_init(&s->persist_lock, NULL)) {
		pthread_mutex_destroy(&s->lock);
		return -ENOMEM;
	}
	return 0;
}

void store_destroy(struct store *s)
{
	free_content(s);
	cJSON_Delete(s->initial_seed);
	s->initial_seed = NULL;
	pthread_mutex_destroy(&s->persist_lock);
	pthread_mutex_destroy(&s->lock);
}

long store_find_disk_locked(const struct store *s, const char *disk_id)
{
	for (size_t i = 0; i < s->ndisks; i++) {
		const char *id = rec_str(s->disks[i].rec, "diskId");
		if (id && strcmp(id, disk_id) == 0)
			return (long)i;
	}
	return -1;
}

long store_find_snap_locked(const struct store *s, const char *snap_id)
{
	for (size_t i = 0; i < s->nsnaps; i++) {
		const char *id = rec_str(s->snaps[i].rec, "snapshotId");
		if (id && strcmp(id, snap_id) == 0)
			return (long)i;
	}
	return -1;
}

/* Numeric ids compare by length, then digits; others fall back to strcmp. */
static int cmp_ids(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static int cmp_snaps(const void *pa, const void *pb, void *arg)
{
	const struct store *s = arg;
	const cJSON *a = s->snaps[*(const size_t *)pa].rec;
	const cJSON *b = s->snaps[*(const size_t *)pb].rec;
	const char *ta = rec_str(a, "createTime"), *tb = rec_str(b, "createTime");
	int c = strcmp(ta ? ta : "", tb ? tb : "");

	if (c)
		return c;
	return cmp_ids(rec_str(a, "snapshotId"), rec_str(b, "snapshotId"));
}

int store_sorted_snaps_locked(const struct store *s, size_t **out)
{
	size_t *idx = malloc((s->nsnaps ? s->nsnaps : 1) * sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < s->nsnaps; i++)
		idx[i] = i;
	qsort_r(idx, s->nsnaps, sizeof(*idx), cmp_snaps, (void *)s);
	*out = idx;
	return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static void note_id(struct store *s, const char *id)
{
	char *end;
	unsigned long long v;

	if (!id || !*id)
		return;
	errno = 0;
	v = strtoull(id, &end, 10);
	if (!errno && !*end && v > s->next_id)
		s->next_id = v;
}

static unsigned long long new_id(struct store *s)
{
	/* monotonic, so creation order and id order agree; gaps look real */
	s->next_id += 1 + (s->next_id * 2654435761ULL >> 11) % 89;
	return s->next_id;
}

static int add_snap_entry(struct store *s, cJSON *rec, long long due_ms)
{
	int ret = grow((void **)&s->snaps, &s->cap_snaps, s->nsnaps, sizeof(*s->snaps));

	if (ret)
		return ret;
	s->snaps[s->nsnaps].rec = rec;
	s->snaps[s->nsnaps].due_ms = due_ms;
	s->snaps[s->nsnaps].prev_status = NULL;
	s->nsnaps++;
	return 0;
}

/* The resourceGroup object a snapshot of disk rec carries. */
static cJSON *resource_group_of(const cJSON *disk)
{
	cJSON *rg = cJSON_CreateObject();
	const char *id = disk ? rec_str(disk, "resourceGroupId") : NULL;
	const char *name = disk ? rec_str(disk, "resourceGroupName") : NULL;

	if (!rg)
		return NULL;
	if (zj_add_string(rg, "resourceGroupId", id ? id : "") ||
	    zj_add_string(rg, "resourceGroupName", name ? name : "")) {
		cJSON_Delete(rg);
		return NULL;
	}
	return rg;
}

int store_create_snap_locked(struct store *s, size_t d, const char *name,
                             const char *retention, size_t *out)
{
	const cJSON *disk = s->disks[d].rec;
	char id[32], when[ZEC_TIME_LEN];
	cJSON *rec = cJSON_CreateObject(), *rg;
	const char *zone = rec_str(disk, "zoneId");
	int ret = -ENOMEM;

	if (!rec)
		return -ENOMEM;
	snprintf(id, sizeof(id), "%llu", new_id(s));
	zec_time_format(store_now_locked(s), when);
	if (zj_add_string(rec, "snapshotId", id) ||
	    zj_add_string(rec, "snapshotName", name) ||
	    zj_add_string(rec, "zoneId", zone ? zone : "") ||
	    zj_add_string(rec, "status", "CREATING") ||
	    zj_add_string(rec, "snapshotType", "Manual") ||
	    zj_add_string(rec, "retentionTime", retention) ||
	    zj_add_string(rec, "diskId", rec_str(disk, "diskId")) ||
	    zj_add_string(rec, "createTime", when) ||
	    !cJSON_AddBoolToObject(rec, "diskAbility", 1))
		goto fail;
	rg = resource_group_of(disk);
	if (!rg)
		goto fail;
	cJSON_AddItemToObject(rec, "resourceGroup", rg);
	ret = add_snap_entry(s, rec, store_now_ms_locked(s) + s->cfg->create_delay_ms);
	if (ret)
		goto fail;
	*out = s->nsnaps - 1;
	store_touch_locked(s);
	return 0;
fail:
	cJSON_Delete(rec);
	return ret;
}

void store_remove_snap_locked(struct store *s, size_t i)
{
	cJSON_Delete(s->snaps[i].rec);
	free(s->snaps[i].prev_status);
	s->snaps[i] = s->snaps[s->nsnaps - 1];
	s->nsnaps--;
	store_touch_locked(s);
}

bool store_tick_locked(struct store *s)
{
	long long now = store_now_ms_locked(s);
	time_t now_s = store_now_locked(s);
	bool changed = false;

	for (size_t i = s->nsnaps; i-- > 0;) {
		struct emu_snap *sn = &s->snaps[i];
		const char *st = rec_str(sn->rec, "status");
		const char *ret = rec_str(sn->rec, "retentionTime");
		time_t until;

		if (!st)
			st = "";
		if (sn->due_ms && sn->due_ms <= now) {
			if (strcmp(st, "DELETING") == 0) {
				store_remove_snap_locked(s, i);
				changed = true;
				continue;
			}
			rec_set_str(sn->rec, "status",
			            strcmp(st, "ROLLING_BACK") == 0 && sn->prev_status
			            ? sn->prev_status : "AVAILABLE");
			free(sn->prev_status);
			sn->prev_status = NULL;
			sn->due_ms = 0;
			changed = true;
			st = rec_str(sn->rec, "status");
		}
		if (ret && strcmp(st, "DELETING") != 0 &&
		    zec_time_parse(ret, &until) == 0 && until <= now_s) {
			zlog_info("snapshot expired snapshotId=%s retentionTime=%s",
			          rec_str(sn->rec, "snapshotId"), ret);
			store_remove_snap_locked(s, i);
			changed = true;
		}
	}
	for (size_t i = 0; i < s->ndisks; i++) {
		struct emu_disk *d = &s->disks[i];

		if (!d->due_ms || d->due_ms > now)
			continue;
		rec_set_str(d->rec, "diskStatus", d->prev_status ? d->prev_status : "IN_USE");
		free(d->prev_status);
		d->prev_status = NULL;
		d->due_ms = 0;
		changed = true;
	}
	if (changed)
		store_touch_locked(s);
	return changed;
}

/* Adds key with a default when the seed left it out. */
static int dflt_str(cJSON *rec, const char *key, const char *value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		return 0;
	return zj_add_string(rec, key, value);
}

static int dflt_bool(cJSON *rec, const char *key, bool value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		return 0;
	return cJSON_AddBoolToObject(rec, key, value) ? 0 : -ENOMEM;
}

static int dflt_num(cJSON *rec, const char *key, double value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		return 0;
	return cJSON_AddNumberToObject(rec, key, value) ? 0 : -ENOMEM;
}

static int disk_defaults(cJSON *d, const char *now)
{
	const char *id = rec_str(d, "diskId");
	const char *type;
	char name[64];

	snprintf(name, sizeof(name), "disk-%s", id + (strlen(id) > 6 ? strlen(id) - 6 : 0));
	if (dflt_str(d, "diskName", name) || dflt_str(d, "regionId", "asia-east-1") ||
	    dflt_str(d, "zoneId", "asia-east-1a") || dflt_str(d, "diskType", "DATA"))
		return -ENOMEM;
	type = rec_str(d, "diskType");
	if (dflt_bool(d, "portable", !type || strcmp(type, "SYSTEM") != 0) ||
	    dflt_str(d, "diskCategory", "Standard NVMe SSD") ||
	    dflt_num(d, "diskSize", 100) || dflt_str(d, "diskStatus", "IN_USE") ||
	    dflt_str(d, "createTime", now) ||
	    dflt_str(d, "resourceGroupId", "default") ||
	    dflt_str(d, "resourceGroupName", "Default Resource Group") ||
	    dflt_bool(d, "snapshotAbility", true) || dflt_bool(d, "burstingEnabled", false))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(d, "serial")) {
		char serial[64];
		snprintf(serial, sizeof(serial), "zec%.17s", id);
		if (zj_add_string(d, "serial", serial))
			return -ENOMEM;
	}
	if (!cJSON_GetObjectItemCaseSensitive(d, "tags") &&
	    !cJSON_AddArrayToObject(d, "tags"))
		return -ENOMEM;
	return 0;
}

static int snap_defaults(struct store *s, cJSON *sn, const char *now)
{
	const char *disk_id = rec_str(sn, "diskId");
	long d = store_find_disk_locked(s, disk_id);
	const cJSON *disk = d >= 0 ? s->disks[d].rec : NULL;
	const char *zone = disk ? rec_str(disk, "zoneId") : NULL;
	char buf[32];

	if (!cJSON_GetObjectItemCaseSensitive(sn, "snapshotId")) {
		snprintf(buf, sizeof(buf), "%llu", new_id(s));
		if (zj_add_string(sn, "snapshotId", buf))
			return -ENOMEM;
	}
	if (!cJSON_GetObjectItemCaseSensitive(sn, "snapshotName")) {
		snprintf(buf, sizeof(buf), "snap-%s", rec_str(sn, "snapshotId"));
		if (zj_add_string(sn, "snapshotName", buf))
			return -ENOMEM;
	}
	if (dflt_str(sn, "zoneId", zone ? zone : "asia-east-1a") ||
	    dflt_str(sn, "status", "AVAILABLE") || dflt_str(sn, "snapshotType", "Manual") ||
	    dflt_str(sn, "createTime", now) || dflt_bool(sn, "diskAbility", disk != NULL))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(sn, "resourceGroup")) {
		cJSON *rg = resource_group_of(disk);
		if (!rg)
			return -ENOMEM;
		cJSON_AddItemToObject(sn, "resourceGroup", rg);
	}
	return 0;
}

static const char *const disk_strings[] = {
	"diskId", "diskName", "regionId", "zoneId", "diskType", "diskCategory",
	"diskStatus", "instanceId", "instanceName", "resourceGroupId",
	"resourceGroupName", "serial", NULL,
};
static const char *const disk_bools[] = {
	"portable", "snapshotAbility", "burstingEnabled", NULL,
};
static const char *const snap_strings[] = {
	"snapshotId", "snapshotName", "zoneId", "status", "snapshotType", "diskId", NULL,
};
static const char *const times[] = { "createTime", "retentionTime", NULL };

static int check_fields(const cJSON *rec, const char *const *strs,
                        const char *const *bools, char *err, size_t err_size)
{
	const cJSON *v;
	time_t t;

	for (size_t i = 0; strs[i]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, strs[i]);
		if (v && (!cJSON_IsString(v) || !*v->valuestring)) {
			snprintf(err, err_size, "%s must be a non-empty string", strs[i]);
			return -EINVAL;
		}
	}
	for (size_t i = 0; bools && bools[i]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, bools[i]);
		if (v && !cJSON_IsBool(v)) {
			snprintf(err, err_size, "%s must be a boolean", bools[i]);
			return -EINVAL;
		}
	}
	for (size_t i = 0; times[i]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, times[i]);
		if (v && (!cJSON_IsString(v) || zec_time_parse(v->valuestring, &t))) {
			snprintf(err, err_size, "%s must be yyyy-MM-ddTHH:mm:ssZ", times[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int store_check_disk_fields(const cJSON *fields, char *err, size_t err_size)
{
	if (!cJSON_IsObject(fields)) {
		snprintf(err, err_size, "a disk must be a JSON object");
		return -EINVAL;
	}
	return check_fields(fields, disk_strings, disk_bools, err, err_size);
}

/* -EINVAL naming the problem in err: the seed is rejected as a whole. */
static int check_record(const cJSON *rec, const char *what, const char *id_key,
                        size_t i, char *err, size_t err_size)
{
	char why[160];
	const char *id;
	int ret;

	if (!cJSON_IsObject(rec)) {
		snprintf(err, err_size, "%s[%zu] is not an object", what, i);
		return -EINVAL;
	}
	if (zj_string(rec, id_key, &id) || !*id) {
		snprintf(err, err_size, "%s[%zu].%s must be a non-empty string",
		         what, i, id_key);
		return -EINVAL;
	}
	ret = strcmp(what, "disks") == 0
	      ? check_fields(rec, disk_strings, disk_bools, why, sizeof(why))
	      : check_fields(rec, snap_strings, NULL, why, sizeof(why));
	if (ret)
		snprintf(err, err_size, "%s[%zu]: %s", what, i, why);
	return ret;
}

static long long pending_delay(const struct store *s, const char *status)
{
	if (!status)
		return 0;
	if (strcmp(status, "CREATING") == 0)
		return s->cfg->create_delay_ms;
	if (strcmp(status, "DELETING") == 0)
		return s->cfg->delete_delay_ms;
	if (strcmp(status, "ROLLING_BACK") == 0)
		return s->cfg->rollback_delay_ms;
	return 0;
}

int store_load_locked(struct store *s, const cJSON *seed, char *err,
                      size_t err_size)
{
	struct emu_disk *old_disks = s->disks;
	struct emu_snap *old_snaps = s->snaps;
	size_t old_nd = s->ndisks, old_ns = s->nsnaps;
	size_t old_cd = s->cap_disks, old_cs = s->cap_snaps;
	long long old_offset = s->clock_offset_ms;
	unsigned long long old_next = s->next_id;
	const cJSON *disks, *snaps, *it;
	long long offset = 0;
	char now[ZEC_TIME_LEN];
	size_t i = 0;
	int ret = 0;

	if (!cJSON_IsObject(seed)) {
		snprintf(err, err_size, "seed must be a JSON object");
		return -EINVAL;
	}
	disks = cJSON_GetObjectItemCaseSensitive(seed, "disks");
	snaps = cJSON_GetObjectItemCaseSensitive(seed, "snapshots");
	if ((disks && !cJSON_IsArray(disks)) || (snaps && !cJSON_IsArray(snaps))) {
		snprintf(err, err_size, "seed: disks and snapshots must be arrays");
		return -EINVAL;
	}
	if (zj_int(seed, "clockOffsetMs", &offset) == -EINVAL) {
		snprintf(err, err_size, "seed: clockOffsetMs must be an integer");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, disks) {
		ret = check_record(it, "disks", "diskId", i++, err, err_size);
		if (ret)
			return ret;
	}
	i = 0;
	cJSON_ArrayForEach(it, snaps) {
		ret = check_record(it, "snapshots", "diskId", i++, err, err_size);
		if (ret)
			return ret;
	}

	/* build the new content aside, then swap it in */
	s->disks = NULL;
	s->snaps = NULL;
	s->ndisks = s->nsnaps = s->cap_disks = s->cap_snaps = 0;
	s->clock_offset_ms = offset;
	zec_time_format(store_now_locked(s), now);
	cJSON_ArrayForEach(it, disks) {
		cJSON *d = cJSON_Duplicate(it, 1);
		const char *st;
		long long delay;

		ret = d ? grow((void **)&s->disks, &s->cap_disks, s->ndisks,
		               sizeof(*s->disks)) : -ENOMEM;
		if (!ret && store_find_disk_locked(s, rec_str(d, "diskId")) >= 0) {
			snprintf(err, err_size, "duplicate diskId %s", rec_str(d, "diskId"));
			ret = -EINVAL;
		}
		if (!ret)
			ret = disk_defaults(d, now);
		if (ret) {
			cJSON_Delete(d);
			goto fail;
		}
		memset(&s->disks[s->ndisks], 0, sizeof(s->disks[0]));
		s->disks[s->ndisks].rec = d;
		st = rec_str(d, "diskStatus");
		if (st && strcmp(st, "ROLLING_BACK") == 0) {
			delay = pending_delay(s, st);
			s->disks[s->ndisks].due_ms = store_now_ms_locked(s) + delay;
			s->disks[s->ndisks].prev_status =
				strdup(rec_str(d, "instanceId") ? "IN_USE" : "AVAILABLE");
		}
		s->ndisks++;
	}
	cJSON_ArrayForEach(it, snaps) {
		note_id(s, rec_str(it, "snapshotId"));
	}
	cJSON_ArrayForEach(it, snaps) {
		cJSON *sn = cJSON_Duplicate(it, 1);
		const char *id = rec_str(it, "snapshotId");
		const char *st;

		if (sn && id && store_find_snap_locked(s, id) >= 0) {
			snprintf(err, err_size, "duplicate snapshotId %s", id);
			cJSON_Delete(sn);
			ret = -EINVAL;
			goto fail;
		}
		ret = sn ? snap_defaults(s, sn, now) : -ENOMEM;
		if (!ret) {
			st = rec_str(sn, "status");
			ret = add_snap_entry(s, sn, pending_delay(s, st) ?
			                     store_now_ms_locked(s) + pending_delay(s, st) : 0);
		}
		if (ret) {
			cJSON_Delete(sn);
			goto fail;
		}
	}
	free_arrays(old_disks, old_nd, old_snaps, old_ns);
	store_touch_locked(s);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	free_content(s);
	s->disks = old_disks;
	s->snaps = old_snaps;
	s->ndisks = old_nd;
	s->nsnaps = old_ns;
	s->cap_disks = old_cd;
	s->cap_snaps = old_cs;
	s->clock_offset_ms = old_offset;
	s->next_id = old_next;
	return ret;
}

cJSON *store_state_json_locked(const struct store *s)
{
	cJSON *root = cJSON_CreateObject(), *disks, *snaps;
	char now[ZEC_TIME_LEN];
	size_t *idx = NULL;

	if (!root)
		return NULL;
	disks = cJSON_AddArrayToObject(root, "disks");
	snaps = cJSON_AddArrayToObject(root, "snapshots");
	if (!disks || !snaps || store_sorted_snaps_locked(s, &idx))
		goto fail;
	for (size_t i = 0; i < s->ndisks; i++) {
		cJSON *c = cJSON_Duplicate(s->disks[i].rec, 1);
		if (!c)
			goto fail;
		cJSON_AddItemToArray(disks, c);
	}
	for (size_t i = 0; i < s->nsnaps; i++) {
		cJSON *c = cJSON_Duplicate(s->snaps[idx[i]].rec, 1);
		if (!c)
			goto fail;
		cJSON_AddItemToArray(snaps, c);
	}
	zec_time_format(store_now_locked(s), now);
	if (zj_add_string(root, "now", now))
		goto fail;
	free(idx);
	return root;
fail:
	free(idx);
	cJSON_Delete(root);
	return NULL;
}

static int write_file_atomic(const char *path, const char *text)
{
	size_t len = strlen(path) + 32, n = strlen(text), off = 0;
	char *tmp = malloc(len);
	int fd = -1, ret = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0) {
		ret = -errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

int store_persist(struct store *s)
{
	unsigned long long gen;
	cJSON *state = NULL;
	char *text = NULL;
	int ret = 0;

	if (!s->cfg->state_file)
		return 0;
	/* one writer at a time, so an older snapshot never overwrites a newer */
	pthread_mutex_lock(&s->persist_lock);
	pthread_mutex_lock(&s->lock);
	gen = s->gen;
	if (gen != s->persisted_gen) {
		state = store_state_json_locked(s);
		if (state && !cJSON_AddNumberToObject(state, "clockOffsetMs",
		                                      (double)s->clock_offset_ms)) {
			cJSON_Delete(state);
			state = NULL;
		}
		if (!state)
			ret = -ENOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	if (!state)
		goto out;
	text = cJSON_Print(state);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	ret = write_file_atomic(s->cfg->state_file, text);
	if (ret)
		zlog_error("state write failed file=%s error=%s", s->cfg->state_file,
		           strerror(-ret));
	else
		s->persisted_gen = gen;
out:
	pthread_mutex_unlock(&s->persist_lock);
	free(text);
	cJSON_Delete(state);
	return ret;
}

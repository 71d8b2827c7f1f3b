/*
 * store_io.c - the store's records in and out: a seed or state file checked
 * and given the API's defaults, loaded aside and swapped in whole, the state
 * document, and the --state file written atomically.
 *
 * A load checks every record before it changes anything, so a malformed
 * seed leaves the store as it was; the trees are then built in O(n) from
 * the sorted records instead of n inserts.
 */
#include "store.h"
#include "lifecycle.h"
#include "policies.h"
#include "snaptree.h"
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

/* A seed's numeric ids: the ids handed out later continue after them. */
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

static int cmp_snap_ptrs(const void *a, const void *b)
{
	return store_snap_cmp(*(struct emu_snap *const *)a, *(struct emu_snap *const *)b);
}

/*
 * Puts the snapshots of a load into the trees: sorted (seeds and state files
 * usually are already), then each tree built in O(n) instead of n inserts.
 * Takes b->v.
 */
static void build_trees(struct store *s, struct snap_vec *b)
{
	struct emu_snap **seg = NULL, **stack = NULL;
	struct snap_group *g;
	size_t at = 0;

	for (size_t i = 1; i < b->n; i++) {
		if (store_snap_cmp(b->v[i - 1], b->v[i]) > 0) {
			qsort(b->v, b->n, sizeof(*b->v), cmp_snap_ptrs);
			break;
		}
	}
	seg = malloc((b->n + 1) * sizeof(*seg));
	stack = malloc((b->n + 1) * sizeof(*stack));
	if (!seg || !stack) {
		/* no memory to spare: one insert at a time */
		for (size_t i = 0; i < b->n; i++) {
			g = b->v[i]->group;
			s->c.snaps = snaptree_insert(s->c.snaps, b->v[i], SNAPTREE_ALL);
			g->root = snaptree_insert(g->root, b->v[i], SNAPTREE_GRP);
		}
		goto out;
	}
	s->c.snaps = snaptree_build(b->v, b->n, SNAPTREE_ALL, stack);
	/* each group's snapshots, still in order, side by side in seg */
	for (size_t i = 0; i < b->n; i++)
		b->v[i]->group->load_n++;
	for (g = s->c.groups; g; g = g->next) {
		g->load_off = at;
		at += g->load_n;
		g->load_n = 0;
	}
	for (size_t i = 0; i < b->n; i++) {
		g = b->v[i]->group;
		seg[g->load_off + g->load_n++] = b->v[i];
	}
	for (g = s->c.groups; g; g = g->next) {
		g->root = snaptree_build(seg + g->load_off, g->load_n, SNAPTREE_GRP, stack);
		g->load_n = 0;
	}
out:
	free(seg);
	free(stack);
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* Frees the snapshots of a failed load that are not in the trees yet. */
static void free_bulk(struct store *s, struct snap_vec *b)
{
	for (size_t i = 0; i < b->n; i++) {
		strmap_del(&s->c.snap_index, b->v[i]->id);
		cJSON_Delete(b->v[i]->rec);
		free(b->v[i]->prev_status);
		free(b->v[i]);
	}
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
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

/*
 * A disk's tags in the official shape {"tags":[{"key","value"}]}
 * (zenlayercloud-sdk-go zec20250901/models.go: DiskInfo.Tags *Tags); a bare
 * array (the emulator's old shape) is wrapped, absent tags become empty.
 */
int store_disk_norm_tags(cJSON *d)
{
	cJSON *tags = cJSON_GetObjectItemCaseSensitive(d, "tags"), *obj;

	if (tags && cJSON_IsObject(tags))
		return 0;
	obj = cJSON_CreateObject();
	if (!obj)
		return -ENOMEM;
	if (tags && cJSON_IsArray(tags)) {
		cJSON_DetachItemViaPointer(d, tags);
		cJSON_AddItemToObject(obj, "tags", tags);
	} else if (!cJSON_AddArrayToObject(obj, "tags")) {
		cJSON_Delete(obj);
		return -ENOMEM;
	}
	if (tags)
		cJSON_DeleteItemFromObjectCaseSensitive(d, "tags");
	cJSON_AddItemToObject(d, "tags", obj);
	return 0;
}

/* tags: an array of {"key","value"} objects, or an object holding one. */
static int check_tags(const cJSON *rec, char *err, size_t err_size)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rec, "tags"), *it;

	if (!tags || cJSON_IsNull(tags))
		return 0;
	if (cJSON_IsObject(tags))
		tags = cJSON_GetObjectItemCaseSensitive(tags, "tags");
	if (tags && !cJSON_IsArray(tags))
		goto bad;
	cJSON_ArrayForEach(it, tags) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "key");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");

		if (!cJSON_IsObject(it) || !cJSON_IsString(k) ||
		    (v && !cJSON_IsString(v) && !cJSON_IsNull(v)))
			goto bad;
	}
	return 0;
bad:
	snprintf(err, err_size, "tags must be {\"tags\":[{\"key\",\"value\"}]} "
	         "or [{\"key\",\"value\"}]");
	return -EINVAL;
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
		/* 20 characters, as virtio-blk keeps; the id's end tells disks apart */
		size_t n = strlen(id);
		char serial[64];

		snprintf(serial, sizeof(serial), "zec%s", id + (n > 17 ? n - 17 : 0));
		if (zj_add_string(d, "serial", serial))
			return -ENOMEM;
	}
	return store_disk_norm_tags(d);
}

static int snap_defaults(struct store *s, cJSON *sn, const char *now)
{
	const char *disk_id = rec_str(sn, "diskId");
	long d = store_find_disk_locked(s, disk_id);
	const cJSON *disk = d >= 0 ? s->c.disks[d].rec : NULL;
	const char *zone = disk ? rec_str(disk, "zoneId") : NULL;
	char buf[32];

	if (!cJSON_GetObjectItemCaseSensitive(sn, "snapshotId")) {
		snprintf(buf, sizeof(buf), "%llu", store_new_id_locked(s));
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
	    dflt_str(sn, "createTime", now))
		return -ENOMEM;
	if (dflt_bool(sn, "diskAbility", disk != NULL &&
	                                 strcmp(rec_str(sn, "status"), "CREATING") != 0))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(sn, "resourceGroup")) {
		cJSON *rg = store_resource_group_of(disk);
		if (!rg)
			return -ENOMEM;
		cJSON_AddItemToObject(sn, "resourceGroup", rg);
	}
	return 0;
}

static const char *const disk_strings[] = {
	"diskId", "diskName", "regionId", "zoneId", "diskType", "diskCategory",
	"diskStatus", "instanceId", "instanceName", "resourceGroupId",
	"resourceGroupName", "serial", "autoSnapshotPolicyId", NULL,
};
static const char *const disk_bools[] = {
	"portable", "snapshotAbility", "burstingEnabled", NULL,
};
static const char *const snap_strings[] = {
	"snapshotId", "snapshotName", "zoneId", "status", "snapshotType", "diskId", NULL,
};
static const char *const times[] = {
	"createTime", "retentionTime", "expiredTime", NULL,
};

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
	v = cJSON_GetObjectItemCaseSensitive(rec, "period");
	if (v && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	                             v->valuedouble != (double)v->valueint)) {
		snprintf(err, err_size, "period must be a whole number of months");
		return -EINVAL;
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

static int check_disk(const cJSON *rec, char *err, size_t err_size)
{
	return check_fields(rec, disk_strings, disk_bools, err, err_size) ||
	       check_tags(rec, err, err_size) ? -EINVAL : 0;
}

int store_check_disk_fields(const cJSON *fields, char *err, size_t err_size)
{
	if (!cJSON_IsObject(fields)) {
		snprintf(err, err_size, "a disk must be a JSON object");
		return -EINVAL;
	}
	return check_disk(fields, err, err_size);
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
	      ? check_disk(rec, why, sizeof(why))
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

/* The next record of a seed array: moved out of it (owned), or a copy. */
static cJSON *take(cJSON *array, cJSON *it, bool owned)
{
	return owned ? cJSON_DetachItemViaPointer(array, it) : cJSON_Duplicate(it, 1);
}

/* Both loads: the new content is built aside, then swapped in. */
static int load(struct store *s, cJSON *seed, bool owned, char *err, size_t err_size)
{
	struct store_content old = s->c;
	long long old_offset = s->clock_offset_ms;
	unsigned long long old_next = s->next_id;
	struct snap_vec bulk = { NULL, 0, 0 };
	cJSON *disks, *snaps, *it, *next;
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
	store_content_init(&s->c);
	s->clock_offset_ms = offset;
	zec_time_format(store_now_locked(s), now);
	for (it = disks ? disks->child : NULL; it; it = next) {
		cJSON *d;
		const char *st;
		char *after = NULL;
		long long due_ms = 0;

		next = it->next;
		d = take(disks, it, owned);
		ret = d ? 0 : -ENOMEM;
		if (!ret && store_find_disk_locked(s, rec_str(d, "diskId")) >= 0) {
			snprintf(err, err_size, "duplicate diskId %s", rec_str(d, "diskId"));
			ret = -EINVAL;
		}
		if (!ret)
			ret = disk_defaults(d, now);
		st = ret ? NULL : rec_str(d, "diskStatus");
		/* a rollback under way when the state was saved ends after a
		 * full rollback delay from now, in the status it started from */
		if (st && strcmp(st, "ROLLING_BACK") == 0) {
			due_ms = store_now_ms_locked(s) + pending_delay(s, st);
			after = strdup(rec_str(d, "instanceId") ? "IN_USE" : "AVAILABLE");
			if (!after)
				ret = -ENOMEM;
		}
		if (!ret)
			ret = store_put_disk(s, d, after, due_ms, NULL);
		if (ret) {
			cJSON_Delete(d);
			goto fail;
		}
	}
	ret = policy_load_locked(s, seed, err, err_size);      /* policies.c */
	if (!ret)
		ret = lifecycle_load_locked(s, seed, err, err_size);   /* lifecycle.c */
	if (ret)
		goto fail;
	cJSON_ArrayForEach(it, snaps) {
		note_id(s, rec_str(it, "snapshotId"));
	}
	for (it = snaps ? snaps->child : NULL; it; it = next) {
		cJSON *sn;
		const char *id, *st;

		next = it->next;
		sn = take(snaps, it, owned);
		if (!sn) {
			ret = -ENOMEM;
			goto fail;
		}
		id = rec_str(sn, "snapshotId");
		if (id && store_find_snap_locked(s, id)) {
			snprintf(err, err_size, "duplicate snapshotId %s", id);
			cJSON_Delete(sn);
			ret = -EINVAL;
			goto fail;
		}
		ret = snap_defaults(s, sn, now);
		if (!ret) {
			st = rec_str(sn, "status");
			ret = store_put_snap(s, sn, pending_delay(s, st) ?
			               store_now_ms_locked(s) + pending_delay(s, st) : 0,
			               &bulk, NULL);
		}
		if (ret) {
			cJSON_Delete(sn);
			goto fail;
		}
	}
	build_trees(s, &bulk);
	store_content_free(&old);
	store_touch_locked(s);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	free_bulk(s, &bulk);
	store_content_free(&s->c);
	s->c = old;
	s->clock_offset_ms = old_offset;
	s->next_id = old_next;
	return ret;
}

int store_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size)
{
	/* copies: seed is only read (take() never detaches here) */
	return load(s, (cJSON *)(uintptr_t)seed, false, err, err_size);
}

int store_load_owned_locked(struct store *s, cJSON *seed, char *err, size_t err_size)
{
	return load(s, seed, true, err, err_size);
}

struct state_walk {
	cJSON *arr;
	bool nomem;
};

static bool state_visit(struct emu_snap *sn, void *arg)
{
	struct state_walk *w = arg;
	cJSON *c = cJSON_Duplicate(sn->rec, 1);

	if (!c) {
		w->nomem = true;
		return false;
	}
	cJSON_AddItemToArray(w->arr, c);
	return true;
}

cJSON *store_state_json_locked(const struct store *s)
{
	cJSON *root = cJSON_CreateObject(), *disks;
	struct state_walk w = { NULL, false };
	char now[ZEC_TIME_LEN];

	if (!root)
		return NULL;
	disks = cJSON_AddArrayToObject(root, "disks");
	w.arr = cJSON_AddArrayToObject(root, "snapshots");
	if (!disks || !w.arr)
		goto fail;
	for (size_t i = 0; i < s->c.ndisks; i++) {
		cJSON *c = cJSON_Duplicate(s->c.disks[i].rec, 1);
		if (!c)
			goto fail;
		cJSON_AddItemToArray(disks, c);
	}
	store_snap_walk_locked(s, NULL, state_visit, &w);
	if (w.nomem)
		goto fail;
	if (policy_state_json_locked(s, root) ||        /* policies.c */
	    lifecycle_state_json_locked(s, root))       /* lifecycle.c */
		goto fail;
	zec_time_format(store_now_locked(s), now);
	if (zj_add_string(root, "now", now))
		goto fail;
	return root;
fail:
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

/* ---- for autosnap.c and create_disks.c: records an action makes, with
 * the seed defaults ---- */

int store_add_snap_locked(struct store *s, cJSON *rec, long long due_ms,
                          struct emu_snap **out)
{
	char now[ZEC_TIME_LEN];
	int ret;

	zec_time_format(store_now_locked(s), now);
	ret = snap_defaults(s, rec, now);
	if (!ret)
		ret = store_put_snap(s, rec, due_ms, NULL, out);
	if (!ret)
		store_touch_locked(s);
	return ret;
}

int store_add_disk_locked(struct store *s, cJSON *rec, long long due_ms,
                          const char *after_status, size_t *out)
{
	char now[ZEC_TIME_LEN];
	char *after = NULL;
	int ret;

	zec_time_format(store_now_locked(s), now);
	if (due_ms && !(after = strdup(after_status)))
		return -ENOMEM;
	ret = disk_defaults(rec, now);
	if (ret) {
		free(after);
		return ret;
	}
	ret = store_put_disk(s, rec, after, due_ms, out);
	if (!ret)
		store_touch_locked(s);
	return ret;
}

/*
 * content.c - what zecfs's read-only files hold.
 *
 *   MNT/<diskId>/disk.json       the DescribeDisks record, pretty JSON
 *   MNT/<diskId>/snapshots.json  the disk's whole listing: one JSON array of
 *                                the DescribeSnapshots records, one a line,
 *                                in the order of snapshots/ (by name), from
 *                                the very list the directory shows
 *   MNT/<diskId>/snapshots/<name>/snapshot.json
 *                                one snapshot's DescribeSnapshots record,
 *                                pretty JSON (what snapshots.json has, one a line)
 *   MNT/.policies/<name>/policy.json
 *                                the DescribeAutoSnapshotPolicies record, pretty JSON
 *   MNT/.zecfs/stats             counters, pretty JSON
 *
 * Every file ends with a newline.  A listing's snapshots.json is made once
 * and kept with the (immutable) list, so stat and read agree on its size.
 */
#include "zecfs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_errno.h"

static pthread_mutex_t json_lock = PTHREAD_MUTEX_INITIALIZER;

static int add_str(cJSON *o, const char *key, const char *v)
{
	if (!v)
		return 0;
	return cJSON_AddStringToObject(o, key, v) ? 0 : -ENOMEM;
}

/* A snapshot's record as JSON: pretty or on one line. */
static char *snapshot_json(const struct zec_snapshot *s, bool pretty)
{
	cJSON *o = cJSON_CreateObject(), *rg = NULL;
	char *text = NULL;

	if (!o)
		return NULL;
	if (add_str(o, "snapshotId", s->snapshot_id) ||
	    add_str(o, "snapshotName", s->snapshot_name) ||
	    add_str(o, "zoneId", s->zone_id) ||
	    add_str(o, "status", s->status) ||
	    add_str(o, "snapshotType", s->snapshot_type) ||
	    add_str(o, "retentionTime", s->retention_time) ||
	    add_str(o, "diskId", s->disk_id) ||
	    add_str(o, "createTime", s->create_time) ||
	    !cJSON_AddBoolToObject(o, "diskAbility", s->disk_ability))
		goto out;
	if (s->resource_group_id || s->resource_group_name) {
		rg = cJSON_AddObjectToObject(o, "resourceGroup");
		if (!rg || add_str(rg, "resourceGroupId", s->resource_group_id) ||
		    add_str(rg, "resourceGroupName", s->resource_group_name))
			goto out;
	}
	text = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return text;
}

char *zecfs_snapshot_json(const struct zec_snapshot *s)
{
	return snapshot_json(s, false);
}

/* With json_lock held: makes l->json. */
static int build_list_json(struct zecfs_snaplist *l)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	len = (size_t)snprintf(buf, cap, "[%s", l->n ? "\n" : "");
	for (size_t i = 0; i < l->n; i++) {
		char *rec = zecfs_snapshot_json(&l->v[i].s);
		size_t need;

		if (!rec)
			goto nomem;
		need = strlen(rec) + 8;
		if (len + need >= cap) {
			char *bigger;

			while (len + need >= cap)
				cap *= 2;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(rec);
				goto nomem;
			}
			buf = bigger;
		}
		len += (size_t)snprintf(buf + len, cap - len, "  %s%s\n", rec,
		                        i + 1 < l->n ? "," : "");
		free(rec);
	}
	if (len + 3 > cap) {
		char *bigger = realloc(buf, len + 3);

		if (!bigger)
			goto nomem;
		buf = bigger;
	}
	memcpy(buf + len, "]\n", 3);
	l->json = buf;
	l->json_len = len + 2;
	return 0;
nomem:
	free(buf);
	return -ENOMEM;
}

/* The list's snapshots.json, made on first use. */
static int list_json(struct zecfs_snaplist *l, const char **text, size_t *len)
{
	int ret = 0;

	pthread_mutex_lock(&json_lock);
	if (!l->json)
		ret = build_list_json(l);
	*text = l->json;
	*len = l->json_len;
	pthread_mutex_unlock(&json_lock);
	return ret;
}

/* The counters, plus the inodes the kernel holds now (forget frees them). */
static char *stats_text(struct zecfs *fs)
{
	struct zecfs_cache_counters cc;
	char *json, *full = NULL, *text = NULL;
	cJSON *o = NULL;

	zecfs_cache_counters(fs->cache, &cc);
	json = zecfs_stats_json(fs->stats, &cc);
	if (json)
		o = cJSON_Parse(json);
	if (o && cJSON_AddNumberToObject(o, "inodes", (double)zecfs_inodes_count(fs->inodes)))
		full = cJSON_Print(o);
	if (full && asprintf(&text, "%s\n", full) < 0)
		text = NULL;
	cJSON_Delete(o);
	free(full);
	free(json);
	return text;
}

/* The API record a disk.json or policy.json shows, as received. */
static const char *record_json(const struct zecfs_node *n)
{
	const char *json = n->id.kind == ZECFS_POLICY_JSON ? n->pol->p.json : n->disk->d.json;

	return json ? json : "{}";
}

int zecfs_content(struct zecfs *fs, const struct zecfs_node *n, char **text, size_t *len)
{
	struct zec_result res = { .path = "snapshots.json" };
	struct zecfs_snaplist *sl = NULL;
	const char *json;
	int ret = 0;

	*text = NULL;
	switch (n->id.kind) {
	case ZECFS_DISK_JSON:
	case ZECFS_POLICY_JSON:
		if (asprintf(text, "%s\n", record_json(n)) < 0)
			*text = NULL;
		break;
	case ZECFS_STATS_FILE:
		*text = stats_text(fs);
		break;
	case ZECFS_SNAP_JSON: {
		char *json = snapshot_json(&n->snap->s, true);

		if (json && asprintf(text, "%s\n", json) < 0)
			*text = NULL;
		free(json);
		break;
	}
	case ZECFS_SNAPS_JSON:
		ret = zecfs_cache_snapshots(fs->cache, n->id.disk_id, &sl, &res);
		if (ret)
			return ret;
		ret = list_json(sl, &json, len);
		if (!ret) {
			*text = malloc(*len + 1);
			if (*text)
				memcpy(*text, json, *len + 1);
		}
		zecfs_snaplist_put(sl);
		break;
	default:
		return -EISDIR;
	}
	if (!*text)
		return zecfs_refuse(ZECFS_OUT_OF_MEMORY);
	*len = strlen(*text);
	return ret;
}

int zecfs_content_size(struct zecfs *fs, const struct zecfs_node *n, off_t *size)
{
	struct zec_result res = { .path = "snapshots.json" };
	struct zecfs_snaplist *sl = NULL;
	const char *json;
	size_t len = 0;
	char *text;
	int ret;

	*size = 0;
	switch (n->id.kind) {
	case ZECFS_DISK_JSON:
	case ZECFS_POLICY_JSON:
		*size = (off_t)strlen(record_json(n)) + 1;
		return 0;
	case ZECFS_SNAPS_JSON:
		ret = zecfs_cache_snapshots(fs->cache, n->id.disk_id, &sl, &res);
		if (ret)
			return ret;
		ret = list_json(sl, &json, &len);
		zecfs_snaplist_put(sl);
		*size = (off_t)len;
		return ret ? zecfs_refuse(ZECFS_OUT_OF_MEMORY) : 0;
	default:
		ret = zecfs_content(fs, n, &text, &len);
		free(text);
		*size = (off_t)len;
		return ret;
	}
}

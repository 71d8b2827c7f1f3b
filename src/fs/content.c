/*
 * content.c - what zecfs's read-only files hold.
 *
 *   MNT/<diskId>/disk.json       the DescribeDisks record, pretty JSON
 *   MNT/<diskId>/snapshots.json  the disk's whole listing: one JSON array of
 *                                the DescribeSnapshots records, one a line,
 *                                sorted by directory name, from
 *                                the very list the directory shows
 *   MNT/<diskId>/snapshots/<name>/snapshot.json
 *                                one snapshot's DescribeSnapshots record,
 *                                pretty JSON (what snapshots.json has, one a line)
 *   MNT/.policies/<name>/policy.json
 *                                the DescribeAutoSnapshotPolicies record, pretty JSON
 *   MNT/.zecfs/stats             counters, pretty JSON
 *   MNT/.zecfs/metrics           the same, in Prometheus's text format
 *
 * Every file ends with a newline.  The sizes of snapshot.json and
 * snapshots.json are counted by the code that writes their records
 * (snapjson.c) without making any text; a listing's snapshots.json size is
 * counted once and kept with the (immutable) list; its text is made again
 * at each open (the same bytes: the list does not change), never kept.
 */
#include "zecfs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapjson.h"
#include "zec_errno.h"

/* A snapshot's record as JSON, malloc'd with a newline after it (snapshot.json). */
static char *snapshot_text(const struct zecfs_snap *sn)
{
	struct zecfs_snap_rec r;
	size_t len;
	char *text;

	zecfs_snap_record(sn, &r);
	len = zecfs_snapjson(&r.s, true, NULL, 0);
	text = malloc(len + 2);
	if (!text)
		return NULL;
	zecfs_snapjson(&r.s, true, text, len);
	memcpy(text + len, "\n", 2);
	return text;
}

/*
 * snapshots.json is "[\n", then each record as "  REC,\n" (no comma after
 * the last), then "]\n"; "[]\n" when the list is empty.  With buf NULL only
 * the size is counted; else the text is written to buf, cap bytes at most
 * (the NUL included).  Serialising an immutable list is deterministic, so
 * the text written at open has the size counted for stat; a text that would
 * not fit cap is -EIO, never an overflow.
 */
static int list_json_write(const struct zecfs_snaplist *l, char *buf, size_t cap, size_t *len)
{
	size_t at = l->n ? 2 : 1;

	if (buf && cap < at + 3)
		return -EIO;
	if (buf)
		memcpy(buf, "[\n", at);
	for (size_t i = 0; i < l->n; i++) {
		const char *end = i + 1 < l->n ? ",\n" : "\n";
		size_t rl, el = strlen(end);
		struct zecfs_snap_rec r;

		if (!buf) {
			at += 2 + zecfs_snap_json_len(&l->v[i], false) + el;
			continue;
		}
		zecfs_snap_record(&l->v[i], &r);
		if (cap - at < 2)
			return -EIO;
		memcpy(buf + at, "  ", 2);
		rl = zecfs_snapjson(&r.s, false, buf + at + 2, cap - at - 2);
		if (cap - at < 2 + rl + el + 3)
			return -EIO;
		memcpy(buf + at + 2 + rl, end, el);
		at += 2 + rl + el;
	}
	if (buf)
		memcpy(buf + at, "]\n", 3);
	*len = at + 2;
	return 0;
}

/*
 * The size of the list's snapshots.json, counted on first use and kept with
 * the list (never 0: an empty list's is 3).  The text itself is not kept: a
 * walk that stats every disk's snapshots.json would otherwise hold a second,
 * larger copy of every listing (310 bytes a snapshot).  Two threads
 * may count at once; both find the same size.
 */
static int list_json_size(struct zecfs_snaplist *l, size_t *len)
{
	int ret;

	*len = __atomic_load_n(&l->json_len, __ATOMIC_RELAXED);
	if (*len)
		return 0;
	ret = list_json_write(l, NULL, 0, len);
	if (!ret)
		__atomic_store_n(&l->json_len, *len, __ATOMIC_RELAXED);
	return ret;
}

/* The list's snapshots.json text (malloc'd) and its length. */
static int list_json(struct zecfs_snaplist *l, char **text, size_t *len)
{
	size_t want, got;
	int ret;

	*text = NULL;
	ret = list_json_size(l, &want);
	if (ret)
		return ret;
	*text = malloc(want + 1);
	if (!*text)
		return -ENOMEM;
	ret = list_json_write(l, *text, want + 1, &got);
	if (!ret && got != want)
		ret = -EIO;                 /* the list changed: it cannot */
	if (ret) {
		free(*text);
		*text = NULL;
		return ret;
	}
	*len = got;
	return 0;
}

/* The counters, plus the inodes the kernel holds now (forget frees them). */
static char *stats_text(struct zecfs *fs)
{
	struct zecfs_cache_counters cc;
	struct zecfs_browse_counters bc;
	struct zec_breaker_info bi;
	char *json, *full = NULL, *text = NULL;
	cJSON *o = NULL;

	zecfs_cache_counters(fs->cache, &cc);
	zec_client_breaker_info(fs->client, &bi);
	zecfs_browse_counters(fs, &bc);
	json = zecfs_stats_json(fs->stats, &cc, &bi, &bc);
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
	case ZECFS_METRICS_FILE: {
		struct zecfs_cache_counters cc;
		struct zecfs_browse_counters bc;
		struct zec_breaker_info bi;

		zecfs_cache_counters(fs->cache, &cc);
		zec_client_breaker_info(fs->client, &bi);
		zecfs_browse_counters(fs, &bc);
		*text = zecfs_stats_prometheus(fs->stats, &cc, &bi, &bc,
		                               zecfs_inodes_count(fs->inodes));
		break;
	}
	case ZECFS_SNAP_JSON:
		*text = snapshot_text(n->snap);
		break;
	case ZECFS_SNAPS_JSON:
		ret = zecfs_cache_snapshots(fs->cache, n->id.disk_id, &sl, &res);
		if (ret)
			return ret;
		ret = list_json(sl, text, len);
		zecfs_snaplist_put(sl);
		if (ret && ret != -ENOMEM)
			return ret;
		ret = 0;
		break;
	default:
		return -EISDIR;
	}
	if (!*text)
		return zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
	*len = strlen(*text);
	return ret;
}

int zecfs_content_size(struct zecfs *fs, const struct zecfs_node *n, off_t *size)
{
	struct zec_result res = { .path = "snapshots.json" };
	struct zecfs_snaplist *sl = NULL;
	size_t len = 0;
	char *text;
	int ret;

	*size = 0;
	switch (n->id.kind) {
	case ZECFS_DISK_JSON:
	case ZECFS_POLICY_JSON:
		*size = (off_t)strlen(record_json(n)) + 1;
		return 0;
	case ZECFS_SNAP_JSON:
		/* counted, not made: a walk's READDIRPLUS asks for every one */
		*size = (off_t)zecfs_snap_json_len(n->snap, true) + 1;
		return 0;
	case ZECFS_SNAPS_JSON:
		ret = zecfs_cache_snapshots(fs->cache, n->id.disk_id, &sl, &res);
		if (ret)
			return ret;
		ret = list_json_size(sl, &len);
		zecfs_snaplist_put(sl);
		*size = (off_t)len;
		return ret ? zecfs_errno_of(ZECFS_OUT_OF_MEMORY) : 0;
	default:
		ret = zecfs_content(fs, n, &text, &len);
		free(text);
		*size = (off_t)len;
		return ret;
	}
}

/*
 * control.c - the control plane under /_emulator/ (no auth, loopback only):
 * state, reset, disk edits, the business clock, call counters and faults.
 * Answers are JSON; errors are {"error":"..."}.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"
#include "seed.h"
#include "server.h"
#include "zec_log.h"
#include "zec_time.h"

static int reply_json(cJSON *doc, int status, char **out)
{
	*out = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (!*out) {
		*out = strdup("{\"error\":\"out of memory\"}");
		return 500;
	}
	return status;
}

static int reply_error(int status, const char *msg, char **out)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddStringToObject(o, "error", msg);
	return reply_json(o, status, out);
}

/* Parses an optional JSON object body; NULL body text gives *doc NULL. */
static int parse_body(const char *body, size_t len, cJSON **doc, char **out)
{
	size_t i = 0;

	*doc = NULL;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' ||
	                   body[i] == '\t'))
		i++;
	if (i == len)
		return 0;
	*doc = cJSON_ParseWithLength(body, len);
	if (!*doc || !cJSON_IsObject(*doc)) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return reply_error(400, "the body must be a JSON object", out);
	}
	return 0;
}

static int get_state(struct emu_server *srv, char **out)
{
	cJSON *state;

	pthread_mutex_lock(&srv->store.lock);
	store_tick_locked(&srv->store);
	state = store_state_json_locked(&srv->store);
	pthread_mutex_unlock(&srv->store.lock);
	store_persist(&srv->store);
	return reply_json(state, 200, out);
}

static int do_reset(struct emu_server *srv, const char *body, size_t len, char **out)
{
	char err[256] = "";
	cJSON *seed = NULL;
	bool initial;
	int st, ret;

	if ((st = parse_body(body, len, &seed, out)))
		return st;
	initial = !seed;
	if (initial) {
		/* the start-up seed, parsed again (outside the lock: it never changes) */
		const char *text = srv->store.initial_seed;

		seed = text ? cJSON_Parse(text) : cJSON_CreateObject();
		if (!seed)
			return reply_error(500, "out of memory", out);
	}
	pthread_mutex_lock(&srv->store.lock);
	ret = store_load_owned_locked(&srv->store, seed, err, sizeof(err));
	if (!ret)
		images_after_load_locked(&srv->store, true,
		                         initial && srv->cfg->demo && !srv->cfg->seed_file);
	pthread_mutex_unlock(&srv->store.lock);
	cJSON_Delete(seed);
	if (ret)
		return reply_error(ret == -ENOMEM ? 500 : 400, err[0] ? err : "reset failed", out);
	zlog_info("control reset seed=%s", initial ? "initial" : "body");
	return get_state(srv, out);
}

/* Type-checks the fields to set; null (remove the field) is always allowed. */
static int check_disk_fields(const cJSON *fields, char **out)
{
	cJSON *copy = cJSON_Duplicate(fields, 1), *it, *next;
	char err[160];
	int ret;

	if (!copy)
		return reply_error(500, "out of memory", out);
	for (it = copy->child; it; it = next) {
		next = it->next;
		if (strlen(it->string) >= 100) {
			cJSON_Delete(copy);
			return reply_error(400, "field names are at most 99 characters", out);
		}
		if (cJSON_IsNull(it))
			cJSON_Delete(cJSON_DetachItemViaPointer(copy, it));
	}
	ret = store_check_disk_fields(copy, err, sizeof(err));
	cJSON_Delete(copy);
	return ret ? reply_error(400, err, out) : 0;
}

static int set_disk(struct emu_server *srv, const char *disk_id, const char *body,
                    size_t len, char **out)
{
	cJSON *fields = NULL, *it, *result = NULL;
	struct emu_disk *d;
	const char *id;
	long i;
	int st;

	if ((st = parse_body(body, len, &fields, out)))
		return st;
	if (!fields)
		return reply_error(400, "the body must be a JSON object of disk fields", out);
	if ((st = check_disk_fields(fields, out)) != 0) {
		cJSON_Delete(fields);
		return st;
	}
	id = rec_str(fields, "diskId");
	if (cJSON_GetObjectItemCaseSensitive(fields, "diskId") &&
	    (!id || strcmp(id, disk_id) != 0)) {
		cJSON_Delete(fields);
		return reply_error(400, "diskId cannot be changed", out);
	}
	pthread_mutex_lock(&srv->store.lock);
	store_tick_locked(&srv->store);
	i = store_find_disk_locked(&srv->store, disk_id);
	if (i < 0) {
		pthread_mutex_unlock(&srv->store.lock);
		cJSON_Delete(fields);
		return reply_error(404, "no such disk", out);
	}
	d = &srv->store.c.disks[i];
	while ((it = fields->child) != NULL) {
		char key[128];

		cJSON_DetachItemViaPointer(fields, it);
		/* cJSON renames the item from this key: never pass it->string */
		snprintf(key, sizeof(key), "%s", it->string);
		if (strcmp(key, "diskStatus") == 0 && d->due_ms) {
			/* an explicit status ends a pending rollback of the disk */
			d->due_ms = 0;
			free(d->prev_status);
			d->prev_status = NULL;
		}
		if (cJSON_IsNull(it)) {
			cJSON_DeleteItemFromObjectCaseSensitive(d->rec, key);
			cJSON_Delete(it);
		} else if (cJSON_GetObjectItemCaseSensitive(d->rec, key)) {
			cJSON_ReplaceItemInObjectCaseSensitive(d->rec, key, it);
		} else {
			cJSON_AddItemToObject(d->rec, key, it);
		}
	}
	store_disk_norm_tags(d->rec);       /* {"tags":[...]}, whichever was sent */
	store_touch_locked(&srv->store);
	result = cJSON_Duplicate(d->rec, 1);
	pthread_mutex_unlock(&srv->store.lock);
	cJSON_Delete(fields);
	store_persist(&srv->store);
	zlog_info("control disk-update diskId=%s", disk_id);
	return reply_json(result, 200, out);
}

static int advance_clock(struct emu_server *srv, const char *body, size_t len, char **out)
{
	cJSON *doc = NULL, *v, *res;
	char now[ZEC_TIME_LEN];
	double secs;
	int st;

	if ((st = parse_body(body, len, &doc, out)))
		return st;
	v = doc ? cJSON_GetObjectItemCaseSensitive(doc, "advanceSeconds") : NULL;
	if (!v || !cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    fabs(v->valuedouble) > 1e11) {
		cJSON_Delete(doc);
		return reply_error(400, "advanceSeconds must be a number", out);
	}
	secs = v->valuedouble;
	cJSON_Delete(doc);
	pthread_mutex_lock(&srv->store.lock);
	srv->store.clock_offset_ms += llround(secs * 1000.0);
	store_touch_locked(&srv->store);
	store_tick_locked(&srv->store);
	zec_time_format(store_now_locked(&srv->store), now);
	pthread_mutex_unlock(&srv->store.lock);
	store_persist(&srv->store);
	zlog_info("control clock advanceSeconds=%g now=%s", secs, now);
	res = cJSON_CreateObject();
	if (res)
		cJSON_AddStringToObject(res, "now", now);
	return reply_json(res, 200, out);
}

static int add_faults(struct emu_server *srv, const char *body, size_t len, char **out)
{
	cJSON *doc = cJSON_ParseWithLength(body, len), *it;
	char err[256] = "";
	int ret = 0;

	if (!doc || !(cJSON_IsObject(doc) || cJSON_IsArray(doc))) {
		cJSON_Delete(doc);
		return reply_error(400, "the body must be a fault object or an array of them", out);
	}
	if (cJSON_IsObject(doc)) {
		ret = faults_add(&srv->faults, doc, err, sizeof(err));
	} else {
		cJSON_ArrayForEach(it, doc) {
			ret = faults_add(&srv->faults, it, err, sizeof(err));
			if (ret)
				break;
		}
	}
	cJSON_Delete(doc);
	if (ret)
		return reply_error(ret == -ENOMEM ? 500 : 400, err[0] ? err : "out of memory", out);
	zlog_info("control faults-add");
	return reply_json(faults_json(&srv->faults), 200, out);
}

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

int control_content(struct emu_server *srv, const char *id_path,
                    const struct control_upload *up, char **out)
{
	const char *fs = up->fs ? up->fs : "ext4", *ct = up->content_type;
	size_t n = strcspn(id_path, "/");
	char id[160], err[512] = "";
	cJSON *doc;
	bool part;
	int st;

	if (n >= sizeof(id))
		return reply_error(404, "no such disk", out);
	snprintf(id, sizeof(id), "%.*s", (int)n, id_path);
	if (!ct || strncmp(ct, "application/x-tar", strlen("application/x-tar")) != 0)
		return reply_error(415, "the body must be a tar archive "
		                   "(Content-Type: application/x-tar)", out);
	if (up->partitioned && !is(up->partitioned, "0") && !is(up->partitioned, "1"))
		return reply_error(400, "partitioned must be 0 or 1", out);
	part = up->partitioned && is(up->partitioned, "1");
	if (!up->file && srv->cfg->disk_data)
		return reply_error(500, "the upload could not be stored", out);
	st = images_put_content(&srv->store, id, up->file ? up->file : "", fs, part,
	                        err, sizeof(err));
	if (st != 200) {
		zlog_info("control disk-content refused diskId=%s status=%d error=\"%s\"",
		          ZLOG_ESC(id), st, ZLOG_ESC(err));
		return reply_error(st, err, out);
	}
	doc = cJSON_CreateObject();
	if (doc && (!cJSON_AddStringToObject(doc, "diskId", id) ||
	            !cJSON_AddStringToObject(doc, "fs", fs) ||
	            !cJSON_AddBoolToObject(doc, "partitioned", part))) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	return reply_json(doc, 200, out);
}

int control_handle(struct emu_server *srv, const char *method, const char *path,
                   const char *body, size_t len, char **out)
{
	bool get = is(method, "GET"), post = is(method, "POST"), del = is(method, "DELETE");

	/* one route a line on purpose, in the order docs/emulator.md lists them */

	if (is(path, "state") && get)
		return get_state(srv, out);
	if (is(path, "reset") && post)
		return do_reset(srv, body, len, out);
	if (strncmp(path, "disks/", 6) == 0 && path[6] && !strchr(path + 6, '/') && post)
		return set_disk(srv, path + 6, body, len, out);
	if (is(path, "clock") && post)
		return advance_clock(srv, body, len, out);
	if (is(path, "calls") && get)
		return reply_json(stats_json(&srv->stats), 200, out);
	if (is(path, "calls/reset") && post) {
		stats_reset(&srv->stats);
		return reply_json(stats_json(&srv->stats), 200, out);
	}
	if (is(path, "faults") && post)
		return add_faults(srv, body, len, out);
	if (is(path, "faults") && get)
		return reply_json(faults_json(&srv->faults), 200, out);
	if (is(path, "faults") && del) {
		faults_clear(&srv->faults);
		zlog_info("control faults-clear");
		return reply_json(faults_json(&srv->faults), 200, out);
	}
	if (is(path, "state") || is(path, "reset") || is(path, "clock") ||
	    is(path, "calls") || is(path, "calls/reset") || is(path, "faults") ||
	    strncmp(path, "disks/", 6) == 0)
		return reply_error(405, "method not allowed", out);
	return reply_error(404, "no such control endpoint", out);
}

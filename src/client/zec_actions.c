/*
 * zec_actions.c - one typed function per mutating or lookup ZEC API action
 * on disks and snapshots, with the re-sending rules of each.
 *
 * Each action checks its arguments locally (outcome LOCAL, code
 * ZECFS_BAD_ARGUMENT), builds its body (zec_parse.c), sends it through
 * zec_http_call() (zec_call.c: retries, deadline; zec_http.c: signing) and
 * parses the answer into C structs.  No JSON reaches the caller.  The
 * opening and closing lines of the actions (here and in zec_policy.c) are
 * alike on purpose: each action reads top-down, one exit path.
 *
 * Re-sending rules:
 *  - Describe*, ModifySnapshotsAttribute, ModifyDisksAttributes: idempotent,
 *    retried freely.  A ModifySnapshotsAttribute that still fails after a try
 *    that may have been applied is confirmed by reading the snapshots back,
 *    with one more deadline of its own (modify_confirm).
 *  - DeleteSnapshots: retried; INVALID_DISK_SNAPSHOT_NOT_FOUND after a try
 *    that may have been applied means the snapshots are already gone: success.
 *  - CreateSnapshot: never re-sent blindly.  After an ambiguous failure
 *    (timeout or dropped connection after sending, a 5xx other than 503) the
 *    name is looked up on the disk (diskIds=[id], snapshotName="^name$",
 *    then an exact comparison here).  Candidates are the exact matches of
 *    that disk, not DELETING, not among the ids the caller knew before the
 *    create, whose createTime (server clock) is no earlier than the first
 *    try's start (our clock) minus CREATE_SKEW_S; one without a usable
 *    createTime counts as recent (create_lookup()).
 *      one candidate          -> adopted: success with its snapshotId;
 *      several                -> the newest is adopted, unless two share the
 *                                newest createTime: ZECFS_CREATE_UNCERTAIN (EIO);
 *      none, but a namesake   -> it may be ours if the server's clock lags
 *      older than the window     ours (by up to CLOCK_SLACK_S, the signature
 *      by at most CLOCK_SLACK_S  window): not re-sent, the create's own
 *                                failure is returned;
 *      none at all            -> definitely not created: re-sent if attempts
 *                                and deadline remain;
 *      the lookup itself fails-> the create's own failure is returned.
 *  - ApplySnapshot: a rollback is not re-sent after an ambiguous failure
 *    (a second rollback could discard writes); the failure is returned.
 */
#include "zec_parse.h"
#include "zec_actions_int.h"
#include "zec_walk.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_time.h"

#define MAX_IDS        100        /* ids per mutating call */
#define CLOCK_SLACK_S  300        /* the API's signature window */
#define CREATE_SKEW_S  5          /* server clock behind ours, for adoption */

/* ---- helpers ------------------------------------------------------------- */

int bad_argument(struct zec_result *res, const char *message)
{
	return zec_result_local(res, ZECFS_BAD_ARGUMENT, message);
}

int no_memory(struct zec_result *res)
{
	return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "out of memory");
}

/* Every id present and non-empty; n in [min, max]. */
bool ids_ok(const char *const *ids, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return false;
	if (n && !ids)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || !*ids[i])
			return false;
	}
	return true;
}

bool str_ok(const char *s)
{
	return s && *s;
}

bool listed_in(const char *id, const char *const *ids, size_t n)
{
	for (size_t i = 0; id && i < n; i++) {
		if (strcmp(ids[i], id) == 0)
			return true;
	}
	return false;
}

/* The answer was 200 but its content is unusable. */
int parse_failed(struct zec_result *res, int err, const char *what)
{
	if (err == -ENOMEM)
		return no_memory(res);
	zec_result_bad_response(res, what);
	zec_http_log_failure(res);
	return res->err;
}

/* Sends body as action; *response is the "response" object on success. */
int send_call(struct zec_client *c, const char *action, char *body,
                     int body_ret, unsigned flags, uint64_t deadline,
                     uint64_t t0, cJSON **response, struct zec_call *callp,
                     struct zec_result *res)
{
	return send_call_fast(c, action, body, body_ret, flags, deadline, t0, NULL, NULL,
	                      response, callp, res);
}

int send_call_fast(struct zec_client *c, const char *action, char *body, int body_ret,
                   unsigned flags, uint64_t deadline, uint64_t t0,
                   int (*fast)(void *arg, const char *body, size_t len, struct zec_result *res),
                   void *fast_arg, cJSON **response, struct zec_call *callp,
                   struct zec_result *res)
{
	struct zec_call call = {
		.action = action,
		.body = body,
		.flags = flags,
		.deadline_ms = deadline,
		.fast = fast,
		.fast_arg = fast_arg,
	};
	int ret;

	zec_walk_try_hook(&call.on_failed_try, &call.hook_arg);
	*response = NULL;
	if (body_ret == -ENOMEM)
		return no_memory(res);
	if (body_ret)
		return bad_argument(res, "cannot build the request body");
	ret = zec_http_call(c, &call, t0, response, res);
	if (callp)
		*callp = call;
	return ret;
}

/* ---- snapshot names -------------------------------------------------------- */

/*
 * The snapshots of disk_id named exactly name, into out.  The snapshotName
 * filter is anchored "^name$" as the CSI driver does (zenlayer-cloud-csi-driver
 * pkg/cloud/cloud_manager.go, FindSnapshotByName), and the result is filtered
 * here for the exact name, since the SDK documents the filter only as fuzzy
 * ("该字段支持模糊搜索", zenlayercloud-sdk-go zec20250901/models.go).  A server
 * that takes the filter as a plain substring finds nothing for "^name$", so
 * an empty answer is followed by the unanchored query before the name is
 * taken as free.
 */
static int snapshots_named(struct zec_client *c, const char *disk_id,
                           const char *name, uint64_t deadline,
                           struct zec_snapshot_list *out, struct zec_result *res)
{
	char *pattern = NULL;
	size_t kept = 0;
	int ret = 0;

	enum zec_name_filter how = zec_client_name_filter(c);
	int rounds;

	memset(out, 0, sizeof(*out));
	if (asprintf(&pattern, "^%s$", name) < 0)
		return -ENOMEM;
	/*
	 * Anchored first.  An empty anchored answer proves nothing on a server
	 * that takes the filter as a substring, so the unanchored query
	 * follows, until the server's way is known: an anchored query that
	 * found the name shows anchors work (one query from then on); an
	 * unanchored one that found what the anchored one missed shows they
	 * do not (unanchored only from then on).
	 */
	rounds = how == ZEC_FILTER_UNKNOWN ? 2 : 1;
	for (int round = 0; round < rounds && !kept && !ret; round++) {
		bool anchored = how != ZEC_FILTER_SUBSTRING && round == 0;
		struct zec_snapshot_filter f = {
			.disk_ids = &disk_id,
			.n_disk_ids = 1,
			.snapshot_name = anchored ? pattern : name,
		};

		zec_snapshot_list_free(out);
		ret = zec_snapshots_all(c, &f, deadline, out, res);
		for (size_t i = 0; !ret && i < out->count; i++) {
			struct zec_snapshot *s = &out->items[i];

			if (!s->snapshot_name || strcmp(s->snapshot_name, name) != 0 ||
			    (s->disk_id && strcmp(s->disk_id, disk_id) != 0)) {
				zec_snapshot_clear(s);
				continue;
			}
			if (kept != i) {
				out->items[kept] = *s;
				memset(s, 0, sizeof(*s));
			}
			kept++;
		}
		if (!ret)
			out->count = kept;
		if (!ret && kept && how == ZEC_FILTER_UNKNOWN)
			zec_client_learn_name_filter(c, anchored ? ZEC_FILTER_ANCHORED :
			                                           ZEC_FILTER_SUBSTRING);
	}
	if (ret)
		zec_snapshot_list_free(out);
	free(pattern);
	return ret;
}

/* ---- CreateSnapshot ------------------------------------------------------ */

/* What the lookup after an ambiguous CreateSnapshot found. */
enum lookup_found {
	LOOKUP_NONE = 0,            /* definitely not created: may be re-sent */
	LOOKUP_OURS,                /* *id is the snapshot this create made */
	LOOKUP_UNSURE,              /* a namesake we cannot place: not re-sent */
	LOOKUP_TIE,                 /* two equally new candidates */
};

static bool id_known(const char *id, const char *const *known, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (known[i] && strcmp(known[i], id) == 0)
			return true;
	}
	return false;
}

/*
 * After an ambiguous CreateSnapshot: a LOOKUP_* value, or
 * a negative errno when the lookup failed.  A candidate is an exact match of
 * name and disk that is not DELETING, not one of the ids the caller knew,
 * and whose createTime (server clock) is no earlier than 'sent' (our clock,
 * when the first try was sent) minus CREATE_SKEW_S.  An unknown, live
 * namesake older than that but within CLOCK_SLACK_S may still be ours (the
 * server's clock may be behind ours by as much as the signature window):
 * LOOKUP_UNSURE, so the request is not sent again.
 */
static int create_lookup(struct zec_client *c, const char *disk_id,
                         const char *name, time_t sent, const char *const *known,
                         size_t n_known, uint64_t deadline, const char *path,
                         char **id)
{
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	const struct zec_snapshot *best = NULL;
	time_t best_t = 0;
	bool tie = false, unsure = false;
	int ret;

	*id = NULL;
	ret = snapshots_named(c, disk_id, name, deadline, &list, &lres);
	if (ret)
		goto out;
	for (size_t i = 0; i < list.count; i++) {
		const struct zec_snapshot *s = &list.items[i];
		time_t t;

		if (!s->snapshot_name || strcmp(s->snapshot_name, name) != 0)
			continue;
		if (s->disk_id && strcmp(s->disk_id, disk_id) != 0)
			continue;
		if (s->status && strcmp(s->status, "DELETING") == 0)
			continue;           /* being deleted: never what a create made */
		if (id_known(s->snapshot_id, known, n_known))
			continue;           /* existed before this create */
		if (!s->create_time || zec_time_parse_api(s->create_time, &t))
			t = sent;           /* no usable time: count it as recent */
		if (t < sent - CREATE_SKEW_S) {
			if (t >= sent - CLOCK_SLACK_S)
				unsure = true;  /* ours if the server's clock lags */
			continue;
		}
		if (!best || t > best_t) {
			best = s;
			best_t = t;
			tie = false;
		} else if (t == best_t) {
			tie = true;
		}
	}
	if (!best) {
		ret = unsure ? LOOKUP_UNSURE : LOOKUP_NONE;
	} else if (tie) {
		ret = LOOKUP_TIE;
	} else {
		*id = strdup(best->snapshot_id);
		ret = *id ? LOOKUP_OURS : -ENOMEM;
	}
out:
	zec_snapshot_list_free(&list);
	return ret;
}

/*
 * After CreateSnapshot was refused with the disk-status code: when the disk is
 * SNAPSHOT_CREATING (a snapshot of it is being made: zenlayercloud-cli
 * apis/en-US/zec/describe-disks.yaml, zenlayer-cloud-csi-driver
 * pkg/cloud/types.go), waits with backoff until it leaves that status, within
 * the call's deadline.  1: send the create again; 0: keep the refusal.
 */
static int await_disk_snapshot_done(struct zec_client *c, const char *disk_id,
                                    uint64_t deadline, const struct zec_result *res)
{
	bool seen = false;

	if (res->outcome != ZEC_OUTCOME_API_ERROR ||
	    strcmp(res->code, "UNSUPPORTED_OPERATION_DISK_STATUS") != 0)
		return 0;
	for (int attempt = 1;; attempt++) {
		struct zec_result dres = { .path = res->path };
		struct zec_disk_filter f = {
			.disk_ids = &disk_id, .n_disk_ids = 1, .snapshot_ability = -1,
		};
		struct zec_disk_list l = { 0 };
		bool creating;
		long slept;

		if (zec_describe_disks_all(c, &f, &l, &dres) || l.count != 1) {
			zec_disk_list_free(&l);
			return 0;
		}
		creating = l.items[0].disk_status &&
		           strcmp(l.items[0].disk_status, "SNAPSHOT_CREATING") == 0;
		zec_disk_list_free(&l);
		if (!creating)
			return seen;
		if (!seen)
			zlog_info("api wait action=CreateSnapshot path=%s disk_id=%s "
			          "reason=disk_snapshot_creating", ZLOG_ESC(res->path),
			          ZLOG_ESC(disk_id));
		seen = true;
		if (zec_http_backoff(c, attempt, deadline, &slept))
			return 0;
	}
}

int zec_create_snapshot(struct zec_client *c, const char *disk_id,
                        const char *snapshot_name, const char *retention_time,
                        char **snapshot_id, struct zec_result *res)
{
	return zec_create_snapshot_known(c, disk_id, snapshot_name, retention_time,
	                                 NULL, 0, snapshot_id, res);
}

int zec_create_snapshot_known(struct zec_client *c, const char *disk_id,
                              const char *snapshot_name,
                              const char *retention_time,
                              const char *const *known_ids, size_t n_known,
                              char **snapshot_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms(), deadline;
	time_t started = zec_clock_wall();
	cJSON *response = NULL;
	char *body = NULL;
	int ret, max;

	if (!res)
		res = &local;
	zec_result_begin(res, "CreateSnapshot");
	if (snapshot_id)
		*snapshot_id = NULL;
	if (!c || !snapshot_id || !str_ok(disk_id) || !str_ok(snapshot_name) ||
	    (retention_time && !*retention_time) || (n_known && !known_ids))
		return bad_argument(res, "CreateSnapshot: bad arguments");
	ret = zec_build_create_snapshot(disk_id, snapshot_name, retention_time, &body);
	if (ret)
		return ret == -ENOMEM ? no_memory(res) : bad_argument(res, "CreateSnapshot: body");

	deadline = zec_call_deadline(c, 0);
	max = zec_client_retries(c);
	for (;;) {
		struct zec_call call = {
			.action = "CreateSnapshot",
			.body = body,
			.flags = ZEC_CALL_NOT_IDEMPOTENT,
			.deadline_ms = deadline,
			.max_attempts = max - res->attempts,
		};
		long slept;
		int found;

		ret = zec_http_call(c, &call, t0, &response, res);
		if (ret == 0) {
			ret = zec_parse_snapshot_id(response, snapshot_id);
			if (ret)
				ret = parse_failed(res, ret, "CreateSnapshot: no snapshotId");
			break;
		}
		if (!call.ambiguous) {
			if (await_disk_snapshot_done(c, disk_id, deadline, res) != 1)
				break;
			max++;          /* the disk was busy with a snapshot: not a failed try */
			continue;
		}

		found = create_lookup(c, disk_id, snapshot_name, started, known_ids,
		                      n_known, deadline, res->path, snapshot_id);
		if (found == LOOKUP_OURS) {
			char ep[ZLOG_ESC_MAX], ed[ZLOG_ESC_MAX], es[ZLOG_ESC_MAX];

			zlog_warn("api create adopted action=CreateSnapshot path=%s "
			          "disk_id=%s snapshot_id=%s attempt=%d",
			          zlog_esc(res->path, ep, sizeof(ep)),
			          zlog_esc(disk_id, ed, sizeof(ed)),
			          zlog_esc(*snapshot_id, es, sizeof(es)), res->attempts);
			res->outcome = ZEC_OUTCOME_OK;
			res->code[0] = '\0';
			res->message[0] = '\0';
			res->transport[0] = '\0';
			res->err = 0;
			ret = 0;
			break;
		}
		if (found == LOOKUP_TIE) {
			ret = zec_result_local(res, ZECFS_CREATE_UNCERTAIN,
			                       "several snapshots of that name were "
			                       "created meanwhile");
			res->duration_ms = (double)(zec_clock_now_ms() - t0);
			zec_http_log_failure(res);
			break;
		}
		if (found < 0 || found == LOOKUP_UNSURE)
			break;           /* unknown: keep the create's own failure */
		/* definitely not created: it may be sent again */
		if (res->attempts >= max)
			break;
		if (zec_http_backoff(c, res->attempts, deadline, &slept))
			break;
		{
			char ep[ZLOG_ESC_MAX];

			zlog_warn("api retry action=CreateSnapshot path=%s attempt=%d "
			          "backoff_ms=%ld reason=not_created",
			          zlog_esc(res->path, ep, sizeof(ep)), res->attempts, slept);
		}
	}
	res->duration_ms = (double)(zec_clock_now_ms() - t0);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- snapshot name lookup -------------------------------------------------- */

int zec_snapshot_name_exists(struct zec_client *c, const char *disk_id,
                             const char *name, struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_snapshot_list list = { 0 };
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "DescribeSnapshots");
	if (!c || !str_ok(disk_id) || !str_ok(name))
		return bad_argument(res, "DescribeSnapshots: bad arguments");
	ret = snapshots_named(c, disk_id, name,
	                      zec_clock_now_ms() + (uint64_t)zec_client_deadline_ms(c),
	                      &list, res);
	if (ret == -ENOMEM && res->outcome == ZEC_OUTCOME_OK)
		return no_memory(res);
	if (ret)
		return ret;
	for (size_t i = 0; i < list.count && ret == 0; i++) {
		if (!list.items[i].status || strcmp(list.items[i].status, "DELETING") != 0)
			ret = 1;
	}
	zec_snapshot_list_free(&list);
	return ret;
}

/* ---- ModifySnapshotsAttribute -------------------------------------------- */

/* Does the snapshot's record show the change m asked for? */
static bool shows_change(const struct zec_snapshot *s, const struct zec_snapshot_modify *m)
{
	time_t want, has;

	if (m->snapshot_name && (!s->snapshot_name || strcmp(s->snapshot_name, m->snapshot_name)))
		return false;
	if (m->is_permanent && s->retention_time && *s->retention_time)
		return false;
	if (m->retention_time && (!s->retention_time ||
	                          zec_time_parse_api(m->retention_time, &want) ||
	                          zec_time_parse_api(s->retention_time, &has) || want != has))
		return false;
	return true;
}

/*
 * A ModifySnapshotsAttribute whose answer was lost (the server may have
 * applied it) is confirmed by reading the snapshots back: every one showing
 * the change means it went through.  The confirmation comes after the
 * operation's deadline has usually passed: it gets one more deadline of
 * its own (the client's), and goes out even when the circuit breaker is
 * open.  1: applied, 0: not (or not everywhere), < 0: unknown.
 */
static int modify_confirm(struct zec_client *c, const struct zec_snapshot_modify *m,
                          const char *path)
{
	struct zec_snapshot_filter f = { .snapshot_ids = m->snapshot_ids,
	                                 .n_snapshot_ids = m->n_snapshot_ids };
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	uint64_t saved = zec_client_confirm_begin(c);
	size_t seen = 0;
	int ret;

	ret = zec_snapshots_all(c, &f, 0, &list, &lres);
	zec_client_confirm_end(c, saved);
	if (ret)
		return ret;
	ret = 1;
	for (size_t i = 0; i < list.count; i++) {
		if (!id_known(list.items[i].snapshot_id, m->snapshot_ids, m->n_snapshot_ids))
			continue;       /* not asked for: the filter was ignored */
		seen++;
		if (!shows_change(&list.items[i], m))
			ret = 0;
	}
	zec_snapshot_list_free(&list);
	return seen == m->n_snapshot_ids ? ret : 0;
}

int zec_modify_snapshots_attribute(struct zec_client *c,
                                   const struct zec_snapshot_modify *m,
                                   struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_call call = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ModifySnapshotsAttribute");
	if (!c || !m || !ids_ok(m->snapshot_ids, m->n_snapshot_ids, 1, MAX_IDS))
		return bad_argument(res, "ModifySnapshotsAttribute: 1 to 100 snapshot ids");
	if (!m->snapshot_name && !m->retention_time && !m->is_permanent)
		return bad_argument(res, "ModifySnapshotsAttribute: nothing to change");
	if (m->retention_time && m->is_permanent)
		return bad_argument(res, "ModifySnapshotsAttribute: retention and permanent");
	ret = zec_build_modify_snapshots(m, &body);
	ret = send_call(c, "ModifySnapshotsAttribute", body, ret, 0, 0, t0,
	                &response, &call, res);
	if (ret && call.ambiguous_seen && modify_confirm(c, m, res->path) == 1) {
		zlog_warn("api change confirmed after its answer was lost "
		          "action=ModifySnapshotsAttribute path=%s code=%s attempt=%d",
		          ZLOG_ESC(res->path), ZLOG_ESC(res->code), res->attempts);
		res->outcome = ZEC_OUTCOME_OK;
		res->code[0] = '\0';
		res->message[0] = '\0';
		res->err = 0;
		ret = 0;
	}
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- DeleteSnapshots ----------------------------------------------------- */

/*
 * After an ambiguous DeleteSnapshots: 1 when every id is DELETING or gone
 * (the delete went through), 0 when some id still lives, or a negative
 * errno when the lookup failed.
 */
static int delete_lookup(struct zec_client *c, const char *const *ids, size_t n,
                         uint64_t deadline, const char *path)
{
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	struct zec_snapshot_filter f = { .snapshot_ids = ids, .n_snapshot_ids = n };
	int ret;

	ret = zec_snapshots_all(c, &f, deadline, &list, &lres);
	if (ret)
		return ret;
	ret = 1;
	for (size_t i = 0; i < list.count; i++) {
		const struct zec_snapshot *s = &list.items[i];

		if (!id_known(s->snapshot_id, ids, n))
			continue;           /* not asked for: the filter was ignored */
		if (!s->status || strcmp(s->status, "DELETING") != 0)
			ret = 0;
	}
	zec_snapshot_list_free(&list);
	return ret;
}

/* Marks res a success: the delete went through (already gone). */
static int delete_went_through(struct zec_result *res, const char *why)
{
	char ep[ZLOG_ESC_MAX], er[ZLOG_ESC_MAX];

	zlog_warn("api delete went through action=DeleteSnapshots path=%s "
	          "attempt=%d request_id=%s reason=%s",
	          zlog_esc(res->path, ep, sizeof(ep)), res->attempts,
	          zlog_esc(res->request_id, er, sizeof(er)), why);
	res->outcome = ZEC_OUTCOME_OK;
	res->code[0] = '\0';
	res->message[0] = '\0';
	res->transport[0] = '\0';
	res->err = 0;
	return 0;
}

int zec_delete_snapshots(struct zec_client *c, const char *const *snapshot_ids,
                         size_t n, struct zec_strv *not_deleted,
                         struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms(), deadline;
	bool ambiguous_seen = false;
	cJSON *response = NULL;
	char *body = NULL;
	int ret, max;

	if (!res)
		res = &local;
	zec_result_begin(res, "DeleteSnapshots");
	if (not_deleted)
		memset(not_deleted, 0, sizeof(*not_deleted));
	if (!c || !ids_ok(snapshot_ids, n, 1, MAX_IDS))
		return bad_argument(res, "DeleteSnapshots: 1 to 100 snapshot ids");
	ret = zec_build_delete_snapshots(snapshot_ids, n, &body);
	if (ret)
		return ret == -ENOMEM ? no_memory(res) : bad_argument(res, "DeleteSnapshots: body");

	deadline = zec_call_deadline(c, 0);
	max = zec_client_retries(c);
	for (;;) {
		struct zec_call call = {
			.action = "DeleteSnapshots",
			.body = body,
			.flags = ZEC_CALL_NOT_IDEMPOTENT | ZEC_CALL_FRESH_CONNECTION,
			.deadline_ms = deadline,
			.max_attempts = max - res->attempts,
		};
		long slept;
		int gone;

		ret = zec_http_call(c, &call, t0, &response, res);
		ambiguous_seen |= call.ambiguous_seen;
		if (ret && ambiguous_seen && res->outcome == ZEC_OUTCOME_API_ERROR &&
		    strcmp(res->code, "INVALID_DISK_SNAPSHOT_NOT_FOUND") == 0) {
			ret = delete_went_through(res, "not_found");
			break;
		}
		if (ret == 0) {
			if (not_deleted) {
				ret = zec_parse_strv(response, "snapshotIds", not_deleted);
				if (ret)
					ret = parse_failed(res, ret, "DeleteSnapshots: bad snapshotIds");
			}
			break;
		}
		if (!call.ambiguous)
			break;
		gone = delete_lookup(c, snapshot_ids, n, deadline, res->path);
		if (gone == 1) {
			ret = delete_went_through(res, "deleting_or_gone");
			break;
		}
		if (gone < 0 || res->attempts >= max)
			break;           /* keep the delete's own failure */
		if (zec_http_backoff(c, res->attempts, deadline, &slept))
			break;
	}
	res->duration_ms = (double)(zec_clock_now_ms() - t0);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- ApplySnapshot ------------------------------------------------------- */

int zec_apply_snapshot(struct zec_client *c, const char *snapshot_id,
                       const char *disk_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ApplySnapshot");
	if (!c || !str_ok(snapshot_id) || !str_ok(disk_id))
		return bad_argument(res, "ApplySnapshot: snapshot and disk ids needed");
	ret = zec_build_apply_snapshot(snapshot_id, disk_id, &body);
	ret = send_call(c, "ApplySnapshot", body, ret, ZEC_CALL_NOT_IDEMPOTENT, 0,
	                t0, &response, NULL, res);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- ModifyDisksAttributes ----------------------------------------------- */

int zec_modify_disks_attributes(struct zec_client *c, const char *const *disk_ids,
                                size_t n, const char *disk_name,
                                struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ModifyDisksAttributes");
	if (!c || !ids_ok(disk_ids, n, 1, MAX_IDS) || !str_ok(disk_name))
		return bad_argument(res, "ModifyDisksAttributes: 1 to 100 disk ids and a name");
	ret = zec_build_modify_disks(disk_ids, n, disk_name, &body);
	ret = send_call(c, "ModifyDisksAttributes", body, ret, 0, 0, t0, &response,
	                NULL, res);
	cJSON_Delete(response);
	free(body);
	return ret;
}

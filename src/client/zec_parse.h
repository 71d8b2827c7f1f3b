/*
 * zec_parse.h - internal to the API client library (src/client only).
 *
 * Two halves:
 *  - pure functions with no I/O: endpoint parsing, response envelope and
 *    record parsing, request body builders.  They never crash on any input,
 *    so the fuzz harnesses and unit tests call them directly;
 *  - the transport entry point zec_http_call() that zec_actions.c uses
 *    (implemented in zec_http.c).
 *
 * Every int function returns 0 or a negative errno.
 */
#ifndef ZEC_PARSE_H
#define ZEC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "zec_client.h"

/* ---- endpoint ---------------------------------------------------------- */

/*
 * Accepts "https://host[:port]" or "http://host[:port]", with or without one
 * trailing '/'.  host is a DNS name, an IPv4 address or a bracketed IPv6
 * address.  Anything else (a path, a query, user info, an empty host, a bad
 * port, another scheme) is -EINVAL.
 *  url:  "<scheme>://<host[:port]>/api/v2/zec", what is POSTed to;
 *  host: "<host[:port]>" exactly as written: sent as the Host header and signed.
 *  base: "<scheme>://<host[:port]>", the endpoint without a trailing '/'.
 * Any out pointer may be NULL.  -ENAMETOOLONG when a buffer is too small.
 */
int zec_endpoint_parse(const char *endpoint, char *url, size_t url_size,
                       char *host, size_t host_size, char *base, size_t base_size);

/* ---- results ----------------------------------------------------------- */

/*
 * Resets res for a new call of 'action', keeping res->path (an input).
 */
void zec_result_begin(struct zec_result *res, const char *action);

/*
 * Marks res as an answer we cannot understand (outcome BAD_RESPONSE, code
 * ZECFS_BAD_RESPONSE), keeping http_status and request_id; returns res->err.
 */
int zec_result_bad_response(struct zec_result *res, const char *message);

/* Marks res as a success (outcome OK, no code, message or errno), keeping
 * http_status and request_id; returns 0. */
int zec_result_ok(struct zec_result *res);

/* ---- response envelope --------------------------------------------------- */

/*
 * Parses one HTTP answer (zec-api.md section 3) into res.
 *
 * Success: HTTP 200 and a JSON object holding a "response" object.  Returns 0
 * with res->outcome OK and *response_out set to the "response" object,
 * DETACHED from the document: the caller owns it and frees it with
 * cJSON_Delete().  The rest of the document is freed here.
 *
 * Error envelope: a non-200 status and an object with string "code" and
 * "message": outcome API_ERROR, code, message, request_id.
 *
 * Anything else (bad JSON, missing keys, wrong types, 200 without a
 * "response" object, a non-200 without an envelope such as a proxy's HTML
 * page): outcome BAD_RESPONSE.  For a 429 or 5xx without an envelope the
 * code is a pseudo code ZECFS_HTTP_429, _503, _504 or _5XX so that the errno
 * table still sees a server error (EAGAIN, ETIMEDOUT, EIO).
 *
 * In every case res->http_status is the status, res->request_id is copied
 * whenever a requestId is found, res->err is set from the errno table, and
 * the return value is res->err.  *response_out is NULL on failure.
 */
int zec_parse_envelope(long http_status, const char *body, size_t len,
                       cJSON **response_out, struct zec_result *res);

/* ---- records ------------------------------------------------------------ */

/*
 * One DescribeDisks / DescribeSnapshots item.  Required: diskId (disks),
 * snapshotId (snapshots); missing or of the wrong type, -EINVAL.  Optional
 * fields that are absent (or JSON null) are NULL / 0 / false; present with the
 * wrong type, -EINVAL.  retentionTime absent or "" is NULL (kept forever).
 * On failure *out is cleared; -ENOMEM when memory runs out.
 */
int zec_parse_disk(const cJSON *item, struct zec_disk *out);
int zec_parse_snapshot(const cJSON *item, struct zec_snapshot *out);

/*
 * A Describe* "response" object: "totalCount" (a number, required) and
 * "dataSet" (an array; absent or null means empty).  out is overwritten.
 */
int zec_parse_disk_page(const cJSON *response, struct zec_disk_list *out);
int zec_parse_snapshot_page(const cJSON *response, struct zec_snapshot_list *out);
/* The same for any record type: parse fills one size-byte record (and
 * clears what it began on failure), clear undoes a parsed one; *items (an
 * array of *count records, NULL when empty) and *total on success, nothing
 * kept on failure. */
int zec_parse_page(const cJSON *response, size_t size,
                   int (*parse)(const cJSON *item, void *out), void (*clear)(void *item),
                   void **items, size_t *count, long long *total);
/* An optional string member into *dst (malloc'd; absent or null: NULL);
 * another type: -EINVAL. */
int zec_parse_opt_str(const cJSON *obj, const char *key, char **dst);

/* CreateSnapshot's "snapshotId" (a non-empty string); *id is malloc'd. */
int zec_parse_snapshot_id(const cJSON *response, char **id);

/* An array of strings, e.g. DeleteSnapshots' "snapshotIds"; absent: empty. */
int zec_parse_strv(const cJSON *response, const char *key, struct zec_strv *out);

/* ---- request bodies ------------------------------------------------------ */

/*
 * Compact JSON request bodies (cJSON_PrintUnformatted): unset fields are
 * omitted, never null.  *body is malloc'd (free()).  Arguments are not
 * validated here beyond what is needed not to crash (-EINVAL for a NULL id
 * in an id list).
 */
/* [{"key","value"}] into o[key] (a filter), or o[key]{"tags":[...]} when
 * wrapped (the TagAssociation a create sends); n 0: nothing added. */
int zec_add_tags(cJSON *o, const char *key, const struct zec_tag_arg *tags, size_t n,
                 bool wrapped);
int zec_build_describe_disks(const struct zec_disk_filter *f, int page_num,
                             int page_size, char **body);
int zec_build_describe_snapshots(const struct zec_snapshot_filter *f,
                                 int page_num, int page_size, char **body);
int zec_build_create_snapshot(const char *disk_id, const char *snapshot_name,
                              const char *retention_time, char **body);
int zec_build_modify_snapshots(const struct zec_snapshot_modify *m, char **body);
int zec_build_delete_snapshots(const char *const *ids, size_t n, char **body);
int zec_build_apply_snapshot(const char *snapshot_id, const char *disk_id,
                             char **body);
int zec_build_modify_disks(const char *const *ids, size_t n,
                           const char *disk_name, char **body);

/* ---- transport (zec_http.c) --------------------------------------------- */

#define ZEC_CALL_NOT_IDEMPOTENT   0x1 /* never re-send after an ambiguous try */
#define ZEC_CALL_FRESH_CONNECTION 0x2 /* a new connection for every try, so
                                         libcurl never re-sends it silently */

/* One API call, its retries included. */
struct zec_call {
	/* in */
	const char *action;
	const char *body;                /* compact JSON, sent as is */
	unsigned flags;                  /* ZEC_CALL_* */
	uint64_t deadline_ms;            /* monotonic ms (zec_clock_now_ms); 0: now + config */
	int max_attempts;                /* 0: the client's 'retries' */
	/* called after every failed try, before any backoff; may be NULL */
	void (*on_failed_try)(void *arg, const struct zec_result *res);
	void *hook_arg;
	/*
	 * A 200 answer's body read without the envelope parse: 0 when it took
	 * the answer (res->request_id filled; *response stays NULL), anything
	 * else leaves it to the envelope parse.  May be NULL.
	 */
	int (*fast)(void *arg, const char *body, size_t len, struct zec_result *res);
	void *fast_arg;
	/* out */
	bool ambiguous;                  /* the last failed try may have been applied */
	bool ambiguous_seen;             /* some failed try may have been applied */
};

/*
 * Sends call->body as call->action, retrying 429, 5xx, timeouts and transport
 * failures with jittered exponential backoff within the attempt cap and the
 * deadline.  A NOT_IDEMPOTENT call stops at the first failure that may have
 * been applied (call->ambiguous).  res->attempts is increased by the tries
 * made (it is not reset); res->duration_ms is set from res's begin time kept
 * by the caller in *call_started_ms.  On success *response (owned by the
 * caller) is the "response" object.  Logs every retry and final failure.
 */
int zec_http_call(struct zec_client *c, struct zec_call *call,
                  uint64_t call_started_ms, cJSON **response,
                  struct zec_result *res);

/*
 * Sleeps the backoff before try number 'attempt' + 1 (1-based 'attempt').
 * -ETIMEDOUT, without sleeping, when the sleep would reach 'deadline_ms';
 * -ESHUTDOWN when the client is cancelled.  *slept_ms gets the backoff.
 */
int zec_http_backoff(struct zec_client *c, int attempt, uint64_t deadline_ms,
                     long *slept_ms);

/* Logs res as "api call failed ..." (for failures found after the transport). */
void zec_http_log_failure(const struct zec_result *res);

/* The client's configured deadline_ms / retries (defaults applied). */
long zec_client_deadline_ms(const struct zec_client *c);
/* Concurrent page fetches of a walk (defaults applied). */
int zec_client_parallel(const struct zec_client *c);
int zec_client_retries(const struct zec_client *c);
/*
 * Worker threads of the page walkers, counted over every walk of the client
 * so that their sum stays within 4 x parallel (the handle pool's size):
 * take returns how many of 'want' the walk may start (0..want); give them
 * back when they are joined.
 */
int zec_client_walk_threads_take(struct zec_client *c, int want);
void zec_client_walk_threads_give(struct zec_client *c, int n);
bool zec_client_cancelled(const struct zec_client *c);

/*
 * How the server treats DescribeSnapshots' snapshotName filter, as learned
 * from its answers: unknown until a lookup finds a name.
 */
enum zec_name_filter {
	ZEC_FILTER_UNKNOWN = 0,
	ZEC_FILTER_ANCHORED,         /* "^name$" is honoured (a regular expression) */
	ZEC_FILTER_SUBSTRING,        /* the filter is a plain substring */
};
enum zec_name_filter zec_client_name_filter(const struct zec_client *c);
void zec_client_learn_name_filter(struct zec_client *c, enum zec_name_filter f);

/*
 * The deadline a call starting now must keep: 'own' (monotonic ms; 0 means
 * now + the client's deadline_ms), or the calling thread's operation
 * deadline (zec_client_op_begin) when that is earlier.
 */
uint64_t zec_call_deadline(const struct zec_client *c, uint64_t own);
/* The calling thread's operation deadline, 0 when it has none. */
uint64_t zec_op_deadline(void);

#endif /* ZEC_PARSE_H */

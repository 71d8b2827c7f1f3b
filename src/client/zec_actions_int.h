/*
 * zec_actions_int.h - internal to the API client library: the helpers of
 * zec_actions.c that zec_policy.c shares (argument refusals, one call sent
 * through zec_http_call(), an unusable answer).
 */
#ifndef ZEC_ACTIONS_INT_H
#define ZEC_ACTIONS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zec_parse.h"

/* A local refusal (ZECFS_BAD_ARGUMENT / ZECFS_OUT_OF_MEMORY): its errno. */
int bad_argument(struct zec_result *res, const char *message);
int no_memory(struct zec_result *res);
/* Every id present and non-empty; n in [min, max]. */
bool ids_ok(const char *const *ids, size_t n, size_t min, size_t max);
bool str_ok(const char *s);
/* Whether id (may be NULL: no) is one of ids[0..n). */
bool listed_in(const char *id, const char *const *ids, size_t n);
/* The answer was 200 but its content is unusable (err from the parser). */
int parse_failed(struct zec_result *res, int err, const char *what);
/* Sends body (built with body_ret) as action; *response on success; the
 * call's outcome flags in *callp when not NULL. */
int send_call(struct zec_client *c, const char *action, char *body, int body_ret,
              unsigned flags, uint64_t deadline, uint64_t t0, cJSON **response,
              struct zec_call *callp, struct zec_result *res);

/* One page of a listing: *items (an array of item_size records), *count, *total. */
typedef int (*page_fn)(struct zec_client *c, const void *filter, int page_num,
                       uint64_t deadline, struct zec_result *res,
                       void **items, size_t *count, long long *total);

/* What the generic page walker needs to know of a record type. */
struct walk_kind {
	const char *action;
	int page_max;
	size_t item_size;
	page_fn fetch;
	const char *(*id)(const void *item);
	void (*clear)(void *item);
	/* hands n items to the typed sink */
	int (*deliver)(const void *sink, void *items, size_t n);
	void (*restart)(const void *sink);
	bool (*can_restart)(const void *sink);
	/* NULL when item matches the filter's id lists, else the field's
	 * API name (a record the filter excludes is dropped); may be NULL */
	const char *(*outside)(const void *filter, const void *item, const char **value);
	/* the filter's known ids (may be NULL: none); and filter (a copy of
	 * filter_size bytes) made to ask for ids[0..n) only, known cleared */
	void (*known)(const void *filter, const char *const **ids, size_t *n);
	void (*only_ids)(void *filter, const char *const *ids, size_t n);
	size_t filter_size;
};

/*
 * Every page of a listing through the generic walker (concurrent pages,
 * totalCount distrusted, ids de-duplicated, walked again when the list
 * moves: see zec_actions.c), kept in one array of k->item_size records.
 * k's deliver/restart/can_restart must be zec_collect_deliver,
 * zec_collect_restart and zec_collect_can_restart.
 */
int zec_walk_collect(struct zec_client *c, const struct walk_kind *k, const void *filter,
                     uint64_t deadline, void **items, size_t *count, long long *total,
                     struct zec_result *res);
int zec_collect_deliver(const void *sink, void *items, size_t n);
void zec_collect_restart(const void *sink);
bool zec_collect_can_restart(const void *sink);

#endif /* ZEC_ACTIONS_INT_H */

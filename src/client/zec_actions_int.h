/*
 * zec_actions_int.h - internal to the API client library: the helpers of
 * zec_actions.c that zec_describe.c, zec_walk.c and zec_policy.c share
 * (argument refusals, one call sent through zec_http_call(), an unusable
 * answer, the snapshot listing the create and delete rules look in).
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
/* The same, a 200 answer's body offered to fast first (struct zec_call). */
int send_call_fast(struct zec_client *c, const char *action, char *body, int body_ret,
                   unsigned flags, uint64_t deadline, uint64_t t0,
                   int (*fast)(void *arg, const char *body, size_t len, struct zec_result *res),
                   void *fast_arg, cJSON **response, struct zec_call *callp,
                   struct zec_result *res);

/* Every snapshot f lists, through the page walker, within deadline. */
int zec_snapshots_all(struct zec_client *c, const struct zec_snapshot_filter *f,
                      uint64_t deadline, struct zec_snapshot_list *out,
                      struct zec_result *res);

#endif /* ZEC_ACTIONS_INT_H */

/*
 * zec_http_int.h - internal to the API client library: the client's state
 * and the one-try transport (zec_http.c) that the call layer (zec_call.c)
 * makes its retries of.
 */
#ifndef ZEC_HTTP_INT_H
#define ZEC_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "zec_parse.h"

#define DEFAULT_TIMEOUT_MS   30000L
#define DEFAULT_DEADLINE_MS  30000L
#define DEFAULT_PARALLEL     64
#define DEFAULT_RETRIES      4
#define CONNECT_TIMEOUT_MS   10000L
#define STALL_SECONDS        20L          /* < 1 byte/s this long: stalled */
#define BACKOFF_BASE_MS      200L
#define BACKOFF_CAP_MS       5000L
#define POOL_EXTRA           64           /* idle slots beyond the walkers': the
                                             daemon's own callers (max_threads) */
#define WALK_THREADS_PER     4            /* walker threads: 4 x parallel in all */
#define POLL_MS              1000         /* multi poll; woken by cancel */
#define RESPONSE_MAX         (64u << 20)  /* bytes */
#define RETRY_MIN_MS         1000L        /* the least time kept back for a retry */
#define RETRY_TYPICAL_X      4            /* a retry is kept this many typical tries */

struct zec_creds {
	char *key_id;
	char *password;
	char *bearer;
};

struct zec_client {
	char url[600];                   /* .../api/v2/zec */
	char host[300];                  /* Host header, signed */
	char base[300];                  /* the endpoint, normalised */
	char *cafile;
	struct zec_tls *tls;             /* the shared CA store, or NULL */
	long request_timeout_ms;
	long deadline_ms;
	int parallel;
	void (*observe)(void *arg, const struct zec_result *res);
	void *observe_arg;
	int retries;
	int log_calls;

	pthread_rwlock_t creds_lock;
	struct zec_creds creds;

	pthread_mutex_t pool_lock;
	struct xfer **pool;              /* idle slots */
	size_t pool_n, pool_max;
	struct xfer *all;                /* every live slot (cancel wakes them) */

	CURLSH *share;                   /* DNS cache and TLS sessions */
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

	atomic_int walk_threads;         /* walker threads running, all walks */
	atomic_bool cancelled;
	pthread_mutex_t wait_lock;       /* backoff sleeps, woken by cancel */
	pthread_cond_t wait_cond;

	struct zec_breaker *breaker;     /* NULL: off */
	atomic_uint_fast64_t typical_us; /* moving average of answered tries (0: none yet) */

	atomic_uint_fast64_t rng;        /* jitter; splitmix64 state */
	atomic_int name_filter;          /* enum zec_name_filter, learned */
	atomic_llong clock_skew;         /* server's Date minus our wall clock, s */
	atomic_llong skew_logged;        /* the skew last logged */
};


/*
 * One exchange of call's action and body.  *sent: request bytes left this
 * host (so a failure after it may have been applied).  *retryable: another
 * try may succeed.  A 200 answer goes to call->fast first, when it is set.
 */
int zec_http_try(struct zec_client *c, const struct zec_call *call, long timeout_ms,
                 cJSON **response, struct zec_result *res,
                 bool *sent, bool *retryable, bool *unreachable);
/* Clears what one try fills, keeping path, action and attempts. */
void zec_http_reset_try(struct zec_result *res);
/* res: ZECFS_CANCELLED; its errno. */
int zec_http_cancelled(struct zec_result *res);
/* The next jitter value (splitmix64). */
uint64_t zec_http_random(struct zec_client *c);

#endif /* ZEC_HTTP_INT_H */

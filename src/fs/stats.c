/*
 * stats.c - what MNT/.zecfs/stats shows: API calls per action and outcome,
 * retries, errors per code, cache hits and misses, latency percentiles per
 * action, uptime and the endpoint.
 *
 * The client reports every finished call through zecfs_stats_observe(); a
 * small mutex guards the counters (never held across I/O).  Latencies are
 * kept in a ring of the last LAT_RING calls per action, sorted on demand.
 */
#include "stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "zec_clock.h"

#define LAT_RING  1024
#define MAX_CODES 64

static const char *const actions[] = {
	"DescribeDisks", "DescribeSnapshots", "CreateSnapshot",
	"ModifySnapshotsAttribute", "DeleteSnapshots", "ApplySnapshot",
	"ModifyDisksAttributes", "other",
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

struct action_stats {
	unsigned long long ok, failed, retries;
	double lat[LAT_RING];
	size_t lat_n;                 /* how many recorded, capped at LAT_RING */
	size_t lat_next;
};

struct code_count {
	char code[80];
	unsigned long long n;
};

struct zecfs_stats {
	pthread_mutex_t lock;
	char *endpoint;
	double started;               /* monotonic */
	struct action_stats a[N_ACTIONS];
	struct code_count codes[MAX_CODES];
	size_t n_codes;
	unsigned long long other_codes;   /* codes past MAX_CODES */
};

int zecfs_stats_new(const char *endpoint, struct zecfs_stats **out)
{
	struct zecfs_stats *s = calloc(1, sizeof(*s));

	if (!s || !(s->endpoint = strdup(endpoint ? endpoint : ""))) {
		free(s);
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->started = zec_clock_now();
	*out = s;
	return 0;
}

void zecfs_stats_free(struct zecfs_stats *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->endpoint);
	free(s);
}

static size_t action_index(const char *name)
{
	for (size_t i = 0; i < N_ACTIONS - 1; i++) {
		if (strcmp(actions[i], name) == 0)
			return i;
	}
	return N_ACTIONS - 1;
}

void zecfs_stats_observe(void *arg, const struct zec_result *res)
{
	struct zecfs_stats *s = arg;
	struct action_stats *a;

	if (!s || !res)
		return;
	pthread_mutex_lock(&s->lock);
	a = &s->a[action_index(res->action)];
	if (res->outcome == ZEC_OUTCOME_OK)
		a->ok++;
	else
		a->failed++;
	if (res->attempts > 1)
		a->retries += (unsigned long long)(res->attempts - 1);
	a->lat[a->lat_next] = res->duration_ms;
	a->lat_next = (a->lat_next + 1) % LAT_RING;
	if (a->lat_n < LAT_RING)
		a->lat_n++;
	if (res->outcome != ZEC_OUTCOME_OK) {
		const char *code = res->code[0] ? res->code : "-";
		size_t i;

		for (i = 0; i < s->n_codes; i++) {
			if (strcmp(s->codes[i].code, code) == 0)
				break;
		}
		if (i == s->n_codes && s->n_codes < MAX_CODES) {
			snprintf(s->codes[i].code, sizeof(s->codes[i].code), "%s", code);
			s->n_codes++;
		}
		if (i < s->n_codes)
			s->codes[i].n++;
		else
			s->other_codes++;
	}
	pthread_mutex_unlock(&s->lock);
}

static int dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

char *zecfs_stats_json(struct zecfs_stats *s, const struct zecfs_cache_counters *cc,
                       const struct zec_breaker_info *bi)
{
	cJSON *root = cJSON_CreateObject(), *calls, *lat, *errs, *cache, *api;
	double sorted[LAT_RING];
	unsigned long long retries = 0;
	char *text = NULL;

	if (!root)
		return NULL;
	pthread_mutex_lock(&s->lock);
	cJSON_AddStringToObject(root, "endpoint", s->endpoint);
	cJSON_AddNumberToObject(root, "uptimeSeconds", (double)(long long)(zec_clock_now() - s->started));
	calls = cJSON_AddObjectToObject(root, "calls");
	lat = cJSON_AddObjectToObject(root, "latencyMs");
	for (size_t i = 0; i < N_ACTIONS; i++) {
		struct action_stats *a = &s->a[i];
		cJSON *o, *l;

		retries += a->retries;
		if (!a->ok && !a->failed)
			continue;
		o = cJSON_AddObjectToObject(calls, actions[i]);
		cJSON_AddNumberToObject(o, "ok", (double)a->ok);
		cJSON_AddNumberToObject(o, "failed", (double)a->failed);
		cJSON_AddNumberToObject(o, "retries", (double)a->retries);
		memcpy(sorted, a->lat, a->lat_n * sizeof(double));
		qsort(sorted, a->lat_n, sizeof(double), dbl_cmp);
		l = cJSON_AddObjectToObject(lat, actions[i]);
		cJSON_AddNumberToObject(l, "p50", percentile(sorted, a->lat_n, 50));
		cJSON_AddNumberToObject(l, "p99", percentile(sorted, a->lat_n, 99));
		cJSON_AddNumberToObject(l, "samples", (double)a->lat_n);
	}
	cJSON_AddNumberToObject(root, "retries", (double)retries);
	errs = cJSON_AddObjectToObject(root, "errors");
	for (size_t i = 0; i < s->n_codes; i++)
		cJSON_AddNumberToObject(errs, s->codes[i].code, (double)s->codes[i].n);
	if (s->other_codes)
		cJSON_AddNumberToObject(errs, "other", (double)s->other_codes);
	pthread_mutex_unlock(&s->lock);
	cache = cJSON_AddObjectToObject(root, "cache");
	cJSON_AddNumberToObject(cache, "hits", (double)cc->hits);
	cJSON_AddNumberToObject(cache, "misses", (double)cc->misses);
	cJSON_AddNumberToObject(cache, "staleServed", (double)cc->stale);
	api = cJSON_AddObjectToObject(root, "api");
	cJSON_AddStringToObject(api, "state", !bi->enabled ? "off" : bi->open ? "open" : "closed");
	if (bi->open) {
		cJSON_AddNumberToObject(api, "openSeconds", (double)bi->open_ms / 1000);
		cJSON_AddStringToObject(api, "reason", bi->reason);
	}
	cJSON_AddNumberToObject(api, "trips", (double)bi->trips);
	cJSON_AddNumberToObject(api, "fastFailed", (double)bi->fast_failed);
	cJSON_AddNumberToObject(api, "probes", (double)bi->probes);
	text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

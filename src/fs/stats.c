/*
 * stats.c - what MNT/.zecfs/stats shows: API calls per action and outcome,
 * retries, errors per code, cache hits and misses, latency percentiles per
 * action, uptime and the endpoint.
 *
 * The client reports every finished call through zecfs_stats_observe(); a
 * small mutex guards the counters (never held across I/O).  Latencies are
 * kept in a ring of the last LAT_RING calls per action, sorted on demand,
 * and counted since the mount in cumulative buckets (LAT_BOUNDS), which
 * MNT/.zecfs/metrics shows as Prometheus histograms: the same figures as
 * the JSON, in the text exposition format (zecfs_stats_prometheus).
 */
#include "stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
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

/* Histogram bucket upper bounds, in seconds (Prometheus's le). */
static const double lat_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};
#define N_BOUNDS (sizeof(lat_bounds) / sizeof(lat_bounds[0]))

struct action_stats {
	unsigned long long ok, failed, retries;
	unsigned long long bucket[N_BOUNDS];  /* calls with latency <= bound (not cumulative) */
	double lat_sum_s;                     /* every call's latency, summed */
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
	for (size_t b = 0; b < N_BOUNDS; b++) {
		if (res->duration_ms / 1000.0 <= lat_bounds[b]) {
			a->bucket[b]++;
			break;
		}
	}
	a->lat_sum_s += res->duration_ms / 1000.0;
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
                       const struct zec_breaker_info *bi,
                       const struct zecfs_browse_counters *bc)
{
	cJSON *root = cJSON_CreateObject(), *calls, *lat, *errs, *cache, *api, *browse;
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
	browse = cJSON_AddObjectToObject(root, "browse");
	cJSON_AddNumberToObject(browse, "browses", (double)bc->browses);
	cJSON_AddNumberToObject(browse, "active", (double)bc->active);
	cJSON_AddNumberToObject(browse, "disksCreated", (double)bc->disks_created);
	cJSON_AddNumberToObject(browse, "disksReleased", (double)bc->disks_released);
	cJSON_AddNumberToObject(browse, "bytesRead", (double)bc->bytes_read);
	text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

/* ---- Prometheus text exposition format ---------------------------------- */

struct text {
	char *buf;
	size_t len, cap;
	int err;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	if (t->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = -EIO;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		p = realloc(t->buf, t->cap * 2 + (size_t)n);
		if (!p) {
			t->err = -ENOMEM;
			return;
		}
		t->buf = p;
		t->cap = t->cap * 2 + (size_t)n;
	}
}

/* A label value as the format wants it: \\, \" and \n escaped. */
static const char *label(const char *v, char *buf, size_t size)
{
	size_t o = 0;

	for (; *v && o + 3 < size; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n') {
			buf[o++] = '\\';
			buf[o++] = *v == '\n' ? 'n' : *v;
		} else {
			buf[o++] = *v;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *zecfs_stats_prometheus(struct zecfs_stats *s, const struct zecfs_cache_counters *cc,
                             const struct zec_breaker_info *bi,
                             const struct zecfs_browse_counters *bc, unsigned long long inodes)
{
	struct text t = { .cap = 8192 };
	char esc[2 * sizeof(s->codes[0].code) + 8];

	t.buf = malloc(t.cap);
	if (!t.buf)
		return NULL;
	pthread_mutex_lock(&s->lock);
	family(&t, "zecfs_info", "gauge", "The endpoint this mount talks to (always 1).");
	put(&t, "zecfs_info{endpoint=\"%s\"} 1\n",
	    label(s->endpoint, (char[1024]){ 0 }, 1024));
	family(&t, "zecfs_uptime_seconds", "gauge", "Seconds since the mount.");
	put(&t, "zecfs_uptime_seconds %lld\n", (long long)(zec_clock_now() - s->started));
	family(&t, "zecfs_api_calls_total", "counter", "API calls by action and outcome (ok, failed).");
	for (size_t i = 0; i < N_ACTIONS; i++) {
		put(&t, "zecfs_api_calls_total{action=\"%s\",outcome=\"ok\"} %llu\n",
		    actions[i], s->a[i].ok);
		put(&t, "zecfs_api_calls_total{action=\"%s\",outcome=\"failed\"} %llu\n",
		    actions[i], s->a[i].failed);
	}
	family(&t, "zecfs_api_retries_total", "counter", "Attempts after the first, by action.");
	for (size_t i = 0; i < N_ACTIONS; i++)
		put(&t, "zecfs_api_retries_total{action=\"%s\"} %llu\n", actions[i], s->a[i].retries);
	family(&t, "zecfs_api_errors_total", "counter",
	       "Failed API calls by API code (or zecfs's own ZECFS_* code).");
	for (size_t i = 0; i < s->n_codes; i++)
		put(&t, "zecfs_api_errors_total{code=\"%s\"} %llu\n",
		    label(s->codes[i].code, esc, sizeof(esc)), s->codes[i].n);
	if (s->other_codes)
		put(&t, "zecfs_api_errors_total{code=\"other\"} %llu\n", s->other_codes);
	family(&t, "zecfs_api_latency_seconds", "histogram",
	       "API call latency, retries included, by action.");
	for (size_t i = 0; i < N_ACTIONS; i++) {
		const struct action_stats *a = &s->a[i];
		unsigned long long cum = 0;

		for (size_t b = 0; b < N_BOUNDS; b++) {
			cum += a->bucket[b];
			put(&t, "zecfs_api_latency_seconds_bucket{action=\"%s\",le=\"%g\"} %llu\n",
			    actions[i], lat_bounds[b], cum);
		}
		put(&t, "zecfs_api_latency_seconds_bucket{action=\"%s\",le=\"+Inf\"} %llu\n",
		    actions[i], a->ok + a->failed);
		put(&t, "zecfs_api_latency_seconds_sum{action=\"%s\"} %.6f\n", actions[i],
		    a->lat_sum_s);
		put(&t, "zecfs_api_latency_seconds_count{action=\"%s\"} %llu\n", actions[i],
		    a->ok + a->failed);
	}
	pthread_mutex_unlock(&s->lock);
	family(&t, "zecfs_cache_hits_total", "counter", "Lookups answered from a fresh listing.");
	put(&t, "zecfs_cache_hits_total %llu\n", cc->hits);
	family(&t, "zecfs_cache_misses_total", "counter", "Lookups that needed a fetch.");
	put(&t, "zecfs_cache_misses_total %llu\n", cc->misses);
	family(&t, "zecfs_cache_stale_served_total", "counter",
	       "Lookups answered from a stale listing while the API was unreachable.");
	put(&t, "zecfs_cache_stale_served_total %llu\n", cc->stale);
	family(&t, "zecfs_inodes", "gauge", "Inodes the kernel holds now.");
	put(&t, "zecfs_inodes %llu\n", inodes);
	family(&t, "zecfs_api_breaker_open", "gauge",
	       "1 while API calls fail at once after a timeout or a refused connection.");
	put(&t, "zecfs_api_breaker_open %d\n", bi->enabled && bi->open ? 1 : 0);
	family(&t, "zecfs_api_breaker_trips_total", "counter", "Times the circuit breaker opened.");
	put(&t, "zecfs_api_breaker_trips_total %llu\n", bi->trips);
	family(&t, "zecfs_api_breaker_fast_failed_total", "counter",
	       "Calls failed at once while the breaker was open.");
	put(&t, "zecfs_api_breaker_fast_failed_total %llu\n", bi->fast_failed);
	family(&t, "zecfs_api_breaker_probes_total", "counter", "Probes sent while it was open.");
	put(&t, "zecfs_api_breaker_probes_total %llu\n", bi->probes);
	family(&t, "zecfs_browses_total", "counter",
	       "Snapshots' files/ made ready (a disk created, attached, mounted).");
	put(&t, "zecfs_browses_total %llu\n", bc->browses);
	family(&t, "zecfs_browses_active", "gauge", "Browses holding or making a disk now.");
	put(&t, "zecfs_browses_active %llu\n", bc->active);
	family(&t, "zecfs_browse_disks_created_total", "counter",
	       "Disks created from snapshots for files/ (billed while they exist).");
	put(&t, "zecfs_browse_disks_created_total %llu\n", bc->disks_created);
	family(&t, "zecfs_browse_disks_released_total", "counter",
	       "Browse disks detached, recycled and destroyed.");
	put(&t, "zecfs_browse_disks_released_total %llu\n", bc->disks_released);
	family(&t, "zecfs_browse_read_bytes_total", "counter", "Bytes read through files/.");
	put(&t, "zecfs_browse_read_bytes_total %llu\n", bc->bytes_read);
	if (t.err) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/*
 * zec_breaker.c - the client's circuit breaker (zec_breaker.h).
 *
 * Closed: every call goes out.  A call whose last try timed out on the
 * network or could not connect opens it: from then on calls fail at once
 * with that failure (ETIMEDOUT or EIO, the errno table's), so that a
 * command made of several kernel requests pays the deadline once, not once
 * per request, and the cache answers reads from what it holds (stale-if-
 * error).  A thread of the breaker's own sends a probe every interval while
 * it is open; the first probe that gets an answer closes it.  Open and close
 * are one log line each; the state is in zec_breaker_info (.zecfs/stats).
 */
#include "zec_breaker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"

struct zec_breaker {
	pthread_mutex_t lock;
	pthread_cond_t cond;             /* wakes the prober: stop, or opened */
	long interval_ms;
	int (*probe)(void *arg);
	void *arg;

	bool open;
	bool stopping;
	bool prober_started;
	pthread_t prober;
	uint64_t opened_ms;
	struct zec_result why;           /* the failure that opened it */
	unsigned long long trips, fast_failed, probes;
};

/* True on the prober's thread: its probe goes out although the breaker is open. */
static _Thread_local bool probing;
/* True while a thread confirms a change whose answer was lost (zec_breaker_bypass). */
static _Thread_local bool bypass;

void zec_breaker_bypass(bool on)
{
	bypass = on;
}

static void *prober_main(void *p)
{
	struct zec_breaker *b = p;
	struct timespec until;

	probing = true;
	pthread_mutex_lock(&b->lock);
	while (!b->stopping) {
		if (!b->open) {
			pthread_cond_wait(&b->cond, &b->lock);
			continue;
		}
		zec_clock_deadline(&until, (double)b->interval_ms / 1000);
		while (!b->stopping && pthread_cond_timedwait(&b->cond, &b->lock, &until) != ETIMEDOUT)
			;
		if (b->stopping)
			break;
		b->probes++;
		pthread_mutex_unlock(&b->lock);
		if (b->probe(b->arg) == 0) {
			pthread_mutex_lock(&b->lock);
			if (b->open)
				zlog_warn("api reachable again, a probe answered: calls go out again "
				          "open_ms=%llu fast_failed=%llu",
				          (unsigned long long)(zec_clock_now_ms() - b->opened_ms),
				          b->fast_failed);
			b->open = false;
			continue;
		}
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int zec_breaker_new(long interval_ms, int (*probe)(void *arg), void *arg,
                    struct zec_breaker **out)
{
	struct zec_breaker *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if (zec_clock_cond_init(&b->cond)) {
		free(b);
		return -ENOMEM;
	}
	pthread_mutex_init(&b->lock, NULL);
	b->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	b->probe = probe;
	b->arg = arg;
	*out = b;
	return 0;
}

void zec_breaker_free(struct zec_breaker *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	if (b->prober_started)
		pthread_join(b->prober, NULL);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

bool zec_breaker_admit(struct zec_breaker *b, struct zec_result *res)
{
	const char *action = res->action;
	char keep[sizeof(res->action)];

	if (!b || probing || bypass)
		return true;
	pthread_mutex_lock(&b->lock);
	if (!b->open) {
		pthread_mutex_unlock(&b->lock);
		return true;
	}
	b->fast_failed++;
	snprintf(keep, sizeof(keep), "%s", action);
	res->outcome = b->why.outcome;
	res->http_status = 0;
	snprintf(res->code, sizeof(res->code), "%s", b->why.code);
	snprintf(res->message, sizeof(res->message),
	         "not sent: the api is unreachable (%s), calls fail at once until a probe "
	         "answers", b->why.code);
	res->request_id[0] = '\0';
	res->transport[0] = '\0';
	pthread_mutex_unlock(&b->lock);
	snprintf(res->action, sizeof(res->action), "%s", keep);
	res->err = zec_errno_for_result(res);
	return false;
}

void zec_breaker_report(struct zec_breaker *b, const struct zec_result *res, bool unreachable)
{
	if (!b || !unreachable || probing)
		return;
	pthread_mutex_lock(&b->lock);
	if (!b->open && !b->stopping) {
		b->open = true;
		b->opened_ms = zec_clock_now_ms();
		b->why = *res;
		b->trips++;
		zlog_warn("api unreachable, calls fail at once until a probe answers action=%s "
		          "code=%s probe_every_ms=%ld", ZLOG_ESC(res->action), ZLOG_ESC(res->code),
		          b->interval_ms);
		if (!b->prober_started)
			b->prober_started = pthread_create(&b->prober, NULL, prober_main, b) == 0;
		if (!b->prober_started) {
			/* no prober, no way to close it again: stay closed */
			b->open = false;
			zlog_error("api circuit breaker off: no thread for its probe");
		}
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
}

void zec_breaker_info(struct zec_breaker *b, struct zec_breaker_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	out->enabled = true;
	out->open = b->open;
	if (b->open) {
		out->open_ms = zec_clock_now_ms() - b->opened_ms;
		snprintf(out->reason, sizeof(out->reason), "%s", b->why.code);
	}
	out->trips = b->trips;
	out->fast_failed = b->fast_failed;
	out->probes = b->probes;
	pthread_mutex_unlock(&b->lock);
}

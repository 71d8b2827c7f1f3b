/*
 * zec_call.c - one API call made of tries: the operation deadline, retries
 * with backoff, the circuit breaker's admission and report, and the call's
 * log line (the tries themselves are zec_http.c's).
 *
 * Deadlines: a call's deadline is the earliest of its own
 * (zec_call.deadline_ms, else now + deadline_ms) and the calling thread's
 * operation deadline (zec_client_op_begin).
 *
 * Retries: 429, 5xx, timeouts and transport failures are retried with
 * full-jitter exponential backoff (200 ms doubling, capped at 5 s), within
 * the attempt cap and the call's deadline; a try never runs past the
 * deadline and no sleep reaches it.  A call marked NOT_IDEMPOTENT stops at
 * the first failure that the server may have applied ("ambiguous"); its
 * caller decides (see zec_create_snapshot).
 */
#include "zec_parse.h"
#include "zec_http_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_breaker.h"
#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"

/* ---- operation deadline -------------------------------------------------- */

/* The calling thread's operation deadline (monotonic ms), 0 when none. */
static _Thread_local uint64_t op_deadline;

void zec_client_op_begin(struct zec_client *c, long timeout_ms)
{
	uint64_t d;

	if (timeout_ms <= 0)
		timeout_ms = c ? c->deadline_ms : DEFAULT_DEADLINE_MS;
	d = zec_clock_now_ms() + (uint64_t)timeout_ms;
	if (!op_deadline || d < op_deadline)
		op_deadline = d;
}

void zec_client_op_end(struct zec_client *c)
{
	(void)c;
	op_deadline = 0;
}

uint64_t zec_op_deadline(void)
{
	return op_deadline;
}

uint64_t zec_client_confirm_begin(struct zec_client *c)
{
	uint64_t was = op_deadline;

	op_deadline = zec_clock_now_ms() + (uint64_t)(c ? c->deadline_ms : DEFAULT_DEADLINE_MS);
	zec_breaker_bypass(true);
	return was;
}

void zec_client_confirm_end(struct zec_client *c, uint64_t saved)
{
	(void)c;
	zec_breaker_bypass(false);
	op_deadline = saved;
}

uint64_t zec_call_deadline(const struct zec_client *c, uint64_t own)
{
	uint64_t d = own ? own : zec_clock_now_ms() + (uint64_t)c->deadline_ms;

	if (op_deadline && op_deadline < d)
		d = op_deadline;
	return d;
}


/*
 * May the server have applied a failed try?  429 and 503 say it did not; a
 * failure before any byte was sent did not reach it.
 */
static bool failure_ambiguous(const struct zec_result *res, bool sent)
{
	if (res->outcome == ZEC_OUTCOME_LOCAL)
		return false;
	if (res->http_status == 429 || res->http_status == 503)
		return false;
	if (res->outcome == ZEC_OUTCOME_TRANSPORT || res->outcome == ZEC_OUTCOME_TIMEOUT)
		return sent;
	return res->http_status >= 500;
}

/* ---- logging ------------------------------------------------------------- */

/* Every value of a result, escaped for a log line (zlog_esc). */
struct res_esc {
	char action[ZLOG_ESC_MAX], path[ZLOG_ESC_MAX], code[ZLOG_ESC_MAX];
	char request_id[ZLOG_ESC_MAX], transport[ZLOG_ESC_MAX];
};

static void res_escape(const struct zec_result *res, struct res_esc *e)
{
	zlog_esc(res->action, e->action, sizeof(e->action));
	zlog_esc(res->path, e->path, sizeof(e->path));
	zlog_esc(res->code, e->code, sizeof(e->code));
	zlog_esc(res->request_id, e->request_id, sizeof(e->request_id));
	e->transport[0] = '\0';
	if (res->transport[0])
		zlog_esc(res->transport, e->transport, sizeof(e->transport));
}

void zec_http_log_failure(const struct zec_result *res)
{
	struct res_esc e;

	res_escape(res, &e);
	zlog_warn("api call failed action=%s path=%s code=%s http=%ld attempt=%d "
	          "duration_ms=%.0f request_id=%s%s%s%s",
	          e.action, e.path, e.code, res->http_status, res->attempts,
	          res->duration_ms, e.request_id, e.transport[0] ? " error=\"" : "",
	          e.transport, e.transport[0] ? "\"" : "");
}

static void log_retry(const struct zec_result *res, long backoff_ms)
{
	struct res_esc e;

	res_escape(res, &e);
	zlog_warn("api retry action=%s path=%s code=%s http=%ld attempt=%d "
	          "request_id=%s backoff_ms=%ld%s%s%s",
	          e.action, e.path, e.code, res->http_status, res->attempts,
	          e.request_id, backoff_ms, e.transport[0] ? " error=\"" : "",
	          e.transport, e.transport[0] ? "\"" : "");
}

/* ---- backoff ------------------------------------------------------------- */

/* Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
static long backoff_pick(struct zec_client *c, int attempt)
{
	long ceiling = BACKOFF_BASE_MS;

	for (int i = 1; i < attempt && ceiling < BACKOFF_CAP_MS; i++)
		ceiling *= 2;
	if (ceiling > BACKOFF_CAP_MS)
		ceiling = BACKOFF_CAP_MS;
	return (long)(zec_http_random(c) % (uint64_t)(ceiling + 1));
}

/* Sleeps ms unless cancelled first: 0 or -ESHUTDOWN. */
static int backoff_sleep(struct zec_client *c, long ms)
{
	struct timespec until;
	int ret = 0;

	zec_before_wait();
	zec_clock_deadline(&until, (double)ms / 1000);
	pthread_mutex_lock(&c->wait_lock);
	while (!atomic_load(&c->cancelled)) {
		if (pthread_cond_timedwait(&c->wait_cond, &c->wait_lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	if (atomic_load(&c->cancelled))
		ret = -ESHUTDOWN;
	pthread_mutex_unlock(&c->wait_lock);
	return ret;
}

int zec_http_backoff(struct zec_client *c, int attempt, uint64_t deadline_ms,
                     long *slept_ms)
{
	long ms = backoff_pick(c, attempt);

	deadline_ms = zec_call_deadline(c, deadline_ms);
	*slept_ms = ms;
	if (zec_clock_now_ms() + (uint64_t)ms >= deadline_ms)
		return -ETIMEDOUT;
	return backoff_sleep(c, ms);
}

/* ---- a call -------------------------------------------------------------- */

/*
 * A try's timeout: what is left of the call's deadline, less the time kept
 * back for one retry when another try may follow, so that one stalled try
 * (a page of a long listing) costs a retry, not the call.  The retry is
 * kept RETRY_TYPICAL_X typical tries of this client, a third of what is
 * left, or RETRY_MIN_MS, whichever is most (what follows the retry, the
 * rest of a walk, needs time too), and never more than half of what is
 * left; with no try answered yet, or a call never re-sent after an unclear
 * try, the try gets all of it.
 */
static long try_timeout(struct zec_client *c, const struct zec_call *call, int attempt,
                        int max, uint64_t left)
{
	uint64_t typical = atomic_load(&c->typical_us) / 1000, keep;
	long t = c->request_timeout_ms;

	if ((uint64_t)t > left)
		t = (long)left;
	if (attempt >= max || (call->flags & ZEC_CALL_NOT_IDEMPOTENT) || !typical)
		return t;
	keep = RETRY_TYPICAL_X * typical;
	if (keep < left / 3)
		keep = left / 3;
	if (keep < RETRY_MIN_MS)
		keep = RETRY_MIN_MS;
	if (keep * 2 > left)
		return t;               /* no room for a retry worth sending */
	if ((uint64_t)t > left - keep)
		t = (long)(left - keep);
	return t;
}

/* An answered try took us microseconds: the moving average (1/8) moves. */
static void typical_add(struct zec_client *c, uint64_t us)
{
	uint64_t cur = atomic_load(&c->typical_us), next;

	do {
		next = cur ? cur - cur / 8 + us / 8 : us;
	} while (!atomic_compare_exchange_weak(&c->typical_us, &cur, next));
}

int zec_http_call(struct zec_client *c, struct zec_call *call,
                  uint64_t call_started_ms, cJSON **response,
                  struct zec_result *res)
{
	uint64_t deadline = zec_call_deadline(c, call->deadline_ms);
	int max = call->max_attempts > 0 ? call->max_attempts : c->retries;
	bool sent, retryable, unreachable = false, fair = false;
	long timeout = 0;
	int ret = 0;

	*response = NULL;
	call->ambiguous = false;
	if (!zec_breaker_admit(c->breaker, res)) {
		/* not sent: one line per episode is the breaker's, none per call */
		res->duration_ms = (double)(zec_clock_now_ms() - call_started_ms);
		return res->err;
	}
	for (int i = 1;; i++) {
		uint64_t now = zec_clock_now_ms();
		long backoff;

		unreachable = false;
		if (atomic_load(&c->cancelled)) {
			ret = zec_http_cancelled(res);
			break;
		}
		if (now >= deadline) {
			if (i == 1) {
				zec_http_reset_try(res);
				res->outcome = ZEC_OUTCOME_TIMEOUT;
				snprintf(res->code, sizeof(res->code), "%s", ZECFS_TIMEOUT);
				snprintf(res->message, sizeof(res->message),
				         "deadline passed before the call");
				res->err = zec_errno_for_result(res);
				ret = res->err;
			}
			break;
		}
		timeout = try_timeout(c, call, i, max, deadline - now);
		res->attempts++;
		ret = zec_http_try(c, call, timeout, response, res, &sent, &retryable,
		                   &unreachable);
		if (ret == 0 || res->outcome == ZEC_OUTCOME_API_ERROR)
			typical_add(c, (zec_clock_now_ms() - now) * 1000);
		/* no server, or a stall given a fair time (not a try cut short
		 * by what was left of an operation's deadline) */
		fair |= unreachable && (res->outcome != ZEC_OUTCOME_TIMEOUT ||
		                        timeout >= RETRY_MIN_MS || timeout * 2 >= c->request_timeout_ms);
		if (ret == 0)
			break;
		call->ambiguous = failure_ambiguous(res, sent);
		if (call->ambiguous)
			call->ambiguous_seen = true;
		if (call->on_failed_try)
			call->on_failed_try(call->hook_arg, res);
		if (!retryable || i >= max)
			break;
		if ((call->flags & ZEC_CALL_NOT_IDEMPOTENT) && call->ambiguous)
			break;
		backoff = backoff_pick(c, i);
		if (zec_clock_now_ms() + (uint64_t)backoff >= deadline)
			break;                 /* never sleep into the deadline */
		res->duration_ms = (double)(zec_clock_now_ms() - call_started_ms);
		log_retry(res, backoff);
		if (backoff_sleep(c, backoff)) {
			ret = zec_http_cancelled(res);
			break;
		}
	}
	res->duration_ms = (double)(zec_clock_now_ms() - call_started_ms);
	if (c->observe)
		c->observe(c->observe_arg, res);
	if (ret) {
		zec_http_log_failure(res);
		/* the last try found no server or stalled, and one did for a fair
		 * time: the next calls would too */
		zec_breaker_report(c->breaker, res, unreachable && fair);
	} else if (c->log_calls) {
		struct res_esc e;

		res_escape(res, &e);
		zlog_info("api call action=%s path=%s http=%ld duration_ms=%.0f "
		          "request_id=%s", e.action, e.path, res->http_status,
		          res->duration_ms, e.request_id);
	}
	return ret;
}

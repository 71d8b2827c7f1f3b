/*
 * test_breaker.c - the client's circuit breaker against a stub probe:
 * closed until a call is unreachable, then calls fail at once with that
 * failure's errno, and the first probe that answers closes it again.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "zec_breaker.h"
#include "zec_errno.h"

static atomic_int probes;
static atomic_int fail_probes;     /* probes to fail before one answers */

static int stub_probe(void *arg)
{
	(void)arg;
	atomic_fetch_add(&probes, 1);
	if (atomic_load(&fail_probes) > 0) {
		atomic_fetch_sub(&fail_probes, 1);
		return -ETIMEDOUT;
	}
	return 0;
}

static struct zec_result failed(enum zec_outcome outcome, const char *code)
{
	struct zec_result r = { .outcome = outcome };

	snprintf(r.action, sizeof(r.action), "DescribeSnapshots");
	snprintf(r.code, sizeof(r.code), "%s", code);
	r.err = zec_errno_for_result(&r);
	return r;
}

/* Polls (up to 5 s) until the breaker is closed. */
static bool closes(struct zec_breaker *b)
{
	struct zec_breaker_info i;

	for (int n = 0; n < 500; n++) {
		zec_breaker_info(b, &i);
		if (!i.open)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

int main(void)
{
	struct zec_breaker *b;
	struct zec_breaker_info info;
	struct zec_result res = { 0 }, t = failed(ZEC_OUTCOME_TIMEOUT, ZECFS_TIMEOUT);
	struct zec_result refused = failed(ZEC_OUTCOME_API_ERROR, "INVALID_DISK_NOT_FOUND");
	struct zec_result down = failed(ZEC_OUTCOME_TRANSPORT, ZECFS_TRANSPORT);

	CHECK(zec_breaker_new(100, stub_probe, NULL, &b) == 0, "a breaker is made");
	snprintf(res.action, sizeof(res.action), "CreateSnapshot");
	CHECK(zec_breaker_admit(b, &res), "closed: calls go out");

	zec_breaker_report(b, &refused, false);
	zec_breaker_report(b, &t, false);
	CHECK(zec_breaker_admit(b, &res), "an API error or a timeout cut short does not open it");

	atomic_store(&fail_probes, 3);
	zec_breaker_report(b, &t, true);
	memset(&res, 0, sizeof(res));
	snprintf(res.action, sizeof(res.action), "CreateSnapshot");
	CHECK(!zec_breaker_admit(b, &res), "a call that timed out opens it: the next fails at once");
	CHECK(res.err == -ETIMEDOUT && strcmp(res.code, ZECFS_TIMEOUT) == 0,
	      "with the errno of the failure that opened it (%d %s)", res.err, res.code);
	CHECK(strcmp(res.action, "CreateSnapshot") == 0, "the failed call keeps its own action");
	CHECK(res.outcome == ZEC_OUTCOME_TIMEOUT, "and its outcome");
	zec_breaker_info(b, &info);
	CHECK(info.enabled && info.open && info.trips == 1 && info.fast_failed == 1 &&
	      strcmp(info.reason, ZECFS_TIMEOUT) == 0,
	      "info: open, one trip, one call failed fast, the reason");
	zec_breaker_report(b, &t, true);
	zec_breaker_info(b, &info);
	CHECK(info.trips == 1, "an open breaker is not opened again");

	CHECK(closes(b), "a probe that answers closes it");
	CHECK(atomic_load(&probes) >= 4, "after the failed probes (%d probes)", atomic_load(&probes));
	CHECK(zec_breaker_admit(b, &res), "closed again: calls go out");

	atomic_store(&fail_probes, 0);
	zec_breaker_report(b, &down, true);
	memset(&res, 0, sizeof(res));
	CHECK(!zec_breaker_admit(b, &res) && res.err == -EIO,
	      "a connection failure opens it too, with its errno (EIO)");
	CHECK(closes(b), "and the next probe closes it");
	zec_breaker_info(b, &info);
	CHECK(info.trips == 2 && info.probes >= 5, "two trips counted (%llu probes)", info.probes);
	zec_breaker_free(b);

	CHECK(zec_breaker_admit(NULL, &res), "no breaker: every call goes out");
	zec_breaker_info(NULL, &info);
	CHECK(!info.enabled, "and its info says it is off");
	return check_summary();
}

/*
 * test_walk.c - the page walker (zec_walk.c) against a stub record type whose
 * pages come from an array in this process: ids de-duplicated, repeats beyond
 * a page's worth refused, a list that moves walked again and flagged
 * incomplete, lacking ids confirmed, and the window of pages in flight
 * (capped by parallel, every page in one first wave when totalCount says
 * they are few, cut by a rate-limited try, a refused page fetched again),
 * and page L + 1 asked for with page L, kept until page L wants it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "zec_client.h"
#include "zec_errno.h"
#include "zec_parse.h"
#include "zec_walk.h"

#define PAGE   10
#define MAXN   512

struct item {
	char *id;
};

struct filter {
	const char *const *known;
	size_t n_known;
	const char *const *only;    /* asked by id: a confirmation */
	size_t n_only;
};

/* The "server": the list, what page 1 and the other pages say totalCount is. */
static struct {
	pthread_mutex_t lock;
	const char *ids[MAXN];
	size_t n;
	long long total;             /* -1: n */
	long long later_total;       /* pages > 1 (-1: total) */
	int moves;                   /* rounds whose later pages report later_total */
	int rounds;                  /* page 1 fetches */
	int throttle_page;           /* its first try refused with a 429 */
	int throttled;
	int hook_page1;              /* page 1 halves the window this many times */
	const char *exists[8];       /* what a confirmation finds */
	size_t n_exists;
	int confirm_fails;
	int confirms;
	int fetches;                 /* pages started */
	_Atomic int inflight, max_inflight;
	int hold_page;               /* sleeps a while: who starts meanwhile */
	int holding;
	int started_during_hold;
	int gather;                  /* pages > 1 wait (1 s at most) until this many are in flight */
	pthread_cond_t gathered;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER, .gathered = PTHREAD_COND_INITIALIZER };

static void srv_reset(size_t n)
{
	static char names[MAXN][16];

	pthread_mutex_lock(&srv.lock);
	memset(srv.ids, 0, sizeof(srv.ids));
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "id-%03zu", i);
		srv.ids[i] = names[i];
	}
	srv.n = n;
	srv.total = srv.later_total = -1;
	srv.moves = srv.rounds = srv.throttle_page = srv.throttled = 0;
	srv.hook_page1 = srv.confirm_fails = srv.confirms = srv.fetches = 0;
	srv.n_exists = 0;
	srv.hold_page = srv.holding = srv.started_during_hold = 0;
	srv.inflight = srv.max_inflight = 0;
	srv.gather = 0;
	pthread_mutex_unlock(&srv.lock);
}

static int fill(const char *const *ids, size_t n, void **items, size_t *count)
{
	struct item *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].id = strdup(ids[i]);
		if (!v[i].id) {
			for (size_t j = 0; j < i; j++)
				free(v[j].id);
			free(v);
			return -ENOMEM;
		}
	}
	*items = v;
	*count = n;
	return 0;
}

static void throttle(struct zec_result *res)
{
	res->http_status = 429;
	snprintf(res->code, sizeof(res->code), "REQUEST_LIMIT_EXCEEDED");
	res->err = -EAGAIN;
}

static int stub_page(struct zec_client *c, const void *filter, int page_num,
                     uint64_t deadline, struct zec_result *res, void **items,
                     size_t *count, long long *total)
{
	const struct filter *f = filter;
	const char *ids[MAXN];
	size_t n = 0, from;
	long long tot;
	int ret = 0, now, max;

	(void)c;
	(void)deadline;
	*items = NULL;
	*count = 0;
	*total = 0;
	res->attempts = 1;
	pthread_mutex_lock(&srv.lock);
	if (f->only) {                       /* a confirmation by id */
		srv.confirms++;
		if (srv.confirm_fails) {
			pthread_mutex_unlock(&srv.lock);
			snprintf(res->code, sizeof(res->code), "INTERNAL_ERROR");
			return -EIO;
		}
		for (size_t i = 0; i < f->n_only; i++) {
			for (size_t j = 0; j < srv.n_exists; j++) {
				if (strcmp(f->only[i], srv.exists[j]) == 0)
					ids[n++] = srv.exists[j];
			}
		}
		*total = (long long)n;
		pthread_mutex_unlock(&srv.lock);
		return fill(ids, n, items, count);
	}
	if (page_num == 1) {
		srv.rounds++;
		for (int i = 0; i < srv.hook_page1; i++) {
			void (*fn)(void *, const struct zec_result *);
			void *arg;
			struct zec_result r = { 0 };

			throttle(&r);
			zec_walk_try_hook(&fn, &arg);
			if (fn)
				fn(arg, &r);
		}
	}
	if (page_num == srv.throttle_page && !srv.throttled) {
		srv.throttled = 1;
		pthread_mutex_unlock(&srv.lock);
		throttle(res);
		return -EAGAIN;
	}
	srv.fetches++;
	if (srv.holding)
		srv.started_during_hold++;
	tot = srv.total < 0 ? (long long)srv.n : srv.total;
	if (page_num > 1 && srv.rounds <= srv.moves)
		tot = srv.later_total;
	from = (size_t)(page_num - 1) * PAGE;
	for (size_t i = from; i < srv.n && i < from + PAGE; i++)
		ids[n++] = srv.ids[i];
	*total = tot;
	pthread_mutex_unlock(&srv.lock);

	now = atomic_fetch_add(&srv.inflight, 1) + 1;
	max = atomic_load(&srv.max_inflight);
	while (now > max && !atomic_compare_exchange_weak(&srv.max_inflight, &max, now))
		;
	if (page_num > 1 && srv.gather) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&srv.lock);
		pthread_cond_broadcast(&srv.gathered);
		while (atomic_load(&srv.inflight) < srv.gather &&
		       pthread_cond_timedwait(&srv.gathered, &srv.lock, &until) == 0)
			;
		pthread_mutex_unlock(&srv.lock);
	} else if (page_num == srv.hold_page) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		pthread_mutex_lock(&srv.lock);
		srv.holding = 1;
		pthread_mutex_unlock(&srv.lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&srv.lock);
		srv.holding = 0;
		pthread_mutex_unlock(&srv.lock);
	} else {
		struct timespec ts = { 0, 1000 * 1000 };

		nanosleep(&ts, NULL);      /* pages overlap: the window is exercised */
	}
	atomic_fetch_sub(&srv.inflight, 1);
	ret = fill(ids, n, items, count);
	return ret;
}

static const char *item_id(const void *item)
{
	return ((const struct item *)item)->id;
}

static void item_clear(void *item)
{
	free(((struct item *)item)->id);
	((struct item *)item)->id = NULL;
}

static const char *item_outside(const void *filter, const void *item, const char **value)
{
	const struct filter *f = filter;
	const struct item *it = item;

	*value = it->id;
	for (size_t i = 0; i < f->n_only; i++) {
		if (strcmp(f->only[i], it->id) == 0)
			return NULL;
	}
	return f->n_only ? "id" : NULL;
}

static void item_known(const void *filter, const char *const **ids, size_t *n)
{
	const struct filter *f = filter;

	*ids = f->known;
	*n = f->n_known;
}

static void item_only_ids(void *filter, const char *const *ids, size_t n)
{
	struct filter *f = filter;

	f->only = ids;
	f->n_only = n;
	f->known = NULL;
	f->n_known = 0;
}

static const struct walk_kind kind = {
	"DescribeStubs", PAGE, sizeof(struct item), stub_page, item_id, item_clear,
	zec_collect_deliver, zec_collect_restart, zec_collect_can_restart,
	item_outside, item_known, item_only_ids, sizeof(struct filter),
};

/* Walks the stub list; *out the items (free with done()). */
static int walk(struct zec_client *c, const struct filter *f, struct item **out,
                size_t *n, struct zec_result *res)
{
	void *items = NULL;
	long long total = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = zec_walk_collect(c, &kind, f, zec_call_deadline(c, 0), &items, n, &total, res);
	*out = items;
	return ret;
}

static void done(struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		item_clear(&v[i]);
	free(v);
}

static bool all_unique(const struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(v[i].id, v[j].id) == 0)
				return false;
		}
	}
	return true;
}

static void test_plain(struct zec_client *c)
{
	struct filter f = { 0 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	srv_reset(95);
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 95 && all_unique(v, n), "a 10-page list: every item once (ret %d, %zu)", ret, n);
	CHECK(!res.incomplete, "a list that stays still is not incomplete");
	CHECK(srv.rounds == 1, "walked once (%d)", srv.rounds);
	CHECK(srv.max_inflight <= 4, "pages in flight within parallel (%d)", srv.max_inflight);
	done(v, n);
}

static void test_dedup(struct zec_client *c)
{
	struct filter f = { 0 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	srv_reset(30);
	srv.ids[12] = srv.ids[3];            /* page 2 repeats an id of page 1 */
	srv.ids[25] = srv.ids[12];           /* and page 3 again */
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 28 && all_unique(v, n),
	      "repeated ids across pages delivered once (ret %d, %zu items)", ret, n);
	done(v, n);

	srv_reset(40);
	for (size_t i = 10; i < 40; i++)     /* pages 2-4 repeat page 1 */
		srv.ids[i] = srv.ids[i % 10];
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == -EIO && strcmp(res.code, ZECFS_LIST_INCONSISTENT) == 0 && n == 0,
	      "repeats beyond a page's worth: EIO %s (ret %d)", res.code, ret);
	done(v, n);
}

static void test_moves(struct zec_client *c)
{
	struct filter f = { 0 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	srv_reset(35);
	srv.later_total = 36;                /* round 1's later pages: another count */
	srv.moves = 1;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 35 && srv.rounds == 2 && !res.incomplete,
	      "a list that moved once: walked again, complete (ret %d, %zu, rounds %d)",
	      ret, n, srv.rounds);
	done(v, n);

	srv_reset(35);
	srv.later_total = 36;
	srv.moves = 99;                      /* under every walk */
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && srv.rounds == 3 && res.incomplete && all_unique(v, n),
	      "a list that moves under every walk: 3 rounds, accepted, incomplete "
	      "(ret %d, rounds %d, incomplete %d)", ret, srv.rounds, res.incomplete);
	done(v, n);
}

static void test_confirm(struct zec_client *c)
{
	const char *known[] = { "id-001", "id-gone" };
	struct filter f = { .known = known, .n_known = 2 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	srv_reset(25);
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 25 && srv.confirms == 1 && !res.incomplete,
	      "a known id the listing lacks is asked for once; gone: complete "
	      "(ret %d, confirms %d, incomplete %d)", ret, srv.confirms, res.incomplete);
	done(v, n);

	srv_reset(25);
	srv.confirm_fails = 1;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 25 && res.incomplete,
	      "the confirmation fails: the listing is incomplete (ret %d, incomplete %d)",
	      ret, res.incomplete);
	done(v, n);

	srv_reset(25);
	srv.exists[0] = "id-gone";           /* it still exists: the pages missed it */
	srv.n_exists = 1;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 26 && srv.rounds == 3 && res.incomplete && all_unique(v, n),
	      "a missed id that exists: walked again, the last round delivers it, "
	      "incomplete (ret %d, %zu, rounds %d)", ret, n, srv.rounds);
	done(v, n);

	srv_reset(5);                        /* one page: nothing to confirm */
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 5 && srv.confirms == 0, "a one-page listing asks nothing more");
	done(v, n);
}

static void test_first_wave(struct zec_client *c)
{
	struct filter f = { 0 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	CHECK(zec_walk_first_wave(99, 64) == 99, "99 pages after page 1, parallel 64: one wave");
	CHECK(zec_walk_first_wave(128, 64) == 128, "128 pages (2 x parallel): one wave");
	CHECK(zec_walk_first_wave(129, 64) == 64, "129 pages: parallel at once (%d)",
	      zec_walk_first_wave(129, 64));
	CHECK(zec_walk_first_wave(3, 64) == 3, "3 pages: 3 at once");
	CHECK(zec_walk_first_wave(0, 64) == 64, "no count: parallel");

	/* 9 pages, parallel 4: pages 2..9 (8 = 2 x parallel) all in flight
	 * together, each waiting for the others */
	srv_reset(85);
	srv.gather = 8;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 85 && all_unique(v, n), "a one-wave walk: every item once (%d, %zu)",
	      ret, n);
	CHECK(srv.max_inflight == 8, "pages 2..9 in flight at once (%d)", srv.max_inflight);
	CHECK(srv.fetches == 9, "9 pages, 9 calls (%d)", srv.fetches);
	done(v, n);

	/* 90 fill 9 pages: page 10, which must be asked for (totalCount is not
	 * trusted to end the listing), goes with the wave, not after it */
	srv_reset(90);
	srv.gather = 9;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 90 && all_unique(v, n), "a full last page: every item once (%d, %zu)",
	      ret, n);
	CHECK(srv.max_inflight == 9, "pages 2..10 in flight at once (%d)", srv.max_inflight);
	CHECK(srv.fetches == 10, "no call more than page 10 after page 9 (%d)", srv.fetches);
	done(v, n);
}

/* Whether id is among v[0..n). */
static bool has_id(const struct item *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].id, id) == 0)
			return true;
	}
	return false;
}

/*
 * Page L + 1, asked for before page L said whether it is wanted: its answer
 * waits for page L's (page 9 held, so page 10's arrives first), then is
 * taken as any page's, or dropped unseen.
 */
static void test_spec(struct zec_client *c)
{
	struct filter f = { 0 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	/* totalCount 90, but 95 items: page 10 holds 5 */
	srv_reset(95);
	srv.total = 90;
	srv.hold_page = 9;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 95 && all_unique(v, n) && has_id(v, n, "id-094"),
	      "page 10 answered before page 9: kept, then delivered (ret %d, %zu)", ret, n);
	CHECK(srv.fetches == 10, "10 pages, 10 calls (%d)", srv.fetches);
	done(v, n);

	/* page 10 full of new items: page 11 is asked for after it */
	srv_reset(100);
	srv.total = 90;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 100 && all_unique(v, n),
	      "a full page 10 beyond totalCount: page 11 read too (ret %d, %zu)", ret, n);
	CHECK(srv.fetches == 11, "11 pages, 11 calls (%d)", srv.fetches);
	done(v, n);

	/* page 9 repeats page 8 (no new id): the walk does not want page 10,
	 * whose items stay unseen, as when it was never asked for */
	srv_reset(100);
	srv.total = 90;
	for (size_t i = 80; i < 90; i++)
		srv.ids[i] = srv.ids[i - 10];
	srv.hold_page = 9;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 80 && all_unique(v, n) && !has_id(v, n, "id-090"),
	      "page 9 brought nothing new: page 10 dropped unseen (ret %d, %zu)", ret, n);
	done(v, n);
}

static void test_window(struct zec_client *c)
{
	struct filter f = { 0 };
	struct zec_result res;
	struct item *v;
	size_t n;
	int ret;

	srv_reset(200);
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 200, "20 pages walked");
	CHECK(srv.max_inflight >= 1 && srv.max_inflight <= 4,
	      "at most parallel (4) pages in flight (%d)", srv.max_inflight);
	done(v, n);

	/* two rate-limited tries halve the window from 4 to 1: page 2 is
	 * then alone in flight until it succeeds */
	srv_reset(60);
	srv.hook_page1 = 2;
	srv.hold_page = 2;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 60, "a walk whose window was cut completes");
	CHECK(srv.started_during_hold == 0,
	      "window 1: no page started while page 2 was in flight (%d)",
	      srv.started_during_hold);
	done(v, n);

	srv_reset(60);
	srv.throttle_page = 3;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == 0 && n == 60 && srv.throttled && all_unique(v, n),
	      "a page refused for the rate is fetched again (ret %d, %zu)", ret, n);
	CHECK(res.attempts == srv.fetches + 1, "every try counted (%d, %d fetches)",
	      res.attempts, srv.fetches);
	done(v, n);

	srv_reset(60);
	srv.throttle_page = 1;
	ret = walk(c, &f, &v, &n, &res);
	CHECK(ret == -EAGAIN && n == 0 && strcmp(res.code, "REQUEST_LIMIT_EXCEEDED") == 0,
	      "page 1 refused for the rate: the walk fails with it (ret %d, %s)", ret, res.code);
	done(v, n);
}

int main(void)
{
	struct zec_client_config cfg = {
		.endpoint = "http://127.0.0.1:9/",
		.access_key_id = "TESTKEYID00000001",
		.access_key_password = "TestSecretPassword0123456789",
		.parallel = 4,
	};
	struct zec_client *c = NULL;

	if (zec_client_new(&cfg, &c) || !c) {
		printf("cannot make a client\n");
		return 1;
	}
	test_plain(c);
	test_dedup(c);
	test_moves(c);
	test_confirm(c);
	test_first_wave(c);
	test_spec(c);
	test_window(c);
	zec_client_free(c);
	return check_summary();
}

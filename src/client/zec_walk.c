/*
 * zec_walk.c - the page walker: every page of a listing, fetched by a window
 * of threads (AIMD on the rate limit), ids de-duplicated, walked again when
 * the list moves, the ids it lacks confirmed, and the result flagged
 * incomplete when it cannot be proven whole.  Record types plug in through
 * struct walk_kind (zec_walk.h); a sink that keeps every item is here too.
 */
#include "zec_parse.h"
#include "zec_actions_int.h"
#include "zec_walk.h"
#include "zec_idset.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"

#define WALK_ROUNDS    3          /* walks made when the list moves under one */

/*
 * The walk this thread fetches a page for, so that send_call() can tell it
 * about every failed try (rate-limit backoff).
 */
static _Thread_local struct walk *page_walk;
static void walk_on_failed_try(void *arg, const struct zec_result *r);

void zec_walk_try_hook(void (**fn)(void *arg, const struct zec_result *r), void **arg)
{
	*fn = page_walk ? walk_on_failed_try : NULL;
	*arg = page_walk;
}

/* ---- page walkers -------------------------------------------------------- */

/*
 * A streaming walk that distrusts totalCount.
 *
 * Page 1 is fetched by the calling thread; its totalCount gives the last
 * page L = ceil(totalCount / pageSize), an upper bound only: nothing is
 * allocated from it.  Pages 2..L are then fetched by threads (the
 * caller's included) within a window of requests in flight.  The first
 * wave is sized from totalCount (zec_walk_first_wave): every page at once
 * when they are at most 2 x 'parallel', so that a listing of that size
 * takes two round trips, not 1 + ceil((L - 1) / parallel); a longer one
 * starts at 'parallel'.  The window halves on every REQUEST_LIMIT_EXCEEDED
 * (429) try; with every page that succeeds it grows by one up to
 * 'parallel', or, above 'parallel' (a first wave), shrinks by one back to
 * it (AIMD); and a page refused for the rate is fetched again (after a
 * backoff) until the walk's deadline, so a rate-limited account still
 * completes.
 *
 * Each page is parsed by the thread that fetched it, its ids checked against
 * the walk's id set (one copy of each id in an arena, open addressing with a
 * keyed hash: about 30 bytes an id), and only its new items are handed to the
 * sink, one page at a time under the walk's mutex, in arrival order.  So at
 * most 'window' parsed pages exist at once, whatever the listing's size.
 *
 * A page is inconsistent, and the walk fails with ZECFS_LIST_INCONSISTENT
 * (EIO) and one log line, when, the list not having moved: it holds more
 * items than pageSize; a page before L is not full (the first short or empty
 * page also stops the walk from asking for more); page L holds less than the
 * rest of totalCount; or the items repeated (within a page or across pages)
 * exceed one page's worth, which is more than any shift of the list explains.
 *
 * totalCount is never trusted to end a listing early: a full page L that
 * brought new ids means "ask for the next one" (one page at a time beyond
 * L; a full page of repeats ends the listing), so a server that
 * understates totalCount (0 or 1 on full pages) still has every page read,
 * and the walk logs "api list longer than its totalCount" once.  A full
 * page L costs one more call, for an empty page, when the count is an exact
 * multiple of pageSize (L > 1).  That page L + 1 is asked for with the
 * others (in the first wave when it holds every page), not a round trip
 * after page L: its answer waits, parked, until page L says whether the
 * walk wants it, and is dropped unseen when it does not (page L failed, or
 * brought no new id), so the walk reads what it read before, in one round
 * trip less.  Only a walk whose page L ends it early pays for the page
 * unasked for, and none ends early on a consistent list.
 *
 * A record the filter's id lists exclude (a snapshot of another disk in a
 * listing filtered by diskIds) is dropped, with one line a page ("api list
 * records outside the filter dropped"): never shown under the wrong disk.
 *
 * The list moved when a page reports another totalCount than page 1 (offset
 * paging then misses or repeats items): the walk stops asking for pages,
 * lets those in flight finish (discarded), calls sink->restart() and walks
 * again, up to WALK_ROUNDS times; the last round is accepted as it is (short
 * pages then end it) and flagged res->incomplete: what it lacks may only
 * have shifted across a page boundary.  A sink without restart() is never
 * restarted.
 */

#define WALK_STACK  (1u << 20)      /* worker thread stacks */

struct walk {
	struct zec_client *c;
	const struct walk_kind *k;
	const void *filter;
	const void *sink;
	uint64_t deadline;
	const char *path;
	bool final;                  /* the last round: accepted even if it moves */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	long long total1;            /* page 1's totalCount */
	size_t last;                 /* the last page totalCount allows */
	size_t next;                 /* the next page to ask for */
	/* page L + 1 asked for before page L said whether it is wanted: */
	size_t spec;                 /* its number, 0: none */
	enum { SPEC_PENDING, SPEC_WANTED, SPEC_UNWANTED } spec_state;
	bool spec_parked;            /* its answer arrived first, kept here: */
	int spec_ret;
	struct zec_result spec_r;
	void *spec_items;
	size_t spec_count;
	long long spec_total;
	int inflight, window, window_max;   /* window_max: parallel */
	bool stop;                   /* ask for no more pages */
	bool moved;                  /* a page reported another totalCount */
	bool understated;            /* a full page beyond totalCount */
	int ret;                     /* the walk's failure */
	struct zec_result fail;      /* and its result */
	int attempts;                /* tries of every page */
	size_t dups;                 /* repeated items dropped */
	struct zec_idset seen;
};

/* The last page the walk asks for now: L, or L + 1 while page L may want it. */
static size_t walk_until(const struct walk *w)
{
	return w->spec > w->last && w->spec_state == SPEC_PENDING ? w->spec : w->last;
}

int zec_walk_first_wave(size_t rest, int parallel)
{
	if (parallel < 1)
		parallel = 1;
	if (rest == 0)
		return parallel;
	return rest <= 2 * (size_t)parallel ? (int)rest : parallel;
}

static bool throttled(const struct zec_result *r)
{
	return r->http_status == 429 || strcmp(r->code, "REQUEST_LIMIT_EXCEEDED") == 0;
}

/* zec_call hook: a 429 try halves the window. */
static void walk_on_failed_try(void *arg, const struct zec_result *r)
{
	struct walk *w = arg;

	if (!throttled(r))
		return;
	pthread_mutex_lock(&w->lock);
	if (w->window > 1)
		w->window /= 2;
	pthread_mutex_unlock(&w->lock);
}

/* Records the walk's first failure (under w->lock); stops the walk. */
static void walk_fail(struct walk *w, int ret, const struct zec_result *r)
{
	if (!w->ret) {
		w->ret = ret;
		w->fail = *r;
	}
	w->stop = true;
}

/* The server's pages do not add up: EIO with one log line (under w->lock). */
static void walk_inconsistent(struct walk *w, const char *reason, size_t page,
                              size_t count, const struct zec_result *r)
{
	struct zec_result res = *r;
	char path[ZLOG_ESC_MAX], rid[ZLOG_ESC_MAX];
	int ret;

	ret = zec_result_local(&res, ZECFS_LIST_INCONSISTENT, reason);
	snprintf(res.request_id, sizeof(res.request_id), "%s", r->request_id);
	zlog_warn("api list inconsistent action=%s path=%s reason=\"%s\" page=%zu "
	          "items=%zu page_size=%d total_count=%lld request_id=%s",
	          w->k->action, zlog_esc(w->path, path, sizeof(path)), reason, page,
	          count, w->k->page_max, w->total1,
	          zlog_esc(r->request_id, rid, sizeof(rid)));
	walk_fail(w, ret, &res);
}

static void free_items(const struct walk_kind *k, void *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k->clear((char *)items + i * k->item_size);
	free(items);
}

/*
 * Drops the records of page p (0: a confirmation) that filter excludes,
 * with one log line;
 * the others move up.  Returns how many are left.  Under w->lock.
 */
static size_t drop_outside(struct walk *w, const void *filter, size_t p, void *items,
                           size_t count, const struct zec_result *r)
{
	const struct walk_kind *k = w->k;
	const char *field = NULL;
	char *base = items;
	size_t keep = 0, dropped = 0;
	char path[ZLOG_ESC_MAX], id[ZLOG_ESC_MAX], val[ZLOG_ESC_MAX], rid[ZLOG_ESC_MAX];

	if (!k->outside || !filter)
		return count;
	for (size_t i = 0; i < count; i++) {
		char *it = base + i * k->item_size;
		const char *v = NULL;
		const char *f = k->outside(filter, it, &v);

		if (!f) {
			if (keep != i)
				memcpy(base + keep * k->item_size, it, k->item_size);
			keep++;
			continue;
		}
		if (!dropped++) {
			/* the first one is named: copied before it is cleared */
			field = f;
			zlog_esc(k->id(it), id, sizeof(id));
			zlog_esc(v, val, sizeof(val));
		}
		k->clear(it);
	}
	if (dropped)
		zlog_warn("api list records outside the filter dropped action=%s path=%s "
		          "page=%zu count=%zu id=%s field=%s value=%s request_id=%s",
		          k->action, zlog_esc(w->path, path, sizeof(path)), p, dropped, id,
		          field, val, zlog_esc(r->request_id, rid, sizeof(rid)));
	return keep;
}

/*
 * Checks page p against page 1 and the walk so far, drops repeated ids and
 * hands the rest to the sink.  Called under w->lock; consumes items.
 */
static void walk_page(struct walk *w, size_t p, void *items, size_t count,
                      long long total, const struct zec_result *r)
{
	const struct walk_kind *k = w->k;
	size_t size = k->item_size, keep = 0;
	char *base = items;
	bool full;
	int ret;

	if (w->ret || (w->moved && !w->final))
		goto drop;
	if (p == 1) {
		w->total1 = total;
		w->last = total <= 0 ? 1 : (size_t)(total / k->page_max) +
		                            (total % k->page_max != 0);
		/* only to spare rehashing: without the room, adds grow the set */
		if (total > 0 && zec_idset_reserve(&w->seen, total < ZEC_IDSET_RESERVE_MAX ?
		                                   (size_t)total : ZEC_IDSET_RESERVE_MAX) < 0)
			zlog_debug("walk id set reservation failed, growing instead items=%lld",
			           total);
	} else if (total != w->total1) {
		w->moved = true;
		if (!w->final) {
			w->stop = true;
			goto drop;
		}
	}
	if (count > (size_t)k->page_max) {
		walk_inconsistent(w, "page larger than pageSize", p, count, r);
		goto drop;
	}
	if (p < w->last && count < (size_t)k->page_max) {
		w->stop = true;             /* the first short page: ask no further */
		if (!w->moved) {
			walk_inconsistent(w, "short page before the last", p, count, r);
			goto drop;
		}
	}
	if (p == w->last && !w->moved &&
	    (long long)count < w->total1 - (long long)(w->last - 1) * k->page_max) {
		walk_inconsistent(w, "last page short of totalCount", p, count, r);
		goto drop;
	}
	full = count == (size_t)k->page_max;
	count = drop_outside(w, w->filter, p, items, count, r);
	for (size_t i = 0; i < count; i++) {
		char *it = base + i * size;

		ret = zec_idset_add(&w->seen, k->id(it));
		if (ret < 0) {
			struct zec_result res = *r;

			for (size_t j = i; j < count; j++)
				k->clear(base + j * size);
			walk_fail(w, no_memory(&res), &res);
			count = keep;
			goto drop;
		}
		if (ret == 0) {
			k->clear(it);
			w->dups++;
			continue;
		}
		if (keep != i)
			memcpy(base + keep * size, it, size);
		keep++;
	}
	if (w->dups > (size_t)k->page_max) {
		walk_inconsistent(w, "pages repeat items", p, count, r);
		count = keep;
		goto drop;
	}
	if (p == w->last && full && keep && !w->stop) {
		/* a full page that brought new items: there may be more (a
		 * full page of repeats, from a server that ignores pageNum,
		 * ends the listing instead of looping) */
		w->last = p + 1;
		if ((long long)(p * (size_t)k->page_max) > w->total1)
			w->understated = true;
	}
	if (keep) {
		ret = k->deliver(w->sink, items, keep);
		if (ret) {
			struct zec_result res = *r;

			zec_result_local(&res, ret == -ENOMEM ? ZECFS_OUT_OF_MEMORY
			                                      : ZECFS_CANCELLED,
			                 "the listing's consumer stopped the walk");
			res.err = ret;
			walk_fail(w, ret, &res);
		}
	}
	count = keep;
drop:
	free_items(k, items, count);
}

/* Fetches page p (p > 1: again while it is refused for the rate and time remains). */
static int walk_fetch(struct walk *w, size_t p, struct zec_result *r,
                      void **items, size_t *count, long long *total)
{
	int ret, tries = 0;

	for (;;) {
		long slept;

		r->path = w->path;
		page_walk = w;
		ret = w->k->fetch(w->c, w->filter, (int)p, w->deadline, r, items,
		                  count, total);
		page_walk = NULL;
		pthread_mutex_lock(&w->lock);
		w->attempts += r->attempts;
		pthread_mutex_unlock(&w->lock);
		/* page 1 keeps the call's own retries (-o retries): only a walk
		 * that has shown the account works rides out a rate limit */
		if (!ret || !throttled(r) || zec_client_cancelled(w->c) || p == 1)
			return ret;
		pthread_mutex_lock(&w->lock);
		if (w->stop || (p == w->spec && w->spec_state == SPEC_UNWANTED)) {
			/* another page ended the walk, or page L did not want this one */
			pthread_mutex_unlock(&w->lock);
			return ret;
		}
		pthread_mutex_unlock(&w->lock);
		if (zec_http_backoff(w->c, ++tries, w->deadline, &slept))
			return ret;
	}
}

/*
 * Page L is settled (under w->lock): page L + 1, asked for with it, is now
 * wanted (page L was full of new ids) or not, and its answer, when parked,
 * is taken as any page's or dropped unseen.
 */
static void walk_spec_settle(struct walk *w)
{
	w->spec_state = w->last >= w->spec && !w->stop ? SPEC_WANTED : SPEC_UNWANTED;
	if (!w->spec_parked)
		return;
	w->spec_parked = false;
	if (w->spec_state == SPEC_UNWANTED)
		free_items(w->k, w->spec_items, w->spec_count);
	else if (w->spec_ret)
		walk_fail(w, w->spec_ret, &w->spec_r);
	else
		walk_page(w, w->spec, w->spec_items, w->spec_count, w->spec_total, &w->spec_r);
	w->spec_items = NULL;
	w->spec_count = 0;
}

static void *walk_worker(void *arg)
{
	struct walk *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct zec_result r = { 0 };
		void *items = NULL;
		size_t p, count = 0;
		long long total = 0;
		int ret;

		if (!w->stop && w->next <= walk_until(w) && w->inflight >= w->window)
			zec_before_wait();
		while (!w->stop && w->next <= walk_until(w) && w->inflight >= w->window)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop || w->next > walk_until(w))
			break;
		p = w->next++;
		w->inflight++;
		pthread_mutex_unlock(&w->lock);

		ret = walk_fetch(w, p, &r, &items, &count, &total);

		pthread_mutex_lock(&w->lock);
		w->inflight--;
		if (p == w->spec && w->spec_state == SPEC_PENDING) {
			w->spec_parked = true;  /* until page L says whether it is wanted */
			w->spec_ret = ret;
			w->spec_r = r;
			w->spec_items = items;
			w->spec_count = count;
			w->spec_total = total;
		} else if (p == w->spec && w->spec_state == SPEC_UNWANTED) {
			free_items(w->k, items, count);
		} else if (ret) {
			walk_fail(w, ret, &r);
		} else {
			walk_page(w, p, items, count, total, &r);
			if (w->window < w->window_max)
				w->window++;
			else if (w->window > w->window_max)
				w->window--;        /* after the first wave */
		}
		if (p + 1 == w->spec && w->spec_state == SPEC_PENDING)
			walk_spec_settle(w);
		pthread_cond_broadcast(&w->cond);
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * The workers' stacks, one mapping for all of them, a guard page under
 * each, unmapped once they are joined: glibc keeps the stacks of ended
 * threads it allocated (up to 40 MiB) with their last pages resident, and
 * a listing's 60-odd workers left some 20 KiB each behind.  NULL: glibc's.
 */
static char *stacks_map(int n, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	char *m;

	if (page <= 0 || n <= 0)
		return NULL;
	*len = (size_t)n * WALK_STACK;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (mprotect(m + (size_t)i * WALK_STACK, (size_t)page, PROT_NONE) != 0) {
			munmap(m, *len);
			return NULL;
		}
	}
	return m;
}

/* Thread i's stack in the mapping (past its guard page), or glibc's. */
static void stack_of(pthread_attr_t *attr, char *stacks, int i)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (stacks)
		pthread_attr_setstack(attr, stacks + (size_t)i * WALK_STACK + page,
		                      WALK_STACK - page);
	else
		pthread_attr_setstacksize(attr, WALK_STACK);
}

/*
 * Pages 2..last: worker threads plus this one.  The threads of all walks of
 * the client stay within 4 x parallel; a walk that gets fewer (or none,
 * when memory or the budget runs out) is slower, not wrong.
 */
static void walk_rest(struct walk *w)
{
	size_t want, until;
	int granted = 0, started = 0;
	pthread_t *tids = NULL;
	pthread_attr_t attr;
	char *stacks = NULL;
	size_t stacks_len = 0;

	pthread_mutex_lock(&w->lock);
	until = walk_until(w);
	if (w->window >= w->window_max) {    /* not cut by page 1's tries */
		int wave = zec_walk_first_wave(w->last - 1, w->window_max);

		/* page L + 1 joins a first wave that holds every page */
		if (until > w->last && (size_t)wave == w->last - 1)
			wave++;
		w->window = wave;
	}
	want = (size_t)w->window;
	pthread_mutex_unlock(&w->lock);
	if (until - 1 < want)
		want = until - 1;
	if (want > 1)
		granted = zec_client_walk_threads_take(w->c, (int)want - 1);
	if (granted > 0 && pthread_attr_init(&attr) == 0) {
		tids = calloc((size_t)granted, sizeof(*tids));
		stacks = tids ? stacks_map(granted, &stacks_len) : NULL;
		for (int i = 0; tids && i < granted; i++) {
			stack_of(&attr, stacks, i);
			if (pthread_create(&tids[i], &attr, walk_worker, w) != 0)
				break;
			started++;
		}
		pthread_attr_destroy(&attr);
	}
	if (granted > started)
		zec_client_walk_threads_give(w->c, granted - started);
	walk_worker(w);
	if (started)
		zec_before_wait();
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (started)
		zec_client_walk_threads_give(w->c, started);
	if (stacks)
		munmap(stacks, stacks_len);
	free(tids);
}

/* One round; *moved when the list changed size while it was walked. */
static int walk_once(struct walk *w, struct zec_result *res, bool *moved)
{
	struct zec_result r = { .path = res->path };
	void *items = NULL;
	size_t count = 0;
	long long total = 0;
	int ret;

	w->next = 2;
	w->spec = 0;
	w->spec_state = SPEC_PENDING;
	w->stop = w->moved = w->understated = false;
	w->dups = 0;
	w->ret = 0;
	w->window = w->window_max;
	zec_idset_free(&w->seen);
	w->seen.key = (uint64_t)zec_clock_now_ms() * 0x9E3779B97F4A7C15ull ^
	              (uint64_t)(uintptr_t)w;

	ret = walk_fetch(w, 1, &r, &items, &count, &total);
	*res = r;
	if (ret)
		return ret;
	pthread_mutex_lock(&w->lock);
	walk_page(w, 1, items, count, total, &r);
	/* a count that fills page L: page L + 1 is asked for with the others */
	if (w->last > 1 && w->total1 == (long long)w->last * w->k->page_max)
		w->spec = w->last + 1;
	pthread_mutex_unlock(&w->lock);
	if (!w->ret && !w->stop && w->last > 1)
		walk_rest(w);
	if (w->spec_parked) {               /* page L never settled: the walk stopped */
		free_items(w->k, w->spec_items, w->spec_count);
		w->spec_parked = false;
		w->spec_items = NULL;
		w->spec_count = 0;
	}
	*moved = w->moved;
	if (w->ret) {
		*res = w->fail;
		return w->ret;
	}
	return 0;
}

/*
 * Hands the records a confirmation found to the sink, as a page's items,
 * each id once.  Under w->lock; consumes items.
 */
static int confirm_deliver(struct walk *w, void *items, size_t count, struct zec_result *res)
{
	const struct walk_kind *k = w->k;
	size_t keep = 0;
	int ret = 0;

	for (size_t j = 0; j < count; j++) {
		char *it = (char *)items + j * k->item_size;
		int added = ret ? 0 : zec_idset_add(&w->seen, k->id(it));

		if (added < 0)
			ret = no_memory(res);
		if (added <= 0) {
			k->clear(it);
			continue;
		}
		if (keep != j)
			memcpy((char *)items + keep * k->item_size, it, k->item_size);
		keep++;
	}
	if (!ret && keep && (ret = k->deliver(w->sink, items, keep)) != 0) {
		zec_result_local(res, ret == -ENOMEM ? ZECFS_OUT_OF_MEMORY : ZECFS_CANCELLED,
		                 "the listing's consumer stopped the walk");
		res->err = ret;
	}
	free_items(k, items, keep);
	return ret;
}

/*
 * After a round of more than one page: the ids of the filter's known list
 * that the round lacks are asked for by id (k->only_ids, page_max at a time).
 * Returns how many still exist (the round missed them: an item shifted
 * across a page boundary while the list kept its size), or a negative
 * errno (res: the failure).  deliver: the last round, which hands them to
 * the sink; otherwise they are dropped (the walk starts over).  When
 * asking fails, *unproven is set: what the round lacks may still exist.
 */
static int walk_confirm(struct walk *w, bool deliver, bool *unproven,
                        struct zec_result *res)
{
	const struct walk_kind *k = w->k;
	const char *const *known = NULL;
	const char **missing = NULL;
	void *filter = NULL;
	size_t n_known = 0, n = 0;
	int found = 0, ret = 0;

	*unproven = false;
	k->known(w->filter, &known, &n_known);
	for (size_t i = 0; i < n_known; i++) {
		if (!known[i] || zec_idset_has(&w->seen, known[i]))
			continue;
		if (!missing && !(missing = malloc(n_known * sizeof(*missing))))
			return no_memory(res);
		missing[n++] = known[i];
	}
	if (n && !(filter = malloc(k->filter_size))) {
		free(missing);
		return no_memory(res);
	}
	for (size_t i = 0; i < n && !ret; i += (size_t)k->page_max) {
		size_t chunk = n - i < (size_t)k->page_max ? n - i : (size_t)k->page_max;
		struct zec_result r = { .path = w->path };
		void *items = NULL;
		size_t count = 0;
		long long total;

		memcpy(filter, w->filter, k->filter_size);
		k->only_ids(filter, missing + i, chunk);
		if (k->fetch(w->c, filter, 1, w->deadline, &r, &items, &count, &total)) {
			*unproven = true;
			zlog_warn("api list could not confirm what it lacks action=%s path=%s "
			          "code=%s", k->action, ZLOG_ESC(w->path), ZLOG_ESC(r.code));
			break;
		}
		pthread_mutex_lock(&w->lock);
		w->attempts += r.attempts;
		/* only what was asked for: the ids, on the walk's disks */
		count = drop_outside(w, filter, 0, items, count, &r);
		found += (int)count;
		if (deliver)
			ret = confirm_deliver(w, items, count, res);
		else
			free_items(k, items, count);
		pthread_mutex_unlock(&w->lock);
	}
	free(filter);
	free(missing);
	return ret ? ret : found;
}

int zec_walk_all(struct zec_client *c, const struct walk_kind *k,
                 const void *f, const void *sink, uint64_t deadline,
                    long long *total, struct zec_result *res)
{
	struct walk w = {
		.c = c, .k = k, .filter = f, .sink = sink, .deadline = deadline,
		.path = res->path,
	};
	uint64_t t0 = zec_clock_now_ms();
	int ret = 0;

	w.window_max = zec_client_parallel(c);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	res->incomplete = false;
	for (int round = 1; round <= WALK_ROUNDS; round++) {
		bool moved = false;

		w.final = round == WALK_ROUNDS || !k->can_restart(sink);
		ret = walk_once(&w, res, &moved);
		if (!ret && !moved && w.last > 1 && k->known) {
			bool unproven;
			int found = walk_confirm(&w, w.final, &unproven, res);

			if (found < 0)
				ret = found;
			else if (unproven)
				res->incomplete = true;     /* its silence is no removal */
			if (found > 0) {
				moved = true;
				zlog_debug("api walk missed items that still exist action=%s "
				           "count=%d reason=\"an item shifted across a page boundary\"",
				           k->action, found);
			}
		}
		if (!ret && moved && w.final) {
			/* accepted as it is: an item that shifted across a page
			 * boundary is missing; the caller must not take the
			 * listing's silence about it as its removal */
			res->incomplete = true;
			zlog_warn("api list moved under every walk, listing may be incomplete "
			          "action=%s path=%s rounds=%d", k->action, ZLOG_ESC(w.path), round);
		}
		if (!ret && !moved && w.understated)
			zlog_warn("api list longer than its totalCount, every page read action=%s "
			          "path=%s total_count=%lld items=%zu", k->action, ZLOG_ESC(w.path),
			          w.total1, w.seen.n);
		if (ret || !moved || w.final)
			break;
		zlog_debug("api walk again action=%s reason=\"list changed while paging\"",
		           k->action);
		k->restart(sink);
	}
	if (total)
		*total = w.total1;
	res->attempts = w.attempts;
	res->duration_ms = (double)(zec_clock_now_ms() - t0);
	zec_idset_free(&w.seen);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return ret;
}

/* ---- a sink that keeps every item ------------------------------------------ */

/*
 * Moves n items into k (the walker's copies are left zeroed), each made
 * its own first: a lent item's strings go with its page.
 */
static int collect_add(struct zec_collect *k, void *items, size_t n)
{
	for (size_t i = 0; k->own && i < n; i++) {
		if (k->own((char *)items + i * k->size))
			return -ENOMEM;
	}
	if (k->count + n > k->cap) {
		size_t cap = k->cap ? k->cap : 64;
		char *v;

		while (cap < k->count + n) {
			if (cap > SIZE_MAX / 2 / k->size)
				return -ENOMEM;
			cap *= 2;
		}
		v = realloc(k->items, cap * k->size);
		if (!v)
			return -ENOMEM;
		k->items = v;
		k->cap = cap;
	}
	memcpy(k->items + k->count * k->size, items, n * k->size);
	memset(items, 0, n * k->size);
	k->count += n;
	return 0;
}

static void collect_reset(struct zec_collect *k)
{
	for (size_t i = 0; i < k->count; i++)
		k->clear(k->items + i * k->size);
	k->count = 0;
}

/* A walk whose sink fills col: the array on success, nothing on failure. */
int zec_collect_run(struct zec_client *c, const struct walk_kind *k, const void *f,
                    const void *sink, struct zec_collect *col, uint64_t deadline,
                       void **items, size_t *count, long long *total,
                       struct zec_result *res)
{
	int ret = zec_walk_all(c, k, f, sink, deadline, total, res);

	*items = NULL;
	*count = 0;
	if (ret) {
		collect_reset(col);
		free(col->items);
		*total = 0;
		return ret;
	}
	*items = col->items;
	*count = col->count;
	return 0;
}

int zec_collect_deliver(const void *sink, void *items, size_t n)
{
	return collect_add((struct zec_collect *)sink, items, n);
}

void zec_collect_restart(const void *sink)
{
	collect_reset((struct zec_collect *)sink);
}

bool zec_collect_can_restart(const void *sink)
{
	(void)sink;
	return true;
}

int zec_walk_collect(struct zec_client *c, const struct walk_kind *k, const void *filter,
                     uint64_t deadline, void **items, size_t *count, long long *total,
                     struct zec_result *res)
{
	struct zec_collect col = { .size = k->item_size, .clear = k->clear };

	zec_result_begin(res, k->action);
	return zec_collect_run(c, k, filter, &col, &col, deadline, items, count, total, res);
}


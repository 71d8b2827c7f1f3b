/*
 * zec_actions.c - one typed function per ZEC API action, the page walkers,
 * and the free and copy helpers of zec_client.h.
 *
 * Each action checks its arguments locally (outcome LOCAL, code
 * ZECFS_BAD_ARGUMENT), builds its body (zec_parse.c), sends it through
 * zec_http_call() (zec_http.c: signing, retries, deadline) and parses the
 * answer into C structs.  No JSON reaches the caller.
 *
 * Re-sending rules (issue 5):
 *  - Describe*, ModifySnapshotsAttribute, ModifyDisksAttributes: idempotent,
 *    retried freely.  A ModifySnapshotsAttribute that still fails after a try
 *    that may have been applied is confirmed by reading the snapshots back,
 *    with one more deadline of its own (modify_confirm).
 *  - DeleteSnapshots: retried; INVALID_DISK_SNAPSHOT_NOT_FOUND after a try
 *    that may have been applied means the snapshots are already gone: success.
 *  - CreateSnapshot: never re-sent blindly.  After an ambiguous failure
 *    (timeout or dropped connection after sending, a 5xx other than 503) the
 *    name is looked up on the disk (diskIds=[id], snapshotName="^name$",
 *    then an exact comparison here).  Candidates are the exact matches of
 *    that disk, not DELETING, not among the ids the caller knew before the
 *    create, whose createTime (server clock) is no earlier than the first
 *    try's start (our clock) minus CREATE_SKEW_S; one without a usable
 *    createTime counts as recent (create_lookup()).
 *      one candidate          -> adopted: success with its snapshotId;
 *      several                -> the newest is adopted, unless two share the
 *                                newest createTime: ZECFS_CREATE_UNCERTAIN (EIO);
 *      none, but a namesake   -> it may be ours if the server's clock lags
 *      older than the window     ours (by up to CLOCK_SLACK_S, the signature
 *      by at most CLOCK_SLACK_S  window): not re-sent, the create's own
 *                                failure is returned;
 *      none at all            -> definitely not created: re-sent if attempts
 *                                and deadline remain;
 *      the lookup itself fails-> the create's own failure is returned.
 *  - ApplySnapshot: a rollback is not re-sent after an ambiguous failure
 *    (a second rollback could discard writes); the failure is returned.
 */
#include "zec_parse.h"
#include "zec_actions_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_time.h"

#define MAX_IDS        100        /* ids per mutating call */
#define CLOCK_SLACK_S  300        /* the API's signature window */
#define CREATE_SKEW_S  5          /* server clock behind ours, for adoption */
#define WALK_ROUNDS    3          /* walks made when the list moves under one */

/* ---- helpers ------------------------------------------------------------- */

int bad_argument(struct zec_result *res, const char *message)
{
	return zec_result_local(res, ZECFS_BAD_ARGUMENT, message);
}

int no_memory(struct zec_result *res)
{
	return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "out of memory");
}

/* Every id present and non-empty; n in [min, max]. */
bool ids_ok(const char *const *ids, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return false;
	if (n && !ids)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || !*ids[i])
			return false;
	}
	return true;
}

bool str_ok(const char *s)
{
	return s && *s;
}

/* The answer was 200 but its content is unusable. */
int parse_failed(struct zec_result *res, int err, const char *what)
{
	if (err == -ENOMEM)
		return no_memory(res);
	zec_result_bad_response(res, what);
	zec_http_log_failure(res);
	return res->err;
}

/*
 * The walk this thread fetches a page for (page walkers below), so that
 * send_call() can tell it about every failed try (rate-limit backoff).
 */
struct walk;
static _Thread_local struct walk *page_walk;
static void walk_on_failed_try(void *arg, const struct zec_result *r);

/* Sends body as action; *response is the "response" object on success. */
int send_call(struct zec_client *c, const char *action, char *body,
                     int body_ret, unsigned flags, uint64_t deadline,
                     uint64_t t0, cJSON **response, struct zec_call *callp,
                     struct zec_result *res)
{
	struct zec_call call = {
		.action = action,
		.body = body,
		.flags = flags,
		.deadline_ms = deadline,
		.on_failed_try = page_walk ? walk_on_failed_try : NULL,
		.hook_arg = page_walk,
	};
	int ret;

	*response = NULL;
	if (body_ret == -ENOMEM)
		return no_memory(res);
	if (body_ret)
		return bad_argument(res, "cannot build the request body");
	ret = zec_http_call(c, &call, t0, response, res);
	if (callp)
		*callp = call;
	return ret;
}

/* ---- DescribeDisks ------------------------------------------------------- */

static int disk_filter_ok(const struct zec_disk_filter *f)
{
	return !f || ids_ok(f->disk_ids, f->n_disk_ids, 0, (size_t)-1);
}

static int describe_disks_page(struct zec_client *c, const struct zec_disk_filter *f,
                               int page_num, int page_size, uint64_t deadline,
                               struct zec_disk_list *out, struct zec_result *res)
{
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	zec_result_begin(res, "DescribeDisks");
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !out || !disk_filter_ok(f))
		return bad_argument(res, "DescribeDisks: bad arguments");
	if (page_size > ZEC_DISK_PAGE_MAX)
		return bad_argument(res, "DescribeDisks: pageSize above 1000");
	ret = zec_build_describe_disks(f, page_num, page_size, &body);
	ret = send_call(c, "DescribeDisks", body, ret, 0, deadline, t0, &response,
	                NULL, res);
	if (ret)
		goto out;
	ret = zec_parse_disk_page(response, out);
	if (ret)
		ret = parse_failed(res, ret, "DescribeDisks: unusable dataSet");
out:
	cJSON_Delete(response);
	free(body);
	return ret;
}

int zec_describe_disks(struct zec_client *c, const struct zec_disk_filter *f,
                       int page_num, int page_size, struct zec_disk_list *out,
                       struct zec_result *res)
{
	struct zec_result local = { 0 };

	return describe_disks_page(c, f, page_num, page_size, 0, out,
	                           res ? res : &local);
}

/* ---- DescribeSnapshots --------------------------------------------------- */

static int snapshot_filter_ok(const struct zec_snapshot_filter *f)
{
	return !f || (ids_ok(f->snapshot_ids, f->n_snapshot_ids, 0, (size_t)-1) &&
	              ids_ok(f->disk_ids, f->n_disk_ids, 0, (size_t)-1));
}

static int describe_snapshots_page(struct zec_client *c,
                                   const struct zec_snapshot_filter *f,
                                   int page_num, int page_size, uint64_t deadline,
                                   struct zec_snapshot_list *out,
                                   struct zec_result *res)
{
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	zec_result_begin(res, "DescribeSnapshots");
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !out || !snapshot_filter_ok(f))
		return bad_argument(res, "DescribeSnapshots: bad arguments");
	if (page_size > ZEC_SNAPSHOT_PAGE_MAX)
		return bad_argument(res, "DescribeSnapshots: pageSize above 100");
	ret = zec_build_describe_snapshots(f, page_num, page_size, &body);
	ret = send_call(c, "DescribeSnapshots", body, ret, 0, deadline, t0,
	                &response, NULL, res);
	if (ret)
		goto out;
	ret = zec_parse_snapshot_page(response, out);
	if (ret)
		ret = parse_failed(res, ret, "DescribeSnapshots: unusable dataSet");
out:
	cJSON_Delete(response);
	free(body);
	return ret;
}

int zec_describe_snapshots(struct zec_client *c, const struct zec_snapshot_filter *f,
                           int page_num, int page_size,
                           struct zec_snapshot_list *out, struct zec_result *res)
{
	struct zec_result local = { 0 };

	return describe_snapshots_page(c, f, page_num, page_size, 0, out,
	                               res ? res : &local);
}

/* ---- page walkers -------------------------------------------------------- */

/*
 * Streaming walk (issue 14), distrusting totalCount (issue 13 item 8).
 *
 * Page 1 is fetched by the calling thread; its totalCount gives the last
 * page L = ceil(totalCount / pageSize), an upper bound only: nothing is
 * allocated from it.  Pages 2..L are then fetched by up to 'parallel'
 * threads (the caller's included) within a window of requests in flight:
 * the window starts at 'parallel', halves on every REQUEST_LIMIT_EXCEEDED
 * (429) try and grows by one with every page that succeeds (AIMD), and a
 * page refused for the rate is fetched again (after a backoff) until the
 * walk's deadline, so a rate-limited account still completes.
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
 * multiple of pageSize.
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

/* The ids a walk has delivered: an arena of strings and an index. */
struct idset {
	char *arena;
	size_t len, cap;
	uint64_t *slots;            /* hash high half << 32 | (offset + 1); 0 empty */
	size_t size, n;             /* size: a power of two */
	uint64_t key;
};

static uint64_t id_hash(uint64_t key, const char *s)
{
	uint64_t h = key ^ 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static void idset_free(struct idset *s)
{
	free(s->arena);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* Puts slot value v (for hash h) into a table of 'size' slots. */
static void idset_place(uint64_t *slots, size_t size, uint64_t h, uint64_t v)
{
	size_t i = (size_t)h & (size - 1);

	while (slots[i])
		i = (i + 1) & (size - 1);
	slots[i] = v;
}

static int idset_grow(struct idset *s)
{
	size_t size = s->size ? s->size * 2 : 256;
	uint64_t *slots;

	if (size > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(size, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->size; i++) {
		uint64_t v = s->slots[i];

		if (v)
			idset_place(slots, size,
			            id_hash(s->key, s->arena + (v & 0xffffffffu) - 1), v);
	}
	free(s->slots);
	s->slots = slots;
	s->size = size;
	return 0;
}

/* Whether id is in the set. */
static bool idset_has(const struct idset *s, const char *id)
{
	uint64_t h, v;

	if (!s->slots)
		return false;
	h = id_hash(s->key, id);
	for (size_t i = (size_t)h & (s->size - 1); (v = s->slots[i]) != 0;
	     i = (i + 1) & (s->size - 1)) {
		if ((v >> 32) == (h >> 32) &&
		    strcmp(s->arena + (v & 0xffffffffu) - 1, id) == 0)
			return true;
	}
	return false;
}

/* 1 when id is new (and now remembered), 0 when seen before, -ENOMEM. */
static int idset_add(struct idset *s, const char *id)
{
	size_t n = strlen(id) + 1, i;
	uint64_t h, v;

	if (!s->slots && idset_grow(s))
		return -ENOMEM;
	h = id_hash(s->key, id);
	for (i = (size_t)h & (s->size - 1); (v = s->slots[i]) != 0;
	     i = (i + 1) & (s->size - 1)) {
		if ((v >> 32) == (h >> 32) &&
		    strcmp(s->arena + (v & 0xffffffffu) - 1, id) == 0)
			return 0;
	}
	if (s->len + n >= 0xffffffffu)
		return -ENOMEM;            /* 4 GiB of ids: not a real listing */
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *a;

		while (cap < s->len + n)
			cap *= 2;
		a = realloc(s->arena, cap);
		if (!a)
			return -ENOMEM;
		s->arena = a;
		s->cap = cap;
	}
	memcpy(s->arena + s->len, id, n);
	v = (h & 0xffffffff00000000ull) | (uint64_t)(s->len + 1);
	s->len += n;
	if ((s->n + 1) * 2 > s->size) {
		if (idset_grow(s))
			return -ENOMEM;
	}
	idset_place(s->slots, s->size, h, v);
	s->n++;
	return 1;
}

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
	int inflight, window, window_max;
	bool stop;                   /* ask for no more pages */
	bool moved;                  /* a page reported another totalCount */
	bool understated;            /* a full page beyond totalCount */
	int ret;                     /* the walk's failure */
	struct zec_result fail;      /* and its result */
	int attempts;                /* tries of every page */
	size_t dups;                 /* repeated items dropped */
	struct idset seen;
};

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

		ret = idset_add(&w->seen, k->id(it));
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
		if (w->stop) {                  /* another page ended the walk */
			pthread_mutex_unlock(&w->lock);
			return ret;
		}
		pthread_mutex_unlock(&w->lock);
		if (zec_http_backoff(w->c, ++tries, w->deadline, &slept))
			return ret;
	}
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

		while (!w->stop && w->next <= w->last && w->inflight >= w->window)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop || w->next > w->last)
			break;
		p = w->next++;
		w->inflight++;
		pthread_mutex_unlock(&w->lock);

		ret = walk_fetch(w, p, &r, &items, &count, &total);

		pthread_mutex_lock(&w->lock);
		w->inflight--;
		if (ret) {
			walk_fail(w, ret, &r);
		} else {
			walk_page(w, p, items, count, total, &r);
			if (w->window < w->window_max)
				w->window++;
		}
		pthread_cond_broadcast(&w->cond);
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Pages 2..last: worker threads plus this one.  The threads of all walks of
 * the client stay within 4 x parallel; a walk that gets fewer (or none,
 * when memory or the budget runs out) is slower, not wrong.
 */
static void walk_rest(struct walk *w)
{
	size_t want = (size_t)w->window_max;
	int granted = 0, started = 0;
	pthread_t *tids = NULL;
	pthread_attr_t attr;

	if (w->last - 1 < want)
		want = w->last - 1;
	if (want > 1)
		granted = zec_client_walk_threads_take(w->c, (int)want - 1);
	if (granted > 0 && pthread_attr_init(&attr) == 0) {
		pthread_attr_setstacksize(&attr, WALK_STACK);
		tids = calloc((size_t)granted, sizeof(*tids));
		for (int i = 0; tids && i < granted; i++) {
			if (pthread_create(&tids[i], &attr, walk_worker, w) != 0)
				break;
			started++;
		}
		pthread_attr_destroy(&attr);
	}
	if (granted > started)
		zec_client_walk_threads_give(w->c, granted - started);
	walk_worker(w);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (started)
		zec_client_walk_threads_give(w->c, started);
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
	w->stop = w->moved = w->understated = false;
	w->dups = 0;
	w->ret = 0;
	w->window = w->window_max;
	idset_free(&w->seen);
	w->seen.key = (uint64_t)zec_clock_now_ms() * 0x9E3779B97F4A7C15ull ^
	              (uint64_t)(uintptr_t)w;

	ret = walk_fetch(w, 1, &r, &items, &count, &total);
	*res = r;
	if (ret)
		return ret;
	pthread_mutex_lock(&w->lock);
	walk_page(w, 1, items, count, total, &r);
	pthread_mutex_unlock(&w->lock);
	if (!w->ret && !w->stop && w->last > 1)
		walk_rest(w);
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
		int added = ret ? 0 : idset_add(&w->seen, k->id(it));

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
		if (!known[i] || idset_has(&w->seen, known[i]))
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

static int walk_all(struct zec_client *c, const struct walk_kind *k,
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
	idset_free(&w.seen);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return ret;
}

/* ---- the two record types ------------------------------------------------ */

static int disks_page(struct zec_client *c, const void *f, int page_num,
                      uint64_t deadline, struct zec_result *res, void **items,
                      size_t *count, long long *total)
{
	struct zec_disk_list l;
	int ret = describe_disks_page(c, f, page_num, ZEC_DISK_PAGE_MAX, deadline,
	                              &l, res);

	*items = l.items;
	*count = l.count;
	*total = l.total;
	return ret;
}

static int snapshots_page(struct zec_client *c, const void *f, int page_num,
                          uint64_t deadline, struct zec_result *res, void **items,
                          size_t *count, long long *total)
{
	struct zec_snapshot_list l;
	int ret = describe_snapshots_page(c, f, page_num, ZEC_SNAPSHOT_PAGE_MAX,
	                                  deadline, &l, res);

	*items = l.items;
	*count = l.count;
	*total = l.total;
	return ret;
}

static const char *disk_id_of(const void *item)
{
	return ((const struct zec_disk *)item)->disk_id;
}

static void disk_clear_item(void *item)
{
	zec_disk_clear(item);
}

static const char *snapshot_id_of(const void *item)
{
	return ((const struct zec_snapshot *)item)->snapshot_id;
}

static void snapshot_clear_item(void *item)
{
	zec_snapshot_clear(item);
}

static int disk_deliver(const void *sink, void *items, size_t n)
{
	const struct zec_disk_sink *s = sink;

	return s->page(s->arg, items, n);
}

static void disk_restart(const void *sink)
{
	const struct zec_disk_sink *s = sink;

	s->restart(s->arg);
}

static bool disk_can_restart(const void *sink)
{
	return ((const struct zec_disk_sink *)sink)->restart != NULL;
}

static int snapshot_deliver(const void *sink, void *items, size_t n)
{
	const struct zec_snapshot_sink *s = sink;

	return s->page(s->arg, items, n);
}

static void snapshot_restart(const void *sink)
{
	const struct zec_snapshot_sink *s = sink;

	s->restart(s->arg);
}

static bool snapshot_can_restart(const void *sink)
{
	return ((const struct zec_snapshot_sink *)sink)->restart != NULL;
}

bool listed_in(const char *id, const char *const *ids, size_t n)
{
	for (size_t i = 0; id && i < n; i++) {
		if (strcmp(ids[i], id) == 0)
			return true;
	}
	return false;
}

static const char *disk_outside(const void *filter, const void *item, const char **value)
{
	const struct zec_disk_filter *f = filter;
	const struct zec_disk *d = item;

	*value = d->disk_id;
	return f->n_disk_ids && !listed_in(d->disk_id, f->disk_ids, f->n_disk_ids) ?
	       "diskId" : NULL;
}

static const char *snapshot_outside(const void *filter, const void *item,
                                    const char **value)
{
	const struct zec_snapshot_filter *f = filter;
	const struct zec_snapshot *s = item;

	*value = s->disk_id;
	if (f->n_disk_ids && !listed_in(s->disk_id, f->disk_ids, f->n_disk_ids))
		return "diskId";
	*value = s->snapshot_id;
	if (f->n_snapshot_ids && !listed_in(s->snapshot_id, f->snapshot_ids, f->n_snapshot_ids))
		return "snapshotId";
	return NULL;
}

static void disk_known(const void *filter, const char *const **ids, size_t *n)
{
	const struct zec_disk_filter *f = filter;

	*ids = f ? f->known : NULL;
	*n = *ids ? f->n_known : 0;
}

static void snapshot_known(const void *filter, const char *const **ids, size_t *n)
{
	const struct zec_snapshot_filter *f = filter;

	*ids = f ? f->known : NULL;
	*n = *ids ? f->n_known : 0;
}

static void disk_only_ids(void *filter, const char *const *ids, size_t n)
{
	struct zec_disk_filter *f = filter;

	f->disk_ids = ids;
	f->n_disk_ids = n;
	f->known = NULL;
	f->n_known = 0;
}

static void snapshot_only_ids(void *filter, const char *const *ids, size_t n)
{
	struct zec_snapshot_filter *f = filter;

	f->snapshot_ids = ids;
	f->n_snapshot_ids = n;
	f->known = NULL;
	f->n_known = 0;
}

static const struct walk_kind disk_walk = {
	"DescribeDisks", ZEC_DISK_PAGE_MAX, sizeof(struct zec_disk), disks_page,
	disk_id_of, disk_clear_item, disk_deliver, disk_restart, disk_can_restart,
	disk_outside, disk_known, disk_only_ids, sizeof(struct zec_disk_filter),
};

static const struct walk_kind snapshot_walk = {
	"DescribeSnapshots", ZEC_SNAPSHOT_PAGE_MAX, sizeof(struct zec_snapshot),
	snapshots_page, snapshot_id_of, snapshot_clear_item, snapshot_deliver,
	snapshot_restart, snapshot_can_restart, snapshot_outside, snapshot_known,
	snapshot_only_ids, sizeof(struct zec_snapshot_filter),
};

int zec_describe_disks_each(struct zec_client *c, const struct zec_disk_filter *f,
                            const struct zec_disk_sink *sink,
                            struct zec_result *res)
{
	struct zec_result local = { 0 };

	if (!res)
		res = &local;
	zec_result_begin(res, "DescribeDisks");
	if (!c || !sink || !sink->page)
		return bad_argument(res, "DescribeDisks: no client or sink");
	return walk_all(c, &disk_walk, f, sink, zec_call_deadline(c, 0), NULL, res);
}

int zec_describe_snapshots_each(struct zec_client *c,
                                const struct zec_snapshot_filter *f,
                                const struct zec_snapshot_sink *sink,
                                struct zec_result *res)
{
	struct zec_result local = { 0 };

	if (!res)
		res = &local;
	zec_result_begin(res, "DescribeSnapshots");
	if (!c || !sink || !sink->page)
		return bad_argument(res, "DescribeSnapshots: no client or sink");
	return walk_all(c, &snapshot_walk, f, sink, zec_call_deadline(c, 0), NULL, res);
}

/* ---- the _all walkers: a sink that keeps every item ---------------------- */

struct collect {
	char *items;
	size_t count, cap, size;
	void (*clear)(void *item);
};

/* Moves n items into k (the walker's copies are left zeroed). */
static int collect_add(struct collect *k, void *items, size_t n)
{
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

static void collect_reset(struct collect *k)
{
	for (size_t i = 0; i < k->count; i++)
		k->clear(k->items + i * k->size);
	k->count = 0;
}

static int collect_disks(void *arg, struct zec_disk *items, size_t n)
{
	return collect_add(arg, items, n);
}

static int collect_snapshots(void *arg, struct zec_snapshot *items, size_t n)
{
	return collect_add(arg, items, n);
}

static void collect_restart(void *arg)
{
	collect_reset(arg);
}

/* A walk whose sink fills col: the array on success, nothing on failure. */
static int collect_run(struct zec_client *c, const struct walk_kind *k, const void *f,
                       const void *sink, struct collect *col, uint64_t deadline,
                       void **items, size_t *count, long long *total,
                       struct zec_result *res)
{
	int ret = walk_all(c, k, f, sink, deadline, total, res);

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
	return collect_add((struct collect *)sink, items, n);
}

void zec_collect_restart(const void *sink)
{
	collect_reset((struct collect *)sink);
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
	struct collect col = { .size = k->item_size, .clear = k->clear };

	zec_result_begin(res, k->action);
	return collect_run(c, k, filter, &col, &col, deadline, items, count, total, res);
}

int zec_describe_disks_all(struct zec_client *c, const struct zec_disk_filter *f,
                           struct zec_disk_list *out, struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct collect k = { .size = sizeof(struct zec_disk), .clear = disk_clear_item };
	struct zec_disk_sink sink = { .page = collect_disks, .restart = collect_restart, .arg = &k };
	void *items;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "DescribeDisks");
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !out)
		return bad_argument(res, "DescribeDisks: no client");
	ret = collect_run(c, &disk_walk, f, &sink, &k, zec_call_deadline(c, 0), &items,
	                  &out->count, &out->total, res);
	out->items = items;
	return ret;
}

/* The snapshot walker with an explicit deadline (also used by create). */
static int snapshots_all(struct zec_client *c, const struct zec_snapshot_filter *f,
                         uint64_t deadline, struct zec_snapshot_list *out,
                         struct zec_result *res)
{
	struct collect k = { .size = sizeof(struct zec_snapshot),
	                     .clear = snapshot_clear_item };
	struct zec_snapshot_sink sink = { .page = collect_snapshots,
	                                  .restart = collect_restart, .arg = &k };
	void *items;
	int ret;

	memset(out, 0, sizeof(*out));
	zec_result_begin(res, "DescribeSnapshots");
	ret = collect_run(c, &snapshot_walk, f, &sink, &k, deadline, &items, &out->count,
	                  &out->total, res);
	out->items = items;
	return ret;
}

int zec_describe_snapshots_all(struct zec_client *c,
                               const struct zec_snapshot_filter *f,
                               struct zec_snapshot_list *out,
                               struct zec_result *res)
{
	struct zec_result local = { 0 };

	if (!res)
		res = &local;
	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !out) {
		zec_result_begin(res, "DescribeSnapshots");
		return bad_argument(res, "DescribeSnapshots: no client");
	}
	return snapshots_all(c, f, zec_call_deadline(c, 0), out, res);
}

/* ---- snapshot names -------------------------------------------------------- */

/*
 * The snapshots of disk_id named exactly name, into out.  The snapshotName
 * filter is anchored "^name$" as the CSI driver does (zenlayer-cloud-csi-driver
 * pkg/cloud/cloud_manager.go, FindSnapshotByName), and the result is filtered
 * here for the exact name, since the SDK documents the filter only as fuzzy
 * ("该字段支持模糊搜索", zenlayercloud-sdk-go zec20250901/models.go).  A server
 * that takes the filter as a plain substring finds nothing for "^name$", so
 * an empty answer is followed by the unanchored query before the name is
 * taken as free.
 */
static int snapshots_named(struct zec_client *c, const char *disk_id,
                           const char *name, uint64_t deadline,
                           struct zec_snapshot_list *out, struct zec_result *res)
{
	char *pattern = NULL;
	size_t kept = 0;
	int ret = 0;

	enum zec_name_filter how = zec_client_name_filter(c);
	int rounds;

	memset(out, 0, sizeof(*out));
	if (asprintf(&pattern, "^%s$", name) < 0)
		return -ENOMEM;
	/*
	 * Anchored first.  An empty anchored answer proves nothing on a server
	 * that takes the filter as a substring, so the unanchored query
	 * follows, until the server's way is known: an anchored query that
	 * found the name shows anchors work (one query from then on); an
	 * unanchored one that found what the anchored one missed shows they
	 * do not (unanchored only from then on).
	 */
	rounds = how == ZEC_FILTER_UNKNOWN ? 2 : 1;
	for (int round = 0; round < rounds && !kept && !ret; round++) {
		bool anchored = how != ZEC_FILTER_SUBSTRING && round == 0;
		struct zec_snapshot_filter f = {
			.disk_ids = &disk_id,
			.n_disk_ids = 1,
			.snapshot_name = anchored ? pattern : name,
		};

		zec_snapshot_list_free(out);
		ret = snapshots_all(c, &f, deadline, out, res);
		for (size_t i = 0; !ret && i < out->count; i++) {
			struct zec_snapshot *s = &out->items[i];

			if (!s->snapshot_name || strcmp(s->snapshot_name, name) != 0 ||
			    (s->disk_id && strcmp(s->disk_id, disk_id) != 0)) {
				zec_snapshot_clear(s);
				continue;
			}
			if (kept != i) {
				out->items[kept] = *s;
				memset(s, 0, sizeof(*s));
			}
			kept++;
		}
		if (!ret)
			out->count = kept;
		if (!ret && kept && how == ZEC_FILTER_UNKNOWN)
			zec_client_learn_name_filter(c, anchored ? ZEC_FILTER_ANCHORED :
			                                           ZEC_FILTER_SUBSTRING);
	}
	if (ret)
		zec_snapshot_list_free(out);
	free(pattern);
	return ret;
}

/* ---- CreateSnapshot ------------------------------------------------------ */

/* What the lookup after an ambiguous CreateSnapshot found. */
enum lookup_found {
	LOOKUP_NONE = 0,            /* definitely not created: may be re-sent */
	LOOKUP_OURS,                /* *id is the snapshot this create made */
	LOOKUP_UNSURE,              /* a namesake we cannot place: not re-sent */
	LOOKUP_TIE,                 /* two equally new candidates */
};

static bool id_known(const char *id, const char *const *known, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (known[i] && strcmp(known[i], id) == 0)
			return true;
	}
	return false;
}

/*
 * After an ambiguous CreateSnapshot (issue 13 item 1): a LOOKUP_* value, or
 * a negative errno when the lookup failed.  A candidate is an exact match of
 * name and disk that is not DELETING, not one of the ids the caller knew,
 * and whose createTime (server clock) is no earlier than 'sent' (our clock,
 * when the first try was sent) minus CREATE_SKEW_S.  An unknown, live
 * namesake older than that but within CLOCK_SLACK_S may still be ours (the
 * server's clock may be behind ours by as much as the signature window):
 * LOOKUP_UNSURE, so the request is not sent again.
 */
static int create_lookup(struct zec_client *c, const char *disk_id,
                         const char *name, time_t sent, const char *const *known,
                         size_t n_known, uint64_t deadline, const char *path,
                         char **id)
{
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	const struct zec_snapshot *best = NULL;
	time_t best_t = 0;
	bool tie = false, unsure = false;
	int ret;

	*id = NULL;
	ret = snapshots_named(c, disk_id, name, deadline, &list, &lres);
	if (ret)
		goto out;
	for (size_t i = 0; i < list.count; i++) {
		const struct zec_snapshot *s = &list.items[i];
		time_t t;

		if (!s->snapshot_name || strcmp(s->snapshot_name, name) != 0)
			continue;
		if (s->disk_id && strcmp(s->disk_id, disk_id) != 0)
			continue;
		if (s->status && strcmp(s->status, "DELETING") == 0)
			continue;           /* being deleted: never what a create made */
		if (id_known(s->snapshot_id, known, n_known))
			continue;           /* existed before this create */
		if (!s->create_time || zec_time_parse_api(s->create_time, &t))
			t = sent;           /* no usable time: count it as recent */
		if (t < sent - CREATE_SKEW_S) {
			if (t >= sent - CLOCK_SLACK_S)
				unsure = true;  /* ours if the server's clock lags */
			continue;
		}
		if (!best || t > best_t) {
			best = s;
			best_t = t;
			tie = false;
		} else if (t == best_t) {
			tie = true;
		}
	}
	if (!best) {
		ret = unsure ? LOOKUP_UNSURE : LOOKUP_NONE;
	} else if (tie) {
		ret = LOOKUP_TIE;
	} else {
		*id = strdup(best->snapshot_id);
		ret = *id ? LOOKUP_OURS : -ENOMEM;
	}
out:
	zec_snapshot_list_free(&list);
	return ret;
}

/*
 * After CreateSnapshot was refused with the disk-status code: when the disk is
 * SNAPSHOT_CREATING (a snapshot of it is being made: zenlayercloud-cli
 * apis/en-US/zec/describe-disks.yaml, zenlayer-cloud-csi-driver
 * pkg/cloud/types.go), waits with backoff until it leaves that status, within
 * the call's deadline.  1: send the create again; 0: keep the refusal.
 */
static int await_disk_snapshot_done(struct zec_client *c, const char *disk_id,
                                    uint64_t deadline, const struct zec_result *res)
{
	bool seen = false;

	if (res->outcome != ZEC_OUTCOME_API_ERROR ||
	    strcmp(res->code, "UNSUPPORTED_OPERATION_DISK_STATUS") != 0)
		return 0;
	for (int attempt = 1;; attempt++) {
		struct zec_result dres = { .path = res->path };
		struct zec_disk_filter f = {
			.disk_ids = &disk_id, .n_disk_ids = 1, .snapshot_ability = -1,
		};
		struct zec_disk_list l = { 0 };
		bool creating;
		long slept;

		if (zec_describe_disks_all(c, &f, &l, &dres) || l.count != 1) {
			zec_disk_list_free(&l);
			return 0;
		}
		creating = l.items[0].disk_status &&
		           strcmp(l.items[0].disk_status, "SNAPSHOT_CREATING") == 0;
		zec_disk_list_free(&l);
		if (!creating)
			return seen;
		if (!seen)
			zlog_info("api wait action=CreateSnapshot path=%s disk_id=%s "
			          "reason=disk_snapshot_creating", res->path ? res->path : "-",
			          disk_id);
		seen = true;
		if (zec_http_backoff(c, attempt, deadline, &slept))
			return 0;
	}
}

int zec_create_snapshot(struct zec_client *c, const char *disk_id,
                        const char *snapshot_name, const char *retention_time,
                        char **snapshot_id, struct zec_result *res)
{
	return zec_create_snapshot_known(c, disk_id, snapshot_name, retention_time,
	                                 NULL, 0, snapshot_id, res);
}

int zec_create_snapshot_known(struct zec_client *c, const char *disk_id,
                              const char *snapshot_name,
                              const char *retention_time,
                              const char *const *known_ids, size_t n_known,
                              char **snapshot_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms(), deadline;
	time_t started = zec_clock_wall();
	cJSON *response = NULL;
	char *body = NULL;
	int ret, max;

	if (!res)
		res = &local;
	zec_result_begin(res, "CreateSnapshot");
	if (snapshot_id)
		*snapshot_id = NULL;
	if (!c || !snapshot_id || !str_ok(disk_id) || !str_ok(snapshot_name) ||
	    (retention_time && !*retention_time) || (n_known && !known_ids))
		return bad_argument(res, "CreateSnapshot: bad arguments");
	ret = zec_build_create_snapshot(disk_id, snapshot_name, retention_time, &body);
	if (ret)
		return ret == -ENOMEM ? no_memory(res) : bad_argument(res, "CreateSnapshot: body");

	deadline = zec_call_deadline(c, 0);
	max = zec_client_retries(c);
	for (;;) {
		struct zec_call call = {
			.action = "CreateSnapshot",
			.body = body,
			.flags = ZEC_CALL_NOT_IDEMPOTENT,
			.deadline_ms = deadline,
			.max_attempts = max - res->attempts,
		};
		long slept;
		int found;

		ret = zec_http_call(c, &call, t0, &response, res);
		if (ret == 0) {
			ret = zec_parse_snapshot_id(response, snapshot_id);
			if (ret)
				ret = parse_failed(res, ret, "CreateSnapshot: no snapshotId");
			break;
		}
		if (!call.ambiguous) {
			if (await_disk_snapshot_done(c, disk_id, deadline, res) != 1)
				break;
			max++;          /* the disk was busy with a snapshot: not a failed try */
			continue;
		}

		found = create_lookup(c, disk_id, snapshot_name, started, known_ids,
		                      n_known, deadline, res->path, snapshot_id);
		if (found == LOOKUP_OURS) {
			char ep[ZLOG_ESC_MAX], ed[ZLOG_ESC_MAX], es[ZLOG_ESC_MAX];

			zlog_warn("api create adopted action=CreateSnapshot path=%s "
			          "disk_id=%s snapshot_id=%s attempt=%d",
			          zlog_esc(res->path, ep, sizeof(ep)),
			          zlog_esc(disk_id, ed, sizeof(ed)),
			          zlog_esc(*snapshot_id, es, sizeof(es)), res->attempts);
			res->outcome = ZEC_OUTCOME_OK;
			res->code[0] = '\0';
			res->message[0] = '\0';
			res->transport[0] = '\0';
			res->err = 0;
			ret = 0;
			break;
		}
		if (found == LOOKUP_TIE) {
			ret = zec_result_local(res, ZECFS_CREATE_UNCERTAIN,
			                       "several snapshots of that name were "
			                       "created meanwhile");
			res->duration_ms = (double)(zec_clock_now_ms() - t0);
			zec_http_log_failure(res);
			break;
		}
		if (found < 0 || found == LOOKUP_UNSURE)
			break;           /* unknown: keep the create's own failure */
		/* definitely not created: it may be sent again */
		if (res->attempts >= max)
			break;
		if (zec_http_backoff(c, res->attempts, deadline, &slept))
			break;
		{
			char ep[ZLOG_ESC_MAX];

			zlog_warn("api retry action=CreateSnapshot path=%s attempt=%d "
			          "backoff_ms=%ld reason=not_created",
			          zlog_esc(res->path, ep, sizeof(ep)), res->attempts, slept);
		}
	}
	res->duration_ms = (double)(zec_clock_now_ms() - t0);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- snapshot name lookup -------------------------------------------------- */

int zec_snapshot_name_exists(struct zec_client *c, const char *disk_id,
                             const char *name, struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_snapshot_list list = { 0 };
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "DescribeSnapshots");
	if (!c || !str_ok(disk_id) || !str_ok(name))
		return bad_argument(res, "DescribeSnapshots: bad arguments");
	ret = snapshots_named(c, disk_id, name,
	                      zec_clock_now_ms() + (uint64_t)zec_client_deadline_ms(c),
	                      &list, res);
	if (ret == -ENOMEM && res->outcome == ZEC_OUTCOME_OK)
		return no_memory(res);
	if (ret)
		return ret;
	for (size_t i = 0; i < list.count && ret == 0; i++) {
		if (!list.items[i].status || strcmp(list.items[i].status, "DELETING") != 0)
			ret = 1;
	}
	zec_snapshot_list_free(&list);
	return ret;
}

/* ---- ModifySnapshotsAttribute -------------------------------------------- */

/* Does the snapshot's record show the change m asked for? */
static bool shows_change(const struct zec_snapshot *s, const struct zec_snapshot_modify *m)
{
	time_t want, has;

	if (m->snapshot_name && (!s->snapshot_name || strcmp(s->snapshot_name, m->snapshot_name)))
		return false;
	if (m->is_permanent && s->retention_time && *s->retention_time)
		return false;
	if (m->retention_time && (!s->retention_time ||
	                          zec_time_parse_api(m->retention_time, &want) ||
	                          zec_time_parse_api(s->retention_time, &has) || want != has))
		return false;
	return true;
}

/*
 * A ModifySnapshotsAttribute whose answer was lost (the server may have
 * applied it) is confirmed by reading the snapshots back: every one showing
 * the change means it went through.  The confirmation comes after the
 * operation's deadline has usually passed: it gets one more deadline of
 * its own (the client's), and goes out even when the circuit breaker is
 * open.  1: applied, 0: not (or not everywhere), < 0: unknown.
 */
static int modify_confirm(struct zec_client *c, const struct zec_snapshot_modify *m,
                          const char *path)
{
	struct zec_snapshot_filter f = { .snapshot_ids = m->snapshot_ids,
	                                 .n_snapshot_ids = m->n_snapshot_ids };
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	uint64_t saved = zec_client_confirm_begin(c);
	size_t seen = 0;
	int ret;

	ret = snapshots_all(c, &f, 0, &list, &lres);
	zec_client_confirm_end(c, saved);
	if (ret)
		return ret;
	ret = 1;
	for (size_t i = 0; i < list.count; i++) {
		if (!id_known(list.items[i].snapshot_id, m->snapshot_ids, m->n_snapshot_ids))
			continue;       /* not asked for: the filter was ignored */
		seen++;
		if (!shows_change(&list.items[i], m))
			ret = 0;
	}
	zec_snapshot_list_free(&list);
	return seen == m->n_snapshot_ids ? ret : 0;
}

int zec_modify_snapshots_attribute(struct zec_client *c,
                                   const struct zec_snapshot_modify *m,
                                   struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_call call = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ModifySnapshotsAttribute");
	if (!c || !m || !ids_ok(m->snapshot_ids, m->n_snapshot_ids, 1, MAX_IDS))
		return bad_argument(res, "ModifySnapshotsAttribute: 1 to 100 snapshot ids");
	if (!m->snapshot_name && !m->retention_time && !m->is_permanent)
		return bad_argument(res, "ModifySnapshotsAttribute: nothing to change");
	if (m->retention_time && m->is_permanent)
		return bad_argument(res, "ModifySnapshotsAttribute: retention and permanent");
	ret = zec_build_modify_snapshots(m, &body);
	ret = send_call(c, "ModifySnapshotsAttribute", body, ret, 0, 0, t0,
	                &response, &call, res);
	if (ret && call.ambiguous_seen && modify_confirm(c, m, res->path) == 1) {
		zlog_warn("api change confirmed after its answer was lost "
		          "action=ModifySnapshotsAttribute path=%s code=%s attempt=%d",
		          ZLOG_ESC(res->path), ZLOG_ESC(res->code), res->attempts);
		res->outcome = ZEC_OUTCOME_OK;
		res->code[0] = '\0';
		res->message[0] = '\0';
		res->err = 0;
		ret = 0;
	}
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- DeleteSnapshots ----------------------------------------------------- */

/*
 * After an ambiguous DeleteSnapshots: 1 when every id is DELETING or gone
 * (the delete went through), 0 when some id still lives, or a negative
 * errno when the lookup failed.
 */
static int delete_lookup(struct zec_client *c, const char *const *ids, size_t n,
                         uint64_t deadline, const char *path)
{
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	struct zec_snapshot_filter f = { .snapshot_ids = ids, .n_snapshot_ids = n };
	int ret;

	ret = snapshots_all(c, &f, deadline, &list, &lres);
	if (ret)
		return ret;
	ret = 1;
	for (size_t i = 0; i < list.count; i++) {
		const struct zec_snapshot *s = &list.items[i];

		if (!id_known(s->snapshot_id, ids, n))
			continue;           /* not asked for: the filter was ignored */
		if (!s->status || strcmp(s->status, "DELETING") != 0)
			ret = 0;
	}
	zec_snapshot_list_free(&list);
	return ret;
}

/* Marks res a success: the delete went through (already gone). */
static int delete_went_through(struct zec_result *res, const char *why)
{
	char ep[ZLOG_ESC_MAX], er[ZLOG_ESC_MAX];

	zlog_warn("api delete went through action=DeleteSnapshots path=%s "
	          "attempt=%d request_id=%s reason=%s",
	          zlog_esc(res->path, ep, sizeof(ep)), res->attempts,
	          zlog_esc(res->request_id, er, sizeof(er)), why);
	res->outcome = ZEC_OUTCOME_OK;
	res->code[0] = '\0';
	res->message[0] = '\0';
	res->transport[0] = '\0';
	res->err = 0;
	return 0;
}

int zec_delete_snapshots(struct zec_client *c, const char *const *snapshot_ids,
                         size_t n, struct zec_strv *not_deleted,
                         struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms(), deadline;
	bool ambiguous_seen = false;
	cJSON *response = NULL;
	char *body = NULL;
	int ret, max;

	if (!res)
		res = &local;
	zec_result_begin(res, "DeleteSnapshots");
	if (not_deleted)
		memset(not_deleted, 0, sizeof(*not_deleted));
	if (!c || !ids_ok(snapshot_ids, n, 1, MAX_IDS))
		return bad_argument(res, "DeleteSnapshots: 1 to 100 snapshot ids");
	ret = zec_build_delete_snapshots(snapshot_ids, n, &body);
	if (ret)
		return ret == -ENOMEM ? no_memory(res) : bad_argument(res, "DeleteSnapshots: body");

	deadline = zec_call_deadline(c, 0);
	max = zec_client_retries(c);
	for (;;) {
		struct zec_call call = {
			.action = "DeleteSnapshots",
			.body = body,
			.flags = ZEC_CALL_NOT_IDEMPOTENT | ZEC_CALL_FRESH_CONNECTION,
			.deadline_ms = deadline,
			.max_attempts = max - res->attempts,
		};
		long slept;
		int gone;

		ret = zec_http_call(c, &call, t0, &response, res);
		ambiguous_seen |= call.ambiguous_seen;
		if (ret && ambiguous_seen && res->outcome == ZEC_OUTCOME_API_ERROR &&
		    strcmp(res->code, "INVALID_DISK_SNAPSHOT_NOT_FOUND") == 0) {
			ret = delete_went_through(res, "not_found");
			break;
		}
		if (ret == 0) {
			if (not_deleted) {
				ret = zec_parse_strv(response, "snapshotIds", not_deleted);
				if (ret)
					ret = parse_failed(res, ret, "DeleteSnapshots: bad snapshotIds");
			}
			break;
		}
		if (!call.ambiguous)
			break;
		gone = delete_lookup(c, snapshot_ids, n, deadline, res->path);
		if (gone == 1) {
			ret = delete_went_through(res, "deleting_or_gone");
			break;
		}
		if (gone < 0 || res->attempts >= max)
			break;           /* keep the delete's own failure */
		if (zec_http_backoff(c, res->attempts, deadline, &slept))
			break;
	}
	res->duration_ms = (double)(zec_clock_now_ms() - t0);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- ApplySnapshot ------------------------------------------------------- */

int zec_apply_snapshot(struct zec_client *c, const char *snapshot_id,
                       const char *disk_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ApplySnapshot");
	if (!c || !str_ok(snapshot_id) || !str_ok(disk_id))
		return bad_argument(res, "ApplySnapshot: snapshot and disk ids needed");
	ret = zec_build_apply_snapshot(snapshot_id, disk_id, &body);
	ret = send_call(c, "ApplySnapshot", body, ret, ZEC_CALL_NOT_IDEMPOTENT, 0,
	                t0, &response, NULL, res);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- ModifyDisksAttributes ----------------------------------------------- */

int zec_modify_disks_attributes(struct zec_client *c, const char *const *disk_ids,
                                size_t n, const char *disk_name,
                                struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_clock_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "ModifyDisksAttributes");
	if (!c || !ids_ok(disk_ids, n, 1, MAX_IDS) || !str_ok(disk_name))
		return bad_argument(res, "ModifyDisksAttributes: 1 to 100 disk ids and a name");
	ret = zec_build_modify_disks(disk_ids, n, disk_name, &body);
	ret = send_call(c, "ModifyDisksAttributes", body, ret, 0, 0, t0, &response,
	                NULL, res);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- free and copy ------------------------------------------------------- */

/* Frees one string member (ZEC_*_STRINGS). */
#define FREE_MEMBER(name, common) free(r->name);

void zec_disk_clear(struct zec_disk *r)
{
	if (!r)
		return;
	ZEC_DISK_STRINGS(FREE_MEMBER)
	memset(r, 0, sizeof(*r));
}

void zec_snapshot_clear(struct zec_snapshot *r)
{
	if (!r)
		return;
	ZEC_SNAPSHOT_STRINGS(FREE_MEMBER)
	memset(r, 0, sizeof(*r));
}

void zec_disk_list_free(struct zec_disk_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		zec_disk_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void zec_snapshot_list_free(struct zec_snapshot_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		zec_snapshot_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void zec_strv_free(struct zec_strv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->count; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* *dst = strdup(src), NULL staying NULL; false when memory runs out. */
static bool dup_field(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

/*
 * Copies: the struct first (every scalar, present and future), then each
 * string member duplicated (ZEC_*_STRINGS); they are all NULLed before the
 * first strdup, so a failure frees only what was duplicated.
 */
#define NULL_MEMBER(name, common) dst->name = NULL;
#define DUP_MEMBER(name, common) ok = ok && dup_field(&dst->name, src->name);

int zec_snapshot_copy(struct zec_snapshot *dst, const struct zec_snapshot *src)
{
	bool ok = true;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return -EINVAL;
	*dst = *src;
	ZEC_SNAPSHOT_STRINGS(NULL_MEMBER)
	ZEC_SNAPSHOT_STRINGS(DUP_MEMBER)
	if (!ok) {
		zec_snapshot_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

int zec_disk_copy(struct zec_disk *dst, const struct zec_disk *src)
{
	bool ok = true;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return -EINVAL;
	*dst = *src;
	ZEC_DISK_STRINGS(NULL_MEMBER)
	ZEC_DISK_STRINGS(DUP_MEMBER)
	if (!ok) {
		zec_disk_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

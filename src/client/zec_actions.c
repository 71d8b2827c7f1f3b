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
 *    retried freely.
 *  - DeleteSnapshots: retried; INVALID_DISK_SNAPSHOT_NOT_FOUND after a try
 *    that may have been applied means the snapshots are already gone: success.
 *  - CreateSnapshot: never re-sent blindly.  After an ambiguous failure
 *    (timeout or dropped connection after sending, a 5xx other than 503) the
 *    name is looked up on the disk (diskIds=[id], snapshotName="^name$",
 *    then an exact comparison here).  Candidates are the exact matches whose
 *    createTime is no earlier than the call's start minus CLOCK_SLACK_S (the
 *    server's clock may differ from ours by as much as the signature window).
 *      one candidate          -> adopted: success with its snapshotId;
 *      several                -> the newest is adopted, unless two share the
 *                                newest createTime: ZECFS_CREATE_UNCERTAIN (EIO);
 *      none                   -> definitely not created: re-sent if attempts
 *                                and deadline remain;
 *      the lookup itself fails-> the create's own failure is returned.
 *  - ApplySnapshot: a rollback is not re-sent after an ambiguous failure
 *    (a second rollback could discard writes); the failure is returned.
 */
#include "zec_parse.h"
#include "zec_actions_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_time.h"

#define MAX_IDS        100        /* ids per mutating call */
#define CLOCK_SLACK_S  300        /* the API's signature window */
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
	uint64_t t0 = zec_now_ms();
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
	uint64_t t0 = zec_now_ms();
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
 * Both walkers fetch page 1 and learn totalCount, then fetch pages 2..N
 * concurrently: up to 'parallel' threads (zec_client_config.parallel) take
 * page numbers from a shared counter, each into its own list, and the pages
 * are merged in page order afterwards.  One deadline covers the whole walk.
 * An item already seen on an earlier page (the list shifted between pages)
 * is dropped, in O(n log n).
 */

typedef int (*page_fn)(struct zec_client *c, const void *filter, int page_num,
                       uint64_t deadline, void *out, struct zec_result *res);

struct walk {
	struct zec_client *c;
	const void *filter;
	page_fn fetch;
	uint64_t deadline;
	size_t pages;                /* last page number */
	size_t next;                 /* next page to take (atomic) */
	int failed;                  /* a page failed: take no more (atomic) */
	void *lists;                 /* list of page p at (p - 2) * list_size */
	size_t list_size;
	struct zec_result *results;  /* result of page p at [p - 2] */
	int *rets;
	const char *path;
};

static size_t pages_for(long long total, int page_size)
{
	if (total <= 0)
		return 1;
	return (size_t)((total + page_size - 1) / page_size);
}

static void *walk_worker(void *arg)
{
	struct walk *w = arg;
	size_t p;

	while (!__atomic_load_n(&w->failed, __ATOMIC_RELAXED) &&
	       (p = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) <= w->pages) {
		struct zec_result *r = &w->results[p - 2];

		r->path = w->path;
		w->rets[p - 2] = w->fetch(w->c, w->filter, (int)p, w->deadline,
		                          (char *)w->lists + (p - 2) * w->list_size, r);
		if (w->rets[p - 2])
			__atomic_store_n(&w->failed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Fetches pages 2..w->pages into w->lists.  Returns 0, or the failure of the
 * lowest failing page, copied into res.  res->attempts adds up every page.
 */
static int walk_rest(struct walk *w, struct zec_result *res)
{
	size_t n = w->pages - 1;
	size_t threads = (size_t)zec_client_parallel(w->c);
	pthread_t *tids = NULL;
	size_t started = 0;
	int ret = 0;

	w->next = 2;
	w->path = res->path;
	if (threads > n)
		threads = n;
	if (threads > 1)
		tids = calloc(threads, sizeof(*tids));
	for (size_t i = 0; tids && i < threads; i++) {
		if (pthread_create(&tids[i], NULL, walk_worker, w) != 0)
			break;
		started++;
	}
	if (started == 0)
		walk_worker(w);             /* one page at a time, in this thread */
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	for (size_t i = 0; i < n; i++) {
		res->attempts += w->results[i].attempts;
		if (!ret && w->rets[i]) {
			int attempts = res->attempts;

			*res = w->results[i];
			res->attempts = attempts;
			ret = w->rets[i];
		}
	}
	/* pages a failed walk never fetched: their rets stay 0, their lists empty */
	return ret;
}

struct seen {
	const char *id;
	size_t index;
};

static int seen_cmp(const void *pa, const void *pb)
{
	const struct seen *a = pa, *b = pb;
	int r = strcmp(a->id, b->id);

	if (r)
		return r;
	return (a->index > b->index) - (a->index < b->index);
}

/* Marks dup[i] for every item whose id an earlier item has: O(n log n). */
static int find_duplicates(const char *const *ids, size_t n, bool *dup)
{
	struct seen *v;

	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].id = ids[i] ? ids[i] : "";
		v[i].index = i;
	}
	qsort(v, n, sizeof(*v), seen_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i].id, v[i - 1].id) == 0)
			dup[v[i].index] = true;
	}
	free(v);
	return 0;
}

static int disks_page(struct zec_client *c, const void *f, int page_num,
                      uint64_t deadline, void *out, struct zec_result *res)
{
	return describe_disks_page(c, f, page_num, ZEC_DISK_PAGE_MAX, deadline, out, res);
}

static int snapshots_page(struct zec_client *c, const void *f, int page_num,
                          uint64_t deadline, void *out, struct zec_result *res)
{
	return describe_snapshots_page(c, f, page_num, ZEC_SNAPSHOT_PAGE_MAX, deadline,
	                               out, res);
}

/*
 * Drops every item whose id an earlier item has, keeping the order: the
 * items are 'size' bytes each; id() reads an item's id, clear() frees one.
 */
static int dedupe(void *items, size_t *count, size_t size,
                  const char *(*id)(const void *item), void (*clear)(void *item))
{
	size_t n = *count, k = 0;
	const char **ids = calloc(n + 1, sizeof(*ids));
	bool *dup = calloc(n + 1, sizeof(*dup));
	char *base = items;
	int ret = -ENOMEM;

	if (!ids || !dup)
		goto out;
	for (size_t i = 0; i < n; i++)
		ids[i] = id(base + i * size);
	if (find_duplicates(ids, n, dup))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (dup[i])
			clear(base + i * size);
		else if (k++ != i)
			memcpy(base + (k - 1) * size, base + i * size, size);
	}
	*count = k;
	ret = 0;
out:
	free(ids);
	free(dup);
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

/* Appends pages 2..N to out in page order, then drops repeated ids. */
static int merge_disks(struct zec_disk_list *out, struct zec_disk_list *pages,
                       size_t n)
{
	size_t total = out->count;
	struct zec_disk *items;

	for (size_t i = 0; i < n; i++)
		total += pages[i].count;
	items = realloc(out->items, (total + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	out->items = items;
	for (size_t i = 0; i < n; i++) {
		memcpy(&out->items[out->count], pages[i].items,
		       pages[i].count * sizeof(*items));
		out->count += pages[i].count;
		free(pages[i].items);
		memset(&pages[i], 0, sizeof(pages[i]));
	}
	return dedupe(out->items, &out->count, sizeof(*items), disk_id_of,
	              disk_clear_item);
}

static int merge_snapshots(struct zec_snapshot_list *out,
                           struct zec_snapshot_list *pages, size_t n)
{
	size_t total = out->count;
	struct zec_snapshot *items;

	for (size_t i = 0; i < n; i++)
		total += pages[i].count;
	items = realloc(out->items, (total + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	out->items = items;
	for (size_t i = 0; i < n; i++) {
		memcpy(&out->items[out->count], pages[i].items,
		       pages[i].count * sizeof(*items));
		out->count += pages[i].count;
		free(pages[i].items);
		memset(&pages[i], 0, sizeof(pages[i]));
	}
	return dedupe(out->items, &out->count, sizeof(*items), snapshot_id_of,
	              snapshot_clear_item);
}

/* What the generic walker needs to know of a list type. */
struct walk_kind {
	const char *action;
	int page_max;
	size_t list_size;
	page_fn fetch;
	int (*merge)(void *out, void *pages, size_t n);
	long long (*total)(const void *list);
	size_t (*count)(const void *list);
	void (*free_list)(void *list);
};

static int merge_disk_pages(void *out, void *pages, size_t n)
{
	return merge_disks(out, pages, n);
}

static long long disk_total(const void *l)
{
	return ((const struct zec_disk_list *)l)->total;
}

static size_t disk_count(const void *l)
{
	return ((const struct zec_disk_list *)l)->count;
}

static void disk_list_free(void *l)
{
	zec_disk_list_free(l);
}

static int merge_snapshot_pages(void *out, void *pages, size_t n)
{
	return merge_snapshots(out, pages, n);
}

static long long snapshot_total(const void *l)
{
	return ((const struct zec_snapshot_list *)l)->total;
}

static size_t snapshot_count(const void *l)
{
	return ((const struct zec_snapshot_list *)l)->count;
}

static void snapshot_list_free(void *l)
{
	zec_snapshot_list_free(l);
}

static const struct walk_kind disk_walk = {
	"DescribeDisks", ZEC_DISK_PAGE_MAX, sizeof(struct zec_disk_list),
	disks_page, merge_disk_pages, disk_total, disk_count, disk_list_free,
};

static const struct walk_kind snapshot_walk = {
	"DescribeSnapshots", ZEC_SNAPSHOT_PAGE_MAX, sizeof(struct zec_snapshot_list),
	snapshots_page, merge_snapshot_pages, snapshot_total, snapshot_count,
	snapshot_list_free,
};

/* One walk; *moved when the list changed size while it was walked. */
static int walk_once(struct zec_client *c, const struct walk_kind *k,
                     const void *f, uint64_t deadline, void *out,
                     struct zec_result *res, bool *moved)
{
	struct walk w = { 0 };
	char *pages = NULL;
	uint64_t t0 = zec_now_ms();
	size_t n = 0;
	int ret;

	ret = k->fetch(c, f, 1, deadline, out, res);
	if (ret)
		return ret;
	w.pages = pages_for(k->total(out), k->page_max);
	if (w.pages > 1 && k->count(out) > 0) {
		n = w.pages - 1;
		pages = calloc(n, k->list_size);
		w.results = calloc(n, sizeof(*w.results));
		w.rets = calloc(n, sizeof(*w.rets));
		if (!pages || !w.results || !w.rets) {
			ret = no_memory(res);
			goto out;
		}
		w.c = c;
		w.filter = f;
		w.fetch = k->fetch;
		w.deadline = deadline;
		w.lists = pages;
		w.list_size = k->list_size;
		ret = walk_rest(&w, res);
		for (size_t i = 0; !ret && i < n; i++)
			*moved |= k->total(pages + i * k->list_size) != k->total(out);
		if (!ret && k->merge(out, pages, n))
			ret = no_memory(res);
	}
out:
	for (size_t i = 0; pages && i < n; i++)
		k->free_list(pages + i * k->list_size);
	free(pages);
	free(w.results);
	free(w.rets);
	res->duration_ms = (double)(zec_now_ms() - t0);
	if (ret)
		k->free_list(out);
	return ret;
}

/*
 * Every page of a listing.  Offset paging misses an item when the list
 * shrinks between two pages (a DELETING snapshot vanishing shifts the rest
 * back), so a walk whose pages report different totalCounts is made again,
 * up to WALK_ROUNDS times.
 */
static int walk_all(struct zec_client *c, const struct walk_kind *k,
                    const void *f, uint64_t deadline, void *out,
                    struct zec_result *res)
{
	int ret = 0;

	for (int round = 1; round <= WALK_ROUNDS; round++) {
		bool moved = false;

		ret = walk_once(c, k, f, deadline, out, res, &moved);
		if (ret || !moved || round == WALK_ROUNDS)
			break;
		zlog_debug("api walk again action=%s path=%s reason=\"list changed while paging\"",
		           k->action, res->path ? res->path : "-");
		k->free_list(out);
	}
	return ret;
}

int zec_describe_disks_all(struct zec_client *c, const struct zec_disk_filter *f,
                           struct zec_disk_list *out, struct zec_result *res)
{
	struct zec_result local = { 0 };

	if (!res)
		res = &local;
	if (!c) {
		zec_result_begin(res, "DescribeDisks");
		return bad_argument(res, "DescribeDisks: no client");
	}
	return walk_all(c, &disk_walk, f,
	                zec_now_ms() + (uint64_t)zec_client_deadline_ms(c), out, res);
}

/* The snapshot walker with an explicit deadline (also used by create). */
static int snapshots_all(struct zec_client *c, const struct zec_snapshot_filter *f,
                         uint64_t deadline, struct zec_snapshot_list *out,
                         struct zec_result *res)
{
	return walk_all(c, &snapshot_walk, f, deadline, out, res);
}

int zec_describe_snapshots_all(struct zec_client *c,
                               const struct zec_snapshot_filter *f,
                               struct zec_snapshot_list *out,
                               struct zec_result *res)
{
	struct zec_result local = { 0 };

	if (!res)
		res = &local;
	if (!c) {
		zec_result_begin(res, "DescribeSnapshots");
		return bad_argument(res, "DescribeSnapshots: no client");
	}
	return snapshots_all(c, f, zec_now_ms() + (uint64_t)zec_client_deadline_ms(c),
	                     out, res);
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

/*
 * After an ambiguous CreateSnapshot: 1 and *id when our snapshot exists,
 * 0 when it definitely does not, -EIO when it cannot be told apart from
 * another, or another negative errno when the lookup failed.
 */
static int create_lookup(struct zec_client *c, const char *disk_id,
                         const char *name, time_t not_before, uint64_t deadline,
                         const char *path, char **id)
{
	struct zec_result lres = { .path = path };
	struct zec_snapshot_list list = { 0 };
	const struct zec_snapshot *best = NULL;
	time_t best_t = 0;
	bool tie = false;
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
		if (!s->create_time || zec_time_parse_api(s->create_time, &t))
			t = not_before;     /* no usable time: count it as recent */
		if (t < not_before)
			continue;           /* older than this call: not ours */
		if (!best || t > best_t) {
			best = s;
			best_t = t;
			tie = false;
		} else if (t == best_t) {
			tie = true;
		}
	}
	if (!best) {
		ret = 0;
	} else if (tie) {
		ret = -EIO;
	} else {
		*id = strdup(best->snapshot_id);
		ret = *id ? 1 : -ENOMEM;
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
	struct zec_result local = { 0 };
	uint64_t t0 = zec_now_ms(), deadline;
	time_t started = time(NULL);
	cJSON *response = NULL;
	char *body = NULL;
	int ret, max;

	if (!res)
		res = &local;
	zec_result_begin(res, "CreateSnapshot");
	if (snapshot_id)
		*snapshot_id = NULL;
	if (!c || !snapshot_id || !str_ok(disk_id) || !str_ok(snapshot_name) ||
	    (retention_time && !*retention_time))
		return bad_argument(res, "CreateSnapshot: bad arguments");
	ret = zec_build_create_snapshot(disk_id, snapshot_name, retention_time, &body);
	if (ret)
		return ret == -ENOMEM ? no_memory(res) : bad_argument(res, "CreateSnapshot: body");

	deadline = t0 + (uint64_t)zec_client_deadline_ms(c);
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

		found = create_lookup(c, disk_id, snapshot_name,
		                      started - CLOCK_SLACK_S, deadline, res->path,
		                      snapshot_id);
		if (found == 1) {
			zlog_warn("api create adopted action=CreateSnapshot path=%s "
			          "disk_id=%s snapshot_id=%s attempt=%d",
			          res->path ? res->path : "-", disk_id, *snapshot_id,
			          res->attempts);
			res->outcome = ZEC_OUTCOME_OK;
			res->code[0] = '\0';
			res->message[0] = '\0';
			res->transport[0] = '\0';
			res->err = 0;
			ret = 0;
			break;
		}
		if (found == -EIO) {
			ret = zec_result_local(res, ZECFS_CREATE_UNCERTAIN,
			                       "several snapshots of that name were "
			                       "created meanwhile");
			res->duration_ms = (double)(zec_now_ms() - t0);
			zec_http_log_failure(res);
			break;
		}
		if (found < 0)
			break;           /* unknown: keep the create's own failure */
		/* definitely not created: it may be sent again */
		if (res->attempts >= max)
			break;
		if (zec_http_backoff(c, res->attempts, deadline, &slept))
			break;
		zlog_warn("api retry action=CreateSnapshot path=%s attempt=%d "
		          "backoff_ms=%ld reason=not_created",
		          res->path ? res->path : "-", res->attempts, slept);
	}
	res->duration_ms = (double)(zec_now_ms() - t0);
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
	                      zec_now_ms() + (uint64_t)zec_client_deadline_ms(c),
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

int zec_modify_snapshots_attribute(struct zec_client *c,
                                   const struct zec_snapshot_modify *m,
                                   struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_now_ms();
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
	                &response, NULL, res);
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- DeleteSnapshots ----------------------------------------------------- */

int zec_delete_snapshots(struct zec_client *c, const char *const *snapshot_ids,
                         size_t n, struct zec_strv *not_deleted,
                         struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_call call = { 0 };
	uint64_t t0 = zec_now_ms();
	cJSON *response = NULL;
	char *body = NULL;
	int ret;

	if (!res)
		res = &local;
	zec_result_begin(res, "DeleteSnapshots");
	if (not_deleted)
		memset(not_deleted, 0, sizeof(*not_deleted));
	if (!c || !ids_ok(snapshot_ids, n, 1, MAX_IDS))
		return bad_argument(res, "DeleteSnapshots: 1 to 100 snapshot ids");
	ret = zec_build_delete_snapshots(snapshot_ids, n, &body);
	ret = send_call(c, "DeleteSnapshots", body, ret, 0, 0, t0, &response,
	                &call, res);
	if (ret && call.ambiguous_seen && res->outcome == ZEC_OUTCOME_API_ERROR &&
	    strcmp(res->code, "INVALID_DISK_SNAPSHOT_NOT_FOUND") == 0) {
		/* an earlier try went through: already gone */
		zlog_warn("api delete already gone action=DeleteSnapshots path=%s "
		          "attempt=%d request_id=%s", res->path ? res->path : "-",
		          res->attempts, res->request_id[0] ? res->request_id : "-");
		res->outcome = ZEC_OUTCOME_OK;
		res->code[0] = '\0';
		res->message[0] = '\0';
		res->err = 0;
		ret = 0;
		goto out;
	}
	if (ret || !not_deleted)
		goto out;
	ret = zec_parse_strv(response, "snapshotIds", not_deleted);
	if (ret)
		ret = parse_failed(res, ret, "DeleteSnapshots: bad snapshotIds");
out:
	cJSON_Delete(response);
	free(body);
	return ret;
}

/* ---- ApplySnapshot ------------------------------------------------------- */

int zec_apply_snapshot(struct zec_client *c, const char *snapshot_id,
                       const char *disk_id, struct zec_result *res)
{
	struct zec_result local = { 0 };
	uint64_t t0 = zec_now_ms();
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
	uint64_t t0 = zec_now_ms();
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

void zec_disk_clear(struct zec_disk *d)
{
	if (!d)
		return;
	free(d->disk_id);
	free(d->disk_name);
	free(d->region_id);
	free(d->zone_id);
	free(d->disk_type);
	free(d->disk_category);
	free(d->disk_status);
	free(d->instance_id);
	free(d->instance_name);
	free(d->create_time);
	free(d->expired_time);
	free(d->resource_group_id);
	free(d->resource_group_name);
	free(d->serial);
	free(d->auto_snapshot_policy_id);
	free(d->json);
	memset(d, 0, sizeof(*d));
}

void zec_snapshot_clear(struct zec_snapshot *s)
{
	if (!s)
		return;
	free(s->snapshot_id);
	free(s->snapshot_name);
	free(s->zone_id);
	free(s->status);
	free(s->snapshot_type);
	free(s->retention_time);
	free(s->disk_id);
	free(s->create_time);
	free(s->resource_group_id);
	free(s->resource_group_name);
	memset(s, 0, sizeof(*s));
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

int zec_snapshot_copy(struct zec_snapshot *dst, const struct zec_snapshot *src)
{
	bool ok;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return -EINVAL;
	dst->disk_ability = src->disk_ability;
	ok = dup_field(&dst->snapshot_id, src->snapshot_id) &&
	     dup_field(&dst->snapshot_name, src->snapshot_name) &&
	     dup_field(&dst->zone_id, src->zone_id) &&
	     dup_field(&dst->status, src->status) &&
	     dup_field(&dst->snapshot_type, src->snapshot_type) &&
	     dup_field(&dst->retention_time, src->retention_time) &&
	     dup_field(&dst->disk_id, src->disk_id) &&
	     dup_field(&dst->create_time, src->create_time) &&
	     dup_field(&dst->resource_group_id, src->resource_group_id) &&
	     dup_field(&dst->resource_group_name, src->resource_group_name);
	if (!ok) {
		zec_snapshot_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

int zec_disk_copy(struct zec_disk *dst, const struct zec_disk *src)
{
	bool ok;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return -EINVAL;
	dst->disk_size = src->disk_size;
	dst->period = src->period;
	dst->portable = src->portable;
	dst->snapshot_ability = src->snapshot_ability;
	dst->bursting_enabled = src->bursting_enabled;
	ok = dup_field(&dst->disk_id, src->disk_id) &&
	     dup_field(&dst->disk_name, src->disk_name) &&
	     dup_field(&dst->region_id, src->region_id) &&
	     dup_field(&dst->zone_id, src->zone_id) &&
	     dup_field(&dst->disk_type, src->disk_type) &&
	     dup_field(&dst->disk_category, src->disk_category) &&
	     dup_field(&dst->disk_status, src->disk_status) &&
	     dup_field(&dst->instance_id, src->instance_id) &&
	     dup_field(&dst->instance_name, src->instance_name) &&
	     dup_field(&dst->create_time, src->create_time) &&
	     dup_field(&dst->expired_time, src->expired_time) &&
	     dup_field(&dst->resource_group_id, src->resource_group_id) &&
	     dup_field(&dst->resource_group_name, src->resource_group_name) &&
	     dup_field(&dst->serial, src->serial) &&
	     dup_field(&dst->auto_snapshot_policy_id, src->auto_snapshot_policy_id) &&
	     dup_field(&dst->json, src->json);
	if (!ok) {
		zec_disk_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

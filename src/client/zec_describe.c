/*
 * zec_describe.c - DescribeDisks and DescribeSnapshots: one page, and every
 * page through the page walker (zec_walk.c) as the two record types it
 * knows, streamed to a sink (_each) or kept in one array (_all).
 */
#include "zec_parse.h"
#include "zec_actions_int.h"
#include "zec_snappage.h"
#include "zec_walk.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"

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

/* A page read without a cJSON tree when its shape is plain (zec_snappage.c). */
struct fast_page {
	struct zec_snapshot_list *out;
	bool lend;
	bool used;
};

static int snapshots_fast(void *arg, const char *body, size_t len, struct zec_result *res)
{
	struct fast_page *fp = arg;
	int ret = zec_snappage_read(body, len, fp->lend, fp->out, res->request_id,
	                            sizeof(res->request_id));

	fp->used = ret == 0;
	return ret;
}

/* One page; lend: its records may be lent (zec_snappage_read). */
static int describe_snapshots_page(struct zec_client *c,
                                   const struct zec_snapshot_filter *f,
                                   int page_num, int page_size, uint64_t deadline,
                                   bool lend, struct zec_snapshot_list *out,
                                   struct zec_result *res)
{
	uint64_t t0 = zec_clock_now_ms();
	struct fast_page fp = { out, lend, false };
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
	ret = send_call_fast(c, "DescribeSnapshots", body, ret, 0, deadline, t0,
	                     snapshots_fast, &fp, &response, NULL, res);
	if (ret || fp.used)
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

	return describe_snapshots_page(c, f, page_num, page_size, 0, false, out,
	                               res ? res : &local);
}

/* ---- the two record types ------------------------------------------------ */

/*
 * The walker sees records and filters as void *; each record type says how
 * to fetch, name, clear, deliver and filter its own.  The disk and snapshot
 * callbacks here, and the policy ones in zec_policy.c, are alike on purpose:
 * the same questions asked of different structs.
 */

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
	/* a walk's sinks copy what they keep (zec_snapshot_sink) */
	int ret = describe_snapshots_page(c, f, page_num, ZEC_SNAPSHOT_PAGE_MAX,
	                                  deadline, true, &l, res);

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

static int snapshot_own_item(void *item)
{
	return zec_snapshot_own(item);
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
	return zec_walk_all(c, &disk_walk, f, sink, zec_call_deadline(c, 0), NULL, res);
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
	return zec_walk_all(c, &snapshot_walk, f, sink, zec_call_deadline(c, 0), NULL, res);
}

/* ---- the _all walkers: a sink that keeps every item ---------------------- */

static int collect_disks(void *arg, struct zec_disk *items, size_t n)
{
	return zec_collect_deliver(arg, items, n);
}

static int collect_snapshots(void *arg, struct zec_snapshot *items, size_t n)
{
	return zec_collect_deliver(arg, items, n);
}

static void collect_restart(void *arg)
{
	zec_collect_restart(arg);
}

int zec_describe_disks_all(struct zec_client *c, const struct zec_disk_filter *f,
                           struct zec_disk_list *out, struct zec_result *res)
{
	struct zec_result local = { 0 };
	struct zec_collect k = { .size = sizeof(struct zec_disk), .clear = disk_clear_item };
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
	ret = zec_collect_run(c, &disk_walk, f, &sink, &k, zec_call_deadline(c, 0), &items,
	                  &out->count, &out->total, res);
	out->items = items;
	return ret;
}

/* The snapshot walker with an explicit deadline (also used by create). */
int zec_snapshots_all(struct zec_client *c, const struct zec_snapshot_filter *f,
                         uint64_t deadline, struct zec_snapshot_list *out,
                         struct zec_result *res)
{
	struct zec_collect k = { .size = sizeof(struct zec_snapshot),
	                     .clear = snapshot_clear_item, .own = snapshot_own_item };
	struct zec_snapshot_sink sink = { .page = collect_snapshots,
	                                  .restart = collect_restart, .arg = &k };
	void *items;
	int ret;

	memset(out, 0, sizeof(*out));
	zec_result_begin(res, "DescribeSnapshots");
	ret = zec_collect_run(c, &snapshot_walk, f, &sink, &k, deadline, &items, &out->count,
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
	return zec_snapshots_all(c, f, zec_call_deadline(c, 0), out, res);
}


/*
 * describe_snapshots.c - DescribeSnapshots: its filters, the pages found by
 * rank in the store's ordered trees, and the cache of filtered listings.
 */
#include "describe_snapshots.h"
#include "params.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX_UNION 1000          /* diskIds merged by rank, beyond: one walk */

/*
 * The listing is never materialised: the store keeps snapshots in listing
 * order (all of them, and per diskId), so an unfiltered page, or the page of
 * one disk, is found by rank in O(log n + pageSize).  Other filters walk the
 * smallest ordered source (the listed ids, the listed disks, or all) once,
 * counting the matches and keeping only the page.
 */
struct snap_query {
	const struct store *s;
	const char *zone, *status, *type;       /* exact filters, NULL: none */
	const char *name, *disk_type, *rg;
	bool by_mark;                   /* only groups marked with stamp */
	unsigned long long stamp;
	size_t first, want;             /* the page */
	size_t total;
	cJSON **page;
	size_t npage;
	struct emu_snap **all;          /* non-NULL: every match goes here too */
};

static bool snap_matches(const struct snap_query *q, const struct emu_snap *sn)
{
	if (q->by_mark && sn->group->mark != q->stamp)
		return false;
	if (q->status && strcmp(sn->status, q->status) != 0)
		return false;
	if (q->zone && !str_eq(rec_str(sn->rec, "zoneId"), q->zone))
		return false;
	if (q->type && !str_eq(rec_str(sn->rec, "snapshotType"), q->type))
		return false;
	if (q->name && !fuzzy_match(rec_str(sn->rec, "snapshotName"), q->name,
	                            q->s->cfg->name_filter_substring))
		return false;
	if (q->rg) {
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(sn->rec, "resourceGroup");
		if (!str_eq(rec_str(g, "resourceGroupId"), q->rg))
			return false;
	}
	if (q->disk_type) {
		long d = store_find_disk_locked(q->s, sn->group->disk_id);
		if (d < 0 || !str_eq(rec_str(q->s->c.disks[d].rec, "diskType"), q->disk_type))
			return false;
	}
	return true;
}

static bool query_visit(struct emu_snap *sn, void *arg)
{
	struct snap_query *q = arg;

	if (!snap_matches(q, sn))
		return true;
	if (q->all)
		q->all[q->total] = sn;
	if (q->total >= q->first && q->npage < q->want)
		q->page[q->npage++] = sn->rec;
	q->total++;
	return true;
}

/* ---- listing cache ---- */

/*
 * A filtered listing that needed a walk is kept (every match, in order)
 * until the store changes (store.gen), so the next pages of the same
 * listing cost O(pageSize) instead of another walk.
 */
static int key_add(char **buf, size_t *len, size_t *cap, const char *v)
{
	size_t need = (v ? strlen(v) : 0) + 24;

	if (*len + need > *cap) {
		size_t ncap = (*cap + need) * 2;
		char *p = realloc(*buf, ncap);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = ncap;
	}
	*len += (size_t)(v ? snprintf(*buf + *len, *cap - *len, "%zu:%s|", strlen(v), v)
	                   : snprintf(*buf + *len, *cap - *len, "-|"));
	return 0;
}

/* The filters of q as a string; NULL on ENOMEM. */
static char *cache_key(const struct snap_query *q, const cJSON *disk_ids)
{
	const char *const v[] = { q->zone, q->status, q->type, q->name, q->disk_type, q->rg };
	size_t len = 0, cap = 0;
	const cJSON *it;
	char *buf = NULL;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (key_add(&buf, &len, &cap, v[i]))
			goto fail;
	if (key_add(&buf, &len, &cap, disk_ids ? "diskIds" : NULL))
		goto fail;
	cJSON_ArrayForEach(it, disk_ids) {
		if (key_add(&buf, &len, &cap, it->valuestring))
			goto fail;
	}
	return buf;
fail:
	free(buf);
	return NULL;
}

static struct list_cache *cache_find(struct store *s, const char *key)
{
	for (size_t i = 0; key && i < STORE_LIST_CACHE; i++) {
		struct list_cache *c = &s->lists[i];
		if (c->key && c->gen == s->gen && strcmp(c->key, key) == 0)
			return c;
	}
	return NULL;
}

/* Keeps key (taken) and the matches (taken) of the current state. */
static void cache_put(struct store *s, char *key, struct emu_snap **items, size_t n)
{
	struct list_cache *c = &s->lists[s->list_next++ % STORE_LIST_CACHE];

	free(c->key);
	free(c->items);
	c->key = key;
	c->items = items;
	c->n = n;
	c->gen = s->gen;
}

static int cmp_snap_ptrs(const void *a, const void *b)
{
	return store_snap_cmp(*(struct emu_snap *const *)a, *(struct emu_snap *const *)b);
}

struct gather {
	struct emu_snap **out;
	size_t n;
};

static bool gather_visit(struct emu_snap *sn, void *arg)
{
	struct gather *g = arg;

	g->out[g->n++] = sn;
	return true;
}

/* Copies the records of snapshots sn[0..n) into q's page. */
static void page_recs(struct snap_query *q, struct emu_snap *const *sn, size_t n)
{
	for (size_t i = 0; i < n; i++)
		q->page[i] = sn[i]->rec;
	q->npage = n;
}

/* Fills q's page and total from the store; 0 or -ENOMEM. */
static int run_snap_query(struct store *s, struct snap_query *q, const cJSON *snap_ids,
                          const cJSON *disk_ids)
{
	bool plain = !q->zone && !q->status && !q->type && !q->name && !q->disk_type && !q->rg;
	struct snap_group *one = NULL, **groups = NULL;
	struct gather g = { NULL, 0 };
	struct emu_snap **page = NULL;
	struct list_cache *hit;
	const cJSON *it;
	size_t ngroups = 0, members = 0, n;
	char *key = NULL;
	int ret = -ENOMEM;

	if (!plain && !snap_ids) {
		key = cache_key(q, disk_ids);
		hit = cache_find(s, key);
		if (hit) {
			q->total = hit->n;
			n = q->first < hit->n ? MIN(hit->n - q->first, q->want) : 0;
			for (size_t i = 0; i < n; i++)
				q->page[i] = hit->items[q->first + i]->rec;
			q->npage = n;
			ret = 0;
			goto out;
		}
	}
	if (disk_ids) {
		groups = malloc((size_t)(cJSON_GetArraySize(disk_ids) + 1) * sizeof(*groups));
		if (!groups)
			goto out;
		cJSON_ArrayForEach(it, disk_ids) {
			struct snap_group *grp = store_find_group_locked(s, it->valuestring);

			if (!grp || grp->mark == q->stamp)
				continue;
			grp->mark = q->stamp;
			groups[ngroups++] = one = grp;
			members += store_snap_count_locked(s, grp);
		}
		if (!ngroups) {
			ret = 0;                /* none of the disks has snapshots */
			goto out;
		}
	}
	page = malloc((q->want ? q->want : 1) * sizeof(*page));
	if (!page)
		goto out;

	if (snap_ids) {
		/* the listed snapshots, sorted; the disks (if any) by their marks */
		g.out = malloc((size_t)(cJSON_GetArraySize(snap_ids) + 1) * sizeof(*g.out));
		if (!g.out)
			goto out;
		cJSON_ArrayForEach(it, snap_ids) {
			struct emu_snap *sn = store_find_snap_locked(s, it->valuestring);

			if (sn && sn->mark != q->stamp) {
				sn->mark = q->stamp;
				g.out[g.n++] = sn;
			}
		}
		q->by_mark = disk_ids != NULL;
		qsort(g.out, g.n, sizeof(*g.out), cmp_snap_ptrs);
		for (size_t i = 0; i < g.n; i++)
			query_visit(g.out[i], q);
		ret = 0;
		goto out;
	}
	if (plain && ngroups <= 1) {
		/* all snapshots, or one disk's: the page by rank */
		q->total = store_snap_count_locked(s, one);
		n = q->first < q->total ? store_snap_page_locked(s, one, q->first, q->want, page) : 0;
		page_recs(q, page, n);
		ret = 0;
		goto out;
	}
	if (plain && ngroups <= MAX_UNION) {
		/* several disks: the page of their union by rank */
		q->total = members;
		ret = store_snap_union_page_locked(s, groups, ngroups, q->first, q->want,
		                                   page, &n);
		if (!ret)
			page_recs(q, page, n);
		goto out;
	}

	/* a walk: every match is kept for the next pages */
	q->all = malloc(((ngroups ? members : s->c.nsnaps) + 1) * sizeof(*q->all));
	if (!q->all)
		goto out;
	if (ngroups == 1) {
		store_snap_walk_locked(s, one, query_visit, q);
	} else if (ngroups > 1 && members * 8 <= s->c.nsnaps) {
		/* a few disks: their snapshots, sorted together */
		g.out = malloc((members + 1) * sizeof(*g.out));
		if (!g.out)
			goto out;
		for (size_t i = 0; i < ngroups; i++)
			store_snap_walk_locked(s, groups[i], gather_visit, &g);
		qsort(g.out, g.n, sizeof(*g.out), cmp_snap_ptrs);
		for (size_t i = 0; i < g.n; i++)
			query_visit(g.out[i], q);
	} else {
		/* one walk over all snapshots in order (the disks by their marks) */
		q->by_mark = ngroups > 0;
		store_snap_walk_locked(s, NULL, query_visit, q);
	}
	if (key) {
		struct emu_snap **fit = realloc(q->all, (q->total + 1) * sizeof(*fit));

		cache_put(s, key, fit ? fit : q->all, q->total);
		key = NULL;
		q->all = NULL;
	}
	ret = 0;
out:
	free(q->all);
	q->all = NULL;
	free(key);
	free(g.out);
	free(page);
	free(groups);
	return ret;
}

int describe_snapshots(struct store *s, const cJSON *body, struct emu_result *res)
{
	struct str_filter f[] = {
		{ "zoneId", NULL }, { "status", NULL }, { "snapshotType", NULL },
	};
	const size_t nf = sizeof(f) / sizeof(f[0]);
	struct snap_query q = { .s = s };
	const cJSON *snap_ids, *disk_ids;
	long long num, size;
	int cnt, st;

	if ((st = param_page(body, s->cfg->max_snapshot_page_size, &num, &size, res)) ||
	    (st = param_ids(body, "snapshotIds", 0, 0, &snap_ids, &cnt, res)) ||
	    (st = param_ids(body, "diskIds", 0, 0, &disk_ids, &cnt, res)) ||
	    (st = param_str(body, "snapshotName", false, &q.name, res)) ||
	    (st = param_str(body, "diskType", false, &q.disk_type, res)) ||
	    (st = param_str(body, "resourceGroupId", false, &q.rg, res)) ||
	    (st = read_str_filters(body, f, nf, res)))
		return st;
	q.zone = f[0].value;
	q.status = f[1].value;
	q.type = f[2].value;
	q.first = page_first(num, size);

	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	q.stamp = ++s->stamp;
	q.want = MIN((size_t)size, s->c.nsnaps);
	q.page = malloc((q.want ? q.want : 1) * sizeof(*q.page));
	if (!q.page || run_snap_query(s, &q, snap_ids, disk_ids)) {
		pthread_mutex_unlock(&s->lock);
		free(q.page);
		return emu_no_memory(res);
	}
	st = page_out(s, q.page, q.npage, q.total, res);
	pthread_mutex_unlock(&s->lock);
	free(q.page);
	return st;
}

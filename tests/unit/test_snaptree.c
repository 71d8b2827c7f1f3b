/*
 * test_snaptree.c - the emulator's order-statistic treap (snaptree.c)
 * against a sorted array: order, ranks, selection, pages, erase, the O(n)
 * build and the page of a union of groups.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "snaptree.h"

#define N 300
#define NG 3

static struct emu_snap nodes[N];
static char ids[N][24], times[N][24];
static struct snap_group groups[NG];
static unsigned rng = 12345;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int cmp_ptrs(const void *a, const void *b)
{
	return store_snap_cmp(*(struct emu_snap *const *)a, *(struct emu_snap *const *)b);
}

struct seen {
	struct emu_snap *v[N];
	size_t n, stop_at;
};

static bool visit(struct emu_snap *sn, void *arg)
{
	struct seen *w = arg;

	w->v[w->n++] = sn;
	return w->n != w->stop_at;
}

/* The nodes of t in order equal want[0..n), ranks and selection agree. */
static bool tree_is(struct emu_snap *t, size_t off, struct emu_snap **want, size_t n)
{
	struct seen w = { .n = 0 };

	if (!snaptree_walk(t, off, visit, &w) || w.n != n || snaptree_size(t, off) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w.v[i] != want[i] || snaptree_rank(t, off, want[i]) != i ||
		    snaptree_select(t, off, i) != want[i])
			return false;
	}
	return snaptree_select(t, off, n) == NULL;
}

/* The sorted live nodes (of group g, NULL: all) into out; how many. */
static size_t reference(const bool *live, const struct snap_group *g, struct emu_snap **out)
{
	size_t n = 0;

	for (size_t i = 0; i < N; i++)
		if (live[i] && (!g || nodes[i].group == g))
			out[n++] = &nodes[i];
	qsort(out, n, sizeof(*out), cmp_ptrs);
	return n;
}

static bool pages_ok(struct emu_snap *t, size_t off, struct emu_snap **want, size_t n)
{
	struct emu_snap *out[N];

	for (size_t first = 0; first <= n + 2; first += 7) {
		for (size_t count = 0; count <= 40; count += 13) {
			size_t got = snaptree_page(t, off, first, count, out);
			size_t exp = first >= n ? 0 : (n - first < count ? n - first : count);

			if (got != exp || memcmp(out, want + (first < n ? first : 0),
			                         got * sizeof(*out)))
				return false;
		}
	}
	return true;
}

int main(void)
{
	struct emu_snap *all = NULL, *ref[N], *stack[N], *out[N];
	bool live[N];
	size_t n;

	/* few distinct times, so ids decide often; ids of different lengths */
	for (size_t i = 0; i < N; i++) {
		snprintf(times[i], sizeof(times[i]), "2026-01-01T00:00:%02uZ", next_rand() % 20);
		snprintf(ids[i], sizeof(ids[i]), "%u", next_rand() % 5000);
		nodes[i].id = ids[i];
		nodes[i].create_time = times[i];
		nodes[i].prio = next_rand();
		nodes[i].group = &groups[next_rand() % NG];
		live[i] = true;
	}
	CHECK(store_snap_cmp(&(struct emu_snap){ .id = "99", .create_time = "t" },
	                     &(struct emu_snap){ .id = "100", .create_time = "t" }) < 0,
	      "ids compare as numbers: 99 before 100");

	for (size_t i = 0; i < N; i++) {
		all = snaptree_insert(all, &nodes[i], SNAPTREE_ALL);
		nodes[i].group->root = snaptree_insert(nodes[i].group->root, &nodes[i],
		                                       SNAPTREE_GRP);
	}
	n = reference(live, NULL, ref);
	CHECK(tree_is(all, SNAPTREE_ALL, ref, n), "inserts: listing order, ranks, selection");
	CHECK(pages_ok(all, SNAPTREE_ALL, ref, n), "pages of the whole tree");
	for (size_t g = 0; g < NG; g++) {
		size_t gn = reference(live, &groups[g], ref);

		CHECK(tree_is(groups[g].root, SNAPTREE_GRP, ref, gn) && pages_ok(groups[g].root,
		      SNAPTREE_GRP, ref, gn), "group %zu: its own tree through the second link", g);
	}
	{
		struct seen w = { .n = 0, .stop_at = 5 };

		CHECK(!snaptree_walk(all, SNAPTREE_ALL, visit, &w) && w.n == 5,
		      "a walk stops when the visitor says so");
	}

	/* erase every third node from both trees */
	for (size_t i = 0; i < N; i += 3) {
		all = snaptree_erase(all, &nodes[i], SNAPTREE_ALL);
		nodes[i].group->root = snaptree_erase(nodes[i].group->root, &nodes[i],
		                                      SNAPTREE_GRP);
		live[i] = false;
	}
	n = reference(live, NULL, ref);
	CHECK(tree_is(all, SNAPTREE_ALL, ref, n) && pages_ok(all, SNAPTREE_ALL, ref, n),
	      "erases: order, ranks and pages hold");
	for (size_t g = 0; g < NG; g++) {
		size_t gn = reference(live, &groups[g], ref);

		CHECK(tree_is(groups[g].root, SNAPTREE_GRP, ref, gn), "group %zu after erases", g);
	}

	/* the union of groups 0 and 2 against the filtered reference */
	{
		struct snap_group *gs[2] = { &groups[0], &groups[2] };
		struct emu_snap *want[N];
		size_t wn = 0, got;
		bool ok = true;

		n = reference(live, NULL, ref);
		for (size_t i = 0; i < n; i++)
			if (ref[i]->group != &groups[1])
				want[wn++] = ref[i];
		for (size_t first = 0; first <= wn + 1; first += 5) {
			size_t exp = first >= wn ? 0 : (wn - first < 17 ? wn - first : 17);

			if (snaptree_union_page(all, n, gs, 2, first, 17, out, &got) ||
			    got != exp || memcmp(out, want + (first < wn ? first : 0),
			                         got * sizeof(*out)))
				ok = false;
		}
		CHECK(ok, "union of two groups: every page equals the merged listing");
	}

	/* the O(n) build from a sorted array gives the same order */
	n = reference(live, NULL, ref);
	all = snaptree_build(ref, n, SNAPTREE_ALL, stack);
	CHECK(tree_is(all, SNAPTREE_ALL, ref, n) && pages_ok(all, SNAPTREE_ALL, ref, n),
	      "build: order, sizes, ranks and pages");
	CHECK(snaptree_build(ref, 0, SNAPTREE_ALL, stack) == NULL, "build of nothing is empty");
	return check_summary();
}

/*
 * snaptree.c - the order-statistic treap behind every snapshot listing.
 *
 * Treaps keyed by listing order, heap-ordered by a random priority, with
 * subtree sizes for ranks.  One node (struct emu_snap) sits in two trees, so
 * the functions take the offset of the struct snap_link to use.
 */
#include "snaptree.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct snap_link *lnk(const struct emu_snap *n, size_t off)
{
	return (struct snap_link *)((char *)(uintptr_t)n + off);
}

size_t snaptree_size(const struct emu_snap *t, size_t off)
{
	return t ? lnk(t, off)->size : 0;
}

static void t_fix(struct emu_snap *t, size_t off)
{
	struct snap_link *k = lnk(t, off);

	k->size = 1 + snaptree_size(k->l, off) + snaptree_size(k->r, off);
}

/* Numeric ids compare by length, then digits; others fall back to strcmp. */
static int cmp_ids(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

int store_snap_cmp(const struct emu_snap *a, const struct emu_snap *b)
{
	int c = strcmp(a->create_time, b->create_time);

	if (c)
		return c;
	c = cmp_ids(a->id, b->id);
	if (c)
		return c;
	return a < b ? -1 : a > b;
}

/* Splits t into the nodes before n (*l) and the others (*r). */
static void t_split(struct emu_snap *t, const struct emu_snap *n, size_t off,
                    struct emu_snap **l, struct emu_snap **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (store_snap_cmp(t, n) < 0) {
		t_split(lnk(t, off)->r, n, off, &lnk(t, off)->r, r);
		t_fix(t, off);
		*l = t;
	} else {
		t_split(lnk(t, off)->l, n, off, l, &lnk(t, off)->l);
		t_fix(t, off);
		*r = t;
	}
}

/* Joins a and b, every node of a before every node of b. */
static struct emu_snap *t_merge(struct emu_snap *a, struct emu_snap *b, size_t off)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		lnk(a, off)->r = t_merge(lnk(a, off)->r, b, off);
		t_fix(a, off);
		return a;
	}
	lnk(b, off)->l = t_merge(a, lnk(b, off)->l, off);
	t_fix(b, off);
	return b;
}

struct emu_snap *snaptree_insert(struct emu_snap *t, struct emu_snap *n, size_t off)
{
	if (!t) {
		lnk(n, off)->l = lnk(n, off)->r = NULL;
		lnk(n, off)->size = 1;
		return n;
	}
	if (n->prio > t->prio) {
		t_split(t, n, off, &lnk(n, off)->l, &lnk(n, off)->r);
		t_fix(n, off);
		return n;
	}
	if (store_snap_cmp(n, t) < 0)
		lnk(t, off)->l = snaptree_insert(lnk(t, off)->l, n, off);
	else
		lnk(t, off)->r = snaptree_insert(lnk(t, off)->r, n, off);
	t_fix(t, off);
	return t;
}

/* Walks down like snaptree_insert() on purpose: the same key order finds
 * n's place. */
struct emu_snap *snaptree_erase(struct emu_snap *t, struct emu_snap *n, size_t off)
{
	if (!t)
		return NULL;
	if (t == n)
		return t_merge(lnk(t, off)->l, lnk(t, off)->r, off);
	if (store_snap_cmp(n, t) < 0)
		lnk(t, off)->l = snaptree_erase(lnk(t, off)->l, n, off);
	else
		lnk(t, off)->r = snaptree_erase(lnk(t, off)->r, n, off);
	t_fix(t, off);
	return t;
}

/* In order from rank *skip on, until fn returns false (then false). */
static bool t_walk_from(struct emu_snap *t, size_t off, size_t *skip,
                        bool (*fn)(struct emu_snap *sn, void *arg), void *arg)
{
	while (t) {
		size_t ls = snaptree_size(lnk(t, off)->l, off);

		if (*skip >= ls)
			*skip -= ls;
		else if (!t_walk_from(lnk(t, off)->l, off, skip, fn, arg))
			return false;
		if (*skip)
			(*skip)--;
		else if (!fn(t, arg))
			return false;
		if (*skip >= snaptree_size(lnk(t, off)->r, off)) {
			*skip -= snaptree_size(lnk(t, off)->r, off);
			return true;
		}
		t = lnk(t, off)->r;
	}
	return true;
}

struct collect {
	struct emu_snap **out;
	size_t n, want;
};

static bool collect_visit(struct emu_snap *sn, void *arg)
{
	struct collect *c = arg;

	c->out[c->n++] = sn;
	return c->n < c->want;
}

/* How many nodes of t come before n in listing order. */
size_t snaptree_rank(const struct emu_snap *t, size_t off, const struct emu_snap *n)
{
	size_t rank = 0;

	while (t) {
		if (store_snap_cmp(t, n) < 0) {
			rank += snaptree_size(lnk(t, off)->l, off) + 1;
			t = lnk(t, off)->r;
		} else {
			t = lnk(t, off)->l;
		}
	}
	return rank;
}

/* The node of rank i (< size of t). */
struct emu_snap *snaptree_select(struct emu_snap *t, size_t off, size_t i)
{
	while (t) {
		size_t ls = snaptree_size(lnk(t, off)->l, off);

		if (i < ls) {
			t = lnk(t, off)->l;
		} else if (i == ls) {
			return t;
		} else {
			i -= ls + 1;
			t = lnk(t, off)->r;
		}
	}
	return NULL;
}

/* Sets the sizes of t's subtrees; returns t's. */
static size_t t_sizes(struct emu_snap *t, size_t off)
{
	struct snap_link *k;

	if (!t)
		return 0;
	k = lnk(t, off);
	k->size = 1 + t_sizes(k->l, off) + t_sizes(k->r, off);
	return k->size;
}

/* The treap of v[0..n), in listing order, in O(n); stack holds n. */
struct emu_snap *snaptree_build(struct emu_snap *const *v, size_t n, size_t off,
                                struct emu_snap **stack)
{
	size_t top = 0;

	for (size_t i = 0; i < n; i++) {
		struct emu_snap *x = v[i], *last = NULL;

		/* the right spine holds decreasing priorities */
		while (top && stack[top - 1]->prio < x->prio)
			last = stack[--top];
		lnk(x, off)->l = last;
		lnk(x, off)->r = NULL;
		if (top)
			lnk(stack[top - 1], off)->r = x;
		stack[top++] = x;
	}
	t_sizes(top ? stack[0] : NULL, off);
	return top ? stack[0] : NULL;
}

/* In order; false when fn stopped the walk. */
bool snaptree_walk(struct emu_snap *t, size_t off,
                   bool (*fn)(struct emu_snap *sn, void *arg), void *arg)
{
	while (t) {
		if (!snaptree_walk(lnk(t, off)->l, off, fn, arg) || !fn(t, arg))
			return false;
		t = lnk(t, off)->r;
	}
	return true;
}

size_t snaptree_page(struct emu_snap *t, size_t off, size_t first, size_t count,
                     struct emu_snap **out)
{
	struct collect c = { out, 0, count };

	if (!count)
		return 0;
	t_walk_from(t, off, &first, collect_visit, &c);
	return c.n;
}

/* Of the nodes of groups gs, how many come before or are the node of rank p
 * in all. */
static size_t union_rank(struct emu_snap *all, struct snap_group *const *gs,
                         size_t ng, size_t p)
{
	struct emu_snap *e = snaptree_select(all, SNAPTREE_ALL, p);
	size_t n = 0;

	for (size_t i = 0; i < ng; i++)
		n += snaptree_rank(gs[i]->root, SNAPTREE_GRP, e) + (e->group == gs[i]);
	return n;
}

int snaptree_union_page(struct emu_snap *all, size_t nall,
                        struct snap_group *const *gs, size_t ng,
                        size_t first, size_t count,
                        struct emu_snap **out, size_t *nout)
{
	size_t lo = 0, hi = nall, total = 0, n = 0, *pos = NULL, *len = NULL;
	struct emu_snap **buf = NULL, *start;
	int ret = -ENOMEM;

	*nout = 0;
	for (size_t i = 0; i < ng; i++)
		total += snaptree_size(gs[i]->root, SNAPTREE_GRP);
	if (first >= total || !count)
		return 0;
	/* the global rank of the union's first-th: the least p whose union
	 * rank exceeds first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (union_rank(all, gs, ng, mid) > first)
			hi = mid;
		else
			lo = mid + 1;
	}
	start = snaptree_select(all, SNAPTREE_ALL, lo);
	/* each group's next count snapshots from there, merged */
	buf = malloc(ng * count * sizeof(*buf));
	pos = calloc(ng, sizeof(*pos));
	len = calloc(ng, sizeof(*len));
	if (!buf || !pos || !len || !start)
		goto out;
	for (size_t i = 0; i < ng; i++) {
		struct collect c = { buf + i * count, 0, count };
		size_t skip = snaptree_rank(gs[i]->root, SNAPTREE_GRP, start);

		t_walk_from(gs[i]->root, SNAPTREE_GRP, &skip, collect_visit, &c);
		len[i] = c.n;
	}
	while (n < count) {
		size_t best = ng;

		for (size_t i = 0; i < ng; i++) {
			if (pos[i] < len[i] &&
			    (best == ng || store_snap_cmp(buf[i * count + pos[i]],
			                                  buf[best * count + pos[best]]) < 0))
				best = i;
		}
		if (best == ng)
			break;
		out[n++] = buf[best * count + pos[best]++];
	}
	*nout = n;
	ret = 0;
out:
	free(buf);
	free(pos);
	free(len);
	return ret;
}

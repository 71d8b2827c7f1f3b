/*
 * snaptree.h - the order-statistic treap that keeps snapshots in listing
 * order: insert, erase, rank, select and pages in O(log n).
 *
 * One node (struct emu_snap) sits in two trees at once, the tree of every
 * snapshot and the tree of its diskId's group, so every function takes the
 * offset of the struct snap_link to follow (SNAPTREE_ALL or SNAPTREE_GRP).
 * Pure: no lock, no allocation except the union page's scratch.
 */
#ifndef ZEC_EMU_SNAPTREE_H
#define ZEC_EMU_SNAPTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define SNAPTREE_ALL offsetof(struct emu_snap, all)
#define SNAPTREE_GRP offsetof(struct emu_snap, grp)

/* Nodes in t (0 for NULL). */
size_t snaptree_size(const struct emu_snap *t, size_t off);

/* t with n added / taken out (n must be in t); the new root. */
struct emu_snap *snaptree_insert(struct emu_snap *t, struct emu_snap *n, size_t off);
struct emu_snap *snaptree_erase(struct emu_snap *t, struct emu_snap *n, size_t off);

/* How many nodes of t come before n in listing order. */
size_t snaptree_rank(const struct emu_snap *t, size_t off, const struct emu_snap *n);

/* The node of rank i, NULL when i >= the size of t. */
struct emu_snap *snaptree_select(struct emu_snap *t, size_t off, size_t i);

/* Up to count nodes from rank first on into out; how many. */
size_t snaptree_page(struct emu_snap *t, size_t off, size_t first, size_t count,
                     struct emu_snap **out);

/* Calls fn in listing order until it returns false (then false). */
bool snaptree_walk(struct emu_snap *t, size_t off,
                   bool (*fn)(struct emu_snap *sn, void *arg), void *arg);

/* The treap of v[0..n), already in listing order, in O(n); stack holds n. */
struct emu_snap *snaptree_build(struct emu_snap *const *v, size_t n, size_t off,
                                struct emu_snap **stack);

/*
 * A page of the union of groups gs (distinct), whose snapshots are all in
 * the tree all (nall nodes): up to count from rank first on, found by a
 * binary search over all's ranks.  0 or -ENOMEM; *nout nodes in out.
 */
int snaptree_union_page(struct emu_snap *all, size_t nall,
                        struct snap_group *const *gs, size_t ng,
                        size_t first, size_t count,
                        struct emu_snap **out, size_t *nout);

#endif /* ZEC_EMU_SNAPTREE_H */

/*
 * zec_idset.h - a set of id strings, for a walk to deliver each id once
 * however the pages under it move.  Not locked: the walk's mutex guards it.
 */
#ifndef ZEC_IDSET_H
#define ZEC_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zeroed, it is empty.  key salts the hash (set it while the set is empty):
 * a server that chose ids to collide cannot know it. */
struct zec_idset {
	char *arena;                /* the ids, each NUL-terminated */
	size_t len, cap;
	uint64_t *slots;            /* hash high half << 32 | (offset + 1); 0 empty */
	size_t size, n;             /* size: a power of two */
	uint64_t key;
};

/* 1 when id is new (and now remembered), 0 when seen before, -ENOMEM. */
int zec_idset_add(struct zec_idset *s, const char *id);

/* A reservation is believed up to this many ids (a count from a server). */
#define ZEC_IDSET_RESERVE_MAX (1u << 18)
/*
 * Room for n ids (at most ZEC_IDSET_RESERVE_MAX) added without the index
 * growing: a listing's totalCount, so that its ids are hashed once rather
 * than again at every doubling.  0 or -ENOMEM (the set is unchanged).
 */
int zec_idset_reserve(struct zec_idset *s, size_t n);
/* Whether id is in the set. */
bool zec_idset_has(const struct zec_idset *s, const char *id);
/* Empties the set and frees its memory (key too is cleared). */
void zec_idset_free(struct zec_idset *s);

#endif

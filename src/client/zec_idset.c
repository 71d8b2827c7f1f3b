/*
 * zec_idset.c - a set of id strings (zec_idset.h): the ids kept in one
 * growing arena, an open-addressing index of their hashes and offsets.
 */
#include "zec_idset.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

void zec_idset_free(struct zec_idset *s)
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

/* Moves the index to a table of 'size' slots (a power of two, above n). */
static int idset_resize(struct zec_idset *s, size_t size)
{
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

static int idset_grow(struct zec_idset *s)
{
	return idset_resize(s, s->size ? s->size * 2 : 256);
}

int zec_idset_reserve(struct zec_idset *s, size_t n)
{
	size_t size = s->size ? s->size : 256;

	if (n > ZEC_IDSET_RESERVE_MAX)
		n = ZEC_IDSET_RESERVE_MAX;
	while (size < 2 * n)
		size *= 2;
	return size > s->size ? idset_resize(s, size) : 0;
}

/* Whether id is in the set. */
bool zec_idset_has(const struct zec_idset *s, const char *id)
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
int zec_idset_add(struct zec_idset *s, const char *id)
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

/*
 * strmap.c - string-keyed hash map with linear probing.  The load factor
 * stays at most 1/2, so probes are short; deletion shifts the following
 * entries back instead of leaving tombstones.
 */
#include "strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64 bits where size_t has them. */
static size_t hash_str(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const struct strmap *m, const char *key, size_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	while (m->slots[i].key &&
	       (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & mask;
	return i;
}

static int resize(struct strmap *m, size_t ncap)
{
	struct strmap_slot *old = m->slots, *slots;
	size_t ocap = m->cap;

	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].key)
			m->slots[probe(m, old[i].key, old[i].hash)] = old[i];
	}
	free(old);
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	size_t h = hash_str(key), i;
	char *copy;

	if ((m->count + 1) * 2 > m->cap) {
		int ret = resize(m, m->cap ? m->cap * 2 : 64);
		if (ret)
			return ret;
	}
	i = probe(m, key, h);
	if (m->slots[i].key) {
		m->slots[i].value = value;
		return 0;
	}
	copy = strdup(key);
	if (!copy)
		return -ENOMEM;
	m->slots[i].key = copy;
	m->slots[i].hash = h;
	m->slots[i].value = value;
	m->count++;
	return 0;
}

bool strmap_replace(struct strmap *m, const char *key, void *value)
{
	size_t i;

	if (!m->cap || !key)
		return false;
	i = probe(m, key, hash_str(key));
	if (!m->slots[i].key)
		return false;
	m->slots[i].value = value;
	return true;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	size_t i;

	if (!m->cap || !key)
		return NULL;
	i = probe(m, key, hash_str(key));
	return m->slots[i].key ? m->slots[i].value : NULL;
}

void strmap_del(struct strmap *m, const char *key)
{
	size_t mask, i, j;

	if (!m->cap || !key)
		return;
	mask = m->cap - 1;
	i = probe(m, key, hash_str(key));
	if (!m->slots[i].key)
		return;
	free(m->slots[i].key);
	m->slots[i].key = NULL;
	m->count--;
	/* shift back every entry of the run that i no longer lets be found */
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		/* j stays if its home lies cyclically in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].key = NULL;
		i = j;
	}
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

/*
 * cache_store.c - the compact string store behind cached snapshot lists:
 * one process-wide pool of interned strings for the values many snapshots
 * share, and append-only chunks for the strings one list owns.
 */
#include "cache_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * The fields many snapshots share (zone, status, type, disk id, resource
 * group) point into one pool of strings, so a cached snapshot costs a
 * pointer for each, not a copy: 100,000 snapshots stay well under 64 MiB.
 * Pooled strings live until zecfs_cache_free().
 */
#define POOL_BUCKETS 4096

struct pooled {
	struct pooled *next;
	char s[];
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pooled *pool[POOL_BUCKETS];

const char *zecfs_cache_intern(const char *str)
{
	unsigned long h = 5381;
	struct pooled *p;
	size_t len = strlen(str);

	for (const char *c = str; *c; c++)
		h = h * 33 + (unsigned char)*c;
	h %= POOL_BUCKETS;
	pthread_mutex_lock(&pool_lock);
	for (p = pool[h]; p; p = p->next) {
		if (strcmp(p->s, str) == 0)
			goto out;
	}
	p = malloc(sizeof(*p) + len + 1);
	if (p) {
		memcpy(p->s, str, len + 1);
		p->next = pool[h];
		pool[h] = p;
	}
out:
	pthread_mutex_unlock(&pool_lock);
	return p ? p->s : NULL;
}

void zecfs_cache_pool_free(void)
{
	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < POOL_BUCKETS; i++) {
		while (pool[i]) {
			struct pooled *next = pool[i]->next;

			free(pool[i]);
			pool[i] = next;
		}
	}
	pthread_mutex_unlock(&pool_lock);
}

/*
 * The strings a list owns live in chunks that never move (a chunk is only
 * ever appended to), so the records of a listing cost their bytes and no
 * per-string allocation, and nothing of the parsed pages stays resident.
 */
struct zecfs_chunk {
	struct zecfs_chunk *next;
	size_t used, cap;
	char data[];
};

#define CHUNK_MIN 1024
#define CHUNK_MAX (64 * 1024)

void zecfs_cache_chunks_free(struct zecfs_chunk *c)
{
	while (c) {
		struct zecfs_chunk *next = c->next;

		free(c);
		c = next;
	}
}

/* A copy of s in the chunks; NULL on ENOMEM. */
char *zecfs_cache_chunk_dup(struct zecfs_chunk **chunks, const char *s)
{
	size_t len = strlen(s) + 1;
	struct zecfs_chunk *c = *chunks;
	char *at;

	if (!c || c->cap - c->used < len) {
		size_t cap = c ? c->cap * 2 : CHUNK_MIN;

		if (cap > CHUNK_MAX)
			cap = CHUNK_MAX;
		if (cap < len)
			cap = len;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = *chunks;
		*chunks = c;
	}
	at = c->data + c->used;
	memcpy(at, s, len);
	c->used += len;
	return at;
}

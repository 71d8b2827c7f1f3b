/*
 * cache_store.c - the compact string store behind cached snapshot lists:
 * one process-wide pool of interned strings and of the field sets many
 * snapshots share, and append-only chunks for the bytes a builder collects.
 */
#include "cache_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * The strings a builder collects live in chunks that never move (a chunk
 * is only ever appended to), so the records of a listing cost their bytes
 * and no per-string allocation, and nothing of the parsed pages stays
 * resident; the finished list copies them into its own block.
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

/* len bytes in the chunks; NULL on ENOMEM. */
void *zecfs_cache_chunk_alloc(struct zecfs_chunk **chunks, size_t len)
{
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
	c->used += len;
	return at;
}

/*
 * The fields many snapshots share (zone, status, type, disk id, resource
 * group, diskAbility) are pooled strings, and each set of them is pooled
 * once more (struct zecfs_snap_common), so a cached snapshot costs one
 * pointer for all six, not a pointer each.  Pooled strings and sets live
 * until zecfs_cache_free(), in chunks of their own: made one at a time by
 * a listing's page threads, each a block of its own would sit among the
 * pages' memory and keep the pages around it from being given back.
 */
#define POOL_BUCKETS 4096

struct pooled {
	struct pooled *next;
	char s[];
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pooled *pool[POOL_BUCKETS];
static struct zecfs_chunk *pool_chunks;   /* the pooled strings and sets */

/* With pool_lock held: len bytes of the pool's chunks, aligned for a pointer. */
static void *pool_alloc(size_t len)
{
	size_t align = sizeof(void *);

	/* every piece a multiple of the alignment, so each starts aligned */
	return zecfs_cache_chunk_alloc(&pool_chunks, (len + align - 1) / align * align);
}

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
	p = pool_alloc(sizeof(*p) + len + 1);
	if (p) {
		memcpy(p->s, str, len + 1);
		p->next = pool[h];
		pool[h] = p;
	}
out:
	pthread_mutex_unlock(&pool_lock);
	return p ? p->s : NULL;
}

struct pooled_common {
	struct pooled_common *next;
	struct zecfs_snap_common c;
};

#define COMMON_BUCKETS 1024
static struct pooled_common *commons[COMMON_BUCKETS];

static bool common_eq(const struct zecfs_snap_common *a, const struct zecfs_snap_common *b)
{
	return a->zone_id == b->zone_id && a->status == b->status &&
	       a->snapshot_type == b->snapshot_type && a->disk_id == b->disk_id &&
	       a->resource_group_id == b->resource_group_id &&
	       a->resource_group_name == b->resource_group_name &&
	       a->disk_ability == b->disk_ability;
}

/* c's strings are pooled already: the set is found by their addresses. */
const struct zecfs_snap_common *zecfs_cache_intern_common(const struct zecfs_snap_common *c)
{
	const char *const f[] = { c->zone_id, c->status, c->snapshot_type, c->disk_id,
	                          c->resource_group_id, c->resource_group_name };
	uint64_t h = c->disk_ability;
	struct pooled_common *p;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		h = (h ^ (uint64_t)(uintptr_t)f[i]) * 0x100000001b3ULL;
	h = (h ^ (h >> 29)) % COMMON_BUCKETS;
	pthread_mutex_lock(&pool_lock);
	for (p = commons[h]; p; p = p->next) {
		if (common_eq(&p->c, c))
			goto out;
	}
	p = pool_alloc(sizeof(*p));
	if (p) {
		p->c = *c;
		p->next = commons[h];
		commons[h] = p;
	}
out:
	pthread_mutex_unlock(&pool_lock);
	return p ? &p->c : NULL;
}

void zecfs_cache_pool_free(void)
{
	pthread_mutex_lock(&pool_lock);
	memset(commons, 0, sizeof(commons));
	memset(pool, 0, sizeof(pool));
	zecfs_cache_chunks_free(pool_chunks);
	pool_chunks = NULL;
	pthread_mutex_unlock(&pool_lock);
}

char *zecfs_cache_chunk_dup(struct zecfs_chunk **chunks, const char *s)
{
	size_t len = strlen(s) + 1;
	char *at = zecfs_cache_chunk_alloc(chunks, len);

	if (at)
		memcpy(at, s, len);
	return at;
}

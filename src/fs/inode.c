/*
 * inode.c - inode numbers and lookup counts (see inode.h).
 *
 * A chained hash table from inode number to identity, guarded by one
 * mutex that is held only for table work, never across a network call.
 */
#include "inode.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* How far a colliding identity may move from its hashed number. */
#define PROBE_MAX 8

struct inode {
	struct inode *next;
	uint64_t ino;
	uint64_t nlookup;
	enum zecfs_kind kind;
	char *snap_id;               /* points into ids, after disk_id */
	char ids[];                  /* disk_id NUL snap_id NUL */
};

struct zecfs_inodes {
	pthread_mutex_t lock;
	struct inode **buckets;
	size_t nbuckets;             /* a power of two */
	uint64_t count;
};

static bool fixed_kind(enum zecfs_kind kind, uint64_t *ino)
{
	switch (kind) {
	case ZECFS_ROOT: *ino = ZECFS_INO_ROOT; return true;
	case ZECFS_BYNAME_DIR: *ino = ZECFS_INO_BYNAME; return true;
	case ZECFS_STATS_DIR: *ino = ZECFS_INO_STATSD; return true;
	case ZECFS_STATS_FILE: *ino = ZECFS_INO_STATS; return true;
	case ZECFS_POLICIES_DIR: *ino = ZECFS_INO_POLICIES; return true;
	default: return false;
	}
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* FNV-1a over the identity, then a finalizer: stable across runs. */
static uint64_t ident_hash(enum zecfs_kind kind, const char *disk_id, const char *snap_id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ (uint64_t)kind) * 0x100000001b3ULL;
	for (const char *p = disk_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (const char *p = snap_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = mix(h) & 0x7fffffffffffffffULL;      /* st_ino stays positive as off_t */
	return h < ZECFS_INO_FIRST ? h + ZECFS_INO_FIRST : h;
}

static struct inode *find(struct zecfs_inodes *t, uint64_t ino)
{
	struct inode *n = t->buckets[mix(ino) & (t->nbuckets - 1)];

	while (n && n->ino != ino)
		n = n->next;
	return n;
}

static bool same(const struct inode *n, enum zecfs_kind kind, const char *disk_id,
                 const char *snap_id)
{
	return n->kind == kind && strcmp(n->ids, disk_id) == 0 &&
	       strcmp(n->snap_id, snap_id) == 0;
}

static void insert(struct zecfs_inodes *t, struct inode *n)
{
	size_t b = mix(n->ino) & (t->nbuckets - 1);

	n->next = t->buckets[b];
	t->buckets[b] = n;
}

/* Doubles the bucket array; on ENOMEM the table just stays denser. */
static void grow(struct zecfs_inodes *t)
{
	struct inode **old = t->buckets;
	size_t n = t->nbuckets;
	struct inode **fresh = calloc(n * 2, sizeof(*fresh));

	if (!fresh)
		return;
	t->buckets = fresh;
	t->nbuckets = n * 2;
	for (size_t i = 0; i < n; i++) {
		while (old[i]) {
			struct inode *e = old[i];

			old[i] = e->next;
			insert(t, e);
		}
	}
	free(old);
}

int zecfs_inodes_new(struct zecfs_inodes **out)
{
	struct zecfs_inodes *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void zecfs_inodes_free(struct zecfs_inodes *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		while (t->buckets[i]) {
			struct inode *e = t->buckets[i];

			t->buckets[i] = e->next;
			free(e);
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* With the lock held: the node of that identity, or the number it gets. */
static struct inode *probe(struct zecfs_inodes *t, enum zecfs_kind kind,
                           const char *disk_id, const char *snap_id, uint64_t *free_ino)
{
	uint64_t base = ident_hash(kind, disk_id, snap_id);

	*free_ino = 0;
	for (uint64_t i = 0; i < PROBE_MAX; i++) {
		uint64_t ino = base + i;
		struct inode *n = find(t, ino);

		if (n && same(n, kind, disk_id, snap_id))
			return n;
		if (!n && !*free_ino)
			*free_ino = ino;
	}
	return NULL;
}

int zecfs_inode_ref(struct zecfs_inodes *t, enum zecfs_kind kind, const char *disk_id,
                  const char *snap_id, uint64_t *ino)
{
	size_t ld, ls;
	struct inode *n;
	uint64_t free_ino;
	int ret = 0;

	if (fixed_kind(kind, ino))
		return 0;
	disk_id = disk_id ? disk_id : "";
	snap_id = snap_id ? snap_id : "";
	ld = strlen(disk_id);
	ls = strlen(snap_id);
	if (ld > ZECFS_ID_MAX || ls > ZECFS_ID_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&t->lock);
	n = probe(t, kind, disk_id, snap_id, &free_ino);
	if (n) {
		n->nlookup++;
		*ino = n->ino;
		goto out;
	}
	if (!free_ino) {
		ret = -ENOSPC;          /* PROBE_MAX live collisions: not in this universe */
		goto out;
	}
	n = malloc(sizeof(*n) + ld + ls + 2);
	if (!n) {
		ret = -ENOMEM;
		goto out;
	}
	n->ino = free_ino;
	n->nlookup = 1;
	n->kind = kind;
	memcpy(n->ids, disk_id, ld + 1);
	n->snap_id = n->ids + ld + 1;
	memcpy(n->snap_id, snap_id, ls + 1);
	if (t->count >= t->nbuckets * 2)
		grow(t);
	insert(t, n);
	t->count++;
	*ino = n->ino;
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void zecfs_inode_forget(struct zecfs_inodes *t, uint64_t ino, uint64_t nlookup)
{
	struct inode **pp, *n;

	if (ino < ZECFS_INO_FIRST)
		return;
	pthread_mutex_lock(&t->lock);
	for (pp = &t->buckets[mix(ino) & (t->nbuckets - 1)]; (n = *pp); pp = &n->next) {
		if (n->ino != ino)
			continue;
		n->nlookup = nlookup >= n->nlookup ? 0 : n->nlookup - nlookup;
		if (n->nlookup == 0) {
			*pp = n->next;
			free(n);
			t->count--;
		}
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

int zecfs_inode_ident(struct zecfs_inodes *t, uint64_t ino, struct zecfs_ident *out)
{
	struct inode *n;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	switch (ino) {
	case ZECFS_INO_ROOT: out->kind = ZECFS_ROOT; return 0;
	case ZECFS_INO_BYNAME: out->kind = ZECFS_BYNAME_DIR; return 0;
	case ZECFS_INO_STATSD: out->kind = ZECFS_STATS_DIR; return 0;
	case ZECFS_INO_STATS: out->kind = ZECFS_STATS_FILE; return 0;
	case ZECFS_INO_POLICIES: out->kind = ZECFS_POLICIES_DIR; return 0;
	default: break;
	}
	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n) {
		out->kind = n->kind;
		strcpy(out->disk_id, n->ids);        /* both bounded by ZECFS_ID_MAX */
		strcpy(out->snap_id, n->snap_id);
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

uint64_t zecfs_inode_peek(struct zecfs_inodes *t, enum zecfs_kind kind,
                        const char *disk_id, const char *snap_id)
{
	struct inode *n;
	uint64_t ino = 0;

	if (fixed_kind(kind, &ino))
		return ino;
	disk_id = disk_id ? disk_id : "";
	snap_id = snap_id ? snap_id : "";
	pthread_mutex_lock(&t->lock);
	n = probe(t, kind, disk_id, snap_id, &ino);
	if (n)
		ino = n->ino;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

uint64_t zecfs_inodes_count(struct zecfs_inodes *t)
{
	uint64_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

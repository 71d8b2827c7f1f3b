/*
 * inode.c - inode numbers and lookup counts (see inode.h).
 *
 * A chained hash table from inode number to identity, guarded by one
 * mutex that is held only for table work, never across a network call.
 *
 * A walk of the mount holds an entry for every snapshot the kernel looked
 * up, so entries are kept small: the disk id, which every snapshot of a
 * disk repeats, is one reference-counted copy per disk (the disks table),
 * and an entry holds only the snapshot id itself: 64 bytes of heap for a
 * snapshot with an 18-digit id (96 when each entry held both ids).
 */
#include "inode.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* How far a colliding identity may move from its hashed number. */
#define PROBE_MAX 8

/* What both tables chain: the first member of their nodes. */
struct link {
	struct link *next;
};

/* A disk id, shared by the entries of that disk. */
struct disk_name {
	struct link link;
	uint64_t refs;               /* entries that point to it */
	char id[];
};

struct inode {
	struct link link;
	uint64_t ino;
	uint64_t nlookup;
	struct disk_name *disk;      /* NULL: no disk id */
	unsigned char kind;          /* enum zecfs_kind */
	char obj_id[];              /* "" when none */
};

/* A chained hash table of links. */
struct table {
	struct link **buckets;
	size_t nbuckets;             /* a power of two */
	size_t count;
};

struct zecfs_inodes {
	pthread_mutex_t lock;
	struct table inodes;         /* struct inode, by number */
	struct table disks;          /* struct disk_name, by id */
};

static bool fixed_kind(enum zecfs_kind kind, uint64_t *ino)
{
	switch (kind) {
	case ZECFS_ROOT: *ino = ZECFS_INO_ROOT; return true;
	case ZECFS_BYNAME_DIR: *ino = ZECFS_INO_BYNAME; return true;
	case ZECFS_STATS_DIR: *ino = ZECFS_INO_STATSD; return true;
	case ZECFS_STATS_FILE: *ino = ZECFS_INO_STATS; return true;
	case ZECFS_METRICS_FILE: *ino = ZECFS_INO_METRICS; return true;
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
static uint64_t ident_hash(enum zecfs_kind kind, const char *disk_id, const char *obj_id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ (uint64_t)kind) * 0x100000001b3ULL;
	for (const char *p = disk_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (const char *p = obj_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = mix(h) & 0x7fffffffffffffffULL;      /* st_ino stays positive as off_t */
	return h < ZECFS_INO_FIRST ? h + ZECFS_INO_FIRST : h;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix(h);
}

static const char *disk_of(const struct inode *n)
{
	return n->disk ? n->disk->id : "";
}

static struct link **bucket(struct table *tb, uint64_t h)
{
	return &tb->buckets[h & (tb->nbuckets - 1)];
}

static int table_init(struct table *tb, size_t nbuckets)
{
	tb->nbuckets = nbuckets;
	tb->count = 0;
	tb->buckets = calloc(tb->nbuckets, sizeof(*tb->buckets));
	return tb->buckets ? 0 : -ENOMEM;
}

/* The node a link is the first member of. */
static struct inode *inode_of(struct link *l)
{
	return (struct inode *)l;
}

static struct disk_name *disk_name_of(struct link *l)
{
	return (struct disk_name *)l;
}

static struct inode *find(struct zecfs_inodes *t, uint64_t ino)
{
	for (struct link *l = *bucket(&t->inodes, mix(ino)); l; l = l->next) {
		if (inode_of(l)->ino == ino)
			return inode_of(l);
	}
	return NULL;
}

static bool same(const struct inode *n, enum zecfs_kind kind, const char *disk_id,
                 const char *obj_id)
{
	return n->kind == kind && strcmp(disk_of(n), disk_id) == 0 &&
	       strcmp(n->obj_id, obj_id) == 0;
}

static uint64_t inode_hash(struct link *l)
{
	return mix(inode_of(l)->ino);
}

static uint64_t disk_hash(struct link *l)
{
	return str_hash(disk_name_of(l)->id);
}

static void chain(struct table *tb, struct link *l, uint64_t h)
{
	struct link **b = bucket(tb, h);

	l->next = *b;
	*b = l;
}

/* Unlinks l, which the table holds; the caller frees it. */
static void table_remove(struct table *tb, struct link *l, uint64_t h)
{
	for (struct link **pp = bucket(tb, h); *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			tb->count--;
			return;
		}
	}
}

/* Doubles the bucket array when it is dense; on ENOMEM it just stays denser. */
static void table_grow(struct table *tb, uint64_t (*hash)(struct link *l))
{
	struct link **old = tb->buckets;
	size_t n = tb->nbuckets;
	struct link **fresh;

	if (tb->count < n * 2)
		return;
	fresh = calloc(n * 2, sizeof(*fresh));
	if (!fresh)
		return;
	tb->buckets = fresh;
	tb->nbuckets = n * 2;
	for (size_t i = 0; i < n; i++) {
		while (old[i]) {
			struct link *e = old[i];

			old[i] = e->next;
			chain(tb, e, hash(e));
		}
	}
	free(old);
}

static void table_add(struct table *tb, struct link *l, uint64_t (*hash)(struct link *l))
{
	table_grow(tb, hash);
	chain(tb, l, hash(l));
	tb->count++;
}

/* With the lock held: the shared copy of a disk id, one more reference. */
static struct disk_name *disk_get(struct zecfs_inodes *t, const char *id, size_t len)
{
	uint64_t h = str_hash(id);
	struct disk_name *d;

	for (struct link *l = *bucket(&t->disks, h); l; l = l->next) {
		d = disk_name_of(l);
		if (strcmp(d->id, id) == 0) {
			d->refs++;
			return d;
		}
	}
	d = malloc(sizeof(*d) + len + 1);
	if (!d)
		return NULL;
	d->refs = 1;
	memcpy(d->id, id, len + 1);
	table_add(&t->disks, &d->link, disk_hash);
	return d;
}

/* With the lock held: drops a reference to a disk id. */
static void disk_put(struct zecfs_inodes *t, struct disk_name *d)
{
	if (!d || --d->refs)
		return;
	table_remove(&t->disks, &d->link, disk_hash(&d->link));
	free(d);
}

int zecfs_inodes_new(struct zecfs_inodes **out)
{
	struct zecfs_inodes *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	if (table_init(&t->inodes, 1024) || table_init(&t->disks, 64)) {
		free(t->inodes.buckets);
		free(t->disks.buckets);
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
	for (size_t i = 0; i < t->inodes.nbuckets; i++) {
		while (t->inodes.buckets[i]) {
			struct inode *e = inode_of(t->inodes.buckets[i]);

			t->inodes.buckets[i] = e->link.next;
			disk_put(t, e->disk);
			free(e);
		}
	}
	free(t->inodes.buckets);
	free(t->disks.buckets);     /* empty now: every entry put its disk */
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* With the lock held: the node of that identity, or the number it gets. */
static struct inode *probe(struct zecfs_inodes *t, enum zecfs_kind kind,
                           const char *disk_id, const char *obj_id, uint64_t *free_ino)
{
	uint64_t base = ident_hash(kind, disk_id, obj_id);

	*free_ino = 0;
	for (uint64_t i = 0; i < PROBE_MAX; i++) {
		uint64_t ino = base + i;
		struct inode *n = find(t, ino);

		if (n && same(n, kind, disk_id, obj_id))
			return n;
		if (!n && !*free_ino)
			*free_ino = ino;
	}
	return NULL;
}

int zecfs_inode_ref(struct zecfs_inodes *t, enum zecfs_kind kind, const char *disk_id,
                  const char *obj_id, uint64_t *ino)
{
	size_t ld, ls;
	struct inode *n;
	uint64_t free_ino;
	int ret = 0;

	if (fixed_kind(kind, ino))
		return 0;
	disk_id = disk_id ? disk_id : "";
	obj_id = obj_id ? obj_id : "";
	ld = strlen(disk_id);
	ls = strlen(obj_id);
	if (ld > ZECFS_ID_MAX || ls > ZECFS_ID_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&t->lock);
	n = probe(t, kind, disk_id, obj_id, &free_ino);
	if (n) {
		n->nlookup++;
		*ino = n->ino;
		goto out;
	}
	if (!free_ino) {
		ret = -ENOSPC;          /* PROBE_MAX live collisions: not in this universe */
		goto out;
	}
	n = malloc(offsetof(struct inode, obj_id) + ls + 1);
	if (!n) {
		ret = -ENOMEM;
		goto out;
	}
	n->disk = NULL;
	if (ld && !(n->disk = disk_get(t, disk_id, ld))) {
		free(n);
		ret = -ENOMEM;
		goto out;
	}
	n->ino = free_ino;
	n->nlookup = 1;
	n->kind = (unsigned char)kind;
	memcpy(n->obj_id, obj_id, ls + 1);
	table_add(&t->inodes, &n->link, inode_hash);
	*ino = n->ino;
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void zecfs_inode_forget(struct zecfs_inodes *t, uint64_t ino, uint64_t nlookup)
{
	struct inode *n;

	if (ino < ZECFS_INO_FIRST)
		return;
	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n) {
		n->nlookup = nlookup >= n->nlookup ? 0 : n->nlookup - nlookup;
		if (n->nlookup == 0) {
			table_remove(&t->inodes, &n->link, inode_hash(&n->link));
			disk_put(t, n->disk);
			free(n);
		}
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
	case ZECFS_INO_METRICS: out->kind = ZECFS_METRICS_FILE; return 0;
	case ZECFS_INO_POLICIES: out->kind = ZECFS_POLICIES_DIR; return 0;
	default: break;
	}
	pthread_mutex_lock(&t->lock);
	n = find(t, ino);
	if (n) {
		out->kind = (enum zecfs_kind)n->kind;
		strcpy(out->disk_id, disk_of(n));    /* both bounded by ZECFS_ID_MAX */
		strcpy(out->obj_id, n->obj_id);
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

uint64_t zecfs_inode_peek(struct zecfs_inodes *t, enum zecfs_kind kind,
                        const char *disk_id, const char *obj_id)
{
	struct inode *n;
	uint64_t ino = 0;

	if (fixed_kind(kind, &ino))
		return ino;
	disk_id = disk_id ? disk_id : "";
	obj_id = obj_id ? obj_id : "";
	pthread_mutex_lock(&t->lock);
	n = probe(t, kind, disk_id, obj_id, &ino);
	if (n)
		ino = n->ino;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

uint64_t zecfs_inodes_count(struct zecfs_inodes *t)
{
	uint64_t n;

	pthread_mutex_lock(&t->lock);
	n = t->inodes.count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

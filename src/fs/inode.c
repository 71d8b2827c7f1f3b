/*
 * inode.c - inode numbers and lookup counts (see inode.h).
 *
 * Two tables under one mutex, held only for table work, never across a
 * network call:
 *
 *   snaps   a snapshot's directory and its snapshot.json, when the id is a
 *           decimal number below 2^61 (the API's ids are 19 digits at
 *           most, about 1.3e18 today): the number is the id itself with a
 *           kind bit, so the table holds only what the number cannot say,
 *           the disk (an index) and the lookup count, 12 bytes a slot in
 *           an open-addressed array kept up to 80% full (Robin Hood
 *           probing keeps the runs short at that load);
 *   inodes  every other identity: a chained hash table from the hashed
 *           number to the identity (the kind, the disk, the object id).
 *
 * A walk of the mount holds an entry for every snapshot the kernel looked
 * up, so the snapshot kinds take no allocation each and the disk id, which
 * every snapshot of a disk repeats, is one reference-counted copy per disk
 * (the disks table).  A snapshot.json takes no slot of its own while its
 * snapshot's directory is held: the kernel cannot hold a file without its
 * parent directory's dentry, which holds the directory's inode, so the
 * directory's slot says the disk, and the file's counts are not needed to
 * free anything.  Only a snapshot.json referenced without its directory
 * held (never, from the kernel) gets a slot.  A derived number whose disk
 * index or lookup count outgrows its slot's bits (over a million disks
 * held, over 4095 references) moves to the inodes table, under the same
 * number, with the text of its id.
 *
 * Numbers: 1-15 fixed, [16, 2^62) hashed, [2^62, 2^63) derived from a
 * snapshot id (bit 61: snapshot.json).  The top bit is never set: the
 * passthrough under snapshots/<name>/files/ numbers its nodes there.
 */
#include "inode.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zec_num.h"

/* How far a colliding identity may move from its hashed number. */
#define PROBE_MAX 8
#define SLOTS_DOUBLE_MAX 65536      /* slots (768 KiB): then growth by a quarter */

/* The number ranges (see above). */
#define HASHED_END   (1ULL << 62)
#define DERIVED      (1ULL << 62)
#define DERIVED_JSON (1ULL << 61)
#define DERIVED_ID   (DERIVED_JSON - 1)

/*
 * A derived number's slot, 12 bytes: the number in two halves (0: empty),
 * then its disk (disk_vec index) and its lookup count in one word.
 */
struct slot {
	uint32_t lo, hi;
	uint32_t meta;               /* disk | nlookup << SLOT_DISK_BITS */
};

/* Bits of a slot's word for the disk index (a unit test builds it with few). */
#ifndef ZECFS_INODE_DISK_BITS
#define ZECFS_INODE_DISK_BITS 20
#endif
#define SLOT_DISK_BITS ZECFS_INODE_DISK_BITS
#define SLOT_DISK_MAX  ((1u << SLOT_DISK_BITS) - 1)
#define SLOT_NL_MAX    ((1u << (32 - SLOT_DISK_BITS)) - 1)

/* What both tables chain: the first member of their nodes. */
struct link {
	struct link *next;
};

/* A disk id, shared by the entries of that disk. */
struct disk_name {
	struct link link;
	uint64_t refs;               /* entries that point to it */
	uint32_t idx;                /* its place in disk_vec */
	char id[];
};

struct inode {
	struct link link;
	uint64_t ino;
	uint64_t nlookup;
	struct disk_name *disk;      /* NULL: no disk id */
	unsigned char kind;          /* enum zecfs_kind */
	bool displaced;              /* not at its hashed number (a collision) */
	char obj_id[];              /* "" when none */
};

/* The derived numbers' open-addressed table (linear, Robin Hood probing). */
struct slots {
	struct slot *v;
	size_t cap;                  /* any size below 2^32, or 0 */
	size_t count;
};

/* Disk names by index, for the slots (16 bytes each, no pointer). */
struct disk_vec {
	struct disk_name **v;        /* NULL: a free index */
	uint32_t n, cap;
	uint32_t *free;              /* indices free for reuse */
	uint32_t n_free;
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
	struct slots snaps;          /* derived numbers */
	struct disk_vec disk_vec;
	size_t displaced;            /* inodes not at their hashed number */
	size_t outgrown;             /* derived numbers in the inodes table */
	size_t json_slots;           /* snapshot.json numbers in the slots */
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
	h = mix(h) & (HASHED_END - 1);
	return h < ZECFS_INO_FIRST ? h + ZECFS_INO_FIRST : h;
}

/* The i-th number a hashed identity may take: stays in [16, 2^62). */
static uint64_t hashed_at(uint64_t base, uint64_t i)
{
	uint64_t ino = base + i;

	return ino >= HASHED_END ? ino - HASHED_END + ZECFS_INO_FIRST : ino;
}

/*
 * The number derived from a snapshot's id, or 0 when the id is not a
 * plain decimal below 2^61 (then the identity is hashed like the others).
 * num, when not 0, is the id's number (obj_id is its decimal writing).
 */
static uint64_t derived(enum zecfs_kind kind, const char *obj_id, uint64_t num)
{
	uint64_t id = 0;
	const char *p = obj_id;

	if (kind != ZECFS_SNAPSHOT && kind != ZECFS_SNAP_JSON)
		return 0;
	/* the bound the digits' loop below applies, to the same numbers */
	if (num)
		return num / 10 <= (DERIVED_ID - 9) / 10 ?
		       DERIVED | (kind == ZECFS_SNAP_JSON ? DERIVED_JSON : 0) | num : 0;
	if (*p < '1' || *p > '9')
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || id > (DERIVED_ID - 9) / 10)
			return 0;
		id = id * 10 + (uint64_t)(*p - '0');
	}
	return DERIVED | (kind == ZECFS_SNAP_JSON ? DERIVED_JSON : 0) | id;
}

enum zecfs_kind zecfs_inode_number_kind(uint64_t ino)
{
	if (ino < DERIVED || ino >= DERIVED << 1)
		return 0;
	return ino & DERIVED_JSON ? ZECFS_SNAP_JSON : ZECFS_SNAPSHOT;
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

/* With the lock held: a free index in disk_vec for d; false on ENOMEM. */
static bool disk_vec_add(struct disk_vec *dv, struct disk_name *d)
{
	if (dv->n_free) {
		d->idx = dv->free[--dv->n_free];
	} else {
		if (dv->n == dv->cap) {
			uint32_t cap = dv->cap ? dv->cap * 2 : 16;
			struct disk_name **v = realloc(dv->v, cap * sizeof(*v));
			uint32_t *fr;

			if (!v)
				return false;
			dv->v = v;
			fr = realloc(dv->free, cap * sizeof(*fr));
			if (!fr)
				return false;
			dv->free = fr;
			dv->cap = cap;
		}
		d->idx = dv->n++;
	}
	dv->v[d->idx] = d;
	return true;
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
	if (!disk_vec_add(&t->disk_vec, d)) {
		free(d);
		return NULL;
	}
	table_add(&t->disks, &d->link, disk_hash);
	return d;
}

/* With the lock held: drops a reference to a disk id. */
static void disk_put(struct zecfs_inodes *t, struct disk_name *d)
{
	if (!d || --d->refs)
		return;
	table_remove(&t->disks, &d->link, disk_hash(&d->link));
	t->disk_vec.v[d->idx] = NULL;
	t->disk_vec.free[t->disk_vec.n_free++] = d->idx;   /* room: cap >= n */
	free(d);
}

/* ---- the derived numbers' slots ------------------------------------------ */

static uint64_t slot_ino(const struct slot *e)
{
	return (uint64_t)e->hi << 32 | e->lo;
}

static uint32_t slot_disk(const struct slot *e)
{
	return e->meta & SLOT_DISK_MAX;
}

static uint32_t slot_nlookup(const struct slot *e)
{
	return e->meta >> SLOT_DISK_BITS;
}

static void slot_set(struct slot *e, uint64_t ino, uint32_t disk, uint32_t nlookup)
{
	e->lo = (uint32_t)ino;
	e->hi = (uint32_t)(ino >> 32);
	e->meta = disk | nlookup << SLOT_DISK_BITS;
}

/* Where a number's probe starts: the hash scaled to the capacity. */
static size_t slot_home(const struct slots *sl, uint64_t ino)
{
	return (size_t)(((mix(ino) >> 32) * (uint64_t)sl->cap) >> 32);
}

/* How far the entry in slot i sits past its home. */
static size_t slot_dist(const struct slots *sl, size_t i)
{
	size_t home = slot_home(sl, slot_ino(&sl->v[i]));

	return i >= home ? i - home : i + sl->cap - home;
}

static size_t slot_next(const struct slots *sl, size_t i)
{
	return i + 1 == sl->cap ? 0 : i + 1;
}

/*
 * With the lock held: the slot of a derived number, or NULL.  Entries are
 * ordered by their distance from home along a run (Robin Hood), so the
 * search stops at the first entry nearer its home than this one would be.
 */
static struct slot *slot_find(struct slots *sl, uint64_t ino)
{
	if (!sl->cap)
		return NULL;
	for (size_t i = slot_home(sl, ino), d = 0;; i = slot_next(sl, i), d++) {
		if (slot_ino(&sl->v[i]) == ino)
			return &sl->v[i];
		if (!slot_ino(&sl->v[i]) || slot_dist(sl, i) < d)
			return NULL;
	}
}

/*
 * Puts an entry that is not there yet (there is a free slot): it takes the
 * place of the first entry nearer its home than it is, which moves on.
 */
static void slot_put(struct slots *sl, struct slot e)
{
	for (size_t i = slot_home(sl, slot_ino(&e)), d = 0;; i = slot_next(sl, i), d++) {
		size_t di;

		if (!slot_ino(&sl->v[i])) {
			sl->v[i] = e;
			return;
		}
		di = slot_dist(sl, i);
		if (di < d) {
			struct slot t = sl->v[i];

			sl->v[i] = e;
			e = t;
			d = di;
		}
	}
}

/*
 * Keeps the array at most 80% full, doubling it up to SLOTS_DOUBLE_MAX
 * (a first walk of 10,000 snapshots moved each entry 4 times growing by a
 * quarter from the start: 150 instructions a request) and growing it by a
 * quarter after (a walk's millions of entries cost 12 bytes over 64-80%
 * of their slots); on ENOMEM it stays fuller (false when full).  Not
 * fuller: an insertion's probe grows as 1 / (1 - load)^2, and at 90% it
 * cost 870 instructions, a tenth of a walk's READDIRPLUS.
 */
static bool slots_room(struct slots *sl)
{
	size_t cap = !sl->cap ? 1024 :
	             sl->cap < SLOTS_DOUBLE_MAX ? sl->cap * 2 : sl->cap + sl->cap / 4;
	struct slot *old = sl->v, *fresh;
	size_t old_cap = sl->cap;

	if ((sl->count + 1) * 5 <= sl->cap * 4)
		return true;
	if (cap > UINT32_MAX || !(fresh = calloc(cap, sizeof(*fresh))))
		return sl->count + 1 < sl->cap;
	sl->v = fresh;
	sl->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (slot_ino(&old[i]))
			slot_put(sl, old[i]);
	}
	free(old);
	return true;
}

/* Empties a slot, moving back the entries after it that are past their home. */
static void slot_remove(struct slots *sl, struct slot *gone)
{
	size_t hole = (size_t)(gone - sl->v);

	for (size_t i = slot_next(sl, hole); slot_ino(&sl->v[i]) && slot_dist(sl, i) > 0;
	     i = slot_next(sl, i)) {
		sl->v[hole] = sl->v[i];
		hole = i;
	}
	memset(&sl->v[hole], 0, sizeof(sl->v[hole]));
	sl->count--;
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
	for (size_t i = 0; i < t->snaps.cap; i++) {
		if (slot_ino(&t->snaps.v[i]))
			disk_put(t, t->disk_vec.v[slot_disk(&t->snaps.v[i])]);
	}
	free(t->snaps.v);
	free(t->disk_vec.v);
	free(t->disk_vec.free);
	free(t->inodes.buckets);
	free(t->disks.buckets);     /* empty now: every entry put its disk */
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/*
 * With the lock held: the node of that identity, or the number it gets.
 * An identity is at its hashed number unless a collision moved it, which
 * almost never happens: while nothing is displaced, the first number says.
 */
static struct inode *probe(struct zecfs_inodes *t, enum zecfs_kind kind,
                           const char *disk_id, const char *obj_id, uint64_t *free_ino)
{
	uint64_t base = ident_hash(kind, disk_id, obj_id);
	uint64_t tries = t->displaced ? PROBE_MAX : 1;

	*free_ino = 0;
	for (uint64_t i = 0; i < PROBE_MAX; i++) {
		uint64_t ino = hashed_at(base, i);
		struct inode *n = find(t, ino);

		if (n && same(n, kind, disk_id, obj_id))
			return n;
		if (!n && !*free_ino)
			*free_ino = ino;
		if (*free_ino && i + 1 >= tries)
			break;
	}
	return NULL;
}

/*
 * With the lock held: a new node of the inodes table at 'ino', holding a
 * reference to d (taken by the caller) and the count; NULL on ENOMEM.
 */
static struct inode *node_add(struct zecfs_inodes *t, uint64_t ino, enum zecfs_kind kind,
                              struct disk_name *d, const char *obj_id, uint64_t nlookup)
{
	size_t ls = strlen(obj_id);
	struct inode *n = malloc(offsetof(struct inode, obj_id) + ls + 1);

	if (!n)
		return NULL;
	n->ino = ino;
	n->nlookup = nlookup;
	n->disk = d;
	n->kind = (unsigned char)kind;
	n->displaced = false;
	memcpy(n->obj_id, obj_id, ls + 1);
	table_add(&t->inodes, &n->link, inode_hash);
	return n;
}

/* With the lock held: a derived number as a node of its own, with the id's text. */
static struct inode *derived_node_add(struct zecfs_inodes *t, uint64_t ino,
                                      struct disk_name *d, uint64_t nlookup)
{
	char id[ZEC_U64_DEC_LEN];
	struct inode *n;

	zec_u64_dec(ino & DERIVED_ID, id);
	n = node_add(t, ino, ino & DERIVED_JSON ? ZECFS_SNAP_JSON : ZECFS_SNAPSHOT, d, id,
	             nlookup);
	t->outgrown += n != NULL;
	return n;
}

/*
 * With the lock held: a derived number's slot, or NULL.  A snapshot.json
 * almost never has one (its directory's slot covers it): while none has,
 * its miss costs no probe.
 */
static struct slot *held_slot(struct zecfs_inodes *t, uint64_t ino)
{
	if ((ino & DERIVED_JSON) && !t->json_slots)
		return NULL;
	return slot_find(&t->snaps, ino);
}

/* With the lock held: empties a held slot. */
static void drop_slot(struct zecfs_inodes *t, struct slot *e)
{
	t->json_slots -= (slot_ino(e) & DERIVED_JSON) != 0;
	slot_remove(&t->snaps, e);
}

/*
 * With the lock held: a derived number that outgrew its slot, or NULL.
 * Almost never one: then a miss in the slots costs no look in the table.
 */
static struct inode *find_outgrown(struct zecfs_inodes *t, uint64_t ino)
{
	return t->outgrown ? find(t, ino) : NULL;
}

/* With the lock held: the disk id of a held derived number, or NULL. */
static const char *derived_disk(struct zecfs_inodes *t, uint64_t ino)
{
	struct slot *e = held_slot(t, ino);
	struct inode *n;

	if (e)
		return t->disk_vec.v[slot_disk(e)]->id;
	n = find_outgrown(t, ino);
	return n ? disk_of(n) : NULL;
}

/* With the lock held: one more reference to a derived number. */
static int ref_derived(struct zecfs_inodes *t, uint64_t ino, const char *disk_id, size_t ld)
{
	struct slot *e = held_slot(t, ino), fresh;
	struct disk_name *d;
	struct inode *n;

	if (e && slot_nlookup(e) < SLOT_NL_MAX) {
		e->meta += 1u << SLOT_DISK_BITS;
		return 0;
	}
	if (e) {
		/* the count outgrew the slot: the entry moves, its disk reference with it
		 * (out of memory, the count saturates: freed only by a forget of all) */
		if (derived_node_add(t, ino, t->disk_vec.v[slot_disk(e)], SLOT_NL_MAX + 1))
			drop_slot(t, e);
		return 0;
	}
	if ((n = find_outgrown(t, ino)) != NULL) {
		n->nlookup++;
		return 0;
	}
	if (!slots_room(&t->snaps))
		return -ENOMEM;
	d = disk_get(t, disk_id, ld);
	if (!d)
		return -ENOMEM;
	if (d->idx > SLOT_DISK_MAX) {
		if (derived_node_add(t, ino, d, 1))
			return 0;
		disk_put(t, d);
		return -ENOMEM;
	}
	slot_set(&fresh, ino, d->idx, 1);
	slot_put(&t->snaps, fresh);
	t->snaps.count++;
	t->json_slots += (ino & DERIVED_JSON) != 0;
	return 0;
}

/* With the lock held: is a snapshot.json's directory held, on that disk? */
static bool under_held_dir(struct zecfs_inodes *t, uint64_t json_ino, const char *disk_id)
{
	const char *dir = derived_disk(t, json_ino & ~DERIVED_JSON);

	return dir && strcmp(dir, disk_id) == 0;
}

static int ref(struct zecfs_inodes *t, enum zecfs_kind kind, const char *disk_id,
               const char *obj_id, uint64_t num, uint64_t *ino)
{
	struct disk_name *d = NULL;
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
	free_ino = derived(kind, obj_id, num);
	pthread_mutex_lock(&t->lock);
	if (free_ino && ld && (free_ino & DERIVED_JSON) && !derived_disk(t, free_ino) &&
	    under_held_dir(t, free_ino, disk_id)) {
		*ino = free_ino;        /* covered by its directory's slot (see above) */
		goto out;
	}
	if (free_ino && ld) {
		ret = ref_derived(t, free_ino, disk_id, ld);
		if (!ret)
			*ino = free_ino;
		goto out;
	}
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
	if (ld && !(d = disk_get(t, disk_id, ld))) {
		ret = -ENOMEM;
		goto out;
	}
	if (!(n = node_add(t, free_ino, kind, d, obj_id, 1))) {
		disk_put(t, d);
		ret = -ENOMEM;
		goto out;
	}
	n->displaced = free_ino != ident_hash(kind, disk_id, obj_id);
	t->displaced += n->displaced;
	*ino = n->ino;
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int zecfs_inode_ref(struct zecfs_inodes *t, enum zecfs_kind kind, const char *disk_id,
                  const char *obj_id, uint64_t *ino)
{
	return ref(t, kind, disk_id, obj_id, 0, ino);
}

int zecfs_inode_ref_ident(struct zecfs_inodes *t, const struct zecfs_ident *id, uint64_t *ino)
{
	return ref(t, id->kind, id->disk_id, id->obj_id, id->snap_num, ino);
}

void zecfs_inode_forget(struct zecfs_inodes *t, uint64_t ino, uint64_t nlookup)
{
	struct inode *n;
	struct slot *e;

	if (ino < ZECFS_INO_FIRST)
		return;
	pthread_mutex_lock(&t->lock);
	if (ino >= DERIVED && (e = held_slot(t, ino)) != NULL) {
		if (nlookup >= slot_nlookup(e)) {
			disk_put(t, t->disk_vec.v[slot_disk(e)]);
			drop_slot(t, e);
		} else {
			e->meta -= (uint32_t)nlookup << SLOT_DISK_BITS;
		}
		goto out;
	}
	n = ino >= DERIVED ? find_outgrown(t, ino) : find(t, ino);
	if (n) {
		n->nlookup = nlookup >= n->nlookup ? 0 : n->nlookup - nlookup;
		if (n->nlookup == 0) {
			table_remove(&t->inodes, &n->link, inode_hash(&n->link));
			t->displaced -= n->displaced;
			t->outgrown -= n->ino >= DERIVED;
			disk_put(t, n->disk);
			free(n);
		}
	}
out:
	pthread_mutex_unlock(&t->lock);
}

int zecfs_inode_ident(struct zecfs_inodes *t, uint64_t ino, struct zecfs_ident *out)
{
	const char *disk = NULL;
	struct inode *n;
	int ret = 0;

	out->kind = 0;
	out->disk_id[0] = out->obj_id[0] = '\0';
	out->snap_num = 0;
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
	/* a derived number says its kind and id; its own entry or, for a
	 * snapshot.json, its directory's says the disk */
	if (ino >= DERIVED && !(disk = derived_disk(t, ino)) && (ino & DERIVED_JSON))
		disk = derived_disk(t, ino & ~DERIVED_JSON);
	if (disk) {
		out->kind = ino & DERIVED_JSON ? ZECFS_SNAP_JSON : ZECFS_SNAPSHOT;
		strcpy(out->disk_id, disk);    /* bounded by ZECFS_ID_MAX */
		zec_u64_dec(ino & DERIVED_ID, out->obj_id);
		out->snap_num = ino & DERIVED_ID;
	} else if (ino < DERIVED && (n = find(t, ino)) != NULL) {
		out->kind = (enum zecfs_kind)n->kind;
		strcpy(out->disk_id, disk_of(n));    /* both bounded by ZECFS_ID_MAX */
		strcpy(out->obj_id, n->obj_id);
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* The number an identity has (held), or would get (!held); 0: none. */
static uint64_t lookup(struct zecfs_inodes *t, enum zecfs_kind kind, const char *disk_id,
                       const char *obj_id, bool held)
{
	struct inode *n;
	uint64_t ino = 0;

	if (fixed_kind(kind, &ino))
		return ino;
	disk_id = disk_id ? disk_id : "";
	obj_id = obj_id ? obj_id : "";
	ino = derived(kind, obj_id, 0);
	if (ino && *disk_id && !held)
		return ino;             /* the same whether held or not: no lock */
	pthread_mutex_lock(&t->lock);
	if (ino && *disk_id) {
		if (!derived_disk(t, ino) &&
		    !((ino & DERIVED_JSON) && under_held_dir(t, ino, disk_id)))
			ino = 0;
	} else {
		n = probe(t, kind, disk_id, obj_id, &ino);
		ino = n ? n->ino : held ? 0 : ino;
	}
	pthread_mutex_unlock(&t->lock);
	return ino;
}

uint64_t zecfs_inode_peek(struct zecfs_inodes *t, enum zecfs_kind kind,
                        const char *disk_id, const char *obj_id)
{
	return lookup(t, kind, disk_id, obj_id, false);
}

uint64_t zecfs_inode_held(struct zecfs_inodes *t, enum zecfs_kind kind,
                          const char *disk_id, const char *obj_id)
{
	return lookup(t, kind, disk_id, obj_id, true);
}

uint64_t zecfs_inodes_count(struct zecfs_inodes *t)
{
	uint64_t n;

	pthread_mutex_lock(&t->lock);
	n = t->inodes.count + t->snaps.count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/*
 * dir.c - directories: OPENDIR (declined where the kernel can skip it) and
 * READDIR/READDIRPLUS with real offsets and real inode numbers.
 *
 * Offsets are cookies of the entries' names (dir_order.c), so a scan is
 * stable while the listing changes under it, and every entry carries its
 * inode number, so no libfuse version loses entries or hands the kernel
 * d_ino 0.  READDIRPLUS gives each entry's attributes and takes one lookup
 * reference for it (none for . and ..), given back if the reply fails.
 */
#include "zecfs.h"
#include "browse.h"
#include "dir_order.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zec_errno.h"

/* Set in init: the kernel will not send OPENDIR again once declined. */
static bool no_opendir;

void zecfs_dir_decline_opendir(void)
{
	no_opendir = true;
}

bool zecfs_is_dir(enum zecfs_kind kind)
{
	switch (kind) {
	case ZECFS_ROOT:
	case ZECFS_BYNAME_DIR:
	case ZECFS_STATS_DIR:
	case ZECFS_DISK:
	case ZECFS_SNAPDIR:
	case ZECFS_SNAPSHOT:
	case ZECFS_POLICIES_DIR:
	case ZECFS_POLICY:
		return true;
	default:
		return false;
	}
}

void zecfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "opendir" };
	struct zecfs_node n;
	int ret;

	if (no_opendir) {
		/* the kernel then opens directories itself, caching their contents */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (zecfs_pt_is(ino)) {
		zecfs_pt_opendir(req, ino, fi);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	if (!ret && !zecfs_is_dir(n.id.kind))
		ret = -ENOTDIR;
	zecfs_node_release(&n);
	if (ret) {
		zecfs_reply_err(req, ret);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* A name that can stand in a directory: not empty, no '/', not . or .. */
static bool showable(const char *name)
{
	return zecfs_name_ok(name, 255);
}

/* One directory entry to hand to the kernel. */
struct dent {
	const char *name;
	struct zecfs_node node;        /* borrows the parent's lists */
};

/*
 * The i-th entry of a directory (0 and 1 are . and ..); false past the end.
 * Entries that cannot be shown (bad names or ids from the server) come back
 * with name NULL, keeping their place.  Without 'full' only d->name is
 * set: ordering a listing needs the names alone, and writing out each
 * snapshot's id and identity for it cost a tenth of a first walk's
 * READDIRPLUS.
 */
static bool nth_entry(const struct zecfs_node *dir, size_t i, struct dent *d, bool full)
{
	if (full) {
		memset(d, 0, sizeof(*d));
	} else {
		d->name = NULL;
		d->node.disk = NULL;
	}
	d->node.id.kind = ZECFS_ROOT;
	if (i < 2) {
		d->name = i == 0 ? "." : "..";
		return true;
	}
	i -= 2;
	switch (dir->id.kind) {
	case ZECFS_ROOT:
		if (i < 2) {
			d->name = i == 0 ? ".by-name" : ".policies";
			d->node.id.kind = i == 0 ? ZECFS_BYNAME_DIR : ZECFS_POLICIES_DIR;
			return true;
		}
		if ((i -= 2) >= dir->dl->n)
			return false;
		d->node.disk = &dir->dl->v[i];
		d->node.id.kind = ZECFS_DISK;
		d->name = d->node.disk->d.disk_id;      /* checked when listed */
		break;
	case ZECFS_BYNAME_DIR:
		if (i >= dir->dl->n)
			return false;
		d->node.disk = &dir->dl->v[i];
		d->node.id.kind = ZECFS_BYNAME_LINK;
		if (showable(d->node.disk->d.disk_name) &&
		    zecfs_disk_by_name(dir->dl, d->node.disk->d.disk_name) == d->node.disk)
			d->name = d->node.disk->d.disk_name;
		break;
	case ZECFS_DISK: {
		static const char *const names[] = { "disk.json", "snapshots", "snapshots.json" };
		static const enum zecfs_kind kinds[] = { ZECFS_DISK_JSON, ZECFS_SNAPDIR, ZECFS_SNAPS_JSON };

		if (i >= 3)
			return false;
		d->name = names[i];
		d->node.id.kind = kinds[i];
		d->node.disk = dir->disk;
		break;
	}
	case ZECFS_SNAPDIR:
		if (i >= dir->sl->n)
			return false;
		d->node.disk = dir->disk;
		d->node.snap = &dir->sl->v[i];
		d->node.id.kind = ZECFS_SNAPSHOT;
		d->name = zecfs_snap_name(d->node.snap);  /* checked when listed */
		if (full) {
			zecfs_snap_id_to(d->node.snap, d->node.id.obj_id,
			                 sizeof(d->node.id.obj_id));
			d->node.id.snap_num = zecfs_snap_num(d->node.snap);
		}
		break;
	case ZECFS_STATS_DIR:
		if (i >= 2)
			return false;
		d->name = i == 0 ? "metrics" : "stats";
		d->node.id.kind = i == 0 ? ZECFS_METRICS_FILE : ZECFS_STATS_FILE;
		break;
	case ZECFS_POLICIES_DIR:
		if (i >= dir->pl->n)
			return false;
		d->node.pol = &dir->pl->v[i];
		d->node.id.kind = ZECFS_POLICY;
		d->name = d->node.pol->name;            /* NULL: not shown */
		if (full)
			zecfs_id_set(d->node.id.obj_id, d->node.pol->p.policy_id);
		break;
	case ZECFS_POLICY:
		if (i > dir->pol->p.disk_ids.count)
			return false;
		d->node.pol = dir->pol;
		if (full)
			zecfs_id_set(d->node.id.obj_id, dir->id.obj_id);
		if (i == 0) {
			d->name = "policy.json";
			d->node.id.kind = ZECFS_POLICY_JSON;
			break;
		}
		d->node.id.kind = ZECFS_POLICY_LINK;
		if (zecfs_name_ok(dir->pol->p.disk_ids.v[i - 1], ZECFS_ID_MAX)) {
			d->name = dir->pol->p.disk_ids.v[i - 1];
			if (full)
				zecfs_id_set(d->node.id.disk_id, d->name);
		}
		break;
	case ZECFS_SNAPSHOT:
		if (i >= 1)
			return false;
		d->name = "snapshot.json";
		d->node.id.kind = ZECFS_SNAP_JSON;
		d->node.disk = dir->disk;
		d->node.snap = dir->snap;
		if (full) {
			zecfs_id_set(d->node.id.obj_id, dir->id.obj_id);
			d->node.id.snap_num = dir->id.snap_num;
		}
		break;
	default:
		return false;
	}
	if (full && d->node.disk)
		zecfs_id_set(d->node.id.disk_id, d->node.disk->d.disk_id);
	return true;
}

/* The inode of '..' for a directory. */
static uint64_t parent_ino(struct zecfs *fs, const struct zecfs_node *dir)
{
	switch (dir->id.kind) {
	case ZECFS_SNAPDIR:
		return zecfs_inode_peek(fs->inodes, ZECFS_DISK, dir->id.disk_id, NULL);
	case ZECFS_SNAPSHOT:
		return zecfs_inode_peek(fs->inodes, ZECFS_SNAPDIR, dir->id.disk_id, NULL);
	case ZECFS_POLICY:
		return ZECFS_INO_POLICIES;
	default:
		return ZECFS_INO_ROOT;
	}
}

/* Is a disk's snapshot listing in the cache (whatever its age)? */
static bool listed(struct zecfs *fs, const char *disk_id)
{
	struct zecfs_snaplist *sl = zecfs_cache_snapshots_cached(fs->cache, disk_id);

	zecfs_snaplist_put(sl);
	return sl != NULL;
}

/*
 * Adds one entry to buf; returns its size, or 0 when it does not fit.
 * With plus, the entry comes with its attributes and one lookup reference.
 */
static size_t add_entry(fuse_req_t req, struct zecfs *fs, const struct zecfs_node *dir,
                        struct dent *d, bool plus, char *buf, size_t left, off_t next,
                        uint64_t *referenced)
{
	struct fuse_entry_param e;
	size_t need;
	bool dot = d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2]));

	memset(&e, 0, sizeof(e));
	if (dot) {
		e.attr.st_ino = d->name[1] ? parent_ino(fs, dir) : dir->ino;
		e.attr.st_mode = S_IFDIR;
	} else if (plus && d->node.id.kind == ZECFS_SNAPS_JSON && !listed(fs, d->node.id.disk_id)) {
		/* its size costs a listing that a walk may not need: no attributes
		 * now, a lookup asks for them when it is used */
		e.attr.st_ino = zecfs_inode_peek(fs->inodes, d->node.id.kind, d->node.id.disk_id,
		                               d->node.id.obj_id);
		e.attr.st_mode = S_IFREG;
	} else if (plus) {
		if (zecfs_node_entry(fs, &d->node, &e))
			return SIZE_MAX;        /* skip it */
	} else {
		e.attr.st_ino = zecfs_inode_peek(fs->inodes, d->node.id.kind, d->node.id.disk_id,
		                               d->node.id.obj_id);
		e.attr.st_mode = zecfs_is_dir(d->node.id.kind) ? S_IFDIR :
		                 d->node.id.kind == ZECFS_BYNAME_LINK ||
		                 d->node.id.kind == ZECFS_POLICY_LINK ? S_IFLNK : S_IFREG;
	}
	if (!plus) {
		need = fuse_add_direntry(req, buf, left, d->name, &e.attr, next);
	} else {
		need = fuse_add_direntry_plus(req, buf, left, d->name, &e, next);
		if (need > left && e.ino)
			zecfs_inode_forget(fs->inodes, e.ino, 1);     /* not sent */
		else if (referenced)
			*referenced = e.ino;
	}
	return need > left ? 0 : need;
}

/* A directory's entries (indices for nth_entry, past . and ..) in cookie order. */
struct order {
	size_t n;
	uint32_t *idx;               /* right after the struct when allocated */
	const uint64_t *cookie;      /* each entry's, for the fixed orders; else NULL */
};

/* The cookie of o's k-th entry, whose name is 'name'. */
static uint64_t cookie_at(const struct order *o, size_t k, const char *name)
{
	return o->cookie ? o->cookie[k] : zecfs_dir_cookie(name);
}

/* Directories up to this size (a snapshot, a disk) are ordered on the stack. */
#define SMALL_ORDER 16

/*
 * The order of dir's entries: in 'small' (its idx holds SMALL_ORDER) when
 * given and big enough, else allocated (one block: free it).  'bound', when
 * known (a listed directory's entries), sizes the order and its scratch at
 * once, the order first: the orders a walk keeps then sit side by side, not
 * each between the holes its growing scratch left (1,100 snapshots/
 * directories: 3 MiB of such holes stayed resident).
 */
static struct order *build_order(const struct zecfs_node *dir, struct order *small,
                                 size_t bound)
{
	struct zecfs_keyed stack[2 * SMALL_ORDER], *k = stack;   /* cap entries, then the sort's */
	struct order *o = NULL, *grown_o;
	size_t n = 0, cap = SMALL_ORDER;
	struct dent d;

	if (bound > SMALL_ORDER || (bound && !small)) {
		if (!(o = malloc(sizeof(*o) + bound * sizeof(o->idx[0]))))
			return NULL;
	}
	if (bound > SMALL_ORDER) {
		if (!(k = malloc(2 * bound * sizeof(*k)))) {
			free(o);
			return NULL;
		}
		cap = bound;
	}
	for (size_t i = 2; nth_entry(dir, i, &d, false); i++) {
		if (!d.name)
			continue;
		if (n == cap) {
			struct zecfs_keyed *grown = k == stack ? malloc(4 * cap * sizeof(*k)) :
			                      realloc(k, 4 * cap * sizeof(*k));

			if (!grown) {
				free(o);
				o = NULL;
				goto out;
			}
			if (k == stack)
				memcpy(grown, stack, cap * sizeof(*k));
			k = grown;
			cap *= 2;
		}
		k[n].cookie = zecfs_dir_cookie(d.name);
		k[n].name = d.name;
		k[n].idx = (uint32_t)(i - 2);
		n++;
	}
	zecfs_keyed_sort(k, k + cap, n);
	if (small && n <= SMALL_ORDER) {
		free(o);
		o = small;
	} else if (!o || n > bound) {
		if (!(grown_o = realloc(o, sizeof(*o) + n * sizeof(o->idx[0])))) {
			free(o);
			o = NULL;
			goto out;
		}
		o = grown_o;
	}
	if (o != small)
		o->idx = (uint32_t *)(void *)(o + 1);
	o->cookie = NULL;
	o->n = n;
	for (size_t i = 0; i < n; i++)
		o->idx[i] = k[i].idx;
out:
	if (k != stack)
		free(k);
	return o;
}

/*
 * The directories whose entries are fixed names (a disk, a snapshot,
 * .zecfs) have a fixed order, built once: a walk reads two of them for
 * every snapshot.
 */
static const enum zecfs_kind fixed_kinds[] = { ZECFS_DISK, ZECFS_SNAPSHOT, ZECFS_STATS_DIR };
static uint32_t fixed_idx[sizeof(fixed_kinds) / sizeof(fixed_kinds[0])][SMALL_ORDER];
static uint64_t fixed_cookies[sizeof(fixed_kinds) / sizeof(fixed_kinds[0])][SMALL_ORDER];
static struct order fixed_orders[sizeof(fixed_kinds) / sizeof(fixed_kinds[0])];
static pthread_once_t fixed_once = PTHREAD_ONCE_INIT;

static void build_fixed(void)
{
	for (size_t k = 0; k < sizeof(fixed_kinds) / sizeof(fixed_kinds[0]); k++) {
		struct zecfs_node dir;

		memset(&dir, 0, sizeof(dir));
		dir.id.kind = fixed_kinds[k];
		fixed_orders[k].idx = fixed_idx[k];
		build_order(&dir, &fixed_orders[k], 0);   /* fits: names, no allocation */
		for (size_t i = 0; i < fixed_orders[k].n; i++) {
			struct dent d;

			nth_entry(&dir, (size_t)fixed_idx[k][i] + 2, &d, false);
			fixed_cookies[k][i] = zecfs_dir_cookie(d.name);
		}
		fixed_orders[k].cookie = fixed_cookies[k];
	}
}

static const struct order *fixed_order(enum zecfs_kind kind)
{
	for (size_t k = 0; k < sizeof(fixed_kinds) / sizeof(fixed_kinds[0]); k++) {
		if (fixed_kinds[k] == kind) {
			pthread_once(&fixed_once, build_fixed);
			return &fixed_orders[k];
		}
	}
	return NULL;
}

/*
 * The order of a listed directory is kept with its list (built once, by
 * whichever READDIR comes first; the list is immutable): slot 0 for the
 * root, snapshots/ and .policies, slot 1 for .by-name (the disk list
 * again, by name).  Other directories are small and built each time, in
 * 'small' when they fit, else allocated: *own is then set and the caller
 * frees it.
 */
static const struct order *order_of(const struct zecfs_node *dir, struct order **own,
                                    struct order *small)
{
	struct zecfs_list_head *h = NULL;
	struct order *o, *expected = NULL;
	const struct order *fixed;
	size_t bound = 0;           /* the most entries a listed directory has */
	int slot = 0;

	*own = NULL;
	switch (dir->id.kind) {
	case ZECFS_ROOT: h = &dir->dl->h; bound = 2 + dir->dl->n; break;
	case ZECFS_BYNAME_DIR: h = &dir->dl->h; bound = dir->dl->n; slot = 1; break;
	case ZECFS_SNAPDIR: h = &dir->sl->h; bound = dir->sl->n; break;
	case ZECFS_POLICIES_DIR: h = &dir->pl->h; bound = dir->pl->n; break;
	default: break;
	}
	if (!h && (fixed = fixed_order(dir->id.kind)) != NULL)
		return fixed;
	if (!h) {
		o = build_order(dir, small, 0);
		if (o != small)
			*own = o;
		return o;
	}
	o = __atomic_load_n((struct order **)&h->order[slot], __ATOMIC_ACQUIRE);
	if (o)
		return o;
	o = build_order(dir, NULL, bound);
	if (o && !__atomic_compare_exchange_n((struct order **)&h->order[slot], &expected, o,
	                                      false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(o);                /* another READDIR built it first */
		o = expected;
	}
	return o;
}

/* The first position in o whose cookie is past 'off'. */
static size_t resume_at(const struct zecfs_node *dir, const struct order *o, uint64_t off)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t c;

		if (o->cookie) {
			c = o->cookie[mid];
		} else {
			struct dent d;

			nth_entry(dir, (size_t)o->idx[mid] + 2, &d, false);
			c = zecfs_dir_cookie(d.name);
		}
		if (c <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The listing a scan reads.  At offset 0 the current one: fetched as the
 * TTL says, or the one the GETATTR just before had (USE_SCAN).  Past
 * offset 0, whatever is cached now, without asking the API again: the
 * offsets carry on in any newer listing, so one ls costs one listing, also
 * at cache_ttl=0.
 */
static int scan_list(struct zecfs *fs, struct zecfs_node *n, off_t off, long pid,
                     struct zec_result *res)
{
	bool start = off == 0;
	struct zecfs_use_by by = { start ? ZECFS_USE_SCAN : ZECFS_USE_TTL, pid };
	int ret = 0;

	switch (n->id.kind) {
	case ZECFS_ROOT:
	case ZECFS_BYNAME_DIR:
		if (!start)
			n->dl = zecfs_cache_disks_cached(fs->cache);
		if (!n->dl)
			ret = zecfs_cache_disks_use(fs->cache, &by, &n->dl, res);
		if (!ret && n->id.kind == ZECFS_ROOT && start)
			zecfs_cache_walk_started(fs->cache);
		break;
	case ZECFS_SNAPDIR:
		if (!start)
			n->sl = zecfs_cache_snapshots_cached(fs->cache, n->id.disk_id);
		if (!n->sl)
			ret = zecfs_cache_snapshots_use(fs->cache, n->id.disk_id, &by, &n->sl, res);
		break;
	case ZECFS_POLICIES_DIR:
		if (!start)
			n->pl = zecfs_policies_cached(fs);
		if (!n->pl)
			ret = zecfs_policies_get_use(fs, &by, &n->pl, res);
		break;
	default:
		break;
	}
	return ret;
}

/*
 * A snapshot's directory read past its last entry, as the second READDIR
 * of every snapshot a walk enters is: the end, told from the inode number
 * and the offset alone.  Its entries are fixed, so resolving the snapshot
 * (half of a walk's READDIRs) could only turn the end of a listing already
 * handed out into ENOENT.
 */
static bool snapshot_dir_at_end(fuse_ino_t ino, off_t off)
{
	struct zecfs_node dir;
	const struct order *o;

	if (off <= 2 || zecfs_inode_number_kind(ino) != ZECFS_SNAPSHOT)
		return false;
	memset(&dir, 0, sizeof(dir));
	dir.id.kind = ZECFS_SNAPSHOT;
	o = fixed_order(ZECFS_SNAPSHOT);
	return o && resume_at(&dir, o, (uint64_t)off) == o->n;
}

/* READDIR and READDIRPLUS: . and .. at offsets 1 and 2, then cookie order. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       bool plus)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "readdir" };
	struct order *own = NULL;
	const struct order *o;
	struct zecfs_node n;
	uint64_t *sent = NULL;        /* READDIRPLUS: the inodes referenced in buf */
	size_t used = 0, n_sent = 0, room;
	uint32_t small_idx[SMALL_ORDER];
	struct order small = { 0, small_idx, NULL };
	char *buf = NULL;
	int ret;

	if (snapshot_dir_at_end(ino, off)) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	if (ret)
		goto out;
	if (!zecfs_is_dir(n.id.kind)) {
		ret = -ENOTDIR;
		goto out;
	}
	ret = scan_list(fs, &n, off, (long)fuse_req_ctx(req)->pid, &res);
	if (ret)
		goto out;
	/* the entries, then (READDIRPLUS) the inodes they reference: an entry
	 * takes more than 64 bytes with its attributes */
	room = (size + 7) & ~(size_t)7;
	buf = zecfs_thread_buf(room + (plus ? (size / 64 + 2) * sizeof(*sent) : 0));
	if (buf && plus)
		sent = (uint64_t *)(void *)(buf + room);
	o = order_of(&n, &own, &small);
	if (!buf || !o) {
		ret = zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off; i < 2; i++) {
		struct dent d;
		size_t got;

		nth_entry(&n, i, &d, true);
		got = add_entry(req, fs, &n, &d, plus, buf + used, size - used, (off_t)i + 1, NULL);
		if (got == 0)
			goto out;
		used += got;
	}
	for (size_t k = off > 2 ? resume_at(&n, o, (uint64_t)off) : 0; k < o->n; k++) {
		struct dent d;
		size_t got;

		nth_entry(&n, (size_t)o->idx[k] + 2, &d, true);
		got = add_entry(req, fs, &n, &d, plus, buf + used, size - used,
		                (off_t)cookie_at(o, k, d.name), plus ? &sent[n_sent] : NULL);
		if (got == SIZE_MAX)
			continue;
		if (got == 0)
			break;
		used += got;
		if (plus && sent[n_sent])
			n_sent++;
	}
out:
	if (ret) {
		zecfs_reply_err(req, ret);
	} else if (fuse_reply_buf(req, buf, used) != 0) {
		/* the kernel never got these entries: give their references back */
		for (size_t k = 0; k < n_sent; k++)
			zecfs_inode_forget(fs->inodes, sent[k], 1);
	}
	free(own);
	zecfs_node_release(&n);
}

void zecfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi)
{
	(void)fi;
	if (zecfs_pt_is(ino))
		zecfs_pt_readdir(req, ino, size, off, false);
	else
		do_readdir(req, ino, size, off, false);
}

void zecfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                              struct fuse_file_info *fi)
{
	(void)fi;
	if (zecfs_pt_is(ino))
		zecfs_pt_readdir(req, ino, size, off, true);
	else
		do_readdir(req, ino, size, off, true);
}

/* Only the passthrough's directories have handles (zecfs_opendir). */
void zecfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (zecfs_pt_is(ino))
		zecfs_pt_release(req, fi);
	else
		fuse_reply_err(req, 0);
}

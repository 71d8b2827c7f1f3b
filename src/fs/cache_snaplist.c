/*
 * cache_snaplist.c - one disk's snapshot list as the filesystem shows it:
 * built a snapshot at a time into the compact string store, sorted by
 * directory name (name@snapshotId where names repeat), and searched by
 * name or by snapshot id.
 */
#include "cache_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_log.h"
#include "zec_time.h"

void zecfs_cache_snaplist_destroy(void *p)
{
	struct zecfs_snaplist *l = p;

	/* every string is in the list's chunks or the pool */
	zecfs_cache_chunks_free(l->chunks);
	free(l->by_id);
	free(l->v);
	free(l);
}

void zecfs_snaplist_put(struct zecfs_snaplist *l)
{
	if (l)
		zecfs_list_put(&l->h);
}

int zecfs_age_cmp(time_t a_time, const char *a_id, time_t b_time, const char *b_id)
{
	size_t la, lb;

	if (a_time != b_time)
		return a_time < b_time ? -1 : 1;
	la = strlen(a_id);
	lb = strlen(b_id);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a_id, b_id);
}

const char *zecfs_shown_name(const char *name, const char *prev_name, const char *id,
                             char *buf, size_t size)
{
	int len;

	if (!prev_name || strcmp(name, prev_name) != 0)
		return name;
	len = snprintf(buf, size, "%s@%s", name, id);
	return len >= 0 && (size_t)len < size ? buf : NULL;
}

/* Oldest first: createTime, then snapshotId (numeric strings). */
static int snap_age_cmp(const struct zecfs_snap *a, const struct zecfs_snap *b)
{
	return zecfs_age_cmp(a->ctime, a->s.snapshot_id, b->ctime, b->s.snapshot_id);
}

static int snap_group_cmp(const void *pa, const void *pb)
{
	const struct zecfs_snap *a = pa, *b = pb;
	int r = strcmp(a->s.snapshot_name, b->s.snapshot_name);

	return r ? r : snap_age_cmp(a, b);
}

static int snap_name_cmp(const void *pa, const void *pb)
{
	const struct zecfs_snap *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

bool zecfs_name_ok(const char *name, size_t max)
{
	size_t len;

	if (!name || !*name || strchr(name, '/'))
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	len = strlen(name);
	return len <= max;
}

static int by_id_cmp(const void *pa, const void *pb, void *arg)
{
	const struct zecfs_snap *v = arg;

	return strcmp(v[*(const uint32_t *)pa].s.snapshot_id,
	              v[*(const uint32_t *)pb].s.snapshot_id);
}

void zecfs_cache_builder_drop(struct zecfs_builder *b)
{
	zecfs_cache_chunks_free(b->chunks);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

/* A field that many snapshots share: pooled; else one in the chunks. */
static int shared(struct zecfs_builder *b, char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = (char *)zecfs_cache_intern(src);
	if (!*dst)
		*dst = zecfs_cache_chunk_dup(&b->chunks, src);
	return *dst ? 0 : -ENOMEM;
}

static int owned(struct zecfs_builder *b, char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = zecfs_cache_chunk_dup(&b->chunks, src);
	return *dst ? 0 : -ENOMEM;
}

/*
 * Adds a copy of s.  DELETING snapshots are left out; so are those whose id
 * or name cannot be a path component (counted, said once per listing).
 */
int zecfs_cache_builder_add(struct zecfs_builder *b, const struct zec_snapshot *s)
{
	struct zecfs_snap *sn;
	int fail = 0;

	if (!s->snapshot_id || !s->snapshot_name ||
	    (s->status && strcmp(s->status, "DELETING") == 0))
		return 0;
	if (!zecfs_name_ok(s->snapshot_id, ZECFS_LIST_ID_MAX) ||
	    !zecfs_name_ok(s->snapshot_name, 255)) {
		b->unshown++;
		return 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct zecfs_snap *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	sn = &b->v[b->n];
	memset(sn, 0, sizeof(*sn));
	/* the scalars with the struct, then every string member into the pool
	 * (common values) or the chunks (ZEC_SNAPSHOT_STRINGS) */
	sn->s = *s;
#define COMPACT_MEMBER(name, common) \
	if (!fail) \
		fail = (common) ? shared(b, &sn->s.name, s->name) : owned(b, &sn->s.name, s->name);
	ZEC_SNAPSHOT_STRINGS(COMPACT_MEMBER)
#undef COMPACT_MEMBER
	if (fail)
		return -ENOMEM;
	sn->ctime = zecfs_cache_parse_time(s->create_time);
	if (sn->ctime == 0) {
		/* never 1970: a recipe that prunes by age would delete it */
		sn->ctime = zec_clock_wall();
		sn->bad_time = true;
	}
	b->n++;
	return 0;
}

/*
 * The list, from the builder (emptied).  A name shared by several
 * snapshots stays with the oldest, the others become name@snapshotId.
 */
int zecfs_cache_builder_finish(struct zecfs_builder *b, double fetched, struct zecfs_snaplist **out)
{
	struct zecfs_snaplist *l = calloc(1, sizeof(*l));
	size_t i;

	if (!l)
		goto fail;
	l->h.refs = 1;
	l->h.fetched = fetched;
	l->h.destroy = zecfs_cache_snaplist_destroy;
	if (b->unshown) {
		l->h.unshown = b->unshown;
		l->h.first_unshown = "snapshot";
	}
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), snap_group_cmp);
	for (i = 0; i < b->n; i++) {
		struct zecfs_snap *sn = &b->v[i];
		char both[400];
		const char *shown = zecfs_shown_name(sn->s.snapshot_name,
		                                     i > 0 ? b->v[i - 1].s.snapshot_name : NULL,
		                                     sn->s.snapshot_id, both, sizeof(both));

		sn->name = sn->s.snapshot_name;      /* shared, not a copy */
		if (shown != sn->s.snapshot_name &&
		    !(sn->name = shown ? zecfs_cache_chunk_dup(&b->chunks, shown) : NULL))
			goto fail;
	}
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), snap_name_cmp);
	if (b->n && !(l->by_id = malloc(b->n * sizeof(*l->by_id))))
		goto fail;
	for (i = 0; i < b->n; i++) {
		l->by_id[i] = (uint32_t)i;
		l->h.digest = zecfs_list_digest(l->h.digest, b->v[i].name, b->v[i].s.snapshot_id);
		if (b->v[i].ctime > l->h.newest)
			l->h.newest = b->v[i].ctime;
	}
	if (b->n)
		qsort_r(l->by_id, b->n, sizeof(*l->by_id), by_id_cmp, b->v);
	/* a listing's array was grown by doubling: give back the slack */
	if (b->n && b->n < b->cap) {
		struct zecfs_snap *v = realloc(b->v, b->n * sizeof(*v));

		if (v)
			b->v = v;
	}
	l->v = b->v;
	l->n = b->n;
	l->chunks = b->chunks;
	memset(b, 0, sizeof(*b));
	*out = l;
	return 0;
fail:
	if (l) {
		free(l->by_id);
		free(l);
	}
	zecfs_cache_builder_drop(b);
	return -ENOMEM;
}

/* A list with no snapshot (a disk the account-wide listing did not name). */
int zecfs_cache_empty_list(double fetched, struct zecfs_snaplist **out)
{
	struct zecfs_builder b = { 0 };

	return zecfs_cache_builder_finish(&b, fetched, out);
}

const struct zecfs_snap *zecfs_snaplist_find(const struct zecfs_snaplist *l,
                                         const char *name)
{
	struct zecfs_snap key = { .name = (char *)name };

	if (!l || !l->n)
		return NULL;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), snap_name_cmp);
}

const struct zecfs_snap *zecfs_snaplist_find_id(const struct zecfs_snaplist *l,
                                            const char *snapshot_id)
{
	size_t lo = 0, hi;

	if (!l || !l->n || !l->by_id)
		return NULL;
	hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct zecfs_snap *sn = &l->v[l->by_id[mid]];
		int r = strcmp(snapshot_id, sn->s.snapshot_id);

		if (r == 0)
			return sn;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Snapshots whose createTime cannot be parsed keep the time zecfs first
 * saw them, from one list to the next; each is logged when first seen.
 */
void zecfs_cache_carry_bad_times(struct zecfs_snaplist *fresh, const struct zecfs_snaplist *old)
{
	for (size_t i = 0; i < fresh->n; i++) {
		struct zecfs_snap *sn = &fresh->v[i];
		const struct zecfs_snap *was;

		if (!sn->bad_time)
			continue;
		was = old ? zecfs_snaplist_find_id(old, sn->s.snapshot_id) : NULL;
		if (was) {
			sn->ctime = was->ctime;
		} else {
			char when[ZEC_TIME_LEN];

			zec_time_format(sn->ctime, when);
			zlog_warn("snapshot createTime cannot be parsed, using the time it was first seen snapshot_id=%s create_time=\"%s\" first_seen=%s",
			          ZLOG_ESC(sn->s.snapshot_id), ZLOG_ESC(sn->s.create_time), when);
		}
	}
}

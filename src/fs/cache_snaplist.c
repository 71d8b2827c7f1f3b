/*
 * cache_snaplist.c - one disk's snapshot list as the filesystem shows it:
 * built a snapshot at a time into its compact form (a number for the id
 * and the times, a pointer to the shared fields, the name in the list's
 * block), sorted by directory name (name@snapshotId where names repeat),
 * searched by name or by snapshot id, and read back as the record the
 * server sent.
 */
#include "cache_int.h"
#include "snapjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_log.h"
#include "zec_num.h"
#include "zec_time.h"

void zecfs_cache_snaplist_destroy(void *p)
{
	struct zecfs_snaplist *l = p;

	/* one block (list_block): the records, the index, the texts; the
	 * shared strings are the pool's */
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

/*
 * A snapshot's 'text': one byte of flags, then
 *   the shown name "name@id"      when T_ALIAS
 *   the snapshotName
 *   retentionTime, 8 bytes        when T_RT_BIN (canonical: printed back the same)
 *   the snapshotId                when T_ID_TEXT (not a plain decimal number)
 *   createTime as sent            when T_CT_TEXT (not canonical, or unparsable)
 *   retentionTime as sent         when T_RT_TEXT
 * each string with its NUL.  The common case is the flags and the name:
 * everything else of the record is a number or a shared pointer, printed
 * back to the very text the server sent.
 */
#define T_ALIAS    0x01
#define T_ID_TEXT  0x02
#define T_CT_NONE  0x04        /* no createTime */
#define T_CT_TEXT  0x08
#define T_BAD_TIME 0x10        /* createTime unparsable: ctime is when first seen */
#define T_RT_BIN   0x20
#define T_RT_TEXT  0x40        /* neither: no retentionTime (kept forever) */

struct parts {
	const char *shown, *name, *id, *ct, *rt;
	const unsigned char *rt_bin, *end;
};

static const char *next_str(const char **at)
{
	const char *s = *at;

	*at += strlen(s) + 1;
	return s;
}

static void parts_of(const unsigned char *t, struct parts *p)
{
	unsigned f = t[0];
	const char *at = (const char *)t + 1;

	memset(p, 0, sizeof(*p));
	p->shown = at;
	if (f & T_ALIAS)
		next_str(&at);
	p->name = next_str(&at);
	if (f & T_RT_BIN) {
		p->rt_bin = (const unsigned char *)at;
		at += sizeof(int64_t);
	}
	if (f & T_ID_TEXT)
		p->id = next_str(&at);
	if (f & T_CT_TEXT)
		p->ct = next_str(&at);
	if (f & T_RT_TEXT)
		p->rt = next_str(&at);
	p->end = (const unsigned char *)at;
}

/* The id as a number when it prints back the same (no sign, no leading 0). */
static uint64_t id_number(const char *s)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || (i == 1 && s[0] == '0') || v > (UINT64_MAX - d) / 10)
			return ZECFS_SNAP_ID_TEXT;
		v = v * 10 + d;
	}
	return i ? v : ZECFS_SNAP_ID_TEXT;   /* UINT64_MAX itself stays text */
}

/* A time that prints back to exactly the text it came from. */
static bool canonical_time(const char *s, time_t t)
{
	char again[ZEC_TIME_LEN];

	if (t == 0)
		return false;
	zec_time_format(t, again);
	return strcmp(again, s) == 0;
}

/*
 * A time the server sent and whether it is kept as a number only (it prints
 * back to its text).  The server's own layout comes first: what
 * zec_time_parse accepts (yyyy-MM-ddTHH:mm:ssZ, a real date from 1970) is
 * what zec_time_format writes for the time it gives, so it needs no
 * writing back to compare; every snapshot of a listing has one.
 */
static time_t api_time(const char *s, bool *canonical)
{
	time_t t;

	if (zec_time_parse(s, &t) == 0 && t != 0) {
		*canonical = true;
		return t;
	}
	t = zecfs_cache_parse_time(s);
	*canonical = canonical_time(s, t);
	return t;
}

const char *zecfs_snap_raw_name(const struct zecfs_snap *sn)
{
	const char *shown = zecfs_snap_name(sn);

	return sn->text[0] & T_ALIAS ? shown + strlen(shown) + 1 : shown;
}

const char *zecfs_snap_id(const struct zecfs_snap *sn, char buf[ZECFS_SNAP_ID_LEN])
{
	struct parts p;

	if (sn->id != ZECFS_SNAP_ID_TEXT) {
		zec_u64_dec(sn->id, buf);
		return buf;
	}
	parts_of(sn->text, &p);
	return p.id;
}

void zecfs_snap_id_to(const struct zecfs_snap *sn, char *out, size_t size)
{
	char buf[ZECFS_SNAP_ID_LEN];
	const char *id;
	size_t n;

	if (!size)
		return;
	if (sn->id != ZECFS_SNAP_ID_TEXT && size >= ZECFS_SNAP_ID_LEN) {
		zec_u64_dec(sn->id, out);   /* every entry of a listing asks: no printf */
		return;
	}
	id = zecfs_snap_id(sn, buf);
	n = strnlen(id, size - 1);
	memcpy(out, id, n);
	out[n] = '\0';
}

bool zecfs_snap_same_id(const struct zecfs_snap *a, const struct zecfs_snap *b)
{
	char ba[ZECFS_SNAP_ID_LEN], bb[ZECFS_SNAP_ID_LEN];

	if (a->id != b->id)
		return false;
	return a->id != ZECFS_SNAP_ID_TEXT ||
	       strcmp(zecfs_snap_id(a, ba), zecfs_snap_id(b, bb)) == 0;
}

/* The record, numbers and times written into out's buffers. */
void zecfs_snap_record(const struct zecfs_snap *sn, struct zecfs_snap_rec *out)
{
	const struct zecfs_snap_common *c = sn->common;
	unsigned f = sn->text[0];
	struct parts p;

	parts_of(sn->text, &p);
	memset(&out->s, 0, sizeof(out->s));
	out->s.snapshot_id = (char *)zecfs_snap_id(sn, out->id);
	out->s.snapshot_name = (char *)p.name;
	if (p.ct) {
		out->s.create_time = (char *)p.ct;
	} else if (!(f & T_CT_NONE)) {
		zec_time_format(sn->ctime, out->create_time);
		out->s.create_time = out->create_time;
	}
	if (p.rt) {
		out->s.retention_time = (char *)p.rt;
	} else if (p.rt_bin) {
		int64_t t;

		memcpy(&t, p.rt_bin, sizeof(t));
		zec_time_format((time_t)t, out->retention_time);
		out->s.retention_time = out->retention_time;
	}
	out->s.zone_id = (char *)c->zone_id;
	out->s.status = (char *)c->status;
	out->s.snapshot_type = (char *)c->snapshot_type;
	out->s.disk_id = (char *)c->disk_id;
	out->s.resource_group_id = (char *)c->resource_group_id;
	out->s.resource_group_name = (char *)c->resource_group_name;
	out->s.disk_ability = c->disk_ability;
}

const char *zecfs_snap_str(const struct zecfs_snap *sn, size_t member, char *buf, size_t size)
{
	struct zecfs_snap_rec r;
	const char *v;

	zecfs_snap_record(sn, &r);
	memcpy(&v, (const char *)&r.s + member, sizeof(v));
	/* only a formatted number or time lives in r: copy that out */
	if (v && v >= (const char *)&r && v < (const char *)(&r + 1)) {
		snprintf(buf, size, "%s", v);
		v = buf;
	}
	return v;
}

/* Oldest first: createTime, then snapshotId (numeric strings). */
static int snap_age_cmp(const struct zecfs_snap *a, const struct zecfs_snap *b)
{
	char ba[ZECFS_SNAP_ID_LEN], bb[ZECFS_SNAP_ID_LEN];

	if (a->ctime != b->ctime)
		return a->ctime < b->ctime ? -1 : 1;
	/* plain decimal numbers order as their texts would, shortest first */
	if (a->id != ZECFS_SNAP_ID_TEXT && b->id != ZECFS_SNAP_ID_TEXT)
		return a->id < b->id ? -1 : a->id > b->id;
	return zecfs_age_cmp(a->ctime, zecfs_snap_id(a, ba), b->ctime, zecfs_snap_id(b, bb));
}

static int snap_group_cmp(const void *pa, const void *pb)
{
	const struct zecfs_snap *a = pa, *b = pb;
	int r = strcmp(zecfs_snap_raw_name(a), zecfs_snap_raw_name(b));

	return r ? r : snap_age_cmp(a, b);
}

static int snap_name_cmp(const void *pa, const void *pb)
{
	const struct zecfs_snap *a = pa, *b = pb;

	return strcmp(zecfs_snap_name(a), zecfs_snap_name(b));
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

/* The order of by_id: numeric ids by value, then the text ones by text. */
static int id_cmp(uint64_t a, const char *a_text, const struct zecfs_snap *b)
{
	char buf[ZECFS_SNAP_ID_LEN];

	if (a != b->id)
		return a < b->id ? -1 : 1;
	return a == ZECFS_SNAP_ID_TEXT ? strcmp(a_text, zecfs_snap_id(b, buf)) : 0;
}

static int by_id_cmp(const void *pa, const void *pb, void *arg)
{
	const struct zecfs_snap *v = arg, *a = &v[*(const uint32_t *)pa];
	char buf[ZECFS_SNAP_ID_LEN];

	return id_cmp(a->id, a->id == ZECFS_SNAP_ID_TEXT ? zecfs_snap_id(a, buf) : NULL,
	              &v[*(const uint32_t *)pb]);
}

void zecfs_cache_builder_drop(struct zecfs_builder *b)
{
	zecfs_cache_chunks_free(b->chunks);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* A pooled string, or NULL for NULL. */
static int pooled(const char **dst, const char *src)
{
	*dst = src ? zecfs_cache_intern(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

/*
 * A record's JSON is a sum over its members: the members a snapshot shares
 * with its set (zone, status, type, disk, resource group) and diskAbility
 * are counted once per set, as the record without the snapshot's own
 * members; each own member (id, name, createTime, retentionTime) adds what
 * zecfs_snapjson_member_len counts.  Sizing a snapshot's JSON reads only
 * the few bytes that are its own.
 */
static void common_json_len(struct zecfs_snap_common *c)
{
	struct zec_snapshot shared = {
		.zone_id = (char *)c->zone_id, .status = (char *)c->status,
		.snapshot_type = (char *)c->snapshot_type, .disk_id = (char *)c->disk_id,
		.resource_group_id = (char *)c->resource_group_id,
		.resource_group_name = (char *)c->resource_group_name,
		.disk_ability = c->disk_ability,
	};

	for (int pretty = 0; pretty < 2; pretty++)
		c->json_len[pretty] = zecfs_snapjson(&shared, pretty != 0, NULL, 0);
}

/* What a time kept as a number adds as the member k, written out only
 * where zec_time_format would not write 20 plain characters (a year of
 * four digits). */
static size_t time_member_len(const char *k, time_t t, bool pretty)
{
	char buf[ZEC_TIME_LEN];

	if ((long long)t >= ZEC_TIME_FOUR_DIGITS_FROM && (long long)t <= ZEC_TIME_FOUR_DIGITS_TO)
		return zecfs_snapjson_plain_member_len(strlen(k), ZEC_TIME_LEN - 1, pretty);
	zec_time_format(t, buf);
	return zecfs_snapjson_member_len(k, buf, pretty);
}

/*
 * The members in zecfs_snapjson's order do not matter to a length: each
 * own member adds its frame and value.  Numbers and times kept as numbers
 * are counted from their digit counts, never written out: a walk sizes
 * every snapshot.json it lists, twice with snapshots.json.
 */
size_t zecfs_snap_json_len(const struct zecfs_snap *sn, bool pretty)
{
	unsigned f = sn->text[0];
	size_t len = sn->common->json_len[pretty];
	struct parts p;

	parts_of(sn->text, &p);
	if (sn->id != ZECFS_SNAP_ID_TEXT)
		len += zecfs_snapjson_plain_member_len(sizeof("snapshotId") - 1,
		                                       zec_u64_dec_len(sn->id), pretty);
	else
		len += zecfs_snapjson_member_len("snapshotId", p.id, pretty);
	len += zecfs_snapjson_member_len("snapshotName", p.name, pretty);
	if (p.rt) {
		len += zecfs_snapjson_member_len("retentionTime", p.rt, pretty);
	} else if (p.rt_bin) {
		int64_t t;

		memcpy(&t, p.rt_bin, sizeof(t));
		len += time_member_len("retentionTime", (time_t)t, pretty);
	}
	if (p.ct)
		len += zecfs_snapjson_member_len("createTime", p.ct, pretty);
	else if (!(f & T_CT_NONE))
		len += time_member_len("createTime", sn->ctime, pretty);
	return len;
}

/* The pooled set of s's shared fields: the previous record's, mostly. */
static const struct zecfs_snap_common *common_of(struct zecfs_builder *b,
                                                 const struct zec_snapshot *s)
{
	const struct zecfs_snap_common *l = b->last;
	struct zecfs_snap_common c = { .disk_ability = s->disk_ability };

	if (l && l->disk_ability == s->disk_ability && str_same(l->status, s->status) &&
	    str_same(l->disk_id, s->disk_id) && str_same(l->zone_id, s->zone_id) &&
	    str_same(l->snapshot_type, s->snapshot_type) &&
	    str_same(l->resource_group_id, s->resource_group_id) &&
	    str_same(l->resource_group_name, s->resource_group_name))
		return l;
	if (pooled(&c.zone_id, s->zone_id) || pooled(&c.status, s->status) ||
	    pooled(&c.snapshot_type, s->snapshot_type) || pooled(&c.disk_id, s->disk_id) ||
	    pooled(&c.resource_group_id, s->resource_group_id) ||
	    pooled(&c.resource_group_name, s->resource_group_name))
		return NULL;
	common_json_len(&c);
	return b->last = zecfs_cache_intern_common(&c);
}

/* Room for one more snapshot in the builder; NULL on ENOMEM. */
static struct zecfs_snap *builder_slot(struct zecfs_builder *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct zecfs_snap *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	return &b->v[b->n];
}

static unsigned char *put_str(unsigned char *at, const char *s)
{
	size_t len = strlen(s) + 1;

	memcpy(at, s, len);
	return at + len;
}

/*
 * Adds a copy of s.  DELETING snapshots are left out; so are those whose id
 * or name cannot be a path component (counted, said once per listing).
 */
int zecfs_cache_builder_add(struct zecfs_builder *b, const struct zec_snapshot *s)
{
	struct zecfs_snap *sn;
	unsigned char *t, *at;
	unsigned f = 0;
	time_t rt = 0;
	bool canonical;
	size_t len;

	if (!s->snapshot_id || !s->snapshot_name ||
	    (s->status && strcmp(s->status, "DELETING") == 0))
		return 0;
	if (!zecfs_name_ok(s->snapshot_id, ZECFS_LIST_ID_MAX) ||
	    !zecfs_name_ok(s->snapshot_name, 255)) {
		b->unshown++;
		return 0;
	}
	if (!(sn = builder_slot(b)))
		return -ENOMEM;
	if (!(sn->common = common_of(b, s)))
		return -ENOMEM;
	sn->id = id_number(s->snapshot_id);
	len = 1 + strlen(s->snapshot_name) + 1;
	if (sn->id == ZECFS_SNAP_ID_TEXT) {
		f |= T_ID_TEXT;
		len += strlen(s->snapshot_id) + 1;
	}
	if (!s->create_time) {
		sn->ctime = 0;
		f |= T_CT_NONE;
	} else {
		sn->ctime = api_time(s->create_time, &canonical);
		if (!canonical) {
			f |= T_CT_TEXT;
			len += strlen(s->create_time) + 1;
		}
	}
	if (sn->ctime == 0) {
		/* never 1970: a recipe that prunes by age would delete it */
		sn->ctime = zec_clock_wall();
		f |= T_BAD_TIME;
	}
	if (s->retention_time) {
		if (zec_time_parse(s->retention_time, &rt) == 0 && rt != 0) {   /* as api_time */
			f |= T_RT_BIN;
			len += sizeof(int64_t);
		} else {
			f |= T_RT_TEXT;
			len += strlen(s->retention_time) + 1;
		}
	}
	if (!(t = zecfs_cache_chunk_alloc(&b->chunks, len)))
		return -ENOMEM;
	t[0] = (unsigned char)f;
	at = put_str(t + 1, s->snapshot_name);
	if (f & T_RT_BIN) {
		int64_t v = rt;

		memcpy(at, &v, sizeof(v));
		at += sizeof(v);
	}
	if (f & T_ID_TEXT)
		at = put_str(at, s->snapshot_id);
	if (f & T_CT_TEXT)
		at = put_str(at, s->create_time);
	if (f & T_RT_TEXT)
		put_str(at, s->retention_time);
	sn->text = t;
	b->n++;
	return 0;
}

/* Copies the bytes of sn's text from its name on, after the flags 'f'. */
static const unsigned char *text_copy(struct zecfs_builder *b, const struct zecfs_snap *sn,
                                      unsigned f, const char *shown)
{
	struct parts p;
	size_t head = shown ? strlen(shown) + 1 : 0, rest;
	unsigned char *t;

	parts_of(sn->text, &p);
	rest = (size_t)(p.end - (const unsigned char *)p.name);
	if (!(t = zecfs_cache_chunk_alloc(&b->chunks, 1 + head + rest)))
		return NULL;
	t[0] = (unsigned char)f;
	if (shown)
		memcpy(t + 1, shown, head);
	memcpy(t + 1 + head, p.name, rest);
	return t;
}

int zecfs_cache_builder_add_snap(struct zecfs_builder *b, const struct zecfs_snap *sn)
{
	struct zecfs_snap *to = builder_slot(b);

	if (!to)
		return -ENOMEM;
	*to = *sn;
	/* the shown name is the new list's to decide */
	if (!(to->text = text_copy(b, sn, sn->text[0] & ~T_ALIAS, NULL)))
		return -ENOMEM;
	b->n++;
	return 0;
}

/* The bytes of a snapshot's text, its flags to its last string. */
static size_t text_len(const unsigned char *t)
{
	struct parts p;

	parts_of(t, &p);
	return (size_t)(p.end - t);
}

/*
 * The finished list in one block of its exact size: the struct, the
 * records, the by-id index, the texts.  The builder's arrays and chunks
 * grew by doubling while the pages of a listing came and went around
 * them; made after the listing, the block fills the room they leave, and
 * their holes join the pages' (malloc_trim can give those back).
 */
static struct zecfs_snaplist *list_block(struct zecfs_builder *b)
{
	size_t total = 0, head = sizeof(struct zecfs_snaplist);
	struct zecfs_snaplist *l;
	unsigned char *at;

	for (size_t i = 0; i < b->n; i++)
		total += text_len(b->v[i].text);
	l = malloc(head + b->n * (sizeof(*l->v) + sizeof(*l->by_id)) + total);
	if (!l)
		return NULL;
	memset(l, 0, head);
	if (!b->n)
		return l;
	l->v = (struct zecfs_snap *)(void *)(l + 1);
	l->by_id = (uint32_t *)(void *)(l->v + b->n);
	at = (unsigned char *)(l->by_id + b->n);
	for (size_t i = 0; i < b->n; i++) {
		size_t len = text_len(b->v[i].text);

		l->v[i] = b->v[i];
		memcpy(at, b->v[i].text, len);
		l->v[i].text = at;
		at += len;
	}
	l->n = b->n;
	return l;
}

/*
 * Sorts unless already in order: a page comes sorted more often than not
 * (by name, or the group order is the name order when no name repeats),
 * and one pass that proves it is a tenth of a sort.
 */
static void sort_once(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = v;

	for (size_t i = 1; i < n; i++) {
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(v, n, size, cmp);
			return;
		}
	}
}

static void sort_once_r(uint32_t *v, size_t n, int (*cmp)(const void *, const void *, void *),
                        void *arg)
{
	for (size_t i = 1; i < n; i++) {
		if (cmp(&v[i - 1], &v[i], arg) > 0) {
			qsort_r(v, n, sizeof(*v), cmp, arg);
			return;
		}
	}
}

/*
 * The list, from the builder (emptied).  A name shared by several
 * snapshots stays with the oldest, the others become name@snapshotId.
 */
int zecfs_cache_builder_finish(struct zecfs_builder *b, double fetched, struct zecfs_snaplist **out)
{
	struct zecfs_snaplist *l;
	size_t i;

	sort_once(b->v, b->n, sizeof(*b->v), snap_group_cmp);
	for (i = 1; i < b->n; i++) {
		struct zecfs_snap *sn = &b->v[i];
		const char *name = zecfs_snap_name(sn), *prev = zecfs_snap_raw_name(&b->v[i - 1]);
		char both[400], id[ZECFS_SNAP_ID_LEN];
		const char *shown;

		if (strcmp(name, prev) != 0)
			continue;       /* the usual case: no id to write out */
		shown = zecfs_shown_name(name, prev, zecfs_snap_id(sn, id), both, sizeof(both));

		/* a repeated name: the text again, with name@id first */
		if (shown != name &&
		    !(sn->text = shown ? text_copy(b, sn, sn->text[0] | T_ALIAS, shown) : NULL))
			goto fail;
	}
	if (!(l = list_block(b)))
		goto fail;
	l->h.refs = 1;
	l->h.fetched = fetched;
	l->h.destroy = zecfs_cache_snaplist_destroy;
	if (b->unshown) {
		l->h.unshown = b->unshown;
		l->h.first_unshown = "snapshot";
	}
	zecfs_cache_builder_drop(b);
	sort_once(l->v, l->n, sizeof(*l->v), snap_name_cmp);
	for (i = 0; i < l->n; i++) {
		char id[ZECFS_SNAP_ID_LEN];

		l->by_id[i] = (uint32_t)i;
		l->h.digest = zecfs_list_digest(l->h.digest, zecfs_snap_name(&l->v[i]),
		                                zecfs_snap_id(&l->v[i], id));
		if (l->v[i].ctime > l->h.newest)
			l->h.newest = l->v[i].ctime;
	}
	sort_once_r(l->by_id, l->n, by_id_cmp, l->v);
	*out = l;
	return 0;
fail:
	zecfs_cache_builder_drop(b);
	return -ENOMEM;
}

int zecfs_snaplist_of(const struct zec_snapshot *s, struct zecfs_snaplist **out)
{
	struct zecfs_builder b = { 0 };
	int ret = zecfs_cache_builder_add(&b, s);

	if (!ret && b.n != 1)
		ret = -EINVAL;
	if (ret) {
		zecfs_cache_builder_drop(&b);
		return ret;
	}
	return zecfs_cache_builder_finish(&b, zec_clock_now(), out);
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
	size_t lo = 0, hi;

	if (!l || !l->n)
		return NULL;
	hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(name, zecfs_snap_name(&l->v[mid]));

		if (r == 0)
			return &l->v[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct zecfs_snap *find_id(const struct zecfs_snaplist *l, uint64_t id,
                                        const char *text)
{
	size_t lo = 0, hi;

	if (!l || !l->n || !l->by_id)
		return NULL;
	hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct zecfs_snap *sn = &l->v[l->by_id[mid]];
		int r = id_cmp(id, text, sn);

		if (r == 0)
			return sn;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct zecfs_snap *zecfs_snaplist_find_id(const struct zecfs_snaplist *l,
                                            const char *snapshot_id)
{
	return find_id(l, id_number(snapshot_id), snapshot_id);
}

const struct zecfs_snap *zecfs_snaplist_find_num(const struct zecfs_snaplist *l, uint64_t num)
{
	/* a number is never the text ids' mark; "" only stands for their text */
	return num == ZECFS_SNAP_ID_TEXT ? NULL : find_id(l, num, "");
}

const struct zecfs_snap *zecfs_snaplist_find_same(const struct zecfs_snaplist *l,
                                              const struct zecfs_snap *sn)
{
	char buf[ZECFS_SNAP_ID_LEN];

	return find_id(l, sn->id, sn->id == ZECFS_SNAP_ID_TEXT ? zecfs_snap_id(sn, buf) : NULL);
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

		if (!(sn->text[0] & T_BAD_TIME))
			continue;
		was = old ? zecfs_snaplist_find_same(old, sn) : NULL;
		if (was) {
			sn->ctime = was->ctime;
		} else {
			char when[ZEC_TIME_LEN], id[ZECFS_SNAP_ID_LEN];
			struct parts p;

			parts_of(sn->text, &p);
			zec_time_format(sn->ctime, when);
			zlog_warn("snapshot createTime cannot be parsed, using the time it was first seen snapshot_id=%s create_time=\"%s\" first_seen=%s",
			          ZLOG_ESC(zecfs_snap_id(sn, id)), ZLOG_ESC(p.ct), when);
		}
	}
}

/*
 * zec_snappage.c - a DescribeSnapshots answer read straight into records
 * (zec_snappage.h), without building a cJSON tree of the page first.
 *
 * A walk of 100,000 snapshots parses 1,000 pages of 30 KB: cJSON makes a
 * node and a string per value, the records then copy every string again,
 * and the tree is freed.  This reader copies each field once, from the
 * body into the record (into one block with the records, when they are
 * lent).  It reads only the plain shape of the answer:
 * strings without escapes or control bytes, integer counts, known fields
 * of known types, each once.  Anything else - an escape, a field of an
 * unexpected type, a repeated key, a number it does not need to read -
 * and it declines, leaving the answer to the envelope parse and
 * zec_parse_snapshot_page, so that what is accepted, what is refused and
 * every code and message stay theirs.  What it accepts is a subset of
 * what cJSON accepts, and it yields the same records for it.
 */
#include "zec_snappage.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_plain.h"

#define DEPTH_MAX   32             /* of a skipped value */
#define NUMBER_MAX  32             /* characters of a skipped number */
#define COUNT_MAX   15             /* digits of totalCount: below 2^53 */

struct rd {
	const char *p, *end;
	char *lend;                  /* where the next lent string goes; NULL: strndup */
};

static void ws(struct rd *r)
{
	/* a compact answer has none: one comparison then */
	while (r->p < r->end && (unsigned char)*r->p <= ' ' &&
	       (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* The next non-blank byte is c: taken (a compact answer's byte is it). */
static inline bool take(struct rd *r, char c)
{
	if (r->p >= r->end || *r->p != c) {
		ws(r);
		if (r->p >= r->end || *r->p != c)
			return false;
	}
	r->p++;
	return true;
}

static bool literal(struct rd *r, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, s, n) != 0)
		return false;
	r->p += n;
	return true;
}

/*
 * A string with no escape and no control byte: its bytes [*s, *s + *n).
 * Found in one pass of eight bytes at a time, not byte by byte: a page is
 * 30 KB, most of it string bytes.
 */
static inline bool string(struct rd *r, const char **s, size_t *n)
{
	const char *from, *q;

	if (!take(r, '"'))
		return false;
	from = r->p;
	q = zec_plain_end(from, r->end);
	if (q == r->end || *q != '"')
		return false;
	*s = from;
	*n = (size_t)(q - from);
	r->p = q + 1;
	return true;
}

static bool digits(struct rd *r)
{
	const char *b = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > b;
}

/* A JSON number, short enough for cJSON to read whole. */
static bool number(struct rd *r)
{
	const char *b = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (!digits(r))
		return false;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!digits(r))
			return false;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!digits(r))
			return false;
	}
	return r->p - b <= NUMBER_MAX;
}

/* Any value, read over. */
static bool skip(struct rd *r, int depth)
{
	const char *s;
	size_t n;

	ws(r);
	if (r->p >= r->end || depth > DEPTH_MAX)
		return false;
	switch (*r->p) {
	case '"':
		return string(r, &s, &n);
	case '{':
		r->p++;
		if (take(r, '}'))
			return true;
		do {
			if (!string(r, &s, &n) || !take(r, ':') || !skip(r, depth + 1))
				return false;
		} while (take(r, ','));
		return take(r, '}');
	case '[':
		r->p++;
		if (take(r, ']'))
			return true;
		do {
			if (!skip(r, depth + 1))
				return false;
		} while (take(r, ','));
		return take(r, ']');
	case 't':
		return literal(r, "true");
	case 'f':
		return literal(r, "false");
	case 'n':
		return literal(r, "null");
	default:
		return number(r);
	}
}

static bool key_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(k, name, n) == 0;
}

/* Bit 'bit' of *seen not set yet (a repeated key declines): set now. */
static bool first(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

/* The next value is null: taken. */
static bool null(struct rd *r)
{
	ws(r);
	return r->p < r->end && *r->p == 'n' && literal(r, "null");
}

/* A string as string() reads it, or null (*s NULL). */
static bool string_or_null(struct rd *r, const char **s, size_t *n)
{
	*s = NULL;
	*n = 0;
	return null(r) || string(r, s, n);
}

/*
 * A string or null into *dst (malloc'd; NULL for null).  *oom on a failed
 * allocation.
 */
static bool opt_string(struct rd *r, char **dst, bool *oom)
{
	const char *s;
	size_t n;

	if (!string_or_null(r, &s, &n))
		return false;
	if (s && r->lend) {
		/* the block has room: a string takes n + 2 bytes of the body */
		memcpy(r->lend, s, n);
		r->lend[n] = '\0';
		*dst = r->lend;
		r->lend += n + 1;
	} else if (s && !(*dst = strndup(s, n))) {
		*oom = true;
	}
	return !*oom;
}

static bool resource_group(struct rd *r, struct zec_snapshot *o, bool *oom)
{
	unsigned seen = 0;
	const char *k;
	size_t n;

	if (null(r))
		return true;
	if (!take(r, '{'))
		return false;
	if (take(r, '}'))
		return true;
	do {
		bool ok;

		if (!string(r, &k, &n) || !take(r, ':'))
			return false;
		if (key_is(k, n, "resourceGroupId"))
			ok = first(&seen, 1) && opt_string(r, &o->resource_group_id, oom);
		else if (key_is(k, n, "resourceGroupName"))
			ok = first(&seen, 2) && opt_string(r, &o->resource_group_name, oom);
		else
			ok = skip(r, 1);
		if (!ok)
			return false;
	} while (take(r, ','));
	return take(r, '}');
}

/* A record's keys: the strings (in struct order, see snapshot()), then the rest. */
enum rec_key {
	K_SNAPSHOT_ID, K_SNAPSHOT_NAME, K_ZONE_ID, K_STATUS, K_SNAPSHOT_TYPE,
	K_RETENTION_TIME, K_DISK_ID, K_CREATE_TIME, K_STRINGS,
	K_DISK_ABILITY = K_STRINGS, K_RESOURCE_GROUP, K_OTHER
};

/*
 * Which key [k, k + n) is: by its length first, then a comparison of a
 * known size, which the compiler makes a word or two of loads.  A page of
 * 100 records has 1,100 keys to tell apart; one strlen and memcmp call per
 * candidate cost a fifth of reading it.
 */
static enum rec_key rec_key(const char *k, size_t n)
{
#define IS(lit) (memcmp(k, lit, sizeof(lit) - 1) == 0)
	switch (n) {
	case 6:
		return IS("zoneId") ? K_ZONE_ID : IS("status") ? K_STATUS :
		       IS("diskId") ? K_DISK_ID : K_OTHER;
	case 10:
		return IS("snapshotId") ? K_SNAPSHOT_ID : IS("createTime") ? K_CREATE_TIME : K_OTHER;
	case 11:
		return IS("diskAbility") ? K_DISK_ABILITY : K_OTHER;
	case 12:
		return IS("snapshotName") ? K_SNAPSHOT_NAME :
		       IS("snapshotType") ? K_SNAPSHOT_TYPE : K_OTHER;
	case 13:
		return IS("retentionTime") ? K_RETENTION_TIME :
		       IS("resourceGroup") ? K_RESOURCE_GROUP : K_OTHER;
	default:
		return K_OTHER;
	}
#undef IS
}

/* One record of dataSet, as zec_parse_snapshot reads it. */
static bool snapshot(struct rd *r, struct zec_snapshot *o, bool *oom)
{
	/* where each string key goes, by enum rec_key */
	static const size_t str_off[K_STRINGS] = {
		[K_SNAPSHOT_ID] = offsetof(struct zec_snapshot, snapshot_id),
		[K_SNAPSHOT_NAME] = offsetof(struct zec_snapshot, snapshot_name),
		[K_ZONE_ID] = offsetof(struct zec_snapshot, zone_id),
		[K_STATUS] = offsetof(struct zec_snapshot, status),
		[K_SNAPSHOT_TYPE] = offsetof(struct zec_snapshot, snapshot_type),
		[K_RETENTION_TIME] = offsetof(struct zec_snapshot, retention_time),
		[K_DISK_ID] = offsetof(struct zec_snapshot, disk_id),
		[K_CREATE_TIME] = offsetof(struct zec_snapshot, create_time),
	};
	unsigned seen = 0;
	const char *k;
	size_t n;

	if (!take(r, '{'))
		return false;
	if (!take(r, '}')) {
		do {
			enum rec_key key;
			bool ok;

			if (!string(r, &k, &n) || !take(r, ':'))
				return false;
			key = rec_key(k, n);
			if (key < K_STRINGS) {
				ok = first(&seen, 1u << key) &&
				     opt_string(r, (char **)((char *)o + str_off[key]), oom);
			} else if (key == K_DISK_ABILITY) {
				ok = first(&seen, 1u << key);
				ws(r);
				if (ok && literal(r, "true"))
					o->disk_ability = true;
				else if (ok)
					ok = literal(r, "false") || null(r);
			} else if (key == K_RESOURCE_GROUP) {
				ok = first(&seen, 1u << key) && resource_group(r, o, oom);
			} else {
				ok = skip(r, 1);
			}
			if (!ok)
				return false;
		} while (take(r, ','));
		if (!take(r, '}'))
			return false;
	}
	/* snapshotId is required and not empty; the rest as zec_parse_snapshot */
	if (!o->snapshot_id || !o->snapshot_id[0])
		return false;
	if (o->retention_time && !o->retention_time[0]) {
		if (!o->lent)
			free(o->retention_time);
		o->retention_time = NULL;
	}
	return true;
}

static bool data_set(struct rd *r, struct zec_snapshot_list *out, bool *oom)
{
	size_t cap = r->lend ? ZEC_SNAPSHOT_LENT_MAX : 0;

	if (null(r))
		return true;
	if (!take(r, '['))
		return false;
	if (take(r, ']'))
		return true;
	do {
		if (out->count == cap) {
			size_t c = cap ? cap * 2 : 100;
			struct zec_snapshot *v;

			if (r->lend)
				return false;       /* the block does not grow */
			v = realloc(out->items, c * sizeof(*v));
			if (!v) {
				*oom = true;
				return false;
			}
			out->items = v;
			cap = c;
		}
		memset(&out->items[out->count], 0, sizeof(out->items[0]));
		out->items[out->count].lent = r->lend != NULL;
		/* counted before it is read, so that a failure frees its fields too */
		out->count++;
		if (!snapshot(r, &out->items[out->count - 1], oom))
			return false;
	} while (take(r, ','));
	return take(r, ']');
}

static bool total_count(struct rd *r, long long *total)
{
	const char *b;

	ws(r);
	b = r->p;
	if (!digits(r) || r->p - b > COUNT_MAX)
		return false;
	*total = 0;
	for (; b < r->p; b++)
		*total = *total * 10 + (*b - '0');
	return true;
}

/* A requestId: a string (copied when not empty) or null. */
static bool request_id(struct rd *r, char *rid, size_t size)
{
	const char *s;
	size_t n;

	if (!string_or_null(r, &s, &n))
		return false;
	if (n)
		snprintf(rid, size, "%.*s", (int)n, s);
	return true;
}

static bool response(struct rd *r, struct zec_snapshot_list *out, char *rid, size_t size,
                     bool *oom)
{
	unsigned seen = 0;
	const char *k;
	size_t n;

	if (!take(r, '{') || take(r, '}'))
		return false;               /* no totalCount: the general path says so */
	do {
		bool ok;

		if (!string(r, &k, &n) || !take(r, ':'))
			return false;
		if (key_is(k, n, "requestId"))
			ok = first(&seen, 1) && request_id(r, rid, size);
		else if (key_is(k, n, "totalCount"))
			ok = first(&seen, 2) && total_count(r, &out->total);
		else if (key_is(k, n, "dataSet"))
			ok = first(&seen, 4) && data_set(r, out, oom);
		else
			ok = skip(r, 1);
		if (!ok)
			return false;
	} while (take(r, ','));
	return take(r, '}') && (seen & 2);
}

static void list_clear(struct zec_snapshot_list *out)
{
	for (size_t i = 0; i < out->count; i++)
		zec_snapshot_clear(&out->items[i]);
	free(out->items);
	memset(out, 0, sizeof(*out));
}

int zec_snappage_read(const char *body, size_t len, bool lend,
                      struct zec_snapshot_list *out,
                      char *request_id_out, size_t request_id_size)
{
	char root_rid[sizeof(((struct zec_result *)0)->request_id)] = "";
	char resp_rid[sizeof(root_rid)] = "";
	struct rd r = { body, body + len, NULL };
	unsigned seen = 0;
	bool oom = false;
	const char *k;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!body || !take(&r, '{') || take(&r, '}'))
		goto decline;
	if (lend) {
		/* the records, then room for every string the body can hold */
		out->items = malloc(ZEC_SNAPSHOT_LENT_MAX * sizeof(*out->items) + len + 1);
		if (!out->items) {
			oom = true;
			goto decline;
		}
		r.lend = (char *)(out->items + ZEC_SNAPSHOT_LENT_MAX);
	}
	do {
		bool ok;

		if (!string(&r, &k, &n) || !take(&r, ':'))
			goto decline;
		if (key_is(k, n, "requestId"))
			ok = first(&seen, 1) && request_id(&r, root_rid, sizeof(root_rid));
		else if (key_is(k, n, "response"))
			ok = first(&seen, 2) && response(&r, out, resp_rid, sizeof(resp_rid), &oom);
		else
			ok = skip(&r, 1);
		if (!ok)
			goto decline;
	} while (take(&r, ','));
	if (!take(&r, '}') || !(seen & 2))
		goto decline;
	ws(&r);
	if (r.p != r.end)
		goto decline;
	if (out->count == 0) {
		free(out->items);
		out->items = NULL;
	}
	snprintf(request_id_out, request_id_size, "%s", root_rid[0] ? root_rid : resp_rid);
	return 0;
decline:
	list_clear(out);
	return oom ? -ENOMEM : -EAGAIN;
}

/*
 * snapjson.c - a snapshot record's JSON text (snapshot.json, a line of
 * snapshots.json), written into a buffer or only counted by the same code.
 *
 * A walk's READDIRPLUS gives every snapshot.json's size: counting it here
 * builds no cJSON tree and allocates nothing.  The layout and escaping are
 * cJSON's (print_object, print_string_ptr), so the text is what zecfs
 * served when cJSON printed it; tests/unit/test_snapjson.c holds both to
 * cJSON's output.
 */
#include "snapjson.h"

#include <string.h>

#include "zec_plain.h"

/* Where the text goes: the first cap bytes into buf (if any), len counts all. */
struct out {
	char *buf;
	size_t cap;
	size_t len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->buf && o->len < o->cap)
		memcpy(o->buf + o->len, s, n < o->cap - o->len ? n : o->cap - o->len);
	o->len += n;
}

/* A byte that does not, as cJSON escapes it: \" \\ \b \f \n \r \t, else \u00xx. */
static size_t escape(unsigned char c, char e[6])
{
	static const char hex[] = "0123456789abcdef";
	static const char named[] = "\"\"\\\\\bb\ff\nn\rr\tt";

	for (size_t i = 0; i + 1 < sizeof(named); i += 2) {
		if ((char)c == named[i]) {
			e[0] = '\\';
			e[1] = named[i + 1];
			return 2;
		}
	}
	memcpy(e, "\\u00", 4);
	e[4] = hex[c >> 4];
	e[5] = hex[c & 15];
	return 6;
}

/* A JSON string: runs of plain bytes copied as they are (UTF-8 included). */
static void put_str(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	put(o, "\"", 1);
	if (zec_plain_end(s, s + n) == s + n) {
		put(o, s, n);
		put(o, "\"", 1);
		return;
	}
	while (*p) {
		const unsigned char *run = p;
		char e[6];

		while (zec_plain_byte(*p))   /* cJSON's: >= 32, not " or \\ */
			p++;
		put(o, (const char *)run, (size_t)(p - run));
		if (*p) {
			put(o, e, escape(*p, e));
			p++;
		}
	}
	put(o, "\"", 1);
}

/* A member's start: its indent (pretty), its key and the colon.  The keys
 * are this file's own names, which need no escape. */
static void key(struct out *o, bool pretty, int depth, const char *k)
{
	if (pretty)
		put(o, "\t\t", (size_t)depth);
	put(o, "\"", 1);
	put(o, k, strlen(k));
	put(o, pretty ? "\":\t" : "\":", pretty ? 3 : 2);
}

/* A member's end: a comma when another follows, a newline (pretty). */
static void end(struct out *o, bool pretty, bool more)
{
	if (more)
		put(o, ",", 1);
	if (pretty)
		put(o, "\n", 1);
}

/* What put_str writes for s, quotes included: counted, not written. */
static size_t str_len(const char *s)
{
	size_t n = strlen(s), len = n + 2;
	const char *p = zec_plain_end(s, s + n);

	for (; *p; p++) {
		char e[6];

		if (!zec_plain_byte((unsigned char)*p))
			len += escape((unsigned char)*p, e) - 1;
	}
	return len;
}

/* What key() and end(more) add around a value: the same bytes, counted. */
static size_t member_frame(size_t klen, bool pretty)
{
	return pretty ? 1 + 1 + klen + 3 + 1 + 1 : 1 + klen + 2 + 1;
}

size_t zecfs_snapjson_member_len(const char *k, const char *v, bool pretty)
{
	return member_frame(strlen(k), pretty) + str_len(v);
}

size_t zecfs_snapjson_plain_member_len(size_t klen, size_t vlen, bool pretty)
{
	return member_frame(klen, pretty) + vlen + 2;
}

size_t zecfs_snapjson(const struct zec_snapshot *s, bool pretty, char *buf, size_t cap)
{
	const struct {
		const char *key, *v;
	} str[] = {
		{ "snapshotId", s->snapshot_id },
		{ "snapshotName", s->snapshot_name },
		{ "zoneId", s->zone_id },
		{ "status", s->status },
		{ "snapshotType", s->snapshot_type },
		{ "retentionTime", s->retention_time },
		{ "diskId", s->disk_id },
		{ "createTime", s->create_time },
	};
	bool rg = s->resource_group_id || s->resource_group_name;
	struct out o = { buf, buf ? cap : 0, 0 };

	put(&o, "{\n", pretty ? 2 : 1);
	for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
		if (!str[i].v)
			continue;               /* absent: no member, as cJSON was given none */
		key(&o, pretty, 1, str[i].key);
		put_str(&o, str[i].v);
		end(&o, pretty, true);      /* diskAbility always follows */
	}
	key(&o, pretty, 1, "diskAbility");
	if (s->disk_ability)
		put(&o, "true", 4);
	else
		put(&o, "false", 5);
	end(&o, pretty, rg);
	if (rg) {
		key(&o, pretty, 1, "resourceGroup");
		put(&o, "{\n", pretty ? 2 : 1);
		if (s->resource_group_id) {
			key(&o, pretty, 2, "resourceGroupId");
			put_str(&o, s->resource_group_id);
			end(&o, pretty, s->resource_group_name != NULL);
		}
		if (s->resource_group_name) {
			key(&o, pretty, 2, "resourceGroupName");
			put_str(&o, s->resource_group_name);
			end(&o, pretty, false);
		}
		if (pretty)
			put(&o, "\t", 1);
		put(&o, "}", 1);
		end(&o, pretty, false);
	}
	put(&o, "}", 1);
	return o.len;
}

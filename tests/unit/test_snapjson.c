/*
 * test_snapjson.c - a snapshot record's JSON text (src/fs/snapjson.c): the
 * length counted for stat is the length of the text written, and both are
 * what cJSON prints for the record, over escapes, unicode, empty and absent
 * fields and numbers past 64 bits; through a cached list too.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "check.h"
#include "snapjson.h"

/* The record as zecfs printed it with cJSON: the reference. */
static char *with_cjson(const struct zec_snapshot *s, bool pretty)
{
	cJSON *o = cJSON_CreateObject(), *rg;
	char *text;

#define ADD(member, key) \
	if (s->member) \
		cJSON_AddStringToObject(o, key, s->member);
	ADD(snapshot_id, "snapshotId")
	ADD(snapshot_name, "snapshotName")
	ADD(zone_id, "zoneId")
	ADD(status, "status")
	ADD(snapshot_type, "snapshotType")
	ADD(retention_time, "retentionTime")
	ADD(disk_id, "diskId")
	ADD(create_time, "createTime")
	cJSON_AddBoolToObject(o, "diskAbility", s->disk_ability);
	if (s->resource_group_id || s->resource_group_name) {
		rg = cJSON_AddObjectToObject(o, "resourceGroup");
		if (s->resource_group_id)
			cJSON_AddStringToObject(rg, "resourceGroupId", s->resource_group_id);
		if (s->resource_group_name)
			cJSON_AddStringToObject(rg, "resourceGroupName", s->resource_group_name);
	}
#undef ADD
	text = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Counted length == written length == cJSON's text, pretty and not; a
 * short buffer gets a prefix and nothing past it. */
static void check_record(const char *what, const struct zec_snapshot *s)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		char *want = with_cjson(s, pretty);
		size_t counted = zecfs_snapjson(s, pretty, NULL, 0);
		size_t wl = want ? strlen(want) : 0;
		char *buf = malloc(counted + 1), *cut = malloc(wl / 2 + 1);

		CHECK(want && buf && cut, "%s: buffers", what);
		if (!want || !buf || !cut)
			goto next;
		memset(buf, '#', counted + 1);
		CHECK(zecfs_snapjson(s, pretty, buf, counted) == counted && buf[counted] == '#',
		      "%s (%s): the write is as long as the count (%zu) and stays in it", what,
		      pretty ? "pretty" : "one line", counted);
		CHECK(counted == wl && memcmp(buf, want, wl) == 0,
		      "%s (%s): the text is cJSON's (%zu, cJSON %zu)", what,
		      pretty ? "pretty" : "one line", counted, wl);
		memset(cut, '#', wl / 2 + 1);
		CHECK(zecfs_snapjson(s, pretty, cut, wl / 2) == counted && cut[wl / 2] == '#' &&
		      memcmp(cut, want, wl / 2) == 0,
		      "%s (%s): a short buffer holds the first %zu bytes, no more", what,
		      pretty ? "pretty" : "one line", wl / 2);
next:
		free(cut);
		free(buf);
		free(want);
	}
}

static struct zec_snapshot full(void)
{
	struct zec_snapshot s = {
		.snapshot_id = "862857204414550690", .snapshot_name = "nightly",
		.zone_id = "asia-east-1a", .status = "AVAILABLE", .snapshot_type = "MANUAL",
		.retention_time = "2026-12-01T00:00:00Z", .disk_id = "862857204414600000",
		.create_time = "2026-10-01T12:34:56Z", .resource_group_id = "rg-1",
		.resource_group_name = "default", .disk_ability = true,
	};
	return s;
}

static void test_records(void)
{
	struct zec_snapshot s = full(), none;
	char controls[40];

	check_record("a full record", &s);
	s.snapshot_name = "q\"uote b\\ack \b\f\n\r\t /slash";
	check_record("named escapes", &s);
	for (int i = 1; i < 32; i++)
		controls[i - 1] = (char)i;
	controls[31] = 0x7f;
	controls[32] = 0;
	s.snapshot_name = controls;
	check_record("every control byte, and DEL", &s);
	s.snapshot_name = "快照-é-😀 \xe2\x80\xa8";
	s.zone_id = "\xff\xfe\xc3 half";
	check_record("unicode and bytes that are not UTF-8", &s);
	s = full();
	s.snapshot_name = "";
	s.status = "";
	s.resource_group_id = "";
	check_record("empty fields", &s);
	s = full();
	s.snapshot_id = "18446744073709551616";
	s.disk_id = "99999999999999999999999999999999999999";
	s.retention_time = "-1e308";
	s.disk_ability = false;
	check_record("numbers past 64 bits and doubles, as the strings they are", &s);
	s.resource_group_id = NULL;
	check_record("a resource group with a name only", &s);
	s.resource_group_id = "rg-2";
	s.resource_group_name = NULL;
	check_record("a resource group with an id only", &s);
	memset(&none, 0, sizeof(none));
	check_record("a record with no string at all", &none);
}

/*
 * A byte that needs an escape (a quote, a backslash, a control byte) at
 * every position of names of 1-19 bytes, around the eight-byte steps that
 * find a name plain, and bytes at and above 0x80 that do not: cJSON's text.
 */
static void test_every_position(void)
{
	static const char odd[] = { '"', '\\', '\x01', '\x1f', '\n' };
	struct zec_snapshot s = full();
	int bad = 0, checked = 0;
	char name[20];

	for (size_t len = 1; len < sizeof(name); len++) {
		for (size_t at = 0; at <= len; at++) {
			for (size_t k = 0; k < sizeof(odd) + 2; k++) {
				memset(name, 'a', len);
				name[len] = '\0';
				if (at < len)
					name[at] = k < sizeof(odd) ? odd[k] : k == sizeof(odd) ? ' ' : '\x80';
				s.snapshot_name = name;
				for (int pretty = 0; pretty < 2; pretty++) {
					char *want = with_cjson(&s, pretty);
					char buf[512];
					size_t n = zecfs_snapjson(&s, pretty, buf, sizeof(buf));

					checked++;
					if (!want || n != strlen(want) || n > sizeof(buf) ||
					    memcmp(buf, want, n) != 0)
						bad++;
					free(want);
				}
			}
		}
	}
	CHECK(bad == 0, "an escaped byte at every position of 1-19 byte names: cJSON's text "
	      "(%d of %d differ)", bad, checked);
}

/*
 * A member's counted length is what the member adds to the written record,
 * for an escaped byte at every position of a name; and a plain value
 * counted by its length alone adds the same as its text.
 */
static void test_member_len(void)
{
	static const char odd[] = { '"', '\\', '\x01', '\x1f', '\n', '\t', 'a' };
	int bad = 0, checked = 0;

	for (size_t len = 0; len < 20; len++) {
		for (size_t pos = 0; pos < (len ? len : 1); pos++) {
			for (size_t k = 0; k < sizeof(odd); k++) {
				struct zec_snapshot s = full(), without;
				char name[24];

				memset(name, 'n', len);
				name[len] = '\0';
				if (len)
					name[pos] = odd[k];
				s.snapshot_name = name;
				without = s;
				without.snapshot_name = NULL;
				for (int pretty = 0; pretty < 2; pretty++) {
					checked++;
					if (zecfs_snapjson_member_len("snapshotName", name, pretty) !=
					    zecfs_snapjson(&s, pretty, NULL, 0) -
					    zecfs_snapjson(&without, pretty, NULL, 0))
						bad++;
				}
			}
		}
	}
	CHECK(bad == 0, "a member's length is what it adds to the record, escapes anywhere "
	      "(%d of %d differ)", bad, checked);
	for (int pretty = 0; pretty < 2; pretty++)
		CHECK(zecfs_snapjson_plain_member_len(10, 20, pretty) ==
		      zecfs_snapjson_member_len("createTime", "2026-10-01T12:34:56Z", pretty),
		      "a plain value counted by its length (pretty %d)", pretty);
}

/* Through a cached list: the id kept as a number, the time as a time_t. */
static void test_from_list(void)
{
	const char *ids[] = { "18446744073709551615", "0", "snap-x\"y" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct zec_snapshot s = full();
		struct zecfs_snaplist *l = NULL;
		struct zecfs_snap_rec r;

		s.snapshot_id = (char *)ids[i];
		CHECK(zecfs_snaplist_of(&s, &l) == 0 && l && l->n == 1, "a list of %s", ids[i]);
		if (!l || l->n != 1)
			continue;
		zecfs_snap_record(&l->v[0], &r);
		CHECK(strcmp(r.s.snapshot_id, ids[i]) == 0, "the record has id %s", ids[i]);
		check_record(ids[i], &r.s);
		zecfs_snaplist_put(l);
	}
}

int main(void)
{
	test_records();
	test_every_position();
	test_member_len();
	test_from_list();
	return check_summary();
}

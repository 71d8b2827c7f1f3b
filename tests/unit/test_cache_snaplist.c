/*
 * test_cache_snaplist.c - the snapshot-list builder (src/fs/cache_snaplist.c):
 * what a listing leaves out, the names it shows (name@id where names
 * repeat), its two orders and lookups, its digest, and the times it keeps.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_int.h"
#include "check.h"
#include "snapjson.h"

static struct zec_snapshot snap(const char *id, const char *name, const char *status,
                                const char *created)
{
	struct zec_snapshot s = { 0 };

	s.snapshot_id = (char *)id;
	s.snapshot_name = (char *)name;
	s.status = (char *)status;
	s.create_time = (char *)created;
	s.zone_id = "asia-east-1a";
	s.disk_id = "100";
	return s;
}

/* Builds a list from n snapshots; NULL when the builder fails. */
static struct zecfs_snaplist *build(const struct zec_snapshot *v, size_t n)
{
	struct zecfs_builder b = { 0 };
	struct zecfs_snaplist *l = NULL;

	for (size_t i = 0; i < n; i++) {
		if (zecfs_cache_builder_add(&b, &v[i])) {
			zecfs_cache_builder_drop(&b);
			return NULL;
		}
	}
	return zecfs_cache_builder_finish(&b, 42.0, &l) ? NULL : l;
}

static void test_left_out(void)
{
	struct zec_snapshot v[] = {
		snap("1", "keep", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("2", "going", "DELETING", "2026-10-01T00:00:00Z"),
		snap("3", "a/b", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("..", "dots", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap(NULL, "no-id", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("6", "..", "AVAILABLE", "2026-10-01T00:00:00Z"),
	};
	struct zecfs_snaplist *l = build(v, sizeof(v) / sizeof(v[0]));

	CHECK(l && l->n == 1 && strcmp(zecfs_snap_name(&l->v[0]), "keep") == 0,
	      "DELETING, unnamed and unshowable snapshots are left out");
	CHECK(l && l->h.unshown == 3 && l->h.first_unshown &&
	      strcmp(l->h.first_unshown, "snapshot") == 0,
	      "names and ids that cannot be path components are counted, not shown");
	CHECK(l && l->h.refs == 1 && l->h.fetched == 42.0 &&
	      l->h.destroy == zecfs_cache_snaplist_destroy,
	      "a finished list holds one reference and its fetch time");
	zecfs_snaplist_put(l);
}

static void test_names_and_lookups(void)
{
	struct zec_snapshot v[] = {
		snap("10", "daily", "AVAILABLE", "2026-10-02T00:00:00Z"),
		snap("11", "daily", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("9", "daily", "AVAILABLE", "2026-10-02T00:00:00Z"),
		snap("5", "base", "CREATING", "2026-09-01T00:00:00Z"),
	};
	struct zecfs_snaplist *l = build(v, sizeof(v) / sizeof(v[0]));
	const struct zecfs_snap *sn;
	char id[ZECFS_SNAP_ID_LEN];
	bool sorted = true;

	CHECK(l && l->n == 4, "four snapshots listed");
	if (!l)
		return;
	for (size_t i = 1; i < l->n; i++)
		sorted = sorted && strcmp(zecfs_snap_name(&l->v[i - 1]), zecfs_snap_name(&l->v[i])) < 0;
	CHECK(sorted, "the list is sorted by directory name");
	sn = zecfs_snaplist_find(l, "daily");
	CHECK(sn && strcmp(zecfs_snap_id(sn, id), "11") == 0, "the oldest keeps the shared name");
	sn = zecfs_snaplist_find(l, "daily@9");
	CHECK(sn && strcmp(zecfs_snap_id(sn, id), "9") == 0,
	      "a younger one is name@id (same time: the smaller id is older)");
	sn = zecfs_snaplist_find(l, "daily@10");
	CHECK(sn && strcmp(zecfs_snap_id(sn, id), "10") == 0, "the youngest is name@id too");
	CHECK(zecfs_snaplist_find(l, "daily@11") == NULL, "the oldest has no name@id");
	CHECK(zecfs_snaplist_find(l, "nothing") == NULL, "an unknown name is not found");
	sn = zecfs_snaplist_find_id(l, "5");
	CHECK(sn && strcmp(zecfs_snap_name(sn), "base") == 0, "found by snapshot id");
	CHECK(zecfs_snaplist_find_id(l, "6") == NULL, "an unknown id is not found");
	CHECK(zecfs_snaplist_find(NULL, "base") == NULL && zecfs_snaplist_find_id(NULL, "5") == NULL,
	      "no list finds nothing");
	sn = zecfs_snaplist_find(l, "base");
	CHECK(sn && sn->common->zone_id == zecfs_snaplist_find_id(l, "9")->common->zone_id,
	      "shared fields point into one interned copy");
	CHECK(sn && zecfs_snaplist_find_id(l, "10")->common == zecfs_snaplist_find_id(l, "9")->common,
	      "snapshots with the same shared fields share one set");
	CHECK(sn && zecfs_snap_raw_name(sn) != v[3].snapshot_name &&
	      strcmp(zecfs_snap_status(sn), "CREATING") == 0, "the list holds its own copies");
	sn = zecfs_snaplist_find(l, "daily@9");
	CHECK(sn && strcmp(zecfs_snap_raw_name(sn), "daily") == 0,
	      "a name@id entry still has the server's name");
	CHECK(l->h.newest > 0 && l->h.newest == zecfs_snaplist_find(l, "daily@9")->ctime,
	      "newest is the newest createTime");
	zecfs_snaplist_put(l);
}

static void test_digest(void)
{
	struct zec_snapshot a[] = {
		snap("1", "x", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("2", "y", "AVAILABLE", "2026-10-01T00:00:00Z"),
	};
	struct zec_snapshot b[] = { a[1], a[0] };
	struct zec_snapshot c[] = { a[0], snap("2", "z", "AVAILABLE", "2026-10-01T00:00:00Z") };
	struct zecfs_snaplist *la = build(a, 2), *lb = build(b, 2), *lc = build(c, 2);

	CHECK(la && lb && la->h.digest == lb->h.digest,
	      "the same snapshots in another order: the same digest");
	CHECK(la && lc && la->h.digest != lc->h.digest, "a renamed snapshot changes the digest");
	zecfs_snaplist_put(la);
	zecfs_snaplist_put(lb);
	zecfs_snaplist_put(lc);
}

static void test_empty_and_bad_times(void)
{
	struct zec_snapshot v[] = { snap("7", "odd", "AVAILABLE", "yesterday") };
	struct zecfs_snaplist *e = NULL, *old, *fresh;

	CHECK(zecfs_cache_empty_list(1.0, &e) == 0 && e && e->n == 0 && e->h.digest == 0,
	      "an empty list");
	CHECK(e && zecfs_snaplist_find(e, "x") == NULL && zecfs_snaplist_find_id(e, "1") == NULL,
	      "an empty list finds nothing");
	zecfs_snaplist_put(e);
	old = build(v, 1);
	CHECK(old && old->v[0].text[0] & 0x10 && old->v[0].ctime > 0,
	      "an unparsable createTime is marked, and the time it was seen used (never 1970)");
	fresh = build(v, 1);
	if (old && fresh) {
		old->v[0].ctime = 1000;
		zecfs_cache_carry_bad_times(fresh, old);
		CHECK(fresh->v[0].ctime == 1000, "the time first seen carries to the next list");
	}
	zecfs_snaplist_put(old);
	zecfs_snaplist_put(fresh);
}

/* The record read back from a list, as snapshot.json prints it. */
static bool same_record(const struct zecfs_snap *sn, const struct zec_snapshot *s)
{
	struct zecfs_snap_rec r;
	bool same = true;

	zecfs_snap_record(sn, &r);
#define SAME(member, common) \
	same = same && (r.s.member == s->member || \
	                (r.s.member && s->member && strcmp(r.s.member, s->member) == 0));
	ZEC_SNAPSHOT_STRINGS(SAME)
#undef SAME
	return same && r.s.disk_ability == s->disk_ability;
}

static void test_round_trip(void)
{
	struct zec_snapshot v[] = {
		snap("862857204414550690", "plain", "AVAILABLE", "2026-10-01T12:34:56Z"),
		snap("18446744073709551615", "max", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("18446744073709551616", "over", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("0123", "lead0", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("0", "zero", "AVAILABLE", "2026-10-01T00:00:00Z"),
		snap("snap-7f", "texty", "AVAILABLE", "2026-10-01T00:00:00.123Z"),
		snap("-5", "neg", "AVAILABLE", "2026-10-01T08:00:00+08:00"),
		snap("+5", "plus", "AVAILABLE", " 2026-10-01T00:00:00Z"),
		snap("77", "notime", "AVAILABLE", NULL),
		snap("78", "badtime", "AVAILABLE", "later"),
		snap("79", "epoch", "AVAILABLE", "1970-01-01T00:00:00Z"),
		snap("80", "plain", "CREATING", "2026-10-02T00:00:00Z"),
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	struct zecfs_snaplist *l, *again = NULL;
	struct zecfs_builder b = { 0 };
	bool all = true, copied = true;
	char id[ZECFS_SNAP_ID_LEN], buf[64];

	v[0].retention_time = "2026-11-01T00:00:00Z";
	v[1].retention_time = "2026-11-01T00:00:00.5Z";
	v[2].retention_time = "";
	v[3].snapshot_type = "Auto";
	v[3].resource_group_id = "rg-1";
	v[3].resource_group_name = "default";
	v[4].disk_ability = true;
	v[5].retention_time = "whenever";
	l = build(v, n);
	CHECK(l && l->n == n, "every odd id, time and retention is listed");
	if (!l)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct zecfs_snap *sn = zecfs_snaplist_find_id(l, v[i].snapshot_id);

		all = all && sn && same_record(sn, &v[i]);
	}
	CHECK(all, "each record reads back as the server sent it, byte for byte");
	CHECK(sizeof(struct zecfs_snap) == 32, "a cached snapshot is 32 bytes");
	CHECK(zecfs_snaplist_find_id(l, "862857204414550690")->id == 862857204414550690ULL,
	      "a decimal id is kept as a number");
	CHECK(zecfs_snaplist_find_id(l, "18446744073709551615")->id == ZECFS_SNAP_ID_TEXT &&
	      zecfs_snaplist_find_id(l, "0123")->id == ZECFS_SNAP_ID_TEXT &&
	      zecfs_snaplist_find_id(l, "snap-7f")->id == ZECFS_SNAP_ID_TEXT,
	      "ids that would not print back the same are kept as text");
	CHECK(zecfs_snaplist_find_id(l, "123") == NULL && zecfs_snaplist_find_id(l, "00") == NULL &&
	      zecfs_snaplist_find_id(l, "") == NULL,
	      "an id is not found by another text of the same number");
	CHECK(strcmp(zecfs_snap_id(zecfs_snaplist_find(l, "zero"), id), "0") == 0,
	      "the id 0 prints back");
	CHECK(zecfs_snaplist_find(l, "plain@80") && zecfs_snaplist_find(l, "plain") &&
	      strcmp(zecfs_snap_raw_name(zecfs_snaplist_find(l, "plain@80")), "plain") == 0,
	      "a repeated name is shown as name@id");
	CHECK(zecfs_snaplist_find(l, "neg")->ctime == zecfs_snaplist_find(l, "max")->ctime,
	      "an offset time is parsed to the same instant");
	CHECK(strcmp(zecfs_snap_str(zecfs_snaplist_find(l, "plain"),
	                            offsetof(struct zec_snapshot, create_time), buf, sizeof(buf)),
	             "2026-10-01T12:34:56Z") == 0 && strcmp(buf, "2026-10-01T12:34:56Z") == 0,
	      "a canonical time is written back into the caller's buffer");
	CHECK(zecfs_snap_str(zecfs_snaplist_find(l, "plain"),
	                     offsetof(struct zec_snapshot, resource_group_id), buf, sizeof(buf)) == NULL,
	      "an absent field reads as NULL");
	/* a list built from another list's entries (read-your-writes) */
	for (size_t i = 0; i < l->n && copied; i++)
		copied = zecfs_cache_builder_add_snap(&b, &l->v[i]) == 0;
	CHECK(copied && zecfs_cache_builder_finish(&b, 1.0, &again) == 0 && again,
	      "a list copies another's entries");
	for (size_t i = 0; again && i < n; i++) {
		const struct zecfs_snap *sn = zecfs_snaplist_find_id(again, v[i].snapshot_id);

		all = all && sn && same_record(sn, &v[i]);
	}
	{
		int by_num = 0, numeric = 0;

		for (size_t i = 0; again && i < again->n; i++) {
			const struct zecfs_snap *sn = &again->v[i];

			if (zecfs_snap_num(sn)) {
				numeric++;
				by_num += zecfs_snaplist_find_num(again, zecfs_snap_num(sn)) == sn;
			}
		}
		CHECK(numeric > 0 && by_num == numeric, "found by their ids' numbers too (%d of %d)",
		      by_num, numeric);
	}
	CHECK(again && all && again->h.digest == l->h.digest &&
	      zecfs_snaplist_find(again, "plain@80"),
	      "the copies read back the same, with the same names and digest");
	zecfs_snaplist_put(again);
	zecfs_snaplist_put(l);
}

/*
 * A snapshot's JSON length, counted from its own members plus what its set
 * of shared members adds, is that of the whole record, for odd records too:
 * escapes in names and shared fields, ids and times kept as text, with and
 * without a resource group, and the same shared set under every snapshot.
 */
static void test_json_len(void)
{
	static const char *const names[] = { "n", "q\"uote", "back\\slash", "tab\tnl\n",
		"ctl\x01", "utf-8-\xc3\xa9" };
	static const char *const ids[] = { "862857204414550690", "0123", "snap-7f" };
	static const char *const times[] = { "2026-10-01T12:34:56Z", "2026-10-01T00:00:00.5Z",
		NULL, "later", "0999-12-31T23:59:59Z" };
	static const char *const rts[] = { NULL, "2026-11-01T00:00:00Z", "whenever", "",
		"10000-01-01T00:00:00Z" };
	static const char *const zones[] = { NULL, "asia-east-1a", "z\"one" };
	static const char *const rgs[] = { NULL, "rg-1", "r\\g" };
	struct zec_snapshot v[200];
	char idbuf[200][32], namebuf[200][32];
	struct zecfs_snaplist *l;
	int bad = 0, checked = 0;

	for (size_t i = 0; i < 200; i++) {
		snprintf(idbuf[i], sizeof(idbuf[i]), "%s%zu", ids[i % 3], i);
		snprintf(namebuf[i], sizeof(namebuf[i]), "%s-%zu", names[i % 6], i);
		v[i] = snap(idbuf[i], namebuf[i], i % 7 ? "AVAILABLE" : "CREAT\\NG", times[i % 5]);
		v[i].retention_time = (char *)rts[i % 5 == 3 ? 0 : (i / 5) % 5];
		v[i].zone_id = (char *)zones[(i / 3) % 3];
		v[i].resource_group_id = (char *)rgs[(i / 5) % 3];
		v[i].resource_group_name = (char *)rgs[(i / 7) % 3];
		v[i].snapshot_type = i % 2 ? "Auto" : NULL;
		v[i].disk_ability = i % 3 == 0;
	}
	l = build(v, 200);
	CHECK(l && l->n == 200, "json length: 200 odd records listed");
	for (size_t i = 0; l && i < l->n; i++) {
		struct zecfs_snap_rec r;

		zecfs_snap_record(&l->v[i], &r);
		for (int pretty = 0; pretty < 2; pretty++) {
			checked++;
			if (zecfs_snap_json_len(&l->v[i], pretty) != zecfs_snapjson(&r.s, pretty, NULL, 0))
				bad++;
		}
	}
	CHECK(checked == 400 && bad == 0,
	      "json length: own members plus the shared set's share = the whole record (%d of %d differ)",
	      bad, checked);
	zecfs_snaplist_put(l);
}

static void test_shown_names(void)
{
	char buf[64];

	CHECK(zecfs_age_cmp(1, "9", 1, "10") < 0, "ids compare as numbers");
	CHECK(zecfs_age_cmp(2, "1", 1, "2") > 0, "older first");
	CHECK(strcmp(zecfs_shown_name("a", NULL, "1", buf, sizeof(buf)), "a") == 0, "first keeps it");
	CHECK(strcmp(zecfs_shown_name("a", "b", "1", buf, sizeof(buf)), "a") == 0, "another name");
	CHECK(strcmp(zecfs_shown_name("a", "a", "12", buf, sizeof(buf)), "a@12") == 0, "name@id");
	CHECK(zecfs_shown_name("a", "a", "12", buf, 3) == NULL, "too long: NULL");
	CHECK(zecfs_name_ok("snap", 255) && !zecfs_name_ok("", 255) && !zecfs_name_ok(".", 255) &&
	      !zecfs_name_ok("a/b", 255) && !zecfs_name_ok("abcd", 3) && !zecfs_name_ok(NULL, 3),
	      "path components: not empty, '.', '..', with '/' or too long");
}

int main(void)
{
	test_left_out();
	test_names_and_lookups();
	test_digest();
	test_empty_and_bad_times();
	test_round_trip();
	test_json_len();
	test_shown_names();
	zecfs_cache_pool_free();
	return check_summary();
}

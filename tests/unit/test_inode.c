/*
 * test_inode.c - the inode table (src/fs/inode.c): numbers, lookup counts,
 * identities, and the disk ids the entries of a disk share.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "inode.h"

static void test_identities_round_trip(void)
{
	struct zecfs_inodes *t = NULL;
	struct zecfs_ident id;
	uint64_t ino[3][200], again;
	char disk[32], snap[32];

	CHECK(zecfs_inodes_new(&t) == 0, "a table");
	if (!t)
		return;
	/* 3 disks x 200 snapshots: enough to grow the bucket array */
	for (int d = 0; d < 3; d++) {
		snprintf(disk, sizeof(disk), "86285720441460000%d", d);
		for (int s = 0; s < 200; s++) {
			snprintf(snap, sizeof(snap), "8800000589612%05d", d * 1000 + s);
			CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, snap, &ino[d][s]) == 0 &&
			      ino[d][s] >= ZECFS_INO_FIRST, "snapshot %d/%d has a number", d, s);
		}
	}
	CHECK(zecfs_inodes_count(t) == 600, "600 entries (%llu)",
	      (unsigned long long)zecfs_inodes_count(t));
	snprintf(disk, sizeof(disk), "862857204414600001");
	snprintf(snap, sizeof(snap), "8800000589612%05d", 1042);
	CHECK(zecfs_inode_ident(t, ino[1][42], &id) == 0 && id.kind == ZECFS_SNAPSHOT &&
	      strcmp(id.disk_id, disk) == 0 && strcmp(id.obj_id, snap) == 0,
	      "an entry names its disk and snapshot (%s %s)", id.disk_id, id.obj_id);
	CHECK(zecfs_inode_peek(t, ZECFS_SNAPSHOT, disk, snap) == ino[1][42],
	      "peek finds the same number");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, snap, &again) == 0 &&
	      again == ino[1][42] && zecfs_inodes_count(t) == 600,
	      "a second reference adds no entry");
	zecfs_inode_forget(t, ino[1][42], 1);
	CHECK(zecfs_inode_ident(t, ino[1][42], &id) == 0, "one reference left: still known");
	zecfs_inode_forget(t, ino[1][42], 1);
	CHECK(zecfs_inode_ident(t, ino[1][42], &id) == -ENOENT &&
	      zecfs_inodes_count(t) == 599, "forgotten: stale");

	/* every entry of disk 0 forgotten: its shared id goes, and comes back */
	for (int s = 0; s < 200; s++)
		zecfs_inode_forget(t, ino[0][s], 5);
	CHECK(zecfs_inodes_count(t) == 399, "disk 0's entries gone (%llu)",
	      (unsigned long long)zecfs_inodes_count(t));
	snprintf(disk, sizeof(disk), "862857204414600000");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, "880000058961200007", &again) == 0 &&
	      again == ino[0][7], "a forgotten identity gets its number back");
	CHECK(zecfs_inode_ident(t, again, &id) == 0 && strcmp(id.disk_id, disk) == 0,
	      "with its disk id");

	/* kinds without a snapshot id, or without any id */
	CHECK(zecfs_inode_ref(t, ZECFS_DISK, disk, NULL, &again) == 0 &&
	      zecfs_inode_ident(t, again, &id) == 0 && id.kind == ZECFS_DISK &&
	      strcmp(id.disk_id, disk) == 0 && id.obj_id[0] == '\0', "a disk");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAP_JSON, disk, "880000058961200007", &again) == 0 &&
	      again != ino[0][7], "snapshot.json is another identity");
	CHECK(zecfs_inode_ref(t, ZECFS_ROOT, NULL, NULL, &again) == 0 &&
	      again == ZECFS_INO_ROOT, "the root is fixed");

	/* ids longer than ZECFS_ID_MAX are refused */
	{
		char longid[ZECFS_ID_MAX + 2];

		memset(longid, '7', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, longid, &again) == -ENAMETOOLONG,
		      "a snapshot id over ZECFS_ID_MAX");
		CHECK(zecfs_inode_ref(t, ZECFS_DISK, longid, NULL, &again) == -ENAMETOOLONG,
		      "a disk id over ZECFS_ID_MAX");
	}
	/* freed with entries (and shared disk ids) still held: no leak under ASan */
	zecfs_inodes_free(t);
}

/* A snapshot's numbers come from its id: the same in any table, below 2^63. */
static void test_derived_numbers(void)
{
	struct zecfs_inodes *t = NULL, *u = NULL;
	static uint64_t ino[5000];
	struct zecfs_ident id;
	char snap[32];
	uint64_t n, json;
	int bad = 0;

	CHECK(zecfs_inodes_new(&t) == 0 && zecfs_inodes_new(&u) == 0, "two tables");
	if (!t || !u)
		goto out;
	CHECK(zecfs_inode_peek(t, ZECFS_SNAPSHOT, "d1", "1262447417567117312") ==
	      zecfs_inode_peek(u, ZECFS_SNAPSHOT, "d1", "1262447417567117312"),
	      "the same number in another table (another mount)");
	CHECK(zecfs_inode_held(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312") == 0,
	      "nothing held yet");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312", &json) == 0 &&
	      json < (1ULL << 63) &&
	      zecfs_inode_held(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312") == json,
	      "snapshot.json held, below 2^63");
	CHECK(zecfs_inode_ident(t, json, &id) == 0 && id.kind == ZECFS_SNAP_JSON &&
	      strcmp(id.disk_id, "d1") == 0 && strcmp(id.obj_id, "1262447417567117312") == 0,
	      "its identity comes back from the number (%s %s)", id.disk_id, id.obj_id);
	/* ids that are not plain decimals below 2^61 are hashed: below 2^63 too */
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "0123", &n) == 0 && n < (1ULL << 63) &&
	      zecfs_inode_ident(t, n, &id) == 0 && strcmp(id.obj_id, "0123") == 0,
	      "a leading zero keeps its spelling");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "99999999999999999999", &n) == 0 &&
	      n < (1ULL << 63) && zecfs_inode_ident(t, n, &id) == 0 &&
	      strcmp(id.obj_id, "99999999999999999999") == 0, "an id over 2^64");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "snap-xyz", &n) == 0 && n < (1ULL << 63),
	      "an id with letters");
	/* an identity that carries its id's number: the same numbers, either way */
	{
		static const char *const ids[] = { "1262447417567117312", "2305843009213693951",
			"2305843009213693952", "18446744073709551614", "7", "2305843009213693949",
			"2305843009213693950" };
		int same = 0;

		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			struct zecfs_ident x = { .kind = i % 2 ? ZECFS_SNAP_JSON : ZECFS_SNAPSHOT };
			uint64_t by_text = 0, by_num = 0;

			zecfs_id_set(x.disk_id, "d9");
			zecfs_id_set(x.obj_id, ids[i]);
			x.snap_num = strtoull(ids[i], NULL, 10);
			if (zecfs_inode_ref(u, x.kind, "d9", ids[i], &by_text) == 0 &&
			    zecfs_inode_ref_ident(u, &x, &by_num) == 0 && by_text == by_num &&
			    zecfs_inode_ident(u, by_num, &id) == 0 && strcmp(id.obj_id, ids[i]) == 0 &&
			    id.snap_num == (by_num >= (1ULL << 62) ? x.snap_num : 0))
				same++;
		}
		CHECK(same == 7, "an id's number gives the number its text gives, derived or "
		      "hashed near 2^61 and past it, and comes back with a derived number (%d of 7)",
		      same);
	}
	/* the kind a number says alone: only a number derived from an id */
	CHECK(zecfs_inode_number_kind(json) == ZECFS_SNAP_JSON, "a derived snapshot.json number says so");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "1262447417567117312", &n) == 0 &&
	      zecfs_inode_number_kind(n) == ZECFS_SNAPSHOT, "a derived directory number says so");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "snap-xyz", &n) == 0 &&
	      zecfs_inode_number_kind(n) == 0, "a hashed snapshot number says nothing");
	CHECK(zecfs_inode_ref(t, ZECFS_DISK, "d1", "", &n) == 0 && zecfs_inode_number_kind(n) == 0 &&
	      zecfs_inode_number_kind(ZECFS_INO_ROOT) == 0 &&
	      zecfs_inode_number_kind((1ULL << 63) | n) == 0,
	      "a disk, the root and a passthrough number say nothing");
	/* many entries, half forgotten in a scattered order: the rest still found */
	for (int i = 0; i < 5000; i++) {
		snprintf(snap, sizeof(snap), "88000005896%07d", i * 7919 % 5000);
		if (zecfs_inode_ref(t, i % 2 ? ZECFS_SNAP_JSON : ZECFS_SNAPSHOT, i % 3 ? "d2" : "d3",
		                    snap, &ino[i]) != 0)
			bad++;
	}
	for (int i = 0; i < 5000; i += 2)
		zecfs_inode_forget(t, ino[(i * 37) % 5000], 1);
	for (int i = 0; i < 5000; i++) {
		bool gone = false;

		for (int k = 0; k < 5000 && !gone; k += 2)
			gone = (k * 37) % 5000 == i;
		snprintf(snap, sizeof(snap), "88000005896%07d", i * 7919 % 5000);
		if ((zecfs_inode_ident(t, ino[i], &id) == 0) == gone ||
		    (!gone && (strcmp(id.obj_id, snap) != 0 ||
		               strcmp(id.disk_id, i % 3 ? "d2" : "d3") != 0)))
			bad++;
	}
	CHECK(bad == 0, "5000 entries, 2500 forgotten: the others intact (%d wrong)", bad);
	CHECK(zecfs_inodes_count(t) == 1 + 3 + 2 + 2500, "counted (%llu)",
	      (unsigned long long)zecfs_inodes_count(t));
out:
	zecfs_inodes_free(t);
	zecfs_inodes_free(u);
}

/* A snapshot.json under its held directory costs no entry of its own. */
static void test_json_under_its_directory(void)
{
	struct zecfs_inodes *t = NULL;
	struct zecfs_ident id;
	uint64_t dir = 0, json = 0, again = 1;

	CHECK(zecfs_inodes_new(&t) == 0, "a table");
	if (!t)
		return;
	CHECK(zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "1262447417567117312", &dir) == 0 &&
	      zecfs_inode_ref(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312", &json) == 0 &&
	      zecfs_inode_ref(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312", &again) == 0 &&
	      json == again && json != dir, "the directory and its snapshot.json");
	CHECK(zecfs_inodes_count(t) == 1, "one entry for both (%llu)",
	      (unsigned long long)zecfs_inodes_count(t));
	CHECK(zecfs_inode_held(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312") == json &&
	      zecfs_inode_held(t, ZECFS_SNAP_JSON, "d2", "1262447417567117312") == 0,
	      "held through its directory, on its own disk only");
	CHECK(zecfs_inode_ident(t, json, &id) == 0 && id.kind == ZECFS_SNAP_JSON &&
	      strcmp(id.disk_id, "d1") == 0 && strcmp(id.obj_id, "1262447417567117312") == 0,
	      "its identity from the directory's slot");
	zecfs_inode_forget(t, json, 2);
	CHECK(zecfs_inode_ident(t, dir, &id) == 0 && id.kind == ZECFS_SNAPSHOT,
	      "forgetting the file leaves the directory");
	zecfs_inode_forget(t, dir, 1);
	CHECK(zecfs_inode_ident(t, json, &id) == -ENOENT && zecfs_inodes_count(t) == 0,
	      "with the directory forgotten, the file's number is stale");
	zecfs_inodes_free(t);
}

/*
 * Entries that outgrow a slot (a count over what its bits hold; with the
 * table built with few disk bits, disks past them) keep their numbers,
 * identities and counts.
 */
static void test_outgrown_slots(void)
{
	struct zecfs_inodes *t = NULL;
	struct zecfs_ident id;
	static uint64_t ino[10][50];
	uint64_t again = 0, first = 0;
	char disk[32], snap[32];
	int bad = 0;

	CHECK(zecfs_inodes_new(&t) == 0, "a table");
	if (!t)
		return;
	for (int i = 0; i < 5000; i++) {
		if (zecfs_inode_ref(t, ZECFS_SNAPSHOT, "d1", "1262447417567117312", &again) != 0 ||
		    (i && again != first))
			bad++;
		if (!i)
			first = again;
	}
	CHECK(bad == 0 && zecfs_inodes_count(t) == 1, "5000 references to one snapshot");
	zecfs_inode_forget(t, first, 4999);
	CHECK(zecfs_inode_ident(t, first, &id) == 0 && id.kind == ZECFS_SNAPSHOT &&
	      strcmp(id.disk_id, "d1") == 0 && strcmp(id.obj_id, "1262447417567117312") == 0 &&
	      zecfs_inode_held(t, ZECFS_SNAPSHOT, "d1", "1262447417567117312") == first,
	      "4999 forgotten: still held, the same identity");
	CHECK(zecfs_inode_ref(t, ZECFS_SNAP_JSON, "d1", "1262447417567117312", &again) == 0 &&
	      zecfs_inodes_count(t) == 1, "its snapshot.json under it takes no entry");
	zecfs_inode_forget(t, first, 1);
	CHECK(zecfs_inode_ident(t, first, &id) == -ENOENT && zecfs_inodes_count(t) == 0,
	      "the last one forgotten: stale");

	for (int d = 0; d < 10; d++) {
		snprintf(disk, sizeof(disk), "86285720441460%04d", d);
		for (int s = 0; s < 50; s++) {
			snprintf(snap, sizeof(snap), "88000005896%07d", d * 100 + s);
			if (zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, snap, &ino[d][s]) != 0 ||
			    zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, snap, &again) != 0 ||
			    again != ino[d][s])
				bad++;
		}
	}
	for (int d = 0; d < 10; d++) {
		snprintf(disk, sizeof(disk), "86285720441460%04d", d);
		for (int s = 0; s < 50; s++) {
			snprintf(snap, sizeof(snap), "88000005896%07d", d * 100 + s);
			if (zecfs_inode_ident(t, ino[d][s], &id) != 0 || strcmp(id.disk_id, disk) != 0 ||
			    strcmp(id.obj_id, snap) != 0 ||
			    zecfs_inode_peek(t, ZECFS_SNAPSHOT, disk, snap) != ino[d][s])
				bad++;
			zecfs_inode_forget(t, ino[d][s], 1);
		}
	}
	CHECK(bad == 0 && zecfs_inodes_count(t) == 500, "10 disks x 50 snapshots, twice each (%d wrong)",
	      bad);
	for (int d = 0; d < 10; d++) {
		for (int s = 0; s < 50; s++)
			zecfs_inode_forget(t, ino[d][s], 1);
	}
	CHECK(zecfs_inodes_count(t) == 0, "all forgotten (%llu left)",
	      (unsigned long long)zecfs_inodes_count(t));
	zecfs_inodes_free(t);
}

/* Random references and forgets against a model: every count and identity kept. */
static void test_random_against_model(void)
{
	enum { IDS = 3000, OPS = 60000 };
	struct zecfs_inodes *t = NULL;
	static uint64_t ino[IDS], held[IDS];
	struct zecfs_ident id;
	unsigned seed = 12345;
	char snap[32], disk[32];
	uint64_t live = 0;
	int bad = 0;

	CHECK(zecfs_inodes_new(&t) == 0, "a table");
	if (!t)
		return;
	for (int op = 0; op < OPS; op++) {
		int i = (int)((seed = seed * 1103515245u + 12345u) >> 8) % IDS;
		bool forget = ((seed >> 4) & 3) == 0 && held[i];

		snprintf(snap, sizeof(snap), "%llu", 1000000000000ULL + (unsigned long long)i * 7919);
		snprintf(disk, sizeof(disk), "disk-%d", i % 37);
		if (forget) {
			uint64_t n = 1 + (seed >> 12) % held[i];

			zecfs_inode_forget(t, ino[i], n);
			held[i] -= n;
			live -= !held[i];
		} else if (zecfs_inode_ref(t, ZECFS_SNAPSHOT, disk, snap, &ino[i]) != 0) {
			bad++;
		} else {
			live += !held[i]++;
		}
		if (op % 1000 == 999) {
			for (int k = 0; k < IDS; k++) {
				snprintf(snap, sizeof(snap), "%llu",
				         1000000000000ULL + (unsigned long long)k * 7919);
				snprintf(disk, sizeof(disk), "disk-%d", k % 37);
				if (held[k] && (zecfs_inode_ident(t, ino[k], &id) != 0 ||
				                strcmp(id.obj_id, snap) != 0 ||
				                strcmp(id.disk_id, disk) != 0))
					bad++;
				if (!held[k] && ino[k] && zecfs_inode_ident(t, ino[k], &id) != -ENOENT)
					bad++;
			}
			if (zecfs_inodes_count(t) != live)
				bad++;
		}
	}
	CHECK(bad == 0, "%d random references and forgets match the model (%d wrong)", OPS, bad);
	zecfs_inodes_free(t);
}

int main(void)
{
	test_identities_round_trip();
	test_derived_numbers();
	test_json_under_its_directory();
	test_outgrown_slots();
	test_random_against_model();
	return check_summary();
}

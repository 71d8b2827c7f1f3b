/*
 * test_inode.c - the inode table (src/fs/inode.c): numbers, lookup counts,
 * identities, and the disk ids the entries of a disk share.
 */
#include <errno.h>
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

int main(void)
{
	test_identities_round_trip();
	return check_summary();
}

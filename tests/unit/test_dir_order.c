/*
 * test_dir_order.c - a directory's offsets: cookies past . and .., the
 * same for a name every time, distinct across a big listing, and a
 * listing sorted by zecfs_keyed_sort as qsort sorts it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dir_order.h"

static uint64_t next_random(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct zecfs_keyed *a = pa, *b = pb;

	if (a->cookie != b->cookie)
		return a->cookie < b->cookie ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void test_cookies(void)
{
	static const char *const names[] = { "", "snapshot.json", "disk.json", "snapshots",
		"snapshots.json", ".by-name", ".policies", "a", "\xc3\xa9",
		"nightly-1@870000000000000001" };
	enum { N = 200000 };
	uint64_t *c = malloc(N * sizeof(*c));
	int low = 0, unstable = 0, shared = 0;
	char name[32];

	if (!c)
		abort();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		low += zecfs_dir_cookie(names[i]) < 3;
		unstable += zecfs_dir_cookie(names[i]) != zecfs_dir_cookie(names[i]);
	}
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "nightly-%d", i);
		c[i] = zecfs_dir_cookie(name);
		low += c[i] < 3;
	}
	CHECK(low == 0 && unstable == 0, "a cookie is 3 or more (past . and ..) and the same "
	      "every time (%d low, %d unstable)", low, unstable);
	qsort(c, N, sizeof(*c), u64_cmp);
	for (int i = 1; i < N; i++)
		shared += c[i] == c[i - 1];
	CHECK(shared == 0, "200,000 names of one pattern have 200,000 cookies (%d shared)",
	      shared);
	free(c);
}

/*
 * Random listings of every size up to 700 (insertion runs of 8, then
 * merges, whole and partial), with cookies that repeat so that the name
 * decides: the same order as qsort with the same comparison.
 */
static void test_sort(void)
{
	static const char *const names[] = { "a", "b", "c", "d", "ab" };
	uint64_t x = 88172645463325252ULL;
	int bad = 0, rounds = 0;

	for (size_t n = 0; n <= 700; n += 1 + n / 16) {
		for (int r = 0; r < 20; r++, rounds++) {
			struct zecfs_keyed *k = malloc((2 * n + 1) * sizeof(*k));
			struct zecfs_keyed *want = malloc((n + 1) * sizeof(*want));

			if (!k || !want)
				abort();
			for (size_t i = 0; i < n; i++) {
				x = next_random(x);
				k[i].cookie = r % 2 ? x % 7 : x;     /* half the rounds: ties */
				k[i].name = names[(x >> 32) % 5];
				k[i].idx = (uint32_t)i;
			}
			memcpy(want, k, n * sizeof(*k));
			qsort(want, n, sizeof(*want), keyed_cmp);
			zecfs_keyed_sort(k, k + n, n);
			for (size_t i = 0; i < n; i++) {
				if (keyed_cmp(&k[i], &want[i]) != 0) {
					bad++;
					break;
				}
			}
			free(k);
			free(want);
		}
	}
	CHECK(bad == 0, "%d listings of 0-700 entries sorted as qsort sorts them (%d differ)",
	      rounds, bad);
}

int main(void)
{
	test_cookies();
	test_sort();
	return check_summary();
}

/*
 * dir_order.c - a directory's offsets: the cookie of each entry's name,
 * and the sort that puts a listing's entries in cookie order.
 */
#include "dir_order.h"

#include <stdbool.h>
#include <string.h>

/*
 * Directory offsets are cookies of the entries' names, not positions.
 * Entries are handed out in cookie order, and a READDIR at offset X goes
 * on with the first entry whose cookie is past X, in whatever listing is
 * current then.  So an entry that exists for the whole scan is returned
 * exactly once however the listing changes between two READDIRs (a mkdir
 * through this mount, another host's rmdir): a position would shift under
 * an insertion or a removal and repeat or skip an untouched entry.  The
 * same scheme as ext4's hashed directory offsets and NFS cookies; two names
 * share a cookie with odds of about n^2 / 2^63, and only a READDIR buffer
 * that ends between the two of them loses the second.
 * . and .. have offsets 1 and 2, so cookies start at 3.
 */
uint64_t zecfs_dir_cookie(const char *name)
{
	uint64_t h = 1469598103934665603ULL;     /* FNV-1a, then a final mix */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h >> 2) + 3;
}

static bool keyed_before(const struct zecfs_keyed *a, const struct zecfs_keyed *b)
{
	if (a->cookie != b->cookie)
		return a->cookie < b->cookie;
	return strcmp(a->name, b->name) < 0;
}

/*
 * Sorts k[0, n) by cookie, then name, through tmp (room for n): runs of 8
 * by insertion, then merged in rounds between the two arrays.  qsort's
 * call through a pointer for each of a listing's n log n comparisons cost
 * a twentieth of a first walk's READDIRPLUS.
 */
void zecfs_keyed_sort(struct zecfs_keyed *k, struct zecfs_keyed *tmp, size_t n)
{
	struct zecfs_keyed *from = k, *to = tmp, *swap;

	for (size_t lo = 0; lo < n; lo += 8) {
		size_t hi = lo + 8 < n ? lo + 8 : n;

		for (size_t i = lo + 1; i < hi; i++) {
			struct zecfs_keyed x = k[i];
			size_t j = i;

			for (; j > lo && keyed_before(&x, &k[j - 1]); j--)
				k[j] = k[j - 1];
			k[j] = x;
		}
	}
	for (size_t w = 8; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, o = lo;

			while (a < mid && b < hi)
				to[o++] = keyed_before(&from[b], &from[a]) ? from[b++] : from[a++];
			while (a < mid)
				to[o++] = from[a++];
			while (b < hi)
				to[o++] = from[b++];
		}
		swap = from;
		from = to;
		to = swap;
	}
	if (from != k)
		memcpy(k, from, n * sizeof(*k));
}

/*
 * test_cache_store.c - the cache's compact string store (src/fs/cache_store.c):
 * interned strings are one copy per value, chunk copies stay put while more
 * are added, and a string longer than a chunk gets a chunk of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "cache_int.h"
#include "check.h"

static void test_intern(void)
{
	char a[] = "AVAILABLE", b[] = "AVAILABLE";
	const char *pa = zecfs_cache_intern(a), *pb = zecfs_cache_intern(b);
	const char *other = zecfs_cache_intern("CREATING");
	const char *empty = zecfs_cache_intern("");

	CHECK(pa && strcmp(pa, "AVAILABLE") == 0, "intern copies the value");
	CHECK(pa != a, "intern keeps its own copy, not the caller's buffer");
	CHECK(pa == pb, "equal values intern to one pointer");
	CHECK(other && other != pa && strcmp(other, "CREATING") == 0,
	      "another value interns to another pointer");
	CHECK(empty && *empty == '\0', "the empty string interns");
	a[0] = 'X';
	CHECK(strcmp(pa, "AVAILABLE") == 0, "changing the caller's buffer leaves the pool alone");
	zecfs_cache_pool_free();
	pa = zecfs_cache_intern("AVAILABLE");
	CHECK(pa && strcmp(pa, "AVAILABLE") == 0, "the pool works again after it was freed");
	zecfs_cache_pool_free();
}

static void test_chunks(void)
{
	struct zecfs_chunk *chunks = NULL;
	char *first, *copies[2000], big[100 * 1024];
	char want[32];
	bool same = true;

	first = zecfs_cache_chunk_dup(&chunks, "snap-0");
	CHECK(first && strcmp(first, "snap-0") == 0, "a chunk copy holds the string");
	/* enough strings to fill several chunks: earlier copies never move */
	for (int i = 0; i < 2000; i++) {
		snprintf(want, sizeof(want), "snapshot-name-%d", i);
		copies[i] = zecfs_cache_chunk_dup(&chunks, want);
		if (!copies[i])
			same = false;
	}
	for (int i = 0; same && i < 2000; i++) {
		snprintf(want, sizeof(want), "snapshot-name-%d", i);
		same = strcmp(copies[i], want) == 0;
	}
	CHECK(same, "2000 copies across several chunks each still hold their string");
	CHECK(strcmp(first, "snap-0") == 0, "the first copy did not move");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	first = zecfs_cache_chunk_dup(&chunks, big);
	CHECK(first && strlen(first) == sizeof(big) - 1,
	      "a string longer than the largest chunk gets a chunk of its own");
	first = zecfs_cache_chunk_dup(&chunks, "");
	CHECK(first && *first == '\0', "the empty string is copied");
	zecfs_cache_chunks_free(chunks);
	zecfs_cache_chunks_free(NULL);
	CHECK(1, "freeing no chunks is a no-op");
}

int main(void)
{
	test_intern();
	test_chunks();
	return check_summary();
}

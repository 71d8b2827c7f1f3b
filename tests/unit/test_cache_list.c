/*
 * test_cache_list.c - what every cached list shares (src/fs/cache_list.c):
 * the last reference frees it, the digest tells lists apart, and the mtime
 * the kernel compares moves whenever the contents do, never otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "cache_int.h"
#include "check.h"
#include "zec_clock.h"

static int destroyed;

static void destroy(void *p)
{
	destroyed++;
	free(p);
}

static struct zecfs_list_head *head(uint64_t digest, time_t newest)
{
	struct zecfs_list_head *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h->refs = 1;
	h->destroy = destroy;
	h->digest = digest;
	h->newest = newest;
	return h;
}

static bool after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

static void test_references(void)
{
	struct zecfs_list_head *h = head(1, 0);

	h->order[0] = malloc(16);       /* dir.c's entry orders go with the list */
	zecfs_cache_list_get(h);
	zecfs_list_put(h);
	CHECK(destroyed == 0, "a list with a reference left stays");
	zecfs_list_put(h);
	CHECK(destroyed == 1, "the last reference destroys it");
	zecfs_list_put(NULL);
	CHECK(destroyed == 1, "putting no list is a no-op");
}

static void test_digest(void)
{
	uint64_t a = zecfs_list_digest(zecfs_list_digest(0, "x", "1"), "y", "2");
	uint64_t b = zecfs_list_digest(zecfs_list_digest(0, "x", "1"), "y", "2");
	uint64_t c = zecfs_list_digest(zecfs_list_digest(0, "y", "2"), "x", "1");

	CHECK(a == b && a != 0, "the same entries: the same digest");
	CHECK(a != c, "another order: another digest (lists are sorted)");
	CHECK(zecfs_list_digest(0, "ab", "c") != zecfs_list_digest(0, "a", "bc"),
	      "the name and id stay apart in the digest");
}

static void test_mtime(void)
{
	struct zecfs_list_head *old = head(1, 1000), *same = head(1, 1000), *changed = head(2, 1000);
	struct zecfs_list_head *first = head(1, 1000), *ahead = head(3, 0);
	struct timespec now;

	zec_clock_wall_ts(&now);
	zecfs_cache_settle_mtime(first, NULL);
	CHECK(first->mtime.tv_sec == 1000 && first->mtime.tv_nsec == 0,
	      "a first listing's mtime is its newest entry's createTime");
	old->mtime.tv_sec = now.tv_sec + 1000;  /* a server clock ahead of ours */
	old->mtime.tv_nsec = 999999999L;
	zecfs_cache_settle_mtime(same, old);
	CHECK(same->mtime.tv_sec == old->mtime.tv_sec && same->mtime.tv_nsec == old->mtime.tv_nsec,
	      "unchanged contents keep the old mtime");
	zecfs_cache_settle_mtime(changed, old);
	CHECK(after(&changed->mtime, &old->mtime) && changed->mtime.tv_sec == old->mtime.tv_sec + 1 &&
	      changed->mtime.tv_nsec == 0,
	      "changed contents move the mtime past the old one, even one ahead of our clock");
	zecfs_cache_changed_mtime(ahead, NULL);
	CHECK(!after(&now, &ahead->mtime), "a local change's mtime is never before now");
	ahead->newest = now.tv_sec + 500;
	zecfs_cache_changed_mtime(ahead, NULL);
	CHECK(ahead->mtime.tv_sec == now.tv_sec + 500, "nor before the newest entry");
	zecfs_list_put(old);
	zecfs_list_put(same);
	zecfs_list_put(changed);
	zecfs_list_put(first);
	zecfs_list_put(ahead);
}

static void test_parse_time(void)
{
	CHECK(zecfs_cache_parse_time("1970-01-01T00:01:40Z") == 100, "an API time parses");
	CHECK(zecfs_cache_parse_time("soon") == 0 && zecfs_cache_parse_time(NULL) == 0,
	      "an unparsable or absent time is 0");
}

int main(void)
{
	test_references();
	test_digest();
	test_mtime();
	test_parse_time();
	return check_summary();
}

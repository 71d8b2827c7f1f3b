/*
 * cache_list.c - what every cached list shares, whatever it lists: its
 * reference count, the digest of its names and ids, and the mtime the
 * kernel sees it by.
 */
#include "cache_int.h"

#include <stdlib.h>

#include "zec_clock.h"
#include "zec_time.h"

time_t zecfs_cache_parse_time(const char *s)
{
	time_t t = 0;

	if (s && zec_time_parse_api(s, &t))
		t = 0;
	return t;
}

void zecfs_cache_list_get(struct zecfs_list_head *h)
{
	__atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
}

void zecfs_list_put(struct zecfs_list_head *h)
{
	if (h && __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(h->order[0]);
		free(h->order[1]);
		h->destroy(h);
	}
}

/* Folds one entry into a list's digest (order matters: lists are sorted). */
uint64_t zecfs_list_digest(uint64_t h, const char *a, const char *b)
{
	h = h ? h : 0xcbf29ce484222325ULL;
	for (const char *p = a; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0x1f) * 0x100000001b3ULL;
	for (const char *p = b; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return (h ^ 0x1e) * 0x100000001b3ULL;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * A changed list's mtime: the time zecfs saw the change, never before its
 * newest entry, and always after the mtime of the list it replaces (one
 * nanosecond at least), so the kernel always sees it move.
 */
void zecfs_cache_changed_mtime(struct zecfs_list_head *fresh, const struct zecfs_list_head *old)
{
	struct timespec t = { .tv_sec = fresh->newest, .tv_nsec = 0 }, now;

	zec_clock_wall_ts(&now);
	if (ts_before(&t, &now))
		t = now;
	if (old && !ts_before(&old->mtime, &t)) {
		t = old->mtime;
		if (++t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec = 0;
		}
	}
	fresh->mtime = t;
}

/*
 * A fetched list's mtime: unchanged contents keep the old list's; changed
 * ones move it (changed_mtime); a first listing takes its newest entry's
 * createTime.
 */
void zecfs_cache_settle_mtime(struct zecfs_list_head *fresh, const struct zecfs_list_head *old)
{
	if (!old) {
		fresh->mtime.tv_sec = fresh->newest;
		fresh->mtime.tv_nsec = 0;
	} else if (old->digest == fresh->digest) {
		fresh->mtime = old->mtime;
	} else {
		zecfs_cache_changed_mtime(fresh, old);
	}
}

/*
 * test_cache.c - the listing cache (src/fs/cache.c) against a stub API.
 *
 * The two walkers cache.c calls are replaced at link time (-Wl,--wrap), so
 * each race is played step by step: a listing is held in flight while a
 * local change lands, then released.  Nothing here sleeps.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "check.h"
#include "zec_clock.h"
#include "zec_errno.h"

#define DISK_A "100"
#define DISK_B "200"

/* ---- the stub API ---------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool hold_account;        /* the account-wide listing waits for release */
static bool account_entered, released;
static bool hold_disk_b;         /* disk B's own listing waits, before it reads, for... */
static bool disk_b_entered, disk_b_released;
static bool hold_disk;           /* a disk's own listing waits for release */
static bool disk_entered;
static pthread_t waiter;         /* the thread whose clock reads are signalled */
static bool watch_waiter;
static bool waiter_in_cache;     /* it read the clock in the cache, lock held */
static bool fail_next;           /* the next listing fails as if the API were down */
static bool disks_incomplete_next;  /* the next disk listing lacks DISK_B, flagged */
static int calls_disks;
static bool incomplete_next;     /* the next listing moved under every walk: it
                                    lacks the server's last record */
static int calls;
static double clock_ahead;       /* seconds the cache's clock is moved on */

/* What the server holds: snapshot (id, name, disk). */
struct rec { const char *id, *name, *disk; };
static struct rec server[8];
static size_t n_server;
static const char *server_time = "2026-10-01T00:00:00Z";   /* every createTime */

static void put(size_t i, const char *id, const char *name, const char *disk)
{
	server[i] = (struct rec){ id, name, disk };
	if (i >= n_server)
		n_server = i + 1;
}

static int fill(const struct zec_snapshot_filter *f, struct zec_snapshot_list *out)
{
	out->items = calloc(n_server + 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = 0; i < n_server; i++) {
		struct zec_snapshot *s = &out->items[out->count];

		if (f->n_disk_ids && strcmp(f->disk_ids[0], server[i].disk) != 0)
			continue;
		s->snapshot_id = strdup(server[i].id);
		s->snapshot_name = strdup(server[i].name);
		s->disk_id = strdup(server[i].disk);
		s->status = strdup("AVAILABLE");
		s->create_time = strdup(server_time);
		out->count++;
	}
	out->total = (long long)out->count;
	return 0;
}

static int stub_list(const struct zec_snapshot_filter *f, struct zec_snapshot_list *out,
                     struct zec_result *res)
{
	struct zec_snapshot_list snapshot = { 0 };
	int ret;

	pthread_mutex_lock(&lock);
	calls++;
	if (f->n_disk_ids && hold_disk) {
		disk_entered = true;
		pthread_cond_broadcast(&cond);
		while (!released)
			pthread_cond_wait(&cond, &lock);
	}
	if (fail_next) {
		fail_next = false;
		pthread_mutex_unlock(&lock);
		ret = zec_result_local(res, ZECFS_TRANSPORT, "stub: connection refused");
		res->outcome = ZEC_OUTCOME_TRANSPORT;
		return ret;
	}
	if (f->n_disk_ids && hold_disk_b && strcmp(f->disk_ids[0], DISK_B) == 0) {
		disk_b_entered = true;
		pthread_cond_broadcast(&cond);
		while (!disk_b_released)
			pthread_cond_wait(&cond, &lock);
	}
	/* what the server answers is what it held when the request arrived */
	ret = fill(f, &snapshot);
	if (!ret && incomplete_next && snapshot.count) {
		incomplete_next = false;
		res->incomplete = true;
		zec_snapshot_clear(&snapshot.items[--snapshot.count]);
	}
	if (!f->n_disk_ids && hold_account) {
		account_entered = true;
		pthread_cond_broadcast(&cond);
		while (!released)
			pthread_cond_wait(&cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	*out = snapshot;
	return ret;
}

int __wrap_zec_describe_snapshots_all(struct zec_client *c,
                                      const struct zec_snapshot_filter *f,
                                      struct zec_snapshot_list *out,
                                      struct zec_result *res);
int __wrap_zec_describe_snapshots_all(struct zec_client *c,
                                      const struct zec_snapshot_filter *f,
                                      struct zec_snapshot_list *out,
                                      struct zec_result *res)
{
	(void)c;
	return stub_list(f, out, res);
}

/* The streaming walker: the stub's listing as one page. */
int __wrap_zec_describe_snapshots_each(struct zec_client *c,
                                       const struct zec_snapshot_filter *f,
                                       const struct zec_snapshot_sink *sink,
                                       struct zec_result *res);
int __wrap_zec_describe_snapshots_each(struct zec_client *c,
                                       const struct zec_snapshot_filter *f,
                                       const struct zec_snapshot_sink *sink,
                                       struct zec_result *res)
{
	struct zec_snapshot_list l = { 0 };
	int ret;

	(void)c;
	ret = stub_list(f, &l, res);
	if (!ret && l.count)
		ret = sink->page(sink->arg, l.items, l.count);
	zec_snapshot_list_free(&l);
	return ret;
}

int __wrap_zec_describe_disks_all(struct zec_client *c, const struct zec_disk_filter *f,
                                  struct zec_disk_list *out, struct zec_result *res);
int __wrap_zec_describe_disks_all(struct zec_client *c, const struct zec_disk_filter *f,
                                  struct zec_disk_list *out, struct zec_result *res)
{
	(void)c;
	(void)f;
	calls_disks++;
	out->items = calloc(2, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	out->items[0].disk_id = strdup(DISK_A);
	out->items[1].disk_id = strdup(DISK_B);
	out->count = 2;
	if (disks_incomplete_next) {
		disks_incomplete_next = false;
		res->incomplete = true;
		zec_disk_clear(&out->items[--out->count]);
	}
	return 0;
}

/*
 * The cache reads the clock with its lock held before it waits for another
 * thread's fetch: the waiter's first read tells the test it is in there.
 */
double __real_zec_clock_now(void);
double __wrap_zec_clock_now(void);
double __wrap_zec_clock_now(void)
{
	pthread_mutex_lock(&lock);
	if (watch_waiter && pthread_equal(pthread_self(), waiter) && !waiter_in_cache) {
		waiter_in_cache = true;
		pthread_cond_broadcast(&cond);
	}
	pthread_mutex_unlock(&lock);
	return __real_zec_clock_now() + clock_ahead;
}

/* ---- helpers --------------------------------------------------------- */

static struct zecfs_cache *new_cache(double ttl, double stale_max)
{
	struct zecfs_cache_opts o = { .ttl = ttl, .stale_max = stale_max };
	struct zecfs_cache *c = NULL;

	if (zecfs_cache_new(NULL, &o, &c))
		abort();
	return c;
}

/* The names a disk's cached listing shows, comma-separated. */
static void names(struct zecfs_cache *c, const char *disk, char *buf, size_t size)
{
	struct zec_result res = { 0 };
	struct zecfs_snaplist *l = NULL;

	buf[0] = '\0';
	if (zecfs_cache_snapshots(c, disk, &l, &res)) {
		snprintf(buf, size, "error");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		strncat(buf, zecfs_snap_name(&l->v[i]), size - strlen(buf) - 1);
		if (i + 1 < l->n)
			strncat(buf, ",", size - strlen(buf) - 1);
	}
	zecfs_snaplist_put(l);
}

static void *list_a(void *arg)
{
	char buf[128];

	names(arg, DISK_A, buf, sizeof(buf));
	return NULL;
}

static struct zec_snapshot snap(const char *id, const char *name, const char *disk)
{
	struct zec_snapshot s = { 0 };

	s.snapshot_id = (char *)id;
	s.snapshot_name = (char *)name;
	s.disk_id = (char *)disk;
	s.status = (char *)"CREATING";
	s.create_time = (char *)"2026-11-28T00:00:00Z";
	return s;
}

/* ---- the races ------------------------------------------------------- */

/*
 * A walk's account-wide listing, in flight while zecfs
 * removes 'old' and creates 'new' on disk B, must not put 'old' back or
 * hide 'new' when it lands.
 */
static void test_walk_never_installs_over_a_local_change(void)
{
	struct zecfs_cache *c = new_cache(3600, 0);
	struct zecfs_disklist *dl = NULL;
	struct zec_result res = { 0 };
	struct zec_snapshot added = snap("3", "new", DISK_B);
	char buf[128];
	pthread_t t;

	n_server = 0;
	put(0, "1", "a1", DISK_A);
	put(1, "2", "old", DISK_B);
	CHECK(zecfs_cache_disks(c, &dl, &res) == 0, "disks listed");
	zecfs_disklist_put(dl);
	names(c, DISK_B, buf, sizeof(buf));
	CHECK(strcmp(buf, "old") == 0, "disk B lists 'old' (got '%s')", buf);

	zecfs_cache_walk_started(c);
	hold_account = true;
	account_entered = released = false;
	pthread_create(&t, NULL, list_a, c);
	pthread_mutex_lock(&lock);
	while (!account_entered)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	/* the server acts on zecfs's rmdir and mkdir while the walk is in flight */
	CHECK(zecfs_cache_snapshot_removed(c, DISK_B, "2") == 0, "rmdir old applied");
	CHECK(zecfs_cache_snapshot_added(c, &added) == 0, "mkdir new applied");
	names(c, DISK_B, buf, sizeof(buf));
	CHECK(strcmp(buf, "new") == 0, "read-your-writes before the walk lands (got '%s')", buf);

	pthread_mutex_lock(&lock);
	released = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	hold_account = false;

	names(c, DISK_B, buf, sizeof(buf));
	CHECK(strcmp(buf, "new") == 0,
	      "after the walk landed, disk B still shows only 'new' (got '%s')", buf);
	names(c, DISK_A, buf, sizeof(buf));
	CHECK(strcmp(buf, "a1") == 0, "disk A got the walk's listing (got '%s')", buf);
	zecfs_cache_free(c);
}

static void *list_b(void *arg)
{
	char buf[128];

	names(arg, DISK_B, buf, sizeof(buf));
	return NULL;
}

/*
 * A disk's own listing that began before a walk's account-wide listing and
 * read the server after it (a slow, many-page listing) is newer than the
 * walk's for that disk: the walk, which found no snapshot of it, must not
 * install an empty list over the one that found b1.
 */
static void test_walk_never_empties_a_newer_own_listing(void)
{
	struct zecfs_cache *c = new_cache(3600, 0);
	struct zecfs_disklist *dl = NULL;
	struct zec_result res = { 0 };
	char buf[128];
	pthread_t ta, tb;

	n_server = 0;
	put(0, "1", "a1", DISK_A);
	CHECK(zecfs_cache_disks(c, &dl, &res) == 0, "disks listed");
	zecfs_disklist_put(dl);

	/* disk B's own listing begins, and waits before it reads */
	hold_disk_b = true;
	disk_b_entered = disk_b_released = false;
	pthread_create(&tb, NULL, list_b, c);
	pthread_mutex_lock(&lock);
	while (!disk_b_entered)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	/* a walk's account-wide listing reads (no snapshot of B) and waits */
	zecfs_cache_walk_started(c);
	hold_account = true;
	account_entered = released = false;
	pthread_create(&ta, NULL, list_a, c);
	pthread_mutex_lock(&lock);
	while (!account_entered)
		pthread_cond_wait(&cond, &lock);
	/* another host snapshots B; B's own listing reads it and ends */
	put(1, "2", "b1", DISK_B);
	disk_b_released = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(tb, NULL);
	hold_disk_b = false;
	names(c, DISK_B, buf, sizeof(buf));
	CHECK(strcmp(buf, "b1") == 0, "disk B's own listing shows b1 (got '%s')", buf);

	pthread_mutex_lock(&lock);
	released = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(ta, NULL);
	hold_account = false;

	names(c, DISK_B, buf, sizeof(buf));
	CHECK(strcmp(buf, "b1") == 0,
	      "after the walk landed, disk B still shows b1 (got '%s')", buf);
	zecfs_cache_free(c);
}

/*
 * Forgetting a list after failed changes must not shorten
 * its stale-if-error life.
 */
static void test_forget_keeps_stale_life(void)
{
	struct zecfs_cache *c = new_cache(10, 120);
	struct zec_result res = { 0 };
	struct zecfs_snaplist *l = NULL;
	int ret;

	n_server = 0;
	put(0, "1", "a1", DISK_A);
	CHECK(zecfs_cache_snapshots(c, DISK_A, &l, &res) == 0, "first listing");
	zecfs_snaplist_put(l);
	for (int i = 0; i < 19; i++)
		zecfs_cache_forget_snapshots(c, DISK_A);
	pthread_mutex_lock(&lock);
	fail_next = true;
	pthread_mutex_unlock(&lock);
	l = NULL;
	ret = zecfs_cache_snapshots(c, DISK_A, &l, &res);
	CHECK(ret == 0 && l && l->n == 1,
	      "19 forgets later, the API down: the listing is still served stale (ret %d)", ret);
	zecfs_snaplist_put(l);
	zecfs_cache_free(c);
}

/* A forgotten list is asked for again, whatever its age. */
static void test_forget_makes_due(void)
{
	struct zecfs_cache *c = new_cache(3600, 0);
	struct zec_result res = { 0 };
	struct zecfs_snaplist *l = NULL;
	int before;

	n_server = 0;
	put(0, "1", "a1", DISK_A);
	zecfs_cache_snapshots(c, DISK_A, &l, &res);
	zecfs_snaplist_put(l);
	before = calls;
	zecfs_cache_snapshots(c, DISK_A, &l, &res);
	zecfs_snaplist_put(l);
	CHECK(calls == before, "a fresh list costs no call");
	zecfs_cache_forget_snapshots(c, DISK_A);
	zecfs_cache_snapshots(c, DISK_A, &l, &res);
	zecfs_snaplist_put(l);
	CHECK(calls == before + 1, "a forgotten list is fetched again");
	zecfs_cache_free(c);
}

/*
 * A listing that moved under every walk lacks what shifted across a page
 * boundary: what the cache knew stays shown (zecfs's own mkdir does not
 * vanish from ls), and the next access asks again.
 */
static void test_incomplete_listing_keeps_what_it_lacks(void)
{
	struct zecfs_cache *c = new_cache(3600, 0);
	char buf[128];
	int before;

	n_server = 0;
	put(0, "1", "a1", DISK_A);
	put(1, "2", "a2", DISK_A);
	names(c, DISK_A, buf, sizeof(buf));
	CHECK(strcmp(buf, "a1,a2") == 0, "incomplete: first listing (%s)", buf);
	zecfs_cache_forget_snapshots(c, DISK_A);
	incomplete_next = true;
	names(c, DISK_A, buf, sizeof(buf));
	CHECK(strcmp(buf, "a1,a2") == 0, "incomplete: a2 is kept although the listing lacks it (%s)",
	      buf);
	before = calls;
	n_server = 1;                   /* a2 really is gone now */
	names(c, DISK_A, buf, sizeof(buf));
	CHECK(calls == before + 1, "incomplete: the next access asks again");
	CHECK(strcmp(buf, "a1") == 0, "incomplete: a complete listing shows a2 gone (%s)", buf);
	zecfs_cache_free(c);

	/* a disk listing is not merged: the known one stays until a complete one */
	{
		struct zec_result res = { 0 };
		struct zecfs_disklist *dl = NULL;

		c = new_cache(3600, 0);
		zecfs_cache_disks(c, &dl, &res);
		zecfs_disklist_put(dl);
		zecfs_cache_forget_disks(c);
		disks_incomplete_next = true;
		zecfs_cache_disks(c, &dl, &res);
		CHECK(dl && dl->n == 2, "incomplete: an incomplete disk listing keeps the known list");
		zecfs_disklist_put(dl);
		before = calls_disks;
		zecfs_cache_disks(c, &dl, &res);
		CHECK(dl && dl->n == 2 && calls_disks == before + 1,
		      "incomplete: the next access lists the disks again");
		zecfs_disklist_put(dl);
		zecfs_cache_free(c);
	}
}

static bool ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* A thread that lists disk A with a path of its own. */
struct lister {
	struct zecfs_cache *c;
	char path[32];
	struct zec_result res;
	int ret;
};

static void *list_with_path(void *arg)
{
	struct lister *l = arg;
	struct zecfs_snaplist *sl = NULL;

	l->res.path = l->path;
	l->ret = zecfs_cache_snapshots(l->c, DISK_A, &sl, &l->res);
	zecfs_snaplist_put(sl);
	return NULL;
}

/*
 * A thread that waited for another's failed fetch shares its outcome, not
 * its path: that points into the fetching thread's stack.
 */
static void test_waiter_keeps_its_own_path(void)
{
	struct lister *fetcher = calloc(1, sizeof(*fetcher));
	struct lister *w = calloc(1, sizeof(*w));
	pthread_t tf, tw;

	if (!fetcher || !w)
		abort();
	fetcher->c = w->c = new_cache(0, 0);
	snprintf(fetcher->path, sizeof(fetcher->path), "/fetcher");
	snprintf(w->path, sizeof(w->path), "/waiter");
	n_server = 0;
	put(0, "1", "a1", DISK_A);
	pthread_mutex_lock(&lock);
	hold_disk = true;
	fail_next = true;
	disk_entered = released = waiter_in_cache = false;
	pthread_mutex_unlock(&lock);
	pthread_create(&tf, NULL, list_with_path, fetcher);
	pthread_mutex_lock(&lock);
	while (!disk_entered)
		pthread_cond_wait(&cond, &lock);
	pthread_create(&tw, NULL, list_with_path, w);
	waiter = tw;
	watch_waiter = true;
	while (!waiter_in_cache)
		pthread_cond_wait(&cond, &lock);
	/* the waiter holds the cache's lock until it waits: the fetch's end
	 * cannot be seen before */
	released = true;
	hold_disk = false;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(tf, NULL);
	pthread_join(tw, NULL);
	CHECK(fetcher->ret == -EIO && w->ret == -EIO && strcmp(w->res.code, ZECFS_TRANSPORT) == 0,
	      "the waiter shares the failed fetch's outcome (%d, %d, %s)", fetcher->ret, w->ret,
	      w->res.code);
	CHECK(w->res.path == w->path, "the waiter's result keeps its own path (%s)",
	      w->res.path ? w->res.path : "(null)");
	pthread_mutex_lock(&lock);
	watch_waiter = false;
	pthread_mutex_unlock(&lock);
	zecfs_cache_free(w->c);
	/* the fetcher's path is gone: a result that kept it would now dangle */
	free(fetcher);
	free(w);
}

/* Lists are found by name and by snapshotId; mtime moves only on change. */
static void test_lookups_and_mtime(void)
{
	struct zecfs_cache *c = new_cache(0, 0);
	struct zec_result res = { 0 };
	struct zecfs_snaplist *l = NULL, *l2 = NULL;

	n_server = 0;
	put(0, "30", "zeta", DISK_A);
	put(1, "10", "alpha", DISK_A);
	put(2, "20", "alpha", DISK_A);
	zecfs_cache_snapshots(c, DISK_A, &l, &res);
	CHECK(l && l->n == 3, "three snapshots");
	CHECK(zecfs_snaplist_find_id(l, "20") && strcmp(zecfs_snap_name(zecfs_snaplist_find_id(l, "20")),
	      "alpha@20") == 0, "by id: the younger of a shared name is name@id");
	CHECK(zecfs_snaplist_find(l, "alpha") == zecfs_snaplist_find_id(l, "10"), "by name");
	CHECK(zecfs_snaplist_find_id(l, "99") == NULL, "unknown id");
	zecfs_cache_snapshots(c, DISK_A, &l2, &res);
	CHECK(l2 != l && l2->h.mtime.tv_sec == l->h.mtime.tv_sec &&
	      l2->h.mtime.tv_nsec == l->h.mtime.tv_nsec, "same contents keep their mtime");
	zecfs_snaplist_put(l2);
	put(3, "40", "beta", DISK_A);
	zecfs_cache_snapshots(c, DISK_A, &l2, &res);
	CHECK(ts_after(&l2->h.mtime, &l->h.mtime), "changed contents move the mtime");
	zecfs_snaplist_put(l2);
	zecfs_snaplist_put(l);
	zecfs_cache_free(c);
}

/*
 * The kernel keeps a directory's cached contents while its mtime compares
 * equal: every change moves it, also when the server's createTimes are
 * ahead of our clock and several changes fall in one second.
 */
static void test_mtime_moves_with_a_clock_behind_the_server(void)
{
	struct zecfs_cache *c = new_cache(0, 0);
	struct zec_result res = { 0 };
	struct zecfs_snaplist *l = NULL, *l2 = NULL;

	n_server = 0;
	server_time = "2099-01-01T00:00:00Z";
	put(0, "10", "alpha", DISK_A);
	zecfs_cache_snapshots(c, DISK_A, &l, &res);
	CHECK(l && l->h.mtime.tv_sec == 4070908800, "a first listing: its newest createTime");
	for (int i = 0; i < 3; i++) {
		put(1, i % 2 ? "20" : "21", i % 2 ? "beta" : "gamma", DISK_A);
		zecfs_cache_snapshots(c, DISK_A, &l2, &res);
		CHECK(l2 && ts_after(&l2->h.mtime, &l->h.mtime),
		      "each change within one second moves the mtime past the last");
		zecfs_snaplist_put(l);
		l = l2;
		l2 = NULL;
	}
	zecfs_snaplist_put(l);
	server_time = "2026-10-01T00:00:00Z";
	zecfs_cache_free(c);
}

/* The snapshots the hook was told had a changed record, comma-separated. */
static char changed[64];

static void record_hook(void *arg, enum zecfs_gone what, const char *disk_id, const char *name)
{
	(void)arg;
	if (what != ZECFS_CHANGED_SNAPSHOT || strcmp(disk_id, DISK_A) != 0)
		return;
	snprintf(changed + strlen(changed), sizeof(changed) - strlen(changed), "%s%s",
	         changed[0] ? "," : "", name);
}

/* A disk A listing, fetched (the TTL is 0) and let go. */
static void relist(struct zecfs_cache *c)
{
	struct zec_result res = { 0 };
	struct zecfs_snaplist *l = NULL;

	zecfs_cache_snapshots(c, DISK_A, &l, &res);
	zecfs_snaplist_put(l);
}

/*
 * The kernel keeps a snapshot.json's size for the TTL: a list that replaces
 * another tells which records differ, fetched or zecfs's own change, and
 * nothing for the records that stayed.
 */
static void test_changed_records_are_told(void)
{
	struct zecfs_cache_opts o = { .ttl = 0, .gone = record_hook };
	struct zec_snapshot own = { 0 };
	struct zecfs_cache *c = NULL;

	if (zecfs_cache_new(NULL, &o, &c))
		abort();
	n_server = 0;
	changed[0] = '\0';
	put(0, "10", "alpha", DISK_A);
	put(1, "11", "beta", DISK_A);
	relist(c);
	relist(c);
	CHECK(changed[0] == '\0', "records: a listing like the last tells nothing (%s)", changed);
	put(1, "11", "gamma", DISK_A);
	relist(c);
	CHECK(strcmp(changed, "11") == 0, "records: a rename elsewhere is told (%s)", changed);
	changed[0] = '\0';
	own.snapshot_id = (char *)"10";
	own.snapshot_name = (char *)"alpha";
	own.disk_id = (char *)DISK_A;
	own.status = (char *)"AVAILABLE";
	own.create_time = (char *)server_time;
	own.retention_time = (char *)"2027-01-01T00:00:00Z";
	CHECK(zecfs_cache_snapshot_changed(c, &own) == 0 && strcmp(changed, "10") == 0,
	      "records: zecfs's own retention change is told (%s)", changed);
	zecfs_cache_free(c);
}

/* A listing of another kind: a bare list head, counted fetches. */
static int other_fetches;

static void other_destroy(void *p)
{
	free(p);
}

static int other_fetch(void *arg, struct zecfs_list_head **out, struct zec_result *res)
{
	struct zecfs_list_head *h = calloc(1, sizeof(*h));

	(void)arg;
	(void)res;
	if (!h)
		return -ENOMEM;
	h->refs = 1;
	h->destroy = other_destroy;
	h->fetched = zec_clock_now();
	h->digest = zecfs_list_digest(0, "p", "1");
	other_fetches++;
	*out = h;
	return 0;
}

/* Other slots: TTL, forget, and a local change swapped in (read-your-writes). */
static void test_other_slot(void)
{
	struct zecfs_cache *c = new_cache(3600, 0);
	struct zec_result res = { 0 };
	struct zecfs_cache_slot *o = NULL;
	struct zecfs_list_head *h = NULL, *h2 = NULL, *mine;

	CHECK(zecfs_cache_slot_new(c, "other", other_fetch, NULL, &o) == 0, "slot made");
	CHECK(zecfs_cache_slot_cached(c, o) == NULL, "nothing cached before a listing");
	CHECK(zecfs_cache_slot_get(c, o, &h, &res) == 0 && other_fetches == 1, "first fetch");
	zecfs_list_put(h);
	CHECK(zecfs_cache_slot_get(c, o, &h, &res) == 0 && other_fetches == 1,
	      "within the TTL: no fetch");
	mine = calloc(1, sizeof(*mine));
	mine->refs = 1;
	mine->destroy = other_destroy;
	CHECK(zecfs_cache_slot_replace(c, o, h, mine) == 0, "a local change swapped in");
	h2 = zecfs_cache_slot_cached(c, o);
	CHECK(h2 == mine && other_fetches == 1, "read back without a fetch");
	zecfs_list_put(h2);
	mine = calloc(1, sizeof(*mine));
	mine->refs = 1;
	mine->destroy = other_destroy;
	CHECK(zecfs_cache_slot_replace(c, o, h, mine) == -EAGAIN, "a change on an old list: again");
	zecfs_list_put(h);
	zecfs_cache_slot_forget(c, o);
	CHECK(zecfs_cache_slot_get(c, o, &h, &res) == 0 && other_fetches == 2,
	      "a forgotten listing is fetched again");
	zecfs_list_put(h);
	zecfs_cache_free(c);
}

/* The duplicate-name rule shared by snapshots/ and .policies/. */
/*
 * A snapshot zecfs made reads CREATING until its state is asked about
 * again: not while its listing is younger than 2 s, then in one call by
 * id, which also drops one the server no longer has; not again within 2 s.
 */
static void test_recheck_transient(void)
{
	struct zecfs_cache *c = new_cache(3600, 0);
	struct zec_snapshot made = snap("2", "made", DISK_A), lost = snap("3", "lost", DISK_A);
	struct zecfs_snaplist *l = NULL;
	const struct zecfs_snap *sn;
	char buf[128];
	int before;

	n_server = 0;
	put(0, "1", "old", DISK_A);
	names(c, DISK_A, buf, sizeof(buf));
	CHECK(strcmp(buf, "old") == 0, "recheck: listed");
	CHECK(zecfs_cache_snapshot_added(c, &made) == 0 && zecfs_cache_snapshot_added(c, &lost) == 0,
	      "recheck: two snapshots made here, CREATING");
	put(1, "2", "made", DISK_A);         /* the server has one of them, AVAILABLE */
	before = calls;
	CHECK(zecfs_cache_recheck_transient(c, DISK_A) == 0 && calls == before,
	      "recheck: a listing younger than 2 s is not asked about");
	clock_ahead = 3;
	CHECK(zecfs_cache_recheck_transient(c, DISK_A) == 0 && calls == before + 1,
	      "recheck: one call for the disk's passing states");
	l = zecfs_cache_snapshots_cached(c, DISK_A);
	sn = l ? zecfs_snaplist_find(l, "made") : NULL;
	CHECK(sn && strcmp(zecfs_snap_status(sn), "AVAILABLE") == 0, "recheck: the server's state replaces CREATING");
	CHECK(l && !zecfs_snaplist_find(l, "lost") && zecfs_snaplist_find(l, "old"),
	      "recheck: one the server no longer has is gone, the others stay");
	zecfs_snaplist_put(l);
	CHECK(zecfs_cache_recheck_transient(c, DISK_A) == 0 && calls == before + 1,
	      "recheck: not again within 2 s");
	clock_ahead = 0;
	zecfs_cache_free(c);
}

int main(void)
{
	test_walk_never_installs_over_a_local_change();
	test_walk_never_empties_a_newer_own_listing();
	test_forget_keeps_stale_life();
	test_forget_makes_due();
	test_incomplete_listing_keeps_what_it_lacks();
	test_waiter_keeps_its_own_path();
	test_lookups_and_mtime();
	test_mtime_moves_with_a_clock_behind_the_server();
	test_changed_records_are_told();
	test_other_slot();
	test_recheck_transient();
	return check_summary();
}

/*
 * test_inval.c - the kernel invalidation queue (src/fs/inval.c) against
 * stub notify functions: a notification the kernel blocks must not hold
 * up the others, and a flush must wait for exactly what was queued.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "zecfs.h"

#define BLOCKED 100              /* the inode whose notification the "kernel" holds */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool release_blocked;
static bool blocked_entered;
static int sent[64];
static int n_sent;

int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino, off_t off,
                                     off_t len)
{
	(void)se;
	(void)off;
	(void)len;
	pthread_mutex_lock(&lock);
	if (ino == BLOCKED) {
		blocked_entered = true;
		pthread_cond_broadcast(&cond);
		while (!release_blocked)
			pthread_cond_wait(&cond, &lock);
	}
	if (n_sent < 64)
		sent[n_sent++] = (int)ino;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
                                     const char *name, size_t namelen)
{
	(void)name;
	(void)namelen;
	return fuse_lowlevel_notify_inval_inode(se, parent, 0, 0);
}

static bool was_sent(int ino)
{
	for (int i = 0; i < n_sent; i++) {
		if (sent[i] == ino)
			return true;
	}
	return false;
}

/* Waits up to 5 s for ino to be sent. */
static bool wait_sent(int ino)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&lock);
	while (!was_sent(ino) && pthread_cond_timedwait(&cond, &lock, &until) == 0)
		;
	ok = was_sent(ino);
	pthread_mutex_unlock(&lock);
	return ok;
}

static void test_a_blocked_note_holds_up_no_other(void)
{
	struct zecfs_inval *q = NULL;

	CHECK(zecfs_inval_start(NULL, &q) == 0, "the queue starts");
	if (!q)
		return;
	zecfs_inval_inode(q, BLOCKED);
	pthread_mutex_lock(&lock);
	while (!blocked_entered)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	zecfs_inval_inode(q, 7);
	zecfs_inval_entry(q, 8, "snap");
	CHECK(wait_sent(7), "a note queued after the blocked one is sent meanwhile");
	CHECK(wait_sent(8), "and an entry note too");
	/* a flush cannot finish while an earlier note is held: it gives up */
	zecfs_inval_flush(q);
	CHECK(!was_sent(BLOCKED), "the held note is still held after the flush gave up");
	pthread_mutex_lock(&lock);
	release_blocked = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	CHECK(wait_sent(BLOCKED), "released, the held note goes out");
	zecfs_inval_inode(q, 9);
	zecfs_inval_flush(q);
	CHECK(was_sent(9), "a flush returns once what was queued before it went out");
	zecfs_inval_stop(q);
}

int main(void)
{
	test_a_blocked_note_holds_up_no_other();
	return check_summary();
}

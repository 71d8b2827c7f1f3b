/*
 * loop.c - the FUSE session loop: the thread that reads a request answers
 * it, and passes the reading on only when it is about to wait.
 *
 * libfuse's multi-threaded loop keeps every idle worker blocked in read()
 * on /dev/fuse, and the kernel wakes such readers in the order they began
 * to wait: a walk that asks one request at a time is answered by the
 * worker that slept longest, a different and cold thread each time (a walk
 * of 100,000 snapshots went round six), each answer a switch of threads,
 * often of CPU.  Here one thread at a time is the device's reader: it
 * reads a request, answers it and reads the next, as a single-threaded
 * loop would, so a walk served from the cache stays on one warm thread.
 *
 * A request that must wait (an API call, a disk, another thread's fetch, a
 * kernel invalidation) calls zec_before_wait() first; the reader's hook then
 * hands the reading to the most recently parked worker, or to a new one
 * while fewer than max_threads run, so the device is never left unread
 * behind a wait.  When that request is answered its thread takes the
 * reading back if no one has it, or parks.  Above max_idle parked workers
 * (when given), a worker leaves instead of parking.
 */
#include "zecfs.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zec_log.h"
#include "zec_wait.h"

struct parked {
	pthread_cond_t cond;
	pthread_t self;
	bool go;                     /* handed the reading */
	struct parked *next;
};

struct loop {
	struct fuse_session *se;
	unsigned max_threads;
	unsigned max_idle;           /* UINT_MAX: no limit */
	pthread_mutex_t lock;
	pthread_cond_t gone;         /* a worker left */
	struct parked *parked;       /* most recently parked first */
	unsigned n_parked;
	unsigned workers;            /* running, the loop's own thread included */
	bool reading;                /* some thread is the reader, or is handed it */
	pthread_t reader;            /* that thread, while reading is true */
	bool done;
	int error;                   /* the first read error, 0 or -errno */
};

/* The loop that runs, for zecfs_loop_stop() from the signal thread. */
static struct loop *running;
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set by the hook when this thread gave the reading away. */
static _Thread_local bool t_handed_off;

static void *worker(void *arg);

/* With the lock held: start a worker that begins as the reader. */
static bool add_worker(struct loop *l)
{
	sigset_t block, old;
	pthread_t t;
	int ret;

	/*
	 * Process signals go to the threads that wait for them (main, the
	 * signal thread); SIGUSR1 stays open so zecfs_loop_stop() can interrupt
	 * a worker's read.
	 */
	sigfillset(&block);
	sigdelset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ret = pthread_create(&t, NULL, worker, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0) {
		zlog_warn("cannot start a fuse worker errno=%d", ret);
		return false;
	}
	pthread_detach(t);
	l->workers++;
	l->reader = t;
	return true;
}

/* zec_before_wait()'s hook: this thread, the reader, is about to wait. */
static void hand_off(void *arg)
{
	struct loop *l = arg;
	struct parked *p;

	t_handed_off = true;
	pthread_mutex_lock(&l->lock);
	if (l->done) {
		l->reading = false;
	} else if ((p = l->parked)) {
		l->parked = p->next;
		l->n_parked--;
		p->go = true;
		l->reader = p->self;
		pthread_cond_signal(&p->cond);
	} else if (l->workers >= l->max_threads || !add_worker(l)) {
		/* all busy: the first to finish reads next */
		l->reading = false;
	}
	pthread_mutex_unlock(&l->lock);
}

/* With the lock held: ends the loop, waking every parked worker. */
static void finish(struct loop *l, int res)
{
	if (res < 0 && !l->error)
		l->error = res;
	l->done = true;
	l->reading = false;
	for (struct parked *p = l->parked; p; p = p->next)
		pthread_cond_signal(&p->cond);
	l->parked = NULL;
	l->n_parked = 0;
}

/*
 * With the lock held, after a request whose thread gave the reading away:
 * true when this thread is the reader again, false when it is to leave.
 */
static bool wait_to_read(struct loop *l, bool may_leave)
{
	struct parked me = { .self = pthread_self(), .go = false };

	if (l->done)
		return false;
	if (!l->reading) {
		l->reading = true;
		l->reader = pthread_self();
		return true;
	}
	if (may_leave && l->max_idle != UINT_MAX && l->n_parked >= l->max_idle)
		return false;
	pthread_cond_init(&me.cond, NULL);
	me.next = l->parked;
	l->parked = &me;
	l->n_parked++;
	while (!me.go && !l->done)
		pthread_cond_wait(&me.cond, &l->lock);
	/* finish() and hand_off() take this entry off the stack */
	pthread_cond_destroy(&me.cond);
	return me.go && !l->done;
}

/* Reads and answers requests while this thread is the reader. */
static void serve(struct loop *l, bool may_leave)
{
	struct fuse_buf buf;

	memset(&buf, 0, sizeof(buf));
	for (;;) {
		int res = 0;

		zec_wait_set_hook(hand_off, l);
		if (!fuse_session_exited(l->se))
			res = fuse_session_receive_buf(l->se, &buf);
		if (res == -EINTR || res == -EAGAIN) {
			pthread_mutex_lock(&l->lock);
			res = l->done || fuse_session_exited(l->se) ? 0 : -EINTR;
			pthread_mutex_unlock(&l->lock);
			if (res == -EINTR)
				continue;
		}
		if (res <= 0) {
			zec_wait_set_hook(NULL, NULL);
			pthread_mutex_lock(&l->lock);
			finish(l, res);
			pthread_mutex_unlock(&l->lock);
			break;
		}
		t_handed_off = false;
		fuse_session_process_buf(l->se, &buf);
		if (!t_handed_off)
			continue;               /* still the reader: the next request */
		pthread_mutex_lock(&l->lock);
		res = wait_to_read(l, may_leave);
		pthread_mutex_unlock(&l->lock);
		if (!res)
			break;
	}
	zec_wait_set_hook(NULL, NULL);
	free(buf.mem);
}

static void *worker(void *arg)
{
	struct loop *l = arg;

	serve(l, true);
	pthread_mutex_lock(&l->lock);
	l->workers--;
	pthread_cond_signal(&l->gone);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int zecfs_loop(struct fuse_session *se, unsigned max_threads, unsigned max_idle)
{
	struct loop *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->se = se;
	l->max_threads = max_threads ? max_threads : 1;
	l->max_idle = max_idle;
	l->workers = 1;                 /* this thread, the first reader */
	l->reading = true;
	l->reader = pthread_self();
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->gone, NULL);
	pthread_mutex_lock(&running_lock);
	running = l;
	pthread_mutex_unlock(&running_lock);

	serve(l, false);

	pthread_mutex_lock(&l->lock);
	l->workers--;
	/* every request in flight is answered before the session goes */
	while (l->workers)
		pthread_cond_wait(&l->gone, &l->lock);
	ret = l->error;
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_lock(&running_lock);
	running = NULL;
	pthread_mutex_unlock(&running_lock);
	pthread_cond_destroy(&l->gone);
	pthread_mutex_destroy(&l->lock);
	free(l);
	fuse_session_reset(se);
	return ret;
}

bool zecfs_loop_stop(void)
{
	bool stopped = false;

	pthread_mutex_lock(&running_lock);
	if (running) {
		struct loop *l = running;

		pthread_mutex_lock(&l->lock);
		if (l->reading)         /* its read() returns EINTR and sees done */
			pthread_kill(l->reader, SIGUSR1);
		finish(l, 0);
		pthread_mutex_unlock(&l->lock);
		stopped = true;
	}
	pthread_mutex_unlock(&running_lock);
	return stopped;
}

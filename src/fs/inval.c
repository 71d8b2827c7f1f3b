/*
 * inval.c - tells the kernel what changed, from a thread of its own.
 *
 * libfuse's notify functions must not run inside a request on a related
 * inode (the kernel may hold that inode's lock while it waits for the
 * reply): requests only queue a notification here, and this thread sends
 * it, from a few sender threads so that one blocked notification does not
 * hold up the others.  A full queue or a failed allocation drops the
 * notification: the kernel's copy then ages out within cache_ttl, as any
 * other change does.
 */
#include "zecfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_clock.h"
#include "zec_log.h"
#include "zec_wait.h"

#define QUEUE_MAX 4096
/*
 * Senders: a notification blocks while the kernel holds a lock it needs
 * (an inode busy in another request), so one sender would let a single
 * blocked note stall every other; a few senders serve the rest meanwhile.
 */
#define SENDERS 4

struct note {
	struct note *next;
	unsigned long long seq;      /* order of queueing, for flush */
	uint64_t ino;                /* the inode, or the parent of 'name' */
	char name[];                 /* empty: the inode itself */
};

struct zecfs_inval;

struct sender {
	struct zecfs_inval *q;
	int slot;
};

struct zecfs_inval {
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct note *head, **tail;
	size_t queued;
	unsigned long long added;    /* seq of the last note queued */
	unsigned long long busy[SENDERS];  /* seq each sender is sending, 0: idle */
	bool stop;
	int n_threads;
	pthread_t threads[SENDERS];
	struct sender args[SENDERS];
};

static void send_note(struct zecfs_inval *q, const struct note *n)
{
	int r;

	if (n->name[0])
		r = fuse_lowlevel_notify_inval_entry(q->se, n->ino, n->name, strlen(n->name));
	else
		r = fuse_lowlevel_notify_inval_inode(q->se, n->ino, 0, 0);
	zlog_debug("kernel invalidation ino=%llu name=%s result=%d", (unsigned long long)n->ino, ZLOG_ESC(n->name), r);
	/* -ENOENT: the kernel did not hold it, which is fine */
	if (r && r != -ENOENT)
		zlog_debug("kernel invalidation failed ino=%llu error=%d",
		           (unsigned long long)n->ino, r);
}

static void *run(void *arg)
{
	const struct sender *me = arg;
	struct zecfs_inval *q = me->q;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct note *n;

		while (!q->head && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->head)
			break;
		n = q->head;
		q->head = n->next;
		if (!q->head)
			q->tail = &q->head;
		q->queued--;
		q->busy[me->slot] = n->seq;
		pthread_mutex_unlock(&q->lock);
		if (!q->stop)
			send_note(q, n);
		pthread_mutex_lock(&q->lock);
		q->busy[me->slot] = 0;
		free(n);
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void stop_senders(struct zecfs_inval *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->n_threads; i++)
		pthread_join(q->threads[i], NULL);
	while (q->head) {
		struct note *n = q->head;

		q->head = n->next;
		free(n);
	}
}

int zecfs_inval_start(struct fuse_session *se, struct zecfs_inval **out)
{
	struct zecfs_inval *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->se = se;
	q->tail = &q->head;
	pthread_mutex_init(&q->lock, NULL);
	if (zec_clock_cond_init(&q->cond)) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -ENOMEM;
	}
	for (int i = 0; i < SENDERS; i++) {
		q->args[i] = (struct sender){ q, i };
		if (pthread_create(&q->threads[i], NULL, run, &q->args[i]) != 0)
			break;
		q->n_threads++;
	}
	if (!q->n_threads) {
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->cond);
		free(q);
		return -EAGAIN;
	}
	*out = q;
	return 0;
}

void zecfs_inval_stop(struct zecfs_inval *q)
{
	if (!q)
		return;
	stop_senders(q);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}

static void queue(struct zecfs_inval *q, uint64_t ino, const char *name)
{
	size_t len = name ? strlen(name) : 0;
	struct note *n;

	if (!q || !ino)
		return;
	n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return;
	n->next = NULL;
	n->ino = ino;
	memcpy(n->name, name ? name : "", len + 1);
	pthread_mutex_lock(&q->lock);
	if (q->stop || q->queued >= QUEUE_MAX) {
		pthread_mutex_unlock(&q->lock);
		free(n);
		return;
	}
	n->seq = ++q->added;
	*q->tail = n;
	q->tail = &n->next;
	q->queued++;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* With the lock held: is a note queued at or before 'target' still unsent? */
static bool pending(const struct zecfs_inval *q, unsigned long long target)
{
	if (q->head && q->head->seq <= target)
		return true;
	for (int i = 0; i < q->n_threads; i++) {
		if (q->busy[i] && q->busy[i] <= target)
			return true;
	}
	return false;
}

void zecfs_inval_flush(struct zecfs_inval *q)
{
	struct timespec until;
	unsigned long long target;
	bool late;

	if (!q)
		return;
	zec_before_wait();
	zec_clock_deadline(&until, 2);
	pthread_mutex_lock(&q->lock);
	target = q->added;
	while (pending(q, target) && !q->stop &&
	       pthread_cond_timedwait(&q->cond, &q->lock, &until) == 0)
		;
	late = pending(q, target) && !q->stop;
	pthread_mutex_unlock(&q->lock);
	/* said once per occurrence: the change shows when the kernel's copy expires */
	if (late)
		zlog_warn("kernel invalidation late, going on without it waited_s=2 reason=\"the kernel holds the inode in another request\"");
}

void zecfs_inval_gone(void *arg, enum zecfs_gone what, const char *disk_id, const char *name)
{
	struct zecfs *fs = arg;

	switch (what) {
	case ZECFS_GONE_DISK:
		zecfs_inval_entry(fs->inval, ZECFS_INO_ROOT, disk_id);
		break;
	case ZECFS_GONE_DISK_NAME:
		zecfs_inval_entry(fs->inval, ZECFS_INO_BYNAME, name);
		break;
	case ZECFS_GONE_SNAPSHOT:
		zecfs_inval_entry(fs->inval, zecfs_inode_peek(fs->inodes, ZECFS_SNAPDIR, disk_id, NULL),
		                name);
		break;
	case ZECFS_CHANGED_DISKS:
		zecfs_inval_inode(fs->inval, ZECFS_INO_ROOT);
		zecfs_inval_inode(fs->inval, ZECFS_INO_BYNAME);
		break;
	case ZECFS_CHANGED_SNAPSHOTS:
		zecfs_inval_inode(fs->inval, zecfs_inode_peek(fs->inodes, ZECFS_SNAPDIR, disk_id, NULL));
		zecfs_inval_inode(fs->inval, zecfs_inode_peek(fs->inodes, ZECFS_SNAPS_JSON, disk_id, NULL));
		break;
	case ZECFS_CHANGED_SNAPSHOT:
		/* only a snapshot.json the kernel holds: it keeps its size for the TTL */
		zecfs_inval_inode(fs->inval, zecfs_inode_held(fs->inodes, ZECFS_SNAP_JSON, disk_id, name));
		break;
	case ZECFS_CHANGED_SLOT:
		if (name && strcmp(name, "policies") == 0)
			zecfs_inval_inode(fs->inval, ZECFS_INO_POLICIES);
		break;
	}
}

void zecfs_inval_entry(struct zecfs_inval *q, uint64_t parent, const char *name)
{
	if (name && *name)
		queue(q, parent, name);
}

void zecfs_inval_inode(struct zecfs_inval *q, uint64_t ino)
{
	queue(q, ino, NULL);
}

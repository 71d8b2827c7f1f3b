/*
 * passthrough.c - a snapshot's files at snapshots/<name>/files/: a
 * read-only passthrough of the directory a browse mounted (browse.h).
 *
 * As in libfuse's passthrough_ll, an inode stands for one object of the
 * mounted tree, (st_dev, st_ino) within one browse, and holds an O_PATH
 * descriptor of it and the kernel's lookup count: LOOKUP and READDIRPLUS
 * add one, FORGET takes away, and at zero (and no request using it) the
 * inode and its descriptor go.  Every operation works through that
 * descriptor (the *at calls, /proc/self/fd/N for open and xattrs), never
 * through a path, so nothing outside the browse's directory is reachable.
 *
 * Inode numbers have the top bit set (zecfs_pt_is), so they never meet
 * inode.c's.  A number is a hash of the browse and (st_dev, st_ino), the
 * next free one on a collision: stable while the kernel holds the inode,
 * and the same again after a forget, so hard links share one st_ino, which
 * stat shows, unique within the mount.
 *
 * zecfs_pt_drop lets go of a browse before browse.c unmounts it.  Requests
 * hold the browse's rwlock for reading while they use its descriptors;
 * drop takes it for writing, so no read is in flight when it closes them.
 * Then the browse's inodes and handles answer ESTALE until the kernel
 * forgets or releases them, and the kernel is told to look up files/
 * again, which makes a new browse.
 */
#include "zecfs.h"
#include "browse.h"
#include "passthrough_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"

/* ---- the table ----------------------------------------------------------- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static struct pt_inode *find(const struct zecfs_pt *t, uint64_t nodeid)
{
	struct pt_inode *i = t->buckets[mix(nodeid) & t->mask];

	while (i && i->nodeid != nodeid)
		i = i->next;
	return i;
}

/* The number (dev, ino) has in pb: its inode's, else the one it would get. */
uint64_t zecfs_pt_number_of(const struct zecfs_pt *t, const struct pt_browse *pb, dev_t dev,
                            ino_t ino, struct pt_inode **found)
{
	uint64_t n = PT_BIT | (mix(pb->salt ^ mix((uint64_t)dev) ^ mix(ino + 1)) & ~PT_BIT);

	for (;;) {
		struct pt_inode *i = find(t, n);

		if (!i) {
			*found = NULL;
			return n;
		}
		if (i->pb == pb && i->dev == dev && i->ino == ino) {
			*found = i;
			return n;
		}
		n = PT_BIT | ((n + 1) & ~PT_BIT);       /* collision: the next one */
	}
}

static int grow(struct zecfs_pt *t)
{
	size_t size = (t->mask + 1) * 2;
	struct pt_inode **b = calloc(size, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t k = 0; k <= t->mask; k++) {
		struct pt_inode *i = t->buckets[k], *next;

		for (; i; i = next) {
			size_t at = mix(i->nodeid) & (size - 1);

			next = i->next;
			i->next = b[at];
			b[at] = i;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = size - 1;
	return 0;
}

/* Table lock held. */
void zecfs_pt_browse_unref(struct zecfs_pt *t, struct pt_browse *pb)
{
	struct pt_browse **p;

	if (--pb->refs)
		return;
	for (p = &t->browses; *p != pb; p = &(*p)->next)
		;
	*p = pb->next;
	pthread_rwlock_destroy(&pb->lock);
	free(pb->where);
	free(pb);
}

/* Frees i when neither the kernel nor a request holds it (table lock held). */
static void maybe_free(struct zecfs_pt *t, struct pt_inode *i)
{
	struct pt_inode **p;

	if (i->nlookup || i->pins)
		return;
	for (p = &t->buckets[mix(i->nodeid) & t->mask]; *p != i; p = &(*p)->next)
		;
	*p = i->next;
	t->count--;
	if (i->fd >= 0)
		close(i->fd);
	zecfs_pt_browse_unref(t, i->pb);
	free(i);
}

/*
 * The inode of the object fd (O_PATH, taken over) with attributes st, its
 * lookup count raised by one.  *nodeid its number.
 */
static int intern(struct zecfs_pt *t, struct pt_browse *pb, int fd, const struct stat *st,
                  uint64_t *nodeid)
{
	struct pt_inode *i;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	*nodeid = zecfs_pt_number_of(t, pb, st->st_dev, st->st_ino, &i);
	if (i) {
		i->nlookup++;
		close(fd);
		goto out;
	}
	if (t->count >= 2 * (t->mask + 1) && grow(t))
		zlog_debug("passthrough table not grown: no memory");
	i = calloc(1, sizeof(*i));
	if (!i) {
		close(fd);
		ret = -ENOMEM;
		goto out;
	}
	i->nodeid = *nodeid;
	i->pb = pb;
	pb->refs++;
	i->dev = st->st_dev;
	i->ino = st->st_ino;
	i->type = st->st_mode & S_IFMT;
	i->fd = fd;
	i->nlookup = 1;
	i->next = t->buckets[mix(i->nodeid) & t->mask];
	t->buckets[mix(i->nodeid) & t->mask] = i;
	t->count++;
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void zecfs_pt_forget_one(struct zecfs_pt *t, uint64_t nodeid, uint64_t n)
{
	struct pt_inode *i;

	pthread_mutex_lock(&t->lock);
	i = find(t, nodeid);
	if (i) {
		i->nlookup -= n < i->nlookup ? n : i->nlookup;
		maybe_free(t, i);
	}
	pthread_mutex_unlock(&t->lock);
}

/* ---- a request on an inode ------------------------------------------------ */

/*
 * Pins the inode and holds its browse for reading: 0, or -ESTALE when the
 * browse was dropped (or the kernel names an inode it forgot).  Every
 * request under files/ restarts the browse's idle clock.
 */
int zecfs_pt_enter(struct zecfs *fs, uint64_t nodeid, struct pt_inode **out)
{
	struct zecfs_pt *t = fs->pt;
	struct pt_inode *i;

	*out = NULL;
	pthread_mutex_lock(&t->lock);
	i = find(t, nodeid);
	if (i)
		i->pins++;
	pthread_mutex_unlock(&t->lock);
	if (!i)
		return -ESTALE;
	pthread_rwlock_rdlock(&i->pb->lock);
	*out = i;
	if (i->pb->dead)
		return -ESTALE;
	zecfs_browse_touch(i->pb->b);
	return 0;
}

void zecfs_pt_leave(struct zecfs *fs, struct pt_inode *i)
{
	struct zecfs_pt *t = fs->pt;

	if (!i)
		return;
	pthread_rwlock_unlock(&i->pb->lock);
	pthread_mutex_lock(&t->lock);
	i->pins--;
	maybe_free(t, i);
	pthread_mutex_unlock(&t->lock);
}

int zecfs_pt_fix_errno(int err)
{
	return err ? -err : -EIO;
}

/* The entry of 'name' in the directory i (held by the caller). */
int zecfs_pt_do_lookup(struct zecfs *fs, struct pt_inode *dir, const char *name,
                       struct fuse_entry_param *e)
{
	int fd, ret;

	memset(e, 0, sizeof(*e));
	/* the kernel never asks for these; refused so no walk leaves the tree */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -ENOENT;
	fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return zecfs_pt_fix_errno(errno);
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
		ret = zecfs_pt_fix_errno(errno);
		close(fd);
		return ret;
	}
	ret = intern(fs->pt, dir->pb, fd, &e->attr, &e->ino);
	if (ret)
		return ret;
	e->attr.st_ino = e->ino;
	e->attr_timeout = PT_TIMEOUT;
	e->entry_timeout = PT_TIMEOUT;
	return 0;
}

static void reply_entry(fuse_req_t req, struct zecfs *fs, int ret, struct fuse_entry_param *e)
{
	if (ret)
		zecfs_reply_err(req, ret);
	else if (fuse_reply_entry(req, e) != 0)
		zecfs_pt_forget_one(fs->pt, e->ino, 1);          /* the kernel never got it */
}

void zecfs_pt_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = zecfs_of(req);
	struct fuse_entry_param e;
	struct pt_inode *dir;
	int ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, parent, &dir);
	if (!ret)
		ret = zecfs_pt_do_lookup(fs, dir, name, &e);
	zecfs_pt_leave(fs, dir);
	reply_entry(req, fs, ret, &e);
}

void zecfs_pt_forget(struct zecfs *fs, fuse_ino_t ino, uint64_t nlookup)
{
	zecfs_pt_forget_one(fs->pt, ino, nlookup);
}

static int stat_of(const struct pt_inode *i, struct stat *st)
{
	if (fstatat(i->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
		return zecfs_pt_fix_errno(errno);
	st->st_ino = i->nodeid;
	return 0;
}

void zecfs_pt_getattr(fuse_req_t req, fuse_ino_t ino)
{
	struct zecfs *fs = zecfs_of(req);
	struct pt_inode *i;
	struct stat st;
	int ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, ino, &i);
	if (!ret)
		ret = stat_of(i, &st);
	zecfs_pt_leave(fs, i);
	if (ret)
		zecfs_reply_err(req, ret);
	else
		fuse_reply_attr(req, &st, PT_TIMEOUT);
}

void zecfs_pt_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct zecfs *fs = zecfs_of(req);
	char buf[PATH_MAX + 1];
	struct pt_inode *i;
	ssize_t n = 0;
	int ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, ino, &i);
	if (!ret && i->type != S_IFLNK)
		ret = -EINVAL;
	if (!ret) {
		n = readlinkat(i->fd, "", buf, sizeof(buf) - 1);
		if (n < 0)
			ret = zecfs_pt_fix_errno(errno);
	}
	zecfs_pt_leave(fs, i);
	if (ret) {
		zecfs_reply_err(req, ret);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

void zecfs_pt_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct zecfs *fs = zecfs_of(req);
	struct pt_inode *i;
	struct statvfs st;
	int ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, ino, &i);
	if (!ret && fstatvfs(i->fd, &st) != 0)
		ret = zecfs_pt_fix_errno(errno);
	zecfs_pt_leave(fs, i);
	if (ret)
		zecfs_reply_err(req, ret);
	else
		fuse_reply_statfs(req, &st);
}

/* ---- refusals --------------------------------------------------------------- */

void zecfs_pt_refuse(fuse_req_t req, const char *op, fuse_ino_t ino, const char *name)
{
	struct zecfs *fs = zecfs_of(req);
	struct pt_inode *i;
	char path[512];
	int ret = zecfs_pt_enter(fs, ino, &i);

	if (!ret) {
		/* inodes know no path: the browse's, and the name asked for */
		snprintf(path, sizeof(path), "%s%s%s", i->pb->where,
		         name ? "/.../" : "/...", name ? name : "");
		ret = zecfs_refused(op, path, ZECFS_READ_ONLY, "a snapshot's files are read-only");
	}
	zecfs_pt_leave(fs, i);
	zecfs_reply_err(req, ret);
}

/* ---- files/ itself ---------------------------------------------------------------- */

/* Is pid (a thread id, as FUSE gives it) one of zecfs's own threads? */
static bool own_process(pid_t pid)
{
	char task[64];

	if (pid == getpid())
		return true;
	snprintf(task, sizeof(task), "/proc/self/task/%ld", (long)pid);
	return access(task, F_OK) == 0;
}

/*
 * The live pb of b, made on its first use (table lock held), with what
 * files/ is (root: its attributes): set once, before any request sees it.
 * NULL: no memory.
 */
static struct pt_browse *browse_of(struct zecfs_pt *t, struct zecfs_browse *b,
                                   const char *path, uint64_t snap_ino,
                                   const struct stat *root)
{
	const char *id = zecfs_browse_snapshot_id(b);
	struct pt_browse *pb;
	uint64_t h = 1469598103934665603ULL;

	for (pb = t->browses; pb; pb = pb->next) {
		if (pb->live && pb->b == b)
			return pb;
	}
	pb = calloc(1, sizeof(*pb));
	if (!pb || !(pb->where = strdup(path)) || pthread_rwlock_init(&pb->lock, NULL) != 0) {
		if (pb)
			free(pb->where);
		free(pb);
		return NULL;
	}
	for (const char *p = id ? id : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	pb->salt = mix(h ^ ++t->seq);
	pb->b = b;
	pb->snap_ino = snap_ino;
	pb->root_dev = root->st_dev;
	pb->root_ino = root->st_ino;
	pb->refs = 1;                       /* live's */
	pb->live = true;
	pb->next = t->browses;
	t->browses = pb;
	return pb;
}

void zecfs_pt_files(fuse_req_t req, const struct zecfs_node *snapdir)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "files" };
	struct zecfs_pt *t = fs->pt;
	struct zecfs_browse *b = NULL;
	struct fuse_entry_param e;
	struct pt_browse *pb;
	char path[512];
	int fd = -1, ret;

	zec_before_wait();
	memset(&e, 0, sizeof(e));
	if (own_process(fuse_req_ctx(req)->pid)) {
		/* zecfs never makes a disk for itself (a walk of its own mount) */
		fuse_reply_err(req, ENOENT);
		return;
	}
	zecfs_where(snapdir, "files", path, sizeof(path));
	res.path = path;
	ret = zecfs_browse_get(fs, snapdir->id.disk_id, snapdir->snap, path, &b, &res);
	if (ret) {
		zecfs_reply_err(req, ret);
		return;
	}
	/* b is ready and referenced: its root descriptor stays open meanwhile */
	fd = fcntl(zecfs_browse_root_fd(b), F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &e.attr) != 0) {
		ret = zecfs_pt_fix_errno(errno);
		goto out;
	}
	pthread_mutex_lock(&t->lock);
	pb = browse_of(t, b, path, snapdir->ino, &e.attr);
	pthread_mutex_unlock(&t->lock);
	if (!pb) {
		ret = -ENOMEM;
		goto out;
	}
	pthread_rwlock_rdlock(&pb->lock);
	if (pb->dead) {
		ret = -ESTALE;
	} else {
		ret = intern(t, pb, fd, &e.attr, &e.ino);
		fd = -1;                        /* taken over */
		e.attr.st_ino = e.ino;
		e.attr_timeout = PT_TIMEOUT;
		/* the entry goes with the browse (zecfs_pt_drop drops it) */
		e.entry_timeout = PT_TIMEOUT;
	}
	pthread_rwlock_unlock(&pb->lock);
out:
	if (fd >= 0)
		close(fd);
	zecfs_browse_put(b);
	reply_entry(req, fs, ret, &e);
}

/* ---- letting go ------------------------------------------------------------------- */

void zecfs_pt_drop(struct zecfs *fs, struct zecfs_browse *b)
{
	struct zecfs_pt *t = fs->pt;
	struct pt_browse *pb;
	unsigned closed = 0, handles = 0;

	zec_before_wait();
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	for (pb = t->browses; pb && !(pb->live && pb->b == b); pb = pb->next)
		;
	if (pb)
		pb->live = false;
	pthread_mutex_unlock(&t->lock);
	if (!pb)
		return;
	/* waits for the requests using the descriptors (a read in flight) */
	pthread_rwlock_wrlock(&pb->lock);
	pb->dead = true;
	pthread_mutex_lock(&t->lock);
	for (size_t k = 0; k <= t->mask; k++) {
		for (struct pt_inode *i = t->buckets[k]; i; i = i->next) {
			if (i->pb == pb && i->fd >= 0) {
				close(i->fd);
				i->fd = -1;
				closed++;
			}
		}
	}
	for (struct pt_handle *h = pb->handles; h; h = h->next) {
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		if (h->b) {
			zecfs_browse_put(h->b);
			handles++;
		}
		h->b = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	pb->b = NULL;
	pthread_rwlock_unlock(&pb->lock);
	zlog_info("browse files dropped path=%s inodes=%u handles=%u", ZLOG_ESC(pb->where),
	          closed, handles);
	/* the next look at files/ asks again, for a new browse */
	if (fs->inval && pb->snap_ino)
		zecfs_inval_entry(fs->inval, pb->snap_ino, "files");
	pthread_mutex_lock(&t->lock);
	zecfs_pt_browse_unref(t, pb);                /* live's */
	pthread_mutex_unlock(&t->lock);
}

/* ---- start and end ----------------------------------------------------------------- */

int zecfs_pt_init(struct zecfs *fs)
{
	struct zecfs_pt *t = calloc(1, sizeof(*t));
	struct rlimit rl;

	if (!t || !(t->buckets = calloc(BUCKETS_MIN, sizeof(*t->buckets)))) {
		free(t);
		return -ENOMEM;
	}
	t->mask = BUCKETS_MIN - 1;
	pthread_mutex_init(&t->lock, NULL);
	fs->pt = t;
	/* every inode the kernel holds under files/ holds a descriptor */
	if (fs->cfg.allow_browse && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			zlog_warn("browse descriptor limit not raised error=\"%s\"", strerror(errno));
	}
	return 0;
}

uint64_t zecfs_pt_count(struct zecfs *fs)
{
	uint64_t n;

	pthread_mutex_lock(&fs->pt->lock);
	n = fs->pt->count;
	pthread_mutex_unlock(&fs->pt->lock);
	return n;
}

void zecfs_pt_free(struct zecfs *fs)
{
	struct zecfs_pt *t = fs->pt;

	if (!t)
		return;
	/* what the kernel still held when the session ended */
	for (size_t k = 0; k <= t->mask; k++) {
		while (t->buckets[k]) {
			struct pt_inode *i = t->buckets[k];

			i->nlookup = 0;
			i->pins = 0;
			maybe_free(t, i);
		}
	}
	/* then the handles it never released, and the browses */
	while (t->browses) {
		struct pt_browse *pb = t->browses;

		while (pb->handles) {
			struct pt_handle *h = pb->handles;

			pb->handles = h->next;
			if (h->fd >= 0)
				close(h->fd);
			free(h);
		}
		pb->refs = 1;
		zecfs_pt_browse_unref(t, pb);
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	free(t);
	fs->pt = NULL;
}

/*
 * passthrough_io.c - what is opened under files/ (passthrough_int.h):
 * file and directory handles, reads, directory listings with the same
 * inode numbers LOOKUP gives, and extended attributes, all through the
 * descriptors of passthrough.c's inodes.
 */
#include "zecfs.h"
#include "browse.h"
#include "passthrough_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"

/* ---- handles ---------------------------------------------------------------- */

/* A handle on i (held), holding a browse reference: fd taken over. */
static int handle_new(struct zecfs *fs, struct pt_inode *i, int fd, struct pt_handle **out)
{
	struct zecfs_pt *t = fs->pt;
	struct pt_handle *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	h->fd = fd;
	h->pb = i->pb;
	h->b = i->pb->b;
	zecfs_browse_ref(h->b);
	pthread_mutex_lock(&t->lock);
	h->pb->refs++;
	h->next = h->pb->handles;
	if (h->next)
		h->next->prev = h;
	h->pb->handles = h;
	pthread_mutex_unlock(&t->lock);
	*out = h;
	return 0;
}

/* Closes h and gives its browse reference back, unless a drop did. */
static void handle_free(struct zecfs *fs, struct pt_handle *h)
{
	struct zecfs_pt *t = fs->pt;
	struct pt_browse *pb = h->pb;

	pthread_rwlock_rdlock(&pb->lock);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	/* under the read lock: browse.c frees b once a drop returned */
	if (h->b)
		zecfs_browse_put(h->b);
	h->b = NULL;
	pthread_rwlock_unlock(&pb->lock);
	pthread_mutex_lock(&t->lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		pb->handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	zecfs_pt_browse_unref(t, pb);
	pthread_mutex_unlock(&t->lock);
	free(h);
}

void zecfs_pt_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct pt_handle *h = NULL;
	struct pt_inode *i;
	char proc[64];
	int fd, ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, ino, &i);
	if (ret)
		goto out;
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		zecfs_pt_leave(fs, i);
		zecfs_pt_refuse(req, "open", ino, NULL);
		return;
	}
	if (i->type == S_IFDIR) {
		ret = -EISDIR;
		goto out;
	}
	/* the kernel opens FIFOs and devices itself: only files come here */
	if (i->type != S_IFREG) {
		ret = -EINVAL;
		goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", i->fd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = zecfs_pt_fix_errno(errno);
		goto out;
	}
	ret = handle_new(fs, i, fd, &h);
out:
	zecfs_pt_leave(fs, i);
	if (ret) {
		zecfs_reply_err(req, ret);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	/* a snapshot's file never changes: the kernel keeps its pages */
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi) != 0)
		handle_free(fs, h);
}

void zecfs_pt_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct zecfs_pt *t = zecfs_of(req)->pt;
	struct pt_handle *h = (struct pt_handle *)(uintptr_t)fi->fh;
	struct fuse_bufvec data = FUSE_BUFVEC_INIT(size);
	struct pt_browse *pb;
	struct stat st;
	int ret = 0;

	zec_before_wait();
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	/*
	 * Once the reply is out, the file may be closed and the handle freed
	 * (RELEASE) before this thread lets go of the lock: the lock's browse
	 * is held by a reference of this read's own, and h is not touched.
	 */
	pthread_mutex_lock(&t->lock);
	pb = h->pb;
	pb->refs++;
	pthread_mutex_unlock(&t->lock);
	pthread_rwlock_rdlock(&pb->lock);
	if (pb->dead || h->fd < 0) {
		ret = -ESTALE;
	} else if (fstat(h->fd, &st) != 0) {
		ret = zecfs_pt_fix_errno(errno);
	} else {
		zecfs_browse_touch(h->b);
		if (off < st.st_size)
			zecfs_browse_count_read(h->b, (uint64_t)(st.st_size - off) < size ?
			                        (uint64_t)(st.st_size - off) : size);
		/*
		 * libfuse reads (or splices) from the descriptor as it replies:
		 * under the read lock, so a drop waits for it
		 */
		data.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		data.buf[0].fd = h->fd;
		data.buf[0].pos = off;
		fuse_reply_data(req, &data, FUSE_BUF_SPLICE_MOVE);
	}
	pthread_rwlock_unlock(&pb->lock);
	pthread_mutex_lock(&t->lock);
	zecfs_pt_browse_unref(t, pb);
	pthread_mutex_unlock(&t->lock);
	if (ret)
		zecfs_reply_err(req, ret);
}

void zecfs_pt_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct pt_handle *h = (struct pt_handle *)(uintptr_t)fi->fh;

	if (h)
		handle_free(zecfs_of(req), h);
	fi->fh = 0;
	fuse_reply_err(req, 0);
}

/*
 * A directory handle only holds a browse reference (no idle teardown while
 * it is open): READDIR opens the directory itself at each offset, which it
 * must do anyway when the kernel skips OPENDIR (FUSE_CAP_NO_OPENDIR_SUPPORT).
 */
void zecfs_pt_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct pt_handle *h = NULL;
	struct pt_inode *i;
	int ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, ino, &i);
	if (!ret && i->type != S_IFDIR)
		ret = -ENOTDIR;
	if (!ret)
		ret = handle_new(fs, i, -1, &h);
	zecfs_pt_leave(fs, i);
	if (ret) {
		zecfs_reply_err(req, ret);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi) != 0)
		handle_free(fs, h);
}

/* ---- directories -------------------------------------------------------------- */

/* The number an entry of dir shows without a lookup (READDIR, . and ..). */
static uint64_t peek_number(struct zecfs *fs, const struct pt_inode *dir, const char *name,
                            ino_t d_ino)
{
	struct zecfs_pt *t = fs->pt;
	struct pt_inode *found;
	uint64_t n;

	if (strcmp(name, ".") == 0)
		return dir->nodeid;
	/* files/ itself: its parent is the snapshot directory */
	if (strcmp(name, "..") == 0 && dir->dev == dir->pb->root_dev && dir->ino == dir->pb->root_ino)
		return dir->pb->snap_ino;
	pthread_mutex_lock(&t->lock);
	n = zecfs_pt_number_of(t, dir->pb, dir->dev, d_ino, &found);
	pthread_mutex_unlock(&t->lock);
	return n;
}

/*
 * One entry into buf: its size, 0 when it does not fit.  With plus, a
 * lookup (one reference, given back when the entry does not fit); *sent
 * its number then, 0 for none.
 */
static size_t add_entry(fuse_req_t req, struct zecfs *fs, struct pt_inode *dir,
                        const struct dirent *de, bool plus, char *buf, size_t left,
                        uint64_t *sent)
{
	bool dot = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	struct fuse_entry_param e;
	size_t need;

	*sent = 0;
	memset(&e, 0, sizeof(e));
	if (plus && !dot && zecfs_pt_do_lookup(fs, dir, de->d_name, &e) == 0) {
		need = fuse_add_direntry_plus(req, buf, left, de->d_name, &e, (off_t)de->d_off);
		if (need > left)
			zecfs_pt_forget_one(fs->pt, e.ino, 1);   /* not sent */
		else
			*sent = e.ino;
		return need > left ? 0 : need;
	}
	/* no attributes: the kernel looks the entry up when it is used */
	memset(&e, 0, sizeof(e));
	e.attr.st_ino = peek_number(fs, dir, de->d_name, de->d_ino);
	e.attr.st_mode = de->d_type == DT_UNKNOWN ? 0 : DTTOIF(de->d_type);
	if (plus)
		need = fuse_add_direntry_plus(req, buf, left, de->d_name, &e, (off_t)de->d_off);
	else
		need = fuse_add_direntry(req, buf, left, de->d_name, &e.attr, (off_t)de->d_off);
	return need > left ? 0 : need;
}

/*
 * READDIR and READDIRPLUS: the directory opened again at each call and
 * sought to 'off', the filesystem's own d_off cookies (stable for ext4's
 * hashed and xfs's directories, and nothing changes them here).
 */
void zecfs_pt_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	struct zecfs *fs = zecfs_of(req);
	uint64_t *sent = NULL;        /* READDIRPLUS: the inodes referenced in buf */
	size_t used = 0, n_sent = 0;
	struct pt_inode *dir;
	char *buf = NULL;
	DIR *dp = NULL;
	int fd, ret;

	zec_before_wait();
	ret = zecfs_pt_enter(fs, ino, &dir);
	if (ret)
		goto out;
	if (dir->type != S_IFDIR) {
		ret = -ENOTDIR;
		goto out;
	}
	buf = malloc(size);
	sent = plus ? calloc(size / 24 + 1, sizeof(*sent)) : NULL;
	if (!buf || (plus && !sent)) {
		ret = -ENOMEM;
		goto out;
	}
	fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dp = fdopendir(fd))) {
		ret = zecfs_pt_fix_errno(errno);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (off)
		seekdir(dp, (long)off);
	for (;;) {
		struct dirent *de;
		size_t got;

		errno = 0;
		de = readdir(dp);
		if (!de) {
			if (errno && used == 0)
				ret = zecfs_pt_fix_errno(errno);
			break;
		}
		got = add_entry(req, fs, dir, de, plus, buf + used, size - used,
		                plus ? &sent[n_sent] : &(uint64_t){ 0 });
		if (got == 0)
			break;
		used += got;
		if (plus && sent[n_sent])
			n_sent++;
	}
out:
	if (dp)
		closedir(dp);
	zecfs_pt_leave(fs, dir);
	if (ret) {
		zecfs_reply_err(req, ret);
	} else if (fuse_reply_buf(req, buf, used) != 0) {
		/* the kernel never got these entries: give their references back */
		for (size_t k = 0; k < n_sent; k++)
			zecfs_pt_forget_one(fs->pt, sent[k], 1);
	}
	free(sent);
	free(buf);
}

/* ---- extended attributes ------------------------------------------------------ */

/*
 * Through /proc/self/fd/N, as passthrough_ll does: an O_PATH descriptor
 * has no f*xattr.  A symlink's cannot be reached that way (the call would
 * follow it): it shows none.
 */
static void xattr_call(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct zecfs *fs = zecfs_of(req);
	struct pt_inode *i;
	char proc[64], *buf = NULL;
	ssize_t n = 0;
	int ret = zecfs_pt_enter(fs, ino, &i);

	if (ret)
		goto out;
	if (i->type == S_IFLNK) {
		ret = name ? -ENODATA : 0;
		goto out;
	}
	if (size && !(buf = malloc(size))) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", i->fd);
	n = name ? getxattr(proc, name, buf, size) : listxattr(proc, buf, size);
	if (n < 0)
		ret = zecfs_pt_fix_errno(errno);
out:
	zecfs_pt_leave(fs, i);
	if (ret)
		zecfs_reply_err(req, ret);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

void zecfs_pt_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	zec_before_wait();
	xattr_call(req, ino, name, size);
}

void zecfs_pt_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	zec_before_wait();
	xattr_call(req, ino, NULL, size);
}

/*
 * ops.c - the FUSE operations of zecfs (libfuse's low-level API): lookup,
 * forget, getattr, readlink, open/read of the generated files, the refusals,
 * statfs, init and the operation table.  Directories are in dir.c,
 * mkdir/rmdir/rename of snapshots in snapshot.c, xattrs in xattr.c.
 *
 * Every request names an inode; node.c says what it is, against the cached
 * listings.  An operation calls the API client when it must, applies its
 * own change to the cache (read-your-writes), and answers 0 or an errno
 * that comes from the one table in zec_errno.c.
 *
 * The kernel does most of the work on a walk: OPENDIR is declined where
 * the kernel can skip it, directory contents and attributes are cached by
 * the kernel for cache_ttl (a directory's mtime moves when zecfs sees its
 * contents change, which makes the kernel read it again), and READDIRPLUS
 * hands every entry's attributes over with the listing.
 */
#include "zecfs.h"
#include "browse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_name.h"


int zecfs_errno_of(const char *code)
{
	return -zec_errno_for_code(code);
}

int zecfs_refused(const char *op, const char *path, const char *code, const char *reason)
{
	zlog_warn("%s refused path=%s code=%s reason=\"%s\"", op, ZLOG_ESC(path), code,
	          ZLOG_ESC(reason ? reason : zec_errno_advice(code)));
	return zecfs_errno_of(code);
}

struct zecfs *zecfs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

void zecfs_reply_err(fuse_req_t req, int ret)
{
	fuse_reply_err(req, ret < 0 ? -ret : ret);
}

/* "/<diskId>/snapshots/<name>" for log lines. */
const char *zecfs_where(const struct zecfs_node *dir, const char *name, char *buf,
                         size_t size)
{
	const char *sep = name ? "/" : "";

	if (!name)
		name = "";
	switch (dir->id.kind) {
	case ZECFS_SNAPDIR:
		snprintf(buf, size, "/%s/snapshots%s%s", dir->id.disk_id, sep, name);
		break;
	case ZECFS_SNAPSHOT:
		snprintf(buf, size, "/%s/snapshots/%s%s%s", dir->id.disk_id,
		         dir->snap ? zecfs_snap_name(dir->snap) : dir->id.obj_id, sep, name);
		break;
	case ZECFS_POLICY:
		snprintf(buf, size, "/.policies/%s%s%s",
		         dir->pol && dir->pol->name ? dir->pol->name : dir->id.obj_id, sep, name);
		break;
	case ZECFS_DISK:
		snprintf(buf, size, "/%s%s%s", dir->id.disk_id, sep, name);
		break;
	case ZECFS_POLICIES_DIR:
		snprintf(buf, size, "/.policies%s%s", sep, name);
		break;
	default:
		snprintf(buf, size, "/%s", name);
		break;
	}
	return buf;
}

static int refusal_for(const char *op, const struct zecfs_ident *id, const char *name,
                       const char *code);

/* ---- reply buffers ---------------------------------------------------- */

/* A worker thread's buffer: freed with the thread (the key's destructor). */
struct thread_buf {
	size_t cap;
	max_align_t data[];
};

static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;
static bool buf_key_made;

static void buf_key_make(void)
{
	buf_key_made = pthread_key_create(&buf_key, free) == 0;
}

void *zecfs_thread_buf(size_t size)
{
	struct thread_buf *b, *fresh;
	size_t cap = 4096;

	pthread_once(&buf_once, buf_key_make);
	if (!buf_key_made)
		return NULL;
	b = pthread_getspecific(buf_key);
	if (b && b->cap >= size)
		return b->data;
	while (cap < size)
		cap *= 2;
	fresh = malloc(sizeof(*fresh) + cap);
	if (!fresh || pthread_setspecific(buf_key, fresh) != 0) {
		free(fresh);
		return NULL;
	}
	free(b);
	fresh->cap = cap;
	return fresh->data;
}

/* ---- lookup, forget, getattr ----------------------------------------- */


static void zecfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = name };
	struct fuse_entry_param e;
	struct zecfs_node p, c;
	int ret;

	if (zecfs_pt_is(parent)) {
		zecfs_pt_lookup(req, parent, name);
		return;
	}
	memset(&c, 0, sizeof(c));
	ret = zecfs_node_get(fs, parent, &p, &res);
	if (!ret && p.id.kind == ZECFS_SNAPSHOT && strcmp(name, "files") == 0) {
		/* a snapshot's files: not listed, reachable by name */
		zecfs_pt_files(req, &p);
		zecfs_node_release(&p);
		return;
	}
	if (!ret)
		ret = zecfs_node_child(fs, &p, name, &c, &res);
	if (!ret) {
		/* a lookup refreshes the attributes, mtime included */
		struct zecfs_use_by by = { ZECFS_USE_OPEN, (long)fuse_req_ctx(req)->pid };

		zecfs_refresh_listing(fs, &c, &by);
		ret = zecfs_node_entry(fs, &c, &e);
	}
	if (ret)
		zecfs_reply_err(req, ret);
	else if (fuse_reply_entry(req, &e) != 0)
		zecfs_inode_forget(fs->inodes, e.ino, 1);   /* the kernel never got it */
	zecfs_node_release(&c);
	zecfs_node_release(&p);
}

static void forget_one(struct zecfs *fs, fuse_ino_t ino, uint64_t nlookup)
{
	if (zecfs_pt_is(ino))
		zecfs_pt_forget(fs, ino, nlookup);
	else
		zecfs_inode_forget(fs->inodes, ino, nlookup);
}

static void zecfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(zecfs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void zecfs_forget_multi(fuse_req_t req, size_t count,
                               struct fuse_forget_data *forgets)
{
	struct zecfs *fs = zecfs_of(req);

	for (size_t i = 0; i < count; i++)
		forget_one(fs, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/*
 * A directory's listing, fetched when older than the TTL.  This is what
 * makes changes by others appear: the kernel asks for a directory's
 * attributes once they expire, and a changed listing gives a new mtime,
 * which makes the kernel drop the contents it cached.  stat of a directory
 * never fails because the API is down; but when no listing may be shown
 * (none younger than stale_max), the mtime says so (n->unlisted), and the
 * kernel's next readdir fails as the listing does.
 */
void zecfs_refresh_listing(struct zecfs *fs, struct zecfs_node *n, const struct zecfs_use_by *by)
{
	struct zec_result res = { .path = "getattr" };
	int ret = 0;

	if ((n->id.kind == ZECFS_ROOT || n->id.kind == ZECFS_BYNAME_DIR) && !n->dl)
		ret = zecfs_cache_disks_use(fs->cache, by, &n->dl, &res);
	else if (n->id.kind == ZECFS_SNAPDIR && !n->sl)
		ret = zecfs_cache_snapshots_use(fs->cache, n->id.disk_id, by, &n->sl, &res);
	else if (n->id.kind == ZECFS_POLICIES_DIR && !n->pl)
		ret = zecfs_policies_get_use(fs, by, &n->pl, &res);
	n->unlisted = ret != 0;
}

static void zecfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "getattr" };
	struct zecfs_node n;
	struct stat st;
	int ret;

	(void)fi;
	if (zecfs_pt_is(ino)) {
		zecfs_pt_getattr(req, ino);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	if (!ret) {
		struct zecfs_use_by by = { ZECFS_USE_OPEN, (long)fuse_req_ctx(req)->pid };

		zecfs_refresh_listing(fs, &n, &by);
		ret = zecfs_node_stat(fs, &n, &st);
	}
	if (ret)
		zecfs_reply_err(req, ret);
	else
		fuse_reply_attr(req, &st, zecfs_attr_timeout(fs, n.id.kind));
	zecfs_node_release(&n);
}

static void zecfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "readlink" };
	char target[ZECFS_ID_MAX + 8];
	struct zecfs_node n;
	int ret;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_readlink(req, ino);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	if (!ret && n.id.kind != ZECFS_BYNAME_LINK && n.id.kind != ZECFS_POLICY_LINK)
		ret = -EINVAL;
	if (ret) {
		zecfs_reply_err(req, ret);
	} else {
		/* .by-name/<name> -> ../<diskId>, .policies/<name>/<diskId> -> ../../<diskId> */
		snprintf(target, sizeof(target), "%s%s",
		         n.id.kind == ZECFS_POLICY_LINK ? "../../" : "../", n.id.disk_id);
		fuse_reply_readlink(req, target);
	}
	zecfs_node_release(&n);
}

/* ---- files ----------------------------------------------------------- */

struct open_file {
	char *text;
	size_t len;
};

static void zecfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct zec_result res = { .path = "open" };
	struct open_file *f = NULL;
	struct zecfs_node n;
	int ret;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_open(req, ino, fi);
		return;
	}
	ret = zecfs_node_get_status(fs, ino, &n, &res);
	if (ret)
		goto out;
	if (zecfs_is_dir(n.id.kind)) {
		ret = -EISDIR;
		goto out;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		ret = refusal_for("open", &n.id, NULL, n.id.kind == ZECFS_SNAP_JSON ||
		                  zecfs_is_policy(n.id.kind) ? ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
		goto out;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		ret = zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
		goto out;
	}
	/* a file's content is fixed at open: what read() returns stays consistent */
	ret = zecfs_content(fs, &n, &f->text, &f->len);
	if (ret)
		goto out;
	fi->fh = (uint64_t)(uintptr_t)f;
	/* generated text: its size may differ from the last stat, read it all */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	if (fuse_reply_open(req, fi) != 0) {
		free(f->text);
		free(f);
	}
	f = NULL;
out:
	if (ret)
		zecfs_reply_err(req, ret);
	if (f) {
		free(f->text);
		free(f);
	}
	zecfs_node_release(&n);
}

static void zecfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	const struct open_file *f = (const struct open_file *)(uintptr_t)fi->fh;
	char *copy;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_read(req, size, off, fi);
		return;
	}
	if (!f) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (off < 0 || (size_t)off >= f->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > f->len - (size_t)off)
		size = f->len - (size_t)off;
	/*
	 * Reply from a copy this thread owns: once the kernel has the data the
	 * reader may close, and a RELEASE on another worker frees f while this
	 * thread is still returning from writev (ThreadSanitizer checks the
	 * buffer after the call).
	 */
	copy = zecfs_thread_buf(size);
	if (!copy) {
		zecfs_reply_err(req, zecfs_errno_of(ZECFS_OUT_OF_MEMORY));
		return;
	}
	memcpy(copy, f->text + off, size);
	fuse_reply_buf(req, copy, size);
}

static void zecfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_file *f = (struct open_file *)(uintptr_t)fi->fh;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_release(req, fi);
		return;
	}
	if (f) {
		free(f->text);
		free(f);
	}
	fi->fh = 0;
	fuse_reply_err(req, 0);
}

/* ---- everything else gets a deliberate errno ------------------------- */

/* The refusal of op on name in (or on) the node id, logged. */
static int refusal_for(const char *op, const struct zecfs_ident *id, const char *name,
                       const char *code)
{
	struct zecfs_node at;
	char path[512];

	memset(&at, 0, sizeof(at));
	at.id = *id;
	zecfs_where(&at, name, path, sizeof(path));
	return zecfs_refused(op, path, code, NULL);
}

/* EROFS inside a snapshot directory or .policies, EPERM anywhere else. */
static void refuse_in(fuse_req_t req, fuse_ino_t dir, const char *op, const char *name)
{
	struct zecfs *fs = zecfs_of(req);
	struct zecfs_ident id;
	int ret;

	if (zecfs_pt_is(dir)) {
		zecfs_pt_refuse(req, op, dir, name);
		return;
	}
	ret = zecfs_inode_ident(fs->inodes, dir, &id);
	if (!ret)
		ret = refusal_for(op, &id, name, id.kind == ZECFS_SNAPSHOT || zecfs_is_policy(id.kind) ?
		                  ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
	zecfs_reply_err(req, ret);
}

static void zecfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
                        mode_t mode, dev_t rdev)
{
	(void)mode;
	(void)rdev;
	refuse_in(req, parent, "mknod", name);
}

static void zecfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
                         mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	refuse_in(req, parent, "create", name);
}

static void zecfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	refuse_in(req, parent, "unlink", name);
}

static void zecfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
                          const char *name)
{
	(void)link;
	refuse_in(req, parent, "symlink", name);
}

static void zecfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
                       const char *newname)
{
	/* a link to a file under files/ from elsewhere changes nothing there,
	 * but is refused as a change of it all the same */
	refuse_in(req, zecfs_pt_is(ino) && !zecfs_pt_is(newparent) ? ino : newparent, "link",
	          newname);
}

static void zecfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
                          int to_set, struct fuse_file_info *fi)
{
	struct zecfs *fs = zecfs_of(req);
	struct zecfs_ident id;
	int ret;

	(void)attr;
	(void)to_set;
	(void)fi;
	if (zecfs_pt_is(ino)) {
		zecfs_pt_refuse(req, "setattr", ino, NULL);
		return;
	}
	ret = zecfs_inode_ident(fs->inodes, ino, &id);
	if (!ret)
		ret = refusal_for("setattr", &id, NULL, id.kind == ZECFS_SNAP_JSON ||
		                  zecfs_is_policy(id.kind) ? ZECFS_READ_ONLY : ZECFS_NOT_PERMITTED);
	zecfs_reply_err(req, ret);
}

static void zecfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
                        off_t off, struct fuse_file_info *fi)
{
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	if (zecfs_pt_is(ino))
		zecfs_pt_refuse(req, "write", ino, NULL);
	else
		zecfs_reply_err(req, zecfs_errno_of(ZECFS_NOT_PERMITTED));
}

static void zecfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_statfs(req, ino);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = ZEC_NAME_MAX;    /* getconf NAME_MAX tells the snapshot name limit */
	fuse_reply_statfs(req, &st);
}

static void zecfs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct zecfs *fs = userdata;

	fs->mount_time = zec_clock_wall();
	/* directories: no OPENDIR round trip; the kernel caches their contents */
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) {
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
		zecfs_dir_decline_opendir();
	}
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/*
	 * READDIRPLUS for every chunk of a directory: with READDIRPLUS_AUTO the
	 * kernel falls back to READDIR after the first chunk and then sends a
	 * LOOKUP for each of those entries
	 */
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	/* a changed mtime makes the kernel drop a directory's cached contents */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	conn->want &= ~FUSE_CAP_POSIX_ACL;
}

/*
 * One deadline per operation (-o timeout): every API call an operation
 * makes, retries, lookups and listing pages included, ends by then.  Each
 * request that may call the API runs between zec_client_op_begin() and
 * zec_client_op_end() on its worker thread: the timed_* wrappers below.
 * fs is taken before the handler replies (the request is gone after).
 */
static struct zecfs *op_begin(fuse_req_t req)
{
	struct zecfs *fs = zecfs_of(req);

	zec_client_op_begin(fs->client, (long)(fs->cfg.timeout * 1000));
	return fs;
}

static void op_end(struct zecfs *fs)
{
	zec_client_op_end(fs->client);
}

/* The wrappers are alike on purpose: one per handler of zecfs_ops that may
 * call the API, each spelled out so that a grep finds its name. */
static void timed_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = op_begin(req);

	zecfs_lookup(req, parent, name);
	op_end(fs);
}

static void timed_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = op_begin(req);

	zecfs_getattr(req, ino, fi);
	op_end(fs);
}

static void timed_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct zecfs *fs = op_begin(req);

	zecfs_readlink(req, ino);
	op_end(fs);
}

static void timed_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct zecfs *fs = op_begin(req);

	zecfs_mkdir(req, parent, name, mode);
	op_end(fs);
}

static void timed_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zecfs *fs = op_begin(req);

	zecfs_rmdir(req, parent, name);
	op_end(fs);
}

static void timed_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
                         fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct zecfs *fs = op_begin(req);

	zecfs_rename(req, parent, name, newparent, newname, flags);
	op_end(fs);
}

static void timed_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zecfs *fs = op_begin(req);

	zecfs_open(req, ino, fi);
	op_end(fs);
}

static void timed_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi)
{
	struct zecfs *fs = op_begin(req);

	zecfs_readdir(req, ino, size, off, fi);
	op_end(fs);
}

static void timed_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                              struct fuse_file_info *fi)
{
	struct zecfs *fs = op_begin(req);

	zecfs_readdirplus(req, ino, size, off, fi);
	op_end(fs);
}

static void timed_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
                           const char *value, size_t size, int flags)
{
	struct zecfs *fs = op_begin(req);

	zecfs_setxattr(req, ino, name, value, size, flags);
	op_end(fs);
}

static void timed_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct zecfs *fs = op_begin(req);

	zecfs_getxattr(req, ino, name, size);
	op_end(fs);
}

static void timed_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct zecfs *fs = op_begin(req);

	zecfs_listxattr(req, ino, size);
	op_end(fs);
}

static void timed_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct zecfs *fs = op_begin(req);

	zecfs_removexattr(req, ino, name);
	op_end(fs);
}

const struct fuse_lowlevel_ops zecfs_ops = {
	.init         = zecfs_init,
	.lookup       = timed_lookup,
	.forget       = zecfs_forget,
	.forget_multi = zecfs_forget_multi,
	.getattr      = timed_getattr,
	.setattr      = zecfs_setattr,
	.readlink     = timed_readlink,
	.mknod        = zecfs_mknod,
	.mkdir        = timed_mkdir,
	.unlink       = zecfs_unlink,
	.rmdir        = timed_rmdir,
	.symlink      = zecfs_symlink,
	.rename       = timed_rename,
	.link         = zecfs_link,
	.open         = timed_open,
	.read         = zecfs_read,
	.write        = zecfs_write,
	.release      = zecfs_release,
	.opendir      = zecfs_opendir,
	.releasedir   = zecfs_releasedir,
	.readdir      = timed_readdir,
	.readdirplus  = timed_readdirplus,
	.statfs       = zecfs_statfs,
	.setxattr     = timed_setxattr,
	.getxattr     = timed_getxattr,
	.listxattr    = timed_listxattr,
	.removexattr  = timed_removexattr,
	.create       = zecfs_create,
};

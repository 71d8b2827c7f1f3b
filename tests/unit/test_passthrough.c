/*
 * test_passthrough.c - the passthrough of files/ (src/fs/passthrough.c)
 * against stub browse functions serving a temporary directory and stub
 * fuse_reply_* functions: inode identity (hard links share a number),
 * lookup counts (READDIRPLUS entries that do not fit are given back),
 * forget, a drop while a file is open, and a drop while readers run
 * (built with -fsanitize=thread, it shows the locking is race-free).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "zecfs.h"
#include "browse.h"

/* ---- stubs: one browse of a temporary directory --------------------------- */

struct zecfs_browse {
	int root_fd;
	int refs;
	int touched;
	uint64_t bytes;
};

/* browse.c's calls come from many request threads: one lock, as there */
static pthread_mutex_t browse_lock = PTHREAD_MUTEX_INITIALIZER;

static struct zecfs fs;
static struct zecfs_browse the_browse;
static uint64_t inval_parent;

int zecfs_browse_get(struct zecfs *f, const char *disk_id, const struct zecfs_snap *snap,
                     const char *path, struct zecfs_browse **out, struct zec_result *res)
{
	(void)f; (void)disk_id; (void)snap; (void)path; (void)res;
	the_browse.refs++;
	*out = &the_browse;
	return 0;
}
void zecfs_browse_put(struct zecfs_browse *b)
{
	pthread_mutex_lock(&browse_lock);
	b->refs--;
	pthread_mutex_unlock(&browse_lock);
}
void zecfs_browse_ref(struct zecfs_browse *b)
{
	pthread_mutex_lock(&browse_lock);
	b->refs++;
	pthread_mutex_unlock(&browse_lock);
}
int zecfs_browse_root_fd(const struct zecfs_browse *b) { return b->root_fd; }
const char *zecfs_browse_snapshot_id(const struct zecfs_browse *b) { (void)b; return "snap-1"; }
void zecfs_browse_touch(struct zecfs_browse *b)
{
	pthread_mutex_lock(&browse_lock);
	b->touched++;
	pthread_mutex_unlock(&browse_lock);
}
void zecfs_browse_count_read(struct zecfs_browse *b, uint64_t n)
{
	pthread_mutex_lock(&browse_lock);
	b->bytes += n;
	pthread_mutex_unlock(&browse_lock);
}

struct zecfs *zecfs_of(fuse_req_t req) { (void)req; return &fs; }
const char *zecfs_where(const struct zecfs_node *dir, const char *name, char *buf, size_t size)
{
	(void)dir;
	snprintf(buf, size, "/d/snapshots/s/%s", name ? name : "");
	return buf;
}
int zecfs_refused(const char *op, const char *path, const char *code, const char *reason)
{
	(void)op; (void)path; (void)code; (void)reason;
	return -EROFS;
}
void zecfs_inval_entry(struct zecfs_inval *q, uint64_t parent, const char *name)
{
	(void)q;
	if (strcmp(name, "files") == 0)
		inval_parent = parent;
}

/* ---- stubs: what the "kernel" got --------------------------------------- */

static _Thread_local int last_err;
static _Thread_local struct fuse_entry_param last_entry;
static _Thread_local struct stat last_attr;
static _Thread_local char last_buf[65536];
static _Thread_local size_t last_len;
static _Thread_local uint64_t last_fh;
static struct fuse_ctx ctx = { .pid = 1 };

void zecfs_reply_err(fuse_req_t req, int ret) { (void)req; last_err = ret < 0 ? -ret : ret; }
int fuse_reply_err(fuse_req_t req, int err) { (void)req; last_err = err; return 0; }
int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
	(void)req;
	last_err = 0;
	last_entry = *e;
	return 0;
}
int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double timeout)
{
	(void)req; (void)timeout;
	last_err = 0;
	last_attr = *attr;
	return 0;
}
int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size)
{
	(void)req;
	last_err = 0;
	last_len = size < sizeof(last_buf) ? size : sizeof(last_buf);
	if (buf)
		memcpy(last_buf, buf, last_len);
	return 0;
}
int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags)
{
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(last_buf));
	ssize_t n;

	(void)req;
	(void)flags;
	dst.buf[0].mem = last_buf;
	n = fuse_buf_copy(&dst, bufv, 0);
	last_err = n < 0 ? (int)-n : 0;
	last_len = n < 0 ? 0 : (size_t)n;
	return 0;
}
int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
	(void)req;
	last_err = 0;
	last_fh = fi->fh;
	return 0;
}
int fuse_reply_readlink(fuse_req_t req, const char *link)
{
	return fuse_reply_buf(req, link, strlen(link));
}
int fuse_reply_statfs(fuse_req_t req, const struct statvfs *st)
{
	(void)req; (void)st;
	last_err = 0;
	return 0;
}
int fuse_reply_xattr(fuse_req_t req, size_t count)
{
	(void)req;
	last_err = 0;
	last_len = count;
	return 0;
}
const struct fuse_ctx *fuse_req_ctx(fuse_req_t req) { (void)req; return &ctx; }

#define REQ ((fuse_req_t)(uintptr_t)1)

static uint64_t lookup(uint64_t parent, const char *name)
{
	memset(&last_entry, 0, sizeof(last_entry));
	last_err = -1;
	zecfs_pt_lookup(REQ, parent, name);
	return last_err ? 0 : last_entry.ino;
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A reader: reads and stats through its handle until the drop shows. */
struct reader {
	struct fuse_file_info fi;
	uint64_t ino;
	_Atomic int reads;           /* watched by the test's thread */
	int stale;
};

static void *reader(void *arg)
{
	struct reader *r = arg;

	for (int k = 0; k < 100000; k++) {
		zecfs_pt_read(REQ, 5, 0, &r->fi);
		if (last_err == ESTALE) {
			r->stale = 1;
			break;
		}
		if (last_err == 0 && last_len == 5)
			r->reads++;
		zecfs_pt_getattr(REQ, r->ino);
	}
	return NULL;
}

/* Drop while two readers run: every read before it succeeds, every one after is ESTALE. */
static void drop_under_readers(const char *dir)
{
	struct zecfs_node snapdir;
	struct reader r[2];
	pthread_t t[2];
	uint64_t root, a;

	memset(&snapdir, 0, sizeof(snapdir));
	snapdir.ino = 78;
	zecfs_pt_files(REQ, &snapdir);
	root = last_entry.ino;
	a = lookup(root, "a");
	for (int k = 0; k < 2; k++) {
		memset(&r[k], 0, sizeof(r[k]));
		r[k].ino = a;
		zecfs_pt_open(REQ, a, &r[k].fi);
		r[k].fi.fh = last_fh;
		pthread_create(&t[k], NULL, reader, &r[k]);
	}
	/* let them run: wait until each of them has read */
	for (int spins = 0; spins < 100000; spins++) {
		if (r[0].reads > 0 && r[1].reads > 0)
			break;
		usleep(100);
	}
	zecfs_pt_drop(&fs, &the_browse);
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	CHECK(r[0].stale && r[1].stale, "readers running across a drop end with ESTALE");
	CHECK(r[0].reads > 0 && r[1].reads > 0, "and read whole answers before it");
	for (int k = 0; k < 2; k++)
		zecfs_pt_release(REQ, &r[k].fi);
	pthread_mutex_lock(&browse_lock);
	CHECK(the_browse.refs == 0, "every reference given back once");
	pthread_mutex_unlock(&browse_lock);
	(void)dir;
}

int main(void)
{
	char dir[] = "/tmp/test_passthrough.XXXXXX", p1[600], p2[600];
	struct zecfs_node snapdir;
	struct fuse_file_info fi;
	uint64_t root, a, a2, h, b;

	if (!mkdtemp(dir))
		return 1;
	put_file(dir, "a", "hello");
	put_file(dir, "b", "other");
	snprintf(p1, sizeof(p1), "%s/a", dir);
	snprintf(p2, sizeof(p2), "%s/h", dir);
	if (link(p1, p2) != 0)
		return 1;
	for (int i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "many-%02d-with-a-longish-name", i);
		put_file(dir, name, "x");
	}
	the_browse.root_fd = open(dir, O_PATH | O_DIRECTORY);
	fs.inval = (struct zecfs_inval *)(uintptr_t)1;     /* the stub queue */
	CHECK(zecfs_pt_init(&fs) == 0, "init");

	/* files/ itself */
	memset(&snapdir, 0, sizeof(snapdir));
	snapdir.ino = 77;
	zecfs_pt_files(REQ, &snapdir);
	root = last_entry.ino;
	CHECK(last_err == 0 && zecfs_pt_is(root), "files/ has a passthrough number");
	CHECK(last_entry.attr.st_ino == root && S_ISDIR(last_entry.attr.st_mode),
	      "its st_ino is its number, a directory");
	CHECK(the_browse.refs == 0, "the lookup gave its browse reference back");

	/* identity */
	a = lookup(root, "a");
	a2 = lookup(root, "a");
	h = lookup(root, "h");
	b = lookup(root, "b");
	CHECK(a && a == a2, "a looked up twice: one number");
	CHECK(a == h, "a hard link shares the number");
	CHECK(b && b != a && zecfs_pt_is(b), "another file, another number");
	CHECK(lookup(root, "..") == 0 && last_err == ENOENT, ".. is never looked up out of the tree");
	CHECK(lookup(root, "nope") == 0 && last_err == ENOENT, "a missing name: ENOENT");
	CHECK(zecfs_pt_count(&fs) == 3, "three inodes: files/, a, b (count %llu)",
	      (unsigned long long)zecfs_pt_count(&fs));

	/* forget: a was referenced three times (a, a again, h) */
	zecfs_pt_forget(&fs, a, 2);
	zecfs_pt_getattr(REQ, a);
	CHECK(last_err == 0 && last_attr.st_ino == a && last_attr.st_size == 5,
	      "still held after forgetting 2 of 3");
	zecfs_pt_forget(&fs, a, 1);
	zecfs_pt_getattr(REQ, a);
	CHECK(last_err == ESTALE, "gone after the last forget: ESTALE");
	CHECK(lookup(root, "a") == a, "looked up again: the same number");
	CHECK(zecfs_pt_count(&fs) == 3, "and one inode again");

	/* READDIRPLUS into a small buffer: what is sent is referenced, nothing else */
	{
		uint64_t before = zecfs_pt_count(&fs);
		uint64_t plus_a;

		zecfs_pt_readdir(REQ, root, 1024, 0, true);
		CHECK(last_err == 0 && last_len > 0 && last_len <= 1024, "readdirplus answered %zu bytes",
		      last_len);
		/* each entry sent took one reference: forgetting one per entry empties it again */
		plus_a = zecfs_pt_count(&fs);
		CHECK(plus_a > before && plus_a - before < 10,
		      "only the entries that fit were referenced (%llu new)",
		      (unsigned long long)(plus_a - before));
	}
	zecfs_pt_readdir(REQ, root, 65536, 0, false);
	CHECK(last_err == 0 && last_len > 0, "readdir answered");

	/* refusals */
	zecfs_pt_refuse(REQ, "mkdir", root, "x");
	CHECK(last_err == EROFS, "mkdir under files/: EROFS");
	memset(&fi, 0, sizeof(fi));
	fi.flags = O_RDWR;
	zecfs_pt_open(REQ, a, &fi);
	CHECK(last_err == EROFS, "open for writing: EROFS");

	/* open, read, drop while open */
	memset(&fi, 0, sizeof(fi));
	fi.flags = O_RDONLY;
	zecfs_pt_open(REQ, a, &fi);
	CHECK(last_err == 0 && last_fh, "open read-only");
	fi.fh = last_fh;
	CHECK(the_browse.refs == 1, "an open file holds a browse reference");
	zecfs_pt_read(REQ, 100, 0, &fi);
	CHECK(last_err == 0 && last_len == 5 && memcmp(last_buf, "hello", 5) == 0, "read");
	CHECK(the_browse.bytes == 5, "bytes read counted");
	zecfs_pt_drop(&fs, &the_browse);
	CHECK(the_browse.refs == 0, "drop gave the handle's reference back");
	CHECK(inval_parent == 77, "drop invalidated files/ in the snapshot directory");
	zecfs_pt_read(REQ, 100, 0, &fi);
	CHECK(last_err == ESTALE, "a read after the drop: ESTALE");
	zecfs_pt_getattr(REQ, b);
	CHECK(last_err == ESTALE, "an inode after the drop: ESTALE");
	zecfs_pt_release(REQ, &fi);
	CHECK(last_err == 0 && the_browse.refs == 0, "release after the drop: no second put");
	CHECK(zecfs_pt_count(&fs) > 0, "dead inodes stay until the kernel forgets them");

	/* a new browse of the same tree after the drop: new numbers */
	zecfs_pt_files(REQ, &snapdir);
	CHECK(last_err == 0 && last_entry.ino != root && zecfs_pt_is(last_entry.ino),
	      "a new browse: a new root number");
	CHECK(lookup(last_entry.ino, "a") != a, "and new numbers for its files");

	zecfs_pt_drop(&fs, &the_browse);
	drop_under_readers(dir);
	zecfs_pt_free(&fs);
	close(the_browse.root_fd);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	return check_summary();
}

/*
 * floor.c - the floor zecfs is measured against: the cheapest low-level FUSE
 * file system serving, from memory, the tree a zecfs mount of bench/run's
 * emulator shows (disks x snapshots), with the best settings FUSE allows.
 *
 *   floor [-f] [-s] -o disks=D,snapshots=S[,rdplus_auto] MOUNTPOINT
 *
 * Tree: MNT/.by-name/bench-NNNNN -> ../<diskId>, MNT/.policies/ (empty),
 * MNT/<diskId>/{disk.json,snapshots.json,snapshots/}, and
 * MNT/<diskId>/snapshots/s-NNNNNN/snapshot.json, with the disk ids, names
 * and file sizes bench/zecbench.py's seed gives a zecfs mount (the text is
 * JSON of the same shape and length; the record values are made up).
 *
 * Why each setting: nothing is looked up, allocated or locked per request.
 * Inode numbers are computed from the position in the tree (no table, no
 * FORGET bookkeeping); OPENDIR and OPEN answer ENOSYS once, after which the
 * kernel opens without asking and caches directory contents and file pages
 * (FUSE_CAP_NO_OPENDIR_SUPPORT / NO_OPEN_SUPPORT imply FOPEN_CACHE_DIR and
 * FOPEN_KEEP_CACHE); READDIRPLUS hands every entry's full attributes with
 * entry and attribute timeouts of a day, so a walk asks nothing per entry.
 * READDIRPLUS_AUTO (the kernel's switch to plain READDIR plus LOOKUPs after
 * a big directory's first chunk) is off unless rdplus_auto is given, so that
 * both can be measured.  Multi-threaded like any libfuse daemon unless -s;
 * bench/run passes -s, the cheapest: a walk sends one request at a time.
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fuse_lowlevel.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DISK0   862857204414600000ull   /* bench/zecbench.py's DISK0 */
#define SNAP0   880000000000000000ull   /* 18 digits, like the emulator's ids */
#define TIMEOUT 86400.0
#define MTIME   1767225600              /* 2026-01-01T00:00:00Z */

/* Fixed inodes; disk i's block starts at INO_DISKS + i * per_disk. */
enum {
	INO_ROOT = 1, INO_BYNAME, INO_POLICIES, INO_DISKS,
};
/* Offsets within a disk's block; snapshot j at K_SNAP + 2j (+1: its file). */
enum { K_DIR, K_DISKJSON, K_SNAPJSON, K_SNAPDIR, K_LINK, K_SNAP };

static struct floor {
	unsigned disks, snaps;
	int rdplus_auto;
	uint64_t per_disk;                /* inodes per disk: K_SNAP + 2 * snaps */
	size_t disk_json, snap_json, line; /* text lengths (every one alike) */
} fl;

/* ---- the texts ------------------------------------------------------------ */

static int disk_text(char *buf, size_t cap, unsigned i)
{
	return snprintf(buf, cap,
	        "{\n\t\"diskId\":\t\"%llu\",\n\t\"diskName\":\t\"bench-%05u\",\n"
	        "\t\"zoneId\":\t\"asia-east-1a\",\n\t\"diskType\":\t\"DATA\",\n"
	        "\t\"diskStatus\":\t\"IN_USE\",\n\t\"snapshotAbility\":\ttrue,\n"
	        "\t\"diskSize\":\t100,\n\t\"createTime\":\t\"2026-01-01T00:00:00Z\",\n"
	        "\t\"regionId\":\t\"asia-east-1\",\n\t\"portable\":\ttrue,\n"
	        "\t\"diskCategory\":\t\"Standard NVMe SSD\",\n"
	        "\t\"resourceGroupId\":\t\"default\",\n"
	        "\t\"resourceGroupName\":\t\"Default Resource Group\",\n"
	        "\t\"burstingEnabled\":\tfalse,\n\t\"serial\":\t\"zec%017llu\",\n"
	        "\t\"tags\":\t{\n\t\t\"tags\":\t[]\n\t}\n}\n",
	        DISK0 + i, i, (DISK0 + i) % 100000000000000000ull);
}

static unsigned long long snap_id(unsigned i, unsigned j)
{
	return SNAP0 + (unsigned long long)i * fl.snaps + j;
}

static int snap_text(char *buf, size_t cap, unsigned i, unsigned j)
{
	return snprintf(buf, cap,
	        "{\n\t\"snapshotId\":\t\"%llu\",\n\t\"snapshotName\":\t\"s-%06u\",\n"
	        "\t\"zoneId\":\t\"asia-east-1a\",\n\t\"status\":\t\"AVAILABLE\",\n"
	        "\t\"snapshotType\":\t\"Manual\",\n\t\"diskId\":\t\"%llu\",\n"
	        "\t\"createTime\":\t\"2026-01-01T00:00:00Z\",\n\t\"diskAbility\":\ttrue,\n"
	        "\t\"resourceGroup\":\t{\n\t\t\"resourceGroupId\":\t\"default\",\n"
	        "\t\t\"resourceGroupName\":\t\"Default Resource Group\"\n\t}\n}\n",
	        snap_id(i, j), j, DISK0 + i);
}

/* One line of snapshots.json, without the separator. */
static int line_text(char *buf, size_t cap, unsigned i, unsigned j)
{
	return snprintf(buf, cap,
	        "  {\"snapshotId\":\"%llu\",\"snapshotName\":\"s-%06u\","
	        "\"zoneId\":\"asia-east-1a\",\"status\":\"AVAILABLE\",\"snapshotType\":\"Manual\","
	        "\"diskId\":\"%llu\",\"createTime\":\"2026-01-01T00:00:00Z\",\"diskAbility\":true,"
	        "\"resourceGroup\":{\"resourceGroupId\":\"default\","
	        "\"resourceGroupName\":\"Default Resource Group\"}}",
	        snap_id(i, j), j, DISK0 + i);
}

/* "[\n" line ",\n" line ... "\n]\n" */
static size_t list_size(void)
{
	return fl.snaps ? 2 + fl.snaps * (fl.line + 2) + 1 : 4;
}

/* ---- inodes --------------------------------------------------------------- */

struct node {
	int kind;          /* K_* within a disk, or -1 for the fixed inodes */
	fuse_ino_t ino;
	unsigned disk, snap;
};

static int decode(fuse_ino_t ino, struct node *n)
{
	uint64_t rel;

	n->ino = ino;
	n->kind = -1;
	n->disk = n->snap = 0;
	if (ino < INO_DISKS)
		return ino >= INO_ROOT ? 0 : -ENOENT;
	rel = ino - INO_DISKS;
	if (rel / fl.per_disk >= fl.disks)
		return -ENOENT;
	n->disk = (unsigned)(rel / fl.per_disk);
	rel %= fl.per_disk;
	if (rel < K_SNAP) {
		n->kind = (int)rel;
	} else {
		n->snap = (unsigned)((rel - K_SNAP) / 2);
		n->kind = K_SNAP + (int)((rel - K_SNAP) % 2);
	}
	return 0;
}

static fuse_ino_t ino_of(unsigned disk, uint64_t k)
{
	return INO_DISKS + disk * fl.per_disk + k;
}

static void attr_of(const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_nlink = 2;
	st->st_mode = S_IFDIR | 0555;
	st->st_mtime = st->st_ctime = st->st_atime = MTIME;
	switch (n->kind) {
	case K_DIR:
	case K_SNAPDIR:
		st->st_mode = S_IFDIR | 0755;
		break;
	case K_DISKJSON:
	case K_SNAPJSON:
	case K_SNAP + 1:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)(n->kind == K_DISKJSON ? fl.disk_json :
		                      n->kind == K_SNAPJSON ? list_size() : fl.snap_json);
		st->st_blocks = (st->st_size + 511) / 512;
		break;
	case K_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = 21;
		break;
	default:                 /* root, .by-name, .policies, a snapshot */
		if (n->ino == INO_ROOT)
			st->st_mode = S_IFDIR | 0755;
		break;
	}
}

static void entry_of(const struct node *n, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->attr_timeout = e->entry_timeout = TIMEOUT;
	attr_of(n, &e->attr);
}

/* A decimal number of exactly 'width' digits (0: any), else -1. */
static long long number(const char *s, size_t width)
{
	long long v = 0;
	size_t len = strlen(s);

	if (!len || len > 18 || (width && len != width))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The child 'name' of directory 'parent'. */
static int child(fuse_ino_t parent, const char *name, struct node *out)
{
	struct node p;
	long long v;

	if (decode(parent, &p))
		return -ENOENT;
	if (parent == INO_ROOT) {
		if (strcmp(name, ".by-name") == 0)
			return decode(INO_BYNAME, out);
		if (strcmp(name, ".policies") == 0)
			return decode(INO_POLICIES, out);
		v = number(name, 18);
		if (v < (long long)DISK0 || (unsigned long long)v - DISK0 >= fl.disks)
			return -ENOENT;
		return decode(ino_of((unsigned)(v - (long long)DISK0), K_DIR), out);
	}
	if (parent == INO_BYNAME) {
		if (strncmp(name, "bench-", 6) || (v = number(name + 6, 5)) < 0 ||
		    v >= fl.disks)
			return -ENOENT;
		return decode(ino_of((unsigned)v, K_LINK), out);
	}
	switch (p.kind) {
	case K_DIR:
		if (strcmp(name, "disk.json") == 0)
			return decode(ino_of(p.disk, K_DISKJSON), out);
		if (strcmp(name, "snapshots.json") == 0)
			return decode(ino_of(p.disk, K_SNAPJSON), out);
		if (strcmp(name, "snapshots") == 0)
			return decode(ino_of(p.disk, K_SNAPDIR), out);
		return -ENOENT;
	case K_SNAPDIR:
		if (strncmp(name, "s-", 2) || (v = number(name + 2, 6)) < 0 || v >= fl.snaps)
			return -ENOENT;
		return decode(ino_of(p.disk, K_SNAP + 2 * (uint64_t)v), out);
	case K_SNAP:
		if (strcmp(name, "snapshot.json"))
			return -ENOENT;
		return decode(ino_of(p.disk, K_SNAP + 2 * (uint64_t)p.snap + 1), out);
	default:
		return -ENOENT;
	}
}

static fuse_ino_t parent_of(const struct node *n)
{
	switch (n->kind) {
	case K_SNAP:
		return ino_of(n->disk, K_SNAPDIR);
	case K_SNAPDIR:
		return ino_of(n->disk, K_DIR);
	default:
		return INO_ROOT;
	}
}

/*
 * Entry 'idx' of directory n ("." and ".." first): its name in name[] and
 * its node; 0, or 1 past the end, or -ENOTDIR.
 */
static int entry_at(const struct node *n, uint64_t idx, char *name, size_t cap,
                    struct node *out)
{
	if (idx < 2) {
		snprintf(name, cap, "%s", idx ? ".." : ".");
		return decode(idx ? parent_of(n) : n->ino, out);
	}
	idx -= 2;
	if (n->ino == INO_ROOT) {
		if (idx < 2) {
			snprintf(name, cap, "%s", idx ? ".policies" : ".by-name");
			return decode(idx ? INO_POLICIES : INO_BYNAME, out);
		}
		if (idx - 2 >= fl.disks)
			return 1;
		snprintf(name, cap, "%llu", DISK0 + (unsigned long long)(idx - 2));
		return decode(ino_of((unsigned)(idx - 2), K_DIR), out);
	}
	if (n->ino == INO_BYNAME) {
		if (idx >= fl.disks)
			return 1;
		snprintf(name, cap, "bench-%05u", (unsigned)idx);
		return decode(ino_of((unsigned)idx, K_LINK), out);
	}
	if (n->ino == INO_POLICIES)
		return 1;
	switch (n->kind) {
	case K_DIR: {
		static const char *const names[] = { "disk.json", "snapshots", "snapshots.json" };
		static const int kinds[] = { K_DISKJSON, K_SNAPDIR, K_SNAPJSON };

		if (idx >= 3)
			return 1;
		snprintf(name, cap, "%s", names[idx]);
		return decode(ino_of(n->disk, (uint64_t)kinds[idx]), out);
	}
	case K_SNAPDIR:
		if (idx >= fl.snaps)
			return 1;
		snprintf(name, cap, "s-%06u", (unsigned)idx);
		return decode(ino_of(n->disk, K_SNAP + 2 * idx), out);
	case K_SNAP:
		if (idx >= 1)
			return 1;
		snprintf(name, cap, "snapshot.json");
		return decode(n->ino + 1, out);
	default:
		return -ENOTDIR;
	}
}

/* ---- operations ------------------------------------------------------------ */

static void fl_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT)
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
	if (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT)
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (fl.rdplus_auto && (conn->capable & FUSE_CAP_READDIRPLUS_AUTO))
		conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
	else
		conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
}

static void fl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct node n;
	int ret = child(parent, name, &n);

	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	entry_of(&n, &e);
	fuse_reply_entry(req, &e);
}

static void fl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	struct node n;

	(void)fi;
	if (decode(ino, &n)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	attr_of(&n, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void fl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[32];
	struct node n;

	if (decode(ino, &n) || n.kind != K_LINK) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	snprintf(buf, sizeof(buf), "../%llu", DISK0 + n.disk);
	fuse_reply_readlink(req, buf);
}

/* ENOSYS once: the kernel then opens without asking, contents cached. */
static void fl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, ENOSYS);
}

static void fl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	struct node n;
	char *buf = NULL;
	size_t len, cap;

	(void)fi;
	if (decode(ino, &n) ||
	    (n.kind != K_DISKJSON && n.kind != K_SNAPJSON && n.kind != K_SNAP + 1)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	cap = (n.kind == K_SNAPJSON ? list_size() : fl.disk_json + fl.snap_json) + 1;
	buf = malloc(cap);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (n.kind == K_DISKJSON) {
		len = (size_t)disk_text(buf, cap, n.disk);
	} else if (n.kind == K_SNAP + 1) {
		len = (size_t)snap_text(buf, cap, n.disk, n.snap);
	} else if (!fl.snaps) {
		len = (size_t)snprintf(buf, cap, "[\n]\n");
	} else {
		len = (size_t)snprintf(buf, cap, "[\n");
		for (unsigned j = 0; j < fl.snaps; j++) {
			len += (size_t)line_text(buf + len, cap - len, n.disk, j);
			len += (size_t)snprintf(buf + len, cap - len, j + 1 < fl.snaps ? ",\n" : "\n]\n");
		}
	}
	if ((size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, buf + off, len - (size_t)off < size ? len - (size_t)off : size);
	free(buf);
}

/* ENOSYS once: no OPENDIR again, and the kernel caches directory contents. */
static void fl_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, ENOSYS);
}

static void readdir_any(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	char buf[64 * 1024], name[32];
	size_t used = 0;
	struct node n, c;
	int ret;

	if (size > sizeof(buf))
		size = sizeof(buf);
	if (decode(ino, &n)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	for (uint64_t idx = (uint64_t)off;; idx++) {
		size_t len;

		ret = entry_at(&n, idx, name, sizeof(name), &c);
		if (ret < 0) {
			fuse_reply_err(req, -ret);
			return;
		}
		if (ret > 0)
			break;
		if (plus) {
			struct fuse_entry_param e;

			entry_of(&c, &e);
			len = fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
			                             (off_t)idx + 1);
		} else {
			struct stat st = { .st_ino = c.ino };

			attr_of(&c, &st);
			len = fuse_add_direntry(req, buf + used, size - used, name, &st,
			                        (off_t)idx + 1);
		}
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
}

static void fl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	(void)fi;
	readdir_any(req, ino, size, off, 0);
}

static void fl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
	(void)fi;
	readdir_any(req, ino, size, off, 1);
}

static void fl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void fl_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	(void)count;
	(void)f;
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops fl_ops = {
	.init = fl_init,
	.lookup = fl_lookup,
	.forget = fl_forget,
	.forget_multi = fl_forget_multi,
	.getattr = fl_getattr,
	.readlink = fl_readlink,
	.open = fl_open,
	.read = fl_read,
	.opendir = fl_opendir,
	.readdir = fl_readdir,
	.readdirplus = fl_readdirplus,
};

/* ---- main ------------------------------------------------------------------- */

static const struct fuse_opt fl_opts[] = {
	{ "disks=%u", offsetof(struct floor, disks), 0 },
	{ "snapshots=%u", offsetof(struct floor, snaps), 0 },
	{ "rdplus_auto", offsetof(struct floor, rdplus_auto), 1 },
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se = NULL;
	char probe[1024];
	int ret = 1;

	if (fuse_opt_parse(&args, &fl, fl_opts, NULL) || fuse_parse_cmdline(&args, &opts))
		goto out;
	if (opts.show_help || !opts.mountpoint) {
		printf("usage: %s [-f] [-s] -o disks=D,snapshots=S[,rdplus_auto] MOUNTPOINT\n",
		       argv[0]);
		ret = opts.show_help ? 0 : 1;
		goto out;
	}
	if (fl.disks > 99999 || fl.snaps > 999999) {
		fprintf(stderr, "floor: at most 99999 disks of 999999 snapshots\n");
		goto out;
	}
	fl.per_disk = K_SNAP + 2 * (uint64_t)fl.snaps;
	fl.disk_json = (size_t)disk_text(probe, sizeof(probe), 0);
	fl.snap_json = (size_t)snap_text(probe, sizeof(probe), 0, 0);
	fl.line = (size_t)line_text(probe, sizeof(probe), 0, 0);
	se = fuse_session_new(&args, &fl_ops, sizeof(fl_ops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, opts.mountpoint))
		goto out_signals;
	if (fuse_daemonize(opts.foreground))
		goto out_unmount;
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *loop = fuse_loop_cfg_create();

		if (!loop)
			goto out_unmount;
		fuse_loop_cfg_set_max_threads(loop, opts.max_threads);
		ret = fuse_session_loop_mt(se, loop);
		fuse_loop_cfg_destroy(loop);
	}
	ret = ret ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

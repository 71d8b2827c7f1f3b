/*
 * images.c - disk contents (--disk-data): runs the image work the actions
 * queue (capture a disk into a snapshot, restore a snapshot into a disk,
 * grow, remove, demo files), keeps the image directory in step with the
 * records, and makes a filesystem from a tar tree.
 *
 * Copies are sparse: FICLONE (a reflink) where the filesystem has it, else
 * only the data ranges SEEK_DATA/SEEK_HOLE find, with copy_file_range, so
 * holes stay holes and an image costs what was written to it.  Copies write
 * into the destination file in place (same inode), so a loop device that
 * has a disk's image open sees the new bytes.
 */
#include "images.h"
#include "hv.h"
#include "params.h"
#include "seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zec_json.h"
#include "zec_log.h"

extern char **environ;

#define GPT_START_BYTES (1LL << 20)     /* partition 1 at 1 MiB, as parted/sfdisk align */

int images_path(const char *dir, const char *sub, const char *id, char *out, size_t size)
{
	size_t n = id ? strlen(id) : 0;

	if (!n || n > 128 || id[0] == '.' ||
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	               "0123456789._-") != n)
		return -EINVAL;
	if ((size_t)snprintf(out, size, "%s/%s/%s.img", dir, sub, id) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int mkdir_p(const char *dir, const char *sub)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "",
	                     sub ? sub : "") >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
		zlog_warn("image clean-up failed path=%s error=\"%s\"", ZLOG_ESC(path),
		          strerror(errno));
	return 0;
}

/* Removes a tree (symbolic links are removed, never followed). */
static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes every file directly in DIR/sub whose id keep() refuses. */
static void prune(struct store *s, const char *sub, bool (*keep)(struct store *, const char *))
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", s->cfg->disk_data, sub);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char id[256], file[PATH_MAX + 256];
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(n > 4 ? n - 4 : n), e->d_name);
		if (keep && n > 4 && strcmp(e->d_name + n - 4, ".img") == 0 && keep(s, id))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (unlink(file) && errno != ENOENT)
			zlog_warn("image removal failed path=%s error=\"%s\"", ZLOG_ESC(file),
			          strerror(errno));
		else
			zlog_debug("image removed path=%s", ZLOG_ESC(file));
	}
	closedir(d);
}

int images_init(const char *dir)
{
	char tmp[PATH_MAX];
	int ret;

	if ((ret = mkdir_p(dir, NULL)) || (ret = mkdir_p(dir, "disks")) ||
	    (ret = mkdir_p(dir, "snapshots")))
		return ret;
	/* uploads and trees a killed emulator left behind */
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	rm_tree(tmp);
	return mkdir_p(dir, "tmp");
}

int images_tmp_file(const char *dir, char *out, size_t size)
{
	int fd;

	if ((size_t)snprintf(out, size, "%s/tmp/upload-XXXXXX", dir) >= size)
		return -ENAMETOOLONG;
	fd = mkostemp(out, O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ---- sparse copies ---------------------------------------------------- */

/* src's bytes [off, end) to dst at off + shift. */
static int copy_range(int src, int dst, off_t off, off_t end, off_t shift)
{
	static char buf[1 << 16];       /* only when copy_file_range cannot */
	bool fallback = false;

	while (off < end) {
		size_t want = (size_t)(end - off);
		ssize_t n;

		if (!fallback) {
			loff_t in = off, out = off + shift;

			n = copy_file_range(src, &in, dst, &out, want, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			              errno == EOPNOTSUPP)) {
				fallback = true;
				continue;
			}
		} else {
			/* img_lock serialises every copy: one static buffer is enough */
			n = pread(src, buf, want < sizeof(buf) ? want : sizeof(buf), off);
			if (n > 0 && pwrite(dst, buf, (size_t)n, off + shift) != n)
				n = -1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		off += n;
	}
	return 0;
}

/* The data ranges of src's first size bytes (holes skipped) to dst, shifted. */
static int copy_data(int src, int dst, off_t size, off_t shift)
{
	off_t off = 0, end;
	int ret;

	for (;;) {
		off = lseek(src, off, SEEK_DATA);
		if (off < 0 || off >= size)
			break;
		end = lseek(src, off, SEEK_HOLE);
		if (end < 0 || end > size)
			end = size;
		ret = copy_range(src, dst, off, end, shift);
		if (ret)
			return ret;
		off = end;
	}
	return off < 0 && errno != ENXIO ? -errno : 0;
}

/*
 * dst becomes bytes long, holding src's bytes (up to that length; src
 * absent: blank), in place.
 */
static int img_copy(const char *src_path, const char *dst_path, long long bytes)
{
	int src = open(src_path, O_RDONLY | O_CLOEXEC);
	int dst = -1, ret = 0;
	off_t size;
	struct stat st;

	if (src < 0 && errno != ENOENT)
		return -errno;
	dst = open(dst_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (dst < 0 || ftruncate(dst, 0)) {
		ret = -errno;
		goto out;
	}
	if (src < 0)
		goto size;
	if (fstat(src, &st)) {
		ret = -errno;
		goto out;
	}
	size = st.st_size < bytes ? st.st_size : bytes;
	if (st.st_size <= bytes && ioctl(dst, FICLONE, src) == 0)
		goto size;
	ret = copy_data(src, dst, size, 0);
	if (ret)
		goto out;
size:
	if (ftruncate(dst, (off_t)bytes) || fsync(dst))
		ret = -errno;
out:
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return ret;
}

/* Grows an existing image to bytes (a missing one stays blank). */
static int img_grow(const char *path, long long bytes)
{
	struct stat st;

	if (stat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (st.st_size >= bytes)
		return 0;
	return truncate(path, (off_t)bytes) ? -errno : 0;
}

/* ---- external programs ------------------------------------------------- */

int images_run_cmd(char *const argv[], const char *input, char *err, size_t err_size)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status = 0, ret = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char buf[4096];
	size_t len = 0, ilen = input ? strlen(input) : 0;
	sigset_t none;
	pid_t pid;

	err[0] = '\0';
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, err_size, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawnattr_init(&attr);
	/* every thread blocks SIGINT/SIGTERM (main.c); the child must not */
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	ret = -posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (ret) {
		snprintf(err, err_size, "%s: %s", argv[0], strerror(-ret));
		goto out;
	}
	/* the inputs here are a few lines: they fit the pipe at once */
	if (ilen && write(in[1], input, ilen) != (ssize_t)ilen)
		zlog_warn("command input short program=%s", argv[0]);
	close(in[1]);
	in[1] = -1;
	for (;;) {
		ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > sizeof(buf) / 2) {
			/* keep the end: errors come last */
			memmove(buf, buf + len - sizeof(buf) / 4, sizeof(buf) / 4);
			len = sizeof(buf) / 4;
		}
	}
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		snprintf(err, err_size, "%s failed: %s", argv[0], len ? buf : "no output");
		ret = -EIO;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return ret;
}

/* ---- filesystems ------------------------------------------------------- */

/* A name an mkfs.xfs prototype can carry: its tokens are split at white
 * space, ':' starts a comment, a lone '$' ends a directory. */
static bool proto_word(const char *w)
{
	if (!*w || strcmp(w, "$") == 0)
		return false;
	for (; *w; w++)
		if (*w == ':' || *w == ' ' || *w == '\t' || *w == '\n' || *w == '\r' ||
		    *w == '\v' || *w == '\f')
			return false;
	return true;
}

/* "d--755 uid gid": the type, setuid, setgid and permission bits. */
static void proto_mode(FILE *f, char type, const struct stat *st)
{
	fprintf(f, "%c%c%c%03o %u %u", type, st->st_mode & S_ISUID ? 'u' : '-',
	        st->st_mode & S_ISGID ? 'g' : '-', (unsigned)(st->st_mode & 0777),
	        (unsigned)st->st_uid, (unsigned)st->st_gid);
}

/* The entries of directory dir as prototype lines, depth first. */
static int proto_dir(FILE *f, const char *dir, char *err, size_t err_size)
{
	struct dirent *e;
	int ret = 0;
	DIR *d = opendir(dir);

	if (!d) {
		snprintf(err, err_size, "%s: %s", dir, strerror(errno));
		return -EIO;
	}
	while (!ret && (e = readdir(d)) != NULL) {
		char path[PATH_MAX + 256], target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			zlog_debug("xfs prototype skips a socket name=%s", ZLOG_ESC(e->d_name));
			continue;
		}
		if (!proto_word(e->d_name) || !proto_word(path) || lstat(path, &st)) {
			snprintf(err, err_size, "xfs: mkfs.xfs -p cannot carry the name \"%.200s\" "
			         "(white space or ':')", e->d_name);
			ret = -EINVAL;
			break;
		}
		fprintf(f, "%s ", e->d_name);
		if (S_ISDIR(st.st_mode)) {
			proto_mode(f, 'd', &st);
			fputc('\n', f);
			ret = proto_dir(f, path, err, err_size);
			fputs("$\n", f);
		} else if (S_ISREG(st.st_mode)) {
			proto_mode(f, '-', &st);
			fprintf(f, " %s\n", path);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			if (n <= 0 || !proto_word(target)) {
				snprintf(err, err_size, "xfs: mkfs.xfs -p cannot carry the link "
				         "target of \"%.200s\"", e->d_name);
				ret = -EINVAL;
				break;
			}
			proto_mode(f, 'l', &st);
			fprintf(f, " %s\n", target);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			proto_mode(f, S_ISCHR(st.st_mode) ? 'c' : 'b', &st);
			fprintf(f, " %u %u\n", major(st.st_rdev), minor(st.st_rdev));
		} else {
			proto_mode(f, 'p', &st);        /* a FIFO */
			fputc('\n', f);
		}
	}
	closedir(d);
	return ret;
}

/*
 * An XFS filesystem of bytes from tree into the file out (made blank):
 * mkfs.xfs has no option to populate from a directory here (xfsprogs 6.1),
 * but it takes a prototype file (-p) that lists the tree.
 */
static int make_xfs(const char *base, const char *out, long long bytes, const char *tree,
                    char *err, size_t err_size)
{
	char proto[PATH_MAX], size[32];
	struct stat st;
	FILE *f = NULL;
	int fd, ret;

	if ((size_t)snprintf(proto, sizeof(proto), "%s/tmp/proto-XXXXXX", base) >= sizeof(proto))
		return -ENAMETOOLONG;
	fd = mkostemp(proto, O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "w")) || stat(tree, &st)) {
		ret = -errno;
		snprintf(err, err_size, "xfs prototype: %s", strerror(errno));
		if (!f && fd >= 0)
			close(fd);
		goto out;
	}
	if (!proto_word(tree)) {
		snprintf(err, err_size, "xfs: the data directory's path has white space or ':'");
		ret = -EINVAL;
		goto out;
	}
	fprintf(f, "zec-emulator\n0 0\n");
	proto_mode(f, 'd', &st);
	fputc('\n', f);
	ret = proto_dir(f, tree, err, err_size);
	fputs("$\n$\n", f);
	if (fclose(f) && !ret) {
		f = NULL;
		ret = -EIO;
		snprintf(err, err_size, "xfs prototype: %s", strerror(errno));
		goto out;
	}
	f = NULL;
	if (!ret) {
		char *mkfs[] = { "mkfs.xfs", "-q", "-f", "-p", proto, "-d", size, (char *)out, NULL };

		snprintf(size, sizeof(size), "size=%lld", bytes);
		ret = images_run_cmd(mkfs, NULL, err, err_size);
	}
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		unlink(proto);
	return ret;
}

/* src's data shifted by shift bytes into the file dst. */
static int copy_into(const char *src_path, const char *dst_path, long long size, off_t shift)
{
	int src = open(src_path, O_RDONLY | O_CLOEXEC), dst, ret;

	if (src < 0)
		return -errno;
	dst = open(dst_path, O_WRONLY | O_CLOEXEC);
	ret = dst < 0 ? -errno : copy_data(src, dst, (off_t)size, shift);
	if (!ret && fsync(dst))
		ret = -errno;
	if (dst >= 0)
		close(dst);
	close(src);
	return ret;
}

/*
 * The image becomes blank, bytes long, then holds a filesystem made from
 * tree, without mounting: ext4 (mkfs.ext4 -d) or xfs (mkfs.xfs -p), over the
 * whole disk or in partition 1 of a GPT.  base: DIR, for temporary files.
 */
static int make_fs(const char *base, const char *img, long long bytes, const char *tree,
                   const char *fs, bool partitioned, char *err, size_t err_size)
{
	bool xfs = strcmp(fs, "xfs") == 0;
	long long part = bytes;
	char ext[96], size[32], table[160];
	int fd = open(img, O_WRONLY | O_CREAT | O_CLOEXEC, 0600), ret;

	if (fd < 0 || ftruncate(fd, 0) || ftruncate(fd, (off_t)bytes)) {
		snprintf(err, err_size, "%s: %s", img, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	snprintf(ext, sizeof(ext), "lazy_itable_init=1,lazy_journal_init=1");
	if (partitioned) {
		/* 1 MiB before partition 1, 1 MiB after it for the backup GPT */
		char *sfdisk[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel",
		                   (char *)img, NULL };

		part = bytes - 2 * GPT_START_BYTES;
		snprintf(table, sizeof(table), "label: gpt\nstart=%lld, size=%lld, "
		         "type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n",
		         GPT_START_BYTES / 512, part / 512);
		ret = images_run_cmd(sfdisk, table, err, err_size);
		if (ret)
			return ret;
		snprintf(ext + strlen(ext), sizeof(ext) - strlen(ext), ",offset=%lld",
		         GPT_START_BYTES);
	}
	if (xfs && partitioned) {
		/* mkfs.xfs writes at no offset: a file of its own, copied in */
		char tmp[PATH_MAX];

		if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/xfs-XXXXXX", base) >= sizeof(tmp))
			return -ENAMETOOLONG;
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		ret = make_xfs(base, tmp, part, tree, err, err_size);
		if (!ret)
			ret = copy_into(tmp, img, part, (off_t)GPT_START_BYTES);
		unlink(tmp);
		return ret;
	}
	if (xfs)
		return make_xfs(base, img, bytes, tree, err, err_size);
	snprintf(size, sizeof(size), "%lldk", part / 1024);
	{
		char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-d", (char *)tree, "-E", ext,
		                 (char *)img, partitioned ? size : NULL, NULL };

		return images_run_cmd(mkfs, NULL, err, err_size);
	}
}

/* A fresh empty directory under DIR/tmp. */
static int tmp_dir(const char *dir, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/tmp/tree-XXXXXX", dir) >= size)
		return -ENAMETOOLONG;
	return mkdtemp(out) ? 0 : -errno;
}

/* Writes path (relative to root, parents made) with text. */
static int put_file(const char *root, const char *path, const char *text)
{
	char full[PATH_MAX + 256];
	size_t n = strlen(text);
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (char *p = strchr(full + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(full, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	f = fopen(full, "we");
	if (!f)
		return -errno;
	if (fwrite(text, 1, n, f) != n) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int demo_fill(struct store *s, const char *disk_id, long long bytes)
{
	const struct seed_file *files = seed_demo_files(disk_id);
	char img[PATH_MAX], tree[PATH_MAX], err[256] = "";
	int ret;

	if (!files)
		return 0;
	if ((ret = images_path(s->cfg->disk_data, "disks", disk_id, img, sizeof(img))) ||
	    (ret = tmp_dir(s->cfg->disk_data, tree, sizeof(tree))))
		return ret;
	for (; files->path && !ret; files++)
		ret = put_file(tree, files->path, files->text);
	if (!ret)
		ret = make_fs(s->cfg->disk_data, img, bytes, tree, "ext4", false, err, sizeof(err));
	rm_tree(tree);
	if (ret)
		zlog_error("demo files failed diskId=%s error=\"%s\"", ZLOG_ESC(disk_id),
		           err[0] ? ZLOG_ESC(err) : strerror(-ret));
	else
		zlog_info("demo files written diskId=%s", ZLOG_ESC(disk_id));
	return ret;
}

/* ---- the queue ----------------------------------------------------------- */

static bool locked_has_disk(struct store *s, const char *id)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = store_find_disk_locked(s, id) >= 0;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static bool locked_has_snap(struct store *s, const char *id)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = store_find_snap_locked(s, id) != NULL;
	pthread_mutex_unlock(&s->lock);
	return r;
}

void images_after_load_locked(struct store *s, bool from_seed, bool demo)
{
	const struct seed_file *f;

	if (!s->cfg->disk_data)
		return;
	/* work queued for the records replaced is moot: the sweep below decides */
	while (s->img_head) {
		struct img_op *op = s->img_head;

		s->img_head = op->next;
		free(op->disk_id);
		free(op->snap_id);
		free(op);
	}
	s->img_tail = &s->img_head;
	s->img_wipe = true;
	s->img_prune = !from_seed;
	for (size_t i = 0; i < s->c.ndisks; i++) {
		const cJSON *rec = s->c.disks[i].rec;
		const char *id = rec_str(rec, "diskId"), *on = rec_str(rec, "instanceId");

		f = seed_demo_files(id);
		if (from_seed && demo && f)
			store_img_queue_locked(s, IMG_DEMO, id, NULL, disk_gib(rec));
		/* the disks of this machine appear again (after the demo files) */
		if (on && s->cfg->host_instance && strcmp(on, s->cfg->host_instance) == 0)
			store_img_queue_locked(s, IMG_ATTACH, id, NULL, 0);
	}
}

/* A failed capture leaves the snapshot FAILED, as a failed snapshot on the
 * service; a failed restore leaves the disk FAILED. */
static void mark_failed(struct store *s, const struct img_op *op)
{
	pthread_mutex_lock(&s->lock);
	if (op->kind == IMG_CAPTURE) {
		struct emu_snap *sn = store_find_snap_locked(s, op->snap_id);

		if (sn) {
			store_snap_set_status_locked(s, sn, "FAILED", 0);
			rec_set_bool(sn->rec, "diskAbility", false);
		}
	} else {
		long d = store_find_disk_locked(s, op->disk_id);

		if (d >= 0) {
			s->c.disks[d].due_ms = 0;
			rec_set_str(s->c.disks[d].rec, "diskStatus", "FAILED");
			store_touch_locked(s);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* The disk appears here if it is still on this machine's instance. */
static void attach(struct store *s, const char *disk_id)
{
	char serial[128] = "";
	long long gib = 0;
	bool still = false;
	long d;

	pthread_mutex_lock(&s->lock);
	d = store_find_disk_locked(s, disk_id);
	if (d >= 0) {
		const cJSON *rec = s->c.disks[d].rec;
		const char *on = rec_str(rec, "instanceId"), *ser = rec_str(rec, "serial");

		still = on && s->cfg->host_instance && strcmp(on, s->cfg->host_instance) == 0;
		snprintf(serial, sizeof(serial), "%s", ser ? ser : "");
		gib = disk_gib(rec);
	}
	pthread_mutex_unlock(&s->lock);
	if (still)
		hv_attach(s->cfg, disk_id, serial, gib);
}

static void run_op(struct store *s, const struct img_op *op)
{
	const char *dir = s->cfg->disk_data;
	char disk[PATH_MAX] = "", snap[PATH_MAX] = "";
	long long bytes = op->size_gib * IMG_GIB;
	int ret = 0;

	if ((op->disk_id && (ret = images_path(dir, "disks", op->disk_id, disk, sizeof(disk)))) ||
	    (op->snap_id && (ret = images_path(dir, "snapshots", op->snap_id, snap, sizeof(snap))))) {
		zlog_warn("image skipped diskId=%s snapshotId=%s error=\"the id cannot name a file\"",
		          ZLOG_ESC(op->disk_id), ZLOG_ESC(op->snap_id));
		if (op->kind == IMG_CAPTURE || op->kind == IMG_RESTORE)
			mark_failed(s, op);
		return;
	}
	switch (op->kind) {
	case IMG_CAPTURE:
		hv_flush(op->disk_id);
		ret = img_copy(disk, snap, bytes);
		break;
	case IMG_RESTORE:
		ret = img_copy(snap, disk, bytes);
		break;
	case IMG_GROW:
		ret = img_grow(disk, bytes);
		break;
	case IMG_REMOVE_DISK:
	case IMG_REMOVE_SNAP:
		if (unlink(op->kind == IMG_REMOVE_DISK ? disk : snap) && errno != ENOENT)
			ret = -errno;
		break;
	case IMG_DEMO:
		demo_fill(s, op->disk_id, bytes);
		return;
	case IMG_ATTACH:
		attach(s, op->disk_id);
		return;
	case IMG_DETACH:
		hv_detach(op->disk_id);
		return;
	}
	if (!ret && (op->kind == IMG_RESTORE || op->kind == IMG_GROW))
		hv_changed(op->disk_id, op->kind == IMG_GROW);
	if (ret) {
		zlog_error("image work failed kind=%d diskId=%s snapshotId=%s error=\"%s\"",
		           (int)op->kind, ZLOG_ESC(op->disk_id), ZLOG_ESC(op->snap_id),
		           strerror(-ret));
		if (op->kind == IMG_CAPTURE || op->kind == IMG_RESTORE)
			mark_failed(s, op);
	} else {
		zlog_debug("image work done kind=%d diskId=%s snapshotId=%s", (int)op->kind,
		           ZLOG_ESC(op->disk_id), ZLOG_ESC(op->snap_id));
	}
}

void images_run_locked(struct store *s)
{
	if (!s->cfg->disk_data)
		return;
	for (;;) {
		struct img_op *ops, *next;
		bool wipe, prune_ids;

		pthread_mutex_lock(&s->lock);
		ops = s->img_head;
		s->img_head = NULL;
		s->img_tail = &s->img_head;
		wipe = s->img_wipe;
		prune_ids = s->img_prune;
		s->img_wipe = s->img_prune = false;
		pthread_mutex_unlock(&s->lock);
		if (!ops && !wipe)
			return;
		if (wipe) {
			/* a load: the disks attached here are attached again after */
			hv_stop();
			/* the store lock is taken per file: readdir runs outside it */
			prune(s, "disks", prune_ids ? locked_has_disk : NULL);
			prune(s, "snapshots", prune_ids ? locked_has_snap : NULL);
		}
		for (; ops; ops = next) {
			next = ops->next;
			run_op(s, ops);
			free(ops->disk_id);
			free(ops->snap_id);
			free(ops);
		}
	}
}

void images_run(struct store *s)
{
	if (!s->cfg->disk_data)
		return;
	pthread_mutex_lock(&s->img_lock);
	images_run_locked(s);
	pthread_mutex_unlock(&s->img_lock);
}

/* ---- content ------------------------------------------------------------- */

int images_put_content(struct store *s, const char *disk_id, const char *tar,
                       const char *fs, bool partitioned, char *err, size_t err_size)
{
	char img[PATH_MAX], tree[PATH_MAX] = "";
	const char *status;
	long long gib = 0;
	int http = 200, ret;
	long d;

	if (!s->cfg->disk_data) {
		snprintf(err, err_size, "disks have no contents: start the emulator with --disk-data DIR");
		return 409;
	}
	if (strcmp(fs, "ext4") != 0 && strcmp(fs, "xfs") != 0) {
		snprintf(err, err_size, "fs must be ext4 or xfs");
		return 400;
	}
	if (images_path(s->cfg->disk_data, "disks", disk_id, img, sizeof(img))) {
		snprintf(err, err_size, "no such disk");
		return 404;
	}
	pthread_mutex_lock(&s->img_lock);
	/* what was queued before comes first (a capture sees the old bytes) */
	images_run_locked(s);
	pthread_mutex_lock(&s->lock);
	store_tick_locked(s);
	d = store_find_disk_locked(s, disk_id);
	if (d < 0) {
		snprintf(err, err_size, "no such disk");
		http = 404;
	} else {
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(s->c.disks[d].rec, "diskSize");

		status = rec_str(s->c.disks[d].rec, "diskStatus");
		gib = cJSON_IsNumber(size) ? (long long)size->valuedouble : 0;
		/* only a disk a VM could be writing: attached, or free to be */
		if (!status || (strcmp(status, "IN_USE") && strcmp(status, "AVAILABLE"))) {
			snprintf(err, err_size, "the disk is %s: no VM can write to it now",
			         status ? status : "in no state");
			http = 409;
		} else if (gib < 1) {
			snprintf(err, err_size, "the disk has no diskSize");
			http = 409;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (http != 200)
		goto out;
	ret = tmp_dir(s->cfg->disk_data, tree, sizeof(tree));
	if (!ret) {
		char *untar[] = { "tar", "-x", "-f", (char *)tar, "-C", tree, NULL };

		ret = images_run_cmd(untar, NULL, err, err_size);
		if (ret) {
			http = 400;         /* the body was no tar archive */
			goto out;
		}
	}
	if (!ret)
		ret = make_fs(s->cfg->disk_data, img, gib * IMG_GIB, tree, fs, partitioned, err,
		              err_size);
	if (ret) {
		if (!err[0])
			snprintf(err, err_size, "%s", strerror(-ret));
		/* a tree the filesystem cannot hold is the body's fault */
		http = ret == -EINVAL ? 400 : 500;
		goto out;
	}
	hv_changed(disk_id, false);
	zlog_info("control disk-content diskId=%s fs=%s partitioned=%d", ZLOG_ESC(disk_id), fs,
	          partitioned);
out:
	if (tree[0])
		rm_tree(tree);
	pthread_mutex_unlock(&s->img_lock);
	return http;
}

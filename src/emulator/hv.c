/*
 * hv.c - the hypervisor side of an attach (--host-instance with --disk-data
 * and --device-dir): a disk attached to the instance that is this machine
 * becomes a loop device of its image, with partition scanning, and
 * DIR/virtio-<serial> (and -partN) links to it, as udev's
 * /dev/disk/by-id/virtio-* links are for a virtio disk with that serial.
 *
 * Each loop device is configured with LO_FLAGS_AUTOCLEAR and its fd is held
 * for as long as the disk is attached: when the emulator exits, even killed,
 * the kernel detaches the device at its last close (after an unmount if it
 * is mounted), so no loop device outlives the emulator.  Everything here
 * runs under store.img_lock (images.c), never under the store lock.
 */
#include "hv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images.h"
#include "zec_log.h"

struct hv_dev {
	char *disk_id;
	int fd;                         /* the loop device, held open */
	int nr;                         /* /dev/loop<nr> */
	char link[PATH_MAX];            /* DIR/virtio-<serial> */
	int parts;                      /* -part1..-partN links made */
	struct hv_dev *next;
};

/* one emulator per process; both under store.img_lock */
static struct hv_dev *devs;
static bool hv_on;
static const char *off_reason = "no --device-dir and --host-instance";

static bool serial_ok(const char *serial)
{
	size_t n = serial ? strlen(serial) : 0;

	return n && n <= 64 && serial[0] != '.' &&
	       strspn(serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                      "0123456789._-") == n;
}

/* Points link at target, replacing what is there (rename is atomic). */
static int make_link(const char *target, const char *link)
{
	char tmp[PATH_MAX + 64];

	snprintf(tmp, sizeof(tmp), "%s.tmp", link);
	unlink(tmp);
	if (symlink(target, tmp))
		return -errno;
	if (rename(tmp, link)) {
		int ret = -errno;

		unlink(tmp);
		return ret;
	}
	return 0;
}

static void remove_links(struct hv_dev *d)
{
	char part[PATH_MAX + 16];

	for (int i = 1; i <= d->parts; i++) {
		snprintf(part, sizeof(part), "%s-part%d", d->link, i);
		unlink(part);
	}
	if (d->link[0] && unlink(d->link) && errno != ENOENT)
		zlog_warn("device link removal failed link=%s error=\"%s\"", ZLOG_ESC(d->link),
		          strerror(errno));
}

/*
 * Links the partitions the kernel found as -partK.  sysfs has them when the
 * scan returns; devtmpfs makes /dev/loopNpK a moment later, so the link may
 * dangle briefly, as udev's would not exist yet.
 */
static void link_parts(struct hv_dev *d)
{
	char dev[64], sys[96], link[PATH_MAX + 16];

	d->parts = 0;
	for (int k = 1; k <= 128; k++) {
		struct stat st;

		snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop%dp%d", d->nr, d->nr, k);
		if (stat(sys, &st))
			break;
		snprintf(dev, sizeof(dev), "/dev/loop%dp%d", d->nr, k);
		snprintf(link, sizeof(link), "%s-part%d", d->link, k);
		if (make_link(dev, link) == 0)
			d->parts = k;
	}
}

/*
 * Partitions of the device: the kernel's own scan (LO_FLAGS_PARTSCAN), else
 * - a kernel built without partition table parsers (CONFIG_EFI_PARTITION
 * off, as in small VMs) finds none - partx reads the table and adds them
 * (BLKPG), as it would on such a host.  Then the -partN links.
 */
static void scan_parts(struct hv_dev *d)
{
	char dev[32], sys[96], err[256];
	struct stat st;

	snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop%dp1", d->nr, d->nr);
	if (stat(sys, &st)) {
		char *partx[] = { "partx", "--add", dev, NULL };

		snprintf(dev, sizeof(dev), "/dev/loop%d", d->nr);
		/* no partition table is no error here: the disk is whole */
		if (images_run_cmd(partx, NULL, err, sizeof(err)))
			zlog_debug("no partitions added device=%s error=\"%s\"", dev, ZLOG_ESC(err));
	}
	link_parts(d);
}

/* Detaches loop device nr if its backing file is under prefix. */
static void clear_stale_loop(int nr, const char *prefix)
{
	char path[96], backing[PATH_MAX] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file", nr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, backing, sizeof(backing) - 1);
	close(fd);
	if (n <= 0)
		return;
	backing[n] = '\0';
	if (strncmp(backing, prefix, strlen(prefix)) != 0)
		return;
	snprintf(path, sizeof(path), "/dev/loop%d", nr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, LOOP_CLR_FD, 0))
		zlog_warn("stale loop device kept device=%s error=\"%s\"", path, strerror(errno));
	else
		zlog_info("stale loop device detached device=%s", path);
	close(fd);
}

void hv_start(const struct emu_config *cfg)
{
	char prefix[PATH_MAX + 16], real[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	if (!cfg->device_dir || !cfg->host_instance || !cfg->disk_data) {
		off_reason = !cfg->disk_data ? "no --disk-data" : !cfg->device_dir ?
		             "no --device-dir" : "no --host-instance";
		if (cfg->device_dir || cfg->host_instance)
			zlog_info("hypervisor side off reason=\"%s\": attaches change state only",
			          off_reason);
		return;
	}
	if (geteuid() != 0 || access("/dev/loop-control", R_OK | W_OK)) {
		off_reason = "not root, or no /dev/loop-control";
		zlog_warn("hypervisor side off reason=\"%s\": attaches change state only",
		          off_reason);
		return;
	}
	if (mkdir(cfg->device_dir, 0755) && errno != EEXIST) {
		off_reason = "the device directory cannot be made";
		zlog_error("hypervisor side off dir=%s error=\"%s\"", ZLOG_ESC(cfg->device_dir),
		           strerror(errno));
		return;
	}
	/* what a previous run left: links in DIR, loop devices of our images */
	dir = opendir(cfg->device_dir);
	while (dir && (e = readdir(dir)) != NULL) {
		char link[PATH_MAX + 256];
		struct stat st;

		if (strncmp(e->d_name, "virtio-", 7) != 0)
			continue;
		snprintf(link, sizeof(link), "%s/%s", cfg->device_dir, e->d_name);
		if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode) && unlink(link) == 0)
			zlog_info("stale device link removed link=%s", ZLOG_ESC(link));
	}
	if (dir)
		closedir(dir);
	snprintf(prefix, sizeof(prefix), "%s/disks/", realpath(cfg->disk_data, real) ?
	         real : cfg->disk_data);
	dir = opendir("/sys/block");
	while (dir && (e = readdir(dir)) != NULL) {
		int nr;

		if (sscanf(e->d_name, "loop%d", &nr) == 1)
			clear_stale_loop(nr, prefix);
	}
	if (dir)
		closedir(dir);
	hv_on = true;
	zlog_info("hypervisor side on dir=%s hostInstance=%s", ZLOG_ESC(cfg->device_dir),
	          ZLOG_ESC(cfg->host_instance));
}

static struct hv_dev *find(const char *disk_id)
{
	for (struct hv_dev *d = devs; d; d = d->next)
		if (strcmp(d->disk_id, disk_id) == 0)
			return d;
	return NULL;
}

/* A free loop device configured on the image: its fd, number in *nr. */
static int loop_open(const char *img, int *nr)
{
	struct loop_config lc;
	int ctl, back = -1, fd = -1, ret = 0;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	back = open(img, O_RDWR | O_CLOEXEC);
	if (back < 0) {
		ret = -errno;
		goto out;
	}
	for (int tries = 0; tries < 16; tries++) {
		char dev[32];

		*nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (*nr < 0) {
			ret = -errno;
			goto out;
		}
		snprintf(dev, sizeof(dev), "/dev/loop%d", *nr);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			goto out;
		}
		memset(&lc, 0, sizeof(lc));
		lc.fd = (unsigned)back;
		lc.info.lo_flags = LO_FLAGS_PARTSCAN | LO_FLAGS_AUTOCLEAR;
		/* informative only (losetup shows it): the kernel keeps 63 bytes */
		snprintf((char *)lc.info.lo_file_name, sizeof(lc.info.lo_file_name), "%.63s", img);
		if (ioctl(fd, LOOP_CONFIGURE, &lc) == 0) {
			ret = 0;
			goto out;
		}
		ret = -errno;
		close(fd);
		fd = -1;
		if (ret != -EBUSY)      /* EBUSY: another process took it first */
			goto out;
	}
out:
	if (back >= 0)
		close(back);
	close(ctl);
	return ret ? ret : fd;
}

void hv_attach(const struct emu_config *cfg, const char *disk_id, const char *serial,
               long long size_gib)
{
	char img[PATH_MAX], dev[32];
	struct hv_dev *d;
	int fd, ret;

	if (!hv_on) {
		zlog_info("disk attach state only diskId=%s reason=\"%s\"", ZLOG_ESC(disk_id),
		          off_reason);
		return;
	}
	if (find(disk_id))
		return;
	if (!serial_ok(serial)) {
		zlog_warn("disk attach state only diskId=%s reason=\"serial %s cannot name a link\"",
		          ZLOG_ESC(disk_id), ZLOG_ESC(serial));
		return;
	}
	if (images_path(cfg->disk_data, "disks", disk_id, img, sizeof(img))) {
		zlog_warn("disk attach state only diskId=%s reason=\"the id cannot name a file\"",
		          ZLOG_ESC(disk_id));
		return;
	}
	/* a disk without an image is blank: it gets one now */
	fd = open(img, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0 && st.st_size < size_gib * IMG_GIB &&
		    ftruncate(fd, (off_t)(size_gib * IMG_GIB)))
			zlog_warn("image size not set diskId=%s error=\"%s\"", ZLOG_ESC(disk_id),
			          strerror(errno));
		close(fd);
	}
	d = calloc(1, sizeof(*d));
	if (!d || !(d->disk_id = strdup(disk_id))) {
		free(d);
		zlog_error("disk attach failed diskId=%s error=\"out of memory\"", ZLOG_ESC(disk_id));
		return;
	}
	d->fd = loop_open(img, &d->nr);
	if (d->fd < 0) {
		zlog_error("disk attach failed diskId=%s error=\"loop device: %s\"", ZLOG_ESC(disk_id),
		           strerror(-d->fd));
		free(d->disk_id);
		free(d);
		return;
	}
	snprintf(dev, sizeof(dev), "/dev/loop%d", d->nr);
	snprintf(d->link, sizeof(d->link), "%s/virtio-%s", cfg->device_dir, serial);
	ret = make_link(dev, d->link);
	if (ret)
		zlog_error("device link failed link=%s error=\"%s\"", ZLOG_ESC(d->link),
		           strerror(-ret));
	scan_parts(d);
	d->next = devs;
	devs = d;
	zlog_info("disk attached here diskId=%s device=%s link=%s partitions=%d",
	          ZLOG_ESC(disk_id), dev, ZLOG_ESC(d->link), d->parts);
}

static void release(struct hv_dev *d)
{
	remove_links(d);
	/* busy (mounted): autoclear detaches it at the last close */
	if (ioctl(d->fd, LOOP_CLR_FD, 0) && errno != ENXIO)
		zlog_info("loop device detaches when unused device=/dev/loop%d error=\"%s\"", d->nr,
		          strerror(errno));
	close(d->fd);
	zlog_info("disk detached here diskId=%s device=/dev/loop%d", ZLOG_ESC(d->disk_id), d->nr);
	free(d->disk_id);
	free(d);
}

void hv_detach(const char *disk_id)
{
	for (struct hv_dev **p = &devs; *p; p = &(*p)->next) {
		if (strcmp((*p)->disk_id, disk_id) == 0) {
			struct hv_dev *d = *p;

			*p = d->next;
			release(d);
			return;
		}
	}
}

void hv_changed(const char *disk_id, bool size)
{
	struct hv_dev *d = find(disk_id);

	if (!d)
		return;
	/* the image was rewritten or grew under the device: what the kernel
	 * cached of it is stale, and a new partition table may be there */
	if (size && ioctl(d->fd, LOOP_SET_CAPACITY, 0))
		zlog_warn("loop capacity not updated device=/dev/loop%d error=\"%s\"", d->nr,
		          strerror(errno));
	if (ioctl(d->fd, BLKFLSBUF, 0))
		zlog_debug("loop buffers not flushed device=/dev/loop%d error=\"%s\"", d->nr,
		           strerror(errno));
	if (!size) {
		char dev[32], err[256];
		char *partx[] = { "partx", "--delete", dev, NULL };

		/* a new table: the old partitions go (busy ones stay), the new come */
		snprintf(dev, sizeof(dev), "/dev/loop%d", d->nr);
		remove_links(d);
		if (images_run_cmd(partx, NULL, err, sizeof(err)))
			zlog_debug("partitions kept device=%s error=\"%s\"", dev, ZLOG_ESC(err));
		if (ioctl(d->fd, BLKRRPART, 0))
			zlog_debug("no kernel partition scan device=%s error=\"%s\"", dev,
			           strerror(errno));
		scan_parts(d);
		make_link(dev, d->link);
	}
}

void hv_flush(const char *disk_id)
{
	struct hv_dev *d = find(disk_id);

	/* what the guest wrote to the device and the kernel still holds in
	 * its page cache reaches the image: a capture sees it */
	if (d && fsync(d->fd))
		zlog_warn("loop device not flushed device=/dev/loop%d error=\"%s\"", d->nr,
		          strerror(errno));
}

void hv_stop(void)
{
	while (devs) {
		struct hv_dev *d = devs;

		devs = d->next;
		release(d);
	}
}

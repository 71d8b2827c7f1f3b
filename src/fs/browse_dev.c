/*
 * browse_dev.c - the block-device side of a browse (browse_dev.h): this
 * machine's instance id, the attached disk's device, its read-only mounts
 * under /run/zecfs/<pid>, and the mounts a daemon that is gone left there.
 */
#include "zecfs.h"
#include "browse_dev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zec_errno.h"
#include "zec_log.h"

#define DMI_SERIAL       "/sys/class/dmi/id/product_serial"
#define ZENLAYER_VENDOR  "Zenlayer Elastic Compute"
#define SNIFF_BYTES      4096

/* ---- small files ------------------------------------------------------------ */

/* The first line of a small file, trimmed, malloc'd; NULL when unreadable. */
static char *read_line(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	n = strcspn(buf, "\n");
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return n ? strdup(buf) : NULL;
}

/* -o instance_id, else the DMI serial on a Zenlayer VM (as the CSI driver finds it). */
char *zecfs_bdev_instance_id(const struct zecfs_config *cfg)
{
	char *vendor, *id = NULL;

	if (cfg->instance_id)
		return strdup(cfg->instance_id);
	vendor = read_line(ZECFS_DMI_VENDOR);
	if (vendor && strcmp(vendor, ZENLAYER_VENDOR) == 0)
		id = read_line(DMI_SERIAL);
	free(vendor);
	return id;
}

/* ---- devices and mounts ---------------------------------------------------------- */

/* Unmounts one mount point (busy: a few tries, then lazily) and removes it. */
static void unmount_dir(const char *dir)
{
	for (int i = 0; umount2(dir, UMOUNT_NOFOLLOW) != 0; i++) {
		if (errno == EINVAL || errno == ENOENT)
			break;                  /* not mounted (any more) */
		if (errno != EBUSY || i >= 20) {
			zlog_warn("browse unmount lazily dir=%s error=\"%s\"", ZLOG_ESC(dir),
			          strerror(errno));
			umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW);
			break;
		}
		usleep(100 * 1000);
	}
	rmdir(dir);
}

/* What the first bytes of a device hold, in words for a log line. */
static const char *sniff(const char *dev, char *buf, size_t size)
{
	unsigned char b[SNIFF_BYTES];
	ssize_t n;
	bool zero = true;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(buf, size, "unreadable device (%s)", strerror(errno));
		return buf;
	}
	n = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (n < (ssize_t)sizeof(b)) {
		snprintf(buf, size, "a device too short to hold a filesystem");
		return buf;
	}
	for (size_t i = 0; i < sizeof(b) && zero; i++)
		zero = b[i] == 0;
	if (zero)
		snprintf(buf, size, "blank: the first %d bytes are zero, no filesystem and no partition table",
		         SNIFF_BYTES);
	else if (memcmp(b + 512, "EFI PART", 8) == 0)
		snprintf(buf, size, "a GPT partition table with no mountable partition");
	else if (b[510] == 0x55 && b[511] == 0xaa)
		snprintf(buf, size, "a DOS partition table (or boot sector) with no mountable partition");
	else
		snprintf(buf, size, "unknown data, first bytes %02x%02x%02x%02x%02x%02x%02x%02x",
		         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
	return buf;
}

/* XFS refuses a second mount of one UUID: the source may be mounted here. */
static bool is_xfs(const char *dev)
{
	char magic[4];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	bool xfs;

	if (fd < 0)
		return false;
	xfs = pread(fd, magic, 4, 0) == 4 && memcmp(magic, "XFSB", 4) == 0;
	close(fd);
	return xfs;
}

/*
 * Mounts dev on dir read-only, nodev, nosuid, noexec, the type detected by
 * libmount (no helpers).  0, or -errno with why filled.
 */
static int mount_ro(const char *dev, const char *dir, char *why, size_t size)
{
	struct libmnt_context *cxt = mnt_new_context();
	char msg[256] = "";
	int rc, ret = 0;

	if (!cxt)
		return -ENOMEM;
	if (mnt_context_set_source(cxt, dev) || mnt_context_set_target(cxt, dir) ||
	    mnt_context_set_options(cxt, is_xfs(dev) ? "ro,nodev,nosuid,noexec,nouuid"
	                                              : "ro,nodev,nosuid,noexec") ||
	    mnt_context_disable_helpers(cxt, 1) || mnt_context_disable_mtab(cxt, 1)) {
		ret = -ENOMEM;
		goto out;
	}
	rc = mnt_context_mount(cxt);
	if (rc != 0 || mnt_context_get_status(cxt) != 1) {
		int err = mnt_context_get_syscall_errno(cxt);

		mnt_context_get_excode(cxt, rc, msg, sizeof(msg));
		snprintf(why, size, "%s", msg[0] ? msg : strerror(err ? err : EIO));
		ret = err ? -err : -EIO;
	} else {
		snprintf(why, size, "%s", mnt_context_get_fstype(cxt) ? mnt_context_get_fstype(cxt) : "?");
	}
out:
	mnt_free_context(cxt);
	return ret;
}

/* The partitions of a device found as DIR/virtio-<serial>: DIR/virtio-<serial>-partN. */
static int partitions(const char *dev, char **parts, int *nums, int max)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];
	const char *slash = strrchr(dev, '/');
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (!slash || (size_t)(slash - dev) >= sizeof(dir) || strlen(slash + 1) >= sizeof(base) - 8)
		return 0;
	memcpy(dir, dev, (size_t)(slash - dev));
	dir[slash - dev] = '\0';
	snprintf(base, sizeof(base), "%s-part", slash + 1);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long num;

		if (strncmp(e->d_name, base, strlen(base)) != 0)
			continue;
		num = strtol(e->d_name + strlen(base), &end, 10);
		if (*end || num <= 0 || num > 128)
			continue;
		if (asprintf(&parts[n], "%s/%s", dir, e->d_name) < 0)
			break;
		nums[n++] = (int)num;
	}
	closedir(d);
	return n;
}

/* The block device whose sysfs serial is 'serial', as /dev/<name>. */
static char *device_by_sysfs(const char *serial)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	char *found = NULL;

	while (d && !found && (e = readdir(d))) {
		char path[PATH_MAX];
		char *s;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s/serial", e->d_name);
		s = read_line(path);
		if (s && strcmp(s, serial) == 0 && asprintf(&found, "/dev/%s", e->d_name) < 0)
			found = NULL;
		free(s);
	}
	if (d)
		closedir(d);
	return found;
}

/* Where the attached disk of that serial is now, or NULL. */
char *zecfs_bdev_find(const struct zecfs_config *cfg, const char *serial)
{
	char *p = NULL;

	if (asprintf(&p, "%s/virtio-%s", cfg->device_dir ? cfg->device_dir : ZECFS_BY_ID_DIR,
	             serial) < 0)
		return NULL;
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return cfg->device_dir ? NULL : device_by_sysfs(serial);
}

int zecfs_bdev_mount(const char *run_dir, const char *snapshot_id, const char *disk_id,
                     const char *dev, char **dir, char **mounts, struct zec_result *res)
{
	char tmpl[PATH_MAX], why[256] = "", found[160];
	char *parts[ZECFS_BDEV_MAX_PARTS] = { 0 };
	int nums[ZECFS_BDEV_MAX_PARTS], n = 0, m = 0, ret;

	if (mkdir(ZECFS_RUN_DIR, 0700) && errno != EEXIST)
		goto no_dir;
	if (mkdir(run_dir, 0700) && errno != EEXIST)
		goto no_dir;
	snprintf(tmpl, sizeof(tmpl), "%s/%s-XXXXXX", run_dir, snapshot_id);
	if (!mkdtemp(tmpl))
		goto no_dir;
	if (!(*dir = strdup(tmpl)))
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, NULL);
	ret = mount_ro(dev, *dir, why, sizeof(why));
	if (ret == 0) {
		if (!(mounts[0] = strdup(*dir)))
			return zec_result_local(res, ZECFS_OUT_OF_MEMORY, NULL);
		zlog_info("browse mounted snapshot_id=%s device=%s dir=%s type=%s",
		          ZLOG_ESC(snapshot_id), ZLOG_ESC(dev), ZLOG_ESC(*dir), ZLOG_ESC(why));
		return 0;
	}
	n = partitions(dev, parts, nums, ZECFS_BDEV_MAX_PARTS);
	for (int i = 0; i < n; i++) {
		char mp[PATH_MAX], pwhy[256] = "";

		snprintf(mp, sizeof(mp), "%s/part%d", *dir, nums[i]);
		if (mkdir(mp, 0755) && errno != EEXIST)
			continue;
		if (mount_ro(parts[i], mp, pwhy, sizeof(pwhy)) == 0) {
			if (!(mounts[m] = strdup(mp))) {
				unmount_dir(mp);
				break;
			}
			m++;
			zlog_info("browse mounted snapshot_id=%s device=%s dir=%s type=%s",
			          ZLOG_ESC(snapshot_id), ZLOG_ESC(parts[i]), ZLOG_ESC(mp),
			          ZLOG_ESC(pwhy));
		} else {
			zlog_warn("browse partition not mounted snapshot_id=%s device=%s reason=\"%s\"",
			          ZLOG_ESC(snapshot_id), ZLOG_ESC(parts[i]), ZLOG_ESC(pwhy));
			rmdir(mp);
		}
	}
	for (int i = 0; i < n; i++)
		free(parts[i]);
	if (!m) {
		zlog_error("browse no filesystem snapshot_id=%s disk_id=%s device=%s partitions=%d "
		           "found=\"%s\" mount=\"%s\"", ZLOG_ESC(snapshot_id), ZLOG_ESC(disk_id),
		           ZLOG_ESC(dev), n, ZLOG_ESC(sniff(dev, found, sizeof(found))), ZLOG_ESC(why));
		return zec_result_local(res, n || ret == -EINVAL || ret == -ENODEV || ret == -EIO ?
		                        ZECFS_BROWSE_NO_FS : ZECFS_BROWSE_MOUNT, why);
	}
	return 0;
no_dir:
	zlog_error("browse mount failed snapshot_id=%s dir=%s error=\"%s\"",
	           ZLOG_ESC(snapshot_id), ZLOG_ESC(run_dir), strerror(errno));
	return zec_result_local(res, ZECFS_BROWSE_MOUNT, strerror(errno));
}

void zecfs_bdev_unmount(char **dir, char **mounts)
{
	/* partitions first, then the private directory itself */
	for (int i = ZECFS_BDEV_MAX_PARTS; i >= 0; i--) {
		if (mounts[i])
			unmount_dir(mounts[i]);
		free(mounts[i]);
		mounts[i] = NULL;
	}
	if (*dir)
		rmdir(*dir);
	free(*dir);
	*dir = NULL;
}

/* Mounts left under ZECFS_RUN_DIR/<pid> by a zecfs that is gone: unmounted, removed. */
void zecfs_bdev_clean_stale(void)
{
	DIR *d = opendir(ZECFS_RUN_DIR);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *end, path[PATH_MAX];
		long pid = strtol(e->d_name, &end, 10);
		DIR *sub;
		struct dirent *s;

		if (*end || pid <= 0 || pid == (long)getpid() ||
		    (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		snprintf(path, sizeof(path), ZECFS_RUN_DIR "/%s", e->d_name);
		if (!(sub = opendir(path)))
			continue;
		while ((s = readdir(sub))) {
			char mp[PATH_MAX];
			DIR *parts;
			struct dirent *p;

			if (s->d_name[0] == '.')
				continue;
			if (snprintf(mp, sizeof(mp), "%s/%s", path, s->d_name) >= (int)sizeof(mp))
				continue;
			if ((parts = opendir(mp))) {
				while ((p = readdir(parts))) {
					char pp[PATH_MAX];

					if (strncmp(p->d_name, "part", 4) != 0)
						continue;
					if (snprintf(pp, sizeof(pp), "%s/%s", mp, p->d_name) >=
					    (int)sizeof(pp))
						continue;
					umount2(pp, MNT_DETACH | UMOUNT_NOFOLLOW);
					rmdir(pp);
				}
				closedir(parts);
			}
			umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW);
			if (rmdir(mp) == 0)
				zlog_info("browse stale mount removed dir=%s", ZLOG_ESC(mp));
		}
		closedir(sub);
		rmdir(path);
	}
	if (d)
		closedir(d);
}

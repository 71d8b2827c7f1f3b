/*
 * browse_dev.h - the block-device side of a browse (browse_dev.c), for
 * browse.c: which instance this is, where an attached disk appears, and
 * its read-only mounts under ZECFS_RUN_DIR/<pid>.
 */
#ifndef ZECFS_BROWSE_DEV_H
#define ZECFS_BROWSE_DEV_H

struct zecfs_config;
struct zec_result;

#define ZECFS_RUN_DIR          "/run/zecfs"
#define ZECFS_BY_ID_DIR        "/dev/disk/by-id"
#define ZECFS_DMI_VENDOR       "/sys/class/dmi/id/sys_vendor"
#define ZECFS_BDEV_MAX_PARTS   16

/* -o instance_id, else the DMI serial on a Zenlayer VM (as the CSI driver
 * finds it); malloc'd, NULL when neither. */
char *zecfs_bdev_instance_id(const struct zecfs_config *cfg);

/* Where the attached disk of that serial is now (device_dir, else
 * /dev/disk/by-id, else sysfs), malloc'd, or NULL. */
char *zecfs_bdev_find(const struct zecfs_config *cfg, const char *serial);

/*
 * Mounts dev read-only (nodev, nosuid, noexec; the type libmount detects)
 * on a new private directory run_dir/<snapshot_id>-XXXXXX: the whole
 * device when it holds a filesystem, else every mountable partition as
 * part<N>/ in it.  Sets *dir and mounts[] (ZECFS_BDEV_MAX_PARTS + 1
 * entries, NULL-terminated) as far as it got, also on failure:
 * zecfs_bdev_unmount undoes it.  0, or the negative errno of a filled res
 * (ZECFS_BROWSE_NO_FS, ZECFS_BROWSE_MOUNT).
 */
int zecfs_bdev_mount(const char *run_dir, const char *snapshot_id, const char *disk_id,
                     const char *dev, char **dir, char **mounts, struct zec_result *res);
/* Unmounts mounts[] (partitions first; busy: a few tries, then lazily),
 * removes *dir, and frees both. */
void zecfs_bdev_unmount(char **dir, char **mounts);

/* Mounts left under ZECFS_RUN_DIR/<pid> by a zecfs that is gone: unmounted,
 * removed. */
void zecfs_bdev_clean_stale(void);

#endif

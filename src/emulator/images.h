/*
 * images.h - disk contents (--disk-data): sparse block images of disks and
 * snapshots under one directory, the image work the actions queue, and
 * writing a tar tree into a disk as a fresh filesystem.
 *
 * Layout: DIR/disks/<diskId>.img, DIR/snapshots/<snapshotId>.img (sparse,
 * diskSize GiB; a disk without an image is blank), DIR/tmp/ (uploads and
 * unpacked trees).  Image I/O never runs under the store lock: it runs under
 * store.img_lock, which is taken first.
 */
#ifndef ZEC_EMU_IMAGES_H
#define ZEC_EMU_IMAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define IMG_GIB (1LL << 30)

/* Makes DIR and its sub-directories and empties DIR/tmp; -errno. */
int images_init(const char *dir);

/*
 * After a load (under the store lock): a seed load makes every record new,
 * so every old image goes (and demo's data disks get their files); a state
 * file load keeps the images of the records it holds and removes the rest.
 */
void images_after_load_locked(struct store *s, bool from_seed, bool demo);

/* Runs the queued image work (takes img_lock, then the store lock briefly
 * for each piece of bookkeeping).  No-op without --disk-data. */
void images_run(struct store *s);
/* The same with img_lock held. */
void images_run_locked(struct store *s);

/* The image path of a disk or snapshot id ("disks" or "snapshots");
 * -EINVAL for an id that cannot name a file (only [A-Za-z0-9._-], no
 * leading '.'). */
int images_path(const char *dir, const char *sub, const char *id, char *out, size_t size);

/* A unique new file under DIR/tmp for an upload: its fd, path in out. */
int images_tmp_file(const char *dir, char *out, size_t size);

/*
 * PUT /_emulator/disks/<id>/content: the tar file 'tar' becomes a fresh
 * filesystem (fs "ext4"; partitioned: in partition 1 of a GPT) on the disk.
 * Returns an HTTP status; err says why when it is not 200.
 */
int images_put_content(struct store *s, const char *disk_id, const char *tar,
                       const char *fs, bool partitioned, char *err, size_t err_size);

/* Runs argv (a program on PATH) with input on stdin; 0, or -EIO with the
 * end of its output in err. */
int images_run_cmd(char *const argv[], const char *input, char *err, size_t err_size);

#endif /* ZEC_EMU_IMAGES_H */

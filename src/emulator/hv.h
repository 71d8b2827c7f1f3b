/*
 * hv.h - the hypervisor side of an attach: a disk attached to
 * --host-instance appears on this machine as a loop device of its image,
 * linked as DIR/virtio-<serial> (--device-dir).  Needs root; without it an
 * attach only changes state.  Called only under store.img_lock.
 */
#ifndef ZEC_EMU_HV_H
#define ZEC_EMU_HV_H

#include <stdbool.h>

#include "emulator.h"

/* Turns the side on when the flags, root and /dev/loop-control allow, and
 * clears what a previous run left: stale links in the device directory and
 * loop devices backed by the images.  Logs why it stays off. */
void hv_start(const struct emu_config *cfg);

/* The disk appears here (loop device, links); a no-op when off. */
void hv_attach(const struct emu_config *cfg, const char *disk_id, const char *serial,
               long long size_gib);

/* ... and disappears (links removed, loop device detached). */
void hv_detach(const char *disk_id);

/* The disk's image was rewritten (size: false) or grew (true) under it. */
void hv_changed(const char *disk_id, bool size);

/* Writes what the device holds in memory into the image (before a capture). */
void hv_flush(const char *disk_id);

/* Detaches every disk (exit, reset). */
void hv_stop(void);

#endif /* ZEC_EMU_HV_H */

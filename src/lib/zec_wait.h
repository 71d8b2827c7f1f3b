/*
 * zec_wait.h - the one call code makes before it blocks.
 *
 * zecfs's FUSE loop lets the thread that reads /dev/fuse also answer the
 * request it read, so a walk served from the cache runs on one warm thread.
 * That thread must not sleep on the network, a disk or another thread with
 * the device unread: before any such wait the code calls zec_before_wait(),
 * and the loop's hook (set per thread, only while that thread is the
 * device's reader) hands the reading to another thread.  Outside the loop
 * the call costs a thread-local load.
 */
#ifndef ZEC_WAIT_H
#define ZEC_WAIT_H

typedef void (*zec_wait_hook)(void *arg);

/* About to block: runs and clears this thread's hook, if it has one. */
void zec_before_wait(void);

/* This thread's hook (NULL: none); it runs at most once per setting. */
void zec_wait_set_hook(zec_wait_hook hook, void *arg);

#endif

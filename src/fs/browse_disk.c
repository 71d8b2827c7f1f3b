/*
 * browse_disk.c - a browse's disk as the server holds it (browse_int.h):
 * read back by id, polled until a status, and released - detached,
 * recycled, destroyed - only after each read-back finds it still ours by
 * name and tag.  With the registry's naps, which a stop cuts short.
 */
#include "zecfs.h"
#include "browse.h"
#include "browse_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"

#define RELEASE_WAIT_S   600        /* a teardown's waits, each */

/* ---- time ----------------------------------------------------------------- */

void zecfs_bdisk_abs_time(double seconds_from_now, struct timespec *ts)
{
	double whole;

	clock_gettime(CLOCK_MONOTONIC, ts);
	seconds_from_now += ts->tv_nsec / 1e9;
	whole = (double)(long long)seconds_from_now;
	ts->tv_sec += (time_t)whole;
	ts->tv_nsec = (long)((seconds_from_now - whole) * 1e9);
}

/*
 * Sleeps ms (the lock is not held).  A preparation's wait ends early when
 * the registry starts stopping; a teardown's waits run out in full even
 * then, so that its polls never spin.
 */
void zecfs_bdisk_nap(struct zecfs_browses *r, long ms)
{
	struct timespec ts;
	bool stop;

	zecfs_bdisk_abs_time(ms / 1000.0, &ts);
	pthread_mutex_lock(&r->lock);
	stop = r->stopping;
	if (!stop)
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	pthread_mutex_unlock(&r->lock);
	if (stop)
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

bool zecfs_bdisk_stopping(struct zecfs_browses *r)
{
	bool s;

	pthread_mutex_lock(&r->lock);
	s = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* ---- the server's view of a disk ------------------------------------------------ */

/* One disk by id into *d (cleared first): 0, -ENOENT when gone, or the errno. */
int zecfs_bdisk_describe(struct zecfs *fs, const char *disk_id, struct zec_disk *d,
                         struct zec_result *res)
{
	const char *ids[] = { disk_id };
	struct zec_disk_filter f = { .disk_ids = ids, .n_disk_ids = 1, .snapshot_ability = -1 };
	struct zec_disk_list l = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	ret = zec_describe_disks(fs->client, &f, 1, 10, &l, res);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < l.count; i++) {
		if (l.items[i].disk_id && strcmp(l.items[i].disk_id, disk_id) == 0) {
			*d = l.items[i];
			memset(&l.items[i], 0, sizeof(l.items[i]));
			ret = 0;
			break;
		}
	}
	zec_disk_list_free(&l);
	return ret;
}

/*
 * Whether d is a browse disk of this instance: the name zecfs-browse-<id>
 * (snapshot_id NULL: any) and the tag zecfs-browse=<instanceId>.
 */
bool zecfs_bdisk_owned(const struct zecfs_browses *r, const struct zec_disk *d,
                       const char *snapshot_id)
{
	const char *name = d->disk_name;

	if (!name || strncmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) != 0)
		return false;
	if (snapshot_id && strcmp(name + strlen(NAME_PREFIX), snapshot_id) != 0)
		return false;
	return r->instance_id && zec_disk_has_tag(d, TAG_KEY, r->instance_id);
}

bool zecfs_bdisk_status_is(const struct zec_disk *d, const char *status)
{
	return d->disk_status && strcmp(d->disk_status, status) == 0;
}

/*
 * Polls the disk until done(d) (0), it is gone (-ENOENT), it went FAILED
 * (ZECFS_BROWSE_DISK_FAILED), the deadline passed (ZECFS_BROWSE_TIMEOUT)
 * or zecfs is stopping and 'interruptible' (ZECFS_CANCELLED).  *d holds the
 * last record seen.
 */
int zecfs_bdisk_wait(struct zecfs_browses *r, const char *disk_id,
                     bool (*done)(const struct zec_disk *d, const void *arg), const void *arg,
                     double deadline, bool interruptible, struct zec_disk *d,
                     struct zec_result *res)
{
	long ms = ZECFS_BROWSE_POLL_MIN_MS;
	int ret;

	for (;;) {
		ret = zecfs_bdisk_describe(r->fs, disk_id, d, res);
		if (ret)
			return ret;
		if (done(d, arg))
			return 0;
		if (zecfs_bdisk_status_is(d, "FAILED"))
			return zec_result_local(res, ZECFS_BROWSE_DISK_FAILED, disk_id);
		if (zec_clock_now() >= deadline)
			return zec_result_local(res, ZECFS_BROWSE_TIMEOUT, disk_id);
		if (interruptible && zecfs_bdisk_stopping(r))
			return zec_result_local(res, ZECFS_CANCELLED, disk_id);
		zec_disk_clear(d);
		zecfs_bdisk_nap(r, ms);
		ms = ms * 2 > ZECFS_BROWSE_POLL_MAX_MS ? ZECFS_BROWSE_POLL_MAX_MS : ms * 2;
	}
}

bool zecfs_bdisk_has_status(const struct zec_disk *d, const void *arg)
{
	return zecfs_bdisk_status_is(d, arg);
}

/* Not in a passing state: what to do with it can be decided. */
bool zecfs_bdisk_settled(const struct zec_disk *d, const void *arg)
{
	static const char *const passing[] = { "CREATING", "ATTACHING", "DETACHING",
	                                       "RECYCLING", "CHANGING", "ROLLING_BACK", NULL };

	(void)arg;
	for (size_t i = 0; passing[i]; i++)
		if (zecfs_bdisk_status_is(d, passing[i]))
			return false;
	return true;
}

bool zecfs_bdisk_attached_here(const struct zec_disk *d, const void *arg)
{
	return zecfs_bdisk_status_is(d, "IN_USE") && d->instance_id && strcmp(d->instance_id, arg) == 0;
}

/* ---- release ------------------------------------------------------------------ */

void zecfs_bdisk_count(struct zecfs_browses *r, unsigned long long *what)
{
	pthread_mutex_lock(&r->lock);
	(*what)++;
	pthread_mutex_unlock(&r->lock);
}

/*
 * Detaches (when attached), recycles and destroys a browse disk, each step
 * after reading the disk back and finding it still ours (zecfs_bdisk_owned()).
 * 0 when it is gone, else the errno; one log line either way.
 */
int zecfs_bdisk_release(struct zecfs_browses *r, const char *disk_id, const char *snapshot_id,
                        const char *why)
{
	struct zecfs *fs = r->fs;
	struct zec_result res = { .path = disk_id };
	struct zec_disk d = { 0 };
	double t0 = zec_clock_now(), deadline = t0 + RELEASE_WAIT_S;
	const char *ids[] = { disk_id };
	int ret;

	ret = zecfs_bdisk_wait(r, disk_id, zecfs_bdisk_settled, NULL, deadline, false, &d, &res);
	if (ret == -ENOENT) {
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
	if (!zecfs_bdisk_owned(r, &d, snapshot_id)) {
		zlog_error("browse disk not released disk_id=%s disk_name=%s reason=\"it lacks the name "
		           NAME_PREFIX "<snapshotId> or the tag " TAG_KEY "=%s\"",
		           ZLOG_ESC(disk_id), ZLOG_ESC(d.disk_name), ZLOG_ESC(r->instance_id));
		ret = zec_result_local(&res, ZECFS_NOT_PERMITTED, disk_id);
		goto out;
	}
	if (d.instance_id && *d.instance_id && !zecfs_bdisk_status_is(&d, "RECYCLED")) {
		struct zec_strv failed = { 0 };

		ret = zec_detach_disks(fs->client, ids, 1, &failed, &res);
		if (!ret && failed.count)
			ret = zec_result_local(&res, ZECFS_BROWSE_DISK_FAILED,
			                       "DetachDisks: the disk is in failedDiskIds");
		zec_strv_free(&failed);
		zec_disk_clear(&d);
		if (!ret)
			ret = zecfs_bdisk_wait(r, disk_id, zecfs_bdisk_has_status, "AVAILABLE", deadline, false, &d, &res);
		if (ret)
			goto out;
	}
	if (!zecfs_bdisk_status_is(&d, "RECYCLED")) {
		ret = zec_release_disk(fs->client, disk_id, &res);
		zec_disk_clear(&d);
		if (!ret)
			ret = zecfs_bdisk_wait(r, disk_id, zecfs_bdisk_has_status, "RECYCLED", deadline, false, &d, &res);
		if (ret == -ENOENT)
			ret = 0;
		if (ret)
			goto out;
		if (!zecfs_bdisk_owned(r, &d, snapshot_id)) {
			ret = zec_result_local(&res, ZECFS_NOT_PERMITTED, disk_id);
			goto out;
		}
	}
	/* the second release destroys a RECYCLED disk */
	ret = zec_release_disk(fs->client, disk_id, &res);
	if (ret && strcmp(res.code, "OPERATION_FAILED_RESOURCE_NOT_FOUND") == 0)
		ret = 0;
out:
	if (ret) {
		zlog_error("browse disk release failed disk_id=%s snapshot_id=%s why=%s code=%s "
		           "http=%ld request_id=%s duration_ms=%.0f",
		           ZLOG_ESC(disk_id), ZLOG_ESC(snapshot_id), why, ZLOG_ESC(res.code),
		           res.http_status, ZLOG_ESC(res.request_id), (zec_clock_now() - t0) * 1000);
	} else {
		zecfs_bdisk_count(r, &r->disks_released);
		zlog_info("browse disk released disk_id=%s snapshot_id=%s why=%s duration_ms=%.0f",
		          ZLOG_ESC(disk_id), ZLOG_ESC(snapshot_id), why,
		          (zec_clock_now() - t0) * 1000);
	}
	zec_disk_clear(&d);
	return ret;
}

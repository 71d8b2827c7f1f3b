/*
 * browse.c - the temporary disk behind a snapshot's files/ (browse.h): made
 * from the snapshot, attached to this instance, mounted read-only under
 * /run/zecfs, and released again when unused, at unmount, and after a
 * crash.
 *
 * A browse goes through
 *
 *   off -> creating-disk -> attaching -> mounting -> ready -> releasing -> off
 *              \______________\______________\-> releasing -> error <CODE>
 *
 * One record per snapshot id, in the registry (struct zecfs_browses).  The
 * first getter makes it and starts a worker thread that prepares it; every
 * getter, the first included, waits on the registry's condition variable
 * until it is ready, failed, or browse_timeout passed.  The worker never
 * runs inside a FUSE request, and neither does a teardown: the reaper
 * thread releases idle browses, zecfs_browse_shutdown all of them.
 *
 * Every disk zecfs detaches or releases is read back from the server first
 * and must carry both the name zecfs-browse-<snapshotId> and the tag
 * zecfs-browse=<instanceId>: a cached id is never enough to destroy a disk.
 */
#include "zecfs.h"
#include "browse.h"
#include "browse_dev.h"
#include "browse_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"

static const char *const state_names[] = {
	[ST_CREATING] = "creating-disk", [ST_ATTACHING] = "attaching",
	[ST_MOUNTING] = "mounting", [ST_READY] = "ready",
	[ST_RELEASING] = "releasing", [ST_ERROR] = "error",
};

/* ---- mounts --------------------------------------------------------------------- */

/* Mounts the device (browse_dev.c) and opens what files/ shows.  Sets
 * b->dir, b->mounts, b->root_fd. */
static int mount_browse(struct zecfs_browses *r, struct zecfs_browse *b, const char *dev,
                        struct zec_result *res)
{
	int ret = zecfs_bdev_mount(r->run_dir, b->snapshot_id, b->disk_id, dev, &b->dir,
	                           b->mounts, res);

	if (ret)
		return ret;
	b->root_fd = open(b->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->root_fd < 0)
		return zec_result_local(res, ZECFS_BROWSE_MOUNT, strerror(errno));
	return 0;
}

/* Undoes mount_browse: the passthrough lets go first. */
static void unmount_browse(struct zecfs_browses *r, struct zecfs_browse *b)
{
	/* the passthrough closes every descriptor it has there first */
	if (b->root_fd >= 0)
		zecfs_pt_drop(r->fs, b);
	if (b->root_fd >= 0)
		close(b->root_fd);
	b->root_fd = -1;
	zecfs_bdev_unmount(&b->dir, b->mounts);
}

/* Everything the browse made, undone: mounts, then the disk. */
static void teardown(struct zecfs_browses *r, struct zecfs_browse *b, const char *why)
{
	char *id;

	unmount_browse(r, b);
	pthread_mutex_lock(&r->lock);
	id = b->disk_id;
	b->disk_id = NULL;
	pthread_mutex_unlock(&r->lock);
	if (id)
		zecfs_bdisk_release(r, id, b->snapshot_id, why);
	free(id);
}

/* ---- preparation ------------------------------------------------------------------ */

static void set_state(struct zecfs_browses *r, struct zecfs_browse *b, enum state s)
{
	pthread_mutex_lock(&r->lock);
	b->state = s;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* The refusals a browse can know of before it pays for a disk. */
static int check_snapshot(struct zecfs_browses *r, struct zecfs_browse *b,
                          struct zec_disk *src, struct zec_result *res)
{
	struct zec_instance inst = { 0 };
	struct zec_snapshot_list l = { 0 };
	const char *ids[] = { b->snapshot_id };
	struct zec_snapshot_filter f = { .snapshot_ids = ids, .n_snapshot_ids = 1 };
	const struct zec_snapshot *s = NULL;
	int ret;

	ret = zec_describe_instance(r->fs->client, r->instance_id, &inst, res);
	if (ret)
		goto out;
	ret = zec_describe_snapshots(r->fs->client, &f, 1, 10, &l, res);
	if (ret)
		goto out;
	for (size_t i = 0; i < l.count; i++)
		if (l.items[i].snapshot_id && strcmp(l.items[i].snapshot_id, b->snapshot_id) == 0)
			s = &l.items[i];
	if (!s) {
		ret = zec_result_local(res, ZECFS_NOT_FOUND, b->snapshot_id);
	} else if (!s->status || strcmp(s->status, "AVAILABLE") != 0) {
		ret = zec_result_local(res, ZECFS_SNAPSHOT_BUSY, s->status);
	} else if (!s->zone_id || !inst.zone_id || strcmp(s->zone_id, inst.zone_id) != 0) {
		char why[200];

		snprintf(why, sizeof(why), "the snapshot is in zone %s, instance %s in zone %s",
		         s->zone_id ? s->zone_id : "-", r->instance_id,
		         inst.zone_id ? inst.zone_id : "-");
		ret = zec_result_local(res, ZECFS_BROWSE_ZONE, why);
	} else {
		ret = zecfs_bdisk_describe(r->fs, b->source_disk_id, src, res);
		if (ret == -ENOENT)
			ret = zec_result_local(res, ZECFS_NOT_FOUND, b->source_disk_id);
	}
out:
	zec_snapshot_list_free(&l);
	zec_instance_clear(&inst);
	return ret;
}

/*
 * The disk a create whose answer was lost may have made: ours by name and
 * tag.  1 with *id set, 0 none, or the errno.
 */
static int find_made(struct zecfs_browses *r, const char *name, char **id,
                     struct zec_result *res)
{
	const struct zec_tag_arg tag = { TAG_KEY, r->instance_id };
	struct zec_disk_filter f = { .disk_name = name, .snapshot_ability = -1,
	                             .tags = &tag, .n_tags = 1 };
	struct zec_disk_list l = { 0 };
	int ret = zec_describe_disks_all(r->fs->client, &f, &l, res);

	*id = NULL;
	for (size_t i = 0; !ret && i < l.count; i++) {
		if (zecfs_bdisk_owned(r, &l.items[i], name + strlen(NAME_PREFIX)) && !*id &&
		    !zecfs_bdisk_status_is(&l.items[i], "RECYCLED") && !zecfs_bdisk_status_is(&l.items[i], "RECYCLING")) {
			*id = l.items[i].disk_id;
			l.items[i].disk_id = NULL;
			ret = 1;
		}
	}
	zec_disk_list_free(&l);
	return ret;
}

/* A failed create that may have made the disk all the same. */
static bool unclear(const struct zec_result *res)
{
	return res->outcome == ZEC_OUTCOME_TRANSPORT || res->outcome == ZEC_OUTCOME_TIMEOUT ||
	       res->outcome == ZEC_OUTCOME_BAD_RESPONSE ||
	       (res->outcome == ZEC_OUTCOME_API_ERROR && res->http_status >= 500) ||
	       strcmp(res->code, ZECFS_CANCELLED) == 0;
}

static int create_disk(struct zecfs_browses *r, struct zecfs_browse *b,
                       const struct zec_disk *src, struct zec_result *res)
{
	const struct zec_tag_arg tag = { TAG_KEY, r->instance_id };
	struct zec_disks_created made = { 0 };
	struct zec_disk_spec spec = { 0 };
	char *id = NULL;
	char name[128];
	int ret;

	snprintf(name, sizeof(name), NAME_PREFIX "%s", b->snapshot_id);
	spec.zone_id = src->zone_id;
	spec.disk_name = name;
	spec.disk_size = src->disk_size;
	spec.disk_category = src->disk_category;
	spec.snapshot_id = b->snapshot_id;
	spec.tags = &tag;
	spec.n_tags = 1;
	/* never re-sent: an unclear outcome is looked for after the failure */
	ret = zec_create_disks(r->fs->client, &spec, &made, res);
	if (!ret && made.disk_ids.count) {
		id = made.disk_ids.v[0];
		made.disk_ids.v[0] = NULL;
	}
	zec_disks_created_free(&made);
	if (ret) {
		b->create_unclear = unclear(res);
		return ret;
	}
	if (!id)
		return zec_result_local(res, ZECFS_BAD_RESPONSE, "CreateDisks: no disk id");
	/* user.zec.browse shows it from now on */
	pthread_mutex_lock(&r->lock);
	b->disk_id = id;
	r->disks_created++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	zlog_info("browse disk created path=%s snapshot_id=%s disk_id=%s disk_name=%s size=%lld "
	          "category=%s request_id=%s", ZLOG_ESC(b->path), ZLOG_ESC(b->snapshot_id),
	          ZLOG_ESC(b->disk_id), name, src->disk_size, ZLOG_ESC(src->disk_category),
	          ZLOG_ESC(res->request_id));
	return 0;
}

/*
 * A CreateDisks whose answer was lost may still make the disk, later: it is
 * looked for by name and tag during -o timeout (its own deadlines, past an
 * open breaker), so that the teardown releases it rather than leave it
 * billed.  The next mount's clean-up catches one made later still.
 */
static void find_lost_disk(struct zecfs_browses *r, struct zecfs_browse *b)
{
	double until = zec_clock_now() + r->fs->cfg.timeout;
	uint64_t saved = zec_client_confirm_begin(r->fs->client);
	char name[128];

	snprintf(name, sizeof(name), NAME_PREFIX "%s", b->snapshot_id);
	for (long ms = ZECFS_BROWSE_POLL_MIN_MS * 5;; ms = ms * 2 > ZECFS_BROWSE_POLL_MAX_MS ? ZECFS_BROWSE_POLL_MAX_MS : ms * 2) {
		struct zec_result res = { .path = b->path };
		char *id = NULL;

		if (find_made(r, name, &id, &res) == 1) {
			zlog_warn("browse disk found after an unclear CreateDisks snapshot_id=%s "
			          "disk_id=%s", ZLOG_ESC(b->snapshot_id), ZLOG_ESC(id));
			pthread_mutex_lock(&r->lock);
			b->disk_id = id;
			r->disks_created++;
			pthread_mutex_unlock(&r->lock);
			break;
		}
		if (zec_clock_now() + ms / 1000.0 > until)
			break;
		zecfs_bdisk_nap(r, ms);
	}
	zec_client_confirm_end(r->fs->client, saved);
}

/* Every step of a browse, on the worker thread; each failure sets res. */
static int prepare(struct zecfs_browses *r, struct zecfs_browse *b, struct zec_result *res)
{
	struct zecfs *fs = r->fs;
	double deadline = b->started + fs->cfg.browse_timeout;
	struct zec_disk src = { 0 }, d = { 0 };
	const char *ids[1];
	char *dev = NULL;
	int ret;

	ret = check_snapshot(r, b, &src, res);
	if (!ret)
		ret = create_disk(r, b, &src, res);
	if (ret)
		goto out;
	ret = zecfs_bdisk_wait(r, b->disk_id, zecfs_bdisk_has_status, "AVAILABLE", deadline, true, &d, res);
	if (ret)
		goto out;
	set_state(r, b, ST_ATTACHING);
	ids[0] = b->disk_id;
	ret = zec_attach_disks(fs->client, ids, 1, r->instance_id, res);
	zec_disk_clear(&d);
	/* even a refused attach may have been applied: the teardown detaches */
	b->attached = true;
	if (!ret)
		ret = zecfs_bdisk_wait(r, b->disk_id, zecfs_bdisk_attached_here, r->instance_id, deadline, true, &d, res);
	if (ret)
		goto out;
	for (long ms = ZECFS_BROWSE_POLL_MIN_MS; !(dev = d.serial ? zecfs_bdev_find(&fs->cfg, d.serial) : NULL);) {
		if (zec_clock_now() >= deadline || zecfs_bdisk_stopping(r)) {
			zlog_error("browse no device snapshot_id=%s disk_id=%s serial=%s device_dir=%s",
			           ZLOG_ESC(b->snapshot_id), ZLOG_ESC(b->disk_id), ZLOG_ESC(d.serial),
			           ZLOG_ESC(fs->cfg.device_dir ? fs->cfg.device_dir : ZECFS_BY_ID_DIR));
			ret = zec_result_local(res, ZECFS_BROWSE_NO_DEVICE, d.serial);
			goto out;
		}
		zecfs_bdisk_nap(r, ms);
		ms = ms * 2 > ZECFS_BROWSE_POLL_MAX_MS ? ZECFS_BROWSE_POLL_MAX_MS : ms * 2;
	}
	set_state(r, b, ST_MOUNTING);
	ret = mount_browse(r, b, dev, res);
out:
	free(dev);
	zec_disk_clear(&d);
	zec_disk_clear(&src);
	return ret;
}

static void *worker(void *arg)
{
	struct zecfs_browse *b = arg;
	struct zecfs_browses *r = b->reg;
	struct zec_result res = { .path = b->path };
	int ret;

	zec_client_op_begin(r->fs->client, (long)(r->fs->cfg.browse_timeout * 1000));
	ret = prepare(r, b, &res);
	zec_client_op_end(r->fs->client);
	if (ret) {
		zecfs_refused("browse", b->path, res.code[0] ? res.code : ZECFS_BROWSE_MOUNT,
		              res.outcome == ZEC_OUTCOME_LOCAL && res.message[0] ? res.message : NULL);
		if (!b->disk_id && b->create_unclear)
			find_lost_disk(r, b);
		if (b->disk_id || b->dir) {
			set_state(r, b, ST_RELEASING);
			teardown(r, b, "failed");
		}
	} else {
		zlog_info("browse ready path=%s snapshot_id=%s disk_id=%s duration_ms=%.0f",
		          ZLOG_ESC(b->path), ZLOG_ESC(b->snapshot_id), ZLOG_ESC(b->disk_id),
		          (zec_clock_now() - b->started) * 1000);
	}
	pthread_mutex_lock(&r->lock);
	if (ret) {
		b->state = ST_ERROR;
		snprintf(b->code, sizeof(b->code), "%s", res.code[0] ? res.code : ZECFS_BROWSE_MOUNT);
	} else {
		b->state = ST_READY;
		b->last_used = zec_clock_now();
		r->browses++;
	}
	r->workers--;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* ---- the registry ------------------------------------------------------------------- */

static void browse_free(struct zecfs_browse *b)
{
	if (!b)
		return;
	free(b->snapshot_id);
	free(b->source_disk_id);
	free(b->path);
	free(b->disk_id);
	free(b->dir);
	for (int i = 0; i <= ZECFS_BDEV_MAX_PARTS; i++)
		free(b->mounts[i]);
	free(b);
}

static struct zecfs_browse *find(struct zecfs_browses *r, const char *snapshot_id)
{
	for (struct zecfs_browse *b = r->list; b; b = b->next)
		if (strcmp(b->snapshot_id, snapshot_id) == 0)
			return b;
	return NULL;
}

static void unlink_browse(struct zecfs_browses *r, struct zecfs_browse *b)
{
	for (struct zecfs_browse **p = &r->list; *p; p = &(*p)->next) {
		if (*p == b) {
			*p = b->next;
			return;
		}
	}
}

/* Browses holding (or making) a disk: the ones browse_max counts. */
static int active(const struct zecfs_browses *r)
{
	int n = 0;

	for (const struct zecfs_browse *b = r->list; b; b = b->next)
		n += b->state != ST_ERROR;
	return n;
}

/* Starts the preparation of b (lock held); -errno when no thread could start. */
static int start_worker(struct zecfs_browses *r, struct zecfs_browse *b)
{
	pthread_attr_t attr;
	pthread_t t;
	int err;

	b->state = ST_CREATING;
	b->gen++;
	b->code[0] = '\0';
	b->attached = false;
	b->create_unclear = false;
	b->started = zec_clock_now();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, worker, b);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	r->workers++;
	return 0;
}

int zecfs_browse_get(struct zecfs *fs, const char *disk_id, const struct zecfs_snap *snap,
                     const char *path, struct zecfs_browse **out, struct zec_result *res)
{
	struct zecfs_browses *r = fs->browses;
	char id_buf[ZECFS_SNAP_ID_LEN];
	const char *snapshot_id = snap ? zecfs_snap_id(snap, id_buf) : NULL;
	struct zecfs_browse *b;
	struct timespec until;
	unsigned gen = 0;
	bool waited = false;
	int ret = 0;

	*out = NULL;
	if (!fs->cfg.allow_browse || !r) {
		zlog_warn("browse refused path=%s code=" ZECFS_BROWSE_DISABLED " reason=\"browsing "
		          "is off: mount with -o allow_browse (a browse creates a disk, billed while "
		          "it exists)\"", ZLOG_ESC(path));
		return zec_result_local(res, ZECFS_BROWSE_DISABLED, path);
	}
	if (!r->instance_id) {
		zecfs_refused("browse", path, ZECFS_BROWSE_NO_INSTANCE, NULL);
		return zec_result_local(res, ZECFS_BROWSE_NO_INSTANCE, path);
	}
	if (geteuid() != 0) {
		zecfs_refused("browse", path, ZECFS_BROWSE_MOUNT, "mounting a disk needs root");
		return zec_result_local(res, ZECFS_BROWSE_MOUNT, "mounting a disk needs root");
	}
	if (!snapshot_id || !disk_id)
		return zec_result_local(res, ZECFS_NOT_FOUND, path);
	zecfs_bdisk_abs_time(fs->cfg.browse_timeout, &until);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		if (r->stopping) {
			ret = zec_result_local(res, ZECFS_CANCELLED, path);
			break;
		}
		b = find(r, snapshot_id);
		if (b && b->state == ST_READY) {
			b->refs++;
			b->last_used = zec_clock_now();
			*out = b;
			break;
		}
		if (b && b->state == ST_ERROR && waited && b->gen == gen) {
			/* the preparation this getter waited for failed */
			ret = zec_result_local(res, b->code, path);
			break;
		}
		if (b && b->state == ST_ERROR) {
			/* an earlier failure, seen by its own getters: try again */
			if (active(r) >= fs->cfg.browse_max)
				goto max;
			if (start_worker(r, b)) {
				ret = zec_result_local(res, ZECFS_OUT_OF_MEMORY, path);
				break;
			}
			continue;
		}
		if (!b) {
			if (active(r) >= fs->cfg.browse_max)
				goto max;
			b = calloc(1, sizeof(*b));
			if (!b || !(b->snapshot_id = strdup(snapshot_id)) ||
			    !(b->source_disk_id = strdup(disk_id)) ||
			    !(b->path = strdup(path ? path : "-"))) {
				browse_free(b);
				ret = zec_result_local(res, ZECFS_OUT_OF_MEMORY, path);
				break;
			}
			b->reg = r;
			b->root_fd = -1;
			if (start_worker(r, b)) {
				browse_free(b);
				ret = zec_result_local(res, ZECFS_OUT_OF_MEMORY, path);
				break;
			}
			b->next = r->list;
			r->list = b;
			continue;
		}
		/* being prepared or released: wait for its next state */
		waited = true;
		gen = b->gen;
		zec_before_wait();
		if (pthread_cond_timedwait(&r->cond, &r->lock, &until) != ETIMEDOUT)
			continue;
		/* b may be gone meanwhile: what is there now decides */
		b = find(r, snapshot_id);
		if (b && b->state == ST_READY)
			continue;
		zlog_warn("browse refused path=%s code=" ZECFS_BROWSE_TIMEOUT " state=%s "
		          "browse_timeout=%.0f", ZLOG_ESC(path), b ? state_names[b->state] : "off",
		          fs->cfg.browse_timeout);
		ret = zec_result_local(res, ZECFS_BROWSE_TIMEOUT, path);
		break;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
max:
	pthread_mutex_unlock(&r->lock);
	{
		char why[128];

		snprintf(why, sizeof(why), "browse_max=%d snapshots are browsed already",
		         fs->cfg.browse_max);
		zecfs_refused("browse", path, ZECFS_BROWSE_MAX, why);
	}
	return zec_result_local(res, ZECFS_BROWSE_MAX, path);
}

void zecfs_browse_put(struct zecfs_browse *b)
{
	struct zecfs_browses *r;

	if (!b)
		return;
	r = b->reg;
	pthread_mutex_lock(&r->lock);
	if (b->refs > 0 && --b->refs == 0) {
		b->last_used = zec_clock_now();
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
}

void zecfs_browse_ref(struct zecfs_browse *b)
{
	struct zecfs_browses *r = b->reg;

	pthread_mutex_lock(&r->lock);
	b->refs++;
	pthread_mutex_unlock(&r->lock);
}

int zecfs_browse_root_fd(const struct zecfs_browse *b)
{
	return b->root_fd;
}

const char *zecfs_browse_snapshot_id(const struct zecfs_browse *b)
{
	return b->snapshot_id;
}

void zecfs_browse_touch(struct zecfs_browse *b)
{
	struct zecfs_browses *r = b->reg;

	pthread_mutex_lock(&r->lock);
	b->last_used = zec_clock_now();
	pthread_mutex_unlock(&r->lock);
}

void zecfs_browse_count_read(struct zecfs_browse *b, uint64_t bytes)
{
	struct zecfs_browses *r = b->reg;

	pthread_mutex_lock(&r->lock);
	r->bytes_read += bytes;
	pthread_mutex_unlock(&r->lock);
}

int zecfs_browse_state(struct zecfs *fs, const char *snapshot_id, char *buf, size_t size)
{
	struct zecfs_browses *r = fs->browses;
	struct zecfs_browse *b;
	int n;

	if (!r) {
		n = snprintf(buf, size, "off");
		return n < (int)size ? n : -ERANGE;
	}
	pthread_mutex_lock(&r->lock);
	b = find(r, snapshot_id);
	if (!b)
		n = snprintf(buf, size, "off");
	else if (b->state == ST_ERROR)
		n = snprintf(buf, size, "error %s", b->code);
	else if (b->state == ST_CREATING && b->disk_id)
		n = snprintf(buf, size, "creating-disk %s", b->disk_id);
	else
		n = snprintf(buf, size, "%s", state_names[b->state]);
	pthread_mutex_unlock(&r->lock);
	return n < (int)size ? n : -ERANGE;
}

void zecfs_browse_counters(struct zecfs *fs, struct zecfs_browse_counters *c)
{
	struct zecfs_browses *r = fs->browses;

	memset(c, 0, sizeof(*c));
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	c->browses = r->browses;
	c->disks_created = r->disks_created;
	c->disks_released = r->disks_released;
	c->bytes_read = r->bytes_read;
	c->active = (unsigned long long)active(r);
	pthread_mutex_unlock(&r->lock);
}

/* ---- idle teardown ------------------------------------------------------------------- */

/* An idle ready browse (lock held), or NULL; 'all': every ready one (shutdown). */
static struct zecfs_browse *idle_one(struct zecfs_browses *r, bool all, double *next)
{
	double now = zec_clock_now(), idle = r->fs->cfg.browse_idle;

	for (struct zecfs_browse *b = r->list; b; b = b->next) {
		if (b->state != ST_READY)
			continue;
		if (all || (b->refs == 0 && now - b->last_used >= idle))
			return b;
		if (b->refs == 0 && b->last_used + idle < *next)
			*next = b->last_used + idle;
	}
	return NULL;
}

/* Releases b (lock held on entry and on return). */
static void release_locked(struct zecfs_browses *r, struct zecfs_browse *b, const char *why)
{
	b->state = ST_RELEASING;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	zlog_info("browse releasing path=%s snapshot_id=%s disk_id=%s why=%s",
	          ZLOG_ESC(b->path), ZLOG_ESC(b->snapshot_id), ZLOG_ESC(b->disk_id), why);
	teardown(r, b, why);
	pthread_mutex_lock(&r->lock);
	unlink_browse(r, b);
	browse_free(b);
	pthread_cond_broadcast(&r->cond);
}

static void *reaper(void *arg)
{
	struct zecfs_browses *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		double next = zec_clock_now() + 60;
		struct zecfs_browse *b = idle_one(r, false, &next);
		struct timespec ts;

		if (b) {
			release_locked(r, b, "idle");
			continue;
		}
		zecfs_bdisk_abs_time(next - zec_clock_now() + 0.05, &ts);
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* ---- start-up and shutdown ------------------------------------------------------------- */

/* Disks a crashed zecfs of this instance left: released, each logged. */
static void release_leftovers(struct zecfs_browses *r)
{
	const struct zec_tag_arg tag = { TAG_KEY, r->instance_id };
	struct zec_disk_filter f = { .disk_name = NAME_PREFIX, .snapshot_ability = -1,
	                             .tags = &tag, .n_tags = 1 };
	struct zec_result res = { .path = "/" };
	struct zec_disk_list l = { 0 };
	int ret = zec_describe_disks_all(r->fs->client, &f, &l, &res);

	if (ret) {
		zlog_error("browse leftovers not listed code=%s http=%ld request_id=%s",
		           ZLOG_ESC(res.code), res.http_status, ZLOG_ESC(res.request_id));
		return;
	}
	for (size_t i = 0; i < l.count; i++) {
		const struct zec_disk *d = &l.items[i];

		if (!d->disk_id || !zecfs_bdisk_owned(r, d, NULL))
			continue;
		zlog_info("browse leftover disk_id=%s disk_name=%s status=%s instance_id=%s",
		          ZLOG_ESC(d->disk_id), ZLOG_ESC(d->disk_name), ZLOG_ESC(d->disk_status),
		          ZLOG_ESC(d->instance_id));
		zecfs_bdisk_release(r, d->disk_id, d->disk_name + strlen(NAME_PREFIX), "leftover");
	}
	zec_disk_list_free(&l);
}

int zecfs_browse_init(struct zecfs *fs)
{
	struct zecfs_browses *r;
	pthread_condattr_t ca;
	int err;

	if (!fs->cfg.allow_browse)
		return 0;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	r->fs = fs;
	r->instance_id = zecfs_bdev_instance_id(&fs->cfg);
	snprintf(r->run_dir, sizeof(r->run_dir), ZECFS_RUN_DIR "/%ld", (long)getpid());
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	fs->browses = r;
	if (!r->instance_id) {
		zlog_warn("browse off reason=\"no instance id: not a Zenlayer VM (" ZECFS_DMI_VENDOR
		          "); mount with -o instance_id=ID\"");
		return 0;
	}
	zlog_info("browse on instance_id=%s device_dir=%s browse_max=%d browse_idle=%.0f",
	          ZLOG_ESC(r->instance_id),
	          ZLOG_ESC(fs->cfg.device_dir ? fs->cfg.device_dir : ZECFS_BY_ID_DIR),
	          fs->cfg.browse_max, fs->cfg.browse_idle);
	zecfs_bdev_clean_stale();
	release_leftovers(r);
	err = pthread_create(&r->reaper, NULL, reaper, r);
	if (err)
		return -err;
	r->reaper_started = true;
	return 0;
}

void zecfs_browse_shutdown(struct zecfs *fs)
{
	struct zecfs_browses *r = fs->browses;
	struct zecfs_browse *b;
	double next = 0;

	if (!r)
		return;
	/* a mount still busy at SIGTERM had its calls cancelled to end the loop:
	 * the disks are billed, so they are released all the same */
	zec_client_resume(fs->client);
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_broadcast(&r->cond);
	/* preparations end at their next step and undo what they made */
	while (r->workers)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
	if (r->reaper_started)
		pthread_join(r->reaper, NULL);
	pthread_mutex_lock(&r->lock);
	while ((b = idle_one(r, true, &next)))
		release_locked(r, b, "unmount");
	while ((b = r->list)) {
		r->list = b->next;
		browse_free(b);
	}
	pthread_mutex_unlock(&r->lock);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	rmdir(r->run_dir);
	free(r->instance_id);
	free(r);
	fs->browses = NULL;
}

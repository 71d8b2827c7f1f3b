/*
 * xattr.c - the user.zec.* extended attributes.
 *
 * Snapshot directories show the snapshot's fields; user.zec.retentionTime is
 * writable (ModifySnapshotsAttribute).  Disk directories show the disk's
 * fields; user.zec.diskName is writable (ModifyDisksAttributes) and
 * user.zec.rollback is a write-only trigger (ApplySnapshot).  A snapshots/
 * directory holds the disk's default retention for new snapshots.  A
 * snapshot also shows user.zec.browse, the state of its files/ (read-only).
 * A policy directory (.policies/<name>) shows the policy's fields, read-only
 * (any write is EROFS): numbers in decimal, lists as the API's numbers
 * joined by commas, user.zec.autoSnapshot the schedule as a disk shows it.
 * A write honours XATTR_CREATE and XATTR_REPLACE against what listxattr
 * lists, and refuses a value with a NUL inside, before any call.
 */
#include "zecfs.h"
#include "browse.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_name.h"
#include "zec_schedule.h"

#define PREFIX "user.zec."
#define DAY 86400

enum { RO = 0, RW = 1, WO = 2 };

/* The attributes a node kind has, and how to read each. */
struct attr {
	const char *name;           /* without PREFIX */
	int access;
	/* the value, or NULL when it has none; buf is scratch space */
	const char *(*get)(const struct zecfs_node *n, char *buf, size_t size);
};

static const char *yes_no(bool b)
{
	return b ? "true" : "false";
}

/* A field of the node's record (n->rec: snap->s, disk->d, pol->p) as it is. */
#define FIELD_STR(fn, rec, field) \
	static const char *fn(const struct zecfs_node *n, char *buf, size_t size) \
	{ (void)buf; (void)size; return n->rec.field; }

/* A field of a snapshot's record, as the server sent it. */
#define SNAP_STR(fn, field) \
	static const char *fn(const struct zecfs_node *n, char *buf, size_t size) \
	{ return zecfs_snap_str(n->snap, offsetof(struct zec_snapshot, field), buf, size); }

SNAP_STR(snap_snapshot_id, snapshot_id)
SNAP_STR(snap_status, status)
SNAP_STR(snap_type, snapshot_type)
SNAP_STR(snap_ctime, create_time)
SNAP_STR(snap_zone, zone_id)
SNAP_STR(snap_retention, retention_time)
FIELD_STR(disk_name, disk->d, disk_name)
FIELD_STR(disk_status, disk->d, disk_status)
FIELD_STR(disk_zone, disk->d, zone_id)
FIELD_STR(disk_instance, disk->d, instance_id)
FIELD_STR(disk_type, disk->d, disk_type)
FIELD_STR(disk_category, disk->d, disk_category)
FIELD_STR(disk_policy, disk->d, auto_snapshot_policy_id)
FIELD_STR(pol_id, pol->p, policy_id)
FIELD_STR(pol_name, pol->p, policy_name)
FIELD_STR(pol_zone, pol->p, zone_id)
FIELD_STR(pol_ctime, pol->p, create_time)
FIELD_STR(pol_rg_id, pol->p, resource_group_id)
FIELD_STR(pol_rg_name, pol->p, resource_group_name)

/* The bits of a set as "1,3,5" (the API's numbers), from..to. */
static const char *bit_list(uint32_t bits, int from, int to, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = from; i <= to && len + 4 < size; i++) {
		if (bits & ((uint32_t)1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? "," : "", i);
	}
	return buf;
}

static const char *pol_days(const struct zecfs_node *n, char *buf, size_t size)
{
	return bit_list(n->pol->p.week_days, 1, 7, buf, size);
}

static const char *pol_hours(const struct zecfs_node *n, char *buf, size_t size)
{
	return bit_list(n->pol->p.hours, 0, 23, buf, size);
}

/* Days, as the API gives them: -1 is "kept forever". */
static const char *pol_keep(const struct zecfs_node *n, char *buf, size_t size)
{
	snprintf(buf, size, "%d", n->pol->p.retention_days);
	return buf;
}

static const char *pol_disk_num(const struct zecfs_node *n, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", n->pol->p.disk_num);
	return buf;
}

/* The schedule in user.zec.autoSnapshot's words ("days=mon hours=2 keep=14"). */
static const char *pol_schedule(const struct zecfs_node *n, char *buf, size_t size)
{
	struct zec_schedule s = { n->pol->p.week_days, n->pol->p.hours, n->pol->p.retention_days };

	return zec_schedule_format(&s, buf, size) ? NULL : buf;
}

/* Listed when the disk has a policy; the value is asked for (autosnap.c). */
static const char *disk_schedule(const struct zecfs_node *n, char *buf, size_t size)
{
	(void)buf;
	(void)size;
	return n->disk->d.auto_snapshot_policy_id;
}

static const char *snap_ability(const struct zecfs_node *n, char *buf, size_t size)
{
	(void)buf;
	(void)size;
	return yes_no(n->snap->common->disk_ability);
}

static const char *disk_snap_ability(const struct zecfs_node *n, char *buf, size_t size)
{
	(void)buf;
	(void)size;
	return yes_no(n->disk->d.snapshot_ability);
}

static const char *disk_size(const struct zecfs_node *n, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", n->disk->d.disk_size);
	return buf;
}

static const char *no_value(const struct zecfs_node *n, char *buf, size_t size)
{
	(void)n;
	(void)buf;
	(void)size;
	return NULL;
}

/* One table per node kind, alike on purpose: a row is an attribute's name,
 * whether it can be written, and how its value is read. */
static const struct attr snapshot_attrs[] = {
	{ "retentionTime", RW, snap_retention },
	{ "snapshotId", RO, snap_snapshot_id },
	{ "status", RO, snap_status },
	{ "snapshotType", RO, snap_type },
	{ "createTime", RO, snap_ctime },
	{ "zoneId", RO, snap_zone },
	{ "diskAbility", RO, snap_ability },
	{ "restoreTo", WO, no_value },
	{ "browse", RO, no_value },      /* browse_value() */
	{ NULL, 0, NULL },
};

static const struct attr disk_attrs[] = {
	{ "diskName", RW, disk_name },
	{ "diskStatus", RO, disk_status },
	{ "diskSize", RO, disk_size },
	{ "zoneId", RO, disk_zone },
	{ "instanceId", RO, disk_instance },
	{ "snapshotAbility", RO, disk_snap_ability },
	{ "diskType", RO, disk_type },
	{ "diskCategory", RO, disk_category },
	{ "rollback", WO, no_value },
	{ "autoSnapshot", RW, disk_schedule },
	{ "autoSnapshotPolicyId", RO, disk_policy },
	{ NULL, 0, NULL },
};

static const struct attr policy_attrs[] = {
	{ "autoSnapshotPolicyId", RO, pol_id },
	{ "autoSnapshotPolicyName", RO, pol_name },
	{ "zoneId", RO, pol_zone },
	{ "repeatWeekDays", RO, pol_days },
	{ "hours", RO, pol_hours },
	{ "retentionDays", RO, pol_keep },
	{ "diskNum", RO, pol_disk_num },
	{ "createTime", RO, pol_ctime },
	{ "resourceGroupId", RO, pol_rg_id },
	{ "resourceGroupName", RO, pol_rg_name },
	{ "autoSnapshot", RO, pol_schedule },
	{ NULL, 0, NULL },
};

/* snapshots/: the value is computed by snapdir_retention(). */
static const struct attr snapdir_attrs[] = {
	{ "retentionTime", RW, no_value },
	{ NULL, 0, NULL },
};

static const struct attr *attrs_of(enum zecfs_kind kind)
{
	switch (kind) {
	case ZECFS_SNAPSHOT: return snapshot_attrs;
	case ZECFS_DISK: return disk_attrs;
	case ZECFS_SNAPDIR: return snapdir_attrs;
	case ZECFS_POLICY: return policy_attrs;
	default: return NULL;
	}
}

static const struct attr *find_attr(enum zecfs_kind kind, const char *name)
{
	const struct attr *a = attrs_of(kind);

	if (!a || strncmp(name, PREFIX, strlen(PREFIX)) != 0)
		return NULL;
	name += strlen(PREFIX);
	for (; a->name; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

/* ---- default retention --------------------------------------------- */

/* With fs->lock held. */
static struct disk_retention *retention_entry(struct zecfs *fs, const char *disk_id)
{
	for (struct disk_retention *e = fs->retentions; e; e = e->next) {
		if (strcmp(e->disk_id, disk_id) == 0)
			return e;
	}
	return NULL;
}

bool zecfs_default_retention(struct zecfs *fs, const char *disk_id,
                             struct zec_retention *out)
{
	struct disk_retention *e;
	bool found = false;

	pthread_mutex_lock(&fs->lock);
	e = retention_entry(fs, disk_id);
	if (e) {
		*out = e->r;
		found = true;
	} else if (fs->has_retention) {
		*out = fs->retention;
		found = true;
	}
	pthread_mutex_unlock(&fs->lock);
	return found && out->kind != ZEC_RETENTION_PERMANENT;
}

static int set_default_retention(struct zecfs *fs, const char *disk_id,
                                 const struct zec_retention *r)
{
	struct disk_retention *e, **pp;
	int ret = 0;

	pthread_mutex_lock(&fs->lock);
	e = retention_entry(fs, disk_id);
	if (!r) {
		for (pp = &fs->retentions; *pp; pp = &(*pp)->next) {
			if (*pp == e) {
				*pp = e->next;
				free(e->disk_id);
				free(e);
				break;
			}
		}
		goto out;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || !(e->disk_id = strdup(disk_id))) {
			free(e);
			ret = -ENOMEM;
			goto out;
		}
		e->next = fs->retentions;
		fs->retentions = e;
	}
	e->r = *r;
out:
	pthread_mutex_unlock(&fs->lock);
	return ret;
}

/* The text a snapshots/ directory shows, or NULL when there is none. */
static const char *snapdir_retention(struct zecfs *fs, const char *disk_id,
                                     char *buf, size_t size)
{
	struct disk_retention *e;
	const struct zec_retention *r = NULL;

	pthread_mutex_lock(&fs->lock);
	e = retention_entry(fs, disk_id);
	if (e)
		r = &e->r;
	else if (fs->has_retention)
		r = &fs->retention;
	if (r)
		zec_retention_format(r, buf, size);
	pthread_mutex_unlock(&fs->lock);
	return r ? buf : NULL;
}

/*
 * Parses a retention a user wrote; -EINVAL (through the table) when it is
 * unparsable or, once resolved, under 24 hours ahead.  A refusal is logged
 * once, with the value (its first 64 bytes, escaped: it is not
 * NUL-terminated) and the reason.
 */
static int parse_retention(struct zecfs *fs, const char *value, size_t size,
                           struct zec_retention *r, struct zec_result *res)
{
	char buf[65];
	time_t now = (time_t)zec_client_server_now(fs->client);   /* the server's 24 hours */
	const char *why = NULL;

	snprintf(buf, sizeof(buf), "%.*s", (int)(size > 64 ? 64 : size), value);
	if (size >= 64)
		why = "the value is too long: want yyyy-MM-ddTHH:mm:ssZ, +N{m,h,d,w} or permanent";
	else if (zec_retention_parse(buf, r))
		why = "the value is not yyyy-MM-ddTHH:mm:ssZ, +N{m,h,d,w} or permanent";
	else if (r->kind != ZEC_RETENTION_PERMANENT && zec_retention_resolve(r, now) < now + DAY)
		why = "the retention is under 24 hours ahead (the API's minimum)";
	if (!why)
		return 0;
	zlog_warn("retention refused path=%s value=\"%s\" code=%s reason=\"%s\"",
	          ZLOG_ESC(res->path), ZLOG_ESC(buf), ZECFS_RETENTION_INVALID, why);
	return zec_result_local(res, ZECFS_RETENTION_INVALID, buf);
}

/* ---- operations ----------------------------------------------------- */

/* user.zec.browse: the state of the snapshot's files/ (browse.c). */
static const char *browse_value(struct zecfs *fs, const struct zecfs_node *n, char *buf,
                                size_t size)
{
	return zecfs_browse_state(fs, n->id.obj_id, buf, size) < 0 ? NULL : buf;
}

/* The value of a readable attribute: the node's field, or what is kept apart. */
static const char *value_of(struct zecfs *fs, const struct zecfs_node *n,
                            const struct attr *a, char *buf, size_t size)
{
	if (n->id.kind == ZECFS_SNAPDIR)
		return snapdir_retention(fs, n->disk->d.disk_id, buf, size);
	if (n->id.kind == ZECFS_SNAPSHOT && strcmp(a->name, "browse") == 0)
		return browse_value(fs, n, buf, size);
	return a->get(n, buf, size);
}

/* A refused change of attribute name, logged once with the table's reason. */
static int refused_attr(const char *op, const char *path, const char *name, const char *code)
{
	zlog_warn("%s refused path=%s attr=%s code=%s reason=\"%s\"", op, ZLOG_ESC(path),
	          ZLOG_ESC(name), code, ZLOG_ESC(zec_errno_advice(code)));
	return zecfs_errno_of(code);
}

/* Sends a value with the size protocol: size 0 asks for the length only. */
static void reply_value(fuse_req_t req, const char *value, size_t len, size_t size)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, zec_errno_for_code(ZECFS_XATTR_RANGE));
	else
		fuse_reply_buf(req, value, len);
}

void zecfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct zecfs *fs = fuse_req_userdata(req);
	struct zec_result res = { .path = "getxattr" };
	const struct attr *a;
	const char *v = NULL;
	char buf[ZEC_SCHEDULE_TEXT_MAX];
	struct zecfs_node n;
	int ret;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_getxattr(req, ino, name, size);
		return;
	}
	/*
	 * security.selinux and system.posix_acl_* are asked for every entry
	 * by ls -l.  They are answered without any lookup, and outside the
	 * user namespace with ENOTSUP: the file system has no labels and no
	 * ACLs, and ls (like getfilecon and file_has_acl users generally)
	 * remembers an ENOTSUP per file system and stops asking, where it
	 * would ask again for every entry after ENODATA.
	 */
	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0) {
		zecfs_reply_err(req, zecfs_errno_of(strncmp(name, "user.", 5) == 0 ?
		                          ZECFS_XATTR_NONE : ZECFS_XATTR_UNSUPPORTED));
		return;
	}
	ret = zecfs_node_get_status(fs, ino, &n, &res);
	if (!ret) {
		a = find_attr(n.id.kind, name);
		if (a && n.id.kind == ZECFS_DISK && strcmp(a->name, "autoSnapshot") == 0)
			v = (ret = zecfs_autosnap_get(fs, &n, buf, sizeof(buf), &res)) ? NULL : buf;
		else if (a && a->access != WO)
			v = value_of(fs, &n, a, buf, sizeof(buf));
		if (!ret && (!v || !*v))
			ret = zecfs_errno_of(ZECFS_XATTR_NONE);
	}
	if (ret)
		zecfs_reply_err(req, ret);
	else
		reply_value(req, v, strlen(v), size);
	zecfs_node_release(&n);
}

/*
 * Whether attribute a of n has a value: what listxattr lists, and what
 * XATTR_CREATE and XATTR_REPLACE test.  The write-only triggers never have
 * one; user.zec.autoSnapshot has one while the disk is on a policy.
 */
static bool has_value(struct zecfs *fs, const struct zecfs_node *n, const struct attr *a,
                      char *buf, size_t size)
{
	const char *v;

	if (a->access == WO)
		return false;
	v = value_of(fs, n, a, buf, size);
	return v && *v;
}

/*
 * A written value's length without its trailing NULs (the terminator some
 * callers send with a C string); a NUL before its end is refused, so no
 * value is cut short at it ("cd\0zz" must not name a disk "cd").
 */
static int value_text(const char *value, size_t size, size_t *len)
{
	while (size && value[size - 1] == '\0')
		size--;
	if (size && memchr(value, '\0', size))
		return zecfs_errno_of(ZECFS_XATTR_VALUE_NUL);
	*len = size;
	return 0;
}

void zecfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct zecfs *fs = fuse_req_userdata(req);
	struct zec_result res = { .path = "listxattr" };
	char list[1024];
	const struct attr *a;
	struct zecfs_node n;
	size_t len = 0;
	char buf[ZEC_SCHEDULE_TEXT_MAX];
	int ret;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_listxattr(req, ino, size);
		return;
	}
	ret = zecfs_node_get_status(fs, ino, &n, &res);
	if (ret) {
		zecfs_reply_err(req, ret);
		goto out;
	}
	for (a = attrs_of(n.id.kind); a && a->name; a++) {
		size_t need = strlen(PREFIX) + strlen(a->name) + 1;

		if (!has_value(fs, &n, a, buf, sizeof(buf)) || len + need > sizeof(list))
			continue;       /* list only what has a value */
		snprintf(list + len, need, "%s%s", PREFIX, a->name);
		len += need;
	}
	reply_value(req, list, len, size);
out:
	zecfs_node_release(&n);
}

static int set_snapshot_retention(struct zecfs *fs, const struct zecfs_node *n,
                                  const struct zec_retention *r,
                                  struct zec_result *res)
{
	struct zecfs_snap_rec was;
	const char *ids[1];
	struct zec_snapshot_modify m = { .snapshot_ids = ids, .n_snapshot_ids = 1 };
	struct zec_snapshot s = { 0 };
	char when[ZEC_TIME_LEN];
	int ret;

	zecfs_snap_record(n->snap, &was);
	ids[0] = was.s.snapshot_id;

	/* the inode is the id the kernel looked the name up as: still so? */
	ret = zecfs_confirm_snapshot(fs, n->disk->d.disk_id, n->snap, res);
	if (ret)
		return ret;
	if (r->kind == ZEC_RETENTION_PERMANENT) {
		m.is_permanent = true;
	} else {
		zec_time_format(zec_retention_resolve(r, (time_t)zec_client_server_now(fs->client)),
		                when);
		m.retention_time = when;
	}
	ret = zec_modify_snapshots_attribute(fs->client, &m, res);
	if (ret) {
		zecfs_cache_forget_snapshots(fs->cache, n->disk->d.disk_id);
		return ret;
	}
	zlog_info("snapshot retention set path=%s snapshot_id=%s retention=%s request_id=%s",
	          ZLOG_ESC(res->path), ZLOG_ESC(ids[0]), m.is_permanent ? "permanent" : when,
	          ZLOG_ESC(res->request_id));
	if (zec_snapshot_copy(&s, &was.s) == 0) {
		free(s.retention_time);
		s.retention_time = m.is_permanent ? NULL : strdup(when);
		if (m.is_permanent || s.retention_time)
			zecfs_cache_snapshot_changed(fs->cache, &s);
		else
			zecfs_cache_forget_snapshots(fs->cache, n->disk->d.disk_id);
	} else {
		zecfs_cache_forget_snapshots(fs->cache, n->disk->d.disk_id);
	}
	/* snapshot.json's new size (queued by the cache) reaches the kernel first */
	zecfs_inval_flush(fs->inval);
	zec_snapshot_clear(&s);
	return 0;
}

int zecfs_disk_name_value(const char *value, size_t size, char **out,
                          struct zec_result *res)
{
	char *name;
	int ret = 0;

	*out = NULL;
	while (size && (value[size - 1] == '\n' || value[size - 1] == '\0'))
		size--;
	if (memchr(value, '\0', size))
		return zec_result_local(res, ZECFS_XATTR_VALUE_NUL, "disk name");
	name = strndup(value, size);
	if (!name)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "disk name");
	/* the SDK's rule, checked before any call */
	switch (zec_disk_name_check(name)) {
	case ZEC_NAME_OK:
		*out = name;
		return 0;
	case ZEC_NAME_TOO_LONG:
		ret = zec_result_local(res, ZECFS_DISK_NAME_TOO_LONG, "disk name");
		break;
	default:
		ret = zec_result_local(res, ZECFS_DISK_NAME_INVALID, "disk name");
		break;
	}
	zlog_warn("disk name refused path=%s value=\"%s\" code=%s reason=\"%s\"",
	          ZLOG_ESC(res->path), ZLOG_ESC(name), res->code,
	          ZLOG_ESC(zec_errno_advice(res->code)));
	free(name);
	return ret;
}

static int set_disk_name(struct zecfs *fs, const struct zecfs_node *n,
                         const char *value, size_t size, struct zec_result *res)
{
	const char *ids[1] = { n->disk->d.disk_id };
	struct zec_disk d = { 0 };
	char *name;
	int ret;

	ret = zecfs_disk_name_value(value, size, &name, res);
	if (ret)
		return ret;
	ret = zec_modify_disks_attributes(fs->client, ids, 1, name, res);
	if (ret)
		goto out;
	zlog_info("disk renamed path=%s disk_id=%s request_id=%s", ZLOG_ESC(res->path),
	          ZLOG_ESC(ids[0]), ZLOG_ESC(res->request_id));
	/* the cache first: a kernel that reads .by-name again at once must
	 * find the new name there */
	if (zec_disk_copy(&d, &n->disk->d) == 0) {
		free(d.disk_name);
		d.disk_name = name;
		name = NULL;
		if (zecfs_cache_disk_changed(fs->cache, &d))
			zecfs_cache_forget_disks(fs->cache);
		zec_disk_clear(&d);
	} else {
		zecfs_cache_forget_disks(fs->cache);
	}
	/* then the kernel's .by-name/<old> entry and .by-name's contents */
	if (n->disk->d.disk_name)
		zecfs_inval_entry(fs->inval, ZECFS_INO_BYNAME, n->disk->d.disk_name);
	zecfs_inval_inode(fs->inval, ZECFS_INO_BYNAME);
	zecfs_inval_flush(fs->inval);
out:
	free(name);
	return ret;
}

static int rollback(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                    size_t size, struct zec_result *res)
{
	struct zecfs_snaplist *sl = NULL;
	const struct zecfs_snap *snap;
	char name[256], snap_id[ZECFS_SNAP_ID_LEN];
	int ret;

	if (!fs->cfg.allow_rollback) {
		zlog_warn("rollback refused path=%s reason=\"rollback is off: mount with -o allow_rollback\"",
		          ZLOG_ESC(res->path));
		return zec_result_local(res, ZECFS_ROLLBACK_DISABLED, res->path);
	}
	while (size && (value[size - 1] == '\n' || value[size - 1] == '\0'))
		size--;
	if (size == 0 || size >= sizeof(name))
		return zec_result_local(res, ZECFS_NOT_FOUND, "snapshot name");
	memcpy(name, value, size);
	name[size] = '\0';
	ret = zecfs_find_confirmed(fs, n->disk->d.disk_id, name, &sl, &snap, res);
	if (ret) {
		if (ret == -ENOENT)
			zlog_warn("rollback refused path=%s snapshot=%s code=%s reason=\"the disk has no snapshot of that name\"",
			          ZLOG_ESC(res->path), ZLOG_ESC(name), ZECFS_NOT_FOUND);
		goto out;
	}
	ret = zec_apply_snapshot(fs->client, zecfs_snap_id(snap, snap_id), n->disk->d.disk_id, res);
	if (ret)
		goto out;
	zlog_info("disk rolled back path=%s disk_id=%s snapshot_id=%s request_id=%s",
	          ZLOG_ESC(res->path), ZLOG_ESC(n->disk->d.disk_id),
	          ZLOG_ESC(snap_id), ZLOG_ESC(res->request_id));
	zecfs_cache_forget_snapshots(fs->cache, n->disk->d.disk_id);
out:
	zecfs_snaplist_put(sl);
	return ret;
}

void zecfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
                    const char *value, size_t size, int flags)
{
	struct zecfs *fs = fuse_req_userdata(req);
	char path[512];
	struct zec_result res = { .path = path };
	char buf[ZEC_SCHEDULE_TEXT_MAX];
	struct zec_retention r;
	const struct attr *a;
	struct zecfs_node n;
	int ret;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_refuse(req, "setxattr", ino, name);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	zecfs_where(&n, NULL, path, sizeof(path));
	if (ret)
		goto out;
	if (zecfs_is_policy(n.id.kind)) {
		ret = refused_attr("setxattr", path, name, ZECFS_READ_ONLY);
		goto out;
	}
	a = find_attr(n.id.kind, name);
	if (!a) {
		ret = refused_attr("setxattr", path, name, ZECFS_XATTR_UNSUPPORTED);
		goto out;
	}
	if (a->access == RO) {
		ret = refused_attr("setxattr", path, name, ZECFS_XATTR_READ_ONLY);
		goto out;
	}
	/* the flags test the value listxattr shows, before any call */
	if ((flags & XATTR_CREATE) && has_value(fs, &n, a, buf, sizeof(buf))) {
		ret = zecfs_errno_of(ZECFS_XATTR_EXISTS);
		goto out;
	}
	if ((flags & XATTR_REPLACE) && !has_value(fs, &n, a, buf, sizeof(buf))) {
		ret = zecfs_errno_of(ZECFS_XATTR_NONE);
		goto out;
	}
	ret = value_text(value, size, &size);
	if (ret)
		goto out;
	if (n.id.kind == ZECFS_DISK) {
		if (strcmp(a->name, "rollback") == 0) {
			ret = rollback(fs, &n, value, size, &res);
		} else if (strcmp(a->name, "autoSnapshot") == 0) {
			ret = zecfs_autosnap_set(fs, &n, value, size, &res);
			/* a malformed schedule, a disk without snapshotAbility */
			if (ret && res.outcome == ZEC_OUTCOME_LOCAL)
				refused_attr("setxattr", path, name, res.code);
		} else {
			ret = set_disk_name(fs, &n, value, size, &res);
		}
		goto out;
	}
	if (strcmp(a->name, "restoreTo") == 0) {
		ret = zecfs_restore(fs, &n, value, size, &res);
		goto out;
	}
	ret = parse_retention(fs, value, size, &r, &res);
	if (ret)
		goto out;
	if (n.id.kind == ZECFS_SNAPDIR) {
		ret = set_default_retention(fs, n.disk->d.disk_id, &r);
		goto out;
	}
	ret = set_snapshot_retention(fs, &n, &r, &res);
out:
	zecfs_reply_err(req, zec_errno_for_setxattr(ret));
	zecfs_node_release(&n);
}

void zecfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct zecfs *fs = fuse_req_userdata(req);
	char path[512];
	struct zec_result res = { .path = path };
	struct zec_retention r = { .kind = ZEC_RETENTION_PERMANENT };
	const struct attr *a;
	struct zecfs_node n;
	int ret;

	if (zecfs_pt_is(ino)) {
		zecfs_pt_refuse(req, "removexattr", ino, name);
		return;
	}
	ret = zecfs_node_get(fs, ino, &n, &res);
	zecfs_where(&n, NULL, path, sizeof(path));
	if (ret)
		goto out;
	a = find_attr(n.id.kind, name);
	if (zecfs_is_policy(n.id.kind))
		ret = refused_attr("removexattr", path, name, ZECFS_READ_ONLY);
	else if (!a)
		ret = zecfs_errno_of(ZECFS_XATTR_NONE);
	else if (strcmp(a->name, "autoSnapshot") == 0)
		ret = zecfs_autosnap_remove(fs, &n, &res);
	else if (strcmp(a->name, "retentionTime") != 0)
		ret = refused_attr("removexattr", path, name, ZECFS_XATTR_READ_ONLY);
	else if (n.id.kind == ZECFS_SNAPDIR)
		ret = set_default_retention(fs, n.disk->d.disk_id, NULL);
	else
		ret = set_snapshot_retention(fs, &n, &r, &res);
out:
	zecfs_reply_err(req, zec_errno_for_setxattr(ret));
	zecfs_node_release(&n);
}

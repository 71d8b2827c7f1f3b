/*
 * autosnap.c - a disk's server-side schedule, as extended attributes.
 *
 *   MNT/<diskId>  user.zec.autoSnapshot          "days=mon,wed,fri hours=2 keep=14"
 *                 (read: the disk's policy; write: put the disk on a policy
 *                 with exactly that schedule, the oldest of the disk's zone
 *                 when one matches, else a new one; a disk on another
 *                 policy is moved: cancel, then apply; remove: cancel.
 *                 Writes read the server's fresh record first and hold
 *                 the zone's policy lock.)
 *   MNT/<diskId>  user.zec.autoSnapshotPolicyId  read-only
 *
 * The schedule is read from the cached policy listing (policies_dir.c: no call
 * within cache_ttl); every change made here drops that listing, so reads
 * see it at once.  Errnos come from the one table; a malformed schedule is
 * EINVAL before any call.
 */
#include "zecfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_errno.h"
#include "zec_log.h"
#include "zec_wait.h"
#include "zec_policy.h"
#include "zec_schedule.h"
#include "zec_time.h"

/* The schedule of a policy, as user.zec.autoSnapshot shows it. */
static struct zec_schedule schedule_of(const struct zec_policy *p)
{
	struct zec_schedule s = { p->week_days, p->hours, p->retention_days };

	return s;
}

int zecfs_autosnap_get(struct zecfs *fs, const struct zecfs_node *n, char *buf,
                       size_t size, struct zec_result *res)
{
	const char *id = n->disk->d.auto_snapshot_policy_id;
	const struct zecfs_policy_entry *pol;
	struct zecfs_policylist *pl = NULL;
	struct zec_schedule s;
	int ret;

	if (!id || !*id)
		return zecfs_errno_of(ZECFS_XATTR_NONE);
	ret = zecfs_policies_get(fs, &pl, res);
	if (ret)
		return ret;
	pol = zecfs_policylist_find_id(pl, id);
	if (!pol && n->dl && pl->h.fetched < n->dl->h.fetched) {
		/* the disk's record is newer than the listing: list again, once */
		zecfs_policylist_put(pl);
		pl = NULL;
		zecfs_cache_slot_forget(fs->cache, fs->policies);
		ret = zecfs_policies_get(fs, &pl, res);
		if (ret)
			return ret;
		pol = zecfs_policylist_find_id(pl, id);
	}
	if (!pol) {
		ret = zecfs_errno_of(ZECFS_XATTR_NONE);   /* the policy is gone */
		goto out;
	}
	s = schedule_of(&pol->p);
	ret = zec_schedule_format(&s, buf, size) ? zecfs_errno_of(ZECFS_XATTR_NONE) : 0;
out:
	zecfs_policylist_put(pl);
	return ret;
}

/* The cached disk record with another policy id (read-your-writes). */
static void disk_on_policy(struct zecfs *fs, const struct zec_disk *d, const char *policy_id)
{
	struct zec_disk copy = { 0 };

	if (zec_disk_copy(&copy, d) == 0) {
		free(copy.auto_snapshot_policy_id);
		copy.auto_snapshot_policy_id = policy_id ? strdup(policy_id) : NULL;
		if (!policy_id || copy.auto_snapshot_policy_id)
			zecfs_cache_disk_changed(fs->cache, &copy);
		else
			zecfs_cache_forget_disks(fs->cache);
	} else {
		zecfs_cache_forget_disks(fs->cache);
	}
	zec_disk_clear(&copy);
}

/* ---- one zone at a time ------------------------------------------------ */

/*
 * "Look the schedule up, else create a policy for it" and "no disk is on
 * this policy, delete it" are both a read then a write on the server: two
 * threads of this daemon doing them in one zone at once would make two
 * policies for one schedule, or delete a policy a disk was just put on.
 * So each holds its zone's lock from the read to the last write.  The
 * lock is held across API calls on purpose (the calls are what it orders);
 * only requests on policies of the same zone wait for it.
 */
struct zecfs_zone_lock {
	char *zone;
	int users;
	pthread_mutex_t mutex;
	struct zecfs_zone_lock *next;
};

static pthread_mutex_t zones_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct zecfs_zone_lock *zones;

struct zecfs_zone_lock *zecfs_zone_lock(const char *zone)
{
	struct zecfs_zone_lock *z;

	if (!zone)
		zone = "";
	pthread_mutex_lock(&zones_mutex);
	for (z = zones; z && strcmp(z->zone, zone) != 0; z = z->next)
		;
	if (!z && (z = calloc(1, sizeof(*z)))) {
		if (!(z->zone = strdup(zone))) {
			free(z);
			z = NULL;
		} else {
			pthread_mutex_init(&z->mutex, NULL);
			z->next = zones;
			zones = z;
		}
	}
	if (z)
		z->users++;
	pthread_mutex_unlock(&zones_mutex);
	if (z) {
		/* its holder may be on the network */
		if (pthread_mutex_trylock(&z->mutex) != 0) {
			zec_before_wait();
			pthread_mutex_lock(&z->mutex);
		}
	}
	return z;
}

void zecfs_zone_unlock(struct zecfs_zone_lock *z)
{
	struct zecfs_zone_lock **pp;

	if (!z)
		return;
	pthread_mutex_unlock(&z->mutex);
	pthread_mutex_lock(&zones_mutex);
	if (--z->users == 0) {
		for (pp = &zones; *pp != z; pp = &(*pp)->next)
			;
		*pp = z->next;
		pthread_mutex_destroy(&z->mutex);
		free(z->zone);
		free(z);
	}
	pthread_mutex_unlock(&zones_mutex);
}

/* ---- the zone's policies, as the server has them now ------------------- */

static int zone_policies(struct zecfs *fs, const char *zone, struct zec_policy_list *l,
                         struct zec_result *res)
{
	const char *zones1[1] = { zone };
	struct zec_policy_filter f = { .zone_ids = zones1, .n_zone_ids = zone ? 1 : 0 };

	zec_policy_list_free(l);
	return zec_describe_auto_snapshot_policies_all(fs->client, &f, l, res);
}

static const struct zec_policy *by_id(const struct zec_policy_list *l, const char *id)
{
	for (size_t i = 0; id && i < l->count; i++) {
		if (l->items[i].policy_id && strcmp(l->items[i].policy_id, id) == 0)
			return &l->items[i];
	}
	return NULL;
}

static bool holds(const struct zec_policy *p, const char *disk_id)
{
	for (size_t i = 0; i < p->disk_ids.count; i++) {
		if (strcmp(p->disk_ids.v[i], disk_id) == 0)
			return true;
	}
	return false;
}

/* The policy whose diskIdSet holds the disk (a disk is on at most one). */
static const struct zec_policy *policy_holding(const struct zec_policy_list *l,
                                               const char *disk_id)
{
	for (size_t i = 0; i < l->count; i++) {
		if (l->items[i].policy_id && holds(&l->items[i], disk_id))
			return &l->items[i];
	}
	return NULL;
}

static bool in_use(const struct zec_policy *p)
{
	return p->disk_num > 0 || p->disk_ids.count > 0;
}

static time_t created_at(const struct zec_policy *p)
{
	time_t t = 0;

	if (!p->create_time || zec_time_parse_api(p->create_time, &t))
		t = 0;
	return t;
}

/*
 * The oldest policy with exactly that schedule.  Every host picks the same
 * one (createTime, then the id), so hosts that each made a policy for the
 * schedule at once all end on the first one made.
 */
static const struct zec_policy *oldest_with(const struct zec_policy_list *l,
                                            const struct zec_schedule *s)
{
	const struct zec_policy *best = NULL;

	for (size_t i = 0; i < l->count; i++) {
		const struct zec_policy *p = &l->items[i];
		struct zec_schedule has = schedule_of(p);

		if (!p->policy_id || has.days != s->days || has.hours != s->hours ||
		    has.keep != s->keep)
			continue;
		if (!best || zecfs_age_cmp(created_at(p), p->policy_id, created_at(best),
		                           best->policy_id) < 0)
			best = p;
	}
	return best;
}

/* A failure after which the server may or may not have acted. */
static bool unclear(const struct zec_result *res)
{
	return res->outcome == ZEC_OUTCOME_TRANSPORT || res->outcome == ZEC_OUTCOME_TIMEOUT ||
	       (res->outcome == ZEC_OUTCOME_BAD_RESPONSE && res->http_status >= 500);
}

static bool code_is(const struct zec_result *res, const char *code)
{
	return res->outcome == ZEC_OUTCOME_API_ERROR && strcmp(res->code, code) == 0;
}

/* Deletes a policy this command made, when the server shows it unused. */
static void drop_made(struct zecfs *fs, const struct zec_policy_list *fresh, const char *id,
                      const char *why)
{
	const struct zec_policy *p = by_id(fresh, id);
	const char *ids[1] = { id };
	struct zec_result del = { .path = "autoSnapshot" };

	if (!p)
		return;                 /* gone already */
	if (in_use(p)) {
		zlog_warn("policy kept, a disk is on it policy_id=%s reason=\"%s\"", ZLOG_ESC(id),
		          why);
		return;
	}
	if (zec_delete_auto_snapshot_policies(fs->client, ids, 1, &del))
		zlog_warn("policy left unused policy_id=%s reason=\"%s\" code=%s", ZLOG_ESC(id),
		          why, ZLOG_ESC(del.code));
	else
		zlog_info("policy deleted, %s policy_id=%s request_id=%s", why, ZLOG_ESC(id),
		          ZLOG_ESC(del.request_id));
}

/*
 * A policy of the zone for that schedule: the oldest that has it, else a
 * new one.  Another host may have made one for the same schedule at the
 * same time (no lock covers hosts): after a create the zone is listed
 * again, and when an older policy has the schedule the new one is deleted
 * while still unused and the older one is taken.  *made: the id of a
 * policy this call created and kept (NULL otherwise).
 */
static int policy_for(struct zecfs *fs, const struct zec_disk *d, const struct zec_schedule *s,
                      struct zec_policy_list *l, char **policy_id, char **made,
                      struct zec_result *res)
{
	const struct zec_policy *has = oldest_with(l, s);
	struct zec_policy_spec spec = { 0 };
	struct zec_result again = { .path = res->path };
	char *id = NULL;
	char name[64];
	int ret;

	*policy_id = NULL;
	*made = NULL;
	if (has) {
		*policy_id = strdup(has->policy_id);
		return *policy_id ? 0 : zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
	}
	/* our choice of name (docs/design.md): the schedule, readably */
	if (zec_schedule_policy_name(s, name, sizeof(name)))
		snprintf(name, sizeof(name), "zecfs-schedule");
	spec.zone_id = d->zone_id;
	spec.policy_name = name;
	spec.week_days = s->days;
	spec.hours = s->hours;
	spec.retention_days = s->keep;
	ret = zec_create_auto_snapshot_policy(fs->client, &spec, &id, res);
	if (ret)
		return ret;
	zlog_info("policy created policy_id=%s name=%s zone_id=%s request_id=%s",
	          ZLOG_ESC(id), ZLOG_ESC(name), ZLOG_ESC(d->zone_id), ZLOG_ESC(res->request_id));
	if (zone_policies(fs, d->zone_id, l, &again) == 0 && (has = oldest_with(l, s)) &&
	    strcmp(has->policy_id, id) != 0) {
		zlog_info("policy for the schedule made twice, the older kept policy_id=%s "
		          "made=%s zone_id=%s", ZLOG_ESC(has->policy_id), ZLOG_ESC(id),
		          ZLOG_ESC(d->zone_id));
		*policy_id = strdup(has->policy_id);
		drop_made(fs, l, id, "an older policy has its schedule");
		free(id);
		return *policy_id ? 0 : zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
	}
	*policy_id = id;
	*made = strdup(id);
	return *made ? 0 : zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
}

/* ---- a disk onto a schedule -------------------------------------------- */

/* How often a move starts again when another client changed what it read. */
#define MOVE_ROUNDS 4

struct move {
	const struct zec_disk *d;
	char *before;           /* the policy the disk was on when the command began */
	char *target;           /* the policy of the last apply */
	char *made[MOVE_ROUNDS];  /* policies this command created */
	int n_made;
	bool known;             /* before was read from the server */
	bool touched;           /* a cancel or an apply was sent */
};

static void move_free(struct move *m)
{
	free(m->before);
	free(m->target);
	for (int i = 0; i < m->n_made; i++)
		free(m->made[i]);
}

/*
 * A change that failed, or whose outcome is unknown (an answer lost after
 * the server acted): the server's fresh record decides what happened, and
 * only that is undone.  The disk on the target after all: the command
 * succeeded.  The disk on no policy though it had one before: put back on
 * it.  A policy this command made and left unused: deleted.  Without a
 * fresh record nothing is undone (a policy that may hold the disk is never
 * deleted blindly).  Returns the command's result.
 */
static int settle_fresh(struct zecfs *fs, struct move *m, int ret, struct zec_result *res)
{
	const char *disk_ids[1] = { m->d->disk_id };
	struct zec_result check = { .path = res->path };
	struct zec_policy_list l = { 0 };
	const struct zec_policy *now;

	if (zone_policies(fs, m->d->zone_id, &l, &check)) {
		zlog_warn("disk's schedule unknown after a failed change path=%s disk_id=%s "
		          "policy_id=%s code=%s check_code=%s", ZLOG_ESC(res->path),
		          ZLOG_ESC(m->d->disk_id), ZLOG_ESC(m->target), ZLOG_ESC(res->code),
		          ZLOG_ESC(check.code));
		return ret;
	}
	now = policy_holding(&l, m->d->disk_id);
	if (now && m->target && strcmp(now->policy_id, m->target) == 0) {
		zlog_warn("api change confirmed after its answer was lost action=%s path=%s "
		          "disk_id=%s policy_id=%s code=%s", ZLOG_ESC(res->action),
		          ZLOG_ESC(res->path), ZLOG_ESC(m->d->disk_id), ZLOG_ESC(m->target),
		          ZLOG_ESC(res->code));
		ret = 0;
	} else if (!now && m->known && m->before) {
		struct zec_result undo = { .path = res->path };

		if (zec_apply_auto_snapshot_policy(fs->client, m->before, disk_ids, 1, &undo))
			zlog_error("disk left on no schedule after a failed move path=%s disk_id=%s "
			           "policy_id=%s code=%s", ZLOG_ESC(res->path),
			           ZLOG_ESC(m->d->disk_id), ZLOG_ESC(m->before), ZLOG_ESC(undo.code));
		else
			zlog_info("disk put back on its schedule after a failed move path=%s "
			          "disk_id=%s policy_id=%s request_id=%s", ZLOG_ESC(res->path),
			          ZLOG_ESC(m->d->disk_id), ZLOG_ESC(m->before),
			          ZLOG_ESC(undo.request_id));
	}
	for (int i = 0; i < m->n_made; i++) {
		if (!now || strcmp(now->policy_id, m->made[i]) != 0)
			drop_made(fs, &l, m->made[i], "its apply was refused");
	}
	zec_policy_list_free(&l);
	return ret;
}

static int settle(struct zecfs *fs, struct move *m, int ret, struct zec_result *res)
{
	/* after the deadline, usually: one more of its own (docs/reliability.md) */
	uint64_t saved = zec_client_confirm_begin(fs->client);

	ret = settle_fresh(fs, m, ret, res);
	zec_client_confirm_end(fs->client, saved);
	return ret;
}

/*
 * Puts the disk on the schedule: the disk's policy and the zone's
 * policies are read fresh from the server (the cache is a hint, never the
 * authority for a move); a policy found gone, or the disk found on a policy
 * another client put it on, starts the move again from a fresh read.
 */
static int move_disk(struct zecfs *fs, struct move *m, const struct zec_schedule *s,
                     struct zec_result *res)
{
	const char *disk_ids[1] = { m->d->disk_id };
	struct zec_policy_list l = { 0 };
	const struct zec_policy *cur;
	char *made;
	int ret;

	for (int round = 0;; round++) {
		ret = zone_policies(fs, m->d->zone_id, &l, res);
		if (ret)
			goto fail;
		cur = policy_holding(&l, m->d->disk_id);
		if (round == 0) {
			m->before = cur ? strdup(cur->policy_id) : NULL;
			if (cur && !m->before) {
				ret = zecfs_errno_of(ZECFS_OUT_OF_MEMORY);
				goto out;
			}
			m->known = true;
		}
		free(m->target);
		ret = policy_for(fs, m->d, s, &l, &m->target, &made, res);
		if (made)
			m->made[m->n_made++] = made;
		if (ret)
			goto fail;      /* a create whose outcome is unknown is left */
		/* the create's second listing is fresher */
		cur = policy_holding(&l, m->d->disk_id);
		if (cur && strcmp(cur->policy_id, m->target) == 0)
			goto out;       /* already on exactly that schedule */
		m->touched = true;
		if (cur) {
			ret = zec_cancel_auto_snapshot_policy(fs->client, cur->policy_id, disk_ids,
			                                      1, res);
			/* a policy deleted meanwhile holds the disk no more */
			if (ret && code_is(res, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND"))
				ret = 0;
			/* an answer lost: the next round reads what happened */
			if (ret && unclear(res) && round + 1 < MOVE_ROUNDS)
				continue;
			if (ret)
				goto fail;
		}
		ret = zec_apply_auto_snapshot_policy(fs->client, m->target, disk_ids, 1, res);
		if (!ret)
			goto out;
		if (round + 1 >= MOVE_ROUNDS || m->n_made >= MOVE_ROUNDS ||
		    !(code_is(res, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND") ||
		      code_is(res, "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST")))
			goto fail;
		/* the policy went, or another client moved the disk: read again */
		zlog_info("schedule changed under a move, reading it again path=%s disk_id=%s "
		          "policy_id=%s code=%s request_id=%s", ZLOG_ESC(res->path),
		          ZLOG_ESC(m->d->disk_id), ZLOG_ESC(m->target), ZLOG_ESC(res->code),
		          ZLOG_ESC(res->request_id));
	}
fail:
	if (m->touched)
		ret = settle(fs, m, ret, res);
out:
	zec_policy_list_free(&l);
	return ret;
}

int zecfs_autosnap_set(struct zecfs *fs, const struct zecfs_node *n, const char *value,
                       size_t size, struct zec_result *res)
{
	const struct zec_disk *d = &n->disk->d;
	struct move m = { .d = d };
	struct zecfs_zone_lock *zl;
	struct zec_schedule s;
	int ret;

	if (zec_schedule_parse(value, size, &s))
		return zec_result_local(res, ZECFS_SCHEDULE_INVALID, "autoSnapshot");
	if (!d->snapshot_ability)
		return zec_result_local(res, ZECFS_NO_SNAPSHOT_ABILITY, "autoSnapshot");
	zl = zecfs_zone_lock(d->zone_id);
	if (!zl)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "autoSnapshot");
	ret = move_disk(fs, &m, &s, res);
	zecfs_zone_unlock(zl);
	if (!ret && m.target && (!m.before || strcmp(m.before, m.target) != 0))
		zlog_info("disk put on a schedule path=%s disk_id=%s policy_id=%s request_id=%s",
		          ZLOG_ESC(res->path), ZLOG_ESC(d->disk_id), ZLOG_ESC(m.target),
		          ZLOG_ESC(res->request_id));
	if (!ret)
		disk_on_policy(fs, d, m.target);
	else
		zecfs_cache_forget_disks(fs->cache);
	/* policies changed (or may have: a failure's outcome can be unknown) */
	zecfs_policies_changed(fs, m.before ? m.before : d->auto_snapshot_policy_id, m.target,
	                       d->disk_id);
	move_free(&m);
	return ret;
}

int zecfs_autosnap_remove(struct zecfs *fs, const struct zecfs_node *n, struct zec_result *res)
{
	const struct zec_disk *d = &n->disk->d;
	const char *disk_ids[1] = { d->disk_id };
	struct zec_policy_list l = { 0 };
	const struct zec_policy *cur;
	struct zecfs_zone_lock *zl;
	char *was = NULL;
	int ret;

	if (!d->auto_snapshot_policy_id || !*d->auto_snapshot_policy_id)
		return zecfs_errno_of(ZECFS_XATTR_NONE);
	zl = zecfs_zone_lock(d->zone_id);
	if (!zl)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "autoSnapshot");
	/* the policy the server has the disk on, not the one the cache names */
	ret = zone_policies(fs, d->zone_id, &l, res);
	if (ret)
		goto out;
	cur = policy_holding(&l, d->disk_id);
	if (!cur) {
		ret = zecfs_errno_of(ZECFS_XATTR_NONE);   /* off its schedule already */
		goto out;
	}
	if (!(was = strdup(cur->policy_id))) {
		ret = zec_result_local(res, ZECFS_OUT_OF_MEMORY, "autoSnapshot");
		goto out;
	}
	ret = zec_cancel_auto_snapshot_policy(fs->client, was, disk_ids, 1, res);
	if (ret && code_is(res, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND"))
		ret = 0;                /* deleted meanwhile: the disk is off it */
out:
	zecfs_zone_unlock(zl);
	zecfs_policies_changed(fs, was ? was : d->auto_snapshot_policy_id, NULL, d->disk_id);
	if (!ret) {
		zlog_info("disk taken off its schedule path=%s disk_id=%s request_id=%s",
		          ZLOG_ESC(res->path), ZLOG_ESC(d->disk_id), ZLOG_ESC(res->request_id));
		disk_on_policy(fs, d, NULL);
	} else {
		zecfs_cache_forget_disks(fs->cache);
	}
	zec_policy_list_free(&l);
	free(was);
	return ret;
}

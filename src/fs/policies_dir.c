/*
 * policies_dir.c - the auto-snapshot policy listing: MNT/.policies and the
 * schedule behind a disk's user.zec.autoSnapshot.
 *
 *   MNT/.policies/<name>/policy.json   the DescribeAutoSnapshotPolicies record
 *   MNT/.policies/<name>/<diskId>      -> ../../<diskId>, one per diskIdSet entry
 *
 * The listing is one slot of the cache (cache.c): fetched with
 * ceil(P/100) DescribeAutoSnapshotPolicies calls when older than cache_ttl,
 * one fetch at a time, served stale while the API is unreachable.  A name
 * several policies share stays with the oldest; the others are shown as
 * name@policyId (zecfs_shown_name, as in snapshots/).  zecfs's own changes
 * (user.zec.autoSnapshot, rmdir here) reach the listing at once.
 */
#include "zecfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_policy.h"
#include "zec_time.h"

bool zecfs_is_policy(enum zecfs_kind kind)
{
	return kind == ZECFS_POLICIES_DIR || kind == ZECFS_POLICY ||
	       kind == ZECFS_POLICY_JSON || kind == ZECFS_POLICY_LINK;
}

/* ---- the list -------------------------------------------------------- */

static void policylist_destroy(void *p)
{
	struct zecfs_policylist *l = p;

	for (size_t i = 0; i < l->n; i++) {
		zec_policy_clear(&l->v[i].p);
		free(l->v[i].alias);
	}
	free(l->v);
	free(l);
}

void zecfs_policylist_put(struct zecfs_policylist *l)
{
	if (l)
		zecfs_list_put(&l->h);
}

/* By name, then oldest first: the order zecfs_shown_name needs. */
static int group_cmp(const void *pa, const void *pb)
{
	const struct zecfs_policy_entry *a = pa, *b = pb;
	int r = strcmp(a->p.policy_name, b->p.policy_name);

	return r ? r : zecfs_age_cmp(a->ctime, a->p.policy_id, b->ctime, b->p.policy_id);
}

/* By shown name; entries that are not shown (NULL) last. */
static int name_cmp(const void *pa, const void *pb)
{
	const struct zecfs_policy_entry *a = pa, *b = pb;

	if (!a->name || !b->name)
		return !a->name - !b->name;
	return strcmp(a->name, b->name);
}

/* Gives every entry its directory name (v sorted by group_cmp). */
static int name_entries(struct zecfs_policy_entry *v, size_t n)
{
	const char *prev = NULL;

	for (size_t i = 0; i < n; i++) {
		char both[400];
		const char *shown;

		if (!zecfs_name_ok(v[i].p.policy_name, 255))
			continue;               /* unshown: name stays NULL */
		shown = zecfs_shown_name(v[i].p.policy_name, prev, v[i].p.policy_id,
		                         both, sizeof(both));
		prev = v[i].p.policy_name;
		if (shown == v[i].p.policy_name) {
			v[i].name = shown;
			continue;
		}
		if (!shown || !(v[i].alias = strdup(shown)))
			return -ENOMEM;
		v[i].name = v[i].alias;
	}
	return 0;
}

/*
 * Builds a list from policies it takes ownership of (the array too).  A
 * policy without a usable id is left out; one whose name cannot be a path
 * component is kept (its schedule is still asked for) but not shown.
 */
static int policylist_build(struct zec_policy *items, size_t n, double fetched,
                            struct zecfs_policylist **out)
{
	struct zecfs_policylist *l = calloc(1, sizeof(*l));
	size_t k = 0;
	int ret = -ENOMEM;

	if (!l || (n && !(l->v = calloc(n, sizeof(*l->v)))))
		goto fail;
	l->h.refs = 1;
	l->h.fetched = fetched;
	l->h.destroy = policylist_destroy;
	for (size_t i = 0; i < n; i++) {
		struct zecfs_policy_entry *e = &l->v[k];

		if (!zecfs_name_ok(items[i].policy_id, ZECFS_ID_MAX) || !items[i].policy_name) {
			if (!l->h.unshown++)
				l->h.first_unshown = "policy";
			zec_policy_clear(&items[i]);
			continue;
		}
		e->p = items[i];
		memset(&items[i], 0, sizeof(items[i]));
		if (!e->p.create_time || zec_time_parse_api(e->p.create_time, &e->ctime))
			e->ctime = 0;
		k++;
	}
	l->n = k;
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), group_cmp);
	ret = name_entries(l->v, l->n);
	if (ret)
		goto fail;
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), name_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].name) {
			if (!l->h.unshown++)
				l->h.first_unshown = "policy";
			continue;
		}
		l->h.digest = zecfs_list_digest(l->h.digest, l->v[i].name, l->v[i].p.policy_id);
		if (l->v[i].ctime > l->h.newest)
			l->h.newest = l->v[i].ctime;
	}
	free(items);
	*out = l;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		zec_policy_clear(&items[i]);
	free(items);
	if (l)
		policylist_destroy(l);
	return ret;
}

const struct zecfs_policy_entry *zecfs_policylist_find(const struct zecfs_policylist *l,
                                                   const char *name)
{
	struct zecfs_policy_entry key = { .name = name };

	if (!l || !l->n || !name)
		return NULL;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), name_cmp);
}

const struct zecfs_policy_entry *zecfs_policylist_find_id(const struct zecfs_policylist *l,
                                                      const char *policy_id)
{
	for (size_t i = 0; l && policy_id && i < l->n; i++) {
		if (strcmp(l->v[i].p.policy_id, policy_id) == 0)
			return &l->v[i];
	}
	return NULL;
}

/* ---- the cache slot -------------------------------------------------- */

/*
 * Names a fresh listing no longer has (or gives another policy): the
 * kernel's entries for them are dropped at once, as for disks and snapshots.
 */
static void report_gone(struct zecfs *fs, const struct zecfs_policylist *old,
                        const struct zecfs_policylist *fresh)
{
	if (!old || old->h.digest == fresh->h.digest)
		return;
	for (size_t i = 0; i < old->n && old->v[i].name; i++) {
		const struct zecfs_policy_entry *now = zecfs_policylist_find(fresh, old->v[i].name);

		if (!now || strcmp(now->p.policy_id, old->v[i].p.policy_id) != 0)
			zecfs_inval_entry(fs->inval, ZECFS_INO_POLICIES, old->v[i].name);
	}
}

static int fetch_policies(void *arg, struct zecfs_list_head **out, struct zec_result *res)
{
	struct zecfs *fs = arg;
	struct zec_policy_filter f = { 0 };
	struct zec_policy_list got = { 0 };
	struct zecfs_policylist *l = NULL, *old;
	const char **known = NULL;
	double started = zec_clock_now();
	int ret;

	/* the policies shown now, for the walk to confirm what it lacks */
	old = zecfs_policies_cached(fs);
	if (old && old->n && (known = calloc(old->n, sizeof(*known)))) {
		for (size_t i = 0; i < old->n; i++)
			known[f.n_known++] = old->v[i].p.policy_id;
		f.known = known;
	}
	ret = zec_describe_auto_snapshot_policies_all(fs->client, &f, &got, res);
	free(known);
	zecfs_policylist_put(old);
	if (ret)
		return ret;
	ret = policylist_build(got.items, got.count, started, &l);
	if (ret)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, "building the policy list");
	old = zecfs_policies_cached(fs);
	report_gone(fs, old, l);
	zecfs_policylist_put(old);
	*out = &l->h;
	return 0;
}

int zecfs_policies_init(struct zecfs *fs)
{
	return zecfs_cache_slot_new(fs->cache, "policies", fetch_policies, fs, &fs->policies);
}

int zecfs_policies_get(struct zecfs *fs, struct zecfs_policylist **out,
                       struct zec_result *res)
{
	return zecfs_policies_get_use(fs, &ZECFS_BY_TTL, out, res);
}

int zecfs_policies_get_use(struct zecfs *fs, const struct zecfs_use_by *by,
                           struct zecfs_policylist **out, struct zec_result *res)
{
	struct zecfs_list_head *h = NULL;
	int ret = zecfs_cache_slot_get_use(fs->cache, fs->policies, by, &h, res);

	if (!ret)
		*out = (struct zecfs_policylist *)h;
	return ret;
}

struct zecfs_policylist *zecfs_policies_cached(struct zecfs *fs)
{
	return (struct zecfs_policylist *)zecfs_cache_slot_cached(fs->cache, fs->policies);
}

void zecfs_policies_changed(struct zecfs *fs, const char *old_id, const char *new_id,
                            const char *disk_id)
{
	uint64_t was = old_id ? zecfs_inode_peek(fs->inodes, ZECFS_POLICY, NULL, old_id) : 0;
	uint64_t now = new_id ? zecfs_inode_peek(fs->inodes, ZECFS_POLICY, NULL, new_id) : 0;

	zecfs_cache_slot_forget(fs->cache, fs->policies);
	/* .policies may have a new policy; the two policies' links changed */
	zecfs_inval_inode(fs->inval, ZECFS_INO_POLICIES);
	if (was) {
		zecfs_inval_entry(fs->inval, was, disk_id);
		zecfs_inval_inode(fs->inval, was);
	}
	if (now)
		zecfs_inval_inode(fs->inval, now);
	zecfs_inval_flush(fs->inval);
}

/* ---- rmdir ----------------------------------------------------------- */

/* The list without the policy policy_id (read-your-writes after a delete). */
static int list_without(const struct zecfs_policylist *old, const char *policy_id,
                        struct zecfs_policylist **out)
{
	struct zec_policy *items = calloc(old->n ? old->n : 1, sizeof(*items));
	size_t k = 0;

	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < old->n; i++) {
		if (strcmp(old->v[i].p.policy_id, policy_id) == 0)
			continue;
		if (zec_policy_copy(&items[k], &old->v[i].p)) {
			while (k)
				zec_policy_clear(&items[--k]);
			free(items);
			return -ENOMEM;
		}
		k++;
	}
	return policylist_build(items, k, old->h.fetched, out);
}

static void forget_policy(struct zecfs *fs, const char *policy_id)
{
	struct zecfs_policylist *old, *fresh;

	for (;;) {
		old = zecfs_policies_cached(fs);
		if (!old)
			return;
		if (list_without(old, policy_id, &fresh)) {
			zecfs_policylist_put(old);
			zecfs_cache_slot_forget(fs->cache, fs->policies);
			return;
		}
		if (zecfs_cache_slot_replace(fs->cache, fs->policies, &old->h, &fresh->h) == 0) {
			zecfs_policylist_put(old);
			return;
		}
		zecfs_policylist_put(old);    /* another change came first: again */
	}
}

/*
 * The policy's record as the server has it now: the cached one may predate
 * a disk put on it (and DeleteAutoSnapshotPolicies takes the disks off a
 * policy without a word), or a rename that gave its name to another
 * policy.  0 with *disks; -ENOENT when it is gone; -ESTALE
 * (ZECFS_NAME_MOVED) when it no longer has the listed name.
 */
static int disks_on(struct zecfs *fs, const struct zecfs_policy_entry *pol, long long *disks,
                    struct zec_result *res)
{
	const char *ids[1] = { pol->p.policy_id };
	struct zec_policy_filter f = { .policy_ids = ids, .n_policy_ids = 1 };
	struct zec_policy_list l = { 0 };
	const struct zec_policy *now;
	int ret;

	ret = zec_describe_auto_snapshot_policies(fs->client, &f, 1, 1, &l, res);
	if (ret)
		return ret;
	now = l.count == 1 ? &l.items[0] : NULL;
	if (!now || !now->policy_id || strcmp(now->policy_id, ids[0]) != 0) {
		ret = zec_result_local(res, ZECFS_NOT_FOUND, "policy");
		goto out;
	}
	if (!now->policy_name || !pol->p.policy_name ||
	    strcmp(now->policy_name, pol->p.policy_name) != 0) {
		zlog_warn("name moved on the server, listing again path=%s policy_id=%s listed_name=%s server_name=%s request_id=%s",
		          ZLOG_ESC(res->path), ZLOG_ESC(ids[0]), ZLOG_ESC(pol->p.policy_name),
		          ZLOG_ESC(now->policy_name), ZLOG_ESC(res->request_id));
		ret = zec_result_local(res, ZECFS_NAME_MOVED, "policy");
		goto out;
	}
	*disks = now->disk_num > (long long)now->disk_ids.count ?
	         now->disk_num : (long long)now->disk_ids.count;
out:
	zec_policy_list_free(&l);
	return ret;
}

/* The zone's disks and the policy each is on, as the server has them now. */
static int zone_disks(struct zecfs *fs, const char *zone, struct zec_disk_list *l,
                      struct zec_result *res)
{
	struct zec_disk_filter f = { .zone_id = zone, .snapshot_ability = -1 };

	zec_disk_list_free(l);
	return zec_describe_disks_all(fs->client, &f, l, res);
}

static const char *policy_of(const struct zec_disk_list *l, const char *disk_id)
{
	for (size_t i = 0; i < l->count; i++) {
		if (l->items[i].disk_id && strcmp(l->items[i].disk_id, disk_id) == 0)
			return l->items[i].auto_snapshot_policy_id;
	}
	return NULL;
}

/*
 * After the delete: another host may have put a disk on the policy between
 * the in-use check and the delete (no lock covers hosts), and the delete
 * took it off without a word.  A disk that was on a policy just before the
 * check and is on none now may have been moved onto it; a disk that still
 * names the policy was certainly on it.  Either is logged loudly: nothing
 * can tell which schedule that disk should have now (docs/reliability.md).
 */
static int recheck_deleted(struct zecfs *fs, const char *path, const char *policy_id,
                            const char *zone, const struct zec_disk_list *before)
{
	struct zec_result res = { .path = path };
	struct zec_disk_list after = { 0 };
	int lost = 0;

	if (zone_disks(fs, zone, &after, &res)) {
		zlog_warn("policy deleted, its disks not checked again path=%s policy_id=%s code=%s",
		          ZLOG_ESC(path), ZLOG_ESC(policy_id), ZLOG_ESC(res.code));
		return 0;
	}
	for (size_t i = 0; i < after.count; i++) {
		const struct zec_disk *d = &after.items[i];
		const char *was = d->disk_id ? policy_of(before, d->disk_id) : NULL;
		const char *now = d->auto_snapshot_policy_id;

		if (now && *now && strcmp(now, policy_id) == 0) {
			zlog_error("disk on a deleted policy path=%s policy_id=%s disk_id=%s "
			           "reason=\"put on it by another client during the delete: "
			           "set its user.zec.autoSnapshot again\"", ZLOG_ESC(path),
			           ZLOG_ESC(policy_id), ZLOG_ESC(d->disk_id));
			lost++;
		} else if (was && *was && (!now || !*now)) {
			zlog_error("disk may have lost its schedule path=%s policy_id=%s disk_id=%s "
			           "was_on=%s reason=\"it left its policy while this one was "
			           "deleted: check its user.zec.autoSnapshot\"", ZLOG_ESC(path),
			           ZLOG_ESC(policy_id), ZLOG_ESC(d->disk_id), ZLOG_ESC(was));
			lost++;
		}
	}
	zec_disk_list_free(&after);
	return lost;
}

/*
 * Deletes the policy c names, once the server confirmed it is that one
 * (disks_on) and unused.  Within this daemon the zone's policy lock keeps
 * a setfattr from putting a disk on the policy between the check and the
 * delete; across hosts the delete is checked afterwards (recheck_deleted).
 */
static int delete_confirmed(struct zecfs *fs, const struct zecfs_node *c, const char *path,
                            struct zec_result *res)
{
	const char *ids[1] = { c->pol->p.policy_id };
	const char *zone = c->pol->p.zone_id;
	struct zec_disk_list before = { 0 };
	struct zecfs_zone_lock *zl;
	long long disks = 0;
	int ret;

	zl = zecfs_zone_lock(zone);
	if (!zl)
		return zec_result_local(res, ZECFS_OUT_OF_MEMORY, path);
	ret = zone_disks(fs, zone, &before, res);
	if (!ret)
		ret = disks_on(fs, c->pol, &disks, res);
	if (ret == -ENOENT || ret == -ESTALE) {
		/* gone: drop it; renamed: its name may be another policy's now */
		if (ret == -ENOENT)
			forget_policy(fs, ids[0]);
		else
			zecfs_cache_slot_forget(fs->cache, fs->policies);
		zecfs_inval_entry(fs->inval, ZECFS_INO_POLICIES, c->pol->name);
		zecfs_inval_inode(fs->inval, ZECFS_INO_POLICIES);
		goto out;
	}
	if (ret)
		goto out;
	if (disks > 0) {
		zlog_warn("rmdir refused path=%s policy_id=%s disks=%lld reason=\"disks are on the policy\"",
		          ZLOG_ESC(path), ZLOG_ESC(ids[0]), disks);
		if (disks != (long long)c->pol->p.disk_ids.count)
			zecfs_cache_slot_forget(fs->cache, fs->policies);
		ret = zec_result_local(res, ZECFS_POLICY_IN_USE, path);
		goto out;
	}
	ret = zec_delete_auto_snapshot_policies(fs->client, ids, 1, res);
	if (ret && ret != -ENOENT) {
		zecfs_cache_slot_forget(fs->cache, fs->policies);
		goto out;
	}
	if (!ret) {
		zlog_info("policy deleted path=%s policy_id=%s request_id=%s",
		          ZLOG_ESC(path), ZLOG_ESC(ids[0]), ZLOG_ESC(res->request_id));
		if (recheck_deleted(fs, path, ids[0], zone, &before))
			zecfs_cache_forget_disks(fs->cache);   /* their policy changed */
	}
	forget_policy(fs, ids[0]);
	zecfs_inval_entry(fs->inval, ZECFS_INO_POLICIES, c->pol->name);
	zecfs_inval_inode(fs->inval, ZECFS_INO_POLICIES);
out:
	zecfs_zone_unlock(zl);
	zec_disk_list_free(&before);
	return ret;
}

int zecfs_policy_rmdir(struct zecfs *fs, const struct zecfs_node *parent, const char *name,
                       struct zecfs_node *c, const char *path, struct zec_result *res)
{
	int ret = 0;

	/* a name that moved is looked up again in the fresh listing */
	for (int round = 0; round < 3; round++) {
		if (round) {
			zecfs_node_release(c);
			ret = zecfs_node_child(fs, parent, name, c, res);
			if (ret)
				return ret;
		}
		ret = delete_confirmed(fs, c, path, res);
		if (ret != -ESTALE)
			break;
	}
	return ret;
}

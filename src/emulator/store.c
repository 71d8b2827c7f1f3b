/*
 * store.c - disks, snapshots, the business clock and pending transitions.
 *
 * Transitions are evaluated lazily: every request calls store_tick_locked()
 * first, which finishes whatever is due at the current business time
 * (CREATING -> AVAILABLE, DELETING -> gone, ROLLING_BACK -> former status,
 * retention expiry -> gone).  No background thread is needed.  It keeps
 * lower bounds of the next due times, so a request that finds nothing due
 * costs O(1); the pending transitions sit in a list of their own, and only
 * a retention expiry walks every snapshot.
 *
 * The snapshot trees are snaptree.c's; seeds, the state document and the
 * state file are store_io.c's.
 */
#include "store.h"
#include "autosnap.h"
#include "policies.h"
#include "snaptree.h"
#include "store_int.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_clock.h"
#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

#define ID_BASE 880000000000000000ULL

const char *rec_str(const cJSON *rec, const char *key)
{
	const char *v = NULL;

	if (zj_string(rec, key, &v))
		return NULL;
	return v;
}

/* Sets rec[key] to v (taking it), replacing any value there. */
bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int rec_set(cJSON *rec, const char *key, cJSON *v)
{
	if (!v)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		cJSON_ReplaceItemInObjectCaseSensitive(rec, key, v);
	else
		cJSON_AddItemToObject(rec, key, v);
	return 0;
}

int rec_set_str(cJSON *rec, const char *key, const char *value)
{
	return rec_set(rec, key, cJSON_CreateString(value));
}

int rec_set_bool(cJSON *rec, const char *key, bool value)
{
	return rec_set(rec, key, cJSON_CreateBool(value));
}

bool rec_bool(const cJSON *rec, const char *key, bool dflt)
{
	bool b;

	if (zj_bool(rec, key, &b))
		return dflt;
	return b;
}

long long store_now_ms_locked(const struct store *s)
{
	return zec_clock_wall_ms() + s->clock_offset_ms;
}

time_t store_now_locked(const struct store *s)
{
	long long ms = store_now_ms_locked(s);

	return (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
}

void store_touch_locked(struct store *s)
{
	s->gen++;
}

int store_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Frees every node of the global tree and what it owns. */
static void t_free_all(struct emu_snap *t)
{
	while (t) {
		struct emu_snap *r = t->all.r;

		t_free_all(t->all.l);
		cJSON_Delete(t->rec);
		free(t->prev_status);
		free(t);
		t = r;
	}
}

/* ---- content ---------------------------------------------------------- */

void store_content_init(struct store_content *c)
{
	memset(c, 0, sizeof(*c));
	c->pend_next_ms = c->ret_next_ms = c->disk_next_ms = LLONG_MAX;
}

void store_content_free(struct store_content *c)
{
	t_free_all(c->snaps);
	while (c->groups) {
		struct snap_group *g = c->groups;
		c->groups = g->next;
		free(g->disk_id);
		free(g);
	}
	for (size_t i = 0; i < c->ndisks; i++) {
		cJSON_Delete(c->disks[i].rec);
		free(c->disks[i].prev_status);
	}
	free(c->disks);
	strmap_free(&c->disk_index);
	strmap_free(&c->snap_index);
	strmap_free(&c->group_index);
	cJSON_Delete(c->policies);      /* policies.c */
	cJSON_Delete(c->instances);     /* lifecycle.c */
	cJSON_Delete(c->zones);
	store_content_init(c);
}

int store_init(struct store *s, const struct emu_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	store_content_init(&s->c);
	s->rng = 2463534242U;
	s->next_id = ID_BASE + (unsigned long long)(zec_clock_wall_ms() / 1000 % 10000000) * 10000ULL;
	if (pthread_mutex_init(&s->lock, NULL))
		return -ENOMEM;
	if (pthread_mutex_init(&s->persist_lock, NULL)) {
		pthread_mutex_destroy(&s->lock);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&s->img_lock, NULL)) {
		pthread_mutex_destroy(&s->persist_lock);
		pthread_mutex_destroy(&s->lock);
		return -ENOMEM;
	}
	s->img_tail = &s->img_head;
	return 0;
}

static void img_op_free(struct img_op *op)
{
	free(op->disk_id);
	free(op->snap_id);
	free(op);
}

void store_destroy(struct store *s)
{
	store_content_free(&s->c);
	for (size_t i = 0; i < STORE_LIST_CACHE; i++) {
		free(s->lists[i].key);
		free(s->lists[i].items);
	}
	free(s->initial_seed);
	s->initial_seed = NULL;
	while (s->img_head) {
		struct img_op *op = s->img_head;
		s->img_head = op->next;
		img_op_free(op);
	}
	s->img_tail = &s->img_head;
	pthread_mutex_destroy(&s->img_lock);
	pthread_mutex_destroy(&s->persist_lock);
	pthread_mutex_destroy(&s->lock);
}

long store_find_disk_locked(const struct store *s, const char *disk_id)
{
	uintptr_t v = (uintptr_t)strmap_get(&s->c.disk_index, disk_id);

	return v ? (long)(v - 1) : -1;
}

struct emu_snap *store_find_snap_locked(const struct store *s, const char *snap_id)
{
	return strmap_get(&s->c.snap_index, snap_id);
}

struct snap_group *store_find_group_locked(const struct store *s, const char *disk_id)
{
	return strmap_get(&s->c.group_index, disk_id);
}

size_t store_snap_count_locked(const struct store *s, const struct snap_group *g)
{
	return g ? snaptree_size(g->root, SNAPTREE_GRP) : s->c.nsnaps;
}

size_t store_snap_page_locked(const struct store *s, const struct snap_group *g,
                              size_t first, size_t count, struct emu_snap **out)
{
	if (g)
		return snaptree_page(g->root, SNAPTREE_GRP, first, count, out);
	return snaptree_page(s->c.snaps, SNAPTREE_ALL, first, count, out);
}

void store_snap_walk_locked(const struct store *s, const struct snap_group *g,
                            bool (*fn)(struct emu_snap *sn, void *arg), void *arg)
{
	if (g)
		snaptree_walk(g->root, SNAPTREE_GRP, fn, arg);
	else
		snaptree_walk(s->c.snaps, SNAPTREE_ALL, fn, arg);
}

int store_snap_union_page_locked(const struct store *s, struct snap_group *const *gs,
                                 size_t ng, size_t first, size_t count,
                                 struct emu_snap **out, size_t *nout)
{
	return snaptree_union_page(s->c.snaps, s->c.nsnaps, gs, ng, first, count,
	                           out, nout);
}

static bool is_deleting(const char *status)
{
	return strcmp(status, "DELETING") == 0;
}

/* Refreshes the fields cached from sn->rec. */
static void snap_sync(struct emu_snap *sn)
{
	const char *v;
	time_t t;

	v = rec_str(sn->rec, "snapshotId");
	sn->id = v ? v : "";
	v = rec_str(sn->rec, "createTime");
	sn->create_time = v ? v : "";
	v = rec_str(sn->rec, "status");
	sn->status = v ? v : "";
	v = rec_str(sn->rec, "retentionTime");
	sn->retention_ms = v && zec_time_parse(v, &t) == 0 ? (long long)t * 1000 : LLONG_MAX;
}

static void note_retention(struct store *s, const struct emu_snap *sn)
{
	if (!is_deleting(sn->status) && sn->retention_ms < s->c.ret_next_ms)
		s->c.ret_next_ms = sn->retention_ms;
}

static void pend_unlink(struct store *s, struct emu_snap *sn)
{
	if (!sn->pend_prev && s->c.pending != sn)
		return;
	if (sn->pend_prev)
		sn->pend_prev->pend_next = sn->pend_next;
	else
		s->c.pending = sn->pend_next;
	if (sn->pend_next)
		sn->pend_next->pend_prev = sn->pend_prev;
	sn->pend_prev = sn->pend_next = NULL;
}

/* Makes sn pending until due_ms (> 0), or not pending (0). */
static void snap_set_due(struct store *s, struct emu_snap *sn, long long due_ms)
{
	sn->due_ms = due_ms;
	if (!due_ms) {
		pend_unlink(s, sn);
		return;
	}
	if (!sn->pend_prev && s->c.pending != sn) {
		sn->pend_next = s->c.pending;
		if (s->c.pending)
			s->c.pending->pend_prev = sn;
		s->c.pending = sn;
	}
	if (due_ms < s->c.pend_next_ms)
		s->c.pend_next_ms = due_ms;
}

static struct snap_group *group_get(struct store *s, const char *disk_id)
{
	struct snap_group *g = store_find_group_locked(s, disk_id);

	if (g)
		return g;
	g = calloc(1, sizeof(*g));
	if (!g || !(g->disk_id = strdup(disk_id))) {
		free(g);
		return NULL;
	}
	if (strmap_put(&s->c.group_index, disk_id, g)) {
		free(g->disk_id);
		free(g);
		return NULL;
	}
	g->next = s->c.groups;
	s->c.groups = g;
	return g;
}

static unsigned next_prio(struct store *s)
{
	unsigned x = s->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rng = x;
	return x;
}

/*
 * Adds a snapshot for rec (taken over only on success) pending until due_ms:
 * into the trees, or with bulk only into bulk (build_trees() in store_io.c).
 */
int store_put_snap(struct store *s, cJSON *rec, long long due_ms,
                   struct snap_vec *bulk, struct emu_snap **out)
{
	struct emu_snap *sn = calloc(1, sizeof(*sn));
	const char *disk_id = rec_str(rec, "diskId");

	if (!sn)
		return -ENOMEM;
	sn->rec = rec;
	snap_sync(sn);
	sn->group = group_get(s, disk_id ? disk_id : "");
	if (!sn->group || strmap_put(&s->c.snap_index, sn->id, sn)) {
		free(sn);
		return -ENOMEM;
	}
	if (bulk && store_grow((void **)&bulk->v, &bulk->cap, bulk->n, sizeof(*bulk->v))) {
		strmap_del(&s->c.snap_index, sn->id);
		free(sn);
		return -ENOMEM;
	}
	sn->prio = next_prio(s);
	if (bulk) {
		bulk->v[bulk->n++] = sn;
	} else {
		s->c.snaps = snaptree_insert(s->c.snaps, sn, SNAPTREE_ALL);
		sn->group->root = snaptree_insert(sn->group->root, sn, SNAPTREE_GRP);
	}
	s->c.nsnaps++;
	if (is_deleting(sn->status))
		sn->group->ndeleting++;
	if (due_ms)
		snap_set_due(s, sn, due_ms);
	note_retention(s, sn);
	if (out)
		*out = sn;
	return 0;
}

static unsigned long long new_id(struct store *s)
{
	/* monotonic, so creation order and id order agree; gaps look real */
	s->next_id += 1 + (s->next_id * 2654435761ULL >> 11) % 89;
	return s->next_id;
}

/* The resourceGroup object a snapshot of disk rec carries. */
cJSON *store_resource_group_of(const cJSON *disk)
{
	cJSON *rg = cJSON_CreateObject();
	const char *id = disk ? rec_str(disk, "resourceGroupId") : NULL;
	const char *name = disk ? rec_str(disk, "resourceGroupName") : NULL;

	if (!rg)
		return NULL;
	if (zj_add_string(rg, "resourceGroupId", id ? id : "") ||
	    zj_add_string(rg, "resourceGroupName", name ? name : "")) {
		cJSON_Delete(rg);
		return NULL;
	}
	return rg;
}

int store_create_snap_locked(struct store *s, size_t d, const char *name,
                             const char *retention, struct emu_snap **out)
{
	const cJSON *disk = s->c.disks[d].rec;
	char id[32], when[ZEC_TIME_LEN];
	cJSON *rec = cJSON_CreateObject(), *rg;
	const char *zone = rec_str(disk, "zoneId");
	int ret = -ENOMEM;

	if (!rec)
		return -ENOMEM;
	snprintf(id, sizeof(id), "%llu", new_id(s));
	zec_time_format(store_now_locked(s), when);
	if (zj_add_string(rec, "snapshotId", id) ||
	    zj_add_string(rec, "snapshotName", name) ||
	    zj_add_string(rec, "zoneId", zone ? zone : "") ||
	    zj_add_string(rec, "status", "CREATING") ||
	    zj_add_string(rec, "snapshotType", "Manual") ||
	    zj_add_string(rec, "retentionTime", retention) ||
	    zj_add_string(rec, "diskId", rec_str(disk, "diskId")) ||
	    zj_add_string(rec, "createTime", when) ||
	    !cJSON_AddBoolToObject(rec, "diskAbility", 0))
		goto fail;
	rg = store_resource_group_of(disk);
	if (!rg)
		goto fail;
	cJSON_AddItemToObject(rec, "resourceGroup", rg);
	ret = store_put_snap(s, rec, store_now_ms_locked(s) + s->cfg->create_delay_ms, NULL, out);
	if (ret)
		goto fail;
	store_touch_locked(s);
	return 0;
fail:
	cJSON_Delete(rec);
	return ret;
}

int store_img_queue_locked(struct store *s, enum img_kind kind, const char *disk_id,
                           const char *snap_id, long long size_gib)
{
	struct img_op *op;

	if (!s->cfg->disk_data)
		return 0;
	op = calloc(1, sizeof(*op));
	if (!op || (disk_id && !(op->disk_id = strdup(disk_id))) ||
	    (snap_id && !(op->snap_id = strdup(snap_id)))) {
		if (op)
			img_op_free(op);
		zlog_error("image work lost kind=%d diskId=%s snapshotId=%s error=\"out of memory\"",
		           (int)kind, ZLOG_ESC(disk_id), ZLOG_ESC(snap_id));
		return -ENOMEM;
	}
	op->kind = kind;
	op->size_gib = size_gib;
	*s->img_tail = op;
	s->img_tail = &op->next;
	return 0;
}

void store_remove_disk_locked(struct store *s, size_t d)
{
	struct store_content *c = &s->c;
	const char *id = rec_str(c->disks[d].rec, "diskId");

	store_img_queue_locked(s, IMG_DETACH, id, NULL, 0);
	store_img_queue_locked(s, IMG_REMOVE_DISK, id, NULL, 0);
	strmap_del(&c->disk_index, id);
	cJSON_Delete(c->disks[d].rec);
	free(c->disks[d].prev_status);
	memmove(&c->disks[d], &c->disks[d + 1], (c->ndisks - d - 1) * sizeof(c->disks[0]));
	c->ndisks--;
	/* the disks after it moved down one place: their index entries follow */
	for (size_t i = d; i < c->ndisks; i++)
		strmap_replace(&c->disk_index, rec_str(c->disks[i].rec, "diskId"),
		               (void *)(uintptr_t)(i + 1));
	store_touch_locked(s);
}

void store_remove_snap_locked(struct store *s, struct emu_snap *sn)
{
	store_img_queue_locked(s, IMG_REMOVE_SNAP, NULL, sn->id, 0);
	s->c.snaps = snaptree_erase(s->c.snaps, sn, SNAPTREE_ALL);
	sn->group->root = snaptree_erase(sn->group->root, sn, SNAPTREE_GRP);
	s->c.nsnaps--;
	if (is_deleting(sn->status))
		sn->group->ndeleting--;
	pend_unlink(s, sn);
	strmap_del(&s->c.snap_index, sn->id);
	cJSON_Delete(sn->rec);
	free(sn->prev_status);
	free(sn);
	store_touch_locked(s);
}

int store_snap_set_status_locked(struct store *s, struct emu_snap *sn,
                                 const char *status, long long due_ms)
{
	bool was = is_deleting(sn->status);
	int ret = rec_set_str(sn->rec, "status", status);

	if (ret)
		return ret;
	snap_sync(sn);
	if (was != is_deleting(sn->status)) {
		if (was)
			sn->group->ndeleting--;
		else
			sn->group->ndeleting++;
	}
	snap_set_due(s, sn, due_ms);
	note_retention(s, sn);
	store_touch_locked(s);
	return 0;
}

int store_snap_set_retention_locked(struct store *s, struct emu_snap *sn,
                                    const char *retention)
{
	int ret = 0;

	if (retention)
		ret = rec_set_str(sn->rec, "retentionTime", retention);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(sn->rec, "retentionTime");
	snap_sync(sn);
	note_retention(s, sn);
	store_touch_locked(s);
	return ret;
}

void store_disk_due_locked(struct store *s, size_t d, long long due_ms)
{
	s->c.disks[d].due_ms = due_ms;
	if (due_ms && due_ms < s->c.disk_next_ms)
		s->c.disk_next_ms = due_ms;
}

/* ---- transitions ------------------------------------------------------ */

/* Ends the transitions that are due; recomputes c.pend_next_ms. */
static bool tick_pending(struct store *s, long long now)
{
	struct emu_snap *sn, *next;
	long long earliest = LLONG_MAX;
	bool changed = false;

	for (sn = s->c.pending; sn; sn = next) {
		next = sn->pend_next;
		if (sn->due_ms > now) {
			if (sn->due_ms < earliest)
				earliest = sn->due_ms;
			continue;
		}
		changed = true;
		if (is_deleting(sn->status)) {
			store_remove_snap_locked(s, sn);
			continue;
		}
		/* a snapshot can make disks only once it is made (diskAbility) */
		if (strcmp(sn->status, "CREATING") == 0)
			rec_set_bool(sn->rec, "diskAbility", true);
		store_snap_set_status_locked(s, sn,
		                             strcmp(sn->status, "ROLLING_BACK") == 0 &&
		                             sn->prev_status ? sn->prev_status : "AVAILABLE", 0);
		free(sn->prev_status);
		sn->prev_status = NULL;
	}
	s->c.pend_next_ms = earliest;
	return changed;
}

struct expiry_scan {
	long long now, earliest;
	struct emu_snap **due;
	size_t n, cap;
	bool nomem;
};

static bool expiry_visit(struct emu_snap *sn, void *arg)
{
	struct expiry_scan *x = arg;

	if (is_deleting(sn->status) || sn->retention_ms == LLONG_MAX)
		return true;
	if (sn->retention_ms > x->now) {
		if (sn->retention_ms < x->earliest)
			x->earliest = sn->retention_ms;
		return true;
	}
	if (x->n == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 64;
		struct emu_snap **p = realloc(x->due, ncap * sizeof(*p));
		if (!p) {
			x->nomem = true;
			return false;
		}
		x->due = p;
		x->cap = ncap;
	}
	x->due[x->n++] = sn;
	return true;
}

/* Deletes the snapshots whose retentionTime has passed; one walk over all
 * snapshots, only when the earliest retention time has come. */
static bool tick_retention(struct store *s, long long now)
{
	struct expiry_scan x = { .now = now, .earliest = LLONG_MAX };

	store_snap_walk_locked(s, NULL, expiry_visit, &x);
	if (x.nomem) {
		free(x.due);
		return false;           /* the bound stays: tried again next time */
	}
	for (size_t i = 0; i < x.n; i++) {
		const char *rt = rec_str(x.due[i]->rec, "retentionTime");

		zlog_info("snapshot expired snapshotId=%s retentionTime=%s",
		          x.due[i]->id, rt ? rt : "-");
		store_remove_snap_locked(s, x.due[i]);
	}
	free(x.due);
	s->c.ret_next_ms = x.earliest;
	return x.n > 0;
}

static bool tick_disks(struct store *s, long long now)
{
	long long earliest = LLONG_MAX;
	bool changed = false;

	for (size_t i = 0; i < s->c.ndisks; i++) {
		struct emu_disk *d = &s->c.disks[i];

		if (!d->due_ms)
			continue;
		if (d->due_ms > now) {
			if (d->due_ms < earliest)
				earliest = d->due_ms;
			continue;
		}
		rec_set_str(d->rec, "diskStatus", d->prev_status ? d->prev_status : "IN_USE");
		/* AVAILABLE is "attached to no instance" (a detach ends here) */
		if (strcmp(rec_str(d->rec, "diskStatus"), "AVAILABLE") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(d->rec, "instanceId");
			cJSON_DeleteItemFromObjectCaseSensitive(d->rec, "instanceName");
		}
		free(d->prev_status);
		d->prev_status = NULL;
		d->due_ms = 0;
		changed = true;
	}
	s->c.disk_next_ms = earliest;
	return changed;
}

bool store_tick_locked(struct store *s)
{
	long long now = store_now_ms_locked(s);
	/* retention is compared with business-now in whole seconds */
	long long now_s_ms = (now >= 0 ? now / 1000 : (now - 999) / 1000) * 1000;
	bool changed = false;

	if (autosnap_tick_locked(s, now))         /* autosnap.c */
		changed = true;
	if (now >= s->c.pend_next_ms && tick_pending(s, now))
		changed = true;
	if (now_s_ms >= s->c.ret_next_ms && tick_retention(s, now_s_ms))
		changed = true;
	if (now >= s->c.disk_next_ms && tick_disks(s, now))
		changed = true;
	if (changed)
		store_touch_locked(s);
	return changed;
}

/* The name of resource group rg_id, as a disk of it names it (else its id). */
const char *store_rg_name_locked(const struct store *s, const char *rg_id)
{
	if (strcmp(rg_id, "default") == 0)
		return "Default Resource Group";
	for (size_t i = 0; i < s->c.ndisks; i++) {
		const cJSON *d = s->c.disks[i].rec;
		if (str_eq(rec_str(d, "resourceGroupId"), rg_id) && rec_str(d, "resourceGroupName"))
			return rec_str(d, "resourceGroupName");
	}
	return rg_id;
}

unsigned long long store_new_id_locked(struct store *s)
{
	return new_id(s);
}

int store_put_disk(struct store *s, cJSON *rec, char *after, long long due_ms,
                   size_t *out)
{
	struct store_content *c = &s->c;
	int ret;

	ret = store_grow((void **)&c->disks, &c->cap_disks, c->ndisks, sizeof(*c->disks));
	if (!ret)
		ret = strmap_put(&c->disk_index, rec_str(rec, "diskId"),
		                 (void *)(uintptr_t)(c->ndisks + 1));
	if (ret) {
		free(after);
		return ret;
	}
	memset(&c->disks[c->ndisks], 0, sizeof(c->disks[0]));
	c->disks[c->ndisks].rec = rec;
	c->disks[c->ndisks].prev_status = after;
	if (due_ms)
		store_disk_due_locked(s, c->ndisks, due_ms);
	if (out)
		*out = c->ndisks;
	c->ndisks++;
	return 0;
}

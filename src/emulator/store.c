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
 * The snapshot trees are snaptree.c's.
 */
#include "store.h"
#include "lifecycle.h"
#include "snaptree.h"
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
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

static void content_init(struct store_content *c)
{
	memset(c, 0, sizeof(*c));
	c->pend_next_ms = c->ret_next_ms = c->disk_next_ms = LLONG_MAX;
}

static void free_content(struct store_content *c)
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
	cJSON_Delete(c->policies);      /* policy.c */
	cJSON_Delete(c->instances);     /* lifecycle.c */
	cJSON_Delete(c->zones);
	content_init(c);
}

int store_init(struct store *s, const struct emu_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	content_init(&s->c);
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
	free_content(&s->c);
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

/* Snapshots a load adds before it builds the trees at once. */
struct snap_vec {
	struct emu_snap **v;
	size_t n, cap;
};

/*
 * Adds a snapshot for rec (taken over only on success) pending until due_ms:
 * into the trees, or with bulk only into bulk (see build_trees()).
 */
static int add_snap(struct store *s, cJSON *rec, long long due_ms,
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
	if (bulk && grow((void **)&bulk->v, &bulk->cap, bulk->n, sizeof(*bulk->v))) {
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

static void note_id(struct store *s, const char *id)
{
	char *end;
	unsigned long long v;

	if (!id || !*id)
		return;
	errno = 0;
	v = strtoull(id, &end, 10);
	if (!errno && !*end && v > s->next_id)
		s->next_id = v;
}

static unsigned long long new_id(struct store *s)
{
	/* monotonic, so creation order and id order agree; gaps look real */
	s->next_id += 1 + (s->next_id * 2654435761ULL >> 11) % 89;
	return s->next_id;
}

/* The resourceGroup object a snapshot of disk rec carries. */
static cJSON *resource_group_of(const cJSON *disk)
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
	rg = resource_group_of(disk);
	if (!rg)
		goto fail;
	cJSON_AddItemToObject(rec, "resourceGroup", rg);
	ret = add_snap(s, rec, store_now_ms_locked(s) + s->cfg->create_delay_ms, NULL, out);
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

static int cmp_snap_ptrs(const void *a, const void *b)
{
	return store_snap_cmp(*(struct emu_snap *const *)a, *(struct emu_snap *const *)b);
}

/*
 * Puts the snapshots of a load into the trees: sorted (seeds and state files
 * usually are already), then each tree built in O(n) instead of n inserts.
 * Takes b->v.
 */
static void build_trees(struct store *s, struct snap_vec *b)
{
	struct emu_snap **seg = NULL, **stack = NULL;
	struct snap_group *g;
	size_t at = 0;

	for (size_t i = 1; i < b->n; i++) {
		if (store_snap_cmp(b->v[i - 1], b->v[i]) > 0) {
			qsort(b->v, b->n, sizeof(*b->v), cmp_snap_ptrs);
			break;
		}
	}
	seg = malloc((b->n + 1) * sizeof(*seg));
	stack = malloc((b->n + 1) * sizeof(*stack));
	if (!seg || !stack) {
		/* no memory to spare: one insert at a time */
		for (size_t i = 0; i < b->n; i++) {
			g = b->v[i]->group;
			s->c.snaps = snaptree_insert(s->c.snaps, b->v[i], SNAPTREE_ALL);
			g->root = snaptree_insert(g->root, b->v[i], SNAPTREE_GRP);
		}
		goto out;
	}
	s->c.snaps = snaptree_build(b->v, b->n, SNAPTREE_ALL, stack);
	/* each group's snapshots, still in order, side by side in seg */
	for (size_t i = 0; i < b->n; i++)
		b->v[i]->group->load_n++;
	for (g = s->c.groups; g; g = g->next) {
		g->load_off = at;
		at += g->load_n;
		g->load_n = 0;
	}
	for (size_t i = 0; i < b->n; i++) {
		g = b->v[i]->group;
		seg[g->load_off + g->load_n++] = b->v[i];
	}
	for (g = s->c.groups; g; g = g->next) {
		g->root = snaptree_build(seg + g->load_off, g->load_n, SNAPTREE_GRP, stack);
		g->load_n = 0;
	}
out:
	free(seg);
	free(stack);
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* Frees the snapshots of a failed load that are not in the trees yet. */
static void free_bulk(struct store *s, struct snap_vec *b)
{
	for (size_t i = 0; i < b->n; i++) {
		strmap_del(&s->c.snap_index, b->v[i]->id);
		cJSON_Delete(b->v[i]->rec);
		free(b->v[i]->prev_status);
		free(b->v[i]);
	}
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
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

	if (policy_tick_locked(s, now))         /* policy.c: the schedule */
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

/* Adds key with a default when the seed left it out. */
static int dflt_str(cJSON *rec, const char *key, const char *value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		return 0;
	return zj_add_string(rec, key, value);
}

static int dflt_bool(cJSON *rec, const char *key, bool value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		return 0;
	return cJSON_AddBoolToObject(rec, key, value) ? 0 : -ENOMEM;
}

static int dflt_num(cJSON *rec, const char *key, double value)
{
	if (cJSON_GetObjectItemCaseSensitive(rec, key))
		return 0;
	return cJSON_AddNumberToObject(rec, key, value) ? 0 : -ENOMEM;
}

/*
 * A disk's tags in the official shape {"tags":[{"key","value"}]}
 * (zenlayercloud-sdk-go zec20250901/models.go: DiskInfo.Tags *Tags); a bare
 * array (the emulator's old shape) is wrapped, absent tags become empty.
 */
int store_disk_norm_tags(cJSON *d)
{
	cJSON *tags = cJSON_GetObjectItemCaseSensitive(d, "tags"), *obj;

	if (tags && cJSON_IsObject(tags))
		return 0;
	obj = cJSON_CreateObject();
	if (!obj)
		return -ENOMEM;
	if (tags && cJSON_IsArray(tags)) {
		cJSON_DetachItemViaPointer(d, tags);
		cJSON_AddItemToObject(obj, "tags", tags);
	} else if (!cJSON_AddArrayToObject(obj, "tags")) {
		cJSON_Delete(obj);
		return -ENOMEM;
	}
	if (tags)
		cJSON_DeleteItemFromObjectCaseSensitive(d, "tags");
	cJSON_AddItemToObject(d, "tags", obj);
	return 0;
}

/* tags: an array of {"key","value"} objects, or an object holding one. */
static int check_tags(const cJSON *rec, char *err, size_t err_size)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rec, "tags"), *it;

	if (!tags || cJSON_IsNull(tags))
		return 0;
	if (cJSON_IsObject(tags))
		tags = cJSON_GetObjectItemCaseSensitive(tags, "tags");
	if (tags && !cJSON_IsArray(tags))
		goto bad;
	cJSON_ArrayForEach(it, tags) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "key");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");

		if (!cJSON_IsObject(it) || !cJSON_IsString(k) ||
		    (v && !cJSON_IsString(v) && !cJSON_IsNull(v)))
			goto bad;
	}
	return 0;
bad:
	snprintf(err, err_size, "tags must be {\"tags\":[{\"key\",\"value\"}]} "
	         "or [{\"key\",\"value\"}]");
	return -EINVAL;
}

static int disk_defaults(cJSON *d, const char *now)
{
	const char *id = rec_str(d, "diskId");
	const char *type;
	char name[64];

	snprintf(name, sizeof(name), "disk-%s", id + (strlen(id) > 6 ? strlen(id) - 6 : 0));
	if (dflt_str(d, "diskName", name) || dflt_str(d, "regionId", "asia-east-1") ||
	    dflt_str(d, "zoneId", "asia-east-1a") || dflt_str(d, "diskType", "DATA"))
		return -ENOMEM;
	type = rec_str(d, "diskType");
	if (dflt_bool(d, "portable", !type || strcmp(type, "SYSTEM") != 0) ||
	    dflt_str(d, "diskCategory", "Standard NVMe SSD") ||
	    dflt_num(d, "diskSize", 100) || dflt_str(d, "diskStatus", "IN_USE") ||
	    dflt_str(d, "createTime", now) ||
	    dflt_str(d, "resourceGroupId", "default") ||
	    dflt_str(d, "resourceGroupName", "Default Resource Group") ||
	    dflt_bool(d, "snapshotAbility", true) || dflt_bool(d, "burstingEnabled", false))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(d, "serial")) {
		/* 20 characters, as virtio-blk keeps; the id's end tells disks apart */
		size_t n = strlen(id);
		char serial[64];

		snprintf(serial, sizeof(serial), "zec%s", id + (n > 17 ? n - 17 : 0));
		if (zj_add_string(d, "serial", serial))
			return -ENOMEM;
	}
	return store_disk_norm_tags(d);
}

static int snap_defaults(struct store *s, cJSON *sn, const char *now)
{
	const char *disk_id = rec_str(sn, "diskId");
	long d = store_find_disk_locked(s, disk_id);
	const cJSON *disk = d >= 0 ? s->c.disks[d].rec : NULL;
	const char *zone = disk ? rec_str(disk, "zoneId") : NULL;
	char buf[32];

	if (!cJSON_GetObjectItemCaseSensitive(sn, "snapshotId")) {
		snprintf(buf, sizeof(buf), "%llu", new_id(s));
		if (zj_add_string(sn, "snapshotId", buf))
			return -ENOMEM;
	}
	if (!cJSON_GetObjectItemCaseSensitive(sn, "snapshotName")) {
		snprintf(buf, sizeof(buf), "snap-%s", rec_str(sn, "snapshotId"));
		if (zj_add_string(sn, "snapshotName", buf))
			return -ENOMEM;
	}
	if (dflt_str(sn, "zoneId", zone ? zone : "asia-east-1a") ||
	    dflt_str(sn, "status", "AVAILABLE") || dflt_str(sn, "snapshotType", "Manual") ||
	    dflt_str(sn, "createTime", now))
		return -ENOMEM;
	if (dflt_bool(sn, "diskAbility", disk != NULL &&
	                                 strcmp(rec_str(sn, "status"), "CREATING") != 0))
		return -ENOMEM;
	if (!cJSON_GetObjectItemCaseSensitive(sn, "resourceGroup")) {
		cJSON *rg = resource_group_of(disk);
		if (!rg)
			return -ENOMEM;
		cJSON_AddItemToObject(sn, "resourceGroup", rg);
	}
	return 0;
}

static const char *const disk_strings[] = {
	"diskId", "diskName", "regionId", "zoneId", "diskType", "diskCategory",
	"diskStatus", "instanceId", "instanceName", "resourceGroupId",
	"resourceGroupName", "serial", "autoSnapshotPolicyId", NULL,
};
static const char *const disk_bools[] = {
	"portable", "snapshotAbility", "burstingEnabled", NULL,
};
static const char *const snap_strings[] = {
	"snapshotId", "snapshotName", "zoneId", "status", "snapshotType", "diskId", NULL,
};
static const char *const times[] = {
	"createTime", "retentionTime", "expiredTime", NULL,
};

static int check_fields(const cJSON *rec, const char *const *strs,
                        const char *const *bools, char *err, size_t err_size)
{
	const cJSON *v;
	time_t t;

	for (size_t i = 0; strs[i]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, strs[i]);
		if (v && (!cJSON_IsString(v) || !*v->valuestring)) {
			snprintf(err, err_size, "%s must be a non-empty string", strs[i]);
			return -EINVAL;
		}
	}
	for (size_t i = 0; bools && bools[i]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, bools[i]);
		if (v && !cJSON_IsBool(v)) {
			snprintf(err, err_size, "%s must be a boolean", bools[i]);
			return -EINVAL;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(rec, "period");
	if (v && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	                             v->valuedouble != (double)v->valueint)) {
		snprintf(err, err_size, "period must be a whole number of months");
		return -EINVAL;
	}
	for (size_t i = 0; times[i]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, times[i]);
		if (v && (!cJSON_IsString(v) || zec_time_parse(v->valuestring, &t))) {
			snprintf(err, err_size, "%s must be yyyy-MM-ddTHH:mm:ssZ", times[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int store_check_disk_fields(const cJSON *fields, char *err, size_t err_size)
{
	if (!cJSON_IsObject(fields)) {
		snprintf(err, err_size, "a disk must be a JSON object");
		return -EINVAL;
	}
	return check_fields(fields, disk_strings, disk_bools, err, err_size) ||
	       check_tags(fields, err, err_size) ? -EINVAL : 0;
}

/* -EINVAL naming the problem in err: the seed is rejected as a whole. */
static int check_record(const cJSON *rec, const char *what, const char *id_key,
                        size_t i, char *err, size_t err_size)
{
	char why[160];
	const char *id;
	int ret;

	if (!cJSON_IsObject(rec)) {
		snprintf(err, err_size, "%s[%zu] is not an object", what, i);
		return -EINVAL;
	}
	if (zj_string(rec, id_key, &id) || !*id) {
		snprintf(err, err_size, "%s[%zu].%s must be a non-empty string",
		         what, i, id_key);
		return -EINVAL;
	}
	ret = strcmp(what, "disks") == 0
	      ? (check_fields(rec, disk_strings, disk_bools, why, sizeof(why)) ||
	         check_tags(rec, why, sizeof(why)) ? -EINVAL : 0)
	      : check_fields(rec, snap_strings, NULL, why, sizeof(why));
	if (ret)
		snprintf(err, err_size, "%s[%zu]: %s", what, i, why);
	return ret;
}

static long long pending_delay(const struct store *s, const char *status)
{
	if (!status)
		return 0;
	if (strcmp(status, "CREATING") == 0)
		return s->cfg->create_delay_ms;
	if (strcmp(status, "DELETING") == 0)
		return s->cfg->delete_delay_ms;
	if (strcmp(status, "ROLLING_BACK") == 0)
		return s->cfg->rollback_delay_ms;
	return 0;
}

/* The next record of a seed array: moved out of it (owned), or a copy. */
static cJSON *take(cJSON *array, cJSON *it, bool owned)
{
	return owned ? cJSON_DetachItemViaPointer(array, it) : cJSON_Duplicate(it, 1);
}

/* Both loads: the new content is built aside, then swapped in. */
static int load(struct store *s, cJSON *seed, bool owned, char *err, size_t err_size)
{
	struct store_content old = s->c;
	long long old_offset = s->clock_offset_ms;
	unsigned long long old_next = s->next_id;
	struct snap_vec bulk = { NULL, 0, 0 };
	cJSON *disks, *snaps, *it, *next;
	long long offset = 0;
	char now[ZEC_TIME_LEN];
	size_t i = 0;
	int ret = 0;

	if (!cJSON_IsObject(seed)) {
		snprintf(err, err_size, "seed must be a JSON object");
		return -EINVAL;
	}
	disks = cJSON_GetObjectItemCaseSensitive(seed, "disks");
	snaps = cJSON_GetObjectItemCaseSensitive(seed, "snapshots");
	if ((disks && !cJSON_IsArray(disks)) || (snaps && !cJSON_IsArray(snaps))) {
		snprintf(err, err_size, "seed: disks and snapshots must be arrays");
		return -EINVAL;
	}
	if (zj_int(seed, "clockOffsetMs", &offset) == -EINVAL) {
		snprintf(err, err_size, "seed: clockOffsetMs must be an integer");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, disks) {
		ret = check_record(it, "disks", "diskId", i++, err, err_size);
		if (ret)
			return ret;
	}
	i = 0;
	cJSON_ArrayForEach(it, snaps) {
		ret = check_record(it, "snapshots", "diskId", i++, err, err_size);
		if (ret)
			return ret;
	}

	/* build the new content aside, then swap it in */
	content_init(&s->c);
	s->clock_offset_ms = offset;
	zec_time_format(store_now_locked(s), now);
	for (it = disks ? disks->child : NULL; it; it = next) {
		struct store_content *c = &s->c;
		cJSON *d;
		const char *st;
		long long delay;

		next = it->next;
		d = take(disks, it, owned);
		ret = d ? grow((void **)&c->disks, &c->cap_disks, c->ndisks,
		               sizeof(*c->disks)) : -ENOMEM;
		if (!ret && store_find_disk_locked(s, rec_str(d, "diskId")) >= 0) {
			snprintf(err, err_size, "duplicate diskId %s", rec_str(d, "diskId"));
			ret = -EINVAL;
		}
		if (!ret)
			ret = disk_defaults(d, now);
		if (!ret)
			ret = strmap_put(&c->disk_index, rec_str(d, "diskId"),
			                 (void *)(uintptr_t)(c->ndisks + 1));
		if (ret) {
			cJSON_Delete(d);
			goto fail;
		}
		memset(&c->disks[c->ndisks], 0, sizeof(c->disks[0]));
		c->disks[c->ndisks].rec = d;
		st = rec_str(d, "diskStatus");
		if (st && strcmp(st, "ROLLING_BACK") == 0) {
			delay = pending_delay(s, st);
			c->disks[c->ndisks].prev_status =
				strdup(rec_str(d, "instanceId") ? "IN_USE" : "AVAILABLE");
			store_disk_due_locked(s, c->ndisks, store_now_ms_locked(s) + delay);
		}
		c->ndisks++;
	}
	ret = policy_load_locked(s, seed, err, err_size);      /* policy.c */
	if (!ret)
		ret = lifecycle_load_locked(s, seed, err, err_size);   /* lifecycle.c */
	if (ret)
		goto fail;
	cJSON_ArrayForEach(it, snaps) {
		note_id(s, rec_str(it, "snapshotId"));
	}
	for (it = snaps ? snaps->child : NULL; it; it = next) {
		cJSON *sn;
		const char *id, *st;

		next = it->next;
		sn = take(snaps, it, owned);
		if (!sn) {
			ret = -ENOMEM;
			goto fail;
		}
		id = rec_str(sn, "snapshotId");
		if (id && store_find_snap_locked(s, id)) {
			snprintf(err, err_size, "duplicate snapshotId %s", id);
			cJSON_Delete(sn);
			ret = -EINVAL;
			goto fail;
		}
		ret = snap_defaults(s, sn, now);
		if (!ret) {
			st = rec_str(sn, "status");
			ret = add_snap(s, sn, pending_delay(s, st) ?
			               store_now_ms_locked(s) + pending_delay(s, st) : 0,
			               &bulk, NULL);
		}
		if (ret) {
			cJSON_Delete(sn);
			goto fail;
		}
	}
	build_trees(s, &bulk);
	free_content(&old);
	store_touch_locked(s);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	free_bulk(s, &bulk);
	free_content(&s->c);
	s->c = old;
	s->clock_offset_ms = old_offset;
	s->next_id = old_next;
	return ret;
}

int store_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size)
{
	/* copies: seed is only read (take() never detaches here) */
	return load(s, (cJSON *)(uintptr_t)seed, false, err, err_size);
}

int store_load_owned_locked(struct store *s, cJSON *seed, char *err, size_t err_size)
{
	return load(s, seed, true, err, err_size);
}

struct state_walk {
	cJSON *arr;
	bool nomem;
};

static bool state_visit(struct emu_snap *sn, void *arg)
{
	struct state_walk *w = arg;
	cJSON *c = cJSON_Duplicate(sn->rec, 1);

	if (!c) {
		w->nomem = true;
		return false;
	}
	cJSON_AddItemToArray(w->arr, c);
	return true;
}

cJSON *store_state_json_locked(const struct store *s)
{
	cJSON *root = cJSON_CreateObject(), *disks;
	struct state_walk w = { NULL, false };
	char now[ZEC_TIME_LEN];

	if (!root)
		return NULL;
	disks = cJSON_AddArrayToObject(root, "disks");
	w.arr = cJSON_AddArrayToObject(root, "snapshots");
	if (!disks || !w.arr)
		goto fail;
	for (size_t i = 0; i < s->c.ndisks; i++) {
		cJSON *c = cJSON_Duplicate(s->c.disks[i].rec, 1);
		if (!c)
			goto fail;
		cJSON_AddItemToArray(disks, c);
	}
	store_snap_walk_locked(s, NULL, state_visit, &w);
	if (w.nomem)
		goto fail;
	if (policy_state_json_locked(s, root) ||        /* policy.c */
	    lifecycle_state_json_locked(s, root))       /* lifecycle.c */
		goto fail;
	zec_time_format(store_now_locked(s), now);
	if (zj_add_string(root, "now", now))
		goto fail;
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

static int write_file_atomic(const char *path, const char *text)
{
	size_t len = strlen(path) + 32, n = strlen(text), off = 0;
	char *tmp = malloc(len);
	int fd = -1, ret = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0) {
		ret = -errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

int store_persist(struct store *s)
{
	unsigned long long gen;
	cJSON *state = NULL;
	char *text = NULL;
	int ret = 0;

	if (!s->cfg->state_file)
		return 0;
	/* one writer at a time, so an older snapshot never overwrites a newer */
	pthread_mutex_lock(&s->persist_lock);
	pthread_mutex_lock(&s->lock);
	gen = s->gen;
	if (gen != s->persisted_gen) {
		state = store_state_json_locked(s);
		if (state && !cJSON_AddNumberToObject(state, "clockOffsetMs",
		                                      (double)s->clock_offset_ms)) {
			cJSON_Delete(state);
			state = NULL;
		}
		if (!state)
			ret = -ENOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	if (!state)
		goto out;
	text = cJSON_Print(state);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	ret = write_file_atomic(s->cfg->state_file, text);
	if (ret)
		zlog_error("state write failed file=%s error=%s", s->cfg->state_file,
		           strerror(-ret));
	else
		s->persisted_gen = gen;
out:
	pthread_mutex_unlock(&s->persist_lock);
	free(text);
	cJSON_Delete(state);
	return ret;
}

/* ---- for policy.c ------------------------------------------------------- */

unsigned long long store_new_id_locked(struct store *s)
{
	return new_id(s);
}

int store_add_snap_locked(struct store *s, cJSON *rec, long long due_ms,
                          struct emu_snap **out)
{
	char now[ZEC_TIME_LEN];
	int ret;

	zec_time_format(store_now_locked(s), now);
	ret = snap_defaults(s, rec, now);
	if (!ret)
		ret = add_snap(s, rec, due_ms, NULL, out);
	if (!ret)
		store_touch_locked(s);
	return ret;
}

int store_add_disk_locked(struct store *s, cJSON *rec, long long due_ms,
                          const char *after_status, size_t *out)
{
	struct store_content *c = &s->c;
	char now[ZEC_TIME_LEN];
	char *after = NULL;
	int ret;

	zec_time_format(store_now_locked(s), now);
	if (due_ms && !(after = strdup(after_status)))
		return -ENOMEM;
	ret = grow((void **)&c->disks, &c->cap_disks, c->ndisks, sizeof(*c->disks));
	if (!ret)
		ret = disk_defaults(rec, now);
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
	*out = c->ndisks++;
	store_touch_locked(s);
	return 0;
}

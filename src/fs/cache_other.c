/*
 * cache_other.c - listings of other kinds (the policy listing behind
 * .policies, policies_dir.c) kept in slots of the cache, with the same TTL,
 * single fetch, stale-if-error and generations as the disk list.
 */
#include "cache_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct zecfs_cache_slot {
	struct zecfs_slot s;
	zecfs_cache_fetch fetch;
	void *arg;
	struct zecfs_cache_slot *next;
	char key[32];                /* its name, told to the hook (ZECFS_CHANGED_SLOT) */
};

/* A slot's fetch: the slot is zecfs_cache_serve's argument. */
static int fetch_other(struct zecfs_cache *c, void *arg,
                       struct zecfs_list_head **out, struct zec_result *res)
{
	struct zecfs_cache_slot *o = arg;

	(void)c;
	return o->fetch(o->arg, out, res);
}

int zecfs_cache_slot_new(struct zecfs_cache *c, const char *name, zecfs_cache_fetch fetch,
                         void *arg, struct zecfs_cache_slot **out)
{
	struct zecfs_cache_slot *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->fetch = fetch;
	o->arg = arg;
	snprintf(o->key, sizeof(o->key), "%s", name);
	o->s.key = o->key;
	pthread_mutex_lock(&c->lock);
	o->next = c->others;
	c->others = o;
	pthread_mutex_unlock(&c->lock);
	*out = o;
	return 0;
}

int zecfs_cache_slot_get(struct zecfs_cache *c, struct zecfs_cache_slot *o,
                         struct zecfs_list_head **out, struct zec_result *res)
{
	return zecfs_cache_serve(c, &o->s, fetch_other, o, &ZECFS_BY_TTL, out, res);
}

int zecfs_cache_slot_get_use(struct zecfs_cache *c, struct zecfs_cache_slot *o,
                             const struct zecfs_use_by *by, struct zecfs_list_head **out,
                             struct zec_result *res)
{
	return zecfs_cache_serve(c, &o->s, fetch_other, o, by, out, res);
}

struct zecfs_list_head *zecfs_cache_slot_cached(struct zecfs_cache *c,
                                                struct zecfs_cache_slot *o)
{
	struct zecfs_list_head *h;

	pthread_mutex_lock(&c->lock);
	h = o->s.cur;
	if (h)
		zecfs_cache_list_get(h);
	pthread_mutex_unlock(&c->lock);
	return h;
}

void zecfs_cache_slot_forget(struct zecfs_cache *c, struct zecfs_cache_slot *o)
{
	pthread_mutex_lock(&c->lock);
	if (o->s.cur)
		o->s.due = true;
	o->s.changed_gen = ++c->gen;
	zecfs_cache_report_changed(c, ZECFS_CHANGED_SLOT, o->key);
	pthread_mutex_unlock(&c->lock);
}

int zecfs_cache_slot_replace(struct zecfs_cache *c, struct zecfs_cache_slot *o,
                             const struct zecfs_list_head *old, struct zecfs_list_head *fresh)
{
	int ret = -EAGAIN;

	pthread_mutex_lock(&c->lock);
	if (o->s.cur == old) {
		zecfs_cache_changed_mtime(fresh, old);
		zecfs_list_put(o->s.cur);
		o->s.cur = fresh;
		o->s.changed_gen = ++c->gen;
		fresh = NULL;
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	zecfs_list_put(fresh);
	return ret;
}

void zecfs_cache_others_free(struct zecfs_cache *c)
{
	while (c->others) {
		struct zecfs_cache_slot *o = c->others;

		c->others = o->next;
		zecfs_cache_slot_release(&o->s);
		free(o);
	}
}

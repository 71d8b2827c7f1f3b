/*
 * stats.c - call and connection counters.
 */
#include "stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATS_MAX_ACTIONS 256   /* distinct names kept; the rest are "other" */

struct stats_item {
	char name[64];
	unsigned long long ok, failed;
};

int stats_init(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	st->epoch = 1;
	return pthread_mutex_init(&st->lock, NULL) ? -ENOMEM : 0;
}

void stats_destroy(struct stats *st)
{
	free(st->items);
	st->items = NULL;
	pthread_mutex_destroy(&st->lock);
}

static struct stats_item *find_or_add(struct stats *st, const char *action)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->items[i].name, action) == 0)
			return &st->items[i];
	if (st->n >= STATS_MAX_ACTIONS && strcmp(action, "other") != 0)
		return find_or_add(st, "other");
	if (st->n == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 16;
		struct stats_item *p = realloc(st->items, ncap * sizeof(*p));
		if (!p)
			return NULL;
		st->items = p;
		st->cap = ncap;
	}
	memset(&st->items[st->n], 0, sizeof(st->items[0]));
	snprintf(st->items[st->n].name, sizeof(st->items[0].name), "%s", action);
	return &st->items[st->n++];
}

void stats_count(struct stats *st, const char *action, bool ok)
{
	struct stats_item *it;

	pthread_mutex_lock(&st->lock);
	it = find_or_add(st, action && *action ? action : "(none)");
	if (it) {
		if (ok)
			it->ok++;
		else
			it->failed++;
	}
	pthread_mutex_unlock(&st->lock);
}

void stats_connection(struct stats *st, unsigned long long *conn_epoch)
{
	pthread_mutex_lock(&st->lock);
	if (*conn_epoch != st->epoch) {
		*conn_epoch = st->epoch;
		st->connections++;
	}
	pthread_mutex_unlock(&st->lock);
}

void stats_reset(struct stats *st)
{
	pthread_mutex_lock(&st->lock);
	st->n = 0;
	st->connections = 0;
	st->epoch++;
	pthread_mutex_unlock(&st->lock);
}

cJSON *stats_json(struct stats *st)
{
	cJSON *root = cJSON_CreateObject(), *actions;

	if (!root)
		return NULL;
	actions = cJSON_AddObjectToObject(root, "actions");
	if (!actions)
		goto fail;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->n; i++) {
		cJSON *o = cJSON_AddObjectToObject(actions, st->items[i].name);
		if (!o || !cJSON_AddNumberToObject(o, "ok", (double)st->items[i].ok) ||
		    !cJSON_AddNumberToObject(o, "failed", (double)st->items[i].failed)) {
			pthread_mutex_unlock(&st->lock);
			goto fail;
		}
	}
	if (!cJSON_AddNumberToObject(root, "connections", (double)st->connections)) {
		pthread_mutex_unlock(&st->lock);
		goto fail;
	}
	pthread_mutex_unlock(&st->lock);
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

/*
 * stats.h - call counters per action and outcome, and accepted TCP
 * connections, for GET /_emulator/calls.
 */
#ifndef ZEC_EMU_STATS_H
#define ZEC_EMU_STATS_H

#include <pthread.h>
#include <stdbool.h>
#include <cjson/cJSON.h>

struct stats_item;

struct stats {
	pthread_mutex_t lock;
	struct stats_item *items;
	size_t n, cap;
	unsigned long long connections;
	unsigned long long epoch;       /* bumped by every reset */
};

int stats_init(struct stats *st);
void stats_destroy(struct stats *st);
void stats_count(struct stats *st, const char *action, bool ok);
/*
 * Counts the connection an API call arrived on, once per reset: conn_epoch
 * is per-connection storage, zero for a new connection.  Connections that
 * only carry control-plane requests are not counted.
 */
void stats_connection(struct stats *st, unsigned long long *conn_epoch);
void stats_reset(struct stats *st);
/* {"actions":{"<action>":{"ok":N,"failed":N}},"connections":N} */
cJSON *stats_json(struct stats *st);

#endif /* ZEC_EMU_STATS_H */

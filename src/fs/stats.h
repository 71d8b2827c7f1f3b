/*
 * stats.h - counters behind MNT/.zecfs/stats.
 */
#ifndef ZECFS_STATS_H
#define ZECFS_STATS_H

#include "cache.h"
#include "zec_client.h"

struct zfs_stats;

int zfs_stats_new(const char *endpoint, struct zfs_stats **out);
void zfs_stats_free(struct zfs_stats *s);
/* The client's per-call observer: counts a finished call (thread-safe). */
void zfs_stats_observe(void *arg, const struct zec_result *res);
/* The stats as pretty JSON, malloc'd; NULL on ENOMEM. */
char *zfs_stats_json(struct zfs_stats *s, const struct zfs_cache_counters *cc);

#endif /* ZECFS_STATS_H */

/*
 * stats.h - counters behind MNT/.zecfs/stats and MNT/.zecfs/metrics.
 */
#ifndef ZECFS_STATS_H
#define ZECFS_STATS_H

#include "browse.h"
#include "cache.h"
#include "zec_client.h"

struct zecfs_stats;

int zecfs_stats_new(const char *endpoint, struct zecfs_stats **out);
void zecfs_stats_free(struct zecfs_stats *s);
/* The client's per-call observer: counts a finished call (thread-safe). */
void zecfs_stats_observe(void *arg, const struct zec_result *res);
/* The stats as pretty JSON, malloc'd; NULL on ENOMEM.  bi: the client's
 * circuit breaker ("api": state, reason, trips, fastFailed, probes); bc:
 * the snapshots' files ("browse": browses, disksCreated, disksReleased,
 * bytesRead, active). */
char *zecfs_stats_json(struct zecfs_stats *s, const struct zecfs_cache_counters *cc,
                       const struct zec_breaker_info *bi,
                       const struct zecfs_browse_counters *bc);
/* The same figures in Prometheus's text exposition format (0.0.4), with
 * latency histograms and the inodes the kernel holds; NULL on ENOMEM. */
char *zecfs_stats_prometheus(struct zecfs_stats *s, const struct zecfs_cache_counters *cc,
                             const struct zec_breaker_info *bi,
                             const struct zecfs_browse_counters *bc, unsigned long long inodes);

#endif /* ZECFS_STATS_H */

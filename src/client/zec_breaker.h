/*
 * zec_breaker.h - the client's circuit breaker: once a call for the account
 * timed out or could not connect, calls fail at once (their errno that of
 * the failure that opened it) until a probe, sent from a thread of the
 * breaker's own, gets an answer.  Internal to the client (zec_call.c).
 */
#ifndef ZEC_BREAKER_H
#define ZEC_BREAKER_H

#include <stdbool.h>
#include <stddef.h>

#include "zec_client.h"

struct zec_breaker;

/*
 * probe(arg): one cheap call, 0 when the API answered (any answer the
 * server gives, errors included, means it is reachable: the probe returns 0
 * for those).  Sent every interval_ms while the breaker is open.
 */
int zec_breaker_new(long interval_ms, int (*probe)(void *arg), void *arg,
                    struct zec_breaker **out);
/* Stops the prober; the caller makes a probe in flight return first (cancel). */
void zec_breaker_free(struct zec_breaker *b);
/*
 * May a call go out now?  true when closed, and for the prober's own
 * calls; false: fail fast, *res filled with the failure that opened it.
 */
bool zec_breaker_admit(struct zec_breaker *b, struct zec_result *res);
/*
 * A call ended.  unreachable: its last try timed out on the network or
 * could not connect: opens the breaker (logged once per episode).
 */
void zec_breaker_report(struct zec_breaker *b, const struct zec_result *res, bool unreachable);
void zec_breaker_info(struct zec_breaker *b, struct zec_breaker_info *out);
/* The calling thread's calls go out even when open (true), or not (false). */
void zec_breaker_bypass(bool on);

#endif /* ZEC_BREAKER_H */

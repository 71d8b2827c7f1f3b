/*
 * autosnap.h - the schedule that runs the auto-snapshot policies on the
 * business clock (autosnap.c); called by store_tick_locked().
 */
#ifndef ZEC_EMU_AUTOSNAP_H
#define ZEC_EMU_AUTOSNAP_H

#include <stdbool.h>

#include "store.h"

/*
 * Runs every scheduled hour in (last run, now]: each disk on a policy whose
 * weekday and hour match gets an Auto snapshot created at that hour.  True
 * when something changed.
 */
bool autosnap_tick_locked(struct store *s, long long now_ms);

#endif /* ZEC_EMU_AUTOSNAP_H */

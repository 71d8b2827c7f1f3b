/*
 * policy.h - auto-snapshot policies (the six *AutoSnapshotPolic* actions and
 * the schedule that runs them on the business clock) and CreateDisks.
 * Hooks called by store.c and actions.c; see docs/emulator.md.
 */
#ifndef ZEC_EMU_POLICY_H
#define ZEC_EMU_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "store.h"

/* The handler of a policy action or of CreateDisks; NULL: not one of them. */
action_fn policy_actions_lookup(const char *name);

/*
 * Runs every scheduled hour in (last run, now]: each disk on a policy whose
 * weekday and hour match gets an Auto snapshot created at that hour.  True
 * when something changed.
 */
bool policy_tick_locked(struct store *s, long long now_ms);

/* Loads seed's "autoSnapshotPolicies" (optional) into s->c and sets the
 * disks' autoSnapshotPolicyId from their diskIdSet; -EINVAL with err. */
int policy_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size);

/* Takes a disk that is going away off its policy. */
void policy_forget_disk_locked(struct store *s, const char *disk_id);

/* Adds "autoSnapshotPolicies" to a state document; 0 or -ENOMEM. */
int policy_state_json_locked(const struct store *s, cJSON *root);

#endif /* ZEC_EMU_POLICY_H */

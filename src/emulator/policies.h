/*
 * policies.h - auto-snapshot policies: the six *AutoSnapshotPolic* actions
 * and the hooks the store, the loader and the schedule call (policies.c);
 * see docs/emulator.md.
 */
#ifndef ZEC_EMU_POLICIES_H
#define ZEC_EMU_POLICIES_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "store.h"

/* The handler of a policy action; NULL: not one of them. */
action_fn policy_actions_lookup(const char *name);

/* Policy p's diskIdSet: the ids of the disks on it. */
cJSON *policy_disk_set(const cJSON *p);

/* Loads seed's "autoSnapshotPolicies" (optional) into s->c and sets the
 * disks' autoSnapshotPolicyId from their diskIdSet; -EINVAL with err. */
int policy_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size);

/* Takes a disk that is going away off its policy. */
void policy_forget_disk_locked(struct store *s, const char *disk_id);

/* Adds "autoSnapshotPolicies" to a state document; 0 or -ENOMEM. */
int policy_state_json_locked(const struct store *s, cJSON *root);

#endif /* ZEC_EMU_POLICIES_H */

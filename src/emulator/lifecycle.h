/*
 * lifecycle.h - instances, zones and the disk lifecycle after CreateDisks:
 * DescribeInstances, DescribeInstancesStatus, AttachDisks, DetachDisks,
 * ReleaseDisk, ResizeDisk, DescribeDiskRegions, DescribeDiskCategory.
 * Hooks called by store.c, create_disks.c and actions.c; see
 * docs/emulator.md.
 */
#ifndef ZEC_EMU_LIFECYCLE_H
#define ZEC_EMU_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "store.h"

/* The handler of one of these actions; NULL: not one of them. */
action_fn lifecycle_actions_lookup(const char *name);

/*
 * Loads the seed's "zones" and "instances" (both optional) after its disks
 * and policies: every instanceId a disk names becomes an instance in the
 * disk's zone, --host-instance one in the zone of the first disk; every
 * zone a record names is known.  -EINVAL with err when malformed.
 */
int lifecycle_load_locked(struct store *s, const cJSON *seed, char *err, size_t err_size);

/* Adds "zones" and "instances" to a state document; 0 or -ENOMEM. */
int lifecycle_state_json_locked(const struct store *s, cJSON *root);

/* The zone's record {"zoneId","regionId","categorySet"} or NULL: unknown. */
const cJSON *lifecycle_zone_locked(const struct store *s, const char *zone);

/* Whether the known zone offers a disk category. */
bool lifecycle_zone_has_category(const cJSON *zone, const char *category);

/* The instance record, or NULL. */
cJSON *lifecycle_instance_locked(const struct store *s, const char *instance_id);

#endif /* ZEC_EMU_LIFECYCLE_H */

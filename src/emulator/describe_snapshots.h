/*
 * describe_snapshots.h - the DescribeSnapshots action (describe_snapshots.c).
 */
#ifndef ZEC_EMU_DESCRIBE_SNAPSHOTS_H
#define ZEC_EMU_DESCRIBE_SNAPSHOTS_H

#include "emulator.h"
#include "store.h"

/* DescribeSnapshots: an action_fn (actions.h). */
int describe_snapshots(struct store *s, const cJSON *body, struct emu_result *res);

#endif /* ZEC_EMU_DESCRIBE_SNAPSHOTS_H */

/*
 * create_disks.h - the CreateDisks action (create_disks.c).
 */
#ifndef ZEC_EMU_CREATE_DISKS_H
#define ZEC_EMU_CREATE_DISKS_H

#include "emulator.h"
#include "store.h"

/* CreateDisks: an action_fn (actions.h). */
int create_disks(struct store *s, const cJSON *body, struct emu_result *res);

#endif /* ZEC_EMU_CREATE_DISKS_H */

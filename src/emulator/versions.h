/*
 * versions.h - X-ZC-Version 2024-04-01: the request members that version
 * lacks are dropped, and answers are cut to its records (versions.c).
 */
#ifndef ZEC_EMU_VERSIONS_H
#define ZEC_EMU_VERSIONS_H

#include "emulator.h"

/* Removes from params what action's 2024-04-01 request does not have. */
void version_old_request(const char *action, cJSON *params);

/* Reshapes a 200 of action to its 2024-04-01 shape (or turns it into that
 * version's error); returns res->status when it failed, else 0. */
int version_old_response(const char *action, struct emu_result *res);

#endif /* ZEC_EMU_VERSIONS_H */

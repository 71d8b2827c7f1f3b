/*
 * actions.h - one handler per API action (zec-api.md section 5).
 *
 * A handler validates its parameters, applies the action to the store and
 * fills the outcome: status 200 with the fields of "response", or an error
 * code.  Handlers take the store lock themselves and never sleep.
 */
#ifndef ZEC_EMU_ACTIONS_H
#define ZEC_EMU_ACTIONS_H

#include "emulator.h"
#include "store.h"

typedef int (*action_fn)(struct store *s, const cJSON *body, struct emu_result *res);

/* The handler of an action, or NULL when the action is unknown. */
action_fn actions_lookup(const char *name);

/* An action's name and handler: the table each action file keeps. */
struct action_entry {
	const char *name;
	action_fn fn;
};

/* The handler of name in t[0..n), or NULL. */
action_fn action_find(const struct action_entry *t, size_t n, const char *name);

#endif /* ZEC_EMU_ACTIONS_H */

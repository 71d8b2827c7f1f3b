/*
 * actions.h - one handler per API action (zec-api.md section 5).
 *
 * A handler validates its parameters, applies the action to the store and
 * fills the outcome: status 200 with the fields of "response", or an error
 * code.  Handlers take the store lock themselves and never sleep.
 *
 * Every handler has the same shape on purpose: parameters, lock, tick,
 * lookups, change, touch, answer, then one exit that unlocks (out:).  So
 * the end of one handler and the start of the next read alike in every
 * action file, and a reader knows where the lock is released.
 */
#ifndef ZEC_EMU_ACTIONS_H
#define ZEC_EMU_ACTIONS_H

#include "emulator.h"
#include "store.h"

typedef int (*action_fn)(struct store *s, const cJSON *body, struct emu_result *res);

/* The handler of an action, or NULL when the action is unknown. */
action_fn actions_lookup(const char *name);

/* An action's name and handler.  Each action file keeps its own table
 * beside its handlers on purpose: the handlers stay static there, and the
 * tables and their lookups look alike. */
struct action_entry {
	const char *name;
	action_fn fn;
};

/* The handler of name in t[0..n), or NULL. */
action_fn action_find(const struct action_entry *t, size_t n, const char *name);

#endif /* ZEC_EMU_ACTIONS_H */

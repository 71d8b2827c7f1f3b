/* zec_actions.c: being written */

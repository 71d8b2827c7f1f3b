/*
 * seed.h - initial state: the built-in demo seed and seed/state files.
 */
#ifndef ZEC_EMU_SEED_H
#define ZEC_EMU_SEED_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* The --demo seed; NULL on ENOMEM. */
cJSON *seed_demo(void);

/* Reads and parses a JSON file: 0, -ENOENT, or -EINVAL with err set. */
int seed_read_file(const char *path, cJSON **out, char *err, size_t err_size);

#endif /* ZEC_EMU_SEED_H */

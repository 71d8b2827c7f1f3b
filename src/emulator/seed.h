/*
 * seed.h - initial state: the built-in demo seed and seed/state files.
 */
#ifndef ZEC_EMU_SEED_H
#define ZEC_EMU_SEED_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* The --demo seed, as JSON text, and parsed (NULL on ENOMEM). */
const char *seed_demo_text(void);
cJSON *seed_demo(void);

/* A file of a demo disk's filesystem (--demo with --disk-data). */
struct seed_file {
	const char *path;               /* relative; NULL ends a list */
	const char *text;
};

/* The files of demo data disk disk_id, or NULL (not a demo data disk). */
const struct seed_file *seed_demo_files(const char *disk_id);

/*
 * Reads and parses a JSON file: 0, -ENOENT, or -EINVAL with err set.  With
 * text non-NULL, *text receives the file's bytes (NUL-terminated, the
 * caller frees them) as well.
 */
int seed_read_file(const char *path, cJSON **out, char **text, char *err,
                   size_t err_size);

#endif /* ZEC_EMU_SEED_H */

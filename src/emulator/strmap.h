/*
 * strmap.h - a hash map from strings to pointers (open addressing, linear
 * probing, backward-shift deletion), the emulator's id indexes.
 *
 * Keys are copied; values are the caller's.  Not thread-safe: the store
 * uses it under its lock.
 */
#ifndef ZEC_EMU_STRMAP_H
#define ZEC_EMU_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	char *key;                      /* NULL: empty */
	size_t hash;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;                     /* 0 or a power of two */
	size_t count;
};

/* Adds or replaces key; 0 or -ENOMEM (the map is then unchanged). */
int strmap_put(struct strmap *m, const char *key, void *value);

/* Replaces the value of a key already there (never allocates); false when
 * key is absent. */
bool strmap_replace(struct strmap *m, const char *key, void *value);

/* The value of key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/* Removes key if present. */
void strmap_del(struct strmap *m, const char *key);

/* Frees every key and the table (values untouched); the map is empty. */
void strmap_free(struct strmap *m);

#endif /* ZEC_EMU_STRMAP_H */

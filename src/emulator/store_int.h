/*
 * store_int.h - what store.c lends store_io.c to build a store's content
 * from records: growing arrays, the content's life, and putting a disk or a
 * snapshot into the indexes and trees.  Not for the rest of the emulator,
 * which goes through store.h.
 */
#ifndef ZEC_EMU_STORE_INT_H
#define ZEC_EMU_STORE_INT_H

#include "store.h"

/* Snapshots a load adds before it builds the trees at once. */
struct snap_vec {
	struct emu_snap **v;
	size_t n, cap;
};

/* Makes room for element n of *arr (doubling *cap); 0 or -ENOMEM. */
int store_grow(void **arr, size_t *cap, size_t n, size_t elem);

/* An empty content (no due times); freeing one leaves it empty. */
void store_content_init(struct store_content *c);
void store_content_free(struct store_content *c);

/*
 * Adds a snapshot for rec (taken over only on success) pending until due_ms:
 * into the trees, or with bulk only into bulk, for the load to build the
 * trees at once.
 */
int store_put_snap(struct store *s, cJSON *rec, long long due_ms,
                   struct snap_vec *bulk, struct emu_snap **out);

/* Adds disk rec (its defaults already filled in; taken over on success) with
 * after (taken over, also on failure) as the status its pending change ends
 * in at due_ms (0: none).  Its index in *out when out is not NULL. */
int store_put_disk(struct store *s, cJSON *rec, char *after, long long due_ms,
                   size_t *out);

/* The resourceGroup object a snapshot of disk rec (NULL: unknown) carries. */
cJSON *store_resource_group_of(const cJSON *disk);

#endif /* ZEC_EMU_STORE_INT_H */

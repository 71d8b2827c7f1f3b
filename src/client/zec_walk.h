/*
 * zec_walk.h - internal to the API client library: the page walker
 * (zec_walk.c) and what it needs to know of a record type.
 */
#ifndef ZEC_WALK_H
#define ZEC_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zec_parse.h"

/* One page of a listing: *items (an array of item_size records), *count, *total. */
typedef int (*page_fn)(struct zec_client *c, const void *filter, int page_num,
                       uint64_t deadline, struct zec_result *res,
                       void **items, size_t *count, long long *total);

/* What the generic page walker needs to know of a record type. */
struct walk_kind {
	const char *action;
	int page_max;
	size_t item_size;
	page_fn fetch;
	const char *(*id)(const void *item);
	void (*clear)(void *item);
	/* hands n items to the typed sink */
	int (*deliver)(const void *sink, void *items, size_t n);
	void (*restart)(const void *sink);
	bool (*can_restart)(const void *sink);
	/* NULL when item matches the filter's id lists, else the field's
	 * API name (a record the filter excludes is dropped); may be NULL */
	const char *(*outside)(const void *filter, const void *item, const char **value);
	/* the filter's known ids (may be NULL: none); and filter (a copy of
	 * filter_size bytes) made to ask for ids[0..n) only, known cleared */
	void (*known)(const void *filter, const char *const **ids, size_t *n);
	void (*only_ids)(void *filter, const char *const *ids, size_t n);
	size_t filter_size;
};

/*
 * Every page of a listing (concurrent pages, totalCount distrusted, ids
 * de-duplicated, walked again when the list moves: see zec_walk.c), handed
 * to sink through k; *total (when not NULL) is page 1's totalCount, and
 * res->incomplete says the listing's silence about an id is no proof it is
 * gone.
 */
int zec_walk_all(struct zec_client *c, const struct walk_kind *k, const void *f,
                 const void *sink, uint64_t deadline, long long *total,
                 struct zec_result *res);

/*
 * The pages a walk fetches at once after page 1, which said 'rest' more
 * pages follow: all of them when they are at most 2 x parallel (one wave),
 * else parallel.  Above parallel, the window shrinks back to it page by page.
 */
int zec_walk_first_wave(size_t rest, int parallel);

/* The zec_call hook for the walk this thread fetches a page for (NULL, NULL
 * outside a walk): every failed try reaches the walk's window. */
void zec_walk_try_hook(void (**fn)(void *arg, const struct zec_result *r), void **arg);

/* A sink that keeps every item, in one array of size-byte records. */
struct zec_collect {
	char *items;
	size_t count, cap, size;
	void (*clear)(void *item);
	/* makes a lent item its own before it is kept (0 or -ENOMEM);
	 * NULL: the record type is never lent */
	int (*own)(void *item);
};

/* A walk whose sink fills col: the array on success, nothing on failure. */
int zec_collect_run(struct zec_client *c, const struct walk_kind *k, const void *f,
                    const void *sink, struct zec_collect *col, uint64_t deadline,
                    void **items, size_t *count, long long *total,
                    struct zec_result *res);

/*
 * Every page of a listing through the walker, kept in one array of
 * k->item_size records.
 * k's deliver/restart/can_restart must be zec_collect_deliver,
 * zec_collect_restart and zec_collect_can_restart.
 */
int zec_walk_collect(struct zec_client *c, const struct walk_kind *k, const void *filter,
                     uint64_t deadline, void **items, size_t *count, long long *total,
                     struct zec_result *res);
int zec_collect_deliver(const void *sink, void *items, size_t n);
void zec_collect_restart(const void *sink);
bool zec_collect_can_restart(const void *sink);

#endif /* ZEC_WALK_H */

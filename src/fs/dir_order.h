/*
 * dir_order.h - a directory's offsets: each entry's cookie, and the
 * entries sorted in cookie order (dir.c hands them out in it).
 */
#ifndef ZECFS_DIR_ORDER_H
#define ZECFS_DIR_ORDER_H

#include <stddef.h>
#include <stdint.h>

/* The offset of the entry 'name': a hash, 3 or more (. and .. are 1 and 2). */
uint64_t zecfs_dir_cookie(const char *name);

/* An entry to order: its cookie, its name, its index in the directory. */
struct zecfs_keyed {
	uint64_t cookie;
	const char *name;
	uint32_t idx;
};

/* Sorts k[0, n) by cookie, then name, using tmp (room for n entries). */
void zecfs_keyed_sort(struct zecfs_keyed *k, struct zecfs_keyed *tmp, size_t n);

#endif

/*
 * zec_num.h - a 64-bit number written in decimal without printf: ids and
 * inode numbers are written for every snapshot a walk serves.
 */
#ifndef ZEC_NUM_H
#define ZEC_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Room for UINT64_MAX's 20 digits and a NUL. */
#define ZEC_U64_DEC_LEN 21

/* The decimal digits of v and a NUL in out; returns the digits' count. */
static inline size_t zec_u64_dec(uint64_t v, char out[ZEC_U64_DEC_LEN])
{
	char tmp[ZEC_U64_DEC_LEN];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

#endif

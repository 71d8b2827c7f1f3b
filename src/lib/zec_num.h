/*
 * zec_num.h - a 64-bit number written in decimal without printf: ids and
 * inode numbers are written for every snapshot a walk serves.
 */
#ifndef ZEC_NUM_H
#define ZEC_NUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Room for UINT64_MAX's 20 digits and a NUL. */
#define ZEC_U64_DEC_LEN 21

/*
 * How many decimal digits v takes, without a division: its bit length
 * times log10(2) (1233 / 4096) is the count or one less, and one compare
 * with a power of ten says which.  v | 1 has v's digits (v + 1 is a power
 * of ten only where v is odd), and 0 has 1 like it.  A walk counts the
 * digits of every snapshot id it sizes a snapshot.json for.
 */
static inline size_t zec_u64_dec_len(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
		1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
		1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	uint64_t w = v | 1;
	size_t n = (size_t)((64 - __builtin_clzll(w)) * 1233) >> 12;

	return n + (w >= pow10[n]);
}

/* The decimal digits of v and a NUL in out; returns the digits' count. */
static inline size_t zec_u64_dec(uint64_t v, char out[ZEC_U64_DEC_LEN])
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char tmp[ZEC_U64_DEC_LEN], *p = tmp + sizeof(tmp) - 1;
	size_t n;

	/* two digits a division, from the end */
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		p[0] = pairs[2 * r];
		p[1] = pairs[2 * r + 1];
	}
	if (v >= 10) {
		p -= 2;
		p[0] = pairs[2 * v];
		p[1] = pairs[2 * v + 1];
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - 1 - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

#endif

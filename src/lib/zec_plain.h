/*
 * zec_plain.h - where a run of bytes that stand for themselves inside a
 * JSON string ends, eight bytes at a time: a page of a listing is read
 * through it, and every snapshot.json a walk sizes is written through it.
 */
#ifndef ZEC_PLAIN_H
#define ZEC_PLAIN_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* A byte that stands for itself inside a JSON string: not '"', '\\' or below 0x20. */
static inline int zec_plain_byte(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/*
 * The first byte of [p, end) that is not plain; end when there is none.
 *
 * Sixteen bytes at a time where SSE2 is (every x86-64): a byte is not
 * plain when it equals '"' or '\\', or when max(byte, 0x1f) is 0x1f.
 * Then eight at a time: in a word w, a byte below 0x20 borrows through its high bit in
 * w - 0x20...20 while its own high bit is clear, and a '"' or '\\' is a
 * zero byte of w xor it, which borrows through its high bit in that
 * minus 0x01...01.  A borrow only carries into higher bytes, so the
 * lowest byte flagged (the first in memory, little-endian) is a true one.
 */
static inline const char *zec_plain_end(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;

#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
		                                        _mm_cmpeq_epi8(v, bslash)),
		                           _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);

		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		uint64_t w, q, b, m;

		memcpy(&w, p, sizeof(w));
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		m = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b);
		m &= highs;
		if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + (__builtin_ctzll(m) >> 3);
#else
			break;              /* found bytewise below */
#endif
		}
		p += 8;
	}
	while (p < end && zec_plain_byte((unsigned char)*p))
		p++;
	return p;
}

#endif /* ZEC_PLAIN_H */

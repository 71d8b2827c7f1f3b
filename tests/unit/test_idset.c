/*
 * test_idset.c - the set of ids a walk delivered (zec_idset.c): each id
 * new once, found afterwards, unaffected by the key, through the index's
 * growth and the arena's reallocations, and ids that share a prefix or
 * collide in the low bits kept apart; a reservation made ahead, capped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "zec_idset.h"

#define MANY 20000

static int count_found(const struct zec_idset *s, int from, int to)
{
	char id[32];
	int n = 0;

	for (int i = from; i < to; i++) {
		snprintf(id, sizeof(id), "snap-%018d", i);
		n += zec_idset_has(s, id);
	}
	return n;
}

int main(void)
{
	struct zec_idset s = { 0 };
	char id[32];
	int added = 0, again = 0;

	CHECK(!zec_idset_has(&s, "x"), "an empty set has nothing");
	CHECK(zec_idset_add(&s, "x") == 1, "a new id is added");
	CHECK(zec_idset_add(&s, "x") == 0, "the same id again is not");
	CHECK(zec_idset_add(&s, "") == 1 && zec_idset_has(&s, ""), "the empty id is an id");
	CHECK(zec_idset_add(&s, "xx") == 1 && zec_idset_has(&s, "x") && zec_idset_has(&s, "xx"),
	      "an id and its prefix are two ids");
	zec_idset_free(&s);
	CHECK(!zec_idset_has(&s, "x") && s.n == 0 && !s.arena, "freed, it is empty again");

	s.key = 0x1234567887654321ull;
	for (int i = 0; i < MANY; i++) {
		snprintf(id, sizeof(id), "snap-%018d", i);
		added += zec_idset_add(&s, id) == 1;
	}
	for (int i = 0; i < MANY; i += 7) {
		snprintf(id, sizeof(id), "snap-%018d", i);
		again += zec_idset_add(&s, id);
	}
	CHECK(added == MANY, "%d distinct ids, each new once: %d", MANY, added);
	CHECK(again == 0, "none of them new a second time: %d", again);
	CHECK(s.n == (size_t)MANY, "the set holds %d: %zu", MANY, s.n);
	CHECK(s.n * 2 <= s.size, "the index stays at most half full: %zu of %zu", s.n, s.size);
	CHECK(count_found(&s, 0, MANY) == MANY, "every one found after the growth");
	CHECK(count_found(&s, MANY, 2 * MANY) == 0, "none that was never added");
	zec_idset_free(&s);

	/* another key: the same answers, other slots */
	s.key = 42;
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "snap-%018d", i);
		zec_idset_add(&s, id);
	}
	CHECK(count_found(&s, 0, 1000) == 1000 && count_found(&s, 1000, 2000) == 0,
	      "a different key gives the same membership");
	zec_idset_free(&s);

	/* a reservation: the ids already in stay, the index does not grow again */
	s.key = 7;
	zec_idset_add(&s, "before");
	CHECK(zec_idset_reserve(&s, 5000) == 0 && s.size >= 10000 && zec_idset_has(&s, "before"),
	      "room for 5000: %zu slots, the id added before kept", s.size);
	{
		size_t size = s.size;

		for (int i = 0; i < 5000; i++) {
			snprintf(id, sizeof(id), "snap-%018d", i);
			zec_idset_add(&s, id);
		}
		CHECK(s.size == size && count_found(&s, 0, 5000) == 5000,
		      "5000 added without the index growing: %zu slots", s.size);
		CHECK(zec_idset_reserve(&s, 10) == 0 && s.size == size, "a smaller reservation is a no-op");
	}
	zec_idset_free(&s);
	CHECK(zec_idset_reserve(&s, (size_t)1 << 40) == 0 &&
	      s.size == 2 * (size_t)ZEC_IDSET_RESERVE_MAX,
	      "a count from a server is believed up to %u ids: %zu slots",
	      ZEC_IDSET_RESERVE_MAX, s.size);
	CHECK(zec_idset_add(&s, "x") == 1 && zec_idset_has(&s, "x"), "a reserved empty set takes ids");
	zec_idset_free(&s);
	return check_summary();
}

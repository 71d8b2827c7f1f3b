/*
 * fuzz_name.c - libFuzzer harness for the snapshot name rule
 * (zec_snapshot_name_check(), src/lib/zec_name.c).
 *
 * Fuzzes: the input, cut at its first NUL, as a snapshot name.
 *
 * Checks: the verdict agrees with an independent statement of the rule in
 * zec-api.md section 5 (2-63 characters of [A-Za-z0-9.-], first and last a
 * letter or digit): ZEC_NAME_OK exactly when the rule accepts the name, and
 * a refusal names a reason that is true of the name (too short, too long, a
 * bad character, a bad first or last character).  Any disagreement aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zec_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rule's alphabet, spelled out rather than computed. */
static const char alnum[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char allowed[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-";

static bool in_set(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

struct facts {
	size_t len;
	bool too_short, too_long, bad_char, bad_edge;
};

static void name_facts(const char *name, struct facts *f)
{
	f->len = strlen(name);
	f->too_short = f->len < 2;
	f->too_long = f->len > 63;
	f->bad_char = strspn(name, allowed) != f->len;
	f->bad_edge = f->len > 0 &&
	              (!in_set(alnum, name[0]) || !in_set(alnum, name[f->len - 1]));
}

static void fail(const char *name, enum zec_name_verdict v, const char *why)
{
	fprintf(stderr, "fuzz_name: verdict %d for \"%s\" (%zu bytes): %s\n",
	        (int)v, name, strlen(name), why);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct facts f;
	enum zec_name_verdict v;
	bool ok;
	char *name;

	name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';

	name_facts(name, &f);
	ok = !f.too_short && !f.too_long && !f.bad_char && !f.bad_edge;
	v = zec_snapshot_name_check(name);

	switch (v) {
	case ZEC_NAME_OK:
		if (!ok)
			fail(name, v, "accepted a name the rule refuses");
		break;
	case ZEC_NAME_TOO_SHORT:
		if (!f.too_short)
			fail(name, v, "TOO_SHORT, but the name has 2 or more characters");
		break;
	case ZEC_NAME_TOO_LONG:
		if (!f.too_long)
			fail(name, v, "TOO_LONG, but the name has 63 or fewer characters");
		break;
	case ZEC_NAME_BAD_CHAR:
		if (!f.bad_char)
			fail(name, v, "BAD_CHAR, but every character is allowed");
		break;
	case ZEC_NAME_BAD_EDGE:
		if (!f.bad_edge)
			fail(name, v, "BAD_EDGE, but both ends are letters or digits");
		break;
	default:
		fail(name, v, "not a known verdict");
	}
	if (v != ZEC_NAME_OK && ok)
		fail(name, v, "refused a name the rule accepts");

	free(name);
	return 0;
}

/*
 * test_snappage.c - the fast read of a DescribeSnapshots answer
 * (zec_snappage.c) against the general path (zec_parse_envelope, then
 * zec_parse_snapshot_page): whenever the fast read takes a body, the
 * general path takes it too and finds the same records, totalCount and
 * requestId.  Checked on written cases, on the plain pages it exists for
 * (which it must take), and on many random mutations of a page.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "zec_client.h"
#include "zec_parse.h"
#include "zec_snappage.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_snapshot(const struct zec_snapshot *a, const struct zec_snapshot *b)
{
#define SAME(name, common) if (!same_str(a->name, b->name)) return false;
	ZEC_SNAPSHOT_STRINGS(SAME)
#undef SAME
	return a->disk_ability == b->disk_ability;
}

/*
 * The read with records lent (one block) agrees with the read that owns
 * them: the same answer, the same records, each marked lent; or it
 * declines a page of more records than its block holds.
 */
static bool lent_agrees(const char *body, size_t len, int fr,
                        const struct zec_snapshot_list *owned, const char *rid)
{
	struct zec_snapshot_list lent;
	char lrid[sizeof(((struct zec_result *)0)->request_id)] = "";
	int lr = zec_snappage_read(body, len, true, &lent, lrid, sizeof(lrid));
	bool ok;

	if (lr != 0)
		return lent.count == 0 && lent.items == NULL &&
		       (lr == fr || (lr == -EAGAIN && fr == 0 &&
		                     owned->count > ZEC_SNAPSHOT_LENT_MAX));
	ok = fr == 0 && lent.count == owned->count && lent.total == owned->total &&
	     strcmp(lrid, rid) == 0 && (lent.count > 0) == (lent.items != NULL);
	for (size_t i = 0; ok && i < lent.count; i++)
		ok = lent.items[i].lent && !owned->items[i].lent &&
		     same_snapshot(&lent.items[i], &owned->items[i]);
	zec_snapshot_list_free(&lent);
	return ok;
}

/*
 * 1: the fast read took it, and the general path agrees; 0: the fast read
 * declined; -1: they disagree (the fast read took what the general path
 * refuses, or found other records, or lent other records than it owns).
 */
static int compare(const char *body, size_t len)
{
	struct zec_result res = { 0 };
	struct zec_snapshot_list fast, slow = { 0 };
	char rid[sizeof(res.request_id)] = "";
	cJSON *response = NULL;
	int fr, sr, verdict = -1;

	fr = zec_snappage_read(body, len, false, &fast, rid, sizeof(rid));
	if (!lent_agrees(body, len, fr, &fast, rid)) {
		zec_snapshot_list_free(&fast);
		return -1;
	}
	if (fr != 0) {
		bool empty = fast.count == 0 && fast.items == NULL;

		return fr == -EAGAIN && empty ? 0 : -1;
	}
	sr = zec_parse_envelope(200, body, len, &response, &res);
	if (sr == 0)
		sr = zec_parse_snapshot_page(response, &slow);
	if (sr == 0 && fast.count == slow.count && fast.total == slow.total &&
	    strcmp(rid, res.request_id) == 0 && (fast.count > 0) == (fast.items != NULL)) {
		verdict = 1;
		for (size_t i = 0; i < fast.count; i++)
			if (!same_snapshot(&fast.items[i], &slow.items[i]))
				verdict = -1;
	}
	cJSON_Delete(response);
	zec_snapshot_list_free(&fast);
	zec_snapshot_list_free(&slow);
	return verdict;
}

static int compare_str(const char *body)
{
	return compare(body, strlen(body));
}

#define REC(id, name) "{\"snapshotId\":\"" id "\",\"snapshotName\":\"" name "\"," \
	"\"zoneId\":\"asia-east-1a\",\"status\":\"AVAILABLE\",\"snapshotType\":\"Manual\"," \
	"\"retentionTime\":null,\"diskId\":\"862857204414550690\"," \
	"\"createTime\":\"2026-11-01T02:00:00Z\",\"diskAbility\":true," \
	"\"resourceGroup\":{\"resourceGroupId\":\"rg-1\",\"resourceGroupName\":\"Default\"}}"

/* A page as the emulator writes it: n records, pretty or compact. */
static char *page(int n, bool pretty)
{
	size_t cap = 512 + (size_t)n * 512, len = 0;
	char *b = malloc(cap);

	if (!b)
		abort();
	len += (size_t)snprintf(b + len, cap - len,
	                        pretty ? "{\n  \"requestId\": \"R-1\",\n  \"response\": {\n"
	                                 "    \"requestId\": \"R-1\",\n    \"totalCount\": %d,\n"
	                                 "    \"dataSet\": [\n"
	                               : "{\"requestId\":\"R-1\",\"response\":{\"requestId\":\"R-1\","
	                                 "\"totalCount\":%d,\"dataSet\":[", n + 3);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len,
		                        "%s{\"snapshotId\":\"7000000000000%05d\",\"snapshotName\":"
		                        "\"nightly-%d\",\"zoneId\":\"asia-east-1a\",\"status\":"
		                        "\"AVAILABLE\",\"snapshotType\":\"Manual\",\"retentionTime\":"
		                        "\"%s\",\"diskId\":\"862857204414550690\",\"createTime\":"
		                        "\"2026-11-01T02:00:00Z\",\"diskAbility\":%s,\"resourceGroup\":"
		                        "{\"resourceGroupId\":\"rg-1\",\"resourceGroupName\":"
		                        "\"Default\"}}", i ? "," : "", i, i,
		                        i % 3 ? "" : "2027-01-01T00:00:00Z", i % 2 ? "true" : "false");
	snprintf(b + len, cap - len, pretty ? "\n    ]\n  }\n}\n" : "]}}");
	return b;
}

int main(void)
{
	static const char *const taken[] = {
		"{\"requestId\":\"R\",\"response\":{\"totalCount\":0,\"dataSet\":[]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[" REC("1", "a") "]},\"requestId\":\"R\"}",
		"{\"requestId\":\"\",\"response\":{\"requestId\":\"inner\",\"totalCount\":0}}",
		"{\"requestId\":null,\"response\":{\"totalCount\":5,\"dataSet\":null}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"9\"}]}}",
		"{\"response\":{\"totalCount\":1,\"x\":[1,-2.5e+3,{\"y\":[true,false,null]}],"
		"\"dataSet\":[{\"snapshotId\":\"9\",\"extra\":{\"a\":[]},\"resourceGroup\":null,"
		"\"diskAbility\":null,\"retentionTime\":\"\"}]},\"other\":\"\xc3\xa9\"}",
		" \t\r\n{ \"response\" : { \"totalCount\" : 2 , \"dataSet\" : [ ] } } \n",
		/* keys of a known key's length that are not it: read over */
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"9\",\"zoneIx\":\"q\","
		"\"Status\":1,\"snapshotID\":\"w\",\"createTimes\":\"x\",\"diskAbilitY\":2,"
		"\"snapshotNamE\":\"y\",\"resourceGroups\":[],\"retentionTimE\":{}}]}}",
	};
	static const char *const declined[] = {
		"",
		"[]",
		"{}",
		"{\"requestId\":\"R\"}",
		"{\"response\":null}",
		"{\"response\":{}}",
		"{\"response\":{\"dataSet\":[]}}",
		"{\"response\":{\"totalCount\":-1}}",
		"{\"response\":{\"totalCount\":1.5}}",
		"{\"response\":{\"totalCount\":\"3\"}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"\"}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":5}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"a\\\"b\"}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"a\",\"snapshotId\":\"b\"}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"a\",\"diskAbility\":1}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"a\",\"resourceGroup\":[]}]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[\"a\"]}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":{}}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"a\"},]}}",
		"{\"response\":{\"totalCount\":1}} trailing",
		"{\"response\":{\"totalCount\":1},\"response\":{\"totalCount\":2}}",
		"{\"response\":{\"totalCount\":12345678901234567}}",
		"{\"response\":{\"totalCount\":1,\"x\":123456789012345678901234567890123456}}",
		"{\"response\":{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"a\x01\"}]}}",
		"{\"response\":{\"totalCount\":1}",
	};
	int bad = 0, took = 0, fast_declined = 0;
	char *p;

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		CHECK(compare_str(taken[i]) == 1, "taken, as the general path reads it: %zu", i);
	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++)
		CHECK(compare_str(declined[i]) == 0, "left to the general path: %zu", i);

	/* a control byte or a backslash at any place of a string, long or
	 * short, whole words of it and the bytes after them: declined */
	for (size_t len = 1; len <= 19; len++) {
		for (size_t at = 0; at < len; at++) {
			for (int k = 0; k < 4; k++) {
				static const char odd[] = { '\x01', '\x1f', '\t', '\\' };
				char body[160], name[24];

				memset(name, 'n', len);
				name[len] = '\0';
				name[at] = odd[k];
				snprintf(body, sizeof(body), "{\"response\":{\"totalCount\":1,\"dataSet\":"
				         "[{\"snapshotId\":\"1\",\"snapshotName\":\"%s\"}]}}", name);
				if (compare_str(body) != 0)
					bad++;
				name[at] = k < 2 ? ' ' : '~';    /* the bytes around 0x20 and 0x7f */
				snprintf(body, sizeof(body), "{\"response\":{\"totalCount\":1,\"dataSet\":"
				         "[{\"snapshotId\":\"1\",\"snapshotName\":\"%s\"}]}}", name);
				if (compare_str(body) != 1)
					bad++;
			}
		}
	}
	CHECK(bad == 0, "a string with a control byte or a backslash anywhere is declined, "
	      "one with spaces and tildes taken (%d wrong)", bad);
	bad = 0;

	p = page(100, false);
	CHECK(compare_str(p) == 1, "a compact page of 100 records is taken, the same records");
	free(p);
	p = page(ZEC_SNAPSHOT_LENT_MAX + 1, true);
	CHECK(compare_str(p) == 1, "a page of %d records is taken, and declined when lent",
	      ZEC_SNAPSHOT_LENT_MAX + 1);
	free(p);
	p = page(12, false);        /* damage lands in a field more often */
	srand(24);
	/* random damage to a page: never taken unless the general path agrees */
	for (int round = 0; round < 20000; round++) {
		size_t len = strlen(p), at = (size_t)rand() % len;
		char *m = malloc(len + 2);
		int v, kind = rand() % 3;
		static const char bytes[] = "{}[]\",:\\ 0-1.eEtfnul\x01\x7f\xc3";

		if (!m)
			abort();
		memcpy(m, p, len + 1);
		if (kind == 0) {
			m[at] = bytes[rand() % (int)(sizeof(bytes) - 1)];
		} else if (kind == 1) {
			memmove(m + at + 1, m + at, len - at + 1);
			m[at] = bytes[rand() % (int)(sizeof(bytes) - 1)];
			len++;
		} else {
			memmove(m + at, m + at + 1, len - at);
			len--;
		}
		v = compare(m, len);
		bad += v < 0;
		took += v > 0;
		fast_declined += v == 0;
		free(m);
	}
	CHECK(bad == 0, "20,000 damaged pages: the fast read never disagrees (%d did; %d taken, "
	      "%d left to the general path)", bad, took, fast_declined);
	CHECK(took > 0 && fast_declined > 0, "some damage is harmless, some is not");
	free(p);
	p = page(3, true);
	CHECK(compare_str(p) == 1, "a pretty-printed page is taken too");
	free(p);
	return check_summary();
}

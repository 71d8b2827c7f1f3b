/*
 * fuzz_envelope.c - libFuzzer harness for the API client's response parsing
 * (src/client/zec_parse.c).
 *
 * Fuzzes: zec_parse_envelope() on the whole input as an HTTP body with
 * status 200, then on the input less its first byte with the status that
 * byte picks (400, 401, 403, 404, 429, 5xx, 0, odd ones; seeds of error
 * envelopes start with that byte).  On success, the "response" object goes
 * through zec_parse_disk_page(), zec_parse_snapshot_page(),
 * zec_parse_snapshot_id() and zec_parse_strv(), and is freed.
 *
 * Checks, besides ASan/UBSan/LSan: the return value equals res.err; a
 * response object comes back exactly when the call succeeds, with outcome
 * OK; a failure is a negative errno and never outcome OK; the text fields of
 * res are NUL-terminated; a page's count fits its items and every item has
 * its required id.  And the fast read of a DescribeSnapshots answer
 * (zec_snappage.c): whatever body it takes, the envelope parse and
 * zec_parse_snapshot_page take too, with the same records, totalCount and
 * requestId.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "zec_client.h"
#include "zec_parse.h"
#include "zec_snappage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_envelope: check failed: %s "   \
			        "(%s:%d)\n", #cond, __FILE__, __LINE__);     \
			abort();                                             \
		}                                                            \
	} while (0)

static const long statuses[] = {
	200, 400, 401, 403, 404, 429, 500, 502, 503, 504,
	0, 201, 204, 302, 418, 599,
};

static void check_terminated(const char *s, size_t size)
{
	CHECK(memchr(s, '\0', size) != NULL);
}

static void parse_pages(const cJSON *response)
{
	struct zec_disk_list disks;
	struct zec_snapshot_list snaps;
	struct zec_strv ids;
	char *id = NULL;
	int ret;

	ret = zec_parse_disk_page(response, &disks);
	if (ret == 0) {
		CHECK(disks.count == 0 || disks.items != NULL);
		for (size_t i = 0; i < disks.count; i++)
			CHECK(disks.items[i].disk_id && disks.items[i].disk_id[0]);
	} else {
		CHECK(ret < 0);
	}
	zec_disk_list_free(&disks);

	ret = zec_parse_snapshot_page(response, &snaps);
	if (ret == 0) {
		CHECK(snaps.count == 0 || snaps.items != NULL);
		for (size_t i = 0; i < snaps.count; i++)
			CHECK(snaps.items[i].snapshot_id &&
			      snaps.items[i].snapshot_id[0]);
	} else {
		CHECK(ret < 0);
	}
	zec_snapshot_list_free(&snaps);

	ret = zec_parse_snapshot_id(response, &id);
	CHECK(ret == 0 ? id != NULL && id[0] != '\0' : ret < 0);
	free(id);

	ret = zec_parse_strv(response, "snapshotIds", &ids);
	if (ret == 0) {
		for (size_t i = 0; i < ids.count; i++)
			CHECK(ids.v[i] != NULL);
	} else {
		CHECK(ret < 0);
	}
	zec_strv_free(&ids);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Records read lent (one block) are the records read owned. */
static void lent_agrees(const uint8_t *data, size_t size, const struct zec_snapshot_list *owned)
{
	struct zec_snapshot_list lent;
	char rid[sizeof(((struct zec_result *)0)->request_id)];
	int ret = zec_snappage_read((const char *)data, size, true, &lent, rid, sizeof(rid));

	if (ret != 0) {
		CHECK(ret == -ENOMEM || owned->count > ZEC_SNAPSHOT_LENT_MAX);
		CHECK(lent.count == 0 && lent.items == NULL);
		return;
	}
	CHECK(lent.count == owned->count && lent.total == owned->total);
	for (size_t i = 0; i < lent.count; i++) {
		CHECK(lent.items[i].lent);
#define SAME(name, common) CHECK(same_str(lent.items[i].name, owned->items[i].name));
		ZEC_SNAPSHOT_STRINGS(SAME)
#undef SAME
		CHECK(lent.items[i].disk_ability == owned->items[i].disk_ability);
	}
	zec_snapshot_list_free(&lent);
}

/* What the fast read takes, the general path takes the same way. */
static void fast_agrees(const uint8_t *data, size_t size)
{
	struct zec_snapshot_list fast, slow = { 0 };
	struct zec_result res;
	cJSON *response = NULL;
	char rid[sizeof(res.request_id)];
	int ret = zec_snappage_read((const char *)data, size, false, &fast, rid, sizeof(rid));

	if (ret != 0) {
		CHECK(ret == -EAGAIN || ret == -ENOMEM);
		CHECK(fast.count == 0 && fast.items == NULL);
		return;
	}
	check_terminated(rid, sizeof(rid));
	memset(&res, 0, sizeof(res));
	CHECK(zec_parse_envelope(200, (const char *)data, size, &response, &res) == 0);
	CHECK(strcmp(rid, res.request_id) == 0);
	CHECK(zec_parse_snapshot_page(response, &slow) == 0);
	CHECK(fast.count == slow.count && fast.total == slow.total);
	CHECK((fast.count > 0) == (fast.items != NULL));
	for (size_t i = 0; i < fast.count; i++) {
#define SAME(name, common) CHECK(same_str(fast.items[i].name, slow.items[i].name));
		ZEC_SNAPSHOT_STRINGS(SAME)
#undef SAME
		CHECK(fast.items[i].disk_ability == slow.items[i].disk_ability);
	}
	cJSON_Delete(response);
	zec_snapshot_list_free(&slow);
	lent_agrees(data, size, &fast);
	zec_snapshot_list_free(&fast);
}

static void one_status(long status, const uint8_t *data, size_t size)
{
	static cJSON sentinel;               /* *response_out must be overwritten */
	struct zec_result res;
	cJSON *response = &sentinel;
	int ret;

	memset(&res, 0, sizeof(res));
	zec_result_begin(&res, "DescribeSnapshots");
	ret = zec_parse_envelope(status, (const char *)data, size, &response, &res);

	CHECK(ret == res.err);
	CHECK(res.http_status == status);
	check_terminated(res.code, sizeof(res.code));
	check_terminated(res.message, sizeof(res.message));
	check_terminated(res.request_id, sizeof(res.request_id));
	if (ret == 0) {
		CHECK(status == 200);
		CHECK(response != NULL && cJSON_IsObject(response));
		CHECK(res.outcome == ZEC_OUTCOME_OK);
		parse_pages(response);
		cJSON_Delete(response);
	} else {
		CHECK(ret < 0);
		CHECK(response == NULL);
		CHECK(res.outcome != ZEC_OUTCOME_OK);
		CHECK(res.code[0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_status(200, data, size);
	fast_agrees(data, size);
	if (size > 0)
		one_status(statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))],
		           data + 1, size - 1);
	return 0;
}

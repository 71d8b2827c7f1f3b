/*
 * fuzz_auth.c - libFuzzer harness for the emulator's request parsing
 * (src/lib/zec_sign.c, src/emulator/auth.c, src/emulator/actions.c).
 *
 * Fuzzes, with the same input:
 *  - as the Authorization header (cut at its first NUL):
 *    zec_parse_authorization(), then auth_check() with that header, fixed
 *    valid other headers and the input as the body;
 *  - as the JSON request body: cJSON_ParseWithLength() as api.c does it,
 *    the zec_json.h getters on the parameter names the handlers read, then
 *    every action handler (actions_lookup()) against an in-memory store
 *    reloaded from the demo seed before each action - no server, no
 *    sockets, no state file.  After an action that succeeded, a
 *    DescribeDisks and a DescribeSnapshots list the changed store.
 *
 * Checks (any failure aborts), besides ASan/UBSan/LSan:
 *  - a parsed signed header has a non-empty Credential, SignedHeaders and a
 *    64-character Signature without ' ' or ','; formatting it again with
 *    zec_format_authorization() and parsing that gives the same fields; a
 *    parsed bearer header is "Bearer " and the token, unchanged;
 *  - auth_check() accepts nothing (no input can carry a valid signature or
 *    the bearer token, which holds a space no parsed token can hold);
 *    its refusals carry a known code whose status is the one returned;
 *  - a handler returns res.status; 200 comes with a response object, any
 *    other status with no response and a code whose table status
 *    (emu_code_status) is that status.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "auth.h"
#include "emulator.h"
#include "seed.h"
#include "store.h"
#include "zec_json.h"
#include "zec_log.h"
#include "zec_sign.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_auth: check failed: %s "       \
			        "(%s:%d)\n", #cond, __FILE__, __LINE__);     \
			abort();                                             \
		}                                                            \
	} while (0)

/* A space in the token: zec_parse_authorization() never yields one, so no
 * input can match it and the bearer check is exercised without succeeding. */
static const char bearer_token[] = "fuzz bearer token";

static const struct emu_config cfg = {
	.listen = "127.0.0.1:0",
	.key_id = EMU_DEMO_KEY_ID,
	.key_password = EMU_DEMO_KEY_PASSWORD,
	.bearer_token = bearer_token,
	.snapshot_quota = 64,
	.create_delay_ms = 2000,
	.delete_delay_ms = 1000,
	.rollback_delay_ms = 2000,
	.max_snapshot_page_size = 100,
};

static const char *const actions[] = {
	"DescribeDisks", "DescribeSnapshots", "CreateSnapshot",
	"ModifySnapshotsAttribute", "DeleteSnapshots", "ApplySnapshot",
	"ModifyDisksAttributes",
};

/* Every parameter name the handlers read (zec-api.md section 5). */
static const char *const params[] = {
	"diskIds", "diskName", "diskStatus", "diskType", "diskCategory",
	"instanceId", "zoneId", "regionId", "snapshotAbility", "resourceGroupId",
	"tagKeys", "tags", "snapshotIds", "status", "snapshotType",
	"snapshotName", "diskId", "retentionTime", "isPermanent", "snapshotId",
	"pageNum", "pageSize",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static struct store store;
static cJSON *seed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	zec_log_init("fuzz_auth", 0, ZEC_LOG_ERROR);
	seed = seed_demo();
	if (!seed || store_init(&store, &cfg) != 0) {
		fprintf(stderr, "fuzz_auth: cannot set up the store\n");
		abort();
	}
	return 0;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_header(const char *header)
{
	struct zec_auth a, b;
	char buf[512];
	int ret;

	ret = zec_parse_authorization(header, &a);
	if (ret != 0) {
		CHECK(ret == -EINVAL);
		return;
	}
	CHECK(terminated(a.token, sizeof(a.token)));
	CHECK(terminated(a.key_id, sizeof(a.key_id)));
	CHECK(terminated(a.signed_headers, sizeof(a.signed_headers)));
	CHECK(terminated(a.signature, sizeof(a.signature)));
	if (a.bearer) {
		CHECK(strncmp(header, "Bearer ", 7) == 0);
		CHECK(a.token[0] != '\0' && strchr(a.token, ' ') == NULL);
		CHECK(strcmp(a.token, header + 7) == 0);
		return;
	}
	CHECK(a.key_id[0] && a.signed_headers[0]);
	CHECK(strlen(a.signature) == ZEC_HEX256_LEN);
	CHECK(strcspn(a.key_id, " ,") == strlen(a.key_id));
	CHECK(strcspn(a.signature, " ,") == ZEC_HEX256_LEN);

	/* what the client would send for these fields parses the same */
	CHECK(zec_format_authorization(buf, sizeof(buf), a.key_id, a.signature) == 0);
	CHECK(zec_parse_authorization(buf, &b) == 0);
	CHECK(!b.bearer);
	CHECK(strcmp(a.key_id, b.key_id) == 0);
	CHECK(strcmp(a.signature, b.signature) == 0);
	CHECK(strcmp(b.signed_headers, ZEC_SIGNED_HEADERS) == 0);
}

static void check_fail(int ret, const struct emu_result *res)
{
	CHECK(ret == res->status);
	CHECK(res->code != NULL);
	CHECK(emu_code_status(res->code) == res->status);
	CHECK(terminated(res->message, sizeof(res->message)));
}

static void check_auth(const char *header, const uint8_t *body, size_t len)
{
	struct emu_result res = { .status = 0 };
	struct auth_request rq;
	char ts[32];
	int ret;

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	rq.authorization = header;
	rq.timestamp = ts;
	rq.sig_method = ZEC_SIGN_METHOD;
	rq.content_type = "application/json; charset=utf-8";
	rq.host = "127.0.0.1:8443";
	rq.body = body;
	rq.body_len = len;
	ret = auth_check(&cfg, &rq, &res);
	CHECK(ret != 0);
	check_fail(ret, &res);
	CHECK(res.response == NULL);
}

static void probe_getters(const cJSON *body)
{
	for (size_t i = 0; i < N_ELEMS(params); i++) {
		const cJSON *arr;
		const char *s;
		long long n;
		bool b;
		int count, ret;
		char *dup;

		ret = zj_string(body, params[i], &s);
		CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		CHECK(ret != 0 || s != NULL);
		ret = zj_int(body, params[i], &n);
		CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		ret = zj_bool(body, params[i], &b);
		CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		ret = zj_string_array(body, params[i], &arr, &count);
		CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		if (ret == 0) {
			CHECK(count >= 0 && count == cJSON_GetArraySize(arr));
			for (int k = 0; k < count; k++)
				CHECK(cJSON_IsString(cJSON_GetArrayItem(arr, k)));
		}
		dup = zj_strdup(body, params[i]);
		free(dup);
	}
}

static void reset_store(void)
{
	char err[256];
	int ret;

	pthread_mutex_lock(&store.lock);
	ret = store_load_locked(&store, seed, err, sizeof(err));
	pthread_mutex_unlock(&store.lock);
	if (ret) {
		fprintf(stderr, "fuzz_auth: demo seed refused: %s\n", err);
		abort();
	}
}

static int run_action(const char *name, const cJSON *body)
{
	struct emu_result res = { .status = 0 };
	action_fn fn = actions_lookup(name);
	int ret;

	CHECK(fn != NULL);
	ret = fn(&store, body, &res);
	if (ret == 200) {
		CHECK(res.status == 200);
		CHECK(cJSON_IsObject(res.response));
	} else {
		check_fail(ret, &res);
		CHECK(res.response == NULL);
	}
	cJSON_Delete(res.response);
	return ret;
}

static void check_body(const uint8_t *data, size_t size)
{
	cJSON *body, *empty;

	/* as api.c: an empty body is {}, anything else must be an object */
	body = size ? cJSON_ParseWithLength((const char *)data, size)
	            : cJSON_CreateObject();
	if (!body || !cJSON_IsObject(body)) {
		cJSON_Delete(body);
		return;
	}
	probe_getters(body);
	empty = cJSON_CreateObject();
	CHECK(empty != NULL);
	for (size_t i = 0; i < N_ELEMS(actions); i++) {
		reset_store();
		if (run_action(actions[i], body) == 200 && i >= 2) {
			CHECK(run_action("DescribeDisks", empty) == 200);
			CHECK(run_action("DescribeSnapshots", empty) == 200);
		}
	}
	cJSON_Delete(empty);
	cJSON_Delete(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header;

	header = malloc(size + 1);
	if (!header)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	check_header(header);
	check_auth(header, data, size);
	free(header);

	check_body(data, size);
	return 0;
}

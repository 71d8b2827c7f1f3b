/*
 * test_parse.c - the client's pure parsing and building (zec_parse.h):
 * response envelopes (good, error, and every kind of garbage), disk and
 * snapshot records and pages, request bodies, endpoint URLs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "zec_log.h"
#include "zec_errno.h"
#include "zec_parse.h"

#define RID "T0D2C1B6A-1111-2222-3333-444455556666"

static int envelope(long status, const char *body, cJSON **resp,
                    struct zec_result *res)
{
	memset(res, 0, sizeof(*res));
	return zec_parse_envelope(status, body, body ? strlen(body) : 0, resp, res);
}

static void test_envelope_ok(void)
{
	struct zec_result res;
	cJSON *resp = NULL;
	int ret;

	ret = envelope(200, "{\"requestId\":\"" RID "\",\"response\":{\"requestId\":\""
	              RID "\",\"snapshotId\":\"snap-1\"}}", &resp, &res);
	CHECK(ret == 0 && res.outcome == ZEC_OUTCOME_OK && res.err == 0 &&
	      res.http_status == 200 && strcmp(res.request_id, RID) == 0,
	      "success envelope");
	CHECK(resp && cJSON_IsObject(resp) &&
	      strcmp(cJSON_GetObjectItem(resp, "snapshotId")->valuestring, "snap-1") == 0,
	      "success: the response object is handed over");
	cJSON_Delete(resp);

	ret = envelope(200, "{\"response\":{\"requestId\":\"Tinner\"}}", &resp, &res);
	CHECK(ret == 0 && strcmp(res.request_id, "Tinner") == 0,
	      "success: requestId taken from response when the root has none");
	cJSON_Delete(resp);
}

static void test_envelope_error(void)
{
	struct zec_result res;
	cJSON *resp = (cJSON *)&res;   /* must be reset to NULL */
	int ret;

	ret = envelope(404, "{\"requestId\":\"" RID "\",\"code\":\"INVALID_DISK_NOT_FOUND\","
	              "\"message\":\"disk 1 not found\"}", &resp, &res);
	CHECK(ret == -ENOENT && res.outcome == ZEC_OUTCOME_API_ERROR &&
	      res.err == -ENOENT && res.http_status == 404 && !resp &&
	      strcmp(res.code, "INVALID_DISK_NOT_FOUND") == 0 &&
	      strcmp(res.message, "disk 1 not found") == 0 &&
	      strcmp(res.request_id, RID) == 0, "error envelope 404");
	ret = envelope(429, "{\"requestId\":\"Tr\",\"code\":\"REQUEST_LIMIT_EXCEEDED\","
	              "\"message\":\"slow down\"}", &resp, &res);
	CHECK(ret == -EAGAIN && res.outcome == ZEC_OUTCOME_API_ERROR,
	      "error envelope 429 -> -EAGAIN");
	ret = envelope(401, "{\"requestId\":\"Tr\",\"code\":\"AUTHFAILURE_SIGNATURE_FAILURE\","
	              "\"message\":\"bad\"}", &resp, &res);
	CHECK(ret == -EACCES, "error envelope 401 -> -EACCES");
	ret = envelope(504, "{\"requestId\":\"Tr\",\"code\":\"REQUEST_TIMED_OUT\","
	              "\"message\":\"late\"}", &resp, &res);
	CHECK(ret == -ETIMEDOUT && res.http_status == 504, "error envelope 504 -> -ETIMEDOUT");
	ret = envelope(400, "{\"code\":\"MISSING_PARAMETER\",\"message\":\"m\"}", &resp, &res);
	CHECK(ret == -EINVAL && !res.request_id[0], "error envelope without requestId");
}

struct bad_case {
	long status;
	const char *body;
	const char *name;
	int err;
	const char *code;
};

static void test_envelope_bad(void)
{
	static const struct bad_case cases[] = {
		{ 200, "{\"requestId\":\"Tx\",\"response\":{\"a\":1}", "truncated JSON", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "{\"requestId\":\"Tx\",\"respo", "truncated mid-key", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "not json at all", "malformed JSON", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "", "empty body", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, NULL, "NULL body", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "[]", "array root", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "\"response\"", "string root", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "null", "null root", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "{\"requestId\":\"Tx\"}", "200 without response", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "{\"requestId\":\"Tx\",\"response\":[]}", "response is an array", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "{\"requestId\":\"Tx\",\"response\":null}", "response is null", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "{\"requestId\":\"Tx\",\"response\":\"x\"}", "response is a string", -EIO, ZECFS_BAD_RESPONSE },
		{ 200, "{\"requestId\":\"Tx\",\"code\":\"INTERNAL_SERVER_ERROR\",\"message\":\"m\"}",
		  "200 with an error envelope", -EIO, ZECFS_BAD_RESPONSE },
		{ 400, "{\"requestId\":\"Tx\",\"code\":5,\"message\":\"m\"}", "code is a number", -EIO, ZECFS_BAD_RESPONSE },
		{ 400, "{\"requestId\":\"Tx\",\"code\":\"\",\"message\":\"m\"}", "code is empty", -EIO, ZECFS_BAD_RESPONSE },
		{ 400, "{\"requestId\":\"Tx\",\"message\":\"m\"}", "code missing", -EIO, ZECFS_BAD_RESPONSE },
		{ 400, "{\"requestId\":\"Tx\",\"code\":\"MISSING_PARAMETER\"}", "message missing", -EIO, ZECFS_BAD_RESPONSE },
		{ 400, "{\"requestId\":\"Tx\",\"code\":\"MISSING_PARAMETER\",\"message\":[]}", "message is an array", -EIO, ZECFS_BAD_RESPONSE },
		{ 404, "", "404 empty body", -EIO, ZECFS_BAD_RESPONSE },
		{ 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "HTML 502", -EIO, ZECFS_HTTP_5XX },
		{ 503, "<html>Service Unavailable</html>", "HTML 503", -EAGAIN, ZECFS_HTTP_503 },
		{ 504, "", "empty 504", -ETIMEDOUT, ZECFS_HTTP_504 },
		{ 429, "Too Many Requests", "text 429", -EAGAIN, ZECFS_HTTP_429 },
		{ 500, "{\"requestId\":\"Tx\"}", "500 without code", -EIO, ZECFS_HTTP_5XX },
	};
	struct zec_result res;
	cJSON *resp;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		int ret = envelope(c->status, c->body, &resp, &res);

		CHECK(ret == c->err && res.err == c->err && !resp &&
		      res.outcome == ZEC_OUTCOME_BAD_RESPONSE &&
		      res.http_status == c->status && strcmp(res.code, c->code) == 0,
		      "bad envelope: %s -> %s (%s)", c->name, c->code, strerror(-c->err));
	}
	envelope(500, "{\"requestId\":\"Tkept\"}", &resp, &res);
	CHECK(strcmp(res.request_id, "Tkept") == 0, "bad envelope keeps the requestId");
	envelope(200, "{\"requestId\":7,\"response\":{}}", &resp, &res);
	CHECK(res.outcome == ZEC_OUTCOME_OK && !res.request_id[0],
	      "a non-string requestId is ignored");
	cJSON_Delete(resp);

	/* embedded NUL and length limits: only len bytes are read */
	memset(&res, 0, sizeof(res));
	CHECK(zec_parse_envelope(200, "{\"response\":{}}garbage", 15, &resp, &res) == 0,
	      "only len bytes are parsed");
	cJSON_Delete(resp);
}

#define DISK_FULL "{\"diskId\":\"862857204414550690\",\"diskName\":\"data-1\"," \
	"\"regionId\":\"asia-east-1\",\"zoneId\":\"HKG-A\",\"diskType\":\"DATA\"," \
	"\"portable\":true,\"diskCategory\":\"Standard NVMe SSD\",\"diskSize\":100," \
	"\"diskStatus\":\"IN_USE\",\"instanceId\":\"i-1\",\"instanceName\":\"web\"," \
	"\"createTime\":\"2026-01-02T03:04:05Z\",\"expiredTime\":null,\"period\":1," \
	"\"resourceGroupId\":\"rg-1\",\"resourceGroupName\":\"Default\"," \
	"\"serial\":\"abc\",\"snapshotAbility\":true,\"autoSnapshotPolicyId\":null," \
	"\"tags\":[],\"burstingEnabled\":false}"

static cJSON *json(const char *s)
{
	return cJSON_Parse(s);
}

static void test_disk(void)
{
	static const char *const bad[] = {
		"{\"diskName\":\"x\"}", "{\"diskId\":5}", "{\"diskId\":\"\"}",
		"{\"diskId\":\"1\",\"diskSize\":\"100\"}", "{\"diskId\":\"1\",\"diskSize\":1.5}",
		"{\"diskId\":\"1\",\"portable\":\"yes\"}", "{\"diskId\":\"1\",\"diskName\":7}",
		"{\"diskId\":\"1\",\"snapshotAbility\":1}", "[]", "\"1\"",
	};
	struct zec_disk d, copy;
	cJSON *j = json(DISK_FULL);
	int ret;

	ret = zec_parse_disk(j, &d);
	CHECK(ret == 0 && strcmp(d.disk_id, "862857204414550690") == 0 &&
	      strcmp(d.disk_name, "data-1") == 0 && strcmp(d.zone_id, "HKG-A") == 0 &&
	      strcmp(d.disk_category, "Standard NVMe SSD") == 0 &&
	      d.disk_size == 100 && d.period == 1 && d.portable && d.snapshot_ability &&
	      !d.bursting_enabled && strcmp(d.disk_status, "IN_USE") == 0 &&
	      strcmp(d.create_time, "2026-01-02T03:04:05Z") == 0 &&
	      d.expired_time == NULL && d.auto_snapshot_policy_id == NULL &&
	      strcmp(d.serial, "abc") == 0 && strcmp(d.resource_group_name, "Default") == 0,
	      "disk: every field");
	CHECK(ret == 0 && d.json && strchr(d.json, '\n') &&
	      strstr(d.json, "\"diskId\":\t\"862857204414550690\""),
	      "disk: json is the pretty-printed record");
	CHECK(ret == 0 && zec_disk_copy(&copy, &d) == 0 &&
	      strcmp(copy.disk_id, d.disk_id) == 0 && copy.disk_id != d.disk_id &&
	      strcmp(copy.json, d.json) == 0 && copy.disk_size == 100 &&
	      copy.expired_time == NULL, "disk: deep copy");
	zec_disk_clear(&copy);
	zec_disk_clear(&d);
	CHECK(d.disk_id == NULL && d.json == NULL, "disk: clear resets");
	cJSON_Delete(j);

	j = json("{\"diskId\":\"1\"}");
	ret = zec_parse_disk(j, &d);
	CHECK(ret == 0 && strcmp(d.disk_id, "1") == 0 && !d.disk_name &&
	      !d.disk_status && d.disk_size == 0 && !d.snapshot_ability,
	      "disk: only diskId, the rest absent");
	zec_disk_clear(&d);
	cJSON_Delete(j);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json(bad[i]);
		ret = zec_parse_disk(j, &d);
		CHECK(ret == -EINVAL && d.disk_id == NULL && d.json == NULL,
		      "disk: %s rejected", bad[i]);
		cJSON_Delete(j);
	}
	CHECK(zec_parse_disk(NULL, &d) == -EINVAL, "disk: NULL rejected");
}

#define SNAP_FULL "{\"snapshotId\":\"snap-1\",\"snapshotName\":\"daily\"," \
	"\"zoneId\":\"HKG-A\",\"status\":\"AVAILABLE\",\"snapshotType\":\"Manual\"," \
	"\"retentionTime\":\"2027-01-01T00:00:00Z\",\"diskId\":\"862857204414550690\"," \
	"\"createTime\":\"2026-01-02T03:04:05Z\",\"diskAbility\":true," \
	"\"resourceGroup\":{\"resourceGroupId\":\"rg-1\",\"resourceGroupName\":\"Default\"}}"

static void test_snapshot(void)
{
	static const char *const bad[] = {
		"{\"snapshotName\":\"x\"}", "{\"snapshotId\":1}", "{\"snapshotId\":\"\"}",
		"{\"snapshotId\":\"s\",\"retentionTime\":5}",
		"{\"snapshotId\":\"s\",\"resourceGroup\":\"rg\"}",
		"{\"snapshotId\":\"s\",\"resourceGroup\":{\"resourceGroupId\":3}}",
		"{\"snapshotId\":\"s\",\"diskAbility\":\"true\"}", "{\"snapshotId\":\"s\",\"status\":{}}",
	};
	struct zec_snapshot s, copy;
	cJSON *j = json(SNAP_FULL);
	int ret;

	ret = zec_parse_snapshot(j, &s);
	CHECK(ret == 0 && strcmp(s.snapshot_id, "snap-1") == 0 &&
	      strcmp(s.snapshot_name, "daily") == 0 && strcmp(s.status, "AVAILABLE") == 0 &&
	      strcmp(s.snapshot_type, "Manual") == 0 &&
	      strcmp(s.retention_time, "2027-01-01T00:00:00Z") == 0 &&
	      strcmp(s.disk_id, "862857204414550690") == 0 && s.disk_ability &&
	      strcmp(s.resource_group_id, "rg-1") == 0 &&
	      strcmp(s.resource_group_name, "Default") == 0, "snapshot: every field");
	CHECK(ret == 0 && zec_snapshot_copy(&copy, &s) == 0 &&
	      strcmp(copy.snapshot_name, "daily") == 0 && copy.snapshot_name != s.snapshot_name &&
	      copy.disk_ability, "snapshot: deep copy");
	zec_snapshot_clear(&copy);
	zec_snapshot_clear(&s);
	cJSON_Delete(j);

	j = json("{\"snapshotId\":\"s\",\"snapshotName\":\"n\",\"resourceGroup\":{}}");
	ret = zec_parse_snapshot(j, &s);
	CHECK(ret == 0 && s.retention_time == NULL && !s.resource_group_id,
	      "snapshot: retentionTime absent -> NULL (forever)");
	zec_snapshot_clear(&s);
	cJSON_Delete(j);
	j = json("{\"snapshotId\":\"s\",\"retentionTime\":null}");
	ret = zec_parse_snapshot(j, &s);
	CHECK(ret == 0 && s.retention_time == NULL, "snapshot: retentionTime null -> NULL");
	zec_snapshot_clear(&s);
	cJSON_Delete(j);
	j = json("{\"snapshotId\":\"s\",\"retentionTime\":\"\"}");
	ret = zec_parse_snapshot(j, &s);
	CHECK(ret == 0 && s.retention_time == NULL, "snapshot: retentionTime \"\" -> NULL");
	zec_snapshot_clear(&s);
	cJSON_Delete(j);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json(bad[i]);
		ret = zec_parse_snapshot(j, &s);
		CHECK(ret == -EINVAL && s.snapshot_id == NULL, "snapshot: %s rejected", bad[i]);
		cJSON_Delete(j);
	}
}

static void test_pages(void)
{
	static const char *const bad[] = {
		"{\"totalCount\":\"x\",\"dataSet\":[]}", "{\"dataSet\":[]}",
		"{\"totalCount\":1,\"dataSet\":{}}", "{\"totalCount\":1,\"dataSet\":\"x\"}",
		"{\"totalCount\":1,\"dataSet\":[{\"diskName\":\"no id\"}]}",
		"{\"totalCount\":2,\"dataSet\":[{\"diskId\":\"1\"},5]}",
		"{\"totalCount\":-1,\"dataSet\":[]}", "{\"totalCount\":1.5,\"dataSet\":[]}",
		"[]",
	};
	struct zec_disk_list dl;
	struct zec_snapshot_list sl;
	struct zec_strv sv;
	cJSON *j;
	char *id;
	int ret;

	j = json("{\"requestId\":\"T\",\"totalCount\":1200,\"dataSet\":[" DISK_FULL
	         ",{\"diskId\":\"2\"}]}");
	ret = zec_parse_disk_page(j, &dl);
	CHECK(ret == 0 && dl.count == 2 && dl.total == 1200 &&
	      strcmp(dl.items[1].disk_id, "2") == 0, "disk page: two items, totalCount");
	zec_disk_list_free(&dl);
	CHECK(dl.items == NULL && dl.count == 0, "disk list free resets");
	cJSON_Delete(j);

	j = json("{\"totalCount\":0,\"dataSet\":[]}");
	ret = zec_parse_disk_page(j, &dl);
	CHECK(ret == 0 && dl.count == 0 && dl.items == NULL, "disk page: empty");
	cJSON_Delete(j);
	j = json("{\"totalCount\":0}");
	ret = zec_parse_snapshot_page(j, &sl);
	CHECK(ret == 0 && sl.count == 0, "snapshot page: dataSet absent is empty");
	cJSON_Delete(j);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json(bad[i]);
		ret = zec_parse_disk_page(j, &dl);
		CHECK(ret == -EINVAL && dl.items == NULL && dl.count == 0,
		      "disk page: %s rejected", bad[i]);
		cJSON_Delete(j);
	}
	j = json("{\"totalCount\":2,\"dataSet\":[" SNAP_FULL ",{\"snapshotId\":\"s2\"}]}");
	ret = zec_parse_snapshot_page(j, &sl);
	CHECK(ret == 0 && sl.count == 2 && sl.total == 2 &&
	      strcmp(sl.items[0].snapshot_name, "daily") == 0 &&
	      sl.items[1].retention_time == NULL, "snapshot page: two items");
	zec_snapshot_list_free(&sl);
	cJSON_Delete(j);
	j = json("{\"totalCount\":1,\"dataSet\":[{\"snapshotId\":\"s\"},{\"snapshotId\":2}]}");
	CHECK(zec_parse_snapshot_page(j, &sl) == -EINVAL && sl.items == NULL,
	      "snapshot page: a bad item rejects the page");
	cJSON_Delete(j);
	CHECK(zec_parse_snapshot_page(NULL, &sl) == -EINVAL, "snapshot page: NULL rejected");

	j = json("{\"snapshotId\":\"snap-9\"}");
	CHECK(zec_parse_snapshot_id(j, &id) == 0 && strcmp(id, "snap-9") == 0,
	      "CreateSnapshot: snapshotId");
	free(id);
	cJSON_Delete(j);
	j = json("{\"snapshotId\":9}");
	CHECK(zec_parse_snapshot_id(j, &id) == -EINVAL && !id, "CreateSnapshot: numeric id rejected");
	cJSON_Delete(j);
	j = json("{}");
	CHECK(zec_parse_snapshot_id(j, &id) == -EINVAL && !id, "CreateSnapshot: missing id rejected");
	CHECK(zec_parse_strv(j, "snapshotIds", &sv) == 0 && sv.count == 0,
	      "DeleteSnapshots: absent snapshotIds is empty");
	cJSON_Delete(j);
	j = json("{\"snapshotIds\":[\"a\",\"b\"]}");
	CHECK(zec_parse_strv(j, "snapshotIds", &sv) == 0 && sv.count == 2 &&
	      strcmp(sv.v[1], "b") == 0, "DeleteSnapshots: snapshotIds");
	zec_strv_free(&sv);
	cJSON_Delete(j);
	j = json("{\"snapshotIds\":[\"a\",1]}");
	CHECK(zec_parse_strv(j, "snapshotIds", &sv) == -EINVAL && sv.count == 0,
	      "DeleteSnapshots: a non-string id rejected");
	cJSON_Delete(j);
}

static void check_body(int ret, char *body, const char *expect, const char *what)
{
	CHECK(ret == 0 && body && strcmp(body, expect) == 0, "body %s: %s", what,
	      body ? body : "(null)");
	free(body);
}

static void test_bodies(void)
{
	const char *disks[] = { "d1", "d2" };
	const char *snaps[] = { "s1" };
	const char *bad_ids[] = { "s1", NULL };
	struct zec_disk_filter df = { .snapshot_ability = -1 };
	struct zec_snapshot_filter sf = { 0 };
	struct zec_snapshot_modify m = { .snapshot_ids = snaps, .n_snapshot_ids = 1 };
	char *body;
	int ret;

	ret = zec_build_describe_disks(NULL, 0, 0, &body);
	check_body(ret, body, "{}", "no parameters");
	ret = zec_build_describe_disks(&df, 1, 1000, &body);
	check_body(ret, body, "{\"pageNum\":1,\"pageSize\":1000}", "disks, no filter");
	df.disk_ids = disks;
	df.n_disk_ids = 2;
	df.zone_id = "HKG-A";
	df.snapshot_ability = 0;
	ret = zec_build_describe_disks(&df, 2, 20, &body);
	check_body(ret, body, "{\"diskIds\":[\"d1\",\"d2\"],\"zoneId\":\"HKG-A\","
	           "\"snapshotAbility\":false,\"pageNum\":2,\"pageSize\":20}", "disks filtered");
	sf.disk_ids = disks;
	sf.n_disk_ids = 1;
	sf.snapshot_name = "^daily$";
	ret = zec_build_describe_snapshots(&sf, 1, 100, &body);
	check_body(ret, body, "{\"diskIds\":[\"d1\"],\"snapshotName\":\"^daily$\","
	           "\"pageNum\":1,\"pageSize\":100}", "snapshots by name");
	ret = zec_build_create_snapshot("1234567890123456789", "fs-snap-001", NULL, &body);
	check_body(ret, body, "{\"diskId\":\"1234567890123456789\",\"snapshotName\":\"fs-snap-001\"}",
	           "create (vector A's body)");
	ret = zec_build_create_snapshot("d", "n", "2027-01-01T00:00:00Z", &body);
	check_body(ret, body, "{\"diskId\":\"d\",\"snapshotName\":\"n\","
	           "\"retentionTime\":\"2027-01-01T00:00:00Z\"}", "create with retention");
	m.snapshot_name = "new-name";
	ret = zec_build_modify_snapshots(&m, &body);
	check_body(ret, body, "{\"snapshotIds\":[\"s1\"],\"snapshotName\":\"new-name\"}", "rename");
	m.snapshot_name = NULL;
	m.is_permanent = true;
	ret = zec_build_modify_snapshots(&m, &body);
	check_body(ret, body, "{\"snapshotIds\":[\"s1\"],\"isPermanent\":true}", "permanent");
	ret = zec_build_delete_snapshots(snaps, 1, &body);
	check_body(ret, body, "{\"snapshotIds\":[\"s1\"]}", "delete");
	ret = zec_build_apply_snapshot("s1", "d1", &body);
	check_body(ret, body, "{\"snapshotId\":\"s1\",\"diskId\":\"d1\"}", "apply");
	ret = zec_build_modify_disks(disks, 2, "web", &body);
	check_body(ret, body, "{\"diskIds\":[\"d1\",\"d2\"],\"diskName\":\"web\"}", "disk rename");
	ret = zec_build_delete_snapshots(bad_ids, 2, &body);
	CHECK(ret == -EINVAL && body == NULL, "body: a NULL id is refused");
	ret = zec_build_delete_snapshots(NULL, 3, &body);
	CHECK(ret == -EINVAL && body == NULL, "body: a NULL id array is refused");
}

static void test_endpoint(void)
{
	static const struct {
		const char *in, *url, *host, *base;
	} good[] = {
		{ "https://console.zenlayer.com", "https://console.zenlayer.com/api/v2/zec",
		  "console.zenlayer.com", "https://console.zenlayer.com" },
		{ "https://console.zenlayer.com/", "https://console.zenlayer.com/api/v2/zec",
		  "console.zenlayer.com", "https://console.zenlayer.com" },
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v2/zec",
		  "127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/v2/zec",
		  "127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "http://[::1]:9000", "http://[::1]:9000/api/v2/zec", "[::1]:9000",
		  "http://[::1]:9000" },
		{ "HTTPS://api.example.com:443", "https://api.example.com:443/api/v2/zec",
		  "api.example.com:443", "https://api.example.com:443" },
	};
	static const char *const bad[] = {
		"", "console.zenlayer.com", "ftp://host", "https://", "https:///",
		"https://host/api", "https://host//", "https://host?x=1", "https://user@host",
		"https://host:", "https://host:0", "https://host:65536", "https://host:80x",
		"https://ho st", "http://[::1", "https://host#frag", "https://-host",
		"https://host:8080/path/",
	};
	char url[300], host[300], base[300], small[8];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int ret = zec_endpoint_parse(good[i].in, url, sizeof(url), host,
		                             sizeof(host), base, sizeof(base));

		CHECK(ret == 0 && strcmp(url, good[i].url) == 0 &&
		      strcmp(host, good[i].host) == 0 && strcmp(base, good[i].base) == 0,
		      "endpoint %s accepted", good[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zec_endpoint_parse(bad[i], url, sizeof(url), host, sizeof(host),
		                         NULL, 0) == -EINVAL, "endpoint \"%s\" rejected", bad[i]);
	CHECK(zec_endpoint_parse(NULL, NULL, 0, NULL, 0, NULL, 0) == -EINVAL,
	      "endpoint NULL rejected");
	CHECK(zec_endpoint_parse("https://console.zenlayer.com", small, sizeof(small),
	                         NULL, 0, NULL, 0) == -ENAMETOOLONG,
	      "endpoint into a small buffer: -ENAMETOOLONG");
}

static void test_result_begin(void)
{
	struct zec_result res;

	memset(&res, 0x5a, sizeof(res));
	res.path = "/disk/snapshots/x";
	zec_result_begin(&res, "CreateSnapshot");
	CHECK(res.path && strcmp(res.path, "/disk/snapshots/x") == 0 &&
	      strcmp(res.action, "CreateSnapshot") == 0 && res.attempts == 0 &&
	      res.err == 0 && res.code[0] == '\0' && res.outcome == ZEC_OUTCOME_OK,
	      "zec_result_begin keeps the path and clears the rest");
}

/*
 * A cheap deterministic fuzz pass: truncations and byte mutations of valid
 * answers go through the envelope and page parsers (ASan watches).
 */
static void test_mutations(void)
{
	static const char *const seeds[] = {
		"{\"requestId\":\"T1\",\"response\":{\"totalCount\":2,\"dataSet\":["
		DISK_FULL ",{\"diskId\":\"2\"}]}}",
		"{\"requestId\":\"T1\",\"response\":{\"totalCount\":1,\"dataSet\":["
		SNAP_FULL "]}}",
		"{\"requestId\":\"T1\",\"code\":\"INVALID_DISK_NOT_FOUND\",\"message\":\"m\"}",
	};
	static const char alphabet[] = "{}[]\":,0123456789aeTnul\\ \x00\xff";
	unsigned long long x = 88172645463325252ull;
	size_t runs = 0, ok = 0;

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t len = strlen(seeds[s]);
		char *buf = malloc(len + 1);

		for (int i = 0; buf && i < 3000; i++) {
			struct zec_result res = { 0 };
			struct zec_disk_list dl;
			struct zec_snapshot_list sl;
			size_t n = len;
			cJSON *resp = NULL;
			int muts;

			memcpy(buf, seeds[s], len + 1);
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			if (i % 3 == 0)
				n = (size_t)(x % (len + 1));        /* truncation */
			muts = (int)(x >> 40) % 4;
			for (int m = 0; m < muts && n; m++) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				buf[x % n] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
			}
			runs++;
			if (zec_parse_envelope(i % 5 ? 200 : 404, buf, n, &resp, &res) == 0) {
				ok++;
				if (zec_parse_disk_page(resp, &dl) == 0)
					zec_disk_list_free(&dl);
				if (zec_parse_snapshot_page(resp, &sl) == 0)
					zec_snapshot_list_free(&sl);
				cJSON_Delete(resp);
			} else if (res.err >= 0 || resp) {
				break;
			}
		}
		free(buf);
	}
	CHECK(runs == 9000, "mutated answers: %zu parsed without a crash (%zu accepted)",
	      runs, ok);
}

/* zlog_esc: what every server or user value becomes in a log line */
static void test_log_escape(void)
{
	char out[ZLOG_ESC_MAX], small[8];

	CHECK(strcmp(zlog_esc("snap-1", out, sizeof(out)), "snap-1") == 0, "esc: plain kept");
	CHECK(strcmp(zlog_esc(NULL, out, sizeof(out)), "-") == 0 &&
	      strcmp(zlog_esc("", out, sizeof(out)), "-") == 0, "esc: NULL and empty give -");
	CHECK(strcmp(zlog_esc("a\nb\r\"c\\", out, sizeof(out)), "a\\x0ab\\x0d\\\"c\\\\") == 0,
	      "esc: newline, CR, quote, backslash (%s)", out);
	CHECK(strcmp(zlog_esc("\xc3\xa9\x01", out, sizeof(out)), "\\xc3\\xa9\\x01") == 0,
	      "esc: non-ASCII and controls as \\xHH (%s)", out);
	CHECK(strcmp(zlog_esc("abcdefghij", small, sizeof(small)), "abcd...") == 0,
	      "esc: cut to the buffer with ... (%s)", small);
	CHECK(strcmp(zlog_esc("\n\n\n", small, sizeof(small)), "\\x0a...") == 0 &&
	      !strchr(small, '\n'), "esc: a cut escape never leaves a raw byte (%s)", small);
	/* ZLOG_ESC: each use has a buffer of its own, alive for the whole call */
	snprintf(out, sizeof(out), "%s %s", ZLOG_ESC("a\nb"), ZLOG_ESC("c\"d"));
	CHECK(strcmp(out, "a\\x0ab c\\\"d") == 0, "ZLOG_ESC: two values in one call (%s)", out);
}

int main(void)
{
	test_log_escape();
	test_envelope_ok();
	test_envelope_error();
	test_envelope_bad();
	test_disk();
	test_snapshot();
	test_pages();
	test_bodies();
	test_endpoint();
	test_result_begin();
	test_mutations();
	return check_summary();
}

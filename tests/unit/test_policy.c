/*
 * test_policy.c - the auto-snapshot policy, CreateDisks and disk lifecycle
 * client (zec_policy.h, zec_disks.h): request bodies and record parsing as
 * pure functions, then every action end to end against a real zec-emulator
 * (argv[1]) started on a free port, including the re-sending rules under
 * injected dropped answers.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "zec_client.h"
#include "zec_parse.h"
#include "zec_policy_parse.h"
#include "zec_schedule.h"

#define D1 "100000000000000001"
#define D2 "100000000000000002"
#define D3 "100000000000000003"
#define S1 "200000000000000001"
#define I1 "300000000000000001"

/* ---- pure: bodies --------------------------------------------------------- */

static bool body_is(int ret, char *body, const char *want)
{
	bool ok = ret == 0 && body && strcmp(body, want) == 0;

	if (!ok)
		printf("# got %s\n", body ? body : "(null)");
	free(body);
	return ok;
}

static void test_bodies(void)
{
	const struct zec_tag_arg tags[] = { { "env", "prod" }, { "team", NULL } };
	struct zec_policy_spec spec = {
		.zone_id = "asia-east-1a", .policy_name = "nightly",
		.week_days = ZEC_WEEKDAY(5) | ZEC_WEEKDAY(1) | ZEC_WEEKDAY(3),
		.hours = ZEC_HOUR(14) | ZEC_HOUR(2), .retention_days = 14,
		.tags = tags, .n_tags = 1,
	};
	const char *ids[] = { "p1", "p2" };
	struct zec_policy_filter f = {
		.policy_ids = ids, .n_policy_ids = 1, .policy_name = "^nightly$",
		.tags = tags, .n_tags = 2,
	};
	struct zec_policy_modify m = { .policy_id = "p1", .hours = ZEC_HOUR(23),
	                               .set_retention = true,
	                               .retention_days = ZEC_RETENTION_FOREVER };
	struct zec_disk_spec d = { .zone_id = "z", .disk_name = "r1", .disk_size = 100,
	                           .snapshot_id = "s1" };
	char *body;
	int ret;

	ret = zec_build_create_policy(&spec, &body);
	CHECK(body_is(ret, body, "{\"zoneId\":\"asia-east-1a\",\"autoSnapshotPolicyName\":"
	              "\"nightly\",\"repeatWeekDays\":[1,3,5],\"hours\":[2,14],"
	              "\"retentionDays\":14,\"tags\":{\"tags\":[{\"key\":\"env\","
	              "\"value\":\"prod\"}]}}"),
	      "CreateAutoSnapshotPolicy body: days and hours from bits, tags wrapped");
	ret = zec_build_describe_policies(&f, 2, 100, &body);
	CHECK(body_is(ret, body, "{\"autoSnapshotPolicyIds\":[\"p1\"],\"autoSnapshotPolicyName\":"
	              "\"^nightly$\",\"tags\":[{\"key\":\"env\",\"value\":\"prod\"},"
	              "{\"key\":\"team\",\"value\":\"\"}],\"pageNum\":2,\"pageSize\":100}"),
	      "DescribeAutoSnapshotPolicies body: unset filters omitted");
	ret = zec_build_describe_policies(NULL, 0, 0, &body);
	CHECK(body_is(ret, body, "{}"), "DescribeAutoSnapshotPolicies body without filter");
	ret = zec_build_modify_policy(&m, &body);
	CHECK(body_is(ret, body, "{\"autoSnapshotPolicyId\":\"p1\",\"hours\":[23],"
	              "\"retentionDays\":-1}"), "ModifyAutoSnapshotPolicy body: only changes");
	ret = zec_build_policy_ids(NULL, ids, 2, &body);
	CHECK(body_is(ret, body, "{\"autoSnapshotPolicyIds\":[\"p1\",\"p2\"]}"),
	      "DeleteAutoSnapshotPolicies body");
	ret = zec_build_policy_ids("p1", ids + 1, 1, &body);
	CHECK(body_is(ret, body, "{\"autoSnapshotPolicyId\":\"p1\",\"diskIds\":[\"p2\"]}"),
	      "Apply/CancelAutoSnapshotPolicy body");
	ret = zec_build_create_disks(&d, &body);
	CHECK(body_is(ret, body, "{\"zoneId\":\"z\",\"diskName\":\"r1\",\"diskSize\":100,"
	              "\"diskAmount\":1,\"snapshotId\":\"s1\"}"), "CreateDisks body");
	ret = zec_build_policy_ids("p1", (const char *[]){ NULL }, 1, &body);
	CHECK(ret == -EINVAL && !body, "a NULL id in a list is -EINVAL");
	d.tags = tags;
	d.n_tags = 1;
	ret = zec_build_create_disks(&d, &body);
	CHECK(body_is(ret, body, "{\"zoneId\":\"z\",\"diskName\":\"r1\",\"diskSize\":100,"
	              "\"diskAmount\":1,\"snapshotId\":\"s1\",\"tags\":{\"tags\":"
	              "[{\"key\":\"env\",\"value\":\"prod\"}]}}"),
	      "CreateDisks body with tags: the SDK's TagAssociation");
}

/* ---- pure: the disk lifecycle's bodies and the tag test --------------------- */

static void test_disk_bodies(void)
{
	const char *ids[] = { "d1", "d2" };
	const struct zec_tag_arg tag = { "zecfs-browse", "i1" };
	struct zec_disk_filter f = { .disk_name = "zecfs-browse-", .snapshot_ability = -1,
	                             .tags = &tag, .n_tags = 1, .tag_keys = ids, .n_tag_keys = 1 };
	struct zec_disk d = { 0 };
	char *body;
	int ret;

	ret = zec_build_attach_disks(ids, 2, "i1", &body);
	CHECK(body_is(ret, body, "{\"diskIds\":[\"d1\",\"d2\"],\"instanceId\":\"i1\"}"),
	      "AttachDisks body");
	ret = zec_build_detach_disks(ids, 1, &body);
	CHECK(body_is(ret, body, "{\"diskIds\":[\"d1\"],\"instanceCheckFlag\":false}"),
	      "DetachDisks body: instanceCheckFlag false, as Terraform and the CSI driver send");
	ret = zec_build_release_disk("d1", &body);
	CHECK(body_is(ret, body, "{\"diskId\":\"d1\"}"), "ReleaseDisk body");
	ret = zec_build_describe_instance("i1", &body);
	CHECK(body_is(ret, body, "{\"instanceIds\":[\"i1\"]}"), "DescribeInstances body");
	ret = zec_build_describe_disks(&f, 0, 0, &body);
	CHECK(body_is(ret, body, "{\"diskName\":\"zecfs-browse-\",\"tagKeys\":[\"d1\"],"
	              "\"tags\":[{\"key\":\"zecfs-browse\",\"value\":\"i1\"}]}"),
	      "DescribeDisks body: tagKeys and tags filters");

	d.json = "{\"tags\":{\"tags\":[{\"key\":\"a\",\"value\":\"b\"},"
	         "{\"key\":\"zecfs-browse\",\"value\":\"i1\"}]}}";
	CHECK(zec_disk_has_tag(&d, "zecfs-browse", "i1") && zec_disk_has_tag(&d, "a", NULL),
	      "a tag in the official {\"tags\":{\"tags\":[...]}} shape");
	CHECK(!zec_disk_has_tag(&d, "zecfs-browse", "i2") && !zec_disk_has_tag(&d, "b", NULL),
	      "another value or key is not the tag");
	d.json = "{\"tags\":[{\"key\":\"zecfs-browse\",\"value\":\"i1\"}]}";
	CHECK(zec_disk_has_tag(&d, "zecfs-browse", "i1"), "a tag in the flat shape");
	d.json = "{\"tags\":null}";
	CHECK(!zec_disk_has_tag(&d, "zecfs-browse", NULL), "no tags: none");
	d.json = NULL;
	CHECK(!zec_disk_has_tag(&d, "zecfs-browse", NULL), "no record: none");
}

/* ---- pure: records -------------------------------------------------------- */

static int parse_text(const char *text, struct zec_policy *p)
{
	cJSON *j = cJSON_Parse(text);
	int ret = zec_parse_policy(j, p);

	cJSON_Delete(j);
	return ret;
}

static void test_records(void)
{
	struct zec_policy p, copy;
	struct zec_policy_list l;
	struct zec_disks_created dc;
	cJSON *j;
	int ret;

	ret = parse_text("{\"autoSnapshotPolicyId\":\"p1\",\"zoneId\":\"z\","
	                 "\"autoSnapshotPolicyName\":\"n\",\"repeatWeekDays\":[1,7],"
	                 "\"hours\":[0,23],\"retentionDays\":-1,\"diskNum\":2,"
	                 "\"createTime\":\"2026-01-01T00:00:00Z\",\"resourceGroup\":"
	                 "{\"resourceGroupId\":\"rg\",\"resourceGroupName\":\"R\"},"
	                 "\"diskIdSet\":[\"d1\",\"d2\"],\"tags\":{\"tags\":[{\"key\":\"k\","
	                 "\"value\":\"v\"}]}}", &p);
	CHECK(ret == 0 && strcmp(p.policy_id, "p1") == 0 && strcmp(p.zone_id, "z") == 0 &&
	      strcmp(p.policy_name, "n") == 0 &&
	      p.week_days == (ZEC_WEEKDAY(1) | ZEC_WEEKDAY(7)) &&
	      p.hours == (ZEC_HOUR(0) | ZEC_HOUR(23)) &&
	      p.retention_days == ZEC_RETENTION_FOREVER && p.disk_num == 2 &&
	      strcmp(p.resource_group_id, "rg") == 0 && strcmp(p.resource_group_name, "R") == 0 &&
	      p.disk_ids.count == 2 && strcmp(p.disk_ids.v[1], "d2") == 0 && p.n_tags == 1 &&
	      strcmp(p.tags[0].key, "k") == 0 && strcmp(p.tags[0].value, "v") == 0 &&
	      p.json && strstr(p.json, "\"diskIdSet\""), "a full AutoSnapshotPolicy record");
	CHECK(zec_policy_copy(&copy, &p) == 0 && strcmp(copy.disk_ids.v[0], "d1") == 0 &&
	      strcmp(copy.tags[0].value, "v") == 0 && copy.hours == p.hours &&
	      copy.disk_ids.v[0] != p.disk_ids.v[0], "zec_policy_copy is deep");
	zec_policy_clear(&copy);
	zec_policy_clear(&p);

	ret = parse_text("{\"autoSnapshotPolicyId\":\"p1\"}", &p);
	CHECK(ret == 0 && p.retention_days == ZEC_RETENTION_FOREVER && !p.week_days &&
	      !p.disk_ids.count && !p.n_tags, "a bare record: defaults");
	zec_policy_clear(&p);
	CHECK(parse_text("{\"zoneId\":\"z\"}", &p) == -EINVAL && !p.zone_id,
	      "no autoSnapshotPolicyId: -EINVAL, cleared");
	CHECK(parse_text("{\"autoSnapshotPolicyId\":\"p\",\"repeatWeekDays\":[8]}", &p) == -EINVAL,
	      "weekday 8: -EINVAL");
	CHECK(parse_text("{\"autoSnapshotPolicyId\":\"p\",\"hours\":[1.5]}", &p) == -EINVAL,
	      "hour 1.5: -EINVAL");
	CHECK(parse_text("{\"autoSnapshotPolicyId\":\"p\",\"retentionDays\":0}", &p) == -EINVAL,
	      "retentionDays 0: -EINVAL");
	CHECK(parse_text("{\"autoSnapshotPolicyId\":\"p\",\"diskIdSet\":[1]}", &p) == -EINVAL,
	      "diskIdSet of numbers: -EINVAL");
	CHECK(parse_text("[]", &p) == -EINVAL, "not an object: -EINVAL");

	j = cJSON_Parse("{\"totalCount\":3,\"dataSet\":[{\"autoSnapshotPolicyId\":\"a\"},"
	                "{\"autoSnapshotPolicyId\":\"b\"}]}");
	CHECK(zec_parse_policy_page(j, &l) == 0 && l.total == 3 && l.count == 2 &&
	      strcmp(l.items[1].policy_id, "b") == 0, "a page");
	zec_policy_list_free(&l);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"dataSet\":[]}");
	CHECK(zec_parse_policy_page(j, &l) == -EINVAL, "a page without totalCount: -EINVAL");
	cJSON_Delete(j);

	j = cJSON_Parse("{\"diskIds\":[\"d9\"],\"orderNumber\":\"o1\"}");
	CHECK(zec_parse_disks_created(j, &dc) == 0 && dc.disk_ids.count == 1 &&
	      strcmp(dc.disk_ids.v[0], "d9") == 0 && strcmp(dc.order_number, "o1") == 0,
	      "CreateDisks answer");
	zec_disks_created_free(&dc);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"diskIds\":[]}");
	CHECK(zec_parse_disks_created(j, &dc) == -EINVAL, "CreateDisks answer without ids: -EINVAL");
	cJSON_Delete(j);
}

/* ---- pure: the schedule's text form (user.zec.autoSnapshot) ---------------- */

static bool sched_round_trip(const char *in, const char *want)
{
	struct zec_schedule s;
	char buf[ZEC_SCHEDULE_TEXT_MAX];

	if (zec_schedule_parse(in, strlen(in), &s) ||
	    zec_schedule_format(&s, buf, sizeof(buf)))
		return false;
	if (strcmp(buf, want) != 0)
		printf("# got %s\n", buf);
	return strcmp(buf, want) == 0;
}

static void test_schedule(void)
{
	static const char *const bad[] = {
		"", "days=mon hours=2", "days=mon keep=1", "hours=2 keep=1",
		"days=mon hours=2 keep=1 days=tue", "days= hours=2 keep=1",
		"days=mon, hours=2 keep=1", "days=mo hours=2 keep=1", "days=8 hours=2 keep=1",
		"days=0 hours=2 keep=1", "days=mon hours=24 keep=1", "days=mon hours=-1 keep=1",
		"days=mon hours=002 keep=1", "days=mon hours=2 keep=0",
		"days=mon hours=2 keep=65536", "days=mon hours=2 keep=never",
		"days=mon hours=2 keep=1 extra=1", "days=mon hours=2 keep=1 junk",
		"days=mon hours=2,,3 keep=1", "days = mon hours=2 keep=1",
	};
	struct zec_schedule s = { ZEC_WEEKDAY(1), ZEC_HOUR(2), 14 };
	char small[8];

	CHECK(sched_round_trip("days=mon,wed,fri hours=2 keep=14", "days=mon,wed,fri hours=2 keep=14"),
	      "the issue's example is canonical");
	CHECK(sched_round_trip("keep=forever  hours=14,2,2\tdays=5,1,WED\n",
	                       "days=mon,wed,fri hours=2,14 keep=forever"),
	      "order free, numbers and names, repeats, blanks: canonical form");
	CHECK(sched_round_trip("days=daily hours=0,23 keep=65535",
	                       "days=daily hours=0,23 keep=65535"), "daily");
	CHECK(sched_round_trip("days=1,2,3,4,5,6,7 hours=02 keep=1", "days=daily hours=2 keep=1"),
	      "all seven days print as daily");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zec_schedule_parse(bad[i], strlen(bad[i]), &s) == -EINVAL,
		      "malformed: \"%s\"", bad[i]);
	CHECK(zec_schedule_parse("days=mon hours=2 keep=1XYZ", 23, &s) == 0 && s.keep == 1,
	      "only len bytes are read");
	s = (struct zec_schedule){ ZEC_WEEKDAY(1), ZEC_HOUR(2), 14 };
	CHECK(zec_schedule_format(&s, small, sizeof(small)) == -ENAMETOOLONG, "small buffer");
	s.days = 1;
	CHECK(zec_schedule_format(&s, small, sizeof(small)) == -EINVAL, "bit 0 is no weekday");
	CHECK(ZEC_WEEKDAY(3) == (1u << 3) && ZEC_HOUR(5) == (1u << 5),
	      "the client's bit sets are the schedule's");
}

/* ---- the real emulator ----------------------------------------------------- */

static pid_t emu_pid = -1;
static char emu_url[64];

static const char seed_text[] =
	"{\"disks\":["
	"{\"diskId\":\"" D1 "\",\"zoneId\":\"asia-east-1a\",\"diskSize\":80},"
	"{\"diskId\":\"" D2 "\",\"zoneId\":\"asia-east-1a\"},"
	"{\"diskId\":\"" D3 "\",\"zoneId\":\"asia-east-1b\"}],"
	"\"snapshots\":[{\"snapshotId\":\"" S1 "\",\"diskId\":\"" D1 "\"}],"
	"\"instances\":[{\"instanceId\":\"" I1 "\",\"zoneId\":\"asia-east-1a\"}]}";

static int emu_start(const char *binary)
{
	char seed_path[] = "/tmp/zec-policy-seed-XXXXXX", line[128] = "";
	int fd = mkstemp(seed_path), pipefd[2];
	FILE *out;

	if (fd < 0 || write(fd, seed_text, sizeof(seed_text) - 1) < 0 || close(fd) ||
	    pipe(pipefd))
		return -1;
	emu_pid = fork();
	if (emu_pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		execl(binary, binary, "--listen", "127.0.0.1:0", "--seed", seed_path,
		      "--create-delay-ms", "50", "--disk-op-delay-ms", "50", "--log-level", "warn",
		      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	if (!out || !fgets(line, sizeof(line), out) ||
	    sscanf(line, "listening on %63s", emu_url) != 1) {
		if (out)
			fclose(out);
		unlink(seed_path);
		return -1;
	}
	fclose(out);
	unlink(seed_path);
	return 0;
}

static void emu_stop(void)
{
	if (emu_pid > 0) {
		kill(emu_pid, SIGTERM);
		waitpid(emu_pid, NULL, 0);
	}
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	size_t *len = ((size_t *)arg), room = 65535 - *len, take = size * n < room ? size * n : room;
	char *buf = (char *)(len + 1);

	memcpy(buf + *len, data, take);
	*len += take;
	buf[*len] = '\0';
	return size * n;
}

/* A control-plane request; the answer parsed (caller frees), NULL on failure. */
static cJSON *control(const char *method, const char *path, const char *body)
{
	static struct {
		size_t len;
		char buf[65536];
	} ans;
	char url[160];
	CURL *h = curl_easy_init();
	cJSON *doc = NULL;

	if (!h)
		return NULL;
	ans.len = 0;
	ans.buf[0] = '\0';
	snprintf(url, sizeof(url), "%s/_emulator/%s", emu_url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
	if (curl_easy_perform(h) == CURLE_OK)
		doc = cJSON_Parse(ans.buf);
	curl_easy_cleanup(h);
	return doc;
}

static int state_count(const char *key)
{
	cJSON *st = control("GET", "state", NULL);
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(st, key));

	cJSON_Delete(st);
	return n;
}

static struct zec_client *emu_client(void)
{
	struct zec_client_config cfg = {
		.endpoint = emu_url,
		.access_key_id = "ZECDEMOACCESSKEY0001",
		.access_key_password = "zec-demo-password-not-secret",
		.request_timeout_ms = 5000,
		.deadline_ms = 10000,
		.retries = 3,
	};
	struct zec_client *c = NULL;

	return zec_client_new(&cfg, &c) ? NULL : c;
}

static void test_policy_actions(struct zec_client *c)
{
	struct zec_policy_spec spec = {
		.zone_id = "asia-east-1a", .policy_name = "nightly",
		.week_days = ZEC_WEEKDAY(1) | ZEC_WEEKDAY(3), .hours = ZEC_HOUR(2),
		.retention_days = 7,
	};
	const char *disks[] = { D1, D2 }, *other_zone[] = { D3 };
	struct zec_policy_modify m = { .hours = ZEC_HOUR(4) };
	struct zec_policy_list l;
	struct zec_result res = { 0 };
	char *id = NULL, *id2 = NULL;
	int ret;

	ret = zec_create_auto_snapshot_policy(c, &spec, &id, &res);
	CHECK(ret == 0 && id && *id && res.outcome == ZEC_OUTCOME_OK, "create a policy");
	ret = zec_apply_auto_snapshot_policy(c, id, disks, 2, &res);
	CHECK(ret == 0, "apply it to two disks");
	ret = zec_describe_auto_snapshot_policies_all(c, NULL, &l, &res);
	CHECK(ret == 0 && l.count == 1 && l.total == 1 && strcmp(l.items[0].policy_id, id) == 0 &&
	      l.items[0].week_days == spec.week_days && l.items[0].hours == ZEC_HOUR(2) &&
	      l.items[0].retention_days == 7 && l.items[0].disk_ids.count == 2 &&
	      l.items[0].disk_num == 2, "describe: the record as created and applied");
	zec_policy_list_free(&l);

	spec.policy_name = "second";
	CHECK(zec_create_auto_snapshot_policy(c, &spec, &id2, &res) == 0, "a second policy");
	ret = zec_apply_auto_snapshot_policy(c, id2, disks, 1, &res);
	CHECK(ret == -EEXIST || (ret < 0 && strcmp(res.code,
	                         "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST") == 0),
	      "a disk on another policy: INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST (code %s)",
	      res.code);
	ret = zec_apply_auto_snapshot_policy(c, id2, other_zone, 1, &res);
	CHECK(ret == -EXDEV && strcmp(res.code, "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH") == 0,
	      "a disk of another zone: EXDEV");

	{
		const char *one[] = { D1 };
		struct zec_disk_filter df = { .disk_ids = one, .n_disk_ids = 1,
		                              .snapshot_ability = -1 };
		struct zec_disk_list dl;

		ret = zec_describe_disks(c, &df, 0, 0, &dl, &res);
		CHECK(ret == 0 && dl.count == 1 && dl.items[0].auto_snapshot_policy_id &&
		      strcmp(dl.items[0].auto_snapshot_policy_id, id) == 0,
		      "DescribeDisks shows the disk's autoSnapshotPolicyId");
		zec_disk_list_free(&dl);
	}
	m.policy_id = id;
	CHECK(zec_modify_auto_snapshot_policy(c, &m, &res) == 0, "modify the hours");
	{
		const char *one[] = { id };
		struct zec_policy_filter f = { .policy_ids = one, .n_policy_ids = 1 };

		ret = zec_describe_auto_snapshot_policies(c, &f, 1, 10, &l, &res);
		CHECK(ret == 0 && l.count == 1 && l.items[0].hours == ZEC_HOUR(4),
		      "one page, filtered by id: the new hours");
		zec_policy_list_free(&l);
	}
	CHECK(zec_cancel_auto_snapshot_policy(c, id, disks, 1, &res) == 0, "cancel one disk");
	{
		const char *both[] = { id, id2 };

		CHECK(zec_delete_auto_snapshot_policies(c, both, 2, &res) == 0, "delete both");
		ret = zec_delete_auto_snapshot_policies(c, both, 1, &res);
		CHECK(ret == -ENOENT || (ret < 0 && strcmp(res.code,
		                         "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND") == 0),
		      "delete again: INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND (code %s)", res.code);
	}
	CHECK(state_count("autoSnapshotPolicies") == 0, "the emulator holds no policy");
	free(id);
	free(id2);

	spec.week_days = 0;
	CHECK(zec_create_auto_snapshot_policy(c, &spec, &id, &res) == -EINVAL &&
	      res.outcome == ZEC_OUTCOME_LOCAL, "no weekday: refused locally");
	spec.week_days = ZEC_WEEKDAY(1);
	spec.retention_days = 0;
	CHECK(zec_create_auto_snapshot_policy(c, &spec, &id, &res) == -EINVAL &&
	      res.outcome == ZEC_OUTCOME_LOCAL, "retention 0: refused locally");
}

static void test_walker(struct zec_client *c)
{
	struct zec_policy_spec spec = {
		.zone_id = "asia-east-1b", .policy_name = "many",
		.week_days = ZEC_WEEKDAY(2), .hours = ZEC_HOUR(1),
		.retention_days = ZEC_RETENTION_FOREVER,
	};
	const char *zone[] = { "asia-east-1b" };
	struct zec_policy_filter f = { .zone_ids = zone, .n_zone_ids = 1 };
	struct zec_policy_list l;
	struct zec_result res = { 0 };
	cJSON *calls, *n;
	int made = 0;

	for (int i = 0; i < 205; i++) {
		char *id = NULL;

		made += zec_create_auto_snapshot_policy(c, &spec, &id, &res) == 0;
		free(id);
	}
	cJSON_Delete(control("POST", "calls/reset", NULL));
	CHECK(made == 205 && zec_describe_auto_snapshot_policies_all(c, &f, &l, &res) == 0 &&
	      l.count == 205 && l.total == 205, "the walker returns all 205 policies");
	zec_policy_list_free(&l);
	calls = control("GET", "calls", NULL);
	n = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(calls, "actions"),
	                                            "DescribeAutoSnapshotPolicies"), "ok");
	CHECK(n && n->valuedouble == 3, "in ceil(205 / 100) = 3 calls");
	cJSON_Delete(calls);
}

static void test_create_disks(struct zec_client *c)
{
	struct zec_disk_spec spec = { .zone_id = "asia-east-1a", .disk_name = "restored",
	                              .disk_size = 80, .snapshot_id = S1 };
	struct zec_disks_created out;
	struct zec_result res = { 0 };
	int before = state_count("disks"), ret;

	ret = zec_create_disks(c, &spec, &out, &res);
	CHECK(ret == 0 && out.disk_ids.count == 1 && out.order_number && *out.order_number,
	      "CreateDisks from a snapshot: one id and an order number");
	zec_disks_created_free(&out);
	CHECK(state_count("disks") == before + 1, "the emulator holds the new disk");

	spec.disk_size = 79;
	ret = zec_create_disks(c, &spec, &out, &res);
	CHECK(ret < 0 && strcmp(res.code, "INVALID_DISK_SNAPSHOT_SIZE_MISMATCH") == 0 &&
	      out.disk_ids.count == 0, "a size below the source: INVALID_DISK_SNAPSHOT_SIZE_MISMATCH");

	/* an answer lost after the disk was made: not re-sent */
	spec.disk_size = 80;
	cJSON_Delete(control("POST", "faults",
	                     "{\"action\":\"CreateDisks\",\"drop\":\"after\",\"count\":1}"));
	before = state_count("disks");
	ret = zec_create_disks(c, &spec, &out, &res);
	CHECK(ret < 0 && res.attempts == 1, "a dropped CreateDisks answer fails after one try");
	CHECK(state_count("disks") == before + 1, "and exactly one disk was made");

	/* a lost DeleteAutoSnapshotPolicies answer: retried, NOT_FOUND is success.
	 * A fresh client, so the first try is on a new connection (libcurl
	 * itself re-sends a request whose reused connection dies silently). */
	{
		struct zec_policy_spec p = { .zone_id = "asia-east-1a", .policy_name = "gone",
		                             .week_days = ZEC_WEEKDAY(1), .hours = ZEC_HOUR(1),
		                             .retention_days = 1 };
		struct zec_client *fresh = emu_client();
		char *id = NULL;
		const char *ids[1];

		ret = zec_create_auto_snapshot_policy(c, &p, &id, &res);
		ids[0] = id;
		cJSON_Delete(control("POST", "faults", "{\"action\":\"DeleteAutoSnapshotPolicies\","
		                     "\"drop\":\"after\",\"count\":1}"));
		CHECK(ret == 0 && fresh && zec_delete_auto_snapshot_policies(fresh, ids, 1, &res) == 0 &&
		      res.attempts == 2, "a dropped delete is retried and taken as done");
		zec_client_free(fresh);
		free(id);
	}
	/* a lost CreateAutoSnapshotPolicy answer: not re-sent */
	{
		struct zec_policy_spec p = { .zone_id = "asia-east-1a", .policy_name = "once",
		                             .week_days = ZEC_WEEKDAY(1), .hours = ZEC_HOUR(1),
		                             .retention_days = 1 };
		char *id = NULL;
		const char *name = "^once$";
		struct zec_policy_filter f = { .policy_name = name };
		struct zec_policy_list l;

		cJSON_Delete(control("POST", "faults", "{\"action\":\"CreateAutoSnapshotPolicy\","
		                     "\"drop\":\"after\",\"count\":1}"));
		ret = zec_create_auto_snapshot_policy(c, &p, &id, &res);
		CHECK(ret < 0 && !id && res.attempts == 1, "a dropped policy create fails after one try");
		CHECK(zec_describe_auto_snapshot_policies_all(c, &f, &l, &res) == 0 && l.count == 1,
		      "and exactly one policy was made");
		zec_policy_list_free(&l);
	}
	cJSON_Delete(control("DELETE", "faults", NULL));
	CHECK(zec_create_disks(c, &(struct zec_disk_spec){ .zone_id = "z" }, &out, &res) ==
	      -EINVAL && res.outcome == ZEC_OUTCOME_LOCAL, "no name, no size: refused locally");
}

/* Polls the disk until it has that status (NULL: until it is gone). */
static bool disk_reaches(struct zec_client *c, const char *id, const char *status)
{
	const char *ids[] = { id };
	struct zec_disk_filter f = { .disk_ids = ids, .n_disk_ids = 1, .snapshot_ability = -1 };

	for (int i = 0; i < 200; i++) {
		struct zec_disk_list l = { 0 };
		bool there;

		if (zec_describe_disks(c, &f, 1, 10, &l, NULL))
			return false;
		there = status ? l.count == 1 && l.items[0].disk_status &&
		                 strcmp(l.items[0].disk_status, status) == 0 : l.count == 0;
		zec_disk_list_free(&l);
		if (there)
			return true;
		usleep(20 * 1000);
	}
	return false;
}

static void test_disk_lifecycle(struct zec_client *c)
{
	const struct zec_tag_arg tag = { "zecfs-browse", I1 };
	struct zec_disk_spec spec = { .zone_id = "asia-east-1a", .disk_name = "zecfs-browse-" S1,
	                              .disk_size = 80, .snapshot_id = S1, .tags = &tag, .n_tags = 1 };
	struct zec_disk_filter f = { .disk_name = "zecfs-browse-", .snapshot_ability = -1,
	                             .tags = &tag, .n_tags = 1 };
	struct zec_disks_created out = { 0 };
	struct zec_instance inst;
	struct zec_disk_list l = { 0 };
	struct zec_strv failed = { 0 };
	struct zec_result res = { 0 };
	const char *ids[1];
	int ret;

	ret = zec_describe_instance(c, I1, &inst, &res);
	CHECK(ret == 0 && strcmp(inst.zone_id, "asia-east-1a") == 0 &&
	      strcmp(inst.status, "RUNNING") == 0, "DescribeInstances: the instance's zone");
	zec_instance_clear(&inst);
	ret = zec_describe_instance(c, "399", &inst, &res);
	CHECK(ret == -ENXIO && strcmp(res.code, "ZECFS_INSTANCE_UNKNOWN") == 0 && !inst.zone_id,
	      "an instance the account lacks: ZECFS_INSTANCE_UNKNOWN (ENXIO)");

	ret = zec_create_disks(c, &spec, &out, &res);
	CHECK(ret == 0 && out.disk_ids.count == 1, "CreateDisks with a tag");
	if (ret || !out.disk_ids.count)
		return;
	ids[0] = out.disk_ids.v[0];
	ret = zec_describe_disks_all(c, &f, &l, &res);
	CHECK(ret == 0 && l.count == 1 && strcmp(l.items[0].disk_id, ids[0]) == 0 &&
	      zec_disk_has_tag(&l.items[0], "zecfs-browse", I1),
	      "DescribeDisks by name and tag finds it, and its record has the tag");
	zec_disk_list_free(&l);
	CHECK(disk_reaches(c, ids[0], "AVAILABLE"), "the disk becomes AVAILABLE");
	CHECK(zec_attach_disks(c, ids, 1, I1, &res) == 0, "AttachDisks");
	CHECK(disk_reaches(c, ids[0], "IN_USE"), "the disk becomes IN_USE");
	CHECK(zec_release_disk(c, ids[0], &res) == -EBUSY &&
	      strcmp(res.code, "UNSUPPORTED_OPERATION_DISK_STATUS") == 0,
	      "ReleaseDisk of an attached disk: refused, EBUSY");
	ret = zec_detach_disks(c, ids, 1, &failed, &res);
	CHECK(ret == 0 && failed.count == 0,
	      "DetachDisks of a running instance's disk: none failed (instanceCheckFlag false)");
	zec_strv_free(&failed);
	CHECK(disk_reaches(c, ids[0], "AVAILABLE"), "the disk becomes AVAILABLE again");
	CHECK(zec_release_disk(c, ids[0], &res) == 0 && disk_reaches(c, ids[0], "RECYCLED"),
	      "the first ReleaseDisk recycles it");
	CHECK(zec_release_disk(c, ids[0], &res) == 0 && disk_reaches(c, ids[0], NULL),
	      "the second destroys it");
	ret = zec_release_disk(c, ids[0], &res);
	CHECK(ret == -ENOENT && strcmp(res.code, "OPERATION_FAILED_RESOURCE_NOT_FOUND") == 0,
	      "a third: OPERATION_FAILED_RESOURCE_NOT_FOUND");
	CHECK(zec_attach_disks(c, ids, 0, I1, &res) == -EINVAL && res.outcome == ZEC_OUTCOME_LOCAL,
	      "AttachDisks without disks: refused locally");
	zec_disks_created_free(&out);
}

int main(int argc, char **argv)
{
	struct zec_client *c;

	test_bodies();
	test_disk_bodies();
	test_records();
	test_schedule();
	if (argc < 2) {
		printf("# SKIP the emulator tests: no zec-emulator path given\n");
		return check_summary();
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CHECK(emu_start(argv[1]) == 0, "zec-emulator started (%s)", emu_url);
	c = emu_url[0] ? emu_client() : NULL;
	CHECK(c != NULL, "a client for it");
	if (c) {
		test_policy_actions(c);
		test_create_disks(c);
		test_disk_lifecycle(c);
		test_walker(c);
		zec_client_free(c);
	}
	emu_stop();
	curl_global_cleanup();
	return check_summary();
}

/*
 * test_http.c - the client against a tiny scripted HTTP server in this
 * process: headers and signing as sent, bearer mode, keep-alive reuse,
 * retries and their limits, timeouts, cancellation, the no-duplicate
 * CreateSnapshot rules, DeleteSnapshots' "already gone", the page walker,
 * local argument checks, and that no secret reaches the log.
 *
 * The server runs one thread per connection; each request consumes the next
 * step of a script (reply, drop the connection, or stall).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "zec_client.h"
#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_parse.h"
#include "zec_sign.h"
#include "zec_time.h"
#include "zec_tls.h"
#include "zec_walk.h"

#define KEY_ID  "TESTKEYID00000001"
#define SECRET  "TestSecretPassword0123456789"

/* ---- the scripted server ------------------------------------------------- */

/* STEP_LIST answers DescribeSnapshots for the pageNum/pageSize asked:
 * 'status' is the totalCount, items "L<page>-<i>" (step.stall_ms: 1 = every
 * item has the same id "same") */
enum step_kind { STEP_REPLY, STEP_DROP, STEP_STALL, STEP_LIST };

struct step {
	enum step_kind kind;
	int status;
	char *body;            /* malloc'd */
	int stall_ms;
	bool claimed;          /* STEP_LIST: totalCount says 'claim', not 'status' */
	int claim;
};

struct request {
	char action[64], host[128], auth[512], ts[32], ct[128], client[64];
	char sigmethod[64], service[32], version[32];
	char *body;
};

#define MAX_STEPS 256
#define MAX_REQS  256
#define MAX_CONNS 1024

static struct {
	int listen_fd;
	int port;
	pthread_t acceptor;
	pthread_t conns[MAX_CONNS];
	int n_conns;
	atomic_bool stop;
	pthread_mutex_t lock;
	struct step steps[MAX_STEPS];
	int n_steps, next_step;
	struct request reqs[MAX_REQS];
	int n_reqs;
} srv;

static void script_reset(void)
{
	pthread_mutex_lock(&srv.lock);
	for (int i = 0; i < srv.n_steps; i++)
		free(srv.steps[i].body);
	for (int i = 0; i < srv.n_reqs; i++)
		free(srv.reqs[i].body);
	srv.n_steps = srv.next_step = srv.n_reqs = 0;
	pthread_mutex_unlock(&srv.lock);
}

static void script_add(enum step_kind kind, int status, const char *body, int stall_ms)
{
	pthread_mutex_lock(&srv.lock);
	if (srv.n_steps < MAX_STEPS) {
		struct step *s = &srv.steps[srv.n_steps++];

		s->kind = kind;
		s->status = status;
		s->body = strdup(body ? body : "");
		s->stall_ms = stall_ms;
		s->claimed = false;
	}
	pthread_mutex_unlock(&srv.lock);
}

/* A STEP_LIST step of 'total' items whose answer claims totalCount 'claim'. */
static void script_list_claim(int total, int claim)
{
	script_add(STEP_LIST, total, NULL, 0);
	pthread_mutex_lock(&srv.lock);
	srv.steps[srv.n_steps - 1].claimed = true;
	srv.steps[srv.n_steps - 1].claim = claim;
	pthread_mutex_unlock(&srv.lock);
}

static void reply(int status, const char *body)
{
	script_add(STEP_REPLY, status, body, 0);
}

static void error_reply(int status, const char *code)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"requestId\":\"Terr-%d\",\"code\":\"%s\","
	         "\"message\":\"scripted %s\"}", status, code, code);
	reply(status, body);
}

static int count_action(const char *action)
{
	int n = 0;

	pthread_mutex_lock(&srv.lock);
	for (int i = 0; i < srv.n_reqs; i++)
		n += strcmp(srv.reqs[i].action, action) == 0;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* Copies header 'name' (case-insensitive) out of the header block. */
static void header(const char *head, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	const char *p = head;

	out[0] = '\0';
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *end;

			while (*v == ' ')
				v++;
			end = strstr(v, "\r\n");
			if (!end)
				end = v + strlen(v);
			snprintf(out, size, "%.*s", (int)(end - v), v);
			return;
		}
	}
}

/* Waits for fd to be readable; 0 when stop was asked or the wait timed out. */
static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (ms > 0 && !atomic_load(&srv.stop)) {
		int r = poll(&p, 1, ms < 50 ? ms : 50);

		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
		ms -= 50;
	}
	return 0;
}

/* Reads one request; 0 on success, -1 when the connection is over. */
static int read_request(int fd, char **head_out, char **body_out)
{
	size_t cap = 65536, len = 0, clen;
	char *buf = malloc(cap + 1), *end, cl[32];

	if (!buf)
		return -1;
	for (;;) {
		ssize_t n;

		if (!wait_readable(fd, 10000))
			goto fail;
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			goto fail;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		if (len == cap)
			goto fail;
	}
	*end = '\0';
	header(buf, "Content-Length", cl, sizeof(cl));
	clen = (size_t)strtoul(cl, NULL, 10);
	{
		char *body = calloc(1, clen + 1);
		size_t have = len - (size_t)(end + 4 - buf);

		if (!body || have > clen)
			goto fail_body;
		memcpy(body, end + 4, have);
		while (have < clen) {
			ssize_t n;

			if (!wait_readable(fd, 10000))
				goto fail_body;
			n = read(fd, body + have, clen - have);
			if (n <= 0)
				goto fail_body;
			have += (size_t)n;
		}
		*head_out = buf;
		*body_out = body;
		return 0;
fail_body:
		free(body);
	}
fail:
	free(buf);
	return -1;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static int body_int(const char *body, const char *key, int dflt)
{
	const char *p = strstr(body, key);

	return p ? atoi(p + strlen(key)) : dflt;
}

/* The DescribeSnapshots answer of a STEP_LIST step for this request. */
static char *list_answer(const struct step *st, const char *req)
{
	int page = body_int(req, "\"pageNum\":", 1);
	int size = body_int(req, "\"pageSize\":", 20);
	long long total = st->status, first = (long long)(page - 1) * size;
	cJSON *root = cJSON_CreateObject(), *resp, *ds;
	char *out;

	cJSON_AddStringToObject(root, "requestId", "Tlist");
	resp = cJSON_AddObjectToObject(root, "response");
	cJSON_AddNumberToObject(resp, "totalCount", (double)(st->claimed ? st->claim : total));
	ds = cJSON_AddArrayToObject(resp, "dataSet");
	for (long long i = first; i < total && i < first + size; i++) {
		cJSON *it = cJSON_CreateObject();
		char id[48];

		snprintf(id, sizeof(id), "L%d-%lld", page, i - first);
		cJSON_AddStringToObject(it, "snapshotId", st->stall_ms == 1 ? "same" : id);
		cJSON_AddStringToObject(it, "snapshotName", "n");
		cJSON_AddStringToObject(it, "status", "AVAILABLE");
		cJSON_AddItemToArray(ds, it);
	}
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;

	while (!atomic_load(&srv.stop)) {
		struct step step = { STEP_REPLY, 500, NULL, 0, false, 0 };
		char *head = NULL, *body = NULL, *out = NULL;

		if (read_request(fd, &head, &body))
			break;
		pthread_mutex_lock(&srv.lock);
		if (srv.n_reqs < MAX_REQS) {
			struct request *r = &srv.reqs[srv.n_reqs++];

			header(head, "X-ZC-Action", r->action, sizeof(r->action));
			header(head, "Host", r->host, sizeof(r->host));
			header(head, "Authorization", r->auth, sizeof(r->auth));
			header(head, "X-ZC-Timestamp", r->ts, sizeof(r->ts));
			header(head, "Content-Type", r->ct, sizeof(r->ct));
			header(head, "X-ZC-Request-Client", r->client, sizeof(r->client));
			header(head, "X-ZC-Signature-Method", r->sigmethod, sizeof(r->sigmethod));
			header(head, "X-ZC-Service", r->service, sizeof(r->service));
			header(head, "X-ZC-Version", r->version, sizeof(r->version));
			r->body = strdup(body);
		}
		if (srv.next_step < srv.n_steps) {
			step = srv.steps[srv.next_step++];
			step.body = step.kind == STEP_LIST ? list_answer(&step, body)
			                                   : strdup(step.body);
			if (step.kind == STEP_LIST)
				step.status = 200;
		} else {
			step.body = strdup("{\"requestId\":\"Tx\",\"code\":\"INTERNAL_SERVER_ERROR\","
			                   "\"message\":\"script exhausted\"}");
		}
		pthread_mutex_unlock(&srv.lock);
		free(head);
		free(body);

		if (step.kind == STEP_DROP) {
			free(step.body);
			break;
		}
		if (step.kind == STEP_STALL) {
			wait_readable(-1, step.stall_ms);   /* sleeps, stop-aware */
			free(step.body);
			break;
		}
		if (asprintf(&out, "HTTP/1.1 %d Scripted\r\nContent-Type: application/json\r\n"
		             "Content-Length: %zu\r\n\r\n%s", step.status,
		             strlen(step.body), step.body) > 0) {
			write_all(fd, out, strlen(out));
			free(out);
		}
		free(step.body);
	}
	close(fd);
	return NULL;
}

static void *acceptor_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&srv.stop)) {
		int fd;

		if (!wait_readable(srv.listen_fd, 100))
			continue;
		fd = accept(srv.listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&srv.lock);
		if (srv.n_conns < MAX_CONNS &&
		    pthread_create(&srv.conns[srv.n_conns], NULL, conn_main,
		                   (void *)(intptr_t)fd) == 0)
			srv.n_conns++;
		else
			close(fd);
		pthread_mutex_unlock(&srv.lock);
	}
	return NULL;
}

static int server_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1;

	pthread_mutex_init(&srv.lock, NULL);
	atomic_init(&srv.stop, false);
	srv.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv.listen_fd < 0)
		return -1;
	setsockopt(srv.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(srv.listen_fd, 256) ||
	    getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen))
		return -1;
	srv.port = ntohs(a.sin_port);
	return pthread_create(&srv.acceptor, NULL, acceptor_main, NULL) ? -1 : 0;
}

static void server_stop(void)
{
	atomic_store(&srv.stop, true);
	pthread_join(srv.acceptor, NULL);
	for (int i = 0; i < srv.n_conns; i++)
		pthread_join(srv.conns[i], NULL);
	close(srv.listen_fd);
	script_reset();
	pthread_mutex_destroy(&srv.lock);
}

static int connections(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.n_conns;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* ---- helpers ------------------------------------------------------------- */

static struct zec_client *client(long timeout_ms, long deadline_ms, int retries)
{
	char endpoint[64];
	struct zec_client_config cfg = {
		.endpoint = endpoint,
		.access_key_id = KEY_ID,
		.access_key_password = SECRET,
		.request_timeout_ms = timeout_ms,
		.deadline_ms = deadline_ms,
		.retries = retries,
		.log_calls = 1,
	};
	struct zec_client *c = NULL;

	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d/", srv.port);
	if (zec_client_new(&cfg, &c))
		return NULL;
	return c;
}

static const char *disks_page =
	"{\"requestId\":\"Tdisks\",\"response\":{\"requestId\":\"Tdisks\",\"totalCount\":1,"
	"\"dataSet\":[{\"diskId\":\"862857204414550690\",\"diskName\":\"data-1\","
	"\"diskStatus\":\"IN_USE\",\"snapshotAbility\":true}]}}";

static void now_text(int offset_s, char out[ZEC_TIME_LEN])
{
	zec_time_format(time(NULL) + offset_s, out);
}

/* A DescribeSnapshots answer with the given (name, createTime) items. */
static char *snapshots_answer_st(int n, int total, const char *const *ids,
                                 const char *name, const char *const *times,
                                 const char *const *statuses)
{
	cJSON *root = cJSON_CreateObject(), *resp, *ds;
	char *s;

	cJSON_AddStringToObject(root, "requestId", "Tsnaps");
	resp = cJSON_AddObjectToObject(root, "response");
	cJSON_AddNumberToObject(resp, "totalCount", total);
	ds = cJSON_AddArrayToObject(resp, "dataSet");
	for (int i = 0; i < n; i++) {
		cJSON *it = cJSON_CreateObject();

		cJSON_AddStringToObject(it, "snapshotId", ids[i]);
		cJSON_AddStringToObject(it, "snapshotName", name);
		cJSON_AddStringToObject(it, "diskId", "disk-1");
		cJSON_AddStringToObject(it, "status", statuses ? statuses[i] : "CREATING");
		cJSON_AddStringToObject(it, "createTime", times[i]);
		cJSON_AddItemToArray(ds, it);
	}
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

static char *snapshots_answer_total(int n, int total, const char *const *ids,
                                    const char *name, const char *const *times)
{
	return snapshots_answer_st(n, total, ids, name, times, NULL);
}

static char *snapshots_answer(int n, const char *const *ids, const char *name,
                              const char *const *times)
{
	return snapshots_answer_total(n, n, ids, name, times);
}

/* ---- tests --------------------------------------------------------------- */

static void test_new(void)
{
	struct zec_client_config cfg = { .endpoint = "ftp://host" };
	struct zec_client *c = (struct zec_client *)&cfg;

	CHECK(zec_client_new(&cfg, &c) == -EINVAL && c == NULL, "new: ftp endpoint rejected");
	cfg.endpoint = "https://host/path";
	CHECK(zec_client_new(&cfg, &c) == -EINVAL, "new: endpoint with a path rejected");
	cfg.endpoint = "https://console.zenlayer.com";
	cfg.access_key_id = KEY_ID;
	CHECK(zec_client_new(&cfg, &c) == -EINVAL, "new: key id without password rejected");
	cfg.access_key_password = SECRET;
	cfg.retries = -1;
	CHECK(zec_client_new(&cfg, &c) == -EINVAL, "new: negative retries rejected");
	cfg.retries = 0;
	CHECK(zec_client_new(&cfg, &c) == 0 && c &&
	      strcmp(zec_client_endpoint(c), "https://console.zenlayer.com") == 0,
	      "new: https endpoint accepted");
	CHECK(zec_client_set_credentials(c, KEY_ID, NULL, NULL) == -EINVAL,
	      "set_credentials: id without password rejected");
	zec_client_free(c);
}

static void test_signed_request(void)
{
	struct zec_client *c = client(5000, 10000, 4);
	struct zec_disk_list l = { 0 };
	struct zec_result res = { .path = "/" };
	struct zec_auth auth;
	char host[64], sig[ZEC_HEX256_LEN + 1];
	struct request r;
	int ret;

	script_reset();
	reply(200, disks_page);
	reply(200, disks_page);
	ret = zec_describe_disks(c, NULL, 1, 1000, &l, &res);
	CHECK(ret == 0 && res.outcome == ZEC_OUTCOME_OK && res.http_status == 200 &&
	      res.attempts == 1 && strcmp(res.request_id, "Tdisks") == 0 &&
	      strcmp(res.action, "DescribeDisks") == 0 && strcmp(res.path, "/") == 0,
	      "DescribeDisks: success result");
	CHECK(ret == 0 && l.count == 1 && l.total == 1 &&
	      strcmp(l.items[0].disk_id, "862857204414550690") == 0, "DescribeDisks: parsed");
	zec_disk_list_free(&l);

	pthread_mutex_lock(&srv.lock);
	r = srv.reqs[0];
	pthread_mutex_unlock(&srv.lock);
	snprintf(host, sizeof(host), "127.0.0.1:%d", srv.port);
	CHECK(strcmp(r.action, "DescribeDisks") == 0, "header X-ZC-Action");
	CHECK(strcmp(r.service, "zec") == 0, "header X-ZC-Service");
	CHECK(strcmp(r.version, "2025-09-01") == 0, "header X-ZC-Version");
	CHECK(strcmp(r.ct, "application/json") == 0, "header Content-Type");
	CHECK(strcmp(r.host, host) == 0, "header Host is host:port (%s)", r.host);
	CHECK(strcmp(r.client, "zecfs/" ZECFS_VERSION) == 0, "header X-ZC-Request-Client");
	CHECK(strcmp(r.sigmethod, "ZC2-HMAC-SHA256") == 0, "header X-ZC-Signature-Method");
	CHECK(llabs(atoll(r.ts) - (long long)time(NULL)) < 30, "header X-ZC-Timestamp is now");
	CHECK(strcmp(r.body, "{\"pageNum\":1,\"pageSize\":1000}") == 0, "body as built");
	CHECK(zec_parse_authorization(r.auth, &auth) == 0 && !auth.bearer &&
	      strcmp(auth.key_id, KEY_ID) == 0, "Authorization: signed, our key id");
	CHECK(zec_signature(SECRET, r.ts, r.ct, r.host, r.body, strlen(r.body), sig) == 0 &&
	      strcmp(sig, auth.signature) == 0, "Authorization: the signature verifies");

	ret = zec_describe_disks(c, NULL, 1, 1000, &l, &res);
	CHECK(ret == 0 && connections() == 1, "keep-alive: the second call reuses the connection");
	zec_disk_list_free(&l);

	script_reset();
	reply(200, disks_page);
	zec_client_set_credentials(c, NULL, NULL, "tok-123");
	ret = zec_describe_disks(c, NULL, 0, 0, &l, &res);
	pthread_mutex_lock(&srv.lock);
	r = srv.reqs[0];
	pthread_mutex_unlock(&srv.lock);
	CHECK(ret == 0 && strcmp(r.auth, "Bearer tok-123") == 0 && !r.ts[0] &&
	      !r.sigmethod[0], "bearer mode: Authorization Bearer, no timestamp");
	CHECK(strcmp(r.body, "{}") == 0, "no parameters: body {}");
	zec_disk_list_free(&l);
	zec_client_free(c);
}

static void test_retries(void)
{
	struct zec_client *c = client(2000, 20000, 4);
	struct zec_disk_list l = { 0 };
	struct zec_result res = { 0 };
	int ret;

	script_reset();
	error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	error_reply(429, "REQUEST_LIMIT_EXCEEDED");
	reply(502, "<html>bad gateway</html>");
	reply(200, disks_page);
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == 0 && res.attempts == 4 && l.count == 1,
	      "503, 429, HTML 502, then 200: success after 4 attempts (%d)", res.attempts);
	zec_disk_list_free(&l);

	script_reset();
	error_reply(404, "INVALID_DISK_NOT_FOUND");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -ENOENT && res.attempts == 1 && res.outcome == ZEC_OUTCOME_API_ERROR,
	      "a 4xx is not retried");

	script_reset();
	for (int i = 0; i < 4; i++)
		error_reply(500, "INTERNAL_SERVER_ERROR");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EIO && res.attempts == 4 && res.http_status == 500 &&
	      strcmp(res.code, "INTERNAL_SERVER_ERROR") == 0 &&
	      strcmp(res.request_id, "Terr-500") == 0,
	      "4 x 500: -EIO after 4 attempts with the last requestId");

	script_reset();
	for (int i = 0; i < 4; i++)
		error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EAGAIN && res.attempts == 4, "4 x 503: -EAGAIN");

	script_reset();
	for (int i = 0; i < 4; i++)
		error_reply(429, "REQUEST_LIMIT_EXCEEDED");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EAGAIN && res.attempts == 4, "4 x 429: -EAGAIN");

	script_reset();
	for (int i = 0; i < 4; i++)
		reply(503, "<html>maintenance</html>");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EAGAIN && res.outcome == ZEC_OUTCOME_BAD_RESPONSE &&
	      res.http_status == 503, "4 x HTML 503: -EAGAIN, status kept");

	script_reset();
	for (int i = 0; i < 4; i++)
		reply(502, "<html>bad gateway</html>");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EIO && res.http_status == 502 && res.attempts == 4,
	      "4 x HTML 502: -EIO");

	script_reset();
	reply(200, "{\"requestId\":\"Tbad\",\"response\":{\"totalCount\":\"x\"}}");
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EIO && res.outcome == ZEC_OUTCOME_BAD_RESPONSE && res.attempts == 1 &&
	      strcmp(res.request_id, "Tbad") == 0, "an unusable 200 is not retried: -EIO");
	zec_client_free(c);
}

static void test_deadline(void)
{
	struct zec_client *c = client(300, 1000, 10);
	struct zec_disk_list l = { 0 };
	struct zec_result res = { 0 };
	uint64_t t0;
	int ret;

	script_reset();
	for (int i = 0; i < 10; i++)
		script_add(STEP_STALL, 0, NULL, 3000);
	t0 = zec_clock_now_ms();
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -ETIMEDOUT && res.outcome == ZEC_OUTCOME_TIMEOUT &&
	      zec_clock_now_ms() - t0 < 1500, "a stalled server: -ETIMEDOUT within the deadline "
	      "(%d attempts, %llu ms)", res.attempts, (unsigned long long)(zec_clock_now_ms() - t0));
	zec_client_free(c);

	c = client(300, 700, 50);
	script_reset();
	for (int i = 0; i < 50; i++)
		error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	t0 = zec_clock_now_ms();
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -EAGAIN && zec_clock_now_ms() - t0 < 1500 && res.attempts < 50,
	      "503 forever: -EAGAIN when the deadline runs out (%d attempts)", res.attempts);
	zec_client_free(c);
}

static void test_transport(void)
{
	struct zec_client_config cfg = {
		.endpoint = NULL, .access_key_id = KEY_ID, .access_key_password = SECRET,
		.request_timeout_ms = 1000, .deadline_ms = 5000, .retries = 2,
	};
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct zec_result res = { 0 };
	struct zec_disk_list l;
	struct zec_client *c = NULL;
	char endpoint[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* a port nobody listens on */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &alen);
	close(fd);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", ntohs(a.sin_port));
	cfg.endpoint = endpoint;
	zec_client_new(&cfg, &c);
	CHECK(zec_describe_disks(c, NULL, 1, 10, &l, &res) == -EIO &&
	      res.outcome == ZEC_OUTCOME_TRANSPORT && res.attempts == 2 &&
	      res.transport[0] && strcmp(res.code, ZECFS_TRANSPORT) == 0,
	      "connection refused: -EIO after 2 attempts (%s)", res.transport);
	zec_client_free(c);
}

static const char *created_answer =
	"{\"requestId\":\"Tc\",\"response\":{\"snapshotId\":\"snap-fresh\"}}";

/*
 * A CreateSnapshot whose connection drops after sending, a lookup that finds
 * one namesake "snap-old" (created at 'when', in 'status'), and, when
 * 'resend', the answer to the create sent again.
 */
static void script_lost_create(const char *when, const char *status, bool resend)
{
	const char *ids[] = { "snap-old" }, *times[] = { when }, *st[] = { status };
	char *answer = snapshots_answer_st(1, 1, ids, "latest", times, st);

	script_reset();
	script_add(STEP_DROP, 0, NULL, 0);
	reply(200, answer);
	free(answer);
	if (resend)
		reply(200, created_answer);
}

/* Adoption: only what this create could have made. */
static void test_create_adoption(void)
{
	struct zec_client *c = client(1000, 20000, 4);
	struct zec_result res = { .path = "/disk-1/snapshots/latest" };
	char t_now[ZEC_TIME_LEN], t_min[ZEC_TIME_LEN], t_2h[ZEC_TIME_LEN];
	const char *old_id[] = { "snap-old" };
	char *id = NULL;
	int ret;

	now_text(0, t_now);
	now_text(-60, t_min);
	now_text(-7200, t_2h);

	/* rmdir latest, then mkdir latest whose answer is lost: the lookup
	 * sees the old one DELETING (created a minute ago, inside the old
	 * 300-s window: adopted before the fix); now it is re-sent */
	script_lost_create(t_min, "DELETING", true);
	ret = zec_create_snapshot(c, "disk-1", "latest", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-fresh") == 0 &&
	      count_action("CreateSnapshot") == 2,
	      "adoption: a DELETING namesake is never adopted: re-sent (%s)", id ? id : "-");
	free(id);

	/* the same with a DELETING namesake created this very second */
	script_lost_create(t_now, "DELETING", true);
	ret = zec_create_snapshot(c, "disk-1", "latest", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-fresh") == 0,
	      "adoption: DELETING excluded even when just created");
	free(id);

	/* an id the caller knew (AVAILABLE, created now): not adopted */
	script_lost_create(t_now, "AVAILABLE", true);
	ret = zec_create_snapshot_known(c, "disk-1", "latest", NULL, old_id, 1, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-fresh") == 0 &&
	      count_action("CreateSnapshot") == 2,
	      "adoption: a snapshot the caller knew is not adopted: re-sent");
	free(id);

	/* an unknown live namesake a minute old: maybe ours (server clock
	 * behind): neither adopted nor re-sent, the create's errno */
	script_lost_create(t_min, "AVAILABLE", false);
	ret = zec_create_snapshot(c, "disk-1", "latest", NULL, &id, &res);
	CHECK(ret == -EIO && !id && strcmp(res.code, ZECFS_TRANSPORT) == 0 &&
	      count_action("CreateSnapshot") == 1,
	      "adoption: a minute-old unknown namesake: -EIO, not adopted, not re-sent");

	/* two hours old: certainly not ours: re-sent */
	script_lost_create(t_2h, "AVAILABLE", true);
	ret = zec_create_snapshot(c, "disk-1", "latest", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-fresh") == 0,
	      "adoption: a 2-hour-old namesake is not ours: re-sent");
	free(id);
	zec_client_free(c);
}

static void test_create(void)
{
	struct zec_client *c = client(1000, 20000, 4);
	struct zec_result res = { .path = "/disk-1/snapshots/daily" };
	char t_now[ZEC_TIME_LEN], t_old[ZEC_TIME_LEN], t_later[ZEC_TIME_LEN];
	const char *ids2[] = { "snap-a", "snap-b" };
	char *id = NULL, *answer;
	int ret;

	now_text(0, t_now);
	now_text(-7200, t_old);
	now_text(5, t_later);

	script_reset();
	reply(200, "{\"requestId\":\"Tc\",\"response\":{\"snapshotId\":\"snap-new\"}}");
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-new") == 0 && res.attempts == 1,
	      "CreateSnapshot: success");
	free(id);

	/* applied, then the connection dropped: looked up and adopted */
	script_reset();
	script_add(STEP_DROP, 0, NULL, 0);
	{
		const char *ids[] = { "snap-adopted" };
		const char *times[] = { t_now };

		answer = snapshots_answer(1, ids, "daily", times);
		reply(200, answer);
		free(answer);
	}
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-adopted") == 0 &&
	      res.outcome == ZEC_OUTCOME_OK && res.err == 0,
	      "dropped after sending: the match is adopted");
	CHECK(count_action("CreateSnapshot") == 1 && count_action("DescribeSnapshots") == 1,
	      "dropped after sending: CreateSnapshot sent exactly once");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 2 && strstr(srv.reqs[1].body, "\"snapshotName\":\"^daily$\"") &&
	      strstr(srv.reqs[1].body, "\"diskIds\":[\"disk-1\"]"),
	      "the lookup asks for diskIds=[disk] and ^name$");
	pthread_mutex_unlock(&srv.lock);
	free(id);

	/* 500: not found on lookup (an old namesake does not count): re-sent */
	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	{
		const char *ids[] = { "snap-old" };
		const char *times[] = { t_old };

		answer = snapshots_answer(1, ids, "daily", times);
		reply(200, answer);
		free(answer);
	}
	reply(200, "{\"requestId\":\"Tc\",\"response\":{\"snapshotId\":\"snap-2nd\"}}");
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-2nd") == 0 && res.attempts == 2 &&
	      count_action("CreateSnapshot") == 2,
	      "500 and no recent match: re-sent once, succeeds");
	free(id);

	/* 503: unambiguous, re-sent without a lookup */
	script_reset();
	error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	reply(200, "{\"requestId\":\"Tc\",\"response\":{\"snapshotId\":\"snap-3\"}}");
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-3") == 0 &&
	      count_action("DescribeSnapshots") == 0 && count_action("CreateSnapshot") == 2,
	      "503: re-sent without a lookup");
	free(id);

	/* 504 and the lookup fails for good: the create's failure, sent once */
	script_reset();
	error_reply(504, "REQUEST_TIMED_OUT");
	error_reply(400, "INVALID_PARAMETER_VALUE");
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == -ETIMEDOUT && !id && count_action("CreateSnapshot") == 1 &&
	      strcmp(res.code, "REQUEST_TIMED_OUT") == 0,
	      "504 and a failed lookup: -ETIMEDOUT, never re-sent");

	/* a stall: timeout after sending, adopted */
	script_reset();
	script_add(STEP_STALL, 0, NULL, 3000);
	{
		const char *ids[] = { "snap-slow" };
		const char *times[] = { t_now };

		answer = snapshots_answer(1, ids, "daily", times);
		reply(200, answer);
		free(answer);
	}
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-slow") == 0 &&
	      count_action("CreateSnapshot") == 1, "timeout after sending: adopted");
	free(id);

	/* two recent matches: the newer one */
	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	{
		const char *times[] = { t_now, t_later };

		answer = snapshots_answer(2, ids2, "daily", times);
		reply(200, answer);
		free(answer);
	}
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-b") == 0, "two matches: the newest adopted");
	free(id);

	/* two matches created in the same second: unclear */
	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	{
		const char *times[] = { t_now, t_now };

		answer = snapshots_answer(2, ids2, "daily", times);
		reply(200, answer);
		free(answer);
	}
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == -EIO && !id && strcmp(res.code, ZECFS_CREATE_UNCERTAIN) == 0 &&
	      count_action("CreateSnapshot") == 1, "two equally new matches: -EIO, not re-sent");

	/* a 4xx: no retry, no lookup */
	script_reset();
	error_reply(400, "INVALID_SNAPSHOT_QUOTA_EXCEED");
	ret = zec_create_snapshot(c, "disk-1", "daily", "2027-01-01T00:00:00Z", &id, &res);
	CHECK(ret == -EDQUOT && res.attempts == 1 && count_action("DescribeSnapshots") == 0,
	      "quota exceeded: -EDQUOT at once");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 1 && strstr(srv.reqs[0].body,
	      "\"retentionTime\":\"2027-01-01T00:00:00Z\""), "retention sent");
	pthread_mutex_unlock(&srv.lock);
	zec_client_free(c);
	test_create_adoption();
}

static void test_delete(void)
{
	struct zec_client *c = client(1000, 20000, 4);
	struct zec_result res = { 0 };
	const char *ids[] = { "snap-1", "snap-2" };
	const char *times[] = { "2026-01-01T00:00:00Z" };
	const char *st_avail[] = { "AVAILABLE" }, *st_del[] = { "DELETING" };
	char *answer_avail = snapshots_answer_st(1, 1, ids, "x", times, st_avail);
	char *answer_deleting = snapshots_answer_st(1, 1, ids, "x", times, st_del);
	struct zec_strv nd;
	int ret, conns;

	script_reset();
	reply(200, "{\"requestId\":\"Td\",\"response\":{\"snapshotIds\":[\"snap-2\"]}}");
	ret = zec_delete_snapshots(c, ids, 2, &nd, &res);
	CHECK(ret == 0 && nd.count == 1 && strcmp(nd.v[0], "snap-2") == 0,
	      "DeleteSnapshots: the ids not deleted");
	zec_strv_free(&nd);

	/* ambiguous 500, the id still AVAILABLE: re-sent, then NOT_FOUND: gone */
	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	reply(200, answer_avail);
	error_reply(404, "INVALID_DISK_SNAPSHOT_NOT_FOUND");
	ret = zec_delete_snapshots(c, ids, 1, &nd, &res);
	CHECK(ret == 0 && res.err == 0 && nd.count == 0 && count_action("DeleteSnapshots") == 2,
	      "DeleteSnapshots: not found after an ambiguous try means gone");

	/* applied, then the connection dropped; the lookup
	 * shows DELETING: success, never re-sent (before: the re-sent delete's
	 * OPERATION_DENIED_DISK_SNAPSHOT_STATUS became EBUSY) */
	script_reset();
	script_add(STEP_DROP, 0, NULL, 0);
	reply(200, answer_deleting);
	error_reply(400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS");
	ret = zec_delete_snapshots(c, ids, 1, &nd, &res);
	CHECK(ret == 0 && res.err == 0 && count_action("DeleteSnapshots") == 1 &&
	      count_action("DescribeSnapshots") == 1,
	      "DeleteSnapshots: dropped after sending, DELETING on lookup: success, sent once");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 2 && strstr(srv.reqs[1].body, "\"snapshotIds\":[\"snap-1\"]"),
	      "DeleteSnapshots: the lookup asks for snapshotIds=[id]");
	pthread_mutex_unlock(&srv.lock);

	/* dropped, and the lookup finds nothing: gone, success */
	script_reset();
	script_add(STEP_DROP, 0, NULL, 0);
	reply(200, "{\"requestId\":\"Tl\",\"response\":{\"totalCount\":0,\"dataSet\":[]}}");
	ret = zec_delete_snapshots(c, ids, 1, &nd, &res);
	CHECK(ret == 0 && count_action("DeleteSnapshots") == 1,
	      "DeleteSnapshots: dropped, NOT_FOUND on lookup: success");

	/* dropped, and the lookup fails: the delete's own failure */
	script_reset();
	script_add(STEP_DROP, 0, NULL, 0);
	error_reply(400, "INVALID_PARAMETER_VALUE");
	ret = zec_delete_snapshots(c, ids, 1, &nd, &res);
	CHECK(ret == -EIO && strcmp(res.code, ZECFS_TRANSPORT) == 0 &&
	      count_action("DeleteSnapshots") == 1,
	      "DeleteSnapshots: dropped and the lookup fails: -EIO, not re-sent");

	/* every try on a fresh connection: no silent re-send by libcurl */
	script_reset();
	conns = connections();
	reply(200, "{\"requestId\":\"Td\",\"response\":{}}");
	reply(200, "{\"requestId\":\"Td\",\"response\":{}}");
	zec_delete_snapshots(c, ids, 1, NULL, &res);
	zec_delete_snapshots(c, ids, 1, NULL, &res);
	CHECK(connections() == conns + 2, "DeleteSnapshots: a new connection per call (%d)",
	      connections() - conns);

	script_reset();
	error_reply(404, "INVALID_DISK_SNAPSHOT_NOT_FOUND");
	ret = zec_delete_snapshots(c, ids, 1, NULL, &res);
	CHECK(ret == -ENOENT, "DeleteSnapshots: not found at first: -ENOENT");

	script_reset();
	error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	error_reply(404, "INVALID_DISK_SNAPSHOT_NOT_FOUND");
	ret = zec_delete_snapshots(c, ids, 1, NULL, &res);
	CHECK(ret == -ENOENT, "DeleteSnapshots: not found after a 503 (not applied): -ENOENT");
	free(answer_avail);
	free(answer_deleting);
	zec_client_free(c);
}

static void test_other_actions(void)
{
	struct zec_client *c = client(1000, 20000, 4);
	struct zec_result res = { 0 };
	const char *ids[] = { "snap-1" };
	const char *disks[] = { "disk-1" };
	struct zec_snapshot_modify m = { .snapshot_ids = ids, .n_snapshot_ids = 1,
	                                 .retention_time = "2027-01-01T00:00:00Z" };
	int ret;

	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	reply(200, "{\"requestId\":\"Tm\",\"response\":{\"requestId\":\"Tm\"}}");
	ret = zec_modify_snapshots_attribute(c, &m, &res);
	CHECK(ret == 0 && res.attempts == 2, "ModifySnapshotsAttribute: retried after a 500");

	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	ret = zec_apply_snapshot(c, "snap-1", "disk-1", &res);
	CHECK(ret == -EIO && count_action("ApplySnapshot") == 1,
	      "ApplySnapshot: not re-sent after an ambiguous 500");
	script_reset();
	error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	reply(200, "{\"requestId\":\"Ta\",\"response\":{}}");
	ret = zec_apply_snapshot(c, "snap-1", "disk-1", &res);
	CHECK(ret == 0 && count_action("ApplySnapshot") == 2, "ApplySnapshot: re-sent after 503");

	script_reset();
	reply(200, "{\"requestId\":\"Tr\",\"response\":{}}");
	ret = zec_modify_disks_attributes(c, disks, 1, "web", &res);
	CHECK(ret == 0, "ModifyDisksAttributes: success");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 1 && strcmp(srv.reqs[0].body,
	      "{\"diskIds\":[\"disk-1\"],\"diskName\":\"web\"}") == 0, "ModifyDisksAttributes: body");
	pthread_mutex_unlock(&srv.lock);
	zec_client_free(c);
}

static void test_walker(void)
{
	struct zec_client *c = client(1000, 20000, 4);
	struct zec_result res = { 0 };
	struct zec_snapshot_list l = { 0 };
	char *ids[150];
	char name[32], t[ZEC_TIME_LEN];
	const char *times[150];
	char *a1, *a2;
	int ret;

	now_text(0, t);
	for (int i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "snap-%03d", i);
		ids[i] = strdup(name);
		times[i] = t;
	}
	a1 = snapshots_answer_total(100, 150, (const char *const *)ids, "x", times);
	/* page 2 repeats the last item of page 1 (the list shifted) */
	a2 = snapshots_answer_total(51, 150, (const char *const *)ids + 99, "x", times);
	script_reset();
	reply(200, a1);
	reply(200, a2);
	ret = zec_describe_snapshots_all(c, NULL, &l, &res);
	CHECK(ret == 0 && l.count == 150 && l.total == 150 &&
	      strcmp(l.items[149].snapshot_id, "snap-149") == 0,
	      "walker: 2 pages, 150 snapshots, the repeated one once (%zu)", l.count);
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 2 && strstr(srv.reqs[0].body, "\"pageNum\":1,\"pageSize\":100") &&
	      strstr(srv.reqs[1].body, "\"pageNum\":2,\"pageSize\":100"), "walker: pageNum 1 and 2");
	pthread_mutex_unlock(&srv.lock);
	zec_snapshot_list_free(&l);

	/* a server that ignores pageNum: the full page again is the end */
	free(a2);
	a2 = snapshots_answer_total(100, 100, (const char *const *)ids, "x", times);
	script_reset();
	reply(200, a2);
	reply(200, a2);
	ret = zec_describe_snapshots_all(c, NULL, &l, &res);
	CHECK(ret == 0 && l.count == 100 && count_action("DescribeSnapshots") == 2,
	      "walker: a full page repeated for page 2 ends the listing (%d, %zu, %d)", ret,
	      l.count, count_action("DescribeSnapshots"));
	zec_snapshot_list_free(&l);

	script_reset();
	reply(200, disks_page);
	{
		struct zec_disk_list dl;

		ret = zec_describe_disks_all(c, NULL, &dl, &res);
		CHECK(ret == 0 && dl.count == 1, "disk walker: one page");
		zec_disk_list_free(&dl);
	}
	for (int i = 0; i < 150; i++)
		free(ids[i]);
	free(a1);
	free(a2);
	zec_client_free(c);
}

/* a sink that counts what it receives and how often it was restarted */
struct tally {
	size_t items, pages;
	int restarts;
	bool same_seen;
};

static int tally_page(void *arg, struct zec_snapshot *items, size_t n)
{
	struct tally *t = arg;

	t->items += n;
	t->pages++;
	/* the strings are lent: made its own, one field taken, the rest left
	 * to the walker */
	if (!items[0].lent || zec_snapshot_own(&items[0]) || items[0].lent)
		return -EIO;
	free(items[0].snapshot_name);
	items[0].snapshot_name = NULL;
	return 0;
}

static void tally_restart(void *arg)
{
	struct tally *t = arg;

	t->items = t->pages = 0;
	t->restarts++;
}

static int list_walk(struct zec_client *c, struct tally *t, struct zec_result *res)
{
	struct zec_snapshot_sink sink = { .page = tally_page, .restart = tally_restart, .arg = t };

	memset(t, 0, sizeof(*t));
	memset(res, 0, sizeof(*res));
	return zec_describe_snapshots_each(c, NULL, &sink, res);
}

/* Streaming, concurrency, rate limits, and hostile
 * totalCount). */
static void test_walker_stream(void)
{
	struct zec_client *c = client(2000, 20000, 2);
	struct zec_result res;
	struct tally t;
	const char *a_ids[] = { "a", "a", "b" };
	const char *times[] = { "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
	                        "2026-01-01T00:00:00Z" };
	char *answer;
	uint64_t t0;
	int ret;

	/* 1,000 snapshots: 10 pages, each handed over as it arrives; the
	 * last is full, so an 11th (empty) is asked for */
	script_reset();
	for (int i = 0; i < 11; i++)
		script_add(STEP_LIST, 1000, NULL, 0);
	ret = list_walk(c, &t, &res);
	CHECK(ret == 0 && t.items == 1000 && t.pages == 10 && t.restarts == 0 &&
	      count_action("DescribeSnapshots") == 11,
	      "stream: 10 pages, 1000 items, 10 sink calls, 11 API calls (%zu, %zu)",
	      t.items, t.pages);

	/* the pool keeps every slot a walk used: three walks of 65 pages open
	 * no more connections in all than one walk has transfers in flight at
	 * once (with 16 slots kept, each walk opened more).  That is its first
	 * wave: pages 2-65 (totalCount says they are few enough for one wave
	 * at parallel 64) and page 66, which a full page 65 asks for. */
	zec_client_free(c);
	c = client(2000, 20000, 2);
	script_reset();
	for (int i = 0; i < 198; i++)
		script_add(STEP_LIST, 6500, NULL, 0);
	{
		int conns = connections(), wave = zec_walk_first_wave(64, 64) + 1;

		ret = 0;
		for (int i = 0; i < 3; i++) {
			ret |= list_walk(c, &t, &res);
			ret |= t.items != 6500;
		}
		CHECK(ret == 0 && wave == 65 && connections() - conns <= wave,
		      "pool: three 65-page walks open at most %d connections, one wave's (%d)",
		      wave, connections() - conns);
	}

	/* rate limited: 429s beyond the per-call retries still complete */
	script_reset();
	script_add(STEP_LIST, 1000, NULL, 0);
	for (int i = 0; i < 30; i++)
		error_reply(429, "REQUEST_LIMIT_EXCEEDED");
	for (int i = 0; i < 10; i++)
		script_add(STEP_LIST, 1000, NULL, 0);
	ret = list_walk(c, &t, &res);
	CHECK(ret == 0 && t.items == 1000,
	      "stream: 30 x 429 on a 2-retry client: the walk completes (%d, %zu)",
	      ret, t.items);

	/* item 8: totalCount 10^15 and a short page 1: EIO at once, no ENOMEM */
	script_reset();
	answer = snapshots_answer_total(2, 0, a_ids + 1, "x", times);
	{
		char *p = strstr(answer, "\"totalCount\":0");
		char *big = NULL;

		if (p && asprintf(&big, "%.*s\"totalCount\":1000000000000000%s",
		                  (int)(p - answer), answer, p + strlen("\"totalCount\":0")) > 0)
			reply(200, big);
		free(big);
	}
	free(answer);
	ret = list_walk(c, &t, &res);
	CHECK(ret == -EIO && strcmp(res.code, ZECFS_LIST_INCONSISTENT) == 0 &&
	      count_action("DescribeSnapshots") == 1 && t.items == 0,
	      "item 8: totalCount 10^15, 2 items: -EIO after 1 call (%d)", ret);

	/* item 8: totalCount 10^6, the same item on every page: EIO, fast */
	script_reset();
	for (int i = 0; i < 200; i++)
		script_add(STEP_LIST, 1000000, NULL, 1);
	t0 = zec_clock_now_ms();
	ret = list_walk(c, &t, &res);
	CHECK(ret == -EIO && strcmp(res.code, ZECFS_LIST_INCONSISTENT) == 0 &&
	      count_action("DescribeSnapshots") <= 2 + 64,
	      "item 8: 10^6 of one repeated item: -EIO after %d calls, %llu ms",
	      count_action("DescribeSnapshots"), (unsigned long long)(zec_clock_now_ms() - t0));

	/* item 8: a short page before the last: EIO, no page after it asked */
	script_reset();
	{
		const char *one[] = { "z" };

		script_add(STEP_LIST, 250, NULL, 0);        /* page 1: 100 */
		answer = snapshots_answer_total(1, 250, one, "x", times);
		reply(200, answer);                          /* page 2 or 3: 1 item */
		free(answer);
		answer = snapshots_answer_total(1, 250, one, "x", times);
		reply(200, answer);
		free(answer);
	}
	ret = list_walk(c, &t, &res);
	CHECK(ret == -EIO && strcmp(res.code, ZECFS_LIST_INCONSISTENT) == 0,
	      "item 8: a page short of pageSize before the last: -EIO (%d)", ret);

	/* item 8: ids repeated within one page are dropped */
	script_reset();
	answer = snapshots_answer_total(3, 3, a_ids, "x", times);
	reply(200, answer);
	free(answer);
	ret = list_walk(c, &t, &res);
	CHECK(ret == 0 && t.items == 2, "item 8: a page listing 'a' twice gives a, b (%zu)",
	      t.items);

	/* an understated totalCount (0, 1) on full pages: every page is read,
	 * one at a time beyond what it claims, until the short one */
	for (int claim = 0; claim <= 1; claim++) {
		script_reset();
		for (int i = 0; i < 8; i++)
			script_list_claim(750, claim);
		ret = list_walk(c, &t, &res);
		CHECK(ret == 0 && t.items == 750 && t.restarts == 0 && !res.incomplete &&
		      count_action("DescribeSnapshots") == 8,
		      "totalCount %d on full pages: 750 items in 8 calls (%d, %zu, %d)", claim,
		      ret, t.items, count_action("DescribeSnapshots"));
	}

	/* a snapshot of another disk in a listing filtered by diskIds: dropped */
	script_reset();
	reply(200, "{\"requestId\":\"Tf\",\"response\":{\"requestId\":\"Tf\","
	      "\"totalCount\":2,\"dataSet\":[{\"snapshotId\":\"s1\",\"snapshotName\":\"mine\","
	      "\"status\":\"AVAILABLE\",\"diskId\":\"disk-1\"},{\"snapshotId\":\"s2\","
	      "\"snapshotName\":\"theirs\",\"status\":\"AVAILABLE\",\"diskId\":\"disk-2\\nx\"}]}}");
	{
		const char *d1[] = { "disk-1" };
		struct zec_snapshot_filter f = { .disk_ids = d1, .n_disk_ids = 1 };
		struct zec_snapshot_list l;

		ret = zec_describe_snapshots_all(c, &f, &l, &res);
		CHECK(ret == 0 && l.count == 1 && strcmp(l.items[0].snapshot_id, "s1") == 0,
		      "filtered by diskIds: another disk's snapshot is dropped (%d, %zu)", ret,
		      l.count);
		zec_snapshot_list_free(&l);
	}

	/* a known id the pages lack is asked for by id: existing, it was missed
	 * (the list moved at the same size), so the walk starts over; gone,
	 * the walk stands */
	script_reset();
	{
		const char *known[] = { "L1-5", "L2-7", "X" };
		const char *x[] = { "X" };
		struct zec_snapshot_filter f = { .known = known, .n_known = 3 };
		struct zec_snapshot_sink sink = { .page = tally_page, .restart = tally_restart,
		                                  .arg = &t };

		script_add(STEP_LIST, 150, NULL, 0);
		script_add(STEP_LIST, 150, NULL, 0);
		answer = snapshots_answer_total(1, 1, x, "x", times);
		reply(200, answer);                          /* X still exists */
		free(answer);
		script_add(STEP_LIST, 150, NULL, 0);
		script_add(STEP_LIST, 150, NULL, 0);
		answer = snapshots_answer_total(0, 0, x, "x", times);
		reply(200, answer);                          /* now X is gone */
		free(answer);
		memset(&t, 0, sizeof(t));
		memset(&res, 0, sizeof(res));
		ret = zec_describe_snapshots_each(c, &f, &sink, &res);
		CHECK(ret == 0 && t.restarts == 1 && t.items == 150 && !res.incomplete &&
		      count_action("DescribeSnapshots") == 6,
		      "known X missing: confirmed, walked again, then confirmed gone (%d, %d, %zu, %d)",
		      ret, t.restarts, t.items, count_action("DescribeSnapshots"));
		pthread_mutex_lock(&srv.lock);
		CHECK(srv.n_reqs >= 3 && strstr(srv.reqs[2].body, "\"snapshotIds\":[\"X\"]"),
		      "the confirmation asks for X by id (%s)", srv.n_reqs >= 3 ? srv.reqs[2].body : "-");
		pthread_mutex_unlock(&srv.lock);
	}

	/* the list moved (totalCount changed between pages): restart */
	script_reset();
	script_add(STEP_LIST, 150, NULL, 0);
	script_add(STEP_LIST, 149, NULL, 0);
	script_add(STEP_LIST, 149, NULL, 0);
	script_add(STEP_LIST, 149, NULL, 0);
	ret = list_walk(c, &t, &res);
	CHECK(ret == 0 && t.restarts == 1 && t.items == 149,
	      "moved: one restart, then the 149 of the new list (%d, %zu)", t.restarts,
	      t.items);
	CHECK(!res.incomplete, "moved: a walk that settled is complete");

	/* moving under every round: the last is accepted, flagged incomplete */
	script_reset();
	script_add(STEP_LIST, 150, NULL, 0);
	script_add(STEP_LIST, 149, NULL, 0);
	script_add(STEP_LIST, 148, NULL, 0);
	script_add(STEP_LIST, 147, NULL, 0);
	script_add(STEP_LIST, 146, NULL, 0);
	script_add(STEP_LIST, 145, NULL, 0);
	ret = list_walk(c, &t, &res);
	CHECK(ret == 0 && t.restarts == 2 && res.incomplete,
	      "moved every round: accepted after 2 restarts, flagged incomplete (%d, %d, %d)",
	      ret, t.restarts, res.incomplete);
	zec_client_free(c);
}

static void *walk_thread(void *p)
{
	struct tally t;
	struct zec_result res;

	return (void *)(intptr_t)(list_walk(p, &t, &res) == 0 && t.items == 550);
}

/* 6 walks at once on a client with parallel=2: the walks share a budget of
 * 8 worker threads (4 x parallel) and every one completes */
static void test_walker_budget(void)
{
	char endpoint[64];
	struct zec_client_config cfg = {
		.endpoint = endpoint, .access_key_id = KEY_ID,
		.access_key_password = SECRET, .parallel = 2,
	};
	struct zec_client *c = NULL;
	pthread_t th[6];
	int ok = 0;

	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", srv.port);
	if (zec_client_new(&cfg, &c))
		return;
	script_reset();
	for (int i = 0; i < 36; i++)
		script_add(STEP_LIST, 550, NULL, 0);
	for (int i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, walk_thread, c);
	for (int i = 0; i < 6; i++) {
		void *r;

		pthread_join(th[i], &r);
		ok += (int)(intptr_t)r;
	}
	CHECK(ok == 6 && count_action("DescribeSnapshots") == 36,
	      "budget: 6 concurrent walks of 6 pages on parallel=2 all complete (%d)", ok);
	zec_client_free(c);
}

/* One deadline for a whole operation. */
static void test_op_deadline(void)
{
	struct zec_client *c = client(300, 20000, 50);
	struct zec_disk_list l;
	struct zec_result res = { 0 };
	uint64_t t0;
	int ret;

	script_reset();
	for (int i = 0; i < 60; i++)
		script_add(STEP_STALL, 0, NULL, 1000);
	zec_client_op_begin(c, 1000);
	t0 = zec_clock_now_ms();
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -ETIMEDOUT && zec_clock_now_ms() - t0 < 1500,
	      "op deadline: a call ends at the operation's 1 s, not its own 20 s (%llu ms)",
	      (unsigned long long)(zec_clock_now_ms() - t0));
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -ETIMEDOUT && strcmp(res.code, ZECFS_TIMEOUT) == 0 &&
	      zec_clock_now_ms() - t0 < 1500,
	      "op deadline: the next call of the same operation ends by the same deadline");
	/* a try that gave up a moment before the deadline leaves time for
	 * another: wait until the deadline has passed */
	while (zec_clock_now_ms() - t0 <= 1000) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
	}
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -ETIMEDOUT && res.attempts == 0,
	      "op deadline: a call after the deadline sends nothing");
	zec_client_op_end(c);

	script_reset();
	reply(200, disks_page);
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == 0, "op deadline: after op_end calls have their own deadline again");
	zec_disk_list_free(&l);

	/* a create's adoption lookup is bounded by the operation too */
	script_reset();
	script_add(STEP_DROP, 0, NULL, 0);
	for (int i = 0; i < 60; i++)
		script_add(STEP_STALL, 0, NULL, 1000);
	{
		char *id = NULL;

		zec_client_op_begin(c, 800);
		t0 = zec_clock_now_ms();
		ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
		zec_client_op_end(c);
		CHECK(ret < 0 && !id && zec_clock_now_ms() - t0 < 1300,
		      "op deadline: create + lookup end within the operation (%llu ms)",
		      (unsigned long long)(zec_clock_now_ms() - t0));
	}
	zec_client_free(c);
}

static void test_local_checks(void)
{
	struct zec_client *c = client(1000, 20000, 4);
	struct zec_result res = { 0 };
	const char *ids[101];
	const char *with_null[] = { "a", NULL };
	struct zec_snapshot_modify m = { .snapshot_ids = ids, .n_snapshot_ids = 1 };
	struct zec_disk_list dl;
	struct zec_snapshot_list sl;
	char *id;

	for (int i = 0; i < 101; i++)
		ids[i] = "snap";
	script_reset();
	CHECK(zec_delete_snapshots(c, ids, 0, NULL, &res) == -EINVAL &&
	      res.outcome == ZEC_OUTCOME_LOCAL && strcmp(res.code, ZECFS_BAD_ARGUMENT) == 0,
	      "delete 0 ids: local -EINVAL");
	CHECK(zec_delete_snapshots(c, ids, 101, NULL, &res) == -EINVAL, "delete 101 ids: -EINVAL");
	CHECK(zec_delete_snapshots(c, with_null, 2, NULL, &res) == -EINVAL, "delete NULL id: -EINVAL");
	CHECK(zec_delete_snapshots(c, NULL, 1, NULL, &res) == -EINVAL, "delete NULL ids: -EINVAL");
	CHECK(zec_create_snapshot(c, "disk", NULL, NULL, &id, &res) == -EINVAL && !id,
	      "create without a name: -EINVAL");
	CHECK(zec_create_snapshot(c, NULL, "name", NULL, &id, &res) == -EINVAL,
	      "create without a disk: -EINVAL");
	CHECK(zec_create_snapshot(c, "disk", "name", "", &id, &res) == -EINVAL,
	      "create with an empty retention: -EINVAL");
	CHECK(zec_modify_snapshots_attribute(c, &m, &res) == -EINVAL,
	      "modify with nothing to change: -EINVAL");
	m.retention_time = "2027-01-01T00:00:00Z";
	m.is_permanent = true;
	CHECK(zec_modify_snapshots_attribute(c, &m, &res) == -EINVAL,
	      "modify with retention and permanent: -EINVAL");
	m.is_permanent = false;
	m.n_snapshot_ids = 101;
	CHECK(zec_modify_snapshots_attribute(c, &m, &res) == -EINVAL, "modify 101 ids: -EINVAL");
	CHECK(zec_apply_snapshot(c, NULL, "disk", &res) == -EINVAL, "apply without snapshot: -EINVAL");
	CHECK(zec_modify_disks_attributes(c, ids, 1, NULL, &res) == -EINVAL,
	      "disk rename without a name: -EINVAL");
	CHECK(zec_describe_disks(c, NULL, 1, 1001, &dl, &res) == -EINVAL,
	      "DescribeDisks pageSize 1001: -EINVAL");
	CHECK(zec_describe_snapshots(c, NULL, 1, 101, &sl, &res) == -EINVAL,
	      "DescribeSnapshots pageSize 101: -EINVAL");
	CHECK(count_action("DeleteSnapshots") == 0 && count_action("CreateSnapshot") == 0 &&
	      count_action("ModifySnapshotsAttribute") == 0, "refused calls sent nothing");
	zec_client_free(c);
}

struct cancel_arg {
	struct zec_client *c;
	int delay_ms;
};

static void *cancel_later(void *p)
{
	struct cancel_arg *a = p;
	struct timespec ts = { 0, a->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	zec_client_cancel(a->c);
	return NULL;
}

static void test_cancel(void)
{
	struct zec_client *c = client(10000, 20000, 4);
	struct zec_result res = { 0 };
	struct zec_disk_list l;
	struct cancel_arg a = { c, 200 };
	pthread_t th;
	uint64_t t0;
	int ret;

	script_reset();
	script_add(STEP_STALL, 0, NULL, 5000);
	pthread_create(&th, NULL, cancel_later, &a);
	t0 = zec_clock_now_ms();
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	pthread_join(th, NULL);
	CHECK(ret == -ESHUTDOWN && res.outcome == ZEC_OUTCOME_LOCAL &&
	      strcmp(res.code, ZECFS_CANCELLED) == 0 && zec_clock_now_ms() - t0 < 600,
	      "cancel aborts an in-flight call (%llu ms)",
	      (unsigned long long)(zec_clock_now_ms() - t0));
	t0 = zec_clock_now_ms();
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	CHECK(ret == -ESHUTDOWN && zec_clock_now_ms() - t0 < 100, "calls after cancel fail at once");
	zec_client_free(c);

	/* a cancel during a backoff sleep wakes it */
	c = client(10000, 30000, 50);
	script_reset();
	for (int i = 0; i < 50; i++)
		error_reply(503, "SERVICE_TEMPORARY_UNAVAILABLE");
	a.c = c;
	a.delay_ms = 300;
	pthread_create(&th, NULL, cancel_later, &a);
	t0 = zec_clock_now_ms();
	ret = zec_describe_disks(c, NULL, 1, 10, &l, &res);
	pthread_join(th, NULL);
	CHECK(ret == -ESHUTDOWN && zec_clock_now_ms() - t0 < 1500,
	      "cancel wakes a backoff sleep (%llu ms, %d attempts)",
	      (unsigned long long)(zec_clock_now_ms() - t0), res.attempts);
	zec_client_free(c);
}

/* concurrent calls from several threads share the pool */
static void *many_calls(void *p)
{
	struct zec_client *c = p;
	long ok = 0;

	for (int i = 0; i < 20; i++) {
		struct zec_result res = { 0 };
		struct zec_disk_list l;

		if (zec_describe_disks(c, NULL, 1, 10, &l, &res) == 0)
			ok++;
		zec_disk_list_free(&l);
		if (i == 10)
			zec_client_set_credentials(c, KEY_ID, SECRET, NULL);
	}
	return (void *)ok;
}

static void test_threads(void)
{
	struct zec_client *c = client(5000, 20000, 4);
	pthread_t th[4];
	long total = 0;

	script_reset();
	for (int i = 0; i < 60; i++)
		reply(200, disks_page);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, many_calls, c);
	for (int i = 0; i < 3; i++) {
		void *r;

		pthread_join(th[i], &r);
		total += (long)r;
	}
	CHECK(total == 60, "3 threads x 20 calls all succeed (%ld)", total);
	zec_client_free(c);
}

/* Server values cannot forge a log line. */
static void test_injection(void)
{
	struct zec_client *c = client(1000, 5000, 1);
	struct zec_result res = { .path = "/evil\nzecfs[1]: warn: forged path=1" };
	struct zec_disk_list l;

	script_reset();
	reply(400, "{\"requestId\":\"R\\nforged request_id=1\",\"code\":"
	      "\"X\\nforged code=1\",\"message\":\"m\"}");
	CHECK(zec_describe_disks(c, NULL, 1, 10, &l, &res) == -EIO,
	      "injection: an unknown code is EIO");
	zec_client_free(c);
}

static void test_log(const char *path)
{
	FILE *f = fopen(path, "r");
	char *log = calloc(1, 1 << 22);
	size_t n = 0;

	if (f && log) {
		n = fread(log, 1, (1 << 22) - 1, f);
		fclose(f);
	}
	CHECK(n > 0, "log captured (%zu bytes)", n);
	CHECK(log && strstr(log, "api call failed action=DescribeDisks path=- code=INTERNAL_SERVER_ERROR "
	                         "http=500 attempt=4 duration_ms="),
	      "log: a final failure line");
	CHECK(log && strstr(log, "request_id=Terr-500"), "log: the requestId");
	CHECK(log && strstr(log, "api retry action=DescribeDisks") && strstr(log, "backoff_ms="),
	      "log: retry lines");
	CHECK(log && strstr(log, "code=ZECFS_TRANSPORT") && strstr(log, "error=\""),
	      "log: transport error text");
	CHECK(log && strstr(log, "api call action=DescribeDisks path=/ http=200 duration_ms="),
	      "log: success line with log_calls");
	CHECK(log && !strstr(log, "\nforged") && !strstr(log, "\nzecfs[1]") &&
	      strstr(log, "code=X\\x0aforged") && strstr(log, "path=/evil\\x0azecfs"),
	      "log: server and user values escaped, no forged line");
	CHECK(log && !strstr(log, SECRET) && !strstr(log, "Signature=") &&
	      !strstr(log, "tok-123") && !strstr(log, "Authorization"),
	      "log: no password, token, signature or Authorization");
	free(log);
}

/* A DescribeDisks answer: one disk in the given status. */
static char *disk_in(const char *status)
{
	char *s = NULL;

	if (asprintf(&s, "{\"requestId\":\"Td\",\"response\":{\"requestId\":\"Td\","
	             "\"totalCount\":1,\"dataSet\":[{\"diskId\":\"disk-1\","
	             "\"diskStatus\":\"%s\",\"snapshotAbility\":true}]}}", status) < 0)
		return NULL;
	return s;
}

static void reply_owned(int status, char *body)
{
	reply(status, body);
	free(body);
}

/* Names on an anchored or a substring server; SNAPSHOT_CREATING */
static void test_name_lookup(void)
{
	struct zec_client *c = client(1000, 20000, 4), *cs;
	struct zec_result res = { .path = "/disk-1/snapshots/daily" };
	const char *one[] = { "snap-1" }, *two[] = { "snap-1", "snap-2" };
	char t_now[ZEC_TIME_LEN];
	const char *times[] = { t_now, t_now };
	char *id = NULL;
	int ret;

	now_text(0, t_now);

	/* anchored server: the exact name comes back at once */
	script_reset();
	reply_owned(200, snapshots_answer(1, one, "daily", times));
	ret = zec_snapshot_name_exists(c, "disk-1", "daily", &res);
	CHECK(ret == 1 && count_action("DescribeSnapshots") == 1,
	      "name exists: anchored hit, one query");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 1 && strstr(srv.reqs[0].body, "\"snapshotName\":\"^daily$\""),
	      "name exists: the first query is anchored");
	pthread_mutex_unlock(&srv.lock);

	/* anchors are known to work now: a free name costs one query */
	script_reset();
	reply_owned(200, snapshots_answer(0, NULL, "daily", times));
	ret = zec_snapshot_name_exists(c, "disk-1", "free-name", &res);
	CHECK(ret == 0 && count_action("DescribeSnapshots") == 1,
	      "name exists: once anchors proved to work, a free name is one query");

	/* substring server: "^daily$" finds nothing, "daily" finds it */
	cs = client(1000, 20000, 4);
	script_reset();
	reply_owned(200, snapshots_answer(0, NULL, "daily", times));
	reply_owned(200, snapshots_answer(1, one, "daily", times));
	ret = zec_snapshot_name_exists(cs, "disk-1", "daily", &res);
	CHECK(ret == 1 && count_action("DescribeSnapshots") == 2,
	      "name exists: empty anchored answer checked unanchored");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 2 && strstr(srv.reqs[1].body, "\"snapshotName\":\"daily\""),
	      "name exists: the second query is unanchored");
	pthread_mutex_unlock(&srv.lock);
	/* learned: that server gets the unanchored query only */
	script_reset();
	reply_owned(200, snapshots_answer(2, two, "daily-old", times));
	ret = zec_snapshot_name_exists(cs, "disk-1", "daily", &res);
	CHECK(ret == 0 && count_action("DescribeSnapshots") == 1,
	      "name exists: a substring server, once known, gets one unanchored query");
	pthread_mutex_lock(&srv.lock);
	CHECK(srv.n_reqs == 1 && strstr(srv.reqs[0].body, "\"snapshotName\":\"daily\""),
	      "name exists: ... and it is unanchored");
	pthread_mutex_unlock(&srv.lock);
	zec_client_free(cs);

	/* a server not known yet; only longer names contain it: free */
	cs = client(1000, 20000, 4);
	script_reset();
	reply_owned(200, snapshots_answer(0, NULL, "daily", times));
	reply_owned(200, snapshots_answer(2, two, "daily-old", times));
	ret = zec_snapshot_name_exists(cs, "disk-1", "daily", &res);
	CHECK(ret == 0 && count_action("DescribeSnapshots") == 2,
	      "name exists: substring matches only are not the name");

	/* the lookup fails: an errno, not "free" */
	script_reset();
	error_reply(400, "INVALID_PARAMETER_VALUE");
	ret = zec_snapshot_name_exists(cs, "disk-1", "daily", &res);
	CHECK(ret == -EINVAL, "name exists: a failed query is an errno (%d)", ret);

	/* adoption after an ambiguous create on a substring server (not known yet) */
	script_reset();
	error_reply(500, "INTERNAL_SERVER_ERROR");
	reply_owned(200, snapshots_answer(0, NULL, "daily", times));
	reply_owned(200, snapshots_answer(1, one, "daily", times));
	ret = zec_create_snapshot(cs, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-1") == 0 &&
	      count_action("CreateSnapshot") == 1,
	      "ambiguous create on a substring server: adopted, not re-sent");
	free(id);
	id = NULL;
	zec_client_free(cs);

	/* refused while the disk is SNAPSHOT_CREATING: waits, then succeeds */
	script_reset();
	error_reply(400, "UNSUPPORTED_OPERATION_DISK_STATUS");
	reply_owned(200, disk_in("SNAPSHOT_CREATING"));
	reply_owned(200, disk_in("IN_USE"));
	reply(200, "{\"requestId\":\"Tc\",\"response\":{\"snapshotId\":\"snap-2nd\"}}");
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == 0 && id && strcmp(id, "snap-2nd") == 0 &&
	      count_action("CreateSnapshot") == 2 && count_action("DescribeDisks") == 2,
	      "SNAPSHOT_CREATING: waited for the disk, created");
	free(id);
	id = NULL;

	/* refused for another status: EBUSY at once, no retry */
	script_reset();
	error_reply(400, "UNSUPPORTED_OPERATION_DISK_STATUS");
	reply_owned(200, disk_in("CHANGING"));
	ret = zec_create_snapshot(c, "disk-1", "daily", NULL, &id, &res);
	CHECK(ret == -EBUSY && !id && count_action("CreateSnapshot") == 1,
	      "disk status other than SNAPSHOT_CREATING: -EBUSY, not re-sent");
	zec_client_free(c);
}

/* The shared CA store: built from the system's paths and a PEM file. */
static void test_tls_store(void)
{
	char pem[] = "/tmp/zec-test-ca-XXXXXX";
	struct zec_tls *t = NULL;
	int fd = mkstemp(pem);
	FILE *f;

	CHECK(zec_tls_new(NULL, &t) == 0 && t, "tls: the system store alone");
	zec_tls_free(t);
	CHECK(zec_tls_new("/nonexistent/ca.pem", &t) == -EINVAL && !t,
	      "tls: an unreadable cafile is refused");
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	CHECK(zec_tls_new(pem, &t) == -EINVAL && !t, "tls: a cafile without certificates is refused");
	unlink(pem);
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		CHECK(zec_tls_new("/etc/ssl/certs/ca-certificates.crt", &t) == 0 && t,
		      "tls: a PEM bundle as cafile");
		zec_tls_free(t);
	}
}

int main(void)
{
	char logpath[] = "/tmp/zec-test-http-XXXXXX";
	int logfd = mkstemp(logpath), saved = dup(2);

	if (server_start()) {
		printf("cannot start the test server\n");
		return 1;
	}
	/* capture the client's log lines to check them at the end */
	dup2(logfd, 2);
	test_new();
	test_signed_request();
	test_retries();
	test_deadline();
	test_transport();
	test_create();
	test_delete();
	test_other_actions();
	test_walker();
	test_walker_stream();
	test_walker_budget();
	test_op_deadline();
	test_injection();
	test_local_checks();
	test_cancel();
	test_threads();
	test_name_lookup();
	test_tls_store();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	test_log(logpath);
	close(logfd);
	if (getenv("ZEC_TEST_KEEP_LOG"))
		printf("log kept in %s\n", logpath);
	else
		unlink(logpath);
	server_stop();
	return check_summary();
}

/*
 * server.c - libmicrohttpd glue: listening socket, one thread per
 * connection (so a stalled request never blocks another), body
 * accumulation, routing, loopback check for the control plane, connection
 * counting and interruptible waits.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "images.h"
#include "zec_clock.h"
#include "zec_log.h"

#define API_PATH "/api/v2/zec"
#define CONTROL_PREFIX "/_emulator/"
#define MAX_BODY (1 << 20)
#define MAX_CONTENT (4LL << 30)         /* a content upload (PUT .../content) */
#define WAIT_SLICE_MS 50

struct request {
	char *buf;
	size_t len, cap;
	bool too_large;
	/* PUT /_emulator/disks/<id>/content: the body goes to a file */
	bool upload;
	int fd;                         /* -1: no file (no --disk-data) */
	long long written;
	bool write_failed;
	char file[PATH_MAX];
};

/* /_emulator/disks/<id>/content */
static bool is_content_url(const char *url)
{
	const char *id = url + strlen(CONTROL_PREFIX "disks/"), *slash;

	if (strncmp(url, CONTROL_PREFIX "disks/", strlen(CONTROL_PREFIX "disks/")) != 0)
		return false;
	slash = strchr(id, '/');
	return slash && slash > id && strcmp(slash, "/content") == 0;
}

int server_init(struct emu_server *srv, const struct emu_config *cfg)
{
	int ret;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	srv->listen_fd = -1;
	ret = store_init(&srv->store, cfg);
	if (ret)
		return ret;
	ret = faults_init(&srv->faults);
	if (ret)
		goto fail_store;
	ret = stats_init(&srv->stats);
	if (ret)
		goto fail_faults;
	if (pthread_mutex_init(&srv->wait_lock, NULL)) {
		ret = -ENOMEM;
		goto fail_stats;
	}
	if (zec_clock_cond_init(&srv->wait_cond)) {
		ret = -ENOMEM;
		goto fail_lock;
	}
	return 0;
fail_lock:
	pthread_mutex_destroy(&srv->wait_lock);
fail_stats:
	stats_destroy(&srv->stats);
fail_faults:
	faults_destroy(&srv->faults);
fail_store:
	store_destroy(&srv->store);
	return ret;
}

void server_destroy(struct emu_server *srv)
{
	pthread_cond_destroy(&srv->wait_cond);
	pthread_mutex_destroy(&srv->wait_lock);
	stats_destroy(&srv->stats);
	faults_destroy(&srv->faults);
	store_destroy(&srv->store);
	free(srv->tls_cert_pem);
	free(srv->tls_key_pem);
	srv->tls_cert_pem = srv->tls_key_pem = NULL;
}

/* The whole of a (small) PEM file as a string; -errno. */
static int read_pem(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	*out = NULL;
	if (!f)
		return -errno;
	for (;;) {
		size_t r;

		if (cap - n < 4096) {
			char *p = cap + 4096 > (1u << 20) ? NULL : realloc(buf, cap + 4096);
			if (!p) {
				ret = cap + 4096 > (1u << 20) ? -EFBIG : -ENOMEM;
				goto out;
			}
			buf = p;
			cap += 4096;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return ret;
}

/* Reads --tls-cert and --tls-key; 0 when TLS is off. */
static int load_tls(struct emu_server *srv)
{
	const struct emu_config *cfg = srv->cfg;
	int ret;

	if (!cfg->tls_cert)
		return 0;
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		zlog_error("cannot serve https error=\"libmicrohttpd built without tls\"");
		return -ENOTSUP;
	}
	ret = read_pem(cfg->tls_cert, &srv->tls_cert_pem);
	if (ret) {
		zlog_error("cannot read the tls certificate file=%s error=\"%s\"",
		           cfg->tls_cert, strerror(-ret));
		return ret;
	}
	ret = read_pem(cfg->tls_key, &srv->tls_key_pem);
	if (ret)
		zlog_error("cannot read the tls key file=%s error=\"%s\"",
		           cfg->tls_key, strerror(-ret));
	return ret;
}

static bool client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd pfd;

	if (!ci)
		return false;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

int server_wait(struct emu_server *srv, struct MHD_Connection *conn, long long ms)
{
	double start = zec_clock_now();
	int ret = 0;

	for (;;) {
		long long left = WAIT_SLICE_MS, done;
		struct timespec until;

		done = (long long)((zec_clock_now() - start) * 1000);
		if (ms >= 0) {
			if (done >= ms)
				break;
			if (ms - done < left)
				left = ms - done;
		}
		if (conn && client_gone(conn)) {
			ret = -ECONNRESET;
			break;
		}
		zec_clock_deadline(&until, (double)left / 1000);
		pthread_mutex_lock(&srv->wait_lock);
		if (!srv->stopping)
			pthread_cond_timedwait(&srv->wait_cond, &srv->wait_lock, &until);
		if (srv->stopping)
			ret = -ESHUTDOWN;
		pthread_mutex_unlock(&srv->wait_lock);
		if (ret)
			break;
	}
	return ret;
}

static bool is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return false;
}

/* A JSON answer; date (may be NULL: libmicrohttpd's own) as its Date header. */
static enum MHD_Result send_dated(struct MHD_Connection *conn, int status, char *body,
                                  const char *date)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (date && date[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_DATE, date);
	ret = MHD_queue_response(conn, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_body(struct MHD_Connection *conn, int status, char *body)
{
	return send_dated(conn, status, body, NULL);
}

/*
 * An API answer, with a Date header on the business clock (a real server
 * dates its answers on its own clock; zecfs computes relative retention
 * times on it, so moving the business clock must move Date too).
 */
static enum MHD_Result send_api_body(struct emu_server *srv, struct MHD_Connection *conn,
                                     int status, char *body)
{
	char date[64];
	struct tm tm;
	time_t now;

	pthread_mutex_lock(&srv->store.lock);
	now = store_now_locked(&srv->store);
	pthread_mutex_unlock(&srv->store.lock);
	if (!gmtime_r(&now, &tm) ||
	    !strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm))
		date[0] = '\0';
	return send_dated(conn, status, body, date);
}

static char *plain_error(const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	char rid[EMU_REQUEST_ID_LEN];
	char *out = NULL;

	emu_request_id(rid);
	if (o && cJSON_AddStringToObject(o, "requestId", rid) &&
	    cJSON_AddStringToObject(o, "code", code) &&
	    cJSON_AddStringToObject(o, "message", message))
		out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

static void count_connection(struct emu_server *srv, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (ci && ci->socket_context)
		stats_connection(&srv->stats, ci->socket_context);
}

static enum MHD_Result route(struct emu_server *srv, struct MHD_Connection *conn,
                             const char *url, const char *method, struct request *rq)
{
	char *out = NULL;
	bool drop = false;
	int status;

	if (strncmp(url, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0) {
		if (!is_loopback(conn))
			return send_body(conn, 403, strdup("{\"error\":\"the control plane "
			                                   "answers loopback peers only\"}"));
		if (rq->too_large)
			return send_body(conn, 413, strdup("{\"error\":\"body too large\"}"));
		if (rq->upload) {
			struct control_upload up = {
				.file = rq->fd >= 0 && !rq->write_failed ? rq->file : NULL,
				.fs = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "fs"),
				.partitioned = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
				                                           "partitioned"),
				.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
				                                            "Content-Type"),
			};

			status = control_content(srv, url + strlen(CONTROL_PREFIX "disks/"), &up, &out);
			/* gone before the answer: a client that lists DIR/tmp after it sees none */
			if (rq->fd >= 0) {
				close(rq->fd);
				unlink(rq->file);
				rq->fd = -1;
			}
		} else {
			status = control_handle(srv, method, url + strlen(CONTROL_PREFIX),
			                        rq->buf ? rq->buf : "", rq->len, &out);
		}
		images_run(&srv->store);
		store_persist(&srv->store);
		return send_body(conn, status, out);
	}
	if (strcmp(url, API_PATH) != 0)
		return send_body(conn, 404, plain_error("OPERATION_FAILED_RESOURCE_NOT_FOUND",
		                                        "No such path; the API is POST /api/v2/zec."));
	if (strcmp(method, "POST") != 0)
		return send_body(conn, 405, plain_error("INVALID_PARAMETER_VALUE",
		                                        "The API accepts POST only."));
	if (rq->too_large)
		return send_body(conn, 413, plain_error("INVALID_PARAMETER_EXCEED_LENGTH",
		                                        "The request body is too large."));
	count_connection(srv, conn);
	status = api_handle(srv, conn, rq->buf ? rq->buf : "", rq->len, &out, &drop);
	/* the image work of the call is done before it is answered */
	images_run(&srv->store);
	store_persist(&srv->store);
	if (drop)
		return MHD_NO;          /* closes the connection, no response */
	return send_api_body(srv, conn, status, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct emu_server *srv = cls;
	struct request *rq = *con_cls;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->fd = -1;
		*con_cls = rq;
		if (strcmp(method, "PUT") == 0 && is_content_url(url)) {
			rq->upload = true;
			if (srv->cfg->disk_data) {
				rq->fd = images_tmp_file(srv->cfg->disk_data, rq->file,
				                         sizeof(rq->file));
				if (rq->fd < 0)
					zlog_error("upload file failed error=\"%s\"", strerror(-rq->fd));
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size && rq->upload) {
		size_t n = *upload_data_size, off = 0;

		rq->written += (long long)n;
		if (rq->written > MAX_CONTENT)
			rq->too_large = true;
		while (rq->fd >= 0 && !rq->too_large && !rq->write_failed && off < n) {
			ssize_t w = write(rq->fd, upload_data + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				zlog_error("upload write failed error=\"%s\"", strerror(errno));
				rq->write_failed = true;
				break;
			}
			off += (size_t)w;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (!rq->too_large && rq->len + n > MAX_BODY) {
			rq->too_large = true;
		} else if (!rq->too_large) {
			if (rq->len + n + 1 > rq->cap) {
				size_t ncap = (rq->len + n + 1) * 2;
				char *p = realloc(rq->buf, ncap);
				if (!p)
					return MHD_NO;
				rq->buf = p;
				rq->cap = ncap;
			}
			memcpy(rq->buf + rq->len, upload_data, n);
			rq->len += n;
			rq->buf[rq->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return route(srv, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq) {
		if (rq->fd >= 0) {
			close(rq->fd);
			unlink(rq->file);
		}
		free(rq->buf);
		free(rq);
		*con_cls = NULL;
	}
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_ctx = calloc(1, sizeof(unsigned long long));
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_ctx);
		*socket_ctx = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	zlog_debug("mhd message=\"%s\"", msg);
}

/* Splits HOST:PORT ("[v6]:port" too); host may be empty (all addresses). */
static int split_listen(const char *listen, char *host, size_t hsize, char *port,
                        size_t psize)
{
	const char *colon;
	size_t hl;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - listen - 1);
		if (hl >= hsize)
			return -EINVAL;
		memcpy(host, listen + 1, hl);
		host[hl] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - listen);
		if (hl >= hsize)
			return -EINVAL;
		memcpy(host, listen, hl);
		host[hl] = '\0';
	}
	if (!colon[1] || strlen(colon + 1) >= psize ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -EINVAL;
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

static int open_listener(struct emu_server *srv)
{
	struct addrinfo hints = { 0 }, *ai = NULL, *p;
	char host[256], port[16];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, ret, real_port = 0;

	if (split_listen(srv->cfg->listen, host, sizeof(host), port, sizeof(port))) {
		zlog_error("bad listen address listen=%s", srv->cfg->listen);
		return -EINVAL;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (ret) {
		zlog_error("cannot resolve listen address listen=%s error=\"%s\"",
		           srv->cfg->listen, gai_strerror(ret));
		return -EINVAL;
	}
	ret = -EADDRNOTAVAIL;
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 256) == 0)
			break;
		ret = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		zlog_error("cannot listen listen=%s error=\"%s\"", srv->cfg->listen,
		           strerror(-ret));
		return ret;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			real_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			real_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(srv->url, sizeof(srv->url),
	         strchr(host, ':') ? "%s://[%s]:%d" : "%s://%s:%d",
	         srv->cfg->tls_cert ? "https" : "http",
	         host[0] ? host : "0.0.0.0", real_port);
	srv->listen_fd = fd;
	return 0;
}

int server_start(struct emu_server *srv)
{
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
	                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
	                     MHD_USE_ERROR_LOG;
	int ret = load_tls(srv);

	if (ret)
		return ret;
	if (srv->tls_cert_pem) {
		flags |= MHD_USE_TLS;
		tls[0].ptr_value = srv->tls_cert_pem;
		tls[1].ptr_value = srv->tls_key_pem;
	} else {
		tls[0].option = MHD_OPTION_END;
	}
	ret = open_listener(srv);
	if (ret)
		return ret;
	srv->daemon = MHD_start_daemon(
		flags,
		0, NULL, NULL, on_request, srv,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)600,
		MHD_OPTION_END);
	if (!srv->daemon) {
		zlog_error("cannot start the http server listen=%s", srv->cfg->listen);
		close(srv->listen_fd);
		srv->listen_fd = -1;
		return -EIO;
	}
	return 0;
}

void server_stop(struct emu_server *srv)
{
	pthread_mutex_lock(&srv->wait_lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->wait_cond);
	pthread_mutex_unlock(&srv->wait_lock);
	if (srv->daemon) {
		MHD_stop_daemon(srv->daemon);       /* closes the listen socket */
		srv->daemon = NULL;
		srv->listen_fd = -1;
	}
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		srv->listen_fd = -1;
	}
}

/*
 * zec_http.c - the ZEC API transport: the client's lifetime and one signed
 * POST per try, with libcurl (zec_call.c makes a call of the tries).
 *
 * A client owns a pool of transfer slots, each a CURL easy handle and the
 * CURLM multi handle that drives it (and keeps its keep-alive connection).
 * A call takes a slot under the pool mutex, releases the mutex for the whole
 * transfer, and puts the slot back, so connections are reused and no lock is
 * held while waiting on the network.  The pool keeps up to 4 x parallel + 64
 * idle slots: the most the page walkers of all listings may run at once
 * (4 x parallel worker threads in all, zec_client_walk_threads_take) plus
 * the daemon's own calling threads (64), so a slot and its connection are
 * not thrown away after one use.  Every handle shares the DNS cache and
 * TLS sessions through one CURLSH, locked per data kind.
 *
 * Credentials are copied under a rwlock at the start of every try, so
 * zec_client_set_credentials() never races a request.  zec_client_cancel()
 * sets an atomic flag and wakes every multi handle (curl_multi_wakeup) and
 * every backoff sleep, so in-flight transfers end within milliseconds.
 *
 * Never logged: the key password, the Authorization header, the signature,
 * the bearer token.
 */
#include "zec_parse.h"
#include "zec_http_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "zec_breaker.h"
#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"
#include "zec_sign.h"
#include "zec_tls.h"
#include "zec_wait.h"

#ifndef ZECFS_VERSION
#define ZECFS_VERSION "0"
#endif

#define ZEC_CONTENT_TYPE     "application/json"
#define ZEC_API_VERSION      "2025-09-01"
#define ZEC_REQUEST_CLIENT   "zecfs/" ZECFS_VERSION
#define BODY_PREALLOC_MAX    (1u << 20)   /* an answer's buffer sized from Content-Length */


struct xfer {
	CURL *easy;
	CURLM *multi;
	struct xfer *next, *prev;        /* c->all */
};

struct body_buf {
	CURL *easy;                      /* its Content-Length sizes the buffer */
	char *data;
	size_t len, cap;
	bool too_large;
};

/* ---- small helpers ------------------------------------------------------- */

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void creds_clear(struct zec_creds *cr)
{
	wipe_free(cr->key_id);
	wipe_free(cr->password);
	wipe_free(cr->bearer);
	memset(cr, 0, sizeof(*cr));
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int creds_set(struct zec_creds *cr, const char *key_id,
                     const char *password, const char *bearer)
{
	int ret;

	memset(cr, 0, sizeof(*cr));
	ret = dup_opt(key_id, &cr->key_id);
	if (!ret)
		ret = dup_opt(password, &cr->password);
	if (!ret)
		ret = dup_opt(bearer, &cr->bearer);
	if (ret)
		creds_clear(cr);
	return ret;
}

/* Signed mode needs both halves; bearer mode needs only the token. */
static int creds_check(const char *key_id, const char *password,
                       const char *bearer)
{
	bool has_id = key_id && *key_id, has_pw = password && *password;

	if (bearer && *bearer)
		return 0;
	if (has_id != has_pw)
		return -EINVAL;
	return 0;
}

static int creds_snapshot(struct zec_client *c, struct zec_creds *out)
{
	int ret;

	pthread_rwlock_rdlock(&c->creds_lock);
	ret = creds_set(out, c->creds.key_id, c->creds.password, c->creds.bearer);
	pthread_rwlock_unlock(&c->creds_lock);
	return ret;
}

uint64_t zec_http_random(struct zec_client *c)
{
	uint64_t z = atomic_fetch_add(&c->rng, 0x9E3779B97F4A7C15ull) +
	             0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* ---- client lifetime ----------------------------------------------------- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access,
                       void *userp)
{
	struct zec_client *c = userp;

	(void)h; (void)access;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
	struct zec_client *c = userp;

	(void)h;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&c->share_locks[data]);
}

/* The CURLSH every handle uses: DNS cache and TLS sessions, locked per kind. */
static int share_new(struct zec_client *c)
{
	CURLSHcode rc;

	c->share = curl_share_init();
	if (!c->share)
		return -ENOMEM;
	rc = curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	if (!rc) rc = curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	if (!rc) rc = curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	if (!rc) rc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	if (!rc) rc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	if (rc) {
		curl_share_cleanup(c->share);
		c->share = NULL;
		return rc == CURLSHE_NOMEM ? -ENOMEM : -EIO;
	}
	return 0;
}


static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* host[:port] is 127.0.0.0/8, localhost or [::1]. */
static bool loopback_host(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strncmp(host, "[::1]", 5) == 0 ||
	       strcmp(host, "localhost") == 0 || strncmp(host, "localhost:", 10) == 0;
}

/*
 * The breaker's probe: the cheapest call there is.  Any answer from the
 * server, an error envelope included, means calls get through again.
 */
static int probe(void *arg)
{
	struct zec_client *c = arg;
	struct zec_result res = { .path = "probe" };
	struct zec_disk_list l = { 0 };
	int ret = zec_describe_disks(c, NULL, 1, 1, &l, &res);

	zec_disk_list_free(&l);
	if (ret && (res.outcome == ZEC_OUTCOME_TIMEOUT || res.outcome == ZEC_OUTCOME_TRANSPORT ||
	            res.err == -ESHUTDOWN))
		return ret;
	return 0;
}

void zec_client_breaker_info(const struct zec_client *c, struct zec_breaker_info *out)
{
	zec_breaker_info(c ? c->breaker : NULL, out);
}

int zec_client_new(const struct zec_client_config *cfg, struct zec_client **out)
{
	struct zec_client *c = NULL;
	int ret;

	*out = NULL;
	if (!cfg || cfg->request_timeout_ms < 0 || cfg->deadline_ms < 0 ||
	    cfg->retries < 0)
		return -EINVAL;
	if (creds_check(cfg->access_key_id, cfg->access_key_password,
	                cfg->bearer_token))
		return -EINVAL;
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return -EIO;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = zec_endpoint_parse(cfg->endpoint, c->url, sizeof(c->url),
	                         c->host, sizeof(c->host), c->base, sizeof(c->base));
	if (ret) {
		ret = -EINVAL;
		goto fail_free;
	}
	if (strncmp(c->base, "http://", 7) == 0 && !loopback_host(c->host))
		zlog_warn("api endpoint is plain http on a non-loopback host: "
		          "requests travel unencrypted endpoint=%s", c->base);
	if (cfg->cafile && *cfg->cafile) {
		c->cafile = strdup(cfg->cafile);
		if (!c->cafile) {
			ret = -ENOMEM;
			goto fail_free;
		}
	}
	c->request_timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms
	                                                : DEFAULT_TIMEOUT_MS;
	c->deadline_ms = cfg->deadline_ms ? cfg->deadline_ms : DEFAULT_DEADLINE_MS;
	c->parallel = cfg->parallel > 0 ? cfg->parallel : DEFAULT_PARALLEL;
	c->pool_max = WALK_THREADS_PER * (size_t)c->parallel + POOL_EXTRA;
	c->pool = calloc(c->pool_max, sizeof(*c->pool));
	if (!c->pool) {
		ret = -ENOMEM;
		goto fail_free;
	}
	c->observe = cfg->observe;
	c->observe_arg = cfg->observe_arg;
	c->retries = cfg->retries ? cfg->retries : DEFAULT_RETRIES;
	c->log_calls = cfg->log_calls;
	ret = creds_set(&c->creds, cfg->access_key_id, cfg->access_key_password,
	                cfg->bearer_token);
	if (ret)
		goto fail_free;

	atomic_init(&c->cancelled, false);
	atomic_init(&c->typical_us, 0);
	atomic_init(&c->walk_threads, 0);
	atomic_init(&c->rng, (uint64_t)zec_clock_wall() ^ (uint64_t)(uintptr_t)c ^
	                     zec_clock_now_ms() << 20);
	pthread_rwlock_init(&c->creds_lock, NULL);
	pthread_mutex_init(&c->pool_lock, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_locks[i], NULL);
	pthread_mutex_init(&c->wait_lock, NULL);
	if (zec_clock_cond_init(&c->wait_cond)) {
		zec_client_free(c);
		return -ENOMEM;
	}
	ret = share_new(c);
	if (ret) {
		zec_client_free(c);
		return ret;
	}
	/* one CA store for all connections; without it, curl loads its own */
	if (strncmp(c->base, "https://", 8) == 0) {
		ret = zec_tls_new(c->cafile, &c->tls);
		if (ret == -ENOMEM) {
			zec_client_free(c);
			return ret;
		}
		if (ret)
			zlog_debug("shared ca store unavailable, curl loads the ca per connection "
			           "error=%d", ret);
	}
	if (cfg->breaker && zec_breaker_new(cfg->probe_interval_ms, probe, c, &c->breaker)) {
		zec_client_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;

fail_free:
	creds_clear(&c->creds);
	free(c->pool);
	free(c->cafile);
	free(c);
	return ret;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->multi)
		curl_multi_cleanup(x->multi);
	if (x->easy)
		curl_easy_cleanup(x->easy);
	free(x);
}

void zec_client_free(struct zec_client *c)
{
	if (!c)
		return;
	if (c->breaker) {
		zec_client_cancel(c);      /* a probe in flight ends at once */
		zec_breaker_free(c->breaker);
	}
	for (size_t i = 0; i < c->pool_n; i++)
		xfer_free(c->pool[i]);    /* every slot is idle by now */
	free(c->pool);
	if (c->share)
		curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_locks[i]);
	creds_clear(&c->creds);
	free(c->cafile);
	zec_tls_free(c->tls);
	pthread_rwlock_destroy(&c->creds_lock);
	pthread_mutex_destroy(&c->pool_lock);
	pthread_mutex_destroy(&c->wait_lock);
	pthread_cond_destroy(&c->wait_cond);
	free(c);
}

int zec_client_set_credentials(struct zec_client *c, const char *key_id,
                               const char *password, const char *bearer_token)
{
	struct zec_creds fresh, old;
	int ret;

	if (!c || creds_check(key_id, password, bearer_token))
		return -EINVAL;
	ret = creds_set(&fresh, key_id, password, bearer_token);
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&c->creds_lock);
	old = c->creds;
	c->creds = fresh;
	pthread_rwlock_unlock(&c->creds_lock);
	creds_clear(&old);
	return 0;
}

void zec_client_cancel(struct zec_client *c)
{
	if (!c)
		return;
	atomic_store(&c->cancelled, true);
	pthread_mutex_lock(&c->wait_lock);
	pthread_cond_broadcast(&c->wait_cond);
	pthread_mutex_unlock(&c->wait_lock);
	/* curl_multi_wakeup is thread-safe; a slot leaves c->all only under
	 * pool_lock, so none is freed while it is woken */
	pthread_mutex_lock(&c->pool_lock);
	for (struct xfer *x = c->all; x; x = x->next)
		curl_multi_wakeup(x->multi);
	pthread_mutex_unlock(&c->pool_lock);
}

void zec_client_resume(struct zec_client *c)
{
	if (c)
		atomic_store(&c->cancelled, false);
}

const char *zec_client_endpoint(const struct zec_client *c)
{
	return c ? c->base : NULL;
}

int zec_client_parallel(const struct zec_client *c)
{
	return c->parallel;
}

int zec_client_walk_threads_take(struct zec_client *c, int want)
{
	int max = WALK_THREADS_PER * c->parallel;
	int cur = atomic_load(&c->walk_threads), got;

	do {
		got = max - cur < want ? max - cur : want;
		if (got <= 0)
			return 0;
	} while (!atomic_compare_exchange_weak(&c->walk_threads, &cur, cur + got));
	return got;
}

void zec_client_walk_threads_give(struct zec_client *c, int n)
{
	atomic_fetch_sub(&c->walk_threads, n);
}

long zec_client_deadline_ms(const struct zec_client *c)
{
	return c->deadline_ms;
}

enum zec_name_filter zec_client_name_filter(const struct zec_client *c)
{
	return (enum zec_name_filter)atomic_load(&((struct zec_client *)c)->name_filter);
}

void zec_client_learn_name_filter(struct zec_client *c, enum zec_name_filter f)
{
	atomic_store(&c->name_filter, (int)f);
}

int zec_client_retries(const struct zec_client *c)
{
	return c->retries;
}

bool zec_client_cancelled(const struct zec_client *c)
{
	return atomic_load(&((struct zec_client *)c)->cancelled);
}

/* ---- handle pool --------------------------------------------------------- */

static struct xfer *xfer_new(struct zec_client *c)
{
	struct xfer *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->easy = curl_easy_init();
	x->multi = curl_multi_init();
	if (!x->easy || !x->multi) {
		xfer_free(x);
		return NULL;
	}
	pthread_mutex_lock(&c->pool_lock);
	x->next = c->all;
	if (c->all)
		c->all->prev = x;
	c->all = x;
	pthread_mutex_unlock(&c->pool_lock);
	return x;
}

static struct xfer *pool_take(struct zec_client *c)
{
	struct xfer *x = NULL;

	pthread_mutex_lock(&c->pool_lock);
	if (c->pool_n)
		x = c->pool[--c->pool_n];
	pthread_mutex_unlock(&c->pool_lock);
	if (x)
		curl_easy_reset(x->easy);     /* the multi keeps the connection */
	else
		x = xfer_new(c);
	return x;
}

static void pool_give(struct zec_client *c, struct xfer *x)
{
	pthread_mutex_lock(&c->pool_lock);
	if (c->pool_n < c->pool_max) {
		c->pool[c->pool_n++] = x;
		x = NULL;
	} else {
		if (x->prev)
			x->prev->next = x->next;
		else
			c->all = x->next;
		if (x->next)
			x->next->prev = x->prev;
	}
	pthread_mutex_unlock(&c->pool_lock);
	xfer_free(x);
}

/*
 * Runs the transfer set up on x->easy through x->multi, so that
 * zec_client_cancel() can wake the wait: returns the transfer's CURLcode,
 * CURLE_ABORTED_BY_CALLBACK when cancelled.
 */
static CURLcode xfer_perform(struct zec_client *c, struct xfer *x)
{
	CURLcode rc = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;
	bool done = false;

	zec_before_wait();
	mc = curl_multi_add_handle(x->multi, x->easy);
	if (mc)
		return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
	while (!done) {
		if (atomic_load(&c->cancelled)) {
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		mc = curl_multi_perform(x->multi, &running);
		if (mc) {
			rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_SEND_ERROR;
			break;
		}
		while ((msg = curl_multi_info_read(x->multi, &left)) != NULL) {
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == x->easy) {
				rc = msg->data.result;
				done = true;
			}
		}
		if (done)
			break;
		if (!running) {
			rc = CURLE_RECV_ERROR;   /* ended without a message: not expected */
			break;
		}
		mc = curl_multi_poll(x->multi, NULL, 0, POLL_MS, NULL);
		if (mc) {
			rc = CURLE_RECV_ERROR;
			break;
		}
	}
	curl_multi_remove_handle(x->multi, x->easy);
	return rc;
}

/* ---- one try ------------------------------------------------------------- */

/*
 * Appends a piece of the answer.  The buffer is allocated once from the
 * answer's Content-Length (a page of 100 snapshots, about 30 KB, comes in
 * several pieces, and a realloc per piece copied it again each time); an
 * answer without one, longer than it said, or saying more than
 * BODY_PREALLOC_MAX (a server's word reserves no more) doubles the buffer.
 */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body_buf *b = userdata;
	size_t n = size * nmemb, cap;
	curl_off_t said = -1;
	char *p;

	if (b->len + n > RESPONSE_MAX) {
		b->too_large = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		if (!b->cap && b->easy &&
		    curl_easy_getinfo(b->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &said) != CURLE_OK)
			said = -1;
		cap = b->cap ? b->cap * 2 : 16384;
		if (!b->cap && said > 0 && (uint64_t)said <= BODY_PREALLOC_MAX)
			cap = (size_t)said + 1;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > RESPONSE_MAX + 1)
			cap = RESPONSE_MAX + 1;
		p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	struct zec_client *c = clientp;

	(void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
	return atomic_load(&c->cancelled) ? 1 : 0;
}

static void slist_free_wiped(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static int slist_add(struct curl_slist **l, const char *line)
{
	struct curl_slist *n = curl_slist_append(*l, line);

	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}

/* The request headers, signed with a snapshot of the credentials. */
static int build_headers(struct zec_client *c, const char *action,
                         const char *body, struct curl_slist **out)
{
	struct curl_slist *l = NULL;
	struct zec_creds cr;
	char line[1024], ts[32], sig[ZEC_HEX256_LEN + 1], auth[640];
	int ret;

	*out = NULL;
	ret = creds_snapshot(c, &cr);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "X-ZC-Action: %s", action);
	ret = slist_add(&l, line);
	if (!ret) ret = slist_add(&l, "X-ZC-Service: zec");
	if (!ret) ret = slist_add(&l, "X-ZC-Version: " ZEC_API_VERSION);
	if (!ret) ret = slist_add(&l, "Content-Type: " ZEC_CONTENT_TYPE);
	if (!ret) {
		snprintf(line, sizeof(line), "Host: %s", c->host);
		ret = slist_add(&l, line);
	}
	if (!ret) ret = slist_add(&l, "X-ZC-Request-Client: " ZEC_REQUEST_CLIENT);
	if (!ret) ret = slist_add(&l, "Expect:");
	if (ret)
		goto out;

	if (cr.bearer) {
		if (snprintf(line, sizeof(line), "Authorization: Bearer %s",
		             cr.bearer) >= (int)sizeof(line)) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		ret = slist_add(&l, line);
	} else if (cr.key_id && cr.password) {
		snprintf(ts, sizeof(ts), "%lld", (long long)zec_clock_wall());
		ret = zec_signature(cr.password, ts, ZEC_CONTENT_TYPE, c->host,
		                    body, strlen(body), sig);
		if (!ret)
			ret = zec_format_authorization(auth, sizeof(auth), cr.key_id, sig);
		if (!ret) {
			snprintf(line, sizeof(line), "X-ZC-Timestamp: %s", ts);
			ret = slist_add(&l, line);
		}
		if (!ret)
			ret = slist_add(&l, "X-ZC-Signature-Method: " ZEC_SIGN_METHOD);
		if (!ret) {
			snprintf(line, sizeof(line), "Authorization: %s", auth);
			ret = slist_add(&l, line);
		}
	}
	/* no credentials at all: unsigned, the server answers AUTHFAILURE_* */
out:
	explicit_bzero(line, sizeof(line));
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(sig, sizeof(sig));
	creds_clear(&cr);
	if (ret) {
		slist_free_wiped(l);
		return ret;
	}
	*out = l;
	return 0;
}

static void set_options(struct zec_client *c, CURL *h, const char *body,
                        struct curl_slist *headers, struct body_buf *buf,
                        char *errbuf, long timeout_ms)
{
	long stall = STALL_SECONDS;

	if (stall * 1000 > timeout_ms)
		stall = timeout_ms / 1000 > 0 ? timeout_ms / 1000 : 1;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_PROXY, "");          /* nothing from the env */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->tls)
		zec_tls_apply(c->tls, h);
	else if (c->cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);     /* would print secrets */
	if (c->share)
		curl_easy_setopt(h, CURLOPT_SHARE, c->share);
}

/* Clears what one try fills, keeping path, action and attempts. */
void zec_http_reset_try(struct zec_result *res)
{
	res->outcome = ZEC_OUTCOME_OK;
	res->http_status = 0;
	res->code[0] = '\0';
	res->message[0] = '\0';
	res->request_id[0] = '\0';
	res->transport[0] = '\0';
	res->err = 0;
	res->server_time = 0;
}

/*
 * The answer's Date is the server's clock: kept in res, and as its offset
 * from ours for zec_client_server_now().  An offset of a minute or more
 * from the one last logged is logged once (info): a skewed host clock.
 */
static void note_server_time(struct zec_client *c, CURL *h, struct zec_result *res)
{
	struct curl_header *hd;
	long long skew, logged;
	time_t t;

	if (curl_easy_header(h, "Date", 0, CURLH_HEADER, -1, &hd) != CURLHE_OK)
		return;
	t = curl_getdate(hd->value, NULL);
	if (t <= 0)
		return;
	res->server_time = (long long)t;
	skew = (long long)t - (long long)zec_clock_wall();
	atomic_store(&c->clock_skew, skew);
	logged = atomic_load(&c->skew_logged);
	if ((skew - logged >= 60 || logged - skew >= 60) &&
	    atomic_compare_exchange_strong(&c->skew_logged, &logged, skew))
		zlog_info("server clock differs from the local clock skew_s=%lld "
		          "(relative times are taken on the server's)", skew);
}

long long zec_client_server_now(struct zec_client *c)
{
	return (long long)zec_clock_wall() + (c ? atomic_load(&c->clock_skew) : 0);
}

int zec_http_cancelled(struct zec_result *res)
{
	return zec_result_local(res, ZECFS_CANCELLED, "the client was cancelled");
}

/* Transport errors that another try cannot fix. */
static bool permanent_curl_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_OUT_OF_MEMORY:
		return true;
	default:
		return false;
	}
}

/* One exchange (zec_http_int.h). */
int zec_http_try(struct zec_client *c, const struct zec_call *call, long timeout_ms,
                 cJSON **response, struct zec_result *res,
                 bool *sent, bool *retryable, bool *unreachable)
{
	const char *action = call->action, *body = call->body;
	unsigned flags = call->flags;
	struct curl_slist *headers = NULL;
	struct body_buf buf = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0, request_size = 0;
	struct xfer *x = NULL;
	CURL *h;
	CURLcode rc;
	int ret;

	*response = NULL;
	*sent = false;
	*retryable = false;
	*unreachable = false;
	zec_http_reset_try(res);
	if (atomic_load(&c->cancelled))
		return zec_http_cancelled(res);

	ret = build_headers(c, action, body, &headers);
	if (ret) {
		ret = zec_result_local(res, ret == -ENOMEM ? ZECFS_OUT_OF_MEMORY
		                                           : ZECFS_BAD_ARGUMENT,
		                       "cannot build the request headers");
		goto out;
	}
	x = pool_take(c);
	if (!x) {
		ret = zec_result_local(res, ZECFS_OUT_OF_MEMORY, "curl_easy_init failed");
		goto out;
	}
	h = x->easy;
	buf.easy = h;
	set_options(c, h, body, headers, &buf, errbuf, timeout_ms);
	/*
	 * libcurl silently re-sends a request when a reused keep-alive
	 * connection closes without an answer.  That is harmless for reads but
	 * could apply a CreateSnapshot or a DeleteSnapshots twice and hide the
	 * first answer: such calls get a new connection.
	 */
	if (flags & (ZEC_CALL_NOT_IDEMPOTENT | ZEC_CALL_FRESH_CONNECTION))
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	rc = xfer_perform(c, x);     /* no lock held here */
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
	*sent = request_size > 0;

	if (rc == CURLE_ABORTED_BY_CALLBACK && atomic_load(&c->cancelled)) {
		/* the request may have left: a cancelled create is ambiguous */
		ret = zec_http_cancelled(res);
		goto out;
	}
	if (rc == CURLE_WRITE_ERROR && buf.too_large) {
		res->http_status = status;
		ret = zec_result_bad_response(res, "response too large");
		goto out;
	}
	if (rc != CURLE_OK) {
		res->http_status = status;
		res->outcome = rc == CURLE_OPERATION_TIMEDOUT ? ZEC_OUTCOME_TIMEOUT
		                                               : ZEC_OUTCOME_TRANSPORT;
		snprintf(res->code, sizeof(res->code), "%s",
		         rc == CURLE_OPERATION_TIMEDOUT ? ZECFS_TIMEOUT : ZECFS_TRANSPORT);
		snprintf(res->transport, sizeof(res->transport), "%s",
		         errbuf[0] ? errbuf : curl_easy_strerror(rc));
		snprintf(res->message, sizeof(res->message), "%s", curl_easy_strerror(rc));
		res->err = zec_errno_for_result(res);
		*retryable = !permanent_curl_error(rc);
		*unreachable = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
		               rc == CURLE_COULDNT_RESOLVE_HOST;
		ret = res->err;
		goto out;
	}
	*sent = true;
	note_server_time(c, h, res);
	if (status == 200 && call->fast && buf.data &&
	    call->fast(call->fast_arg, buf.data, buf.len, res) == 0) {
		/* what the envelope parse sets for a 200; fast filled the requestId */
		res->http_status = status;
		ret = zec_result_ok(res);
		goto out;
	}
	ret = zec_parse_envelope(status, buf.data, buf.len, response, res);
	if (ret && (status == 429 || status >= 500))
		*retryable = true;
out:
	if (x)
		pool_give(c, x);
	slist_free_wiped(headers);
	free(buf.data);
	return ret;
}

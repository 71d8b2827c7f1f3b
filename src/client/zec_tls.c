/*
 * zec_tls.c - one certificate store for every TLS connection (see zec_tls.h).
 */
#include "zec_tls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

struct zec_tls {
	X509_STORE *store;
};

/* libcurl's TLS backend is OpenSSL (the SSL_CTX it hands over is one). */
static bool backend_is_openssl(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v && v->ssl_version && strncmp(v->ssl_version, "OpenSSL/", 8) == 0;
}

int zec_tls_new(const char *cafile, struct zec_tls **out)
{
	struct zec_tls *t;
	int ret;

	*out = NULL;
	if (!backend_is_openssl())
		return -ENOTSUP;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->store = X509_STORE_new();
	if (!t->store) {
		ret = -ENOMEM;
		goto fail;
	}
	/* what curl trusts by default: the system bundle and hashed directory */
	if (X509_STORE_set_default_paths(t->store) != 1) {
		ret = -EINVAL;
		goto fail;
	}
	if (cafile && X509_STORE_load_locations(t->store, cafile, NULL) != 1) {
		ret = -EINVAL;
		goto fail;
	}
	*out = t;
	return 0;
fail:
	zec_tls_free(t);
	return ret;
}

void zec_tls_free(struct zec_tls *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	free(t);
}

/* Called by libcurl for each new connection's SSL_CTX, before the handshake. */
static CURLcode use_store(CURL *easy, void *ssl_ctx, void *arg)
{
	struct zec_tls *t = arg;

	(void)easy;
	SSL_CTX_set1_cert_store(ssl_ctx, t->store);   /* takes a reference */
	return CURLE_OK;
}

void zec_tls_apply(struct zec_tls *t, CURL *easy)
{
	/* curl loads no CA file or directory of its own... */
	curl_easy_setopt(easy, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
	/* ...and each connection verifies against the shared store */
	curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, use_store);
	curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, t);
}

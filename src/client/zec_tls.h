/*
 * zec_tls.h - one certificate store for every TLS connection of a client.
 *
 * libcurl (7.x with OpenSSL) builds a new SSL_CTX for every connection and
 * parses the CA bundle into it: with the system bundle (about 140
 * certificates) that is about 1 MiB a connection, and a listing keeps up
 * to -o parallel connections open.  zecfs instead loads the trusted
 * certificates once into an X509_STORE (the system's default paths, plus
 * -o cafile) and hands that store, reference-counted, to each connection
 * through CURLOPT_SSL_CTX_FUNCTION.  Verification is unchanged: peer and
 * host are checked against exactly what curl would have loaded.
 *
 * Only when libcurl's TLS backend is OpenSSL; otherwise (and if the store
 * cannot be built) the client falls back to CURLOPT_CAINFO.
 */
#ifndef ZEC_TLS_H
#define ZEC_TLS_H

#include <curl/curl.h>

struct zec_tls;

/*
 * The shared store: the system's trusted certificates, and cafile's when
 * not NULL.  0, or -ENOTSUP (libcurl's backend is not OpenSSL), -EINVAL
 * (cafile cannot be read as PEM certificates), -ENOMEM.
 */
int zec_tls_new(const char *cafile, struct zec_tls **out);
void zec_tls_free(struct zec_tls *t);

/* Points an easy handle's TLS connections at the shared store. */
void zec_tls_apply(struct zec_tls *t, CURL *easy);

#endif /* ZEC_TLS_H */

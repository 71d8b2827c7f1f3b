/*
 * auth.h - request authentication: ZC2-HMAC-SHA256 signatures over the raw
 * body, the 5-minute timestamp window (real clock), and bearer tokens.
 */
#ifndef ZEC_EMU_AUTH_H
#define ZEC_EMU_AUTH_H

#include <stddef.h>

#include "emulator.h"

struct auth_request {
	const char *authorization;
	const char *timestamp;          /* X-ZC-Timestamp */
	const char *sig_method;         /* X-ZC-Signature-Method */
	const char *content_type;       /* exactly as received */
	const char *host;               /* exactly as received */
	const void *body;
	size_t body_len;
};

/* 0 when the request is authentic; otherwise fills res, returns its status. */
int auth_check(const struct emu_config *cfg, const struct auth_request *rq,
               struct emu_result *res);

#endif /* ZEC_EMU_AUTH_H */

/*
 * api.c - one API call from headers to envelope: authentication, header
 * checks, the action lookup, fault injection, the action itself, the
 * success or error envelope (zec-api.md section 3), counters and the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "actions.h"
#include "auth.h"
#include "server.h"
#include "versions.h"
#include "zec_clock.h"
#include "zec_log.h"

#define API_SERVICE "zec"
#define API_VERSION "2025-09-01"
#define API_VERSION_OLD "2024-04-01"

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* "application/json", optionally followed by parameters. */
static bool json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (!ct || strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static int check_headers(struct MHD_Connection *conn, struct emu_result *res)
{
	const char *service = header(conn, "X-ZC-Service");
	const char *version = header(conn, "X-ZC-Version");

	if (!service)
		return emu_fail(res, 400, "MISSING_PARAMETER",
		                "The header X-ZC-Service is required (zec).");
	if (strcmp(service, API_SERVICE) != 0)
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "The service %.64s is not supported: X-ZC-Service must be zec.",
		                service);
	if (!version)
		return emu_fail(res, 400, "MISSING_PARAMETER",
		                "The header X-ZC-Version is required (" API_VERSION ").");
	if (strcmp(version, API_VERSION) != 0 && strcmp(version, API_VERSION_OLD) != 0)
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "The version %.64s is not supported: X-ZC-Version must be "
		                API_VERSION " or " API_VERSION_OLD ".", version);
	if (!json_content_type(header(conn, "Content-Type")))
		return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
		                "The Content-Type must be application/json.");
	return 0;
}

static char *envelope(const char *rid, struct emu_result *res)
{
	cJSON *root = cJSON_CreateObject(), *r, *it;
	char *out = NULL;

	if (!root || !cJSON_AddStringToObject(root, "requestId", rid))
		goto out;
	if (res->status == 200) {
		/* "response" repeats the request id, first */
		r = cJSON_AddObjectToObject(root, "response");
		if (!r || !cJSON_AddStringToObject(r, "requestId", rid))
			goto out;
		while (res->response && (it = res->response->child) != NULL) {
			char *key = strdup(it->string);

			cJSON_DetachItemViaPointer(res->response, it);
			if (!key) {
				cJSON_Delete(it);
				goto out;
			}
			cJSON_AddItemToObject(r, key, it);
			free(key);
		}
	} else if (!cJSON_AddStringToObject(root, "code",
	                                    res->code ? res->code : "INTERNAL_SERVER_ERROR") ||
	           !cJSON_AddStringToObject(root, "message", res->message)) {
		goto out;
	}
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

static long long elapsed_ms(double t0)
{
	return (long long)((zec_clock_now() - t0) * 1000);
}

/*
 * Applies a fault's latency, stall and drop-before.  NULL: go on; otherwise
 * the call is dropped and the result names why, for the log.
 */
static const char *fault_before(struct emu_server *srv, struct MHD_Connection *conn,
                                const struct fault_outcome *fo)
{
	int r;

	if (fo->latency_ms > 0) {
		r = server_wait(srv, conn, fo->latency_ms);
		if (r)
			return r == -ESHUTDOWN ? "shutdown" : "client-gone";
	}
	if (fo->stall) {
		server_wait(srv, conn, -1);
		return "stall";
	}
	return fo->drop == FAULT_DROP_BEFORE ? "drop-before" : NULL;
}

/* The action name as logged: only [A-Za-z0-9*_-], at most 64 characters. */
static const char *loggable(const char *action)
{
	if (!action || !*action)
		return "-";
	if (strlen(action) > 64 ||
	    strspn(action, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                   "0123456789*_-") != strlen(action))
		return "(invalid)";
	return action;
}

int api_handle(struct emu_server *srv, struct MHD_Connection *conn,
               const char *body, size_t len, char **out, bool *drop)
{
	struct emu_result res = { .status = 0 };
	struct fault_outcome fo;
	struct auth_request ar;
	char rid[EMU_REQUEST_ID_LEN];
	double t0;
	const char *action = header(conn, "X-ZC-Action");
	cJSON *params = NULL;
	action_fn fn = NULL;
	const char *outcome = NULL;
	bool old;

	t0 = zec_clock_now();
	emu_request_id(rid);
	*out = NULL;
	*drop = false;

	ar.authorization = header(conn, "Authorization");
	ar.timestamp = header(conn, "X-ZC-Timestamp");
	ar.sig_method = header(conn, "X-ZC-Signature-Method");
	ar.content_type = header(conn, "Content-Type");
	ar.host = header(conn, "Host");
	ar.body = body;
	ar.body_len = len;
	if (auth_check(srv->cfg, &ar, &res) || check_headers(conn, &res))
		goto reply;
	if (!action || !*action) {
		emu_fail(&res, 400, "MISSING_PARAMETER", "The header X-ZC-Action is required.");
		goto reply;
	}
	fn = actions_lookup(action);
	if (!fn) {
		emu_fail(&res, 403, "AUTHFAILURE_UNAUTHORIZED_OPERATION",
		         "The action %.64s does not exist or is not allowed.", action);
		goto reply;
	}

	faults_match(&srv->faults, action, &fo);
	outcome = fault_before(srv, conn, &fo);
	if (outcome) {
		*drop = true;
		goto reply;
	}
	if (fo.status && fo.drop == FAULT_DROP_NONE) {
		emu_fail(&res, fo.status, fo.code, "Injected fault.");
		outcome = "fault";
		goto reply;
	}

	params = len ? cJSON_ParseWithLength(body, len) : cJSON_CreateObject();
	if (!params || !cJSON_IsObject(params)) {
		emu_fail(&res, 400, "INVALID_PARAMETER_TYPE",
		         "The request body must be a JSON object.");
		goto reply;
	}
	old = strcmp(header(conn, "X-ZC-Version"), API_VERSION_OLD) == 0;
	if (old)
		version_old_request(action, params);
	fn(&srv->store, params, &res);
	if (old)
		version_old_response(action, &res);
	if (res.status == 200)
		store_persist(&srv->store);
	if (fo.drop == FAULT_DROP_AFTER) {
		*drop = true;
		outcome = "drop-after";
	}

reply:
	if (!*drop) {
		*out = envelope(rid, &res);
		if (!*out) {
			*drop = true;
			outcome = "nomem";
		}
	}
	if (action && *action)
		stats_count(&srv->stats, action, !*drop && res.status == 200);
	zlog_info("request action=%s status=%d code=%s requestId=%s duration_ms=%lld%s%s",
	          loggable(action), *drop ? 0 : res.status,
	          *drop || res.status == 200 ? "-" : res.code, rid, elapsed_ms(t0),
	          outcome ? " fault=" : "", outcome ? outcome : "");
	cJSON_Delete(res.response);
	cJSON_Delete(params);
	return *drop ? 0 : res.status;
}

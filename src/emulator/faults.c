/*
 * faults.c - the list of injected faults and how a call is matched to them.
 */
#include "faults.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator.h"
#include "zec_json.h"

struct fault {
	struct fault *next;
	unsigned long long id;
	char action[64];
	int status;
	char code[64];
	long long latency_ms;
	enum fault_drop drop;
	bool stall;
	long long count;                /* -1: unlimited */
	double probability;
	long long seed;
	unsigned long long rng;         /* splitmix64 state */
};

int faults_init(struct faults *f)
{
	memset(f, 0, sizeof(*f));
	return pthread_mutex_init(&f->lock, NULL) ? -ENOMEM : 0;
}

static void free_list(struct fault *p)
{
	while (p) {
		struct fault *n = p->next;
		free(p);
		p = n;
	}
}

void faults_destroy(struct faults *f)
{
	free_list(f->head);
	f->head = NULL;
	pthread_mutex_destroy(&f->lock);
}

void faults_clear(struct faults *f)
{
	struct fault *old;

	pthread_mutex_lock(&f->lock);
	old = f->head;
	f->head = NULL;
	pthread_mutex_unlock(&f->lock);
	free_list(old);
}

static bool has_outcome(const struct fault *ft)
{
	return ft->stall || ft->drop != FAULT_DROP_NONE || ft->status || ft->code[0];
}

static const char *default_code(int status)
{
	switch (status) {
	case 429: return "REQUEST_LIMIT_EXCEEDED";
	case 503: return "SERVICE_TEMPORARY_UNAVAILABLE";
	case 504: return "REQUEST_TIMED_OUT";
	case 401: return "AUTHFAILURE_SIGNATURE_FAILURE";
	case 403: return "AUTHFAILURE_UNAUTHORIZED_OPERATION";
	case 404: return "OPERATION_FAILED_RESOURCE_NOT_FOUND";
	default:  return status < 500 ? "INVALID_PARAMETER_VALUE" : "INTERNAL_SERVER_ERROR";
	}
}

static int bad(char *err, size_t n, const char *what)
{
	snprintf(err, n, "%s", what);
	return -EINVAL;
}

int faults_add(struct faults *f, const cJSON *spec, char *err, size_t err_size)
{
	struct fault *ft, **tail;
	const char *s;
	long long v;
	bool b;
	const cJSON *p;
	int r;

	if (!cJSON_IsObject(spec))
		return bad(err, err_size, "a fault must be a JSON object");
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return -ENOMEM;
	ft->count = -1;
	ft->probability = 1.0;
	strcpy(ft->action, "*");

	/* each member is read alike on purpose: its getter, its bounds and a
	 * message naming it, so a bad fault says which member is wrong */
	r = zj_string(spec, "action", &s);
	if (r == -EINVAL || (!r && (!*s || strlen(s) >= sizeof(ft->action))))
		goto inval_action;
	if (!r)
		snprintf(ft->action, sizeof(ft->action), "%s", s);
	r = zj_int(spec, "status", &v);
	if (r == -EINVAL || (!r && (v < 400 || v > 599))) {
		bad(err, err_size, "status must be an integer from 400 to 599");
		goto fail;
	}
	if (!r)
		ft->status = (int)v;
	r = zj_string(spec, "code", &s);
	if (r == -EINVAL || (!r && (!*s || strlen(s) >= sizeof(ft->code)))) {
		bad(err, err_size, "code must be a non-empty string");
		goto fail;
	}
	if (!r)
		snprintf(ft->code, sizeof(ft->code), "%s", s);
	r = zj_int(spec, "latencyMs", &v);
	if (r == -EINVAL || (!r && (v < 0 || v > 3600000))) {
		bad(err, err_size, "latencyMs must be an integer from 0 to 3600000");
		goto fail;
	}
	if (!r)
		ft->latency_ms = v;
	r = zj_string(spec, "drop", &s);
	if (r == -EINVAL || (!r && strcmp(s, "before") && strcmp(s, "after"))) {
		bad(err, err_size, "drop must be \"before\" or \"after\"");
		goto fail;
	}
	if (!r)
		ft->drop = strcmp(s, "before") == 0 ? FAULT_DROP_BEFORE : FAULT_DROP_AFTER;
	r = zj_bool(spec, "stall", &b);
	if (r == -EINVAL) {
		bad(err, err_size, "stall must be a boolean");
		goto fail;
	}
	ft->stall = !r && b;
	r = zj_int(spec, "count", &v);
	if (r == -EINVAL || (!r && v < 1)) {
		bad(err, err_size, "count must be a positive integer");
		goto fail;
	}
	if (!r)
		ft->count = v;
	p = cJSON_GetObjectItemCaseSensitive(spec, "probability");
	if (p && !cJSON_IsNull(p)) {
		if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0.0 && p->valuedouble <= 1.0)) {
			bad(err, err_size, "probability must be a number from 0 to 1");
			goto fail;
		}
		ft->probability = p->valuedouble;
	}
	r = zj_int(spec, "seed", &v);
	if (r == -EINVAL) {
		bad(err, err_size, "seed must be an integer");
		goto fail;
	}
	ft->seed = r ? 0 : v;
	ft->rng = (unsigned long long)ft->seed;
	if (!has_outcome(ft) && !ft->latency_ms) {
		bad(err, err_size, "a fault needs status, code, latencyMs, drop or stall");
		goto fail;
	}
	if (ft->code[0] && !ft->status)
		ft->status = emu_code_status(ft->code);
	if (ft->status && !ft->code[0])
		snprintf(ft->code, sizeof(ft->code), "%s", default_code(ft->status));

	pthread_mutex_lock(&f->lock);
	ft->id = ++f->next_id;
	for (tail = &f->head; *tail; tail = &(*tail)->next)
		;
	*tail = ft;
	pthread_mutex_unlock(&f->lock);
	return 0;
inval_action:
	bad(err, err_size, "action must be an action name or \"*\"");
fail:
	free(ft);
	return -EINVAL;
}

static cJSON *fault_json(const struct fault *ft)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)ft->id);
	cJSON_AddStringToObject(o, "action", ft->action);
	if (ft->status) {
		cJSON_AddNumberToObject(o, "status", ft->status);
		cJSON_AddStringToObject(o, "code", ft->code);
	}
	if (ft->latency_ms)
		cJSON_AddNumberToObject(o, "latencyMs", (double)ft->latency_ms);
	if (ft->drop)
		cJSON_AddStringToObject(o, "drop", ft->drop == FAULT_DROP_BEFORE ? "before" : "after");
	if (ft->stall)
		cJSON_AddBoolToObject(o, "stall", 1);
	if (ft->count >= 0)
		cJSON_AddNumberToObject(o, "count", (double)ft->count);
	cJSON_AddNumberToObject(o, "probability", ft->probability);
	cJSON_AddNumberToObject(o, "seed", (double)ft->seed);
	return o;
}

cJSON *faults_json(struct faults *f)
{
	cJSON *root = cJSON_CreateObject(), *arr;

	if (!root)
		return NULL;
	arr = cJSON_AddArrayToObject(root, "faults");
	if (!arr) {
		cJSON_Delete(root);
		return NULL;
	}
	pthread_mutex_lock(&f->lock);
	for (struct fault *ft = f->head; ft; ft = ft->next) {
		cJSON *o = fault_json(ft);
		if (o)
			cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&f->lock);
	return root;
}

/* splitmix64: a uniform double in [0, 1). */
static double draw(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

void faults_match(struct faults *f, const char *action, struct fault_outcome *out)
{
	bool decided = false;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->lock);
	for (struct fault **pp = &f->head; *pp;) {
		struct fault *ft = *pp;

		if ((strcmp(ft->action, "*") != 0 && strcmp(ft->action, action) != 0) ||
		    (decided && has_outcome(ft))) {
			pp = &ft->next;
			continue;
		}
		if (ft->probability < 1.0 && !(draw(&ft->rng) < ft->probability)) {
			pp = &ft->next;
			continue;
		}
		out->latency_ms += ft->latency_ms;
		if (has_outcome(ft)) {
			decided = true;
			out->stall = ft->stall;
			out->drop = ft->drop;
			out->status = ft->status;
			snprintf(out->code, sizeof(out->code), "%s", ft->code);
		}
		if (ft->count > 0 && --ft->count == 0) {
			*pp = ft->next;
			free(ft);
			continue;
		}
		pp = &ft->next;
	}
	pthread_mutex_unlock(&f->lock);
}

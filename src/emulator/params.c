/*
 * params.c - what every action checks and answers alike: its parameters by
 * type (strings, booleans, integers, id lists, names, tags, paging) with the
 * API's validation codes, the filters' matching, and the page or empty
 * answer.
 */
#include "params.h"
#include "store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_json.h"
#include "zec_time.h"

#define MAX_TAGS 20             /* tags and tagKeys: "最长不得超过20个" (SDK models.go) */
#define TAG_MAX  64             /* a TagAssociation's key or value */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The answers to a required parameter left out and to one of another type,
 * alike for every parameter. */
static int missing(const char *key, struct emu_result *res)
{
	return emu_fail(res, 400, "MISSING_PARAMETER", "The parameter %s is required.", key);
}

static int wrong_type(const char *key, const char *type, struct emu_result *res)
{
	return emu_fail(res, 400, "INVALID_PARAMETER_TYPE", "The parameter %s must be %s.",
	                key, type);
}

/* Optional string: 0 (absent leaves *out NULL) or the error status. */
int param_str(const cJSON *body, const char *key, bool required,
              const char **out, struct emu_result *res)
{
	int r = zj_string(body, key, out);

	if (r == -ENOENT) {
		*out = NULL;
		if (required)
			return missing(key, res);
		return 0;
	}
	if (r)
		return wrong_type(key, "a string", res);
	if (required && !**out)
		return emu_fail(res, 400, "MISSING_PARAMETER",
		                "The parameter %s must not be empty.", key);
	return 0;
}

int param_bool(const cJSON *body, const char *key, bool *present,
               bool *out, struct emu_result *res)
{
	int r = zj_bool(body, key, out);

	*present = r == 0;
	if (r == -EINVAL)
		return wrong_type(key, "a boolean", res);
	return 0;
}

/* An array of strings with min..max members (min 0: optional). */
int param_ids(const cJSON *body, const char *key, int min, int max,
              const cJSON **out, int *count, struct emu_result *res)
{
	int r = zj_string_array(body, key, out, count);

	if (r == -ENOENT) {
		*out = NULL;
		*count = 0;
		if (min > 0)
			return missing(key, res);
		return 0;
	}
	if (r)
		return wrong_type(key, "an array of strings", res);
	if (*count < min)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_LENGTH",
		                "The parameter %s needs at least %d item(s).", key, min);
	if (max && *count > max)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter %s allows at most %d items.", key, max);
	return 0;
}

int param_page(const cJSON *body, long long max, long long *num,
               long long *size, struct emu_result *res)
{
	int r;

	*num = 1;
	*size = 20;
	r = zj_int(body, "pageNum", num);
	if (r == -EINVAL)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter pageNum must be an integer.");
	r = zj_int(body, "pageSize", size);
	if (r == -EINVAL)
		return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
		                "The parameter pageSize must be an integer.");
	if (*num < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter pageNum must be at least 1.");
	if (*size < 1)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_MINIMUM",
		                "The parameter pageSize must be at least 1.");
	if (*size > max)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_MAXIMUM",
		                "The parameter pageSize must be at most %lld.", max);
	return 0;
}

bool in_ids(const cJSON *ids, const char *value)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, ids) {
		if (value && strcmp(it->valuestring, value) == 0)
			return true;
	}
	return false;
}

/* Substring match; a leading '^' and a trailing '$' anchor it unless plain. */
bool fuzzy_match(const char *value, const char *pattern, bool plain)
{
	bool head = false, tail = false;
	size_t plen = strlen(pattern), vlen;

	if (!value)
		return false;
	vlen = strlen(value);
	if (plain)
		return strstr(value, pattern) != NULL;
	if (plen && pattern[0] == '^') {
		head = true;
		pattern++;
		plen--;
	}
	if (plen && pattern[plen - 1] == '$') {
		tail = true;
		plen--;
	}
	if (plen > vlen)
		return false;
	if (head && tail)
		return plen == vlen && memcmp(value, pattern, plen) == 0;
	if (head)
		return memcmp(value, pattern, plen) == 0;
	if (tail)
		return memcmp(value + vlen - plen, pattern, plen) == 0;
	for (size_t i = 0; i + plen <= vlen; i++)
		if (memcmp(value + i, pattern, plen) == 0)
			return true;
	return false;
}

/* createTime in the layout of --time-layout (the store keeps RFC 3339). */
static int emit_time(cJSON *rec, int layout)
{
	const char *v = rec_str(rec, "createTime");
	char buf[48];
	time_t t;

	if (layout == EMU_TIME_RFC3339 || !v || zec_time_parse(v, &t))
		return 0;
	emu_time_emit((long long)t, layout, buf, sizeof(buf));
	return rec_set_str(rec, "createTime", buf);
}

cJSON *page_start(size_t total, struct emu_result *res)
{
	cJSON *set = NULL;

	res->response = cJSON_CreateObject();
	if (!res->response ||
	    !cJSON_AddNumberToObject(res->response, "totalCount", (double)total) ||
	    !(set = cJSON_AddArrayToObject(res->response, "dataSet"))) {
		page_fail(res);
		return NULL;
	}
	return set;
}

int page_fail(struct emu_result *res)
{
	cJSON_Delete(res->response);
	res->response = NULL;
	return emu_no_memory(res);
}

/* Adds totalCount and the records of the page to res->response. */
int page_out(const struct store *s, cJSON *const *page, size_t count,
             size_t total, struct emu_result *res)
{
	cJSON *set = page_start(total, res);

	if (!set)
		return res->status;
	for (size_t i = 0; i < count; i++) {
		cJSON *c = cJSON_Duplicate(page[i], 1);
		if (!c)
			return page_fail(res);
		cJSON_AddItemToArray(set, c);
		if (emit_time(c, s->cfg->time_layout))
			return page_fail(res);
	}
	res->status = 200;
	return 200;
}

/* The index of the page's first item; SIZE_MAX when past any listing. */
size_t page_first(long long num, long long size)
{
	if (num - 1 > (long long)(SIZE_MAX / 2) / size)
		return SIZE_MAX;
	return (size_t)((num - 1) * size);
}

int ok_empty(struct emu_result *res)
{
	res->response = cJSON_CreateObject();
	if (!res->response)
		return emu_no_memory(res);
	res->status = 200;
	return 200;
}

/* tags filter: [{"key":..,"value":..}], every pair must be on the disk. */
int read_tags(const cJSON *body, const cJSON **tags, struct emu_result *res)
{
	const cJSON *it;

	*tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
	if (!*tags || cJSON_IsNull(*tags)) {
		*tags = NULL;
		return 0;
	}
	if (!cJSON_IsArray(*tags))
		goto bad;
	if (cJSON_GetArraySize(*tags) > MAX_TAGS)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter tags allows at most %d items.", MAX_TAGS);
	cJSON_ArrayForEach(it, *tags) {
		const char *k, *v;
		if (zj_string(it, "key", &k) || zj_string(it, "value", &v) == -EINVAL)
			goto bad;
	}
	return 0;
bad:
	return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
	                "The parameter tags must be an array of {\"key\",\"value\"} objects.");
}

int read_str_filters(const cJSON *body, struct str_filter *f, size_t n,
                     struct emu_result *res)
{
	for (size_t i = 0; i < n; i++) {
		int st = param_str(body, f[i].key, false, &f[i].value, res);
		if (st)
			return st;
	}
	return 0;
}

bool str_filters_match(const cJSON *rec, const struct str_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v;

		if (!f[i].value)
			continue;
		v = rec_str(rec, f[i].key);
		if (!v || strcmp(v, f[i].value) != 0)
			return false;
	}
	return true;
}

bool rec_has_tag(const cJSON *rec, const char *key, const char *value)
{
	/* {"tags":{"tags":[{"key","value"}]}} (store_disk_norm_tags()) */
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(rec, "tags"), "tags"), *it;

	cJSON_ArrayForEach(it, list) {
		if (str_eq(rec_str(it, "key"), key) &&
		    (!value || str_eq(rec_str(it, "value"), value)))
			return true;
	}
	return false;
}

bool rec_tags_match(const cJSON *rec, const cJSON *tag_keys, const cJSON *tags)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, tag_keys) {
		if (!rec_has_tag(rec, it->valuestring, NULL))
			return false;
	}
	cJSON_ArrayForEach(it, tags) {
		if (!rec_has_tag(rec, rec_str(it, "key"), rec_str(it, "value")))
			return false;
	}
	return true;
}

long long disk_gib(const cJSON *disk)
{
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(disk, "diskSize");

	return cJSON_IsNumber(size) && size->valuedouble > 0 ? (long long)size->valuedouble : 0;
}

/* min..max letters, digits and 'extra' characters, a letter or digit at
 * both ends. */
int param_name(const char *key, const char *name, size_t min, size_t max,
               const char *extra, struct emu_result *res)
{
	size_t n = strlen(name);

	if (n < min)
		return emu_fail(res, 400, "INVALID_PARAMETER_LESS_LENGTH",
		                "The parameter %s must be at least %zu characters.", key, min);
	if (n > max)
		return emu_fail(res, 400, "INVALID_PARAMETER_EXCEED_LENGTH",
		                "The parameter %s must be at most %zu characters.", key, max);
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(name[i]) && !strchr(extra, name[i]))
			goto bad;
	if (is_alnum(name[0]) && is_alnum(name[n - 1]))
		return 0;
bad:
	return emu_fail(res, 400, "INVALID_PARAMETER_PATTERN_ERROR",
	                "The parameter %s may hold letters, digits and \"%s\", and must "
	                "start and end with a letter or digit.", key, extra);
}

/* An integer member: 0, or the error status; absent leaves *present false. */
int param_int(const cJSON *body, const char *key, bool required,
              bool *present, long long *out, struct emu_result *res)
{
	int r = zj_int(body, key, out);

	*present = r == 0;
	if (r == -ENOENT && required)
		return missing(key, res);
	if (r == -EINVAL)
		return wrong_type(key, "an integer", res);
	return 0;
}

/* tags: {"tags":[{"key":..,"value":..}]} (the SDK's TagAssociation), keys
 * 1-64 characters and distinct, values up to 64.  *out: the record's tags. */
int param_tag_association(const cJSON *body, size_t value_min, cJSON **out,
                          struct emu_result *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "tags"), *list = NULL, *it;

	*out = NULL;
	if (v && !cJSON_IsNull(v)) {
		list = cJSON_GetObjectItemCaseSensitive(v, "tags");
		if (!cJSON_IsObject(v) || (list && !cJSON_IsNull(list) && !cJSON_IsArray(list)))
			goto bad_type;
		cJSON_ArrayForEach(it, list) {
			const char *k, *val = "";
			int r = zj_string(it, "key", &k);

			if (r || (r = zj_string(it, "value", &val)) == -EINVAL)
				goto bad_type;
			if (!*k || strlen(k) > TAG_MAX || strlen(val) > TAG_MAX ||
			    strlen(val) < value_min)
				return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
				                "Tag keys must be 1 to %d characters, values %zu to %d.",
				                TAG_MAX, value_min, TAG_MAX);
			for (const cJSON *o = list->child; o != it; o = o->next)
				if (str_eq(rec_str(o, "key"), k))
					return emu_fail(res, 400, "INVALID_PARAMETER_VALUE",
					                "The tag key %s is given twice.", k);
		}
	}
	*out = cJSON_CreateObject();
	if (!*out || !cJSON_AddArrayToObject(*out, "tags"))
		goto nomem;
	cJSON_ArrayForEach(it, list) {
		cJSON *t = cJSON_CreateObject();
		const char *val = rec_str(it, "value");

		if (!t)
			goto nomem;
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(*out, "tags"), t);
		if (zj_add_string(t, "key", rec_str(it, "key")) ||
		    zj_add_string(t, "value", val ? val : ""))
			goto nomem;
	}
	return 0;
bad_type:
	return emu_fail(res, 400, "INVALID_PARAMETER_TYPE",
	                "The parameter tags must be {\"tags\":[{\"key\",\"value\"}]}.");
nomem:
	cJSON_Delete(*out);
	*out = NULL;
	return emu_no_memory(res);
}

/*
 * zec_json.c - typed access to cJSON objects.
 */
#include "zec_json.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *v;

	if (!obj || !cJSON_IsObject(obj) || !key)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return NULL;
	return v;
}

int zj_string(const cJSON *obj, const char *key, const char **out)
{
	const cJSON *v = member(obj, key);

	if (!v)
		return -ENOENT;
	if (!cJSON_IsString(v) || !v->valuestring)
		return -EINVAL;
	*out = v->valuestring;
	return 0;
}

int zj_int(const cJSON *obj, const char *key, long long *out)
{
	const cJSON *v = member(obj, key);
	double d;

	if (!v)
		return -ENOENT;
	if (!cJSON_IsNumber(v))
		return -EINVAL;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d > 9007199254740992.0 ||
	    d < -9007199254740992.0)
		return -EINVAL;
	*out = (long long)d;
	return 0;
}

int zj_bool(const cJSON *obj, const char *key, bool *out)
{
	const cJSON *v = member(obj, key);

	if (!v)
		return -ENOENT;
	if (!cJSON_IsBool(v))
		return -EINVAL;
	*out = cJSON_IsTrue(v);
	return 0;
}

int zj_string_array(const cJSON *obj, const char *key, const cJSON **out,
                    int *count)
{
	const cJSON *v = member(obj, key), *it;

	if (!v)
		return -ENOENT;
	if (!cJSON_IsArray(v))
		return -EINVAL;
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !it->valuestring)
			return -EINVAL;
	}
	*out = v;
	*count = cJSON_GetArraySize(v);
	return 0;
}

char *zj_strdup(const cJSON *obj, const char *key)
{
	const char *s;

	if (zj_string(obj, key, &s))
		return NULL;
	return strdup(s);
}

int zj_add_string(cJSON *obj, const char *key, const char *value)
{
	if (!value)
		return 0;
	return cJSON_AddStringToObject(obj, key, value) ? 0 : -ENOMEM;
}

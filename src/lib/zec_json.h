/*
 * zec_json.h - typed access to cJSON objects.
 *
 * Every getter returns 0, -ENOENT when the key is absent (or JSON null), or
 * -EINVAL when the value has the wrong type.  Getters never crash on a NULL
 * or non-object input.
 */
#ifndef ZEC_JSON_H
#define ZEC_JSON_H

#include <stdbool.h>
#include <cjson/cJSON.h>

int zj_string(const cJSON *obj, const char *key, const char **out);
int zj_int(const cJSON *obj, const char *key, long long *out);
int zj_bool(const cJSON *obj, const char *key, bool *out);
/* An array of strings; *out points into obj, *count is its length. */
int zj_string_array(const cJSON *obj, const char *key, const cJSON **out,
                    int *count);

/* strdup of a string member, or NULL when absent or not a string. */
char *zj_strdup(const cJSON *obj, const char *key);

/* cJSON_AddStringToObject that skips NULL values (unset fields are omitted). */
int zj_add_string(cJSON *obj, const char *key, const char *value);

#endif /* ZEC_JSON_H */

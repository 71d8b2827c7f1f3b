/*
 * params.h - the request parameter, filter and paging helpers every action
 * file shares (params.c).  Each returns 0, or fills res with the API's
 * validation code and returns its HTTP status.
 */
#ifndef ZEC_EMU_PARAMS_H
#define ZEC_EMU_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "emulator.h"

/* A string member; required: present and non-empty.  Absent: *out NULL. */
int param_str(const cJSON *body, const char *key, bool required,
              const char **out, struct emu_result *res);
/* A boolean member; *present tells whether it was given. */
int param_bool(const cJSON *body, const char *key, bool *present, bool *out,
               struct emu_result *res);
/* An integer member; *present tells whether it was given. */
int param_int(const cJSON *body, const char *key, bool required, bool *present,
              long long *out, struct emu_result *res);
/* An array of strings with min..max members (min 0: optional; max 0: any). */
int param_ids(const cJSON *body, const char *key, int min, int max,
              const cJSON **out, int *count, struct emu_result *res);
/* pageNum (default 1) and pageSize (default 20, at most max). */
int param_page(const cJSON *body, long long max, long long *num,
               long long *size, struct emu_result *res);
/* A name of min..max letters, digits and 'extra' characters, a letter or
 * digit at both ends (key names the parameter in the message). */
int param_name(const char *key, const char *name, size_t min, size_t max,
               const char *extra, struct emu_result *res);
/* tags as {"tags":[{"key":..,"value":..}]} (the SDK's TagAssociation): keys
 * 1-64 characters and distinct, values value_min..64; *out the record's
 * tags (owned), empty when absent. */
int param_tag_association(const cJSON *body, size_t value_min, cJSON **out,
                          struct emu_result *res);
/* tags filter: [{"key":..,"value":..}] or absent (*tags NULL). */
int read_tags(const cJSON *body, const cJSON **tags, struct emu_result *res);

struct str_filter {
	const char *key;                /* request and record field */
	const char *value;              /* NULL: not filtered */
};
/* Reads the string filters f[0..n) (each optional) from body. */
int read_str_filters(const cJSON *body, struct str_filter *f, size_t n,
                     struct emu_result *res);
/* Whether rec's fields equal every filter given. */
bool str_filters_match(const cJSON *rec, const struct str_filter *f, size_t n);

bool in_ids(const cJSON *ids, const char *value);
/* Whether record rec (a disk, an instance, a policy: tags as
 * {"tags":{"tags":[...]}}) has tag key (with value, unless NULL). */
bool rec_has_tag(const cJSON *rec, const char *key, const char *value);
/* Whether rec has every key of tag_keys and every pair of tags (the
 * tagKeys and tags filters; either may be NULL). */
bool rec_tags_match(const cJSON *rec, const cJSON *tag_keys, const cJSON *tags);
/* Substring match; a leading '^' and a trailing '$' anchor it unless plain. */
bool fuzzy_match(const char *value, const char *pattern, bool plain);

/* The index of the page's first item; SIZE_MAX when past any listing. */
size_t page_first(long long num, long long size);
/* A listing's answer begun: {"totalCount":total,"dataSet":[]} in
 * res->response; the dataSet to fill, or NULL (res holds the 500). */
cJSON *page_start(size_t total, struct emu_result *res);
/* Drops the answer begun and makes it a 500 (out of memory); its status. */
int page_fail(struct emu_result *res);
/* A 200 with totalCount and copies of the page's records as dataSet
 * (times in the store's --time-layout). */
struct store;
int page_out(const struct store *s, cJSON *const *page, size_t count, size_t total,
             struct emu_result *res);
/* A disk record's diskSize in GiB (0 when it has none). */
long long disk_gib(const cJSON *disk);

/* A 200 with an empty response. */
int ok_empty(struct emu_result *res);

#endif /* ZEC_EMU_PARAMS_H */

/*
 * snapjson.h - a snapshot record's JSON text, written or only counted.
 */
#ifndef ZECFS_SNAPJSON_H
#define ZECFS_SNAPJSON_H

#include <stdbool.h>
#include <stddef.h>

#include "zec_client.h"

/*
 * The DescribeSnapshots record s as JSON, byte for byte what cJSON prints
 * for it: pretty (cJSON_Print: tabs, one member a line) or on one line
 * (cJSON_PrintUnformatted); no NUL, no final newline.  Writes the first
 * cap bytes of it to buf and returns its whole length; with buf NULL it
 * only counts.  Counting and writing are the one same code, so a size
 * counted for stat is the length of the text made at open.
 */
size_t zecfs_snapjson(const struct zec_snapshot *s, bool pretty, char *buf, size_t cap);

/*
 * What the string member k: v (v not NULL) adds to a record's text, written
 * by the same code as zecfs_snapjson: a record's length is that of the
 * record without it plus this.  Every string member is followed by
 * another (diskAbility), so it always ends with a comma.
 */
size_t zecfs_snapjson_member_len(const char *k, const char *v, bool pretty);

/*
 * The same for a key of klen bytes and a value of vlen bytes that need no
 * escape (a number, a time zecfs writes): counted without the text.
 */
size_t zecfs_snapjson_plain_member_len(size_t klen, size_t vlen, bool pretty);

#endif /* ZECFS_SNAPJSON_H */

/*
 * zec_policy_parse.h - internal to the API client library (src/client only):
 * the pure record parsers and request body builders of zec_policy.c, for the
 * unit tests.  Conventions of zec_parse.h: no I/O, 0 or a negative errno,
 * unset fields omitted from bodies, *body malloc'd.
 */
#ifndef ZEC_POLICY_PARSE_H
#define ZEC_POLICY_PARSE_H

#include <cjson/cJSON.h>

#include "zec_policy.h"

/* One AutoSnapshotPolicy; autoSnapshotPolicyId required; days and hours out
 * of range, or a field of the wrong type, -EINVAL.  On failure *out is cleared. */
int zec_parse_policy(const cJSON *item, struct zec_policy *out);
/* A DescribeAutoSnapshotPolicies "response": totalCount and dataSet. */
int zec_parse_policy_page(const cJSON *response, struct zec_policy_list *out);
/* CreateDisks' "diskIds" (at least one) and "orderNumber". */
int zec_parse_disks_created(const cJSON *response, struct zec_disks_created *out);

int zec_build_create_policy(const struct zec_policy_spec *spec, char **body);
int zec_build_describe_policies(const struct zec_policy_filter *f, int page_num,
                                int page_size, char **body);
int zec_build_modify_policy(const struct zec_policy_modify *m, char **body);
/* DeleteAutoSnapshotPolicies (policy_id NULL: "autoSnapshotPolicyIds" = ids),
 * Apply/Cancel (policy_id and "diskIds" = ids). */
int zec_build_policy_ids(const char *policy_id, const char *const *ids, size_t n,
                         char **body);
int zec_build_create_disks(const struct zec_disk_spec *spec, char **body);

#endif /* ZEC_POLICY_PARSE_H */

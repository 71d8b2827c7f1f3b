/*
 * zec_snappage.h - a DescribeSnapshots answer read straight into records
 * (zec_snappage.c), the fast path of a listing's pages.
 */
#ifndef ZEC_SNAPPAGE_H
#define ZEC_SNAPPAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "zec_client.h"

/*
 * The records, totalCount and requestId of a 200 answer's body, as the
 * envelope parse and zec_parse_snapshot_page would find them: 0, with
 * *out filled (owned by the caller: zec_snapshot_list_free) and the
 * requestId (the envelope's, else the response's; "" when neither) in
 * request_id_out.  -EAGAIN when the body is not of the plain shape this
 * reads (the general path decides, and may refuse it), -ENOMEM; *out is
 * empty then.
 *
 * lend: the records and their strings in one block, out->items, each
 * record lent (s->lent): one allocation a page instead of one a string,
 * for a walk whose sinks copy what they keep.  A page of more than
 * ZEC_SNAPSHOT_LENT_MAX records is then declined.
 */
#define ZEC_SNAPSHOT_LENT_MAX (ZEC_SNAPSHOT_PAGE_MAX + 1)
int zec_snappage_read(const char *body, size_t len, bool lend,
                      struct zec_snapshot_list *out,
                      char *request_id_out, size_t request_id_size);

#endif

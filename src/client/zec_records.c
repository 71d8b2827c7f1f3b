/*
 * zec_records.c - freeing and copying the client's records (disks,
 * snapshots, policies, their lists): one generic pass over each type's
 * string members, listed once by the ZEC_*_STRINGS macros, so that a member
 * added to a record is freed and copied without touching this file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "zec_client.h"
#include "zec_policy.h"

/* The offsets of a record type's string members. */
struct strings {
	const size_t *off;
	size_t n;
};

#define DISK_OFFSET(name, common) offsetof(struct zec_disk, name),
#define SNAPSHOT_OFFSET(name, common) offsetof(struct zec_snapshot, name),
#define POLICY_OFFSET(name, common) offsetof(struct zec_policy, name),

static const size_t disk_off[] = { ZEC_DISK_STRINGS(DISK_OFFSET) };
static const size_t snapshot_off[] = { ZEC_SNAPSHOT_STRINGS(SNAPSHOT_OFFSET) };
static const size_t policy_off[] = { ZEC_POLICY_STRINGS(POLICY_OFFSET) };

#define STRINGS(off) ((struct strings){ off, sizeof(off) / sizeof(off[0]) })

static char **member(void *r, size_t off)
{
	return (char **)(void *)((char *)r + off);
}

static const char *member_of(const void *r, size_t off)
{
	return *(const char *const *)(const void *)((const char *)r + off);
}

/* Frees r's string members and zeroes the size bytes of r. */
static void record_clear(void *r, struct strings s, size_t size)
{
	if (!r)
		return;
	for (size_t i = 0; i < s.n; i++)
		free(*member(r, s.off[i]));
	memset(r, 0, size);
}

/*
 * Copies: the struct first (every scalar, present and future), then each
 * string member duplicated; they are all NULLed before the first strdup,
 * so a failure frees only what was duplicated.
 */
static int record_copy(void *dst, const void *src, struct strings s, size_t size)
{
	bool ok = true;

	memset(dst, 0, size);
	if (!src)
		return -EINVAL;
	memcpy(dst, src, size);
	for (size_t i = 0; i < s.n; i++)
		*member(dst, s.off[i]) = NULL;
	for (size_t i = 0; ok && i < s.n; i++) {
		const char *v = member_of(src, s.off[i]);

		*member(dst, s.off[i]) = v ? strdup(v) : NULL;
		ok = !v || *member(dst, s.off[i]);
	}
	if (!ok) {
		record_clear(dst, s, size);
		return -ENOMEM;
	}
	return 0;
}

void zec_disk_clear(struct zec_disk *r)
{
	record_clear(r, STRINGS(disk_off), sizeof(*r));
}

void zec_snapshot_clear(struct zec_snapshot *r)
{
	if (r && r->lent)
		memset(r, 0, sizeof(*r));   /* the page's block holds the strings */
	else
		record_clear(r, STRINGS(snapshot_off), sizeof(*r));
}

int zec_disk_copy(struct zec_disk *dst, const struct zec_disk *src)
{
	return record_copy(dst, src, STRINGS(disk_off), sizeof(*dst));
}

int zec_snapshot_copy(struct zec_snapshot *dst, const struct zec_snapshot *src)
{
	int ret = record_copy(dst, src, STRINGS(snapshot_off), sizeof(*dst));

	dst->lent = false;
	return ret;
}

int zec_snapshot_own(struct zec_snapshot *s)
{
	struct zec_snapshot own;
	int ret;

	if (!s->lent)
		return 0;
	ret = zec_snapshot_copy(&own, s);
	if (!ret)
		*s = own;
	return ret;
}

void zec_strv_free(struct zec_strv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->count; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

void zec_policy_clear(struct zec_policy *p)
{
	if (!p)
		return;
	zec_strv_free(&p->disk_ids);
	for (size_t i = 0; i < p->n_tags; i++) {
		free(p->tags[i].key);
		free(p->tags[i].value);
	}
	free(p->tags);
	record_clear(p, STRINGS(policy_off), sizeof(*p));
}

/* *dst = a copy of src (NULL stays NULL); false when memory runs out. */
static bool copy_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

int zec_policy_copy(struct zec_policy *dst, const struct zec_policy *src)
{
	int ret = record_copy(dst, src, STRINGS(policy_off), sizeof(*dst));
	bool ok;

	if (ret)
		return ret;
	/* the disk ids and tags are the source's until copied below */
	memset(&dst->disk_ids, 0, sizeof(dst->disk_ids));
	dst->tags = NULL;
	dst->n_tags = 0;
	ok = true;
	if (src->disk_ids.count) {
		dst->disk_ids.v = calloc(src->disk_ids.count + 1, sizeof(char *));
		ok = dst->disk_ids.v != NULL;
		for (size_t i = 0; ok && i < src->disk_ids.count; i++) {
			ok = copy_str(&dst->disk_ids.v[i], src->disk_ids.v[i]);
			dst->disk_ids.count += ok;
		}
	}
	if (ok && src->n_tags) {
		dst->tags = calloc(src->n_tags, sizeof(*dst->tags));
		ok = dst->tags != NULL;
		for (size_t i = 0; ok && i < src->n_tags; i++) {
			ok = copy_str(&dst->tags[i].key, src->tags[i].key) &&
			     copy_str(&dst->tags[i].value, src->tags[i].value);
			dst->n_tags = i + 1;
		}
	}
	if (!ok) {
		zec_policy_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

/* Clears count records of size bytes with clear, and frees the array. */
static void list_free(void *items, size_t count, size_t size, void (*clear)(void *))
{
	for (size_t i = 0; i < count; i++)
		clear((char *)items + i * size);
	free(items);
}

static void disk_clear_any(void *r)
{
	zec_disk_clear(r);
}

static void snapshot_clear_any(void *r)
{
	zec_snapshot_clear(r);
}

static void policy_clear_any(void *r)
{
	zec_policy_clear(r);
}

/* The three list frees are alike on purpose: one typed entry point per list
 * type of the public headers, the work in list_free(). */
void zec_disk_list_free(struct zec_disk_list *l)
{
	if (!l)
		return;
	list_free(l->items, l->count, sizeof(*l->items), disk_clear_any);
	memset(l, 0, sizeof(*l));
}

void zec_snapshot_list_free(struct zec_snapshot_list *l)
{
	if (!l)
		return;
	list_free(l->items, l->count, sizeof(*l->items), snapshot_clear_any);
	memset(l, 0, sizeof(*l));
}

void zec_policy_list_free(struct zec_policy_list *l)
{
	if (!l)
		return;
	list_free(l->items, l->count, sizeof(*l->items), policy_clear_any);
	memset(l, 0, sizeof(*l));
}

void zec_disks_created_free(struct zec_disks_created *d)
{
	if (!d)
		return;
	zec_strv_free(&d->disk_ids);
	free(d->order_number);
	memset(d, 0, sizeof(*d));
}

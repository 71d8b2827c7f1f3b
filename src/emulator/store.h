/*
 * store.h - the emulator's state: disks, snapshots, the business clock and
 * the pending state transitions, with persistence to a JSON file.
 *
 * Records are cJSON objects carrying exactly the API's field names, so
 * DescribeDisks, DescribeSnapshots, /_emulator/state and the state file all
 * print them as they are.  Every function whose name ends in _locked must be
 * called with store->lock held; nothing sleeps or does I/O under it.
 */
#ifndef ZEC_EMU_STORE_H
#define ZEC_EMU_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "emulator.h"

struct emu_disk {
	cJSON *rec;                     /* API disk record */
	long long due_ms;               /* rollback ends (business ms); 0: none */
	char *prev_status;              /* status to return to after rollback */
};

struct emu_snap {
	cJSON *rec;                     /* API snapshot record */
	long long due_ms;               /* pending transition ends; 0: none */
	char *prev_status;              /* status after ROLLING_BACK */
};

struct store {
	pthread_mutex_t lock;
	const struct emu_config *cfg;
	struct emu_disk *disks;         /* in insertion order */
	size_t ndisks, cap_disks;
	struct emu_snap *snaps;         /* unordered; sorted when listed */
	size_t nsnaps, cap_snaps;
	long long clock_offset_ms;      /* business time = real time + offset */
	unsigned long long next_id;     /* last snapshot id handed out */
	unsigned long long gen;         /* bumped on every change */
	cJSON *initial_seed;            /* what POST /_emulator/reset restores */

	pthread_mutex_t persist_lock;
	unsigned long long persisted_gen;
};

int store_init(struct store *s, const struct emu_config *cfg);
void store_destroy(struct store *s);

/*
 * Replaces all state with a seed {"disks":[...],"snapshots":[...]}, filling
 * defaults; a "clockOffsetMs" member (state files) restores the clock.
 * -EINVAL with a reason in err when the seed is malformed (state untouched).
 */
int store_load_locked(struct store *s, const cJSON *seed, char *err,
                      size_t err_size);

/* Type checks of disk fields (seeds, /_emulator/disks): -EINVAL, reason in err. */
int store_check_disk_fields(const cJSON *fields, char *err, size_t err_size);

/* Business time. */
long long store_now_ms_locked(const struct store *s);
time_t store_now_locked(const struct store *s);

/* Applies every transition that is due; true when something changed. */
bool store_tick_locked(struct store *s);

/* Marks the state changed (to be persisted). */
void store_touch_locked(struct store *s);

/* Lookups: the index, or -1. */
long store_find_disk_locked(const struct store *s, const char *disk_id);
long store_find_snap_locked(const struct store *s, const char *snap_id);

/* Snapshot indices ordered by createTime, then snapshotId; caller frees. */
int store_sorted_snaps_locked(const struct store *s, size_t **out);

/* A new CREATING snapshot of disk d; *out is its index. */
int store_create_snap_locked(struct store *s, size_t d, const char *name,
                             const char *retention, size_t *out);
void store_remove_snap_locked(struct store *s, size_t i);

/* {"disks":[...],"snapshots":[...],"now":"..."}; NULL on ENOMEM. */
cJSON *store_state_json_locked(const struct store *s);

/* Writes the state file if there is one and the state changed since the
 * last write.  Takes the lock itself: call it without holding it. */
int store_persist(struct store *s);

/* Record helpers: a string member or NULL; setting replaces or adds. */
const char *rec_str(const cJSON *rec, const char *key);
int rec_set_str(cJSON *rec, const char *key, const char *value);
int rec_set_bool(cJSON *rec, const char *key, bool value);
bool rec_bool(const cJSON *rec, const char *key, bool dflt);

#endif /* ZEC_EMU_STORE_H */

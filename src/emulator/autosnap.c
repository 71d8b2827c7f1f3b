/*
 * autosnap.c - the business-clock schedule of the auto-snapshot policies:
 * each scheduled hour, an Auto snapshot of every disk on a matching policy,
 * after the expiry of what that hour's retention has ended.
 *
 * store_tick_locked() calls autosnap_tick_locked(), which visits every
 * whole UTC hour passed since the last run, so an advance of the clock by a
 * week makes the week's Auto snapshots, each with its scheduled hour as
 * createTime.
 */
#include "autosnap.h"
#include "params.h"
#include "policies.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "zec_json.h"
#include "zec_log.h"
#include "zec_time.h"

#define HOUR_MS            3600000LL
#define DAY_S              86400LL

static bool int_in(const cJSON *p, const char *key, int v)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p, key)) {
		if (cJSON_IsNumber(it) && it->valuedouble == v)
			return true;
	}
	return false;
}

struct expired {
	long long at;
	struct emu_snap *v[64];
	size_t n;
	bool more;
};

static bool expired_visit(struct emu_snap *sn, void *arg)
{
	struct expired *x = arg;

	if (strcmp(sn->status, "DELETING") == 0 || sn->retention_ms > x->at)
		return true;
	if (x->n == sizeof(x->v) / sizeof(x->v[0])) {
		x->more = true;
		return false;
	}
	x->v[x->n++] = sn;
	return true;
}

/*
 * Removes g's snapshots whose retentionTime is at or before at_ms, as the
 * retention expiry would have at that time: within one long clock advance,
 * the snapshots of earlier hours expire before the quota of a later hour is
 * counted.
 */
static void expire_group_at(struct store *s, struct snap_group *g, long long at_ms)
{
	struct expired x = { .at = at_ms };

	do {
		x.n = 0;
		x.more = false;
		store_snap_walk_locked(s, g, expired_visit, &x);
		for (size_t i = 0; i < x.n; i++) {
			zlog_info("snapshot expired snapshotId=%s retentionTime=%s", x.v[i]->id,
			          rec_str(x.v[i]->rec, "retentionTime"));
			store_remove_snap_locked(s, x.v[i]);
		}
	} while (x.more);
}

/* Disk disk_id's Auto snapshot of hour_ms; true when one was made. */
static bool auto_snapshot(struct store *s, const cJSON *p, const char *disk_id,
                          long long hour_ms, const struct tm *tm)
{
	const char *pid = rec_str(p, "autoSnapshotPolicyId");
	long d = store_find_disk_locked(s, disk_id);
	const cJSON *disk = d >= 0 ? s->c.disks[d].rec : NULL;
	const char *status = rec_str(disk, "diskStatus");
	struct snap_group *g;
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(p, "retentionDays");
	time_t t = (time_t)(hour_ms / 1000);
	char name[64], when[ZEC_TIME_LEN], until[ZEC_TIME_LEN];
	cJSON *rec;

	if (!disk || !(str_eq(status, "AVAILABLE") || str_eq(status, "IN_USE")) ||
	    !rec_bool(disk, "snapshotAbility", false)) {
		zlog_info("auto snapshot skipped autoSnapshotPolicyId=%s diskId=%s reason=status",
		          pid, disk_id);
		return false;
	}
	if ((g = store_find_group_locked(s, disk_id)))
		expire_group_at(s, g, hour_ms);
	if (g && (long long)(store_snap_count_locked(s, g) - g->ndeleting) >=
	         s->cfg->snapshot_quota) {
		zlog_info("auto snapshot skipped autoSnapshotPolicyId=%s diskId=%s reason=quota",
		          pid, disk_id);
		return false;
	}
	snprintf(name, sizeof(name), "auto-%04d%02d%02d-%02d", tm->tm_year + 1900,
	         tm->tm_mon + 1, tm->tm_mday, tm->tm_hour);
	zec_time_format(t, when);
	rec = cJSON_CreateObject();
	if (!rec || zj_add_string(rec, "snapshotName", name) ||
	    zj_add_string(rec, "status", "CREATING") ||
	    zj_add_string(rec, "snapshotType", "Auto") || zj_add_string(rec, "diskId", disk_id) ||
	    zj_add_string(rec, "createTime", when))
		goto nomem;
	if (cJSON_IsNumber(days) && days->valuedouble > 0) {
		zec_time_format(t + (time_t)days->valuedouble * DAY_S, until);
		if (zj_add_string(rec, "retentionTime", until))
			goto nomem;
	}
	if (store_add_snap_locked(s, rec, hour_ms + s->cfg->create_delay_ms, NULL))
		goto nomem;
	/* the bytes are those of the disk when the schedule runs (at the next
	 * request after the hour) */
	store_img_queue_locked(s, IMG_CAPTURE, disk_id, rec_str(rec, "snapshotId"),
	                       disk_gib(disk));
	zlog_info("auto snapshot created autoSnapshotPolicyId=%s diskId=%s snapshotId=%s "
	          "createTime=%s", pid, disk_id, rec_str(rec, "snapshotId"), when);
	return true;
nomem:
	cJSON_Delete(rec);
	zlog_error("auto snapshot failed autoSnapshotPolicyId=%s diskId=%s error=\"out of memory\"",
	           pid, disk_id);
	return false;
}

static bool run_hour(struct store *s, long long hour_ms)
{
	time_t t = (time_t)(hour_ms / 1000);
	struct tm tm;
	const cJSON *p, *it;
	bool changed = false;

	gmtime_r(&t, &tm);
	cJSON_ArrayForEach(p, s->c.policies) {
		if (!int_in(p, "repeatWeekDays", tm.tm_wday ? tm.tm_wday : 7) ||
		    !int_in(p, "hours", tm.tm_hour))
			continue;
		cJSON_ArrayForEach(it, policy_disk_set(p))
			changed |= auto_snapshot(s, p, it->valuestring, hour_ms, &tm);
	}
	return changed;
}

bool autosnap_tick_locked(struct store *s, long long now_ms)
{
	const cJSON *p;
	bool any = false, changed = false;

	if (!s->c.sched_ms || now_ms <= s->c.sched_ms) {
		if (!s->c.sched_ms)
			s->c.sched_ms = now_ms;
		return false;               /* a clock set back runs nothing twice */
	}
	cJSON_ArrayForEach(p, s->c.policies)
		any |= cJSON_GetArraySize(policy_disk_set(p)) > 0;
	for (long long h = (s->c.sched_ms / HOUR_MS + 1) * HOUR_MS; any && h <= now_ms;
	     h += HOUR_MS)
		changed |= run_hour(s, h);
	s->c.sched_ms = now_ms;
	return changed;
}

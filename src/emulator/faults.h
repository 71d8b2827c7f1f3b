/*
 * faults.h - fault injection for API calls (POST/DELETE /_emulator/faults).
 *
 * A fault matches an action (or "*") and fires on the next 'count' matching
 * calls, or with 'probability' drawn from its own generator seeded by 'seed'
 * (so a run repeats exactly).  Precedence: every matching fault that fires
 * adds its latencyMs; of the faults with an outcome (stall, drop, status or
 * code), the oldest one that matches and fires decides and later ones are
 * not consulted (their count and random draws stay untouched).
 */
#ifndef ZEC_EMU_FAULTS_H
#define ZEC_EMU_FAULTS_H

#include <pthread.h>
#include <cjson/cJSON.h>

enum fault_drop { FAULT_DROP_NONE = 0, FAULT_DROP_BEFORE, FAULT_DROP_AFTER };

struct fault_outcome {
	long long latency_ms;
	int stall;
	enum fault_drop drop;
	int status;                     /* 0: no error injected */
	char code[64];
};

struct fault;

struct faults {
	pthread_mutex_t lock;
	struct fault *head;             /* oldest first */
	unsigned long long next_id;
};

int faults_init(struct faults *f);
void faults_destroy(struct faults *f);

/* Adds a fault from its JSON form; -EINVAL with a reason in err. */
int faults_add(struct faults *f, const cJSON *spec, char *err, size_t err_size);
void faults_clear(struct faults *f);
/* {"faults":[...]} with the remaining counts; NULL on ENOMEM. */
cJSON *faults_json(struct faults *f);

/* What happens to one call of 'action'; consumes counts and draws. */
void faults_match(struct faults *f, const char *action, struct fault_outcome *out);

#endif /* ZEC_EMU_FAULTS_H */

/*
 * emulator.h - types shared by every part of zec-emulator: the command line
 * configuration and the outcome of one API call.
 */
#ifndef ZEC_EMULATOR_H
#define ZEC_EMULATOR_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define EMU_DEMO_KEY_ID       "ZECDEMOACCESSKEY0001"
#define EMU_DEMO_KEY_PASSWORD "zec-demo-password-not-secret"

struct emu_config {
	const char *listen;             /* HOST:PORT */
	const char *key_id;
	const char *key_password;
	const char *bearer_token;       /* NULL: bearer mode refused */
	const char *state_file;         /* NULL: no persistence */
	const char *seed_file;
	int demo;
	long long snapshot_quota;
	long long create_delay_ms;
	long long delete_delay_ms;
	long long rollback_delay_ms;
	long long max_snapshot_page_size;
	int disk_snapshot_creating;     /* disk SNAPSHOT_CREATING meanwhile */
	int name_filter_substring;      /* snapshotName: plain substring */
	int time_layout;                /* enum emu_time_layout: createTime out */
	const char *tls_cert;           /* PEM files; NULL: plain HTTP */
	const char *tls_key;
	const char *disk_data;          /* disk images; NULL: disks have no contents */
	const char *host_instance;      /* the instance that is this machine */
	const char *device_dir;         /* virtio-<serial> links of its disks */
	long long disk_op_delay_ms;     /* ATTACHING, DETACHING, CHANGING, RECYCLING */
};

/* The layouts createTime can be sent in (--time-layout); the store keeps
 * yyyy-MM-ddTHH:mm:ssZ, answers are converted. */
enum emu_time_layout {
	EMU_TIME_RFC3339 = 0,           /* 2026-11-01T02:00:00Z */
	EMU_TIME_RFC3339_FRAC,          /* 2026-11-01T02:00:00.5Z */
	EMU_TIME_OFFSET,                /* 2026-11-01T10:00:00+08:00 */
	EMU_TIME_NO_ZONE,               /* 2026-11-01T02:00:00 */
	EMU_TIME_SPACE,                 /* 2026-11-01 02:00:00 */
	EMU_TIME_SPACE_OFFSET,          /* 2026-11-01 10:00:00+08:00 */
	EMU_TIME_EPOCH,                 /* "1793498400" */
	EMU_TIME_EPOCH_MS,              /* "1793498400000" */
};

/* The layout named s (as --time-layout takes it), or -1. */
int emu_time_layout_parse(const char *s);

/* t as layout l, in out (at least 40 bytes). */
void emu_time_emit(long long t, int l, char *out, size_t size);

/*
 * The outcome of one API action.  status 200 with 'response' (the fields
 * that go inside "response", requestId excluded), or an error status with
 * an API code and a message.
 */
struct emu_result {
	int status;
	const char *code;               /* static string */
	char message[256];
	cJSON *response;                /* owned; NULL on error */
};

/* Sets an error outcome; always returns the HTTP status. */
int emu_fail(struct emu_result *res, int status, const char *code,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The outcome of an action that ran out of memory (500); its status. */
int emu_no_memory(struct emu_result *res);

#define EMU_REQUEST_ID_LEN 38   /* "T" + 36-character UUID + NUL */

/* A fresh request id: "T" and an upper-case random UUID. */
void emu_request_id(char out[EMU_REQUEST_ID_LEN]);

/* The HTTP status of a well-known API code (500 when unknown). */
int emu_code_status(const char *code);

#endif /* ZEC_EMULATOR_H */

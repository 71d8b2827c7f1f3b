/*
 * server.h - the HTTP server: libmicrohttpd with one thread per connection,
 * routing /api/v2/zec to the API pipeline and /_emulator/ to the control
 * plane, plus the interruptible waits that latency and stall faults use.
 */
#ifndef ZEC_EMU_SERVER_H
#define ZEC_EMU_SERVER_H

#include <pthread.h>
#include <stdbool.h>

#include "emulator.h"
#include "faults.h"
#include "stats.h"
#include "store.h"

struct MHD_Daemon;
struct MHD_Connection;

struct emu_server {
	const struct emu_config *cfg;
	struct store store;
	struct faults faults;
	struct stats stats;

	struct MHD_Daemon *daemon;
	int listen_fd;
	char url[128];                  /* http(s)://HOST:PORT, the real port */
	char *tls_cert_pem, *tls_key_pem;  /* --tls-cert/--tls-key contents */

	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	bool stopping;
};

int server_init(struct emu_server *srv, const struct emu_config *cfg);
/* Binds cfg->listen and starts serving; fills srv->url. */
int server_start(struct emu_server *srv);
/* Ends stalls, closes every connection, stops the threads. */
void server_stop(struct emu_server *srv);
void server_destroy(struct emu_server *srv);

/*
 * Waits ms milliseconds (forever when ms < 0) while a request is being
 * handled: 0 when the time is up, -ESHUTDOWN when the server stops,
 * -ECONNRESET when the client closed the connection meanwhile.
 */
int server_wait(struct emu_server *srv, struct MHD_Connection *conn, long long ms);

/* The API pipeline (api.c): authentication, faults, the action, the
 * envelope.  *drop set: close the connection without a response. */
int api_handle(struct emu_server *srv, struct MHD_Connection *conn,
               const char *body, size_t len, char **out, bool *drop);

/* The control plane (control.c): returns the HTTP status and a JSON body. */
int control_handle(struct emu_server *srv, const char *method, const char *path,
                   const char *body, size_t len, char **out);

/* PUT /_emulator/disks/<id>/content: the upload, written to a file. */
struct control_upload {
	const char *file;               /* NULL: no file (no --disk-data, write error) */
	const char *fs, *partitioned;   /* query arguments, NULL when absent */
	const char *content_type;
};

/* id_path is "<diskId>/content". */
int control_content(struct emu_server *srv, const char *id_path,
                    const struct control_upload *up, char **out);

#endif /* ZEC_EMU_SERVER_H */

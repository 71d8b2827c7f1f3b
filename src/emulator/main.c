/*
 * main.c - zec-emulator: options, initial state, startup and clean shutdown
 * on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv.h"
#include "images.h"
#include "seed.h"
#include "server.h"
#include "zec_log.h"

enum {
	OPT_LISTEN = 256, OPT_KEY_ID, OPT_KEY_PASSWORD, OPT_BEARER, OPT_QUOTA,
	OPT_CREATE_DELAY, OPT_DELETE_DELAY, OPT_ROLLBACK_DELAY, OPT_MAX_PAGE,
	OPT_STATE, OPT_SEED, OPT_DEMO, OPT_LOG_LEVEL, OPT_HELP, OPT_VERSION,
	OPT_SNAP_CREATING, OPT_NAME_FILTER, OPT_TIME_LAYOUT, OPT_TLS_CERT, OPT_TLS_KEY,
	OPT_DISK_DATA, OPT_HOST_INSTANCE, OPT_DISK_OP_DELAY, OPT_DEVICE_DIR,
	OPT_NO_SNAP_CREATING,
};

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "access-key-id", required_argument, NULL, OPT_KEY_ID },
	{ "access-key-password", required_argument, NULL, OPT_KEY_PASSWORD },
	{ "bearer-token", required_argument, NULL, OPT_BEARER },
	{ "snapshot-quota", required_argument, NULL, OPT_QUOTA },
	{ "create-delay-ms", required_argument, NULL, OPT_CREATE_DELAY },
	{ "delete-delay-ms", required_argument, NULL, OPT_DELETE_DELAY },
	{ "rollback-delay-ms", required_argument, NULL, OPT_ROLLBACK_DELAY },
	{ "max-snapshot-page-size", required_argument, NULL, OPT_MAX_PAGE },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "disk-snapshot-creating", no_argument, NULL, OPT_SNAP_CREATING },
	{ "no-disk-snapshot-creating", no_argument, NULL, OPT_NO_SNAP_CREATING },
	{ "snapshot-name-filter", required_argument, NULL, OPT_NAME_FILTER },
	{ "time-layout", required_argument, NULL, OPT_TIME_LAYOUT },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "disk-data", required_argument, NULL, OPT_DISK_DATA },
	{ "host-instance", required_argument, NULL, OPT_HOST_INSTANCE },
	{ "device-dir", required_argument, NULL, OPT_DEVICE_DIR },
	{ "disk-op-delay-ms", required_argument, NULL, OPT_DISK_OP_DELAY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: zec-emulator [options]\n"
"\n"
"A local emulator of the Zenlayer ZEC disk and snapshot API (POST /api/v2/zec)\n"
"with a control plane under /_emulator/.  See docs/emulator.md.\n"
"\n"
"  --listen HOST:PORT            address to serve (default 127.0.0.1:8080; port 0 picks one)\n"
"  --access-key-id ID            accepted key id (default " EMU_DEMO_KEY_ID ")\n"
"  --access-key-password PW      its password (default " EMU_DEMO_KEY_PASSWORD ")\n"
"  --bearer-token TOKEN          also accept \"Authorization: Bearer TOKEN\"\n"
"  --snapshot-quota N            snapshots per disk, DELETING ones excluded (default 64)\n"
"  --create-delay-ms MS          CREATING -> AVAILABLE (default 2000)\n"
"  --delete-delay-ms MS          DELETING -> gone (default 1000)\n"
"  --rollback-delay-ms MS        ROLLING_BACK -> former status (default 2000)\n"
"  --max-snapshot-page-size N    DescribeSnapshots pageSize cap (default 100)\n"
"  --state FILE                  load state from FILE, write it back after every change\n"
"  --seed FILE                   initial state {\"disks\":[...],\"snapshots\":[...]}\n"
"  --demo                        built-in demo disks and snapshots\n"
"  --log-level LEVEL             error, warn, info (default) or debug\n"
"  --no-disk-snapshot-creating   a disk keeps its status while a snapshot of it is CREATING\n"
"                                (default: SNAPSHOT_CREATING, as the service shows; then\n"
"                                CreateSnapshot/ApplySnapshot on it are refused)\n"
"  --snapshot-name-filter MODE   anchored (default: ^ and $ anchor) or substring\n"
"  --time-layout LAYOUT          createTime as rfc3339 (default), rfc3339-frac, offset,\n"
"                                no-zone, space, space-offset, epoch or epoch-ms\n"
"  --tls-cert FILE --tls-key FILE  serve HTTPS with this PEM certificate and key\n"
"  --disk-data DIR               disks have contents: sparse images under DIR\n"
"  --host-instance ID            the instance that is this machine\n"
"  --device-dir DIR              its disks appear as loop devices, DIR/virtio-<serial> (root)\n"
"  --disk-op-delay-ms MS         ATTACHING, DETACHING, CHANGING, RECYCLING (default 1000)\n"
"  --help, --version\n");
}

static int parse_num(const char *opt, const char *arg, long long min, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < min) {
		fprintf(stderr, "zec-emulator: --%s needs an integer >= %lld, got '%s'\n",
		        opt, min, arg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct emu_config *cfg, int *exit_now)
{
	enum zec_log_level level;
	int c;

	*exit_now = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case OPT_LISTEN: cfg->listen = optarg; break;
		case OPT_KEY_ID: cfg->key_id = optarg; break;
		case OPT_KEY_PASSWORD: cfg->key_password = optarg; break;
		case OPT_BEARER: cfg->bearer_token = optarg; break;
		case OPT_QUOTA: r = parse_num("snapshot-quota", optarg, 0, &cfg->snapshot_quota); break;
		case OPT_CREATE_DELAY: r = parse_num("create-delay-ms", optarg, 0, &cfg->create_delay_ms); break;
		case OPT_DELETE_DELAY: r = parse_num("delete-delay-ms", optarg, 0, &cfg->delete_delay_ms); break;
		case OPT_ROLLBACK_DELAY: r = parse_num("rollback-delay-ms", optarg, 0, &cfg->rollback_delay_ms); break;
		case OPT_MAX_PAGE: r = parse_num("max-snapshot-page-size", optarg, 1, &cfg->max_snapshot_page_size); break;
		case OPT_STATE: cfg->state_file = optarg; break;
		case OPT_SEED: cfg->seed_file = optarg; break;
		case OPT_DEMO: cfg->demo = 1; break;
		case OPT_SNAP_CREATING: cfg->disk_snapshot_creating = 1; break;
		case OPT_NO_SNAP_CREATING: cfg->disk_snapshot_creating = 0; break;
		case OPT_NAME_FILTER:
			if (strcmp(optarg, "substring") == 0) {
				cfg->name_filter_substring = 1;
			} else if (strcmp(optarg, "anchored") == 0) {
				cfg->name_filter_substring = 0;
			} else {
				fprintf(stderr, "zec-emulator: unknown --snapshot-name-filter '%s'\n", optarg);
				r = -EINVAL;
			}
			break;
		case OPT_TIME_LAYOUT:
			cfg->time_layout = emu_time_layout_parse(optarg);
			if (cfg->time_layout < 0) {
				fprintf(stderr, "zec-emulator: unknown --time-layout '%s'\n", optarg);
				r = -EINVAL;
			}
			break;
		case OPT_TLS_CERT: cfg->tls_cert = optarg; break;
		case OPT_TLS_KEY: cfg->tls_key = optarg; break;
		case OPT_DISK_DATA: cfg->disk_data = optarg; break;
		case OPT_HOST_INSTANCE: cfg->host_instance = optarg; break;
		case OPT_DEVICE_DIR: cfg->device_dir = optarg; break;
		case OPT_DISK_OP_DELAY: r = parse_num("disk-op-delay-ms", optarg, 0, &cfg->disk_op_delay_ms); break;
		case OPT_LOG_LEVEL:
			r = zec_log_level_parse(optarg, &level);
			if (r)
				fprintf(stderr, "zec-emulator: unknown log level '%s'\n", optarg);
			else
				zec_log_set_level(level);
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			*exit_now = 1;
			return 0;
		case OPT_VERSION:
			printf("zec-emulator %s\n", ZECFS_VERSION);
			*exit_now = 1;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (r)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "zec-emulator: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!*cfg->key_id || !*cfg->key_password) {
		fprintf(stderr, "zec-emulator: the access key id and password must not be empty\n");
		return -EINVAL;
	}
	if (!cfg->tls_cert != !cfg->tls_key) {
		fprintf(stderr, "zec-emulator: --tls-cert and --tls-key go together\n");
		return -EINVAL;
	}
	/* options given an empty value */
	const struct {
		const char *value, *why;
	} empty[] = {
		{ cfg->device_dir, "--device-dir needs a directory" },
		{ cfg->host_instance, "--host-instance needs an instance id" },
		{ cfg->disk_data, "--disk-data needs a directory" },
		{ cfg->bearer_token, "--bearer-token must not be empty" },
	};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		if (empty[i].value && !*empty[i].value) {
			fprintf(stderr, "zec-emulator: %s\n", empty[i].why);
			return -EINVAL;
		}
	}
	return 0;
}

/* Loads --state if the file exists, else the initial seed. */
static int load_initial(struct emu_server *srv)
{
	const struct emu_config *cfg = srv->cfg;
	cJSON *seed = NULL, *state = NULL;
	char err[512] = "", *text = NULL;
	int ret = 0;

	/* the seed is kept as text (what a reset parses again), not as a tree */
	if (cfg->seed_file) {
		ret = seed_read_file(cfg->seed_file, &seed, &text, err, sizeof(err));
		if (ret)
			goto fail;
	} else {
		text = strdup(cfg->demo ? seed_demo_text() : "{}");
		seed = text ? cJSON_Parse(text) : NULL;
	}
	if (!seed || !text) {
		ret = -ENOMEM;
		goto fail;
	}
	srv->store.initial_seed = text;
	text = NULL;
	if (cfg->state_file) {
		ret = seed_read_file(cfg->state_file, &state, NULL, err, sizeof(err));
		if (ret && ret != -ENOENT)
			goto fail;
		ret = 0;
	}
	pthread_mutex_lock(&srv->store.lock);
	ret = store_load_owned_locked(&srv->store, state ? state : seed, err, sizeof(err));
	if (!ret)
		images_after_load_locked(&srv->store, !state, cfg->demo && !cfg->seed_file);
	pthread_mutex_unlock(&srv->store.lock);
	if (ret)
		goto fail;
	images_run(&srv->store);
	zlog_info("state loaded source=%s disks=%zu snapshots=%zu",
	          state ? "state-file" : cfg->seed_file ? "seed-file" :
	          cfg->demo ? "demo" : "empty", srv->store.c.ndisks, srv->store.c.nsnaps);
	cJSON_Delete(state);
	cJSON_Delete(seed);
	return store_persist(&srv->store);
fail:
	zlog_error("cannot load the initial state error=\"%s\"", err[0] ? err : strerror(-ret));
	cJSON_Delete(state);
	cJSON_Delete(seed);
	free(text);
	return ret ? ret : -EINVAL;
}

int main(int argc, char **argv)
{
	struct emu_config cfg = {
		.listen = "127.0.0.1:8080",
		.key_id = EMU_DEMO_KEY_ID,
		.key_password = EMU_DEMO_KEY_PASSWORD,
		.snapshot_quota = 64,
		.create_delay_ms = 2000,
		.delete_delay_ms = 1000,
		.rollback_delay_ms = 2000,
		.disk_op_delay_ms = 1000,
		/* the service shows it: zenlayercloud-cli describe-disks.yaml lists
		 * SNAPSHOT_CREATING "Snapshot is in creation" among the statuses
		 * DescribeDisks answers, as the CSI driver's pkg/cloud/types.go does */
		.disk_snapshot_creating = 1,
		.max_snapshot_page_size = 100,
	};
	struct emu_server srv;
	sigset_t sigs;
	int exit_now, sig = 0, ret;

	zec_log_init("zec-emulator", 0, ZEC_LOG_INFO);
	if (parse_args(argc, argv, &cfg, &exit_now))
		return 2;
	if (exit_now)
		return 0;

	/* every thread inherits the mask; only sigwait() below takes them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = server_init(&srv, &cfg);
	if (ret) {
		zlog_error("cannot initialise error=\"%s\"", strerror(-ret));
		return 1;
	}
	if (cfg.disk_data) {
		ret = images_init(cfg.disk_data);
		if (ret) {
			zlog_error("cannot use the disk data directory dir=%s error=\"%s\"",
			           cfg.disk_data, strerror(-ret));
			goto out;
		}
	}
	hv_start(&cfg);
	ret = load_initial(&srv);
	if (ret)
		goto out;
	ret = server_start(&srv);
	if (ret)
		goto out;
	printf("listening on %s\n", srv.url);
	fflush(stdout);
	zlog_info("started url=%s key_id=%s bearer=%s state=%s", srv.url, cfg.key_id,
	          cfg.bearer_token ? "on" : "off", cfg.state_file ? cfg.state_file : "-");

	while (sigwait(&sigs, &sig) != 0 || (sig != SIGINT && sig != SIGTERM))
		;
	zlog_info("stopping signal=%s", sig == SIGINT ? "sigint" : "sigterm");
	server_stop(&srv);
	ret = store_persist(&srv.store);
out:
	server_stop(&srv);
	/* no loop device outlives the emulator */
	pthread_mutex_lock(&srv.store.img_lock);
	hv_stop();
	pthread_mutex_unlock(&srv.store.img_lock);
	server_destroy(&srv);
	return ret ? 1 : 0;
}

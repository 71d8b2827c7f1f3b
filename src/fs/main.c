/*
 * main.c - zecfs start-up.
 *
 * Parse options; load credentials; check them with one API call (so a
 * mount with bad credentials never appears); mount; detach (the parent
 * exits only once the mount is live); run the multi-threaded FUSE loop;
 * unmount and free everything.
 */
#include "zecfs.h"
#include "browse.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zec_clock.h"
#include "zec_errno.h"
#include "zec_log.h"

/* Requests wait on the network, not the CPU: more workers than libfuse's
 * default of 10 keep concurrent operations concurrent. */
#define DEFAULT_MAX_THREADS "-omax_threads=64"

/*
 * glibc gives threads up to 8 malloc arenas per CPU, and each arena keeps
 * the memory its threads freed.  A listing runs up to 'parallel' (64) page
 * threads and libfuse up to max_threads workers, so a walk of the mount
 * spread its transient page memory over 16 arenas on 2 CPUs (more on
 * bigger hosts), each then holding its own free remainder between the
 * cached lists' blocks.  CPU work runs on at most one thread per CPU, so
 * more arenas than CPUs buy no speed: zecfs uses one per CPU, at least 2 and
 * at most 8.  100,000 snapshots, find of the mount on 2 CPUs: 4 MiB less
 * peak RSS.  MALLOC_ARENA_MAX or glibc.malloc.arena_max in GLIBC_TUNABLES
 * still decide when set.
 */
static void limit_malloc_arenas(void)
{
#ifdef M_ARENA_MAX
	const char *tunables = getenv("GLIBC_TUNABLES");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (getenv("MALLOC_ARENA_MAX") ||
	    (tunables && strstr(tunables, "glibc.malloc.arena_max")))
		return;
	if (cpus < 2)
		cpus = 2;
	if (cpus > 8)
		cpus = 8;
	mallopt(M_ARENA_MAX, (int)cpus);
#endif
}

/*
 * glibc serves an allocation of 128 KiB or more with its own mapping, given
 * back whole when freed; but each such free raises that threshold to the
 * freed size (up to 32 MiB).  Once the inode table's old array or a big
 * list was freed, every later array below that size came from the heap,
 * where the holes it left between long-lived blocks stay resident.  A
 * fixed threshold keeps the big ones in mappings: after find and du over
 * 110,000 snapshots, RssAnon 178 -> 153 B a snapshot.  MALLOC_MMAP_THRESHOLD_
 * or glibc.malloc.mmap_threshold in GLIBC_TUNABLES still decide when set.
 */
#define MMAP_THRESHOLD (128 * 1024)

static void fix_mmap_threshold(void)
{
#ifdef M_MMAP_THRESHOLD
	const char *tunables = getenv("GLIBC_TUNABLES");

	if (getenv("MALLOC_MMAP_THRESHOLD_") ||
	    (tunables && strstr(tunables, "glibc.malloc.mmap_threshold")))
		return;
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
#endif
}

static void print_version(void)
{
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("zecfs %s\n", ZECFS_VERSION);
	printf("libfuse %s\n", fuse_pkgversion());
	printf("libcurl %s\n", cv ? cv->version : "unknown");
	printf("cJSON %s\n", cJSON_Version());
}

/*
 * Where log lines go: -o log_file, else stderr with -f, else syslog; when
 * detached on a machine without a syslog socket, a copy of stderr is kept
 * (the lines would vanish otherwise), and the user is told once.
 */
/* Said once the mount is live (a failed mount has its own message). */
static const char *log_note;

static int choose_log_target(struct zecfs_config *cfg, int foreground)
{
	int fd, ret;

	if (cfg->log_file) {
		if (cfg->log_file[0] != '/') {
			/* daemonizing changes to /: keep the path the user meant */
			char cwd[4096], *abs = NULL;

			if (!getcwd(cwd, sizeof(cwd)) ||
			    asprintf(&abs, "%s/%s", cwd, cfg->log_file) < 0) {
				fprintf(stderr, "zecfs: error: log_file=%s: cannot make it absolute\n",
				        cfg->log_file);
				return -EINVAL;
			}
			free(cfg->log_file);
			cfg->log_file = abs;
		}
		ret = zec_log_to_file(cfg->log_file);
		if (ret)
			fprintf(stderr, "zecfs: error: log_file=%s: %s\n", cfg->log_file, strerror(-ret));
		return ret;
	}
	if (foreground || access("/dev/log", W_OK) == 0)
		return 0;
	/* a terminal is kept; a pipe is not: whoever reads it (a script,
	 * mount(8)) would wait for its end as long as zecfs runs */
	if (isatty(2) && (fd = fcntl(2, F_DUPFD_CLOEXEC, 3)) >= 0) {
		zec_log_to_fd(fd);
		log_note = "zecfs: warning: no syslog socket (/dev/log): log lines go to this terminal; use -o log_file=PATH to keep them\n";
	} else {
		log_note = "zecfs: warning: no syslog socket (/dev/log): log lines are lost once detached; use -o log_file=PATH or -f\n";
	}
	return 0;
}

/* Is a zecfs already mounted on that path?  (/proc/self/mountinfo) */
static bool zecfs_mounted_on(const char *path)
{
	char line[4096], where[4096], type[256];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - ");

		if (sscanf(line, "%*d %*d %*u:%*u %*s %4095s", where) != 1 || !dash ||
		    sscanf(dash, " - %255s", type) != 1)
			continue;
		/* paths with spaces come octal-escaped: they simply do not match */
		if (strcmp(where, path) == 0 && strcmp(type, "fuse.zecfs") == 0)
			found = true;
	}
	fclose(f);
	return found;
}

/*
 * Refuses a mount point that cannot be one (a file, a path where zecfs is
 * mounted already) and warns when a mount would hide files.
 */
static int check_mountpoint(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	bool empty = true;

	if (zecfs_mounted_on(path)) {
		fprintf(stderr, "zecfs: error: cannot mount on '%s': zecfs is already mounted there (unmount it first: fusermount3 -u %s)\n",
		        path, path);
		return -EBUSY;
	}
	if (stat(path, &st) != 0) {
		fprintf(stderr, "zecfs: error: cannot mount on '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "zecfs: error: cannot mount on '%s': not a directory\n", path);
		return -ENOTDIR;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	}
	if (d)
		closedir(d);
	if (!empty)
		fprintf(stderr, "zecfs: warning: '%s' is not empty: its files are hidden until zecfs is unmounted\n",
		        path);
	return 0;
}

/* One API call proves the endpoint and the credentials before mounting. */
static int check_api(struct zecfs *fs, const char *endpoint, const char *source)
{
	struct zec_disk_filter f = { .snapshot_ability = -1 };
	struct zec_disk_list l = { 0 };
	struct zec_result res = { .path = "/" };
	int ret;

	ret = zec_describe_disks(fs->client, &f, 1, 1, &l, &res);
	zec_disk_list_free(&l);
	if (!ret)
		return 0;
	if (res.outcome == ZEC_OUTCOME_BAD_RESPONSE)
		fprintf(stderr, "zecfs: error: cannot mount: endpoint '%s' answered, but not as the ZEC API: %s\n",
		        endpoint, res.message);
	else if (res.outcome == ZEC_OUTCOME_API_ERROR)
		fprintf(stderr, "zecfs: error: cannot mount: DescribeDisks failed with %s (http %ld, request_id %s): %s [credentials from %s]\n",
		        res.code, res.http_status, res.request_id[0] ? res.request_id : "-",
		        res.message, source);
	else
		fprintf(stderr, "zecfs: error: cannot mount: endpoint '%s' unreachable: %s %s\n",
		        endpoint, res.code, res.transport[0] ? res.transport : res.message);
	return ret;
}

/*
 * The API refuses a retention under 24 hours ahead: so does the mount,
 * rather than every mkdir after it.  "+N" is N ahead on any clock; a date
 * is checked on 'now', the server's clock once an answer gave it.
 */
static bool retention_too_short(const struct zec_retention *r, time_t now)
{
	return r->kind != ZEC_RETENTION_PERMANENT && zec_retention_resolve(r, now) < now + 86400;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct zecfs_credentials cred = { 0 };
	struct zec_client_config ccfg = { 0 };
	struct fuse_loop_config *loop = NULL;
	struct zecfs fs = { 0 };
	struct fuse_session *se = NULL;
	struct zecfs_signals *signals = NULL;
	enum zec_log_level level = ZEC_LOG_INFO;
	char why[512] = "";
	char *endpoint = NULL;
	int ret = 1, mounted = 0;

	limit_malloc_arenas();          /* before any thread exists */
	fix_mmap_threshold();
	pthread_mutex_init(&fs.lock, NULL);
	if (zecfs_parse_options(&args, &fs.cfg)) {
		if (!fs.cfg.bad_option)
			fprintf(stderr, "zecfs: error: invalid option (see 'zecfs --help')\n");
		goto out;
	}
	if (fs.cfg.show_help) {
		zecfs_usage(argv[0]);
		printf("FUSE options:\n");
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out;
	}
	if (fs.cfg.show_version) {
		print_version();
		ret = 0;
		goto out;
	}
	/* zecfs's default first: a -o max_threads the user gave comes later and wins */
	if (fuse_opt_insert_arg(&args, 1, DEFAULT_MAX_THREADS) != 0)
		goto out;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out;
	if (!opts.mountpoint) {
		fprintf(stderr, "zecfs: error: no mount point (usage: zecfs [options] MOUNTPOINT)\n");
		goto out;
	}
	if (check_mountpoint(opts.mountpoint))
		goto out;
	if (fs.cfg.log_level && zec_log_level_parse(fs.cfg.log_level, &level)) {
		fprintf(stderr, "zecfs: error: unknown log level '%s' (error, warn, info, debug)\n",
		        fs.cfg.log_level);
		goto out;
	}
	if (opts.debug)
		level = ZEC_LOG_DEBUG;
	zec_log_init("zecfs", !opts.foreground, level);
	if (choose_log_target(&fs.cfg, opts.foreground))
		goto out;
	if (fs.cfg.retention) {
		if (zec_retention_parse(fs.cfg.retention, &fs.retention) ||
		    retention_too_short(&fs.retention, zec_clock_wall()))
			goto bad_retention;
		fs.has_retention = true;
	}

	endpoint = zecfs_endpoint(&fs.cfg);
	if (!endpoint)
		goto out;
	if (zecfs_load_credentials(&fs.cfg, &cred, why, sizeof(why))) {
		fprintf(stderr, "zecfs: error: %s\n", why);
		goto out;
	}
	ccfg.endpoint = endpoint;
	ccfg.access_key_id = cred.key_id;
	ccfg.access_key_password = cred.password;
	ccfg.bearer_token = cred.token;
	ccfg.cafile = fs.cfg.cafile;
	ccfg.deadline_ms = (long)(fs.cfg.timeout * 1000);
	ccfg.request_timeout_ms = ccfg.deadline_ms;
	ccfg.retries = fs.cfg.retries;
	ccfg.log_calls = opts.debug || level >= ZEC_LOG_DEBUG;
	ccfg.parallel = fs.cfg.parallel;
	ccfg.breaker = 1;
	if (zecfs_stats_new(endpoint, &fs.stats))
		goto out;
	ccfg.observe = zecfs_stats_observe;
	ccfg.observe_arg = fs.stats;
	if (zec_client_new(&ccfg, &fs.client)) {
		fprintf(stderr, "zecfs: error: invalid endpoint '%s' (want http[s]://host[:port])\n",
		        endpoint);
		goto out;
	}
	zecfs_credentials_free(&cred);
	if (check_api(&fs, endpoint, cred.source))
		goto out;
	/* a time given as a date is checked again on the server's clock, now known */
	if (fs.has_retention &&
	    retention_too_short(&fs.retention, (time_t)zec_client_server_now(fs.client)))
		goto bad_retention;
	{
		struct zecfs_cache_opts co = { .ttl = fs.cfg.cache_ttl,
		                             .stale_max = fs.cfg.stale_max,
		                             .gone = zecfs_inval_gone, .gone_arg = &fs };
		if (zecfs_cache_new(fs.client, &co, &fs.cache) || zecfs_policies_init(&fs))
			goto out;
	}
	fs.uid = getuid();
	fs.gid = getgid();

	if (zecfs_inodes_new(&fs.inodes) || zecfs_pt_init(&fs))
		goto out;
	/* a crashed zecfs's browse disks are released before anything is served */
	if (zecfs_browse_init(&fs))
		goto out;
	if (fuse_opt_add_arg(&args, "-osubtype=zecfs") ||
	    fuse_opt_add_arg(&args, "-ofsname=zecfs"))
		goto out;
	se = fuse_session_new(&args, &zecfs_ops, sizeof(zecfs_ops), &fs);
	if (!se)
		goto out;
	fs.se = se;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out;
	mounted = 1;
	if (log_note)
		fputs(log_note, stderr);
	if (fuse_daemonize(opts.foreground) != 0)
		goto out;
	if (zecfs_inval_start(se, &fs.inval))
		goto out;
	if (zecfs_signals_start(&fs, opts.mountpoint, &signals))
		goto out;
	zlog_info("mounted mountpoint=%s endpoint=%s cache_ttl=%.0f allow_delete=%d",
	          ZLOG_ESC(opts.mountpoint), ZLOG_ESC(endpoint), fs.cfg.cache_ttl, fs.cfg.allow_delete);
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else if (!opts.clone_fd) {
		ret = zecfs_loop(se, opts.max_threads, opts.max_idle_threads);
	} else {
		/* a device clone per worker is libfuse's loop's feature */
		loop = fuse_loop_cfg_create();
		if (!loop)
			goto out;
		fuse_loop_cfg_set_clone_fd(loop, (unsigned)opts.clone_fd);
		fuse_loop_cfg_set_max_threads(loop, opts.max_threads);
		if (opts.max_idle_threads != UINT_MAX)        /* -o max_idle_threads given */
			fuse_loop_cfg_set_idle_threads(loop, opts.max_idle_threads);
		ret = fuse_session_loop_mt(se, loop);
	}
	ret = ret ? 1 : 0;
	zlog_info("unmounting mountpoint=%s", ZLOG_ESC(opts.mountpoint));
	goto out;
bad_retention:
	fprintf(stderr, "zecfs: error: retention=%s: want +N{m,h,d,w} of at least 24 hours, a time at least 24 hours ahead on the server's clock (yyyy-MM-ddTHH:mm:ssZ), or permanent\n",
	        fs.cfg.retention);
out:
	/* every browse's disk is released before the daemon exits (unmount, SIGTERM) */
	zecfs_browse_shutdown(&fs);
	zecfs_pt_free(&fs);
	zecfs_signals_stop(signals);
	zecfs_inval_stop(fs.inval);
	if (mounted)
		fuse_session_unmount(se);
	if (se)
		fuse_session_destroy(se);
	fuse_loop_cfg_destroy(loop);
	zecfs_inodes_free(fs.inodes);
	zecfs_cache_free(fs.cache);
	zec_client_free(fs.client);
	zecfs_stats_free(fs.stats);
	zecfs_credentials_free(&cred);
	while (fs.retentions) {
		struct disk_retention *e = fs.retentions;

		fs.retentions = e->next;
		free(e->disk_id);
		free(e);
	}
	zec_log_close();
	pthread_mutex_destroy(&fs.lock);
	free(endpoint);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	zecfs_config_free(&fs.cfg);
	return ret;
}

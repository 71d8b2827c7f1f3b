/*
 * options.c - zecfs's options, declared once as a fuse_opt table, and where
 * the endpoint and the credentials come from.
 */
#include "zecfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "zec_json.h"

#define DEFAULT_ENDPOINT "https://console.zenlayer.com"

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_ALLOW_OTHER,
	KEY_NUMBER,                  /* KEY_NUMBER + i: num_opts[i] */
};

#define OPT(t, p, v) { t, offsetof(struct zecfs_config, p), v }

/*
 * The numeric options: parsed strictly (the whole value, in range), and a
 * bad value is named with what is wanted, e.g.
 *   zecfs: error: cache_ttl=-1: want a whole number of seconds >= 0
 */
struct num_opt {
	const char *name;
	size_t off;
	bool is_int;                 /* an int field, else a double */
	bool whole;                  /* no fraction */
	double min, max;
	bool min_open;               /* min itself is refused */
	const char *want;
};

#define NUM(n, f, i, w, lo, hi, open, text) \
	{ n, offsetof(struct zecfs_config, f), i, w, lo, hi, open, text }

static const struct num_opt num_opts[] = {
	NUM("cache_ttl", cache_ttl, false, true, 0, 31536000, false,
	    "a whole number of seconds >= 0"),
	NUM("stale_max", stale_max, false, true, 0, 31536000, false,
	    "a whole number of seconds >= 0"),
	NUM("timeout", timeout, false, false, 0, 86400, true,
	    "a number of seconds > 0 (at most 86400)"),
	NUM("retries", retries, true, true, 1, 100, false,
	    "a whole number from 1 to 100"),
	NUM("parallel", parallel, true, true, 1, 256, false,
	    "a whole number from 1 to 256"),
	NUM("wait_available", wait_seconds, false, false, 0, 86400, true,
	    "a number of seconds > 0 (at most 86400), or no value"),
	NUM("browse_idle", browse_idle, false, true, 1, 31536000, false,
	    "a whole number of seconds >= 1"),
	NUM("browse_max", browse_max, true, true, 1, 64, false,
	    "a whole number from 1 to 64"),
	NUM("browse_timeout", browse_timeout, false, true, 1, 86400, false,
	    "a whole number of seconds from 1 to 86400"),
};

#define N_NUM (sizeof(num_opts) / sizeof(num_opts[0]))

/* Parses "name=value" for num_opts[i]; prints what is wanted on error. */
static int parse_number(struct zecfs_config *cfg, size_t i, const char *arg)
{
	const struct num_opt *o = &num_opts[i];
	const char *v = strchr(arg, '=');
	char *end = NULL;
	double d;

	if (!v || !*++v)
		goto bad;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || isspace((unsigned char)*v) || d != d)
		goto bad;
	if (o->whole && d != (double)(long long)d)
		goto bad;
	if (d < o->min || (o->min_open && d == o->min) || d > o->max)
		goto bad;
	if (o->is_int)
		*(int *)((char *)cfg + o->off) = (int)d;
	else
		*(double *)((char *)cfg + o->off) = d;
	return 0;
bad:
	fprintf(stderr, "zecfs: error: %s: want %s\n", arg, o->want);
	cfg->bad_option = 1;
	return -1;
}

static const struct fuse_opt zecfs_opts[] = {
	OPT("endpoint=%s", endpoint, 0),
	OPT("credentials=%s", credentials, 0),
	OPT("cafile=%s", cafile, 0),
	OPT("retention=%s", retention, 0),
	OPT("log_level=%s", log_level, 0),
	OPT("log_file=%s", log_file, 0),
	FUSE_OPT_KEY("cache_ttl=", KEY_NUMBER + 0),
	FUSE_OPT_KEY("stale_max=", KEY_NUMBER + 1),
	FUSE_OPT_KEY("timeout=", KEY_NUMBER + 2),
	FUSE_OPT_KEY("retries=", KEY_NUMBER + 3),
	FUSE_OPT_KEY("parallel=", KEY_NUMBER + 4),
	OPT("allow_delete", allow_delete, 1),
	OPT("allow_rollback", allow_rollback, 1),
	OPT("allow_restore", allow_restore, 1),
	OPT("wait_available", wait_available, 1),
	OPT("wait_available=", wait_available, 1),
	FUSE_OPT_KEY("wait_available=", KEY_NUMBER + 5),
	OPT("profile=%s", profile, 0),
	OPT("allow_browse", allow_browse, 1),
	OPT("instance_id=%s", instance_id, 0),
	OPT("device_dir=%s", device_dir, 0),
	FUSE_OPT_KEY("browse_idle=", KEY_NUMBER + 6),
	FUSE_OPT_KEY("browse_max=", KEY_NUMBER + 7),
	FUSE_OPT_KEY("browse_timeout=", KEY_NUMBER + 8),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	/* fstab-only options that mount(8) may pass on */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct zecfs_config *cfg = data;

	(void)arg;
	(void)out;
	switch (key) {
	case KEY_HELP:
		cfg->show_help = 1;
		return 0;
	case KEY_VERSION:
		cfg->show_version = 1;
		return 0;
	case KEY_ALLOW_OTHER:
		cfg->allow_other = 1;
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		/* mount.fuse3 passes "SOURCE MOUNTPOINT": keep both, decide later */
		if (cfg->n_nonopts >= 2) {
			fprintf(stderr, "zecfs: error: unexpected argument '%s'\n", arg);
			return -1;
		}
		cfg->nonopts[cfg->n_nonopts] = strdup(arg);
		if (!cfg->nonopts[cfg->n_nonopts])
			return -1;
		cfg->n_nonopts++;
		return 0;
	default:
		if (key >= KEY_NUMBER && (size_t)(key - KEY_NUMBER) < N_NUM) {
			/* "wait_available=" alone means the default wait */
			if (key == KEY_NUMBER + 5 && strcmp(arg, "wait_available=") == 0)
				return 0;
			return parse_number(cfg, (size_t)(key - KEY_NUMBER), arg) ? -1 : 0;
		}
		return 1;       /* keep it for libfuse */
	}
}

int zecfs_parse_options(struct fuse_args *args, struct zecfs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cache_ttl = 10;
	cfg->stale_max = 300;
	cfg->timeout = 30;
	cfg->retries = 4;
	cfg->parallel = 64;            /* the client's default: 10,000 snapshots in one wave */
	cfg->wait_seconds = 300;
	cfg->browse_idle = 600;
	cfg->browse_max = 4;
	cfg->browse_timeout = 600;
	if (fuse_opt_parse(args, cfg, zecfs_opts, opt_proc) == -1)
		return -EINVAL;
	/* with a source, it is "zecfs SOURCE MOUNTPOINT" */
	if (cfg->n_nonopts == 2) {
		cfg->source = cfg->nonopts[0];
		cfg->nonopts[0] = NULL;
		if (!cfg->endpoint && (strncmp(cfg->source, "http://", 7) == 0 ||
		                       strncmp(cfg->source, "https://", 8) == 0))
			if (!(cfg->endpoint = strdup(cfg->source)))
				return -ENOMEM;
	}
	if (cfg->n_nonopts && fuse_opt_add_arg(args, cfg->nonopts[cfg->n_nonopts - 1]))
		return -ENOMEM;
	if (cfg->allow_other && fuse_opt_add_arg(args, "-odefault_permissions"))
		return -ENOMEM;
	return 0;
}

void zecfs_usage(const char *progname)
{
	printf("usage: %s [options] [SOURCE] MOUNTPOINT\n"
	       "\n"
	       "Mounts Zenlayer Elastic Compute disks and their snapshots.  SOURCE is what\n"
	       "mount -t fuse.zecfs passes: any word, or the endpoint URL.\n"
	       "\n"
	       "zecfs options:\n"
	       "    -o endpoint=URL        API endpoint (default: $ZENLAYERCLOUD_SCHEME://$ZENLAYERCLOUD_DOMAIN,\n"
	       "                           else " DEFAULT_ENDPOINT ")\n"
	       "    -o credentials=FILE    ZENLAYERCLOUD_ACCESS_KEY_ID=... and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=...\n"
	       "                           lines; mode 0600, owned by you (default: the environment)\n"
	       "    -o cafile=PATH         extra CA certificates for https (default: system store)\n"
	       "    -o cache_ttl=SECONDS   how long listings are cached (default: 10; 0: always ask)\n"
	       "    -o timeout=SECONDS     deadline of one operation, retries included (default: 30)\n"
	       "    -o retries=N           attempts per API call (default: 4)\n"
	       "    -o parallel=N          listing pages fetched at once, 1-256 (default: 64)\n"
	       "    -o stale_max=SECONDS   serve listings this old when the API is unreachable (default: 300)\n"
	       "    -o retention=VALUE     default retention of new snapshots: yyyy-MM-ddTHH:mm:ssZ,\n"
	       "                           +N{m,h,d,w} or permanent (default: permanent)\n"
	       "    -o allow_delete        let rmdir delete snapshots and unused policies (default: off, rmdir gets EPERM)\n"
	       "    -o allow_rollback      let user.zec.rollback roll a disk back (default: off)\n"
	       "    -o allow_restore       let user.zec.restoreTo create a disk from a snapshot (default: off)\n"
	       "    -o wait_available[=S]  mkdir waits until the snapshot is AVAILABLE (default: off; S: 300)\n"
	       "    -o allow_browse        let snapshots/<name>/files/ show a snapshot's files, read-only: each\n"
	       "                           browse creates a disk, billed while it exists (default: off, EPERM)\n"
	       "    -o instance_id=ID      the instance zecfs runs on (default: /sys/class/dmi/id/product_serial\n"
	       "                           when sys_vendor is Zenlayer Elastic Compute)\n"
	       "    -o device_dir=DIR      where an attached disk appears as DIR/virtio-<serial>\n"
	       "                           (default: /dev/disk/by-id, else the block device of that serial)\n"
	       "    -o browse_idle=SECONDS a browse's disk is released after this long unused (default: 600)\n"
	       "    -o browse_max=N        snapshots browsed at once, 1-64 (default: 4)\n"
	       "    -o browse_timeout=SECONDS  longest wait for a browse's disk to be ready (default: 600)\n"
	       "    -o profile=NAME        profile of ~/.zenlayer/credentials.json, used when neither\n"
	       "                           -o credentials nor the environment has credentials\n"
	       "                           (default: $ZENLAYER_PROFILE, else default)\n"
	       "    -o allow_other         let other users use the mount (turns default_permissions on)\n"
	       "    -o log_level=LEVEL     error, warn, info or debug (default: info; -d: debug)\n"
	       "    -o log_file=PATH       append log lines to PATH, reopened on SIGHUP (default: none)\n"
	       "    -o max_threads=N       worker threads serving requests at most (default: 64)\n"
	       "    -o max_idle_threads=N  idle workers kept, the rest leave (default: all kept)\n"
	       "    -o clone_fd            libfuse's loop, a device clone per worker (default: zecfs's\n"
	       "                           loop, where the thread that reads a request answers it)\n"
	       "    -s                     one thread: a request that waits holds up every other\n"
	       "    -f                     stay in the foreground, log to stderr (default: detach, log to syslog)\n"
	       "    -d                     debug: foreground, every API call logged\n"
	       "    -h, --help             this text\n"
	       "    -V, --version          versions of zecfs and its libraries\n"
	       "\n"
	       "environment:\n"
	       "    ZENLAYERCLOUD_ACCESS_KEY_ID, ZENLAYERCLOUD_ACCESS_KEY_PASSWORD,\n"
	       "    ZENLAYERCLOUD_DOMAIN, ZENLAYERCLOUD_SCHEME (HTTP or HTTPS)\n"
	       "\n", progname);
}

void zecfs_config_free(struct zecfs_config *cfg)
{
	/* every "name=%s" option of the table is a malloc'd string field: the
	 * table is the one list, so a new option cannot be missed here */
	for (const struct fuse_opt *o = zecfs_opts; o->templ; o++) {
		size_t len = strlen(o->templ);

		if (len > 3 && strcmp(o->templ + len - 3, "=%s") == 0) {
			char **field = (char **)((char *)cfg + o->offset);

			free(*field);
			*field = NULL;
		}
	}
	free(cfg->source);
	for (int i = 0; i < 2; i++)
		free(cfg->nonopts[i]);
}

char *zecfs_endpoint(const struct zecfs_config *cfg)
{
	const char *domain = getenv("ZENLAYERCLOUD_DOMAIN");
	const char *scheme = getenv("ZENLAYERCLOUD_SCHEME");
	char *url = NULL;

	if (cfg->endpoint)
		return strdup(cfg->endpoint);
	if (!domain || !*domain)
		return strdup(DEFAULT_ENDPOINT);
	if (!scheme || !*scheme)
		scheme = "https";
	if (asprintf(&url, "%s://%s", strcasecmp(scheme, "http") == 0 ? "http" : "https",
	             domain) < 0)
		return NULL;
	return url;
}

/* Strips surrounding white space and matching quotes in place. */
static char *clean_value(char *v)
{
	size_t n;

	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

/*
 * Opens a file of secrets, refusing one that another user owns or that
 * group or others can read.  Returns the stream or NULL with why set.
 */
static FILE *open_secret(const char *path, char *why, size_t why_size)
{
	struct stat st;
	FILE *f = NULL;
	int fd;

	/* symlinks are fine (Kubernetes secret volumes use them): the checks
	 * below are made on the file actually opened.  O_NONBLOCK so that a
	 * FIFO cannot block open() forever; it is cleared once the file is
	 * known to be a regular one. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, why_size, "cannot open credentials file '%s': %s", path,
		         strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		snprintf(why, why_size, "credentials file '%s' is not a regular file", path);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		snprintf(why, why_size, "cannot read credentials file '%s': %s", path,
		         strerror(errno));
	else if (st.st_uid != getuid())
		snprintf(why, why_size, "credentials file '%s' is not owned by uid %u",
		         path, (unsigned)getuid());
	else if (st.st_mode & 077)
		snprintf(why, why_size, "credentials file '%s' is readable by group or others (mode %04o): chmod 600 it",
		         path, (unsigned)(st.st_mode & 07777));
	else
		f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

/* KEY=VALUE lines, as systemd's EnvironmentFile= reads them. */
static int load_file(const char *path, struct zecfs_credentials *out,
                     char *why, size_t why_size)
{
	char line[1024];
	FILE *f;
	int ret = 0;

	f = open_secret(path, why, why_size);
	if (!f)
		return -EACCES;
	while (fgets(line, sizeof(line), f)) {
		char *eq, *key, *val, **dst = NULL;

		key = clean_value(line);
		if (!*key || *key == '#')
			continue;
		if (strncmp(key, "export ", 7) == 0)
			key = clean_value(key + 7);
		eq = strchr(key, '=');
		if (!eq)
			continue;
		*eq = '\0';
		val = clean_value(eq + 1);
		key = clean_value(key);
		if (strcmp(key, "ZENLAYERCLOUD_ACCESS_KEY_ID") == 0)
			dst = &out->key_id;
		else if (strcmp(key, "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD") == 0)
			dst = &out->password;
		if (dst) {
			free(*dst);
			*dst = strdup(val);
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	if (!out->key_id || !out->password) {
		ret = -EINVAL;
		snprintf(why, why_size, "credentials file '%s' lacks ZENLAYERCLOUD_ACCESS_KEY_ID or ZENLAYERCLOUD_ACCESS_KEY_PASSWORD",
		         path);
	}
	return ret;
}

/* The zeno CLI's ~/.zenlayer/credentials.json: {"<profile>": {...}}. */
static int load_profile(const char *path, const char *profile,
                        struct zecfs_credentials *out, char *why, size_t why_size)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	cJSON *root = NULL, *p;
	FILE *f;
	int ret = -EINVAL;

	f = open_secret(path, why, why_size);
	if (!f)
		return -EACCES;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			size_t want = cap ? cap * 2 : 8192;
			char *bigger = want > (1 << 20) ? NULL : realloc(text, want);

			if (!bigger) {
				snprintf(why, why_size, "cannot read '%s'", path);
				goto out;
			}
			text = bigger;
			cap = want;
		}
		size_t n = fread(text + len, 1, cap - len - 1, f);

		if (n == 0)
			break;
		len += n;
	}
	if (!text)
		goto out;
	text[len] = '\0';
	root = cJSON_Parse(text);
	p = cJSON_GetObjectItemCaseSensitive(root, profile);
	if (!cJSON_IsObject(p)) {
		snprintf(why, why_size, "profile '%s' not found in '%s'", profile, path);
		goto out;
	}
	out->key_id = zj_strdup(p, "access_key_id");
	out->password = zj_strdup(p, "access_key_secret");
	if (!out->password)
		out->password = zj_strdup(p, "access_key_password");
	out->token = zj_strdup(p, "token");
	if (out->token || (out->key_id && out->password))
		ret = 0;
	else
		snprintf(why, why_size, "profile '%s' in '%s' has neither access_key_id/access_key_secret nor token",
		         profile, path);
out:
	if (text) {
		explicit_bzero(text, cap);
		free(text);
	}
	cJSON_Delete(root);
	fclose(f);
	return ret;
}

int zecfs_load_credentials(const struct zecfs_config *cfg,
                           struct zecfs_credentials *out, char *why, size_t why_size)
{
	const char *id, *pw, *home, *profile;
	char path[4096];
	int ret;

	memset(out, 0, sizeof(*out));
	/* 1: -o credentials=FILE */
	if (cfg->credentials) {
		out->source = "credentials file";
		ret = load_file(cfg->credentials, out, why, why_size);
		goto out;
	}
	/* 2: the environment */
	id = getenv("ZENLAYERCLOUD_ACCESS_KEY_ID");
	pw = getenv("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD");
	if ((id && *id) != (pw && *pw)) {
		/* one of the two: a typo or a half-done export, not "no credentials" */
		snprintf(why, why_size, "%s is set but %s is not: export both, or neither",
		         id && *id ? "ZENLAYERCLOUD_ACCESS_KEY_ID" : "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD",
		         id && *id ? "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD" : "ZENLAYERCLOUD_ACCESS_KEY_ID");
		ret = -EINVAL;
		goto out;
	}
	if (id && *id && pw && *pw) {
		out->source = "environment";
		out->key_id = strdup(id);
		out->password = strdup(pw);
		ret = out->key_id && out->password ? 0 : -ENOMEM;
		goto out;
	}
	/* 3: the zeno CLI's profile file */
	home = getenv("HOME");
	profile = cfg->profile ? cfg->profile : getenv("ZENLAYER_PROFILE");
	if (!profile || !*profile)
		profile = "default";
	snprintf(path, sizeof(path), "%s/.zenlayer/credentials.json", home ? home : "");
	if (home && access(path, F_OK) == 0) {
		out->source = "~/.zenlayer/credentials.json";
		ret = load_profile(path, profile, out, why, why_size);
		goto out;
	}
	snprintf(why, why_size, "no credentials: use -o credentials=FILE, set ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD, or create ~/.zenlayer/credentials.json");
	ret = -ENOKEY;
out:
	if (ret)
		zecfs_credentials_free(out);
	return ret;
}

void zecfs_credentials_free(struct zecfs_credentials *cr)
{
	if (cr->password)
		explicit_bzero(cr->password, strlen(cr->password));
	if (cr->token)
		explicit_bzero(cr->token, strlen(cr->token));
	free(cr->password);
	free(cr->key_id);
	free(cr->token);
	cr->password = NULL;
	cr->key_id = NULL;
	cr->token = NULL;
}

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

#define DEFAULT_ENDPOINT "https://console.zenlayer.com"

enum {
	KEY_HELP,
	KEY_VERSION,
};

#define OPT(t, p, v) { t, offsetof(struct zecfs_config, p), v }

static const struct fuse_opt zecfs_opts[] = {
	OPT("endpoint=%s", endpoint, 0),
	OPT("credentials=%s", credentials, 0),
	OPT("cafile=%s", cafile, 0),
	OPT("retention=%s", retention, 0),
	OPT("log_level=%s", log_level, 0),
	OPT("cache_ttl=%lf", cache_ttl, 0),
	OPT("stale_max=%lf", stale_max, 0),
	OPT("timeout=%lf", timeout, 0),
	OPT("retries=%d", retries, 0),
	OPT("allow_delete", allow_delete, 1),
	OPT("allow_rollback", allow_rollback, 1),
	OPT("wait_available", wait_available, 1),
	OPT("wait_available=", wait_available, 1),
	OPT("wait_available=%lf", wait_seconds, 0),
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
	default:
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
	cfg->wait_seconds = 300;
	if (fuse_opt_parse(args, cfg, zecfs_opts, opt_proc) == -1)
		return -EINVAL;
	if (cfg->cache_ttl < 0 || cfg->stale_max < 0 || cfg->timeout <= 0 ||
	    cfg->retries < 1 || cfg->wait_seconds <= 0)
		return -EINVAL;
	return 0;
}

void zecfs_usage(const char *progname)
{
	printf("usage: %s [options] MOUNTPOINT\n"
	       "\n"
	       "Mounts Zenlayer Elastic Compute disks and their snapshots.\n"
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
	       "    -o stale_max=SECONDS   serve listings this old when the API is unreachable (default: 300)\n"
	       "    -o retention=VALUE     default retention of new snapshots: yyyy-MM-ddTHH:mm:ssZ,\n"
	       "                           +N{m,h,d,w} or permanent (default: permanent)\n"
	       "    -o allow_delete        let rmdir delete snapshots (default: off, rmdir gets EPERM)\n"
	       "    -o allow_rollback      let user.zec.rollback roll a disk back (default: off)\n"
	       "    -o wait_available[=S]  mkdir waits until the snapshot is AVAILABLE (default: off; S: 300)\n"
	       "    -o log_level=LEVEL     error, warn, info or debug (default: info; -d: debug)\n"
	       "    -f                     stay in the foreground, log to stderr\n"
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
	free(cfg->endpoint);
	free(cfg->credentials);
	free(cfg->cafile);
	free(cfg->retention);
	free(cfg->log_level);
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

/* KEY=VALUE lines, as systemd's EnvironmentFile= reads them. */
static int load_file(const char *path, struct zecfs_credentials *out,
                     char *why, size_t why_size)
{
	char line[1024];
	struct stat st;
	FILE *f = NULL;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, why_size, "cannot open credentials file '%s': %s", path,
		         strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(why, why_size, "credentials file '%s' is not a regular file", path);
		goto out;
	}
	if (st.st_uid != getuid()) {
		ret = -EACCES;
		snprintf(why, why_size, "credentials file '%s' is not owned by uid %u",
		         path, (unsigned)getuid());
		goto out;
	}
	if (st.st_mode & 077) {
		ret = -EACCES;
		snprintf(why, why_size, "credentials file '%s' is readable by others (mode %04o): chmod 600 it",
		         path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	f = fdopen(fd, "r");
	if (!f) {
		ret = -errno;
		goto out;
	}
	fd = -1;
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
	if (!out->key_id || !out->password) {
		ret = -EINVAL;
		snprintf(why, why_size, "credentials file '%s' lacks ZENLAYERCLOUD_ACCESS_KEY_ID or ZENLAYERCLOUD_ACCESS_KEY_PASSWORD",
		         path);
	}
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return ret;
}

int zecfs_load_credentials(const struct zecfs_config *cfg,
                           struct zecfs_credentials *out, char *why, size_t why_size)
{
	const char *id, *pw;
	int ret;

	memset(out, 0, sizeof(*out));
	if (cfg->credentials) {
		out->source = "credentials file";
		ret = load_file(cfg->credentials, out, why, why_size);
		if (ret)
			zecfs_credentials_free(out);
		return ret;
	}
	id = getenv("ZENLAYERCLOUD_ACCESS_KEY_ID");
	pw = getenv("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD");
	out->source = "environment";
	if (!id || !*id || !pw || !*pw) {
		snprintf(why, why_size, "no credentials: set ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD, or use -o credentials=FILE");
		return -ENOKEY;
	}
	out->key_id = strdup(id);
	out->password = strdup(pw);
	if (!out->key_id || !out->password) {
		zecfs_credentials_free(out);
		return -ENOMEM;
	}
	return 0;
}

void zecfs_credentials_free(struct zecfs_credentials *cr)
{
	if (cr->password)
		explicit_bzero(cr->password, strlen(cr->password));
	free(cr->password);
	free(cr->key_id);
	cr->password = NULL;
	cr->key_id = NULL;
}

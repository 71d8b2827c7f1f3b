/*
 * seed.c - the built-in demo seed and reading seed or state files.
 */
#include "seed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_MAX_BYTES (64L << 20)

/* Realistic records: ids, zones and categories as the real service shows
 * (categories: zenlayercloud-cli apis/en-US/zec/describe-disks.yaml). */
static const char demo_seed[] =
"{\"disks\":["
 "{\"diskId\":\"862857204414550690\",\"diskName\":\"web-01-data\","
  "\"regionId\":\"asia-east-1\",\"zoneId\":\"asia-east-1a\",\"diskType\":\"DATA\","
  "\"portable\":true,\"diskCategory\":\"Standard NVMe SSD\",\"diskSize\":200,"
  "\"diskStatus\":\"IN_USE\",\"instanceId\":\"862857186441561134\","
  "\"instanceName\":\"web-01\",\"createTime\":\"2025-10-02T08:14:51Z\","
  "\"resourceGroupId\":\"a1f6e2c4-7d3b-4f0e-9b52-1c8d3e6f9a01\","
  "\"resourceGroupName\":\"Default Resource Group\","
  "\"snapshotAbility\":true,\"tags\":{\"tags\":[{\"key\":\"env\",\"value\":\"prod\"}]},"
  "\"burstingEnabled\":false},"
 "{\"diskId\":\"862857204414550707\",\"diskName\":\"db-01-data\","
  "\"regionId\":\"asia-east-1\",\"zoneId\":\"asia-east-1a\",\"diskType\":\"DATA\","
  "\"portable\":true,\"diskCategory\":\"Standard NVMe SSD\",\"diskSize\":500,"
  "\"diskStatus\":\"IN_USE\",\"instanceId\":\"862857186441561180\","
  "\"instanceName\":\"db-01\",\"createTime\":\"2025-10-02T08:20:13Z\","
  "\"resourceGroupId\":\"a1f6e2c4-7d3b-4f0e-9b52-1c8d3e6f9a01\","
  "\"resourceGroupName\":\"Default Resource Group\","
  "\"snapshotAbility\":true,\"tags\":{\"tags\":[{\"key\":\"env\",\"value\":\"prod\"},"
  "{\"key\":\"role\",\"value\":\"database\"}]},\"burstingEnabled\":true},"
 "{\"diskId\":\"862857204414550725\",\"diskName\":\"build-cache\","
  "\"regionId\":\"asia-southeast-1\",\"zoneId\":\"asia-southeast-1a\",\"diskType\":\"DATA\","
  "\"portable\":true,\"diskCategory\":\"Standard NVMe SSD\",\"diskSize\":100,"
  "\"diskStatus\":\"IN_USE\",\"instanceId\":\"862857186441561201\","
  "\"instanceName\":\"ci-runner-01\",\"createTime\":\"2025-11-17T03:41:07Z\","
  "\"resourceGroupId\":\"5c0d9b7e-2a4f-4e8c-8d61-3f2b7a9c4e10\","
  "\"resourceGroupName\":\"ci\","
  "\"snapshotAbility\":true,\"tags\":{\"tags\":[{\"key\":\"env\",\"value\":\"ci\"}]},"
  "\"burstingEnabled\":false},"
 "{\"diskId\":\"862857204414550748\",\"diskName\":\"spare-volume\","
  "\"regionId\":\"asia-east-1\",\"zoneId\":\"asia-east-1a\",\"diskType\":\"DATA\","
  "\"portable\":true,\"diskCategory\":\"Standard NVMe SSD\",\"diskSize\":50,"
  "\"diskStatus\":\"AVAILABLE\",\"createTime\":\"2025-12-01T10:00:00Z\","
  "\"resourceGroupId\":\"a1f6e2c4-7d3b-4f0e-9b52-1c8d3e6f9a01\","
  "\"resourceGroupName\":\"Default Resource Group\","
  "\"snapshotAbility\":true,\"tags\":{\"tags\":[]},\"burstingEnabled\":false},"
 "{\"diskId\":\"862857204414550666\",\"diskName\":\"web-01-system\","
  "\"regionId\":\"asia-east-1\",\"zoneId\":\"asia-east-1a\",\"diskType\":\"SYSTEM\","
  "\"portable\":false,\"diskCategory\":\"Standard NVMe SSD\",\"diskSize\":40,"
  "\"diskStatus\":\"IN_USE\",\"instanceId\":\"862857186441561134\","
  "\"instanceName\":\"web-01\",\"createTime\":\"2025-10-02T08:14:50Z\","
  "\"resourceGroupId\":\"a1f6e2c4-7d3b-4f0e-9b52-1c8d3e6f9a01\","
  "\"resourceGroupName\":\"Default Resource Group\","
  "\"snapshotAbility\":true,\"tags\":{\"tags\":[]},\"burstingEnabled\":false},"
 "{\"diskId\":\"862857204414550771\",\"diskName\":\"legacy-archive\","
  "\"regionId\":\"asia-east-1\",\"zoneId\":\"asia-east-1b\",\"diskType\":\"DATA\","
  "\"portable\":true,\"diskCategory\":\"Basic NVMe SSD\",\"diskSize\":1000,"
  "\"diskStatus\":\"IN_USE\",\"instanceId\":\"862857186441561222\","
  "\"instanceName\":\"archive-01\",\"createTime\":\"2024-06-11T22:03:19Z\","
  "\"period\":12,\"expiredTime\":\"2027-06-11T22:03:19Z\",\"resourceGroupId\":\"a1f6e2c4-7d3b-4f0e-9b52-1c8d3e6f9a01\","
  "\"resourceGroupName\":\"Default Resource Group\","
  "\"snapshotAbility\":false,\"tags\":{\"tags\":[]},\"burstingEnabled\":false}"
"],\"snapshots\":["
 "{\"snapshotId\":\"880115042371526613\",\"snapshotName\":\"before-upgrade\","
  "\"zoneId\":\"asia-east-1a\",\"status\":\"AVAILABLE\",\"snapshotType\":\"Manual\","
  "\"diskId\":\"862857204414550690\",\"createTime\":\"2025-12-20T09:30:00Z\","
  "\"diskAbility\":true},"
 "{\"snapshotId\":\"880115042371526702\",\"snapshotName\":\"nightly-2026-01-05\","
  "\"zoneId\":\"asia-east-1a\",\"status\":\"AVAILABLE\",\"snapshotType\":\"Auto\","
  "\"diskId\":\"862857204414550707\",\"createTime\":\"2026-01-05T02:00:00Z\","
  "\"diskAbility\":true}"
"]}";

/* What the demo's data disks hold: a web root and its server config on
 * web-01-data, a dump on db-01-data, cache entries, an archive. */
static const struct seed_file web_files[] = {
	{ "www/index.html", "<!doctype html>\n<title>web-01</title>\n<h1>It works</h1>\n" },
	{ "www/about.html", "<!doctype html>\n<title>About</title>\n<p>Served by web-01.</p>\n" },
	{ "www/static/site.css", "body { font-family: sans-serif; margin: 2em; }\n" },
	{ "nginx/sites-enabled/default.conf",
	  "server {\n\tlisten 80 default_server;\n\troot /data/www;\n"
	  "\tindex index.html;\n}\n" },
	{ NULL, NULL },
};
static const struct seed_file db_files[] = {
	{ "backups/db-2026-01-05.sql",
	  "-- dump of database shop, 2026-01-05 02:00:00 UTC\n"
	  "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);\n"
	  "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus');\n"
	  "CREATE TABLE orders (id integer PRIMARY KEY, customer integer, total numeric);\n"
	  "INSERT INTO orders VALUES (1, 1, 19.90), (2, 3, 5.00);\n" },
	{ "postgresql/16/main/PG_VERSION", "16\n" },
	{ NULL, NULL },
};
static const struct seed_file cache_files[] = {
	{ "ccache/ccache.conf", "max_size = 20G\n" },
	{ "ccache/stats", "cache hit (direct) 1843\ncache miss 212\n" },
	{ NULL, NULL },
};
static const struct seed_file spare_files[] = {
	{ "README", "spare volume: attach it where space runs short\n" },
	{ NULL, NULL },
};
static const struct seed_file archive_files[] = {
	{ "archive/2024/reports.csv", "month,orders\n2024-05,1402\n2024-06,1533\n" },
	{ NULL, NULL },
};

const struct seed_file *seed_demo_files(const char *disk_id)
{
	static const struct {
		const char *id;
		const struct seed_file *files;
	} demo[] = {
		{ "862857204414550690", web_files },      /* web-01-data */
		{ "862857204414550707", db_files },       /* db-01-data */
		{ "862857204414550725", cache_files },    /* build-cache */
		{ "862857204414550748", spare_files },    /* spare-volume */
		{ "862857204414550771", archive_files },  /* legacy-archive */
	};

	for (size_t i = 0; disk_id && i < sizeof(demo) / sizeof(demo[0]); i++)
		if (strcmp(demo[i].id, disk_id) == 0)
			return demo[i].files;
	return NULL;
}

const char *seed_demo_text(void)
{
	return demo_seed;
}

cJSON *seed_demo(void)
{
	return cJSON_Parse(demo_seed);
}

int seed_read_file(const char *path, cJSON **out, char **text, char *err,
                   size_t err_size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret = 0;

	*out = NULL;
	if (text)
		*text = NULL;
	if (!f) {
		ret = -errno;
		snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		size_t n;

		if (cap - len < 65536) {
			char *p;
			cap = cap ? cap * 2 : 131072;
			if ((long)cap > SEED_MAX_BYTES) {
				snprintf(err, err_size, "%s is too large", path);
				ret = -EINVAL;
				goto out;
			}
			p = realloc(buf, cap);
			if (!p) {
				ret = -ENOMEM;
				snprintf(err, err_size, "out of memory");
				goto out;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, err_size, "cannot read %s", path);
		ret = -EIO;
		goto out;
	}
	*out = cJSON_ParseWithLength(buf, len);
	if (!*out) {
		snprintf(err, err_size, "%s is not valid JSON", path);
		ret = -EINVAL;
		goto out;
	}
	if (text) {
		buf[len] = '\0';       /* fread left at least 64 KiB free */
		*text = buf;
		buf = NULL;
	}
out:
	free(buf);
	fclose(f);
	return ret;
}

/*
 * list_bench.c - times zec_describe_snapshots_each() (the streaming walker)
 * against an endpoint: prints one line per run with the wall time, the
 * snapshots received and the API calls made.
 *
 *   list_bench ENDPOINT KEY_ID PASSWORD PARALLEL RUNS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_client.h"

struct count {
	size_t items;
};

static int on_page(void *arg, struct zec_snapshot *items, size_t n)
{
	struct count *k = arg;

	(void)items;
	k->items += n;
	return 0;
}

static void on_restart(void *arg)
{
	((struct count *)arg)->items = 0;
}

/* VmHWM of this process in KiB (ru_maxrss would include the parent's, kept
 * across exec) */
static long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = atol(line + 6);
	}
	if (f)
		fclose(f);
	return kib;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct zec_client_config cfg = { 0 };
	struct zec_client *c = NULL;
	int runs;

	if (argc != 6) {
		fprintf(stderr, "usage: list_bench ENDPOINT KEY_ID PASSWORD PARALLEL RUNS\n");
		return 2;
	}
	cfg.endpoint = argv[1];
	cfg.access_key_id = argv[2];
	cfg.access_key_password = argv[3];
	cfg.parallel = atoi(argv[4]);
	runs = atoi(argv[5]);
	if (zec_client_new(&cfg, &c)) {
		fprintf(stderr, "list_bench: cannot create the client\n");
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		struct count k = { 0 };
		struct zec_snapshot_sink sink = { on_page, on_restart, &k };
		struct zec_result res = { 0 };
		double t0 = now_s();
		int ret = zec_describe_snapshots_each(c, NULL, &sink, &res);

		printf("run=%d parallel=%s ret=%d snapshots=%zu attempts=%d seconds=%.3f\n",
		       i + 1, argv[4], ret, k.items, res.attempts, now_s() - t0);
		fflush(stdout);
	}
	printf("peak_rss_kib=%ld\n", peak_rss_kib());
	zec_client_free(c);
	return 0;
}

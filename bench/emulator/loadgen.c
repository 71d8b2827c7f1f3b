/*
 * loadgen.c - a minimal keep-alive HTTP/1.1 load generator for bench.py.
 *
 * usage: loadgen HOST PORT CLIENTS SECONDS REQUEST_FILE
 *
 * Each of CLIENTS threads opens one connection and sends the bytes of
 * REQUEST_FILE (one complete, pre-signed request) again and again for
 * SECONDS, reading each response (Content-Length framed).  The server
 * verifies the signature on every request, so the figure is the server's.
 * Prints one JSON line: {"requests":N,"errors":N,"p50_us":N,"p99_us":N}.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t tid;
	long requests, errors;
	long *lat_us;
	size_t nlat, cap;
};

static const char *host;
static int port;
static double seconds;
static char *req;
static size_t req_len;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_to(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, host, &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one response; 0 for status 200, 1 for another status, -1 on error. */
static int read_response(int fd, char *buf, size_t size)
{
	size_t have = 0;
	char *end = NULL, *cl;
	long body;
	int status;

	while (!end) {
		ssize_t n = read(fd, buf + have, size - have - 1);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end && have >= size - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > end)
		return -1;
	body = strtol(cl + 17, NULL, 10);
	{
		long left = body - (long)(have - (size_t)(end + 4 - buf));
		while (left > 0) {
			ssize_t n = read(fd, buf, left < (long)size ? (size_t)left : size);
			if (n <= 0)
				return -1;
			left -= n;
		}
	}
	return status == 200 ? 0 : 1;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	static __thread char buf[1 << 16];
	double end = now_s() + seconds;
	int fd = connect_to();

	while (fd >= 0 && now_s() < end) {
		double t0 = now_s();
		size_t off = 0;
		int r;

		while (off < req_len) {
			ssize_t n = write(fd, req + off, req_len - off);
			if (n <= 0)
				goto broken;
			off += (size_t)n;
		}
		r = read_response(fd, buf, sizeof(buf));
		if (r < 0)
			goto broken;
		w->requests++;
		w->errors += r;
		if (w->nlat == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->lat_us = realloc(w->lat_us, w->cap * sizeof(long));
			if (!w->lat_us)
				break;
		}
		w->lat_us[w->nlat++] = (long)((now_s() - t0) * 1e6);
		continue;
broken:
		w->errors++;
		close(fd);
		fd = connect_to();
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct worker *w;
	long total = 0, errors = 0, *all;
	size_t nall = 0, k = 0;
	int clients;
	FILE *f;

	if (argc != 6) {
		fprintf(stderr, "usage: loadgen HOST PORT CLIENTS SECONDS REQUEST_FILE\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	clients = atoi(argv[3]);
	seconds = atof(argv[4]);
	f = fopen(argv[5], "rb");
	if (!f || clients < 1)
		return 2;
	req = malloc(1 << 16);
	req_len = fread(req, 1, 1 << 16, f);
	fclose(f);
	w = calloc((size_t)clients, sizeof(*w));
	for (int i = 0; i < clients; i++)
		pthread_create(&w[i].tid, NULL, run, &w[i]);
	for (int i = 0; i < clients; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].requests;
		errors += w[i].errors;
		nall += w[i].nlat;
	}
	all = malloc((nall ? nall : 1) * sizeof(long));
	for (int i = 0; i < clients; i++) {
		memcpy(all + k, w[i].lat_us, w[i].nlat * sizeof(long));
		k += w[i].nlat;
		free(w[i].lat_us);
	}
	qsort(all, nall, sizeof(long), cmp_long);
	printf("{\"requests\":%ld,\"errors\":%ld,\"p50_us\":%ld,\"p99_us\":%ld}\n", total, errors,
	       nall ? all[nall / 2] : 0, nall ? all[(size_t)(nall * 0.99)] : 0);
	free(all);
	free(w);
	free(req);
	return 0;
}

/*
 * signals.c - what zecfs does on a signal.
 *
 *   SIGHUP           re-read the credentials, stay mounted.
 *   SIGTERM, SIGINT  unmount gracefully: a lazy unmount detaches the mount
 *                    at once; operations in flight finish (each within its
 *                    deadline), then the kernel ends the FUSE connection and
 *                    the loop returns as after fusermount3 -u.  If the mount
 *                    is still busy one deadline later, the connection is
 *                    aborted (root only, through /sys/fs/fuse/connections).
 *
 * libfuse's own handlers are not used: they stop the loop by cancelling its
 * worker threads, which drops requests in flight.  The handler only writes
 * the signal number to a pipe; a thread does the work.
 */
#include "zecfs.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zec_clock.h"
#include "zec_log.h"

extern char **environ;

struct zecfs_signals {
	struct zecfs *fs;
	char *mountpoint;
	unsigned conn;               /* FUSE connection id: the mount's minor device */
	pthread_t thread;
	pthread_t main_thread;       /* runs the FUSE loop */
};

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: that signal is already pending */
	}
	errno = saved;
}

static void reload(struct zecfs *fs)
{
	/* logrotate moved the log file: write to a new one at its path */
	if (zec_log_reopen())
		zlog_warn("log file reopen failed, still writing to the old one");
	struct zecfs_credentials cred;
	char why[512] = "";

	if (zecfs_load_credentials(&fs->cfg, &cred, why, sizeof(why))) {
		zlog_error("credentials reload failed: %s (keeping the old ones)", why);
		return;
	}
	if (zec_client_set_credentials(fs->client, cred.key_id, cred.password, cred.token))
		zlog_error("credentials reload failed: out of memory (keeping the old ones)");
	else
		zlog_info("credentials reloaded source=%s", ZLOG_ESC(cred.source));
	zecfs_credentials_free(&cred);
}

/* Detaches the mount now; the connection ends once nothing uses it. */
static void lazy_unmount(const char *mountpoint)
{
	char *argv[] = { "fusermount3", "-u", "-z", "-q", (char *)mountpoint, NULL };
	pid_t pid;
	int status;

	if (geteuid() == 0) {
		if (umount2(mountpoint, MNT_DETACH) == 0)
			return;
		zlog_warn("unmount failed mountpoint=%s error=\"%s\"", ZLOG_ESC(mountpoint),
		          strerror(errno));
		return;
	}
	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ) != 0) {
		zlog_warn("unmount failed mountpoint=%s error=\"cannot run fusermount3\"",
		          ZLOG_ESC(mountpoint));
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* Aborts the FUSE connection (needs root and fusectl); 0 or -errno. */
static int abort_connection(unsigned conn)
{
	char path[64];
	int fd, ret = 0;

	if (!conn)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort", conn);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

static void on_wake(int sig)
{
	(void)sig;      /* only interrupts the loop's wait */
}

/*
 * The last resort for a mount still busy after the grace period: abort the
 * connection, or else stop the loop the way libfuse's own handlers do.
 */
static void force_stop(struct zecfs_signals *s)
{
	/* calls still in flight end now, each with its errno, so the workers
	 * answer and the loop can return; not from the handler: it takes locks */
	zec_client_cancel(s->fs->client);
	if (abort_connection(s->conn) == 0)
		return;
	/* fusectl is where systemd normally mounts it; root may mount it */
	if (geteuid() == 0 &&
	    mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, NULL) == 0 &&
	    abort_connection(s->conn) == 0) {
		zlog_info("mounted fusectl on /sys/fs/fuse/connections to abort the connection");
		return;
	}
	zlog_warn("cannot abort the fuse connection, stopping the loop fuse_connection=%u",
	          s->conn);
	fuse_session_exit(s->fs->se);
	if (!zecfs_loop_stop())
		pthread_kill(s->main_thread, SIGUSR1);
}

/*
 * The FUSE connection id of our mount: the minor device number that
 * /proc/self/mountinfo gives for the mount point.  (stat() of the mount
 * point would ask this very daemon, whose loop is not running yet.)
 */
static unsigned connection_of(const char *mountpoint)
{
	char line[4096], where[4096];
	unsigned major, minor, found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *w = where;

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &major, &minor, where) != 3)
			continue;
		/* mountinfo escapes ' ', tab, newline and '\\' as octal */
		for (char *r = where; *r; r++) {
			if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
				*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
				r += 3;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
		if (strcmp(where, mountpoint) == 0)
			found = minor;      /* the last mount there is ours */
	}
	fclose(f);
	return found;
}

static void *signal_thread(void *arg)
{
	struct zecfs_signals *s = arg;
	double grace_until = 0;
	struct pollfd pfd = { .fd = sig_pipe[0], .events = POLLIN };
	char c;

	for (;;) {
		int timeout = -1, r;

		if (grace_until > 0) {
			double left = grace_until - zec_clock_now();

			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			zlog_warn("mount still busy after the grace period, aborting the connection mountpoint=%s",
			          ZLOG_ESC(s->mountpoint));
			force_stop(s);
			grace_until = 0;
			continue;
		}
		if (read(sig_pipe[0], &c, 1) != 1)
			break;          /* zecfs_signals_stop closed the pipe */
		if (c == SIGHUP) {
			reload(s->fs);
		} else if (grace_until == 0) {
			zlog_info("signal received, unmounting signal=%d mountpoint=%s", c,
			          ZLOG_ESC(s->mountpoint));
			lazy_unmount(s->mountpoint);
			grace_until = zec_clock_now() + s->fs->cfg.timeout + 5;
		}
	}
	return NULL;
}

int zecfs_signals_start(struct zecfs *fs, const char *mountpoint,
                      struct zecfs_signals **out)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct zecfs_signals *s = calloc(1, sizeof(*s));
	struct sigaction sa;

	if (!s || !(s->mountpoint = strdup(mountpoint)))
		goto fail;
	s->fs = fs;
	s->conn = connection_of(mountpoint);
	s->main_thread = pthread_self();
	if (pipe2(sig_pipe, O_CLOEXEC) < 0)
		goto fail;
	/* the handler must never block */
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	if (pthread_create(&s->thread, NULL, signal_thread, s) != 0)
		goto fail_pipe;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = on_wake;
	sa.sa_flags = 0;                /* no SA_RESTART: the wait must return */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	zlog_debug("signal handling ready mountpoint=%s fuse_connection=%u", ZLOG_ESC(mountpoint), s->conn);
	*out = s;
	return 0;
fail_pipe:
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
fail:
	if (s)
		free(s->mountpoint);
	free(s);
	return -ENOMEM;
}

void zecfs_signals_stop(struct zecfs_signals *s)
{
	if (!s)
		return;
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	close(sig_pipe[1]);	/* ends the thread, after any force_stop in progress */
	pthread_join(s->thread, NULL);
	close(sig_pipe[0]);
	sig_pipe[0] = sig_pipe[1] = -1;
	free(s->mountpoint);
	free(s);
}

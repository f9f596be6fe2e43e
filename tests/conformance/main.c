/*
 * main.c - the conformance runner: every case on Linux, then on ksock.
 *
 * Usage: conformance [-b linux|ksock] [-k SUBSTR] [-v]
 *   -b  run one backend only
 *   -k  run only the cases whose name contains SUBSTR
 *   -v  print each case and its result
 *
 * Each case gets a fresh temporary directory per backend (mode 0755, so
 * run_as users can reach it; removed with its contents afterwards); the descriptors it tracked are closed after it. On
 * ksock the runner also checks that every allocation made during the case
 * was freed and that no lock is held. A watchdog aborts the run, naming the
 * case, if one case takes longer than CT_CASE_TIMEOUT_S.
 *
 * Prints "FAIL [backend] case: file:line: message" per failure, then
 * exactly two summary lines; exits 0 only if no case failed.
 *
 * SIGPIPE is blocked in every thread (before any thread exists), so cases
 * can see it pending with sigpending() and consume it with sigtimedwait().
 *
 * Built with -DCT_NO_KSOCK, the runner leaves the ksock backend out.
 */
#include "ct.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CT_NO_KSOCK
#include "ksock/ksock.h"
#endif

#ifndef CT_CASE_TIMEOUT_S
#define CT_CASE_TIMEOUT_S 20
#endif

static const struct {
	const char *name;
	const struct ct_case *cases;
} groups[] = {
	{ "create", ct_cases_create },	   { "addr", ct_cases_addr },
	{ "stream", ct_cases_stream },	   { "seqpacket", ct_cases_seqpacket },
	{ "dgram", ct_cases_dgram },	   { "sockopt", ct_cases_sockopt },
	{ "poll", ct_cases_poll },	   { "threads", ct_cases_threads },
	{ "scm", ct_cases_scm },	   { "mmsg", ct_cases_mmsg },
	{ "epoll", ct_cases_epoll },	   { "limits", ct_cases_limits },
	{ "select", ct_cases_select },
	{ "stress", ct_cases_stress },
	{ "udp", ct_cases_udp },
	{ "tcp", ct_cases_tcp },
	{ "tcp_data", ct_cases_tcp_data },
	{ "pmtu", ct_cases_pmtu },
};

struct tally {
	int passed, failed;
};

/* ---- watchdog ---- */

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
/* guarded by wd_lock: */
static const char *wd_case, *wd_backend; /* the running case, NULL between cases */
static struct timespec wd_deadline;
static int wd_done;

static void *watchdog(void *arg)
{
	struct timespec now;

	(void)arg;
	pthread_mutex_lock(&wd_lock);
	while (!wd_done) {
		if (!wd_case) {
			pthread_cond_wait(&wd_cond, &wd_lock);
			continue;
		}
		pthread_cond_timedwait(&wd_cond, &wd_lock, &wd_deadline);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (wd_case && (now.tv_sec > wd_deadline.tv_sec ||
				(now.tv_sec == wd_deadline.tv_sec &&
				 now.tv_nsec >= wd_deadline.tv_nsec))) {
			printf("FAIL [%s] %s: watchdog: the case ran over %d s; run aborted\n",
			       wd_backend, wd_case, CT_CASE_TIMEOUT_S);
			fflush(stdout);
			fprintf(stderr, "ct: watchdog: case %s on %s hangs; aborting the run\n",
				wd_case, wd_backend);
			_exit(3);
		}
	}
	pthread_mutex_unlock(&wd_lock);
	return NULL;
}

static void wd_arm(const char *backend, const char *name)
{
	pthread_mutex_lock(&wd_lock);
	clock_gettime(CLOCK_MONOTONIC, &wd_deadline);
	wd_deadline.tv_sec += CT_CASE_TIMEOUT_S;
	wd_case = name;
	wd_backend = backend;
	pthread_cond_signal(&wd_cond);
	pthread_mutex_unlock(&wd_lock);
}

static void wd_disarm(void)
{
	pthread_mutex_lock(&wd_lock);
	wd_case = NULL;
	pthread_mutex_unlock(&wd_lock);
}

static void wd_stop(pthread_t t)
{
	pthread_mutex_lock(&wd_lock);
	wd_done = 1;
	pthread_cond_signal(&wd_cond);
	pthread_mutex_unlock(&wd_lock);
	pthread_join(t, NULL);
}

/* ---- one case ---- */

/* Removes path and, if it is a directory, everything under it. */
static int remove_tree(const char *path)
{
	struct dirent *e;
	struct stat st;
	char sub[512];
	DIR *d;
	int err = 0;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (remove_tree(sub) < 0)
			err = -1;
	}
	closedir(d);
	if (rmdir(path) < 0)
		return -errno;
	return err;
}

/* Closes the descriptors the case tracked (each once). A tracked descriptor
 * that is already closed is a case bug: on Linux its number may by now
 * belong to something else. */
static void close_tracked(struct ct_ctx *c)
{
	for (int i = 0; i < c->nfds; i++) {
		int dup_of_earlier = 0;

		for (int j = 0; j < i; j++)
			dup_of_earlier |= c->fds[j] == c->fds[i];
		if (dup_of_earlier)
			continue;
		if (c->b->close(c->fds[i]) == -EBADF)
			ct_fail(c, __FILE__, __LINE__,
				"closing tracked fd %d after the case: EBADF (closed without "
				"ct_untrack?)",
				c->fds[i]);
	}
	c->nfds = 0;
}

/* Ksock's checks after a case: no allocation leaked, no lock held. */
static void check_ksock_after(struct ct_ctx *c, long allocs_before)
{
#ifndef CT_NO_KSOCK
	long now = c->b->live_allocs();
	int locks = ks_hosted_locks_held();

	if (now != allocs_before)
		ct_fail(c, __FILE__, __LINE__, "leak: %ld allocations", now - allocs_before);
	if (locks != 0)
		ct_fail(c, __FILE__, __LINE__, "%d locks still held", locks);
#else
	(void)c;
	(void)allocs_before;
#endif
}

static void run_case(const struct ct_backend *b, const struct ct_case *k, int verbose,
		     struct tally *t)
{
	int is_ksock = strcmp(b->name, "ksock") == 0;
	struct ct_ctx c;
	long allocs_before;

	memset(&c, 0, sizeof(c));
	c.b = b;
	snprintf(c.dir, sizeof(c.dir), "/tmp/ct-XXXXXX");
	if (!mkdtemp(c.dir)) {
		ct_fail(&c, __FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
		c.dir[0] = 0;
	} else if (chmod(c.dir, 0755) < 0) { /* searchable by run_as users */
		ct_fail(&c, __FILE__, __LINE__, "chmod: %s", strerror(errno));
	}
	allocs_before = b->live_allocs();
	/* The watchdog also covers the cleanup: closing can hang too. */
	wd_arm(b->name, k->name);
	if (!c.failed)
		k->fn(&c);
	close_tracked(&c);
	if (is_ksock)
		check_ksock_after(&c, allocs_before);
	wd_disarm();
	if (c.dir[0] && remove_tree(c.dir) < 0)
		ct_fail(&c, __FILE__, __LINE__, "cannot remove %s", c.dir);

	if (c.failed) {
		t->failed++;
		printf("FAIL [%s] %s: %s\n", b->name, k->name, c.msg);
	} else {
		t->passed++;
		if (verbose)
			printf("ok   [%s] %s\n", b->name, k->name);
	}
	fflush(stdout);
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr, "usage: conformance [-b linux|ksock] [-k SUBSTR] [-v]\n");
	exit(2);
}

static int start_watchdog(pthread_t *t)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wd_cond, &ca);
	pthread_condattr_destroy(&ca);
	return pthread_create(t, NULL, watchdog, NULL);
}

int main(int argc, char **argv)
{
	const struct ct_backend *backends[2] = { &ct_linux_backend, NULL };
	struct tally tally[2] = { { 0, 0 }, { 0, 0 } };
	const char *only = NULL, *filter = NULL;
	int verbose = 0;
	pthread_t wd;
	sigset_t set;

	/* Before any thread exists, so every thread inherits it. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "-k") && i + 1 < argc)
			filter = argv[++i];
		else
			usage();
	}
	if (only && strcmp(only, "linux") && strcmp(only, "ksock"))
		usage();
#ifndef CT_NO_KSOCK
	backends[1] = &ct_ksock_backend;
	if (!only || !strcmp(only, "ksock")) {
		int err = ks_init();

		if (err < 0) {
			fprintf(stderr, "conformance: ks_init: %d\n", err);
			return 2;
		}
	}
#else
	if (only && !strcmp(only, "ksock")) {
		fprintf(stderr, "conformance: built with CT_NO_KSOCK; no ksock backend\n");
		return 2;
	}
#endif
	if (start_watchdog(&wd) != 0) {
		fprintf(stderr, "conformance: cannot start the watchdog\n");
		return 2;
	}

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (const struct ct_case *k = groups[g].cases; k->name; k++) {
			if (filter && !strstr(k->name, filter))
				continue;
			for (int i = 0; i < 2; i++) {
				if (!backends[i] || (only && strcmp(only, backends[i]->name)))
					continue;
				run_case(backends[i], k, verbose, &tally[i]);
			}
		}
	}
	wd_stop(wd);

	printf("linux: %d passed, %d failed\n", tally[0].passed, tally[0].failed);
	printf("ksock: %d passed, %d failed\n", tally[1].passed, tally[1].failed);
	return tally[0].failed || tally[1].failed ? 1 : 0;
}

/*
 * ksockd.c - the hosted FUSE front end of /net: mounts the portable file
 * layer (src/netfs) at a directory so that ordinary shell tools work on
 * ksock sockets, and serves it until SIGINT, SIGTERM or SIGHUP (or an
 * unmount), then stops cleanly and unmounts.
 *
 *   ksockd --mount DIR [--ns session|uid] [--echo NAME] [--threads N]
 *          [--debug] [-o FUSE-OPTIONS]
 *
 *   --ns       which callers share a namespace (ns.c): one per session
 *              (default) or one per uid
 *   --echo     also serve an echo server on NAME (e.g. @ksockd-echo),
 *              made with the socket API (echo.c)
 *   --threads  most requests served at once (default 256): each blocked
 *              accept, read or write holds one
 *   --debug    libfuse's request trace on stderr
 *
 * It prints "ksockd: serving DIR" once mounted, and "ksockd: stopped"
 * when it has unmounted.
 *
 * Threads. A pool of workers of our own (not fuse_session_loop_mt: its
 * shutdown cancels workers, which may be parked inside ksock) receives and
 * processes requests; a worker is added when none is idle, up to
 * --threads. A stopper thread waits for the signals (blocked in every other
 * thread): it refuses new requests and interrupts every request under way
 * and the echo service until all are done, ends the session, and wakes the
 * idle workers out of their read of /dev/fuse with SIGUSR1 (a handler that
 * does nothing, without SA_RESTART). The main thread waits for the workers,
 * unmounts, closes what clients left open and exits 0.
 *
 * SIGPIPE is ignored: ksock raises it, as write(2) would, for a write to a
 * socket whose peer is gone, and here that is the daemon's thread; the
 * client gets EPIPE.
 *
 * Locking: kd_pool_lock guards the worker table and counts.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ksock/ksock.h>

#include "ksockd.h"

#define KD_THREADS_MAX 4096

static struct fuse_session *kd_se;
static pthread_t kd_stopper;

static pthread_mutex_t kd_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kd_pool_done = PTHREAD_COND_INITIALIZER;
static pthread_t kd_workers[KD_THREADS_MAX];
static bool kd_worker_live[KD_THREADS_MAX];
static int kd_nworkers, kd_nlive, kd_nidle, kd_max_workers = 256;

void kd_log(const char *fmt, ...)
{
	va_list ap;

	fputs("ksockd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *worker(void *arg);

/* Starts one more worker. kd_pool_lock held. */
static int pool_spawn_locked(void)
{
	int i = kd_nworkers;

	if (i >= kd_max_workers)
		return -EAGAIN;
	int err = pthread_create(&kd_workers[i], NULL, worker, (void *)(intptr_t)i);
	if (err)
		return -err;
	kd_worker_live[i] = true;
	kd_nworkers++;
	kd_nlive++;
	kd_nidle++;
	return 0;
}

/* A worker takes a request: if it was the last idle one, add another. */
static void pool_busy(void)
{
	pthread_mutex_lock(&kd_pool_lock);
	if (--kd_nidle == 0 && !fuse_session_exited(kd_se))
		(void)pool_spawn_locked(); /* at the limit: requests wait for a worker */
	pthread_mutex_unlock(&kd_pool_lock);
}

static void pool_idle(void)
{
	pthread_mutex_lock(&kd_pool_lock);
	kd_nidle++;
	pthread_mutex_unlock(&kd_pool_lock);
}

static void pool_exit(int i)
{
	pthread_mutex_lock(&kd_pool_lock);
	kd_worker_live[i] = false;
	kd_nlive--;
	kd_nidle--;
	pthread_cond_broadcast(&kd_pool_done);
	pthread_mutex_unlock(&kd_pool_lock);
}

static void *worker(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct fuse_buf buf;

	memset(&buf, 0, sizeof(buf));
	while (!fuse_session_exited(kd_se)) {
		int res = fuse_session_receive_buf(kd_se, &buf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0) { /* 0: unmounted; else an error */
			if (res < 0)
				kd_log("reading /dev/fuse: %s", strerror(-res));
			pthread_kill(kd_stopper, SIGTERM); /* stop the daemon */
			break;
		}
		pool_busy();
		fuse_session_process_buf(kd_se, &buf);
		pool_idle();
	}
	free(buf.mem);
	pool_exit(i);
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig; /* only interrupts a worker's read of /dev/fuse */
}

/* Wakes idle workers out of their read; returns how many still run. */
static int pool_kick(void)
{
	pthread_mutex_lock(&kd_pool_lock);
	for (int i = 0; i < kd_nworkers; i++)
		if (kd_worker_live[i])
			pthread_kill(kd_workers[i], SIGUSR1);
	int n = kd_nlive;
	pthread_mutex_unlock(&kd_pool_lock);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool kd_echo_on;

static void *stopper(void *arg)
{
	sigset_t *set = arg;
	int sig = 0;

	sigwait(set, &sig);
	kd_log("stopping (%s)", strsignal(sig));
	while (kd_requests_stop() > 0)
		sleep_ms(10); /* interrupted calls return EINTR to their callers */
	if (kd_echo_on)
		kd_echo_stop();
	fuse_session_exit(kd_se);
	while (pool_kick() > 0)
		sleep_ms(20);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: ksockd --mount DIR [--ns session|uid] [--echo NAME] "
			"[--threads N] [--debug] [-o FUSE-OPTIONS]\n");
	exit(2);
}

struct kd_opts {
	const char *mount, *echo, *fuse_opts;
	enum kd_ns_mode ns;
	bool debug;
};

static void parse_args(int argc, char **argv, struct kd_opts *o)
{
	static const struct option longopts[] = {
		{"mount", required_argument, NULL, 'm'}, {"ns", required_argument, NULL, 'n'},
		{"echo", required_argument, NULL, 'e'},  {"threads", required_argument, NULL, 't'},
		{"debug", no_argument, NULL, 'd'},       {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "m:o:d", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o->mount = optarg; break;
		case 'o': o->fuse_opts = optarg; break;
		case 'e': o->echo = optarg; break;
		case 'd': o->debug = true; break;
		case 'n':
			if (strcmp(optarg, "session") && strcmp(optarg, "uid"))
				usage();
			o->ns = strcmp(optarg, "uid") ? KD_NS_SESSION : KD_NS_UID;
			break;
		case 't':
			kd_max_workers = atoi(optarg);
			if (kd_max_workers < 2 || kd_max_workers > KD_THREADS_MAX)
				usage();
			break;
		default:
			usage();
		}
	}
	if (!o->mount || optind != argc)
		usage();
}

/* A session for o's mount, or NULL (libfuse said why). */
static struct fuse_session *session_new(const struct kd_opts *o)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char opts[512];

	snprintf(opts, sizeof(opts), "fsname=ksock,subtype=netfs%s%s%s",
		 geteuid() == 0 ? ",allow_other" : "", o->fuse_opts ? "," : "",
		 o->fuse_opts ? o->fuse_opts : "");
	if (fuse_opt_add_arg(&args, "ksockd") || fuse_opt_add_arg(&args, "-o") ||
	    fuse_opt_add_arg(&args, opts) || (o->debug && fuse_opt_add_arg(&args, "-d")))
		return NULL;
	struct fuse_session *se = fuse_session_new(&args, &kd_ops, sizeof(kd_ops), NULL);
	fuse_opt_free_args(&args);
	if (se && fuse_session_mount(se, o->mount) != 0) {
		fuse_session_destroy(se);
		se = NULL;
	}
	return se;
}

/* Signals: INT/TERM/HUP for the stopper only (blocked everywhere, threads
 * inherit the mask), SIGUSR1 to kick workers, SIGPIPE ignored. */
static void signals_setup(sigset_t *stop_set)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1; /* no SA_RESTART: a blocked read returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(stop_set);
	sigaddset(stop_set, SIGINT);
	sigaddset(stop_set, SIGTERM);
	sigaddset(stop_set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, stop_set, NULL);
}

int main(int argc, char **argv)
{
	struct kd_opts o;
	static sigset_t stop_set;

	parse_args(argc, argv, &o);
	signals_setup(&stop_set);
	kd_ns_init(o.ns);
	kd_se = session_new(&o);
	if (!kd_se)
		return 1;
	if (o.echo) {
		int err = kd_echo_start(o.echo);
		if (err) {
			kd_log("--echo %s: %s", o.echo, strerror(-err));
			fuse_session_unmount(kd_se);
			fuse_session_destroy(kd_se);
			return 1;
		}
		kd_echo_on = true;
	}
	pthread_create(&kd_stopper, NULL, stopper, &stop_set);
	pthread_mutex_lock(&kd_pool_lock);
	int err = pool_spawn_locked();
	pthread_mutex_unlock(&kd_pool_lock);
	if (err) {
		kd_log("no worker thread: %s", strerror(-err));
		pthread_kill(kd_stopper, SIGTERM);
	} else {
		kd_log("serving %s", o.mount);
	}
	pthread_mutex_lock(&kd_pool_lock);
	while (kd_nlive > 0)
		pthread_cond_wait(&kd_pool_done, &kd_pool_lock);
	pthread_mutex_unlock(&kd_pool_lock);
	for (int i = 0; i < kd_nworkers; i++)
		pthread_join(kd_workers[i], NULL);
	pthread_join(kd_stopper, NULL);
	fuse_session_unmount(kd_se);
	fuse_session_destroy(kd_se); /* kd_ops.destroy closes what clients left open */
	kd_ns_fini();
	kd_log("stopped");
	return 0;
}

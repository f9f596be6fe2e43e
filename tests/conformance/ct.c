/*
 * ct.c - the helpers cases use: descriptor tracking, addresses, failure
 * recording and deterministic data.
 *
 * Interface: see ct.h. ct_fd, ct_untrack and ct_fail may be called from
 * a case's helper threads too: one lock serializes them.
 */
#include "ct.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static pthread_mutex_t ct_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long ct_abstract_seq; /* guarded by ct_lock */

long ct_fd(struct ct_ctx *c, long fd)
{
	int full;

	if (fd < 0)
		return fd;
	pthread_mutex_lock(&ct_lock);
	full = c->nfds >= CT_MAX_FDS;
	if (!full)
		c->fds[c->nfds++] = (int)fd;
	pthread_mutex_unlock(&ct_lock);
	if (full) {
		c->b->close((int)fd);
		ct_fail(c, __FILE__, __LINE__, "more than %d tracked descriptors", CT_MAX_FDS);
		return -EMFILE;
	}
	return fd;
}

void ct_untrack(struct ct_ctx *c, int fd)
{
	pthread_mutex_lock(&ct_lock);
	for (int i = 0; i < c->nfds; i++) {
		if (c->fds[i] == fd) {
			c->fds[i] = c->fds[--c->nfds];
			break;
		}
	}
	pthread_mutex_unlock(&ct_lock);
}

unsigned ct_path(struct ct_ctx *c, void *sockaddr_un, const char *name)
{
	struct sockaddr_un *sun = sockaddr_un;
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", c->dir, name);
	if (n < 0 || (size_t)n >= sizeof(sun->sun_path))
		ct_fail(c, __FILE__, __LINE__, "ct_path: %s/%s is too long", c->dir, name);
	return (unsigned)(offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1);
}

unsigned ct_abstract(struct ct_ctx *c, void *sockaddr_un, const char *tag)
{
	struct sockaddr_un *sun = sockaddr_un;
	unsigned long n;

	pthread_mutex_lock(&ct_lock);
	n = ++ct_abstract_seq;
	pthread_mutex_unlock(&ct_lock);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "ct-%ld-%lu-%s", (long)getpid(),
		     n, tag) >= (int)sizeof(sun->sun_path) - 1)
		ct_fail(c, __FILE__, __LINE__, "ct_abstract: tag %s is too long", tag);
	return (unsigned)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sun->sun_path + 1));
}

void ct_fail(struct ct_ctx *c, const char *file, int line, const char *fmt, ...)
{
	const char *base = strrchr(file, '/');
	va_list ap;
	int n;

	pthread_mutex_lock(&ct_lock);
	if (!c->failed) {
		c->failed = 1;
		n = snprintf(c->msg, sizeof(c->msg), "%s:%d: ", base ? base + 1 : file, line);
		if (n < 0 || (size_t)n >= sizeof(c->msg))
			n = 0;
		va_start(ap, fmt);
		vsnprintf(c->msg + n, sizeof(c->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&ct_lock);
}

/* xorshift32, seeded so that seed 0 works too. */
void ct_fill(void *buf, size_t n, unsigned seed)
{
	unsigned char *p = buf;
	unsigned x = seed * 2654435761u + 0x9e3779b9u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24);
	}
}

/* FNV-1a, 64 bits. h: 0 to start, or a previous result to continue. */
unsigned long ct_hash(const void *buf, size_t n, unsigned long h)
{
	const unsigned char *p = buf;
	unsigned long long x = h ? h : 14695981039346656037ull;

	for (size_t i = 0; i < n; i++) {
		x ^= p[i];
		x *= 1099511628211ull;
	}
	return (unsigned long)x;
}

/* ---- helpers for threaded cases ---- */

int ct_take_sigpipe(void)
{
	sigset_t set, pend;
	struct timespec zero = { 0, 0 };

	sigemptyset(&pend);
	if (sigpending(&pend) != 0 || !sigismember(&pend, SIGPIPE))
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	return sigtimedwait(&set, NULL, &zero) == SIGPIPE;
}

long ct_elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

void ct_wait_sleeping(const int *tid)
{
	struct timespec t0;
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ct_elapsed_ms(&t0) < 1000) {
		int id = __atomic_load_n(tid, __ATOMIC_ACQUIRE);

		if (id == 0) {
			sched_yield();
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", id);
		f = fopen(path, "r");
		if (!f)
			return;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || p[2] == 'S' || p[2] == 'D')
			return;
		sched_yield();
	}
}

/* ---- small call helpers shared by the case files ---- */

long ct_pair(struct ct_ctx *c, int type, int sv[2])
{
	long r = c->b->socketpair(AF_UNIX, type, 0, sv);

	if (r == 0) {
		ct_fd(c, sv[0]);
		ct_fd(c, sv[1]);
	}
	return r;
}

long ct_snd(struct ct_ctx *c, int fd, const void *buf, unsigned long n, int flags)
{
	return c->b->sendto(fd, buf, n, flags, NULL, 0);
}

long ct_rcv(struct ct_ctx *c, int fd, void *buf, unsigned long n, int flags)
{
	return c->b->recvfrom(fd, buf, n, flags, NULL, NULL);
}

long ct_set_timeo(struct ct_ctx *c, int fd, int opt, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return c->b->setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/*
 * ct.c - the helpers cases use: descriptor tracking, addresses, failure
 * recording and deterministic data.
 *
 * Interface: see ct.h. ct_fd, ct_untrack and ct_fail may be called from
 * a case's helper threads too: one lock serializes them.
 */
#include "ct.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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

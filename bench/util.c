/*
 * util.c - what every case needs: the clock, I/O timeouts, TCP listeners
 * and pairs on 127.0.0.1, pinned thread pairs, quantiles.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_set_timeouts(const struct bench_backend *b, int fd)
{
	struct timeval tv = { BENCH_IO_TIMEOUT_S, 0 };
	long err = b->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	if (err == 0)
		err = b->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return (int)err;
}

long bench_tcp_listener(const struct bench_backend *b, int backlog, struct sockaddr_in *sin)
{
	unsigned len = sizeof(*sin);
	long fd = b->socket(AF_INET, SOCK_STREAM, 0), err;

	if (fd < 0)
		return fd;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	err = bench_set_timeouts(b, (int)fd);
	if (err == 0)
		err = b->bind((int)fd, sin, sizeof(*sin));
	if (err == 0)
		err = b->listen((int)fd, backlog);
	if (err == 0)
		err = b->getsockname((int)fd, sin, &len);
	if (err == 0 && (len != sizeof(*sin) || sin->sin_port == 0))
		err = -EPROTO;
	if (err) {
		b->close((int)fd);
		return err;
	}
	return fd;
}

static int tcp_nodelay(const struct bench_backend *b, int fd)
{
	int one = 1;

	return (int)b->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The 5-second timeouts and, if nodelay, TCP_NODELAY on one end. */
static int tcp_end_opts(const struct bench_backend *b, int fd, int nodelay)
{
	int err = bench_set_timeouts(b, fd);

	if (err == 0 && nodelay)
		err = tcp_nodelay(b, fd);
	return err;
}

int bench_tcp_pair(const struct bench_backend *b, int nodelay, int *client, int *server)
{
	struct sockaddr_in sin;
	long lfd = bench_tcp_listener(b, 1, &sin), cfd, afd = -1, err;

	if (lfd < 0)
		return (int)lfd;
	cfd = b->socket(AF_INET, SOCK_STREAM, 0);
	err = cfd < 0 ? cfd : tcp_end_opts(b, (int)cfd, nodelay);
	/* Before connect, as a server sets it on the listener: both ends
	 * have it from the handshake on. */
	if (err == 0 && nodelay)
		err = tcp_nodelay(b, (int)lfd);
	if (err == 0)
		err = b->connect((int)cfd, &sin, sizeof(sin));
	if (err == 0) {
		afd = b->accept((int)lfd);
		err = afd < 0 ? afd : tcp_end_opts(b, (int)afd, nodelay);
	}
	long lerr = b->close((int)lfd);
	if (err == 0)
		err = lerr;
	if (err) {
		if (afd >= 0)
			b->close((int)afd);
		if (cfd >= 0)
			b->close((int)cfd);
		return (int)err;
	}
	*client = (int)cfd;
	*server = (int)afd;
	return 0;
}

/* The start line: threads wait until main says go (1) or abort (-1). */
struct bench_start {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int go;
};

struct bench_thread {
	int (*fn)(void *arg);
	void *arg;
	struct bench_start *start;
	int result;
};

static void *thread_main(void *p)
{
	struct bench_thread *t = p;
	int go;

	pthread_mutex_lock(&t->start->lock);
	while (t->start->go == 0)
		pthread_cond_wait(&t->start->cond, &t->start->lock);
	go = t->start->go;
	pthread_mutex_unlock(&t->start->lock);
	t->result = go > 0 ? t->fn(t->arg) : -ECANCELED;
	return NULL;
}

/* Starts t in a thread that is on cpu from its first instruction. */
static int start_pinned(pthread_t *th, struct bench_thread *t, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (err == 0)
		err = pthread_create(th, &attr, thread_main, t);
	pthread_attr_destroy(&attr);
	return -err;
}

static void release(struct bench_start *s, int go)
{
	pthread_mutex_lock(&s->lock);
	s->go = go;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int bench_run_threads(int (*a)(void *arg), int (*b)(void *arg), void *arg, int cpu_a, int cpu_b)
{
	struct bench_start start = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	struct bench_thread ta = { a, arg, &start, 0 }, tb = { b, arg, &start, 0 };
	pthread_t tha, thb;
	int err;

	err = start_pinned(&tha, &ta, cpu_a);
	if (err)
		return err;
	if (b)
		err = start_pinned(&thb, &tb, cpu_b);
	release(&start, err ? -1 : 1);
	pthread_join(tha, NULL);
	if (b && !err)
		pthread_join(thb, NULL);
	if (err)
		return err;
	return ta.result ? ta.result : tb.result;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

double bench_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

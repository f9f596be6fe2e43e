/*
 * cases_threads.c - blocking calls woken from another thread, timeouts,
 * and data integrity under concurrency (many sizes, partial reads, several
 * writer/reader pairs at once).
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 *
 * Thread discipline: a case starts its threads, records failures with the
 * CT_CHECK_* forms only, and joins every thread it started before it
 * returns. Blocking calls carry a guard timeout (SO_RCVTIMEO/SO_SNDTIMEO of
 * a few seconds) so that a bug fails the case instead of hanging it.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define GUARD_MS 5000 /* guard timeout for calls that must be woken */
#define MAX_THREADS 8

/* A socket of type bound to c->dir/name and listening; fd or -errno. */
static long mk_listener(struct ct_ctx *c, int type, const char *name, int backlog,
			struct sockaddr_un *a, unsigned *alen)
{
	long fd = ct_fd(c, c->b->socket(AF_UNIX, type, 0));
	long r;

	if (fd < 0)
		return fd;
	*alen = ct_path(c, a, name);
	r = c->b->bind(fd, a, *alen);
	if (r == 0)
		r = c->b->listen(fd, backlog);
	return r < 0 ? r : fd;
}

/* Both guard timeouts on fd. */
static long guard(struct ct_ctx *c, int fd)
{
	long r = ct_set_timeo(c, fd, SO_RCVTIMEO, GUARD_MS);

	return r < 0 ? r : ct_set_timeo(c, fd, SO_SNDTIMEO, GUARD_MS);
}

/* xorshift32 for sizes; never 0. */
static unsigned rnd(unsigned *s)
{
	unsigned x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* A size from 1 to max, spread over the orders of magnitude. */
static size_t rnd_size(unsigned *s, size_t max)
{
	unsigned bits = rnd(s) % 19; /* up to 256 KiB before the cap */
	size_t n = 1 + rnd(s) % (1u << bits);

	return n > max ? max : n;
}

/* ---- one blocking call in a helper thread ---- */

enum op { OP_RECV, OP_SEND, OP_ACCEPT, OP_CONNECT };

struct blocker {
	struct ct_ctx *c;
	enum op op;
	int fd, flags;
	void *buf;
	unsigned long len;
	const struct sockaddr_un *addr;
	unsigned alen;
	int tid; /* the thread's id, set (atomically) before it blocks */
	long ret;
	int sigpipe; /* SIGPIPE was pending in the thread after the call */
};

static void *blocker_thread(void *arg)
{
	struct blocker *bl = arg;
	const struct ct_backend *b = bl->c->b;

	(void)ct_take_sigpipe();
	__atomic_store_n(&bl->tid, (int)gettid(), __ATOMIC_RELEASE);
	switch (bl->op) {
	case OP_RECV:
		bl->ret = b->recvfrom(bl->fd, bl->buf, bl->len, bl->flags, NULL, NULL);
		break;
	case OP_SEND:
		bl->ret = b->sendto(bl->fd, bl->buf, bl->len, bl->flags, NULL, 0);
		break;
	case OP_ACCEPT:
		bl->ret = ct_fd(bl->c, b->accept(bl->fd, NULL, NULL));
		break;
	case OP_CONNECT:
		bl->ret = b->connect(bl->fd, bl->addr, bl->alen);
		break;
	}
	bl->sigpipe = ct_take_sigpipe();
	return NULL;
}

static void blocker_init(struct blocker *bl, struct ct_ctx *c, enum op op, int fd, void *buf,
			 unsigned long len, int flags)
{
	memset(bl, 0, sizeof(*bl));
	bl->c = c;
	bl->op = op;
	bl->fd = fd;
	bl->buf = buf;
	bl->len = len;
	bl->flags = flags;
}

/* ---- woken from another thread ---- */

static void threads_recv_woken_by_send(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, ct_snd(c, sv[0], "wake", 4, 0), 4);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 4);
	CT_TRUE(c, memcmp(buf, "wake", 4) == 0);
}

static void threads_seqpacket_recv_woken_by_send(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, 2, 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, ct_snd(c, sv[0], "message", 7, 0), 7);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void threads_dgram_recv_woken_by_send(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct blocker bl;
	pthread_t t;
	char buf[16];
	unsigned al;
	long r, s;

	CT_OK(c, r, CT_FD(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	al = ct_abstract(c, &a, "dg");
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_EQ(c, guard(c, (int)r), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	blocker_init(&bl, c, OP_RECV, (int)r, buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, c->b->sendto((int)s, "dg", 2, 0, &a, al), 2);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 2);
}

static void threads_accept_woken_by_connect(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct blocker bl;
	pthread_t t;
	unsigned al;
	long l, s;

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, "l", 1, &a, &al));
	CT_EQ(c, guard(c, (int)l), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	blocker_init(&bl, c, OP_ACCEPT, (int)l, NULL, 0, 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, c->b->connect((int)s, &a, al), 0);
	pthread_join(t, NULL);
	CT_TRUE(c, bl.ret >= 0);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, (int)bl.ret, &al, 1, 0), 1);
}

/* A blocked accept is woken by shutdown of the listener: EINVAL. */
static void threads_accept_woken_by_shutdown(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct blocker bl;
	pthread_t t;
	unsigned al;
	long l;

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, "l", 1, &a, &al));
	CT_EQ(c, guard(c, (int)l), 0);
	blocker_init(&bl, c, OP_ACCEPT, (int)l, NULL, 0, 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, c->b->shutdown((int)l, SHUT_RDWR), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, -EINVAL);
}

/* A connect blocked on a full backlog goes through once one is accepted. */
static void threads_connect_released_by_accept(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct blocker bl;
	pthread_t t;
	unsigned al;
	long l, s1, s2, n;

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, "l", 0, &a, &al));
	CT_OK(c, s1, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s1, &a, al), 0);
	CT_OK(c, s2, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, guard(c, (int)s2), 0);
	blocker_init(&bl, c, OP_CONNECT, (int)s2, NULL, 0, 0);
	bl.addr = &a;
	bl.alen = al;
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	n = ct_fd(c, c->b->accept((int)l, NULL, NULL));
	CT_CHECK_TRUE(c, n >= 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
}

/* A send blocked on a full buffer completes in full when a reader drains. */
static void threads_send_released_by_reader(struct ct_ctx *c)
{
	enum { LEN = 1 << 20 };
	struct blocker bl;
	unsigned char *out, *in;
	unsigned long got = 0;
	pthread_t t;
	int sv[2];
	long n;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[0]), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	out = malloc(LEN);
	in = malloc(LEN);
	if (!out || !in) {
		free(out);
		free(in);
		CT_TRUE(c, !"out of memory");
	}
	ct_fill(out, LEN, 11);
	blocker_init(&bl, c, OP_SEND, sv[0], out, LEN, 0);
	if (pthread_create(&t, NULL, blocker_thread, &bl) != 0) {
		free(out);
		free(in);
		CT_TRUE(c, !"pthread_create");
	}
	ct_wait_sleeping(&bl.tid);
	while (got < LEN) {
		n = ct_rcv(c, sv[1], in + got, LEN - got, 0);
		if (n <= 0)
			break;
		got += (unsigned long)n;
	}
	pthread_join(t, NULL);
	CT_CHECK_EQ(c, bl.ret, LEN);
	CT_CHECK_EQ(c, got, LEN);
	CT_CHECK_TRUE(c, memcmp(in, out, LEN) == 0);
	free(out);
	free(in);
}

/* Fills sv[0]'s path to sv[1] with nonblocking sends; 0 or -errno. */
static long fill_stream(struct ct_ctx *c, int fd)
{
	static const char chunk[4096];
	long r;
	int i;

	for (i = 0; i < 100000; i++) {
		r = ct_snd(c, fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
	}
	return -ENOBUFS;
}

/* A blocking send on a full stream times out with SO_SNDTIMEO: EAGAIN. */
static void threads_sndtimeo_stream(struct ct_ctx *c)
{
	struct timespec t0;
	int sv[2];
	long ms;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, fill_stream(c, sv[0]), 0);
	CT_EQ(c, ct_set_timeo(c, sv[0], SO_SNDTIMEO, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	/* >= the timeout, less one 4 ms kernel tick of rounding; < 10x. */
	CT_TRUE(c, ms >= 46);
	CT_TRUE(c, ms < 500);
}

/* A sender blocked on a full buffer when the peer closes (with that data
 * unread): the reset is reported, ECONNRESET, and no SIGPIPE. */
static void threads_send_woken_by_peer_close(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, fill_stream(c, sv[0]), 0);
	CT_EQ(c, guard(c, sv[0]), 0);
	blocker_init(&bl, c, OP_SEND, sv[0], "x", 1, 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	ct_untrack(c, sv[1]);
	CT_CHECK_EQ(c, c->b->close(sv[1]), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, -ECONNRESET);
	CT_EQ(c, bl.sigpipe, 0);
}

static void threads_recv_woken_by_peer_close(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	ct_untrack(c, sv[0]);
	CT_CHECK_EQ(c, c->b->close(sv[0]), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 0);
}

static void threads_seqpacket_recv_woken_by_close(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	ct_untrack(c, sv[0]);
	CT_CHECK_EQ(c, c->b->close(sv[0]), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 0);
}

static void threads_recv_woken_by_peer_shutdown(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 0);
	/* The other direction still works. */
	CT_EQ(c, ct_snd(c, sv[1], "x", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 1);
}

/* shutdown(SHUT_RD) from another thread wakes a recv on the same socket. */
static void threads_recv_woken_by_own_shut_rd(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, c->b->shutdown(sv[1], SHUT_RD), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 0);
}

/* MSG_WAITALL gathers writes made while it waits. */
static void threads_waitall_gathers(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, 9, MSG_WAITALL);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, ct_snd(c, sv[0], "ghiJ", 4, 0), 4);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 9);
	CT_TRUE(c, memcmp(buf, "abcdefghi", 9) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
}

/* ---- timeouts ---- */

static void rcvtimeo_case(struct ct_ctx *c, int type)
{
	struct timespec t0;
	char buf[4];
	int sv[2];
	long ms;

	CT_EQ(c, ct_pair(c, type, sv), 0);
	CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	/* >= the timeout, less one 4 ms kernel tick of rounding; < 10x. */
	CT_TRUE(c, ms >= 46);
	CT_TRUE(c, ms < 500);
}

static void threads_rcvtimeo_stream(struct ct_ctx *c)
{
	rcvtimeo_case(c, SOCK_STREAM);
}

static void threads_rcvtimeo_seqpacket(struct ct_ctx *c)
{
	rcvtimeo_case(c, SOCK_SEQPACKET);
}

static void threads_rcvtimeo_dgram(struct ct_ctx *c)
{
	rcvtimeo_case(c, SOCK_DGRAM);
}

/* ---- integrity ---- */

/* One direction of a byte stream: a writer thread and a reader thread. */
struct flow {
	struct ct_ctx *c;
	int wfd, rfd;
	unsigned seed;
	size_t total;
	unsigned char *wbuf, *rbuf;
	size_t got;
	long werr, rerr;
};

/* Writes wbuf in pieces of 1 byte .. 200 KiB by send, write and writev,
 * then shuts down writing. */
static void *flow_writer(void *arg)
{
	struct flow *f = arg;
	const struct ct_backend *b = f->c->b;
	unsigned s = f->seed * 7 + 1;
	size_t off = 0;

	while (off < f->total) {
		size_t n = rnd_size(&s, 200 * 1024);
		long r;

		if (n > f->total - off)
			n = f->total - off;
		switch (rnd(&s) % 3) {
		case 0:
			r = b->sendto(f->wfd, f->wbuf + off, n, 0, NULL, 0);
			break;
		case 1:
			r = b->write(f->wfd, f->wbuf + off, n);
			break;
		default: {
			struct iovec v[2] = { { f->wbuf + off, n / 2 },
					      { f->wbuf + off + n / 2, n - n / 2 } };
			r = b->writev(f->wfd, v, 2);
		}
		}
		if (r <= 0) {
			f->werr = r ? r : -EIO;
			return NULL;
		}
		off += (size_t)r;
	}
	f->werr = b->shutdown(f->wfd, SHUT_WR);
	return NULL;
}

/* Reads with random sizes (and calls) until EOF. */
static void *flow_reader(void *arg)
{
	struct flow *f = arg;
	const struct ct_backend *b = f->c->b;
	unsigned s = f->seed * 13 + 5;

	for (;;) {
		size_t n = rnd_size(&s, 64 * 1024);
		long r;

		if (n > f->total + 1 - f->got)
			n = f->total + 1 - f->got; /* room for one extra byte */
		switch (rnd(&s) % 3) {
		case 0:
			r = b->recvfrom(f->rfd, f->rbuf + f->got, n, 0, NULL, NULL);
			break;
		case 1:
			r = b->read(f->rfd, f->rbuf + f->got, n);
			break;
		default: {
			struct iovec v[2] = { { f->rbuf + f->got, n / 3 },
					      { f->rbuf + f->got + n / 3, n - n / 3 } };
			r = b->readv(f->rfd, v, 2);
		}
		}
		if (r < 0) {
			f->rerr = r;
			return NULL;
		}
		if (r == 0)
			return NULL;
		f->got += (size_t)r;
		if (f->got > f->total) {
			f->rerr = -E2BIG;
			return NULL;
		}
	}
}

/* Runs nflows flows concurrently (a writer and a reader thread each) and
 * checks every byte by hash. */
static void run_flows(struct ct_ctx *c, struct flow *fl, int nflows)
{
	pthread_t t[2 * MAX_THREADS];
	int started = 0, i;

	for (i = 0; i < nflows; i++) {
		fl[i].c = c;
		fl[i].wbuf = malloc(fl[i].total);
		fl[i].rbuf = malloc(fl[i].total + 1);
		if (!fl[i].wbuf || !fl[i].rbuf) {
			ct_fail(c, __FILE__, __LINE__, "out of memory");
			goto out;
		}
		ct_fill(fl[i].wbuf, fl[i].total, fl[i].seed);
	}
	for (i = 0; i < nflows; i++) {
		if (pthread_create(&t[started], NULL, flow_reader, &fl[i]) != 0)
			break;
		started++;
		if (pthread_create(&t[started], NULL, flow_writer, &fl[i]) != 0)
			break;
		started++;
	}
	CT_CHECK_EQ(c, started, 2 * nflows);
	/* A reader whose writer never started would wait for its guard
	 * timeout; shut down the writing end to end it sooner. */
	if (started < 2 * nflows)
		for (i = started / 2; i < nflows; i++)
			(void)c->b->shutdown(fl[i].wfd, SHUT_WR);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < nflows && started == 2 * nflows; i++) {
		CT_CHECK_EQ(c, fl[i].werr, 0);
		CT_CHECK_EQ(c, fl[i].rerr, 0);
		CT_CHECK_EQ(c, fl[i].got, fl[i].total);
		if (fl[i].got == fl[i].total)
			CT_CHECK_EQ(c, ct_hash(fl[i].rbuf, fl[i].got, 0),
				    ct_hash(fl[i].wbuf, fl[i].total, 0));
	}
out:
	for (i = 0; i < nflows; i++) {
		free(fl[i].wbuf);
		free(fl[i].rbuf);
	}
}

/* Three stream socketpairs at once, one direction each. */
static void threads_integrity_stream_pairs(struct ct_ctx *c)
{
	struct flow fl[3];
	int sv[2], i;

	memset(fl, 0, sizeof(fl));
	for (i = 0; i < 3; i++) {
		CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
		CT_EQ(c, guard(c, sv[0]), 0);
		CT_EQ(c, guard(c, sv[1]), 0);
		fl[i].wfd = sv[0];
		fl[i].rfd = sv[1];
		fl[i].seed = 100 + (unsigned)i;
		fl[i].total = 1500 * 1024 + (size_t)i * 7777;
	}
	run_flows(c, fl, 3);
}

/* Two listen/connect connections, both directions of each at once. */
static void threads_integrity_stream_listen(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct flow fl[4];
	unsigned al;
	long l, cl, sv;
	int i;

	memset(fl, 0, sizeof(fl));
	CT_OK(c, l, mk_listener(c, SOCK_STREAM, "l", 4, &a, &al));
	for (i = 0; i < 2; i++) {
		CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_OK(c, sv, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
		CT_EQ(c, guard(c, (int)cl), 0);
		CT_EQ(c, guard(c, (int)sv), 0);
		fl[2 * i].wfd = (int)cl;
		fl[2 * i].rfd = (int)sv;
		fl[2 * i + 1].wfd = (int)sv;
		fl[2 * i + 1].rfd = (int)cl;
	}
	for (i = 0; i < 4; i++) {
		fl[i].seed = 200 + (unsigned)i;
		fl[i].total = 1024 * 1024 + (size_t)i * 333;
	}
	run_flows(c, fl, 4);
}

/* Messages: n of them, sizes 1..max from seed, each checked by length,
 * hash and order. */
struct msgflow {
	struct ct_ctx *c;
	int wfd, rfd;
	unsigned seed;
	int n;
	size_t max;
	long werr, rerr;
	int bad; /* index + 1 of the first wrong message */
};

static size_t msg_size(unsigned seed, int i, size_t max)
{
	unsigned s = seed * 31 + (unsigned)i * 2654435761u + 1;

	rnd(&s);
	return rnd_size(&s, max);
}

static void *msg_writer(void *arg)
{
	struct msgflow *f = arg;
	unsigned char *buf = malloc(f->max);
	int i;

	if (!buf) {
		f->werr = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < f->n; i++) {
		size_t n = msg_size(f->seed, i, f->max);
		long r;

		ct_fill(buf, n, f->seed * 1000 + (unsigned)i);
		r = f->c->b->sendto(f->wfd, buf, n, 0, NULL, 0);
		if (r != (long)n) {
			f->werr = r < 0 ? r : -EIO;
			break;
		}
	}
	free(buf);
	return NULL;
}

static void *msg_reader(void *arg)
{
	struct msgflow *f = arg;
	unsigned char *buf = malloc(f->max + 1), *want = malloc(f->max);
	int i;

	if (!buf || !want) {
		f->rerr = -ENOMEM;
		goto out;
	}
	for (i = 0; i < f->n; i++) {
		size_t n = msg_size(f->seed, i, f->max);
		long r = f->c->b->recvfrom(f->rfd, buf, f->max + 1, 0, NULL, NULL);

		if (r < 0) {
			f->rerr = r;
			break;
		}
		ct_fill(want, n, f->seed * 1000 + (unsigned)i);
		if ((size_t)r != n || ct_hash(buf, n, 0) != ct_hash(want, n, 0)) {
			f->bad = i + 1;
			break;
		}
	}
out:
	free(buf);
	free(want);
	return NULL;
}

static void run_msgflows(struct ct_ctx *c, struct msgflow *fl, int nflows)
{
	pthread_t t[2 * MAX_THREADS];
	int started = 0, i;

	for (i = 0; i < nflows; i++) {
		fl[i].c = c;
		if (pthread_create(&t[started], NULL, msg_reader, &fl[i]) != 0)
			break;
		started++;
		if (pthread_create(&t[started], NULL, msg_writer, &fl[i]) != 0)
			break;
		started++;
	}
	CT_CHECK_EQ(c, started, 2 * nflows);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < nflows && started == 2 * nflows; i++) {
		CT_CHECK_EQ(c, fl[i].werr, 0);
		CT_CHECK_EQ(c, fl[i].rerr, 0);
		CT_CHECK_EQ(c, fl[i].bad, 0);
	}
}

static void msg_integrity(struct ct_ctx *c, int type, size_t max, int n)
{
	struct msgflow fl[2];
	int sv[2], i;

	memset(fl, 0, sizeof(fl));
	for (i = 0; i < 2; i++) {
		CT_EQ(c, ct_pair(c, type, sv), 0);
		CT_EQ(c, guard(c, sv[0]), 0);
		CT_EQ(c, guard(c, sv[1]), 0);
		fl[i].wfd = sv[i];
		fl[i].rfd = sv[1 - i];
		fl[i].seed = 300 + (unsigned)i + (unsigned)type * 10;
		fl[i].n = n;
		fl[i].max = max;
	}
	run_msgflows(c, fl, 2);
}

static void threads_integrity_seqpacket(struct ct_ctx *c)
{
	msg_integrity(c, SOCK_SEQPACKET, 64 * 1024, 300);
}

static void threads_integrity_dgram(struct ct_ctx *c)
{
	msg_integrity(c, SOCK_DGRAM, 16 * 1024, 300);
}

/* Several threads send on one dgram socket to one receiver (a receiver
 * not connected back, so the queue-length limit makes senders block):
 * every message arrives exactly once, each thread's in its order. */
enum { MS_THREADS = 4, MS_PER_THREAD = 150 };

struct msender {
	struct ct_ctx *c;
	int fd, id;
	long err;
};

static void *msender_thread(void *arg)
{
	struct msender *m = arg;
	unsigned char buf[64];
	int i;

	for (i = 0; i < MS_PER_THREAD; i++) {
		size_t n = 5 + (size_t)(i % 50);
		long r;

		ct_fill(buf, sizeof(buf), (unsigned)(m->id * 10000 + i));
		buf[0] = (unsigned char)m->id;
		memcpy(buf + 1, &i, sizeof(i));
		r = m->c->b->sendto(m->fd, buf, n, 0, NULL, 0);
		if (r != (long)n) {
			m->err = r < 0 ? r : -EIO;
			break;
		}
	}
	return NULL;
}

static void threads_dgram_many_senders(struct ct_ctx *c)
{
	struct msender ms[MS_THREADS];
	pthread_t t[MS_THREADS];
	int next[MS_THREADS] = { 0 };
	unsigned char buf[128], want[64];
	struct sockaddr_un a;
	unsigned al;
	int started = 0, i, total = 0, bad = 0;
	long r, s;

	CT_OK(c, r, CT_FD(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	al = ct_abstract(c, &a, "many");
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_EQ(c, guard(c, (int)r), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_EQ(c, guard(c, (int)s), 0);
	for (i = 0; i < MS_THREADS; i++) {
		ms[i].c = c;
		ms[i].fd = (int)s;
		ms[i].id = i;
		ms[i].err = 0;
		if (pthread_create(&t[i], NULL, msender_thread, &ms[i]) != 0)
			break;
		started++;
	}
	CT_CHECK_EQ(c, started, MS_THREADS);
	while (total < started * MS_PER_THREAD && !bad) {
		int id, seq;
		long n = ct_rcv(c, (int)r, buf, sizeof(buf), 0);

		if (n < 5) {
			CT_CHECK_TRUE(c, n >= 5);
			break;
		}
		id = buf[0];
		memcpy(&seq, buf + 1, sizeof(seq));
		if (id >= started || seq != next[id] || n != 5 + seq % 50) {
			bad = 1;
			break;
		}
		ct_fill(want, sizeof(want), (unsigned)(id * 10000 + seq));
		if (memcmp(buf + 5, want + 5, (size_t)n - 5) != 0)
			bad = 1;
		next[id]++;
		total++;
	}
	/* On failure, drain so that blocked senders finish (or time out). */
	while (bad && ct_rcv(c, (int)r, buf, sizeof(buf), 0) > 0)
		;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CT_EQ(c, bad, 0);
	for (i = 0; i < started; i++) {
		CT_EQ(c, ms[i].err, 0);
		CT_EQ(c, next[i], MS_PER_THREAD);
	}
	CT_EQ(c, ct_rcv(c, (int)r, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

const struct ct_case ct_cases_threads[] = {
	{ "threads_recv_woken_by_send", threads_recv_woken_by_send },
	{ "threads_seqpacket_recv_woken_by_send", threads_seqpacket_recv_woken_by_send },
	{ "threads_dgram_recv_woken_by_send", threads_dgram_recv_woken_by_send },
	{ "threads_accept_woken_by_connect", threads_accept_woken_by_connect },
	{ "threads_accept_woken_by_shutdown", threads_accept_woken_by_shutdown },
	{ "threads_connect_released_by_accept", threads_connect_released_by_accept },
	{ "threads_send_released_by_reader", threads_send_released_by_reader },
	{ "threads_sndtimeo_stream", threads_sndtimeo_stream },
	{ "threads_send_woken_by_peer_close", threads_send_woken_by_peer_close },
	{ "threads_recv_woken_by_peer_close", threads_recv_woken_by_peer_close },
	{ "threads_seqpacket_recv_woken_by_close", threads_seqpacket_recv_woken_by_close },
	{ "threads_recv_woken_by_peer_shutdown", threads_recv_woken_by_peer_shutdown },
	{ "threads_recv_woken_by_own_shut_rd", threads_recv_woken_by_own_shut_rd },
	{ "threads_waitall_gathers", threads_waitall_gathers },
	{ "threads_rcvtimeo_stream", threads_rcvtimeo_stream },
	{ "threads_rcvtimeo_seqpacket", threads_rcvtimeo_seqpacket },
	{ "threads_rcvtimeo_dgram", threads_rcvtimeo_dgram },
	{ "threads_integrity_stream_pairs", threads_integrity_stream_pairs },
	{ "threads_integrity_stream_listen", threads_integrity_stream_listen },
	{ "threads_integrity_seqpacket", threads_integrity_seqpacket },
	{ "threads_integrity_dgram", threads_integrity_dgram },
	{ "threads_dgram_many_senders", threads_dgram_many_senders },
	{ 0 },
};

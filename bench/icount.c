/*
 * icount.c - ksock's hot paths, one at a time, for counting instructions
 * per operation under callgrind (bench/icount.sh runs it).
 *
 * Usage: icount [K]   (K operations per path, default 20000)
 *
 * For each path: set up (sockets, names), run the operation K/10 times to
 * warm up (first-use allocations, caches), zero callgrind's counters, run
 * it K times, and dump the counters under the path's name
 * (CALLGRIND_DUMP_STATS_AT), then tear down. Instruction counts are
 * repeatable where timings are not, so a regression shows as a number.
 * Outside valgrind the client requests do nothing: the driver then only
 * checks that every operation succeeds (the smoke run does that) and
 * prints the time per operation.
 *
 * Only ksock: there is nothing to compare with (callgrind does not see
 * the Linux kernel). One thread, no blocking: every operation finds its
 * data or its connection already there (ksock's TCP on loopback carries
 * each segment to its peer inside the call that sent it, so connect
 * returns established and the data is there for recv).
 *
 * TCP connections leave a TIME-WAIT each, and ksock's lookups walk every
 * TCP socket (src/inet/sock_tcp.c), so a count with the TIME-WAITs piling
 * up would grow with K. The connection path therefore ends them
 * (ks_inet_tcp_expire) every IC_TCP_EXPIRE operations with callgrind's
 * collection off: its figure is the path with at most that many
 * TIME-WAITs around. docs/performance.md has how it grows with more.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ksock/ksock.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define HAVE_CALLGRIND 0
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name) ((void)(name))
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define NOINLINE __attribute__((noinline))

/* TCP connection path: TIME-WAITs ended every this many operations. */
#define IC_TCP_EXPIRE 64

/* State shared by an operation's set-up, body and tear-down. */
struct ic_state {
	int a, b;     /* a connected pair */
	int lfd;      /* a listener */
	struct sockaddr_un addr;
	unsigned addrlen;
	struct sockaddr_in sin_b; /* UDP: b's address; TCP: the listener's */
	long nops;    /* TCP connection path: operations since the last expiry */
	char dir[64]; /* pathname case: a scratch directory */
	char buf[64];
	long n; /* operations so far (the queued paths) */
};

struct ic_op {
	const char *name;
	int (*setup)(struct ic_state *s);
	long (*op)(struct ic_state *s); /* one operation: 0 or -errno */
	void (*teardown)(struct ic_state *s);
};

/* ---- set-ups ---- */

static int pair_setup(struct ic_state *s, int type)
{
	int sv[2];
	long err = ks_sys_socketpair(AF_UNIX, type, 0, sv);

	s->a = sv[0];
	s->b = sv[1];
	memset(s->buf, 'x', sizeof(s->buf));
	return (int)err;
}

static int stream_setup(struct ic_state *s)
{
	return pair_setup(s, SOCK_STREAM);
}

static int seqpacket_setup(struct ic_state *s)
{
	return pair_setup(s, SOCK_SEQPACKET);
}

static int dgram_setup(struct ic_state *s)
{
	return pair_setup(s, SOCK_DGRAM);
}

/* Two UDP sockets bound to 127.0.0.1 port 0; a sends to b's port. */
static int udp_setup(struct ic_state *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fds[2];
	long err = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(s->buf, 'x', sizeof(s->buf));
	for (int i = 0; i < 2; i++) {
		long fd = ks_sys_socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0) {
			if (i)
				ks_sys_close(fds[0]);
			return (int)fd;
		}
		fds[i] = (int)fd;
		if (!err)
			err = ks_sys_bind(fds[i], (struct ks_sockaddr *)&sin, sizeof(sin));
	}
	s->a = fds[0];
	s->b = fds[1];
	unsigned len = sizeof(s->sin_b);
	if (!err)
		err = ks_sys_getsockname(s->b, (struct ks_sockaddr *)&s->sin_b, &len);
	if (err) {
		ks_sys_close(s->a);
		ks_sys_close(s->b);
	}
	return (int)err;
}

/* A TCP listener on 127.0.0.1 port 0 (s->lfd, its address in s->sin_b). */
static int tcp_listen_on(struct ic_state *s, int nodelay)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	unsigned len = sizeof(s->sin_b);
	int one = 1;
	long fd = ks_sys_socket(AF_INET, SOCK_STREAM, 0), err = 0;

	if (fd < 0)
		return (int)fd;
	s->lfd = (int)fd;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (nodelay)
		err = ks_sys_setsockopt(s->lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!err)
		err = ks_sys_bind(s->lfd, (struct ks_sockaddr *)&sin, sizeof(sin));
	if (!err)
		err = ks_sys_listen(s->lfd, 128);
	if (!err)
		err = ks_sys_getsockname(s->lfd, (struct ks_sockaddr *)&s->sin_b, &len);
	if (err)
		ks_sys_close(s->lfd);
	return (int)err;
}

/* An established TCP pair on 127.0.0.1 with TCP_NODELAY on both ends (a
 * connects, b is accepted); the listener is closed again. */
static int tcp_pair_setup(struct ic_state *s)
{
	int one = 1;
	long c, a = -1, err = tcp_listen_on(s, 1);

	if (err)
		return (int)err;
	memset(s->buf, 'x', sizeof(s->buf));
	c = ks_sys_socket(AF_INET, SOCK_STREAM, 0);
	err = c < 0 ? c : ks_sys_setsockopt((int)c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!err)
		err = ks_sys_connect((int)c, (struct ks_sockaddr *)&s->sin_b, sizeof(s->sin_b));
	if (!err) {
		a = ks_sys_accept(s->lfd, NULL, NULL);
		err = a < 0 ? a : 0;
	}
	ks_sys_close(s->lfd);
	if (err) {
		if (c >= 0)
			ks_sys_close((int)c);
		return (int)err;
	}
	s->a = (int)c;
	s->b = (int)a;
	return 0;
}

static int tcp_listen_setup(struct ic_state *s)
{
	return tcp_listen_on(s, 0);
}

static void pair_teardown(struct ic_state *s)
{
	ks_sys_close(s->a);
	ks_sys_close(s->b);
}

/* Closes a TCP pair and ends the TIME-WAIT it leaves. */
static void tcp_pair_teardown(struct ic_state *s)
{
	pair_teardown(s);
	(void)ks_inet_tcp_expire(); /* for the leak check at the end */
}

static void tcp_listen_teardown(struct ic_state *s)
{
	ks_sys_close(s->lfd);
	(void)ks_inet_tcp_expire(); /* for the leak check at the end */
}

static int none_setup(struct ic_state *s)
{
	(void)s;
	return 0;
}

static void none_teardown(struct ic_state *s)
{
	(void)s;
}

static int listen_on(struct ic_state *s)
{
	long fd = ks_sys_socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return (int)fd;
	s->lfd = (int)fd;
	long err = ks_sys_bind(s->lfd, (struct ks_sockaddr *)&s->addr, s->addrlen);
	if (!err)
		err = ks_sys_listen(s->lfd, 128);
	if (err)
		ks_sys_close(s->lfd);
	return (int)err;
}

static int abstract_setup(struct ic_state *s)
{
	memset(&s->addr, 0, sizeof(s->addr));
	s->addr.sun_family = AF_UNIX;
	int n = snprintf(s->addr.sun_path + 1, sizeof(s->addr.sun_path) - 1, "ksock-icount-%d",
			 (int)getpid());
	s->addrlen = (unsigned)(offsetof(struct sockaddr_un, sun_path) + 1 + (unsigned)n);
	return listen_on(s);
}

static int path_setup(struct ic_state *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/ksock-icount.XXXXXX");
	if (!mkdtemp(s->dir))
		return -errno;
	memset(&s->addr, 0, sizeof(s->addr));
	s->addr.sun_family = AF_UNIX;
	int n = snprintf(s->addr.sun_path, sizeof(s->addr.sun_path), "%s/l", s->dir);
	s->addrlen = (unsigned)(offsetof(struct sockaddr_un, sun_path) + (unsigned)n + 1);
	int err = listen_on(s);
	if (err)
		rmdir(s->dir);
	return err;
}

static void listen_teardown(struct ic_state *s)
{
	ks_sys_close(s->lfd);
	if (s->addr.sun_path[0]) {
		unlink(s->addr.sun_path);
		rmdir(s->dir);
	}
}

/* ---- the operations ---- */

static long NOINLINE op_stream_64(struct ic_state *s)
{
	if (ks_sys_write(s->a, s->buf, 64) != 64 || ks_sys_read(s->b, s->buf, 64) != 64)
		return -EIO;
	return 0;
}

/* The one-CPU benchmark's pattern: the writer runs ahead of the reader.
 * Each operation writes 64 B; every 16th reads the 16 messages queued. */
#define IC_BATCH 16
static long NOINLINE op_stream_64_queued(struct ic_state *s)
{
	if (ks_sys_write(s->a, s->buf, 64) != 64)
		return -EIO;
	if (++s->n % IC_BATCH)
		return 0;
	for (int i = 0; i < IC_BATCH; i++)
		if (ks_sys_read(s->b, s->buf, 64) != 64)
			return -EIO;
	return 0;
}

static long NOINLINE op_msg_64_queued(struct ic_state *s)
{
	if (ks_sys_sendto(s->a, s->buf, 64, 0, NULL, 0) != 64)
		return -EIO;
	if (++s->n % IC_BATCH)
		return 0;
	for (int i = 0; i < IC_BATCH; i++)
		if (ks_sys_recvfrom(s->b, s->buf, 64, 0, NULL, NULL) != 64)
			return -EIO;
	return 0;
}

static long NOINLINE op_msg_64(struct ic_state *s)
{
	if (ks_sys_sendto(s->a, s->buf, 64, 0, NULL, 0) != 64 ||
	    ks_sys_recvfrom(s->b, s->buf, 64, 0, NULL, NULL) != 64)
		return -EIO;
	return 0;
}

/* sendto b's 127.0.0.1 port, recvfrom with the source address: the
 * bench's udp-64 case, in one thread. */
static long NOINLINE op_udp_64(struct ic_state *s)
{
	struct sockaddr_in from;
	unsigned flen = sizeof(from);

	if (ks_sys_sendto(s->a, s->buf, 64, 0, (struct ks_sockaddr *)&s->sin_b,
			  sizeof(s->sin_b)) != 64 ||
	    ks_sys_recvfrom(s->b, s->buf, 64, 0, (struct ks_sockaddr *)&from, &flen) != 64)
		return -EIO;
	return 0;
}

static long NOINLINE op_socket_close(struct ic_state *s)
{
	long fd = ks_sys_socket(AF_UNIX, SOCK_STREAM, 0);

	(void)s;
	return fd < 0 ? fd : ks_sys_close((int)fd);
}

static long NOINLINE op_socketpair_close(struct ic_state *s)
{
	int sv[2];
	long err = ks_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv);

	(void)s;
	if (err)
		return err;
	err = ks_sys_close(sv[0]);
	return ks_sys_close(sv[1]) ? -EIO : err;
}

static long NOINLINE op_connect_accept_close(struct ic_state *s)
{
	long c = ks_sys_socket(AF_UNIX, SOCK_STREAM, 0), a, err;

	if (c < 0)
		return c;
	err = ks_sys_connect((int)c, (struct ks_sockaddr *)&s->addr, s->addrlen);
	a = err ? err : ks_sys_accept(s->lfd, NULL, NULL);
	ks_sys_close((int)c);
	if (a < 0)
		return a;
	return ks_sys_close((int)a);
}

/* TCP: socket, connect to the listener on 127.0.0.1, accept, close the
 * connecting end, then the accepted one (the connecting end goes to
 * TIME-WAIT); the TIME-WAITs are ended every IC_TCP_EXPIRE operations,
 * not counted (see the file header). */
static long NOINLINE op_tcp_connect_accept_close(struct ic_state *s)
{
	long c = ks_sys_socket(AF_INET, SOCK_STREAM, 0), a, err;

	if (c < 0)
		return c;
	err = ks_sys_connect((int)c, (struct ks_sockaddr *)&s->sin_b, sizeof(s->sin_b));
	a = err ? err : ks_sys_accept(s->lfd, NULL, NULL);
	ks_sys_close((int)c);
	if (a < 0)
		return a;
	err = ks_sys_close((int)a);
	if (++s->nops == IC_TCP_EXPIRE) {
		CALLGRIND_TOGGLE_COLLECT;
		(void)ks_inet_tcp_expire(); /* how many does not matter */
		CALLGRIND_TOGGLE_COLLECT;
		s->nops = 0;
	}
	return err;
}

static const struct ic_op ops[] = {
	{ "stream 64 B write+read", stream_setup, op_stream_64, pair_teardown },
	{ "seqpacket 64 B send+recv", seqpacket_setup, op_msg_64, pair_teardown },
	{ "dgram 64 B send+recv", dgram_setup, op_msg_64, pair_teardown },
	{ "stream 64 B write+read, 16 queued", stream_setup, op_stream_64_queued, pair_teardown },
	{ "seqpacket 64 B send+recv, 16 queued", seqpacket_setup, op_msg_64_queued,
	  pair_teardown },
	{ "dgram 64 B send+recv, 16 queued", dgram_setup, op_msg_64_queued, pair_teardown },
	{ "udp 64 B sendto+recvfrom, loopback", udp_setup, op_udp_64, pair_teardown },
	{ "socket+close", none_setup, op_socket_close, none_teardown },
	{ "socketpair+2 closes", none_setup, op_socketpair_close, none_teardown },
	{ "connect+accept+2 closes, abstract", abstract_setup, op_connect_accept_close,
	  listen_teardown },
	{ "connect+accept+2 closes, pathname", path_setup, op_connect_accept_close,
	  listen_teardown },
	/* op_msg_64 on an established pair (TCP_NODELAY: the write goes
	 * out at once). */
	{ "tcp 64 B send+recv, loopback, NODELAY", tcp_pair_setup, op_msg_64, tcp_pair_teardown },
	{ "tcp connect+accept+2 closes, loopback", tcp_listen_setup, op_tcp_connect_accept_close,
	  tcp_listen_teardown },
};

static long NOINLINE run_ops(const struct ic_op *o, struct ic_state *s, long k)
{
	for (long i = 0; i < k; i++) {
		long err = o->op(s);
		if (err)
			return err;
	}
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long k = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	int failed = 0;

	if (k < 1 || k > 100000000) {
		fprintf(stderr, "usage: icount [K]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct ic_state s;
		long err;
		double t;

		memset(&s, 0, sizeof(s));
		err = ops[i].setup(&s);
		if (err) {
			fprintf(stderr, "icount: %s: set-up: %s\n", ops[i].name, strerror((int)-err));
			failed++;
			continue;
		}
		err = run_ops(&ops[i], &s, k / 10 + 1);
		if (!err) {
			CALLGRIND_ZERO_STATS;
			t = now_ns();
			err = run_ops(&ops[i], &s, k);
			t = now_ns() - t;
			CALLGRIND_DUMP_STATS_AT(ops[i].name);
		}
		ops[i].teardown(&s);
		if (err) {
			fprintf(stderr, "icount: %s: %s\n", ops[i].name, strerror((int)-err));
			failed++;
			continue;
		}
		printf("%-36s %8.0f ns/op%s\n", ops[i].name, t / (double)k,
		       HAVE_CALLGRIND ? "" : " (built without valgrind/callgrind.h)");
	}
	struct ks_stats st;
	ks_stats_get(&st);
	if (st.sockets_live != 0) {
		fprintf(stderr, "icount: %ld sockets left over\n", st.sockets_live);
		failed++;
	}
	return failed ? 1 : 0;
}

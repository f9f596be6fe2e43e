/*
 * cases_conn.c - the control-path cases: connect+accept+close rate over
 * pathname and abstract names and over TCP on 127.0.0.1, socket+close and
 * socketpair+close rates, and the memory an idle connected pair holds.
 *
 * Connection rate: a listener (backlog 128) is bound before the timed part;
 * a client thread loops socket, connect, close; a server thread loops
 * accept, close. The client publishes its total and makes one last
 * connection, so the server knows when it has accepted everything; the
 * figure is connections / (server's end - client's start).
 *
 * TCP connection rate: the same loops over AF_INET stream sockets, the
 * listener bound to 127.0.0.1 port 0 (a new port every run; backlog
 * CONN_TCP_BACKLOG), the client taking an ephemeral port per connection.
 * Every close is a full FIN exchange (no SO_LINGER), so each connection
 * leaves one TIME-WAIT, at the end that closed first (the client, unless
 * the server got to its close first, which happens on one CPU), and both
 * backends keep it 60 s: the cost of TIME-WAITs piling up during a run is
 * part of the figure on both sides, as a busy server would see it.
 * Ephemeral ports come from 32768-60999 on both (Linux's default
 * ip_local_port_range, ksock's KS_INET_EPHEMERAL_LOW/HIGH); what differs
 * is reuse. Linux's connect may take a port another connection holds when
 * the destination differs (each run has a new listener port), or one whose
 * loopback TIME-WAIT is more than a second old (net.ipv4.tcp_tw_reuse = 2,
 * the default), so it needs neither SO_LINGER {1, 0} nor a wider range:
 * one run would have to pass 28232 connections in a second. ksock's
 * connect takes only a port no TCP socket holds, TIME-WAITs included, so
 * it would fail with EAGAIN after 28232 connections: the client counts
 * them and, on ksock only, ends its TIME-WAITs (ks_inet_tcp_expire, through
 * bench_backend.tcp_expire) before the count reaches CONN_TCP_EXPIRE_AT;
 * the time that takes is left out of the figure. A 300 ms run of ksock
 * does not come near it today. After every run (untimed) ksock's
 * TIME-WAITs are ended too, for the runner's leak check; Linux's live on
 * in its kernel.
 *
 * Creation rates run one thread pinned to r->cpu_a. The memory case: see
 * bench_idle_pair_memory.
 *
 * No call here has a per-call timeout except accept (SO_RCVTIMEO on the
 * listener): setting one on every new socket would add a call to the loop
 * being measured. The runner's watchdog ends a run that hangs.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BENCH_MAX_OPS (1L << 30)

/* TCP: the listener's backlog (a SYN that finds the accept queue full is
 * dropped and sent again a second later, on both backends: room for the
 * client to run ahead of the server on one CPU), and the connections after
 * which ksock's TIME-WAITs are ended (see the file header). */
#define CONN_TCP_BACKLOG 1024
#define CONN_TCP_EXPIRE_AT 24576

struct conn {
	const struct bench_backend *b;
	int lfd;    /* the listener */
	int domain; /* AF_UNIX or AF_INET */
	union {
		struct sockaddr_un un;
		struct sockaddr_in in;
	} addr;
	unsigned addrlen;
	uint64_t duration_ns;
	uint64_t t0, t1;
	uint64_t paused_ns; /* TCP on ksock: time spent expiring TIME-WAITs */
	long total; /* connections the client made, published with release */
};

/* The address of measurement seq: "<dir>/<backend>-<seq>" or the abstract
 * "\0ksock-bench-<pid>-<backend>-<seq>". */
static unsigned conn_addr(struct sockaddr_un *a, const struct bench_backend *b,
			  const struct bench_run *r, int abstract)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "ksock-bench-%d-%s-%d",
			     (int)getpid(), b->name, r->seq);
		return (unsigned)(offsetof(struct sockaddr_un, sun_path) + 1 + (unsigned)n);
	}
	n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s-%d", r->dir, b->name, r->seq);
	return (unsigned)(offsetof(struct sockaddr_un, sun_path) + (unsigned)n + 1);
}

/* TCP on ksock only, between batches of 8: ends the TIME-WAITs before
 * the ephemeral ports run out (see the file header), off the clock. */
static void conn_expire(struct conn *c, long count, long *since)
{
	if (c->domain != AF_INET || !c->b->tcp_expire || count - *since < CONN_TCP_EXPIRE_AT)
		return;
	uint64_t t = bench_now_ns();
	(void)c->b->tcp_expire(); /* how many does not matter */
	c->paused_ns += bench_now_ns() - t;
	*since = count;
}

static int conn_client(void *arg)
{
	struct conn *c = arg;
	uint64_t deadline;
	long count = 0, since = 0, err = 0;

	c->t0 = bench_now_ns();
	deadline = c->t0 + c->duration_ns;
	for (;;) {
		int last = count >= BENCH_MAX_OPS || ((count & 7) == 0 && bench_now_ns() >= deadline);
		if ((count & 7) == 0)
			conn_expire(c, count, &since);
		if (last) /* the server stops after the connection it is about to get */
			__atomic_store_n(&c->total, count + 1, __ATOMIC_RELEASE);
		long fd = c->b->socket(c->domain, SOCK_STREAM, 0);
		if (fd < 0)
			return (int)fd;
		err = c->b->connect((int)fd, &c->addr, c->addrlen);
		long cerr = c->b->close((int)fd);
		if (err || cerr)
			break;
		count++;
		if (last)
			return 0;
	}
	/* Failed: let the server's accept time out rather than wait for more. */
	return (int)(err ? err : -EIO);
}

static int conn_server(void *arg)
{
	struct conn *c = arg;

	for (long accepted = 0; accepted < BENCH_MAX_OPS;) {
		long fd = c->b->accept(c->lfd);
		if (fd < 0)
			return (int)fd;
		long err = c->b->close((int)fd);
		if (err)
			return (int)err;
		if (++accepted == __atomic_load_n(&c->total, __ATOMIC_ACQUIRE)) {
			c->t1 = bench_now_ns();
			return 0;
		}
	}
	return -E2BIG;
}

/* Connections per second (thousands), r->arg: 0 pathname, 1 abstract. */
int bench_conn_rate(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct conn c = { .b = b, .domain = AF_UNIX, .duration_ns = r->duration_ns };
	long err, fd;

	c.addrlen = conn_addr(&c.addr.un, b, r, (int)r->arg);
	if (!r->arg)
		unlink(c.addr.un.sun_path);
	fd = b->socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return (int)fd;
	c.lfd = (int)fd;
	err = bench_set_timeouts(b, c.lfd);
	if (!err)
		err = b->bind(c.lfd, &c.addr, c.addrlen);
	if (!err)
		err = b->listen(c.lfd, 128);
	if (!err)
		err = bench_run_threads(conn_client, conn_server, &c, r->cpu_a, r->cpu_b);
	long cerr = b->close(c.lfd);
	if (!r->arg)
		unlink(c.addr.un.sun_path);
	if (err || cerr)
		return (int)(err ? err : cerr);
	if (c.t1 <= c.t0)
		return -EPROTO;
	out[0] = (double)c.total * 1e6 / (double)(c.t1 - c.t0);
	return 0;
}

/* TCP connections per second (thousands) on 127.0.0.1. */
int bench_tcp_conn_rate(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct conn c = { .b = b, .domain = AF_INET, .duration_ns = r->duration_ns };
	long err, fd;

	fd = bench_tcp_listener(b, CONN_TCP_BACKLOG, &c.addr.in);
	if (fd < 0)
		return (int)fd;
	c.lfd = (int)fd;
	c.addrlen = sizeof(c.addr.in);
	err = bench_run_threads(conn_client, conn_server, &c, r->cpu_a, r->cpu_b);
	long cerr = b->close(c.lfd);
	if (b->tcp_expire)
		(void)b->tcp_expire(); /* untimed, for the leak check (file header) */
	if (err || cerr)
		return (int)(err ? err : cerr);
	if (c.t1 <= c.t0 + c.paused_ns)
		return -EPROTO;
	out[0] = (double)c.total * 1e6 / (double)(c.t1 - c.t0 - c.paused_ns);
	return 0;
}

/* ---- creation ---- */

struct create {
	const struct bench_backend *b;
	int pair;
	uint64_t duration_ns;
	long count;
	uint64_t ns;
};

static int create_loop(void *arg)
{
	struct create *c = arg;
	uint64_t t0 = bench_now_ns(), deadline = t0 + c->duration_ns;
	long err = 0;

	for (c->count = 0; c->count < BENCH_MAX_OPS; c->count++) {
		if ((c->count & 15) == 0 && bench_now_ns() >= deadline)
			break;
		if (c->pair) {
			int sv[2];
			err = c->b->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
			if (err)
				break;
			long e1 = c->b->close(sv[0]), e2 = c->b->close(sv[1]);
			err = e1 ? e1 : e2;
		} else {
			long fd = c->b->socket(AF_UNIX, SOCK_STREAM, 0);
			if (fd < 0) {
				err = fd;
				break;
			}
			err = c->b->close((int)fd);
		}
		if (err)
			break;
	}
	c->ns = bench_now_ns() - t0;
	return (int)err;
}

static int create_rate(const struct bench_backend *b, const struct bench_run *r, int pair,
		       double *out)
{
	struct create c = { .b = b, .pair = pair, .duration_ns = r->duration_ns };
	int err = bench_run_threads(create_loop, NULL, &c, r->cpu_a, r->cpu_a);

	if (err)
		return err;
	out[0] = (double)c.count * 1e6 / (double)(c.ns ? c.ns : 1);
	return 0;
}

/* Thousands of socket(AF_UNIX, SOCK_STREAM) + close per second. */
int bench_socket_close(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	return create_rate(b, r, 0, out);
}

/* Thousands of socketpair(AF_UNIX, SOCK_STREAM) + two closes per second. */
int bench_socketpair_close(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	return create_rate(b, r, 1, out);
}

/* ---- memory ---- */

struct idle {
	const struct bench_backend *b;
	int n;    /* pairs */
	int *fds; /* 2n */
	double bytes_per_pair;
};

static int pairs_open(struct idle *m)
{
	for (int i = 0; i < m->n; i++) {
		long err = m->b->socketpair(AF_UNIX, SOCK_STREAM, 0, &m->fds[2 * i]);
		if (err) {
			while (--i >= 0) {
				m->b->close(m->fds[2 * i]);
				m->b->close(m->fds[2 * i + 1]);
			}
			return (int)err;
		}
	}
	return 0;
}

static int pairs_close(struct idle *m)
{
	long err = 0;

	for (int i = 0; i < 2 * m->n; i++) {
		long e = m->b->close(m->fds[i]);
		if (!err)
			err = e;
	}
	return (int)err;
}

/* The backend's memory figure once it stopped moving: two readings 20 ms
 * apart within 16 bytes per pair of each other (at most 2 s). */
static long mem_settled(struct idle *m)
{
	long allocs, prev = m->b->mem_bytes(&allocs), cur = prev;

	if (!m->b->mem_settles || prev < 0)
		return prev;
	for (int i = 0; i < 100; i++) {
		usleep(20000);
		cur = m->b->mem_bytes(&allocs);
		if (cur < 0 || labs(cur - prev) <= 16L * m->n)
			break;
		prev = cur;
	}
	return cur;
}

static int idle_run(void *arg)
{
	struct idle *m = arg;
	long before, after, allocs;
	int err;

	/* A first round, not counted, grows what stays grown (the descriptor
	 * tables) and warms the allocators. */
	err = pairs_open(m);
	if (!err)
		err = pairs_close(m);
	if (err)
		return err;
	before = mem_settled(m);
	if (before < 0)
		return (int)before;
	err = pairs_open(m);
	if (err)
		return err;
	after = m->b->mem_bytes(&allocs);
	err = pairs_close(m);
	if (after < 0)
		return (int)after;
	m->bytes_per_pair = (double)(after - before) / m->n;
	return err;
}

/* KiB per idle connected stream pair (socketpair), from r->pairs pairs. */
int bench_idle_pair_memory(const struct bench_backend *b, const struct bench_run *r,
			   double *out)
{
	struct idle m = { .b = b, .n = r->pairs };
	int err;

	m.fds = malloc(2 * sizeof(int) * (size_t)m.n);
	if (!m.fds)
		return -ENOMEM;
	err = bench_run_threads(idle_run, NULL, &m, r->cpu_a, r->cpu_a);
	free(m.fds);
	if (err)
		return err;
	out[0] = m.bytes_per_pair / 1024;
	return 0;
}

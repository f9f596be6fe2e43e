/*
 * cases_tcp.c - AF_INET SOCK_STREAM (TCP) on loopback, the control path:
 * creation, bind (port conflicts and SO_REUSEADDR), listen and the
 * backlog, accept/accept4, connect (blocking, nonblocking, refused,
 * disconnect with AF_UNSPEC), names, and the TCP-level and IP-level
 * options. The data path, shutdown, close, readiness and urgent data are
 * in cases_tcp_data.c; both files share ct_tcp.h.
 *
 * Every expectation here is what Linux does (man 7 tcp, man 7 ip, man 7
 * socket, and Linux's own sockets in this very run); where it is not
 * obvious a comment says so. Ports are never fixed: sockets bind port 0 and
 * ask getsockname. A "refused" port is held by a socket that is bound but
 * not listening, so no other socket can take it meanwhile.
 *
 * Loopback timing. Linux runs the handshake in the softirq that follows the
 * sending call: a connect to a listener with room is established before
 * connect() returns, also a nonblocking one (which still says EINPROGRESS).
 * A listener whose accept queue is full drops the SYN, and the client
 * stays in SYN_SENT until the retransmission (1 s later): the cases that
 * need a connecting socket use that.
 */
#include "ct_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
	       a->sin_addr.s_addr == b->sin_addr.s_addr;
}

static long set_reuse(struct ct_ctx *c, int fd)
{
	return ct_tcp_setint(c, fd, SOL_SOCKET, SO_REUSEADDR, 1);
}

/* A new socket bound (not listening) to exactly *a. */
static long bind_to(struct ct_ctx *c, const struct sockaddr_in *a, int reuse)
{
	long fd = ct_tcp_socket(c, 0), r = 0;

	if (fd < 0)
		return fd;
	if (reuse)
		r = set_reuse(c, (int)fd);
	if (!r)
		r = c->b->bind((int)fd, a, sizeof(*a));
	return r < 0 ? r : fd;
}

/* A nonblocking connect to *to from a new socket: the socket, after the
 * EINPROGRESS Linux gives even on loopback. */
static long connect_nb(struct ct_ctx *c, const struct sockaddr_in *to)
{
	long fd = ct_tcp_socket(c, SOCK_NONBLOCK), r;

	if (fd < 0)
		return fd;
	r = c->b->connect((int)fd, to, sizeof(*to));
	if (r != -EINPROGRESS)
		return r < 0 ? r : -1002;
	return fd;
}

/* A listener whose accept queue is full: backlog 1 admits two
 * connections (Linux's queue is full when it holds more than the backlog),
 * both made here and left unaccepted. A further SYN is dropped. */
static long full_listener(struct ct_ctx *c, struct sockaddr_in *out)
{
	long lfd = ct_tcp_listener(c, CT_LO, 1, out), r;

	if (lfd < 0)
		return lfd;
	for (int i = 0; i < 2; i++) {
		r = ct_tcp_connect_to(c, out);
		if (r < 0)
			return r;
	}
	return lfd;
}

/* A socket left in SYN_SENT: its SYN went to a full listener. */
static long syn_sent_socket(struct ct_ctx *c, struct sockaddr_in *to)
{
	long lfd = full_listener(c, to);

	if (lfd < 0)
		return lfd;
	return connect_nb(c, to);
}

/* ---- creation ---- */

static void tcp_create(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_DOMAIN), AF_INET);
}

static void tcp_create_ipproto_tcp(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
}

/* A protocol the stream switch lacks: EPROTONOSUPPORT (inet_create). */
static void tcp_create_bad_protocol(struct ct_ctx *c)
{
	CT_EQ(c, c->b->socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), -EPROTONOSUPPORT);
	CT_EQ(c, c->b->socket(AF_INET, SOCK_STREAM, IPPROTO_ICMP), -EPROTONOSUPPORT);
}

/* Outside 0..IPPROTO_MAX-1 the protocol is EINVAL, checked first. */
static void tcp_create_protocol_range(struct ct_ctx *c)
{
	CT_EQ(c, c->b->socket(AF_INET, SOCK_STREAM, -1), -EINVAL);
	CT_EQ(c, c->b->socket(AF_INET, SOCK_STREAM, 300), -EINVAL);
}

static void tcp_socketpair(struct ct_ctx *c)
{
	int sv[2] = { -1, -1 };

	CT_EQ(c, c->b->socketpair(AF_INET, SOCK_STREAM, 0, sv), -EOPNOTSUPP);
	CT_EQ(c, c->b->socketpair(AF_INET, SOCK_STREAM, IPPROTO_TCP, sv), -EOPNOTSUPP);
}

static void tcp_create_nonblock(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, SOCK_NONBLOCK));
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR);
}

static void tcp_create_cloexec(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, SOCK_CLOEXEC));
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR);
	CT_OK(c, fd, ct_tcp_socket(c, SOCK_CLOEXEC | SOCK_NONBLOCK));
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR | O_NONBLOCK);
}

static void tcp_fresh_names(struct ct_ctx *c)
{
	struct sockaddr_in a, want = ct_sin4(0, 0);
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	memset(&a, 0x55, sizeof(a));
	CT_EQ(c, ct_tcp_name(c, (int)fd, &a), 0);
	CT_TRUE(c, memcmp(&a, &want, sizeof(a)) == 0);
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &a), -ENOTCONN);
}

static void tcp_fresh_options(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_OOBINLINE), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_RCVLOWAT), 1);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_CORK), 0);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_CLOSE);
}

/* ---- bind ---- */

static void tcp_bind_ephemeral(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned lo, hi, port;
	long fd;

	ct_tcp_ephemeral_range(c, &lo, &hi);
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	port = ntohs(me.sin_port);
	CT_TRUE(c, port >= lo && port <= hi);
	CT_EQ(c, me.sin_family, AF_INET);
	CT_EQ(c, ntohl(me.sin_addr.s_addr), CT_LO);
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &me), -ENOTCONN);
}

static void tcp_bind_any_ephemeral(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned lo, hi;
	long fd;

	ct_tcp_ephemeral_range(c, &lo, &hi);
	CT_OK(c, fd, ct_tcp_bound(c, INADDR_ANY, &me));
	CT_TRUE(c, ntohs(me.sin_port) >= lo && ntohs(me.sin_port) <= hi);
	CT_EQ(c, me.sin_addr.s_addr, 0);
}

static void tcp_bind_ephemeral_distinct(struct ct_ctx *c)
{
	struct sockaddr_in a[8];
	long fd;

	for (int i = 0; i < 8; i++) {
		CT_OK(c, fd, ct_tcp_bound(c, i % 2 ? INADDR_ANY : CT_LO, &a[i]));
		for (int j = 0; j < i; j++)
			CT_TRUE(c, a[i].sin_port != a[j].sin_port);
	}
}

static void tcp_bind_twice(struct ct_ctx *c)
{
	struct sockaddr_in me, a = ct_sin4(CT_LO, 0);
	long fd;

	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &me, sizeof(me)), -EINVAL);
}

static void tcp_bind_short_len(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0), me;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a) - 1), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &a, 2), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &a, 0), -EINVAL);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_EQ(c, me.sin_port, 0);
	/* A longer length is accepted (the rest is ignored). */
	{
		char big[32];

		memset(big, 0, sizeof(big));
		memcpy(big, &a, sizeof(a));
		CT_EQ(c, c->b->bind((int)fd, big, sizeof(big)), 0);
	}
}

/* Only AF_INET, or AF_UNSPEC with INADDR_ANY (an old compatibility rule
 * of inet_bind). */
static void tcp_bind_bad_family(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0);
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	a.sin_family = AF_UNIX;
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	a.sin_family = AF_INET6;
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	a.sin_family = AF_UNSPEC;
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), 0);
}

/* 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this host. */
static void tcp_bind_nonlocal(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(0xc0000201u, 0), me;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EADDRNOTAVAIL);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_EQ(c, me.sin_port, 0);
	CT_EQ(c, me.sin_addr.s_addr, 0);
}

/* For TCP a merely bound socket already owns its port (unlike a connected
 * UDP pair): a second bind without SO_REUSEADDR is EADDRINUSE. */
static void tcp_bind_inuse(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, bind_to(c, &me, 0), -EADDRINUSE);
}

static void tcp_bind_inuse_listener(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, bind_to(c, &me, 0), -EADDRINUSE);
}

/* INADDR_ANY overlaps every address, both ways round. */
static void tcp_bind_inuse_any_overlap(struct ct_ctx *c)
{
	struct sockaddr_in me, a;
	long fd;

	CT_OK(c, fd, ct_tcp_bound(c, INADDR_ANY, &me));
	a = ct_sin4(CT_LO, ntohs(me.sin_port));
	CT_EQ(c, bind_to(c, &a, 0), -EADDRINUSE);
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	a = ct_sin4(INADDR_ANY, ntohs(me.sin_port));
	CT_EQ(c, bind_to(c, &a, 0), -EADDRINUSE);
}

/* Two loopback addresses do not overlap. */
static void tcp_bind_two_loopback_addrs(struct ct_ctx *c)
{
	struct sockaddr_in me, a;
	long fd;

	CT_OK(c, fd, ct_tcp_listener(c, CT_LO, 4, &me));
	a = ct_sin4(CT_LO2, ntohs(me.sin_port));
	CT_OK(c, fd, bind_to(c, &a, 0));
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
}

/* SO_REUSEADDR on both and neither listening: the bind is shared; but only
 * one of them may listen (listen re-checks the port: EADDRINUSE). */
static void tcp_bind_reuseaddr_bound(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0), me;
	long fd, fd2;

	CT_OK(c, fd, bind_to(c, &a, 1));
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_OK(c, fd2, bind_to(c, &me, 1));
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
	CT_EQ(c, c->b->listen((int)fd2, 4), -EADDRINUSE);
}

/* SO_REUSEADDR never shares a port with a listener. */
static void tcp_bind_reuseaddr_listener(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0), me;
	long fd;

	CT_OK(c, fd, bind_to(c, &a, 1));
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_EQ(c, bind_to(c, &me, 1), -EADDRINUSE);
	CT_EQ(c, bind_to(c, &me, 0), -EADDRINUSE);
}

/* Both sockets must set SO_REUSEADDR. */
static void tcp_bind_reuseaddr_one_side(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0), me;
	long fd;

	CT_OK(c, fd, bind_to(c, &a, 0));
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_EQ(c, bind_to(c, &me, 1), -EADDRINUSE);
	CT_OK(c, fd, bind_to(c, &a, 1));
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_EQ(c, bind_to(c, &me, 0), -EADDRINUSE);
}

static void tcp_bind_reuseaddr_get(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, set_reuse(c, (int)fd), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR), 0);
}

/* A failed bind leaves the socket unbound. */
static void tcp_bind_failed_stays_unbound(struct ct_ctx *c)
{
	struct sockaddr_in me, a = ct_sin4(CT_LO, 0), got;
	long fd, fd2;

	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_OK(c, fd2, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd2, &me, sizeof(me)), -EADDRINUSE);
	CT_EQ(c, ct_tcp_name(c, (int)fd2, &got), 0);
	CT_EQ(c, got.sin_port, 0);
	CT_EQ(c, c->b->bind((int)fd2, &a, sizeof(a)), 0);
}

/* A socket that never connected frees its port on close at once. */
static void tcp_bind_port_free_after_close(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ct_tcp_close(c, (int)fd), 0);
	CT_OK(c, fd, bind_to(c, &me, 0));
}

/* TCP and UDP ports are separate spaces. */
static void tcp_bind_udp_same_port(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd, u;

	CT_OK(c, fd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, u, ct_fd(c, c->b->socket(AF_INET, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)u, &me, sizeof(me)), 0);
}

static void tcp_bind_after_listen(struct ct_ctx *c)
{
	struct sockaddr_in me, a = ct_sin4(CT_LO, 0);
	long fd;

	CT_OK(c, fd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EINVAL);
}

static void tcp_bind_after_connect(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in a = ct_sin4(CT_LO, 0);

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->bind(p.cli, &a, sizeof(a)), -EINVAL);
	CT_EQ(c, c->b->bind(p.srv, &a, sizeof(a)), -EINVAL);
}

/* A connected client's ephemeral port is taken. */
static void tcp_bind_client_port_inuse(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in me;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_name(c, p.cli, &me), 0);
	CT_EQ(c, bind_to(c, &me, 0), -EADDRINUSE);
}

/* An accepted socket holds the listener's port after the listener closed:
 * a new listener there is EADDRINUSE without SO_REUSEADDR. */
static void tcp_bind_port_held_by_accepted(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_close(c, p.lfd), 0);
	CT_EQ(c, bind_to(c, &p.addr, 0), -EADDRINUSE);
	CT_EQ(c, bind_to(c, &p.addr, 1), -EADDRINUSE);
}

/* The server restart: the listener had SO_REUSEADDR (its accepted sockets
 * inherit it), so a new SO_REUSEADDR listener may take the port while a
 * connection accepted on it lives. */
static void tcp_bind_reuseaddr_restart(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0), me;
	long lfd, cli, srv, fd;

	CT_OK(c, lfd, bind_to(c, &a, 1));
	CT_EQ(c, c->b->listen((int)lfd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)lfd, &me), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_getint(c, (int)srv, SOL_SOCKET, SO_REUSEADDR), 1);
	CT_EQ(c, ct_tcp_close(c, (int)lfd), 0);
	CT_OK(c, fd, bind_to(c, &me, 1));
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
}

/* ---- listen ---- */

/* listen on an unbound socket binds INADDR_ANY and an ephemeral port. */
static void tcp_listen_autobind(struct ct_ctx *c)
{
	struct sockaddr_in me, to;
	unsigned lo, hi;
	long fd, cli;

	ct_tcp_ephemeral_range(c, &lo, &hi);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	CT_EQ(c, me.sin_addr.s_addr, 0);
	CT_TRUE(c, ntohs(me.sin_port) >= lo && ntohs(me.sin_port) <= hi);
	to = ct_sin4(CT_LO, ntohs(me.sin_port));
	CT_OK(c, cli, ct_tcp_connect_to(c, &to));
	CT_OK(c, cli, ct_tcp_accept(c, (int)fd));
}

/* Linux's accept queue is full when it holds more than the backlog, so
 * backlog 0 still admits one connection. */
static void tcp_listen_backlog0_admits(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 0, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, c->b->write((int)cli, "x", 1), 1);
	CT_EQ(c, ct_tcp_wait(c, (int)srv, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV | CT_OUT_EV);
}

/* Nonblocking connects, one after another, to a listener with backlog 2:
 * exactly three are established (backlog + 1); the rest stay in SYN_SENT,
 * their SYN dropped. */
static void tcp_listen_backlog_respected(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, fd, r;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 2, &me));
	for (int i = 0; i < 6; i++) {
		CT_OK(c, fd, connect_nb(c, &me));
		if (i < 3) {
			CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLOUT, CT_TCP_TIMEO_MS), CT_OUT_EV);
			CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_ESTABLISHED);
		} else {
			CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 100), 0);
			CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_SYN_SENT);
		}
	}
	for (int i = 0; i < 3; i++)
		CT_OK(c, r, ct_fd(c, c->b->accept((int)lfd, NULL, NULL)));
	CT_EQ(c, ct_tcp_poll(c, (int)lfd, CT_ALL_EV, 0), 0);
}

/* A listener's TCP_INFO: its state, and tcpi_unacked (0 idle). */
static long listener_queue(struct ct_ctx *c, int lfd, unsigned *backlog)
{
	struct tcp_info ti;
	unsigned len = sizeof(ti);
	long r;

	memset(&ti, 0, sizeof(ti));
	r = c->b->getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	if (r < 0)
		return r;
	if (ti.tcpi_state != CT_TCP_LISTEN)
		return -1000;
	*backlog = ti.tcpi_sacked;
	return ti.tcpi_unacked;
}

/* A listener's TCP_INFO gives its accept queue: the connections waiting in
 * tcpi_unacked, the backlog in tcpi_sacked (what ss shows as Recv-Q and
 * Send-Q). */
static void tcp_info_listener_queue(struct ct_ctx *c)
{
	struct timespec t0, ms = { 0, 1000000 };
	struct sockaddr_in me;
	unsigned backlog = 0;
	long lfd, fd, q;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 7, &me));
	CT_EQ(c, listener_queue(c, (int)lfd, &backlog), 0);
	CT_EQ(c, backlog, 7);
	for (int i = 0; i < 3; i++)
		CT_OK(c, fd, ct_tcp_connect_to(c, &me));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((q = listener_queue(c, (int)lfd, &backlog)) >= 0 && q < 3 &&
	       ct_elapsed_ms(&t0) < CT_TCP_TIMEO_MS)
		nanosleep(&ms, NULL);
	CT_EQ(c, q, 3);
	CT_OK(c, fd, ct_fd(c, c->b->accept((int)lfd, NULL, NULL)));
	CT_EQ(c, listener_queue(c, (int)lfd, &backlog), 2);
	CT_EQ(c, c->b->listen((int)lfd, 1), 0);
	CT_EQ(c, listener_queue(c, (int)lfd, &backlog), 2);
	CT_EQ(c, backlog, 1);
}

/* A second listen only changes the backlog: with backlog 0 a second
 * client waits in SYN_SENT; after listen(5) a third gets in at once. */
static void tcp_listen_twice(struct ct_ctx *c)
{
	struct sockaddr_in me, again;
	long lfd, a, b, d;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 0, &me));
	CT_OK(c, a, connect_nb(c, &me));
	CT_EQ(c, ct_tcp_wait(c, (int)a, POLLOUT, CT_TCP_TIMEO_MS), CT_OUT_EV);
	CT_OK(c, b, connect_nb(c, &me));
	CT_EQ(c, ct_tcp_poll(c, (int)b, CT_ALL_EV, 100), 0);
	CT_EQ(c, c->b->listen((int)lfd, 5), 0);
	CT_EQ(c, ct_tcp_name(c, (int)lfd, &again), 0);
	CT_TRUE(c, same_addr(&me, &again));
	CT_OK(c, d, connect_nb(c, &me));
	CT_EQ(c, ct_tcp_wait(c, (int)d, POLLOUT, CT_TCP_TIMEO_MS), CT_OUT_EV);
	CT_EQ(c, ct_tcp_getint(c, (int)lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
}

/* A negative backlog is taken as the maximum (somaxconn). */
static void tcp_listen_negative_backlog(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, cli;

	CT_OK(c, lfd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, c->b->listen((int)lfd, -1), 0);
	for (int i = 0; i < 4; i++)
		CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	for (int i = 0; i < 4; i++)
		CT_OK(c, cli, ct_tcp_accept(c, (int)lfd));
}

static void tcp_listen_connected(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->listen(p.cli, 4), -EINVAL);
	CT_EQ(c, c->b->listen(p.srv, 4), -EINVAL);
}

/* After a refused connect the socket is closed again, and may listen. */
static void tcp_listen_after_refused(struct ct_ctx *c)
{
	struct sockaddr_in no, me;
	long fd, held, cli;

	CT_OK(c, held, ct_tcp_refused_port(c, &no));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &no, sizeof(no)), -ECONNREFUSED);
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &me), 0);
	me.sin_addr.s_addr = htonl(CT_LO);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
}

static void tcp_listen_acceptconn(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_getint(c, p.lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, SOL_SOCKET, SO_ACCEPTCONN), 0);
}

/* shutdown with SHUT_RD on a listener stops it (inet_shutdown disconnects
 * a listener): not listening, accept is EINVAL, connects are refused.
 * SHUT_WR alone does nothing to a listener. */
static void tcp_listen_shutdown(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, cli;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, c->b->shutdown((int)lfd, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, c->b->shutdown((int)lfd, SHUT_RD), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)lfd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CT_EQ(c, ct_tcp_state(c, (int)lfd), CT_TCP_CLOSE);
	CT_EQ(c, c->b->accept((int)lfd, NULL, NULL), -EINVAL);
	CT_OK(c, cli, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)cli, &me, sizeof(me)), -ECONNREFUSED);
}

struct blocker {
	struct ct_ctx *c;
	int fd;
	int tid; /* set (atomically) before the call blocks */
	long ret;
	struct sockaddr_in addr;
};

static void *accept_thread(void *arg)
{
	struct blocker *bl = arg;

	__atomic_store_n(&bl->tid, (int)gettid(), __ATOMIC_RELEASE);
	bl->ret = ct_fd(bl->c, bl->c->b->accept(bl->fd, NULL, NULL));
	return NULL;
}

/* A blocked accept wakes with EINVAL when another thread shuts the
 * listener down. */
static void tcp_listen_shutdown_wakes_accept(struct ct_ctx *c)
{
	struct sockaddr_in me;
	struct blocker bl;
	pthread_t t;
	long lfd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ct_set_timeo(c, (int)lfd, SO_RCVTIMEO, 5000), 0);
	memset(&bl, 0, sizeof(bl));
	bl.c = c;
	bl.fd = (int)lfd;
	CT_EQ(c, pthread_create(&t, NULL, accept_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, c->b->shutdown((int)lfd, SHUT_RDWR), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, -EINVAL);
}

/* A listener is readable (POLLIN|POLLRDNORM) exactly while a connection
 * waits; never writable. */
static void tcp_listen_poll(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, cli;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ct_tcp_poll(c, (int)lfd, CT_ALL_EV, 0), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ct_tcp_wait(c, (int)lfd, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV);
	CT_EQ(c, ct_tcp_poll(c, (int)lfd, CT_ALL_EV, 0), CT_IN_EV);
	CT_OK(c, cli, ct_fd(c, c->b->accept((int)lfd, NULL, NULL)));
	CT_EQ(c, ct_tcp_poll(c, (int)lfd, CT_ALL_EV, 0), 0);
}

/* Closing a listener resets the connections still in its queue: the
 * client reads ECONNRESET, then end of file. */
static void tcp_listen_close_resets_queue(struct ct_ctx *c)
{
	struct sockaddr_in me;
	char buf[4];
	long lfd, cli;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ct_set_timeo(c, (int)cli, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_EQ(c, ct_tcp_wait(c, (int)lfd, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV);
	CT_EQ(c, ct_tcp_close(c, (int)lfd), 0);
	CT_EQ(c, c->b->read((int)cli, buf, sizeof(buf)), -ECONNRESET);
	CT_EQ(c, c->b->read((int)cli, buf, sizeof(buf)), 0);
}

/* ---- accept ---- */

static void tcp_accept_not_listening(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->accept((int)fd, NULL, NULL), -EINVAL);
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, c->b->accept((int)fd, NULL, NULL), -EINVAL);
	CT_EQ(c, c->b->accept4((int)fd, NULL, NULL, SOCK_NONBLOCK), -EINVAL);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->accept(p.cli, NULL, NULL), -EINVAL);
	CT_EQ(c, c->b->accept(p.srv, NULL, NULL), -EINVAL);
}

static void tcp_accept_nonblock_eagain(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0);
	long lfd;

	CT_OK(c, lfd, ct_tcp_socket(c, SOCK_NONBLOCK));
	CT_EQ(c, c->b->bind((int)lfd, &a, sizeof(a)), 0);
	CT_EQ(c, c->b->listen((int)lfd, 4), 0);
	CT_EQ(c, c->b->accept((int)lfd, NULL, NULL), -EAGAIN);
	CT_EQ(c, c->b->accept4((int)lfd, NULL, NULL, SOCK_CLOEXEC), -EAGAIN);
}

/* accept honours SO_RCVTIMEO: EAGAIN after the timeout. */
static void tcp_accept_rcvtimeo(struct ct_ctx *c)
{
	struct sockaddr_in me;
	struct timespec t0;
	long lfd, ms;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ct_set_timeo(c, (int)lfd, SO_RCVTIMEO, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->accept((int)lfd, NULL, NULL), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 80 && ms < 1500);
}

static void tcp_accept_peer_addr(struct ct_ctx *c)
{
	struct sockaddr_in me, peer, cname;
	unsigned len = sizeof(peer);
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ct_tcp_name(c, (int)cli, &cname), 0);
	memset(&peer, 0x55, sizeof(peer));
	CT_OK(c, srv, ct_fd(c, c->b->accept((int)lfd, &peer, &len)));
	CT_EQ(c, len, sizeof(peer));
	CT_TRUE(c, same_addr(&peer, &cname));
	CT_EQ(c, ntohl(peer.sin_addr.s_addr), CT_LO);
}

/* A short address length: the address is cut, the length says the full
 * size. */
static void tcp_accept_addr_truncated(struct ct_ctx *c)
{
	struct sockaddr_in me, cname;
	unsigned char buf[16];
	unsigned len = 4;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ct_tcp_name(c, (int)cli, &cname), 0);
	memset(buf, 0xaa, sizeof(buf));
	CT_OK(c, srv, ct_fd(c, c->b->accept((int)lfd, buf, &len)));
	CT_EQ(c, len, sizeof(struct sockaddr_in));
	CT_TRUE(c, memcmp(buf, &cname, 4) == 0);
	CT_EQ(c, buf[4], 0xaa);
}

static void tcp_accept_addr_long_len(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned char buf[64];
	unsigned len = sizeof(buf);
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	memset(buf, 0xaa, sizeof(buf));
	CT_OK(c, srv, ct_fd(c, c->b->accept4((int)lfd, buf, &len, 0)));
	CT_EQ(c, len, sizeof(struct sockaddr_in));
	CT_EQ(c, buf[sizeof(struct sockaddr_in)], 0xaa);
}

static void tcp_accept_len_zero(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned char buf[16];
	unsigned len = 0;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	memset(buf, 0xaa, sizeof(buf));
	CT_OK(c, srv, ct_fd(c, c->b->accept((int)lfd, buf, &len)));
	CT_EQ(c, len, sizeof(struct sockaddr_in));
	CT_EQ(c, buf[0], 0xaa);
}

/* accept4's flags apply to the new descriptor; other bits are EINVAL,
 * checked before a connection is taken off the queue. */
static void tcp_accept4_flags(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	for (int i = 0; i < 3; i++)
		CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ct_tcp_wait(c, (int)lfd, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV);
	CT_EQ(c, c->b->accept4((int)lfd, NULL, NULL, 0x1), -EINVAL);
	CT_OK(c, srv, ct_fd(c, c->b->accept4((int)lfd, NULL, NULL, SOCK_NONBLOCK)));
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFD, 0), 0);
	CT_OK(c, srv, ct_fd(c, c->b->accept4((int)lfd, NULL, NULL, SOCK_CLOEXEC)));
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFL, 0), O_RDWR);
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFD, 0), FD_CLOEXEC);
	CT_OK(c, srv, ct_fd(c, c->b->accept4((int)lfd, NULL, NULL, 0)));
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFL, 0), O_RDWR);
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFD, 0), 0);
}

/* O_NONBLOCK is a file flag: the accepted socket does not inherit the
 * listener's. */
static void tcp_accept_no_inherit_nonblock(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0), me;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_socket(c, SOCK_NONBLOCK));
	CT_EQ(c, c->b->bind((int)lfd, &a, sizeof(a)), 0);
	CT_EQ(c, c->b->listen((int)lfd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)lfd, &me), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, c->b->fcntl((int)srv, F_GETFL, 0), O_RDWR);
}

/* Socket and TCP options set on the listener are copied to the accepted
 * socket (Linux clones the listener). */
static void tcp_accept_inherits_options(struct ct_ctx *c)
{
	struct linger lg = { 1, 7 }, got;
	unsigned len = sizeof(got);
	struct sockaddr_in me;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, IPPROTO_TCP, TCP_KEEPIDLE, 100), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, SOL_SOCKET, SO_OOBINLINE, 1), 0);
	CT_EQ(c, c->b->setsockopt((int)lfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, IPPROTO_IP, IP_TOS, 0x10), 0);
	me = ct_sin4(CT_LO, 0);
	CT_EQ(c, c->b->bind((int)lfd, &me, sizeof(me)), 0);
	CT_EQ(c, c->b->listen((int)lfd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)lfd, &me), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_getint(c, (int)srv, SOL_SOCKET, SO_KEEPALIVE), 1);
	CT_EQ(c, ct_tcp_getint(c, (int)srv, IPPROTO_TCP, TCP_NODELAY), 1);
	CT_EQ(c, ct_tcp_getint(c, (int)srv, IPPROTO_TCP, TCP_KEEPIDLE), 100);
	CT_EQ(c, ct_tcp_getint(c, (int)srv, SOL_SOCKET, SO_OOBINLINE), 1);
	CT_EQ(c, ct_tcp_getint(c, (int)srv, IPPROTO_IP, IP_TOS), 0x10);
	CT_EQ(c, c->b->getsockopt((int)srv, SOL_SOCKET, SO_LINGER, &got, &len), 0);
	CT_EQ(c, got.l_onoff, 1);
	CT_EQ(c, got.l_linger, 7);
	/* The client's own options stay the defaults. */
	CT_EQ(c, ct_tcp_getint(c, (int)cli, SOL_SOCKET, SO_KEEPALIVE), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)cli, IPPROTO_TCP, TCP_NODELAY), 0);
}

/* The accepted socket's name is the address the client connected to; its
 * peer is the client's name. */
static void tcp_accept_names(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in a, b;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_name(c, p.srv, &a), 0);
	CT_TRUE(c, same_addr(&a, &p.addr));
	CT_EQ(c, ct_tcp_peer(c, p.srv, &a), 0);
	CT_EQ(c, ct_tcp_name(c, p.cli, &b), 0);
	CT_TRUE(c, same_addr(&a, &b));
	CT_EQ(c, ct_tcp_peer(c, p.cli, &a), 0);
	CT_TRUE(c, same_addr(&a, &p.addr));
	CT_EQ(c, ct_tcp_peer(c, p.lfd, &a), -ENOTCONN);
}

/* On a listener bound to INADDR_ANY, the accepted socket's name is the
 * specific address the client used. */
static void tcp_accept_any_listener_name(struct ct_ctx *c)
{
	struct sockaddr_in me, to, a;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, INADDR_ANY, 4, &me));
	to = ct_sin4(CT_LO2, ntohs(me.sin_port));
	CT_OK(c, cli, ct_tcp_connect_to(c, &to));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_name(c, (int)srv, &a), 0);
	CT_TRUE(c, same_addr(&a, &to));
	CT_EQ(c, ct_tcp_name(c, (int)cli, &a), 0);
	/* The route to 127.0.0.2 picks source 127.0.0.1. */
	CT_EQ(c, ntohl(a.sin_addr.s_addr), CT_LO);
}

/* Connections are accepted in the order they were established. */
static void tcp_accept_order(struct ct_ctx *c)
{
	struct sockaddr_in me, cn[4], pn;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 8, &me));
	for (int i = 0; i < 4; i++) {
		CT_OK(c, cli, ct_tcp_connect_to(c, &me));
		CT_EQ(c, ct_tcp_name(c, (int)cli, &cn[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
		CT_EQ(c, ct_tcp_peer(c, (int)srv, &pn), 0);
		CT_TRUE(c, same_addr(&pn, &cn[i]));
	}
}

/* A client that sent and closed before accept: accept still returns the
 * connection, with the data, then end of file. */
static void tcp_accept_after_client_close(struct ct_ctx *c)
{
	struct sockaddr_in me;
	char buf[8];
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, c->b->write((int)cli, "hi", 2), 2);
	CT_EQ(c, ct_tcp_close(c, (int)cli), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_set_timeo(c, (int)srv, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_EQ(c, ct_tcp_read_full(c, (int)srv, buf, sizeof(buf)), 2);
	CT_TRUE(c, memcmp(buf, "hi", 2) == 0);
	CT_EQ(c, c->b->read((int)srv, buf, sizeof(buf)), 0);
}

/* A client that reset (SO_LINGER 0) before accept: Linux still hands the
 * connection out; its first read is ECONNRESET. */
static void tcp_accept_after_client_reset(struct ct_ctx *c)
{
	struct linger lg = { 1, 0 };
	struct sockaddr_in me;
	char buf[8];
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, c->b->setsockopt((int)cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, ct_tcp_wait(c, (int)lfd, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV);
	CT_EQ(c, ct_tcp_close(c, (int)cli), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_set_timeo(c, (int)srv, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_EQ(c, c->b->read((int)srv, buf, sizeof(buf)), -ECONNRESET);
	CT_EQ(c, c->b->read((int)srv, buf, sizeof(buf)), 0);
}

/* A blocked accept wakes when a client connects. */
static void tcp_accept_blocking_wakes(struct ct_ctx *c)
{
	struct sockaddr_in me, pn, cn;
	struct blocker bl;
	pthread_t t;
	long lfd, cli = -1;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ct_set_timeo(c, (int)lfd, SO_RCVTIMEO, 5000), 0);
	memset(&bl, 0, sizeof(bl));
	bl.c = c;
	bl.fd = (int)lfd;
	CT_EQ(c, pthread_create(&t, NULL, accept_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	cli = ct_tcp_connect_to(c, &me);
	CT_CHECK_TRUE(c, cli >= 0);
	pthread_join(t, NULL);
	CT_TRUE(c, cli >= 0);
	CT_TRUE(c, bl.ret >= 0);
	CT_EQ(c, ct_tcp_peer(c, (int)bl.ret, &pn), 0);
	CT_EQ(c, ct_tcp_name(c, (int)cli, &cn), 0);
	CT_TRUE(c, same_addr(&pn, &cn));
}

/* ---- connect ---- */

static void tcp_connect_refused(struct ct_ctx *c)
{
	struct sockaddr_in no, me;
	long held, fd;

	CT_OK(c, held, ct_tcp_refused_port(c, &no));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &no, sizeof(no)), -ECONNREFUSED);
	/* The blocking connect reported the error: nothing is left pending. */
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &me), -ENOTCONN);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_CLOSE);
}

/* Port 0 is nobody's: connecting to it is refused. */
static void tcp_connect_port0(struct ct_ctx *c)
{
	struct sockaddr_in to = ct_sin4(CT_LO, 0);
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &to, sizeof(to)), -ECONNREFUSED);
}

/* A socket whose connect was refused may connect again. */
static void tcp_connect_refused_then_ok(struct ct_ctx *c)
{
	struct sockaddr_in no, me, pn;
	long held, lfd, fd;

	CT_OK(c, held, ct_tcp_refused_port(c, &no));
	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &no, sizeof(no)), -ECONNREFUSED);
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &pn), 0);
	CT_TRUE(c, same_addr(&pn, &me));
}

static void tcp_connect_names(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in a;
	unsigned lo, hi;

	ct_tcp_ephemeral_range(c, &lo, &hi);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_name(c, p.cli, &a), 0);
	CT_EQ(c, ntohl(a.sin_addr.s_addr), CT_LO);
	CT_TRUE(c, ntohs(a.sin_port) >= lo && ntohs(a.sin_port) <= hi);
	CT_TRUE(c, a.sin_port != p.addr.sin_port);
	CT_EQ(c, ct_tcp_peer(c, p.cli, &a), 0);
	CT_TRUE(c, same_addr(&a, &p.addr));
}

static void tcp_connect_twice(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in other;
	long lfd;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->connect(p.cli, &p.addr, sizeof(p.addr)), -EISCONN);
	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &other));
	CT_EQ(c, c->b->connect(p.cli, &other, sizeof(other)), -EISCONN);
	CT_EQ(c, c->b->connect(p.srv, &other, sizeof(other)), -EISCONN);
}

/* Nonblocking connect on loopback: EINPROGRESS, though the handshake is
 * done before the call returns; then writable, SO_ERROR 0. Linux's second
 * connect on it completes the connect (0); the third is EISCONN. */
static void tcp_connect_nonblock(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, connect_nb(c, &me));
	CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLOUT, CT_TCP_TIMEO_MS), CT_OUT_EV);
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0), CT_OUT_EV);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_ESTABLISHED);
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), -EISCONN);
	CT_OK(c, lfd, ct_tcp_accept(c, (int)lfd));
}

/* Nonblocking connect to a closed port: EINPROGRESS, then the RST makes
 * the socket readable, writable, hung up and in error; SO_ERROR gives
 * ECONNREFUSED once. */
static void tcp_connect_nonblock_refused(struct ct_ctx *c)
{
	struct sockaddr_in no;
	long held, fd;

	CT_OK(c, held, ct_tcp_refused_port(c, &no));
	CT_OK(c, fd, connect_nb(c, &no));
	CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLOUT, CT_TCP_TIMEO_MS),
	      CT_IN_EV | POLLRDHUP | CT_OUT_EV | POLLERR | POLLHUP);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0),
	      CT_IN_EV | POLLRDHUP | CT_OUT_EV | POLLHUP);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_CLOSE);
}

/* A second connect after a refused nonblocking one reports the pending
 * error itself (ECONNREFUSED, consuming it). */
static void tcp_connect_nonblock_refused_again(struct ct_ctx *c)
{
	struct sockaddr_in no;
	long held, fd;

	CT_OK(c, held, ct_tcp_refused_port(c, &no));
	CT_OK(c, fd, connect_nb(c, &no));
	CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLERR, CT_TCP_TIMEO_MS) & POLLERR, POLLERR);
	CT_EQ(c, c->b->connect((int)fd, &no, sizeof(no)), -ECONNREFUSED);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), 0);
}

/* Once SO_ERROR took the error, the connect that follows the refused one
 * is ECONNABORTED on Linux (it still sees the old attempt closed). */
static void tcp_connect_nonblock_refused_error_taken(struct ct_ctx *c)
{
	struct sockaddr_in no;
	long held, fd;

	CT_OK(c, held, ct_tcp_refused_port(c, &no));
	CT_OK(c, fd, connect_nb(c, &no));
	CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLERR, CT_TCP_TIMEO_MS) & POLLERR, POLLERR);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
	CT_EQ(c, c->b->connect((int)fd, &no, sizeof(no)), -ECONNABORTED);
	/* And the one after starts afresh. */
	CT_EQ(c, c->b->connect((int)fd, &no, sizeof(no)), -EINPROGRESS);
}

/* connect on a listening socket: EISCONN (it is not in the closed state). */
static void tcp_connect_on_listener(struct ct_ctx *c)
{
	struct sockaddr_in me, other;
	long lfd, l2;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, l2, ct_tcp_listener(c, CT_LO, 4, &other));
	CT_EQ(c, c->b->connect((int)lfd, &other, sizeof(other)), -EISCONN);
	CT_EQ(c, c->b->connect((int)lfd, &me, sizeof(me)), -EISCONN);
	CT_EQ(c, ct_tcp_getint(c, (int)lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
}

/* connect with AF_UNSPEC disconnects: an established connection is reset
 * (the peer reads ECONNRESET); the socket is closed, its address cleared
 * and its ephemeral port released, and it may connect anew (from a new
 * port). Linux's getsockname still shows the old port number: releasing
 * the port does not clear it from the name. (Whether another socket could
 * bind that port is not checked: a port chosen by connect may also be
 * shared by TIME_WAIT connections to other peers.) */
static void tcp_connect_unspec_disconnect(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in un = ct_sin4(0, 0), a, before;
	char buf[4];
	long srv;

	un.sin_family = AF_UNSPEC;
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_name(c, p.cli, &before), 0);
	CT_EQ(c, c->b->connect(p.cli, &un, sizeof(un)), 0);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), -ECONNRESET);
	CT_EQ(c, ct_tcp_peer(c, p.cli, &a), -ENOTCONN);
	CT_EQ(c, ct_tcp_name(c, p.cli, &a), 0);
	CT_EQ(c, a.sin_addr.s_addr, 0);
	CT_EQ(c, a.sin_port, before.sin_port);
	CT_EQ(c, ct_tcp_state(c, p.cli), CT_TCP_CLOSE);
	CT_EQ(c, c->b->connect(p.cli, &p.addr, sizeof(p.addr)), 0);
	CT_OK(c, srv, ct_tcp_accept(c, p.lfd));
	CT_EQ(c, ct_tcp_name(c, p.cli, &a), 0);
	CT_EQ(c, ntohl(a.sin_addr.s_addr), CT_LO);
	CT_EQ(c, c->b->write(p.cli, "x", 1), 1);
	CT_EQ(c, c->b->read((int)srv, buf, sizeof(buf)), 1);
}

/* AF_UNSPEC on a fresh socket is a no-op; a length too short to hold the
 * family is EINVAL. */
static void tcp_connect_unspec_fresh(struct ct_ctx *c)
{
	struct sockaddr_in un = ct_sin4(0, 0);
	long fd;

	un.sin_family = AF_UNSPEC;
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &un, sizeof(un)), 0);
	CT_EQ(c, c->b->connect((int)fd, &un, 2), 0);
	CT_EQ(c, c->b->connect((int)fd, &un, 1), -EINVAL);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_CLOSE);
}

/* AF_UNSPEC on a listener stops it listening. */
static void tcp_connect_unspec_listener(struct ct_ctx *c)
{
	struct sockaddr_in me, un = ct_sin4(0, 0);
	long lfd, fd;

	un.sin_family = AF_UNSPEC;
	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, c->b->connect((int)lfd, &un, sizeof(un)), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)lfd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CT_EQ(c, ct_tcp_state(c, (int)lfd), CT_TCP_CLOSE);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), -ECONNREFUSED);
}

/* The length is checked before the family (tcp_v4_connect). */
static void tcp_connect_bad_addr(struct ct_ctx *c)
{
	struct sockaddr_in me, a;
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me) - 1), -EINVAL);
	a = me;
	a.sin_family = AF_UNIX;
	CT_EQ(c, c->b->connect((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	CT_EQ(c, c->b->connect((int)fd, &a, 8), -EINVAL);
	a.sin_family = AF_INET6;
	CT_EQ(c, c->b->connect((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
}

/* Connecting to 0.0.0.0 reaches the local host: Linux routes it to
 * 127.0.0.1, and that is the peer's name. */
static void tcp_connect_any_addr(struct ct_ctx *c)
{
	struct sockaddr_in me, to, pn;
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	to = ct_sin4(INADDR_ANY, ntohs(me.sin_port));
	CT_OK(c, fd, ct_tcp_connect_to(c, &to));
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &pn), 0);
	CT_TRUE(c, same_addr(&pn, &me));
	CT_OK(c, fd, ct_tcp_accept(c, (int)lfd));
}

/* A client bound to 127.0.0.2 is seen from that address. */
static void tcp_connect_from_lo2(struct ct_ctx *c)
{
	struct sockaddr_in me, cn, pn;
	long lfd, fd, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO2, &cn));
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_peer(c, (int)srv, &pn), 0);
	CT_TRUE(c, same_addr(&pn, &cn));
}

/* A listener on 127.0.0.1 does not get connections for 127.0.0.2. */
static void tcp_connect_other_lo_refused(struct ct_ctx *c)
{
	struct sockaddr_in me, to;
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	to = ct_sin4(CT_LO2, ntohs(me.sin_port));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->connect((int)fd, &to, sizeof(to)), -ECONNREFUSED);
}

/* A socket bound to INADDR_ANY keeps its port and gets the route's source
 * address on connect. */
static void tcp_connect_bound_any(struct ct_ctx *c)
{
	struct sockaddr_in me, b, a;
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, ct_tcp_bound(c, INADDR_ANY, &b));
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &a), 0);
	CT_EQ(c, a.sin_port, b.sin_port);
	CT_EQ(c, ntohl(a.sin_addr.s_addr), CT_LO);
}

/* A socket connecting to its own address meets its own SYN: Linux
 * completes a simultaneous open with itself, and it reads what it
 * writes. */
static void tcp_connect_self(struct ct_ctx *c)
{
	struct sockaddr_in me, pn;
	char buf[8];
	long fd;

	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, ct_set_timeo(c, (int)fd, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &pn), 0);
	CT_TRUE(c, same_addr(&pn, &me));
	CT_EQ(c, c->b->write((int)fd, "self", 4), 4);
	CT_EQ(c, ct_tcp_read_full(c, (int)fd, buf, 4), 4);
	CT_TRUE(c, memcmp(buf, "self", 4) == 0);
}

static void tcp_connect_ephemeral_distinct(struct ct_ctx *c)
{
	struct sockaddr_in me, a[6];
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 8, &me));
	for (int i = 0; i < 6; i++) {
		CT_OK(c, fd, ct_tcp_connect_to(c, &me));
		CT_EQ(c, ct_tcp_name(c, (int)fd, &a[i]), 0);
		for (int j = 0; j < i; j++)
			CT_TRUE(c, a[i].sin_port != a[j].sin_port);
	}
}

/* A connecting socket (SYN_SENT): poll reports nothing at all, there is
 * no peer name yet, and TCP_INFO says SYN_SENT. */
static void tcp_connecting_state(struct ct_ctx *c)
{
	struct sockaddr_in to, a;
	long fd;

	CT_OK(c, fd, syn_sent_socket(c, &to));
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 50), 0);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_SYN_SENT);
	CT_EQ(c, ct_tcp_peer(c, (int)fd, &a), -ENOTCONN);
	CT_EQ(c, ct_tcp_name(c, (int)fd, &a), 0);
	CT_EQ(c, ntohl(a.sin_addr.s_addr), CT_LO);
	CT_TRUE(c, a.sin_port != 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_ERROR), 0);
}

/* While connecting: connect is EALREADY; a nonblocking send or recv is
 * EAGAIN (a send waits for the connection). */
static void tcp_connecting_calls(struct ct_ctx *c)
{
	struct sockaddr_in to;
	char buf[4];
	long fd;

	CT_OK(c, fd, syn_sent_socket(c, &to));
	CT_EQ(c, c->b->connect((int)fd, &to, sizeof(to)), -EALREADY);
	CT_EQ(c, ct_snd(c, (int)fd, "x", 1, 0), -EAGAIN);
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), 0), -EAGAIN);
	CT_EQ(c, c->b->listen((int)fd, 4), -EINVAL);
}

/* A blocking connect bounded by SO_SNDTIMEO that runs out says
 * EINPROGRESS, and the attempt goes on (EALREADY next). */
static void tcp_connect_sndtimeo(struct ct_ctx *c)
{
	struct sockaddr_in to;
	struct timespec t0;
	long lfd, fd, ms;

	CT_OK(c, lfd, full_listener(c, &to));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_set_timeo(c, (int)fd, SO_SNDTIMEO, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->connect((int)fd, &to, sizeof(to)), -EINPROGRESS);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 80 && ms < 1500);
	CT_EQ(c, c->b->connect((int)fd, &to, sizeof(to)), -EALREADY);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_SYN_SENT);
}

/* A SYN dropped by a full listener is retransmitted (after 1 s): once a
 * connection was accepted, the waiting client gets in. */
static void tcp_connect_backlog_retry(struct ct_ctx *c)
{
	struct sockaddr_in to;
	long lfd, fd, srv;

	CT_OK(c, lfd, full_listener(c, &to));
	CT_OK(c, fd, connect_nb(c, &to));
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 50), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLOUT, 4000), CT_OUT_EV);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
}

/* Closing a connecting socket abandons the attempt: its SYN is not
 * retransmitted, so a listener that has room again sees nothing of it
 * (polled past the 1 s retransmission). */
static void tcp_connecting_close(struct ct_ctx *c)
{
	struct sockaddr_in to;
	long lfd, fd, srv;

	CT_OK(c, lfd, full_listener(c, &to));
	CT_OK(c, fd, connect_nb(c, &to));
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0), 0);
	CT_EQ(c, ct_tcp_close(c, (int)fd), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_poll(c, (int)lfd, CT_ALL_EV, 1500), 0);
}

/* shutdown of a connecting socket aborts the attempt (inet_shutdown
 * disconnects a SYN_SENT socket, with success): it is closed and may
 * connect again, elsewhere. */
static void tcp_connecting_shutdown(struct ct_ctx *c)
{
	struct sockaddr_in to, other;
	long fd, lfd;

	CT_OK(c, fd, syn_sent_socket(c, &to));
	CT_EQ(c, c->b->shutdown((int)fd, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_CLOSE);
	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &other));
	CT_EQ(c, c->b->connect((int)fd, &other, sizeof(other)), -EINPROGRESS);
	CT_EQ(c, ct_tcp_wait(c, (int)fd, POLLOUT, CT_TCP_TIMEO_MS), CT_OUT_EV);
	CT_OK(c, lfd, ct_tcp_accept(c, (int)lfd));
}

/* ---- names ---- */

static void tcp_getsockname_short(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned char buf[16];
	unsigned len = 4;
	long fd;

	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	memset(buf, 0xaa, sizeof(buf));
	CT_EQ(c, c->b->getsockname((int)fd, buf, &len), 0);
	CT_EQ(c, len, sizeof(struct sockaddr_in));
	CT_TRUE(c, memcmp(buf, &me, 4) == 0 && buf[4] == 0xaa);
}

static void tcp_getpeername_short(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	unsigned char buf[16];
	unsigned len = 6;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	memset(buf, 0xaa, sizeof(buf));
	CT_EQ(c, c->b->getpeername(p.cli, buf, &len), 0);
	CT_EQ(c, len, sizeof(struct sockaddr_in));
	CT_TRUE(c, memcmp(buf, &p.addr, 6) == 0 && buf[6] == 0xaa);
}

/* The peer's name stays after it sent FIN (CLOSE_WAIT), and after our own
 * SHUT_WR. */
static void tcp_getpeername_half_closed(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in a;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_WR), 0);
	CT_EQ(c, c->b->read(p.cli, buf, sizeof(buf)), 0);
	CT_EQ(c, ct_tcp_peer(c, p.cli, &a), 0);
	CT_TRUE(c, same_addr(&a, &p.addr));
	CT_EQ(c, ct_tcp_peer(c, p.srv, &a), 0);
}

/* Once the connection reached CLOSED (here by a reset), getpeername is
 * ENOTCONN though the socket still knows the peer; getsockname keeps the
 * local name. */
static void tcp_getpeername_after_reset(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct linger lg = { 1, 0 };
	struct sockaddr_in a, before;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_name(c, p.srv, &before), 0);
	CT_EQ(c, c->b->setsockopt(p.cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), -ECONNRESET);
	CT_EQ(c, ct_tcp_peer(c, p.srv, &a), -ENOTCONN);
	CT_EQ(c, ct_tcp_name(c, p.srv, &a), 0);
	CT_TRUE(c, same_addr(&a, &before));
}

/* ---- options ---- */

static void tcp_accepted_identity(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_DOMAIN), AF_INET);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, SOL_SOCKET, SO_ERROR), 0);
}

static void tcp_opt_keepalive(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, SOL_SOCKET, SO_KEEPALIVE), 0);
	CT_EQ(c, ct_tcp_setint(c, p.cli, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, SOL_SOCKET, SO_KEEPALIVE), 1);
	CT_EQ(c, ct_tcp_setint(c, p.cli, SOL_SOCKET, SO_KEEPALIVE, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, SOL_SOCKET, SO_KEEPALIVE), 0);
}

/* Boolean TCP options read back as 0 or 1. */
static void tcp_opt_nodelay(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY, 5), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY), 0);
	/* SOL_TCP is IPPROTO_TCP. */
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_TCP, TCP_NODELAY, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_NODELAY), 1);
}

static void tcp_opt_cork(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_CORK, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_CORK), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_CORK, 7), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_CORK), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_CORK, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_CORK), 0);
}

/* An int option given fewer than 4 bytes is EINVAL. */
static void tcp_opt_short_optlen(struct ct_ctx *c)
{
	int one = 1;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, 2), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, IPPROTO_TCP, TCP_KEEPIDLE, &one, 0), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, IPPROTO_TCP, TCP_MAXSEG, &one, 3), -EINVAL);
}

/* Before a connection TCP_MAXSEG reads 536 (RFC 1122's default MSS), a
 * listener too. Once connected it is the current segment size: on
 * loopback's 64 KiB MTU far larger, at most 65483 (65535 less 40 bytes of
 * headers and 12 of the timestamp option); Linux also bounds it by half
 * the peer's largest window, so the exact value depends on buffer tuning
 * and is not checked. */
static void tcp_opt_maxseg_default(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long fd, m;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG), 536);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_getint(c, p.lfd, IPPROTO_TCP, TCP_MAXSEG), 536);
	CT_OK(c, m, ct_tcp_getint(c, p.cli, IPPROTO_TCP, TCP_MAXSEG));
	CT_TRUE(c, m > 1460 && m <= 65483);
	CT_OK(c, m, ct_tcp_getint(c, p.srv, IPPROTO_TCP, TCP_MAXSEG));
	CT_TRUE(c, m > 1460 && m <= 65483);
}

/* TCP_MAXSEG accepts 0 (no clamp) and 88..32767; other values EINVAL. */
static void tcp_opt_maxseg_range(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, 87), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, 32768), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, -1), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, 88), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG), 88);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, 32767), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG), 32767);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG), 536);
}

/* A TCP_MAXSEG set before connect clamps both ends' segment size (the
 * client announces it in its SYN); each end then reads it less the 12
 * bytes of the timestamp option. */
static void tcp_opt_maxseg_clamps(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, fd, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG, 1000), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG), 1000);
	CT_EQ(c, c->b->connect((int)fd, &me, sizeof(me)), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_MAXSEG), 988);
	CT_EQ(c, ct_tcp_getint(c, (int)srv, IPPROTO_TCP, TCP_MAXSEG), 988);
}

/* On an established socket TCP_MAXSEG may be set but reads the current
 * segment size, unchanged. */
static void tcp_opt_maxseg_established(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long before;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_OK(c, before, ct_tcp_getint(c, p.cli, IPPROTO_TCP, TCP_MAXSEG));
	CT_EQ(c, ct_tcp_setint(c, p.cli, IPPROTO_TCP, TCP_MAXSEG, 1000), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, IPPROTO_TCP, TCP_MAXSEG), before);
	CT_EQ(c, ct_tcp_setint(c, p.cli, IPPROTO_TCP, TCP_MAXSEG, 50), -EINVAL);
}

/* The keepalive defaults (tcp_keepalive_time/intvl/probes): 7200 s, 75 s,
 * 9 probes. */
static void tcp_opt_keepalive_defaults(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_KEEPINTVL), 75);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT), 9);
}

/* TCP_KEEPIDLE and TCP_KEEPINTVL: 1..32767 seconds. */
static void tcp_opt_keepidle_intvl_range(struct ct_ctx *c)
{
	static const int names[2] = { TCP_KEEPIDLE, TCP_KEEPINTVL };
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	for (int i = 0; i < 2; i++) {
		CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, names[i], 0), -EINVAL);
		CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, names[i], -5), -EINVAL);
		CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, names[i], 32768), -EINVAL);
		CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, names[i], 1), 0);
		CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, names[i]), 1);
		CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, names[i], 32767), 0);
		CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, names[i]), 32767);
	}
}

/* TCP_KEEPCNT: 1..127 probes. */
static void tcp_opt_keepcnt_range(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT, 0), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT, 128), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT, 127), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT), 127);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
}

/* TCP_USER_TIMEOUT: milliseconds, 0 by default (the system's), negative
 * EINVAL. */
static void tcp_opt_user_timeout(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 1500), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 1500);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), -EINVAL);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 1500);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
}

/* TCP_DEFER_ACCEPT is kept as a count of SYN-ACK retransmissions (1 s,
 * doubling): reading it back gives the seconds those retransmissions
 * span, so values round up to 1, 3, 7, 15, 31, ...; 0 and negative turn it
 * off. */
static void tcp_opt_defer_accept(struct ct_ctx *c)
{
	static const int in[] = { 1, 2, 3, 4, 5, 10, 30, 0, -1 };
	static const int out[] = { 1, 3, 3, 7, 7, 15, 31, 0, 0 };
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
	for (unsigned i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, in[i]), 0);
		CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), out[i]);
	}
}

/* TCP_QUICKACK reads 1 while not in delayed-ACK ("pingpong") mode: so 1
 * on a fresh socket, 0 after setting 0. */
static void tcp_opt_quickack(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_QUICKACK), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_QUICKACK, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_QUICKACK), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_QUICKACK, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_QUICKACK), 1);
}

/* TCP_SYNCNT: the system's tcp_syn_retries (6) by default; 1..127. */
static void tcp_opt_syncnt(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT), 6);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT, 0), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT, 128), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT, 127), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT), 127);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT, 2), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_SYNCNT), 2);
}

/* TCP_LINGER2: the system's tcp_fin_timeout (60 s) by default; values are
 * capped at 120 s; 0 means the default again; negative reads -1. */
static void tcp_opt_linger2(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2), 60);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2, 30), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2), 30);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2, 1000), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2), 120);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2, -7), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2), -1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_LINGER2), 60);
}

/* TCP_WINDOW_CLAMP reads back what was set (above the minimum); 0 clears
 * it on a closed socket only. */
static void tcp_opt_window_clamp(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_WINDOW_CLAMP), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, 10000), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_WINDOW_CLAMP), 10000);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_TCP, TCP_WINDOW_CLAMP), 0);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_setint(c, p.cli, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, p.cli, IPPROTO_TCP, TCP_WINDOW_CLAMP, 20000), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, IPPROTO_TCP, TCP_WINDOW_CLAMP), 20000);
}

/* An unknown TCP-level option: ENOPROTOOPT both ways. */
static void tcp_opt_unknown(struct ct_ctx *c)
{
	int v = 1;
	unsigned len = sizeof(v);
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->setsockopt((int)fd, IPPROTO_TCP, 9999, &v, sizeof(v)), -ENOPROTOOPT);
	CT_EQ(c, c->b->getsockopt((int)fd, IPPROTO_TCP, 9999, &v, &len), -ENOPROTOOPT);
	CT_EQ(c, c->b->setsockopt((int)fd, IPPROTO_TCP, 0, &v, sizeof(v)), -ENOPROTOOPT);
}

/* TCP_INFO's state: CLOSE (7) fresh, LISTEN (10), ESTABLISHED (1). */
static void tcp_info_states(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_state(c, (int)fd), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_state(c, p.lfd), CT_TCP_LISTEN);
	CT_EQ(c, ct_tcp_state(c, p.cli), CT_TCP_ESTABLISHED);
	CT_EQ(c, ct_tcp_state(c, p.srv), CT_TCP_ESTABLISHED);
}

/* After one end's SHUT_WR: that end is in FIN_WAIT2 (its FIN acknowledged),
 * the other in CLOSE_WAIT; after the other's SHUT_WR both are closed (the
 * first end's TIME_WAIT is not a socket state Linux reports). */
static void tcp_info_half_close_states(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), 0);
	CT_EQ(c, ct_tcp_state(c, p.srv), CT_TCP_CLOSE_WAIT);
	CT_EQ(c, ct_tcp_wait_state(c, p.cli, CT_TCP_FIN_WAIT2, CT_TCP_TIMEO_MS), CT_TCP_FIN_WAIT2);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_WR), 0);
	CT_EQ(c, c->b->read(p.cli, buf, sizeof(buf)), 0);
	CT_EQ(c, ct_tcp_wait_state(c, p.cli, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_wait_state(c, p.srv, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
}

/* TCP_INFO copies min(optlen, its size) bytes and says how many; a
 * negative length is EINVAL. */
static void tcp_info_optlen(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct tcp_info ti;
	unsigned char b[8];
	unsigned len;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	len = 1;
	memset(b, 0xaa, sizeof(b));
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_TCP, TCP_INFO, b, &len), 0);
	CT_EQ(c, len, 1);
	CT_EQ(c, b[0], CT_TCP_ESTABLISHED);
	CT_EQ(c, b[1], 0xaa);
	len = 0;
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_TCP, TCP_INFO, b, &len), 0);
	CT_EQ(c, len, 0);
	len = sizeof(ti);
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CT_EQ(c, len, sizeof(ti));
	CT_EQ(c, ti.tcpi_state, CT_TCP_ESTABLISHED);
	len = (unsigned)-1;
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_TCP, TCP_INFO, &ti, &len), -EINVAL);
}

/* IP_TOS on a TCP socket: the two ECN bits are the stack's, not the
 * user's: what is set in them is dropped. */
static void tcp_opt_ip_tos(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TOS), 0);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TOS, 0x10), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TOS), 0x10);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TOS, 0x13), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TOS), 0x10);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TOS, 0x03), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TOS), 0);
}

/* IP_TTL: 64 by default (ip_default_ttl), 1..255, -1 restores the
 * default. */
static void tcp_opt_ip_ttl(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TTL), 64);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TTL, 0), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TTL, 256), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TTL, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TTL), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_TTL, -1), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_TTL), 64);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_setint(c, p.cli, IPPROTO_IP, IP_TTL, 200), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, IPPROTO_IP, IP_TTL), 200);
}

static void tcp_opt_so_linger(struct ct_ctx *c)
{
	struct linger lg = { 1, 5 }, got;
	unsigned len = sizeof(got);
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	memset(&got, 0x55, sizeof(got));
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &got, &len), 0);
	CT_EQ(c, len, sizeof(got));
	CT_EQ(c, got.l_onoff, 0);
	CT_EQ(c, got.l_linger, 0);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &got, &len), 0);
	CT_EQ(c, got.l_onoff, 1);
	CT_EQ(c, got.l_linger, 5);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) - 1), -EINVAL);
	lg.l_onoff = 0;
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &got, &len), 0);
	CT_EQ(c, got.l_onoff, 0);
}

static long read_proc_mid(const char *path)
{
	long a, b, d;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld %ld", &a, &b, &d) != 3)
		b = -1;
	fclose(f);
	return b;
}

/* A fresh TCP socket's buffers are tcp_wmem[1] and tcp_rmem[1] (16384 and
 * 131072 by default), not the core defaults; a set value is doubled. */
static void tcp_opt_buf_defaults(struct ct_ctx *c)
{
	long snd = 16384, rcv = 131072, fd;

	if (strcmp(c->b->name, "linux") == 0) {
		snd = read_proc_mid("/proc/sys/net/ipv4/tcp_wmem");
		rcv = read_proc_mid("/proc/sys/net/ipv4/tcp_rmem");
	}
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_SNDBUF), snd);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_RCVBUF), rcv);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_RCVBUF, 10000), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_RCVBUF), 20000);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_SNDBUF, 10000), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_SNDBUF), 20000);
}

static void tcp_opt_rcvlowat(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_RCVLOWAT), 1);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_RCVLOWAT, 5), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_RCVLOWAT), 5);
	/* 0 is taken as 1. */
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_RCVLOWAT, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, SOL_SOCKET, SO_RCVLOWAT), 1);
}

/* SO_REUSEPORT listeners (Linux 3.9+): two listeners share a port, a
 * third socket without the option cannot bind it, and connections are
 * spread over the two: each is accepted by exactly one. */
static void tcp_reuseport_listeners(struct ct_ctx *c)
{
	struct sockaddr_in a = ct_sin4(CT_LO, 0);
	unsigned alen = sizeof(a);
	long l[2], fd;
	int on = 1;

	for (int i = 0; i < 2; i++) {
		CT_OK(c, l[i], ct_tcp_socket(c, SOCK_NONBLOCK));
		CT_EQ(c, ct_tcp_setint(c, (int)l[i], SOL_SOCKET, SO_REUSEPORT, 1), 0);
		CT_EQ(c, c->b->bind((int)l[i], &a, sizeof(a)), 0);
		if (!i)
			CT_EQ(c, c->b->getsockname((int)l[0], &a, &alen), 0);
		CT_EQ(c, c->b->listen((int)l[i], 64), 0);
	}
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EADDRINUSE);
	for (int i = 0; i < 16; i++)
		CT_OK(c, fd, ct_tcp_connect_to(c, &a));
	int got = 0;
	for (int tries = 0; got < 16 && tries < 200; tries++) {
		for (int i = 0; i < 2; i++) {
			long s2 = c->b->accept((int)l[i], NULL, NULL);
			if (s2 >= 0) {
				ct_fd(c, s2);
				got++;
			}
		}
		if (got < 16)
			ct_tcp_poll(c, (int)l[0], POLLIN, 10);
	}
	CT_EQ(c, got, 16);
	(void)on;
}

const struct ct_case ct_cases_tcp[] = {
	{ "tcp_reuseport_listeners", tcp_reuseport_listeners },
	{ "tcp_create", tcp_create },
	{ "tcp_create_ipproto_tcp", tcp_create_ipproto_tcp },
	{ "tcp_create_bad_protocol", tcp_create_bad_protocol },
	{ "tcp_create_protocol_range", tcp_create_protocol_range },
	{ "tcp_socketpair", tcp_socketpair },
	{ "tcp_create_nonblock", tcp_create_nonblock },
	{ "tcp_create_cloexec", tcp_create_cloexec },
	{ "tcp_fresh_names", tcp_fresh_names },
	{ "tcp_fresh_options", tcp_fresh_options },
	{ "tcp_bind_ephemeral", tcp_bind_ephemeral },
	{ "tcp_bind_any_ephemeral", tcp_bind_any_ephemeral },
	{ "tcp_bind_ephemeral_distinct", tcp_bind_ephemeral_distinct },
	{ "tcp_bind_twice", tcp_bind_twice },
	{ "tcp_bind_short_len", tcp_bind_short_len },
	{ "tcp_bind_bad_family", tcp_bind_bad_family },
	{ "tcp_bind_nonlocal", tcp_bind_nonlocal },
	{ "tcp_bind_inuse", tcp_bind_inuse },
	{ "tcp_bind_inuse_listener", tcp_bind_inuse_listener },
	{ "tcp_bind_inuse_any_overlap", tcp_bind_inuse_any_overlap },
	{ "tcp_bind_two_loopback_addrs", tcp_bind_two_loopback_addrs },
	{ "tcp_bind_reuseaddr_bound", tcp_bind_reuseaddr_bound },
	{ "tcp_bind_reuseaddr_listener", tcp_bind_reuseaddr_listener },
	{ "tcp_bind_reuseaddr_one_side", tcp_bind_reuseaddr_one_side },
	{ "tcp_bind_reuseaddr_get", tcp_bind_reuseaddr_get },
	{ "tcp_bind_failed_stays_unbound", tcp_bind_failed_stays_unbound },
	{ "tcp_bind_port_free_after_close", tcp_bind_port_free_after_close },
	{ "tcp_bind_udp_same_port", tcp_bind_udp_same_port },
	{ "tcp_bind_after_listen", tcp_bind_after_listen },
	{ "tcp_bind_after_connect", tcp_bind_after_connect },
	{ "tcp_bind_client_port_inuse", tcp_bind_client_port_inuse },
	{ "tcp_bind_port_held_by_accepted", tcp_bind_port_held_by_accepted },
	{ "tcp_bind_reuseaddr_restart", tcp_bind_reuseaddr_restart },
	{ "tcp_listen_autobind", tcp_listen_autobind },
	{ "tcp_listen_backlog0_admits", tcp_listen_backlog0_admits },
	{ "tcp_listen_backlog_respected", tcp_listen_backlog_respected },
	{ "tcp_info_listener_queue", tcp_info_listener_queue },
	{ "tcp_listen_twice", tcp_listen_twice },
	{ "tcp_listen_negative_backlog", tcp_listen_negative_backlog },
	{ "tcp_listen_connected", tcp_listen_connected },
	{ "tcp_listen_after_refused", tcp_listen_after_refused },
	{ "tcp_listen_acceptconn", tcp_listen_acceptconn },
	{ "tcp_listen_shutdown", tcp_listen_shutdown },
	{ "tcp_listen_shutdown_wakes_accept", tcp_listen_shutdown_wakes_accept },
	{ "tcp_listen_poll", tcp_listen_poll },
	{ "tcp_listen_close_resets_queue", tcp_listen_close_resets_queue },
	{ "tcp_accept_not_listening", tcp_accept_not_listening },
	{ "tcp_accept_nonblock_eagain", tcp_accept_nonblock_eagain },
	{ "tcp_accept_rcvtimeo", tcp_accept_rcvtimeo },
	{ "tcp_accept_peer_addr", tcp_accept_peer_addr },
	{ "tcp_accept_addr_truncated", tcp_accept_addr_truncated },
	{ "tcp_accept_addr_long_len", tcp_accept_addr_long_len },
	{ "tcp_accept_len_zero", tcp_accept_len_zero },
	{ "tcp_accept4_flags", tcp_accept4_flags },
	{ "tcp_accept_no_inherit_nonblock", tcp_accept_no_inherit_nonblock },
	{ "tcp_accept_inherits_options", tcp_accept_inherits_options },
	{ "tcp_accept_names", tcp_accept_names },
	{ "tcp_accept_any_listener_name", tcp_accept_any_listener_name },
	{ "tcp_accept_order", tcp_accept_order },
	{ "tcp_accept_after_client_close", tcp_accept_after_client_close },
	{ "tcp_accept_after_client_reset", tcp_accept_after_client_reset },
	{ "tcp_accept_blocking_wakes", tcp_accept_blocking_wakes },
	{ "tcp_connect_refused", tcp_connect_refused },
	{ "tcp_connect_port0", tcp_connect_port0 },
	{ "tcp_connect_refused_then_ok", tcp_connect_refused_then_ok },
	{ "tcp_connect_names", tcp_connect_names },
	{ "tcp_connect_twice", tcp_connect_twice },
	{ "tcp_connect_nonblock", tcp_connect_nonblock },
	{ "tcp_connect_nonblock_refused", tcp_connect_nonblock_refused },
	{ "tcp_connect_nonblock_refused_again", tcp_connect_nonblock_refused_again },
	{ "tcp_connect_nonblock_refused_error_taken", tcp_connect_nonblock_refused_error_taken },
	{ "tcp_connect_on_listener", tcp_connect_on_listener },
	{ "tcp_connect_unspec_disconnect", tcp_connect_unspec_disconnect },
	{ "tcp_connect_unspec_fresh", tcp_connect_unspec_fresh },
	{ "tcp_connect_unspec_listener", tcp_connect_unspec_listener },
	{ "tcp_connect_bad_addr", tcp_connect_bad_addr },
	{ "tcp_connect_any_addr", tcp_connect_any_addr },
	{ "tcp_connect_from_lo2", tcp_connect_from_lo2 },
	{ "tcp_connect_other_lo_refused", tcp_connect_other_lo_refused },
	{ "tcp_connect_bound_any", tcp_connect_bound_any },
	{ "tcp_connect_self", tcp_connect_self },
	{ "tcp_connect_ephemeral_distinct", tcp_connect_ephemeral_distinct },
	{ "tcp_connecting_state", tcp_connecting_state },
	{ "tcp_connecting_calls", tcp_connecting_calls },
	{ "tcp_connect_sndtimeo", tcp_connect_sndtimeo },
	{ "tcp_connect_backlog_retry", tcp_connect_backlog_retry },
	{ "tcp_connecting_close", tcp_connecting_close },
	{ "tcp_connecting_shutdown", tcp_connecting_shutdown },
	{ "tcp_getsockname_short", tcp_getsockname_short },
	{ "tcp_getpeername_short", tcp_getpeername_short },
	{ "tcp_getpeername_half_closed", tcp_getpeername_half_closed },
	{ "tcp_getpeername_after_reset", tcp_getpeername_after_reset },
	{ "tcp_accepted_identity", tcp_accepted_identity },
	{ "tcp_opt_keepalive", tcp_opt_keepalive },
	{ "tcp_opt_nodelay", tcp_opt_nodelay },
	{ "tcp_opt_cork", tcp_opt_cork },
	{ "tcp_opt_short_optlen", tcp_opt_short_optlen },
	{ "tcp_opt_maxseg_default", tcp_opt_maxseg_default },
	{ "tcp_opt_maxseg_range", tcp_opt_maxseg_range },
	{ "tcp_opt_maxseg_clamps", tcp_opt_maxseg_clamps },
	{ "tcp_opt_maxseg_established", tcp_opt_maxseg_established },
	{ "tcp_opt_keepalive_defaults", tcp_opt_keepalive_defaults },
	{ "tcp_opt_keepidle_intvl_range", tcp_opt_keepidle_intvl_range },
	{ "tcp_opt_keepcnt_range", tcp_opt_keepcnt_range },
	{ "tcp_opt_user_timeout", tcp_opt_user_timeout },
	{ "tcp_opt_defer_accept", tcp_opt_defer_accept },
	{ "tcp_opt_quickack", tcp_opt_quickack },
	{ "tcp_opt_syncnt", tcp_opt_syncnt },
	{ "tcp_opt_linger2", tcp_opt_linger2 },
	{ "tcp_opt_window_clamp", tcp_opt_window_clamp },
	{ "tcp_opt_unknown", tcp_opt_unknown },
	{ "tcp_info_states", tcp_info_states },
	{ "tcp_info_half_close_states", tcp_info_half_close_states },
	{ "tcp_info_optlen", tcp_info_optlen },
	{ "tcp_opt_ip_tos", tcp_opt_ip_tos },
	{ "tcp_opt_ip_ttl", tcp_opt_ip_ttl },
	{ "tcp_opt_so_linger", tcp_opt_so_linger },
	{ "tcp_opt_buf_defaults", tcp_opt_buf_defaults },
	{ "tcp_opt_rcvlowat", tcp_opt_rcvlowat },
	{ 0 },
};

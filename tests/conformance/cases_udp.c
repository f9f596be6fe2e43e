/*
 * cases_udp.c - AF_INET SOCK_DGRAM (UDP) on loopback: Linux's 127.0.0.1
 * against ksock's loopback device.
 *
 * Every expectation here is what Linux does (man 7 ip, man 7 udp); where
 * it is not obvious a comment says so. Ports are never fixed: each case
 * binds to port 0 and asks getsockname which port it got, so cases do not
 * collide with each other or with the host. A "closed" port is one a case
 * bound and then closed.
 *
 * Timing. Linux delivers a loopback datagram in the softirq that runs as
 * the sending call ends, and ksock drains its loopback queue at the same
 * point; but a case that expects a datagram still receives with a timeout
 * (SO_RCVTIMEO) rather than MSG_DONTWAIT, and a case that expects nothing
 * sends a marker behind and receives that.
 */
#include "ct.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define IN_EV (POLLIN | POLLRDNORM)
#define OUT_EV (POLLOUT | POLLWRNORM | POLLWRBAND)
#define ALL_EV (POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDBAND | POLLWRBAND | POLLRDHUP)

static struct sockaddr_in sin4(unsigned a, unsigned short port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = htonl(a);
	return s;
}

#define LO 0x7f000001u

static long mk_udp(struct ct_ctx *c)
{
	return ct_fd(c, c->b->socket(AF_INET, SOCK_DGRAM, 0));
}

/* A UDP socket bound to addr:0, its name in *out; with a 2 s receive
 * timeout so that a missing datagram fails instead of hanging. */
static long mk_bound_at(struct ct_ctx *c, unsigned addr, struct sockaddr_in *out)
{
	struct sockaddr_in a = sin4(addr, 0);
	struct timeval tv = { 2, 0 };
	unsigned len = sizeof(*out);
	long fd = mk_udp(c), r;

	if (fd < 0)
		return fd;
	r = c->b->bind((int)fd, &a, sizeof(a));
	if (!r)
		r = c->b->getsockname((int)fd, out, &len);
	if (!r)
		r = c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return r < 0 ? r : fd;
}

static long mk_bound(struct ct_ctx *c, struct sockaddr_in *out)
{
	return mk_bound_at(c, LO, out);
}

static long send_to(struct ct_ctx *c, int fd, const void *buf, unsigned long n,
		    const struct sockaddr_in *to)
{
	return c->b->sendto(fd, buf, n, 0, to, sizeof(*to));
}

static long recv_from(struct ct_ctx *c, int fd, void *buf, unsigned long n, int flags,
		      struct sockaddr_in *from)
{
	unsigned len = sizeof(*from);
	long r = c->b->recvfrom(fd, buf, n, flags, from, &len);

	if (r >= 0 && len != sizeof(*from))
		return -1000;
	return r;
}

static long pollr(struct ct_ctx *c, int fd, short events, int timeout_ms)
{
	struct pollfd p = { fd, events, 0 };
	long r = c->b->poll(&p, 1, timeout_ms);

	return r < 0 ? -1000 + r : p.revents;
}

/* A port nobody listens on: bound by a socket that was then closed. */
static long closed_port(struct ct_ctx *c, struct sockaddr_in *out)
{
	long fd = mk_bound(c, out);

	if (fd < 0)
		return fd;
	ct_untrack(c, (int)fd);
	return c->b->close((int)fd);
}

static void ephemeral_range(struct ct_ctx *c, unsigned *lo, unsigned *hi)
{
	*lo = 32768; /* ksock: Linux's default range */
	*hi = 60999;
	if (strcmp(c->b->name, "linux") == 0) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
		if (f) {
			if (fscanf(f, "%u %u", lo, hi) != 2) {
				*lo = 1024;
				*hi = 65535;
			}
			fclose(f);
		}
	}
}

static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
	       a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* ---- creation ---- */

static void udp_create(struct ct_ctx *c)
{
	long fd;
	int v;
	unsigned vl = sizeof(v);

	CT_OK(c, fd, mk_udp(c));
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
	CT_EQ(c, v, SOCK_DGRAM);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_PROTOCOL, &v, &vl), 0);
	CT_EQ(c, v, IPPROTO_UDP);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &v, &vl), 0);
	CT_EQ(c, v, AF_INET);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP)));
}

static void udp_create_bad_protocol(struct ct_ctx *c)
{
	CT_EQ(c, c->b->socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), -EPROTONOSUPPORT);
	CT_EQ(c, c->b->socket(AF_INET, SOCK_DGRAM, -1), -EINVAL);
	CT_EQ(c, c->b->socket(AF_INET, SOCK_DGRAM, 300), -EINVAL);
}

static void udp_socketpair(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, c->b->socketpair(AF_INET, SOCK_DGRAM, 0, sv), -EOPNOTSUPP);
}

static void udp_listen_accept(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, mk_bound(c, &me));
	CT_EQ(c, c->b->listen((int)fd, 5), -EOPNOTSUPP);
	CT_EQ(c, c->b->accept((int)fd, NULL, NULL), -EOPNOTSUPP);
}

/* ---- bind and names ---- */

static void udp_unbound_name(struct ct_ctx *c)
{
	struct sockaddr_in a, want = sin4(0, 0);
	unsigned len = sizeof(a);
	long fd;

	CT_OK(c, fd, mk_udp(c));
	memset(&a, 0x55, sizeof(a));
	CT_EQ(c, c->b->getsockname((int)fd, &a, &len), 0);
	CT_EQ(c, len, sizeof(a));
	CT_TRUE(c, memcmp(&a, &want, sizeof(a)) == 0);
	CT_EQ(c, c->b->getpeername((int)fd, &a, &len), -ENOTCONN);
}

static void udp_bind_ephemeral(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned lo, hi, port;
	long fd;

	ephemeral_range(c, &lo, &hi);
	CT_OK(c, fd, mk_bound(c, &me));
	port = ntohs(me.sin_port);
	CT_TRUE(c, port >= lo && port <= hi);
	CT_EQ(c, me.sin_family, AF_INET);
	CT_EQ(c, ntohl(me.sin_addr.s_addr), LO);
}

static void udp_bind_any_ephemeral(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned lo, hi;
	long fd;

	ephemeral_range(c, &lo, &hi);
	CT_OK(c, fd, mk_bound_at(c, INADDR_ANY, &me));
	CT_TRUE(c, ntohs(me.sin_port) >= lo && ntohs(me.sin_port) <= hi);
	CT_EQ(c, me.sin_addr.s_addr, 0);
}

/* Two port-0 binds never get the same port. */
static void udp_bind_ephemeral_distinct(struct ct_ctx *c)
{
	struct sockaddr_in a[8];
	long fd;

	for (int i = 0; i < 8; i++) {
		CT_OK(c, fd, mk_bound_at(c, INADDR_ANY, &a[i]));
		for (int j = 0; j < i; j++)
			CT_TRUE(c, a[i].sin_port != a[j].sin_port);
	}
}

static void udp_bind_twice(struct ct_ctx *c)
{
	struct sockaddr_in me, a = sin4(LO, 0);
	long fd;

	CT_OK(c, fd, mk_bound(c, &me));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &me, sizeof(me)), -EINVAL);
}

static void udp_bind_inuse(struct ct_ctx *c)
{
	struct sockaddr_in me, any;
	long fd, fd2;

	CT_OK(c, fd, mk_bound(c, &me));
	CT_OK(c, fd2, mk_udp(c));
	CT_EQ(c, c->b->bind((int)fd2, &me, sizeof(me)), -EADDRINUSE);
	/* INADDR_ANY overlaps every address. */
	any = sin4(INADDR_ANY, ntohs(me.sin_port));
	CT_EQ(c, c->b->bind((int)fd2, &any, sizeof(any)), -EADDRINUSE);
	/* The failed binds left it unbound: it can still bind elsewhere. */
	any.sin_port = 0;
	CT_EQ(c, c->b->bind((int)fd2, &any, sizeof(any)), 0);
}

static void udp_bind_inuse_any_first(struct ct_ctx *c)
{
	struct sockaddr_in me, a;
	long fd, fd2;

	CT_OK(c, fd, mk_bound_at(c, INADDR_ANY, &me));
	CT_OK(c, fd2, mk_udp(c));
	a = sin4(LO, ntohs(me.sin_port));
	CT_EQ(c, c->b->bind((int)fd2, &a, sizeof(a)), -EADDRINUSE);
}

/* Two loopback addresses do not overlap. */
static void udp_bind_two_loopback_addrs(struct ct_ctx *c)
{
	struct sockaddr_in me, a;
	long fd, fd2;

	CT_OK(c, fd, mk_bound(c, &me));
	CT_OK(c, fd2, mk_udp(c));
	a = sin4(0x7f000002u, ntohs(me.sin_port));
	CT_EQ(c, c->b->bind((int)fd2, &a, sizeof(a)), 0);
}

static void udp_bind_reuseaddr(struct ct_ctx *c)
{
	struct sockaddr_in a = sin4(LO, 0), me;
	unsigned len = sizeof(me);
	int one = 1;
	long fd, fd2, fd3;

	CT_OK(c, fd, mk_udp(c));
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), 0);
	CT_EQ(c, c->b->getsockname((int)fd, &me, &len), 0);
	/* Without SO_REUSEADDR on the second: in use. */
	CT_OK(c, fd2, mk_udp(c));
	CT_EQ(c, c->b->bind((int)fd2, &me, sizeof(me)), -EADDRINUSE);
	/* Both set: shared. */
	CT_OK(c, fd3, mk_udp(c));
	CT_EQ(c, c->b->setsockopt((int)fd3, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->bind((int)fd3, &me, sizeof(me)), 0);
}

static void udp_bind_port_free_after_close(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_EQ(c, closed_port(c, &me), 0);
	CT_OK(c, fd, mk_udp(c));
	CT_EQ(c, c->b->bind((int)fd, &me, sizeof(me)), 0);
}

static void udp_bind_short_len(struct ct_ctx *c)
{
	struct sockaddr_in a = sin4(LO, 0);
	long fd;

	CT_OK(c, fd, mk_udp(c));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a) - 1), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &a, 2), -EINVAL);
}

static void udp_bind_bad_family(struct ct_ctx *c)
{
	struct sockaddr_in a = sin4(LO, 0);
	long fd;

	CT_OK(c, fd, mk_udp(c));
	a.sin_family = AF_UNIX;
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	/* AF_UNSPEC passes for INADDR_ANY only. */
	a.sin_family = AF_UNSPEC;
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EAFNOSUPPORT);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), 0);
}

/* 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this host. */
static void udp_bind_nonlocal(struct ct_ctx *c)
{
	struct sockaddr_in a = sin4(0xc0000201u, 0), me;
	unsigned len = sizeof(me);
	long fd;

	CT_OK(c, fd, mk_udp(c));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), -EADDRNOTAVAIL);
	CT_EQ(c, c->b->getsockname((int)fd, &me, &len), 0);
	CT_EQ(c, me.sin_port, 0);
}

static void udp_getsockname_short(struct ct_ctx *c)
{
	struct sockaddr_in me;
	unsigned char buf[16];
	unsigned len = 4;
	long fd;

	CT_OK(c, fd, mk_bound(c, &me));
	memset(buf, 0xaa, sizeof(buf));
	CT_EQ(c, c->b->getsockname((int)fd, buf, &len), 0);
	CT_EQ(c, len, sizeof(struct sockaddr_in));
	CT_TRUE(c, memcmp(buf, &me, 4) == 0 && buf[4] == 0xaa);
}

/* ---- data ---- */

static void udp_roundtrip(struct ct_ctx *c)
{
	struct sockaddr_in a, b, from;
	char buf[64];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "hello", 5, &b), 5);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 5);
	CT_TRUE(c, memcmp(buf, "hello", 5) == 0);
	CT_TRUE(c, same_addr(&from, &a));
	CT_EQ(c, send_to(c, (int)fb, "world!", 6, &from), 6);
	CT_EQ(c, recv_from(c, (int)fa, buf, sizeof(buf), 0, &from), 6);
	CT_TRUE(c, same_addr(&from, &b));
}

/* An unbound sender is bound to INADDR_ANY and an ephemeral port by its
 * first send; the receiver sees 127.0.0.1 and that port. */
static void udp_autobind_on_send(struct ct_ctx *c)
{
	struct sockaddr_in b, me, from;
	unsigned len = sizeof(me), lo, hi;
	char buf[8];
	long fa, fb;

	ephemeral_range(c, &lo, &hi);
	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, send_to(c, (int)fa, "x", 1, &b), 1);
	CT_EQ(c, c->b->getsockname((int)fa, &me, &len), 0);
	CT_EQ(c, me.sin_addr.s_addr, 0);
	CT_TRUE(c, ntohs(me.sin_port) >= lo && ntohs(me.sin_port) <= hi);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), LO);
	CT_EQ(c, from.sin_port, me.sin_port);
}

static void udp_send_to_self(struct ct_ctx *c)
{
	struct sockaddr_in a, from;
	char buf[8];
	long fa;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, send_to(c, (int)fa, "me", 2, &a), 2);
	CT_EQ(c, recv_from(c, (int)fa, buf, sizeof(buf), 0, &from), 2);
	CT_TRUE(c, same_addr(&from, &a));
}

/* Sent to 127.0.0.1, received by a socket bound to INADDR_ANY. */
static void udp_any_receives_loopback(struct ct_ctx *c)
{
	struct sockaddr_in any, to, a, from;
	char buf[8];
	long fa, fb;

	CT_OK(c, fb, mk_bound_at(c, INADDR_ANY, &any));
	CT_OK(c, fa, mk_bound(c, &a));
	to = sin4(LO, ntohs(any.sin_port));
	CT_EQ(c, send_to(c, (int)fa, "any", 3, &to), 3);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 3);
	CT_TRUE(c, same_addr(&from, &a));
}

static void udp_message_boundaries(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	static const unsigned sizes[] = { 1, 1000, 3, 8192, 17 };
	char out[8192], in[9000];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	for (unsigned i = 0; i < 5; i++) {
		ct_fill(out, sizes[i], i + 1);
		CT_EQ(c, send_to(c, (int)fa, out, sizes[i], &b), sizes[i]);
	}
	for (unsigned i = 0; i < 5; i++) {
		ct_fill(out, sizes[i], i + 1);
		CT_EQ(c, c->b->recvfrom((int)fb, in, sizeof(in), 0, NULL, NULL), sizes[i]);
		CT_TRUE(c, memcmp(in, out, sizes[i]) == 0);
	}
}

static void udp_zero_length(struct ct_ctx *c)
{
	struct sockaddr_in a, b, from;
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "", 0, &b), 0);
	CT_EQ(c, pollr(c, (int)fb, POLLIN, 2000), POLLIN);
	int n = -1;
	CT_EQ(c, c->b->ioctl((int)fb, FIONREAD, &n), 0);
	CT_EQ(c, n, 0);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 0);
	CT_TRUE(c, same_addr(&from, &a));
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), -EAGAIN);
}

/* A short buffer takes the start; the rest is discarded; recvmsg says
 * MSG_TRUNC. */
static void udp_trunc(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[16];
	struct iovec iov = { buf, 4 };
	struct msghdr mh;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "0123456789", 10, &b), 10);
	CT_EQ(c, send_to(c, (int)fa, "next", 4, &b), 4);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CT_EQ(c, c->b->recvmsg((int)fb, &mh, 0), 4);
	CT_TRUE(c, memcmp(buf, "0123", 4) == 0);
	CT_TRUE(c, (mh.msg_flags & MSG_TRUNC) != 0);
	iov.iov_len = sizeof(buf);
	CT_EQ(c, c->b->recvmsg((int)fb, &mh, 0), 4);
	CT_TRUE(c, memcmp(buf, "next", 4) == 0);
	CT_EQ(c, mh.msg_flags & MSG_TRUNC, 0);
}

/* MSG_TRUNC as a flag: the datagram's real length is returned. */
static void udp_trunc_flag(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "0123456789", 10, &b), 10);
	CT_EQ(c, send_to(c, (int)fa, "ab", 2, &b), 2);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, 3, MSG_TRUNC, NULL, NULL), 10);
	CT_TRUE(c, memcmp(buf, "012", 3) == 0);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_TRUNC, NULL, NULL), 2);
}

static void udp_peek(struct ct_ctx *c)
{
	struct sockaddr_in a, b, from;
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "first", 5, &b), 5);
	CT_EQ(c, send_to(c, (int)fa, "second", 6, &b), 6);
	CT_EQ(c, recv_from(c, (int)fb, buf, 3, MSG_PEEK, &from), 3);
	CT_TRUE(c, same_addr(&from, &a));
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK, NULL, NULL), 5);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 5);
	CT_TRUE(c, memcmp(buf, "first", 5) == 0);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK | MSG_TRUNC, NULL, NULL), 6);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 6);
	CT_TRUE(c, memcmp(buf, "second", 6) == 0);
}

static void udp_dontwait(struct ct_ctx *c)
{
	struct sockaddr_in a;
	char buf[4];
	long fa, fn;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, c->b->recvfrom((int)fa, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), -EAGAIN);
	CT_OK(c, fn, ct_fd(c, c->b->socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->recvfrom((int)fn, buf, sizeof(buf), 0, NULL, NULL), -EAGAIN);
	CT_EQ(c, c->b->read((int)fn, buf, sizeof(buf)), -EAGAIN);
}

static void udp_rcvtimeo(struct ct_ctx *c)
{
	struct sockaddr_in a;
	struct timeval tv = { 0, 50000 };
	char buf[4];
	long fa;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, c->b->setsockopt((int)fa, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	CT_EQ(c, c->b->recvfrom((int)fa, buf, sizeof(buf), 0, NULL, NULL), -EAGAIN);
}

static void udp_max_datagram(struct ct_ctx *c)
{
	static char out[65536], in[65536];
	struct sockaddr_in a, b;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	ct_fill(out, sizeof(out), 7);
	CT_EQ(c, send_to(c, (int)fa, out, 65508, &b), -EMSGSIZE);
	CT_EQ(c, send_to(c, (int)fa, out, 65536, &b), -EMSGSIZE);
	CT_EQ(c, send_to(c, (int)fa, out, 65507, &b), 65507);
	CT_EQ(c, c->b->recvfrom((int)fb, in, sizeof(in), 0, NULL, NULL), 65507);
	CT_TRUE(c, memcmp(in, out, 65507) == 0);
}

/* Past 64 KiB the length itself is refused, before the address. */
static void udp_emsgsize_before_address(struct ct_ctx *c)
{
	static char out[70000];
	struct sockaddr_in a;
	long fa;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, c->b->sendto((int)fa, out, sizeof(out), 0, &a, 3), -EMSGSIZE);
	CT_EQ(c, c->b->sendto((int)fa, out, 100, 0, &a, 3), -EINVAL);
}

static void udp_edestaddrreq(struct ct_ctx *c)
{
	long fa;

	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->sendto((int)fa, "x", 1, 0, NULL, 0), -EDESTADDRREQ);
	CT_EQ(c, c->b->write((int)fa, "x", 1), -EDESTADDRREQ);
}

static void udp_sendto_bad_addr(struct ct_ctx *c)
{
	struct sockaddr_in a, to;
	long fa;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, c->b->sendto((int)fa, "x", 1, 0, &a, sizeof(a) - 1), -EINVAL);
	to = a;
	to.sin_family = AF_UNIX;
	CT_EQ(c, send_to(c, (int)fa, "x", 1, &to), -EAFNOSUPPORT);
	to = a;
	to.sin_port = 0;
	CT_EQ(c, send_to(c, (int)fa, "x", 1, &to), -EINVAL);
}

/* AF_UNSPEC in a destination is taken as AF_INET. */
static void udp_sendto_unspec_family(struct ct_ctx *c)
{
	struct sockaddr_in a, b, to;
	char buf[4];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	to = b;
	to.sin_family = AF_UNSPEC;
	CT_EQ(c, send_to(c, (int)fa, "u", 1, &to), 1);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 1);
}

static void udp_recvmsg_name(struct ct_ctx *c)
{
	struct sockaddr_in a, b, from;
	char buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "nm", 2, &b), 2);
	memset(&mh, 0, sizeof(mh));
	memset(&from, 0x77, sizeof(from));
	mh.msg_name = &from;
	mh.msg_namelen = 64;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CT_EQ(c, c->b->recvmsg((int)fb, &mh, 0), 2);
	CT_EQ(c, mh.msg_namelen, sizeof(from));
	CT_TRUE(c, same_addr(&from, &a));
	CT_EQ(c, from.sin_zero[0] | from.sin_zero[7], 0);
}

/* ---- connect ---- */

static void udp_connect_names(struct ct_ctx *c)
{
	struct sockaddr_in b, me, peer;
	unsigned len = sizeof(me);
	long fa, fb;

	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->getpeername((int)fa, &peer, &len), 0);
	CT_EQ(c, len, sizeof(peer));
	CT_TRUE(c, same_addr(&peer, &b));
	/* connect chose the source address and an ephemeral port. */
	CT_EQ(c, c->b->getsockname((int)fa, &me, &len), 0);
	CT_EQ(c, ntohl(me.sin_addr.s_addr), LO);
	CT_TRUE(c, me.sin_port != 0);
}

static void udp_connect_send(struct ct_ctx *c)
{
	struct sockaddr_in a, b, from;
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->write((int)fa, "w", 1), 1);
	CT_EQ(c, c->b->sendto((int)fa, "s", 1, 0, NULL, 0), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_TRUE(c, buf[0] == 'w' && same_addr(&from, &a));
	CT_EQ(c, c->b->read((int)fb, buf, sizeof(buf)), 1);
	CT_EQ(c, buf[0], 's');
}

/* A connected socket still sends where sendto says. */
static void udp_connected_sendto_other(struct ct_ctx *c)
{
	struct sockaddr_in a, b, d;
	char buf[8];
	long fa, fb, fd;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fd, mk_bound(c, &d));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, send_to(c, (int)fa, "o", 1, &d), 1);
	CT_EQ(c, c->b->read((int)fd, buf, sizeof(buf)), 1);
}

/* A connected socket receives only from its peer. */
static void udp_connect_filters(struct ct_ctx *c)
{
	struct sockaddr_in a, b, r, from;
	char buf[8];
	long fa, fb, fr;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fr, mk_bound(c, &r));
	CT_EQ(c, c->b->connect((int)fr, &a, sizeof(a)), 0);
	CT_EQ(c, send_to(c, (int)fb, "B", 1, &r), 1);
	CT_EQ(c, send_to(c, (int)fa, "A", 1, &r), 1);
	CT_EQ(c, recv_from(c, (int)fr, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, buf[0], 'A');
	CT_TRUE(c, same_addr(&from, &a));
	CT_EQ(c, c->b->recvfrom((int)fr, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), -EAGAIN);
}

/* A socket bound to an explicit port (one that was free: a closed one). */
static long mk_bound_port(struct ct_ctx *c, struct sockaddr_in *out)
{
	struct timeval tv = { 2, 0 };
	long fd, r = closed_port(c, out);

	if (r < 0)
		return r;
	fd = mk_udp(c);
	if (fd < 0)
		return fd;
	r = c->b->bind((int)fd, out, sizeof(*out));
	if (!r)
		r = c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return r < 0 ? r : fd;
}

/* connect(AF_UNSPEC) forgets the peer: anyone may send again. */
static void udp_disconnect(struct ct_ctx *c)
{
	struct sockaddr_in a, b, r, peer, un;
	unsigned len = sizeof(peer);
	char buf[8];
	long fa, fb, fr;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fr, mk_bound_port(c, &r));
	CT_EQ(c, c->b->connect((int)fr, &a, sizeof(a)), 0);
	memset(&un, 0, sizeof(un));
	un.sin_family = AF_UNSPEC;
	CT_EQ(c, c->b->connect((int)fr, &un, sizeof(un)), 0);
	CT_EQ(c, c->b->getpeername((int)fr, &peer, &len), -ENOTCONN);
	CT_EQ(c, c->b->write((int)fr, "x", 1), -EDESTADDRREQ);
	CT_EQ(c, send_to(c, (int)fb, "B", 1, &r), 1);
	CT_EQ(c, c->b->read((int)fr, buf, sizeof(buf)), 1);
	CT_EQ(c, buf[0], 'B');
	/* An explicit bind survives the disconnect. */
	CT_EQ(c, c->b->getsockname((int)fr, &peer, &len), 0);
	CT_TRUE(c, same_addr(&peer, &r));
	/* AF_UNSPEC needs only the family's two bytes. */
	CT_EQ(c, c->b->connect((int)fr, &un, 2), 0);
	CT_EQ(c, c->b->connect((int)fr, &un, 1), -EINVAL);
}

/* A port bind chose (port 0) is not the caller's: the disconnect gives it
 * up, though the address bind set stays (Linux's SOCK_BINDPORT_LOCK is set
 * only by a bind to a nonzero port). */
static void udp_disconnect_bind_port0(struct ct_ctx *c)
{
	struct sockaddr_in a, r, me, un;
	unsigned len = sizeof(me);
	long fa, fr;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fr, mk_bound(c, &r));
	CT_EQ(c, c->b->connect((int)fr, &a, sizeof(a)), 0);
	memset(&un, 0, sizeof(un));
	un.sin_family = AF_UNSPEC;
	CT_EQ(c, c->b->connect((int)fr, &un, sizeof(un)), 0);
	CT_EQ(c, c->b->getsockname((int)fr, &me, &len), 0);
	CT_EQ(c, ntohl(me.sin_addr.s_addr), LO);
	CT_EQ(c, me.sin_port, 0);
	/* Nothing reaches the old port now: it is closed. */
	CT_EQ(c, c->b->connect((int)fa, &r, sizeof(r)), 0);
	CT_EQ(c, c->b->write((int)fa, "x", 1), 1);
	CT_EQ(c, c->b->recvfrom((int)fa, &un, 1, 0, NULL, NULL), -ECONNREFUSED);
}

/* Linux's udp_disconnect gives up what connect chose: the source address
 * and, when bind did not choose it, the port. */
static void udp_disconnect_autobound(struct ct_ctx *c)
{
	struct sockaddr_in b, me, un;
	unsigned len = sizeof(me);
	long fa, fb;

	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	memset(&un, 0, sizeof(un));
	un.sin_family = AF_UNSPEC;
	CT_EQ(c, c->b->connect((int)fa, &un, sizeof(un)), 0);
	CT_EQ(c, c->b->getsockname((int)fa, &me, &len), 0);
	CT_EQ(c, me.sin_addr.s_addr, 0);
	CT_EQ(c, me.sin_port, 0);
}

/* Connecting again replaces the peer. */
static void udp_reconnect(struct ct_ctx *c)
{
	struct sockaddr_in a, b, r, peer;
	unsigned len = sizeof(peer);
	char buf[8];
	long fa, fb, fr;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fr, mk_bound(c, &r));
	CT_EQ(c, c->b->connect((int)fr, &a, sizeof(a)), 0);
	CT_EQ(c, c->b->connect((int)fr, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->getpeername((int)fr, &peer, &len), 0);
	CT_TRUE(c, same_addr(&peer, &b));
	CT_EQ(c, send_to(c, (int)fa, "A", 1, &r), 1);
	CT_EQ(c, send_to(c, (int)fb, "B", 1, &r), 1);
	CT_EQ(c, c->b->read((int)fr, buf, sizeof(buf)), 1);
	CT_EQ(c, buf[0], 'B');
}

/* 0.0.0.0 as a destination means this host: the peer is 127.0.0.1. */
static void udp_connect_any(struct ct_ctx *c)
{
	struct sockaddr_in b, to, peer;
	unsigned len = sizeof(peer);
	char buf[4];
	long fa, fb;

	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fa, mk_udp(c));
	to = sin4(INADDR_ANY, ntohs(b.sin_port));
	CT_EQ(c, c->b->connect((int)fa, &to, sizeof(to)), 0);
	CT_EQ(c, c->b->getpeername((int)fa, &peer, &len), 0);
	CT_TRUE(c, same_addr(&peer, &b));
	CT_EQ(c, c->b->write((int)fa, "z", 1), 1);
	CT_EQ(c, c->b->read((int)fb, buf, sizeof(buf)), 1);
}

static void udp_connect_bad_addr(struct ct_ctx *c)
{
	struct sockaddr_in b, to;
	long fa;

	CT_OK(c, fa, mk_bound(c, &b));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b) - 1), -EINVAL);
	to = b;
	to.sin_family = AF_UNIX;
	CT_EQ(c, c->b->connect((int)fa, &to, sizeof(to)), -EAFNOSUPPORT);
}

static void udp_bind_after_connect(struct ct_ctx *c)
{
	struct sockaddr_in b, a = sin4(LO, 0);
	long fa, fb;

	CT_OK(c, fb, mk_bound(c, &b));
	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->bind((int)fa, &a, sizeof(a)), -EINVAL);
}

/* ---- ICMP port unreachable ---- */

/* Waits until the pending error is there (poll says POLLERR, whatever
 * was asked). */
static long wait_err(struct ct_ctx *c, int fd)
{
	return pollr(c, fd, POLLIN, 2000);
}

static long mk_refused(struct ct_ctx *c)
{
	struct sockaddr_in dead;
	long fa, r;

	r = closed_port(c, &dead);
	if (r < 0)
		return r;
	fa = mk_bound(c, &(struct sockaddr_in){0});
	if (fa < 0)
		return fa;
	r = c->b->connect((int)fa, &dead, sizeof(dead));
	if (!r)
		r = c->b->write((int)fa, "ping", 4);
	return r < 0 ? r : fa;
}

/* A datagram to a closed port comes back as ECONNREFUSED at the next
 * receive on a connected socket, once. */
static void udp_refused_recv(struct ct_ctx *c)
{
	char buf[8];
	long fa;

	CT_OK(c, fa, mk_refused(c));
	CT_EQ(c, c->b->recvfrom((int)fa, buf, sizeof(buf), 0, NULL, NULL), -ECONNREFUSED);
	CT_EQ(c, c->b->recvfrom((int)fa, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), -EAGAIN);
}

static void udp_refused_send(struct ct_ctx *c)
{
	long fa;

	CT_OK(c, fa, mk_refused(c));
	CT_EQ(c, wait_err(c, (int)fa), POLLERR);
	CT_EQ(c, c->b->write((int)fa, "x", 1), -ECONNREFUSED);
	CT_EQ(c, pollr(c, (int)fa, POLLIN | POLLOUT, 0), POLLOUT);
}

static void udp_refused_so_error(struct ct_ctx *c)
{
	int err = -1;
	unsigned len = sizeof(err);
	long fa;

	CT_OK(c, fa, mk_refused(c));
	CT_EQ(c, wait_err(c, (int)fa), POLLERR);
	CT_EQ(c, c->b->getsockopt((int)fa, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CT_EQ(c, err, ECONNREFUSED);
	CT_EQ(c, c->b->getsockopt((int)fa, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CT_EQ(c, err, 0);
}

/* An unconnected socket is not told (without IP_RECVERR). */
static void udp_unconnected_not_refused(struct ct_ctx *c)
{
	struct sockaddr_in dead, a;
	char buf[4];
	int err = -1;
	unsigned len = sizeof(err);
	long fa;

	CT_EQ(c, closed_port(c, &dead), 0);
	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, send_to(c, (int)fa, "x", 1, &dead), 1);
	CT_EQ(c, send_to(c, (int)fa, "y", 1, &a), 1); /* a marker behind it */
	CT_EQ(c, c->b->read((int)fa, buf, sizeof(buf)), 1);
	CT_EQ(c, buf[0], 'y');
	CT_EQ(c, c->b->getsockopt((int)fa, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CT_EQ(c, err, 0);
	CT_EQ(c, send_to(c, (int)fa, "z", 1, &a), 1);
}

/* ---- readiness ---- */

static void udp_poll_masks(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[4];
	long fa, fb, fn;

	CT_OK(c, fn, mk_udp(c));
	CT_EQ(c, pollr(c, (int)fn, ALL_EV, 0), OUT_EV);
	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, pollr(c, (int)fb, ALL_EV, 0), OUT_EV);
	CT_EQ(c, send_to(c, (int)fa, "p", 1, &b), 1);
	CT_EQ(c, pollr(c, (int)fb, ALL_EV, 2000), OUT_EV | IN_EV);
	CT_EQ(c, c->b->read((int)fb, buf, sizeof(buf)), 1);
	CT_EQ(c, pollr(c, (int)fb, ALL_EV, 0), OUT_EV);
}

static void udp_poll_shutdown(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->shutdown((int)fa, SHUT_RD), 0);
	CT_EQ(c, pollr(c, (int)fa, ALL_EV, 0), OUT_EV | IN_EV | POLLRDHUP);
	CT_EQ(c, c->b->shutdown((int)fa, SHUT_WR), 0);
	CT_EQ(c, pollr(c, (int)fa, ALL_EV, 0), OUT_EV | IN_EV | POLLRDHUP | POLLHUP);
}

/* inet_shutdown sets the bits on an unconnected socket too, but says
 * ENOTCONN. */
static void udp_shutdown_unconnected(struct ct_ctx *c)
{
	struct sockaddr_in a;
	long fa;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_EQ(c, c->b->shutdown((int)fa, SHUT_RDWR), -ENOTCONN);
	CT_EQ(c, pollr(c, (int)fa, ALL_EV, 0), OUT_EV | IN_EV | POLLRDHUP | POLLHUP);
	CT_EQ(c, c->b->shutdown((int)fa, 3), -EINVAL);
	CT_EQ(c, c->b->shutdown((int)fa, -1), -EINVAL);
}

static void udp_shutdown_rd_eof(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[4];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->shutdown((int)fa, SHUT_RD), 0);
	CT_EQ(c, c->b->read((int)fa, buf, sizeof(buf)), 0);
	CT_EQ(c, c->b->recvfrom((int)fa, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), -EAGAIN);
}

static void udp_shutdown_wr_epipe(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, c->b->shutdown((int)fa, SHUT_WR), 0);
	CT_EQ(c, c->b->sendto((int)fa, "x", 1, MSG_NOSIGNAL, NULL, 0), -EPIPE);
}

struct blocked_rd {
	const struct ct_backend *b;
	int fd;
	long r;
	char buf[8];
};

static void *blocked_reader(void *arg)
{
	struct blocked_rd *r = arg;

	r->r = r->b->read(r->fd, r->buf, sizeof(r->buf));
	return NULL;
}

/* A blocked reader wakes when a datagram arrives. */
static void udp_blocking_wakeup(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	struct blocked_rd r;
	pthread_t t;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	r.b = c->b;
	r.fd = (int)fb;
	r.r = -12345;
	CT_EQ(c, pthread_create(&t, NULL, blocked_reader, &r), 0);
	CT_CHECK_EQ(c, send_to(c, (int)fa, "wake", 4, &b), 4);
	pthread_join(t, NULL);
	CT_EQ(c, r.r, 4);
	CT_TRUE(c, memcmp(r.buf, "wake", 4) == 0);
}

struct echo_arg {
	const struct ct_backend *b;
	int fd;
	int rounds;
	long err;
};

/* Echoes each datagram back to its sender. */
static void *echo_thread(void *arg)
{
	struct echo_arg *e = arg;
	struct sockaddr_in from;
	char buf[256];

	for (int i = 0; i < e->rounds; i++) {
		unsigned len = sizeof(from);
		long n = e->b->recvfrom(e->fd, buf, sizeof(buf), 0, &from, &len);
		if (n < 0 || (n = e->b->sendto(e->fd, buf, (unsigned long)n, 0, &from, len)) < 0) {
			e->err = n;
			return NULL;
		}
	}
	return NULL;
}

/* Request and reply between two threads, each blocking in turn: every
 * reply is the request's bytes. */
static void udp_echo_threads(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	struct echo_arg e;
	char out[256], in[256];
	pthread_t t;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	e.b = c->b;
	e.fd = (int)fb;
	e.rounds = 300;
	e.err = 0;
	CT_EQ(c, pthread_create(&t, NULL, echo_thread, &e), 0);
	for (int i = 0; i < e.rounds; i++) {
		unsigned n = 1 + (unsigned)i % sizeof(out);
		ct_fill(out, n, (unsigned)i);
		long w = c->b->write((int)fa, out, n);
		long r = w == (long)n ? c->b->read((int)fa, in, sizeof(in)) : w;
		CT_CHECK_EQ(c, r, n);
		if (r != (long)n || memcmp(in, out, n) != 0) {
			CT_CHECK_TRUE(c, r != (long)n); /* a mismatch of bytes fails here */
			c->b->shutdown((int)fb, SHUT_RD); /* let the echo thread stop */
			break;
		}
	}
	pthread_join(t, NULL);
	CT_EQ(c, e.err, 0);
}

/* ---- buffers ---- */

/* A small receive buffer fills: some datagrams arrive, the rest are
 * dropped (how many of each is not semantics). */
static void udp_rcvbuf_drops(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	struct timeval tv = { 0, 200000 };
	char out[1000], in[1000];
	int sz = 4096;
	long fa, fb, n = 0, r;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)), 0);
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	for (int i = 0; i < 64; i++) {
		ct_fill(out, sizeof(out), (unsigned)i);
		CT_EQ(c, send_to(c, (int)fa, out, sizeof(out), &b), sizeof(out));
	}
	while ((r = c->b->read((int)fb, in, sizeof(in))) == (long)sizeof(in))
		n++;
	CT_EQ(c, r, -EAGAIN);
	CT_TRUE(c, n > 0 && n < 64);
}

/* One datagram always fits, however small the buffer. */
static void udp_rcvbuf_one_fits(struct ct_ctx *c)
{
	static char out[30000], in[30000];
	struct sockaddr_in a, b;
	int sz = 0;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)), 0);
	CT_EQ(c, send_to(c, (int)fa, out, sizeof(out), &b), sizeof(out));
	CT_EQ(c, c->b->read((int)fb, in, sizeof(in)), sizeof(in));
}

/* FIONREAD: the size of the next datagram, not the bytes queued. */
static void udp_fionread(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[16];
	int n = -1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->ioctl((int)fb, FIONREAD, &n), 0);
	CT_EQ(c, n, 0);
	CT_EQ(c, send_to(c, (int)fa, "12345", 5, &b), 5);
	CT_EQ(c, send_to(c, (int)fa, "123456789", 9, &b), 9);
	CT_EQ(c, pollr(c, (int)fb, POLLIN, 2000), POLLIN);
	CT_EQ(c, c->b->ioctl((int)fb, FIONREAD, &n), 0);
	CT_EQ(c, n, 5);
	CT_EQ(c, c->b->read((int)fb, buf, sizeof(buf)), 5);
	CT_EQ(c, c->b->ioctl((int)fb, FIONREAD, &n), 0);
	CT_EQ(c, n, 9);
	CT_EQ(c, c->b->ioctl((int)fb, SIOCOUTQ, &n), 0);
	CT_EQ(c, n, 0);
}

/* ---- options ---- */

static void udp_ip_ttl(struct ct_ctx *c)
{
	int v = -5;
	unsigned len = sizeof(v);
	long fa;

	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CT_EQ(c, v, 64);
	CT_EQ(c, len, sizeof(int));
	v = 10;
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CT_EQ(c, v, 10);
	v = -1; /* back to the default */
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CT_EQ(c, v, 64);
	v = 0;
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -EINVAL);
	v = 256;
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, 0), -EINVAL);
}

/* A buffer shorter than an int gets one byte. */
static void udp_ip_ttl_short(struct ct_ctx *c)
{
	unsigned char b[4] = { 0xee, 0xee, 0xee, 0xee };
	unsigned len = 1;
	long fa;

	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, IP_TTL, b, &len), 0);
	CT_EQ(c, len, 1);
	CT_EQ(c, b[0], 64);
	CT_EQ(c, b[1], 0xee);
}

static void udp_ip_tos(struct ct_ctx *c)
{
	int v = -5;
	unsigned len = sizeof(v);
	long fa;

	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, IP_TOS, &v, &len), 0);
	CT_EQ(c, v, 0);
	v = 0x10;
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, IP_TOS, &v, &len), 0);
	CT_EQ(c, v, 0x10);
}

/* The TTL and TOS set do not change what is delivered. */
static void udp_ttl_tos_send(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[4];
	int v = 1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	v = 0xb8;
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	CT_EQ(c, send_to(c, (int)fa, "t", 1, &b), 1);
	CT_EQ(c, c->b->read((int)fb, buf, sizeof(buf)), 1);
}

static void udp_ip_unknown_option(struct ct_ctx *c)
{
	int v = 1;
	unsigned len = sizeof(v);
	long fa;

	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, 9999, &v, sizeof(v)), -ENOPROTOOPT);
	CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, 9999, &v, &len), -ENOPROTOOPT);
}

static void udp_so_broadcast(struct ct_ctx *c)
{
	int v = 1;
	unsigned len = sizeof(v);
	long fa;

	CT_OK(c, fa, mk_udp(c));
	CT_EQ(c, c->b->getsockopt((int)fa, SOL_SOCKET, SO_BROADCAST, &v, &len), 0);
	CT_EQ(c, v, 0);
	v = 1;
	CT_EQ(c, c->b->setsockopt((int)fa, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)), 0);
	CT_EQ(c, c->b->getsockopt((int)fa, SOL_SOCKET, SO_BROADCAST, &v, &len), 0);
	CT_EQ(c, v, 1);
}

/* ---- control messages: IP_PKTINFO, IP_RECVTTL, IP_RECVTOS ---- */

/* Receives one datagram with a control buffer of clen bytes; the message
 * header is left in *mh (its msg_control pointing at ctl). */
static long recv_ctl(struct ct_ctx *c, int fd, char *buf, unsigned long n, void *ctl,
		     unsigned clen, int flags, struct sockaddr_in *from, struct msghdr *mh)
{
	struct iovec iov = { buf, n };

	memset(mh, 0, sizeof(*mh));
	mh->msg_name = from;
	mh->msg_namelen = from ? sizeof(*from) : 0;
	mh->msg_iov = &iov;
	mh->msg_iovlen = 1;
	mh->msg_control = clen ? ctl : NULL;
	mh->msg_controllen = clen;
	return c->b->recvmsg(fd, mh, flags);
}

/* Sends buf to `to` with one control message. */
static long send_ctl(struct ct_ctx *c, int fd, const char *buf, unsigned long n,
		     const struct sockaddr_in *to, int level, int type, const void *data,
		     unsigned dlen)
{
	union {
		char b[CMSG_SPACE(32)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, n };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&ctl, 0, sizeof(ctl));
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)to;
	mh.msg_namelen = to ? sizeof(*to) : 0;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = CMSG_SPACE(dlen);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(dlen);
	memcpy(CMSG_DATA(cm), data, dlen);
	return c->b->sendmsg(fd, &mh, 0);
}

static struct in_pktinfo pktinfo(int ifindex, unsigned spec_dst, unsigned addr)
{
	struct in_pktinfo pi;

	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = ifindex;
	pi.ipi_spec_dst.s_addr = htonl(spec_dst);
	pi.ipi_addr.s_addr = htonl(addr);
	return pi;
}

/* IP_PKTINFO, IP_RECVTTL and IP_RECVTOS are booleans: off by default, any
 * nonzero value is 1, one byte or none at all is accepted (none is 0). */
static void udp_recv_opts_bool(struct ct_ctx *c)
{
	static const int names[3] = { IP_PKTINFO, IP_RECVTTL, IP_RECVTOS };
	unsigned char b[4];
	unsigned len;
	int v;
	long fa;

	CT_OK(c, fa, mk_udp(c));
	for (int i = 0; i < 3; i++) {
		len = sizeof(v);
		v = -5;
		CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, names[i], &v, &len), 0);
		CT_EQ(c, v, 0);
		CT_EQ(c, len, sizeof(int));
		v = 256;
		CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, names[i], &v, sizeof(v)), 0);
		CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, names[i], &v, &len), 0);
		CT_EQ(c, v, 1);
		len = 1;
		memset(b, 0xee, sizeof(b));
		CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, names[i], b, &len), 0);
		CT_EQ(c, len, 1);
		CT_EQ(c, b[0], 1);
		CT_EQ(c, b[1], 0xee);
		CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, names[i], b + 1, 0), 0);
		len = sizeof(v);
		CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, names[i], &v, &len), 0);
		CT_EQ(c, v, 0);
		b[0] = 7;
		CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, names[i], b, 1), 0);
		CT_EQ(c, c->b->getsockopt((int)fa, IPPROTO_IP, names[i], &v, &len), 0);
		CT_EQ(c, v, 1);
	}
}

/* Without the options recvmsg adds no control message. */
static void udp_recv_no_cmsg(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[8], ctl[64];
	struct msghdr mh;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "n", 1, &b), 1);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), 0, NULL, &mh), 1);
	CT_EQ(c, mh.msg_controllen, 0);
	CT_EQ(c, mh.msg_flags, 0);
}

/* IP_PKTINFO on loopback: interface 1 (lo), and both addresses are the
 * datagram's destination, here 127.0.0.2 on a socket bound to INADDR_ANY. */
static void udp_pktinfo_recv(struct ct_ctx *c)
{
	struct sockaddr_in a, b, to;
	char buf[8], ctl[128];
	struct in_pktinfo pi;
	struct msghdr mh;
	struct cmsghdr *cm;
	int one = 1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound_at(c, 0, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
	to = sin4(0x7f000002u, ntohs(b.sin_port));
	CT_EQ(c, send_to(c, (int)fa, "pi", 2, &to), 2);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), 0, NULL, &mh), 2);
	CT_EQ(c, mh.msg_controllen, CMSG_SPACE(sizeof(pi)));
	cm = CMSG_FIRSTHDR(&mh);
	CT_TRUE(c, cm != NULL);
	CT_EQ(c, cm->cmsg_level, IPPROTO_IP);
	CT_EQ(c, cm->cmsg_type, IP_PKTINFO);
	CT_EQ(c, cm->cmsg_len, CMSG_LEN(sizeof(pi)));
	memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
	CT_EQ(c, pi.ipi_ifindex, 1);
	CT_EQ(c, ntohl(pi.ipi_spec_dst.s_addr), 0x7f000002u);
	CT_EQ(c, ntohl(pi.ipi_addr.s_addr), 0x7f000002u);
	CT_TRUE(c, CMSG_NXTHDR(&mh, cm) == NULL);
}

/* MSG_PEEK carries the control messages too. */
static void udp_pktinfo_peek(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[8], ctl[128];
	struct in_pktinfo pi;
	struct msghdr mh;
	int one = 1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
	CT_EQ(c, send_to(c, (int)fa, "pk", 2, &b), 2);
	for (int i = 0; i < 2; i++) {
		CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), i ? 0 : MSG_PEEK,
				  NULL, &mh), 2);
		CT_TRUE(c, CMSG_FIRSTHDR(&mh) != NULL);
		CT_EQ(c, CMSG_FIRSTHDR(&mh)->cmsg_type, IP_PKTINFO);
		memcpy(&pi, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(pi));
		CT_EQ(c, ntohl(pi.ipi_addr.s_addr), LO);
		CT_EQ(c, ntohl(pi.ipi_spec_dst.s_addr), LO);
	}
}

/* IP_RECVTTL gives the received TTL as an int (the sender's IP_TTL). */
static void udp_recvttl(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[8], ctl[64];
	struct msghdr mh;
	struct cmsghdr *cm;
	int one = 1, v = 7;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)), 0);
	CT_EQ(c, send_to(c, (int)fa, "d", 1, &b), 1);
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	CT_EQ(c, send_to(c, (int)fa, "7", 1, &b), 1);
	for (int i = 0; i < 2; i++) {
		CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), 0, NULL, &mh), 1);
		cm = CMSG_FIRSTHDR(&mh);
		CT_TRUE(c, cm != NULL);
		CT_EQ(c, cm->cmsg_level, IPPROTO_IP);
		CT_EQ(c, cm->cmsg_type, IP_TTL);
		CT_EQ(c, cm->cmsg_len, CMSG_LEN(sizeof(int)));
		memcpy(&v, CMSG_DATA(cm), sizeof(v));
		CT_EQ(c, v, i ? 7 : 64);
	}
}

/* IP_RECVTOS gives the received TOS as one byte. */
static void udp_recvtos(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[8], ctl[64];
	struct msghdr mh;
	struct cmsghdr *cm;
	int one = 1, v = 0x10;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->setsockopt((int)fa, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	CT_EQ(c, send_to(c, (int)fa, "t", 1, &b), 1);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), 0, NULL, &mh), 1);
	cm = CMSG_FIRSTHDR(&mh);
	CT_TRUE(c, cm != NULL);
	CT_EQ(c, cm->cmsg_type, IP_TOS);
	CT_EQ(c, cm->cmsg_len, CMSG_LEN(1));
	CT_EQ(c, *(unsigned char *)CMSG_DATA(cm), 0x10);
	CT_EQ(c, mh.msg_controllen, CMSG_SPACE(1));
}

/* All three: IP_PKTINFO, IP_TTL, IP_TOS, in that order. */
static void udp_recv_cmsg_order(struct ct_ctx *c)
{
	static const int names[3] = { IP_RECVTOS, IP_PKTINFO, IP_RECVTTL };
	struct sockaddr_in a, b;
	char buf[8], ctl[256];
	struct msghdr mh;
	struct cmsghdr *cm;
	int one = 1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	for (int i = 0; i < 3; i++)
		CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, names[i], &one, sizeof(one)), 0);
	CT_EQ(c, send_to(c, (int)fa, "o", 1, &b), 1);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), 0, NULL, &mh), 1);
	CT_EQ(c, mh.msg_controllen,
	      CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(1));
	cm = CMSG_FIRSTHDR(&mh);
	CT_TRUE(c, cm != NULL);
	CT_EQ(c, cm->cmsg_type, IP_PKTINFO);
	cm = CMSG_NXTHDR(&mh, cm);
	CT_TRUE(c, cm != NULL);
	CT_EQ(c, cm->cmsg_type, IP_TTL);
	cm = CMSG_NXTHDR(&mh, cm);
	CT_TRUE(c, cm != NULL);
	CT_EQ(c, cm->cmsg_type, IP_TOS);
	CT_EQ(c, mh.msg_flags, 0);
}

/* A control buffer too small: the message is cut (MSG_CTRUNC); none at
 * all: MSG_CTRUNC and nothing written. */
static void udp_recv_cmsg_ctrunc(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[8];
	union {
		char b[64];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh;
	struct cmsghdr *cm = (struct cmsghdr *)ctl.b;
	int one = 1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)), 0);
	CT_EQ(c, send_to(c, (int)fa, "c", 1, &b), 1);
	CT_EQ(c, send_to(c, (int)fa, "d", 1, &b), 1);
	memset(&ctl, 0, sizeof(ctl));
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl.b, 20, 0, NULL, &mh), 1);
	CT_EQ(c, mh.msg_flags, MSG_CTRUNC);
	CT_EQ(c, mh.msg_controllen, 20);
	CT_EQ(c, cm->cmsg_len, 20);
	CT_EQ(c, cm->cmsg_type, IP_PKTINFO);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), NULL, 0, 0, NULL, &mh), 1);
	CT_EQ(c, mh.msg_flags, MSG_CTRUNC);
	CT_EQ(c, mh.msg_controllen, 0);
}

/* sendmsg's IP_PKTINFO chooses the source address (ipi_spec_dst); its
 * ipi_addr is ignored and interface 1 is loopback. */
static void udp_pktinfo_send_source(struct ct_ctx *c)
{
	struct sockaddr_in b, from;
	struct in_pktinfo pi = pktinfo(0, 0x7f000003u, 0);
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_udp(c));
	CT_OK(c, fb, mk_bound_at(c, 0, &b));
	b.sin_addr.s_addr = htonl(LO);
	CT_EQ(c, send_ctl(c, (int)fa, "s", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), 0x7f000003u);
	pi = pktinfo(1, 0, 0x7f000009u);
	CT_EQ(c, send_ctl(c, (int)fa, "t", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), LO);
}

/* A connected socket's IP_PKTINFO source holds for that datagram only. */
static void udp_pktinfo_send_connected(struct ct_ctx *c)
{
	struct sockaddr_in b, from;
	struct in_pktinfo pi = pktinfo(0, 0x7f000004u, 0);
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_udp(c));
	CT_OK(c, fb, mk_bound_at(c, 0, &b));
	b.sin_addr.s_addr = htonl(LO);
	CT_EQ(c, c->b->connect((int)fa, &b, sizeof(b)), 0);
	CT_EQ(c, send_ctl(c, (int)fa, "c", 1, NULL, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), 0x7f000004u);
	CT_EQ(c, c->b->write((int)fa, "d", 1), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), LO);
}

/* A zero ipi_spec_dst lets the route choose, even over the bound address
 * (Linux's ip_cmsg_send replaces the socket's source outright). */
static void udp_pktinfo_send_overrides_bound(struct ct_ctx *c)
{
	struct sockaddr_in a, b, from;
	struct in_pktinfo pi = pktinfo(0, 0, 0);
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_bound_at(c, 0x7f000005u, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_to(c, (int)fa, "a", 1, &b), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), 0x7f000005u);
	CT_EQ(c, send_ctl(c, (int)fa, "b", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)), 1);
	CT_EQ(c, recv_from(c, (int)fb, buf, sizeof(buf), 0, &from), 1);
	CT_EQ(c, ntohl(from.sin_addr.s_addr), LO);
	CT_EQ(c, from.sin_port, a.sin_port);
}

/* A malformed IP_PKTINFO is EINVAL; a source that cannot be one EINVAL; a
 * source not of this host ENETUNREACH; an interface that does not exist
 * ENODEV. Nothing is sent (the route fails first). */
static void udp_pktinfo_send_errors(struct ct_ctx *c)
{
	struct sockaddr_in b;
	struct in_pktinfo pi = pktinfo(0, 0, 0);
	char big[sizeof(pi) + 4] = { 0 };
	long fa, fb;

	CT_OK(c, fa, mk_udp(c));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_PKTINFO, big, sizeof(big)),
	      -EINVAL);
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, 4), -EINVAL);
	pi = pktinfo(0, 0xe0000001u, 0);
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)),
	      -EINVAL);
	pi = pktinfo(0, 0xc6120001u, 0); /* 198.18.0.1 */
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)),
	      -ENETUNREACH);
	pi = pktinfo(0x7fffff00, 0, 0);
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)),
	      -ENODEV);
	CT_EQ(c, send_to(c, (int)fa, "m", 1, &b), 1);
	CT_EQ(c, c->b->recvfrom((int)fb, big, sizeof(big), 0, NULL, NULL), 1);
	CT_EQ(c, big[0], 'm');
}

/* IP_TTL and IP_TOS as control messages set one datagram's header: TTL an
 * int 1..255, TOS an int or a byte. */
static void udp_cmsg_ttl_tos_send(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[8], ctl[128];
	struct msghdr mh;
	struct cmsghdr *cm;
	unsigned char byte = 0x28;
	int one = 1, v = 3;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->setsockopt((int)fb, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), 0);
	CT_EQ(c, send_ctl(c, (int)fa, "1", 1, &b, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 1);
	v = 0x20;
	CT_EQ(c, send_ctl(c, (int)fa, "2", 1, &b, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 1);
	CT_EQ(c, send_ctl(c, (int)fa, "3", 1, &b, IPPROTO_IP, IP_TOS, &byte, 1), 1);
	static const int ttl[3] = { 3, 64, 64 }, tos[3] = { 0, 0x20, 0x28 };
	for (int i = 0; i < 3; i++) {
		CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), ctl, sizeof(ctl), 0, NULL, &mh), 1);
		cm = CMSG_FIRSTHDR(&mh);
		CT_TRUE(c, cm != NULL && cm->cmsg_type == IP_TTL);
		memcpy(&v, CMSG_DATA(cm), sizeof(v));
		CT_EQ(c, v, ttl[i]);
		cm = CMSG_NXTHDR(&mh, cm);
		CT_TRUE(c, cm != NULL && cm->cmsg_type == IP_TOS);
		CT_EQ(c, *(unsigned char *)CMSG_DATA(cm), tos[i]);
	}
	v = 0;
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -EINVAL);
	v = 256;
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -EINVAL);
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_TTL, &byte, 1), -EINVAL);
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, IP_TOS, &v, sizeof(v)), -EINVAL);
}

/* Other control messages on send: an unknown IPPROTO_IP one and SOL_UDP
 * ones are EINVAL; SCM_RIGHTS is ignored on UDP; other levels too. */
static void udp_cmsg_send_levels(struct ct_ctx *c)
{
	struct sockaddr_in b;
	char buf[8];
	int v = 0;
	long fa, fb;

	CT_OK(c, fa, mk_udp(c));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_IP, 99, &v, sizeof(v)), -EINVAL);
	CT_EQ(c, send_ctl(c, (int)fa, "x", 1, &b, IPPROTO_UDP, 1, &v, sizeof(v)), -EINVAL);
	CT_EQ(c, send_ctl(c, (int)fa, "r", 1, &b, SOL_SOCKET, SCM_RIGHTS, &v, sizeof(v)), 1);
	CT_EQ(c, send_ctl(c, (int)fa, "t", 1, &b, IPPROTO_TCP, 1, &v, sizeof(v)), 1);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 1);
	CT_EQ(c, buf[0], 'r');
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 1);
	CT_EQ(c, buf[0], 't');
}

/* ---- privileged ports ---- */

#define NOBODY 65534

static long as_bind(const struct ct_backend *b, void *arg)
{
	const struct sockaddr_in *a = arg;
	long fd = b->socket(AF_INET, SOCK_DGRAM, 0), r;

	if (fd < 0)
		return fd;
	r = b->bind((int)fd, a, sizeof(*a));
	b->close((int)fd);
	return r;
}

/* The first unprivileged port: Linux's net.ipv4.ip_unprivileged_port_start
 * (ksock: its default, 1024). */
static unsigned prot_sock(struct ct_ctx *c)
{
	unsigned v = 1024;

	if (strcmp(c->b->name, "linux") == 0) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
		if (f) {
			if (fscanf(f, "%u", &v) != 1)
				v = 1024;
			fclose(f);
		}
	}
	return v;
}

/* Binding a nonzero port below ip_unprivileged_port_start needs
 * CAP_NET_BIND_SERVICE: EACCES for nobody, after the address check. Port 0
 * is not privileged. */
static void udp_bind_privileged_port(struct ct_ctx *c)
{
	unsigned start = prot_sock(c);
	struct sockaddr_in a;

	if (start == 0 || start > 1024)
		return; /* a host setting the expectation below does not hold for */
	a = sin4(LO, (unsigned short)(start - 1));
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_bind, &a), -EACCES);
	a = sin4(0xc6120001u, (unsigned short)(start - 1));
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_bind, &a), -EADDRNOTAVAIL);
	a = sin4(LO, 0);
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_bind, &a), 0);
}

/* ---- SO_PEEK_OFF ---- */

static long peek_off(struct ct_ctx *c, int fd)
{
	int v = -100;
	unsigned len = sizeof(v);
	long r = c->b->getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &v, &len);

	return r < 0 ? r - 1000 : v;
}

/* MSG_PEEK reads on from the peek offset, across datagrams; a read moves
 * the offset back by what it copied; past the queue there is nothing. */
static void udp_peek_off(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[16];
	int z = 0;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
	CT_EQ(c, send_to(c, (int)fa, "ABCDE", 5, &b), 5);
	CT_EQ(c, send_to(c, (int)fa, "fghijkl", 7, &b), 7);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, 3, MSG_PEEK, NULL, NULL), 3);
	CT_TRUE(c, memcmp(buf, "ABC", 3) == 0);
	CT_EQ(c, peek_off(c, (int)fb), 3);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK, NULL, NULL), 2);
	CT_TRUE(c, memcmp(buf, "DE", 2) == 0);
	CT_EQ(c, peek_off(c, (int)fb), 5);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK, NULL, NULL), 7);
	CT_TRUE(c, memcmp(buf, "fghijkl", 7) == 0);
	CT_EQ(c, peek_off(c, (int)fb), 12);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT, NULL, NULL),
	      -EAGAIN);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 5);
	CT_TRUE(c, memcmp(buf, "ABCDE", 5) == 0);
	CT_EQ(c, peek_off(c, (int)fb), 7);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT, NULL, NULL),
	      -EAGAIN);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, 2, 0, NULL, NULL), 2);
	CT_EQ(c, peek_off(c, (int)fb), 5);
}

/* A peek inside a datagram is cut (MSG_TRUNC) only when it does not reach
 * the datagram's end; MSG_TRUNC asked for returns the whole length and
 * moves the offset by it. */
static void udp_peek_off_trunc(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[16];
	struct msghdr mh;
	int z = 1;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
	CT_EQ(c, send_to(c, (int)fa, "ABCDEFGH", 8, &b), 8);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, 2, NULL, 0, MSG_PEEK, NULL, &mh), 2);
	CT_TRUE(c, memcmp(buf, "BC", 2) == 0);
	CT_EQ(c, mh.msg_flags, MSG_TRUNC);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, 5, NULL, 0, MSG_PEEK, NULL, &mh), 5);
	CT_TRUE(c, memcmp(buf, "DEFGH", 5) == 0);
	CT_EQ(c, mh.msg_flags, MSG_TRUNC); /* 5 < 8: Linux compares with the whole length */
	z = 3;
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, sizeof(buf), NULL, 0, MSG_PEEK, NULL, &mh), 5);
	CT_EQ(c, mh.msg_flags, 0);
	CT_EQ(c, peek_off(c, (int)fb), 8);
	z = 2;
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
	CT_EQ(c, recv_ctl(c, (int)fb, buf, 1, NULL, 0, MSG_PEEK | MSG_TRUNC, NULL, &mh), 8);
	CT_EQ(c, buf[0], 'C');
	CT_EQ(c, peek_off(c, (int)fb), 10);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_TRUNC, NULL, NULL), 8);
	CT_EQ(c, peek_off(c, (int)fb), 2);
}

/* With the offset past the queue, a new datagram is peeked from where the
 * offset falls in it; SO_PEEK_OFF -1 turns it off. */
static void udp_peek_off_new_data(struct ct_ctx *c)
{
	struct sockaddr_in a, b;
	char buf[16];
	int z = 4;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, &a));
	CT_OK(c, fb, mk_bound(c, &b));
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
	CT_EQ(c, send_to(c, (int)fa, "abc", 3, &b), 3);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT, NULL, NULL),
	      -EAGAIN);
	CT_EQ(c, send_to(c, (int)fa, "wxyz", 4, &b), 4);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK, NULL, NULL), 3);
	CT_TRUE(c, memcmp(buf, "xyz", 3) == 0);
	z = -1;
	CT_EQ(c, c->b->setsockopt((int)fb, SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK, NULL, NULL), 3);
	CT_TRUE(c, memcmp(buf, "abc", 3) == 0);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, NULL, NULL), 3);
	CT_EQ(c, peek_off(c, (int)fb), -1);
}

/* SO_REUSEPORT (Linux 3.9+): sockets that all set it share a port; one
 * that does not is refused; a flow's datagrams all go to one of them. An
 * AF_UNIX socket may clear it but not set it (EOPNOTSUPP). */
static long reuseport_sock(struct ct_ctx *c, unsigned short port, int on)
{
	struct sockaddr_in a = sin4(LO, port);
	struct timeval tv = { 0, 300000 };
	long fd = mk_udp(c);

	if (fd < 0)
		return fd;
	if (on && c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)))
		return -1000;
	c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	long r = c->b->bind((int)fd, &a, sizeof(a));
	return r < 0 ? r : fd;
}

static void udp_reuseport_group(struct ct_ctx *c)
{
	struct sockaddr_in a;
	unsigned alen = sizeof(a);
	long s1, s2, cl;
	int on = 1, v = 0;
	unsigned vl = sizeof(v);
	char buf[16];

	CT_OK(c, s1, reuseport_sock(c, 0, 1));
	CT_EQ(c, c->b->getsockname((int)s1, &a, &alen), 0);
	CT_EQ(c, c->b->getsockopt((int)s1, SOL_SOCKET, SO_REUSEPORT, &v, &vl), 0);
	CT_EQ(c, v, 1);
	CT_OK(c, s2, reuseport_sock(c, ntohs(a.sin_port), 1));
	CT_EQ(c, reuseport_sock(c, ntohs(a.sin_port), 0), -EADDRINUSE);
	/* Ten datagrams of one flow: all to the same socket of the two. */
	CT_OK(c, cl, mk_udp(c));
	for (int i = 0; i < 10; i++)
		CT_EQ(c, c->b->sendto((int)cl, "flow", 4, 0, &a, sizeof(a)), 4);
	long n1 = 0, n2 = 0;
	while (c->b->recvfrom((int)s1, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL) == 4)
		n1++;
	while (c->b->recvfrom((int)s2, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL) == 4)
		n2++;
	CT_TRUE(c, (n1 == 10 && n2 == 0) || (n1 == 0 && n2 == 10));
	(void)on;
}

static void udp_reuseport_unix(struct ct_ctx *c)
{
	int on = 1, off = 0;
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)), -EOPNOTSUPP);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEPORT, &off, sizeof(off)), 0);
}

const struct ct_case ct_cases_udp[] = {
	{ "udp_reuseport_group", udp_reuseport_group },
	{ "udp_reuseport_unix", udp_reuseport_unix },
	{ "udp_create", udp_create },
	{ "udp_create_bad_protocol", udp_create_bad_protocol },
	{ "udp_socketpair", udp_socketpair },
	{ "udp_listen_accept", udp_listen_accept },
	{ "udp_unbound_name", udp_unbound_name },
	{ "udp_bind_ephemeral", udp_bind_ephemeral },
	{ "udp_bind_any_ephemeral", udp_bind_any_ephemeral },
	{ "udp_bind_ephemeral_distinct", udp_bind_ephemeral_distinct },
	{ "udp_bind_twice", udp_bind_twice },
	{ "udp_bind_inuse", udp_bind_inuse },
	{ "udp_bind_inuse_any_first", udp_bind_inuse_any_first },
	{ "udp_bind_two_loopback_addrs", udp_bind_two_loopback_addrs },
	{ "udp_bind_reuseaddr", udp_bind_reuseaddr },
	{ "udp_bind_port_free_after_close", udp_bind_port_free_after_close },
	{ "udp_bind_short_len", udp_bind_short_len },
	{ "udp_bind_bad_family", udp_bind_bad_family },
	{ "udp_bind_nonlocal", udp_bind_nonlocal },
	{ "udp_getsockname_short", udp_getsockname_short },
	{ "udp_roundtrip", udp_roundtrip },
	{ "udp_autobind_on_send", udp_autobind_on_send },
	{ "udp_send_to_self", udp_send_to_self },
	{ "udp_any_receives_loopback", udp_any_receives_loopback },
	{ "udp_message_boundaries", udp_message_boundaries },
	{ "udp_zero_length", udp_zero_length },
	{ "udp_trunc", udp_trunc },
	{ "udp_trunc_flag", udp_trunc_flag },
	{ "udp_peek", udp_peek },
	{ "udp_dontwait", udp_dontwait },
	{ "udp_rcvtimeo", udp_rcvtimeo },
	{ "udp_max_datagram", udp_max_datagram },
	{ "udp_emsgsize_before_address", udp_emsgsize_before_address },
	{ "udp_edestaddrreq", udp_edestaddrreq },
	{ "udp_sendto_bad_addr", udp_sendto_bad_addr },
	{ "udp_sendto_unspec_family", udp_sendto_unspec_family },
	{ "udp_recvmsg_name", udp_recvmsg_name },
	{ "udp_connect_names", udp_connect_names },
	{ "udp_connect_send", udp_connect_send },
	{ "udp_connected_sendto_other", udp_connected_sendto_other },
	{ "udp_connect_filters", udp_connect_filters },
	{ "udp_disconnect", udp_disconnect },
	{ "udp_disconnect_autobound", udp_disconnect_autobound },
	{ "udp_disconnect_bind_port0", udp_disconnect_bind_port0 },
	{ "udp_reconnect", udp_reconnect },
	{ "udp_connect_any", udp_connect_any },
	{ "udp_connect_bad_addr", udp_connect_bad_addr },
	{ "udp_bind_after_connect", udp_bind_after_connect },
	{ "udp_refused_recv", udp_refused_recv },
	{ "udp_refused_send", udp_refused_send },
	{ "udp_refused_so_error", udp_refused_so_error },
	{ "udp_unconnected_not_refused", udp_unconnected_not_refused },
	{ "udp_poll_masks", udp_poll_masks },
	{ "udp_poll_shutdown", udp_poll_shutdown },
	{ "udp_shutdown_unconnected", udp_shutdown_unconnected },
	{ "udp_shutdown_rd_eof", udp_shutdown_rd_eof },
	{ "udp_shutdown_wr_epipe", udp_shutdown_wr_epipe },
	{ "udp_blocking_wakeup", udp_blocking_wakeup },
	{ "udp_echo_threads", udp_echo_threads },
	{ "udp_rcvbuf_drops", udp_rcvbuf_drops },
	{ "udp_rcvbuf_one_fits", udp_rcvbuf_one_fits },
	{ "udp_fionread", udp_fionread },
	{ "udp_ip_ttl", udp_ip_ttl },
	{ "udp_ip_ttl_short", udp_ip_ttl_short },
	{ "udp_ip_tos", udp_ip_tos },
	{ "udp_ttl_tos_send", udp_ttl_tos_send },
	{ "udp_ip_unknown_option", udp_ip_unknown_option },
	{ "udp_so_broadcast", udp_so_broadcast },
	{ "udp_recv_opts_bool", udp_recv_opts_bool },
	{ "udp_recv_no_cmsg", udp_recv_no_cmsg },
	{ "udp_pktinfo_recv", udp_pktinfo_recv },
	{ "udp_pktinfo_peek", udp_pktinfo_peek },
	{ "udp_recvttl", udp_recvttl },
	{ "udp_recvtos", udp_recvtos },
	{ "udp_recv_cmsg_order", udp_recv_cmsg_order },
	{ "udp_recv_cmsg_ctrunc", udp_recv_cmsg_ctrunc },
	{ "udp_pktinfo_send_source", udp_pktinfo_send_source },
	{ "udp_pktinfo_send_connected", udp_pktinfo_send_connected },
	{ "udp_pktinfo_send_overrides_bound", udp_pktinfo_send_overrides_bound },
	{ "udp_pktinfo_send_errors", udp_pktinfo_send_errors },
	{ "udp_cmsg_ttl_tos_send", udp_cmsg_ttl_tos_send },
	{ "udp_cmsg_send_levels", udp_cmsg_send_levels },
	{ "udp_bind_privileged_port", udp_bind_privileged_port },
	{ "udp_peek_off", udp_peek_off },
	{ "udp_peek_off_trunc", udp_peek_off_trunc },
	{ "udp_peek_off_new_data", udp_peek_off_new_data },
	{ 0 },
};

/*
 * cases_dgram.c - AF_UNIX SOCK_DGRAM: names, connect semantics, truncation,
 * limits (send buffer, receive queue length), peer death and shutdown.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 *
 * The receive-queue limit is Linux's net.unix.max_dgram_qlen, 10 by
 * default: a receiver not connected back to the sender accepts qlen + 1
 * datagrams before senders get EAGAIN (or block).
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

#define MAX_DGRAM_QLEN 10

/* A dgram socket bound to c->dir/name; fd or -errno. */
static long mk_bound(struct ct_ctx *c, const char *name, struct sockaddr_un *a, unsigned *alen)
{
	long fd = ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0));
	long r;

	if (fd < 0)
		return fd;
	*alen = ct_path(c, a, name);
	r = c->b->bind(fd, a, *alen);
	return r < 0 ? r : fd;
}

static long mk_unbound(struct ct_ctx *c, int flags)
{
	return ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM | flags, 0));
}

static void close_untracked(struct ct_ctx *c, int fd)
{
	ct_untrack(c, fd);
	(void)c->b->close(fd); /* the cases that care check their own closes */
}

/* ---- names ---- */

static void dgram_sendto_recvfrom_named(struct ct_ctx *c)
{
	struct sockaddr_un a, b, p;
	unsigned al, bl, pl = sizeof(p);
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->sendto((int)fa, "hello", 5, 0, &b, bl), 5);
	memset(&p, 0x55, sizeof(p));
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, &p, &pl), 5);
	CT_TRUE(c, memcmp(buf, "hello", 5) == 0);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
}

/* An unnamed sender is reported with an address length of 0. */
static void dgram_unnamed_sender(struct ct_ctx *c)
{
	struct sockaddr_un b, p;
	unsigned bl, pl = sizeof(p);
	struct iovec iov;
	struct msghdr m;
	char buf[16];
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->sendto((int)s, "y", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, &p, &pl), 1);
	CT_EQ(c, pl, 0);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	memset(&m, 0, sizeof(m));
	m.msg_name = &p;
	m.msg_namelen = sizeof(p);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CT_EQ(c, c->b->recvmsg((int)fb, &m, 0), 1);
	CT_EQ(c, m.msg_namelen, 0);
	/* Sending did not bind the sender. */
	pl = sizeof(p);
	CT_EQ(c, c->b->getsockname((int)s, &p, &pl), 0);
	CT_EQ(c, pl, sizeof(sa_family_t));
}

static void dgram_abstract_names(struct ct_ctx *c)
{
	struct sockaddr_un a, b, p;
	unsigned al, bl, pl = sizeof(p);
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_unbound(c, 0));
	CT_OK(c, fb, mk_unbound(c, 0));
	al = ct_abstract(c, &a, "a");
	bl = ct_abstract(c, &b, "b");
	CT_EQ(c, c->b->bind((int)fa, &a, al), 0);
	CT_EQ(c, c->b->bind((int)fb, &b, bl), 0);
	CT_EQ(c, c->b->sendto((int)fa, "abs", 3, 0, &b, bl), 3);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, &p, &pl), 3);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
}

/* The source name stays reported after the sender closed. */
static void dgram_source_after_sender_closed(struct ct_ctx *c)
{
	struct sockaddr_un a, b, p;
	unsigned al, bl, pl = sizeof(p);
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->sendto((int)fa, "bye", 3, 0, &b, bl), 3);
	ct_untrack(c, (int)fa);
	CT_EQ(c, c->b->close((int)fa), 0);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, &p, &pl), 3);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
}

/* A short address buffer: filled as far as it goes, full length reported. */
static void dgram_recvfrom_addr_truncated(struct ct_ctx *c)
{
	struct sockaddr_un a, b;
	unsigned char p[8];
	unsigned al, bl, pl = 5;
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->sendto((int)fa, "t", 1, 0, &b, bl), 1);
	memset(p, 0x55, sizeof(p));
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, p, &pl), 1);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(p, &a, 5) == 0);
	CT_EQ(c, p[5], 0x55);
}

/* A bound socket may send to itself. */
static void dgram_send_to_self(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	char buf[8];
	long fa;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_EQ(c, c->b->sendto((int)fa, "me", 2, 0, &a, al), 2);
	CT_EQ(c, c->b->recvfrom((int)fa, buf, sizeof(buf), 0, &p, &pl), 2);
	CT_EQ(c, pl, al);
}

/* ---- connect ---- */

static void dgram_connect_default_peer(struct ct_ctx *c)
{
	struct sockaddr_un b, p;
	unsigned bl, pl = sizeof(p);
	char buf[8];
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	CT_EQ(c, c->b->getpeername((int)s, &p, &pl), 0);
	CT_EQ(c, pl, bl);
	CT_TRUE(c, memcmp(&p, &b, bl) == 0);
	CT_EQ(c, ct_snd(c, (int)s, "one", 3, 0), 3);
	CT_EQ(c, c->b->write((int)s, "two", 3), 3);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), 0), 3);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), 0), 3);
	CT_TRUE(c, memcmp(buf, "two", 3) == 0);
}

static void dgram_send_no_peer(struct ct_ctx *c)
{
	long s;

	CT_OK(c, s, mk_unbound(c, 0));
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), -ENOTCONN);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, MSG_DONTWAIT), -ENOTCONN);
	CT_EQ(c, ct_snd(c, (int)s, "x", 0, 0), -ENOTCONN);
	CT_EQ(c, c->b->write((int)s, "x", 1), -ENOTCONN);
	/* A NULL address with a length is no address. */
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, NULL, 16), -ENOTCONN);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

static void dgram_sendto_missing_path(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "missing");
	long s;

	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &a, al), -ENOENT);
	CT_EQ(c, c->b->connect((int)s, &a, al), -ENOENT);
}

static void dgram_sendto_abstract_nobody(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "nobody");
	long s;

	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &a, al), -ECONNREFUSED);
	CT_EQ(c, c->b->connect((int)s, &a, al), -ECONNREFUSED);
}

/* The receiver closed; its file remains: refused. */
static void dgram_sendto_closed_receiver(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	close_untracked(c, (int)fb);
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), -ECONNREFUSED);
}

static void dgram_sendto_stream_path(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "st");
	long st, s;

	CT_OK(c, st, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)st, &a, al), 0);
	CT_EQ(c, c->b->listen((int)st, 1), 0);
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &a, al), -EPROTOTYPE);
	CT_EQ(c, c->b->connect((int)s, &a, al), -EPROTOTYPE);
}

static void dgram_sendto_bad_addr(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, sizeof(sa_family_t)), -EINVAL);
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, 1), -EINVAL);
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, sizeof(b) + 1), -EINVAL);
	b.sun_family = AF_INET;
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), -EINVAL);
	b.sun_family = AF_UNIX;
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), 1);
}

/* connect(AF_UNSPEC) dissolves the association (and is fine unconnected). */
static void dgram_connect_unspec(struct ct_ctx *c)
{
	struct sockaddr_un b, p;
	struct sockaddr u;
	unsigned bl, pl = sizeof(p);
	long s, fb;

	memset(&u, 0, sizeof(u));
	u.sa_family = AF_UNSPEC;
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &u, sizeof(u)), 0);
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), 1);
	CT_EQ(c, c->b->connect((int)s, &u, sizeof(u)), 0);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), -ENOTCONN);
	CT_EQ(c, c->b->getpeername((int)s, &p, &pl), -ENOTCONN);
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), 1);
}

/* A socket connected elsewhere accepts only its peer's datagrams. */
static void dgram_connected_elsewhere_eperm(struct ct_ctx *c)
{
	struct sockaddr_un a, b, d;
	unsigned al, bl, dl;
	char buf[8];
	long fa, fb, fd;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, fd, mk_bound(c, "d", &d, &dl));
	CT_EQ(c, c->b->connect((int)fb, &d, dl), 0);
	CT_EQ(c, c->b->sendto((int)fa, "x", 1, 0, &b, bl), -EPERM);
	CT_EQ(c, c->b->connect((int)fa, &b, bl), -EPERM);
	/* Its peer may send to it without being connected itself. */
	CT_EQ(c, c->b->sendto((int)fd, "ok", 2, 0, &b, bl), 2);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 2);
}

/* connect again to another peer: later sends go there. */
static void dgram_reconnect(struct ct_ctx *c)
{
	struct sockaddr_un b, d;
	unsigned bl, dl;
	char buf[8];
	long s, fb, fd;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, fd, mk_bound(c, "d", &d, &dl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	CT_EQ(c, ct_snd(c, (int)s, "1", 1, 0), 1);
	CT_EQ(c, c->b->connect((int)s, &d, dl), 0);
	CT_EQ(c, ct_snd(c, (int)s, "2", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, buf[0], '1');
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, buf[0], '2');
}

/* sendto with an address on a connected socket goes to that address. */
static void dgram_sendto_on_connected(struct ct_ctx *c)
{
	struct sockaddr_un b, d;
	unsigned bl, dl;
	char buf[8];
	long s, fb, fd;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, fd, mk_bound(c, "d", &d, &dl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &d, dl), 1);
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* The connection is to the socket, not the path: unlinking the path does
 * not disturb it. */
static void dgram_connect_survives_unlink(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	char buf[8];
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	CT_EQ(c, unlink(b.sun_path), 0);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), -ENOENT);
}

/* ---- data ---- */

static void dgram_socketpair_both_ways(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "ab", 2, 0), 2);
	CT_EQ(c, ct_snd(c, sv[1], "cde", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 3);
	CT_TRUE(c, memcmp(buf, "cde", 3) == 0);
}

static void dgram_boundaries(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "defgh", 5, 0), 5);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "defgh", 5) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void dgram_trunc_msg_flags(struct ct_ctx *c)
{
	char buf[16];
	struct iovec iov = { buf, 3 };
	struct msghdr m;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "xy", 2, 0), 2);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CT_EQ(c, c->b->recvmsg(sv[1], &m, 0), 3);
	CT_EQ(c, m.msg_flags, MSG_TRUNC);
	CT_TRUE(c, memcmp(buf, "abc", 3) == 0);
	/* The rest of the datagram is gone. */
	iov.iov_len = sizeof(buf);
	CT_EQ(c, c->b->recvmsg(sv[1], &m, 0), 2);
	CT_EQ(c, m.msg_flags, 0);
	CT_TRUE(c, memcmp(buf, "xy", 2) == 0);
}

/* The MSG_TRUNC recv flag returns the datagram's full length. */
static void dgram_trunc_recv_flag(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "ghijklm", 7, 0), 7);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, MSG_TRUNC), 6);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	/* The peek-the-size idiom. */
	CT_EQ(c, ct_rcv(c, sv[1], NULL, 0, MSG_PEEK | MSG_TRUNC), 7);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_TRUNC), 7);
}

static void dgram_zero_length(struct ct_ctx *c)
{
	struct sockaddr_un a, b, p;
	unsigned al, bl, pl = sizeof(p);
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->sendto((int)fa, buf, 0, 0, &b, bl), 0);
	CT_EQ(c, c->b->sendto((int)fa, "z", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_DONTWAIT, &p, &pl), 0);
	CT_EQ(c, pl, al);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void dgram_peek(struct ct_ctx *c)
{
	struct sockaddr_un a, b, p;
	unsigned al, bl, pl = sizeof(p);
	char buf[16];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->sendto((int)fa, "first", 5, 0, &b, bl), 5);
	CT_EQ(c, c->b->sendto((int)fa, "second", 6, 0, &b, bl), 6);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), MSG_PEEK, &p, &pl), 5);
	CT_EQ(c, pl, al);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, 3, MSG_PEEK), 3);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "first", 5) == 0);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), 0), 6);
}

/* MSG_WAITALL does not wait or join on a datagram socket. */
static void dgram_waitall(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_WAITALL), 3);
}

static void dgram_recv_empty(struct ct_ctx *c)
{
	char buf[4];
	long s;

	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	CT_OK(c, s, mk_unbound(c, SOCK_NONBLOCK));
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), 0), -EAGAIN);
	CT_EQ(c, c->b->read((int)s, buf, sizeof(buf)), -EAGAIN);
}

/* Several iovecs make one datagram. */
static void dgram_sendmsg_gather(struct ct_ctx *c)
{
	struct iovec wv[4] = { { "ab", 2 }, { "", 0 }, { "cde", 3 }, { "f", 1 } };
	struct msghdr m;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	memset(&m, 0, sizeof(m));
	m.msg_iov = wv;
	m.msg_iovlen = 4;
	CT_EQ(c, c->b->sendmsg(sv[0], &m, 0), 6);
	CT_EQ(c, c->b->writev(sv[0], wv, 2), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 6);
	CT_TRUE(c, memcmp(buf, "abcdef", 6) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
}

/* One datagram scattered over several iovecs. */
static void dgram_recvmsg_scatter(struct ct_ctx *c)
{
	char a[2], b[3], d[8];
	struct iovec rv[3] = { { a, 2 }, { b, 3 }, { d, 8 } };
	struct msghdr m;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "1234567", 7, 0), 7);
	memset(&m, 0, sizeof(m));
	m.msg_iov = rv;
	m.msg_iovlen = 3;
	CT_EQ(c, c->b->recvmsg(sv[1], &m, 0), 7);
	CT_EQ(c, m.msg_flags, 0);
	CT_TRUE(c, memcmp(a, "12", 2) == 0);
	CT_TRUE(c, memcmp(b, "345", 3) == 0);
	CT_TRUE(c, memcmp(d, "67", 2) == 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdefghijklmnop", 16, 0), 16);
	CT_EQ(c, c->b->readv(sv[1], rv, 3), 13);
}

/* recvmsg with msg_name NULL and a namelen: no name, namelen left as is. */
static void dgram_recvmsg_name_null(struct ct_ctx *c)
{
	struct sockaddr_un a, b;
	unsigned al, bl;
	char buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m;
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->sendto((int)fa, "n", 1, 0, &b, bl), 1);
	memset(&m, 0, sizeof(m));
	m.msg_name = NULL;
	m.msg_namelen = 16;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CT_EQ(c, c->b->recvmsg((int)fb, &m, 0), 1);
	CT_EQ(c, m.msg_namelen, 16);
}

/* sendmsg with msg_name NULL and a namelen: no address. */
static void dgram_sendmsg_name_null(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	struct iovec iov = { "n", 1 };
	struct msghdr m;
	char buf[8];
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	memset(&m, 0, sizeof(m));
	m.msg_name = NULL;
	m.msg_namelen = bl;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CT_EQ(c, c->b->sendmsg((int)s, &m, 0), -ENOTCONN);
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	CT_EQ(c, c->b->sendmsg((int)s, &m, 0), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 1);
}

static void dgram_listen_accept(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	long fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->listen((int)fb, 1), -EOPNOTSUPP);
	CT_EQ(c, c->b->accept((int)fb, NULL, NULL), -EOPNOTSUPP);
	CT_EQ(c, c->b->accept4((int)fb, NULL, NULL, SOCK_NONBLOCK), -EOPNOTSUPP);
}

static void dgram_msg_oob(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, MSG_OOB), -EOPNOTSUPP);
	CT_EQ(c, ct_snd(c, sv[0], "y", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_OOB), -EOPNOTSUPP);
}

/* ---- limits ---- */

/* A datagram above SO_SNDBUF - 32 bytes is EMSGSIZE; one at it fits. */
static void dgram_emsgsize(struct ct_ctx *c)
{
	unsigned char *buf;
	int sv[2], sb = 0;
	unsigned sl = sizeof(sb);
	long r1, r2, r3, r4;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sb, &sl), 0);
	CT_TRUE(c, sb > 64);
	buf = malloc((size_t)sb + 1);
	CT_TRUE(c, buf != NULL);
	memset(buf, 'd', (size_t)sb + 1);
	r1 = ct_snd(c, sv[0], buf, (unsigned long)sb + 1, MSG_DONTWAIT);
	r2 = ct_snd(c, sv[0], buf, (unsigned long)sb - 31, MSG_DONTWAIT);
	r3 = ct_snd(c, sv[0], buf, (unsigned long)sb - 32, MSG_DONTWAIT);
	r4 = ct_rcv(c, sv[1], buf, (unsigned long)sb + 1, MSG_DONTWAIT);
	free(buf);
	CT_EQ(c, r1, -EMSGSIZE);
	CT_EQ(c, r2, -EMSGSIZE);
	CT_EQ(c, r3, sb - 32);
	CT_EQ(c, r4, sb - 32);
}

/* The bound follows a smaller SO_SNDBUF (as read back). */
static void dgram_emsgsize_small_sndbuf(struct ct_ctx *c)
{
	static unsigned char buf[65536];
	int sv[2], sb = 8192;
	unsigned sl = sizeof(sb);

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb)), 0);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sb, &sl), 0);
	CT_TRUE(c, sb > 64 && sb < (int)sizeof(buf));
	CT_EQ(c, ct_snd(c, sv[0], buf, (unsigned long)sb - 31, MSG_DONTWAIT), -EMSGSIZE);
	CT_EQ(c, ct_snd(c, sv[0], buf, (unsigned long)sb - 32, MSG_DONTWAIT), sb - 32);
}

/* A receiver accepts max_dgram_qlen + 1 datagrams from a sender it is not
 * connected to; then nonblocking senders get EAGAIN. */
static void dgram_qlen_nonblock(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	char buf[4];
	long s, s2, fb;
	int i;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, SOCK_NONBLOCK));
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &b, bl), -EAGAIN);
	CT_EQ(c, c->b->sendto((int)s, "q", 1, MSG_DONTWAIT, &b, bl), -EAGAIN);
	/* The limit is the receiver's: another sender is refused as well. */
	CT_OK(c, s2, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s2, "q", 1, MSG_DONTWAIT, &b, bl), -EAGAIN);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), 0), 1);
	CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &b, bl), -EAGAIN);
}

/* The same limit applies to a sender connected to the receiver. */
static void dgram_qlen_connected_sender(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	long s, fb;
	int i;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, ct_snd(c, (int)s, "q", 1, MSG_DONTWAIT), 1);
	CT_EQ(c, ct_snd(c, (int)s, "q", 1, MSG_DONTWAIT), -EAGAIN);
}

/* A receiver connected back to the sender is exempt from the queue-length
 * limit (only the sender's buffer limits). */
static void dgram_qlen_exempt_connected_back(struct ct_ctx *c)
{
	char buf[4];
	int sv[2], i;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (i = 0; i < 5 * (MAX_DGRAM_QLEN + 1); i++)
		CT_EQ(c, ct_snd(c, sv[0], "e", 1, MSG_DONTWAIT), 1);
	for (i = 0; i < 5 * (MAX_DGRAM_QLEN + 1); i++)
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
}

/* A blocking sender to a full receiver waits SO_SNDTIMEO, then EAGAIN. */
static void dgram_qlen_sndtimeo(struct ct_ctx *c)
{
	struct sockaddr_un b;
	struct timespec t0;
	unsigned bl;
	long s, fb, ms;
	int i;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &b, bl), 1);
	CT_EQ(c, ct_set_timeo(c, (int)s, SO_SNDTIMEO, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &b, bl), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	/* >= the timeout, less one 4 ms kernel tick of rounding; < 10x. */
	CT_TRUE(c, ms >= 46);
	CT_TRUE(c, ms < 500);
}

struct blocked_send {
	struct ct_ctx *c;
	int fd;
	struct sockaddr_un to;
	unsigned tolen;
	int tid; /* the thread's id, set (atomically) before it blocks */
	long ret;
};

static void *blocked_send_thread(void *arg)
{
	struct blocked_send *bs = arg;

	__atomic_store_n(&bs->tid, (int)gettid(), __ATOMIC_RELEASE);
	bs->ret = bs->c->b->sendto(bs->fd, "late", 4, 0, &bs->to, bs->tolen);
	return NULL;
}

/* A sender blocked on a full receiver goes on when a reader takes one. */
static void dgram_reader_unblocks_sender(struct ct_ctx *c)
{
	struct blocked_send bs;
	pthread_t t;
	char buf[8];
	long s, fb;
	int i;

	memset(&bs, 0, sizeof(bs));
	CT_OK(c, fb, mk_bound(c, "b", &bs.to, &bs.tolen));
	CT_OK(c, s, mk_unbound(c, 0));
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &bs.to, bs.tolen), 1);
	CT_EQ(c, ct_set_timeo(c, (int)s, SO_SNDTIMEO, 5000), 0);
	CT_EQ(c, ct_set_timeo(c, (int)fb, SO_RCVTIMEO, 5000), 0);
	bs.c = c;
	bs.fd = (int)s;
	CT_EQ(c, pthread_create(&t, NULL, blocked_send_thread, &bs), 0);
	ct_wait_sleeping(&bs.tid);
	CT_CHECK_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), 0), 1);
	pthread_join(t, NULL);
	CT_EQ(c, bs.ret, 4);
	for (i = 0; i < MAX_DGRAM_QLEN; i++)
		CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 4);
	CT_TRUE(c, memcmp(buf, "late", 4) == 0);
}

/* ---- peer death and shutdown ---- */

/* The connected peer closed: the first send is ECONNREFUSED and dissolves
 * the connection; the next is ENOTCONN. */
static void dgram_peer_closed(struct ct_ctx *c)
{
	struct sockaddr_un b, p;
	unsigned bl, pl = sizeof(p);
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->connect((int)s, &b, bl), 0);
	close_untracked(c, (int)fb);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), -ECONNREFUSED);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), -ENOTCONN);
	CT_EQ(c, c->b->getpeername((int)s, &p, &pl), -ENOTCONN);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* Socketpair: after the peer closed, recv has nothing (EAGAIN, no EOF),
 * queued datagrams are still read, send is ECONNREFUSED then ENOTCONN. */
static void dgram_socketpair_peer_closed(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[1], "left", 4, 0), 4);
	close_untracked(c, sv[1]);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), 4);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -ECONNREFUSED);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -ENOTCONN);
}

/* Finding the connected peer dead (a send gets ECONNREFUSED) disconnects
 * and drops the datagrams queued for this socket. */
static void dgram_peer_death_purges_queue(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[1], "left", 4, 0), 4);
	close_untracked(c, sv[1]);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -ECONNREFUSED);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* Connecting to another peer drops the datagrams queued for this socket,
 * and a peer that was connected back gets ECONNRESET (SO_ERROR). */
static void dgram_reconnect_purges_queue(struct ct_ctx *c)
{
	struct sockaddr_un a, b, d;
	unsigned al, bl, dl;
	char buf[8];
	int err = -1;
	unsigned el = sizeof(err);
	long fa, fb, fd;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, fd, mk_bound(c, "d", &d, &dl));
	CT_EQ(c, c->b->connect((int)fa, &b, bl), 0);
	CT_EQ(c, c->b->connect((int)fb, &a, al), 0);
	CT_EQ(c, ct_snd(c, (int)fb, "1", 1, 0), 1);
	CT_EQ(c, c->b->connect((int)fa, &d, dl), 0);
	CT_EQ(c, ct_rcv(c, (int)fa, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, c->b->getsockopt((int)fb, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, ECONNRESET);
}

/* Reconnecting to the same peer keeps the queue. */
static void dgram_reconnect_same_keeps_queue(struct ct_ctx *c)
{
	struct sockaddr_un a, b;
	unsigned al, bl;
	char buf[8];
	long fa, fb;

	CT_OK(c, fa, mk_bound(c, "a", &a, &al));
	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_EQ(c, c->b->connect((int)fa, &b, bl), 0);
	CT_EQ(c, c->b->sendto((int)fb, "1", 1, 0, &a, al), 1);
	CT_EQ(c, c->b->connect((int)fa, &b, bl), 0);
	CT_EQ(c, ct_rcv(c, (int)fa, buf, sizeof(buf), MSG_DONTWAIT), 1);
}

/* connect(AF_UNSPEC) drops the queued datagrams as well. */
static void dgram_unspec_purges_queue(struct ct_ctx *c)
{
	struct sockaddr u;
	char buf[8];
	int sv[2];

	memset(&u, 0, sizeof(u));
	u.sa_family = AF_UNSPEC;
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[1], "q", 1, 0), 1);
	CT_EQ(c, c->b->connect(sv[0], &u, sizeof(u)), 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* With SO_PASSCRED an unnamed sender is autobound when it sends: an
 * abstract name of five hex digits (address length 8). */
static void dgram_passcred_autobind(struct ct_ctx *c)
{
	struct sockaddr_un b, p, n;
	unsigned bl, pl = sizeof(p), nl = sizeof(n);
	char buf[8];
	int one = 1, i;
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->setsockopt((int)s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->sendto((int)s, "c", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->recvfrom((int)fb, buf, sizeof(buf), 0, &p, &pl), 1);
	CT_EQ(c, pl, offsetof(struct sockaddr_un, sun_path) + 6);
	CT_EQ(c, p.sun_path[0], 0);
	for (i = 1; i < 6; i++)
		CT_TRUE(c, (p.sun_path[i] >= '0' && p.sun_path[i] <= '9') ||
				   (p.sun_path[i] >= 'a' && p.sun_path[i] <= 'f'));
	CT_EQ(c, c->b->getsockname((int)s, &n, &nl), 0);
	CT_EQ(c, nl, pl);
	CT_TRUE(c, memcmp(&n, &p, pl) == 0);
}

/* Own SHUT_WR: send is EPIPE. */
static void dgram_shut_wr(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->shutdown((int)s, SHUT_WR), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &b, bl), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* A receiver that shut its reading refuses datagrams with EPIPE; its own
 * reads give EAGAIN (nonblocking) as before. */
static void dgram_shut_rd_receiver(struct ct_ctx *c)
{
	struct sockaddr_un b;
	unsigned bl;
	char buf[4];
	long s, fb;

	CT_OK(c, fb, mk_bound(c, "b", &b, &bl));
	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->sendto((int)s, "1", 1, 0, &b, bl), 1);
	CT_EQ(c, c->b->shutdown((int)fb, SHUT_RD), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, c->b->sendto((int)s, "2", 1, 0, &b, bl), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, (int)fb, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* A blocking recv after own SHUT_RD returns 0 at once. */
static void dgram_shut_rd_blocking_recv(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_set_timeo(c, sv[0], SO_RCVTIMEO, 50), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
}

/* On dgram, shutdown is not passed to the peer. */
static void dgram_shutdown_not_propagated(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, ct_snd(c, sv[1], "x", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void dgram_shutdown_unconnected(struct ct_ctx *c)
{
	long s;

	CT_OK(c, s, mk_unbound(c, 0));
	CT_EQ(c, c->b->shutdown((int)s, SHUT_RDWR), 0);
	CT_EQ(c, c->b->shutdown((int)s, 3), -EINVAL);
}

const struct ct_case ct_cases_dgram[] = {
	{ "dgram_sendto_recvfrom_named", dgram_sendto_recvfrom_named },
	{ "dgram_unnamed_sender", dgram_unnamed_sender },
	{ "dgram_abstract_names", dgram_abstract_names },
	{ "dgram_source_after_sender_closed", dgram_source_after_sender_closed },
	{ "dgram_recvfrom_addr_truncated", dgram_recvfrom_addr_truncated },
	{ "dgram_send_to_self", dgram_send_to_self },
	{ "dgram_connect_default_peer", dgram_connect_default_peer },
	{ "dgram_send_no_peer", dgram_send_no_peer },
	{ "dgram_sendto_missing_path", dgram_sendto_missing_path },
	{ "dgram_sendto_abstract_nobody", dgram_sendto_abstract_nobody },
	{ "dgram_sendto_closed_receiver", dgram_sendto_closed_receiver },
	{ "dgram_sendto_stream_path", dgram_sendto_stream_path },
	{ "dgram_sendto_bad_addr", dgram_sendto_bad_addr },
	{ "dgram_connect_unspec", dgram_connect_unspec },
	{ "dgram_connected_elsewhere_eperm", dgram_connected_elsewhere_eperm },
	{ "dgram_reconnect", dgram_reconnect },
	{ "dgram_sendto_on_connected", dgram_sendto_on_connected },
	{ "dgram_connect_survives_unlink", dgram_connect_survives_unlink },
	{ "dgram_socketpair_both_ways", dgram_socketpair_both_ways },
	{ "dgram_boundaries", dgram_boundaries },
	{ "dgram_trunc_msg_flags", dgram_trunc_msg_flags },
	{ "dgram_trunc_recv_flag", dgram_trunc_recv_flag },
	{ "dgram_zero_length", dgram_zero_length },
	{ "dgram_peek", dgram_peek },
	{ "dgram_waitall", dgram_waitall },
	{ "dgram_recv_empty", dgram_recv_empty },
	{ "dgram_sendmsg_gather", dgram_sendmsg_gather },
	{ "dgram_recvmsg_scatter", dgram_recvmsg_scatter },
	{ "dgram_recvmsg_name_null", dgram_recvmsg_name_null },
	{ "dgram_sendmsg_name_null", dgram_sendmsg_name_null },
	{ "dgram_listen_accept", dgram_listen_accept },
	{ "dgram_msg_oob", dgram_msg_oob },
	{ "dgram_emsgsize", dgram_emsgsize },
	{ "dgram_emsgsize_small_sndbuf", dgram_emsgsize_small_sndbuf },
	{ "dgram_qlen_nonblock", dgram_qlen_nonblock },
	{ "dgram_qlen_connected_sender", dgram_qlen_connected_sender },
	{ "dgram_qlen_exempt_connected_back", dgram_qlen_exempt_connected_back },
	{ "dgram_qlen_sndtimeo", dgram_qlen_sndtimeo },
	{ "dgram_reader_unblocks_sender", dgram_reader_unblocks_sender },
	{ "dgram_peer_closed", dgram_peer_closed },
	{ "dgram_socketpair_peer_closed", dgram_socketpair_peer_closed },
	{ "dgram_peer_death_purges_queue", dgram_peer_death_purges_queue },
	{ "dgram_reconnect_purges_queue", dgram_reconnect_purges_queue },
	{ "dgram_reconnect_same_keeps_queue", dgram_reconnect_same_keeps_queue },
	{ "dgram_unspec_purges_queue", dgram_unspec_purges_queue },
	{ "dgram_passcred_autobind", dgram_passcred_autobind },
	{ "dgram_shut_wr", dgram_shut_wr },
	{ "dgram_shut_rd_receiver", dgram_shut_rd_receiver },
	{ "dgram_shut_rd_blocking_recv", dgram_shut_rd_blocking_recv },
	{ "dgram_shutdown_not_propagated", dgram_shutdown_not_propagated },
	{ "dgram_shutdown_unconnected", dgram_shutdown_unconnected },
	{ 0 },
};

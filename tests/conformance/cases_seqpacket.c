/*
 * cases_seqpacket.c - AF_UNIX SOCK_SEQPACKET: connection setup, message
 * boundaries, truncation, EOF/EPIPE and limits.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

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

/* A connected seqpacket client/server pair through a listener. */
static long mk_conn(struct ct_ctx *c, int *cl, int *sv)
{
	struct sockaddr_un a;
	unsigned al;
	long l = mk_listener(c, SOCK_SEQPACKET, "conn", 4, &a, &al);
	long r;

	if (l < 0)
		return l;
	*cl = (int)ct_fd(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0));
	if (*cl < 0)
		return *cl;
	r = c->b->connect(*cl, &a, al);
	if (r < 0)
		return r;
	*sv = (int)ct_fd(c, c->b->accept((int)l, NULL, NULL));
	return *sv < 0 ? *sv : 0;
}

/* recvmsg into one buffer; *mflags gets msg_flags. */
static long rcvmsg(struct ct_ctx *c, int fd, void *buf, unsigned long n, int flags, int *mflags)
{
	struct iovec iov = { buf, n };
	struct msghdr m;
	long r;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_flags = -1;
	r = c->b->recvmsg(fd, &m, flags);
	*mflags = m.msg_flags;
	return r;
}

static void close_untracked(struct ct_ctx *c, int fd)
{
	ct_untrack(c, fd);
	(void)c->b->close(fd); /* checked by the cases that care */
}

static void seqpacket_boundaries(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "defg", 4, 0), 4);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 3);
	CT_TRUE(c, memcmp(buf, "abc", 3) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 4);
	CT_TRUE(c, memcmp(buf, "defg", 4) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void seqpacket_listen_connect_accept(struct ct_ctx *c)
{
	char buf[16];
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	CT_EQ(c, ct_snd(c, cl, "one", 3, 0), 3);
	CT_EQ(c, ct_snd(c, cl, "two!", 4, 0), 4);
	CT_EQ(c, ct_rcv(c, sv, buf, sizeof(buf), 0), 3);
	CT_EQ(c, ct_rcv(c, sv, buf, sizeof(buf), 0), 4);
	CT_EQ(c, ct_snd(c, sv, "reply", 5, 0), 5);
	CT_EQ(c, ct_rcv(c, cl, buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "reply", 5) == 0);
}

static void seqpacket_listen_unbound(struct ct_ctx *c)
{
	long s;

	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->listen((int)s, 1), -EINVAL);
}

/* As for stream: a backlog of N admits N + 1. */
static void seqpacket_backlog(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;
	int i;

	CT_OK(c, l, mk_listener(c, SOCK_SEQPACKET, "l", 1, &a, &al));
	for (i = 0; i < 2; i++) {
		CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0)));
		CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	}
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
}

static void seqpacket_accept_addr(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	long l, s, n;

	CT_OK(c, l, mk_listener(c, SOCK_SEQPACKET, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, &p, &pl)));
	CT_EQ(c, pl, sizeof(sa_family_t));
	CT_EQ(c, p.sun_family, AF_UNIX);
}

/* A short read returns the head of the message; the rest is dropped. */
static void seqpacket_short_read_drops(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "next", 4, 0), 4);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, 0), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 4);
	CT_TRUE(c, memcmp(buf, "next", 4) == 0);
}

static void seqpacket_recvmsg_trunc(struct ct_ctx *c)
{
	char buf[16];
	int sv[2], fl;

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "gh", 2, 0), 2);
	CT_EQ(c, rcvmsg(c, sv[1], buf, 3, 0, &fl), 3);
	CT_EQ(c, fl, MSG_TRUNC);
	CT_EQ(c, rcvmsg(c, sv[1], buf, sizeof(buf), 0, &fl), 2);
	CT_EQ(c, fl, 0);
}

/* The MSG_TRUNC recv flag returns the real length. */
static void seqpacket_recv_trunc_flag(struct ct_ctx *c)
{
	char buf[16];
	int sv[2], fl;

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "ghijk", 5, 0), 5);
	memset(buf, 0, sizeof(buf));
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, MSG_TRUNC), 6);
	CT_TRUE(c, memcmp(buf, "ab\0", 3) == 0);
	CT_EQ(c, rcvmsg(c, sv[1], buf, 2, MSG_TRUNC, &fl), 5);
	CT_EQ(c, fl, MSG_TRUNC);
}

static void seqpacket_zero_length(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], buf, 0, 0), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void seqpacket_peek(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "first", 5, 0), 5);
	CT_EQ(c, ct_snd(c, sv[0], "second", 6, 0), 6);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_PEEK), 5);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, MSG_PEEK), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 0, MSG_PEEK | MSG_TRUNC), 5);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "first", 5) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_PEEK), 6);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 6);
	CT_TRUE(c, memcmp(buf, "second", 6) == 0);
}

/* MSG_EOR is accepted on send; AF_UNIX does not set it on receive. */
static void seqpacket_msg_eor(struct ct_ctx *c)
{
	char buf[8];
	int sv[2], fl;

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "eor", 3, MSG_EOR), 3);
	CT_EQ(c, rcvmsg(c, sv[1], buf, sizeof(buf), 0, &fl), 3);
	CT_EQ(c, fl, 0);
}

/* MSG_WAITALL does not join messages. */
static void seqpacket_waitall(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_WAITALL), 3);
}

static void seqpacket_read_write(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "ab", 2), 2);
	CT_EQ(c, c->b->write(sv[0], "cde", 3), 3);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 2);
	CT_EQ(c, c->b->read(sv[1], buf, 1), 1);
	CT_EQ(c, buf[0], 'c');
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* writev makes one message; readv scatters one message. */
static void seqpacket_readv_writev(struct ct_ctx *c)
{
	char a[2], b[8];
	struct iovec wv[3] = { { "ab", 2 }, { "cd", 2 }, { "e", 1 } };
	struct iovec rv[2] = { { a, 2 }, { b, 8 } };
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, c->b->writev(sv[0], wv, 3), 5);
	CT_EQ(c, ct_snd(c, sv[0], "Z", 1, 0), 1);
	CT_EQ(c, c->b->readv(sv[1], rv, 2), 5);
	CT_TRUE(c, memcmp(a, "ab", 2) == 0);
	CT_TRUE(c, memcmp(b, "cde", 3) == 0);
	CT_EQ(c, c->b->readv(sv[1], rv, 2), 1);
	CT_EQ(c, a[0], 'Z');
}

/* recvfrom reports the sender's name: nothing for an unnamed sender, the
 * listener's name for data from an accepted socket. */
static void seqpacket_recvfrom_name(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl;
	char buf[8];
	long l, s, n;

	CT_OK(c, l, mk_listener(c, SOCK_SEQPACKET, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), 1);
	pl = sizeof(p);
	CT_EQ(c, c->b->recvfrom((int)n, buf, sizeof(buf), 0, &p, &pl), 1);
	CT_EQ(c, pl, 0);
	CT_EQ(c, ct_snd(c, (int)n, "y", 1, 0), 1);
	pl = sizeof(p);
	CT_EQ(c, c->b->recvfrom((int)s, buf, sizeof(buf), 0, &p, &pl), 1);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
}

/* After the peer closes: queued messages, then 0, blocking or not. */
static void seqpacket_eof_after_close(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "last", 4, 0), 4);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->close(sv[0]), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 4);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
}

/* Sending to a closed peer: EPIPE, and (unlike stream) no SIGPIPE. */
static void seqpacket_epipe_after_close(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	close_untracked(c, sv[1]);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* Peer closed with unread data: ECONNRESET once, then 0. */
static void seqpacket_connreset(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "unread", 6, 0), 6);
	close_untracked(c, sv[1]);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), -ECONNRESET);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
}

/* Nonblocking recv reports the reset too; it is consumed (SO_ERROR 0). */
static void seqpacket_connreset_nonblock(struct ct_ctx *c)
{
	char buf[8];
	int sv[2], err = -1;
	unsigned el = sizeof(err);

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "unread", 6, 0), 6);
	close_untracked(c, sv[1]);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), -ECONNRESET);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
}

static void seqpacket_shut_wr(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "m", 1, 0), 1);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0); /* no SIGPIPE on seqpacket */
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_snd(c, sv[1], "back", 4, 0), 4);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 4);
}

static void seqpacket_shut_rd_peer_send(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
	CT_EQ(c, ct_snd(c, sv[1], "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
}

static void seqpacket_recv_unconnected(struct ct_ctx *c)
{
	char buf[4];
	long s;

	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), 0), -ENOTCONN);
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), MSG_DONTWAIT), -ENOTCONN);
}

static void seqpacket_send_unconnected(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;

	CT_OK(c, l, mk_listener(c, SOCK_SEQPACKET, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), -ENOTCONN);
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &a, al), -ENOTCONN);
	CT_EQ(c, ct_snd(c, (int)l, "x", 1, 0), -ENOTCONN);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* On a connected seqpacket socket the sendto address is ignored. */
static void seqpacket_sendto_connected(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	al = ct_path(c, &a, "nowhere");
	CT_EQ(c, c->b->sendto(sv[0], "x", 1, 0, &a, al), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
}

static void seqpacket_connect_stream_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EPROTOTYPE);
	CT_OK(c, l, mk_listener(c, SOCK_SEQPACKET, "l2", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EPROTOTYPE);
}

static void seqpacket_nonblock_recv(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, c->b->socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	ct_fd(c, sv[0]);
	ct_fd(c, sv[1]);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), -EAGAIN);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), -EAGAIN);
}

/* Nonblocking sends until EAGAIN: every accepted message arrives whole and
 * in order. */
static void seqpacket_nonblock_fill(struct ct_ctx *c)
{
	char msg[1000], in[1100];
	int sv[2], i, n = 0;
	long r;

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	for (;;) {
		ct_fill(msg, sizeof(msg), (unsigned)n);
		r = ct_snd(c, sv[0], msg, sizeof(msg), MSG_DONTWAIT);
		if (r == -EAGAIN)
			break;
		CT_EQ(c, r, sizeof(msg));
		CT_TRUE(c, ++n < 100000);
	}
	CT_TRUE(c, n > 0);
	for (i = 0; i < n; i++) {
		ct_fill(msg, sizeof(msg), (unsigned)i);
		CT_EQ(c, ct_rcv(c, sv[1], in, sizeof(in), MSG_DONTWAIT), sizeof(msg));
		CT_TRUE(c, memcmp(in, msg, sizeof(msg)) == 0);
	}
	CT_EQ(c, ct_rcv(c, sv[1], in, sizeof(in), MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_snd(c, sv[0], msg, sizeof(msg), MSG_DONTWAIT), sizeof(msg));
}

/* A message larger than the send buffer allows (SO_SNDBUF - 32) is
 * EMSGSIZE; one at the bound goes through. */
static void seqpacket_emsgsize(struct ct_ctx *c)
{
	unsigned char *buf;
	int sv[2], sb = 0;
	unsigned sl = sizeof(sb);
	long r1, r2, r3;

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sb, &sl), 0);
	CT_TRUE(c, sb > 64);
	buf = malloc((size_t)sb + 1);
	CT_TRUE(c, buf != NULL);
	memset(buf, 'm', (size_t)sb + 1);
	r1 = ct_snd(c, sv[0], buf, (unsigned long)sb + 1, MSG_DONTWAIT);
	r2 = ct_snd(c, sv[0], buf, (unsigned long)sb - 31, MSG_DONTWAIT);
	r3 = ct_snd(c, sv[0], buf, (unsigned long)sb - 32, MSG_DONTWAIT);
	free(buf);
	CT_EQ(c, r1, -EMSGSIZE);
	CT_EQ(c, r2, -EMSGSIZE);
	CT_EQ(c, r3, sb - 32);
}

static void seqpacket_msg_oob(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, MSG_OOB), -EOPNOTSUPP);
	CT_EQ(c, ct_snd(c, sv[0], "y", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_OOB), -EOPNOTSUPP);
}

static void seqpacket_sendmsg_name_ignored(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct iovec iov = { "msg", 3 };
	struct msghdr m;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	memset(&m, 0, sizeof(m));
	m.msg_name = &a;
	m.msg_namelen = ct_abstract(c, &a, "nobody");
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CT_EQ(c, c->b->sendmsg(sv[0], &m, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 3);
}

const struct ct_case ct_cases_seqpacket[] = {
	{ "seqpacket_boundaries", seqpacket_boundaries },
	{ "seqpacket_listen_connect_accept", seqpacket_listen_connect_accept },
	{ "seqpacket_listen_unbound", seqpacket_listen_unbound },
	{ "seqpacket_backlog", seqpacket_backlog },
	{ "seqpacket_accept_addr", seqpacket_accept_addr },
	{ "seqpacket_short_read_drops", seqpacket_short_read_drops },
	{ "seqpacket_recvmsg_trunc", seqpacket_recvmsg_trunc },
	{ "seqpacket_recv_trunc_flag", seqpacket_recv_trunc_flag },
	{ "seqpacket_zero_length", seqpacket_zero_length },
	{ "seqpacket_peek", seqpacket_peek },
	{ "seqpacket_msg_eor", seqpacket_msg_eor },
	{ "seqpacket_waitall", seqpacket_waitall },
	{ "seqpacket_read_write", seqpacket_read_write },
	{ "seqpacket_readv_writev", seqpacket_readv_writev },
	{ "seqpacket_recvfrom_name", seqpacket_recvfrom_name },
	{ "seqpacket_eof_after_close", seqpacket_eof_after_close },
	{ "seqpacket_epipe_after_close", seqpacket_epipe_after_close },
	{ "seqpacket_connreset", seqpacket_connreset },
	{ "seqpacket_connreset_nonblock", seqpacket_connreset_nonblock },
	{ "seqpacket_shut_wr", seqpacket_shut_wr },
	{ "seqpacket_shut_rd_peer_send", seqpacket_shut_rd_peer_send },
	{ "seqpacket_recv_unconnected", seqpacket_recv_unconnected },
	{ "seqpacket_send_unconnected", seqpacket_send_unconnected },
	{ "seqpacket_sendto_connected", seqpacket_sendto_connected },
	{ "seqpacket_connect_stream_listener", seqpacket_connect_stream_listener },
	{ "seqpacket_nonblock_recv", seqpacket_nonblock_recv },
	{ "seqpacket_nonblock_fill", seqpacket_nonblock_fill },
	{ "seqpacket_emsgsize", seqpacket_emsgsize },
	{ "seqpacket_msg_oob", seqpacket_msg_oob },
	{ "seqpacket_sendmsg_name_ignored", seqpacket_sendmsg_name_ignored },
	{ 0 },
};

/*
 * cases_stream.c - AF_UNIX SOCK_STREAM: listen/connect/accept, the data
 * path, EOF, EPIPE/SIGPIPE, resets, shutdown and nonblocking behaviour.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

/* A stream socket bound to c->dir/name and listening; fd or -errno. */
static long mk_listener(struct ct_ctx *c, const char *name, int backlog, struct sockaddr_un *a,
			unsigned *alen)
{
	long fd = ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0));
	long r;

	if (fd < 0)
		return fd;
	*alen = ct_path(c, a, name);
	r = c->b->bind(fd, a, *alen);
	if (r == 0)
		r = c->b->listen(fd, backlog);
	return r < 0 ? r : fd;
}

/* A connected client/server pair through a listener; 0 or -errno. */
static long mk_conn(struct ct_ctx *c, int *cl, int *sv)
{
	struct sockaddr_un a;
	unsigned al;
	long l = mk_listener(c, "conn", 4, &a, &al);
	long r;

	if (l < 0)
		return l;
	*cl = (int)ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0));
	if (*cl < 0)
		return *cl;
	r = c->b->connect(*cl, &a, al);
	if (r < 0)
		return r;
	*sv = (int)ct_fd(c, c->b->accept((int)l, NULL, NULL));
	return *sv < 0 ? *sv : 0;
}

/* ---- listen ---- */

/* Linux: listen on an unbound AF_UNIX socket is EINVAL (no autobind). */
static void stream_listen_unbound(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = sizeof(a);
	long fd;

	CT_OK(c, fd, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->listen((int)fd, 1), -EINVAL);
	CT_EQ(c, c->b->getsockname((int)fd, &a, &al), 0);
	CT_EQ(c, al, sizeof(sa_family_t));
}

static void stream_listen_backlog_negative(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	CT_OK(c, l, mk_listener(c, "l", -1, &a, &al));
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_OK(c, cl, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
}

static void stream_listen_backlog_huge(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	CT_OK(c, l, mk_listener(c, "l", INT_MAX, &a, &al));
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
}

/* A second listen() updates the backlog of the listening socket. */
static void stream_relisten(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;
	int i;

	CT_OK(c, l, mk_listener(c, "l", 0, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
	CT_EQ(c, c->b->listen((int)l, 2), 0);
	for (i = 0; i < 2; i++) {
		CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
		CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	}
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
}

static void stream_listen_after_connect(struct ct_ctx *c)
{
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	CT_EQ(c, c->b->listen(cl, 1), -EINVAL);
	CT_EQ(c, c->b->listen(sv, 1), -EINVAL);
}

static void stream_listen_socketpair(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->listen(sv[0], 1), -EINVAL);
}

/* ---- connect ---- */

static void stream_connect_path(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	long l, cl, sv;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_OK(c, sv, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, c->b->getpeername((int)cl, &p, &pl), 0);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
}

static void stream_connect_abstract(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	long l, cl, sv;

	CT_OK(c, l, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	al = ct_abstract(c, &a, "abs");
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->listen((int)l, 1), 0);
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_OK(c, sv, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, c->b->getpeername((int)cl, &p, &pl), 0);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
	CT_EQ(c, ct_snd(c, (int)cl, "hi", 2, 0), 2);
}

/* A bound stream socket that never listened refuses connections. */
static void stream_connect_refused_not_listening(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "nl");
	long s, cl;

	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)s, &a, al), 0);
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), -ECONNREFUSED);
}

static void stream_connect_refused_abstract(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "nobody");
	long cl;

	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), -ECONNREFUSED);
}

static void stream_connect_missing_path(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "missing");
	long cl;

	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), -ENOENT);
}

/* The listener is gone but its file remains: refused. */
static void stream_connect_closed_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	ct_untrack(c, (int)l);
	CT_EQ(c, c->b->close((int)l), 0);
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), -ECONNREFUSED);
}

static void stream_connect_dgram_path(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "dg");
	long d, cl;

	CT_OK(c, d, CT_FD(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)d, &a, al), 0);
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), -EPROTOTYPE);
}

static void stream_connect_isconn(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_EQ(c, c->b->connect((int)cl, &a, al), -EISCONN);
}

static void stream_connect_on_listener(struct ct_ctx *c)
{
	struct sockaddr_un a, a2;
	unsigned al, al2;
	long l, l2;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, l2, mk_listener(c, "l2", 4, &a2, &al2));
	CT_EQ(c, c->b->connect((int)l2, &a, al), -EINVAL);
}

static void stream_connect_af_unspec(struct ct_ctx *c)
{
	struct sockaddr_un a;
	long cl;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNSPEC;
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, sizeof(a)), -EINVAL);
}

static void stream_connect_bad_len(struct ct_ctx *c)
{
	struct {
		struct sockaddr_un a;
		char pad[64];
	} big;
	unsigned al;
	long l, cl;

	memset(&big, 0, sizeof(big));
	CT_OK(c, l, mk_listener(c, "l", 4, &big.a, &al));
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &big.a, 0), -EINVAL);
	CT_EQ(c, c->b->connect((int)cl, &big.a, 1), -EINVAL);
	CT_EQ(c, c->b->connect((int)cl, &big.a, SUN_OFF), -EINVAL);
	CT_EQ(c, c->b->connect((int)cl, &big.a, sizeof(big.a) + 1), -EINVAL);
	CT_EQ(c, c->b->connect((int)cl, &big, sizeof(big)), -EINVAL);
	/* The socket is still usable. */
	CT_EQ(c, c->b->connect((int)cl, &big.a, al), 0);
}

static void stream_connect_wrong_family(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	a.sun_family = AF_INET;
	CT_OK(c, cl, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), -EINVAL);
}

/* A backlog of N admits N + 1 unaccepted connections on AF_UNIX. */
static void stream_backlog_nonblock(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s, acc;
	int i;

	CT_OK(c, l, mk_listener(c, "l", 2, &a, &al));
	for (i = 0; i < 3; i++) {
		CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
		CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	}
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
	CT_OK(c, acc, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	/* One slot free again: the same socket may retry. */
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
}

static void stream_backlog_zero(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;

	CT_OK(c, l, mk_listener(c, "l", 0, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
}

/* A blocking connect to a full backlog waits SO_SNDTIMEO, then EAGAIN. */
static void stream_connect_sndtimeo(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct timespec t0;
	unsigned al;
	long l, s, ms;

	CT_OK(c, l, mk_listener(c, "l", 0, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, ct_set_timeo(c, (int)s, SO_SNDTIMEO, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->connect((int)s, &a, al), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	/* >= the timeout, less one 4 ms kernel tick of rounding; < 10x. */
	CT_TRUE(c, ms >= 46);
	CT_TRUE(c, ms < 500);
}

/* With SO_PASSCRED a client is autobound by connect: an abstract name of
 * five hex digits (length 8), which accept reports. */
static void stream_connect_passcred_autobind(struct ct_ctx *c)
{
	struct sockaddr_un a, p, n;
	unsigned al, pl = sizeof(p), nl = sizeof(n);
	int one = 1, i;
	long l, s, acc;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->setsockopt((int)s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_EQ(c, c->b->getsockname((int)s, &n, &nl), 0);
	CT_EQ(c, nl, SUN_OFF + 6);
	CT_EQ(c, n.sun_path[0], 0);
	for (i = 1; i < 6; i++)
		CT_TRUE(c, (n.sun_path[i] >= '0' && n.sun_path[i] <= '9') ||
				   (n.sun_path[i] >= 'a' && n.sun_path[i] <= 'f'));
	CT_OK(c, acc, CT_FD(c, c->b->accept((int)l, &p, &pl)));
	CT_EQ(c, pl, nl);
	CT_TRUE(c, memcmp(&p, &n, nl) == 0);
}

/* The peer's name stays readable after the peer closed. */
static void stream_getpeername_after_peer_close(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	al = ct_path(c, &a, "conn");
	ct_untrack(c, sv);
	CT_EQ(c, c->b->close(sv), 0);
	CT_EQ(c, c->b->getpeername(cl, &p, &pl), 0);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
}

/* ---- accept ---- */

static void stream_accept_not_listening(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "b");
	long s;

	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->accept((int)s, NULL, NULL), -EINVAL);
	CT_EQ(c, c->b->bind((int)s, &a, al), 0);
	CT_EQ(c, c->b->accept((int)s, NULL, NULL), -EINVAL);
}

static void stream_accept_connected(struct ct_ctx *c)
{
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	CT_EQ(c, c->b->accept(cl, NULL, NULL), -EINVAL);
	CT_EQ(c, c->b->accept(sv, NULL, NULL), -EINVAL);
}

static void stream_accept_nonblock_empty(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_EQ(c, c->b->fcntl((int)l, F_SETFL, O_NONBLOCK), 0);
	CT_EQ(c, c->b->accept((int)l, NULL, NULL), -EAGAIN);
	CT_EQ(c, c->b->accept4((int)l, NULL, NULL, SOCK_CLOEXEC), -EAGAIN);
}

static void stream_accept4_flags(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);

	CT_OK(c, n, CT_FD(c, c->b->accept4((int)l, NULL, NULL, 0)));
	CT_EQ(c, c->b->fcntl((int)n, F_GETFL, 0) & O_NONBLOCK, 0);
	CT_EQ(c, c->b->fcntl((int)n, F_GETFD, 0) & FD_CLOEXEC, 0);
	CT_EQ(c, ct_rcv(c, (int)n, &al, 1, MSG_DONTWAIT), -EAGAIN);

	CT_OK(c, n, CT_FD(c, c->b->accept4((int)l, NULL, NULL, SOCK_NONBLOCK)));
	CT_EQ(c, c->b->fcntl((int)n, F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK);
	CT_EQ(c, c->b->fcntl((int)n, F_GETFD, 0) & FD_CLOEXEC, 0);
	CT_EQ(c, ct_rcv(c, (int)n, &al, 1, 0), -EAGAIN);

	CT_OK(c, n, CT_FD(c, c->b->accept4((int)l, NULL, NULL, SOCK_CLOEXEC)));
	CT_EQ(c, c->b->fcntl((int)n, F_GETFL, 0) & O_NONBLOCK, 0);
	CT_EQ(c, c->b->fcntl((int)n, F_GETFD, 0) & FD_CLOEXEC, FD_CLOEXEC);
}

/* A listener's O_NONBLOCK is not inherited by accepted sockets. */
static void stream_accept_no_flag_inherit(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s, n;

	CT_OK(c, l, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)));
	al = ct_path(c, &a, "l");
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->listen((int)l, 1), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, c->b->fcntl((int)n, F_GETFL, 0) & O_NONBLOCK, 0);
}

static void stream_accept4_bad_flags(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_EQ(c, c->b->accept4((int)l, NULL, NULL, 1), -EINVAL);
	CT_EQ(c, c->b->accept4((int)l, NULL, NULL, O_APPEND), -EINVAL);
	CT_EQ(c, c->b->accept4((int)l, NULL, NULL, SOCK_NONBLOCK | 0x10000000), -EINVAL);
	/* The connection is still pending. */
	CT_OK(c, n, CT_FD(c, c->b->accept4((int)l, NULL, NULL, SOCK_NONBLOCK)));
}

/* An unnamed client is reported as just the family: length 2. */
static void stream_accept_addr_unnamed(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	memset(&p, 0x55, sizeof(p));
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, &p, &pl)));
	CT_EQ(c, pl, sizeof(sa_family_t));
	CT_EQ(c, p.sun_family, AF_UNIX);
	pl = sizeof(p);
	CT_EQ(c, c->b->getpeername((int)n, &p, &pl), 0);
	CT_EQ(c, pl, sizeof(sa_family_t));
}

static void stream_accept_addr_bound(struct ct_ctx *c)
{
	struct sockaddr_un a, b, p;
	unsigned al, bl, pl = sizeof(p);
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	bl = ct_path(c, &b, "client");
	CT_EQ(c, c->b->bind((int)s, &b, bl), 0);
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, &p, &pl)));
	CT_EQ(c, pl, bl);
	CT_TRUE(c, memcmp(&p, &b, bl) == 0);
}

/* A short address buffer is filled as far as it goes; the length reported
 * is the full one. */
static void stream_accept_addr_truncated(struct ct_ctx *c)
{
	struct sockaddr_un a, b;
	unsigned char p[8];
	unsigned al, bl, pl = 4;
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	bl = ct_path(c, &b, "client");
	CT_EQ(c, c->b->bind((int)s, &b, bl), 0);
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	memset(p, 0x55, sizeof(p));
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, p, &pl)));
	CT_EQ(c, pl, bl);
	CT_TRUE(c, memcmp(p, &b, 4) == 0);
	CT_EQ(c, p[4], 0x55);
}

/* The accepted socket carries the listener's name. */
static void stream_accepted_names(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl = sizeof(p);
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, c->b->getsockname((int)n, &p, &pl), 0);
	CT_EQ(c, pl, al);
	CT_TRUE(c, memcmp(&p, &a, al) == 0);
	pl = sizeof(p);
	CT_EQ(c, c->b->getsockname((int)s, &p, &pl), 0);
	CT_EQ(c, pl, sizeof(sa_family_t));
}

/* Data written before accept() waits in the new connection. */
static void stream_data_before_accept(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char buf[16];
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_EQ(c, ct_snd(c, (int)s, "early", 5, 0), 5);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, ct_rcv(c, (int)n, buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "early", 5) == 0);
}

/* A client that wrote and closed before accept: accept still succeeds,
 * the data is read, then EOF. */
static void stream_client_gone_before_accept(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char buf[16];
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_EQ(c, ct_snd(c, (int)s, "bye", 3, 0), 3);
	ct_untrack(c, (int)s);
	CT_EQ(c, c->b->close((int)s), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, ct_rcv(c, (int)n, buf, sizeof(buf), 0), 3);
	CT_EQ(c, ct_rcv(c, (int)n, buf, sizeof(buf), 0), 0);
}

/* ---- data ---- */

static void stream_data_both_ways(struct ct_ctx *c)
{
	char buf[16];
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	CT_EQ(c, ct_snd(c, cl, "ping", 4, 0), 4);
	CT_EQ(c, ct_rcv(c, sv, buf, sizeof(buf), 0), 4);
	CT_TRUE(c, memcmp(buf, "ping", 4) == 0);
	CT_EQ(c, ct_snd(c, sv, "pong!", 5, 0), 5);
	CT_EQ(c, ct_rcv(c, cl, buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "pong!", 5) == 0);
}

/* Stream has no boundaries: one read returns several writes. */
static void stream_writes_coalesce(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "de", 2, 0), 2);
	CT_EQ(c, ct_snd(c, sv[0], "fgh", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 8);
	CT_TRUE(c, memcmp(buf, "abcdefgh", 8) == 0);
}

/* A read smaller than what is queued; reads may split writes anywhere. */
static void stream_partial_reads(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "ghij", 4, 0), 4);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, 0), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 6, 0), 6);
	CT_TRUE(c, memcmp(buf, "cdefgh", 6) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ij", 2) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* MSG_PEEK sees across writes and consumes nothing. */
static void stream_peek(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, MSG_PEEK), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_PEEK), 6);
	CT_TRUE(c, memcmp(buf, "abcdef", 6) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 4, 0), 4);
	CT_TRUE(c, memcmp(buf, "abcd", 4) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_PEEK), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ef", 2) == 0);
}

static void stream_dontwait_eagain(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK), -EAGAIN);
	CT_EQ(c, c->b->fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), -EAGAIN);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), -EAGAIN);
}

/* MSG_WAITALL returns the whole request at once when it is queued. */
static void stream_waitall(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "ghi", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 8, MSG_WAITALL), 8);
	CT_TRUE(c, memcmp(buf, "abcdefgh", 8) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 1, MSG_WAITALL), 1);
	CT_EQ(c, buf[0], 'i');
}

/* MSG_WAITALL stops short at EOF and returns what it has. */
static void stream_waitall_eof(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_WAITALL), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_WAITALL), 0);
}

/* MSG_WAITALL with MSG_DONTWAIT returns what is there. */
static void stream_waitall_dontwait(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), -EAGAIN);
}

/* recv of 0 bytes: 0 with data queued (nothing consumed). */
static void stream_recv_len0(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 0, MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_snd(c, sv[0], "xy", 2, 0), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 0, 0), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
}

/* send of 0 bytes returns 0 and queues nothing. */
static void stream_send_len0(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], buf, 0, 0), 0);
	CT_EQ(c, c->b->write(sv[0], buf, 0), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void stream_read_write(struct ct_ctx *c)
{
	char buf[16];
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	CT_EQ(c, c->b->write(cl, "hello", 5), 5);
	CT_EQ(c, c->b->read(sv, buf, sizeof(buf)), 5);
	CT_TRUE(c, memcmp(buf, "hello", 5) == 0);
	CT_EQ(c, c->b->write(sv, "back", 4), 4);
	CT_EQ(c, c->b->read(cl, buf, 2), 2);
	CT_EQ(c, c->b->read(cl, buf + 2, 2), 2);
	CT_TRUE(c, memcmp(buf, "back", 4) == 0);
}

static void stream_readv_writev(struct ct_ctx *c)
{
	char a[3], b[5], d[2];
	struct iovec wv[3] = {
		{ "abc", 3 }, { "", 0 }, { "defghij", 7 },
	};
	struct iovec rv[3] = { { a, 3 }, { b, 5 }, { d, 2 } };
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->writev(sv[0], wv, 3), 10);
	CT_EQ(c, c->b->readv(sv[1], rv, 3), 10);
	CT_TRUE(c, memcmp(a, "abc", 3) == 0);
	CT_TRUE(c, memcmp(b, "defgh", 5) == 0);
	CT_TRUE(c, memcmp(d, "ij", 2) == 0);
}

/* recvmsg scatters; stream reports no flags. */
static void stream_sendmsg_recvmsg(struct ct_ctx *c)
{
	char a[4], b[8];
	struct iovec wv[2] = { { "12", 2 }, { "3456", 4 } };
	struct iovec rv[2] = { { a, 4 }, { b, 8 } };
	struct msghdr wm, rm;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	memset(&wm, 0, sizeof(wm));
	wm.msg_iov = wv;
	wm.msg_iovlen = 2;
	CT_EQ(c, c->b->sendmsg(sv[0], &wm, 0), 6);
	memset(&rm, 0, sizeof(rm));
	rm.msg_iov = rv;
	rm.msg_iovlen = 2;
	rm.msg_flags = -1;
	CT_EQ(c, c->b->recvmsg(sv[1], &rm, 0), 6);
	CT_EQ(c, rm.msg_flags, 0);
	CT_TRUE(c, memcmp(a, "1234", 4) == 0);
	CT_TRUE(c, memcmp(b, "56", 2) == 0);
}

/* recvfrom on a stream reports the name of the sending socket: nothing for
 * an unnamed client, the listener's name for data from an accepted socket. */
static void stream_recvfrom_name(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al, pl;
	char buf[8];
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
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

/* MSG_TRUNC on a stream recv is ignored: the data is copied as usual. */
static void stream_recv_msg_trunc_flag(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	memset(buf, 0, sizeof(buf));
	CT_EQ(c, ct_rcv(c, sv[1], buf, 4, MSG_TRUNC), 4);
	CT_TRUE(c, memcmp(buf, "abcd", 4) == 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ef", 2) == 0);
}

/* ---- EOF, EPIPE, reset ---- */

static void stream_eof_after_close(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "ab", 2, 0), 2);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->close(sv[0]), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 0);
}

/* After the peer's SHUT_WR: EOF here, but this side can still send. */
static void stream_eof_after_shut_wr(struct ct_ctx *c)
{
	char buf[8];
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	CT_EQ(c, ct_snd(c, cl, "q", 1, 0), 1);
	CT_EQ(c, c->b->shutdown(cl, SHUT_WR), 0);
	CT_EQ(c, ct_rcv(c, sv, buf, sizeof(buf), 0), 1);
	CT_EQ(c, ct_rcv(c, sv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_snd(c, sv, "answer", 6, 0), 6);
	CT_EQ(c, ct_rcv(c, cl, buf, sizeof(buf), 0), 6);
}

static void stream_epipe_sigpipe(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	(void)ct_take_sigpipe(); /* start clean */
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, c->b->write(sv[0], "x", 1), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
}

static void stream_epipe_nosignal(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* A zero-length send to a closed peer is still EPIPE. */
static void stream_epipe_len0(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[0], "x", 0, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

static void stream_epipe_own_shut_wr(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	/* Reading still works on the side that shut its writing. */
	CT_EQ(c, ct_snd(c, sv[1], "y", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 1);
}

/* SHUT_RD: queued data is still read, then reads give 0 at once. */
static void stream_shut_rd_own_reads(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[1], "abc", 3, 0), 3);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 3);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
	/* Own writes are unaffected. */
	CT_EQ(c, ct_snd(c, sv[0], "z", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
}

/* SHUT_RD on one side makes the peer's writes fail with EPIPE. */
static void stream_shut_rd_peer_writes(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[1], "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
}

/* Linux AF_UNIX: shutdown needs no connection (0), and the shutdown state
 * survives a later connect. */
static void stream_shutdown_unconnected(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char buf[4];
	long l, s, n;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->shutdown((int)s, SHUT_RD), 0);
	CT_EQ(c, c->b->shutdown((int)s, SHUT_WR), 0);
	CT_EQ(c, c->b->shutdown((int)s, SHUT_RDWR), 0);
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_OK(c, n, CT_FD(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), 0), 0);
}

/* A listener shut down for reading refuses new connections. */
static void stream_shutdown_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_EQ(c, c->b->shutdown((int)l, SHUT_RD), 0);
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), -ECONNREFUSED);
}

static void stream_shutdown_bad_how(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->shutdown(sv[0], 3), -EINVAL);
	CT_EQ(c, c->b->shutdown(sv[0], -1), -EINVAL);
	CT_EQ(c, c->b->shutdown(sv[0], 100), -EINVAL);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RDWR), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RDWR), 0);
}

/* The peer closed with unread data in its queue: ECONNRESET once, then EOF. */
static void stream_connreset_unread(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "unread", 6, 0), 6);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), -ECONNRESET);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
}

/* Data queued for this side is read before the reset is reported. */
static void stream_connreset_after_data(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "unread", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[1], "mine", 4, 0), 4);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 4);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), -ECONNRESET);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
}

/* The reset is also reported by SO_ERROR, which clears it. */
static void stream_connreset_so_error(struct ct_ctx *c)
{
	char buf[8];
	int sv[2], err = -1;
	unsigned el = sizeof(err);

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "unread", 6, 0), 6);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, ECONNRESET);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, 0);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), 0);
}

/* Sending after a reset: EPIPE (the pending reset is not what send reports). */
static void stream_connreset_send(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "unread", 6, 0), 6);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_rcv(c, sv[0], buf, sizeof(buf), 0), -ECONNRESET);
}

/* Closing a listener resets the connections still waiting in its queue. */
static void stream_listener_close_resets(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char buf[8];
	long l, s;

	CT_OK(c, l, mk_listener(c, "l", 4, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	ct_untrack(c, (int)l);
	CT_EQ(c, c->b->close((int)l), 0);
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), 0), -ECONNRESET);
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, MSG_NOSIGNAL), -EPIPE);
}

/* ---- unconnected sockets ---- */

static void stream_recv_unconnected(struct ct_ctx *c)
{
	char buf[4];
	long s;

	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), 0), -EINVAL);
	CT_EQ(c, ct_rcv(c, (int)s, buf, sizeof(buf), MSG_DONTWAIT), -EINVAL);
	CT_EQ(c, c->b->read((int)s, buf, sizeof(buf)), -EINVAL);
}

static void stream_recv_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char buf[4];
	long l;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_EQ(c, ct_rcv(c, (int)l, buf, sizeof(buf), 0), -EINVAL);
}

static void stream_send_unconnected(struct ct_ctx *c)
{
	long s;

	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, (int)s, "x", 1, 0), -ENOTCONN);
	CT_EQ(c, c->b->write((int)s, "x", 1), -ENOTCONN);
	CT_EQ(c, ct_snd(c, (int)s, "x", 0, 0), -ENOTCONN);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

static void stream_send_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_EQ(c, ct_snd(c, (int)l, "x", 1, 0), -ENOTCONN);
}

static void stream_sendto_connected(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	int cl, sv;

	CT_EQ(c, mk_conn(c, &cl, &sv), 0);
	al = ct_path(c, &a, "conn");
	CT_EQ(c, c->b->sendto(cl, "x", 1, 0, &a, al), -EISCONN);
}

static void stream_sendto_unconnected(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, s;

	CT_OK(c, l, mk_listener(c, "l", 1, &a, &al));
	CT_OK(c, s, CT_FD(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &a, al), -EOPNOTSUPP);
}

/* ---- nonblocking send ---- */

/* A nonblocking send larger than the buffer room sends part of it, the next
 * gives EAGAIN, and every accepted byte arrives in order. */
static void stream_nonblock_fill(struct ct_ctx *c)
{
	static unsigned char in[65536];
	unsigned char *out;
	unsigned long len;
	long sent, got = 0, n;
	int sv[2], sb = 0, rounds = 0;
	unsigned sl = sizeof(sb);

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sb, &sl), 0);
	CT_TRUE(c, sb > 0);
	len = 4 * (unsigned long)sb + 4096; /* well over what the buffer takes */
	CT_EQ(c, c->b->fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	out = malloc(len);
	CT_TRUE(c, out != NULL);
	ct_fill(out, len, 7);
	sent = ct_snd(c, sv[0], out, len, 0);
	if (sent <= 0 || (unsigned long)sent >= len) {
		free(out);
		CT_TRUE(c, !"the first send is partial");
	}
	for (;;) {
		n = ct_snd(c, sv[0], out + sent, len - (unsigned long)sent, 0);
		if (n == -EAGAIN || n <= 0 || ++rounds > 1000)
			break;
		sent += n;
	}
	if (n != -EAGAIN || ct_snd(c, sv[0], out + sent, 1, MSG_DONTWAIT) != -EAGAIN) {
		free(out);
		CT_TRUE(c, !"EAGAIN once the buffer is full");
	}
	while (got < sent) {
		n = ct_rcv(c, sv[1], in, sizeof(in), MSG_DONTWAIT);
		if (n <= 0 || got + n > sent || memcmp(in, out + got, (size_t)n) != 0)
			break;
		got += n;
	}
	free(out);
	CT_EQ(c, got, sent);
	CT_EQ(c, ct_rcv(c, sv[1], in, sizeof(in), MSG_DONTWAIT), -EAGAIN);
	/* Room again. */
	CT_EQ(c, ct_snd(c, sv[0], "z", 1, 0), 1);
}

/* ---- MSG_OOB (CONFIG_AF_UNIX_OOB) ---- */

/* The simplest fact: a one-byte urgent send succeeds and the byte is read
 * back with MSG_OOB. */
static void stream_msg_oob_byte(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "!", 1, MSG_OOB), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_OOB), 1);
	CT_EQ(c, buf[0], '!');
}

const struct ct_case ct_cases_stream[] = {
	{ "stream_listen_unbound", stream_listen_unbound },
	{ "stream_listen_backlog_negative", stream_listen_backlog_negative },
	{ "stream_listen_backlog_huge", stream_listen_backlog_huge },
	{ "stream_relisten", stream_relisten },
	{ "stream_listen_after_connect", stream_listen_after_connect },
	{ "stream_listen_socketpair", stream_listen_socketpair },
	{ "stream_connect_path", stream_connect_path },
	{ "stream_connect_abstract", stream_connect_abstract },
	{ "stream_connect_refused_not_listening", stream_connect_refused_not_listening },
	{ "stream_connect_refused_abstract", stream_connect_refused_abstract },
	{ "stream_connect_missing_path", stream_connect_missing_path },
	{ "stream_connect_closed_listener", stream_connect_closed_listener },
	{ "stream_connect_dgram_path", stream_connect_dgram_path },
	{ "stream_connect_isconn", stream_connect_isconn },
	{ "stream_connect_on_listener", stream_connect_on_listener },
	{ "stream_connect_af_unspec", stream_connect_af_unspec },
	{ "stream_connect_bad_len", stream_connect_bad_len },
	{ "stream_connect_wrong_family", stream_connect_wrong_family },
	{ "stream_backlog_nonblock", stream_backlog_nonblock },
	{ "stream_backlog_zero", stream_backlog_zero },
	{ "stream_connect_sndtimeo", stream_connect_sndtimeo },
	{ "stream_connect_passcred_autobind", stream_connect_passcred_autobind },
	{ "stream_getpeername_after_peer_close", stream_getpeername_after_peer_close },
	{ "stream_accept_not_listening", stream_accept_not_listening },
	{ "stream_accept_connected", stream_accept_connected },
	{ "stream_accept_nonblock_empty", stream_accept_nonblock_empty },
	{ "stream_accept4_flags", stream_accept4_flags },
	{ "stream_accept_no_flag_inherit", stream_accept_no_flag_inherit },
	{ "stream_accept4_bad_flags", stream_accept4_bad_flags },
	{ "stream_accept_addr_unnamed", stream_accept_addr_unnamed },
	{ "stream_accept_addr_bound", stream_accept_addr_bound },
	{ "stream_accept_addr_truncated", stream_accept_addr_truncated },
	{ "stream_accepted_names", stream_accepted_names },
	{ "stream_data_before_accept", stream_data_before_accept },
	{ "stream_client_gone_before_accept", stream_client_gone_before_accept },
	{ "stream_data_both_ways", stream_data_both_ways },
	{ "stream_writes_coalesce", stream_writes_coalesce },
	{ "stream_partial_reads", stream_partial_reads },
	{ "stream_peek", stream_peek },
	{ "stream_dontwait_eagain", stream_dontwait_eagain },
	{ "stream_waitall", stream_waitall },
	{ "stream_waitall_eof", stream_waitall_eof },
	{ "stream_waitall_dontwait", stream_waitall_dontwait },
	{ "stream_recv_len0", stream_recv_len0 },
	{ "stream_send_len0", stream_send_len0 },
	{ "stream_read_write", stream_read_write },
	{ "stream_readv_writev", stream_readv_writev },
	{ "stream_sendmsg_recvmsg", stream_sendmsg_recvmsg },
	{ "stream_recvfrom_name", stream_recvfrom_name },
	{ "stream_recv_msg_trunc_flag", stream_recv_msg_trunc_flag },
	{ "stream_eof_after_close", stream_eof_after_close },
	{ "stream_eof_after_shut_wr", stream_eof_after_shut_wr },
	{ "stream_epipe_sigpipe", stream_epipe_sigpipe },
	{ "stream_epipe_nosignal", stream_epipe_nosignal },
	{ "stream_epipe_len0", stream_epipe_len0 },
	{ "stream_epipe_own_shut_wr", stream_epipe_own_shut_wr },
	{ "stream_shut_rd_own_reads", stream_shut_rd_own_reads },
	{ "stream_shut_rd_peer_writes", stream_shut_rd_peer_writes },
	{ "stream_shutdown_unconnected", stream_shutdown_unconnected },
	{ "stream_shutdown_listener", stream_shutdown_listener },
	{ "stream_shutdown_bad_how", stream_shutdown_bad_how },
	{ "stream_connreset_unread", stream_connreset_unread },
	{ "stream_connreset_after_data", stream_connreset_after_data },
	{ "stream_connreset_so_error", stream_connreset_so_error },
	{ "stream_connreset_send", stream_connreset_send },
	{ "stream_listener_close_resets", stream_listener_close_resets },
	{ "stream_recv_unconnected", stream_recv_unconnected },
	{ "stream_recv_listener", stream_recv_listener },
	{ "stream_send_unconnected", stream_send_unconnected },
	{ "stream_send_listener", stream_send_listener },
	{ "stream_sendto_connected", stream_sendto_connected },
	{ "stream_sendto_unconnected", stream_sendto_unconnected },
	{ "stream_nonblock_fill", stream_nonblock_fill },
	{ "stream_msg_oob_byte", stream_msg_oob_byte },
	{ 0 },
};

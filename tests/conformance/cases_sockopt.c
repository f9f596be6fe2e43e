/*
 * cases_sockopt.c - SOL_SOCKET options on AF_UNIX sockets, and the fcntl
 * and ioctl requests sockets answer.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so. Buffer sizes are
 * read from /proc/sys/net/core (ksock mirrors the host's sysctls). Linux
 * keeps timeouts in jiffies (HZ=250 here: 4 ms), so a timeout reads back
 * rounded up to a multiple of 4 ms.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

#define NOBODY 65534
/* What opt() returns when getsockopt fails with errno e: far outside int. */
#define OPT_ERR(e) (-10000000000L - (e))

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static long mk_sock(struct ct_ctx *c, int type)
{
	return ct_fd(c, c->b->socket(AF_UNIX, type, 0));
}

/* A listener on a fresh abstract name; fd or -errno. */
static long mk_listener(struct ct_ctx *c, int type, struct sockaddr_un *a, unsigned *al)
{
	long fd = mk_sock(c, type), r;

	if (fd < 0)
		return fd;
	*al = ct_abstract(c, a, "l");
	if ((r = c->b->bind((int)fd, a, *al)) < 0 || (r = c->b->listen((int)fd, 8)) < 0)
		return r;
	return fd;
}

/* An int option's value, or OPT_ERR(errno); a length other than
 * sizeof(int) is OPT_ERR(0). */
static long opt(struct ct_ctx *c, int fd, int name)
{
	int v = 0x5a5a5a5a;
	unsigned l = sizeof(v);
	long r = c->b->getsockopt(fd, SOL_SOCKET, name, &v, &l);

	if (r < 0)
		return OPT_ERR(-r);
	return l == sizeof(v) ? v : OPT_ERR(0);
}

static long set_opt(struct ct_ctx *c, int fd, int name, int v)
{
	return c->b->setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v));
}

static long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* ---- read-only information ---- */

static void sockopt_type(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)fd, SO_TYPE), unix_types[t]);
	}
}

static void sockopt_domain_protocol(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)fd, SO_DOMAIN), AF_UNIX);
		CT_EQ(c, opt(c, (int)fd, SO_PROTOCOL), 0);
	}
	/* Created with protocol PF_UNIX, it still reports 0. */
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, PF_UNIX)));
	CT_EQ(c, opt(c, (int)fd, SO_PROTOCOL), 0);
}

static void sockopt_acceptconn(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl, sv;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)cl, SO_ACCEPTCONN), 0);
	}
	for (int t = 0; t < 3; t += 2) {
		CT_OK(c, l, mk_listener(c, unix_types[t], &a, &al));
		CT_EQ(c, opt(c, (int)l, SO_ACCEPTCONN), 1);
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
		CT_EQ(c, opt(c, (int)cl, SO_ACCEPTCONN), 0);
		CT_EQ(c, opt(c, (int)sv, SO_ACCEPTCONN), 0);
	}
}

static void sockopt_error_zero(struct ct_ctx *c)
{
	int sv[2];
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)fd, SO_ERROR), 0);
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, opt(c, sv[0], SO_ERROR), 0);
	}
}

/* A stream peer that closes with data unread leaves ECONNRESET pending;
 * SO_ERROR reports it once and clears it. */
static void sockopt_error_econnreset(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "abc", 3), 3);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	CT_EQ(c, opt(c, sv[0], SO_ERROR), ECONNRESET);
	CT_EQ(c, opt(c, sv[0], SO_ERROR), 0);
}

/* ---- buffer sizes ---- */

static void sockopt_buf_defaults(struct ct_ctx *c)
{
	long wdef = read_sysctl("/proc/sys/net/core/wmem_default");
	long rdef = read_sysctl("/proc/sys/net/core/rmem_default");
	long fd;

	CT_TRUE(c, wdef > 0 && rdef > 0);
	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), wdef);
		CT_EQ(c, opt(c, (int)fd, SO_RCVBUF), rdef);
	}
}

/* The kernel doubles the value set (for its bookkeeping overhead). */
static void sockopt_buf_doubled(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, 10000), 0);
		CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), 20000);
		CT_EQ(c, set_opt(c, (int)fd, SO_RCVBUF, 12345), 0);
		CT_EQ(c, opt(c, (int)fd, SO_RCVBUF), 24690);
	}
}

/* Small values are raised to the minimum: 4608 for sending, 2304 for
 * receiving (2 * and 1 * (2048 + the aligned sk_buff size)). */
static void sockopt_buf_min(struct ct_ctx *c)
{
	static const int vals[] = { 0, 1, 100, 1152 };
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, vals[i]), 0);
		CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), 4608);
		CT_EQ(c, set_opt(c, (int)fd, SO_RCVBUF, vals[i]), 0);
		CT_EQ(c, opt(c, (int)fd, SO_RCVBUF), 2304);
	}
	CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, 2305), 0);
	CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), 4610);
}

/* Large values are clamped to wmem_max/rmem_max, then doubled; a negative
 * value counts as huge. */
static void sockopt_buf_max(struct ct_ctx *c)
{
	long wmax = read_sysctl("/proc/sys/net/core/wmem_max");
	long rmax = read_sysctl("/proc/sys/net/core/rmem_max");
	long fd;

	CT_TRUE(c, wmax > 0 && rmax > 0 && wmax < INT_MAX / 2 && rmax < INT_MAX / 2);
	CT_OK(c, fd, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, INT_MAX), 0);
	CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), 2 * wmax);
	CT_EQ(c, set_opt(c, (int)fd, SO_RCVBUF, (int)rmax + 1), 0);
	CT_EQ(c, opt(c, (int)fd, SO_RCVBUF), 2 * rmax);
	CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, (int)wmax), 0);
	CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), 2 * wmax);
	CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, -1), 0);
	CT_EQ(c, opt(c, (int)fd, SO_SNDBUF), 2 * wmax);
	CT_EQ(c, set_opt(c, (int)fd, SO_RCVBUF, INT_MIN), 0);
	CT_EQ(c, opt(c, (int)fd, SO_RCVBUF), 2 * rmax);
}

/* Options belong to the socket, not the descriptor. */
static void sockopt_shared_by_dup(struct ct_ctx *c)
{
	long fd, d;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_OK(c, d, ct_fd(c, c->b->dup((int)fd)));
	CT_EQ(c, set_opt(c, (int)fd, SO_SNDBUF, 8192), 0);
	CT_EQ(c, set_opt(c, (int)d, SO_KEEPALIVE, 1), 0);
	CT_EQ(c, opt(c, (int)d, SO_SNDBUF), 16384);
	CT_EQ(c, opt(c, (int)fd, SO_KEEPALIVE), 1);
}

/* ---- boolean options ---- */

/* Off by default; any nonzero value reads back as 1. */
static void sockopt_bool_options(struct ct_ctx *c)
{
	static const int names[] = { SO_REUSEADDR, SO_KEEPALIVE, SO_PASSCRED };
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		for (int i = 0; i < 3; i++) {
			CT_EQ(c, opt(c, (int)fd, names[i]), 0);
			CT_EQ(c, set_opt(c, (int)fd, names[i], 42), 0);
			CT_EQ(c, opt(c, (int)fd, names[i]), 1);
			CT_EQ(c, set_opt(c, (int)fd, names[i], 0), 0);
			CT_EQ(c, opt(c, (int)fd, names[i]), 0);
			CT_EQ(c, set_opt(c, (int)fd, names[i], -1), 0);
			CT_EQ(c, opt(c, (int)fd, names[i]), 1);
		}
	}
}

/* A longer optlen is fine: the first int is used. */
static void sockopt_set_long_optlen(struct ct_ctx *c)
{
	int v[4] = { 1, 0, 0, 0 };
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_KEEPALIVE, v, sizeof(v)), 0);
	CT_EQ(c, opt(c, (int)fd, SO_KEEPALIVE), 1);
}

/* ---- SO_LINGER ---- */

static void sockopt_linger(struct ct_ctx *c)
{
	struct linger lg = { 7, 7 };
	unsigned ll = sizeof(lg);
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, &ll), 0);
	CT_EQ(c, ll, sizeof(lg));
	CT_TRUE(c, lg.l_onoff == 0 && lg.l_linger == 0);
	lg.l_onoff = 5; /* any nonzero: on */
	lg.l_linger = 9;
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, &ll), 0);
	CT_TRUE(c, lg.l_onoff == 1 && lg.l_linger == 9);
	/* Turning it off keeps the old time. */
	lg.l_onoff = 0;
	lg.l_linger = 3;
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, &ll), 0);
	CT_EQ(c, lg.l_onoff, 0);
	CT_EQ(c, lg.l_linger, 9);
}

static void sockopt_linger_optlen(struct ct_ctx *c)
{
	struct linger lg = { 1, 2 };
	unsigned ll;
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) - 1), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	/* A short read gets the first bytes. */
	memset(&lg, 0, sizeof(lg));
	ll = sizeof(int);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, &ll), 0);
	CT_EQ(c, ll, sizeof(int));
	CT_EQ(c, lg.l_onoff, 1);
	CT_EQ(c, lg.l_linger, 0);
}

/* ---- timeouts ---- */

static long set_tv(struct ct_ctx *c, int fd, int name, long sec, long usec)
{
	struct timeval tv;

	tv.tv_sec = sec;
	tv.tv_usec = usec;
	return c->b->setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv));
}

/* The timeout as sec * 1000000 + usec, or OPT_ERR(errno). */
static long get_tv(struct ct_ctx *c, int fd, int name)
{
	struct timeval tv = { 99, 99 };
	unsigned l = sizeof(tv);
	long r = c->b->getsockopt(fd, SOL_SOCKET, name, &tv, &l);

	if (r < 0)
		return OPT_ERR(-r);
	if (l != sizeof(tv))
		return OPT_ERR(0);
	return tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Round trips, in jiffies of 4 ms rounded up. */
static void sockopt_timeo_roundtrip(struct ct_ctx *c)
{
	static const long in[][2] = { { 0, 0 }, { 1, 0 }, { 0, 50000 }, { 0, 1 }, { 2, 500000 },
				      { 0, 999999 }, { 3, 4001 }, { 100, 8000 } };
	static const long want[] = { 0, 1000000, 52000, 4000, 2500000, 1000000, 3008000,
				     100008000 };
	static const int names[] = { SO_RCVTIMEO, SO_SNDTIMEO };
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		for (int n = 0; n < 2; n++) {
			CT_EQ(c, get_tv(c, (int)fd, names[n]), 0);
			for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
				CT_EQ(c, set_tv(c, (int)fd, names[n], in[i][0], in[i][1]), 0);
				CT_EQ(c, get_tv(c, (int)fd, names[n]), want[i]);
			}
		}
	}
}

static void sockopt_timeo_edom(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, set_tv(c, (int)fd, SO_RCVTIMEO, 1, 0), 0);
	CT_EQ(c, set_tv(c, (int)fd, SO_RCVTIMEO, 0, 1000000), -EDOM);
	CT_EQ(c, set_tv(c, (int)fd, SO_SNDTIMEO, 0, -1), -EDOM);
	CT_EQ(c, set_tv(c, (int)fd, SO_RCVTIMEO, -1, -1), -EDOM);
	CT_EQ(c, get_tv(c, (int)fd, SO_RCVTIMEO), 1000000); /* unchanged */
}

/* A negative time is accepted and means "no timeout" (0). */
static void sockopt_timeo_negative_sec(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, set_tv(c, (int)fd, SO_RCVTIMEO, 5, 0), 0);
	CT_EQ(c, set_tv(c, (int)fd, SO_RCVTIMEO, -1, 0), 0);
	CT_EQ(c, get_tv(c, (int)fd, SO_RCVTIMEO), 0);
	CT_EQ(c, set_tv(c, (int)fd, SO_SNDTIMEO, 5, 0), 0);
	CT_EQ(c, set_tv(c, (int)fd, SO_SNDTIMEO, -100, 500000), 0);
	CT_EQ(c, get_tv(c, (int)fd, SO_SNDTIMEO), 0);
}

/* A time too large for the jiffy counter means "forever", which reads back
 * as 0. */
static void sockopt_timeo_huge(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, set_tv(c, (int)fd, SO_RCVTIMEO, LONG_MAX, 0), 0);
	CT_EQ(c, get_tv(c, (int)fd, SO_RCVTIMEO), 0);
}

static void sockopt_timeo_optlen(struct ct_ctx *c)
{
	struct timeval tv[2] = { { 1, 0 }, { 0, 0 } };
	unsigned l;
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, tv, 8), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof(tv[0]) - 1),
	      -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_SNDTIMEO, tv, 0), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof(tv)), 0);
	/* A short read gets tv_sec only. */
	memset(tv, 0, sizeof(tv));
	l = sizeof(long);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, tv, &l), 0);
	CT_EQ(c, l, sizeof(long));
	CT_EQ(c, tv[0].tv_sec, 1);
	l = sizeof(tv);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, tv, &l), 0);
	CT_EQ(c, l, sizeof(tv[0]));
}

/* SO_RCVTIMEO_NEW (64-bit fields) sets the same timeout. */
static void sockopt_timeo_new(struct ct_ctx *c)
{
	long long tv[2] = { 0, 50000 };
	unsigned l = sizeof(tv);
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO_NEW, tv, sizeof(tv)), 0);
	CT_EQ(c, get_tv(c, (int)fd, SO_RCVTIMEO), 52000);
	CT_EQ(c, set_tv(c, (int)fd, SO_SNDTIMEO, 2, 0), 0);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_SNDTIMEO_NEW, tv, &l), 0);
	CT_EQ(c, l, sizeof(tv));
	CT_TRUE(c, tv[0] == 2 && tv[1] == 0);
}

/* A receive timeout ends a blocking receive with EAGAIN. */
static void sockopt_rcvtimeo_expires(struct ct_ctx *c)
{
	char ch;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, set_tv(c, sv[0], SO_RCVTIMEO, 0, 30000), 0);
		CT_EQ(c, c->b->read(sv[0], &ch, 1), -EAGAIN);
		CT_EQ(c, c->b->recvfrom(sv[0], &ch, 1, 0, NULL, NULL), -EAGAIN);
	}
}

/* ---- low-water marks ---- */

static void sockopt_rcvlowat(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)fd, SO_RCVLOWAT), 1);
		CT_EQ(c, set_opt(c, (int)fd, SO_RCVLOWAT, 10), 0);
		CT_EQ(c, opt(c, (int)fd, SO_RCVLOWAT), 10);
		CT_EQ(c, set_opt(c, (int)fd, SO_RCVLOWAT, 0), 0); /* 0 means 1 */
		CT_EQ(c, opt(c, (int)fd, SO_RCVLOWAT), 1);
		CT_EQ(c, set_opt(c, (int)fd, SO_RCVLOWAT, -5), 0); /* negative: INT_MAX */
		CT_EQ(c, opt(c, (int)fd, SO_RCVLOWAT), INT_MAX);
	}
}

static void sockopt_sndlowat(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, opt(c, (int)fd, SO_SNDLOWAT), 1);
	CT_EQ(c, set_opt(c, (int)fd, SO_SNDLOWAT, 10), -ENOPROTOOPT);
	CT_EQ(c, opt(c, (int)fd, SO_SNDLOWAT), 1);
}

/* ---- SO_PEERCRED ---- */

/* The peer's credentials, checked against pid/uid/gid (pid -2: any
 * positive pid other than ours). */
static long peercred_is(struct ct_ctx *c, int fd, long pid, long uid, long gid)
{
	struct ucred u;
	unsigned l = sizeof(u);
	long r = c->b->getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &l);

	if (r < 0)
		return r;
	if (l != sizeof(u))
		return 1000;
	if (pid == -2 ? (u.pid <= 0 || u.pid == getpid()) : u.pid != pid)
		return 1001;
	if ((long)u.uid != uid)
		return 1002;
	if ((long)u.gid != gid)
		return 1003;
	return 0;
}

static void sockopt_peercred_socketpair(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, peercred_is(c, sv[0], getpid(), getuid(), getgid()), 0);
		CT_EQ(c, peercred_is(c, sv[1], getpid(), getuid(), getgid()), 0);
	}
}

/* No peer: pid 0, uid and gid -1 (overflow ids). */
static void sockopt_peercred_unconnected(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, peercred_is(c, (int)fd, 0, 0xffffffffL, 0xffffffffL), 0);
	}
}

/* A connected datagram socket has no peer credentials either. */
static void sockopt_peercred_dgram_connected(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "dg");
	long rx, tx;

	CT_OK(c, rx, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)rx, &a, al), 0);
	CT_OK(c, tx, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->connect((int)tx, &a, al), 0);
	CT_EQ(c, peercred_is(c, (int)tx, 0, 0xffffffffL, 0xffffffffL), 0);
}

/* listen() records the listener's own credentials; a client gets them as
 * its peer's. */
static void sockopt_peercred_listener_and_client(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, &a, &al));
	CT_EQ(c, peercred_is(c, (int)l, getpid(), getuid(), getgid()), 0);
	CT_OK(c, cl, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_EQ(c, peercred_is(c, (int)cl, getpid(), getuid(), getgid()), 0);
}

struct abs_arg {
	struct sockaddr_un a;
	unsigned len;
	int type;
};

static long as_connect_close(const struct ct_backend *b, void *p)
{
	struct abs_arg *x = p;
	long fd = b->socket(AF_UNIX, x->type, 0), r;

	if (fd < 0)
		return fd;
	r = b->connect((int)fd, &x->a, x->len);
	b->close((int)fd);
	return r;
}

/* The accepted socket carries the connecting process's credentials, as
 * they were at connect(), even after that process closed its end. */
static void sockopt_peercred_accepted(struct ct_ctx *c)
{
	struct abs_arg x;
	long l, sv;

	for (int t = 0; t < 3; t += 2) {
		x.type = unix_types[t];
		CT_OK(c, l, mk_listener(c, x.type, &x.a, &x.len));
		CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect_close, &x), 0);
		CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
		CT_EQ(c, peercred_is(c, (int)sv, -2, NOBODY, NOBODY), 0);
	}
}

static void sockopt_peercred_short_len(struct ct_ctx *c)
{
	struct ucred u = { 0, 7, 7 };
	unsigned l = sizeof(int);
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &l), 0);
	CT_EQ(c, l, sizeof(int));
	CT_EQ(c, u.pid, getpid());
	CT_EQ(c, u.uid, 7);
}

/* ---- option errors ---- */

/* Read-only options cannot be set. */
static void sockopt_readonly_set(struct ct_ctx *c)
{
	static const int names[] = { SO_TYPE,	   SO_PROTOCOL, SO_DOMAIN, SO_ERROR,
				     SO_ACCEPTCONN, SO_PEERCRED, SO_PEERSEC };
	int v[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, names[i], v, sizeof(v)),
		      -ENOPROTOOPT);
	CT_EQ(c, opt(c, (int)fd, SO_TYPE), SOCK_STREAM);
}

static void sockopt_unknown(struct ct_ctx *c)
{
	static const int names[] = { 9999, 1000, -1, INT_MAX };
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_DGRAM));
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CT_EQ(c, set_opt(c, (int)fd, names[i], 1), -ENOPROTOOPT);
		CT_EQ(c, opt(c, (int)fd, names[i]), OPT_ERR(ENOPROTOOPT));
	}
}

/* AF_UNIX has no options at other levels. */
static void sockopt_other_level(struct ct_ctx *c)
{
	static const int levels[] = { 0, 6, 17, 41, 0xffff, -1 };
	int v = 1;
	unsigned vl = sizeof(v);
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		for (unsigned i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			CT_EQ(c, c->b->setsockopt((int)fd, levels[i], 1, &v, sizeof(v)),
			      -EOPNOTSUPP);
			CT_EQ(c, c->b->getsockopt((int)fd, levels[i], 1, &v, &vl), -EOPNOTSUPP);
		}
	}
}

static void sockopt_set_short_optlen(struct ct_ctx *c)
{
	int v = 1;
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	for (unsigned len = 0; len < sizeof(int); len++) {
		CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &v, len), -EINVAL);
		CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_SNDBUF, &v, len), -EINVAL);
	}
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, NULL, 0), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &v, (unsigned)-1), -EINVAL);
	CT_EQ(c, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &v, 0x80000000u), -EINVAL);
	CT_EQ(c, opt(c, (int)fd, SO_REUSEADDR), 0);
}

/* A short *optlen gets that many bytes and reports that length; a longer
 * one is cut to the option's size. */
static void sockopt_get_optlen(struct ct_ctx *c)
{
	unsigned char buf[16];
	unsigned l;
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_SEQPACKET));
	memset(buf, 0xee, sizeof(buf));
	l = 2;
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, buf, &l), 0);
	CT_EQ(c, l, 2);
	CT_EQ(c, buf[0], SOCK_SEQPACKET);
	CT_EQ(c, buf[1], 0);
	CT_EQ(c, buf[2], 0xee);
	l = 0;
	buf[0] = 0xee;
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, buf, &l), 0);
	CT_EQ(c, l, 0);
	CT_EQ(c, buf[0], 0xee);
	l = sizeof(buf);
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, buf, &l), 0);
	CT_EQ(c, l, sizeof(int));
	l = (unsigned)-1;
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, buf, &l), -EINVAL);
}

static void sockopt_peek_off(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, opt(c, (int)fd, SO_PEEK_OFF), -1);
		CT_EQ(c, set_opt(c, (int)fd, SO_PEEK_OFF, 5), 0);
		CT_EQ(c, opt(c, (int)fd, SO_PEEK_OFF), 5);
		CT_EQ(c, set_opt(c, (int)fd, SO_PEEK_OFF, -1), 0);
		CT_EQ(c, opt(c, (int)fd, SO_PEEK_OFF), -1);
	}
}

/* ---- fcntl ---- */

static void sockopt_fcntl_nonblock(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	char ch;
	int sv[2];
	long l;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->fcntl(sv[0], F_GETFL, 0), O_RDWR);
		CT_EQ(c, c->b->fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
		CT_EQ(c, c->b->fcntl(sv[0], F_GETFL, 0), O_RDWR | O_NONBLOCK);
		CT_EQ(c, c->b->read(sv[0], &ch, 1), -EAGAIN);
		CT_EQ(c, c->b->recvfrom(sv[0], &ch, 1, 0, NULL, NULL), -EAGAIN);
		CT_EQ(c, c->b->fcntl(sv[1], F_GETFL, 0), O_RDWR); /* per descriptor */
		CT_EQ(c, c->b->fcntl(sv[0], F_SETFL, 0), 0);
		CT_EQ(c, c->b->fcntl(sv[0], F_GETFL, 0), O_RDWR);
	}
	CT_OK(c, l, mk_listener(c, SOCK_STREAM, &a, &al));
	CT_EQ(c, c->b->fcntl((int)l, F_SETFL, O_NONBLOCK), 0);
	CT_EQ(c, c->b->accept((int)l, NULL, NULL), -EAGAIN);
}

/* F_SETFL cannot change the access mode. */
static void sockopt_fcntl_setfl_accmode(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->fcntl((int)fd, F_SETFL, O_RDONLY | O_NONBLOCK), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	CT_EQ(c, c->b->fcntl((int)fd, F_SETFL, O_WRONLY), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR);
}

static void sockopt_fcntl_cloexec(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_SETFD, FD_CLOEXEC), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
	CT_EQ(c, c->b->fcntl((int)fd, F_SETFD, 0), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_SETFD, 3), 0); /* other bits ignored */
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
}

static void sockopt_fcntl_dupfd(struct ct_ctx *c)
{
	struct rlimit rl;
	long fd, d;
	int sv[2];
	char ch;

	CT_EQ(c, getrlimit(RLIMIT_NOFILE, &rl), 0);
	CT_TRUE(c, rl.rlim_cur > 200);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	fd = sv[0];
	CT_EQ(c, c->b->fcntl((int)fd, F_SETFD, FD_CLOEXEC), 0);
	CT_OK(c, d, ct_fd(c, c->b->fcntl((int)fd, F_DUPFD, 100)));
	CT_TRUE(c, d >= 100);
	CT_EQ(c, c->b->fcntl((int)d, F_GETFD, 0), 0);
	CT_EQ(c, c->b->write((int)d, "d", 1), 1);
	CT_EQ(c, c->b->read(sv[1], &ch, 1), 1);
	CT_OK(c, d, ct_fd(c, c->b->fcntl((int)fd, F_DUPFD_CLOEXEC, 150)));
	CT_TRUE(c, d >= 150);
	CT_EQ(c, c->b->fcntl((int)d, F_GETFD, 0), FD_CLOEXEC);
	CT_EQ(c, c->b->fcntl((int)fd, F_DUPFD, -1), -EINVAL);
	CT_EQ(c, c->b->fcntl((int)fd, F_DUPFD, (long)rl.rlim_cur), -EINVAL);
}

static void sockopt_fcntl_bad_cmd(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->fcntl((int)fd, 9999, 0), -EINVAL);
	CT_EQ(c, c->b->fcntl((int)fd, -1, 0), -EINVAL);
}

/* ---- ioctl ---- */

static void sockopt_ioctl_fionbio(struct ct_ctx *c)
{
	int on = 5, off = 0;
	char ch;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->ioctl(sv[0], FIONBIO, &on), 0);
	CT_EQ(c, c->b->fcntl(sv[0], F_GETFL, 0), O_RDWR | O_NONBLOCK);
	CT_EQ(c, c->b->read(sv[0], &ch, 1), -EAGAIN);
	CT_EQ(c, c->b->ioctl(sv[0], FIONBIO, &off), 0);
	CT_EQ(c, c->b->fcntl(sv[0], F_GETFL, 0), O_RDWR);
	CT_EQ(c, c->b->ioctl(sv[0], FIONBIO, NULL), -EFAULT);
}

static void sockopt_ioctl_fioclex(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->ioctl((int)fd, FIOCLEX, NULL), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
	CT_EQ(c, c->b->ioctl((int)fd, FIONCLEX, NULL), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), 0);
}

static long ioctl_int(struct ct_ctx *c, int fd, unsigned long req)
{
	int v = -12345;
	long r = c->b->ioctl(fd, req, &v);

	return r < 0 ? OPT_ERR(-r) : v;
}

/* Stream: every byte queued. */
static void sockopt_fionread_stream(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 0);
	CT_EQ(c, c->b->write(sv[0], "hello", 5), 5);
	CT_EQ(c, c->b->write(sv[0], "world!!", 7), 7);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 12);
	CT_EQ(c, c->b->read(sv[1], buf, 4), 4);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 8);
	CT_EQ(c, ioctl_int(c, sv[0], FIONREAD), 0);
}

/* Datagram: the size of the next datagram only. */
static void sockopt_fionread_dgram(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 0);
	CT_EQ(c, c->b->write(sv[0], "hello", 5), 5);
	CT_EQ(c, c->b->write(sv[0], "hello world", 11), 11);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 5);
	CT_EQ(c, c->b->read(sv[1], buf, 2), 2); /* the rest of it is discarded */
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 11);
	CT_EQ(c, c->b->write(sv[0], "", 0), 0);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 11);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 0); /* an empty datagram queued */
}

/* Seqpacket: every byte of every record queued (like stream). */
static void sockopt_fionread_seqpacket(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "hello", 5), 5);
	CT_EQ(c, c->b->write(sv[0], "hello world", 11), 11);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 16);
	CT_EQ(c, c->b->read(sv[1], buf, 2), 2);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 11);
}

static void sockopt_fionread_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, fd;

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, &a, &al));
	CT_EQ(c, ioctl_int(c, (int)l, FIONREAD), OPT_ERR(EINVAL));
	CT_OK(c, fd, mk_sock(c, SOCK_STREAM)); /* unconnected: nothing */
	CT_EQ(c, ioctl_int(c, (int)fd, FIONREAD), 0);
}

/* SIOCOUTQ counts the sender's memory still held by the peer's queue: the
 * buffer's true size (768 for a small write here), not its payload; 0
 * once the peer has read it. */
static void sockopt_siocoutq(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), 0);
		CT_EQ(c, c->b->write(sv[0], "hello", 5), 5);
		CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), 768);
		CT_EQ(c, ioctl_int(c, sv[1], SIOCOUTQ), 0);
		CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 5);
		CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), 0);
	}
}

static void sockopt_ioctl_unknown(struct ct_ctx *c)
{
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, ioctl_int(c, (int)fd, 0x12345678), OPT_ERR(ENOTTY));
		CT_EQ(c, ioctl_int(c, (int)fd, 0x5499), OPT_ERR(ENOTTY));
	}
}

const struct ct_case ct_cases_sockopt[] = {
	{ "sockopt_type", sockopt_type },
	{ "sockopt_domain_protocol", sockopt_domain_protocol },
	{ "sockopt_acceptconn", sockopt_acceptconn },
	{ "sockopt_error_zero", sockopt_error_zero },
	{ "sockopt_error_econnreset", sockopt_error_econnreset },
	{ "sockopt_buf_defaults", sockopt_buf_defaults },
	{ "sockopt_buf_doubled", sockopt_buf_doubled },
	{ "sockopt_buf_min", sockopt_buf_min },
	{ "sockopt_buf_max", sockopt_buf_max },
	{ "sockopt_shared_by_dup", sockopt_shared_by_dup },
	{ "sockopt_bool_options", sockopt_bool_options },
	{ "sockopt_set_long_optlen", sockopt_set_long_optlen },
	{ "sockopt_linger", sockopt_linger },
	{ "sockopt_linger_optlen", sockopt_linger_optlen },
	{ "sockopt_timeo_roundtrip", sockopt_timeo_roundtrip },
	{ "sockopt_timeo_edom", sockopt_timeo_edom },
	{ "sockopt_timeo_negative_sec", sockopt_timeo_negative_sec },
	{ "sockopt_timeo_huge", sockopt_timeo_huge },
	{ "sockopt_timeo_optlen", sockopt_timeo_optlen },
	{ "sockopt_timeo_new", sockopt_timeo_new },
	{ "sockopt_rcvtimeo_expires", sockopt_rcvtimeo_expires },
	{ "sockopt_rcvlowat", sockopt_rcvlowat },
	{ "sockopt_sndlowat", sockopt_sndlowat },
	{ "sockopt_peercred_socketpair", sockopt_peercred_socketpair },
	{ "sockopt_peercred_unconnected", sockopt_peercred_unconnected },
	{ "sockopt_peercred_dgram_connected", sockopt_peercred_dgram_connected },
	{ "sockopt_peercred_listener_and_client", sockopt_peercred_listener_and_client },
	{ "sockopt_peercred_accepted", sockopt_peercred_accepted },
	{ "sockopt_peercred_short_len", sockopt_peercred_short_len },
	{ "sockopt_readonly_set", sockopt_readonly_set },
	{ "sockopt_unknown", sockopt_unknown },
	{ "sockopt_other_level", sockopt_other_level },
	{ "sockopt_set_short_optlen", sockopt_set_short_optlen },
	{ "sockopt_get_optlen", sockopt_get_optlen },
	{ "sockopt_peek_off", sockopt_peek_off },
	{ "sockopt_fcntl_nonblock", sockopt_fcntl_nonblock },
	{ "sockopt_fcntl_setfl_accmode", sockopt_fcntl_setfl_accmode },
	{ "sockopt_fcntl_cloexec", sockopt_fcntl_cloexec },
	{ "sockopt_fcntl_dupfd", sockopt_fcntl_dupfd },
	{ "sockopt_fcntl_bad_cmd", sockopt_fcntl_bad_cmd },
	{ "sockopt_ioctl_fionbio", sockopt_ioctl_fionbio },
	{ "sockopt_ioctl_fioclex", sockopt_ioctl_fioclex },
	{ "sockopt_fionread_stream", sockopt_fionread_stream },
	{ "sockopt_fionread_dgram", sockopt_fionread_dgram },
	{ "sockopt_fionread_seqpacket", sockopt_fionread_seqpacket },
	{ "sockopt_fionread_listener", sockopt_fionread_listener },
	{ "sockopt_siocoutq", sockopt_siocoutq },
	{ "sockopt_ioctl_unknown", sockopt_ioctl_unknown },
	{ 0 },
};

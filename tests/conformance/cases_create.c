/*
 * cases_create.c - socket() and socketpair() argument checks, bad
 * descriptors (EBADF, ENOTSOCK) and bad user pointers (EFAULT) for every
 * call, and the file basics of sockets (read, write, close, dup).
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

/* An address no process has mapped: a page mapped and unmapped again. */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)-1;
	munmap(p, 4096);
	return p;
}

/* The bad pointers every EFAULT case tries: NULL, the last byte of the
 * address space and an unmapped page. */
#define NBAD 3
static const char *const bad_name[NBAD] = { "NULL", "(void *)-1", "an unmapped page" };

static void bad_ptrs(void *bad[NBAD])
{
	bad[0] = NULL;
	bad[1] = (void *)-1;
	bad[2] = unmapped_page();
}

#define EXPECT_BAD(c, i, expr, want)                                                   \
	do {                                                                           \
		long g_ = (long)(expr);                                                \
		if (g_ != (long)(want)) {                                              \
			ct_fail((c), __FILE__, __LINE__, "%s with %s = %ld, want %ld", \
				#expr, bad_name[i], g_, (long)(want));                 \
			return;                                                        \
		}                                                                      \
	} while (0)

/* ---- socket() ---- */

static void create_unix_types(struct ct_ctx *c)
{
	for (int i = 0; i < 3; i++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[i], 0)));
		(void)fd;
	}
}

/* AF_UNIX accepts protocol 0 and PF_UNIX (1), nothing else. */
static void create_protocol_pf_unix(struct ct_ctx *c)
{
	for (int i = 0; i < 3; i++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[i], PF_UNIX)));
		(void)fd;
	}
}

static void create_bad_protocol(struct ct_ctx *c)
{
	static const int protos[] = { 2, 6, 17, 255, -1, INT_MAX, INT_MIN };

	for (unsigned i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		for (int t = 0; t < 3; t++)
			CT_EQ(c, c->b->socket(AF_UNIX, unix_types[t], protos[i]), -EPROTONOSUPPORT);
}

/* Linux checks the protocol before the type: a bad type with a bad
 * protocol is EPROTONOSUPPORT. */
static void create_protocol_checked_before_type(struct ct_ctx *c)
{
	CT_EQ(c, c->b->socket(AF_UNIX, SOCK_RDM, 2), -EPROTONOSUPPORT);
	CT_EQ(c, c->b->socket(AF_UNIX, 0, 7), -EPROTONOSUPPORT);
}

static void create_bad_domain(struct ct_ctx *c)
{
	static const int doms[] = { 46, 47, 255, 1000, 65536, INT_MAX, -1, -2, INT_MIN };

	for (unsigned i = 0; i < sizeof(doms) / sizeof(doms[0]); i++)
		CT_EQ(c, c->b->socket(doms[i], SOCK_STREAM, 0), -EAFNOSUPPORT);
}

static void create_af_unspec(struct ct_ctx *c)
{
	CT_EQ(c, c->b->socket(AF_UNSPEC, SOCK_STREAM, 0), -EAFNOSUPPORT);
	CT_EQ(c, c->b->socket(AF_UNSPEC, SOCK_DGRAM, 0), -EAFNOSUPPORT);
}

/* Bits of type outside SOCK_TYPE_MASK other than NONBLOCK and CLOEXEC. */
static void create_bad_type_flags(struct ct_ctx *c)
{
	static const int bits[] = { 0x10, 0x20, 0x100, 0x1000, 0x10000, 0x40000000, INT_MIN };

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		CT_EQ(c, c->b->socket(AF_UNIX, SOCK_STREAM | bits[i], 0), -EINVAL);
	CT_EQ(c, c->b->socket(AF_UNIX, -1, 0), -EINVAL);
}

/* Types within SOCK_MAX that AF_UNIX does not have: ESOCKTNOSUPPORT. */
static void create_unsupported_types(struct ct_ctx *c)
{
	static const int types[] = { 0, SOCK_RDM, SOCK_DCCP, 7, 8, 9, SOCK_PACKET };

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		CT_EQ(c, c->b->socket(AF_UNIX, types[i], 0), -ESOCKTNOSUPPORT);
}

/* Types at or past SOCK_MAX (11): EINVAL before the family is asked. */
static void create_type_out_of_range(struct ct_ctx *c)
{
	for (int t = 11; t <= 15; t++)
		CT_EQ(c, c->b->socket(AF_UNIX, t, 0), -EINVAL);
	CT_EQ(c, c->b->socket(AF_UNIX, 11 | SOCK_NONBLOCK, 0), -EINVAL);
}

/* AF_UNIX SOCK_RAW is accepted and becomes a SOCK_DGRAM socket. */
static void create_raw_is_dgram(struct ct_ctx *c)
{
	int v = -1;
	unsigned vl = sizeof(v);

	long fd;


	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_RAW, 0)));
	CT_EQ(c, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
	CT_EQ(c, v, SOCK_DGRAM);
}

static void create_default_flags(struct ct_ctx *c)
{
	for (int i = 0; i < 3; i++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[i], 0)));
		CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR);
		CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), 0);
	}
}

static void create_nonblock(struct ct_ctx *c)
{
	char ch;

	for (int i = 0; i < 3; i++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[i] | SOCK_NONBLOCK, 0)));
		CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR | O_NONBLOCK);
		CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), 0);
		if (unix_types[i] == SOCK_DGRAM) /* the others are not connected */
			CT_EQ(c, c->b->read((int)fd, &ch, 1), -EAGAIN);
	}
}

static void create_cloexec(struct ct_ctx *c)
{
	for (int i = 0; i < 3; i++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[i] | SOCK_CLOEXEC, 0)));
		CT_EQ(c, c->b->fcntl((int)fd, F_GETFL, 0), O_RDWR);
		CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
	}
}

/* ---- socketpair() ---- */

static void create_socketpair_types(struct ct_ctx *c)
{
	const struct ct_backend *b = c->b;
	int sv[2];
	char buf[4];

	for (int i = 0; i < 3; i++) {
		CT_EQ(c, ct_pair(c, unix_types[i], sv), 0);
		CT_TRUE(c, sv[0] != sv[1]);
		CT_EQ(c, b->write(sv[0], "ab", 2), 2);
		CT_EQ(c, b->write(sv[1], "cde", 3), 3);
		CT_EQ(c, b->read(sv[1], buf, sizeof(buf)), 2);
		CT_TRUE(c, !memcmp(buf, "ab", 2));
		CT_EQ(c, b->read(sv[0], buf, sizeof(buf)), 3);
		CT_TRUE(c, !memcmp(buf, "cde", 3));
	}
}

static void create_socketpair_flags(struct ct_ctx *c)
{
	int sv[2];

	for (int i = 0; i < 3; i++) {
		CT_EQ(c,
		      c->b->socketpair(AF_UNIX, unix_types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
				       sv),
		      0);
		ct_fd(c, sv[0]);
		ct_fd(c, sv[1]);
		for (int k = 0; k < 2; k++) {
			CT_EQ(c, c->b->fcntl(sv[k], F_GETFL, 0), O_RDWR | O_NONBLOCK);
			CT_EQ(c, c->b->fcntl(sv[k], F_GETFD, 0), FD_CLOEXEC);
		}
		CT_EQ(c, ct_pair(c, unix_types[i], sv), 0);
		for (int k = 0; k < 2; k++) {
			CT_EQ(c, c->b->fcntl(sv[k], F_GETFL, 0), O_RDWR);
			CT_EQ(c, c->b->fcntl(sv[k], F_GETFD, 0), 0);
		}
	}
}

/* SOCK_RAW pairs too, as SOCK_DGRAM. */
static void create_socketpair_raw(struct ct_ctx *c)
{
	int sv[2], v = -1;
	unsigned vl = sizeof(v);

	CT_EQ(c, c->b->socketpair(AF_UNIX, SOCK_RAW, 0, sv), 0);
	ct_fd(c, sv[0]);
	ct_fd(c, sv[1]);
	CT_EQ(c, c->b->getsockopt(sv[1], SOL_SOCKET, SO_TYPE, &v, &vl), 0);
	CT_EQ(c, v, SOCK_DGRAM);
}

static void create_socketpair_errors(struct ct_ctx *c)
{
	const struct ct_backend *b = c->b;
	int sv[2];

	CT_EQ(c, b->socketpair(AF_INET, SOCK_DGRAM, 0, sv), -EOPNOTSUPP);
	/* (AF_INET SOCK_STREAM: EOPNOTSUPP on Linux; ksock has no TCP yet.) */
	CT_EQ(c, b->socketpair(46, SOCK_STREAM, 0, sv), -EAFNOSUPPORT);
	CT_EQ(c, b->socketpair(-1, SOCK_STREAM, 0, sv), -EAFNOSUPPORT);
	CT_EQ(c, b->socketpair(AF_UNIX, SOCK_RDM, 0, sv), -ESOCKTNOSUPPORT);
	CT_EQ(c, b->socketpair(AF_UNIX, 12, 0, sv), -EINVAL);
	CT_EQ(c, b->socketpair(AF_UNIX, SOCK_STREAM | 0x10, 0, sv), -EINVAL);
	CT_EQ(c, b->socketpair(AF_UNIX, SOCK_STREAM, 2, sv), -EPROTONOSUPPORT);
	CT_EQ(c, b->socketpair(AF_UNIX, SOCK_STREAM, PF_UNIX, sv), 0);
	ct_fd(c, sv[0]);
	ct_fd(c, sv[1]);
}

static void create_efault_socketpair(struct ct_ctx *c)
{
	void *bad[NBAD];

	bad_ptrs(bad);
	for (int i = 0; i < NBAD; i++)
		for (int t = 0; t < 3; t++)
			EXPECT_BAD(c, i, c->b->socketpair(AF_UNIX, unix_types[t], 0, bad[i]), -EFAULT);
}

/* ---- bad descriptors: EBADF and ENOTSOCK for every call ---- */

enum call {
	CALL_bind, CALL_listen, CALL_accept, CALL_accept4, CALL_connect, CALL_getsockname,
	CALL_getpeername, CALL_sendto, CALL_recvfrom, CALL_sendmsg, CALL_recvmsg, CALL_shutdown,
	CALL_setsockopt, CALL_getsockopt, CALL_read, CALL_write, CALL_readv, CALL_writev,
	CALL_close, CALL_dup, CALL_fcntl, CALL_ioctl,
};

/* Makes call on fd with otherwise valid arguments. Only used where fd is
 * no socket, so nothing blocks. */
static long call_on(struct ct_ctx *c, enum call call, int fd)
{
	const struct ct_backend *b = c->b;
	struct sockaddr_un sun;
	unsigned alen = ct_path(c, &sun, "x"), len = sizeof(sun), vl = sizeof(int);
	char buf[8] = "abc";
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int v = 1;

	switch (call) {
	case CALL_bind: return b->bind(fd, &sun, alen);
	case CALL_listen: return b->listen(fd, 5);
	case CALL_accept: return b->accept(fd, &sun, &len);
	case CALL_accept4: return b->accept4(fd, &sun, &len, SOCK_CLOEXEC);
	case CALL_connect: return b->connect(fd, &sun, alen);
	case CALL_getsockname: return b->getsockname(fd, &sun, &len);
	case CALL_getpeername: return b->getpeername(fd, &sun, &len);
	case CALL_sendto: return b->sendto(fd, buf, 3, 0, NULL, 0);
	case CALL_recvfrom: return b->recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, &sun, &len);
	case CALL_sendmsg: return b->sendmsg(fd, &mh, 0);
	case CALL_recvmsg: return b->recvmsg(fd, &mh, MSG_DONTWAIT);
	case CALL_shutdown: return b->shutdown(fd, SHUT_RDWR);
	case CALL_setsockopt: return b->setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v));
	case CALL_getsockopt: return b->getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl);
	case CALL_read: return b->read(fd, buf, sizeof(buf));
	case CALL_write: return b->write(fd, buf, 3);
	case CALL_readv: return b->readv(fd, &iov, 1);
	case CALL_writev: return b->writev(fd, &iov, 1);
	case CALL_close: return b->close(fd);
	case CALL_dup: return b->dup(fd);
	case CALL_fcntl: return b->fcntl(fd, F_GETFL, 0);
	case CALL_ioctl: return b->ioctl(fd, FIONREAD, &v);
	}
	return -ENOSYS;
}

/* -1, a huge number and a descriptor just closed are all EBADF. */
static void check_ebadf(struct ct_ctx *c, enum call call)
{
	long closed, r;
	int fds[3] = { -1, INT_MAX, 0 };

	CT_OK(c, closed, c->b->socket(AF_UNIX, SOCK_STREAM, 0));
	CT_EQ(c, c->b->close((int)closed), 0);
	fds[2] = (int)closed;
	for (int i = 0; i < 3; i++) {
		r = call_on(c, call, fds[i]);
		if (r != -EBADF) {
			ct_fail(c, __FILE__, __LINE__, "call %d on fd %d = %ld, want %d", (int)call,
				fds[i], r, -EBADF);
			return;
		}
	}
}

/* A file that is not a socket: ENOTSOCK from the socket calls. */
static void check_enotsock(struct ct_ctx *c, enum call call)
{
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->open_file()));
	CT_EQ(c, call_on(c, call, (int)fd), -ENOTSOCK);
}

#define SOCKET_CALLS(X)                                                                   \
	X(bind) X(listen) X(accept) X(accept4) X(connect) X(getsockname) X(getpeername)    \
	X(sendto) X(recvfrom) X(sendmsg) X(recvmsg) X(shutdown) X(setsockopt) X(getsockopt)
#define FILE_CALLS(X) X(read) X(write) X(readv) X(writev) X(close) X(dup) X(fcntl) X(ioctl)

#define DEF_EBADF(n)                                 \
	static void create_ebadf_##n(struct ct_ctx *c) \
	{                                            \
		check_ebadf(c, CALL_##n);            \
	}
#define DEF_ENOTSOCK(n)                                 \
	static void create_enotsock_##n(struct ct_ctx *c) \
	{                                               \
		check_enotsock(c, CALL_##n);            \
	}
SOCKET_CALLS(DEF_EBADF)
FILE_CALLS(DEF_EBADF)
SOCKET_CALLS(DEF_ENOTSOCK)

/* poll reports a bad descriptor in revents instead (see cases_poll.c). */

/* ---- EFAULT ---- */

static void create_efault_bind(struct ct_ctx *c)
{
	void *bad[NBAD];

	bad_ptrs(bad);
	for (int t = 0; t < 3; t++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		for (int i = 0; i < NBAD; i++)
			EXPECT_BAD(c, i, c->b->bind((int)fd, bad[i], sizeof(struct sockaddr_un)),
				   -EFAULT);
	}
}

static void create_efault_connect(struct ct_ctx *c)
{
	void *bad[NBAD];

	bad_ptrs(bad);
	for (int t = 0; t < 3; t++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		for (int i = 0; i < NBAD; i++)
			EXPECT_BAD(c, i, c->b->connect((int)fd, bad[i], sizeof(struct sockaddr_un)),
				   -EFAULT);
	}
}

/* A listener on an abstract name with a connection pending. */
static long listener_with_pending(struct ct_ctx *c, int type, int npending)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "acc");
	long l, cl, r;

	l = ct_fd(c, c->b->socket(AF_UNIX, type, 0));
	if (l < 0)
		return l;
	if ((r = c->b->bind((int)l, &a, al)) < 0 || (r = c->b->listen((int)l, 8)) < 0)
		return r;
	for (int i = 0; i < npending; i++) {
		cl = ct_fd(c, c->b->socket(AF_UNIX, type, 0));
		if (cl < 0)
			return cl;
		if ((r = c->b->connect((int)cl, &a, al)) < 0)
			return r;
	}
	return l;
}

/* The address is written after the connection is taken: a bad address
 * pointer fails the accept with EFAULT (NULL means "no address"). */
static void create_efault_accept_addr(struct ct_ctx *c)
{
	void *bad[NBAD];
	unsigned len;

	bad_ptrs(bad);
	long l;

	CT_OK(c, l, listener_with_pending(c, SOCK_STREAM, 3));
	for (int i = 1; i < NBAD; i++) {
		len = sizeof(struct sockaddr_un);
		EXPECT_BAD(c, i, c->b->accept((int)l, bad[i], &len), -EFAULT);
	}
	len = sizeof(struct sockaddr_un);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->accept((int)l, NULL, &len)));
	(void)fd;
}

static void create_efault_accept_len(struct ct_ctx *c)
{
	struct sockaddr_un a;
	void *bad[NBAD];

	bad_ptrs(bad);
	long l;

	CT_OK(c, l, listener_with_pending(c, SOCK_SEQPACKET, 3));
	for (int i = 0; i < NBAD; i++)
		EXPECT_BAD(c, i, c->b->accept4((int)l, &a, bad[i], 0), -EFAULT);
}

static void create_efault_getsockname(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned len;
	void *bad[NBAD];

	bad_ptrs(bad);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	for (int i = 0; i < NBAD; i++) {
		len = sizeof(a);
		EXPECT_BAD(c, i, c->b->getsockname((int)fd, bad[i], &len), -EFAULT);
		EXPECT_BAD(c, i, c->b->getsockname((int)fd, &a, bad[i]), -EFAULT);
	}
}

static void create_efault_getpeername(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned len;
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	for (int i = 0; i < NBAD; i++) {
		len = sizeof(a);
		EXPECT_BAD(c, i, c->b->getpeername(sv[0], bad[i], &len), -EFAULT);
		EXPECT_BAD(c, i, c->b->getpeername(sv[0], &a, bad[i]), -EFAULT);
	}
}

/* With *addrlen 0 nothing is copied, so any address pointer will do; the
 * full length is still reported. */
static void create_getsockname_len0_bad_addr(struct ct_ctx *c)
{
	unsigned len = 0;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->getsockname(sv[0], (void *)-1, &len), 0);
	CT_EQ(c, len, sizeof(sa_family_t));
	len = 0;
	CT_EQ(c, c->b->getpeername(sv[0], NULL, &len), 0);
	CT_EQ(c, len, sizeof(sa_family_t));
}

static void create_efault_sendto_buf(struct ct_ctx *c)
{
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i < NBAD; i++)
			EXPECT_BAD(c, i, c->b->sendto(sv[0], bad[i], 4, MSG_DONTWAIT, NULL, 0),
				   -EFAULT);
	}
}

static void create_efault_sendto_addr(struct ct_ctx *c)
{
	void *bad[NBAD];

	bad_ptrs(bad);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	/* A NULL address means "no address", whatever the length says. */
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, MSG_DONTWAIT, NULL, sizeof(struct sockaddr_un)),
	      -ENOTCONN);
	for (int i = 1; i < NBAD; i++)
		EXPECT_BAD(c, i,
			   c->b->sendto((int)fd, "x", 1, MSG_DONTWAIT, bad[i],
					sizeof(struct sockaddr_un)),
			   -EFAULT);
}

/* A stream receive into a bad buffer fails and leaves the data queued. */
static void create_efault_recvfrom_buf(struct ct_ctx *c)
{
	int sv[2];
	char buf[8];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "abcd", 4), 4);
	for (int i = 0; i < NBAD; i++)
		EXPECT_BAD(c, i, c->b->recvfrom(sv[1], bad[i], 4, MSG_DONTWAIT, NULL, NULL),
			   -EFAULT);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 4);
	CT_TRUE(c, !memcmp(buf, "abcd", 4));
}

/* The source address is copied out after the datagram is taken: a bad
 * address pointer fails the call with EFAULT. */
static void create_efault_recvfrom_addr(struct ct_ctx *c)
{
	struct sockaddr_un ra, sa;
	unsigned ral = ct_abstract(c, &ra, "r"), sal = ct_abstract(c, &sa, "s"), len;
	char buf[8];
	void *bad[NBAD];

	bad_ptrs(bad);
	long r;

	CT_OK(c, r, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	long s;

	CT_OK(c, s, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)r, &ra, ral), 0);
	CT_EQ(c, c->b->bind((int)s, &sa, sal), 0);
	for (int i = 0; i < 2 * NBAD; i++)
		CT_EQ(c, c->b->sendto((int)s, "x", 1, 0, &ra, ral), 1);
	for (int i = 1; i < NBAD; i++) { /* a NULL address means "no address" */
		len = sizeof(struct sockaddr_un);
		EXPECT_BAD(c, i, c->b->recvfrom((int)r, buf, sizeof(buf), 0, bad[i], &len),
			   -EFAULT);
	}
	for (int i = 0; i < NBAD; i++)
		EXPECT_BAD(c, i, c->b->recvfrom((int)r, buf, sizeof(buf), 0, &ra, bad[i]),
			   -EFAULT);
}

static void create_efault_sendmsg_hdr(struct ct_ctx *c)
{
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (int i = 0; i < NBAD; i++)
		EXPECT_BAD(c, i, c->b->sendmsg(sv[0], bad[i], 0), -EFAULT);
}

static void create_efault_sendmsg_iov(struct ct_ctx *c)
{
	struct msghdr mh;
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	for (int i = 0; i < NBAD; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = bad[i];
		mh.msg_iovlen = 1;
		EXPECT_BAD(c, i, c->b->sendmsg(sv[0], &mh, 0), -EFAULT);
	}
}

static void create_efault_sendmsg_base(struct ct_ctx *c)
{
	struct iovec iov;
	struct msghdr mh;
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i < NBAD; i++) {
			memset(&mh, 0, sizeof(mh));
			iov.iov_base = bad[i];
			iov.iov_len = 4;
			mh.msg_iov = &iov;
			mh.msg_iovlen = 1;
			EXPECT_BAD(c, i, c->b->sendmsg(sv[0], &mh, MSG_DONTWAIT), -EFAULT);
		}
	}
}

static void create_efault_sendmsg_name(struct ct_ctx *c)
{
	struct iovec iov = { "x", 1 };
	struct msghdr mh;
	void *bad[NBAD];

	bad_ptrs(bad);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	for (int i = 1; i < NBAD; i++) { /* a NULL name means "no address" */
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = bad[i];
		mh.msg_namelen = sizeof(struct sockaddr_un);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		EXPECT_BAD(c, i, c->b->sendmsg((int)fd, &mh, MSG_DONTWAIT), -EFAULT);
	}
}

static void create_efault_recvmsg_hdr(struct ct_ctx *c)
{
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "x", 1), 1);
	for (int i = 0; i < NBAD; i++)
		EXPECT_BAD(c, i, c->b->recvmsg(sv[1], bad[i], MSG_DONTWAIT), -EFAULT);
}

static void create_efault_recvmsg_iov(struct ct_ctx *c)
{
	struct msghdr mh;
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "x", 1), 1);
	for (int i = 0; i < NBAD; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = bad[i];
		mh.msg_iovlen = 1;
		EXPECT_BAD(c, i, c->b->recvmsg(sv[1], &mh, MSG_DONTWAIT), -EFAULT);
	}
}

static void create_efault_recvmsg_base(struct ct_ctx *c)
{
	struct iovec iov;
	struct msghdr mh;
	int sv[2];
	char ch;
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "x", 1), 1);
	for (int i = 0; i < NBAD; i++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = bad[i];
		iov.iov_len = 4;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		EXPECT_BAD(c, i, c->b->recvmsg(sv[1], &mh, MSG_DONTWAIT), -EFAULT);
	}
	CT_EQ(c, c->b->read(sv[1], &ch, 1), 1); /* still queued */
	CT_EQ(c, ch, 'x');
}

static void create_efault_setsockopt(struct ct_ctx *c)
{
	void *bad[NBAD];

	bad_ptrs(bad);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	for (int i = 0; i < NBAD; i++) {
		EXPECT_BAD(c, i, c->b->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, bad[i], 4),
			   -EFAULT);
		EXPECT_BAD(c, i,
			   c->b->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, bad[i],
					    sizeof(struct timeval)),
			   -EFAULT);
	}
}

static void create_efault_getsockopt(struct ct_ctx *c)
{
	int v;
	unsigned vl;
	void *bad[NBAD];

	bad_ptrs(bad);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	for (int i = 0; i < NBAD; i++) {
		vl = sizeof(v);
		EXPECT_BAD(c, i, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, bad[i], &vl),
			   -EFAULT);
		EXPECT_BAD(c, i, c->b->getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &v, bad[i]),
			   -EFAULT);
	}
}

static void create_efault_read_write(struct ct_ctx *c)
{
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "abcd", 4), 4);
	for (int i = 0; i < NBAD; i++) {
		EXPECT_BAD(c, i, c->b->write(sv[0], bad[i], 4), -EFAULT);
		EXPECT_BAD(c, i, c->b->read(sv[1], bad[i], 4), -EFAULT);
	}
}

static void create_efault_readv_writev(struct ct_ctx *c)
{
	int sv[2];
	void *bad[NBAD];

	bad_ptrs(bad);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "abcd", 4), 4);
	for (int i = 0; i < NBAD; i++) {
		EXPECT_BAD(c, i, c->b->writev(sv[0], bad[i], 1), -EFAULT);
		EXPECT_BAD(c, i, c->b->readv(sv[1], bad[i], 1), -EFAULT);
	}
}

/* ---- file basics ---- */

static void create_readv_writev(struct ct_ctx *c)
{
	char a[3] = "abc", d[4] = "defg", out1[2], out2[8];
	struct iovec wv[2] = { { a, 3 }, { d, 4 } }, rv[2] = { { out1, 2 }, { out2, 8 } };
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->writev(sv[0], wv, 2), 7);
		memset(out2, 0, sizeof(out2));
		CT_EQ(c, c->b->readv(sv[1], rv, 2), 7);
		CT_TRUE(c, !memcmp(out1, "ab", 2) && !memcmp(out2, "cdefg", 5));
	}
}

/* readv/writev with iovcnt 0, negative or over UIO_MAXIOV. */
static void create_iovcnt_limits(struct ct_ctx *c)
{
	static struct iovec many[1025];
	char ch = 'x';
	int sv[2];

	for (int i = 0; i < 1025; i++) {
		many[i].iov_base = &ch;
		many[i].iov_len = 1;
	}
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->writev(sv[0], many, 0), 0);
	CT_EQ(c, c->b->writev(sv[0], many, -1), -EINVAL);
	CT_EQ(c, c->b->writev(sv[0], many, 1025), -EINVAL);
	CT_EQ(c, c->b->readv(sv[1], many, 1025), -EINVAL);
	CT_EQ(c, c->b->writev(sv[0], many, 1024), 1024);
	CT_EQ(c, c->b->readv(sv[1], many, 1024), 1024);
}

/* A dup is the same open socket: data, options and status flags shared. */
static void create_dup_shares_socket(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	long d;

	CT_OK(c, d, ct_fd(c, c->b->dup(sv[0])));
	CT_TRUE(c, d != sv[0] && d != sv[1]);
	CT_EQ(c, c->b->fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	CT_EQ(c, c->b->fcntl((int)d, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	CT_EQ(c, c->b->write((int)d, "ab", 2), 2);
	CT_EQ(c, c->b->close(sv[0]), 0);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 2);
	CT_EQ(c, c->b->write((int)d, "c", 1), 1); /* still open through the dup */
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 1);
	CT_EQ(c, c->b->read((int)d, buf, sizeof(buf)), -EAGAIN);
}

/* The dup does not inherit FD_CLOEXEC (a descriptor flag). */
static void create_dup_clears_cloexec(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)));
	long d;

	CT_OK(c, d, ct_fd(c, c->b->dup((int)fd)));
	CT_EQ(c, c->b->fcntl((int)d, F_GETFD, 0), 0);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
}

/* The peer sees EOF only when the last descriptor of the socket closes. */
static void create_close_last_ref(struct ct_ctx *c)
{
	char ch;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	long d;

	CT_OK(c, d, ct_fd(c, c->b->dup(sv[0])));
	CT_EQ(c, c->b->close(sv[0]), 0);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->recvfrom(sv[1], &ch, 1, MSG_DONTWAIT, NULL, NULL), -EAGAIN);
	ct_untrack(c, (int)d);
	CT_EQ(c, c->b->close((int)d), 0);
	CT_EQ(c, c->b->read(sv[1], &ch, 1), 0);
}

static void create_close_twice(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, c->b->socket(AF_UNIX, SOCK_DGRAM, 0));
	CT_EQ(c, c->b->close((int)fd), 0);
	CT_EQ(c, c->b->close((int)fd), -EBADF);
	CT_EQ(c, c->b->fcntl((int)fd, F_GETFD, 0), -EBADF);
}

/* read() of 0 bytes returns 0 at once, also with nothing queued; write()
 * of 0 bytes on a stream sends nothing. */
static void create_zero_length_stream(struct ct_ctx *c)
{
	char ch;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->read(sv[1], &ch, 0), 0);
	CT_EQ(c, c->b->write(sv[0], &ch, 0), 0);
	CT_EQ(c, c->b->recvfrom(sv[1], &ch, 1, MSG_DONTWAIT, NULL, NULL), -EAGAIN);
}

/* write() of 0 bytes on a datagram socket sends an empty datagram. */
static void create_zero_length_dgram(struct ct_ctx *c)
{
	char ch;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], &ch, 0), 0);
	CT_EQ(c, c->b->recvfrom(sv[1], &ch, 1, MSG_DONTWAIT, NULL, NULL), 0);
	CT_EQ(c, c->b->recvfrom(sv[1], &ch, 1, MSG_DONTWAIT, NULL, NULL), -EAGAIN);
}

#define ENTRY_EBADF(n) { "create_ebadf_" #n, create_ebadf_##n },
#define ENTRY_ENOTSOCK(n) { "create_enotsock_" #n, create_enotsock_##n },

const struct ct_case ct_cases_create[] = {
	{ "create_unix_types", create_unix_types },
	{ "create_protocol_pf_unix", create_protocol_pf_unix },
	{ "create_bad_protocol", create_bad_protocol },
	{ "create_protocol_checked_before_type", create_protocol_checked_before_type },
	{ "create_bad_domain", create_bad_domain },
	{ "create_af_unspec", create_af_unspec },
	{ "create_bad_type_flags", create_bad_type_flags },
	{ "create_unsupported_types", create_unsupported_types },
	{ "create_type_out_of_range", create_type_out_of_range },
	{ "create_raw_is_dgram", create_raw_is_dgram },
	{ "create_default_flags", create_default_flags },
	{ "create_nonblock", create_nonblock },
	{ "create_cloexec", create_cloexec },
	{ "create_socketpair_types", create_socketpair_types },
	{ "create_socketpair_flags", create_socketpair_flags },
	{ "create_socketpair_raw", create_socketpair_raw },
	{ "create_socketpair_errors", create_socketpair_errors },
	{ "create_efault_socketpair", create_efault_socketpair },
	SOCKET_CALLS(ENTRY_EBADF)
	FILE_CALLS(ENTRY_EBADF)
	SOCKET_CALLS(ENTRY_ENOTSOCK)
	{ "create_efault_bind", create_efault_bind },
	{ "create_efault_connect", create_efault_connect },
	{ "create_efault_accept_addr", create_efault_accept_addr },
	{ "create_efault_accept_len", create_efault_accept_len },
	{ "create_efault_getsockname", create_efault_getsockname },
	{ "create_efault_getpeername", create_efault_getpeername },
	{ "create_getsockname_len0_bad_addr", create_getsockname_len0_bad_addr },
	{ "create_efault_sendto_buf", create_efault_sendto_buf },
	{ "create_efault_sendto_addr", create_efault_sendto_addr },
	{ "create_efault_recvfrom_buf", create_efault_recvfrom_buf },
	{ "create_efault_recvfrom_addr", create_efault_recvfrom_addr },
	{ "create_efault_sendmsg_hdr", create_efault_sendmsg_hdr },
	{ "create_efault_sendmsg_iov", create_efault_sendmsg_iov },
	{ "create_efault_sendmsg_base", create_efault_sendmsg_base },
	{ "create_efault_sendmsg_name", create_efault_sendmsg_name },
	{ "create_efault_recvmsg_hdr", create_efault_recvmsg_hdr },
	{ "create_efault_recvmsg_iov", create_efault_recvmsg_iov },
	{ "create_efault_recvmsg_base", create_efault_recvmsg_base },
	{ "create_efault_setsockopt", create_efault_setsockopt },
	{ "create_efault_getsockopt", create_efault_getsockopt },
	{ "create_efault_read_write", create_efault_read_write },
	{ "create_efault_readv_writev", create_efault_readv_writev },
	{ "create_readv_writev", create_readv_writev },
	{ "create_iovcnt_limits", create_iovcnt_limits },
	{ "create_dup_shares_socket", create_dup_shares_socket },
	{ "create_dup_clears_cloexec", create_dup_clears_cloexec },
	{ "create_close_last_ref", create_close_last_ref },
	{ "create_close_twice", create_close_twice },
	{ "create_zero_length_stream", create_zero_length_stream },
	{ "create_zero_length_dgram", create_zero_length_dgram },
	{ 0 },
};

/*
 * cases_scm.c - ancillary data on AF_UNIX: SCM_RIGHTS (descriptors passed,
 * truncated, peeked, garbage cycles), SCM_CREDENTIALS with SO_PASSCRED,
 * and SO_PEERCRED across processes.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 *
 * Descriptors received are tracked like any other (or closed by the case
 * at once, where there are too many to track). "The descriptor was closed"
 * is checked through a socket: the peer of a passed socket reads EOF once
 * the last reference to it is gone. Cycles of sockets in flight are left
 * for the garbage collector: on Linux it runs asynchronously, on ksock the
 * runner's leak check proves it freed everything.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define NOBODY 65534u
#define SCM_MAX_FD 253 /* Linux's limit of descriptors in one message */
#define MAX_RX_FDS 300

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

/* A control buffer big enough for everything a case sends or receives,
 * aligned for struct cmsghdr. */
union ctl {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * MAX_RX_FDS) + CMSG_SPACE(sizeof(struct ucred)) + 64];
};

/* What one recvmsg returned, its control messages decoded. */
struct rx {
	long n;                   /* recvmsg's result */
	char data[256];           /* the bytes read */
	int flags;                /* msg_flags */
	unsigned long controllen; /* msg_controllen as reported back */
	int fds[MAX_RX_FDS];      /* every descriptor of every SCM_RIGHTS */
	int nfds;
	int nrights;  /* SCM_RIGHTS messages */
	int ncreds;   /* SCM_CREDENTIALS messages */
	int first;    /* type of the first control message, or -1 */
	unsigned long first_len; /* its cmsg_len */
	struct ucred cred;
};

static long mk_sock(struct ct_ctx *c, int type)
{
	return ct_fd(c, c->b->socket(AF_UNIX, type, 0));
}

/* A socket of type bound to an abstract name and listening. */
static long mk_listener(struct ct_ctx *c, int type, struct sockaddr_un *a, unsigned *alen)
{
	long fd = mk_sock(c, type), r;

	if (fd < 0)
		return fd;
	*alen = ct_abstract(c, a, "l");
	r = c->b->bind((int)fd, a, *alen);
	if (r == 0)
		r = c->b->listen((int)fd, 8);
	return r < 0 ? r : fd;
}

static void close_untracked(struct ct_ctx *c, int fd)
{
	ct_untrack(c, fd);
	(void)c->b->close(fd); /* the cases that care check their own closes */
}

/* Sends len bytes of data with one SCM_RIGHTS message of n descriptors. */
static long b_send_fds(const struct ct_backend *b, int fd, const void *data, size_t len,
		       const int *fds, int n, int flags)
{
	struct iovec iov = { (void *)data, len };
	struct msghdr m;
	struct cmsghdr *cm;
	union ctl u;

	memset(&m, 0, sizeof(m));
	memset(&u, 0, sizeof(u));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	return b->sendmsg(fd, &m, flags);
}

static long send_fds(struct ct_ctx *c, int fd, const void *data, size_t len, const int *fds,
		     int n)
{
	return b_send_fds(c->b, fd, data, len, fds, n, 0);
}

static long send_fd(struct ct_ctx *c, int fd, const void *data, size_t len, int passed)
{
	return b_send_fds(c->b, fd, data, len, &passed, 1, 0);
}

/* Sends data with a raw control buffer (built by the case). */
static long send_ctl(struct ct_ctx *c, int fd, const void *data, size_t len, void *ctl,
		     size_t ctllen)
{
	struct iovec iov = { (void *)data, len };
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = ctllen;
	return c->b->sendmsg(fd, &m, 0);
}

/* Receives into rx with a control buffer of ctllen bytes (0: none) and
 * decodes the control messages. Descriptors received are not tracked. */
static long b_recv_ctl(const struct ct_backend *b, int fd, struct rx *rx, size_t len,
		       size_t ctllen, int flags)
{
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *cm;
	union ctl u;

	memset(rx, 0, sizeof(*rx));
	memset(&u, 0, sizeof(u));
	rx->first = -1;
	iov.iov_base = rx->data;
	iov.iov_len = len < sizeof(rx->data) ? len : sizeof(rx->data);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctllen ? u.buf : NULL;
	m.msg_controllen = ctllen;
	rx->n = b->recvmsg(fd, &m, flags);
	if (rx->n < 0)
		return rx->n;
	rx->flags = m.msg_flags;
	rx->controllen = m.msg_controllen;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (rx->first < 0) {
			rx->first = cm->cmsg_type;
			rx->first_len = cm->cmsg_len;
		}
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_RIGHTS) {
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (int i = 0; i < k && rx->nfds < MAX_RX_FDS; i++)
				memcpy(&rx->fds[rx->nfds++], CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
			rx->nrights++;
		} else if (cm->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&rx->cred, CMSG_DATA(cm), sizeof(rx->cred));
			rx->ncreds++;
		}
	}
	return rx->n;
}

/* Same, tracking every descriptor received. */
static long recv_ctl(struct ct_ctx *c, int fd, struct rx *rx, size_t ctllen, int flags)
{
	long r = b_recv_ctl(c->b, fd, rx, sizeof(rx->data), ctllen, flags);

	for (int i = 0; i < rx->nfds; i++)
		ct_fd(c, rx->fds[i]);
	return r;
}

static long recv_all(struct ct_ctx *c, int fd, struct rx *rx, int flags)
{
	return recv_ctl(c, fd, rx, sizeof(union ctl), flags);
}

/* Closes every descriptor rx holds (not tracked); returns how many closes
 * failed. */
static int rx_close(struct ct_ctx *c, struct rx *rx)
{
	int bad = 0;

	for (int i = 0; i < rx->nfds; i++)
		bad += c->b->close(rx->fds[i]) != 0;
	return bad;
}

/* 1 if a byte written on a arrives on b (both sockets, a connected to b). */
static int linked(struct ct_ctx *c, int a, int b)
{
	char ch = 0;

	if (ct_snd(c, a, "L", 1, MSG_DONTWAIT) != 1)
		return 0;
	return ct_rcv(c, b, &ch, 1, MSG_DONTWAIT) == 1 && ch == 'L';
}

/* 1 if fd's socket is connected and has nothing to read now. */
static int idle(struct ct_ctx *c, int fd)
{
	char ch;

	return ct_rcv(c, fd, &ch, 1, MSG_DONTWAIT) == -EAGAIN;
}

/* 1 if fd reads EOF now. */
static int at_eof(struct ct_ctx *c, int fd)
{
	char ch;

	return ct_rcv(c, fd, &ch, 1, MSG_DONTWAIT) == 0;
}

static int cloexec(struct ct_ctx *c, int fd)
{
	long r = c->b->fcntl(fd, F_GETFD, 0);

	return r < 0 ? (int)r : (r & FD_CLOEXEC) != 0;
}

/* ---- SCM_RIGHTS: passing ---- */

/* One descriptor on each type: it arrives with its data and is another
 * descriptor for the same socket (data written on it reaches the peer). */
static void scm_rights_one_each_type(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2], p[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
		CT_EQ(c, send_fd(c, sv[0], "fd", 2, p[0]), 2);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
		CT_TRUE(c, memcmp(rx.data, "fd", 2) == 0);
		CT_EQ(c, rx.nrights, 1);
		CT_EQ(c, rx.nfds, 1);
		CT_EQ(c, rx.flags, 0);
		CT_TRUE(c, rx.fds[0] != p[0]);
		CT_TRUE(c, linked(c, rx.fds[0], p[1]));
		CT_TRUE(c, linked(c, p[1], rx.fds[0]));
	}
}

/* Several descriptors in one message arrive in order. */
static void scm_rights_several(struct ct_ctx *c)
{
	int sv[2], p[3][2], fds[3];
	struct rx rx;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i < 3; i++) {
			CT_EQ(c, ct_pair(c, SOCK_DGRAM, p[i]), 0);
			fds[i] = p[i][0];
		}
		CT_EQ(c, send_fds(c, sv[0], "x", 1, fds, 3), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.nrights, 1);
		CT_EQ(c, rx.nfds, 3);
		for (int i = 0; i < 3; i++)
			CT_TRUE(c, linked(c, rx.fds[i], p[i][1]));
	}
}

/* 253 descriptors in one message (SCM_MAX_FD), the same one repeated. */
static void scm_rights_max_253(struct ct_ctx *c)
{
	int sv[2], p[2], fds[SCM_MAX_FD];
	struct rx rx;
	int bad;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
		for (int i = 0; i < SCM_MAX_FD; i++)
			fds[i] = p[0];
		CT_EQ(c, send_fds(c, sv[0], "m", 1, fds, SCM_MAX_FD), 1);
		CT_EQ(c, b_recv_ctl(c->b, sv[1], &rx, 1, sizeof(union ctl), MSG_DONTWAIT), 1);
		bad = !linked(c, rx.fds[0], p[1]) || !linked(c, rx.fds[SCM_MAX_FD - 1], p[1]);
		CT_EQ(c, rx_close(c, &rx), 0);
		CT_EQ(c, rx.nfds, SCM_MAX_FD);
		CT_EQ(c, rx.flags, 0);
		CT_EQ(c, bad, 0);
		CT_EQ(c, rx.controllen, CMSG_SPACE(sizeof(int) * SCM_MAX_FD));
	}
}

/* 254 is one too many: EINVAL, nothing sent. */
static void scm_rights_254_einval(struct ct_ctx *c)
{
	int sv[2], fds[SCM_MAX_FD + 1];
	char buf[4];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i <= SCM_MAX_FD; i++)
			fds[i] = sv[0];
		CT_EQ(c, send_fds(c, sv[0], "m", 1, fds, SCM_MAX_FD + 1), -EINVAL);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* Two SCM_RIGHTS messages in one sendmsg: the receiver gets a single
 * SCM_RIGHTS with all the descriptors, in order. */
static void scm_rights_two_cmsgs(struct ct_ctx *c)
{
	int sv[2], p[3][2];
	struct msghdr m;
	struct cmsghdr *cm;
	union ctl u;
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	for (int i = 0; i < 3; i++)
		CT_EQ(c, ct_pair(c, SOCK_DGRAM, p[i]), 0);
	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(2 * sizeof(int));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0][0], sizeof(int));
	cm = CMSG_NXTHDR(&m, cm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1][0], sizeof(int));
	memcpy(CMSG_DATA(cm) + sizeof(int), &p[2][0], sizeof(int));
	CT_EQ(c, send_ctl(c, sv[0], "2", 1, u.buf, m.msg_controllen), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nrights, 1);
	CT_EQ(c, rx.nfds, 3);
	for (int i = 0; i < 3; i++)
		CT_TRUE(c, linked(c, rx.fds[i], p[i][1]));
}

/* The limit applies to the message's total: 200 + 100 descriptors in two
 * control messages is EINVAL. */
static void scm_rights_two_cmsgs_over_max(struct ct_ctx *c)
{
	int sv[2], fds[200];
	struct msghdr m;
	struct cmsghdr *cm;
	union ctl u;
	char buf[4];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (int i = 0; i < 200; i++)
		fds[i] = sv[0];
	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(200 * sizeof(int)) + CMSG_SPACE(100 * sizeof(int));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(200 * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, 200 * sizeof(int));
	cm = CMSG_NXTHDR(&m, cm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(100 * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, 100 * sizeof(int));
	CT_EQ(c, send_ctl(c, sv[0], "x", 1, u.buf, m.msg_controllen), -EINVAL);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* A descriptor that is not open: EBADF, nothing sent; a good descriptor
 * before the bad one is not kept in flight (its peer sees EOF once the
 * case closes it). */
static void scm_rights_ebadf(struct ct_ctx *c)
{
	int sv[2], p[2], fds[2];
	char buf[4];
	long f;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
		fds[0] = -1;
		CT_EQ(c, send_fds(c, sv[0], "x", 1, fds, 1), -EBADF);
		CT_OK(c, f, c->b->dup(sv[0]));
		CT_EQ(c, c->b->close((int)f), 0);
		fds[0] = p[0];
		fds[1] = (int)f; /* closed now */
		CT_EQ(c, send_fds(c, sv[0], "x", 1, fds, 2), -EBADF);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
		close_untracked(c, p[0]);
		CT_TRUE(c, at_eof(c, p[1]));
	}
}

/* The passed descriptor is the same open file: its file status flags
 * (O_NONBLOCK) are shared with the sender's. */
static void scm_rights_same_open_file(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;
	long fl;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "x", 1, p[0]), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_OK(c, fl, c->b->fcntl(rx.fds[0], F_GETFL, 0));
	CT_EQ(c, fl & O_NONBLOCK, 0);
	CT_EQ(c, c->b->fcntl(rx.fds[0], F_SETFL, fl | O_NONBLOCK), 0);
	CT_OK(c, fl, c->b->fcntl(p[0], F_GETFL, 0));
	CT_EQ(c, fl & O_NONBLOCK, O_NONBLOCK);
	/* Descriptor flags are not shared: neither has FD_CLOEXEC. */
	CT_EQ(c, cloexec(c, rx.fds[0]), 0);
	CT_EQ(c, c->b->fcntl(p[0], F_SETFD, FD_CLOEXEC), 0);
	CT_EQ(c, cloexec(c, rx.fds[0]), 0);
	/* A read on the nonblocking file fails at once on both descriptors. */
	CT_EQ(c, ct_rcv(c, p[0], &fl, 1, 0), -EAGAIN);
}

/* A file that is not a socket can be passed too. */
static void scm_rights_regular_file(struct ct_ctx *c)
{
	int sv[2];
	struct rx rx;
	long f;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_OK(c, f, ct_fd(c, c->b->open_file()));
	CT_EQ(c, send_fd(c, sv[0], "f", 1, (int)f), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, c->b->fcntl(rx.fds[0], F_GETFL, 0) & O_ACCMODE, O_RDWR);
	CT_EQ(c, c->b->write(rx.fds[0], "abc", 3), 3);
	CT_EQ(c, c->b->getsockopt(rx.fds[0], SOL_SOCKET, SO_TYPE, &f, &(unsigned){ sizeof(int) }),
	      -ENOTSOCK);
}

/* A listening socket passed: the receiver accepts on it. */
static void scm_rights_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	struct rx rx;
	long l, cl, s;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_OK(c, l, mk_listener(c, SOCK_STREAM, &a, &al));
	CT_EQ(c, send_fd(c, sv[0], "l", 1, (int)l), 1);
	close_untracked(c, (int)l);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_OK(c, cl, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_OK(c, s, ct_fd(c, c->b->accept(rx.fds[0], NULL, NULL)));
	CT_TRUE(c, linked(c, (int)cl, (int)s));
}

/* A socket passed over itself: it lands in its peer's queue, and the
 * peer can receive it and talk to itself through it. */
static void scm_rights_self(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, send_fd(c, sv[0], "s", 1, sv[0]), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.nfds, 1);
		/* The original closed: the received one keeps the socket alive. */
		close_untracked(c, sv[0]);
		CT_TRUE(c, linked(c, rx.fds[0], sv[1]));
		close_untracked(c, rx.fds[0]);
		if (unix_types[t] != SOCK_DGRAM)
			CT_TRUE(c, at_eof(c, sv[1]));
	}
}

/* Sending descriptors to a peer that shut down reading fails (EPIPE) and
 * does not keep them in flight. */
static void scm_rights_send_fails_drops_refs(struct ct_ctx *c)
{
	int sv[2], p[2];

	for (int t = 0; t < 3; t += 2) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
		CT_EQ(c, c->b->shutdown(sv[1], SHUT_RD), 0);
		CT_EQ(c, b_send_fds(c->b, sv[0], "x", 1, &p[0], 1, MSG_NOSIGNAL), -EPIPE);
		close_untracked(c, p[0]);
		CT_TRUE(c, at_eof(c, p[1]));
	}
}

/* A datagram receiver whose queue is full: EAGAIN, descriptors released. */
static void scm_rights_dgram_full_drops_refs(struct ct_ctx *c)
{
	int sv[2], p[2];
	long r;
	int n = 0;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	while ((r = ct_snd(c, sv[0], "q", 1, MSG_DONTWAIT)) == 1 && n < 10000)
		n++;
	CT_EQ(c, r, -EAGAIN);
	CT_EQ(c, b_send_fds(c->b, sv[0], "x", 1, &p[0], 1, MSG_DONTWAIT), -EAGAIN);
	close_untracked(c, p[0]);
	CT_TRUE(c, at_eof(c, p[1]));
}

/* sendto an unconnected datagram socket's named peer, with descriptors. */
static void scm_rights_dgram_sendto(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "r");
	struct iovec iov = { "to", 2 };
	struct cmsghdr *cm;
	struct msghdr m;
	struct rx rx;
	union ctl u;
	long r, s;
	int p[2];

	CT_OK(c, r, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_name = &a;
	m.msg_namelen = al;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CT_EQ(c, c->b->sendmsg((int)s, &m, 0), 2);
	CT_EQ(c, recv_all(c, (int)r, &rx, MSG_DONTWAIT), 2);
	CT_EQ(c, rx.nfds, 1);
	CT_TRUE(c, linked(c, rx.fds[0], p[1]));
}

/* A receiver closed with descriptors still queued releases them. */
static void scm_rights_receiver_closed(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "r");
	int p[2], sv[2];
	long r, s;

	CT_OK(c, r, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, (int)s, "q", 1, p[0]), 1);
	close_untracked(c, p[0]);
	CT_TRUE(c, idle(c, p[1]));
	close_untracked(c, (int)r);
	CT_TRUE(c, at_eof(c, p[1]));
	/* The same through a stream pair's receiving end. */
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "q", 1, p[0]), 1);
	close_untracked(c, p[0]);
	close_untracked(c, sv[1]);
	CT_TRUE(c, at_eof(c, p[1]));
}

/* ---- SCM_RIGHTS: receiving ---- */

/* A control buffer with room for one of three descriptors (CMSG_LEN(4)):
 * the first is installed, MSG_CTRUNC is set, the other two are closed.
 * CMSG_SPACE(4) holds two: Linux fills the alignment padding too. */
static void scm_rights_ctrunc_closes_rest(struct ct_ctx *c)
{
	int sv[2], p[3][2], fds[3];
	struct rx rx;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i < 3; i++) {
			CT_EQ(c, ct_pair(c, SOCK_STREAM, p[i]), 0);
			fds[i] = p[i][0];
		}
		CT_EQ(c, send_fds(c, sv[0], "t", 1, fds, 3), 1);
		for (int i = 0; i < 3; i++)
			close_untracked(c, p[i][0]);
		CT_EQ(c, recv_ctl(c, sv[1], &rx, CMSG_LEN(sizeof(int)), MSG_DONTWAIT), 1);
		CT_EQ(c, rx.flags, MSG_CTRUNC);
		CT_EQ(c, rx.nfds, 1);
		CT_EQ(c, rx.controllen, CMSG_LEN(sizeof(int)));
		CT_TRUE(c, linked(c, rx.fds[0], p[0][1]));
		CT_TRUE(c, at_eof(c, p[1][1]));
		CT_TRUE(c, at_eof(c, p[2][1]));
	}
}

static void scm_rights_ctrunc_padding_used(struct ct_ctx *c)
{
	int sv[2], p[3][2], fds[3];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (int i = 0; i < 3; i++) {
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p[i]), 0);
		fds[i] = p[i][0];
	}
	CT_EQ(c, send_fds(c, sv[0], "t", 1, fds, 3), 1);
	for (int i = 0; i < 3; i++)
		close_untracked(c, p[i][0]);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, CMSG_SPACE(sizeof(int)), MSG_DONTWAIT), 1);
	CT_EQ(c, rx.flags, MSG_CTRUNC);
	CT_EQ(c, rx.nfds, 2);
	CT_EQ(c, rx.first_len, CMSG_LEN(2 * sizeof(int)));
	CT_EQ(c, rx.controllen, CMSG_SPACE(sizeof(int)));
	CT_TRUE(c, idle(c, p[0][1]));
	CT_TRUE(c, idle(c, p[1][1]));
	CT_TRUE(c, at_eof(c, p[2][1]));
}

/* No control buffer at all: MSG_CTRUNC, the descriptor closed, the data
 * read normally. */
static void scm_rights_ctrunc_no_buffer(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
		CT_EQ(c, send_fd(c, sv[0], "nb", 2, p[0]), 2);
		close_untracked(c, p[0]);
		CT_EQ(c, recv_ctl(c, sv[1], &rx, 0, MSG_DONTWAIT), 2);
		CT_EQ(c, rx.flags, MSG_CTRUNC);
		CT_EQ(c, rx.controllen, 0);
		CT_EQ(c, rx.nfds, 0);
		CT_TRUE(c, memcmp(rx.data, "nb", 2) == 0);
		CT_TRUE(c, at_eof(c, p[1]));
	}
}

/* A control buffer shorter than a cmsghdr: nothing written, MSG_CTRUNC. */
static void scm_rights_ctrunc_tiny_buffer(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "t", 1, p[0]), 1);
	close_untracked(c, p[0]);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, sizeof(struct cmsghdr) - 1, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.flags, MSG_CTRUNC);
	CT_EQ(c, rx.controllen, 0);
	CT_TRUE(c, at_eof(c, p[1]));
}

/* Room for the header only (CMSG_LEN(0)): no descriptor fits. */
static void scm_rights_ctrunc_header_only(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "h", 1, p[0]), 1);
	close_untracked(c, p[0]);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, CMSG_LEN(0), MSG_DONTWAIT), 1);
	CT_EQ(c, rx.flags, MSG_CTRUNC);
	CT_EQ(c, rx.nfds, 0);
	CT_TRUE(c, at_eof(c, p[1]));
}

/* msg_controllen comes back as the space used: CMSG_SPACE of the
 * descriptors, or the whole buffer when that is shorter (CMSG_LEN). */
static void scm_rights_controllen_reported(struct ct_ctx *c)
{
	int sv[2], fds[3];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	fds[0] = fds[1] = fds[2] = sv[0];
	CT_EQ(c, send_fds(c, sv[0], "1", 1, fds, 1), 1);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, 200, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.controllen, CMSG_SPACE(sizeof(int)));
	CT_EQ(c, send_fds(c, sv[0], "3", 1, fds, 3), 1);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, 200, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.controllen, CMSG_SPACE(3 * sizeof(int)));
	CT_EQ(c, rx.nfds, 3);
	CT_EQ(c, send_fds(c, sv[0], "1", 1, fds, 1), 1);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, CMSG_LEN(sizeof(int)), MSG_DONTWAIT), 1);
	CT_EQ(c, rx.controllen, CMSG_LEN(sizeof(int)));
	CT_EQ(c, rx.flags, 0);
	CT_EQ(c, rx.nfds, 1);
	/* No descriptors: msg_controllen 0. */
	CT_EQ(c, ct_snd(c, sv[0], "0", 1, 0), 1);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, 200, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.controllen, 0);
}

/* MSG_CMSG_CLOEXEC sets FD_CLOEXEC on the descriptors received; Linux
 * also reports the flag back in msg_flags. */
static void scm_rights_cmsg_cloexec(struct ct_ctx *c)
{
	int sv[2], fds[2];
	struct rx rx;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		fds[0] = fds[1] = sv[0];
		CT_EQ(c, send_fds(c, sv[0], "a", 1, fds, 2), 1);
		CT_EQ(c, send_fds(c, sv[0], "b", 1, fds, 2), 1);
		CT_EQ(c, recv_ctl(c, sv[1], &rx, 200, MSG_DONTWAIT | MSG_CMSG_CLOEXEC), 1);
		CT_EQ(c, rx.nfds, 2);
		CT_EQ(c, rx.flags, MSG_CMSG_CLOEXEC);
		CT_EQ(c, cloexec(c, rx.fds[0]), 1);
		CT_EQ(c, cloexec(c, rx.fds[1]), 1);
		CT_EQ(c, recv_ctl(c, sv[1], &rx, 200, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.nfds, 2);
		CT_EQ(c, cloexec(c, rx.fds[0]), 0);
		CT_EQ(c, cloexec(c, rx.fds[1]), 0);
	}
}

/* Datagrams keep their descriptors: each arrives with its own. */
static void scm_rights_dgram_per_message(struct ct_ctx *c)
{
	int sv[2], p[2][2];
	struct rx rx;

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_DGRAM, p[0]), 0);
		CT_EQ(c, ct_pair(c, SOCK_DGRAM, p[1]), 0);
		CT_EQ(c, send_fd(c, sv[0], "one", 3, p[0][0]), 3);
		CT_EQ(c, ct_snd(c, sv[0], "plain", 5, 0), 5);
		CT_EQ(c, send_fd(c, sv[0], "two", 3, p[1][0]), 3);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 3);
		CT_EQ(c, rx.nfds, 1);
		CT_TRUE(c, linked(c, rx.fds[0], p[0][1]));
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 5);
		CT_EQ(c, rx.nfds, 0);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 3);
		CT_EQ(c, rx.nfds, 1);
		CT_TRUE(c, linked(c, rx.fds[0], p[1][1]));
	}
}

/* A truncated datagram still delivers its descriptors (MSG_TRUNC only). */
static void scm_rights_dgram_truncated_data(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "longer", 6, p[0]), 6);
	CT_EQ(c, b_recv_ctl(c->b, sv[1], &rx, 2, 200, MSG_DONTWAIT), 2);
	for (int i = 0; i < rx.nfds; i++)
		ct_fd(c, rx.fds[i]);
	CT_EQ(c, rx.flags, MSG_TRUNC);
	CT_EQ(c, rx.nfds, 1);
	CT_TRUE(c, linked(c, rx.fds[0], p[1]));
}

/* ---- SCM_RIGHTS on a stream: what a read merges ---- */

/* Data written before a message with descriptors merges into the read
 * that returns those descriptors; the read stops after them. */
static void scm_rights_stream_merge_before(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
	CT_EQ(c, ct_snd(c, sv[0], "aa", 2, 0), 2);
	CT_EQ(c, send_fd(c, sv[0], "bb", 2, p[0]), 2);
	CT_EQ(c, ct_snd(c, sv[0], "cc", 2, 0), 2);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 4);
	CT_TRUE(c, memcmp(rx.data, "aabb", 4) == 0);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
	CT_TRUE(c, memcmp(rx.data, "cc", 2) == 0);
	CT_EQ(c, rx.nfds, 0);
}

/* Two messages with descriptors are never merged into one read. */
static void scm_rights_stream_no_merge_two(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "11", 2, p[0]), 2);
	CT_EQ(c, send_fd(c, sv[0], "222", 3, p[0]), 3);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 3);
	CT_EQ(c, rx.nfds, 1);
}

/* A read that stops inside a message with descriptors takes them; the
 * rest of that message's data has none left, so the next read merges it
 * with what follows. */
static void scm_rights_stream_partial_read(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "abcdef", 6, p[0]), 6);
	CT_EQ(c, ct_snd(c, sv[0], "gh", 2, 0), 2);
	CT_EQ(c, b_recv_ctl(c->b, sv[1], &rx, 2, 200, MSG_DONTWAIT), 2);
	for (int i = 0; i < rx.nfds; i++)
		ct_fd(c, rx.fds[i]);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, rx.flags, 0);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 6);
	CT_TRUE(c, memcmp(rx.data, "cdefgh", 6) == 0);
	CT_EQ(c, rx.nfds, 0);
}

/* read() (no control buffer) on a stream with descriptors queued: they
 * are discarded (closed), and the read still stops after their message. */
static void scm_rights_stream_read_discards(struct ct_ctx *c)
{
	int sv[2], p[2];
	char buf[16];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "xy", 2, p[0]), 2);
	CT_EQ(c, ct_snd(c, sv[0], "z", 1, 0), 1);
	close_untracked(c, p[0]);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 2);
	CT_TRUE(c, at_eof(c, p[1]));
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 1);
}

/* MSG_WAITALL does not gather past a message with descriptors. */
static void scm_rights_stream_waitall_stops(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "abc", 3, p[0]), 3);
	CT_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	CT_EQ(c, b_recv_ctl(c->b, sv[1], &rx, 6, 200, MSG_WAITALL), 3);
	for (int i = 0; i < rx.nfds; i++)
		ct_fd(c, rx.fds[i]);
	CT_EQ(c, rx.nfds, 1);
}

/* ---- MSG_PEEK with descriptors ---- */

/* Each peek installs new descriptors (for the same open file); the
 * message keeps its own for the real receive. */
static void scm_rights_peek_installs(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx r1, r2, r3;

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
		CT_EQ(c, send_fd(c, sv[0], "pk", 2, p[0]), 2);
		CT_EQ(c, recv_all(c, sv[1], &r1, MSG_DONTWAIT | MSG_PEEK), 2);
		CT_EQ(c, recv_all(c, sv[1], &r2, MSG_DONTWAIT | MSG_PEEK), 2);
		CT_EQ(c, recv_all(c, sv[1], &r3, MSG_DONTWAIT), 2);
		CT_EQ(c, r1.nfds, 1);
		CT_EQ(c, r2.nfds, 1);
		CT_EQ(c, r3.nfds, 1);
		CT_TRUE(c, r1.fds[0] != r2.fds[0] && r2.fds[0] != r3.fds[0]);
		CT_TRUE(c, linked(c, r1.fds[0], p[1]));
		CT_TRUE(c, linked(c, r2.fds[0], p[1]));
		CT_TRUE(c, linked(c, r3.fds[0], p[1]));
		CT_EQ(c, recv_all(c, sv[1], &r1, MSG_DONTWAIT), -EAGAIN);
	}
}

/* A stream peek also stops after the message with descriptors. */
static void scm_rights_peek_stream_stops(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, send_fd(c, sv[0], "b", 1, p[0]), 1);
	CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT | MSG_PEEK), 2);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
}

/* ---- malformed control messages ---- */

static void put_cmsg(void *buf, unsigned long len, int level, int type)
{
	struct cmsghdr h;

	memset(&h, 0, sizeof(h));
	h.cmsg_len = len;
	h.cmsg_level = level;
	h.cmsg_type = type;
	memcpy(buf, &h, sizeof(h));
}

/* cmsg_len shorter than the header, or past the control buffer: EINVAL. */
static void scm_cmsg_bad_len(struct ct_ctx *c)
{
	union ctl u;
	int sv[2];
	char buf[4];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		memset(&u, 0, sizeof(u));
		put_cmsg(u.buf, sizeof(struct cmsghdr) - 1, SOL_SOCKET, SCM_RIGHTS);
		CT_EQ(c, send_ctl(c, sv[0], "x", 1, u.buf, CMSG_SPACE(sizeof(int))), -EINVAL);
		put_cmsg(u.buf, CMSG_LEN(2 * sizeof(int)), SOL_SOCKET, SCM_RIGHTS);
		memcpy(u.buf + CMSG_LEN(0), &sv[0], sizeof(int));
		CT_EQ(c, send_ctl(c, sv[0], "x", 1, u.buf, CMSG_SPACE(sizeof(int)) - 1), -EINVAL);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* A control message of another level is ignored (even with a type that
 * would be SCM_RIGHTS at SOL_SOCKET). */
static void scm_cmsg_other_level_ignored(struct ct_ctx *c)
{
	union ctl u;
	struct rx rx;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	memset(&u, 0, sizeof(u));
	put_cmsg(u.buf, CMSG_LEN(sizeof(int)), 12345, SCM_RIGHTS);
	memcpy(u.buf + CMSG_LEN(0), &sv[0], sizeof(int));
	CT_EQ(c, send_ctl(c, sv[0], "x", 1, u.buf, CMSG_SPACE(sizeof(int))), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 0);
	CT_EQ(c, rx.controllen, 0);
}

/* An unknown type at SOL_SOCKET: EINVAL. */
static void scm_cmsg_unknown_type(struct ct_ctx *c)
{
	union ctl u;
	int sv[2];
	char buf[4];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		memset(&u, 0, sizeof(u));
		put_cmsg(u.buf, CMSG_LEN(sizeof(int)), SOL_SOCKET, 99);
		CT_EQ(c, send_ctl(c, sv[0], "x", 1, u.buf, CMSG_SPACE(sizeof(int))), -EINVAL);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* SCM_RIGHTS with no descriptors (cmsg_len CMSG_LEN(0)) is accepted and
 * delivers none; a length with a partial descriptor counts whole ones. */
static void scm_rights_empty_and_odd_len(struct ct_ctx *c)
{
	union ctl u;
	struct rx rx;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	memset(&u, 0, sizeof(u));
	put_cmsg(u.buf, CMSG_LEN(0), SOL_SOCKET, SCM_RIGHTS);
	CT_EQ(c, send_ctl(c, sv[0], "e", 1, u.buf, CMSG_SPACE(0)), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 0);
	CT_EQ(c, rx.controllen, 0);
	put_cmsg(u.buf, CMSG_LEN(sizeof(int) + 2), SOL_SOCKET, SCM_RIGHTS);
	memcpy(u.buf + CMSG_LEN(0), &sv[0], sizeof(int));
	CT_EQ(c, send_ctl(c, sv[0], "o", 1, u.buf, CMSG_SPACE(sizeof(int) + 2)), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
}

/* A control buffer shorter than one header holds no message: sent as
 * plain data. */
static void scm_cmsg_controllen_short(struct ct_ctx *c)
{
	union ctl u;
	struct rx rx;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	memset(&u, 0, sizeof(u));
	put_cmsg(u.buf, CMSG_LEN(sizeof(int)), SOL_SOCKET, SCM_RIGHTS);
	memcpy(u.buf + CMSG_LEN(0), &sv[0], sizeof(int));
	CT_EQ(c, send_ctl(c, sv[0], "s", 1, u.buf, sizeof(struct cmsghdr) - 1), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 0);
}

/* ---- garbage: sockets in flight in cycles ---- */

/* Each end of a pair sent into its own receive queue, then both closed:
 * cycles only the collector frees. */
static void scm_gc_self_cycle(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, send_fd(c, sv[0], "s", 1, sv[1]), 1);
		CT_EQ(c, send_fd(c, sv[1], "s", 1, sv[0]), 1);
		close_untracked(c, sv[0]);
		close_untracked(c, sv[1]);
	}
}

/* A over B and B over A, then both closed. */
static void scm_gc_cross_cycle(struct ct_ctx *c)
{
	int a[2], b[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], a), 0);
		CT_EQ(c, ct_pair(c, unix_types[t], b), 0);
		CT_EQ(c, send_fd(c, b[0], "a", 1, a[1]), 1); /* a[1] in b[1]'s queue */
		CT_EQ(c, send_fd(c, a[0], "b", 1, b[1]), 1); /* b[1] in a[1]'s queue */
		close_untracked(c, a[0]);
		close_untracked(c, a[1]);
		close_untracked(c, b[0]);
		close_untracked(c, b[1]);
	}
}

/* A ring of 20 pairs, each pair's receiving end holding the next one's,
 * with every pair but the first closed: the ring is still reachable from
 * the first pair and usable (a socket taken out of it and put back); at
 * the end of the case it is garbage. */
#define CHAIN 20
static void scm_gc_long_chain(struct ct_ctx *c)
{
	int p[CHAIN][2];
	struct rx rx, peeked;

	for (int i = 0; i < CHAIN; i++)
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p[i]), 0);
	for (int i = 0; i < CHAIN; i++)
		CT_EQ(c, send_fd(c, p[i][0], "c", 1, p[(i + 1) % CHAIN][1]), 1);
	for (int i = 1; i < CHAIN; i++) {
		close_untracked(c, p[i][0]);
		close_untracked(c, p[i][1]);
	}
	CT_EQ(c, recv_all(c, p[0][1], &rx, MSG_DONTWAIT), 1); /* p[1][1] */
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, recv_all(c, rx.fds[0], &peeked, MSG_DONTWAIT | MSG_PEEK), 1);
	CT_EQ(c, peeked.nfds, 1); /* p[2][1], still in p[1][1]'s queue */
	CT_EQ(c, send_fd(c, p[0][0], "c", 1, rx.fds[0]), 1); /* back into the ring */
}

/* Without a cycle nothing waits for the collector: closing the last
 * socket of a chain releases every socket in flight inside it at once. */
static void scm_gc_chain_released_at_close(struct ct_ctx *c)
{
	int p[5][2];

	for (int i = 0; i < 5; i++)
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p[i]), 0);
	/* p[i+1][1] travels inside p[i][1]'s queue, then p[4][0] inside
	 * p[3][1]'s; p[4][1] stays with us. */
	for (int i = 0; i < 3; i++)
		CT_EQ(c, send_fd(c, p[i][0], "c", 1, p[i + 1][1]), 1);
	CT_EQ(c, send_fd(c, p[3][0], "c", 1, p[4][0]), 1);
	for (int i = 1; i < 4; i++) {
		close_untracked(c, p[i][0]);
		close_untracked(c, p[i][1]);
	}
	close_untracked(c, p[4][0]);
	CT_TRUE(c, idle(c, p[4][1])); /* p[4][0] still alive, in flight */
	close_untracked(c, p[0][1]);
	CT_TRUE(c, at_eof(c, p[4][1]));
}

/* A socket carrying a descriptor in its own queue, passed on: the
 * receiver gets the socket, then the descriptor from it. */
static void scm_rights_nested(struct ct_ctx *c)
{
	int a[2], b[2], x[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, a), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, b), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, x), 0);
	CT_EQ(c, send_fd(c, a[0], "x", 1, x[0]), 1); /* x[0] in a[1]'s queue */
	CT_EQ(c, send_fd(c, b[0], "a", 1, a[1]), 1); /* a[1] in b[1]'s queue */
	close_untracked(c, a[1]);
	close_untracked(c, x[0]);
	CT_EQ(c, recv_all(c, b[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, recv_all(c, rx.fds[0], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_TRUE(c, linked(c, rx.fds[0], x[1]));
}

/* A listener's embryo (a connection not yet accepted) holding the
 * listener itself: a cycle through the accept queue. */
static void scm_gc_embryo_holds_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;

	for (int t = 0; t < 3; t += 2) {
		CT_OK(c, l, mk_listener(c, unix_types[t], &a, &al));
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_EQ(c, send_fd(c, (int)cl, "L", 1, (int)l), 1);
		close_untracked(c, (int)l);
		close_untracked(c, (int)cl);
	}
}

/* Descriptors in an embryo's queue, no cycle: closing the listener frees
 * the embryo and releases them at once. */
static void scm_gc_embryo_released_at_close(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl;
	int p[2];

	CT_OK(c, l, mk_listener(c, SOCK_STREAM, &a, &al));
	CT_OK(c, cl, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_EQ(c, send_fd(c, (int)cl, "p", 1, p[0]), 1);
	close_untracked(c, p[0]);
	CT_TRUE(c, idle(c, p[1]));
	close_untracked(c, (int)l);
	CT_TRUE(c, at_eof(c, p[1]));
}

/* A cycle that is received before the sockets are closed is no garbage:
 * a[1] lives only in b[1]'s queue, b[1] also in a[1]'s; receiving both
 * back empties the queues and the sockets work. */
static void scm_gc_cycle_broken_by_receive(struct ct_ctx *c)
{
	struct rx ra, rb;
	int a[2], b[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, a), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, b), 0);
	CT_EQ(c, send_fd(c, b[0], "a", 1, a[1]), 1); /* a[1] in b[1]'s queue */
	CT_EQ(c, send_fd(c, a[0], "b", 1, b[1]), 1); /* b[1] in a[1]'s queue */
	close_untracked(c, a[1]);
	CT_EQ(c, recv_all(c, b[1], &ra, MSG_DONTWAIT), 1);
	CT_EQ(c, ra.nfds, 1);
	CT_EQ(c, recv_all(c, ra.fds[0], &rb, MSG_DONTWAIT), 1);
	CT_EQ(c, rb.nfds, 1);
	CT_TRUE(c, linked(c, a[0], ra.fds[0]));
	CT_TRUE(c, linked(c, b[0], rb.fds[0]));
	CT_TRUE(c, linked(c, b[0], b[1]));
}

/* Many cycles at once, each a pair holding both its own ends. */
static void scm_gc_many_cycles(struct ct_ctx *c)
{
	int sv[2];

	for (int i = 0; i < 50; i++) {
		CT_EQ(c, ct_pair(c, i % 2 ? SOCK_DGRAM : SOCK_STREAM, sv), 0);
		CT_EQ(c, send_fd(c, sv[0], "x", 1, sv[0]), 1);
		CT_EQ(c, send_fd(c, sv[1], "y", 1, sv[1]), 1);
		close_untracked(c, sv[0]);
		close_untracked(c, sv[1]);
	}
}

/* ---- across processes ---- */

/* In another process: receive a descriptor on fd and write "hi" on it. */
static long as_recv_and_write(const struct ct_backend *b, int fd, void *arg)
{
	struct rx rx;
	long r;

	(void)arg;
	r = b_recv_ctl(b, fd, &rx, sizeof(rx.data), sizeof(union ctl), MSG_DONTWAIT);
	if (r < 0)
		return r;
	if (rx.nfds != 1)
		return -1000 - rx.nfds;
	r = b->sendto(rx.fds[0], "hi", 2, 0, NULL, 0);
	b->close(rx.fds[0]);
	b->close(fd);
	return r;
}

static void scm_rights_to_other_process(struct ct_ctx *c)
{
	int sv[2], p[2];
	char buf[4];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, send_fd(c, sv[0], "f", 1, p[0]), 1);
	close_untracked(c, p[0]);
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[1], as_recv_and_write, NULL), 2);
	CT_EQ(c, ct_rcv(c, p[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
	CT_TRUE(c, memcmp(buf, "hi", 2) == 0);
	CT_TRUE(c, at_eof(c, p[1])); /* the other process's copy is gone */
}

/* In another process: make a pair, send one end over fd, write on the
 * other and close everything. */
static long as_send_pair_end(const struct ct_backend *b, int fd, void *arg)
{
	int p[2];
	long r;

	(void)arg;
	r = b->socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	if (r < 0)
		return r;
	r = b_send_fds(b, fd, "e", 1, &p[0], 1, 0);
	if (r == 1)
		r = b->sendto(p[1], "from", 4, 0, NULL, 0);
	b->close(p[0]);
	b->close(p[1]);
	b->close(fd);
	return r;
}

static void scm_rights_from_other_process(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];
	char buf[8];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_send_pair_end, NULL), 4);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, ct_rcv(c, rx.fds[0], buf, sizeof(buf), MSG_DONTWAIT), 4);
	CT_TRUE(c, memcmp(buf, "from", 4) == 0);
	CT_TRUE(c, at_eof(c, rx.fds[0]));
}

/* In a process whose descriptor table is full but for one slot: receive
 * three descriptors. Returns bytes * 1000 + descriptors installed * 10 +
 * (MSG_CTRUNC set). */
static long as_recv_emfile(const struct ct_backend *b, int fd, void *arg)
{
	int filler[512], nf = 0;
	struct rx rx;
	long r;

	(void)arg;
	while (nf < 512 && (r = b->socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0)
		filler[nf++] = (int)r;
	if (r != -EMFILE || nf == 0) {
		r = -3000;
	} else {
		b->close(filler[--nf]);
		r = b_recv_ctl(b, fd, &rx, sizeof(rx.data), sizeof(union ctl), MSG_DONTWAIT);
		if (r >= 0)
			r = r * 1000 + rx.nfds * 10 + ((rx.flags & MSG_CTRUNC) != 0);
		for (int i = 0; i < rx.nfds; i++)
			b->close(rx.fds[i]);
	}
	while (nf > 0)
		b->close(filler[--nf]);
	return r;
}

/* The receiver runs out of descriptors: the ones that fit are installed,
 * MSG_CTRUNC is set, the rest are closed, and recvmsg still returns the
 * data (no EMFILE). */
static void scm_rights_emfile(struct ct_ctx *c)
{
	struct rlimit old, low;
	int sv[2], p[3][2], fds[3];
	long r;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (int i = 0; i < 3; i++) {
		CT_EQ(c, ct_pair(c, SOCK_STREAM, p[i]), 0);
		fds[i] = p[i][0];
	}
	CT_EQ(c, send_fds(c, sv[0], "e", 1, fds, 3), 1);
	for (int i = 0; i < 3; i++)
		close_untracked(c, p[i][0]);
	CT_EQ(c, getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 256;
	CT_EQ(c, setrlimit(RLIMIT_NOFILE, &low), 0);
	/* The other process gets the lowered limit (and, on Linux, our
	 * descriptors besides the one passed). */
	r = c->b->run_as_fd(NOBODY, NOBODY, sv[1], as_recv_emfile, NULL);
	CT_EQ(c, setrlimit(RLIMIT_NOFILE, &old), 0);
	CT_EQ(c, r, 1 * 1000 + 1 * 10 + 1);
	for (int i = 0; i < 3; i++)
		CT_TRUE(c, at_eof(c, p[i][1]));
}

/* An epoll descriptor can be passed too: the receiver's copy is the same
 * set. */
static void scm_rights_epoll_fd(struct ct_ctx *c)
{
	struct epoll_event ev;
	struct rx rx;
	int sv[2], d[2];
	long ep;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, d), 0);
	CT_OK(c, ep, ct_fd(c, c->b->epoll_create1(0)));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = 42;
	CT_EQ(c, c->b->epoll_ctl((int)ep, EPOLL_CTL_ADD, d[1], &ev), 0);
	CT_EQ(c, send_fd(c, sv[0], "e", 1, (int)ep), 1);
	close_untracked(c, (int)ep);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.nfds, 1);
	CT_EQ(c, ct_snd(c, d[0], "x", 1, 0), 1);
	memset(&ev, 0, sizeof(ev));
	CT_EQ(c, c->b->epoll_wait(rx.fds[0], &ev, 1, 0), 1);
	CT_TRUE(c, ev.data.u64 == 42);
}

/* ---- SCM_CREDENTIALS and SO_PASSCRED ---- */

static long passcred(struct ct_ctx *c, int fd, int on)
{
	return c->b->setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
}

static int is_own_cred(const struct ucred *u)
{
	return u->pid == getpid() && u->uid == getuid() && u->gid == getgid();
}

/* With SO_PASSCRED on the receiver every message carries the sender's
 * credentials, on every type. */
static void scm_creds_receiver_passcred(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_TRUE(c, is_own_cred(&rx.cred));
		CT_EQ(c, rx.controllen, CMSG_SPACE(sizeof(struct ucred)));
	}
}

/* Only the sender set SO_PASSCRED: nothing arrives. */
static void scm_creds_sender_only(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[0], 1), 0);
		CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 0);
		CT_EQ(c, rx.controllen, 0);
	}
}

/* Neither: no control message. */
static void scm_creds_neither(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 0);
		CT_EQ(c, rx.flags, 0);
	}
}

/* SO_PASSCRED set on the receiver after the data was queued: the
 * messages were not stamped, so the credentials read are "none": pid 0,
 * uid and gid the overflow id (65534). */
static void scm_creds_set_after_send(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_EQ(c, rx.cred.pid, 0);
		CT_EQ(c, rx.cred.uid, 65534);
		CT_EQ(c, rx.cred.gid, 65534);
	}
}

/* The sender's SO_PASSCRED stamps what it sends: a receiver that turns
 * the option on later reads the real credentials. */
static void scm_creds_sender_stamps(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[0], 1), 0);
		CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_TRUE(c, is_own_cred(&rx.cred));
	}
}

/* A stream read does not merge unstamped data with stamped data. */
static void scm_creds_stream_no_merge_stamped(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "un", 2, 0), 2);
	CT_EQ(c, passcred(c, sv[1], 1), 0);
	CT_EQ(c, ct_snd(c, sv[0], "st", 2, 0), 2);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
	CT_EQ(c, rx.cred.pid, 0);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
	CT_TRUE(c, is_own_cred(&rx.cred));
}

/* A short control buffer: the credentials do not fit, MSG_CTRUNC, and
 * Linux writes as much as fits: a header whose cmsg_len is the buffer's
 * length, then the first bytes of the ucred. Shorter than a header:
 * nothing written. */
static void scm_creds_ctrunc(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, passcred(c, sv[1], 1), 0);
	CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, CMSG_LEN(sizeof(int)), MSG_DONTWAIT), 1);
	CT_EQ(c, rx.flags, MSG_CTRUNC);
	CT_EQ(c, rx.first, SCM_CREDENTIALS);
	CT_EQ(c, rx.first_len, CMSG_LEN(sizeof(int)));
	CT_EQ(c, rx.controllen, CMSG_LEN(sizeof(int)));
	CT_EQ(c, rx.cred.pid, getpid());
	CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, sizeof(struct cmsghdr) - 1, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.flags, MSG_CTRUNC);
	CT_EQ(c, rx.controllen, 0);
}

/* Credentials fill the buffer: the descriptors sent with them have no
 * room, are closed, MSG_CTRUNC. */
static void scm_creds_crowd_out_rights(struct ct_ctx *c)
{
	int sv[2], p[2];
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, p), 0);
	CT_EQ(c, passcred(c, sv[1], 1), 0);
	CT_EQ(c, send_fd(c, sv[0], "c", 1, p[0]), 1);
	close_untracked(c, p[0]);
	CT_EQ(c, recv_ctl(c, sv[1], &rx, CMSG_SPACE(sizeof(struct ucred)), MSG_DONTWAIT), 1);
	CT_EQ(c, rx.flags, MSG_CTRUNC);
	CT_EQ(c, rx.ncreds, 1);
	CT_EQ(c, rx.nfds, 0);
	CT_TRUE(c, at_eof(c, p[1]));
}

/* Sends data with an explicit SCM_CREDENTIALS message. */
static long b_send_creds(const struct ct_backend *b, int fd, int pid, unsigned uid,
			 unsigned gid, unsigned long cmsg_len)
{
	struct ucred u = { pid, uid, gid };
	struct iovec iov = { "k", 1 };
	struct cmsghdr *cm;
	struct msghdr m;
	union ctl ctl;

	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(u));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = cmsg_len;
	memcpy(CMSG_DATA(cm), &u, sizeof(u));
	return b->sendmsg(fd, &m, 0);
}

/* One's own credentials, sent explicitly: accepted and delivered. */
static void scm_creds_explicit_own(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		CT_EQ(c, b_send_creds(c->b, sv[0], getpid(), getuid(), getgid(),
				      CMSG_LEN(sizeof(struct ucred))),
		      1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_TRUE(c, is_own_cred(&rx.cred));
	}
}

/* SCM_CREDENTIALS of any other length: EINVAL. */
static void scm_creds_bad_len(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, b_send_creds(c->b, sv[0], getpid(), getuid(), getgid(),
			      CMSG_LEN(sizeof(struct ucred) - 4)),
	      -EINVAL);
	CT_EQ(c, b_send_creds(c->b, sv[0], getpid(), getuid(), getgid(),
			      CMSG_LEN(sizeof(struct ucred) + 4)),
	      -EINVAL);
}

/* Root (the suite's own process) may claim any uid and gid, and any pid
 * that exists (pid 1); a pid that does not exist is ESRCH; uid -1 is
 * EINVAL. */
static void scm_creds_root_claims(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	if (getuid() != 0)
		return; /* the checks below are root's */
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, passcred(c, sv[1], 1), 0);
	CT_EQ(c, b_send_creds(c->b, sv[0], getpid(), 123, 456, CMSG_LEN(sizeof(struct ucred))), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.cred.pid, getpid());
	CT_EQ(c, rx.cred.uid, 123);
	CT_EQ(c, rx.cred.gid, 456);
	CT_EQ(c, b_send_creds(c->b, sv[0], 1, 0, 0, CMSG_LEN(sizeof(struct ucred))), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.cred.pid, 1);
	CT_EQ(c, b_send_creds(c->b, sv[0], 0x3ffffff0, 0, 0, CMSG_LEN(sizeof(struct ucred))),
	      -ESRCH);
	CT_EQ(c, b_send_creds(c->b, sv[0], getpid(), (unsigned)-1, 0,
			      CMSG_LEN(sizeof(struct ucred))),
	      -EINVAL);
	CT_EQ(c, b_send_creds(c->b, sv[0], getpid(), 0, (unsigned)-1,
			      CMSG_LEN(sizeof(struct ucred))),
	      -EINVAL);
}

/* The pid of the calling process, read from a socketpair's SO_PEERCRED. */
static long b_own_pid(const struct ct_backend *b)
{
	struct ucred u;
	unsigned l = sizeof(u);
	int p[2];
	long r = b->socketpair(AF_UNIX, SOCK_STREAM, 0, p);

	if (r < 0)
		return r;
	r = b->getsockopt(p[0], SOL_SOCKET, SO_PEERCRED, &u, &l);
	b->close(p[0]);
	b->close(p[1]);
	return r < 0 ? r : u.pid;
}

/* In a process running as nobody: claims (encoded in arg) on fd. */
static long as_claim(const struct ct_backend *b, int fd, void *arg)
{
	long pid = b_own_pid(b);
	int which = *(int *)arg;

	if (pid < 0)
		return pid;
	switch (which) {
	case 0: /* own */
		return b_send_creds(b, fd, (int)pid, NOBODY, NOBODY, CMSG_LEN(sizeof(struct ucred)));
	case 1: /* another uid */
		return b_send_creds(b, fd, (int)pid, 0, NOBODY, CMSG_LEN(sizeof(struct ucred)));
	case 2: /* another gid */
		return b_send_creds(b, fd, (int)pid, NOBODY, 0, CMSG_LEN(sizeof(struct ucred)));
	default: /* another pid (ours, the suite's) */
		return b_send_creds(b, fd, which, NOBODY, NOBODY, CMSG_LEN(sizeof(struct ucred)));
	}
}

/* A process without privileges may claim only its own credentials:
 * anything else is EPERM. */
static void scm_creds_unprivileged_claims(struct ct_ctx *c)
{
	int sv[2], which;
	struct rx rx;

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, passcred(c, sv[1], 1), 0);
	which = 0;
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_claim, &which), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.ncreds, 1);
	CT_EQ(c, rx.cred.uid, NOBODY);
	CT_EQ(c, rx.cred.gid, NOBODY);
	CT_TRUE(c, rx.cred.pid > 0 && rx.cred.pid != getpid());
	which = 1;
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_claim, &which), -EPERM);
	which = 2;
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_claim, &which), -EPERM);
	which = getpid();
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_claim, &which), -EPERM);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), -EAGAIN);
}

/* Credentials and descriptors in one message: both delivered, the
 * credentials first. */
static void scm_creds_with_rights(struct ct_ctx *c)
{
	struct ucred u = { getpid(), getuid(), getgid() };
	struct iovec iov = { "b", 1 };
	struct cmsghdr *cm;
	struct msghdr m;
	struct rx rx;
	union ctl ctl;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		memset(&m, 0, sizeof(m));
		memset(&ctl, 0, sizeof(ctl));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(u));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
		cm = CMSG_NXTHDR(&m, cm);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(u));
		memcpy(CMSG_DATA(cm), &u, sizeof(u));
		CT_EQ(c, c->b->sendmsg(sv[0], &m, 0), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_EQ(c, rx.nfds, 1);
		CT_EQ(c, rx.first, SCM_CREDENTIALS);
		CT_TRUE(c, is_own_cred(&rx.cred));
		CT_EQ(c, rx.controllen, CMSG_SPACE(sizeof(u)) + CMSG_SPACE(sizeof(int)));
	}
}

/* In another process: send "n" on fd (a connected socket). */
static long as_send_n(const struct ct_backend *b, int fd, void *arg)
{
	(void)arg;
	return b->sendto(fd, "n", 1, 0, NULL, 0);
}

/* Credentials of a datagram from a process running as nobody. */
static void scm_creds_from_other_process(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_send_n, NULL), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_EQ(c, rx.cred.uid, NOBODY);
		CT_EQ(c, rx.cred.gid, NOBODY);
		CT_TRUE(c, rx.cred.pid > 0 && rx.cred.pid != getpid());
	}
}

/* With SO_PASSCRED on the receiver, a stream read never merges data from
 * writers with different credentials; writes of one writer still merge. */
static void scm_creds_stream_no_merge_writers(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, passcred(c, sv[1], 1), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_send_n, NULL), 1);
	CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 2);
	CT_TRUE(c, is_own_cred(&rx.cred));
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.data[0], 'n');
	CT_EQ(c, rx.cred.uid, NOBODY);
	CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
	CT_EQ(c, rx.data[0], 'b');
	CT_TRUE(c, is_own_cred(&rx.cred));
}

/* Without SO_PASSCRED they merge. */
static void scm_creds_stream_merge_without_passcred(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[0], as_send_n, NULL), 1);
	CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 3);
	CT_TRUE(c, memcmp(buf, "anb", 3) == 0);
}

/* Data sent to a connection not yet accepted is always stamped (the
 * embryo has no socket whose option could be checked); data sent after
 * accept, with the option off on both sides, is not. */
static void scm_creds_before_accept_stamped(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	struct rx rx;
	long l, cl, sv;

	for (int t = 0; t < 3; t += 2) {
		CT_OK(c, l, mk_listener(c, unix_types[t], &a, &al));
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_EQ(c, ct_snd(c, (int)cl, "pre", 3, 0), 3);
		CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
		CT_EQ(c, ct_snd(c, (int)cl, "post", 4, 0), 4);
		CT_EQ(c, passcred(c, (int)sv, 1), 0);
		CT_EQ(c, recv_all(c, (int)sv, &rx, MSG_DONTWAIT), 3);
		CT_EQ(c, rx.ncreds, 1);
		CT_TRUE(c, is_own_cred(&rx.cred));
		CT_EQ(c, recv_all(c, (int)sv, &rx, MSG_DONTWAIT), 4);
		CT_EQ(c, rx.ncreds, 1);
		CT_EQ(c, rx.cred.pid, 0);
		CT_EQ(c, rx.cred.uid, 65534);
	}
}

/* An accepted socket inherits SO_PASSCRED from its listener. */
static void scm_creds_accept_inherits_passcred(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al, l4 = sizeof(int);
	struct rx rx;
	long l, cl, sv;
	int v = -1;

	for (int t = 0; t < 3; t += 2) {
		CT_OK(c, l, mk_sock(c, unix_types[t]));
		al = ct_abstract(c, &a, "pc");
		CT_EQ(c, c->b->bind((int)l, &a, al), 0);
		CT_EQ(c, passcred(c, (int)l, 1), 0);
		CT_EQ(c, c->b->listen((int)l, 4), 0);
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
		l4 = sizeof(int);
		CT_EQ(c, c->b->getsockopt((int)sv, SOL_SOCKET, SO_PASSCRED, &v, &l4), 0);
		CT_EQ(c, v, 1);
		CT_EQ(c, ct_snd(c, (int)cl, "x", 1, 0), 1);
		CT_EQ(c, recv_all(c, (int)sv, &rx, MSG_DONTWAIT), 1);
		CT_TRUE(c, is_own_cred(&rx.cred));
	}
}

/* SO_PASSCRED on a datagram sender autobinds it when it sends (a
 * socketpair end too); a stream socketpair end is not bound by sending;
 * the receiver's option binds nobody. */
static void scm_creds_autobind(struct ct_ctx *c)
{
	struct sockaddr_un a, n;
	unsigned al = ct_abstract(c, &a, "r"), nl;
	char buf[4];
	long r, s;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, passcred(c, sv[0], 1), 0);
	nl = sizeof(n);
	CT_EQ(c, c->b->getsockname(sv[0], &n, &nl), 0);
	CT_EQ(c, nl, sizeof(sa_family_t));
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), 1);
	nl = sizeof(n);
	CT_EQ(c, c->b->getsockname(sv[0], &n, &nl), 0);
	CT_EQ(c, nl, sizeof(sa_family_t) + 6); /* "\0" and five hex digits */
	CT_EQ(c, n.sun_path[0], 0);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, passcred(c, sv[0], 1), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), 1);
	nl = sizeof(n);
	CT_EQ(c, c->b->getsockname(sv[0], &n, &nl), 0);
	CT_EQ(c, nl, sizeof(sa_family_t));
	CT_OK(c, r, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_EQ(c, passcred(c, (int)r, 1), 0);
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->sendto((int)s, "y", 1, 0, &a, al), 1);
	nl = sizeof(n);
	CT_EQ(c, c->b->getsockname((int)s, &n, &nl), 0);
	CT_EQ(c, nl, sizeof(sa_family_t));
	nl = sizeof(n);
	CT_EQ(c, c->b->recvfrom((int)r, buf, sizeof(buf), 0, &n, &nl), 1);
	CT_EQ(c, nl, 0);
}

/* A peek delivers the credentials too, and the receive again. */
static void scm_creds_peek(struct ct_ctx *c)
{
	struct rx rx;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, passcred(c, sv[1], 1), 0);
		CT_EQ(c, ct_snd(c, sv[0], "p", 1, 0), 1);
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT | MSG_PEEK), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_EQ(c, rx.controllen, CMSG_SPACE(sizeof(struct ucred)));
		CT_TRUE(c, is_own_cred(&rx.cred));
		CT_EQ(c, recv_all(c, sv[1], &rx, MSG_DONTWAIT), 1);
		CT_EQ(c, rx.ncreds, 1);
		CT_TRUE(c, is_own_cred(&rx.cred));
	}
}

/* ---- SO_PEERCRED across processes ---- */

static long peercred(const struct ct_backend *b, int fd, struct ucred *u)
{
	unsigned l = sizeof(*u);

	return b->getsockopt(fd, SOL_SOCKET, SO_PEERCRED, u, &l);
}

/* In another process: the peer credentials it sees on fd, as uid. */
static long as_peer_uid(const struct ct_backend *b, int fd, void *arg)
{
	struct ucred u;
	long r = peercred(b, fd, &u);

	(void)arg;
	return r < 0 ? r : (long)u.uid;
}

/* A socketpair's credentials are its creator's, fixed at socketpair():
 * the end handed to a process running as nobody still reports ours. */
static void scm_peercred_socketpair_fixed(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, sv[1], as_peer_uid, NULL), (long)getuid());
	}
}

struct conn_arg {
	struct sockaddr_un a;
	unsigned len;
};

/* In another process: connect fd (made by the caller) to arg's address. */
static long as_connect(const struct ct_backend *b, int fd, void *arg)
{
	struct conn_arg *x = arg;

	return b->connect(fd, &x->a, x->len);
}

/* The connecting process's credentials at connect() count, not those of
 * the process that created the socket. */
static void scm_peercred_connect_time(struct ct_ctx *c)
{
	struct conn_arg x;
	struct ucred u;
	long l, cl, s;

	for (int t = 0; t < 3; t += 2) {
		CT_OK(c, l, mk_listener(c, unix_types[t], &x.a, &x.len));
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, (int)cl, as_connect, &x), 0);
		CT_OK(c, s, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
		CT_EQ(c, peercred(c->b, (int)s, &u), 0);
		CT_EQ(c, u.uid, NOBODY);
		CT_EQ(c, u.gid, NOBODY);
		CT_TRUE(c, u.pid > 0 && u.pid != getpid());
		/* The client sees the listener's (ours). */
		CT_EQ(c, peercred(c->b, (int)cl, &u), 0);
		CT_EQ(c, u.uid, getuid());
		CT_EQ(c, u.pid, getpid());
	}
}

/* In another process: listen on fd. */
static long as_listen(const struct ct_backend *b, int fd, void *arg)
{
	(void)arg;
	return b->listen(fd, 4);
}

/* A listener's credentials are recorded by listen(): a socket we bound
 * but another process put in the listening state reports that process. */
static void scm_peercred_listen_time(struct ct_ctx *c)
{
	struct sockaddr_un a;
	struct ucred u;
	unsigned al = ct_abstract(c, &a, "lt");
	long l, cl;

	CT_OK(c, l, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->run_as_fd(NOBODY, NOBODY, (int)l, as_listen, NULL), 0);
	CT_OK(c, cl, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_EQ(c, peercred(c->b, (int)cl, &u), 0);
	CT_EQ(c, u.uid, NOBODY);
	CT_EQ(c, u.gid, NOBODY);
}

const struct ct_case ct_cases_scm[] = {
	{ "scm_rights_one_each_type", scm_rights_one_each_type },
	{ "scm_rights_several", scm_rights_several },
	{ "scm_rights_max_253", scm_rights_max_253 },
	{ "scm_rights_254_einval", scm_rights_254_einval },
	{ "scm_rights_two_cmsgs", scm_rights_two_cmsgs },
	{ "scm_rights_two_cmsgs_over_max", scm_rights_two_cmsgs_over_max },
	{ "scm_rights_ebadf", scm_rights_ebadf },
	{ "scm_rights_same_open_file", scm_rights_same_open_file },
	{ "scm_rights_regular_file", scm_rights_regular_file },
	{ "scm_rights_listener", scm_rights_listener },
	{ "scm_rights_self", scm_rights_self },
	{ "scm_rights_send_fails_drops_refs", scm_rights_send_fails_drops_refs },
	{ "scm_rights_dgram_full_drops_refs", scm_rights_dgram_full_drops_refs },
	{ "scm_rights_dgram_sendto", scm_rights_dgram_sendto },
	{ "scm_rights_receiver_closed", scm_rights_receiver_closed },
	{ "scm_rights_ctrunc_closes_rest", scm_rights_ctrunc_closes_rest },
	{ "scm_rights_ctrunc_padding_used", scm_rights_ctrunc_padding_used },
	{ "scm_rights_ctrunc_no_buffer", scm_rights_ctrunc_no_buffer },
	{ "scm_rights_ctrunc_tiny_buffer", scm_rights_ctrunc_tiny_buffer },
	{ "scm_rights_ctrunc_header_only", scm_rights_ctrunc_header_only },
	{ "scm_rights_controllen_reported", scm_rights_controllen_reported },
	{ "scm_rights_cmsg_cloexec", scm_rights_cmsg_cloexec },
	{ "scm_rights_dgram_per_message", scm_rights_dgram_per_message },
	{ "scm_rights_dgram_truncated_data", scm_rights_dgram_truncated_data },
	{ "scm_rights_stream_merge_before", scm_rights_stream_merge_before },
	{ "scm_rights_stream_no_merge_two", scm_rights_stream_no_merge_two },
	{ "scm_rights_stream_partial_read", scm_rights_stream_partial_read },
	{ "scm_rights_stream_read_discards", scm_rights_stream_read_discards },
	{ "scm_rights_stream_waitall_stops", scm_rights_stream_waitall_stops },
	{ "scm_rights_peek_installs", scm_rights_peek_installs },
	{ "scm_rights_peek_stream_stops", scm_rights_peek_stream_stops },
	{ "scm_cmsg_bad_len", scm_cmsg_bad_len },
	{ "scm_cmsg_other_level_ignored", scm_cmsg_other_level_ignored },
	{ "scm_cmsg_unknown_type", scm_cmsg_unknown_type },
	{ "scm_rights_empty_and_odd_len", scm_rights_empty_and_odd_len },
	{ "scm_cmsg_controllen_short", scm_cmsg_controllen_short },
	{ "scm_gc_self_cycle", scm_gc_self_cycle },
	{ "scm_gc_cross_cycle", scm_gc_cross_cycle },
	{ "scm_gc_long_chain", scm_gc_long_chain },
	{ "scm_gc_chain_released_at_close", scm_gc_chain_released_at_close },
	{ "scm_rights_nested", scm_rights_nested },
	{ "scm_gc_embryo_holds_listener", scm_gc_embryo_holds_listener },
	{ "scm_gc_embryo_released_at_close", scm_gc_embryo_released_at_close },
	{ "scm_gc_cycle_broken_by_receive", scm_gc_cycle_broken_by_receive },
	{ "scm_gc_many_cycles", scm_gc_many_cycles },
	{ "scm_rights_to_other_process", scm_rights_to_other_process },
	{ "scm_rights_from_other_process", scm_rights_from_other_process },
	{ "scm_rights_emfile", scm_rights_emfile },
	{ "scm_rights_epoll_fd", scm_rights_epoll_fd },
	{ "scm_creds_receiver_passcred", scm_creds_receiver_passcred },
	{ "scm_creds_sender_only", scm_creds_sender_only },
	{ "scm_creds_neither", scm_creds_neither },
	{ "scm_creds_set_after_send", scm_creds_set_after_send },
	{ "scm_creds_sender_stamps", scm_creds_sender_stamps },
	{ "scm_creds_stream_no_merge_stamped", scm_creds_stream_no_merge_stamped },
	{ "scm_creds_ctrunc", scm_creds_ctrunc },
	{ "scm_creds_crowd_out_rights", scm_creds_crowd_out_rights },
	{ "scm_creds_explicit_own", scm_creds_explicit_own },
	{ "scm_creds_bad_len", scm_creds_bad_len },
	{ "scm_creds_root_claims", scm_creds_root_claims },
	{ "scm_creds_unprivileged_claims", scm_creds_unprivileged_claims },
	{ "scm_creds_with_rights", scm_creds_with_rights },
	{ "scm_creds_from_other_process", scm_creds_from_other_process },
	{ "scm_creds_stream_no_merge_writers", scm_creds_stream_no_merge_writers },
	{ "scm_creds_stream_merge_without_passcred", scm_creds_stream_merge_without_passcred },
	{ "scm_creds_before_accept_stamped", scm_creds_before_accept_stamped },
	{ "scm_creds_accept_inherits_passcred", scm_creds_accept_inherits_passcred },
	{ "scm_creds_autobind", scm_creds_autobind },
	{ "scm_creds_peek", scm_creds_peek },
	{ "scm_peercred_socketpair_fixed", scm_peercred_socketpair_fixed },
	{ "scm_peercred_connect_time", scm_peercred_connect_time },
	{ "scm_peercred_listen_time", scm_peercred_listen_time },
	{ 0 },
};

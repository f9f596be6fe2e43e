/*
 * cases_poll.c - poll() readiness of AF_UNIX sockets, compared as the
 * whole revents value, and poll()'s own argument handling.
 *
 * Most cases ask for every event (ALL) so that the full mask Linux reports
 * is checked, not just the bits a program usually tests. Every expectation
 * here is what Linux does (checked against Linux's own sockets); where it
 * is not obvious a comment says so.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#define ALL                                                                             \
	(POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | POLLRDBAND | POLLWRNORM | \
	 POLLWRBAND | POLLMSG)
#define OUT (POLLOUT | POLLWRNORM | POLLWRBAND)
#define IN (POLLIN | POLLRDNORM)
#define RDHUP (POLLIN | POLLRDNORM | POLLRDHUP)

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static long mk_sock(struct ct_ctx *c, int type)
{
	return ct_fd(c, c->b->socket(AF_UNIX, type, 0));
}

/* revents of fd polled once for events without waiting, or -1000 - errno
 * if poll fails, or -999 if poll's count disagrees with revents. */
static long pollr(struct ct_ctx *c, int fd, short events)
{
	struct pollfd p = { fd, events, 0x5a5a };
	long r = c->b->poll(&p, 1, 0);

	if (r < 0)
		return -1000 + r;
	if (r != (p.revents != 0))
		return -999;
	return p.revents;
}

/* ---- unconnected sockets, listeners ---- */

/* An unconnected stream or seqpacket socket is writable and hung up. */
static void poll_fresh_connection_types(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, pollr(c, (int)fd, ALL), OUT | POLLHUP);
	CT_OK(c, fd, mk_sock(c, SOCK_SEQPACKET));
	CT_EQ(c, pollr(c, (int)fd, ALL), OUT | POLLHUP);
	CT_EQ(c, pollr(c, (int)fd, POLLIN), POLLHUP); /* HUP is always reported */
}

static void poll_fresh_dgram(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, pollr(c, (int)fd, ALL), OUT);
	CT_EQ(c, pollr(c, (int)fd, POLLIN), 0);
}

/* A bound (not listening) stream socket is still unconnected. */
static void poll_bound_stream(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "b");
	long fd;

	CT_OK(c, fd, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
	CT_EQ(c, pollr(c, (int)fd, ALL), OUT | POLLHUP);
}

/* A listener is not writable; it is readable while a connection waits. */
static void poll_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long l, cl, sv;

	for (int t = 0; t < 3; t += 2) {
		al = ct_abstract(c, &a, "l");
		CT_OK(c, l, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->bind((int)l, &a, al), 0);
		CT_EQ(c, c->b->listen((int)l, 4), 0);
		CT_EQ(c, pollr(c, (int)l, ALL), 0);
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_EQ(c, pollr(c, (int)l, ALL), IN);
		/* The client is connected (and writable) before the accept. */
		CT_EQ(c, pollr(c, (int)cl, ALL), OUT);
		CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
		CT_EQ(c, pollr(c, (int)l, ALL), 0);
		CT_EQ(c, pollr(c, (int)sv, ALL), OUT);
	}
}

/* ---- connected pairs ---- */

static void poll_pair_idle(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, pollr(c, sv[0], ALL), OUT);
		CT_EQ(c, pollr(c, sv[1], ALL), OUT);
		CT_EQ(c, pollr(c, sv[0], POLLIN), 0);
	}
}

static void poll_pair_data(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->write(sv[0], "abc", 3), 3);
		CT_EQ(c, pollr(c, sv[1], ALL), IN | OUT);
		CT_EQ(c, pollr(c, sv[1], POLLIN), POLLIN);
		CT_EQ(c, pollr(c, sv[1], POLLRDNORM), POLLRDNORM);
		CT_EQ(c, pollr(c, sv[0], ALL), OUT);
		CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 3);
		CT_EQ(c, pollr(c, sv[1], ALL), OUT);
	}
}

/* An empty datagram still makes the receiver readable. */
static void poll_dgram_empty_datagram(struct ct_ctx *c)
{
	char ch;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], &ch, 0), 0);
	CT_EQ(c, pollr(c, sv[1], ALL), IN | OUT);
}

/* Linux's AF_UNIX poll ignores SO_RCVLOWAT: one byte is readable. */
static void poll_rcvlowat_ignored(struct ct_ctx *c)
{
	int sv[2], lowat = 100;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)), 0);
	CT_EQ(c, c->b->write(sv[0], "a", 1), 1);
	CT_EQ(c, pollr(c, sv[1], ALL), IN | OUT);
}

/* Out-of-band data on a stream shows as POLLPRI. */
static void poll_stream_oob(struct ct_ctx *c)
{
	char ch;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->sendto(sv[0], "o", 1, MSG_OOB, NULL, 0), 1);
	CT_EQ(c, pollr(c, sv[1], ALL), IN | POLLPRI | OUT);
	CT_EQ(c, pollr(c, sv[1], POLLPRI), POLLPRI);
	CT_EQ(c, c->b->recvfrom(sv[1], &ch, 1, MSG_OOB, NULL, NULL), 1);
	CT_EQ(c, ch, 'o');
	/* (What POLLIN says afterwards is a Linux artifact: the emptied
	 * buffer stays queued. Not checked.) */
	CT_EQ(c, pollr(c, sv[1], POLLPRI), 0);
}

/* ---- shutdown and close ---- */

/* The peer's SHUT_WR: readable (EOF) with POLLRDHUP, still writable. */
static void poll_peer_shut_wr(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t += 2) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
		CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT);
		CT_EQ(c, pollr(c, sv[1], POLLIN | POLLOUT), POLLIN | POLLOUT);
		/* The side that shut down writing still reports POLLOUT. */
		CT_EQ(c, pollr(c, sv[0], ALL), OUT);
	}
}

/* The peer's SHUT_RD: our side no longer... still looks writable. */
static void poll_peer_shut_rd(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t += 2) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
		CT_EQ(c, pollr(c, sv[1], ALL), OUT);
		CT_EQ(c, pollr(c, sv[0], ALL), RDHUP | OUT);
	}
}

/* Both directions shut: POLLHUP on both sides. */
static void poll_shut_rdwr(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t += 2) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->shutdown(sv[0], SHUT_RDWR), 0);
		CT_EQ(c, pollr(c, sv[0], ALL), RDHUP | OUT | POLLHUP);
		CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT | POLLHUP);
	}
}

/* A datagram socket's shutdown is its own. */
static void poll_dgram_shutdown(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
	CT_EQ(c, pollr(c, sv[0], ALL), RDHUP | OUT);
	CT_EQ(c, pollr(c, sv[1], ALL), OUT);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, pollr(c, sv[0], ALL), RDHUP | OUT | POLLHUP);
}

/* The peer closed: EOF, POLLRDHUP and POLLHUP (and still POLLOUT). */
static void poll_peer_closed(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t += 2) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		ct_untrack(c, sv[0]);
		CT_EQ(c, c->b->close(sv[0]), 0);
		CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT | POLLHUP);
		CT_EQ(c, pollr(c, sv[1], 0), POLLHUP); /* reported even unasked */
		CT_EQ(c, pollr(c, sv[1], POLLIN), POLLIN | POLLHUP);
	}
}

/* The peer closed with our data unread in its queue: POLLERR too (a
 * pending ECONNRESET), until the error is collected. */
static void poll_peer_closed_unread(struct ct_ctx *c)
{
	int sv[2], err;
	unsigned el = sizeof(err);

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[1], "x", 1), 1);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->close(sv[0]), 0);
	CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT | POLLHUP | POLLERR);
	CT_EQ(c, pollr(c, sv[1], 0), POLLHUP | POLLERR);
	CT_EQ(c, c->b->getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, ECONNRESET);
	CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT | POLLHUP);
}

/* A datagram peer's close leaves the socket merely writable. */
static void poll_dgram_peer_closed(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->close(sv[0]), 0);
	CT_EQ(c, pollr(c, sv[1], ALL), OUT);
}

/* Data still queued after the peer's close stays readable. */
static void poll_peer_closed_with_data(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[0], "ab", 2), 2);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->close(sv[0]), 0);
	CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT | POLLHUP);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 2);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 0);
	CT_EQ(c, pollr(c, sv[1], ALL), RDHUP | OUT | POLLHUP);
}

/* ---- full buffers ---- */

/* A stream writer whose buffer is full loses POLLOUT until the reader
 * drains it. */
static void poll_stream_full(struct ct_ctx *c)
{
	static char buf[65536];
	int sv[2], n = 0;
	long r;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	while ((r = c->b->sendto(sv[0], buf, sizeof(buf), MSG_DONTWAIT, NULL, 0)) > 0 &&
	       n++ < 10000)
		;
	CT_EQ(c, r, -EAGAIN);
	CT_EQ(c, pollr(c, sv[0], ALL), 0);
	CT_EQ(c, pollr(c, sv[1], ALL), IN | OUT);
	while (c->b->recvfrom(sv[1], buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL) > 0)
		;
	CT_EQ(c, pollr(c, sv[0], ALL), OUT);
}

/* A connected datagram sender whose receiver's queue is full
 * (net.unix.max_dgram_qlen) is not writable. */
static void poll_dgram_receiver_full(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "q");
	char buf[16];
	long rx, tx, r;
	int n = 0;

	CT_OK(c, rx, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)rx, &a, al), 0);
	CT_OK(c, tx, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->connect((int)tx, &a, al), 0);
	CT_EQ(c, pollr(c, (int)tx, ALL), OUT);
	while ((r = c->b->sendto((int)tx, "d", 1, MSG_DONTWAIT, NULL, 0)) == 1 && n++ < 100000)
		;
	CT_EQ(c, r, -EAGAIN);
	CT_EQ(c, pollr(c, (int)tx, ALL), 0);
	CT_EQ(c, pollr(c, (int)rx, ALL), IN | OUT);
	CT_EQ(c, c->b->read((int)rx, buf, sizeof(buf)), 1);
	CT_EQ(c, pollr(c, (int)tx, ALL), OUT);
}

/* ---- poll()'s own arguments ---- */

static void poll_nval_closed_fd(struct ct_ctx *c)
{
	struct pollfd p[2];
	long fd;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_OK(c, fd, c->b->socket(AF_UNIX, SOCK_STREAM, 0));
	CT_EQ(c, c->b->close((int)fd), 0);
	CT_EQ(c, pollr(c, (int)fd, ALL), POLLNVAL);
	CT_EQ(c, pollr(c, (int)fd, 0), POLLNVAL);
	CT_EQ(c, pollr(c, INT_MAX, POLLIN), POLLNVAL);
	/* Counted with the others, and it makes poll return at once. */
	p[0].fd = sv[0];
	p[0].events = POLLIN;
	p[1].fd = (int)fd;
	p[1].events = POLLIN;
	CT_EQ(c, c->b->poll(p, 2, 10000), 1);
	CT_EQ(c, p[0].revents, 0);
	CT_EQ(c, p[1].revents, POLLNVAL);
}

/* A negative fd is skipped: revents 0. */
static void poll_negative_fd_ignored(struct ct_ctx *c)
{
	struct pollfd p[3] = { { -1, POLLIN, 0x55 }, { -5, ALL, 0x55 }, { 0, 0, 0 } };
	int sv[2];

	CT_EQ(c, c->b->poll(p, 2, 0), 0);
	CT_EQ(c, p[0].revents, 0);
	CT_EQ(c, p[1].revents, 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	p[0].revents = p[1].revents = 0x55;
	p[2].fd = sv[0];
	p[2].events = POLLOUT;
	CT_EQ(c, c->b->poll(p, 3, 0), 1);
	CT_EQ(c, p[0].revents, 0);
	CT_EQ(c, p[2].revents, POLLOUT);
}

/* The same fd twice: each entry answers for its own events. */
static void poll_same_fd_twice(struct ct_ctx *c)
{
	struct pollfd p[2];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->write(sv[1], "x", 1), 1);
	p[0].fd = p[1].fd = sv[0];
	p[0].events = POLLIN;
	p[1].events = POLLOUT;
	CT_EQ(c, c->b->poll(p, 2, 0), 2);
	CT_EQ(c, p[0].revents, POLLIN);
	CT_EQ(c, p[1].revents, POLLOUT);
}

/* Nothing ready: timeout 0 and a short timeout both return 0. */
static void poll_timeout_expires(struct ct_ctx *c)
{
	struct pollfd p;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		p.fd = sv[0];
		p.events = POLLIN;
		p.revents = 0x55;
		CT_EQ(c, c->b->poll(&p, 1, 0), 0);
		CT_EQ(c, p.revents, 0);
		CT_EQ(c, c->b->poll(&p, 1, 20), 0);
		CT_EQ(c, p.revents, 0);
	}
}

static void poll_nfds_zero(struct ct_ctx *c)
{
	CT_EQ(c, c->b->poll(NULL, 0, 0), 0);
	CT_EQ(c, c->b->poll(NULL, 0, 10), 0);
	/* The array's range is checked even when empty: a pointer outside
	 * user space is EFAULT. */
	CT_EQ(c, c->b->poll((void *)-1, 0, 0), -EFAULT);
}

static void poll_efault(struct ct_ctx *c)
{
	CT_EQ(c, c->b->poll(NULL, 1, 0), -EFAULT);
	CT_EQ(c, c->b->poll((void *)-1, 1, 0), -EFAULT);
	CT_EQ(c, c->b->poll((void *)-1, 2, 10), -EFAULT);
}

static void poll_nfds_over_rlimit(struct ct_ctx *c)
{
	struct rlimit rl;
	struct pollfd p;

	CT_EQ(c, getrlimit(RLIMIT_NOFILE, &rl), 0);
	p.fd = -1;
	p.events = 0;
	CT_EQ(c, c->b->poll(&p, (unsigned long)rl.rlim_cur + 1, 0), -EINVAL);
	CT_EQ(c, c->b->poll(&p, ~0ul, 0), -EINVAL);
}

/* A file that is not a socket: the default mask of regular files. */
static void poll_regular_file(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->open_file()));
	CT_EQ(c, pollr(c, (int)fd, ALL), POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

const struct ct_case ct_cases_poll[] = {
	{ "poll_fresh_connection_types", poll_fresh_connection_types },
	{ "poll_fresh_dgram", poll_fresh_dgram },
	{ "poll_bound_stream", poll_bound_stream },
	{ "poll_listener", poll_listener },
	{ "poll_pair_idle", poll_pair_idle },
	{ "poll_pair_data", poll_pair_data },
	{ "poll_dgram_empty_datagram", poll_dgram_empty_datagram },
	{ "poll_rcvlowat_ignored", poll_rcvlowat_ignored },
	{ "poll_stream_oob", poll_stream_oob },
	{ "poll_peer_shut_wr", poll_peer_shut_wr },
	{ "poll_peer_shut_rd", poll_peer_shut_rd },
	{ "poll_shut_rdwr", poll_shut_rdwr },
	{ "poll_dgram_shutdown", poll_dgram_shutdown },
	{ "poll_peer_closed", poll_peer_closed },
	{ "poll_peer_closed_unread", poll_peer_closed_unread },
	{ "poll_dgram_peer_closed", poll_dgram_peer_closed },
	{ "poll_peer_closed_with_data", poll_peer_closed_with_data },
	{ "poll_stream_full", poll_stream_full },
	{ "poll_dgram_receiver_full", poll_dgram_receiver_full },
	{ "poll_nval_closed_fd", poll_nval_closed_fd },
	{ "poll_negative_fd_ignored", poll_negative_fd_ignored },
	{ "poll_same_fd_twice", poll_same_fd_twice },
	{ "poll_timeout_expires", poll_timeout_expires },
	{ "poll_nfds_zero", poll_nfds_zero },
	{ "poll_efault", poll_efault },
	{ "poll_nfds_over_rlimit", poll_nfds_over_rlimit },
	{ "poll_regular_file", poll_regular_file },
	{ 0 },
};

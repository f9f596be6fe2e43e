/*
 * cases_tcp_data.c - AF_INET SOCK_STREAM (TCP) on loopback, the data
 * path: send/recv in all their forms, flags (MSG_PEEK, MSG_WAITALL,
 * MSG_DONTWAIT, MSG_TRUNC, MSG_OOB), bulk transfers checked byte for byte,
 * timeouts and blocking, shutdown, the close paths (FIN, RST, SO_LINGER,
 * TIME_WAIT), poll/epoll masks in each state, and the queue ioctls.
 *
 * Every expectation here is what Linux does (man 7 tcp, man 7 socket, and
 * Linux's own sockets in this very run); where it is not obvious a comment
 * says so. Connected pairs come from ct_tcp_pair (ct_tcp.h): both ends have
 * 2 s receive and send timeouts, so a missing byte fails instead of
 * hanging.
 *
 * Loopback timing. Linux hands a segment to the receiver in the softirq
 * that runs as the sending call ends, so data, FIN and RST have usually
 * arrived when send/shutdown/close returns; but a case never relies on
 * it: it waits for the event it expects with a bounded poll (ct_tcp_wait)
 * or for a queue length (wait_inq) before it checks.
 */
#include "ct_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* What a reset connection reports: readable, hung up, in error. */
#define RESET_EV (CT_IN_EV | POLLRDHUP | CT_OUT_EV | POLLHUP | POLLERR)
/* What a connection closed both ways reports (the same, error taken). */
#define CLOSED_EV (CT_IN_EV | POLLRDHUP | CT_OUT_EV | POLLHUP)

static long ioctl_int(struct ct_ctx *c, int fd, unsigned long req)
{
	int v = -12345;
	long r = c->b->ioctl(fd, req, &v);

	return r < 0 ? r : v;
}

/* Waits (bounded) until fd has at least n bytes queued to read; the count
 * queued then. */
static long wait_inq(struct ct_ctx *c, int fd, long n)
{
	struct timespec t0, ms = { 0, 1000000 };
	long q;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((q = ioctl_int(c, fd, FIONREAD)) >= 0 && q < n &&
	       ct_elapsed_ms(&t0) < CT_TCP_TIMEO_MS)
		nanosleep(&ms, NULL);
	return q;
}

/* Waits (bounded) until fd's SIOCOUTQ is 0 (everything acknowledged). */
static long wait_outq_empty(struct ct_ctx *c, int fd)
{
	struct timespec t0, ms = { 0, 1000000 };
	long q;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((q = ioctl_int(c, fd, SIOCOUTQ)) > 0 && ct_elapsed_ms(&t0) < CT_TCP_TIMEO_MS)
		nanosleep(&ms, NULL);
	return q;
}

static long set_linger(struct ct_ctx *c, int fd, int onoff, int secs)
{
	struct linger lg = { onoff, secs };

	return c->b->setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* Closes fd with SO_LINGER {1, 0}: an abortive close, a RST to the peer. */
static long close_reset(struct ct_ctx *c, int fd)
{
	long r = set_linger(c, fd, 1, 0);

	return r < 0 ? r : ct_tcp_close(c, fd);
}

/* Reads exactly n bytes (with the socket's timeout) and compares them with
 * want; 0 if equal. */
static long expect_bytes(struct ct_ctx *c, int fd, const char *want, unsigned long n)
{
	char buf[256];
	long r;

	if (n > sizeof(buf))
		return -1000;
	r = ct_tcp_read_full(c, fd, buf, n);
	if (r < 0)
		return r;
	return r == (long)n && memcmp(buf, want, n) == 0 ? 0 : -1001;
}

/* ---- send and receive ---- */

static void tcp_send_recv(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[16];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "hello", 5, 0), 5);
	CT_EQ(c, wait_inq(c, p.srv, 5), 5);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 5);
	CT_TRUE(c, memcmp(buf, "hello", 5) == 0);
	CT_EQ(c, ct_snd(c, p.srv, "world!", 6, 0), 6);
	CT_EQ(c, wait_inq(c, p.cli, 6), 6);
	CT_EQ(c, ct_rcv(c, p.cli, buf, sizeof(buf), 0), 6);
	CT_TRUE(c, memcmp(buf, "world!", 6) == 0);
}

static void tcp_write_read(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[16];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->write(p.srv, "abcdef", 6), 6);
	CT_EQ(c, wait_inq(c, p.cli, 6), 6);
	CT_EQ(c, c->b->read(p.cli, buf, 4), 4);
	CT_TRUE(c, memcmp(buf, "abcd", 4) == 0);
	CT_EQ(c, c->b->read(p.cli, buf, sizeof(buf)), 2);
	CT_TRUE(c, memcmp(buf, "ef", 2) == 0);
}

/* A stream keeps no boundaries: three sends are read by one recv. */
static void tcp_no_boundaries(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[16];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "ab", 2, 0), 2);
	CT_EQ(c, ct_snd(c, p.cli, "cd", 2, 0), 2);
	CT_EQ(c, ct_snd(c, p.cli, "ef", 2, 0), 2);
	CT_EQ(c, wait_inq(c, p.srv, 6), 6);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 6);
	CT_TRUE(c, memcmp(buf, "abcdef", 6) == 0);
}

/* sendmsg gathers, recvmsg scatters; a stream socket gives no source
 * address (msg_namelen comes back 0) and no flags. */
static void tcp_sendmsg_recvmsg(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char a[3] = "abc", b[2] = "de", d[4] = "fghi", x[4], y[8];
	struct iovec out[3] = { { a, 3 }, { b, 2 }, { d, 4 } }, in[2] = { { x, 4 }, { y, 8 } };
	struct sockaddr_in from;
	struct msghdr mh;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = out;
	mh.msg_iovlen = 3;
	CT_EQ(c, c->b->sendmsg(p.cli, &mh, 0), 9);
	CT_EQ(c, wait_inq(c, p.srv, 9), 9);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = in;
	mh.msg_iovlen = 2;
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_flags = -1;
	CT_EQ(c, c->b->recvmsg(p.srv, &mh, 0), 9);
	CT_EQ(c, mh.msg_namelen, 0);
	CT_EQ(c, mh.msg_flags, 0);
	CT_TRUE(c, memcmp(x, "abcd", 4) == 0 && memcmp(y, "efghi", 5) == 0);
}

static void tcp_readv_writev(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char a[2] = "12", b[5] = "34567", x[3], y[3], z[3];
	struct iovec out[2] = { { a, 2 }, { b, 5 } };
	struct iovec in[3] = { { x, 3 }, { y, 3 }, { z, 3 } };

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->writev(p.srv, out, 2), 7);
	CT_EQ(c, wait_inq(c, p.cli, 7), 7);
	CT_EQ(c, c->b->readv(p.cli, in, 3), 7);
	CT_TRUE(c, memcmp(x, "123", 3) == 0 && memcmp(y, "456", 3) == 0 && z[0] == '7');
}

/* recvfrom with an address buffer on a stream: the length comes back 0. */
static void tcp_recvfrom_no_address(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in from;
	unsigned len = sizeof(from);
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, 0), 1);
	memset(&from, 0x55, sizeof(from));
	CT_EQ(c, c->b->recvfrom(p.srv, buf, sizeof(buf), 0, &from, &len), 1);
	CT_EQ(c, len, 0);
}

/* sendto on a connected stream ignores the address given. */
static void tcp_sendto_ignores_address(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in other = ct_sin4(0xc0000201u, 9);

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->sendto(p.cli, "via", 3, 0, &other, sizeof(other)), 3);
	CT_EQ(c, expect_bytes(c, p.srv, "via", 3), 0);
}

/* Zero-length send on a connection: 0, and nothing reaches the peer. */
static void tcp_zero_length_send(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, buf, 0, 0), 0);
	CT_EQ(c, c->b->write(p.cli, buf, 0), 0);
	CT_EQ(c, ct_snd(c, p.cli, "m", 1, 0), 1);
	CT_EQ(c, wait_inq(c, p.srv, 1), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 1);
	CT_EQ(c, buf[0], 'm');
}

/* Zero-length recv: 0 at once when data waits (the data stays); with
 * MSG_DONTWAIT and no data EAGAIN; blocking with no data Linux waits for
 * data or the timeout, then returns 0 (not EAGAIN). */
static void tcp_zero_length_recv(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct timespec t0;
	char buf[4];
	long ms;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 0, MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_set_timeo(c, p.srv, SO_RCVTIMEO, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 0, 0), 0);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 80 && ms < 1500);
	CT_EQ(c, ct_snd(c, p.cli, "abc", 3, 0), 3);
	CT_EQ(c, wait_inq(c, p.srv, 3), 3);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 0, 0), 0);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 3);
}

/* recv on a socket that is not connected: ENOTCONN (fresh, bound,
 * listening). */
static void tcp_recv_unconnected(struct ct_ctx *c)
{
	struct sockaddr_in me;
	char buf[4];
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), 0), -ENOTCONN);
	CT_EQ(c, c->b->read((int)fd, buf, sizeof(buf)), -ENOTCONN);
	CT_EQ(c, ct_rcv(c, (int)fd, buf, 0, 0), -ENOTCONN);
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), MSG_DONTWAIT), -ENOTCONN);
	CT_OK(c, fd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), 0), -ENOTCONN);
}

/* send on a socket that is not connected: Linux says EPIPE (not
 * ENOTCONN) and raises SIGPIPE, also with an address and also on a
 * listener; MSG_NOSIGNAL keeps the signal back. */
static void tcp_send_unconnected(struct ct_ctx *c)
{
	struct sockaddr_in me, to;
	long fd, lfd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	(void)ct_take_sigpipe(); /* start clean */
	CT_EQ(c, ct_snd(c, (int)fd, "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, c->b->write((int)fd, "x", 1), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, ct_snd(c, (int)fd, "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
	/* No implicit connect: sendto's address does not help. */
	to = me;
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, MSG_NOSIGNAL, &to, sizeof(to)), -EPIPE);
	CT_EQ(c, ct_tcp_poll(c, (int)lfd, CT_ALL_EV, 0), 0);
	CT_EQ(c, ct_snd(c, (int)lfd, "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* A send from a bad buffer: EFAULT, nothing sent, the connection fine. */
static void tcp_send_efault(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->write(p.cli, NULL, 4), -EFAULT);
	CT_EQ(c, ct_snd(c, p.cli, (void *)-1, 4, 0), -EFAULT);
	CT_EQ(c, ct_snd(c, p.cli, "ok", 2, 0), 2);
	CT_EQ(c, expect_bytes(c, p.srv, "ok", 2), 0);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 0);
}

/* A receive into a bad buffer: EFAULT, and the data stays queued. */
static void tcp_recv_efault_keeps_data(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "hello", 5, 0), 5);
	CT_EQ(c, wait_inq(c, p.srv, 5), 5);
	CT_EQ(c, c->b->read(p.srv, NULL, 5), -EFAULT);
	CT_EQ(c, ct_rcv(c, p.srv, (void *)-1, 5, 0), -EFAULT);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 5);
	CT_EQ(c, expect_bytes(c, p.srv, "hello", 5), 0);
}

/* TCP takes no descriptors: an SCM_RIGHTS message is ignored (the send
 * succeeds, the receiver gets the bytes and no control data); an unknown
 * SOL_SOCKET control message is EINVAL. */
static void tcp_sendmsg_cmsg(struct ct_ctx *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb, rb;
	struct ct_tcp_conn p;
	struct iovec io = { "r", 1 };
	struct cmsghdr *cm;
	struct msghdr mh;
	char x[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	mh.msg_iov = &io;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	mh.msg_controllen = sizeof(cb.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p.cli, sizeof(int));
	CT_EQ(c, c->b->sendmsg(p.cli, &mh, 0), 1);
	cm->cmsg_type = 0x7777;
	CT_EQ(c, c->b->sendmsg(p.cli, &mh, 0), -EINVAL);
	CT_EQ(c, wait_inq(c, p.srv, 1), 1);
	memset(&mh, 0, sizeof(mh));
	io.iov_base = x;
	io.iov_len = sizeof(x);
	mh.msg_iov = &io;
	mh.msg_iovlen = 1;
	mh.msg_control = rb.buf;
	mh.msg_controllen = sizeof(rb.buf);
	CT_EQ(c, c->b->recvmsg(p.srv, &mh, 0), 1);
	CT_EQ(c, x[0], 'r');
	CT_EQ(c, mh.msg_controllen, 0);
	CT_EQ(c, mh.msg_flags, 0);
}

/* ---- receive flags ---- */

static void tcp_peek(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[16];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "peekaboo", 8, 0), 8);
	CT_EQ(c, wait_inq(c, p.srv, 8), 8);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 4, MSG_PEEK), 4);
	CT_TRUE(c, memcmp(buf, "peek", 4) == 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_PEEK), 8);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 8);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 8);
	CT_TRUE(c, memcmp(buf, "peekaboo", 8) == 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), -EAGAIN);
}

/* SO_PEEK_OFF works on TCP: peeks advance the offset, reads pull it
 * back. */
static void tcp_peek_off(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[16];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_PEEK_OFF), -1);
	CT_EQ(c, ct_tcp_setint(c, p.srv, SOL_SOCKET, SO_PEEK_OFF, 0), 0);
	CT_EQ(c, ct_snd(c, p.cli, "abcdef", 6, 0), 6);
	CT_EQ(c, wait_inq(c, p.srv, 6), 6);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 2, MSG_PEEK), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 2, MSG_PEEK), 2);
	CT_TRUE(c, memcmp(buf, "cd", 2) == 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_PEEK_OFF), 4);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 3, 0), 3);
	CT_TRUE(c, memcmp(buf, "abc", 3) == 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_PEEK_OFF), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_PEEK), 2);
	CT_TRUE(c, memcmp(buf, "ef", 2) == 0);
}

struct sender {
	struct ct_ctx *c;
	int fd;
	int tid;
	const int *wait_tid; /* sleep until this thread blocks, if set */
	const char *data;
	unsigned long len;
	long ret;
};

static void *sender_thread(void *arg)
{
	struct sender *s = arg;

	__atomic_store_n(&s->tid, (int)gettid(), __ATOMIC_RELEASE);
	if (s->wait_tid)
		ct_wait_sleeping(s->wait_tid);
	s->ret = ct_snd(s->c, s->fd, s->data, s->len, 0);
	return NULL;
}

struct receiver {
	struct ct_ctx *c;
	int fd, flags;
	int tid;
	char buf[64];
	unsigned long len;
	long ret;
};

static void *receiver_thread(void *arg)
{
	struct receiver *r = arg;

	__atomic_store_n(&r->tid, (int)gettid(), __ATOMIC_RELEASE);
	r->ret = ct_rcv(r->c, r->fd, r->buf, r->len, r->flags);
	return NULL;
}

static void start_receiver(struct receiver *r, struct ct_ctx *c, int fd, unsigned long len,
			   int flags)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->fd = fd;
	r->len = len;
	r->flags = flags;
}

/* A blocking MSG_PEEK waits for data, returns it, and leaves it queued. */
static void tcp_peek_blocks(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct receiver r;
	pthread_t t;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	start_receiver(&r, c, p.srv, sizeof(r.buf), MSG_PEEK);
	CT_EQ(c, pthread_create(&t, NULL, receiver_thread, &r), 0);
	ct_wait_sleeping(&r.tid);
	CT_CHECK_EQ(c, ct_snd(c, p.cli, "look", 4, 0), 4);
	pthread_join(t, NULL);
	CT_EQ(c, r.ret, 4);
	CT_TRUE(c, memcmp(r.buf, "look", 4) == 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 4);
}

/* MSG_WAITALL waits for the whole length: part is there, the rest comes
 * while the reader sleeps. */
static void tcp_waitall(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct receiver r;
	pthread_t t;
	long w;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "0123456789", 10, 0), 10);
	start_receiver(&r, c, p.srv, 30, MSG_WAITALL);
	CT_EQ(c, pthread_create(&t, NULL, receiver_thread, &r), 0);
	ct_wait_sleeping(&r.tid);
	w = ct_snd(c, p.cli, "abcdefghij", 10, 0);
	CT_CHECK_EQ(c, w, 10);
	ct_wait_sleeping(&r.tid);
	w = ct_snd(c, p.cli, "ABCDEFGHIJ", 10, 0);
	CT_CHECK_EQ(c, w, 10);
	pthread_join(t, NULL);
	CT_EQ(c, r.ret, 30);
	CT_TRUE(c, memcmp(r.buf, "0123456789abcdefghijABCDEFGHIJ", 30) == 0);
}

/* MSG_WAITALL returns short at end of file. */
static void tcp_waitall_eof(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[16];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "12345", 5, 0), 5);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 10, MSG_WAITALL), 5);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 10, MSG_WAITALL), 0);
}

/* MSG_WAITALL with SO_RCVTIMEO: the part received when the time runs
 * out. */
static void tcp_waitall_timeout(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct timespec t0;
	char buf[16];
	long ms;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_set_timeo(c, p.srv, SO_RCVTIMEO, 100), 0);
	CT_EQ(c, ct_snd(c, p.cli, "12345", 5, 0), 5);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 10, MSG_WAITALL), 5);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 80 && ms < 1500);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 10, MSG_WAITALL), -EAGAIN);
}

static void tcp_dontwait(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, MSG_DONTWAIT), 1);
	CT_EQ(c, wait_inq(c, p.srv, 1), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

static void tcp_nonblocking_read(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->fcntl(p.srv, F_SETFL, O_NONBLOCK), 0);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), -EAGAIN);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), -EAGAIN);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_WAITALL), -EAGAIN);
}

/* MSG_TRUNC on TCP discards the bytes instead of copying them (the buffer
 * is not touched, may even be NULL) and returns the count. */
static void tcp_msg_trunc_discards(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "abcdefgh", 8, 0), 8);
	CT_EQ(c, wait_inq(c, p.srv, 8), 8);
	memset(buf, '.', sizeof(buf));
	CT_EQ(c, ct_rcv(c, p.srv, buf, 3, MSG_TRUNC), 3);
	CT_EQ(c, buf[0], '.');
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 5);
	CT_EQ(c, ct_rcv(c, p.srv, NULL, 2, MSG_TRUNC), 2);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 3);
	CT_TRUE(c, memcmp(buf, "fgh", 3) == 0);
}

/* SO_RCVLOWAT: readable only from that many bytes on. */
static void tcp_rcvlowat(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_setint(c, p.srv, SOL_SOCKET, SO_RCVLOWAT, 5), 0);
	CT_EQ(c, ct_snd(c, p.cli, "abc", 3, 0), 3);
	CT_EQ(c, wait_inq(c, p.srv, 3), 3);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CT_OUT_EV);
	CT_EQ(c, ct_snd(c, p.cli, "de", 2, 0), 2);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV | CT_OUT_EV);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 5);
}

/* ---- bulk transfers ---- */

#define BULK (1024 * 1024)

struct bulk {
	struct ct_ctx *c;
	int fd;
	unsigned seed;
	unsigned long len, done;
	unsigned long hash;
	long err;
};

/* Writes len pseudo-random bytes in chunks of varying size. */
static void *bulk_writer(void *arg)
{
	static __thread char chunk[65536];
	struct bulk *w = arg;
	unsigned step = 1;

	while (w->done < w->len) {
		unsigned long n = w->len - w->done;
		long r;

		step = step * 7 + 3;
		if (n > 1 + step % sizeof(chunk))
			n = 1 + step % sizeof(chunk);
		ct_fill(chunk, n, w->seed + (unsigned)w->done);
		r = w->c->b->write(w->fd, chunk, n);
		if (r <= 0) {
			w->err = r < 0 ? r : -1000;
			return NULL;
		}
		/* The hash covers the bytes written (after a short write the
		 * next chunk is new data). */
		w->hash = ct_hash(chunk, (size_t)r, w->hash);
		w->done += (unsigned long)r;
	}
	return NULL;
}

/* Reads until len bytes or an error, hashing them, in reads of varying
 * size. */
static void *bulk_reader(void *arg)
{
	static __thread char buf[70000];
	struct bulk *r = arg;
	unsigned step = 5;

	while (r->done < r->len) {
		unsigned long n = sizeof(buf);
		long got;

		step = step * 13 + 1;
		n = 1 + step % n;
		if (n > r->len - r->done)
			n = r->len - r->done;
		got = r->c->b->read(r->fd, buf, n);
		if (got <= 0) {
			r->err = got < 0 ? got : -1000;
			return NULL;
		}
		r->hash = ct_hash(buf, (size_t)got, r->hash);
		r->done += (unsigned long)got;
	}
	return NULL;
}

/* 1 MiB from a writer thread, checked byte for byte (by hash) and then
 * end of file. */
static void tcp_bulk_1mib(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct bulk w, r;
	pthread_t t;
	char x;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	w.c = r.c = c;
	w.fd = p.cli;
	r.fd = p.srv;
	w.len = r.len = BULK;
	w.seed = 7;
	CT_EQ(c, pthread_create(&t, NULL, bulk_writer, &w), 0);
	bulk_reader(&r);
	if (r.err)
		c->b->shutdown(p.srv, SHUT_RDWR); /* unblock the writer */
	pthread_join(t, NULL);
	CT_EQ(c, w.err, 0);
	CT_EQ(c, r.err, 0);
	CT_EQ(c, r.done, BULK);
	CT_TRUE(c, r.hash == w.hash);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, c->b->read(p.srv, &x, 1), 0);
}

/* Both directions at once, 512 KiB each way: neither side deadlocks on a
 * full buffer because each has its own reader. */
static void tcp_bulk_bidirectional(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct bulk w1, w2, r1, r2;
	pthread_t t1, t2, t3;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	memset(&w1, 0, sizeof(w1));
	memset(&w2, 0, sizeof(w2));
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	w1.c = w2.c = r1.c = r2.c = c;
	w1.fd = p.cli;
	r1.fd = p.srv;
	w2.fd = p.srv;
	r2.fd = p.cli;
	w1.len = w2.len = r1.len = r2.len = BULK / 2;
	w1.seed = 1;
	w2.seed = 2;
	CT_EQ(c, pthread_create(&t1, NULL, bulk_writer, &w1), 0);
	if (pthread_create(&t2, NULL, bulk_writer, &w2) != 0) {
		CT_CHECK_TRUE(c, 0);
		c->b->shutdown(p.srv, SHUT_RDWR);
		pthread_join(t1, NULL);
		return;
	}
	if (pthread_create(&t3, NULL, bulk_reader, &r2) != 0) {
		CT_CHECK_TRUE(c, 0);
		c->b->shutdown(p.srv, SHUT_RDWR);
		c->b->shutdown(p.cli, SHUT_RDWR);
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
		return;
	}
	bulk_reader(&r1);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	CT_EQ(c, w1.err, 0);
	CT_EQ(c, w2.err, 0);
	CT_EQ(c, r1.err, 0);
	CT_EQ(c, r2.err, 0);
	CT_TRUE(c, r1.hash == w1.hash && r1.done == w1.len);
	CT_TRUE(c, r2.hash == w2.hash && r2.done == w2.len);
}

/* One blocking send of 4 MiB returns the whole count: a blocking stream
 * send waits for room until all is queued. */
static void tcp_large_blocking_send(struct ct_ctx *c)
{
	static char big[4 * 1024 * 1024];
	struct ct_tcp_conn p;
	struct bulk r;
	pthread_t t;
	long w;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	ct_fill(big, sizeof(big), 99);
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.fd = p.srv;
	r.len = sizeof(big);
	CT_EQ(c, pthread_create(&t, NULL, bulk_reader, &r), 0);
	w = ct_snd(c, p.cli, big, sizeof(big), 0);
	CT_CHECK_EQ(c, w, sizeof(big));
	if (w != (long)sizeof(big))
		c->b->shutdown(p.srv, SHUT_RDWR);
	pthread_join(t, NULL);
	CT_EQ(c, r.err, 0);
	CT_TRUE(c, r.hash == ct_hash(big, sizeof(big), 0));
}

struct echo {
	struct ct_ctx *c;
	int fd;
	long err;
};

/* Echoes everything until end of file. */
static void *echo_thread(void *arg)
{
	struct echo *e = arg;
	char buf[512];
	long n;

	while ((n = e->c->b->read(e->fd, buf, sizeof(buf))) > 0) {
		if (ct_snd(e->c, e->fd, buf, (unsigned long)n, 0) != n) {
			e->err = -1;
			return NULL;
		}
	}
	e->err = n;
	return NULL;
}

/* Request and reply, 300 rounds, with TCP_NODELAY (small writes are not
 * held back waiting for an ACK). */
static void tcp_echo_rounds(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct echo e;
	char out[300], in[300];
	pthread_t t;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_setint(c, p.cli, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	CT_EQ(c, ct_tcp_setint(c, p.srv, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	e.c = c;
	e.fd = p.srv;
	e.err = 0;
	CT_EQ(c, pthread_create(&t, NULL, echo_thread, &e), 0);
	for (int i = 0; i < 300; i++) {
		unsigned n = 1 + (unsigned)i % sizeof(out);
		long r;

		ct_fill(out, n, (unsigned)i);
		r = ct_snd(c, p.cli, out, n, 0);
		if (r == (long)n)
			r = ct_tcp_read_full(c, p.cli, in, n);
		CT_CHECK_EQ(c, r, n);
		if (r != (long)n || memcmp(in, out, n) != 0) {
			CT_CHECK_TRUE(c, r != (long)n);
			break;
		}
	}
	c->b->shutdown(p.cli, SHUT_WR); /* the echo thread ends at EOF */
	pthread_join(t, NULL);
	CT_EQ(c, e.err, 0);
}

/* ---- backpressure and timeouts ---- */

/* Small buffers so that filling is quick. */
static long small_buffers(struct ct_ctx *c, struct ct_tcp_conn *p)
{
	long r = ct_tcp_pair(c, p);

	if (!r)
		r = ct_tcp_setint(c, p->cli, SOL_SOCKET, SO_SNDBUF, 16384);
	if (!r)
		r = ct_tcp_setint(c, p->srv, SOL_SOCKET, SO_RCVBUF, 16384);
	return r;
}

/* Drains n bytes from fd (blocking reads with the socket's timeout). */
static long drain_n(struct ct_ctx *c, int fd, long n)
{
	static char buf[65536];
	long got = 0, r;

	while (got < n) {
		r = c->b->read(fd, buf, (unsigned long)(n - got < (long)sizeof(buf) ? n - got
										 : (long)sizeof(buf)));
		if (r <= 0)
			return r < 0 ? r : got;
		got += r;
	}
	return got;
}

/* A writer whose peer does not read fills up: EAGAIN, not writable; once
 * the peer drained everything, writable again; every byte arrived. */
static void tcp_fill_and_drain(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long filled;

	CT_EQ(c, small_buffers(c, &p), 0);
	CT_OK(c, filled, ct_tcp_fill(c, p.cli));
	CT_TRUE(c, filled > 0);
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, ct_tcp_poll(c, p.cli, CT_ALL_EV, 0), 0);
	CT_EQ(c, drain_n(c, p.srv, filled), filled);
	CT_EQ(c, ct_tcp_wait(c, p.cli, POLLOUT, CT_TCP_TIMEO_MS), CT_OUT_EV);
	CT_EQ(c, ct_snd(c, p.srv, "y", 1, MSG_DONTWAIT), 1);
}

/* SHUT_WR with data still queued behind a full window: the FIN goes after
 * the data; the peer reads every byte, then 0. */
static void tcp_shut_wr_after_queued_data(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char x;
	long filled;

	CT_EQ(c, small_buffers(c, &p), 0);
	CT_OK(c, filled, ct_tcp_fill(c, p.cli));
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_state(c, p.cli), CT_TCP_FIN_WAIT1);
	CT_EQ(c, drain_n(c, p.srv, filled), filled);
	CT_EQ(c, c->b->read(p.srv, &x, 1), 0);
	CT_EQ(c, ct_tcp_wait_state(c, p.cli, CT_TCP_FIN_WAIT2, CT_TCP_TIMEO_MS), CT_TCP_FIN_WAIT2);
}

/* close() with data still queued (and nothing unread) is a graceful
 * close: it returns at once, and the closed socket goes on sending; the
 * peer reads every byte, then 0. */
static void tcp_close_with_queued_data(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct timespec t0;
	char x;
	long filled;

	CT_EQ(c, small_buffers(c, &p), 0);
	CT_OK(c, filled, ct_tcp_fill(c, p.cli));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_TRUE(c, ct_elapsed_ms(&t0) < 1000);
	CT_EQ(c, drain_n(c, p.srv, filled), filled);
	CT_EQ(c, c->b->read(p.srv, &x, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), 0);
}

/* After its own SHUT_WR an end still receives a bulk transfer (FIN_WAIT2
 * takes data), then the peer's FIN. */
static void tcp_half_closed_receives_bulk(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct bulk w, r;
	pthread_t t;
	char x;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, c->b->read(p.srv, &x, 1), 0);
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	w.c = r.c = c;
	w.fd = p.srv;
	r.fd = p.cli;
	w.len = r.len = BULK / 4;
	w.seed = 11;
	CT_EQ(c, pthread_create(&t, NULL, bulk_writer, &w), 0);
	bulk_reader(&r);
	if (r.err)
		c->b->shutdown(p.cli, SHUT_RDWR); /* unblock the writer */
	pthread_join(t, NULL);
	CT_EQ(c, w.err, 0);
	CT_EQ(c, r.err, 0);
	CT_TRUE(c, r.hash == w.hash);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_WR), 0);
	CT_EQ(c, c->b->read(p.cli, &x, 1), 0);
}

/* SO_SNDTIMEO: a blocking send with no room gives EAGAIN after the
 * timeout. */
static void tcp_sndtimeo(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct timespec t0;
	long filled, ms;

	CT_EQ(c, small_buffers(c, &p), 0);
	CT_OK(c, filled, ct_tcp_fill(c, p.cli));
	CT_EQ(c, ct_set_timeo(c, p.cli, SO_SNDTIMEO, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, 0), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 80 && ms < 1500);
}

/* SO_RCVTIMEO: a blocking recv with no data gives EAGAIN after the
 * timeout. */
static void tcp_rcvtimeo(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct timespec t0;
	char buf[4];
	long ms;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_set_timeo(c, p.srv, SO_RCVTIMEO, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), -EAGAIN);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 80 && ms < 1500);
}

/* A blocked send completes once the peer reads. */
static void tcp_blocked_send_wakes(struct ct_ctx *c)
{
	static char msg[1000];
	struct ct_tcp_conn p;
	struct sender s;
	pthread_t t;
	long filled, got;

	CT_EQ(c, small_buffers(c, &p), 0);
	CT_OK(c, filled, ct_tcp_fill(c, p.cli));
	CT_EQ(c, ct_set_timeo(c, p.cli, SO_SNDTIMEO, 5000), 0);
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.fd = p.cli;
	s.data = msg;
	s.len = sizeof(msg);
	CT_EQ(c, pthread_create(&t, NULL, sender_thread, &s), 0);
	ct_wait_sleeping(&s.tid);
	got = drain_n(c, p.srv, filled + (long)sizeof(msg));
	pthread_join(t, NULL);
	CT_EQ(c, s.ret, sizeof(msg));
	CT_EQ(c, got, filled + (long)sizeof(msg));
}

/* A blocked recv wakes with the data. */
static void tcp_blocked_recv_wakes(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct receiver r;
	pthread_t t;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	start_receiver(&r, c, p.srv, sizeof(r.buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, receiver_thread, &r), 0);
	ct_wait_sleeping(&r.tid);
	CT_CHECK_EQ(c, ct_snd(c, p.cli, "wake", 4, 0), 4);
	pthread_join(t, NULL);
	CT_EQ(c, r.ret, 4);
	CT_TRUE(c, memcmp(r.buf, "wake", 4) == 0);
}

/* A blocked recv returns 0 when the peer closes. */
static void tcp_blocked_recv_peer_close(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct receiver r;
	pthread_t t;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	start_receiver(&r, c, p.srv, sizeof(r.buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, receiver_thread, &r), 0);
	ct_wait_sleeping(&r.tid);
	CT_CHECK_EQ(c, ct_tcp_close(c, p.cli), 0);
	pthread_join(t, NULL);
	CT_EQ(c, r.ret, 0);
}

/* A blocked recv returns 0 when another thread shuts the socket's reading
 * down. */
static void tcp_blocked_recv_shut_rd(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct receiver r;
	pthread_t t;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	start_receiver(&r, c, p.srv, sizeof(r.buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, receiver_thread, &r), 0);
	ct_wait_sleeping(&r.tid);
	CT_CHECK_EQ(c, c->b->shutdown(p.srv, SHUT_RD), 0);
	pthread_join(t, NULL);
	CT_EQ(c, r.ret, 0);
}

/* A blocked recv interrupted by a signal (no SA_RESTART): EINTR. */
static void tcp_blocked_recv_eintr(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct receiver r;
	pthread_t t;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_set_timeo(c, p.srv, SO_RCVTIMEO, 5000), 0);
	start_receiver(&r, c, p.srv, sizeof(r.buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, receiver_thread, &r), 0);
	ct_wait_sleeping(&r.tid);
	CT_CHECK_EQ(c, c->b->interrupt(t), 0);
	pthread_join(t, NULL);
	CT_EQ(c, r.ret, -EINTR);
}

/* ---- shutdown ---- */

/* SHUT_WR: the peer reads what was sent, then 0; it sees POLLIN and
 * POLLRDHUP (still writable). */
static void tcp_shut_wr_peer_eof(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "bye", 3, 0), 3);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLRDHUP, CT_TCP_TIMEO_MS),
	      CT_IN_EV | POLLRDHUP | CT_OUT_EV);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 3);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CT_IN_EV | POLLRDHUP | CT_OUT_EV);
}

/* After SHUT_WR: send is EPIPE with SIGPIPE (write too); MSG_NOSIGNAL
 * keeps the signal back; a zero-length send is EPIPE as well. */
static void tcp_shut_wr_epipe(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, c->b->write(p.cli, "x", 1), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
	CT_EQ(c, ct_snd(c, p.cli, "x", 0, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* The end that shut its writing still reads; it reports POLLOUT (a write
 * would not block: it fails at once). */
static void tcp_shut_wr_still_reads(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_poll(c, p.cli, CT_ALL_EV, 0), CT_OUT_EV);
	CT_EQ(c, ct_snd(c, p.srv, "still", 5, 0), 5);
	CT_EQ(c, expect_bytes(c, p.cli, "still", 5), 0);
}

/* SHUT_RD: queued data is still read, then 0 at once. */
static void tcp_shut_rd(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "ab", 2, 0), 2);
	CT_EQ(c, wait_inq(c, p.srv, 2), 2);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_RD), 0);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CT_IN_EV | POLLRDHUP | CT_OUT_EV);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	/* The writing half still works. */
	CT_EQ(c, ct_snd(c, p.srv, "w", 1, 0), 1);
	CT_EQ(c, expect_bytes(c, p.cli, "w", 1), 0);
}

/* TCP has no way to tell the peer about SHUT_RD: Linux keeps accepting
 * data after it, and recv returns it. */
static void tcp_shut_rd_data_still_arrives(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_RD), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_snd(c, p.cli, "late", 4, 0), 4);
	CT_EQ(c, wait_inq(c, p.srv, 4), 4);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 4);
	CT_TRUE(c, memcmp(buf, "late", 4) == 0);
}

/* SHUT_RDWR: the peer reads 0; the socket's own reads are 0, its sends
 * EPIPE; it reports readable, writable and hung up. */
static void tcp_shut_rdwr(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_RDWR), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_rcv(c, p.cli, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_snd(c, p.cli, "x", 1, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_tcp_poll(c, p.cli, CT_ALL_EV, 0), CLOSED_EV);
}

/* shutdown on a socket that is not connected: ENOTCONN (the bad how
 * values first: EINVAL). */
static void tcp_shutdown_unconnected(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->shutdown((int)fd, -1), -EINVAL);
	CT_EQ(c, c->b->shutdown((int)fd, 3), -EINVAL);
	CT_EQ(c, c->b->shutdown((int)fd, SHUT_WR), -ENOTCONN);
	CT_EQ(c, c->b->shutdown((int)fd, SHUT_RD), -ENOTCONN);
	CT_EQ(c, c->b->shutdown((int)fd, SHUT_RDWR), -ENOTCONN);
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, c->b->shutdown((int)fd, SHUT_RDWR), -ENOTCONN);
}

/* A failed shutdown on an unconnected socket still marks it shut (Linux
 * sets the bits before it answers ENOTCONN, to wake pollers): it then
 * polls readable and hung up, and recv returns 0 instead of ENOTCONN. */
static void tcp_shutdown_unconnected_marks(struct ct_ctx *c)
{
	char buf[4];
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0), CT_OUT_EV | POLLHUP);
	CT_EQ(c, c->b->shutdown((int)fd, SHUT_RD), -ENOTCONN);
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0), CLOSED_EV);
	CT_EQ(c, ct_rcv(c, (int)fd, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_snd(c, (int)fd, "x", 1, MSG_NOSIGNAL), -EPIPE);
}

static void tcp_shutdown_bad_how(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, 3), -EINVAL);
	CT_EQ(c, c->b->shutdown(p.cli, -1), -EINVAL);
	CT_EQ(c, c->b->shutdown(p.cli, 100), -EINVAL);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CT_OUT_EV);
}

/* SHUT_WR twice is fine while the connection lives; once both ends shut
 * their writing the socket is CLOSED and shutdown is ENOTCONN. */
static void tcp_shutdown_twice(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_RD), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_wait_state(c, p.cli, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_wait_state(c, p.srv, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), -ENOTCONN);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_RDWR), -ENOTCONN);
}

/* ---- close paths ---- */

/* A clean close (nothing unread): the peer reads the data, then 0 again
 * and again. */
static void tcp_close_clean_eof(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "last", 4, 0), 4);
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_EQ(c, expect_bytes(c, p.srv, "last", 4), 0);
	for (int i = 0; i < 3; i++)
		CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_tcp_state(c, p.srv), CT_TCP_CLOSE_WAIT);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), 0);
}

/* Closing with unread data sends RST instead of FIN (RFC 2525 2.17): the
 * peer is readable, hung up and in error; it reads ECONNRESET, then 0. */
static void tcp_close_unread_resets(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.srv, "unread", 6, 0), 6);
	CT_EQ(c, wait_inq(c, p.cli, 6), 6);
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), -ECONNRESET);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_tcp_state(c, p.srv), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CLOSED_EV);
}

/* SO_LINGER {1, 0}: close aborts with RST; the peer reads ECONNRESET. */
static void tcp_linger0_resets(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, close_reset(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), ECONNRESET);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CLOSED_EV);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
}

/* Data that arrived before the RST is still read first; then ECONNRESET,
 * then 0. */
static void tcp_reset_after_data(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "xyz", 3, 0), 3);
	CT_EQ(c, wait_inq(c, p.srv, 3), 3);
	CT_EQ(c, close_reset(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 3);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 3);
	CT_TRUE(c, memcmp(buf, "xyz", 3) == 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), -ECONNRESET);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
}

/* After a RST the first send reports ECONNRESET (no SIGPIPE: the error is
 * not EPIPE); the next ones EPIPE with SIGPIPE. */
static void tcp_send_after_reset(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, close_reset(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, p.srv, "a", 1, 0), -ECONNRESET);
	CT_EQ(c, ct_take_sigpipe(), 0);
	CT_EQ(c, ct_snd(c, p.srv, "a", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, c->b->write(p.srv, "a", 1), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
}

/* Writing to a peer that closed: the first write succeeds (the peer only
 * said it will not send); the closed peer answers it with RST, and the
 * next write is EPIPE with SIGPIPE. */
static void tcp_write_to_closed_peer(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLRDHUP, CT_TCP_TIMEO_MS), CT_IN_EV | POLLRDHUP | CT_OUT_EV);
	(void)ct_take_sigpipe();
	CT_EQ(c, c->b->write(p.srv, "a", 1), 1);
	CT_EQ(c, ct_take_sigpipe(), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	CT_EQ(c, c->b->write(p.srv, "b", 1), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), 0);
}

/* The RST that answers data sent in CLOSE_WAIT is reported as EPIPE, not
 * ECONNRESET (tcp_reset picks the error by state). */
static void tcp_reset_in_close_wait_is_epipe(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLRDHUP, CT_TCP_TIMEO_MS), CT_IN_EV | POLLRDHUP | CT_OUT_EV);
	CT_EQ(c, ct_snd(c, p.srv, "a", 1, MSG_NOSIGNAL), 1);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), EPIPE);
	CT_EQ(c, ct_tcp_state(c, p.srv), CT_TCP_CLOSE);
}

/* SO_LINGER with a timeout: close returns once the data is acknowledged
 * (at once on loopback); the peer gets all of it, then end of file. */
static void tcp_linger_timeout_delivers(struct ct_ctx *c)
{
	static char data[100000];
	struct ct_tcp_conn p;
	struct timespec t0;
	struct bulk r;
	pthread_t t;
	long w;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, set_linger(c, p.cli, 1, 5), 0);
	ct_fill(data, sizeof(data), 3);
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.fd = p.srv;
	r.len = sizeof(data);
	CT_EQ(c, pthread_create(&t, NULL, bulk_reader, &r), 0);
	w = ct_snd(c, p.cli, data, sizeof(data), 0);
	CT_CHECK_EQ(c, w, sizeof(data));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_CHECK_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_CHECK_TRUE(c, ct_elapsed_ms(&t0) < 2000);
	pthread_join(t, NULL);
	CT_EQ(c, r.err, 0);
	CT_TRUE(c, r.hash == ct_hash(data, sizeof(data), 0));
	CT_EQ(c, c->b->read(p.srv, data, 1), 0);
}

/* A duplicate descriptor keeps the connection open: closing one of two
 * sends nothing; closing the last sends FIN. */
static void tcp_close_dup_keeps_open(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];
	long d;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_OK(c, d, ct_fd(c, c->b->dup(p.cli)));
	CT_EQ(c, ct_tcp_close(c, p.cli), 0);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 50), CT_OUT_EV);
	CT_EQ(c, c->b->write((int)d, "d", 1), 1);
	CT_EQ(c, expect_bytes(c, p.srv, "d", 1), 0);
	CT_EQ(c, ct_tcp_close(c, (int)d), 0);
	CT_EQ(c, c->b->read(p.srv, buf, sizeof(buf)), 0);
}

struct closer {
	struct ct_ctx *c;
	int fd;
	pthread_barrier_t *bar;
	long ret;
};

static void *closer_thread(void *arg)
{
	struct closer *k = arg;

	pthread_barrier_wait(k->bar);
	k->ret = k->c->b->shutdown(k->fd, SHUT_WR);
	return NULL;
}

/* Both ends shut their writing at the same moment: whichever way the FINs
 * cross, each end reads 0 and ends CLOSED, without an error. */
static void tcp_simultaneous_close(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct closer k1, k2;
	pthread_barrier_t bar;
	pthread_t t1, t2;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, pthread_barrier_init(&bar, NULL, 2), 0);
	k1 = (struct closer){ c, p.cli, &bar, -1 };
	k2 = (struct closer){ c, p.srv, &bar, -1 };
	if (pthread_create(&t1, NULL, closer_thread, &k1) != 0) {
		pthread_barrier_destroy(&bar);
		CT_TRUE(c, 0);
	}
	if (pthread_create(&t2, NULL, closer_thread, &k2) != 0) {
		CT_CHECK_TRUE(c, 0);
		closer_thread(&k2); /* release t1 from the barrier */
	} else {
		pthread_join(t2, NULL);
	}
	pthread_join(t1, NULL);
	pthread_barrier_destroy(&bar);
	CT_EQ(c, k1.ret, 0);
	CT_EQ(c, k2.ret, 0);
	CT_EQ(c, ct_rcv(c, p.cli, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, ct_tcp_wait_state(c, p.cli, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_wait_state(c, p.srv, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_getint(c, p.cli, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_ERROR), 0);
	CT_EQ(c, ct_tcp_poll(c, p.cli, CT_ALL_EV, 0), CLOSED_EV);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CLOSED_EV);
}

/* ---- TIME_WAIT ---- */

/* A connection whose client was bound (to 127.0.0.1:port, SO_REUSEADDR as
 * given) and closed first: the client's port is left in TIME_WAIT. The
 * address is returned in *cn. */
static long time_wait_client(struct ct_ctx *c, int reuse, struct sockaddr_in *cn)
{
	struct sockaddr_in me, a = ct_sin4(CT_LO, 0);
	char buf[4];
	long lfd, cli, srv, r;

	lfd = ct_tcp_listener(c, CT_LO, 4, &me);
	if (lfd < 0)
		return lfd;
	cli = ct_tcp_socket(c, 0);
	if (cli < 0)
		return cli;
	if (reuse && (r = ct_tcp_setint(c, (int)cli, SOL_SOCKET, SO_REUSEADDR, 1)) < 0)
		return r;
	if ((r = c->b->bind((int)cli, &a, sizeof(a))) < 0 || (r = ct_tcp_name(c, (int)cli, cn)) < 0 ||
	    (r = c->b->connect((int)cli, &me, sizeof(me))) < 0)
		return r;
	srv = ct_tcp_accept(c, (int)lfd);
	if (srv < 0)
		return srv;
	if ((r = ct_set_timeo(c, (int)srv, SO_RCVTIMEO, CT_TCP_TIMEO_MS)) < 0)
		return r;
	if ((r = ct_tcp_close(c, (int)cli)) < 0)
		return r;
	if ((r = c->b->read((int)srv, buf, sizeof(buf))) != 0)
		return r < 0 ? r : -1000;
	return ct_tcp_close(c, (int)srv);
}

/* The port of the end that closed first stays in TIME_WAIT: binding it
 * again is EADDRINUSE. */
static void tcp_time_wait_bind_inuse(struct ct_ctx *c)
{
	struct sockaddr_in cn, a = ct_sin4(CT_LO, 0);
	long fd;

	CT_EQ(c, time_wait_client(c, 0, &cn), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &cn, sizeof(cn)), -EADDRINUSE);
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), 0);
}

/* SO_REUSEADDR binds over a TIME_WAIT port only if the socket that left it
 * had SO_REUSEADDR as well (Linux keeps the old socket's flag in its
 * TIME_WAIT entry and compares both, as for live sockets). */
static void tcp_time_wait_reuseaddr(struct ct_ctx *c)
{
	struct sockaddr_in cn;
	long fd;

	CT_EQ(c, time_wait_client(c, 0, &cn), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CT_EQ(c, c->b->bind((int)fd, &cn, sizeof(cn)), -EADDRINUSE);

	CT_EQ(c, time_wait_client(c, 1, &cn), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &cn, sizeof(cn)), -EADDRINUSE);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CT_EQ(c, c->b->bind((int)fd, &cn, sizeof(cn)), 0);
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
}

/* An abortive close (SO_LINGER 0) leaves no TIME_WAIT: the port is free
 * at once. */
static void tcp_time_wait_not_after_reset(struct ct_ctx *c)
{
	struct sockaddr_in me, cn, a = ct_sin4(CT_LO, 0);
	long lfd, cli, srv, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)cli, &a, sizeof(a)), 0);
	CT_EQ(c, ct_tcp_name(c, (int)cli, &cn), 0);
	CT_EQ(c, c->b->connect((int)cli, &me, sizeof(me)), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, close_reset(c, (int)cli), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &cn, sizeof(cn)), 0);
}

/* The end that closed second (passive close, LAST_ACK) keeps no
 * TIME_WAIT: its port is free once its FIN is acknowledged. */
static void tcp_time_wait_not_passive(struct ct_ctx *c)
{
	struct sockaddr_in me, cn, a = ct_sin4(CT_LO, 0);
	char buf[4];
	long lfd, cli, srv, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, cli, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)cli, &a, sizeof(a)), 0);
	CT_EQ(c, ct_tcp_name(c, (int)cli, &cn), 0);
	CT_EQ(c, c->b->connect((int)cli, &me, sizeof(me)), 0);
	CT_EQ(c, ct_set_timeo(c, (int)cli, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_close(c, (int)srv), 0);
	CT_EQ(c, c->b->read((int)cli, buf, sizeof(buf)), 0);
	CT_EQ(c, c->b->shutdown((int)cli, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_wait_state(c, (int)cli, CT_TCP_CLOSE, CT_TCP_TIMEO_MS), CT_TCP_CLOSE);
	CT_EQ(c, ct_tcp_close(c, (int)cli), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &cn, sizeof(cn)), 0);
}

/* The server side of a restart: the accepted socket closed first, so the
 * listener's port is in TIME_WAIT. A new listener without SO_REUSEADDR is
 * EADDRINUSE; with it (the old listener had it too) it works. */
static void tcp_time_wait_server_restart(struct ct_ctx *c)
{
	struct sockaddr_in me, a = ct_sin4(CT_LO, 0);
	char buf[4];
	long lfd, cli, srv, fd;

	CT_OK(c, lfd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CT_EQ(c, c->b->bind((int)lfd, &a, sizeof(a)), 0);
	CT_EQ(c, c->b->listen((int)lfd, 4), 0);
	CT_EQ(c, ct_tcp_name(c, (int)lfd, &me), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ct_set_timeo(c, (int)cli, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_close(c, (int)lfd), 0);
	CT_EQ(c, ct_tcp_close(c, (int)srv), 0);
	CT_EQ(c, c->b->read((int)cli, buf, sizeof(buf)), 0);
	CT_EQ(c, ct_tcp_close(c, (int)cli), 0);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, c->b->bind((int)fd, &me, sizeof(me)), -EADDRINUSE);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CT_EQ(c, c->b->bind((int)fd, &me, sizeof(me)), 0);
	CT_EQ(c, c->b->listen((int)fd, 4), 0);
}

/* ---- readiness ---- */

/* A fresh (closed) socket: writable and hung up (Linux's tcp_poll says
 * POLLHUP for the CLOSE state), not readable; the same once bound. */
static void tcp_poll_fresh(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0), CT_OUT_EV | POLLHUP);
	CT_EQ(c, ct_tcp_poll(c, (int)fd, 0, 0), POLLHUP);
	CT_OK(c, fd, ct_tcp_bound(c, CT_LO, &me));
	CT_EQ(c, ct_tcp_poll(c, (int)fd, CT_ALL_EV, 0), CT_OUT_EV | POLLHUP);
}

/* Connected and idle: POLLOUT|POLLWRNORM only (no POLLWRBAND); with data
 * waiting, POLLIN|POLLRDNORM too. */
static void tcp_poll_connected(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_poll(c, p.cli, CT_ALL_EV, 0), CT_OUT_EV);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CT_OUT_EV);
	CT_EQ(c, ct_snd(c, p.cli, "d", 1, 0), 1);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLIN, CT_TCP_TIMEO_MS), CT_IN_EV | CT_OUT_EV);
	CT_EQ(c, ct_tcp_poll(c, p.srv, POLLIN, 0), POLLIN);
	CT_EQ(c, ct_tcp_poll(c, p.cli, CT_ALL_EV, 0), CT_OUT_EV);
}

/* After both ends shut their writing (closed, no error): readable,
 * writable, hung up. */
static void tcp_poll_both_closed(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 0);
	CT_EQ(c, c->b->shutdown(p.srv, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_wait(c, p.cli, POLLHUP, CT_TCP_TIMEO_MS), CLOSED_EV);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLHUP, CT_TCP_TIMEO_MS), CLOSED_EV);
}

/* poll's POLLHUP and POLLERR come unasked; the asked bits filter the
 * rest. */
static void tcp_poll_unasked(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, close_reset(c, p.cli), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLERR, CT_TCP_TIMEO_MS), RESET_EV);
	CT_EQ(c, ct_tcp_poll(c, p.srv, 0, 0), POLLHUP | POLLERR);
	CT_EQ(c, ct_tcp_poll(c, p.srv, POLLOUT, 0), POLLOUT | POLLHUP | POLLERR);
}

static long mk_ep(struct ct_ctx *c, int fd, unsigned events)
{
	struct epoll_event ev;
	long ep = ct_fd(c, c->b->epoll_create1(0)), r;

	if (ep < 0)
		return ep;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.fd = fd;
	r = c->b->epoll_ctl((int)ep, EPOLL_CTL_ADD, fd, &ev);
	return r < 0 ? r : ep;
}

/* The events of one epoll_wait (bounded), 0 if none. */
static long ep_events(struct ct_ctx *c, int ep, int timeout_ms)
{
	struct epoll_event ev[2];
	long n = c->b->epoll_wait(ep, ev, 2, timeout_ms);

	if (n < 0)
		return n;
	if (n > 1)
		return -1000;
	return n ? (long)ev[0].events : 0;
}

static void tcp_epoll_connected(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long ep;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_OK(c, ep, mk_ep(c, p.srv, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI));
	CT_EQ(c, ep_events(c, (int)ep, 0), EPOLLOUT);
	CT_EQ(c, ct_snd(c, p.cli, "e", 1, 0), 1);
	CT_EQ(c, ep_events(c, (int)ep, CT_TCP_TIMEO_MS), EPOLLIN | EPOLLOUT);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLRDHUP, CT_TCP_TIMEO_MS), CT_IN_EV | POLLRDHUP | CT_OUT_EV);
	CT_EQ(c, ep_events(c, (int)ep, 0), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}

static void tcp_epoll_listener(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, ep, cli;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_OK(c, ep, mk_ep(c, (int)lfd, EPOLLIN | EPOLLOUT));
	CT_EQ(c, ep_events(c, (int)ep, 0), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &me));
	CT_EQ(c, ep_events(c, (int)ep, CT_TCP_TIMEO_MS), EPOLLIN);
	CT_OK(c, cli, ct_fd(c, c->b->accept((int)lfd, NULL, NULL)));
	CT_EQ(c, ep_events(c, (int)ep, 0), 0);
}

/* Edge-triggered: one report per arrival, none while nothing new
 * comes. */
static void tcp_epoll_edge(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long ep;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_OK(c, ep, mk_ep(c, p.srv, EPOLLIN | EPOLLET));
	CT_EQ(c, ep_events(c, (int)ep, 0), 0);
	CT_EQ(c, ct_snd(c, p.cli, "1", 1, 0), 1);
	CT_EQ(c, ep_events(c, (int)ep, CT_TCP_TIMEO_MS), EPOLLIN);
	CT_EQ(c, ep_events(c, (int)ep, 0), 0);
	CT_EQ(c, ct_snd(c, p.cli, "2", 1, 0), 1);
	CT_EQ(c, ep_events(c, (int)ep, CT_TCP_TIMEO_MS), EPOLLIN);
	CT_EQ(c, ep_events(c, (int)ep, 0), 0);
}

/* A reset connection in epoll: EPOLLERR and EPOLLHUP come unasked. */
static void tcp_epoll_reset(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long ep;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_OK(c, ep, mk_ep(c, p.srv, EPOLLIN));
	CT_EQ(c, close_reset(c, p.cli), 0);
	CT_EQ(c, ep_events(c, (int)ep, CT_TCP_TIMEO_MS), EPOLLIN | EPOLLERR | EPOLLHUP);
}

static void tcp_select(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct timeval tv = { 0, 0 };
	fd_set rd, wr;
	int n;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	n = (p.cli > p.srv ? p.cli : p.srv) + 1;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p.srv, &rd);
	FD_SET(p.srv, &wr);
	CT_EQ(c, c->b->select(n, &rd, &wr, NULL, &tv), 1);
	CT_TRUE(c, !FD_ISSET(p.srv, &rd) && FD_ISSET(p.srv, &wr));
	CT_EQ(c, ct_snd(c, p.cli, "s", 1, 0), 1);
	CT_EQ(c, wait_inq(c, p.srv, 1), 1);
	FD_ZERO(&rd);
	FD_SET(p.srv, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CT_EQ(c, c->b->select(n, &rd, NULL, NULL, &tv), 1);
	CT_TRUE(c, FD_ISSET(p.srv, &rd));
}

/* ---- queue ioctls ---- */

/* FIONREAD (= SIOCINQ): the bytes waiting; the FIN is not counted. */
static void tcp_fionread(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 0);
	CT_EQ(c, ct_snd(c, p.cli, "12345", 5, 0), 5);
	CT_EQ(c, wait_inq(c, p.srv, 5), 5);
	CT_EQ(c, ioctl_int(c, p.srv, SIOCINQ), 5);
	CT_EQ(c, ct_rcv(c, p.srv, buf, 3, 0), 3);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 2);
	CT_EQ(c, c->b->shutdown(p.cli, SHUT_WR), 0);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLRDHUP, CT_TCP_TIMEO_MS), CT_IN_EV | POLLRDHUP | CT_OUT_EV);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 2);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 0);
}

/* The queue ioctls on a listener: EINVAL; on a fresh socket: 0. */
static void tcp_queue_ioctls_listener(struct ct_ctx *c)
{
	struct sockaddr_in me;
	long lfd, fd;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &me));
	CT_EQ(c, ioctl_int(c, (int)lfd, SIOCINQ), -EINVAL);
	CT_EQ(c, ioctl_int(c, (int)lfd, SIOCOUTQ), -EINVAL);
	CT_EQ(c, ioctl_int(c, (int)lfd, SIOCOUTQNSD), -EINVAL);
	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ioctl_int(c, (int)fd, SIOCINQ), 0);
	CT_EQ(c, ioctl_int(c, (int)fd, SIOCOUTQ), 0);
	CT_EQ(c, ioctl_int(c, (int)fd, SIOCOUTQNSD), 0);
	CT_EQ(c, ioctl_int(c, (int)fd, SIOCATMARK), 0);
}

/* SIOCOUTQ counts bytes not yet acknowledged: 0 once the peer has them
 * (even unread). */
static void tcp_siocoutq_acked(struct ct_ctx *c)
{
	struct ct_tcp_conn p;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ioctl_int(c, p.cli, SIOCOUTQ), 0);
	CT_EQ(c, ct_snd(c, p.cli, "hello", 5, 0), 5);
	CT_EQ(c, wait_inq(c, p.srv, 5), 5);
	CT_EQ(c, wait_outq_empty(c, p.cli), 0);
	CT_EQ(c, ioctl_int(c, p.cli, SIOCOUTQNSD), 0);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 5);
}

/* With a peer that does not read, the sender's queue holds bytes
 * (SIOCOUTQ > 0, SIOCOUTQNSD the unsent part of it); once the peer read
 * everything, both drop to 0. */
static void tcp_siocoutq_filled(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	long filled, q, nsd;

	CT_EQ(c, small_buffers(c, &p), 0);
	CT_OK(c, filled, ct_tcp_fill(c, p.cli));
	CT_OK(c, q, ioctl_int(c, p.cli, SIOCOUTQ));
	CT_OK(c, nsd, ioctl_int(c, p.cli, SIOCOUTQNSD));
	CT_TRUE(c, q > 0 && q <= filled);
	CT_TRUE(c, nsd <= q);
	CT_EQ(c, drain_n(c, p.srv, filled), filled);
	CT_EQ(c, wait_outq_empty(c, p.cli), 0);
	CT_EQ(c, ioctl_int(c, p.cli, SIOCOUTQNSD), 0);
}

/* ---- urgent data (MSG_OOB) ---- */

/* Sends "abc" with MSG_OOB (so 'c' is urgent) then "de", and waits until
 * the receiver sees the urgent byte. */
static long send_urgent_abc(struct ct_ctx *c, const struct ct_tcp_conn *p)
{
	long r = ct_snd(c, p->cli, "abc", 3, MSG_OOB);

	if (r == 3)
		r = ct_snd(c, p->cli, "de", 2, 0);
	if (r != 2)
		return r < 0 ? r : -1000;
	r = ct_tcp_wait(c, p->srv, POLLPRI, CT_TCP_TIMEO_MS);
	return r == (CT_IN_EV | POLLPRI | CT_OUT_EV) ? 0 : (r < 0 ? r : -1001);
}

/* One urgent byte: the last byte of a MSG_OOB send. A normal read stops at
 * the mark ("ab"); SIOCATMARK then says 1; recv(MSG_OOB) gets 'c' (out of
 * the stream), a second one EINVAL; the stream goes on after it. */
static void tcp_oob_basic(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, send_urgent_abc(c, &p), 0);
	CT_EQ(c, ioctl_int(c, p.srv, SIOCATMARK), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ioctl_int(c, p.srv, SIOCATMARK), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), 1);
	CT_EQ(c, buf[0], 'c');
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), -EINVAL);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "de", 2) == 0);
}

/* The urgent byte may be read before the data ahead of it; the normal
 * read still stops at the mark, and skips the urgent byte after it. */
static void tcp_oob_read_first(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, send_urgent_abc(c, &p), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), 1);
	CT_EQ(c, buf[0], 'c');
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "de", 2) == 0);
}

/* FIONREAD counts only the bytes ahead of the urgent mark (not inline):
 * 2 before "ab" is read, and 0 at the mark, even once the urgent byte was
 * taken and "de" waits behind it (Linux's tcp_inq measures to the urgent
 * sequence number until a normal read passes it). */
static void tcp_oob_fionread(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, send_urgent_abc(c, &p), 0);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 2);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), 1);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "de", 2) == 0);
	CT_EQ(c, ioctl_int(c, p.srv, FIONREAD), 0);
}

/* recv(MSG_OOB) with no urgent data: EINVAL. */
static void tcp_oob_none(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), -EINVAL);
	CT_EQ(c, ct_snd(c, p.cli, "n", 1, 0), 1);
	CT_EQ(c, wait_inq(c, p.srv, 1), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), -EINVAL);
	CT_EQ(c, ioctl_int(c, p.srv, SIOCATMARK), 0);
}

/* MSG_OOB|MSG_PEEK reads the urgent byte and leaves it. */
static void tcp_oob_peek(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_snd(c, p.cli, "xy", 2, MSG_OOB), 2);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLPRI, CT_TCP_TIMEO_MS), CT_IN_EV | POLLPRI | CT_OUT_EV);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB | MSG_PEEK), 1);
	CT_EQ(c, buf[0], 'y');
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), 1);
	CT_EQ(c, buf[0], 'y');
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), -EINVAL);
}

/* SO_OOBINLINE: the urgent byte stays in the stream (the read still
 * stops at the mark); recv(MSG_OOB) is EINVAL. */
static void tcp_oob_inline(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[8];

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_setint(c, p.srv, SOL_SOCKET, SO_OOBINLINE, 1), 0);
	CT_EQ(c, ct_tcp_getint(c, p.srv, SOL_SOCKET, SO_OOBINLINE), 1);
	CT_EQ(c, ct_snd(c, p.cli, "abc", 3, MSG_OOB), 3);
	CT_EQ(c, ct_snd(c, p.cli, "de", 2, 0), 2);
	CT_EQ(c, wait_inq(c, p.srv, 5), 5);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), -EINVAL);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 2);
	CT_TRUE(c, memcmp(buf, "ab", 2) == 0);
	CT_EQ(c, ioctl_int(c, p.srv, SIOCATMARK), 1);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), 0), 3);
	CT_TRUE(c, memcmp(buf, "cde", 3) == 0);
	CT_EQ(c, ioctl_int(c, p.srv, SIOCATMARK), 0);
}

/* Pending urgent data reports POLLPRI (not POLLRDBAND) until it is read;
 * epoll reports EPOLLPRI. A lone urgent byte does not make the socket
 * readable: Linux's tcp_poll wants one byte more than the urgent byte at
 * the read position. */
static void tcp_oob_pollpri(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	char buf[4];
	long ep;

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_OK(c, ep, mk_ep(c, p.srv, EPOLLPRI));
	CT_EQ(c, ct_snd(c, p.cli, "u", 1, MSG_OOB), 1);
	CT_EQ(c, ct_tcp_wait(c, p.srv, POLLPRI, CT_TCP_TIMEO_MS), POLLPRI | CT_OUT_EV);
	CT_EQ(c, ep_events(c, (int)ep, 0), EPOLLPRI);
	CT_EQ(c, ct_rcv(c, p.srv, buf, sizeof(buf), MSG_OOB), 1);
	CT_EQ(c, ct_tcp_poll(c, p.srv, CT_ALL_EV, 0), CT_OUT_EV);
	CT_EQ(c, ep_events(c, (int)ep, 0), 0);
}

/* MSG_OOB on a socket that is not connected: EPIPE like any send. */
static void tcp_oob_unconnected(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_snd(c, (int)fd, "o", 1, MSG_OOB | MSG_NOSIGNAL), -EPIPE);
}

/* ---- many connections ---- */

/* 100 connections made, used and closed one after another. */
static void tcp_many_sequential(struct ct_ctx *c)
{
	struct sockaddr_in me;
	char buf[4];
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 16, &me));
	for (int i = 0; i < 100; i++) {
		char b = (char)i;

		CT_OK(c, cli, ct_tcp_connect_to(c, &me));
		CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
		CT_EQ(c, ct_set_timeo(c, (int)srv, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
		CT_EQ(c, ct_set_timeo(c, (int)cli, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
		CT_EQ(c, c->b->write((int)cli, &b, 1), 1);
		CT_EQ(c, c->b->read((int)srv, buf, sizeof(buf)), 1);
		CT_EQ(c, buf[0], b);
		CT_EQ(c, c->b->write((int)srv, &b, 1), 1);
		CT_EQ(c, c->b->read((int)cli, buf, sizeof(buf)), 1);
		CT_EQ(c, ct_tcp_close(c, (int)cli), 0);
		CT_EQ(c, c->b->read((int)srv, buf, sizeof(buf)), 0);
		CT_EQ(c, ct_tcp_close(c, (int)srv), 0);
	}
}

/* 60 connections open at once, each carrying its own number: every
 * accepted socket gets the bytes of its own client. */
static void tcp_many_concurrent(struct ct_ctx *c)
{
	struct sockaddr_in me, pn, cn[60];
	int cli[60];
	long lfd, fd, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 64, &me));
	for (int i = 0; i < 60; i++) {
		CT_OK(c, fd, ct_tcp_connect_to(c, &me));
		cli[i] = (int)fd;
		CT_EQ(c, ct_tcp_name(c, cli[i], &cn[i]), 0);
		CT_EQ(c, c->b->write(cli[i], &i, sizeof(i)), sizeof(i));
	}
	for (int i = 0; i < 60; i++) {
		int v = -1;

		CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
		CT_EQ(c, ct_set_timeo(c, (int)srv, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
		CT_EQ(c, ct_tcp_read_full(c, (int)srv, &v, sizeof(v)), sizeof(v));
		CT_TRUE(c, v >= 0 && v < 60);
		CT_EQ(c, ct_tcp_peer(c, (int)srv, &pn), 0);
		CT_TRUE(c, pn.sin_port == cn[v].sin_port);
	}
}

const struct ct_case ct_cases_tcp_data[] = {
	{ "tcp_send_recv", tcp_send_recv },
	{ "tcp_write_read", tcp_write_read },
	{ "tcp_no_boundaries", tcp_no_boundaries },
	{ "tcp_sendmsg_recvmsg", tcp_sendmsg_recvmsg },
	{ "tcp_readv_writev", tcp_readv_writev },
	{ "tcp_recvfrom_no_address", tcp_recvfrom_no_address },
	{ "tcp_sendto_ignores_address", tcp_sendto_ignores_address },
	{ "tcp_zero_length_send", tcp_zero_length_send },
	{ "tcp_zero_length_recv", tcp_zero_length_recv },
	{ "tcp_recv_unconnected", tcp_recv_unconnected },
	{ "tcp_send_unconnected", tcp_send_unconnected },
	{ "tcp_send_efault", tcp_send_efault },
	{ "tcp_recv_efault_keeps_data", tcp_recv_efault_keeps_data },
	{ "tcp_sendmsg_cmsg", tcp_sendmsg_cmsg },
	{ "tcp_peek", tcp_peek },
	{ "tcp_peek_off", tcp_peek_off },
	{ "tcp_peek_blocks", tcp_peek_blocks },
	{ "tcp_waitall", tcp_waitall },
	{ "tcp_waitall_eof", tcp_waitall_eof },
	{ "tcp_waitall_timeout", tcp_waitall_timeout },
	{ "tcp_dontwait", tcp_dontwait },
	{ "tcp_nonblocking_read", tcp_nonblocking_read },
	{ "tcp_msg_trunc_discards", tcp_msg_trunc_discards },
	{ "tcp_rcvlowat", tcp_rcvlowat },
	{ "tcp_bulk_1mib", tcp_bulk_1mib },
	{ "tcp_bulk_bidirectional", tcp_bulk_bidirectional },
	{ "tcp_large_blocking_send", tcp_large_blocking_send },
	{ "tcp_echo_rounds", tcp_echo_rounds },
	{ "tcp_fill_and_drain", tcp_fill_and_drain },
	{ "tcp_shut_wr_after_queued_data", tcp_shut_wr_after_queued_data },
	{ "tcp_close_with_queued_data", tcp_close_with_queued_data },
	{ "tcp_half_closed_receives_bulk", tcp_half_closed_receives_bulk },
	{ "tcp_sndtimeo", tcp_sndtimeo },
	{ "tcp_rcvtimeo", tcp_rcvtimeo },
	{ "tcp_blocked_send_wakes", tcp_blocked_send_wakes },
	{ "tcp_blocked_recv_wakes", tcp_blocked_recv_wakes },
	{ "tcp_blocked_recv_peer_close", tcp_blocked_recv_peer_close },
	{ "tcp_blocked_recv_shut_rd", tcp_blocked_recv_shut_rd },
	{ "tcp_blocked_recv_eintr", tcp_blocked_recv_eintr },
	{ "tcp_shut_wr_peer_eof", tcp_shut_wr_peer_eof },
	{ "tcp_shut_wr_epipe", tcp_shut_wr_epipe },
	{ "tcp_shut_wr_still_reads", tcp_shut_wr_still_reads },
	{ "tcp_shut_rd", tcp_shut_rd },
	{ "tcp_shut_rd_data_still_arrives", tcp_shut_rd_data_still_arrives },
	{ "tcp_shut_rdwr", tcp_shut_rdwr },
	{ "tcp_shutdown_unconnected", tcp_shutdown_unconnected },
	{ "tcp_shutdown_unconnected_marks", tcp_shutdown_unconnected_marks },
	{ "tcp_shutdown_bad_how", tcp_shutdown_bad_how },
	{ "tcp_shutdown_twice", tcp_shutdown_twice },
	{ "tcp_close_clean_eof", tcp_close_clean_eof },
	{ "tcp_close_unread_resets", tcp_close_unread_resets },
	{ "tcp_linger0_resets", tcp_linger0_resets },
	{ "tcp_reset_after_data", tcp_reset_after_data },
	{ "tcp_send_after_reset", tcp_send_after_reset },
	{ "tcp_write_to_closed_peer", tcp_write_to_closed_peer },
	{ "tcp_reset_in_close_wait_is_epipe", tcp_reset_in_close_wait_is_epipe },
	{ "tcp_linger_timeout_delivers", tcp_linger_timeout_delivers },
	{ "tcp_close_dup_keeps_open", tcp_close_dup_keeps_open },
	{ "tcp_simultaneous_close", tcp_simultaneous_close },
	{ "tcp_time_wait_bind_inuse", tcp_time_wait_bind_inuse },
	{ "tcp_time_wait_reuseaddr", tcp_time_wait_reuseaddr },
	{ "tcp_time_wait_not_after_reset", tcp_time_wait_not_after_reset },
	{ "tcp_time_wait_not_passive", tcp_time_wait_not_passive },
	{ "tcp_time_wait_server_restart", tcp_time_wait_server_restart },
	{ "tcp_poll_fresh", tcp_poll_fresh },
	{ "tcp_poll_connected", tcp_poll_connected },
	{ "tcp_poll_both_closed", tcp_poll_both_closed },
	{ "tcp_poll_unasked", tcp_poll_unasked },
	{ "tcp_epoll_connected", tcp_epoll_connected },
	{ "tcp_epoll_listener", tcp_epoll_listener },
	{ "tcp_epoll_edge", tcp_epoll_edge },
	{ "tcp_epoll_reset", tcp_epoll_reset },
	{ "tcp_select", tcp_select },
	{ "tcp_fionread", tcp_fionread },
	{ "tcp_queue_ioctls_listener", tcp_queue_ioctls_listener },
	{ "tcp_siocoutq_acked", tcp_siocoutq_acked },
	{ "tcp_siocoutq_filled", tcp_siocoutq_filled },
	{ "tcp_oob_basic", tcp_oob_basic },
	{ "tcp_oob_read_first", tcp_oob_read_first },
	{ "tcp_oob_fionread", tcp_oob_fionread },
	{ "tcp_oob_none", tcp_oob_none },
	{ "tcp_oob_peek", tcp_oob_peek },
	{ "tcp_oob_inline", tcp_oob_inline },
	{ "tcp_oob_pollpri", tcp_oob_pollpri },
	{ "tcp_oob_unconnected", tcp_oob_unconnected },
	{ "tcp_many_sequential", tcp_many_sequential },
	{ "tcp_many_concurrent", tcp_many_concurrent },
	{ 0 },
};

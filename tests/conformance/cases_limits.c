/*
 * cases_limits.c - backpressure and limits (send buffers, SO_SNDBUF and
 * SO_RCVBUF, SO_RCVLOWAT), FIONREAD and SIOCOUTQ, blocking calls
 * interrupted (EINTR), and exactly when SIGPIPE is raised.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 *
 * Interruption: a helper thread blocks in the call, the case waits until
 * it sleeps and interrupts it with the backend's interrupt() (on Linux a
 * signal whose handler has no SA_RESTART). The call carries a guard
 * timeout of a few seconds, so that a lost interruption fails the case
 * instead of hanging it.
 *
 * SIOCOUTQ reports the true size of the sender's buffers still queued
 * (Linux's skb truesize): the values pinned here are Linux's (6.x,
 * x86_64), which follow its allocation sizes.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

#define GUARD_MS 5000
#define MAX_DGRAM_QLEN 10
#define BIG (1024 * 1024)

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static long mk_sock(struct ct_ctx *c, int type)
{
	return ct_fd(c, c->b->socket(AF_UNIX, type, 0));
}

static long set_int(struct ct_ctx *c, int fd, int name, int v)
{
	return c->b->setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v));
}

static long get_int(struct ct_ctx *c, int fd, int name)
{
	unsigned l = sizeof(int);
	int v = -1;
	long r = c->b->getsockopt(fd, SOL_SOCKET, name, &v, &l);

	return r < 0 ? r : v;
}

static long ioctl_int(struct ct_ctx *c, int fd, unsigned long req)
{
	int v = -12345;
	long r = c->b->ioctl(fd, req, &v);

	return r < 0 ? r : v;
}

/* Both guard timeouts on fd. */
static long guard(struct ct_ctx *c, int fd)
{
	long r = ct_set_timeo(c, fd, SO_RCVTIMEO, GUARD_MS);

	return r < 0 ? r : ct_set_timeo(c, fd, SO_SNDTIMEO, GUARD_MS);
}

static void close_untracked(struct ct_ctx *c, int fd)
{
	ct_untrack(c, fd);
	(void)c->b->close(fd); /* the cases that care check their own closes */
}

/* Fills fd's send path without blocking: the bytes written in chunks of
 * chunk bytes (up to 64 KiB) until EAGAIN. */
static long fill(struct ct_ctx *c, int fd, unsigned long chunk)
{
	static char buf[65536];
	long total = 0, r;
	int n = 0;

	if (chunk > sizeof(buf))
		chunk = sizeof(buf);
	while ((r = ct_snd(c, fd, buf, chunk, MSG_DONTWAIT)) > 0 && n++ < 100000)
		total += r;
	return r == -EAGAIN ? total : (r < 0 ? r : -1000);
}

/* Reads everything queued on fd without blocking; returns the count. */
static long drain(struct ct_ctx *c, int fd)
{
	static char buf[65536];
	long total = 0, r;

	while ((r = ct_rcv(c, fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += r;
	return r == -EAGAIN || r == 0 ? total : r;
}

/* ---- one blocking call in a helper thread ---- */

enum op { OP_RECV, OP_SEND, OP_ACCEPT, OP_CONNECT, OP_SENDTO, OP_RECVMMSG, OP_POLL };

struct blocker {
	struct ct_ctx *c;
	enum op op;
	int fd, flags;
	void *buf;
	unsigned long len;
	const struct sockaddr_un *addr;
	unsigned alen;
	int tid; /* the thread's id, set (atomically) before it blocks */
	long ret;
	int sigpipe; /* SIGPIPE was pending in the thread after the call */
};

static void *blocker_thread(void *arg)
{
	struct blocker *bl = arg;
	const struct ct_backend *b = bl->c->b;

	(void)ct_take_sigpipe();
	__atomic_store_n(&bl->tid, (int)gettid(), __ATOMIC_RELEASE);
	switch (bl->op) {
	case OP_RECV:
		bl->ret = b->recvfrom(bl->fd, bl->buf, bl->len, bl->flags, NULL, NULL);
		break;
	case OP_SEND:
		bl->ret = b->sendto(bl->fd, bl->buf, bl->len, bl->flags, NULL, 0);
		break;
	case OP_ACCEPT:
		bl->ret = ct_fd(bl->c, b->accept(bl->fd, NULL, NULL));
		break;
	case OP_CONNECT:
		bl->ret = b->connect(bl->fd, bl->addr, bl->alen);
		break;
	case OP_SENDTO:
		bl->ret = b->sendto(bl->fd, bl->buf, bl->len, bl->flags, bl->addr, bl->alen);
		break;
	case OP_RECVMMSG:
		bl->ret = b->recvmmsg(bl->fd, bl->buf, (unsigned)bl->len, bl->flags, NULL);
		break;
	case OP_POLL:
		bl->ret = b->poll(bl->buf, bl->len, GUARD_MS);
		break;
	}
	bl->sigpipe = ct_take_sigpipe();
	return NULL;
}

static void blocker_init(struct blocker *bl, struct ct_ctx *c, enum op op, int fd, void *buf,
			 unsigned long len, int flags)
{
	memset(bl, 0, sizeof(*bl));
	bl->c = c;
	bl->op = op;
	bl->fd = fd;
	bl->buf = buf;
	bl->len = len;
	bl->flags = flags;
}

/* Runs bl's call in a thread, interrupts it once it sleeps, joins it. */
static long run_interrupted(struct ct_ctx *c, struct blocker *bl)
{
	pthread_t t;

	if (pthread_create(&t, NULL, blocker_thread, bl) != 0)
		return -1000;
	ct_wait_sleeping(&bl->tid);
	CT_CHECK_EQ(c, c->b->interrupt(t), 0);
	pthread_join(t, NULL);
	return bl->ret;
}

/* ---- backpressure ---- */

/* A stream writer is bounded by its send buffer: a nonblocking writer
 * gets EAGAIN, a blocking one waits (SO_SNDTIMEO: the part written, then
 * EAGAIN). Nothing is queued beyond the bound. */
static void limits_stream_writer_bounded(struct ct_ctx *c)
{
	static char big[BIG];
	struct timespec t0;
	long sb, filled, r, q;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_OK(c, sb, get_int(c, sv[0], SO_SNDBUF));
	CT_EQ(c, ct_set_timeo(c, sv[0], SO_SNDTIMEO, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_OK(c, r, ct_snd(c, sv[0], big, sizeof(big), 0));
	CT_TRUE(c, r > 0 && r < (long)sizeof(big));
	CT_TRUE(c, ct_elapsed_ms(&t0) >= 40);
	CT_EQ(c, ct_snd(c, sv[0], big, sizeof(big), 0), -EAGAIN);
	CT_EQ(c, ct_snd(c, sv[0], big, 1, MSG_DONTWAIT), -EAGAIN);
	CT_OK(c, filled, fill(c, sv[0], 1));
	CT_EQ(c, filled, 0);
	CT_OK(c, q, ioctl_int(c, sv[1], FIONREAD));
	CT_EQ(c, q, r);
	CT_TRUE(c, q < 2 * sb);
	CT_EQ(c, drain(c, sv[1]), r);
	CT_EQ(c, ct_snd(c, sv[0], big, 1, MSG_DONTWAIT), 1);
}

/* A smaller SO_SNDBUF fills sooner; the receiver's SO_RCVBUF plays no
 * part for a stream (the fill is the same). */
static void limits_stream_sndbuf_rcvbuf(struct ct_ctx *c)
{
	long def, small_snd, small_rcv;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_OK(c, def, fill(c, sv[0], 65536));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, set_int(c, sv[0], SO_SNDBUF, 1), 0);
	CT_OK(c, small_snd, fill(c, sv[0], 65536));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, set_int(c, sv[1], SO_RCVBUF, 1), 0);
	CT_OK(c, small_rcv, fill(c, sv[0], 65536));
	CT_TRUE(c, def > 65536);
	CT_TRUE(c, small_snd > 0 && small_snd * 10 < def);
	CT_EQ(c, small_rcv, def);
}

/* Each write costs a whole buffer's true size: one-byte writes fill the
 * send buffer after a few hundred bytes. */
static void limits_stream_tiny_writes(struct ct_ctx *c)
{
	long sb, n;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_OK(c, sb, get_int(c, sv[0], SO_SNDBUF));
	CT_OK(c, n, fill(c, sv[0], 1));
	CT_TRUE(c, n > 0 && n * 100 < sb);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), n);
	CT_EQ(c, drain(c, sv[1]), n);
}

/* Seqpacket and datagram pairs: bounded by the sender's buffer too (a
 * datagram socketpair is exempt from the queue-length limit). */
static void limits_message_fill_bounded(struct ct_ctx *c)
{
	long sb, n, small;
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_OK(c, sb, get_int(c, sv[0], SO_SNDBUF));
		CT_OK(c, n, fill(c, sv[0], 1000));
		CT_TRUE(c, n > MAX_DGRAM_QLEN * 1000 && n < sb);
		CT_EQ(c, n % 1000, 0);
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, set_int(c, sv[0], SO_SNDBUF, 1), 0);
		CT_OK(c, small, fill(c, sv[0], 1000));
		CT_TRUE(c, small > 0 && small * 10 < n);
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, set_int(c, sv[1], SO_RCVBUF, 1), 0);
		CT_EQ(c, fill(c, sv[0], 1000), n);
	}
}

/* A blocking datagram sender on a full send buffer waits SO_SNDTIMEO. */
static void limits_dgram_sndbuf_blocks(struct ct_ctx *c)
{
	struct timespec t0;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_TRUE(c, fill(c, sv[0], 4000) > 0);
	CT_EQ(c, ct_set_timeo(c, sv[0], SO_SNDTIMEO, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EAGAIN);
	CT_TRUE(c, ct_elapsed_ms(&t0) >= 40);
	CT_TRUE(c, drain(c, sv[1]) > 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), 1);
}

/* ---- SO_RCVLOWAT ---- */

/* A blocking stream read waits until SO_RCVLOWAT bytes are there (here
 * SO_RCVTIMEO ends the wait: it returns what it has). */
static void limits_rcvlowat_read_waits(struct ct_ctx *c)
{
	struct timespec t0;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, set_int(c, sv[1], SO_RCVLOWAT, 5), 0);
	CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 50), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 3);
	CT_TRUE(c, ct_elapsed_ms(&t0) >= 40);
	/* Enough queued: at once (well before a 2 s timeout). */
	CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 2000), 0);
	CT_EQ(c, ct_snd(c, sv[0], "defghi", 6, 0), 6);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 6);
	CT_TRUE(c, ct_elapsed_ms(&t0) < 1000);
}

/* The blocked read gathers writes until SO_RCVLOWAT is reached. */
static void limits_rcvlowat_read_gathers(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	CT_EQ(c, set_int(c, sv[1], SO_RCVLOWAT, 5), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	CT_CHECK_EQ(c, ct_snd(c, sv[0], "de", 2, 0), 2);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, 5);
	CT_TRUE(c, memcmp(buf, "abcde", 5) == 0);
}

/* What bounds the wait: MSG_DONTWAIT returns what there is, a buffer
 * shorter than SO_RCVLOWAT is filled at once, EOF ends it. */
static void limits_rcvlowat_bounds(struct ct_ctx *c)
{
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	CT_EQ(c, set_int(c, sv[1], SO_RCVLOWAT, 100), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, MSG_DONTWAIT), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 2, 0), 2); /* len < lowat: len is the target */
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 0);
}

/* Datagram and seqpacket reads ignore SO_RCVLOWAT; so does poll. */
static void limits_rcvlowat_messages_ignored(struct ct_ctx *c)
{
	struct pollfd p;
	char buf[16];
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, guard(c, sv[1]), 0);
		CT_EQ(c, set_int(c, sv[1], SO_RCVLOWAT, 100), 0);
		CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
		p.fd = sv[1];
		p.events = POLLIN;
		p.revents = 0;
		CT_EQ(c, c->b->poll(&p, 1, 0), 1);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
	}
}

/* ---- FIONREAD and SIOCOUTQ ---- */

static const unsigned long sizes[] = { 1, 100, 500, 1000, 2000, 4000, 8000, 16000, 32000, 70000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* The true size of one buffer holding n bytes, on a stream and on the
 * message types (which allocate their buffers differently above a page). */
static const long outq_stream[NSIZES] = { 768,	768,  1280,  2304,  4352,
					  4864, 8960, 16640, 33024, 71168 };
static const long outq_msg[NSIZES] = { 768,  768,   1280,  2304,  4352,
				       8448, 16640, 16640, 33024, 73984 };

/* One write of each size: FIONREAD is the byte count, SIOCOUTQ the
 * buffer's true size; both 0 once read. */
static void limits_fionread_siocoutq_sizes(struct ct_ctx *c)
{
	static char buf[70000];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		const long *outq = unix_types[t] == SOCK_STREAM ? outq_stream : outq_msg;

		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (size_t i = 0; i < NSIZES; i++) {
			CT_EQ(c, ct_snd(c, sv[0], buf, sizes[i], MSG_DONTWAIT), (long)sizes[i]);
			if (ioctl_int(c, sv[0], SIOCOUTQ) != outq[i]) {
				ct_fail(c, __FILE__, __LINE__, "type %d, %lu bytes: SIOCOUTQ %ld, want %ld",
					unix_types[t], sizes[i], ioctl_int(c, sv[0], SIOCOUTQ), outq[i]);
				return;
			}
			CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), (long)sizes[i]);
			CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), (long)sizes[i]);
			CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), 0);
			CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 0);
		}
	}
}

/* Several writes queued: a stream's FIONREAD sums them, a datagram's is
 * the first one's; SIOCOUTQ sums their true sizes. */
static void limits_fionread_siocoutq_queued(struct ct_ctx *c)
{
	static char buf[70000];
	long inq, outq;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		const long *tab = unix_types[t] == SOCK_STREAM ? outq_stream : outq_msg;

		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		outq = 0;
		inq = 0;
		for (size_t i = 0; i < 5; i++) {
			CT_EQ(c, ct_snd(c, sv[0], buf, sizes[i * 2], MSG_DONTWAIT), (long)sizes[i * 2]);
			outq += tab[i * 2];
			inq += (long)sizes[i * 2];
		}
		CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), outq);
		CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), unix_types[t] == SOCK_DGRAM ? 1 : inq);
		CT_EQ(c, ct_rcv(c, sv[1], buf, 1, MSG_DONTWAIT), 1);
		CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), outq - tab[0]);
		CT_EQ(c, ioctl_int(c, sv[1], FIONREAD),
		      unix_types[t] == SOCK_DGRAM ? (long)sizes[2] : inq - 1);
	}
}

/* A stream buffer partly read still holds its whole true size; the
 * peer's data stays counted after the writer closed. */
static void limits_siocoutq_partial_read(struct ct_ctx *c)
{
	static char buf[70000];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], buf, 70000, 0), 70000);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 1000, 0), 1000);
	CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), 71168);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 69000);
	close_untracked(c, sv[0]);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 69000);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 69000);
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), 0);
}

/* Many small writes queued (ksock packs them into shared buffers): each
 * is charged as its own buffer, and a read that ends inside a write keeps
 * that write charged while those it finished are uncharged, whichever
 * buffer they share; one read crosses from write to write. */
static void limits_siocoutq_small_writes(struct ct_ctx *c)
{
	static const unsigned long wsize[] = { 64, 64, 300, 1, 64, 512, 64, 200 };
	static const long wtrue[] = { 768, 768, 1280, 768, 768, 1280, 768, 1280 };
	const int nw = (int)(sizeof(wsize) / sizeof(wsize[0]));
	char buf[2048], in[2048];
	long outq = 0, inq = 0;
	int sv[2];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 13 + 5);
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	for (int r = 0; r < 3; r++) { /* all writes, three times over */
		unsigned long off = 0;
		for (int i = 0; i < nw; i++) {
			CT_EQ(c, ct_snd(c, sv[0], buf + off, wsize[i], MSG_DONTWAIT), (long)wsize[i]);
			off += wsize[i];
			outq += wtrue[i];
			inq += (long)wsize[i];
			CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), outq);
		}
	}
	CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), inq);
	/* Reads of odd sizes: after each, the writes read completely are
	 * uncharged, the one read partly is not. */
	static const unsigned long rsize[] = { 1, 63, 100, 28, 300, 700, 5, 1000, 2000 };
	unsigned long done = 0, total = (unsigned long)inq;
	for (size_t k = 0; k < sizeof(rsize) / sizeof(rsize[0]) && done < total; k++) {
		unsigned long want = rsize[k] < total - done ? rsize[k] : total - done;
		CT_EQ(c, ct_rcv(c, sv[1], in, want, MSG_DONTWAIT), (long)want);
		for (unsigned long j = 0; j < want; j++) { /* the bytes, in order */
			unsigned long pos = done + j, w = 0, wo = 0;
			for (;; w = (w + 1) % (unsigned long)nw) { /* which write, which offset */
				if (pos < wsize[w])
					break;
				pos -= wsize[w];
			}
			for (unsigned long i = 0; i < w; i++)
				wo += wsize[i];
			if (in[j] != buf[wo + pos]) {
				ct_fail(c, __FILE__, __LINE__, "byte %lu of the stream differs", done + j);
				break;
			}
		}
		done += want;
		long charged = 0;
		unsigned long at = 0;
		for (int i = 0; at < total; i = (i + 1) % nw) { /* writes not read completely */
			if (at + wsize[i] > done)
				charged += wtrue[i];
			at += wsize[i];
		}
		CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), charged);
		CT_EQ(c, ioctl_int(c, sv[1], FIONREAD), (long)(total - done));
	}
	CT_EQ(c, ioctl_int(c, sv[0], SIOCOUTQ), 0);
	close_untracked(c, sv[0]);
	close_untracked(c, sv[1]);
}

/* ---- interruption ---- */

/* A blocked recv interrupted: EINTR, nothing lost: data sent afterwards
 * is read once. */
static void limits_eintr_recv(struct ct_ctx *c)
{
	struct blocker bl;
	char buf[16];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, guard(c, sv[1]), 0);
		blocker_init(&bl, c, OP_RECV, sv[1], buf, sizeof(buf), 0);
		CT_EQ(c, run_interrupted(c, &bl), -EINTR);
		CT_EQ(c, ct_snd(c, sv[0], "after", 5, 0), 5);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 5);
		CT_TRUE(c, memcmp(buf, "after", 5) == 0);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* A MSG_WAITALL read interrupted after part of the data: the part (not
 * EINTR); the rest comes next. */
static void limits_eintr_waitall_partial(struct ct_ctx *c)
{
	struct blocker bl;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcd", 4, 0), 4);
	blocker_init(&bl, c, OP_RECV, sv[1], buf, 10, MSG_WAITALL);
	CT_EQ(c, run_interrupted(c, &bl), 4);
	CT_TRUE(c, memcmp(buf, "abcd", 4) == 0);
	CT_EQ(c, ct_snd(c, sv[0], "efghij", 6, 0), 6);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 6);
	CT_TRUE(c, memcmp(buf, "efghij", 6) == 0);
}

/* A blocked accept interrupted: EINTR; the listener still works. */
static void limits_eintr_accept(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	struct blocker bl;
	long l, cl, s;

	for (int t = 0; t < 3; t += 2) {
		al = ct_abstract(c, &a, "l");
		CT_OK(c, l, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->bind((int)l, &a, al), 0);
		CT_EQ(c, c->b->listen((int)l, 4), 0);
		CT_EQ(c, guard(c, (int)l), 0);
		blocker_init(&bl, c, OP_ACCEPT, (int)l, NULL, 0, 0);
		CT_EQ(c, run_interrupted(c, &bl), -EINTR);
		CT_OK(c, cl, mk_sock(c, unix_types[t]));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		CT_OK(c, s, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
	}
}

/* A blocked send (buffer full) interrupted before it wrote anything:
 * EINTR; exactly the bytes written before arrive. */
static void limits_eintr_send_full(struct ct_ctx *c)
{
	struct blocker bl;
	char x = 'x';
	long filled;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, guard(c, sv[0]), 0);
		CT_OK(c, filled, fill(c, sv[0], unix_types[t] == SOCK_STREAM ? 65536 : 1000));
		CT_TRUE(c, filled > 0);
		blocker_init(&bl, c, OP_SEND, sv[0], &x, 1, 0);
		CT_EQ(c, run_interrupted(c, &bl), -EINTR);
		CT_EQ(c, bl.sigpipe, 0);
		CT_EQ(c, drain(c, sv[1]), filled);
	}
}

/* A large blocking write interrupted after part of it went: the count
 * written, and the reader gets exactly those bytes. */
static void limits_eintr_send_partial(struct ct_ctx *c)
{
	static char big[BIG], got[BIG];
	struct blocker bl;
	long r, n = 0;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[0]), 0);
	ct_fill(big, sizeof(big), 7);
	blocker_init(&bl, c, OP_SEND, sv[0], big, sizeof(big), 0);
	CT_OK(c, r, run_interrupted(c, &bl));
	CT_TRUE(c, r > 0 && r < (long)sizeof(big));
	while (n < (long)sizeof(got)) {
		long k = ct_rcv(c, sv[1], got + n, sizeof(got) - (size_t)n, MSG_DONTWAIT);

		if (k <= 0)
			break;
		n += k;
	}
	CT_EQ(c, n, r);
	CT_TRUE(c, memcmp(got, big, (size_t)n) == 0);
}

/* A connect blocked on a full backlog interrupted: EINTR, the socket
 * stays unconnected and can connect later. */
static void limits_eintr_connect(struct ct_ctx *c)
{
	struct sockaddr_un a, p;
	unsigned al = ct_abstract(c, &a, "l"), pl = sizeof(p);
	struct blocker bl;
	long l, c1, c2, s;

	CT_OK(c, l, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->listen((int)l, 0), 0);
	CT_OK(c, c1, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)c1, &a, al), 0);
	CT_OK(c, c2, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, guard(c, (int)c2), 0);
	blocker_init(&bl, c, OP_CONNECT, (int)c2, NULL, 0, 0);
	bl.addr = &a;
	bl.alen = al;
	CT_EQ(c, run_interrupted(c, &bl), -EINTR);
	CT_EQ(c, c->b->getpeername((int)c2, &p, &pl), -ENOTCONN);
	CT_OK(c, s, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, c->b->connect((int)c2, &a, al), 0);
}

/* A datagram sender blocked on a full receiver queue interrupted: EINTR
 * and its datagram was not queued. */
static void limits_eintr_dgram_sendto(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "r");
	struct blocker bl;
	char buf[8];
	long r, s;
	int i;

	CT_OK(c, r, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, guard(c, (int)s), 0);
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, c->b->sendto((int)s, "q", 1, 0, &a, al), 1);
	blocker_init(&bl, c, OP_SENDTO, (int)s, "late", 4, 0);
	bl.addr = &a;
	bl.alen = al;
	CT_EQ(c, run_interrupted(c, &bl), -EINTR);
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, ct_rcv(c, (int)r, buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, (int)r, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
}

/* recvmmsg interrupted while waiting for its second datagram: the count
 * so far (1); the interruption is kept as the socket's error (EINTR,
 * reported by SO_ERROR). */
static void limits_eintr_recvmmsg(struct ct_ctx *c)
{
	struct mmsghdr v[2];
	struct iovec iov[2];
	char b0[8], b1[8];
	struct blocker bl;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, guard(c, sv[1]), 0);
	CT_EQ(c, ct_snd(c, sv[0], "one", 3, 0), 3);
	memset(v, 0, sizeof(v));
	iov[0].iov_base = b0;
	iov[0].iov_len = sizeof(b0);
	iov[1].iov_base = b1;
	iov[1].iov_len = sizeof(b1);
	for (int i = 0; i < 2; i++) {
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
	}
	blocker_init(&bl, c, OP_RECVMMSG, sv[1], v, 2, 0);
	CT_EQ(c, run_interrupted(c, &bl), 1);
	CT_EQ(c, v[0].msg_len, 3);
	CT_EQ(c, get_int(c, sv[1], SO_ERROR), EINTR);
	CT_EQ(c, get_int(c, sv[1], SO_ERROR), 0);
}

/* A blocked poll interrupted: EINTR. */
static void limits_eintr_poll(struct ct_ctx *c)
{
	struct blocker bl;
	struct pollfd p;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	p.fd = sv[1];
	p.events = POLLIN;
	p.revents = 0;
	blocker_init(&bl, c, OP_POLL, -1, &p, 1, 0);
	CT_EQ(c, run_interrupted(c, &bl), -EINTR);
}

/* ---- SIGPIPE ---- */

enum situation { PEER_CLOSED, OWN_SHUT_WR, PEER_SHUT_RD };

/* A pair of type in the given broken state; sv[0] is the sender. */
static long mk_broken(struct ct_ctx *c, int type, enum situation s, int sv[2])
{
	long r = ct_pair(c, type, sv);

	if (r < 0)
		return r;
	switch (s) {
	case PEER_CLOSED:
		close_untracked(c, sv[1]);
		return 0;
	case OWN_SHUT_WR:
		return c->b->shutdown(sv[0], SHUT_WR);
	default:
		return c->b->shutdown(sv[1], SHUT_RD);
	}
}

/* Every way of writing: result and whether SIGPIPE was raised (encoded
 * as result * 2 + sigpipe). */
static long each_call(struct ct_ctx *c, int fd, int call)
{
	struct iovec iov = { "x", 1 };
	struct mmsghdr mm;
	struct msghdr m;
	long r;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	memset(&mm, 0, sizeof(mm));
	mm.msg_hdr = m;
	(void)ct_take_sigpipe();
	switch (call) {
	case 0: r = c->b->write(fd, "x", 1); break;
	case 1: r = ct_snd(c, fd, "x", 1, 0); break;
	case 2: r = c->b->sendmsg(fd, &m, 0); break;
	case 3: r = c->b->writev(fd, &iov, 1); break;
	case 4: r = c->b->sendmmsg(fd, &mm, 1, 0); break;
	case 5: r = ct_snd(c, fd, "x", 0, 0); break; /* zero length */
	case 6: r = ct_snd(c, fd, "x", 1, MSG_DONTWAIT); break;
	case 7: r = ct_snd(c, fd, "x", 1, MSG_NOSIGNAL); break;
	case 8: r = c->b->sendmsg(fd, &m, MSG_NOSIGNAL); break;
	default: r = c->b->sendmmsg(fd, &mm, 1, MSG_NOSIGNAL); break;
	}
	return r * 2 + ct_take_sigpipe();
}

#define NCALLS 10
#define NOSIGNAL_FROM 7 /* calls from this one on pass MSG_NOSIGNAL */

/* Stream: EPIPE with SIGPIPE on every write path (peer closed, own
 * SHUT_WR, peer SHUT_RD), zero-length writes included; MSG_NOSIGNAL
 * suppresses only the signal. */
static void limits_sigpipe_stream(struct ct_ctx *c)
{
	int sv[2];

	for (int s = 0; s < 3; s++) {
		CT_EQ(c, mk_broken(c, SOCK_STREAM, (enum situation)s, sv), 0);
		for (int call = 0; call < NCALLS; call++) {
			long want = -EPIPE * 2 + (call < NOSIGNAL_FROM);
			long got = each_call(c, sv[0], call);

			if (got != want) {
				ct_fail(c, __FILE__, __LINE__, "situation %d call %d: %ld/%ld, want %ld/%ld",
					s, call, got >> 1, got & 1, want >> 1, want & 1);
				return;
			}
		}
	}
}

/* Seqpacket: EPIPE in every situation, never SIGPIPE. */
static void limits_sigpipe_seqpacket(struct ct_ctx *c)
{
	int sv[2];

	for (int s = 0; s < 3; s++) {
		CT_EQ(c, mk_broken(c, SOCK_SEQPACKET, (enum situation)s, sv), 0);
		for (int call = 0; call < NCALLS; call++) {
			long got = each_call(c, sv[0], call);

			if (got != -EPIPE * 2) {
				ct_fail(c, __FILE__, __LINE__, "situation %d call %d: %ld/%ld", s, call,
					got >> 1, got & 1);
				return;
			}
		}
	}
}

/* Datagram: never SIGPIPE. Shut down: EPIPE; a socketpair whose peer
 * closed: ECONNREFUSED once, then ENOTCONN. */
static void limits_sigpipe_dgram(struct ct_ctx *c)
{
	int sv[2];

	for (int s = 0; s < 3; s++) {
		CT_EQ(c, mk_broken(c, SOCK_DGRAM, (enum situation)s, sv), 0);
		for (int call = 0; call < NCALLS; call++) {
			long want = s != PEER_CLOSED ? -EPIPE : call == 0 ? -ECONNREFUSED : -ENOTCONN;
			long got = each_call(c, sv[0], call);

			if (got != want * 2) {
				ct_fail(c, __FILE__, __LINE__, "situation %d call %d: %ld/%ld, want %ld",
					s, call, got >> 1, got & 1, want);
				return;
			}
		}
	}
}

/* Descriptors sent to a closed stream peer: EPIPE and SIGPIPE. */
static void limits_sigpipe_stream_rights(struct ct_ctx *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { "x", 1 };
	struct cmsghdr *cm;
	struct msghdr m;
	int sv[2];

	CT_EQ(c, mk_broken(c, SOCK_STREAM, PEER_CLOSED, sv), 0);
	memset(&m, 0, sizeof(m));
	memset(&u, 0, sizeof(u));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.b;
	m.msg_controllen = sizeof(u.b);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
	(void)ct_take_sigpipe();
	CT_EQ(c, c->b->sendmsg(sv[0], &m, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
}

/* SIGPIPE goes to the thread that wrote, not to the process. */
static void limits_sigpipe_thread_directed(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	int sv[2];

	CT_EQ(c, mk_broken(c, SOCK_STREAM, PEER_CLOSED, sv), 0);
	(void)ct_take_sigpipe();
	blocker_init(&bl, c, OP_SEND, sv[0], "x", 1, 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, -EPIPE);
	CT_EQ(c, bl.sigpipe, 1);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* A blocked stream writer whose peer closes (with the writer's data
 * unread): ECONNRESET and no SIGPIPE; the next write: EPIPE and
 * SIGPIPE. */
static void limits_sigpipe_blocked_writer(struct ct_ctx *c)
{
	struct blocker bl;
	pthread_t t;
	char x = 'x';
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, guard(c, sv[0]), 0);
	CT_TRUE(c, fill(c, sv[0], 65536) > 0);
	blocker_init(&bl, c, OP_SEND, sv[0], &x, 1, 0);
	CT_EQ(c, pthread_create(&t, NULL, blocker_thread, &bl), 0);
	ct_wait_sleeping(&bl.tid);
	close_untracked(c, sv[1]);
	pthread_join(t, NULL);
	CT_EQ(c, bl.ret, -ECONNRESET);
	CT_EQ(c, bl.sigpipe, 0);
	(void)ct_take_sigpipe();
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
}

const struct ct_case ct_cases_limits[] = {
	{ "limits_stream_writer_bounded", limits_stream_writer_bounded },
	{ "limits_stream_sndbuf_rcvbuf", limits_stream_sndbuf_rcvbuf },
	{ "limits_stream_tiny_writes", limits_stream_tiny_writes },
	{ "limits_message_fill_bounded", limits_message_fill_bounded },
	{ "limits_dgram_sndbuf_blocks", limits_dgram_sndbuf_blocks },
	{ "limits_rcvlowat_read_waits", limits_rcvlowat_read_waits },
	{ "limits_rcvlowat_read_gathers", limits_rcvlowat_read_gathers },
	{ "limits_rcvlowat_bounds", limits_rcvlowat_bounds },
	{ "limits_rcvlowat_messages_ignored", limits_rcvlowat_messages_ignored },
	{ "limits_fionread_siocoutq_sizes", limits_fionread_siocoutq_sizes },
	{ "limits_fionread_siocoutq_queued", limits_fionread_siocoutq_queued },
	{ "limits_siocoutq_partial_read", limits_siocoutq_partial_read },
	{ "limits_siocoutq_small_writes", limits_siocoutq_small_writes },
	{ "limits_eintr_recv", limits_eintr_recv },
	{ "limits_eintr_waitall_partial", limits_eintr_waitall_partial },
	{ "limits_eintr_accept", limits_eintr_accept },
	{ "limits_eintr_send_full", limits_eintr_send_full },
	{ "limits_eintr_send_partial", limits_eintr_send_partial },
	{ "limits_eintr_connect", limits_eintr_connect },
	{ "limits_eintr_dgram_sendto", limits_eintr_dgram_sendto },
	{ "limits_eintr_recvmmsg", limits_eintr_recvmmsg },
	{ "limits_eintr_poll", limits_eintr_poll },
	{ "limits_sigpipe_stream", limits_sigpipe_stream },
	{ "limits_sigpipe_seqpacket", limits_sigpipe_seqpacket },
	{ "limits_sigpipe_dgram", limits_sigpipe_dgram },
	{ "limits_sigpipe_stream_rights", limits_sigpipe_stream_rights },
	{ "limits_sigpipe_thread_directed", limits_sigpipe_thread_directed },
	{ "limits_sigpipe_blocked_writer", limits_sigpipe_blocked_writer },
	{ 0 },
};

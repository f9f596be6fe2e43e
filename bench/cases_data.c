/*
 * cases_data.c - the data cases: stream bulk transfer, message rate and
 * 1-byte round-trip latency, each over a connected AF_UNIX socketpair or
 * (udp cases) two AF_INET UDP sockets on 127.0.0.1.
 *
 * Shape of every case: the case function makes the pair (untimed), sets
 * 5-second send and receive timeouts on both ends, and runs a sender and
 * a receiver in two pinned threads (bench_run_threads). The sender takes
 * the start time, sends for the run's duration (checking the clock every
 * 32 operations, and never more than BENCH_MAX_OPS operations), then ends
 * the stream: shutdown(SHUT_WR) for stream and seqpacket, a zero-length
 * datagram for dgram. The receiver reads until that end and takes the end
 * time, so a figure counts only data that arrived.
 *
 * Reads use a buffer of the same size as the writes: one receive call per
 * send, the same pattern on both backends.
 *
 * UDP (AF_INET, 127.0.0.1) has the same shape over two sockets, each bound
 * to 127.0.0.1 port 0. A UDP sender never waits for its receiver: both
 * Linux and ksock drop a datagram that finds the receive buffer full. So
 * the message-rate case has a credit scheme, the same on both backends:
 * the sender may be at most UDP_WINDOW datagrams ahead of the receiver;
 * the receiver sends a 1-byte credit datagram back every UDP_CREDIT
 * datagrams it has received, and a sender with no window left blocks in a
 * recv of the next credit (under the 5-second timeout). The receiver's
 * SO_RCVBUF is set to UDP_RCVBUF, which holds the whole window on both
 * backends with room to spare, so no datagram is dropped; if one were,
 * its credit would never come and the run would fail with a timeout
 * rather than count a loss.
 *
 * TCP (AF_INET, 127.0.0.1) runs the stream cases' sender and receiver
 * (write/read, shutdown(SHUT_WR) at the end) and the round trip's client
 * and server over a connected pair: a listener bound to 127.0.0.1 port 0,
 * connect, accept, the listener closed again, all before the clock starts.
 * Socket buffers are each backend's defaults (Linux's tcp_wmem/tcp_rmem
 * with autotuning, ksock's copy of them). The round trip sets TCP_NODELAY
 * on both ends (on the listener, so the accepted end has it from the
 * handshake on, and again on each end); bulk leaves Nagle on, as a bulk
 * sender would. After the ends are closed, ksock's orphan (the end that
 * closed first sits in TIME-WAIT, on Linux too) is ended at once with
 * ks_inet_tcp_expire (bench_backend.tcp_expire), untimed, for the
 * runner's leak check; Linux's stays in its kernel for 60 s.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define BENCH_MAX_OPS (1L << 30)
/* A receiver gives up this long after the sender's deadline. */
#define BENCH_DRAIN_NS (10ull * 1000000000u)

struct xfer {
	const struct bench_backend *b;
	int type;             /* SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM */
	int tx, rx;           /* the sending and receiving ends */
	unsigned long size;   /* bytes per send and per receive */
	uint64_t duration_ns;
	uint64_t t0;          /* start, set by the sender (atomic) */
	uint64_t t1;          /* end, set by the receiver */
	long long bytes;      /* received */
	long msgs;            /* receive calls that returned data */
	/* UDP only: the ends' addresses (127.0.0.1, ephemeral ports) */
	struct sockaddr_in tx_addr, rx_addr;
	/* round trip only */
	double *samples;      /* ns per round trip */
	size_t nsamples, cap;
};

static int xfer_open(struct xfer *x, const struct bench_backend *b, int type,
		     unsigned long size, uint64_t duration_ns)
{
	int sv[2];
	long err;

	memset(x, 0, sizeof(*x));
	x->b = b;
	x->type = type;
	x->size = size;
	x->duration_ns = duration_ns;
	err = b->socketpair(AF_UNIX, type, 0, sv);
	if (err)
		return (int)err;
	x->tx = sv[0];
	x->rx = sv[1];
	err = bench_set_timeouts(b, x->tx);
	if (err == 0)
		err = bench_set_timeouts(b, x->rx);
	if (err) {
		b->close(x->tx);
		b->close(x->rx);
	}
	return (int)err;
}

static int xfer_close(struct xfer *x)
{
	long e1 = x->b->close(x->tx), e2 = x->b->close(x->rx);

	return (int)(e1 ? e1 : e2);
}

/* Ends the sender's side of the conversation (see the file header). */
static int send_end(struct xfer *x, int fd)
{
	char none = 0;

	if (x->type == SOCK_DGRAM)
		return (int)x->b->send(fd, &none, 0);
	return (int)x->b->shutdown(fd, SHUT_WR);
}

/* Sends all of buf[0..n) (a stream write may be partial). */
static long send_all(struct xfer *x, const char *buf, unsigned long n)
{
	unsigned long done = 0;

	while (done < n) {
		long r = x->type == SOCK_STREAM ? x->b->write(x->tx, buf + done, n - done)
						 : x->b->send(x->tx, buf + done, n - done);
		if (r < 0)
			return r;
		if (x->type != SOCK_STREAM && (unsigned long)r != n)
			return -EMSGSIZE;
		done += (unsigned long)r;
	}
	return 0;
}

static int sender(void *arg)
{
	struct xfer *x = arg;
	char *buf = malloc(x->size);
	uint64_t t0, deadline;
	long err = 0;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, x->size);
	t0 = bench_now_ns();
	deadline = t0 + x->duration_ns;
	__atomic_store_n(&x->t0, t0, __ATOMIC_RELEASE);
	for (long i = 0; i < BENCH_MAX_OPS; i++) {
		if ((i & 31) == 0 && bench_now_ns() >= deadline)
			break;
		err = send_all(x, buf, x->size);
		if (err)
			break;
	}
	free(buf);
	if (err == 0)
		err = send_end(x, x->tx);
	return (int)err;
}

static int receiver(void *arg)
{
	struct xfer *x = arg;
	char *buf = malloc(x->size);
	long err = 0;

	if (!buf)
		return -ENOMEM;
	for (long i = 0; i < BENCH_MAX_OPS; i++) {
		long r = x->type == SOCK_STREAM ? x->b->read(x->rx, buf, x->size)
						 : x->b->recv(x->rx, buf, x->size);
		if (r <= 0) {
			err = r;
			break;
		}
		if (x->type != SOCK_STREAM && (unsigned long)r != x->size) {
			err = -EPROTO;
			break;
		}
		x->bytes += r;
		x->msgs++;
		if ((i & 1023) == 0) {
			uint64_t t0 = __atomic_load_n(&x->t0, __ATOMIC_ACQUIRE);
			if (t0 && bench_now_ns() > t0 + x->duration_ns + BENCH_DRAIN_NS) {
				err = -ETIMEDOUT;
				break;
			}
		}
	}
	x->t1 = bench_now_ns();
	free(buf);
	return (int)err;
}

/* Runs the sender and the receiver over x's open ends, closes them. */
static int xfer_run(struct xfer *x, const struct bench_run *r)
{
	int err = bench_run_threads(sender, receiver, x, r->cpu_a, r->cpu_b);
	int cerr = xfer_close(x);
	if (err == 0 && x->t1 <= x->t0)
		err = -EPROTO;
	return err ? err : cerr;
}

static int run_xfer(const struct bench_backend *b, const struct bench_run *r, int type,
		    struct xfer *x)
{
	int err = xfer_open(x, b, type, (unsigned long)r->arg, r->duration_ns);

	return err ? err : xfer_run(x, r);
}

/* GB/s of r->arg-byte writes and reads over a stream pair. */
int bench_stream_bulk(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = run_xfer(b, r, SOCK_STREAM, &x);

	if (err)
		return err;
	out[0] = (double)x.bytes / (double)(x.t1 - x.t0); /* bytes/ns = GB/s */
	return 0;
}

static int msg_rate(const struct bench_backend *b, const struct bench_run *r, int type,
		    double *out)
{
	struct xfer x;
	int err = run_xfer(b, r, type, &x);

	if (err)
		return err;
	out[0] = (double)x.msgs * 1e3 / (double)(x.t1 - x.t0); /* M msgs/s */
	return 0;
}

/* Millions of r->arg-byte messages per second over a seqpacket pair. */
int bench_msg_rate_seqpacket(const struct bench_backend *b, const struct bench_run *r,
			     double *out)
{
	return msg_rate(b, r, SOCK_SEQPACKET, out);
}

/* Millions of r->arg-byte datagrams per second over a dgram pair. */
int bench_msg_rate_dgram(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	return msg_rate(b, r, SOCK_DGRAM, out);
}

/* ---- round trip ---- */

/* The client: send 1 byte, wait for the echo, record the time it took. */
static int rtt_client(void *arg)
{
	struct xfer *x = arg;
	uint64_t deadline = bench_now_ns() + x->duration_ns;
	char c = 'p';
	long err = 0;

	while (x->nsamples < x->cap) {
		uint64_t t = bench_now_ns();
		if (t >= deadline)
			break;
		err = send_all(x, &c, 1);
		if (err)
			break;
		long n = x->type == SOCK_STREAM ? x->b->read(x->tx, &c, 1)
						 : x->b->recv(x->tx, &c, 1);
		if (n != 1) {
			err = n < 0 ? n : -EPROTO;
			break;
		}
		x->samples[x->nsamples++] = (double)(bench_now_ns() - t);
	}
	if (err == 0)
		err = send_end(x, x->tx);
	return (int)err;
}

/* The server: echo each byte until the client's end. */
static int rtt_server(void *arg)
{
	struct xfer *x = arg;
	char c;

	for (size_t i = 0; i <= x->cap; i++) {
		long n = x->type == SOCK_STREAM ? x->b->read(x->rx, &c, 1)
						 : x->b->recv(x->rx, &c, 1);
		if (n <= 0)
			return (int)n;
		n = x->type == SOCK_STREAM ? x->b->write(x->rx, &c, 1) : x->b->send(x->rx, &c, 1);
		if (n != 1)
			return n < 0 ? (int)n : -EPROTO;
	}
	return -E2BIG;
}

/* 1-byte round trip over a pair of type r->arg: out[0] = p50, out[1] =
 * p99, in microseconds. */
static int rtt_measure(struct xfer *xp, const struct bench_run *r, double *out);

int bench_rtt(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = xfer_open(&x, b, (int)r->arg, 1, r->duration_ns);

	if (err)
		return err;
	return rtt_measure(&x, r, out);
}

/* Runs the round trips over x's open ends, fills out[], closes the ends. */
static int rtt_measure(struct xfer *xp, const struct bench_run *r, double *out)
{
	struct xfer x = *xp;
	int err;

	/* At most one sample per 500 ns (no round trip is that fast here). */
	x.cap = (size_t)(r->duration_ns / 500) + 1024;
	x.samples = malloc(x.cap * sizeof(*x.samples));
	if (!x.samples) {
		xfer_close(&x);
		return -ENOMEM;
	}
	err = bench_run_threads(rtt_client, rtt_server, &x, r->cpu_a, r->cpu_b);
	int cerr = xfer_close(&x);
	if (err == 0 && x.nsamples == 0)
		err = -EPROTO;
	if (err == 0) {
		out[1] = bench_quantile(x.samples, x.nsamples, 0.99) / 1e3;
		out[0] = bench_quantile(x.samples, x.nsamples, 0.50) / 1e3;
	}
	free(x.samples);
	return err ? err : cerr;
}

/* ---- AF_INET UDP on 127.0.0.1 ---- */

/* The sender's window, in datagrams, and the datagrams per credit. */
#define UDP_WINDOW 128
#define UDP_CREDIT 32
/* The receiver's SO_RCVBUF request (Linux doubles it, capped at twice
 * net.core.rmem_max: at least 425984 bytes with the default 212992; ksock
 * doubles it too). UDP_WINDOW 1 KiB datagrams take about 128 x 2.3 KiB =
 * 295 KiB of it on Linux (skb truesize), 128 x 1.6 KiB on ksock. */
#define UDP_RCVBUF (256 * 1024)

static int udp_bind_local(const struct bench_backend *b, int fd, struct sockaddr_in *sin)
{
	unsigned len = sizeof(*sin);
	long err;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	err = b->bind(fd, sin, sizeof(*sin));
	if (err == 0)
		err = b->getsockname(fd, sin, &len);
	if (err == 0 && (len != sizeof(*sin) || sin->sin_port == 0))
		err = -EPROTO;
	return (int)err;
}

/* Two UDP sockets bound to 127.0.0.1 with the 5-second timeouts; connected
 * to each other if connected, else the receiver gets SO_RCVBUF UDP_RCVBUF. */
static int udp_open(struct xfer *x, const struct bench_backend *b, unsigned long size,
		    uint64_t duration_ns, int connected)
{
	long fd, err;

	memset(x, 0, sizeof(*x));
	x->b = b;
	x->type = SOCK_DGRAM;
	x->size = size;
	x->duration_ns = duration_ns;
	x->tx = x->rx = -1;
	fd = b->socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return (int)fd;
	x->tx = (int)fd;
	fd = b->socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		b->close(x->tx);
		return (int)fd;
	}
	x->rx = (int)fd;
	err = udp_bind_local(b, x->tx, &x->tx_addr);
	if (err == 0)
		err = udp_bind_local(b, x->rx, &x->rx_addr);
	if (err == 0)
		err = bench_set_timeouts(b, x->tx);
	if (err == 0)
		err = bench_set_timeouts(b, x->rx);
	if (err == 0 && connected) {
		err = b->connect(x->tx, &x->rx_addr, sizeof(x->rx_addr));
		if (err == 0)
			err = b->connect(x->rx, &x->tx_addr, sizeof(x->tx_addr));
	} else if (err == 0) {
		int v = UDP_RCVBUF;
		err = b->setsockopt(x->rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
	if (err) {
		b->close(x->tx);
		b->close(x->rx);
	}
	return (int)err;
}

/* sendto()s x->size-byte datagrams to the receiver's port for the run's
 * duration, never more than UDP_WINDOW ahead of the credits received;
 * then a zero-length datagram. */
static int udp_sender(void *arg)
{
	struct xfer *x = arg;
	char *buf = malloc(x->size);
	uint64_t t0, deadline;
	long window = UDP_WINDOW, err = 0;
	char c;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, x->size);
	t0 = bench_now_ns();
	deadline = t0 + x->duration_ns;
	__atomic_store_n(&x->t0, t0, __ATOMIC_RELEASE);
	for (long i = 0; i < BENCH_MAX_OPS; i++) {
		if ((i & 31) == 0 && bench_now_ns() >= deadline)
			break;
		if (window == 0) {
			long n = x->b->recv(x->tx, &c, 1);
			if (n != 1) {
				err = n < 0 ? n : -EPROTO;
				break;
			}
			window += UDP_CREDIT;
		}
		long n = x->b->sendto(x->tx, buf, x->size, &x->rx_addr, sizeof(x->rx_addr));
		if (n < 0 || (unsigned long)n != x->size) {
			err = n < 0 ? n : -EMSGSIZE;
			break;
		}
		window--;
	}
	free(buf);
	if (err == 0)
		err = x->b->sendto(x->tx, &c, 0, &x->rx_addr, sizeof(x->rx_addr));
	return (int)err;
}

/* recvfrom()s until the zero-length datagram, sending a credit every
 * UDP_CREDIT datagrams. */
static int udp_receiver(void *arg)
{
	struct xfer *x = arg;
	char *buf = malloc(x->size);
	struct sockaddr_in from;
	long err = 0;
	char c = 'c';

	if (!buf)
		return -ENOMEM;
	for (long i = 0; i < BENCH_MAX_OPS; i++) {
		unsigned flen = sizeof(from);
		long r = x->b->recvfrom(x->rx, buf, x->size, &from, &flen);
		if (r <= 0) {
			err = r;
			break;
		}
		if ((unsigned long)r != x->size || from.sin_port != x->tx_addr.sin_port) {
			err = -EPROTO;
			break;
		}
		x->bytes += r;
		x->msgs++;
		if (x->msgs % UDP_CREDIT == 0) {
			r = x->b->sendto(x->rx, &c, 1, &x->tx_addr, sizeof(x->tx_addr));
			if (r != 1) {
				err = r < 0 ? r : -EPROTO;
				break;
			}
		}
		if ((i & 1023) == 0) {
			uint64_t t0 = __atomic_load_n(&x->t0, __ATOMIC_ACQUIRE);
			if (t0 && bench_now_ns() > t0 + x->duration_ns + BENCH_DRAIN_NS) {
				err = -ETIMEDOUT;
				break;
			}
		}
	}
	x->t1 = bench_now_ns();
	free(buf);
	return (int)err;
}

/* Millions of r->arg-byte UDP datagrams per second, 127.0.0.1 to
 * 127.0.0.1, counted at the receiver. */
int bench_msg_rate_udp(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = udp_open(&x, b, (unsigned long)r->arg, r->duration_ns, 0);

	if (err)
		return err;
	err = bench_run_threads(udp_sender, udp_receiver, &x, r->cpu_a, r->cpu_b);
	int cerr = xfer_close(&x);
	if (err == 0 && x.t1 <= x.t0)
		err = -EPROTO;
	if (err)
		return err;
	if (cerr)
		return cerr;
	out[0] = (double)x.msgs * 1e3 / (double)(x.t1 - x.t0); /* M msgs/s */
	return 0;
}

/* 1-byte round trip over two UDP sockets on 127.0.0.1 connected to each
 * other (send/recv, as rtt-dgram): out[0] = p50, out[1] = p99, in µs. */
int bench_rtt_udp(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = udp_open(&x, b, 1, r->duration_ns, 1);

	if (err)
		return err;
	return rtt_measure(&x, r, out);
}

/* ---- AF_INET TCP on 127.0.0.1 ---- */

static int tcp_open(struct xfer *x, const struct bench_backend *b, unsigned long size,
		    uint64_t duration_ns, int nodelay)
{
	memset(x, 0, sizeof(*x));
	x->b = b;
	x->type = SOCK_STREAM;
	x->size = size;
	x->duration_ns = duration_ns;
	return bench_tcp_pair(b, nodelay, &x->tx, &x->rx);
}

/* Untimed, after the ends are closed: see the file header. */
static int tcp_done(const struct bench_backend *b, int err)
{
	if (b->tcp_expire)
		(void)b->tcp_expire(); /* the count does not matter, only that none is left */
	return err;
}

/* GB/s of r->arg-byte writes and reads over a TCP connection on
 * 127.0.0.1. */
int bench_tcp_bulk(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = tcp_open(&x, b, (unsigned long)r->arg, r->duration_ns, 0);

	if (err)
		return err;
	err = tcp_done(b, xfer_run(&x, r));
	if (err)
		return err;
	out[0] = (double)x.bytes / (double)(x.t1 - x.t0); /* bytes/ns = GB/s */
	return 0;
}

/* 1-byte round trip over a TCP connection on 127.0.0.1, TCP_NODELAY on
 * both ends: out[0] = p50, out[1] = p99, in µs. */
int bench_rtt_tcp(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = tcp_open(&x, b, 1, r->duration_ns, 1);

	if (err)
		return err;
	return tcp_done(b, rtt_measure(&x, r, out));
}

/*
 * cases_data.c - the data cases: stream bulk transfer, message rate and
 * 1-byte round-trip latency, each over a connected AF_UNIX socketpair.
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
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

static int run_xfer(const struct bench_backend *b, const struct bench_run *r, int type,
		    struct xfer *x)
{
	int err = xfer_open(x, b, type, (unsigned long)r->arg, r->duration_ns);

	if (err)
		return err;
	err = bench_run_threads(sender, receiver, x, r->cpu_a, r->cpu_b);
	int cerr = xfer_close(x);
	if (err == 0 && x->t1 <= x->t0)
		err = -EPROTO;
	return err ? err : cerr;
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
int bench_rtt(const struct bench_backend *b, const struct bench_run *r, double *out)
{
	struct xfer x;
	int err = xfer_open(&x, b, (int)r->arg, 1, r->duration_ns);

	if (err)
		return err;
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

/*
 * bench.h - the benchmark (issue 4): each case measured against Linux's own
 * sockets and against ksock's hosted library in the same run.
 *
 * Object model. A backend (struct bench_backend) is a table of the socket
 * calls, each returning >= 0 or a negative errno: Linux's through libc,
 * ksock's through ks_sys_*. A case (struct bench_case) is a function that
 * drives one backend for one measurement and yields one or two figures
 * (struct bench_metric: a rate, a latency or a size). The runner (main.c)
 * warms each case up, then measures it --reps times per backend,
 * alternating backends, and prints medians, spreads and ksock/Linux ratios
 * as a table and as JSON. docs/performance.md describes every case.
 *
 * Interface for a case function:
 *   int fn(const struct bench_backend *b, const struct bench_run *r,
 *          double out[BENCH_MAX_METRICS]);
 * It sets up its sockets (untimed), measures for r->duration_ns, fills one
 * value per metric of the case (in the metric's display unit) and returns
 * 0, or a negative errno if a call failed (the runner reports it and the
 * run fails). Every loop is bounded in time and in count, and every
 * blocking call has a timeout (bench_set_timeouts), so a hang in either
 * backend becomes an error, not a stuck benchmark.
 *
 * Threads: two-ended cases run their two ends in threads pinned to
 * r->cpu_a (writer, client) and r->cpu_b (reader, server); the two may be
 * the same CPU. One-ended cases run one thread pinned to r->cpu_a.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr_in;

struct bench_backend {
	const char *name; /* "linux" or "ksock" */
	long (*socket)(int domain, int type, int protocol);
	long (*socketpair)(int domain, int type, int protocol, int sv[2]);
	long (*bind)(int fd, const void *addr, unsigned len);
	long (*listen)(int fd, int backlog);
	long (*accept)(int fd);
	long (*connect)(int fd, const void *addr, unsigned len);
	long (*send)(int fd, const void *buf, unsigned long len);
	long (*recv)(int fd, void *buf, unsigned long len);
	/* addr/alen: a struct sockaddr of libc's layout (ksock's is identical);
	 * recvfrom's may be NULL. */
	long (*sendto)(int fd, const void *buf, unsigned long len, const void *addr,
		       unsigned alen);
	long (*recvfrom)(int fd, void *buf, unsigned long len, void *addr, unsigned *alen);
	long (*getsockname)(int fd, void *addr, unsigned *alen);
	long (*read)(int fd, void *buf, unsigned long len);
	long (*write)(int fd, const void *buf, unsigned long len);
	long (*shutdown)(int fd, int how);
	long (*setsockopt)(int fd, int level, int name, const void *val, unsigned len);
	long (*close)(int fd);
	/* Bytes of memory the backend holds for sockets now, or a negative
	 * errno: Linux: slab objects in use (/proc/slabinfo); ksock: the
	 * allocator's live bytes. *allocs gets the live allocation count
	 * (ksock) or -1. See docs/performance.md. */
	long (*mem_bytes)(long *allocs);
	/* 1 if freed memory may show up late (Linux frees sockets after an
	 * RCU grace period), so the runner waits for the figure to settle. */
	int mem_settles;
	/* ksock: ends its orphaned TCP connections (TIME-WAIT, FIN-WAIT-2) at
	 * once (ks_inet_tcp_expire) and returns how many; Linux: NULL (its
	 * TIME-WAIT sockets live their 60 s in the kernel, where nothing
	 * counts them against the benchmark). The TCP cases call it after
	 * their sockets are closed, untimed, so the runner's leak check sees
	 * no socket left; the connection case also mid-run, only before
	 * ksock would run out of ephemeral ports (cases_conn.c). */
	int (*tcp_expire)(void);
};

extern const struct bench_backend bench_linux;
extern const struct bench_backend bench_ksock;

/* Parameters of one measurement. */
struct bench_run {
	uint64_t duration_ns; /* how long the timed part runs */
	int cpu_a, cpu_b;     /* pinning; equal for the one-CPU cases */
	long arg;             /* the case's parameter (struct bench_case.arg) */
	int pairs;            /* memory case: connected pairs to create */
	int seq;              /* unique per measurement (fresh names) */
	const char *dir;      /* a scratch directory for pathname sockets */
};

#define BENCH_MAX_METRICS 2

/* How a ratio ksock/Linux reads. */
enum bench_better { BENCH_HIGHER, BENCH_LOWER };

struct bench_metric {
	const char *name;  /* row label, e.g. "stream 64 B" */
	const char *unit;  /* display unit, e.g. "GB/s" */
	enum bench_better better;
	double target_1cpu; /* the ratio target with one CPU, 0: none */
};

/* Which pinnings a case runs with. */
#define BENCH_PIN_1 1 /* both ends on one CPU */
#define BENCH_PIN_2 2 /* each end on its own CPU */

struct bench_case {
	const char *id; /* short name for --only and JSON */
	int (*fn)(const struct bench_backend *b, const struct bench_run *r,
		  double out[BENCH_MAX_METRICS]);
	long arg; /* passed as bench_run.arg: message size, socket type... */
	int pins; /* BENCH_PIN_* */
	int nmetrics;
	struct bench_metric metrics[BENCH_MAX_METRICS];
};

/* ---- cases_data.c: bulk, message rate, round trip ---- */
int bench_stream_bulk(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_msg_rate_seqpacket(const struct bench_backend *b, const struct bench_run *r,
			     double *out);
int bench_msg_rate_dgram(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_rtt(const struct bench_backend *b, const struct bench_run *r, double *out);
/* AF_INET UDP on 127.0.0.1 (cases_data.c too) */
int bench_msg_rate_udp(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_rtt_udp(const struct bench_backend *b, const struct bench_run *r, double *out);

/* AF_INET TCP on 127.0.0.1 (cases_data.c too): bulk GB/s of r->arg-byte
 * writes, 1-byte round trip with TCP_NODELAY */
int bench_tcp_bulk(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_rtt_tcp(const struct bench_backend *b, const struct bench_run *r, double *out);

/* ---- cases_conn.c: connections, creation, memory ---- */
int bench_conn_rate(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_tcp_conn_rate(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_socket_close(const struct bench_backend *b, const struct bench_run *r, double *out);
int bench_socketpair_close(const struct bench_backend *b, const struct bench_run *r,
			   double *out);
int bench_idle_pair_memory(const struct bench_backend *b, const struct bench_run *r,
			   double *out);

/* ---- util.c ---- */
uint64_t bench_now_ns(void);
/* Sets SO_SNDTIMEO and SO_RCVTIMEO to BENCH_IO_TIMEOUT_S on fd. */
int bench_set_timeouts(const struct bench_backend *b, int fd);
#define BENCH_IO_TIMEOUT_S 5

/* A TCP listener bound to 127.0.0.1 port 0 with the 5-second timeouts
 * (accept's); *sin gets its address. Returns the descriptor or -errno. */
long bench_tcp_listener(const struct bench_backend *b, int backlog, struct sockaddr_in *sin);
/* A connected TCP pair on 127.0.0.1 (connect to a fresh listener, accept,
 * close the listener), both ends with the 5-second timeouts and, if
 * nodelay, TCP_NODELAY. 0 or -errno (nothing left open). */
int bench_tcp_pair(const struct bench_backend *b, int nodelay, int *client, int *server);

/* Runs a(arg) in a thread pinned to cpu_a and, if b is not NULL, b(arg) in
 * a thread pinned to cpu_b; both start together (after a barrier) and are
 * joined. Returns the first nonzero result of a and b (each returns 0 or a
 * negative errno), or a negative errno if a thread could not start. */
int bench_run_threads(int (*a)(void *arg), int (*b)(void *arg), void *arg, int cpu_a, int cpu_b);

/* Sorts v[0..n) ascending and returns the value at quantile q (0..1). */
double bench_quantile(double *v, size_t n, double q);

#endif

/*
 * tcp_peer.c - the ksock side of the TCP interop test with Linux over a
 * TAP link (tests/inet/tcp_smoke.sh, make check-tcp-tap) and of the HTTP
 * demo. Opens the TAP interface argv[1], puts 198.18.0.2/24 on it with a
 * default route via Linux (198.18.0.1), and then, for at most argv[2]
 * seconds or until SIGTERM:
 *   - nothing polls the interface: the stack drives itself (a frame that
 *     arrives kicks its timer, which runs the poll; sock_inet.c), so this
 *     is how a program on ksock's sockets looks;
 *   - an HTTP/1.0 server on port 80: "GET /" answers a short page,
 *     "GET /bytes/N" N bytes of the test pattern (byte i is pattern(i)),
 *     "GET /table" ksock's socket table (ks_socket_table);
 *   - an echo server on port 7 (each connection in its own thread);
 *   - an echo server on port 8 that serves every connection from one
 *     thread polling them all (backlog 1024), for 1000 at once;
 *   - a command server on port 5: a connection's first line is a command,
 *     and the connection itself is then the test (see ctl_conn):
 *       sink N STALL_AT STALL_MS  read N bytes of the pattern and check them
 *                                 (pausing STALL_MS once STALL_AT were read:
 *                                 the window closes), then the peer's FIN;
 *                                 answer "ok N" and close
 *       source N TAIL             write N bytes of the pattern and close
 *                                 first; with TAIL, the last TAIL segments
 *                                 are lost once (the fault wrapper)
 *       unread                    close with the peer's data unread (RST)
 *       linger0                   close with SO_LINGER 0 (RST)
 *       expect-rst N              write N bytes, read until the peer's RST;
 *                                 the outcome goes to "results"
 *       refused PORT              connect to Linux's closed PORT: ECONNREFUSED
 *       tw LPORT PORT             from LPORT, connect to Linux's PORT (a
 *                                 server that closes first), twice at once;
 *                                 then to Linux's port PORT+1 (which waits
 *                                 for our FIN) twice: the second must fail
 *                                 with EADDRNOTAVAIL (our TIME-WAIT)
 *       many PORT N               N connections to Linux's echo server
 *                                 PORT, all open at once, each echoes a line
 *       rxtail SPORT K            lose the next K segments with data (or
 *                                 FIN) from Linux's port SPORT (tail loss of
 *                                 Linux's transfer)
 *       results                   the lines the tests above left, once
 *   - with argv[3] = "client:PORT:BYTES", after "ready", a client that
 *     connects to Linux's 198.18.0.1:PORT, sends BYTES bytes of the pattern
 *     while reading them back (an echo server there), checks them byte for
 *     byte and prints "client: ok N bytes" or what went wrong.
 * With argv[4] = "fault:LOSS:DUP:REORDER:DELAY_MS[:BURST:BURST_LEN]" (loss,
 * duplication, reordering and bursts in percent, in both directions; a
 * burst loses BURST_LEN frames in a row), the interface sits on
 * ksock's fault-injecting wrapper (src/inet/fault.h) over the TAP, for
 * machines whose kernel has no netem: a frame lost or reordered here is
 * one Linux or ksock must recover from all the same.
 * Prints "ready" when serving, a line per connection served, then the
 * stack's counters; exits 0 when the client (if any) succeeded, no server
 * thread failed and no packet buffer leaked.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/tcp.h> /* struct tcp_info: ksock's TCP_INFO has Linux's layout */

#include <ksock/ksock.h>
#include <ksock/abi.h>

#include "inet/fault.h"
#include "inet/sock_inet.h"
#include "tap.h"

#define KSOCK_ADDR KS_IPV4(198, 18, 0, 2)
#define LINUX_ADDR KS_IPV4(198, 18, 0, 1)

static volatile sig_atomic_t stop;
static struct ks_fault fault;
static bool faulty;
static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;
static int failures;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void say(const char *fmt, const char *a, long n)
{
	pthread_mutex_lock(&out_lock);
	printf(fmt, a, n);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void fail(const char *what, long err)
{
	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	say("tcp_peer: FAIL %s: %ld\n", what, err);
}

/* The test pattern: what byte i of a transfer is (the shell side
 * computes the same with python3). */
static unsigned char pattern(unsigned long i)
{
	return (unsigned char)((i * 7 + (i >> 11)) & 0xff);
}

/* The pattern repeats every 512 KiB (7 * 2^19 and 2^19 >> 11 are both
 * multiples of 256): two periods in a table make any run of up to one
 * period a memcpy or memcmp. */
#define PAT_PERIOD (1ul << 19)
static unsigned char pat[2 * PAT_PERIOD];

static void pat_init(void)
{
	for (unsigned long i = 0; i < sizeof(pat); i++)
		pat[i] = pattern(i);
}

static void fill(unsigned char *buf, unsigned long off, unsigned long n)
{
	while (n) {
		unsigned long k = n < PAT_PERIOD ? n : PAT_PERIOD;
		memcpy(buf, pat + off % PAT_PERIOD, k);
		buf += k;
		off += k;
		n -= k;
	}
}

/* The offset of the first byte of buf[0, n) that is not the pattern at
 * off, or -1. */
static long unlike(const unsigned char *buf, unsigned long off, unsigned long n)
{
	for (unsigned long done = 0; done < n;) {
		unsigned long k = n - done < PAT_PERIOD ? n - done : PAT_PERIOD;
		if (memcmp(buf + done, pat + (off + done) % PAT_PERIOD, k)) {
			for (unsigned long i = done;; i++)
				if (buf[i] != pattern(off + i))
					return (long)(off + i);
		}
		done += k;
	}
	return -1;
}

static struct ks_sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(port),
				      .sin_addr = { ks_hton32(addr) } };
	return sin;
}

static long write_all(int fd, const void *buf, unsigned long n)
{
	const char *p = buf;

	while (n) {
		long w = ks_sys_write(fd, p, n);
		if (w <= 0)
			return w ? w : -KS_EIO;
		p += w;
		n -= (unsigned long)w;
	}
	return 0;
}

/* ---- the driver: the interface's receive side and timers ---- */

static void fault_lock(void *arg)
{
	pthread_mutex_lock(arg);
}

static void fault_unlock(void *arg)
{
	pthread_mutex_unlock(arg);
}

/* With the fault wrapper only: it holds delayed and reordered frames,
 * and lets them go when polled. */
static void *driver(void *arg)
{
	(void)arg;
	while (!stop) {
		(void)ks_fault_poll(&fault);
		usleep(200);
	}
	return NULL;
}

/* ---- servers ---- */

static void *echo_conn(void *arg)
{
	int fd = (int)(long)arg;
	static __thread char buf[65536];
	long total = 0;

	for (;;) {
		long n = ks_sys_read(fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0)
				fail("echo read", n);
			break;
		}
		long w = write_all(fd, buf, (unsigned long)n);
		if (w < 0) {
			fail("echo write", w);
			break;
		}
		total += n;
	}
	say("tcp_peer: %s %ld bytes\n", "echoed", total);
	ks_sys_close(fd);
	return NULL;
}

static void table_line(void *arg, const char *text)
{
	char *t = arg;
	size_t n = strlen(t);

	if (n + strlen(text) + 2 < 8192) {
		strcpy(t + n, text);
		strcat(t + n, "\n");
	}
}

static void *http_conn(void *arg)
{
	int fd = (int)(long)arg;
	char req[1024];
	long got = 0;

	/* The request line and headers, up to the blank line. */
	while (got < (long)sizeof(req) - 1) {
		long n = ks_sys_read(fd, req + got, sizeof(req) - 1 - (unsigned long)got);
		if (n <= 0)
			break;
		got += n;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[got] = 0;
	unsigned long len = 0;
	const char *body = NULL;
	static const char page[] = "<html><body>Hello from ksock's TCP over a TAP link.</body></html>\n";
	static __thread char table[8192];
	if (!strncmp(req, "GET /bytes/", 11)) {
		len = strtoul(req + 11, NULL, 10);
	} else if (!strncmp(req, "GET /table ", 11)) {
		/* ksock's own socket table: the connection serving this request
		 * is in it, which shows it is ksock and not Linux serving. */
		table[0] = 0;
		(void)ks_socket_table(table_line, table);
		body = table;
		len = strlen(table);
	} else if (!strncmp(req, "GET / ", 6)) {
		body = page;
		len = sizeof(page) - 1;
	} else {
		const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
		(void)write_all(fd, nf, sizeof(nf) - 1);
		ks_sys_close(fd);
		return NULL;
	}
	char head[160];
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.0 200 OK\r\nServer: ksock\r\nContent-Type: %s\r\n"
			  "Content-Length: %lu\r\n\r\n",
			  body == table ? "text/plain" : body ? "text/html" : "application/octet-stream", len);
	long err = write_all(fd, head, (unsigned long)hn);
	if (!err && body) {
		err = write_all(fd, body, len);
	} else if (!err) {
		static __thread unsigned char buf[65536];
		for (unsigned long off = 0; off < len && !err;) {
			unsigned long n = len - off < sizeof(buf) ? len - off : sizeof(buf);
			fill(buf, off, n);
			err = write_all(fd, buf, n);
			off += n;
		}
	}
	if (err)
		fail("http write", err);
	else
		say("tcp_peer: %s %ld bytes\n", "served http", (long)len);
	ks_sys_close(fd);
	return NULL;
}

struct server {
	uint16_t port;
	void *(*conn)(void *);
	int fd;
};

static void *serve(void *arg)
{
	struct server *sv = arg;

	while (!stop) {
		struct ks_pollfd p = { sv->fd, KS_POLLIN, 0 };
		if (ks_sys_poll(&p, 1, 100) <= 0)
			continue;
		long c = ks_sys_accept(sv->fd, NULL, NULL);
		if (c < 0)
			continue;
		pthread_t t;
		if (pthread_create(&t, NULL, sv->conn, (void *)c)) {
			ks_sys_close((int)c);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

static int listen_on(uint16_t port, int backlog)
{
	struct ks_sockaddr_in a = sin_of(KSOCK_ADDR, port);
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM, 0);
	int one = 1;

	if (fd < 0 || ks_sys_setsockopt((int)fd, KS_SOL_SOCKET, KS_SO_REUSEADDR, &one, sizeof(one)) ||
	    ks_sys_bind((int)fd, (struct ks_sockaddr *)&a, sizeof(a)) || ks_sys_listen((int)fd, backlog)) {
		fprintf(stderr, "tcp_peer: cannot listen on port %u\n", port);
		exit(1);
	}
	return (int)fd;
}

/* ---- the command server (port 5) and the many-connection server (8) ---- */

#define CTL_PORT 5
#define MANY_PORT 8
#define MANY_MAX 1100
#define SOL_TCP_ 6    /* IPPROTO_TCP, as Linux */
#define TCP_MAXSEG_ 2 /* as Linux */
#define TCP_INFO_ 11  /* as Linux */

static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;
static char results[4096];

static void vline(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size - 1, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > size - 2)
		n = (int)size - 2;
	buf[n] = '\n';
	buf[n + 1] = 0;
}

/* A line for "results" (the tests whose connection cannot answer). */
static void result(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vline(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&results_lock);
	if (strlen(results) + strlen(line) < sizeof(results))
		strcat(results, line);
	pthread_mutex_unlock(&results_lock);
	say("tcp_peer: result: %s", line, 0);
}

/* Answers on the command's connection: one line. */
static void reply(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vline(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (strncmp(line, "ok", 2))
		fail(line, 0);
	(void)write_all(fd, line, strlen(line)); /* the peer sees a short answer */
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Which frames ks_fault_drop_next loses: TCP with data or a FIN, from
 * sport to dport (0: any). */
struct drop_rule {
	uint16_t sport, dport;
};
static struct drop_rule drop_rule;

static bool drop_match(void *arg, const struct ks_pbuf *p)
{
	const struct drop_rule *r = arg;
	uint8_t h[14 + 60 + 20];
	uint32_t n = ks_pbuf_copy_out(p, 0, h, sizeof(h));

	if (n < 14 + 20 + 20 || h[12] != 0x08 || h[13] != 0x00 || h[14 + 9] != 6)
		return false;
	unsigned ihl = (h[14] & 15u) * 4, tot = (unsigned)h[16] << 8 | h[17];
	if (n < 14 + ihl + 20)
		return false;
	const uint8_t *t = h + 14 + ihl;
	unsigned sport = (unsigned)t[0] << 8 | t[1], dport = (unsigned)t[2] << 8 | t[3];
	unsigned doff = (t[12] >> 4) * 4u;
	bool fin = t[13] & 1;
	if ((r->sport && sport != r->sport) || (r->dport && dport != r->dport))
		return false;
	return fin || tot > ihl + doff;
}

static long read_line(int fd, char *line, unsigned long size)
{
	unsigned long n = 0;

	while (n + 1 < size) {
		long r = ks_sys_read(fd, line + n, 1);
		if (r <= 0)
			return r ? r : -KS_EPIPE;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	return (long)n;
}

static void ctl_sink(int fd, unsigned long n, unsigned long stall_at, unsigned long stall_ms)
{
	unsigned char *buf = malloc(65536);
	unsigned long got = 0;
	bool stalled = !stall_ms;
	double t0 = now_s();

	while (buf && got < n) {
		unsigned long want = n - got < 65536 ? n - got : 65536;
		long r = ks_sys_read(fd, buf, want);
		if (r <= 0) {
			reply(fd, "FAIL sink: read %ld after %lu bytes", r, got);
			goto out;
		}
		long bad = unlike(buf, got, (unsigned long)r);
		if (bad >= 0) {
			reply(fd, "FAIL sink: byte %ld differs", bad);
			goto out;
		}
		got += (unsigned long)r;
		if (!stalled && got >= stall_at) {
			stalled = true;
			usleep((useconds_t)stall_ms * 1000);
		}
	}
	long r = buf ? ks_sys_read(fd, buf, 1) : -KS_ENOMEM;
	struct tcp_info i;
	unsigned len = sizeof(i);
	memset(&i, 0, sizeof(i));
	(void)ks_sys_getsockopt(fd, SOL_TCP_, TCP_INFO_, &i, &len); /* zeros if it fails */
	if (r)
		reply(fd, "FAIL sink: after %lu bytes, %ld rather than the FIN", got, r);
	else
		reply(fd, "ok %lu bytes checked by ksock in %.2f s (its receive buffer %u, srtt %.1f ms)", got,
		      now_s() - t0, i.tcpi_rcv_space, i.tcpi_rtt / 1000.0);
out:
	free(buf);
}

/* Waits until everything written was acknowledged (SIOCOUTQ is 0), at most
 * 10 s. */
static bool drained(int fd)
{
	for (int i = 0; i < 1000; i++) {
		int q = -1;
		if (ks_sys_ioctl(fd, KS_SIOCOUTQ, &q) || q == 0)
			return q == 0;
		usleep(10000);
	}
	return false;
}

/* ksock's view of a transfer it sent, once all of it was acknowledged
 * (at most 10 s): its retransmissions and timeouts, for the log. */
static void sender_view(int fd, const char *what, unsigned long n)
{
	struct tcp_info i;
	unsigned len = sizeof(i);
	int sndbuf = 0;
	unsigned slen = sizeof(sndbuf);

	bool all = drained(fd);
	memset(&i, 0, sizeof(i));
	if (ks_sys_getsockopt(fd, SOL_TCP_, TCP_INFO_, &i, &len) ||
	    ks_sys_getsockopt(fd, KS_SOL_SOCKET, KS_SO_SNDBUF, &sndbuf, &slen))
		return;
	pthread_mutex_lock(&out_lock);
	printf("tcp_peer: ksock sent %lu bytes (%s)%s: retransmitted %u segments, "
	       "cwnd %u, ssthresh %u, srtt %.1f ms, rto %u ms, SO_SNDBUF %d\n",
	       n, what, all ? "" : " (not all acknowledged)", i.tcpi_total_retrans, i.tcpi_snd_cwnd, i.tcpi_snd_ssthresh, i.tcpi_rtt / 1000.0,
	       i.tcpi_rto / 1000, sndbuf);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void ctl_source(int fd, unsigned long n, unsigned long tail)
{
	unsigned char *buf = malloc(65536);
	unsigned long tail_bytes = 0, off = 0;
	long err = buf ? 0 : -KS_ENOMEM;

	if (tail && faulty) {
		int mss = 0;
		unsigned len = sizeof(mss);
		(void)ks_sys_getsockopt(fd, SOL_TCP_, TCP_MAXSEG_, &mss, &len);
		tail_bytes = tail * (unsigned long)mss;
		if (tail_bytes > n)
			tail_bytes = 0;
	}
	while (!err && off < n) {
		if (tail_bytes && off == n - tail_bytes) {
			struct ks_sockaddr_in peer;
			unsigned plen = sizeof(peer);
			if (!drained(fd) || ks_sys_getpeername(fd, (struct ks_sockaddr *)&peer, &plen)) {
				fail("source: the data before the tail was not acknowledged", 0);
				break;
			}
			drop_rule = (struct drop_rule){ CTL_PORT, ks_ntoh16(peer.sin_port) };
			ks_fault_drop_next(&fault, KS_FAULT_TX, (uint32_t)tail, drop_match, &drop_rule);
			say("tcp_peer: source: losing the last %s%ld segments\n", "", (long)tail);
		}
		unsigned long k = n - off < 65536 ? n - off : 65536;
		if (tail_bytes && off < n - tail_bytes && off + k > n - tail_bytes)
			k = n - tail_bytes - off;
		fill(buf, off, k);
		err = write_all(fd, buf, k);
		off += k;
	}
	if (err)
		fail("source write", err);
	else
		sender_view(fd, "source", n);
	free(buf);
}

/* Closes with the peer's data unread: Linux's tcp_close sends a RST. */
static void ctl_unread(int fd)
{
	for (int i = 0; i < 300; i++) {
		int q = 0;
		if (ks_sys_ioctl(fd, KS_FIONREAD, &q) || q > 0)
			break;
		usleep(10000);
	}
}

static void ctl_linger0(int fd)
{
	struct ks_linger l = { 1, 0 };

	if (ks_sys_setsockopt(fd, KS_SOL_SOCKET, KS_SO_LINGER, &l, sizeof(l)))
		fail("linger0: setsockopt", 0);
}

static void ctl_expect_rst(int fd, unsigned long n)
{
	unsigned char *buf = calloc(1, 65536);
	long r = -KS_ENOMEM;

	if (buf && n <= 65536 && !write_all(fd, buf, n)) {
		struct ks_pollfd p = { fd, KS_POLLIN, 0 };
		r = ks_sys_poll(&p, 1, 5000) == 1 ? ks_sys_read(fd, buf, 65536) : -KS_ETIMEDOUT;
	}
	if (r == -KS_ECONNRESET)
		result("ok ksock read ECONNRESET after the peer's RST");
	else
		result("FAIL ksock read %ld, not -ECONNRESET", r);
	free(buf);
}

static long client_socket(uint16_t lport, uint16_t port)
{
	struct ks_sockaddr_in a = sin_of(LINUX_ADDR, port), me = sin_of(KSOCK_ADDR, lport);
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM, 0);
	int one = 1;
	long err;

	if (fd < 0)
		return fd;
	if (lport && ((err = ks_sys_setsockopt((int)fd, KS_SOL_SOCKET, KS_SO_REUSEADDR, &one, sizeof(one))) ||
		      (err = ks_sys_bind((int)fd, (struct ks_sockaddr *)&me, sizeof(me))))) {
		ks_sys_close((int)fd);
		return err;
	}
	err = ks_sys_connect((int)fd, (struct ks_sockaddr *)&a, sizeof(a));
	if (err) {
		ks_sys_close((int)fd);
		return err;
	}
	return fd;
}

static void ctl_refused(int fd, uint16_t port)
{
	long c = client_socket(0, port);

	if (c == -KS_ECONNREFUSED)
		reply(fd, "ok ksock's connect to Linux's closed port %u: ECONNREFUSED", port);
	else
		reply(fd, "FAIL ksock's connect to Linux's closed port %u: %ld", port, c);
	if (c >= 0)
		ks_sys_close((int)c);
}

/* Reads to EOF: the bytes read, or a negative errno. */
static long read_to_eof(int fd, char *buf, unsigned long size)
{
	unsigned long n = 0;

	for (;;) {
		long r = ks_sys_read(fd, buf + n, size - n);
		if (r < 0)
			return r;
		if (r == 0 || (n += (unsigned long)r) == size)
			return (long)n;
	}
}

static void ctl_tw(int fd, uint16_t lport, uint16_t port)
{
	char buf[64];

	/* Linux closes first and keeps the TIME-WAIT: our next SYN from the
	 * same port must open a new connection (its ISN is higher). */
	for (int i = 0; i < 2; i++) {
		long c = client_socket(lport, port);
		/* Our first connection may still wait in LAST-ACK for Linux's
		 * ACK of our FIN: the pair is not free until then (as on Linux). */
		for (int k = 0; k < 100 && c == -KS_EADDRNOTAVAIL; k++) {
			usleep(10000);
			c = client_socket(lport, port);
		}
		long n = c >= 0 ? read_to_eof((int)c, buf, sizeof(buf)) : c;
		if (c >= 0)
			ks_sys_close((int)c);
		if (n != 3 || memcmp(buf, "hi\n", 3)) {
			reply(fd, "FAIL ksock from port %u to Linux's %u, connection %d: %ld", lport, port, i + 1, n);
			return;
		}
	}
	/* We close first and keep the TIME-WAIT: connecting from it again is
	 * refused, as on Linux without tcp_tw_reuse. */
	long c = client_socket(lport, (uint16_t)(port + 1));
	long n = -1;
	if (c >= 0) {
		(void)ks_sys_shutdown((int)c, KS_SHUT_WR);
		n = read_to_eof((int)c, buf, sizeof(buf));
		ks_sys_close((int)c);
	}
	if (n != 0) {
		reply(fd, "FAIL ksock closing first from port %u: %ld", lport, c < 0 ? c : n);
		return;
	}
	c = client_socket(lport, (uint16_t)(port + 1));
	if (c >= 0)
		ks_sys_close((int)c);
	if (c == -KS_EADDRNOTAVAIL)
		reply(fd, "ok ksock reconnected at once from port %u to Linux in TIME-WAIT; "
			  "from its own TIME-WAIT: EADDRNOTAVAIL", lport);
	else
		reply(fd, "FAIL ksock's connect from its own TIME-WAIT: %ld, not -EADDRNOTAVAIL", c);
}

static void ctl_many(int fd, uint16_t port, unsigned long n)
{
	static int fds[MANY_MAX];
	unsigned long open = 0;
	char line[17], back[16];
	double t0 = now_s();
	long err = 0;

	if (n > MANY_MAX)
		n = MANY_MAX;
	while (open < n && (err = client_socket(0, port)) >= 0)
		fds[open++] = (int)err;
	double t1 = now_s();
	for (unsigned long i = 0; i < open && err >= 0; i++) {
		snprintf(line, sizeof(line), "conn %10lu\n", i);
		err = write_all(fds[i], line, 16);
	}
	for (unsigned long i = 0; i < open && err >= 0; i++) {
		snprintf(line, sizeof(line), "conn %10lu\n", i);
		long r = read_to_eof(fds[i], back, 16);
		if (r != 16 || memcmp(line, back, 16))
			err = r < 0 ? r : -KS_EIO;
	}
	for (unsigned long i = 0; i < open; i++)
		ks_sys_close(fds[i]);
	if (err < 0)
		reply(fd, "FAIL ksock's %lu connections: %lu opened, then %ld", n, open, err);
	else
		reply(fd, "ok ksock opened %lu connections to Linux in %.2f s, each echoed a line (%.2f s)",
		      open, t1 - t0, now_s() - t0);
}

static void ctl_rxtail(int fd, uint16_t sport, unsigned long k)
{
	if (!faulty) {
		reply(fd, "FAIL rxtail: no fault wrapper");
		return;
	}
	drop_rule = (struct drop_rule){ sport, CTL_PORT };
	ks_fault_drop_next(&fault, KS_FAULT_RX, (uint32_t)k, drop_match, &drop_rule);
	reply(fd, "ok the next %lu segments from port %u will be lost", k, sport);
}

static void *ctl_conn(void *arg)
{
	int fd = (int)(long)arg;
	char line[128], cmd[16] = "";
	unsigned long a = 0, b = 0, c = 0;

	if (read_line(fd, line, sizeof(line)) < 0 || sscanf(line, "%15s %lu %lu %lu", cmd, &a, &b, &c) < 1) {
		ks_sys_close(fd);
		return NULL;
	}
	say("tcp_peer: command: %s\n", line, 0);
	if (!strcmp(cmd, "sink"))
		ctl_sink(fd, a, b, c);
	else if (!strcmp(cmd, "source"))
		ctl_source(fd, a, b);
	else if (!strcmp(cmd, "unread"))
		ctl_unread(fd);
	else if (!strcmp(cmd, "linger0"))
		ctl_linger0(fd);
	else if (!strcmp(cmd, "expect-rst"))
		ctl_expect_rst(fd, a);
	else if (!strcmp(cmd, "refused"))
		ctl_refused(fd, (uint16_t)a);
	else if (!strcmp(cmd, "tw"))
		ctl_tw(fd, (uint16_t)a, (uint16_t)b);
	else if (!strcmp(cmd, "many"))
		ctl_many(fd, (uint16_t)a, b);
	else if (!strcmp(cmd, "rxtail"))
		ctl_rxtail(fd, (uint16_t)a, b);
	else if (!strcmp(cmd, "results")) {
		pthread_mutex_lock(&results_lock);
		(void)write_all(fd, results, strlen(results));
		results[0] = 0;
		pthread_mutex_unlock(&results_lock);
	} else
		reply(fd, "FAIL unknown command %s", cmd);
	ks_sys_close(fd);
	return NULL;
}

/* One thread serves every connection of port 8 (an echo), polling them
 * all: 1000 connections cost 1000 sockets, not 1000 threads. */
static void *many_serve(void *arg)
{
	static struct ks_pollfd pf[MANY_MAX + 1];
	static char buf[4096];
	unsigned long n = 1, most = 0;

	pf[0] = (struct ks_pollfd){ (int)(long)arg, KS_POLLIN, 0 };
	while (!stop) {
		if (ks_sys_poll(pf, n, 100) <= 0)
			continue;
		if ((pf[0].revents & KS_POLLIN) && n < MANY_MAX + 1) {
			long c = ks_sys_accept(pf[0].fd, NULL, NULL);
			if (c >= 0)
				pf[n++] = (struct ks_pollfd){ (int)c, KS_POLLIN, 0 };
			if (n - 1 > most)
				most = n - 1;
		}
		for (unsigned long i = 1; i < n; i++) {
			if (!pf[i].revents)
				continue;
			long r = ks_sys_read(pf[i].fd, buf, sizeof(buf));
			if (r > 0 && !write_all(pf[i].fd, buf, (unsigned long)r))
				continue;
			ks_sys_close(pf[i].fd);
			pf[i--] = pf[--n];
			pf[n].revents = 0;
		}
	}
	for (unsigned long i = 1; i < n; i++)
		ks_sys_close(pf[i].fd);
	if (most)
		say("tcp_peer: %s %ld connections open at once\n", "port 8 had at most", (long)most);
	return NULL;
}

/* ---- the client ---- */

struct client {
	int fd;
	unsigned long bytes;
};

static void *client_reader(void *arg)
{
	struct client *c = arg;
	static unsigned char buf[65536];
	unsigned long got = 0;

	while (got < c->bytes) {
		long n = ks_sys_read(c->fd, buf, sizeof(buf));
		if (n <= 0) {
			fail("client read", n);
			return NULL;
		}
		long bad = unlike(buf, got, (unsigned long)n);
		if (bad >= 0) {
			fail("client: byte differs at", bad);
			return NULL;
		}
		got += (unsigned long)n;
	}
	say("tcp_peer: %s %ld bytes\n", "client: ok", (long)got);
	return NULL;
}

static void run_client(uint16_t port, unsigned long bytes)
{
	struct ks_sockaddr_in a = sin_of(LINUX_ADDR, port);
	struct client c = { (int)ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM, 0), bytes };
	static unsigned char buf[65536];
	pthread_t rd;

	long err = ks_sys_connect(c.fd, (struct ks_sockaddr *)&a, sizeof(a));
	if (err) {
		fail("client connect", err);
		return;
	}
	pthread_create(&rd, NULL, client_reader, &c);
	for (unsigned long off = 0; off < bytes && !err;) {
		unsigned long n = bytes - off < sizeof(buf) ? bytes - off : sizeof(buf);
		fill(buf, off, n);
		err = write_all(c.fd, buf, n);
		off += n;
	}
	if (err)
		fail("client write", err);
	(void)ks_sys_shutdown(c.fd, KS_SHUT_WR);
	pthread_join(rd, NULL);
	ks_sys_close(c.fd);
}

int main(int argc, char **argv)
{
	struct ks_tap *tap;
	struct ks_inet_netif *nif;
	struct ks_inet_net *net;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s TAP-IFNAME SECONDS [client:PORT:BYTES]\n", argv[0]);
		return 2;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double end = (double)t0.tv_sec + atof(argv[2]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	pat_init();
	if ((rc = ks_init()) || (rc = ks_tap_open(argv[1], &ks_inet_net_get()->st.pbufs, &tap))) {
		fprintf(stderr, "tcp_peer: init: %s\n", strerror(-rc));
		return 1;
	}
	net = ks_inet_net_get();
	struct ks_netdev *dev = ks_tap_dev(tap);
	if (argc > 4 && !strncmp(argv[4], "fault:", 6)) {
		double loss = 0, dup = 0, reorder = 0, delay_ms = 0, burst = 0, burst_len = 0;
		sscanf(argv[4] + 6, "%lf:%lf:%lf:%lf:%lf:%lf", &loss, &dup, &reorder, &delay_ms, &burst,
		       &burst_len);
		struct ks_fault_config cfg = {
			.seed = 42, .dirs = KS_FAULT_TX | KS_FAULT_RX,
			.loss_ppm = (uint32_t)(loss * 10000), .dup_ppm = (uint32_t)(dup * 10000),
			.reorder_ppm = (uint32_t)(reorder * 10000),
			.delay_ppm = delay_ms > 0 ? KS_FAULT_PPM : 0,
			.delay_ns = (uint64_t)(delay_ms * 1e6 / 2), /* each way: half the round trip */
			.burst_ppm = (uint32_t)(burst * 10000), .burst_len = (uint32_t)burst_len,
			.hold_ns = 20000000, .lock = fault_lock, .unlock = fault_unlock,
			.lock_arg = &fault_mu,
		};
		if ((rc = ks_fault_init(&fault, &net->st, dev, &cfg))) {
			fprintf(stderr, "tcp_peer: fault: %s\n", strerror(-rc));
			return 1;
		}
		faulty = true;
		dev = &fault.dev;
		printf("tcp_peer: faults: loss %.1f%%, duplication %.1f%%, reordering %.1f%%, %.0f ms round trip added, "
		       "bursts of %.0f frames %.2f%%\n", loss, dup, reorder, delay_ms, burst_len, burst);
	}
	if ((rc = ks_inet_netif_add(&net->st, dev, KSOCK_ADDR, 24, &nif)) ||
	    (rc = ks_inet_net_attach(nif)) || (rc = ks_inet_route_add(0, 0, LINUX_ADDR, 0)) ||
	    (rc = ks_netdev_open(dev))) {
		fprintf(stderr, "tcp_peer: interface: %s\n", strerror(-rc));
		return 1;
	}
	pthread_t drv, http_t, echo_t, ctl_t, many_t;
	struct server http = { 80, http_conn, listen_on(80, 64) };
	struct server echo = { 7, echo_conn, listen_on(7, 64) };
	struct server ctl = { CTL_PORT, ctl_conn, listen_on(CTL_PORT, 64) };
	int many_fd = listen_on(MANY_PORT, 1024);
	if (faulty)
		pthread_create(&drv, NULL, driver, NULL);
	pthread_create(&http_t, NULL, serve, &http);
	pthread_create(&echo_t, NULL, serve, &echo);
	pthread_create(&ctl_t, NULL, serve, &ctl);
	pthread_create(&many_t, NULL, many_serve, (void *)(long)many_fd);
	printf("ready\n");
	fflush(stdout);
	if (argc > 3 && !strncmp(argv[3], "client:", 7)) {
		char *p;
		unsigned long port = strtoul(argv[3] + 7, &p, 10);
		unsigned long bytes = *p == ':' ? strtoul(p + 1, NULL, 10) : 0;
		run_client((uint16_t)port, bytes);
		say("tcp_peer: %s %ld\n", "client done", 0);
	}
	while (!stop) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)t.tv_sec > end)
			break;
		usleep(20000);
	}
	stop = 1;
	pthread_join(http_t, NULL);
	pthread_join(echo_t, NULL);
	pthread_join(ctl_t, NULL);
	pthread_join(many_t, NULL);
	ks_sys_close(http.fd);
	ks_sys_close(echo.fd);
	ks_sys_close(ctl.fd);
	ks_sys_close(many_fd);
	usleep(100000); /* the connection threads finish their closes */
	if (faulty)
		pthread_join(drv, NULL);
	ks_inet_tcp_expire();
	ks_netdev_stop(dev);
	(void)ks_inet_net_poll();
	if (faulty) {
		printf("tcp_peer: fault wrapper: %lu passed, %lu lost (%lu bursts), %lu duplicated, %lu reordered, "
		       "%lu delayed, %lu not held (full)\n",
		       fault.stats.passed, fault.stats.lost, fault.stats.bursts, fault.stats.duplicated,
		       fault.stats.reordered, fault.stats.delayed, fault.stats.overflow);
		ks_fault_destroy(&fault);
	}
	ks_inet_net_detach(nif);
	ks_inet_netif_del(nif);
	ks_tap_close(tap);
	printf("tcp_peer: syncookies sent %lu, connections from cookies %lu, bad cookies %lu, listen drops %lu\n",
	       net->st.tcp.syncookies_sent, net->st.tcp.syncookies_recv, net->st.tcp.syncookies_failed,
	       net->st.tcp.listen_drops);
	printf("tcp_peer: SACK recoveries %lu, reneging %lu, loss probes %lu (repairs %lu), lost retransmissions %lu, timeouts %lu\n",
	       net->st.tcp.sack_recovery, net->st.tcp.sack_reneging, net->st.tcp.loss_probes,
	       net->st.tcp.loss_probe_recovery, net->st.tcp.lost_retransmits, net->st.tcp.timeouts);
	char drops[512] = "";
	for (int r = KS_DROP_FIRST; r < KS_DROP_FIRST + KS_DROP_COUNT; r++) {
		unsigned long n = ks_inet_drops_get(&net->st, (enum ks_drop)r);
		size_t len = strlen(drops);
		if (n && len < sizeof(drops) - 40)
			snprintf(drops + len, sizeof(drops) - len, " %s %lu", ks_inet_drop_name((enum ks_drop)r), n);
	}
	printf("tcp_peer: frames dropped by ksock's stack:%s\n", drops[0] ? drops : " none");
	long live = ks_pbuf_pool_live(&net->st.pbufs);
	printf("tcp_peer: failures %d, leaked pbufs %ld\n", failures, live);
	return failures || live ? 1 : 0;
}

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
 *   - with argv[3] = "client:PORT:BYTES", after "ready", a client that
 *     connects to Linux's 198.18.0.1:PORT, sends BYTES bytes of the pattern
 *     while reading them back (an echo server there), checks them byte for
 *     byte and prints "client: ok N bytes" or what went wrong.
 * With argv[4] = "fault:LOSS:DUP:REORDER:DELAY_MS" (loss, duplication and
 * reordering in percent, in both directions), the interface sits on
 * ksock's fault-injecting wrapper (src/inet/fault.h) over the TAP, for
 * machines whose kernel has no netem: a frame lost or reordered here is
 * one Linux or ksock must recover from all the same.
 * Prints "ready" when serving, a line per connection served, then the
 * stack's counters; exits 0 when the client (if any) succeeded, no server
 * thread failed and no packet buffer leaked.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ksock/ksock.h>

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

static void fill(unsigned char *buf, unsigned long off, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		buf[i] = pattern(off + i);
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

static int listen_on(uint16_t port)
{
	struct ks_sockaddr_in a = sin_of(KSOCK_ADDR, port);
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM, 0);
	int one = 1;

	if (fd < 0 || ks_sys_setsockopt((int)fd, KS_SOL_SOCKET, KS_SO_REUSEADDR, &one, sizeof(one)) ||
	    ks_sys_bind((int)fd, (struct ks_sockaddr *)&a, sizeof(a)) || ks_sys_listen((int)fd, 64)) {
		fprintf(stderr, "tcp_peer: cannot listen on port %u\n", port);
		exit(1);
	}
	return (int)fd;
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
		for (long i = 0; i < n; i++) {
			if (buf[i] != pattern(got + (unsigned long)i)) {
				fail("client: byte differs at", (long)(got + (unsigned long)i));
				return NULL;
			}
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
	if ((rc = ks_init()) || (rc = ks_tap_open(argv[1], &ks_inet_net_get()->st.pbufs, &tap))) {
		fprintf(stderr, "tcp_peer: init: %s\n", strerror(-rc));
		return 1;
	}
	net = ks_inet_net_get();
	struct ks_netdev *dev = ks_tap_dev(tap);
	if (argc > 4 && !strncmp(argv[4], "fault:", 6)) {
		double loss = 0, dup = 0, reorder = 0, delay_ms = 0;
		sscanf(argv[4] + 6, "%lf:%lf:%lf:%lf", &loss, &dup, &reorder, &delay_ms);
		struct ks_fault_config cfg = {
			.seed = 42, .dirs = KS_FAULT_TX | KS_FAULT_RX,
			.loss_ppm = (uint32_t)(loss * 10000), .dup_ppm = (uint32_t)(dup * 10000),
			.reorder_ppm = (uint32_t)(reorder * 10000),
			.delay_ppm = delay_ms > 0 ? KS_FAULT_PPM : 0,
			.delay_ns = (uint64_t)(delay_ms * 1e6 / 2), /* each way: half the round trip */
			.hold_ns = 20000000, .lock = fault_lock, .unlock = fault_unlock,
			.lock_arg = &fault_mu,
		};
		if ((rc = ks_fault_init(&fault, &net->st, dev, &cfg))) {
			fprintf(stderr, "tcp_peer: fault: %s\n", strerror(-rc));
			return 1;
		}
		faulty = true;
		dev = &fault.dev;
		printf("tcp_peer: faults: loss %.1f%%, duplication %.1f%%, reordering %.1f%%, %.0f ms round trip added\n",
		       loss, dup, reorder, delay_ms);
	}
	if ((rc = ks_inet_netif_add(&net->st, dev, KSOCK_ADDR, 24, &nif)) ||
	    (rc = ks_inet_net_attach(nif)) || (rc = ks_inet_route_add(0, 0, LINUX_ADDR, 0)) ||
	    (rc = ks_netdev_open(dev))) {
		fprintf(stderr, "tcp_peer: interface: %s\n", strerror(-rc));
		return 1;
	}
	pthread_t drv, http_t, echo_t;
	struct server http = { 80, http_conn, listen_on(80) };
	struct server echo = { 7, echo_conn, listen_on(7) };
	if (faulty)
		pthread_create(&drv, NULL, driver, NULL);
	pthread_create(&http_t, NULL, serve, &http);
	pthread_create(&echo_t, NULL, serve, &echo);
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
	ks_sys_close(http.fd);
	ks_sys_close(echo.fd);
	usleep(100000); /* the connection threads finish their closes */
	if (faulty)
		pthread_join(drv, NULL);
	ks_inet_tcp_expire();
	ks_netdev_stop(dev);
	(void)ks_inet_net_poll();
	if (faulty) {
		printf("tcp_peer: fault wrapper: %lu passed, %lu lost, %lu duplicated, %lu reordered, %lu delayed\n",
		       fault.stats.passed, fault.stats.lost, fault.stats.duplicated,
		       fault.stats.reordered, fault.stats.delayed);
		ks_fault_destroy(&fault);
	}
	ks_inet_net_detach(nif);
	ks_inet_netif_del(nif);
	ks_tap_close(tap);
	printf("tcp_peer: syncookies sent %lu, connections from cookies %lu, bad cookies %lu, listen drops %lu\n",
	       net->st.tcp.syncookies_sent, net->st.tcp.syncookies_recv, net->st.tcp.syncookies_failed,
	       net->st.tcp.listen_drops);
	long live = ks_pbuf_pool_live(&net->st.pbufs);
	printf("tcp_peer: failures %d, leaked pbufs %ld\n", failures, live);
	return failures || live ? 1 : 0;
}

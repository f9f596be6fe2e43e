/*
 * ecn_pmtu_peer.c - the ksock side of the ECN and path-MTU interop check
 * with Linux over a TAP link (tests/inet/ecn_pmtu_tap.sh, make
 * check-ecn-pmtu-tap). Opens the TAP interface argv[1], puts 198.18.0.2/24
 * on it with a default route via Linux (198.18.0.1), then:
 *   - serves an echo server on port 7 (ksock's tcp_ecn is the default, 2:
 *     a Linux client asking for ECN gets it), for the script's client;
 *   - waits for a line on stdin ("go"), then with tcp_ecn 1 connects to
 *     argv[2] (ADDR:PORT, a Linux echo server behind a router whose next
 *     link has a smaller MTU), sends argv[3] bytes of a pattern while
 *     reading them back, checks them, and prints what TCP_INFO says
 *     (ECN options, the MSS, IP_MTU): "ecn_pmtu_peer: client ok N bytes
 *     ecn=E mss=M ip_mtu=U" or what went wrong;
 *   - exits on "quit" (or EOF) on stdin, 0 when the client succeeded and
 *     no packet buffer leaked.
 * Prints "ready" when serving.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ksock/ksock.h>

#include "inet/sock_inet.h"
#include "tap.h"

#define KSOCK_ADDR KS_IPV4(198, 18, 0, 2)
#define LINUX_ADDR KS_IPV4(198, 18, 0, 1)

static volatile int stop;

static uint8_t pattern(unsigned long i)
{
	return (uint8_t)(i * 13 + (i >> 9));
}

/* The echo server: one connection at a time, until stop. */
static void *echo_server(void *arg)
{
	int lfd = *(int *)arg;
	static char buf[65536];

	while (!stop) {
		long c = ks_sys_accept(lfd, NULL, NULL);
		if (c < 0) {
			usleep(10000);
			continue;
		}
		for (;;) {
			long n = ks_sys_read((int)c, buf, sizeof(buf));
			if (n <= 0 || ks_sys_write((int)c, buf, (unsigned long)n) != n)
				break;
		}
		ks_sys_close((int)c);
	}
	return NULL;
}

struct client {
	int fd;
	unsigned long n, got;
	int bad;
};

static void *reader(void *arg)
{
	struct client *c = arg;
	static char buf[65536];

	while (c->got < c->n) {
		long r = ks_sys_read(c->fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		for (long i = 0; i < r; i++)
			if ((uint8_t)buf[i] != pattern(c->got + (unsigned long)i))
				c->bad = 1;
		c->got += (unsigned long)r;
	}
	return NULL;
}

static int run_client(const char *addr, unsigned long n)
{
	unsigned a, b, cc, d, port;
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET };
	static char buf[16384];
	struct client c = { .n = n };
	pthread_t rt;

	if (sscanf(addr, "%u.%u.%u.%u:%u", &a, &b, &cc, &d, &port) != 5)
		return -1;
	sin.sin_port = ks_hton16((uint16_t)port);
	sin.sin_addr.s_addr = ks_hton32(KS_IPV4(a, b, cc, d));
	ks_inet_set_tcp_ecn(1);
	c.fd = (int)ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM, 0);
	if (c.fd < 0 || ks_sys_connect(c.fd, (struct ks_sockaddr *)&sin, sizeof(sin))) {
		printf("ecn_pmtu_peer: client: connect failed\n");
		return -1;
	}
	pthread_create(&rt, NULL, reader, &c);
	for (unsigned long sent = 0; sent < n;) {
		unsigned long k = n - sent < sizeof(buf) ? n - sent : sizeof(buf);
		for (unsigned long i = 0; i < k; i++)
			buf[i] = (char)pattern(sent + i);
		long w = ks_sys_write(c.fd, buf, k);
		if (w <= 0)
			break;
		sent += (unsigned long)w;
	}
	pthread_join(rt, NULL);
	uint8_t info[232];
	unsigned len = sizeof(info);
	int mss = 0, mtu = 0;
	unsigned l2 = sizeof(mss), l3 = sizeof(mtu);
	memset(info, 0, sizeof(info));
	ks_sys_getsockopt(c.fd, 6, 11 /* TCP_INFO */, info, &len);
	ks_sys_getsockopt(c.fd, 6, 2 /* TCP_MAXSEG */, &mss, &l2);
	ks_sys_getsockopt(c.fd, KS_SOL_IP, KS_IP_MTU, &mtu, &l3);
	unsigned opts = info[5]; /* tcpi_options */
	printf("ecn_pmtu_peer: client %s %lu bytes ecn=%u ecn_seen=%u mss=%d ip_mtu=%d\n",
	       c.got == n && !c.bad ? "ok" : "FAILED", c.got, (opts & 8) != 0, (opts & 16) != 0,
	       mss, mtu);
	fflush(stdout);
	ks_sys_close(c.fd);
	return c.got == n && !c.bad ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct ks_tap *tap;
	struct ks_inet_netif *nif;
	struct ks_inet_net *net;
	int rc, status = 0;
	char line[64];

	if (argc < 4) {
		fprintf(stderr, "usage: %s TAP-IFNAME ADDR:PORT BYTES\n", argv[0]);
		return 2;
	}
	if ((rc = ks_init()) || (rc = ks_tap_open(argv[1], &ks_inet_net_get()->st.pbufs, &tap))) {
		fprintf(stderr, "ecn_pmtu_peer: init: %s\n", strerror(-rc));
		return 1;
	}
	net = ks_inet_net_get();
	struct ks_netdev *dev = ks_tap_dev(tap);
	if ((rc = ks_inet_netif_add(&net->st, dev, KSOCK_ADDR, 24, &nif)) ||
	    (rc = ks_inet_net_attach(nif)) || (rc = ks_inet_route_add(0, 0, LINUX_ADDR, 0)) ||
	    (rc = ks_netdev_open(dev))) {
		fprintf(stderr, "ecn_pmtu_peer: interface: %s\n", strerror(-rc));
		return 1;
	}
	int lfd = (int)ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM | KS_SOCK_NONBLOCK, 0);
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(7) };
	int one = 1;
	ks_sys_setsockopt(lfd, KS_SOL_SOCKET, KS_SO_REUSEADDR, &one, sizeof(one));
	if (ks_sys_bind(lfd, (struct ks_sockaddr *)&sin, sizeof(sin)) || ks_sys_listen(lfd, 8)) {
		fprintf(stderr, "ecn_pmtu_peer: listen failed\n");
		return 1;
	}
	pthread_t et;
	pthread_create(&et, NULL, echo_server, &lfd);
	printf("ready\n");
	fflush(stdout);
	bool ran = false;
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "go", 2)) {
			ran = true;
			if (run_client(argv[2], strtoul(argv[3], NULL, 10)))
				status = 1;
		} else if (!strncmp(line, "quit", 4)) {
			break;
		}
	}
	stop = 1;
	pthread_join(et, NULL);
	ks_sys_close(lfd);
	ks_inet_tcp_expire();
	ks_netdev_stop(dev);
	(void)ks_inet_net_poll();
	ks_inet_net_detach(nif);
	ks_inet_netif_del(nif);
	ks_tap_close(tap);
	long live = ks_pbuf_pool_live(&net->st.pbufs);
	printf("ecn_pmtu_peer: pmtu learnt %lu, out of window %lu, bad mtu %lu; %ld buffers live\n",
	       net->st.pmtu.stats.learnt, net->st.pmtu.stats.out_of_window,
	       net->st.pmtu.stats.bad_mtu, live);
	if (live)
		status = 1;
	return ran ? status : 1;
}

/*
 * udp_echo.c - the UDP smoke test's ksock side (tests/inet/udp_smoke.sh):
 * opens the TAP interface argv[1] (in the namespace the script runs it in),
 * puts an interface with 198.18.0.2/24 on it, attaches it to the host's
 * AF_INET sockets (ks_inet_net_attach, sock_inet.h) and runs a UDP echo
 * service on 198.18.0.2:7 through the socket API (ks_sys_socket, bind,
 * recvfrom with MSG_DONTWAIT, sendto) for at most argv[2] seconds, or
 * until SIGTERM/SIGINT. The TAP's receive thread only queues; this
 * program's main thread polls the interface (ks_inet_net_poll) and the
 * socket in turn, sleeping a millisecond when both are idle. First it
 * checks that a 1473-byte datagram (1501 bytes of IPv4, above the MTU) is
 * EMSGSIZE: no fragmentation yet. Prints
 * "ready" once serving, one line per datagram echoed, then the counters,
 * the stack's non-zero drop counters and the packet buffers still live;
 * exits 0 when nothing leaked and nothing failed, 1 otherwise.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ksock/ksock.h>

#include "inet/sock_inet.h"
#include "tap.h"

#define KSOCK_ADDR KS_IPV4(198, 18, 0, 2)
#define ECHO_PORT 7

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig; /* either one stops */
	stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(struct ks_inet_stack *st, struct ks_inet_netif *nif)
{
	const struct ks_inet_netif_stats *s = &nif->stats;

	printf("udp_echo: rx_frames=%lu arp_replies=%lu arp_requests=%lu udp_in=%lu ip_out=%lu "
	       "tx_errors=%lu\n",
	       s->rx_frames, s->arp_replies, s->arp_requests, s->udp_in, s->ip_out, s->tx_errors);
	for (int r = KS_DROP_FIRST; r < KS_DROP_END_; r++)
		if (ks_inet_drops_get(st, (enum ks_drop)r))
			printf("udp_echo: dropped %s=%lu\n", ks_inet_drop_name((enum ks_drop)r),
			       ks_inet_drops_get(st, (enum ks_drop)r));
}

/* One datagram from the socket echoed back: 1, 0 when none was waiting,
 * -1 on an error. */
static int echo_one(int fd)
{
	static char buf[65536];
	struct ks_sockaddr_in from;
	unsigned fromlen = sizeof(from);
	long n = ks_sys_recvfrom(fd, buf, sizeof(buf), KS_MSG_DONTWAIT, (struct ks_sockaddr *)&from,
				 &fromlen);

	if (n == -KS_EAGAIN)
		return 0;
	if (n < 0) {
		fprintf(stderr, "udp_echo: recvfrom: %s\n", strerror((int)-n));
		return -1;
	}
	long m = ks_sys_sendto(fd, buf, (unsigned long)n, 0, (struct ks_sockaddr *)&from, fromlen);
	uint32_t a = ks_ntoh32(from.sin_addr.s_addr);
	printf("udp_echo: %ld bytes from %u.%u.%u.%u:%u, sent back: %ld\n", n, a >> 24,
	       (a >> 16) & 255, (a >> 8) & 255, a & 255, ks_ntoh16(from.sin_port), m);
	fflush(stdout);
	return m == n ? 1 : -1;
}

int main(int argc, char **argv)
{
	struct ks_inet_net *net;
	struct ks_inet_netif *nif;
	struct ks_tap *tap;
	int rc, failed = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TAP-IFNAME SECONDS\n", argv[0]);
		return 2;
	}
	double end = mono_s() + atof(argv[2]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if ((rc = ks_init())) {
		fprintf(stderr, "udp_echo: ks_init: %s\n", strerror(-rc));
		return 1;
	}
	net = ks_inet_net_get();
	if ((rc = ks_tap_open(argv[1], &net->st.pbufs, &tap))) {
		fprintf(stderr, "udp_echo: opening %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	if ((rc = ks_inet_netif_add(&net->st, ks_tap_dev(tap), KSOCK_ADDR, 24, &nif)) ||
	    (rc = ks_inet_net_attach(nif)) || (rc = ks_netdev_open(ks_tap_dev(tap)))) {
		fprintf(stderr, "udp_echo: interface: %s\n", strerror(-rc));
		return 1;
	}
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_DGRAM, 0);
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(ECHO_PORT),
				      .sin_addr = { ks_hton32(KSOCK_ADDR) } };
	if (fd < 0 || (rc = (int)ks_sys_bind((int)fd, (struct ks_sockaddr *)&sin, sizeof(sin)))) {
		fprintf(stderr, "udp_echo: socket/bind: %s\n", strerror(fd < 0 ? (int)-fd : -rc));
		return 1;
	}
	/* No fragmentation yet: 1473 bytes (a 1501-byte datagram) is EMSGSIZE. */
	static char big[1473];
	struct ks_sockaddr_in linux_side = sin;
	linux_side.sin_addr.s_addr = ks_hton32(KS_IPV4(198, 18, 0, 1));
	long big_rc = ks_sys_sendto((int)fd, big, sizeof(big), 0, (struct ks_sockaddr *)&linux_side,
				    sizeof(linux_side));
	printf("udp_echo: sendto of 1473 bytes to 198.18.0.1:7: %s\n",
	       big_rc == -KS_EMSGSIZE ? "EMSGSIZE, as expected" : "NOT EMSGSIZE");
	if (big_rc != -KS_EMSGSIZE)
		failed = 1;
	printf("ready\n");
	fflush(stdout);
	while (!stop && mono_s() < end) {
		int busy = ks_inet_net_poll();
		int e = echo_one((int)fd);
		if (e < 0)
			failed = 1;
		if (!busy && e == 0)
			usleep(1000);
	}
	(void)ks_sys_close((int)fd); /* nothing queued to lose: the client is done */
	ks_netdev_stop(ks_tap_dev(tap));
	(void)ks_inet_net_poll(); /* what came in before the stop */
	report(&net->st, nif);
	ks_inet_net_detach(nif);
	ks_inet_netif_del(nif);
	ks_tap_close(tap);
	long live = ks_pbuf_pool_live(&net->st.pbufs);
	printf("udp_echo: leaked pbufs: %ld\n", live);
	return live || failed ? 1 : 0;
}

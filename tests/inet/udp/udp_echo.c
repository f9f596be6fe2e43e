/*
 * udp_echo.c - the UDP smoke test's ksock side (tests/inet/udp_smoke.sh):
 * opens the TAP interface argv[1] (in the namespace the script runs it in),
 * puts an interface with 198.18.0.2/24 on it, attaches it to the host's
 * AF_INET sockets (ks_inet_net_attach, sock_inet.h) and runs a UDP echo
 * service on 198.18.0.2:7 through the socket API (ks_sys_socket, bind,
 * recvfrom with MSG_DONTWAIT, sendto) for at most argv[2] seconds, or
 * until SIGTERM/SIGINT. The TAP's receive thread only queues; this
 * program's main thread polls the interface (ks_inet_net_poll) and the
 * socket in turn, sleeping a millisecond when both are idle.
 *
 * First, loopback: a 3000-byte UDP datagram to a ksock socket on
 * 127.0.0.1, cut into 3 fragments (ks_ipfrag_output) and queued on the
 * loopback device last first, must be reassembled by loopback input and
 * read back whole ("loopback: ... identical").
 *
 * Prints "ready" once the interface is up. Then, with argv[3] (a port of
 * a Linux echo service on 198.18.0.1), the client side: from a socket of
 * its own it sends datagrams of sizes[] bytes (1 to 65507, the largest:
 * fragmented to the 1500-byte MTU, 45 fragments), waits up to 2 s for
 * each echo (reassembled) and prints "client N bytes: identical" when it
 * matches byte for byte and comes from that address and port. Checks that
 * 65508 bytes is EMSGSIZE (65535 bytes of IPv4). Then prints "serving"
 * and echoes, one line per datagram; at the end the counters, the
 * reassembly counters, the stack's non-zero drop counters and the packet
 * buffers still live. Exits 0 when nothing leaked and nothing failed.
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
#define LINUX_ADDR KS_IPV4(198, 18, 0, 1)
#define ECHO_PORT 7

/* Both ways: a byte, around one MTU (1472 fits, 1473 is two fragments),
 * whole 8-byte blocks and one more, up to the largest UDP datagram. */
static const unsigned sizes[] = { 1, 100, 1000, 1472, 1473, 1480, 2952, 2953, 4096,
				  8192, 16384, 32768, 65000, 65507 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

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

	const struct ks_ipfrag_stats *f = &st->frag.stats;

	printf("udp_echo: rx_frames=%lu arp_replies=%lu arp_requests=%lu udp_in=%lu ip_out=%lu "
	       "tx_errors=%lu\n",
	       s->rx_frames, s->arp_replies, s->arp_requests, s->udp_in, s->ip_out, s->tx_errors);
	printf("udp_echo: reassembly: fragments=%lu datagrams=%lu failed=%lu; fragmentation: "
	       "datagrams=%lu fragments=%lu\n",
	       f->reqds, f->oks, f->fails, f->fragmented, f->frags_out);
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

/* Polls the interface until fd has a datagram or 2 s pass; its length
 * or a negative errno. */
static long recv_wait(int fd, char *buf, unsigned long len, struct ks_sockaddr_in *from)
{
	double end = mono_s() + 2.0;
	long n;

	do {
		unsigned fromlen = sizeof(*from);
		int busy = ks_inet_net_poll();
		n = ks_sys_recvfrom(fd, buf, len, KS_MSG_DONTWAIT, (struct ks_sockaddr *)from,
				    &fromlen);
		if (n != -KS_EAGAIN)
			return n;
		if (!busy)
			usleep(1000);
	} while (mono_s() < end && !stop);
	return n;
}

/* ksock as the client of Linux's echo service on port: every size, byte
 * for byte. Returns how many sizes failed. */
static int client(int port)
{
	static char out[65508], in[65536];
	struct ks_sockaddr_in to = { .sin_family = KS_AF_INET, .sin_port = ks_hton16((uint16_t)port),
				     .sin_addr = { ks_hton32(LINUX_ADDR) } }, from;
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_DGRAM, 0);
	int bad = 0;

	if (fd < 0)
		return (int)NSIZES;
	for (size_t k = 0; k < NSIZES; k++) {
		for (unsigned i = 0; i < sizes[k]; i++)
			out[i] = (char)(rand() & 0xff);
		long m = ks_sys_sendto((int)fd, out, sizes[k], 0, (struct ks_sockaddr *)&to, sizeof(to));
		long n = m == (long)sizes[k] ? recv_wait((int)fd, in, sizeof(in), &from) : m;
		bool same = n == (long)sizes[k] && memcmp(in, out, sizes[k]) == 0 &&
			    from.sin_addr.s_addr == to.sin_addr.s_addr && from.sin_port == to.sin_port;
		printf("udp_echo: client %5u bytes: sent %ld, echo %ld: %s\n", sizes[k], m, n,
		       same ? "identical" : "DIFFERENT or missing");
		bad += !same;
	}
	/* The largest is 65507 bytes of UDP in 65535 of IPv4: one more is EMSGSIZE. */
	long big = ks_sys_sendto((int)fd, out, 65508, 0, (struct ks_sockaddr *)&to, sizeof(to));
	printf("udp_echo: client 65508 bytes: %s\n",
	       big == -KS_EMSGSIZE ? "EMSGSIZE, as expected" : "NOT EMSGSIZE");
	bad += big != -KS_EMSGSIZE;
	(void)ks_sys_close((int)fd); /* nothing queued: every echo was read */
	fflush(stdout);
	return bad;
}

/* Queues a fragment on the loopback device, in front of the earlier
 * ones (so they arrive last first). */
static int lo_push(void *arg, struct ks_pbuf *p)
{
	struct ks_pbuf **list = arg;

	p->qnext = *list;
	*list = p;
	return 0;
}

/* Reassembly on loopback input (sock_inet.c's hook): 1 when a datagram sent
 * in fragments, last first, is read back whole. */
static int loopback_frags(struct ks_inet_net *net)
{
	static char got[4096];
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET,
				      .sin_addr = { ks_hton32(KS_INET_LO_ADDR) } };
	unsigned len = sizeof(sin);
	struct ks_pbuf *p, *frags = NULL;
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_DGRAM, 0), n = -1;

	if (fd < 0 || ks_sys_bind((int)fd, (struct ks_sockaddr *)&sin, sizeof(sin)) ||
	    ks_sys_getsockname((int)fd, (struct ks_sockaddr *)&sin, &len) ||
	    ks_pbuf_alloc(&net->st.pbufs, KS_PBUF_ROOM_IP, 20 + 8 + 3000, &p))
		return 0;
	struct ks_ipv4_hdr h = { .ttl = 64, .proto = KS_IPPROTO_UDP, .tot_len = 3028, .id = 7,
				 .src = KS_INET_LO_ADDR, .dst = KS_INET_LO_ADDR };
	for (int i = 0; i < 3000; i++)
		p->data[28 + i] = (uint8_t)(i * 7);
	(void)ks_udp_emit(p->data + 20, 3008, 9, ks_ntoh16(sin.sin_port), KS_INET_LO_ADDR,
			  KS_INET_LO_ADDR, true);
	(void)ks_ipv4_emit(p->data, 20, &h);
	int pieces = ks_ipfrag_output(&net->st, p, 1500, 0, lo_push, &frags) == 0;
	while (frags) {
		p = frags;
		frags = p->qnext;
		p->qnext = NULL;
		ks_inet_lo_xmit(p);
	}
	ks_inet_lo_drain();
	n = ks_sys_recvfrom((int)fd, got, sizeof(got), KS_MSG_DONTWAIT, NULL, NULL);
	bool same = pieces && n == 3000;
	for (int i = 0; same && i < 3000; i++)
		same = (uint8_t)got[i] == (uint8_t)(i * 7);
	printf("udp_echo: loopback: 3000 bytes in 3 fragments, last first: read %ld: %s\n", n,
	       same ? "identical" : "DIFFERENT or missing");
	(void)ks_sys_close((int)fd);
	return same;
}

int main(int argc, char **argv)
{
	struct ks_inet_net *net;
	struct ks_inet_netif *nif;
	struct ks_tap *tap;
	int rc, failed = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s TAP-IFNAME SECONDS [LINUX-ECHO-PORT]\n", argv[0]);
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
	if (!loopback_frags(net))
		failed = 1;
	printf("ready\n");
	fflush(stdout);
	if (argc == 4 && client(atoi(argv[3])) != 0)
		failed = 1;
	printf("serving\n");
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

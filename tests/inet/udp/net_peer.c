/*
 * net_peer.c - the ksock side of the ARP, routing, ICMP and broadcast
 * interop test (tests/inet/net_smoke.sh, make check-net-tap): opens the
 * TAP interface argv[1], puts 198.18.0.2/24 on it, attaches it to the
 * host's AF_INET sockets with a default route via Linux (198.18.0.1) and
 * runs, for at most argv[2] seconds or until SIGTERM, polling the
 * interface every millisecond (ks_inet_net_poll_next) and, every 200 ms
 * until acknowledged:
 *   hello   from a socket connected to 198.18.0.1:5555, sent first, with
 *           Linux's neighbour entry flushed: ksock resolves Linux's MAC
 *   via-gw  to 198.19.77.1:5556, an address of Linux's not on the link:
 *           sent through the gateway (ARP for 198.18.0.1, not for it)
 *   big     4000 bytes to 198.19.77.1:5561 through the gateway: sent in
 *           three fragments on the interface the route chose
 *   bcast   with SO_BROADCAST to 198.18.0.255:5558 (link broadcast)
 *   probe   to 198.18.0.1:5557, a closed port: Linux's port unreachable
 *           must come back as ECONNREFUSED on the connected socket
 * and, once, a datagram to 198.18.0.99:9 (nobody) from a connected
 * socket with IP_RECVERR: after 3 ARP requests 1 s apart, EHOSTUNREACH.
 * It also serves: UDP echo on 198.18.0.2:7 (up to 8 KiB: reassembled and
 * fragmented, through the gateway to 198.19.77.1), and "bcast-ack" to whoever
 * broadcasts to port 5559. Each acknowledgement ("ack") is the peer's
 * reply on the same socket. Prints "ready", a line per event, "done"
 * when every check passed, then the counters; exits 0 when every check
 * passed and no packet buffer leaked.
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
#define LINUX_REMOTE KS_IPV4(198, 19, 77, 1)

static volatile sig_atomic_t stop;
static double t_start;

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

static struct ks_sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(port),
				      .sin_addr = { ks_hton32(addr) } };
	return sin;
}

/* A UDP socket bound to addr:port (0: any), connected to peer:pport if
 * pport; exits on failure. */
static int sock(uint32_t addr, uint16_t port, uint32_t peer, uint16_t pport, int opt_level,
		int opt_name)
{
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_DGRAM, 0);
	struct ks_sockaddr_in a = sin_of(addr, port), p = sin_of(peer, pport);
	int one = 1;

	if (fd < 0 ||
	    (opt_name && ks_sys_setsockopt((int)fd, opt_level, opt_name, &one, sizeof(one))) ||
	    ((addr || port) && ks_sys_bind((int)fd, (struct ks_sockaddr *)&a, sizeof(a))) ||
	    (pport && ks_sys_connect((int)fd, (struct ks_sockaddr *)&p, sizeof(p)))) {
		fprintf(stderr, "net_peer: socket setup failed\n");
		exit(1);
	}
	return (int)fd;
}

struct check {
	const char *name;
	int fd;
	const char *msg;   /* sent every tick until done; NULL: nothing to send */
	uint32_t to;       /* for sendto (unconnected); 0: connected */
	uint16_t to_port;
	long want;         /* the receive result that completes it: 1 "ack", or -errno */
	int done;
};

static void tick(struct check *c)
{
	struct ks_sockaddr_in sin = sin_of(c->to, c->to_port);

	if (c->done || !c->msg)
		return;
	long n = c->to ? ks_sys_sendto(c->fd, c->msg, strlen(c->msg), 0,
				       (struct ks_sockaddr *)&sin, sizeof(sin))
		       : ks_sys_sendto(c->fd, c->msg, strlen(c->msg), 0, NULL, 0);
	if (n < 0 && n != c->want)
		printf("net_peer: %s: send: %s\n", c->name, strerror((int)-n));
	if (n == c->want) { /* a pending error can come back from send too */
		c->done = 1;
		printf("net_peer: %s: %s (from send)\n", c->name, strerror((int)-n));
	}
}

static void check_rx(struct check *c)
{
	char buf[64];
	long n;

	if (c->done)
		return;
	n = ks_sys_recvfrom(c->fd, buf, sizeof(buf), KS_MSG_DONTWAIT, NULL, NULL);
	if (n == -KS_EAGAIN)
		return;
	if (c->want == 1 && n == 3 && memcmp(buf, "ack", 3) == 0) {
		c->done = 1;
		printf("net_peer: %s: acknowledged (%.1f s)\n", c->name, mono_s() - t_start);
	} else if (c->want < 0 && n == c->want) {
		c->done = 1;
		printf("net_peer: %s: %s (%.1f s)\n", c->name, strerror((int)-n),
		       mono_s() - t_start);
	} else if (c->want == 1 && n == -KS_ECONNREFUSED) {
		printf("net_peer: %s: Linux not listening yet (ECONNREFUSED); sent again\n", c->name);
	} else {
		printf("net_peer: %s: unexpected %ld\n", c->name, n);
	}
	fflush(stdout);
}

/* Echo on port 7; "bcast-ack" to broadcasts on 5559. */
static int serve(int echo_fd, int bc_fd)
{
	static char buf[8192];
	struct ks_sockaddr_in from;
	unsigned fl = sizeof(from);
	int busy = 0;
	long n = ks_sys_recvfrom(echo_fd, buf, sizeof(buf), KS_MSG_DONTWAIT,
				 (struct ks_sockaddr *)&from, &fl);

	if (n >= 0) {
		busy = 1;
		printf("net_peer: echo of %ld bytes: %ld\n", n,
		       ks_sys_sendto(echo_fd, buf, (unsigned long)n, 0, (struct ks_sockaddr *)&from,
				     fl));
	}
	fl = sizeof(from);
	n = ks_sys_recvfrom(bc_fd, buf, sizeof(buf), KS_MSG_DONTWAIT, (struct ks_sockaddr *)&from,
			    &fl);
	if (n >= 0) {
		busy = 1;
		printf("net_peer: broadcast of %ld bytes received, answered: %ld\n", n,
		       ks_sys_sendto(bc_fd, "bcast-ack", 9, 0, (struct ks_sockaddr *)&from, fl));
	}
	fflush(stdout);
	return busy;
}

static void report(struct ks_inet_stack *st, struct ks_inet_netif *nif)
{
	const struct ks_inet_netif_stats *s = &nif->stats;

	printf("net_peer: rx_frames=%lu arp_requests=%lu arp_replies=%lu arp_failed=%lu udp_in=%lu "
	       "bcast_in=%lu ip_out=%lu icmp_out=%lu icmp_err_in=%lu echo_replies=%lu "
	       "tx_errors=%lu\n",
	       s->rx_frames, s->arp_requests, s->arp_replies, s->arp_failed, s->udp_in,
	       s->bcast_in, s->ip_out, s->icmp_out, s->icmp_err_in, s->echo_replies, s->tx_errors);
	for (int r = KS_DROP_FIRST; r < KS_DROP_END_; r++)
		if (ks_inet_drops_get(st, (enum ks_drop)r))
			printf("net_peer: dropped %s=%lu\n", ks_inet_drop_name((enum ks_drop)r),
			       ks_inet_drops_get(st, (enum ks_drop)r));
}

int main(int argc, char **argv)
{
	struct ks_inet_net *net;
	struct ks_inet_netif *nif;
	struct ks_tap *tap;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TAP-IFNAME SECONDS\n", argv[0]);
		return 2;
	}
	double end = mono_s() + atof(argv[2]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if ((rc = ks_init()) ||
	    (rc = ks_tap_open(argv[1], &ks_inet_net_get()->st.pbufs, &tap))) {
		fprintf(stderr, "net_peer: init: %s\n", strerror(-rc));
		return 1;
	}
	net = ks_inet_net_get();
	if ((rc = ks_inet_netif_add(&net->st, ks_tap_dev(tap), KSOCK_ADDR, 24, &nif)) ||
	    (rc = ks_inet_net_attach(nif)) || (rc = ks_inet_route_add(0, 0, LINUX_ADDR, 0)) ||
	    (rc = ks_netdev_open(ks_tap_dev(tap)))) {
		fprintf(stderr, "net_peer: interface: %s\n", strerror(-rc));
		return 1;
	}
	const uint8_t *m = ks_tap_dev(tap)->mac;
	printf("net_peer: 198.18.0.2 is-at %02x:%02x:%02x:%02x:%02x:%02x (ifindex %u)\n", m[0], m[1],
	       m[2], m[3], m[4], m[5], ks_tap_dev(tap)->ifindex);
	static char big[4001]; /* past the MTU: three fragments */
	memset(big, 'g', sizeof(big) - 1);
	int echo_fd = sock(KSOCK_ADDR, 7, 0, 0, 0, 0);
	int bc_fd = sock(0, 5559, 0, 0, 0, 0);
	struct check checks[] = {
		{ "hello (ksock first: resolves Linux's MAC)",
		  sock(0, 0, LINUX_ADDR, 5555, 0, 0), "hello", 0, 0, 1, 0 },
		{ "via-gw (through the gateway)", sock(0, 0, LINUX_REMOTE, 5556, 0, 0), "via-gw", 0, 0,
		  1, 0 },
		{ "big (4000 bytes through the gateway, fragmented)",
		  sock(0, 0, LINUX_REMOTE, 5561, 0, 0), big, 0, 0, 1, 0 },
		{ "bcast (to 198.18.0.255)", sock(0, 5560, 0, 0, KS_SOL_SOCKET, KS_SO_BROADCAST),
		  "bcast", KS_IPV4(198, 18, 0, 255), 5558, 1, 0 },
		{ "probe of a closed Linux port", sock(0, 0, LINUX_ADDR, 5557, 0, 0), "probe", 0, 0,
		  -KS_ECONNREFUSED, 0 },
		{ "silent neighbour 198.18.0.99 with IP_RECVERR",
		  sock(0, 0, KS_IPV4(198, 18, 0, 99), 9, KS_SOL_IP, KS_IP_RECVERR), NULL, 0, 0,
		  -KS_EHOSTUNREACH, 0 },
	};
	const int nchecks = (int)(sizeof(checks) / sizeof(checks[0]));
	t_start = mono_s();
	(void)ks_sys_sendto(checks[nchecks - 1].fd, "anyone", 6, 0, NULL, 0);
	printf("ready\n");
	fflush(stdout);
	double next_tick = 0;
	int all = 0;
	while (!stop && mono_s() < end) {
		uint64_t deadline;
		int busy = ks_inet_net_poll_next(&deadline) > 0;
		if (mono_s() >= next_tick) {
			for (int i = 0; i < nchecks; i++)
				tick(&checks[i]);
			next_tick = mono_s() + 0.2;
		}
		for (int i = 0; i < nchecks; i++)
			check_rx(&checks[i]);
		busy |= serve(echo_fd, bc_fd);
		int n = 0;
		for (int i = 0; i < nchecks; i++)
			n += checks[i].done;
		if (n == nchecks && !all) {
			all = 1;
			printf("done\n");
			fflush(stdout);
		}
		if (!busy)
			usleep(1000);
	}
	for (int i = 0; i < nchecks; i++) {
		if (!checks[i].done)
			printf("net_peer: %s: NOT DONE\n", checks[i].name);
		(void)ks_sys_close(checks[i].fd);
	}
	(void)ks_sys_close(echo_fd);
	(void)ks_sys_close(bc_fd);
	ks_netdev_stop(ks_tap_dev(tap));
	(void)ks_inet_net_poll();
	report(&net->st, nif);
	ks_inet_net_detach(nif);
	ks_inet_netif_del(nif);
	ks_tap_close(tap);
	long live = ks_pbuf_pool_live(&net->st.pbufs);
	printf("net_peer: leaked pbufs: %ld\n", live);
	return live || !all ? 1 : 0;
}

/*
 * ping_serve.c - the ping smoke test's ksock side (tests/inet/ping_smoke.sh):
 * opens the TAP interface argv[1] (in the namespace the script runs it in),
 * puts an interface with 198.18.0.2/24 on it (src/inet/netif.h) and serves
 * ARP and ICMP echo for at most argv[2] seconds, or until SIGTERM/SIGINT.
 * The TAP's receive thread only queues (the netdev contract); this
 * program's main thread is the processing loop: it polls the interface
 * every millisecond. Prints "ready" once serving, then, at the end, the
 * interface's counters, the stack's non-zero drop counters and the packet
 * buffers still live; exits 0 when nothing leaked, 1 otherwise.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inet/netif.h"
#include "tap.h"

#define KSOCK_ADDR KS_IPV4(198, 18, 0, 2)

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

	printf("ping_serve: rx_frames=%lu arp_replies=%lu arp_learnt=%lu echo_replies=%lu "
	       "tx_errors=%lu\n",
	       s->rx_frames, s->arp_replies, s->arp_learnt, s->echo_replies, s->tx_errors);
	for (int r = KS_DROP_FIRST; r < KS_DROP_END_; r++)
		if (ks_inet_drops_get(st, (enum ks_drop)r))
			printf("ping_serve: dropped %s=%lu\n", ks_inet_drop_name((enum ks_drop)r),
			       ks_inet_drops_get(st, (enum ks_drop)r));
}

int main(int argc, char **argv)
{
	static struct ks_inet_stack st;
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
	if (ks_inet_stack_init(&st, NULL))
		return 1;
	if ((rc = ks_tap_open(argv[1], &st.pbufs, &tap))) {
		fprintf(stderr, "ping_serve: opening %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	if ((rc = ks_inet_netif_add(&st, ks_tap_dev(tap), KSOCK_ADDR, 24, &nif)) ||
	    (rc = ks_netdev_open(ks_tap_dev(tap)))) {
		fprintf(stderr, "ping_serve: interface: %s\n", strerror(-rc));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop && mono_s() < end) {
		(void)ks_inet_netif_poll(nif); /* what it did is in nif->stats */
		usleep(1000);
	}
	ks_netdev_stop(ks_tap_dev(tap));
	(void)ks_inet_netif_poll(nif); /* what came in before the stop */
	report(&st, nif);
	ks_inet_netif_del(nif);
	ks_tap_close(tap);
	long live = ks_pbuf_pool_live(&st.pbufs);
	printf("ping_serve: leaked pbufs: %ld\n", live);
	return live ? 1 : 0;
}

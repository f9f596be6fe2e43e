/*
 * tap_arp.c - the TAP smoke test's ksock side (tests/inet/tap_smoke.sh):
 * opens the TAP interface argv[1] (in the namespace the script runs it
 * in), wraps it in a pcap writer to the file argv[2], sends an ARP request
 * for 198.18.0.1 from 198.18.0.2 (built with src/inet/wire) once a second,
 * and waits up to 5 s for Linux's reply. Prints "records=N" (frames
 * captured) and exits 0 when the reply came, 1 otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inet/pcap.h"
#include "inet/wire/arp.h"
#include "tap.h"

#define LINUX_ADDR KS_IPV4(198, 18, 0, 1)
#define KSOCK_ADDR KS_IPV4(198, 18, 0, 2)

static pthread_mutex_t cap_lock = PTHREAD_MUTEX_INITIALIZER;
static int got_reply;
static uint8_t linux_mac[KS_ETH_ALEN];

static void lock(void *arg) { pthread_mutex_lock(arg); }
static void unlock(void *arg) { pthread_mutex_unlock(arg); }

static uint64_t wall_ns(void *arg)
{
	struct timespec ts;

	(void)arg; /* no state */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The upcall (receive thread): looks for the ARP reply; takes p. */
static void on_rx(void *arg, struct ks_netdev *dev, struct ks_pbuf *p)
{
	uint8_t buf[64];
	uint32_t n = ks_pbuf_copy_out(p, 0, buf, sizeof(buf));
	struct ks_eth_hdr eth;
	struct ks_arp arp;

	(void)arg;
	ks_pbuf_free(p);
	if (ks_eth_parse(buf, n, &eth) < 0 || eth.type != KS_ETH_P_ARP)
		return;
	if (ks_arp_parse(buf + KS_ETH_HLEN, n - KS_ETH_HLEN, &arp) < 0)
		return;
	if (arp.op == KS_ARP_OP_REPLY && arp.spa == LINUX_ADDR && arp.tpa == KSOCK_ADDR &&
	    memcmp(arp.tha, dev->mac, KS_ETH_ALEN) == 0) {
		memcpy(linux_mac, arp.sha, KS_ETH_ALEN);
		__atomic_store_n(&got_reply, 1, __ATOMIC_RELEASE);
	}
}

static int send_request(struct ks_netdev *dev, struct ks_pbuf_pool *pool)
{
	struct ks_eth_hdr eth = { .type = KS_ETH_P_ARP };
	struct ks_arp arp = { .op = KS_ARP_OP_REQUEST, .spa = KSOCK_ADDR, .tpa = LINUX_ADDR };
	struct ks_pbuf *p;

	memset(eth.dst, 0xff, KS_ETH_ALEN);
	memcpy(eth.src, dev->mac, KS_ETH_ALEN);
	memcpy(arp.sha, dev->mac, KS_ETH_ALEN);
	if (ks_pbuf_alloc(pool, 0, KS_ETH_HLEN + KS_ARP_LEN, &p))
		return -1;
	if (ks_eth_emit(p->data, KS_ETH_HLEN, &eth) < 0 ||
	    ks_arp_emit(p->data + KS_ETH_HLEN, KS_ARP_LEN, &arp) < 0) {
		ks_pbuf_free(p);
		return -1;
	}
	return ks_netdev_xmit(dev, p);
}

int main(int argc, char **argv)
{
	static struct ks_inet_stack st;
	static struct ks_pcap cap;
	struct ks_tap *tap;
	struct ks_pcap_stats s;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TAP-IFNAME PCAP-FILE\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[2], "wb");
	if (!f || ks_inet_stack_init(&st, NULL)) {
		perror(argv[2]);
		return 1;
	}
	if ((rc = ks_tap_open(argv[1], &st.pbufs, &tap))) {
		fprintf(stderr, "tap_arp: opening %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	struct ks_pcap_config cfg = { .write = ks_tap_pcap_file, .write_arg = f, .now = wall_ns,
				      .lock = lock, .unlock = unlock, .lock_arg = &cap_lock };
	if (ks_pcap_init(&cap, &st, ks_tap_dev(tap), &cfg) ||
	    (ks_netdev_attach(&cap.dev, on_rx, NULL), ks_netdev_open(&cap.dev))) {
		fprintf(stderr, "tap_arp: pcap or open failed\n");
		return 1;
	}
	for (int i = 0; i < 50 && !__atomic_load_n(&got_reply, __ATOMIC_ACQUIRE); i++) {
		if (i % 10 == 0 && (rc = send_request(&cap.dev, &st.pbufs)))
			fprintf(stderr, "tap_arp: transmit: %d\n", rc);
		usleep(100000);
	}
	ks_netdev_stop(&cap.dev);
	ks_tap_close(tap);
	ks_pcap_stats_get(&cap, &s);
	fclose(f);
	if (!got_reply) {
		printf("tap_arp: no ARP reply from 198.18.0.1\nrecords=%lu\n", s.records);
		return 1;
	}
	printf("tap_arp: 198.18.0.1 is-at %02x:%02x:%02x:%02x:%02x:%02x\nrecords=%lu\n",
	       linux_mac[0], linux_mac[1], linux_mac[2], linux_mac[3], linux_mac[4],
	       linux_mac[5], s.records);
	printf("tap_arp: leaked pbufs: %ld\n", ks_pbuf_pool_live(&st.pbufs));
	return s.write_errors || ks_pbuf_pool_live(&st.pbufs) ? 1 : 0;
}

/*
 * test_netif_udp.c - an interface's UDP path (netif.h): datagrams for our
 * address handed to the UDP hook as a pbuf that starts at the IPv4 header
 * (padding left behind), and IPv4 output to a neighbour: the Ethernet
 * header from the ARP cache, an ARP request and a queue on a miss,
 * EMSGSIZE above the MTU with DF set.
 *
 * The fake device as in test_netif.c: the interface holds 198.18.0.2/24
 * (IT_ADDR_B); the neighbour is 198.18.0.1 (IT_ADDR_A, it_mac_a).
 */
#include <string.h>

#include "inet/decode.h"
#include "inet/netif.h"
#include "it.h"

struct ufake {
	struct ks_netdev dev;
	struct ks_pbuf_queue sent;
	struct ks_inet_netif *nif;
	struct ks_pbuf_queue got; /* what the hook took */
	int hook_rc;              /* nonzero: the hook refuses with it */
	uint16_t dport;           /* the last datagram's destination port */
};

static int ufake_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct ufake *fk = dev->priv;

	ks_pbufq_push(&fk->sent, p);
	return 0;
}

static const struct ks_netdev_ops ufake_ops = { .xmit = ufake_xmit };

static int hook(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	struct ufake *fk = arg;

	fk->dport = d->udp.dport;
	if (fk->hook_rc)
		return fk->hook_rc;
	ks_pbufq_push(&fk->got, p);
	return 0;
}

static int setup(struct it_ctx *t, struct ufake *fk)
{
	memset(fk, 0, sizeof(*fk));
	ks_netdev_init(&fk->dev, &ufake_ops, fk, "fake0");
	fk->dev.pool = &t->st.pbufs;
	fk->dev.ifindex = 2;
	memcpy(fk->dev.mac, it_mac_b, 6);
	ks_pbufq_init(&fk->sent);
	ks_pbufq_init(&fk->got);
	int rc = ks_inet_netif_add(&t->st, &fk->dev, IT_ADDR_B, 24, &fk->nif);
	if (rc)
		return rc;
	ks_inet_netif_set_udp(fk->nif, hook, fk);
	return ks_netdev_open(&fk->dev);
}

static void teardown(struct ufake *fk)
{
	ks_netdev_stop(&fk->dev);
	ks_inet_netif_del(fk->nif);
	ks_pbufq_purge(&fk->sent);
	ks_pbufq_purge(&fk->got);
}

static void feed(struct ufake *fk, const uint8_t *frame, size_t len)
{
	struct ks_pbuf *p;

	if (ks_netdev_alloc_rx(&fk->dev, (uint32_t)len, &p) == 0) {
		memcpy(p->data, frame, len);
		ks_netdev_rx(&fk->dev, p);
	}
}

/* Teaches the cache A's MAC (A's ARP request for B; B's reply freed). */
static void learn_a(struct ufake *fk)
{
	feed(fk, it_frame_arp_request, sizeof(it_frame_arp_request));
	(void)ks_inet_netif_poll(fk->nif);
	ks_pbufq_purge(&fk->sent);
}

/* An IPv4 datagram of n payload bytes 0..n-1 (UDP-sized; the contents do
 * not matter to output), with room for the Ethernet header. */
static struct ks_pbuf *dgram(struct it_ctx *t, uint32_t n)
{
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&t->st.pbufs, KS_ETH_HLEN, n, &p))
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		p->data[i] = (uint8_t)i;
	return p;
}

static void t_udp_to_hook(struct it_ctx *t)
{
	struct ufake fk;
	uint8_t f[128];
	size_t n = it_udp_frame(f, 7, "x", 1); /* 43 bytes: padded by the link */

	IT_EQ(t, setup(t, &fk), 0);
	memset(f + n, 0, 60 - n);
	feed(&fk, f, 60);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.got.count, 1);
	IT_EQ(t, fk.dport, 7);
	IT_EQ(t, fk.got.head->tot_len, n - KS_ETH_HLEN); /* the datagram, no padding */
	IT_MEMEQ(t, fk.got.head->data, f + KS_ETH_HLEN, n - KS_ETH_HLEN);
	IT_EQ(t, fk.got.head->ifindex, 2);
	IT_EQ(t, fk.nif->stats.udp_in, 1);
	IT_EQ(t, it_drops_total(&t->st), 0);
	/* A refusal is the hook's drop reason, counted; the copy is freed. */
	fk.hook_rc = -KS_DROP_NO_SOCKET;
	feed(&fk, f, 60);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_SOCKET), 1);
	IT_EQ(t, fk.got.count, 1);
	/* No buffer for the copy: no_memory. */
	fk.hook_rc = 0;
	feed(&fk, f, 60);
	t->st.pbufs.fail_next = 1;
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_MEMORY), 1);
	/* Without a hook UDP is unsupported, as before. */
	ks_inet_netif_set_udp(fk.nif, NULL, NULL);
	feed(&fk, f, 60);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_UNSUPPORTED), 1);
	IT_EQ(t, fk.got.count, 1);
	IT_EQ(t, fk.sent.count, 1); /* the port unreachable for the refusal */
	teardown(&fk);
}

static void t_output_cached(struct it_ctx *t)
{
	struct ufake fk;
	struct ks_pbuf *p;

	IT_EQ(t, setup(t, &fk), 0);
	learn_a(&fk);
	p = dgram(t, 100);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, ks_inet_netif_output(fk.nif, p, IT_ADDR_A), 0);
	IT_EQ(t, fk.sent.count, 1);
	p = fk.sent.head;
	IT_EQ(t, p->tot_len, 114);
	IT_MEMEQ(t, p->data, it_mac_a, 6);
	IT_MEMEQ(t, p->data + 6, it_mac_b, 6);
	IT_EQ(t, ks_get16(p->data + 12), 0x0800);
	IT_EQ(t, p->data[14 + 99], 99);
	IT_EQ(t, fk.nif->stats.ip_out, 1);
	teardown(&fk);
}

static void t_output_arp_miss_queues(struct it_ctx *t)
{
	static const uint8_t want_req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
		0xc6, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01,
	};
	/* A's reply: 198.18.0.1 is-at it_mac_a, to B. */
	uint8_t reply[42];
	struct ufake fk;

	IT_EQ(t, setup(t, &fk), 0);
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 10), IT_ADDR_A), 0);
	IT_EQ(t, fk.sent.count, 1);
	IT_EQ(t, fk.sent.head->tot_len, sizeof(want_req));
	IT_MEMEQ(t, fk.sent.head->data, want_req, sizeof(want_req));
	ks_pbufq_purge(&fk.sent);
	/* A second miss waits with the first: no second request. */
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 20), IT_ADDR_A), 0);
	IT_EQ(t, it_drops_total(&t->st), 0);
	IT_EQ(t, fk.nif->stats.arp_requests, 1);
	IT_EQ(t, fk.sent.count, 0);
	/* The reply sends it. */
	memcpy(reply, it_mac_b, 6);
	memcpy(reply + 6, it_mac_a, 6);
	memcpy(reply + 12, want_req + 12, 8);
	reply[20] = 0x00, reply[21] = 0x02;
	memcpy(reply + 22, it_mac_a, 6);
	ks_put32(reply + 28, IT_ADDR_A);
	memcpy(reply + 32, it_mac_b, 6);
	ks_put32(reply + 38, IT_ADDR_B);
	feed(&fk, reply, sizeof(reply));
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.sent.count, 2); /* both, in order */
	IT_EQ(t, fk.sent.head->tot_len, 14 + 10);
	IT_MEMEQ(t, fk.sent.head->data, it_mac_a, 6);
	IT_EQ(t, fk.sent.tail->tot_len, 14 + 20);
	IT_EQ(t, ks_inet_arp_entry_get(fk.nif, IT_ADDR_A)->state, KS_INET_ARP_REACHABLE);
	IT_EQ(t, fk.nif->stats.ip_out, 2);
	/* One left waiting is freed by del (the runner checks for leaks). */
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 5), KS_IPV4(198, 18, 0, 9)), 0);
	teardown(&fk);
}

static void t_output_checks(struct it_ctx *t)
{
	struct ufake fk;

	IT_EQ(t, setup(t, &fk), 0);
	learn_a(&fk);
	/* Above the MTU with DF set is EMSGSIZE (without DF it is
	 * fragmented: test_frag.c); exactly the MTU goes. */
	struct ks_pbuf *big = dgram(t, 1501);
	IT_TRUE(t, big != NULL);
	struct ks_ipv4_hdr h = { .ttl = 64, .proto = KS_IPPROTO_UDP, .tot_len = 1501, .df = true,
				 .src = IT_ADDR_B, .dst = IT_ADDR_A };
	IT_EQ(t, ks_ipv4_emit(big->data, 1501, &h), KS_IPV4_HLEN_MIN);
	IT_EQ(t, ks_inet_netif_output(fk.nif, big, IT_ADDR_A), -KS_EMSGSIZE);
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 1500), IT_ADDR_A), 0);
	IT_EQ(t, fk.sent.count, 1);
	/* Off the prefix, ourselves, the prefix's broadcast: no neighbour. */
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 10), KS_IPV4(198, 19, 0, 1)),
	      -KS_EHOSTUNREACH);
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 10), IT_ADDR_B), -KS_EHOSTUNREACH);
	IT_EQ(t, ks_inet_netif_output(fk.nif, dgram(t, 10), KS_IPV4(198, 18, 0, 255)),
	      -KS_EHOSTUNREACH);
	IT_EQ(t, fk.sent.count, 1);
	teardown(&fk);
}

const struct it_case it_cases_netif_udp[] = {
	{ "udp_to_hook", t_udp_to_hook },
	{ "output_cached", t_output_cached },
	{ "output_arp_miss_queues", t_output_arp_miss_queues },
	{ "output_checks", t_output_checks },
	{ 0 },
};

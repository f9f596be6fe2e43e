/*
 * test_netif.c - the IPv4 interface (netif.h): the ARP responder and
 * cache, ICMP echo replies, the receive queue, and every malformed or
 * foreign frame dropped and counted.
 *
 * A fake Ethernet device (it_mac_b) keeps what is transmitted on it; the
 * interface holds 198.18.0.2/24 (IT_ADDR_B) on it. Frames are fed with
 * ks_netdev_rx (which only queues) and processed by ks_inet_netif_poll.
 * The frames expected out are written out byte by byte, their checksums
 * computed independently of ksock.
 */
#include <string.h>

#include "inet/netif.h"
#include "inet/wire/checksum.h"
#include "it.h"

#define SEC 1000000000ull

struct nfake {
	struct ks_netdev dev;
	struct ks_pbuf_queue sent;
	int xmit_rc;
	struct ks_inet_netif *nif;
};

static int nfake_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct nfake *fk = dev->priv;

	if (fk->xmit_rc) {
		ks_pbuf_free(p);
		return fk->xmit_rc;
	}
	ks_pbufq_push(&fk->sent, p);
	return 0;
}

static const struct ks_netdev_ops nfake_ops = { .xmit = nfake_xmit };

static int setup(struct it_ctx *t, struct nfake *fk)
{
	memset(fk, 0, sizeof(*fk));
	ks_netdev_init(&fk->dev, &nfake_ops, fk, "fake0");
	fk->dev.pool = &t->st.pbufs;
	fk->dev.ifindex = 2;
	memcpy(fk->dev.mac, it_mac_b, 6);
	ks_pbufq_init(&fk->sent);
	int rc = ks_inet_netif_add(&t->st, &fk->dev, IT_ADDR_B, 24, &fk->nif);
	return rc ? rc : ks_netdev_open(&fk->dev);
}

static void teardown(struct nfake *fk)
{
	ks_netdev_stop(&fk->dev);
	ks_inet_netif_del(fk->nif);
	ks_pbufq_purge(&fk->sent);
}

/* Receives a copy of frame[0..len) on the fake device (queued only). */
static void feed(struct nfake *fk, const uint8_t *frame, size_t len)
{
	struct ks_pbuf *p;

	if (ks_netdev_alloc_rx(&fk->dev, (uint32_t)len, &p) == 0) {
		memcpy(p->data, frame, len);
		ks_netdev_rx(&fk->dev, p);
	}
}

/* Feeds one frame, polls, and returns how many frames were sent (freed). */
static int feed_poll(struct nfake *fk, const uint8_t *frame, size_t len)
{
	int n;

	feed(fk, frame, len);
	(void)ks_inet_netif_poll(fk->nif); /* 1: the frame fed */
	n = (int)fk->sent.count;
	ks_pbufq_purge(&fk->sent);
	return n;
}

/* ARP reply: 198.18.0.2 is-at 02:00:00:00:00:02, to 198.18.0.1. */
static const uint8_t want_arp_reply[42] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xc6, 0x12, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01,
};

/* Echo reply to it_frame_icmp_echo: IPv4 id 1, TTL 64, no DF, header
 * checksum 0xeea8; ICMP type 0, checksum 0xc3b9, id 0x0d0e, seq 1, the
 * same 16 bytes. */
static const uint8_t want_echo_reply[58] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xee, 0xa8, 0xc6, 0x12,
	0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0xc3, 0xb9, 0x0d, 0x0e, 0x00, 0x01,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64,
	0x65, 0x66,
};

static void t_arp_request_answered(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t mac[6];

	IT_EQ(t, setup(t, &fk), 0);
	feed(&fk, it_frame_arp_request, sizeof(it_frame_arp_request));
	IT_EQ(t, fk.sent.count, 0); /* the upcall only queues */
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.sent.count, 1);
	IT_EQ(t, fk.sent.head->tot_len, sizeof(want_arp_reply));
	IT_MEMEQ(t, fk.sent.head->data, want_arp_reply, sizeof(want_arp_reply));
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, IT_ADDR_A, mac), 0);
	IT_MEMEQ(t, mac, it_mac_a, 6);
	IT_EQ(t, fk.nif->stats.arp_replies, 1);
	IT_EQ(t, fk.nif->stats.rx_frames, 1);
	IT_EQ(t, it_drops_total(&t->st), 0);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 0);
	teardown(&fk);
}

static void t_echo_answered(struct it_ctx *t)
{
	struct nfake fk;

	IT_EQ(t, setup(t, &fk), 0);
	feed(&fk, it_frame_icmp_echo, sizeof(it_frame_icmp_echo));
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.sent.count, 1);
	IT_EQ(t, fk.sent.head->tot_len, sizeof(want_echo_reply));
	IT_MEMEQ(t, fk.sent.head->data, want_echo_reply, sizeof(want_echo_reply));
	/* The reply verifies as a whole: IPv4 header and ICMP sums fold to 0xffff. */
	IT_EQ(t, ks_csum(fk.sent.head->data + 14, 20), 0);
	IT_EQ(t, ks_csum(fk.sent.head->data + 34, 24), 0);
	IT_EQ(t, fk.nif->stats.echo_replies, 1);
	IT_EQ(t, it_drops_total(&t->st), 0);
	ks_pbufq_purge(&fk.sent);
	/* A second one gets the next IPv4 id. */
	feed(&fk, it_frame_icmp_echo, sizeof(it_frame_icmp_echo));
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, ks_get16(fk.sent.head->data + 18), 2);
	teardown(&fk);
}

static void t_echo_odd_payload(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[14 + 20 + 8 + 1001], msg[8 + 1001];

	IT_EQ(t, setup(t, &fk), 0);
	memset(msg, 0, sizeof(msg));
	msg[0] = KS_ICMP_ECHO;
	ks_put16(msg + 4, 0x4242);
	ks_put16(msg + 6, 7);
	for (size_t i = 8; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	ks_put16(msg + 2, ks_csum(msg, sizeof(msg)));
	size_t n = it_ipv4_frame(f, KS_IPPROTO_ICMP, msg, sizeof(msg));
	feed(&fk, f, n);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	struct ks_pbuf *p = fk.sent.head;
	IT_EQ(t, p->tot_len, n);
	IT_EQ(t, p->data[34], KS_ICMP_ECHOREPLY);
	IT_MEMEQ(t, p->data + 38, msg + 4, sizeof(msg) - 4); /* id, seq, data */
	IT_EQ(t, ks_csum(p->data + 34, sizeof(msg)), 0);
	IT_EQ(t, ks_csum(p->data + 14, 20), 0);
	teardown(&fk);
}

static void t_arp_cache_expires(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t mac[6];

	IT_EQ(t, setup(t, &fk), 0);
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, IT_ADDR_A, mac), -KS_ENOENT);
	IT_EQ(t, feed_poll(&fk, it_frame_arp_request, sizeof(it_frame_arp_request)), 1);
	t->clock_ns += KS_INET_ARP_REACHABLE_NS - 1;
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, IT_ADDR_A, mac), 0);
	t->clock_ns += 1;
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, IT_ADDR_A, mac), -KS_ENOENT);
	IT_EQ(t, fk.nif->arp[0].addr, IT_ADDR_A); /* stale (test_arp.c), then forgotten */
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 0);
	IT_EQ(t, fk.nif->arp[0].state, KS_INET_ARP_STALE);
	t->clock_ns += KS_INET_ARP_STALE_NS;
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 0);
	IT_EQ(t, fk.nif->arp[0].addr, 0);
	teardown(&fk);
}

/* An ARP frame from mac (sender spa, target tpa, op). */
static void arp_frame(uint8_t *f, const uint8_t *mac, uint16_t op, uint32_t spa, uint32_t tpa)
{
	memcpy(f, it_frame_arp_request, 42);
	memcpy(f + 6, mac, 6);
	ks_put16(f + 20, op);
	memcpy(f + 22, mac, 6);
	ks_put32(f + 28, spa);
	ks_put32(f + 38, tpa);
}

static void t_arp_foreign_and_merge(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[42], mac[6];
	const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x03 };

	IT_EQ(t, setup(t, &fk), 0);
	/* A request for another host: not ours, not learnt. */
	arp_frame(f, it_mac_a, KS_ARP_OP_REQUEST, IT_ADDR_A, KS_IPV4(198, 18, 0, 3));
	IT_EQ(t, feed_poll(&fk, f, 42), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NOT_LOCAL), 1);
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, IT_ADDR_A, mac), -KS_ENOENT);
	/* Learnt from a request for us; then the same kind of foreign request
	 * refreshes it (RFC 826 merge) with a new MAC, and is no drop. */
	IT_EQ(t, feed_poll(&fk, it_frame_arp_request, 42), 1);
	arp_frame(f, mac_c, KS_ARP_OP_REQUEST, IT_ADDR_A, KS_IPV4(198, 18, 0, 3));
	IT_EQ(t, feed_poll(&fk, f, 42), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NOT_LOCAL), 1);
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, IT_ADDR_A, mac), 0);
	IT_MEMEQ(t, mac, mac_c, 6);
	/* A reply to us is learnt, and not answered. */
	arp_frame(f, mac_c, KS_ARP_OP_REPLY, KS_IPV4(198, 18, 0, 9), IT_ADDR_B);
	memcpy(f, it_mac_b, 6);
	IT_EQ(t, feed_poll(&fk, f, 42), 0);
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, KS_IPV4(198, 18, 0, 9), mac), 0);
	IT_EQ(t, it_drops_total(&t->st), 1);
	teardown(&fk);
}

static void t_arp_bad_senders(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[42];
	const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	const uint32_t bad[] = { KS_IPV4(10, 0, 0, 1), IT_ADDR_B, KS_IPV4(198, 18, 0, 255),
				 KS_IPV4(127, 0, 0, 1), KS_IPV4(224, 0, 0, 1) };

	IT_EQ(t, setup(t, &fk), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		arp_frame(f, it_mac_a, KS_ARP_OP_REQUEST, bad[i], IT_ADDR_B);
		IT_EQ(t, feed_poll(&fk, f, 42), 0);
	}
	arp_frame(f, mcast, KS_ARP_OP_REQUEST, IT_ADDR_A, IT_ADDR_B);
	IT_EQ(t, feed_poll(&fk, f, 42), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_ADDRESS), 6);
	IT_EQ(t, it_drops_total(&t->st), 6);
	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		IT_EQ(t, fk.nif->arp[i].addr, 0);
	teardown(&fk);
}

static void t_arp_probe(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[42];

	IT_EQ(t, setup(t, &fk), 0);
	arp_frame(f, it_mac_a, KS_ARP_OP_REQUEST, 0, IT_ADDR_B); /* RFC 5227 probe */
	feed(&fk, f, 42);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.sent.count, 1);
	IT_MEMEQ(t, fk.sent.head->data, want_arp_reply, 38);
	IT_EQ(t, ks_get32(fk.sent.head->data + 38), 0);
	IT_EQ(t, fk.nif->arp[0].addr, 0); /* not learnt */
	IT_EQ(t, it_drops_total(&t->st), 0);
	teardown(&fk);
}

static void t_arp_cache_full(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[42], mac[6];

	IT_EQ(t, setup(t, &fk), 0);
	for (int i = 0; i < KS_INET_ARP_SLOTS + 1; i++) {
		arp_frame(f, it_mac_a, KS_ARP_OP_REQUEST, KS_IPV4(198, 18, 0, 10 + i), IT_ADDR_B);
		IT_EQ(t, feed_poll(&fk, f, 42), 1);
		t->clock_ns += SEC;
	}
	/* The oldest went to make room for the newest. */
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, KS_IPV4(198, 18, 0, 10), mac), -KS_ENOENT);
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, KS_IPV4(198, 18, 0, 11), mac), 0);
	IT_EQ(t, ks_inet_arp_lookup(fk.nif, KS_IPV4(198, 18, 0, 10 + KS_INET_ARP_SLOTS), mac), 0);
	teardown(&fk);
}

/* Malformed frames: counted by decode's reasons, nothing sent. */
static void t_malformed_dropped(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[64];
	const size_t el = sizeof(it_frame_icmp_echo);

	IT_EQ(t, setup(t, &fk), 0);
	IT_EQ(t, feed_poll(&fk, it_frame_arp_request, 30), 0); /* truncated ARP */
	IT_EQ(t, feed_poll(&fk, it_frame_icmp_echo, 38), 0);   /* truncated ICMP header */
	IT_EQ(t, feed_poll(&fk, it_frame_icmp_echo, 10), 0);   /* truncated Ethernet */
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_TRUNCATED), 3);
	memcpy(f, it_frame_icmp_echo, el);
	f[57] ^= 1; /* ICMP checksum */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	memcpy(f, it_frame_icmp_echo, el);
	f[24] ^= 1; /* TTL: IPv4 header checksum */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_CHECKSUM), 2);
	memcpy(f, it_frame_icmp_echo, el);
	f[14] = 0x65; /* version 6 */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_VERSION), 1);
	memcpy(f, it_frame_arp_request, 42);
	f[18] = 8; /* hardware length */
	IT_EQ(t, feed_poll(&fk, f, 42), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_HEADER), 1);
	IT_EQ(t, it_drops_total(&t->st), 7);
	IT_EQ(t, fk.nif->stats.rx_frames, 7);
	teardown(&fk);
}

/* Rewrites the echo frame's addresses (and its IPv4 checksum). */
static void echo_to(uint8_t *f, uint32_t src, uint32_t dst)
{
	memcpy(f, it_frame_icmp_echo, sizeof(it_frame_icmp_echo));
	ks_put32(f + 26, src);
	ks_put32(f + 30, dst);
	it_fix_ip_csum(f + 14);
}

static void t_foreign_dropped(struct it_ctx *t)
{
	struct nfake fk;
	uint8_t f[64], udp[64];
	const size_t el = sizeof(it_frame_icmp_echo);

	IT_EQ(t, setup(t, &fk), 0);
	echo_to(f, IT_ADDR_A, KS_IPV4(198, 18, 0, 3)); /* another host's address */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	echo_to(f, IT_ADDR_A, IT_ADDR_B);
	f[5] = 0x07; /* another host's MAC */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	memset(f, 0xff, 6); /* link broadcast, unicast IPv4 destination */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NOT_LOCAL), 3);

	echo_to(f, KS_IPV4(127, 0, 0, 1), IT_ADDR_B);
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	echo_to(f, IT_ADDR_B, IT_ADDR_B);
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	echo_to(f, KS_IPV4(198, 18, 0, 255), IT_ADDR_B);
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	echo_to(f, KS_IPV4(0, 0, 0, 0), IT_ADDR_B);
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_ADDRESS), 4);

	echo_to(f, KS_IPV4(198, 19, 0, 1), IT_ADDR_B); /* off the prefix: no route */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	echo_to(f, IT_ADDR_A, KS_IPV4(198, 18, 0, 255)); /* subnet broadcast */
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	size_t n = it_udp_frame(udp, 7, "x", 1); /* UDP: not yet on devices */
	IT_EQ(t, feed_poll(&fk, udp, n), 0);
	memcpy(f, it_frame_icmp_echo, el); /* an echo reply: nobody asked */
	f[34] = KS_ICMP_ECHOREPLY;
	it_fix_l4_csum(f + 14);
	IT_EQ(t, feed_poll(&fk, f, el), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_UNSUPPORTED), 4);
	IT_EQ(t, it_drops_total(&t->st), 11);
	IT_EQ(t, fk.nif->stats.echo_replies, 0);
	teardown(&fk);
}

static void t_queue_bounded(struct it_ctx *t)
{
	struct nfake fk;

	IT_EQ(t, setup(t, &fk), 0);
	for (int i = 0; i < KS_INET_NETIF_RXQ_MAX + 2; i++)
		feed(&fk, it_frame_icmp_echo, sizeof(it_frame_icmp_echo));
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_MEMORY), 2);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), KS_INET_NETIF_RXQ_MAX);
	IT_EQ(t, fk.sent.count, KS_INET_NETIF_RXQ_MAX);
	/* In order: the IPv4 ids count up. */
	IT_EQ(t, ks_get16(fk.sent.head->data + 18), 1);
	IT_EQ(t, ks_get16(fk.sent.tail->data + 18), KS_INET_NETIF_RXQ_MAX);
	/* del frees what is still queued. */
	feed(&fk, it_frame_icmp_echo, sizeof(it_frame_icmp_echo));
	teardown(&fk);
}

static void t_output_failures(struct it_ctx *t)
{
	struct nfake fk;

	IT_EQ(t, setup(t, &fk), 0);
	fk.xmit_rc = -KS_ENOBUFS;
	IT_EQ(t, feed_poll(&fk, it_frame_icmp_echo, sizeof(it_frame_icmp_echo)), 0);
	IT_EQ(t, fk.nif->stats.tx_errors, 1);
	IT_EQ(t, fk.nif->stats.echo_replies, 0);
	fk.xmit_rc = 0;
	feed(&fk, it_frame_arp_request, sizeof(it_frame_arp_request));
	t->st.pbufs.fail_next = 1; /* no buffer for the reply */
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.sent.count, 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_MEMORY), 1);
	teardown(&fk);
}

static void t_add_checks(struct it_ctx *t)
{
	struct nfake fk;
	struct ks_inet_netif *nif;
	const struct { uint32_t addr; unsigned plen; } bad[] = {
		{ IT_ADDR_B, 0 },  { IT_ADDR_B, 31 }, { KS_IPV4(198, 18, 0, 0), 24 },
		{ KS_IPV4(198, 18, 0, 255), 24 },     { KS_IPV4(127, 0, 0, 1), 8 },
		{ KS_IPV4(224, 0, 0, 1), 24 },        { KS_IPV4(0, 0, 0, 1), 24 },
	};

	memset(&fk, 0, sizeof(fk));
	ks_netdev_init(&fk.dev, &nfake_ops, &fk, "fake0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		IT_EQ(t, ks_inet_netif_add(&t->st, &fk.dev, bad[i].addr, bad[i].plen, &nif),
		      -KS_EINVAL);
	fk.dev.link = KS_NETDEV_LINK_NONE;
	IT_EQ(t, ks_inet_netif_add(&t->st, &fk.dev, IT_ADDR_B, 24, &nif), -KS_EINVAL);
	fk.dev.link = KS_NETDEV_LINK_ETHER;
	it_port_fail_next(1);
	IT_EQ(t, ks_inet_netif_add(&t->st, &fk.dev, IT_ADDR_B, 24, &nif), -KS_ENOMEM);
	IT_EQ(t, ks_inet_netif_add(&t->st, &fk.dev, IT_ADDR_B, 24, &nif), 0);
	IT_EQ(t, nif->mask, 0xffffff00u);
	IT_TRUE(t, fk.dev.rx != NULL);
	ks_inet_netif_del(nif);
	IT_TRUE(t, fk.dev.rx == NULL);
}

const struct it_case it_cases_netif[] = {
	{ "arp_request_answered", t_arp_request_answered },
	{ "echo_answered", t_echo_answered },
	{ "echo_odd_payload", t_echo_odd_payload },
	{ "arp_cache_expires", t_arp_cache_expires },
	{ "arp_foreign_and_merge", t_arp_foreign_and_merge },
	{ "arp_bad_senders", t_arp_bad_senders },
	{ "arp_probe", t_arp_probe },
	{ "arp_cache_full", t_arp_cache_full },
	{ "malformed_dropped", t_malformed_dropped },
	{ "foreign_dropped", t_foreign_dropped },
	{ "queue_bounded", t_queue_bounded },
	{ "output_failures", t_output_failures },
	{ "add_checks", t_add_checks },
	{ 0 },
};

/*
 * test_frag_route.c - fragments through an interface in a routing table
 * (netif.c with route.h and ipfrag.h together): reassembled datagrams
 * reach the UDP hook, the broadcast path and port unreachable (sent back
 * through the gateway); output is fragmented on the interface the route
 * chooses, after ARP (a datagram waiting for the answer waits whole);
 * reassembly's time exceeded goes by the route, never for a broadcast, and
 * its deadline is in the table's poll.
 *
 * One fake link (lan.h): our 198.18.0.2/24 (it_mac_b) with a default
 * route via the gateway A, 198.18.0.1 (it_mac_a); REMOTE is behind it.
 */
#include <string.h>

#include "inet/ipfrag.h"
#include "lan.h"

#define REMOTE KS_IPV4(198, 18, 200, 1)
#define BCAST KS_IPV4(198, 18, 0, 255)

struct net {
	struct ks_inet_rtab rt;
	struct lan_dev l;
};

static int net_up(struct it_ctx *t, struct net *w)
{
	int rc;

	ks_inet_rtab_init(&w->rt);
	if ((rc = lan_up(t, &w->l, it_mac_b, 0, IT_ADDR_B, 24, true)) ||
	    (rc = ks_inet_rtab_add_netif(&w->rt, w->l.nif)))
		return rc;
	return ks_inet_rtab_route_add(&w->rt, 0, 0, IT_ADDR_A, 0);
}

static void net_down(struct net *w)
{
	ks_inet_rtab_del_netif(&w->rt, w->l.nif);
	lan_down(&w->l);
}

/* An IPv4 + UDP datagram src:40000 -> dst:9 of n payload bytes (i & 0xff),
 * identification id, DF clear, with room for the link header. */
static struct ks_pbuf *dgram(struct it_ctx *t, uint32_t src, uint32_t dst, uint32_t n,
			     uint16_t id)
{
	struct ks_ipv4_hdr h = { .tot_len = (uint16_t)(KS_IPV4_HLEN_MIN + KS_UDP_HLEN + n),
				 .id = id, .ttl = 64, .proto = KS_IPPROTO_UDP, .src = src,
				 .dst = dst };
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&t->st.pbufs, KS_PBUF_ROOM_IP, h.tot_len, &p))
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		p->data[KS_IPV4_HLEN_MIN + KS_UDP_HLEN + i] = (uint8_t)i;
	(void)ks_udp_emit(p->data + KS_IPV4_HLEN_MIN, KS_UDP_HLEN + n, 40000, 9, src, dst, true);
	(void)ks_ipv4_emit(p->data, KS_IPV4_HLEN_MIN, &h);
	return p;
}

#define MAX_PIECES 8

struct pieces {
	struct ks_pbuf *p[MAX_PIECES];
	int n;
};

static int piece_fn(void *arg, struct ks_pbuf *p)
{
	struct pieces *s = arg;

	if (s->n == MAX_PIECES) {
		ks_pbuf_free(p);
		return -KS_ENOBUFS;
	}
	s->p[s->n++] = p;
	return 0;
}

/* Cuts p (taken) for a 1500-byte MTU and feeds the first count pieces
 * (0: all) to the link as frames from A's MAC to dmac, the last one first;
 * returns how many pieces there were. */
static int feed_frags(struct it_ctx *t, struct lan_dev *l, struct ks_pbuf *p,
		      const uint8_t *dmac, int count)
{
	struct pieces s = { .n = 0 };
	uint8_t f[KS_ETH_HLEN + 1500];

	if (!p || ks_ipfrag_output(&t->st, p, 1500, 0, piece_fn, &s) != 0)
		return -1;
	for (int i = s.n - 1; i >= 0; i--) {
		struct ks_pbuf *q = s.p[i];

		memcpy(f, dmac, 6);
		memcpy(f + 6, it_mac_a, 6);
		ks_put16(f + 12, KS_ETH_P_IPV4);
		ks_pbuf_copy_out(q, 0, f + KS_ETH_HLEN, q->tot_len);
		if (!count || i < count)
			lan_feed(l, f, KS_ETH_HLEN + q->tot_len);
		ks_pbuf_free(q);
	}
	return s.n;
}

/* A answers our ARP request. */
static void arp_answer(struct lan_dev *l)
{
	uint8_t f[64];

	lan_feed(l, f, lan_arp(f, it_mac_b, KS_ARP_OP_REPLY, it_mac_a, IT_ADDR_A, it_mac_b,
				IT_ADDR_B));
}

/* Whether the frame p is an IPv4 datagram to mac of tot_len bytes with
 * offset off (bytes) and MF as given. */
static bool frame_is(const struct ks_pbuf *p, const uint8_t *mac, uint32_t tot_len,
		     uint32_t off, bool mf)
{
	struct ks_ipv4_hdr h;

	return p && memcmp(p->data, mac, 6) == 0 && ks_get16(p->data + 12) == KS_ETH_P_IPV4 &&
	       ks_ipv4_parse(p->data + KS_ETH_HLEN, p->len - KS_ETH_HLEN, &h) > 0 &&
	       h.tot_len == tot_len && h.frag_off == off && h.mf == mf && !h.df;
}

/* Reassembled from behind the gateway: to the hook whole; to a closed
 * port, answered through the gateway quoting the whole datagram's header;
 * a broadcast in fragments reaches the hook and is never answered. */
static void t_reassembled_in(struct it_ctx *t)
{
	struct net w;
	struct ks_pbuf *p, *copy;

	IT_EQ(t, net_up(t, &w), 0);
	p = dgram(t, REMOTE, IT_ADDR_B, 3000, 1);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, ks_pbuf_copy(&t->st.pbufs, p, 0, &copy), 0);
	IT_EQ(t, feed_frags(t, &w.l, p, it_mac_b, 0), 3);
	IT_EQ(t, lan_poll(&w.l), 3);
	IT_EQ(t, w.l.got.count, 1);
	IT_EQ(t, w.l.got.head->tot_len, copy->tot_len);
	IT_MEMEQ(t, w.l.got.head->data, copy->data, copy->tot_len);
	IT_EQ(t, w.l.nif->stats.udp_in, 1);
	ks_pbuf_free(copy);
	/* A closed port: the gateway is resolved, then the error goes. */
	w.l.udp_rc = -KS_DROP_NO_SOCKET;
	IT_EQ(t, feed_frags(t, &w.l, dgram(t, REMOTE, IT_ADDR_B, 3000, 2), it_mac_b, 0), 3);
	IT_EQ(t, lan_poll(&w.l), 3);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_SOCKET), 1);
	p = lan_take(&w.l);
	IT_TRUE(t, p && ks_get16(p->data + 12) == KS_ETH_P_ARP);
	ks_pbuf_free(p);
	arp_answer(&w.l);
	IT_EQ(t, lan_poll(&w.l), 1);
	p = lan_take(&w.l);
	IT_TRUE(t, frame_is(p, it_mac_a, 576, 0, false));
	const uint8_t *ip = p->data + KS_ETH_HLEN, *q = ip + KS_IPV4_HLEN_MIN + KS_ICMP_HLEN;
	IT_EQ(t, ks_get32(ip + 12), IT_ADDR_B);
	IT_EQ(t, ks_get32(ip + 16), REMOTE);
	IT_EQ(t, ip[20], KS_ICMP_DEST_UNREACH);
	IT_EQ(t, ip[21], KS_ICMP_PORT_UNREACH);
	IT_EQ(t, ks_get16(q + 2), 3028); /* the whole datagram's length */
	IT_EQ(t, ks_get16(q + 4), 2);
	IT_EQ(t, ks_get16(q + 6), 0);    /* no fragment fields */
	IT_EQ(t, w.l.nif->stats.icmp_out, 1);
	ks_pbuf_free(p);
	/* A broadcast in fragments: to the hook; refused, still no error. */
	w.l.udp_rc = 0;
	IT_EQ(t, feed_frags(t, &w.l, dgram(t, IT_ADDR_A, BCAST, 2000, 3), ks_eth_broadcast, 0), 2);
	IT_EQ(t, lan_poll(&w.l), 2);
	IT_EQ(t, w.l.got.count, 2);
	IT_EQ(t, w.l.nif->stats.bcast_in, 1);
	w.l.udp_rc = -KS_DROP_NO_SOCKET;
	IT_EQ(t, feed_frags(t, &w.l, dgram(t, IT_ADDR_A, BCAST, 2000, 4), ks_eth_broadcast, 0), 2);
	IT_EQ(t, lan_poll(&w.l), 2);
	IT_EQ(t, lan_drain(&w.l), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_SOCKET), 2);
	IT_EQ(t, t->st.frag.stats.oks, 4);
	net_down(&w);
}

/* Out by the route: a datagram behind the gateway waits whole for the
 * gateway's MAC and leaves in fragments to it; a broadcast leaves in
 * fragments to the link broadcast; a big datagram that ARP fails for is
 * reported and counted once. */
static void t_fragmented_out(struct it_ctx *t)
{
	struct net w;
	struct ks_pbuf *p;
	static const uint32_t lens[3] = { 1500, 1500, 68 }, offs[3] = { 0, 1480, 2960 };

	IT_EQ(t, net_up(t, &w), 0);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, dgram(t, IT_ADDR_B, REMOTE, 3000, 5), IT_ADDR_B, REMOTE),
	      0);
	p = lan_take(&w.l);
	IT_TRUE(t, p && ks_get16(p->data + 12) == KS_ETH_P_ARP);
	ks_pbuf_free(p);
	const struct ks_inet_arp_entry *e = ks_inet_arp_entry_get(w.l.nif, IT_ADDR_A);
	IT_TRUE(t, e && e->q.count == 1 && e->q.head->tot_len == 3028); /* whole */
	arp_answer(&w.l);
	IT_EQ(t, lan_poll(&w.l), 1);
	for (int i = 0; i < 3; i++) {
		p = lan_take(&w.l);
		IT_TRUE(t, frame_is(p, it_mac_a, lens[i], offs[i], i < 2));
		IT_EQ(t, ks_get32(p->data + KS_ETH_HLEN + 16), REMOTE);
		ks_pbuf_free(p);
	}
	IT_EQ(t, w.l.nif->stats.ip_out, 3);
	IT_EQ(t, t->st.frag.stats.fragmented, 1);
	/* Broadcast: no ARP, two fragments to ff:ff:ff:ff:ff:ff. */
	IT_EQ(t, ks_inet_rtab_output(&w.rt, dgram(t, IT_ADDR_B, 0xffffffffu, 2000, 6), IT_ADDR_B,
				     0xffffffffu),
	      0);
	IT_TRUE(t, frame_is(w.l.sent.head, ks_eth_broadcast, 1500, 0, true));
	IT_EQ(t, lan_drain(&w.l), 2);
	/* ARP fails for a datagram on the link: reported once, counted once. */
	uint32_t silent = KS_IPV4(198, 18, 0, 99);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, dgram(t, IT_ADDR_B, silent, 3000, 7), IT_ADDR_B, silent),
	      0);
	for (int i = 0; i < 3; i++) {
		t->clock_ns += LAN_SEC;
		(void)lan_poll(&w.l);
	}
	IT_EQ(t, lan_drain(&w.l), 3); /* the requests */
	IT_EQ(t, w.l.errs, 1);
	IT_EQ(t, w.l.err_dst, silent);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_FAILED), 1);
	net_down(&w);
}

/* A queue that times out holding its first fragment: time exceeded goes
 * back through the gateway when the table's poll reaches the deadline it
 * returned; none for a broadcast's. */
static void t_timeout_routed(struct it_ctx *t)
{
	struct net w;
	struct ks_pbuf *p;
	uint64_t next;

	IT_EQ(t, net_up(t, &w), 0);
	IT_EQ(t, feed_frags(t, &w.l, dgram(t, REMOTE, IT_ADDR_B, 3000, 8), it_mac_b, 1), 3);
	IT_EQ(t, feed_frags(t, &w.l, dgram(t, IT_ADDR_A, BCAST, 3000, 9), ks_eth_broadcast, 1), 3);
	IT_EQ(t, ks_inet_rtab_poll(&w.rt, &next), 2); /* the first fragments only */
	IT_EQ(t, ks_inet_rtab_poll(&w.rt, &next), 0);
	IT_EQ(t, ks_ipfrag_held(&t->st), 2);
	IT_EQ(t, next, t->clock_ns + KS_IPFRAG_TIMEOUT_NS);
	t->clock_ns = next;
	IT_EQ(t, ks_inet_rtab_poll(&w.rt, &next), 0);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TIMEOUT), 2);
	/* One error, waiting for the gateway's MAC: the request goes now. */
	p = lan_take(&w.l);
	IT_TRUE(t, p && ks_get16(p->data + 12) == KS_ETH_P_ARP);
	ks_pbuf_free(p);
	IT_EQ(t, next, t->clock_ns + LAN_SEC); /* ARP's retry */
	arp_answer(&w.l);
	IT_EQ(t, lan_poll(&w.l), 1);
	p = lan_take(&w.l);
	IT_TRUE(t, frame_is(p, it_mac_a, 20 + 8 + 548, 0, false));
	IT_EQ(t, ks_get32(p->data + KS_ETH_HLEN + 16), REMOTE);
	IT_EQ(t, p->data[KS_ETH_HLEN + 20], KS_ICMP_TIME_EXCEEDED);
	IT_EQ(t, p->data[KS_ETH_HLEN + 21], 1);
	ks_pbuf_free(p);
	IT_EQ(t, lan_drain(&w.l), 0); /* nothing about the broadcast */
	net_down(&w);
}

const struct it_case it_cases_frag_route[] = {
	{ "reassembled_in", t_reassembled_in },
	{ "fragmented_out", t_fragmented_out },
	{ "timeout_routed", t_timeout_routed },
	{ 0 },
};

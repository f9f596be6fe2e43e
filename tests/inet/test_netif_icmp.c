/*
 * test_netif_icmp.c - ICMP and broadcast on an interface (netif.h): port
 * unreachable for a UDP datagram nobody takes (exact frame, never for a
 * broadcast, rate limited per host as Linux's icmp_ratelimit: a burst of
 * 6, then one a second), through the route back when the interface is in
 * a routing table; ICMP errors about our UDP datagrams to the error hook;
 * UDP broadcasts (prefix and limited) to the UDP hook, echo to a
 * broadcast ignored.
 *
 * The interface is B, 198.18.0.2/24 (it_mac_b); A (198.18.0.1, it_mac_a)
 * is a neighbour, and the gateway in the routed case.
 */
#include <string.h>

#include "lan.h"

#define ADDR_X KS_IPV4(198, 18, 0, 3)
#define REMOTE KS_IPV4(198, 18, 200, 1)
static const uint8_t mac_x[6] = { 0x02, 0, 0, 0, 0, 0x03 };

/* A's UDP datagram to B:7 nobody takes (the hook says no socket). */
static size_t closed_port_frame(uint8_t *f, const uint8_t *smac, uint32_t src, uint32_t dst)
{
	return lan_udp(f, it_mac_b, smac, src, dst, 40000, 7, "ksock", 5);
}

static void t_port_unreach_frame(struct it_ctx *t)
{
	struct lan_dev d;
	struct ks_inet_decoded dec;
	struct ks_pbuf *p;
	uint8_t f[128];
	size_t n;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	d.udp_rc = -KS_DROP_NO_SOCKET;
	n = closed_port_frame(f, it_mac_a, IT_ADDR_A, IT_ADDR_B);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_SOCKET), 1);
	p = lan_take(&d);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, lan_drain(&d), 0);
	/* Ethernet back to A; IPv4 B -> A, TOS 0xc0, TTL 64, ICMP; 3/3 and
	 * the whole offending datagram quoted; every checksum right. */
	IT_EQ(t, p->tot_len, 14 + 20 + 8 + (n - 14));
	IT_EQ(t, ks_inet_decode(&t->st, p->data, p->len, 0, &dec), 0);
	IT_MEMEQ(t, dec.eth.dst, it_mac_a, 6);
	IT_MEMEQ(t, dec.eth.src, it_mac_b, 6);
	IT_EQ(t, dec.kind, KS_INET_ICMP);
	IT_EQ(t, dec.ip.src, IT_ADDR_B);
	IT_EQ(t, dec.ip.dst, IT_ADDR_A);
	IT_EQ(t, dec.ip.tos, 0xc0);
	IT_EQ(t, dec.ip.ttl, 64);
	IT_EQ(t, dec.icmp.type, KS_ICMP_DEST_UNREACH);
	IT_EQ(t, dec.icmp.code, KS_ICMP_PORT_UNREACH);
	IT_EQ(t, dec.icmp.rest, 0);
	IT_EQ(t, dec.icmp.data_len, n - 14);
	IT_MEMEQ(t, dec.icmp.data, f + 14, n - 14);
	IT_EQ(t, dec.icmp.quote.sport, 40000);
	IT_EQ(t, dec.icmp.quote.dport, 7);
	IT_EQ(t, d.nif->stats.icmp_out, 1);
	ks_pbuf_free(p);
	lan_down(&d);
}

/* Never about a broadcast, nor for a refusal other than "no socket". */
static void t_port_unreach_not_for(struct it_ctx *t)
{
	struct lan_dev d;
	uint8_t f[128];

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	d.udp_rc = -KS_DROP_NO_SOCKET;
	const uint32_t dsts[] = { KS_IPV4(198, 18, 0, 255), 0xffffffffu };
	for (int i = 0; i < 2; i++) {
		size_t n = lan_udp(f, ks_eth_broadcast, it_mac_a, IT_ADDR_A, dsts[i], 40000, 7, "x",
				   1);
		lan_feed(&d, f, n);
		IT_EQ(t, lan_poll(&d), 1);
	}
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_SOCKET), 2);
	d.udp_rc = -KS_DROP_RCVBUF_FULL;
	size_t n = closed_port_frame(f, it_mac_a, IT_ADDR_A, IT_ADDR_B);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_RCVBUF_FULL), 1);
	IT_EQ(t, lan_drain(&d), 0);
	IT_EQ(t, d.nif->stats.icmp_out, 0);
	lan_down(&d);
}

/* Feeds k closed-port datagrams from src; returns how many were answered. */
static int probe(struct lan_dev *d, const uint8_t *smac, uint32_t src, int k)
{
	uint8_t f[128];
	size_t n = closed_port_frame(f, smac, src, IT_ADDR_B);

	for (int i = 0; i < k; i++)
		lan_feed(d, f, n);
	(void)lan_poll(d);
	return lan_drain(d);
}

static void t_rate_limit(struct it_ctx *t)
{
	struct lan_dev d;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	d.udp_rc = -KS_DROP_NO_SOCKET;
	/* A burst of 6, then nothing at the same instant. */
	IT_EQ(t, probe(&d, it_mac_a, IT_ADDR_A, 10), KS_INET_ICMP_BURST);
	IT_EQ(t, d.nif->stats.icmp_ratelimited, 10 - KS_INET_ICMP_BURST);
	/* Another host has its own bucket. */
	IT_EQ(t, probe(&d, mac_x, ADDR_X, 1), 1);
	/* One a second after that. */
	t->clock_ns += LAN_SEC / 2;
	IT_EQ(t, probe(&d, it_mac_a, IT_ADDR_A, 1), 0);
	t->clock_ns += LAN_SEC / 2;
	IT_EQ(t, probe(&d, it_mac_a, IT_ADDR_A, 3), 1);
	/* Credit builds up to the burst, no further. */
	t->clock_ns += 60 * LAN_SEC;
	IT_EQ(t, probe(&d, it_mac_a, IT_ADDR_A, 10), KS_INET_ICMP_BURST);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_SOCKET), 25);
	lan_down(&d);
}

/* With a routing table, the error goes by the route back: a source behind
 * the gateway gets it through the gateway, once that is resolved. */
static void t_port_unreach_routed(struct it_ctx *t)
{
	struct ks_inet_rtab rt;
	struct lan_dev d;
	struct ks_pbuf *p;
	uint8_t f[128], a[42];

	ks_inet_rtab_init(&rt);
	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	IT_EQ(t, ks_inet_rtab_add_netif(&rt, d.nif), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&rt, 0, 0, IT_ADDR_A, 0), 0);
	d.udp_rc = -KS_DROP_NO_SOCKET;
	size_t n = closed_port_frame(f, it_mac_a, REMOTE, IT_ADDR_B);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	p = lan_take(&d);
	IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_ARP); /* for the gateway */
	IT_EQ(t, ks_get32(p->data + 38), IT_ADDR_A);
	ks_pbuf_free(p);
	lan_arp(a, it_mac_b, KS_ARP_OP_REPLY, it_mac_a, IT_ADDR_A, it_mac_b, IT_ADDR_B);
	lan_feed(&d, a, sizeof(a));
	IT_EQ(t, lan_poll(&d), 1);
	p = lan_take(&d);
	IT_TRUE(t, p != NULL);
	IT_MEMEQ(t, p->data, it_mac_a, 6);
	IT_EQ(t, ks_get32(p->data + 14 + 16), REMOTE);
	IT_EQ(t, p->data[14 + 20], KS_ICMP_DEST_UNREACH);
	IT_EQ(t, p->data[14 + 21], KS_ICMP_PORT_UNREACH);
	ks_pbuf_free(p);
	/* No route back: nothing sent, counted. */
	IT_EQ(t, ks_inet_rtab_route_del(&rt, 0, 0), 0);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	IT_EQ(t, lan_drain(&d), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_UNSUPPORTED), 1); /* no route back */
	ks_inet_rtab_del_netif(&rt, d.nif);
	lan_down(&d);
}

/* An ICMP error from A about our UDP datagram B:40000 -> A:9. */
static size_t error_frame(uint8_t *f, uint8_t code, uint8_t proto)
{
	uint8_t orig[64], msg[8 + 28];
	size_t on = lan_udp(orig, it_mac_a, it_mac_b, IT_ADDR_B, IT_ADDR_A, 40000, 9, "q", 1);

	(void)on; /* the header and 8 bytes are quoted */
	memset(msg, 0, 8);
	msg[0] = KS_ICMP_DEST_UNREACH;
	msg[1] = code;
	memcpy(msg + 8, orig + 14, 28);
	msg[8 + 9] = proto;
	return lan_icmp(f, it_mac_b, it_mac_a, IT_ADDR_A, IT_ADDR_B, msg, sizeof(msg));
}

static void t_errors_to_hook(struct it_ctx *t)
{
	struct lan_dev d;
	uint8_t f[128];
	size_t n;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	const uint8_t codes[] = { KS_ICMP_PORT_UNREACH, KS_ICMP_HOST_UNREACH, KS_ICMP_NET_UNREACH };
	for (int i = 0; i < 3; i++) {
		n = error_frame(f, codes[i], KS_IPPROTO_UDP);
		lan_feed(&d, f, n);
		IT_EQ(t, lan_poll(&d), 1);
		IT_EQ(t, d.errs, i + 1);
		IT_EQ(t, d.err_type, KS_ICMP_DEST_UNREACH);
		IT_EQ(t, d.err_code, codes[i]);
		IT_EQ(t, d.err_src, IT_ADDR_B);
		IT_EQ(t, d.err_dst, IT_ADDR_A);
		IT_EQ(t, d.err_sport, 40000);
		IT_EQ(t, d.err_dport, 9);
	}
	IT_EQ(t, d.nif->stats.icmp_err_in, 3);
	IT_EQ(t, it_drops_total(&t->st), 0);
	/* About TCP: to the hook too (TCP's errors); without a hook:
	 * unsupported. */
	n = error_frame(f, KS_ICMP_PORT_UNREACH, KS_IPPROTO_TCP);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	IT_EQ(t, d.errs, 4);
	ks_inet_netif_set_err(d.nif, NULL, NULL);
	n = error_frame(f, KS_ICMP_PORT_UNREACH, KS_IPPROTO_UDP);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	IT_EQ(t, d.errs, 4);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_UNSUPPORTED), 1);
	IT_EQ(t, lan_drain(&d), 0); /* no error about an error */
	lan_down(&d);
}

static void t_broadcast_in(struct it_ctx *t)
{
	static const uint8_t echo[12] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
	struct lan_dev d;
	uint8_t f[128];
	size_t n;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	/* The prefix's broadcast by link broadcast; 255.255.255.255 by our MAC. */
	n = lan_udp(f, ks_eth_broadcast, it_mac_a, IT_ADDR_A, KS_IPV4(198, 18, 0, 255), 40000, 7,
		    "b1", 2);
	lan_feed(&d, f, n);
	n = lan_udp(f, it_mac_b, it_mac_a, IT_ADDR_A, 0xffffffffu, 40000, 7, "b2", 2);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 2);
	IT_EQ(t, d.got.count, 2);
	IT_EQ(t, ks_get32(d.got.head->data + 16), KS_IPV4(198, 18, 0, 255));
	IT_EQ(t, ks_get32(d.got.tail->data + 16), 0xffffffffu);
	IT_EQ(t, d.got.head->ifindex, 2);
	IT_EQ(t, d.nif->stats.bcast_in, 2);
	/* Another prefix's broadcast is not ours; a unicast datagram in a
	 * link broadcast is discarded (RFC 1122 3.3.6). */
	n = lan_udp(f, ks_eth_broadcast, it_mac_a, IT_ADDR_A, KS_IPV4(198, 18, 1, 255), 40000, 7,
		    "b3", 2);
	lan_feed(&d, f, n);
	n = lan_udp(f, ks_eth_broadcast, it_mac_a, IT_ADDR_A, IT_ADDR_B, 40000, 7, "b4", 2);
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 2);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NOT_LOCAL), 2);
	/* Echo to a broadcast is ignored (icmp_echo_ignore_broadcasts). */
	n = lan_icmp(f, ks_eth_broadcast, it_mac_a, IT_ADDR_A, KS_IPV4(198, 18, 0, 255), echo,
		     sizeof(echo));
	lan_feed(&d, f, n);
	IT_EQ(t, lan_poll(&d), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_UNSUPPORTED), 1);
	IT_EQ(t, d.got.count, 2);
	IT_EQ(t, lan_drain(&d), 0);
	lan_down(&d);
}

const struct it_case it_cases_netif_icmp[] = {
	{ "port_unreach_frame", t_port_unreach_frame },
	{ "port_unreach_not_for", t_port_unreach_not_for },
	{ "rate_limit", t_rate_limit },
	{ "port_unreach_routed", t_port_unreach_routed },
	{ "errors_to_hook", t_errors_to_hook },
	{ "broadcast_in", t_broadcast_in },
	{ 0 },
};

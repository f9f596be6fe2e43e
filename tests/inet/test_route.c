/*
 * test_route.c - the routing table (route.h): interfaces and their
 * connected routes and ifindexes, the configuration API's errors,
 * longest-prefix lookup with gateways, an output interface asked for,
 * limited and subnet broadcasts, output resolving the gateway's MAC (not
 * the destination's), replies (echo) to a source reached via the gateway,
 * and polling every interface for the earliest deadline.
 *
 * Two fake links: L1 with our 198.18.0.2/24 (it_mac_b) and the gateway A
 * 198.18.0.1 (it_mac_a); L2 with our 198.19.5.2/24 (mac_c) and its router
 * 198.19.5.1 (mac_d). Remote networks are elsewhere in 198.18.0.0/15.
 */
#include <string.h>

#include "lan.h"

#define ADDR_C KS_IPV4(198, 19, 5, 2)
#define ADDR_D KS_IPV4(198, 19, 5, 1)
#define REMOTE KS_IPV4(198, 18, 200, 1)

static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 0x0d };

struct two {
	struct ks_inet_rtab rt;
	struct lan_dev l1, l2;
};

static int two_up(struct it_ctx *t, struct two *w)
{
	int rc;

	ks_inet_rtab_init(&w->rt);
	if ((rc = lan_up(t, &w->l1, it_mac_b, 0, IT_ADDR_B, 24, true)) ||
	    (rc = lan_up(t, &w->l2, mac_c, 0, ADDR_C, 24, true)))
		return rc;
	if ((rc = ks_inet_rtab_add_netif(&w->rt, w->l1.nif)) ||
	    (rc = ks_inet_rtab_add_netif(&w->rt, w->l2.nif)))
		return rc;
	return 0;
}

static void two_down(struct two *w)
{
	ks_inet_rtab_del_netif(&w->rt, w->l1.nif);
	ks_inet_rtab_del_netif(&w->rt, w->l2.nif);
	lan_down(&w->l1);
	lan_down(&w->l2);
}

/* Looks dst up; the interface's ifindex, next hop and source, or the
 * errno in *ifindex. */
static int look(struct two *w, uint32_t dst, int oif, uint32_t saddr, struct ks_inet_rtres *r)
{
	memset(r, 0, sizeof(*r));
	return ks_inet_rtab_lookup(&w->rt, dst, oif, saddr, r);
}

static void t_interfaces(struct it_ctx *t)
{
	struct two w;
	struct lan_dev l3;

	IT_EQ(t, two_up(t, &w), 0);
	/* ifindexes given from 2, as Linux's first device after lo. */
	IT_EQ(t, w.l1.dev.ifindex, 2);
	IT_EQ(t, w.l2.dev.ifindex, 3);
	IT_TRUE(t, ks_inet_rtab_netif(&w.rt, 3) == w.l2.nif);
	IT_TRUE(t, ks_inet_rtab_netif_by_addr(&w.rt, ADDR_C) == w.l2.nif);
	IT_TRUE(t, w.l1.nif->rt == &w.rt);
	IT_EQ(t, w.rt.n_routes, 2); /* the connected prefixes */
	IT_EQ(t, w.rt.routes[1].dst, KS_IPV4(198, 19, 5, 0));
	IT_EQ(t, w.rt.routes[1].prefix_len, 24);
	IT_TRUE(t, w.rt.routes[1].connected);
	IT_EQ(t, ks_inet_rtab_add_netif(&w.rt, w.l1.nif), -KS_EEXIST);
	/* Loopback's ifindex, a taken one, an address or prefix taken. */
	IT_EQ(t, lan_up(t, &l3, mac_d, 1, KS_IPV4(198, 18, 9, 1), 24, false), 0);
	IT_EQ(t, ks_inet_rtab_add_netif(&w.rt, l3.nif), -KS_EEXIST);
	l3.dev.ifindex = 3;
	IT_EQ(t, ks_inet_rtab_add_netif(&w.rt, l3.nif), -KS_EEXIST);
	lan_down(&l3);
	IT_EQ(t, lan_up(t, &l3, mac_d, 0, KS_IPV4(198, 18, 0, 7), 24, false), 0);
	IT_EQ(t, ks_inet_rtab_add_netif(&w.rt, l3.nif), -KS_EEXIST); /* L1's prefix */
	IT_EQ(t, w.rt.n_nifs, 2);
	lan_down(&l3);
	/* Deleting an interface deletes its routes. */
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, ADDR_D, 0), 0);
	ks_inet_rtab_del_netif(&w.rt, w.l2.nif);
	IT_EQ(t, w.rt.n_routes, 1);
	IT_TRUE(t, w.l2.nif->rt == NULL);
	IT_TRUE(t, ks_inet_rtab_netif(&w.rt, 3) == NULL);
	two_down(&w);
}

static void t_config_errors(struct it_ctx *t)
{
	struct two w;

	IT_EQ(t, two_up(t, &w), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 33, IT_ADDR_A, 0), -KS_EINVAL);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 18, 7, 1), 24, IT_ADDR_A, 0),
	      -KS_EINVAL); /* host bits */
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_B, 0), -KS_EINVAL); /* ours */
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, KS_IPV4(198, 18, 0, 255), 0), -KS_EINVAL);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, KS_IPV4(224, 0, 0, 1), 0), -KS_EINVAL);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, KS_IPV4(198, 18, 9, 1), 0), -KS_ENETUNREACH);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 3), -KS_ENETUNREACH); /* not L2's */
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 9), -KS_ENODEV);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 18, 9, 0), 24, 0, 0), -KS_ENODEV);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 0), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, ADDR_D, 0), -KS_EEXIST);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 18, 0, 0), 24, ADDR_D, 0), -KS_EEXIST);
	IT_EQ(t, ks_inet_rtab_route_del(&w.rt, KS_IPV4(198, 18, 9, 0), 24), -KS_ESRCH);
	IT_EQ(t, ks_inet_rtab_route_del(&w.rt, 0, 0), 0);
	IT_EQ(t, ks_inet_rtab_route_del(&w.rt, 0, 0), -KS_ESRCH);
	/* The table's bound. */
	int added = 0, rc = 0;
	for (uint32_t i = 0; rc == 0; i++, added += rc == 0)
		rc = ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 19, 100, 0) + (i << 8), 24, ADDR_D, 0);
	IT_EQ(t, rc, -KS_ENOBUFS);
	IT_EQ(t, added, KS_INET_ROUTE_MAX - 2);
	two_down(&w);
}

static void t_longest_prefix(struct it_ctx *t)
{
	struct two w;
	struct ks_inet_rtres r;

	IT_EQ(t, two_up(t, &w), 0);
	IT_EQ(t, look(&w, REMOTE, 0, 0, &r), -KS_ENETUNREACH); /* no default route yet */
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 0), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 19, 0, 0), 16, ADDR_D, 0), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 19, 7, 0), 24, KS_IPV4(198, 18, 0, 9), 2),
	      0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, KS_IPV4(198, 19, 7, 7), 32, 0, 3), 0);
	const struct {
		uint32_t dst, ifindex, next_hop, src;
	} cases[] = {
		{ REMOTE, 2, IT_ADDR_A, IT_ADDR_B },                                  /* default */
		{ KS_IPV4(198, 19, 1, 1), 3, ADDR_D, ADDR_C },                       /* /16 */
		{ KS_IPV4(198, 19, 7, 1), 2, KS_IPV4(198, 18, 0, 9), IT_ADDR_B },     /* /24 */
		{ KS_IPV4(198, 19, 7, 7), 3, KS_IPV4(198, 19, 7, 7), ADDR_C },       /* /32 */
		{ KS_IPV4(198, 19, 5, 77), 3, KS_IPV4(198, 19, 5, 77), ADDR_C },     /* connected */
		{ KS_IPV4(198, 18, 0, 77), 2, KS_IPV4(198, 18, 0, 77), IT_ADDR_B },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		IT_EQ(t, look(&w, cases[i].dst, 0, 0, &r), 0);
		IT_EQ(t, r.ifindex, cases[i].ifindex);
		IT_EQ(t, r.next_hop, cases[i].next_hop);
		IT_EQ(t, r.src, cases[i].src);
		IT_TRUE(t, !r.bcast);
	}
	/* Deleting the /24 falls back to the /16. */
	IT_EQ(t, ks_inet_rtab_route_del(&w.rt, KS_IPV4(198, 19, 7, 0), 24), 0);
	IT_EQ(t, look(&w, KS_IPV4(198, 19, 7, 1), 0, 0, &r), 0);
	IT_EQ(t, r.next_hop, ADDR_D);
	two_down(&w);
}

static void t_output_interface(struct it_ctx *t)
{
	struct two w;
	struct ks_inet_rtres r;

	IT_EQ(t, two_up(t, &w), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 0), 0);
	/* Only L2's routes: none holds REMOTE, so it is taken to be on L2. */
	IT_EQ(t, look(&w, REMOTE, 3, 0, &r), 0);
	IT_EQ(t, r.ifindex, 3);
	IT_EQ(t, r.next_hop, REMOTE);
	IT_EQ(t, r.src, ADDR_C);
	/* L1's default route for L2's prefix, asked for L1. */
	IT_EQ(t, look(&w, KS_IPV4(198, 19, 5, 9), 2, 0, &r), 0);
	IT_EQ(t, r.ifindex, 2);
	IT_EQ(t, r.next_hop, IT_ADDR_A);
	IT_EQ(t, look(&w, REMOTE, 9, 0, &r), -KS_ENODEV);
	two_down(&w);
}

static void t_broadcast_lookup(struct it_ctx *t)
{
	struct two w;
	struct ks_inet_rtres r;
	const uint32_t lb = 0xffffffffu;

	IT_EQ(t, two_up(t, &w), 0);
	/* 255.255.255.255 with no route holding it and no hint: ENETUNREACH. */
	IT_EQ(t, look(&w, lb, 0, 0, &r), -KS_ENETUNREACH);
	/* The interface of the source, or the one asked for. */
	IT_EQ(t, look(&w, lb, 0, ADDR_C, &r), 0);
	IT_TRUE(t, r.bcast && r.ifindex == 3 && r.src == ADDR_C);
	IT_EQ(t, look(&w, lb, 2, 0, &r), 0);
	IT_TRUE(t, r.bcast && r.ifindex == 2 && r.src == IT_ADDR_B);
	/* Else the default route's interface. */
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, ADDR_D, 0), 0);
	IT_EQ(t, look(&w, lb, 0, 0, &r), 0);
	IT_TRUE(t, r.bcast && r.ifindex == 3 && r.next_hop == lb);
	/* A prefix's broadcast. */
	IT_EQ(t, look(&w, KS_IPV4(198, 18, 0, 255), 0, 0, &r), 0);
	IT_TRUE(t, r.bcast && r.ifindex == 2);
	IT_TRUE(t, ks_inet_rtab_is_bcast(&w.rt, KS_IPV4(198, 19, 5, 255)));
	IT_TRUE(t, ks_inet_rtab_is_bcast(&w.rt, lb));
	IT_TRUE(t, !ks_inet_rtab_is_bcast(&w.rt, KS_IPV4(198, 19, 6, 255)));
	two_down(&w);
}

/* Output to a destination behind the gateway ARPs for the gateway and
 * sends the datagram, unchanged, to the gateway's MAC. */
static void t_gateway_resolution(struct it_ctx *t)
{
	struct two w;
	struct ks_pbuf *p;
	uint8_t f[42];
	static const uint8_t zero[6];

	IT_EQ(t, two_up(t, &w), 0);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 0), 0);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, lan_dgram(t, IT_ADDR_B, REMOTE, 3, 5), IT_ADDR_B, REMOTE),
	      0);
	IT_EQ(t, w.l2.sent.count, 0);
	p = lan_take(&w.l1);
	lan_arp(f, ks_eth_broadcast, KS_ARP_OP_REQUEST, it_mac_b, IT_ADDR_B, zero, IT_ADDR_A);
	IT_MEMEQ(t, p->data, f, 42);
	ks_pbuf_free(p);
	IT_TRUE(t, ks_inet_arp_entry_get(w.l1.nif, REMOTE) == NULL);
	lan_arp(f, it_mac_b, KS_ARP_OP_REPLY, it_mac_a, IT_ADDR_A, it_mac_b, IT_ADDR_B);
	lan_feed(&w.l1, f, sizeof(f));
	IT_EQ(t, lan_poll(&w.l1), 1);
	p = lan_take(&w.l1);
	IT_TRUE(t, p != NULL);
	IT_MEMEQ(t, p->data, it_mac_a, 6);
	IT_EQ(t, ks_get32(p->data + 14 + 16), REMOTE);
	IT_EQ(t, p->data[14 + 28], 5);
	ks_pbuf_free(p);
	/* No route: the datagram is freed, ENETUNREACH. */
	IT_EQ(t, ks_inet_rtab_route_del(&w.rt, 0, 0), 0);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, lan_dgram(t, IT_ADDR_B, REMOTE, 3, 5), IT_ADDR_B, REMOTE),
	      -KS_ENETUNREACH);
	two_down(&w);
}

static void t_broadcast_output(struct it_ctx *t)
{
	struct two w;
	struct ks_pbuf *p;

	IT_EQ(t, two_up(t, &w), 0);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, lan_dgram(t, ADDR_C, 0xffffffffu, 2, 1), ADDR_C,
				     0xffffffffu),
	      0);
	IT_EQ(t, w.l1.sent.count, 0);
	p = lan_take(&w.l2);
	IT_MEMEQ(t, p->data, ks_eth_broadcast, 6);
	IT_MEMEQ(t, p->data + 6, mac_c, 6);
	IT_EQ(t, ks_get32(p->data + 14 + 16), 0xffffffffu);
	ks_pbuf_free(p);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, lan_dgram(t, IT_ADDR_B, KS_IPV4(198, 18, 0, 255), 2, 1),
				     IT_ADDR_B, KS_IPV4(198, 18, 0, 255)),
	      0);
	p = lan_take(&w.l1);
	IT_MEMEQ(t, p->data, ks_eth_broadcast, 6);
	ks_pbuf_free(p);
	IT_EQ(t, w.l1.nif->stats.arp_requests, 0);
	/* Above the MTU with DF set: EMSGSIZE, as unicast (without DF it
	 * is fragmented: test_frag.c). */
	IT_EQ(t, ks_inet_netif_output_bcast(w.l1.nif, lan_dgram(t, IT_ADDR_B, 0xffffffffu, 1473, 1)),
	      -KS_EMSGSIZE);
	two_down(&w);
}

/* An echo request from a network behind the gateway is answered through
 * the route back: the gateway is resolved, the reply goes to its MAC. */
static void t_echo_via_gateway(struct it_ctx *t)
{
	static const uint8_t echo[12] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
	struct two w;
	struct ks_pbuf *p;
	uint8_t f[128];
	size_t n;

	IT_EQ(t, two_up(t, &w), 0);
	n = lan_icmp(f, it_mac_b, it_mac_a, REMOTE, IT_ADDR_B, echo, sizeof(echo));
	/* No route back yet: dropped. */
	lan_feed(&w.l1, f, n);
	IT_EQ(t, lan_poll(&w.l1), 1);
	IT_EQ(t, lan_drain(&w.l1), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_UNSUPPORTED), 1);
	IT_EQ(t, ks_inet_rtab_route_add(&w.rt, 0, 0, IT_ADDR_A, 0), 0);
	lan_feed(&w.l1, f, n);
	IT_EQ(t, lan_poll(&w.l1), 1);
	p = lan_take(&w.l1); /* the request for the gateway */
	IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_ARP);
	IT_EQ(t, ks_get32(p->data + 38), IT_ADDR_A);
	ks_pbuf_free(p);
	uint8_t a[42];
	lan_arp(a, it_mac_b, KS_ARP_OP_REPLY, it_mac_a, IT_ADDR_A, it_mac_b, IT_ADDR_B);
	lan_feed(&w.l1, a, sizeof(a));
	IT_EQ(t, lan_poll(&w.l1), 1);
	p = lan_take(&w.l1);
	IT_TRUE(t, p != NULL);
	IT_MEMEQ(t, p->data, it_mac_a, 6);
	IT_EQ(t, ks_get32(p->data + 14 + 12), IT_ADDR_B);
	IT_EQ(t, ks_get32(p->data + 14 + 16), REMOTE);
	IT_EQ(t, p->data[14 + 20], KS_ICMP_ECHOREPLY);
	IT_MEMEQ(t, p->data + 14 + 24, echo + 4, 8);
	ks_pbuf_free(p);
	IT_EQ(t, w.l1.nif->stats.echo_replies, 1);
	two_down(&w);
}

static void t_poll_deadline(struct it_ctx *t)
{
	struct two w;
	uint64_t next = 0;

	IT_EQ(t, two_up(t, &w), 0);
	IT_EQ(t, ks_inet_rtab_poll(&w.rt, &next), 0);
	IT_EQ(t, next, KS_INET_NEVER);
	IT_EQ(t, ks_inet_rtab_output(&w.rt, lan_dgram(t, ADDR_C, ADDR_D, 1, 1), ADDR_C, ADDR_D), 0);
	t->clock_ns += LAN_SEC / 4;
	IT_EQ(t, ks_inet_rtab_output(&w.rt, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 1, 1), IT_ADDR_B,
				     IT_ADDR_A),
	      0);
	lan_feed(&w.l1, it_frame_arp_request, sizeof(it_frame_arp_request)); /* resolves A */
	IT_EQ(t, ks_inet_rtab_poll(&w.rt, &next), 1);
	IT_EQ(t, next, IT_T0 + LAN_SEC); /* L2's retry */
	IT_EQ(t, lan_drain(&w.l1), 3);   /* request, datagram, reply */
	two_down(&w);
}

const struct it_case it_cases_route[] = {
	{ "interfaces", t_interfaces },
	{ "config_errors", t_config_errors },
	{ "longest_prefix", t_longest_prefix },
	{ "output_interface", t_output_interface },
	{ "broadcast_lookup", t_broadcast_lookup },
	{ "gateway_resolution", t_gateway_resolution },
	{ "broadcast_output", t_broadcast_output },
	{ "echo_via_gateway", t_echo_via_gateway },
	{ "poll_deadline", t_poll_deadline },
	{ 0 },
};

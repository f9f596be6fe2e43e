/*
 * test_arp.c - ARP resolution in the neighbour cache (netif.h): a miss on
 * output sends a broadcast request at once and again 1 s and 2 s later,
 * fails 3 s after the miss (the waiting datagrams reported to the error
 * hook as ICMP host unreachable, freed and counted); at most 3 datagrams
 * wait (the oldest dropped); the reply, or the neighbour's own request,
 * sends them in order; entries go stale after 30 s, are still used, and
 * are then checked by unicast requests (forgotten after 3 unanswered, or
 * after 60 s unused); gratuitous ARP only refreshes; eviction prefers
 * stale, then reachable entries. Time moves only by the fake clock.
 *
 * The interface is B, 198.18.0.2/24 (it_mac_b); A (198.18.0.1, it_mac_a)
 * is the neighbour.
 */
#include <string.h>

#include "lan.h"

static const uint8_t mac_a2[6] = { 0x02, 0, 0, 0, 0, 0xa2 };

/* The request B sends to `to` for addr, byte for byte. */
static void want_request_to(struct it_ctx *t, struct ks_pbuf *p, const uint8_t *to, uint32_t addr)
{
	uint8_t want[42];
	static const uint8_t zero[6];

	lan_arp(want, to, KS_ARP_OP_REQUEST, it_mac_b, IT_ADDR_B, zero, addr);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, p->tot_len, 42);
	IT_MEMEQ(t, p->data, want, 42);
}

/* The request B broadcasts for addr. */
static void want_request(struct it_ctx *t, struct ks_pbuf *p, uint32_t addr)
{
	want_request_to(t, p, ks_eth_broadcast, addr);
}

/* The request B sends to A's MAC to check a stale entry. */
static void want_probe(struct it_ctx *t, struct ks_pbuf *p)
{
	want_request_to(t, p, it_mac_a, IT_ADDR_A);
}

/* A's reply to B. */
static void feed_reply(struct lan_dev *d, const uint8_t *mac)
{
	uint8_t f[42];

	lan_arp(f, it_mac_b, KS_ARP_OP_REPLY, mac, IT_ADDR_A, it_mac_b, IT_ADDR_B);
	lan_feed(d, f, sizeof(f));
	(void)lan_poll(d);
}

static void t_retry_timing(struct it_ctx *t)
{
	struct lan_dev d;
	struct ks_pbuf *p;
	const uint64_t t0 = t->clock_ns;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 5, 1), IT_ADDR_A), 0);
	p = lan_take(&d);
	want_request(t, p, IT_ADDR_A);
	ks_pbuf_free(p);
	IT_EQ(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A)->state, KS_INET_ARP_INCOMPLETE);
	IT_EQ(t, ks_inet_netif_timers(d.nif), t0 + LAN_SEC);
	/* Nothing before the second. */
	t->clock_ns = t0 + LAN_SEC - 1;
	IT_EQ(t, ks_inet_netif_timers(d.nif), t0 + LAN_SEC);
	IT_EQ(t, lan_drain(&d), 0);
	/* The second and third requests, 1 s apart. */
	for (int i = 1; i <= 2; i++) {
		t->clock_ns = t0 + (uint64_t)i * LAN_SEC;
		IT_EQ(t, ks_inet_netif_timers(d.nif), t0 + (uint64_t)(i + 1) * LAN_SEC);
		p = lan_take(&d);
		want_request(t, p, IT_ADDR_A);
		ks_pbuf_free(p);
		IT_EQ(t, lan_drain(&d), 0);
	}
	IT_EQ(t, d.nif->stats.arp_requests, 3);
	t->clock_ns = t0 + 3 * LAN_SEC - 1;
	IT_EQ(t, ks_inet_netif_timers(d.nif), t0 + 3 * LAN_SEC);
	IT_EQ(t, d.errs, 0);
	/* 3 s after the miss: failed, no fourth request. */
	t->clock_ns = t0 + 3 * LAN_SEC;
	IT_EQ(t, ks_inet_netif_timers(d.nif), KS_INET_NEVER);
	IT_EQ(t, lan_drain(&d), 0);
	IT_EQ(t, d.errs, 1);
	IT_EQ(t, d.err_type, KS_ICMP_DEST_UNREACH);
	IT_EQ(t, d.err_code, KS_ICMP_HOST_UNREACH);
	IT_EQ(t, d.err_proto, KS_IPPROTO_UDP);
	IT_EQ(t, d.err_src, IT_ADDR_B);
	IT_EQ(t, d.err_dst, IT_ADDR_A);
	IT_EQ(t, d.err_sport, 40000);
	IT_EQ(t, d.err_dport, 9);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_FAILED), 1);
	IT_EQ(t, it_drops_total(&t->st), 1);
	IT_EQ(t, d.nif->stats.arp_failed, 1);
	IT_TRUE(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A) == NULL);
	/* The next datagram starts anew, with a request at once. */
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 5, 2), IT_ADDR_A), 0);
	IT_EQ(t, lan_drain(&d), 1);
	IT_EQ(t, ks_inet_netif_timers(d.nif), t->clock_ns + LAN_SEC);
	lan_down(&d); /* frees the one waiting */
}

/* Poll runs the timers too: the failure comes from ks_inet_netif_poll. */
static void t_poll_runs_timers(struct it_ctx *t)
{
	struct lan_dev d;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 5, 1), IT_ADDR_A), 0);
	for (int i = 1; i <= 3; i++) {
		t->clock_ns += LAN_SEC;
		IT_EQ(t, lan_poll(&d), 0);
	}
	IT_EQ(t, d.nif->stats.arp_requests, 3);
	IT_EQ(t, lan_drain(&d), 3);
	IT_EQ(t, d.errs, 1);
	lan_down(&d);
}

static void t_queue_bound_and_order(struct it_ctx *t)
{
	struct lan_dev d;
	struct ks_pbuf *p;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	for (uint8_t tag = 1; tag <= KS_INET_ARP_QUEUE_MAX + 1; tag++)
		IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, tag),
					      IT_ADDR_A),
		      0);
	/* One request only; the oldest datagram made room for the fourth. */
	IT_EQ(t, lan_drain(&d), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_QUEUE_FULL), 1);
	IT_EQ(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A)->q.count, KS_INET_ARP_QUEUE_MAX);
	/* The reply sends the rest, in the order they were sent, to A's MAC. */
	t->clock_ns += LAN_SEC / 2;
	feed_reply(&d, it_mac_a);
	IT_EQ(t, d.sent.count, KS_INET_ARP_QUEUE_MAX);
	for (uint8_t tag = 2; tag <= KS_INET_ARP_QUEUE_MAX + 1; tag++) {
		p = lan_take(&d);
		IT_EQ(t, p->tot_len, 14 + 20 + 8 + 4);
		IT_MEMEQ(t, p->data, it_mac_a, 6);
		IT_MEMEQ(t, p->data + 6, it_mac_b, 6);
		IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_IPV4);
		IT_EQ(t, p->data[14 + 20 + 8], tag);
		ks_pbuf_free(p);
	}
	const struct ks_inet_arp_entry *e = ks_inet_arp_entry_get(d.nif, IT_ADDR_A);
	IT_EQ(t, e->state, KS_INET_ARP_REACHABLE);
	IT_EQ(t, e->q.count, 0);
	IT_EQ(t, ks_inet_netif_timers(d.nif), t->clock_ns + KS_INET_ARP_REACHABLE_NS);
	/* No failure later. */
	t->clock_ns += 5 * LAN_SEC;
	(void)ks_inet_netif_timers(d.nif);
	IT_EQ(t, d.errs, 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_FAILED), 0);
	IT_EQ(t, d.nif->stats.ip_out, KS_INET_ARP_QUEUE_MAX);
	lan_down(&d);
}

/* The neighbour's own request for us completes the entry as well: the
 * waiting datagram goes, then our reply to the request. */
static void t_request_completes(struct it_ctx *t)
{
	struct lan_dev d;
	struct ks_pbuf *p;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, 7), IT_ADDR_A), 0);
	IT_EQ(t, lan_drain(&d), 1);
	lan_feed(&d, it_frame_arp_request, sizeof(it_frame_arp_request));
	IT_EQ(t, lan_poll(&d), 1);
	p = lan_take(&d);
	IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_IPV4);
	ks_pbuf_free(p);
	p = lan_take(&d);
	IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_ARP);
	IT_EQ(t, ks_get16(p->data + 20), KS_ARP_OP_REPLY);
	ks_pbuf_free(p);
	lan_down(&d);
}

/* B learns A from A's request, and sends one datagram through it. */
static void learn_a(struct it_ctx *t, struct lan_dev *d)
{
	IT_EQ(t, lan_up(t, d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	lan_feed(d, it_frame_arp_request, sizeof(it_frame_arp_request));
	(void)lan_poll(d);
	IT_EQ(t, lan_drain(d), 1); /* our reply */
	IT_EQ(t, ks_inet_netif_output(d->nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, 1), IT_ADDR_A), 0);
	IT_EQ(t, lan_drain(d), 1); /* sent at once: cached */
}

/* The datagram B sent to A's MAC, with tag. */
static void want_dgram(struct it_ctx *t, struct ks_pbuf *p, uint8_t tag)
{
	IT_TRUE(t, p != NULL);
	IT_MEMEQ(t, p->data, it_mac_a, 6);
	IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_IPV4);
	IT_EQ(t, p->data[14 + 20 + 8], tag);
}

/* After 30 s an entry is stale: the lookup no longer answers, but output
 * still sends to the MAC at once, and checks it with a unicast request;
 * A's reply makes it reachable again. Nothing is lost on the way (a long
 * transfer goes on, as on Linux). */
static void t_stale_still_used(struct it_ctx *t)
{
	struct lan_dev d;
	uint8_t mac[6];
	struct ks_pbuf *p;

	learn_a(t, &d);
	t->clock_ns += KS_INET_ARP_REACHABLE_NS - 1;
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), 0);
	t->clock_ns += 1;
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), -KS_ENOENT);
	IT_EQ(t, ks_inet_netif_timers(d.nif), t->clock_ns + KS_INET_ARP_STALE_NS);
	IT_EQ(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A)->state, KS_INET_ARP_STALE);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, 2), IT_ADDR_A), 0);
	p = lan_take(&d);
	want_probe(t, p); /* the check goes first, then the datagram */
	ks_pbuf_free(p);
	p = lan_take(&d);
	want_dgram(t, p, 2);
	ks_pbuf_free(p);
	IT_EQ(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A)->state, KS_INET_ARP_PROBE);
	/* More datagrams go at once while the check is out. */
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, 3), IT_ADDR_A), 0);
	p = lan_take(&d);
	want_dgram(t, p, 3);
	ks_pbuf_free(p);
	t->clock_ns += LAN_SEC / 2;
	feed_reply(&d, it_mac_a);
	IT_EQ(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A)->state, KS_INET_ARP_REACHABLE);
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), 0);
	IT_EQ(t, ks_inet_netif_timers(d.nif), t->clock_ns + KS_INET_ARP_REACHABLE_NS);
	IT_EQ(t, lan_drain(&d), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_FAILED), 0);
	lan_down(&d);
}

/* A stale entry in use whose MAC no longer answers: 3 unicast requests
 * 1 s apart, then it is forgotten, and the next datagram resolves anew
 * with a broadcast. */
static void t_stale_probe_fails(struct it_ctx *t)
{
	struct lan_dev d;
	struct ks_pbuf *p;

	learn_a(t, &d);
	t->clock_ns += KS_INET_ARP_REACHABLE_NS;
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, 2), IT_ADDR_A), 0);
	p = lan_take(&d);
	want_probe(t, p);
	ks_pbuf_free(p);
	p = lan_take(&d);
	want_dgram(t, p, 2);
	ks_pbuf_free(p);
	for (int i = 1; i <= 2; i++) {
		IT_EQ(t, ks_inet_netif_timers(d.nif), t->clock_ns + LAN_SEC);
		t->clock_ns += LAN_SEC;
		(void)ks_inet_netif_timers(d.nif);
		p = lan_take(&d);
		want_probe(t, p);
		ks_pbuf_free(p);
	}
	t->clock_ns += LAN_SEC;
	IT_EQ(t, ks_inet_netif_timers(d.nif), KS_INET_NEVER); /* forgotten */
	IT_TRUE(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A) == NULL);
	IT_EQ(t, d.nif->stats.arp_failed, 1);
	IT_EQ(t, lan_drain(&d), 0);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 4, 3), IT_ADDR_A), 0);
	p = lan_take(&d);
	want_request(t, p, IT_ADDR_A);
	ks_pbuf_free(p);
	IT_EQ(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A)->state, KS_INET_ARP_INCOMPLETE);
	lan_down(&d);
}

/* A stale entry nobody sends through is forgotten 60 s later, with no
 * request sent. */
static void t_stale_unused_forgotten(struct it_ctx *t)
{
	struct lan_dev d;

	learn_a(t, &d);
	t->clock_ns += KS_INET_ARP_REACHABLE_NS;
	(void)ks_inet_netif_timers(d.nif);
	t->clock_ns += KS_INET_ARP_STALE_NS - 1;
	IT_EQ(t, ks_inet_netif_timers(d.nif), t->clock_ns + 1);
	t->clock_ns += 1;
	IT_EQ(t, ks_inet_netif_timers(d.nif), KS_INET_NEVER);
	IT_TRUE(t, ks_inet_arp_entry_get(d.nif, IT_ADDR_A) == NULL);
	IT_EQ(t, lan_drain(&d), 0);
	lan_down(&d);
}

/* A gratuitous ARP (sender = target = A, broadcast) refreshes A's entry
 * with the new MAC, and creates none (Linux's arp_accept = 0). */
static void t_gratuitous(struct it_ctx *t)
{
	struct lan_dev d;
	uint8_t f[42], mac[6];

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	lan_arp(f, ks_eth_broadcast, KS_ARP_OP_REQUEST, mac_a2, IT_ADDR_A, ks_eth_broadcast,
		IT_ADDR_A);
	lan_feed(&d, f, sizeof(f));
	(void)lan_poll(&d);
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), -KS_ENOENT);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NOT_LOCAL), 1);
	feed_reply(&d, it_mac_a); /* an unsolicited reply to us is learnt */
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), 0);
	IT_MEMEQ(t, mac, it_mac_a, 6);
	lan_feed(&d, f, sizeof(f));
	(void)lan_poll(&d);
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), 0);
	IT_MEMEQ(t, mac, mac_a2, 6);
	IT_EQ(t, lan_drain(&d), 0);
	lan_down(&d);
}

/* A full cache: a reachable entry goes before any being resolved; with
 * only INCOMPLETE entries, the one closest to failing goes, its datagram
 * counted arp_queue_full. */
static void t_eviction(struct it_ctx *t)
{
	struct lan_dev d;
	uint8_t mac[6];

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, true), 0);
	feed_reply(&d, it_mac_a); /* A reachable */
	for (int i = 0; i < KS_INET_ARP_SLOTS - 1; i++) {
		uint32_t a = KS_IPV4(198, 18, 0, 10 + i);
		t->clock_ns += 1000;
		IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, a, 1, 1), a), 0);
	}
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), 0);
	uint32_t x = KS_IPV4(198, 18, 0, 100);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, x, 1, 1), x), 0);
	IT_EQ(t, ks_inet_arp_lookup(d.nif, IT_ADDR_A, mac), -KS_ENOENT);
	IT_EQ(t, it_drops_total(&t->st), 0);
	uint32_t y = KS_IPV4(198, 18, 0, 101);
	IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, y, 1, 1), y), 0);
	IT_TRUE(t, ks_inet_arp_entry_get(d.nif, KS_IPV4(198, 18, 0, 10)) == NULL);
	IT_TRUE(t, ks_inet_arp_entry_get(d.nif, KS_IPV4(198, 18, 0, 11)) != NULL);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_QUEUE_FULL), 1);
	IT_EQ(t, lan_drain(&d), KS_INET_ARP_SLOTS + 1);
	lan_down(&d); /* frees the 16 waiting */
}

/* Without an error hook the failure is only counted; a device that
 * refuses requests still gets its retries counted as tx_errors. */
static void t_fail_quietly(struct it_ctx *t)
{
	struct lan_dev d;

	IT_EQ(t, lan_up(t, &d, it_mac_b, 2, IT_ADDR_B, 24, false), 0);
	d.xmit_rc = -KS_ENOBUFS;
	for (int i = 0; i < 2; i++)
		IT_EQ(t, ks_inet_netif_output(d.nif, lan_dgram(t, IT_ADDR_B, IT_ADDR_A, 1, 1),
					      IT_ADDR_A),
		      0);
	for (int i = 1; i <= 3; i++) {
		t->clock_ns += LAN_SEC;
		(void)ks_inet_netif_timers(d.nif);
	}
	IT_EQ(t, d.nif->stats.tx_errors, 3);
	IT_EQ(t, d.nif->stats.arp_failed, 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_ARP_FAILED), 2);
	IT_EQ(t, d.errs, 0);
	lan_down(&d);
}

const struct it_case it_cases_arp[] = {
	{ "retry_timing", t_retry_timing },
	{ "poll_runs_timers", t_poll_runs_timers },
	{ "queue_bound_and_order", t_queue_bound_and_order },
	{ "request_completes", t_request_completes },
	{ "stale_still_used", t_stale_still_used },
	{ "stale_probe_fails", t_stale_probe_fails },
	{ "stale_unused_forgotten", t_stale_unused_forgotten },
	{ "gratuitous", t_gratuitous },
	{ "eviction", t_eviction },
	{ "fail_quietly", t_fail_quietly },
	{ 0 },
};

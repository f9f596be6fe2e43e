/*
 * test_eth_arp.c - Ethernet II and ARP: the known ARP request, round
 * trips, truncation at every offset, 802.3 length frames and every ARP
 * field check.
 */
#include <string.h>

#include "it.h"

static void t_eth_parse_emit(struct it_ctx *t)
{
	struct ks_eth_hdr h;
	uint8_t b[KS_ETH_HLEN];

	IT_EQ(t, ks_eth_parse(it_frame_udp, sizeof(it_frame_udp), &h), KS_ETH_HLEN);
	IT_MEMEQ(t, h.dst, it_mac_b, 6);
	IT_MEMEQ(t, h.src, it_mac_a, 6);
	IT_EQ(t, h.type, KS_ETH_P_IPV4);
	IT_EQ(t, ks_eth_emit(b, sizeof(b), &h), KS_ETH_HLEN);
	IT_MEMEQ(t, b, it_frame_udp, KS_ETH_HLEN);
	IT_EQ(t, ks_eth_emit(b, KS_ETH_HLEN - 1, &h), -KS_ENOBUFS);
	for (size_t len = 0; len < KS_ETH_HLEN; len++)
		IT_EQ(t, ks_eth_parse(it_frame_udp, len, &h), -KS_DROP_TRUNCATED);
}

/* IEEE 802.3: a type field below 0x0600 is a length (LLC follows); 0x0600
 * itself is a type (XNS), unsupported by the stack but not by the parser. */
static void t_eth_type_boundary(struct it_ctx *t)
{
	uint8_t b[KS_ETH_HLEN];
	struct ks_eth_hdr h;

	memcpy(b, it_frame_udp, KS_ETH_HLEN);
	ks_put16(b + 12, 1500);
	IT_EQ(t, ks_eth_parse(b, sizeof(b), &h), -KS_DROP_UNSUPPORTED);
	ks_put16(b + 12, 0x05ff);
	IT_EQ(t, ks_eth_parse(b, sizeof(b), &h), -KS_DROP_UNSUPPORTED);
	ks_put16(b + 12, 0x0600);
	IT_EQ(t, ks_eth_parse(b, sizeof(b), &h), KS_ETH_HLEN);
}

static void t_eth_address_kinds(struct it_ctx *t)
{
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	IT_TRUE(t, ks_eth_is_broadcast(ks_eth_broadcast) && ks_eth_is_multicast(ks_eth_broadcast));
	IT_TRUE(t, !ks_eth_is_broadcast(mcast) && ks_eth_is_multicast(mcast));
	IT_TRUE(t, !ks_eth_is_broadcast(it_mac_a) && !ks_eth_is_multicast(it_mac_a));
}

static void t_arp_known(struct it_ctx *t)
{
	struct ks_arp a;
	uint8_t b[KS_ARP_LEN];
	static const uint8_t zero[6];

	IT_EQ(t, ks_arp_parse(it_frame_arp_request + KS_ETH_HLEN, KS_ARP_LEN, &a), KS_ARP_LEN);
	IT_EQ(t, a.op, KS_ARP_OP_REQUEST);
	IT_MEMEQ(t, a.sha, it_mac_a, 6);
	IT_EQ(t, a.spa, IT_ADDR_A);
	IT_MEMEQ(t, a.tha, zero, 6);
	IT_EQ(t, a.tpa, IT_ADDR_B);
	IT_EQ(t, ks_arp_emit(b, sizeof(b), &a), KS_ARP_LEN);
	IT_MEMEQ(t, b, it_frame_arp_request + KS_ETH_HLEN, KS_ARP_LEN);
}

/* A reply built from a request (RFC 826 "Packet Reception": swap, fill in
 * our address, opcode reply) parses back as sent; padding is ignored. */
static void t_arp_reply_round_trip(struct it_ctx *t)
{
	struct ks_arp rq, rp, back;
	uint8_t b[KS_ETH_ZLEN];

	IT_EQ(t, ks_arp_parse(it_frame_arp_request + KS_ETH_HLEN, KS_ARP_LEN, &rq), KS_ARP_LEN);
	rp.op = KS_ARP_OP_REPLY;
	memcpy(rp.sha, it_mac_b, 6);
	rp.spa = rq.tpa;
	memcpy(rp.tha, rq.sha, 6);
	rp.tpa = rq.spa;
	memset(b, 0x5a, sizeof(b));
	IT_EQ(t, ks_arp_emit(b, sizeof(b), &rp), KS_ARP_LEN);
	IT_EQ(t, ks_arp_parse(b, sizeof(b), &back), KS_ARP_LEN);
	IT_TRUE(t, back.op == KS_ARP_OP_REPLY && back.spa == IT_ADDR_B && back.tpa == IT_ADDR_A);
	IT_MEMEQ(t, back.sha, it_mac_b, 6);
	IT_MEMEQ(t, back.tha, it_mac_a, 6);
}

static void t_arp_malformed(struct it_ctx *t)
{
	static const struct { int off; uint8_t val; int want; } cases[] = {
		{ 1, 6, -KS_DROP_UNSUPPORTED },     /* hardware type 6 (IEEE 802) */
		{ 2, 0x86, -KS_DROP_UNSUPPORTED },  /* protocol 0x8600 */
		{ 4, 8, -KS_DROP_BAD_HEADER },      /* hardware length 8 */
		{ 5, 16, -KS_DROP_BAD_HEADER },     /* protocol length 16 */
		{ 7, 0, -KS_DROP_UNSUPPORTED },     /* operation 0 */
		{ 7, 3, -KS_DROP_UNSUPPORTED },     /* RARP request */
		{ 7, 4, -KS_DROP_UNSUPPORTED },     /* RARP reply */
		{ 6, 1, -KS_DROP_UNSUPPORTED },     /* operation 0x0101 */
		{ 7, 2, KS_ARP_LEN },               /* a reply is fine */
	};
	uint8_t b[KS_ARP_LEN];
	struct ks_arp a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, it_frame_arp_request + KS_ETH_HLEN, KS_ARP_LEN);
		b[cases[i].off] = cases[i].val;
		IT_EQ(t, ks_arp_parse(b, sizeof(b), &a), cases[i].want);
	}
	for (size_t len = 0; len < KS_ARP_LEN; len++)
		IT_EQ(t, ks_arp_parse(it_frame_arp_request + KS_ETH_HLEN, len, &a),
		      -KS_DROP_TRUNCATED);
	a.op = 3;
	IT_EQ(t, ks_arp_emit(b, sizeof(b), &a), -KS_EINVAL);
	a.op = KS_ARP_OP_REQUEST;
	IT_EQ(t, ks_arp_emit(b, KS_ARP_LEN - 1, &a), -KS_ENOBUFS);
}

const struct it_case it_cases_eth_arp[] = {
	{ "eth_parse_emit", t_eth_parse_emit },
	{ "eth_type_boundary", t_eth_type_boundary },
	{ "eth_address_kinds", t_eth_address_kinds },
	{ "arp_known", t_arp_known },
	{ "arp_reply_round_trip", t_arp_reply_round_trip },
	{ "arp_malformed", t_arp_malformed },
	{ 0 },
};

/*
 * test_icmp.c - ICMP: the known echo request, an echo reply built from it,
 * destination unreachable (port unreachable, fragmentation needed) with
 * its quoted header, parameter problem, malformed messages and quotes, and
 * RFC 1122 3.2.2's rules on when an error may be sent.
 */
#include <string.h>

#include "it.h"
#include "inet/wire/checksum.h"

#define ECHO_ICMP (it_frame_icmp_echo + KS_ETH_HLEN + 20)
#define ECHO_ICMP_LEN (sizeof(it_frame_icmp_echo) - KS_ETH_HLEN - 20)

static void t_echo_known(struct it_ctx *t)
{
	struct ks_icmp_hdr h;

	IT_EQ(t, ks_icmp_parse(ECHO_ICMP, ECHO_ICMP_LEN, 0, &h), KS_ICMP_HLEN);
	IT_TRUE(t, h.type == KS_ICMP_ECHO && h.code == 0 && !h.is_error);
	IT_EQ(t, h.csum, 0xbbb9);
	IT_EQ(t, h.id, 0x0d0e);
	IT_EQ(t, h.seq, 1);
	IT_EQ(t, h.data_len, 16);
	IT_MEMEQ(t, h.data, "0123456789abcdef", 16);
}

/* RFC 792 "Echo or Echo Reply Message": the reply carries the same
 * identifier, sequence number and data. Built in place, as the stack
 * will: change the type and re-emit; and incrementally (RFC 1624). */
static void t_echo_reply(struct it_ctx *t)
{
	uint8_t m[64];
	struct ks_icmp_hdr h, r;

	memcpy(m, ECHO_ICMP, ECHO_ICMP_LEN);
	IT_EQ(t, ks_icmp_parse(m, ECHO_ICMP_LEN, 0, &h), KS_ICMP_HLEN);
	h.type = KS_ICMP_ECHOREPLY;
	IT_EQ(t, ks_icmp_emit(m, ECHO_ICMP_LEN, &h), KS_ICMP_HLEN);
	IT_EQ(t, ks_icmp_parse(m, ECHO_ICMP_LEN, 0, &r), KS_ICMP_HLEN);
	IT_TRUE(t, r.type == KS_ICMP_ECHOREPLY && r.id == 0x0d0e && r.seq == 1);
	IT_MEMEQ(t, r.data, "0123456789abcdef", 16);
	/* The type is the high byte of the first word: 0x0800 -> 0x0000. */
	IT_EQ(t, ks_csum_update16(0xbbb9, 0x0800, 0x0000), r.csum);
	IT_EQ(t, ks_icmp_emit(m, 7, &h), -KS_EINVAL);
}

static void t_bad_checksum_truncated(struct it_ctx *t)
{
	uint8_t m[64];
	struct ks_icmp_hdr h;

	for (size_t i = 0; i < ECHO_ICMP_LEN; i++) {
		memcpy(m, ECHO_ICMP, ECHO_ICMP_LEN);
		m[i] ^= 0x20;
		IT_EQ(t, ks_icmp_parse(m, ECHO_ICMP_LEN, 0, &h), -KS_DROP_BAD_CHECKSUM);
		IT_EQ(t, ks_icmp_parse(m, ECHO_ICMP_LEN, KS_WIRE_CSUM_OK, &h), KS_ICMP_HLEN);
	}
	for (size_t len = 0; len < KS_ICMP_HLEN; len++)
		IT_EQ(t, ks_icmp_parse(ECHO_ICMP, len, 0, &h), -KS_DROP_TRUNCATED);
	/* Shorter data is a checksum failure, not a crash. */
	for (size_t len = KS_ICMP_HLEN; len < ECHO_ICMP_LEN; len++)
		IT_EQ(t, ks_icmp_parse(ECHO_ICMP, len, 0, &h), -KS_DROP_BAD_CHECKSUM);
}

/* A port unreachable about the known UDP datagram quotes all of it (it is
 * short) and names its addresses and ports. */
static void t_port_unreachable(struct it_ctx *t)
{
	const uint8_t *dg = it_frame_udp + KS_ETH_HLEN;
	size_t dlen = sizeof(it_frame_udp) - KS_ETH_HLEN;
	uint8_t m[600];
	struct ks_icmp_hdr h;

	int n = ks_icmp_emit_error(m, sizeof(m), KS_ICMP_DEST_UNREACH, KS_ICMP_PORT_UNREACH, 0,
				   dg, dlen);
	IT_EQ(t, n, (int)(KS_ICMP_HLEN + dlen));
	IT_EQ(t, ks_get32(m + 4), 0); /* RFC 792: unused, zero */
	IT_MEMEQ(t, m + KS_ICMP_HLEN, dg, dlen);
	IT_EQ(t, ks_icmp_parse(m, (size_t)n, 0, &h), KS_ICMP_HLEN);
	IT_TRUE(t, h.is_error && h.type == 3 && h.code == 3);
	IT_TRUE(t, h.quote.ip.src == IT_ADDR_A && h.quote.ip.dst == IT_ADDR_B);
	IT_TRUE(t, h.quote.ip.proto == KS_IPPROTO_UDP && h.quote.ip.id == 0x1c46);
	IT_EQ(t, h.quote.sport, 40000);
	IT_EQ(t, h.quote.dport, 7);
	IT_EQ(t, h.quote.l4_len, 13);
}

/* Quoting stops at 576 bytes of reply (RFC 1812 4.3.2.3): 548 bytes of a
 * large datagram; fragmentation needed carries the MTU (RFC 1191 4). */
static void t_frag_needed_long_quote(struct it_ctx *t)
{
	static uint8_t dg[1500], m[KS_ICMP_HLEN + KS_ICMP_QUOTE_MAX];
	struct ks_ipv4_hdr ih = { .tot_len = 1500, .df = true, .ttl = 64,
				  .proto = KS_IPPROTO_UDP, .src = IT_ADDR_A, .dst = IT_ADDR_B };
	struct ks_icmp_hdr h;

	memset(dg, 0x11, sizeof(dg));
	IT_EQ(t, ks_ipv4_emit(dg, sizeof(dg), &ih), 20);
	IT_EQ(t, ks_udp_emit(dg + 20, 1480, 40000, 9, IT_ADDR_A, IT_ADDR_B, true), 8);
	IT_EQ(t, ks_icmp_quote_len(1500), 548);
	IT_EQ(t, ks_icmp_quote_len(100), 100);
	int n = ks_icmp_emit_error(m, sizeof(m), KS_ICMP_DEST_UNREACH, KS_ICMP_FRAG_NEEDED, 1400,
				   dg, sizeof(dg));
	IT_EQ(t, n, 576 - 20);
	IT_EQ(t, ks_get16(m + 6), 1400);
	IT_EQ(t, ks_icmp_parse(m, (size_t)n, 0, &h), KS_ICMP_HLEN);
	IT_EQ(t, h.mtu, 1400);
	IT_EQ(t, h.quote.ip.tot_len, 1500);
	IT_EQ(t, h.quote.l4_len, 528);
	IT_EQ(t, ks_icmp_emit_error(m, sizeof(m) - 1, 3, 4, 1400, dg, sizeof(dg)), -KS_ENOBUFS);
}

static void t_parameter_problem(struct it_ctx *t)
{
	const uint8_t *dg = it_frame_udp + KS_ETH_HLEN;
	uint8_t m[128];
	struct ks_icmp_hdr h = { .type = KS_ICMP_PARAMETERPROB, .pointer = 9 }, r;

	memcpy(m + KS_ICMP_HLEN, dg, 28);
	IT_EQ(t, ks_icmp_emit(m, KS_ICMP_HLEN + 28, &h), KS_ICMP_HLEN);
	IT_EQ(t, m[4], 9);
	IT_EQ(t, ks_icmp_parse(m, KS_ICMP_HLEN + 28, 0, &r), KS_ICMP_HLEN);
	IT_TRUE(t, r.is_error && r.pointer == 9 && r.quote.dport == 7);
	/* Time exceeded and other errors keep their second word as given. */
	h.type = KS_ICMP_TIME_EXCEEDED;
	h.rest = 0;
	IT_EQ(t, ks_icmp_emit(m, KS_ICMP_HLEN + 28, &h), KS_ICMP_HLEN);
	IT_EQ(t, ks_icmp_parse(m, KS_ICMP_HLEN + 28, 0, &r), KS_ICMP_HLEN);
	IT_TRUE(t, r.is_error && r.type == 11 && r.quote.sport == 40000);
}

/* Quotes that cannot be matched to a socket: too short, not IPv4, bad
 * IHL, header without its 8 data bytes, a later fragment. */
static void t_bad_quotes(struct it_ctx *t)
{
	const uint8_t *dg = it_frame_udp + KS_ETH_HLEN;
	uint8_t q[64], m[128];
	struct ks_icmp_hdr h = { .type = KS_ICMP_DEST_UNREACH, .code = 3 }, r;
	struct { int off; uint8_t val; size_t len; int want; } cases[] = {
		{ -1, 0, 28, KS_ICMP_HLEN },       /* header + 8: enough */
		{ -1, 0, 27, -KS_DROP_BAD_QUOTE }, /* one byte short */
		{ -1, 0, 19, -KS_DROP_BAD_QUOTE },
		{ -1, 0, 0, -KS_DROP_BAD_QUOTE },
		{ 0, 0x65, 28, -KS_DROP_BAD_QUOTE },  /* version 6 */
		{ 0, 0x44, 28, -KS_DROP_BAD_QUOTE },  /* IHL 4 */
		{ 0, 0x46, 28, -KS_DROP_BAD_QUOTE },  /* IHL 6: needs 32 */
		{ 7, 0x01, 28, -KS_DROP_BAD_QUOTE },  /* offset 8: no ports */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(q, dg, 33);
		if (cases[i].off >= 0)
			q[cases[i].off] = cases[i].val;
		memcpy(m + KS_ICMP_HLEN, q, cases[i].len);
		ks_icmp_emit(m, KS_ICMP_HLEN + cases[i].len, &h);
		IT_EQ(t, ks_icmp_parse(m, KS_ICMP_HLEN + cases[i].len, 0, &r), cases[i].want);
	}
	/* An echo carries no quote, however short. */
	h.type = KS_ICMP_ECHO;
	ks_icmp_emit(m, KS_ICMP_HLEN, &h);
	IT_EQ(t, ks_icmp_parse(m, KS_ICMP_HLEN, 0, &r), KS_ICMP_HLEN);
	/* The builder refuses what it could not quote properly. */
	IT_EQ(t, ks_icmp_emit_error(m, sizeof(m), KS_ICMP_ECHO, 0, 0, dg, 28), -KS_EINVAL);
	IT_EQ(t, ks_icmp_emit_error(m, sizeof(m), 3, 3, 0, dg, 27), -KS_EINVAL);
	IT_EQ(t, ks_icmp_emit_error(m, sizeof(m), 3, 3, 0, dg, 19), -KS_EINVAL);
}

static bool allowed(uint8_t *dg, size_t len, bool link_bcast, bool dst_bcast)
{
	struct ks_ipv4_hdr ip;

	it_fix_ip_csum(dg);
	return ks_ipv4_parse(dg, len, &ip) > 0 && ks_icmp_error_allowed(&ip, link_bcast, dst_bcast);
}

/* RFC 1122 3.2.2: never about an ICMP error, a broadcast or multicast, a
 * link broadcast, a later fragment, or a source that is not one host. */
static void t_error_allowed(struct it_ctx *t)
{
	uint8_t dg[64];
	const uint8_t *udp = it_frame_udp + KS_ETH_HLEN, *echo = it_frame_icmp_echo + KS_ETH_HLEN;

	memcpy(dg, udp, 33);
	IT_TRUE(t, allowed(dg, 33, false, false));
	IT_TRUE(t, !allowed(dg, 33, true, false));
	IT_TRUE(t, !allowed(dg, 33, false, true));
	ks_put32(dg + 16, 0xffffffffu);
	IT_TRUE(t, !allowed(dg, 33, false, false));
	ks_put32(dg + 16, KS_IPV4(224, 0, 0, 251));
	IT_TRUE(t, !allowed(dg, 33, false, false));
	memcpy(dg, udp, 33);
	ks_put16(dg + 6, 0x2000 | 1); /* offset 8 */
	IT_TRUE(t, !allowed(dg, 33, false, false));
	ks_put16(dg + 6, 0x2000); /* a first fragment is fine */
	IT_TRUE(t, allowed(dg, 33, false, false));
	memcpy(dg, udp, 33);
	ks_put32(dg + 12, 0);
	IT_TRUE(t, !allowed(dg, 33, false, false));
	ks_put32(dg + 12, KS_IPV4(240, 0, 0, 1));
	IT_TRUE(t, !allowed(dg, 33, false, false));
	memcpy(dg, echo, 44); /* an echo request: yes */
	IT_TRUE(t, allowed(dg, 44, false, false));
	dg[20] = KS_ICMP_DEST_UNREACH; /* an error: no (checksum is not looked at) */
	IT_TRUE(t, !allowed(dg, 44, false, false));
	dg[20] = 13; /* timestamp, unknown to ksock: yes */
	IT_TRUE(t, allowed(dg, 44, false, false));
	ks_put16(dg + 2, 20); /* an empty ICMP datagram: no type to tell */
	IT_TRUE(t, !allowed(dg, 44, false, false));
}

const struct it_case it_cases_icmp[] = {
	{ "echo_known", t_echo_known },
	{ "echo_reply", t_echo_reply },
	{ "bad_checksum_truncated", t_bad_checksum_truncated },
	{ "port_unreachable", t_port_unreachable },
	{ "frag_needed_long_quote", t_frag_needed_long_quote },
	{ "parameter_problem", t_parameter_problem },
	{ "bad_quotes", t_bad_quotes },
	{ "error_allowed", t_error_allowed },
	{ 0 },
};

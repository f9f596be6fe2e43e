/*
 * test_udp.c - UDP: the known datagram, round trips, the zero checksum
 * (none) and the computed zero (sent as ffff), every length check, the
 * pseudo-header's part in the checksum, emitter limits.
 */
#include <string.h>

#include "it.h"
#include "inet/wire/checksum.h"

#define UDP (it_frame_udp + KS_ETH_HLEN + 20)
#define UDP_LEN 13

static void t_parse_known(struct it_ctx *t)
{
	struct ks_udp_hdr h;

	IT_EQ(t, ks_udp_parse(UDP, UDP_LEN, IT_ADDR_A, IT_ADDR_B, 0, &h), KS_UDP_HLEN);
	IT_TRUE(t, h.sport == 40000 && h.dport == 7 && h.len == 13 && h.csum == 0x918d);
	IT_EQ(t, h.payload_len, 5);
	IT_MEMEQ(t, h.payload, "ksock", 5);
}

static void t_emit_known(struct it_ctx *t)
{
	uint8_t d[UDP_LEN];

	memcpy(d + KS_UDP_HLEN, "ksock", 5);
	IT_EQ(t, ks_udp_emit(d, UDP_LEN, 40000, 7, IT_ADDR_A, IT_ADDR_B, true), KS_UDP_HLEN);
	IT_MEMEQ(t, d, UDP, UDP_LEN);
	/* Without a checksum (SO_NO_CHECK): the field is 0, and the receiver
	 * takes the datagram unverified (RFC 768), even damaged. */
	IT_EQ(t, ks_udp_emit(d, UDP_LEN, 40000, 7, IT_ADDR_A, IT_ADDR_B, false), KS_UDP_HLEN);
	IT_EQ(t, ks_get16(d + 6), 0);
	d[9] ^= 0xff;
	struct ks_udp_hdr h;
	IT_EQ(t, ks_udp_parse(d, UDP_LEN, IT_ADDR_A, IT_ADDR_B, 0, &h), KS_UDP_HLEN);
	IT_EQ(t, h.csum, 0);
}

/* A datagram whose checksum computes to 0 carries ffff (RFC 768), and
 * ffff verifies. The payload word is chosen to make the sum zero. */
static void t_computed_zero(struct it_ctx *t)
{
	uint8_t d[10] = { 0 };
	struct ks_udp_hdr h;

	IT_EQ(t, ks_udp_emit(d, 10, 1, 2, IT_ADDR_A, IT_ADDR_B, true), KS_UDP_HLEN);
	uint16_t c0 = ks_get16(d + 6); /* ~sum with a zero payload word */
	ks_put16(d + 8, c0);           /* now the sum is ffff: checksum 0 */
	IT_EQ(t, ks_udp_emit(d, 10, 1, 2, IT_ADDR_A, IT_ADDR_B, true), KS_UDP_HLEN);
	IT_EQ(t, ks_get16(d + 6), 0xffff);
	IT_EQ(t, ks_udp_parse(d, 10, IT_ADDR_A, IT_ADDR_B, 0, &h), KS_UDP_HLEN);
}

static void t_lengths(struct it_ctx *t)
{
	uint8_t d[64];
	struct ks_udp_hdr h;

	for (size_t len = 0; len < KS_UDP_HLEN; len++)
		IT_EQ(t, ks_udp_parse(UDP, len, IT_ADDR_A, IT_ADDR_B, 0, &h), -KS_DROP_TRUNCATED);
	/* A length field below 8: bad length, checksum or not. */
	for (unsigned ul = 0; ul < KS_UDP_HLEN; ul++) {
		memcpy(d, UDP, UDP_LEN);
		ks_put16(d + 4, (uint16_t)ul);
		IT_EQ(t, ks_udp_parse(d, UDP_LEN, IT_ADDR_A, IT_ADDR_B, 0, &h),
		      -KS_DROP_BAD_LENGTH);
	}
	/* Above what IP carried: truncated. */
	memcpy(d, UDP, UDP_LEN);
	for (size_t len = KS_UDP_HLEN; len < UDP_LEN; len++)
		IT_EQ(t, ks_udp_parse(d, len, IT_ADDR_A, IT_ADDR_B, 0, &h), -KS_DROP_TRUNCATED);
	/* Below what IP carried: the rest is ignored, checksum over 13. */
	memcpy(d + UDP_LEN, "padding", 7);
	IT_EQ(t, ks_udp_parse(d, UDP_LEN + 7, IT_ADDR_A, IT_ADDR_B, 0, &h), KS_UDP_HLEN);
	IT_EQ(t, h.payload_len, 5);
	/* An empty datagram is fine. */
	IT_EQ(t, ks_udp_emit(d, 8, 5, 6, IT_ADDR_A, IT_ADDR_B, true), KS_UDP_HLEN);
	IT_EQ(t, ks_udp_parse(d, 8, IT_ADDR_A, IT_ADDR_B, 0, &h), KS_UDP_HLEN);
	IT_EQ(t, h.payload_len, 0);
}

/* Any damaged byte, or another pseudo-header, fails the checksum, unless
 * the device says it checked (KS_WIRE_CSUM_OK). */
static void t_bad_checksum(struct it_ctx *t)
{
	uint8_t d[UDP_LEN];
	struct ks_udp_hdr h;

	for (size_t i = 0; i < UDP_LEN; i++) {
		if (i == 4 || i == 5)
			continue; /* the length: checked first */
		memcpy(d, UDP, UDP_LEN);
		d[i] ^= 0x01;
		if (ks_get16(d + 6) == 0)
			continue;
		IT_EQ(t, ks_udp_parse(d, UDP_LEN, IT_ADDR_A, IT_ADDR_B, 0, &h),
		      -KS_DROP_BAD_CHECKSUM);
		IT_EQ(t, ks_udp_parse(d, UDP_LEN, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h),
		      KS_UDP_HLEN);
	}
	IT_EQ(t, ks_udp_parse(UDP, UDP_LEN, IT_ADDR_A, IT_ADDR_A, 0, &h), -KS_DROP_BAD_CHECKSUM);
	IT_EQ(t, ks_udp_parse(UDP, UDP_LEN, IT_ADDR_A, KS_IPV4(198, 18, 0, 3), 0, &h),
	      -KS_DROP_BAD_CHECKSUM);
	/* (Swapping source and destination leaves the sum as it is.) */
	IT_EQ(t, ks_udp_parse(UDP, UDP_LEN, IT_ADDR_B, IT_ADDR_A, 0, &h), KS_UDP_HLEN);
}

/* Round trips over sizes 0..600 and a full 65507-byte payload (the most
 * an IPv4 datagram with a 20-byte header holds). */
static void t_round_trip_sizes(struct it_ctx *t)
{
	static uint8_t d[65535];
	struct ks_udp_hdr h;

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n <= 600; n++) {
		IT_EQ(t, ks_udp_emit(d, KS_UDP_HLEN + n, 1234, 53, IT_ADDR_B, IT_ADDR_A, true), 8);
		IT_EQ(t, ks_udp_parse(d, KS_UDP_HLEN + n, IT_ADDR_B, IT_ADDR_A, 0, &h), 8);
		IT_TRUE(t, h.payload_len == n && h.sport == 1234 && h.dport == 53);
	}
	IT_EQ(t, ks_udp_emit(d, 65515, 1, 2, IT_ADDR_A, IT_ADDR_B, true), 8);
	IT_EQ(t, ks_udp_parse(d, 65515, IT_ADDR_A, IT_ADDR_B, 0, &h), 8);
	IT_EQ(t, h.payload_len, 65507);
	IT_EQ(t, ks_udp_emit(d, 7, 1, 2, 0, 0, true), -KS_EINVAL);
	IT_EQ(t, ks_udp_emit(d, 65536, 1, 2, 0, 0, true), -KS_EINVAL);
}

const struct it_case it_cases_udp[] = {
	{ "parse_known", t_parse_known },
	{ "emit_known", t_emit_known },
	{ "computed_zero", t_computed_zero },
	{ "lengths", t_lengths },
	{ "bad_checksum", t_bad_checksum },
	{ "round_trip_sizes", t_round_trip_sizes },
	{ 0 },
};

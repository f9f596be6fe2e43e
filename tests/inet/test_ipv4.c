/*
 * test_ipv4.c - IPv4 header parse and emit: the known frames, round trips
 * with and without options, and every malformed header ipv4.h lists, each
 * giving its drop reason.
 */
#include <string.h>

#include "it.h"
#include "inet/wire/checksum.h"

#define IP(f) ((f) + KS_ETH_HLEN)

/* A 20-byte header with 8 bytes of data, A to B, checksum right. */
static size_t plain(uint8_t *b)
{
	struct ks_ipv4_hdr h = { .tot_len = 28, .id = 7, .ttl = 64, .proto = KS_IPPROTO_UDP,
				 .src = IT_ADDR_A, .dst = IT_ADDR_B };

	memset(b, 0xab, 64);
	return (size_t)ks_ipv4_emit(b, 64, &h) + 8;
}

static void t_parse_known(struct it_ctx *t)
{
	struct ks_ipv4_hdr h;

	IT_EQ(t, ks_ipv4_parse(IP(it_frame_udp), sizeof(it_frame_udp) - KS_ETH_HLEN, &h), 20);
	IT_EQ(t, h.tot_len, 33);
	IT_EQ(t, h.id, 0x1c46);
	IT_TRUE(t, h.df && !h.mf && h.frag_off == 0);
	IT_EQ(t, h.ttl, 64);
	IT_EQ(t, h.proto, KS_IPPROTO_UDP);
	IT_EQ(t, h.csum, 0x925e);
	IT_EQ(t, h.src, IT_ADDR_A);
	IT_EQ(t, h.dst, IT_ADDR_B);
	IT_EQ(t, h.payload_len, 13);
	IT_TRUE(t, h.payload == IP(it_frame_udp) + 20 && h.opt_len == 0);
}

/* Emitting the parsed header of a known frame gives its bytes back. */
static void t_emit_known(struct it_ctx *t)
{
	struct ks_ipv4_hdr h;
	uint8_t out[20];

	IT_TRUE(t, ks_ipv4_parse(IP(it_frame_icmp_echo), 44, &h) == 20);
	IT_EQ(t, ks_ipv4_emit(out, sizeof(out), &h), 20);
	IT_MEMEQ(t, out, IP(it_frame_icmp_echo), 20);
}

static void t_round_trip_options(struct it_ctx *t)
{
	/* Record route (7), length 7, pointer 4, one empty slot; then EOL. */
	static const uint8_t opt[8] = { 7, 7, 4, 0, 0, 0, 0, KS_IPOPT_EOL };
	struct ks_ipv4_hdr in = { .tos = 0x10, .tot_len = 28 + 8, .id = 0xbeef, .mf = true,
				  .frag_off = 1480, .ttl = 1, .proto = 99, .src = IT_ADDR_B,
				  .dst = KS_IPV4(198, 19, 255, 255), .opt = opt, .opt_len = 8 };
	uint8_t b[64];
	struct ks_ipv4_hdr h;

	IT_EQ(t, ks_ipv4_emit(b, sizeof(b), &in), 28);
	IT_EQ(t, b[0], 0x47);
	IT_EQ(t, ks_ipv4_parse(b, 36, &h), 28);
	IT_TRUE(t, h.tos == 0x10 && h.id == 0xbeef && h.mf && !h.df && h.frag_off == 1480);
	IT_TRUE(t, h.ttl == 1 && h.proto == 99 && h.src == IT_ADDR_B && h.dst == in.dst);
	IT_TRUE(t, h.opt_len == 8 && memcmp(h.opt, opt, 8) == 0 && h.payload_len == 8);
	IT_TRUE(t, ks_ipv4_is_fragment(&h));
}

static void t_truncated_every_offset(struct it_ctx *t)
{
	uint8_t b[64];
	struct ks_ipv4_hdr h;
	size_t n = plain(b);

	for (size_t len = 0; len < n; len++)
		IT_EQ(t, ks_ipv4_parse(b, len, &h), -KS_DROP_TRUNCATED);
	IT_EQ(t, ks_ipv4_parse(b, n, &h), 20);
}

static void t_bad_version_ihl(struct it_ctx *t)
{
	uint8_t b[64];
	struct ks_ipv4_hdr h;

	for (int v = 0; v < 16; v++) {
		plain(b);
		b[0] = (uint8_t)(v << 4 | 5);
		it_fix_ip_csum(b);
		IT_EQ(t, ks_ipv4_parse(b, 28, &h), v == 4 ? 20 : -KS_DROP_BAD_VERSION);
	}
	for (int ihl = 0; ihl < 5; ihl++) {
		plain(b);
		b[0] = (uint8_t)(0x40 | ihl);
		IT_EQ(t, ks_ipv4_parse(b, 28, &h), -KS_DROP_BAD_IHL);
	}
	/* IHL 15 (60 bytes) in a 28-byte buffer: the header runs past it. */
	plain(b);
	b[0] = 0x4f;
	IT_EQ(t, ks_ipv4_parse(b, 28, &h), -KS_DROP_TRUNCATED);
	/* IHL 6 with a NOP word: a good header if the lengths agree. */
	plain(b);
	b[0] = 0x46;
	memset(b + 20, KS_IPOPT_NOP, 4);
	it_fix_ip_csum(b);
	IT_EQ(t, ks_ipv4_parse(b, 28, &h), 24);
	IT_EQ(t, h.payload_len, 4);
}

static void t_bad_checksum(struct it_ctx *t)
{
	uint8_t b[64];
	struct ks_ipv4_hdr h;

	for (int i = 0; i < 20; i++) {
		plain(b);
		b[i] ^= 0x04; /* any single flipped bit breaks the sum */
		if (i == 0)
			continue; /* that is IHL 1: caught earlier */
		IT_EQ(t, ks_ipv4_parse(b, 28, &h), -KS_DROP_BAD_CHECKSUM);
	}
}

static void t_total_length(struct it_ctx *t)
{
	uint8_t b[64];
	struct ks_ipv4_hdr h;
	size_t n = plain(b);

	/* Larger than the buffer: truncated (Linux's InTruncatedPkts). */
	ks_put16(b + 2, (uint16_t)(n + 1));
	it_fix_ip_csum(b);
	IT_EQ(t, ks_ipv4_parse(b, n, &h), -KS_DROP_TRUNCATED);
	/* Smaller than the header: bad length, whatever the buffer. */
	for (unsigned tl = 0; tl < 20; tl++) {
		ks_put16(b + 2, (uint16_t)tl);
		it_fix_ip_csum(b);
		IT_EQ(t, ks_ipv4_parse(b, n, &h), -KS_DROP_BAD_LENGTH);
	}
	/* Smaller than the buffer but whole: the rest is link padding. */
	ks_put16(b + 2, 24);
	it_fix_ip_csum(b);
	IT_EQ(t, ks_ipv4_parse(b, n + 30, &h), 20);
	IT_EQ(t, h.payload_len, 4);
	ks_put16(b + 2, 20);
	it_fix_ip_csum(b);
	IT_EQ(t, ks_ipv4_parse(b, n, &h), 20);
	IT_EQ(t, h.payload_len, 0);
}

/* Offset plus data must leave room for a minimal header in 65535 bytes. */
static void t_fragment_overflow(struct it_ctx *t)
{
	uint8_t b[64];
	struct ks_ipv4_hdr h;

	struct { unsigned off8, data; int want; } cases[] = {
		{ 8191, 8, -KS_DROP_BAD_FRAGMENT },  /* 65528 + 8 */
		{ 8191, 0, -KS_DROP_BAD_FRAGMENT },  /* 65528: past 65515 alone */
		{ 8189, 3, 20 },                     /* 65512 + 3 = 65515: the last byte */
		{ 8189, 4, -KS_DROP_BAD_FRAGMENT },  /* one more */
		{ 185, 8, 20 },                      /* an ordinary fragment */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		plain(b);
		ks_put16(b + 2, (uint16_t)(20 + cases[i].data));
		ks_put16(b + 6, (uint16_t)(0x2000 | cases[i].off8));
		it_fix_ip_csum(b);
		IT_EQ(t, ks_ipv4_parse(b, 28, &h), cases[i].want);
	}
}

/* Options: well formed ones pass; lengths below 2 or past the header,
 * a type octet without its length, and source routes are dropped. */
static void t_options(struct it_ctx *t)
{
	static const struct { uint8_t o[8]; int want; } cases[] = {
		{ { 1, 1, 1, 1, 1, 1, 1, 0 }, 28 },          /* NOPs, EOL */
		{ { 0, 0xff, 0xff, 0xff, 0, 0, 0, 0 }, 28 }, /* anything after EOL */
		{ { 7, 7, 4, 0, 0, 0, 0, 1 }, 28 },          /* record route, NOP */
		{ { 7, 8, 4, 0, 0, 0, 0, 0 }, 28 },          /* exactly to the end */
		{ { 7, 9, 4, 0, 0, 0, 0, 0 }, -KS_DROP_BAD_OPTIONS }, /* one past */
		{ { 7, 0, 0, 0, 0, 0, 0, 0 }, -KS_DROP_BAD_OPTIONS }, /* length 0 */
		{ { 7, 1, 0, 0, 0, 0, 0, 0 }, -KS_DROP_BAD_OPTIONS }, /* length 1 */
		{ { 1, 1, 1, 1, 1, 1, 1, 0x44 }, -KS_DROP_BAD_OPTIONS }, /* no length octet */
		{ { 0x83, 7, 4, 1, 2, 3, 4, 0 }, -KS_DROP_SOURCE_ROUTE }, /* LSRR */
		{ { 1, 0x89, 6, 4, 1, 2, 0, 0 }, -KS_DROP_SOURCE_ROUTE }, /* SSRR */
	};
	uint8_t b[64];
	struct ks_ipv4_hdr h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ks_ipv4_hdr in = { .tot_len = 36, .ttl = 64, .proto = 17, .src = IT_ADDR_A,
					  .dst = IT_ADDR_B, .opt = cases[i].o, .opt_len = 8 };
		IT_EQ(t, ks_ipv4_emit(b, sizeof(b), &in), 28);
		IT_EQ(t, ks_ipv4_parse(b, 36, &h), cases[i].want);
	}
}

/* RFC 1122 3.2.1.3: multicast and limited-broadcast sources are dropped;
 * other odd sources are left to the stack (0.0.0.0 is DHCP's). */
static void t_source_address(struct it_ctx *t)
{
	static const struct { uint32_t src; int want; } cases[] = {
		{ KS_IPV4(224, 0, 0, 1), -KS_DROP_BAD_ADDRESS },
		{ KS_IPV4(239, 255, 255, 250), -KS_DROP_BAD_ADDRESS },
		{ 0xffffffffu, -KS_DROP_BAD_ADDRESS },
		{ 0, 20 },
		{ KS_IPV4(127, 0, 0, 1), 20 },
		{ KS_IPV4(198, 19, 255, 255), 20 },
	};
	uint8_t b[64];
	struct ks_ipv4_hdr h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		plain(b);
		ks_put32(b + 12, cases[i].src);
		it_fix_ip_csum(b);
		IT_EQ(t, ks_ipv4_parse(b, 28, &h), cases[i].want);
	}
}

static void t_emit_errors(struct it_ctx *t)
{
	static const uint8_t opt[44];
	uint8_t b[64];
	struct ks_ipv4_hdr h = { .tot_len = 20, .src = 1, .dst = 2 };

	IT_EQ(t, ks_ipv4_emit(b, 19, &h), -KS_ENOBUFS);
	h.tot_len = 19;
	IT_EQ(t, ks_ipv4_emit(b, 64, &h), -KS_EINVAL);
	h.tot_len = 40;
	h.frag_off = 4;
	IT_EQ(t, ks_ipv4_emit(b, 64, &h), -KS_EINVAL);
	h.frag_off = 0;
	h.opt = opt;
	h.opt_len = 3;
	IT_EQ(t, ks_ipv4_emit(b, 64, &h), -KS_EINVAL);
	h.opt_len = 44;
	h.tot_len = 100;
	IT_EQ(t, ks_ipv4_emit(b, 64, &h), -KS_EINVAL);
	h.opt_len = 40;
	IT_EQ(t, ks_ipv4_emit(b, 59, &h), -KS_ENOBUFS);
	IT_EQ(t, ks_ipv4_emit(b, 60, &h), 60);
}

static void t_address_classes(struct it_ctx *t)
{
	IT_TRUE(t, ks_ipv4_is_multicast(KS_IPV4(224, 0, 0, 0)));
	IT_TRUE(t, ks_ipv4_is_multicast(KS_IPV4(239, 255, 255, 255)));
	IT_TRUE(t, !ks_ipv4_is_multicast(KS_IPV4(240, 0, 0, 0)));
	IT_TRUE(t, !ks_ipv4_is_multicast(KS_IPV4(223, 255, 255, 255)));
	IT_TRUE(t, ks_ipv4_is_lbcast(0xffffffffu));
	IT_TRUE(t, !ks_ipv4_is_lbcast(KS_IPV4(198, 19, 255, 255)));
	IT_TRUE(t, ks_ipv4_is_loopback(KS_IPV4(127, 1, 2, 3)) && !ks_ipv4_is_loopback(IT_ADDR_A));
	IT_TRUE(t, ks_ipv4_is_zeronet(KS_IPV4(0, 1, 2, 3)) && !ks_ipv4_is_zeronet(IT_ADDR_A));
}

const struct it_case it_cases_ipv4[] = {
	{ "parse_known", t_parse_known },
	{ "emit_known", t_emit_known },
	{ "round_trip_options", t_round_trip_options },
	{ "truncated_every_offset", t_truncated_every_offset },
	{ "bad_version_ihl", t_bad_version_ihl },
	{ "bad_checksum", t_bad_checksum },
	{ "total_length", t_total_length },
	{ "fragment_overflow", t_fragment_overflow },
	{ "options", t_options },
	{ "source_address", t_source_address },
	{ "emit_errors", t_emit_errors },
	{ "address_classes", t_address_classes },
	{ 0 },
};

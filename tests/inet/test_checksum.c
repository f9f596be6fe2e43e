/*
 * test_checksum.c - the Internet checksum against known vectors: RFC 1071's
 * example, a textbook IPv4 header, RFC 1624's incremental-update corner
 * case; piecewise sums at every split; updates against recomputation.
 */
#include <string.h>

#include "it.h"
#include "inet/wire/checksum.h"

/* A small deterministic generator (xorshift32) for property checks. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* RFC 1071 3 "Numerical Examples": 00 01 f2 03 f4 f5 f6 f7 sums to
 * 2ddf0, folds to ddf2; the checksum is its complement. */
static void t_rfc1071_example(struct it_ctx *t)
{
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	IT_EQ(t, ks_csum_fold(ks_csum_partial(b, 8, 0)), 0xddf2);
	IT_EQ(t, ks_csum(b, 8), 0x220d);
	/* RFC 1071 2(B): the sum of the byte-swapped words is the swapped sum. */
	static const uint8_t sw[8] = { 0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6 };
	IT_EQ(t, ks_csum_fold(ks_csum_partial(sw, 8, 0)), 0xf2dd);
	/* An odd byte is padded with a zero on the right (RFC 1071 1). */
	IT_EQ(t, ks_csum_fold(ks_csum_partial(b, 3, 0)), 0xf201);
	IT_EQ(t, ks_csum(b, 0), 0xffff);
}

/* A well-known IPv4 header (192.168.0.1 -> 192.168.0.199, UDP): its
 * checksum is b861, and with it in place the header sums to ffff. */
static void t_ipv4_header_vector(struct it_ctx *t)
{
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	IT_EQ(t, ks_csum(h, 20), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	IT_EQ(t, ks_csum_fold(ks_csum_partial(h, 20, 0)), 0xffff);
	IT_EQ(t, ks_csum(h, 20), 0);
}

/* Sums taken in two pieces, split at every offset (odd ones shifted),
 * equal the sum taken at once; so do sums with a running start value. */
static void t_split_every_offset(struct it_ctx *t)
{
	uint8_t b[67];
	uint32_t s = 12345;

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)rnd(&s);
	for (size_t n = 0; n <= sizeof(b); n++) {
		uint16_t whole = ks_csum_fold(ks_csum_partial(b, n, 0));
		for (size_t k = 0; k <= n; k++) {
			uint32_t a = ks_csum_partial(b, k, 0);
			uint32_t c = ks_csum_shift(ks_csum_partial(b + k, n - k, 0), k);
			IT_EQ(t, ks_csum_fold(ks_csum_add(a, c)), whole);
		}
		IT_EQ(t, ks_csum_fold(ks_csum_partial(b + 4, n > 4 ? n - 4 : 0,
						      ks_csum_partial(b, n > 4 ? 4 : n, 0))),
		      whole);
	}
}

/* Long buffers must not overflow the accumulator: 1 MiB of 0xff. */
static void t_long_buffer(struct it_ctx *t)
{
	static uint8_t big[1 << 20];

	memset(big, 0xff, sizeof(big));
	IT_EQ(t, ks_csum_fold(ks_csum_partial(big, sizeof(big), 0)), 0xffff);
	big[0] = 0xfe; /* one less: 0xfeff + (2^19 - 1) * 0xffff */
	IT_EQ(t, ks_csum_fold(ks_csum_partial(big, sizeof(big), 0)), 0xfeff);
}

/* RFC 1624 4: m = 5555 becomes m' = 3285 where the rest sums to cd7a.
 * HC = dd2f; recomputation gives 0000; eqn. 3 must too (eqn. 2 gave ffff). */
static void t_rfc1624_example(struct it_ctx *t)
{
	IT_EQ(t, ks_csum_finish(0xcd7a + 0x5555), 0xdd2f);
	IT_EQ(t, ks_csum_finish(0xcd7a + 0x3285), 0x0000);
	IT_EQ(t, ks_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

/* Incremental updates (TTL decrement, address rewrite) equal recomputing,
 * over many random headers. */
static void t_update_vs_recompute(struct it_ctx *t)
{
	uint32_t s = 777;
	uint8_t h[20];

	for (int i = 0; i < 20000; i++) {
		for (int j = 0; j < 20; j++)
			h[j] = (uint8_t)rnd(&s);
		h[10] = h[11] = 0;
		uint16_t c = ks_csum(h, 20);
		uint16_t old16 = ks_get16(h + 8), new16 = (uint16_t)rnd(&s);
		ks_put16(h + 8, new16);
		uint16_t want = ks_csum(h, 20);
		IT_EQ(t, ks_csum_update16(c, old16, new16), want);
		uint32_t old32 = ks_get32(h + 12), new32 = rnd(&s);
		ks_put32(h + 12, new32);
		IT_EQ(t, ks_csum_update32(want, old32, new32), ks_csum(h, 20));
	}
}

/* The pseudo-header (RFC 768) sums the addresses as 16-bit words, the
 * protocol and the length: compare with the bytes laid out. */
static void t_pseudo_header(struct it_ctx *t)
{
	uint8_t ph[12];

	ks_put32(ph, IT_ADDR_A);
	ks_put32(ph + 4, KS_IPV4(255, 255, 255, 255));
	ph[8] = 0;
	ph[9] = KS_IPPROTO_UDP;
	ks_put16(ph + 10, 0xfff7);
	IT_EQ(t, ks_csum_fold(ks_csum_pseudo_ipv4(IT_ADDR_A, 0xffffffffu, KS_IPPROTO_UDP, 0xfff7)),
	      ks_csum_fold(ks_csum_partial(ph, 12, 0)));
}

/* Byte-order helpers: round trips and known layouts. */
static void t_byte_order(struct it_ctx *t)
{
	uint8_t b[4];

	ks_put32(b, 0xc6120001);
	IT_TRUE(t, b[0] == 198 && b[1] == 18 && b[2] == 0 && b[3] == 1);
	IT_EQ(t, ks_get32(b), KS_IPV4(198, 18, 0, 1));
	ks_put16(b, 0x1234);
	IT_TRUE(t, b[0] == 0x12 && b[1] == 0x34);
	uint16_t v16 = ks_hton16(0x1234);
	uint32_t v32 = ks_hton32(0xc6120001);
	IT_MEMEQ(t, &v16, "\x12\x34", 2);
	IT_MEMEQ(t, &v32, "\xc6\x12\x00\x01", 4);
	IT_EQ(t, ks_ntoh16(v16), 0x1234);
	IT_EQ(t, ks_ntoh32(v32), 0xc6120001);
}

const struct it_case it_cases_checksum[] = {
	{ "rfc1071_example", t_rfc1071_example },
	{ "ipv4_header_vector", t_ipv4_header_vector },
	{ "split_every_offset", t_split_every_offset },
	{ "long_buffer", t_long_buffer },
	{ "rfc1624_example", t_rfc1624_example },
	{ "update_vs_recompute", t_update_vs_recompute },
	{ "pseudo_header", t_pseudo_header },
	{ "byte_order", t_byte_order },
	{ 0 },
};

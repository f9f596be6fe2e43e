/*
 * test_tcp_wire.c - TCP headers and options (wire/tcp.h): a known SYN
 * byte for byte, truncation at every length, data offsets, checksums,
 * Linux's tolerant option parse ("silly" lengths end the parse but keep
 * the segment), option layout and SACK room, round trips; and malformed
 * segments given to a pcb through the parse (nothing changes).
 */
#include <string.h>

#include "tcp_harness.h"

/* A Linux SYN from 198.18.0.1:40000 to 198.18.0.2:80, seq 0x01020304,
 * MSS 1460, SACK-permitted, TS 0x11223344/0, WS 7; its checksum worked
 * out by hand from RFC 1071's sum over the pseudo-header and header. */
static const uint8_t syn[40] = {
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static uint16_t csum_of(const uint8_t *seg, size_t len)
{
	/* The one's complement sum, independently of wire/checksum.c. */
	uint32_t sum = (198 << 8 | 18) + (0 << 8 | 1) + (198 << 8 | 18) + (0 << 8 | 2) + 6 +
		       (uint32_t)len;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)seg[i] << 8 | seg[i + 1];
	if (len & 1)
		sum += (uint32_t)seg[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void known(uint8_t *b)
{
	memcpy(b, syn, sizeof(syn));
	uint16_t c = csum_of(b, sizeof(syn));
	b[16] = (uint8_t)(c >> 8);
	b[17] = (uint8_t)c;
}

static void t_parse_syn(struct it_ctx *t)
{
	uint8_t b[40];
	struct ks_tcp_hdr h;

	known(b);
	IT_EQ(t, ks_tcp_parse(b, 40, IT_ADDR_A, IT_ADDR_B, 0, &h), 40);
	IT_TRUE(t, h.sport == 40000 && h.dport == 80 && h.seq == 0x01020304 && h.ack == 0);
	IT_TRUE(t, h.flags == KS_TCP_SYN && h.wnd == 64240 && h.hlen == 40);
	IT_TRUE(t, h.opt.mss_ok && h.opt.mss == 1460 && h.opt.sack_perm);
	IT_TRUE(t, h.opt.ts_ok && h.opt.tsval == 0x11223344 && h.opt.tsecr == 0);
	IT_TRUE(t, h.opt.ws_ok && h.opt.ws == 7 && h.opt.nsack == 0);
	IT_EQ(t, h.payload_len, 0);
	/* Emitted again, the same bytes. */
	uint8_t o[40];
	IT_EQ(t, ks_tcp_emit(o, 40, &h, IT_ADDR_A, IT_ADDR_B), 40);
	IT_MEMEQ(t, o, b, 40);
}

/* Every length below the header and below the data offset. */
static void t_truncated(struct it_ctx *t)
{
	uint8_t b[40];
	struct ks_tcp_hdr h;

	known(b);
	for (size_t n = 0; n < 20; n++)
		IT_EQ(t, ks_tcp_parse(b, n, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h),
		      -KS_DROP_TRUNCATED);
	for (size_t n = 20; n < 40; n++)
		IT_EQ(t, ks_tcp_parse(b, n, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h),
		      -KS_DROP_TRUNCATED);
	IT_EQ(t, ks_tcp_parse(b, 40, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h), 40);
}

/* Data offset below 5 words: bad length (checked before the checksum). */
static void t_data_offset(struct it_ctx *t)
{
	uint8_t b[64];
	struct ks_tcp_hdr h;

	for (unsigned doff = 0; doff < 16; doff++) {
		known(b);
		memset(b + 40, 0xab, 24);
		b[12] = (uint8_t)(doff << 4);
		int want = doff < 5 ? -KS_DROP_BAD_LENGTH : doff * 4 > 44 ? -KS_DROP_TRUNCATED
									  : (int)doff * 4;
		IT_EQ(t, ks_tcp_parse(b, 44, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h), want);
		if (want > 0)
			IT_EQ(t, h.payload_len, 44 - doff * 4);
	}
	/* The reserved bits beside the offset are ignored. */
	known(b);
	b[12] |= 0x0f;
	IT_EQ(t, ks_tcp_parse(b, 40, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h), 40);
}

/* Any single flipped bit fails the checksum, and so does another
 * pseudo-header; KS_WIRE_CSUM_OK believes the device. */
static void t_checksum(struct it_ctx *t)
{
	uint8_t b[45];
	struct ks_tcp_hdr h;

	for (size_t i = 0; i < 45 * 8; i++) {
		known(b);
		memcpy(b + 40, "hello", 5);
		b[12] = 0xa0;
		uint16_t c = 0;
		b[16] = b[17] = 0;
		c = csum_of(b, 45);
		b[16] = (uint8_t)(c >> 8);
		b[17] = (uint8_t)c;
		if (i == 0)
			IT_EQ(t, ks_tcp_parse(b, 45, IT_ADDR_A, IT_ADDR_B, 0, &h), 40);
		if (i / 8 == 12)
			continue; /* the data offset: checked before the sum */
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		IT_EQ(t, ks_tcp_parse(b, 45, IT_ADDR_A, IT_ADDR_B, 0, &h), -KS_DROP_BAD_CHECKSUM);
		IT_EQ(t, ks_tcp_parse(b, 45, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, &h), 40);
	}
	known(b);
	IT_EQ(t, ks_tcp_parse(b, 40, IT_ADDR_A, KS_IPV4(198, 18, 0, 3), 0, &h),
	      -KS_DROP_BAD_CHECKSUM);
	/* An odd length sums its last byte as the high half of a word. */
	uint8_t e[21] = {0};
	e[12] = 0x50;
	e[20] = 0x7f;
	uint16_t c = csum_of(e, 21);
	e[16] = (uint8_t)(c >> 8);
	e[17] = (uint8_t)c;
	IT_EQ(t, ks_tcp_parse(e, 21, IT_ADDR_A, IT_ADDR_B, 0, &h), 20);
	IT_EQ(t, h.payload_len, 1);
}

/* Builds a header of 20 + n option bytes and parses it (no checksum). */
static int opts_parse(const uint8_t *opt, unsigned n, struct ks_tcp_hdr *h)
{
	uint8_t b[60] = {0};

	memcpy(b + 20, opt, n);
	b[12] = (uint8_t)(((20 + n + 3) / 4) << 4);
	return ks_tcp_parse(b, 20 + (n + 3) / 4 * 4, IT_ADDR_A, IT_ADDR_B, KS_WIRE_CSUM_OK, h);
}

/* Linux's tcp_parse_options: a length below 2 or past the header ends
 * the parse, keeping what came before and the segment; a known kind with
 * the wrong length is skipped; unknown kinds are skipped; EOL ends. */
static void t_silly_options(struct it_ctx *t)
{
	struct ks_tcp_hdr h;
	static const uint8_t len0[] = {2, 4, 5, 0xb4, 8, 0, 3, 3, 7, 0, 0, 0};
	static const uint8_t len1[] = {2, 4, 5, 0xb4, 99, 1, 3, 3, 7, 0, 0, 0};
	static const uint8_t past[] = {2, 4, 5, 0xb4, 1, 3, 3, 7, 8, 10, 1, 2};
	static const uint8_t wrong[] = {2, 5, 5, 0xb4, 0, 3, 3, 7, 1, 1, 1, 1};
	static const uint8_t unknown[] = {30, 6, 1, 2, 3, 4, 3, 3, 9, 4, 2, 0};
	static const uint8_t eol[] = {1, 0, 2, 4, 5, 0xb4, 0, 0};
	static const uint8_t lonely[] = {1, 1, 1, 2};
	static const uint8_t ws_big[] = {1, 3, 3, 200};

	IT_EQ(t, opts_parse(len0, sizeof(len0), &h), 32);
	IT_TRUE(t, h.opt.mss_ok && h.opt.mss == 1460 && !h.opt.ts_ok && !h.opt.ws_ok);
	IT_EQ(t, opts_parse(len1, sizeof(len1), &h), 32);
	IT_TRUE(t, h.opt.mss_ok && !h.opt.ws_ok);
	IT_EQ(t, opts_parse(past, sizeof(past), &h), 32);
	IT_TRUE(t, h.opt.mss_ok && h.opt.ws_ok && h.opt.ws == 7 && !h.opt.ts_ok);
	IT_EQ(t, opts_parse(wrong, sizeof(wrong), &h), 32);
	IT_TRUE(t, !h.opt.mss_ok && h.opt.ws_ok && h.opt.ws == 7); /* MSS of length 5 skipped */
	IT_EQ(t, opts_parse(unknown, sizeof(unknown), &h), 32);
	IT_TRUE(t, h.opt.ws_ok && h.opt.ws == 9 && h.opt.sack_perm);
	IT_EQ(t, opts_parse(eol, sizeof(eol), &h), 28);
	IT_TRUE(t, !h.opt.mss_ok);
	IT_EQ(t, opts_parse(lonely, sizeof(lonely), &h), 24); /* kind without a length */
	IT_TRUE(t, !h.opt.mss_ok);
	IT_EQ(t, opts_parse(ws_big, sizeof(ws_big), &h), 24);
	IT_TRUE(t, h.opt.ws_ok && h.opt.ws == 200); /* the receiver clamps */
	/* SACK: blocks of 8; a bad length is skipped. */
	uint8_t sack[40] = {1, 1, 5, 18};
	for (int i = 0; i < 16; i++)
		sack[4 + i] = (uint8_t)(i + 1);
	IT_EQ(t, opts_parse(sack, 20, &h), 40);
	IT_EQ(t, h.opt.nsack, 2);
	IT_TRUE(t, h.opt.sack[0][0] == 0x01020304 && h.opt.sack[1][1] == 0x0d0e0f10);
	sack[3] = 17;
	IT_EQ(t, opts_parse(sack, 20, &h), 40);
	IT_EQ(t, h.opt.nsack, 0);
	uint8_t sack4[40] = {5, 34};
	IT_EQ(t, opts_parse(sack4, 36, &h), 56);
	IT_EQ(t, h.opt.nsack, 4); /* the most 40 bytes of options hold */
}

/* Option layout as Linux writes it, and SACK blocks that fit: 4 alone,
 * 3 beside timestamps. */
static void t_emit_layout(struct it_ctx *t)
{
	struct ks_tcp_hdr h = {0}, r;
	uint8_t b[80];

	h.opt.sack_perm = true;
	IT_EQ(t, ks_tcp_opts_len(&h.opt), 4);
	h.opt.sack_perm = false;
	h.opt.nsack = 4;
	for (int i = 0; i < 4; i++) {
		h.opt.sack[i][0] = 100u * i;
		h.opt.sack[i][1] = 100u * i + 50;
	}
	IT_EQ(t, ks_tcp_opts_len(&h.opt), 36);
	h.opt.ts_ok = true;
	IT_EQ(t, ks_tcp_opts_len(&h.opt), 12 + 4 + 24);
	h.hlen = 60;
	IT_EQ(t, ks_tcp_emit(b, 60, &h, IT_ADDR_A, IT_ADDR_B), 60);
	static const uint8_t lay[] = {1, 1, 8, 10};
	IT_MEMEQ(t, b + 20, lay, 4);
	static const uint8_t sl[] = {1, 1, 5, 26};
	IT_MEMEQ(t, b + 32, sl, 4);
	IT_EQ(t, ks_tcp_parse(b, 60, IT_ADDR_A, IT_ADDR_B, 0, &r), 60);
	IT_TRUE(t, r.opt.ts_ok && r.opt.nsack == 3 && r.opt.sack[2][1] == 250);
	/* Wrong hlen, too short, too long. */
	h.hlen = 56;
	IT_EQ(t, ks_tcp_emit(b, 60, &h, IT_ADDR_A, IT_ADDR_B), -KS_EINVAL);
	h.hlen = 60;
	IT_EQ(t, ks_tcp_emit(b, 59, &h, IT_ADDR_A, IT_ADDR_B), -KS_EINVAL);
	static uint8_t big[70000];
	IT_EQ(t, ks_tcp_emit(big, 65536, &h, IT_ADDR_A, IT_ADDR_B), -KS_EINVAL);
	IT_EQ(t, ks_tcp_parse(big, 65536, IT_ADDR_A, IT_ADDR_B, 0, &r), -KS_DROP_BAD_LENGTH);
}

/* Malformed segments through the parse never reach a pcb; one with silly
 * options does, and works. */
TH_CASE(t_malformed_to_pcb)
{
	uint8_t b[64];
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	/* A data segment with a broken option list. */
	memset(b, 0, sizeof(b));
	ks_put16(b, TH_PEER_PORT);
	ks_put16(b + 2, TH_LOCAL_PORT);
	ks_put32(b + 4, TH_PEER_ISS + 1);
	ks_put32(b + 8, nxt);
	b[12] = 0x60;
	b[13] = PA;
	ks_put16(b + 14, 1024);
	b[20] = 8;
	b[21] = 0; /* silly length */
	memcpy(b + 24, "data", 4);
	uint16_t c = csum_of(b, 28);
	/* csum_of assumes A -> B; here the peer sends B -> A: the sum is
	 * symmetric in the two addresses. */
	b[16] = (uint8_t)(c >> 8);
	b[17] = (uint8_t)c;
	IT_EQ(t, th_in_raw(a, b, 28, TH_PEER, TH_LOCAL, 0), 0);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, TH_PEER_ISS + 5, 0);
	/* Bad checksum, truncated, bad offset: dropped before the pcb. */
	b[27] ^= 1;
	IT_EQ(t, th_in_raw(a, b, 28, TH_PEER, TH_LOCAL, 0), -KS_DROP_BAD_CHECKSUM);
	IT_EQ(t, th_in_raw(a, b, 19, TH_PEER, TH_LOCAL, 0), -KS_DROP_TRUNCATED);
	b[12] = 0x40;
	IT_EQ(t, th_in_raw(a, b, 28, TH_PEER, TH_LOCAL, 0), -KS_DROP_BAD_LENGTH);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.segs_in, 2);
	th_drain(a);
}

const struct it_case it_cases_tcp_wire[] = {
	{"parse_syn", t_parse_syn},
	{"truncated", t_truncated},
	{"data_offset", t_data_offset},
	{"checksum", t_checksum},
	{"silly_options", t_silly_options},
	{"emit_layout", t_emit_layout},
	{"malformed_to_pcb", t_malformed_to_pcb},
	{0},
};

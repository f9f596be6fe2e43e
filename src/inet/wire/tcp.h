/*
 * tcp.h - TCP headers and options (RFC 9293 3.1, RFC 7323, RFC 2018) with
 * the IPv4 pseudo-header checksum.
 *
 * ks_tcp_parse takes the IPv4 payload (buf, len) and the datagram's
 * addresses, and checks:
 *   fewer than 20 bytes                 -> TRUNCATED
 *   data offset < 5 words               -> BAD_LENGTH
 *   data offset past len                -> TRUNCATED
 *   checksum                            -> BAD_CHECKSUM (unless KS_WIRE_CSUM_OK)
 * Options are then read as Linux's tcp_parse_options does: an option whose
 * length is below 2 or runs past the header ends the parse (the segment
 * is still accepted, with the options read so far); a known kind with the
 * wrong length is skipped; unknown kinds are skipped. MSS, window scale
 * and SACK-permitted count only on a SYN (the caller's business: they are
 * reported whatever the flags).
 *
 * ks_tcp_emit writes the header and options of a segment whose payload is
 * already in place after them, and its checksum. Options are laid out as
 * Linux lays them out (tcp_options_write), so captures compare: MSS; then
 * SACK-permitted and timestamps together (kind 4 then 8) or NOP NOP and
 * timestamps, or NOP NOP and SACK-permitted; NOP and window scale; NOP NOP
 * and SACK blocks.
 *
 * Interface: above, ks_tcp_opts_len. Locking: none. Ownership: borrows
 * buffers; out->payload points into the buffer.
 */
#ifndef KS_INET_WIRE_TCP_H
#define KS_INET_WIRE_TCP_H

#include "wire.h"

#define KS_TCP_HLEN 20
#define KS_TCP_HLEN_MAX 60

/* Flags (the low byte of the header's 13th and 14th octets). */
#define KS_TCP_FIN 0x01
#define KS_TCP_SYN 0x02
#define KS_TCP_RST 0x04
#define KS_TCP_PSH 0x08
#define KS_TCP_ACK 0x10
#define KS_TCP_URG 0x20
#define KS_TCP_ECE 0x40
#define KS_TCP_CWR 0x80

#define KS_TCP_SACK_MAX 4 /* blocks that fit beside nothing else */

struct ks_tcp_opts {
	bool mss_ok, ws_ok, sack_perm, ts_ok;
	uint16_t mss;
	uint8_t ws;         /* as sent; the receiver clamps to 14 */
	uint32_t tsval, tsecr;
	uint8_t nsack;      /* SACK blocks */
	uint32_t sack[KS_TCP_SACK_MAX][2]; /* left edge, right edge */
};

struct ks_tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;           /* KS_TCP_* */
	uint16_t wnd;            /* as on the wire (unscaled) */
	uint16_t csum;
	uint16_t urp;
	uint8_t hlen;            /* header bytes, options included */
	struct ks_tcp_opts opt;
	const uint8_t *payload;  /* parse only */
	uint32_t payload_len;    /* parse only */
};

int ks_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, unsigned flags,
		 struct ks_tcp_hdr *out);
/* Bytes the options of o take, padded to a multiple of 4 (at most 40:
 * SACK blocks beyond what fits are left out). */
unsigned ks_tcp_opts_len(const struct ks_tcp_opts *o);
/* Writes seg[0..h->hlen) for a segment of len bytes whose payload is at
 * seg + h->hlen; h->hlen must be 20 + ks_tcp_opts_len(&h->opt). Returns
 * h->hlen, or -KS_EINVAL when the lengths disagree. */
int ks_tcp_emit(uint8_t *seg, size_t len, const struct ks_tcp_hdr *h, uint32_t src, uint32_t dst);
/* The same with the checksum field left 0: for a segment that never
 * leaves the host (loopback, whose receive side does not verify, as
 * Linux's CHECKSUM_PARTIAL on lo). */
int ks_tcp_emit_hdr(uint8_t *seg, size_t len, const struct ks_tcp_hdr *h);

/* Sequence-space comparisons (RFC 9293 3.4: modulo 2^32). */
static inline bool ks_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool ks_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool ks_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool ks_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

#endif

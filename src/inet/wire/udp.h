/*
 * udp.h - UDP headers (RFC 768, RFC 1122 4.1) with the IPv4 pseudo-header
 * checksum.
 *
 * ks_udp_parse takes the IPv4 payload (buf, len) and the datagram's
 * addresses for the pseudo-header, and checks:
 *   fewer than 8 bytes                  -> TRUNCATED
 *   length field < 8                    -> BAD_LENGTH
 *   length field > len                  -> TRUNCATED
 *   checksum, unless the field is 0     -> BAD_CHECKSUM
 * RFC 768: a zero checksum means the sender computed none; RFC 1122
 * 4.1.3.4: a nonzero one MUST be verified (KS_WIRE_CSUM_OK: the device
 * did). A length field smaller than len is accepted, the rest being
 * padding (Linux trims it). Port 0 is the caller's business.
 *
 * ks_udp_emit writes the header of a datagram whose payload is already in
 * place, with a checksum (stored as 0xffff when it computes to 0, RFC 768)
 * or with 0 when asked for none (SO_NO_CHECK). ks_udp_csum_final finishes
 * a checksum whose data sum was taken piecewise (a pbuf chain).
 *
 * Interface: above. Locking: none. Ownership: borrows buffers;
 * out->payload points into the buffer.
 */
#ifndef KS_INET_WIRE_UDP_H
#define KS_INET_WIRE_UDP_H

#include "wire.h"

#define KS_UDP_HLEN 8

struct ks_udp_hdr {
	uint16_t sport, dport;
	uint16_t len;            /* header plus payload, from the header */
	uint16_t csum;           /* 0: none was sent */
	const uint8_t *payload;  /* parse only */
	uint16_t payload_len;    /* parse only: len - 8 */
};

int ks_udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, unsigned flags,
		 struct ks_udp_hdr *out);
/* Writes dgram[0..8) for a datagram of len bytes (payload at dgram + 8).
 * Returns 8, or -KS_EINVAL if len < 8 or len > 65535. */
int ks_udp_emit(uint8_t *dgram, size_t len, uint16_t sport, uint16_t dport, uint32_t src,
		uint32_t dst, bool csum);
/* The checksum to store, from the partial sum of the whole datagram (its
 * checksum field 0) and the pseudo-header's inputs. */
uint16_t ks_udp_csum_final(uint32_t dgram_sum, uint32_t src, uint32_t dst, uint16_t len);

#endif

/*
 * checksum.h - the Internet checksum (RFC 1071), incremental updates
 * (RFC 1624) and the IPv4 pseudo-header (RFC 768, RFC 793 3.1).
 *
 * The sum is taken over big-endian 16-bit words, so its value is the one
 * stored in the header with ks_put16, on any host. A partial sum is a
 * uint32_t that is not yet folded: sums of pieces are combined with
 * ks_csum_add, and a piece that starts at an odd offset of the message is
 * shifted first (ks_csum_shift; RFC 1071 2(B): swapping the bytes of a sum
 * equals summing the swapped words). A header whose checksum field is
 * correct sums, field included, to 0xffff (ks_csum_fold), RFC 1071 1.
 *
 * Interface:
 *   ks_csum_partial(buf, len, sum) - add len bytes to a partial sum
 *   ks_csum_add(a, b), ks_csum_shift(sum, offset) - combine pieces
 *   ks_csum_fold(sum)   - 16-bit ones'-complement sum
 *   ks_csum_finish(sum) - the value to store: ~fold
 *   ks_csum(buf, len)   - finish(partial(buf, len, 0))
 *   ks_csum_pseudo_ipv4(src, dst, proto, len) - partial sum of the pseudo-header
 *   ks_csum_update16/32(csum, old, new) - RFC 1624 eqn. 3
 *
 * Locking: none. Ownership: borrows buf.
 */
#ifndef KS_INET_WIRE_CHECKSUM_H
#define KS_INET_WIRE_CHECKSUM_H

#include "wire.h"

uint32_t ks_csum_partial(const void *buf, size_t len, uint32_t sum);
uint32_t ks_csum_add(uint32_t a, uint32_t b);
uint32_t ks_csum_shift(uint32_t sum, size_t offset);
uint16_t ks_csum_fold(uint32_t sum);
uint16_t ks_csum_finish(uint32_t sum);
uint16_t ks_csum(const void *buf, size_t len);
uint32_t ks_csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
uint16_t ks_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);
uint16_t ks_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

#endif

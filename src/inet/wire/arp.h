/*
 * arp.h - ARP packets for IPv4 over Ethernet (RFC 826).
 *
 * Only hardware type 1 (Ethernet) with protocol type 0x0800 (IPv4) and
 * operations request and reply: RARP (RFC 903) and other hardware are
 * "unsupported" drops. The parser does not judge addresses (a gratuitous
 * ARP has spa == tpa; a probe has spa == 0, RFC 5227 2.1.1): that is the
 * neighbour cache's business.
 *
 * Interface:
 *   ks_arp_parse(buf, len, out) - 28 or -KS_DROP_TRUNCATED, -KS_DROP_UNSUPPORTED,
 *                                 -KS_DROP_BAD_HEADER
 *   ks_arp_emit(buf, cap, a)    - 28 or -KS_ENOBUFS, -KS_EINVAL
 * Trailing bytes (Ethernet padding) are ignored.
 *
 * Locking: none. Ownership: borrows buffers.
 */
#ifndef KS_INET_WIRE_ARP_H
#define KS_INET_WIRE_ARP_H

#include "eth.h"

#define KS_ARP_LEN 28
#define KS_ARP_HTYPE_ETHER 1
#define KS_ARP_OP_REQUEST 1
#define KS_ARP_OP_REPLY 2

struct ks_arp {
	uint16_t op;
	uint8_t sha[KS_ETH_ALEN]; /* sender hardware address */
	uint32_t spa;             /* sender protocol address */
	uint8_t tha[KS_ETH_ALEN]; /* target hardware address */
	uint32_t tpa;             /* target protocol address */
};

int ks_arp_parse(const uint8_t *buf, size_t len, struct ks_arp *out);
int ks_arp_emit(uint8_t *buf, size_t cap, const struct ks_arp *a);

#endif

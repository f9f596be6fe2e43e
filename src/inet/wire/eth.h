/*
 * eth.h - Ethernet II frames (RFC 894 for IPv4 over Ethernet; IEEE 802.3).
 *
 * A frame here starts at the destination address and ends before the FCS,
 * which the hardware strips and checks. Only Ethernet II (a type field of
 * 0x0600 or more) is spoken: an 802.3 length field means LLC/SNAP, which
 * RFC 1122 2.3.3 lets a host ignore. VLAN tags are not handled yet.
 *
 * Interface:
 *   ks_eth_parse(buf, len, out) - 14 or -KS_DROP_TRUNCATED/-KS_DROP_UNSUPPORTED
 *   ks_eth_emit(buf, cap, h)    - 14 or -KS_ENOBUFS
 *   ks_eth_is_multicast/broadcast(mac)
 * Padding to the 60-byte minimum (RFC 894: at least 46 bytes of data) is
 * the transmitting device's business; a receiver finds the padding after
 * the IPv4 total length and trims it.
 *
 * Locking: none. Ownership: borrows buffers.
 */
#ifndef KS_INET_WIRE_ETH_H
#define KS_INET_WIRE_ETH_H

#include "wire.h"

#define KS_ETH_ALEN 6
#define KS_ETH_HLEN 14
#define KS_ETH_ZLEN 60   /* minimum frame without FCS */
#define KS_ETH_MTU 1500  /* RFC 894: the maximum IPv4 datagram */
#define KS_ETH_P_IPV4 0x0800
#define KS_ETH_P_ARP 0x0806
#define KS_ETH_P_MIN 0x0600 /* type fields below this are 802.3 lengths */

struct ks_eth_hdr {
	uint8_t dst[KS_ETH_ALEN];
	uint8_t src[KS_ETH_ALEN];
	uint16_t type;
};

int ks_eth_parse(const uint8_t *buf, size_t len, struct ks_eth_hdr *out);
int ks_eth_emit(uint8_t *buf, size_t cap, const struct ks_eth_hdr *h);

/* The group bit (IEEE 802: the first bit on the wire, bit 0 of byte 0). */
static inline bool ks_eth_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

bool ks_eth_is_broadcast(const uint8_t *mac);

extern const uint8_t ks_eth_broadcast[KS_ETH_ALEN];

#endif

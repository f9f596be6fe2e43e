/*
 * decode.h - the receive path's parse stage: one frame (or one IPv4
 * datagram) in, its headers out, every malformed packet dropped and
 * counted in the stack.
 *
 * Data flow. ks_inet_decode parses Ethernet II, then ARP or IPv4; for an
 * IPv4 datagram that is not a fragment, its ICMP, UDP or TCP header (with the
 * checksum unless the device verified it, KS_WIRE_CSUM_OK). A fragment
 * stops at the IPv4 header: reassembly comes first, then the whole
 * datagram goes through ks_inet_decode_ipv4, which is also the entry for a
 * device without a link header (loopback). Every field is checked against
 * the bytes given; the headers in wire/ list the checks and the drop each
 * gives. Nothing here acts on the packet: answering ARP and echo, matching
 * sockets, filtering by MAC and address are the next stages'.
 *
 * What is dropped here besides malformed headers (UNSUPPORTED): other
 * EtherTypes and 802.3 length frames, ARP other than Ethernet/IPv4
 * request and reply, and ICMP types ksock does not act on (RFC 1122 3.2.2:
 * unknown types are silently discarded). Other IP protocols are not
 * dropped here: they come out as KS_INET_IPV4_OTHER, for the stack to
 * answer with protocol unreachable.
 *
 * Interface: ks_inet_decode, ks_inet_decode_ipv4 - 0 or a negative drop
 * reason, already counted in st->drops.
 * Locking: none taken; counting is atomic. Any context.
 * Ownership: borrows the bytes; the result points into them.
 */
#ifndef KS_INET_DECODE_H
#define KS_INET_DECODE_H

#include "stack.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

enum ks_inet_kind {
	KS_INET_ARP = 1,    /* out->arp */
	KS_INET_ICMP,       /* out->ip, out->icmp */
	KS_INET_UDP,        /* out->ip, out->udp */
	KS_INET_IPV4_FRAG,  /* out->ip: a fragment, for reassembly */
	KS_INET_IPV4_OTHER, /* out->ip: another protocol */
	KS_INET_TCP,        /* out->ip, out->tcp */
};

struct ks_inet_decoded {
	enum ks_inet_kind kind;
	struct ks_eth_hdr eth;  /* ks_inet_decode only */
	bool link_bcast;        /* to ff:ff:ff:ff:ff:ff */
	bool link_mcast;        /* to another group address */
	size_t l3_off;          /* ARP or IPv4 header, from the start of the input */
	size_t l4_off;          /* IPv4 payload (ICMP/UDP header) */
	size_t end;             /* bytes of the input that are the packet (padding excluded) */
	struct ks_arp arp;
	struct ks_ipv4_hdr ip;
	struct ks_icmp_hdr icmp;
	struct ks_udp_hdr udp;
	struct ks_tcp_hdr tcp;
};

int ks_inet_decode(struct ks_inet_stack *st, const uint8_t *frame, size_t len, unsigned flags,
		   struct ks_inet_decoded *out);
int ks_inet_decode_ipv4(struct ks_inet_stack *st, const uint8_t *pkt, size_t len,
			unsigned flags, struct ks_inet_decoded *out);

#endif

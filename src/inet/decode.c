/*
 * decode.c - Ethernet -> ARP | IPv4 -> ICMP | UDP | TCP, parsed and checked.
 * Data flow and what is dropped: decode.h. Locking: none. Ownership:
 * borrows the input.
 */
#include "decode.h"

/* ICMP types the stack acts on: echo, echo reply and the errors. */
static bool icmp_type_known(uint8_t type)
{
	return type == KS_ICMP_ECHO || type == KS_ICMP_ECHOREPLY || ks_icmp_type_is_error(type);
}

/* The transport header of a whole (unfragmented) datagram at ip. */
static int decode_l4(const struct ks_ipv4_hdr *ip, unsigned flags, struct ks_inet_decoded *out)
{
	int rc;

	switch (ip->proto) {
	case KS_IPPROTO_ICMP:
		out->kind = KS_INET_ICMP;
		rc = ks_icmp_parse(ip->payload, ip->payload_len, flags, &out->icmp);
		out->icmp.from = ip->src;
		if (rc >= 0 && !icmp_type_known(out->icmp.type))
			rc = -KS_DROP_UNSUPPORTED; /* RFC 1122 3.2.2 */
		return rc;
	case KS_IPPROTO_UDP:
		out->kind = KS_INET_UDP;
		return ks_udp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, flags,
				    &out->udp);
	case KS_IPPROTO_TCP:
		out->kind = KS_INET_TCP;
		return ks_tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, flags,
				    &out->tcp);
	default:
		out->kind = KS_INET_IPV4_OTHER;
		return 0;
	}
}

/* The IPv4 datagram at pkt[off..len); offsets in out are from pkt. */
static int decode_ipv4_at(const uint8_t *pkt, size_t off, size_t len, unsigned flags,
			  struct ks_inet_decoded *out)
{
	int rc = ks_ipv4_parse(pkt + off, len - off, &out->ip);

	if (rc < 0)
		return rc;
	out->l3_off = off;
	out->l4_off = off + out->ip.hlen;
	out->end = off + out->ip.tot_len; /* what follows is link padding */
	if (ks_ipv4_is_fragment(&out->ip)) {
		out->kind = KS_INET_IPV4_FRAG; /* RFC 791 3.2: reassemble first */
		return 0;
	}
	rc = decode_l4(&out->ip, flags, out);
	return rc < 0 ? rc : 0;
}

static int decode_frame(const uint8_t *frame, size_t len, unsigned flags,
			struct ks_inet_decoded *out)
{
	int rc = ks_eth_parse(frame, len, &out->eth);

	if (rc < 0)
		return rc;
	out->link_bcast = ks_eth_is_broadcast(out->eth.dst);
	out->link_mcast = !out->link_bcast && ks_eth_is_multicast(out->eth.dst);
	switch (out->eth.type) {
	case KS_ETH_P_ARP:
		out->kind = KS_INET_ARP;
		rc = ks_arp_parse(frame + KS_ETH_HLEN, len - KS_ETH_HLEN, &out->arp);
		if (rc < 0)
			return rc;
		out->l3_off = KS_ETH_HLEN;
		out->l4_off = out->end = KS_ETH_HLEN + KS_ARP_LEN;
		return 0;
	case KS_ETH_P_IPV4: /* RFC 894 */
		return decode_ipv4_at(frame, KS_ETH_HLEN, len, flags, out);
	default:
		return -KS_DROP_UNSUPPORTED;
	}
}

int ks_inet_decode(struct ks_inet_stack *st, const uint8_t *frame, size_t len, unsigned flags,
		   struct ks_inet_decoded *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	return ks_inet_count_drop(st, decode_frame(frame, len, flags, out));
}

int ks_inet_decode_ipv4(struct ks_inet_stack *st, const uint8_t *pkt, size_t len,
			unsigned flags, struct ks_inet_decoded *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	return ks_inet_count_drop(st, decode_ipv4_at(pkt, 0, len, flags, out));
}

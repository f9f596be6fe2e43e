/*
 * arp.c - ARP packet parse and emit (RFC 826 "Packet format").
 * Interface: arp.h. Locking: none. Ownership: borrows buffers.
 *
 * Layout: ar$hrd(2) ar$pro(2) ar$hln(1) ar$pln(1) ar$op(2) ar$sha(6)
 * ar$spa(4) ar$tha(6) ar$tpa(4).
 */
#include "arp.h"

int ks_arp_parse(const uint8_t *buf, size_t len, struct ks_arp *out)
{
	if (len < KS_ARP_LEN)
		return -KS_DROP_TRUNCATED;
	/* RFC 826 "Packet Reception": drop unless we speak the hardware and
	 * protocol types. */
	if (ks_get16(buf) != KS_ARP_HTYPE_ETHER || ks_get16(buf + 2) != KS_ETH_P_IPV4)
		return -KS_DROP_UNSUPPORTED;
	/* For Ethernet and IPv4 the lengths are fixed; the offsets below
	 * assume them. */
	if (buf[4] != KS_ETH_ALEN || buf[5] != 4)
		return -KS_DROP_BAD_HEADER;
	out->op = ks_get16(buf + 6);
	if (out->op != KS_ARP_OP_REQUEST && out->op != KS_ARP_OP_REPLY)
		return -KS_DROP_UNSUPPORTED;
	__builtin_memcpy(out->sha, buf + 8, KS_ETH_ALEN);
	out->spa = ks_get32(buf + 14);
	__builtin_memcpy(out->tha, buf + 18, KS_ETH_ALEN);
	out->tpa = ks_get32(buf + 24);
	return KS_ARP_LEN;
}

int ks_arp_emit(uint8_t *buf, size_t cap, const struct ks_arp *a)
{
	if (cap < KS_ARP_LEN)
		return -KS_ENOBUFS;
	if (a->op != KS_ARP_OP_REQUEST && a->op != KS_ARP_OP_REPLY)
		return -KS_EINVAL;
	ks_put16(buf, KS_ARP_HTYPE_ETHER);
	ks_put16(buf + 2, KS_ETH_P_IPV4);
	buf[4] = KS_ETH_ALEN;
	buf[5] = 4;
	ks_put16(buf + 6, a->op);
	__builtin_memcpy(buf + 8, a->sha, KS_ETH_ALEN);
	ks_put32(buf + 14, a->spa);
	__builtin_memcpy(buf + 18, a->tha, KS_ETH_ALEN);
	ks_put32(buf + 24, a->tpa);
	return KS_ARP_LEN;
}

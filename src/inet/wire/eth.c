/*
 * eth.c - Ethernet II header parse and emit. Interface: eth.h.
 * Locking: none. Ownership: borrows buffers.
 */
#include "eth.h"

const uint8_t ks_eth_broadcast[KS_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int ks_eth_parse(const uint8_t *buf, size_t len, struct ks_eth_hdr *out)
{
	if (len < KS_ETH_HLEN)
		return -KS_DROP_TRUNCATED;
	__builtin_memcpy(out->dst, buf, KS_ETH_ALEN);
	__builtin_memcpy(out->src, buf + KS_ETH_ALEN, KS_ETH_ALEN);
	out->type = ks_get16(buf + 12);
	/* IEEE 802.3 3.2.6: values below 0x0600 are a length (LLC follows). */
	if (out->type < KS_ETH_P_MIN)
		return -KS_DROP_UNSUPPORTED;
	return KS_ETH_HLEN;
}

int ks_eth_emit(uint8_t *buf, size_t cap, const struct ks_eth_hdr *h)
{
	if (cap < KS_ETH_HLEN)
		return -KS_ENOBUFS;
	__builtin_memcpy(buf, h->dst, KS_ETH_ALEN);
	__builtin_memcpy(buf + KS_ETH_ALEN, h->src, KS_ETH_ALEN);
	ks_put16(buf + 12, h->type);
	return KS_ETH_HLEN;
}

bool ks_eth_is_broadcast(const uint8_t *mac)
{
	return __builtin_memcmp(mac, ks_eth_broadcast, KS_ETH_ALEN) == 0;
}

/*
 * udp.c - UDP header parse and emit (RFC 768). Checks and conventions:
 * udp.h. Locking: none. Ownership: borrows buffers.
 */
#include "udp.h"
#include "checksum.h"
#include "ipv4.h"

int ks_udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, unsigned flags,
		 struct ks_udp_hdr *out)
{
	if (len < KS_UDP_HLEN)
		return -KS_DROP_TRUNCATED;
	out->sport = ks_get16(buf);
	out->dport = ks_get16(buf + 2);
	out->len = ks_get16(buf + 4);
	out->csum = ks_get16(buf + 6);
	if (out->len < KS_UDP_HLEN)
		return -KS_DROP_BAD_LENGTH;
	if (out->len > len)
		return -KS_DROP_TRUNCATED;
	/* RFC 768 "Fields": the sum covers the pseudo-header, the header and
	 * the data (up to the length field); zero means no checksum. */
	if (out->csum != 0 && !(flags & KS_WIRE_CSUM_OK)) {
		uint32_t sum = ks_csum_pseudo_ipv4(src, dst, KS_IPPROTO_UDP, out->len);
		if (ks_csum_fold(ks_csum_partial(buf, out->len, sum)) != 0xffff)
			return -KS_DROP_BAD_CHECKSUM;
	}
	out->payload = buf + KS_UDP_HLEN;
	out->payload_len = (uint16_t)(out->len - KS_UDP_HLEN);
	return KS_UDP_HLEN;
}

uint16_t ks_udp_csum_final(uint32_t dgram_sum, uint32_t src, uint32_t dst, uint16_t len)
{
	uint32_t sum = ks_csum_add(dgram_sum, ks_csum_pseudo_ipv4(src, dst, KS_IPPROTO_UDP, len));
	uint16_t c = ks_csum_finish(sum);

	/* RFC 768: a computed zero is sent as all ones, since zero means
	 * "no checksum". */
	return c ? c : 0xffff;
}

int ks_udp_emit(uint8_t *dgram, size_t len, uint16_t sport, uint16_t dport, uint32_t src,
		uint32_t dst, bool csum)
{
	if (len < KS_UDP_HLEN || len > 0xffff)
		return -KS_EINVAL;
	ks_put16(dgram, sport);
	ks_put16(dgram + 2, dport);
	ks_put16(dgram + 4, (uint16_t)len);
	ks_put16(dgram + 6, 0);
	if (csum) {
		uint32_t sum = ks_csum_partial(dgram, len, 0);
		ks_put16(dgram + 6, ks_udp_csum_final(sum, src, dst, (uint16_t)len));
	}
	return KS_UDP_HLEN;
}

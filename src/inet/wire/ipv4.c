/*
 * ipv4.c - IPv4 header parse and emit. The checks and their order are
 * listed in ipv4.h. Locking: none. Ownership: borrows buffers.
 */
#include "ipv4.h"
#include "checksum.h"

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

/* RFC 791 3.1 "Options": single-octet EOL and NOP, else type, length
 * (counting both octets, so >= 2) and data, all inside the header. */
static int ipv4_walk_options(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t type = o[i];
		if (type == KS_IPOPT_EOL)
			break;
		if (type == KS_IPOPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
			return -KS_DROP_BAD_OPTIONS;
		/* RFC 7126 4.3, 4.4: drop source-routed datagrams, as Linux
		 * does with accept_source_route = 0 (its default). */
		if (type == KS_IPOPT_LSRR || type == KS_IPOPT_SSRR)
			return -KS_DROP_SOURCE_ROUTE;
		i += o[i + 1];
	}
	return 0;
}

/* The fixed fields, once the caller knows IHL * 4 bytes are there. The
 * reserved flag (RFC 791 3.1, "must be zero") is ignored on input, as
 * Linux does (RFC 1122 1.2.2: be liberal in what you accept). */
void ks_ipv4_read(const uint8_t *buf, struct ks_ipv4_hdr *out)
{
	uint16_t frag = ks_get16(buf + 6);

	out->hlen = (uint8_t)((buf[0] & 0x0f) * 4);
	out->tos = buf[1];
	out->tot_len = ks_get16(buf + 2);
	out->id = ks_get16(buf + 4);
	out->df = (frag & IP_DF) != 0;
	out->mf = (frag & IP_MF) != 0;
	out->frag_off = (uint16_t)((frag & IP_OFFMASK) * 8);
	out->ttl = buf[8];
	out->proto = buf[9];
	out->csum = ks_get16(buf + 10);
	out->src = ks_get32(buf + 12);
	out->dst = ks_get32(buf + 16);
	out->opt = buf + KS_IPV4_HLEN_MIN;
	out->opt_len = (uint8_t)(out->hlen - KS_IPV4_HLEN_MIN);
}

/* The checks after the header checksum: lengths, fragment, addresses. */
static int ipv4_check_fields(struct ks_ipv4_hdr *h, size_t len)
{
	if (h->tot_len > len)
		return -KS_DROP_TRUNCATED;
	if (h->tot_len < h->hlen)
		return -KS_DROP_BAD_LENGTH;
	h->payload_len = (uint16_t)(h->tot_len - h->hlen);
	/* RFC 791 3.2 "Fragmentation and Reassembly": the whole datagram,
	 * with at least a minimal header, must fit in 65535 octets; a
	 * fragment past that can never be reassembled (the "ping of death"). */
	if ((uint32_t)h->frag_off + h->payload_len > KS_IPV4_MAX_LEN - KS_IPV4_HLEN_MIN)
		return -KS_DROP_BAD_FRAGMENT;
	/* RFC 1122 3.2.1.3: a source that is a broadcast or multicast
	 * address MUST be discarded (Linux: martian source). */
	if (ks_ipv4_is_multicast(h->src) || ks_ipv4_is_lbcast(h->src))
		return -KS_DROP_BAD_ADDRESS;
	return ipv4_walk_options(h->opt, h->opt_len);
}

int ks_ipv4_parse(const uint8_t *buf, size_t len, struct ks_ipv4_hdr *out)
{
	if (len < KS_IPV4_HLEN_MIN)
		return -KS_DROP_TRUNCATED;
	if (buf[0] >> 4 != 4)
		return -KS_DROP_BAD_VERSION;
	if ((buf[0] & 0x0f) < 5)
		return -KS_DROP_BAD_IHL;
	ks_ipv4_read(buf, out);
	if (out->hlen > len)
		return -KS_DROP_TRUNCATED;
	if (ks_csum_fold(ks_csum_partial(buf, out->hlen, 0)) != 0xffff)
		return -KS_DROP_BAD_CHECKSUM;
	int rc = ipv4_check_fields(out, len);
	if (rc < 0)
		return rc;
	out->payload = buf + out->hlen;
	return out->hlen;
}

int ks_ipv4_emit(uint8_t *buf, size_t cap, const struct ks_ipv4_hdr *h)
{
	size_t hlen = KS_IPV4_HLEN_MIN + (size_t)h->opt_len;

	if (h->opt_len % 4 || hlen > KS_IPV4_HLEN_MAX || h->tot_len < hlen)
		return -KS_EINVAL;
	if (h->frag_off % 8 || h->frag_off / 8 > IP_OFFMASK)
		return -KS_EINVAL;
	if (cap < hlen)
		return -KS_ENOBUFS;
	buf[0] = (uint8_t)(0x40 | hlen / 4);
	buf[1] = h->tos;
	ks_put16(buf + 2, h->tot_len);
	ks_put16(buf + 4, h->id);
	ks_put16(buf + 6, (uint16_t)((h->df ? IP_DF : 0) | (h->mf ? IP_MF : 0) | h->frag_off / 8));
	buf[8] = h->ttl;
	buf[9] = h->proto;
	ks_put16(buf + 10, 0);
	ks_put32(buf + 12, h->src);
	ks_put32(buf + 16, h->dst);
	if (h->opt_len)
		__builtin_memcpy(buf + KS_IPV4_HLEN_MIN, h->opt, h->opt_len);
	ks_put16(buf + 10, ks_csum(buf, hlen));
	return (int)hlen;
}

/*
 * icmp.c - ICMP parse and emit (RFC 792, RFC 1122 3.2.2, RFC 1191).
 * Interface and rules: icmp.h. Locking: none. Ownership: borrows buffers.
 */
#include "icmp.h"
#include "checksum.h"

bool ks_icmp_type_is_error(uint8_t type)
{
	switch (type) {
	case KS_ICMP_DEST_UNREACH:
	case KS_ICMP_SOURCE_QUENCH:
	case KS_ICMP_REDIRECT:
	case KS_ICMP_TIME_EXCEEDED:
	case KS_ICMP_PARAMETERPROB:
		return true;
	default:
		return false;
	}
}

int ks_icmp_parse_quote(const uint8_t *buf, size_t len, struct ks_icmp_quote *out)
{
	if (len < KS_IPV4_HLEN_MIN || buf[0] >> 4 != 4 || (buf[0] & 0x0f) < 5)
		return -KS_DROP_BAD_QUOTE;
	size_t hlen = (size_t)(buf[0] & 0x0f) * 4;
	/* RFC 792: the header and at least 64 bits of its data. */
	if (hlen + 8 > len)
		return -KS_DROP_BAD_QUOTE;
	ks_ipv4_read(buf, &out->ip);
	/* Only a first fragment carries the ports (RFC 1122 3.2.2 forbids
	 * errors about the others). */
	if (out->ip.frag_off != 0)
		return -KS_DROP_BAD_QUOTE;
	out->l4 = buf + hlen;
	out->l4_len = len - hlen;
	out->sport = ks_get16(out->l4);
	out->dport = ks_get16(out->l4 + 2);
	return 0;
}

/* The type-specific fields of the second word. */
static void icmp_read_rest(struct ks_icmp_hdr *h)
{
	h->id = (uint16_t)(h->rest >> 16);
	h->seq = (uint16_t)h->rest;
	h->mtu = 0;
	h->pointer = 0;
	if (h->type == KS_ICMP_DEST_UNREACH && h->code == KS_ICMP_FRAG_NEEDED)
		h->mtu = (uint16_t)h->rest; /* RFC 1191 4 */
	else if (h->type == KS_ICMP_PARAMETERPROB)
		h->pointer = (uint8_t)(h->rest >> 24); /* RFC 792 */
}

int ks_icmp_parse(const uint8_t *buf, size_t len, unsigned flags, struct ks_icmp_hdr *out)
{
	if (len < KS_ICMP_HLEN)
		return -KS_DROP_TRUNCATED;
	/* RFC 792: the checksum covers the whole ICMP message. */
	if (!(flags & KS_WIRE_CSUM_OK) && ks_csum_fold(ks_csum_partial(buf, len, 0)) != 0xffff)
		return -KS_DROP_BAD_CHECKSUM;
	out->type = buf[0];
	out->code = buf[1];
	out->csum = ks_get16(buf + 2);
	out->rest = ks_get32(buf + 4);
	out->data = buf + KS_ICMP_HLEN;
	out->data_len = len - KS_ICMP_HLEN;
	out->is_error = ks_icmp_type_is_error(out->type);
	icmp_read_rest(out);
	if (out->is_error) {
		int rc = ks_icmp_parse_quote(out->data, out->data_len, &out->quote);
		if (rc < 0)
			return rc;
	}
	return KS_ICMP_HLEN;
}

static uint32_t icmp_rest_word(const struct ks_icmp_hdr *h)
{
	switch (h->type) {
	case KS_ICMP_ECHO:
	case KS_ICMP_ECHOREPLY:
		return (uint32_t)h->id << 16 | h->seq;
	case KS_ICMP_DEST_UNREACH:
		return h->code == KS_ICMP_FRAG_NEEDED ? h->mtu : 0; /* RFC 1191 4 */
	case KS_ICMP_PARAMETERPROB:
		return (uint32_t)h->pointer << 24;
	default:
		return h->rest;
	}
}

int ks_icmp_emit(uint8_t *msg, size_t len, const struct ks_icmp_hdr *h)
{
	if (len < KS_ICMP_HLEN)
		return -KS_EINVAL;
	msg[0] = h->type;
	msg[1] = h->code;
	ks_put16(msg + 2, 0);
	ks_put32(msg + 4, icmp_rest_word(h));
	ks_put16(msg + 2, ks_csum(msg, len));
	return KS_ICMP_HLEN;
}

size_t ks_icmp_quote_len(size_t orig_len)
{
	return orig_len < KS_ICMP_QUOTE_MAX ? orig_len : KS_ICMP_QUOTE_MAX;
}

int ks_icmp_emit_error(uint8_t *buf, size_t cap, uint8_t type, uint8_t code, uint16_t mtu,
		       const uint8_t *orig, size_t orig_len)
{
	struct ks_icmp_hdr h = { .type = type, .code = code, .mtu = mtu };

	if (!ks_icmp_type_is_error(type) || orig_len < KS_IPV4_HLEN_MIN ||
	    (size_t)(orig[0] & 0x0f) * 4 + 8 > orig_len)
		return -KS_EINVAL;
	size_t q = ks_icmp_quote_len(orig_len);
	if (cap < KS_ICMP_HLEN + q)
		return -KS_ENOBUFS;
	__builtin_memcpy(buf + KS_ICMP_HLEN, orig, q);
	ks_icmp_emit(buf, KS_ICMP_HLEN + q, &h);
	return (int)(KS_ICMP_HLEN + q);
}

/* RFC 1122 3.2.2: a source that names one host (not zero, broadcast,
 * multicast or class E). */
static bool icmp_src_is_host(uint32_t src)
{
	return !ks_ipv4_is_zeronet(src) && (src >> 28) < 0xe;
}

bool ks_icmp_error_allowed(const struct ks_ipv4_hdr *ip, bool link_bcast, bool dst_bcast)
{
	if (link_bcast || dst_bcast || ks_ipv4_is_lbcast(ip->dst) || ks_ipv4_is_multicast(ip->dst))
		return false;
	if (ip->frag_off != 0 || !icmp_src_is_host(ip->src))
		return false;
	/* Never an error about an error (an echo or an unknown type is fine). */
	if (ip->proto == KS_IPPROTO_ICMP)
		return ip->payload_len >= 1 && !ks_icmp_type_is_error(ip->payload[0]);
	return true;
}

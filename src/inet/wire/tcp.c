/*
 * tcp.c - TCP header and option parse and emit. Checks and layout: tcp.h.
 * Locking: none. Ownership: borrows buffers.
 */
#include "tcp.h"
#include "checksum.h"
#include "ipv4.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WS = 3,
	OPT_SACK_PERM = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
};

/* Linux's tcp_parse_options: stop at a malformed length, skip what is
 * unknown or of the wrong size. */
static void parse_opts(const uint8_t *p, unsigned n, struct ks_tcp_opts *o)
{
	unsigned i = 0;

	while (i < n) {
		uint8_t kind = p[i];
		if (kind == OPT_EOL)
			return;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return;
		unsigned sz = p[i + 1];
		if (sz < 2 || sz > n - i)
			return; /* "silly options", or a partial one */
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case OPT_MSS:
			if (sz == 4) {
				o->mss_ok = true;
				o->mss = ks_get16(v);
			}
			break;
		case OPT_WS:
			if (sz == 3) {
				o->ws_ok = true;
				o->ws = v[0];
			}
			break;
		case OPT_SACK_PERM:
			if (sz == 2)
				o->sack_perm = true;
			break;
		case OPT_TS:
			if (sz == 10) {
				o->ts_ok = true;
				o->tsval = ks_get32(v);
				o->tsecr = ks_get32(v + 4);
			}
			break;
		case OPT_SACK:
			if (sz >= 10 && (sz - 2) % 8 == 0) {
				unsigned nb = (sz - 2) / 8;
				o->nsack = 0;
				for (unsigned b = 0; b < nb && b < KS_TCP_SACK_MAX; b++) {
					o->sack[b][0] = ks_get32(v + 8 * b);
					o->sack[b][1] = ks_get32(v + 8 * b + 4);
					o->nsack++;
				}
			}
			break;
		default:
			break;
		}
		i += sz;
	}
}

int ks_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, unsigned flags,
		 struct ks_tcp_hdr *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	if (len < KS_TCP_HLEN)
		return -KS_DROP_TRUNCATED;
	if (len > 0xffff)
		return -KS_DROP_BAD_LENGTH;
	out->sport = ks_get16(buf);
	out->dport = ks_get16(buf + 2);
	out->seq = ks_get32(buf + 4);
	out->ack = ks_get32(buf + 8);
	out->hlen = (uint8_t)((buf[12] >> 4) * 4);
	out->flags = buf[13];
	out->wnd = ks_get16(buf + 14);
	out->csum = ks_get16(buf + 16);
	out->urp = ks_get16(buf + 18);
	if (out->hlen < KS_TCP_HLEN)
		return -KS_DROP_BAD_LENGTH;
	if (out->hlen > len)
		return -KS_DROP_TRUNCATED;
	/* RFC 9293 3.1: the sum covers the pseudo-header, header and text;
	 * unlike UDP there is no "no checksum" value. */
	if (!(flags & KS_WIRE_CSUM_OK)) {
		uint32_t sum = ks_csum_pseudo_ipv4(src, dst, KS_IPPROTO_TCP, (uint16_t)len);
		if (ks_csum_fold(ks_csum_partial(buf, len, sum)) != 0xffff)
			return -KS_DROP_BAD_CHECKSUM;
	}
	parse_opts(buf + KS_TCP_HLEN, out->hlen - KS_TCP_HLEN, &out->opt);
	out->payload = buf + out->hlen;
	out->payload_len = (uint32_t)(len - out->hlen);
	return out->hlen;
}

/* SACK blocks that fit in the room the other options leave. */
static unsigned sack_fit(const struct ks_tcp_opts *o, unsigned used)
{
	unsigned n = o->nsack;

	while (n && used + 4 + 8 * n > 40)
		n--;
	return n;
}

static unsigned base_len(const struct ks_tcp_opts *o)
{
	unsigned n = 0;

	if (o->mss_ok)
		n += 4;
	if (o->ts_ok || o->sack_perm)
		n += o->ts_ok ? 12 : 4; /* SACK-permitted rides in the NOPs */
	if (o->ws_ok)
		n += 4;
	return n;
}

unsigned ks_tcp_opts_len(const struct ks_tcp_opts *o)
{
	unsigned n = base_len(o);
	unsigned nb = sack_fit(o, n);

	return nb ? n + 4 + 8 * nb : n;
}

int ks_tcp_emit(uint8_t *seg, size_t len, const struct ks_tcp_hdr *h, uint32_t src, uint32_t dst)
{
	int rc = ks_tcp_emit_hdr(seg, len, h);

	if (rc < 0)
		return rc;
	uint32_t sum = ks_csum_pseudo_ipv4(src, dst, KS_IPPROTO_TCP, (uint16_t)len);
	ks_put16(seg + 16, ks_csum_finish(ks_csum_partial(seg, len, sum)));
	return rc;
}

int ks_tcp_emit_hdr(uint8_t *seg, size_t len, const struct ks_tcp_hdr *h)
{
	const struct ks_tcp_opts *o = &h->opt;
	unsigned olen = ks_tcp_opts_len(o);

	if (h->hlen != KS_TCP_HLEN + olen || len < h->hlen || len > 0xffff)
		return -KS_EINVAL;
	ks_put16(seg, h->sport);
	ks_put16(seg + 2, h->dport);
	ks_put32(seg + 4, h->seq);
	ks_put32(seg + 8, h->ack);
	seg[12] = (uint8_t)((h->hlen / 4) << 4);
	seg[13] = h->flags;
	ks_put16(seg + 14, h->wnd);
	ks_put16(seg + 16, 0);
	ks_put16(seg + 18, h->urp);
	uint8_t *p = seg + KS_TCP_HLEN;
	if (o->mss_ok) {
		p[0] = OPT_MSS;
		p[1] = 4;
		ks_put16(p + 2, o->mss);
		p += 4;
	}
	if (o->ts_ok) {
		if (o->sack_perm) {
			p[0] = OPT_SACK_PERM;
			p[1] = 2;
		} else {
			p[0] = p[1] = OPT_NOP;
		}
		p[2] = OPT_TS;
		p[3] = 10;
		ks_put32(p + 4, o->tsval);
		ks_put32(p + 8, o->tsecr);
		p += 12;
	} else if (o->sack_perm) {
		p[0] = p[1] = OPT_NOP;
		p[2] = OPT_SACK_PERM;
		p[3] = 2;
		p += 4;
	}
	if (o->ws_ok) {
		p[0] = OPT_NOP;
		p[1] = OPT_WS;
		p[2] = 3;
		p[3] = o->ws;
		p += 4;
	}
	unsigned nb = sack_fit(o, base_len(o));
	if (nb) {
		p[0] = p[1] = OPT_NOP;
		p[2] = OPT_SACK;
		p[3] = (uint8_t)(2 + 8 * nb);
		p += 4;
		for (unsigned b = 0; b < nb; b++) {
			ks_put32(p, o->sack[b][0]);
			ks_put32(p + 4, o->sack[b][1]);
			p += 8;
		}
	}
	return h->hlen;
}

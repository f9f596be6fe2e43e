/*
 * common.c - checks shared by the inet fuzz targets. Interface: fuzz.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inet/wire/checksum.h"

_Noreturn void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", file, line, what);
	abort();
}

static uint64_t fz_clock(void *arg)
{
	(void)arg; /* a fixed time: decoding must not depend on it */
	return IT_T0;
}

void fz_stack(struct ks_inet_stack *st)
{
	struct ks_inet_config cfg = { .now = fz_clock };

	FZ_ASSERT(ks_inet_stack_init(st, &cfg) == 0);
}

void fz_fix(uint8_t *ip, size_t len, unsigned mode)
{
	if (len < KS_IPV4_HLEN_MIN)
		return;
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4, tot = ks_get16(ip + 2);
	if (hlen < KS_IPV4_HLEN_MIN || hlen > len)
		return;
	if ((mode & FZ_FIX_L4) && tot >= hlen + 8 && tot <= len) {
		size_t ulen = ks_get16(ip + hlen + 4);
		if (ip[9] == KS_IPPROTO_ICMP || (ip[9] == KS_IPPROTO_UDP && ulen >= 8 &&
						 ulen <= tot - hlen))
			it_fix_l4_csum(ip);
	}
	if (mode & FZ_FIX_IP)
		it_fix_ip_csum(ip);
}

static bool in(const uint8_t *p, size_t n, const uint8_t *buf, size_t size)
{
	return p >= buf && p <= buf + size && n <= (size_t)(buf + size - p);
}

/* Re-emits the IPv4 header and compares (the reserved flag and the
 * checksum's representation may differ). */
static void fz_ipv4_again(const struct ks_ipv4_hdr *ip, const uint8_t *raw)
{
	uint8_t out[KS_IPV4_HLEN_MAX];

	FZ_ASSERT(ks_ipv4_emit(out, sizeof(out), ip) == ip->hlen);
	FZ_ASSERT(memcmp(out, raw, 6) == 0 && (out[6] & 0x7f) == (raw[6] & 0x7f));
	FZ_ASSERT(memcmp(out + 7, raw + 7, 3) == 0);
	FZ_ASSERT(memcmp(out + 12, raw + 12, ip->hlen - 12u) == 0);
	FZ_ASSERT(ks_csum(out, ip->hlen) == 0);
}

/* Re-emits a UDP datagram or an echo and compares, where the parse pinned
 * every byte down (a verified checksum; echo's second word). */
static void fz_l4_again(const struct ks_inet_decoded *d, const uint8_t *l4, unsigned flags)
{
	static uint8_t out[65536];

	if (d->kind == KS_INET_UDP && d->udp.csum != 0 && !(flags & KS_WIRE_CSUM_OK)) {
		memcpy(out, l4, d->udp.len);
		FZ_ASSERT(ks_udp_emit(out, d->udp.len, d->udp.sport, d->udp.dport, d->ip.src,
				      d->ip.dst, true) == KS_UDP_HLEN);
		FZ_ASSERT(memcmp(out, l4, KS_UDP_HLEN) == 0);
	}
	if (d->kind == KS_INET_ICMP && !d->icmp.is_error && !(flags & KS_WIRE_CSUM_OK)) {
		size_t n = d->ip.payload_len;
		memcpy(out, l4, n);
		FZ_ASSERT(ks_icmp_emit(out, n, &d->icmp) == KS_ICMP_HLEN);
		FZ_ASSERT(ks_csum(out, n) == 0 && memcmp(out, l4, 2) == 0);
		FZ_ASSERT(memcmp(out + 4, l4 + 4, 4) == 0);
	}
}

static void fz_check_ipv4(const struct ks_inet_decoded *d, const uint8_t *buf, size_t size,
			  unsigned flags)
{
	FZ_ASSERT(d->l4_off == d->l3_off + d->ip.hlen && d->end <= size);
	FZ_ASSERT(d->end == d->l3_off + d->ip.tot_len);
	FZ_ASSERT(in(d->ip.payload, d->ip.payload_len, buf, size));
	fz_ipv4_again(&d->ip, buf + d->l3_off);
	if (d->kind == KS_INET_UDP) {
		FZ_ASSERT(in(d->udp.payload, d->udp.payload_len, buf, d->end));
		FZ_ASSERT(d->udp.len >= 8 && d->udp.len <= d->ip.payload_len);
	} else if (d->kind == KS_INET_ICMP) {
		FZ_ASSERT(in(d->icmp.data, d->icmp.data_len, buf, d->end));
		if (d->icmp.is_error)
			FZ_ASSERT(in(d->icmp.quote.l4, d->icmp.quote.l4_len, buf, d->end) &&
				  d->icmp.quote.l4_len >= 8);
	}
	fz_l4_again(d, buf + d->l4_off, flags);
}

void fz_check(const struct ks_inet_stack *st, int rc, const struct ks_inet_decoded *d,
	      const uint8_t *buf, size_t size, unsigned flags)
{
	FZ_ASSERT(rc == 0 || ks_is_drop(rc));
	FZ_ASSERT(it_drops_total(st) == (rc < 0 ? 1u : 0u));
	if (rc < 0) {
		FZ_ASSERT(ks_inet_drops_get(st, (enum ks_drop)-rc) == 1);
		return;
	}
	FZ_ASSERT(d->end <= size && d->l3_off <= d->l4_off && d->l4_off <= d->end);
	if (d->kind == KS_INET_ARP) {
		uint8_t out[KS_ARP_LEN];
		FZ_ASSERT(ks_arp_emit(out, sizeof(out), &d->arp) == KS_ARP_LEN);
		FZ_ASSERT(memcmp(out, buf + d->l3_off, KS_ARP_LEN) == 0);
		return;
	}
	fz_check_ipv4(d, buf, size, flags);
}

void fz_pbuf(struct ks_inet_stack *st, const struct ks_inet_decoded *d, const uint8_t *buf,
	     size_t size)
{
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&st->pbufs, KS_PBUF_DEVICE_ROOM, (uint32_t)size, &p) != 0)
		return; /* larger than a segment: nothing to check */
	FZ_ASSERT(ks_pbuf_copy_in(p, 0, buf, (uint32_t)size) == size);
	FZ_ASSERT(ks_pbuf_trim(p, (uint32_t)d->end) == 0);
	FZ_ASSERT(ks_pbuf_pull(p, (uint32_t)d->l3_off) == p->data);
	FZ_ASSERT(p->tot_len == d->end - d->l3_off);
	size_t l3 = d->l4_off - d->l3_off;
	FZ_ASSERT(ks_csum_fold(ks_pbuf_csum_partial(p, 0, (uint32_t)l3, 0)) ==
		  ks_csum_fold(ks_csum_partial(buf + d->l3_off, l3, 0)));
	uint8_t *at = p->data;
	FZ_ASSERT(ks_pbuf_pull(p, (uint32_t)l3) == at + l3);
	FZ_ASSERT(memcmp(p->data, buf + d->l4_off, p->len) == 0);
	ks_pbuf_free(p);
	FZ_ASSERT(ks_pbuf_pool_live(&st->pbufs) == 0);
}

/*
 * frames.c - frames for the inet tests (and the fuzz targets): three known
 * frames, builders and checksum fixers for making malformed ones, and the
 * sum of a stack's drop counters.
 *
 * The known frames were computed with an independent implementation (a
 * few lines of Python: struct.pack and a 16-bit ones'-complement sum), not
 * with ksock, so parsing them and emitting them again checks ksock against
 * something other than itself. A (02:00:00:00:00:01, 198.18.0.1) talks to
 * B (02:00:00:00:00:02, 198.18.0.2): benchmarking addresses (RFC 2544).
 *
 * Interface: it.h. Locking: none.
 */
#include <string.h>

#include "it.h"
#include "inet/wire/checksum.h"

const uint8_t it_mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t it_mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* UDP 198.18.0.1:40000 -> 198.18.0.2:7, "ksock"; IPv4 id 0x1c46, DF,
 * TTL 64, header checksum 0x925e; UDP checksum 0x918d. */
const uint8_t it_frame_udp[47] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x21, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x92, 0x5e, 0xc6, 0x12,
	0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x0d, 0x91, 0x8d,
	0x6b, 0x73, 0x6f, 0x63, 0x6b,
};

/* ICMP echo request, id 0x0d0e, seq 1, "0123456789abcdef"; IPv4 id 1,
 * TTL 64, header checksum 0xeea8; ICMP checksum 0xbbb9. */
const uint8_t it_frame_icmp_echo[58] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xee, 0xa8, 0xc6, 0x12,
	0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x08, 0x00, 0xbb, 0xb9, 0x0d, 0x0e, 0x00, 0x01,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64,
	0x65, 0x66,
};

/* ARP request, broadcast: who has 198.18.0.2? tell 198.18.0.1. */
const uint8_t it_frame_arp_request[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02,
};

unsigned long it_drops_total(const struct ks_inet_stack *st)
{
	unsigned long sum = 0;

	for (int i = 0; i < KS_DROP_COUNT; i++)
		sum += st->drops.by_reason[i];
	return sum;
}

size_t it_ipv4_frame(uint8_t *buf, uint8_t proto, const uint8_t *l4, size_t n)
{
	struct ks_eth_hdr eh = { .type = KS_ETH_P_IPV4 };
	struct ks_ipv4_hdr ih = {
		.tot_len = (uint16_t)(KS_IPV4_HLEN_MIN + n), .id = 1, .df = true, .ttl = 64,
		.proto = proto, .src = IT_ADDR_A, .dst = IT_ADDR_B,
	};

	memcpy(eh.dst, it_mac_b, 6);
	memcpy(eh.src, it_mac_a, 6);
	ks_eth_emit(buf, KS_ETH_HLEN, &eh);
	ks_ipv4_emit(buf + KS_ETH_HLEN, KS_IPV4_HLEN_MIN, &ih);
	memmove(buf + KS_ETH_HLEN + KS_IPV4_HLEN_MIN, l4, n);
	return KS_ETH_HLEN + KS_IPV4_HLEN_MIN + n;
}

size_t it_udp_frame(uint8_t *buf, uint16_t port, const void *payload, size_t n)
{
	uint8_t *u = buf + KS_ETH_HLEN + KS_IPV4_HLEN_MIN;

	memcpy(u + KS_UDP_HLEN, payload, n);
	ks_udp_emit(u, KS_UDP_HLEN + n, 40000, port, IT_ADDR_A, IT_ADDR_B, true);
	return it_ipv4_frame(buf, KS_IPPROTO_UDP, u, KS_UDP_HLEN + n);
}

void it_fix_ip_csum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

	ks_put16(ip + 10, 0);
	ks_put16(ip + 10, ks_csum(ip, hlen));
}

void it_fix_l4_csum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
	size_t len = ks_get16(ip + 2) - hlen;
	uint8_t *l4 = ip + hlen;

	if (ip[9] == KS_IPPROTO_UDP) {
		size_t ulen = ks_get16(l4 + 4); /* the sum covers what UDP claims */
		ks_put16(l4 + 6, 0);
		uint32_t sum = ks_csum_partial(l4, ulen < len ? ulen : len, 0);
		ks_put16(l4 + 6, ks_udp_csum_final(sum, ks_get32(ip + 12), ks_get32(ip + 16),
						   ks_get16(l4 + 4)));
	} else {
		ks_put16(l4 + 2, 0);
		ks_put16(l4 + 2, ks_csum(l4, len));
	}
}

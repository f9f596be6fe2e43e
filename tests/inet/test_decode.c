/*
 * test_decode.c - the receive path's parse stage on whole frames: the
 * known frames decode to the right kinds and offsets; each malformed frame
 * is dropped with exactly one count under the right reason; truncation at
 * every byte offset; every single-byte corruption either decodes or is
 * counted exactly once.
 */
#include <string.h>

#include "it.h"

#define IPOFF KS_ETH_HLEN

static void t_known_frames(struct it_ctx *t)
{
	struct ks_inet_decoded d;

	IT_EQ(t, ks_inet_decode(&t->st, it_frame_udp, sizeof(it_frame_udp), 0, &d), 0);
	IT_TRUE(t, d.kind == KS_INET_UDP && !d.link_bcast && !d.link_mcast);
	IT_TRUE(t, d.l3_off == 14 && d.l4_off == 34 && d.end == 47);
	IT_TRUE(t, d.ip.src == IT_ADDR_A && d.udp.dport == 7 && d.udp.payload_len == 5);
	IT_TRUE(t, d.udp.payload == it_frame_udp + 42);
	IT_EQ(t, ks_inet_decode(&t->st, it_frame_icmp_echo, sizeof(it_frame_icmp_echo), 0, &d), 0);
	IT_TRUE(t, d.kind == KS_INET_ICMP && d.icmp.type == KS_ICMP_ECHO && d.icmp.id == 0x0d0e);
	IT_EQ(t, ks_inet_decode(&t->st, it_frame_arp_request, sizeof(it_frame_arp_request), 0, &d),
	      0);
	IT_TRUE(t, d.kind == KS_INET_ARP && d.link_bcast && d.arp.tpa == IT_ADDR_B);
	IT_TRUE(t, d.l3_off == 14 && d.end == 42);
	IT_EQ(t, it_drops_total(&t->st), 0);
}

/* Ethernet pads short frames to 60 bytes: the padding is not data. */
static void t_padding_and_link_kinds(struct it_ctx *t)
{
	uint8_t f[KS_ETH_ZLEN] = { 0 };
	struct ks_inet_decoded d;

	memcpy(f, it_frame_udp, sizeof(it_frame_udp));
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(f), 0, &d), 0);
	IT_TRUE(t, d.kind == KS_INET_UDP && d.end == 47 && d.udp.payload_len == 5);
	f[0] = 0x01, f[1] = 0x00, f[2] = 0x5e; /* an IPv4 multicast MAC */
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(f), 0, &d), 0);
	IT_TRUE(t, d.link_mcast && !d.link_bcast);
	memcpy(f, ks_eth_broadcast, 6);
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(f), 0, &d), 0);
	IT_TRUE(t, d.link_bcast && !d.link_mcast);
}

/* Fragments stop at IPv4 (their transport header is not checked yet);
 * other protocols pass as IPV4_OTHER, TCP is parsed; a device-verified checksum is
 * believed; the IPv4 entry works without a link header. */
static void t_kinds(struct it_ctx *t)
{
	uint8_t f[64];
	struct ks_inet_decoded d;

	memcpy(f, it_frame_udp, sizeof(it_frame_udp));
	f[sizeof(it_frame_udp) - 1] ^= 1; /* break the UDP checksum */
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(it_frame_udp), KS_WIRE_CSUM_OK, &d), 0);
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(it_frame_udp), 0, &d), -KS_DROP_BAD_CHECKSUM);
	ks_put16(f + IPOFF + 6, 0x2000); /* MF: a first fragment */
	it_fix_ip_csum(f + IPOFF);
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(it_frame_udp), 0, &d), 0);
	IT_TRUE(t, d.kind == KS_INET_IPV4_FRAG && d.ip.mf && d.l4_off == 34);
	f[IPOFF + 9] = 253; /* RFC 3692's experimental protocol */
	ks_put16(f + IPOFF + 6, 0);
	it_fix_ip_csum(f + IPOFF);
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(it_frame_udp), 0, &d), 0);
	IT_TRUE(t, d.kind == KS_INET_IPV4_OTHER && d.ip.proto == 253);
	/* TCP is parsed now: 13 bytes are no TCP header. */
	f[IPOFF + 9] = KS_IPPROTO_TCP;
	it_fix_ip_csum(f + IPOFF);
	IT_EQ(t, ks_inet_decode(&t->st, f, sizeof(it_frame_udp), 0, &d), -KS_DROP_TRUNCATED);
	IT_EQ(t, ks_inet_decode_ipv4(&t->st, it_frame_udp + IPOFF, 33, 0, &d), 0);
	IT_TRUE(t, d.kind == KS_INET_UDP && d.l3_off == 0 && d.l4_off == 20 && d.end == 33);
	IT_EQ(t, ks_inet_decode_ipv4(&t->st, it_frame_udp + IPOFF, 32, 0, &d), -KS_DROP_TRUNCATED);
	IT_EQ(t, it_drops_total(&t->st), 3);
}

/* ---- the malformed-frame table ---- */

enum base { UDP, ECHO, ARP };

struct bad_case {
	const char *what;
	enum base base;
	void (*mutate)(uint8_t *f, size_t *len);
	int reason;
};

static void m_eth_short(uint8_t *f, size_t *len) { (void)f; *len = 13; }
static void m_ipv6(uint8_t *f, size_t *len) { (void)len; ks_put16(f + 12, 0x86dd); }
static void m_llc(uint8_t *f, size_t *len) { (void)len; ks_put16(f + 12, 46); }
static void m_version(uint8_t *f, size_t *len)
{
	(void)len;
	f[IPOFF] = 0x65;
	it_fix_ip_csum(f + IPOFF);
}
static void m_ihl4(uint8_t *f, size_t *len) { (void)len; f[IPOFF] = 0x44; }
static void m_ihl15(uint8_t *f, size_t *len) { (void)len; f[IPOFF] = 0x4f; }
static void m_ip_csum(uint8_t *f, size_t *len) { (void)len; f[IPOFF + 10] ^= 0x40; }
static void m_totlen_big(uint8_t *f, size_t *len)
{
	ks_put16(f + IPOFF + 2, (uint16_t)(*len - IPOFF + 1));
	it_fix_ip_csum(f + IPOFF);
}
static void m_totlen_small(uint8_t *f, size_t *len)
{
	(void)len;
	ks_put16(f + IPOFF + 2, 19);
	it_fix_ip_csum(f + IPOFF);
}
static void m_frag_overflow(uint8_t *f, size_t *len)
{
	(void)len;
	ks_put16(f + IPOFF + 6, 0x1fff);
	it_fix_ip_csum(f + IPOFF);
}
/* Inserts a 4-byte option word after the fixed header. */
static void with_option(uint8_t *f, size_t *len, const uint8_t opt[4])
{
	memmove(f + IPOFF + 24, f + IPOFF + 20, *len - IPOFF - 20);
	memcpy(f + IPOFF + 20, opt, 4);
	*len += 4;
	f[IPOFF] = 0x46;
	ks_put16(f + IPOFF + 2, (uint16_t)(ks_get16(f + IPOFF + 2) + 4));
	it_fix_ip_csum(f + IPOFF);
}
static void m_bad_option(uint8_t *f, size_t *len)
{
	with_option(f, len, (const uint8_t[]){ 7, 5, 4, 0 }); /* record route, length 5 */
}
static void m_lsrr(uint8_t *f, size_t *len)
{
	with_option(f, len, (const uint8_t[]){ 0x83, 3, 4, 0 });
}
static void m_src_mcast(uint8_t *f, size_t *len)
{
	(void)len;
	ks_put32(f + IPOFF + 12, KS_IPV4(224, 0, 0, 9));
	it_fix_ip_csum(f + IPOFF);
}
static void m_l4_csum(uint8_t *f, size_t *len) { f[*len - 1] ^= 0x10; }
static void m_udp_len_small(uint8_t *f, size_t *len) { (void)len; ks_put16(f + 38, 7); }
static void m_udp_len_big(uint8_t *f, size_t *len) { (void)len; ks_put16(f + 38, 14); }
static void m_l4_short(uint8_t *f, size_t *len)
{
	(void)len;
	ks_put16(f + IPOFF + 2, 20 + 7);
	it_fix_ip_csum(f + IPOFF);
}
static void m_icmp_type13(uint8_t *f, size_t *len)
{
	(void)len;
	f[34] = 13;
	it_fix_l4_csum(f + IPOFF);
}
/* A destination unreachable whose "quote" is the echo's text. */
static void m_icmp_bad_quote(uint8_t *f, size_t *len)
{
	(void)len;
	f[34] = 3;
	it_fix_l4_csum(f + IPOFF);
}
static void m_arp_hlen(uint8_t *f, size_t *len) { (void)len; f[18] = 8; }
static void m_arp_op(uint8_t *f, size_t *len) { (void)len; f[21] = 3; }
static void m_arp_short(uint8_t *f, size_t *len) { (void)f; *len = 41; }

static const struct bad_case bad_cases[] = {
	{ "frame shorter than Ethernet", UDP, m_eth_short, KS_DROP_TRUNCATED },
	{ "IPv6 EtherType", UDP, m_ipv6, KS_DROP_UNSUPPORTED },
	{ "802.3 length frame", UDP, m_llc, KS_DROP_UNSUPPORTED },
	{ "IP version 6", UDP, m_version, KS_DROP_BAD_VERSION },
	{ "IHL 4", UDP, m_ihl4, KS_DROP_BAD_IHL },
	{ "IHL past the buffer", UDP, m_ihl15, KS_DROP_TRUNCATED },
	{ "IP header checksum", UDP, m_ip_csum, KS_DROP_BAD_CHECKSUM },
	{ "total length > buffer", UDP, m_totlen_big, KS_DROP_TRUNCATED },
	{ "total length < header", UDP, m_totlen_small, KS_DROP_BAD_LENGTH },
	{ "fragment offset overflow", UDP, m_frag_overflow, KS_DROP_BAD_FRAGMENT },
	{ "option past the header", UDP, m_bad_option, KS_DROP_BAD_OPTIONS },
	{ "loose source route", ECHO, m_lsrr, KS_DROP_SOURCE_ROUTE },
	{ "multicast source", UDP, m_src_mcast, KS_DROP_BAD_ADDRESS },
	{ "UDP checksum", UDP, m_l4_csum, KS_DROP_BAD_CHECKSUM },
	{ "UDP length < 8", UDP, m_udp_len_small, KS_DROP_BAD_LENGTH },
	{ "UDP length > IP payload", UDP, m_udp_len_big, KS_DROP_TRUNCATED },
	{ "UDP header cut by IP length", UDP, m_l4_short, KS_DROP_TRUNCATED },
	{ "ICMP checksum", ECHO, m_l4_csum, KS_DROP_BAD_CHECKSUM },
	{ "ICMP header cut by IP length", ECHO, m_l4_short, KS_DROP_TRUNCATED },
	{ "ICMP timestamp (not handled)", ECHO, m_icmp_type13, KS_DROP_UNSUPPORTED },
	{ "ICMP error quoting garbage", ECHO, m_icmp_bad_quote, KS_DROP_BAD_QUOTE },
	{ "ARP hardware length 8", ARP, m_arp_hlen, KS_DROP_BAD_HEADER },
	{ "ARP operation 3 (RARP)", ARP, m_arp_op, KS_DROP_UNSUPPORTED },
	{ "ARP cut short", ARP, m_arp_short, KS_DROP_TRUNCATED },
};

static size_t base_frame(enum base b, uint8_t *f)
{
	const uint8_t *src = b == UDP ? it_frame_udp : b == ECHO ? it_frame_icmp_echo
								 : it_frame_arp_request;
	size_t n = b == UDP ? sizeof(it_frame_udp) : b == ECHO ? sizeof(it_frame_icmp_echo)
							       : sizeof(it_frame_arp_request);
	memcpy(f, src, n);
	return n;
}

static void t_malformed_table(struct it_ctx *t)
{
	uint8_t f[128];
	struct ks_inet_decoded d;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = base_frame(c->base, f);
		c->mutate(f, &len);
		ks_inet_stack_reset(&t->st);
		int rc = ks_inet_decode(&t->st, f, len, 0, &d);
		if (rc != -c->reason || ks_inet_drops_get(&t->st, c->reason) != 1 ||
		    it_drops_total(&t->st) != 1) {
			it_fail(t, __FILE__, __LINE__, "%s: rc %d (%s), want %s", c->what, rc,
				ks_is_drop(rc) ? ks_inet_drop_name(-rc) : "not a drop",
				ks_inet_drop_name(c->reason));
			return;
		}
	}
}

/* Every prefix of each known frame is dropped as truncated. */
static void t_truncated_every_offset(struct it_ctx *t)
{
	struct ks_inet_decoded d;
	unsigned long n = 0;

	for (int b = UDP; b <= ARP; b++) {
		uint8_t f[128];
		size_t len = base_frame(b, f);
		for (size_t k = 0; k < len; k++, n++) {
			int rc = ks_inet_decode(&t->st, f, k, 0, &d);
			if (rc != -KS_DROP_TRUNCATED) {
				it_fail(t, __FILE__, __LINE__, "frame %d cut at %zu: rc %d", b, k,
					rc);
				return;
			}
		}
		IT_EQ(t, ks_inet_decode(&t->st, f, len, 0, &d), 0);
	}
	IT_EQ(t, t->st.drops.truncated, n);
	IT_EQ(t, it_drops_total(&t->st), n);
}

/* Every byte of each known frame xor-ed with several masks: the frame
 * either decodes or is counted under exactly one reason. */
static void t_corruption_counted_once(struct it_ctx *t)
{
	static const uint8_t masks[] = { 0x01, 0x08, 0x80, 0xff };
	struct ks_inet_decoded d;
	unsigned long drops = 0;

	for (int b = UDP; b <= ARP; b++) {
		uint8_t f[128];
		size_t len = base_frame(b, f);
		for (size_t i = 0; i < len; i++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				base_frame(b, f);
				f[i] ^= masks[m];
				int rc = ks_inet_decode(&t->st, f, len, 0, &d);
				IT_TRUE(t, rc == 0 || ks_is_drop(rc));
				drops += rc < 0;
				IT_EQ(t, it_drops_total(&t->st), drops);
				IT_TRUE(t, rc < 0 || d.end <= len);
			}
		}
	}
	IT_TRUE(t, drops > 0);
}

const struct it_case it_cases_decode[] = {
	{ "known_frames", t_known_frames },
	{ "padding_and_link_kinds", t_padding_and_link_kinds },
	{ "kinds", t_kinds },
	{ "malformed_table", t_malformed_table },
	{ "truncated_every_offset", t_truncated_every_offset },
	{ "corruption_counted_once", t_corruption_counted_once },
	{ 0 },
};

/*
 * lan.c - the fake Ethernet link of lan.h: devices that keep what they
 * send, interfaces with recording hooks, frame builders.
 */
#include <string.h>

#include "lan.h"

static int lan_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct lan_dev *d = dev->priv;

	if (d->xmit_rc) {
		ks_pbuf_free(p);
		return d->xmit_rc;
	}
	ks_pbufq_push(&d->sent, p);
	return 0;
}

static const struct ks_netdev_ops lan_ops = { .xmit = lan_xmit };

static int lan_udp_hook(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *dec)
{
	struct lan_dev *d = arg;

	(void)dec; /* the datagram itself is kept */
	if (d->udp_rc)
		return d->udp_rc;
	ks_pbufq_push(&d->got, p);
	return 0;
}

static void lan_err_hook(void *arg, const struct ks_icmp_hdr *icmp)
{
	struct lan_dev *d = arg;

	d->errs++;
	d->err_type = icmp->type;
	d->err_code = icmp->code;
	d->err_proto = icmp->quote.ip.proto;
	d->err_src = icmp->quote.ip.src;
	d->err_dst = icmp->quote.ip.dst;
	d->err_sport = icmp->quote.sport;
	d->err_dport = icmp->quote.dport;
}

int lan_up(struct it_ctx *t, struct lan_dev *d, const uint8_t *mac, uint16_t ifindex,
	   uint32_t addr, unsigned plen, bool hooks)
{
	memset(d, 0, sizeof(*d));
	ks_netdev_init(&d->dev, &lan_ops, d, "lan");
	d->dev.pool = &t->st.pbufs;
	d->dev.ifindex = ifindex;
	memcpy(d->dev.mac, mac, 6);
	ks_pbufq_init(&d->sent);
	ks_pbufq_init(&d->got);
	int rc = ks_inet_netif_add(&t->st, &d->dev, addr, plen, &d->nif);
	if (rc)
		return rc;
	if (hooks) {
		ks_inet_netif_set_udp(d->nif, lan_udp_hook, d);
		ks_inet_netif_set_err(d->nif, lan_err_hook, d);
	}
	return ks_netdev_open(&d->dev);
}

void lan_down(struct lan_dev *d)
{
	ks_netdev_stop(&d->dev);
	ks_inet_netif_del(d->nif);
	ks_pbufq_purge(&d->sent);
	ks_pbufq_purge(&d->got);
}

void lan_feed(struct lan_dev *d, const uint8_t *frame, size_t len)
{
	struct ks_pbuf *p;

	if (ks_netdev_alloc_rx(&d->dev, (uint32_t)len, &p) == 0) {
		memcpy(p->data, frame, len);
		ks_netdev_rx(&d->dev, p);
	}
}

int lan_poll(struct lan_dev *d)
{
	return ks_inet_netif_poll(d->nif);
}

struct ks_pbuf *lan_take(struct lan_dev *d)
{
	return ks_pbufq_pop(&d->sent);
}

int lan_drain(struct lan_dev *d)
{
	int n = (int)d->sent.count;

	ks_pbufq_purge(&d->sent);
	return n;
}

static size_t lan_ipv4(uint8_t *buf, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
		       uint32_t dst, uint8_t proto, size_t l4len)
{
	struct ks_eth_hdr eh = { .type = KS_ETH_P_IPV4 };
	struct ks_ipv4_hdr ih = { .tot_len = (uint16_t)(KS_IPV4_HLEN_MIN + l4len), .id = 7,
				  .df = true, .ttl = 64, .proto = proto, .src = src, .dst = dst };

	memcpy(eh.dst, dmac, 6);
	memcpy(eh.src, smac, 6);
	ks_eth_emit(buf, KS_ETH_HLEN, &eh);
	ks_ipv4_emit(buf + KS_ETH_HLEN, KS_IPV4_HLEN_MIN, &ih);
	return KS_ETH_HLEN + KS_IPV4_HLEN_MIN + l4len;
}

size_t lan_udp(uint8_t *buf, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
	       uint32_t dst, uint16_t sport, uint16_t dport, const void *payload, size_t n)
{
	uint8_t *u = buf + KS_ETH_HLEN + KS_IPV4_HLEN_MIN;

	memcpy(u + KS_UDP_HLEN, payload, n);
	ks_udp_emit(u, KS_UDP_HLEN + n, sport, dport, src, dst, true);
	return lan_ipv4(buf, dmac, smac, src, dst, KS_IPPROTO_UDP, KS_UDP_HLEN + n);
}

size_t lan_icmp(uint8_t *buf, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
		uint32_t dst, const uint8_t *msg, size_t n)
{
	size_t len = lan_ipv4(buf, dmac, smac, src, dst, KS_IPPROTO_ICMP, n);

	memmove(buf + KS_ETH_HLEN + KS_IPV4_HLEN_MIN, msg, n);
	it_fix_l4_csum(buf + KS_ETH_HLEN);
	return len;
}

size_t lan_arp(uint8_t *buf, const uint8_t *edst, uint16_t op, const uint8_t *sha, uint32_t spa,
	       const uint8_t *tha, uint32_t tpa)
{
	struct ks_eth_hdr eh = { .type = KS_ETH_P_ARP };
	struct ks_arp a = { .op = op, .spa = spa, .tpa = tpa };

	memcpy(eh.dst, edst, 6);
	memcpy(eh.src, sha, 6);
	memcpy(a.sha, sha, 6);
	memcpy(a.tha, tha, 6);
	ks_eth_emit(buf, KS_ETH_HLEN, &eh);
	ks_arp_emit(buf + KS_ETH_HLEN, KS_ARP_LEN, &a);
	return KS_ETH_HLEN + KS_ARP_LEN;
}

struct ks_pbuf *lan_dgram(struct it_ctx *t, uint32_t src, uint32_t dst, uint32_t n, uint8_t tag)
{
	struct ks_ipv4_hdr ih = { .tot_len = (uint16_t)(KS_IPV4_HLEN_MIN + KS_UDP_HLEN + n),
				  .id = 9, .df = true, .ttl = 64, .proto = KS_IPPROTO_UDP,
				  .src = src, .dst = dst };
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&t->st.pbufs, KS_PBUF_ROOM_IP, ih.tot_len, &p))
		return NULL;
	uint8_t *u = p->data + KS_IPV4_HLEN_MIN;
	memset(u + KS_UDP_HLEN, tag, n);
	ks_udp_emit(u, KS_UDP_HLEN + n, 40000, 9, src, dst, true);
	ks_ipv4_emit(p->data, KS_IPV4_HLEN_MIN, &ih);
	return p;
}

/*
 * pcap.c - the capturing device wrapper (pcap.h).
 */
#include "pcap.h"

static void put_le16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *b, uint32_t v)
{
	put_le16(b, (uint16_t)v);
	put_le16(b + 2, (uint16_t)(v >> 16));
}

void ks_pcap_global_header(uint8_t out[KS_PCAP_HDR_LEN], uint32_t linktype, uint32_t snaplen)
{
	put_le32(out, KS_PCAP_MAGIC);
	put_le16(out + 4, 2); /* version 2.4 */
	put_le16(out + 6, 4);
	put_le32(out + 8, 0);  /* thiszone: timestamps are UTC */
	put_le32(out + 12, 0); /* sigfigs */
	put_le32(out + 16, snaplen);
	put_le32(out + 20, linktype);
}

static void pcap_count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static uint64_t pcap_now(const struct ks_pcap *c)
{
	return c->cfg.now ? c->cfg.now(c->cfg.now_arg) : ks_inet_now(c->st);
}

/* Writes one record for p (borrowed): its header, then its segments up to
 * the snap length, under the lock. */
static void pcap_record(struct ks_pcap *c, const struct ks_pbuf *p)
{
	uint64_t t = pcap_now(c);
	uint32_t incl = p->tot_len < c->cfg.snaplen ? p->tot_len : c->cfg.snaplen;
	uint8_t rec[KS_PCAP_REC_LEN];
	int rc;

	put_le32(rec, (uint32_t)(t / 1000000000u));
	put_le32(rec + 4, (uint32_t)(t % 1000000000u / 1000u));
	put_le32(rec + 8, incl);
	put_le32(rec + 12, p->tot_len);
	if (c->cfg.lock)
		c->cfg.lock(c->cfg.lock_arg);
	rc = c->cfg.write(c->cfg.write_arg, rec, sizeof(rec));
	for (const struct ks_pbuf *s = p; s && incl && rc == 0; s = s->next) {
		uint32_t n = s->len < incl ? s->len : incl;

		if (n)
			rc = c->cfg.write(c->cfg.write_arg, s->data, n);
		incl -= n;
	}
	if (c->cfg.unlock)
		c->cfg.unlock(c->cfg.lock_arg);
	pcap_count(rc == 0 ? &c->stats.records : &c->stats.write_errors);
}

static int pcap_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct ks_pcap *c = dev->priv;

	pcap_record(c, p);
	return ks_netdev_xmit(c->lower, p);
}

static void pcap_rx(void *arg, struct ks_netdev *lower, struct ks_pbuf *p)
{
	struct ks_pcap *c = arg;

	(void)lower; /* always c->lower */
	pcap_record(c, p);
	ks_netdev_rx(&c->dev, p);
}

static int pcap_open(struct ks_netdev *dev)
{
	struct ks_pcap *c = dev->priv;

	return ks_netdev_open(c->lower);
}

static void pcap_stop(struct ks_netdev *dev)
{
	struct ks_pcap *c = dev->priv;

	ks_netdev_stop(c->lower);
}

static const struct ks_netdev_ops pcap_ops = {
	.xmit = pcap_xmit,
	.open = pcap_open,
	.stop = pcap_stop,
};

int ks_pcap_init(struct ks_pcap *c, struct ks_inet_stack *st, struct ks_netdev *lower,
		 const struct ks_pcap_config *cfg)
{
	uint8_t hdr[KS_PCAP_HDR_LEN];
	uint32_t linktype;

	if (!cfg->write)
		return -KS_EINVAL;
	if (lower->link == KS_NETDEV_LINK_ETHER)
		linktype = KS_PCAP_LINKTYPE_ETHERNET;
	else if (lower->link == KS_NETDEV_LINK_NONE)
		linktype = KS_PCAP_LINKTYPE_RAW;
	else
		return -KS_EINVAL;
	__builtin_memset(c, 0, sizeof(*c));
	ks_netdev_init(&c->dev, &pcap_ops, c, lower->name);
	ks_netdev_inherit(&c->dev, lower);
	c->lower = lower;
	c->st = st;
	c->cfg = *cfg;
	if (!c->cfg.snaplen || c->cfg.snaplen > KS_PCAP_SNAPLEN)
		c->cfg.snaplen = KS_PCAP_SNAPLEN;
	ks_netdev_attach(lower, pcap_rx, c);
	ks_pcap_global_header(hdr, linktype, c->cfg.snaplen);
	int rc = c->cfg.write(c->cfg.write_arg, hdr, sizeof(hdr));
	if (rc)
		pcap_count(&c->stats.write_errors);
	return rc;
}

void ks_pcap_stats_get(const struct ks_pcap *c, struct ks_pcap_stats *out)
{
	out->records = __atomic_load_n(&c->stats.records, __ATOMIC_RELAXED);
	out->write_errors = __atomic_load_n(&c->stats.write_errors, __ATOMIC_RELAXED);
}

/*
 * netdev.c - the network-device interface: init, attach, open/stop, the
 * transmit and receive entries with their counters. The contract is in
 * netdev.h.
 */
#include "netdev.h"

#include "../core/socket.h" /* KS_ASSERT */

static void stat_add(unsigned long *c, unsigned long n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

void ks_netdev_init(struct ks_netdev *dev, const struct ks_netdev_ops *ops, void *priv,
		    const char *name)
{
	KS_ASSERT(ops && ops->xmit);
	__builtin_memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->priv = priv;
	for (size_t i = 0; name && name[i] && i < KS_NETDEV_NAMELEN - 1; i++)
		dev->name[i] = name[i];
	dev->link = KS_NETDEV_LINK_ETHER;
	dev->mtu = KS_ETH_MTU;
}

void ks_netdev_attach(struct ks_netdev *dev, ks_netdev_rx_fn *fn, void *arg)
{
	dev->rx = fn;
	dev->rx_arg = arg;
}

int ks_netdev_open(struct ks_netdev *dev)
{
	int rc = dev->ops->open ? dev->ops->open(dev) : 0;

	if (rc == 0)
		__atomic_or_fetch(&dev->flags, KS_NETDEV_F_UP, __ATOMIC_RELEASE);
	return rc;
}

void ks_netdev_stop(struct ks_netdev *dev)
{
	__atomic_and_fetch(&dev->flags, ~KS_NETDEV_F_UP, __ATOMIC_RELEASE);
	if (dev->ops->stop)
		dev->ops->stop(dev);
}

bool ks_netdev_is_up(const struct ks_netdev *dev)
{
	return (__atomic_load_n(&dev->flags, __ATOMIC_ACQUIRE) & KS_NETDEV_F_UP) != 0;
}

uint32_t ks_netdev_hlen(const struct ks_netdev *dev)
{
	return dev->link == KS_NETDEV_LINK_ETHER ? KS_ETH_HLEN : 0;
}

int ks_netdev_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	uint32_t len = p->tot_len;
	int rc;

	if (len > dev->mtu + ks_netdev_hlen(dev)) {
		ks_pbuf_free(p);
		rc = -KS_EMSGSIZE;
	} else {
		rc = dev->ops->xmit(dev, p); /* takes p */
	}
	if (rc == 0) {
		stat_add(&dev->stats.tx_packets, 1);
		stat_add(&dev->stats.tx_bytes, len);
	} else if (rc == -KS_EIO) {
		stat_add(&dev->stats.tx_errors, 1);
	} else {
		stat_add(&dev->stats.tx_dropped, 1);
	}
	return rc;
}

int ks_netdev_alloc_rx(struct ks_netdev *dev, uint32_t len, struct ks_pbuf **out)
{
	KS_ASSERT(dev->pool);
	int rc = ks_pbuf_alloc(dev->pool, 0, len, out);

	if (rc)
		stat_add(&dev->stats.rx_dropped, 1);
	return rc;
}

void ks_netdev_rx(struct ks_netdev *dev, struct ks_pbuf *p)
{
	ks_netdev_rx_fn *fn = dev->rx;

	if (!fn) {
		stat_add(&dev->stats.rx_dropped, 1);
		ks_pbuf_free(p);
		return;
	}
	p->ifindex = dev->ifindex;
	stat_add(&dev->stats.rx_packets, 1);
	stat_add(&dev->stats.rx_bytes, p->tot_len);
	fn(dev->rx_arg, dev, p); /* takes p */
}

void ks_netdev_stats_get(const struct ks_netdev *dev, struct ks_netdev_stats *out)
{
	const struct ks_netdev_stats *s = &dev->stats;

	out->rx_packets = __atomic_load_n(&s->rx_packets, __ATOMIC_RELAXED);
	out->rx_bytes = __atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
	out->rx_dropped = __atomic_load_n(&s->rx_dropped, __ATOMIC_RELAXED);
	out->tx_packets = __atomic_load_n(&s->tx_packets, __ATOMIC_RELAXED);
	out->tx_bytes = __atomic_load_n(&s->tx_bytes, __ATOMIC_RELAXED);
	out->tx_dropped = __atomic_load_n(&s->tx_dropped, __ATOMIC_RELAXED);
	out->tx_errors = __atomic_load_n(&s->tx_errors, __ATOMIC_RELAXED);
}

void ks_netdev_inherit(struct ks_netdev *upper, const struct ks_netdev *lower)
{
	upper->link = lower->link;
	upper->mtu = lower->mtu;
	upper->offload = lower->offload;
	upper->headroom = lower->headroom;
	__builtin_memcpy(upper->mac, lower->mac, KS_ETH_ALEN);
	upper->pool = lower->pool;
	upper->ifindex = lower->ifindex;
}

/*
 * netif.c - an IPv4 interface: the receive queue its device's upcall
 * fills, and the poll that drains it: ARP responder and cache, ICMP echo,
 * UDP to the socket layer's hook; and IPv4 output to a neighbour.
 * See netif.h for the object model, locking and ownership.
 */
#include "netif.h"

#include "decode.h"
#include "ipfrag.h"
#include "wire/checksum.h"

/* ---- configuration ---- */

static uint32_t prefix_mask(unsigned prefix_len)
{
	return prefix_len ? 0xffffffffu << (32 - prefix_len) : 0;
}

/* A unicast address a host may hold on the prefix (RFC 1122 3.2.1.3). */
static bool addr_usable(uint32_t addr, uint32_t mask)
{
	if (ks_ipv4_is_zeronet(addr) || ks_ipv4_is_loopback(addr) ||
	    ks_ipv4_is_multicast(addr) || ks_ipv4_is_lbcast(addr) || addr >> 28 == 0xf)
		return false;
	return (addr & ~mask) != 0 && (addr & ~mask) != ~mask;
}

/* The device's upcall (its receive context): only queues; takes p. */
static void netif_upcall(void *arg, struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct ks_inet_netif *nif = arg;
	struct ks_pbuf *head;

	(void)dev; /* nif->dev */
	if (__atomic_add_fetch(&nif->rx_count, 1, __ATOMIC_RELAXED) > KS_INET_NETIF_RXQ_MAX) {
		__atomic_fetch_sub(&nif->rx_count, 1, __ATOMIC_RELAXED);
		ks_pbuf_free(p);
		(void)ks_inet_count_drop(nif->st, -KS_ENOBUFS); /* counted as no_memory */
		return;
	}
	head = __atomic_load_n(&nif->rx_head, __ATOMIC_RELAXED);
	do {
		p->qnext = head;
	} while (!__atomic_compare_exchange_n(&nif->rx_head, &head, p, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

int ks_inet_netif_add(struct ks_inet_stack *st, struct ks_netdev *dev, uint32_t addr,
		      unsigned prefix_len, struct ks_inet_netif **out)
{
	struct ks_inet_netif *nif;

	if (prefix_len < 1 || prefix_len > 30 || dev->link != KS_NETDEV_LINK_ETHER ||
	    !addr_usable(addr, prefix_mask(prefix_len)))
		return -KS_EINVAL;
	nif = ks_port_alloc(sizeof(*nif));
	if (!nif)
		return -KS_ENOMEM;
	__builtin_memset(nif, 0, sizeof(*nif));
	nif->st = st;
	nif->dev = dev;
	nif->addr = addr;
	nif->prefix_len = (uint8_t)prefix_len;
	nif->mask = prefix_mask(prefix_len);
	nif->ip_id = 1;
	ks_netdev_attach(dev, netif_upcall, nif);
	*out = nif;
	return 0;
}

void ks_inet_netif_del(struct ks_inet_netif *nif)
{
	struct ks_pbuf *p = __atomic_exchange_n(&nif->rx_head, NULL, __ATOMIC_ACQUIRE);

	ks_netdev_attach(nif->dev, NULL, NULL);
	ks_pbuf_free(nif->pending);
	while (p) {
		struct ks_pbuf *next = p->qnext;

		p->qnext = NULL;
		ks_pbuf_free(p);
		p = next;
	}
	ks_port_free(nif, sizeof(*nif));
}

/* ---- the ARP cache ---- */

static struct ks_inet_arp_entry *arp_find(struct ks_inet_netif *nif, uint32_t addr)
{
	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		if (nif->arp[i].addr == addr)
			return &nif->arp[i];
	return NULL;
}

/* A free slot, else the one closest to expiry. */
static struct ks_inet_arp_entry *arp_victim(struct ks_inet_netif *nif)
{
	struct ks_inet_arp_entry *v = &nif->arp[0];

	for (int i = 0; i < KS_INET_ARP_SLOTS; i++) {
		if (nif->arp[i].addr == 0)
			return &nif->arp[i];
		if (nif->arp[i].expires < v->expires)
			v = &nif->arp[i];
	}
	return v;
}

static int send_ip(struct ks_inet_netif *nif, struct ks_pbuf *p, const uint8_t *mac);

/* Sends the datagram waiting for addr's mapping, if there is one. */
static void pending_flush(struct ks_inet_netif *nif, uint32_t addr, const uint8_t *mac)
{
	struct ks_pbuf *p = nif->pending;

	if (!p || nif->pending_dst != addr)
		return;
	nif->pending = NULL;
	nif->pending_dst = 0;
	(void)send_ip(nif, p, mac); /* its sender was told 0 already, as Linux */
}

/* Refreshes addr's entry (RFC 826 "merge"); creates it if create is set.
 * Returns whether an entry was written. */
static bool arp_update(struct ks_inet_netif *nif, uint32_t addr, const uint8_t *mac, bool create)
{
	struct ks_inet_arp_entry *e = arp_find(nif, addr);

	if (!e && !create)
		return false;
	if (!e)
		e = arp_victim(nif);
	e->addr = addr;
	__builtin_memcpy(e->mac, mac, KS_ETH_ALEN);
	e->expires = ks_inet_now(nif->st) + KS_INET_ARP_REACHABLE_NS;
	nif->stats.arp_learnt++;
	pending_flush(nif, addr, mac);
	return true;
}

int ks_inet_arp_lookup(const struct ks_inet_netif *nif, uint32_t addr, uint8_t *mac)
{
	uint64_t now = ks_inet_now(nif->st);

	for (int i = 0; i < KS_INET_ARP_SLOTS; i++) {
		const struct ks_inet_arp_entry *e = &nif->arp[i];

		if (addr != 0 && e->addr == addr && now < e->expires) {
			__builtin_memcpy(mac, e->mac, KS_ETH_ALEN);
			return 0;
		}
	}
	return -KS_ENOENT;
}

static void arp_expire(struct ks_inet_netif *nif)
{
	uint64_t now = ks_inet_now(nif->st);

	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		if (nif->arp[i].addr != 0 && now >= nif->arp[i].expires)
			__builtin_memset(&nif->arp[i], 0, sizeof(nif->arp[i]));
}

/* ---- output ---- */

/* A frame of len bytes with the device's room, its Ethernet header
 * written (to dst, of type); gives it in *out, or -KS_ENOBUFS/-KS_ENOMEM. */
static int frame_alloc(struct ks_inet_netif *nif, const uint8_t *dst, uint16_t type,
		       uint32_t len, struct ks_pbuf **out)
{
	struct ks_eth_hdr eth = { .type = type };
	int rc = ks_pbuf_alloc(&nif->st->pbufs, nif->dev->headroom, len, out);

	if (rc)
		return rc;
	__builtin_memcpy(eth.dst, dst, KS_ETH_ALEN);
	__builtin_memcpy(eth.src, nif->dev->mac, KS_ETH_ALEN);
	(void)ks_eth_emit((*out)->data, len, &eth); /* len >= KS_ETH_HLEN: cannot fail */
	return 0;
}

static void transmit(struct ks_inet_netif *nif, struct ks_pbuf *p, unsigned long *sent)
{
	if (ks_netdev_xmit(nif->dev, p) == 0)
		(*sent)++;
	else
		nif->stats.tx_errors++; /* also counted in the device's tx_dropped/tx_errors */
}

/* Prepends the Ethernet header to p (an IPv4 datagram); frees p and
 * returns -KS_ENOBUFS when it has no room. */
static int push_eth(struct ks_inet_netif *nif, struct ks_pbuf *p, const uint8_t *dst)
{
	struct ks_eth_hdr eth = { .type = KS_ETH_P_IPV4 };
	uint8_t *h = ks_pbuf_push(p, KS_ETH_HLEN);

	if (!h) {
		ks_pbuf_free(p);
		return -KS_ENOBUFS;
	}
	__builtin_memcpy(eth.dst, dst, KS_ETH_ALEN);
	__builtin_memcpy(eth.src, nif->dev->mac, KS_ETH_ALEN);
	(void)ks_eth_emit(h, KS_ETH_HLEN, &eth); /* room for the header: cannot fail */
	return 0;
}

/* ---- ARP (RFC 826) ---- */

/* Whether a sender address may be on our link: unicast, on our prefix,
 * not ours (that would be a conflict) and not the prefix's broadcast. */
static bool sender_ok(const struct ks_inet_netif *nif, uint32_t src)
{
	return src != nif->addr && (src & nif->mask) == (nif->addr & nif->mask) &&
	       addr_usable(src, nif->mask);
}

static int arp_reply(struct ks_inet_netif *nif, const struct ks_arp *req)
{
	struct ks_arp a = { .op = KS_ARP_OP_REPLY, .spa = nif->addr, .tpa = req->spa };
	struct ks_pbuf *p;
	int rc = frame_alloc(nif, req->sha, KS_ETH_P_ARP, KS_ETH_HLEN + KS_ARP_LEN, &p);

	if (rc)
		return rc;
	__builtin_memcpy(a.sha, nif->dev->mac, KS_ETH_ALEN);
	__builtin_memcpy(a.tha, req->sha, KS_ETH_ALEN);
	(void)ks_arp_emit(p->data + KS_ETH_HLEN, KS_ARP_LEN, &a); /* sized for it */
	transmit(nif, p, &nif->stats.arp_replies);
	return 0;
}

/* A broadcast request for addr's MAC. */
static int arp_request(struct ks_inet_netif *nif, uint32_t addr)
{
	struct ks_arp a = { .op = KS_ARP_OP_REQUEST, .spa = nif->addr, .tpa = addr };
	struct ks_pbuf *p;
	int rc = frame_alloc(nif, ks_eth_broadcast, KS_ETH_P_ARP, KS_ETH_HLEN + KS_ARP_LEN, &p);

	if (rc)
		return rc;
	__builtin_memcpy(a.sha, nif->dev->mac, KS_ETH_ALEN);
	(void)ks_arp_emit(p->data + KS_ETH_HLEN, KS_ARP_LEN, &a); /* sized for it */
	transmit(nif, p, &nif->stats.arp_requests);
	return 0;
}

/* The RFC 826 reception algorithm, with an RFC 5227 probe (sender 0)
 * answered but not learnt. */
static int arp_input(struct ks_inet_netif *nif, const struct ks_arp *a)
{
	bool merged = false;

	if (ks_eth_is_multicast(a->sha))
		return -KS_DROP_BAD_ADDRESS;
	if (a->spa != 0) {
		if (!sender_ok(nif, a->spa))
			return -KS_DROP_BAD_ADDRESS;
		merged = arp_update(nif, a->spa, a->sha, false);
	}
	if (a->tpa != nif->addr)
		return merged ? 0 : -KS_DROP_NOT_LOCAL;
	if (a->spa != 0 && !merged)
		(void)arp_update(nif, a->spa, a->sha, true); /* returns true when creating */
	if (a->op != KS_ARP_OP_REQUEST)
		return 0;
	return arp_reply(nif, a);
}

/* ---- ICMP echo (RFC 792, RFC 1122 3.2.2.6) ---- */

static int echo_reply(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d)
{
	uint32_t msg_len = d->ip.payload_len;
	uint32_t ip_len = KS_IPV4_HLEN_MIN + msg_len;
	struct ks_ipv4_hdr ip = { .tos = d->ip.tos, .ttl = KS_INET_DEFAULT_TTL,
				  .proto = KS_IPPROTO_ICMP, .tot_len = (uint16_t)ip_len,
				  .id = nif->ip_id, .src = nif->addr, .dst = d->ip.src };
	struct ks_icmp_hdr icmp = { .type = KS_ICMP_ECHOREPLY, .id = d->icmp.id,
				    .seq = d->icmp.seq };
	struct ks_pbuf *p;
	int rc;

	if (ip_len > nif->dev->mtu) /* the request had options: no room */
		return -KS_DROP_UNSUPPORTED;
	rc = frame_alloc(nif, d->eth.src, KS_ETH_P_IPV4, KS_ETH_HLEN + ip_len, &p);
	if (rc)
		return rc;
	nif->ip_id++;
	uint8_t *ipb = p->data + KS_ETH_HLEN, *msg = ipb + KS_IPV4_HLEN_MIN;
	(void)ks_ipv4_emit(ipb, KS_IPV4_HLEN_MIN, &ip); /* a valid header: cannot fail */
	__builtin_memcpy(msg, frame + d->l4_off, msg_len);
	(void)ks_icmp_emit(msg, msg_len, &icmp); /* msg_len >= 8: decoded */
	transmit(nif, p, &nif->stats.echo_replies);
	return 0;
}

static int icmp_input(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d)
{
	if (d->icmp.type != KS_ICMP_ECHO)
		return -KS_DROP_UNSUPPORTED; /* errors to sockets: with UDP on devices */
	if ((d->ip.src & nif->mask) != (nif->addr & nif->mask))
		return -KS_DROP_UNSUPPORTED; /* no route back: connected prefix only */
	return echo_reply(nif, frame, d);
}

/* ---- UDP to the socket layer ---- */

void ks_inet_netif_set_udp(struct ks_inet_netif *nif, ks_inet_netif_udp_fn *fn, void *arg)
{
	nif->udp_fn = fn;
	nif->udp_arg = arg;
}

/* The datagram at frame + d->l3_off copied into a pbuf of its own (the
 * trailing padding left behind); gives it in *out. */
static int dgram_copy(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d, struct ks_pbuf **out)
{
	int rc = ks_pbuf_alloc(&nif->st->pbufs, 0, d->ip.tot_len, out);

	if (rc)
		return rc;
	__builtin_memcpy((*out)->data, frame + d->l3_off, d->ip.tot_len);
	(*out)->ifindex = nif->dev->ifindex;
	return 0;
}

/* Hands the datagram p to the hook; takes p. */
static int udp_deliver(struct ks_inet_netif *nif, struct ks_pbuf *p,
		       const struct ks_inet_decoded *d)
{
	int rc = nif->udp_fn(nif->udp_arg, p, d);

	if (rc) {
		ks_pbuf_free(p);
		return rc;
	}
	nif->stats.udp_in++;
	return 0;
}

static int udp_input(struct ks_inet_netif *nif, const uint8_t *frame,
		     const struct ks_inet_decoded *d)
{
	struct ks_pbuf *p;
	int rc;

	if (!nif->udp_fn)
		return -KS_DROP_UNSUPPORTED;
	rc = dgram_copy(nif, frame, d, &p);
	return rc ? rc : udp_deliver(nif, p, d);
}

/* ---- fragments (ipfrag.h) ---- */

/* A fragment for us goes to reassembly; the datagram it completes is
 * decoded again and goes on as if it had come whole (its Ethernet
 * source, for an echo reply, is the completing fragment's). */
static int frag_input(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d)
{
	struct ks_inet_decoded wd;
	struct ks_pbuf *p, *whole;
	int rc = dgram_copy(nif, frame, d, &p);

	if (rc)
		return rc;
	if (ks_ipfrag_input(nif->st, p, &whole) != 1)
		return 0; /* queued, or dropped and counted by reassembly */
	if (ks_inet_decode_ipv4(nif->st, whole->data, whole->len, 0, &wd) < 0) {
		ks_pbuf_free(whole);
		return 0; /* counted by decode */
	}
	wd.eth = d->eth;
	if (wd.kind == KS_INET_UDP && nif->udp_fn)
		return udp_deliver(nif, whole, &wd);
	rc = wd.kind == KS_INET_ICMP ? icmp_input(nif, whole->data, &wd) : -KS_DROP_UNSUPPORTED;
	ks_pbuf_free(whole);
	return rc;
}

/* Reassembly's ICMP time exceeded (ipfrag.h) goes back like any datagram. */
static void frag_time_exceeded(void *arg, struct ks_pbuf *p, uint32_t dst)
{
	(void)ks_inet_netif_output(arg, p, dst); /* lost if it cannot go, as Linux's */
}

/* Frames p (an IPv4 datagram or fragment) to tx->mac and transmits it. */
struct ip_tx {
	struct ks_inet_netif *nif;
	const uint8_t *mac;
};

static int ip_tx(void *arg, struct ks_pbuf *p)
{
	struct ip_tx *tx = arg;
	int rc = push_eth(tx->nif, p, tx->mac);

	if (rc)
		return rc;
	rc = ks_netdev_xmit(tx->nif->dev, p);
	if (rc == 0)
		tx->nif->stats.ip_out++;
	else
		tx->nif->stats.tx_errors++;
	return rc;
}

/* Sends p to mac: whole when it fits the MTU, else in fragments. Takes p. */
static int send_ip(struct ks_inet_netif *nif, struct ks_pbuf *p, const uint8_t *mac)
{
	struct ip_tx tx = { nif, mac };

	return ks_ipfrag_output(nif->st, p, nif->dev->mtu, nif->dev->headroom + KS_ETH_HLEN,
				ip_tx, &tx);
}

int ks_inet_netif_output(struct ks_inet_netif *nif, struct ks_pbuf *p, uint32_t next_hop)
{
	uint8_t mac[KS_ETH_ALEN];
	int rc = ks_ipfrag_check(p, nif->dev->mtu); /* DF set and too long: EMSGSIZE */

	if (!rc && !sender_ok(nif, next_hop))
		rc = -KS_EHOSTUNREACH;
	if (rc) {
		ks_pbuf_free(p);
		return rc;
	}
	if (ks_inet_arp_lookup(nif, next_hop, mac) == 0)
		return send_ip(nif, p, mac);
	/* A miss: one datagram waits (replacing an older one), one request goes. */
	if (nif->pending) {
		ks_pbuf_free(nif->pending);
		(void)ks_inet_count_drop(nif->st, -KS_ENOBUFS); /* counted as no_memory */
	}
	nif->pending = p;
	nif->pending_dst = next_hop;
	if (arp_request(nif, next_hop) != 0) {
		nif->pending = NULL;
		ks_pbuf_free(p);
		return -KS_ENOBUFS;
	}
	return 0;
}

/* ---- input ---- */

static int ipv4_input(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d)
{
	uint32_t bcast = nif->addr | ~nif->mask;

	/* RFC 1122 3.2.1.3: no zero-network, loopback or broadcast sources;
	 * our own address as source is a loop or a forgery. */
	if (ks_ipv4_is_zeronet(d->ip.src) || ks_ipv4_is_loopback(d->ip.src) ||
	    d->ip.src == bcast || d->ip.src == nif->addr)
		return -KS_DROP_BAD_ADDRESS;
	if (d->ip.dst != nif->addr)
		return ks_ipv4_is_multicast(d->ip.dst) || d->ip.dst == bcast ||
				       ks_ipv4_is_lbcast(d->ip.dst)
			       ? -KS_DROP_UNSUPPORTED /* no broadcast or multicast service yet */
			       : -KS_DROP_NOT_LOCAL;
	/* RFC 1122 3.3.6: a link broadcast to a unicast address is discarded. */
	if (d->link_bcast || d->link_mcast)
		return -KS_DROP_NOT_LOCAL;
	if (d->kind == KS_INET_ICMP)
		return icmp_input(nif, frame, d);
	if (d->kind == KS_INET_UDP)
		return udp_input(nif, frame, d);
	if (d->kind == KS_INET_IPV4_FRAG)
		return frag_input(nif, frame, d);
	return -KS_DROP_UNSUPPORTED; /* other protocols: next steps */
}

static int frame_input(struct ks_inet_netif *nif, const uint8_t *frame, size_t len,
		       unsigned flags)
{
	struct ks_inet_decoded d;
	int rc = ks_inet_decode(nif->st, frame, len, flags, &d);

	if (rc < 0)
		return 0; /* already counted by decode */
	if (!d.link_bcast && __builtin_memcmp(d.eth.dst, nif->dev->mac, KS_ETH_ALEN) != 0)
		return ks_inet_count_drop(nif->st, -KS_DROP_NOT_LOCAL); /* another host's */
	if (d.kind == KS_INET_ARP)
		rc = arp_input(nif, &d.arp);
	else
		rc = ipv4_input(nif, frame, &d);
	return ks_inet_count_drop(nif->st, rc);
}

/* Processes one queued frame; takes p. */
static void process(struct ks_inet_netif *nif, struct ks_pbuf *p)
{
	struct ks_pbuf *flat = p;
	unsigned flags = p->flags & KS_PBUF_F_CSUM_OK ? KS_WIRE_CSUM_OK : 0;

	nif->stats.rx_frames++;
	if (p->next && ks_pbuf_copy(&nif->st->pbufs, p, 0, &flat) != 0) {
		ks_pbuf_free(p);
		(void)ks_inet_count_drop(nif->st, -KS_ENOBUFS);
		return;
	}
	(void)frame_input(nif, flat->data, flat->len, flags); /* counted there */
	if (flat != p)
		ks_pbuf_free(flat);
	ks_pbuf_free(p);
}

int ks_inet_netif_poll(struct ks_inet_netif *nif)
{
	struct ks_pbuf *p = __atomic_exchange_n(&nif->rx_head, NULL, __ATOMIC_ACQUIRE);
	struct ks_pbuf *fifo = NULL;
	int n = 0;

	/* Reassembly's timeouts first, so input's own expiry (which sends no
	 * error) rarely finds one; the deadline is for ks_inet_poll's timer. */
	(void)ks_ipfrag_expire(nif->st, frag_time_exceeded, nif);
	while (p) { /* the list is newest first: reverse it */
		struct ks_pbuf *next = p->qnext;

		p->qnext = fifo;
		fifo = p;
		p = next;
	}
	while (fifo) {
		p = fifo;
		fifo = p->qnext;
		p->qnext = NULL;
		__atomic_fetch_sub(&nif->rx_count, 1, __ATOMIC_RELAXED);
		process(nif, p);
		n++;
	}
	arp_expire(nif);
	return n;
}

/*
 * netif.c - an IPv4 interface: the receive queue its device's upcall
 * fills, and the poll that drains it: ARP responder and neighbour cache
 * (resolution with retries and a queue), ICMP echo, port unreachable and
 * errors to the socket layer's hook, UDP (broadcasts too) to its UDP
 * hook, fragments to reassembly; and IPv4 output to a neighbour or the
 * link broadcast, fragmented to the MTU.
 * See netif.h for the object model, locking and ownership.
 */
#include "netif.h"

#include "decode.h"
#include "ipfrag.h"
#include "route.h"
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
	/* The first frame of a batch asks for a poll (the socket layer arms
	 * its timer for now: Linux's NAPI schedule, without the interrupt). */
	void (*kick)(void *) = __atomic_load_n(&nif->kick, __ATOMIC_ACQUIRE);
	if (!head && kick)
		kick(nif->kick_arg);
}

void ks_inet_netif_set_kick(struct ks_inet_netif *nif, void (*fn)(void *arg), void *arg)
{
	nif->kick_arg = arg;
	__atomic_store_n(&nif->kick, fn, __ATOMIC_RELEASE);
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
	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		ks_pbufq_init(&nif->arp[i].q);
	ks_netdev_attach(dev, netif_upcall, nif);
	*out = nif;
	return 0;
}

void ks_inet_netif_del(struct ks_inet_netif *nif)
{
	struct ks_pbuf *p = __atomic_exchange_n(&nif->rx_head, NULL, __ATOMIC_ACQUIRE);

	ks_netdev_attach(nif->dev, NULL, NULL);
	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		ks_pbufq_purge(&nif->arp[i].q); /* datagrams still waiting for ARP */
	while (p) {
		struct ks_pbuf *next = p->qnext;

		p->qnext = NULL;
		ks_pbuf_free(p);
		p = next;
	}
	ks_port_free(nif, sizeof(*nif));
}


/* ---- frames out ---- */

static void transmit(struct ks_inet_netif *nif, struct ks_pbuf *p, unsigned long *sent)
{
	if (ks_netdev_xmit(nif->dev, p) == 0)
		(*sent)++;
	else
		nif->stats.tx_errors++; /* also counted in the device's tx_dropped/tx_errors */
}

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

/* Sends the IPv4 datagram p to mac: whole when it fits the MTU, else in
 * fragments (ipfrag.h). Takes p. 0 or the errno. */
static int send_ip(struct ks_inet_netif *nif, struct ks_pbuf *p, const uint8_t *mac)
{
	struct ip_tx tx = { nif, mac };

	return ks_ipfrag_output(nif->st, p, nif->dev->mtu, nif->dev->headroom + KS_ETH_HLEN,
				ip_tx, &tx);
}

/* A request for addr's MAC: broadcast, or to to (a stale entry's probe). */
static int arp_request(struct ks_inet_netif *nif, uint32_t addr, const uint8_t *to)
{
	struct ks_arp a = { .op = KS_ARP_OP_REQUEST, .spa = nif->addr, .tpa = addr };
	struct ks_pbuf *p;
	int rc = frame_alloc(nif, to ? to : ks_eth_broadcast, KS_ETH_P_ARP,
			     KS_ETH_HLEN + KS_ARP_LEN, &p);

	if (rc)
		return rc;
	__builtin_memcpy(a.sha, nif->dev->mac, KS_ETH_ALEN);
	(void)ks_arp_emit(p->data + KS_ETH_HLEN, KS_ARP_LEN, &a); /* sized for it */
	transmit(nif, p, &nif->stats.arp_requests);
	return 0;
}

/* ---- the neighbour cache ---- */

static struct ks_inet_arp_entry *arp_find(struct ks_inet_netif *nif, uint32_t addr)
{
	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		if (nif->arp[i].state != KS_INET_ARP_FREE && nif->arp[i].addr == addr)
			return &nif->arp[i];
	return NULL;
}

const struct ks_inet_arp_entry *ks_inet_arp_entry_get(const struct ks_inet_netif *nif,
						      uint32_t addr)
{
	for (int i = 0; i < KS_INET_ARP_SLOTS; i++)
		if (nif->arp[i].state != KS_INET_ARP_FREE && nif->arp[i].addr == addr)
			return &nif->arp[i];
	return NULL;
}

/* Empties e; its waiting datagrams are freed and counted as reason (a
 * drop reason; 0 where none can be waiting). */
static void arp_clear(struct ks_inet_netif *nif, struct ks_inet_arp_entry *e, int reason)
{
	struct ks_pbuf *p;

	while ((p = ks_pbufq_pop(&e->q)) != NULL) {
		ks_pbuf_free(p);
		(void)ks_inet_count_drop(nif->st, reason);
	}
	e->addr = 0;
	e->state = KS_INET_ARP_FREE;
	e->probes = 0;
	e->expires = 0;
}

/* How willingly an entry gives its slot up: the lower, the sooner. */
static int arp_keep(const struct ks_inet_arp_entry *e)
{
	switch (e->state) {
	case KS_INET_ARP_STALE:
		return 0;
	case KS_INET_ARP_REACHABLE:
		return 1;
	case KS_INET_ARP_PROBE:
		return 2;
	default:
		return 3; /* INCOMPLETE: datagrams wait in it */
	}
}

/* A slot for a new entry: a free one, else a STALE one, a REACHABLE one,
 * a PROBE one, an INCOMPLETE one (emptied), in that order; of one state,
 * the one closest to its deadline. */
static struct ks_inet_arp_entry *arp_victim(struct ks_inet_netif *nif)
{
	struct ks_inet_arp_entry *v = NULL;

	for (int i = 0; i < KS_INET_ARP_SLOTS; i++) {
		struct ks_inet_arp_entry *e = &nif->arp[i];

		if (e->state == KS_INET_ARP_FREE)
			return e;
		if (!v || arp_keep(e) < arp_keep(v) ||
		    (arp_keep(e) == arp_keep(v) && e->expires < v->expires))
			v = e;
	}
	arp_clear(nif, v, -KS_DROP_ARP_QUEUE_FULL);
	return v;
}

/* Sends what waited for e's answer, in order. */
static void arp_flush(struct ks_inet_netif *nif, struct ks_inet_arp_entry *e)
{
	struct ks_pbuf *p;

	while ((p = ks_pbufq_pop(&e->q)) != NULL)
		(void)send_ip(nif, p, e->mac); /* counted in the stats; nobody to tell */
}

/* Refreshes addr's entry (RFC 826 "merge"), which an answer to our
 * request completes; creates it if create is set. Returns whether an
 * entry was written. */
static bool arp_update(struct ks_inet_netif *nif, uint32_t addr, const uint8_t *mac, bool create)
{
	struct ks_inet_arp_entry *e = arp_find(nif, addr);

	if (!e && !create)
		return false;
	if (!e)
		e = arp_victim(nif);
	e->addr = addr;
	e->state = KS_INET_ARP_REACHABLE;
	e->probes = 0;
	__builtin_memcpy(e->mac, mac, KS_ETH_ALEN);
	e->expires = ks_inet_now(nif->st) + KS_INET_ARP_REACHABLE_NS;
	nif->stats.arp_learnt++;
	arp_flush(nif, e);
	return true;
}

int ks_inet_arp_lookup(const struct ks_inet_netif *nif, uint32_t addr, uint8_t *mac)
{
	uint64_t now = ks_inet_now(nif->st);

	for (int i = 0; i < KS_INET_ARP_SLOTS; i++) {
		const struct ks_inet_arp_entry *e = &nif->arp[i];

		if (addr != 0 && e->state == KS_INET_ARP_REACHABLE && e->addr == addr &&
		    now < e->expires) {
			__builtin_memcpy(mac, e->mac, KS_ETH_ALEN);
			return 0;
		}
	}
	return -KS_ENOENT;
}

/* Linux's arp_error_report: each UDP datagram that waited in vain is
 * told to its sender as an ICMP host unreachable (RFC 1122 3.2.2.1); every
 * datagram is then freed and counted. */
static void arp_fail(struct ks_inet_netif *nif, struct ks_inet_arp_entry *e)
{
	struct ks_pbuf *p;

	nif->stats.arp_failed++;
	while ((p = ks_pbufq_pop(&e->q)) != NULL) {
		struct ks_icmp_hdr icmp = { .type = KS_ICMP_DEST_UNREACH,
					    .code = KS_ICMP_HOST_UNREACH, .is_error = true,
					    .from = nif->addr }; /* made up here */

		if (nif->err_fn && ks_icmp_parse_quote(p->data, p->len, &icmp.quote) == 0 &&
		    icmp.quote.ip.proto == KS_IPPROTO_UDP) { /* the hook's contract: UDP */
			icmp.data = p->data;
			icmp.data_len = p->len;
			nif->err_fn(nif->err_arg, &icmp);
		}
		ks_pbuf_free(p);
		(void)ks_inet_count_drop(nif->st, -KS_DROP_ARP_FAILED);
	}
	arp_clear(nif, e, 0); /* its queue is empty now */
}

/* One entry's deadline has come (now >= e->expires). */
static void arp_timer(struct ks_inet_netif *nif, struct ks_inet_arp_entry *e, uint64_t now)
{
	switch (e->state) {
	case KS_INET_ARP_REACHABLE: /* not confirmed lately, still used */
		e->state = KS_INET_ARP_STALE;
		e->expires = now + KS_INET_ARP_STALE_NS;
		return;
	case KS_INET_ARP_STALE: /* unused all that time */
		arp_clear(nif, e, 0); /* nothing waits in it */
		return;
	case KS_INET_ARP_PROBE:
		if (e->probes >= KS_INET_ARP_UCAST_SOLICIT) {
			nif->stats.arp_failed++;
			arp_clear(nif, e, 0); /* the next datagram resolves anew */
			return;
		}
		(void)arp_request(nif, e->addr, e->mac);
		break;
	default: /* INCOMPLETE */
		if (e->probes >= KS_INET_ARP_SOLICIT) {
			arp_fail(nif, e);
			return;
		}
		(void)arp_request(nif, e->addr, NULL); /* a lost request is one fewer chance */
		break;
	}
	e->probes++;
	e->expires = now + KS_INET_ARP_RETRANS_NS;
}

/* The MAC to send to addr by: a REACHABLE entry's; a STALE or PROBE
 * entry's too, a STALE one starting its probes. 0, or -KS_ENOENT when addr
 * must be resolved. */
static int arp_output_mac(struct ks_inet_netif *nif, uint32_t addr, uint8_t *mac)
{
	struct ks_inet_arp_entry *e = arp_find(nif, addr);
	uint64_t now = ks_inet_now(nif->st);

	if (!e || e->state == KS_INET_ARP_INCOMPLETE)
		return -KS_ENOENT;
	if (e->state == KS_INET_ARP_STALE ||
	    (e->state == KS_INET_ARP_REACHABLE && now >= e->expires)) {
		e->state = KS_INET_ARP_PROBE;
		e->probes = 0;
		arp_timer(nif, e, now); /* the first unicast request */
	}
	__builtin_memcpy(mac, e->mac, KS_ETH_ALEN);
	return 0;
}

static void frag_time_exceeded(void *arg, struct ks_pbuf *p, uint32_t dst);

uint64_t ks_inet_netif_timers(struct ks_inet_netif *nif)
{
	uint64_t now = ks_inet_now(nif->st), next = KS_INET_NEVER;
	uint64_t reasm = ks_ipfrag_expire(nif->st, frag_time_exceeded, nif); /* 0: none */

	if (reasm)
		next = reasm;

	for (int i = 0; i < KS_INET_ARP_SLOTS; i++) {
		struct ks_inet_arp_entry *e = &nif->arp[i];

		if (e->state != KS_INET_ARP_FREE && now >= e->expires)
			arp_timer(nif, e, now);
		if (e->state != KS_INET_ARP_FREE && e->expires < next)
			next = e->expires;
	}
	return next;
}

/* A miss on output: p waits in addr's INCOMPLETE entry (made, and its
 * first request sent, if there is none); takes p. */
static int arp_resolve(struct ks_inet_netif *nif, struct ks_pbuf *p, uint32_t addr)
{
	struct ks_inet_arp_entry *e = arp_find(nif, addr);

	if (!e || e->state == KS_INET_ARP_FREE) {
		if (!e)
			e = arp_victim(nif);
		e->addr = addr;
		e->state = KS_INET_ARP_INCOMPLETE;
		e->probes = 0;
	}
	if (e->q.count >= KS_INET_ARP_QUEUE_MAX) { /* Linux drops the oldest */
		ks_pbuf_free(ks_pbufq_pop(&e->q));
		(void)ks_inet_count_drop(nif->st, -KS_DROP_ARP_QUEUE_FULL);
	}
	ks_pbufq_push(&e->q, p);
	if (e->probes == 0)
		arp_timer(nif, e, ks_inet_now(nif->st)); /* the first request */
	return 0;
}

/* ---- ARP input (RFC 826) ---- */

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

/* The RFC 826 reception algorithm, with an RFC 5227 probe (sender 0)
 * answered but not learnt. A gratuitous ARP (for the sender's own
 * address) refreshes an entry we have and creates none (Linux's
 * arp_accept = 0). */
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

/* ---- replies: echo, errors ---- */

/* An IPv4 datagram from us to dst carrying an ICMP message of msg_len
 * bytes, with room for the layers below; gives it, header written. */
static int icmp_alloc(struct ks_inet_netif *nif, uint32_t dst, uint8_t tos, uint32_t msg_len,
		      struct ks_pbuf **out)
{
	uint32_t ip_len = KS_IPV4_HLEN_MIN + msg_len;
	struct ks_ipv4_hdr ip = { .tos = tos, .ttl = KS_INET_DEFAULT_TTL, .proto = KS_IPPROTO_ICMP,
				  .tot_len = (uint16_t)ip_len, .id = nif->ip_id, .src = nif->addr,
				  .dst = dst };
	int rc = ks_pbuf_alloc(&nif->st->pbufs, KS_PBUF_ROOM_IP, ip_len, out);

	if (rc)
		return rc;
	nif->ip_id++;
	(void)ks_ipv4_emit((*out)->data, KS_IPV4_HLEN_MIN, &ip); /* a valid header: cannot fail */
	return 0;
}

/* Sends a reply p to dst: by the routing table when the interface is in
 * one, else back to mac (the requester's, on our prefix). Takes p. */
static int reply_send(struct ks_inet_netif *nif, struct ks_pbuf *p, uint32_t dst,
		      const uint8_t *mac, unsigned long *sent)
{
	int rc;

	if (nif->rt)
		rc = ks_inet_rtab_output(nif->rt, p, nif->addr, dst);
	else
		rc = send_ip(nif, p, mac);
	if (rc == 0)
		(*sent)++;
	if (rc == -KS_ENETUNREACH || rc == -KS_EHOSTUNREACH || rc == -KS_EMSGSIZE)
		return -KS_DROP_UNSUPPORTED; /* no route back */
	return 0; /* sent, or refused by the device (counted in tx_errors) */
}

/* Whether a reply to src can go anywhere: a route, or (in no table) our
 * prefix. */
static bool reply_possible(const struct ks_inet_netif *nif, uint32_t src)
{
	if (nif->rt)
		return true; /* the table decides (reply_send) */
	return (src & nif->mask) == (nif->addr & nif->mask);
}

/* RFC 792, RFC 1122 3.2.2.6. */
static int echo_reply(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d)
{
	uint32_t msg_len = d->ip.payload_len;
	struct ks_icmp_hdr icmp = { .type = KS_ICMP_ECHOREPLY, .id = d->icmp.id,
				    .seq = d->icmp.seq };
	struct ks_pbuf *p;
	int rc;

	/* A request with options, or reassembled past the MTU: echo replies
	 * are not fragmented (netif.h). */
	if (KS_IPV4_HLEN_MIN + msg_len > nif->dev->mtu)
		return -KS_DROP_UNSUPPORTED;
	rc = icmp_alloc(nif, d->ip.src, d->ip.tos, msg_len, &p);
	if (rc)
		return rc;
	uint8_t *msg = p->data + KS_IPV4_HLEN_MIN;
	__builtin_memcpy(msg, frame + d->l4_off, msg_len);
	(void)ks_icmp_emit(msg, msg_len, &icmp); /* msg_len >= 8: decoded */
	return reply_send(nif, p, d->ip.src, d->eth.src, &nif->stats.echo_replies);
}

/* Linux's inet_peer_xrlim_allow on the peer entry of dst: a token bucket
 * of KS_INET_ICMP_RATE_NS per message, KS_INET_ICMP_BURST deep; a new
 * peer starts full (inet_getpeer backdates rate_last by 60 s). */
static bool icmp_rate_allow(struct ks_inet_netif *nif, uint32_t dst)
{
	const uint64_t max = KS_INET_ICMP_BURST * KS_INET_ICMP_RATE_NS;
	uint64_t now = ks_inet_now(nif->st);
	struct ks_inet_icmp_peer *pe = NULL, *old = &nif->icmp_peers[0];

	for (int i = 0; i < KS_INET_ICMP_PEERS && !pe; i++) {
		if (nif->icmp_peers[i].addr == dst)
			pe = &nif->icmp_peers[i];
		else if (nif->icmp_peers[i].last < old->last || !nif->icmp_peers[i].addr)
			old = &nif->icmp_peers[i];
	}
	if (!pe) {
		pe = old;
		pe->addr = dst;
		pe->tokens = max;
		pe->last = now;
	}
	uint64_t tokens = pe->tokens + (now - pe->last);
	bool ok = false;

	if (tokens > max)
		tokens = max;
	if (tokens >= KS_INET_ICMP_RATE_NS) {
		tokens -= KS_INET_ICMP_RATE_NS;
		ok = true;
	}
	pe->tokens = tokens;
	pe->last = now;
	return ok;
}

/* RFC 1122 3.2.2.1: port unreachable for a UDP datagram nobody takes
 * (dgram, d's datagram from its IPv4 header on: received whole or
 * reassembled), where RFC 1122 3.2.2 lets a host answer (never a
 * broadcast) and the rate limit allows. Nothing to report when it cannot
 * be sent. */
static void port_unreach(struct ks_inet_netif *nif, const uint8_t *dgram,
			 const struct ks_inet_decoded *d)
{
	struct ks_pbuf *p;

	if (!ks_icmp_error_allowed(&d->ip, d->link_bcast, false) || !reply_possible(nif, d->ip.src))
		return;
	if (!icmp_rate_allow(nif, d->ip.src)) {
		nif->stats.icmp_ratelimited++;
		return;
	}
	size_t n = KS_ICMP_HLEN + ks_icmp_quote_len(d->ip.tot_len);
	if (ks_inet_count_drop(nif->st, icmp_alloc(nif, d->ip.src, 0xc0, (uint32_t)n, &p)))
		return; /* Linux's icmp_send: TOS IPTOS_PREC_INTERNETCONTROL */
	if (ks_icmp_emit_error(p->data + KS_IPV4_HLEN_MIN, n, KS_ICMP_DEST_UNREACH,
			       KS_ICMP_PORT_UNREACH, 0, dgram, d->ip.tot_len) < 0) {
		ks_pbuf_free(p); /* sized for it: cannot happen */
		return;
	}
	(void)ks_inet_count_drop(nif->st, reply_send(nif, p, d->ip.src, d->eth.src,
						     &nif->stats.icmp_out));
}

/* ICMP destination unreachable about a UDP datagram we sent: the error
 * hook matches it to the socket (RFC 1122 3.2.2.1, 4.1.3.3). */
static int icmp_error_input(struct ks_inet_netif *nif, const struct ks_inet_decoded *d)
{
	const struct ks_icmp_hdr *ic = &d->icmp;

	if (ic->type != KS_ICMP_DEST_UNREACH ||
	    (ic->quote.ip.proto != KS_IPPROTO_UDP && ic->quote.ip.proto != KS_IPPROTO_TCP) ||
	    !nif->err_fn)
		return -KS_DROP_UNSUPPORTED; /* redirects, time exceeded: not yet */
	nif->err_fn(nif->err_arg, ic);
	nif->stats.icmp_err_in++;
	return 0;
}

static int icmp_input(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d, bool bcast)
{
	if (bcast)
		return -KS_DROP_UNSUPPORTED; /* icmp_echo_ignore_broadcasts; no errors to broadcasts */
	if (d->icmp.is_error)
		return icmp_error_input(nif, d);
	if (d->icmp.type != KS_ICMP_ECHO)
		return -KS_DROP_UNSUPPORTED;
	if (!reply_possible(nif, d->ip.src))
		return -KS_DROP_UNSUPPORTED; /* no route back: connected prefix only */
	return echo_reply(nif, frame, d);
}

/* ---- UDP to the socket layer ---- */

void ks_inet_netif_set_udp(struct ks_inet_netif *nif, ks_inet_netif_udp_fn *fn, void *arg)
{
	nif->udp_fn = fn;
	nif->udp_arg = arg;
}

void ks_inet_netif_set_err(struct ks_inet_netif *nif, ks_inet_netif_err_fn *fn, void *arg)
{
	nif->err_fn = fn;
	nif->err_arg = arg;
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

/* Hands the UDP datagram p (one segment from its IPv4 header on) to the
 * hook; takes p. A unicast one nobody takes is answered with port
 * unreachable. */
static int udp_deliver(struct ks_inet_netif *nif, struct ks_pbuf *p,
		       const struct ks_inet_decoded *d, bool bcast)
{
	int rc = nif->udp_fn(nif->udp_arg, p, d);

	if (rc) {
		if (rc == -KS_DROP_NO_SOCKET && !bcast)
			port_unreach(nif, p->data, d); /* the hook left p as it was */
		ks_pbuf_free(p);
		return rc;
	}
	nif->stats.udp_in++;
	if (bcast)
		nif->stats.bcast_in++;
	return 0;
}

static int udp_input(struct ks_inet_netif *nif, const uint8_t *frame,
		     const struct ks_inet_decoded *d, bool bcast)
{
	struct ks_pbuf *p;
	int rc;

	if (!nif->udp_fn)
		return -KS_DROP_UNSUPPORTED;
	rc = dgram_copy(nif, frame, d, &p);
	return rc ? rc : udp_deliver(nif, p, d, bcast);
}

/* A TCP segment for our address goes to the socket layer's hook, which
 * takes it (and answers it with a reset when nobody wants it). TCP is
 * never broadcast (RFC 1122 4.2.3.10). */
static int tcp_input(struct ks_inet_netif *nif, const uint8_t *frame,
		     const struct ks_inet_decoded *d, bool bcast)
{
	struct ks_pbuf *p;
	int rc;

	if (!nif->tcp_fn)
		return -KS_DROP_UNSUPPORTED;
	if (bcast)
		return -KS_DROP_BAD_ADDRESS;
	rc = dgram_copy(nif, frame, d, &p);
	if (rc)
		return rc;
	nif->tcp_fn(nif->tcp_arg, p, d);
	nif->stats.tcp_in++;
	return 0;
}

void ks_inet_netif_set_tcp(struct ks_inet_netif *nif, ks_inet_netif_tcp_fn *fn, void *arg)
{
	nif->tcp_fn = fn;
	nif->tcp_arg = arg;
}

/* ---- fragments (ipfrag.h) ---- */

/* A fragment for us (or to a broadcast address: bcast) goes to
 * reassembly; the datagram it completes is decoded again and goes on to
 * UDP or ICMP as if it had come whole, with the completing fragment's
 * link header (the Ethernet source of a reply without a routing table). */
static int frag_input(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d, bool bcast)
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
	wd.link_bcast = d->link_bcast;
	wd.link_mcast = d->link_mcast;
	if (wd.kind == KS_INET_UDP && nif->udp_fn)
		return udp_deliver(nif, whole, &wd, bcast);
	if (wd.kind == KS_INET_TCP && nif->tcp_fn && !bcast) {
		nif->tcp_fn(nif->tcp_arg, whole, &wd);
		nif->stats.tcp_in++;
		return 0;
	}
	rc = wd.kind == KS_INET_ICMP ? icmp_input(nif, whole->data, &wd, bcast)
				     : -KS_DROP_UNSUPPORTED;
	ks_pbuf_free(whole);
	return rc;
}

/* Reassembly's ICMP time exceeded (ipfrag.h), from the datagram's
 * destination to dst, goes back like any reply: by the routing table when
 * the interface is in one, else to a neighbour on the prefix; lost when it
 * cannot go, as Linux's. Only a datagram to one of our unicast addresses
 * is answered: not one to a broadcast address (RFC 1122 3.2.2, as Linux's
 * icmp_send), nor a loopback one (the stack's reassembly table holds
 * those too). */
static void frag_time_exceeded(void *arg, struct ks_pbuf *p, uint32_t dst)
{
	struct ks_inet_netif *nif = arg;
	struct ks_ipv4_hdr ip;
	bool ours = ks_ipv4_parse(p->data, p->len, &ip) > 0 &&
		    (nif->rt ? ks_inet_rtab_netif_by_addr(nif->rt, ip.src) != NULL
			     : ip.src == nif->addr);

	if (!ours)
		ks_pbuf_free(p);
	else if (nif->rt)
		(void)ks_inet_rtab_output(nif->rt, p, ip.src, dst);
	else
		(void)ks_inet_netif_output(nif, p, dst);
}

/* ---- IPv4 output ---- */

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
	if (arp_output_mac(nif, next_hop, mac) == 0)
		return send_ip(nif, p, mac);
	return arp_resolve(nif, p, next_hop); /* waits whole; send_ip cuts it later */
}

int ks_inet_netif_output_bcast(struct ks_inet_netif *nif, struct ks_pbuf *p)
{
	int rc = ks_ipfrag_check(p, nif->dev->mtu);

	if (rc) {
		ks_pbuf_free(p);
		return rc;
	}
	return send_ip(nif, p, ks_eth_broadcast);
}

/* ---- input ---- */

static int ipv4_input(struct ks_inet_netif *nif, const uint8_t *frame,
		      const struct ks_inet_decoded *d)
{
	uint32_t bcast = ks_inet_netif_bcast(nif);
	bool to_bcast = d->ip.dst == bcast || ks_ipv4_is_lbcast(d->ip.dst);

	/* RFC 1122 3.2.1.3: no zero-network, loopback or broadcast sources;
	 * our own address as source is a loop or a forgery. */
	if (ks_ipv4_is_zeronet(d->ip.src) || ks_ipv4_is_loopback(d->ip.src) ||
	    d->ip.src == bcast || d->ip.src == nif->addr)
		return -KS_DROP_BAD_ADDRESS;
	if (d->ip.dst != nif->addr && !to_bcast)
		return ks_ipv4_is_multicast(d->ip.dst) ? -KS_DROP_UNSUPPORTED /* no multicast yet */
						       : -KS_DROP_NOT_LOCAL;
	/* RFC 1122 3.3.6: a link broadcast to a unicast address is discarded. */
	if (!to_bcast && (d->link_bcast || d->link_mcast))
		return -KS_DROP_NOT_LOCAL;
	if (d->kind == KS_INET_ICMP)
		return icmp_input(nif, frame, d, to_bcast);
	if (d->kind == KS_INET_UDP)
		return udp_input(nif, frame, d, to_bcast);
	if (d->kind == KS_INET_TCP)
		return tcp_input(nif, frame, d, to_bcast);
	if (d->kind == KS_INET_IPV4_FRAG)
		return frag_input(nif, frame, d, to_bcast);
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
	 * error) rarely finds one; the timers after the frames run it again. */
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
	(void)ks_inet_netif_timers(nif); /* the caller asks for the deadline separately */
	return n;
}

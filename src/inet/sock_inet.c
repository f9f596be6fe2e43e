/*
 * sock_inet.c - the AF_INET family: creation, the host's network (one
 * stack), the loopback device, IPv4 output and input on it, and ICMP port
 * unreachable. Object model, data flow and locking: sock_inet.h.
 *
 * Fragments (RFC 791 3.2): received ones go through reassembly (ipfrag.h),
 * on loopback here and on the interfaces in netif.c, and the datagram they
 * complete through input again; a datagram longer than the MTU of the
 * interface its route chooses leaves in fragments (ks_inet_netif_output;
 * the loopback MTU is 64 KiB, so none a socket may send needs it there).
 *
 * Not supported yet: ICMP echo on loopback, ICMP rate limiting on
 * loopback (Linux does not limit there either; the interfaces do:
 * netif.h), multicast, TCP, raw and ping sockets.
 */
#include "sock_inet.h"

#include <ksock/ksock.h>

static struct ks_inet_net ks_net;
static struct ks_timer net_timer; /* runs the interfaces' poll and timers */
static void net_timer_fn(void *arg);
static struct ks_timer drain_timer; /* ks_inet_lo_drain_soon */
static int yield_req; /* atomic: ks_inet_yield_after_drain */
static void drain_timer_fn(void *arg);
static int ks_net_ready;

static int inet_create(int type, int protocol, struct ks_socket **out);

const struct ks_family ks_inet_family = {
	.domain = KS_AF_INET,
	.name = "inet",
	.create = inet_create,
	.file_dropped = NULL,
};

struct ks_inet_net *ks_inet_net_get(void)
{
	return &ks_net;
}

int ks_inet_init(void)
{
	int err = ks_inet_stack_init(&ks_net.st, NULL);

	if (err)
		return err;
	ks_mutex_init(&ks_net.rx_lock);
	ks_mutex_init(&ks_net.lo_lock);
	ks_mutex_init(&ks_net.udp_lock);
	ks_mutex_init(&ks_net.nif_lock);
	ks_mutex_init(&ks_net.rt_lock);
	ks_inet_rtab_init(&ks_net.rt);
	ks_mutex_init(&ks_net.tcp_lock);
	ks_timer_init(&net_timer, net_timer_fn, NULL);
	ks_timer_init(&drain_timer, drain_timer_fn, NULL);
	ks_mutex_init(&ks_net.tx_lock);
	ks_pbufq_init(&ks_net.tx_q);
	ks_port_random(ks_net.st.secret, sizeof(ks_net.st.secret));
	ks_pbufq_init(&ks_net.lo_q);
	ks_net.port_rnd = (uint32_t)ks_port_now_ns() | 1;
	__atomic_store_n(&ks_net_ready, 1, __ATOMIC_RELEASE);
	return ks_family_register(&ks_inet_family);
}

/*
 * Linux's inet_create: the protocol's range first, then the type's
 * protocol switch: SOCK_STREAM/TCP and SOCK_DGRAM/UDP; a type without an
 * entry is ESOCKTNOSUPPORT (SOCK_RAW, SOCK_SEQPACKET), a protocol the type
 * lacks EPROTONOSUPPORT.
 */
static int inet_create(int type, int protocol, struct ks_socket **out)
{
	if (protocol < 0 || protocol >= 263) /* IPPROTO_MAX */
		return -KS_EINVAL;
	if (type == KS_SOCK_STREAM) {
		if (protocol != 0 && protocol != KS_IPPROTO_TCP)
			return -KS_EPROTONOSUPPORT;
		return ks_inet_tcp_create(out);
	}
	if (type != KS_SOCK_DGRAM)
		return -KS_ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != KS_IPPROTO_UDP)
		return -KS_EPROTONOSUPPORT;
	return ks_inet_udp_create(out);
}

/* ---- the loopback device ---- */

void ks_inet_lo_xmit(struct ks_pbuf *p)
{
	ks_mutex_lock(&ks_net.lo_lock);
	ks_pbufq_push(&ks_net.lo_q, p);
	__atomic_add_fetch(&ks_net.lo_len, 1, __ATOMIC_RELEASE);
	ks_mutex_unlock(&ks_net.lo_lock);
}

/* Takes the whole loopback queue (a chain through qnext, oldest first),
 * or NULL. lo_len counts the packets queued and not yet delivered (the
 * drainer takes one off after ip_input), so a drain that finds it zero
 * without the lock knows that what its own thread queued has been
 * delivered; one that finds it non-zero waits for rx_lock, that is for
 * the drainer delivering them (send returns with the data in the
 * receiver's queue, as on Linux). */
static struct ks_pbuf *lo_take_all(void)
{
	if (!__atomic_load_n(&ks_net.lo_len, __ATOMIC_ACQUIRE))
		return NULL;
	ks_mutex_lock(&ks_net.lo_lock);
	struct ks_pbuf *p = ks_net.lo_q.head;
	ks_pbufq_init(&ks_net.lo_q);
	ks_mutex_unlock(&ks_net.lo_lock);
	return p;
}

static void ip_input(struct ks_pbuf *p);

static int nif_xmit(struct ks_pbuf *p, uint32_t src, uint32_t dst);

/* Sends what ks_inet_ip_queue deferred, in order (one flusher at a time),
 * with no lock but tx_lock held; returns how many. tx_len counts what is
 * queued and not yet handed to its interface, as lo_len (lo_take_all). */
static int tx_flush(void)
{
	int n = 0;

	if (!__atomic_load_n(&ks_net.tx_len, __ATOMIC_ACQUIRE))
		return 0;
	ks_mutex_lock(&ks_net.tx_lock);
	for (;;) {
		ks_mutex_lock(&ks_net.lo_lock);
		struct ks_pbuf *p = ks_pbufq_pop(&ks_net.tx_q);
		ks_mutex_unlock(&ks_net.lo_lock);
		if (!p)
			break;
		/* The addresses were written into the header already. */
		(void)nif_xmit(p, ks_get32(p->data + 12), ks_get32(p->data + 16));
		__atomic_sub_fetch(&ks_net.tx_len, 1, __ATOMIC_RELEASE);
		n++;
	}
	ks_mutex_unlock(&ks_net.tx_lock);
	return n;
}

void ks_inet_lo_drain(void)
{
	if (!__atomic_load_n(&ks_net_ready, __ATOMIC_ACQUIRE))
		return;
	/* Loopback input may queue output to interfaces, and a broadcast
	 * sent there loops back: a few rounds, until both queues are empty. */
	for (int round = 0; round < 8; round++) {
		int n = 0;
		if (__atomic_load_n(&ks_net.lo_len, __ATOMIC_RELAXED)) {
			ks_mutex_lock(&ks_net.rx_lock);
			/* Whole queues at a time, in order: input may queue more
			 * (replies), which the next take finds. */
			for (struct ks_pbuf *p = lo_take_all(); p; p = lo_take_all()) {
				while (p) {
					struct ks_pbuf *next = p->qnext;
					p->qnext = NULL;
					ip_input(p);
					__atomic_sub_fetch(&ks_net.lo_len, 1, __ATOMIC_RELEASE);
					p = next;
					n++;
				}
			}
			ks_mutex_unlock(&ks_net.rx_lock);
		}
		n += tx_flush();
		if (!n)
			break;
	}
	/* On one CPU a thread that keeps connecting would otherwise run a
	 * whole time slice, making connections faster than the accepting
	 * thread it woke can take them, until the accept queue overflows and
	 * a SYN is dropped (a second's wait). */
	if (__atomic_load_n(&yield_req, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&yield_req, 0, __ATOMIC_RELAXED))
		ks_port_yield();
}

static void drain_timer_fn(void *arg)
{
	(void)arg;
	ks_inet_lo_drain();
}

void ks_inet_yield_after_drain(void)
{
	__atomic_store_n(&yield_req, 1, __ATOMIC_RELAXED);
}

void ks_inet_lo_drain_soon(void)
{
	ks_timer_arm(&drain_timer, 0); /* due at once */
}

/* ---- the device interfaces and routes ---- */

static bool is_bcast(uint32_t dst);

static int nif_udp(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	(void)arg; /* the host's one network */
	if (is_bcast(d->ip.dst))
		return ks_inet_udp_input_bcast(p, d);
	return ks_inet_udp_input(p, d);
}

static void nif_err(void *arg, const struct ks_icmp_hdr *icmp)
{
	(void)arg; /* the host's one network */
	if (icmp->quote.ip.proto == KS_IPPROTO_UDP)
		ks_inet_udp_err(icmp);
	else if (icmp->quote.ip.proto == KS_IPPROTO_TCP)
		ks_inet_tcp_err(icmp);
}

/* Interface input holds nif_lock: what TCP answers is queued (tx_q), and
 * sent once the poll has let go of it. */
static void nif_tcp(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	(void)arg;
	ks_inet_tcp_input(p, d);
}

/* Both locks: the table is written holding both (sock_inet.h). */
static void table_lock(void)
{
	ks_mutex_lock(&ks_net.nif_lock);
	ks_mutex_lock(&ks_net.rt_lock);
}

static void table_unlock(void)
{
	ks_mutex_unlock(&ks_net.rt_lock);
	ks_mutex_unlock(&ks_net.nif_lock);
}

/*
 * The stack drives itself: a frame arriving at an interface kicks the
 * net timer (for now), whose callback (timer context, no lock held) polls
 * every interface and the loopback queue, then re-arms itself for the
 * interfaces' next deadline (ARP retries and expiry, reassembly). A port
 * thus needs no poll loop; one may still call ks_inet_net_poll (the tests
 * do, to step the stack themselves).
 */
static int net_kicked; /* atomic: frames arrived since the poll began */

static void net_timer_fn(void *arg)
{
	uint64_t next;

	(void)arg;
	__atomic_store_n(&net_kicked, 0, __ATOMIC_SEQ_CST);
	(void)ks_inet_net_poll_next(&next);
	if (!ks_inet_clock_is_port(&ks_net.st))
		return;
	/* A kick during the poll armed the timer for now; re-arming for a
	 * later deadline must not undo it. */
	if (__atomic_exchange_n(&net_kicked, 0, __ATOMIC_SEQ_CST))
		next = ks_port_now_ns();
	if (next != KS_INET_NEVER)
		ks_timer_arm(&net_timer, next);
	/* A kick between the exchange and that arm had its "now" replaced by
	 * our later deadline: its frame would wait there, and every frame
	 * after it, since only the first of a batch kicks. The kick set the
	 * flag before it armed, so seeing it here means arming for now again. */
	if (__atomic_load_n(&net_kicked, __ATOMIC_SEQ_CST))
		ks_timer_arm(&net_timer, ks_port_now_ns());
}

/* A test that runs the stack on a fake clock steps it itself. */
static void net_kick(void *arg)
{
	(void)arg;
	if (!ks_inet_clock_is_port(&ks_net.st))
		return;
	__atomic_store_n(&net_kicked, 1, __ATOMIC_SEQ_CST);
	ks_timer_arm(&net_timer, ks_port_now_ns());
}

int ks_inet_net_attach(struct ks_inet_netif *nif)
{
	int err;

	if (nif->st != &ks_net.st)
		return -KS_EINVAL;
	table_lock();
	err = ks_inet_rtab_add_netif(&ks_net.rt, nif);
	if (!err) {
		ks_inet_netif_set_udp(nif, nif_udp, &ks_net);
		ks_inet_netif_set_err(nif, nif_err, &ks_net);
		ks_inet_netif_set_tcp(nif, nif_tcp, &ks_net);
		ks_inet_netif_set_kick(nif, net_kick, NULL);
	}
	table_unlock();
	return err;
}

void ks_inet_net_detach(struct ks_inet_netif *nif)
{
	table_lock();
	if (nif->rt == &ks_net.rt) {
		ks_inet_rtab_del_netif(&ks_net.rt, nif);
		ks_inet_netif_set_udp(nif, NULL, NULL);
		ks_inet_netif_set_err(nif, NULL, NULL);
		ks_inet_netif_set_tcp(nif, NULL, NULL);
		ks_inet_netif_set_kick(nif, NULL, NULL);
	}
	table_unlock();
}

int ks_inet_route_add(uint32_t dst, unsigned prefix_len, uint32_t gw, int ifindex)
{
	table_lock();
	int err = ks_inet_rtab_route_add(&ks_net.rt, dst, prefix_len, gw, ifindex);
	table_unlock();
	return err;
}

int ks_inet_route_del(uint32_t dst, unsigned prefix_len)
{
	table_lock();
	int err = ks_inet_rtab_route_del(&ks_net.rt, dst, prefix_len);
	table_unlock();
	return err;
}

int ks_inet_net_poll_next(uint64_t *next)
{
	int n;

	if (next)
		*next = KS_INET_NEVER;
	if (!__atomic_load_n(&ks_net_ready, __ATOMIC_ACQUIRE))
		return 0;
	ks_mutex_lock(&ks_net.nif_lock);
	n = ks_inet_rtab_poll(&ks_net.rt, next);
	ks_mutex_unlock(&ks_net.nif_lock);
	/* Whatever waits on loopback too, as ks_inet_poll will. */
	ks_inet_lo_drain();
	return n;
}

int ks_inet_net_poll(void)
{
	return ks_inet_net_poll_next(NULL);
}

bool ks_inet_addr_local(uint32_t addr)
{
	if (ks_ipv4_is_loopback(addr))
		return true;
	if (!addr || !__atomic_load_n(&ks_net_ready, __ATOMIC_ACQUIRE))
		return false;
	ks_mutex_lock(&ks_net.rt_lock);
	bool local = ks_inet_rtab_netif_by_addr(&ks_net.rt, addr) != NULL;
	ks_mutex_unlock(&ks_net.rt_lock);
	return local;
}

bool ks_inet_addr_bcast(uint32_t addr)
{
	if (ks_ipv4_is_lbcast(addr))
		return true;
	if (!__atomic_load_n(&ks_net_ready, __ATOMIC_ACQUIRE))
		return false;
	ks_mutex_lock(&ks_net.rt_lock);
	bool bcast = ks_inet_rtab_is_bcast(&ks_net.rt, addr);
	ks_mutex_unlock(&ks_net.rt_lock);
	return bcast;
}

static bool is_bcast(uint32_t dst)
{
	return ks_inet_addr_bcast(dst);
}

/* Sends a datagram for a non-local destination by the routing table;
 * takes p. A broadcast is also looped back to this host (Linux's
 * ip_mc_output for RTCF_BROADCAST), which the sender's drain delivers. */
static int nif_xmit(struct ks_pbuf *p, uint32_t src, uint32_t dst)
{
	struct ks_inet_rtres res;
	struct ks_pbuf *copy = NULL;
	int err;

	ks_mutex_lock(&ks_net.nif_lock);
	err = ks_inet_rtab_lookup(&ks_net.rt, dst, p->ifindex, src, &res);
	if (err) {
		ks_pbuf_free(p);
	} else if (res.bcast) {
		if (ks_pbuf_copy(&ks_net.st.pbufs, p, KS_PBUF_ROOM_IP, &copy) == 0)
			copy->ifindex = (uint16_t)res.ifindex; /* "received" on that interface */
		else
			copy = NULL; /* the wire still gets it; the host misses its own */
		err = ks_inet_netif_output_bcast(res.nif, p);
	} else {
		err = ks_inet_netif_output(res.nif, p, res.next_hop);
	}
	ks_mutex_unlock(&ks_net.nif_lock);
	if (copy)
		ks_inet_lo_xmit(copy);
	return err;
}

/* The MTU of the route from src to dst out of oif (0: any), as Linux's
 * dst_mtu: the chosen interface's, or the path's if one was learnt
 * (pmtu.h) and pmtudisc uses it (Linux's ip_sk_use_pmtu: below PROBE);
 * 0 when there is no route (nif_xmit then refuses the datagram). The
 * interface's own MTU in *link if link is not NULL. */
static uint32_t route_mtu(uint32_t src, uint32_t dst, int oif, int pmtudisc, uint32_t *link)
{
	struct ks_inet_rtres res;
	uint32_t mtu = 0;

	ks_mutex_lock(&ks_net.rt_lock);
	if (ks_inet_rtab_lookup(&ks_net.rt, dst, oif, src, &res) == 0)
		mtu = res.nif->dev->mtu;
	ks_mutex_unlock(&ks_net.rt_lock);
	if (link)
		*link = mtu;
	if (mtu && pmtudisc < KS_IP_PMTUDISC_PROBE)
		mtu = ks_pmtu_get(&ks_net.st, dst, mtu);
	return mtu;
}

uint32_t ks_inet_path_mtu(uint32_t src, uint32_t dst, int pmtudisc)
{
	uint32_t mtu = ks_inet_addr_local(dst) ? KS_INET_LO_MTU : route_mtu(src, dst, 0, pmtudisc, NULL);

	return mtu > KS_IPV4_MAX_LEN ? KS_IPV4_MAX_LEN : mtu; /* Linux's ipv4_mtu: IP_MAX_MTU */
}

/* Where ip_output's pieces go: sent now, or queued for tx_flush. */
struct ip_out {
	bool defer;
	uint16_t ifindex;
};

static int ip_out_piece(void *arg, struct ks_pbuf *p)
{
	struct ip_out *o = arg;

	p->ifindex = o->ifindex;
	if (!o->defer)
		return nif_xmit(p, ks_get32(p->data + 12), ks_get32(p->data + 16));
	ks_mutex_lock(&ks_net.lo_lock);
	ks_pbufq_push(&ks_net.tx_q, p);
	__atomic_add_fetch(&ks_net.tx_len, 1, __ATOMIC_RELEASE);
	ks_mutex_unlock(&ks_net.lo_lock);
	return 0;
}

/* ---- IPv4 output ---- */

static int ip_output(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		     int tos, bool defer, int pmtudisc)
{
	struct ks_ipv4_hdr h = {0};
	bool local = ks_inet_addr_local(dst);
	uint8_t *hdr;

	if (p->tot_len + KS_IPV4_HLEN_MIN > KS_IPV4_MAX_LEN) {
		ks_pbuf_free(p);
		return -KS_EMSGSIZE;
	}
	hdr = ks_pbuf_push(p, KS_IPV4_HLEN_MIN);
	if (!hdr) {
		ks_pbuf_free(p);
		return -KS_ENOBUFS;
	}
	h.tos = (uint8_t)tos;
	h.ttl = (uint8_t)ttl;
	h.proto = proto;
	h.tot_len = (uint16_t)p->tot_len;
	h.id = __atomic_add_fetch(&ks_net.ip_id, 1, __ATOMIC_RELAXED);
	/* Linux's __ip_make_skb: DF always with DO and PROBE, never with
	 * DONT, INTERFACE and OMIT; with WANT (the default) on a datagram the
	 * path carries whole, a longer one being fragmented here to the path
	 * MTU, or on its way out to the link's (ipfrag.h), DF clear. */
	uint32_t link = KS_INET_LO_MTU;
	uint32_t mtu = local ? link : route_mtu(src, dst, p->ifindex, pmtudisc, &link);
	h.df = pmtudisc == KS_IP_PMTUDISC_WANT ? local || p->tot_len <= mtu
					       : pmtudisc == KS_IP_PMTUDISC_DO ||
							 pmtudisc == KS_IP_PMTUDISC_PROBE;
	h.src = src;
	h.dst = dst;
	int rc = ks_ipv4_emit(hdr, KS_IPV4_HLEN_MIN, &h);
	if (rc < 0) {
		ks_pbuf_free(p);
		return rc;
	}
	if (!local) {
		struct ip_out o = {defer, p->ifindex};
		/* Cut here only to a path MTU below the link's (pmtu.h); the
		 * interface cuts to its own, after a broadcast's copy for
		 * this host was taken whole. */
		if (!h.df && mtu < link && p->tot_len > mtu)
			return ks_ipfrag_output(&ks_net.st, p, mtu, KS_PBUF_ROOM_IP, ip_out_piece, &o);
		return ip_out_piece(&o, p); /* route() found a route */
	}
	p->ifindex = 0; /* received on loopback */
	ks_inet_lo_xmit(p);
	return 0;
}

int ks_inet_ip_output(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		      int tos)
{
	return ip_output(p, src, dst, proto, ttl, tos, false, KS_IP_PMTUDISC_WANT);
}

int ks_inet_ip_queue(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		     int tos)
{
	return ip_output(p, src, dst, proto, ttl, tos, true, KS_IP_PMTUDISC_WANT);
}

int ks_inet_ip_send(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		    int tos, bool defer, int pmtudisc)
{
	return ip_output(p, src, dst, proto, ttl, tos, defer, pmtudisc);
}

int ks_inet_set_tcp_ecn(int mode)
{
	if (mode < KS_TCP_ECN_OFF || mode > KS_TCP_ECN_PASSIVE)
		return -KS_EINVAL;
	__atomic_store_n(&ks_net.st.tcp_ecn, mode, __ATOMIC_RELAXED);
	return 0;
}

int ks_inet_get_tcp_ecn(void)
{
	return __atomic_load_n(&ks_net.st.tcp_ecn, __ATOMIC_RELAXED);
}

/* ---- IPv4 input ---- */

/* RFC 1122 3.2.2.1: a datagram for a port nobody listens on is answered
 * with port unreachable, where RFC 1122 3.2.2 allows an error at all. The
 * reply goes through the loopback queue, which this drain then empties. */
static void send_port_unreach(const struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	struct ks_pbuf *e;

	if (!ks_icmp_error_allowed(&d->ip, false, false))
		return;
	size_t n = KS_ICMP_HLEN + ks_icmp_quote_len(d->ip.tot_len);
	if (ks_inet_count_drop(&ks_net.st, ks_pbuf_alloc(&ks_net.st.pbufs, KS_PBUF_ROOM_TRANSPORT,
							  (uint32_t)n, &e)))
		return;
	int rc = ks_icmp_emit_error(e->data, n, KS_ICMP_DEST_UNREACH, KS_ICMP_PORT_UNREACH, 0,
				    p->data, d->ip.tot_len);
	if (rc < 0) {
		ks_pbuf_free(e);
		return;
	}
	/* Linux's icmp_send: TOS IPTOS_PREC_INTERNETCONTROL, default TTL. */
	(void)ks_inet_ip_output(e, d->ip.dst, d->ip.src, KS_IPPROTO_ICMP, KS_IP_DEFAULT_TTL,
				0xc0); /* nobody to tell if the reply is lost */
}

static void icmp_input(const struct ks_inet_decoded *d)
{
	const struct ks_icmp_hdr *ic = &d->icmp;

	if (ic->is_error && ic->type == KS_ICMP_DEST_UNREACH &&
	    ic->quote.ip.proto == KS_IPPROTO_UDP) {
		ks_inet_udp_err(ic);
		return;
	}
	if (ic->is_error && ic->type == KS_ICMP_DEST_UNREACH &&
	    ic->quote.ip.proto == KS_IPPROTO_TCP) {
		ks_inet_tcp_err(ic);
		return;
	}
	/* Echo and the other errors come with the next steps. */
	ks_inet_count_drop(&ks_net.st, -KS_DROP_UNSUPPORTED);
}

/* Receive processing of one datagram; takes p. Receive context: rx_lock
 * held, no socket lock. */
static void ip_input(struct ks_pbuf *p)
{
	struct ks_inet_decoded d;

	KS_ASSERT(p->next == NULL); /* loopback packets are one segment */
	/* What loopback carries was made here: transport checksums are not
	 * verified (TCP does not even compute them on loopback), as Linux's
	 * lo marks its packets CHECKSUM_UNNECESSARY. */
	if (ks_inet_decode_ipv4(&ks_net.st, p->data, p->len, KS_WIRE_CSUM_OK, &d) < 0)
		goto drop; /* counted by the decoder */
	if (!ks_inet_addr_local(d.ip.dst)) {
		if (d.kind == KS_INET_UDP && is_bcast(d.ip.dst)) {
			/* our own broadcast, looped back: no error if nobody takes it */
			int rc = ks_inet_udp_input_bcast(p, &d);
			if (rc == 0)
				return;
			ks_inet_count_drop(&ks_net.st, rc);
			goto drop;
		}
		ks_inet_count_drop(&ks_net.st, -KS_DROP_NOT_LOCAL);
		goto drop;
	}
	switch (d.kind) {
	case KS_INET_UDP: {
		int rc = ks_inet_udp_input(p, &d);
		if (rc == 0)
			return; /* queued at a socket, which owns p now */
		ks_inet_count_drop(&ks_net.st, rc);
		if (rc == -KS_DROP_NO_SOCKET)
			send_port_unreach(p, &d);
		break;
	}
	case KS_INET_TCP:
		ks_inet_tcp_input(p, &d);
		return; /* taken */
	case KS_INET_ICMP:
		icmp_input(&d);
		break;
	case KS_INET_IPV4_FRAG: { /* RFC 791 3.2: whole datagrams go on */
		struct ks_pbuf *whole;
		if (ks_ipfrag_input(&ks_net.st, p, &whole) == 1)
			ip_input(whole); /* not a fragment: no deeper */
		return; /* p was taken: queued, in whole, or dropped and counted */
	}
	default:
		ks_inet_count_drop(&ks_net.st, -KS_DROP_UNSUPPORTED);
		break;
	}
drop:
	ks_pbuf_free(p);
}

/* ---- helpers of the AF_INET socket types ---- */

void ks_inet_fmt_addr(char *out, size_t cap, uint32_t a, uint16_t port)
{
	char tmp[24];
	int n = 0;
	unsigned parts[5] = {a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, port};

	for (int i = 0; i < 5; i++) {
		char d[6];
		int k = 0;
		unsigned v = parts[i];
		do {
			d[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (k)
			tmp[n++] = d[--k];
		if (i < 4)
			tmp[n++] = i == 3 ? ':' : '.';
	}
	tmp[n] = 0;
	size_t i;
	for (i = 0; i + 1 < cap && tmp[i]; i++)
		out[i] = tmp[i];
	out[i] = 0;
}

int ks_inet_port_search(uint32_t start, bool (*taken)(void *arg, uint16_t port), void *arg,
			uint16_t *port)
{
	const uint32_t range = KS_INET_EPHEMERAL_HIGH - KS_INET_EPHEMERAL_LOW + 1;

	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = (uint16_t)(KS_INET_EPHEMERAL_LOW + (start + i) % range);
		if (!taken(arg, p)) {
			*port = p;
			return 0;
		}
	}
	return -KS_EADDRINUSE;
}

uint32_t ks_inet_flow_hash(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	uint32_t h = src * 2654435761u ^ dst ^ ((uint32_t)sport << 16 | dport) ^
		     (uint32_t)ks_net.st.secret[0];

	h ^= h >> 15;
	h *= 2246822519u;
	return h ^ (h >> 13);
}

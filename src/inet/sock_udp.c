/*
 * sock_udp.c - UDP sockets (RFC 768, RFC 1122 4.1; Linux's man 7 udp):
 * the port table, bind, connect, send, receive, options, readiness.
 *
 * Port table. Every bound socket is on one list (ks_inet_net.udp_bound)
 * under udp_lock; lookups walk it (a hash by port comes with TCP). Two
 * sockets conflict on a port when their addresses overlap (equal, or
 * either is INADDR_ANY) unless both set SO_REUSEADDR (Linux's
 * udp_lib_lport_inuse). Port 0 picks a free port from 32768-60999 starting
 * at a pseudo-random point.
 *
 * Receive. A datagram is charged its truesize (the IPv4 datagram plus
 * KS_INET_SKB_OVERHEAD); it is dropped and counted when the charges
 * already exceed SO_RCVBUF (Linux's __udp_enqueue_schedule_skb: one
 * datagram always fits). The receive queue keeps whole IPv4 datagrams, so
 * recvmsg reads the source from their headers.
 *
 * Errors. An ICMP error about a datagram a socket sent (from loopback, an
 * interface, or made up when ARP fails) is converted as Linux's
 * __udp4_lib_err and icmp_err_convert: a hard error (port unreachable:
 * ECONNREFUSED, ...) becomes a connected socket's pending error, which
 * the next send or receive returns; a soft one (net or host unreachable)
 * is only reported with IP_RECVERR set, which also reports errors to
 * unconnected sockets, and queues every error on the socket's error
 * queue (recvmsg with MSG_ERRQUEUE), as does IP_PMTUDISC_DO's local
 * EMSGSIZE. Fragmentation needed also teaches the path MTU (pmtu.h).
 *
 * Locking: sock_inet.h. Sending holds no lock while it calls the loopback
 * device (or an interface, under nif_lock) and drains it; receive
 * processing locks one socket at a time.
 *
 * Control messages. recvmsg adds IP_PKTINFO, IP_TTL and IP_TOS as the
 * socket asked (read from the queued datagram's IPv4 header); sendmsg
 * takes IP_PKTINFO (source address, interface), IP_TTL and IP_TOS.
 *
 * SO_REUSEPORT: sockets that all set it share a port (Linux also asks for
 * the same uid: not checked); the flow's hash picks one of the group.
 *
 * Not supported yet: IP_PKTINFO and friends on error-queue reads,
 * multicast, SO_BINDTODEVICE, corking, UDP_SEGMENT.
 */
#include "sock_inet.h"

#include "../core/scm.h"
#include "../core/uaccess.h"

#define SIN_LEN ((unsigned)sizeof(struct ks_sockaddr_in))

static struct ks_inet_net *net(void)
{
	return ks_inet_net_get();
}

/* The fields the socket table reads without a lock are stored atomically
 * (writers hold the locks the header names). */
static void wr32(uint32_t *f, uint32_t v)
{
	__atomic_store_n(f, v, __ATOMIC_RELAXED);
}

static void wr16(uint16_t *f, uint16_t v)
{
	__atomic_store_n(f, v, __ATOMIC_RELAXED);
}

/* ---- the port table (udp_lock) ---- */

static bool port_conflict_locked(struct ks_inet_sock *u, uint32_t addr, uint16_t port)
{
	KS_ASSERT_HELD(&net()->udp_lock);
	for (struct ks_inet_sock *o = net()->udp_bound; o; o = o->bnext) {
		if (o != u && o->lport == port && ks_inet_port_clash(&u->sk, addr, &o->sk, o->laddr))
			return true;
	}
	return false;
}

struct port_probe {
	struct ks_inet_sock *u;
	uint32_t addr;
};

static bool port_taken(void *arg, uint16_t port)
{
	struct port_probe *pp = arg;

	return port_conflict_locked(pp->u, pp->addr, port);
}

/* Binds u to addr:port (port 0: an ephemeral one) and hashes it. */
static int port_get_locked(struct ks_inet_sock *u, uint32_t addr, uint16_t port)
{
	struct ks_inet_net *n = net();

	KS_ASSERT_HELD(&n->udp_lock);
	if (port) {
		if (port_conflict_locked(u, addr, port))
			return -KS_EADDRINUSE;
	} else {
		/* xorshift32: a start point programs cannot guess cheaply */
		n->port_rnd ^= n->port_rnd << 13;
		n->port_rnd ^= n->port_rnd >> 17;
		n->port_rnd ^= n->port_rnd << 5;
		struct port_probe pp = {u, addr};
		if (ks_inet_port_search(n->port_rnd, port_taken, &pp, &port))
			return -KS_EADDRINUSE;
	}
	wr32(&u->laddr, addr);
	wr16(&u->lport, port);
	u->bnext = n->udp_bound;
	n->udp_bound = u;
	u->hashed = true;
	return 0;
}

static void unhash_locked(struct ks_inet_sock *u)
{
	KS_ASSERT_HELD(&net()->udp_lock);
	if (!u->hashed)
		return;
	for (struct ks_inet_sock **pp = &net()->udp_bound; *pp; pp = &(*pp)->bnext) {
		if (*pp == u) {
			*pp = u->bnext;
			break;
		}
	}
	u->bnext = NULL;
	u->hashed = false;
	wr16(&u->lport, 0);
}

/* How well o matches a datagram from src:sport to dst:dport: -1 not at
 * all, else more for each of its fields that had to match (Linux's
 * compute_score). Caller holds udp_lock. */
static int match_score_locked(const struct ks_inet_sock *o, uint32_t src, uint16_t sport,
			      uint32_t dst, uint16_t dport)
{
	int score = 0;

	if (o->lport != dport)
		return -1;
	if (o->laddr) {
		if (o->laddr != dst)
			return -1;
		score += 4;
	}
	if (o->rport) {
		if (o->raddr != src || o->rport != sport)
			return -1;
		score += 4;
	}
	return score;
}

/* The socket a datagram from src:sport to dst:dport belongs to, with a
 * reference, or NULL: the most specific match (Linux's compute_score). */
static struct ks_inet_sock *lookup(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct ks_inet_sock *best = NULL;
	int best_score = -1;
	unsigned group = 0; /* SO_REUSEPORT sockets sharing the best score */
	uint32_t h = ks_inet_flow_hash(src, sport, dst, dport);

	ks_mutex_lock(&net()->udp_lock);
	for (struct ks_inet_sock *o = net()->udp_bound; o; o = o->bnext) {
		int score = match_score_locked(o, src, sport, dst, dport);
		if (score < 0 || score < best_score)
			continue;
		if (score > best_score) {
			best = o;
			best_score = score;
			group = 1;
		} else if (ks_inet_has(&o->sk, KS_SF_REUSEPORT) &&
			   ks_inet_has(&best->sk, KS_SF_REUSEPORT) && o->laddr == best->laddr) {
			/* Linux's reuseport_select_sock: the flow's hash picks one
			 * of the group, the same one for every datagram of a flow. */
			if (h % ++group == 0)
				best = o;
		}
	}
	if (best)
		ks_socket_hold(&best->sk);
	ks_mutex_unlock(&net()->udp_lock);
	return best;
}

/* Linux's inet_autobind: an ephemeral port on INADDR_ANY; EAGAIN if none
 * is free. Caller holds u's lock. */
static int autobind_locked(struct ks_inet_sock *u)
{
	KS_ASSERT_HELD(&u->sk.lock);
	if (u->lport)
		return 0;
	ks_mutex_lock(&net()->udp_lock);
	int err = port_get_locked(u, u->laddr, 0);
	ks_mutex_unlock(&net()->udp_lock);
	return err ? -KS_EAGAIN : 0;
}

/* ---- creation and close ---- */

int ks_inet_udp_create(struct ks_socket **out)
{
	struct ks_inet_sock *u = (struct ks_inet_sock *)ks_socket_alloc(
		sizeof(*u), &ks_inet_family, &ks_inet_udp_ops, KS_SOCK_DGRAM, KS_IPPROTO_UDP);

	if (!u)
		return -KS_ENOMEM;
	ks_pbufq_init(&u->rq);
	ks_pbufq_init(&u->errq);
	u->ttl = -1; /* the default, net.ipv4.ip_default_ttl */
	u->pmtudisc = KS_IP_PMTUDISC_WANT; /* Linux's ip_no_pmtu_disc 0 */
	*out = &u->sk;
	return 0;
}

static void udp_release(struct ks_socket *s)
{
	struct ks_inet_sock *u = ks_inet(s);
	struct ks_pbuf_queue q;

	ks_mutex_lock(&s->lock);
	ks_mutex_lock(&net()->udp_lock);
	unhash_locked(u);
	ks_mutex_unlock(&net()->udp_lock);
	ks_socket_set_state_locked(s, KS_SS_CLOSED);
	q = u->rq;
	ks_pbufq_init(&u->rq);
	struct ks_pbuf_queue eq = u->errq;
	ks_pbufq_init(&u->errq);
	__atomic_store_n(&u->rmem, 0, __ATOMIC_RELAXED);
	ks_mutex_unlock(&s->lock);
	ks_pbufq_purge(&q);
	ks_pbufq_purge(&eq);
}

static void udp_destroy(struct ks_socket *s)
{
	struct ks_inet_sock *u = ks_inet(s);

	ks_pbufq_purge(&u->rq); /* what receive processing queued during release */
	ks_pbufq_purge(&u->errq);
	ks_socket_free(s, sizeof(*u));
}

/* ---- addresses ---- */



/* Whether addr is an address of this host: 127.0.0.0/8 on the loopback
 * device, and the attached interfaces' addresses (sock_inet.h). */
static bool addr_local(uint32_t addr)
{
	return ks_inet_addr_local(addr);
}

/* The route to dst from laddr (0: the route chooses) out of interface oif
 * (0: any): the source address in *src. 0.0.0.0 means this host (Linux
 * routes it to loopback). Linux's ip_route_output_key_hash_rcu order: a
 * source that cannot be one is EINVAL, one not of this host ENETUNREACH,
 * an interface that does not exist ENODEV. This host's addresses (127/8,
 * the interfaces') go through loopback; everything else by the routing
 * table (route.h: longest prefix; no route is ENETUNREACH), from a source
 * other than a loopback one. A broadcast route needs SO_BROADCAST
 * (udp_sendmsg's EACCES, after the lookup as in Linux). */
static int route(struct ks_inet_sock *u, uint32_t *dst, uint32_t laddr, int oif, uint32_t *src)
{
	struct ks_inet_net *n = net();
	struct ks_inet_rtres res;
	int err = 0;

	if (laddr && (ks_ipv4_is_multicast(laddr) || ks_ipv4_is_lbcast(laddr) || !(laddr >> 24)))
		return -KS_EINVAL;
	if (laddr && !addr_local(laddr))
		return -KS_ENETUNREACH;
	if (!*dst)
		*dst = laddr ? laddr : KS_INET_LO_ADDR;
	if (oif == KS_INET_LO_IFINDEX)
		oif = 0; /* loopback: the local routes below */
	ks_mutex_lock(&n->rt_lock);
	if (oif && !ks_inet_rtab_netif(&n->rt, oif)) {
		err = -KS_ENODEV;
	} else if (ks_ipv4_is_loopback(*dst) || ks_inet_rtab_netif_by_addr(&n->rt, *dst)) {
		*src = laddr ? laddr : ks_ipv4_is_loopback(*dst) ? KS_INET_LO_ADDR : *dst;
	} else if (laddr && ks_ipv4_is_loopback(laddr)) {
		err = -KS_ENETUNREACH; /* a loopback source stays on loopback */
	} else {
		err = ks_inet_rtab_lookup(&n->rt, *dst, oif, laddr, &res);
		if (!err && res.bcast && !(__atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) &
					   KS_SF_BROADCAST))
			err = -KS_EACCES;
		if (!err)
			*src = laddr ? laddr : res.src;
	}
	ks_mutex_unlock(&n->rt_lock);
	return err;
}

/* Linux's __inet_bind for UDP. */
static int udp_bind(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned len)
{
	struct ks_inet_sock *u = ks_inet(s);
	uint32_t addr;
	uint16_t port;

	if (len < SIN_LEN)
		return -KS_EINVAL;
	ks_inet_sin_in(a, &addr, &port);
	/* AF_UNSPEC is taken as AF_INET only with INADDR_ANY. */
	if (a->ss_family != KS_AF_INET && (a->ss_family != KS_AF_UNSPEC || addr))
		return -KS_EAFNOSUPPORT;
	/* inet_addr_type: a local or broadcast address (RTN_BROADCAST). */
	if (addr && !addr_local(addr) && !ks_inet_addr_bcast(addr))
		return -KS_EADDRNOTAVAIL;
	/* inet_port_requires_bind_service, before the already-bound check. */
	if (port && port < KS_INET_PROT_SOCK && ks_port_uid() != 0)
		return -KS_EACCES;
	ks_mutex_lock(&s->lock);
	int err = -KS_EINVAL; /* already bound, or connected */
	if (!u->lport && s->state != KS_SS_CONNECTED) {
		ks_mutex_lock(&net()->udp_lock);
		err = port_get_locked(u, addr, port);
		ks_mutex_unlock(&net()->udp_lock);
	}
	if (!err) {
		u->addr_locked = addr != 0;
		u->port_locked = port != 0;
		ks_socket_set_state_locked(s, KS_SS_BOUND);
	}
	ks_mutex_unlock(&s->lock);
	return err;
}

/* Linux's udp_disconnect: forget the peer; an address or port that
 * connect chose (not bind) is given up too. Caller holds s->lock. */
static void disconnect_locked(struct ks_inet_sock *u)
{
	ks_mutex_lock(&net()->udp_lock);
	wr32(&u->raddr, 0);
	wr16(&u->rport, 0);
	if (!u->addr_locked)
		wr32(&u->laddr, 0);
	if (!u->port_locked)
		unhash_locked(u);
	ks_mutex_unlock(&net()->udp_lock);
	if (u->sk.state == KS_SS_CONNECTED)
		ks_socket_set_state_locked(&u->sk, u->lport ? KS_SS_BOUND : KS_SS_NEW);
}

/* Linux's inet_dgram_connect and __ip4_datagram_connect. */
static int udp_connect(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned len)
{
	struct ks_inet_sock *u = ks_inet(s);
	uint32_t dst, src;
	uint16_t port;
	int err;

	if (len < sizeof(ks_sa_family_t))
		return -KS_EINVAL;
	ks_mutex_lock(&s->lock);
	if (a->ss_family == KS_AF_UNSPEC) {
		disconnect_locked(u);
		ks_mutex_unlock(&s->lock);
		return 0;
	}
	err = autobind_locked(u);
	if (!err && len < SIN_LEN)
		err = -KS_EINVAL;
	if (!err && a->ss_family != KS_AF_INET)
		err = -KS_EAFNOSUPPORT;
	if (!err) {
		ks_inet_sin_in(a, &dst, &port);
		err = route(u, &dst, u->laddr, 0, &src);
	}
	if (!err) {
		ks_mutex_lock(&net()->udp_lock);
		wr32(&u->laddr, src);
		wr32(&u->raddr, dst);
		wr16(&u->rport, port);
		ks_mutex_unlock(&net()->udp_lock);
		ks_socket_set_state_locked(s, KS_SS_CONNECTED);
	}
	ks_mutex_unlock(&s->lock);
	return err;
}

static int udp_getname(struct ks_socket *s, struct ks_sockaddr_storage *a, bool peer)
{
	struct ks_inet_sock *u = ks_inet(s);
	unsigned len;

	ks_mutex_lock(&s->lock);
	if (peer && s->state != KS_SS_CONNECTED) {
		ks_mutex_unlock(&s->lock);
		return -KS_ENOTCONN;
	}
	len = peer ? ks_inet_sin_out(a, u->raddr, u->rport) : ks_inet_sin_out(a, u->laddr, u->lport);
	ks_mutex_unlock(&s->lock);
	return (int)len;
}

/* ---- send ---- */

struct udp_dest {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t saddr; /* the source asked for (0: the route's) */
	int oif;        /* IP_PKTINFO's interface, 0: any */
	int ttl, tos;   /* from control messages, -1: the socket's */
};

/* One IPPROTO_IP control message (Linux's ip_cmsg_send); c is complete. */
static int ip_cmsg_one(const struct ks_cmsghdr *c, struct udp_dest *d)
{
	const unsigned char *data = (const unsigned char *)c + KS_CMSG_ALIGN(sizeof(*c));
	struct ks_in_pktinfo pi;
	int v;

	switch (c->cmsg_type) {
	case KS_IP_PKTINFO:
		if (c->cmsg_len != KS_CMSG_LEN(sizeof(pi)))
			return -KS_EINVAL;
		__builtin_memcpy(&pi, data, sizeof(pi));
		if (pi.ipi_ifindex)
			d->oif = pi.ipi_ifindex;
		d->saddr = ks_ntoh32(pi.ipi_spec_dst.s_addr); /* 0 too: the route's */
		return 0;
	case KS_IP_TTL:
		if (c->cmsg_len != KS_CMSG_LEN(sizeof(int)))
			return -KS_EINVAL;
		__builtin_memcpy(&v, data, sizeof(v));
		if (v < 1 || v > 255)
			return -KS_EINVAL;
		d->ttl = v;
		return 0;
	case KS_IP_TOS: /* an int or one byte */
		if (c->cmsg_len == KS_CMSG_LEN(sizeof(int)))
			__builtin_memcpy(&v, data, sizeof(v));
		else if (c->cmsg_len == KS_CMSG_LEN(1))
			v = data[0];
		else
			return -KS_EINVAL;
		if (v < 0 || v > 255)
			return -KS_EINVAL;
		d->tos = v;
		return 0;
	default:
		return -KS_EINVAL;
	}
}

/* The sender's control messages (Linux's udp_cmsg_send, ip_cmsg_send and
 * __sock_cmsg_send): IP_PKTINFO, IP_TTL and IP_TOS at IPPROTO_IP; at
 * SOL_SOCKET, SCM_RIGHTS and SCM_CREDENTIALS are ignored and the rest
 * refused (Linux's SO_MARK, SO_PRIORITY, SCM_TXTIME and timestamping
 * requests are not implemented); at SOL_UDP, UDP_SEGMENT is not
 * implemented either, so everything is EINVAL; other levels are ignored.
 * m->control is a kernel copy. */
static int udp_cmsg_send(const struct ks_msg *m, struct udp_dest *d)
{
	unsigned long off = 0;

	while (off + sizeof(struct ks_cmsghdr) <= m->controllen) {
		const struct ks_cmsghdr *c = (const struct ks_cmsghdr *)((char *)m->control + off);
		int err = 0;
		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > m->controllen - off)
			return -KS_EINVAL;
		if (c->cmsg_level == KS_SOL_IP)
			err = ip_cmsg_one(c, d);
		else if (c->cmsg_level == KS_SOL_UDP)
			err = -KS_EINVAL;
		else if (c->cmsg_level == KS_SOL_SOCKET && c->cmsg_type != KS_SCM_RIGHTS &&
			 c->cmsg_type != KS_SCM_CREDENTIALS)
			err = -KS_EINVAL;
		if (err)
			return err;
		off += KS_CMSG_ALIGN(c->cmsg_len);
	}
	return 0;
}

/* The destination and source of a datagram (Linux's udp_sendmsg checks,
 * in its order, after inet_send_prepare's autobind). */
static int send_dest(struct ks_inet_sock *u, struct ks_msg *m, struct udp_dest *d)
{
	int err;

	ks_mutex_lock(&u->sk.lock);
	err = autobind_locked(u);
	if (err)
		goto out;
	if (m->it.left > 0xffff) {
		err = -KS_EMSGSIZE;
		goto out;
	}
	if (m->namelen) {
		err = -KS_EINVAL;
		if (m->namelen < SIN_LEN)
			goto out;
		err = -KS_EAFNOSUPPORT;
		if (m->name->ss_family != KS_AF_INET && m->name->ss_family != KS_AF_UNSPEC)
			goto out;
		ks_inet_sin_in(m->name, &d->dst, &d->dport);
		err = -KS_EINVAL;
		if (!d->dport)
			goto out;
	} else {
		err = -KS_EDESTADDRREQ;
		if (u->sk.state != KS_SS_CONNECTED)
			goto out;
		d->dst = u->raddr;
		d->dport = u->rport;
	}
	d->sport = u->lport;
	d->saddr = u->laddr;
	d->oif = 0;
	d->ttl = d->tos = -1;
	err = udp_cmsg_send(m, d);
	if (!err)
		err = route(u, &d->dst, d->saddr, d->oif, &d->src);
out:
	ks_mutex_unlock(&u->sk.lock);
	return err;
}

/* ---- IP_RECVERR's error queue (Linux's ip_icmp_error, ip_local_error,
 * ip_recv_error) ----
 * An entry is a packet buffer holding a struct errq_ent, then the bytes
 * recvmsg(MSG_ERRQUEUE) returns (for ICMP: what the error quoted of the
 * datagram after its UDP header). Entries are charged to rmem like
 * datagrams and dropped when it passes SO_RCVBUF. */
struct errq_ent {
	struct ks_sock_extended_err ee;
	uint32_t addr;     /* the name recvmsg gives (host order) */
	uint16_t port;     /* its port; 0: no name (Linux: serr->port) */
	uint32_t offender; /* the ICMP's sender; ORIGIN_LOCAL: none */
	uint32_t len;      /* bytes after the entry */
};

static long truesize(const struct ks_pbuf *p);

/* Queues an entry (p holds it: takes p) and tells pollers. */
static void errq_push(struct ks_inet_sock *u, struct ks_pbuf *p)
{
	bool ok;

	ks_mutex_lock(&u->sk.lock);
	ok = u->sk.state != KS_SS_CLOSED &&
	     u->rmem + truesize(p) < __atomic_load_n(&u->sk.rcvbuf, __ATOMIC_RELAXED);
	if (ok) {
		ks_pbufq_push(&u->errq, p);
		__atomic_store_n(&u->rmem, u->rmem + truesize(p), __ATOMIC_RELAXED);
	}
	ks_mutex_unlock(&u->sk.lock);
	if (!ok) {
		ks_pbuf_free(p); /* Linux's sock_queue_err_skb: -ENOMEM, nobody told */
		__atomic_add_fetch(&u->drops, 1, __ATOMIC_RELAXED);
		return;
	}
	ks_waitq_wake_ev(&u->sk.rx_wait, KS_POLLERR);
}

/* An entry e with e->len bytes of payload, if IP_RECVERR is set. */
static void errq_add(struct ks_inet_sock *u, const struct errq_ent *e, const uint8_t *payload)
{
	struct ks_pbuf *p;

	if (!(__atomic_load_n(&u->cmsg_flags, __ATOMIC_RELAXED) & KS_INET_RECVERR))
		return;
	if (ks_inet_count_drop(&net()->st, ks_pbuf_alloc(&net()->st.pbufs, 0,
							  (uint32_t)sizeof(*e) + e->len, &p)))
		return;
	__builtin_memcpy(p->data, e, sizeof(*e));
	if (e->len)
		__builtin_memcpy(p->data + sizeof(*e), payload, e->len);
	errq_push(u, p);
}

/* EMSGSIZE from IP_PMTUDISC_DO (Linux's ip_local_error): the MTU in
 * ee_info; a name only when the socket is connected (Linux passes
 * inet_dport), no payload. */
static void local_error(struct ks_inet_sock *u, const struct udp_dest *d, uint32_t mtu)
{
	struct errq_ent e = {0};

	e.ee.ee_errno = KS_EMSGSIZE;
	e.ee.ee_origin = KS_SO_EE_ORIGIN_LOCAL;
	e.ee.ee_info = mtu;
	e.addr = d->dst;
	e.port = __atomic_load_n(&u->rport, __ATOMIC_RELAXED);
	errq_add(u, &e, NULL);
}

/* recvmsg(MSG_ERRQUEUE): the oldest entry, or EAGAIN. Its payload as
 * data (MSG_TRUNC if cut), its name, and an IP_RECVERR control message
 * (the extended error and the offender: the ICMP's sender, none for a
 * local error); MSG_ERRQUEUE in the flags. Reading an ICMP entry moves
 * the pending error on to the next ICMP entry's, or clears it (Linux's
 * sock_dequeue_err_skb). Never blocks. */
static long recv_error(struct ks_inet_sock *u, struct ks_msg *m)
{
	struct ks_socket *s = &u->sk;
	struct errq_ent e, next;
	bool icmp_next = false;
	struct ks_pbuf *p;

	ks_mutex_lock(&s->lock);
	p = ks_pbufq_pop(&u->errq);
	if (p) {
		__atomic_store_n(&u->rmem, u->rmem - truesize(p), __ATOMIC_RELAXED);
		if (u->errq.head) {
			__builtin_memcpy(&next, u->errq.head->data, sizeof(next));
			icmp_next = next.ee.ee_origin == KS_SO_EE_ORIGIN_ICMP;
		}
	}
	ks_mutex_unlock(&s->lock);
	if (!p)
		return -KS_EAGAIN;
	__builtin_memcpy(&e, p->data, sizeof(e));
	if (icmp_next)
		ks_socket_set_error(s, (int)next.ee.ee_errno);
	else if (e.ee.ee_origin == KS_SO_EE_ORIGIN_ICMP)
		(void)ks_socket_take_error(s); /* Linux sets sk_err to 0 */
	unsigned long n = m->it.left < e.len ? m->it.left : e.len;
	if (n < e.len)
		m->flags_out |= KS_MSG_TRUNC;
	long ret = (long)n;
	if (ks_iter_copy_to(&m->it, p->data + sizeof(e), (uint32_t)n))
		ret = -KS_EFAULT;
	if (ret >= 0) {
		struct {
			struct ks_sock_extended_err ee;
			struct ks_sockaddr_in offender;
		} eh;
		__builtin_memset(&eh, 0, sizeof(eh));
		eh.ee = e.ee;
		if (e.ee.ee_origin == KS_SO_EE_ORIGIN_ICMP)
			(void)ks_inet_sin_out((struct ks_sockaddr_storage *)&eh.offender, e.offender, 0);
		if (m->name && e.port)
			m->namelen = ks_inet_sin_out(m->name, e.addr, e.port);
		ks_scm_put(m, KS_SOL_IP, KS_IP_RECVERR, &eh, sizeof(eh));
		m->flags_out |= KS_MSG_ERRQUEUE;
	}
	ks_pbuf_free(p);
	return ret;
}

static long udp_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_inet_sock *u = ks_inet(s);
	struct udp_dest d;
	struct ks_pbuf *p;
	uint32_t len = (uint32_t)m->it.left;
	int err;

	if (flags & KS_MSG_OOB)
		return -KS_EOPNOTSUPP;
	err = send_dest(u, m, &d);
	if (err)
		return err;
	/* ip_append_data: the datagram must fit IPv4's 16-bit length, and
	 * with IP_PMTUDISC_DO, PROBE or INTERFACE (DF, no local
	 * fragmentation) the path's MTU (PROBE and INTERFACE: the link's). */
	int pmtudisc = __atomic_load_n(&u->pmtudisc, __ATOMIC_RELAXED);
	if (len > KS_IPV4_MAX_LEN - KS_IPV4_HLEN_MIN - KS_UDP_HLEN)
		return -KS_EMSGSIZE;
	if (pmtudisc >= KS_IP_PMTUDISC_DO && pmtudisc <= KS_IP_PMTUDISC_INTERFACE) {
		uint32_t mtu = ks_inet_path_mtu(d.src, d.dst, pmtudisc);
		if (len + KS_IPV4_HLEN_MIN + KS_UDP_HLEN > mtu) {
			local_error(u, &d, mtu); /* Linux's ip_local_error */
			return -KS_EMSGSIZE;
		}
	}
	/* sock_alloc_send_skb: the pending error first, then shutdown. */
	err = ks_socket_take_error(s);
	if (err)
		return -err;
	if (__atomic_load_n(&s->shutdown, __ATOMIC_ACQUIRE) & KS_SEND_SHUTDOWN)
		return -KS_EPIPE;
	err = ks_pbuf_alloc(&net()->st.pbufs, KS_PBUF_ROOM_PAYLOAD, len, &p);
	if (err)
		return err == -KS_EMSGSIZE ? err : -KS_ENOBUFS;
	if (ks_iter_copy_from(&m->it, p->data, len)) {
		ks_pbuf_free(p);
		return -KS_EFAULT;
	}
	uint8_t *h = ks_pbuf_push(p, KS_UDP_HLEN);
	KS_ASSERT(h != NULL); /* allocated with room for it */
	ks_udp_emit(h, p->tot_len, d.sport, d.dport, d.src, d.dst,
		    !(__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_NO_CHECK));
	p->ifindex = (uint16_t)(d.oif == KS_INET_LO_IFINDEX ? 0 : d.oif);
	int ttl = d.ttl >= 0 ? d.ttl : __atomic_load_n(&u->ttl, __ATOMIC_RELAXED);
	int tos = d.tos >= 0 ? d.tos : __atomic_load_n(&u->tos, __ATOMIC_RELAXED);
	err = ks_inet_ip_send(p, d.src, d.dst, KS_IPPROTO_UDP, ttl < 0 ? KS_IP_DEFAULT_TTL : ttl,
			      tos, false, pmtudisc);
	/* Receive processing runs here, with no lock held: loopback delivers
	 * before the call returns, as Linux's softirq at the end of it. */
	ks_inet_lo_drain();
	return err ? err : (long)len;
}

/* ---- receive context ---- */

static long truesize(const struct ks_pbuf *p)
{
	return (long)p->tot_len + KS_INET_SKB_OVERHEAD;
}

/* Queues p at u (0: taken), or a drop reason and p stays the caller's. */
static int deliver(struct ks_inet_sock *u, struct ks_pbuf *p)
{
	int rc = 0;

	ks_mutex_lock(&u->sk.lock);
	if (u->sk.state == KS_SS_CLOSED) /* released since the lookup */
		rc = -KS_DROP_NO_SOCKET;
	else if (u->rmem > __atomic_load_n(&u->sk.rcvbuf, __ATOMIC_RELAXED))
		rc = -KS_DROP_RCVBUF_FULL;
	if (!rc) {
		ks_pbufq_push(&u->rq, p);
		__atomic_store_n(&u->rmem, u->rmem + truesize(p), __ATOMIC_RELAXED);
	}
	ks_mutex_unlock(&u->sk.lock);
	if (rc == -KS_DROP_RCVBUF_FULL)
		__atomic_add_fetch(&u->drops, 1, __ATOMIC_RELAXED);
	if (!rc)
		ks_waitq_wake_ev(&u->sk.rx_wait, KS_EV_IN);
	return rc;
}

int ks_inet_udp_input(struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	struct ks_inet_sock *u = lookup(d->ip.src, d->udp.sport, d->ip.dst, d->udp.dport);

	if (!u)
		return -KS_DROP_NO_SOCKET;
	int rc = deliver(u, p);
	ks_socket_put(&u->sk);
	return rc;
}

/* At most this many sockets get one broadcast datagram. */
#define BCAST_MAX 16

int ks_inet_udp_input_bcast(struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	struct ks_inet_sock *hit[BCAST_MAX];
	int n = 0, rc = -KS_DROP_NO_SOCKET;

	ks_mutex_lock(&net()->udp_lock);
	for (struct ks_inet_sock *o = net()->udp_bound; o && n < BCAST_MAX; o = o->bnext) {
		if (match_score_locked(o, d->ip.src, d->udp.sport, d->ip.dst, d->udp.dport) < 0)
			continue;
		ks_socket_hold(&o->sk);
		hit[n++] = o;
	}
	ks_mutex_unlock(&net()->udp_lock);
	for (int i = 0; i < n; i++) {
		struct ks_pbuf *q = p;
		int r;

		if (i + 1 < n && ks_pbuf_copy(&net()->st.pbufs, p, 0, &q) != 0)
			r = -KS_ENOBUFS;
		else if ((r = deliver(hit[i], q)) != 0 && q != p)
			ks_pbuf_free(q);
		if (r == 0 && q == p)
			p = NULL; /* the last socket took the original */
		if (r == 0)
			rc = 0;
		else if (i + 1 < n || rc == 0)
			(void)ks_inet_count_drop(&net()->st, r);
		ks_socket_put(&hit[i]->sk);
	}
	if (rc == 0 && p)
		ks_pbuf_free(p); /* delivered as copies; the last socket refused it */
	return rc;
}

/* Linux's icmp_err_convert: the errno of each destination unreachable
 * code and whether it is a hard error (RFC 1122 3.2.2.1: net, host and
 * source-route failures are transient). */
static const struct {
	uint8_t err;
	bool hard;
} unreach_err[16] = {
	{ KS_ENETUNREACH, false }, { KS_EHOSTUNREACH, false }, { KS_ENOPROTOOPT, true },
	{ KS_ECONNREFUSED, true }, { KS_EMSGSIZE, false },     { KS_EOPNOTSUPP, false },
	{ KS_ENETUNREACH, true },  { KS_EHOSTDOWN, true },     { KS_ENONET, true },
	{ KS_ENETUNREACH, true },  { KS_EHOSTUNREACH, true },  { KS_ENETUNREACH, false },
	{ KS_EHOSTUNREACH, false }, { KS_EHOSTUNREACH, true }, { KS_EHOSTUNREACH, true },
	{ KS_EHOSTUNREACH, true },
};

/* The errno an ICMP error means for UDP, and whether it is hard (Linux's
 * __udp4_lib_err); 0 for what UDP ignores. */
static int icmp_errno(const struct ks_icmp_hdr *icmp, bool *hard)
{
	*hard = false;
	switch (icmp->type) {
	case KS_ICMP_DEST_UNREACH:
		if (icmp->code == KS_ICMP_FRAG_NEEDED) { /* IP_PMTUDISC_WANT */
			*hard = true;
			return KS_EMSGSIZE;
		}
		if (icmp->code < 16) {
			*hard = unreach_err[icmp->code].hard;
			return unreach_err[icmp->code].err;
		}
		return KS_EHOSTUNREACH;
	case KS_ICMP_TIME_EXCEEDED:
		return KS_EHOSTUNREACH;
	case KS_ICMP_PARAMETERPROB:
		*hard = true;
		return KS_EPROTO;
	default:
		return 0; /* source quench, redirect */
	}
}

void ks_inet_udp_err(const struct ks_icmp_hdr *icmp)
{
	const struct ks_icmp_quote *q = &icmp->quote;
	/* The datagram we sent, looked up as if it came back. */
	struct ks_inet_sock *u = lookup(q->ip.dst, q->dport, q->ip.src, q->sport);
	bool hard;
	int err = icmp_errno(icmp, &hard);

	if (!u)
		return;
	if (icmp->type == KS_ICMP_DEST_UNREACH && icmp->code == KS_ICMP_FRAG_NEEDED) {
		/* RFC 1191: the path MTU is learnt (Linux's
		 * ipv4_sk_update_pmtu); with IP_PMTUDISC_DONT it is no error. */
		uint32_t mtu = ks_pmtu_plausible(&net()->st, icmp->mtu);
		uint32_t link = ks_inet_path_mtu(q->ip.src, q->ip.dst, KS_IP_PMTUDISC_PROBE);
		if (mtu && link) /* (the path MTU it returns is for later sends) */
			(void)ks_pmtu_learn(&net()->st, q->ip.dst, mtu, link);
		if (__atomic_load_n(&u->pmtudisc, __ATOMIC_RELAXED) == KS_IP_PMTUDISC_DONT)
			err = 0;
	}
	if (err) {
		bool recverr = __atomic_load_n(&u->cmsg_flags, __ATOMIC_RELAXED) & KS_INET_RECVERR;
		ks_mutex_lock(&u->sk.lock);
		bool connected = u->sk.state == KS_SS_CONNECTED;
		ks_mutex_unlock(&u->sk.lock);
		if (recverr) { /* Linux's ip_icmp_error: an entry, with what was quoted */
			struct errq_ent e = {0};
			e.ee.ee_errno = (uint32_t)err;
			e.ee.ee_origin = KS_SO_EE_ORIGIN_ICMP;
			e.ee.ee_type = icmp->type;
			e.ee.ee_code = icmp->code;
			if (icmp->type == KS_ICMP_DEST_UNREACH && icmp->code == KS_ICMP_FRAG_NEEDED)
				e.ee.ee_info = icmp->mtu;
			e.addr = q->ip.dst;
			e.port = q->dport;
			e.offender = icmp->from;
			e.len = q->l4_len > KS_UDP_HLEN ? (uint32_t)(q->l4_len - KS_UDP_HLEN) : 0;
			errq_add(u, &e, q->l4 + KS_UDP_HLEN);
		}
		/* Without IP_RECVERR only hard errors, and only when connected. */
		if (recverr || (hard && connected))
			ks_socket_set_error(&u->sk, err);
	}
	ks_socket_put(&u->sk);
}

/* ---- receive ---- */

struct udp_rd {
	struct ks_inet_sock *u;
	bool may_block;
	bool peek_off;     /* MSG_PEEK with SO_PEEK_OFF set */
	int err;
	struct ks_pbuf *p; /* the datagram to read, when ready */
	uint32_t skip;     /* payload bytes of it to skip (SO_PEEK_OFF) */
};

/* Where a queued datagram's payload is, and who sent it. */
static void dgram_parts(const struct ks_pbuf *p, uint32_t *off, uint32_t *len, uint32_t *src,
			uint16_t *sport)
{
	uint32_t ihl = (uint32_t)(p->data[0] & 0x0f) * 4;

	*src = ks_get32(p->data + 12);
	*sport = ks_get16(p->data + ihl);
	*off = ihl + KS_UDP_HLEN;
	*len = (uint32_t)ks_get16(p->data + ihl + 4) - KS_UDP_HLEN;
}

static uint32_t dgram_len(const struct ks_pbuf *p)
{
	uint32_t off, len, src;
	uint16_t sport;

	dgram_parts(p, &off, &len, &src, &sport);
	return len;
}

/* The datagram holding byte off of the queue's payloads, as Linux's
 * __skb_try_recv_from_queue with a peek offset: whole datagrams the
 * offset passes are skipped (an empty one only when the offset is past
 * it). Caller holds the socket's lock. */
static struct ks_pbuf *peek_at_locked(struct ks_inet_sock *u, uint32_t off, uint32_t *skip)
{
	for (struct ks_pbuf *p = u->rq.head; p; p = p->qnext) {
		uint32_t len = dgram_len(p);
		if (off >= len && (len || off)) {
			off -= len;
			continue;
		}
		*skip = off;
		return p;
	}
	return NULL;
}

static bool rd_ready(void *arg)
{
	struct udp_rd *r = arg;
	struct ks_socket *s = &r->u->sk;

	r->err = -ks_socket_take_error(s);
	if (r->err)
		return true;
	r->skip = 0;
	r->p = r->peek_off && s->peek_off >= 0
		       ? peek_at_locked(r->u, (uint32_t)s->peek_off, &r->skip)
		       : r->u->rq.head;
	if (r->p)
		return true;
	/* A shut-down socket reads end of file, unless it would not block. */
	return r->may_block && (s->shutdown & KS_RCV_SHUTDOWN);
}

/* Linux's ip_cmsg_recv_offset for the options ksock has, in its order. */
static void ip_cmsg_recv(struct ks_inet_sock *u, const struct ks_pbuf *p, struct ks_msg *m)
{
	unsigned fl = __atomic_load_n(&u->cmsg_flags, __ATOMIC_RELAXED);

	if (fl & KS_INET_CMSG_PKTINFO) {
		/* The datagram's destination is local, so the address to
		 * answer from (spec_dst) is that destination too. */
		struct ks_in_pktinfo pi;
		pi.ipi_ifindex = p->ifindex ? p->ifindex : KS_INET_LO_IFINDEX;
		__builtin_memcpy(&pi.ipi_addr.s_addr, p->data + 16, 4); /* network order */
		pi.ipi_spec_dst = pi.ipi_addr;
		ks_scm_put(m, KS_SOL_IP, KS_IP_PKTINFO, &pi, sizeof(pi));
	}
	if (fl & KS_INET_CMSG_TTL) {
		int ttl = p->data[8];
		ks_scm_put(m, KS_SOL_IP, KS_IP_TTL, &ttl, sizeof(ttl));
	}
	if (fl & KS_INET_CMSG_TOS)
		ks_scm_put(m, KS_SOL_IP, KS_IP_TOS, &p->data[1], 1);
}

/* Copies the datagram from payload byte skip on (Linux's udp_recvmsg:
 * MSG_TRUNC when less than the whole datagram is copied, unless the copy
 * reaches its end). Returns the bytes copied, or with MSG_TRUNC asked for,
 * the datagram's length. */
static long copy_dgram(struct ks_inet_sock *u, const struct ks_pbuf *p, struct ks_msg *m,
		       int flags, uint32_t skip)
{
	uint32_t off, len, src;
	uint16_t sport;

	dgram_parts(p, &off, &len, &src, &sport);
	if (m->name)
		m->namelen = ks_inet_sin_out(m->name, src, sport);
	unsigned long size = m->it.left;
	if (size > len - skip)
		size = len - skip;
	else if (size < len)
		m->flags_out |= KS_MSG_TRUNC;
	if (ks_iter_copy_to(&m->it, p->data + off + skip, size))
		return -KS_EFAULT;
	ip_cmsg_recv(u, p, m);
	return (flags & KS_MSG_TRUNC) ? (long)len : (long)size;
}

/* Linux's sk_peek_offset_fwd/_bwd after a read that returned n. Caller
 * holds the socket's lock. */
static void peek_off_move_locked(struct ks_socket *s, bool peek, long n)
{
	if (s->peek_off < 0 || n < 0)
		return;
	if (peek)
		s->peek_off += (int)n;
	else
		s->peek_off = s->peek_off > n ? s->peek_off - (int)n : 0;
}

static long udp_recvmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_inet_sock *u = ks_inet(s);
	uint64_t deadline = ks_socket_deadline(s, true, flags);
	struct udp_rd r = {u, deadline != 0, (flags & KS_MSG_PEEK) != 0, 0, NULL, 0};
	struct ks_pbuf *p = NULL;
	long ret;

	if (flags & KS_MSG_ERRQUEUE)
		return recv_error(u, m);
	ks_mutex_lock(&s->lock);
	ret = ks_wait_block(&s->rx_wait, &s->lock, deadline, rd_ready, &r);
	if (!ret)
		ret = r.err;
	if (!ret && r.p) {
		if (flags & KS_MSG_PEEK) {
			/* it stays queued: copy under the lock */
			ret = copy_dgram(u, r.p, m, flags, r.skip);
			peek_off_move_locked(s, true, ret);
			ks_mutex_unlock(&s->lock);
			return ret;
		}
		p = ks_pbufq_pop(&u->rq);
		KS_ASSERT(p == r.p);
		__atomic_store_n(&u->rmem, u->rmem - truesize(p), __ATOMIC_RELAXED);
		uint32_t len = dgram_len(p);
		peek_off_move_locked(s, false, (flags & KS_MSG_TRUNC) || m->it.left > len
						       ? (long)len
						       : (long)m->it.left);
	}
	ks_mutex_unlock(&s->lock);
	if (!p)
		return ret; /* an error, or 0: end of file after SHUT_RD */
	ret = copy_dgram(u, p, m, flags, 0); /* an EFAULT loses it, as on Linux */
	ks_pbuf_free(p);
	return ret;
}

/* ---- shutdown, options, ioctl, poll, describe ---- */

/* Linux's inet_shutdown: the bits are set even on an unconnected socket,
 * which then reports ENOTCONN. */
static int udp_shutdown(struct ks_socket *s, int how)
{
	if (how < 0 || how > 2)
		return -KS_EINVAL;
	ks_mutex_lock(&s->lock);
	int err = s->state == KS_SS_CONNECTED ? 0 : -KS_ENOTCONN;
	__atomic_store_n(&s->shutdown, (unsigned char)(s->shutdown | (how + 1)), __ATOMIC_RELEASE);
	ks_mutex_unlock(&s->lock);
	ks_waitq_wake(&s->rx_wait);
	ks_waitq_wake(&s->tx_wait);
	return err;
}

/* do_ip_setsockopt's integer: an int, or one byte for a shorter option. */
static int ip_opt_in(const void *uval, unsigned len, int *val)
{
	unsigned char c;

	if (len >= sizeof(int))
		return ks_port_copy_from_user(val, uval, sizeof(int)) ? -KS_EFAULT : 0;
	*val = 0; /* no bytes at all read as 0 (IP_TTL then refuses it) */
	if (len < 1)
		return 0;
	if (ks_port_copy_from_user(&c, uval, 1))
		return -KS_EFAULT;
	*val = c;
	return 0;
}

/* The flag of a boolean option that asks for a control message, or 0. */
static unsigned cmsg_flag_of(int name)
{
	switch (name) {
	case KS_IP_PKTINFO: return KS_INET_CMSG_PKTINFO;
	case KS_IP_RECVTTL: return KS_INET_CMSG_TTL;
	case KS_IP_RECVTOS: return KS_INET_CMSG_TOS;
	case KS_IP_RECVERR: return KS_INET_RECVERR;
	default: return 0;
	}
}

static int udp_setsockopt(struct ks_socket *s, int level, int name, const void *uval,
			  unsigned len)
{
	struct ks_inet_sock *u = ks_inet(s);
	unsigned flag = cmsg_flag_of(name);
	int val, err;

	if (level != KS_SOL_IP ||
	    (name != KS_IP_TTL && name != KS_IP_TOS && name != KS_IP_MTU_DISCOVER && !flag))
		return -KS_ENOPROTOOPT;
	err = ip_opt_in(uval, len, &val);
	if (err)
		return err;
	if (flag) {
		if (val)
			__atomic_or_fetch(&u->cmsg_flags, flag, __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&u->cmsg_flags, ~flag, __ATOMIC_RELAXED);
	} else if (name == KS_IP_TTL) {
		if (val != -1 && (val < 1 || val > 255))
			return -KS_EINVAL;
		__atomic_store_n(&u->ttl, val, __ATOMIC_RELAXED);
	} else if (name == KS_IP_MTU_DISCOVER) {
		if (val < KS_IP_PMTUDISC_DONT || val > KS_IP_PMTUDISC_OMIT)
			return -KS_EINVAL;
		__atomic_store_n(&u->pmtudisc, val, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&u->tos, val & 0xff, __ATOMIC_RELAXED);
	}
	return 0;
}

/* IP_MTU (Linux's do_ip_getsockopt): the MTU of the connected socket's
 * route (dst_mtu: the path MTU learnt, or the link's); ENOTCONN
 * unconnected. */
static int udp_mtu(struct ks_inet_sock *u, int *val)
{
	uint32_t src = 0, dst = 0;
	bool conn;

	ks_mutex_lock(&u->sk.lock);
	conn = u->sk.state == KS_SS_CONNECTED;
	if (conn) {
		dst = u->raddr;
		src = u->laddr;
		conn = route(u, &dst, src, 0, &src) == 0;
	}
	ks_mutex_unlock(&u->sk.lock);
	*val = conn ? (int)ks_inet_path_mtu(src, dst, KS_IP_PMTUDISC_WANT) : 0;
	return *val ? 0 : -KS_ENOTCONN;
}

/* do_ip_getsockopt: one byte if the caller's buffer is shorter than an
 * int and the value fits, else up to an int. */
static int udp_getsockopt(struct ks_socket *s, int level, int name, void *uval, unsigned *ulen)
{
	struct ks_inet_sock *u = ks_inet(s);
	unsigned flag = cmsg_flag_of(name);
	int len, val;

	if (level != KS_SOL_IP || (name != KS_IP_TTL && name != KS_IP_TOS &&
				   name != KS_IP_MTU_DISCOVER && name != KS_IP_MTU && !flag))
		return -KS_ENOPROTOOPT;
	if (ks_port_copy_from_user(&len, ulen, sizeof(len)))
		return -KS_EFAULT;
	if (len < 0)
		return -KS_EINVAL;
	if (flag) {
		val = (__atomic_load_n(&u->cmsg_flags, __ATOMIC_RELAXED) & flag) != 0;
	} else if (name == KS_IP_TTL) {
		val = __atomic_load_n(&u->ttl, __ATOMIC_RELAXED);
		if (val < 0)
			val = KS_IP_DEFAULT_TTL;
	} else if (name == KS_IP_MTU_DISCOVER) {
		val = __atomic_load_n(&u->pmtudisc, __ATOMIC_RELAXED);
	} else if (name == KS_IP_MTU) {
		int err = udp_mtu(u, &val);
		if (err)
			return err;
	} else {
		val = __atomic_load_n(&u->tos, __ATOMIC_RELAXED);
	}
	if (len < (int)sizeof(int) && len > 0 && val >= 0 && val <= 255) {
		unsigned char c = (unsigned char)val;
		len = 1;
		if (ks_port_copy_to_user(ulen, &len, sizeof(len)) || ks_port_copy_to_user(uval, &c, 1))
			return -KS_EFAULT;
		return 0;
	}
	if (len > (int)sizeof(int))
		len = sizeof(int);
	if (ks_port_copy_to_user(ulen, &len, sizeof(len)) ||
	    ks_port_copy_to_user(uval, &val, (size_t)len))
		return -KS_EFAULT;
	return 0;
}

/* Linux's udp_ioctl: SIOCINQ is the next datagram's payload size, SIOCOUTQ
 * what is still being sent (loopback hands it over at once: 0). */
static int udp_ioctl(struct ks_socket *s, unsigned long req, void *uarg)
{
	struct ks_inet_sock *u = ks_inet(s);
	int amount = 0;

	switch (req) {
	case KS_SIOCOUTQ:
		break;
	case KS_SIOCINQ:
		ks_mutex_lock(&s->lock);
		if (u->rq.head) {
			uint32_t off, len, src;
			uint16_t sport;
			dgram_parts(u->rq.head, &off, &len, &src, &sport);
			amount = (int)len;
		}
		ks_mutex_unlock(&s->lock);
		break;
	default:
		return -KS_ENOIOCTLCMD;
	}
	return ks_port_copy_to_user(uarg, &amount, sizeof(amount)) ? -KS_EFAULT : 0;
}

/* Linux's udp_poll (datagram_poll): a loopback sender never waits for
 * buffer space, so a UDP socket is always writable. */
static unsigned udp_poll(struct ks_socket *s, struct ks_poll_table *pt)
{
	struct ks_inet_sock *u = ks_inet(s);
	unsigned mask = KS_POLLOUT | KS_POLLWRNORM | KS_POLLWRBAND;

	ks_poll_wait(pt, s, &s->rx_wait);
	ks_poll_wait(pt, s, &s->tx_wait);
	ks_mutex_lock(&s->lock);
	if (__atomic_load_n(&s->err, __ATOMIC_ACQUIRE) || u->errq.head)
		mask |= KS_POLLERR;
	if (s->shutdown & KS_RCV_SHUTDOWN)
		mask |= KS_POLLRDHUP | KS_POLLIN | KS_POLLRDNORM;
	if (s->shutdown == KS_SHUTDOWN_MASK)
		mask |= KS_POLLHUP;
	if (u->rq.head)
		mask |= KS_POLLIN | KS_POLLRDNORM;
	ks_mutex_unlock(&s->lock);
	return mask;
}


/* The socket table reads with atomic loads only (docs/locking.md). */
static void udp_describe(struct ks_socket *s, struct ks_sock_info *out)
{
	struct ks_inet_sock *u = ks_inet(s);

	ks_inet_fmt_addr(out->local, sizeof(out->local), __atomic_load_n(&u->laddr, __ATOMIC_RELAXED),
		 __atomic_load_n(&u->lport, __ATOMIC_RELAXED));
	ks_inet_fmt_addr(out->peer, sizeof(out->peer), __atomic_load_n(&u->raddr, __ATOMIC_RELAXED),
		 __atomic_load_n(&u->rport, __ATOMIC_RELAXED));
	out->recv_q = (unsigned long)__atomic_load_n(&u->rmem, __ATOMIC_RELAXED);
	out->send_q = 0;
}

const struct ks_sock_ops ks_inet_udp_ops = {
	.caps = 0,
	.release = udp_release,
	.destroy = udp_destroy,
	.bind = udp_bind,
	.connect = udp_connect,
	.socketpair = ks_sock_no_socketpair,
	.listen = ks_sock_no_listen,
	.accept = ks_sock_no_accept,
	.getname = udp_getname,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.shutdown = udp_shutdown,
	.setsockopt = udp_setsockopt,
	.getsockopt = udp_getsockopt,
	.ioctl = udp_ioctl,
	.poll = udp_poll,
	.describe = udp_describe,
};

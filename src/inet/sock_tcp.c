/*
 * sock_tcp.c - TCP sockets (man 7 tcp): the socket calls on top of the
 * protocol engine (tcp.h), the table of TCP sockets, the listener's
 * queues, and the engine's hooks.
 *
 * Object model. A TCP socket is a struct ks_tcp_sock: the socket, its
 * pcb, and a port timer armed for the pcb's next deadline. Every socket
 * with a local port is in the port hash (ks_inet_net.tcp_bhash, by port),
 * which serves bind's conflict checks and finds listeners; one with a
 * peer is also in the connection hash (tcp_ehash, by four-tuple), which
 * input looks up first; a listener is also in the listener hash
 * (tcp_lhash, by port), where input finds it for a SYN without walking
 * the port's connections (every connection it accepted has its port).
 * Being in the port hash holds a reference on the socket; the other two
 * hashes hold none, and a socket leaves them before it leaves the port
 * hash.
 *
 * Lifetime. Closing the last descriptor (release) runs the engine's close;
 * a connection that must live on (FIN-WAIT, TIME-WAIT) keeps its socket
 * object, orphaned, on the list until the pcb reaches CLOSE, as Linux keeps
 * the sock. Then it leaves the list and the list's reference goes.
 * ks_inet_tcp_expire ends such orphans at once (the test runner's leak
 * check between cases).
 *
 * Listening. The engine's spawn hook makes a child socket for each SYN,
 * on the list at once (its four-tuple), counted against the listener's
 * backlog (Linux admits backlog + 1). When the handshake completes the
 * child moves to the listener's accept queue; accept takes it from there.
 * A child that dies before it is established is dropped; one established
 * stays queued whatever happens to its connection, as on Linux.
 *
 * Locking (docs/locking.md "AF_INET (TCP)"): the engine runs under the
 * socket's lock. tcp_lock guards the list, the [T] fields and the
 * listener queues; it is taken inside socket locks and nothing is taken
 * inside it. A listener's lock is taken before a child's (spawn). The
 * engine's output only queues (the loopback queue), so segments are
 * processed by ks_inet_lo_drain, called by every call here after it
 * unlocked, and by the timer callback. What must not be done under the
 * socket's lock (dropping references, closing children) is deferred to
 * tcp_unlock.
 *
 * Routes: like UDP's, loopback (127/8) and the attached interface's own
 * address; other destinations are ENETUNREACH until TCP output goes
 * through interfaces (docs/inet.md).
 */
#include "sock_inet.h"

#include "../core/uaccess.h"
#include "tcp.h"

#include <ksock/ksock.h>

#define SIN_LEN ((unsigned)sizeof(struct ks_sockaddr_in))

/* Linux's SOL_TCP options (uapi/linux/tcp.h). */
#define KS_SOL_TCP 6
#define KS_TCP_NODELAY 1
#define KS_TCP_MAXSEG 2
#define KS_TCP_CORK 3
#define KS_TCP_KEEPIDLE 4
#define KS_TCP_KEEPINTVL 5
#define KS_TCP_KEEPCNT 6
#define KS_TCP_SYNCNT 7
#define KS_TCP_LINGER2 8
#define KS_TCP_DEFER_ACCEPT 9
#define KS_TCP_WINDOW_CLAMP 10
#define KS_TCP_INFO 11
#define KS_TCP_QUICKACK 12
#define KS_TCP_CONGESTION 13
#define KS_TCP_USER_TIMEOUT 18
#define KS_SIOCOUTQNSD 0x894B
#define KS_TCP_RMEM_DEFAULT 131072 /* Linux's tcp_rmem[1] */

/* Deferred work (struct ks_tcp_sock.pending), done by tcp_unlock. */
#define PEND_PUT 1u  /* drop the list's reference */
#define PEND_DROP 2u /* an unaccepted child died: drop its file reference */

struct ks_tcp_sock {
	struct ks_socket sk;
	struct ks_tcp_pcb pcb;         /* [L] */
	struct ks_timer timer;
	uint64_t timer_at;             /* [L] deadline armed, 0: none */
	uint64_t now_ns;               /* [L] the pcb's clock cache (tcp.h): 0 when unlocked */
	bool timer_dirty;              /* [L] deadlines changed since timer_update */
	unsigned pending;              /* [L] PEND_* */
	bool orphan;                   /* [L] released: no descriptor left */
	bool port_locked;              /* [L] bind chose the port */
	bool addr_locked;              /* [L] bind chose the address */
	int sndbuf_auto;               /* [L] the sndbuf we set; the user's otherwise */
	bool nospace;                  /* [L] a writer found the send buffer full */
	int ttl, tos;                  /* atomic: IP_TTL (-1 default), IP_TOS */
	int pmtudisc;                  /* atomic: IP_MTU_DISCOVER (KS_IP_PMTUDISC_*) */
	int defer_accept;              /* atomic: TCP_DEFER_ACCEPT, in retransmissions */
	int window_clamp;              /* atomic */
	/* The list and the listener's queues: [T] = tcp_lock. */
	struct ks_tcp_sock *next;      /* [T] in its port's chain of tcp_bhash */
	struct ks_tcp_sock **pprev;    /* [T] what points at it there (O(1) removal) */
	struct ks_tcp_sock *enext;     /* [T] in its chain of tcp_ehash */
	struct ks_tcp_sock **eprev;    /* [T] what points at it there */
	bool hashed;                   /* [T] in tcp_bhash */
	uint32_t laddr, raddr;         /* [T] (written with the lock held too) */
	uint16_t lport, rport;         /* [T] */
	bool has_peer;                 /* [T] in tcp_ehash: input matches the four-tuple */
	struct ks_tcp_sock *lnext;     /* [T] in its chain of tcp_lhash */
	bool lhashed;                  /* [T] in tcp_lhash (a listener) */
	int shown_state;               /* atomic: pcb.state, for the socket table */
	struct ks_tcp_sock *listener;  /* [T] a child's, until accepted or detached */
	struct ks_tcp_sock *anext;     /* [T] in the listener's accept queue */
	bool queued;                   /* [T] in it */
	struct ks_tcp_sock *acc_head, *acc_tail; /* [T] a listener's accept queue */
	int acc_len, syn_len;          /* [T] established children, others */
	int backlog;                   /* [T] */
};

static struct ks_tcp_sock *tsk(struct ks_socket *s)
{
	return (struct ks_tcp_sock *)s;
}

static struct ks_tcp_sock *pcb_sock(struct ks_tcp_pcb *pcb)
{
	return pcb->owner;
}

static struct ks_inet_net *net(void)
{
	return ks_inet_net_get();
}

static const struct ks_tcp_hooks tcp_hooks;
const struct ks_sock_ops ks_inet_tcp_ops;

/* ---- locking with deferred work ---- */

static void timer_update(struct ks_tcp_sock *ts);

static void tcp_lock(struct ks_tcp_sock *ts)
{
	ks_mutex_lock(&ts->sk.lock);
}

/* What a locked section leaves for its end: the timer, the clock cache. */
static void section_end(struct ks_tcp_sock *ts)
{
	if (ts->timer_dirty) {
		ts->timer_dirty = false;
		timer_update(ts);
	}
	ts->now_ns = 0; /* the next section reads the clock again */
}

/* Unlocks, then does what could not be done under the lock. ts may be
 * freed on return. */
static void tcp_unlock(struct ks_tcp_sock *ts)
{
	unsigned pend = ts->pending;

	ts->pending = 0;
	section_end(ts);
	ks_mutex_unlock(&ts->sk.lock);
	if (pend & PEND_DROP) {
		if (ks_socket_file_drop(&ts->sk)) {
			ts->sk.ops->release(&ts->sk);
			ks_socket_put(&ts->sk);
		}
	}
	if (pend & PEND_PUT)
		ks_socket_put(&ts->sk);
}

/* ks_wait_block, after letting queued segments go: the segments and ACKs
 * this call queued are processed (loopback) before it sleeps. */
static int wait_drained(struct ks_tcp_sock *ts, struct ks_waitq *q, uint64_t deadline,
			bool (*ready)(void *arg), void *arg)
{
	if (ready(arg))
		return 0;
	if (deadline) {
		tcp_unlock(ts);
		ks_inet_lo_drain();
		tcp_lock(ts);
	}
	/* The wait drops the lock: the timer armed before, no time read
	 * before it used after. */
	section_end(ts);
	int err = ks_wait_block(q, &ts->sk.lock, deadline, ready, arg);
	ts->now_ns = 0;
	return err;
}

/* ---- the table (tcp_lock) ---- */

static struct ks_tcp_sock **bchain(uint16_t port)
{
	return &net()->tcp_bhash[port % (sizeof(net()->tcp_bhash) / sizeof(net()->tcp_bhash[0]))];
}

static struct ks_tcp_sock **echain(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	const unsigned n = sizeof(net()->tcp_ehash) / sizeof(net()->tcp_ehash[0]);
	/* Multiplicative, with a random seed: peers cannot aim at a chain. */
	uint32_t h = (raddr ^ laddr ^ ((uint32_t)lport << 16 | rport) ^ (uint32_t)net()->st.secret[1]) *
		     2654435761u;

	return &net()->tcp_ehash[(h >> 16) % n];
}

static struct ks_tcp_sock **lchain(uint16_t port)
{
	return &net()->tcp_lhash[port % (sizeof(net()->tcp_lhash) / sizeof(net()->tcp_lhash[0]))];
}

/* A listener (in the port hash) joins the listener hash, or leaves it. */
static void listen_hash_locked(struct ks_tcp_sock *ts)
{
	KS_ASSERT_HELD(&net()->tcp_lock);
	KS_ASSERT(ts->hashed);
	if (ts->lhashed)
		return;
	struct ks_tcp_sock **l = lchain(ts->lport);
	ts->lnext = *l;
	*l = ts;
	ts->lhashed = true;
}

static void listen_unhash_locked(struct ks_tcp_sock *ts)
{
	KS_ASSERT_HELD(&net()->tcp_lock);
	if (!ts->lhashed)
		return;
	for (struct ks_tcp_sock **pp = lchain(ts->lport); *pp; pp = &(*pp)->lnext) {
		if (*pp == ts) {
			*pp = ts->lnext;
			break;
		}
	}
	ts->lnext = NULL;
	ts->lhashed = false;
}

/* Puts ts (its port set) in the port hash; the hash holds a reference. */
static void hash_locked(struct ks_tcp_sock *ts)
{
	KS_ASSERT_HELD(&net()->tcp_lock);
	KS_ASSERT(!ts->hashed);
	ks_socket_hold(&ts->sk);
	struct ks_tcp_sock **b = bchain(ts->lport);
	ts->next = *b;
	if (*b)
		(*b)->pprev = &ts->next;
	ts->pprev = b;
	*b = ts;
	ts->hashed = true;
}

/* The four-tuple (set) joins the connection hash, or leaves it. */
static void peer_set_locked(struct ks_tcp_sock *ts)
{
	KS_ASSERT_HELD(&net()->tcp_lock);
	if (ts->has_peer)
		return;
	struct ks_tcp_sock **e = echain(ts->laddr, ts->lport, ts->raddr, ts->rport);
	ts->enext = *e;
	if (*e)
		(*e)->eprev = &ts->enext;
	ts->eprev = e;
	*e = ts;
	ts->has_peer = true;
}

static void peer_clear_locked(struct ks_tcp_sock *ts)
{
	KS_ASSERT_HELD(&net()->tcp_lock);
	if (!ts->has_peer)
		return;
	*ts->eprev = ts->enext;
	if (ts->enext)
		ts->enext->eprev = ts->eprev;
	ts->enext = NULL;
	ts->eprev = NULL;
	ts->has_peer = false;
}

/* Takes ts out of both hashes; the caller drops the reference (PEND_PUT)
 * when it returns true. */
static bool unhash_locked(struct ks_tcp_sock *ts)
{
	KS_ASSERT_HELD(&net()->tcp_lock);
	peer_clear_locked(ts);
	listen_unhash_locked(ts);
	if (!ts->hashed)
		return false;
	*ts->pprev = ts->next;
	if (ts->next)
		ts->next->pprev = ts->pprev;
	ts->next = NULL;
	ts->pprev = NULL;
	ts->hashed = false;
	/* lport stays: Linux's getsockname still shows a released port. */
	return true;
}

/* Whether another socket on port clashes with ts at addr (the rule:
 * ks_inet_port_clash). */
static bool port_conflict_locked(struct ks_tcp_sock *ts, uint32_t addr, uint16_t port)
{
	for (struct ks_tcp_sock *o = *bchain(port); o; o = o->next) {
		if (o != ts && o->lport == port && ks_inet_port_clash(&ts->sk, addr, &o->sk, o->laddr))
			return true;
	}
	return false;
}

struct port_probe {
	struct ks_tcp_sock *ts;
	uint32_t addr;
};

static bool port_taken(void *arg, uint16_t port)
{
	struct port_probe *pp = arg;

	return port_conflict_locked(pp->ts, pp->addr, port);
}

/* A port for ts at addr (0: an ephemeral one); ts goes on the list.
 * bind and listen start the search where a keyed hash of a counter says
 * (RFC 6056 style: Linux's inet_csk_get_port starts at random). connect
 * (dst set) uses RFC 6056 3.3.4's double hash, as Linux's
 * __inet_hash_connect: a keyed hash of the destination gives the start,
 * plus a per-destination offset that moves past each port taken, so
 * successive connections to one destination walk the range in order and
 * a port comes back only after the others did. (A port picked at random
 * soon finds one just freed, whose pair may still be in TIME-WAIT at the
 * peer: a SYN that cannot reuse it waits a second to be sent again.) */
static int port_get_locked(struct ks_tcp_sock *ts, uint32_t addr, uint16_t port, uint32_t dst,
			   uint16_t dport)
{
	struct ks_inet_net *n = net();
	const uint32_t range = KS_INET_EPHEMERAL_HIGH - KS_INET_EPHEMERAL_LOW + 1;

	KS_ASSERT_HELD(&n->tcp_lock);
	if (port) {
		if (port_conflict_locked(ts, addr, port))
			return -KS_EADDRINUSE;
	} else if (dst) {
		struct port_probe pp = {ts, addr};
		uint32_t h = (uint32_t)ks_tcp_hash(&n->st, addr, dst, dport, 0x9078);
		uint16_t *perturb = &n->tcp_port_perturb[(h >> 16) % (sizeof(n->tcp_port_perturb) /
								       sizeof(n->tcp_port_perturb[0]))];
		uint32_t start = (h + *perturb) % range;
		if (ks_inet_port_search(start, port_taken, &pp, &port))
			return -KS_EADDRINUSE;
		uint32_t tried = (port - KS_INET_EPHEMERAL_LOW + range - start) % range;
		*perturb = (uint16_t)(*perturb + tried + 1);
	} else {
		struct port_probe pp = {ts, addr};
		uint32_t start = (uint32_t)ks_tcp_hash(&n->st, addr, n->tcp_port_ctr++, 0, 0x9077);
		if (ks_inet_port_search(start, port_taken, &pp, &port))
			return -KS_EADDRINUSE;
	}
	__atomic_store_n(&ts->laddr, addr, __ATOMIC_RELAXED);
	__atomic_store_n(&ts->lport, port, __ATOMIC_RELAXED);
	hash_locked(ts);
	return 0;
}

/* The socket a segment from src:sport to dst:dport is for, with a
 * reference: a connection's exact match, else a listener. */
static struct ks_tcp_sock *lookup(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct ks_tcp_sock *best = NULL;

	ks_mutex_lock(&net()->tcp_lock);
	for (struct ks_tcp_sock *o = *echain(dst, dport, src, sport); o; o = o->enext) {
		if (o->lport == dport && o->rport == sport && o->raddr == src && o->laddr == dst) {
			best = o;
			break;
		}
	}
	unsigned group = 0;
	uint32_t h = best ? 0 : ks_inet_flow_hash(src, sport, dst, dport);
	for (struct ks_tcp_sock *o = best ? NULL : *lchain(dport); o; o = o->lnext) {
		if (o->lport != dport || o->has_peer || o->sk.state != KS_SS_LISTENING ||
		    (o->laddr && o->laddr != dst))
			continue;
		if (!best || (o->laddr && !best->laddr)) {
			best = o;
			group = 1;
		} else if (o->laddr == best->laddr && ks_inet_has(&o->sk, KS_SF_REUSEPORT) &&
			   ks_inet_has(&best->sk, KS_SF_REUSEPORT)) {
			/* A SO_REUSEPORT group of listeners: the flow's hash
			 * picks one (Linux's reuseport_select_sock). */
			if (h % ++group == 0)
				best = o;
		}
	}
	if (best)
		ks_socket_hold(&best->sk);
	ks_mutex_unlock(&net()->tcp_lock);
	return best;
}

/* ---- the engine's hooks (called with the socket's lock held) ---- */

static void hook_output(struct ks_tcp_pcb *pcb, struct ks_pbuf *p, uint32_t src, uint32_t dst)
{
	struct ks_tcp_sock *ts = pcb_sock(pcb);
	int ttl = __atomic_load_n(&ts->ttl, __ATOMIC_RELAXED);

	/* Queued only: the caller holds a socket's lock, maybe inside an
	 * interface's poll (docs/locking.md). The engine chose the ECN
	 * codepoint (tcp_ecn.c); IP_TOS's own ECN bits are kept clear. */
	int tos = (__atomic_load_n(&ts->tos, __ATOMIC_RELAXED) & ~KS_IP_ECN_MASK) |
		  (int)ks_pbuf_ecn(p);
	(void)ks_inet_ip_send(p, src, dst, KS_IPPROTO_TCP, ttl < 0 ? KS_IP_DEFAULT_TTL : ttl, tos,
			      true, __atomic_load_n(&ts->pmtudisc, __ATOMIC_RELAXED));
}

/* Linux's sk_stream_is_writeable: free space at least half the queued. */
static bool writable(const struct ks_tcp_pcb *pcb)
{
	uint32_t space = ks_tcp_send_space(pcb);

	return space > 0 && space >= pcb->snd_len / 2;
}

/* A child that died before accept leaves its listener's count. */
static void child_died_locked(struct ks_tcp_sock *c)
{
	struct ks_tcp_sock *l = c->listener;

	if (!l || c->queued)
		return;
	l->syn_len--;
	c->listener = NULL;
	c->pending |= PEND_DROP;
}

static void pcb_closed(struct ks_tcp_sock *ts)
{
	struct ks_socket *s = &ts->sk;

	__atomic_store_n(&s->shutdown, (unsigned char)KS_SHUTDOWN_MASK, __ATOMIC_RELEASE);
	ks_mutex_lock(&net()->tcp_lock);
	child_died_locked(ts);
	/* Linux's tcp_set_state(TCP_CLOSE): unhashed, and the port given up
	 * unless bind chose it (a socket still open keeps that). */
	peer_clear_locked(ts);
	listen_unhash_locked(ts);
	if ((ts->orphan || !ts->port_locked) && unhash_locked(ts))
		ts->pending |= PEND_PUT;
	ks_mutex_unlock(&net()->tcp_lock);
}

/* Linux's tcp_sndbuf_expand, unless the user set SO_SNDBUF: room for two
 * congestion windows (at least two initial ones) of full-sized buffers.
 * At the end of the handshake, and when an ACK makes room for a writer
 * that found the buffer full while the congestion window was not (Linux's
 * tcp_new_space and tcp_should_expand_sndbuf): without it the buffer of
 * the handshake (87040 bytes on a 1500-byte link) caps a sender at one
 * such buffer per round trip, 1.7 MB/s over 50 ms. */
static void sndbuf_expand(struct ks_tcp_sock *ts)
{
	struct ks_tcp_pcb *p = &ts->pcb;
	uint32_t clamp = p->adv_mss; /* Linux's mss_clamp */
	uint32_t per = clamp + 320 + 320; /* MAX_TCP_HEADER, skb_shared_info */
	uint32_t pow = 1;

	if (ts->sndbuf_auto < 0 || ts->sk.sndbuf != ts->sndbuf_auto)
		return;
	while (pow < per)
		pow <<= 1;
	per = pow + 256; /* the sk_buff */
	uint32_t segs = p->mss ? p->cwnd / p->mss : 0;
	if (segs < KS_TCP_INIT_CWND)
		segs = KS_TCP_INIT_CWND;
	uint64_t mem = 2ull * segs * per;
	if (mem > 4194304) /* tcp_wmem[2] */
		mem = 4194304;
	if ((int)mem > ts->sk.sndbuf) {
		__atomic_store_n(&ts->sk.sndbuf, (int)mem, __ATOMIC_RELAXED);
		ts->sndbuf_auto = (int)mem;
		p->snd_limit = (uint32_t)mem;
	}
}

static void hook_event(struct ks_tcp_pcb *pcb, unsigned ev)
{
	struct ks_tcp_sock *ts = pcb_sock(pcb);
	struct ks_socket *s = &ts->sk;

	if (pcb->fin_rcvd && !(s->shutdown & KS_RCV_SHUTDOWN))
		__atomic_store_n(&s->shutdown, (unsigned char)(s->shutdown | KS_RCV_SHUTDOWN),
				 __ATOMIC_RELEASE);
	if (ev & KS_TCP_EV_ERROR) {
		int err = pcb->err;
		pcb->err = 0;
		if (err)
			ks_socket_set_error(s, err);
	}
	if (ev & KS_TCP_EV_STATE)
		__atomic_store_n(&ts->shown_state, (int)pcb->state, __ATOMIC_RELAXED);
	if ((ev & KS_TCP_EV_STATE) && pcb->state == KS_TCP_CLOSE)
		pcb_closed(ts);
	if ((ev & KS_TCP_EV_STATE) && pcb->state == KS_TCP_ESTABLISHED)
		sndbuf_expand(ts);
	if ((ev & KS_TCP_EV_WRITE) && ts->nospace && pcb->snd_max - pcb->snd_una < pcb->cwnd) {
		ts->nospace = false;
		sndbuf_expand(ts);
	}
	/* Linux's tcp_time_wait ends the socket (tcp_done) and keeps the pair
	 * in a separate TIME-WAIT object: the user sees a closed socket. */
	if ((ev & KS_TCP_EV_STATE) && pcb->state == KS_TCP_TIME_WAIT)
		__atomic_store_n(&s->shutdown, (unsigned char)KS_SHUTDOWN_MASK, __ATOMIC_RELEASE);
	if (ev & KS_TCP_EV_ACCEPT) {
		struct ks_tcp_sock *l = NULL;
		ks_mutex_lock(&net()->tcp_lock);
		if (ts->listener && !ts->queued) {
			l = ts->listener;
			l->syn_len--;
			l->acc_len++;
			if (l->acc_len > l->backlog / 2 && l->acc_len > 8)
				ks_inet_yield_after_drain(); /* let accept catch up */
			ts->queued = true;
			ts->anext = NULL;
			if (l->acc_tail)
				l->acc_tail->anext = ts;
			else
				l->acc_head = ts;
			l->acc_tail = ts;
		}
		ks_mutex_unlock(&net()->tcp_lock);
		/* The listener cannot go while tcp_lock was held: its release
		 * detaches its children under that lock first. Waking its
		 * queue is a leaf operation. */
		if (l)
			ks_waitq_wake_ev(&l->sk.rx_wait, KS_EV_IN);
	}
	if (ev & (KS_TCP_EV_STATE | KS_TCP_EV_ERROR)) {
		ks_waitq_wake(&s->rx_wait);
		ks_waitq_wake(&s->tx_wait);
		return;
	}
	if (ev & (KS_TCP_EV_READ | KS_TCP_EV_URG))
		ks_waitq_wake_ev(&s->rx_wait, KS_EV_IN);
	if ((ev & KS_TCP_EV_WRITE) && writable(pcb))
		ks_waitq_wake_ev(&s->tx_wait, KS_EV_OUT);
}

/* The engine's deadlines changed: looked at once, when the section ends
 * (timer_update from tcp_unlock or before a wait), not at every change. */
static void hook_timer(struct ks_tcp_pcb *pcb)
{
	pcb_sock(pcb)->timer_dirty = true;
}

/* Arms the port timer for the pcb's next deadline if it is earlier than
 * the armed one. Caller holds the socket's lock. */
static void timer_update(struct ks_tcp_sock *ts)
{
	struct ks_tcp_pcb *pcb = &ts->pcb;
	uint64_t d = ks_tcp_next_deadline(pcb);

	/* Never cancelled here (cancel waits for a running callback, which
	 * takes this lock): a timer that goes off early finds nothing due.
	 * Moved later only for TIME-WAIT, whose one deadline is 60 s away: the
	 * retransmission timer of the handshake or the FIN, left armed, would
	 * otherwise run once more for nothing on every connection closed. */
	if (d && (!ts->timer_at || d < ts->timer_at ||
		  (pcb->state == KS_TCP_TIME_WAIT && d != ts->timer_at))) {
		ts->timer_at = d;
		ks_timer_arm(&ts->timer, d);
	}
}

static struct ks_tcp_sock *tcp_alloc(void);
static int route(uint32_t *dst, uint32_t laddr, uint32_t *src, uint16_t *mss);
static void inherit(struct ks_tcp_sock *c, const struct ks_tcp_sock *l);

static struct ks_tcp_pcb *hook_spawn(struct ks_tcp_pcb *lpcb, uint32_t src, uint16_t sport,
				     uint32_t dst, uint16_t dport)
{
	struct ks_tcp_sock *l = pcb_sock(lpcb);
	struct ks_tcp_sock *c;

	c = tcp_alloc();
	if (!c)
		return NULL;
	inherit(c, l);
	uint32_t back = src, from;
	uint16_t mss;
	if (route(&back, dst, &from, &mss) == 0)
		c->pcb.adv_mss = mss;
	c->pcb.pmtu = ks_inet_path_mtu(dst, src, c->pmtudisc);
	c->pcb.csum_off = ks_inet_addr_local(src);
	ks_mutex_lock(&c->sk.lock);
	c->now_ns = l->now_ns; /* the same section, in effect: hook_spawned unlocks */
	ks_mutex_lock(&net()->tcp_lock);
	c->laddr = dst;
	c->lport = dport;
	c->raddr = src;
	c->rport = sport;
	c->listener = l;
	l->syn_len++;
	hash_locked(c);
	peer_set_locked(c);
	ks_mutex_unlock(&net()->tcp_lock);
	ks_socket_set_state_locked(&c->sk, KS_SS_CONNECTING);
	return &c->pcb;
}

/* Linux's tcp_conn_request: a full accept queue (more than backlog
 * established: backlog + 1 are admitted) drops the SYN; a full SYN queue
 * (as many half-open as the backlog) answers with a cookie. */
static int hook_syn_room(struct ks_tcp_pcb *lpcb)
{
	struct ks_tcp_sock *l = pcb_sock(lpcb);
	int room = 0;

	ks_mutex_lock(&net()->tcp_lock);
	if (l->acc_len > l->backlog)
		room = -1;
	else if (l->syn_len > l->backlog)
		room = 1;
	ks_mutex_unlock(&net()->tcp_lock);
	return room;
}

static void hook_spawned(struct ks_tcp_pcb *cpcb)
{
	tcp_unlock(pcb_sock(cpcb));
}

static const struct ks_tcp_hooks tcp_hooks = {
	.output = hook_output,
	.event = hook_event,
	.spawn = hook_spawn,
	.spawned = hook_spawned,
	.syn_room = hook_syn_room,
	.timer = hook_timer,
};

/* The port timer: runs the pcb's deadlines, then has the loopback queue
 * drained by the stack's own timer. Not here: a drain holds rx_lock while
 * input may drop this socket's last reference, whose destroy waits for
 * this callback to return (ks_timer_cancel), so waiting here for rx_lock
 * would deadlock. */
static void tcp_timer_fn(void *arg)
{
	struct ks_tcp_sock *ts = arg;

	tcp_lock(ts);
	ts->timer_at = 0;
	ts->timer_dirty = true; /* re-armed for what is left, if anything */
	if (ts->pcb.state != KS_TCP_CLOSE)
		ks_tcp_timer(&ts->pcb);
	tcp_unlock(ts); /* may free ts */
	ks_inet_lo_drain_soon();
}

/* ---- creation and close ---- */

static struct ks_tcp_sock *tcp_alloc(void)
{
	struct ks_tcp_sock *ts = (struct ks_tcp_sock *)ks_socket_alloc(
		sizeof(*ts), &ks_inet_family, &ks_inet_tcp_ops, KS_SOCK_STREAM, KS_IPPROTO_TCP);

	if (!ts)
		return NULL;
	ks_tcp_pcb_init(&ts->pcb, &net()->st, &tcp_hooks, ts);
	ts->pcb.now_cache = &ts->now_ns;
	ks_timer_init(&ts->timer, tcp_timer_fn, ts);
	/* Linux's tcp_wmem[1] and tcp_rmem[1]. */
	ts->sk.sndbuf = ts->sndbuf_auto = 16384;
	ts->sk.rcvbuf = KS_TCP_RMEM_DEFAULT;
	ts->ttl = -1;
	ts->pmtudisc = KS_IP_PMTUDISC_WANT; /* Linux's ip_no_pmtu_disc 0 */
	/* adv_mss from loopback's MTU, capped to IPv4's 65535 as Linux. */
	ts->pcb.adv_mss = 65535 - 40;
	ts->pcb.tlp_on = true; /* Linux's tcp_early_retrans 3 */
	return ts;
}

/* A child takes its listener's settings (Linux's sk_clone). */
static void inherit(struct ks_tcp_sock *c, const struct ks_tcp_sock *l)
{
	const struct ks_tcp_pcb *lp = &l->pcb;

	c->sk.flags = __atomic_load_n(&l->sk.flags, __ATOMIC_RELAXED);
	c->sk.sndbuf = __atomic_load_n(&l->sk.sndbuf, __ATOMIC_RELAXED);
	c->sk.rcvbuf = __atomic_load_n(&l->sk.rcvbuf, __ATOMIC_RELAXED);
	c->sndbuf_auto = l->sk.sndbuf == l->sndbuf_auto ? c->sk.sndbuf : -1;
	c->sk.linger_s = l->sk.linger_s;
	c->sk.rcvtimeo = l->sk.rcvtimeo;
	c->sk.sndtimeo = l->sk.sndtimeo;
	c->sk.rcvlowat = l->sk.rcvlowat;
	c->ttl = l->ttl;
	c->tos = l->tos;
	c->pmtudisc = __atomic_load_n(&l->pmtudisc, __ATOMIC_RELAXED);
	c->pcb.nodelay = lp->nodelay;
	c->pcb.cc = lp->cc;
	c->pcb.user_mss = lp->user_mss;
	c->pcb.keepidle_s = lp->keepidle_s;
	c->pcb.keepintvl_s = lp->keepintvl_s;
	c->pcb.keepcnt = lp->keepcnt;
	c->pcb.user_timeout_ms = lp->user_timeout_ms;
	c->pcb.linger2_s = lp->linger2_s;
	c->pcb.keepalive = (c->sk.flags & KS_SF_KEEPALIVE) != 0;
	c->pcb.snd_limit = (uint32_t)c->sk.sndbuf;
	c->pcb.rcv_limit = (uint32_t)c->sk.rcvbuf;
	c->pcb.rcv_tune = c->pcb.rcv_limit == KS_TCP_RMEM_DEFAULT;
}

int ks_inet_tcp_create(struct ks_socket **out)
{
	struct ks_tcp_sock *ts = tcp_alloc();

	if (!ts)
		return -KS_ENOMEM;
	*out = &ts->sk;
	return 0;
}

/* Closes a listener's children (Linux's inet_csk_listen_stop): each is
 * reset and its file reference, which accept would have given, dropped. */
static void listen_stop(struct ks_tcp_sock *l)
{
	struct ks_tcp_sock *kids = NULL;

	ks_mutex_lock(&net()->tcp_lock);
	for (struct ks_tcp_sock *o = *bchain(l->lport); o; o = o->next) {
		if (o->listener != l)
			continue;
		o->listener = NULL;
		o->queued = false;
		ks_socket_hold(&o->sk);
		o->anext = kids;
		kids = o;
	}
	l->acc_head = l->acc_tail = NULL;
	l->acc_len = l->syn_len = 0;
	ks_mutex_unlock(&net()->tcp_lock);
	while (kids) {
		struct ks_tcp_sock *c = kids;
		kids = c->anext;
		tcp_lock(c);
		ks_tcp_abort(&c->pcb, 0);
		c->pending |= PEND_DROP; /* the reference accept would have taken */
		tcp_unlock(c);
		ks_socket_put(&c->sk);
	}
}

static bool fin_acked(void *arg)
{
	enum ks_tcp_state st = ((struct ks_tcp_sock *)arg)->pcb.state;

	return st != KS_TCP_FIN_WAIT1 && st != KS_TCP_CLOSING && st != KS_TCP_LAST_ACK;
}

static void tcp_release(struct ks_socket *s)
{
	struct ks_tcp_sock *ts = tsk(s);
	bool listening;

	tcp_lock(ts);
	listening = ts->pcb.state == KS_TCP_LISTEN;
	ts->orphan = true;
	if (!listening) {
		bool linger = (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_LINGER) != 0;
		ks_tcp_close(&ts->pcb, linger && s->linger_s == 0);
		if (linger && s->linger_s > 0 && !fin_acked(ts)) {
			/* Linux's sk_stream_wait_close: close waits (even on a
			 * nonblocking socket) until the FIN is acknowledged or
			 * the linger time runs out, and returns 0 either way. */
			uint64_t deadline = ks_port_now_ns() + (uint64_t)s->linger_s * 1000000000ull;
			(void)wait_drained(ts, &s->tx_wait, deadline, fin_acked, ts);
		}
	} else {
		ks_tcp_done(&ts->pcb, 0);
	}
	if (ts->pcb.state == KS_TCP_CLOSE) {
		ks_mutex_lock(&net()->tcp_lock);
		if (unhash_locked(ts))
			ts->pending |= PEND_PUT;
		ks_mutex_unlock(&net()->tcp_lock);
	}
	ks_socket_set_state_locked(s, KS_SS_CLOSED);
	ks_socket_hold(s); /* for listen_stop, past tcp_unlock's puts */
	tcp_unlock(ts);
	if (listening)
		listen_stop(ts);
	ks_inet_lo_drain();
	ks_socket_put(s);
}

static void tcp_destroy(struct ks_socket *s)
{
	struct ks_tcp_sock *ts = tsk(s);

	ks_timer_cancel(&ts->timer);
	ks_tcp_pcb_fini(&ts->pcb);
	ks_socket_free(s, sizeof(*ts));
}

/* Ends every orphaned connection at once (TIME-WAIT, FIN-WAIT-2 waiting
 * for a peer that never closes), as if its timers had run out. For test
 * runners between cases; returns how many were ended. */
int ks_inet_tcp_expire(void)
{
	int n = 0;

	for (;;) {
		struct ks_tcp_sock *victim = NULL;
		ks_mutex_lock(&net()->tcp_lock);
		for (unsigned b = 0; !victim && b < sizeof(net()->tcp_bhash) / sizeof(net()->tcp_bhash[0]); b++) {
			for (struct ks_tcp_sock *o = net()->tcp_bhash[b]; o; o = o->next) {
				if (__atomic_load_n(&o->sk.state, __ATOMIC_ACQUIRE) == KS_SS_CLOSED) {
					victim = o;
					ks_socket_hold(&o->sk);
					break;
				}
			}
		}
		ks_mutex_unlock(&net()->tcp_lock);
		if (!victim)
			return n;
		tcp_lock(victim);
		if (victim->pcb.state == KS_TCP_TIME_WAIT)
			ks_tcp_done(&victim->pcb, 0);
		else
			ks_tcp_abort(&victim->pcb, 0);
		if (victim->pcb.state == KS_TCP_CLOSE) {
			ks_mutex_lock(&net()->tcp_lock);
			if (unhash_locked(victim))
				victim->pending |= PEND_PUT;
			ks_mutex_unlock(&net()->tcp_lock);
		}
		tcp_unlock(victim);
		ks_socket_put(&victim->sk);
		ks_inet_lo_drain();
		n++;
	}
}

/* ---- addresses ---- */



/* Linux's __inet_bind for TCP. */
static int tcp_bind(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned len)
{
	struct ks_tcp_sock *ts = tsk(s);
	uint32_t addr;
	uint16_t port;

	if (len < SIN_LEN)
		return -KS_EINVAL;
	ks_inet_sin_in(a, &addr, &port);
	if (a->ss_family != KS_AF_INET && (a->ss_family != KS_AF_UNSPEC || addr))
		return -KS_EAFNOSUPPORT;
	if (addr && !ks_inet_addr_local(addr) && !ks_ipv4_is_lbcast(addr))
		return -KS_EADDRNOTAVAIL;
	if (port && port < KS_INET_PROT_SOCK && ks_port_uid() != 0)
		return -KS_EACCES;
	tcp_lock(ts);
	int err = -KS_EINVAL; /* already bound, or not in CLOSE */
	if (!ts->hashed && ts->pcb.state == KS_TCP_CLOSE) {
		ks_mutex_lock(&net()->tcp_lock);
		err = port_get_locked(ts, addr, port, 0, 0);
		ks_mutex_unlock(&net()->tcp_lock);
	}
	if (!err) {
		ts->addr_locked = addr != 0;
		ts->port_locked = true; /* SOCK_BINDPORT_LOCK: bind named a port, or took one */
		ks_socket_set_state_locked(s, KS_SS_BOUND);
	}
	tcp_unlock(ts);
	return err;
}

/* The route to dst from laddr (0: the route chooses): the source address
 * and the MSS to announce (the route's MTU less the headers, as Linux's
 * tcp_advertise_mss; loopback's 65536 capped to IPv4's 65535). 0.0.0.0 is
 * this host (Linux routes it to loopback). Linux's tcp_v4_connect: no
 * route, or a broadcast or multicast one, is ENETUNREACH. */
static int route(uint32_t *dst, uint32_t laddr, uint32_t *src, uint16_t *mss)
{
	struct ks_inet_net *n = net();
	struct ks_inet_rtres res;
	int err = 0;

	if (!*dst)
		*dst = laddr ? laddr : KS_INET_LO_ADDR;
	if (ks_ipv4_is_multicast(*dst) || ks_inet_addr_bcast(*dst))
		return -KS_ENETUNREACH;
	*mss = 65535 - 40;
	if (ks_inet_addr_local(*dst)) {
		*src = laddr ? laddr : (ks_ipv4_is_loopback(*dst) ? KS_INET_LO_ADDR : *dst);
		return 0;
	}
	if (laddr && ks_ipv4_is_loopback(laddr))
		return -KS_ENETUNREACH; /* a loopback source stays on loopback */
	ks_mutex_lock(&n->rt_lock);
	err = ks_inet_rtab_lookup(&n->rt, *dst, 0, laddr, &res);
	if (!err && res.bcast)
		err = -KS_ENETUNREACH;
	if (!err) {
		*src = laddr ? laddr : res.src;
		uint32_t mtu = res.nif->dev->mtu;
		*mss = (uint16_t)((mtu > 65535 ? 65535 : mtu) - 40);
	}
	ks_mutex_unlock(&n->rt_lock);
	return err;
}

static bool connect_done(void *arg)
{
	struct ks_tcp_sock *ts = arg;

	return ts->pcb.state != KS_TCP_SYN_SENT && ts->pcb.state != KS_TCP_SYN_RECV;
}

/* Linux's tcp_disconnect: back to CLOSE, as a new socket (the bound port
 * kept if bind chose it). */
static void disconnect_locked(struct ks_tcp_sock *ts)
{
	struct ks_tcp_pcb *p = &ts->pcb;

	if (p->state != KS_TCP_CLOSE && p->state != KS_TCP_LISTEN)
		ks_tcp_abort(p, 0);
	else if (p->state == KS_TCP_LISTEN)
		ks_tcp_done(p, 0);
	ks_mutex_lock(&net()->tcp_lock);
	if (!ts->port_locked && unhash_locked(ts))
		ts->pending |= PEND_PUT;
	if (!ts->addr_locked)
		__atomic_store_n(&ts->laddr, 0, __ATOMIC_RELAXED);
	peer_clear_locked(ts);
	__atomic_store_n(&ts->raddr, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ts->rport, 0, __ATOMIC_RELAXED);
	ks_mutex_unlock(&net()->tcp_lock);
	/* A fresh pcb, keeping the user's settings. */
	struct ks_tcp_pcb old = *p;
	ks_tcp_pcb_fini(p);
	ks_tcp_pcb_init(p, &net()->st, &tcp_hooks, ts);
	p->now_cache = &ts->now_ns;
	p->adv_mss = old.adv_mss;
	p->user_mss = old.user_mss;
	p->nodelay = old.nodelay;
	p->cc = old.cc;
	p->tlp_on = old.tlp_on;
	p->cork = old.cork;
	p->keepidle_s = old.keepidle_s;
	p->keepintvl_s = old.keepintvl_s;
	p->keepcnt = old.keepcnt;
	p->syn_retries = old.syn_retries;
	p->user_timeout_ms = old.user_timeout_ms;
	p->linger2_s = old.linger2_s;
	__atomic_store_n(&ts->sk.shutdown, 0, __ATOMIC_RELEASE);
	ks_socket_set_state_locked(&ts->sk, ts->hashed ? KS_SS_BOUND : KS_SS_NEW);
}

/* Starts a connection: route, port, SYN. Caller holds the lock. */
static int start_connect(struct ks_tcp_sock *ts, struct ks_sockaddr_storage *a)
{
	uint32_t dst, src;
	uint16_t port;

	uint16_t mss;
	ks_inet_sin_in(a, &dst, &port);
	int err = route(&dst, ts->laddr, &src, &mss);
	if (err)
		return err;
	ts->pcb.adv_mss = mss;
	ks_mutex_lock(&net()->tcp_lock);
	if (!ts->hashed) {
		err = port_get_locked(ts, src, 0, dst, port);
	} else if (!ts->laddr) {
		__atomic_store_n(&ts->laddr, src, __ATOMIC_RELAXED);
	}
	if (!err) {
		/* The four-tuple must be free (Linux's __inet_check_established). */
		for (struct ks_tcp_sock *o = *echain(src, ts->lport, dst, port); o; o = o->enext)
			if (o != ts && o->lport == ts->lport && o->rport == port && o->raddr == dst &&
			    o->laddr == src)
				err = -KS_EADDRNOTAVAIL;
	}
	if (!err) {
		__atomic_store_n(&ts->laddr, src, __ATOMIC_RELAXED);
		__atomic_store_n(&ts->raddr, dst, __ATOMIC_RELAXED);
		__atomic_store_n(&ts->rport, port, __ATOMIC_RELAXED);
		peer_set_locked(ts);
	}
	ks_mutex_unlock(&net()->tcp_lock);
	if (err)
		return err == -KS_EADDRINUSE ? -KS_EAGAIN : err;
	struct ks_tcp_pcb *p = &ts->pcb;
	p->laddr = ts->laddr;
	p->lport = ts->lport;
	p->raddr = dst;
	p->rport = port;
	p->csum_off = ks_inet_addr_local(dst);
	p->pmtu = ks_inet_path_mtu(src, dst, __atomic_load_n(&ts->pmtudisc, __ATOMIC_RELAXED));
	p->snd_limit = (uint32_t)__atomic_load_n(&ts->sk.sndbuf, __ATOMIC_RELAXED);
	p->rcv_limit = (uint32_t)__atomic_load_n(&ts->sk.rcvbuf, __ATOMIC_RELAXED);
	p->rcv_tune = p->rcv_limit == KS_TCP_RMEM_DEFAULT; /* SO_RCVBUF not set */
	p->keepalive = (__atomic_load_n(&ts->sk.flags, __ATOMIC_RELAXED) & KS_SF_KEEPALIVE) != 0;
	__atomic_store_n(&ts->sk.shutdown, 0, __ATOMIC_RELEASE);
	return ks_tcp_connect(p);
}

/* Linux's inet_stream_connect (__inet_stream_connect). */
static int tcp_connect(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned len)
{
	struct ks_tcp_sock *ts = tsk(s);
	int err;

	if (len < sizeof(ks_sa_family_t))
		return -KS_EINVAL;
	tcp_lock(ts);
	if (a->ss_family == KS_AF_UNSPEC) {
		disconnect_locked(ts);
		tcp_unlock(ts);
		ks_inet_lo_drain();
		return 0;
	}
	switch (s->state) {
	case KS_SS_CONNECTED:
		err = -KS_EISCONN;
		goto out;
	case KS_SS_CONNECTING:
		err = -KS_EALREADY;
		break;
	case KS_SS_LISTENING:
		err = -KS_EISCONN;
		goto out;
	default:
		err = -KS_EISCONN;
		if (ts->pcb.state != KS_TCP_CLOSE)
			goto out;
		err = -KS_EINVAL;
		if (len < SIN_LEN)
			goto out;
		err = -KS_EAFNOSUPPORT;
		if (a->ss_family != KS_AF_INET)
			goto out;
		err = start_connect(ts, a);
		if (err)
			goto out;
		ks_socket_set_state_locked(s, KS_SS_CONNECTING);
		err = -KS_EINPROGRESS;
		break;
	}
	uint64_t deadline = ks_socket_deadline(s, false, 0);
	if (!connect_done(ts)) {
		if (!deadline)
			goto out;
		int w = wait_drained(ts, &s->tx_wait, deadline, connect_done, ts);
		if (w) {
			if (w != -KS_EAGAIN)
				err = w; /* interrupted; a timeout keeps EINPROGRESS or EALREADY */
			goto out;
		}
	}
	if (ts->pcb.state == KS_TCP_CLOSE) {
		/* Refused, reset or timed out: the error, and the socket may
		 * connect again. */
		err = -ks_socket_take_error(s);
		if (!err)
			err = -KS_ECONNABORTED;
		disconnect_locked(ts);
		goto out;
	}
	ks_socket_set_state_locked(s, KS_SS_CONNECTED);
	err = 0;
out:
	tcp_unlock(ts);
	ks_inet_lo_drain();
	return err;
}

static int tcp_listen(struct ks_socket *s, int backlog)
{
	struct ks_tcp_sock *ts = tsk(s);
	int err = 0;

	tcp_lock(ts);
	if (s->state != KS_SS_NEW && s->state != KS_SS_BOUND && s->state != KS_SS_LISTENING) {
		err = -KS_EINVAL;
		goto out;
	}
	if (ts->pcb.state != KS_TCP_CLOSE && ts->pcb.state != KS_TCP_LISTEN) {
		err = -KS_EINVAL;
		goto out;
	}
	ks_mutex_lock(&net()->tcp_lock);
	if (!ts->hashed) {
		err = port_get_locked(ts, ts->laddr, 0, 0, 0); /* Linux's inet_autobind */
		if (err)
			err = -KS_EADDRINUSE;
	} else if (ts->pcb.state != KS_TCP_LISTEN) {
		/* inet_csk_get_port again: another listener may hold the port
		 * (two sockets bound with SO_REUSEADDR cannot both listen). */
		uint16_t port = ts->lport;
		ts->lport = 0;
		if (port_conflict_locked(ts, ts->laddr, port))
			err = -KS_EADDRINUSE;
		ts->lport = port;
	}
	if (!err)
		ts->backlog = (unsigned)backlog > (unsigned)ks_tunables.somaxconn ? ks_tunables.somaxconn
										 : backlog;
	ks_mutex_unlock(&net()->tcp_lock);
	if (err)
		goto out;
	ts->pcb.laddr = ts->laddr;
	ts->pcb.lport = ts->lport;
	ks_tcp_listen(&ts->pcb, ts->backlog);
	ks_socket_set_state_locked(s, KS_SS_LISTENING);
	ks_mutex_lock(&net()->tcp_lock);
	listen_hash_locked(ts); /* input finds it from here on */
	ks_mutex_unlock(&net()->tcp_lock);
out:
	tcp_unlock(ts);
	return err;
}

struct acc_wait {
	struct ks_tcp_sock *l;
	struct ks_tcp_sock *c;
};

static bool acc_ready(void *arg)
{
	struct acc_wait *w = arg;

	if (w->l->pcb.state != KS_TCP_LISTEN)
		return true;
	ks_mutex_lock(&net()->tcp_lock);
	struct ks_tcp_sock *c = w->l->acc_head;
	if (c) {
		w->l->acc_head = c->anext;
		if (!w->l->acc_head)
			w->l->acc_tail = NULL;
		w->l->acc_len--;
		c->anext = NULL;
		c->queued = false;
		c->listener = NULL;
		w->c = c;
	}
	ks_mutex_unlock(&net()->tcp_lock);
	return c != NULL;
}

static int tcp_accept(struct ks_socket *s, struct ks_socket **out, bool nonblock)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct acc_wait w = {ts, NULL};
	uint64_t deadline = nonblock ? 0 : ks_socket_deadline(s, true, 0);
	int err;

	tcp_lock(ts);
	if (ts->pcb.state != KS_TCP_LISTEN) {
		tcp_unlock(ts);
		return -KS_EINVAL;
	}
	err = wait_drained(ts, &s->rx_wait, deadline, acc_ready, &w);
	if (!err && !w.c)
		err = -KS_EINVAL; /* the listener was shut down meanwhile */
	tcp_unlock(ts);
	if (err)
		return err;
	tcp_lock(w.c);
	/* SS_CONNECTED, whatever the connection did since it was queued. */
	ks_socket_set_state_locked(&w.c->sk, KS_SS_CONNECTED);
	tcp_unlock(w.c);
	*out = &w.c->sk;
	return 0;
}

static int tcp_getname(struct ks_socket *s, struct ks_sockaddr_storage *a, bool peer)
{
	struct ks_tcp_sock *ts = tsk(s);
	int len;

	tcp_lock(ts);
	if (peer) {
		/* Linux's inet_getname: no peer before the SYN-ACK, nor after
		 * the connection closed. */
		if (!ts->rport || ts->pcb.state == KS_TCP_CLOSE || ts->pcb.state == KS_TCP_SYN_SENT)
			len = -KS_ENOTCONN;
		else
			len = (int)ks_inet_sin_out(a, ts->raddr, ts->rport);
	} else {
		len = (int)ks_inet_sin_out(a, ts->laddr, ts->lport);
	}
	tcp_unlock(ts);
	return len;
}

/* ---- send ---- */

static int copy_from_iter(void *arg, void *dst, uint32_t n)
{
	return ks_iter_copy_from(arg, dst, n);
}

static int copy_to_iter(void *arg, const void *src, uint32_t n)
{
	return ks_iter_copy_to(arg, src, n);
}

static int discard(void *arg, const void *src, uint32_t n)
{
	(void)arg;
	(void)src;
	(void)n;
	return 0;
}

struct snd_wait {
	struct ks_tcp_sock *ts;
};

static bool snd_ready(void *arg)
{
	struct ks_tcp_sock *ts = ((struct snd_wait *)arg)->ts;
	struct ks_tcp_pcb *p = &ts->pcb;

	if (__atomic_load_n(&ts->sk.err, __ATOMIC_ACQUIRE) || (ts->sk.shutdown & KS_SEND_SHUTDOWN))
		return true;
	if (p->state != KS_TCP_ESTABLISHED && p->state != KS_TCP_CLOSE_WAIT &&
	    p->state != KS_TCP_SYN_SENT && p->state != KS_TCP_SYN_RECV)
		return true;
	if (p->state == KS_TCP_SYN_SENT || p->state == KS_TCP_SYN_RECV)
		return false;
	return ks_tcp_send_space(p) > 0;
}

static long pipe_err(long sent, int flags)
{
	if (sent)
		return sent;
	if (!(flags & KS_MSG_NOSIGNAL))
		ks_port_raise_sigpipe();
	return -KS_EPIPE;
}

/* Linux's sock_cmsg_send for TCP: SOL_SOCKET messages are checked (the
 * descriptors and credentials of SCM_RIGHTS and SCM_CREDENTIALS are
 * ignored; SO_MARK, SO_PRIORITY and the timestamping requests are not
 * implemented, so they are refused as unknown ones are), other levels are
 * ignored. m->control is a kernel copy. */
static int tcp_cmsg_check(const struct ks_msg *m)
{
	unsigned long off = 0;

	while (off + sizeof(struct ks_cmsghdr) <= m->controllen) {
		const struct ks_cmsghdr *c = (const struct ks_cmsghdr *)((char *)m->control + off);
		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > m->controllen - off)
			return -KS_EINVAL;
		if (c->cmsg_level == KS_SOL_SOCKET && c->cmsg_type != KS_SCM_RIGHTS &&
		    c->cmsg_type != KS_SCM_CREDENTIALS)
			return -KS_EINVAL;
		off += KS_CMSG_ALIGN(c->cmsg_len);
	}
	return 0;
}

/* Linux's tcp_sendmsg_locked. */
static long tcp_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct ks_tcp_pcb *p = &ts->pcb;
	uint64_t deadline = ks_socket_deadline(s, false, flags);
	struct snd_wait w = {ts};
	long sent = 0;
	long ret;

	if (m->controllen) {
		int err = tcp_cmsg_check(m);
		if (err)
			return err;
	}
	tcp_lock(ts);
	for (;;) {
		int err = wait_drained(ts, &s->tx_wait, deadline, snd_ready, &w);
		if (err) {
			ret = sent ? sent : err;
			break;
		}
		err = ks_socket_take_error(s);
		if (err) {
			ret = sent ? sent : (err == KS_EPIPE ? pipe_err(0, flags) : -err);
			break;
		}
		if ((s->shutdown & KS_SEND_SHUTDOWN) ||
		    (p->state != KS_TCP_ESTABLISHED && p->state != KS_TCP_CLOSE_WAIT)) {
			ret = pipe_err(sent, flags); /* sk_stream_wait_connect's EPIPE */
			break;
		}
		if (ts->sndbuf_auto >= 0 && s->sndbuf != ts->sndbuf_auto)
			ts->sndbuf_auto = -1; /* SO_SNDBUF set: Linux stops tuning it */
		p->snd_limit = (uint32_t)__atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED);
		uint32_t n = ks_tcp_send_space(p);
		if (n > m->it.left)
			n = (uint32_t)m->it.left;
		unsigned sf = ((flags & KS_MSG_MORE) ? KS_TCP_SEND_MORE : 0) |
			      ((flags & KS_MSG_OOB) ? KS_TCP_SEND_URG : 0);
		long k = n || m->it.left ? ks_tcp_send(p, n, copy_from_iter, &m->it, sf) : 0;
		if (k < 0) {
			ret = sent ? sent : k;
			break;
		}
		sent += k;
		if (!m->it.left || (k < (long)n)) {
			ret = sent;
			break;
		}
		/* Out of space: push the tail, let the segments go and the
		 * ACKs come back. */
		ts->nospace = true; /* Linux's SOCK_NOSPACE: the buffer may grow */
		ks_tcp_push(p);
		tcp_unlock(ts);
		ks_inet_lo_drain();
		tcp_lock(ts);
	}
	tcp_unlock(ts);
	ks_inet_lo_drain();
	return ret;
}

/* ---- receive ---- */

struct rcv_wait {
	struct ks_tcp_sock *ts;
	uint32_t off;    /* SO_PEEK_OFF's skip */
	uint32_t target; /* bytes wanted before waking (SO_RCVLOWAT, MSG_WAITALL) */
};

static bool rcv_ready(void *arg)
{
	struct rcv_wait *w = arg;
	struct ks_tcp_sock *ts = w->ts;
	struct ks_tcp_pcb *p = &ts->pcb;
	uint32_t avail = ks_tcp_readable(p);

	if (avail > w->off && avail - w->off >= w->target)
		return true;
	if (__atomic_load_n(&ts->sk.err, __ATOMIC_ACQUIRE))
		return true;
	if ((ts->sk.shutdown & KS_RCV_SHUTDOWN) || p->fin_rcvd)
		return true;
	return p->state == KS_TCP_CLOSE || p->state == KS_TCP_LISTEN;
}

/* recv(MSG_OOB): Linux's tcp_recv_urg. Never blocks. */
static long recv_urg(struct ks_tcp_sock *ts, struct ks_msg *m, int flags)
{
	struct ks_socket *s = &ts->sk;
	struct ks_tcp_pcb *p = &ts->pcb;
	long ret;

	tcp_lock(ts);
	if ((__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_OOBINLINE) ||
	    p->urg_state == KS_TCP_URG_NONE || p->urg_state == KS_TCP_URG_READ) {
		ret = -KS_EINVAL;
	} else if (p->state == KS_TCP_CLOSE && !ts->raddr) {
		ret = -KS_ENOTCONN;
	} else if (p->urg_state == KS_TCP_URG_VALID) {
		uint8_t c = p->urg_byte;
		if (!(flags & KS_MSG_PEEK))
			p->urg_state = KS_TCP_URG_READ;
		m->flags_out |= KS_MSG_OOB;
		ret = 1;
		if (!m->it.left)
			m->flags_out |= KS_MSG_TRUNC;
		else if (!(flags & KS_MSG_TRUNC) && ks_iter_copy_to(&m->it, &c, 1))
			ret = -KS_EFAULT;
	} else if (p->state == KS_TCP_CLOSE || (s->shutdown & KS_RCV_SHUTDOWN)) {
		ret = 0;
	} else {
		ret = -KS_EAGAIN;
	}
	tcp_unlock(ts);
	return ret;
}

/* Linux's tcp_recvmsg_locked. */
static long tcp_recvmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct ks_tcp_pcb *p = &ts->pcb;
	uint64_t deadline = ks_socket_deadline(s, true, flags);
	bool peek = (flags & KS_MSG_PEEK) != 0;
	long copied = 0;
	long ret = 0;

	if (flags & KS_MSG_ERRQUEUE)
		return -KS_EAGAIN;
	if (flags & KS_MSG_OOB)
		return recv_urg(ts, m, flags);
	tcp_lock(ts);
	p->oobinline = (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_OOBINLINE) != 0;
	if (p->state == KS_TCP_LISTEN) {
		tcp_unlock(ts);
		return -KS_ENOTCONN;
	}
	uint32_t len = m->it.left > 0x7fffffff ? 0x7fffffff : (uint32_t)m->it.left;
	uint32_t lowat = (uint32_t)(s->rcvlowat > 0 ? s->rcvlowat : 1);
	uint32_t target = (flags & KS_MSG_WAITALL) ? len : (lowat < len ? lowat : len);
	if (!target)
		target = 1;
	for (;;) {
		uint32_t off = peek && s->peek_off >= 0 ? (uint32_t)s->peek_off : 0;
		uint32_t avail = ks_tcp_readable(p);
		if (copied && !off && ks_tcp_at_mark(p))
			break; /* a read stops at the urgent mark */
		if (avail > off && len > (uint32_t)copied) {
			uint32_t want = len - (uint32_t)copied;
			long k = (flags & KS_MSG_TRUNC)
					 ? ks_tcp_recv(p, off, want, discard, NULL, peek)
					 : ks_tcp_recv(p, off, want, copy_to_iter, &m->it, peek);
			if (k < 0) {
				ret = copied ? copied : k;
				goto out;
			}
			copied += k;
			if (s->peek_off >= 0)
				s->peek_off = peek ? s->peek_off + (int)k
						   : (s->peek_off > k ? s->peek_off - (int)k : 0);
			if ((uint32_t)copied >= target || peek)
				break;
			continue;
		}
		if (copied && !deadline)
			break;
		if (!len && avail > off)
			break; /* a zero-length read of a readable socket: 0 */
		/* Nothing (more) to read: an error, the end, or wait. */
		if (__atomic_load_n(&s->err, __ATOMIC_ACQUIRE)) {
			if (!copied)
				ret = -ks_socket_take_error(s);
			else
				ret = copied;
			goto out;
		}
		if ((s->shutdown & KS_RCV_SHUTDOWN) || p->fin_rcvd)
			break; /* end of file */
		if (p->state == KS_TCP_CLOSE) {
			/* Never connected: ENOTCONN; after a reset or a close: end
			 * of file (Linux's SOCK_DONE). */
			if (!copied && !ts->raddr)
				ret = -KS_ENOTCONN;
			else
				ret = copied;
			goto out;
		}
		struct rcv_wait w = {ts, off, target - (uint32_t)copied};
		int err = wait_drained(ts, &s->rx_wait, deadline, rcv_ready, &w);
		if (!len && deadline && err != -KS_EINTR)
			break; /* Linux: a zero-length read that waited returns 0 */
		if (err) {
			ret = copied ? copied : err;
			goto out;
		}
	}
	ret = copied;
out:
	tcp_unlock(ts);
	ks_inet_lo_drain(); /* window updates */
	return ret;
}

/* ---- shutdown, options, ioctl, poll, describe ---- */

/* The state the user sees: a connection in TIME-WAIT is a closed socket
 * on Linux (see hook_event). */
static enum ks_tcp_state user_state(const struct ks_tcp_pcb *p)
{
	return p->state == KS_TCP_TIME_WAIT ? KS_TCP_CLOSE : p->state;
}

/* Linux's inet_shutdown for TCP. */
static int tcp_shutdown(struct ks_socket *s, int how)
{
	struct ks_tcp_sock *ts = tsk(s);
	int err = 0;

	if (how < 0 || how > 2)
		return -KS_EINVAL;
	how++; /* SHUT_RD 1, SHUT_WR 2, both 3 */
	tcp_lock(ts);
	bool was_listening = ts->pcb.state == KS_TCP_LISTEN;
	enum ks_tcp_state st = user_state(&ts->pcb);
	if (s->state == KS_SS_CONNECTING && ts->pcb.state != KS_TCP_SYN_SENT &&
	    ts->pcb.state != KS_TCP_SYN_RECV && ts->pcb.state != KS_TCP_CLOSE)
		ks_socket_set_state_locked(s, KS_SS_CONNECTED);
	switch (st) {
	case KS_TCP_CLOSE:
		err = -KS_ENOTCONN;
		__attribute__((fallthrough)); /* the bits are set anyway */
	default:
		__atomic_store_n(&s->shutdown, (unsigned char)(s->shutdown | how), __ATOMIC_RELEASE);
		if (how & KS_RCV_SHUTDOWN)
			ts->pcb.rcv_shut = false; /* Linux resets only an orphan's data */
		if ((how & KS_SEND_SHUTDOWN) && st != KS_TCP_CLOSE)
			ks_tcp_shutdown(&ts->pcb);
		break;
	case KS_TCP_LISTEN:
		if (!(how & KS_RCV_SHUTDOWN))
			break;
		__attribute__((fallthrough));
	case KS_TCP_SYN_SENT:
		/* Linux's tcp_disconnect for these two. */
		__atomic_store_n(&s->shutdown, (unsigned char)(s->shutdown | how), __ATOMIC_RELEASE);
		disconnect_locked(ts);
		break;
	}
	bool stopped = was_listening && ts->pcb.state != KS_TCP_LISTEN;
	if (stopped)
		ks_socket_hold(s);
	tcp_unlock(ts);
	if (stopped) {
		listen_stop(ts);
		ks_socket_put(s);
	}
	ks_waitq_wake(&s->rx_wait);
	ks_waitq_wake(&s->tx_wait);
	ks_inet_lo_drain();
	return err;
}

static int int_in(const void *uval, unsigned len, int *val)
{
	if (len < sizeof(int))
		return -KS_EINVAL;
	return ks_port_copy_from_user(val, uval, sizeof(int)) ? -KS_EFAULT : 0;
}

/* Linux's secs_to_retrans and retrans_to_secs for TCP_DEFER_ACCEPT. */
static int secs_to_retrans(int seconds)
{
	int res = 0;

	if (seconds > 0) {
		int timeout = 1, period = 1;
		res = 1;
		while (seconds > period && res < 255) {
			res++;
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return res;
}

static int retrans_to_secs(int retrans)
{
	int period = 0;

	if (retrans > 0) {
		int timeout = 1;
		period = 1;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return period;
}

static int ip_setsockopt(struct ks_tcp_sock *ts, int name, const void *uval, unsigned len)
{
	int val = 0;
	unsigned char c;

	if (name != KS_IP_TTL && name != KS_IP_TOS && name != KS_IP_MTU_DISCOVER)
		return -KS_ENOPROTOOPT;
	if (len >= sizeof(int)) {
		if (ks_port_copy_from_user(&val, uval, sizeof(int)))
			return -KS_EFAULT;
	} else if (len >= 1) {
		if (ks_port_copy_from_user(&c, uval, 1))
			return -KS_EFAULT;
		val = c;
	}
	if (name == KS_IP_TTL) {
		if (val != -1 && (val < 1 || val > 255))
			return -KS_EINVAL;
		__atomic_store_n(&ts->ttl, val, __ATOMIC_RELAXED);
	} else if (name == KS_IP_MTU_DISCOVER) {
		if (val < KS_IP_PMTUDISC_DONT || val > KS_IP_PMTUDISC_OMIT)
			return -KS_EINVAL;
		__atomic_store_n(&ts->pmtudisc, val, __ATOMIC_RELAXED);
	} else {
		/* Linux's ip_setsockopt for a stream socket keeps the ECN bits
		 * of the old value (INET_ECN_MASK). */
		int old = __atomic_load_n(&ts->tos, __ATOMIC_RELAXED);
		__atomic_store_n(&ts->tos, (val & ~3) | (old & 3), __ATOMIC_RELAXED);
	}
	return 0;
}

static int tcp_setsockopt(struct ks_socket *s, int level, int name, const void *uval,
			  unsigned len)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct ks_tcp_pcb *p = &ts->pcb;
	int val, err;

	if (level == KS_SOL_IP)
		return ip_setsockopt(ts, name, uval, len);
	if (level != KS_SOL_TCP)
		return -KS_ENOPROTOOPT;
	if (name == KS_TCP_CONGESTION) {
		char buf[16] = {0};
		unsigned n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
		if (ks_port_copy_from_user(buf, uval, n))
			return -KS_EFAULT;
		const struct ks_tcp_cc *cc = ks_tcp_cc_find(buf);
		if (!cc)
			return -KS_ENOENT; /* Linux: no such algorithm */
		tcp_lock(ts);
		/* Linux's tcp_set_congestion_control: a connection starts the
		 * new algorithm afresh from its current window. */
		if (ts->pcb.cc != cc) {
			uint32_t cwnd = ts->pcb.cwnd, ssthresh = ts->pcb.ssthresh;
			ts->pcb.cc = cc;
			if (ks_tcp_synchronized(&ts->pcb)) {
				cc->init(&ts->pcb);
				ts->pcb.cwnd = cwnd;
				ts->pcb.ssthresh = ssthresh;
			}
		}
		tcp_unlock(ts);
		return 0;
	}
	err = int_in(uval, len, &val);
	if (err)
		return err;
	tcp_lock(ts);
	switch (name) {
	case KS_TCP_NODELAY:
		p->nodelay = val != 0;
		if (p->nodelay)
			ks_tcp_output(p); /* tcp_push_pending_frames */
		break;
	case KS_TCP_CORK:
		p->cork = val != 0;
		if (!p->cork)
			ks_tcp_output(p);
		break;
	case KS_TCP_MAXSEG:
		if (val && (val < 88 || val > 32767)) /* TCP_MIN_MSS, MAX_TCP_WINDOW */
			err = -KS_EINVAL;
		else
			p->user_mss = (uint16_t)val;
		break;
	case KS_TCP_KEEPIDLE:
		if (val < 1 || val > 32767)
			err = -KS_EINVAL;
		else
			p->keepidle_s = val;
		if (!err && p->keepalive) {
			p->t_keep = 0;
			ks_tcp_set_keepalive(p, true);
		}
		break;
	case KS_TCP_KEEPINTVL:
		if (val < 1 || val > 32767)
			err = -KS_EINVAL;
		else
			p->keepintvl_s = val;
		break;
	case KS_TCP_KEEPCNT:
		if (val < 1 || val > 127)
			err = -KS_EINVAL;
		else
			p->keepcnt = val;
		break;
	case KS_TCP_SYNCNT:
		if (val < 1 || val > 127)
			err = -KS_EINVAL;
		else
			p->syn_retries = val;
		break;
	case KS_TCP_LINGER2:
		p->linger2_s = val < 0 ? -1 : (val > 120 ? 120 : val);
		break;
	case KS_TCP_DEFER_ACCEPT:
		__atomic_store_n(&ts->defer_accept, secs_to_retrans(val), __ATOMIC_RELAXED);
		break;
	case KS_TCP_WINDOW_CLAMP:
		if (!val) {
			if (p->state != KS_TCP_CLOSE)
				err = -KS_EINVAL;
			else
				__atomic_store_n(&ts->window_clamp, 0, __ATOMIC_RELAXED);
		} else {
			/* SOCK_MIN_RCVBUF / 2 at least */
			__atomic_store_n(&ts->window_clamp, val < 1152 ? 1152 : val, __ATOMIC_RELAXED);
		}
		break;
	case KS_TCP_QUICKACK:
		/* Linux: 1 leaves delayed-ACK ("pingpong") mode and sends a
		 * pending ACK; 0 enters it. */
		p->pingpong = !(val & 1);
		if (val & 1) {
			p->quickacks = 16;
			if (p->t_delack)
				ks_tcp_send_ack(p);
		} else {
			p->quickacks = 0;
		}
		break;
	case KS_TCP_USER_TIMEOUT:
		if (val < 0)
			err = -KS_EINVAL;
		else
			p->user_timeout_ms = val;
		break;
	default:
		err = -KS_ENOPROTOOPT;
		break;
	}
	tcp_unlock(ts);
	ks_inet_lo_drain();
	return err;
}

/* struct tcp_info as Linux 6.x lays it out (uapi/linux/tcp.h), up to
 * tcpi_total_rto_time. */
struct ks_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale;   /* snd 4 bits, rcv 4 bits */
	uint8_t app_limited;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
	uint32_t rcv_wnd, rehash;
	uint16_t total_rto, total_rto_recoveries;
	uint32_t total_rto_time;
};

static void fill_info(struct ks_tcp_sock *ts, struct ks_tcp_info *i)
{
	struct ks_tcp_pcb *p = &ts->pcb;
	uint64_t now = ks_inet_now(p->st);

	__builtin_memset(i, 0, sizeof(*i));
	i->state = (uint8_t)user_state(p);
	if (p->state == KS_TCP_LISTEN) {
		ks_mutex_lock(&net()->tcp_lock);
		i->unacked = (uint32_t)ts->acc_len; /* Linux: the accept queue's length */
		i->sacked = (uint32_t)ts->backlog;
		ks_mutex_unlock(&net()->tcp_lock);
		return;
	}
	/* TCP_CA_Recovery, TCP_CA_Loss (a timeout's go-back), TCP_CA_Open */
	i->ca_state = p->in_recovery ? 3 : p->recover_hold ? 4 : 0;
	i->retransmits = p->backoff;
	i->probes = p->probes;
	i->backoff = p->backoff;
	i->options = (uint8_t)((p->ts_ok ? 1 : 0) | (p->sack_ok ? 2 : 0) | (p->ws_ok ? 4 : 0) |
			       ((p->ecn & KS_TCP_ECN_F_OK) ? 8 : 0) | /* TCPI_OPT_ECN */
			       ((p->ecn & KS_TCP_ECN_F_SEEN) ? 16 : 0)); /* TCPI_OPT_ECN_SEEN */
	i->wscale = (uint8_t)((p->snd_wscale & 15) | (p->rcv_wscale & 15) << 4);
	i->rto = (uint32_t)(p->rto_ns / 1000);
	i->ato = (uint32_t)(KS_TCP_DELACK_NS / 1000);
	i->snd_mss = p->mss;
	i->rcv_mss = p->mss;
	i->unacked = p->snd_max - p->snd_una;
	ks_tcp_sack_counts(p, &i->sacked, &i->lost, &i->retrans);
	if (p->last_data_sent)
		i->last_data_sent = (uint32_t)((now - p->last_data_sent) / 1000000);
	if (p->last_data_recv)
		i->last_data_recv = (uint32_t)((now - p->last_data_recv) / 1000000);
	i->last_ack_recv = (uint32_t)((now - p->last_rcv) / 1000000);
	i->pmtu = p->pmtu ? p->pmtu : KS_IPV4_MAX_LEN; /* Linux caps loopback's at 65535 */
	i->rcv_ssthresh = ks_tcp_rcv_window(p);
	i->rtt = (uint32_t)(p->srtt_ns / 1000);
	i->rttvar = (uint32_t)(p->rttvar_ns / 1000);
	i->snd_ssthresh = p->ssthresh / (p->mss ? p->mss : 1);
	i->snd_cwnd = p->cwnd / (p->mss ? p->mss : 1);
	i->advmss = p->adv_mss;
	i->reordering = 3;
	i->rcv_space = p->rcv_limit;
	i->total_retrans = p->total_retrans;
	i->bytes_acked = p->bytes_acked;
	i->bytes_received = p->bytes_received;
	i->segs_out = (uint32_t)p->segs_out;
	i->segs_in = (uint32_t)p->segs_in;
	i->notsent_bytes = p->snd_len - (p->snd_nxt - p->sbuf_seq < p->snd_len
						 ? p->snd_nxt - p->sbuf_seq
						 : p->snd_len);
	i->snd_wnd = p->snd_wnd;
	i->rcv_wnd = p->rcv_adv - p->rcv_nxt;
	i->dsack_dups = p->dsack_dups;
	i->total_rto = (uint16_t)(p->total_rto > 0xffff ? 0xffff : p->total_rto);
}

static int put_int(void *uval, unsigned *ulen, int len, int val)
{
	if (len > (int)sizeof(int))
		len = sizeof(int);
	if (ks_port_copy_to_user(ulen, &len, sizeof(len)) ||
	    ks_port_copy_to_user(uval, &val, (size_t)len))
		return -KS_EFAULT;
	return 0;
}

static int tcp_getsockopt(struct ks_socket *s, int level, int name, void *uval, unsigned *ulen)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct ks_tcp_pcb *p = &ts->pcb;
	int len, val = 0;

	if (level != KS_SOL_TCP && level != KS_SOL_IP)
		return -KS_ENOPROTOOPT;
	if (ks_port_copy_from_user(&len, ulen, sizeof(len)))
		return -KS_EFAULT;
	if (len < 0)
		return -KS_EINVAL;
	if (level == KS_SOL_IP) {
		if (name == KS_IP_TTL) {
			val = __atomic_load_n(&ts->ttl, __ATOMIC_RELAXED);
			if (val < 0)
				val = KS_IP_DEFAULT_TTL;
		} else if (name == KS_IP_TOS) {
			val = __atomic_load_n(&ts->tos, __ATOMIC_RELAXED);
		} else if (name == KS_IP_MTU_DISCOVER) {
			val = __atomic_load_n(&ts->pmtudisc, __ATOMIC_RELAXED);
		} else if (name == KS_IP_MTU) {
			/* Linux: the route's MTU (dst_mtu) while the socket has
			 * one, i.e. from connect or the SYN on; else ENOTCONN. */
			tcp_lock(ts);
			bool conn = p->state != KS_TCP_CLOSE && p->state != KS_TCP_LISTEN;
			uint32_t src = p->laddr, dst = p->raddr;
			tcp_unlock(ts);
			val = conn ? (int)ks_inet_path_mtu(src, dst, KS_IP_PMTUDISC_WANT) : 0;
			if (!val)
				return -KS_ENOTCONN;
		} else {
			return -KS_ENOPROTOOPT;
		}
		if (len < (int)sizeof(int) && len > 0 && val <= 255) {
			unsigned char c = (unsigned char)val;
			len = 1;
			if (ks_port_copy_to_user(ulen, &len, sizeof(len)) ||
			    ks_port_copy_to_user(uval, &c, 1))
				return -KS_EFAULT;
			return 0;
		}
		return put_int(uval, ulen, len, val);
	}
	if (name == KS_TCP_INFO) {
		struct ks_tcp_info info;
		tcp_lock(ts);
		fill_info(ts, &info);
		tcp_unlock(ts);
		if (len > (int)sizeof(info))
			len = sizeof(info);
		if (ks_port_copy_to_user(ulen, &len, sizeof(len)) ||
		    ks_port_copy_to_user(uval, &info, (size_t)len))
			return -KS_EFAULT;
		return 0;
	}
	if (name == KS_TCP_CONGESTION) {
		char buf[16] = {0};
		tcp_lock(ts);
		for (int i = 0; ts->pcb.cc->name[i] && i < 15; i++)
			buf[i] = ts->pcb.cc->name[i];
		tcp_unlock(ts);
		if (len > 16)
			len = 16;
		if (ks_port_copy_to_user(ulen, &len, sizeof(len)) ||
		    ks_port_copy_to_user(uval, buf, (size_t)len))
			return -KS_EFAULT;
		return 0;
	}
	tcp_lock(ts);
	switch (name) {
	case KS_TCP_NODELAY: val = p->nodelay; break;
	case KS_TCP_CORK: val = p->cork; break;
	case KS_TCP_MAXSEG:
		/* Linux: the MSS in use; before a connection, TCP_MAXSEG's
		 * value or the default 536. */
		val = p->mss;
		if (p->user_mss && (p->state == KS_TCP_CLOSE || p->state == KS_TCP_LISTEN))
			val = p->user_mss;
		break;
	case KS_TCP_KEEPIDLE: val = p->keepidle_s; break;
	case KS_TCP_KEEPINTVL: val = p->keepintvl_s; break;
	case KS_TCP_KEEPCNT: val = p->keepcnt; break;
	case KS_TCP_SYNCNT: val = p->syn_retries; break;
	case KS_TCP_LINGER2:
		val = p->linger2_s;
		if (val >= 0)
			val = val ? val : (int)(KS_TCP_FIN_TIMEOUT_NS / 1000000000ull);
		break;
	case KS_TCP_DEFER_ACCEPT:
		val = retrans_to_secs(__atomic_load_n(&ts->defer_accept, __ATOMIC_RELAXED));
		break;
	case KS_TCP_WINDOW_CLAMP: val = __atomic_load_n(&ts->window_clamp, __ATOMIC_RELAXED); break;
	case KS_TCP_QUICKACK: val = !p->pingpong; break;
	case KS_TCP_USER_TIMEOUT: val = p->user_timeout_ms; break;
	default:
		tcp_unlock(ts);
		return -KS_ENOPROTOOPT;
	}
	tcp_unlock(ts);
	return put_int(uval, ulen, len, val);
}

/* Linux's tcp_ioctl: SIOCINQ bytes to read (EINVAL on a listener),
 * SIOCOUTQ bytes not acknowledged, SIOCOUTQNSD bytes not sent,
 * SIOCATMARK 0 (no urgent data). */
static int tcp_ioctl(struct ks_socket *s, unsigned long req, void *uarg)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct ks_tcp_pcb *p = &ts->pcb;
	int amount = 0;

	tcp_lock(ts);
	switch (req) {
	case KS_SIOCINQ:
		if (p->state == KS_TCP_LISTEN) {
			tcp_unlock(ts);
			return -KS_EINVAL;
		}
		amount = (int)ks_tcp_readable(p);
		/* Linux's tcp_inq: up to the urgent byte while it is ahead. */
		if (!(__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_OOBINLINE) &&
		    p->urg_state != KS_TCP_URG_NONE && ks_seq_ge(p->rcv_up, p->rcv_read) &&
		    ks_seq_lt(p->rcv_up, p->rcv_nxt))
			amount = (int)(p->rcv_up - p->rcv_read);
		if (p->state == KS_TCP_SYN_SENT || p->state == KS_TCP_SYN_RECV)
			amount = 0;
		break;
	case KS_SIOCOUTQ:
		if (p->state == KS_TCP_LISTEN) {
			tcp_unlock(ts);
			return -KS_EINVAL;
		}
		amount = p->state == KS_TCP_SYN_SENT ? 0 : (int)p->snd_len;
		break;
	case KS_SIOCATMARK:
		amount = ks_tcp_at_mark(p);
		break;
	case KS_SIOCOUTQNSD:
		/* bytes not sent yet (Linux: write_seq - snd_nxt) */
		if (p->state == KS_TCP_LISTEN) {
			tcp_unlock(ts);
			return -KS_EINVAL;
		}
		if (p->state != KS_TCP_SYN_SENT) {
			uint32_t sent = p->snd_nxt - p->sbuf_seq;
			amount = sent < p->snd_len ? (int)(p->snd_len - sent) : 0;
		}
		break;
	default:
		tcp_unlock(ts);
		return -KS_ENOIOCTLCMD;
	}
	tcp_unlock(ts);
	return ks_port_copy_to_user(uarg, &amount, sizeof(amount)) ? -KS_EFAULT : 0;
}

/* Linux's tcp_poll. */
static unsigned tcp_poll(struct ks_socket *s, struct ks_poll_table *pt)
{
	struct ks_tcp_sock *ts = tsk(s);
	struct ks_tcp_pcb *p = &ts->pcb;
	unsigned mask = 0;

	ks_poll_wait(pt, s, &s->rx_wait);
	ks_poll_wait(pt, s, &s->tx_wait);
	tcp_lock(ts);
	if (p->state == KS_TCP_LISTEN) {
		ks_mutex_lock(&net()->tcp_lock);
		if (ts->acc_head)
			mask = KS_POLLIN | KS_POLLRDNORM;
		ks_mutex_unlock(&net()->tcp_lock);
		tcp_unlock(ts);
		return mask;
	}
	unsigned char shut = s->shutdown;
	if (shut == KS_SHUTDOWN_MASK || user_state(p) == KS_TCP_CLOSE)
		mask |= KS_POLLHUP;
	if (shut & KS_RCV_SHUTDOWN)
		mask |= KS_POLLIN | KS_POLLRDNORM | KS_POLLRDHUP;
	if (p->state != KS_TCP_SYN_SENT && p->state != KS_TCP_SYN_RECV) {
		uint32_t lowat = (uint32_t)(s->rcvlowat > 0 ? s->rcvlowat : 1);
		/* Linux: the urgent byte at the read point is not data. */
		if (ks_tcp_at_mark(p) && !(__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_OOBINLINE))
			lowat++;
		if (ks_tcp_readable(p) >= lowat)
			mask |= KS_POLLIN | KS_POLLRDNORM;
		if (p->urg_state == KS_TCP_URG_VALID)
			mask |= KS_POLLPRI;
		if (!(shut & KS_SEND_SHUTDOWN)) {
			p->snd_limit = (uint32_t)__atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED);
			if (writable(p))
				mask |= KS_POLLOUT | KS_POLLWRNORM;
		} else {
			mask |= KS_POLLOUT | KS_POLLWRNORM;
		}
	}
	if (__atomic_load_n(&s->err, __ATOMIC_ACQUIRE))
		mask |= KS_POLLERR;
	tcp_unlock(ts);
	return mask;
}


static void tcp_describe(struct ks_socket *s, struct ks_sock_info *out)
{
	struct ks_tcp_sock *ts = tsk(s);

	ks_inet_fmt_addr(out->local, sizeof(out->local), __atomic_load_n(&ts->laddr, __ATOMIC_RELAXED),
		 __atomic_load_n(&ts->lport, __ATOMIC_RELAXED));
	ks_inet_fmt_addr(out->peer, sizeof(out->peer), __atomic_load_n(&ts->raddr, __ATOMIC_RELAXED),
		 __atomic_load_n(&ts->rport, __ATOMIC_RELAXED));
	/* The table walker may not lock: the state's atomic copy. */
	int st = __atomic_load_n(&ts->shown_state, __ATOMIC_RELAXED);
	out->state = st == KS_TCP_ESTABLISHED ? "ESTAB" : st ? ks_tcp_state_name(st) : NULL;
	out->recv_q = 0;
	out->send_q = 0;
}

const struct ks_sock_ops ks_inet_tcp_ops = {
	.caps = KS_CAP_CONNECTION | KS_CAP_LISTEN,
	.release = tcp_release,
	.destroy = tcp_destroy,
	.bind = tcp_bind,
	.connect = tcp_connect,
	.socketpair = ks_sock_no_socketpair,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.getname = tcp_getname,
	.sendmsg = tcp_sendmsg,
	.recvmsg = tcp_recvmsg,
	.shutdown = tcp_shutdown,
	.setsockopt = tcp_setsockopt,
	.getsockopt = tcp_getsockopt,
	.ioctl = tcp_ioctl,
	.poll = tcp_poll,
	.describe = tcp_describe,
};

/* ---- receive context ---- */

/* A segment for this host (sock_inet.c's ip_input, no lock held): to its
 * socket, or answered with a reset. Takes p. */
void ks_inet_tcp_input(struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	const struct ks_tcp_hdr *h = &d->tcp;
	struct ks_tcp_sock *ts = lookup(d->ip.src, h->sport, d->ip.dst, h->dport);

	ks_pbuf_set_ecn(p, d->ip.tos & KS_IP_ECN_MASK); /* for the engine (tcp_ecn.c) */
	if (ts) {
		tcp_lock(ts);
		ks_tcp_set_keepalive(&ts->pcb, (__atomic_load_n(&ts->sk.flags, __ATOMIC_RELAXED) &
						KS_SF_KEEPALIVE) != 0 &&
						       ks_tcp_synchronized(&ts->pcb));
		int rc = ks_tcp_input(&ts->pcb, p, d->ip.src, d->ip.dst, h);
		bool reuse = rc == KS_TCP_IN_TW_REUSE;
		if (reuse) {
			/* The old connection ends; the SYN goes to a listener. */
			ks_tcp_done(&ts->pcb, 0);
		}
		tcp_unlock(ts);
		ks_socket_put(&ts->sk);
		if (!reuse)
			return;
		ts = lookup(d->ip.src, h->sport, d->ip.dst, h->dport);
		if (ts && ts->pcb.state == KS_TCP_LISTEN) {
			tcp_lock(ts);
			(void)ks_tcp_input(&ts->pcb, p, d->ip.src, d->ip.dst, h);
			tcp_unlock(ts);
			ks_socket_put(&ts->sk);
			return;
		}
		if (ts)
			ks_socket_put(&ts->sk);
		/* no listener: a reset, below (p was not taken) */
	}
	ks_inet_count_drop(&net()->st, -KS_DROP_NO_SOCKET);
	struct ks_pbuf *r = ks_tcp_reset_reply(&net()->st, d->ip.src, d->ip.dst, h);
	if (r)
		(void)ks_inet_ip_queue(r, d->ip.dst, d->ip.src, KS_IPPROTO_TCP, KS_IP_DEFAULT_TTL, 0);
	ks_pbuf_free(p);
}

/* ICMP fragmentation needed (RFC 1191 6.4; Linux's tcp_v4_err and
 * tcp_v4_mtu_reduced): believed only if the quoted sequence number is in
 * SND.UNA..SND.NXT (RFC 5927 4.1) and the MTU is plausible (pmtu.h), else
 * ignored and counted. The path MTU is recorded for the destination, and
 * the connection's MSS follows unless IP_MTU_DISCOVER says not to (DONT,
 * INTERFACE, OMIT). Not an error for the user. */
static void frag_needed(struct ks_tcp_sock *ts, const struct ks_icmp_hdr *icmp)
{
	struct ks_inet_stack *st = &net()->st;
	struct ks_tcp_pcb *p = &ts->pcb;
	uint32_t seq = ks_get32(icmp->quote.l4 + 4); /* the parser checked 8 bytes */

	tcp_lock(ts);
	if (!ks_tcp_icmp_in_flight(p, seq)) {
		__atomic_add_fetch(&st->pmtu.stats.out_of_window, 1, __ATOMIC_RELAXED);
	} else {
		uint32_t mtu = ks_pmtu_plausible(st, icmp->mtu);
		uint32_t link = ks_inet_path_mtu(p->laddr, p->raddr, KS_IP_PMTUDISC_PROBE);
		int mode = __atomic_load_n(&ts->pmtudisc, __ATOMIC_RELAXED);
		if (mtu && link) {
			mtu = ks_pmtu_learn(st, p->raddr, mtu, link);
			if (mode != KS_IP_PMTUDISC_DONT && mode < KS_IP_PMTUDISC_INTERFACE)
				ks_tcp_mtu_reduced(p, mtu);
		}
	}
	tcp_unlock(ts);
}

/* An ICMP error about a segment this host sent. */
void ks_inet_tcp_err(const struct ks_icmp_hdr *icmp)
{
	const struct ks_icmp_quote *q = &icmp->quote;
	struct ks_tcp_sock *ts = lookup(q->ip.dst, q->dport, q->ip.src, q->sport);

	if (!ts)
		return;
	if (icmp->type == KS_ICMP_DEST_UNREACH && icmp->code == KS_ICMP_FRAG_NEEDED) {
		frag_needed(ts, icmp);
	} else if (ts->has_peer) {
		int err = icmp->code == KS_ICMP_PORT_UNREACH || icmp->code == KS_ICMP_PROT_UNREACH
				  ? KS_ECONNREFUSED
				  : KS_EHOSTUNREACH;
		tcp_lock(ts);
		ks_tcp_icmp_error(&ts->pcb, err, true);
		tcp_unlock(ts);
	}
	ks_socket_put(&ts->sk);
}

/*
 * tcp_in.c - a segment arrives (RFC 9293 3.10.7): one function per state
 * family (LISTEN, SYN-SENT, the synchronized states) and, for the last,
 * one per step of the RFC: sequence (with PAWS, RFC 7323 5), RST (RFC 5961
 * 3), SYN (RFC 5961 4), ACK (with RFC 5961 5 and congestion control), the
 * segment text, FIN. Each step returns whether to go on. Nothing is kept
 * between segments but the pcb.
 */
#include "tcp_impl.h"

/* What a segment carries, after trimming to the window. */
struct seg {
	const struct ks_tcp_hdr *h;
	uint32_t src, dst;
	uint32_t seq;         /* of its first data byte (after a SYN) */
	const uint8_t *data;
	uint32_t len;
	bool fin;
	unsigned ecn;         /* the IP header's ECN field (KS_IP_ECN_*) */
};

static uint32_t seg_len(const struct ks_tcp_hdr *h)
{
	return h->payload_len + ((h->flags & KS_TCP_SYN) ? 1 : 0) + ((h->flags & KS_TCP_FIN) ? 1 : 0);
}

/* ---- options on a SYN ---- */

static void set_mss(struct ks_tcp_pcb *pcb, const struct ks_tcp_opts *o)
{
	uint32_t peer = o->mss_ok ? o->mss : KS_TCP_MSS_DEFAULT;
	uint32_t mss = ks_tcp_min32(peer, pcb->adv_mss);

	if (pcb->user_mss && pcb->user_mss < mss)
		mss = pcb->user_mss;
	if (pcb->pmtu && pcb->pmtu - 40 < mss)
		mss = pcb->pmtu - 40; /* a path MTU learnt before (RFC 1191) */
	if (pcb->ts_ok)
		mss = mss > 12 ? mss - 12 : 0; /* the timestamp option rides on every
						  segment; a tiny MSS must not wrap */
	if (mss < 64)
		mss = 64; /* Linux's TCP_MIN_SND_MSS (48) plus room: never 0 */
	pcb->mss = (uint16_t)mss;
}

/* The peer's SYN options decide what both sides use (we offered all). */
static void take_syn_opts(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h)
{
	const struct ks_tcp_opts *o = &h->opt;

	pcb->ws_ok = o->ws_ok;
	if (pcb->ws_ok) {
		pcb->snd_wscale = o->ws > 14 ? 14 : o->ws; /* RFC 7323 2.3 */
	} else {
		pcb->snd_wscale = 0;
		pcb->rcv_wscale = 0;
	}
	pcb->sack_ok = o->sack_perm;
	pcb->ts_ok = o->ts_ok;
	if (pcb->ts_ok) {
		pcb->ts_recent = o->tsval;
		pcb->ts_recent_at = ks_tcp_now(pcb);
	}
	set_mss(pcb, o);
	pcb->irs = h->seq;
	pcb->rcv_nxt = pcb->rcv_read = pcb->rcv_wup = h->seq + 1;
	pcb->rcv_adv = pcb->rcv_nxt;
}

/* Both SYNs are acknowledged: ESTABLISHED. wnd is the peer's window,
 * already scaled as its segment requires. */
static void establish(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h, uint32_t wnd)
{
	pcb->snd_wnd = wnd;
	pcb->max_wnd = wnd;
	pcb->snd_wl1 = h->seq;
	pcb->snd_wl2 = h->ack;
	pcb->backoff = 0;
	pcb->t_rtx = 0;
	pcb->cc->init(pcb);
	ks_tcp_set_state(pcb, KS_TCP_ESTABLISHED);
	ks_tcp_arm_keepalive(pcb);
	pcb->hooks->event(pcb, KS_TCP_EV_WRITE);
}

/* ---- SYN cookies (RFC 4987 3.6) ----
 * When the SYN queue is full the listener keeps no state: its SYN-ACK's
 * sequence number is a cookie, and the ACK that returns it (ack - 1)
 * creates the connection. The cookie is 5 bits of a 64 s clock, 3 bits of
 * the peer's MSS (an index into cookie_mss) and 24 bits of a keyed hash of
 * the four-tuple, the clock and the SYN's sequence number. Window scaling,
 * SACK and timestamps are not offered on such a connection (Linux keeps
 * them in the timestamp when both use timestamps; ksock does not). */
static const uint16_t cookie_mss[8] = {536, 1300, 1440, 1460, 4312, 8960, 32768, 65495};
#define COOKIE_TICK_NS (64ull * 1000000000ull)
#define COOKIE_VALID_NS (120ull * 1000000000ull) /* Linux's TCP_SYNCOOKIE_VALID */

/* The owner's syn_room hook, optional (none: always room). */
static int syn_room(struct ks_tcp_pcb *l)
{
	return l->hooks->syn_room ? l->hooks->syn_room(l) : 0;
}

static uint32_t cookie_make(struct ks_tcp_pcb *l, const struct seg *s, uint32_t syn_seq,
			    uint32_t t, unsigned mi)
{
	const struct ks_tcp_hdr *h = s->h;
	uint32_t hv = (uint32_t)ks_tcp_hash(l->st, s->src, s->dst,
					    (uint32_t)h->sport << 16 | h->dport, syn_seq ^ (t & 31));

	return (t & 31) << 27 | (mi & 7) << 24 | (hv & 0xffffff);
}

static void send_cookie_synack(struct ks_tcp_pcb *l, const struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;
	uint32_t peer = h->opt.mss_ok ? h->opt.mss : KS_TCP_MSS_DEFAULT;
	unsigned mi = 0;
	struct ks_tcp_hdr r = {0};
	struct ks_pbuf *p;

	while (mi < 7 && cookie_mss[mi + 1] <= peer)
		mi++;
	r.sport = h->dport;
	r.dport = h->sport;
	r.seq = cookie_make(l, s, h->seq, (uint32_t)(ks_tcp_now(l) / COOKIE_TICK_NS), mi);
	r.ack = h->seq + 1;
	r.flags = KS_TCP_SYN | KS_TCP_ACK;
	r.wnd = (uint16_t)(l->rcv_limit > 65535 ? 65535 : l->rcv_limit);
	r.opt.mss_ok = true;
	r.opt.mss = l->user_mss && l->user_mss < l->adv_mss ? l->user_mss : l->adv_mss;
	r.hlen = (uint8_t)(KS_TCP_HLEN + ks_tcp_opts_len(&r.opt));
	if (ks_inet_count_drop(l->st, ks_pbuf_alloc(&l->st->pbufs, KS_PBUF_ROOM_TRANSPORT, r.hlen, &p)))
		return;
	(void)ks_tcp_emit(p->data, p->len, &r, s->dst, s->src);
	l->synq_overflow_at = ks_tcp_now(l);
	l->segs_out++;
	__atomic_add_fetch(&l->st->tcp.syncookies_sent, 1, __ATOMIC_RELAXED);
	l->hooks->output(l, p, s->dst, s->src);
}

/* The peer MSS index of a valid cookie in an ACK, or -1. */
static int cookie_check(struct ks_tcp_pcb *l, const struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;
	uint32_t cookie = h->ack - 1;
	uint32_t now = (uint32_t)(ks_tcp_now(l) / COOKIE_TICK_NS);
	uint32_t t = cookie >> 27;

	if (!l->synq_overflow_at || ks_tcp_now(l) - l->synq_overflow_at > COOKIE_VALID_NS)
		return -1;
	if (((now - t) & 31) > 1)
		return -1; /* older than two ticks */
	unsigned mi = (cookie >> 24) & 7;
	return cookie_make(l, s, h->seq - 1, t, mi) == cookie ? (int)mi : -1;
}

static int sync_input(struct ks_tcp_pcb *pcb, struct seg *s);

/* A child pcb for the connection s opens on listener l (the owner's spawn
 * hook), its addresses and sequence numbers set; NULL when the owner
 * refused. The caller finishes it and calls the spawned hook. */
static struct ks_tcp_pcb *child_of(struct ks_tcp_pcb *l, const struct seg *s, uint32_t iss)
{
	const struct ks_tcp_hdr *h = s->h;
	struct ks_tcp_pcb *c = l->hooks->spawn(l, s->src, h->sport, s->dst, h->dport);

	if (!c)
		return NULL;
	c->parent = l;
	c->laddr = s->dst;
	c->lport = h->dport;
	c->raddr = s->src;
	c->rport = h->sport;
	c->last_rcv = ks_tcp_now(c);
	c->snd_wl1 = h->seq;
	ks_tcp_set_iss(c, iss);
	return c;
}

/* A returning cookie: the connection, established from the ACK. */
static bool cookie_accept(struct ks_tcp_pcb *l, struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;
	int mi = cookie_check(l, s);

	if (mi < 0) {
		if (l->synq_overflow_at)
			__atomic_add_fetch(&l->st->tcp.syncookies_failed, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (syn_room(l) < 0)
		return true; /* a valid cookie with a full accept queue: dropped */
	__atomic_add_fetch(&l->st->tcp.syncookies_recv, 1, __ATOMIC_RELAXED);
	struct ks_tcp_pcb *c = child_of(l, s, h->ack - 1);
	if (!c)
		return true;
	c->ws_ok = c->sack_ok = c->ts_ok = false;
	c->snd_wscale = c->rcv_wscale = 0;
	c->irs = h->seq - 1;
	c->rcv_nxt = c->rcv_read = c->rcv_wup = h->seq;
	c->rcv_adv = h->seq + (l->rcv_limit > 65535 ? 65535 : l->rcv_limit);
	uint32_t mss = ks_tcp_min32(cookie_mss[mi], c->adv_mss);
	if (c->user_mss && c->user_mss < mss)
		mss = c->user_mss;
	c->mss = (uint16_t)mss;
	c->state = KS_TCP_SYN_RECV;
	(void)sync_input(c, s); /* the ACK completes the handshake; its text is taken */
	if (c->state != KS_TCP_CLOSE)
		ks_tcp_output(c);
	l->hooks->spawned(c);
	return true;
}

/* ---- LISTEN (RFC 9293 3.10.7.2) ---- */

static void listen_input(struct ks_tcp_pcb *pcb, struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;

	if (h->flags & KS_TCP_RST)
		return; /* first: ignore a reset */
	if (h->flags & KS_TCP_ACK) {
		if (!(h->flags & KS_TCP_SYN) && cookie_accept(pcb, s))
			return;
		/* second: an ACK for nothing gets <SEQ=SEG.ACK><CTL=RST> */
		struct ks_pbuf *r = ks_tcp_reset_reply(pcb->st, s->src, s->dst, h);
		if (r)
			pcb->hooks->output(pcb, r, s->dst, s->src);
		return;
	}
	if (!(h->flags & KS_TCP_SYN))
		return;
	int room = syn_room(pcb);
	if (room < 0) {
		__atomic_add_fetch(&pcb->st->tcp.listen_drops, 1, __ATOMIC_RELAXED);
		return; /* the accept queue is full: Linux drops the SYN */
	}
	if (room > 0) {
		send_cookie_synack(pcb, s);
		return;
	}
	struct ks_tcp_pcb *c =
		child_of(pcb, s, ks_tcp_isn(pcb->st, s->dst, h->dport, s->src, h->sport));
	if (!c)
		return; /* no memory: the peer will try again */
	c->ts_offset = ks_tcp_ts_offset(c);
	take_syn_opts(c, h);
	ks_tcp_ecn_syn(c, h, s->ecn);
	c->snd_wnd = h->wnd; /* unscaled on a SYN */
	c->state = KS_TCP_SYN_RECV;
	(void)ks_tcp_send_syn(c);
	ks_tcp_arm_rtx(c);
	ks_tcp_timers_changed(c);
	pcb->hooks->spawned(c);
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---- */

static void syn_sent_input(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;
	bool ack = (h->flags & KS_TCP_ACK) != 0;

	if (ack && (ks_seq_le(h->ack, pcb->iss) || ks_seq_gt(h->ack, pcb->snd_max))) {
		if (!(h->flags & KS_TCP_RST))
			ks_tcp_send_rst(pcb, h->ack, 0, 0);
		return;
	}
	if (h->flags & KS_TCP_RST) {
		if (ack)
			ks_tcp_done(pcb, KS_ECONNREFUSED);
		return;
	}
	if (!(h->flags & KS_TCP_SYN))
		return;
	take_syn_opts(pcb, h);
	ks_tcp_ecn_synack(pcb, h);
	if (ack) {
		pcb->snd_una = h->ack;
		if (pcb->rtt_timing) {
			ks_tcp_rtt_sample(pcb, ks_tcp_now(pcb) - pcb->rtt_start);
			pcb->rtt_timing = false;
		}
		establish(pcb, h, h->wnd);
		pcb->ack_now = true;
		return;
	}
	/* Simultaneous open: SYN-RECEIVED, and our SYN again with an ACK. */
	pcb->state = KS_TCP_SYN_RECV;
	pcb->snd_wnd = h->wnd;
	pcb->hooks->event(pcb, KS_TCP_EV_STATE);
	(void)ks_tcp_send_syn(pcb);
}

/* ---- the synchronized states, step by step ---- */

enum { STOP = 0, GO = 1 };

/* RFC 7323 5.3 (PAWS): a segment older than the newest timestamp seen is
 * a duplicate from an earlier wrap; it is acknowledged and dropped. */
static int check_paws(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	const struct ks_tcp_opts *o = &s->h->opt;
	const uint64_t day24 = 24ull * 24 * 3600 * 1000000000ull;

	if (!pcb->ts_ok || !o->ts_ok || (s->h->flags & KS_TCP_RST))
		return GO;
	if ((int32_t)(o->tsval - pcb->ts_recent) >= 0 ||
	    ks_tcp_now(pcb) - pcb->ts_recent_at > day24)
		return GO;
	pcb->ack_now = true;
	return STOP;
}

/* First: is the segment acceptable (RFC 9293's four cases)? Then trims it
 * to the window. */
static int check_seq(struct ks_tcp_pcb *pcb, struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;
	uint32_t wnd = ks_seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	uint32_t len = seg_len(h);
	uint32_t nxt = pcb->rcv_nxt;
	bool ok;

	if (len == 0)
		ok = wnd == 0 ? h->seq == nxt
			      : ks_seq_ge(h->seq, nxt) && ks_seq_lt(h->seq, nxt + wnd);
	else
		ok = wnd != 0 && ((ks_seq_ge(h->seq, nxt) && ks_seq_lt(h->seq, nxt + wnd)) ||
				  (ks_seq_ge(h->seq + len - 1, nxt) &&
				   ks_seq_lt(h->seq + len - 1, nxt + wnd)));
	if (!ok && len && wnd == 0 && h->seq == nxt)
		ok = true; /* keep its ACK and RST, drop its text (below) */
	if (!ok) {
		if (!(h->flags & KS_TCP_RST))
			pcb->ack_now = true;
		return STOP;
	}
	/* Trim what is before RCV.NXT and what is past the window. */
	if (ks_seq_lt(s->seq, nxt)) {
		uint32_t d = nxt - s->seq;
		if (d > s->len)
			d = s->len;
		s->data += d;
		s->len -= d;
		s->seq += d;
	}
	uint32_t right = nxt + wnd;
	if (ks_seq_gt(s->seq + s->len, right)) {
		uint32_t cut = s->seq + s->len - right;
		s->len = cut > s->len ? 0 : s->len - cut;
		s->fin = false;
		/* RFC 9293 3.10.7.4: what lies past the window is dropped and
		 * acknowledged, so that a sender retransmitting into a closed
		 * window learns the window (the update may have been lost). */
		pcb->ack_now = true;
	}
	if (s->fin && s->seq + s->len != nxt && ks_seq_lt(s->seq + s->len, nxt))
		s->fin = false; /* a FIN we already have */
	return GO;
}

/* Second: RST (RFC 5961 3.2: only an exact match resets; any other
 * in-window reset gets a challenge ACK). */
static int check_rst(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	if (!(s->h->flags & KS_TCP_RST))
		return GO;
	if (s->h->seq != pcb->rcv_nxt) {
		ks_tcp_challenge_ack(pcb);
		return STOP;
	}
	switch (pcb->state) {
	case KS_TCP_SYN_RECV:
		/* A passive open goes away quietly; an active one (from a
		 * simultaneous open) was refused. */
		ks_tcp_done(pcb, pcb->parent ? 0 : KS_ECONNREFUSED);
		break;
	case KS_TCP_CLOSE_WAIT:
		ks_tcp_done(pcb, KS_EPIPE); /* Linux's tcp_reset */
		break;
	case KS_TCP_CLOSING:
	case KS_TCP_LAST_ACK:
	case KS_TCP_TIME_WAIT:
		ks_tcp_done(pcb, 0);
		break;
	default:
		ks_tcp_done(pcb, KS_ECONNRESET);
		break;
	}
	return STOP;
}

/* Fourth: a SYN in a synchronized state (RFC 5961 4.2): a challenge ACK;
 * a retransmitted SYN in SYN-RECEIVED gets our SYN-ACK again. */
static int check_syn(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	if (!(s->h->flags & KS_TCP_SYN))
		return GO;
	if (pcb->state == KS_TCP_SYN_RECV && s->h->seq == pcb->irs)
		(void)ks_tcp_send_syn(pcb);
	else
		ks_tcp_challenge_ack(pcb);
	return STOP;
}

/* Drops acknowledged data from the send ring; notes an acknowledged FIN. */
static void take_acked(struct ks_tcp_pcb *pcb, uint32_t ack)
{
	uint32_t end = pcb->sbuf_seq + pcb->snd_len;
	uint32_t upto = ks_seq_lt(ack, end) ? ack : end;

	if (ks_seq_gt(upto, pcb->sbuf_seq)) {
		uint32_t n = upto - pcb->sbuf_seq;
		ks_tcp_ring_advance(&pcb->sbuf, n);
		pcb->snd_len -= n;
		pcb->sbuf_seq = upto;
		pcb->bytes_acked += n;
	}
	if (pcb->fin_queued && ks_seq_gt(ack, end))
		pcb->fin_acked = true;
}

/* RFC 5681 3.2 and RFC 6582: the third duplicate ACK starts fast
 * retransmit and fast recovery; more inflate the window. With SACK the
 * scoreboard decides (sack_recovery). */
static void dupack(struct ks_tcp_pcb *pcb)
{
	pcb->dupacks++;
	if (pcb->sack_ok)
		return;
	if (pcb->in_recovery) {
		pcb->cwnd += pcb->mss;
		return;
	}
	if (pcb->dupacks != 3 || pcb->recover_hold)
		return;
	pcb->ssthresh = pcb->cc->ssthresh(pcb);
	pcb->recover = pcb->snd_max;
	pcb->in_recovery = true;
	pcb->rtt_timing = false;
	ks_tcp_retransmit_head(pcb);
	pcb->cwnd = pcb->ssthresh + 3u * pcb->mss;
}

/* New data acknowledged: RTT, timers, congestion window. */
static void new_ack(struct ks_tcp_pcb *pcb, const struct seg *s, uint32_t acked)
{
	const struct ks_tcp_opts *o = &s->h->opt;

	/* The timed segment first (Karn: new data only), as Linux's
	 * tcp_ack_update_rtt; the echoed timestamp only when nothing was
	 * timed and nothing retransmitted. A TSecr is the TSval of the last
	 * segment that arrived in order, which during a loss is old: taken
	 * on every ACK it inflates the RTO to seconds and stalls a lossy
	 * connection. */
	if (pcb->rtt_timing && ks_seq_ge(s->h->ack, pcb->rtt_seq)) {
		ks_tcp_rtt_sample(pcb, ks_tcp_now(pcb) - pcb->rtt_start);
		pcb->rtt_timing = false;
	} else if (!pcb->rtt_timing && pcb->ts_ok && o->ts_ok && o->tsecr && !pcb->backoff &&
		   !pcb->in_recovery && !pcb->srtt_ns) {
		uint32_t ms = ks_tcp_ts_now(pcb) - o->tsecr;
		ks_tcp_rtt_sample(pcb, (uint64_t)ms * 1000000ull);
	}
	pcb->backoff = 0;
	pcb->rtx_since = 0;
	if (pcb->recover_hold && ks_seq_ge(s->h->ack, pcb->recover))
		pcb->recover_hold = false;
	if (pcb->in_recovery) {
		if (ks_seq_ge(s->h->ack, pcb->recover)) {
			/* RFC 6582 3.2 step 3; RFC 6675 5 (A), cwnd = ssthresh
			 * as Linux's end of a reduction */
			pcb->in_recovery = false;
			pcb->cwnd = pcb->sack_ok ? pcb->ssthresh
						 : ks_tcp_min32(pcb->ssthresh,
								ks_tcp_flight(pcb) + pcb->mss);
		} else if (!pcb->sack_ok) {
			/* A partial ACK: the next hole is lost too. */
			pcb->snd_una = s->h->ack;
			ks_tcp_retransmit_head(pcb);
			pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked + pcb->mss : pcb->mss;
		}
	} else if (!ks_tcp_ecn_in_cwr(pcb)) {
		pcb->cc->on_ack(pcb, acked); /* not while reducing for an ECE */
	}
	pcb->dupacks = 0;
}

/* Whether an ACK that does not move snd_una is a duplicate: RFC 5681's
 * definition; with SACK, RFC 6675's (it SACKs new data), or RFC 5681's
 * when it carries no blocks (a peer that sends none). */
static bool is_dupack(const struct ks_tcp_pcb *pcb, const struct seg *s, uint32_t wnd,
		      uint32_t sacked)
{
	const struct ks_tcp_hdr *h = s->h;

	if (h->ack != pcb->snd_una || pcb->snd_una == pcb->snd_max)
		return false;
	if (pcb->sack_ok && sacked)
		return true;
	if (pcb->sack_ok && h->opt.nsack)
		return false;
	return s->len == 0 && !s->fin && wnd == pcb->snd_wnd;
}

/* RFC 6675 5: with SACK, recovery starts at the third duplicate ACK or
 * when the first unacknowledged byte is deemed lost; not during a
 * timeout's go-back (RFC 6675 5.1). */
static void sack_recovery(struct ks_tcp_pcb *pcb)
{
	if (!pcb->sack_ok || pcb->in_recovery || pcb->recover_hold ||
	    pcb->snd_una == pcb->snd_max || pcb->snd_nxt != pcb->snd_max)
		return;
	if (pcb->dupacks >= 3 || ks_tcp_sack_lost(pcb, pcb->snd_una))
		ks_tcp_sack_enter(pcb);
}

/* Fifth: the ACK field. */
static int check_ack(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;

	if (!(h->flags & KS_TCP_ACK))
		return STOP;
	if (pcb->state == KS_TCP_SYN_RECV) {
		if (ks_seq_le(h->ack, pcb->snd_una) || ks_seq_gt(h->ack, pcb->snd_max)) {
			ks_tcp_send_rst(pcb, h->ack, 0, 0);
			return STOP;
		}
		pcb->snd_una = pcb->iss + 1;
		establish(pcb, h, (uint32_t)h->wnd << pcb->snd_wscale);
		if (pcb->parent)
			pcb->hooks->event(pcb, KS_TCP_EV_ACCEPT);
	}
	if (ks_seq_gt(h->ack, pcb->snd_max)) {
		pcb->ack_now = true; /* it acknowledges what we never sent */
		return STOP;
	}
	if (ks_seq_lt(h->ack, pcb->snd_una - pcb->max_wnd)) {
		ks_tcp_challenge_ack(pcb); /* RFC 5961 5.2: too old */
		return STOP;
	}
	uint32_t wnd = (uint32_t)h->wnd << pcb->snd_wscale;
	uint32_t sacked = pcb->sack_ok ? ks_tcp_sack_take(pcb, h) : 0;
	bool advanced = ks_seq_gt(h->ack, pcb->snd_una);
	if (advanced) {
		uint32_t acked = h->ack - pcb->snd_una;
		take_acked(pcb, h->ack);
		if (pcb->snd_urg && ks_seq_ge(h->ack, pcb->snd_up))
			pcb->snd_urg = false; /* urgent mode ends */
		new_ack(pcb, s, acked);
		pcb->snd_una = h->ack;
		if (pcb->sack_ok)
			ks_tcp_sack_trim(pcb);
		if (ks_seq_lt(pcb->snd_nxt, pcb->snd_una))
			pcb->snd_nxt = pcb->snd_una;
		pcb->t_rtx = 0;
		pcb->persist = false;
		if (pcb->snd_una != pcb->snd_max)
			ks_tcp_arm_rtx(pcb);
		pcb->hooks->event(pcb, KS_TCP_EV_WRITE);
	} else if (is_dupack(pcb, s, wnd, sacked)) {
		dupack(pcb);
	}
	if (pcb->tlp_out)
		ks_tcp_tlp_ack(pcb, h, advanced, sacked, s->len || s->fin);
	sack_recovery(pcb);
	/* The send window (RFC 9293 3.10.7.4, fifth step). */
	if (ks_seq_lt(pcb->snd_wl1, h->seq) ||
	    (pcb->snd_wl1 == h->seq && ks_seq_le(pcb->snd_wl2, h->ack))) {
		if (wnd > pcb->snd_wnd)
			pcb->hooks->event(pcb, KS_TCP_EV_WRITE);
		pcb->snd_wnd = wnd;
		pcb->snd_wl1 = h->seq;
		pcb->snd_wl2 = h->ack;
		if (wnd > pcb->max_wnd)
			pcb->max_wnd = wnd;
		if (wnd && pcb->persist) {
			pcb->persist = false;
			pcb->t_rtx = 0;
			pcb->backoff = 0;
		}
	}
	if (!pcb->fin_acked)
		return GO;
	switch (pcb->state) {
	case KS_TCP_FIN_WAIT1:
		ks_tcp_set_state(pcb, KS_TCP_FIN_WAIT2);
		if (pcb->rcv_shut) /* orphaned (or SHUT_RD): tcp_fin_timeout */
			pcb->t_close = ks_tcp_now(pcb) +
				       (pcb->linger2_s > 0 ? (uint64_t)pcb->linger2_s * 1000000000ull
							   : KS_TCP_FIN_TIMEOUT_NS);
		break;
	case KS_TCP_CLOSING:
		ks_tcp_enter_timewait(pcb);
		return STOP;
	case KS_TCP_LAST_ACK:
		ks_tcp_done(pcb, 0);
		return STOP;
	default:
		break;
	}
	return GO;
}

/* The states in which the peer's text (and urgent pointer) is still taken
 * (RFC 9293 3.10.7.4, sixth and seventh steps): before its FIN. */
static bool takes_text(const struct ks_tcp_pcb *pcb)
{
	return pcb->state == KS_TCP_ESTABLISHED || pcb->state == KS_TCP_FIN_WAIT1 ||
	       pcb->state == KS_TCP_FIN_WAIT2;
}

/* Sixth: URG (Linux's tcp_check_urg). The pointer names the byte before
 * it (BSD's reading, RFC 6093); a new pointer past what was read starts
 * waiting for that byte. */
static void check_urg(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	const struct ks_tcp_hdr *h = s->h;

	if (!(h->flags & KS_TCP_URG) || !h->urp || pcb->fin_rcvd || !takes_text(pcb))
		return;
	uint32_t ptr = h->seq + h->urp - 1;
	if (ks_seq_lt(ptr, pcb->rcv_read))
		return; /* already read */
	if (pcb->urg_state != KS_TCP_URG_NONE && pcb->urg_state != KS_TCP_URG_READ &&
	    ptr == pcb->rcv_up)
		return; /* the same mark again */
	pcb->rcv_up = ptr;
	pcb->urg_state = KS_TCP_URG_NOTYET;
}

/* After the text: the urgent byte, if it arrived, is taken out. */
static void urg_arrived(struct ks_tcp_pcb *pcb)
{
	if (pcb->urg_state != KS_TCP_URG_NOTYET || !ks_seq_lt(pcb->rcv_up, pcb->rcv_nxt) ||
	    pcb->fin_rcvd)
		return;
	ks_tcp_ring_get(&pcb->rbuf, pcb->rcv_up - pcb->rcv_read, &pcb->urg_byte, 1);
	pcb->urg_state = KS_TCP_URG_VALID;
	pcb->hooks->event(pcb, KS_TCP_EV_URG);
}

/* Adds [start, end) to the out-of-order ranges, newest first, merged.
 * false: no room for another range (the data is dropped). */
static bool ooo_add(struct ks_tcp_pcb *pcb, uint32_t start, uint32_t end)
{
	struct ks_tcp_ooo r = {start, end};
	unsigned n = 0;

	for (unsigned i = 0; i < pcb->nooo; i++) {
		struct ks_tcp_ooo *o = &pcb->ooo[i];
		if (ks_seq_le(o->start, r.end) && ks_seq_ge(o->end, r.start)) {
			if (ks_seq_lt(o->start, r.start))
				r.start = o->start;
			if (ks_seq_gt(o->end, r.end))
				r.end = o->end;
		} else {
			pcb->ooo[n++] = *o;
		}
	}
	if (n == KS_TCP_OOO_RANGES)
		return false;
	for (unsigned i = n; i > 0; i--)
		pcb->ooo[i] = pcb->ooo[i - 1];
	pcb->ooo[0] = r;
	pcb->nooo = (uint8_t)(n + 1);
	return true;
}

/* After rcv_nxt moved: ranges it reached become in-order data. */
static void ooo_collect(struct ks_tcp_pcb *pcb)
{
	bool again = true;

	while (again) {
		again = false;
		for (unsigned i = 0; i < pcb->nooo; i++) {
			struct ks_tcp_ooo *o = &pcb->ooo[i];
			if (ks_seq_gt(o->start, pcb->rcv_nxt))
				continue;
			if (ks_seq_gt(o->end, pcb->rcv_nxt))
				pcb->rcv_nxt = o->end;
			pcb->ooo[i] = pcb->ooo[--pcb->nooo];
			again = true;
			break;
		}
	}
}

/* Linux's tcp_rcv_rtt_measure_ts: a full-sized segment that echoes a TSval
 * not echoed before tells how old that TSval is, a round trip. A
 * connection that only receives has no other estimate (the sender's times
 * the data it sends, and it sends none), and its buffer tuning runs once
 * per round trip (tcp_user.c). Smoothed by 1/8, as the sender's. */
static void rcv_rtt_measure(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	const struct ks_tcp_opts *o = &s->h->opt;

	if (!pcb->ts_ok || !o->ts_ok || !o->tsecr || o->tsecr == pcb->rcv_rtt_tsecr ||
	    s->len < pcb->mss)
		return;
	pcb->rcv_rtt_tsecr = o->tsecr;
	int32_t ms = (int32_t)(ks_tcp_ts_now(pcb) - o->tsecr);
	if (ms < 0 || ms > 120000) /* not one of ours, or older than an RTO can be */
		return;
	uint64_t ns = ms ? (uint64_t)ms * 1000000ull : 500000ull; /* under a tick: half of one */
	pcb->rcv_rtt_ns = pcb->rcv_rtt_ns ? pcb->rcv_rtt_ns - pcb->rcv_rtt_ns / 8 + ns / 8 : ns;
}

/* Seventh: the segment text goes into the receive ring. */
static int take_text(struct ks_tcp_pcb *pcb, struct seg *s)
{
	if (!takes_text(pcb))
		return GO; /* the peer's FIN came already: ignore */
	if (!s->len)
		return GO;
	if (pcb->rcv_shut && ks_seq_gt(s->seq + s->len, pcb->rcv_nxt) &&
	    pcb->state != KS_TCP_ESTABLISHED) {
		/* Linux: data for a socket that will never read it resets. */
		ks_tcp_send_rst(pcb, pcb->snd_nxt, 0, 0);
		ks_tcp_done(pcb, KS_ECONNRESET);
		return STOP;
	}
	uint32_t unit = 1u << pcb->rcv_wscale;
	if (!pcb->rbuf.cap &&
	    ks_tcp_ring_reserve(&pcb->rbuf, 0, pcb->rcv_limit + unit)) {
		ks_inet_count_drop(pcb->st, -KS_ENOMEM);
		return STOP;
	}
	uint32_t off = s->seq - pcb->rcv_read;
	if (off + s->len > pcb->rbuf.cap) {
		uint32_t fit = off >= pcb->rbuf.cap ? 0 : pcb->rbuf.cap - off;
		s->len = fit;
		s->fin = false;
		pcb->ack_now = true;
		/* Nothing fits (the ring is smaller than the window offered
		 * before SO_RCVBUF shrank): drop it, rather than record an
		 * empty out-of-order range, which would go out as an empty
		 * SACK block. */
		if (!s->len)
			return GO;
	}
	ks_tcp_ring_put(&pcb->rbuf, off, s->data, s->len);
	rcv_rtt_measure(pcb, s);
	pcb->bytes_received += s->len;
	pcb->last_data_recv = ks_tcp_now(pcb);
	if (s->seq == pcb->rcv_nxt) {
		bool hole_filled = pcb->nooo != 0;
		pcb->rcv_nxt += s->len;
		ooo_collect(pcb);
		if (hole_filled || (pcb->quickacks && !pcb->pingpong)) {
			pcb->ack_now = true;
			if (pcb->quickacks)
				pcb->quickacks--;
		} else if (++pcb->unacked_segs >= 2 || pcb->rcv_nxt - pcb->rcv_wup > pcb->mss) {
			pcb->ack_now = true; /* RFC 1122 4.2.3.2: every second segment */
		} else if (!pcb->t_delack) {
			pcb->t_delack = ks_tcp_now(pcb) + KS_TCP_DELACK_NS;
		}
		pcb->hooks->event(pcb, KS_TCP_EV_READ);
	} else {
		if (!ooo_add(pcb, s->seq, s->seq + s->len))
			ks_inet_count_drop(pcb->st, -KS_ENOMEM);
		s->fin = false; /* a FIN past a hole waits for its retransmission */
		pcb->ack_now = true; /* a duplicate ACK, with SACK blocks */
	}
	return GO;
}

/* Eighth: FIN. */
static void take_fin(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	if (!s->fin || s->seq + s->len != pcb->rcv_nxt || pcb->fin_rcvd) {
		if (s->fin && pcb->fin_rcvd)
			pcb->ack_now = true; /* a retransmitted FIN */
		return;
	}
	pcb->rcv_nxt++;
	pcb->fin_rcvd = true;
	pcb->ack_now = true;
	/* Out-of-order data past the end of the stream is a peer's mistake:
	 * forget it (Linux's tcp_fin purges its out-of-order queue), or a
	 * range could start at or before RCV.NXT and go out as SACK. */
	pcb->nooo = 0;
	switch (pcb->state) {
	case KS_TCP_SYN_RECV:
	case KS_TCP_ESTABLISHED:
		ks_tcp_set_state(pcb, KS_TCP_CLOSE_WAIT);
		break;
	case KS_TCP_FIN_WAIT1:
		ks_tcp_set_state(pcb, pcb->fin_acked ? KS_TCP_TIME_WAIT : KS_TCP_CLOSING);
		if (pcb->fin_acked)
			ks_tcp_enter_timewait(pcb);
		break;
	case KS_TCP_FIN_WAIT2:
		ks_tcp_enter_timewait(pcb);
		break;
	default:
		break;
	}
	pcb->hooks->event(pcb, KS_TCP_EV_READ);
}

/* RFC 7323 4.3: remember the newest timestamp of a segment that covers
 * the last ACK we sent. */
static void update_ts_recent(struct ks_tcp_pcb *pcb, const struct seg *s)
{
	const struct ks_tcp_opts *o = &s->h->opt;

	if (pcb->ts_ok && o->ts_ok && ks_seq_le(s->h->seq, pcb->rcv_wup) &&
	    (int32_t)(o->tsval - pcb->ts_recent) >= 0) {
		pcb->ts_recent = o->tsval;
		pcb->ts_recent_at = ks_tcp_now(pcb);
	}
}

/* Linux's tcp_timewait_state_process: a SYN with a higher sequence number
 * (or a newer timestamp) may open a new connection on the pair. */
static bool timewait_reuse(const struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h)
{
	bool ts = pcb->ts_ok && h->opt.ts_ok;

	if ((h->flags & (KS_TCP_SYN | KS_TCP_RST | KS_TCP_ACK)) != KS_TCP_SYN)
		return false;
	if (ts && (int32_t)(h->opt.tsval - pcb->ts_recent) < 0)
		return false; /* PAWS rejects it */
	return ks_seq_gt(h->seq, pcb->rcv_nxt) || (ts && (int32_t)(h->opt.tsval - pcb->ts_recent) > 0);
}

/* The peer's SYN again while we are in SYN-RECEIVED: our SYN-ACK was lost,
 * so it goes again (Linux's tcp_check_req). This must come before the
 * sequence check, which finds the SYN old and would answer with a bare
 * ACK that a peer in SYN-SENT drops, leaving it to wait for our SYN-ACK
 * retransmission timer. */
static bool synrecv_dup_syn(const struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h)
{
	return pcb->state == KS_TCP_SYN_RECV && h->seq == pcb->irs &&
	       (h->flags & (KS_TCP_SYN | KS_TCP_ACK | KS_TCP_RST)) == KS_TCP_SYN;
}

static int sync_input(struct ks_tcp_pcb *pcb, struct seg *s)
{
	if (pcb->state == KS_TCP_TIME_WAIT && timewait_reuse(pcb, s->h))
		return KS_TCP_IN_TW_REUSE;
	if (synrecv_dup_syn(pcb, s->h)) {
		(void)ks_tcp_send_syn(pcb);
		return 0;
	}
	if (!check_paws(pcb, s))
		return 0;
	/* RFC 9293 3.10.7.4, eighth step, TIME-WAIT: a retransmitted FIN
	 * (its FIN at RCV.NXT - 1) restarts the 2 MSL wait, and is answered.
	 * It has to be caught here: the sequence check finds it old, so it
	 * never reaches the eighth step. */
	if (pcb->state == KS_TCP_TIME_WAIT && (s->h->flags & KS_TCP_FIN) &&
	    !(s->h->flags & KS_TCP_RST) && s->h->seq + s->h->payload_len == pcb->rcv_nxt - 1)
		ks_tcp_enter_timewait(pcb);
	if (!check_seq(pcb, s))
		return 0;
	if (!check_rst(pcb, s) || !check_syn(pcb, s))
		return 0;
	update_ts_recent(pcb, s);
	if (!check_ack(pcb, s))
		return 0;
	ks_tcp_ecn_input(pcb, s->h, s->ecn);
	check_urg(pcb, s);
	if (!take_text(pcb, s))
		return 0;
	urg_arrived(pcb);
	take_fin(pcb, s);
	return 0;
}

int ks_tcp_input(struct ks_tcp_pcb *pcb, struct ks_pbuf *p, uint32_t src, uint32_t dst,
		 const struct ks_tcp_hdr *h)
{
	struct seg s = {h, src, dst, h->seq + ((h->flags & KS_TCP_SYN) ? 1 : 0), h->payload,
			h->payload_len, (h->flags & KS_TCP_FIN) != 0, ks_pbuf_ecn(p)};
	int rc = 0;

	pcb->segs_in++;
	pcb->last_rcv = ks_tcp_now(pcb);
	pcb->probes = 0;
	switch (pcb->state) {
	case KS_TCP_CLOSE:
		break;
	case KS_TCP_LISTEN:
		listen_input(pcb, &s);
		break;
	case KS_TCP_SYN_SENT:
		syn_sent_input(pcb, &s);
		break;
	default:
		rc = sync_input(pcb, &s);
		break;
	}
	if (rc == KS_TCP_IN_TW_REUSE)
		return rc; /* p stays the caller's, for a listener */
	ks_pbuf_free(p);
	if (rc == 0 && pcb->state != KS_TCP_CLOSE && pcb->state != KS_TCP_LISTEN) {
		if (pcb->keepalive && !pcb->t_keep)
			ks_tcp_arm_keepalive(pcb);
		ks_tcp_output(pcb);
	}
	return rc;
}

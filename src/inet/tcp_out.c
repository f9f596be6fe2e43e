/*
 * tcp_out.c - what the engine sends: segments built from the send ring
 * (so the ring is the retransmission queue), SYNs, ACKs and resets; and
 * the rules of when to send (RFC 9293 3.8.6; Nagle, RFC 896 and RFC 1122
 * 4.2.3.4; sender silly-window avoidance; corking, as Linux's TCP_CORK).
 */
#include "tcp_impl.h"

/* The options of a segment: on a SYN what we offer (or, on a SYN-ACK,
 * accept); else timestamps if agreed and SACK blocks if we hold
 * out-of-order data. */
static void fill_opts(struct ks_tcp_pcb *pcb, uint8_t flags, struct ks_tcp_opts *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	if (flags & KS_TCP_SYN) {
		bool synack = (flags & KS_TCP_ACK) != 0;
		o->mss_ok = true;
		/* TCP_MAXSEG clamps what we announce (Linux's tcp_advertise_mss) */
		o->mss = pcb->user_mss && pcb->user_mss < pcb->adv_mss ? pcb->user_mss : pcb->adv_mss;
		o->ws_ok = !synack || pcb->ws_ok;
		o->ws = pcb->rcv_wscale;
		o->sack_perm = !synack || pcb->sack_ok;
		o->ts_ok = !synack || pcb->ts_ok;
	} else {
		o->ts_ok = pcb->ts_ok;
		if (pcb->sack_ok && pcb->nooo && !(flags & KS_TCP_RST)) {
			/* RFC 2018 4: the block holding the latest segment
			 * first; ours are kept newest first. */
			for (unsigned i = 0; i < pcb->nooo && i < KS_TCP_SACK_MAX; i++) {
				o->sack[i][0] = pcb->ooo[i].start;
				o->sack[i][1] = pcb->ooo[i].end;
				o->nsack++;
			}
		}
	}
	if (o->ts_ok) {
		o->tsval = ks_tcp_ts_now(pcb);
		o->tsecr = (flags & KS_TCP_ACK) ? pcb->ts_recent : 0;
	}
}

/* The window field: unscaled on a SYN (RFC 7323 2.2). Records what was
 * offered. */
static uint16_t window_field(struct ks_tcp_pcb *pcb, uint8_t flags)
{
	uint32_t w = ks_tcp_rcv_window(pcb);
	uint32_t field = (flags & KS_TCP_SYN) ? w : w >> pcb->rcv_wscale;

	if (field > 65535)
		field = 65535;
	/* rcv_adv is the right edge as offered, which input accepts data up
	 * to. It never moves left: when the ring is nearly full, scaling
	 * may round the field down by less than a unit (RFC 7323 2.4), and
	 * the peer may still send up to the edge it was offered before
	 * (which the ring holds: every edge offered fitted it). */
	uint32_t edge = pcb->rcv_nxt + ((flags & KS_TCP_SYN) ? field : field << pcb->rcv_wscale);
	if (ks_seq_gt(edge, pcb->rcv_adv))
		pcb->rcv_adv = edge;
	pcb->rcv_wup = pcb->rcv_nxt;
	return (uint16_t)field;
}

int ks_tcp_xmit(struct ks_tcp_pcb *pcb, uint32_t seq, uint8_t flags, uint32_t off, uint32_t len)
{
	struct ks_tcp_hdr h = {0};
	struct ks_pbuf *p;

	fill_opts(pcb, flags, &h.opt);
	h.hlen = (uint8_t)(KS_TCP_HLEN + ks_tcp_opts_len(&h.opt));
	int err = ks_pbuf_alloc(&pcb->st->pbufs, KS_PBUF_ROOM_TRANSPORT, h.hlen + len, &p);
	if (err)
		return ks_inet_count_drop(pcb->st, err);
	if (len)
		ks_tcp_ring_get(&pcb->sbuf, off, p->data + h.hlen, len);
	h.sport = pcb->lport;
	h.dport = pcb->rport;
	h.seq = seq;
	unsigned ect;
	h.flags = (uint8_t)(flags | ks_tcp_ecn_out(pcb, flags, seq, len, &ect));
	ks_pbuf_set_ecn(p, ect);
	if (flags & KS_TCP_ACK)
		h.ack = pcb->rcv_nxt;
	h.wnd = (flags & KS_TCP_RST) ? 0 : window_field(pcb, flags);
	if (pcb->snd_urg && !(flags & (KS_TCP_RST | KS_TCP_SYN)) && ks_seq_gt(pcb->snd_up, seq)) {
		/* Linux's tcp_options_write: the pointer counts from this
		 * segment, one past the urgent byte; 0xffff when farther. */
		uint32_t up = pcb->snd_up - seq;
		h.flags |= KS_TCP_URG;
		h.urp = (uint16_t)(up > 0xffff ? 0xffff : up);
	}
	if (pcb->csum_off)
		(void)ks_tcp_emit_hdr(p->data, p->len, &h);
	else
		(void)ks_tcp_emit(p->data, p->len, &h, pcb->laddr, pcb->raddr);
	if (flags & KS_TCP_ACK) {
		/* This segment carries our acknowledgement. */
		pcb->t_delack = 0;
		pcb->unacked_segs = 0;
		pcb->ack_now = false;
	}
	pcb->segs_out++;
	if (len) {
		uint64_t now = ks_tcp_now(pcb);
		/* Linux's tcp_event_data_sent: data that answers data received
		 * within the delayed-ACK time makes the connection interactive. */
		if (pcb->last_data_recv && now - pcb->last_data_recv < KS_TCP_DELACK_NS)
			pcb->pingpong = true;
		pcb->last_data_sent = now;
	}
	pcb->hooks->output(pcb, p, pcb->laddr, pcb->raddr);
	return 0;
}

int ks_tcp_send_syn(struct ks_tcp_pcb *pcb)
{
	uint8_t flags = KS_TCP_SYN;

	if (pcb->state == KS_TCP_SYN_RECV)
		flags |= KS_TCP_ACK;
	return ks_tcp_xmit(pcb, pcb->iss, flags, 0, 0);
}

void ks_tcp_send_ack(struct ks_tcp_pcb *pcb)
{
	if (!ks_tcp_synchronized(pcb) && pcb->state != KS_TCP_SYN_RECV)
		return;
	(void)ks_tcp_xmit(pcb, pcb->snd_nxt, KS_TCP_ACK, 0, 0);
	/* The ACK ends a delayed one: the owner called this directly
	 * (TCP_QUICKACK) and must learn that its deadline moved. */
	ks_tcp_timers_changed(pcb);
}

void ks_tcp_send_rst(struct ks_tcp_pcb *pcb, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct ks_tcp_hdr h = {0};
	struct ks_pbuf *p;

	if (ks_inet_count_drop(pcb->st,
			       ks_pbuf_alloc(&pcb->st->pbufs, KS_PBUF_ROOM_TRANSPORT, KS_TCP_HLEN, &p)))
		return;
	h.sport = pcb->lport;
	h.dport = pcb->rport;
	h.seq = seq;
	h.ack = ack;
	h.flags = (uint8_t)(KS_TCP_RST | flags);
	h.hlen = KS_TCP_HLEN;
	(void)ks_tcp_emit(p->data, p->len, &h, pcb->laddr, pcb->raddr);
	pcb->segs_out++;
	pcb->hooks->output(pcb, p, pcb->laddr, pcb->raddr);
}

void ks_tcp_challenge_ack(struct ks_tcp_pcb *pcb)
{
	/* RFC 5961 3.2, 4.2, 5.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. The
	 * RFC's rate limit is left out (Linux's default: 1000/s). */
	ks_tcp_send_ack(pcb);
}

/* RFC 9293 3.10.7.1: the reset for a segment nobody wants. */
struct ks_pbuf *ks_tcp_reset_reply(struct ks_inet_stack *st, uint32_t src, uint32_t dst,
				   const struct ks_tcp_hdr *h)
{
	struct ks_tcp_hdr r = {0};
	struct ks_pbuf *p;

	if (h->flags & KS_TCP_RST)
		return NULL;
	if (ks_inet_count_drop(st, ks_pbuf_alloc(&st->pbufs, KS_PBUF_ROOM_TRANSPORT, KS_TCP_HLEN, &p)))
		return NULL;
	r.sport = h->dport;
	r.dport = h->sport;
	r.hlen = KS_TCP_HLEN;
	if (h->flags & KS_TCP_ACK) {
		r.seq = h->ack;
		r.flags = KS_TCP_RST;
	} else {
		uint32_t seglen = h->payload_len + ((h->flags & KS_TCP_SYN) ? 1 : 0) +
				  ((h->flags & KS_TCP_FIN) ? 1 : 0);
		r.seq = 0;
		r.ack = h->seq + seglen;
		r.flags = KS_TCP_RST | KS_TCP_ACK;
	}
	(void)ks_tcp_emit(p->data, p->len, &r, dst, src);
	return p;
}

/* Sends the first unacknowledged segment again (fast retransmit, or the
 * head after a timeout). */
void ks_tcp_retransmit_head(struct ks_tcp_pcb *pcb)
{
	if (pcb->state == KS_TCP_SYN_SENT || pcb->state == KS_TCP_SYN_RECV) {
		(void)ks_tcp_send_syn(pcb);
		return;
	}
	uint32_t off = pcb->snd_una - pcb->sbuf_seq;
	uint32_t data = pcb->snd_len > off ? pcb->snd_len - off : 0;
	/* Only what was sent: bytes past SND.MAX are new data, which the
	 * windows have not allowed, and an ACK for them would look like one
	 * for data never sent (SND.MAX does not move here). */
	data = ks_tcp_min32(data, pcb->snd_max - pcb->snd_una);
	uint32_t len = ks_tcp_min32(data, pcb->mss);
	uint8_t flags = KS_TCP_ACK;

	if (len == data && pcb->fin_sent && pcb->snd_max - pcb->snd_una > len)
		flags |= KS_TCP_FIN;
	if (len)
		flags |= KS_TCP_PSH;
	if (!len && !(flags & KS_TCP_FIN))
		return;
	(void)ks_tcp_xmit(pcb, pcb->snd_una, flags, off, len);
	pcb->total_retrans++;
}

/* Whether the state lets us send data or a FIN: not before our SYN is
 * acknowledged (RFC 9293 3.10.4: a close in SYN-RECEIVED queues the FIN
 * until then). */
static bool may_send(const struct ks_tcp_pcb *pcb)
{
	if (pcb->snd_una == pcb->iss)
		return false;
	return ks_tcp_state_sends(pcb->state);
}

enum { KS_TCP_NORMAL, KS_TCP_MORE, KS_TCP_PUSH };

/* RFC 9293 3.8.6.2.1 and RFC 1122 4.2.3.4: whether to hold back a
 * segment of len < MSS bytes when avail bytes are waiting. */
static bool hold_small(const struct ks_tcp_pcb *pcb, uint32_t len, uint32_t avail, int mode)
{
	bool last = len == avail; /* it empties the queue */

	if (len >= pcb->mss || (last && mode == KS_TCP_PUSH))
		return false;
	if (!last)
		return len < pcb->max_wnd / 2 && pcb->snd_nxt != pcb->snd_una; /* sender SWS */
	if (pcb->fin_queued)
		return false; /* the end of the stream goes out at once */
	if (pcb->cork || mode == KS_TCP_MORE)
		return true;
	/* Nagle: one small segment in flight at a time. */
	return !pcb->nodelay && pcb->snd_nxt != pcb->snd_una;
}

/* Sends from snd_nxt what the windows allow: new data, or after a
 * timeout's go-back the data again (skipping what the peer SACKed). */
static void send_new(struct ks_tcp_pcb *pcb, int mode)
{
	for (;;) {
		if (pcb->nsacked)
			ks_tcp_sack_skip(pcb);
		uint32_t off = pcb->snd_nxt - pcb->sbuf_seq;
		uint32_t avail = pcb->snd_len > off ? pcb->snd_len - off : 0;
		uint32_t flight = pcb->snd_nxt - pcb->snd_una;
		uint32_t cflight = ks_tcp_cc_flight(pcb);
		uint32_t usable = ks_tcp_min32(pcb->snd_wnd > flight ? pcb->snd_wnd - flight : 0,
					       pcb->cwnd > cflight ? pcb->cwnd - cflight : 0);
		uint32_t len = ks_tcp_min32(ks_tcp_min32(avail, usable), pcb->mss);
		bool resend = ks_seq_lt(pcb->snd_nxt, pcb->snd_max);

		if (pcb->fin_sent)
			return;
		if (resend && pcb->nsacked)
			len = ks_tcp_sack_clip(pcb, len);
		if (len == 0) {
			if (avail == 0 && pcb->fin_queued) {
				if (resend)
					pcb->total_retrans++;
				(void)ks_tcp_xmit(pcb, pcb->snd_nxt, KS_TCP_FIN | KS_TCP_ACK, 0, 0);
				pcb->fin_sent = true;
				pcb->snd_nxt++;
				if (ks_seq_gt(pcb->snd_nxt, pcb->snd_max))
					pcb->snd_max = pcb->snd_nxt;
				ks_tcp_arm_rtx(pcb);
			} else if (avail && pcb->snd_wnd == 0 && flight == 0 && !pcb->t_rtx) {
				pcb->persist = true; /* RFC 9293 3.8.6.1: probe */
				ks_tcp_arm_rtx(pcb);
			}
			return;
		}
		if (!resend && hold_small(pcb, len, avail, mode))
			return; /* (what was sent once is never held) */
		uint8_t flags = KS_TCP_ACK;
		if (len == avail)
			flags |= KS_TCP_PSH;
		bool fin = len == avail && pcb->fin_queued;
		if (fin)
			flags |= KS_TCP_FIN;
		if (ks_tcp_xmit(pcb, pcb->snd_nxt, flags, off, len)) {
			/* No buffer: the retransmission timer tries again, also
			 * when nothing is in flight (rtx_timeout then sends
			 * what is queued), or the data would wait for the next
			 * segment or write. */
			if (!pcb->t_rtx)
				ks_tcp_arm_rtx(pcb);
			return;
		}
		if (resend)
			pcb->total_retrans++;
		if (!pcb->rtt_timing && pcb->snd_nxt == pcb->snd_max) {
			pcb->rtt_timing = true; /* Karn: time only new data */
			pcb->rtt_seq = pcb->snd_nxt + len;
			pcb->rtt_start = ks_tcp_now(pcb);
		}
		pcb->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			pcb->fin_sent = true;
		if (ks_seq_gt(pcb->snd_nxt, pcb->snd_max))
			pcb->snd_max = pcb->snd_nxt;
		if (!pcb->t_rtx || pcb->persist) {
			pcb->persist = false;
			ks_tcp_arm_rtx(pcb);
		}
	}
}

/* RFC 6675 5 (C): in SACK recovery NextSeg's rule 1 goes before new
 * data, rule 3 after it. */
static void send_more(struct ks_tcp_pcb *pcb, int mode)
{
	bool sack = pcb->in_recovery && pcb->sack_ok;
	uint32_t max = pcb->snd_max;

	if (!may_send(pcb))
		return;
	if (sack)
		ks_tcp_sack_resend(pcb, false);
	send_new(pcb, mode);
	if (sack)
		ks_tcp_sack_resend(pcb, true);
	if (pcb->tlp_on && pcb->snd_max != max)
		ks_tcp_tlp_arm(pcb); /* after new data (RFC 8985 7.2) */
}

void ks_tcp_output(struct ks_tcp_pcb *pcb)
{
	/* SO_KEEPALIVE set on a connection that is already up: arm it here
	 * (the owner calls this after a setting changed), or an idle
	 * connection, which is what keepalive is for, would never probe. */
	if (pcb->keepalive && !pcb->t_keep &&
	    (pcb->state == KS_TCP_ESTABLISHED || pcb->state == KS_TCP_CLOSE_WAIT ||
	     pcb->state == KS_TCP_FIN_WAIT2))
		ks_tcp_arm_keepalive(pcb);
	send_more(pcb, KS_TCP_NORMAL);
	if (pcb->ack_now)
		ks_tcp_send_ack(pcb);
	ks_tcp_timers_changed(pcb);
}

void ks_tcp_push(struct ks_tcp_pcb *pcb)
{
	send_more(pcb, KS_TCP_PUSH);
	ks_tcp_timers_changed(pcb);
}

long ks_tcp_send(struct ks_tcp_pcb *pcb, uint32_t n,
		 int (*copy)(void *arg, void *dst, uint32_t len), void *arg, unsigned flags)
{
	uint32_t need = pcb->snd_len + n, done = 0;
	int err = 0;

	if (need > pcb->sbuf.cap) {
		uint32_t cap = pcb->sbuf.cap ? pcb->sbuf.cap : 4096;
		while (cap < need)
			cap *= 2;
		if (ks_tcp_ring_reserve(&pcb->sbuf, pcb->snd_len, cap))
			return -KS_ENOBUFS;
	}
	while (n) {
		uint32_t k;
		uint8_t *d = ks_tcp_ring_span(&pcb->sbuf, pcb->snd_len, n, &k);
		err = copy(arg, d, k);
		if (err)
			break; /* what was copied before stays queued */
		pcb->snd_len += k;
		done += k;
		n -= k;
	}
	if ((flags & KS_TCP_SEND_URG) && done) {
		/* Linux's tcp_mark_urg: urgent mode up to the end of what is
		 * queued, pushed at once. */
		pcb->snd_up = pcb->sbuf_seq + pcb->snd_len;
		pcb->snd_urg = true;
	}
	send_more(pcb, (flags & KS_TCP_SEND_URG)    ? KS_TCP_PUSH
		       : (flags & KS_TCP_SEND_MORE) ? KS_TCP_MORE
						    : KS_TCP_NORMAL);
	if (pcb->ack_now)
		ks_tcp_send_ack(pcb);
	ks_tcp_timers_changed(pcb);
	return done ? (long)done : err;
}

/*
 * tcp_timer.c - time in the engine: the retransmission timeout (RFC 6298,
 * Karn's rule, exponential backoff; it also retries SYNs and probes a
 * zero window, RFC 9293 3.8.6.1), the delayed ACK (RFC 1122 4.2.3.2, 40 ms
 * as Linux), keepalive (RFC 1122 4.2.3.6 with Linux's defaults and
 * options), and the end of FIN-WAIT-2 and TIME-WAIT. Deadlines are stack
 * times in the pcb; ks_tcp_timer runs the due ones and the owner arms one
 * timer for ks_tcp_next_deadline.
 */
#include "tcp_impl.h"

#define NS_PER_S 1000000000ull

void ks_tcp_timers_changed(struct ks_tcp_pcb *pcb)
{
	pcb->hooks->timer(pcb);
}

static uint64_t backed_off_rto(const struct ks_tcp_pcb *pcb)
{
	uint64_t rto = pcb->rto_ns;

	for (unsigned i = 0; i < pcb->backoff && rto < KS_TCP_RTO_MAX_NS; i++)
		rto *= 2;
	return rto > KS_TCP_RTO_MAX_NS ? KS_TCP_RTO_MAX_NS : rto;
}

void ks_tcp_arm_rtx(struct ks_tcp_pcb *pcb)
{
	pcb->t_rtx = ks_tcp_now(pcb) + backed_off_rto(pcb);
	/* While retransmitting, fire no later than TCP_USER_TIMEOUT ends
	 * (Linux's tcp_clamp_rto_to_user_timeout), or the connection would
	 * outlive it by up to a backed-off RTO. */
	if (pcb->user_timeout_ms && pcb->rtx_since && !pcb->persist) {
		uint64_t end = pcb->rtx_since + (uint64_t)pcb->user_timeout_ms * 1000000ull;
		if (end > ks_tcp_now(pcb) && end < pcb->t_rtx)
			pcb->t_rtx = end; /* (never now: no timer firing at once) */
	}
	ks_tcp_tlp_arm(pcb); /* the probe timeout, when sooner */
}

void ks_tcp_arm_keepalive(struct ks_tcp_pcb *pcb)
{
	pcb->t_keep = pcb->keepalive ? pcb->last_rcv + (uint64_t)pcb->keepidle_s * NS_PER_S : 0;
}

void ks_tcp_set_keepalive(struct ks_tcp_pcb *pcb, bool on)
{
	if (pcb->keepalive == on && (!on || pcb->t_keep))
		return;
	pcb->keepalive = on;
	ks_tcp_arm_keepalive(pcb);
	ks_tcp_timers_changed(pcb);
}

void ks_tcp_enter_timewait(struct ks_tcp_pcb *pcb)
{
	/* Nothing more is sent or received: the rings go (the receive ring
	 * only once its data is read), so a TIME-WAIT costs its pcb only. */
	ks_tcp_ring_free(&pcb->sbuf);
	pcb->snd_len = 0;
	if (!ks_tcp_readable(pcb))
		ks_tcp_ring_free(&pcb->rbuf);
	pcb->t_rtx = pcb->t_keep = pcb->t_delack = 0;
	pcb->persist = false;
	pcb->t_close = ks_tcp_now(pcb) + KS_TCP_TIMEWAIT_NS;
	ks_tcp_set_state(pcb, KS_TCP_TIME_WAIT);
}

/* RFC 6298 2.2 and 2.3, with Linux's 200 ms floor (RFC 6298 says 1 s). */
void ks_tcp_rtt_sample(struct ks_tcp_pcb *pcb, uint64_t r)
{
	if (!pcb->srtt_ns) {
		pcb->srtt_ns = r ? r : 1;
		pcb->rttvar_ns = r / 2;
	} else {
		uint64_t d = r > pcb->srtt_ns ? r - pcb->srtt_ns : pcb->srtt_ns - r;
		pcb->rttvar_ns = (3 * pcb->rttvar_ns + d) / 4;
		pcb->srtt_ns = (7 * pcb->srtt_ns + r) / 8;
		if (!pcb->srtt_ns)
			pcb->srtt_ns = 1;
	}
	uint64_t rto = pcb->srtt_ns + 4 * pcb->rttvar_ns;
	if (rto < KS_TCP_RTO_MIN_NS + pcb->srtt_ns)
		rto = KS_TCP_RTO_MIN_NS + pcb->srtt_ns; /* Linux: srtt + max(rttvar*4, 200 ms) */
	pcb->rto_ns = rto > KS_TCP_RTO_MAX_NS ? KS_TCP_RTO_MAX_NS : rto;
}

uint64_t ks_tcp_next_deadline(const struct ks_tcp_pcb *pcb)
{
	uint64_t t[4] = {pcb->t_rtx, pcb->t_delack, pcb->t_keep, pcb->t_close};
	uint64_t best = 0;

	for (int i = 0; i < 4; i++)
		if (t[i] && (!best || t[i] < best))
			best = t[i];
	return best;
}

/* The retransmission timer went off. */
static void rtx_timeout(struct ks_tcp_pcb *pcb)
{
	uint64_t now = ks_tcp_now(pcb);

	if (pcb->tlp_armed) {
		pcb->tlp_armed = false;
		ks_tcp_tlp_fire(pcb);
		return;
	}
	if (pcb->persist) {
		/* A zero-window probe: an old sequence number makes the peer
		 * answer with its window (Linux's tcp_xmit_probe_skb). */
		(void)ks_tcp_xmit(pcb, pcb->snd_una - 1, KS_TCP_ACK, 0, 0);
		if (pcb->backoff < 15)
			pcb->backoff++;
		ks_tcp_arm_rtx(pcb);
		return;
	}
	if (pcb->snd_una == pcb->snd_max) {
		/* Nothing in flight: everything was acknowledged meanwhile,
		 * or a segment found no buffer (send_more armed us); send
		 * what is queued. */
		ks_tcp_output(pcb);
		return;
	}
	if (pcb->state == KS_TCP_SYN_SENT || pcb->state == KS_TCP_SYN_RECV) {
		int limit = pcb->state == KS_TCP_SYN_SENT ? pcb->syn_retries : KS_TCP_SYNACK_RETRIES;
		if (pcb->backoff >= limit) {
			ks_tcp_done(pcb, pcb->state == KS_TCP_SYN_SENT ? KS_ETIMEDOUT : 0);
			return;
		}
		pcb->backoff++;
		pcb->rtt_timing = false;
		ks_tcp_retransmit_head(pcb);
		ks_tcp_arm_rtx(pcb);
		return;
	}
	if (pcb->snd_wnd == 0 && pcb->snd_len) {
		/* The peer shrank its window to zero with our data in flight
		 * (it kept less than we sent). Going back to SND.UNA sends
		 * nothing into a zero window, so the connection would time
		 * out after tcp_retries2 silent "retransmissions" while the
		 * peer is alive. Go back, and let the timer be the persist
		 * timer: probe (RFC 9293 3.8.6.1) until the window opens.
		 * (Linux resends the head here, with the same effect.) */
		pcb->snd_nxt = pcb->snd_una;
		pcb->fin_sent = false;
		pcb->rtt_timing = false;
		pcb->persist = true;
		(void)ks_tcp_xmit(pcb, pcb->snd_una - 1, KS_TCP_ACK, 0, 0);
		if (pcb->backoff < 15)
			pcb->backoff++;
		ks_tcp_arm_rtx(pcb);
		return;
	}
	/* TCP_USER_TIMEOUT counts from when the oldest unacknowledged data
	 * was sent (Linux: its retrans_stamp), not from this first timeout,
	 * which comes one RTO later: the timer was armed when it went. */
	if (!pcb->rtx_since)
		pcb->rtx_since = now - backed_off_rto(pcb);
	if (pcb->backoff >= KS_TCP_RETRIES2 ||
	    (pcb->user_timeout_ms &&
	     now - pcb->rtx_since >= (uint64_t)pcb->user_timeout_ms * 1000000ull)) {
		ks_tcp_abort(pcb, pcb->err ? pcb->err : KS_ETIMEDOUT);
		return;
	}
	/* RFC 5681 3.1 (4) and RFC 6298 5.4-5.6: halve, restart from one
	 * segment, back off, and go back to the first unacknowledged byte. */
	pcb->ssthresh = pcb->cc->ssthresh(pcb);
	pcb->cwnd = pcb->mss;
	pcb->ca_acc = 0;
	pcb->in_recovery = false;
	/* RFC 6582 4 and RFC 6675 5.1: the duplicate ACKs the go-back
	 * draws start no fast recovery until snd_una reaches what was sent.
	 * The SACK scoreboard stays (the go-back skips what it names), as
	 * Linux's, unless the peer reneges (tcp_sack.c). */
	pcb->recover = pcb->snd_max;
	pcb->recover_hold = true;
	pcb->tlp_out = false;
	pcb->total_rto++;
	__atomic_fetch_add(&pcb->st->tcp.timeouts, 1, __ATOMIC_RELAXED);
	pcb->dupacks = 0;
	pcb->rtt_timing = false;
	if (pcb->backoff < 15)
		pcb->backoff++;
	pcb->snd_nxt = pcb->snd_una;
	pcb->fin_sent = false;
	ks_tcp_arm_rtx(pcb);
	ks_tcp_output(pcb);
}

/* RFC 1122 4.2.3.6: after keepidle without a word from the peer, probe
 * every keepintvl; keepcnt unanswered probes end the connection. */
static void keepalive_timeout(struct ks_tcp_pcb *pcb)
{
	uint64_t now = ks_tcp_now(pcb);

	if (!pcb->keepalive ||
	    (pcb->state != KS_TCP_ESTABLISHED && pcb->state != KS_TCP_CLOSE_WAIT &&
	     pcb->state != KS_TCP_FIN_WAIT2))
		return;
	if (pcb->snd_una != pcb->snd_max || pcb->snd_len) {
		/* The retransmission timer watches; look again keepidle from
		 * now (Linux's "resched"). Not from last_rcv, which after
		 * keepidle of silence would put the deadline in the past and
		 * make the timer fire again at once, forever. */
		pcb->t_keep = now + (uint64_t)pcb->keepidle_s * NS_PER_S;
		return;
	}
	uint64_t idle = now - pcb->last_rcv;
	if (idle < (uint64_t)pcb->keepidle_s * NS_PER_S && !pcb->probes) {
		ks_tcp_arm_keepalive(pcb);
		return;
	}
	if (pcb->probes >= pcb->keepcnt) {
		ks_tcp_abort(pcb, KS_ETIMEDOUT);
		return;
	}
	(void)ks_tcp_xmit(pcb, pcb->snd_una - 1, KS_TCP_ACK, 0, 0);
	pcb->probes++;
	pcb->t_keep = now + (uint64_t)pcb->keepintvl_s * NS_PER_S;
}

void ks_tcp_timer(struct ks_tcp_pcb *pcb)
{
	uint64_t now = ks_tcp_now(pcb);

	if (pcb->t_close && now >= pcb->t_close) {
		pcb->t_close = 0;
		if (pcb->state == KS_TCP_FIN_WAIT2)
			ks_tcp_abort(pcb, 0); /* Linux resets an orphan's FIN-WAIT-2 */
		else if (pcb->state == KS_TCP_TIME_WAIT)
			ks_tcp_done(pcb, 0);
	}
	if (pcb->state == KS_TCP_CLOSE)
		return;
	if (pcb->t_delack && now >= pcb->t_delack) {
		pcb->t_delack = 0;
		pcb->pingpong = false; /* Linux: the reply did not come in time */
		ks_tcp_send_ack(pcb);
	}
	if (pcb->t_rtx && now >= pcb->t_rtx) {
		pcb->t_rtx = 0;
		rtx_timeout(pcb);
	}
	if (pcb->state != KS_TCP_CLOSE && pcb->t_keep && now >= pcb->t_keep) {
		pcb->t_keep = 0;
		keepalive_timeout(pcb);
	}
	ks_tcp_timers_changed(pcb);
}

/*
 * tcp_ecn.c - Explicit Congestion Notification for TCP (RFC 3168 6.1),
 * with Linux's choices (net.ipv4.tcp_ecn, tcp_ecn_send, tcp_ecn_check_ce).
 *
 * Negotiation. With the stack's tcp_ecn at KS_TCP_ECN_ON, an active open's
 * first SYN carries ECE and CWR (an "ECN-setup SYN", RFC 3168 6.1.1); a
 * retransmitted SYN does not (Linux's tcp_ecn_fallback). ECN is in use if
 * the SYN-ACK has ECE without CWR. A listener accepts (SYN-ACK with ECE)
 * when tcp_ecn is ON or PASSIVE and the SYN has both ECE and CWR and
 * arrived Not-ECT (Linux: an ECT SYN means a broken path or peer).
 *
 * Data. An ECN connection sends new data as ECT(0); pure ACKs, SYNs,
 * FINs without data, window probes and retransmissions go Not-ECT
 * (RFC 3168 6.1.5, 6.1.4). The receiver of a CE-marked segment sets ECE
 * on everything it sends until a segment with CWR arrives (6.1.3), and
 * acknowledges the CE segment at once (Linux's quick ACK). The sender
 * reacts to an ACK with ECE at most once per window of data (6.1.2):
 * ssthresh from the congestion control as for a loss, cwnd down to it at
 * once (Linux spreads the reduction over a round trip with PRR), no cwnd
 * growth until snd_una passes what was sent at the reduction, and CWR on
 * the next new data segment. ECE during fast recovery changes nothing:
 * the window was reduced already.
 *
 * Locking: none (the engine's: the owner's lock for the pcb).
 */
#include "tcp_impl.h"

uint8_t ks_tcp_ecn_out(struct ks_tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t len,
		       unsigned *ect)
{
	uint8_t add = 0;

	*ect = KS_IP_ECN_NOT_ECT;
	if (flags & KS_TCP_RST)
		return 0;
	if (flags & KS_TCP_SYN) {
		if (!(flags & KS_TCP_ACK) && pcb->state == KS_TCP_SYN_SENT) {
			if (pcb->backoff)
				return 0; /* a retransmitted SYN: no ECN setup */
			bool on = __atomic_load_n(&pcb->st->tcp_ecn, __ATOMIC_RELAXED) == KS_TCP_ECN_ON;
			pcb->ecn = on ? KS_TCP_ECN_F_OK : 0;
			return on ? (uint8_t)(KS_TCP_ECE | KS_TCP_CWR) : 0;
		}
		return (pcb->ecn & KS_TCP_ECN_F_OK) ? KS_TCP_ECE : 0; /* SYN-ACK */
	}
	if (!(pcb->ecn & KS_TCP_ECN_F_OK))
		return 0;
	if (len && ks_seq_ge(seq, pcb->snd_max)) {
		*ect = KS_IP_ECN_ECT0;
		if (pcb->ecn & KS_TCP_ECN_F_QUEUE_CWR) {
			pcb->ecn &= (uint8_t)~KS_TCP_ECN_F_QUEUE_CWR;
			add |= KS_TCP_CWR;
		}
	}
	if (pcb->ecn & KS_TCP_ECN_F_DEMAND_CWR)
		add |= KS_TCP_ECE;
	return add;
}

void ks_tcp_ecn_syn(struct ks_tcp_pcb *c, const struct ks_tcp_hdr *h, unsigned ip_ecn)
{
	int mode = __atomic_load_n(&c->st->tcp_ecn, __ATOMIC_RELAXED);
	bool asks = (h->flags & KS_TCP_ECE) && (h->flags & KS_TCP_CWR);

	c->ecn = mode != KS_TCP_ECN_OFF && asks && ip_ecn == KS_IP_ECN_NOT_ECT ? KS_TCP_ECN_F_OK : 0;
}

void ks_tcp_ecn_synack(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h)
{
	bool ece = (h->flags & KS_TCP_ECE) != 0, cwr = (h->flags & KS_TCP_CWR) != 0;

	/* RFC 3168 6.1.1: a SYN-ACK says yes with ECE alone; a SYN crossing
	 * ours (simultaneous open) with both. */
	if ((h->flags & KS_TCP_ACK) ? (!ece || cwr) : (!ece || !cwr))
		pcb->ecn = 0;
}

/* RFC 3168 6.1.2: the sender's response to an ECE, once per window. */
static void ece_received(struct ks_tcp_pcb *pcb)
{
	if (pcb->in_recovery || ks_tcp_ecn_in_cwr(pcb))
		return;
	pcb->ssthresh = pcb->cc->ssthresh(pcb);
	pcb->cwnd = pcb->ssthresh;
	pcb->ca_acc = 0;
	pcb->ecn_high = pcb->snd_max;
	pcb->ecn |= KS_TCP_ECN_F_CWR | KS_TCP_ECN_F_QUEUE_CWR;
}

void ks_tcp_ecn_input(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h, unsigned ip_ecn)
{
	if (!(pcb->ecn & KS_TCP_ECN_F_OK))
		return;
	if ((pcb->ecn & KS_TCP_ECN_F_CWR) && !ks_seq_lt(pcb->snd_una, pcb->ecn_high))
		pcb->ecn &= (uint8_t)~KS_TCP_ECN_F_CWR; /* the reduced window is acknowledged */
	if ((h->flags & KS_TCP_ECE) && (h->flags & KS_TCP_ACK))
		ece_received(pcb);
	if (!h->payload_len)
		return; /* Linux looks at CE and CWR on data only */
	if (h->flags & KS_TCP_CWR)
		pcb->ecn &= (uint8_t)~KS_TCP_ECN_F_DEMAND_CWR; /* 6.1.3: the sender reduced */
	if (ip_ecn != KS_IP_ECN_NOT_ECT)
		pcb->ecn |= KS_TCP_ECN_F_SEEN;
	if (ip_ecn == KS_IP_ECN_CE) {
		if (!(pcb->ecn & KS_TCP_ECN_F_DEMAND_CWR))
			pcb->ack_now = true; /* the first CE: tell the sender at once */
		pcb->ecn |= KS_TCP_ECN_F_DEMAND_CWR;
	}
}

/*
 * tcp_pmtu.c - TCP's side of path-MTU discovery (RFC 1191 6.4, as
 * Linux's tcp_v4_mtu_reduced): the owner found an ICMP "fragmentation
 * needed" about a segment in flight believable and gives the new MTU; the
 * MSS follows, and what was sent at the old size is sent again at once
 * (Linux's tcp_simple_retransmit), without a congestion response: the
 * segments were lost to the MTU, not to congestion.
 *
 * Simplification: everything in flight goes again (a go-back to SND.UNA,
 * as a timeout's, without its window collapse), where Linux resends only
 * the segments longer than the new MSS.
 *
 * Locking: none (the engine's: the owner's lock for the pcb).
 */
#include "tcp_impl.h"

bool ks_tcp_icmp_in_flight(const struct ks_tcp_pcb *pcb, uint32_t seq)
{
	if (pcb->state == KS_TCP_CLOSE || pcb->state == KS_TCP_LISTEN)
		return false;
	return ks_seq_ge(seq, pcb->snd_una) && ks_seq_le(seq, pcb->snd_nxt);
}

uint32_t ks_tcp_mss_for_mtu(const struct ks_tcp_pcb *pcb, uint32_t mtu)
{
	uint32_t mss = mtu > 40 ? mtu - 40 : 0;

	if (pcb->ts_ok)
		mss = mss > 12 ? mss - 12 : 0;
	return mss < 64 ? 64 : mss;
}

void ks_tcp_mtu_reduced(struct ks_tcp_pcb *pcb, uint32_t mtu)
{
	if (pcb->state == KS_TCP_CLOSE || pcb->state == KS_TCP_LISTEN)
		return;
	pcb->pmtu = mtu;
	uint32_t mss = ks_tcp_mss_for_mtu(pcb, mtu);
	if (mss >= pcb->mss)
		return;
	pcb->mss = (uint16_t)mss;
	uint32_t data = pcb->snd_nxt - pcb->snd_una;
	if (pcb->state == KS_TCP_SYN_SENT || pcb->state == KS_TCP_SYN_RECV || !data)
		return;
	pcb->snd_nxt = pcb->snd_una;
	pcb->fin_sent = false;
	pcb->rtt_timing = false; /* Karn */
	pcb->dupacks = 0;
	/* What was sent goes whole: Nagle must not hold its short tail,
	 * which went alone the first time. */
	ks_tcp_push(pcb);
}

/*
 * tcp_impl.h - what the engine's files (tcp_subr.c, tcp_out.c, tcp_in.c,
 * tcp_timer.c, tcp_cc.c) share and nobody else uses. The contract with
 * owners is tcp.h.
 */
#ifndef KS_INET_TCP_IMPL_H
#define KS_INET_TCP_IMPL_H

#include "../core/socket.h" /* KS_ASSERT */
#include "tcp.h"

/* ---- rings (tcp_subr.c) ---- */
/* Makes r hold at least cap bytes, keeping the used bytes at its head.
 * 0 or -KS_ENOMEM (r unchanged). */
int ks_tcp_ring_reserve(struct ks_tcp_ring *r, uint32_t used, uint32_t cap);
void ks_tcp_ring_free(struct ks_tcp_ring *r);
/* Copies n bytes at offset off from the head into dst / from src. */
void ks_tcp_ring_get(const struct ks_tcp_ring *r, uint32_t off, void *dst, uint32_t n);
void ks_tcp_ring_put(struct ks_tcp_ring *r, uint32_t off, const void *src, uint32_t n);
/* Drops n bytes from the head. */
void ks_tcp_ring_advance(struct ks_tcp_ring *r, uint32_t n);
/* The two pieces of [off, off+n): first piece's pointer and length. */
uint8_t *ks_tcp_ring_span(const struct ks_tcp_ring *r, uint32_t off, uint32_t n, uint32_t *len);

/* ---- output (tcp_out.c) ---- */
/* A segment with seq, flags and len bytes of sbuf at offset off (len 0: no
 * data); options as the state wants. Sent through the output hook. */
int ks_tcp_xmit(struct ks_tcp_pcb *pcb, uint32_t seq, uint8_t flags, uint32_t off, uint32_t len);
/* Our initial sequence number: the SYN takes iss, data starts after it. */
void ks_tcp_set_iss(struct ks_tcp_pcb *pcb, uint32_t iss);
/* The SYN (or SYN-ACK in SYN-RECEIVED). */
int ks_tcp_send_syn(struct ks_tcp_pcb *pcb);
/* A reset <SEQ=seq><ACK=ack><CTL=flags> from the pcb's addresses. */
void ks_tcp_send_rst(struct ks_tcp_pcb *pcb, uint32_t seq, uint32_t ack, uint8_t flags);
/* A challenge ACK (RFC 5961). */
void ks_tcp_challenge_ack(struct ks_tcp_pcb *pcb);
/* Goes back to snd_una and resends (RTO), or sends the first unacked
 * segment only (fast retransmit). */
void ks_tcp_retransmit_head(struct ks_tcp_pcb *pcb);

/* ---- SACK: the scoreboard and RFC 6675 recovery (tcp_sack.c) ---- */
/* Merges the SACK blocks of h (an acceptable ACK) into the scoreboard,
 * ignoring D-SACKs and blocks outside (ack, snd_max]. Returns the bytes
 * newly SACKed. */
uint32_t ks_tcp_sack_take(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h);
/* After snd_una moved: drops what it passed, or everything if the peer
 * reneged. */
void ks_tcp_sack_trim(struct ks_tcp_pcb *pcb);
/* RFC 6675 IsLost(seq). */
bool ks_tcp_sack_lost(const struct ks_tcp_pcb *pcb, uint32_t seq);
/* Starts SACK recovery: ssthresh, cwnd, RecoveryPoint; resends the first
 * hole. */
void ks_tcp_sack_enter(struct ks_tcp_pcb *pcb);
/* Bytes in flight as congestion control counts them: snd_nxt - snd_una
 * without SACK; in SACK recovery RFC 6675's pipe; else the unSACKed part. */
uint32_t ks_tcp_cc_flight(const struct ks_tcp_pcb *pcb);
/* In SACK recovery, resends what NextSeg picks while cwnd allows:
 * before new data the lost holes (rule 1); after it (after_new) also
 * holes not yet lost (rule 3). */
void ks_tcp_sack_resend(struct ks_tcp_pcb *pcb, bool after_new);
/* A go-back after a timeout: snd_nxt moves past SACKed data... */
void ks_tcp_sack_skip(struct ks_tcp_pcb *pcb);
/* ... and a segment of len bytes at snd_nxt stops before the next. */
uint32_t ks_tcp_sack_clip(const struct ks_tcp_pcb *pcb, uint32_t len);

/* Tail-loss probes (RFC 8985 7): after ks_tcp_arm_rtx armed the RTO, or
 * new data went, (re)arms the probe timeout in t_rtx when a probe is due
 * and sooner than the RTO. */
void ks_tcp_tlp_arm(struct ks_tcp_pcb *pcb);
/* The probe timeout went off: new data or the last segment again, then
 * the RTO. */
void ks_tcp_tlp_fire(struct ks_tcp_pcb *pcb);
/* An ACK (after the scoreboard and snd_una took it): ends the probe's
 * episode, reducing cwnd if the probe repaired a loss. advanced: it moved
 * snd_una; sacked: the bytes it newly SACKed. */
void ks_tcp_tlp_ack(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h, bool advanced,
		    uint32_t sacked, bool data);

/* ---- ECN (tcp_ecn.c, RFC 3168) ---- */
/* TCP flags to add to a segment with flags, seq and len bytes of data
 * that ks_tcp_xmit builds (ECE and CWR on SYNs, ECE echoing CE, CWR after
 * a reduction), and in *ect the ECN codepoint for its IP header: ECT(0)
 * on new data of an ECN connection, else Not-ECT (RFC 3168 6.1.5). */
uint8_t ks_tcp_ecn_out(struct ks_tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t len,
		       unsigned *ect);
/* A listener's child c got the SYN h, whose IP header had ECN field
 * ip_ecn: ECN is in use if the stack allows it and the SYN asks. */
void ks_tcp_ecn_syn(struct ks_tcp_pcb *c, const struct ks_tcp_hdr *h, unsigned ip_ecn);
/* In SYN-SENT, the peer's SYN-ACK (or SYN: simultaneous open) h. */
void ks_tcp_ecn_synack(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h);
/* A segment a synchronized pcb accepted, after its ACK was processed:
 * the receiver's CE and CWR, the sender's ECE. */
void ks_tcp_ecn_input(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h, unsigned ip_ecn);
/* Whether the sender is in the round trip of an ECE reduction (no cwnd
 * growth: Linux's CWR state). */
static inline bool ks_tcp_ecn_in_cwr(const struct ks_tcp_pcb *pcb)
{
	return (pcb->ecn & KS_TCP_ECN_F_CWR) && ks_seq_lt(pcb->snd_una, pcb->ecn_high);
}

/* ---- state and timers (tcp_subr.c, tcp_timer.c) ---- */
void ks_tcp_set_state(struct ks_tcp_pcb *pcb, enum ks_tcp_state st);
void ks_tcp_timers_changed(struct ks_tcp_pcb *pcb);
void ks_tcp_arm_rtx(struct ks_tcp_pcb *pcb);
void ks_tcp_arm_keepalive(struct ks_tcp_pcb *pcb);
void ks_tcp_enter_timewait(struct ks_tcp_pcb *pcb);
/* An RTT sample (RFC 6298 2.2-2.3). */
void ks_tcp_rtt_sample(struct ks_tcp_pcb *pcb, uint64_t rtt_ns);
/* Our TSval now. */
uint32_t ks_tcp_ts_now(const struct ks_tcp_pcb *pcb);
/* The pair's TSval offset (RFC 7323 7.1), fixed before the first TSval. */
uint32_t ks_tcp_ts_offset(struct ks_tcp_pcb *pcb);

/* The stack's time, read once per owner section if the owner keeps a
 * cache (tcp.h). */
static inline uint64_t ks_tcp_now(const struct ks_tcp_pcb *pcb)
{
	uint64_t *c = pcb->now_cache;

	if (!c)
		return ks_inet_now(pcb->st);
	if (!*c)
		*c = ks_inet_now(pcb->st);
	return *c;
}

/* The synchronized states in which our data (and FIN) may still go:
 * ESTABLISHED, CLOSE-WAIT, and the closing states until our FIN is
 * acknowledged. */
static inline bool ks_tcp_state_sends(int state)
{
	switch (state) {
	case KS_TCP_ESTABLISHED:
	case KS_TCP_CLOSE_WAIT:
	case KS_TCP_FIN_WAIT1:
	case KS_TCP_CLOSING:
	case KS_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

static inline uint32_t ks_tcp_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Bytes in flight (sent, not acknowledged), SYN and FIN included. */
static inline uint32_t ks_tcp_flight(const struct ks_tcp_pcb *pcb)
{
	return pcb->snd_max - pcb->snd_una;
}

#endif

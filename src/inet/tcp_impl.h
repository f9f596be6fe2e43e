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

/*
 * tcp_cc.c - congestion control behind struct ks_tcp_cc: NewReno's
 * window growth (RFC 5681 3.1: slow start with appropriate byte counting,
 * RFC 3465; congestion avoidance, one segment per window). Fast
 * retransmit and recovery (RFC 6582) are the engine's (tcp_in.c), which
 * asks the algorithm only for the new ssthresh.
 */
#include "tcp_impl.h"

#define CWND_MAX (1u << 30)

static void newreno_init(struct ks_tcp_pcb *pcb)
{
	pcb->cwnd = KS_TCP_INIT_CWND * (uint32_t)pcb->mss; /* RFC 6928 */
	pcb->ssthresh = CWND_MAX;
	pcb->ca_acc = 0;
}

static void newreno_on_ack(struct ks_tcp_pcb *pcb, uint32_t acked)
{
	if (pcb->cwnd < pcb->ssthresh) {
		/* RFC 3465: count bytes, at most two segments per ACK */
		pcb->cwnd += ks_tcp_min32(acked, 2u * pcb->mss);
	} else {
		pcb->ca_acc += acked;
		if (pcb->ca_acc >= pcb->cwnd) {
			pcb->ca_acc -= pcb->cwnd;
			pcb->cwnd += pcb->mss;
		}
	}
	if (pcb->cwnd > CWND_MAX)
		pcb->cwnd = CWND_MAX;
}

/* RFC 5681 (4): half the data in flight, at least two segments. */
static uint32_t newreno_ssthresh(struct ks_tcp_pcb *pcb)
{
	uint32_t half = ks_tcp_flight(pcb) / 2;

	return half > 2u * pcb->mss ? half : 2u * pcb->mss;
}

const struct ks_tcp_cc ks_tcp_newreno = {
	.name = "reno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.ssthresh = newreno_ssthresh,
};

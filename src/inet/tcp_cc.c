/*
 * tcp_cc.c - congestion control behind struct ks_tcp_cc: NewReno's
 * window growth (RFC 5681 3.1: slow start with appropriate byte counting,
 * RFC 3465; congestion avoidance, one segment per window) and CUBIC
 * (RFC 9438, the default). Fast retransmit and recovery (RFC 6582; with
 * SACK RFC 6675, tcp_sack.c) and the timeout are the engine's (tcp_in.c,
 * tcp_timer.c), which asks the algorithm only for the new ssthresh.
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

/*
 * CUBIC (RFC 9438), Linux's default. After a loss the window grows as a
 * cubic function of the time since the loss, flat around the window where
 * the loss happened (W_max), so it probes for more slowly there and fast
 * far from it; it never grows slower than Reno would (the "Reno-friendly"
 * estimate W_est). Times are milliseconds, windows bytes; the state is in
 * pcb->cc_state:
 *   [0] epoch_start  stack time (ns) congestion avoidance started, 0: none
 *   [1] w_max        the window before the last reduction (bytes)
 *   [2] k_ms         when W_cubic returns to w_max, from epoch_start
 *   [3] w_est        the Reno-friendly window (bytes)
 */
#define CUBIC_BETA_NUM 7 /* beta_cubic = 0.7 */
#define CUBIC_BETA_DEN 10
/* C = 0.4 segments per second cubed. */

static uint64_t cbrt64(uint64_t v)
{
	uint64_t lo = 0, hi = 2097152; /* 2^21: its cube exceeds 2^63 */

	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void cubic_init(struct ks_tcp_pcb *pcb)
{
	newreno_init(pcb);
	pcb->cc_state[0] = pcb->cc_state[1] = pcb->cc_state[2] = pcb->cc_state[3] = 0;
}

/* W_cubic(t) = C * (t - K)^3 + W_max, in bytes, t in ms (RFC 9438 4.2). */
static uint64_t w_cubic(const struct ks_tcp_pcb *pcb, uint64_t t_ms)
{
	uint64_t k = pcb->cc_state[2], wmax = pcb->cc_state[1];
	uint64_t d = t_ms > k ? t_ms - k : k - t_ms;

	if (d > 1000000)
		d = 1000000; /* 1000 s: far enough, and the cube stays in range */
	/* 0.4 segments/s^3 = 4 * mss / (10 * 10^9 ms^3) */
	uint64_t delta = d * d * d / 1000000 * 4 * pcb->mss / 10000;
	if (t_ms > k)
		return wmax + delta;
	return wmax > delta ? wmax - delta : 0;
}

static void cubic_on_ack(struct ks_tcp_pcb *pcb, uint32_t acked)
{
	uint64_t now = ks_tcp_now(pcb);

	if (!pcb->cwnd)
		pcb->cwnd = pcb->mss; /* never divide by an empty window */
	if (pcb->cwnd < pcb->ssthresh) {
		newreno_on_ack(pcb, acked); /* slow start is Reno's (RFC 9438 4.10) */
		return;
	}
	if (!pcb->cc_state[0]) {
		/* A new epoch (RFC 9438 4.2, 4.3). */
		pcb->cc_state[0] = now ? now : 1;
		if (pcb->cc_state[1] > pcb->cwnd) {
			uint64_t segs = (pcb->cc_state[1] - pcb->cwnd) / pcb->mss;
			/* K = cbrt((W_max - cwnd) / C) s = cbrt(segs * 2.5 * 10^9) ms */
			pcb->cc_state[2] = cbrt64(segs * 2500000000ull);
		} else {
			pcb->cc_state[1] = pcb->cwnd;
			pcb->cc_state[2] = 0;
		}
		pcb->cc_state[3] = pcb->cwnd;
	}
	uint64_t t_ms = (now - pcb->cc_state[0] + pcb->srtt_ns) / 1000000;
	uint64_t target = w_cubic(pcb, t_ms);
	uint64_t cwnd = pcb->cwnd;
	if (target < cwnd)
		target = cwnd;
	if (target > cwnd + cwnd / 2)
		target = cwnd + cwnd / 2;
	/* W_est grows by alpha = 3 (1 - beta) / (1 + beta) = 9/17 segments
	 * per window acknowledged (RFC 9438 4.3). */
	pcb->cc_state[3] += (uint64_t)acked * pcb->mss * 9 / 17 / cwnd;
	if (pcb->cc_state[3] > target)
		target = pcb->cc_state[3];
	/* cwnd grows by (target - cwnd) / cwnd per segment acknowledged. */
	uint64_t num = (target - cwnd) * acked + pcb->ca_acc;
	uint64_t inc = num / cwnd;
	pcb->ca_acc = (uint32_t)(num % cwnd); /* the fraction, for the next ACK */
	pcb->cwnd += (uint32_t)(inc > CWND_MAX ? CWND_MAX : inc);
	if (pcb->cwnd > CWND_MAX)
		pcb->cwnd = CWND_MAX;
}

/* RFC 9438 4.6 and 4.7: W_max with fast convergence, ssthresh = 0.7 cwnd. */
static uint32_t cubic_ssthresh(struct ks_tcp_pcb *pcb)
{
	uint64_t cwnd = pcb->cwnd;

	if (cwnd < pcb->cc_state[1])
		pcb->cc_state[1] = cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) / (2 * CUBIC_BETA_DEN);
	else
		pcb->cc_state[1] = cwnd;
	pcb->cc_state[0] = 0;
	uint64_t t = cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN;
	return t > 2u * pcb->mss ? (uint32_t)t : 2u * pcb->mss;
}

const struct ks_tcp_cc ks_tcp_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.ssthresh = cubic_ssthresh,
};

const struct ks_tcp_cc *ks_tcp_cc_find(const char *name)
{
	static const struct ks_tcp_cc *const all[] = {&ks_tcp_cubic, &ks_tcp_newreno};

	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *a = all[i]->name, *b = name;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return all[i];
	}
	return NULL;
}

/*
 * tcp_subr.c - the engine's plumbing: a pcb's birth and end, its state
 * changes, the byte rings, the keyed hash behind ISNs (RFC 6528) and
 * ephemeral ports (RFC 6056), and the window we offer. tcp.h has the
 * model; nothing here takes a lock (the owner holds the pcb's).
 */
#include "tcp_impl.h"

void ks_tcp_pcb_init(struct ks_tcp_pcb *pcb, struct ks_inet_stack *st,
		     const struct ks_tcp_hooks *hooks, void *owner)
{
	__builtin_memset(pcb, 0, sizeof(*pcb));
	pcb->st = st;
	pcb->hooks = hooks;
	pcb->owner = owner;
	pcb->cc = &ks_tcp_cubic;
	pcb->state = KS_TCP_CLOSE;
	pcb->mss = KS_TCP_MSS_DEFAULT;
	pcb->adv_mss = KS_TCP_MSS_DEFAULT;
	pcb->rto_ns = KS_TCP_RTO_INIT_NS;
	pcb->keepidle_s = KS_TCP_KEEPIDLE_DEFAULT;
	pcb->keepintvl_s = KS_TCP_KEEPINTVL_DEFAULT;
	pcb->keepcnt = KS_TCP_KEEPCNT_DEFAULT;
	pcb->syn_retries = KS_TCP_SYN_RETRIES;
	pcb->snd_limit = 16384; /* Linux's tcp_wmem[1] */
	pcb->rcv_limit = 131072; /* Linux's tcp_rmem[1] */
	pcb->rcv_wscale = KS_TCP_RCV_WSCALE;
	pcb->quickacks = 16; /* Linux's TCP_MAX_QUICKACKS */
	pcb->cc->init(pcb); /* a window from the start: a SYN-RECEIVED closed
			       before its ACK never passes through establish */
}

void ks_tcp_pcb_fini(struct ks_tcp_pcb *pcb)
{
	ks_tcp_ring_free(&pcb->sbuf);
	ks_tcp_ring_free(&pcb->rbuf);
	pcb->snd_len = 0;
	pcb->nooo = 0;
	pcb->t_rtx = pcb->t_delack = pcb->t_keep = pcb->t_close = 0;
	pcb->state = KS_TCP_CLOSE;
}

static const char *const state_names[] = {
	[KS_TCP_ESTABLISHED] = "ESTABLISHED", [KS_TCP_SYN_SENT] = "SYN-SENT",
	[KS_TCP_SYN_RECV] = "SYN-RECEIVED",  [KS_TCP_FIN_WAIT1] = "FIN-WAIT-1",
	[KS_TCP_FIN_WAIT2] = "FIN-WAIT-2",   [KS_TCP_TIME_WAIT] = "TIME-WAIT",
	[KS_TCP_CLOSE] = "CLOSED",           [KS_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[KS_TCP_LAST_ACK] = "LAST-ACK",      [KS_TCP_LISTEN] = "LISTEN",
	[KS_TCP_CLOSING] = "CLOSING",
};

const char *ks_tcp_state_name(enum ks_tcp_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]) || !state_names[s])
		return "?";
	return state_names[s];
}

void ks_tcp_set_state(struct ks_tcp_pcb *pcb, enum ks_tcp_state st)
{
	if (pcb->state == st)
		return;
	pcb->state = st;
	pcb->hooks->event(pcb, KS_TCP_EV_STATE);
}

void ks_tcp_done(struct ks_tcp_pcb *pcb, int err)
{
	pcb->t_rtx = pcb->t_delack = pcb->t_keep = pcb->t_close = 0;
	pcb->persist = false;
	if (err)
		pcb->err = err;
	ks_tcp_set_state(pcb, KS_TCP_CLOSE);
	if (err)
		pcb->hooks->event(pcb, KS_TCP_EV_ERROR);
	ks_tcp_timers_changed(pcb);
}

void ks_tcp_set_iss(struct ks_tcp_pcb *pcb, uint32_t iss)
{
	pcb->iss = iss;
	pcb->snd_una = iss;
	pcb->snd_nxt = pcb->snd_max = pcb->sbuf_seq = iss + 1;
}

bool ks_tcp_synchronized(const struct ks_tcp_pcb *pcb)
{
	return pcb->state != KS_TCP_CLOSE && pcb->state != KS_TCP_LISTEN &&
	       pcb->state != KS_TCP_SYN_SENT;
}

uint32_t ks_tcp_readable(const struct ks_tcp_pcb *pcb)
{
	return pcb->rcv_nxt - pcb->rcv_read - (pcb->fin_rcvd ? 1 : 0);
}

uint32_t ks_tcp_send_space(const struct ks_tcp_pcb *pcb)
{
	return pcb->snd_len >= pcb->snd_limit ? 0 : pcb->snd_limit - pcb->snd_len;
}

/*
 * The window to offer: the receive ring's free space, less a margin of
 * one scale unit, which rounding up may use (never more: the ring holds
 * whatever is offered). Receiver silly-window avoidance (RFC 1122 4.2.3.3): a right edge
 * moves only by at least min(half the buffer, one MSS); and a window is
 * never shrunk (RFC 9293 3.8.6.2.2).
 */
uint32_t ks_tcp_rcv_window(const struct ks_tcp_pcb *pcb)
{
	uint32_t unit = 1u << pcb->rcv_wscale;
	uint32_t cap = pcb->rbuf.cap ? pcb->rbuf.cap : pcb->rcv_limit + unit;
	uint32_t used = pcb->rcv_nxt - pcb->rcv_read;
	uint32_t room = cap - unit;
	uint32_t free = used >= room ? 0 : room - used;
	uint32_t cur = ks_seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	uint32_t step = ks_tcp_min32(room / 2, pcb->mss);

	if (free > cur && free - cur < step)
		free = cur;
	if (free < cur)
		free = cur;
	/* The field counts scale units. Rounding cur down would move the
	 * right edge left by up to a unit (RFC 7323 2.4), and the peer's
	 * data up to the old edge would be cut off: round it up instead (as
	 * Linux's tcp_select_window), as far as the ring's spare unit
	 * holds, so whatever is offered always fits the ring. */
	uint32_t down = free & ~(unit - 1);
	uint32_t up = (cur + unit - 1) & ~(unit - 1);
	free = down < cur && used < cap && up <= cap - used ? up : down;
	uint32_t max = 65535u << pcb->rcv_wscale;
	return free > max ? max : free;
}

/* ---- rings ---- */

int ks_tcp_ring_reserve(struct ks_tcp_ring *r, uint32_t used, uint32_t cap)
{
	if (cap <= r->cap)
		return 0;
	uint8_t *nb = ks_port_alloc(cap);
	if (!nb)
		return -KS_ENOMEM;
	if (r->buf) {
		ks_tcp_ring_get(r, 0, nb, used);
		ks_port_free(r->buf, r->cap);
	}
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	return 0;
}

void ks_tcp_ring_free(struct ks_tcp_ring *r)
{
	if (r->buf)
		ks_port_free(r->buf, r->cap);
	r->buf = NULL;
	r->cap = r->head = 0;
}

uint8_t *ks_tcp_ring_span(const struct ks_tcp_ring *r, uint32_t off, uint32_t n, uint32_t *len)
{
	uint32_t pos = (r->head + off) % r->cap;
	uint32_t first = r->cap - pos;

	*len = n < first ? n : first;
	return r->buf + pos;
}

void ks_tcp_ring_get(const struct ks_tcp_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint8_t *d = dst;

	while (n) {
		uint32_t k;
		const uint8_t *s = ks_tcp_ring_span(r, off, n, &k);
		__builtin_memcpy(d, s, k);
		d += k;
		off += k;
		n -= k;
	}
}

void ks_tcp_ring_put(struct ks_tcp_ring *r, uint32_t off, const void *src, uint32_t n)
{
	const uint8_t *s = src;

	while (n) {
		uint32_t k;
		uint8_t *d = ks_tcp_ring_span(r, off, n, &k);
		__builtin_memcpy(d, s, k);
		s += k;
		off += k;
		n -= k;
	}
}

void ks_tcp_ring_advance(struct ks_tcp_ring *r, uint32_t n)
{
	if (r->cap)
		r->head = (r->head + n) % r->cap;
}

/* ---- the keyed hash: SipHash-2-4 (Aumasson and Bernstein, 2012) ---- */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                               \
	do {                                                                                   \
		v0 += v1;                                                                      \
		v1 = rotl(v1, 13);                                                             \
		v1 ^= v0;                                                                      \
		v0 = rotl(v0, 32);                                                             \
		v2 += v3;                                                                      \
		v3 = rotl(v3, 16);                                                             \
		v3 ^= v2;                                                                      \
		v0 += v3;                                                                      \
		v3 = rotl(v3, 21);                                                             \
		v3 ^= v0;                                                                      \
		v2 += v1;                                                                      \
		v1 = rotl(v1, 17);                                                             \
		v1 ^= v2;                                                                      \
		v2 = rotl(v2, 32);                                                             \
	} while (0)

uint64_t ks_tcp_hash(struct ks_inet_stack *st, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint64_t k0 = st->secret[0], k1 = st->secret[1];
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m[2] = {(uint64_t)a << 32 | b, (uint64_t)c << 32 | d};

	for (int i = 0; i < 2; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	uint64_t last = (uint64_t)16 << 56; /* the message length, no tail */
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a clock ticking every 4 microseconds. */
uint32_t ks_tcp_isn(struct ks_inet_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport)
{
	uint64_t f = ks_tcp_hash(st, laddr, raddr, (uint32_t)lport << 16 | rport, 0x15a);

	return (uint32_t)f + (uint32_t)(ks_inet_now(st) / 4000);
}

uint32_t ks_tcp_ts_offset(struct ks_tcp_pcb *pcb)
{
	return (uint32_t)ks_tcp_hash(pcb->st, pcb->laddr, pcb->raddr,
				     (uint32_t)pcb->lport << 16 | pcb->rport, 0x75);
}

uint32_t ks_tcp_ts_now(const struct ks_tcp_pcb *pcb)
{
	/* Linux's TSval clock ticks every millisecond. */
	return (uint32_t)(ks_tcp_now(pcb) / 1000000) + pcb->ts_offset;
}

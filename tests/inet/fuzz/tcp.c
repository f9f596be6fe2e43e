/*
 * tcp.c - libFuzzer target: the TCP engine (src/inet/tcp.h) driven by
 * arbitrary segments, user calls and time, starting from a pcb in any
 * state (tcp_harness.h's fixtures). After every step the invariants of
 * th_check hold for every pcb (SND.UNA <= SND.NXT <= SND.MAX, the rings
 * consistent, the timer hook told of every deadline), every segment the
 * engine sent parses back with a good checksum and never goes past
 * SND.MAX, and the right edge of the window we offer never moves left
 * by a scale unit or more.
 * At the end nothing leaks: no packet buffer, no port allocation.
 *
 * Input (fuzz.h, FZ_TCP_*): a fixture byte, then operations:
 *   SEG    flags, seq and ack as signed 16-bit offsets from RCV.NXT and
 *          SND.UNA, window, an option mask, a length and the payload
 *   RAW    a length, a mode (bit 0: fix the checksum, bit 1: the device
 *          checked it) and a raw TCP segment, through ks_tcp_parse
 *   TIME   milliseconds (or seconds, top bit set) for the clock, firing
 *          the timers due on the way
 *   SEND, RECV, USER (close, linger 0, shutdown, abort, settings, ICMP,
 *          failing the next packet buffer or port allocations)
 * Bit 3 of an operation sends a segment to the listener's newest child
 * instead of the fixture's pcb.
 */
#include <stdlib.h>
#include <string.h>

#include "../tcp_harness.h"
#include "fuzz.h"
#include "inet/wire/checksum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_now;

static uint64_t fz_clock_read(void *arg)
{
	(void)arg;
	return fz_now;
}

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned u16(struct in *in)
{
	unsigned hi = u8(in);
	return hi << 8 | u8(in);
}

/* ---- fixtures ---- */

static struct th w;
static struct th_end e0;

/* Puts e0 into the state the fixture byte asks for. */
static void fixture(unsigned f)
{
	struct th_end *c;
	struct th_seg s;
	uint32_t nxt;
	bool ts = !(f & 0x80);

	switch (f % 12) {
	case 0: /* SYN-SENT */
		e0.pcb.adv_mss = 1460;
		(void)ks_tcp_connect(&e0.pcb);
		break;
	case 1: /* LISTEN */
		e0.pcb.adv_mss = 1460;
		ks_tcp_listen(&e0.pcb, 4);
		break;
	case 2: /* LISTEN with a child in SYN-RECEIVED */
		(void)th_fx_passive(&e0, ts, false, &c);
		break;
	case 3: /* LISTEN with an established child */
		(void)th_fx_passive(&e0, ts, true, &c);
		break;
	case 4: /* ESTABLISHED */
		(void)th_fx_active(&e0, ts);
		break;
	case 5: /* ESTABLISHED, data in flight both ways, a hole */
		(void)th_fx_active(&e0, ts);
		(void)th_send(&e0, 0, 5000, false);
		e0.pseq = TH_PEER_ISS + 1 + 1000;
		(void)th_peer(&e0, KS_TCP_ACK, e0.pcb.snd_una, "out of order", 12);
		break;
	case 6: /* FIN-WAIT-1 */
		(void)th_fx_active(&e0, ts);
		(void)ks_tcp_close(&e0.pcb, false);
		break;
	case 7: /* FIN-WAIT-2 */
		(void)th_fx_active(&e0, ts);
		nxt = e0.pcb.snd_nxt;
		(void)ks_tcp_close(&e0.pcb, false);
		(void)th_peer(&e0, KS_TCP_ACK, nxt + 1, NULL, 0);
		break;
	case 8: /* CLOSE-WAIT */
		(void)th_fx_active(&e0, ts);
		(void)th_peer(&e0, KS_TCP_FIN | KS_TCP_ACK, e0.pcb.snd_nxt, NULL, 0);
		break;
	case 9: /* LAST-ACK */
		(void)th_fx_active(&e0, ts);
		(void)th_peer(&e0, KS_TCP_FIN | KS_TCP_ACK, e0.pcb.snd_nxt, NULL, 0);
		(void)ks_tcp_close(&e0.pcb, false);
		break;
	case 10: /* CLOSING */
		(void)th_fx_active(&e0, ts);
		nxt = e0.pcb.snd_nxt;
		(void)ks_tcp_close(&e0.pcb, false);
		(void)th_peer(&e0, KS_TCP_FIN | KS_TCP_ACK, nxt, NULL, 0);
		break;
	default: /* TIME-WAIT */
		(void)th_fx_active(&e0, ts);
		nxt = e0.pcb.snd_nxt;
		(void)ks_tcp_close(&e0.pcb, false);
		(void)th_peer(&e0, KS_TCP_FIN | KS_TCP_ACK, nxt + 1, NULL, 0);
		break;
	}
	while (th_pop(&e0, &s) == 1)
		;
	if (w.nends > 1)
		while (th_pop(w.ends[w.nends - 1], &s) == 1)
			;
	w.bad = 0;
}

/* ---- checks ---- */

/* The right edge last offered by each end, and whether one was. */
static uint32_t edge[TH_ENDS];
static bool edge_set[TH_ENDS];

static void check_out(unsigned i)
{
	struct th_end *e = w.ends[i];
	struct th_seg s;
	int rc;

	while ((rc = th_pop(e, &s)) == 1) {
		const struct ks_tcp_pcb *p = &e->pcb;
		if (s.h.flags & KS_TCP_RST)
			continue;
		if (p->state != KS_TCP_LISTEN && ks_tcp_synchronized(p))
			FZ_ASSERT(ks_seq_le(s.h.seq + s.h.payload_len, p->snd_max));
		if (!(s.h.flags & KS_TCP_ACK) || (s.h.flags & KS_TCP_SYN) || p->state == KS_TCP_LISTEN)
			continue;
		uint32_t right = s.h.ack + ((uint32_t)s.h.wnd << p->rcv_wscale);
		/* Never retracted by a scale unit or more (rounding may take
		 * less, RFC 7323 2.4), and never past what input accepts. */
		if (edge_set[i])
			FZ_ASSERT(ks_seq_gt(right + (1u << p->rcv_wscale), edge[i]));
		FZ_ASSERT(ks_seq_le(right, p->rcv_adv));
		edge[i] = right;
		edge_set[i] = true;
	}
	FZ_ASSERT(rc == 0); /* every segment parsed back */
}

static void check_all(void)
{
	for (unsigned i = 0; i < w.nends; i++) {
		const char *why = th_check(w.ends[i]);
		if (why)
			fz_fail(__FILE__, __LINE__, why);
		check_out(i);
	}
	if (w.bad)
		fz_fail(__FILE__, __LINE__, w.why);
}

/* ---- operations ---- */

static struct th_end *target(unsigned op)
{
	if ((op & 8) && w.nends > 1)
		return w.ends[w.nends - 1];
	return &e0;
}

static void op_seg(struct in *in, struct th_end *e)
{
	struct th_spec sp = {0};
	static uint8_t payload[256];
	const struct ks_tcp_pcb *p = &e->pcb;

	sp.flags = (uint8_t)u8(in);
	sp.seq = p->rcv_nxt + (uint32_t)(int32_t)(int16_t)u16(in);
	sp.ack = p->snd_una + (uint32_t)(int32_t)(int16_t)u16(in);
	if (p->state == KS_TCP_LISTEN || p->state == KS_TCP_SYN_SENT)
		sp.seq = TH_PEER_ISS + (sp.seq - p->rcv_nxt);
	sp.wnd = (uint16_t)u16(in);
	unsigned mask = u8(in);
	if (mask & 1)
		sp.opt = th_ts_opts(th_peer_tsval(&w) - ((mask & 0x20) ? 100000u : 0u),
				    (mask & 0x40) ? e->our_tsval : 0);
	if (mask & 2) {
		sp.opt.nsack = (uint8_t)(1 + (mask >> 6) % 3);
		/* Edges near SND.UNA from the input: valid, stale, D-SACK,
		 * reversed and past SND.MAX alike (the scoreboard's input). */
		for (unsigned b = 0; b < sp.opt.nsack; b++) {
			sp.opt.sack[b][0] = p->snd_una + (uint32_t)(int32_t)(int16_t)u16(in) * 4u;
			sp.opt.sack[b][1] = sp.opt.sack[b][0] + (uint32_t)(int32_t)(int8_t)u8(in) * 64u;
		}
	}
	if (mask & 4) {
		sp.opt.mss_ok = true;
		sp.opt.mss = (uint16_t)((mask & 0x80) ? mask & 0x0f : mask * 37);
	}
	if (mask & 8) {
		sp.opt.ws_ok = true;
		sp.opt.ws = (uint8_t)(mask >> 4);
	}
	if (mask & 0x10)
		sp.opt.sack_perm = true;
	unsigned n = u8(in);
	if (n > in->n)
		n = (unsigned)in->n;
	memcpy(payload, in->p, n);
	in->p += n;
	in->n -= n;
	sp.data = payload;
	sp.len = n;
	sp.ecn = sp.wnd & 3; /* the IP ECN field (tcp_ecn.c) */
	(void)th_in(e, &sp);
}

static void op_raw(struct in *in, struct th_end *e)
{
	static uint8_t seg[300];
	unsigned n = u8(in), mode = u8(in);

	if (n > in->n)
		n = (unsigned)in->n;
	memcpy(seg, in->p, n);
	in->p += n;
	in->n -= n;
	uint32_t src = e->pcb.raddr, dst = e->pcb.laddr;
	if ((mode & 1) && n >= KS_TCP_HLEN) {
		/* Emit the checksum: a header round trip would change the
		 * options, so sum the bytes as they are. */
		seg[16] = seg[17] = 0;
		uint32_t sum = ks_csum_pseudo_ipv4(src, dst, KS_IPPROTO_TCP, (uint16_t)n);
		ks_put16(seg + 16, ks_csum_finish(ks_csum_partial(seg, n, sum)));
	}
	int rc = th_in_raw(e, seg, n, src, dst, (mode & 2) ? KS_WIRE_CSUM_OK : 0);
	FZ_ASSERT(rc >= 0 || ks_is_drop(rc) || rc == -KS_ENOBUFS || rc == -KS_ENOMEM);
}

static void op_user(struct in *in, struct th_end *e)
{
	struct ks_tcp_pcb *p = &e->pcb;

	switch (u8(in) % 13) {
	case 0:
		(void)ks_tcp_close(p, false);
		break;
	case 1:
		(void)ks_tcp_close(p, true);
		break;
	case 2:
		ks_tcp_shutdown(p);
		break;
	case 3:
		if (p->state != KS_TCP_CLOSE && p->state != KS_TCP_LISTEN)
			ks_tcp_abort(p, KS_ECONNABORTED);
		break;
	case 4:
		p->nodelay = !p->nodelay;
		ks_tcp_output(p);
		break;
	case 5:
		p->cork = !p->cork;
		ks_tcp_output(p);
		break;
	case 6:
		p->keepalive = true;
		p->keepidle_s = 1;
		p->keepintvl_s = 1;
		p->keepcnt = 3;
		ks_tcp_output(p);
		break;
	case 7:
		if (ks_tcp_synchronized(p))
			ks_tcp_send_ack(p);
		break;
	case 8:
		ks_tcp_icmp_error(p, KS_EHOSTUNREACH, true);
		break;
	case 9:
		p->user_timeout_ms = 500;
		break;
	case 10:
		w.st->pbufs.fail_next = 1 + (int)(in->n % 3); /* no packet buffers */
		break;
	case 12: /* a path MTU the owner believed (tcp_pmtu.c) */
		ks_tcp_mtu_reduced(p, 68 + u16(in) % 1500);
		break;
	default:
		it_port_fail_next(1); /* no memory (rings, buffers, children) */
		break;
	}
}

static int peek_copy(void *arg, const void *src, uint32_t len)
{
	(void)arg;
	(void)src;
	(void)len; /* the bytes are not looked at; the bounds are */
	return 0;
}

static void step(struct in *in)
{
	unsigned op = u8(in);
	struct th_end *e = target(op);
	struct ks_tcp_pcb *p = &e->pcb;

	switch (op % 8) {
	case 0:
	case 6:
		op_seg(in, e);
		break;
	case 1:
		op_raw(in, e);
		break;
	case 2: {
		unsigned t = u16(in);
		th_advance(&w, (t & 0x8000) ? (uint64_t)(t & 0x7fff) * NS_S : (uint64_t)t * NS_MS);
		break;
	}
	case 3: {
		unsigned n = u16(in) % 20000, more = u8(in) & 1;
		uint32_t space = ks_tcp_send_space(p);
		if (n > space)
			n = space;
		if (n && p->state != KS_TCP_LISTEN && p->state != KS_TCP_CLOSE)
			(void)th_send(e, 0, n, more);
		break;
	}
	case 4: {
		static uint8_t buf[1 << 17];
		unsigned n = u16(in);
		if (u8(in) & 1) {
			long got = ks_tcp_recv(p, n % 7, n, peek_copy, buf, true);
			FZ_ASSERT(got >= 0 && (uint32_t)got <= n);
		} else {
			long got = th_recv(e, buf, n);
			FZ_ASSERT(got >= 0 && (uint32_t)got <= n);
		}
		break;
	}
	case 5:
		op_user(in, e);
		break;
	default:
		/* The peer's next in-order segment as th_peer sends it. */
		e->pseq = p->rcv_nxt;
		(void)th_peer(e, (uint8_t)(KS_TCP_ACK | (u8(in) & 0x0f)), p->snd_nxt, "0123456789",
			      u8(in) % 11);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_inet_stack st;
	struct ks_inet_config cfg = {.now = fz_clock_read};
	struct in in = {data, size};
	long before = it_port_allocs_live();

	if (size < 1)
		return 0;
	fz_now = IT_T0;
	FZ_ASSERT(ks_inet_stack_init(&st, &cfg) == 0);
	th_init(&w, &st, &fz_now);
	th_end_init(&w, &e0);
	e0.pcb.tlp_on = true; /* tail-loss probes, as sockets have them */
	memset(edge_set, 0, sizeof(edge_set));
	unsigned f = u8(&in);
	st.tcp_ecn = (int)(f / 12) % 3; /* ECN off, on, passive (before the SYNs) */
	fixture(f);
	check_all();
	for (int steps = 0; in.n && steps < 64; steps++) {
		step(&in);
		check_all();
	}
	it_port_fail_next(0);
	th_fini(&w);
	FZ_ASSERT(ks_pbuf_pool_live(&st.pbufs) == 0);
	FZ_ASSERT(it_port_allocs_live() == before);
	return 0;
}

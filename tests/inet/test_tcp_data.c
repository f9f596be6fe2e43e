/*
 * test_tcp_data.c - the TCP engine moving data, at the segment level
 * (tcp_harness.h): exact sequence, acknowledgment and window fields;
 * delayed ACKs; out-of-order data and SACK blocks; duplicates, overlaps
 * and window trimming; zero windows and persist probes; retransmission
 * timeouts, backoff, RFC 6298 estimates and Karn's rule; fast retransmit
 * and NewReno partial ACKs; Nagle, TCP_NODELAY, corking and MSG_MORE;
 * sequence numbers that wrap.
 *
 * Unless said otherwise the connection is th_fx_active without
 * timestamps: MSS 1460, our window 131072 (field 1024, scale 7), the
 * peer's 65535 until it sends 1024 << 7, cwnd 10 segments, RTO 200 ms
 * (a zero handshake RTT plus Linux's floor).
 */
#include <string.h>

#include "tcp_harness.h"

#define PISS TH_PEER_ISS
#define P0 (PISS + 1) /* the peer's first data byte */

static uint8_t pat[70000];
static uint8_t got[140000];

static const uint8_t *pattern(uint64_t from, uint32_t n)
{
	th_pattern(pat, from, n);
	return pat;
}

/* The peer sends n pattern bytes at stream offset off (seq P0 + off). */
static int peer_data(struct th_end *e, uint32_t off, uint32_t n, uint32_t ack)
{
	e->pseq = P0 + off;
	return th_peer(e, PA, ack, pattern(off, n), n);
}

/* Reads everything readable and checks it is the pattern from off. */
static bool read_check(struct th_end *e, uint64_t off, uint32_t want)
{
	long n = th_recv(e, got, sizeof(got));

	if (n != (long)want)
		return false;
	th_pattern(pat, off, want);
	return memcmp(got, pat, want) == 0;
}

/* ---- receiving ---- */

/* In-order data: an immediate ACK while quickacks last, the window
 * shrunk by what is unread, EV_READ; reading gives the bytes. */
TH_CASE(t_data_in)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, peer_data(a, 0, 100, nxt), 0);
	IT_EQ(t, th_ev(a), KS_TCP_EV_READ | KS_TCP_EV_WRITE);
	IT_POP(t, a, s);
	IT_QUIET(t, a);
	IT_SEG(t, s, A, nxt, P0 + 100, 0);
	/* 100 unread: 130972 left of the window, rounded up to 1024 units
	 * (rounding down would move the right edge left, RFC 7323 2.4);
	 * the ring's spare unit holds the difference. */
	IT_EQ(t, s.h.wnd, 1024);
	IT_EQ(t, a->pcb.rcv_adv, P0 + 100 + 131072);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 100);
	IT_TRUE(t, read_check(a, 0, 100));
	IT_EQ(t, ks_tcp_readable(&a->pcb), 0);
	IT_EQ(t, a->pcb.bytes_received, 100);
}

/* The buffer fills without a read while the peer sends up to the right
 * edge it was offered, in odd sizes: every byte is taken until the window
 * is zero, no offered edge moves left by a scale unit or more (RFC 7323
 * 2.4: rounding may retract it by less; RFC 9293 3.8.6.2.2), and none
 * lies beyond the ring. */
TH_CASE(t_window_never_shrinks)
{
	struct th_seg s;
	uint32_t nxt, off = 0, edge = P0 + 8192, best = P0 + 8192;

	a->pcb.rcv_limit = 8192;
	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, a->pcb.rcv_adv, best);
	for (uint32_t i = 0; i < 500 && ks_seq_lt(P0 + off, best); i++) {
		uint32_t n = 1 + (i * 37) % 300;
		if (n > best - (P0 + off))
			n = best - (P0 + off);
		peer_data(a, off, n, nxt);
		off += n;
		IT_EQ(t, a->pcb.rcv_nxt, P0 + off);
		while (th_pop(a, &s) == 1) {
			uint32_t right = s.h.ack + ((uint32_t)s.h.wnd << 7);
			IT_TRUE(t, ks_seq_gt(right + 128, edge));
			IT_TRUE(t, ks_seq_le(right, a->pcb.rcv_read + a->pcb.rbuf.cap));
			edge = right;
			if (ks_seq_gt(right, best))
				best = right;
		}
	}
	IT_EQ(t, P0 + off, best);
	IT_TRUE(t, off >= 8192);
	IT_EQ(t, ks_tcp_readable(&a->pcb), off);
	IT_TRUE(t, read_check(a, 0, off));
	th_drain(a);
}

/* Delayed ACKs (RFC 1122 4.2.3.2, Linux's 40 ms): after the 16 quick
 * ACKs, one segment waits 40 ms, and every second one is ACKed at once. */
TH_CASE(t_delayed_ack)
{
	struct th_seg s;
	uint32_t nxt, off = 0;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	for (int i = 0; i < 16; i++, off += 100) {
		peer_data(a, off, 100, nxt);
		IT_POP(t, a, s);
		IT_SEG(t, s, A, nxt, P0 + off + 100, 0);
	}
	IT_TRUE(t, read_check(a, 0, off));
	IT_QUIET(t, a);
	peer_data(a, off, 100, nxt);
	off += 100;
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_DELACK_NS);
	th_advance(w, KS_TCP_DELACK_NS - 1);
	IT_QUIET(t, a);
	th_advance(w, 1);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + off, 0);
	IT_EQ(t, a->deadline, 0);
	/* Two segments: the second is ACKed at once. */
	peer_data(a, off, 100, nxt);
	off += 100;
	IT_QUIET(t, a);
	th_advance(w, 10 * NS_MS);
	peer_data(a, off, 100, nxt);
	off += 100;
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + off, 0);
	IT_EQ(t, a->deadline, 0);
	/* TCP_QUICKACK (ks_tcp_send_ack) ends a delayed ACK, and the owner
	 * is told its deadline is gone. */
	peer_data(a, off, 100, nxt);
	off += 100;
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_DELACK_NS);
	ks_tcp_send_ack(&a->pcb);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + off, 0);
	IT_EQ(t, a->deadline, 0);
	IT_TRUE(t, read_check(a, 1600, off - 1600));
	th_drain(a);
	/* A read while an ACK is delayed sends it (Linux's tcp_cleanup_rbuf). */
	peer_data(a, off, 100, nxt);
	off += 100;
	IT_QUIET(t, a);
	IT_TRUE(t, read_check(a, off - 100, 100));
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + off, 0);
	/* 100 bytes read move the right edge by less than an MSS: it stays
	 * where it was, give or take the scale unit's rounding (receiver SWS
	 * avoidance, RFC 1122 4.2.3.3). */
	IT_TRUE(t, ks_seq_le(s.h.ack + ((uint32_t)s.h.wnd << 7), a->pcb.rcv_adv));
	IT_TRUE(t, ks_seq_gt(s.h.ack + ((uint32_t)s.h.wnd << 7) + 128, a->pcb.rcv_adv));
	IT_EQ(t, a->deadline, 0);
}

/* Out of order: an immediate duplicate ACK with SACK blocks (RFC 2018:
 * the newest first, at most 3 beside timestamps); the hole filled, a
 * cumulative ACK. */
TH_CASE(t_ooo_sack)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	peer_data(a, 100, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 0);
	IT_EQ(t, s.h.opt.nsack, 1);
	IT_TRUE(t, s.h.opt.sack[0][0] == P0 + 100 && s.h.opt.sack[0][1] == P0 + 200);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 0);
	IT_EQ(t, th_ev(a) & KS_TCP_EV_READ, 0);
	peer_data(a, 200, 100, nxt);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.opt.nsack, 1);
	IT_TRUE(t, s.h.opt.sack[0][0] == P0 + 100 && s.h.opt.sack[0][1] == P0 + 300);
	peer_data(a, 400, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 0);
	IT_EQ(t, s.h.opt.nsack, 2);
	IT_TRUE(t, s.h.opt.sack[0][0] == P0 + 400 && s.h.opt.sack[0][1] == P0 + 500);
	IT_TRUE(t, s.h.opt.sack[1][0] == P0 + 100 && s.h.opt.sack[1][1] == P0 + 300);
	peer_data(a, 600, 100, nxt);
	peer_data(a, 800, 100, nxt);
	th_drain(a);
	peer_data(a, 1000, 100, nxt);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.hlen, 20 + 12 + 4 + 3 * 8); /* three blocks fit beside TS */
	IT_EQ(t, s.h.opt.nsack, 3);
	IT_TRUE(t, s.h.opt.sack[0][0] == P0 + 1000);
	/* The first hole filled: everything up to the next hole. */
	peer_data(a, 0, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 300, 0);
	IT_EQ(t, s.h.opt.nsack, 3);
	IT_TRUE(t, read_check(a, 0, 300));
	/* The other holes. */
	peer_data(a, 300, 100, nxt);
	peer_data(a, 500, 100, nxt);
	peer_data(a, 700, 100, nxt);
	th_drain(a);
	peer_data(a, 900, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 1100, 0);
	IT_EQ(t, s.h.opt.nsack, 0);
	IT_EQ(t, s.h.hlen, 32);
	IT_TRUE(t, read_check(a, 300, 800));
	IT_EQ(t, a->pcb.nooo, 0);
}

/* A duplicate is acknowledged at once and not delivered twice; an overlap
 * gives only its new bytes; an old FIN is no FIN. */
TH_CASE(t_dup_overlap)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	a->pcb.quickacks = 0;
	peer_data(a, 0, 100, nxt);
	IT_QUIET(t, a); /* delayed */
	peer_data(a, 0, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 100, 0);
	peer_data(a, 50, 100, nxt);
	IT_EQ(t, a->pcb.rcv_nxt, P0 + 150);
	peer_data(a, 20, 20, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 150, 0);
	IT_TRUE(t, read_check(a, 0, 150));
	/* Out of order, overlapping a range already held. */
	peer_data(a, 300, 100, nxt);
	peer_data(a, 250, 100, nxt);
	peer_data(a, 350, 100, nxt);
	IT_EQ(t, a->pcb.nooo, 1);
	IT_TRUE(t, a->pcb.ooo[0].start == P0 + 250 && a->pcb.ooo[0].end == P0 + 450);
	th_drain(a);
	peer_data(a, 150, 120, nxt);
	IT_EQ(t, a->pcb.rcv_nxt, P0 + 450);
	IT_TRUE(t, read_check(a, 150, 300));
	th_drain(a);
}

/* Our window is the receive ring's room: a segment past it is trimmed to
 * it; what lies wholly beyond is dropped and acknowledged; a zero window
 * still takes ACKs, and a one-byte probe gets an ACK (RFC 9293 3.10.7.4:
 * an unacceptable segment is answered); reading reopens the window. */
TH_CASE(t_window_trim)
{
	struct th_seg s;
	uint32_t nxt;

	a->pcb.rcv_limit = 4096;
	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, a->pcb.rcv_adv, P0 + 4096);
	peer_data(a, 0, 5000, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 4096, 0);
	IT_EQ(t, s.h.wnd, 0);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 4096);
	/* Wholly beyond the window. */
	peer_data(a, 6000, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 4096, 0);
	IT_EQ(t, a->pcb.nooo, 0);
	/* A zero-window probe with one byte of data. */
	peer_data(a, 4096, 1, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 4096, 0);
	IT_EQ(t, s.h.wnd, 0);
	/* A pure ACK at RCV.NXT is still processed. */
	IT_EQ(t, th_send(a, 0, 10, false), 10);
	IT_POP(t, a, s);
	a->pseq = P0 + 4096;
	th_peer(a, A, nxt + 10, NULL, 0);
	IT_EQ(t, a->pcb.snd_una, nxt + 10);
	IT_QUIET(t, a);
	IT_TRUE(t, read_check(a, 0, 4096));
	IT_POP(t, a, s); /* the window update */
	IT_SEG(t, s, A, nxt + 10, P0 + 4096, 0);
	IT_EQ(t, s.h.wnd, 32);
}

/* SO_RCVBUF lowered after the window was offered: data inside the offer
 * but beyond the smaller ring is dropped and acknowledged, and leaves no
 * empty out-of-order range (which would be sent as an empty SACK block). */
TH_CASE(t_rcvbuf_shrunk)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	a->pcb.rcv_limit = 4096; /* the ring is not allocated yet */
	peer_data(a, 6000, 100, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 0);
	IT_EQ(t, s.h.opt.nsack, 0);
	IT_EQ(t, a->pcb.nooo, 0);
	IT_QUIET(t, a);
	peer_data(a, 1000, 100, nxt);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.opt.nsack, 1);
	IT_TRUE(t, s.h.opt.sack[0][0] == P0 + 1000 && s.h.opt.sack[0][1] == P0 + 1100);
	peer_data(a, 0, 1000, nxt);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 1100, 0);
	IT_TRUE(t, read_check(a, 0, 1100));
	th_drain(a);
}

/* A FIN at RCV.NXT while out-of-order data lies past it (a peer's
 * mistake): the stream ends at the FIN and the ranges are forgotten. */
TH_CASE(t_fin_before_ooo)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	peer_data(a, 1, 100, nxt);
	IT_EQ(t, a->pcb.nooo, 1);
	a->pseq = P0;
	th_peer(a, FA, nxt, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE_WAIT);
	IT_EQ(t, a->pcb.nooo, 0);
	th_drain(a);
	ks_tcp_send_ack(&a->pcb);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0 + 1, 0);
	IT_EQ(t, s.h.opt.nsack, 0);
}

/* ---- sending ---- */

/* Data out: one segment per MSS, PSH on the last, the retransmission
 * timer armed; the ACK frees the ring and stops the timer. */
TH_CASE(t_data_out)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, ks_tcp_send_space(&a->pcb), 16384);
	IT_EQ(t, th_send(a, 0, 5000, false), 5000);
	for (int i = 0; i < 3; i++) {
		IT_POP(t, a, s);
		IT_SEG(t, s, A, nxt + 1460 * i, P0, 1460);
		IT_EQ(t, s.h.wnd, 1024);
		IT_MEMEQ(t, s.h.payload, pattern(1460 * (uint64_t)i, 1460), 1460);
	}
	/* The 620-byte tail waits until everything sent is acknowledged:
	 * Nagle as RFC 896 (Linux's Minshall variant would send it, the
	 * segments in flight being full ones). */
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.snd_nxt, nxt + 4380);
	IT_EQ(t, ks_tcp_send_space(&a->pcb), 16384 - 5000);
	IT_EQ(t, a->deadline, th_now(w) + a->pcb.rto_ns);
	th_ev(a);
	th_peer(a, A, nxt + 2920, NULL, 0);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.snd_una, nxt + 2920);
	IT_EQ(t, ks_tcp_send_space(&a->pcb), 16384 - 2080);
	IT_TRUE(t, th_ev(a) & KS_TCP_EV_WRITE);
	IT_EQ(t, a->pcb.cwnd, 14600 + 2 * 1460); /* slow start, RFC 3465 */
	th_peer(a, A, nxt + 4380, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 4380, P0, 620);
	IT_MEMEQ(t, s.h.payload, pattern(4380, 620), 620);
	IT_QUIET(t, a);
	th_peer(a, A, nxt + 5000, NULL, 0);
	IT_EQ(t, a->deadline, 0);
	IT_EQ(t, a->pcb.snd_len, 0);
	IT_EQ(t, a->pcb.bytes_acked, 5000);
	IT_QUIET(t, a);
}

/* The send window and cwnd limit what goes out; an ACK lets more go. */
TH_CASE(t_send_window)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	a->pwnd = 3000 >> 7; /* 2944 bytes */
	th_peer(a, A, nxt, NULL, 0);
	IT_EQ(t, a->pcb.snd_wnd, 2944);
	IT_EQ(t, th_send(a, 0, 6000, false), 6000);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 1460);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1460, P0, 1460);
	IT_QUIET(t, a); /* 24 bytes of window left: held (sender SWS) */
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 2920, P0, 1460);
	IT_QUIET(t, a);
}

/* The peer's window is zero: nothing goes, the persist timer probes with
 * <SEQ=SND.UNA-1> at RTO, 2 RTO, 4 RTO..., never giving up; an open
 * window sends the data. */
TH_CASE(t_persist)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t rto, t0;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	a->pwnd = 0;
	th_peer(a, A, nxt, NULL, 0);
	IT_EQ(t, a->pcb.snd_wnd, 0);
	rto = a->pcb.rto_ns;
	t0 = th_now(w);
	IT_EQ(t, th_send(a, 0, 1000, false), 1000);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, t0 + rto);
	uint64_t at = t0;
	for (int i = 0; i < 20; i++) {
		uint64_t step = rto << (i < 15 ? i : 15);
		if (step > KS_TCP_RTO_MAX_NS)
			step = KS_TCP_RTO_MAX_NS;
		at += step;
		th_run(w, at - 1);
		IT_QUIET(t, a);
		th_run(w, at);
		IT_POP(t, a, s);
		IT_SEG(t, s, A, nxt - 1, P0, 0);
		if (i == 3) {
			/* The peer answers with the window still closed. */
			th_peer(a, A, nxt, NULL, 0);
			IT_QUIET(t, a);
		}
	}
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	a->pwnd = 1024;
	th_peer(a, A, nxt, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt, P0, 1000);
	IT_EQ(t, a->deadline, th_now(w) + rto);
}

/* The peer closes its window while our data is in flight (it took the
 * first segment only). The retransmission timer must keep probing the
 * window and not count the connection dead while the peer answers. */
TH_CASE(t_zero_window_in_flight)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, th_send(a, 0, 3000, false), 3000);
	th_drain(a);
	a->pwnd = 0;
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_EQ(t, a->pcb.snd_wnd, 0);
	for (int i = 0; i < 40; i++) {
		uint64_t d = a->deadline;
		IT_TRUE(t, d != 0);
		th_run(w, d);
		IT_TRUE(t, a->nout >= 1);
		th_drain(a);
		th_peer(a, A, nxt + 1460, NULL, 0); /* still closed */
		th_drain(a);
	}
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	a->pwnd = 1024;
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1460, P0, 1460);
	IT_MEMEQ(t, s.h.payload, pattern(1460, 1460), 1460);
	IT_QUIET(t, a); /* Nagle */
	th_peer(a, A, nxt + 2920, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 2920, P0, 80);
	IT_QUIET(t, a);
	th_peer(a, A, nxt + 3000, NULL, 0);
	IT_EQ(t, a->deadline, 0);
	IT_EQ(t, a->pcb.snd_len, 0);
}

/* RTO (RFC 6298 5.4-5.7, RFC 5681 3.1): the first unacknowledged segment
 * again, cwnd one segment, ssthresh max(flight / 2, 2 MSS), the timer
 * doubled each time; an ACK resets the backoff and slow start resends
 * the rest (go-back-N). */
TH_CASE(t_rto)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t rto, t0;

	IT_FX(t, w, th_fx_active(a, false));
	a->pcb.cc = &ks_tcp_newreno; /* the arithmetic below is NewReno's (CUBIC is the default) */
	nxt = a->pcb.snd_nxt;
	rto = a->pcb.rto_ns;
	IT_EQ(t, rto, KS_TCP_RTO_MIN_NS + 1);
	t0 = th_now(w);
	IT_EQ(t, th_send(a, 0, 4380, false), 4380);
	th_drain(a);
	th_run(w, t0 + rto - 1);
	IT_QUIET(t, a);
	th_run(w, t0 + rto);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 1460);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.cwnd, 1460);
	IT_EQ(t, a->pcb.ssthresh, 2920);
	IT_EQ(t, a->pcb.backoff, 1);
	IT_EQ(t, a->deadline, t0 + 3 * rto);
	th_run(w, t0 + 3 * rto);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 1460);
	IT_EQ(t, a->deadline, t0 + 7 * rto);
	IT_EQ(t, a->pcb.total_retrans, 2);
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_EQ(t, a->pcb.backoff, 0);
	IT_EQ(t, a->pcb.cwnd, 1460 + 1460);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1460, P0, 1460);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 2920, P0, 1460);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, th_now(w) + rto);
	IT_EQ(t, a->pcb.srtt_ns, 1); /* Karn: no sample from resent data */
}

/* RFC 6298 2.2-2.3 with exact values: a 100 ms handshake gives SRTT 100,
 * RTTVAR 50, RTO 300 ms (Linux's 200 ms floor on the variance term);
 * then 200 ms gives SRTT 112.5, RTTVAR 62.5, RTO 362.5 ms. Karn: an ACK
 * for resent data gives no sample. */
TH_CASE(t_rtt_estimate)
{
	struct th_seg s;
	uint32_t nxt;

	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	th_advance(w, 100 * NS_MS);
	th_in(a, &(struct th_spec){.flags = SA, .seq = PISS, .ack = a->pcb.iss + 1, .wnd = 65535});
	a->pseq = P0;
	a->pwnd = 65535;
	th_drain(a);
	IT_EQ(t, a->pcb.srtt_ns, 100 * NS_MS);
	IT_EQ(t, a->pcb.rttvar_ns, 50 * NS_MS);
	IT_EQ(t, a->pcb.rto_ns, 300 * NS_MS);
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	th_drain(a);
	th_advance(w, 200 * NS_MS);
	th_peer(a, A, nxt + 100, NULL, 0);
	IT_EQ(t, a->pcb.srtt_ns, 112500 * 1000ull);
	IT_EQ(t, a->pcb.rttvar_ns, 62500 * 1000ull);
	IT_EQ(t, a->pcb.rto_ns, 362500 * 1000ull);
	/* Karn. */
	IT_EQ(t, th_send(a, 100, 100, false), 100);
	th_drain(a);
	th_advance(w, 362500 * 1000ull);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 100, P0, 100);
	th_advance(w, 50 * NS_MS);
	th_peer(a, A, nxt + 200, NULL, 0);
	IT_EQ(t, a->pcb.srtt_ns, 112500 * 1000ull);
	IT_EQ(t, a->pcb.rto_ns, 362500 * 1000ull);
	IT_EQ(t, a->pcb.backoff, 0);
}

/* With timestamps the sample is now - TSecr (RFC 7323 4), even for
 * resent data. */
TH_CASE(t_rtt_timestamps)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	a->pcb.srtt_ns = 0; /* make the next sample the first */
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	IT_POP(t, a, s);
	th_advance(w, 30 * NS_MS);
	th_peer(a, A, nxt + 100, NULL, 0); /* echoes s's TSval */
	IT_EQ(t, a->pcb.srtt_ns, 30 * NS_MS);
	IT_EQ(t, a->pcb.rttvar_ns, 15 * NS_MS);
	IT_EQ(t, a->pcb.rto_ns, 230 * NS_MS);
}

/* A connection that only receives learns the round trip from the TSvals
 * the peer's full-sized segments echo (Linux's tcp_rcv_rtt_measure_ts):
 * its buffer tuning runs once per round trip, and over a long path it
 * had none (100 us: a 50 ms path kept a 128 KiB window, check-tcp-tap). */
TH_CASE(t_rcv_rtt)
{
	static uint8_t data[1448];
	struct th_seg s;

	IT_FX(t, w, th_fx_active(a, true));
	a->pcb.srtt_ns = 0; /* it never timed data of its own */
	th_drain(a);
	th_advance(w, 50 * NS_MS);
	th_peer(a, PA, a->pcb.snd_nxt, data, a->pcb.mss); /* echoes a TSval 50 ms old */
	IT_EQ(t, a->pcb.rcv_rtt_ns, 50 * NS_MS);
	th_peer(a, PA, a->pcb.snd_nxt, data, a->pcb.mss); /* the same TSval: no sample */
	IT_EQ(t, a->pcb.rcv_rtt_ns, 50 * NS_MS);
	IT_POP(t, a, s); /* the ACK of both, with a new TSval */
	th_drain(a);
	th_advance(w, 30 * NS_MS);
	th_peer(a, PA, a->pcb.snd_nxt, data, 100); /* short: no sample */
	IT_EQ(t, a->pcb.rcv_rtt_ns, 50 * NS_MS);
	th_peer(a, PA, a->pcb.snd_nxt, data, a->pcb.mss);
	IT_EQ(t, a->pcb.rcv_rtt_ns, 50 * NS_MS - 50 * NS_MS / 8 + 30 * NS_MS / 8);
	th_drain(a);
}

/* Fast retransmit at the third duplicate ACK (RFC 5681 3.2), NewReno
 * partial ACKs (RFC 6582): the next hole resent at once, recovery ends
 * when everything sent before it is acknowledged. */
TH_CASE(t_fast_retransmit)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	a->pcb.cc = &ks_tcp_newreno; /* the arithmetic below is NewReno's (CUBIC is the default) */
	a->pcb.sack_ok = false; /* NewReno recovery (with SACK: test_tcp_sack.c) */
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, th_send(a, 0, 14600, false), 14600);
	IT_EQ(t, a->nout, 10);
	th_drain(a);
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_EQ(t, a->pcb.cwnd, 16060);
	for (int i = 0; i < 2; i++) {
		th_peer(a, A, nxt + 1460, NULL, 0);
		IT_QUIET(t, a);
	}
	IT_EQ(t, a->pcb.dupacks, 2);
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 1460, P0, 1460);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.in_recovery);
	IT_EQ(t, a->pcb.ssthresh, 13140 / 2);
	IT_EQ(t, a->pcb.cwnd, 6570 + 3 * 1460);
	IT_EQ(t, a->pcb.recover, nxt + 14600);
	th_peer(a, A, nxt + 1460, NULL, 0);
	IT_EQ(t, a->pcb.cwnd, 6570 + 4 * 1460);
	IT_QUIET(t, a);
	/* A data segment with the same ACK is no duplicate ACK. */
	th_peer(a, PA, nxt + 1460, "x", 1);
	IT_EQ(t, a->pcb.dupacks, 4);
	th_drain(a);
	/* Partial ACK: the next hole at once. */
	th_peer(a, A, nxt + 4 * 1460, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 4 * 1460, P0 + 1, 1460);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.in_recovery);
	IT_EQ(t, a->pcb.total_retrans, 2);
	/* The full ACK ends recovery with cwnd = ssthresh. */
	th_peer(a, A, nxt + 14600, NULL, 0);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.cwnd, 6570);
	IT_EQ(t, a->pcb.dupacks, 0);
	IT_EQ(t, a->deadline, 0);
}

/* Fast retransmit resends what was sent, not more: with 640 bytes in
 * flight (the peer's window) and more queued, the retransmission is 640
 * bytes, never new data past SND.MAX (which would also be outside the
 * peer's window, and whose ACK would look like one for unsent data). */
TH_CASE(t_fast_retransmit_small)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	a->pwnd = 5; /* 640 bytes */
	th_peer(a, A, nxt, NULL, 0);
	IT_EQ(t, th_send(a, 0, 5000, false), 5000);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, 640);
	IT_QUIET(t, a);
	for (int i = 0; i < 3; i++)
		th_peer(a, A, nxt, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt, P0, 640);
	IT_EQ(t, a->pcb.snd_max, nxt + 640);
	IT_QUIET(t, a);
	th_peer(a, A, nxt + 640, NULL, 0);
	IT_EQ(t, a->pcb.snd_una, nxt + 640);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 640, P0, 640);
	th_drain(a);
}

/* Congestion avoidance above ssthresh: one MSS per window of data. */
TH_CASE(t_congestion_avoidance)
{
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	a->pcb.cc = &ks_tcp_newreno; /* the arithmetic below is NewReno's (CUBIC is the default) */
	nxt = a->pcb.snd_nxt;
	a->pcb.ssthresh = 4380;
	a->pcb.cwnd = 4380;
	IT_EQ(t, th_send(a, 0, 4380, false), 4380);
	th_drain(a);
	th_peer(a, A, nxt + 2920, NULL, 0);
	IT_EQ(t, a->pcb.cwnd, 4380);
	th_peer(a, A, nxt + 4380, NULL, 0);
	IT_EQ(t, a->pcb.cwnd, 4380 + 1460);
	th_drain(a);
}

/* Nagle (RFC 896): a small segment waits while data is unacknowledged;
 * TCP_NODELAY sends it; TCP_CORK holds even the first until uncorked;
 * MSG_MORE holds what the next write completes. */
TH_CASE(t_nagle_cork)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	th_send(a, 0, 100, false);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt, P0, 100);
	th_send(a, 100, 100, false);
	IT_QUIET(t, a);
	th_send(a, 200, 100, false);
	IT_QUIET(t, a);
	th_peer(a, A, nxt + 100, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 100, P0, 200);
	IT_MEMEQ(t, s.h.payload, pattern(100, 200), 200);
	IT_QUIET(t, a);
	/* A full segment is never held. */
	th_send(a, 300, 1460, false);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 300, P0, 1460);
	th_peer(a, A, nxt + 1760, NULL, 0);
	IT_QUIET(t, a);
	/* TCP_NODELAY. */
	a->pcb.nodelay = true;
	th_send(a, 1760, 10, false);
	th_send(a, 1770, 10, false);
	IT_EQ(t, a->nout, 2);
	th_drain(a);
	th_peer(a, A, nxt + 1780, NULL, 0);
	/* TCP_CORK: held with nothing in flight; uncorking sends it. */
	a->pcb.cork = true;
	th_send(a, 1780, 10, false);
	th_send(a, 1790, 10, false);
	IT_QUIET(t, a);
	a->pcb.cork = false;
	ks_tcp_output(&a->pcb);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 1780, P0, 20);
	th_peer(a, A, nxt + 1800, NULL, 0);
	/* MSG_MORE. */
	th_send(a, 1800, 10, true);
	IT_QUIET(t, a);
	th_send(a, 1810, 10, false);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 1800, P0, 20);
	/* A FIN flushes what corking holds. */
	th_peer(a, A, nxt + 1820, NULL, 0);
	a->pcb.cork = true;
	th_send(a, 1820, 5, false);
	IT_QUIET(t, a);
	ks_tcp_shutdown(&a->pcb);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA | KS_TCP_FIN, nxt + 1820, P0, 5);
}

/* The FIN rides on the last data segment, and an RTO resends both. */
TH_CASE(t_fin_with_data_rto)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	th_send(a, 0, 100, false);
	th_drain(a);
	th_peer(a, A, nxt + 100, NULL, 0);
	th_send(a, 100, 50, false);
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 100, P0, 50);
	IT_POP(t, a, s);
	IT_SEG(t, s, FA, nxt + 150, P0, 0);
	th_advance(w, a->pcb.rto_ns);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA | KS_TCP_FIN, nxt + 100, P0, 50);
	IT_QUIET(t, a);
	th_peer(a, A, nxt + 151, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_FIN_WAIT2);
}

/* No packet buffer for a segment (pool limit or memory): the data stays
 * queued and a timer tries again, even with nothing in flight. */
TH_CASE(t_no_buffer)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	t->st.pbufs.fail_next = 1;
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	IT_QUIET(t, a);
	IT_EQ(t, t->st.drops.no_memory, 1);
	IT_TRUE(t, a->deadline != 0);
	th_advance(w, 2 * NS_S);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt, P0, 100);
	th_drain(a);
}

/* The SYN without a buffer: connect reports it or not, but either way the
 * pcb is in SYN-SENT and the SYN goes at the first retry. */
TH_CASE(t_connect_no_buffer)
{
	struct th_seg s;

	t->st.pbufs.fail_next = 1;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0); /* ENOBUFS from the pool: 0 */
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	th_advance(w, NS_S);
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_SYN, a->pcb.iss, 0, 0);
	static struct th_end b;
	th_end_init(w, &b);
	b.pcb.lport = 40001;
	it_port_fail_next(1);
	IT_EQ(t, ks_tcp_connect(&b.pcb), -KS_ENOBUFS); /* ENOMEM from the port */
	IT_EQ(t, b.pcb.state, KS_TCP_SYN_SENT);
	IT_QUIET(t, &b);
	th_advance(w, NS_S);
	IT_POP(t, &b, s);
	IT_SEG(t, s, KS_TCP_SYN, b.pcb.iss, 0, 0);
	th_drain(a);
}

/* ---- sequence numbers that wrap ---- */

/* Both initial sequence numbers a few KiB below 2^32; data both ways
 * across the wrap, then a close. */
TH_CASE(t_seq_wrap)
{
	struct th_seg s;
	uint32_t f = (uint32_t)ks_tcp_hash(&t->st, TH_LOCAL, TH_PEER,
					   (uint32_t)TH_LOCAL_PORT << 16 | TH_PEER_PORT, 0x15a);
	uint32_t target = 0xfffff000u;
	uint32_t piss = 0xfffff800u;

	/* ks_tcp_isn: f + now / 4 us. */
	t->clock_ns = ((uint64_t)(uint32_t)(target - f) + (1ull << 32)) * 4000;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_EQ(t, a->pcb.iss, target);
	IT_POP(t, a, s);
	th_in(a, &(struct th_spec){.flags = SA, .seq = piss, .ack = target + 1, .wnd = 65535,
				   .opt = th_linux_syn_opts(1, s.h.opt.tsval)});
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	th_drain(a);
	a->pseq = piss + 1;
	a->pwnd = 1024;
	/* 10000 bytes out. */
	uint32_t una = target + 1;
	for (uint32_t off = 0; off < 10000;) {
		uint32_t n = ks_tcp_send_space(&a->pcb);
		if (n > 10000 - off)
			n = 10000 - off;
		IT_EQ(t, th_send(a, off, n, false), n);
		off += n;
		while (th_pop(a, &s) == 1) {
			IT_EQ(t, s.h.seq, una);
			IT_MEMEQ(t, s.h.payload, pattern(una - (target + 1), s.h.payload_len),
				 s.h.payload_len);
			una += s.h.payload_len;
			th_peer(a, A, una, NULL, 0);
		}
	}
	IT_EQ(t, una, target + 1 + 10000);
	IT_TRUE(t, a->pcb.snd_una < 0x10000);
	IT_EQ(t, a->pcb.snd_len, 0);
	/* 10000 bytes in, out of order across the wrap too. */
	for (uint32_t off = 1000; off < 10000; off += 1000) {
		a->pseq = piss + 1 + off;
		th_peer(a, PA, una, pattern(off, 1000), 1000);
	}
	a->pseq = piss + 1;
	th_peer(a, PA, una, pattern(0, 1000), 1000);
	IT_EQ(t, a->pcb.rcv_nxt, piss + 1 + 10000);
	IT_TRUE(t, read_check(a, 0, 10000));
	th_drain(a);
	/* Close. */
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	IT_SEG(t, s, FA, una, piss + 10001, 0);
	a->pseq = piss + 10001;
	th_peer(a, FA, una + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	th_drain(a);
}

const struct it_case it_cases_tcp_data[] = {
	{"data_in", t_data_in},
	{"window_never_shrinks", t_window_never_shrinks},
	{"delayed_ack", t_delayed_ack},
	{"ooo_sack", t_ooo_sack},
	{"dup_overlap", t_dup_overlap},
	{"window_trim", t_window_trim},
	{"rcvbuf_shrunk", t_rcvbuf_shrunk},
	{"fin_before_ooo", t_fin_before_ooo},
	{"data_out", t_data_out},
	{"send_window", t_send_window},
	{"persist", t_persist},
	{"zero_window_in_flight", t_zero_window_in_flight},
	{"rto", t_rto},
	{"rtt_estimate", t_rtt_estimate},
	{"rtt_timestamps", t_rtt_timestamps},
	{"rcv_rtt", t_rcv_rtt},
	{"fast_retransmit", t_fast_retransmit},
	{"fast_retransmit_small", t_fast_retransmit_small},
	{"congestion_avoidance", t_congestion_avoidance},
	{"nagle_cork", t_nagle_cork},
	{"fin_with_data_rto", t_fin_with_data_rto},
	{"no_buffer", t_no_buffer},
	{"connect_no_buffer", t_connect_no_buffer},
	{"seq_wrap", t_seq_wrap},
	{0},
};

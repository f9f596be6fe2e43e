/*
 * test_tcp_sack.c - the sender's SACK scoreboard and RFC 6675 loss
 * recovery (src/inet/tcp_sack.c), at the segment level (tcp_harness.h):
 * the peer's ACKs carry chosen SACK blocks and each case checks the exact
 * retransmissions and new segments that come out. Then the same lossy
 * transfers with and without SACK, counting what was resent.
 *
 * Unless said otherwise the connection is th_fx_active without
 * timestamps (MSS 1460, SACK agreed), with NewReno's arithmetic
 * (ssthresh = flight / 2), ten segments of 1460 bytes sent: segment k is
 * [nxt + 1460 k, nxt + 1460 (k + 1)).
 */
#include <stdio.h>
#include <string.h>

#include "tcp_harness.h"

#define MSS 1460u
#define P0 (TH_PEER_ISS + 1)

/* The peer acknowledges ack with up to four SACK blocks (pairs of
 * offsets from base, n of them). */
static int sack_ack(struct th_end *e, uint32_t base, uint32_t ack, unsigned n, const uint32_t *b)
{
	struct th_spec sp = {0};

	sp.flags = KS_TCP_ACK;
	sp.seq = e->pseq;
	sp.ack = ack;
	sp.wnd = e->pwnd;
	for (unsigned i = 0; i < n && i < KS_TCP_SACK_MAX; i++) {
		sp.opt.sack[i][0] = base + b[2 * i];
		sp.opt.sack[i][1] = base + b[2 * i + 1];
	}
	sp.opt.nsack = (uint8_t)n;
	return th_in(e, &sp);
}

/* One block [from, to) in segments, acknowledging segment `ack`. */
static void sack_segs(struct th_end *e, uint32_t nxt, unsigned ack, unsigned from, unsigned to)
{
	uint32_t b[2] = {from * MSS, to * MSS};

	sack_ack(e, nxt, nxt + ack * MSS, 1, b);
}

/* An established connection that sent `segs` full segments (cwnd
 * permitting) of `queued` bytes; *nxt its first data byte. */
static bool fx_sent(struct it_ctx *t, struct th *w, struct th_end *a, uint32_t queued,
		    uint32_t *nxt)
{
	if (!th_fx_active(a, false)) {
		it_fail(t, __FILE__, __LINE__, "fixture: %s", w->why);
		return false;
	}
	a->pcb.cc = &ks_tcp_newreno;
	*nxt = a->pcb.snd_nxt;
	if (th_send(a, 0, queued, false) != (long)queued) {
		it_fail(t, __FILE__, __LINE__, "send refused");
		return false;
	}
	th_drain(a);
	return a->pcb.sack_ok;
}

/* One hole: nothing happens until three segments are SACKed above it
 * (IsLost, DupThresh 3), then exactly that segment is resent, cwnd =
 * ssthresh (no inflation), pipe keeps everything else back; the
 * retransmission is not repeated; a full ACK ends recovery. */
TH_CASE(t_one_hole)
{
	struct th_seg s;
	uint32_t nxt, sk, lo, rx;

	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	sack_segs(a, nxt, 1, 2, 3);
	sack_segs(a, nxt, 1, 2, 4);
	IT_QUIET(t, a);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.dupacks, 1); /* (the first ACK moved SND.UNA) */
	sack_segs(a, nxt, 1, 2, 5);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.in_recovery);
	IT_EQ(t, a->pcb.recover, nxt + 10 * MSS);
	IT_EQ(t, a->pcb.ssthresh, 9 * MSS / 2);
	IT_EQ(t, a->pcb.cwnd, 9 * MSS / 2);
	IT_EQ(t, a->pcb.st->tcp.sack_recovery, 1);
	ks_tcp_sack_counts(&a->pcb, &sk, &lo, &rx);
	IT_EQ(t, sk, 3);
	IT_EQ(t, lo, 1);
	IT_EQ(t, rx, 1);
	/* More SACKs: the hole is not resent again; nothing new to send. */
	for (unsigned k = 6; k <= 10; k++) {
		sack_segs(a, nxt, 1, 2, k);
		IT_QUIET(t, a);
	}
	IT_EQ(t, a->pcb.total_retrans, 1);
	/* The retransmission arrives: everything is acknowledged. */
	sack_ack(a, nxt, nxt + 10 * MSS, 0, NULL);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.nsacked, 0);
	IT_EQ(t, a->pcb.cwnd, 9 * MSS / 2);
	IT_EQ(t, a->deadline, 0);
	IT_QUIET(t, a);
}

/* Two holes: the first resent at entry; the second only once three
 * segments are SACKed above it, and then before anything else. A
 * partial ACK does not resend on its own (that is NewReno's rule). */
TH_CASE(t_holes)
{
	struct th_seg s;
	uint32_t nxt, sk, lo, rx;
	uint32_t b2[4] = {5 * MSS, 6 * MSS, 2 * MSS, 4 * MSS}; /* newest first */

	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	sack_segs(a, nxt, 1, 2, 3);
	sack_segs(a, nxt, 1, 2, 4);
	IT_QUIET(t, a);
	/* Segment 4 lost too: {5}, {2, 3} above segment 1: 3 segments. */
	sack_ack(a, nxt, nxt + MSS, 2, b2);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + MSS, P0, MSS);
	IT_QUIET(t, a);
	ks_tcp_sack_counts(&a->pcb, &sk, &lo, &rx);
	IT_EQ(t, lo, 1); /* segment 1 is lost, segment 4 not yet */
	b2[1] = 7 * MSS;
	sack_ack(a, nxt, nxt + MSS, 2, b2);
	IT_QUIET(t, a);
	/* Three above segment 4: it is lost, and pipe (unSACKed 1, 4, 8, 9
	 * = 4, less lost 1 and 4, plus resent 1: 3 segments) leaves room
	 * under cwnd 4.5 segments for it. */
	b2[1] = 8 * MSS;
	sack_ack(a, nxt, nxt + MSS, 2, b2);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 4 * MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.high_rxt, nxt + 5 * MSS);
	/* Segment 1 arrives: a partial ACK; nothing is resent. */
	b2[0] = 5 * MSS;
	b2[1] = 8 * MSS;
	sack_ack(a, nxt, nxt + 4 * MSS, 1, b2);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.in_recovery);
	IT_EQ(t, a->pcb.nsacked, 1);
	IT_EQ(t, a->pcb.sacked[0].start, nxt + 5 * MSS);
	/* Segment 4 arrives, then the rest. */
	sack_ack(a, nxt, nxt + 8 * MSS, 0, NULL);
	IT_TRUE(t, a->pcb.in_recovery);
	IT_EQ(t, a->pcb.nsacked, 0);
	sack_ack(a, nxt, nxt + 10 * MSS, 0, NULL);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.total_retrans, 2);
	IT_QUIET(t, a);
}

/* Holes with new data: with more queued than cwnd, a SACK before
 * recovery lets a new segment replace the one that left (in flight
 * leaves SACKed data out, as Linux's; RFC 3042's limited transmit); in
 * recovery each SACK that takes a segment out of pipe lets a new one go
 * (rule 2), after the lost hole, never more than cwnd - pipe allows. */
TH_CASE(t_new_data_by_pipe)
{
	struct th_seg s;
	uint32_t nxt;

	IT_TRUE(t, fx_sent(t, w, a, 30 * MSS, &nxt));
	IT_EQ(t, a->pcb.snd_nxt, nxt + 10 * MSS);
	/* Segment 0 lost. */
	sack_segs(a, nxt, 0, 1, 2);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 10 * MSS, P0, MSS);
	sack_segs(a, nxt, 0, 1, 3);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 11 * MSS, P0, MSS);
	IT_QUIET(t, a);
	sack_segs(a, nxt, 0, 1, 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.cwnd, 6 * MSS); /* half of 12 in flight */
	IT_EQ(t, a->pcb.recover, nxt + 12 * MSS);
	/* pipe: 12 - 3 SACKed - 1 lost + 1 resent = 9; then 8, 7, 6: no
	 * room. */
	for (unsigned k = 5; k <= 7; k++) {
		sack_segs(a, nxt, 0, 1, k);
		IT_QUIET(t, a);
	}
	/* 5: one new segment. */
	sack_segs(a, nxt, 0, 1, 8);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 12 * MSS, P0, MSS);
	IT_QUIET(t, a);
	/* Two more SACKed at once: two new segments. */
	sack_segs(a, nxt, 0, 1, 10);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 13 * MSS, P0, MSS);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 14 * MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.total_retrans, 1);
	/* Everything sent before recovery acknowledged: it ends, cwnd =
	 * ssthresh, and the window moves on. */
	sack_ack(a, nxt, nxt + 12 * MSS, 0, NULL);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.cwnd, 6 * MSS);
	IT_EQ(t, a->pcb.snd_nxt, nxt + 18 * MSS);
	IT_EQ(t, a->pcb.total_retrans, 1);
	th_drain(a);
}

/* Segments popped until none is left: how many resent seq. */
static unsigned pop_count(struct th_end *e, uint32_t seq)
{
	struct th_seg s;
	unsigned n = 0;

	while (th_pop(e, &s) == 1)
		n += s.h.seq == seq && s.h.payload_len > 0;
	return n;
}

/* A lost retransmission of the head: once the peer SACKs three segments
 * sent after the head went again, while the ACK stays at the head, the
 * head goes a third time, at once (no RTO); not before, and only once
 * per such proof. */
TH_CASE(t_lost_retransmission)
{
	uint32_t nxt;
	unsigned long before;

	IT_TRUE(t, fx_sent(t, w, a, 40 * MSS, &nxt));
	before = a->pcb.st->tcp.lost_retransmits;
	/* Segment 0 lost: the third SACK resends it, with snd_max at 12. */
	sack_segs(a, nxt, 0, 1, 2);
	sack_segs(a, nxt, 0, 1, 3);
	th_drain(a);
	sack_segs(a, nxt, 0, 1, 4);
	IT_EQ(t, pop_count(a, nxt), 1);
	IT_EQ(t, a->pcb.nrxt, 1);
	IT_EQ(t, a->pcb.rxt_log[0].seq, nxt);
	IT_EQ(t, a->pcb.rxt_log[0].max, nxt + 12 * MSS);
	/* SACKs up to 14: new data goes, the head does not. */
	for (unsigned k = 5; k <= 14; k++) {
		sack_segs(a, nxt, 0, 1, k);
		IT_EQ(t, pop_count(a, nxt), 0);
	}
	IT_EQ(t, a->pcb.st->tcp.lost_retransmits, before);
	/* Segment 14 SACKed: three sent after the resent head (12, 13, 14)
	 * arrived, the head did not: it goes again. */
	sack_segs(a, nxt, 0, 1, 15);
	IT_EQ(t, pop_count(a, nxt), 1);
	IT_EQ(t, a->pcb.st->tcp.lost_retransmits, before + 1);
	IT_TRUE(t, a->pcb.in_recovery);
	/* More SACKs below the new mark: not again. */
	sack_segs(a, nxt, 0, 1, 16);
	IT_EQ(t, pop_count(a, nxt), 0);
	/* It arrives: recovery goes on from the next hole, or ends. */
	sack_ack(a, nxt, nxt + 16 * MSS, 0, NULL);
	IT_EQ(t, a->pcb.total_retrans, 2);
	th_drain(a);
}

/* Blocks that lie (below the ACK, past what was sent, empty, reversed,
 * half a sequence space away, at the ACK itself) are ignored: nothing
 * recorded, no duplicate ACKs counted, no recovery; a D-SACK is counted
 * and ignored; a block over the FIN is cut at the data. */
TH_CASE(t_bogus_blocks)
{
	uint32_t nxt;
	static const uint32_t bad[][2] = {
		{0, MSS},                     /* at the ACK */
		{2 * MSS, 11 * MSS},          /* past SND.MAX */
		{3 * MSS, 3 * MSS},           /* empty */
		{5 * MSS, 4 * MSS},           /* reversed */
		{0x80000000u, 0x80001000u},   /* half the space away */
		{0xfffff000u, 2 * MSS},       /* wraps below the ACK */
		{20 * MSS, 21 * MSS},         /* never sent */
	};

	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	for (unsigned r = 0; r < 3; r++) {
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* (a second, valid-looking block makes the first no
			 * D-SACK by containment) */
			uint32_t b[2] = {bad[i][0], bad[i][1]};
			sack_ack(a, nxt + MSS, nxt + MSS, 1, b);
			IT_QUIET(t, a);
		}
	}
	IT_EQ(t, a->pcb.nsacked, 0);
	IT_EQ(t, a->pcb.dupacks, 0);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.dsack_dups, 0);
	/* A D-SACK: below the ACK. */
	uint32_t d[4] = {0, 500};
	sack_ack(a, nxt, nxt + MSS, 1, d);
	IT_EQ(t, a->pcb.dsack_dups, 1);
	/* A D-SACK inside the second block: ignored, the second taken. */
	uint32_t d2[4] = {2 * MSS, 2 * MSS + 100, 2 * MSS, 3 * MSS};
	sack_ack(a, nxt, nxt + MSS, 2, d2);
	IT_EQ(t, a->pcb.dsack_dups, 2);
	IT_EQ(t, a->pcb.nsacked, 1);
	IT_EQ(t, a->pcb.sacked[0].end, nxt + 3 * MSS);
	IT_EQ(t, a->pcb.dupacks, 1);
	IT_QUIET(t, a);
	/* The FIN: a block up to SND.MAX is cut at the last data byte. */
	ks_tcp_shutdown(&a->pcb);
	th_drain(a);
	IT_EQ(t, a->pcb.snd_max, nxt + 10 * MSS + 1);
	uint32_t f[2] = {9 * MSS, 10 * MSS + 1};
	sack_ack(a, nxt, nxt + MSS, 1, f);
	IT_EQ(t, a->pcb.nsacked, 2);
	IT_EQ(t, a->pcb.sacked[1].end, nxt + 10 * MSS);
	th_drain(a);
}

/* The scoreboard is bounded: 20 disjoint ranges reported from the top
 * down keep the lowest 16 (a new lower range pushes out the highest); a
 * range above a full scoreboard is forgotten. */
TH_CASE(t_scoreboard_bound)
{
	uint32_t nxt;

	IT_TRUE(t, th_fx_active(a, false));
	a->pcb.cc = &ks_tcp_newreno;
	nxt = a->pcb.snd_nxt;
	a->pcb.cwnd = 44 * MSS;
	th_peer(a, A, nxt, NULL, 0); /* the peer's scaled window: 131072 */
	IT_EQ(t, th_send(a, 0, 44 * MSS, false), 44 * MSS);
	IT_EQ(t, a->pcb.snd_nxt, nxt + 44 * MSS);
	for (unsigned k = 20; k >= 1; k--) {
		uint32_t b[2] = {2 * k * MSS, (2 * k + 1) * MSS};
		sack_ack(a, nxt, nxt, 1, b);
	}
	IT_EQ(t, a->pcb.nsacked, KS_TCP_SACK_RANGES);
	for (unsigned i = 0; i < KS_TCP_SACK_RANGES; i++) {
		IT_EQ(t, a->pcb.sacked[i].start, nxt + 2 * (i + 1) * MSS);
		IT_EQ(t, a->pcb.sacked[i].end, nxt + (2 * (i + 1) + 1) * MSS);
	}
	uint32_t hi[2] = {42 * MSS, 43 * MSS};
	sack_ack(a, nxt, nxt, 1, hi);
	IT_EQ(t, a->pcb.nsacked, KS_TCP_SACK_RANGES);
	IT_EQ(t, a->pcb.sacked[15].end, nxt + 33 * MSS);
	/* Merging: a block joining ranges 1..3 (segments 4 to 9). */
	uint32_t m[2] = {4 * MSS, 9 * MSS};
	sack_ack(a, nxt, nxt, 1, m);
	IT_EQ(t, a->pcb.nsacked, KS_TCP_SACK_RANGES - 2);
	IT_EQ(t, a->pcb.sacked[1].start, nxt + 4 * MSS);
	IT_EQ(t, a->pcb.sacked[1].end, nxt + 9 * MSS);
	IT_EQ(t, a->pcb.sacked[2].start, nxt + 10 * MSS);
	th_drain(a);
}

/* Reneging: an ACK that stops at the start of SACKed data means the peer
 * dropped it: the scoreboard goes, and the timeout resends that data
 * rather than skipping it. */
TH_CASE(t_reneging)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t t0;

	t0 = th_now(w);
	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	sack_segs(a, nxt, 1, 3, 4);
	IT_EQ(t, a->pcb.nsacked, 1);
	sack_ack(a, nxt, nxt + 3 * MSS, 0, NULL);
	IT_EQ(t, a->pcb.nsacked, 0);
	IT_EQ(t, a->pcb.st->tcp.sack_reneging, 1);
	IT_QUIET(t, a);
	th_run(w, a->deadline);
	IT_TRUE(t, a->deadline > t0);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 3 * MSS, P0, MSS);
	IT_QUIET(t, a);
	/* A partly reneged range (the ACK inside it) goes too. */
	sack_segs(a, nxt, 3, 5, 7);
	IT_EQ(t, a->pcb.nsacked, 1);
	sack_ack(a, nxt, nxt + 6 * MSS, 0, NULL);
	IT_EQ(t, a->pcb.nsacked, 0);
	IT_EQ(t, a->pcb.st->tcp.sack_reneging, 2);
	th_drain(a);
}

/* A timeout keeps the scoreboard: the go-back resends the head, then
 * skips what was SACKed; its duplicate ACKs start no fast recovery until
 * everything sent before the timeout is acknowledged (RFC 6675 5.1). */
TH_CASE(t_rto_with_sack)
{
	struct th_seg s;
	uint32_t nxt, sk, lo, rx;

	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	sack_segs(a, nxt, 0, 3, 4); /* one segment SACKed: no recovery */
	IT_QUIET(t, a);
	th_run(w, a->deadline);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.cwnd, MSS);
	IT_EQ(t, a->pcb.nsacked, 1);
	IT_TRUE(t, a->pcb.recover_hold);
	ks_tcp_sack_counts(&a->pcb, &sk, &lo, &rx);
	IT_EQ(t, sk, 1);
	IT_EQ(t, lo, 9);
	IT_EQ(t, rx, 1);
	/* Segment 0 acknowledged: cwnd 2, segments 1 and 2 again. */
	sack_segs(a, nxt, 1, 3, 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + MSS, P0, MSS);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 2 * MSS, P0, MSS);
	IT_QUIET(t, a);
	/* Segment 1 acknowledged: cwnd 3, in flight 1: segment 3 is
	 * SACKed, so 4 and 5 go. */
	sack_segs(a, nxt, 2, 3, 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 4 * MSS, P0, MSS);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 5 * MSS, P0, MSS);
	IT_QUIET(t, a);
	/* Duplicate ACKs SACKing what the go-back resends: no recovery. */
	for (unsigned k = 5; k <= 9; k++)
		sack_segs(a, nxt, 2, 3, k);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.st->tcp.sack_recovery, 0);
	th_drain(a);
	sack_ack(a, nxt, nxt + 10 * MSS, 0, NULL);
	IT_TRUE(t, !a->pcb.recover_hold);
	IT_EQ(t, a->pcb.snd_una, a->pcb.snd_max);
	th_drain(a);
}

/* Without SACK agreed, blocks on ACKs are ignored and recovery is
 * NewReno's: the third duplicate ACK resends the head, cwnd inflates. */
TH_CASE(t_no_sack_newreno)
{
	struct th_seg s;
	uint32_t nxt;

	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	a->pcb.sack_ok = false; /* as if the peer's SYN had no SACK-permitted */
	sack_segs(a, nxt, 1, 2, 3);
	sack_segs(a, nxt, 1, 2, 4);
	sack_segs(a, nxt, 1, 2, 4); /* the same block: still a duplicate here */
	IT_QUIET(t, a);
	sack_segs(a, nxt, 1, 2, 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.nsacked, 0);
	IT_EQ(t, a->pcb.cwnd, 9 * MSS / 2 + 3 * MSS);
	sack_segs(a, nxt, 1, 2, 5);
	IT_EQ(t, a->pcb.cwnd, 9 * MSS / 2 + 4 * MSS);
	/* A partial ACK resends the next hole at once. */
	sack_segs(a, nxt, 4, 5, 6);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 4 * MSS, P0, MSS);
	th_drain(a);
}

/* A peer that agreed to SACK but sends no blocks: three classic
 * duplicate ACKs still start (SACK) recovery at the head. */
TH_CASE(t_sack_without_blocks)
{
	struct th_seg s;
	uint32_t nxt;

	IT_TRUE(t, fx_sent(t, w, a, 10 * MSS, &nxt));
	for (int i = 0; i < 3; i++)
		sack_ack(a, nxt, nxt + MSS, 0, NULL);
	/* (the first moved SND.UNA; two duplicates so far) */
	IT_QUIET(t, a);
	sack_ack(a, nxt, nxt + MSS, 0, NULL);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.in_recovery);
	th_drain(a);
}

/* ---- tail-loss probes (RFC 8985 7) ---- */

/* Established with probes on, SRTT 20 ms (PTO 40 ms), `queued` bytes
 * written at t0 (*t0): ten segments out. */
static bool fx_tlp(struct it_ctx *t, struct th *w, struct th_end *a, uint32_t queued,
		   uint32_t *nxt, uint64_t *t0)
{
	if (!th_fx_active(a, false)) {
		it_fail(t, __FILE__, __LINE__, "fixture: %s", w->why);
		return false;
	}
	a->pcb.cc = &ks_tcp_newreno;
	a->pcb.tlp_on = true;
	a->pcb.srtt_ns = 20 * NS_MS;
	*nxt = a->pcb.snd_nxt;
	*t0 = th_now(w);
	if (th_send(a, 0, queued, false) != (long)queued)
		return false;
	th_drain(a);
	a->pcb.rtt_timing = false; /* SRTT stays 20 ms */
	return a->pcb.tlp_armed && a->deadline == *t0 + 40 * NS_MS;
}

/* The last three segments lost: 2 SRTT after the last ACK a probe resends
 * the last one (not the RTO); its SACK marks the two below it lost (they
 * went before it), so recovery resends both at once; one probe per tail:
 * after it the timer is the RTO. */
TH_CASE(t_tlp_tail)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t t0;

	IT_TRUE(t, fx_tlp(t, w, a, 10 * MSS, &nxt, &t0));
	th_advance(w, 5 * NS_MS);
	sack_ack(a, nxt, nxt + 7 * MSS, 0, NULL);
	IT_EQ(t, a->deadline, t0 + 45 * NS_MS); /* restarted by the ACK */
	th_run(w, t0 + 45 * NS_MS - 1);
	IT_QUIET(t, a);
	th_run(w, t0 + 45 * NS_MS);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 9 * MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.st->tcp.loss_probes, 1);
	IT_TRUE(t, a->pcb.tlp_out && !a->pcb.tlp_armed);
	IT_EQ(t, a->deadline, th_now(w) + a->pcb.rto_ns);
	IT_EQ(t, a->pcb.total_rto, 0);
	th_advance(w, 20 * NS_MS);
	uint32_t b[2] = {9 * MSS, 10 * MSS};
	sack_ack(a, nxt, nxt + 7 * MSS, 1, b);
	IT_TRUE(t, a->pcb.in_recovery);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 7 * MSS, P0, MSS);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 8 * MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.cwnd, 2 * MSS);
	sack_ack(a, nxt, nxt + 10 * MSS, 0, NULL);
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, a->pcb.total_retrans, 3);
	IT_EQ(t, a->pcb.total_rto, 0);
	IT_EQ(t, a->deadline, 0);
}

/* With data waiting (cwnd full) the probe is a new segment, past cwnd;
 * when its ACK covers it nothing was lost: no reduction. */
TH_CASE(t_tlp_new_data)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t t0;

	IT_TRUE(t, fx_tlp(t, w, a, 20 * MSS, &nxt, &t0));
	IT_EQ(t, a->pcb.snd_nxt, nxt + 10 * MSS);
	th_run(w, t0 + 40 * NS_MS);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 10 * MSS, P0, MSS);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.tlp_out && !a->pcb.tlp_retrans);
	IT_EQ(t, a->pcb.tlp_end, nxt + 11 * MSS);
	IT_EQ(t, a->pcb.total_retrans, 0);
	uint32_t ss = a->pcb.ssthresh;
	sack_ack(a, nxt, nxt + 11 * MSS, 0, NULL);
	IT_TRUE(t, !a->pcb.tlp_out);
	IT_EQ(t, a->pcb.ssthresh, ss);
	IT_EQ(t, a->pcb.st->tcp.loss_probe_recovery, 0);
	th_drain(a);
}

/* One segment lost at the tail (and the ACK of the one before): the
 * probe repairs it. Its ACK alone
 * cannot tell a repair from a duplicate (no D-SACK); the next ACK past
 * it ends the episode and reduces cwnd (RFC 8985 7.4.2, as Linux). A
 * D-SACK for the probe instead says nothing was lost. */
TH_CASE(t_tlp_repaired)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t t0;

	IT_TRUE(t, fx_tlp(t, w, a, 10 * MSS, &nxt, &t0));
	sack_ack(a, nxt, nxt + 8 * MSS, 0, NULL); /* 9 is lost, 8's ACK too */
	IT_TRUE(t, a->pcb.tlp_armed);
	th_run(w, a->deadline);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 9 * MSS, P0, MSS);
	IT_TRUE(t, a->pcb.tlp_out && a->pcb.tlp_retrans);
	sack_ack(a, nxt, nxt + 10 * MSS, 0, NULL);
	IT_TRUE(t, a->pcb.tlp_out);
	IT_EQ(t, th_send(a, 10 * MSS, 100, false), 100);
	th_drain(a);
	sack_ack(a, nxt, nxt + 10 * MSS + 100, 0, NULL);
	IT_TRUE(t, !a->pcb.tlp_out);
	IT_EQ(t, a->pcb.st->tcp.loss_probe_recovery, 1);
	IT_EQ(t, a->pcb.ssthresh, 2 * MSS); /* half of the 100 bytes: the floor */
	IT_EQ(t, a->pcb.cwnd, 2 * MSS);
	/* Again, and this time the peer D-SACKs the probe. */
	a->pcb.cwnd = 10 * MSS;
	IT_EQ(t, th_send(a, 10 * MSS + 100, 3 * MSS, false), 3 * MSS);
	th_drain(a);
	uint32_t end = nxt + 13 * MSS + 100;
	IT_TRUE(t, a->pcb.tlp_armed);
	th_run(w, a->deadline);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, end - MSS, P0, MSS);
	uint32_t d[2] = {13 * MSS + 100 - MSS, 13 * MSS + 100};
	sack_ack(a, nxt, end, 1, d);
	IT_TRUE(t, !a->pcb.tlp_out);
	IT_EQ(t, a->pcb.dsack_dups, 1);
	IT_EQ(t, a->pcb.st->tcp.loss_probe_recovery, 1);
	IT_EQ(t, a->pcb.cwnd, 10 * MSS);
	IT_EQ(t, a->pcb.st->tcp.loss_probes, 2);
}

/* Probes only where they belong: not without SACK, not without an RTT
 * sample, not for one segment in flight (2 SRTT + 200 ms is later than
 * the RTO), not while a probe is out. */
TH_CASE(t_tlp_when)
{
	uint32_t nxt;
	uint64_t t0;

	IT_TRUE(t, th_fx_active(a, false));
	a->pcb.tlp_on = true;
	a->pcb.srtt_ns = 20 * NS_MS;
	nxt = a->pcb.snd_nxt;
	t0 = th_now(w);
	IT_EQ(t, th_send(a, 0, 1000, false), 1000);
	th_drain(a);
	IT_TRUE(t, !a->pcb.tlp_armed);
	IT_EQ(t, a->deadline, t0 + a->pcb.rto_ns);
	sack_ack(a, nxt, nxt + 1000, 0, NULL);
	a->pcb.sack_ok = false;
	IT_EQ(t, th_send(a, 1000, 3 * MSS, false), 3 * MSS);
	th_drain(a);
	IT_TRUE(t, !a->pcb.tlp_armed);
	sack_ack(a, nxt, nxt + 1000 + 3 * MSS, 0, NULL);
	a->pcb.sack_ok = true;
	a->pcb.srtt_ns = 0;
	IT_EQ(t, th_send(a, 1000 + 3 * MSS, 3 * MSS, false), 3 * MSS);
	th_drain(a);
	IT_TRUE(t, !a->pcb.tlp_armed);
	th_drain(a);
}

/* ---- end to end ---- */

static uint8_t buf[1 << 16];
static uint8_t want[1 << 16];

struct lossy {
	unsigned long retrans, rto; /* segments resent, timeouts */
	uint64_t ns;                /* time the transfer took */
	bool ok;
};

/* A lossy 512 KiB transfer from a to a listener's child on seed, with
 * or without SACK. */
static struct lossy lossy_run(struct it_ctx *t, uint64_t seed, bool sack, unsigned loss)
{
	static struct th w;
	static struct th_end a, b;
	struct th_net net = {.rng = seed, .loss_pct = loss, .dup_pct = 1, .reorder_pct = 2};
	uint64_t sent = 0, rcvd = 0, total = 512 << 10, t0;
	struct lossy r = {0};

	th_init(&w, &t->st, &t->clock_ns);
	th_end_init(&w, &a);
	th_end_init(&w, &b);
	th_wire(&a, &b);
	a.pcb.adv_mss = b.pcb.adv_mss = 1460;
	ks_tcp_listen(&b.pcb, 8);
	if (ks_tcp_connect(&a.pcb) != 0)
		goto out;
	th_pump(&w, NULL, 10);
	if (w.nends != 3 || a.pcb.state != KS_TCP_ESTABLISHED)
		goto out;
	struct th_end *c = w.ends[2];
	if (!sack)
		a.pcb.sack_ok = c->pcb.sack_ok = false;
	a.pcb.tlp_on = c->pcb.tlp_on = sack; /* as sockets have them */
	w.net = &net;
	t0 = th_now(&w);
	for (unsigned step = 0; step < 400000 && rcvd < total; step++) {
		uint32_t space = ks_tcp_send_space(&a.pcb);
		uint32_t una = a.pcb.snd_una;
		uint64_t got = rcvd;
		if (sent < total && space) {
			uint32_t n = (uint32_t)(total - sent < space ? total - sent : space);
			if (th_send(&a, sent, n, false) != (long)n)
				goto out;
			sent += n;
		}
		th_pump(&w, &net, 1000);
		long n = th_recv(c, buf, sizeof(buf));
		if (n < 0)
			goto out;
		th_pattern(want, rcvd, (uint32_t)n);
		if (memcmp(buf, want, (size_t)n) != 0 || th_check(&a) || th_check(c))
			goto out; /* (th_check covers the scoreboard) */
		rcvd += (uint64_t)n;
		th_pump(&w, &net, 1000);
		if (a.pcb.state != KS_TCP_ESTABLISHED)
			goto out;
		uint64_t d = a.deadline && (!c->deadline || a.deadline < c->deadline) ? a.deadline
											: c->deadline;
		if (a.pcb.snd_una == una && rcvd == got && d)
			th_run(&w, d);
		else
			th_advance(&w, NS_MS);
	}
	r.ok = rcvd == total && !w.bad;
	r.retrans = a.pcb.total_retrans;
	r.rto = a.pcb.total_rto;
	r.ns = th_now(&w) - t0;
out:
	w.net = NULL;
	th_fini(&w);
	return r;
}

/* The same lossy paths (2 %, 5 % and 10 % loss, 1 % duplication, 2 %
 * reordering, 8 seeds each) with and without SACK: every transfer
 * completes; with SACK there are fewer timeouts, fewer segments resent
 * and the transfers take less time. (The harness's path has no delay:
 * time passes 1 ms per step and in timeouts.) */
static void t_lossy_compare(struct it_ctx *t)
{
	static const unsigned losses[] = {2, 5, 10};
	struct lossy with = {0}, without = {0};

	for (unsigned l = 0; l < 3; l++) {
		for (uint64_t seed = 1; seed <= 8; seed++) {
			uint64_t rng = (seed + 100 * l) * 0x9e3779b97f4a7c15ull;
			struct lossy r1 = lossy_run(t, rng, true, losses[l]);
			struct lossy r0 = lossy_run(t, rng, false, losses[l]);
			if (!r1.ok || !r0.ok) {
				it_fail(t, __FILE__, __LINE__, "loss %u%% seed %llu: a transfer failed",
					losses[l], (unsigned long long)seed);
				return;
			}
			with.retrans += r1.retrans;
			with.rto += r1.rto;
			with.ns += r1.ns;
			without.retrans += r0.retrans;
			without.rto += r0.rto;
			without.ns += r0.ns;
		}
	}
	printf("    tcp_sack/lossy_compare: 24 lossy 512 KiB transfers: with SACK %lu resent, "
	       "%lu timeouts, %llu ms; without %lu resent, %lu timeouts, %llu ms\n",
	       with.retrans, with.rto, (unsigned long long)(with.ns / NS_MS), without.retrans,
	       without.rto, (unsigned long long)(without.ns / NS_MS));
	IT_TRUE(t, with.rto < without.rto);
	IT_TRUE(t, with.retrans <= without.retrans);
	IT_TRUE(t, with.ns < without.ns);
}

const struct it_case it_cases_tcp_sack[] = {
	{"one_hole", t_one_hole},
	{"holes", t_holes},
	{"new_data_by_pipe", t_new_data_by_pipe},
	{"bogus_blocks", t_bogus_blocks},
	{"scoreboard_bound", t_scoreboard_bound},
	{"reneging", t_reneging},
	{"rto_with_sack", t_rto_with_sack},
	{"no_sack_newreno", t_no_sack_newreno},
	{"sack_without_blocks", t_sack_without_blocks},
	{"tlp_tail", t_tlp_tail},
	{"tlp_new_data", t_tlp_new_data},
	{"tlp_repaired", t_tlp_repaired},
	{"tlp_when", t_tlp_when},
	{"lost_retransmission", t_lost_retransmission},
	{"lossy_compare", t_lossy_compare},
	{0},
};

/*
 * tcp_sack.c - the sender's use of the SACK blocks it receives (RFC 2018,
 * RFC 6675): a scoreboard of what the peer holds above snd_una, and loss
 * recovery driven by it; and tail-loss probes (RFC 8985 7), which make a
 * lost tail show in SACK blocks instead of waiting for the RTO.
 *
 * The scoreboard. The send ring keeps no per-segment records, so the
 * scoreboard is byte ranges: pcb->sacked[], at most KS_TCP_SACK_RANGES,
 * ascending, disjoint and not touching, all inside (snd_una, end of the
 * data sent]. Each ACK's blocks are checked before they are merged in
 * (ks_tcp_sack_take): a block must lie inside (ack, snd_max] and may not
 * claim the FIN; anything else (a D-SACK, RFC 2883; a stale or forged
 * block) is ignored. When all ranges are taken, a new range above them is
 * forgotten, and one below them pushes out the highest: forgetting is safe
 * (the data only looks outstanding), inventing is not. As snd_una moves
 * the ranges below it go (ks_tcp_sack_trim); a range left starting at
 * snd_una means the peer dropped data it had SACKed (reneging, RFC 2018
 * 8): the whole scoreboard is dropped, and what it named will be resent.
 *
 * Recovery (RFC 6675 5). Outside recovery an ACK that SACKs new data is a
 * duplicate ACK (so is, for a peer that sends no blocks, a classic one);
 * the third, or enough SACKed data above snd_una to call it lost
 * (IsLost: DupThresh ranges or more than DupThresh - 1 segments of bytes
 * above; RFC 6675 4 counts "discontiguous SACKed sequences", which with
 * no per-segment records are the ranges), starts recovery: ssthresh and cwnd from the congestion control,
 * the first segment resent, RecoveryPoint = snd_max. Then, on every ACK,
 * while cwnd - pipe >= 1 MSS, NextSeg: the first lost hole above HighRxt
 * (rule 1), else new data (rule 2, tcp_out.c's loop), else a hole not yet
 * lost but below SACKed data (rule 3). Rule 4, the rescue retransmission
 * of the tail (a MAY), is left out as on Linux: it resends the tail
 * spuriously whenever the last ACKs are merely in flight, and a lost
 * tail is the tail-loss probe's (RFC 8985). Recovery ends when snd_una
 * reaches RecoveryPoint (tcp_in.c). Since IsLost is monotonic, the lost
 * holes are those below one point (lost_below), and pipe, counted in
 * bytes, is: unSACKed outstanding, less unSACKed lost, plus unSACKed
 * retransmitted (below HighRxt).
 *
 * A lost retransmission. RFC 6675 resends a hole once; if that copy is
 * lost too, only the RTO finds it, and with the 200 ms floor on a path of
 * a millisecond that stalls the connection for a long time (5 % loss over
 * a TAP: 22 timeouts in 4 MiB). Linux found these with
 * tcp_mark_lost_retrans before RACK: data the peer SACKs that was sent
 * after a retransmission proves the retransmission lost (without
 * reordering). The send ring keeps no per-segment records, so recovery
 * remembers its last KS_TCP_RXT_LOG retransmissions with snd_max at the
 * time each went (pcb->rxt_log), and checks the one that holds everything
 * back, the head at snd_una: once the peer SACKs DupThresh segments past
 * the snd_max of its last copy (as IsLost asks, against reordering), it
 * is resent again, at once, and the holes after it again as NextSeg
 * finds them.
 *
 * After a timeout the go-back (tcp_timer.c, tcp_out.c) skips SACKed data
 * and counts only what it resent as in flight, as Linux does; the
 * scoreboard is kept unless the peer reneged.
 *
 * Interface: tcp_impl.h ("SACK", "Tail-loss probes"), ks_tcp_sack_counts
 * (tcp.h). Locking: the pcb's owner's; called from input, output and the
 * timer, never sleeps. Nothing is allocated. Not supported: RACK's
 * time-based loss detection (RFC 8985 6), proportional rate reduction
 * (RFC 6937), the rescue retransmission.
 */
#include "tcp_impl.h"

#define DUPTHRESH 3 /* RFC 6675 2 */

/* The end of the data sent: a block may not go past it (the FIN). */
static uint32_t data_end(const struct ks_tcp_pcb *pcb)
{
	uint32_t end = pcb->sbuf_seq + pcb->snd_len;

	return ks_seq_lt(pcb->snd_max, end) ? pcb->snd_max : end;
}

/* Bytes of [a, b) that r covers. */
static uint32_t overlap(const struct ks_tcp_ooo *r, uint32_t a, uint32_t b)
{
	uint32_t lo = ks_seq_gt(r->start, a) ? r->start : a;
	uint32_t hi = ks_seq_lt(r->end, b) ? r->end : b;

	return ks_seq_lt(lo, hi) ? hi - lo : 0;
}

/* Bytes of [a, b) not SACKed. */
static uint32_t unsacked(const struct ks_tcp_pcb *pcb, uint32_t a, uint32_t b)
{
	if (!ks_seq_lt(a, b))
		return 0;
	uint32_t n = b - a;
	for (unsigned i = 0; i < pcb->nsacked; i++)
		n -= overlap(&pcb->sacked[i], a, b);
	return n;
}

/* Merges [s, e) into the ranges; returns the bytes it newly covers. */
static uint32_t add_range(struct ks_tcp_pcb *pcb, uint32_t s, uint32_t e)
{
	struct ks_tcp_ooo *r = pcb->sacked;
	unsigned n = pcb->nsacked, i = 0, j;
	uint32_t fresh = e - s, lo = s, hi = e;

	while (i < n && ks_seq_lt(r[i].end, s))
		i++;
	for (j = i; j < n && ks_seq_le(r[j].start, e); j++) {
		fresh -= overlap(&r[j], s, e);
		if (ks_seq_lt(r[j].start, lo))
			lo = r[j].start;
		if (ks_seq_gt(r[j].end, hi))
			hi = r[j].end;
	}
	if (j > i) {
		/* r[i..j) merge into one. */
		r[i].start = lo;
		r[i].end = hi;
		unsigned gone = j - i - 1;
		for (unsigned k = i + 1; k + gone < n; k++)
			r[k] = r[k + gone];
		pcb->nsacked = (uint8_t)(n - gone);
		return fresh;
	}
	if (n == KS_TCP_SACK_RANGES) {
		if (i == n)
			return 0; /* above every range, no room: forgotten */
		n--;              /* the highest range is forgotten */
	}
	for (unsigned k = n; k > i; k--)
		r[k] = r[k - 1];
	r[i].start = s;
	r[i].end = e;
	pcb->nsacked = (uint8_t)(n + 1);
	return fresh;
}

/* RFC 2883 4: the first block is a D-SACK when it lies below the ACK
 * (within a window of it) or inside the second block. */
static bool is_dsack(const struct ks_tcp_pcb *pcb, const struct ks_tcp_opts *o, uint32_t ack)
{
	uint32_t s = o->sack[0][0], e = o->sack[0][1];

	if (!ks_seq_lt(s, e))
		return false;
	if (ks_seq_le(e, ack) && ack - s <= pcb->max_wnd)
		return true;
	return o->nsack > 1 && ks_seq_ge(s, o->sack[1][0]) && ks_seq_le(e, o->sack[1][1]) &&
	       ks_seq_lt(o->sack[1][0], o->sack[1][1]);
}

uint32_t ks_tcp_sack_take(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h)
{
	const struct ks_tcp_opts *o = &h->opt;
	uint32_t base = ks_seq_gt(h->ack, pcb->snd_una) ? h->ack : pcb->snd_una;
	uint32_t span = pcb->snd_max - base, top = data_end(pcb) - base;
	uint32_t fresh = 0;

	if (!o->nsack || ks_seq_lt(pcb->snd_max, base))
		return 0;
	for (unsigned b = 0; b < o->nsack && b < KS_TCP_SACK_MAX; b++) {
		/* Offsets from base make the checks immune to wrapping. */
		uint32_t s = o->sack[b][0] - base, e = o->sack[b][1] - base;
		if (b == 0 && is_dsack(pcb, o, h->ack)) {
			pcb->dsack_dups++;
			/* RFC 8985 7.4.1: the probe was a duplicate, so nothing
			 * was lost. */
			if (pcb->tlp_out && pcb->tlp_retrans &&
			    ks_seq_lt(o->sack[0][0], pcb->tlp_end) &&
			    ks_seq_gt(o->sack[0][1], pcb->tlp_seq))
				pcb->tlp_out = false;
			continue;
		}
		if (s == 0 || s >= e || e > span)
			continue; /* not above the ACK, empty, or never sent */
		if (e > top)
			e = top; /* the FIN is not recorded */
		if (s < e)
			fresh += add_range(pcb, base + s, base + e);
	}
	return fresh;
}

void ks_tcp_sack_trim(struct ks_tcp_pcb *pcb)
{
	unsigned k = 0;

	for (unsigned i = 0; i < pcb->nsacked; i++) {
		struct ks_tcp_ooo r = pcb->sacked[i];
		if (ks_seq_le(r.end, pcb->snd_una))
			continue;
		if (ks_seq_lt(r.start, pcb->snd_una))
			r.start = pcb->snd_una;
		pcb->sacked[k++] = r;
	}
	pcb->nsacked = (uint8_t)k;
	if (k && pcb->sacked[0].start == pcb->snd_una) {
		/* The ACK stops at (or in) data the peer SACKed: it reneged. */
		pcb->nsacked = 0;
		__atomic_add_fetch(&pcb->st->tcp.sack_reneging, 1, __ATOMIC_RELAXED);
	}
	if (ks_seq_lt(pcb->high_rxt, pcb->snd_una))
		pcb->high_rxt = pcb->snd_una;
}

/* RFC 6675 IsLost, for every sequence number at once: the point below
 * which every byte not SACKed is lost (snd_una: none). In recovery a
 * SACKed tail-loss probe may have marked more (lost_mark). */
static uint32_t lost_below(const struct ks_tcp_pcb *pcb)
{
	uint32_t bytes = 0, at = pcb->snd_una;

	for (unsigned i = pcb->nsacked; i > 0; i--) {
		const struct ks_tcp_ooo *r = &pcb->sacked[i - 1];
		bytes += r->end - r->start;
		if (pcb->nsacked - (i - 1) >= DUPTHRESH ||
		    bytes > (DUPTHRESH - 1) * (uint32_t)pcb->mss) {
			at = r->start;
			break;
		}
	}
	if (pcb->in_recovery && ks_seq_gt(pcb->lost_mark, at) &&
	    ks_seq_le(pcb->lost_mark, pcb->snd_max))
		at = pcb->lost_mark;
	return at;
}

/* RFC 6675 SetPipe, in bytes. */
static uint32_t pipe(const struct ks_tcp_pcb *pcb)
{
	return unsacked(pcb, pcb->snd_una, pcb->snd_max) -
	       unsacked(pcb, pcb->snd_una, lost_below(pcb)) +
	       unsacked(pcb, pcb->snd_una, pcb->high_rxt);
}

uint32_t ks_tcp_cc_flight(const struct ks_tcp_pcb *pcb)
{
	if (!pcb->sack_ok)
		return pcb->snd_nxt - pcb->snd_una;
	if (pcb->in_recovery)
		return pipe(pcb);
	/* SACKed data has left the network (and the go-back after a
	 * timeout skips it). */
	return unsacked(pcb, pcb->snd_una, pcb->snd_nxt);
}

/* The first hole at or above HighRxt below SACKed data (NextSeg rules 1
 * and 3): its start and up to an MSS of it. */
static bool next_hole(const struct ks_tcp_pcb *pcb, uint32_t *seq, uint32_t *len)
{
	uint32_t s = ks_seq_lt(pcb->high_rxt, pcb->snd_una) ? pcb->snd_una : pcb->high_rxt;

	for (unsigned i = 0; i < pcb->nsacked; i++) {
		const struct ks_tcp_ooo *r = &pcb->sacked[i];
		if (ks_seq_ge(s, r->end))
			continue;
		if (ks_seq_ge(s, r->start)) {
			s = r->end;
			continue;
		}
		*seq = s;
		*len = ks_tcp_min32(r->start - s, pcb->mss);
		return true;
	}
	return false;
}

/* Remembers that seq went again now (the log keeps the newest). */
static void rxt_log(struct ks_tcp_pcb *pcb, uint32_t seq)
{
	unsigned i, n = pcb->nrxt;

	for (i = 0; i < n && pcb->rxt_log[i].seq != seq; i++)
		;
	if (i == n && n == KS_TCP_RXT_LOG)
		i = 0; /* full: the oldest goes */
	else if (i == n)
		pcb->nrxt = (uint8_t)++n;
	for (; i + 1 < n; i++) /* the entry moves to the end: newest last */
		pcb->rxt_log[i] = pcb->rxt_log[i + 1];
	pcb->rxt_log[n - 1] = (struct ks_tcp_rxt){ seq, pcb->snd_max };
}

/* Resends [seq, seq + len) (with the FIN when it ends the data and the
 * FIN was sent). false: no buffer. */
static bool resend(struct ks_tcp_pcb *pcb, uint32_t seq, uint32_t len)
{
	uint8_t flags = KS_TCP_ACK | KS_TCP_PSH;

	if (pcb->fin_sent && seq + len == pcb->sbuf_seq + pcb->snd_len)
		flags |= KS_TCP_FIN;
	if (ks_tcp_xmit(pcb, seq, flags, seq - pcb->sbuf_seq, len))
		return false;
	if (pcb->in_recovery)
		rxt_log(pcb, seq);
	/* Karn: a sample of the timed segment would be ambiguous now. */
	if (pcb->rtt_timing && ks_seq_gt(seq + len, pcb->rtt_seq - pcb->mss))
		pcb->rtt_timing = false;
	pcb->total_retrans++;
	return true;
}

bool ks_tcp_sack_lost(const struct ks_tcp_pcb *pcb, uint32_t seq)
{
	return ks_seq_lt(seq, lost_below(pcb));
}

void ks_tcp_sack_enter(struct ks_tcp_pcb *pcb)
{
	uint32_t seq, len;

	/* RFC 6675 5 (4.1)-(4.3); cwnd is not inflated: pipe limits. */
	pcb->ssthresh = pcb->cc->ssthresh(pcb);
	pcb->cwnd = pcb->ssthresh;
	pcb->ca_acc = 0;
	pcb->recover = pcb->snd_max;
	pcb->in_recovery = true;
	pcb->tlp_out = false; /* this recovery reduces cwnd already */
	if (pcb->tlp_armed) {
		/* No probe in recovery: the RTO again. */
		pcb->tlp_armed = false;
		pcb->t_rtx = ks_tcp_now(pcb) + pcb->rto_ns;
	}
	pcb->high_rxt = pcb->snd_una;
	pcb->lost_mark = pcb->snd_una;
	pcb->nrxt = 0;
	__atomic_add_fetch(&pcb->st->tcp.sack_recovery, 1, __ATOMIC_RELAXED);
	if (!next_hole(pcb, &seq, &len)) {
		/* No blocks (a peer that sends none): the head. */
		seq = pcb->snd_una;
		len = ks_tcp_min32(data_end(pcb) - seq, pcb->mss);
	}
	if (len && resend(pcb, seq, len))
		pcb->high_rxt = seq + len;
}

/* Whether cwnd - pipe >= 1 MSS (RFC 6675 5 (C)). */
static bool room(const struct ks_tcp_pcb *pcb)
{
	uint32_t p = pipe(pcb);

	return pcb->cwnd > p && pcb->cwnd - p >= pcb->mss;
}

/* The head's resent copy was lost (above): resend it at once. */
static void head_rxt_lost(struct ks_tcp_pcb *pcb)
{
	const struct ks_tcp_rxt *r = NULL;

	if (!pcb->in_recovery || !pcb->nsacked)
		return;
	for (unsigned i = 0; i < pcb->nrxt; i++)
		if (pcb->rxt_log[i].seq == pcb->snd_una)
			r = &pcb->rxt_log[i];
	if (!r || ks_seq_lt(pcb->sacked[pcb->nsacked - 1].end, r->max + DUPTHRESH * pcb->mss))
		return;
	uint32_t end = ks_seq_gt(pcb->sacked[0].start, pcb->snd_una) ? pcb->sacked[0].start
								     : data_end(pcb);
	uint32_t len = ks_tcp_min32(end - pcb->snd_una, pcb->mss);
	if (!len || !resend(pcb, pcb->snd_una, len))
		return;
	/* What else was resent then (the rest of a lost run went in the same
	 * breath) is as lost: NextSeg starts again after the head, as cwnd
	 * allows. (Some of it may have gone later and still be on its way:
	 * resent twice, at worst.) */
	pcb->high_rxt = pcb->snd_una + len;
	__atomic_add_fetch(&pcb->st->tcp.lost_retransmits, 1, __ATOMIC_RELAXED);
}

void ks_tcp_sack_resend(struct ks_tcp_pcb *pcb, bool after_new)
{
	uint32_t seq, len;

	head_rxt_lost(pcb);
	while (room(pcb) && next_hole(pcb, &seq, &len)) {
		if (!after_new && !ks_tcp_sack_lost(pcb, seq))
			return; /* rule 1 only: new data comes first */
		if (!resend(pcb, seq, len))
			return;
		pcb->high_rxt = seq + len;
	}
}

void ks_tcp_sack_skip(struct ks_tcp_pcb *pcb)
{
	for (unsigned i = 0; i < pcb->nsacked; i++) {
		const struct ks_tcp_ooo *r = &pcb->sacked[i];
		if (ks_seq_ge(pcb->snd_nxt, r->start) && ks_seq_lt(pcb->snd_nxt, r->end))
			pcb->snd_nxt = r->end;
	}
}

uint32_t ks_tcp_sack_clip(const struct ks_tcp_pcb *pcb, uint32_t len)
{
	for (unsigned i = 0; i < pcb->nsacked; i++) {
		const struct ks_tcp_ooo *r = &pcb->sacked[i];
		if (ks_seq_gt(r->start, pcb->snd_nxt) && ks_seq_lt(r->start, pcb->snd_nxt + len))
			return r->start - pcb->snd_nxt;
	}
	return len;
}

void ks_tcp_sack_counts(const struct ks_tcp_pcb *pcb, uint32_t *sacked, uint32_t *lost,
			uint32_t *retrans)
{
	uint32_t mss = pcb->mss ? pcb->mss : 1;
	uint32_t s = 0, l = 0, r = 0;

	for (unsigned i = 0; i < pcb->nsacked; i++)
		s += pcb->sacked[i].end - pcb->sacked[i].start;
	if (pcb->in_recovery) {
		l = unsacked(pcb, pcb->snd_una, lost_below(pcb));
		r = unsacked(pcb, pcb->snd_una, pcb->high_rxt);
	} else if (pcb->recover_hold) {
		/* After a timeout all outstanding is lost; what the go-back
		 * sent again is retransmitted (Linux's Loss state). */
		l = unsacked(pcb, pcb->snd_una, pcb->snd_max);
		r = unsacked(pcb, pcb->snd_una, pcb->snd_nxt);
	}
	*sacked = (s + mss - 1) / mss;
	*lost = (l + mss - 1) / mss;
	*retrans = (r + mss - 1) / mss;
}

/* ---- tail-loss probes (RFC 8985 7) ----
 * When the last segments of a flight are lost no duplicate ACKs come,
 * and only the RTO would resend. Instead, after 2 SRTT without an ACK
 * (more when one segment is out and a delayed ACK may hold its answer),
 * a probe goes: a new segment if the windows allow, else the last one
 * again. Its ACK (with SACK) starts fast recovery for the rest. One probe
 * per tail: the next waits until an ACK ends this episode. The PTO lives
 * in t_rtx (tlp_armed), as Linux's loss-probe timer shares its slot with
 * the RTO; it is never later than the RTO would be.
 */
#define WCDELACK_NS 200000000ull /* RFC 8985 7.2: WCDelAckT */
#define PTO_MIN_NS 10000000ull   /* Linux's floor: 10 ms */

static bool probing_state(const struct ks_tcp_pcb *pcb)
{
	return ks_tcp_state_sends(pcb->state);
}

void ks_tcp_tlp_arm(struct ks_tcp_pcb *pcb)
{
	/* The RTO's deadline: t_rtx, or, when t_rtx is a probe timeout,
	 * an RTO from now (backoff is 0 whenever a probe may be armed). */
	uint64_t rto_at = pcb->tlp_armed ? ks_tcp_now(pcb) + pcb->rto_ns : pcb->t_rtx;

	pcb->tlp_armed = false;
	pcb->t_rtx = rto_at;
	if (!pcb->tlp_on || !pcb->sack_ok || !probing_state(pcb) || pcb->in_recovery ||
	    pcb->recover_hold || pcb->persist || pcb->backoff || pcb->tlp_out || !pcb->srtt_ns ||
	    pcb->snd_una == pcb->snd_max || pcb->snd_nxt != pcb->snd_max || !pcb->t_rtx)
		return;
	/* RFC 8985 7.2. */
	uint64_t pto = 2 * pcb->srtt_ns;
	if (ks_tcp_flight(pcb) <= pcb->mss)
		pto += WCDELACK_NS;
	if (pto < PTO_MIN_NS)
		pto = PTO_MIN_NS;
	uint64_t at = ks_tcp_now(pcb) + pto;
	if (at < pcb->t_rtx) {
		pcb->t_rtx = at;
		pcb->tlp_armed = true;
	}
}

/* The probe with new data: one segment, past cwnd and Nagle, inside the
 * peer's window (RFC 8985 7.3). false: none to send. */
static bool probe_new(struct ks_tcp_pcb *pcb)
{
	uint32_t off = pcb->snd_nxt - pcb->sbuf_seq;
	uint32_t avail = pcb->snd_len > off ? pcb->snd_len - off : 0;
	uint32_t flight = pcb->snd_nxt - pcb->snd_una;
	uint32_t rwnd = pcb->snd_wnd > flight ? pcb->snd_wnd - flight : 0;
	uint32_t len = ks_tcp_min32(ks_tcp_min32(avail, rwnd), pcb->mss);
	uint8_t flags = KS_TCP_ACK;

	if (!len || pcb->fin_sent || pcb->snd_nxt != pcb->snd_max)
		return false;
	bool fin = len == avail && pcb->fin_queued;
	if (len == avail)
		flags |= KS_TCP_PSH;
	if (fin)
		flags |= KS_TCP_FIN;
	if (ks_tcp_xmit(pcb, pcb->snd_nxt, flags, off, len))
		return false;
	pcb->tlp_seq = pcb->snd_nxt;
	pcb->snd_nxt += len + (fin ? 1 : 0);
	pcb->snd_max = pcb->snd_nxt;
	if (fin)
		pcb->fin_sent = true;
	return true;
}

/* The probe resending the last segment not SACKed (or the FIN alone). */
static bool probe_last(struct ks_tcp_pcb *pcb)
{
	uint32_t end = data_end(pcb), lo = pcb->snd_una;

	for (unsigned i = pcb->nsacked; i > 0; i--) {
		if (pcb->sacked[i - 1].end == end)
			end = pcb->sacked[i - 1].start;
		else if (ks_seq_lt(pcb->sacked[i - 1].end, end)) {
			lo = pcb->sacked[i - 1].end;
			break;
		}
	}
	uint32_t len = ks_seq_gt(end, lo) ? ks_tcp_min32(end - lo, pcb->mss) : 0;

	if (len) {
		if (!resend(pcb, end - len, len))
			return false;
		pcb->tlp_seq = end - len;
		return true;
	}
	if (!pcb->fin_sent)
		return false;
	if (ks_tcp_xmit(pcb, pcb->snd_max - 1, KS_TCP_FIN | KS_TCP_ACK, 0, 0))
		return false;
	pcb->total_retrans++;
	pcb->tlp_seq = pcb->snd_max - 1;
	return true;
}

void ks_tcp_tlp_fire(struct ks_tcp_pcb *pcb)
{
	if (pcb->snd_una != pcb->snd_max && probing_state(pcb) && !pcb->in_recovery &&
	    !pcb->recover_hold) {
		bool fresh = probe_new(pcb);
		if (fresh || probe_last(pcb)) {
			pcb->tlp_out = true;
			pcb->tlp_retrans = !fresh;
			pcb->tlp_end = pcb->snd_max;
			__atomic_add_fetch(&pcb->st->tcp.loss_probes, 1, __ATOMIC_RELAXED);
		}
	}
	/* RFC 8985 7.3: the RTO next, whether or not a probe went. */
	pcb->t_rtx = 0;
	if (pcb->snd_una != pcb->snd_max) {
		bool on = pcb->tlp_on;
		pcb->tlp_on = false;
		ks_tcp_arm_rtx(pcb);
		pcb->tlp_on = on;
	}
}

void ks_tcp_tlp_ack(struct ks_tcp_pcb *pcb, const struct ks_tcp_hdr *h, bool advanced,
		    uint32_t sacked, bool data)
{
	if (!pcb->tlp_out)
		return;
	if (sacked && !pcb->in_recovery && ks_seq_gt(pcb->tlp_seq, pcb->snd_una)) {
		for (unsigned i = 0; i < pcb->nsacked; i++) {
			const struct ks_tcp_ooo *r = &pcb->sacked[i];
			if (ks_seq_le(r->start, pcb->tlp_seq) && ks_seq_gt(r->end, pcb->tlp_seq)) {
				/* The probe is SACKed: what was sent before it
				 * and is not SACKed went at least 2 SRTT before
				 * it, so it is lost (RACK's rule, RFC 8985 6.2,
				 * for the one send time we know). Recovery. */
				uint32_t mark = pcb->tlp_seq;
				ks_tcp_sack_enter(pcb);
				pcb->lost_mark = mark;
				return;
			}
		}
	}
	if (ks_seq_lt(h->ack, pcb->tlp_end))
		return;
	if (!pcb->tlp_retrans) {
		pcb->tlp_out = false; /* new data: losses show as usual */
		return;
	}
	if (ks_seq_gt(h->ack, pcb->tlp_end)) {
		/* RFC 8985 7.4.2: the episode ended with no sign that the
		 * probe was a duplicate: it repaired a loss. */
		pcb->tlp_out = false;
		pcb->ssthresh = pcb->cc->ssthresh(pcb);
		pcb->cwnd = pcb->ssthresh;
		pcb->ca_acc = 0;
		__atomic_add_fetch(&pcb->st->tcp.loss_probe_recovery, 1, __ATOMIC_RELAXED);
	} else if (!advanced && !sacked && !data) {
		/* A duplicate ACK at TLP.end_seq: the probe arrived as a
		 * duplicate of what the peer held (Linux's reading). */
		pcb->tlp_out = false;
	}
}

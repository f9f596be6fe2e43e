/*
 * tcp_sack.c - the sender's use of the SACK blocks it receives (RFC 2018,
 * RFC 6675): a scoreboard of what the peer holds above snd_una, and loss
 * recovery driven by it.
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
 * above), starts recovery: ssthresh and cwnd from the congestion control,
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
 * After a timeout the go-back (tcp_timer.c, tcp_out.c) skips SACKed data
 * and counts only what it resent as in flight, as Linux does; the
 * scoreboard is kept unless the peer reneged.
 *
 * Interface: tcp_impl.h ("SACK"), ks_tcp_sack_counts (tcp.h). Locking:
 * the pcb's owner's. Nothing is allocated.
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
 * which every byte not SACKed is lost (snd_una: none). */
static uint32_t lost_below(const struct ks_tcp_pcb *pcb)
{
	uint32_t bytes = 0;

	for (unsigned i = pcb->nsacked; i > 0; i--) {
		const struct ks_tcp_ooo *r = &pcb->sacked[i - 1];
		bytes += r->end - r->start;
		if (pcb->nsacked - (i - 1) >= DUPTHRESH ||
		    bytes > (DUPTHRESH - 1) * (uint32_t)pcb->mss)
			return r->start;
	}
	return pcb->snd_una;
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

/* Resends [seq, seq + len) (with the FIN when it ends the data and the
 * FIN was sent). false: no buffer. */
static bool resend(struct ks_tcp_pcb *pcb, uint32_t seq, uint32_t len)
{
	uint8_t flags = KS_TCP_ACK | KS_TCP_PSH;

	if (pcb->fin_sent && seq + len == pcb->sbuf_seq + pcb->snd_len)
		flags |= KS_TCP_FIN;
	if (ks_tcp_xmit(pcb, seq, flags, seq - pcb->sbuf_seq, len))
		return false;
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
	pcb->high_rxt = pcb->snd_una;
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

void ks_tcp_sack_resend(struct ks_tcp_pcb *pcb, bool after_new)
{
	uint32_t seq, len;

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

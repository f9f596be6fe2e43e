/*
 * tcp_user.c - the user's calls on a pcb (RFC 9293 3.10.1-3.10.6: OPEN,
 * SEND is in tcp_out.c, RECEIVE, CLOSE, ABORT) with Linux's choices where
 * the RFC leaves them open: a close with unread data resets (RFC 2525
 * 2.17), SO_LINGER with a zero timeout resets, and new data for a socket
 * that will not read resets.
 */
#include "tcp_impl.h"

int ks_tcp_connect(struct ks_tcp_pcb *pcb)
{
	ks_tcp_set_iss(pcb, ks_tcp_isn(pcb->st, pcb->laddr, pcb->lport, pcb->raddr, pcb->rport));
	pcb->ts_offset = ks_tcp_ts_offset(pcb); /* before the SYN carries a TSval */
	pcb->backoff = 0;
	pcb->last_rcv = ks_tcp_now(pcb);
	pcb->state = KS_TCP_SYN_SENT;
	pcb->rtt_timing = true;
	pcb->rtt_seq = pcb->iss + 1;
	pcb->rtt_start = ks_tcp_now(pcb);
	int err = ks_tcp_send_syn(pcb);
	ks_tcp_arm_rtx(pcb); /* a lost (or unsent) SYN is sent again */
	ks_tcp_timers_changed(pcb);
	return err == -KS_ENOMEM ? -KS_ENOBUFS : 0;
}

void ks_tcp_listen(struct ks_tcp_pcb *pcb, int backlog)
{
	pcb->backlog = backlog;
	pcb->state = KS_TCP_LISTEN;
}

bool ks_tcp_at_mark(const struct ks_tcp_pcb *pcb)
{
	return pcb->urg_state != KS_TCP_URG_NONE && pcb->rcv_up == pcb->rcv_read;
}

/* Drops n bytes from the read point (read, or the skipped urgent byte). */
static void consume(struct ks_tcp_pcb *pcb, uint32_t n)
{
	pcb->rcv_read += n;
	ks_tcp_ring_advance(&pcb->rbuf, n);
	/* Linux: once the read point passed the mark, the urgent byte is
	 * gone, read with MSG_OOB or not. */
	if (pcb->urg_state != KS_TCP_URG_NONE && pcb->urg_state != KS_TCP_URG_NOTYET &&
	    ks_seq_gt(pcb->rcv_read, pcb->rcv_up))
		pcb->urg_state = KS_TCP_URG_NONE;
}

/*
 * Receive-buffer auto-tuning (Linux's tcp_rcv_space_adjust, simplified):
 * once per round trip (the larger of the sender's estimate and the
 * receiver's, tcp_in.c's rcv_rtt_measure; 100 us at least), if the reader
 * took more than ever before in one,
 * the buffer grows to four times that (twice the data, and the window's
 * share of Linux's truesize accounting), up to tcp_rmem[2]; never while
 * out-of-order data sits in the ring, whose offsets would move.
 */
static void rcv_space_adjust(struct ks_tcp_pcb *pcb)
{
	uint64_t now = ks_tcp_now(pcb);
	uint64_t rtt = pcb->srtt_ns > pcb->rcv_rtt_ns ? pcb->srtt_ns : pcb->rcv_rtt_ns;

	if (rtt < 100000)
		rtt = 100000;

	if (!pcb->rcv_tune)
		return;
	if (!pcb->rcvq_time) {
		pcb->rcvq_time = now;
		pcb->rcvq_seq = pcb->rcv_read;
		return;
	}
	if (now - pcb->rcvq_time < rtt)
		return;
	uint32_t copied = pcb->rcv_read - pcb->rcvq_seq;
	pcb->rcvq_time = now;
	pcb->rcvq_seq = pcb->rcv_read;
	if (copied <= pcb->rcvq_space)
		return;
	pcb->rcvq_space = copied;
	uint64_t want = 4ull * copied;
	if (want > KS_TCP_RMEM_MAX)
		want = KS_TCP_RMEM_MAX;
	if (want <= pcb->rcv_limit || pcb->nooo)
		return;
	/* Grow by powers of two: every growth copies what the ring holds. */
	uint64_t lim = pcb->rcv_limit;
	while (lim < want)
		lim *= 2;
	if (lim > KS_TCP_RMEM_MAX)
		lim = KS_TCP_RMEM_MAX;
	if (pcb->rbuf.cap && ks_tcp_ring_reserve(&pcb->rbuf, pcb->rcv_nxt - pcb->rcv_read,
						 (uint32_t)lim + (1u << pcb->rcv_wscale)))
		return; /* no memory: stay as we are */
	pcb->rcv_limit = (uint32_t)lim;
}

long ks_tcp_recv(struct ks_tcp_pcb *pcb, uint32_t off, uint32_t n,
		 int (*copy)(void *arg, const void *src, uint32_t len), void *arg, bool peek)
{
	uint32_t avail = ks_tcp_readable(pcb);
	uint32_t done = 0;

	if (pcb->urg_state != KS_TCP_URG_NONE && pcb->urg_state != KS_TCP_URG_NOTYET) {
		uint32_t mark = pcb->rcv_up - pcb->rcv_read;
		if (mark < avail && mark >= off) {
			if (mark == off && !pcb->oobinline) {
				/* At the mark: the urgent byte is not data. */
				if (peek)
					off++;
				else
					consume(pcb, 1);
				avail = ks_tcp_readable(pcb);
			} else if (mark > off && n > mark - off) {
				n = mark - off; /* stop before it */
			}
		}
	}
	if (off >= avail)
		return 0;
	if (n > avail - off)
		n = avail - off;
	while (done < n) {
		uint32_t k;
		const uint8_t *src = ks_tcp_ring_span(&pcb->rbuf, off + done, n - done, &k);
		if (copy(arg, src, k))
			return done ? (long)done : -KS_EFAULT;
		done += k;
	}
	if (peek || !done)
		return done;
	KS_ASSERT(off == 0);
	consume(pcb, done);
	rcv_space_adjust(pcb);
	if (pcb->fin_rcvd && !ks_tcp_readable(pcb) &&
	    (pcb->state == KS_TCP_TIME_WAIT || pcb->state == KS_TCP_CLOSE))
		ks_tcp_ring_free(&pcb->rbuf); /* all read, and no more can come */
	/* Linux's tcp_cleanup_rbuf: an ACK that was being delayed goes now,
	 * and so does a window that has grown a lot (by two segments, or
	 * doubled) since it was last offered. */
	if (ks_tcp_synchronized(pcb) && !pcb->fin_rcvd) {
		uint32_t cur = ks_seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
		uint32_t now = ks_tcp_rcv_window(pcb);
		bool ack = pcb->t_delack && (pcb->rcv_nxt - pcb->rcv_wup > pcb->mss ||
					     (!pcb->pingpong && !ks_tcp_readable(pcb)));
		if (ack || (now > cur && (now - cur >= 2u * pcb->mss || now >= 2 * cur)))
			ks_tcp_send_ack(pcb);
		ks_tcp_timers_changed(pcb);
	}
	return done;
}

/* Linux's tcp_close_state: where a user's "done sending" takes each state;
 * true when a FIN is to be sent. */
static bool close_state(struct ks_tcp_pcb *pcb)
{
	switch (pcb->state) {
	case KS_TCP_SYN_RECV:
	case KS_TCP_ESTABLISHED:
		ks_tcp_set_state(pcb, KS_TCP_FIN_WAIT1);
		return true;
	case KS_TCP_CLOSE_WAIT:
		ks_tcp_set_state(pcb, KS_TCP_LAST_ACK);
		return true;
	case KS_TCP_SYN_SENT:
	case KS_TCP_LISTEN:
		ks_tcp_done(pcb, 0);
		return false;
	default:
		return false;
	}
}

void ks_tcp_shutdown(struct ks_tcp_pcb *pcb)
{
	if (pcb->fin_queued)
		return;
	if (close_state(pcb)) {
		pcb->fin_queued = true;
		ks_tcp_output(pcb);
	}
}

bool ks_tcp_close(struct ks_tcp_pcb *pcb, bool linger0)
{
	pcb->rcv_shut = true;
	if (pcb->state == KS_TCP_CLOSE)
		return true;
	if (pcb->state == KS_TCP_LISTEN || pcb->state == KS_TCP_SYN_SENT) {
		ks_tcp_done(pcb, 0);
		return true;
	}
	if (ks_tcp_readable(pcb) || linger0) {
		/* RFC 2525 2.17 and Linux's tcp_close: data the user never
		 * read is lost, and the peer is told with a reset. */
		ks_tcp_abort(pcb, 0);
		return true;
	}
	ks_tcp_shutdown(pcb);
	if (pcb->state == KS_TCP_FIN_WAIT2 && !pcb->t_close) {
		pcb->t_close = ks_tcp_now(pcb) + (pcb->linger2_s > 0
							  ? (uint64_t)pcb->linger2_s * 1000000000ull
							  : KS_TCP_FIN_TIMEOUT_NS);
		ks_tcp_timers_changed(pcb);
	}
	return pcb->state == KS_TCP_CLOSE;
}

void ks_tcp_abort(struct ks_tcp_pcb *pcb, int err)
{
	switch (pcb->state) {
	case KS_TCP_SYN_RECV:
	case KS_TCP_ESTABLISHED:
	case KS_TCP_FIN_WAIT1:
	case KS_TCP_FIN_WAIT2:
	case KS_TCP_CLOSE_WAIT:
		ks_tcp_send_rst(pcb, pcb->snd_nxt, 0, 0);
		break;
	default:
		break;
	}
	ks_tcp_done(pcb, err);
}

/* Linux's tcp_v4_err: while connecting, a hard error (port, protocol
 * unreachable, ...) ends the attempt; once connected it is only reported
 * as a soft error, which a later timeout returns. */
void ks_tcp_icmp_error(struct ks_tcp_pcb *pcb, int err, bool hard)
{
	if (pcb->state == KS_TCP_SYN_SENT || pcb->state == KS_TCP_SYN_RECV) {
		if (hard)
			ks_tcp_done(pcb, err);
		return;
	}
	(void)err;
}

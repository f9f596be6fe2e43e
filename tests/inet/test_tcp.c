/*
 * test_tcp.c - the TCP engine's connection states at the segment level
 * (tcp_harness.h): active, passive and simultaneous open, SYN and SYN-ACK
 * retries, resets in SYN-SENT and LISTEN, every close path, RFC 5961
 * resets and SYNs, PAWS, TIME-WAIT reuse, keepalive, TCP_USER_TIMEOUT.
 * The peer is played by the test (th_peer) at TH_PEER:80; our pcb is
 * TH_LOCAL:40000. Exact fields are checked on every segment sent.
 */
#include <string.h>

#include "tcp_harness.h"

#define PISS TH_PEER_ISS

/* ---- opening ---- */

/* The SYN: Linux's options in Linux's order (MSS, SACK-permitted with
 * timestamps, NOP and window scale), window 65535, one retransmission
 * timer at 1 s (RFC 6298 2.1). */
TH_CASE(t_active_syn)
{
	struct th_seg s;

	a->pcb.adv_mss = 1460;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	IT_POP(t, a, s);
	IT_QUIET(t, a);
	IT_SEG(t, s, KS_TCP_SYN, a->pcb.iss, 0, 0);
	IT_TRUE(t, s.src == TH_LOCAL && s.dst == TH_PEER);
	IT_TRUE(t, s.h.sport == TH_LOCAL_PORT && s.h.dport == TH_PEER_PORT);
	IT_EQ(t, s.h.hlen, 40);
	IT_EQ(t, s.h.wnd, 65535);
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
	IT_MEMEQ(t, s.raw + 20, opts, sizeof(opts));
	IT_EQ(t, ks_get32(s.raw + 32), 0); /* TSecr */
	static const uint8_t ws[] = {1, 3, 3, 7};
	IT_MEMEQ(t, s.raw + 36, ws, 4);
	IT_EQ(t, a->deadline, th_now(w) + NS_S);
	IT_EQ(t, a->pcb.snd_una, a->pcb.iss);
	IT_EQ(t, a->pcb.snd_nxt, a->pcb.iss + 1);
}

/* SYN-ACK: ESTABLISHED, the ACK, what was agreed; the handshake is an RTT
 * sample (100 ms: SRTT 100, RTTVAR 50, RTO 100 + max(200, 200) ms). The
 * TSval clock runs on from the SYN's: a peer's PAWS check (RFC 7323 5)
 * would drop our segments if it jumped back. */
TH_CASE(t_active_synack)
{
	struct th_seg syn, s;
	struct th_spec sp = {0};

	a->pcb.adv_mss = 1460;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, syn);
	th_advance(w, 100 * NS_MS);
	sp.flags = SA;
	sp.seq = PISS;
	sp.ack = a->pcb.iss + 1;
	sp.wnd = 65535;
	sp.opt = th_linux_syn_opts(5000, syn.h.opt.tsval);
	IT_EQ(t, th_in(a, &sp), 0);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_EQ(t, th_ev(a), KS_TCP_EV_STATE | KS_TCP_EV_WRITE);
	IT_POP(t, a, s);
	IT_QUIET(t, a);
	IT_SEG(t, s, A, a->pcb.iss + 1, PISS + 1, 0);
	IT_EQ(t, s.h.wnd, 131072 >> 7);
	IT_TRUE(t, s.h.opt.ts_ok && s.h.opt.tsecr == 5000);
	IT_EQ(t, s.h.opt.nsack, 0);
	IT_EQ(t, s.h.hlen, 32); /* NOP NOP TS */
	IT_EQ(t, (int32_t)(s.h.opt.tsval - syn.h.opt.tsval), 100);
	IT_EQ(t, a->pcb.mss, 1448);
	IT_TRUE(t, a->pcb.ws_ok && a->pcb.snd_wscale == 7 && a->pcb.rcv_wscale == 7);
	IT_TRUE(t, a->pcb.sack_ok && a->pcb.ts_ok);
	IT_EQ(t, a->pcb.snd_wnd, 65535);
	IT_EQ(t, a->pcb.srtt_ns, 100 * NS_MS);
	IT_EQ(t, a->pcb.rttvar_ns, 50 * NS_MS);
	IT_EQ(t, a->pcb.rto_ns, 300 * NS_MS);
	IT_EQ(t, a->pcb.cwnd, 10 * 1448);
	IT_EQ(t, a->deadline, 0); /* nothing to time */
}

/* A peer that offers nothing: MSS 536 (RFC 9293 3.7.1), no scaling. */
TH_CASE(t_active_no_opts)
{
	struct th_seg s;
	struct th_spec sp = {0};

	a->pcb.adv_mss = 1460;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	sp.flags = SA;
	sp.seq = PISS;
	sp.ack = a->pcb.iss + 1;
	sp.wnd = 8192;
	th_in(a, &sp);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, a->pcb.iss + 1, PISS + 1, 0);
	IT_EQ(t, s.h.hlen, 20);
	IT_EQ(t, s.h.wnd, 65535); /* unscaled: at most 65535 */
	IT_EQ(t, a->pcb.mss, 536);
	IT_TRUE(t, !a->pcb.ws_ok && !a->pcb.ts_ok && !a->pcb.sack_ok);
	IT_EQ(t, a->pcb.rcv_wscale, 0);
	IT_EQ(t, a->pcb.snd_wnd, 8192);
}

/* A tiny MSS option (with timestamps, which take 12 bytes of it) gives
 * the engine's floor of 64 bytes, never a wrapped-around huge one. */
TH_CASE(t_tiny_mss)
{
	struct th_seg s;
	struct th_spec sp = {0};

	a->pcb.adv_mss = 1460;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	sp.flags = SA;
	sp.seq = PISS;
	sp.ack = a->pcb.iss + 1;
	sp.wnd = 65535;
	sp.opt = th_linux_syn_opts(1, s.h.opt.tsval);
	sp.opt.mss = 8;
	th_in(a, &sp);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_EQ(t, a->pcb.mss, 64);
	th_drain(a);
	IT_EQ(t, th_send(a, 0, 200, false), 200);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.payload_len, 64);
	th_drain(a);
}

/* LISTEN: a SYN makes a child in SYN-RECEIVED whose SYN-ACK mirrors what
 * the peer offered; the ACK makes it ESTABLISHED and ready to accept. */
TH_CASE(t_passive_open)
{
	struct th_end *c;
	struct th_seg s;
	struct th_spec sp = {0};

	a->pcb.adv_mss = 1460;
	ks_tcp_listen(&a->pcb, 8);
	sp.flags = KS_TCP_SYN;
	sp.seq = PISS;
	sp.wnd = 64240;
	sp.opt = th_linux_syn_opts(4242, 0);
	IT_EQ(t, th_in(a, &sp), 0);
	IT_QUIET(t, a);
	IT_EQ(t, w->nends, 2);
	c = w->ends[1];
	IT_TRUE(t, c->spawned_called && c->pcb.parent == &a->pcb);
	IT_EQ(t, c->pcb.state, KS_TCP_SYN_RECV);
	IT_POP(t, c, s);
	IT_QUIET(t, c);
	IT_SEG(t, s, SA, c->pcb.iss, PISS + 1, 0);
	IT_TRUE(t, s.src == TH_LOCAL && s.dst == TH_PEER && s.h.dport == TH_PEER_PORT);
	IT_EQ(t, s.h.hlen, 40);
	IT_EQ(t, s.h.wnd, 65535);
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
	IT_MEMEQ(t, s.raw + 20, opts, sizeof(opts));
	IT_EQ(t, s.h.opt.tsecr, 4242);
	IT_TRUE(t, s.h.opt.ws_ok && s.h.opt.ws == 7);
	IT_EQ(t, c->deadline, th_now(w) + NS_S);
	c->pseq = PISS + 1;
	c->pwnd = 502;
	c->our_tsval = s.h.opt.tsval;
	th_ev(c);
	IT_EQ(t, th_peer(c, A, c->pcb.iss + 1, NULL, 0), 0);
	IT_EQ(t, c->pcb.state, KS_TCP_ESTABLISHED);
	IT_TRUE(t, th_ev(c) & KS_TCP_EV_ACCEPT);
	IT_QUIET(t, c);
	IT_EQ(t, c->pcb.snd_wnd, 502u << 7);
	IT_EQ(t, c->pcb.mss, 1448);
	IT_EQ(t, a->pcb.state, KS_TCP_LISTEN);
	IT_EQ(t, c->deadline, 0);
}

/* A SYN with nothing but a small MSS gets a SYN-ACK with only MSS. */
TH_CASE(t_passive_mirror_none)
{
	struct th_seg s;
	struct th_spec sp = {0};

	a->pcb.adv_mss = 1460;
	ks_tcp_listen(&a->pcb, 8);
	sp.flags = KS_TCP_SYN;
	sp.seq = PISS;
	sp.wnd = 4096;
	sp.opt.mss_ok = true;
	sp.opt.mss = 500;
	th_in(a, &sp);
	IT_EQ(t, w->nends, 2);
	IT_POP(t, w->ends[1], s);
	IT_EQ(t, s.h.hlen, 24);
	IT_TRUE(t, s.h.opt.mss_ok && s.h.opt.mss == 1460);
	IT_TRUE(t, !s.h.opt.ws_ok && !s.h.opt.sack_perm && !s.h.opt.ts_ok);
	IT_EQ(t, w->ends[1]->pcb.mss, 500);
	/* Window scale and SACK-permitted but no timestamps: NOP NOP SACK. */
	sp.sport = 1234;
	sp.opt.sack_perm = true;
	sp.opt.ws_ok = true;
	sp.opt.ws = 2;
	th_in(a, &sp);
	IT_EQ(t, w->nends, 3);
	IT_POP(t, w->ends[2], s);
	IT_EQ(t, s.h.hlen, 32);
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
	IT_MEMEQ(t, s.raw + 20, opts, sizeof(opts));
	IT_EQ(t, w->ends[2]->pcb.snd_wscale, 2);
}

/* Window scale above 14 is taken as 14 (RFC 7323 2.3); TCP_MAXSEG caps
 * the MSS; a peer without SACK-permitted gets no SACK blocks. */
TH_CASE(t_option_limits)
{
	struct th_seg s;
	struct th_spec sp = {0};
	struct th_end *c;

	a->pcb.adv_mss = 1460;
	a->pcb.user_mss = 1000;
	ks_tcp_listen(&a->pcb, 8);
	sp.flags = KS_TCP_SYN;
	sp.seq = PISS;
	sp.wnd = 1000;
	sp.opt.mss_ok = true;
	sp.opt.mss = 1460;
	sp.opt.ws_ok = true;
	sp.opt.ws = 15;
	th_in(a, &sp);
	IT_EQ(t, w->nends, 2);
	c = w->ends[1];
	IT_EQ(t, c->pcb.mss, 1000);
	IT_POP(t, c, s);
	IT_TRUE(t, s.h.opt.ws_ok && !s.h.opt.sack_perm && !s.h.opt.ts_ok);
	IT_EQ(t, c->pcb.snd_wscale, 14);
	c->pseq = PISS + 1;
	c->pwnd = 1;
	th_peer(c, A, c->pcb.iss + 1, NULL, 0);
	IT_EQ(t, c->pcb.state, KS_TCP_ESTABLISHED);
	IT_EQ(t, c->pcb.snd_wnd, 1u << 14);
	c->pseq = PISS + 101;
	th_peer(c, PA, c->pcb.iss + 1, "x", 1);
	IT_POP(t, c, s);
	IT_SEG(t, s, A, c->pcb.iss + 1, PISS + 1, 0);
	IT_EQ(t, s.h.opt.nsack, 0);
	IT_EQ(t, s.h.hlen, 20);
	th_drain(c);
}

/* A retransmitted SYN in SYN-RECEIVED is answered with the SYN-ACK again
 * (Linux's tcp_check_req), not a bare ACK. */
TH_CASE(t_synrecv_dup_syn)
{
	struct th_end *c;
	struct th_seg s;
	struct th_spec sp = {0};

	IT_FX(t, w, th_fx_passive(a, true, false, &c));
	sp.flags = KS_TCP_SYN;
	sp.seq = PISS;
	sp.wnd = 64240;
	sp.opt = th_linux_syn_opts(th_peer_tsval(w), 0);
	th_in(c, &sp);
	IT_POP(t, c, s);
	IT_SEG(t, s, SA, c->pcb.iss, PISS + 1, 0);
	IT_TRUE(t, s.h.opt.mss_ok);
	IT_EQ(t, c->pcb.state, KS_TCP_SYN_RECV);
}

/* The handshake's ACK may carry data (and a FIN): it is taken. */
TH_CASE(t_synrecv_ack_data)
{
	struct th_end *c;
	struct th_seg s;
	uint8_t buf[8];

	IT_FX(t, w, th_fx_passive(a, false, false, &c));
	th_peer(c, PA | KS_TCP_FIN, c->pcb.iss + 1, "hello", 5);
	IT_EQ(t, c->pcb.state, KS_TCP_CLOSE_WAIT);
	IT_POP(t, c, s);
	IT_SEG(t, s, A, c->pcb.iss + 1, PISS + 7, 0);
	IT_EQ(t, th_recv(c, buf, 8), 5);
	IT_MEMEQ(t, buf, "hello", 5);
}

/* Data written and the connection closed while still in SYN-RECEIVED
 * (RFC 9293 3.10.4: queued until ESTABLISHED): after the peer's ACK, the
 * data and the FIN go out. */
TH_CASE(t_synrecv_close_with_data)
{
	struct th_end *c;
	struct th_seg s;
	uint32_t iss;

	IT_FX(t, w, th_fx_passive(a, false, false, &c));
	iss = c->pcb.iss;
	IT_EQ(t, th_send(c, 0, 100, false), 100);
	IT_QUIET(t, c);
	IT_TRUE(t, !ks_tcp_close(&c->pcb, false));
	IT_QUIET(t, c);
	th_peer(c, A, iss + 1, NULL, 0);
	IT_POP(t, c, s);
	IT_SEG(t, s, PA | KS_TCP_FIN, iss + 1, PISS + 1, 100);
	th_peer(c, A, iss + 102, NULL, 0);
	IT_EQ(t, c->pcb.state, KS_TCP_FIN_WAIT2);
}

/* Data written in SYN-SENT goes out once the connection is established. */
TH_CASE(t_syn_sent_data)
{
	struct th_seg s;

	a->pcb.adv_mss = 1460;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	IT_EQ(t, th_send(a, 0, 300, false), 300);
	IT_QUIET(t, a);
	th_in(a, &(struct th_spec){.flags = SA, .seq = PISS, .ack = a->pcb.iss + 1, .wnd = 65535});
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, a->pcb.iss + 1, PISS + 1, 300);
	IT_QUIET(t, a);
}

/* SYN-ACK retries: 1, 3, 7, 15, 31 s, then the child goes away quietly at
 * 63 s (tcp_synack_retries 5). */
TH_CASE(t_synrecv_retries)
{
	struct th_end *c;
	struct th_seg s;
	uint64_t t0 = th_now(w);
	static const unsigned at[] = {1, 3, 7, 15, 31};

	IT_FX(t, w, th_fx_passive(a, false, false, &c));
	for (unsigned i = 0; i < 5; i++) {
		th_run(w, t0 + at[i] * NS_S - 1);
		IT_QUIET(t, c);
		th_run(w, t0 + at[i] * NS_S);
		IT_POP(t, c, s);
		IT_SEG(t, s, SA, c->pcb.iss, PISS + 1, 0);
	}
	th_run(w, t0 + 63 * NS_S - 1);
	IT_EQ(t, c->pcb.state, KS_TCP_SYN_RECV);
	th_run(w, t0 + 63 * NS_S);
	IT_EQ(t, c->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, c->pcb.err, 0);
	IT_QUIET(t, c);
}

/* SYN-RECEIVED: an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>; an
 * exact RST closes the child quietly. */
TH_CASE(t_synrecv_bad_ack_rst)
{
	struct th_end *c;
	struct th_seg s;

	IT_FX(t, w, th_fx_passive(a, false, false, &c));
	th_peer(c, A, c->pcb.iss + 5, NULL, 0);
	c->pseq = PISS + 1;
	IT_POP(t, c, s);
	IT_SEG(t, s, KS_TCP_RST, c->pcb.iss + 5, 0, 0);
	IT_EQ(t, c->pcb.state, KS_TCP_SYN_RECV);
	th_peer(c, KS_TCP_RST, 0, NULL, 0);
	IT_EQ(t, c->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, c->pcb.err, 0);
	IT_QUIET(t, c);
}

/* Both ends send SYNs that cross: each goes to SYN-RECEIVED with a
 * SYN-ACK, and both end ESTABLISHED (RFC 9293 figure 7). */
TH_CASE(t_simultaneous_open)
{
	static struct th_end b;
	struct th_seg s;

	th_end_init(w, &b);
	th_wire(a, &b);
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_EQ(t, ks_tcp_connect(&b.pcb), 0);
	/* Cross the SYNs: each is given to the other before either answers. */
	struct th_seg sa;
	IT_POP(t, a, sa);
	IT_SEG(t, sa, KS_TCP_SYN, a->pcb.iss, 0, 0);
	IT_POP(t, &b, s);
	IT_SEG(t, s, KS_TCP_SYN, b.pcb.iss, 0, 0);
	th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = s.h.seq, .wnd = 65535,
				   .opt = s.h.opt});
	th_in(&b, &(struct th_spec){.flags = KS_TCP_SYN, .seq = sa.h.seq, .wnd = 65535,
				    .opt = sa.h.opt});
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_RECV);
	IT_EQ(t, b.pcb.state, KS_TCP_SYN_RECV);
	IT_EQ(t, a->nout, 1);
	IT_EQ(t, b.nout, 1);
	th_pump(w, NULL, 10);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_EQ(t, b.pcb.state, KS_TCP_ESTABLISHED);
	IT_TRUE(t, !(a->ev & KS_TCP_EV_ACCEPT));
	IT_EQ(t, a->pcb.snd_una, a->pcb.iss + 1);
	IT_EQ(t, b.pcb.rcv_nxt, a->pcb.iss + 1);
	IT_EQ(t, a->pcb.rcv_nxt, b.pcb.iss + 1);
	IT_TRUE(t, a->pcb.ts_ok && b.pcb.ts_ok && a->pcb.mss == b.pcb.mss);
}

/* SYN retries with exponential backoff: SYNs at 0, 1, 3, 7, 15, 31, 63 s,
 * ETIMEDOUT at 127 s (tcp_syn_retries 6, as Linux). */
TH_CASE(t_syn_retries)
{
	struct th_seg s;
	uint64_t t0 = th_now(w);
	static const unsigned at[] = {1, 3, 7, 15, 31, 63};

	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	for (unsigned i = 0; i < 6; i++) {
		th_run(w, t0 + at[i] * NS_S - 1);
		IT_QUIET(t, a);
		th_run(w, t0 + at[i] * NS_S);
		IT_POP(t, a, s);
		IT_SEG(t, s, KS_TCP_SYN, a->pcb.iss, 0, 0);
		IT_EQ(t, s.h.hlen, 40);
	}
	th_ev(a);
	th_run(w, t0 + 127 * NS_S - 1);
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	th_run(w, t0 + 127 * NS_S);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ETIMEDOUT);
	IT_EQ(t, th_ev(a), KS_TCP_EV_STATE | KS_TCP_EV_ERROR);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, 0);
	/* TCP_SYNCNT 2: SYNs at 0, 1, 3 s, ETIMEDOUT at 7 s. */
	static struct th_end b;
	th_end_init(w, &b);
	b.pcb.syn_retries = 2;
	t0 = th_now(w);
	IT_EQ(t, ks_tcp_connect(&b.pcb), 0);
	th_run(w, t0 + 7 * NS_S - 1);
	IT_EQ(t, b.nout, 3);
	th_run(w, t0 + 7 * NS_S);
	IT_EQ(t, b.pcb.err, KS_ETIMEDOUT);
}

/* SYN-SENT (RFC 9293 3.10.7.3): a RST counts only with an acceptable ACK
 * (then ECONNREFUSED); an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>
 * unless it is a RST itself. */
TH_CASE(t_syn_sent_rst)
{
	struct th_seg s;
	uint32_t iss;

	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	iss = a->pcb.iss;
	th_ev(a);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = 0});
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST | A, .seq = 0, .ack = iss});
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST | A, .seq = 0, .ack = iss + 2});
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	IT_QUIET(t, a);
	IT_EQ(t, th_ev(a), 0);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST | A, .seq = 0, .ack = iss + 1});
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ECONNREFUSED);
	IT_EQ(t, th_ev(a), KS_TCP_EV_STATE | KS_TCP_EV_ERROR);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, 0);
}

TH_CASE(t_syn_sent_bad_ack)
{
	struct th_seg s;
	uint32_t iss;

	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	iss = a->pcb.iss;
	th_in(a, &(struct th_spec){.flags = SA, .seq = PISS, .ack = iss, .wnd = 1000});
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_RST, iss, 0, 0);
	IT_EQ(t, s.h.wnd, 0);
	th_in(a, &(struct th_spec){.flags = A, .seq = PISS, .ack = iss + 77, .wnd = 1000});
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_RST, iss + 77, 0, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	/* An ACK alone, acceptable: dropped (no SYN). */
	th_in(a, &(struct th_spec){.flags = A, .seq = PISS, .ack = iss + 1, .wnd = 1000});
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
}

/* LISTEN (RFC 9293 3.10.7.2): a RST is ignored, an ACK gets
 * <SEQ=SEG.ACK><CTL=RST>, anything without SYN is dropped, and a refused
 * spawn drops the SYN. */
TH_CASE(t_listen_rst_ack)
{
	struct th_seg s;

	ks_tcp_listen(&a->pcb, 1);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = 5});
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST | A, .seq = 5, .ack = 9});
	IT_QUIET(t, a);
	th_in(a, &(struct th_spec){.flags = A, .seq = 5, .ack = 12345});
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_RST, 12345, 0, 0);
	IT_TRUE(t, s.src == TH_LOCAL && s.dst == TH_PEER && s.h.sport == TH_LOCAL_PORT);
	th_in(a, &(struct th_spec){.flags = KS_TCP_FIN, .seq = 5});
	th_in(a, &(struct th_spec){.flags = 0, .seq = 5, .data = "x", .len = 1});
	IT_QUIET(t, a);
	a->refuse_spawn = true;
	th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = 5});
	IT_QUIET(t, a);
	IT_EQ(t, w->nends, 1);
	IT_EQ(t, a->pcb.state, KS_TCP_LISTEN);
	IT_EQ(t, a->deadline, 0);
}

/* ks_tcp_reset_reply for a segment nobody wants (RFC 9293 3.10.7.1). */
TH_CASE(t_reset_reply)
{
	struct ks_tcp_hdr h = {0};
	struct ks_pbuf *p;
	struct ks_tcp_hdr r;

	(void)w;
	(void)a;
	h.sport = 80;
	h.dport = 40000;
	h.seq = 1000;
	h.flags = KS_TCP_SYN | KS_TCP_FIN;
	h.payload_len = 10;
	p = ks_tcp_reset_reply(&t->st, TH_PEER, TH_LOCAL, &h);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, ks_tcp_parse(p->data, p->len, TH_LOCAL, TH_PEER, 0, &r), 20);
	ks_pbuf_free(p);
	IT_TRUE(t, r.sport == 40000 && r.dport == 80 && r.seq == 0 && r.ack == 1012);
	IT_EQ(t, r.flags, KS_TCP_RST | A);
	h.flags = A;
	h.ack = 777;
	p = ks_tcp_reset_reply(&t->st, TH_PEER, TH_LOCAL, &h);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, ks_tcp_parse(p->data, p->len, TH_LOCAL, TH_PEER, 0, &r), 20);
	ks_pbuf_free(p);
	IT_TRUE(t, r.seq == 777 && r.flags == KS_TCP_RST);
	h.flags = KS_TCP_RST;
	IT_TRUE(t, ks_tcp_reset_reply(&t->st, TH_PEER, TH_LOCAL, &h) == NULL);
}

/* ICMP errors (Linux's tcp_v4_err): a hard one ends a connection attempt
 * with its error; a soft one, or any once connected, changes nothing. */
TH_CASE(t_icmp_errors)
{
	struct th_seg s;

	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	ks_tcp_icmp_error(&a->pcb, KS_EHOSTUNREACH, false);
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_SENT);
	ks_tcp_icmp_error(&a->pcb, KS_ECONNREFUSED, true);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ECONNREFUSED);
	IT_EQ(t, a->deadline, 0);
	static struct th_end b;
	th_end_init(w, &b);
	b.pcb.lport = 40001;
	IT_FX(t, w, th_fx_active(&b, false));
	ks_tcp_icmp_error(&b.pcb, KS_ECONNREFUSED, true);
	IT_EQ(t, b.pcb.state, KS_TCP_ESTABLISHED);
	IT_EQ(t, b.pcb.err, 0);
}

/* A RST in SYN-RECEIVED reached from an active open (simultaneous open)
 * means refused (RFC 9293 3.10.7.4). */
TH_CASE(t_simultaneous_rst)
{
	struct th_seg s;

	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = PISS, .wnd = 1000});
	IT_EQ(t, a->pcb.state, KS_TCP_SYN_RECV);
	IT_POP(t, a, s);
	IT_SEG(t, s, SA, a->pcb.iss, PISS + 1, 0);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = PISS + 1});
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ECONNREFUSED);
	IT_QUIET(t, a);
}

/* ---- closing ---- */

/* Active close: FIN-WAIT-1, FIN-WAIT-2 (orphaned: tcp_fin_timeout armed),
 * TIME-WAIT on the peer's FIN, CLOSED 60 s later. */
TH_CASE(t_active_close)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	IT_TRUE(t, !ks_tcp_close(&a->pcb, false));
	IT_EQ(t, a->pcb.state, KS_TCP_FIN_WAIT1);
	IT_POP(t, a, s);
	IT_SEG(t, s, FA, nxt, PISS + 1, 0);
	IT_EQ(t, a->deadline, th_now(w) + a->pcb.rto_ns);
	th_peer(a, A, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_FIN_WAIT2);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_FIN_TIMEOUT_NS);
	th_advance(w, 10 * NS_S);
	th_peer(a, FA, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1, PISS + 2, 0);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_TIMEWAIT_NS);
	/* A retransmitted FIN in TIME-WAIT is acknowledged again and
	 * restarts the 2 MSL wait (RFC 9293 3.10.7.4). */
	th_advance(w, 30 * NS_S);
	a->pseq = PISS + 1;
	th_peer(a, FA, nxt + 1, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1, PISS + 2, 0);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_TIMEWAIT_NS);
	/* Other segments do not. */
	th_peer(a, A, nxt + 1, NULL, 0);
	th_drain(a);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_TIMEWAIT_NS);
	th_advance(w, 10 * NS_S);
	th_peer(a, A, nxt + 1, NULL, 0);
	th_drain(a);
	IT_EQ(t, a->deadline, th_now(w) - 10 * NS_S + KS_TCP_TIMEWAIT_NS);
	th_advance(w, 50 * NS_S - 1);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	th_advance(w, 1);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, 0);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, 0);
}

/* shutdown (SHUT_WR) leaves FIN-WAIT-2 without a timeout; data still
 * arrives; the peer's FIN ends it. */
TH_CASE(t_shutdown_half)
{
	struct th_seg s;
	uint8_t buf[8];
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	ks_tcp_shutdown(&a->pcb);
	IT_POP(t, a, s);
	IT_SEG(t, s, FA, nxt, PISS + 1, 0);
	th_peer(a, A, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_FIN_WAIT2);
	IT_EQ(t, a->deadline, 0);
	th_peer(a, PA, nxt + 1, "hello", 5);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1, PISS + 6, 0);
	IT_EQ(t, th_recv(a, buf, sizeof(buf)), 5);
	IT_MEMEQ(t, buf, "hello", 5);
	th_peer(a, FA, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
}

/* A FIN that also acknowledges ours: FIN-WAIT-1 straight to TIME-WAIT. */
TH_CASE(t_fin_ack_together)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	th_peer(a, FA, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1, PISS + 2, 0);
}

/* Passive close: CLOSE-WAIT (the FIN acknowledged at once, a read sees
 * the end), LAST-ACK, CLOSED. */
TH_CASE(t_passive_close)
{
	struct th_seg s;
	uint32_t nxt;
	uint8_t buf[4];

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	th_peer(a, FA, nxt, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE_WAIT);
	IT_TRUE(t, (th_ev(a) & (KS_TCP_EV_STATE | KS_TCP_EV_READ)) ==
			   (KS_TCP_EV_STATE | KS_TCP_EV_READ));
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 2, 0);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 0);
	IT_EQ(t, th_recv(a, buf, 4), 0);
	IT_TRUE(t, !ks_tcp_close(&a->pcb, false));
	IT_EQ(t, a->pcb.state, KS_TCP_LAST_ACK);
	IT_POP(t, a, s);
	IT_SEG(t, s, FA, nxt, PISS + 2, 0);
	th_peer(a, A, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, 0);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, 0);
}

/* Both FINs cross: CLOSING, then TIME-WAIT on the ACK of ours. */
TH_CASE(t_simultaneous_close)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	IT_SEG(t, s, FA, nxt, PISS + 1, 0);
	th_peer(a, FA, nxt, NULL, 0); /* its FIN, not acknowledging ours */
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSING);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1, PISS + 2, 0);
	th_peer(a, A, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_EQ(t, a->deadline, th_now(w) + KS_TCP_TIMEWAIT_NS);
}

/* Closing with unread data resets (RFC 2525 2.17, Linux); so does
 * SO_LINGER 0. */
TH_CASE(t_close_unread_rst)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	th_peer(a, PA, nxt, "abc", 3);
	IT_POP(t, a, s);
	IT_TRUE(t, ks_tcp_close(&a->pcb, false));
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_RST, nxt, 0, 0);
	IT_QUIET(t, a);
	IT_EQ(t, a->deadline, 0);
}

TH_CASE(t_linger0_rst)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_TRUE(t, ks_tcp_close(&a->pcb, true));
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_RST, nxt, 0, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, 0);
}

/* An orphan in FIN-WAIT-2 goes after tcp_fin_timeout (60 s); TCP_LINGER2
 * sets the time. (The engine sends a RST then; see the report.) */
TH_CASE(t_fin_wait2_timeout)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	a->pcb.linger2_s = 5;
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	th_peer(a, A, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_FIN_WAIT2);
	th_advance(w, 5 * NS_S - 1);
	IT_EQ(t, a->pcb.state, KS_TCP_FIN_WAIT2);
	th_advance(w, 1);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, 0);
	th_drain(a);
	/* Data for an orphan that will never read it resets (Linux). */
	static struct th_end b;
	th_end_init(w, &b);
	b.pcb.lport = 40001;
	IT_FX(t, w, th_fx_active(&b, false));
	nxt = b.pcb.snd_nxt;
	ks_tcp_close(&b.pcb, false);
	IT_POP(t, &b, s);
	th_peer(&b, A, nxt + 1, NULL, 0);
	th_peer(&b, PA, nxt + 1, "late", 4);
	IT_EQ(t, b.pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, b.pcb.err, KS_ECONNRESET);
	IT_POP(t, &b, s);
	IT_SEG(t, s, KS_TCP_RST, nxt + 1, 0, 0);
}

/* ---- RFC 5961 ---- */

/* A RST at exactly RCV.NXT resets; another in the window gets a
 * challenge ACK; one outside the window is ignored. */
TH_CASE(t_rst_rfc5961)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = PISS + 1 + 1000});
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 1, 0);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = PISS + 1 + 10000000});
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = PISS});
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	th_ev(a);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = PISS + 1});
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ECONNRESET);
	IT_EQ(t, th_ev(a), KS_TCP_EV_STATE | KS_TCP_EV_ERROR);
	IT_QUIET(t, a);
}

/* A RST in CLOSE-WAIT reports EPIPE (Linux's tcp_reset); in LAST-ACK,
 * nothing. */
TH_CASE(t_rst_close_wait)
{
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	th_peer(a, FA, nxt, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE_WAIT);
	th_in(a, &(struct th_spec){.flags = KS_TCP_RST, .seq = PISS + 2});
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_EPIPE);
	th_drain(a);
}

/* A SYN on an established connection gets a challenge ACK (RFC 5961
 * 4.2), in or out of the window. */
TH_CASE(t_syn_established)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = PISS + 100, .wnd = 100,
				   .opt = th_ts_opts(th_peer_tsval(w), 0)});
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 1, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	th_in(a, &(struct th_spec){.flags = SA, .seq = PISS, .ack = nxt, .wnd = 100,
				   .opt = th_ts_opts(th_peer_tsval(w), 0)});
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 1, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_QUIET(t, a);
}

/* An ACK for data never sent is acknowledged and dropped (RFC 9293); one
 * older than the window the peer could have seen gets a challenge ACK
 * (RFC 5961 5.2). Neither moves anything. */
TH_CASE(t_ack_bounds)
{
	struct th_seg s;
	uint32_t nxt;
	uint8_t buf[4];

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	th_peer(a, PA, nxt + 10, "data", 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 1, 0);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 0);
	a->pseq = PISS + 1;
	th_peer(a, PA, nxt - 70000, "data", 4);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 1, 0);
	IT_EQ(t, th_recv(a, buf, 4), 0);
	IT_EQ(t, a->pcb.snd_una, nxt);
	IT_QUIET(t, a);
}

/* PAWS (RFC 7323 5): a segment with an older TSval is dropped and
 * acknowledged; a current one is taken. */
TH_CASE(t_paws)
{
	struct th_seg s;
	struct th_spec sp = {0};
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	th_advance(w, 10 * NS_MS);
	th_peer(a, PA, nxt, "new", 3);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 4, 0);
	IT_EQ(t, s.h.opt.tsecr, th_peer_tsval(w));
	sp.flags = PA;
	sp.seq = PISS + 4;
	sp.ack = nxt;
	sp.wnd = 1024;
	sp.data = "old";
	sp.len = 3;
	sp.opt = th_ts_opts(th_peer_tsval(w) - 5, a->our_tsval);
	th_in(a, &sp);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt, PISS + 4, 0);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 3);
	IT_EQ(t, a->pcb.rcv_nxt, PISS + 4);
	/* The same TSval is not older: taken. */
	sp.opt.tsval = th_peer_tsval(w);
	th_in(a, &sp);
	IT_EQ(t, ks_tcp_readable(&a->pcb), 6);
	th_drain(a);
}

/* TIME-WAIT: a SYN with a higher sequence number (no timestamps) or a
 * newer timestamp may reuse the pair (KS_TCP_IN_TW_REUSE); an old one
 * gets an ACK. */
TH_CASE(t_timewait_reuse)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	th_peer(a, FA, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_POP(t, a, s);
	IT_EQ(t, th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = PISS + 100000,
					   .wnd = 100}),
	      KS_TCP_IN_TW_REUSE);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_EQ(t, th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = PISS, .wnd = 100}), 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 1, PISS + 2, 0);
	/* A SYN with ACK never reuses. */
	IT_EQ(t, th_in(a, &(struct th_spec){.flags = SA, .seq = PISS + 100000, .wnd = 100}), 0);
	th_drain(a);
}

TH_CASE(t_timewait_reuse_ts)
{
	struct th_seg s;
	uint32_t nxt;
	struct ks_tcp_opts o;

	IT_FX(t, w, th_fx_active(a, true));
	nxt = a->pcb.snd_nxt;
	ks_tcp_close(&a->pcb, false);
	IT_POP(t, a, s);
	th_advance(w, NS_MS);
	th_peer(a, FA, nxt + 1, NULL, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_TIME_WAIT);
	IT_POP(t, a, s);
	o = th_linux_syn_opts(th_peer_tsval(w) - 1, 0);
	IT_EQ(t, th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = PISS + 100000,
					   .wnd = 100, .opt = o}),
	      0);
	th_drain(a);
	th_advance(w, NS_MS);
	o.tsval = th_peer_tsval(w);
	IT_EQ(t, th_in(a, &(struct th_spec){.flags = KS_TCP_SYN, .seq = PISS, .wnd = 100,
					   .opt = o}),
	      KS_TCP_IN_TW_REUSE);
}

/* ---- keepalive and user timeout ---- */

/* SO_KEEPALIVE: after keepidle of silence, probes <SEQ=SND.UNA-1> every
 * keepintvl; an answer starts over; keepcnt unanswered probes end the
 * connection with ETIMEDOUT and a RST (Linux). */
TH_CASE(t_keepalive)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t t0;

	a->pcb.keepalive = true;
	a->pcb.keepidle_s = 100;
	a->pcb.keepintvl_s = 10;
	a->pcb.keepcnt = 3;
	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	t0 = th_now(w);
	IT_EQ(t, a->deadline, t0 + 100 * NS_S);
	th_run(w, t0 + 100 * NS_S - 1);
	IT_QUIET(t, a);
	th_run(w, t0 + 100 * NS_S);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt - 1, PISS + 1, 0);
	/* Answered: the next probe is keepidle after the answer. */
	th_advance(w, NS_S);
	th_peer(a, A, nxt, NULL, 0);
	IT_QUIET(t, a);
	t0 = th_now(w);
	th_run(w, t0 + 100 * NS_S - 1);
	IT_QUIET(t, a);
	th_run(w, t0 + 100 * NS_S);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt - 1, PISS + 1, 0);
	for (int i = 1; i < 3; i++) {
		th_run(w, t0 + (100 + 10 * (uint64_t)i) * NS_S);
		IT_POP(t, a, s);
		IT_SEG(t, s, A, nxt - 1, PISS + 1, 0);
	}
	th_run(w, t0 + 130 * NS_S - 1);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	th_run(w, t0 + 130 * NS_S);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ETIMEDOUT);
	IT_POP(t, a, s);
	IT_SEG(t, s, KS_TCP_RST, nxt, 0, 0);
}

/* Keepalive switched on for an idle established connection: the setting
 * takes effect after ks_tcp_output ("after a setting changed"). */
TH_CASE(t_keepalive_later)
{
	struct th_seg s;
	uint32_t nxt;
	uint64_t t0;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	t0 = th_now(w);
	IT_EQ(t, a->deadline, 0);
	a->pcb.keepalive = true;
	a->pcb.keepidle_s = 50;
	ks_tcp_output(&a->pcb);
	IT_EQ(t, a->deadline, t0 + 50 * NS_S);
	th_run(w, t0 + 50 * NS_S);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt - 1, PISS + 1, 0);
}

/* Keepalive with data outstanding leaves the peer to the retransmission
 * timer and looks again keepidle later: its deadline is never left in
 * the past (which would make the owner's timer fire again at once). */
TH_CASE(t_keepalive_busy)
{
	uint64_t t0;

	a->pcb.keepalive = true;
	a->pcb.keepidle_s = 10;
	IT_FX(t, w, th_fx_active(a, false));
	t0 = th_now(w);
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	th_run(w, t0 + 10 * NS_S);
	IT_EQ(t, a->pcb.t_keep, t0 + 20 * NS_S);
	th_run(w, t0 + 35 * NS_S);
	IT_TRUE(t, !w->bad);
	IT_EQ(t, a->pcb.probes, 0);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	th_drain(a);
}

/* TCP_USER_TIMEOUT: data unacknowledged for longer than the timeout ends
 * the connection with ETIMEDOUT, long before tcp_retries2, counted from
 * when the data was sent and right when it runs out (Linux: the RTO is
 * clamped to it). RTO 200 ms: resent at 0.2, 0.6, 1.4 s, over at 3 s. */
TH_CASE(t_user_timeout)
{
	struct th_seg s;
	uint64_t t0, rto;

	IT_FX(t, w, th_fx_active(a, false));
	a->pcb.user_timeout_ms = 3000;
	rto = a->pcb.rto_ns;
	t0 = th_now(w);
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	IT_POP(t, a, s);
	th_run(w, t0 + 7 * rto);
	IT_EQ(t, a->nout, 3);
	th_drain(a);
	th_run(w, t0 + 3 * NS_S - 1);
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_QUIET(t, a);
	th_run(w, t0 + 3 * NS_S);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ETIMEDOUT);
	th_drain(a);
	/* An ACK in between starts the count again. */
	static struct th_end b;
	th_end_init(w, &b);
	b.pcb.lport = 40001;
	IT_FX(t, w, th_fx_active(&b, false));
	b.pcb.user_timeout_ms = 1000;
	t0 = th_now(w);
	uint32_t nxt = b.pcb.snd_nxt;
	IT_EQ(t, th_send(&b, 0, 100, false), 100);
	th_run(w, t0 + 900 * NS_MS);
	th_peer(&b, A, nxt + 100, NULL, 0);
	IT_EQ(t, th_send(&b, 100, 100, false), 100);
	th_run(w, t0 + 1900 * NS_MS - 1);
	IT_EQ(t, b.pcb.state, KS_TCP_ESTABLISHED);
	th_run(w, t0 + 1900 * NS_MS);
	IT_EQ(t, b.pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, b.pcb.err, KS_ETIMEDOUT);
	th_drain(&b);
}

/* The user timeout while the peer's window is closed: the persist timer
 * probes on (the engine does not time persist out) and never fires at
 * once in a loop. */
TH_CASE(t_user_timeout_persist)
{
	uint64_t t0;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	a->pcb.user_timeout_ms = 1000;
	t0 = th_now(w);
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	th_run(w, t0 + 300 * NS_MS); /* one RTO: the count has started */
	a->pwnd = 0;
	th_peer(a, A, nxt, NULL, 0); /* the window closes, nothing acked */
	th_run(w, t0 + 20 * NS_S);
	IT_TRUE(t, !w->bad);
	IT_TRUE(t, a->pcb.persist || a->pcb.state == KS_TCP_CLOSE);
	th_drain(a);
}

/* tcp_retries2 (15) unanswered retransmissions: ETIMEDOUT. */
TH_CASE(t_retries2)
{
	IT_FX(t, w, th_fx_active(a, false));
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	th_drain(a);
	th_advance(w, 3600 * NS_S);
	IT_EQ(t, a->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, a->pcb.err, KS_ETIMEDOUT);
	IT_EQ(t, a->pcb.total_retrans, 15);
	th_drain(a);
}

const struct it_case it_cases_tcp[] = {
	{"active_syn", t_active_syn},
	{"active_synack", t_active_synack},
	{"active_no_opts", t_active_no_opts},
	{"tiny_mss", t_tiny_mss},
	{"passive_open", t_passive_open},
	{"passive_mirror_none", t_passive_mirror_none},
	{"option_limits", t_option_limits},
	{"synrecv_dup_syn", t_synrecv_dup_syn},
	{"synrecv_retries", t_synrecv_retries},
	{"synrecv_ack_data", t_synrecv_ack_data},
	{"synrecv_close_with_data", t_synrecv_close_with_data},
	{"syn_sent_data", t_syn_sent_data},
	{"synrecv_bad_ack_rst", t_synrecv_bad_ack_rst},
	{"simultaneous_open", t_simultaneous_open},
	{"syn_retries", t_syn_retries},
	{"syn_sent_rst", t_syn_sent_rst},
	{"syn_sent_bad_ack", t_syn_sent_bad_ack},
	{"listen_rst_ack", t_listen_rst_ack},
	{"reset_reply", t_reset_reply},
	{"icmp_errors", t_icmp_errors},
	{"simultaneous_rst", t_simultaneous_rst},
	{"active_close", t_active_close},
	{"shutdown_half", t_shutdown_half},
	{"fin_ack_together", t_fin_ack_together},
	{"passive_close", t_passive_close},
	{"simultaneous_close", t_simultaneous_close},
	{"close_unread_rst", t_close_unread_rst},
	{"linger0_rst", t_linger0_rst},
	{"fin_wait2_timeout", t_fin_wait2_timeout},
	{"rst_rfc5961", t_rst_rfc5961},
	{"rst_close_wait", t_rst_close_wait},
	{"syn_established", t_syn_established},
	{"ack_bounds", t_ack_bounds},
	{"paws", t_paws},
	{"timewait_reuse", t_timewait_reuse},
	{"timewait_reuse_ts", t_timewait_reuse_ts},
	{"keepalive", t_keepalive},
	{"keepalive_later", t_keepalive_later},
	{"keepalive_busy", t_keepalive_busy},
	{"user_timeout", t_user_timeout},
	{"user_timeout_persist", t_user_timeout_persist},
	{"retries2", t_retries2},
	{0},
};

/*
 * test_tcp_ecn_pmtu.c - ECN (RFC 3168, tcp_ecn.c) and path-MTU discovery
 * (RFC 1191: pmtu.c, tcp_pmtu.c) at the segment level (tcp_harness.h).
 *
 * ECN: the handshake in each tcp_ecn mode on both sides, with the
 * answers a peer may give; which segments go ECT(0) (new data) and which
 * not (SYNs, pure ACKs, retransmissions); CE echoed with ECE until a CWR;
 * the sender's reduction once per window, its CWR, and no cwnd growth in
 * the reduced window; two engines back to back through a path that marks
 * CE. Path MTU: the MSS follows a lower MTU and what was in flight goes
 * again at the new size; a higher one changes nothing; which quoted
 * sequence numbers are believed; the cache's plausibility rules, its
 * bound and its 10-minute expiry on the fake clock.
 *
 * The connection is th_fx_active's (MSS 1460, no timestamps, the peer's
 * window 1024 << 7) unless said otherwise; NewReno, for exact numbers.
 */
#include <string.h>

#include "tcp_harness.h"

#define PISS TH_PEER_ISS
#define P0 (PISS + 1) /* the peer's first data byte */
#define ECE KS_TCP_ECE
#define CWR KS_TCP_CWR

static uint8_t pat[16384];

/* The peer sends flags with len pattern bytes, its IP ECN field ecn. */
static int peer_ecn(struct th_end *e, uint8_t flags, uint32_t ack, uint32_t len, unsigned ecn)
{
	struct th_spec sp = {0};

	th_pattern(pat, e->pseq - P0, len);
	sp.flags = flags;
	sp.seq = e->pseq;
	sp.ack = ack;
	sp.wnd = e->pwnd;
	sp.data = pat;
	sp.len = len;
	sp.ecn = ecn;
	e->pseq += len;
	return th_in(e, &sp);
}

/* Active open with the stack's tcp_ecn at mode; the peer's SYN-ACK has
 * synack_extra besides SYN and ACK. *syn_flags: our SYN's flags. false
 * (w->why) if the handshake went otherwise. */
static bool open_active(struct th_end *a, int mode, uint8_t synack_extra, uint8_t *syn_flags)
{
	struct th *w = a->w;
	struct th_seg s;
	struct th_spec sp = {0};

	w->st->tcp_ecn = mode;
	a->pcb.adv_mss = 1460;
	a->pcb.cc = &ks_tcp_newreno;
	if (ks_tcp_connect(&a->pcb) != 0 || th_pop(a, &s) != 1)
		return false;
	*syn_flags = s.h.flags;
	if (s.ecn != KS_IP_ECN_NOT_ECT)
		return false; /* RFC 3168 6.1.1: a SYN is never ECT */
	sp.flags = (uint8_t)(KS_TCP_SYN | KS_TCP_ACK | synack_extra);
	sp.seq = PISS;
	sp.ack = a->pcb.iss + 1;
	sp.wnd = 65535;
	sp.opt = th_linux_syn_opts(0, 0);
	sp.opt.ts_ok = false;
	th_in(a, &sp);
	a->pseq = P0;
	a->pwnd = 1024;
	if (a->pcb.state != KS_TCP_ESTABLISHED || th_pop(a, &s) != 1)
		return false;
	th_ev(a);
	return s.h.flags == KS_TCP_ACK && s.ecn == KS_IP_ECN_NOT_ECT && a->nout == 0;
}

/* ---- negotiation ---- */

/* tcp_ecn 1: the SYN asks (ECE and CWR), a SYN-ACK with ECE alone says
 * yes; the handshake's ACK is Not-ECT and carries neither flag; data goes
 * ECT(0); TCPI_OPT_ECN's bit is set. */
TH_CASE(t_active_on)
{
	uint8_t syn;
	struct th_seg s;

	IT_TRUE(t, open_active(a, KS_TCP_ECN_ON, ECE, &syn));
	IT_EQ(t, syn, KS_TCP_SYN | ECE | CWR);
	IT_EQ(t, a->pcb.ecn, KS_TCP_ECN_F_OK);
	IT_EQ(t, th_send(a, 0, 100, false), 100);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.flags, PA);
	IT_EQ(t, s.ecn, KS_IP_ECN_ECT0);
	IT_QUIET(t, a);
}

/* tcp_ecn 1 with a peer that does not take it up: a SYN-ACK without ECE,
 * or with both ECE and CWR (a reflecting middlebox, RFC 3168 6.1.1):
 * no ECN, data Not-ECT. */
static void t_active_on_refused(struct it_ctx *t)
{
	static const uint8_t answers[2] = {0, ECE | CWR};

	for (int i = 0; i < 2; i++) {
		static struct th w2;
		static struct th_end e;
		uint8_t syn;
		struct th_seg s;
		th_init(&w2, &t->st, &t->clock_ns);
		th_end_init(&w2, &e);
		bool ok = open_active(&e, KS_TCP_ECN_ON, answers[i], &syn);
		bool quiet = ok && syn == (KS_TCP_SYN | ECE | CWR) && e.pcb.ecn == 0 &&
			     th_send(&e, 0, 100, false) == 100 && th_pop(&e, &s) == 1 &&
			     s.ecn == KS_IP_ECN_NOT_ECT && s.h.flags == PA;
		th_fini(&w2);
		IT_TRUE(t, quiet);
	}
}

/* tcp_ecn 2 (the default) and 0: the SYN does not ask, and an ECE on
 * the SYN-ACK (which a correct peer never sends then) changes nothing. */
static void t_active_passive_off(struct it_ctx *t)
{
	static const int modes[2] = {KS_TCP_ECN_PASSIVE, KS_TCP_ECN_OFF};

	IT_EQ(t, t->st.tcp_ecn, KS_TCP_ECN_PASSIVE); /* the stack's default */
	for (int i = 0; i < 2; i++) {
		static struct th w2;
		static struct th_end e;
		uint8_t syn = 0;
		struct th_seg s;
		th_init(&w2, &t->st, &t->clock_ns);
		th_end_init(&w2, &e);
		bool ok = open_active(&e, modes[i], ECE, &syn) && syn == KS_TCP_SYN &&
			  e.pcb.ecn == 0 && th_send(&e, 0, 10, false) == 10 && th_pop(&e, &s) == 1 &&
			  s.ecn == KS_IP_ECN_NOT_ECT;
		th_fini(&w2);
		IT_TRUE(t, ok);
	}
}

/* A retransmitted SYN does not ask again (Linux's tcp_ecn_fallback), so
 * a path that drops ECN-setup SYNs still connects. */
TH_CASE(t_active_syn_retry)
{
	struct th_seg s;

	t->st.tcp_ecn = KS_TCP_ECN_ON;
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.flags, KS_TCP_SYN | ECE | CWR);
	th_advance(w, KS_TCP_RTO_INIT_NS);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.flags, KS_TCP_SYN);
	IT_EQ(t, s.ecn, KS_IP_ECN_NOT_ECT);
}

/* The passive side in each mode: an ECN-setup SYN (ECE and CWR, Not-ECT)
 * gets a SYN-ACK with ECE unless tcp_ecn is 0; a SYN with ECE alone, or
 * one that arrived ECT, gets none. */
static void t_passive_modes(struct it_ctx *t)
{
	static const struct {
		int mode;
		uint8_t flags;
		unsigned ecn;
		bool ok;
	} c[] = {
		{KS_TCP_ECN_PASSIVE, ECE | CWR, KS_IP_ECN_NOT_ECT, true},
		{KS_TCP_ECN_ON, ECE | CWR, KS_IP_ECN_NOT_ECT, true},
		{KS_TCP_ECN_OFF, ECE | CWR, KS_IP_ECN_NOT_ECT, false},
		{KS_TCP_ECN_PASSIVE, ECE, KS_IP_ECN_NOT_ECT, false},
		{KS_TCP_ECN_PASSIVE, 0, KS_IP_ECN_NOT_ECT, false},
		{KS_TCP_ECN_PASSIVE, ECE | CWR, KS_IP_ECN_ECT0, false},
	};

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		static struct th w2;
		static struct th_end l;
		struct th_spec sp = {0};
		struct th_seg s;
		th_init(&w2, &t->st, &t->clock_ns);
		th_end_init(&w2, &l);
		t->st.tcp_ecn = c[i].mode;
		l.pcb.adv_mss = 1460;
		ks_tcp_listen(&l.pcb, 8);
		sp.flags = (uint8_t)(KS_TCP_SYN | c[i].flags);
		sp.seq = PISS;
		sp.wnd = 64240;
		sp.opt = th_linux_syn_opts(0, 0);
		sp.opt.ts_ok = false;
		sp.ecn = c[i].ecn;
		th_in(&l, &sp);
		struct th_end *ch = w2.nends == 2 ? w2.ends[1] : NULL;
		bool got = ch && th_pop(ch, &s) == 1;
		uint8_t want = (uint8_t)(SA | (c[i].ok ? ECE : 0));
		bool ok = got && s.h.flags == want && s.ecn == KS_IP_ECN_NOT_ECT &&
			  ch->pcb.ecn == (c[i].ok ? KS_TCP_ECN_F_OK : 0);
		if (ok) {
			/* The handshake's ACK; the child's data goes ECT(0) if ECN. */
			ch->pseq = P0;
			ch->pwnd = 1024;
			th_peer(ch, A, ch->pcb.iss + 1, NULL, 0);
			ok = ch->pcb.state == KS_TCP_ESTABLISHED && th_send(ch, 0, 10, false) == 10 &&
			     th_pop(ch, &s) == 1 &&
			     s.ecn == (c[i].ok ? KS_IP_ECN_ECT0 : KS_IP_ECN_NOT_ECT);
		}
		th_fini(&w2);
		if (!ok)
			it_fail(t, __FILE__, __LINE__, "case %u: got %d flags %#x", i, got,
				got ? s.h.flags : 0);
		if (!ok)
			return;
	}
}

/* ---- the receiver ---- */

/* RFC 3168 6.1.3: ECT data sets ECN_SEEN; a CE mark is acknowledged at
 * once with ECE, and every segment carries ECE (our data too) until data
 * with CWR arrives. */
TH_CASE(t_ce_echo)
{
	uint8_t syn;
	struct th_seg s;
	uint32_t nxt;

	IT_TRUE(t, open_active(a, KS_TCP_ECN_ON, ECE, &syn));
	nxt = a->pcb.snd_nxt;
	a->pcb.quickacks = 0; /* delayed ACKs from here: the CE must not wait */
	peer_ecn(a, PA, nxt, 100, KS_IP_ECN_ECT0);
	IT_QUIET(t, a);
	IT_TRUE(t, a->pcb.ecn & KS_TCP_ECN_F_SEEN);
	peer_ecn(a, PA, nxt, 100, KS_IP_ECN_CE);
	IT_POP(t, a, s);
	IT_SEG(t, s, A | ECE, nxt, P0 + 200, 0);
	IT_EQ(t, s.ecn, KS_IP_ECN_NOT_ECT); /* a pure ACK is never ECT */
	IT_QUIET(t, a);
	/* Still echoing: our data, and the ACKs of Not-ECT data. */
	IT_EQ(t, th_send(a, 0, 50, false), 50);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA | ECE, nxt, P0 + 200, 50);
	IT_EQ(t, s.ecn, KS_IP_ECN_ECT0);
	peer_ecn(a, PA, nxt + 50, 100, KS_IP_ECN_ECT0);
	peer_ecn(a, PA, nxt + 50, 100, KS_IP_ECN_ECT0);
	IT_POP(t, a, s);
	IT_SEG(t, s, A | ECE, nxt + 50, P0 + 400, 0);
	/* A pure ACK with CWR does not end it (Linux: data only)... */
	peer_ecn(a, A | CWR, nxt + 50, 0, KS_IP_ECN_NOT_ECT);
	IT_TRUE(t, a->pcb.ecn & KS_TCP_ECN_F_DEMAND_CWR);
	/* ...data with CWR does. */
	peer_ecn(a, PA | CWR, nxt + 50, 100, KS_IP_ECN_ECT0);
	peer_ecn(a, PA, nxt + 50, 100, KS_IP_ECN_ECT0);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 50, P0 + 600, 0);
	IT_QUIET(t, a);
}

/* Without ECN, a CE mark (a broken path) is nobody's business: no ECE. */
TH_CASE(t_ce_without_ecn)
{
	struct th_seg s;

	IT_FX(t, w, th_fx_active(a, false));
	peer_ecn(a, PA, a->pcb.snd_nxt, 100, KS_IP_ECN_CE);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.flags, A);
	IT_EQ(t, a->pcb.ecn, 0);
}

/* ---- the sender ---- */

/* RFC 3168 6.1.2: the first ECE halves the window (ssthresh as for a
 * loss, cwnd to it at once), later ECEs of the same window change
 * nothing and cwnd does not grow; the next new data segment has CWR;
 * an ECE after the window reduces again. Retransmissions go Not-ECT. */
TH_CASE(t_ece_once_per_window)
{
	uint8_t syn;
	struct th_seg s;
	uint32_t nxt;

	IT_TRUE(t, open_active(a, KS_TCP_ECN_ON, ECE, &syn));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, th_send(a, 0, 14600, false), 14600);
	for (int i = 0; i < 10; i++) {
		IT_POP(t, a, s);
		IT_EQ(t, s.ecn, KS_IP_ECN_ECT0);
		IT_EQ(t, s.h.flags & (ECE | CWR), 0);
	}
	th_peer(a, A | ECE, nxt + 1460, NULL, 0);
	IT_EQ(t, a->pcb.ssthresh, 13140 / 2);
	IT_EQ(t, a->pcb.cwnd, 13140 / 2);
	IT_QUIET(t, a); /* 13140 in flight: nothing new */
	IT_TRUE(t, !a->pcb.in_recovery);
	IT_EQ(t, th_send(a, 14600, 1460, false), 1460);
	IT_QUIET(t, a);
	th_peer(a, A | ECE, nxt + 2920, NULL, 0); /* the same window */
	IT_EQ(t, a->pcb.ssthresh, 13140 / 2);
	IT_EQ(t, a->pcb.cwnd, 13140 / 2); /* and no growth */
	/* A timeout's go-back: the retransmission is Not-ECT. */
	th_advance(w, a->pcb.rto_ns);
	IT_POP(t, a, s);
	IT_SEG(t, s, A, nxt + 2920, P0, 1460);
	IT_EQ(t, s.ecn, KS_IP_ECN_NOT_ECT);
	th_drain(a);
	/* Everything acknowledged: the window is over; new data carries
	 * CWR, once. */
	th_peer(a, A, nxt + 14600, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA | CWR, nxt + 14600, P0, 1460);
	IT_EQ(t, s.ecn, KS_IP_ECN_ECT0);
	IT_QUIET(t, a);
	IT_EQ(t, th_send(a, 16060, 100, false), 100);
	th_peer(a, A, nxt + 16060, NULL, 0);
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 16060, P0, 100);
	/* An ECE for data sent after the reduction: a new one. */
	uint32_t before = a->pcb.ssthresh;
	th_peer(a, A | ECE, nxt + 16160, NULL, 0);
	IT_TRUE(t, a->pcb.ssthresh < before);
	IT_EQ(t, a->pcb.ssthresh, 2 * 1460); /* nothing in flight: the floor */
	IT_TRUE(t, a->pcb.ecn & KS_TCP_ECN_F_QUEUE_CWR);
}

/* ECE during fast recovery: the window was reduced already. */
TH_CASE(t_ece_in_recovery)
{
	uint8_t syn;
	uint32_t nxt;

	IT_TRUE(t, open_active(a, KS_TCP_ECN_ON, ECE, &syn));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, th_send(a, 0, 14600, false), 14600);
	th_drain(a);
	for (int i = 0; i < 4; i++)
		th_peer(a, A, nxt, NULL, 0);
	IT_TRUE(t, a->pcb.in_recovery);
	uint32_t ss = a->pcb.ssthresh;
	th_peer(a, A | ECE, nxt, NULL, 0);
	IT_EQ(t, a->pcb.ssthresh, ss);
	IT_EQ(t, a->pcb.ecn & KS_TCP_ECN_F_QUEUE_CWR, 0);
}

/* Two engines with ECN through a path that marks a tenth of the ECT
 * segments CE: 256 KiB arrive intact, both ends used ECN, the sender
 * reduced its window and the receiver saw CE. */
TH_CASE(t_e2e_ce_marks)
{
	static struct th_end b;
	static uint8_t buf[8192];
	struct th_net net = {.rng = 7, .ce_pct = 10};
	struct th_end *c;
	uint64_t sent = 0, rcvd = 0;

	t->st.tcp_ecn = KS_TCP_ECN_ON;
	th_end_init(w, &b);
	th_wire(a, &b);
	a->pcb.adv_mss = b.pcb.adv_mss = 1460;
	ks_tcp_listen(&b.pcb, 8);
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	th_pump(w, NULL, 10);
	IT_EQ(t, w->nends, 3);
	c = w->ends[2];
	IT_EQ(t, a->pcb.state, KS_TCP_ESTABLISHED);
	IT_TRUE(t, (a->pcb.ecn & KS_TCP_ECN_F_OK) && (c->pcb.ecn & KS_TCP_ECN_F_OK));
	uint32_t ss0 = a->pcb.ssthresh;
	for (int step = 0; step < 20000 && rcvd < 262144; step++) {
		uint32_t space = ks_tcp_send_space(&a->pcb);
		if (sent < 262144 && space) {
			uint32_t n = space < 262144 - sent ? space : (uint32_t)(262144 - sent);
			n = n > sizeof(buf) ? sizeof(buf) : n;
			sent += (uint64_t)th_send(a, sent, n, false);
		}
		th_pump(w, &net, 50);
		long got = th_recv(c, buf, sizeof(buf));
		if (got > 0) {
			static uint8_t want[8192];
			th_pattern(want, rcvd, (uint32_t)got);
			IT_MEMEQ(t, buf, want, (size_t)got);
			rcvd += (uint64_t)got;
		}
		const char *why = th_check(a);
		IT_TRUE(t, why == NULL);
		th_advance(w, NS_MS);
	}
	IT_EQ(t, rcvd, 262144);
	IT_TRUE(t, net.ce_marked > 0);
	IT_TRUE(t, c->pcb.ecn & KS_TCP_ECN_F_SEEN);
	IT_TRUE(t, a->pcb.ssthresh < ss0);
	IT_EQ(t, a->pcb.total_retrans, 0); /* marks are not losses */
}

/* ---- path MTU ---- */

/* A lower path MTU: the MSS follows at once, what was in flight goes
 * again at the new size without a congestion response (Linux's
 * tcp_simple_retransmit); an MTU that is no lower changes nothing. */
TH_CASE(t_mtu_reduced)
{
	struct th_seg s;
	uint32_t nxt;

	IT_FX(t, w, th_fx_active(a, false));
	nxt = a->pcb.snd_nxt;
	IT_EQ(t, th_send(a, 0, 5840, false), 5840);
	IT_EQ(t, a->nout, 4);
	th_drain(a);
	uint32_t cwnd = a->pcb.cwnd, ss = a->pcb.ssthresh;
	ks_tcp_mtu_reduced(&a->pcb, 1500);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.mss, 1460);
	ks_tcp_mtu_reduced(&a->pcb, 1280);
	IT_EQ(t, a->pcb.mss, 1240);
	IT_EQ(t, a->pcb.pmtu, 1280);
	for (int i = 0; i < 4; i++) {
		IT_POP(t, a, s);
		IT_EQ(t, s.h.seq, nxt + (uint32_t)i * 1240);
		IT_EQ(t, s.h.payload_len, 1240);
	}
	IT_POP(t, a, s);
	IT_SEG(t, s, PA, nxt + 4960, P0, 880);
	IT_QUIET(t, a);
	IT_EQ(t, a->pcb.total_retrans, 5);
	IT_EQ(t, a->pcb.cwnd, cwnd);
	IT_EQ(t, a->pcb.ssthresh, ss);
	IT_EQ(t, a->pcb.snd_nxt, nxt + 5840);
	/* New data comes in the new size too. */
	th_peer(a, A, nxt + 5840, NULL, 0);
	IT_EQ(t, th_send(a, 5840, 3000, false), 3000);
	IT_POP(t, a, s);
	IT_EQ(t, s.h.payload_len, 1240);
}

/* With timestamps the option's 12 bytes come off too; a path MTU known
 * before the handshake caps the MSS it sets; an MTU that would leave
 * less than 64 bytes gives 64. */
TH_CASE(t_mtu_mss_rules)
{
	IT_FX(t, w, th_fx_active(a, true));
	IT_EQ(t, a->pcb.mss, 1448);
	ks_tcp_mtu_reduced(&a->pcb, 1280);
	IT_EQ(t, a->pcb.mss, 1228);
	IT_EQ(t, ks_tcp_mss_for_mtu(&a->pcb, 68), 64);

	static struct th w2;
	static struct th_end e;
	th_init(&w2, &t->st, &t->clock_ns);
	th_end_init(&w2, &e);
	e.pcb.pmtu = 1000; /* what the owner found in the cache at connect */
	bool ok = th_fx_active(&e, false);
	uint16_t mss = e.pcb.mss;
	th_fini(&w2);
	IT_TRUE(t, ok);
	IT_EQ(t, mss, 960);
}

/* Which ICMP errors TCP believes: the quoted sequence number within
 * SND.UNA..SND.NXT of a connection; never for a listener or a closed
 * pcb. Before the SYN is answered, only the SYN's. */
TH_CASE(t_icmp_in_flight)
{
	IT_TRUE(t, !ks_tcp_icmp_in_flight(&a->pcb, a->pcb.iss)); /* CLOSED */
	IT_EQ(t, ks_tcp_connect(&a->pcb), 0);
	th_drain(a);
	IT_TRUE(t, ks_tcp_icmp_in_flight(&a->pcb, a->pcb.iss));
	IT_TRUE(t, !ks_tcp_icmp_in_flight(&a->pcb, a->pcb.iss - 1));
	IT_TRUE(t, !ks_tcp_icmp_in_flight(&a->pcb, a->pcb.iss + 2));
	ks_tcp_abort(&a->pcb, 0);
	th_drain(a);

	static struct th w2;
	static struct th_end e;
	th_init(&w2, &t->st, &t->clock_ns);
	th_end_init(&w2, &e);
	bool ok = th_fx_active(&e, false) && th_send(&e, 0, 2920, false) == 2920;
	uint32_t una = e.pcb.snd_una;
	bool in = ks_tcp_icmp_in_flight(&e.pcb, una) && ks_tcp_icmp_in_flight(&e.pcb, una + 1460) &&
		  ks_tcp_icmp_in_flight(&e.pcb, una + 2920);
	bool out = !ks_tcp_icmp_in_flight(&e.pcb, una - 1) &&
		   !ks_tcp_icmp_in_flight(&e.pcb, una + 2921) &&
		   !ks_tcp_icmp_in_flight(&e.pcb, una + 0x80000000u);
	ks_tcp_listen(&e.pcb, 1);
	bool listener = !ks_tcp_icmp_in_flight(&e.pcb, una);
	th_fini(&w2);
	IT_TRUE(t, ok && in && out && listener);
}

/* The cache's plausibility rules (RFC 791's 68, Linux's min_pmtu 552),
 * counted. */
static void t_pmtu_plausible(struct it_ctx *t)
{
	IT_EQ(t, ks_pmtu_plausible(&t->st, 0), 0); /* an old router's */
	IT_EQ(t, ks_pmtu_plausible(&t->st, 67), 0);
	IT_EQ(t, t->st.pmtu.stats.bad_mtu, 2);
	IT_EQ(t, ks_pmtu_plausible(&t->st, 68), 552);
	IT_EQ(t, ks_pmtu_plausible(&t->st, 551), 552);
	IT_EQ(t, ks_pmtu_plausible(&t->st, 552), 552);
	IT_EQ(t, ks_pmtu_plausible(&t->st, 1400), 1400);
	IT_EQ(t, t->st.pmtu.stats.bad_mtu, 2);
}

/* Learning and expiry on the fake clock: a lower MTU is kept for 10
 * minutes (Linux's mtu_expires), a higher one is no news, the link's MTU
 * still bounds; the 17th destination replaces the one closest to
 * expiry; reset forgets. */
static void t_pmtu_cache(struct it_ctx *t)
{
	struct ks_inet_stack *st = &t->st;
	const uint32_t d = KS_IPV4(192, 0, 2, 1);

	IT_EQ(t, ks_pmtu_get(st, d, 1500), 1500);
	IT_EQ(t, ks_pmtu_learn(st, d, 1400, 1500), 1400);
	IT_EQ(t, ks_pmtu_learn(st, d, 1450, 1500), 1400);
	IT_EQ(t, ks_pmtu_learn(st, d, 1600, 1500), 1400);
	IT_EQ(t, ks_pmtu_get(st, d, 1500), 1400);
	IT_EQ(t, ks_pmtu_get(st, d, 1300), 1300);
	IT_EQ(t, ks_pmtu_get(st, d + 1, 1500), 1500);
	IT_EQ(t, st->pmtu.stats.learnt, 1);
	t->clock_ns += KS_PMTU_EXPIRES_NS - 1;
	IT_EQ(t, ks_pmtu_get(st, d, 1500), 1400);
	t->clock_ns += 1;
	IT_EQ(t, ks_pmtu_get(st, d, 1500), 1500); /* expired: the link's again */
	/* Bounded: 16 entries, the oldest goes. */
	for (uint32_t i = 0; i < KS_PMTU_ENTRIES + 1; i++) {
		IT_EQ(t, ks_pmtu_learn(st, d + i, 1000 + i, 1500), 1000 + i);
		t->clock_ns += NS_S;
	}
	IT_EQ(t, ks_pmtu_get(st, d, 1500), 1500);
	for (uint32_t i = 1; i < KS_PMTU_ENTRIES + 1; i++)
		IT_EQ(t, ks_pmtu_get(st, d + i, 1500), 1000 + i);
	ks_inet_stack_reset(st);
	IT_EQ(t, ks_pmtu_get(st, d + 1, 1500), 1500);
	IT_EQ(t, st->tcp_ecn, KS_TCP_ECN_PASSIVE); /* reset keeps the setting */
}

const struct it_case it_cases_tcp_ecn_pmtu[] = {
	{"active_on", t_active_on},
	{"active_on_refused", t_active_on_refused},
	{"active_passive_off", t_active_passive_off},
	{"active_syn_retry", t_active_syn_retry},
	{"passive_modes", t_passive_modes},
	{"ce_echo", t_ce_echo},
	{"ce_without_ecn", t_ce_without_ecn},
	{"ece_once_per_window", t_ece_once_per_window},
	{"ece_in_recovery", t_ece_in_recovery},
	{"e2e_ce_marks", t_e2e_ce_marks},
	{"mtu_reduced", t_mtu_reduced},
	{"mtu_mss_rules", t_mtu_mss_rules},
	{"icmp_in_flight", t_icmp_in_flight},
	{"pmtu_plausible", t_pmtu_plausible},
	{"pmtu_cache", t_pmtu_cache},
	{0},
};

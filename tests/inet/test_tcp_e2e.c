/*
 * test_tcp_e2e.c - two TCP engines back to back (th_wire): a connect to a
 * listener, bulk transfers verified byte for byte over a clean path and
 * over one that loses, duplicates and reorders segments (a fixed-seed
 * PRNG, so every run is the same), and the close of both ends. The
 * invariants of th_check hold after every step; every loop is bounded.
 */
#include <stdio.h>
#include <string.h>

#include "tcp_harness.h"

static uint8_t buf[1 << 17];
static uint8_t want[1 << 17];

/* a (TH_LOCAL) connects to a listener b (TH_PEER); *c is b's child. */
static bool open_pair(struct th *w, struct th_end *a, struct th_end *b, struct th_end **c,
		      uint32_t rcv_limit)
{
	th_end_init(w, b);
	if (rcv_limit)
		a->pcb.rcv_limit = b->pcb.rcv_limit = rcv_limit;
	th_wire(a, b);
	a->pcb.adv_mss = 1460;
	b->pcb.adv_mss = 1460;
	ks_tcp_listen(&b->pcb, 8);
	if (ks_tcp_connect(&a->pcb) != 0)
		return false;
	th_pump(w, NULL, 10);
	if (w->nends != 3)
		return false;
	*c = w->ends[2];
	return a->pcb.state == KS_TCP_ESTABLISHED && (*c)->pcb.state == KS_TCP_ESTABLISHED &&
	       ((*c)->ev & KS_TCP_EV_ACCEPT) && !(a->ev & KS_TCP_EV_ACCEPT) &&
	       b->pcb.state == KS_TCP_LISTEN;
}

static uint64_t earliest(const struct th *w)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < w->nends; i++) {
		uint64_t d = w->ends[i]->deadline;
		if (d && (!best || d < best))
			best = d;
	}
	return best;
}

static const char *check_all(const struct th *w)
{
	for (unsigned i = 0; i < w->nends; i++) {
		const char *why = th_check(w->ends[i]);
		if (why)
			return why;
	}
	return NULL;
}

struct xfer {
	uint64_t total, sent, rcvd;
	uint32_t read_max;   /* bytes read per step; 0: all there is */
	unsigned read_every; /* read every this many steps; 0: each */
	unsigned zero_wnd;   /* steps that found the sender's window zero */
	unsigned steps;
	const char *why; /* what went wrong */
};

/* Moves x->total pattern bytes from tx to rx: each step queues what the
 * send buffer takes, delivers, reads and checks, then moves the clock by
 * 1 ms, or to the next deadline when nothing moved. At most max steps. */
static void transfer(struct th *w, struct th_end *tx, struct th_end *rx, struct xfer *x,
		     unsigned max)
{
	while (x->rcvd < x->total && x->steps < max && !x->why) {
		uint32_t una = tx->pcb.snd_una;
		uint64_t rcvd = x->rcvd;
		uint32_t space = ks_tcp_send_space(&tx->pcb);
		x->steps++;
		if (x->sent < x->total && space) {
			uint32_t n = (uint32_t)(x->total - x->sent < space ? x->total - x->sent : space);
			if (th_send(tx, x->sent, n, false) != (long)n) {
				x->why = "send refused";
				return;
			}
			x->sent += n;
		}
		th_pump(w, w->net, 1000);
		uint32_t want_n = x->read_max ? x->read_max : sizeof(buf);
		if (x->read_every && x->steps % x->read_every)
			want_n = 0;
		long n = th_recv(rx, buf, want_n);
		if (n < 0) {
			x->why = "recv failed";
			return;
		}
		if (n > 0) {
			th_pattern(want, x->rcvd, (uint32_t)n);
			if (memcmp(buf, want, (size_t)n) != 0) {
				x->why = "received bytes differ";
				return;
			}
			x->rcvd += (uint64_t)n;
			th_pump(w, w->net, 1000);
		}
		if ((x->why = check_all(w)) != NULL)
			return;
		if (tx->pcb.snd_wnd == 0)
			x->zero_wnd++;
		if (tx->pcb.state == KS_TCP_CLOSE || rx->pcb.state == KS_TCP_CLOSE) {
			x->why = "a connection closed";
			return;
		}
		if (tx->pcb.snd_una == una && x->rcvd == rcvd && earliest(w))
			th_run(w, earliest(w));
		else
			th_advance(w, NS_MS);
	}
	if (x->rcvd < x->total && !x->why)
		x->why = "too many steps";
}

/* Closes both ends: tx first, then rx when it has seen the FIN. */
static const char *close_both(struct th *w, struct th_end *tx, struct th_end *rx)
{
	ks_tcp_close(&tx->pcb, false);
	for (unsigned i = 0; i < 100000; i++) {
		th_pump(w, w->net, 1000);
		if (rx->pcb.fin_rcvd && rx->pcb.state == KS_TCP_CLOSE_WAIT) {
			ks_tcp_close(&rx->pcb, false);
			th_pump(w, w->net, 1000);
		}
		const char *why = check_all(w);
		if (why)
			return why;
		/* A duplicate reaching rx's side after it closed is answered
		 * with a RST (the listener's), which ends tx's TIME-WAIT
		 * early, as on Linux (tcp_rfc1337 0): fine, if quiet. */
		if ((tx->pcb.state == KS_TCP_TIME_WAIT ||
		     (tx->pcb.state == KS_TCP_CLOSE && !tx->pcb.err)) &&
		    rx->pcb.state == KS_TCP_CLOSE && !rx->pcb.err)
			return NULL;
		uint64_t d = earliest(w);
		if (!d)
			break;
		th_run(w, d);
	}
	static char msg[128];
	snprintf(msg, sizeof(msg), "the close did not complete: %s / %s",
		 ks_tcp_state_name(tx->pcb.state), ks_tcp_state_name(rx->pcb.state));
	return msg;
}

/* A clean path: 1 MiB, every byte in order, in few steps. */
TH_CASE(t_bulk_clean)
{
	static struct th_end b;
	struct th_end *c;
	struct xfer x = {.total = 1 << 20};

	IT_TRUE(t, open_pair(w, a, &b, &c, 0));
	IT_TRUE(t, a->pcb.ts_ok && a->pcb.sack_ok && a->pcb.ws_ok && a->pcb.mss == 1448);
	transfer(w, a, c, &x, 20000);
	if (x.why)
		it_fail(t, __FILE__, __LINE__, "%s after %llu bytes, %u steps", x.why,
			(unsigned long long)x.rcvd, x.steps);
	IT_EQ(t, x.rcvd, 1 << 20);
	IT_EQ(t, a->pcb.total_retrans, 0);
	IT_TRUE(t, x.steps < 2000);
	const char *why = close_both(w, a, c);
	if (why)
		it_fail(t, __FILE__, __LINE__, "%s", why);
	IT_EQ(t, c->pcb.state, KS_TCP_CLOSE);
	IT_EQ(t, c->pcb.err, 0);
}

/* 5% loss, 5% duplication, 5% reordering both ways: 1 MiB arrives intact
 * within a bounded number of steps, and both ends close. */
TH_CASE(t_bulk_lossy)
{
	static struct th_end b;
	struct th_end *c;
	struct xfer x = {.total = 1 << 20};
	struct th_net net = {.rng = 0x5eed1234, .loss_pct = 5, .dup_pct = 5, .reorder_pct = 5};

	IT_TRUE(t, open_pair(w, a, &b, &c, 0));
	w->net = &net;
	transfer(w, a, c, &x, 200000);
	if (x.why)
		it_fail(t, __FILE__, __LINE__, "%s after %llu bytes, %u steps, %lu lost", x.why,
			(unsigned long long)x.rcvd, x.steps, net.dropped);
	IT_EQ(t, x.rcvd, 1 << 20);
	IT_TRUE(t, net.dropped > 20 && net.duplicated > 20 && net.reordered > 20);
	IT_TRUE(t, a->pcb.total_retrans >= net.dropped / 4);
	const char *why = close_both(w, a, c);
	if (why)
		it_fail(t, __FILE__, __LINE__, "%s", why);
	w->net = NULL;
}

/* Both directions at once over the lossy path, timestamps off, a small
 * receive buffer (so windows close and reopen). */
TH_CASE(t_bidir_small_window)
{
	static struct th_end b;
	struct th_end *c;
	struct xfer x1 = {.total = 300000}, x2 = {.total = 300000};
	struct th_net net = {.rng = 42, .loss_pct = 3, .dup_pct = 2, .reorder_pct = 5};

	IT_TRUE(t, open_pair(w, a, &b, &c, 8192));
	w->net = &net;
	for (unsigned r = 0; r < 2000 && (x1.rcvd < x1.total || x2.rcvd < x2.total); r++) {
		transfer(w, a, c, &x1, x1.steps + 5);
		if (x1.why && strcmp(x1.why, "too many steps") != 0)
			break;
		x1.why = NULL;
		transfer(w, c, a, &x2, x2.steps + 5);
		if (x2.why && strcmp(x2.why, "too many steps") != 0)
			break;
		x2.why = NULL;
	}
	if (x1.why || x2.why)
		it_fail(t, __FILE__, __LINE__, "%s / %s", x1.why ? x1.why : "-",
			x2.why ? x2.why : "-");
	IT_EQ(t, x1.rcvd, 300000);
	IT_EQ(t, x2.rcvd, 300000);
	const char *why = close_both(w, a, c);
	if (why)
		it_fail(t, __FILE__, __LINE__, "%s", why);
	w->net = NULL;
}

/* Many seeds, harsher paths (up to 15% loss), 128 KiB each: every one
 * arrives intact and closes. (Run with 30000 seeds once: all passed.) */
static void t_seeds(struct it_ctx *t)
{
	static struct th w;
	static struct th_end a, b;

	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct th_end *c;
		struct xfer x = {.total = 128 << 10};
		struct th_net net = {.rng = seed * 0x9e3779b97f4a7c15ull,
				     .loss_pct = (unsigned)(seed % 4) * 5,
				     .dup_pct = (unsigned)(seed % 3) * 5,
				     .reorder_pct = (unsigned)(seed % 5) * 4};
		th_init(&w, &t->st, &t->clock_ns);
		th_end_init(&w, &a);
		bool ok = open_pair(&w, &a, &b, &c, seed & 1 ? 16384 : 0);
		if (ok) {
			a.pcb.nodelay = seed & 2;
			w.net = &net;
			transfer(&w, &a, c, &x, 400000);
		}
		const char *why = !ok ? "no connection" : x.why ? x.why : close_both(&w, &a, c);
		if (!why && w.bad)
			why = w.why;
		th_fini(&w);
		if (why) {
			it_fail(t, __FILE__, __LINE__, "seed %llu: %s after %llu bytes",
				(unsigned long long)seed, why, (unsigned long long)x.rcvd);
			return;
		}
	}
}

/* A slow reader behind a small buffer on a lossy path: windows close,
 * persist probes and window updates get lost; every transfer completes. */
static void t_slow_reader(struct it_ctx *t)
{
	static struct th w;
	static struct th_end a, b;
	unsigned zero = 0;

	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct th_end *c;
		struct xfer x = {.total = 64 << 10, .read_max = 3000, .read_every = 7};
		struct th_net net = {.rng = seed * 0x2545f4914f6cdd1dull,
				     .loss_pct = (unsigned)(seed % 3) * 5,
				     .dup_pct = (unsigned)(seed % 2) * 5,
				     .reorder_pct = (unsigned)(seed % 4) * 3};
		th_init(&w, &t->st, &t->clock_ns);
		th_end_init(&w, &a);
		bool ok = open_pair(&w, &a, &b, &c, seed & 1 ? 4096 : 8192);
		if (ok) {
			w.net = &net;
			transfer(&w, &a, c, &x, 400000);
		}
		const char *why = !ok ? "no connection" : x.why ? x.why : close_both(&w, &a, c);
		if (!why && w.bad)
			why = w.why;
		th_fini(&w);
		zero += x.zero_wnd;
		if (why) {
			it_fail(t, __FILE__, __LINE__, "seed %llu: %s after %llu bytes",
				(unsigned long long)seed, why, (unsigned long long)x.rcvd);
			return;
		}
	}
	IT_TRUE(t, zero > 100); /* the windows did close */
}

const struct it_case it_cases_tcp_e2e[] = {
	{"bulk_clean", t_bulk_clean},
	{"bulk_lossy", t_bulk_lossy},
	{"bidir_small_window", t_bidir_small_window},
	{"seeds", t_seeds},
	{"slow_reader", t_slow_reader},
	{0},
};

/*
 * tcp_harness.h - drives the TCP engine (src/inet/tcp.h) at the segment
 * level for the unit tests (test_tcp*.c) and the tcp fuzz target.
 *
 * Object model. A struct th is one test's world: the stack (its clock is
 * the case's fake clock) and up to TH_ENDS endpoints. A struct th_end owns
 * one pcb and gives it the harness hooks:
 *   output  - the segment is queued on the end's out queue (a pbuf queue,
 *             so the runner's leak check sees forgotten segments);
 *             th_pop takes the oldest, checks its checksum and parses it
 *             back with ks_tcp_parse into a struct th_seg;
 *   event   - ORed into ev (th_ev reads and clears it) and logged;
 *   spawn   - a listener's child: a new end (ks_port_alloc, so a leak is
 *             seen) with the same hooks, listed in the world;
 *   timer   - the deadline the engine announced is recorded; the
 *             harness's clock driver (th_run, th_advance) fires ks_tcp_timer
 *             at recorded deadlines only, as a real owner would, so a
 *             missing timer call shows as a stall.
 * Ends face a "peer" at TH_PEER:TH_PEER_PORT. th_in builds a segment from
 * a struct th_spec (flags, seq, ack, window, options, payload), emits it
 * with ks_tcp_emit (real checksum), parses it and feeds it to ks_tcp_input.
 *
 * Two ends may be wired back to back (th_wire): th_deliver moves what one
 * sent to the other's input, optionally through a struct th_net that
 * drops, duplicates and reorders with a fixed-seed PRNG.
 *
 * Interface: th_init, th_fini, th_end_init, th_pop, th_npending, th_drain,
 * th_in, th_ev, th_run, th_advance, th_wire, th_deliver, th_pump.
 * Locking: single-threaded. Ownership: the world owns its ends and their
 * queued segments; th_fini frees them.
 */
#ifndef TCP_HARNESS_H
#define TCP_HARNESS_H

#include "inet/tcp.h"
#include "it.h"

#define TH_LOCAL IT_ADDR_A
#define TH_PEER IT_ADDR_B
#define TH_LOCAL_PORT 40000
#define TH_PEER_PORT 80
#define TH_ENDS 8
#define TH_EVLOG 64
#define TH_SEG_MAX 2048 /* bytes of a captured segment (header and payload) */

#define NS_MS 1000000ull
#define NS_S 1000000000ull

struct th;

struct th_end {
	struct ks_tcp_pcb pcb;
	struct th *w;
	struct ks_pbuf_queue out;   /* what the pcb sent, oldest first */
	unsigned nout;              /* segments queued */
	unsigned long sent;         /* segments ever sent */
	unsigned ev;                /* events since th_ev */
	unsigned evlog[TH_EVLOG];   /* every event, in order (first TH_EVLOG) */
	unsigned nev;
	uint64_t deadline;          /* what the timer hook last saw */
	unsigned timer_calls;
	struct th_end *peer;        /* wired to (th_wire) */
	bool spawned_called;
	bool refuse_spawn;          /* a listener's spawn returns NULL */
	bool allocated;             /* a child: freed by th_fini */
	/* The peer a test plays (th_peer): its next sequence number, the
	 * window it offers (as on the wire) and the last TSval it saw. */
	uint32_t pseq;
	uint16_t pwnd;
	uint32_t our_tsval;
};

/* What th_pop gives: the parsed header (payload points into raw). */
struct th_seg {
	struct ks_tcp_hdr h;
	uint32_t src, dst;
	uint32_t len;               /* header and payload */
	unsigned ecn;               /* the IP ECN codepoint the pcb asked for */
	uint8_t raw[TH_SEG_MAX];
};

struct th {
	struct ks_inet_stack *st;
	uint64_t *clock;
	struct th_end *ends[TH_ENDS];
	unsigned nends;
	struct th_net *net;         /* what th_run's deliveries go through */
	int bad;                    /* a hook saw something wrong (below) */
	char why[128];
};

/* What a test feeds. seq and ack are absolute. */
struct th_spec {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	uint16_t urp;
	struct ks_tcp_opts opt;
	const void *data;
	uint32_t len;
	uint32_t src, dst;          /* 0: TH_PEER to TH_LOCAL */
	uint16_t sport, dport;      /* 0: the peer's and the end's ports */
	unsigned ecn;               /* the IP header's ECN field (KS_IP_ECN_*) */
};

void th_init(struct th *w, struct ks_inet_stack *st, uint64_t *clock);
/* Finishes every pcb, frees the children and every queued segment. */
void th_fini(struct th *w);
/* Initialises e's pcb with the harness hooks at TH_LOCAL:TH_LOCAL_PORT
 * facing TH_PEER:TH_PEER_PORT, and adds it to the world. */
void th_end_init(struct th *w, struct th_end *e);

/* Takes the oldest segment e sent: 1 and *s filled, or 0 when none.
 * Returns -1 if it did not parse back (w->bad says why). */
int th_pop(struct th_end *e, struct th_seg *s);
/* Frees whatever e sent. */
void th_drain(struct th_end *e);
/* Feeds a segment to e; returns what ks_tcp_input returned, or the drop
 * reason if the built segment did not parse (a harness bug). */
int th_in(struct th_end *e, const struct th_spec *sp);
/* Feeds the raw TCP segment buf[0..len) from src to dst; the parse's
 * drop reason, or what ks_tcp_input returned. flags: KS_WIRE_CSUM_OK. */
int th_in_raw(struct th_end *e, const uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst,
	      unsigned flags);
/* The same, as if its IP header's ECN field was ecn (KS_IP_ECN_*). */
int th_in_raw_ecn(struct th_end *e, const uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst,
		  unsigned flags, unsigned ecn);
/* The events since the last call. */
unsigned th_ev(struct th_end *e);

/* Moves the clock to `until`, firing each end's ks_tcp_timer at the
 * deadlines it announced on the way, in order. With wired ends, what they
 * send is delivered (th_pump through w->net) after each firing. */
void th_run(struct th *w, uint64_t until);
/* th_run(now + ns). */
void th_advance(struct th *w, uint64_t ns);
uint64_t th_now(const struct th *w);

/* ---- two ends back to back ---- */
struct th_net {
	uint64_t rng;
	unsigned loss_pct, dup_pct, reorder_pct; /* per segment */
	unsigned ce_pct;            /* ECT segments marked CE (RFC 3168) */
	unsigned long delivered, dropped, duplicated, reordered, ce_marked;
};
/* a and b talk to each other: a's addresses are TH_LOCAL:TH_LOCAL_PORT,
 * b's TH_PEER:TH_PEER_PORT and the other way round. */
void th_wire(struct th_end *a, struct th_end *b);
/* Delivers what e sent to its peer (through net, if not NULL): the number
 * of segments taken from e's queue. */
unsigned th_deliver(struct th_end *e, struct th_net *net);
/* Delivers what every wired end sent until no queue holds anything (at
 * most max rounds); the rounds it took. */
unsigned th_pump(struct th *w, struct th_net *net, unsigned max);
uint32_t th_rand(uint64_t *state);

/* ---- common fixtures (tcp_harness.c) ---- */
/* Options a Linux peer puts on its SYN: MSS 1460, SACK-permitted, TS,
 * WS 7. */
struct ks_tcp_opts th_linux_syn_opts(uint32_t tsval, uint32_t tsecr);
/* The options of a non-SYN segment from the peer: timestamps when ts. */
struct ks_tcp_opts th_ts_opts(uint32_t tsval, uint32_t tsecr);

/* The peer's TSval now: its millisecond clock, offset. */
uint32_t th_peer_tsval(const struct th *w);
/* The peer sends flags with e->pseq, ack, e->pwnd and len bytes of data
 * (timestamps when the pcb agreed to them); e->pseq moves on. Returns
 * what th_in returned. */
int th_peer(struct th_end *e, uint8_t flags, uint32_t ack, const void *data, uint32_t len);

#define TH_PEER_ISS 1000000u
/* Active open to ESTABLISHED with a Linux peer (th_linux_syn_opts; no TS
 * unless ts; ECN if the SYN asks), adv_mss 1460, the peer's window 1024 << 7 afterwards; the
 * SYN and the ACK are consumed. false if anything was unexpected
 * (w->why). */
bool th_fx_active(struct th_end *e, bool ts);
/* A listener e and its child after the peer's SYN, SYN-ACK consumed;
 * *child set. established: the peer's ACK too. */
bool th_fx_passive(struct th_end *e, bool ts, bool established, struct th_end **child);
/* 0..255 pattern byte for stream offset i. */
static inline uint8_t th_byte(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
}
/* Fills buf with th_byte(from + k). */
void th_pattern(uint8_t *buf, uint64_t from, uint32_t n);
/* Queues n pattern bytes (stream offset from) with ks_tcp_send. */
long th_send(struct th_end *e, uint64_t from, uint32_t n, bool more);
/* Reads up to n bytes into buf (ks_tcp_recv); the bytes read. */
long th_recv(struct th_end *e, uint8_t *buf, uint32_t n);

/* The engine's invariants on e's pcb: NULL, or what is broken. SND.UNA
 * <= SND.NXT <= SND.MAX in sequence space; the send ring holds
 * [SND.UNA, SND.MAX) but for SYN and FIN; the receive ring holds what is
 * unread and the out-of-order ranges lie past RCV.NXT inside it; the
 * SACK scoreboard's ranges ascend, apart, inside (SND.UNA, SND.MAX]; the
 * deadline the timer hook last saw is the pcb's. */
const char *th_check(const struct th_end *e);

/* ---- for the test files ---- */
/* A case with a fresh world w and one end a (its pcb at TH_LOCAL facing
 * TH_PEER); the world is finished after the body, failed or not, and a
 * harness complaint fails the case. */
#define TH_CASE(name)                                                                          \
	static void name##_body(struct it_ctx *t, struct th *w, struct th_end *a);            \
	static void name(struct it_ctx *t)                                                    \
	{                                                                                     \
		static struct th w_;                                                          \
		static struct th_end a_;                                                      \
		th_init(&w_, &t->st, &t->clock_ns);                                           \
		th_end_init(&w_, &a_);                                                        \
		name##_body(t, &w_, &a_);                                                     \
		if (!t->failed && w_.bad)                                                     \
			it_fail(t, __FILE__, __LINE__, "harness: %s", w_.why);                \
		th_fini(&w_);                                                                 \
	}                                                                                     \
	static void name##_body(struct it_ctx *t, struct th *w __attribute__((unused)),          \
				struct th_end *a)

/* The next segment e sent, into s. */
#define IT_POP(t, e, s) IT_EQ(t, th_pop((e), &(s)), 1)
/* e sent nothing (more). */
#define IT_QUIET(t, e) IT_EQ(t, (e)->nout, 0)
/* s's flags, sequence and acknowledgment numbers and payload length. */
#define IT_SEG(t, s, fl, sq, ak, n)                                                            \
	do {                                                                                   \
		IT_EQ(t, (s).h.flags, (fl));                                                   \
		IT_EQ(t, (s).h.seq, (uint32_t)(sq));                                           \
		IT_EQ(t, (s).h.ack, (uint32_t)(ak));                                           \
		IT_EQ(t, (s).h.payload_len, (n));                                              \
	} while (0)
#define IT_FX(t, w, cond) \
	do { if (!(cond)) { it_fail((t), __FILE__, __LINE__, "fixture: %s", (w)->why); return; } } while (0)

#define A KS_TCP_ACK
#define PA (KS_TCP_PSH | KS_TCP_ACK)
#define FA (KS_TCP_FIN | KS_TCP_ACK)
#define SA (KS_TCP_SYN | KS_TCP_ACK)

#endif

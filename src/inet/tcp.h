/*
 * tcp.h - the TCP protocol engine: one connection's state (the protocol
 * control block, struct ks_tcp_pcb) and what moves it: segments that
 * arrive, calls of its user, and time. RFC 9293 is the reference; Linux
 * (man 7 tcp) decides whatever the RFC leaves open.
 *
 * Object model. The engine knows nothing of sockets, descriptors, port
 * tables or devices. Whoever owns a pcb (sock_tcp.c for sockets, the unit
 * tests for segment-level tests) gives it a struct ks_tcp_hooks:
 *   output  - a segment to send (the engine built its TCP header and
 *             payload; the owner adds IPv4 and hands it to a device),
 *   event   - something a user may wait for happened (data, space, a
 *             state change, an error),
 *   spawn   - a listener got a SYN: the owner makes the child pcb (a new
 *             socket), or refuses (accept queue full, no memory),
 *   timer   - the pcb's next deadline changed: the owner arms its timer.
 * The engine reads time from its stack (ks_inet_now), so tests move a fake
 * clock and call ks_tcp_timer themselves. An owner may give the pcb a
 * clock cache (now_cache): the engine then reads the clock once and uses
 * that time until the owner clears the cache (sock_tcp.c: once per locked
 * section, as Linux's tcp_mstamp_refresh once per event).
 *
 * Buffers. The send buffer is a ring of bytes holding [snd_una,
 * snd_una + snd_len): what is unacknowledged and what is not sent yet.
 * Segments are built by copying from it; retransmission copies again, so
 * the ring is the retransmission queue. The receive buffer is a ring too:
 * in-order data [rcv_read, rcv_nxt) is what the user reads; out-of-order
 * segments inside the window are written at their place beyond rcv_nxt
 * and remembered as ranges (which also give the SACK blocks), so
 * reassembly never holds more than the window, and the window is the
 * ring's free space.
 *
 * Input follows RFC 9293 3.10.7 "SEGMENT ARRIVES": one function per step
 * (tcp_in.c), no per-segment globals. Output (tcp_out.c) sends what the
 * windows, Nagle and corking allow. Timers (tcp_timer.c): retransmission
 * (RFC 6298, Karn's rule, exponential backoff; also SYN retries and
 * zero-window probes), delayed ACK, keepalive, FIN-WAIT-2 and TIME-WAIT.
 * Congestion control is behind struct ks_tcp_cc (tcp_cc.c: NewReno,
 * RFC 5681, and CUBIC); loss recovery is NewReno's (RFC 6582, tcp_in.c)
 * or, with SACK, RFC 6675's (tcp_sack.c).
 *
 * Interface: ks_tcp_pcb_init, ks_tcp_pcb_fini, ks_tcp_connect,
 * ks_tcp_listen, ks_tcp_input, ks_tcp_send, ks_tcp_recv, ks_tcp_shutdown,
 * ks_tcp_close, ks_tcp_abort, ks_tcp_output, ks_tcp_timer,
 * ks_tcp_reset_reply, ks_tcp_mtu_reduced. ECN (tcp_ecn.c) follows the
 * stack's tcp_ecn by itself.
 *
 * Locking: none inside. Every function runs under its owner's lock for
 * that pcb (sock_tcp.c: the socket's lock); spawn runs with the listener's
 * lock held and returns the child locked too (listener before child).
 * Hooks are called with that lock held: output must only queue.
 *
 * Ownership: ks_tcp_input takes the segment's pbuf; output gives the hook
 * a pbuf it must free or pass on. The rings belong to the pcb
 * (ks_tcp_pcb_fini frees them).
 */
#ifndef KS_INET_TCP_H
#define KS_INET_TCP_H

#include "pbuf.h"
#include "stack.h"
#include "wire/tcp.h"

/* States, numbered as Linux's (so TCP_INFO's tcpi_state is the value). */
enum ks_tcp_state {
	KS_TCP_ESTABLISHED = 1,
	KS_TCP_SYN_SENT = 2,
	KS_TCP_SYN_RECV = 3,
	KS_TCP_FIN_WAIT1 = 4,
	KS_TCP_FIN_WAIT2 = 5,
	KS_TCP_TIME_WAIT = 6,
	KS_TCP_CLOSE = 7,
	KS_TCP_CLOSE_WAIT = 8,
	KS_TCP_LAST_ACK = 9,
	KS_TCP_LISTEN = 10,
	KS_TCP_CLOSING = 11,
};

/* Events (hooks->event). */
#define KS_TCP_EV_READ 1u       /* data or a FIN to read, or an OOB byte */
#define KS_TCP_EV_WRITE 2u      /* send space */
#define KS_TCP_EV_STATE 4u      /* the state changed */
#define KS_TCP_EV_ERROR 8u      /* pcb->err set (reset, timeout, refused) */
#define KS_TCP_EV_ACCEPT 16u    /* (a child) established: ready for accept */
#define KS_TCP_EV_URG 32u       /* an urgent byte arrived (POLLPRI) */

/* The receive side's urgent data (pcb->urg_state), as Linux's urg_data. */
enum { KS_TCP_URG_NONE, KS_TCP_URG_NOTYET, KS_TCP_URG_VALID, KS_TCP_URG_READ };

/* pcb->ecn (RFC 3168, as Linux's ecn_flags). */
#define KS_TCP_ECN_F_OK 1u         /* ECN in use (in SYN-SENT: asked for) */
#define KS_TCP_ECN_F_SEEN 2u       /* a segment came with ECT or CE (TCPI_OPT_ECN_SEEN) */
#define KS_TCP_ECN_F_DEMAND_CWR 4u /* CE came: ECE on what we send until a CWR */
#define KS_TCP_ECN_F_QUEUE_CWR 8u  /* we reduced for an ECE: CWR on the next new data */
#define KS_TCP_ECN_F_CWR 16u       /* in that reduction's round trip (until ecn_high) */

/* Linux's constants (include/net/tcp.h). */
#define KS_TCP_MSS_DEFAULT 536             /* RFC 9293 3.7.1 */
#define KS_TCP_RTO_INIT_NS 1000000000ull   /* RFC 6298 2.1 */
#define KS_TCP_RTO_MIN_NS 200000000ull     /* Linux's TCP_RTO_MIN */
#define KS_TCP_RTO_MAX_NS 120000000000ull  /* Linux's TCP_RTO_MAX */
#define KS_TCP_DELACK_NS 40000000ull       /* Linux's TCP_DELACK_MIN */
#define KS_TCP_TIMEWAIT_NS 60000000000ull  /* Linux's TCP_TIMEWAIT_LEN */
#define KS_TCP_FIN_TIMEOUT_NS 60000000000ull /* tcp_fin_timeout */
#define KS_TCP_SYN_RETRIES 6               /* tcp_syn_retries */
#define KS_TCP_SYNACK_RETRIES 5            /* tcp_synack_retries */
#define KS_TCP_RETRIES2 15                 /* tcp_retries2 */
#define KS_TCP_KEEPIDLE_DEFAULT 7200   /* seconds */
#define KS_TCP_KEEPINTVL_DEFAULT 75    /* seconds */
#define KS_TCP_KEEPCNT_DEFAULT 9
#define KS_TCP_RCV_WSCALE 7                /* what Linux offers with its default tcp_rmem */
#define KS_TCP_INIT_CWND 10                /* RFC 6928, Linux's TCP_INIT_CWND */
#define KS_TCP_OOO_RANGES 32               /* out-of-order ranges kept */
#define KS_TCP_RXT_LOG 16                  /* retransmissions remembered in recovery */
#define KS_TCP_RMEM_MAX 6291456            /* Linux's tcp_rmem[2] */
#define KS_TCP_SACK_RANGES 16              /* SACKed ranges the sender keeps */

struct ks_tcp_pcb;

struct ks_tcp_hooks {
	/* A segment to send from src to dst: p starts at the TCP header, with
	 * room for IPv4 and the link in front, and its flags carry the ECN
	 * codepoint for the IP header (ks_pbuf_ecn; tcp_ecn.c). Takes p. */
	void (*output)(struct ks_tcp_pcb *pcb, struct ks_pbuf *p, uint32_t src, uint32_t dst);
	void (*event)(struct ks_tcp_pcb *pcb, unsigned ev);
	/* A new pcb for a connection from src:sport to dst:dport on listener,
	 * initialised with ks_tcp_pcb_init, its addresses set, findable by
	 * input and locked; or NULL (the SYN is dropped). The engine sets it
	 * up, then calls spawned, after which the owner unlocks it. */
	struct ks_tcp_pcb *(*spawn)(struct ks_tcp_pcb *listener, uint32_t src, uint16_t sport,
				    uint32_t dst, uint16_t dport);
	void (*spawned)(struct ks_tcp_pcb *child);
	/* Room for a new connection on listener: 0 yes, 1 the SYN queue is
	 * full (answer with a SYN cookie), -1 the accept queue is full (drop
	 * the SYN, as Linux). Optional: NULL means always room. */
	int (*syn_room)(struct ks_tcp_pcb *listener);
	/* pcb's earliest deadline is now ks_tcp_next_deadline(pcb). */
	void (*timer)(struct ks_tcp_pcb *pcb);
};

/* A ring of bytes (send and receive buffers). */
struct ks_tcp_ring {
	uint8_t *buf;
	uint32_t cap;  /* bytes; 0: not allocated */
	uint32_t head; /* offset of the first byte */
};

/* Congestion control (tcp_cc.c). */
struct ks_tcp_cc {
	const char *name;
	void (*init)(struct ks_tcp_pcb *pcb);
	/* acked bytes newly acknowledged, outside recovery */
	void (*on_ack)(struct ks_tcp_pcb *pcb, uint32_t acked);
	/* a loss (three duplicate ACKs or a timeout): the new ssthresh */
	uint32_t (*ssthresh)(struct ks_tcp_pcb *pcb);
};
extern const struct ks_tcp_cc ks_tcp_newreno;
extern const struct ks_tcp_cc ks_tcp_cubic; /* the default, as on Linux */
/* The algorithm called name ("reno", "cubic"), or NULL. */
const struct ks_tcp_cc *ks_tcp_cc_find(const char *name);

struct ks_tcp_ooo {
	uint32_t start, end; /* sequence numbers, end exclusive */
};

struct ks_tcp_pcb {
	struct ks_inet_stack *st;
	const struct ks_tcp_hooks *hooks;
	const struct ks_tcp_cc *cc;
	void *owner; /* the hooks' */
	uint64_t *now_cache; /* the owner's: 0 or the time for this section; NULL: none */
	enum ks_tcp_state state;
	int err;     /* an error for the user (positive errno), 0: none */

	uint32_t laddr, raddr;
	uint16_t lport, rport;

	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss;
	uint32_t snd_una, snd_nxt, snd_max; /* snd_max: highest sent */
	uint32_t snd_wnd;   /* scaled */
	uint32_t snd_wl1, snd_wl2;
	uint32_t max_wnd;   /* largest window the peer offered */
	struct ks_tcp_ring sbuf;
	uint32_t sbuf_seq;  /* sequence number of sbuf's first byte */
	uint32_t snd_len;   /* bytes in sbuf */
	uint32_t snd_limit; /* bytes sbuf may hold (from SO_SNDBUF) */
	bool fin_queued;    /* the user is done sending: FIN after the data */
	bool fin_sent;      /* the FIN went out (since the last go-back) */
	bool fin_acked;

	/* Receive sequence space. */
	uint32_t irs;
	uint32_t rcv_nxt, rcv_read; /* rcv_read: first byte not read */
	uint32_t rcv_wup;   /* rcv_nxt when the window was last advertised */
	uint32_t rcv_adv;   /* right edge last advertised */
	struct ks_tcp_ring rbuf;
	uint32_t rcv_limit; /* bytes rbuf may hold (from SO_RCVBUF) */
	bool rcv_tune;      /* SO_RCVBUF not set: the buffer grows with the
			       reader's pace (Linux's tcp_rcv_space_adjust) */
	uint32_t rcvq_space; /* most bytes read in one round trip so far */
	uint32_t rcvq_seq;   /* rcv_read when this round trip's count began */
	uint64_t rcvq_time;  /* and when */
	uint64_t rcv_rtt_ns; /* the receiver's round trip (Linux's rcv_rtt_est):
				how old the TSvals the peer's data echoes are;
				0: no sample yet */
	uint32_t rcv_rtt_tsecr; /* the TSecr of its last sample */
	bool fin_rcvd;      /* the peer's FIN is at rcv_nxt - 1 */
	bool rcv_shut;      /* the user will read no more (SHUT_RD, close):
			       new data then resets, as Linux */
	struct ks_tcp_ooo ooo[KS_TCP_OOO_RANGES];
	uint8_t nooo;

	/* Urgent data (RFC 9293 3.8.5, RFC 6093; BSD's pointer, as Linux). */
	uint32_t snd_up;     /* just past the last urgent byte sent */
	bool snd_urg;        /* snd_up is meaningful (until snd_una passes it) */
	uint32_t rcv_up;     /* sequence number of the urgent byte */
	uint8_t urg_state;   /* KS_TCP_URG_* */
	uint8_t urg_byte;    /* the byte, when VALID */
	bool oobinline;      /* SO_OOBINLINE: the byte stays in the stream */

	/* Options (RFC 7323, RFC 2018). */
	uint16_t mss;        /* largest payload we send */
	uint16_t adv_mss;    /* what we announce (from the route's MTU) */
	uint16_t user_mss;   /* TCP_MAXSEG, 0: none */
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok, ts_ok, sack_ok;
	uint32_t ts_recent;  /* the peer's last TSval (for TSecr and PAWS) */
	uint64_t ts_recent_at;
	uint32_t ts_offset;  /* added to our clock in TSval */

	/* ECN (RFC 3168; tcp_ecn.c) and the path MTU (RFC 1191). */
	uint8_t ecn;         /* KS_TCP_ECN_F_* */
	uint32_t ecn_high;   /* snd_max when we last reduced for an ECE: the
				next reduction waits until snd_una passes it */
	uint32_t pmtu;       /* the path's MTU as the owner knows it (0: not
				known): caps the MSS (ks_tcp_mtu_reduced) */

	/* Retransmission (RFC 6298). */
	uint64_t srtt_ns, rttvar_ns, rto_ns;
	uint32_t rtt_seq;    /* the segment being timed, when rtt_timing */
	uint64_t rtt_start;
	bool rtt_timing;
	uint8_t backoff;     /* retransmissions of the same data */
	uint64_t rtx_since;  /* when the oldest unacked data was first resent,
				for TCP_USER_TIMEOUT; 0: not resending */
	uint32_t total_retrans; /* segments resent */
	uint32_t total_rto;     /* retransmission timeouts (of data) */

	/* Congestion control (RFC 5681, RFC 6582). */
	uint32_t cwnd, ssthresh; /* bytes */
	uint32_t dupacks;
	uint32_t ca_acc;     /* bytes acked toward the next increase */
	uint64_t cc_state[4]; /* the algorithm's own (tcp_cc.c) */
	bool in_recovery;
	uint32_t recover;    /* snd_max when recovery started, or at a timeout */
	bool recover_hold;   /* a timeout's go-back: no fast recovery until
				snd_una reaches recover (RFC 6582 4, RFC 6675 5.1) */

	/* The sender's SACK scoreboard (RFC 6675; tcp_sack.c): what the peer
	 * reported holding above snd_una, as ranges ascending, disjoint and
	 * not touching, never covering the FIN; with sack_ok only. */
	struct ks_tcp_ooo sacked[KS_TCP_SACK_RANGES];
	uint8_t nsacked;
	uint32_t high_rxt;   /* end of what this recovery retransmitted */
	uint32_t lost_mark;  /* in recovery, unSACKed data below is lost
				(a SACKed tail-loss probe said so) */
	uint32_t dsack_dups; /* D-SACK blocks received (RFC 2883) */
	/* What this recovery resent, as (seq, snd_max then), oldest first,
	 * the last KS_TCP_RXT_LOG of them (the lost-retransmit check). */
	struct ks_tcp_rxt { uint32_t seq, max; } rxt_log[KS_TCP_RXT_LOG];
	uint8_t nrxt;

	/* Tail-loss probes (RFC 8985 7; tcp_sack.c), with sack_ok only. */
	bool tlp_on;         /* enabled (the owner's choice; Linux's default
				tcp_early_retrans enables them) */
	bool tlp_armed;      /* t_rtx is the probe timeout, not the RTO */
	bool tlp_out;        /* a probe went: TLP.end_seq is tlp_end */
	bool tlp_retrans;    /* it resent [tlp_seq, tlp_end) */
	uint32_t tlp_seq, tlp_end;

	/* User settings. */
	bool nodelay, cork;
	bool keepalive;
	int keepidle_s, keepintvl_s, keepcnt;
	int user_timeout_ms;
	int syn_retries;
	int linger2_s;       /* TCP_LINGER2: FIN-WAIT-2 time, 0: the default */

	/* Timers: stack times, 0 when off. */
	uint64_t t_rtx;      /* retransmission, SYN retry, zero-window probe */
	uint64_t t_delack;
	uint64_t t_keep;
	uint64_t t_close;    /* TIME-WAIT or FIN-WAIT-2 end */
	uint8_t probes;      /* keepalive probes unanswered */
	bool persist;        /* t_rtx is the zero-window probe */
	uint64_t last_rcv;   /* when the peer last sent anything */

	/* ACK state. */
	uint8_t unacked_segs; /* full segments received since our last ACK */
	bool ack_now;
	uint8_t quickacks;    /* segments to ACK at once (Linux's quickack mode) */
	bool pingpong;        /* interactive: ACKs wait to ride on replies
				 (Linux's pingpong mode; TCP_QUICKACK 0) */
	bool csum_off;        /* the route never leaves the host (loopback):
				 no checksum computed, as Linux on lo */

	/* Listening. */
	struct ks_tcp_pcb *parent; /* a child's listener until accepted */
	int backlog;
	uint64_t synq_overflow_at; /* a listener's last SYN cookie, 0: never */

	/* Counters for TCP_INFO. */
	uint64_t segs_in, segs_out, bytes_acked, bytes_received;
	uint64_t last_data_recv, last_data_sent;
};

/* ---- set-up and tear-down ---- */
void ks_tcp_pcb_init(struct ks_tcp_pcb *pcb, struct ks_inet_stack *st,
		     const struct ks_tcp_hooks *hooks, void *owner);
/* Frees the rings and cancels the deadlines; the state becomes CLOSE. */
void ks_tcp_pcb_fini(struct ks_tcp_pcb *pcb);

/* ---- the user's calls ----
 * Addresses and ports are set by the owner before connect/listen. */
/* Sends a SYN: SYN-SENT. 0, or -KS_ENOBUFS. */
int ks_tcp_connect(struct ks_tcp_pcb *pcb);
void ks_tcp_listen(struct ks_tcp_pcb *pcb, int backlog);
/* Bytes that may be queued now. */
uint32_t ks_tcp_send_space(const struct ks_tcp_pcb *pcb);
/* Queues n bytes from copy(arg, dst, len) (0 or -KS_EFAULT) and sends what
 * may be sent. n <= ks_tcp_send_space. Returns the bytes queued (fewer
 * when a copy faulted after some), or a negative errno. flags: */
#define KS_TCP_SEND_MORE 1u /* the user has more to write at once (MSG_MORE) */
#define KS_TCP_SEND_URG 2u  /* the last byte is urgent, and all goes now (MSG_OOB) */
long ks_tcp_send(struct ks_tcp_pcb *pcb, uint32_t n, int (*copy)(void *arg, void *dst, uint32_t len),
		 void *arg, unsigned flags);
/* Bytes the user may read now (in order, up to a FIN). */
uint32_t ks_tcp_readable(const struct ks_tcp_pcb *pcb);
/* Copies up to n bytes at offset off past the read point to copy(arg,
 * src, len); unless peek, consumes them (and may send a window update).
 * Stops before the urgent mark; at the mark, an urgent byte not kept in
 * line is skipped (Linux's tcp_recvmsg). Returns the bytes copied (0 when
 * only the urgent byte was skipped), or -KS_EFAULT. */
long ks_tcp_recv(struct ks_tcp_pcb *pcb, uint32_t off, uint32_t n,
		 int (*copy)(void *arg, const void *src, uint32_t len), void *arg, bool peek);
/* Whether the read point is at the urgent mark (SIOCATMARK). */
bool ks_tcp_at_mark(const struct ks_tcp_pcb *pcb);
/* SHUT_WR: a FIN after the queued data. */
void ks_tcp_shutdown(struct ks_tcp_pcb *pcb);
/* The user closed: unread data or linger 0 gives a reset (RFC 9293 3.10.4,
 * RFC 2525 2.17, as Linux); else FIN. Returns true when the pcb is done
 * (CLOSE), false when it lives on (FIN-WAIT, TIME-WAIT) until ks_tcp_timer
 * or input brings it to CLOSE. */
bool ks_tcp_close(struct ks_tcp_pcb *pcb, bool linger0);
/* CLOSE at once, telling nobody (a listener's close, a TIME-WAIT pair
 * reused); err (positive, 0: none) is reported to the user. */
void ks_tcp_done(struct ks_tcp_pcb *pcb, int err);
/* Sends a reset (if synchronized) and goes to CLOSE. */
void ks_tcp_abort(struct ks_tcp_pcb *pcb, int err);
/* Sends what the windows allow (after a setting changed). */
void ks_tcp_output(struct ks_tcp_pcb *pcb);
/* The same, with a last small segment sent despite Nagle and corking:
 * the user is about to wait for send space (Linux's TCP_NAGLE_PUSH). */
void ks_tcp_push(struct ks_tcp_pcb *pcb);
/* Sends an ACK now (TCP_QUICKACK, window updates). */
void ks_tcp_send_ack(struct ks_tcp_pcb *pcb);
/* SO_KEEPALIVE and TCP_KEEPIDLE changed: (re)arms or stops keepalive. */
void ks_tcp_set_keepalive(struct ks_tcp_pcb *pcb, bool on);

/* ---- what arrives ---- */
/* Return values of ks_tcp_input besides 0. */
#define KS_TCP_IN_TW_REUSE 1 /* a SYN may reuse this TIME-WAIT pair: give
				it to a listener after closing this pcb */
/* Processes one segment for pcb (the owner's lookup matched it): p holds
 * the IPv4 datagram, its flags the IP header's ECN field (the owner sets
 * it with ks_pbuf_set_ecn), h its parsed TCP header. Takes p, except when it
 * returns KS_TCP_IN_TW_REUSE. */
int ks_tcp_input(struct ks_tcp_pcb *pcb, struct ks_pbuf *p, uint32_t src, uint32_t dst,
		 const struct ks_tcp_hdr *h);
/* The reset answering a segment from src to dst that no pcb wants
 * (RFC 9293 3.10.7.1), in a pbuf to send from dst back to src, or NULL
 * (no reset for a reset, or no buffer). */
struct ks_pbuf *ks_tcp_reset_reply(struct ks_inet_stack *st, uint32_t src, uint32_t dst,
				   const struct ks_tcp_hdr *h);
/* An ICMP error about a segment we sent: unreachable codes give soft or
 * hard errors as Linux's tcp_v4_err. */
void ks_tcp_icmp_error(struct ks_tcp_pcb *pcb, int err, bool hard);
/* The path MTU to the peer is now mtu (RFC 1191; the owner checked the
 * ICMP error that said so: tcp_pmtu.c): pcb->pmtu takes it and, if the MSS
 * it allows is smaller, the MSS shrinks and what was sent and no longer
 * fits is sent again at once, in segments of the new size (Linux's
 * tcp_v4_mtu_reduced and tcp_simple_retransmit: no congestion response). */
void ks_tcp_mtu_reduced(struct ks_tcp_pcb *pcb, uint32_t mtu);
/* Whether an ICMP error quoting sequence number seq may be about a
 * segment of pcb in flight (SND.UNA <= seq <= SND.NXT, as Linux's
 * tcp_v4_err; RFC 5927 4.1), so that it is believed. */
bool ks_tcp_icmp_in_flight(const struct ks_tcp_pcb *pcb, uint32_t seq);
/* The MSS a path MTU allows (40 bytes of headers less, and 12 for
 * timestamps when they are in use), never below 64. */
uint32_t ks_tcp_mss_for_mtu(const struct ks_tcp_pcb *pcb, uint32_t mtu);

/* ---- time ---- */
/* Runs every deadline at or before now. */
void ks_tcp_timer(struct ks_tcp_pcb *pcb);
/* The earliest deadline, 0: none. */
uint64_t ks_tcp_next_deadline(const struct ks_tcp_pcb *pcb);

/* ---- helpers for the owner ---- */
/* Whether the state has seen the peer's SYN and not lost the connection. */
bool ks_tcp_synchronized(const struct ks_tcp_pcb *pcb);
/* Window we would advertise now (unscaled bytes). */
uint32_t ks_tcp_rcv_window(const struct ks_tcp_pcb *pcb);
/* RFC 6528 initial sequence number for the pcb's four-tuple. */
uint32_t ks_tcp_isn(struct ks_inet_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport);
/* A keyed 64-bit hash of up to four words (SipHash-2-4 with the stack's
 * secret): ISNs, ephemeral ports (RFC 6056), timestamp offsets. */
uint64_t ks_tcp_hash(struct ks_inet_stack *st, uint32_t a, uint32_t b, uint32_t c, uint32_t d);
const char *ks_tcp_state_name(enum ks_tcp_state s);
/* TCP_INFO's tcpi_sacked, tcpi_lost and tcpi_retrans, in segments, from
 * the SACK scoreboard (tcp_sack.c). */
void ks_tcp_sack_counts(const struct ks_tcp_pcb *pcb, uint32_t *sacked, uint32_t *lost,
			uint32_t *retrans);

#endif

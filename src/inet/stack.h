/*
 * stack.h - the one structure that holds all of an IPv4 stack's state.
 *
 * Object model. struct ks_inet_stack is everything the stack knows: its
 * packet-buffer pool, its clock, its drop counters, and (in the steps that
 * follow) its devices, neighbour cache, routes, reassembly queues, socket
 * tables and timers. Nothing lives in file-level statics, so a test makes a
 * fresh stack with ks_inet_stack_init, feeds it frames, moves its fake
 * clock, checks what comes out and what was counted; two stacks in one
 * process can talk over a virtual wire. ks_inet_stack_reset takes a stack
 * back to the state init left it in.
 *
 * Time. The stack reads time only through the clock given at init
 * (ks_inet_now), which defaults to ks_port_now_ns. Timers are deadlines on
 * that clock, run by poll functions that run every deadline at or before
 * now and return the next one: ARP retries, failures and expiry
 * (ks_inet_netif_timers, netif.h), over every interface of a routing
 * table (ks_inet_rtab_poll, route.h) and, for the socket layer,
 * ks_inet_net_poll_next (sock_inet.h); the interfaces' timers run
 * reassembly's timeouts too (ks_ipfrag_expire, ipfrag.h). TCP's timers
 * are to join them. In production one port timer (ks_timer_arm) is
 * armed for the returned deadline (not wired yet: the caller polls); a
 * test moves its clock and polls, so nothing happens between two lines of
 * a test unless the test says so.
 *
 * Drops. A malformed or unwanted packet is dropped and counted, never
 * trusted: each drop reason (wire/wire.h) has a named counter in
 * st->drops, and every function on the receive path returns a negative
 * drop reason or errno that ks_inet_count_drop turns into a count.
 *
 * What exists and what comes next (issue 7; see docs/inet.md):
 *   devices   done: struct ks_netdev (netdev.h), interfaces with an
 *             address and prefix (netif.h).
 *   loopback  127.0.0.0/8, MTU 65536, no link header. Its xmit only queues
 *             the packet on the stack's receive queue: transmit never
 *             recurses into receive.
 *   ARP       done (netif.h): a neighbour cache per interface whose
 *             entries expire (30 s, Linux's base_reachable_time), resolve
 *             with 3 requests 1 s apart and hold up to 3 packets while
 *             they do.
 *   routing   done (route.h): interfaces, connected and static routes, a
 *             default gateway, longest prefix; the socket layer holds the
 *             host's table.
 *   IPv4      done: reassembly (RFC 791, RFC 815) in st->frag, with a 30 s
 *             timeout, a 4 MiB byte limit, overlapping fragments dropped;
 *             fragmentation on output to the MTU of the interface the
 *             route chooses (ipfrag.h).
 *   ICMP      done on interfaces: echo replies, port unreachable (rate
 *             limited as Linux's icmp_ratelimit), time exceeded when
 *             reassembly times out, errors matched to UDP sockets. To
 *             come: protocol unreachable, path MTU for TCP.
 *   UDP       sockets through src/core's ops, bound in a port table.
 *
 * Receive processing is deferred and runs outside socket locks. A driver
 * (any context, its own locks held) calls ks_netdev_rx, which only appends
 * the pbuf to the stack's bounded receive queue (counting a drop when it
 * is full) and kicks the stack. ks_inet_poll drains that queue in "receive
 * context", holding no socket lock: it decodes each frame (decode.h),
 * answers ARP and echo, reassembles, then looks the destination socket up
 * under the port table's lock, takes a reference on it and drops the table
 * lock, and only then locks that one socket to append the packet and wake
 * its readers. A sender builds its packet under its own socket lock but
 * calls the device after unlocking, so the loopback path never takes a
 * second socket lock and never runs receive processing inside sendmsg.
 *
 * Interface: ks_inet_stack_init, ks_inet_stack_reset, ks_inet_now,
 * ks_inet_count_drop, ks_inet_drop_name.
 *
 * Locking. The drop counters and the pool's counters are atomic, so any
 * context may count. The clock and configuration are written by init only.
 * The reassembly table has its own leaf mutex (st->frag.lock, ipfrag.h).
 * Interfaces and the routing table take no lock of their own: their
 * caller serialises them (the socket layer's nif_lock and rt_lock,
 * docs/locking.md).
 *
 * Ownership: the stack owns the packets in its queues (the reassembly
 * queues); reset frees them. Packets callers hold stay theirs, and stay counted in the
 * pool across a reset, so a leak still shows.
 */
#ifndef KS_INET_STACK_H
#define KS_INET_STACK_H

#include "ipfrag.h"
#include "pbuf.h"
#include "pmtu.h"
#include "wire/wire.h"

/* One counter per drop reason, by name (st->drops.truncated) or by index
 * (st->drops.by_reason[reason - KS_DROP_FIRST]). Atomic. */
struct ks_inet_drops {
	union {
		struct {
#define KS_DROP_FIELD_(u, l, d) unsigned long l;
			KS_INET_DROP_REASONS(KS_DROP_FIELD_)
#undef KS_DROP_FIELD_
		};
		unsigned long by_reason[KS_DROP_COUNT];
	};
};

struct ks_inet_config {
	/* The clock: monotonic nanoseconds. NULL: ks_port_now_ns. */
	uint64_t (*now)(void *arg);
	void *now_arg;
	/* Bytes of packet buffers the stack may hold at once; 0: no limit. */
	long pbuf_max_bytes;
};

struct ks_inet_stack {
	struct ks_inet_config cfg; /* fixed at init */
	struct ks_pbuf_pool pbufs;
	struct ks_inet_drops drops;
	struct ks_ipfrag frag;     /* IPv4 reassembly (ipfrag.h), its own lock */
	struct ks_pmtu pmtu;       /* path MTUs learnt (pmtu.h), its own lock */
	/* The key of ks_tcp_hash (ISNs, ephemeral ports, timestamp offsets):
	 * the socket layer fills it from ks_port_random; tests leave it 0. */
	uint64_t secret[2];
	/* Linux's net.ipv4.tcp_ecn (RFC 3168; tcp_ecn.c): KS_TCP_ECN_OFF,
	 * _ON (request on outgoing connections, accept on incoming ones) or
	 * _PASSIVE (accept only; Linux's default, which init sets and reset
	 * keeps). Atomic: read when a SYN is sent or received. */
	int tcp_ecn;
	/* TCP's counters, as Linux's netstat MIB (atomic). */
	struct {
		unsigned long syncookies_sent;   /* SYN-ACKs carrying a cookie */
		unsigned long syncookies_recv;   /* connections a valid cookie made */
		unsigned long syncookies_failed; /* ACKs to a listener with a bad cookie */
		unsigned long listen_drops;      /* SYNs dropped: accept queue full */
		unsigned long sack_recovery;     /* recoveries driven by SACK (RFC 6675) */
		unsigned long sack_reneging;     /* scoreboards dropped: the peer reneged */
		unsigned long loss_probes;       /* tail-loss probes sent (RFC 8985) */
		unsigned long loss_probe_recovery; /* losses a probe repaired */
		unsigned long timeouts;          /* retransmission timeouts of data (TCPTimeouts) */
		unsigned long lost_retransmits;  /* a resent head found lost (TCPLostRetransmit) */
	} tcp;
};

/* Values of st->tcp_ecn (and of ks_inet_set_tcp_ecn, ksock.h). */
#define KS_TCP_ECN_OFF 0
#define KS_TCP_ECN_ON 1
#define KS_TCP_ECN_PASSIVE 2

/* Initialises *st from cfg (NULL: the defaults). Returns 0, or
 * -KS_EINVAL for a negative pool limit. Any context; no lock. */
int ks_inet_stack_init(struct ks_inet_stack *st, const struct ks_inet_config *cfg);
/* Back to the state of init with the same configuration: frees every
 * packet the stack holds and zeroes its counters (not the pool's live
 * counts, which count packets held elsewhere). No other thread may be
 * using the stack. */
void ks_inet_stack_reset(struct ks_inet_stack *st);

/* The stack's time, from its clock. Any context. */
uint64_t ks_inet_now(const struct ks_inet_stack *st);
/* Whether that clock is the port's (not a test's fake one), so that its
 * deadlines can be given to port timers. */
bool ks_inet_clock_is_port(const struct ks_inet_stack *st);

/* Counts rc if it is a drop reason (or -KS_ENOMEM/-KS_ENOBUFS, counted as
 * no_memory); returns rc unchanged, so a receive path can end with
 * "return ks_inet_count_drop(st, rc);". Any context. */
int ks_inet_count_drop(struct ks_inet_stack *st, int rc);
/* The counter of a reason (KS_DROP_*), read atomically. */
unsigned long ks_inet_drops_get(const struct ks_inet_stack *st, enum ks_drop reason);
/* The counter's name ("truncated"), or "?" for a value that is no reason. */
const char *ks_inet_drop_name(enum ks_drop reason);

#endif

/*
 * netif.h - an IPv4 interface: a network device plus one IPv4 address and
 * prefix, with an ARP responder, a neighbour cache that resolves (ARP
 * requests retried, datagrams queued while resolving), ICMP echo replies,
 * ICMP port unreachable and errors to the socket layer, broadcast, and
 * fragments (reassembled on input, made on output: ipfrag.h).
 *
 * Object model. struct ks_inet_netif ties one Ethernet ks_netdev to one
 * address/prefix of a stack. ks_inet_netif_add attaches the interface's
 * receive upcall to the device; the upcall only queues (netdev.h's
 * contract): it pushes the frame on a bounded lock-free list and returns.
 * ks_inet_netif_poll, run by whoever drives the stack (a poll loop, a
 * processing thread, later ks_inet_poll on a port timer), drains that list
 * in receive context with no socket lock held, decodes each frame
 * (decode.h) and acts on it:
 *   ARP  (RFC 826) a request for our address is answered from the device's
 *        MAC to the requester's; the sender's mapping is learnt when the
 *        packet is for us, and refreshed when it is already cached (the
 *        "merge" step), for KS_INET_ARP_REACHABLE_NS on the stack's clock.
 *   ICMP an echo request to our address gets an echo reply (RFC 792,
 *        RFC 1122 3.2.2.6): same identifier, sequence and data, fresh
 *        checksums, sent back to the requester's MAC through the device.
 *   the rest is dropped and counted in st->drops: malformed headers (by
 *        decode.c), frames for another MAC or IPv4 address (not_local),
 *        impossible senders (bad_address), what is not handled yet (UDP
 *        without a hook, other protocols: unsupported), a full queue or no
 *        buffer for a reply (no_memory).
 *   fragments for our address (or a broadcast one) go to reassembly
 *        (ipfrag.h, st->frag); the datagram one completes is decoded
 *        again and handled as above (UDP, broadcast, ICMP). Poll and the
 *        timers also run reassembly's expiry (30 s), sending its ICMP time
 *        exceeded errors like the other replies (below).
 * Replies (echo replies, ICMP errors) go out through the routing table
 * the interface is in (route.h: the route back to the source, which may
 * be a gateway), or, for an interface in no table, straight back to the
 * requester's MAC from the connected prefix only.
 *
 * The neighbour cache (ARP, RFC 826; Linux's neighbour states reduced to
 * four) is KS_INET_ARP_SLOTS entries per interface:
 *   REACHABLE   an address and its MAC, confirmed within
 *               KS_INET_ARP_REACHABLE_NS (until `expires`); then STALE.
 *   STALE       the MAC is still used. The first datagram sent through it
 *               makes it PROBE; unused for KS_INET_ARP_STALE_NS, it is
 *               forgotten (Linux's gc_stale_time).
 *   PROBE       the MAC is used while unicast requests to it, 1 s apart,
 *               ask whether it is still right (Linux's DELAY and PROBE
 *               without the 5 s delay, since nothing above confirms
 *               reachability here); an answer makes it REACHABLE, and
 *               KS_INET_ARP_UCAST_SOLICIT unanswered ones forget it (the
 *               next datagram resolves anew). So a transfer longer than
 *               the reachable time keeps flowing, as on Linux.
 *   INCOMPLETE  made by a lookup miss on output: a broadcast request is
 *               sent at once and again every KS_INET_ARP_RETRANS_NS until
 *               KS_INET_ARP_SOLICIT requests went unanswered (Linux's
 *               mcast_solicit 3, retrans_time 1 s: the entry fails 3 s
 *               after the miss). Up to KS_INET_ARP_QUEUE_MAX datagrams
 *               wait in it, oldest first; one more drops the oldest
 *               (counted arp_queue_full, as Linux's NEIGH_QUEUEFULL). A
 *               reply (or the neighbour's own request) makes it REACHABLE
 *               and sends them in order. When it fails, each is freed
 *               (counted arp_failed) after the error hook heard of it as
 *               an ICMP host unreachable, as Linux's arp_error_report.
 * A full cache replaces a free slot, else the REACHABLE entry closest to
 * expiry, else the INCOMPLETE one closest to failing (its datagrams
 * counted arp_queue_full). ks_inet_arp_lookup answers from live
 * REACHABLE entries only; output uses STALE and PROBE ones too.
 *
 * Timers. ks_inet_netif_timers runs every deadline at or before the
 * stack's now (ARP retries, failures, expiry; reassembly's timeouts, which
 * are the stack's and so run by whichever interface gets there first) and
 * returns the next one (KS_INET_NEVER: none); poll runs it after the
 * frames. Whoever drives the interface arms one timer for that deadline
 * (stack.h, ks_inet_poll).
 *
 * ICMP errors sent (RFC 1122 3.2.2.1: port unreachable for a UDP datagram
 * to our address that no socket takes, where ks_icmp_error_allowed lets a
 * host answer at all) are rate limited per destination host as Linux's
 * icmp_ratelimit (inet_peer_xrlim_allow): a token bucket of
 * KS_INET_ICMP_RATE_NS (1 s) per message with a burst of
 * KS_INET_ICMP_BURST (6), over the last KS_INET_ICMP_PEERS hosts (the
 * least recently limited is forgotten). Linux's global limit
 * (icmp_msgs_per_sec) is not reproduced. ICMP destination unreachable
 * errors arriving for a UDP datagram we sent go to the error hook.
 *
 * Broadcast. A datagram to the prefix's broadcast address or to
 * 255.255.255.255 (by link broadcast or not) is given to the UDP hook
 * like a unicast one (the socket layer delivers it to every socket bound
 * to the port on INADDR_ANY or that address) and is never answered with
 * an ICMP error; echo requests to it are ignored (Linux's
 * icmp_echo_ignore_broadcasts). ks_inet_netif_output_bcast sends to the
 * link broadcast MAC.
 *
 * Interface:
 *   ks_inet_netif_add(st, dev, addr, prefix_len, &out) - configures, attaches
 *   ks_inet_netif_del(nif)                             - detaches, frees
 *   ks_inet_netif_poll(nif)                            - processes the queue, timers
 *   ks_inet_netif_timers(nif)                          - timers only; next deadline
 *   ks_inet_arp_lookup(nif, addr, mac)                 - the cache
 *   ks_inet_netif_output(nif, p, next_hop)             - IPv4 out, ARP-resolved
 *   ks_inet_netif_output_bcast(nif, p)                 - IPv4 out, link broadcast
 *   ks_inet_netif_set_udp, ks_inet_netif_set_err       - the socket layer's hooks
 *
 * Locking. The receive list and its count are atomic: the upcall may run
 * on another thread (a driver's receive thread) than poll. Everything else
 * (the cache, the counters, the IPv4 id) belongs to poll: one thread polls
 * an interface at a time. Configuration is written by add only.
 * Reassembly, shared by the stack's interfaces and its loopback input,
 * takes its own leaf lock (st->frag.lock, ipfrag.h) inside poll.
 *
 * Ownership: the interface owns the frames on its receive list (del frees
 * them); replies are given to ks_netdev_xmit, which takes them. The device
 * stays the caller's: add borrows it for the interface's lifetime.
 *
 * UDP (the socket layer's hook). ks_inet_netif_set_udp attaches a
 * delivery function (sock_inet.c's, for the host's UDP sockets): poll
 * then hands each UDP datagram for our address, copied into a pbuf of its
 * own that starts at the IPv4 header, to it, in receive context with no
 * socket lock held by the interface; without a hook UDP is unsupported.
 * ks_inet_netif_output sends an IPv4 datagram (already built, with room
 * for the Ethernet header) to a neighbour on the prefix: the destination
 * MAC comes from the cache; on a miss the datagram waits in an INCOMPLETE
 * entry (above). A datagram longer than the MTU is sent in fragments
 * (ks_ipfrag_output, to this interface's MTU; one waiting for ARP waits
 * whole and is cut when the answer sends it), unless DF is set:
 * -KS_EMSGSIZE. Broadcasts (ks_inet_netif_output_bcast) are fragmented
 * the same way. Echo replies are not: a request reassembled past the MTU
 * is not answered. ks_inet_netif_set_err attaches the error hook: ICMP
 * errors about UDP datagrams we sent, received or (ARP failure) made up
 * here, in poll's context.
 *
 * Not supported: several addresses per interface, the weak host model
 * (a datagram is taken only on the interface holding its destination
 * address; Linux takes any of its addresses on any interface), devices
 * without an Ethernet header, IPv4 options in echo replies (Record Route
 * and Timestamp are not reflected; RFC 1122 3.2.2.6 says SHOULD), replies
 * to echo requests sent to a broadcast address (as Linux's default
 * icmp_echo_ignore_broadcasts = 1),
 * proxy ARP, ICMP redirects (dropped as unsupported).
 */
#ifndef KS_INET_NETIF_H
#define KS_INET_NETIF_H

#include "netdev.h"
#include "stack.h"

#define KS_INET_ARP_SLOTS 16
/* How long a learnt mapping is used: Linux's base_reachable_time, 30 s. */
#define KS_INET_ARP_REACHABLE_NS (30ull * 1000000000ull)
/* Resolution: requests 1 s apart (retrans_time), 3 of them (mcast_solicit). */
#define KS_INET_ARP_RETRANS_NS (1ull * 1000000000ull)
#define KS_INET_ARP_SOLICIT 3
/* A stale entry in use is checked by this many unicast requests, 1 s
 * apart (Linux's ucast_solicit); unused, it is forgotten after
 * gc_stale_time, 60 s. */
#define KS_INET_ARP_UCAST_SOLICIT 3
#define KS_INET_ARP_STALE_NS (60ull * 1000000000ull)
/* Datagrams waiting per unresolved neighbour. Linux bounds the queue by
 * bytes (unres_qlen_bytes, 212992 by default); ksock keeps the older
 * default of 3 packets (unres_qlen), enough for a request/response
 * protocol and small enough for a kernel's pool. */
#define KS_INET_ARP_QUEUE_MAX 3
/* Frames waiting for poll; more are dropped (no_memory). Linux's
 * netdev_max_backlog. (256 dropped 4-7% of a Linux sender's segments over
 * a TAP while the poll waited to be scheduled: iperf3 -R at 0.35-0.5
 * Gbit/s with 2500-3500 retransmissions per 64 MiB; 1000: 1.8-2.4
 * Gbit/s and none.) */
#define KS_INET_NETIF_RXQ_MAX 1000
/* TTL of what the interface sends (Linux's ip_default_ttl). */
#define KS_INET_DEFAULT_TTL 64
/* ICMP error rate limit per destination (Linux's icmp_ratelimit 1000 ms,
 * XRLIM_BURST_FACTOR 6), over this many destinations. */
#define KS_INET_ICMP_RATE_NS (1ull * 1000000000ull)
#define KS_INET_ICMP_BURST 6
#define KS_INET_ICMP_PEERS 8
/* No deadline (ks_inet_netif_timers). */
#define KS_INET_NEVER UINT64_MAX

enum ks_inet_arp_state {
	KS_INET_ARP_FREE = 0,
	KS_INET_ARP_INCOMPLETE, /* being resolved: requests sent, datagrams waiting */
	KS_INET_ARP_REACHABLE,  /* mac is valid until expires */
	KS_INET_ARP_STALE,      /* mac not confirmed lately; still used, forgotten at expires */
	KS_INET_ARP_PROBE,      /* a stale mac in use, checked by unicast requests */
};

struct ks_inet_arp_entry {
	uint32_t addr;            /* 0: a free slot */
	uint8_t state;            /* enum ks_inet_arp_state */
	uint8_t probes;           /* INCOMPLETE, PROBE: requests sent */
	uint8_t mac[KS_ETH_ALEN];
	/* REACHABLE: stack time after which it is stale; STALE: when it is
	 * forgotten if unused; INCOMPLETE, PROBE: the next request, or the
	 * failure after the last one. */
	uint64_t expires;
	struct ks_pbuf_queue q;   /* INCOMPLETE: datagrams waiting, oldest first */
};

/* Linux's inet_peer rate_tokens/rate_last, for ICMP errors to one host. */
struct ks_inet_icmp_peer {
	uint32_t addr;            /* 0: unused */
	uint64_t last;            /* stack time of the last check */
	uint64_t tokens;          /* nanoseconds of credit, at most BURST * RATE */
};

/* What the interface did, besides the drops counted in the stack. */
struct ks_inet_netif_stats {
	unsigned long rx_frames;   /* taken from the queue by poll */
	unsigned long arp_learnt;  /* cache entries added or refreshed */
	unsigned long arp_replies; /* replies sent to requests for our address */
	unsigned long echo_replies;
	unsigned long tx_errors;   /* ks_netdev_xmit refused a reply */
	unsigned long udp_in;      /* UDP datagrams the hook took (broadcasts too) */
	unsigned long ip_out;      /* datagrams sent by ks_inet_netif_output(_bcast) */
	unsigned long tcp_in;      /* TCP segments the hook took */
	unsigned long arp_requests; /* requests sent to resolve (first and retries) */
	unsigned long arp_failed;  /* entries that got no answer to their requests */
	unsigned long icmp_out;    /* ICMP errors sent (port unreachable) */
	unsigned long icmp_ratelimited; /* ICMP errors not sent: rate limit */
	unsigned long icmp_err_in; /* ICMP errors given to the error hook */
	unsigned long bcast_in;    /* UDP broadcasts the hook took */
};

struct ks_inet_decoded;
struct ks_icmp_hdr;
struct ks_inet_rtab;
/* The UDP hook: takes p (an IPv4 datagram, one segment) when it returns
 * 0; else returns a drop reason and p stays the caller's. */
typedef int ks_inet_netif_udp_fn(void *arg, struct ks_pbuf *p,
				 const struct ks_inet_decoded *d);
/* The error hook: an ICMP error (destination unreachable) about a UDP
 * datagram this host sent, its quote parsed (icmp->quote). Borrows. */
typedef void ks_inet_netif_err_fn(void *arg, const struct ks_icmp_hdr *icmp);
/* The TCP hook: takes p (an IPv4 datagram, one segment, for our address). */
typedef void ks_inet_netif_tcp_fn(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *d);

struct ks_inet_netif {
	/* Set by add. */
	struct ks_inet_stack *st;
	struct ks_netdev *dev;
	uint32_t addr, mask;      /* host order */
	uint8_t prefix_len;
	/* Set by the routing table (route.h) while the interface is in one. */
	struct ks_inet_rtab *rt;
	/* Atomic: the upcall's side. */
	struct ks_pbuf *rx_head;  /* newest first, through qnext */
	uint32_t rx_count;
	/* Poll's. */
	uint16_t ip_id;
	struct ks_inet_arp_entry arp[KS_INET_ARP_SLOTS];
	struct ks_inet_icmp_peer icmp_peers[KS_INET_ICMP_PEERS];
	struct ks_inet_netif_stats stats;
	ks_inet_netif_udp_fn *udp_fn; /* set before the device is opened */
	void *udp_arg;
	ks_inet_netif_err_fn *err_fn;
	ks_inet_netif_tcp_fn *tcp_fn; /* set before the device is opened */
	void (*kick)(void *arg);      /* atomic: a batch of frames waits for poll */
	void *kick_arg;
	void *tcp_arg;
	void *err_arg;
};

/* Configures an interface on dev (Ethernet, not open yet, no upcall
 * attached) with addr/prefix_len and attaches its upcall; *out gets it.
 * -KS_EINVAL: prefix_len not 1..30, addr not a usable unicast address
 * (zero network, loopback, multicast, limited broadcast, or the prefix's
 * network or broadcast address), dev not Ethernet. -KS_ENOMEM. Sleeps
 * never; configuration context. The caller opens the device after. */
int ks_inet_netif_add(struct ks_inet_stack *st, struct ks_netdev *dev, uint32_t addr,
		      unsigned prefix_len, struct ks_inet_netif **out);
/* Detaches the upcall, frees the queued frames and the interface. The
 * device must be stopped (no upcall running). */
void ks_inet_netif_del(struct ks_inet_netif *nif);

/* Processes every frame queued so far, then the timers
 * (ks_inet_netif_timers); returns how many frames it took. Receive
 * context, no socket lock held, one caller at a time per interface;
 * never sleeps. */
int ks_inet_netif_poll(struct ks_inet_netif *nif);
/* Runs the neighbour cache's deadlines at or before the stack's now: a
 * request retried, an entry failed (its datagrams to the error hook and
 * freed), an expired one forgotten; and reassembly's (ks_ipfrag_expire,
 * its ICMP time exceeded sent). Returns the next deadline, or
 * KS_INET_NEVER. Poll's context. */
uint64_t ks_inet_netif_timers(struct ks_inet_netif *nif);

/* The MAC of addr from a live REACHABLE entry: 0, or -KS_ENOENT. Poll's
 * context (same thread as poll). */
int ks_inet_arp_lookup(const struct ks_inet_netif *nif, uint32_t addr, uint8_t *mac);
/* addr's entry (any state), or NULL: for tests and diagnostics. */
const struct ks_inet_arp_entry *ks_inet_arp_entry_get(const struct ks_inet_netif *nif,
						      uint32_t addr);

/* Sets the UDP hook (NULL: UDP is dropped as unsupported), the error hook
 * (NULL: errors are only counted). Configuration context: before the
 * device is opened, or while it is stopped. */
void ks_inet_netif_set_udp(struct ks_inet_netif *nif, ks_inet_netif_udp_fn *fn, void *arg);
void ks_inet_netif_set_err(struct ks_inet_netif *nif, ks_inet_netif_err_fn *fn, void *arg);
/* Sets the TCP hook (NULL: TCP is dropped as unsupported). The hook runs
 * in the interface's poll, under its caller's locks (nif_lock for the
 * socket layer): what it sends must only be queued. Configuration
 * context, as ks_inet_netif_set_udp. */
void ks_inet_netif_set_tcp(struct ks_inet_netif *nif, ks_inet_netif_tcp_fn *fn, void *arg);
/* Sets the kick: called by the upcall (the driver's context, any lock of
 * the driver's held) when a frame arrives at an empty receive list, so
 * that whoever drives the interface polls soon. It must only schedule. */
void ks_inet_netif_set_kick(struct ks_inet_netif *nif, void (*fn)(void *arg), void *arg);

/* Sends the IPv4 datagram p (starting at its header, with
 * KS_ETH_HLEN bytes of room) to next_hop, an address on the prefix other
 * than ours; takes p. 0 when sent (in fragments if longer than the MTU)
 * or queued waiting for ARP (see above; a request the device refuses is
 * retried by the timer); -KS_EMSGSIZE longer than the MTU with DF set;
 * -KS_EINVAL longer and its header malformed; -KS_EHOSTUNREACH next_hop
 * not on the prefix; -KS_ENOBUFS no room for the Ethernet header or no
 * buffer for a fragment; the device's errno. Poll's context: the thread
 * that polls, or a caller
 * serialised with poll by its own lock; never sleeps. */
int ks_inet_netif_output(struct ks_inet_netif *nif, struct ks_pbuf *p, uint32_t next_hop);
/* The same to the link broadcast address (no ARP): for datagrams to
 * 255.255.255.255 or the prefix's broadcast address. */
int ks_inet_netif_output_bcast(struct ks_inet_netif *nif, struct ks_pbuf *p);

/* The prefix's broadcast address. */
static inline uint32_t ks_inet_netif_bcast(const struct ks_inet_netif *nif)
{
	return nif->addr | ~nif->mask;
}

#endif

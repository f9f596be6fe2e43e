/*
 * netif.h - an IPv4 interface: a network device plus one IPv4 address and
 * prefix, with an ARP responder, a small ARP cache and ICMP echo replies
 * (issue 7's first interop milestone: Linux's ping gets replies).
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
 *   fragments for our address go to reassembly (ipfrag.h, st->frag); the
 *        datagram one completes is decoded again and handled as above.
 *        Poll also runs reassembly's expiry (30 s), sending its ICMP time
 *        exceeded errors through ks_inet_netif_output.
 * Routing is only the connected prefix: echo requests from outside it
 * are not answered (no gateway yet).
 *
 * The ARP cache is KS_INET_ARP_SLOTS entries per interface, each an address,
 * a MAC and an expiry. A full cache replaces the entry closest to expiry.
 * ks_inet_arp_lookup answers from live entries only; poll also frees the
 * expired ones. The next step (ARP resolution) adds an INCOMPLETE state:
 * a lookup miss on output sends a broadcast request, retries it 3 times
 * 1 s apart (stack.h), holds a bounded queue of the packets waiting for
 * the answer (sent when it comes, freed and counted when the retries run
 * out, with EHOSTUNREACH to their sockets), and moves the cache from the
 * interface into the stack's neighbour table with the routing table.
 *
 * Interface:
 *   ks_inet_netif_add(st, dev, addr, prefix_len, &out) - configures, attaches
 *   ks_inet_netif_del(nif)                             - detaches, frees
 *   ks_inet_netif_poll(nif)                            - processes the queue
 *   ks_inet_arp_lookup(nif, addr, mac)                 - the cache
 *
 * Locking. The receive list and its count are atomic: the upcall may run
 * on another thread (a driver's receive thread) than poll. Everything else
 * (the cache, the counters, the IPv4 id) belongs to poll: one thread polls
 * an interface at a time. Configuration is written by add only.
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
 * MAC comes from the cache; on a miss the interface broadcasts one ARP
 * request and keeps that one datagram (a queue of one per interface: a
 * newer miss replaces it, freed and counted as no_memory), sent as soon
 * as a mapping for its address is learnt. No retries yet. A datagram
 * longer than the MTU is sent in fragments (ks_ipfrag_output; one waiting
 * for ARP waits whole), unless DF is set: -KS_EMSGSIZE.
 *
 * Not supported: several addresses per interface, devices without an
 * Ethernet header, IPv4 options in echo replies (Record Route and
 * Timestamp are not reflected; RFC 1122 3.2.2.6 says SHOULD), replies to
 * echo requests sent to a broadcast address (as Linux's default
 * icmp_echo_ignore_broadcasts = 1).
 */
#ifndef KS_INET_NETIF_H
#define KS_INET_NETIF_H

#include "netdev.h"
#include "stack.h"

#define KS_INET_ARP_SLOTS 16
/* How long a learnt mapping is used: Linux's base_reachable_time, 30 s. */
#define KS_INET_ARP_REACHABLE_NS (30ull * 1000000000ull)
/* Frames waiting for poll; more are dropped (no_memory). */
#define KS_INET_NETIF_RXQ_MAX 256
/* TTL of what the interface sends (Linux's ip_default_ttl). */
#define KS_INET_DEFAULT_TTL 64

struct ks_inet_arp_entry {
	uint32_t addr;            /* 0: a free slot */
	uint8_t mac[KS_ETH_ALEN];
	uint64_t expires;         /* stack time after which it is not used */
};

/* What the interface did, besides the drops counted in the stack. */
struct ks_inet_netif_stats {
	unsigned long rx_frames;   /* taken from the queue by poll */
	unsigned long arp_learnt;  /* cache entries added or refreshed */
	unsigned long arp_replies; /* replies sent to requests for our address */
	unsigned long echo_replies;
	unsigned long tx_errors;   /* ks_netdev_xmit refused a reply */
	unsigned long udp_in;      /* UDP datagrams the hook took */
	unsigned long ip_out;      /* datagrams sent by ks_inet_netif_output */
	unsigned long arp_requests; /* requests sent on a cache miss */
};

struct ks_inet_decoded;
/* The UDP hook: takes p (an IPv4 datagram, one segment) when it returns
 * 0; else returns a drop reason and p stays the caller's. */
typedef int ks_inet_netif_udp_fn(void *arg, struct ks_pbuf *p,
				 const struct ks_inet_decoded *d);

struct ks_inet_netif {
	/* Set by add. */
	struct ks_inet_stack *st;
	struct ks_netdev *dev;
	uint32_t addr, mask;      /* host order */
	uint8_t prefix_len;
	/* Atomic: the upcall's side. */
	struct ks_pbuf *rx_head;  /* newest first, through qnext */
	uint32_t rx_count;
	/* Poll's. */
	uint16_t ip_id;
	struct ks_inet_arp_entry arp[KS_INET_ARP_SLOTS];
	struct ks_inet_netif_stats stats;
	ks_inet_netif_udp_fn *udp_fn; /* set before the device is opened */
	void *udp_arg;
	struct ks_pbuf *pending;      /* the datagram waiting for ARP, or NULL */
	uint32_t pending_dst;
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

/* Processes every frame queued so far and frees expired cache entries;
 * returns how many frames it took. Receive context, no socket lock held,
 * one caller at a time per interface; never sleeps. */
int ks_inet_netif_poll(struct ks_inet_netif *nif);

/* The MAC of addr from a live cache entry: 0, or -KS_ENOENT. Poll's
 * context (same thread as poll). */
int ks_inet_arp_lookup(const struct ks_inet_netif *nif, uint32_t addr, uint8_t *mac);

/* Sets the UDP hook (NULL: UDP is dropped as unsupported). Configuration
 * context: before the device is opened, or while it is stopped. */
void ks_inet_netif_set_udp(struct ks_inet_netif *nif, ks_inet_netif_udp_fn *fn, void *arg);

/* Sends the IPv4 datagram p (starting at its header, with
 * KS_ETH_HLEN bytes of room) to next_hop, an address on the prefix other
 * than ours; takes p. 0 when sent (in fragments if longer than the MTU)
 * or queued waiting for ARP (see above); -KS_EMSGSIZE longer than the MTU
 * with DF set; -KS_EINVAL longer and its header malformed;
 * -KS_EHOSTUNREACH next_hop not on the prefix; -KS_ENOBUFS no room or no buffer for the ARP request; the
 * device's errno. Poll's context: the thread that polls, or a caller
 * serialised with poll by its own lock; never sleeps. */
int ks_inet_netif_output(struct ks_inet_netif *nif, struct ks_pbuf *p, uint32_t next_hop);

#endif

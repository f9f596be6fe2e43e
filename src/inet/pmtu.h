/*
 * pmtu.h - the stack's path-MTU cache (RFC 1191): what ICMP
 * "fragmentation needed" errors taught about the MTU of the path to a
 * destination, as Linux keeps it in a route's exception (fnhe).
 *
 * Object model. st->pmtu holds up to KS_PMTU_ENTRIES destinations, each
 * with the MTU learnt and when it expires: KS_PMTU_EXPIRES_NS after it
 * was learnt (Linux's net.ipv4.route.mtu_expires, 10 min), after which
 * the path is tried at the link's MTU again (RFC 1191 6.3). A full cache
 * replaces the entry closest to expiry. The path MTU to a destination is
 * the smaller of the link's MTU and an unexpired entry's.
 *
 * Plausibility. A value below KS_PMTU_FLOOR (68, RFC 791's minimum; an
 * old router's 0 included) is not believed: ignored and counted
 * (stats.bad_mtu). One below KS_PMTU_MIN_PMTU (552, Linux's
 * net.ipv4.route.min_pmtu) is raised to it, as Linux does. An MTU not
 * below what the path has already is no news (RFC 1191 6.3: ignored).
 * Whether the error quotes a datagram of ours is the transport's check
 * (sock_tcp.c: the quoted sequence number must be in flight; counted in
 * stats.out_of_window).
 *
 * Interface: ks_pmtu_init, ks_pmtu_reset (stack.c calls them),
 * ks_pmtu_learn, ks_pmtu_get, ks_pmtu_plausible.
 *
 * Locking: its own leaf mutex (lock), taken inside these functions only;
 * nothing is called under it. Callers may hold socket locks, rt_lock or
 * nif_lock (docs/locking.md). The counters are atomic.
 *
 * Ownership: nothing but the table itself.
 */
#ifndef KS_INET_PMTU_H
#define KS_INET_PMTU_H

#include <ksock/port.h>

#include "wire/wire.h"

#define KS_PMTU_ENTRIES 16
#define KS_PMTU_EXPIRES_NS (600ull * 1000000000ull) /* Linux's mtu_expires */
#define KS_PMTU_MIN_PMTU 552                        /* Linux's min_pmtu */
#define KS_PMTU_FLOOR 68                            /* RFC 791 */

struct ks_pmtu_entry {
	uint32_t dst;     /* 0: free */
	uint32_t mtu;
	uint64_t expires; /* stack time */
};

struct ks_pmtu {
	struct ks_mutex lock;
	struct ks_pmtu_entry e[KS_PMTU_ENTRIES]; /* [lock] */
	struct {
		unsigned long learnt;        /* entries made or lowered */
		unsigned long bad_mtu;       /* errors with an MTU below 68 */
		unsigned long out_of_window; /* TCP: the quote is not in flight (Linux's
						OutOfWindowIcmps) */
	} stats;                                 /* atomic */
};

struct ks_inet_stack;

void ks_pmtu_init(struct ks_pmtu *c);
/* Forgets every entry and zeroes the counters. */
void ks_pmtu_reset(struct ks_pmtu *c);
/* The MTU an ICMP error's next-hop MTU field gives the path: 0 when it is
 * not believable (counted), else at least KS_PMTU_MIN_PMTU. */
uint32_t ks_pmtu_plausible(struct ks_inet_stack *st, uint32_t mtu);
/* Records that the path to dst carries mtu (from ks_pmtu_plausible) over a
 * link of link_mtu; returns the path MTU now (a smaller one known stays).
 * Any context. */
uint32_t ks_pmtu_learn(struct ks_inet_stack *st, uint32_t dst, uint32_t mtu, uint32_t link_mtu);
/* The path MTU to dst over a link of link_mtu: link_mtu, or a smaller
 * unexpired entry's. Any context. */
uint32_t ks_pmtu_get(struct ks_inet_stack *st, uint32_t dst, uint32_t link_mtu);

#endif

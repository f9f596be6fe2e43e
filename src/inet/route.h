/*
 * route.h - the routing table: a stack's interfaces (netif.h), their
 * connected prefixes, static routes and a default gateway; longest-prefix
 * lookup, the source address a route gives, and IPv4 output through the
 * interface and next hop it chooses.
 *
 * Object model. struct ks_inet_rtab holds up to KS_INET_NETIF_MAX
 * interfaces and KS_INET_ROUTE_MAX routes. Adding an interface adds its
 * connected route (its prefix, no gateway), gives the device an ifindex
 * if it has none (the lowest free from 2: 1 is loopback's, as on Linux)
 * and makes the interface send its replies through the table (netif.h).
 * A route is a destination prefix and either a gateway (on the prefix of
 * an interface) or none (on-link: the destination itself is the next
 * hop), through one interface. The default route is 0.0.0.0/0.
 *
 * Lookup (Linux's fib_lookup without policy rules, metrics or multipath):
 * the route with the longest prefix holding dst; among equal prefixes the
 * first added (a duplicate dst/prefix is refused). With an output
 * interface asked for (IP_PKTINFO's ipi_ifindex), only its routes count,
 * and without one the destination is taken to be on its link (Linux's
 * ip_route_output_key_hash_rcu: "assume that the destination is on
 * link"). The source is the chosen interface's address. 255.255.255.255
 * goes out the asked interface, else the interface holding the socket's
 * source address (Linux's "special hack" for limited broadcast), else the
 * route that holds it (the default route's interface; no route is
 * ENETUNREACH, as Linux). A destination that is the chosen interface's
 * prefix broadcast is a link broadcast too.
 *
 * Configuration API (Linux's `ip route add/del` semantics where they
 * meet): ks_inet_rtab_route_add(rt, dst, prefix_len, gw, ifindex):
 *   -KS_EINVAL   prefix_len > 32, host bits set in dst, a gateway that is
 *                ours or not unicast
 *   -KS_ENODEV   ifindex names no interface; no gateway and no ifindex
 *   -KS_ENETUNREACH the gateway is on no interface's prefix (or not on
 *                ifindex's)
 *   -KS_EEXIST   that dst/prefix_len is routed already
 *   -KS_ENOBUFS  the table is full
 * ks_inet_rtab_route_del(rt, dst, prefix_len): -KS_ESRCH if none.
 * The socket layer wraps both for the host (sock_inet.h: ks_inet_route_add).
 *
 * Interface: ks_inet_rtab_init, _add_netif, _del_netif, _netif (by
 * ifindex), _netif_by_addr, _is_bcast, _route_add, _route_del, _lookup,
 * _output, _poll.
 *
 * Locking: none inside. The caller serialises every call on a table and
 * on its interfaces (the socket layer: rt_lock for the table alone,
 * nif_lock for output and poll; docs/locking.md). Never sleeps.
 *
 * Ownership: the table borrows its interfaces (the caller deletes them
 * after ks_inet_rtab_del_netif); _output takes the pbuf.
 *
 * Not supported: metrics, several routes to one prefix, multipath,
 * policy routing, route types (blackhole, unreachable, prohibit), source
 * routes (RTA_PREFSRC), recursive gateways, redirects.
 */
#ifndef KS_INET_ROUTE_H
#define KS_INET_ROUTE_H

#include "netif.h"

#define KS_INET_NETIF_MAX 8
#define KS_INET_ROUTE_MAX 32

struct ks_inet_route {
	uint32_t dst;               /* the prefix, host order, host bits zero */
	uint8_t prefix_len;
	bool connected;             /* made by an interface's address */
	uint32_t gw;                /* 0: on-link */
	struct ks_inet_netif *nif;
};

struct ks_inet_rtab {
	struct ks_inet_netif *nifs[KS_INET_NETIF_MAX];
	int n_nifs;
	struct ks_inet_route routes[KS_INET_ROUTE_MAX]; /* in the order added */
	int n_routes;
};

/* What a lookup found. */
struct ks_inet_rtres {
	struct ks_inet_netif *nif;
	uint32_t next_hop;          /* the gateway, or dst itself */
	uint32_t src;               /* the interface's address */
	int ifindex;
	bool bcast;                 /* a link broadcast (no ARP) */
};

void ks_inet_rtab_init(struct ks_inet_rtab *rt);
/* Adds nif (on the table's stack, not in a table) and its connected
 * route. -KS_EEXIST: in a table already, or its device's ifindex (1, or
 * another interface's) or its address is taken; -KS_ENOBUFS: full. */
int ks_inet_rtab_add_netif(struct ks_inet_rtab *rt, struct ks_inet_netif *nif);
/* Removes nif and every route through it. */
void ks_inet_rtab_del_netif(struct ks_inet_rtab *rt, struct ks_inet_netif *nif);
struct ks_inet_netif *ks_inet_rtab_netif(const struct ks_inet_rtab *rt, int ifindex);
/* The interface whose address addr is, or NULL. */
struct ks_inet_netif *ks_inet_rtab_netif_by_addr(const struct ks_inet_rtab *rt, uint32_t addr);
/* Whether addr is 255.255.255.255 or an interface's prefix broadcast. */
bool ks_inet_rtab_is_bcast(const struct ks_inet_rtab *rt, uint32_t addr);

int ks_inet_rtab_route_add(struct ks_inet_rtab *rt, uint32_t dst, unsigned prefix_len,
			   uint32_t gw, int ifindex);
int ks_inet_rtab_route_del(struct ks_inet_rtab *rt, uint32_t dst, unsigned prefix_len);

/* The route to dst (oif: the interface asked for, 0 any; saddr: the
 * source the sender has, 0 none, used for 255.255.255.255 only). 0, or
 * -KS_ENETUNREACH (no route), -KS_ENODEV (oif names no interface). */
int ks_inet_rtab_lookup(const struct ks_inet_rtab *rt, uint32_t dst, int oif, uint32_t saddr,
			struct ks_inet_rtres *out);

/* Sends the IPv4 datagram p (header written, room for the link header)
 * from src to dst by the route; takes p. 0 when sent or queued for ARP,
 * the lookup's errno, or ks_inet_netif_output's. */
int ks_inet_rtab_output(struct ks_inet_rtab *rt, struct ks_pbuf *p, uint32_t src, uint32_t dst);

/* Polls every interface (ks_inet_netif_poll, which runs its timers);
 * returns the frames taken and sets *next to the earliest deadline
 * (KS_INET_NEVER: none). */
int ks_inet_rtab_poll(struct ks_inet_rtab *rt, uint64_t *next);

#endif

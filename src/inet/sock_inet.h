/*
 * sock_inet.h - the AF_INET family on the socket layer: the host's one
 * IPv4 stack, its loopback device, IPv4 output and input for loopback,
 * ICMP port unreachable, the attached device interfaces and the host's
 * routing table, and UDP sockets (sock_udp.c).
 *
 * Object model. struct ks_inet_net is the host's network: one
 * struct ks_inet_stack (pool, drop counters, clock), the loopback device's
 * queue, the UDP port table and the routing table with its interfaces. A UDP socket is a struct ks_inet_sock
 * (struct ks_socket first). Its bound port is in the port table; received
 * datagrams sit in its receive queue as whole IPv4 datagrams (pbufs),
 * charged to it by their truesize.
 *
 * Data flow (docs/inet.md "The loopback path"):
 *   sendmsg: checks, autobind, route (127/8, or the routing table), a pbuf with the payload,
 *     the UDP and IPv4 headers pushed in front, ks_inet_lo_xmit (which only
 *     queues it), all with no socket lock held; then ks_inet_lo_drain.
 *   ks_inet_lo_drain: under the receive mutex only, pops each packet and
 *     runs IPv4 input: decode (checks, checksums), then UDP demux (the
 *     port table under its lock, a reference on the socket, the table lock
 *     dropped) and a queue under that one socket's lock; or ICMP, whose
 *     port-unreachable errors reach connected UDP sockets as ECONNREFUSED;
 *     or a port unreachable sent back through ks_inet_lo_xmit, which the
 *     same drain then picks up. Transmit never recurses into receive.
 *
 * Interfaces and routes (docs/inet.md "Interfaces, routes, ARP, ICMP and
 * broadcast"): device interfaces (netif.h) are attached with
 * ks_inet_net_attach, several at once, into the host's routing table
 * (route.h), which holds their connected prefixes and the routes
 * ks_inet_route_add configures (static routes, a default gateway). An
 * interface's address is local (bind; a datagram to it goes through
 * loopback); any other destination is routed by longest prefix:
 * ks_inet_ip_output sets DF when the chosen interface's MTU carries the
 * datagram whole (Linux's IP_PMTUDISC_WANT), looks the route up again
 * under nif_lock and calls ks_inet_netif_output (ARP resolution on the
 * chosen interface, to the gateway where the route has one; longer than
 * that interface's MTU: fragmented, ipfrag.h; broadcasts to the link
 * broadcast, with a copy looped back to this host as Linux does). The
 * receive side runs in ks_inet_net_poll, called by whoever drives the
 * devices, with no lock but nif_lock: UDP datagrams for an interface's
 * address, or broadcast on its link, whole or reassembled, reach
 * ks_inet_udp_input (ks_inet_udp_input_bcast), the same port table and
 * receive path as loopback datagrams; ICMP errors about UDP datagrams sent
 * (received, or made up when ARP fails) reach ks_inet_udp_err.
 *
 * Interface: ks_inet_init (ks_init registers the family), ks_inet_net_get,
 * ks_inet_net_attach/detach/poll, ks_inet_route_add/del, ks_inet_lo_xmit,
 * ks_inet_lo_drain, ks_inet_udp_input(_bcast), ks_inet_udp_err and the UDP
 * ops tables.
 *
 * Locking (docs/locking.md "AF_INET (UDP)"), in order:
 *   rx_lock    the receive mutex: one drainer at a time, so datagrams are
 *              delivered in the order they were sent. Taken with no socket
 *              lock held.
 *   sk.lock    one socket at a time: its [L] fields below.
 *   udp_lock   the port table: every bnext, and the bound fields marked [T]
 *              (written with the socket's lock held too, so either lock
 *              reads them).
 *   lo_lock    the loopback queue (a leaf).
 *   nif_lock   the attached interfaces' poll-side state (neighbour
 *              caches, ARP queues, transmit) and output through them,
 *              taken with no socket lock held and never with rx_lock;
 *              udp_lock and one socket's lock are taken inside it by
 *              interface input.
 *   rt_lock    a leaf: the routing table (interfaces and routes) is
 *              written holding nif_lock and rt_lock, and read under
 *              either; route() and bind read it under rt_lock alone,
 *              inside a socket's lock, and ks_inet_ip_output for the
 *              route's MTU (DF).
 *   st.frag.lock  reassembly's (ipfrag.h), a leaf: taken by loopback
 *              input (under rx_lock) and interface poll (under nif_lock).
 *   st.pmtu.lock  the path-MTU cache's (pmtu.h), a leaf: taken by output,
 *              IP_MTU, and ICMP handling under a socket's lock.
 *
 * Ownership: ks_inet_lo_xmit takes the pbuf; the socket owns what is in its
 * receive queue and frees it on release.
 */
#ifndef KS_INET_SOCK_INET_H
#define KS_INET_SOCK_INET_H

#include "../core/socket.h"
#include "decode.h"
#include "netif.h"
#include "route.h"
#include "stack.h"

/* IPPROTO_IP options (Linux's uapi/linux/in.h). */
#define KS_SOL_IP 0
#define KS_IP_TOS 1
#define KS_IP_TTL 2
#define KS_IP_PKTINFO 8
#define KS_IP_RECVERR 11
#define KS_IP_RECVTTL 12
#define KS_IP_RECVTOS 13
#define KS_IP_MTU_DISCOVER 10
#define KS_IP_MTU 14
#define KS_SOL_UDP 17
/* IP_MTU_DISCOVER's values (Linux's; IP_PMTUDISC_WANT is the default). */
#define KS_IP_PMTUDISC_DONT 0
#define KS_IP_PMTUDISC_WANT 1
#define KS_IP_PMTUDISC_DO 2
#define KS_IP_PMTUDISC_PROBE 3
#define KS_IP_PMTUDISC_INTERFACE 4
#define KS_IP_PMTUDISC_OMIT 5
#define KS_IP_DEFAULT_TTL 64 /* net.ipv4.ip_default_ttl */

/* IP_PKTINFO's control message (Linux's struct in_pktinfo). */
struct ks_in_pktinfo {
	int ipi_ifindex;
	struct ks_in_addr ipi_spec_dst; /* network byte order */
	struct ks_in_addr ipi_addr;     /* network byte order */
};

/* IP_RECVERR's control message (Linux's struct sock_extended_err, and
 * the offender after it) and its origins. */
#define KS_SO_EE_ORIGIN_LOCAL 1
#define KS_SO_EE_ORIGIN_ICMP 2
struct ks_sock_extended_err {
	uint32_t ee_errno;
	uint8_t ee_origin, ee_type, ee_code, ee_pad;
	uint32_t ee_info; /* fragmentation needed: the MTU */
	uint32_t ee_data;
};

/* Which control messages recvmsg adds (ks_inet_sock.cmsg_flags), in
 * Linux's order (ip_cmsg_recv_offset). */
#define KS_INET_CMSG_PKTINFO 1u
#define KS_INET_CMSG_TTL 2u
#define KS_INET_CMSG_TOS 4u
#define KS_INET_RECVERR 8u /* not a control message: IP_RECVERR is set */

/* Linux's default net.ipv4.ip_unprivileged_port_start: binding a lower
 * nonzero port needs CAP_NET_BIND_SERVICE (here: effective uid 0). */
#define KS_INET_PROT_SOCK 1024

/* Linux's default net.ipv4.ip_local_port_range. */
#define KS_INET_EPHEMERAL_LOW 32768
#define KS_INET_EPHEMERAL_HIGH 60999

/* The loopback device: 127.0.0.1/8, Linux's MTU (64 KiB). */
#define KS_INET_LO_ADDR KS_IPV4(127, 0, 0, 1)
#define KS_INET_LO_MTU 65536
#define KS_INET_LO_IFINDEX 1 /* Linux's loopback is always interface 1 */
/* Bytes a datagram charges against SO_RCVBUF besides its IPv4 datagram, as
 * Linux's skb truesize (the sk_buff and its shared info). */
#define KS_INET_SKB_OVERHEAD 576

struct ks_inet_sock {
	struct ks_socket sk;
	struct ks_inet_sock *bnext; /* [T] next in the port table */
	bool hashed;                /* [T] in the port table */
	uint32_t laddr;             /* [T] bound address (host order), 0: any */
	uint16_t lport;             /* [T] bound port, 0: not bound */
	uint32_t raddr;             /* [T] connected peer (state CONNECTED) */
	uint16_t rport;             /* [T] 0: not connected */
	bool addr_locked;           /* [L] bind chose laddr (connect may not undo it) */
	bool port_locked;           /* [L] bind chose lport (disconnect keeps it) */
	struct ks_pbuf_queue rq;    /* [L] received datagrams */
	struct ks_pbuf_queue errq;  /* [L] IP_RECVERR's error queue (sock_udp.c) */
	long rmem;                  /* [L] the truesize of both */
	int ttl;                    /* atomic: IP_TTL */
	int tos;                    /* atomic: IP_TOS */
	int pmtudisc;               /* atomic: IP_MTU_DISCOVER (KS_IP_PMTUDISC_*) */
	unsigned cmsg_flags;        /* atomic: KS_INET_CMSG_*, IP_PKTINFO, IP_RECVTTL/TOS */
	unsigned long drops;        /* atomic: datagrams dropped at this socket */
};

static inline struct ks_inet_sock *ks_inet(struct ks_socket *s)
{
	return (struct ks_inet_sock *)s;
}

struct ks_inet_net {
	struct ks_inet_stack st;
	struct ks_mutex rx_lock;
	struct ks_mutex lo_lock;
	struct ks_pbuf_queue lo_q;      /* [lo_lock] packets sent, not yet received */
	uint32_t lo_len, tx_len;        /* atomic: packets put on lo_q (tx_q) and not yet
					 * delivered (handed to their interface) */
	struct ks_mutex udp_lock;
	struct ks_inet_sock *udp_bound; /* [udp_lock] every bound UDP socket */
	uint32_t port_rnd;              /* [udp_lock] ephemeral port search state */
	uint16_t ip_id;                 /* atomic: IPv4 identification */
	struct ks_pbuf_queue tx_q;      /* [lo_lock] datagrams for interfaces, deferred */
	struct ks_mutex tx_lock;        /* one flusher of tx_q at a time (before nif_lock) */
	struct ks_mutex tcp_lock;
	/* [tcp_lock] TCP sockets with a port, hashed by it (sock_tcp.c); and
	 * those with a peer, hashed by their four-tuple. */
	struct ks_tcp_sock *tcp_bhash[256];
	struct ks_tcp_sock *tcp_ehash[1024];
	struct ks_tcp_sock *tcp_lhash[32]; /* [tcp_lock] listeners only, by port */
	uint32_t tcp_port_ctr;          /* [tcp_lock] ephemeral port search (RFC 6056) */
	uint16_t tcp_port_perturb[256]; /* [tcp_lock] connect's, per destination (RFC 6056 3.3.4) */
	struct ks_mutex nif_lock;
	struct ks_mutex rt_lock;
	struct ks_inet_rtab rt;         /* [nif_lock + rt_lock] interfaces and routes */
};

/* Attaches nif (created with ks_inet_netif_add on ks_inet_net_get()->st,
 * its device not open yet) to the socket layer: into the host's routing
 * table with its connected route (route.h: the device gets an ifindex if
 * it has none). -KS_EINVAL another stack; -KS_EEXIST attached already, or
 * its address or ifindex taken; -KS_ENOBUFS KS_INET_NETIF_MAX attached.
 * ks_inet_net_detach undoes it, with every route through it (the device
 * stopped first; the caller deletes nif after). Configuration context,
 * no ksock lock held. */
int ks_inet_net_attach(struct ks_inet_netif *nif);
void ks_inet_net_detach(struct ks_inet_netif *nif);
/* Processes what the attached interfaces received and runs their timers
 * (ARP retries and failures), under nif_lock; returns the frames taken.
 * ks_inet_net_poll_next also gives the next deadline on the stack's clock
 * (KS_INET_NEVER: none), for a port timer or a poll loop's sleep. No
 * ksock lock held. */
int ks_inet_net_poll(void);
int ks_inet_net_poll_next(uint64_t *next);
/* Routes of the host's table (route.h's errors): dst/prefix_len through
 * the gateway gw (0: on-link through ifindex; ifindex 0 with a gateway:
 * the interface whose prefix holds it). 0.0.0.0/0 is the default route.
 * Configuration context, no ksock lock held. */
int ks_inet_route_add(uint32_t dst, unsigned prefix_len, uint32_t gw, int ifindex);
int ks_inet_route_del(uint32_t dst, unsigned prefix_len);
/* Whether addr is this host's: 127/8 or an attached interface's. */
bool ks_inet_addr_local(uint32_t addr);
/* Whether addr is 255.255.255.255 or an attached interface's prefix
 * broadcast. */
bool ks_inet_addr_bcast(uint32_t addr);

int ks_inet_init(void);
struct ks_inet_net *ks_inet_net_get(void);

/* Queues an IPv4 datagram on the loopback device; takes p. Any context,
 * any lock but lo_lock held. Never calls receive processing. */
void ks_inet_lo_xmit(struct ks_pbuf *p);
/* Runs receive processing on every queued packet. Must be called with no
 * ksock lock held (system-call context: the end of a sending call). */
void ks_inet_lo_drain(void);
/* Has the timer thread run ks_inet_lo_drain soon, for a timer callback
 * that may not drain itself: a socket's timer callback must return
 * without waiting for rx_lock, because a drain that holds it may drop the
 * socket's last reference, and destroy waits for the running callback
 * (ks_timer_cancel). Any context, no lock needed. */
void ks_inet_lo_drain_soon(void);
/* Asks the thread draining now to yield the CPU (ks_port_yield) once its
 * drain is over and its locks are released: receive processing has queued
 * work that only a thread it woke can take (a listener's accept queue
 * filling up). Any context. */
void ks_inet_yield_after_drain(void);

/* Like ks_inet_ip_output, but a datagram for an interface is only queued
 * (tx_q), to be sent by the next ks_inet_lo_drain with no lock held:
 * for senders that hold a socket's lock, or run inside an interface's
 * poll (TCP). Takes p; 0 or a negative errno (of the header only). */
int ks_inet_ip_queue(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		     int tos);
/* Builds and queues an IPv4 datagram around the payload already in p
 * (headroom for the header); takes p. p->ifindex is the output interface
 * asked for (IP_PKTINFO's ipi_ifindex; 0: the route's). 0 or a negative
 * errno. */
int ks_inet_ip_output(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		      int tos);

/* ks_inet_ip_output (defer false) or ks_inet_ip_queue (true) with the
 * sender's IP_MTU_DISCOVER mode (KS_IP_PMTUDISC_*), which decides DF and
 * whether the path MTU learnt from ICMP (pmtu.h) or the link's bounds the
 * datagram (docs/inet.md "Path MTU discovery"): WANT sets DF on what fits
 * the path and fragments the rest to it; DO and PROBE always set DF;
 * DONT, INTERFACE and OMIT never; PROBE and above use the link's MTU. */
int ks_inet_ip_send(struct ks_pbuf *p, uint32_t src, uint32_t dst, uint8_t proto, int ttl,
		    int tos, bool defer, int pmtudisc);
/* The MTU of the path from src to dst as pmtudisc sees it (Linux's
 * dst_mtu, for IP_MTU): loopback's for a local destination, the route's
 * interface's or the smaller path MTU learnt, at most 65535 (so 65535 on
 * loopback, as Linux's IP_MAX_MTU cap); 0: no route. Takes rt_lock
 * and the cache's lock (leaves): any context. */
uint32_t ks_inet_path_mtu(uint32_t src, uint32_t dst, int pmtudisc);

/* Receive-context entries into UDP (sock_udp.c): d is the decoded datagram,
 * p the packet. Returns 0 when a socket took p, else a drop reason (for
 * the caller to count) and p is still the caller's. */
int ks_inet_udp_input(struct ks_pbuf *p, const struct ks_inet_decoded *d);
/* A broadcast datagram: to every socket bound to its port on INADDR_ANY
 * or its destination (Linux's __udp4_lib_mcast_deliver; the last gets p,
 * the others copies). As ks_inet_udp_input: 0 when p was taken, else a
 * drop reason and p is still the caller's. */
int ks_inet_udp_input_bcast(struct ks_pbuf *p, const struct ks_inet_decoded *d);
/* An ICMP error about a UDP datagram this host sent (Linux's
 * __udp4_lib_err): hard errors (port, protocol unreachable...) become a
 * connected socket's pending error; soft ones (net, host unreachable)
 * only with IP_RECVERR (then unconnected sockets too). */
void ks_inet_udp_err(const struct ks_icmp_hdr *icmp);

/* TCP (sock_tcp.c): a segment for this host (takes p); an ICMP error
 * about a segment we sent. Receive context, no lock held. */
void ks_inet_tcp_input(struct ks_pbuf *p, const struct ks_inet_decoded *d);
void ks_inet_tcp_err(const struct ks_icmp_hdr *icmp);
int ks_inet_tcp_create(struct ks_socket **out);
extern const struct ks_sock_ops ks_inet_tcp_ops;
struct ks_tcp_sock;

/* A sockaddr_in's address and port, host order (the family and length are
 * the caller's to check). */
static inline void ks_inet_sin_in(const struct ks_sockaddr_storage *a, uint32_t *addr,
				  uint16_t *port)
{
	const struct ks_sockaddr_in *sin = (const struct ks_sockaddr_in *)a;

	*addr = ks_ntoh32(sin->sin_addr.s_addr);
	*port = ks_ntoh16(sin->sin_port);
}

/* Fills a sockaddr_in; returns its length. */
static inline unsigned ks_inet_sin_out(struct ks_sockaddr_storage *a, uint32_t addr, uint16_t port)
{
	struct ks_sockaddr_in *sin = (struct ks_sockaddr_in *)a;

	__builtin_memset(sin, 0, sizeof(*sin));
	sin->sin_family = KS_AF_INET;
	sin->sin_port = ks_hton16(port);
	sin->sin_addr.s_addr = ks_hton32(addr);
	return (unsigned)sizeof(*sin);
}

/* Whether socket s has all the KS_SF_* bits in bits. Any context. */
static inline bool ks_inet_has(const struct ks_socket *s, unsigned bits)
{
	return (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & bits) == bits;
}

/* Linux's bind-conflict rule (inet_csk_bind_conflict, udp_lib_lport_inuse)
 * for a socket a wanting a_addr on a port that b holds at b_addr: their
 * addresses overlap (equal, or either INADDR_ANY), unless both set
 * SO_REUSEADDR and b is not listening, or both set SO_REUSEPORT (Linux
 * also asks for the same uid: not checked). */
static inline bool ks_inet_port_clash(const struct ks_socket *a, uint32_t a_addr,
				      const struct ks_socket *b, uint32_t b_addr)
{
	if (ks_inet_has(a, KS_SF_REUSEADDR) && ks_inet_has(b, KS_SF_REUSEADDR) &&
	    __atomic_load_n(&b->state, __ATOMIC_RELAXED) != KS_SS_LISTENING)
		return false;
	if (ks_inet_has(a, KS_SF_REUSEPORT) && ks_inet_has(b, KS_SF_REUSEPORT))
		return false;
	return !a_addr || !b_addr || a_addr == b_addr;
}

/* An ephemeral port from Linux's range, searched from start (any value;
 * taken modulo the range): the first that taken(arg, port) says is free.
 * 0 and *port, or -KS_EADDRINUSE when every one is taken. */
int ks_inet_port_search(uint32_t start, bool (*taken)(void *arg, uint16_t port), void *arg,
			uint16_t *port);

/* A flow's hash (its four-tuple, keyed with the stack's secret), for
 * choosing among SO_REUSEPORT sockets. */
uint32_t ks_inet_flow_hash(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);

/* "a.b.c.d:port" into out (cap bytes, NUL-terminated), for the socket
 * table. Any context. */
void ks_inet_fmt_addr(char *out, size_t cap, uint32_t a, uint16_t port);

extern const struct ks_family ks_inet_family;
extern const struct ks_sock_ops ks_inet_udp_ops;
int ks_inet_udp_create(struct ks_socket **out);

#endif

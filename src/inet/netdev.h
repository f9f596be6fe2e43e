/*
 * netdev.h - the network-device interface a driver implements, and the
 * stack's side of it.
 *
 * Object model. A struct ks_netdev is one network interface: a const ops
 * table (xmit, and optional open/stop), the driver's opaque pointer
 * (priv), its link type, MTU, MAC address, checksum-offload flags, an
 * ifindex, the pool received frames are allocated from, counters, and
 * the receive upcall of whoever is attached above it (the stack, or a
 * wrapper). Devices stack: a wrapper (fault.h, pcap.h) is itself a
 * ks_netdev whose xmit works on the frame and passes it to the device
 * below, and whose receive upcall is attached to the device below, so
 * pcap(fault(tap)) is three devices of which the stack sees the top one.
 *
 * Data flow.
 *   transmit: the stack (or a wrapper above) calls ks_netdev_xmit(dev, p),
 *     which counts and calls dev->ops->xmit, which takes p: it queues it
 *     on its hardware ring, writes it to a file descriptor, or passes it to
 *     the device below. The frame starts at the Ethernet header
 *     (KS_NETDEV_LINK_ETHER) or at the IPv4 header (KS_NETDEV_LINK_NONE),
 *     has no FCS and no padding: a driver pads to KS_ETH_ZLEN if its
 *     hardware does not.
 *   receive: the driver allocates a whole frame (ks_netdev_alloc_rx, no
 *     header room but what the driver wants), fills it, and calls
 *     ks_netdev_rx(dev, p), which stamps p->ifindex, counts, and calls the
 *     upcall attached with ks_netdev_attach; the upcall takes p. The
 *     stack's upcall only appends p to its bounded receive queue and kicks
 *     the stack; ks_inet_poll processes it later (stack.h).
 *
 * The contract, by function:
 *   ops->xmit   Takes p on every path: it frees p or hands it on, also when
 *               it fails. Returns 0 (accepted; it may still be lost on the
 *               wire) or a negative errno: -KS_ENOBUFS (ring or queue
 *               full), -KS_ENETDOWN (not open), -KS_EMSGSIZE (longer than
 *               the MTU plus the link header), -KS_EIO. Called from any
 *               context (system call, receive, timer) with no socket lock
 *               and no stack lock held; it may take the driver's own leaf
 *               locks. It never sleeps and never blocks waiting for room:
 *               a full device fails with -KS_ENOBUFS. It never calls the
 *               receive upcall, directly or through another device (the
 *               loopback rule: transmit never recurses into receive; a
 *               device whose frames come straight back queues them and
 *               delivers them later, or calls ks_netdev_rx on itself,
 *               since the stack's upcall only queues). p may be shared
 *               (held by TCP's retransmission queue): a driver that writes
 *               into it (a virtio header in the room before data) calls
 *               ks_pbuf_unshare first.
 *   upcall      (struct ks_netdev.rx) Takes p. Called by ks_netdev_rx, in
 *               the driver's receive context (an interrupt handler, a
 *               receive thread, a poll loop), possibly with the driver's
 *               own locks held, so it never sleeps, never takes a socket
 *               lock and never calls xmit on any device: it queues.
 *   open, stop  Optional (NULL: nothing to do). open starts the device
 *               (its receive thread or interrupts) once an upcall is
 *               attached; stop quiesces it: when it returns, the driver
 *               calls ks_netdev_rx no more. Both may sleep: system-call or
 *               configuration context, no ksock lock held.
 *   priv        The driver's; ksock never reads it.
 *
 * Who may sleep: open and stop. Nothing on the packet paths (xmit,
 * ks_netdev_rx, the upcall) sleeps.
 *
 * Interface:
 *   ks_netdev_init(dev, ops, priv, name) - defaults: Ethernet, MTU 1500
 *   ks_netdev_attach(dev, upcall, arg)   - before ks_netdev_open
 *   ks_netdev_open, ks_netdev_stop       - may sleep
 *   ks_netdev_xmit(dev, p)               - takes p
 *   ks_netdev_alloc_rx(dev, len, &p)     - gives; for drivers
 *   ks_netdev_rx(dev, p)                 - takes p; for drivers
 *   ks_netdev_stats_get                  - a snapshot of the counters
 *
 * Locking. The counters are atomic. Every other field is written before
 * the device is opened (init, attach, the driver's setup) and only read
 * after: a device is not reconfigured while open. The driver serialises
 * its own ring or descriptor; two threads may call xmit at once.
 *
 * Ownership: xmit, ks_netdev_rx and the upcall take the pbuf;
 * ks_netdev_alloc_rx gives one.
 *
 * Moving the loopback device onto this interface (sock_inet.c; not done
 * yet): the loopback becomes a ks_netdev with link KS_NETDEV_LINK_NONE,
 * MTU KS_INET_LO_MTU, no MAC, and offload KS_NETDEV_OFF_RX_CSUM |
 * KS_NETDEV_OFF_TX_CSUM (a frame that never leaves memory needs no
 * transport checksum, as Linux's lo). Its xmit is today's
 * ks_inet_lo_xmit body turned into a call to ks_netdev_rx on itself: the
 * stack's upcall appends the datagram to the stack's receive queue
 * (today's lo_q, under lo_lock, becomes that queue), and
 * ks_inet_lo_drain becomes the receive-queue drain of ks_inet_poll, run
 * with no socket lock held. ks_inet_ip_output then picks the device from
 * the route and calls ks_netdev_xmit instead of ks_inet_lo_xmit. Since
 * the upcall only queues, transmit still never recurses into receive, and
 * a fault or pcap wrapper can then be put around loopback like any other
 * device.
 *
 * Not supported: multicast filters, VLAN offload, segmentation offload
 * (TSO/GSO), scatter-gather descriptors, several queues per device.
 */
#ifndef KS_INET_NETDEV_H
#define KS_INET_NETDEV_H

#include "pbuf.h"

#define KS_NETDEV_NAMELEN 16 /* with the NUL, as Linux's IFNAMSIZ */

/* struct ks_netdev.link: what a frame starts with. */
#define KS_NETDEV_LINK_ETHER 1 /* an Ethernet II header (wire/eth.h) */
#define KS_NETDEV_LINK_NONE 2  /* the IPv4 header (loopback, point-to-point) */

/* struct ks_netdev.offload: what the device does for the stack. */
/* Receive: the device verified transport checksums and set
 * KS_PBUF_F_CSUM_OK on the frames where they were right. */
#define KS_NETDEV_OFF_RX_CSUM (1u << 0)
/* Transmit: the device fills in transport checksums (or, as loopback,
 * needs none); the stack may leave the field as the pseudo-header sum.
 * Until pbufs carry where the checksum starts (to come with TCP), the
 * stack computes checksums anyway and only reads this flag. */
#define KS_NETDEV_OFF_TX_CSUM (1u << 1)

/* struct ks_netdev.flags. */
#define KS_NETDEV_F_UP (1u << 0) /* open succeeded, stop not called */

struct ks_netdev;
struct ks_netdev_ops {
	int (*xmit)(struct ks_netdev *dev, struct ks_pbuf *p); /* required; takes p */
	int (*open)(struct ks_netdev *dev);                     /* optional; may sleep */
	void (*stop)(struct ks_netdev *dev);                    /* optional; may sleep */
};

/* The receive upcall: takes p. See the contract above. */
typedef void ks_netdev_rx_fn(void *arg, struct ks_netdev *dev, struct ks_pbuf *p);

/* Counters, as Linux's struct rtnl_link_stats64 (ip -s link). Atomic. */
struct ks_netdev_stats {
	unsigned long rx_packets, rx_bytes;
	unsigned long rx_dropped; /* no upcall attached, or no buffer for a frame */
	unsigned long tx_packets, tx_bytes; /* accepted by xmit */
	unsigned long tx_dropped; /* xmit failed (-KS_ENOBUFS, down, too long) */
	unsigned long tx_errors;  /* xmit failed otherwise (-KS_EIO) */
};

struct ks_netdev {
	/* Set before open, read-only while open. */
	const struct ks_netdev_ops *ops;
	void *priv;                    /* the driver's */
	char name[KS_NETDEV_NAMELEN];
	uint16_t ifindex;              /* stamped on received pbufs; 0: none */
	uint16_t link;                 /* KS_NETDEV_LINK_* */
	uint32_t mtu;                  /* largest frame payload (IPv4 datagram) */
	uint32_t offload;              /* KS_NETDEV_OFF_* */
	uint32_t headroom;             /* room the driver wants before a frame it sends */
	uint8_t mac[KS_ETH_ALEN];      /* Ethernet: the device's address */
	struct ks_pbuf_pool *pool;     /* where received frames are allocated */
	ks_netdev_rx_fn *rx;           /* the upcall (ks_netdev_attach) */
	void *rx_arg;
	/* Atomic. */
	uint32_t flags;                /* KS_NETDEV_F_* */
	struct ks_netdev_stats stats;
};

/* Fills *dev: ops (xmit required), priv, name (truncated), Ethernet, MTU
 * KS_ETH_MTU, no offload, no MAC, no pool, no upcall, counters zero.
 * Any context. */
void ks_netdev_init(struct ks_netdev *dev, const struct ks_netdev_ops *ops, void *priv,
		    const char *name);
/* Sets the upcall that receives every frame (NULL: frames are dropped and
 * counted). Before the device is opened, or while it is stopped. */
void ks_netdev_attach(struct ks_netdev *dev, ks_netdev_rx_fn *fn, void *arg);
/* Calls ops->open and marks the device up; 0 or its negative errno.
 * ks_netdev_stop marks it down and calls ops->stop. May sleep. */
int ks_netdev_open(struct ks_netdev *dev);
void ks_netdev_stop(struct ks_netdev *dev);
bool ks_netdev_is_up(const struct ks_netdev *dev);

/* Transmits one frame; takes p. 0 or the driver's negative errno (also
 * -KS_EMSGSIZE for a frame longer than mtu plus the link header, without
 * calling the driver). Counts tx_* either way. Any context but the
 * upcall's; no socket lock held; never sleeps. */
int ks_netdev_xmit(struct ks_netdev *dev, struct ks_pbuf *p);

/* For drivers: a pbuf for a received frame of len bytes (no header room),
 * from dev->pool (gives). On failure counts rx_dropped and returns the
 * errno of ks_pbuf_alloc. Any context; never sleeps. */
int ks_netdev_alloc_rx(struct ks_netdev *dev, uint32_t len, struct ks_pbuf **out);
/* For drivers: delivers a received frame upward; takes p. Stamps
 * p->ifindex, counts rx_*, calls the upcall (or drops and counts
 * rx_dropped when none is attached). Receive context; never sleeps. */
void ks_netdev_rx(struct ks_netdev *dev, struct ks_pbuf *p);

/* A snapshot of the counters, each read atomically. Any context. */
void ks_netdev_stats_get(const struct ks_netdev *dev, struct ks_netdev_stats *out);

/* For wrappers: copies the link type, MTU, offload, headroom, MAC and
 * pool of lower into upper (upper looks like lower to the stack). */
void ks_netdev_inherit(struct ks_netdev *upper, const struct ks_netdev *lower);

/* The link header's length for dev's link type (14 or 0). */
uint32_t ks_netdev_hlen(const struct ks_netdev *dev);

#endif

/*
 * pbuf.h - packet buffers: header room per layer, reference counts,
 * chains, queues, and a pool that counts them.
 *
 * Object model. A packet is a chain of segments (struct ks_pbuf) linked by
 * next; most packets are one segment. Each segment is one allocation: the
 * struct, then cap bytes of storage, of which [data, data + len) holds
 * bytes; the storage before data is header room, so each layer on the way
 * down prepends its header with ks_pbuf_push and no copy, and each layer
 * on the way up strips its own with ks_pbuf_pull. tot_len is the length of
 * a segment and all those after it (the packet's length, at the head).
 * Allocate with the room the layers below need: KS_PBUF_ROOM_PAYLOAD for
 * data a socket sends, KS_PBUF_ROOM_TRANSPORT for a transport header built
 * by the stack (ICMP), KS_PBUF_ROOM_IP for an IPv4 datagram, 0 for a whole
 * frame (drivers). Every segment counts in its pool (struct
 * ks_pbuf_pool, one per stack), which may cap the bytes in use and can fail
 * allocations on purpose for tests.
 *
 * References. A segment's refs counts its owners: the one who allocated
 * it, each ks_pbuf_hold, and the segment before it in a chain (a segment
 * holds one reference on its next). ks_pbuf_free drops one and frees what
 * reached zero, walking down the chain while it does. A segment with more
 * than one reference is shared and read-only, data and fields alike: the
 * functions that change a segment (push, pull, trim, cat, copy_in) assert
 * that they own it alone. This is how TCP will keep a segment's payload on
 * its retransmission queue while a device transmits it: the payload is
 * held, and each transmission chains it behind a fresh header segment. A
 * shared segment must therefore always be the last of the chains that
 * hold it (or be followed by the same segments in each).
 *
 * Ownership, for every function here and in the stack: "takes" means the
 * function consumes one reference the caller had (and frees it on every
 * path, errors included); "borrows" means the caller keeps its reference
 * and the function keeps nothing after it returns; "gives" means the
 * caller receives a reference it must free or pass on.
 *
 * Interface:
 *   ks_pbuf_pool_init, ks_pbuf_pool_live
 *   ks_pbuf_alloc (gives), ks_pbuf_hold, ks_pbuf_free (takes)
 *   ks_pbuf_push, ks_pbuf_pull, ks_pbuf_trim, ks_pbuf_headroom (borrow, exclusive)
 *   ks_pbuf_cat (borrows head, takes tail)
 *   ks_pbuf_copy_out, ks_pbuf_csum_partial (borrow), ks_pbuf_copy_in (borrows, exclusive)
 *   ks_pbuf_copy (borrows, gives a flat copy), ks_pbuf_unshare (takes, gives)
 *   ks_pbufq_* - a FIFO of packets (push takes, pop gives)
 *
 * Locking. refs and the pool's counters are atomic: any context may hold
 * or free a segment. Everything else in a segment belongs to its exclusive
 * owner, and a queue to whoever owns it (a socket's queue: its lock). A
 * packet is in at most one queue at a time, through its head's qnext.
 * Contexts: every function may be called from any context with any lock
 * held; none sleeps. ks_pbuf_alloc calls ks_port_alloc, which may be
 * called with socket locks held.
 *
 * Not supported: segments whose storage is not their own (Linux's page
 * fragments, lwIP's PBUF_REF); scatter-gather for devices.
 */
#ifndef KS_INET_PBUF_H
#define KS_INET_PBUF_H

#include <ksock/port.h>

#include "wire/eth.h"
#include "wire/ipv4.h"

/* Room a device driver may want before the Ethernet header (a virtio-net
 * header is 12 bytes). A port may raise it; pbuf.c checks it is sane. */
#ifndef KS_PBUF_DEVICE_ROOM
#define KS_PBUF_DEVICE_ROOM 16
#endif
/* The largest transport header: TCP with 40 bytes of options
 * (RFC 9293 3.1, data offset <= 15). */
#define KS_PBUF_L4_HLEN_MAX 60

/* Header room for a packet that starts at the given layer. */
#define KS_PBUF_ROOM_IP (KS_PBUF_DEVICE_ROOM + KS_ETH_HLEN)
#define KS_PBUF_ROOM_TRANSPORT (KS_PBUF_ROOM_IP + KS_IPV4_HLEN_MAX)
#define KS_PBUF_ROOM_PAYLOAD (KS_PBUF_ROOM_TRANSPORT + KS_PBUF_L4_HLEN_MAX)

/* The largest segment (room plus data): a 64 KiB datagram and its room. */
#define KS_PBUF_MAX (128u * 1024)

/* Bits of struct ks_pbuf.flags: what the receiving device learnt. */
#define KS_PBUF_F_CSUM_OK (1u << 0)    /* transport checksum verified (== KS_WIRE_CSUM_OK) */
#define KS_PBUF_F_LINK_BCAST (1u << 1) /* sent to the link's broadcast address */
#define KS_PBUF_F_LINK_MCAST (1u << 2) /* sent to a link multicast address */
/* Bits 3-4: the IPv4 header's ECN field (RFC 3168 5, KS_IP_ECN_*): on a
 * TCP segment given to ks_tcp_input, the field it arrived with (the owner
 * copies it from the header); on one TCP gives its output hook, the
 * codepoint to send (the owner ORs it into the TOS byte). */
#define KS_PBUF_F_ECN_SHIFT 3
#define KS_PBUF_F_ECN_MASK (3u << KS_PBUF_F_ECN_SHIFT)

struct ks_pbuf_pool {
	/* Atomic (__atomic builtins); read them with ks_pbuf_pool_live or
	 * atomic loads. */
	long live;          /* segments allocated and not freed */
	long bytes_live;    /* their allocation sizes */
	long peak_bytes;    /* highest bytes_live seen */
	unsigned long allocs;   /* segments ever allocated */
	unsigned long failures; /* allocations refused: limit, memory, injection */
	int fail_next;      /* fault injection: refuse this many allocations next */
	/* Set before the pool is used. */
	long max_bytes;     /* 0: no limit but memory */
};

struct ks_pbuf {
	struct ks_pbuf *next;  /* next segment of this packet (holds a reference) */
	struct ks_pbuf *qnext; /* next packet in the queue holding this one */
	struct ks_pbuf_pool *pool;
	uint8_t *data;         /* first byte of this segment's bytes */
	uint32_t len;          /* bytes at data */
	uint32_t tot_len;      /* len plus next's tot_len */
	uint32_t cap;          /* storage bytes after the struct */
	int refs;              /* atomic */
	uint16_t flags;        /* KS_PBUF_F_*, set on receive */
	uint16_t ifindex;      /* receive: the device's index, 0 if none */
};

void ks_pbuf_pool_init(struct ks_pbuf_pool *pool, long max_bytes);

/* The ECN codepoint p carries (KS_PBUF_F_ECN_MASK), and setting it. */
static inline unsigned ks_pbuf_ecn(const struct ks_pbuf *p)
{
	return (p->flags & KS_PBUF_F_ECN_MASK) >> KS_PBUF_F_ECN_SHIFT;
}
static inline void ks_pbuf_set_ecn(struct ks_pbuf *p, unsigned ecn)
{
	p->flags = (uint16_t)((p->flags & ~KS_PBUF_F_ECN_MASK) |
			      ((ecn << KS_PBUF_F_ECN_SHIFT) & KS_PBUF_F_ECN_MASK));
}
long ks_pbuf_pool_live(const struct ks_pbuf_pool *pool);

/* A new segment with headroom bytes of room and len bytes of data
 * (uninitialised); *out gets its one reference (gives). -KS_EMSGSIZE if
 * headroom + len > KS_PBUF_MAX, -KS_ENOBUFS if the pool refuses (limit or
 * injected failure), -KS_ENOMEM if the port has no memory. */
int ks_pbuf_alloc(struct ks_pbuf_pool *pool, uint32_t headroom, uint32_t len,
		  struct ks_pbuf **out);
/* One more reference on p (and so on the segments after it). */
void ks_pbuf_hold(struct ks_pbuf *p);
/* Takes one reference on p; frees every segment whose count reaches zero.
 * NULL is ignored. Dropping a reference nobody holds panics. */
void ks_pbuf_free(struct ks_pbuf *p);

/* Borrow p, which the caller owns alone (asserted). push: prepends n bytes
 * from the header room and returns the new data pointer, or NULL if the
 * room is short. pull: strips n bytes from the front of the first
 * segment, returns the new data pointer, or NULL if the first segment has
 * fewer than n bytes. trim: shortens the packet to tot_len bytes, freeing
 * segments left empty; -KS_EINVAL if it is shorter than that already. */
uint8_t *ks_pbuf_push(struct ks_pbuf *p, uint32_t n);
uint8_t *ks_pbuf_pull(struct ks_pbuf *p, uint32_t n);
int ks_pbuf_trim(struct ks_pbuf *p, uint32_t tot_len);
uint32_t ks_pbuf_headroom(const struct ks_pbuf *p);

/* Appends the chain tail to the chain head: borrows head (every segment of
 * it exclusively owned, since their tot_len grows), takes the caller's
 * reference on tail (which may be shared). Reassembly and TCP's header
 * plus held payload use it. */
void ks_pbuf_cat(struct ks_pbuf *head, struct ks_pbuf *tail);

/* Copies up to n bytes starting off bytes into the packet; returns how
 * many were copied (fewer at the end of the packet). Borrows p. */
uint32_t ks_pbuf_copy_out(const struct ks_pbuf *p, uint32_t off, void *dst, uint32_t n);
/* The same into the packet; the segments written must be exclusively
 * owned (asserted). Borrows p. */
uint32_t ks_pbuf_copy_in(struct ks_pbuf *p, uint32_t off, const void *src, uint32_t n);
/* Adds n bytes of the packet from off to a partial Internet checksum sum,
 * across segment boundaries of any parity (checksum.h). n is clipped to
 * the packet. Borrows p. */
uint32_t ks_pbuf_csum_partial(const struct ks_pbuf *p, uint32_t off, uint32_t n, uint32_t sum);

/* Whether the caller, holding one reference on p, owns every segment
 * alone and may change it. */
bool ks_pbuf_writable(const struct ks_pbuf *p);
/* A one-segment copy of the packet with headroom bytes of room, in pool
 * (gives; borrows p; flags and ifindex copied). Errors as ks_pbuf_alloc. */
int ks_pbuf_copy(struct ks_pbuf_pool *pool, const struct ks_pbuf *p, uint32_t headroom,
		 struct ks_pbuf **out);
/* Makes *pp writable: if it is not, replaces it with a copy (with at least
 * headroom bytes of room), taking the caller's reference on the old one and
 * giving one on the new. On error *pp is unchanged and still the caller's. */
int ks_pbuf_unshare(struct ks_pbuf **pp, uint32_t headroom);

/* A FIFO of packets, linked through their heads' qnext. The queue's owner
 * serialises access and bounds it (count, bytes: tot_len sums). */
struct ks_pbuf_queue {
	struct ks_pbuf *head, *tail;
	uint32_t count;
	size_t bytes;
};
void ks_pbufq_init(struct ks_pbuf_queue *q);
/* Takes p, which must not be in a queue. */
void ks_pbufq_push(struct ks_pbuf_queue *q, struct ks_pbuf *p);
/* Gives the oldest packet, or NULL. */
struct ks_pbuf *ks_pbufq_pop(struct ks_pbuf_queue *q);
/* Frees every packet in the queue. */
void ks_pbufq_purge(struct ks_pbuf_queue *q);

#endif

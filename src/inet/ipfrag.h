/*
 * ipfrag.h - IPv4 fragmentation on output and reassembly on input
 * (RFC 791 3.2, RFC 815), with Linux's limits and drop rules.
 *
 * Object model. struct ks_ipfrag lives in struct ks_inet_stack (st->frag):
 * a fixed table of KS_IPFRAG_QUEUES reassembly queues, each keyed by
 * (source, destination, identification, protocol) as RFC 791 says and
 * holding its fragments as received packet buffers, sorted by offset
 * (linked through qnext), each still starting at its own IPv4 header.
 * Fragments of different sources are never mixed: the source is in the
 * key. A queue lives until its datagram is complete, until one of its
 * fragments makes it impossible (below), or for KS_IPFRAG_TIMEOUT_NS (30 s,
 * Linux's ipfrag_time) from its first fragment on the stack's clock.
 *
 * Reassembly, in Linux's order (ip_frag_queue, inet_frag_queue_insert):
 *   - memory first: every fragment held is charged its packet buffer's
 *     allocation (as Linux charges skb truesize) against max_bytes
 *     (KS_IPFRAG_HIGH_THRESH, 4 MiB, Linux's ipfrag_high_thresh); a
 *     fragment that would pass it, or that needs a new queue when all are
 *     in use, is dropped (frag_memory). Nothing old is evicted for it
 *     (Linux since 4.17 neither): queues go when complete or timed out.
 *   - lengths: a last fragment (MF clear) that ends before data already
 *     received, or at another end than an earlier last fragment; a
 *     fragment with data past a known end; a fragment left with no data
 *     (Linux trims a non-last fragment to a multiple of 8 bytes, as here):
 *     the whole datagram is dropped (frag_invalid).
 *   - overlaps: a fragment whose bytes were all received already is a
 *     duplicate, dropped alone (frag_duplicate), the queue kept; one that
 *     overlaps data received only in part drops the whole datagram
 *     (frag_overlap): RFC 5722's rule, which Linux applies to IPv4 since
 *     4.19, because overlapping fragments are how filters are evaded.
 *     (Linux compares with runs of fragments received in order, so a
 *     fragment covering two runs that touch is an overlap there and a
 *     duplicate here.)
 *   - size: a datagram whose first fragment's header plus data would pass
 *     65535 bytes is dropped (frag_toobig; Linux's "Oversized IP packet").
 *   - complete (first and last fragments in, no hole): one new
 *     one-segment packet buffer with the first fragment's header (options
 *     included), the total length set, the fragment fields and DF clear and
 *     the header checksum recomputed, then every fragment's data.
 * Every fragment dropped counts once in st->drops with its reason
 * (a discarded queue counts each fragment it held); st->frag.stats counts
 * datagrams, as Linux's ReasmReqds/OKs/Fails/Timeout/Overlaps.
 *
 * Fragmentation (ks_ipfrag_output): a datagram longer than the MTU, DF
 * clear, is cut into fragments whose data is a multiple of 8 bytes (the
 * last excepted), each (mtu - header) & ~7 bytes as Linux's ip_do_fragment:
 * the same identification, MF on all but the last (which keeps the
 * original's MF, for a fragment fragmented again), the offset, a fresh
 * header checksum; the first fragment carries every option, the others
 * only those with the copy bit (RFC 791 3.1; the others become NOPs, as
 * Linux's ip_options_fragment, so all headers have one length). The
 * transport header and
 * checksum are untouched: they cover the whole datagram.
 *
 * Interface:
 *   ks_ipfrag_init, ks_ipfrag_reset         (stack.c calls them)
 *   ks_ipfrag_input(st, p, &out)            a fragment in, maybe a datagram out
 *   ks_ipfrag_expire(st, fn, arg)           drops timed-out queues (ICMP time
 *                                           exceeded to fn); next deadline
 *   ks_ipfrag_check(p, mtu)                 may p leave through this MTU?
 *   ks_ipfrag_output(st, p, mtu, room, fn, arg)  cuts p for the link
 *   ks_ipfrag_held(st)                      queues in use (tests)
 *
 * Locking. st->frag.lock, a leaf mutex, guards the table, the charged
 * bytes and the stats: input and expiry may run from several receive
 * paths at once (an interface's poll, the loopback drain). Nothing else is
 * locked or called under it but the allocator. Output touches no table
 * state (its two counters, fragmented and frags_out, are atomic).
 * None of these functions sleeps; any context that may take a mutex.
 *
 * Ownership. input takes the fragment (queued, or freed on a drop) and
 * gives the datagram; expire and reset free what they drop, and expire
 * gives each ICMP error to its fn, which takes it; output takes the
 * datagram and gives each fragment to fn, which takes it.
 *
 * A queue that times out holding its first fragment is answered, as
 * Linux's ip_expire, with ICMP time exceeded, code 1 (RFC 792), quoting
 * that fragment, where RFC 1122 3.2.2 allows an error: ks_ipfrag_expire
 * builds the datagram and hands it to the caller's fn to send (with the
 * lock released). The expiry input runs before charging sends none.
 *
 * Not supported: ICMP rate limiting (RFC 1812 4.3.2.8); ECN
 * combination checks (RFC 3168 5.3; Linux drops CE mixed with not-ECT);
 * Linux's ipfrag_max_dist.
 */
#ifndef KS_INET_IPFRAG_H
#define KS_INET_IPFRAG_H

#include <ksock/port.h>

#include "pbuf.h"
#include "wire/ipv4.h"

/* Reassembly queues a stack holds at once. */
#define KS_IPFRAG_QUEUES 64
/* How long an incomplete datagram is kept: Linux's ipfrag_time, 30 s. */
#define KS_IPFRAG_TIMEOUT_NS (30ull * 1000000000ull)
/* Bytes of fragments held at most: Linux's ipfrag_high_thresh, 4 MiB. */
#define KS_IPFRAG_HIGH_THRESH (4l * 1024 * 1024)

struct ks_inet_stack;

struct ks_ipfrag_queue {
	bool used;
	bool first_in, last_in;  /* the fragment at offset 0; the one with MF clear */
	uint8_t proto;           /* the key: proto, id, src, dst */
	uint16_t id;
	uint32_t src, dst;
	uint8_t first_hlen;      /* header length of the first fragment */
	uint32_t len;            /* data length: the last fragment's end, or the furthest end so far */
	uint32_t meat;           /* data bytes held */
	uint32_t nfrags;
	long mem;                /* bytes charged for it */
	uint64_t expires;        /* stack time */
	struct ks_pbuf *frags;   /* sorted by offset, through qnext */
	struct ks_pbuf *tail;    /* the last of them */
};

/* Datagrams, as Linux's IPSTATS_MIB_REASM*. */
struct ks_ipfrag_stats {
	unsigned long reqds;    /* fragments received */
	unsigned long oks;      /* datagrams reassembled */
	unsigned long frags_reasm; /* fragments that went into them */
	unsigned long fails;    /* datagrams given up (any reason but a duplicate) */
	unsigned long timeouts; /* of them, timed out */
	unsigned long overlaps; /* of them, overlapping */
	unsigned long frags_out;   /* fragments made by ks_ipfrag_output */
	unsigned long fragmented;  /* datagrams it cut */
};

struct ks_ipfrag {
	struct ks_mutex lock;
	/* [lock] */
	long mem;                /* bytes charged for every fragment held */
	uint16_t ip_id;          /* identification of the ICMP errors it sends */
	struct ks_ipfrag_stats stats;
	struct ks_ipfrag_queue q[KS_IPFRAG_QUEUES];
	/* Limits, set by init; a test may lower them before use. */
	long max_bytes;          /* KS_IPFRAG_HIGH_THRESH */
	uint64_t timeout_ns;     /* KS_IPFRAG_TIMEOUT_NS */
};

void ks_ipfrag_init(struct ks_ipfrag *f);
/* Frees every queued fragment (not counted as drops) and zeroes the
 * stats. No other thread may be using the stack. */
void ks_ipfrag_reset(struct ks_ipfrag *f);

/* Reassembly of the IPv4 datagram p (starting at its header; a fragment
 * the caller has decoded; link padding after its total length is cut).
 * Takes p, which must be the caller's alone (not shared). Returns 1 with *out the reassembled datagram (gives: one
 * segment, starting at its header, not a fragment; the caller decodes it
 * again), or with *out = p when p is no fragment at all; 0 when p was
 * queued; a negative drop reason or -KS_ENOMEM when p (and maybe its
 * queue) was dropped, already counted in st->drops. Runs expiry first. */
int ks_ipfrag_input(struct ks_inet_stack *st, struct ks_pbuf *p, struct ks_pbuf **out);

/* Sends an ICMP error expiry built (an IPv4 datagram from the fragment's
 * destination to dst, its source; room for the link's headers); takes p. */
typedef void ks_ipfrag_err_fn(void *arg, struct ks_pbuf *p, uint32_t dst);

/* Drops every queue whose time is up (frag_timeout), handing fn (NULL:
 * none sent) an ICMP time exceeded for each that held its first fragment;
 * returns the earliest deadline left, 0 if no queue is held. The poll
 * paths call it; fn runs with no reassembly lock held. */
uint64_t ks_ipfrag_expire(struct ks_inet_stack *st, ks_ipfrag_err_fn *fn, void *arg);

/* Queues in use (for tests and reports). */
int ks_ipfrag_held(struct ks_inet_stack *st);

/* Whether the IPv4 datagram p (borrowed) can leave through a link of
 * this MTU: 0 when it fits or may be fragmented; -KS_EMSGSIZE DF is set
 * or the MTU cannot carry 8 bytes of data behind its header; -KS_EINVAL
 * its header is malformed (only looked at when it does not fit). */
int ks_ipfrag_check(const struct ks_pbuf *p, uint32_t mtu);

/* Takes one fragment (or the whole datagram); returns 0 or a negative
 * errno, after which ks_ipfrag_output stops. */
typedef int ks_ipfrag_out_fn(void *arg, struct ks_pbuf *frag);

/* Sends the IPv4 datagram p (starting at its header, well formed) through
 * fn in pieces of at most mtu bytes: p itself when it fits, else new
 * one-segment fragments with room bytes of header room, in offset order.
 * Takes p. 0 when fn took every piece; -KS_EMSGSIZE DF is set or the MTU
 * cannot carry 8 bytes of data behind the header; -KS_EINVAL p's header
 * is malformed; -KS_ENOBUFS/-KS_ENOMEM no buffer for a fragment (those
 * before it were sent); else fn's error. */
int ks_ipfrag_output(struct ks_inet_stack *st, struct ks_pbuf *p, uint32_t mtu, uint32_t room,
		     ks_ipfrag_out_fn *fn, void *arg);

#endif

/*
 * test_frag.c - IPv4 reassembly and fragmentation (ipfrag.h) at the
 * packet level: fragments in order, reversed, shuffled, duplicated,
 * overlapping, timing out on the fake clock, past the byte and queue
 * limits, too large, with inconsistent or zero lengths, interleaved from
 * two sources; fragmentation checked field by field and round-tripped;
 * and both through an interface on a fake device (netif.c's hooks).
 *
 * A fragment's data byte at datagram offset i is pat(seed, i), so a
 * reassembled datagram is right exactly when every byte is where it
 * belongs, whichever fragments supplied it.
 */
#include <string.h>

#include "inet/ipfrag.h"
#include "inet/netif.h"
#include "inet/wire/checksum.h"
#include "it.h"

#define SRC2 KS_IPV4(198, 18, 0, 3)

static uint8_t pat(uint32_t seed, uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) + seed * 13u);
}

/* A fragment from src (id, UDP) of the data [off, off + n), MF as given,
 * with hlen bytes of header (NOP options past 20); one segment. */
static struct ks_pbuf *frag_h(struct it_ctx *t, uint32_t src, uint16_t id, uint32_t off,
			      uint32_t n, bool mf, uint8_t hlen)
{
	static const uint8_t nops[40] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct ks_ipv4_hdr h = { .ttl = 64, .proto = KS_IPPROTO_UDP, .tot_len = (uint16_t)(hlen + n),
				 .id = id, .frag_off = (uint16_t)off, .mf = mf, .src = src,
				 .dst = IT_ADDR_B, .opt = nops, .opt_len = (uint8_t)(hlen - 20) };
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&t->st.pbufs, 0, hlen + n, &p))
		return NULL;
	(void)ks_ipv4_emit(p->data, hlen, &h);
	for (uint32_t i = 0; i < n; i++)
		p->data[hlen + i] = pat(src + id, off + i);
	return p;
}

static struct ks_pbuf *frag(struct it_ctx *t, uint16_t id, uint32_t off, uint32_t n, bool mf)
{
	return frag_h(t, IT_ADDR_A, id, off, n, mf, 20);
}

/* Feeds p; returns ks_ipfrag_input's result, *out what it gave. */
static int in(struct it_ctx *t, struct ks_pbuf *p, struct ks_pbuf **out)
{
	return p ? ks_ipfrag_input(&t->st, p, out) : -KS_ENOMEM;
}

/* Whether d is src/id's whole datagram of n data bytes behind hlen. */
static bool whole_ok(const struct ks_pbuf *d, uint32_t src, uint16_t id, uint32_t n,
		     uint8_t hlen)
{
	struct ks_ipv4_hdr h;

	if (!d || d->next || ks_ipv4_parse(d->data, d->len, &h) != hlen)
		return false;
	if (ks_ipv4_is_fragment(&h) || h.df || h.tot_len != hlen + n || d->len != hlen + n ||
	    h.src != src || h.id != id)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (d->data[hlen + i] != pat(src + id, i))
			return false;
	return true;
}

/* Feeds the fragments of one datagram of n bytes cut in pieces of unit
 * bytes, in the order order[] gives (indices); the last must complete. */
static void feed_order(struct it_ctx *t, uint32_t n, uint32_t unit, const int *order, int k)
{
	struct ks_pbuf *out = NULL;

	for (int j = 0; j < k; j++) {
		uint32_t off = (uint32_t)order[j] * unit;
		uint32_t len = n - off < unit ? n - off : unit;
		int rc = in(t, frag(t, 9, off, len, off + len < n), &out);
		IT_EQ(t, rc, j == k - 1 ? 1 : 0);
	}
	IT_TRUE(t, whole_ok(out, IT_ADDR_A, 9, n, 20));
	ks_pbuf_free(out);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, t->st.frag.mem, 0);
	IT_EQ(t, t->st.frag.stats.oks, 1);
	IT_EQ(t, t->st.frag.stats.reqds, (unsigned long)k);
	IT_EQ(t, it_drops_total(&t->st), 0);
}

static void t_in_order(struct it_ctx *t)
{
	static const int order[] = { 0, 1, 2 };

	feed_order(t, 3000, 1480, order, 3);
}

static void t_reverse_order(struct it_ctx *t)
{
	static const int order[] = { 2, 1, 0 };

	feed_order(t, 3000, 1480, order, 3);
}

static void t_random_order(struct it_ctx *t)
{
	int order[45];
	uint32_t r = 12345;

	for (int seed = 0; seed < 8 && !t->failed; seed++) {
		for (int i = 0; i < 45; i++)
			order[i] = i;
		for (int i = 44; i > 0; i--) { /* Fisher-Yates with an LCG */
			r = r * 1103515245u + 12345u;
			int j = (int)((r >> 16) % (uint32_t)(i + 1)), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		ks_inet_stack_reset(&t->st);
		feed_order(t, 65515, 1480, order, 45); /* the largest datagram */
	}
}

/* A not-a-fragment passes straight through, and a chained fragment is
 * made one segment first. */
static void t_passthrough_and_chain(struct it_ctx *t)
{
	struct ks_pbuf *p = frag(t, 1, 0, 100, false), *out, *tail;

	IT_EQ(t, in(t, p, &out), 1);
	IT_TRUE(t, out == p);
	ks_pbuf_free(out);
	p = frag(t, 2, 0, 64, true);
	IT_TRUE(t, p != NULL);
	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 0, 36, &tail), 0);
	memcpy(tail->data, p->data + 48, 36);
	IT_EQ(t, ks_pbuf_trim(p, 48), 0);
	ks_put16(p->data + 2, 84); /* the header still says 84 */
	ks_put16(p->data + 10, 0);
	ks_put16(p->data + 10, ks_csum(p->data, 20));
	ks_pbuf_cat(p, tail);
	IT_EQ(t, in(t, p, &out), 0);
	IT_EQ(t, in(t, frag(t, 2, 64, 10, false), &out), 1);
	IT_TRUE(t, whole_ok(out, IT_ADDR_A, 2, 74, 20));
	ks_pbuf_free(out);
}

static void t_duplicates(struct it_ctx *t)
{
	struct ks_pbuf *out;

	IT_EQ(t, in(t, frag(t, 5, 0, 80, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 5, 80, 80, true), &out), 0);
	/* The same again, and one inside both: dropped alone. */
	IT_EQ(t, in(t, frag(t, 5, 80, 80, true), &out), -KS_DROP_FRAG_DUPLICATE);
	IT_EQ(t, in(t, frag(t, 5, 40, 80, true), &out), -KS_DROP_FRAG_DUPLICATE);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_DUPLICATE), 2);
	IT_EQ(t, ks_ipfrag_held(&t->st), 1);
	IT_EQ(t, in(t, frag(t, 5, 160, 7, false), &out), 1);
	IT_TRUE(t, whole_ok(out, IT_ADDR_A, 5, 167, 20));
	ks_pbuf_free(out);
	/* A duplicate of the last fragment after completion starts afresh. */
	IT_EQ(t, in(t, frag(t, 5, 160, 7, false), &out), 0);
	IT_EQ(t, ks_ipfrag_held(&t->st), 1);
	IT_EQ(t, t->st.frag.stats.fails, 0);
	IT_EQ(t, it_drops_total(&t->st), 2);
	/* Reset frees what is held, uncounted. */
	ks_inet_stack_reset(&t->st);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, t->st.frag.mem, 0);
}

static void t_overlap(struct it_ctx *t)
{
	struct ks_pbuf *out;

	IT_EQ(t, in(t, frag(t, 6, 0, 80, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 6, 160, 80, true), &out), 0);
	/* [72, 152) overlaps the first in part: the datagram is dropped,
	 * every fragment counted. */
	IT_EQ(t, in(t, frag(t, 6, 72, 80, true), &out), -KS_DROP_FRAG_OVERLAP);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_OVERLAP), 3);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, t->st.frag.mem, 0);
	IT_EQ(t, t->st.frag.stats.overlaps, 1);
	IT_EQ(t, t->st.frag.stats.fails, 1);
	/* Covering a hole and part of both sides: also an overlap. */
	IT_EQ(t, in(t, frag(t, 7, 0, 80, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 7, 160, 80, false), &out), 0);
	IT_EQ(t, in(t, frag(t, 7, 0, 240, true), &out), -KS_DROP_FRAG_OVERLAP);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_OVERLAP), 6);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	/* A last fragment overlapping the previous one's tail. */
	IT_EQ(t, in(t, frag(t, 8, 0, 80, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 8, 40, 80, false), &out), -KS_DROP_FRAG_OVERLAP);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_OVERLAP), 8);
	IT_EQ(t, it_drops_total(&t->st), 8);
}

/* Collects expiry's ICMP errors. */
static void errs_fn(void *arg, struct ks_pbuf *p, uint32_t dst)
{
	struct ks_pbuf_queue *q = arg;

	if (dst == ks_get32(p->data + 16)) /* else lost, and the count shows it */
		ks_pbufq_push(q, p);
	else
		ks_pbuf_free(p);
}

static void t_timeout(struct it_ctx *t)
{
	struct ks_pbuf *out;
	struct ks_pbuf_queue errs;
	struct ks_ipv4_hdr h;
	struct ks_icmp_hdr ic;

	ks_pbufq_init(&errs);

	IT_EQ(t, in(t, frag(t, 1, 0, 80, true), &out), 0);
	t->clock_ns += 10ull * 1000000000;
	IT_EQ(t, in(t, frag(t, 1, 160, 80, false), &out), 0);
	IT_EQ(t, in(t, frag(t, 2, 0, 80, true), &out), 0); /* a second datagram, 10 s younger */
	/* The first queue's 30 s run from its first fragment. */
	t->clock_ns = IT_T0 + KS_IPFRAG_TIMEOUT_NS - 1;
	IT_EQ(t, ks_ipfrag_expire(&t->st, NULL, NULL), IT_T0 + KS_IPFRAG_TIMEOUT_NS);
	IT_EQ(t, ks_ipfrag_held(&t->st), 2);
	t->clock_ns++;
	IT_EQ(t, ks_ipfrag_expire(&t->st, errs_fn, &errs),
	      IT_T0 + 10ull * 1000000000 + KS_IPFRAG_TIMEOUT_NS);
	/* It held its first fragment: time exceeded, code 1, back to A,
	 * quoting that fragment's header and data. */
	IT_EQ(t, errs.count, 1);
	out = ks_pbufq_pop(&errs);
	IT_EQ(t, ks_ipv4_parse(out->data, out->len, &h), 20);
	IT_EQ(t, h.src, IT_ADDR_B);
	IT_EQ(t, h.dst, IT_ADDR_A);
	IT_EQ(t, h.proto, KS_IPPROTO_ICMP);
	IT_EQ(t, h.tos, 0xc0);
	IT_EQ(t, h.tot_len, 20 + 8 + 100);
	IT_TRUE(t, ks_pbuf_headroom(out) >= KS_PBUF_ROOM_IP);
	IT_EQ(t, ks_icmp_parse(h.payload, h.payload_len, 0, &ic), 8);
	IT_EQ(t, ic.type, KS_ICMP_TIME_EXCEEDED);
	IT_EQ(t, ic.code, 1);
	IT_EQ(t, ic.quote.ip.id, 1);
	IT_EQ(t, ic.quote.ip.mf, 1);
	IT_EQ(t, h.payload[8 + 20], pat(IT_ADDR_A + 1, 0));
	ks_pbuf_free(out);
	IT_EQ(t, ks_ipfrag_held(&t->st), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TIMEOUT), 2);
	IT_EQ(t, t->st.frag.stats.timeouts, 1);
	/* Its missing piece now starts a new queue, which cannot complete. */
	IT_EQ(t, in(t, frag(t, 1, 80, 80, true), &out), 0);
	t->clock_ns += KS_IPFRAG_TIMEOUT_NS;
	IT_EQ(t, ks_ipfrag_expire(&t->st, errs_fn, &errs), 0);
	IT_EQ(t, errs.count, 1); /* datagram 2's; the new queue had no first fragment */
	ks_pbufq_purge(&errs);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TIMEOUT), 4);
	IT_EQ(t, t->st.frag.stats.timeouts, 3);
	IT_EQ(t, t->st.frag.mem, 0);
	/* Input expires old queues too, before charging. */
	IT_EQ(t, in(t, frag(t, 3, 0, 80, true), &out), 0);
	t->clock_ns += KS_IPFRAG_TIMEOUT_NS;
	IT_EQ(t, in(t, frag(t, 4, 0, 80, true), &out), 0);
	IT_EQ(t, ks_ipfrag_held(&t->st), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TIMEOUT), 5);
	ks_inet_stack_reset(&t->st);
}

/* The default 4 MiB: fragments of 1480 bytes into every queue until the
 * limit refuses one; what is held never passes it. */
static void t_byte_limit(struct it_ctx *t)
{
	struct ks_pbuf *out;
	int taken = 0, rc = 0;

	for (uint16_t id = 0; id < KS_IPFRAG_QUEUES && rc == 0; id++)
		for (uint32_t k = 0; k < 44 && rc == 0; k++) {
			rc = in(t, frag(t, id, 1480 * k, 1480, true), &out);
			taken += rc == 0;
		}
	IT_EQ(t, rc, -KS_DROP_FRAG_MEMORY);
	IT_TRUE(t, t->st.frag.mem <= KS_IPFRAG_HIGH_THRESH);
	IT_TRUE(t, t->st.frag.mem + 1500 + (long)sizeof(struct ks_pbuf) > KS_IPFRAG_HIGH_THRESH);
	IT_TRUE(t, taken > 2600); /* 4 MiB / (1500 + sizeof(struct ks_pbuf)) */
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_MEMORY), 1);
	IT_EQ(t, t->st.frag.stats.fails, 1);
	/* Nothing is evicted for it: the queues time out. */
	t->clock_ns += KS_IPFRAG_TIMEOUT_NS;
	IT_EQ(t, ks_ipfrag_expire(&t->st, NULL, NULL), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TIMEOUT), (unsigned long)taken);
	IT_EQ(t, t->st.frag.mem, 0);
}

/* A lowered limit, and the bound on queues. */
static void t_queue_limit(struct it_ctx *t)
{
	struct ks_pbuf *out;

	for (uint16_t id = 0; id < KS_IPFRAG_QUEUES; id++)
		IT_EQ(t, in(t, frag(t, id, 0, 8, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 999, 0, 8, true), &out), -KS_DROP_FRAG_MEMORY);
	/* Fragments of queues already held still go in. */
	IT_EQ(t, in(t, frag(t, 3, 8, 8, false), &out), 1);
	ks_pbuf_free(out);
	IT_EQ(t, in(t, frag(t, 999, 0, 8, true), &out), 0);
	ks_inet_stack_reset(&t->st);
	t->st.frag.max_bytes = 2 * ((long)sizeof(struct ks_pbuf) + 28);
	IT_EQ(t, in(t, frag(t, 1, 0, 8, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 2, 0, 8, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 1, 8, 8, false), &out), -KS_DROP_FRAG_MEMORY);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_MEMORY), 1);
	ks_inet_stack_reset(&t->st);
}

static void t_too_big(struct it_ctx *t)
{
	struct ks_pbuf *out;

	/* A first fragment with 40 bytes of options, a last one ending at
	 * 65515 (the most the parser lets through): 60 + 65515 > 65535. */
	IT_EQ(t, in(t, frag_h(t, IT_ADDR_A, 1, 0, 8, true, 60), &out), 0);
	IT_EQ(t, in(t, frag(t, 1, 65000, 515, false), &out), -KS_DROP_FRAG_TOOBIG);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TOOBIG), 2);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	/* The other order, and the parser's own limit past 65515. */
	IT_EQ(t, in(t, frag(t, 2, 65000, 515, false), &out), 0);
	IT_EQ(t, in(t, frag_h(t, IT_ADDR_A, 2, 0, 8, true, 24), &out), -KS_DROP_FRAG_TOOBIG);
	IT_EQ(t, in(t, frag(t, 3, 65000, 516, false), &out), -KS_DROP_BAD_FRAGMENT);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TOOBIG), 4);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_FRAGMENT), 1);
	/* Exactly 65535 with a 20-byte header is fine. */
	IT_EQ(t, in(t, frag(t, 4, 65000, 515, false), &out), 0);
	IT_EQ(t, in(t, frag(t, 4, 0, 65000, true), &out), 1);
	IT_TRUE(t, whole_ok(out, IT_ADDR_A, 4, 65515, 20));
	ks_pbuf_free(out);
}

static void t_inconsistent_last(struct it_ctx *t)
{
	struct ks_pbuf *out;

	/* Two last fragments with different ends. */
	IT_EQ(t, in(t, frag(t, 1, 80, 80, false), &out), 0);
	IT_EQ(t, in(t, frag(t, 1, 160, 8, false), &out), -KS_DROP_FRAG_INVALID);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_INVALID), 2);
	/* A last fragment ending before data already received. */
	IT_EQ(t, in(t, frag(t, 2, 160, 80, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 2, 80, 80, false), &out), -KS_DROP_FRAG_INVALID);
	/* Data past the end a last fragment set. */
	IT_EQ(t, in(t, frag(t, 3, 80, 80, false), &out), 0);
	IT_EQ(t, in(t, frag(t, 3, 160, 80, true), &out), -KS_DROP_FRAG_INVALID);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_INVALID), 6);
	IT_EQ(t, t->st.frag.stats.fails, 3);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, it_drops_total(&t->st), 6);
}

static void t_zero_length(struct it_ctx *t)
{
	struct ks_pbuf *out;

	/* No data: the queue goes (Linux's "end == offset"). */
	IT_EQ(t, in(t, frag(t, 1, 0, 80, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 1, 80, 0, true), &out), -KS_DROP_FRAG_INVALID);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_INVALID), 2);
	IT_EQ(t, in(t, frag(t, 2, 80, 0, false), &out), -KS_DROP_FRAG_INVALID);
	/* A non-last fragment of 5 bytes has no 8-byte block: none left. */
	IT_EQ(t, in(t, frag(t, 3, 0, 5, true), &out), -KS_DROP_FRAG_INVALID);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_INVALID), 4);
	/* One of 13 bytes keeps 8 (Linux trims it); the next fills on. */
	IT_EQ(t, in(t, frag(t, 4, 0, 13, true), &out), 0);
	IT_EQ(t, in(t, frag(t, 4, 8, 8, false), &out), 1);
	IT_TRUE(t, whole_ok(out, IT_ADDR_A, 4, 16, 20));
	ks_pbuf_free(out);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
}

/* The same id, protocol and destination from two sources: two queues. */
static void t_two_sources(struct it_ctx *t)
{
	struct ks_pbuf *out, *a = NULL, *b = NULL;

	for (uint32_t k = 0; k < 4; k++) {
		bool mf = k < 3;
		IT_EQ(t, in(t, frag_h(t, IT_ADDR_A, 77, 400 * k, 400, mf, 20), &out), mf ? 0 : 1);
		if (!mf)
			a = out;
		IT_EQ(t, in(t, frag_h(t, SRC2, 77, 400 * (3 - k), 400, k != 0, 20), &out),
		      mf ? 0 : 1);
		if (!mf)
			b = out;
		IT_EQ(t, ks_ipfrag_held(&t->st), mf ? 2 : 0);
	}
	IT_TRUE(t, whole_ok(a, IT_ADDR_A, 77, 1600, 20));
	IT_TRUE(t, whole_ok(b, SRC2, 77, 1600, 20));
	ks_pbuf_free(a);
	ks_pbuf_free(b);
	IT_EQ(t, t->st.frag.stats.oks, 2);
	IT_EQ(t, it_drops_total(&t->st), 0);
}

/* ---- fragmentation ---- */

struct sink {
	struct ks_pbuf_queue q;
	int fail_at; /* >0: the fail_at-th piece is refused (-KS_EIO) */
	int n;
};

static int sink_fn(void *arg, struct ks_pbuf *p)
{
	struct sink *s = arg;

	if (++s->n == s->fail_at) {
		ks_pbuf_free(p);
		return -KS_EIO;
	}
	ks_pbufq_push(&s->q, p);
	return 0;
}

/* A UDP datagram A -> B of n payload bytes pat(0, i), whole (not a
 * fragment), DF as asked, with a correct UDP checksum; opts (padded)
 * after the header. */
static struct ks_pbuf *udp_dgram(struct it_ctx *t, uint32_t n, bool df, const uint8_t *opts,
				 uint8_t opt_len)
{
	uint32_t hlen = 20u + opt_len, tot = hlen + 8 + n;
	struct ks_ipv4_hdr h = { .ttl = 64, .proto = KS_IPPROTO_UDP, .tot_len = (uint16_t)tot,
				 .id = 0x1234, .df = df, .src = IT_ADDR_B, .dst = IT_ADDR_A,
				 .opt = opts, .opt_len = opt_len };
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&t->st.pbufs, KS_PBUF_ROOM_IP, tot, &p))
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		p->data[hlen + 8 + i] = pat(0, i);
	(void)ks_udp_emit(p->data + hlen, 8 + n, 40000, 7, IT_ADDR_B, IT_ADDR_A, true);
	(void)ks_ipv4_emit(p->data, hlen, &h);
	return p;
}

static void t_output_exact(struct it_ctx *t)
{
	struct sink s = { .fail_at = 0 };
	struct ks_pbuf *p = udp_dgram(t, 2992, false, NULL, 0), *copy, *f, *out = NULL;
	struct ks_ipv4_hdr h;
	static const uint32_t want_off[] = { 0, 1480, 2960 }, want_len[] = { 1480, 1480, 40 };

	IT_TRUE(t, p != NULL);
	IT_EQ(t, ks_pbuf_copy(&t->st.pbufs, p, 0, &copy), 0);
	ks_pbufq_init(&s.q);
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 1500, 30, sink_fn, &s), 0);
	IT_EQ(t, s.q.count, 3);
	IT_EQ(t, t->st.frag.stats.fragmented, 1);
	IT_EQ(t, t->st.frag.stats.frags_out, 3);
	f = s.q.head;
	for (int k = 0; k < 3; k++, f = f->qnext) {
		IT_EQ(t, ks_ipv4_parse(f->data, f->len, &h), 20);
		IT_EQ(t, ks_csum(f->data, 20), 0);
		IT_EQ(t, h.tot_len, 20 + want_len[k]);
		IT_EQ(t, f->len, 20 + want_len[k]);
		IT_EQ(t, h.frag_off, want_off[k]);
		IT_EQ(t, h.mf, k < 2);
		IT_EQ(t, h.df, 0);
		IT_EQ(t, h.id, 0x1234);
		IT_EQ(t, h.ttl, 64);
		IT_EQ(t, h.proto, KS_IPPROTO_UDP);
		IT_EQ(t, h.src, IT_ADDR_B);
		IT_EQ(t, h.dst, IT_ADDR_A);
		IT_TRUE(t, ks_pbuf_headroom(f) >= 30);
		IT_MEMEQ(t, f->data + 20, copy->data + 20 + want_off[k], want_len[k]);
	}
	/* Back through reassembly, last first: the original, byte for byte. */
	while (s.q.count) {
		struct ks_pbuf *last = s.q.head, *prev = NULL;
		while (last->qnext) {
			prev = last;
			last = last->qnext;
		}
		if (prev)
			prev->qnext = NULL;
		else
			s.q.head = NULL;
		s.q.count--;
		IT_EQ(t, in(t, last, &out), s.q.count ? 0 : 1);
	}
	IT_TRUE(t, out != NULL);
	IT_EQ(t, out->len, copy->len);
	IT_MEMEQ(t, out->data, copy->data, copy->len);
	IT_EQ(t, ks_inet_decode_ipv4(&t->st, out->data, out->len, 0, &(struct ks_inet_decoded){0}), 0);
	ks_pbuf_free(out);
	ks_pbuf_free(copy);
}

static void t_output_options(struct it_ctx *t)
{
	/* Router alert (copied) and record route (not copied), EOL-padded. */
	static const uint8_t opts[12] = { 0x94, 4, 0, 0, 0x07, 7, 4, 0, 0, 0, 0, 0 };
	static const uint8_t later[12] = { 0x94, 4, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0 };
	struct sink s = { .fail_at = 0 };
	struct ks_pbuf *p = udp_dgram(t, 200, false, opts, 12), *f, *out = NULL;
	struct ks_ipv4_hdr h;

	IT_TRUE(t, p != NULL);
	ks_pbufq_init(&s.q);
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 100, 0, sink_fn, &s), 0);
	IT_EQ(t, s.q.count, 4); /* 208 data bytes in blocks of (100 - 32) & ~7 = 64 */
	f = s.q.head;
	IT_MEMEQ(t, f->data + 20, opts, 12);
	for (int k = 0; f; k++, f = f->qnext) {
		IT_EQ(t, ks_ipv4_parse(f->data, f->len, &h), 32);
		IT_EQ(t, h.frag_off, 64 * k);
		IT_EQ(t, h.tot_len, k < 3 ? 96 : 32 + 16);
		if (k)
			IT_MEMEQ(t, f->data + 20, later, 12);
	}
	while ((f = ks_pbufq_pop(&s.q)) != NULL)
		IT_EQ(t, in(t, f, &out), s.q.count ? 0 : 1);
	IT_EQ(t, out->len, 32 + 208);
	IT_MEMEQ(t, out->data + 20, opts, 12); /* the first fragment's header */
	ks_pbuf_free(out);
}

static void t_output_refusals(struct it_ctx *t)
{
	struct sink s = { .fail_at = 0 };
	struct ks_pbuf *p;

	ks_pbufq_init(&s.q);
	/* What fits goes as it is, DF or not. */
	p = udp_dgram(t, 1472, true, NULL, 0);
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 1500, 0, sink_fn, &s), 0);
	IT_TRUE(t, s.q.head == p);
	ks_pbufq_purge(&s.q);
	/* DF and too long; an MTU without room for 8 bytes; a broken header. */
	IT_EQ(t, ks_ipfrag_check(p = udp_dgram(t, 1473, true, NULL, 0), 1500), -KS_EMSGSIZE);
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 1500, 0, sink_fn, &s), -KS_EMSGSIZE);
	IT_EQ(t, ks_ipfrag_output(&t->st, udp_dgram(t, 100, false, NULL, 0), 27, 0, sink_fn, &s),
	      -KS_EMSGSIZE);
	p = udp_dgram(t, 100, false, NULL, 0);
	p->data[0] = 0x35;
	IT_EQ(t, ks_ipfrag_check(p, 100), -KS_EINVAL);
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 100, 0, sink_fn, &s), -KS_EINVAL);
	IT_EQ(t, s.q.count, 0);
	/* The device refusing the third piece: fn's error, the rest dropped. */
	s.n = 0;
	s.fail_at = 3;
	IT_EQ(t, ks_ipfrag_output(&t->st, udp_dgram(t, 3000, false, NULL, 0), 1500, 0, sink_fn, &s),
	      -KS_EIO);
	IT_EQ(t, s.q.count, 2);
	ks_pbufq_purge(&s.q);
}

/* Fragment allocation failing midway: the first fragment went, the
 * rest is dropped, nothing leaks. */
static void t_output_no_buffer(struct it_ctx *t)
{
	struct sink s = { .fail_at = 0 };
	struct ks_pbuf *p = udp_dgram(t, 3000, false, NULL, 0);

	IT_TRUE(t, p != NULL);
	ks_pbufq_init(&s.q);
	/* The sink takes the first; then the pool refuses. */
	s.fail_at = 0;
	t->st.pbufs.max_bytes = t->st.pbufs.bytes_live + (long)sizeof(struct ks_pbuf) + 1500;
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 1500, 0, sink_fn, &s), -KS_ENOBUFS);
	IT_EQ(t, s.q.count, 1);
	ks_pbufq_purge(&s.q);
	t->st.pbufs.max_bytes = 0;
	/* And the reassembled datagram's allocation failing: no_memory. */
	struct ks_pbuf *out;
	IT_EQ(t, in(t, frag(t, 1, 0, 80, true), &out), 0);
	struct ks_pbuf *last = frag(t, 1, 80, 8, false);
	IT_TRUE(t, last != NULL);
	t->st.pbufs.fail_next = 1;
	IT_EQ(t, in(t, last, &out), -KS_ENOBUFS);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NO_MEMORY), 2);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
}

/* ---- through an interface (netif.c's hooks) ---- */

struct ffake {
	struct ks_netdev dev;
	struct ks_pbuf_queue sent, got;
	struct ks_inet_netif *nif;
};

static int ffake_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	ks_pbufq_push(&((struct ffake *)dev->priv)->sent, p);
	return 0;
}

static const struct ks_netdev_ops ffake_ops = { .xmit = ffake_xmit };

static int ffake_udp(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	(void)d; /* checked on the packet */
	ks_pbufq_push(&((struct ffake *)arg)->got, p);
	return 0;
}

static int fsetup(struct it_ctx *t, struct ffake *fk)
{
	memset(fk, 0, sizeof(*fk));
	ks_netdev_init(&fk->dev, &ffake_ops, fk, "fake0");
	fk->dev.pool = &t->st.pbufs;
	memcpy(fk->dev.mac, it_mac_b, 6);
	ks_pbufq_init(&fk->sent);
	ks_pbufq_init(&fk->got);
	int rc = ks_inet_netif_add(&t->st, &fk->dev, IT_ADDR_B, 24, &fk->nif);
	if (rc)
		return rc;
	ks_inet_netif_set_udp(fk->nif, ffake_udp, fk);
	return ks_netdev_open(&fk->dev);
}

static void fteardown(struct ffake *fk)
{
	ks_netdev_stop(&fk->dev);
	ks_inet_netif_del(fk->nif);
	ks_pbufq_purge(&fk->sent);
	ks_pbufq_purge(&fk->got);
}

/* Wraps the IPv4 packet p in an Ethernet frame from A to B and feeds it;
 * takes p. */
static void ffeed(struct ffake *fk, struct ks_pbuf *p)
{
	struct ks_pbuf *fr;

	if (p && ks_netdev_alloc_rx(&fk->dev, 14 + p->tot_len, &fr) == 0) {
		memcpy(fr->data, it_mac_b, 6);
		memcpy(fr->data + 6, it_mac_a, 6);
		ks_put16(fr->data + 12, KS_ETH_P_IPV4);
		ks_pbuf_copy_out(p, 0, fr->data + 14, p->tot_len);
		ks_netdev_rx(&fk->dev, fr);
	}
	ks_pbuf_free(p);
}

static void t_netif_both_ways(struct it_ctx *t)
{
	struct ffake fk;
	struct ks_pbuf *p;

	IT_EQ(t, fsetup(t, &fk), 0);
	/* In: a UDP datagram of 4000 bytes from A in three fragments, out of
	 * order, reaches the hook whole; the poll also expires queues. */
	struct ks_pbuf *src = udp_dgram(t, 4000, false, NULL, 0), *fr;
	IT_TRUE(t, src != NULL);
	ks_put32(src->data + 12, IT_ADDR_A); /* from A to B this time */
	ks_put32(src->data + 16, IT_ADDR_B);
	(void)ks_udp_emit(src->data + 20, 4008, 40000, 7, IT_ADDR_A, IT_ADDR_B, true);
	ks_put16(src->data + 10, 0);
	ks_put16(src->data + 10, ks_csum(src->data, 20));
	struct sink s = { .fail_at = 0 };
	ks_pbufq_init(&s.q);
	IT_EQ(t, ks_pbuf_copy(&t->st.pbufs, src, 0, &p), 0);
	IT_EQ(t, ks_ipfrag_output(&t->st, p, 1500, 0, sink_fn, &s), 0);
	IT_EQ(t, s.q.count, 3);
	fr = ks_pbufq_pop(&s.q);
	ffeed(&fk, ks_pbufq_pop(&s.q));
	ffeed(&fk, ks_pbufq_pop(&s.q));
	ffeed(&fk, fr);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 3);
	IT_EQ(t, fk.got.count, 1);
	IT_EQ(t, fk.got.head->tot_len, src->tot_len);
	IT_MEMEQ(t, fk.got.head->data, src->data, src->tot_len);
	IT_EQ(t, fk.nif->stats.udp_in, 1);
	IT_EQ(t, it_drops_total(&t->st), 0);
	ks_pbuf_free(src);
	/* Out, on an ARP miss: the whole datagram waits, the reply sends it
	 * in fragments behind Ethernet headers. */
	IT_EQ(t, ks_inet_netif_output(fk.nif, udp_dgram(t, 3000, false, NULL, 0), IT_ADDR_A), 0);
	IT_EQ(t, fk.sent.count, 1); /* the ARP request */
	ks_pbufq_purge(&fk.sent);
	uint8_t reply[42] = { 0 };
	memcpy(reply, it_mac_b, 6);
	memcpy(reply + 6, it_mac_a, 6);
	static const uint8_t arp_hdr[8] = { 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04 };
	memcpy(reply + 12, arp_hdr, 8);
	reply[21] = 2;
	memcpy(reply + 22, it_mac_a, 6);
	ks_put32(reply + 28, IT_ADDR_A);
	memcpy(reply + 32, it_mac_b, 6);
	ks_put32(reply + 38, IT_ADDR_B);
	IT_EQ(t, ks_netdev_alloc_rx(&fk.dev, 42, &p), 0);
	memcpy(p->data, reply, 42);
	ks_netdev_rx(&fk.dev, p);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, fk.sent.count, 3);
	static const uint32_t lens[] = { 1500, 1500, 68 };
	int k = 0;
	for (p = fk.sent.head; p; p = p->qnext, k++) {
		IT_MEMEQ(t, p->data, it_mac_a, 6);
		IT_EQ(t, ks_get16(p->data + 12), KS_ETH_P_IPV4);
		IT_EQ(t, p->tot_len, 14 + lens[k]);
		IT_EQ(t, ks_csum(p->data + 14, 20), 0);
	}
	IT_EQ(t, fk.nif->stats.ip_out, 3);
	/* Cached now: DF and too long is EMSGSIZE at once. */
	IT_EQ(t, ks_inet_netif_output(fk.nif, udp_dgram(t, 1473, true, NULL, 0), IT_ADDR_A),
	      -KS_EMSGSIZE);
	IT_EQ(t, ks_inet_netif_output(fk.nif, udp_dgram(t, 1473, false, NULL, 0), IT_ADDR_A), 0);
	IT_EQ(t, fk.sent.count, 5);
	fteardown(&fk);
}

/* Fragments that time out in the interface's poll; fragments not for us
 * never reach reassembly. */
static void t_netif_timeout(struct it_ctx *t)
{
	struct ffake fk;

	IT_EQ(t, fsetup(t, &fk), 0);
	struct ks_pbuf *arp;
	IT_EQ(t, ks_netdev_alloc_rx(&fk.dev, sizeof(it_frame_arp_request), &arp), 0);
	memcpy(arp->data, it_frame_arp_request, sizeof(it_frame_arp_request));
	ks_netdev_rx(&fk.dev, arp); /* A asks for B: the cache learns A */
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	ks_pbufq_purge(&fk.sent);
	ffeed(&fk, frag(t, 1, 0, 80, true));
	struct ks_pbuf *other = frag(t, 2, 0, 80, true);
	IT_TRUE(t, other != NULL);
	ks_put32(other->data + 16, KS_IPV4(198, 18, 0, 77));
	ks_put16(other->data + 10, 0);
	ks_put16(other->data + 10, ks_csum(other->data, 20));
	ffeed(&fk, other);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 2);
	IT_EQ(t, ks_ipfrag_held(&t->st), 1);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_NOT_LOCAL), 1);
	/* 29 s on, A asks again (its cache entry lasts 30 s too); a second
	 * later the queue times out and the error can go at once. */
	t->clock_ns += KS_IPFRAG_TIMEOUT_NS - 1000000000;
	IT_EQ(t, ks_netdev_alloc_rx(&fk.dev, sizeof(it_frame_arp_request), &arp), 0);
	memcpy(arp->data, it_frame_arp_request, sizeof(it_frame_arp_request));
	ks_netdev_rx(&fk.dev, arp);
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 1);
	IT_EQ(t, ks_ipfrag_held(&t->st), 1);
	ks_pbufq_purge(&fk.sent);
	t->clock_ns += 1000000000;
	IT_EQ(t, ks_inet_netif_poll(fk.nif), 0);
	IT_EQ(t, ks_ipfrag_held(&t->st), 0);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_FRAG_TIMEOUT), 1);
	/* Time exceeded went to A's MAC: Ethernet, IPv4 B -> A, ICMP 11/1. */
	IT_EQ(t, fk.sent.count, 1);
	struct ks_pbuf *e = fk.sent.head;
	IT_MEMEQ(t, e->data, it_mac_a, 6);
	IT_EQ(t, e->tot_len, 14 + 20 + 8 + 100);
	IT_EQ(t, ks_get32(e->data + 14 + 16), IT_ADDR_A);
	IT_EQ(t, e->data[14 + 9], KS_IPPROTO_ICMP);
	IT_EQ(t, e->data[14 + 20], KS_ICMP_TIME_EXCEEDED);
	IT_EQ(t, e->data[14 + 21], 1);
	IT_EQ(t, ks_csum(e->data + 14 + 20, 8 + 100), 0);
	IT_EQ(t, fk.nif->stats.ip_out, 1);
	fteardown(&fk);
}

const struct it_case it_cases_frag[] = {
	{ "in_order", t_in_order },
	{ "reverse_order", t_reverse_order },
	{ "random_order", t_random_order },
	{ "passthrough_and_chain", t_passthrough_and_chain },
	{ "duplicates", t_duplicates },
	{ "overlap", t_overlap },
	{ "timeout", t_timeout },
	{ "byte_limit", t_byte_limit },
	{ "queue_limit", t_queue_limit },
	{ "too_big", t_too_big },
	{ "inconsistent_last", t_inconsistent_last },
	{ "zero_length", t_zero_length },
	{ "two_sources", t_two_sources },
	{ "output_exact", t_output_exact },
	{ "output_options", t_output_options },
	{ "output_refusals", t_output_refusals },
	{ "output_no_buffer", t_output_no_buffer },
	{ "netif_both_ways", t_netif_both_ways },
	{ "netif_timeout", t_netif_timeout },
	{ 0 },
};

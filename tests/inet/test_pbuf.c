/*
 * test_pbuf.c - packet buffers: header room layer by layer (building the
 * known UDP frame without a copy), limits, references and the read-only
 * rule for shared segments, chains (copy, checksum, trim), the TCP-style
 * shared payload, unshare and copy, allocation failures, queues, and the
 * pool's live counters.
 */
#include <string.h>

#include "it.h"
#include "inet/wire/checksum.h"

#define POOL(t) (&(t)->st.pbufs)

static void t_alloc_free_counts(struct it_ctx *t)
{
	struct ks_pbuf *p, *q;

	IT_EQ(t, ks_pbuf_alloc(POOL(t), 100, 50, &p), 0);
	IT_TRUE(t, p->len == 50 && p->tot_len == 50 && !p->next && p->refs == 1);
	IT_EQ(t, ks_pbuf_headroom(p), 100);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 1);
	IT_EQ(t, POOL(t)->bytes_live, (long)(sizeof(struct ks_pbuf) + 150));
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 0, &q), 0);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 2);
	ks_pbuf_free(p);
	ks_pbuf_free(q);
	ks_pbuf_free(NULL);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 0);
	IT_EQ(t, POOL(t)->bytes_live, 0);
	IT_EQ(t, POOL(t)->allocs, 2);
	IT_EQ(t, POOL(t)->peak_bytes, (long)(2 * sizeof(struct ks_pbuf) + 150));
}

/* The way down: payload, then UDP, IPv4 and Ethernet headers pushed into
 * the room, gives the known frame byte for byte with the payload never
 * moved. The way up: each layer pulls its header. */
static void t_layers_down_and_up(struct it_ctx *t)
{
	struct ks_pbuf *p;
	struct ks_ipv4_hdr ih = { .tot_len = 33, .id = 0x1c46, .df = true, .ttl = 64,
				  .proto = KS_IPPROTO_UDP, .src = IT_ADDR_A, .dst = IT_ADDR_B };
	struct ks_eth_hdr eh = { .type = KS_ETH_P_IPV4 };

	IT_EQ(t, ks_pbuf_alloc(POOL(t), KS_PBUF_ROOM_PAYLOAD, 5, &p), 0);
	uint8_t *payload = p->data;
	memcpy(payload, "ksock", 5);
	uint8_t *u = ks_pbuf_push(p, KS_UDP_HLEN);
	IT_TRUE(t, u == payload - 8);
	IT_EQ(t, ks_udp_emit(u, p->len, 40000, 7, IT_ADDR_A, IT_ADDR_B, true), 8);
	IT_EQ(t, ks_ipv4_emit(ks_pbuf_push(p, 20), 20, &ih), 20);
	memcpy(eh.dst, it_mac_b, 6);
	memcpy(eh.src, it_mac_a, 6);
	IT_EQ(t, ks_eth_emit(ks_pbuf_push(p, KS_ETH_HLEN), KS_ETH_HLEN, &eh), KS_ETH_HLEN);
	IT_EQ(t, p->len, sizeof(it_frame_udp));
	IT_MEMEQ(t, p->data, it_frame_udp, sizeof(it_frame_udp));
	IT_EQ(t, ks_pbuf_headroom(p), KS_PBUF_DEVICE_ROOM + KS_IPV4_HLEN_MAX - 20 +
					  KS_PBUF_L4_HLEN_MAX - 8);

	struct ks_ipv4_hdr ip;
	struct ks_udp_hdr uh;
	IT_TRUE(t, ks_pbuf_pull(p, KS_ETH_HLEN) != NULL);
	IT_EQ(t, ks_ipv4_parse(p->data, p->len, &ip), 20);
	IT_TRUE(t, ks_pbuf_pull(p, ip.hlen) == u);
	IT_EQ(t, ks_udp_parse(p->data, p->len, ip.src, ip.dst, 0, &uh), 8);
	IT_TRUE(t, ks_pbuf_pull(p, 8) == payload && p->tot_len == 5);
	ks_pbuf_free(p);
}

static void t_push_pull_limits(struct it_ctx *t)
{
	struct ks_pbuf *p;

	IT_EQ(t, ks_pbuf_alloc(POOL(t), 10, 4, &p), 0);
	uint8_t *d = p->data;
	IT_TRUE(t, ks_pbuf_push(p, 11) == NULL && p->data == d && p->len == 4);
	IT_TRUE(t, ks_pbuf_pull(p, 5) == NULL && p->data == d && p->len == 4);
	IT_TRUE(t, ks_pbuf_push(p, 10) == d - 10 && p->len == 14 && ks_pbuf_headroom(p) == 0);
	IT_TRUE(t, ks_pbuf_push(p, 1) == NULL);
	IT_TRUE(t, ks_pbuf_pull(p, 14) == d + 4 && p->len == 0 && p->tot_len == 0);
	IT_TRUE(t, ks_pbuf_pull(p, 0) == d + 4);
	ks_pbuf_free(p);
}

static void do_push(void *arg) { ks_pbuf_push(arg, 1); }
static void do_pull(void *arg) { ks_pbuf_pull(arg, 1); }
static void do_trim(void *arg) { ks_pbuf_trim(arg, 1); }
static void do_copy_in(void *arg) { ks_pbuf_copy_in(arg, 0, "x", 1); }

/* A shared segment is read-only: every change panics (an invariant, not
 * bad input), and nothing was changed when it did. */
static void t_shared_is_read_only(struct it_ctx *t)
{
	struct ks_pbuf *p;

	IT_EQ(t, ks_pbuf_alloc(POOL(t), 8, 8, &p), 0);
	memset(p->data, 'a', 8);
	IT_TRUE(t, ks_pbuf_writable(p));
	ks_pbuf_hold(p);
	IT_TRUE(t, !ks_pbuf_writable(p));
	IT_TRUE(t, it_expect_panic(do_push, p));
	IT_TRUE(t, it_expect_panic(do_pull, p));
	IT_TRUE(t, it_expect_panic(do_trim, p));
	IT_TRUE(t, it_expect_panic(do_copy_in, p));
	IT_TRUE(t, p->len == 8 && ks_pbuf_headroom(p) == 8 && p->data[0] == 'a');
	ks_pbuf_free(p);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 1);
	IT_TRUE(t, ks_pbuf_writable(p) && !it_expect_panic(do_push, p));
	ks_pbuf_free(p);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 0);
}

/* Three segments of odd sizes (7, 1, 13) holding bytes 0..20. */
static int chain3(struct it_ctx *t, struct ks_pbuf **out)
{
	static const uint32_t sizes[3] = { 7, 1, 13 };
	struct ks_pbuf *seg[3];
	uint8_t v = 0;

	for (int i = 0; i < 3; i++) {
		if (ks_pbuf_alloc(POOL(t), i == 0 ? 32 : 0, sizes[i], &seg[i]) != 0)
			return -1;
		for (uint32_t j = 0; j < sizes[i]; j++)
			seg[i]->data[j] = (uint8_t)(0x30 + v++);
	}
	ks_pbuf_cat(seg[1], seg[2]);
	ks_pbuf_cat(seg[0], seg[1]);
	*out = seg[0];
	return 0;
}

static void t_chain_copy_and_csum(struct it_ctx *t)
{
	struct ks_pbuf *p;
	uint8_t flat[21], got[32];

	IT_EQ(t, chain3(t, &p), 0);
	IT_TRUE(t, p->tot_len == 21 && p->next->tot_len == 14 && p->next->next->tot_len == 13);
	for (int i = 0; i < 21; i++)
		flat[i] = (uint8_t)(0x30 + i);
	for (uint32_t off = 0; off <= 22; off++) {
		for (uint32_t n = 0; n <= 23; n++) {
			uint32_t want = off >= 21 ? 0 : (21 - off < n ? 21 - off : n);
			memset(got, 0, sizeof(got));
			IT_EQ(t, ks_pbuf_copy_out(p, off, got, n), want);
			IT_TRUE(t, memcmp(got, flat + (off < 21 ? off : 0), want) == 0);
			uint32_t s = ks_pbuf_csum_partial(p, off, n, 0);
			uint32_t f = ks_csum_partial(flat + (off < 21 ? off : 0), want, 0);
			IT_EQ(t, ks_csum_fold(s), ks_csum_fold(f));
		}
	}
	IT_EQ(t, ks_pbuf_copy_in(p, 5, "ABCDE", 5), 5); /* across all three segments */
	IT_EQ(t, ks_pbuf_copy_out(p, 4, got, 7), 7);
	IT_MEMEQ(t, got, "4ABCDE:", 7);
	IT_EQ(t, ks_pbuf_copy_in(p, 19, "xyz", 3), 2);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 3);
	ks_pbuf_free(p); /* frees the whole chain */
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 0);
}

static void t_trim(struct it_ctx *t)
{
	struct ks_pbuf *p;
	uint8_t got[21];

	IT_EQ(t, chain3(t, &p), 0);
	IT_EQ(t, ks_pbuf_trim(p, 22), -KS_EINVAL);
	IT_EQ(t, ks_pbuf_trim(p, 21), 0);
	IT_EQ(t, ks_pbuf_trim(p, 10), 0); /* into the third segment */
	IT_TRUE(t, p->tot_len == 10 && p->next->next->len == 2);
	IT_EQ(t, ks_pbuf_trim(p, 7), 0); /* the end of the first: frees the rest */
	IT_TRUE(t, p->tot_len == 7 && p->len == 7 && !p->next);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 1);
	IT_EQ(t, ks_pbuf_copy_out(p, 0, got, 21), 7);
	IT_MEMEQ(t, got, "0123456", 7);
	IT_EQ(t, ks_pbuf_trim(p, 0), 0);
	IT_TRUE(t, p->len == 0 && p->tot_len == 0);
	ks_pbuf_free(p);
}

/* TCP's pattern: the payload stays on a retransmission queue (held), each
 * transmission chains it behind a fresh header segment; the UDP checksum
 * over the chain equals the contiguous one. */
static void t_shared_payload(struct it_ctx *t)
{
	struct ks_pbuf *pay, *h1, *h2;
	uint8_t flat[8 + 13];

	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 13, &pay), 0);
	memcpy(pay->data, "shared bytes!", 13);
	for (int round = 0; round < 2; round++) {
		struct ks_pbuf **h = round ? &h2 : &h1;
		IT_EQ(t, ks_pbuf_alloc(POOL(t), KS_PBUF_ROOM_TRANSPORT, 8, h), 0);
		ks_pbuf_hold(pay);
		ks_pbuf_cat(*h, pay);
		ks_put16((*h)->data, 5000);
		ks_put16((*h)->data + 2, 6000);
		ks_put16((*h)->data + 4, 21);
		ks_put16((*h)->data + 6, 0);
		uint32_t sum = ks_pbuf_csum_partial(*h, 0, 21, 0);
		ks_put16((*h)->data + 6, ks_udp_csum_final(sum, IT_ADDR_A, IT_ADDR_B, 21));
	}
	memcpy(flat + 8, "shared bytes!", 13);
	ks_udp_emit(flat, sizeof(flat), 5000, 6000, IT_ADDR_A, IT_ADDR_B, true);
	IT_EQ(t, ks_get16(h1->data + 6), ks_get16(flat + 6));
	IT_TRUE(t, !ks_pbuf_writable(h1) && pay->refs == 3);
	IT_EQ(t, ks_pbuf_trim(h1, 21), 0); /* a no-op trim is allowed on a shared tail */
	ks_pbuf_free(h1);
	ks_pbuf_free(h2);
	IT_TRUE(t, pay->refs == 1 && ks_pbuf_pool_live(POOL(t)) == 1);
	IT_MEMEQ(t, pay->data, "shared bytes!", 13);
	ks_pbuf_free(pay);
}

struct cat_args {
	struct ks_pbuf *head, *tail;
};
static void do_cat(void *arg)
{
	struct cat_args *a = arg;
	ks_pbuf_cat(a->head, a->tail);
}

static void t_cat_needs_own_head(struct it_ctx *t)
{
	struct cat_args a;

	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &a.head), 0);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &a.tail), 0);
	ks_pbuf_hold(a.head);
	IT_TRUE(t, it_expect_panic(do_cat, &a));
	IT_TRUE(t, a.head->next == NULL && a.head->tot_len == 1);
	ks_pbuf_free(a.head);
	ks_pbuf_cat(a.head, a.tail);
	IT_EQ(t, a.head->tot_len, 2);
	ks_pbuf_free(a.head);
}

static void t_unshare_and_copy(struct it_ctx *t)
{
	struct ks_pbuf *p, *keep, *c;

	IT_EQ(t, ks_pbuf_alloc(POOL(t), 4, 6, &p), 0);
	memcpy(p->data, "abcdef", 6);
	p->flags = KS_PBUF_F_LINK_BCAST;
	p->ifindex = 3;
	keep = p;
	IT_EQ(t, ks_pbuf_unshare(&p, 4), 0);
	IT_TRUE(t, p == keep); /* already writable: nothing to do */
	ks_pbuf_hold(p);
	POOL(t)->fail_next = 1;
	IT_EQ(t, ks_pbuf_unshare(&p, 4), -KS_ENOBUFS);
	IT_TRUE(t, p == keep && p->refs == 2 && POOL(t)->failures == 1);
	IT_EQ(t, ks_pbuf_unshare(&p, 40), 0);
	IT_TRUE(t, p != keep && keep->refs == 1 && p->refs == 1 && ks_pbuf_headroom(p) == 40);
	IT_TRUE(t, p->len == 6 && memcmp(p->data, "abcdef", 6) == 0);
	IT_TRUE(t, p->flags == KS_PBUF_F_LINK_BCAST && p->ifindex == 3);
	IT_EQ(t, ks_pbuf_copy(POOL(t), keep, 0, &c), 0);
	IT_TRUE(t, c->len == 6 && ks_pbuf_headroom(c) == 0 && memcmp(c->data, "abcdef", 6) == 0);
	ks_pbuf_free(c);
	ks_pbuf_free(p);
	ks_pbuf_free(keep);
}

static void t_alloc_failures(struct it_ctx *t)
{
	struct ks_pbuf *p = NULL, *q;

	IT_EQ(t, ks_pbuf_alloc(POOL(t), KS_PBUF_MAX, 1, &p), -KS_EMSGSIZE);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 1, KS_PBUF_MAX, &p), -KS_EMSGSIZE);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0xffffffffu, 2, &p), -KS_EMSGSIZE);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), KS_PBUF_ROOM_PAYLOAD, 65535, &p), 0);
	ks_pbuf_free(p);
	POOL(t)->fail_next = 2;
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &p), -KS_ENOBUFS);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &p), -KS_ENOBUFS);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &p), 0);
	ks_pbuf_free(p);
	it_port_fail_next(1);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &p), -KS_ENOMEM);
	IT_EQ(t, POOL(t)->failures, 3);
	IT_EQ(t, POOL(t)->bytes_live, 0);
	/* A byte limit: one segment fits, the second does not until the first goes. */
	POOL(t)->max_bytes = (long)(sizeof(struct ks_pbuf) + 1500);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1500, &p), 0);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &q), -KS_ENOBUFS);
	ks_pbuf_free(p);
	IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, 1, &q), 0);
	ks_pbuf_free(q);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 0);
}

static void do_push_twice(void *arg)
{
	struct ks_pbuf_queue *q = arg;
	ks_pbufq_push(q, q->head);
}

static void t_queue(struct it_ctx *t)
{
	struct ks_pbuf_queue q;
	struct ks_pbuf *p[3];

	ks_pbufq_init(&q);
	IT_TRUE(t, ks_pbufq_pop(&q) == NULL);
	for (int i = 0; i < 3; i++) {
		IT_EQ(t, ks_pbuf_alloc(POOL(t), 0, (uint32_t)(10 + i), &p[i]), 0);
		ks_pbufq_push(&q, p[i]);
	}
	IT_TRUE(t, q.count == 3 && q.bytes == 33);
	IT_TRUE(t, it_expect_panic(do_push_twice, &q)); /* already queued */
	IT_TRUE(t, ks_pbufq_pop(&q) == p[0] && p[0]->qnext == NULL);
	IT_TRUE(t, q.count == 2 && q.bytes == 23);
	ks_pbuf_free(p[0]);
	ks_pbufq_purge(&q);
	IT_TRUE(t, q.count == 0 && q.bytes == 0 && !q.head && !q.tail);
	IT_EQ(t, ks_pbuf_pool_live(POOL(t)), 0);
}

const struct it_case it_cases_pbuf[] = {
	{ "alloc_free_counts", t_alloc_free_counts },
	{ "layers_down_and_up", t_layers_down_and_up },
	{ "push_pull_limits", t_push_pull_limits },
	{ "shared_is_read_only", t_shared_is_read_only },
	{ "chain_copy_and_csum", t_chain_copy_and_csum },
	{ "trim", t_trim },
	{ "shared_payload", t_shared_payload },
	{ "cat_needs_own_head", t_cat_needs_own_head },
	{ "unshare_and_copy", t_unshare_and_copy },
	{ "alloc_failures", t_alloc_failures },
	{ "queue", t_queue },
	{ 0 },
};

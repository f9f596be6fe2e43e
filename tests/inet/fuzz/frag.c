/*
 * frag.c - libFuzzer target: a sequence of IPv4 fragments through
 * reassembly (ipfrag.h) on one stack whose clock the input moves.
 *
 * Input: a config byte (below 128: Linux's 4 MiB byte limit, else a limit
 * of (byte - 127) * 2 KiB), then 6-byte records, one fragment each:
 *   r[0]  bits 0-1 source (three addresses), bit 2 MF, bits 3-4 the id (of
 *         four), bit 5 a broken header checksum, bits 6-7 the protocol
 *   r[1..2]  the offset in 8-byte units (13 bits)
 *   r[3..4]  the data length, modulo 8193
 *   r[5]  low 4 bits: words of NOP options (at most 10); high 4 bits:
 *         seconds the clock moves before this fragment
 * A fragment's data byte at datagram offset i is a function of its source,
 * id and i, so a reassembled datagram is right exactly when each byte is.
 *
 * Checks: every result is 1 (a datagram: a valid, unfragmented header of
 * at most 65535 bytes, the right source and bytes), 0, or a drop counted;
 * the bytes held never pass the limit; each datagram, cut again for an MTU
 * the input chooses and fed back last piece first, comes out identical.
 * At the end, with the clock moved past the timeout, nothing is held and
 * every fragment fed is accounted for exactly once: passed through whole,
 * in a datagram, or counted as a drop.
 */
#include <string.h>

#include "fuzz.h"
#include "inet/ipfrag.h"
#include "inet/wire/checksum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_now;

static uint64_t fz_clock(void *arg)
{
	(void)arg; /* the input moves fz_now */
	return fz_now;
}

static const uint32_t fz_src[4] = { KS_IPV4(198, 18, 0, 1), KS_IPV4(198, 18, 0, 3),
				    KS_IPV4(198, 18, 0, 4), KS_IPV4(198, 18, 0, 1) };
static const uint8_t fz_proto[4] = { KS_IPPROTO_UDP, KS_IPPROTO_ICMP, KS_IPPROTO_TCP, 253 };

static uint8_t fz_pat(uint32_t src, uint16_t id, uint8_t proto, uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) + src * 13u + id * 5u + proto);
}

/* The fragment record r describes, or NULL (no buffer). */
static struct ks_pbuf *fz_frag(struct ks_inet_stack *st, const uint8_t *r)
{
	static const uint8_t nops[40] = { [0 ... 39] = KS_IPOPT_NOP };
	uint32_t off = ((uint32_t)(r[1] << 8 | r[2]) & 0x1fff) * 8;
	uint32_t n = (uint32_t)(r[3] << 8 | r[4]) % 8193;
	uint8_t words = (r[5] & 15) > 10 ? 10 : r[5] & 15;
	struct ks_ipv4_hdr h = { .ttl = 64, .proto = fz_proto[r[0] >> 6], .id = (r[0] >> 3) & 3,
				 .frag_off = (uint16_t)off, .mf = (r[0] & 4) != 0,
				 .src = fz_src[r[0] & 3], .dst = KS_IPV4(198, 18, 0, 2),
				 .opt = nops, .opt_len = (uint8_t)(words * 4) };
	uint32_t hlen = 20u + h.opt_len;
	struct ks_pbuf *p;

	if (hlen + n > KS_IPV4_MAX_LEN)
		n = KS_IPV4_MAX_LEN - hlen;
	h.tot_len = (uint16_t)(hlen + n);
	if (ks_pbuf_alloc(&st->pbufs, 0, hlen + n, &p))
		return NULL;
	FZ_ASSERT(ks_ipv4_emit(p->data, hlen, &h) == (int)hlen);
	for (uint32_t i = 0; i < n; i++)
		p->data[hlen + i] = fz_pat(h.src, h.id, h.proto, off + i);
	if (r[0] & 0x20)
		p->data[10] ^= 0x5a;
	return p;
}

/* d is a datagram reassembly gave: whole, valid, its bytes right. */
static void fz_whole_ok(const struct ks_pbuf *d)
{
	struct ks_ipv4_hdr h;

	FZ_ASSERT(d && !d->next && d->len <= KS_IPV4_MAX_LEN);
	FZ_ASSERT(ks_ipv4_parse(d->data, d->len, &h) >= KS_IPV4_HLEN_MIN);
	FZ_ASSERT(!ks_ipv4_is_fragment(&h) && h.tot_len == d->len);
	for (uint32_t i = 0; i < h.payload_len; i++)
		FZ_ASSERT(h.payload[i] == fz_pat(h.src, h.id, h.proto, i));
}

struct fz_sink {
	struct ks_pbuf *list; /* newest first, through qnext */
	int n;
};

static int fz_take(void *arg, struct ks_pbuf *p)
{
	struct fz_sink *s = arg;

	p->qnext = s->list;
	s->list = p;
	s->n++;
	return 0;
}

/* Cuts d for an MTU from seed and reassembles it, last piece first, on a
 * stack of its own: the same bytes must come back. Takes d. */
static void fz_round_trip(struct ks_pbuf *d, unsigned seed)
{
	struct ks_inet_stack st2;
	struct ks_inet_config cfg = { .now = fz_clock };
	struct fz_sink s = { NULL, 0 };
	struct ks_pbuf *copy, *out = NULL;
	uint32_t mtu = 68 + seed % 1433;

	FZ_ASSERT(ks_inet_stack_init(&st2, &cfg) == 0);
	FZ_ASSERT(ks_pbuf_copy(&st2.pbufs, d, 0, &copy) == 0);
	FZ_ASSERT(ks_ipfrag_output(&st2, d, mtu, 0, fz_take, &s) == 0);
	while (s.list) {
		struct ks_pbuf *p = s.list;
		s.list = p->qnext;
		p->qnext = NULL;
		FZ_ASSERT(p->len <= mtu);
		int rc = ks_ipfrag_input(&st2, p, &out);
		FZ_ASSERT(rc == (s.list ? 0 : 1));
	}
	FZ_ASSERT(out && out->len == copy->len);
	FZ_ASSERT(memcmp(out->data, copy->data, copy->len) == 0);
	ks_pbuf_free(out);
	ks_pbuf_free(copy);
	FZ_ASSERT(ks_pbuf_pool_live(&st2.pbufs) == 0 && it_drops_total(&st2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_inet_stack st;
	struct ks_inet_config cfg = { .now = fz_clock };
	unsigned long fed = 0, whole = 0;

	if (size < 1)
		return 0;
	fz_now = IT_T0;
	FZ_ASSERT(ks_inet_stack_init(&st, &cfg) == 0);
	if (data[0] >= 128)
		st.frag.max_bytes = (data[0] - 127l) * 2048;
	for (size_t at = 1; at + 6 <= size; at += 6) {
		const uint8_t *r = data + at;
		struct ks_pbuf *p, *out = (struct ks_pbuf *)1;
		unsigned long drops = it_drops_total(&st);

		fz_now += (uint64_t)(r[5] >> 4) * 1000000000ull;
		if ((p = fz_frag(&st, r)) == NULL)
			continue;
		fed++;
		bool is_frag = (r[0] & 4) || (r[1] & 0x1f) || r[2];
		int rc = ks_ipfrag_input(&st, p, &out);
		FZ_ASSERT(rc == 1 || rc == 0 || rc < 0);
		FZ_ASSERT((rc == 1) == (out != NULL));
		FZ_ASSERT(rc >= 0 || it_drops_total(&st) > drops);
		FZ_ASSERT(st.frag.mem >= 0 && st.frag.mem <= st.frag.max_bytes);
		if (rc == 1) {
			fz_whole_ok(out);
			whole += !is_frag; /* passed through as it was */
			fz_round_trip(out, r[3] ^ (unsigned)at);
		}
	}
	fz_now += KS_IPFRAG_TIMEOUT_NS;
	FZ_ASSERT(ks_ipfrag_expire(&st, NULL, NULL) == 0 && ks_ipfrag_held(&st) == 0);
	FZ_ASSERT(st.frag.mem == 0 && ks_pbuf_pool_live(&st.pbufs) == 0);
	FZ_ASSERT(fed == whole + st.frag.stats.frags_reasm + it_drops_total(&st));
	return 0;
}

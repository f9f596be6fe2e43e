/*
 * ipfrag.c - IPv4 reassembly (RFC 791 3.2, RFC 815) and fragmentation.
 * The rules, limits, locking and ownership: ipfrag.h.
 *
 * A queued fragment keeps its IPv4 header in front of its data, so its
 * place in the datagram is read back from that header (frag_pos) rather
 * than stored beside it: a packet buffer has no spare field for it, and
 * the header already says it.
 */
#include "ipfrag.h"

#include "stack.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define IP_MF 0x2000

/* ---- setup ---- */

void ks_ipfrag_init(struct ks_ipfrag *f)
{
	__builtin_memset(f, 0, sizeof(*f));
	ks_mutex_init(&f->lock);
	f->max_bytes = KS_IPFRAG_HIGH_THRESH;
	f->timeout_ns = KS_IPFRAG_TIMEOUT_NS;
}

static void frags_free(struct ks_pbuf *p, struct ks_inet_stack *st, int reason)
{
	while (p) {
		struct ks_pbuf *next = p->qnext;

		p->qnext = NULL;
		ks_pbuf_free(p);
		if (reason)
			(void)ks_inet_count_drop(st, -reason);
		p = next;
	}
}

void ks_ipfrag_reset(struct ks_ipfrag *f)
{
	for (int i = 0; i < KS_IPFRAG_QUEUES; i++)
		frags_free(f->q[i].frags, NULL, 0); /* a reset is not a drop */
	__builtin_memset(f->q, 0, sizeof(f->q));
	__builtin_memset(&f->stats, 0, sizeof(f->stats));
	f->mem = 0;
}

/* ---- a fragment's place ---- */

struct frag_pos {
	uint32_t off, end; /* data bytes [off, end) of the datagram */
	uint8_t hlen;
	bool mf;
};

/* Where p's data goes, from its header (checked when it came in). A
 * fragment with MF set carries a multiple of 8 bytes (RFC 791 3.2);
 * Linux's ip_frag_queue trims one that does not, and so does this. */
static void frag_pos(const struct ks_pbuf *p, struct frag_pos *fp)
{
	struct ks_ipv4_hdr h;

	ks_ipv4_read(p->data, &h);
	fp->hlen = h.hlen;
	fp->mf = h.mf;
	fp->off = h.frag_off;
	fp->end = h.frag_off + (uint32_t)(h.tot_len - h.hlen);
	if (fp->mf)
		fp->end &= ~7u;
}

/* What a queue charges for p: its allocation, as pbuf.c counts it. */
static long truesize(const struct ks_pbuf *p)
{
	return (long)(sizeof(struct ks_pbuf) + p->cap);
}

/* ---- queues ---- */

static struct ks_ipfrag_queue *q_find(struct ks_ipfrag *f, const struct ks_ipv4_hdr *h)
{
	for (int i = 0; i < KS_IPFRAG_QUEUES; i++) {
		struct ks_ipfrag_queue *q = &f->q[i];

		if (q->used && q->id == h->id && q->src == h->src && q->dst == h->dst &&
		    q->proto == h->proto)
			return q;
	}
	return NULL;
}

/* A free queue for h's datagram, its 30 s starting now; NULL if none. */
static struct ks_ipfrag_queue *q_create(struct ks_ipfrag *f, const struct ks_ipv4_hdr *h,
					 uint64_t now)
{
	for (int i = 0; i < KS_IPFRAG_QUEUES; i++) {
		struct ks_ipfrag_queue *q = &f->q[i];

		if (q->used)
			continue;
		__builtin_memset(q, 0, sizeof(*q));
		q->used = true;
		q->id = h->id;
		q->src = h->src;
		q->dst = h->dst;
		q->proto = h->proto;
		q->expires = now + f->timeout_ns;
		return q;
	}
	return NULL;
}

/* Frees q and its fragments, each counted as a drop of reason (0: none,
 * for a completed datagram). */
static void q_free(struct ks_inet_stack *st, struct ks_ipfrag_queue *q, int reason)
{
	frags_free(q->frags, st, reason);
	st->frag.mem -= q->mem;
	__builtin_memset(q, 0, sizeof(*q));
}

/* Gives up q's datagram for reason; returns -reason. */
static int q_kill(struct ks_inet_stack *st, struct ks_ipfrag_queue *q, int reason)
{
	st->frag.stats.fails++;
	q_free(st, q, reason);
	return -reason;
}

/* Linux's ip_expire: when a queue holding its first fragment times out,
 * ICMP time exceeded, code 1 (RFC 792: "fragment reassembly time
 * exceeded"), to the source, quoting that fragment, where RFC 1122 3.2.2
 * allows an error. The whole IPv4 datagram (TOS 0xc0 and the default TTL,
 * as Linux's icmp_send) goes on *errs, to be sent once the lock is gone. */
static void timeout_error(struct ks_inet_stack *st, const struct ks_ipfrag_queue *q,
			  struct ks_pbuf **errs)
{
	const struct ks_pbuf *first = q->frags;
	struct ks_ipv4_hdr h, ip = { .tos = 0xc0, .ttl = 64, .proto = KS_IPPROTO_ICMP };
	struct ks_pbuf *e;

	if (!q->first_in || ks_ipv4_parse(first->data, first->len, &h) < 0 ||
	    !ks_icmp_error_allowed(&h, false, false))
		return;
	uint32_t n = KS_ICMP_HLEN + (uint32_t)ks_icmp_quote_len(h.tot_len);
	if (ks_inet_count_drop(st, ks_pbuf_alloc(&st->pbufs, KS_PBUF_ROOM_IP,
						  KS_IPV4_HLEN_MIN + n, &e)))
		return;
	if (ks_icmp_emit_error(e->data + KS_IPV4_HLEN_MIN, n, KS_ICMP_TIME_EXCEEDED, 1, 0,
			       first->data, h.tot_len) < 0) {
		ks_pbuf_free(e); /* not reached: a first fragment has 8 data bytes */
		return;
	}
	ip.tot_len = (uint16_t)(KS_IPV4_HLEN_MIN + n);
	ip.id = ++st->frag.ip_id;
	ip.src = h.dst;
	ip.dst = h.src;
	(void)ks_ipv4_emit(e->data, KS_IPV4_HLEN_MIN, &ip); /* a valid header: cannot fail */
	e->qnext = *errs;
	*errs = e;
}

/* Drops the queues whose time is up, with their ICMP errors on *errs
 * (NULL: none); the earliest deadline left (0: none). */
static uint64_t expire_locked(struct ks_inet_stack *st, uint64_t now, struct ks_pbuf **errs)
{
	struct ks_ipfrag *f = &st->frag;
	uint64_t next = 0;

	for (int i = 0; i < KS_IPFRAG_QUEUES; i++) {
		struct ks_ipfrag_queue *q = &f->q[i];

		if (!q->used)
			continue;
		if (now >= q->expires) {
			f->stats.timeouts++;
			if (errs)
				timeout_error(st, q, errs);
			(void)q_kill(st, q, KS_DROP_FRAG_TIMEOUT);
		} else if (!next || q->expires < next) {
			next = q->expires;
		}
	}
	return next;
}

/* ---- reassembly ---- */

/* Linux's length checks (ip_frag_queue): the datagram's data length as
 * known after fp, in *len and *last; -KS_DROP_FRAG_INVALID when fp cannot
 * belong to the datagram q holds. */
static int q_check_len(const struct ks_ipfrag_queue *q, const struct frag_pos *fp, uint32_t *len,
		       bool *last)
{
	*len = q->len;
	*last = q->last_in;
	if (!fp->mf) {
		/* A last fragment ends where the data ends: not before what
		 * was received, not elsewhere than an earlier last one. */
		if (fp->end < q->len || (q->last_in && fp->end != q->len))
			return -KS_DROP_FRAG_INVALID;
		*last = true;
		*len = fp->end;
	} else if (fp->end > q->len) {
		if (q->last_in)
			return -KS_DROP_FRAG_INVALID; /* data past the end */
		*len = fp->end;
	}
	if (fp->end == fp->off)
		return -KS_DROP_FRAG_INVALID; /* no data (or less than 8 bytes, trimmed) */
	return 0;
}

/* Where fp goes among q's fragments: 0 with *prev the fragment after
 * which it goes (NULL: first); -KS_DROP_FRAG_DUPLICATE when every byte of
 * it is held already; -KS_DROP_FRAG_OVERLAP when some are. Fragments
 * mostly come in order, so one past the tail is placed at once; any other
 * walks the queue (linear: a queue is bounded by the byte limit). */
static int q_place(const struct ks_ipfrag_queue *q, const struct frag_pos *fp,
		   struct ks_pbuf **prev)
{
	uint32_t covered = fp->off; /* fp's bytes held, from its start */
	bool overlap = false;
	struct frag_pos cur;

	*prev = NULL;
	if (q->tail) {
		frag_pos(q->tail, &cur);
		if (cur.end <= fp->off) {
			*prev = q->tail;
			return 0;
		}
	}
	for (struct ks_pbuf *p = q->frags; p; p = p->qnext) {
		frag_pos(p, &cur);
		if (cur.off < fp->end && cur.end > fp->off)
			overlap = true;
		if (cur.off <= covered && cur.end > covered)
			covered = cur.end;
		if (cur.off < fp->off)
			*prev = p;
	}
	if (covered >= fp->end)
		return -KS_DROP_FRAG_DUPLICATE;
	return overlap ? -KS_DROP_FRAG_OVERLAP : 0;
}

/* Links p in after prev (NULL: at the head). */
static void q_link(struct ks_ipfrag_queue *q, struct ks_pbuf *p, struct ks_pbuf *prev)
{
	if (prev) {
		p->qnext = prev->qnext;
		prev->qnext = p;
	} else {
		p->qnext = q->frags;
		q->frags = p;
	}
	if (!p->qnext)
		q->tail = p;
}

/* The whole datagram from q's fragments (complete and contiguous): the
 * first fragment's header, fixed up, then every fragment's data. Frees
 * q. 1 with *out, or the allocation's error (q dropped, no_memory). */
static int q_reasm(struct ks_inet_stack *st, struct ks_ipfrag_queue *q, struct ks_pbuf **out)
{
	uint32_t hlen = q->first_hlen, tot = hlen + q->len;
	struct ks_pbuf *d, *p;
	struct frag_pos fp;
	int rc = ks_pbuf_alloc(&st->pbufs, 0, tot, &d);

	if (rc) {
		(void)q_kill(st, q, KS_DROP_NO_MEMORY);
		return rc;
	}
	__builtin_memcpy(d->data, q->frags->data, hlen); /* the first fragment's header */
	for (p = q->frags; p; p = p->qnext) {
		frag_pos(p, &fp);
		ks_pbuf_copy_out(p, fp.hlen, d->data + hlen + fp.off, fp.end - fp.off);
	}
	ks_put16(d->data + 2, (uint16_t)tot);
	ks_put16(d->data + 6, 0); /* no longer a fragment; DF clear */
	ks_put16(d->data + 10, 0);
	ks_put16(d->data + 10, ks_csum(d->data, hlen));
	d->ifindex = q->frags->ifindex;
	st->frag.stats.oks++;
	st->frag.stats.frags_reasm += q->nfrags;
	q_free(st, q, 0);
	*out = d;
	return 1;
}

/* Links p (at fp, after prev) into q, with the datagram's length as
 * q_check_len found it, and charges it. */
static void q_add(struct ks_ipfrag *f, struct ks_ipfrag_queue *q, struct ks_pbuf *p,
		  struct ks_pbuf *prev, const struct frag_pos *fp, uint32_t len, bool last)
{
	long size = truesize(p);

	q_link(q, p, prev);
	q->len = len;
	q->last_in = last;
	q->meat += fp->end - fp->off;
	q->nfrags++;
	q->mem += size;
	f->mem += size;
	if (fp->off == 0) {
		q->first_in = true;
		q->first_hlen = fp->hlen;
	}
}

/* Queues p (a fragment, header h) or drops it; see ks_ipfrag_input. */
static int frag_queue_locked(struct ks_inet_stack *st, struct ks_pbuf *p,
			     const struct ks_ipv4_hdr *h, struct ks_pbuf **out)
{
	struct ks_ipfrag *f = &st->frag;
	struct ks_ipfrag_queue *q = NULL;
	struct ks_pbuf *prev;
	struct frag_pos fp;
	uint32_t len;
	bool last;
	int rc = -KS_DROP_FRAG_MEMORY;

	frag_pos(p, &fp);
	if (f->mem + truesize(p) <= f->max_bytes) {
		q = q_find(f, h);
		if (!q)
			q = q_create(f, h, ks_inet_now(st));
	}
	if (!q) {
		f->stats.fails++;
		goto drop;
	}
	rc = q_check_len(q, &fp, &len, &last);
	if (rc == 0)
		rc = q_place(q, &fp, &prev);
	if (rc == -KS_DROP_FRAG_DUPLICATE)
		goto drop; /* the queue is kept, as Linux's IPFRAG_DUP */
	if (rc == -KS_DROP_FRAG_OVERLAP)
		f->stats.overlaps++;
	if (rc) {
		ks_pbuf_free(p);
		(void)ks_inet_count_drop(st, rc);
		return q_kill(st, q, -rc);
	}
	q_add(f, q, p, prev, &fp, len, last);
	if (q->first_in && q->first_hlen + q->len > KS_IPV4_MAX_LEN)
		return q_kill(st, q, KS_DROP_FRAG_TOOBIG);
	if (q->first_in && q->last_in && q->meat == q->len)
		return q_reasm(st, q, out);
	return 0;
drop:
	ks_pbuf_free(p);
	return ks_inet_count_drop(st, rc);
}

/* Makes p one segment, its header checked, its padding cut; fills h.
 * On error p is freed. */
static int frag_prepare(struct ks_inet_stack *st, struct ks_pbuf **pp, struct ks_ipv4_hdr *h)
{
	struct ks_pbuf *p = *pp;
	int rc;

	if (p->next) {
		struct ks_pbuf *flat;

		rc = ks_pbuf_copy(&st->pbufs, p, 0, &flat);
		ks_pbuf_free(p);
		if (rc)
			return rc;
		*pp = p = flat;
	}
	rc = ks_ipv4_parse(p->data, p->len, h);
	if (rc >= 0 && p->len > h->tot_len)
		rc = ks_pbuf_trim(p, h->tot_len);
	if (rc < 0) {
		ks_pbuf_free(p);
		return rc;
	}
	return 0;
}

int ks_ipfrag_input(struct ks_inet_stack *st, struct ks_pbuf *p, struct ks_pbuf **out)
{
	struct ks_ipv4_hdr h;
	int rc = frag_prepare(st, &p, &h);

	*out = NULL;
	if (rc < 0)
		return ks_inet_count_drop(st, rc);
	if (!ks_ipv4_is_fragment(&h)) {
		*out = p;
		return 1;
	}
	ks_mutex_lock(&st->frag.lock);
	/* Frees room before charging; the poll's expiry, which runs first,
	 * is the one that sends time exceeded errors. */
	(void)expire_locked(st, ks_inet_now(st), NULL);
	st->frag.stats.reqds++;
	rc = frag_queue_locked(st, p, &h, out);
	ks_mutex_unlock(&st->frag.lock);
	return rc;
}

uint64_t ks_ipfrag_expire(struct ks_inet_stack *st, ks_ipfrag_err_fn *fn, void *arg)
{
	struct ks_pbuf *errs = NULL;

	ks_mutex_lock(&st->frag.lock);
	uint64_t next = expire_locked(st, ks_inet_now(st), fn ? &errs : NULL);
	ks_mutex_unlock(&st->frag.lock);
	while (errs) {
		struct ks_pbuf *e = errs;

		errs = e->qnext;
		e->qnext = NULL;
		fn(arg, e, ks_get32(e->data + 16));
	}
	return next;
}

int ks_ipfrag_held(struct ks_inet_stack *st)
{
	int n = 0;

	ks_mutex_lock(&st->frag.lock);
	for (int i = 0; i < KS_IPFRAG_QUEUES; i++)
		n += st->frag.q[i].used;
	ks_mutex_unlock(&st->frag.lock);
	return n;
}

/* ---- fragmentation ---- */

/* The header of the fragments after the first: options without the copy
 * bit become NOPs (RFC 791 3.1), as Linux's ip_options_fragment, so every
 * fragment has the same header length. -KS_EINVAL for broken options. */
static int later_header(uint8_t *hdr, uint32_t hlen)
{
	for (uint32_t i = KS_IPV4_HLEN_MIN; i < hlen;) {
		uint8_t type = hdr[i];

		if (type == KS_IPOPT_EOL)
			break;
		if (type == KS_IPOPT_NOP) {
			i++;
			continue;
		}
		if (hlen - i < 2 || hdr[i + 1] < 2 || hdr[i + 1] > hlen - i)
			return -KS_EINVAL;
		uint8_t n = hdr[i + 1];
		if (!(type & 0x80)) /* the copy bit */
			__builtin_memset(hdr + i, KS_IPOPT_NOP, n);
		i += n;
	}
	return 0;
}

/* p's header into hdr (hlen bytes) and h: -KS_EINVAL unless it is an IPv4
 * header whose total length is p's. */
static int out_header(const struct ks_pbuf *p, uint8_t *hdr, struct ks_ipv4_hdr *h)
{
	if (ks_pbuf_copy_out(p, 0, hdr, KS_IPV4_HLEN_MIN) < KS_IPV4_HLEN_MIN || hdr[0] >> 4 != 4 ||
	    (hdr[0] & 0x0f) < 5)
		return -KS_EINVAL;
	ks_ipv4_read(hdr, h);
	if (h->tot_len != p->tot_len || h->hlen > h->tot_len)
		return -KS_EINVAL;
	(void)ks_pbuf_copy_out(p, 0, hdr, h->hlen); /* tot_len >= hlen: all there */
	return 0;
}

/* Writes one fragment's header: the data at offset off (of the
 * original's data) of n bytes, more after it or not. */
static void frag_header(uint8_t *dst, const uint8_t *hdr, const struct ks_ipv4_hdr *h,
			uint32_t off, uint32_t n, bool more)
{
	__builtin_memcpy(dst, hdr, h->hlen);
	ks_put16(dst + 2, (uint16_t)(h->hlen + n));
	ks_put16(dst + 6, (uint16_t)((more ? IP_MF : 0) | (h->frag_off + off) / 8));
	ks_put16(dst + 10, 0);
	ks_put16(dst + 10, ks_csum(dst, h->hlen));
}

/* Cuts p (header hdr/h, longer than mtu) and hands each piece to fn. */
static int cut(struct ks_inet_stack *st, const struct ks_pbuf *p, uint8_t *hdr,
	       const struct ks_ipv4_hdr *h, uint32_t mtu, uint32_t room, ks_ipfrag_out_fn *fn,
	       void *arg)
{
	uint32_t data = (uint32_t)(h->tot_len - h->hlen);
	uint32_t unit = (mtu - h->hlen) & ~7u; /* RFC 791 3.2: 8-byte blocks */
	struct ks_pbuf *fr;
	int rc = 0;

	for (uint32_t off = 0; off < data && rc == 0; off += unit) {
		uint32_t n = data - off < unit ? data - off : unit;
		bool more = off + n < data || h->mf;

		rc = ks_pbuf_alloc(&st->pbufs, room, h->hlen + n, &fr);
		if (rc)
			break;
		frag_header(fr->data, hdr, h, off, n, more);
		(void)ks_pbuf_copy_out(p, h->hlen + off, fr->data + h->hlen, n); /* n is there */
		if (off == 0)
			rc = later_header(hdr, h->hlen); /* the first one had them all */
		if (rc) {
			ks_pbuf_free(fr);
			break;
		}
		rc = fn(arg, fr);
		if (rc == 0)
			__atomic_add_fetch(&st->frag.stats.frags_out, 1, __ATOMIC_RELAXED);
	}
	return rc;
}

/* The checks of ks_ipfrag_check on p, longer than mtu; its header in
 * hdr and h. */
static int out_check(const struct ks_pbuf *p, uint32_t mtu, uint8_t *hdr, struct ks_ipv4_hdr *h)
{
	int rc = out_header(p, hdr, h);

	if (rc == 0 && (h->df || mtu < (uint32_t)h->hlen + 8))
		rc = -KS_EMSGSIZE; /* Linux: EMSGSIZE, and ICMP frag needed when forwarding */
	return rc;
}

int ks_ipfrag_check(const struct ks_pbuf *p, uint32_t mtu)
{
	uint8_t hdr[KS_IPV4_HLEN_MAX];
	struct ks_ipv4_hdr h;

	return p->tot_len <= mtu ? 0 : out_check(p, mtu, hdr, &h);
}

int ks_ipfrag_output(struct ks_inet_stack *st, struct ks_pbuf *p, uint32_t mtu, uint32_t room,
		     ks_ipfrag_out_fn *fn, void *arg)
{
	uint8_t hdr[KS_IPV4_HLEN_MAX];
	struct ks_ipv4_hdr h;
	int rc;

	if (p->tot_len <= mtu)
		return fn(arg, p);
	rc = out_check(p, mtu, hdr, &h);
	if (rc == 0) {
		rc = cut(st, p, hdr, &h, mtu, room, fn, arg);
		if (rc == 0)
			__atomic_add_fetch(&st->frag.stats.fragmented, 1, __ATOMIC_RELAXED);
	}
	ks_pbuf_free(p);
	return rc;
}

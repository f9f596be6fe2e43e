/*
 * pbuf.c - packet buffers, their pool and queues. Object model, ownership
 * and locking: pbuf.h.
 *
 * A segment is one ks_port_buf_alloc of sizeof(struct ks_pbuf) + cap bytes
 * (the port's allocator for data buffers: a small one costs no allocator
 * call on the hosted port); its storage follows the struct. The pool
 * charges that whole size, so bytes_live is what the port really handed
 * out.
 */
#include "pbuf.h"

#include "../core/socket.h" /* KS_ASSERT */
#include "wire/checksum.h"

_Static_assert(KS_PBUF_DEVICE_ROOM % 2 == 0 && KS_PBUF_DEVICE_ROOM <= 256,
	       "KS_PBUF_DEVICE_ROOM: even, at most 256 bytes");
_Static_assert(KS_PBUF_ROOM_PAYLOAD + 65535 <= KS_PBUF_MAX,
	       "KS_PBUF_MAX must hold a 64 KiB datagram and its header room");
_Static_assert(sizeof(struct ks_pbuf) % sizeof(void *) == 0, "storage alignment");
_Static_assert(KS_PBUF_F_CSUM_OK == KS_WIRE_CSUM_OK, "a pbuf's flags pass to the parsers");

static uint8_t *pbuf_storage(const struct ks_pbuf *p)
{
	return (uint8_t *)(p + 1);
}

static void pbuf_own(const struct ks_pbuf *p)
{
	KS_ASSERT(__atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) == 1);
}

void ks_pbuf_pool_init(struct ks_pbuf_pool *pool, long max_bytes)
{
	__builtin_memset(pool, 0, sizeof(*pool));
	pool->max_bytes = max_bytes;
}

long ks_pbuf_pool_live(const struct ks_pbuf_pool *pool)
{
	return __atomic_load_n(&pool->live, __ATOMIC_RELAXED);
}

/* Charges size bytes to the pool: false if an injected failure or the
 * limit refuses them. */
static bool pool_charge(struct ks_pbuf_pool *pool, long size)
{
	int f = __atomic_load_n(&pool->fail_next, __ATOMIC_RELAXED);

	while (f > 0) {
		if (__atomic_compare_exchange_n(&pool->fail_next, &f, f - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return false;
	}
	long now = __atomic_add_fetch(&pool->bytes_live, size, __ATOMIC_RELAXED);
	if (pool->max_bytes && now > pool->max_bytes) {
		__atomic_sub_fetch(&pool->bytes_live, size, __ATOMIC_RELAXED);
		return false;
	}
	long peak = __atomic_load_n(&pool->peak_bytes, __ATOMIC_RELAXED);
	while (now > peak && !__atomic_compare_exchange_n(&pool->peak_bytes, &peak, now, true,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return true;
}

int ks_pbuf_alloc(struct ks_pbuf_pool *pool, uint32_t headroom, uint32_t len,
		  struct ks_pbuf **out)
{
	if (headroom > KS_PBUF_MAX || len > KS_PBUF_MAX - headroom)
		return -KS_EMSGSIZE;
	uint32_t cap = headroom + len;
	long size = (long)(sizeof(struct ks_pbuf) + cap);
	if (!pool_charge(pool, size)) {
		__atomic_add_fetch(&pool->failures, 1, __ATOMIC_RELAXED);
		return -KS_ENOBUFS;
	}
	struct ks_pbuf *p = ks_port_buf_alloc((size_t)size);
	if (!p) {
		__atomic_sub_fetch(&pool->bytes_live, size, __ATOMIC_RELAXED);
		__atomic_add_fetch(&pool->failures, 1, __ATOMIC_RELAXED);
		return -KS_ENOMEM;
	}
	p->next = p->qnext = NULL;
	p->pool = pool;
	p->cap = cap;
	p->data = pbuf_storage(p) + headroom;
	p->len = p->tot_len = len;
	p->refs = 1;
	p->flags = 0;
	p->ifindex = 0;
	__atomic_add_fetch(&pool->live, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&pool->allocs, 1, __ATOMIC_RELAXED);
	*out = p;
	return 0;
}

void ks_pbuf_hold(struct ks_pbuf *p)
{
	int old = __atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);

	KS_ASSERT(old > 0);
}

void ks_pbuf_free(struct ks_pbuf *p)
{
	while (p) {
		int left = __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
		KS_ASSERT(left >= 0);
		if (left > 0)
			return;
		struct ks_pbuf *next = p->next;
		struct ks_pbuf_pool *pool = p->pool;
		long size = (long)(sizeof(struct ks_pbuf) + p->cap);
		ks_port_buf_free(p, (size_t)size);
		__atomic_sub_fetch(&pool->bytes_live, size, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&pool->live, 1, __ATOMIC_RELAXED);
		p = next; /* the freed segment's reference on it */
	}
}

uint32_t ks_pbuf_headroom(const struct ks_pbuf *p)
{
	return (uint32_t)(p->data - pbuf_storage(p));
}

uint8_t *ks_pbuf_push(struct ks_pbuf *p, uint32_t n)
{
	pbuf_own(p);
	if (ks_pbuf_headroom(p) < n)
		return NULL;
	p->data -= n;
	p->len += n;
	p->tot_len += n;
	return p->data;
}

uint8_t *ks_pbuf_pull(struct ks_pbuf *p, uint32_t n)
{
	pbuf_own(p);
	if (p->len < n)
		return NULL;
	p->data += n;
	p->len -= n;
	p->tot_len -= n;
	return p->data;
}

int ks_pbuf_trim(struct ks_pbuf *p, uint32_t tot_len)
{
	if (tot_len > p->tot_len)
		return -KS_EINVAL;
	if (tot_len == p->tot_len)
		return 0; /* nothing changes, so a shared tail is fine */
	/* Every segment that keeps bytes, or loses its next, changes. */
	while (p) {
		pbuf_own(p);
		p->tot_len = tot_len;
		if (tot_len <= p->len) {
			p->len = tot_len;
			ks_pbuf_free(p->next);
			p->next = NULL;
			return 0;
		}
		tot_len -= p->len;
		p = p->next;
	}
	return 0; /* not reached: tot_len <= the chain's length */
}

void ks_pbuf_cat(struct ks_pbuf *head, struct ks_pbuf *tail)
{
	struct ks_pbuf *p = head;

	for (;;) {
		pbuf_own(p);
		p->tot_len += tail->tot_len;
		if (!p->next)
			break;
		p = p->next;
	}
	p->next = tail; /* the caller's reference moves into the chain */
}

/* The segment holding byte off of the packet, with off made relative to
 * it; NULL if off is at or past the end. */
static const struct ks_pbuf *pbuf_seek(const struct ks_pbuf *p, uint32_t *off)
{
	while (p && *off >= p->len) {
		*off -= p->len;
		p = p->next;
	}
	return p;
}

uint32_t ks_pbuf_copy_out(const struct ks_pbuf *p, uint32_t off, void *dst, uint32_t n)
{
	uint8_t *d = dst;
	uint32_t done = 0;

	for (p = pbuf_seek(p, &off); p && done < n; p = p->next, off = 0) {
		uint32_t k = p->len - off < n - done ? p->len - off : n - done;
		__builtin_memcpy(d + done, p->data + off, k);
		done += k;
	}
	return done;
}

uint32_t ks_pbuf_copy_in(struct ks_pbuf *p, uint32_t off, const void *src, uint32_t n)
{
	const uint8_t *s = src;
	uint32_t done = 0;
	struct ks_pbuf *q = (struct ks_pbuf *)pbuf_seek(p, &off);

	for (; q && done < n; q = q->next, off = 0) {
		uint32_t k = q->len - off < n - done ? q->len - off : n - done;
		pbuf_own(q);
		__builtin_memcpy(q->data + off, s + done, k);
		done += k;
	}
	return done;
}

uint32_t ks_pbuf_csum_partial(const struct ks_pbuf *p, uint32_t off, uint32_t n, uint32_t sum)
{
	uint32_t done = 0;

	for (p = pbuf_seek(p, &off); p && done < n; p = p->next, off = 0) {
		uint32_t k = p->len - off < n - done ? p->len - off : n - done;
		/* A piece that starts at an odd position of the summed range
		 * has its bytes in swapped word halves (RFC 1071 2(B)). */
		uint32_t s = ks_csum_shift(ks_csum_partial(p->data + off, k, 0), done);
		sum = ks_csum_add(sum, s);
		done += k;
	}
	return sum;
}

bool ks_pbuf_writable(const struct ks_pbuf *p)
{
	for (; p; p = p->next)
		if (__atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) != 1)
			return false;
	return true;
}

int ks_pbuf_copy(struct ks_pbuf_pool *pool, const struct ks_pbuf *p, uint32_t headroom,
		 struct ks_pbuf **out)
{
	struct ks_pbuf *c;
	int rc = ks_pbuf_alloc(pool, headroom, p->tot_len, &c);

	if (rc < 0)
		return rc;
	ks_pbuf_copy_out(p, 0, c->data, p->tot_len);
	c->flags = p->flags;
	c->ifindex = p->ifindex;
	*out = c;
	return 0;
}

int ks_pbuf_unshare(struct ks_pbuf **pp, uint32_t headroom)
{
	struct ks_pbuf *old = *pp, *c;

	if (ks_pbuf_writable(old) && ks_pbuf_headroom(old) >= headroom)
		return 0;
	uint32_t room = ks_pbuf_headroom(old) > headroom ? ks_pbuf_headroom(old) : headroom;
	int rc = ks_pbuf_copy(old->pool, old, room, &c);
	if (rc < 0)
		return rc;
	ks_pbuf_free(old);
	*pp = c;
	return 0;
}

void ks_pbufq_init(struct ks_pbuf_queue *q)
{
	q->head = q->tail = NULL;
	q->count = 0;
	q->bytes = 0;
}

void ks_pbufq_push(struct ks_pbuf_queue *q, struct ks_pbuf *p)
{
	KS_ASSERT(p->qnext == NULL && q->tail != p);
	if (q->tail)
		q->tail->qnext = p;
	else
		q->head = p;
	q->tail = p;
	q->count++;
	q->bytes += p->tot_len;
}

struct ks_pbuf *ks_pbufq_pop(struct ks_pbuf_queue *q)
{
	struct ks_pbuf *p = q->head;

	if (!p)
		return NULL;
	q->head = p->qnext;
	if (!q->head)
		q->tail = NULL;
	p->qnext = NULL;
	q->count--;
	q->bytes -= p->tot_len;
	return p;
}

void ks_pbufq_purge(struct ks_pbuf_queue *q)
{
	struct ks_pbuf *p;

	while ((p = ks_pbufq_pop(q)) != NULL)
		ks_pbuf_free(p);
}

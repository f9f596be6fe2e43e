/*
 * unix_buf.c - AF_UNIX buffers, receive queues and send-buffer accounting.
 *
 * Ownership: ks_unix_buf_alloc returns a buffer charged to its sender's
 * wmem (which, while not zero, holds one reference on the sender: see
 * KS_UNIX_WMEM_OPEN); ks_unix_queue_add_locked takes
 * ownership of it; ks_unix_queue_pop_locked gives it back; ks_unix_buf_free
 * uncharges the sender, wakes its writers and drops the reference.
 */
#include "unix.h"

#include "../core/scm.h"

void ks_unix_charge(struct ks_unix_sock *sender, unsigned truesize)
{
	/* wmem holds one reference on the sender while it is not zero
	 * (Linux's sk_wmem_alloc), not one per buffer; it is not zero from
	 * creation to release (KS_UNIX_WMEM_OPEN), so this takes none. */
	if (__atomic_fetch_add(&sender->wmem, (long)truesize, __ATOMIC_ACQ_REL) == 0)
		ks_socket_hold(&sender->sk);
}

void ks_unix_uncharge(struct ks_unix_sock *sender, unsigned truesize)
{
	long left = __atomic_sub_fetch(&sender->wmem, (long)truesize, __ATOMIC_ACQ_REL);

	/* Linux's unix_write_space: writers are woken once a quarter of the
	 * send buffer or less is in flight, not on every freed buffer. */
	if (ks_unix_writable(sender))
		ks_waitq_wake_ev(&sender->sk.tx_wait, KS_EV_OUT);
	if (left == 0)
		ks_socket_put(&sender->sk); /* wmem's reference: released, nothing left */
}

struct ks_unix_buf *ks_unix_buf_alloc_cap(struct ks_unix_sock *sender, unsigned len,
					  unsigned cap)
{
	unsigned size = (unsigned)sizeof(struct ks_unix_buf) + cap;
	unsigned truesize = ks_unix_truesize(sender->sk.type, len);
	struct ks_unix_buf *b = ks_port_buf_alloc(size);

	if (!b)
		return NULL;
	b->next = NULL;
	b->sender = sender;
	b->embryo = NULL;
	b->len = len;
	b->off = 0;
	b->size = size;
	b->truesize = truesize;
	b->cred.pid = 0;
	b->cred.uid = b->cred.gid = 0;
	b->rights = NULL;
	b->nseg = cap > len;
	b->segdone = 0;
	b->seg_end[0] = (unsigned short)len;
	ks_unix_charge(sender, truesize);
	return b;
}

struct ks_unix_buf *ks_unix_buf_alloc(struct ks_unix_sock *sender, unsigned len)
{
	return ks_unix_buf_alloc_cap(sender, len, len);
}

void ks_unix_buf_free_deferred(struct ks_unix_buf *b, struct ks_socket **list)
{
	struct ks_unix_sock *sender = b->sender;
	unsigned truesize = b->truesize;

	if (b->rights) { /* still in flight: it never reached a reader */
		ks_unix_inflight(b->rights, -1);
		ks_unix_rights_drop(b->rights, list);
	}
	if (b->embryo)
		ks_unix_defer_drop(&b->embryo->sk, list);
	ks_port_buf_free(b, b->size);
	ks_unix_uncharge(sender, truesize);
}

/* Frees b, which carries neither descriptors nor an embryo. */
static void buf_free_plain(struct ks_unix_buf *b)
{
	struct ks_unix_sock *sender = b->sender;
	unsigned truesize = b->truesize;

	ks_port_buf_free(b, b->size);
	ks_unix_uncharge(sender, truesize);
}

void ks_unix_buf_free(struct ks_unix_buf *b)
{
	if (!b->rights && !b->embryo) { /* nothing whose release could be deferred */
		buf_free_plain(b);
		return;
	}
	struct ks_socket *list = NULL;

	ks_unix_buf_free_deferred(b, &list);
	ks_unix_drain(&list);
}

void ks_unix_queue_purge(struct ks_unix_queue *q, struct ks_socket **list)
{
	struct ks_unix_buf *b = q->head, *next;

	for (; b; b = next) {
		next = b->next;
		if (!b->rights && !b->embryo)
			buf_free_plain(b);
		else
			ks_unix_buf_free_deferred(b, list);
	}
	q->head = q->tail = NULL;
	q->bytes = 0;
	q->len = 0;
}

bool ks_unix_writable(struct ks_unix_sock *u)
{
	/* Linux's unix_writable: a quarter of the send buffer in flight at most. */
	long wmem = ks_unix_wmem(u);
	return (wmem << 2) <= __atomic_load_n(&u->sk.sndbuf, __ATOMIC_RELAXED);
}

struct wmem_wait {
	struct ks_unix_sock *u;
	int err;
};

static bool wmem_ready(void *arg)
{
	struct wmem_wait *w = arg;
	struct ks_socket *s = &w->u->sk;

	w->err = ks_socket_take_error(s);
	if (w->err)
		return true;
	if (__atomic_load_n(&s->shutdown, __ATOMIC_ACQUIRE) & KS_SEND_SHUTDOWN) {
		w->err = -KS_EPIPE;
		return true;
	}
	return ks_unix_wmem(w->u) <
	       __atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED);
}

int ks_unix_wait_wmem_slow(struct ks_unix_sock *u, uint64_t *deadline)
{
	struct wmem_wait w = {u, 0};

	*deadline = ks_deadline_start(*deadline);
	ks_mutex_lock(&u->sk.lock);
	int err = ks_wait_block(&u->sk.tx_wait, &u->sk.lock, *deadline, wmem_ready, &w);
	ks_mutex_unlock(&u->sk.lock);
	if (err)
		return err;
	return w.err > 0 ? -w.err : w.err;
}

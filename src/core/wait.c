/*
 * wait.c - wait queues on per-task parkers, the blocking loop, and poll
 * registration. See wait.h for the protocol that loses no wakeup.
 *
 * Locking: q->lock is a leaf. ks_waitq_wake looks at q->nwait without it,
 * so that a wake with nobody waiting takes no lock: a waiter counts itself
 * in (an atomic read-modify-write) before it checks its condition, and a
 * waker publishes its change before its own read-modify-write of nwait.
 * The two operations on nwait are ordered one way or the other: either the
 * waker sees the waiter, or the waiter sees the change.
 */
#include "wait.h"

#include "socket.h"

void ks_waitq_init(struct ks_waitq *q)
{
	ks_mutex_init(&q->lock);
	q->head = NULL;
	q->nwait = 0;
}

void ks_waitq_destroy(struct ks_waitq *q)
{
	KS_ASSERT(q->head == NULL);
	ks_mutex_destroy(&q->lock);
}

void ks_waiter_init(struct ks_waiter *w)
{
	w->next = w->prev = NULL;
	w->func = NULL;
	w->oneshot = false;
	w->queued = 0;
	w->parker = ks_port_parker();
	ks_port_parker_reset(w->parker);
}

void ks_waiter_init_oneshot(struct ks_waiter *w)
{
	ks_waiter_init(w);
	w->oneshot = true;
}

/* Unlinks w; q->lock held. */
static void waitq_unlink_locked(struct ks_waitq *q, struct ks_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	__atomic_store_n(&w->queued, 0, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&q->nwait, 1, __ATOMIC_RELEASE);
}

void ks_waitq_add(struct ks_waitq *q, struct ks_waiter *w)
{
	ks_mutex_lock(&q->lock);
	w->prev = NULL;
	w->next = q->head;
	if (q->head)
		q->head->prev = w;
	q->head = w;
	__atomic_store_n(&w->queued, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&q->nwait, 1, __ATOMIC_ACQ_REL);
	ks_mutex_unlock(&q->lock);
}

void ks_waitq_del(struct ks_waitq *q, struct ks_waiter *w)
{
	/* A one-shot waiter the wake already took off needs no lock: the
	 * waker read everything it needed from w before clearing queued. */
	if (!__atomic_load_n(&w->queued, __ATOMIC_ACQUIRE))
		return;
	ks_mutex_lock(&q->lock);
	if (w->queued)
		waitq_unlink_locked(q, w);
	ks_mutex_unlock(&q->lock);
}

void ks_waitq_wake_ev(struct ks_waitq *q, unsigned events)
{
	if (__atomic_fetch_add(&q->nwait, 0, __ATOMIC_ACQ_REL) == 0)
		return;
	struct ks_parker *later[8];
	unsigned n = 0;

	ks_mutex_lock(&q->lock);
	for (struct ks_waiter *w = q->head, *next; w; w = next) {
		next = w->next;
		if (w->func) {
			w->func(w, events);
		} else if (w->oneshot && n < 8) {
			later[n++] = w->parker;
			waitq_unlink_locked(q, w); /* w may be gone from here on */
		} else {
			ks_port_unpark(w->parker);
		}
	}
	ks_mutex_unlock(&q->lock);
	/* A parker outlives its task's waits (the port's contract), so waking
	 * after the unlock is safe even if the waiter has returned already. */
	for (unsigned i = 0; i < n; i++)
		ks_port_unpark(later[i]);
}

void ks_waitq_wake(struct ks_waitq *q)
{
	ks_waitq_wake_ev(q, 0);
}

/* The rest of ks_wait_block (wait.h), which found ready(arg) false. */
int ks_wait_block_slow(struct ks_waitq *q, struct ks_mutex *lock, uint64_t deadline,
		       bool (*ready)(void *arg), void *arg)
{
	struct ks_waiter w;

	KS_ASSERT_HELD(lock);
	if (deadline == 0)
		return -KS_EAGAIN;
	deadline = ks_deadline_start(deadline); /* the same for every round below */
	for (;;) {
		/* Queue first, then look: a change after the look wakes us. */
		ks_waiter_init_oneshot(&w);
		ks_waitq_add(q, &w);
		if (ready(arg)) {
			ks_waitq_del(q, &w);
			return 0;
		}
		ks_mutex_unlock(lock);
		int err = ks_port_park(w.parker, deadline);
		ks_mutex_lock(lock);
		ks_waitq_del(q, &w);
		if (ready(arg))
			return 0;
		if (err)
			return err == -KS_ETIMEDOUT ? -KS_EAGAIN : err;
	}
}

void ks_poll_wait(struct ks_poll_table *pt, struct ks_socket *s, struct ks_waitq *q)
{
	if (!pt || pt->error)
		return;
	if (!pt->last)
		pt->last = &pt->first;
	if (pt->last->n == KS_POLL_CHUNK) {
		struct ks_poll_chunk *c = ks_port_alloc(sizeof(*c));
		if (!c) {
			pt->error = -KS_ENOMEM;
			return;
		}
		c->next = NULL;
		c->n = 0;
		pt->last->next = c;
		pt->last = c;
	}
	struct ks_poll_entry *ent = &pt->last->ent[pt->last->n++];
	ent->q = q;
	ent->owner = s;
	ent->ctx = pt->ctx;
	ks_socket_hold(s);
	ent->w.func = pt->func;
	ent->w.parker = pt->func ? NULL : ks_port_parker();
	ks_waitq_add(q, &ent->w);
}

void ks_poll_table_free(struct ks_poll_table *pt)
{
	struct ks_poll_chunk *c = &pt->first, *next;

	for (; c; c = next) {
		next = c->next;
		for (unsigned i = 0; i < c->n; i++) {
			ks_waitq_del(c->ent[i].q, &c->ent[i].w);
			ks_socket_put(c->ent[i].owner);
		}
		if (c != &pt->first)
			ks_port_free(c, sizeof(*c));
	}
	pt->first.n = 0;
	pt->first.next = NULL;
	pt->last = NULL;
}

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
	w->parker = ks_port_parker();
	ks_port_parker_reset(w->parker);
}

void ks_waitq_add(struct ks_waitq *q, struct ks_waiter *w)
{
	ks_mutex_lock(&q->lock);
	w->prev = NULL;
	w->next = q->head;
	if (q->head)
		q->head->prev = w;
	q->head = w;
	ks_mutex_unlock(&q->lock);
	__atomic_fetch_add(&q->nwait, 1, __ATOMIC_ACQ_REL);
}

void ks_waitq_del(struct ks_waitq *q, struct ks_waiter *w)
{
	ks_mutex_lock(&q->lock);
	if (w->prev)
		w->prev->next = w->next;
	else
		q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	ks_mutex_unlock(&q->lock);
	__atomic_fetch_sub(&q->nwait, 1, __ATOMIC_RELEASE);
}

void ks_waitq_wake_ev(struct ks_waitq *q, unsigned events)
{
	if (__atomic_fetch_add(&q->nwait, 0, __ATOMIC_ACQ_REL) == 0)
		return;
	ks_mutex_lock(&q->lock);
	for (struct ks_waiter *w = q->head; w; w = w->next) {
		if (w->func)
			w->func(w, events);
		else
			ks_port_unpark(w->parker);
	}
	ks_mutex_unlock(&q->lock);
}

void ks_waitq_wake(struct ks_waitq *q)
{
	ks_waitq_wake_ev(q, 0);
}

int ks_wait_block(struct ks_waitq *q, struct ks_mutex *lock, uint64_t deadline,
		  bool (*ready)(void *arg), void *arg)
{
	struct ks_waiter w;
	int err = 0;

	KS_ASSERT_HELD(lock);
	if (ready(arg))
		return 0;
	if (deadline == 0)
		return -KS_EAGAIN;
	ks_waiter_init(&w);
	ks_waitq_add(q, &w);
	while (!ready(arg)) {
		ks_mutex_unlock(lock);
		err = ks_port_park(w.parker, deadline);
		ks_port_parker_reset(w.parker);
		ks_mutex_lock(lock);
		if (err == 0)
			continue;
		if (ready(arg))
			err = 0;
		break;
	}
	ks_waitq_del(q, &w);
	if (err == -KS_ETIMEDOUT)
		return -KS_EAGAIN;
	return err;
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

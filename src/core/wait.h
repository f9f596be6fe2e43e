/*
 * wait.h - wait queues built on the port's per-task parkers, and the poll
 * table that lets one task wait on many queues.
 *
 * A waiter is on a queue while its task may sleep for that queue's event.
 * The protocol that loses no wakeup:
 *     ks_waiter_init(&w);              (resets the task's parker)
 *     ks_waitq_add(q, &w);
 *     check the condition under the socket lock; if it holds, stop;
 *     unlock; ks_port_park(...); relock and check again;
 *     ks_waitq_del(q, &w);
 * and a waker publishes its change (under the socket lock or with an
 * atomic), then calls ks_waitq_wake(q). Because the waiter was queued
 * before it looked, either it sees the change or the wake sets its latch.
 *
 * Interface: ks_waitq_init/destroy, ks_waiter_init, ks_waitq_add/del,
 * ks_waitq_wake (every waiter), ks_wait_block (the whole loop above, for the
 * common case), ks_poll_wait (for ops->poll).
 *
 * Locking: each queue has its own leaf mutex; nothing else is taken while it
 * is held except the port's unpark. Wakers may hold any socket lock.
 */
#ifndef KS_CORE_WAIT_H
#define KS_CORE_WAIT_H

#include <ksock/port.h>

/* A waiter either parks a task (parker) or gets a callback (func): the
 * readiness hook a kernel's epoll hangs on. func runs under the queue's
 * lock with the wake's event mask (0: any event); it must not sleep nor
 * take any ksock lock (docs/locking.md). */
struct ks_waiter {
	struct ks_waiter *next, *prev;
	struct ks_parker *parker;
	void (*func)(struct ks_waiter *w, unsigned events);
	bool oneshot; /* taken off the queue by the wake (ks_wait_block) */
	int queued;   /* atomic: on the queue */
};

struct ks_waitq {
	struct ks_mutex lock;
	struct ks_waiter *head; /* [lock] */
	int nwait;              /* waiters on the list; atomic, read by wakers */
};

void ks_waitq_init(struct ks_waitq *q);
void ks_waitq_destroy(struct ks_waitq *q);
void ks_waiter_init(struct ks_waiter *w);
/* A waiter that the first wake takes off the queue, and whose task is
 * unparked after the queue's lock is dropped (so the woken task does not
 * wait for the waker's lock): for one task waiting on one queue. */
void ks_waiter_init_oneshot(struct ks_waiter *w);
void ks_waitq_add(struct ks_waitq *q, struct ks_waiter *w);
void ks_waitq_del(struct ks_waitq *q, struct ks_waiter *w);
/* Wakes every waiter on q. Any context, any socket lock held. Waiters run
 * newest first (ks_waitq_add puts a waiter at the head): part of the
 * contract, as preload/epoll.c relies on it (its callback, added before the
 * epoll item's, runs after the item reached the ready list). */
void ks_waitq_wake(struct ks_waitq *q);
/* The same, telling callbacks which events happened (KS_POLL* bits), as
 * Linux's wake_up_poll keys; parked tasks wake whatever the events. */
void ks_waitq_wake_ev(struct ks_waitq *q, unsigned events);
/* Whether q has waiters, for a waker that made its change under the lock
 * with which q's waiters check their condition, and asks while it still
 * holds it. Every waiter counts itself in before it takes that lock for its
 * check (or while it holds it), so the lock orders the two: either this
 * sees the waiter, or the waiter's check sees the change. A plain load, no
 * fence: skip ks_waitq_wake_ev (whose own check is a read-modify-write) when
 * it returns false. */
static inline bool ks_waitq_active(struct ks_waitq *q)
{
	return __atomic_load_n(&q->nwait, __ATOMIC_RELAXED) != 0;
}

/* The keys Linux's sk_data_ready and sk_write_space wake with. */
#define KS_EV_IN (KS_POLLIN | KS_POLLPRI | KS_POLLRDNORM | KS_POLLRDBAND)
#define KS_EV_OUT (KS_POLLOUT | KS_POLLWRNORM | KS_POLLWRBAND)

/*
 * Blocks until ready(arg) returns true (checked with *lock held, which the
 * caller holds on entry and on return), the deadline passes (a timeout not
 * started yet, ks_socket_deadline's, starts here) or the task is
 * interrupted. Returns 0 when ready, -KS_EAGAIN on timeout (deadline 0
 * included: the nonblocking case), -KS_EINTR when interrupted. The lock is
 * dropped while sleeping, never held across a park.
 */
int ks_wait_block_slow(struct ks_waitq *q, struct ks_mutex *lock, uint64_t deadline,
		       bool (*ready)(void *arg), void *arg);
/* Inline, so that the common case (ready at once) calls nothing. */
static inline int ks_wait_block(struct ks_waitq *q, struct ks_mutex *lock, uint64_t deadline,
				bool (*ready)(void *arg), void *arg)
{
	if (ready(arg))
		return 0;
	return ks_wait_block_slow(q, lock, deadline, ready, arg);
}

/* ---- poll ---- */
struct ks_socket;
struct ks_poll_entry {
	struct ks_waiter w;
	struct ks_waitq *q;
	struct ks_socket *owner; /* holds a reference while registered */
	void *ctx;               /* the table's ctx, for callbacks */
};

#define KS_POLL_CHUNK 16
struct ks_poll_chunk {
	struct ks_poll_chunk *next;
	unsigned n;
	struct ks_poll_entry ent[KS_POLL_CHUNK];
};

/* Entries never move once linked into a queue: they live in chunks, the
 * first one inside the table (on the poller's stack). Zero it to start. */
struct ks_poll_table {
	unsigned events; /* what the caller asks for (ops may skip work) */
	int error;       /* -KS_ENOMEM if an entry could not be added */
	/* NULL: entries park the calling task (poll). Otherwise entries call
	 * func (epoll), and find their owner through entry->ctx. */
	void (*func)(struct ks_waiter *w, unsigned events);
	void *ctx;
	struct ks_poll_chunk *last;
	struct ks_poll_chunk first;
};

/* Registers the polling task on q, owned by s (s stays alive until
 * ks_poll_table_free). Safe with pt == NULL (no registration wanted). */
void ks_poll_wait(struct ks_poll_table *pt, struct ks_socket *s, struct ks_waitq *q);
void ks_poll_table_free(struct ks_poll_table *pt);

#endif

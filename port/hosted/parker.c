/*
 * parker.c (hosted) - the per-thread wake-up latch the core's wait queues
 * sleep on, over a Linux futex word, and the hosted interruption hook.
 *
 * State machine of p->state (KS_PARK_* in ksock_port_types.h):
 *   EMPTY --unpark--> SET            (no syscall: nobody sleeps)
 *   EMPTY --owner about to sleep--> SLEEPING --futex wait-->
 *   SLEEPING --unpark--> SET + FUTEX_WAKE
 *   SET/any --reset (owner)--> EMPTY
 * The owner re-checks the pending interruption and the deadline after it
 * moved to SLEEPING and before it waits, and the futex wait only sleeps while
 * the word is still SLEEPING, so no wake-up or interruption is lost. The
 * latch is published with release and read with acquire, which is also what
 * ThreadSanitizer needs to see the waker's writes ordered before the wake.
 *
 * Interruption: real host signals do not interrupt a park (a futex EINTR is
 * retried). ks_hosted_interrupt(thread) plays the role of a signal the task
 * must handle: it sets p->intr and kicks the futex; the thread's current or
 * next park returns -KS_EINTR (unless the latch is set, which wins and
 * leaves the interruption pending). ks_hosted_interrupt_self() is the same
 * from a signal handler on the parked thread itself: no lock, no
 * allocation, only atomics on the thread's own parker (found through
 * initial-exec TLS); the futex word leaves SLEEPING, so the wait returns
 * when the handler does, even if the kernel restarts it (SA_RESTART).
 * ks_hosted_interrupt_clear() drops a pending interruption.
 *
 * Interface: ks_port_parker/parker_reset/park/unpark (port.h),
 * ks_hosted_interrupt (hosted.h), ks_hosted_interrupt_self/clear (ksock.h).
 *
 * Locking: the state and intr words are atomic. The registry of parkers
 * (for ks_hosted_interrupt) has its own pthread mutex, taken when a thread
 * first uses its parker, when it exits, and by ks_hosted_interrupt; never
 * by unpark. A parker is allocated once and never freed: when its thread
 * exits it leaves the registry and goes on a free list for the next new
 * thread. So a waker may unpark a parker after the waiter has already
 * returned (the core wakes one-shot waiters after dropping the queue lock),
 * and the worst that does is one spurious wake-up of whoever owns it by
 * then, which every waiter tolerates.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hosted.h"

/* initial-exec: read by ks_hosted_interrupt_self in signal handlers, where
 * a __tls_get_addr call (the dynamic models, in a shared library) is not
 * promised to be async-signal-safe. */
static __thread struct ks_parker *parker_self __attribute__((tls_model("initial-exec")));

static pthread_mutex_t parker_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ks_parker *parker_reg_head;
static struct ks_parker *parker_free; /* parkers of exited threads */
static pthread_key_t parker_key;
static pthread_once_t parker_key_once = PTHREAD_ONCE_INIT;

static void parker_unregister(void *arg)
{
	struct ks_parker *p = arg;

	pthread_mutex_lock(&parker_reg_lock);
	if (p->reg_prev)
		p->reg_prev->reg_next = p->reg_next;
	else
		parker_reg_head = p->reg_next;
	if (p->reg_next)
		p->reg_next->reg_prev = p->reg_prev;
	p->thread = 0;
	p->reg_next = parker_free;
	parker_free = p;
	pthread_mutex_unlock(&parker_reg_lock);
	parker_self = NULL;
}

static void parker_key_create(void)
{
	if (pthread_key_create(&parker_key, parker_unregister) != 0)
		ks_port_panic(__FILE__, __LINE__, "pthread_key_create failed");
}

static struct ks_parker *parker_register(void)
{
	struct ks_parker *p;

	pthread_once(&parker_key_once, parker_key_create);
	pthread_mutex_lock(&parker_reg_lock);
	p = parker_free;
	if (p)
		parker_free = p->reg_next;
	pthread_mutex_unlock(&parker_reg_lock);
	if (!p && !(p = calloc(1, sizeof(*p))))
		ks_port_panic(__FILE__, __LINE__, "no memory for a parker");
	__atomic_store_n(&p->state, KS_PARK_EMPTY, __ATOMIC_RELEASE);
	__atomic_store_n(&p->intr, 0, __ATOMIC_RELEASE);
	p->thread = (unsigned long)pthread_self();
	p->reg_prev = NULL;
	pthread_mutex_lock(&parker_reg_lock);
	p->reg_next = parker_reg_head;
	if (parker_reg_head)
		parker_reg_head->reg_prev = p;
	parker_reg_head = p;
	pthread_mutex_unlock(&parker_reg_lock);
	if (pthread_setspecific(parker_key, p) != 0)
		ks_port_panic(__FILE__, __LINE__, "pthread_setspecific failed");
	return p;
}

struct ks_parker *ks_port_parker(void)
{
	if (!parker_self)
		parker_self = parker_register();
	return parker_self;
}

void ks_port_parker_reset(struct ks_parker *p)
{
	__atomic_store_n(&p->state, KS_PARK_EMPTY, __ATOMIC_RELEASE);
}

static void parker_futex_wake(struct ks_parker *p)
{
	syscall(SYS_futex, &p->state, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
}

/* ThreadSanitizer runs a signal handler only when the thread next enters
 * its runtime (an atomic, an intercepted call), so a handler that lands on
 * a thread asleep here would wait for the wake-up. A futex wait with a
 * deadline is never restarted by the kernel after a handler (it returns
 * EINTR, SA_RESTART or not): under TSan every wait gets one (KS_FOREVER: a
 * far one), so the loop's atomics let TSan run the handler at once. Plain
 * builds keep the untimed wait (no timer per sleep): a handler there runs
 * at once, and ks_hosted_interrupt_self moves the word off SLEEPING, which
 * ends even a restarted wait. */
#if defined(__SANITIZE_THREAD__)
#define PARKER_ALWAYS_DEADLINE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PARKER_ALWAYS_DEADLINE 1
#endif
#endif
#ifndef PARKER_ALWAYS_DEADLINE
#define PARKER_ALWAYS_DEADLINE 0
#endif

/* Sleeps while p->state is SLEEPING, until deadline (absolute monotonic). */
static void parker_futex_wait(struct ks_parker *p, uint64_t deadline)
{
	struct timespec ts = {INT32_MAX, 0}, *tp = NULL; /* far: 68 years of uptime */

	if (deadline != KS_FOREVER) {
		ts.tv_sec = (time_t)(deadline / 1000000000u);
		ts.tv_nsec = (long)(deadline % 1000000000u);
		tp = &ts;
	} else if (PARKER_ALWAYS_DEADLINE) {
		tp = &ts;
	}
	/* EAGAIN (the word changed), EINTR (a host signal) and ETIMEDOUT all
	 * send the caller round its loop, which decides. */
	syscall(SYS_futex, &p->state, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, KS_PARK_SLEEPING, tp,
		NULL, FUTEX_BITSET_MATCH_ANY);
}

/* Leaves park without the latch: drops the SLEEPING mark. If the latch got
 * set meanwhile, that wins (an interruption stays pending). */
static int parker_settle(struct ks_parker *p, int err)
{
	int s = KS_PARK_SLEEPING;

	__atomic_compare_exchange_n(&p->state, &s, KS_PARK_EMPTY, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != KS_PARK_SET)
		return err;
	if (err == -KS_EINTR)
		__atomic_store_n(&p->intr, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int ks_port_park(struct ks_parker *p, uint64_t deadline_ns)
{
	bool waited = false; /* the clock is read only once a wait returned */

	if (ks_hosted_locks_held() != 0)
		ks_port_panic(__FILE__, __LINE__, "ks_port_park with a ksock mutex held");
	for (;;) {
		int s = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
		if (s == KS_PARK_SET)
			return 0;
		if (__atomic_exchange_n(&p->intr, 0, __ATOMIC_SEQ_CST))
			return parker_settle(p, -KS_EINTR);
		/* A deadline already past makes the futex wait return at once
		 * (it is absolute), so the clock (67 ns a read on a VM) is not
		 * needed before the first wait, except for the deadline 0 of a
		 * caller that must not sleep at all. */
		if (deadline_ns != KS_FOREVER && (waited || deadline_ns == 0) &&
		    ks_port_now_ns() >= deadline_ns)
			return parker_settle(p, -KS_ETIMEDOUT);
		if (s == KS_PARK_EMPTY) {
			/* Mark, then go round once more to re-check intr and
			 * the deadline before sleeping. */
			__atomic_compare_exchange_n(&p->state, &s, KS_PARK_SLEEPING, false,
						    __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE);
			continue;
		}
		parker_futex_wait(p, deadline_ns);
		waited = true;
	}
}

/* The latch is set at once; the futex wake of a sleeper waits until the
 * caller holds no ksock mutex (mutex.c, hosted_defer_wake). */
void ks_port_unpark(struct ks_parker *p)
{
	if (__atomic_exchange_n(&p->state, KS_PARK_SET, __ATOMIC_ACQ_REL) == KS_PARK_SLEEPING &&
	    !hosted_defer_wake(&p->state))
		parker_futex_wake(p);
}

void ks_port_yield(void)
{
	sched_yield();
}

/* Marks p interrupted; a park asleep on it (or about to be: SLEEPING) is
 * moved off SLEEPING, so its futex wait returns even if the kernel
 * restarts it (a signal handler with SA_RESTART) and the loop sees intr.
 * Returns whether it was SLEEPING. Lock-free: async-signal-safe. */
static bool parker_interrupt(struct ks_parker *p)
{
	int s = KS_PARK_SLEEPING;

	__atomic_store_n(&p->intr, 1, __ATOMIC_SEQ_CST);
	return __atomic_compare_exchange_n(&p->state, &s, KS_PARK_EMPTY, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_RELAXED);
}

int ks_hosted_interrupt(pthread_t t)
{
	struct ks_parker *p;
	int err = -KS_ESRCH;

	pthread_mutex_lock(&parker_reg_lock);
	for (p = parker_reg_head; p; p = p->reg_next) {
		if (p->thread != (unsigned long)t)
			continue;
		if (parker_interrupt(p))
			parker_futex_wake(p);
		err = 0;
		break;
	}
	pthread_mutex_unlock(&parker_reg_lock);
	return err;
}

int ks_hosted_interrupt_self(void)
{
	struct ks_parker *p = parker_self;

	if (!p)
		return -KS_ESRCH;
	(void)parker_interrupt(p); /* the thread is here, not in the futex: no wake */
	return 0;
}

void ks_hosted_interrupt_clear(void)
{
	struct ks_parker *p = parker_self;

	if (p)
		__atomic_store_n(&p->intr, 0, __ATOMIC_SEQ_CST);
}

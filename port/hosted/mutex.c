/*
 * mutex.c (hosted) - ksock mutexes: a futex lock (the classic three-state
 * one: an uncontended lock and unlock are one atomic instruction each, no
 * call into libc) plus its owner, so that
 * recursive locking, unlocking by a non-owner and destroying a held mutex
 * panic instead of deadlocking or corrupting state, and so that
 * ks_mutex_held() can answer the core's lock assertions.
 *
 * Interface: ks_mutex_init/destroy/lock/unlock/held (port.h);
 * ks_hosted_locks_held() (ksock.h) counts the ksock mutexes the calling
 * thread holds, for tests and for ks_port_park's "no lock held" check.
 *
 * Wake-ups deferred while a lock is held (hosted_defer_wake): a thread
 * that unparks a sleeper while it holds ksock mutexes (a receive path
 * waking a reader from inside its locks) keeps the futex wake until it
 * releases its last one, as a kernel's spinlock holds preemption off until
 * it is released. Waking at once would let the woken thread, on the same
 * CPU, preempt the waker inside its critical section and then block on
 * the very locks it still holds: three context switches instead of one
 * (docs/performance.md, "TCP on loopback"). The latch itself is set at
 * once (parker.c): only the system call waits, and only until the last
 * unlock, or until the thread would block on a contended mutex.
 *
 * Locking: owner is written only by the holder (set after acquiring, cleared
 * before releasing) and read by anyone with relaxed atomics: a thread can
 * only ever see its own id in it while it really holds the mutex. The
 * deferred wakes are the thread's own (TLS).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hosted.h"

/* Number of ksock mutexes the calling thread holds. */
static __thread int mutex_held_count;
/* Its address is the thread's tag: unique among live threads, and free. */
static __thread char mutex_tag;

static unsigned long mutex_self(void)
{
	return (unsigned long)&mutex_tag;
}

/* Futex words to wake (all waiters) once the thread holds no ksock mutex. */
#define DEFER_MAX 16
static __thread int *defer_word[DEFER_MAX];
static __thread unsigned defer_n;

bool hosted_defer_wake(int *word)
{
	if (mutex_held_count == 0 || defer_n == DEFER_MAX)
		return false;
	for (unsigned i = 0; i < defer_n; i++)
		if (defer_word[i] == word)
			return true;
	defer_word[defer_n++] = word;
	return true;
}

/* Out of line: only after a wake was deferred. */
__attribute__((noinline)) static void defer_flush(void)
{
	while (defer_n) {
		int *w = defer_word[--defer_n];
		syscall(SYS_futex, w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
	}
}

void ks_mutex_init(struct ks_mutex *m)
{
	__atomic_store_n(&m->state, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->owner, 0UL, __ATOMIC_RELAXED);
}

void ks_mutex_destroy(struct ks_mutex *m)
{
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != 0 ||
	    __atomic_load_n(&m->state, __ATOMIC_RELAXED) != 0)
		ks_port_panic(__FILE__, __LINE__, "destroying a held mutex");
}

/* Out of line, so that the uncontended lock needs no stack frame. */
__attribute__((noinline, cold)) void hosted_mutex_lock_slow(struct ks_mutex *m)
{
	/* Never sleep on wake-ups kept back: the thread they are for might
	 * be the one that would release m. */
	if (defer_n)
		defer_flush();
	/* Mark contended; sleep while someone else holds it. */
	while (__atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE) != 0)
		syscall(SYS_futex, &m->state, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
}

void ks_mutex_lock(struct ks_mutex *m)
{
	unsigned long self = mutex_self();
	int free_ = 0;

	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == self)
		ks_port_panic(__FILE__, __LINE__, "recursive ks_mutex_lock");
	if (!__atomic_compare_exchange_n(&m->state, &free_, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		hosted_mutex_lock_slow(m);
	__atomic_store_n(&m->owner, self, __ATOMIC_RELAXED);
	mutex_held_count++;
}

__attribute__((noinline, cold)) void hosted_mutex_wake(struct ks_mutex *m)
{
	syscall(SYS_futex, &m->state, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
}

/* The kept wake-ups, once the thread holds no ksock mutex. */
__attribute__((noinline)) static void defer_flush_unlocked(void)
{
	if (mutex_held_count == 0)
		defer_flush();
}

/* A contended unlock: the waiter's wake, then the kept ones. */
__attribute__((noinline, cold)) static void unlock_wake(struct ks_mutex *m)
{
	hosted_mutex_wake(m);
	if (defer_n)
		defer_flush_unlocked();
}

void ks_mutex_unlock(struct ks_mutex *m)
{
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != mutex_self())
		ks_port_panic(__FILE__, __LINE__, "ks_mutex_unlock by a thread not holding it");
	__atomic_store_n(&m->owner, 0UL, __ATOMIC_RELAXED);
	mutex_held_count--;
	/* Both slow paths are tail calls: the fast path needs no frame. */
	if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2) {
		unlock_wake(m);
		return;
	}
	if (__builtin_expect(defer_n != 0, 0))
		defer_flush_unlocked();
}

bool ks_mutex_held(const struct ks_mutex *m)
{
	return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == mutex_self();
}

int ks_hosted_locks_held(void)
{
	return mutex_held_count;
}

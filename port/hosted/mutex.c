/*
 * mutex.c (hosted) - ksock mutexes: a pthread mutex plus its owner, so that
 * recursive locking, unlocking by a non-owner and destroying a held mutex
 * panic instead of deadlocking or corrupting state, and so that
 * ks_mutex_held() can answer the core's lock assertions.
 *
 * Interface: ks_mutex_init/destroy/lock/unlock/held (port.h);
 * ks_hosted_locks_held() (ksock.h) counts the ksock mutexes the calling
 * thread holds, for tests and for ks_port_park's "no lock held" check.
 *
 * Locking: owner is written only by the holder (set after acquiring, cleared
 * before releasing) and read by anyone with relaxed atomics: a thread can
 * only ever see its own id in it while it really holds the mutex.
 */
#include <errno.h>

#include "hosted.h"

/* Number of ksock mutexes the calling thread holds. */
static __thread int mutex_held_count;

static unsigned long mutex_self(void)
{
	return (unsigned long)pthread_self();
}

void ks_mutex_init(struct ks_mutex *m)
{
	if (pthread_mutex_init(&m->m, NULL) != 0)
		ks_port_panic(__FILE__, __LINE__, "pthread_mutex_init failed");
	__atomic_store_n(&m->owner, 0UL, __ATOMIC_RELAXED);
}

void ks_mutex_destroy(struct ks_mutex *m)
{
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != 0)
		ks_port_panic(__FILE__, __LINE__, "destroying a held mutex");
	if (pthread_mutex_destroy(&m->m) == EBUSY)
		ks_port_panic(__FILE__, __LINE__, "destroying a busy mutex");
}

void ks_mutex_lock(struct ks_mutex *m)
{
	unsigned long self = mutex_self();

	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == self)
		ks_port_panic(__FILE__, __LINE__, "recursive ks_mutex_lock");
	if (pthread_mutex_lock(&m->m) != 0)
		ks_port_panic(__FILE__, __LINE__, "pthread_mutex_lock failed");
	__atomic_store_n(&m->owner, self, __ATOMIC_RELAXED);
	mutex_held_count++;
}

void ks_mutex_unlock(struct ks_mutex *m)
{
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != mutex_self())
		ks_port_panic(__FILE__, __LINE__, "ks_mutex_unlock by a thread not holding it");
	__atomic_store_n(&m->owner, 0UL, __ATOMIC_RELAXED);
	mutex_held_count--;
	if (pthread_mutex_unlock(&m->m) != 0)
		ks_port_panic(__FILE__, __LINE__, "pthread_mutex_unlock failed");
}

bool ks_mutex_held(const struct ks_mutex *m)
{
	return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == mutex_self();
}

int ks_hosted_locks_held(void)
{
	return mutex_held_count;
}

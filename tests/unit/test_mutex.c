/*
 * test_mutex.c - hosted mutexes: held/owner tracking, the per-thread count
 * of held locks, mutual exclusion under contention. (The panics on misuse
 * are not tested: they abort.)
 *
 * Interface: ut_cases_mutex (ut.h). Locking: the cases' own mutexes.
 */
#include <pthread.h>

#include <ksock/ksock.h>
#include <ksock/port.h>

#include "ut.h"

static void mutex_held(struct ut_ctx *t)
{
	struct ks_mutex a, b;

	ks_mutex_init(&a);
	ks_mutex_init(&b);
	UT_TRUE(t, !ks_mutex_held(&a));
	ks_mutex_lock(&a);
	UT_TRUE(t, ks_mutex_held(&a));
	UT_TRUE(t, !ks_mutex_held(&b));
	ks_mutex_lock(&b);
	UT_EQ(t, ks_hosted_locks_held(), 2);
	ks_mutex_unlock(&a);
	UT_TRUE(t, !ks_mutex_held(&a));
	UT_EQ(t, ks_hosted_locks_held(), 1);
	ks_mutex_unlock(&b);
	UT_EQ(t, ks_hosted_locks_held(), 0);
	ks_mutex_destroy(&a);
	ks_mutex_destroy(&b);
}

struct mutex_arg {
	struct ks_mutex m;
	long counter;
	int held_elsewhere; /* did another thread see m as its own? */
};

static void *mutex_worker(void *arg)
{
	struct mutex_arg *a = arg;

	for (int i = 0; i < 20000; i++) {
		if (ks_mutex_held(&a->m))
			a->held_elsewhere = 1;
		ks_mutex_lock(&a->m);
		a->counter++;
		ks_mutex_unlock(&a->m);
	}
	return NULL;
}

static void mutex_contended(struct ut_ctx *t)
{
	struct mutex_arg a = { .counter = 0 };
	pthread_t th[4];

	ks_mutex_init(&a.m);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, mutex_worker, &a);
	ks_mutex_lock(&a.m);
	UT_CHECK_TRUE(t, ks_mutex_held(&a.m));
	ks_mutex_unlock(&a.m);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	UT_EQ(t, a.counter, 4 * 20000);
	UT_EQ(t, a.held_elsewhere, 0);
	ks_mutex_destroy(&a.m);
}

static void *mutex_probe(void *arg)
{
	return (void *)(long)ks_mutex_held(arg);
}

static void mutex_not_held_by_others(struct ut_ctx *t)
{
	struct ks_mutex m;
	pthread_t th;
	void *res;

	ks_mutex_init(&m);
	ks_mutex_lock(&m);
	pthread_create(&th, NULL, mutex_probe, &m);
	pthread_join(th, &res);
	ks_mutex_unlock(&m);
	ks_mutex_destroy(&m);
	UT_EQ(t, (long)res, 0);
}

const struct ut_case ut_cases_mutex[] = {
	{ "held", mutex_held },
	{ "contended", mutex_contended },
	{ "not_held_by_others", mutex_not_held_by_others },
	{ 0 },
};

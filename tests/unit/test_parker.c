/*
 * test_parker.c - the hosted parker: timeouts, a latch set before park,
 * cross-thread wake-ups (and a ping-pong that would hang on a lost one),
 * ks_hosted_interrupt, and ks_hosted_interrupt_self from signal handlers
 * (with and without SA_RESTART).
 *
 * Interface: ut_cases_parker (ut.h). Locking: parkers are lock-free; the
 * threads started here are joined before each case returns.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "hosted.h"
#include "ut.h"

#define MS 1000000ull

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void parker_timeout(struct ut_ctx *t)
{
	struct ks_parker *p = ks_port_parker();

	ks_port_parker_reset(p);
	uint64_t t0 = ks_port_now_ns();
	UT_EQ(t, ks_port_park(p, t0 + 20 * MS), -KS_ETIMEDOUT);
	uint64_t el = ks_port_now_ns() - t0;
	UT_TRUE(t, el >= 20 * MS);
	UT_TRUE(t, el < 1000 * MS);
	UT_EQ(t, ks_port_park(p, 0), -KS_ETIMEDOUT); /* past: at once */
	UT_EQ(t, ks_port_park(p, ks_port_now_ns()), -KS_ETIMEDOUT);
}

static void parker_set_before(struct ut_ctx *t)
{
	struct ks_parker *p = ks_port_parker();

	UT_TRUE(t, p == ks_port_parker());
	ks_port_parker_reset(p);
	ks_port_unpark(p);
	uint64_t t0 = ks_port_now_ns();
	UT_EQ(t, ks_port_park(p, KS_FOREVER), 0);
	UT_EQ(t, ks_port_park(p, KS_FOREVER), 0); /* stays set */
	UT_EQ(t, ks_port_park(p, 0), 0);          /* set wins over timeout */
	UT_TRUE(t, ks_port_now_ns() - t0 < 100 * MS);
	ks_port_parker_reset(p);
	UT_EQ(t, ks_port_park(p, ks_port_now_ns() + MS), -KS_ETIMEDOUT);
}

struct parker_arg {
	struct ks_parker *p; /* published by the sleeper; atomic */
	int result;
	uint64_t elapsed;
};

static void *parker_sleeper(void *arg)
{
	struct parker_arg *a = arg;
	struct ks_parker *p = ks_port_parker();

	ks_port_parker_reset(p);
	__atomic_store_n(&a->p, p, __ATOMIC_RELEASE);
	uint64_t t0 = ks_port_now_ns();
	a->result = ks_port_park(p, t0 + 5000 * MS);
	a->elapsed = ks_port_now_ns() - t0;
	return NULL;
}

/* Waits (bounded) until the sleeper published its parker. */
static struct ks_parker *parker_published(struct parker_arg *a)
{
	for (int i = 0; i < 5000; i++) {
		struct ks_parker *p = __atomic_load_n(&a->p, __ATOMIC_ACQUIRE);
		if (p)
			return p;
		sleep_ms(1);
	}
	return NULL;
}

static void parker_cross_thread(struct ut_ctx *t)
{
	struct parker_arg a = { 0 };
	pthread_t th;

	pthread_create(&th, NULL, parker_sleeper, &a);
	struct ks_parker *p = parker_published(&a);
	UT_CHECK_TRUE(t, p != NULL);
	sleep_ms(20); /* likely asleep by now; either way it must wake */
	if (p)
		ks_port_unpark(p);
	pthread_join(th, NULL);
	UT_EQ(t, a.result, 0);
	UT_TRUE(t, a.elapsed < 4000 * MS);
}

#define PING_ROUNDS 20000

struct ping_arg {
	struct ks_parker *peer[2]; /* atomic */
	int turn;                  /* whose turn: 0 or 1; atomic */
	int timeouts[2];
};

static void ping_side(struct ping_arg *a, int me)
{
	struct ks_parker *p = ks_port_parker();

	for (int i = 0; i < PING_ROUNDS; i++) {
		while (__atomic_load_n(&a->turn, __ATOMIC_ACQUIRE) != me) {
			if (ks_port_park(p, ks_port_now_ns() + 5000 * MS) != 0) {
				a->timeouts[me]++;
				return;
			}
			ks_port_parker_reset(p);
		}
		__atomic_store_n(&a->turn, !me, __ATOMIC_RELEASE);
		ks_port_unpark(__atomic_load_n(&a->peer[!me], __ATOMIC_ACQUIRE));
	}
}

static void *ping_thread(void *arg)
{
	struct ping_arg *a = arg;

	ks_port_parker_reset(ks_port_parker());
	__atomic_store_n(&a->peer[1], ks_port_parker(), __ATOMIC_RELEASE);
	ping_side(a, 1);
	return NULL;
}

static void parker_ping_pong(struct ut_ctx *t)
{
	struct ping_arg a = { .turn = 0 };
	pthread_t th;

	ks_port_parker_reset(ks_port_parker());
	a.peer[0] = ks_port_parker();
	pthread_create(&th, NULL, ping_thread, &a);
	while (!__atomic_load_n(&a.peer[1], __ATOMIC_ACQUIRE))
		sleep_ms(1);
	ping_side(&a, 0);
	pthread_join(th, NULL);
	UT_EQ(t, a.timeouts[0] + a.timeouts[1], 0);
}

static void parker_interrupt(struct ut_ctx *t)
{
	struct parker_arg a = { 0 };
	pthread_t th;

	pthread_create(&th, NULL, parker_sleeper, &a);
	UT_CHECK_TRUE(t, parker_published(&a) != NULL);
	sleep_ms(20);
	UT_CHECK_EQ(t, ks_hosted_interrupt(th), 0);
	pthread_join(th, NULL);
	UT_EQ(t, a.result, -KS_EINTR);
	UT_TRUE(t, a.elapsed < 4000 * MS);
}

static void parker_interrupt_pending(struct ut_ctx *t)
{
	struct ks_parker *p = ks_port_parker();

	ks_port_parker_reset(p);
	UT_EQ(t, ks_hosted_interrupt(pthread_self()), 0);
	UT_EQ(t, ks_port_park(p, KS_FOREVER), -KS_EINTR); /* pending: at once */
	UT_EQ(t, ks_port_park(p, 0), -KS_ETIMEDOUT);      /* consumed */
	UT_EQ(t, ks_hosted_interrupt(pthread_self()), 0);
	ks_port_unpark(p);
	UT_EQ(t, ks_port_park(p, KS_FOREVER), 0); /* the latch wins */
	ks_port_parker_reset(p);
	UT_EQ(t, ks_port_park(p, KS_FOREVER), -KS_EINTR); /* still pending */
}

static void *parker_idle(void *arg)
{
	return arg;
}

static void parker_interrupt_unknown(struct ut_ctx *t)
{
	pthread_t th;

	pthread_create(&th, NULL, parker_idle, NULL);
	pthread_join(th, NULL);
	UT_EQ(t, ks_hosted_interrupt(th), -KS_ESRCH);
}

/* ks_hosted_interrupt_self from a signal handler on the parked thread. */
static int self_ret = 1; /* atomic: what the handler's call returned */

static void on_usr1(int sig)
{
	int saved = errno;

	(void)sig;
	__atomic_store_n(&self_ret, ks_hosted_interrupt_self(), __ATOMIC_RELAXED);
	errno = saved;
}

struct self_arg {
	struct ks_parker *p; /* published by the sleeper; atomic */
	int result;
	int done; /* atomic */
};

static void *self_sleeper(void *arg)
{
	struct self_arg *a = arg;
	struct ks_parker *p = ks_port_parker();

	ks_port_parker_reset(p);
	__atomic_store_n(&a->p, p, __ATOMIC_RELEASE);
	a->result = ks_port_park(p, KS_FOREVER); /* untimed: SA_RESTART restarts the futex */
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A handler with sa_flags interrupts a park with no deadline. */
static void interrupt_self_in_handler(struct ut_ctx *t, int flags)
{
	struct sigaction sa, old;
	struct self_arg a = { 0 };
	pthread_t th;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, &old);
	__atomic_store_n(&self_ret, 1, __ATOMIC_RELAXED);
	pthread_create(&th, NULL, self_sleeper, &a);
	struct ks_parker *p = NULL;
	for (int i = 0; i < 5000 && !(p = __atomic_load_n(&a.p, __ATOMIC_ACQUIRE)); i++)
		sleep_ms(1);
	sleep_ms(20);
	pthread_kill(th, SIGUSR1);
	for (int i = 0; i < 2000 && !__atomic_load_n(&a.done, __ATOMIC_ACQUIRE); i++)
		sleep_ms(1);
	if (p && !__atomic_load_n(&a.done, __ATOMIC_ACQUIRE))
		ks_port_unpark(p); /* still asleep: end it, the check below fails */
	pthread_join(th, NULL);
	sigaction(SIGUSR1, &old, NULL);
	UT_EQ(t, __atomic_load_n(&self_ret, __ATOMIC_RELAXED), 0);
	UT_EQ(t, a.result, -KS_EINTR);
}

static void parker_interrupt_self(struct ut_ctx *t)
{
	interrupt_self_in_handler(t, 0);
}

static void parker_interrupt_self_restart(struct ut_ctx *t)
{
	interrupt_self_in_handler(t, SA_RESTART);
}

static void *self_fresh(void *arg)
{
	*(int *)arg = ks_hosted_interrupt_self();
	return NULL;
}

static void parker_interrupt_self_pending(struct ut_ctx *t)
{
	struct ks_parker *p = ks_port_parker();
	struct sigaction sa, old;
	pthread_t th;
	int fresh = 1;

	ks_port_parker_reset(p);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, &old);
	raise(SIGUSR1); /* the handler runs here, not parked */
	UT_CHECK_EQ(t, ks_port_park(p, KS_FOREVER), -KS_EINTR); /* pending: at once */
	raise(SIGUSR1);
	ks_hosted_interrupt_clear();
	UT_CHECK_EQ(t, ks_port_park(p, 0), -KS_ETIMEDOUT); /* cleared */
	sigaction(SIGUSR1, &old, NULL);
	pthread_create(&th, NULL, self_fresh, &fresh);
	pthread_join(th, NULL);
	UT_EQ(t, fresh, -KS_ESRCH); /* a thread that never parked */
}

const struct ut_case ut_cases_parker[] = {
	{ "timeout", parker_timeout },
	{ "set_before_park", parker_set_before },
	{ "cross_thread", parker_cross_thread },
	{ "ping_pong", parker_ping_pong },
	{ "interrupt", parker_interrupt },
	{ "interrupt_pending", parker_interrupt_pending },
	{ "interrupt_unknown", parker_interrupt_unknown },
	{ "interrupt_self", parker_interrupt_self },
	{ "interrupt_self_restart", parker_interrupt_self_restart },
	{ "interrupt_self_pending", parker_interrupt_self_pending },
	{ 0 },
};

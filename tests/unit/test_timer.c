/*
 * test_timer.c - hosted timers: firing at/after the deadline, order,
 * cancel before firing, re-arm, and cancel waiting for a running callback.
 *
 * Interface: ut_cases_timer (ut.h). Locking: callbacks publish through
 * atomics; every case cancels its timers before returning.
 */
#include <time.h>

#include <ksock/port.h>

#include "ut.h"

#define MS 1000000ull

struct timer_rec {
	int fired;      /* atomic */
	uint64_t at;    /* when it fired */
	int order;      /* 1-based firing order */
	int *seq;       /* shared sequence counter; atomic */
	int slow_ms;    /* the callback sleeps this long */
	int done;       /* atomic: callback finished */
};

static void timer_cb(void *arg)
{
	struct timer_rec *r = arg;

	r->at = ks_port_now_ns();
	if (r->seq)
		r->order = __atomic_add_fetch(r->seq, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->fired, 1, __ATOMIC_RELEASE);
	if (r->slow_ms) {
		struct timespec ts = { 0, (long)r->slow_ms * 1000000L };
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/* Waits until r->done or timeout_ms passed; returns r->done. */
static int timer_wait_done(struct timer_rec *r, int timeout_ms)
{
	struct timespec ts = { 0, 1000000L };

	for (int i = 0; i < timeout_ms; i++) {
		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
			return 1;
		nanosleep(&ts, NULL);
	}
	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

static void timer_fires(struct ut_ctx *t)
{
	struct timer_rec r = { 0 };
	struct ks_timer tm;

	ks_timer_init(&tm, timer_cb, &r);
	uint64_t dl = ks_port_now_ns() + 10 * MS;
	ks_timer_arm(&tm, dl);
	UT_CHECK_TRUE(t, timer_wait_done(&r, 5000));
	ks_timer_cancel(&tm);
	UT_TRUE(t, r.fired);
	UT_TRUE(t, r.at >= dl);
	UT_TRUE(t, r.at < dl + 2000 * MS);
}

static void timer_order(struct ut_ctx *t)
{
	struct timer_rec r[3] = { { 0 } };
	struct ks_timer tm[3];
	int seq = 0;
	uint64_t now = ks_port_now_ns();
	const int delay[3] = { 30, 10, 20 };

	for (int i = 0; i < 3; i++) {
		r[i].seq = &seq;
		ks_timer_init(&tm[i], timer_cb, &r[i]);
		ks_timer_arm(&tm[i], now + (uint64_t)delay[i] * MS);
	}
	UT_CHECK_TRUE(t, timer_wait_done(&r[0], 5000));
	for (int i = 0; i < 3; i++)
		ks_timer_cancel(&tm[i]);
	UT_EQ(t, r[1].order, 1);
	UT_EQ(t, r[2].order, 2);
	UT_EQ(t, r[0].order, 3);
}

static void timer_cancel_pending(struct ut_ctx *t)
{
	struct timer_rec r = { 0 }, later = { 0 };
	struct ks_timer tm, tl;

	ks_timer_init(&tm, timer_cb, &r);
	ks_timer_init(&tl, timer_cb, &later);
	ks_timer_arm(&tm, ks_port_now_ns() + 20 * MS);
	ks_timer_arm(&tl, ks_port_now_ns() + 60 * MS);
	ks_timer_cancel(&tm);
	ks_timer_cancel(&tm); /* idempotent */
	UT_CHECK_TRUE(t, timer_wait_done(&later, 5000));
	ks_timer_cancel(&tl);
	UT_EQ(t, r.fired, 0);
}

static void timer_rearm(struct ut_ctx *t)
{
	struct timer_rec r = { 0 };
	struct ks_timer tm;

	ks_timer_init(&tm, timer_cb, &r);
	ks_timer_arm(&tm, ks_port_now_ns() + 10000 * MS);
	uint64_t dl = ks_port_now_ns() + 15 * MS;
	ks_timer_arm(&tm, dl); /* moves it earlier */
	UT_CHECK_TRUE(t, timer_wait_done(&r, 5000));
	ks_timer_cancel(&tm);
	UT_TRUE(t, r.at >= dl);
	/* and once fired, it can be armed again */
	r.done = r.fired = 0;
	ks_timer_arm(&tm, ks_port_now_ns() + MS);
	UT_CHECK_TRUE(t, timer_wait_done(&r, 5000));
	ks_timer_cancel(&tm);
	UT_EQ(t, r.fired, 1);
}

static void timer_cancel_waits(struct ut_ctx *t)
{
	struct timer_rec r = { .slow_ms = 80 };
	struct ks_timer tm;
	struct timespec ts = { 0, 1000000L };

	ks_timer_init(&tm, timer_cb, &r);
	ks_timer_arm(&tm, ks_port_now_ns());
	for (int i = 0; i < 5000 && !__atomic_load_n(&r.fired, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	UT_TRUE(t, __atomic_load_n(&r.fired, __ATOMIC_ACQUIRE));
	ks_timer_cancel(&tm); /* the callback is sleeping: must wait */
	UT_EQ(t, __atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 1);
}

const struct ut_case ut_cases_timer[] = {
	{ "fires", timer_fires },
	{ "order", timer_order },
	{ "cancel_pending", timer_cancel_pending },
	{ "rearm", timer_rearm },
	{ "cancel_waits", timer_cancel_waits },
	{ 0 },
};

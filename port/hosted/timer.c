/*
 * timer.c (hosted) - one-shot timers run by one timer thread.
 *
 * Armed timers are kept in a binary min-heap ordered by deadline, then by
 * arming order (so equal deadlines run first-armed first): arming, moving
 * and cancelling cost O(log n) whatever else is armed (a host with
 * thousands of TCP TIME-WAITs has thousands of 60-second timers). The
 * thread is started on the first ks_timer_arm and sleeps on a condition
 * variable (CLOCK_MONOTONIC) until the earliest deadline; it never polls.
 * An arm signals it only when the new deadline is earlier than the one it
 * sleeps toward (a later one is found when it wakes), so re-arming the
 * timers of busy connections does not wake it. Due timers are taken off
 * the heap one at a time and their callback runs with the timer lock
 * dropped.
 *
 * Interface: ks_timer_init/arm/cancel (port.h). ks_timer_cancel waits for a
 * callback running on the timer thread; called from inside a callback (on
 * the timer thread itself) it does not wait.
 *
 * Locking: timer_lock guards every struct ks_timer's heap fields (deadline,
 * seq, slot), the heap, timer_sleep_until and timer_running (the timer
 * whose callback is running). Callbacks run without it; the timer thread
 * never touches a timer after its callback has started, so a callback may
 * free its own timer.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "hosted.h"

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond; /* an earlier deadline (CLOCK_MONOTONIC) */
/* A callback returned. */
static pthread_cond_t timer_done_cond = PTHREAD_COND_INITIALIZER;
static struct ks_timer **timer_heap; /* timer_heap[0] is the earliest */
static unsigned timer_n, timer_cap;
static uint64_t timer_seq;
/* What the thread sleeps toward: 0 awake, KS_FOREVER nothing armed. */
static uint64_t timer_sleep_until;
static const struct ks_timer *timer_running;
static __thread bool timer_on_thread; /* the calling thread is the timer thread */
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static bool timer_before(const struct ks_timer *a, const struct ks_timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_put(unsigned i, struct ks_timer *t)
{
	timer_heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(unsigned i)
{
	struct ks_timer *t = timer_heap[i];

	while (i > 0) {
		unsigned parent = (i - 1) / 2;
		if (!timer_before(t, timer_heap[parent]))
			break;
		heap_put(i, timer_heap[parent]);
		i = parent;
	}
	heap_put(i, t);
}

static void heap_down(unsigned i)
{
	struct ks_timer *t = timer_heap[i];

	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= timer_n)
			break;
		if (c + 1 < timer_n && timer_before(timer_heap[c + 1], timer_heap[c]))
			c++;
		if (!timer_before(timer_heap[c], t))
			break;
		heap_put(i, timer_heap[c]);
		i = c;
	}
	heap_put(i, t);
}

static void timer_unlink_locked(struct ks_timer *t)
{
	unsigned i = t->slot - 1;
	struct ks_timer *last = timer_heap[--timer_n];

	t->slot = 0;
	if (last == t)
		return;
	heap_put(i, last);
	if (i > 0 && timer_before(last, timer_heap[(i - 1) / 2]))
		heap_up(i);
	else
		heap_down(i);
}

static void timer_insert_locked(struct ks_timer *t)
{
	if (timer_n == timer_cap) {
		unsigned cap = timer_cap ? 2 * timer_cap : 64;
		struct ks_timer **h = realloc(timer_heap, cap * sizeof(*h));
		if (!h)
			ks_port_panic(__FILE__, __LINE__, "no memory for the timer heap");
		timer_heap = h;
		timer_cap = cap;
	}
	t->seq = timer_seq++;
	timer_heap[timer_n] = t;
	heap_up(timer_n++);
}

/* Waits for the earliest deadline or an earlier arm; returns a due timer,
 * unlinked, or NULL to look again. */
static struct ks_timer *timer_wait_due_locked(void)
{
	struct ks_timer *t = timer_n ? timer_heap[0] : NULL;

	if (!t || t->deadline == KS_FOREVER) {
		timer_sleep_until = KS_FOREVER;
		pthread_cond_wait(&timer_cond, &timer_lock);
		timer_sleep_until = 0;
		return NULL;
	}
	if (ks_port_now_ns() < t->deadline) {
		struct timespec ts = {
			.tv_sec = (time_t)(t->deadline / 1000000000u),
			.tv_nsec = (long)(t->deadline % 1000000000u),
		};
		timer_sleep_until = t->deadline;
		pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
		timer_sleep_until = 0;
		return NULL;
	}
	timer_unlink_locked(t);
	return t;
}

static void *timer_main(void *unused)
{
	(void)unused;
	timer_on_thread = true;
	pthread_mutex_lock(&timer_lock);
	for (;;) {
		struct ks_timer *t = timer_wait_due_locked();
		if (!t)
			continue;
		void (*fn)(void *) = t->fn;
		void *arg = t->arg;
		timer_running = t;
		pthread_mutex_unlock(&timer_lock);
		fn(arg);
		pthread_mutex_lock(&timer_lock);
		timer_running = NULL;
		pthread_cond_broadcast(&timer_done_cond);
	}
	return NULL;
}

/* Starts the timer thread with every signal blocked (signals meant for the
 * process must go to the program's own threads). */
static void timer_start(void)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	pthread_t thread;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_cond, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&thread, NULL, timer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		ks_port_panic(__FILE__, __LINE__, "cannot start the timer thread");
	pthread_detach(thread);
}

void ks_timer_init(struct ks_timer *t, void (*fn)(void *arg), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->deadline = 0;
	t->seq = 0;
	t->slot = 0;
}

void ks_timer_arm(struct ks_timer *t, uint64_t deadline_ns)
{
	pthread_once(&timer_once, timer_start);
	pthread_mutex_lock(&timer_lock);
	if (t->slot)
		timer_unlink_locked(t);
	t->deadline = deadline_ns;
	timer_insert_locked(t);
	/* An awake thread (0) looks at the heap before it sleeps again. */
	if (deadline_ns < timer_sleep_until)
		pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
}

void ks_timer_cancel(struct ks_timer *t)
{
	pthread_mutex_lock(&timer_lock);
	if (t->slot)
		timer_unlink_locked(t);
	while (timer_running == t && !timer_on_thread)
		pthread_cond_wait(&timer_done_cond, &timer_lock);
	pthread_mutex_unlock(&timer_lock);
}

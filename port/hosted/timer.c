/*
 * timer.c (hosted) - one-shot timers run by one timer thread.
 *
 * The thread is started on the first ks_timer_arm and sleeps on a condition
 * variable (CLOCK_MONOTONIC) until the earliest deadline or a change of the
 * list head; it never polls. Due timers are taken off the sorted list one at
 * a time and their callback runs with the timer lock dropped.
 *
 * Interface: ks_timer_init/arm/cancel (port.h). ks_timer_cancel waits for a
 * callback running on the timer thread; called from inside a callback (on
 * the timer thread itself) it does not wait.
 *
 * Locking: timer_lock guards every struct ks_timer's list fields, the list
 * and timer_running (the timer whose callback is running). Callbacks run
 * without it; the timer thread never touches a timer after its callback
 * has started, so a callback may free its own timer.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "hosted.h"

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond; /* list head changed (CLOCK_MONOTONIC) */
/* A callback returned. */
static pthread_cond_t timer_done_cond = PTHREAD_COND_INITIALIZER;
static struct ks_timer *timer_head;
static const struct ks_timer *timer_running;
static __thread bool timer_on_thread; /* the calling thread is the timer thread */
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static void timer_unlink_locked(struct ks_timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		timer_head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->armed = 0;
}

/* Inserts t in deadline order (after equal deadlines: FIFO). */
static void timer_insert_locked(struct ks_timer *t)
{
	struct ks_timer *prev = NULL, *cur = timer_head;

	while (cur && cur->deadline <= t->deadline) {
		prev = cur;
		cur = cur->next;
	}
	t->prev = prev;
	t->next = cur;
	if (prev)
		prev->next = t;
	else
		timer_head = t;
	if (cur)
		cur->prev = t;
	t->armed = 1;
}

/* Waits for the head's deadline or a change; returns a due timer, unlinked,
 * or NULL to look again. */
static struct ks_timer *timer_wait_due_locked(void)
{
	struct ks_timer *t = timer_head;

	if (!t || t->deadline == KS_FOREVER) {
		pthread_cond_wait(&timer_cond, &timer_lock);
		return NULL;
	}
	if (ks_port_now_ns() < t->deadline) {
		struct timespec ts = {
			.tv_sec = (time_t)(t->deadline / 1000000000u),
			.tv_nsec = (long)(t->deadline % 1000000000u),
		};
		pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
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
	t->armed = 0;
	t->next = t->prev = NULL;
}

void ks_timer_arm(struct ks_timer *t, uint64_t deadline_ns)
{
	pthread_once(&timer_once, timer_start);
	pthread_mutex_lock(&timer_lock);
	if (t->armed)
		timer_unlink_locked(t);
	t->deadline = deadline_ns;
	timer_insert_locked(t);
	if (timer_head == t)
		pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
}

void ks_timer_cancel(struct ks_timer *t)
{
	pthread_mutex_lock(&timer_lock);
	if (t->armed)
		timer_unlink_locked(t);
	while (timer_running == t && !timer_on_thread)
		pthread_cond_wait(&timer_done_cond, &timer_lock);
	pthread_mutex_unlock(&timer_lock);
}

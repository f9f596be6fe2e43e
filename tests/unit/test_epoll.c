/*
 * test_epoll.c - the hosted epoll's notify hook (ks_hosted_epoll_notify):
 * called for a socket's event, for EPOLL_CTL_ADD and MOD of a ready
 * socket, at registration when items are ready; never after removal or
 * close; and when it runs, epoll_wait finds the event (checked from
 * another thread, many times over).
 *
 * Interface: ut_cases_epoll (ut.h). Locking: the callback only touches
 * atomics and an eventfd; the thread started here is joined before the
 * case returns.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hosted.h"
#include "ut.h"

struct hook {
	int calls; /* atomic */
	int efd;   /* written by the callback when >= 0 */
};

static void hook_fn(void *arg)
{
	struct hook *h = arg;
	uint64_t one = 1;

	__atomic_add_fetch(&h->calls, 1, __ATOMIC_SEQ_CST);
	if (h->efd >= 0 && write(h->efd, &one, sizeof(one)) != sizeof(one))
		__atomic_add_fetch(&h->calls, 1000000, __ATOMIC_SEQ_CST); /* the check fails */
}

static int calls(struct hook *h)
{
	return __atomic_load_n(&h->calls, __ATOMIC_SEQ_CST);
}

/* An epoll set and a socket pair; sv[1] readable when sv[0] writes. */
static int setup(struct ut_ctx *t, int *ep, int sv[2])
{
	*ep = (int)ks_sys_epoll_create1(0);
	UT_CHECK_TRUE(t, *ep >= 0);
	UT_CHECK_EQ(t, ks_sys_socketpair(KS_AF_UNIX, KS_SOCK_STREAM, 0, sv), 0);
	return t->failed ? -1 : 0;
}

static void teardown(int ep, int sv[2])
{
	ks_sys_close(sv[0]);
	ks_sys_close(sv[1]);
	ks_sys_close(ep);
}

static void notify_event_and_ctl(struct ut_ctx *t)
{
	struct hook h = {0, -1};
	struct ks_epoll_event ev = {KS_EPOLLIN | KS_EPOLLONESHOT, 7}, out[2];
	int ep, sv[2];

	if (setup(t, &ep, sv))
		return;
	UT_EQ(t, ks_hosted_epoll_notify(ep, hook_fn, &h), 0);
	UT_EQ(t, ks_sys_epoll_ctl(ep, KS_EPOLL_CTL_ADD, sv[1], &ev), 0);
	UT_EQ(t, calls(&h), 0); /* nothing ready */
	UT_EQ(t, ks_sys_write(sv[0], "x", 1), 1);
	UT_TRUE(t, calls(&h) >= 1); /* the socket's event */
	UT_EQ(t, ks_sys_epoll_wait(ep, out, 2, 0), 1);
	UT_EQ(t, ks_sys_epoll_wait(ep, out, 2, 0), 0); /* one-shot: disabled */
	int before = calls(&h);
	UT_EQ(t, ks_sys_epoll_ctl(ep, KS_EPOLL_CTL_MOD, sv[1], &ev), 0);
	UT_TRUE(t, calls(&h) > before); /* re-armed while ready: no socket event */
	UT_EQ(t, ks_sys_epoll_wait(ep, out, 2, 0), 1);
	UT_EQ(t, ks_sys_epoll_ctl(ep, KS_EPOLL_CTL_DEL, sv[1], NULL), 0);
	before = calls(&h);
	ev.events = KS_EPOLLIN;
	UT_EQ(t, ks_sys_epoll_ctl(ep, KS_EPOLL_CTL_ADD, sv[1], &ev), 0);
	UT_TRUE(t, calls(&h) > before); /* added while ready */
	teardown(ep, sv);
}

static void notify_register_remove_close(struct ut_ctx *t)
{
	struct hook h = {0, -1}, h2 = {0, -1};
	struct ks_epoll_event ev = {KS_EPOLLIN, 1};
	int ep, sv[2];

	if (setup(t, &ep, sv))
		return;
	UT_EQ(t, ks_sys_write(sv[0], "x", 1), 1);
	UT_EQ(t, ks_sys_epoll_ctl(ep, KS_EPOLL_CTL_ADD, sv[1], &ev), 0);
	UT_EQ(t, ks_hosted_epoll_notify(ep, hook_fn, &h), 0);
	UT_EQ(t, calls(&h), 1); /* ready before the hook: called at once */
	UT_EQ(t, ks_hosted_epoll_notify(ep, hook_fn, &h2), 0); /* replaces */
	UT_EQ(t, ks_sys_write(sv[0], "x", 1), 1);
	UT_EQ(t, calls(&h), 1);
	UT_TRUE(t, calls(&h2) >= 2);
	UT_EQ(t, ks_hosted_epoll_notify(ep, NULL, NULL), 0); /* removes */
	int before = calls(&h2);
	UT_EQ(t, ks_sys_write(sv[0], "x", 1), 1);
	UT_EQ(t, calls(&h2), before);
	UT_EQ(t, ks_hosted_epoll_notify(ep, hook_fn, &h), 0);
	UT_EQ(t, ks_sys_close(ep), 0); /* closing drops the hook */
	before = calls(&h);
	UT_EQ(t, ks_sys_write(sv[0], "x", 1), 1);
	UT_EQ(t, calls(&h), before);
	UT_EQ(t, ks_hosted_epoll_notify(ep, hook_fn, &h), -KS_EBADF);
	UT_EQ(t, ks_hosted_epoll_notify(sv[0], hook_fn, &h), -KS_EINVAL);
	ks_sys_close(sv[0]);
	ks_sys_close(sv[1]);
}

/* The other side of the ordering check: for each round, once told to go,
 * waits for the callback's eventfd write, then looks without blocking; the
 * event must be there. */
struct looker {
	int ep, efd, rounds, missed;
	int go, done; /* atomic: rounds started (main), finished (looker) */
};

static void *looker_main(void *arg)
{
	struct looker *l = arg;
	struct ks_epoll_event out[1];
	struct pollfd p = {l->efd, POLLIN, 0};
	uint64_t v;

	for (int i = 0; i < l->rounds; i++) {
		while (__atomic_load_n(&l->go, __ATOMIC_ACQUIRE) <= i)
			sched_yield();
		if (poll(&p, 1, 5000) != 1 || read(l->efd, &v, sizeof(v)) != sizeof(v) ||
		    ks_sys_epoll_wait(l->ep, out, 1, 0) != 1)
			l->missed++;
		__atomic_store_n(&l->done, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void notify_then_event_is_there(struct ut_ctx *t)
{
	struct hook h = {0, -1};
	struct ks_epoll_event ev = {KS_EPOLLIN | KS_EPOLLET, 1};
	struct looker l = {.rounds = 2000};
	pthread_t th;
	uint64_t v;
	int ep, sv[2];
	char buf[256];

	if (setup(t, &ep, sv))
		return;
	h.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	UT_TRUE(t, h.efd >= 0);
	l.ep = ep;
	l.efd = h.efd;
	UT_EQ(t, ks_sys_epoll_ctl(ep, KS_EPOLL_CTL_ADD, sv[1], &ev), 0);
	UT_EQ(t, ks_hosted_epoll_notify(ep, hook_fn, &h), 0);
	UT_EQ(t, pthread_create(&th, NULL, looker_main, &l), 0);
	/* Edge-triggered: one report per write. Every callback of a round runs
	 * inside its write, so draining before the next round leaves none. */
	for (int i = 0; i < l.rounds; i++) {
		while (read(h.efd, &v, sizeof(v)) == sizeof(v))
			;
		__atomic_store_n(&l.go, i + 1, __ATOMIC_RELEASE);
		UT_CHECK_EQ(t, ks_sys_write(sv[0], "x", 1), 1);
		while (__atomic_load_n(&l.done, __ATOMIC_ACQUIRE) <= i)
			sched_yield();
		if (i % 128 == 127)
			(void)ks_sys_recvfrom(sv[1], buf, sizeof(buf), KS_MSG_DONTWAIT, NULL, NULL); /* room */
	}
	pthread_join(th, NULL);
	UT_CHECK_EQ(t, l.missed, 0);
	close(h.efd);
	teardown(ep, sv);
}

const struct ut_case ut_cases_epoll[] = {
	{"notify_event_and_ctl", notify_event_and_ctl},
	{"notify_register_remove_close", notify_register_remove_close},
	{"notify_then_event_is_there", notify_then_event_is_there},
	{0},
};

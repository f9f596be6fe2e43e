/*
 * epoll.c - the program's epoll sets when they watch ksock sockets.
 *
 * The program's epoll descriptor stays a real Linux epoll instance, which
 * watches its real descriptors. The first time a ksock socket is added,
 * the set gets a *bridge*: a ksock epoll instance (ks_sys_epoll_*) that
 * watches the ksock sockets with ksock's exact semantics (level, edge,
 * one-shot, exclusive), and an eventfd registered in the real instance.
 * The ksock instance's notify hook (ks_hosted_epoll_notify) writes the
 * eventfd each time an item reaches its ready list, so a thread asleep in
 * the real epoll_wait wakes up: for a socket's event, and for an
 * epoll_ctl (ADD, or MOD re-arming a one-shot item) of a socket that is
 * ready already, from another thread.
 *
 * epoll_wait on a bridged set: clear the eventfd, take what the ksock
 * instance has ready (without blocking), and if it has nothing sleep in
 * the real epoll_wait (the eventfd's own event is never reported), then
 * look again. The hook runs after the item is on the ready list, so an
 * event that comes after the look writes the eventfd and the next look
 * finds it: no wakeup is lost, nothing spins, and nothing depends on the
 * order in which a socket's wait queue runs its waiters.
 *
 * Level-triggered readiness of the epoll descriptor itself (for a program
 * that polls it or nests it in another set): after a look that found
 * ksock events the eventfd is set again, so the descriptor stays readable
 * until a look finds nothing, as Linux's stays readable while its ready
 * list is not empty.
 *
 * Interface: epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait, epoll_pwait2; ksr_epoll_* (ksr.h).
 *
 * Locking: ep_lock guards the descriptor-to-bridge map and the list of
 * bridges; then each bridge's mtx (serialises its epoll_ctl calls, taken
 * after ep_lock); the notify hook runs under ksock wait-queue locks and
 * takes neither.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ksr.h"

struct bridge {
	int refs;              /* atomic: map entries and epoll_waits */
	pthread_mutex_t mtx;
	int kep;               /* the ksock epoll instance (a ksock fd) */
	int efd;               /* our eventfd, in the real instance */
	int signaled;          /* atomic: efd written since the last look */
	struct bridge *next, *prev; /* all bridges [ep_lock] */
};

static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bridge **ep_map; /* [fd] the bridge of epoll fd fd */
static struct bridge *ep_all;  /* [ep_lock] */
static int ep_hi = -1;         /* [ep_lock] highest fd with a bridge */
static uint64_t ep_magic;      /* data of the eventfd's event */

static struct bridge *bridge_of(int fd)
{
	struct bridge **map = __atomic_load_n(&ep_map, __ATOMIC_ACQUIRE);

	if ((unsigned)fd >= KSR_MAXFD || !map)
		return NULL;
	return __atomic_load_n(&map[fd], __ATOMIC_ACQUIRE);
}

int ksr_epoll_bridged(int fd)
{
	return bridge_of(fd) != NULL;
}

void ksr_epoll_fork_lock(int lock)
{
	if (lock)
		pthread_mutex_lock(&ep_lock);
	else
		pthread_mutex_unlock(&ep_lock);
}

/* ---- the eventfd ---- */

static void bridge_signal(struct bridge *br)
{
	uint64_t v = 1;

	if (!__atomic_exchange_n(&br->signaled, 1, __ATOMIC_ACQ_REL))
		syscall(SYS_write, br->efd, &v, sizeof(v)); /* EAGAIN: already set */
}

static void bridge_clear(struct bridge *br)
{
	uint64_t v;

	__atomic_store_n(&br->signaled, 0, __ATOMIC_SEQ_CST);
	syscall(SYS_read, br->efd, &v, sizeof(v)); /* EAGAIN: nothing there */
}

/* The ksock instance's notify hook: an item is on its ready list. Runs
 * under ksock wait-queue locks: one atomic exchange, maybe a write. */
static void bridge_notify(void *arg)
{
	bridge_signal(arg);
}

/* ---- bridges ---- */

static void bridge_hold(struct bridge *br)
{
	__atomic_add_fetch(&br->refs, 1, __ATOMIC_RELAXED);
}

/* Frees a bridge nobody refers to (no longer on the list). */
static void bridge_destroy(struct bridge *br)
{
	(void)ks_hosted_epoll_notify(br->kep, NULL, NULL); /* ours: cannot fail */
	(void)ks_sys_close(br->kep); /* ours: nothing to report */
	ksr_internal_close(br->efd); /* which also takes it out of the real set */
	pthread_mutex_destroy(&br->mtx);
	free(br);
}

static void bridge_put(struct bridge *br)
{
	if (__atomic_sub_fetch(&br->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&ep_lock);
	if (br->prev)
		br->prev->next = br->next;
	else
		ep_all = br->next;
	if (br->next)
		br->next->prev = br->prev;
	pthread_mutex_unlock(&ep_lock);
	bridge_destroy(br);
}

/* Makes map[fd] = br (holding a reference), dropping what was there. */
static int map_set(int fd, struct bridge *br)
{
	struct bridge **map = __atomic_load_n(&ep_map, __ATOMIC_ACQUIRE);

	if (!map) {
		void *p = mmap(NULL, (size_t)KSR_MAXFD * sizeof(*map), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -ENOMEM;
		map = p;
		__atomic_store_n(&ep_map, map, __ATOMIC_RELEASE);
	}
	if (br)
		bridge_hold(br);
	struct bridge *old = __atomic_exchange_n(&map[fd], br, __ATOMIC_ACQ_REL);
	if (fd > ep_hi)
		ep_hi = fd;
	if (old) {
		pthread_mutex_unlock(&ep_lock);
		bridge_put(old);
		pthread_mutex_lock(&ep_lock);
	}
	return 0;
}

/* A new bridge for real epoll set epfd: its eventfd joins the set (which
 * also tells whether epfd is an epoll set: EBADF, EINVAL as Linux). */
static int bridge_new(int epfd, struct bridge **out)
{
	struct bridge *br = calloc(1, sizeof(*br));

	*out = NULL;
	int efd = REAL(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int err = efd < 0 ? -errno : 0;
	if (!br || err) {
		free(br);
		if (efd >= 0)
			REAL(close)(efd);
		return err ? err : -ENOMEM;
	}
	efd = ksr_internal_fd(efd);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ep_magic};
	if (efd < 0 || REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
		err = efd < 0 ? efd : -errno;
		if (efd >= 0)
			ksr_internal_close(efd);
		free(br);
		return err;
	}
	long kep = ks_sys_epoll_create1(KS_EPOLL_CLOEXEC);
	if (kep < 0) {
		ksr_internal_close(efd);
		free(br);
		return (int)kep;
	}
	br->refs = 0;
	br->efd = efd;
	br->kep = (int)kep;
	pthread_mutex_init(&br->mtx, NULL);
	(void)ks_hosted_epoll_notify(br->kep, bridge_notify, br); /* ours: cannot fail */
	*out = br;
	return 0;
}

/* The bridge of epfd, made if it has none; with a reference. */
static int bridge_get(int epfd, struct bridge **out)
{
	struct bridge *br;

	pthread_mutex_lock(&ep_lock);
	br = bridge_of(epfd);
	if (br) {
		bridge_hold(br);
		pthread_mutex_unlock(&ep_lock);
		*out = br;
		return 0;
	}
	if (!ep_magic)
		ep_magic = 0x6b736f636b000000ull ^ (uint64_t)ksr_now_ns(); /* "ksock" */
	int err = bridge_new(epfd, &br);
	if (!err)
		err = map_set(epfd, br); /* the map's reference */
	if (!err) {
		br->next = ep_all;
		if (ep_all)
			ep_all->prev = br;
		ep_all = br;
		bridge_hold(br); /* the caller's */
		*out = br;
	}
	pthread_mutex_unlock(&ep_lock);
	if (err && br)
		bridge_destroy(br);
	return err;
}

void ksr_epoll_close(int fd)
{
	pthread_mutex_lock(&ep_lock);
	if (bridge_of(fd))
		(void)map_set(fd, NULL); /* a map exists: cannot fail */
	pthread_mutex_unlock(&ep_lock);
}

void ksr_epoll_dup(int oldfd, int newfd)
{
	if (!bridge_of(oldfd) && !bridge_of(newfd))
		return;
	pthread_mutex_lock(&ep_lock);
	(void)map_set(newfd, bridge_of(oldfd)); /* a map exists: cannot fail */
	pthread_mutex_unlock(&ep_lock);
}

void ksr_epoll_forget_range(unsigned first, unsigned last)
{
	if (!__atomic_load_n(&ep_map, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ep_lock);
	for (unsigned fd = first; (int)fd <= ep_hi && fd <= last; fd++)
		if (ep_map[fd])
			(void)map_set((int)fd, NULL); /* cannot fail */
	pthread_mutex_unlock(&ep_lock);
}

/* ---- epoll_ctl ---- */

int ksr_epoll_ctl(int epfd, int op, int k, struct epoll_event *ev)
{
	struct bridge *br;

	if (ksr_ks(epfd) != KSR_NONE)
		return -EINVAL; /* a socket is not an epoll set */
	int err = bridge_get(epfd, &br);
	if (err)
		return err;
	pthread_mutex_lock(&br->mtx);
	err = (int)ks_sys_epoll_ctl(br->kep, op, k, (struct ks_epoll_event *)ev);
	pthread_mutex_unlock(&br->mtx);
	bridge_put(br);
	KSR_COUNT(calls);
	return err;
}

/* ---- epoll_wait ---- */

/* Removes the eventfd's event from ev[0..n); the count left. */
static int drop_ours(struct epoll_event *ev, int n, int *woken)
{
	int m = 0;

	for (int i = 0; i < n; i++) {
		if (ev[i].data.u64 == ep_magic) {
			*woken = 1;
			continue;
		}
		ev[m++] = ev[i];
	}
	return m;
}

static int bridge_wait(struct bridge *br, int epfd, struct epoll_event *ev, int max,
		       uint64_t deadline, const sigset_t *mask)
{
	for (;;) {
		int woken = 0;
		bridge_clear(br);
		long n = ks_sys_epoll_wait(br->kep, (struct ks_epoll_event *)ev, max, 0);
		KSR_COUNT(calls);
		if (n < 0)
			return (int)n;
		if (n > 0) {
			bridge_signal(br); /* more may be ready: the set stays readable */
			int m = n < max ? REAL(epoll_wait)(epfd, ev + n, max - (int)n, 0) : 0;
			return (int)n + (m > 0 ? drop_ours(ev + n, m, &woken) : 0);
		}
		int m = REAL(epoll_pwait)(epfd, ev, max, ksr_ms_left(deadline), mask);
		if (m < 0)
			return -errno;
		m = drop_ours(ev, m, &woken);
		if (m > 0 || !woken)
			return m; /* real events, or the time is up */
	}
}

int ksr_epoll_wait(int epfd, struct epoll_event *ev, int max, uint64_t deadline,
		   const sigset_t *mask)
{
	pthread_mutex_lock(&ep_lock);
	struct bridge *br = bridge_of(epfd);
	if (br)
		bridge_hold(br);
	pthread_mutex_unlock(&ep_lock);
	if (!br) { /* closed meanwhile: the real set alone */
		int r = REAL(epoll_pwait)(epfd, ev, max, ksr_ms_left(deadline), mask);
		return r < 0 ? -errno : r;
	}
	int r = max <= 0 ? -EINVAL : bridge_wait(br, epfd, ev, max, deadline, mask);
	bridge_put(br);
	return r;
}

/* ---- the libc functions ---- */

int epoll_create(int size)
{
	int fd = REAL(epoll_create)(size);
	if (fd >= 0)
		ksr_fresh(fd);
	return fd;
}

int epoll_create1(int flags)
{
	int fd = REAL(epoll_create1)(flags);
	if (fd >= 0)
		ksr_fresh(fd);
	return fd;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int k = ksr_ks(fd);

	if (k == KSR_NONE)
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	if (k == KSR_DEAD)
		return (int)ksr_fail(EBADF);
	return (int)ksr_ret(ksr_epoll_ctl(epfd, op, k, ev));
}

static uint64_t ms_deadline(int timeout)
{
	if (timeout < 0)
		return UINT64_MAX;
	return timeout ? ksr_now_ns() + (uint64_t)timeout * 1000000u : 0;
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (!ksr_epoll_bridged(epfd))
		return REAL(epoll_wait)(epfd, ev, max, timeout);
	return (int)ksr_ret(ksr_epoll_wait(epfd, ev, max, ms_deadline(timeout), NULL));
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	if (!ksr_epoll_bridged(epfd))
		return REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	return (int)ksr_ret(ksr_epoll_wait(epfd, ev, max, ms_deadline(timeout), mask));
}

int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *timeout,
		 const sigset_t *mask)
{
	if (!ksr_epoll_bridged(epfd))
		return REAL(epoll_pwait2)(epfd, ev, max, timeout, mask);
	return (int)ksr_ret(ksr_epoll_wait(epfd, ev, max, ksr_deadline(timeout), mask));
}

/*
 * wait.c - poll, ppoll, select and pselect over any mix of ksock sockets
 * and real descriptors, blocking in the host kernel without spinning.
 *
 * A set without ksock sockets goes to libc untouched. Otherwise, as
 * Linux's do_poll does with its wait queues: each ksock socket is asked
 * for its mask with a poll table whose entries are *callbacks* (the
 * core's readiness hook, docs/porting.md), so any wake on a queue that can
 * change a mask writes the calling thread's wakeup eventfd; the real
 * descriptors are asked with a zero-timeout poll. If nothing is ready the
 * thread sleeps in the host's ppoll on the real descriptors plus the
 * eventfd, then asks the ksock sockets again (without registering). A wake
 * that comes after a socket was asked finds the callback registered; one
 * that came before is in the mask the socket gave. No wakeup is lost and
 * nothing spins: the thread sleeps until the host or ksock has news.
 *
 * Because the sleep is the host's ppoll, a signal interrupts it (EINTR)
 * exactly as on Linux, and ppoll/pselect's signal mask applies.
 *
 * Interface: poll, ppoll, select, pselect and the fortified variants;
 * ksr_poll, ksr_ms_left, ksr_now_ns, ksr_deadline (ksr.h).
 *
 * Locking: the callback (wake_cb) runs under a ksock wait-queue lock and
 * only does an atomic exchange and an eventfd write. The eventfd is per
 * thread (made on first use, closed when the thread exits).
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/socket.h"
#include "ksr.h"

/* A thread's wakeup: its eventfd and whether a write is pending. */
struct waker {
	int efd;
	int fired; /* atomic: written since the sleeper last looked */
};

static pthread_key_t waker_key;
static pthread_once_t waker_once = PTHREAD_ONCE_INIT;
static __thread struct waker *waker_self;

static void waker_free(void *arg)
{
	struct waker *w = arg;

	ksr_internal_close(w->efd);
	free(w);
}

static void waker_key_make(void)
{
	if (pthread_key_create(&waker_key, waker_free))
		ksr_note("pthread_key_create failed: wakeup eventfds leak at thread exit");
}

static struct waker *waker_get(void)
{
	if (waker_self)
		return waker_self;
	pthread_once(&waker_once, waker_key_make);
	struct waker *w = malloc(sizeof(*w));
	int efd = REAL(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!w || efd < 0 || (efd = ksr_internal_fd(efd)) < 0) {
		if (efd >= 0)
			REAL(close)(efd);
		free(w);
		return NULL;
	}
	w->efd = efd;
	w->fired = 0;
	pthread_setspecific(waker_key, w);
	return waker_self = w;
}

/* A ksock wait queue woke: runs under its lock, must not block. */
static void wake_cb(struct ks_waiter *wt, unsigned events)
{
	struct ks_poll_entry *ent =
		(struct ks_poll_entry *)((char *)wt - offsetof(struct ks_poll_entry, w));
	struct waker *w = ent->ctx;
	uint64_t one = 1;

	(void)events;
	if (!__atomic_exchange_n(&w->fired, 1, __ATOMIC_ACQ_REL))
		syscall(SYS_write, w->efd, &one, sizeof(one)); /* EAGAIN: already set */
}

/* Clears the wakeup before the sleeper looks again. */
static void waker_drain(struct waker *w)
{
	uint64_t v;

	__atomic_store_n(&w->fired, 0, __ATOMIC_SEQ_CST);
	syscall(SYS_read, w->efd, &v, sizeof(v)); /* EAGAIN: nothing there */
}

/* ---- time ---- */

uint64_t ksr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ksr_deadline(const struct timespec *ts)
{
	if (!ts)
		return UINT64_MAX;
	if (!ts->tv_sec && !ts->tv_nsec)
		return 0;
	return ksr_now_ns() + (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

int ksr_ms_left(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return -1;
	uint64_t now = ksr_now_ns();
	if (now >= deadline)
		return 0;
	uint64_t ms = (deadline - now + 999999) / 1000000; /* round up, as Linux */
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static struct timespec *ts_left(uint64_t deadline, struct timespec *ts)
{
	if (deadline == UINT64_MAX)
		return NULL;
	uint64_t now = ksr_now_ns(), left = now >= deadline ? 0 : deadline - now;
	ts->tv_sec = (time_t)(left / 1000000000u);
	ts->tv_nsec = (long)(left % 1000000000u);
	return ts;
}

/* ---- poll over a mixed set ---- */

/* The pieces of one mixed poll: which entries are ksock's (with their
 * sockets), and the real entries (plus the eventfd at the end). */
struct mixed {
	struct pollfd *fds;
	nfds_t n;
	struct ks_socket **sock; /* [n] file references; NULL: not ksock's */
	unsigned char *dead;     /* [n] a ksock entry that is not open: NVAL */
	struct pollfd *real;     /* [nreal + 1] */
	nfds_t *real_idx;        /* [nreal] index into fds */
	nfds_t nreal;
	struct ks_poll_table pt;
};

/* Asks ksock entry i for its mask (registering with pt when reg). */
static short ks_mask(struct mixed *m, nfds_t i, int reg)
{
	unsigned filter = (unsigned short)m->fds[i].events | POLLERR | POLLHUP;

	if (m->dead[i])
		return POLLNVAL;
	m->pt.events = filter;
	return (short)(m->sock[i]->ops->poll(m->sock[i], reg ? &m->pt : NULL) & filter);
}

/* One look at everything: ksock masks, then the real descriptors; with
 * w, a sleep in ppoll on them and w's eventfd for up to wait (NULL:
 * forever), else just a look. Returns the ready count or -errno. */
static int mixed_scan(struct mixed *m, int reg, const struct timespec *wait,
		      const sigset_t *mask, struct waker *w)
{
	struct timespec zero = {0, 0};
	int ready = 0;

	for (nfds_t i = 0; i < m->n; i++) {
		if (!m->sock[i] && !m->dead[i])
			continue;
		m->fds[i].revents = ks_mask(m, i, reg);
		ready += m->fds[i].revents != 0;
	}
	KSR_COUNT(calls);
	nfds_t nr = m->nreal + (w ? 1 : 0);
	if (ready || !w)
		wait = &zero;
	if (nr == 0 && wait == &zero)
		return ready;
	int r = REAL(ppoll)(m->real, nr, wait, wait == &zero ? NULL : mask);
	if (r < 0)
		return -errno;
	for (nfds_t j = 0; j < m->nreal; j++) {
		m->fds[m->real_idx[j]].revents = m->real[j].revents;
		ready += m->real[j].revents != 0;
	}
	return ready;
}

static int mixed_loop(struct mixed *m, struct waker *w, uint64_t deadline,
		      const sigset_t *mask)
{
	struct timespec left;

	if (deadline)
		waker_drain(w); /* a stale wake from an earlier call */
	int ready = mixed_scan(m, deadline != 0, NULL, NULL, NULL);
	if (ready || !deadline)
		return ready;
	if (m->pt.error)
		return m->pt.error;
	m->real[m->nreal] = (struct pollfd){w->efd, POLLIN, 0};
	for (;;) {
		/* The sockets were asked after registering: sleep. */
		ready = mixed_scan(m, 0, ts_left(deadline, &left), mask, w);
		if (ready != 0)
			return ready; /* real ones ready, or EINTR from a signal */
		/* Woken: the real part is fresh; ask the sockets again. */
		waker_drain(w);
		ready = mixed_scan(m, 0, NULL, NULL, NULL);
		if (ready || (deadline != UINT64_MAX && ksr_now_ns() >= deadline))
			return ready;
	}
}

/* Splits fds into ksock and real entries and runs the loop. */
static int mixed_poll(struct pollfd *fds, nfds_t n, uint64_t deadline, const sigset_t *mask)
{
	struct mixed m = {.fds = fds, .n = n};
	struct waker *w = waker_get();
	int ret = -ENOMEM;

	m.sock = calloc(n + 1, sizeof(*m.sock));
	m.dead = calloc(n + 1, 1);
	m.real = malloc((n + 1) * sizeof(*m.real));
	m.real_idx = malloc((n + 1) * sizeof(*m.real_idx));
	if (!w || !m.sock || !m.dead || !m.real || !m.real_idx)
		goto out;
	for (nfds_t i = 0; i < n; i++) {
		int k = fds[i].fd < 0 ? KSR_NONE : ksr_ks(fds[i].fd);
		fds[i].revents = 0;
		if (k == KSR_NONE) {
			m.real_idx[m.nreal] = i;
			m.real[m.nreal++] = fds[i];
		} else if (k == KSR_DEAD || ks_port_fd_get(k, &m.sock[i]) < 0) {
			m.sock[i] = NULL;
			m.dead[i] = 1;
		}
	}
	m.pt.func = wake_cb;
	m.pt.ctx = w;
	ret = mixed_loop(&m, w, deadline, mask);
	ks_poll_table_free(&m.pt);
	for (nfds_t i = 0; i < n; i++)
		if (m.sock[i])
			ks_socket_file_put(m.sock[i]);
out:
	free(m.sock);
	free(m.dead);
	free(m.real);
	free(m.real_idx);
	return ret;
}

/* Whether any entry is a ksock socket (or a dead one). */
static int has_ks(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (ksr_ks(fds[i].fd) != KSR_NONE)
			return 1;
	return 0;
}

int ksr_poll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	int r = mixed_poll(fds, n, ksr_deadline(timeout), mask);
	return (int)ksr_ret(r);
}

/* glibc before 2.37 declares poll's and ppoll's fds write-only
 * (__attr_access write_only), so GCC, at -O1 with the sanitizers, warns
 * that reading the caller's array reads uninitialised memory. It is read
 * and written, as the kernel does. */
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!has_ks(fds, n))
		return REAL(poll)(fds, n, timeout);
	struct timespec ts = {timeout / 1000, (timeout % 1000) * 1000000L};
	return ksr_poll(fds, n, timeout < 0 ? NULL : &ts, NULL);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	if (!has_ks(fds, n))
		return REAL(ppoll)(fds, n, timeout, mask);
	if (timeout && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
			timeout->tv_nsec >= 1000000000))
		return (int)ksr_fail(EINVAL);
	return ksr_poll(fds, n, timeout, mask);
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		const sigset_t *mask, size_t fdslen);
void __chk_fail(void) __attribute__((noreturn));

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, timeout);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, timeout, mask);
}

/* ---- select as poll ---- */

/* Linux's select masks (fs/select.c). */
#define SEL_IN (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SEL_OUT (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SEL_EX (POLLPRI)

static int sel_has_ks(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) &&
		    ksr_ks(fd) != KSR_NONE)
			return 1;
	return 0;
}

/* The sets as pollfds; returns the count. */
static nfds_t sel_to_poll(int nfds, fd_set *r, fd_set *w, fd_set *e, struct pollfd *p)
{
	nfds_t n = 0;

	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;
		if (r && FD_ISSET(fd, r))
			ev |= POLLIN | POLLRDNORM | POLLRDBAND;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev)
			p[n++] = (struct pollfd){fd, ev, 0};
	}
	return n;
}

/* The poll results back into the sets; the count, or -1/EBADF. */
static int poll_to_sel(const struct pollfd *p, nfds_t n, fd_set *r, fd_set *w, fd_set *e)
{
	int count = 0;

	for (nfds_t i = 0; i < n; i++)
		if (p[i].revents & POLLNVAL)
			return (int)ksr_fail(EBADF);
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (nfds_t i = 0; i < n; i++) {
		short ev = p[i].events, re = p[i].revents;
		if ((ev & POLLIN) && (re & SEL_IN) && ++count)
			FD_SET(p[i].fd, r);
		if ((ev & POLLOUT) && (re & SEL_OUT) && ++count)
			FD_SET(p[i].fd, w);
		if ((ev & POLLPRI) && (re & SEL_EX) && ++count)
			FD_SET(p[i].fd, e);
	}
	return count;
}

static int ksr_select(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		      const sigset_t *mask)
{
	struct pollfd p[FD_SETSIZE];

	if (nfds < 0 || nfds > FD_SETSIZE)
		return (int)ksr_fail(EINVAL);
	nfds_t n = sel_to_poll(nfds, r, w, e, p);
	int ready = ksr_poll(p, n, ts, mask);
	if (ready < 0)
		return ready;
	return poll_to_sel(p, n, r, w, e);
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	if (!sel_has_ks(nfds, r, w, e))
		return REAL(select)(nfds, r, w, e, tv);
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0))
		return (int)ksr_fail(EINVAL);
	struct timespec ts, *tsp = NULL;
	if (tv) {
		ts.tv_sec = tv->tv_sec + tv->tv_usec / 1000000;
		ts.tv_nsec = (tv->tv_usec % 1000000) * 1000;
		tsp = &ts;
	}
	uint64_t deadline = ksr_deadline(tsp);
	int ret = ksr_select(nfds, r, w, e, tsp, NULL);
	if (tv) { /* Linux writes back the time left */
		struct timespec left = {0, 0};
		ts_left(deadline ? deadline : ksr_now_ns(), &left);
		tv->tv_sec = left.tv_sec;
		tv->tv_usec = left.tv_nsec / 1000;
	}
	return ret;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
	    const sigset_t *mask)
{
	if (!sel_has_ks(nfds, r, w, e))
		return REAL(pselect)(nfds, r, w, e, ts, mask);
	if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000))
		return (int)ksr_fail(EINVAL);
	return ksr_select(nfds, r, w, e, ts, mask);
}

/*
 * epoll.c (hosted) - epoll_create1/ctl/wait over ksock sockets, built on the
 * core's readiness callbacks: what a kernel does to hang its own epoll on
 * ksock (docs/porting.md).
 *
 * Each registered socket is an item. At EPOLL_CTL_ADD the item asks the
 * socket's poll operation with a callback poll table, which hangs a
 * callback waiter on every wait queue that can change the socket's mask.
 * A wake whose event key matches the item's events (or carries no key)
 * puts the item on the ready list and wakes epoll_wait. epoll_wait takes the
 * ready list, asks each socket for its mask now, reports those with events,
 * and puts level-triggered items back; edge-triggered ones wait for the
 * next wake, one-shot ones are disabled until EPOLL_CTL_MOD. This is
 * Linux's model, so an edge-triggered item reports once per new event (each
 * new write to the peer is an EPOLLIN edge) and never without one.
 *
 * An item whose socket has been closed (its last descriptor gone) is
 * dropped when next seen, without a report, as Linux removes it on close.
 *
 * Not supported: epoll sets inside epoll sets (EPERM), EPOLLEXCLUSIVE and
 * EPOLLWAKEUP (accepted, no effect), polling host files (EPERM, as Linux
 * for files that cannot be polled).
 *
 * Locking, in order: ep->mtx (serialises ctl and the scan of epoll_wait;
 * taken before any socket lock), then socket locks and wait-queue locks
 * (callbacks run under the latter), then ep->lock (the ready list and the
 * items' events/disabled/on_ready fields: what callbacks touch), then
 * ep->wq's lock. No lock is held while epoll_wait sleeps.
 */
#include <errno.h>
#include <stddef.h>

#include "core/socket.h"
#include "hosted.h"

struct ep_item {
	struct hosted_epoll *ep;
	struct ep_item *next;          /* items [mtx] */
	struct ep_item *rnext, *rprev; /* ready list [lock] */
	bool on_ready, disabled;       /* [lock] */
	unsigned events;               /* [lock] */
	unsigned long long data;       /* [mtx] */
	int fd;
	struct ks_socket *sock; /* an object reference */
	struct ks_poll_table pt;
};

struct hosted_epoll {
	int refs; /* atomic */
	struct ks_mutex mtx;
	struct ks_mutex lock;
	struct ep_item *items;
	struct ep_item *ready;
	struct ks_waitq wq;
};

#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct ks_epoll_event))

void hosted_epoll_hold(struct hosted_epoll *ep)
{
	__atomic_add_fetch(&ep->refs, 1, __ATOMIC_RELAXED);
}

/* Ready-list helpers: ep->lock held. */
static void ready_add_locked(struct hosted_epoll *ep, struct ep_item *it)
{
	if (it->on_ready)
		return;
	it->on_ready = true;
	it->rprev = NULL;
	it->rnext = ep->ready;
	if (ep->ready)
		ep->ready->rprev = it;
	ep->ready = it;
}

static void ready_del_locked(struct hosted_epoll *ep, struct ep_item *it)
{
	if (!it->on_ready)
		return;
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->ready = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	it->on_ready = false;
}

/* The readiness callback: under a socket wait queue's lock. */
static void ep_wake(struct ks_waiter *w, unsigned events)
{
	struct ks_poll_entry *ent = (struct ks_poll_entry *)((char *)w - offsetof(struct ks_poll_entry, w));
	struct ep_item *it = ent->ctx;
	struct hosted_epoll *ep = it->ep;

	ks_mutex_lock(&ep->lock);
	bool add = !it->disabled && (!events || (events & it->events));
	if (add)
		ready_add_locked(ep, it);
	ks_mutex_unlock(&ep->lock);
	if (add)
		ks_waitq_wake(&ep->wq);
}

/* Unhooks and frees an item already off the items list. mtx held. */
static void item_free(struct hosted_epoll *ep, struct ep_item *it)
{
	ks_poll_table_free(&it->pt); /* after this no callback can run for it */
	ks_mutex_lock(&ep->lock);
	ready_del_locked(ep, it);
	ks_mutex_unlock(&ep->lock);
	ks_socket_put(it->sock);
	ks_port_free(it, sizeof(*it));
}

void hosted_epoll_put(struct hosted_epoll *ep)
{
	if (__atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL))
		return;
	ks_mutex_lock(&ep->mtx);
	while (ep->items) {
		struct ep_item *it = ep->items;
		ep->items = it->next;
		item_free(ep, it);
	}
	ks_mutex_unlock(&ep->mtx);
	ks_waitq_destroy(&ep->wq);
	ks_mutex_destroy(&ep->lock);
	ks_mutex_destroy(&ep->mtx);
	ks_port_free(ep, sizeof(*ep));
}

long ks_sys_epoll_create1(int flags)
{
	if (flags & ~KS_EPOLL_CLOEXEC)
		return -KS_EINVAL;
	struct hosted_epoll *ep = ks_port_alloc(sizeof(*ep));
	if (!ep)
		return -KS_ENOMEM;
	ep->refs = 1;
	ks_mutex_init(&ep->mtx);
	ks_mutex_init(&ep->lock);
	ep->items = NULL;
	ep->ready = NULL;
	ks_waitq_init(&ep->wq);
	int fd = hosted_fd_install_epoll(ep, flags & KS_EPOLL_CLOEXEC);
	if (fd < 0)
		hosted_epoll_put(ep);
	return fd;
}

static struct ep_item *item_find(struct hosted_epoll *ep, int fd, struct ks_socket *s)
{
	for (struct ep_item *it = ep->items; it; it = it->next)
		if (it->fd == fd && it->sock == s)
			return it;
	return NULL;
}

/* Asks the socket for its mask now and queues the item if it has events. */
static void item_check(struct hosted_epoll *ep, struct ep_item *it, struct ks_poll_table *pt)
{
	unsigned mask = it->sock->ops->poll(it->sock, pt);

	ks_mutex_lock(&ep->lock);
	bool add = (mask & it->events) && !it->disabled;
	if (add)
		ready_add_locked(ep, it);
	ks_mutex_unlock(&ep->lock);
	if (add)
		ks_waitq_wake(&ep->wq);
}

static long ctl_add(struct hosted_epoll *ep, int fd, struct ks_socket *s,
		    const struct ks_epoll_event *ev)
{
	if (item_find(ep, fd, s))
		return -KS_EEXIST;
	struct ep_item *it = ks_port_alloc(sizeof(*it));
	if (!it)
		return -KS_ENOMEM;
	__builtin_memset(it, 0, sizeof(*it));
	it->ep = ep;
	it->fd = fd;
	it->sock = s;
	ks_socket_hold(s);
	it->events = ev->events | KS_EPOLLERR | KS_EPOLLHUP;
	it->data = ev->data;
	it->pt.func = ep_wake;
	it->pt.ctx = it;
	it->pt.events = 0xffffffffu;
	it->next = ep->items;
	ep->items = it;
	item_check(ep, it, &it->pt);
	if (it->pt.error) {
		ep->items = it->next;
		item_free(ep, it);
		return -KS_ENOMEM;
	}
	return 0;
}

static long ctl_mod_del(struct hosted_epoll *ep, int op, int fd, struct ks_socket *s,
			const struct ks_epoll_event *ev)
{
	struct ep_item **pp = &ep->items;

	while (*pp && !((*pp)->fd == fd && (*pp)->sock == s))
		pp = &(*pp)->next;
	struct ep_item *it = *pp;
	if (!it)
		return -KS_ENOENT;
	if (op == KS_EPOLL_CTL_DEL) {
		*pp = it->next;
		item_free(ep, it);
		return 0;
	}
	ks_mutex_lock(&ep->lock);
	it->events = ev->events | KS_EPOLLERR | KS_EPOLLHUP;
	it->disabled = false;
	ks_mutex_unlock(&ep->lock);
	it->data = ev->data;
	item_check(ep, it, NULL);
	return 0;
}

long ks_sys_epoll_ctl(int epfd, int op, int fd, struct ks_epoll_event *uev)
{
	struct ks_epoll_event ev = {0, 0};
	struct hosted_epoll *ep = NULL, *target_ep;
	struct ks_socket *s = NULL;

	/* Linux's order: the event, epfd open, fd open and pollable, then
	 * whether epfd is an epoll set other than fd. */
	if (op != KS_EPOLL_CTL_DEL && ks_port_copy_from_user(&ev, uev, sizeof(ev)))
		return -KS_EFAULT;
	long ep_err = hosted_fd_get_epoll(epfd, &ep);
	if (ep_err == -KS_EBADF)
		return ep_err;
	long err = hosted_fd_get_pollable(fd, &s, &target_ep);
	if (!err && ep_err)
		err = ep_err;
	else if (!err && target_ep)
		err = target_ep == ep ? -KS_EINVAL : -KS_EPERM; /* no nested epoll sets */
	if (!err) {
		ks_mutex_lock(&ep->mtx);
		if (op == KS_EPOLL_CTL_ADD)
			err = ctl_add(ep, fd, s, &ev);
		else if (op == KS_EPOLL_CTL_DEL || op == KS_EPOLL_CTL_MOD)
			err = ctl_mod_del(ep, op, fd, s, &ev);
		else
			err = -KS_EINVAL;
		ks_mutex_unlock(&ep->mtx);
	}
	if (s)
		ks_socket_file_put(s);
	if (ep)
		hosted_epoll_put(ep);
	return err;
}

/* ---- epoll_wait ---- */

/* Reports one item taken off the ready list; 1 if reported, 0 if not,
 * -EFAULT. mtx held. */
static int scan_one(struct hosted_epoll *ep, struct ep_item *it, struct ks_epoll_event *uev)
{
	if (__atomic_load_n(&it->sock->state, __ATOMIC_ACQUIRE) == KS_SS_CLOSED)
		return 2; /* closed: the caller drops it */
	unsigned mask = it->sock->ops->poll(it->sock, NULL);
	ks_mutex_lock(&ep->lock);
	unsigned events = it->events;
	mask &= events;
	bool report = mask && !it->disabled;
	ks_mutex_unlock(&ep->lock);
	if (!report)
		return 0;
	struct ks_epoll_event ev = {mask, it->data};
	if (ks_port_copy_to_user(uev, &ev, sizeof(ev)))
		return -KS_EFAULT;
	ks_mutex_lock(&ep->lock);
	if (events & KS_EPOLLONESHOT)
		it->disabled = true;
	else if (!(events & KS_EPOLLET))
		ready_add_locked(ep, it); /* level-triggered: ask again next time */
	ks_mutex_unlock(&ep->lock);
	return 1;
}

static void item_drop(struct hosted_epoll *ep, struct ep_item *it)
{
	struct ep_item **pp = &ep->items;

	while (*pp != it)
		pp = &(*pp)->next;
	*pp = it->next;
	item_free(ep, it);
}

/* Takes the ready list and reports up to max items. */
static long ep_scan(struct hosted_epoll *ep, struct ks_epoll_event *uev, int max)
{
	long n = 0;

	ks_mutex_lock(&ep->mtx);
	ks_mutex_lock(&ep->lock);
	struct ep_item *tx = ep->ready, *next;
	ep->ready = NULL;
	for (struct ep_item *it = tx; it; it = it->rnext)
		it->on_ready = false;
	ks_mutex_unlock(&ep->lock);
	for (struct ep_item *it = tx; it; it = next) {
		next = it->rnext;
		int r = n < max ? scan_one(ep, it, &uev[n]) : -1;
		if (r == 2) {
			item_drop(ep, it);
		} else if (r < 0) { /* no room, or a fault: keep it for later */
			ks_mutex_lock(&ep->lock);
			ready_add_locked(ep, it);
			ks_mutex_unlock(&ep->lock);
			if (r == -KS_EFAULT && n == 0)
				n = -KS_EFAULT;
		} else {
			n += r;
		}
	}
	ks_mutex_unlock(&ep->mtx);
	return n;
}

static bool ep_has_ready(void *arg)
{
	struct hosted_epoll *ep = arg;

	return ep->ready != NULL;
}

long ks_sys_epoll_wait(int epfd, struct ks_epoll_event *events, int maxevents, int timeout_ms)
{
	struct hosted_epoll *ep;

	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -KS_EINVAL;
	if (!ks_port_access_ok(events, (size_t)maxevents * sizeof(*events)))
		return -KS_EFAULT;
	long n = hosted_fd_get_epoll(epfd, &ep);
	if (n)
		return n;
	uint64_t deadline = timeout_ms < 0 ? KS_FOREVER
			    : timeout_ms == 0 ? 0
					      : ks_port_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		n = ep_scan(ep, events, maxevents);
		if (n)
			break;
		ks_mutex_lock(&ep->lock);
		n = ks_wait_block(&ep->wq, &ep->lock, deadline, ep_has_ready, ep);
		ks_mutex_unlock(&ep->lock);
		if (n) {
			n = n == -KS_EAGAIN ? 0 : n; /* timed out: nothing ready */
			break;
		}
	}
	hosted_epoll_put(ep);
	return n;
}

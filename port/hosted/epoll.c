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
 * An epoll set may watch another (nesting, as Linux): the inner set is
 * readable when one of its ready items has events, and a loop or a chain
 * deeper than Linux's limit gives ELOOP.
 *
 * The notify hook (ks_hosted_epoll_notify, ksock.h) is for a host that
 * sleeps somewhere else than epoll_wait (ksock-run sleeps in the host's
 * epoll_wait, on an eventfd the hook writes): its callback is a waiter on
 * the set's own wait queue, which is woken after an event has put an item
 * on the ready list (a socket's event, EPOLL_CTL_ADD or MOD of a ready
 * socket, an inner set's event). So when the callback runs, an epoll_wait
 * finds the event, whatever the order in which a socket's wait queue runs
 * its waiters. (A scan putting back a level-triggered item it reported
 * wakes nobody, here as for epoll_wait's sleepers.)
 *
 * Not supported: EPOLLEXCLUSIVE and EPOLLWAKEUP are checked as Linux checks
 * them but have no further effect; host files cannot be watched (EPERM, as
 * Linux for files that cannot be polled).
 *
 * Locking, in order: ep->mtx (serialises ctl and the scan of epoll_wait;
 * taken before any socket lock; an outer set's before an inner set's),
 * then socket locks and wait-queue locks
 * (callbacks run under the latter), then ep->lock (the ready list and the
 * items' events/disabled/on_ready fields: what callbacks touch), then
 * ep->wq's lock (the notify callback runs under it). No lock is held while
 * epoll_wait sleeps.
 */
#include <errno.h>
#include <stddef.h>

#include "core/socket.h"
#include "hosted.h"

/* What an item watches: a socket, or another epoll set. */
struct ep_item {
	struct hosted_epoll *ep;
	struct ep_item *next;          /* items [mtx] */
	struct ep_item *rnext, *rprev; /* ready list [lock] */
	bool on_ready, disabled;       /* [lock] */
	bool in_tx, pending;           /* [lock] taken by a scan; woken meanwhile */
	unsigned events;               /* [lock] */
	unsigned long long data;       /* [mtx] */
	int fd;
	struct ks_socket *sock;        /* an object reference, or NULL */
	struct hosted_epoll *inner;    /* an object reference, or NULL */
	struct ks_waiter inner_w;      /* on inner->wq */
	struct ks_poll_table pt;       /* on sock's queues */
};

struct hosted_epoll {
	int files; /* atomic: descriptors and files in flight */
	int refs;  /* atomic: the files (one) and outer sets' items */
	bool closed;
	struct ks_mutex mtx;
	struct ks_mutex lock;
	struct ep_item *items;
	struct ep_item *ready, *ready_tail; /* FIFO, as Linux's rdllist */
	struct ks_waitq wq; /* epoll_wait sleepers, outer sets, the notify hook */
	void (*notify_fn)(void *arg); /* [mtx] ks_hosted_epoll_notify's, or NULL */
	void *notify_arg;             /* [mtx] */
	struct ks_waiter notify_w;    /* on wq while notify_fn is set */
};

#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct ks_epoll_event))
#define EP_MAX_NESTS 4
#define EP_EXCLUSIVE_OK                                                          \
	(KS_EPOLLIN | KS_EPOLLOUT | KS_EPOLLERR | KS_EPOLLHUP | KS_EPOLLWAKEUP | \
	 KS_EPOLLET | KS_EPOLLEXCLUSIVE)

static void ep_obj_put(struct hosted_epoll *ep);

void hosted_epoll_hold(struct hosted_epoll *ep)
{
	__atomic_add_fetch(&ep->files, 1, __ATOMIC_RELAXED);
}

/* ---- the ready list: ep->lock held ---- */

static void ready_add_locked(struct hosted_epoll *ep, struct ep_item *it)
{
	if (it->in_tx) { /* a scan holds it: it re-queues it when done */
		it->pending = true;
		return;
	}
	if (it->on_ready)
		return;
	it->on_ready = true;
	it->rnext = NULL;
	it->rprev = ep->ready_tail;
	if (ep->ready_tail)
		ep->ready_tail->rnext = it;
	else
		ep->ready = it;
	ep->ready_tail = it;
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
	else
		ep->ready_tail = it->rprev;
	it->on_ready = false;
}

/* Takes the whole ready list for a scan (Linux's txlist): until the scan
 * is done with an item, wakes only mark it pending, so the list the scan
 * walks is its own. */
static struct ep_item *ready_take(struct hosted_epoll *ep)
{
	ks_mutex_lock(&ep->lock);
	struct ep_item *list = ep->ready;
	ep->ready = ep->ready_tail = NULL;
	for (struct ep_item *it = list; it; it = it->rnext) {
		it->on_ready = false;
		it->in_tx = true;
		it->pending = false;
	}
	ks_mutex_unlock(&ep->lock);
	return list;
}

/* The scan is done with it: back on the ready list (at the back) if asked
 * or woken meanwhile. ep->lock held. */
static void tx_done_locked(struct hosted_epoll *ep, struct ep_item *it, bool requeue)
{
	it->in_tx = false;
	if (requeue || it->pending)
		ready_add_locked(ep, it);
	it->pending = false;
}

/* Puts the items of list, from it on, back at the front (Linux's splice
 * of what a scan did not get to). */
static void ready_return(struct hosted_epoll *ep, struct ep_item *it)
{
	struct ep_item *last = NULL;

	ks_mutex_lock(&ep->lock);
	for (struct ep_item *next; it; it = next) {
		next = it->rnext;
		it->in_tx = false;
		it->pending = false;
		it->on_ready = true;
		it->rprev = last;
		it->rnext = last ? last->rnext : ep->ready;
		if (it->rnext)
			it->rnext->rprev = it;
		else
			ep->ready_tail = it;
		if (last)
			last->rnext = it;
		else
			ep->ready = it;
		last = it;
	}
	ks_mutex_unlock(&ep->lock);
}

/* ---- readiness callbacks ---- */

static void ep_item_wake(struct ep_item *it, unsigned events)
{
	struct hosted_epoll *ep = it->ep;

	ks_mutex_lock(&ep->lock);
	bool add = !it->disabled && (!events || (events & it->events));
	if (add)
		ready_add_locked(ep, it);
	ks_mutex_unlock(&ep->lock);
	if (add)
		ks_waitq_wake(&ep->wq);
}

/* Under a socket wait queue's lock. */
static void ep_wake(struct ks_waiter *w, unsigned events)
{
	struct ks_poll_entry *ent =
		(struct ks_poll_entry *)((char *)w - offsetof(struct ks_poll_entry, w));

	ep_item_wake(ent->ctx, events);
}

/* Under an inner set's wait-queue lock. */
static void ep_wake_inner(struct ks_waiter *w, unsigned events)
{
	(void)events;
	ep_item_wake((struct ep_item *)((char *)w - offsetof(struct ep_item, inner_w)), 0);
}

/* ---- items ---- */

static unsigned ep_mask(struct hosted_epoll *ep);

/* The item's target's mask now; registers on its queues when reg. */
static unsigned item_poll(struct ep_item *it, bool reg)
{
	if (it->sock)
		return it->sock->ops->poll(it->sock, reg ? &it->pt : NULL);
	if (reg) {
		it->inner_w.next = it->inner_w.prev = NULL;
		it->inner_w.parker = NULL;
		it->inner_w.oneshot = false;
		it->inner_w.func = ep_wake_inner;
		ks_waitq_add(&it->inner->wq, &it->inner_w);
	}
	return ep_mask(it->inner);
}

static bool item_closed(const struct ep_item *it)
{
	if (it->sock)
		return __atomic_load_n(&it->sock->state, __ATOMIC_ACQUIRE) == KS_SS_CLOSED;
	return __atomic_load_n(&it->inner->closed, __ATOMIC_ACQUIRE);
}

/* Unhooks and frees an item already off the items list. mtx held. */
static void item_free(struct hosted_epoll *ep, struct ep_item *it)
{
	/* After these no callback can run for it. */
	if (it->sock)
		ks_poll_table_free(&it->pt);
	else
		ks_waitq_del(&it->inner->wq, &it->inner_w);
	ks_mutex_lock(&ep->lock);
	ready_del_locked(ep, it);
	ks_mutex_unlock(&ep->lock);
	if (it->sock)
		ks_socket_put(it->sock);
	else
		ep_obj_put(it->inner);
	ks_port_free(it, sizeof(*it));
}

static void item_drop(struct hosted_epoll *ep, struct ep_item *it)
{
	struct ep_item **pp = &ep->items;

	while (*pp != it)
		pp = &(*pp)->next;
	*pp = it->next;
	item_free(ep, it);
}

/* Asks the target for its mask now and queues the item if it has events. */
static void item_check(struct hosted_epoll *ep, struct ep_item *it, bool reg)
{
	unsigned mask = item_poll(it, reg);

	ks_mutex_lock(&ep->lock);
	bool add = (mask & it->events) && !it->disabled;
	if (add)
		ready_add_locked(ep, it);
	ks_mutex_unlock(&ep->lock);
	if (add)
		ks_waitq_wake(&ep->wq);
}

/* An epoll set as a target: readable if a ready item has events (Linux's
 * ep_eventpoll_poll; items without events leave the ready list). */
static unsigned ep_mask(struct hosted_epoll *ep)
{
	unsigned mask = 0;

	ks_mutex_lock(&ep->mtx);
	struct ep_item *it = ready_take(ep), *next;
	for (; it; it = next) {
		next = it->rnext;
		bool has = !item_closed(it) && (item_poll(it, false) & it->events);
		if (has)
			mask = KS_POLLIN | KS_POLLRDNORM;
		ks_mutex_lock(&ep->lock);
		tx_done_locked(ep, it, has);
		ks_mutex_unlock(&ep->lock);
	}
	ks_mutex_unlock(&ep->mtx);
	return mask;
}

/* ---- the notify hook ---- */

/* Under ep->wq's lock, after an item reached the ready list. */
static void ep_notify_wake(struct ks_waiter *w, unsigned events)
{
	struct hosted_epoll *ep =
		(struct hosted_epoll *)((char *)w - offsetof(struct hosted_epoll, notify_w));

	(void)events;
	ep->notify_fn(ep->notify_arg);
}

/* Takes the hook off. mtx held. */
static void notify_clear_locked(struct hosted_epoll *ep)
{
	if (!ep->notify_fn)
		return;
	ks_waitq_del(&ep->wq, &ep->notify_w); /* no call runs after this */
	ep->notify_fn = NULL;
	ep->notify_arg = NULL;
}

long ks_hosted_epoll_notify(int epfd, void (*fn)(void *arg), void *arg)
{
	struct hosted_epoll *ep;
	long err = hosted_fd_get_epoll(epfd, &ep);

	if (err)
		return err;
	ks_mutex_lock(&ep->mtx);
	notify_clear_locked(ep);
	if (fn) {
		ep->notify_fn = fn;
		ep->notify_arg = arg;
		ep->notify_w.next = ep->notify_w.prev = NULL;
		ep->notify_w.parker = NULL;
		ep->notify_w.oneshot = false;
		ep->notify_w.func = ep_notify_wake;
		ks_waitq_add(&ep->wq, &ep->notify_w);
	}
	ks_mutex_lock(&ep->lock);
	bool ready = ep->ready != NULL;
	ks_mutex_unlock(&ep->lock);
	ks_mutex_unlock(&ep->mtx);
	if (fn && ready)
		fn(arg); /* what was ready before the hook */
	hosted_epoll_put(ep);
	return 0;
}

/* ---- lifetime ---- */

static void ep_obj_put(struct hosted_epoll *ep)
{
	if (__atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL))
		return;
	ks_waitq_destroy(&ep->wq);
	ks_mutex_destroy(&ep->lock);
	ks_mutex_destroy(&ep->mtx);
	ks_port_free(ep, sizeof(*ep));
}

void hosted_epoll_put(struct hosted_epoll *ep)
{
	if (__atomic_sub_fetch(&ep->files, 1, __ATOMIC_ACQ_REL))
		return;
	/* The last descriptor: the set is gone for its watchers (they drop
	 * their items when next they look) and lets go of its own. */
	ks_mutex_lock(&ep->mtx);
	__atomic_store_n(&ep->closed, true, __ATOMIC_RELEASE);
	notify_clear_locked(ep);
	while (ep->items) {
		struct ep_item *it = ep->items;
		ep->items = it->next;
		item_free(ep, it);
	}
	ks_mutex_unlock(&ep->mtx);
	ks_waitq_wake(&ep->wq);
	ep_obj_put(ep);
}

long ks_sys_epoll_create1(int flags)
{
	if (flags & ~KS_EPOLL_CLOEXEC)
		return -KS_EINVAL;
	struct hosted_epoll *ep = ks_port_alloc(sizeof(*ep));
	if (!ep)
		return -KS_ENOMEM;
	__builtin_memset(ep, 0, sizeof(*ep));
	ep->files = 1;
	ep->refs = 1;
	ks_mutex_init(&ep->mtx);
	ks_mutex_init(&ep->lock);
	ks_waitq_init(&ep->wq);
	int fd = hosted_fd_install_epoll(ep, flags & KS_EPOLL_CLOEXEC);
	if (fd < 0)
		hosted_epoll_put(ep);
	return fd;
}

/* ---- epoll_ctl ---- */

/* Whether target can reach ep through watched sets, or nests too deep. */
static bool ep_loops(struct hosted_epoll *target, struct hosted_epoll *ep, int depth)
{
	if (target == ep || depth > EP_MAX_NESTS)
		return true;
	bool loops = false;
	ks_mutex_lock(&target->mtx);
	for (struct ep_item *it = target->items; it && !loops; it = it->next)
		if (it->inner)
			loops = ep_loops(it->inner, ep, depth + 1);
	ks_mutex_unlock(&target->mtx);
	return loops;
}

static struct ep_item *item_find(struct hosted_epoll *ep, int fd, struct ks_socket *s,
				 struct hosted_epoll *inner)
{
	for (struct ep_item *it = ep->items; it; it = it->next)
		if (it->fd == fd && it->sock == s && it->inner == inner)
			return it;
	return NULL;
}

static long ctl_add(struct hosted_epoll *ep, int fd, struct ks_socket *s,
		    struct hosted_epoll *inner, const struct ks_epoll_event *ev)
{
	if (item_find(ep, fd, s, inner))
		return -KS_EEXIST;
	struct ep_item *it = ks_port_alloc(sizeof(*it));
	if (!it)
		return -KS_ENOMEM;
	__builtin_memset(it, 0, sizeof(*it));
	it->ep = ep;
	it->fd = fd;
	it->sock = s;
	it->inner = inner;
	if (s)
		ks_socket_hold(s);
	else
		__atomic_add_fetch(&inner->refs, 1, __ATOMIC_RELAXED);
	it->events = ev->events | KS_EPOLLERR | KS_EPOLLHUP;
	it->data = ev->data;
	it->pt.func = ep_wake;
	it->pt.ctx = it;
	it->pt.events = 0xffffffffu;
	it->next = ep->items;
	ep->items = it;
	item_check(ep, it, true);
	if (it->pt.error) {
		ep->items = it->next;
		item_free(ep, it);
		return -KS_ENOMEM;
	}
	return 0;
}

static long ctl_mod_del(struct hosted_epoll *ep, int op, int fd, struct ks_socket *s,
			struct hosted_epoll *inner, const struct ks_epoll_event *ev)
{
	struct ep_item *it = item_find(ep, fd, s, inner);

	if (!it)
		return -KS_ENOENT;
	if (op == KS_EPOLL_CTL_DEL) {
		item_drop(ep, it);
		return 0;
	}
	if (it->events & KS_EPOLLEXCLUSIVE)
		return -KS_EINVAL;
	ks_mutex_lock(&ep->lock);
	it->events = ev->events | KS_EPOLLERR | KS_EPOLLHUP;
	it->disabled = false;
	ks_mutex_unlock(&ep->lock);
	it->data = ev->data;
	item_check(ep, it, false);
	return 0;
}

/* Linux's checks after the descriptors are found, in its order. */
static long ctl_check(struct hosted_epoll *ep, struct hosted_epoll *inner, int op,
		      const struct ks_epoll_event *ev)
{
	if (inner == ep)
		return -KS_EINVAL; /* a set inside itself */
	if (op != KS_EPOLL_CTL_DEL && (ev->events & KS_EPOLLEXCLUSIVE)) {
		if (op == KS_EPOLL_CTL_MOD)
			return -KS_EINVAL;
		if (op == KS_EPOLL_CTL_ADD && (inner || (ev->events & ~EP_EXCLUSIVE_OK)))
			return -KS_EINVAL;
	}
	if (op == KS_EPOLL_CTL_ADD && inner && ep_loops(inner, ep, 1))
		return -KS_ELOOP;
	return 0;
}

long ks_sys_epoll_ctl(int epfd, int op, int fd, struct ks_epoll_event *uev)
{
	struct ks_epoll_event ev = {0, 0};
	struct hosted_epoll *ep = NULL, *inner = NULL;
	struct ks_socket *s = NULL;

	/* Linux's order: the event, epfd open, fd open and pollable, then
	 * whether epfd is an epoll set other than fd, then the flags. */
	if (op != KS_EPOLL_CTL_DEL && ks_port_copy_from_user(&ev, uev, sizeof(ev)))
		return -KS_EFAULT;
	long ep_err = hosted_fd_get_epoll(epfd, &ep);
	if (ep_err == -KS_EBADF)
		return ep_err;
	long err = hosted_fd_get_pollable(fd, &s, &inner);
	if (!err)
		err = ep_err ? ep_err : ctl_check(ep, inner, op, &ev);
	if (!err) {
		ks_mutex_lock(&ep->mtx);
		if (op == KS_EPOLL_CTL_ADD)
			err = ctl_add(ep, fd, s, inner, &ev);
		else if (op == KS_EPOLL_CTL_DEL || op == KS_EPOLL_CTL_MOD)
			err = ctl_mod_del(ep, op, fd, s, inner, &ev);
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

/* Reports one item taken off the ready list into *uev: 1 reported, 0 not,
 * 2 closed (the caller drops it), or -EFAULT. mtx held. */
static int scan_one(struct hosted_epoll *ep, struct ep_item *it, struct ks_epoll_event *uev)
{
	if (item_closed(it))
		return 2;
	unsigned mask = item_poll(it, false);
	ks_mutex_lock(&ep->lock);
	unsigned events = it->events;
	mask &= events;
	bool report = mask && !it->disabled;
	if (!report)
		tx_done_locked(ep, it, false);
	ks_mutex_unlock(&ep->lock);
	if (!report)
		return 0;
	struct ks_epoll_event ev = {mask, it->data};
	if (ks_port_copy_to_user(uev, &ev, sizeof(ev)))
		return -KS_EFAULT; /* still in the scan's hands: returned to the front */
	ks_mutex_lock(&ep->lock);
	if (events & KS_EPOLLONESHOT)
		it->disabled = true;
	/* Level-triggered: at the back, to be asked again. */
	tx_done_locked(ep, it, !(events & (KS_EPOLLONESHOT | KS_EPOLLET)));
	ks_mutex_unlock(&ep->lock);
	return 1;
}

/* Takes the ready list and reports up to max items, in order. */
static long ep_scan(struct hosted_epoll *ep, struct ks_epoll_event *uev, int max)
{
	long n = 0;

	ks_mutex_lock(&ep->mtx);
	struct ep_item *it = ready_take(ep), *next;
	for (; it && n < max; it = next) {
		next = it->rnext;
		int r = scan_one(ep, it, &uev[n]);
		if (r == 2) {
			item_drop(ep, it);
		} else if (r < 0) {
			if (n == 0)
				n = r;
			break;
		} else {
			n += r;
		}
	}
	ready_return(ep, it); /* what the scan did not get to goes first next time */
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

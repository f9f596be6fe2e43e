/*
 * cases_epoll.c - epoll over AF_UNIX sockets: the masks reported for
 * socket states, level- and edge-triggered reporting, EPOLLONESHOT,
 * epoll_ctl/epoll_wait errors, timeouts and wakeups from other threads.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 *
 * Edge-triggered reports on Linux follow wakeups, not state changes:
 * every wakeup of the socket's wait queue that matches the registered
 * events re-arms the item. So each write to the peer re-reports EPOLLIN,
 * and each buffer the peer frees re-reports the writer's EPOLLOUT (once
 * the writer is writable), while the reader's own reads and the writer's
 * own writes report nothing.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAM_QLEN 10
#define GUARD_MS 5000

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static long mk_sock(struct ct_ctx *c, int type)
{
	return ct_fd(c, c->b->socket(AF_UNIX, type, 0));
}

static long mk_ep(struct ct_ctx *c)
{
	return ct_fd(c, c->b->epoll_create1(0));
}

static void close_untracked(struct ct_ctx *c, int fd)
{
	ct_untrack(c, fd);
	(void)c->b->close(fd); /* the cases that care check their own closes */
}

static void *unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)8;
	munmap(p, 4096);
	return p;
}

static long ctl(struct ct_ctx *c, int ep, int op, int fd, unsigned events, unsigned long long data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = data;
	return c->b->epoll_ctl(ep, op, fd, &ev);
}

/* Registers fd with events and data = fd. */
static long add(struct ct_ctx *c, int ep, int fd, unsigned events)
{
	return ctl(c, ep, EPOLL_CTL_ADD, fd, events, (unsigned long long)fd);
}

/* One epoll_wait with timeout 0 expecting at most one event: the
 * reported mask, 0 for no event, or a negative error. The data must be
 * want_data (else -1000). */
static long ready(struct ct_ctx *c, int ep, unsigned long long want_data)
{
	struct epoll_event ev[2];
	long n = c->b->epoll_wait(ep, ev, 2, 0);

	if (n <= 0)
		return n;
	if (n != 1 || ev[0].data.u64 != want_data)
		return -1000;
	return (long)ev[0].events;
}

/* ---- creation and control errors ---- */

static void epoll_create_flags(struct ct_ctx *c)
{
	long ep;

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, c->b->fcntl((int)ep, F_GETFD, 0) & FD_CLOEXEC, 0);
	CT_OK(c, ep, ct_fd(c, c->b->epoll_create1(EPOLL_CLOEXEC)));
	CT_EQ(c, c->b->fcntl((int)ep, F_GETFD, 0) & FD_CLOEXEC, FD_CLOEXEC);
	CT_EQ(c, ct_fd(c, c->b->epoll_create1(1)), -EINVAL);
	CT_EQ(c, ct_fd(c, c->b->epoll_create1(O_NONBLOCK)), -EINVAL);
}

/* Adding a descriptor twice: EEXIST. */
static void epoll_ctl_add_twice(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN), 0);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLOUT), -EEXIST);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
}

/* MOD and DEL of a descriptor not in the set: ENOENT. */
static void epoll_ctl_unregistered(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[0], EPOLLIN, 0), -ENOENT);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[0], 0, 0), -ENOENT);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[0], 0, 0), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[0], 0, 0), -ENOENT);
}

/* The epoll descriptor itself: EINVAL; an unknown op: EINVAL. */
static void epoll_ctl_self_and_bad_op(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, (int)ep, EPOLLIN), -EINVAL);
	CT_EQ(c, ctl(c, (int)ep, 0, sv[0], EPOLLIN, 0), -EINVAL);
	CT_EQ(c, ctl(c, (int)ep, 4, sv[0], EPOLLIN, 0), -EINVAL);
	CT_EQ(c, ctl(c, (int)ep, -1, sv[0], EPOLLIN, 0), -EINVAL);
}

/* Bad descriptors: EBADF for either closed; a socket as the epoll
 * descriptor: EINVAL. */
static void epoll_ctl_bad_fds(struct ct_ctx *c)
{
	long ep, dead;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_OK(c, dead, c->b->dup(sv[0]));
	CT_EQ(c, c->b->close((int)dead), 0);
	CT_EQ(c, add(c, (int)ep, (int)dead, EPOLLIN), -EBADF);
	CT_EQ(c, add(c, (int)dead, sv[0], EPOLLIN), -EBADF);
	CT_EQ(c, add(c, -1, sv[0], EPOLLIN), -EBADF);
	CT_EQ(c, add(c, sv[1], sv[0], EPOLLIN), -EINVAL);
}

/* A file that cannot be polled (/dev/null): EPERM. */
static void epoll_ctl_regular_file(struct ct_ctx *c)
{
	long ep, f;

	CT_OK(c, ep, mk_ep(c));
	CT_OK(c, f, ct_fd(c, c->b->open_file()));
	CT_EQ(c, add(c, (int)ep, (int)f, EPOLLIN), -EPERM);
}

/* The event pointer: EFAULT for ADD and MOD, ignored by DEL. */
static void epoll_ctl_event_pointer(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->epoll_ctl((int)ep, EPOLL_CTL_ADD, sv[0], NULL), -EFAULT);
	CT_EQ(c, c->b->epoll_ctl((int)ep, EPOLL_CTL_ADD, sv[0], unmapped_page()), -EFAULT);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN), 0);
	CT_EQ(c, c->b->epoll_ctl((int)ep, EPOLL_CTL_MOD, sv[0], NULL), -EFAULT);
	CT_EQ(c, c->b->epoll_ctl((int)ep, EPOLL_CTL_DEL, sv[0], NULL), 0);
}

/* EPOLLEXCLUSIVE: allowed on ADD only, not with EPOLLONESHOT, and an
 * exclusive item cannot be modified. */
static void epoll_ctl_exclusive(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT), -EINVAL);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN | EPOLLEXCLUSIVE), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[0], EPOLLIN, 0), -EINVAL);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[1], EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
	CT_EQ(c, ct_snd(c, sv[1], "x", 1, 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLIN);
}

/* ---- epoll_wait arguments ---- */

/* maxevents <= 0 or above INT_MAX / sizeof(struct epoll_event): EINVAL;
 * a socket as the epoll descriptor: EINVAL. */
static void epoll_wait_bad_args(struct ct_ctx *c)
{
	struct epoll_event ev[1];
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 0, 0), -EINVAL);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, -1, 0), -EINVAL);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, (int)(INT_MAX / sizeof(ev[0]) + 1), 0), -EINVAL);
	CT_EQ(c, c->b->epoll_wait(sv[0], ev, 1, 0), -EINVAL);
	CT_EQ(c, c->b->epoll_wait(-1, ev, 1, 0), -EBADF);
}

/* An events buffer outside the address space: EFAULT at once; an
 * unmapped one: EFAULT when there is an event to store, else 0. */
static void epoll_wait_efault(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
	CT_EQ(c, c->b->epoll_wait((int)ep, (void *)-1, 1, 0), -EFAULT);
	CT_EQ(c, c->b->epoll_wait((int)ep, unmapped_page(), 1, 0), 0);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), 1);
	CT_EQ(c, c->b->epoll_wait((int)ep, unmapped_page(), 1, 0), -EFAULT);
	/* The event is still there for a good buffer. */
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
}

/* Timeout 0 returns at once; a small timeout waits about that long. */
static void epoll_wait_timeouts(struct ct_ctx *c)
{
	struct epoll_event ev[1];
	struct timespec t0;
	long ep, ms;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 1, 0), 0); /* empty set */
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 1, 0), 0);
	CT_TRUE(c, ct_elapsed_ms(&t0) < 500);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 1, 30), 0);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 25);
	CT_TRUE(c, ms < 1000);
}

/* The data word comes back as registered; MOD replaces it. */
static void epoll_data_unchanged(struct ct_ctx *c)
{
	struct epoll_event ev[2];
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_ADD, sv[1], EPOLLIN, 0x1122334455667788ull), 0);
	CT_EQ(c, ct_snd(c, sv[0], "d", 1, 0), 1);
	memset(ev, 0, sizeof(ev));
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 2, 0), 1);
	CT_TRUE(c, ev[0].data.u64 == 0x1122334455667788ull);
	CT_EQ(c, ev[0].events, EPOLLIN);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[1], EPOLLIN, 0xfffffffffffffffeull), 0);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 2, 0), 1);
	CT_TRUE(c, ev[0].data.u64 == 0xfffffffffffffffeull);
}

/* ---- masks ---- */

/* Fresh sockets: stream and seqpacket (unconnected) report EPOLLOUT and
 * EPOLLHUP, a datagram socket EPOLLOUT. EPOLLHUP is reported even when
 * not asked for. */
static void epoll_masks_fresh(struct ct_ctx *c)
{
	static const unsigned want[3] = { EPOLLOUT | EPOLLHUP, EPOLLOUT, EPOLLOUT | EPOLLHUP };
	long ep, fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, ep, mk_ep(c));
		CT_OK(c, fd, mk_sock(c, unix_types[t]));
		CT_EQ(c, add(c, (int)ep, (int)fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)fd), want[t]);
		CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, (int)fd, EPOLLIN, (unsigned long long)fd), 0);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)fd), want[t] & EPOLLHUP);
	}
}

/* A connected stream through its peer's shutdown and close. */
static void epoll_masks_stream_peer(struct ct_ctx *c)
{
	char buf[8];
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLOUT);
	CT_EQ(c, ct_snd(c, sv[0], "x", 1, 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN | EPOLLOUT);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CT_EQ(c, c->b->shutdown(sv[1], SHUT_WR), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]),
	      EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP);
	close_untracked(c, sv[0]);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]),
	      EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP);
}

/* Own shutdowns: SHUT_RD reports EPOLLIN|EPOLLRDHUP; SHUT_WR alone
 * changes nothing (still EPOLLOUT); both: EPOLLHUP too. */
static void epoll_masks_own_shutdown(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	for (int t = 0; t < 3; t += 2) {
		CT_OK(c, ep, mk_ep(c));
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
		CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLOUT);
		CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]),
		      EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP);
	}
	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_RD), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}

/* The peer closed with data we had not read: EPOLLERR too, until
 * SO_ERROR (ECONNRESET) is read. */
static void epoll_masks_reset(struct ct_ctx *c)
{
	unsigned el = sizeof(int);
	int sv[2], err = 0;
	long ep;

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
	CT_EQ(c, ct_snd(c, sv[1], "u", 1, 0), 1);
	close_untracked(c, sv[0]);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]),
	      EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP);
	CT_EQ(c, c->b->getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, ECONNRESET);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]),
	      EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP);
}

/* A closed peer: seqpacket like stream; a datagram socketpair's survivor
 * stays just writable. */
static void epoll_masks_peer_closed_types(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
	close_untracked(c, sv[0]);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]),
	      EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP);
	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
	close_untracked(c, sv[0]);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLOUT);
}

/* Events not asked for are not reported, except EPOLLERR and EPOLLHUP;
 * a registration with no events reports only those. */
static void epoll_masks_filtered(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN); /* no RDHUP */
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[1], 0, (unsigned long long)sv[1]), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
	CT_EQ(c, ct_snd(c, sv[1], "u", 1, 0), 1);
	close_untracked(c, sv[0]);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLERR | EPOLLHUP);
}

/* A listener: EPOLLIN while a connection waits; nothing else. */
static void epoll_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "l");
	long ep, l, cl, s;

	CT_OK(c, ep, mk_ep(c));
	CT_OK(c, l, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->listen((int)l, 4), 0);
	CT_EQ(c, add(c, (int)ep, (int)l, EPOLLIN | EPOLLOUT | EPOLLRDHUP), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)l), 0);
	CT_OK(c, cl, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)l), EPOLLIN);
	CT_OK(c, s, ct_fd(c, c->b->accept((int)l, NULL, NULL)));
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)l), 0);
}

/* ---- level and edge ---- */

/* Level-triggered: reported on every wait while the state holds. */
static void epoll_level_repeats(struct ct_ctx *c)
{
	char buf[4];
	long ep;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_OK(c, ep, mk_ep(c));
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
		CT_EQ(c, ct_snd(c, sv[0], "ab", 2, 0), 2);
		for (int i = 0; i < 3; i++)
			CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 2);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
	}
}

/* Edge-triggered EPOLLIN: one report per write to the peer (even with
 * unread data), none without a new write, none for one's own reads;
 * several writes between two waits make one report. */
static void epoll_edge_in(struct ct_ctx *c)
{
	char buf[4];
	long ep;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_OK(c, ep, mk_ep(c));
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLET), 0);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
		CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
		CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
		CT_EQ(c, ct_rcv(c, sv[1], buf, 1, 0), 1);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
		CT_EQ(c, ct_snd(c, sv[0], "c", 1, 0), 1);
		CT_EQ(c, ct_snd(c, sv[0], "d", 1, 0), 1);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
	}
}

/* Edge-triggered EPOLLOUT on a stream: reported once at registration;
 * one's own writes do not re-report it; each buffer the peer consumes
 * does (the writer is woken). */
static void epoll_edge_out(struct ct_ctx *c)
{
	char buf[8];
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLOUT | EPOLLET), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLOUT);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), 0);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 1, 0), 1); /* consumes the first write */
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLOUT);
	CT_EQ(c, ct_rcv(c, sv[1], buf, 1, 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLOUT);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), 0);
}

/* Edge-triggered EPOLLOUT after a full buffer: nothing while full, one
 * report once the peer drained it. */
static void epoll_edge_out_after_drain(struct ct_ctx *c)
{
	static char buf[65536];
	long ep, r;
	int sv[2], n = 0;

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[0], EPOLLOUT | EPOLLET), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLOUT);
	while ((r = ct_snd(c, sv[0], buf, sizeof(buf), MSG_DONTWAIT)) > 0 && n < 1000)
		n++;
	CT_EQ(c, r, -EAGAIN);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), 0);
	while (ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), EPOLLOUT);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[0]), 0);
}

/* Edge-triggered on a listener: one report per new connection. */
static void epoll_edge_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "l");
	long ep, l, c1, c2;

	CT_OK(c, ep, mk_ep(c));
	CT_OK(c, l, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->listen((int)l, 4), 0);
	CT_EQ(c, add(c, (int)ep, (int)l, EPOLLIN | EPOLLET), 0);
	CT_OK(c, c1, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)c1, &a, al), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)l), EPOLLIN);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)l), 0);
	CT_OK(c, c2, mk_sock(c, SOCK_STREAM));
	CT_EQ(c, c->b->connect((int)c2, &a, al), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)l), EPOLLIN);
}

/* A datagram sender whose receiver's queue is full: not writable; the
 * receiver reading one makes it writable, and an edge-triggered
 * registration reports that. */
static void epoll_dgram_out_edge(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "r");
	char buf[4];
	long ep, r, s;
	int i;

	CT_OK(c, ep, mk_ep(c));
	CT_OK(c, r, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	for (i = 0; i < MAX_DGRAM_QLEN + 1; i++)
		CT_EQ(c, ct_snd(c, (int)s, "q", 1, MSG_DONTWAIT), 1);
	CT_EQ(c, ct_snd(c, (int)s, "q", 1, MSG_DONTWAIT), -EAGAIN);
	CT_EQ(c, add(c, (int)ep, (int)s, EPOLLOUT | EPOLLET), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)s), 0);
	CT_EQ(c, ct_rcv(c, (int)r, buf, sizeof(buf), 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)s), EPOLLOUT);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)s), 0);
}

/* EPOLLONESHOT: one report, then disabled (new data reports nothing)
 * until EPOLL_CTL_MOD re-arms it. */
static void epoll_oneshot(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_OK(c, ep, mk_ep(c));
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLONESHOT), 0);
		CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
		CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
		/* Still registered: ADD is EEXIST, MOD re-arms. */
		CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), -EEXIST);
		CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[1], EPOLLIN | EPOLLONESHOT,
			     (unsigned long long)sv[1]),
		      0);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
		CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), 0);
		CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[1], 0, 0), 0);
	}
}

/* MOD changes the events watched. */
static void epoll_mod_changes_events(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[1], EPOLLOUT, (unsigned long long)sv[1]), 0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLOUT);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_MOD, sv[1], EPOLLIN | EPOLLOUT,
		     (unsigned long long)sv[1]),
	      0);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN | EPOLLOUT);
}

/* maxevents bounds each call; level-triggered items that were reported
 * go to the back, so successive calls take turns. */
static void epoll_maxevents_round_robin(struct ct_ctx *c)
{
	struct epoll_event ev[4];
	int sv[3][2], seen = 0;
	long ep;

	CT_OK(c, ep, mk_ep(c));
	for (int i = 0; i < 3; i++) {
		CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv[i]), 0);
		CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_ADD, sv[i][1], EPOLLIN, (unsigned long long)i), 0);
		CT_EQ(c, ct_snd(c, sv[i][0], "x", 1, 0), 1);
	}
	for (int i = 0; i < 3; i++) {
		CT_EQ(c, c->b->epoll_wait((int)ep, ev, 1, 0), 1);
		CT_TRUE(c, ev[0].data.u64 < 3);
		seen |= 1 << ev[0].data.u64;
	}
	CT_EQ(c, seen, 7);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 2, 0), 2);
	CT_EQ(c, c->b->epoll_wait((int)ep, ev, 4, 0), 3);
}

/* ---- descriptors going away ---- */

/* Closing the only descriptor of a registered socket removes it. */
static void epoll_closed_fd_removed(struct ct_ctx *c)
{
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN | EPOLLOUT), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ready(c, (int)ep, (unsigned long long)sv[1]), EPOLLIN | EPOLLOUT);
	close_untracked(c, sv[1]);
	CT_EQ(c, ready(c, (int)ep, 0), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[1], 0, 0), -EBADF);
}

/* The registration belongs to the open file and the descriptor number:
 * with a duplicate still open, closing the registered descriptor leaves
 * it reporting (under the old data); it cannot be deleted by either
 * number any more (EBADF for the closed one, ENOENT for the dup). */
static void epoll_dup_keeps_registration(struct ct_ctx *c)
{
	long ep, d;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_ADD, sv[1], EPOLLIN, 77), 0);
	CT_OK(c, d, ct_fd(c, c->b->dup(sv[1])));
	close_untracked(c, sv[1]);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ready(c, (int)ep, 77), EPOLLIN);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[1], 0, 0), -EBADF);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, (int)d, 0, 0), -ENOENT);
	/* The dup can be added as an item of its own. */
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_ADD, (int)d, EPOLLIN, 88), 0);
	CT_EQ(c, c->b->epoll_wait((int)ep, (struct epoll_event[4]){ { 0 } }, 4, 0), 2);
	close_untracked(c, (int)d);
	CT_EQ(c, ready(c, (int)ep, 0), 0);
}

/* Closing the epoll descriptor with sockets registered, and a socket in
 * two sets: both report. */
static void epoll_two_sets(struct ct_ctx *c)
{
	long e1, e2;
	int sv[2];

	CT_OK(c, e1, mk_ep(c));
	CT_OK(c, e2, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, add(c, (int)e1, sv[1], EPOLLIN | EPOLLET), 0);
	CT_EQ(c, add(c, (int)e2, sv[1], EPOLLIN | EPOLLET), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ready(c, (int)e1, (unsigned long long)sv[1]), EPOLLIN);
	CT_EQ(c, ready(c, (int)e2, (unsigned long long)sv[1]), EPOLLIN);
	close_untracked(c, (int)e1);
	CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
	CT_EQ(c, ready(c, (int)e2, (unsigned long long)sv[1]), EPOLLIN);
}

/* An epoll set inside another: the outer one reports EPOLLIN while the
 * inner one has events. */
static void epoll_nested(struct ct_ctx *c)
{
	long outer, inner;
	char buf[4];
	int sv[2];

	CT_OK(c, outer, mk_ep(c));
	CT_OK(c, inner, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)inner, sv[1], EPOLLIN), 0);
	CT_EQ(c, add(c, (int)outer, (int)inner, EPOLLIN), 0);
	CT_EQ(c, add(c, (int)inner, (int)outer, EPOLLIN), -ELOOP);
	CT_EQ(c, ready(c, (int)outer, (unsigned long long)inner), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ready(c, (int)outer, (unsigned long long)inner), EPOLLIN);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), 0), 1);
	CT_EQ(c, ready(c, (int)outer, (unsigned long long)inner), 0);
}

/* ---- blocking ---- */

struct waiter {
	struct ct_ctx *c;
	int ep;
	int timeout_ms;
	int tid;
	long ret;
	struct epoll_event ev[2];
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, (int)gettid(), __ATOMIC_RELEASE);
	w->ret = w->c->b->epoll_wait(w->ep, w->ev, 2, w->timeout_ms);
	return NULL;
}

/* A blocked epoll_wait is woken by another thread's send. */
static void epoll_wait_woken_by_send(struct ct_ctx *c)
{
	struct waiter w;
	pthread_t t;
	long ep;
	int sv[2];

	for (int ty = 0; ty < 3; ty++) {
		CT_OK(c, ep, mk_ep(c));
		CT_EQ(c, ct_pair(c, unix_types[ty], sv), 0);
		CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
		memset(&w, 0, sizeof(w));
		w.c = c;
		w.ep = (int)ep;
		w.timeout_ms = GUARD_MS;
		CT_EQ(c, pthread_create(&t, NULL, waiter_thread, &w), 0);
		ct_wait_sleeping(&w.tid);
		CT_CHECK_EQ(c, ct_snd(c, sv[0], "w", 1, 0), 1);
		pthread_join(t, NULL);
		CT_EQ(c, w.ret, 1);
		CT_EQ(c, w.ev[0].events, EPOLLIN);
		CT_TRUE(c, w.ev[0].data.u64 == (unsigned long long)sv[1]);
	}
}

/* ... and by the peer closing (EPOLLHUP), and by a new registration
 * that is ready already. */
static void epoll_wait_woken_by_close_and_add(struct ct_ctx *c)
{
	struct waiter w;
	pthread_t t;
	long ep;
	int sv[2], sv2[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv2), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLRDHUP), 0);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.ep = (int)ep;
	w.timeout_ms = GUARD_MS;
	CT_EQ(c, pthread_create(&t, NULL, waiter_thread, &w), 0);
	ct_wait_sleeping(&w.tid);
	close_untracked(c, sv[0]);
	pthread_join(t, NULL);
	CT_EQ(c, w.ret, 1);
	CT_EQ(c, w.ev[0].events, EPOLLHUP | EPOLLRDHUP);
	CT_EQ(c, ctl(c, (int)ep, EPOLL_CTL_DEL, sv[1], 0, 0), 0);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.ep = (int)ep;
	w.timeout_ms = GUARD_MS;
	CT_EQ(c, pthread_create(&t, NULL, waiter_thread, &w), 0);
	ct_wait_sleeping(&w.tid);
	CT_CHECK_EQ(c, add(c, (int)ep, sv2[0], EPOLLOUT), 0);
	pthread_join(t, NULL);
	CT_EQ(c, w.ret, 1);
	CT_EQ(c, w.ev[0].events, EPOLLOUT);
}

/* A blocked epoll_wait interrupted: EINTR. */
static void epoll_wait_interrupted(struct ct_ctx *c)
{
	struct waiter w;
	pthread_t t;
	long ep;
	int sv[2];

	CT_OK(c, ep, mk_ep(c));
	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, add(c, (int)ep, sv[1], EPOLLIN), 0);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.ep = (int)ep;
	w.timeout_ms = GUARD_MS;
	CT_EQ(c, pthread_create(&t, NULL, waiter_thread, &w), 0);
	ct_wait_sleeping(&w.tid);
	CT_CHECK_EQ(c, c->b->interrupt(t), 0);
	pthread_join(t, NULL);
	CT_EQ(c, w.ret, -EINTR);
}

const struct ct_case ct_cases_epoll[] = {
	{ "epoll_create_flags", epoll_create_flags },
	{ "epoll_ctl_add_twice", epoll_ctl_add_twice },
	{ "epoll_ctl_unregistered", epoll_ctl_unregistered },
	{ "epoll_ctl_self_and_bad_op", epoll_ctl_self_and_bad_op },
	{ "epoll_ctl_bad_fds", epoll_ctl_bad_fds },
	{ "epoll_ctl_regular_file", epoll_ctl_regular_file },
	{ "epoll_ctl_event_pointer", epoll_ctl_event_pointer },
	{ "epoll_ctl_exclusive", epoll_ctl_exclusive },
	{ "epoll_wait_bad_args", epoll_wait_bad_args },
	{ "epoll_wait_efault", epoll_wait_efault },
	{ "epoll_wait_timeouts", epoll_wait_timeouts },
	{ "epoll_data_unchanged", epoll_data_unchanged },
	{ "epoll_masks_fresh", epoll_masks_fresh },
	{ "epoll_masks_stream_peer", epoll_masks_stream_peer },
	{ "epoll_masks_own_shutdown", epoll_masks_own_shutdown },
	{ "epoll_masks_reset", epoll_masks_reset },
	{ "epoll_masks_peer_closed_types", epoll_masks_peer_closed_types },
	{ "epoll_masks_filtered", epoll_masks_filtered },
	{ "epoll_listener", epoll_listener },
	{ "epoll_level_repeats", epoll_level_repeats },
	{ "epoll_edge_in", epoll_edge_in },
	{ "epoll_edge_out", epoll_edge_out },
	{ "epoll_edge_out_after_drain", epoll_edge_out_after_drain },
	{ "epoll_edge_listener", epoll_edge_listener },
	{ "epoll_dgram_out_edge", epoll_dgram_out_edge },
	{ "epoll_oneshot", epoll_oneshot },
	{ "epoll_mod_changes_events", epoll_mod_changes_events },
	{ "epoll_maxevents_round_robin", epoll_maxevents_round_robin },
	{ "epoll_closed_fd_removed", epoll_closed_fd_removed },
	{ "epoll_dup_keeps_registration", epoll_dup_keeps_registration },
	{ "epoll_two_sets", epoll_two_sets },
	{ "epoll_nested", epoll_nested },
	{ "epoll_wait_woken_by_send", epoll_wait_woken_by_send },
	{ "epoll_wait_woken_by_close_and_add", epoll_wait_woken_by_close_and_add },
	{ "epoll_wait_interrupted", epoll_wait_interrupted },
	{ 0 },
};

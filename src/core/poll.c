/*
 * poll.c - poll(2) and ppoll(2) over sockets.
 *
 * The first pass asks each socket for its mask and registers the caller on
 * every wait queue that can change it (ops->poll with a poll table); if
 * nothing is ready the caller parks until a queue wakes it, then asks again
 * without registering. Descriptors that are open but not sockets are always
 * ready for reading and writing, as Linux reports for regular files.
 *
 * Locking: none held while parked. The poll table holds a reference on
 * each socket whose queue it is registered on.
 */
#include "uaccess.h"

#include <ksock/ksock.h>

#define KS_POLL_FAST 32
#define KS_DEFAULT_POLLMASK (KS_POLLIN | KS_POLLOUT | KS_POLLRDNORM | KS_POLLWRNORM)

struct poll_set {
	struct ks_pollfd *pfd;
	struct ks_socket **sock; /* NULL: not a socket, or not open */
	unsigned long n;
};

static short poll_one(struct poll_set *ps, unsigned long i, struct ks_poll_table *pt)
{
	struct ks_pollfd *p = &ps->pfd[i];
	unsigned filter = (unsigned short)p->events | KS_POLLERR | KS_POLLHUP;

	if (p->fd < 0)
		return 0;
	if (!ps->sock[i]) {
		struct ks_socket *s;
		int err = ks_port_fd_get(p->fd, &s);
		if (err == -KS_ENOTSOCK)
			return (short)(KS_DEFAULT_POLLMASK & filter);
		if (err)
			return KS_POLLNVAL;
		ps->sock[i] = s;
	}
	if (pt)
		pt->events = filter;
	return (short)(ps->sock[i]->ops->poll(ps->sock[i], pt) & filter);
}

static long poll_scan(struct poll_set *ps, struct ks_poll_table *pt)
{
	long ready = 0;

	for (unsigned long i = 0; i < ps->n; i++) {
		ps->pfd[i].revents = poll_one(ps, i, pt);
		if (ps->pfd[i].revents)
			ready++;
	}
	return ready;
}

static long poll_loop(struct poll_set *ps, uint64_t deadline)
{
	struct ks_poll_table pt;
	long ready;

	__builtin_memset(&pt, 0, sizeof(pt));
	ks_port_parker_reset(ks_port_parker());
	ready = poll_scan(ps, deadline ? &pt : NULL);
	while (!ready && deadline && !pt.error) {
		int err = ks_port_park(ks_port_parker(), deadline);
		ks_port_parker_reset(ks_port_parker());
		ready = poll_scan(ps, NULL);
		if (ready || err == -KS_ETIMEDOUT)
			break;
		if (err == -KS_EINTR) {
			ready = -KS_EINTR;
			break;
		}
	}
	if (pt.error && !ready)
		ready = pt.error;
	ks_poll_table_free(&pt);
	return ready;
}

static long do_poll(struct ks_pollfd *ufds, unsigned long nfds, uint64_t deadline)
{
	struct ks_pollfd fast_pfd[KS_POLL_FAST];
	struct ks_socket *fast_sock[KS_POLL_FAST];
	struct poll_set ps = {fast_pfd, fast_sock, nfds};
	long ret = -KS_ENOMEM;

	if (nfds > (unsigned long)ks_tunables.fd_limit)
		return -KS_EINVAL;
	if (!ks_port_access_ok(ufds, nfds * sizeof(*ufds)))
		return -KS_EFAULT;
	if (nfds > KS_POLL_FAST) {
		ps.pfd = ks_port_alloc(nfds * sizeof(*ps.pfd));
		ps.sock = ks_port_alloc(nfds * sizeof(*ps.sock));
		if (!ps.pfd || !ps.sock)
			goto out;
	}
	__builtin_memset(ps.sock, 0, nfds * sizeof(*ps.sock));
	ret = -KS_EFAULT;
	if (ks_port_copy_from_user(ps.pfd, ufds, nfds * sizeof(*ps.pfd)))
		goto out;
	ret = poll_loop(&ps, deadline);
	for (unsigned long i = 0; i < nfds; i++)
		if (ps.sock[i])
			ks_socket_file_put(ps.sock[i]);
	if (ret >= 0 && ks_port_copy_to_user(ufds, ps.pfd, nfds * sizeof(*ps.pfd)))
		ret = -KS_EFAULT;
out:
	if (ps.pfd != fast_pfd) {
		ks_port_free(ps.pfd, nfds * sizeof(*ps.pfd));
		ks_port_free(ps.sock, nfds * sizeof(*ps.sock));
	}
	return ret;
}

long ks_sys_poll(struct ks_pollfd *fds, unsigned long nfds, int timeout_ms)
{
	uint64_t deadline = KS_FOREVER;

	if (timeout_ms == 0)
		deadline = 0;
	else if (timeout_ms > 0)
		deadline = ks_port_now_ns() + (uint64_t)timeout_ms * 1000000u;
	return do_poll(fds, nfds, deadline);
}

long ks_sys_ppoll(struct ks_pollfd *fds, unsigned long nfds, const struct ks_timespec *timeout,
		  const void *sigmask, unsigned long sigsetsize)
{
	struct ks_timespec ts;
	uint64_t deadline = KS_FOREVER;

	(void)sigsetsize;
	if (sigmask)
		return -KS_ENOSYS; /* signal masks belong to the port; none is wired yet */
	if (timeout) {
		if (ks_port_copy_from_user(&ts, timeout, sizeof(ts)))
			return -KS_EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -KS_EINVAL;
		deadline = (ts.tv_sec || ts.tv_nsec)
				   ? ks_port_now_ns() + (uint64_t)ts.tv_sec * 1000000000u +
					     (uint64_t)ts.tv_nsec
				   : 0;
	}
	return do_poll(fds, nfds, deadline);
}

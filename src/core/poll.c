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

/* ---- select, on top of the same loop ---- */

#define KS_POLLIN_SET (KS_POLLRDNORM | KS_POLLRDBAND | KS_POLLIN | KS_POLLHUP | KS_POLLERR)
#define KS_POLLOUT_SET (KS_POLLWRBAND | KS_POLLWRNORM | KS_POLLOUT | KS_POLLERR)
#define KS_POLLEX_SET KS_POLLPRI
#define KS_LONG_BITS (8 * sizeof(unsigned long))
#define KS_SELECT_FAST 1024 /* bits of fd_set kept on the stack */

struct select_sets {
	unsigned long in[KS_SELECT_FAST / KS_LONG_BITS];
	unsigned long out[KS_SELECT_FAST / KS_LONG_BITS];
	unsigned long ex[KS_SELECT_FAST / KS_LONG_BITS];
};

static bool bit_of(const unsigned long *set, int fd)
{
	return (set[fd / KS_LONG_BITS] >> (fd % KS_LONG_BITS)) & 1;
}

static void bit_set(unsigned long *set, int fd)
{
	set[fd / KS_LONG_BITS] |= 1UL << (fd % KS_LONG_BITS);
}

static int sets_in(struct select_sets *k, int n, void *uin, void *uout, void *uex)
{
	size_t bytes = (size_t)(n + KS_LONG_BITS - 1) / KS_LONG_BITS * sizeof(unsigned long);

	__builtin_memset(k, 0, sizeof(*k));
	if ((uin && ks_port_copy_from_user(k->in, uin, bytes)) ||
	    (uout && ks_port_copy_from_user(k->out, uout, bytes)) ||
	    (uex && ks_port_copy_from_user(k->ex, uex, bytes)))
		return -KS_EFAULT;
	return 0;
}

/* The pollfd set of the descriptors named in any set; -EBADF for a closed one. */
static long select_to_poll(const struct select_sets *k, int n, struct ks_pollfd *pfd)
{
	long count = 0;

	for (int fd = 0; fd < n; fd++) {
		short ev = (short)((bit_of(k->in, fd) ? KS_POLLIN_SET : 0) |
				   (bit_of(k->out, fd) ? KS_POLLOUT_SET : 0) |
				   (bit_of(k->ex, fd) ? KS_POLLEX_SET : 0));
		if (!ev)
			continue;
		pfd[count].fd = fd;
		pfd[count].events = ev;
		pfd[count].revents = 0;
		count++;
	}
	return count;
}

/* Results back into the sets; the number of bits set. */
static long poll_to_select(struct select_sets *k, const struct ks_pollfd *pfd, long count)
{
	struct select_sets r;
	long bits = 0;

	__builtin_memset(&r, 0, sizeof(r));
	for (long i = 0; i < count; i++) {
		int fd = pfd[i].fd;
		unsigned m = (unsigned short)pfd[i].revents;
		if (bit_of(k->in, fd) && (m & KS_POLLIN_SET))
			bit_set(r.in, fd), bits++;
		if (bit_of(k->out, fd) && (m & KS_POLLOUT_SET))
			bit_set(r.out, fd), bits++;
		if (bit_of(k->ex, fd) && (m & KS_POLLEX_SET))
			bit_set(r.ex, fd), bits++;
	}
	*k = r;
	return bits;
}

static int sets_out(const struct select_sets *k, int n, void *uin, void *uout, void *uex)
{
	size_t bytes = (size_t)(n + KS_LONG_BITS - 1) / KS_LONG_BITS * sizeof(unsigned long);

	if ((uin && ks_port_copy_to_user(uin, k->in, bytes)) ||
	    (uout && ks_port_copy_to_user(uout, k->out, bytes)) ||
	    (uex && ks_port_copy_to_user(uex, k->ex, bytes)))
		return -KS_EFAULT;
	return 0;
}

static long select_poll(struct select_sets *k, int n, uint64_t deadline)
{
	struct ks_pollfd *pfd = ks_port_alloc((size_t)n * sizeof(*pfd) + 1);
	struct ks_socket **sock = ks_port_alloc((size_t)n * sizeof(*sock) + 1);
	long ret = -KS_ENOMEM;

	if (pfd && sock) {
		long count = select_to_poll(k, n, pfd);
		struct poll_set ps = {pfd, sock, (unsigned long)count};
		__builtin_memset(sock, 0, (size_t)n * sizeof(*sock) + 1);
		ret = poll_loop(&ps, deadline);
		for (long i = 0; i < count; i++) {
			if (sock[i])
				ks_socket_file_put(sock[i]);
			if (pfd[i].revents & KS_POLLNVAL)
				ret = -KS_EBADF; /* select refuses descriptors that are not open */
		}
		if (ret >= 0)
			ret = poll_to_select(k, pfd, count);
	}
	ks_port_free(pfd, (size_t)n * sizeof(*pfd) + 1);
	ks_port_free(sock, (size_t)n * sizeof(*sock) + 1);
	return ret;
}

long ks_sys_select(int n, void *uin, void *uout, void *uex, struct ks_timeval *utv)
{
	struct select_sets k;
	struct ks_timeval tv;
	uint64_t deadline = KS_FOREVER, start = ks_port_now_ns();

	if (n < 0)
		return -KS_EINVAL;
	if (n > KS_SELECT_FAST)
		n = KS_SELECT_FAST; /* ksock's descriptor sets stop at FD_SETSIZE */
	if (utv) {
		if (ks_port_copy_from_user(&tv, utv, sizeof(tv)))
			return -KS_EFAULT;
		/* Linux folds whole seconds out of tv_usec, then checks. */
		long sec = tv.tv_sec + tv.tv_usec / 1000000, nsec = tv.tv_usec % 1000000 * 1000;
		if (sec < 0 || nsec < 0)
			return -KS_EINVAL;
		uint64_t ns = (uint64_t)sec * 1000000000u + (uint64_t)nsec;
		deadline = ns ? start + ns : 0;
	}
	long ret = sets_in(&k, n, uin, uout, uex);
	if (!ret)
		ret = select_poll(&k, n, deadline);
	if (ret >= 0 && sets_out(&k, n, uin, uout, uex))
		ret = -KS_EFAULT;
	if (utv && deadline && deadline != KS_FOREVER) { /* Linux writes back the time left */
		uint64_t now = ks_port_now_ns(), left = now < deadline ? deadline - now : 0;
		tv.tv_sec = (long)(left / 1000000000u);
		tv.tv_usec = (long)(left % 1000000000u / 1000u);
		(void)ks_port_copy_to_user(utv, &tv, sizeof(tv)); /* Linux ignores a fault here */
	}
	return ret;
}

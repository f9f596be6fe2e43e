/*
 * iter.c - copying between user iovecs and kernel memory.
 *
 * Interface: ks_iter_single() (socket.h) or an iovec array prepared by the system-call
 * layer (syscall.c); then ks_iter_copy_from/to move bytes and advance
 * (socket.h has their inline fast path, a copy within one iovec; the walk
 * over iovec boundaries is here).
 * Every user byte goes through the port's copy hooks.
 */
#include "socket.h"

/* The next user chunk of at most n bytes: its address and length. */
static unsigned long iter_chunk(struct ks_iter *it, unsigned long n, char **ubase)
{
	while (it->idx < it->cnt && it->off == it->iov[it->idx].iov_len) {
		it->idx++;
		it->off = 0;
	}
	KS_ASSERT(it->idx < it->cnt);
	unsigned long avail = it->iov[it->idx].iov_len - it->off;
	*ubase = (char *)it->iov[it->idx].iov_base + it->off;
	return avail < n ? avail : n;
}

static void iter_advance(struct ks_iter *it, unsigned long n)
{
	it->off += n;
	it->left -= n;
}

int ks_iter_copy_from_slow(struct ks_iter *it, void *dst, unsigned long n)
{
	char *d = dst;

	KS_ASSERT(n <= it->left);
	while (n) {
		char *u;
		unsigned long c = iter_chunk(it, n, &u);
		if (ks_port_copy_from_user(d, u, c))
			return -KS_EFAULT;
		iter_advance(it, c);
		d += c;
		n -= c;
	}
	return 0;
}

int ks_iter_copy_to_slow(struct ks_iter *it, const void *src, unsigned long n)
{
	const char *s = src;

	KS_ASSERT(n <= it->left);
	while (n) {
		char *u;
		unsigned long c = iter_chunk(it, n, &u);
		if (ks_port_copy_to_user(u, s, c))
			return -KS_EFAULT;
		iter_advance(it, c);
		s += c;
		n -= c;
	}
	return 0;
}

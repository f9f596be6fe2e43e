/*
 * sock.c - the socket calls: socket, socketpair, bind, listen, accept,
 * accept4, connect, getsockname, getpeername, the send and receive
 * families (with glibc's fortified receive variants), shutdown,
 * setsockopt, getsockopt.
 *
 * A socket of a family ksock serves (KSOCK_FAMILIES) is made by ksock and
 * given a placeholder; any call on a placeholder goes to ks_sys_*, with
 * the result turned into libc's -1/errno. libc's and ksock's structures
 * have the same layout (include/ksock/abi.h), so pointers pass through;
 * ksock reads and writes them with its fault-safe copies, so a bad
 * pointer is EFAULT, as on Linux.
 *
 * Interface: the libc functions above.
 */
#include <stdio.h>
#include <sys/socket.h>

#include <ksock/port.h>

#include "ksr.h"

#define KADDR(a) ((struct ks_sockaddr *)(a))
#define CKADDR(a) ((const struct ks_sockaddr *)(a))
#define KLEN(l) ((unsigned *)(l))

/* A ks_sys_* result counted as served. */
static long served(long r)
{
	KSR_COUNT(calls);
	return ksr_ret(r);
}

/* A new ksock socket (k, or an error) as the program's descriptor. */
static int give(long k)
{
	KSR_COUNT(calls);
	if (k < 0)
		return (int)ksr_fail((int)-k);
	int fd = ksr_install((int)k);
	if (fd < 0)
		return (int)ksr_fail(-fd);
	KSR_COUNT(sockets);
	return fd;
}

int socket(int domain, int type, int protocol)
{
	if (!ksr_serves(domain, type, protocol)) {
		int fd = REAL(socket)(domain, type, protocol);
		if (fd >= 0) {
			ksr_fresh(fd);
			KSR_COUNT(linux_sockets);
			if (domain == AF_INET)
				KSR_COUNT(linux_inet);
		}
		return fd;
	}
	int err = domain == AF_INET ? ksr_tap_start() : 0;
	if (err)
		return (int)ksr_fail(-err);
	int fd = give(ks_sys_socket(domain, type, protocol));
	if (fd >= 0 && domain == AF_INET)
		KSR_COUNT(inet);
	return fd;
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
	if (!ksr_serves(domain, type, protocol)) {
		int r = REAL(socketpair)(domain, type, protocol, sv);
		if (r == 0) {
			ksr_fresh(sv[0]);
			ksr_fresh(sv[1]);
			KSR_COUNT(linux_sockets);
			KSR_COUNT(linux_sockets);
		}
		return r;
	}
	/* ksock stores its numbers into sv (EFAULT if sv is bad, before
	 * anything is made, as Linux); then they become placeholders. */
	long r = ks_sys_socketpair(domain, type, protocol, sv);
	KSR_COUNT(calls);
	if (r < 0)
		return (int)ksr_fail((int)-r);
	int k1 = sv[1];
	int fd0 = ksr_install(sv[0]);
	if (fd0 < 0) {
		(void)ks_sys_close(k1); /* our own: the error is fd0's */
		return (int)ksr_fail(-fd0);
	}
	int fd1 = ksr_install(k1);
	if (fd1 < 0) {
		ksr_close_mapped(fd0);
		return (int)ksr_fail(-fd1);
	}
	sv[0] = fd0;
	sv[1] = fd1;
	KSR_COUNT(sockets);
	KSR_COUNT(sockets);
	return 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	KSR_ROUTE(fd, k, REAL(bind)(fd, addr, len));
	return (int)served(ks_sys_bind(k, CKADDR(addr), len));
}

int listen(int fd, int backlog)
{
	KSR_ROUTE(fd, k, REAL(listen)(fd, backlog));
	return (int)served(ks_sys_listen(k, backlog));
}

/* An accepted ksock socket (k, or an error) as the program's descriptor,
 * counted as AF_INET when it is one. */
static int give_accepted(long k)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (k >= 0 && ks_sys_getsockname((int)k, KADDR(&ss), KLEN(&sl)) == 0 &&
	    ss.ss_family == AF_INET)
		KSR_COUNT(inet);
	return give(k);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int k = ksr_ks(fd);

	if (k == KSR_DEAD)
		return (int)ksr_fail(EBADF);
	if (k == KSR_NONE) {
		int nfd = REAL(accept4)(fd, addr, len, flags);
		if (nfd >= 0)
			ksr_fresh(nfd);
		return nfd;
	}
	return give_accepted(KSR_BLOCK_RD(k, ks_sys_accept4(k, KADDR(addr), KLEN(len), flags)));
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int k = ksr_ks(fd);

	if (k == KSR_DEAD)
		return (int)ksr_fail(EBADF);
	if (k == KSR_NONE) {
		int nfd = REAL(accept)(fd, addr, len);
		if (nfd >= 0)
			ksr_fresh(nfd);
		return nfd;
	}
	return give_accepted(KSR_BLOCK_RD(k, ks_sys_accept(k, KADDR(addr), KLEN(len))));
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	KSR_ROUTE(fd, k, REAL(connect)(fd, addr, len));
	return (int)served(KSR_BLOCK_WR(k, ks_sys_connect(k, CKADDR(addr), len)));
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	KSR_ROUTE(fd, k, REAL(getsockname)(fd, addr, len));
	return (int)served(ks_sys_getsockname(k, KADDR(addr), KLEN(len)));
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	KSR_ROUTE(fd, k, REAL(getpeername)(fd, addr, len));
	return (int)served(ks_sys_getpeername(k, KADDR(addr), KLEN(len)));
}

int shutdown(int fd, int how)
{
	KSR_ROUTE(fd, k, REAL(shutdown)(fd, how));
	return (int)served(ks_sys_shutdown(k, how));
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	KSR_ROUTE(fd, k, REAL(setsockopt)(fd, level, name, val, len));
	return (int)served(ks_sys_setsockopt(k, level, name, val, len));
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	KSR_ROUTE(fd, k, REAL(getsockopt)(fd, level, name, val, len));
	return (int)served(ks_sys_getsockopt(k, level, name, val, KLEN(len)));
}

/* ---- sending ---- */

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	long r;

	KSR_ROUTE(fd, k, REAL(send)(fd, buf, n, flags));
	if (ksr_in_handler() && ksr_sigwrite(k, buf, n, &r))
		return ksr_ret(r); /* a self-pipe write: queued (sigwrite.c) */
	return served(KSR_BLOCK_WR(k, ks_sys_sendto(k, buf, n, flags, NULL, 0)));
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
	       socklen_t len)
{
	long r;

	KSR_ROUTE(fd, k, REAL(sendto)(fd, buf, n, flags, addr, len));
	if (!addr && ksr_in_handler() && ksr_sigwrite(k, buf, n, &r))
		return ksr_ret(r); /* a self-pipe write: queued (sigwrite.c) */
	return served(KSR_BLOCK_WR(k, ks_sys_sendto(k, buf, n, flags, CKADDR(addr), len)));
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct ksr_scm_out out;

	KSR_ROUTE(fd, k, REAL(sendmsg)(fd, msg, flags));
	int err = ksr_scm_to_ks(msg, &out);
	if (err)
		return ksr_fail(-err);
	long r = KSR_BLOCK_WR(k, ks_sys_sendmsg(k, (const struct ks_msghdr *)&out.msg, flags));
	ksr_scm_done(&out, r >= 0);
	return served(r);
}

/* Whether any of the first vlen messages carries control data. */
static int mmsg_has_control(const struct mmsghdr *vec, unsigned vlen)
{
	for (unsigned i = 0; i < vlen; i++) {
		struct msghdr m;
		if (ks_port_copy_from_user(&m, &vec[i].msg_hdr, sizeof(m)))
			return 0; /* ksock reports the EFAULT */
		if (m.msg_control && m.msg_controllen)
			return 1;
	}
	return 0;
}

/* The bytes message m would send (its iovecs' total), or 0 if unknown. */
static size_t msg_total(const struct msghdr *m)
{
	size_t total = 0;

	for (size_t i = 0; i < m->msg_iovlen; i++) {
		struct iovec v;
		if (ks_port_copy_from_user(&v, &m->msg_iov[i], sizeof(v)))
			return 0;
		total += v.iov_len;
	}
	return total;
}

int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	KSR_ROUTE(fd, k, REAL(sendmmsg)(fd, vec, vlen, flags));
	if (vlen > 1024)
		vlen = 1024; /* Linux's UIO_MAXIOV */
	if (!mmsg_has_control(vec, vlen))
		return (int)served(KSR_BLOCK_WR(k, ks_sys_sendmmsg(k, (struct ks_mmsghdr *)vec, vlen, flags)));
	/* Control messages need translating: one message at a time, with
	 * sendmmsg's rules (stop at the first error or partial send). */
	unsigned n = 0;
	long r = 0;
	for (; n < vlen; n++) {
		struct ksr_scm_out out;
		r = ksr_scm_to_ks(&vec[n].msg_hdr, &out);
		if (r)
			break;
		r = KSR_BLOCK_WR(k, ks_sys_sendmsg(k, (const struct ks_msghdr *)&out.msg, flags));
		ksr_scm_done(&out, r >= 0);
		unsigned len = (unsigned)r;
		if (r < 0 || ks_port_copy_to_user(&vec[n].msg_len, &len, sizeof(len))) {
			r = r < 0 ? r : -EFAULT;
			break;
		}
		if ((size_t)r < msg_total(&out.msg)) {
			n++;
			break;
		}
	}
	KSR_COUNT(calls);
	return n ? (int)n : (int)ksr_ret(r);
}

/* ---- receiving ---- */

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	KSR_ROUTE(fd, k, REAL(recv)(fd, buf, n, flags));
	return served(KSR_BLOCK_RD(k, ks_sys_recvfrom(k, buf, n, flags, NULL, NULL)));
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
	KSR_ROUTE(fd, k, REAL(recvfrom)(fd, buf, n, flags, addr, len));
	return served(KSR_BLOCK_RD(k, ks_sys_recvfrom(k, buf, n, flags, KADDR(addr), KLEN(len))));
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	KSR_ROUTE(fd, k, REAL(recvmsg)(fd, msg, flags));
	long r = KSR_BLOCK_RD(k, ks_sys_recvmsg(k, (struct ks_msghdr *)msg, flags));
	if (r >= 0)
		ksr_scm_from_ks(msg, flags);
	return served(r);
}

int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)
{
	KSR_ROUTE(fd, k, REAL(recvmmsg)(fd, vec, vlen, flags, timeout));
	long r = KSR_BLOCK_RD(k, ks_sys_recvmmsg(k, (struct ks_mmsghdr *)vec, vlen, flags,
					   (struct ks_timespec *)timeout));
	for (long i = 0; i < r; i++)
		ksr_scm_from_ks(&vec[i].msg_hdr, flags);
	return (int)served(r);
}

/* glibc's _FORTIFY_SOURCE variants: the size check, then the call. */
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *len);
void __chk_fail(void) __attribute__((noreturn));

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		__chk_fail();
	return recv(fd, buf, n, flags);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *len)
{
	if (n > buflen)
		__chk_fail();
	return recvfrom(fd, buf, n, flags, addr, len);
}

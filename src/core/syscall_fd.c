/*
 * syscall_fd.c - descriptor-level calls on sockets: close, dup, dup3,
 * fcntl, ioctl; and ks_syscall(), the one-line dispatcher a kernel wires
 * into its system-call table.
 *
 * Locking: none here. close may run a socket's release (which locks).
 */
#include "uaccess.h"

#include <ksock/ksock.h>

long ks_sys_close(int fd)
{
	return ks_port_fd_close(fd);
}

long ks_sys_dup(int fd)
{
	return ks_port_fd_dup(fd, 0, -1, false);
}

long ks_sys_dup3(int oldfd, int newfd, int flags)
{
	if (flags & ~KS_O_CLOEXEC)
		return -KS_EINVAL;
	if (oldfd == newfd)
		return -KS_EINVAL;
	if (newfd < 0)
		return -KS_EBADF;
	return ks_port_fd_dup(oldfd, 0, newfd, (flags & KS_O_CLOEXEC) != 0);
}

/* F_GETFL / F_SETFL: the open file's status flags. */
static long fcntl_fl(int fd, int cmd, long arg)
{
	struct ks_socket *s;
	long err = ks_sock_lookup(fd, &s);

	if (err)
		return err == -KS_ENOTSOCK ? -KS_EINVAL : err;
	if (cmd == KS_F_GETFL) {
		err = KS_O_RDWR;
		if (__atomic_load_n(&s->nonblock, __ATOMIC_RELAXED))
			err |= KS_O_NONBLOCK;
	} else {
		__atomic_store_n(&s->nonblock, (arg & KS_O_NONBLOCK) ? 1 : 0, __ATOMIC_RELAXED);
		err = 0;
	}
	ks_socket_file_put(s);
	return err;
}

long ks_sys_fcntl(int fd, int cmd, long arg)
{
	switch (cmd) {
	case KS_F_DUPFD:
	case KS_F_DUPFD_CLOEXEC:
		if (arg < 0 || arg > 0x7fffffff)
			return -KS_EINVAL;
		return ks_port_fd_dup(fd, (int)arg, -1, cmd == KS_F_DUPFD_CLOEXEC);
	case KS_F_GETFD:
		return ks_port_fd_cloexec(fd, -1);
	case KS_F_SETFD:
		return ks_port_fd_cloexec(fd, (arg & KS_FD_CLOEXEC) ? 1 : 0);
	case KS_F_GETFL:
	case KS_F_SETFL:
		return fcntl_fl(fd, cmd, arg);
	default:
		return -KS_EINVAL;
	}
}

/* Requests every file answers, before the socket sees any. */
static long ioctl_file(int fd, struct ks_socket *s, unsigned long req, void *uarg)
{
	int v;

	switch (req) {
	case KS_FIOCLEX:
	case KS_FIONCLEX:
		return ks_port_fd_cloexec(fd, req == KS_FIOCLEX);
	case KS_FIONBIO:
		if (ks_port_copy_from_user(&v, uarg, sizeof(v)))
			return -KS_EFAULT;
		__atomic_store_n(&s->nonblock, v ? 1 : 0, __ATOMIC_RELAXED);
		return 0;
	case KS_FIOASYNC:
		if (ks_port_copy_from_user(&v, uarg, sizeof(v)))
			return -KS_EFAULT;
		return v ? -KS_EINVAL : 0; /* no SIGIO delivery (yet) */
	default:
		return -KS_ENOIOCTLCMD;
	}
}

long ks_sys_ioctl(int fd, unsigned long req, void *uarg)
{
	struct ks_socket *s;
	long err = ks_sock_lookup(fd, &s);

	if (err)
		return err == -KS_ENOTSOCK ? -KS_ENOTTY : err;
	err = ioctl_file(fd, s, req, uarg);
	if (err == -KS_ENOIOCTLCMD)
		err = s->ops->ioctl(s, req, uarg);
	if (err == -KS_ENOIOCTLCMD)
		err = -KS_ENOTTY;
	ks_socket_file_put(s);
	return err;
}

#define A(i) ((void *)(a##i))
long ks_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	switch (nr) {
	case KS_NR_socket: return ks_sys_socket((int)a0, (int)a1, (int)a2);
	case KS_NR_socketpair: return ks_sys_socketpair((int)a0, (int)a1, (int)a2, A(3));
	case KS_NR_bind: return ks_sys_bind((int)a0, A(1), (unsigned)a2);
	case KS_NR_listen: return ks_sys_listen((int)a0, (int)a1);
	case KS_NR_accept: return ks_sys_accept((int)a0, A(1), A(2));
	case KS_NR_accept4: return ks_sys_accept4((int)a0, A(1), A(2), (int)a3);
	case KS_NR_connect: return ks_sys_connect((int)a0, A(1), (unsigned)a2);
	case KS_NR_getsockname: return ks_sys_getsockname((int)a0, A(1), A(2));
	case KS_NR_getpeername: return ks_sys_getpeername((int)a0, A(1), A(2));
	case KS_NR_sendto:
		return ks_sys_sendto((int)a0, A(1), (unsigned long)a2, (int)a3, A(4), (unsigned)a5);
	case KS_NR_recvfrom:
		return ks_sys_recvfrom((int)a0, A(1), (unsigned long)a2, (int)a3, A(4), A(5));
	case KS_NR_setsockopt: return ks_sys_setsockopt((int)a0, (int)a1, (int)a2, A(3), (unsigned)a4);
	case KS_NR_getsockopt: return ks_sys_getsockopt((int)a0, (int)a1, (int)a2, A(3), A(4));
	case KS_NR_shutdown: return ks_sys_shutdown((int)a0, (int)a1);
	case KS_NR_sendmsg: return ks_sys_sendmsg((int)a0, A(1), (int)a2);
	case KS_NR_recvmsg: return ks_sys_recvmsg((int)a0, A(1), (int)a2);
	case KS_NR_sendmmsg: return ks_sys_sendmmsg((int)a0, A(1), (unsigned)a2, (int)a3);
	case KS_NR_recvmmsg: return ks_sys_recvmmsg((int)a0, A(1), (unsigned)a2, (int)a3, A(4));
	case KS_NR_read: return ks_sys_read((int)a0, A(1), (unsigned long)a2);
	case KS_NR_write: return ks_sys_write((int)a0, A(1), (unsigned long)a2);
	case KS_NR_readv: return ks_sys_readv((int)a0, A(1), (int)a2);
	case KS_NR_writev: return ks_sys_writev((int)a0, A(1), (int)a2);
	case KS_NR_close: return ks_sys_close((int)a0);
	case KS_NR_dup: return ks_sys_dup((int)a0);
	case KS_NR_dup3: return ks_sys_dup3((int)a0, (int)a1, (int)a2);
	case KS_NR_fcntl: return ks_sys_fcntl((int)a0, (int)a1, a2);
	case KS_NR_ioctl: return ks_sys_ioctl((int)a0, (unsigned long)a1, A(2));
	case KS_NR_ppoll: return ks_sys_ppoll(A(0), (unsigned long)a1, A(2), A(3), (unsigned long)a4);
	default: return -KS_ENOSYS;
	}
}
#undef A

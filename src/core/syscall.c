/*
 * syscall.c - the socket system calls that create, name and connect
 * sockets: socket, socketpair, bind, listen, accept, connect, getsockname,
 * getpeername, shutdown. Data transfer is in syscall_io.c, descriptor
 * calls in syscall_fd.c, options in sockopt.c, poll in poll.c.
 *
 * Each call copies its arguments in, looks the socket up, calls the
 * socket's operation and copies results out, in the order Linux does each
 * step (the order decides which error a bad call gets).
 *
 * Locking: none here; operations lock what they need. Every call may sleep.
 */
#include "uaccess.h"

#include <ksock/ksock.h>

int ks_addr_in(const void *uaddr, unsigned len, struct ks_sockaddr_storage *k)
{
	if (len > sizeof(*k))
		return -KS_EINVAL;
	if (len == 0)
		return 0;
	return ks_port_copy_from_user(k, uaddr, len);
}

int ks_addr_out(const struct ks_sockaddr_storage *k, int klen, void *uaddr, unsigned *ulen)
{
	int len;

	if (ks_port_copy_from_user(&len, ulen, sizeof(len)))
		return -KS_EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -KS_EINVAL;
	if (len && ks_port_copy_to_user(uaddr, k, (size_t)len))
		return -KS_EFAULT;
	return ks_port_copy_to_user(ulen, &klen, sizeof(klen));
}

long ks_sys_socket(int domain, int type, int protocol)
{
	struct ks_socket *s;
	int flags = type & ~KS_SOCK_TYPE_MASK;

	if (flags & ~(KS_SOCK_CLOEXEC | KS_SOCK_NONBLOCK))
		return -KS_EINVAL;
	int err = ks_socket_create(domain, type & KS_SOCK_TYPE_MASK, protocol, &s);
	if (err)
		return err;
	if (flags & KS_SOCK_NONBLOCK)
		s->nonblock = 1;
	int fd = ks_port_fd_install(s, 0, flags & KS_SOCK_CLOEXEC);
	if (fd < 0)
		ks_socket_file_put(s);
	return fd;
}

/* Installs a and b (each holding a file reference it hands over). */
static int install_pair(struct ks_socket *a, struct ks_socket *b, int flags, int fds[2])
{
	fds[0] = ks_port_fd_install(a, 0, flags & KS_SOCK_CLOEXEC);
	if (fds[0] < 0) {
		ks_socket_file_put(a);
		ks_socket_file_put(b);
		return fds[0];
	}
	fds[1] = ks_port_fd_install(b, 0, flags & KS_SOCK_CLOEXEC);
	if (fds[1] < 0) {
		ks_socket_file_put(b);
		ks_port_fd_close(fds[0]);
		return fds[1];
	}
	return 0;
}

long ks_sys_socketpair(int domain, int type, int protocol, int sv[2])
{
	struct ks_socket *a, *b;
	int flags = type & ~KS_SOCK_TYPE_MASK;
	int err, fds[2] = {-1, -1};

	if (flags & ~(KS_SOCK_CLOEXEC | KS_SOCK_NONBLOCK))
		return -KS_EINVAL;
	/* Linux stores the descriptor numbers before it creates anything, so a
	 * bad sv fails first, whatever the other arguments are. */
	if (ks_port_copy_to_user(sv, fds, sizeof(fds)))
		return -KS_EFAULT;
	err = ks_socket_create(domain, type & KS_SOCK_TYPE_MASK, protocol, &a);
	if (err)
		return err;
	err = ks_socket_create(domain, type & KS_SOCK_TYPE_MASK, protocol, &b);
	if (err)
		goto put_a;
	err = a->ops->socketpair(a, b);
	if (err)
		goto put_b;
	a->nonblock = b->nonblock = (flags & KS_SOCK_NONBLOCK) != 0;
	err = install_pair(a, b, flags, fds);
	if (err)
		return err;
	if (ks_port_copy_to_user(sv, fds, sizeof(fds))) {
		ks_port_fd_close(fds[0]);
		ks_port_fd_close(fds[1]);
		return -KS_EFAULT;
	}
	return 0;
put_b:
	ks_socket_file_put(b);
put_a:
	ks_socket_file_put(a);
	return err;
}

long ks_sys_bind(int fd, const struct ks_sockaddr *addr, unsigned addrlen)
{
	struct ks_sockaddr_storage k;
	struct ks_socket *s;
	int err = ks_sock_lookup(fd, &s);

	if (err)
		return err;
	err = ks_addr_in(addr, addrlen, &k);
	if (!err)
		err = s->ops->bind(s, &k, addrlen);
	ks_socket_file_put(s);
	return err;
}

long ks_sys_listen(int fd, int backlog)
{
	struct ks_socket *s;
	int err = ks_sock_lookup(fd, &s);

	if (err)
		return err;
	if ((unsigned)backlog > (unsigned)ks_tunables.somaxconn)
		backlog = ks_tunables.somaxconn;
	err = s->ops->listen(s, backlog);
	ks_socket_file_put(s);
	return err;
}

/* Names the accepted socket for the caller; on failure the new socket is
 * dropped (the connection is lost, as on Linux). */
static long accept_finish(struct ks_socket *ns, struct ks_sockaddr *addr, unsigned *addrlen,
			  int flags)
{
	if (addr) {
		struct ks_sockaddr_storage k;
		int len = ns->ops->getname(ns, &k, true);
		int err = len < 0 ? -KS_ECONNABORTED : ks_addr_out(&k, len, addr, addrlen);
		if (err) {
			ks_socket_file_put(ns);
			return err;
		}
	}
	if (flags & KS_SOCK_NONBLOCK)
		ns->nonblock = 1;
	int nfd = ks_port_fd_install(ns, 0, flags & KS_SOCK_CLOEXEC);
	if (nfd < 0)
		ks_socket_file_put(ns);
	return nfd;
}

long ks_sys_accept4(int fd, struct ks_sockaddr *addr, unsigned *addrlen, int flags)
{
	struct ks_socket *s, *ns;

	if (flags & ~(KS_SOCK_CLOEXEC | KS_SOCK_NONBLOCK))
		return -KS_EINVAL;
	int err = ks_sock_lookup(fd, &s);
	if (err)
		return err;
	err = s->ops->accept(s, &ns, __atomic_load_n(&s->nonblock, __ATOMIC_RELAXED));
	if (!err)
		ks_socket_accepted(s, ns); /* the listener's namespace, for /net */
	ks_socket_file_put(s);
	if (err)
		return err;
	return accept_finish(ns, addr, addrlen, flags);
}

long ks_sys_accept(int fd, struct ks_sockaddr *addr, unsigned *addrlen)
{
	return ks_sys_accept4(fd, addr, addrlen, 0);
}

long ks_sys_connect(int fd, const struct ks_sockaddr *addr, unsigned addrlen)
{
	struct ks_sockaddr_storage k;
	struct ks_socket *s;
	int err;

	/* Linux copies the address in before it checks the file is a socket. */
	err = ks_sock_lookup(fd, &s);
	if (err == -KS_ENOTSOCK) {
		err = ks_addr_in(addr, addrlen, &k);
		return err ? err : -KS_ENOTSOCK;
	}
	if (err)
		return err;
	err = ks_addr_in(addr, addrlen, &k);
	if (!err)
		err = s->ops->connect(s, &k, addrlen);
	ks_socket_file_put(s);
	return err;
}

static long getname(int fd, struct ks_sockaddr *addr, unsigned *addrlen, bool peer)
{
	struct ks_sockaddr_storage k;
	struct ks_socket *s;
	int err = ks_sock_lookup(fd, &s);

	if (err)
		return err;
	int len = s->ops->getname(s, &k, peer);
	ks_socket_file_put(s);
	if (len < 0)
		return len;
	return ks_addr_out(&k, len, addr, addrlen);
}

long ks_sys_getsockname(int fd, struct ks_sockaddr *addr, unsigned *addrlen)
{
	return getname(fd, addr, addrlen, false);
}

long ks_sys_getpeername(int fd, struct ks_sockaddr *addr, unsigned *addrlen)
{
	return getname(fd, addr, addrlen, true);
}

long ks_sys_shutdown(int fd, int how)
{
	struct ks_socket *s;
	int err = ks_sock_lookup(fd, &s);

	if (err)
		return err;
	err = s->ops->shutdown(s, how);
	ks_socket_file_put(s);
	return err;
}

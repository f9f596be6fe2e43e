/*
 * ksock/ksock.h - the system calls ksock provides.
 *
 * Each call behaves as the Linux system call of the same name and returns a
 * value >= 0 on success or a negative KS_E* error number. Pointer arguments
 * are user memory: ksock reads and writes them only through the port's
 * copy hooks, so a bad pointer gives -KS_EFAULT, never a crash.
 *
 * Interface:
 *   ks_init() once, before any other call (the hosted library calls it on
 *   first use by itself). Then the ks_sys_* calls from any number of threads.
 *   A kernel wires them all through ks_syscall(nr, a0..a5), which dispatches
 *   by the generic system-call numbers in abi.h (KS_NR_*).
 *
 * The hosted library adds "processes" (ks_proc_*): a fd table and
 * credentials that the calling thread acts as. See port/hosted/README.md.
 */
#ifndef KSOCK_KSOCK_H
#define KSOCK_KSOCK_H

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Registers the built-in families; returns 0 or a negative error. */
int ks_init(void);

long ks_sys_socket(int domain, int type, int protocol);
long ks_sys_socketpair(int domain, int type, int protocol, int sv[2]);
long ks_sys_bind(int fd, const struct ks_sockaddr *addr, unsigned addrlen);
long ks_sys_listen(int fd, int backlog);
long ks_sys_accept(int fd, struct ks_sockaddr *addr, unsigned *addrlen);
long ks_sys_accept4(int fd, struct ks_sockaddr *addr, unsigned *addrlen, int flags);
long ks_sys_connect(int fd, const struct ks_sockaddr *addr, unsigned addrlen);
long ks_sys_getsockname(int fd, struct ks_sockaddr *addr, unsigned *addrlen);
long ks_sys_getpeername(int fd, struct ks_sockaddr *addr, unsigned *addrlen);
long ks_sys_sendto(int fd, const void *buf, unsigned long len, int flags,
		   const struct ks_sockaddr *addr, unsigned addrlen);
long ks_sys_recvfrom(int fd, void *buf, unsigned long len, int flags,
		     struct ks_sockaddr *addr, unsigned *addrlen);
long ks_sys_sendmsg(int fd, const struct ks_msghdr *msg, int flags);
long ks_sys_recvmsg(int fd, struct ks_msghdr *msg, int flags);
long ks_sys_sendmmsg(int fd, struct ks_mmsghdr *vec, unsigned vlen, int flags);
long ks_sys_recvmmsg(int fd, struct ks_mmsghdr *vec, unsigned vlen, int flags,
		     struct ks_timespec *timeout);
long ks_sys_shutdown(int fd, int how);
long ks_sys_setsockopt(int fd, int level, int name, const void *val, unsigned len);
long ks_sys_getsockopt(int fd, int level, int name, void *val, unsigned *len);
long ks_sys_read(int fd, void *buf, unsigned long len);
long ks_sys_write(int fd, const void *buf, unsigned long len);
long ks_sys_readv(int fd, const struct ks_iovec *iov, int iovcnt);
long ks_sys_writev(int fd, const struct ks_iovec *iov, int iovcnt);
long ks_sys_close(int fd);
long ks_sys_dup(int fd);
long ks_sys_dup3(int oldfd, int newfd, int flags);
long ks_sys_fcntl(int fd, int cmd, long arg);
long ks_sys_ioctl(int fd, unsigned long req, void *arg);
long ks_sys_poll(struct ks_pollfd *fds, unsigned long nfds, int timeout_ms);
/* select(2): the sets are Linux's fd_set (bit arrays of unsigned long);
 * descriptors up to 1024 (FD_SETSIZE). */
long ks_sys_select(int nfds, void *readfds, void *writefds, void *exceptfds,
		   struct ks_timeval *timeout);
long ks_sys_ppoll(struct ks_pollfd *fds, unsigned long nfds, const struct ks_timespec *timeout,
		  const void *sigmask, unsigned long sigsetsize);

/* epoll (hosted port; a kernel hangs its own epoll on ksock's readiness
 * callbacks, see docs/porting.md). */
long ks_sys_epoll_create1(int flags);
long ks_sys_epoll_ctl(int epfd, int op, int fd, struct ks_epoll_event *ev);
long ks_sys_epoll_wait(int epfd, struct ks_epoll_event *events, int maxevents, int timeout_ms);

/* Dispatches by KS_NR_* number; -KS_ENOSYS for a number ksock does not serve. */
long ks_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* ---- hosted port only ---- */
struct ks_proc;
/* A new hosted process with its own fd table and credentials, or NULL. */
struct ks_proc *ks_proc_new(int pid, unsigned uid, unsigned gid);
/* The calling thread acts as p from now on (NULL: the default process). */
void ks_proc_enter(struct ks_proc *p);
/* Closes every descriptor of p and frees it. No thread may still act as p. */
void ks_proc_exit(struct ks_proc *p);
/* Sets p's file-creation mask (used for pathname binds); returns the old one. */
unsigned ks_proc_umask(struct ks_proc *p, unsigned mask);
/* Gives process `to` its own descriptor for the calling process's open file
 * fd (as a descriptor inherited over fork would be); returns the number in
 * `to`'s table. For tests that pass sockets between hosted processes. */
long ks_proc_dup_fd(struct ks_proc *to, int fd);
/* Makes a host descriptor a file (not a socket) of the calling process;
 * returns the ksock descriptor, which owns hostfd from then on. */
long ks_hosted_import_fd(int hostfd);

/* Locks the calling thread holds now (tests check it is 0 between cases). */
int ks_hosted_locks_held(void);

/* From a signal handler, as a signal the task must handle: the calling
 * thread's current ksock sleep (the one the handler interrupted) or its
 * next one returns -KS_EINTR, unless a wake-up came first. Async-signal-
 * safe: atomics only, no lock, no allocation. 0, or -KS_ESRCH if the
 * thread never slept in ksock (nothing to interrupt yet). */
int ks_hosted_interrupt_self(void);
/* Drops a pending interruption of the calling thread (one that came after
 * the call it was for stopped sleeping). */
void ks_hosted_interrupt_clear(void);

/* Calls fn(arg) each time an event puts an item of hosted epoll set epfd
 * on its ready list (a socket's event; EPOLL_CTL_ADD or MOD of a ready
 * socket; an inner set's event), after it is there (not when epoll_wait
 * puts back a level-triggered item it reported); at once if items are
 * ready already. For a host that sleeps elsewhere than
 * ks_sys_epoll_wait (ksock-run: in the host's epoll_wait, on an eventfd fn
 * writes). fn runs under ksock wait-queue locks, on the waking thread: it
 * must not block or call ksock. One hook per set: a new call replaces it,
 * fn NULL removes it; when this returns the old fn no longer runs. 0, or
 * -KS_EBADF / -KS_EINVAL (epfd is not an epoll set). */
long ks_hosted_epoll_notify(int epfd, void (*fn)(void *arg), void *arg);

/* Counters for tests and the demo. */
struct ks_stats {
	long allocs_live;  /* port allocations not yet freed */
	long bytes_live;   /* bytes in them */
	long sockets_live; /* socket objects not yet freed */
};
void ks_stats_get(struct ks_stats *out);

/* Ends every TCP connection whose descriptors are all closed (TIME-WAIT,
 * or FIN-WAIT-2 waiting for a peer that never closes) at once, as if its
 * timers had run out; returns how many. For test runners between cases,
 * whose leak checks would otherwise count the 60 s of TIME-WAIT. */
int ks_inet_tcp_expire(void);

/* Linux's net.ipv4.tcp_ecn for AF_INET's TCP (RFC 3168; docs/tcp.md):
 * 0 never use ECN, 1 ask for it on outgoing connections and accept it on
 * incoming ones, 2 accept it only (the default, as Linux's). Applies to
 * connections whose SYN is sent or received afterwards. 0, or -KS_EINVAL
 * for another value. */
int ks_inet_set_tcp_ecn(int mode);
int ks_inet_get_tcp_ecn(void);

/* Writes a table of live sockets in the style of `ss -x`, one line each,
 * through the callback; returns the number of sockets listed. */
int ks_socket_table(void (*line)(void *arg, const char *text), void *arg);

#ifdef __cplusplus
}
#endif
#endif

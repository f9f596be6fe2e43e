/*
 * backend_linux.c - the reference backend: Linux's own sockets.
 *
 * Every call is made with syscall(2), not through libc's wrappers: the
 * wrappers of sanitizer builds (ASan, TSan) read and write the arguments
 * themselves, which crashes on the bad pointers the EFAULT cases pass. A
 * failing call returns -errno.
 *
 * run_as forks a child that drops to the given credentials, runs the
 * function and sends its result back through a pipe; run_as_fd is the
 * same, the child using the descriptor it inherited.
 *
 * interrupt sends SIGUSR1, whose handler (a no-op, installed once, without
 * SA_RESTART) makes the thread's blocking system call return EINTR.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_AS_TIMEOUT_MS 10000

static long ret(long r)
{
	return r < 0 ? -errno : r;
}

static long lx_socket(int domain, int type, int protocol)
{
	return ret(syscall(SYS_socket, domain, type, protocol));
}

static long lx_socketpair(int domain, int type, int protocol, int sv[2])
{
	return ret(syscall(SYS_socketpair, domain, type, protocol, sv));
}

static long lx_bind(int fd, const void *addr, unsigned len)
{
	return ret(syscall(SYS_bind, fd, addr, len));
}

static long lx_listen(int fd, int backlog)
{
	return ret(syscall(SYS_listen, fd, backlog));
}

static long lx_accept(int fd, void *addr, unsigned *len)
{
	return ret(syscall(SYS_accept, fd, addr, len));
}

static long lx_accept4(int fd, void *addr, unsigned *len, int flags)
{
	return ret(syscall(SYS_accept4, fd, addr, len, flags));
}

static long lx_connect(int fd, const void *addr, unsigned len)
{
	return ret(syscall(SYS_connect, fd, addr, len));
}

static long lx_getsockname(int fd, void *addr, unsigned *len)
{
	return ret(syscall(SYS_getsockname, fd, addr, len));
}

static long lx_getpeername(int fd, void *addr, unsigned *len)
{
	return ret(syscall(SYS_getpeername, fd, addr, len));
}

static long lx_sendto(int fd, const void *buf, unsigned long len, int flags, const void *addr,
		      unsigned alen)
{
	return ret(syscall(SYS_sendto, fd, buf, len, flags, addr, alen));
}

static long lx_recvfrom(int fd, void *buf, unsigned long len, int flags, void *addr,
			unsigned *alen)
{
	return ret(syscall(SYS_recvfrom, fd, buf, len, flags, addr, alen));
}

static long lx_sendmsg(int fd, const void *msghdr, int flags)
{
	return ret(syscall(SYS_sendmsg, fd, msghdr, flags));
}

static long lx_recvmsg(int fd, void *msghdr, int flags)
{
	return ret(syscall(SYS_recvmsg, fd, msghdr, flags));
}

static long lx_shutdown(int fd, int how)
{
	return ret(syscall(SYS_shutdown, fd, how));
}

static long lx_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
	return ret(syscall(SYS_setsockopt, fd, level, name, val, len));
}

static long lx_getsockopt(int fd, int level, int name, void *val, unsigned *len)
{
	return ret(syscall(SYS_getsockopt, fd, level, name, val, len));
}

static long lx_read(int fd, void *buf, unsigned long len)
{
	return ret(syscall(SYS_read, fd, buf, len));
}

static long lx_write(int fd, const void *buf, unsigned long len)
{
	return ret(syscall(SYS_write, fd, buf, len));
}

static long lx_readv(int fd, const void *iov, int iovcnt)
{
	return ret(syscall(SYS_readv, fd, iov, iovcnt));
}

static long lx_writev(int fd, const void *iov, int iovcnt)
{
	return ret(syscall(SYS_writev, fd, iov, iovcnt));
}

static long lx_close(int fd)
{
	return ret(syscall(SYS_close, fd));
}

static long lx_dup(int fd)
{
	return ret(syscall(SYS_dup, fd));
}

static long lx_fcntl(int fd, int cmd, long arg)
{
	return ret(syscall(SYS_fcntl, fd, cmd, arg));
}

static long lx_ioctl(int fd, unsigned long req, void *arg)
{
	return ret(syscall(SYS_ioctl, fd, req, arg));
}

static long lx_poll(void *pollfds, unsigned long nfds, int timeout_ms)
{
#ifdef SYS_poll
	return ret(syscall(SYS_poll, pollfds, nfds, timeout_ms));
#else
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

	return ret(syscall(SYS_ppoll, pollfds, nfds, timeout_ms < 0 ? NULL : &ts, NULL, 0));
#endif
}

static long lx_sendmmsg(int fd, void *vec, unsigned vlen, int flags)
{
	return ret(syscall(SYS_sendmmsg, fd, vec, vlen, flags));
}

static long lx_recvmmsg(int fd, void *vec, unsigned vlen, int flags, void *timeout)
{
	return ret(syscall(SYS_recvmmsg, fd, vec, vlen, flags, timeout));
}

static long lx_epoll_create1(int flags)
{
	return ret(syscall(SYS_epoll_create1, flags));
}

static long lx_epoll_ctl(int epfd, int op, int fd, void *ev)
{
	return ret(syscall(SYS_epoll_ctl, epfd, op, fd, ev));
}

static long lx_select(int nfds, void *rd, void *wr, void *ex, void *tv)
{
	return ret(syscall(SYS_select, nfds, rd, wr, ex, tv));
}

static long lx_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms)
{
	/* epoll_pwait with no mask: the one every architecture has. */
	return ret(syscall(SYS_epoll_pwait, epfd, events, maxevents, timeout_ms, NULL, 8));
}

static long lx_open_file(void)
{
	return ret(syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR));
}

/* What the child runs: fn, or fn_fd with the inherited descriptor. */
struct run_as_job {
	unsigned uid, gid;
	long (*fn)(const struct ct_backend *b, void *arg);
	long (*fn_fd)(const struct ct_backend *b, int fd, void *arg);
	int fd;
	void *arg;
};

/* In the forked child: drop to uid/gid, run the job, write its result to
 * wfd. Raw system calls only: the child of a threaded process has one
 * thread. */
static void run_as_child(int wfd, const struct run_as_job *job)
{
	long r;

	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, job->gid, job->gid, job->gid) < 0 ||
	    syscall(SYS_setresuid, job->uid, job->uid, job->uid) < 0)
		r = -errno;
	else {
		syscall(SYS_umask, 022);
		if (job->fn_fd)
			r = job->fn_fd(&ct_linux_backend, job->fd, job->arg);
		else
			r = job->fn(&ct_linux_backend, job->arg);
	}
	if (syscall(SYS_write, wfd, &r, sizeof(r)) != (long)sizeof(r))
		_exit(2);
	_exit(0);
}

static long run_job(const struct run_as_job *job)
{
	struct pollfd pfd;
	int p[2], status;
	long r = -ECHILD;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[0]);
		run_as_child(p[1], job);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, RUN_AS_TIMEOUT_MS) == 1) {
		if (read(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
			r = -ECHILD; /* the child died before answering */
	} else {
		r = -ETIMEDOUT;
		kill(pid, SIGKILL);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r;
}

static long lx_run_as(unsigned uid, unsigned gid,
		      long (*fn)(const struct ct_backend *b, void *arg), void *arg)
{
	struct run_as_job job = { uid, gid, fn, NULL, -1, arg };

	return run_job(&job);
}

static long lx_run_as_fd(unsigned uid, unsigned gid, int fd,
			 long (*fn)(const struct ct_backend *b, int fd, void *arg), void *arg)
{
	struct run_as_job job = { uid, gid, NULL, fn, fd, arg };

	return run_job(&job);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void install_sigusr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1; /* no SA_RESTART: blocking calls fail with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static long lx_interrupt(pthread_t t)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int err;

	pthread_once(&once, install_sigusr1);
	err = pthread_kill(t, SIGUSR1);
	return err ? -err : 0;
}

static long lx_live_allocs(void)
{
	return -1;
}

const struct ct_backend ct_linux_backend = {
	.name = "linux",
	.socket = lx_socket,
	.socketpair = lx_socketpair,
	.bind = lx_bind,
	.listen = lx_listen,
	.accept = lx_accept,
	.accept4 = lx_accept4,
	.connect = lx_connect,
	.getsockname = lx_getsockname,
	.getpeername = lx_getpeername,
	.sendto = lx_sendto,
	.recvfrom = lx_recvfrom,
	.sendmsg = lx_sendmsg,
	.recvmsg = lx_recvmsg,
	.shutdown = lx_shutdown,
	.setsockopt = lx_setsockopt,
	.getsockopt = lx_getsockopt,
	.read = lx_read,
	.write = lx_write,
	.readv = lx_readv,
	.writev = lx_writev,
	.close = lx_close,
	.dup = lx_dup,
	.fcntl = lx_fcntl,
	.ioctl = lx_ioctl,
	.poll = lx_poll,
	.sendmmsg = lx_sendmmsg,
	.recvmmsg = lx_recvmmsg,
	.epoll_create1 = lx_epoll_create1,
	.epoll_ctl = lx_epoll_ctl,
	.epoll_wait = lx_epoll_wait,
	.select = lx_select,
	.open_file = lx_open_file,
	.run_as = lx_run_as,
	.run_as_fd = lx_run_as_fd,
	.interrupt = lx_interrupt,
	.live_allocs = lx_live_allocs,
};

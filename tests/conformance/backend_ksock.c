/*
 * backend_ksock.c - the backend under test: ksock's hosted library.
 *
 * Each call is the ks_sys_* call of the same name; the suite's libc
 * structures are passed with a cast (abi.h's are layout-identical).
 * run_as acts as another hosted process in a new thread (run_as_fd first
 * gives that process its own descriptor with ks_proc_dup_fd); interrupt
 * is ks_hosted_interrupt; live_allocs reads ksock's allocation counter.
 *
 * Compiled out with -DCT_NO_KSOCK (developing against Linux alone).
 */
#ifndef CT_NO_KSOCK
#include "ct.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "hosted.h"
#include "ksock/ksock.h"

static long kb_socket(int domain, int type, int protocol)
{
	return ks_sys_socket(domain, type, protocol);
}

static long kb_socketpair(int domain, int type, int protocol, int sv[2])
{
	return ks_sys_socketpair(domain, type, protocol, sv);
}

static long kb_bind(int fd, const void *addr, unsigned len)
{
	return ks_sys_bind(fd, (const struct ks_sockaddr *)addr, len);
}

static long kb_listen(int fd, int backlog)
{
	return ks_sys_listen(fd, backlog);
}

static long kb_accept(int fd, void *addr, unsigned *len)
{
	return ks_sys_accept(fd, (struct ks_sockaddr *)addr, len);
}

static long kb_accept4(int fd, void *addr, unsigned *len, int flags)
{
	return ks_sys_accept4(fd, (struct ks_sockaddr *)addr, len, flags);
}

static long kb_connect(int fd, const void *addr, unsigned len)
{
	return ks_sys_connect(fd, (const struct ks_sockaddr *)addr, len);
}

static long kb_getsockname(int fd, void *addr, unsigned *len)
{
	return ks_sys_getsockname(fd, (struct ks_sockaddr *)addr, len);
}

static long kb_getpeername(int fd, void *addr, unsigned *len)
{
	return ks_sys_getpeername(fd, (struct ks_sockaddr *)addr, len);
}

static long kb_sendto(int fd, const void *buf, unsigned long len, int flags, const void *addr,
		      unsigned alen)
{
	return ks_sys_sendto(fd, buf, len, flags, (const struct ks_sockaddr *)addr, alen);
}

static long kb_recvfrom(int fd, void *buf, unsigned long len, int flags, void *addr,
			unsigned *alen)
{
	return ks_sys_recvfrom(fd, buf, len, flags, (struct ks_sockaddr *)addr, alen);
}

static long kb_sendmsg(int fd, const void *msghdr, int flags)
{
	return ks_sys_sendmsg(fd, (const struct ks_msghdr *)msghdr, flags);
}

static long kb_recvmsg(int fd, void *msghdr, int flags)
{
	return ks_sys_recvmsg(fd, (struct ks_msghdr *)msghdr, flags);
}

static long kb_shutdown(int fd, int how)
{
	return ks_sys_shutdown(fd, how);
}

static long kb_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
	return ks_sys_setsockopt(fd, level, name, val, len);
}

static long kb_getsockopt(int fd, int level, int name, void *val, unsigned *len)
{
	return ks_sys_getsockopt(fd, level, name, val, len);
}

static long kb_read(int fd, void *buf, unsigned long len)
{
	return ks_sys_read(fd, buf, len);
}

static long kb_write(int fd, const void *buf, unsigned long len)
{
	return ks_sys_write(fd, buf, len);
}

static long kb_readv(int fd, const void *iov, int iovcnt)
{
	return ks_sys_readv(fd, (const struct ks_iovec *)iov, iovcnt);
}

static long kb_writev(int fd, const void *iov, int iovcnt)
{
	return ks_sys_writev(fd, (const struct ks_iovec *)iov, iovcnt);
}

static long kb_close(int fd)
{
	return ks_sys_close(fd);
}

static long kb_dup(int fd)
{
	return ks_sys_dup(fd);
}

static long kb_fcntl(int fd, int cmd, long arg)
{
	return ks_sys_fcntl(fd, cmd, arg);
}

static long kb_ioctl(int fd, unsigned long req, void *arg)
{
	return ks_sys_ioctl(fd, req, arg);
}

static long kb_poll(void *pollfds, unsigned long nfds, int timeout_ms)
{
	return ks_sys_poll((struct ks_pollfd *)pollfds, nfds, timeout_ms);
}

static long kb_sendmmsg(int fd, void *vec, unsigned vlen, int flags)
{
	return ks_sys_sendmmsg(fd, (struct ks_mmsghdr *)vec, vlen, flags);
}

static long kb_recvmmsg(int fd, void *vec, unsigned vlen, int flags, void *timeout)
{
	return ks_sys_recvmmsg(fd, (struct ks_mmsghdr *)vec, vlen, flags,
			       (struct ks_timespec *)timeout);
}

static long kb_epoll_create1(int flags)
{
	return ks_sys_epoll_create1(flags);
}

static long kb_epoll_ctl(int epfd, int op, int fd, void *ev)
{
	return ks_sys_epoll_ctl(epfd, op, fd, (struct ks_epoll_event *)ev);
}

static long kb_select(int nfds, void *rd, void *wr, void *ex, void *tv)
{
	return ks_sys_select(nfds, rd, wr, ex, (struct ks_timeval *)tv);
}

static long kb_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms)
{
	return ks_sys_epoll_wait(epfd, (struct ks_epoll_event *)events, maxevents, timeout_ms);
}

static long kb_open_file(void)
{
	int hostfd = open("/dev/null", O_RDWR);

	if (hostfd < 0)
		return -KS_ENOENT;
	return ks_hosted_import_fd(hostfd);
}

/* ---- run_as: a thread acting as a new hosted process ---- */

struct run_as_job {
	struct ks_proc *proc;
	long (*fn)(const struct ct_backend *b, void *arg);
	long (*fn_fd)(const struct ct_backend *b, int fd, void *arg);
	int fd; /* the descriptor's number in proc (fn_fd) */
	void *arg;
	long result;
};

static void *run_as_thread(void *p)
{
	struct run_as_job *job = p;

	ks_proc_enter(job->proc);
	ks_proc_umask(job->proc, 022);
	if (job->fn_fd)
		job->result = job->fn_fd(&ct_ksock_backend, job->fd, job->arg);
	else
		job->result = job->fn(&ct_ksock_backend, job->arg);
	ks_proc_enter(NULL);
	return NULL;
}

/* Runs job in a new process with these credentials; fd >= 0: the new
 * process gets its own descriptor for the caller's open file fd first. */
static long run_job(struct run_as_job *job, unsigned uid, unsigned gid, int fd)
{
	static int next_pid = 200000; /* fake pids, unique per run */
	pthread_t t;

	job->proc = ks_proc_new(__atomic_add_fetch(&next_pid, 1, __ATOMIC_RELAXED), uid, gid);
	if (!job->proc)
		return -KS_ENOMEM;
	if (fd >= 0) {
		long r = ks_proc_dup_fd(job->proc, fd); /* as the caller's process */

		if (r < 0) {
			ks_proc_exit(job->proc);
			return r;
		}
		job->fd = (int)r;
	}
	if (pthread_create(&t, NULL, run_as_thread, job) != 0) {
		ks_proc_exit(job->proc);
		return -KS_EAGAIN;
	}
	pthread_join(t, NULL); /* a hang here is caught by the runner's watchdog */
	ks_proc_exit(job->proc);
	return job->result;
}

static long kb_run_as(unsigned uid, unsigned gid,
		      long (*fn)(const struct ct_backend *b, void *arg), void *arg)
{
	struct run_as_job job = { NULL, fn, NULL, -1, arg, -KS_ENOMEM };

	return run_job(&job, uid, gid, -1);
}

static long kb_run_as_fd(unsigned uid, unsigned gid, int fd,
			 long (*fn)(const struct ct_backend *b, int fd, void *arg), void *arg)
{
	struct run_as_job job = { NULL, NULL, fn, -1, arg, -KS_ENOMEM };

	return run_job(&job, uid, gid, fd);
}

static long kb_interrupt(pthread_t t)
{
	return ks_hosted_interrupt(t);
}

/* TCP connections whose descriptors a case closed may still be in
 * TIME-WAIT (60 s, as on Linux): they are ended first, so that what is
 * counted is what leaked. */
static long kb_live_allocs(void)
{
	struct ks_stats s;

	ks_inet_tcp_expire();
	ks_stats_get(&s);
	return s.allocs_live;
}

const struct ct_backend ct_ksock_backend = {
	.name = "ksock",
	.socket = kb_socket,
	.socketpair = kb_socketpair,
	.bind = kb_bind,
	.listen = kb_listen,
	.accept = kb_accept,
	.accept4 = kb_accept4,
	.connect = kb_connect,
	.getsockname = kb_getsockname,
	.getpeername = kb_getpeername,
	.sendto = kb_sendto,
	.recvfrom = kb_recvfrom,
	.sendmsg = kb_sendmsg,
	.recvmsg = kb_recvmsg,
	.shutdown = kb_shutdown,
	.setsockopt = kb_setsockopt,
	.getsockopt = kb_getsockopt,
	.read = kb_read,
	.write = kb_write,
	.readv = kb_readv,
	.writev = kb_writev,
	.close = kb_close,
	.dup = kb_dup,
	.fcntl = kb_fcntl,
	.ioctl = kb_ioctl,
	.poll = kb_poll,
	.sendmmsg = kb_sendmmsg,
	.recvmmsg = kb_recvmmsg,
	.epoll_create1 = kb_epoll_create1,
	.epoll_ctl = kb_epoll_ctl,
	.epoll_wait = kb_epoll_wait,
	.select = kb_select,
	.open_file = kb_open_file,
	.run_as = kb_run_as,
	.run_as_fd = kb_run_as_fd,
	.interrupt = kb_interrupt,
	.live_allocs = kb_live_allocs,
};
#endif /* CT_NO_KSOCK */

/*
 * fd.c (hosted) - the per-process descriptor table: ksock descriptors and
 * the descriptors of files that are not sockets (imported host fds).
 *
 * ksock descriptors are a namespace of their own, numbered from 0 lowest
 * free first as a kernel does; they are not host descriptor numbers (ksock
 * fd 3 and host fd 3 are unrelated). A slot holds either a socket, with one
 * file reference (ks_socket_file_get/put), or a host file: a reference-
 * counted wrapper of a host fd that ks_hosted_import_fd() handed over. dup
 * shares the wrapper (one host fd, as dup shares one open file); the host
 * fd is closed when the last slot referring to it is closed. Close-on-exec
 * is a flag per slot (nothing ever execs; it is only reported back).
 *
 * Limits: at most p->nofile descriptors (RLIMIT_NOFILE's soft limit when
 * the process was made): beyond it -KS_EMFILE; dup onto newfd >= limit is
 * -KS_EBADF and F_DUPFD from >= limit -KS_EINVAL, as Linux.
 *
 * Interface: ks_port_fd_install/get/close/dup/cloexec/rw_other (port.h),
 * ks_hosted_import_fd (ksock.h), hosted_fdtab_init/fini (hosted.h).
 *
 * Locking: p->fd_lock guards the table. A socket's file reference is taken
 * with the lock held (so a concurrent close cannot drop the last one first)
 * and dropped only after the lock is released (dropping the last one runs
 * the socket's release, which must not run under our lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/socket.h"
#include "hosted.h"

/* A host descriptor shared by the slots dup made of it. */
struct hosted_file {
	int hostfd;
	int refs; /* atomic */
};

void hosted_fdtab_init(struct ks_proc *p)
{
	ks_mutex_init(&p->fd_lock);
	p->fds = NULL;
	p->cap = 0;
	p->next_fd = 0;
}

/* Takes one more reference on what slot e refers to. */
static void fd_hold(const struct hosted_fd *e)
{
	if (e->kind == HOSTED_FD_SOCKET)
		ks_socket_file_get(e->u.sock);
	else if (e->kind == HOSTED_FD_EPOLL)
		hosted_epoll_hold(e->u.ep);
	else
		__atomic_add_fetch(&e->u.file->refs, 1, __ATOMIC_RELAXED);
}

/* Drops the reference a removed slot held. No lock held. */
static void fd_release(const struct hosted_fd *e)
{
	if (e->kind == HOSTED_FD_SOCKET) {
		ks_socket_file_put(e->u.sock);
	} else if (e->kind == HOSTED_FD_EPOLL) {
		hosted_epoll_put(e->u.ep);
	} else if (e->kind == HOSTED_FD_HOST &&
		   __atomic_sub_fetch(&e->u.file->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		close(e->u.file->hostfd);
		free(e->u.file);
	}
}

void hosted_fdtab_fini(struct ks_proc *p)
{
	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *fds = p->fds;
	int cap = p->cap;
	p->fds = NULL;
	p->cap = 0;
	p->next_fd = 0;
	ks_mutex_unlock(&p->fd_lock);
	for (int i = 0; i < cap; i++)
		fd_release(&fds[i]);
	free(fds);
	ks_mutex_destroy(&p->fd_lock);
}

/* The open slot fd, or NULL. */
static struct hosted_fd *fd_slot_locked(struct ks_proc *p, int fd)
{
	if (fd < 0 || fd >= p->cap || p->fds[fd].kind == HOSTED_FD_FREE)
		return NULL;
	return &p->fds[fd];
}

/* Makes slot index fd exist (fd < p->nofile). Moves the table. */
static int fd_grow_locked(struct ks_proc *p, int fd)
{
	int cap = p->cap ? p->cap : 64;

	if (fd < p->cap)
		return 0;
	while (cap <= fd)
		cap *= 2;
	if (cap > p->nofile)
		cap = p->nofile;
	struct hosted_fd *n = realloc(p->fds, (size_t)cap * sizeof(*n));
	if (!n)
		return -KS_ENOMEM;
	memset(n + p->cap, 0, (size_t)(cap - p->cap) * sizeof(*n));
	p->fds = n;
	p->cap = cap;
	return 0;
}

/* The lowest free descriptor >= min_fd, made to exist; or an error. */
static int fd_alloc_locked(struct ks_proc *p, int min_fd)
{
	int fd = min_fd < p->next_fd ? p->next_fd : min_fd;

	while (fd < p->cap && p->fds[fd].kind != HOSTED_FD_FREE)
		fd++;
	if (fd >= p->nofile)
		return -KS_EMFILE;
	int err = fd_grow_locked(p, fd);
	if (err)
		return err;
	if (min_fd <= p->next_fd)
		p->next_fd = fd + 1;
	return fd;
}

/* Installs slot e (whose reference the caller hands over) at >= min_fd. */
static int fd_install_slot(const struct hosted_fd *e, int min_fd)
{
	struct ks_proc *p = hosted_proc_current();

	if (min_fd < 0)
		return -KS_EINVAL;
	ks_mutex_lock(&p->fd_lock);
	int fd = fd_alloc_locked(p, min_fd);
	if (fd >= 0)
		p->fds[fd] = *e;
	ks_mutex_unlock(&p->fd_lock);
	return fd;
}

int ks_port_fd_install(struct ks_socket *s, int min_fd, bool cloexec)
{
	struct hosted_fd e = { .kind = HOSTED_FD_SOCKET, .cloexec = cloexec, .u.sock = s };

	return fd_install_slot(&e, min_fd);
}

long ks_hosted_import_fd(int hostfd)
{
	if (hostfd < 0 || fcntl(hostfd, F_GETFD) < 0)
		return -KS_EBADF;
	struct hosted_file *f = malloc(sizeof(*f));
	if (!f)
		return -KS_ENOMEM;
	f->hostfd = hostfd;
	f->refs = 1;
	struct hosted_fd e = { .kind = HOSTED_FD_HOST, .cloexec = false, .u.file = f };
	int fd = fd_install_slot(&e, 0);
	if (fd < 0)
		free(f); /* the caller keeps hostfd */
	return fd;
}

int ks_port_fd_get(int fd, struct ks_socket **out)
{
	struct ks_proc *p = hosted_proc_current();
	int err = 0;

	hosted_lock_bare(&p->fd_lock); /* every socket call: the lighter lock */
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e) {
		err = -KS_EBADF;
	} else if (e->kind != HOSTED_FD_SOCKET) {
		err = -KS_ENOTSOCK;
	} else {
		ks_socket_file_get(e->u.sock);
		*out = e->u.sock;
	}
	hosted_unlock_bare(&p->fd_lock);
	return err;
}

int ks_port_fd_close(int fd)
{
	struct ks_proc *p = hosted_proc_current();
	struct hosted_fd old;

	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e) {
		ks_mutex_unlock(&p->fd_lock);
		return -KS_EBADF;
	}
	old = *e;
	memset(e, 0, sizeof(*e));
	if (fd < p->next_fd)
		p->next_fd = fd;
	ks_mutex_unlock(&p->fd_lock);
	fd_release(&old);
	return 0;
}

/* dup onto the lowest free descriptor >= min_fd (F_DUPFD, dup). */
static int fd_dup_lowest(struct ks_proc *p, int oldfd, int min_fd, bool cloexec)
{
	if (min_fd < 0 || min_fd >= p->nofile)
		return -KS_EINVAL;
	ks_mutex_lock(&p->fd_lock);
	int fd = fd_slot_locked(p, oldfd) ? fd_alloc_locked(p, min_fd) : -KS_EBADF;
	if (fd >= 0) {
		/* fd_alloc_locked may have moved the table: index again. */
		p->fds[fd] = p->fds[oldfd];
		p->fds[fd].cloexec = cloexec;
		fd_hold(&p->fds[fd]);
	}
	ks_mutex_unlock(&p->fd_lock);
	return fd;
}

/* dup onto exactly newfd, replacing what is there in one step (dup3). */
static int fd_dup_onto(struct ks_proc *p, int oldfd, int newfd, bool cloexec)
{
	struct hosted_fd old = { .kind = HOSTED_FD_FREE };
	int err = 0;

	if (newfd >= p->nofile)
		return -KS_EBADF;
	ks_mutex_lock(&p->fd_lock);
	if (!fd_slot_locked(p, oldfd))
		err = -KS_EBADF;
	else
		err = fd_grow_locked(p, newfd);
	if (!err) {
		fd_hold(&p->fds[oldfd]);
		old = p->fds[newfd];
		p->fds[newfd] = p->fds[oldfd];
		p->fds[newfd].cloexec = cloexec;
	}
	ks_mutex_unlock(&p->fd_lock);
	fd_release(&old);
	return err ? err : newfd;
}

int ks_port_fd_dup(int oldfd, int min_fd, int newfd, bool cloexec)
{
	struct ks_proc *p = hosted_proc_current();

	if (newfd >= 0)
		return fd_dup_onto(p, oldfd, newfd, cloexec);
	return fd_dup_lowest(p, oldfd, min_fd, cloexec);
}

int ks_port_fd_cloexec(int fd, int set)
{
	struct ks_proc *p = hosted_proc_current();
	int ret = 0;

	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e)
		ret = -KS_EBADF;
	else if (set < 0)
		ret = e->cloexec ? 1 : 0;
	else
		e->cloexec = set != 0;
	ks_mutex_unlock(&p->fd_lock);
	return ret;
}

/* Host errno values are Linux's, the same numbers as KS_E*. */
long ks_port_fd_rw_other(int fd, void *buf, size_t len, bool write_)
{
	struct ks_proc *p = hosted_proc_current();
	struct hosted_fd ref = { .kind = HOSTED_FD_FREE };
	long ret = 0;

	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e)
		ret = -KS_EBADF;
	else if (e->kind != HOSTED_FD_HOST)
		ret = -KS_EINVAL; /* a socket: the core's business, never ours */
	else
		ref = *e;
	if (ref.kind == HOSTED_FD_HOST)
		fd_hold(&ref);
	ks_mutex_unlock(&p->fd_lock);
	if (ret)
		return ret;
	int hostfd = ref.u.file->hostfd;
	ret = write_ ? write(hostfd, buf, len) : read(hostfd, buf, len);
	if (ret < 0)
		ret = -errno;
	fd_release(&ref);
	return ret;
}

/* ---- open files in flight (SCM_RIGHTS) ---- */

/* The port's struct ks_file: a copy of a slot holding one reference on
 * what the slot refers to (a host file or an epoll instance; sockets
 * travel as sockets), shared by its holders through refs. */
struct ks_file {
	int refs; /* atomic */
	struct hosted_fd e;
};

int ks_port_file_get(int fd, struct ks_file **out)
{
	struct ks_proc *p = hosted_proc_current();
	struct ks_file *f = malloc(sizeof(*f));
	int err = 0;

	if (!f)
		return -KS_ENOMEM;
	f->refs = 1;
	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e) {
		err = -KS_EBADF;
	} else {
		f->e = *e;
		f->e.cloexec = false;
		fd_hold(&f->e);
	}
	ks_mutex_unlock(&p->fd_lock);
	if (err)
		free(f);
	else
		*out = f;
	return err;
}

void ks_port_file_hold(struct ks_file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void ks_port_file_put(struct ks_file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	fd_release(&f->e);
	free(f);
}

int ks_port_file_install(struct ks_file *f, bool cloexec)
{
	struct hosted_fd e = f->e;

	e.cloexec = cloexec;
	fd_hold(&e);
	int fd = fd_install_slot(&e, 0);
	if (fd < 0) {
		fd_release(&e);
		return fd;
	}
	ks_port_file_put(f);
	return fd;
}

long ks_proc_dup_fd(struct ks_proc *to, int fd)
{
	struct ks_proc *from = hosted_proc_current();
	struct hosted_fd e;
	int err = 0;

	ks_mutex_lock(&from->fd_lock);
	struct hosted_fd *s = fd_slot_locked(from, fd);
	if (!s) {
		err = -KS_EBADF;
	} else {
		e = *s;
		fd_hold(&e);
	}
	ks_mutex_unlock(&from->fd_lock);
	if (err)
		return err;
	ks_mutex_lock(&to->fd_lock);
	int nfd = fd_alloc_locked(to, 0);
	if (nfd >= 0)
		to->fds[nfd] = e;
	ks_mutex_unlock(&to->fd_lock);
	if (nfd < 0)
		fd_release(&e);
	return nfd;
}

/* ---- epoll descriptors (epoll.c) ---- */

int hosted_fd_install_epoll(struct hosted_epoll *ep, bool cloexec)
{
	struct hosted_fd e = { .kind = HOSTED_FD_EPOLL, .cloexec = cloexec, .u.ep = ep };

	return fd_install_slot(&e, 0);
}

int hosted_fd_get_epoll(int fd, struct hosted_epoll **out)
{
	struct ks_proc *p = hosted_proc_current();
	int err = 0;

	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e)
		err = -KS_EBADF;
	else if (e->kind != HOSTED_FD_EPOLL)
		err = -KS_EINVAL;
	else
		hosted_epoll_hold(*out = e->u.ep);
	ks_mutex_unlock(&p->fd_lock);
	return err;
}

int hosted_fd_get_pollable(int fd, struct ks_socket **out, struct hosted_epoll **ep)
{
	struct ks_proc *p = hosted_proc_current();
	int err = 0;

	*ep = NULL;
	ks_mutex_lock(&p->fd_lock);
	struct hosted_fd *e = fd_slot_locked(p, fd);
	if (!e)
		err = -KS_EBADF;
	else if (e->kind == HOSTED_FD_EPOLL)
		*ep = e->u.ep; /* no reference: only compared */
	else if (e->kind != HOSTED_FD_SOCKET)
		err = -KS_EPERM;
	else
		ks_socket_file_get(*out = e->u.sock);
	ks_mutex_unlock(&p->fd_lock);
	return err;
}

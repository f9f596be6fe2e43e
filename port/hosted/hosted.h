/*
 * hosted.h - what the files of the hosted port share with one another (and
 * with tests/unit), beyond include/ksock/port.h and ksock.h.
 *
 * Interface:
 *   struct ks_proc            - a hosted process: credentials, umask and its
 *                               descriptor table (proc.c, fd.c).
 *   hosted_proc_current()     - the process the calling thread acts as.
 *   hosted_fdtab_init/fini()  - set up / close every descriptor (fd.c).
 *   hosted_user_init()        - installs the fault handler of the copy hooks.
 *   ks_hosted_interrupt()     - makes a thread's park return -KS_EINTR.
 *
 * Locking: struct ks_proc's fields are fixed at creation except umask
 * (atomic) and the descriptor table (fd_lock).
 */
#ifndef KS_HOSTED_H
#define KS_HOSTED_H

#include <pthread.h>
#include <stdbool.h>

#include <ksock/ksock.h>
#include <ksock/port.h>

struct hosted_file;
struct hosted_epoll;

/* One descriptor-table slot. kind: what the slot holds. */
enum hosted_fd_kind { HOSTED_FD_FREE, HOSTED_FD_SOCKET, HOSTED_FD_HOST, HOSTED_FD_EPOLL };

struct hosted_fd {
	unsigned char kind; /* enum hosted_fd_kind */
	bool cloexec;
	union {
		struct ks_socket *sock;   /* holds one file reference */
		struct hosted_file *file; /* holds one reference on the host fd */
		struct hosted_epoll *ep;  /* holds one reference on the instance */
	} u;
};

struct ks_proc {
	int pid;
	unsigned uid, gid;
	unsigned umask; /* atomic */
	int nofile;     /* descriptor limit: RLIMIT_NOFILE at creation */
	struct ks_proc *list_next; /* live processes (proc.c) */

	struct ks_mutex fd_lock;
	struct hosted_fd *fds; /* [fd_lock] cap slots */
	int cap;               /* [fd_lock] */
	int next_fd;           /* [fd_lock] no free slot below it */
};

struct ks_proc *hosted_proc_default(void);
extern __thread struct ks_proc *hosted_proc_tls;
extern struct ks_proc hosted_proc_dflt;
extern int hosted_proc_dflt_ready; /* atomic: hosted_proc_dflt is set up */
/* The process the calling thread acts as (inline: every call needs it). */
static inline struct ks_proc *hosted_proc_current(void)
{
	if (hosted_proc_tls)
		return hosted_proc_tls;
	if (__atomic_load_n(&hosted_proc_dflt_ready, __ATOMIC_ACQUIRE))
		return &hosted_proc_dflt;
	return hosted_proc_default();
}

/* The ks_mutex futex protocol without the owner bookkeeping, for the port's
 * own short critical sections on the hot path (the descriptor lookup).
 * Mixes safely with ks_mutex_lock/unlock on the same mutex, but
 * ks_mutex_held does not see a bare holder. */
void hosted_mutex_lock_slow(struct ks_mutex *m);
void hosted_mutex_wake(struct ks_mutex *m);
/* Keeps a FUTEX_WAKE (all waiters) of word for when the calling thread
 * releases its last ksock mutex; false (wake now) if it holds none. */
bool hosted_defer_wake(int *word);
static inline void hosted_lock_bare(struct ks_mutex *m)
{
	int free_ = 0;

	if (!__atomic_compare_exchange_n(&m->state, &free_, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		hosted_mutex_lock_slow(m);
}

static inline void hosted_unlock_bare(struct ks_mutex *m)
{
	if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
		hosted_mutex_wake(m);
}
/* Descriptor limit of a new process: RLIMIT_NOFILE's soft limit, capped. */
int hosted_nofile_limit(void);

void hosted_fdtab_init(struct ks_proc *p);
/* Closes every descriptor of p and frees the table. */
void hosted_fdtab_fini(struct ks_proc *p);

void hosted_user_init(void);

/* epoll.c: references on an instance (one per slot or file in flight). */
void hosted_epoll_hold(struct hosted_epoll *ep);
void hosted_epoll_put(struct hosted_epoll *ep);
/* fd.c: installs an epoll instance (taking its reference) as a descriptor. */
int hosted_fd_install_epoll(struct hosted_epoll *ep, bool cloexec);
/* fd.c: the instance behind fd with a reference, or -KS_EBADF/-KS_EINVAL. */
int hosted_fd_get_epoll(int fd, struct hosted_epoll **out);
/* fd.c: the socket behind fd with a file reference; -KS_EPERM for a
 * descriptor that cannot be polled by epoll (a host file), -KS_EBADF. */
int hosted_fd_get_pollable(int fd, struct ks_socket **out, struct hosted_epoll **ep);

/* Interrupts thread t as a signal would: its current (or next) ks_port_park
 * returns -KS_EINTR, unless the latch is set. Returns 0, or -KS_ESRCH if t
 * never used a parker. Hosted extension, not in ksock.h yet. */
int ks_hosted_interrupt(pthread_t t);

#endif

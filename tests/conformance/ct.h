/*
 * ct.h - the differential conformance suite: every case runs against
 * Linux's own sockets and against ksock in the same run, and must pass on
 * both.
 *
 * A case is a function that drives a backend through the socket calls and
 * checks results with the CT_* macros. A backend is a table of the calls,
 * each returning >= 0 or a negative errno (Linux's libc calls are wrapped
 * to do so). Structures are libc's: ksock's ABI structures have the same
 * layout, so the ksock backend passes them through with a cast.
 *
 * Rules for cases:
 *  - Track every descriptor with ct_fd(c, fd) (or CT_FD): the runner closes
 *    them after the case, also when it fails early.
 *  - Use ct_path() for pathname addresses (a fresh directory per case, removed
 *    afterwards) and ct_abstract() for abstract names (unique per run).
 *  - No fixed sleeps to wait for another thread: block in the call under test,
 *    with a bounded timeout where a bug could hang (SO_RCVTIMEO, poll timeout).
 *  - A thread started by a case is joined before the case returns, on every
 *    path: use the CT_CHECK_* forms (which record a failure but do not return)
 *    between pthread_create and pthread_join.
 *  - On ksock the runner checks after each case that every allocation was
 *    returned (a leak fails the case).
 *  - Never depend on exact buffer-fill amounts, descriptor numbers or timing:
 *    those are not semantics.
 *
 * The runner is small and self-contained (it must later run inside a kernel
 * with no test framework): main.c.
 */
#ifndef CT_H
#define CT_H

#include <pthread.h>
#include <stddef.h>

struct ct_backend {
	const char *name; /* "linux" or "ksock" */
	long (*socket)(int domain, int type, int protocol);
	long (*socketpair)(int domain, int type, int protocol, int sv[2]);
	long (*bind)(int fd, const void *addr, unsigned len);
	long (*listen)(int fd, int backlog);
	long (*accept)(int fd, void *addr, unsigned *len);
	long (*accept4)(int fd, void *addr, unsigned *len, int flags);
	long (*connect)(int fd, const void *addr, unsigned len);
	long (*getsockname)(int fd, void *addr, unsigned *len);
	long (*getpeername)(int fd, void *addr, unsigned *len);
	long (*sendto)(int fd, const void *buf, unsigned long len, int flags, const void *addr,
		       unsigned alen);
	long (*recvfrom)(int fd, void *buf, unsigned long len, int flags, void *addr,
			 unsigned *alen);
	long (*sendmsg)(int fd, const void *msghdr, int flags);
	long (*recvmsg)(int fd, void *msghdr, int flags);
	long (*shutdown)(int fd, int how);
	long (*setsockopt)(int fd, int level, int name, const void *val, unsigned len);
	long (*getsockopt)(int fd, int level, int name, void *val, unsigned *len);
	long (*read)(int fd, void *buf, unsigned long len);
	long (*write)(int fd, const void *buf, unsigned long len);
	long (*readv)(int fd, const void *iov, int iovcnt);
	long (*writev)(int fd, const void *iov, int iovcnt);
	long (*close)(int fd);
	long (*dup)(int fd);
	long (*fcntl)(int fd, int cmd, long arg);
	long (*ioctl)(int fd, unsigned long req, void *arg);
	long (*poll)(void *pollfds, unsigned long nfds, int timeout_ms);
	/* vec: struct mmsghdr[vlen]; timeout: struct timespec * or NULL. */
	long (*sendmmsg)(int fd, void *vec, unsigned vlen, int flags);
	long (*recvmmsg)(int fd, void *vec, unsigned vlen, int flags, void *timeout);
	/* ev/events: libc's struct epoll_event (ksock's has the same layout). */
	long (*epoll_create1)(int flags);
	long (*epoll_ctl)(int epfd, int op, int fd, void *ev);
	long (*epoll_wait)(int epfd, void *events, int maxevents, int timeout_ms);
	/* select(2) with libc's fd_set and struct timeval. */
	long (*select)(int nfds, void *rd, void *wr, void *ex, void *timeval);
	/* An open descriptor that is not a socket (for ENOTSOCK cases). */
	long (*open_file)(void);
	/* Runs fn acting as another process with these credentials (umask
	 * 022) and returns its result. The other process shares no
	 * descriptors with the caller: fn makes its own. */
	long (*run_as)(unsigned uid, unsigned gid, long (*fn)(const struct ct_backend *b, void *arg),
		       void *arg);
	/* Like run_as, but the other process also gets its own descriptor for
	 * the caller's open file fd (as one inherited over fork), whose number
	 * in that process is passed to fn as fd. */
	long (*run_as_fd)(unsigned uid, unsigned gid, int fd,
			  long (*fn)(const struct ct_backend *b, int fd, void *arg), void *arg);
	/* Interrupts thread t as a signal without SA_RESTART would: its
	 * current blocking call returns -EINTR (on ksock also its next one, if
	 * it is not blocked yet; on Linux a signal that arrives before the
	 * call blocks is lost, so callers wait until t sleeps). */
	long (*interrupt)(pthread_t t);
	/* Allocations live now (ksock), or -1 where unknown (linux). */
	long (*live_allocs)(void);
};

extern const struct ct_backend ct_linux_backend;
extern const struct ct_backend ct_ksock_backend;

#define CT_MAX_FDS 256

struct ct_ctx {
	const struct ct_backend *b;
	char dir[200]; /* the case's own temporary directory */
	int fds[CT_MAX_FDS];
	int nfds;
	int failed; /* set by the CT_* macros */
	char msg[512];
};

struct ct_case {
	const char *name;
	void (*fn)(struct ct_ctx *c);
};

/* Tracks fd for closing after the case; returns fd (negative passes through). */
long ct_fd(struct ct_ctx *c, long fd);
/* Stops tracking fd (the case closed it itself). */
void ct_untrack(struct ct_ctx *c, int fd);
/* Fills a sockaddr_un with c->dir/name; returns the address length to pass
 * (offsetof(sun_path) + strlen + 1). */
unsigned ct_path(struct ct_ctx *c, void *sockaddr_un, const char *name);
/* Fills a sockaddr_un with a unique abstract name ("\0ct-<pid>-<n>-tag");
 * returns the address length (no trailing NUL counted). */
unsigned ct_abstract(struct ct_ctx *c, void *sockaddr_un, const char *tag);
/* Records a failure (first one wins). */
void ct_fail(struct ct_ctx *c, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Deterministic pseudo-random bytes. */
void ct_fill(void *buf, size_t n, unsigned seed);
unsigned long ct_hash(const void *buf, size_t n, unsigned long h);

/* An AF_UNIX socketpair of type, both ends tracked; 0 or -errno. */
long ct_pair(struct ct_ctx *c, int type, int sv[2]);
/* sendto/recvfrom without an address. */
long ct_snd(struct ct_ctx *c, int fd, const void *buf, unsigned long n, int flags);
long ct_rcv(struct ct_ctx *c, int fd, void *buf, unsigned long n, int flags);
/* SO_RCVTIMEO or SO_SNDTIMEO (opt) of ms milliseconds. */
long ct_set_timeo(struct ct_ctx *c, int fd, int opt, long ms);
/* SIGPIPE pending for the calling thread (it is blocked in every thread):
 * takes it and returns 1, else 0. */
int ct_take_sigpipe(void);
/* Milliseconds since *t0 (CLOCK_MONOTONIC). */
struct timespec;
long ct_elapsed_ms(const struct timespec *t0);
/* Best effort: waits (bounded, 1 s) until the thread whose id *tid holds
 * (0: not yet known) sleeps, so that the action that should wake it comes
 * after it blocked. Without /proc it returns at once: the case stays
 * correct, only the wakeup path may go untested. */
void ct_wait_sleeping(const int *tid);

#define CT_FD(c, expr) ct_fd((c), (expr))

/* Record and return from the case. */
#define CT_TRUE(c, cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			ct_fail((c), __FILE__, __LINE__, "%s", #cond);       \
			return;                                              \
		}                                                            \
	} while (0)
#define CT_EQ(c, expr, want)                                                 \
	do {                                                                 \
		long ct_g_ = (long)(expr), ct_w_ = (long)(want);             \
		if (ct_g_ != ct_w_) {                                        \
			ct_fail((c), __FILE__, __LINE__, "%s = %ld, want %ld", \
				#expr, ct_g_, ct_w_);                        \
			return;                                              \
		}                                                            \
	} while (0)
/* expr must be >= 0; its value is left in the variable named by var. */
#define CT_OK(c, var, expr)                                                  \
	do {                                                                 \
		var = (expr);                                                \
		if ((long)(var) < 0) {                                       \
			ct_fail((c), __FILE__, __LINE__, "%s = %ld, want >= 0", \
				#expr, (long)(var));                         \
			return;                                              \
		}                                                            \
	} while (0)

/* Record without returning (between pthread_create and pthread_join). */
#define CT_CHECK_TRUE(c, cond)                                               \
	do {                                                                 \
		if (!(cond))                                                 \
			ct_fail((c), __FILE__, __LINE__, "%s", #cond);       \
	} while (0)
#define CT_CHECK_EQ(c, expr, want)                                           \
	do {                                                                 \
		long ct_g_ = (long)(expr), ct_w_ = (long)(want);             \
		if (ct_g_ != ct_w_)                                          \
			ct_fail((c), __FILE__, __LINE__, "%s = %ld, want %ld", \
				#expr, ct_g_, ct_w_);                        \
	} while (0)

/* The case groups; each file defines one array ending in {0}. main.c lists
 * them. */
extern const struct ct_case ct_cases_create[];   /* socket, socketpair, bad fds and pointers */
extern const struct ct_case ct_cases_addr[];     /* bind, names, getsockname/getpeername */
extern const struct ct_case ct_cases_stream[];   /* connect/listen/accept, stream data */
extern const struct ct_case ct_cases_seqpacket[];
extern const struct ct_case ct_cases_dgram[];
extern const struct ct_case ct_cases_sockopt[];  /* SOL_SOCKET, fcntl, ioctl */
extern const struct ct_case ct_cases_poll[];     /* poll readiness */
extern const struct ct_case ct_cases_threads[];  /* blocking, concurrency, integrity */
extern const struct ct_case ct_cases_scm[];      /* SCM_RIGHTS, SCM_CREDENTIALS, peer creds */
extern const struct ct_case ct_cases_mmsg[];     /* sendmmsg/recvmmsg, MSG_* flags, peek offset */
extern const struct ct_case ct_cases_epoll[];    /* epoll masks, edge/level, ctl errors */
extern const struct ct_case ct_cases_limits[];   /* backpressure, lowat, queues, EINTR, SIGPIPE */
extern const struct ct_case ct_cases_select[];   /* select */
extern const struct ct_case ct_cases_stress[];   /* descriptors and data passed in cycles */
extern const struct ct_case ct_cases_udp[];      /* AF_INET SOCK_DGRAM on loopback */
extern const struct ct_case ct_cases_tcp[];      /* AF_INET SOCK_STREAM: bind, listen, connect, options */
extern const struct ct_case ct_cases_tcp_data[]; /* AF_INET SOCK_STREAM: data, shutdown, close, poll */
extern const struct ct_case ct_cases_pmtu[];     /* IP_MTU_DISCOVER, IP_MTU, ECN on loopback */

#endif

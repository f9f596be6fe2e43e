/*
 * ksr.h - what the files of the ksock-run preload library share.
 *
 * ksock-run runs an unmodified Linux program on ksock's sockets: this
 * library, preloaded with LD_PRELOAD, defines the libc entry points that
 * can touch a socket descriptor and sends the ones that concern a ksock
 * socket to ks_sys_*, everything else to the next definition (libc's).
 * See docs/ksock-run.md for the design and its limits.
 *
 * Object model. ksock's hosted descriptors are a namespace of their own,
 * so each ksock descriptor the program holds is represented by a real
 * *placeholder* descriptor (an O_PATH open of /dev/null, close-on-exec):
 * its number is the one the program sees, it cannot collide with the
 * program's real descriptors, and any host call that reaches it anyway
 * fails with EBADF instead of doing something else quietly. The map
 * (fdmap.c) takes a real descriptor number to the ksock descriptor.
 *
 * Interface:
 *   REAL(f)            - the next definition of libc function f (dlsym).
 *   ksr_ks(fd)         - the ksock descriptor behind real fd fd, KSR_NONE
 *                        (not ours: give it to Linux) or KSR_DEAD (a
 *                        ksock descriptor inherited over fork: EBADF).
 *   ksr_install(k)     - a new placeholder mapped to ksock fd k.
 *   ksr_ret(r)         - a ks_sys_* result as libc returns it (-1/errno).
 *   ksr_fresh(fd)      - after a real call created fd: drops a stale map
 *                        entry (the fd was closed behind our back).
 *   wait.c, epoll.c, scm.c, tap.c: see their sections below.
 *
 * Locking: the map is read with atomic loads and changed under
 * ksr_map_lock (a pthread mutex; no ksock call is made holding it; taken
 * after epoll.c's ep_lock when both are held, as around fork). Epoll bridges have their own lock (epoll.c). Readiness callbacks
 * run under ksock wait-queue locks and only write an eventfd.
 */
#ifndef KSR_H
#define KSR_H

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include <ksock/ksock.h>

/* Everything this header declares stays inside the library; only the libc
 * functions it defines (declared by libc's headers) are exported. */
#pragma GCC visibility push(hidden)

/* ---- the next definitions (real.c) ---- */
void *ksr_dlnext(void **slot, const char *name);
/* The next definition of f, resolved once per use site. */
#define REAL(f)                                                    \
	({                                                         \
		static void *ksr_slot_;                            \
		(__typeof__(&f))ksr_dlnext(&ksr_slot_, #f);        \
	})

/* Code that a sanitizer's runtime may call while it initialises, before it
 * can run instrumented code: ThreadSanitizer's __tsan_init installs its
 * fault handlers through dlsym(RTLD_NEXT, "sigaction"), which is ours
 * (signal.c) when its runtime is loaded before the library (the launcher
 * puts it after, docs/ksock-run.md; this keeps the other order from
 * crashing at start-up). Such a function and everything it calls on that path carry
 * this, and resolve libc with dlsym itself (not REAL: ksr_dlnext is
 * instrumented). GCC's no_sanitize also drops the entry/exit hooks;
 * Clang keeps them unless told disable_sanitizer_instrumentation. */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(disable_sanitizer_instrumentation)
#define KSR_UNINSTRUMENTED __attribute__((disable_sanitizer_instrumentation))
#endif
#endif
#ifndef KSR_UNINSTRUMENTED
#define KSR_UNINSTRUMENTED __attribute__((no_sanitize("thread")))
#endif

/* ---- results ---- */
static inline long ksr_ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static inline long ksr_fail(int err)
{
	errno = err;
	return -1;
}

/* ---- the descriptor map (fdmap.c) ---- */
#define KSR_MAXFD (1 << 20) /* Linux's default fs.nr_open */
#define KSR_NONE (-1)       /* not a ksock descriptor */
#define KSR_DEAD (-2)       /* a ksock descriptor of the parent, after fork */

extern int *ksr_map;            /* [fd] ksock fd + 1; 0 none; KSR_MAP_INTERNAL */
extern int ksr_child;           /* atomic: this is a fork child of the owner */
extern pthread_mutex_t ksr_map_lock;
#define KSR_MAP_INTERNAL (-1)   /* one of our own descriptors (eventfds) */

static inline int ksr_ks(int fd)
{
	if ((unsigned)fd >= KSR_MAXFD || !ksr_map)
		return KSR_NONE;
	int v = __atomic_load_n(&ksr_map[fd], __ATOMIC_ACQUIRE);
	if (v <= 0)
		return KSR_NONE;
	return __atomic_load_n(&ksr_child, __ATOMIC_RELAXED) ? KSR_DEAD : v - 1;
}

/* The common prologue of an interposed call on descriptor fd: gives
 * fd to Linux (real_call) unless it is ours; sets k to its ksock fd. */
#define KSR_ROUTE(fd, k, real_call)              \
	int k = ksr_ks(fd);                      \
	if (k == KSR_NONE)                       \
		return real_call;                \
	if (k == KSR_DEAD)                       \
		return ksr_fail(EBADF);

void ksr_map_init(void);
/* A new placeholder mapped to ksock fd k; returns it, or -errno after
 * closing k. */
int ksr_install(int k);
void ksr_fresh(int fd);
/* Marks fd as one of our own descriptors; moves it high first. Returns
 * the (maybe new) number, or -errno after closing fd. */
int ksr_internal_fd(int fd);
void ksr_internal_close(int fd);
/* Whether the calling process is a child of the one ksock serves (after
 * fork or in a vfork child): such a process must not touch ksock. */
int ksr_not_owner(void);
/* The highest descriptor that ever had an entry (-1: none). */
int ksr_map_hi(void);
/* Counts descriptors mapped now. */
int ksr_mapped_count(void);
/* Calls fn for each mapped real fd (without the map lock). */
void ksr_map_foreach(void (*fn)(int fd, int k, void *arg), void *arg);

/* close/dup family on a mapped descriptor (fdcalls.c uses these). */
int ksr_close_mapped(int fd);
int ksr_dup_mapped(int fd, int k, int min_fd, int cloexec);
int ksr_dup_onto(int fd, int k, int newfd, int cloexec);
/* The real newfd just got replaced by a real file: forget what was ours. */
void ksr_forget(int fd);

/* ---- blocking calls and signals (signal.c) ---- */
struct ks_parker;
/* The calling thread's state while it is inside a blocking ksock call. */
struct ksr_block {
	int in;                   /* atomic: inside a blocking call */
	int handler;              /* atomic: running the program's handler */
	int norestart;            /* a signal without SA_RESTART arrived */
	struct ks_parker *parker; /* the thread's parker, made beforehand */
};
extern __thread struct ksr_block ksr_tls_block __attribute__((tls_model("initial-exec")));
void ksr_block_enter(void);
/* 1: the call on ksock fd k was interrupted only by SA_RESTART signals and
 * k has no timeout timeo (KS_SO_RCVTIMEO or KS_SO_SNDTIMEO): run it again. */
int ksr_block_leave(long r, int k, int timeo);
/* A ks_sys_* call on ksock fd k that may sleep: signals interrupt it
 * (EINTR) or restart it, as they would the Linux call, which is not
 * restarted when the socket has a timeout in its direction (Linux's
 * sock_intr_errno): KSR_BLOCK_RD for receiving and accept, KSR_BLOCK_WR
 * for sending and connect. */
#define KSR_BLOCK(k, timeo, call)                          \
	({                                                 \
		long ksr_r_;                               \
		do {                                       \
			ksr_block_enter();                 \
			ksr_r_ = (call);                   \
		} while (ksr_block_leave(ksr_r_, (k), (timeo))); \
		ksr_r_;                                    \
	})
#define KSR_BLOCK_RD(k, call) KSR_BLOCK(k, KS_SO_RCVTIMEO, call)
#define KSR_BLOCK_WR(k, call) KSR_BLOCK(k, KS_SO_SNDTIMEO, call)

/* ---- writes from signal handlers (sigwrite.c) ---- */
/* Whether the calling thread is running a handler of the program. */
static inline int ksr_in_handler(void)
{
	return __atomic_load_n(&ksr_tls_block.handler, __ATOMIC_RELAXED) != 0;
}
/* In a handler: queues a write of n bytes to ksock fd k for the writer
 * thread; returns 1 with *ret the result (n, or -EAGAIN when full or n is
 * too large), or 0 if there is no writer thread (write directly). */
int ksr_sigwrite(int k, const void *buf, size_t n, long *ret);
/* Starts the writer thread (once; outside handlers). */
void ksr_sigwrite_start(void);
/* Whether the program has installed a handler the trampoline wraps. */
int ksr_handlers_wrapped(void);

/* ---- families and process state (lifecycle.c) ---- */
/* Whether ksock serves a socket(domain, type, protocol) in this process:
 * its family is selected (KSOCK_FAMILIES) and, for AF_INET, it is UDP or TCP. */
int ksr_serves(int domain, int type, int protocol);
void ksr_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the TAP interface (tap.c) ---- */
/* Reads KSOCK_TAP, KSOCK_TAP_ADDR, KSOCK_TAP_GATEWAY (the constructor). */
void ksr_tap_config(void);
/* Before ksock makes an AF_INET socket: attaches the TAP the first time
 * (once per process). 0, or the negative errno the attach failed with
 * (then and ever after). 0 when no TAP is configured. */
int ksr_tap_start(void);
/* For the exit report: writes to fd one line with the stack's non-zero
 * drop counters (by reason), if the TAP was attached. */
void ksr_tap_report(int fd);

/* Counters for the exit report (relaxed atomics). */
struct ksr_counters {
	long sockets;   /* ksock sockets the program got: socket, pair, accept */
	long received;  /* ksock sockets received in SCM_RIGHTS */
	long calls;     /* calls ksock served */
	long passed;    /* descriptors translated in SCM_RIGHTS, both ways */
	long linux_sockets; /* sockets of families (or types) left to Linux */
	long linux_inet;    /* of them, AF_INET (raw, ping; TCP and UDP without inet) */
	long inet;          /* ksock AF_INET sockets the program made */
};
extern struct ksr_counters ksr_count;
#define KSR_COUNT(field) __atomic_add_fetch(&ksr_count.field, 1, __ATOMIC_RELAXED)

/* ---- waiting on ksock and real descriptors together (wait.c) ---- */
/* poll over any mix; timeout NULL: forever. Returns as poll(2). */
int ksr_poll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
	     const sigset_t *mask);
/* Milliseconds left until deadline (CLOCK_MONOTONIC ns), -1 for none. */
int ksr_ms_left(uint64_t deadline);
uint64_t ksr_now_ns(void);
/* A deadline from a timespec (NULL: none = UINT64_MAX). */
uint64_t ksr_deadline(const struct timespec *ts);

/* ---- epoll bridges (epoll.c) ---- */
int ksr_epoll_ctl(int epfd, int op, int k, struct epoll_event *ev);
int ksr_epoll_wait(int epfd, struct epoll_event *ev, int max, uint64_t deadline,
		   const sigset_t *mask);
/* epfd has a bridge (a set with ksock members): epoll_wait must come here. */
int ksr_epoll_bridged(int epfd);
/* close/dup of an epoll descriptor. */
void ksr_epoll_close(int epfd);
void ksr_epoll_dup(int oldfd, int newfd);
/* close_range: forgets the bridges of epoll descriptors in [first, last]. */
void ksr_epoll_forget_range(unsigned first, unsigned last);
/* Takes (1) or releases (0) the bridges' lock around fork. */
void ksr_epoll_fork_lock(int lock);

/* ---- SCM_RIGHTS translation (scm.c) ---- */
/* A copy of msg whose control has ksock descriptor numbers, in *out
 * (control in buf of bufsize bytes, or malloc'ed: ksr_scm_done frees).
 * Returns 0 or -errno. */
struct ksr_scm_out {
	struct msghdr msg;
	void *heap;
	int tokens[KS_SCM_MAX_FD]; /* token sockets to close after sending */
	int ntokens;
	unsigned long token_ids[KS_SCM_MAX_FD];
};
int ksr_scm_to_ks(const struct msghdr *msg, struct ksr_scm_out *out);
/* After the send: closes token descriptors; drops their files unless sent. */
void ksr_scm_done(struct ksr_scm_out *out, int sent);
/* After a receive: turns the ksock descriptors in msg's control into real
 * ones (placeholders, or the real files of tokens). */
void ksr_scm_from_ks(struct msghdr *msg, int flags);
/* Releases real files whose tokens were dropped in flight. */
void ksr_scm_gc(void);

#pragma GCC visibility pop

#endif

/*
 * signal.c - signals interrupt ksock's blocking calls, as they interrupt
 * Linux's.
 *
 * A blocking ksock call sleeps on the hosted port's parker (a futex the
 * port re-waits on after a host signal), so by itself a signal would run
 * its handler and leave the call asleep: a Python program blocked in
 * accept() would never see its KeyboardInterrupt. So the library wraps
 * the program's signal handlers: sigaction and signal install a
 * trampoline that, when the signal lands on a thread inside a blocking
 * ksock call (KSR_BLOCK), marks that thread's parker interrupted (one
 * atomic store: async-signal-safe) and then runs the program's handler.
 * The park returns -EINTR and the call returns EINTR, or, if every signal
 * that arrived during the call had SA_RESTART, the call is restarted (the
 * flag is read from the kernel at delivery, so siginterrupt() counts).
 *
 * The program sees its own handlers: sigaction's old action reports them,
 * not the trampoline. Synchronous fault signals (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGTRAP, SIGSYS) are not wrapped: the hosted port's own copy
 * hooks handle SIGSEGV/SIGBUS.
 *
 * Interface: sigaction, signal, bsd_signal, sysv_signal (libc's,
 * wrapped); ksr_block_enter/leave (ksr.h).
 *
 * Locking: none; the handler table is read and written with atomics.
 * Differences from Linux: a call restarted after an SA_RESTART signal is
 * restarted even when SO_RCVTIMEO/SO_SNDTIMEO is set (Linux returns EINTR
 * then).
 */
#include <string.h>

#include <ksock/port.h>

#include "ksr.h"

/* The program's handler for each signal (what it thinks is installed). */
struct prog_handler {
	void *fn; /* sa_handler or sa_sigaction; NULL: not wrapped */
	int flags;
};

static struct prog_handler handlers[_NSIG];

__thread struct ksr_block ksr_tls_block __attribute__((tls_model("initial-exec")));

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

static void resolve(void)
{
	if (!__atomic_load_n(&real_sigaction, __ATOMIC_ACQUIRE))
		__atomic_store_n(&real_sigaction, REAL(sigaction), __ATOMIC_RELEASE);
}

static int wrappable(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS:
		return 0;
	default:
		return sig > 0 && sig < _NSIG;
	}
}

/* ---- blocking calls ---- */

void ksr_block_enter(void)
{
	struct ksr_block *b = &ksr_tls_block;

	if (!b->parker)
		b->parker = ks_port_parker(); /* made now, never in a handler */
	b->norestart = 0;
	__atomic_store_n(&b->in, 1, __ATOMIC_SEQ_CST);
}

int ksr_block_leave(long r)
{
	struct ksr_block *b = &ksr_tls_block;

	__atomic_store_n(&b->in, 0, __ATOMIC_SEQ_CST);
	/* An interruption that came after the call stopped sleeping must not
	 * hit the thread's next, unrelated call. */
	__atomic_store_n(&b->parker->intr, 0, __ATOMIC_SEQ_CST);
	return r == -EINTR && !b->norestart;
}

/* ---- the trampoline ---- */

static void trampoline(int sig, siginfo_t *si, void *uc)
{
	struct ksr_block *b = &ksr_tls_block;
	struct prog_handler h;
	int saved = errno;

	h.fn = __atomic_load_n(&handlers[sig].fn, __ATOMIC_ACQUIRE);
	h.flags = __atomic_load_n(&handlers[sig].flags, __ATOMIC_RELAXED);
	if (__atomic_load_n(&b->in, __ATOMIC_SEQ_CST)) {
		struct sigaction cur;
		if (real_sigaction(sig, NULL, &cur) < 0 || !(cur.sa_flags & SA_RESTART))
			b->norestart = 1;
		__atomic_store_n(&b->parker->intr, 1, __ATOMIC_SEQ_CST);
	}
	if (h.flags & SA_RESETHAND) /* the kernel has put SIG_DFL back */
		__atomic_store_n(&handlers[sig].fn, NULL, __ATOMIC_RELEASE);
	errno = saved;
	if (!h.fn)
		return;
	if (h.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h.fn)(sig, si, uc);
	else
		((void (*)(int))h.fn)(sig);
}

/* What the program asked, with the trampoline in its place. */
static void wrap(int sig, const struct sigaction *act, struct sigaction *ours)
{
	*ours = *act;
	ours->sa_sigaction = trampoline;
	ours->sa_flags |= SA_SIGINFO;
	__atomic_store_n(&handlers[sig].flags, act->sa_flags, __ATOMIC_RELAXED);
	__atomic_store_n(&handlers[sig].fn, (void *)act->sa_sigaction, __ATOMIC_RELEASE);
}

/* The kernel's old action as the program knows it. */
static void unwrap(struct sigaction *old, const struct prog_handler *prev)
{
	if (old->sa_sigaction != trampoline)
		return;
	old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->fn;
	old->sa_flags = prev->flags;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	struct sigaction ours, kold;
	struct prog_handler prev;

	resolve();
	if (!wrappable(sig))
		return real_sigaction(sig, act, oldact);
	prev.fn = __atomic_load_n(&handlers[sig].fn, __ATOMIC_ACQUIRE);
	prev.flags = __atomic_load_n(&handlers[sig].flags, __ATOMIC_RELAXED);
	const struct sigaction *use = act;
	if (act && act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN) {
		wrap(sig, act, &ours);
		use = &ours;
	}
	if (real_sigaction(sig, use, &kold) < 0) {
		__atomic_store_n(&handlers[sig].flags, prev.flags, __ATOMIC_RELAXED);
		__atomic_store_n(&handlers[sig].fn, prev.fn, __ATOMIC_RELEASE);
		return -1;
	}
	if (act && use == act)
		__atomic_store_n(&handlers[sig].fn, NULL, __ATOMIC_RELEASE);
	if (oldact) {
		*oldact = kold;
		unwrap(oldact, &prev);
	}
	return 0;
}

/* signal() and its relatives: libc installs the handler (with its own
 * flags: SA_RESTART unless siginterrupt said otherwise), then we put the
 * trampoline in its place with the same flags. */
static sighandler_t rewrap(int sig, sighandler_t old, const struct prog_handler *prev)
{
	struct sigaction cur;

	if (old == (sighandler_t)(void *)trampoline)
		old = (sighandler_t)prev->fn;
	if (real_sigaction(sig, NULL, &cur) == 0 && cur.sa_handler != SIG_DFL &&
	    cur.sa_handler != SIG_IGN && cur.sa_sigaction != trampoline) {
		struct sigaction ours;
		wrap(sig, &cur, &ours);
		(void)real_sigaction(sig, &ours, NULL); /* the same action, wrapped */
	} else if (real_sigaction(sig, NULL, &cur) == 0 && cur.sa_sigaction != trampoline) {
		__atomic_store_n(&handlers[sig].fn, NULL, __ATOMIC_RELEASE);
	}
	return old;
}

#define SIGNAL_LIKE(name)                                                       \
	sighandler_t name(int sig, sighandler_t h)                              \
	{                                                                       \
		struct prog_handler prev;                                       \
		resolve();                                                      \
		if (!wrappable(sig))                                            \
			return REAL(name)(sig, h);                              \
		prev.fn = __atomic_load_n(&handlers[sig].fn, __ATOMIC_ACQUIRE); \
		prev.flags = __atomic_load_n(&handlers[sig].flags, __ATOMIC_RELAXED); \
		sighandler_t old = REAL(name)(sig, h);                          \
		if (old == SIG_ERR)                                             \
			return old;                                             \
		return rewrap(sig, old, &prev);                                 \
	}

sighandler_t bsd_signal(int sig, sighandler_t h);

SIGNAL_LIKE(signal)
SIGNAL_LIKE(bsd_signal)
SIGNAL_LIKE(sysv_signal)

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
 * ksock call (KSR_BLOCK), marks that thread's sleep interrupted
 * (ks_hosted_interrupt_self: atomics on the thread's own parker, no lock,
 * async-signal-safe) and then runs the program's handler.
 * The park returns -EINTR and the call returns EINTR, or, if every signal
 * that arrived during the call had SA_RESTART and the socket has no
 * timeout in the call's direction (SO_RCVTIMEO, SO_SNDTIMEO: Linux's
 * sock_intr_errno), the call is restarted (the flag is the one the
 * program gave; siginterrupt() keeps it in step). While the
 * program's handler runs, its writes to ksock sockets are queued for a
 * thread of ours (sigwrite.c): the trampoline itself takes no lock and
 * allocates nothing.
 *
 * signal(), bsd_signal() and sysv_signal() are glibc's, on our sigaction:
 * the next library's may differ (ThreadSanitizer's signal() has no
 * SA_RESTART). sigaction and what it calls are not instrumented by the
 * sanitizers (KSR_UNINSTRUMENTED, ksr.h): ThreadSanitizer's start-up may
 * call it before it can run instrumented code.
 *
 * The program sees its own handlers: sigaction's old action reports them,
 * not the trampoline. Synchronous fault signals (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGTRAP, SIGSYS) are not wrapped: the hosted port's own copy
 * hooks handle SIGSEGV/SIGBUS.
 *
 * Interface: sigaction, signal, bsd_signal, sysv_signal, siginterrupt
 * (libc's, wrapped); ksr_block_enter/leave, ksr_handlers_wrapped (ksr.h).
 *
 * Locking: none; the handler table is read and written with atomics.
 */
#include <stdlib.h>
#include <string.h>

#include <ksock/port.h>

#include "ksr.h"

/* The program's handler for each signal (what it thinks is installed). */
struct prog_handler {
	void *fn; /* sa_handler or sa_sigaction; NULL: not wrapped */
	int flags;
};

static struct prog_handler handlers[_NSIG];
static int wrapped_any; /* atomic: a handler has been wrapped */

__thread struct ksr_block ksr_tls_block __attribute__((tls_model("initial-exec")));

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

/* Uninstrumented (ksr.h), with sigaction, wrappable, wrap and unwrap: a
 * sanitizer's runtime calls our sigaction while it initialises. */
KSR_UNINSTRUMENTED static void resolve(void)
{
	if (__atomic_load_n(&real_sigaction, __ATOMIC_ACQUIRE))
		return;
	void *p = dlsym(RTLD_NEXT, "sigaction");
	if (!p)
		abort(); /* no libc sigaction: nothing to fall back on */
	__atomic_store_n(&real_sigaction, (__typeof__(real_sigaction))p, __ATOMIC_RELEASE);
}

KSR_UNINSTRUMENTED static int wrappable(int sig)
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

/* Whether ksock fd k has a timeout timeo (SO_RCVTIMEO or SO_SNDTIMEO). */
static int has_timeout(int k, int timeo)
{
	struct ks_timeval tv = {0, 0};
	unsigned len = sizeof(tv);

	if (ks_sys_getsockopt(k, KS_SOL_SOCKET, timeo, &tv, &len) < 0)
		return 0; /* closed meanwhile: the restarted call reports it */
	return tv.tv_sec || tv.tv_usec;
}

int ksr_block_leave(long r, int k, int timeo)
{
	struct ksr_block *b = &ksr_tls_block;

	__atomic_store_n(&b->in, 0, __ATOMIC_SEQ_CST);
	/* An interruption that came after the call stopped sleeping must not
	 * hit the thread's next, unrelated call. */
	ks_hosted_interrupt_clear();
	/* Linux restarts only a call that would have slept without limit
	 * (sock_intr_errno): with a timeout, EINTR even under SA_RESTART. */
	return r == -EINTR && !b->norestart && !has_timeout(k, timeo);
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
		if (!(h.flags & SA_RESTART))
			b->norestart = 1;
		(void)ks_hosted_interrupt_self(); /* 0: block_enter made the parker */
	}
	if (h.flags & SA_RESETHAND) /* the kernel has put SIG_DFL back */
		__atomic_store_n(&handlers[sig].fn, NULL, __ATOMIC_RELEASE);
	errno = saved;
	if (!h.fn)
		return;
	/* While it runs, its writes to ksock sockets are queued (sigwrite.c). */
	__atomic_add_fetch(&b->handler, 1, __ATOMIC_RELAXED);
	if (h.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h.fn)(sig, si, uc);
	else
		((void (*)(int))h.fn)(sig);
	__atomic_sub_fetch(&b->handler, 1, __ATOMIC_RELAXED);
}

/* What the program asked, with the trampoline in its place. */
KSR_UNINSTRUMENTED static void wrap(int sig, const struct sigaction *act, struct sigaction *ours)
{
	*ours = *act;
	ours->sa_sigaction = trampoline;
	ours->sa_flags |= SA_SIGINFO;
	__atomic_store_n(&handlers[sig].flags, act->sa_flags, __ATOMIC_RELAXED);
	__atomic_store_n(&handlers[sig].fn, (void *)act->sa_sigaction, __ATOMIC_RELEASE);
	__atomic_store_n(&wrapped_any, 1, __ATOMIC_RELAXED);
}

int ksr_handlers_wrapped(void)
{
	return __atomic_load_n(&wrapped_any, __ATOMIC_RELAXED);
}

/* The kernel's old action as the program knows it. */
KSR_UNINSTRUMENTED static void unwrap(struct sigaction *old, const struct prog_handler *prev)
{
	if (old->sa_sigaction != trampoline)
		return;
	old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->fn;
	old->sa_flags = prev->flags;
}

KSR_UNINSTRUMENTED int sigaction(int sig, const struct sigaction *act,
				 struct sigaction *oldact)
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
	/* A handler may write to a ksock socket: the writer must run. */
	if (use == &ours && __atomic_load_n(&ksr_count.sockets, __ATOMIC_RELAXED) &&
	    !ksr_in_handler())
		ksr_sigwrite_start();
	return 0;
}

/* signal() and its relatives as glibc defines them, on our sigaction (the
 * next library's may differ: ThreadSanitizer's signal() drops SA_RESTART).
 * signal and bsd_signal block the signal in its handler and restart calls
 * unless siginterrupt(sig, 1) said otherwise; sysv_signal is one-shot,
 * does not block the signal and interrupts calls. */
static unsigned long long interrupting; /* atomic: bit sig - 1: siginterrupt(sig, 1) */

static sighandler_t signal_as(int sig, sighandler_t h, int sysv)
{
	struct sigaction act, old;

	if (h == SIG_ERR || sig < 1 || sig >= _NSIG || sig > 64) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = h;
	sigemptyset(&act.sa_mask);
	if (sysv) {
		act.sa_flags = SA_RESETHAND | SA_NODEFER;
	} else {
		sigaddset(&act.sa_mask, sig);
		if (!(__atomic_load_n(&interrupting, __ATOMIC_RELAXED) & (1ull << (sig - 1))))
			act.sa_flags = SA_RESTART;
	}
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

sighandler_t signal(int sig, sighandler_t h)
{
	return signal_as(sig, h, 0);
}

sighandler_t bsd_signal(int sig, sighandler_t h);
sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return signal_as(sig, h, 0);
}

sighandler_t sysv_signal(int sig, sighandler_t h)
{
	return signal_as(sig, h, 1);
}

/* libc changes the kernel's flag (through its own sigaction); we keep
 * the program's view and signal()'s default in step. (Deprecated in
 * glibc's header, but programs call it: Python's signal.siginterrupt.) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
int siginterrupt(int sig, int flag)
{
	int r = REAL(siginterrupt)(sig, flag);

	if (r < 0 || sig < 1 || sig > 64)
		return r;
	unsigned long long bit = 1ull << (sig - 1);
	if (flag) {
		__atomic_or_fetch(&interrupting, bit, __ATOMIC_RELAXED);
		__atomic_and_fetch(&handlers[sig].flags, ~SA_RESTART, __ATOMIC_RELAXED);
	} else {
		__atomic_and_fetch(&interrupting, ~bit, __ATOMIC_RELAXED);
		__atomic_or_fetch(&handlers[sig].flags, SA_RESTART, __ATOMIC_RELAXED);
	}
	return r;
}
#pragma GCC diagnostic pop

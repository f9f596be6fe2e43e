/*
 * user.c (hosted) - the copy hooks: copying between ksock's memory and the
 * "user" memory a program passed in, returning -KS_EFAULT instead of
 * crashing when the user range is not accessible.
 *
 * How: a range that is obviously bad (starts in the first page, reaches
 * past the top of the user half, wraps around) is refused by arithmetic,
 * the check ks_port_access_ok makes (Linux's access_ok). Otherwise the
 * bytes are copied by a plain loop, never instrumented by a sanitizer.
 * On x86-64 the loop is a small assembly routine (8-byte moves, rep movsb
 * for large copies) and recovery works as a kernel's exception table: a
 * SIGSEGV/SIGBUS handler, installed once, that finds the faulting
 * instruction inside the routine and the faulting address in the user range
 * of the copy under way moves the interrupted program counter to the
 * routine's fixup, which returns the error; the signal return restores the
 * mask. Elsewhere the loop is C inside a sigsetjmp region, and the handler
 * siglongjmps back out (the fault path then restores the signal mask with a
 * system call). Any other fault goes to the handler that was installed
 * before ours (a sanitizer's, say), or to the default action. No system
 * call per copy (a few ns for a small one).
 *
 * Interface: ks_port_copy_from_user, ks_port_copy_to_user,
 * ks_port_access_ok (port.h); hosted_user_init() installs the handler
 * (init.c calls it at startup; the copy hooks call it too if they run
 * first).
 *
 * Limits: a program that installs its own SIGSEGV/SIGBUS handler after
 * ksock started, without chaining to ours, turns a bad pointer into that
 * handler's business. Memory the host maps but the program does not own
 * (another thread's stack, a sanitizer's shadow) is "accessible", as it
 * would be to Linux in the same address space. The copy hooks are not
 * async-signal-safe: ksock calls from a signal handler that interrupted a
 * copy on the same thread are not supported.
 *
 * Locking: none. The copy state is per thread.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "hosted.h"

#define USER_MIN 4096u /* the first page is never user memory */
/* The end of the user half, Linux's TASK_SIZE_MAX: x86-64 (4-level paging,
 * less a guard page), arm64 (48-bit VA); others as riscv64's sv48. */
#if defined(__x86_64__)
#define USER_END ((1ull << 47) - 4096u)
#elif defined(__aarch64__)
#define USER_END (1ull << 48)
#else
#define USER_END (1ull << 47)
#endif
/* x86-64 copies with an assembly routine recovered as by an exception table;
 * elsewhere (or with -DKS_HOSTED_COPY_SETJMP, which tests that path) a C
 * loop inside a sigsetjmp region. */
#if defined(__x86_64__) && !defined(KS_HOSTED_COPY_SETJMP)
#define USER_COPY_ASM 1
#else
#define USER_COPY_ASM 0
#endif

struct user_copy_state {
	uintptr_t lo, hi; /* the user range of the copy under way */
#if !USER_COPY_ASM
	sigjmp_buf jb;
	volatile int active;
	sigset_t mask;    /* the signal mask when the fault hit */
#endif
};

static __thread struct user_copy_state user_copy
	__attribute__((tls_model("initial-exec")));

static struct sigaction user_prev_segv, user_prev_bus;
static int user_installed; /* atomic */
static pthread_once_t user_once = PTHREAD_ONCE_INIT;

static inline bool user_range_ok(uintptr_t a, size_t n)
{
	return n <= USER_END && a <= USER_END - n;
}

bool ks_port_access_ok(const void *uptr, size_t n)
{
	return user_range_ok((uintptr_t)uptr, n);
}

/* Hands a fault that is not ours to whoever had the signal before. */
static void user_forward(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *prev = sig == SIGBUS ? &user_prev_bus : &user_prev_segv;

	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, si, uc);
		return;
	}
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	/* Default action: restore it; a hardware fault re-executes the
	 * instruction and faults again, a sent signal must be re-raised. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

#if USER_COPY_ASM
/*
 * hosted_copy_x86(dst, src, n): copies n bytes and returns 0; a fault on an
 * instruction between hosted_copy_x86_begin and _end resumes at
 * hosted_copy_x86_fixup, which returns -KS_EFAULT (-14). Bytes before the faulting 8-byte
 * (or 1-byte, or rep movsb) step have been copied, as with the C loop.
 */
int hosted_copy_x86(void *dst, const void *src, size_t n);
extern const char hosted_copy_x86_begin[], hosted_copy_x86_end[], hosted_copy_x86_fixup[];
__asm__(".text\n"
	".p2align 4\n"
	".globl hosted_copy_x86\n"
	".hidden hosted_copy_x86\n"
	".type hosted_copy_x86, @function\n"
	"hosted_copy_x86:\n"
	"	.cfi_startproc\n"
	"	mov %rdx, %rcx\n"
	"	xor %eax, %eax\n"
	"hosted_copy_x86_begin:\n"
	"	cmp $256, %rcx\n"
	"	jae 5f\n"
	"	cmp $32, %rcx\n"
	"	jb 2f\n"
	"1:	mov (%rsi), %r8\n"
	"	mov 8(%rsi), %r9\n"
	"	mov 16(%rsi), %r10\n"
	"	mov 24(%rsi), %r11\n"
	"	mov %r8, (%rdi)\n"
	"	mov %r9, 8(%rdi)\n"
	"	mov %r10, 16(%rdi)\n"
	"	mov %r11, 24(%rdi)\n"
	"	add $32, %rsi\n"
	"	add $32, %rdi\n"
	"	sub $32, %rcx\n"
	"	cmp $32, %rcx\n"
	"	jae 1b\n"
	"2:	cmp $8, %rcx\n"
	"	jb 3f\n"
	"	mov (%rsi), %r8\n"
	"	mov %r8, (%rdi)\n"
	"	add $8, %rsi\n"
	"	add $8, %rdi\n"
	"	sub $8, %rcx\n"
	"	jmp 2b\n"
	"3:	test %rcx, %rcx\n"
	"	jz 4f\n"
	"	movzbl (%rsi), %r8d\n"
	"	mov %r8b, (%rdi)\n"
	"	inc %rsi\n"
	"	inc %rdi\n"
	"	dec %rcx\n"
	"	jmp 3b\n"
	"5:	rep movsb\n"
	"hosted_copy_x86_end:\n"
	"4:	ret\n"
	"hosted_copy_x86_fixup:\n"
	"	mov $-14, %eax\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size hosted_copy_x86, .-hosted_copy_x86\n");
#endif

static void user_fault(int sig, siginfo_t *si, void *uc)
{
	struct user_copy_state *c = &user_copy;
	uintptr_t a = (uintptr_t)si->si_addr;

#if USER_COPY_ASM
	ucontext_t *u = uc;
	uintptr_t pc = (uintptr_t)u->uc_mcontext.gregs[REG_RIP];
	if (pc >= (uintptr_t)hosted_copy_x86_begin && pc < (uintptr_t)hosted_copy_x86_end &&
	    si->si_code > 0 && a >= c->lo && a < c->hi) {
		u->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)hosted_copy_x86_fixup;
		return;
	}
#else
	if (c->active && si->si_code > 0 && a >= c->lo && a < c->hi) {
		c->active = 0;
		c->mask = ((const ucontext_t *)uc)->uc_sigmask;
		siglongjmp(c->jb, 1);
	}
#endif
	user_forward(sig, si, uc);
}

static void user_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = user_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &user_prev_segv) != 0 ||
	    sigaction(SIGBUS, &sa, &user_prev_bus) != 0)
		ks_port_panic(__FILE__, __LINE__, "cannot install the copy fault handler");
	__atomic_store_n(&user_installed, 1, __ATOMIC_RELEASE);
}

void hosted_user_init(void)
{
	pthread_once(&user_once, user_install);
}

#if !USER_COPY_ASM
/*
 * The copy itself. Not instrumented: the user range is the program's
 * memory, which a sanitizer must neither check nor see fault, and the loop
 * must not become a call to an (intercepted) memcpy.
 */
#if defined(__clang__)
#define USER_NO_LIBCALL __attribute__((no_builtin("memcpy")))
#else
#define USER_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

__attribute__((noinline, no_sanitize("address", "thread", "undefined"))) USER_NO_LIBCALL
static void user_copy_raw(unsigned char *d, const unsigned char *s, size_t n)
{
#if defined(__x86_64__)
	if (n >= 256) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return;
	}
#endif
	for (; n >= 32; n -= 32, d += 32, s += 32) {
		uint64_t w0, w1, w2, w3;
		__builtin_memcpy(&w0, s, 8);
		__builtin_memcpy(&w1, s + 8, 8);
		__builtin_memcpy(&w2, s + 16, 8);
		__builtin_memcpy(&w3, s + 24, 8);
		__builtin_memcpy(d, &w0, 8);
		__builtin_memcpy(d + 8, &w1, 8);
		__builtin_memcpy(d + 16, &w2, 8);
		__builtin_memcpy(d + 24, &w3, 8);
	}
	for (; n >= 8; n -= 8, d += 8, s += 8) {
		uint64_t w;
		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(d, &w, 8);
	}
	for (; n > 0; n--)
		*d++ = *s++;
}

#endif

static int user_copy_guarded(void *dst, const void *src, size_t n, uintptr_t ua)
{
	struct user_copy_state *c = &user_copy;

	if (ua < USER_MIN || !user_range_ok(ua, n))
		return -KS_EFAULT;
	if (!__atomic_load_n(&user_installed, __ATOMIC_ACQUIRE))
		hosted_user_init();
#if USER_COPY_ASM
	_Static_assert(KS_EFAULT == 14, "hosted_copy_x86_fixup returns -14");
	c->lo = ua;
	c->hi = ua + n;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return hosted_copy_x86(dst, src, n); /* a tail call: no frame */
#else
	c->lo = ua;
	c->hi = ua + n;
	if (sigsetjmp(c->jb, 0)) {
		/* The jump skipped the signal return: restore the mask the
		 * fault interrupted (a wrapper such as ThreadSanitizer's runs
		 * handlers with every signal blocked). Fault path only. */
		pthread_sigmask(SIG_SETMASK, &c->mask, NULL);
		return -KS_EFAULT;
	}
	c->active = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	user_copy_raw(dst, src, n);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	c->active = 0;
	return 0;
#endif
}

int ks_port_copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (n == 0)
		return 0;
	return user_copy_guarded(dst, usrc, n, (uintptr_t)usrc);
}

int ks_port_copy_to_user(void *udst, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	return user_copy_guarded(udst, src, n, (uintptr_t)udst);
}

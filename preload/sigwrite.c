/*
 * sigwrite.c - writes that a signal handler makes to a ksock socket.
 *
 * The self-pipe trick: a handler writes a byte to a descriptor its
 * program's event loop watches (CPython's signal.set_wakeup_fd, which
 * asyncio points at one end of a socketpair; libuv, GLib). write(2) is
 * async-signal-safe on Linux, but ksock's write is not: it allocates the
 * buffer (malloc) and takes socket locks, so a handler that interrupted
 * malloc, or a ksock call holding the peer's lock on the same thread
 * (asyncio's loop reading that very socketpair), would deadlock or panic
 * on a recursive lock. ThreadSanitizer reports it as "signal-unsafe call
 * inside of a signal".
 *
 * So inside a handler the trampoline runs (signal.c), write, send and
 * sendto (without an address) on a ksock socket queue their bytes here
 * instead: a bounded lock-free queue (Vyukov's: a sequence word per slot,
 * producers claim slots with a CAS on the tail) and an eventfd that wakes
 * the *writer* thread, which sends them with ks_sys_sendto(MSG_DONTWAIT |
 * MSG_NOSIGNAL), in the order the handlers queued them. The handler is
 * told the whole write succeeded, as a write to a non-full pipe; the
 * writer thread runs with every signal blocked. No lock, no allocation,
 * no ksock call in the handler: atomics, a memcpy and an eventfd write.
 *
 * Limits (docs/ksock-run.md): at most SIGW_BYTES bytes per write and
 * SIGW_SLOTS writes in flight, else EAGAIN, as a full non-blocking pipe;
 * errors of the real send (EPIPE, a full socket buffer: the bytes are
 * dropped, as the non-blocking self-pipe write would fail) are not
 * reported to the handler; bytes queued by a handler can arrive after
 * bytes the thread wrote directly just after the handler returned; the
 * queue names the ksock descriptor, so if the program closes the socket
 * before the writer thread sends (microseconds), the bytes are dropped, or
 * reach a socket that got the same ksock number meanwhile.
 *
 * Interface: ksr_sigwrite (ksr.h), called by the write interposers when
 * ksr_tls_block.handler is set; ksr_sigwrite_start, called when the
 * program has both a wrapped handler and a ksock socket.
 *
 * Locking: none. The queue's words are atomics; a slot's bytes belong to
 * the producer that claimed it until it publishes the slot's sequence
 * (release), then to the writer thread (acquire).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ksr.h"

#define SIGW_SLOTS 64
#define SIGW_BYTES 256

struct sigw_slot {
	unsigned long seq; /* atomic: index + 1 when full, index + SLOTS when free again */
	int k;             /* the ksock descriptor */
	unsigned len;
	unsigned char data[SIGW_BYTES];
};

static struct sigw_slot sigw_q[SIGW_SLOTS];
static unsigned long sigw_tail; /* atomic: next slot producers claim */
static unsigned long sigw_head; /* the writer thread's */
static int sigw_efd = -1;       /* atomic: set once the writer thread runs */
static pthread_once_t sigw_once = PTHREAD_ONCE_INIT;

/* Sends the queued writes in order; the writer thread's loop. */
static void *sigw_main(void *arg)
{
	int efd = (int)(intptr_t)arg;
	sigset_t all;
	uint64_t v;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	for (;;) {
		struct sigw_slot *s = &sigw_q[sigw_head % SIGW_SLOTS];
		if (__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) != sigw_head + 1) {
			/* Empty (or a producer is still filling it): sleep until
			 * a producer's eventfd write. */
			if (REAL(read)(efd, &v, sizeof(v)) < 0 && errno != EINTR)
				return NULL; /* the eventfd is gone: nothing to wait on */
			continue;
		}
		(void)ks_sys_sendto(s->k, s->data, s->len, KS_MSG_DONTWAIT | KS_MSG_NOSIGNAL,
				    NULL, 0); /* best effort, as the self-pipe write */
		KSR_COUNT(calls);
		__atomic_store_n(&s->seq, sigw_head + SIGW_SLOTS, __ATOMIC_RELEASE);
		sigw_head++;
	}
}

static void sigw_setup(void)
{
	pthread_attr_t attr;
	pthread_t t;

	for (unsigned long i = 0; i < SIGW_SLOTS; i++)
		__atomic_store_n(&sigw_q[i].seq, i, __ATOMIC_RELAXED);
	int efd = REAL(eventfd)(0, EFD_CLOEXEC);
	if (efd < 0 || (efd = ksr_internal_fd(efd)) < 0) {
		ksr_note("no eventfd for the signal writer: handlers write to ksock directly");
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&t, &attr, sigw_main, (void *)(intptr_t)efd);
	pthread_attr_destroy(&attr);
	if (err) {
		ksr_note("no signal writer thread (error %d): handlers write to ksock directly",
			 err);
		ksr_internal_close(efd);
		return;
	}
	__atomic_store_n(&sigw_efd, efd, __ATOMIC_RELEASE);
}

void ksr_sigwrite_start(void)
{
	if (!ksr_not_owner())
		pthread_once(&sigw_once, sigw_setup);
}

/* Claims the next slot; NULL if the queue is full. */
static struct sigw_slot *sigw_claim(unsigned long *pos)
{
	unsigned long t = __atomic_load_n(&sigw_tail, __ATOMIC_RELAXED);

	for (;;) {
		struct sigw_slot *s = &sigw_q[t % SIGW_SLOTS];
		unsigned long seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (seq == t) {
			if (__atomic_compare_exchange_n(&sigw_tail, &t, t + 1, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				*pos = t;
				return s;
			}
		} else if (seq < t) {
			return NULL; /* the writer has not freed it yet: full */
		} else {
			t = __atomic_load_n(&sigw_tail, __ATOMIC_RELAXED);
		}
	}
}

int ksr_sigwrite(int k, const void *buf, size_t n, long *ret)
{
	int efd = __atomic_load_n(&sigw_efd, __ATOMIC_ACQUIRE);
	unsigned long pos;
	uint64_t one = 1;

	if (efd < 0)
		return 0; /* no writer thread: the caller writes directly, unsafe */
	*ret = -EAGAIN;
	struct sigw_slot *s = n <= SIGW_BYTES ? sigw_claim(&pos) : NULL;
	if (!s)
		return 1;
	s->k = k;
	s->len = (unsigned)n;
	memcpy(s->data, buf, n);
	__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
	syscall(SYS_write, efd, &one, sizeof(one)); /* async-signal-safe */
	*ret = (long)n;
	return 1;
}

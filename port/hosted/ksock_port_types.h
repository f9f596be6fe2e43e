/*
 * ksock_port_types.h (hosted) - the port types the core embeds, for the
 * Linux-userspace port. See include/ksock/port.h for the contracts and
 * port/hosted/README.md for how this port implements them.
 *
 * The core only embeds these structures and passes pointers to them; their
 * fields belong to the .c files of port/hosted.
 */
#ifndef KSOCK_PORT_TYPES_H
#define KSOCK_PORT_TYPES_H

#include <pthread.h>
#include <stdint.h>

/* A pthread mutex that knows its owner, so recursive locking and unlocking
 * by a non-owner are caught (they panic). */
struct ks_mutex {
	int state;           /* futex word: 0 free, 1 locked, 2 locked with waiters */
	unsigned long owner; /* the holder's thread tag, 0 if free; atomic */
};

/* States of struct ks_parker.state (the futex word). */
#define KS_PARK_EMPTY 0    /* latch clear, owner not sleeping */
#define KS_PARK_SET 1      /* latch set (stays set until reset) */
#define KS_PARK_SLEEPING 2 /* latch clear, owner sleeping or about to */

/* One per thread (thread-local, created on first use): a latch on a futex
 * word. Registered in a process-wide list so ks_hosted_interrupt() can find
 * a thread's parker. */
struct ks_parker {
	int state;            /* KS_PARK_*; atomic */
	int intr;             /* an interruption is pending; atomic */
	unsigned long thread; /* pthread_self() of the owner, fixed */
	struct ks_parker *reg_next, *reg_prev; /* registry lock (parker.c) */
};

/* A one-shot timer in the timer thread's heap (timer.c). */
struct ks_timer {
	void (*fn)(void *arg);
	void *arg;
	uint64_t deadline;               /* timer lock */
	uint64_t seq;                    /* timer lock: arming order, for ties */
	unsigned slot;                   /* timer lock: index in the heap + 1, 0: not armed */
};

#endif

/*
 * ksock_port_types.h (template) - the port types for a kernel, as a
 * starting point: copy port/template/ into your kernel and fill in the
 * types with your own lock, sleeping and timer primitives. The portable
 * sources are compiled against this file in the freestanding check
 * (`make cross`), so it must stay free of any libc header.
 */
#ifndef KSOCK_PORT_TYPES_H
#define KSOCK_PORT_TYPES_H

#include <stdint.h>

/* A sleeping lock; owner lets ks_mutex_held() answer. */
struct ks_mutex {
	volatile int locked;
	void *owner;
};

/* A task's wake-up latch. */
struct ks_parker {
	volatile int state;
	void *task;
};

/* A one-shot timer on the kernel's timer wheel. */
struct ks_timer {
	void (*fn)(void *arg);
	void *arg;
	uint64_t deadline;
	struct ks_timer *next;
};

#endif

/*
 * real.c - the next definitions of the libc functions ksock-run defines.
 *
 * REAL(f) (ksr.h) resolves f once per use site with dlsym(RTLD_NEXT) and
 * keeps the pointer in a static slot. Resolution may run before any
 * constructor (another library's constructor may call us first) and from
 * several threads at once: the slot is written with the same value by
 * whoever gets there, so a plain atomic store is enough.
 *
 * Interface: ksr_dlnext (through REAL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ksr.h"

void *ksr_dlnext(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p)
		return p;
	p = dlsym(RTLD_NEXT, name);
	if (!p) {
		/* Nothing sensible to fall back on: libc lacks a function
		 * the program called through us. */
		char msg[160];
		int n = snprintf(msg, sizeof(msg), "ksock-run: libc has no %s\n", name);
		if (n > 0)
			syscall(SYS_write, 2, msg, (size_t)n); /* not write(): ours */
		abort();
	}
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}

/*
 * port.c - the test port for src/inet: only the hooks the stack uses so
 * far, so that the inet runner and the fuzz targets link without the
 * hosted port and could run inside a kernel's test harness.
 *
 *   ks_port_alloc/free - malloc with a live count and injected failures
 *   ks_port_buf_alloc/free - the same (packet buffers)
 *   ks_port_now_ns     - a settable value (the stack's own clock is the
 *                        fake clock of each case; this is the default)
 *   ks_port_panic      - returns into it_expect_panic if one is waiting,
 *                        else prints and aborts
 *   ks_mutex_*         - single-threaded mutexes that panic on recursive
 *                        locking and on unlocking one not held (the
 *                        reassembly table's lock, ipfrag.h)
 *
 * Interface: it.h (it_port_*, it_expect_panic). Locking: single-threaded
 * tests; the counters are plain.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "it.h"

static long port_live;
static int port_fail;
static uint64_t port_now = 42;
static jmp_buf *port_panic_jmp;

void *ks_port_alloc(size_t size)
{
	if (port_fail > 0) {
		port_fail--;
		return NULL;
	}
	void *p = malloc(size);
	if (p)
		port_live++;
	return p;
}

void ks_port_free(void *p, size_t size)
{
	(void)size; /* malloc knows it */
	if (!p)
		return;
	port_live--;
	free(p);
}

void *ks_port_buf_alloc(size_t size)
{
	return ks_port_alloc(size);
}

void ks_port_buf_free(void *p, size_t size)
{
	ks_port_free(p, size);
}

uint64_t ks_port_now_ns(void)
{
	return port_now;
}

_Noreturn void ks_port_panic(const char *file, int line, const char *what)
{
	if (port_panic_jmp)
		longjmp(*port_panic_jmp, 1);
	fprintf(stderr, "ksock panic at %s:%d: %s\n", file, line, what);
	abort();
}

void ks_mutex_init(struct ks_mutex *m)
{
	m->state = 0;
	m->owner = 0;
}

void ks_mutex_destroy(struct ks_mutex *m)
{
	if (m->state)
		ks_port_panic(__FILE__, __LINE__, "destroying a held mutex");
}

void ks_mutex_lock(struct ks_mutex *m)
{
	if (m->state)
		ks_port_panic(__FILE__, __LINE__, "recursive locking (single-threaded tests)");
	m->state = 1;
	m->owner = 1;
}

void ks_mutex_unlock(struct ks_mutex *m)
{
	if (!m->state)
		ks_port_panic(__FILE__, __LINE__, "unlocking a mutex not held");
	m->state = 0;
	m->owner = 0;
}

bool ks_mutex_held(const struct ks_mutex *m)
{
	return m->state != 0;
}

bool it_expect_panic(void (*fn)(void *arg), void *arg)
{
	jmp_buf jb;
	jmp_buf *volatile saved = port_panic_jmp;

	if (setjmp(jb)) {
		port_panic_jmp = saved;
		return true;
	}
	port_panic_jmp = &jb;
	fn(arg);
	port_panic_jmp = saved;
	return false;
}

long it_port_allocs_live(void)
{
	return port_live;
}

void it_port_fail_next(int n)
{
	port_fail = n;
}

void it_port_set_now(uint64_t ns)
{
	port_now = ns;
}

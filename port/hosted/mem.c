/*
 * mem.c (hosted) - ks_port_alloc/ks_port_free over malloc, with counters of
 * live allocations for ks_stats_get() (tests check them for leaks).
 *
 * Only the core's allocations go through here: the port's own bookkeeping
 * (descriptor tables, processes) uses malloc directly, so that it never
 * shows up as a leak of the code under test.
 *
 * Interface: ks_port_alloc, ks_port_free (port.h), ks_stats_get (ksock.h).
 *
 * Locking: none; the counters are atomic.
 */
#include <malloc.h>
#include <stdlib.h>

#include "core/socket.h"
#include "hosted.h"

static long mem_allocs_live;
static long mem_bytes_live;

void *ks_port_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		return NULL;
	__atomic_add_fetch(&mem_allocs_live, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mem_bytes_live, (long)size, __ATOMIC_RELAXED);
	return p;
}

void ks_port_free(void *p, size_t size)
{
	if (!p)
		return;
	/* A size larger than the block is a caller bug the counters would
	 * otherwise only show as a drift. */
	if (malloc_usable_size(p) < size)
		ks_port_panic(__FILE__, __LINE__, "ks_port_free: size larger than the allocation");
	free(p);
	__atomic_sub_fetch(&mem_allocs_live, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&mem_bytes_live, (long)size, __ATOMIC_RELAXED);
}

void ks_stats_get(struct ks_stats *out)
{
	out->allocs_live = __atomic_load_n(&mem_allocs_live, __ATOMIC_RELAXED);
	out->bytes_live = __atomic_load_n(&mem_bytes_live, __ATOMIC_RELAXED);
	out->sockets_live = __atomic_load_n(&ks_stat_sockets_live, __ATOMIC_RELAXED);
}

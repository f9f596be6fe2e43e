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
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/socket.h"
#include "hosted.h"

static long mem_allocs_live;
static long mem_bytes_live;

/*
 * Large blocks (stream buffers of up to 36 KiB) are made by a writer and
 * freed by a reader on another thread; glibc gives such memory back to the
 * system and the next write faults it in again. A few freed blocks per
 * power-of-two class are kept here instead.
 */
#define MEM_CACHE_MIN_SHIFT 13 /* 8 KiB */
#define MEM_CACHE_MAX_SHIFT 16 /* 64 KiB */
#define MEM_CACHE_DEPTH 16
struct mem_class {
	pthread_mutex_t lock;
	int n;
	void *blocks[MEM_CACHE_DEPTH];
};
static struct mem_class mem_cache[MEM_CACHE_MAX_SHIFT - MEM_CACHE_MIN_SHIFT + 1] = {
	[0 ... MEM_CACHE_MAX_SHIFT - MEM_CACHE_MIN_SHIFT] = {PTHREAD_MUTEX_INITIALIZER, 0, {0}},
};

/* The class of a block of size bytes, or NULL if not cached. */
static struct mem_class *mem_class_of(size_t size, size_t *rounded)
{
	if (size <= (1u << (MEM_CACHE_MIN_SHIFT - 1)) || size > (1u << MEM_CACHE_MAX_SHIFT))
		return NULL;
	unsigned shift = 64 - (unsigned)__builtin_clzl(size - 1);
	if (shift < MEM_CACHE_MIN_SHIFT)
		shift = MEM_CACHE_MIN_SHIFT;
	*rounded = (size_t)1 << shift;
	return &mem_cache[shift - MEM_CACHE_MIN_SHIFT];
}

static void *mem_get(size_t size)
{
	size_t rounded;
	struct mem_class *c = mem_class_of(size, &rounded);
	void *p = NULL;

	if (!c)
		return malloc(size ? size : 1);
	pthread_mutex_lock(&c->lock);
	if (c->n)
		p = c->blocks[--c->n];
	pthread_mutex_unlock(&c->lock);
	return p ? p : malloc(rounded);
}

static void mem_put(void *p, size_t size)
{
	size_t rounded;
	struct mem_class *c = mem_class_of(size, &rounded);

	if (c) {
		pthread_mutex_lock(&c->lock);
		bool kept = c->n < MEM_CACHE_DEPTH;
		if (kept)
			c->blocks[c->n++] = p;
		pthread_mutex_unlock(&c->lock);
		if (kept)
			return;
	}
	free(p);
}

void *ks_port_alloc(size_t size)
{
	void *p = mem_get(size);

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
	mem_put(p, size);
	__atomic_sub_fetch(&mem_allocs_live, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&mem_bytes_live, (long)size, __ATOMIC_RELAXED);
}

void ks_stats_get(struct ks_stats *out)
{
	out->allocs_live = __atomic_load_n(&mem_allocs_live, __ATOMIC_RELAXED);
	out->bytes_live = __atomic_load_n(&mem_bytes_live, __ATOMIC_RELAXED);
	out->sockets_live = __atomic_load_n(&ks_stat_sockets_live, __ATOMIC_RELAXED);
}

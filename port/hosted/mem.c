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
 * Locking: the counters are per thread (each thread adds to its own, with
 * plain relaxed stores: no locked instruction on the hot path) and summed
 * by ks_stats_get over a list of every thread's counters; a thread's
 * counters outlive it, so the sums stay exact. The list has a mutex, taken
 * once per thread and by ks_stats_get. The block cache has a mutex per
 * class.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/socket.h"
#include "hosted.h"

struct mem_counts {
	long allocs, bytes;      /* this thread's net allocations; atomic (relaxed) */
	struct mem_counts *next; /* mem_counts_lock: all blocks */
	struct mem_counts *spare_next; /* mem_counts_lock: blocks of ended threads */
};
static __thread struct mem_counts *mem_mine;
static struct mem_counts *mem_all;   /* every block, in use or free */
static struct mem_counts *mem_spare; /* blocks of ended threads, for new ones */
static pthread_mutex_t mem_counts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t mem_key;
static pthread_once_t mem_key_once = PTHREAD_ONCE_INIT;

/* A thread ends: its block (counts and all) goes to the next new thread;
 * the counts keep counting in the sums meanwhile. */
static void mem_counts_retire(void *arg)
{
	struct mem_counts *c = arg;

	pthread_mutex_lock(&mem_counts_lock);
	c->spare_next = mem_spare;
	mem_spare = c;
	pthread_mutex_unlock(&mem_counts_lock);
	mem_mine = NULL;
}

static void mem_key_make(void)
{
	if (pthread_key_create(&mem_key, mem_counts_retire) != 0)
		ks_port_panic(__FILE__, __LINE__, "pthread_key_create failed");
}

static struct mem_counts *mem_counts_self(void)
{
	if (mem_mine)
		return mem_mine;
	pthread_once(&mem_key_once, mem_key_make);
	pthread_mutex_lock(&mem_counts_lock);
	struct mem_counts *c = mem_spare;
	if (c) {
		mem_spare = c->spare_next;
	} else if ((c = calloc(1, sizeof(*c))) != NULL) {
		c->next = mem_all;
		mem_all = c;
	}
	pthread_mutex_unlock(&mem_counts_lock);
	if (!c || pthread_setspecific(mem_key, c) != 0)
		ks_port_panic(__FILE__, __LINE__, "no memory for allocation counters");
	return mem_mine = c;
}

static void mem_count(long allocs, long bytes)
{
	struct mem_counts *c = mem_counts_self();

	__atomic_store_n(&c->allocs, __atomic_load_n(&c->allocs, __ATOMIC_RELAXED) + allocs,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, __atomic_load_n(&c->bytes, __ATOMIC_RELAXED) + bytes,
			 __ATOMIC_RELAXED);
}

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
	mem_count(1, (long)size);
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
	mem_count(-1, -(long)size);
}

void ks_stats_get(struct ks_stats *out)
{
	out->allocs_live = out->bytes_live = 0;
	pthread_mutex_lock(&mem_counts_lock);
	for (struct mem_counts *c = mem_all; c; c = c->next) {
		out->allocs_live += __atomic_load_n(&c->allocs, __ATOMIC_RELAXED);
		out->bytes_live += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&mem_counts_lock);
	out->sockets_live = __atomic_load_n(&ks_stat_sockets_live, __ATOMIC_RELAXED);
}

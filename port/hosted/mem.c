/*
 * mem.c (hosted) - ks_port_alloc/ks_port_free over malloc, with counters of
 * live allocations for ks_stats_get() (tests check them for leaks).
 *
 * Only the core's allocations go through here: the port's own bookkeeping
 * (descriptor tables, processes) uses malloc directly, so that it never
 * shows up as a leak of the code under test.
 *
 * Data buffers (ks_port_buf_alloc) of up to FRAG_MAX bytes are carved from
 * the calling thread's current fragment block instead (below), and counted
 * the same way.
 *
 * Interface: ks_port_alloc, ks_port_free, ks_port_buf_alloc,
 * ks_port_buf_free (port.h), ks_stats_get (ksock.h).
 *
 * Locking: the counters are per thread (each thread adds to its own, with
 * plain relaxed stores: no locked instruction on the hot path) and summed
 * by ks_stats_get over a list of every thread's counters; a thread's
 * counters outlive it, so the sums stay exact. The list has a mutex, taken
 * once per thread and by ks_stats_get. The block cache has a mutex per
 * class. A fragment block's count is atomic; its bump offset is its
 * thread's own.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
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
static void frag_retire_mine(void);
static pthread_mutex_t mem_counts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t mem_key;
static pthread_once_t mem_key_once = PTHREAD_ONCE_INIT;

/* A thread ends: its block (counts and all) goes to the next new thread;
 * the counts keep counting in the sums meanwhile. */
static void mem_counts_retire(void *arg)
{
	struct mem_counts *c = arg;

	frag_retire_mine();
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

/* The calling thread's counters, made on its first allocation. */
__attribute__((noinline)) static struct mem_counts *mem_counts_make(void)
{
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

static inline struct mem_counts *mem_counts_self(void)
{
	return mem_mine ? mem_mine : mem_counts_make();
}

static inline __attribute__((always_inline)) void mem_count(long allocs, long bytes)
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

/*
 * Fragment blocks, as Linux's page_frag: each thread carves data buffers
 * of up to FRAG_MAX bytes from its current FRAG_BLOCK-byte block (aligned
 * to its size, so a buffer finds its block's header by masking) with a bump
 * offset, no atomic and no call. The block's count starts at FRAG_BIAS, more
 * than the buffers a block can hold; the owner hands one unit to each
 * buffer it carves (its own bias goes down, in thread-local memory), each
 * free takes one unit back with one atomic decrement, and when the owner
 * moves to a new block (or its thread ends) it gives back the units it
 * still holds. Whoever brings the count to 0 frees the block. A buffer left
 * queued for long keeps its whole block (at most FRAG_BLOCK bytes) alive,
 * which is the price. Under AddressSanitizer buffers are plain allocations,
 * so that it still checks each one's bounds.
 */
#define FRAG_BLOCK 16384u
#define FRAG_HDR 64u    /* the header's share: one cache line */
#define FRAG_MAX 2048u  /* larger buffers are plain allocations */
#define FRAG_BIAS 4096  /* > (FRAG_BLOCK - FRAG_HDR) / 16 buffers */
#if defined(__SANITIZE_ADDRESS__)
#define FRAG_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FRAG_ON 0
#endif
#endif
#ifndef FRAG_ON
#define FRAG_ON 1
#endif

struct frag_block {
	int refs; /* atomic: buffers out + the owner's bias while it carves */
};

struct frag_mine {
	char *base;    /* the current block, or NULL */
	unsigned off;  /* next free byte */
	int bias;      /* units of base's count still held by this thread */
};
static __thread struct frag_mine frag_cur;

static void frag_unref(struct frag_block *b, int n)
{
	if (__atomic_sub_fetch(&b->refs, n, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

static void frag_retire_mine(void)
{
	struct frag_mine *f = &frag_cur;

	if (f->base)
		frag_unref((struct frag_block *)f->base, f->bias);
	f->base = NULL;
}

__attribute__((noinline)) static bool frag_refill(struct frag_mine *f)
{
	struct frag_block *b = aligned_alloc(FRAG_BLOCK, FRAG_BLOCK);

	if (!b)
		return false;
	mem_counts_self(); /* registers the thread's exit hook, which retires */
	frag_retire_mine();
	b->refs = FRAG_BIAS;
	f->base = (char *)b;
	f->off = FRAG_HDR;
	f->bias = FRAG_BIAS;
	return true;
}

void *ks_port_buf_alloc(size_t size)
{
	struct frag_mine *f = &frag_cur;
	unsigned need = (unsigned)(size + 15) & ~15u;

	if (!FRAG_ON || size > FRAG_MAX)
		return ks_port_alloc(size);
	if ((!f->base || f->off + need > FRAG_BLOCK) && !frag_refill(f))
		return NULL;
	void *p = f->base + f->off;
	f->off += need;
	f->bias--;
	mem_count(1, (long)size);
	return p;
}

void ks_port_buf_free(void *p, size_t size)
{
	if (!FRAG_ON || size > FRAG_MAX) {
		ks_port_free(p, size);
		return;
	}
	if (!p)
		return;
	mem_count(-1, -(long)size);
	frag_unref((struct frag_block *)((uintptr_t)p & ~(uintptr_t)(FRAG_BLOCK - 1)), 1);
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

/*
 * test_mem.c - the hosted allocator's counters (ks_stats_get).
 *
 * Interface: ut_cases_mem (ut.h). Locking: single-threaded.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <ksock/ksock.h>
#include <ksock/port.h>

#include "ut.h"

static void mem_counts(struct ut_ctx *t)
{
	struct ks_stats a, b, c;

	ks_stats_get(&a);
	void *p = ks_port_alloc(100);
	void *q = ks_port_alloc(28);
	UT_TRUE(t, p && q);
	ks_stats_get(&b);
	UT_EQ(t, b.allocs_live - a.allocs_live, 2);
	UT_EQ(t, b.bytes_live - a.bytes_live, 128);
	memset(p, 0xab, 100);
	ks_port_free(p, 100);
	ks_port_free(q, 28);
	ks_port_free(NULL, 5);
	ks_stats_get(&c);
	UT_EQ(t, c.allocs_live, a.allocs_live);
	UT_EQ(t, c.bytes_live, a.bytes_live);
}

static void mem_aligned(struct ut_ctx *t)
{
	for (size_t n = 1; n < 200; n += 13) {
		void *p = ks_port_alloc(n);
		UT_TRUE(t, p != NULL);
		UT_EQ(t, (uintptr_t)p % _Alignof(max_align_t), 0);
		ks_port_free(p, n);
	}
	void *z = ks_port_alloc(0);
	UT_TRUE(t, z != NULL);
	ks_port_free(z, 0);
}

/* Data buffers: counted like the rest, aligned, distinct, across several
 * fragment blocks, freed in another order and by another thread. */
#define BUF_N 1500
static void *buf_ptrs[BUF_N];

static void *buf_free_half(void *arg)
{
	(void)arg;
	for (int i = 1; i < BUF_N; i += 2)
		ks_port_buf_free(buf_ptrs[i], (size_t)(i % 300) + 1);
	return NULL;
}

static void mem_buffers(struct ut_ctx *t)
{
	struct ks_stats a, b, c;
	long bytes = 0;

	ks_stats_get(&a);
	for (int i = 0; i < BUF_N; i++) {
		size_t n = (size_t)(i % 300) + 1;
		buf_ptrs[i] = ks_port_buf_alloc(n);
		UT_TRUE(t, buf_ptrs[i] != NULL);
		UT_EQ(t, (uintptr_t)buf_ptrs[i] % _Alignof(max_align_t), 0);
		memset(buf_ptrs[i], i & 0xff, n);
		bytes += (long)n;
	}
	void *big = ks_port_buf_alloc(5000); /* beyond the fragment size */
	UT_TRUE(t, big != NULL);
	ks_stats_get(&b);
	UT_EQ(t, b.allocs_live - a.allocs_live, BUF_N + 1);
	UT_EQ(t, b.bytes_live - a.bytes_live, bytes + 5000);
	for (int i = 0; i < BUF_N; i++) { /* nobody overwrote anybody */
		unsigned char *q = buf_ptrs[i];
		UT_TRUE(t, q[0] == (i & 0xff) && q[i % 300] == (i & 0xff));
	}
	pthread_t th;
	UT_EQ(t, pthread_create(&th, NULL, buf_free_half, NULL), 0);
	for (int i = BUF_N - 2; i >= 0; i -= 2)
		ks_port_buf_free(buf_ptrs[i], (size_t)(i % 300) + 1);
	UT_EQ(t, pthread_join(th, NULL), 0);
	ks_port_buf_free(big, 5000);
	ks_port_buf_free(NULL, 8);
	ks_stats_get(&c);
	UT_EQ(t, c.allocs_live, a.allocs_live);
	UT_EQ(t, c.bytes_live, a.bytes_live);
}

const struct ut_case ut_cases_mem[] = {
	{ "counts", mem_counts },
	{ "aligned", mem_aligned },
	{ "buffers", mem_buffers },
	{ 0 },
};

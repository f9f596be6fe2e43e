/*
 * test_mem.c - the hosted allocator's counters (ks_stats_get).
 *
 * Interface: ut_cases_mem (ut.h). Locking: single-threaded.
 */
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

const struct ut_case ut_cases_mem[] = {
	{ "counts", mem_counts },
	{ "aligned", mem_aligned },
	{ 0 },
};

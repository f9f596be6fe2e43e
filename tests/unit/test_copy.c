/*
 * test_copy.c - the copy hooks: correct copies of every size and alignment,
 * -KS_EFAULT (and no crash) for NULL, (void *)-1, kernel-half addresses, an
 * unmapped page, a range running into an unmapped page (the bytes before
 * it copied), a read-only page as a destination; and a rough speed check.
 *
 * Interface: ut_cases_copy (ut.h). Locking: none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ksock/port.h>

#include "ut.h"

static void copy_good(struct ut_ctx *t)
{
	static unsigned char src[3000], dst[3100];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 3);
	const size_t sizes[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 255, 256, 257, 1000, 2999 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (size_t off = 0; off < 9; off++) {
			size_t n = sizes[k];
			memset(dst, 0xee, sizeof(dst));
			UT_EQ(t, ks_port_copy_from_user(dst + off, src + 1, n), 0);
			UT_TRUE(t, memcmp(dst + off, src + 1, n) == 0);
			UT_EQ(t, dst[off + n], 0xee);
			UT_TRUE(t, off == 0 || dst[off - 1] == 0xee);
			memset(dst, 0, sizeof(dst));
			UT_EQ(t, ks_port_copy_to_user(dst + off, src, n), 0);
			UT_TRUE(t, memcmp(dst + off, src, n) == 0);
		}
	}
	UT_EQ(t, ks_port_copy_from_user(dst, NULL, 0), 0); /* nothing to copy */
}

static void copy_bad_pointers(struct ut_ctx *t)
{
	char buf[64] = { 0 };
	void *const bad[] = {
		NULL,
		(void *)16,
		(void *)4095,
		(void *)-1,
		(void *)(uintptr_t)0xffff800000000000ull, /* kernel half */
		(void *)(uintptr_t)0x0000800000000000ull, /* just past user half */
		(void *)(uintptr_t)0x00007ffffffffff0ull, /* runs past the top */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UT_EQ(t, ks_port_copy_from_user(buf, bad[i], 32), -KS_EFAULT);
		UT_EQ(t, ks_port_copy_to_user(bad[i], buf, 32), -KS_EFAULT);
	}
	/* wrap-around */
	UT_EQ(t, ks_port_copy_from_user(buf, buf, SIZE_MAX), -KS_EFAULT);
	UT_EQ(t, ks_port_copy_to_user(buf, buf, (size_t)-4096), -KS_EFAULT);
}

/* Two pages, the second unmapped; returns the first or NULL. */
static unsigned char *copy_map_edge(long pg)
{
	unsigned char *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	munmap(m + pg, (size_t)pg);
	return m;
}

static void copy_unmapped(struct ut_ctx *t)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *m = copy_map_edge(pg), buf[512];

	UT_TRUE(t, m != NULL);
	unsigned char *hole = m + pg;
	UT_EQ(t, ks_port_copy_from_user(buf, hole, 1), -KS_EFAULT);
	UT_EQ(t, ks_port_copy_to_user(hole + 100, buf, 300), -KS_EFAULT);
	/* spanning into the hole: small and large (the two copy loops) */
	const size_t lens[] = { 16, 300, 512 };
	for (size_t k = 0; k < 3; k++) {
		size_t before = lens[k] / 2;
		for (size_t i = 0; i < before; i++)
			m[pg - before + i] = (unsigned char)(i + 1);
		memset(buf, 0, sizeof(buf));
		UT_EQ(t, ks_port_copy_from_user(buf, hole - before, lens[k]), -KS_EFAULT);
		memset(buf, 0x5a, sizeof(buf));
		UT_EQ(t, ks_port_copy_to_user(hole - before, buf, lens[k]), -KS_EFAULT);
		UT_EQ(t, m[pg - 1], 0x5a); /* bytes before the fault were written */
	}
	/* a range ending exactly at the hole is fine */
	UT_EQ(t, ks_port_copy_from_user(buf, hole - 64, 64), 0);
	munmap(m, (size_t)pg);
}

static void copy_readonly(struct ut_ctx *t)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *m = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char buf[300] = { 1 };

	UT_TRUE(t, m != MAP_FAILED);
	UT_EQ(t, ks_port_copy_from_user(buf, m, sizeof(buf)), 0); /* readable */
	UT_EQ(t, ks_port_copy_to_user(m, buf, 8), -KS_EFAULT);
	UT_EQ(t, ks_port_copy_to_user(m + 8, buf, sizeof(buf)), -KS_EFAULT);
	munmap(m, (size_t)pg);
}

/* The hot path: many small copies must cost far less than a syscall. */
static void copy_speed(struct ut_ctx *t)
{
	int v = 0, w = 42;
	const int rounds = 200000;
	uint64_t t0 = ks_port_now_ns();

	for (int i = 0; i < rounds; i++) {
		if (ks_port_copy_from_user(&v, &w, sizeof(v)) != 0)
			break;
		w++;
	}
	uint64_t per = (ks_port_now_ns() - t0) / (uint64_t)rounds;
	UT_EQ(t, v, 42 + rounds - 1);
	/* A getppid() round trip is ~100-300ns plain; sanitizers slow both
	 * sides. The bound only catches a syscall-per-copy design gone slow. */
	UT_TRUE(t, per < 2000);
	if (getenv("UT_VERBOSE"))
		printf("copy: %llu ns per 4-byte copy\n", (unsigned long long)per);
}

const struct ut_case ut_cases_copy[] = {
	{ "good", copy_good },
	{ "bad_pointers", copy_bad_pointers },
	{ "unmapped", copy_unmapped },
	{ "readonly", copy_readonly },
	{ "speed", copy_speed },
	{ 0 },
};

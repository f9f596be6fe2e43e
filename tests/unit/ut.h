/*
 * ut.h - the unit-test runner's interface: cases, groups and check macros.
 *
 * A case is a function taking a struct ut_ctx; it checks with the UT_*
 * macros, which record the first failure and return from the case. Each
 * test file defines one group (an array of cases ending in {0}) listed in
 * main.c. After every case the runner checks that the case left no ksock
 * mutex held and no port allocation live.
 *
 * Rules: tests clean up on every path they can (threads joined, temporary
 * files removed); they run as the default hosted process unless they make
 * their own (ks_proc_new + ks_proc_enter, then ks_proc_enter(NULL)).
 *
 * Interface: UT_TRUE, UT_EQ (return on failure), UT_CHECK_TRUE/UT_CHECK_EQ
 * (record only: between pthread_create and pthread_join), ut_fail.
 */
#ifndef UT_H
#define UT_H

struct ut_ctx {
	int failed;
	char msg[256];
};

struct ut_case {
	const char *name;
	void (*fn)(struct ut_ctx *t);
};

void ut_fail(struct ut_ctx *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define UT_CHECK_TRUE(t, cond)                                               \
	do {                                                                 \
		if (!(cond))                                                 \
			ut_fail((t), __FILE__, __LINE__, "%s", #cond);       \
	} while (0)
#define UT_CHECK_EQ(t, expr, want)                                           \
	do {                                                                 \
		long ut_g_ = (long)(expr), ut_w_ = (long)(want);             \
		if (ut_g_ != ut_w_)                                          \
			ut_fail((t), __FILE__, __LINE__, "%s = %ld, want %ld", \
				#expr, ut_g_, ut_w_);                        \
	} while (0)
#define UT_TRUE(t, cond)                                                     \
	do {                                                                 \
		UT_CHECK_TRUE(t, cond);                                      \
		if ((t)->failed)                                             \
			return;                                              \
	} while (0)
#define UT_EQ(t, expr, want)                                                 \
	do {                                                                 \
		UT_CHECK_EQ(t, expr, want);                                  \
		if ((t)->failed)                                             \
			return;                                              \
	} while (0)

/* The groups, one per test file. */
extern const struct ut_case ut_cases_mem[];
extern const struct ut_case ut_cases_mutex[];
extern const struct ut_case ut_cases_parker[];
extern const struct ut_case ut_cases_timer[];
extern const struct ut_case ut_cases_copy[];
extern const struct ut_case ut_cases_fd[];
extern const struct ut_case ut_cases_path[];
extern const struct ut_case ut_cases_abi[];
extern const struct ut_case ut_cases_inet_net[];
extern const struct ut_case ut_cases_epoll[];

#endif

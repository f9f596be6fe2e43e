/*
 * main.c - the unit-test runner: runs every case of every group (or those
 * whose "group/name" contains argv[1]), checks after each one that no ksock
 * mutex is held and no port allocation leaked, and ends with the line
 * "unit: N passed, N failed". Exit status 0 when nothing failed.
 *
 * Self-contained on purpose (no test framework), so it can later run in a
 * kernel. Interface: ut.h. Locking: cases run one at a time on the main
 * thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ksock/ksock.h>

#include "ut.h"

struct ut_group {
	const char *name;
	const struct ut_case *cases;
};

static const struct ut_group ut_groups[] = {
	{ "mem", ut_cases_mem },       { "mutex", ut_cases_mutex }, { "parker", ut_cases_parker },
	{ "timer", ut_cases_timer },   { "copy", ut_cases_copy },   { "fd", ut_cases_fd },
	{ "path", ut_cases_path },     { "abi", ut_cases_abi },     { "epoll", ut_cases_epoll },
	{ "inet_net", ut_cases_inet_net },
};

void ut_fail(struct ut_ctx *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (t->failed++)
		return;
	int n = snprintf(t->msg, sizeof(t->msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(t->msg))
		vsnprintf(t->msg + n, sizeof(t->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Runs one case; returns 1 if it passed. */
static int ut_run(const char *group, const struct ut_case *c)
{
	struct ut_ctx t = { 0 };
	struct ks_stats before, after;

	ks_stats_get(&before);
	c->fn(&t);
	ks_stats_get(&after);
	if (!t.failed && ks_hosted_locks_held() != 0)
		ut_fail(&t, __FILE__, __LINE__, "%d ksock mutexes still held",
			ks_hosted_locks_held());
	if (!t.failed && after.allocs_live != before.allocs_live)
		ut_fail(&t, __FILE__, __LINE__, "%ld allocations leaked",
			after.allocs_live - before.allocs_live);
	if (t.failed)
		printf("FAIL %s/%s: %s\n", group, c->name, t.msg);
	return !t.failed;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	char full[128];

	for (size_t g = 0; g < sizeof(ut_groups) / sizeof(ut_groups[0]); g++) {
		for (const struct ut_case *c = ut_groups[g].cases; c->name; c++) {
			snprintf(full, sizeof(full), "%s/%s", ut_groups[g].name, c->name);
			if (filter && !strstr(full, filter))
				continue;
			if (ut_run(ut_groups[g].name, c))
				passed++;
			else
				failed++;
			fflush(stdout);
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

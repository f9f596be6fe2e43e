/*
 * main.c - the netfs unit-test runner: runs every case (or those whose
 * "group/name" contains argv[1]), checks after each that no ksock mutex is
 * held, no port allocation leaked and no socket outlived it, and ends with
 * "netfs: N passed, N failed". Exit status 0 when nothing failed.
 *
 * Interface: nt.h. Locking: cases run one at a time on the main thread.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ksock/ksock.h>

#include "nt.h"

struct nt_group {
	const char *name;
	const struct nt_case *cases;
};

static const struct nt_group nt_groups[] = {
	{"parse", nt_cases_parse}, {"tree", nt_cases_tree}, {"ctl", nt_cases_ctl},
	{"data", nt_cases_data},   {"life", nt_cases_life},
};

void nt_fail(struct nt_ctx *t, const char *file, int line, const char *fmt, ...)
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

static int nt_run(const char *group, const struct nt_case *c)
{
	struct nt_ctx t = {0};
	struct ks_stats before, after;

	ks_stats_get(&before);
	c->fn(&t);
	ks_stats_get(&after);
	if (!t.failed && ks_hosted_locks_held() != 0)
		nt_fail(&t, __FILE__, __LINE__, "%d ksock mutexes still held",
			ks_hosted_locks_held());
	if (!t.failed && after.sockets_live != before.sockets_live)
		nt_fail(&t, __FILE__, __LINE__, "%ld sockets still alive",
			after.sockets_live - before.sockets_live);
	if (!t.failed && after.allocs_live != before.allocs_live)
		nt_fail(&t, __FILE__, __LINE__, "%ld allocations leaked",
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

	signal(SIGPIPE, SIG_IGN); /* EPIPE cases: ksock raises SIGPIPE as write(2) */
	for (size_t g = 0; g < sizeof(nt_groups) / sizeof(nt_groups[0]); g++) {
		for (const struct nt_case *c = nt_groups[g].cases; c->name; c++) {
			snprintf(full, sizeof(full), "%s/%s", nt_groups[g].name, c->name);
			if (filter && !strstr(full, filter))
				continue;
			if (nt_run(nt_groups[g].name, c))
				passed++;
			else
				failed++;
			fflush(stdout);
		}
	}
	printf("netfs: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

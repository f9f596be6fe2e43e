/*
 * report.h - the benchmark's results and how they are printed: a table on
 * stdout (one row per figure, as soon as it is measured) and a JSON file
 * for tracking figures over time. docs/performance.md shows both.
 *
 * Interface: the runner fills a struct bench_report, calls report_header
 * once, report_row per measured case and pinning, then report_icount and
 * report_json at the end.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "bench.h"

#define BENCH_MAX_REPS 50
#define BENCH_MAX_ICOUNT 16

/* All repetitions of one case with one pinning: v[metric][0 linux, 1
 * ksock][rep], in the metric's display unit. */
struct bench_result {
	const struct bench_case *c;
	int pin; /* 1 or 2 CPUs */
	int nreps;
	double v[BENCH_MAX_METRICS][2][BENCH_MAX_REPS];
};

struct bench_machine {
	char cpu[128];    /* /proc/cpuinfo model name */
	char kernel[128]; /* uname -r */
	char date[32];    /* UTC, ISO 8601 */
	int online;       /* CPUs online */
	int usable;       /* CPUs the benchmark may use (1 or 2) */
};

/* Instructions per operation, from bench/icount.sh's output. */
struct bench_icount {
	char op[64];
	double per_op;
	long ops; /* operations counted */
};

struct bench_report {
	struct bench_machine machine;
	const char *label; /* what was measured, e.g. a commit id; may be NULL */
	int reps, duration_ms, warmup_ms, pairs, quick;
	struct bench_result *results;
	int nresults;
	struct bench_icount icount[BENCH_MAX_ICOUNT];
	int nicount;
};

void report_header(const struct bench_report *r);
void report_row(const struct bench_result *res);
/* The count of figures that meet and miss their targets. */
void report_summary(const struct bench_report *r);
/* Reads lines "<instructions per op> <ops> <op name>"; 0 or -1. */
int report_read_icount(struct bench_report *r, const char *path);
void report_icount(const struct bench_report *r);
/* Writes the whole report as JSON to path; 0 or -1. */
int report_json(const struct bench_report *r, const char *path);

#endif

/*
 * report.c - the table and the JSON (see report.h).
 *
 * Per figure and backend: the median of the repetitions, and the spread,
 * half the range (max - min) / 2 as a percentage of the median. The ratio
 * is ksock's median over Linux's. A target is the issue's: with one CPU
 * the figure's own (0: none), with two CPUs "no slower than Linux" (1x).
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct summary {
	double median, min, max, spread_pct;
};

static struct summary summarize(const double *v, int n)
{
	double s[BENCH_MAX_REPS];
	struct summary out = { 0, 0, 0, 0 };

	if (n <= 0)
		return out;
	memcpy(s, v, sizeof(double) * (size_t)n);
	out.min = bench_quantile(s, (size_t)n, 0); /* sorts s */
	out.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	out.max = s[n - 1];
	if (out.median > 0)
		out.spread_pct = (out.max - out.min) / 2 / out.median * 100;
	return out;
}

static double target_of(const struct bench_metric *m, int pin)
{
	return pin == 2 ? 1.0 : m->target_1cpu;
}

/* "ok", "MISS", or "" where there is no target or no ratio (ratio <= 0:
 * Linux's figure was 0, e.g. a memory growth too small to see). */
static const char *verdict(const struct bench_metric *m, int pin, double ratio)
{
	double t = target_of(m, pin);

	if (t <= 0 || ratio <= 0)
		return "";
	if (m->better == BENCH_HIGHER)
		return ratio >= t ? "ok" : "MISS";
	return ratio <= t ? "ok" : "MISS";
}

/* Three significant digits or so, never in exponent form. */
static void fmt_value(char *buf, size_t n, double v)
{
	double a = fabs(v);
	const char *f = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";

	snprintf(buf, n, f, v);
}

static void fmt_cell(char *buf, size_t n, const struct summary *s)
{
	char v[24];

	fmt_value(v, sizeof(v), s->median);
	snprintf(buf, n, "%s ±%.0f%%", v, s->spread_pct);
}

void report_header(const struct bench_report *r)
{
	const struct bench_machine *m = &r->machine;

	printf("ksock benchmark%s%s%s: %s, %d CPUs online (%d used), Linux %s, %s\n",
	       r->label ? " of " : "", r->label ? r->label : "",
	       r->quick ? " (quick smoke run: figures are not meaningful)" : "", m->cpu,
	       m->online, m->usable, m->kernel, m->date);
	printf("%d rep(s) per backend, alternating; %d ms per run after a %d ms warm-up; "
	       "memory: %d pairs\n",
	       r->reps, r->duration_ms, r->warmup_ms, r->pairs);
	printf("cells: median ±spread (half the min-max range, %% of the median); "
	       "ratio = ksock/linux:\n"
	       "  rates (GB/s, msg/s, k/s): >1 = ksock faster; "
	       "latency (us) and memory (KiB): <1 = ksock better\n"
	       "  pin: 1cpu = both ends on one CPU, 2cpu = one CPU each; "
	       "target: the issue's, 2cpu = no slower than Linux\n\n");
	printf("%-28s %-4s %-7s %16s %16s %7s %7s %s\n", "case", "pin", "unit", "linux", "ksock",
	       "ratio", "target", "");
	fflush(stdout);
}

void report_row(const struct bench_result *res)
{
	for (int k = 0; k < res->c->nmetrics; k++) {
		const struct bench_metric *m = &res->c->metrics[k];
		struct summary lx = summarize(res->v[k][0], res->nreps);
		struct summary ks = summarize(res->v[k][1], res->nreps);
		double ratio = lx.median > 0 ? ks.median / lx.median : 0;
		double t = target_of(m, res->pin);
		char cl[48], ck[48], tg[16] = "", rt[16] = "n/a";

		if (ratio > 0)
			snprintf(rt, sizeof(rt), "%.2fx", ratio);
		fmt_cell(cl, sizeof(cl), &lx);
		fmt_cell(ck, sizeof(ck), &ks);
		if (t > 0)
			snprintf(tg, sizeof(tg), "%s%gx", m->better == BENCH_HIGHER ? ">=" : "<=", t);
		/* "±" is two bytes: widen the cells by one for alignment. */
		printf("%-28s %dcpu %-7s %17s %17s %7s %7s %s\n", m->name, res->pin, m->unit, cl,
		       ck, rt, tg, verdict(m, res->pin, ratio));
	}
	fflush(stdout);
}

/* Counts the figures that meet (met) and miss (missed) their targets. */
static void count_targets(const struct bench_report *r, int *met, int *missed)
{
	*met = *missed = 0;
	for (int i = 0; i < r->nresults; i++) {
		const struct bench_result *res = &r->results[i];
		for (int k = 0; k < res->c->nmetrics; k++) {
			struct summary lx = summarize(res->v[k][0], res->nreps);
			struct summary ks = summarize(res->v[k][1], res->nreps);
			const char *v = verdict(&res->c->metrics[k], res->pin,
						lx.median > 0 ? ks.median / lx.median : 0);
			*met += !strcmp(v, "ok");
			*missed += !strcmp(v, "MISS");
		}
	}
}

void report_summary(const struct bench_report *r)
{
	int met, missed;

	count_targets(r, &met, &missed);
	printf("\ntargets: %d met, %d missed\n", met, missed);
	fflush(stdout);
}

int report_read_icount(struct bench_report *r, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (r->nicount < BENCH_MAX_ICOUNT && fgets(line, sizeof(line), f)) {
		struct bench_icount *ic = &r->icount[r->nicount];
		if (sscanf(line, "%lf %ld %63[^\n]", &ic->per_op, &ic->ops, ic->op) == 3)
			r->nicount++;
	}
	fclose(f);
	if (r->nicount == 0) {
		fprintf(stderr, "bench: %s: no instruction counts\n", path);
		return -1;
	}
	return 0;
}

void report_icount(const struct bench_report *r)
{
	if (r->nicount == 0)
		return;
	printf("\nksock instructions per operation (valgrind --tool=callgrind, user space "
	       "only: ksock, the hosted port, libc):\n");
	for (int i = 0; i < r->nicount; i++)
		printf("  %-40s %10.0f\n", r->icount[i].op, r->icount[i].per_op);
	fflush(stdout);
}

/* A JSON string of s (our own names, the CPU model: quotes and
 * backslashes escaped, control characters dropped). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_side(FILE *f, const double *v, int n)
{
	struct summary s = summarize(v, n);

	fprintf(f, "{\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"spread_pct\": %.3g, "
		   "\"reps\": [",
		s.median, s.min, s.max, s.spread_pct);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", v[i]);
	fprintf(f, "]}");
}

static void json_results(FILE *f, const struct bench_report *r)
{
	int first = 1;

	for (int i = 0; i < r->nresults; i++) {
		const struct bench_result *res = &r->results[i];
		for (int k = 0; k < res->c->nmetrics; k++) {
			const struct bench_metric *m = &res->c->metrics[k];
			struct summary lx = summarize(res->v[k][0], res->nreps);
			struct summary ks = summarize(res->v[k][1], res->nreps);
			double ratio = lx.median > 0 ? ks.median / lx.median : 0;
			fprintf(f, "%s\n    {\"case\": ", first ? "" : ",");
			json_str(f, res->c->id);
			fprintf(f, ", \"metric\": ");
			json_str(f, m->name);
			fprintf(f, ", \"pin\": \"%dcpu\", \"unit\": ", res->pin);
			json_str(f, m->unit);
			fprintf(f, ", \"better\": \"%s\",\n     \"linux\": ",
				m->better == BENCH_HIGHER ? "higher" : "lower");
			json_side(f, res->v[k][0], res->nreps);
			fprintf(f, ",\n     \"ksock\": ");
			json_side(f, res->v[k][1], res->nreps);
			if (ratio > 0)
				fprintf(f, ",\n     \"ratio\": %.4g", ratio);
			else
				fprintf(f, ",\n     \"ratio\": null");
			fprintf(f, ", \"target\": %g, \"verdict\": \"%s\"}", target_of(m, res->pin),
				verdict(m, res->pin, ratio));
			first = 0;
		}
	}
}

int report_json(const struct bench_report *r, const char *path)
{
	const struct bench_machine *m = &r->machine;
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int met, missed;

	count_targets(r, &met, &missed);
	fprintf(f, "{\n  \"schema\": 1,\n  \"date\": \"%s\",\n  \"label\": ", m->date);
	json_str(f, r->label ? r->label : "");
	fprintf(f, ",\n  \"machine\": {\"cpu\": ");
	json_str(f, m->cpu);
	fprintf(f, ", \"cpus_online\": %d, \"cpus_used\": %d, \"kernel\": ", m->online, m->usable);
	json_str(f, m->kernel);
	fprintf(f, "},\n  \"params\": {\"reps\": %d, \"duration_ms\": %d, \"warmup_ms\": %d, "
		   "\"pairs\": %d, \"quick\": %s},\n  \"results\": [",
		r->reps, r->duration_ms, r->warmup_ms, r->pairs, r->quick ? "true" : "false");
	json_results(f, r);
	fprintf(f, "\n  ],\n  \"targets_met\": %d,\n  \"targets_missed\": %d,\n  \"icount\": [",
		met, missed);
	for (int i = 0; i < r->nicount; i++) {
		fprintf(f, "%s\n    {\"op\": ", i ? "," : "");
		json_str(f, r->icount[i].op);
		fprintf(f, ", \"instructions_per_op\": %.1f, \"ops\": %ld}", r->icount[i].per_op,
			r->icount[i].ops);
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

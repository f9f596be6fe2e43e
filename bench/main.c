/*
 * main.c - the benchmark runner: every case against Linux and against
 * ksock in the same run, alternating, with warm-up and repetitions.
 *
 * Usage: bench [--reps N] [--quick] [--duration MS] [--warmup MS]
 *              [--pairs N] [--only SUBSTR] [--list] [--json PATH]
 *              [--icount PATH] [--label TEXT]
 *   --reps N       measurements per case and backend (default 5)
 *   --quick        the smoke run: 1 rep, 20 ms runs, no warm-up, 100 pairs
 *   --duration MS  length of one timed run (default 300)
 *   --warmup MS    length of the untimed run per backend first (default 100)
 *   --pairs N      pairs the memory case creates (default 4000)
 *   --only SUBSTR  only the cases whose id contains SUBSTR (e.g. "tcp":
 *                  the four TCP cases)
 *   --list         print the case ids and exit
 *   --json PATH    where to write the results (default build/bench.json)
 *   --icount PATH  instructions per operation from bench/icount.sh, to
 *                  print and put in the JSON
 *   --label TEXT   what is measured (make bench passes the commit id)
 *
 * For each case and pinning: one warm-up run per backend, then --reps
 * rounds, each running both backends, Linux first in even rounds and ksock
 * first in odd ones (so a drift of the machine hurts both alike). Prints a
 * row per figure as soon as it is measured, then the instruction counts;
 * writes the JSON at the end. Exits 1 if any run failed (a call returned
 * an error, a watchdog fired, or ksock leaked a socket), else 0: targets
 * missed are reported, not failed (ksock is not tuned yet).
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ksock/ksock.h"
#include "report.h"

static const struct bench_case cases[] = {
	{ "stream-64", bench_stream_bulk, 64, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "stream 64 B", "GB/s", BENCH_HIGHER, 10 } } },
	{ "stream-4k", bench_stream_bulk, 4096, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "stream 4 KiB", "GB/s", BENCH_HIGHER, 0 } } },
	{ "stream-64k", bench_stream_bulk, 65536, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "stream 64 KiB", "GB/s", BENCH_HIGHER, 2 } } },
	{ "seqpacket-64", bench_msg_rate_seqpacket, 64, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "seqpacket 64 B", "M msg/s", BENCH_HIGHER, 5 } } },
	{ "seqpacket-1k", bench_msg_rate_seqpacket, 1024, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "seqpacket 1 KiB", "M msg/s", BENCH_HIGHER, 0 } } },
	{ "dgram-64", bench_msg_rate_dgram, 64, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "dgram 64 B", "M msg/s", BENCH_HIGHER, 5 } } },
	{ "dgram-1k", bench_msg_rate_dgram, 1024, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "dgram 1 KiB", "M msg/s", BENCH_HIGHER, 0 } } },
	{ "rtt-stream", bench_rtt, SOCK_STREAM, BENCH_PIN_1 | BENCH_PIN_2, 2,
	  { { "rtt stream 1 B p50", "us", BENCH_LOWER, 0.6 },
	    { "rtt stream 1 B p99", "us", BENCH_LOWER, 0.6 } } },
	{ "rtt-seqpacket", bench_rtt, SOCK_SEQPACKET, BENCH_PIN_1 | BENCH_PIN_2, 2,
	  { { "rtt seqpacket 1 B p50", "us", BENCH_LOWER, 0.6 },
	    { "rtt seqpacket 1 B p99", "us", BENCH_LOWER, 0.6 } } },
	{ "rtt-dgram", bench_rtt, SOCK_DGRAM, BENCH_PIN_1 | BENCH_PIN_2, 2,
	  { { "rtt dgram 1 B p50", "us", BENCH_LOWER, 0.6 },
	    { "rtt dgram 1 B p99", "us", BENCH_LOWER, 0.6 } } },
	{ "udp-64", bench_msg_rate_udp, 64, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "udp 64 B", "M msg/s", BENCH_HIGHER, 0 } } },
	{ "udp-1k", bench_msg_rate_udp, 1024, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "udp 1 KiB", "M msg/s", BENCH_HIGHER, 0 } } },
	{ "rtt-udp", bench_rtt_udp, 0, BENCH_PIN_1 | BENCH_PIN_2, 2,
	  { { "rtt udp 1 B p50", "us", BENCH_LOWER, 0 },
	    { "rtt udp 1 B p99", "us", BENCH_LOWER, 0 } } },
	{ "tcp-64k", bench_tcp_bulk, 65536, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "tcp 64 KiB", "GB/s", BENCH_HIGHER, 1 } } },
	{ "tcp-4k", bench_tcp_bulk, 4096, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "tcp 4 KiB", "GB/s", BENCH_HIGHER, 1 } } },
	{ "rtt-tcp", bench_rtt_tcp, 0, BENCH_PIN_1 | BENCH_PIN_2, 2,
	  { { "rtt tcp 1 B p50", "us", BENCH_LOWER, 0.6 },
	    { "rtt tcp 1 B p99", "us", BENCH_LOWER, 0.6 } } },
	{ "conn-path", bench_conn_rate, 0, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "connect+accept+close path", "k/s", BENCH_HIGHER, 3 } } },
	{ "conn-abstract", bench_conn_rate, 1, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "connect+accept+close abstr", "k/s", BENCH_HIGHER, 3 } } },
	{ "tcp-conn", bench_tcp_conn_rate, 0, BENCH_PIN_1 | BENCH_PIN_2, 1,
	  { { "connect+accept+close tcp", "k/s", BENCH_HIGHER, 1 } } },
	{ "socket-close", bench_socket_close, 0, BENCH_PIN_1, 1,
	  { { "socket+close", "k/s", BENCH_HIGHER, 5 } } },
	{ "socketpair-close", bench_socketpair_close, 0, BENCH_PIN_1, 1,
	  { { "socketpair+2 closes", "k/s", BENCH_HIGHER, 0 } } },
	{ "idle-pair-memory", bench_idle_pair_memory, 0, BENCH_PIN_1, 1,
	  { { "memory per idle pair", "KiB", BENCH_LOWER, 0.5 } } },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct options {
	int reps, duration_ms, warmup_ms, pairs, quick;
	const char *only, *json, *icount, *label;
};

/* ---- watchdog: a run that outlives its duration by this much hangs ---- */

#define WATCHDOG_GRACE_S 30

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond = PTHREAD_COND_INITIALIZER;
static const char *wd_what; /* [wd_lock] the run in progress, or NULL */
static struct timespec wd_deadline; /* [wd_lock] CLOCK_REALTIME */

static void *watchdog(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wd_lock);
	for (;;) {
		if (!wd_what) {
			pthread_cond_wait(&wd_cond, &wd_lock);
			continue;
		}
		if (pthread_cond_timedwait(&wd_cond, &wd_lock, &wd_deadline) == ETIMEDOUT &&
		    wd_what) {
			fprintf(stderr, "bench: watchdog: %s hangs; aborting\n", wd_what);
			_exit(3);
		}
	}
	return NULL;
}

static void wd_arm(const char *what, uint64_t duration_ns)
{
	pthread_mutex_lock(&wd_lock);
	clock_gettime(CLOCK_REALTIME, &wd_deadline);
	wd_deadline.tv_sec += (time_t)(duration_ns / 1000000000u) + WATCHDOG_GRACE_S;
	wd_what = what;
	pthread_cond_signal(&wd_cond);
	pthread_mutex_unlock(&wd_lock);
}

static void wd_disarm(void)
{
	pthread_mutex_lock(&wd_lock);
	wd_what = NULL;
	pthread_mutex_unlock(&wd_lock);
}

/* ---- running ---- */

static int run_seq;

/* One run of c on b; fills out[] or returns a negative errno. After a
 * ksock run, every socket must be gone again. */
static int run_once(const struct bench_case *c, const struct bench_backend *b,
		    struct bench_run *r, uint64_t duration_ns, double *out)
{
	char what[128];
	struct ks_stats st;
	int err;

	r->duration_ns = duration_ns;
	r->seq = ++run_seq;
	snprintf(what, sizeof(what), "%s on %s (cpus %d,%d)", c->id, b->name, r->cpu_a, r->cpu_b);
	wd_arm(what, duration_ns);
	err = c->fn(b, r, out);
	wd_disarm();
	if (err == 0 && b == &bench_ksock) {
		ks_stats_get(&st);
		if (st.sockets_live != 0) {
			fprintf(stderr, "bench: %s: %ld ksock sockets left over\n", what,
				st.sockets_live);
			err = -EBADFD;
		}
	}
	if (err)
		fprintf(stderr, "bench: %s failed: %s\n", what, strerror(-err));
	return err;
}

/* Warm-up, then opt->reps alternating rounds; fills res. */
static int run_case(const struct bench_case *c, int pin, const int cpus[2],
		    const struct options *opt, const char *dir, struct bench_result *res)
{
	const struct bench_backend *order[2];
	struct bench_run r = { .cpu_a = cpus[0], .cpu_b = pin == 2 ? cpus[1] : cpus[0],
			       .arg = c->arg, .pairs = opt->pairs, .dir = dir };
	uint64_t dur = (uint64_t)opt->duration_ms * 1000000u;
	uint64_t warm = (uint64_t)opt->warmup_ms * 1000000u;
	double out[BENCH_MAX_METRICS];
	int err;

	res->c = c;
	res->pin = pin;
	res->nreps = 0;
	if (warm && c->fn != bench_idle_pair_memory) {
		if ((err = run_once(c, &bench_linux, &r, warm, out)) != 0 ||
		    (err = run_once(c, &bench_ksock, &r, warm, out)) != 0)
			return err;
	}
	for (int rep = 0; rep < opt->reps && rep < BENCH_MAX_REPS; rep++) {
		order[rep & 1] = &bench_linux;
		order[!(rep & 1)] = &bench_ksock;
		for (int k = 0; k < 2; k++) {
			int side = order[k] == &bench_ksock;
			err = run_once(c, order[k], &r, dur, out);
			if (err)
				return err;
			for (int m = 0; m < c->nmetrics; m++)
				res->v[m][side][rep] = out[m];
		}
		res->nreps = rep + 1;
	}
	return 0;
}

/* ---- set-up ---- */

static void usage(void)
{
	fprintf(stderr, "usage: bench [--reps N] [--quick] [--duration MS] [--warmup MS] "
			"[--pairs N] [--only SUBSTR] [--list] [--json PATH] [--icount PATH] "
			"[--label TEXT]\n");
	exit(2);
}

static int int_arg(int argc, char **argv, int *i, int min, int max)
{
	char *end;
	long v;

	if (*i + 1 >= argc)
		usage();
	v = strtol(argv[++*i], &end, 10);
	if (*end || v < min || v > max)
		usage();
	return (int)v;
}

static void parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){ 5, 300, 100, 4000, 0, NULL, "build/bench.json", NULL, NULL };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--reps"))
			o->reps = int_arg(argc, argv, &i, 1, BENCH_MAX_REPS);
		else if (!strcmp(a, "--duration"))
			o->duration_ms = int_arg(argc, argv, &i, 1, 60000);
		else if (!strcmp(a, "--warmup"))
			o->warmup_ms = int_arg(argc, argv, &i, 0, 60000);
		else if (!strcmp(a, "--pairs"))
			o->pairs = int_arg(argc, argv, &i, 1, 100000);
		else if (!strcmp(a, "--quick"))
			*o = (struct options){ 1, 20, 0, 100, 1, o->only, o->json, o->icount,
					       o->label };
		else if (!strcmp(a, "--only") && i + 1 < argc)
			o->only = argv[++i];
		else if (!strcmp(a, "--json") && i + 1 < argc)
			o->json = argv[++i];
		else if (!strcmp(a, "--icount") && i + 1 < argc)
			o->icount = argv[++i];
		else if (!strcmp(a, "--label") && i + 1 < argc)
			o->label = argv[++i];
		else if (!strcmp(a, "--list")) {
			for (size_t k = 0; k < NCASES; k++)
				printf("%s\n", cases[k].id);
			exit(0);
		} else
			usage();
	}
}

/* The first two CPUs this process may run on; returns how many (1 or 2). */
static int pick_cpus(int cpus[2])
{
	cpu_set_t set;
	int n = 0;

	cpus[0] = cpus[1] = 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	if (n == 1)
		cpus[1] = cpus[0];
	return n ? n : 1;
}

/* Enough descriptors for the memory case (2 * pairs at a time, on either
 * backend: ksock's hosted descriptor table takes the same limit): raises
 * the soft limit to the hard one, and lowers *pairs if that is not enough. */
static void raise_nofile(int *pairs)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl); /* best effort: checked below */
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	room = ((long)rl.rlim_cur - 64) / 2;
	if (room < *pairs) {
		fprintf(stderr, "bench: RLIMIT_NOFILE %ld allows %ld pairs, not %d\n",
			(long)rl.rlim_cur, room, *pairs);
		*pairs = room > 1 ? (int)room : 1;
	}
}

static void describe_machine(struct bench_machine *m, int ncpus)
{
	struct utsname u;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(m->cpu, sizeof(m->cpu), "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && p) {
			snprintf(m->cpu, sizeof(m->cpu), "%s", p + 2);
			m->cpu[strcspn(m->cpu, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	m->online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	m->usable = ncpus;
	snprintf(m->kernel, sizeof(m->kernel), "%s", uname(&u) == 0 ? u.release : "?");
	time_t now = time(NULL);
	strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

int main(int argc, char **argv)
{
	static struct bench_result results[2 * NCASES];
	struct bench_report rep = { .results = results };
	struct options opt;
	char dir[] = "/tmp/ksock-bench.XXXXXX";
	pthread_t wd;
	int cpus[2], ncpus, failed = 0;

	parse(argc, argv, &opt);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(&opt.pairs);
	ncpus = pick_cpus(cpus);
	if (!mkdtemp(dir) || pthread_create(&wd, NULL, watchdog, NULL) != 0) {
		perror("bench: set-up");
		return 1;
	}
	describe_machine(&rep.machine, ncpus);
	rep.reps = opt.reps;
	rep.duration_ms = opt.duration_ms;
	rep.warmup_ms = opt.warmup_ms;
	rep.pairs = opt.pairs;
	rep.quick = opt.quick;
	rep.label = opt.label;
	report_header(&rep);
	for (size_t k = 0; k < NCASES; k++) {
		const struct bench_case *c = &cases[k];
		if (opt.only && !strstr(c->id, opt.only))
			continue;
		for (int pin = 1; pin <= 2; pin++) {
			if (!(c->pins & (pin == 1 ? BENCH_PIN_1 : BENCH_PIN_2)))
				continue;
			if (pin == 2 && ncpus < 2) {
				printf("  (%s: two-CPU run skipped: only one CPU usable)\n", c->id);
				continue;
			}
			struct bench_result *res = &results[rep.nresults];
			if (run_case(c, pin, cpus, &opt, dir, res) != 0) {
				failed++;
				continue;
			}
			rep.nresults++;
			report_row(res);
		}
	}
	rmdir(dir);
	report_summary(&rep);
	if (opt.icount && report_read_icount(&rep, opt.icount) != 0)
		failed++;
	report_icount(&rep);
	if (report_json(&rep, opt.json) != 0)
		failed++;
	if (failed)
		fprintf(stderr, "bench: %d case(s) failed\n", failed);
	return failed ? 1 : 0;
}

/*
 * lifecycle.c - start-up, the families ksock serves, fork and exec, and
 * the exit report of ksock-run's preload library.
 *
 * Start-up (a constructor, after the hosted port's own): sets up the
 * descriptor map, reads KSOCK_FAMILIES (comma-separated: unix, inet,
 * inet6, or none; default unix), KSOCK_RUN_TABLE (1: report on stderr
 * at exit; a path: append the report to that file) and the TAP settings
 * (tap.c: the TAP itself is attached with the first AF_INET socket), and
 * registers the fork handler and the exit report.
 *
 * ksock sockets live inside one process. A fork child keeps the parent's
 * placeholders, but the sockets behind them stay with the parent: in the
 * child they fail with EBADF (close works), new sockets are Linux's, and a
 * note on stderr says so when the parent had ksock sockets open. exec
 * drops every ksock socket (placeholders are close-on-exec): an exec while
 * sockets not marked close-on-exec are open gets a note too. The new
 * program starts with the library loaded afresh (LD_PRELOAD is inherited),
 * so ksock serves it from scratch.
 *
 * Of AF_INET, UDP (SOCK_DGRAM, protocol 0 or IPPROTO_UDP) and TCP
 * (SOCK_STREAM, protocol 0 or IPPROTO_TCP) sockets are ksock's when inet
 * is selected; raw and ping sockets, which ksock does not have, stay
 * Linux's.
 *
 * Interface: ksr_serves, ksr_note, ksr_count (ksr.h); the exec family and
 * posix_spawn (interposed: a note, then libc's).
 *
 * Locking: the settings are written by the constructor only.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ksr.h"

struct ksr_counters ksr_count;
static unsigned long served_domains = 1ul << AF_UNIX;
static const char *report_to; /* NULL: no report; "" : stderr; else a path */
static pid_t owner_pid;
static int child_noted;

void ksr_note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "ksock-run: ");

	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	syscall(SYS_write, 2, buf, (size_t)n); /* best effort, like a kernel log */
}

/* Whether ksock has the AF_INET socket of this type (flags removed) and
 * protocol: UDP or TCP. */
static int inet_served(int type, int protocol)
{
	if (type == SOCK_DGRAM)
		return protocol == 0 || protocol == IPPROTO_UDP;
	if (type == SOCK_STREAM)
		return protocol == 0 || protocol == IPPROTO_TCP;
	return 0;
}

int ksr_serves(int domain, int type, int protocol)
{
	if ((unsigned)domain >= 64 || !(served_domains & (1ul << domain)))
		return 0;
	/* ksock's AF_INET is UDP and TCP (no raw or ping sockets): the rest
	 * of the family stays Linux's, so such a socket keeps working. */
	if (domain == AF_INET && !inet_served(type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol))
		return 0;
	if (__atomic_load_n(&ksr_child, __ATOMIC_RELAXED)) {
		if (!__atomic_exchange_n(&child_noted, 1, __ATOMIC_RELAXED))
			ksr_note("pid %d, a fork child of pid %d: its new sockets are Linux's "
				 "(ksock serves only the process ksock-run started)",
				 (int)getpid(), (int)owner_pid);
		return 0;
	}
	return 1;
}

static void parse_families(const char *list)
{
	static const struct { const char *name; int domain; } names[] = {
		{"unix", AF_UNIX}, {"local", AF_UNIX}, {"inet", AF_INET}, {"inet6", AF_INET6},
	};
	char buf[256];

	served_domains = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int known = !strcmp(w, "none");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (!strcmp(w, names[i].name)) {
				served_domains |= 1ul << names[i].domain;
				known = 1;
			}
		}
		if (!known)
			ksr_note("KSOCK_FAMILIES: unknown family '%s' ignored", w);
	}
}

/* ---- fork ---- */

/* The library's locks are held across fork (in their order), so the
 * child does not inherit one that another thread held. */
static void fork_prepare(void)
{
	ksr_epoll_fork_lock(1);
	pthread_mutex_lock(&ksr_map_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&ksr_map_lock);
	ksr_epoll_fork_lock(0);
}

static void after_fork_child(void)
{
	fork_parent();
	int n = ksr_mapped_count();

	__atomic_store_n(&ksr_child, 1, __ATOMIC_RELAXED);
	if (n)
		ksr_note("fork() with %d ksock socket descriptor%s open: ksock sockets live in "
			 "pid %d only; in the child (pid %d) they fail with EBADF and new "
			 "sockets are Linux's", n, n == 1 ? "" : "s", (int)owner_pid,
			 (int)getpid());
}

/* ---- exec ---- */

struct inherit_walk {
	int n;
	char list[128];
};

static void inherit_one(int fd, int k, void *arg)
{
	struct inherit_walk *w = arg;

	if (ks_sys_fcntl(k, KS_F_GETFD, 0) != 0)
		return; /* close-on-exec (or gone): the program expects it to go */
	size_t len = strlen(w->list);
	if (len < sizeof(w->list) - 12)
		snprintf(w->list + len, sizeof(w->list) - len, "%s%d", w->n ? " " : "", fd);
	w->n++;
}

static void exec_check(const char *what)
{
	struct inherit_walk w = {0, ""};

	if (ksr_not_owner())
		return; /* a child: the fork note said it all */
	ksr_map_foreach(inherit_one, &w);
	if (w.n)
		ksr_note("%s with %d ksock socket%s not marked close-on-exec (fd %s): the new "
			 "program cannot inherit them (ksock sockets live in one process)",
			 what, w.n, w.n == 1 ? "" : "s", w.list);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	exec_check("execve");
	return REAL(execve)(path, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	exec_check("execv");
	return REAL(execv)(path, argv);
}

int execvp(const char *file, char *const argv[])
{
	exec_check("execvp");
	return REAL(execvp)(file, argv);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	exec_check("execvpe");
	return REAL(execvpe)(file, argv, envp);
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	exec_check("fexecve");
	return REAL(fexecve)(fd, argv, envp);
}

/* execl, execlp, execle: the arguments as an array, then the v forms. */
#define KSR_EXECL_MAX 1024
static int collect_args(const char *arg0, va_list ap, char **argv)
{
	int n = 0;

	argv[n++] = (char *)arg0;
	while (argv[n - 1] && n < KSR_EXECL_MAX)
		argv[n++] = va_arg(ap, char *);
	if (argv[n - 1])
		return -1;
	return n;
}

int execl(const char *path, const char *arg, ...)
{
	char *argv[KSR_EXECL_MAX];
	va_list ap;

	va_start(ap, arg);
	int n = collect_args(arg, ap, argv);
	va_end(ap);
	if (n < 0)
		return (int)ksr_fail(E2BIG);
	return execv(path, argv);
}

int execlp(const char *file, const char *arg, ...)
{
	char *argv[KSR_EXECL_MAX];
	va_list ap;

	va_start(ap, arg);
	int n = collect_args(arg, ap, argv);
	va_end(ap);
	if (n < 0)
		return (int)ksr_fail(E2BIG);
	return execvp(file, argv);
}

int execle(const char *path, const char *arg, ...)
{
	char *argv[KSR_EXECL_MAX];
	va_list ap;

	va_start(ap, arg);
	int n = collect_args(arg, ap, argv);
	char *const *envp = n < 0 ? NULL : va_arg(ap, char *const *);
	va_end(ap);
	if (n < 0)
		return (int)ksr_fail(E2BIG);
	return execve(path, argv, envp);
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	exec_check("posix_spawn");
	return REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	exec_check("posix_spawnp");
	return REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
}

/* ---- the exit report ---- */

static int report_fd = -1;

static void report_line(void *arg, const char *text)
{
	(void)arg;
	dprintf(report_fd, "ksock-run:   %s\n", text);
}

/* A counter for the report: other threads (the signal writer) may still
 * be counting. */
static long counter(long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void report(void)
{
	struct ks_stats st;

	if (ksr_not_owner())
		return;
	report_fd = 2;
	if (report_to[0])
		report_fd = REAL(open)(report_to, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (report_fd < 0)
		return;
	dprintf(report_fd,
		"ksock-run: pid %d (%s) at exit: ksock served %ld sockets (%ld of them AF_INET; "
		"%ld more received in SCM_RIGHTS) and %ld calls, translated %ld passed "
		"descriptors; Linux served %ld sockets of other families or types (%ld of them "
		"AF_INET)\n",
		(int)getpid(), program_invocation_short_name, counter(&ksr_count.sockets),
		counter(&ksr_count.inet), counter(&ksr_count.received), counter(&ksr_count.calls),
		counter(&ksr_count.passed), counter(&ksr_count.linux_sockets),
		counter(&ksr_count.linux_inet));
	dprintf(report_fd, "ksock-run: ksock sockets open at exit:\n");
	ks_socket_table(report_line, NULL);
	ks_stats_get(&st);
	dprintf(report_fd, "ksock-run: ks_stats: sockets_live=%ld allocs_live=%ld bytes_live=%ld\n",
		st.sockets_live, st.allocs_live, st.bytes_live);
	ksr_tap_report(report_fd);
	if (report_fd != 2)
		REAL(close)(report_fd);
}

__attribute__((constructor)) static void ksr_start(void)
{
	const char *fam = getenv("KSOCK_FAMILIES");
	const char *table = getenv("KSOCK_RUN_TABLE");

	ksr_map_init();
	owner_pid = getpid();
	if (fam)
		parse_families(fam);
	ksr_tap_config();
	if (table && table[0] && strcmp(table, "0")) {
		report_to = strcmp(table, "1") ? table : "";
		atexit(report);
	}
	pthread_atfork(fork_prepare, fork_parent, after_fork_child);
}

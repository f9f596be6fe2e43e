/*
 * proc.c (hosted) - hosted "processes": the credentials, file-creation mask
 * and descriptor table a thread acts as, and the current-task hooks.
 *
 * Each thread acts as the process it last entered (ks_proc_enter), or as
 * the default process: the host process itself (getpid, geteuid, getegid,
 * the host's umask at first use, RLIMIT_NOFILE). A process made by
 * ks_proc_new has the given pid and credentials, umask 022 (a login
 * default) and the host's RLIMIT_NOFILE soft limit at that moment. Hosted
 * processes have no supplementary groups.
 *
 * Interface: ks_proc_new/enter/exit/umask (ksock.h); ks_port_pid/uid/gid,
 * ks_port_raise_sigpipe (port.h); hosted_proc_current (hosted.h).
 *
 * Locking: the current process is thread-local. A process's fields are
 * fixed, except umask (atomic) and the descriptor table (fd.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted.h"

#define PROC_NOFILE_CAP 1048576 /* Linux's default fs.nr_open */

__thread struct ks_proc *hosted_proc_tls; /* NULL: the default process */
struct ks_proc hosted_proc_dflt; /* the host process itself */
static pthread_once_t proc_default_once = PTHREAD_ONCE_INIT;
/* Set (release) once hosted_proc_dflt is made: the common lookup then costs one
 * load instead of a call to pthread_once. */
int hosted_proc_dflt_ready;
/* Live hosted processes, for ks_port_pid_alive. */
static pthread_mutex_t proc_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ks_proc *proc_list;

int hosted_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > PROC_NOFILE_CAP)
		return PROC_NOFILE_CAP;
	return (int)rl.rlim_cur;
}

/* The host's umask, without changing it if /proc tells (Linux >= 4.7). */
static unsigned proc_host_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned mask;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Umask: %o", &mask) == 1) {
			fclose(f);
			return mask & 0777;
		}
	}
	if (f)
		fclose(f);
	mode_t old = umask(022); /* racy with other threads: last resort */
	umask(old);
	return old & 0777;
}

static void proc_setup(struct ks_proc *p, int pid, unsigned uid, unsigned gid, unsigned mask)
{
	p->pid = pid;
	p->uid = uid;
	p->gid = gid;
	p->umask = mask;
	p->nofile = hosted_nofile_limit();
	hosted_fdtab_init(p);
}

static void proc_default_init(void)
{
	proc_setup(&hosted_proc_dflt, getpid(), geteuid(), getegid(), proc_host_umask());
	__atomic_store_n(&hosted_proc_dflt_ready, 1, __ATOMIC_RELEASE);
}

struct ks_proc *hosted_proc_default(void)
{
	if (!__atomic_load_n(&hosted_proc_dflt_ready, __ATOMIC_ACQUIRE))
		pthread_once(&proc_default_once, proc_default_init);
	return &hosted_proc_dflt;
}

struct ks_proc *ks_proc_new(int pid, unsigned uid, unsigned gid)
{
	struct ks_proc *p = malloc(sizeof(*p));

	if (!p)
		return NULL;
	proc_setup(p, pid, uid, gid, 022);
	pthread_mutex_lock(&proc_list_lock);
	p->list_next = proc_list;
	proc_list = p;
	pthread_mutex_unlock(&proc_list_lock);
	return p;
}

int ks_port_pid_alive(int pid)
{
	bool found = false;

	if (pid <= 0)
		return -KS_ESRCH;
	pthread_mutex_lock(&proc_list_lock);
	for (struct ks_proc *p = proc_list; p && !found; p = p->list_next)
		found = p->pid == pid;
	pthread_mutex_unlock(&proc_list_lock);
	/* Otherwise one of the host's processes, the hosted kernel's others. */
	if (found || kill(pid, 0) == 0 || errno == EPERM)
		return 0;
	return -KS_ESRCH;
}

void ks_proc_enter(struct ks_proc *p)
{
	hosted_proc_tls = p;
}

void ks_proc_exit(struct ks_proc *p)
{
	if (!p)
		return;
	if (hosted_proc_tls == p)
		hosted_proc_tls = NULL;
	pthread_mutex_lock(&proc_list_lock);
	struct ks_proc **pp = &proc_list;
	while (*pp && *pp != p)
		pp = &(*pp)->list_next;
	if (*pp)
		*pp = p->list_next;
	pthread_mutex_unlock(&proc_list_lock);
	hosted_fdtab_fini(p);
	free(p);
}

unsigned ks_proc_umask(struct ks_proc *p, unsigned mask)
{
	if (!p) {
		pthread_once(&proc_default_once, proc_default_init);
		p = &hosted_proc_dflt;
	}
	return __atomic_exchange_n(&p->umask, mask & 0777, __ATOMIC_RELAXED);
}

int ks_port_pid(void)
{
	return hosted_proc_current()->pid;
}

unsigned ks_port_uid(void)
{
	return hosted_proc_current()->uid;
}

unsigned ks_port_gid(void)
{
	return hosted_proc_current()->gid;
}

void ks_port_raise_sigpipe(void)
{
	raise(SIGPIPE); /* to the calling thread, as Linux's send_sig(current) */
}

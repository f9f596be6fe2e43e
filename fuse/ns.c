/*
 * ns.c - the daemon's namespaces: which FUSE callers see the same sockets.
 *
 * A socket under /net is visible only to the namespace that made it
 * (ks_port_owner(), docs/netfs.md). In the hosted port a namespace is a
 * hosted process (struct ks_proc), so the daemon keeps one hosted process
 * per namespace of its callers and runs each request as it. The commands
 * of one shell session run as different host processes, so a namespace
 * is, by mode:
 *   session (default) - the caller's session id (field 6 of
 *                       /proc/<pid>/stat) and uid: a terminal's shell and
 *                       everything it starts share one; setsid leaves it.
 *   uid               - the caller's uid: all of a user's processes.
 * The process has the caller's uid and gid (pathname binds and connects are
 * checked against them) and, as its pid, the session id (session mode) or
 * the first caller's pid (uid mode).
 *
 * Processes are never freed before kd_ns_fini, so an owner identity is
 * never reused while the daemon runs (port.h's rule for ks_port_owner).
 *
 * Interface: ksockd.h. Locking: kd_ns_lock guards the list; it is a leaf.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ksock/ksock.h>

#include "ksockd.h"

struct kd_ns {
	long key;     /* session id, or 0 in uid mode */
	uid_t uid;
	struct ks_proc *proc;
	struct kd_ns *next;
};

static pthread_mutex_t kd_ns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kd_ns *kd_ns_list;
static enum kd_ns_mode kd_ns_mode;

void kd_ns_init(enum kd_ns_mode mode)
{
	kd_ns_mode = mode;
}

/* The session id of pid, or -1 if it cannot be read (the caller is gone). */
static long session_of(pid_t pid)
{
	char path[64], buf[1024];
	long sid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p || sscanf(p + 1, " %*c %*d %*d %ld", &sid) != 1)
		return -1;
	return sid;
}

struct ks_proc *kd_ns_proc(pid_t pid, uid_t uid, gid_t gid)
{
	long key = kd_ns_mode == KD_NS_SESSION ? session_of(pid) : 0;
	struct kd_ns *ns;
	struct ks_proc *p = NULL;

	pthread_mutex_lock(&kd_ns_lock);
	for (ns = kd_ns_list; ns; ns = ns->next)
		if (ns->key == key && ns->uid == uid)
			break;
	if (!ns && (ns = calloc(1, sizeof(*ns)))) {
		int ppid = key > 0 ? (int)key : (int)pid;
		ns->proc = ks_proc_new(ppid > 0 ? ppid : 1, uid, gid);
		if (ns->proc) {
			ns->key = key;
			ns->uid = uid;
			ns->next = kd_ns_list;
			kd_ns_list = ns;
		} else {
			free(ns);
			ns = NULL;
		}
	}
	if (ns)
		p = ns->proc;
	pthread_mutex_unlock(&kd_ns_lock);
	return p;
}

void kd_ns_fini(void)
{
	pthread_mutex_lock(&kd_ns_lock);
	struct kd_ns *ns = kd_ns_list;
	kd_ns_list = NULL;
	pthread_mutex_unlock(&kd_ns_lock);
	while (ns) {
		struct kd_ns *next = ns->next;
		ks_proc_exit(ns->proc);
		free(ns);
		ns = next;
	}
}

/*
 * fdmap.c - the map from the program's real descriptor numbers to ksock
 * descriptors, and the placeholders that hold those numbers.
 *
 * Each ksock descriptor the program holds has a real placeholder: an
 * O_PATH open of /dev/null with FD_CLOEXEC. The kernel picks its number
 * (lowest free, as for a socket), so it never collides with the program's
 * own files; ksr_map[placeholder] holds the ksock descriptor + 1. Our own
 * eventfds are marked KSR_MAP_INTERNAL and kept near the top of the
 * descriptor range, out of the way of programs that dup2 onto small
 * numbers.
 *
 * A placeholder closed behind our back (by a path that is not close(),
 * e.g. fclose of an fdopen'ed stream, or a raw system call) leaves a stale
 * entry; the calls that create real descriptors call ksr_fresh(), which
 * drops it and says so, so a new real file never reaches ksock.
 *
 * fork and vfork: the map belongs to the process ksock-run started (the
 * "owner"). In a fork child ksr_child is set (lifecycle.c) and mapped
 * descriptors are dead (EBADF), though close() still closes them. A vfork
 * child shares our memory, so it must not change the map at all: the
 * calls that change it check ksr_not_owner() (getpid) first.
 *
 * Interface: ksr.h ("the descriptor map").
 *
 * The hosted port's own libc calls (reading /proc at start-up, socket
 * files for pathname binds) come through the interposers too and pass
 * straight to libc: their descriptors are never in the map.
 *
 * Locking: ksr_map_lock serialises changes to the map; readers use
 * atomic loads. It is a leaf: no ksock call and no callback runs under it
 * (ksock descriptors are closed after unlocking). Real close/dup3 of a
 * placeholder run under it, so that a number the kernel frees is unmapped
 * before anyone can be given it again.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ksr.h"

int *ksr_map;
int ksr_child;
pthread_mutex_t ksr_map_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t map_owner;
static int map_hi = -1; /* [lock] highest fd ever given an entry */
static pthread_once_t map_once = PTHREAD_ONCE_INIT;

static void map_setup(void)
{
	/* 4 MiB of address space; only pages that hold entries get memory. */
	void *p = mmap(NULL, (size_t)KSR_MAXFD * sizeof(int), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	map_owner = getpid();
	if (p != MAP_FAILED)
		__atomic_store_n(&ksr_map, (int *)p, __ATOMIC_RELEASE);
	else
		ksr_note("cannot map the descriptor table: ksock serves nothing");
}

void ksr_map_init(void)
{
	pthread_once(&map_once, map_setup);
}

/* Who we are: the process ksock serves, a fork child (with its own copy
 * of the map, whose ksock sockets are dead), or a vfork child (sharing
 * our memory: it must change nothing). */
enum map_role { ROLE_OWNER, ROLE_FORKED, ROLE_VFORKED };

static enum map_role map_role(void)
{
	if (__atomic_load_n(&ksr_child, __ATOMIC_RELAXED))
		return ROLE_FORKED;
	return getpid() == map_owner ? ROLE_OWNER : ROLE_VFORKED;
}

int ksr_not_owner(void)
{
	return map_role() != ROLE_OWNER;
}

/* A fork child forgets fd's entry (its copy of the map). */
static void forked_forget(int fd)
{
	pthread_mutex_lock(&ksr_map_lock);
	__atomic_store_n(&ksr_map[fd], 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ksr_map_lock);
}

static int placeholder(void)
{
	int fd = REAL(open)("/dev/null", O_PATH | O_CLOEXEC);

	if (fd < 0)
		fd = REAL(open)("/", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fd >= KSR_MAXFD) {
		REAL(close)(fd);
		return -EMFILE;
	}
	return fd;
}

/* Sets map[fd] to v; returns what was there. Map lock held. */
static int map_swap_locked(int fd, int v)
{
	int old = ksr_map[fd];

	__atomic_store_n(&ksr_map[fd], v, __ATOMIC_RELEASE);
	if (v && fd > map_hi)
		__atomic_store_n(&map_hi, fd, __ATOMIC_RELAXED);
	return old;
}

/* What a replaced map entry held: a ksock descriptor to close. */
static void drop_old(int fd, int old, const char *why)
{
	if (old > 0) {
		if (why)
			ksr_note("fd %d %s: its ksock socket (ksock fd %d) is closed", fd, why,
				 old - 1);
		(void)ks_sys_close(old - 1); /* ours alone: nothing to report */
	}
}

int ksr_install(int k)
{
	ksr_map_init();
	int fd = ksr_map ? placeholder() : -ENOMEM;

	if (fd < 0) {
		(void)ks_sys_close(k); /* the caller reports fd's error */
		return fd;
	}
	pthread_mutex_lock(&ksr_map_lock);
	int old = map_swap_locked(fd, k + 1);
	pthread_mutex_unlock(&ksr_map_lock);
	drop_old(fd, old, "was closed behind ksock-run's back");
	if (ksr_handlers_wrapped() && !ksr_in_handler())
		ksr_sigwrite_start(); /* a handler may write to this socket */
	return fd;
}

void ksr_fresh(int fd)
{
	if ((unsigned)fd >= KSR_MAXFD || !ksr_map)
		return;
	int v = __atomic_load_n(&ksr_map[fd], __ATOMIC_ACQUIRE);
	if (ksr_epoll_bridged(fd))
		ksr_epoll_close(fd);
	if (!v)
		return;
	enum map_role role = map_role();
	if (role != ROLE_OWNER) {
		if (role == ROLE_FORKED)
			forked_forget(fd);
		return;
	}
	pthread_mutex_lock(&ksr_map_lock);
	int old = map_swap_locked(fd, 0);
	pthread_mutex_unlock(&ksr_map_lock);
	if (old == KSR_MAP_INTERNAL)
		ksr_note("internal fd %d was closed behind ksock-run's back", fd);
	drop_old(fd, old, "was closed behind ksock-run's back");
}

int ksr_internal_fd(int fd)
{
	struct rlimit rl;

	ksr_map_init();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 512 &&
	    rl.rlim_cur <= KSR_MAXFD) {
		int high = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, (int)rl.rlim_cur - 128);
		if (high >= 0) {
			REAL(close)(fd);
			fd = high;
		}
	}
	if (fd >= KSR_MAXFD || !ksr_map) {
		REAL(close)(fd);
		return -EMFILE;
	}
	pthread_mutex_lock(&ksr_map_lock);
	int old = map_swap_locked(fd, KSR_MAP_INTERNAL);
	pthread_mutex_unlock(&ksr_map_lock);
	drop_old(fd, old, "was closed behind ksock-run's back");
	return fd;
}

void ksr_internal_close(int fd)
{
	if (map_role() != ROLE_VFORKED) {
		pthread_mutex_lock(&ksr_map_lock);
		map_swap_locked(fd, 0);
		pthread_mutex_unlock(&ksr_map_lock);
	}
	REAL(close)(fd);
}

int ksr_close_mapped(int fd)
{
	enum map_role role = map_role();
	if (role != ROLE_OWNER) {
		if (role == ROLE_FORKED)
			forked_forget(fd); /* our copy: forget the parent's socket */
		return REAL(close)(fd);
	}
	pthread_mutex_lock(&ksr_map_lock);
	int old = ksr_map[fd];
	if (old <= 0) { /* closed meanwhile by another thread, or ours */
		pthread_mutex_unlock(&ksr_map_lock);
		return old ? (int)ksr_fail(EBADF) : REAL(close)(fd);
	}
	map_swap_locked(fd, 0);
	int r = REAL(close)(fd);
	pthread_mutex_unlock(&ksr_map_lock);
	KSR_COUNT(calls);
	(void)ks_sys_close(old - 1); /* close(2) on a socket reports nothing */
	ksr_scm_gc();
	return r;
}

int ksr_dup_mapped(int fd, int k, int min_fd, int cloexec)
{
	if (ksr_not_owner()) {
		ksr_note("pid %d: a ksock socket (fd %d) cannot be shared with another "
			 "process: dup refused (EBADF)", (int)getpid(), fd);
		return -EBADF;
	}
	long k2 = ks_sys_fcntl(k, cloexec ? KS_F_DUPFD_CLOEXEC : KS_F_DUPFD, 0);
	if (k2 < 0)
		return (int)k2;
	KSR_COUNT(calls);
	int nfd = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, min_fd);
	if (nfd < 0 || nfd >= KSR_MAXFD) {
		int err = nfd < 0 ? errno : EMFILE;
		if (nfd >= 0)
			REAL(close)(nfd);
		(void)ks_sys_close((int)k2); /* undoing our own dup */
		return -err;
	}
	pthread_mutex_lock(&ksr_map_lock);
	int old = map_swap_locked(nfd, (int)k2 + 1);
	pthread_mutex_unlock(&ksr_map_lock);
	drop_old(nfd, old, "was closed behind ksock-run's back");
	return nfd;
}

int ksr_dup_onto(int fd, int k, int newfd, int cloexec)
{
	if (ksr_not_owner()) {
		ksr_note("pid %d: a ksock socket (fd %d) cannot be given to another "
			 "process: dup2 onto fd %d refused (EBADF)", (int)getpid(), fd, newfd);
		return -EBADF;
	}
	if ((unsigned)newfd >= KSR_MAXFD)
		return -EBADF;
	if (__atomic_load_n(&ksr_map[newfd], __ATOMIC_ACQUIRE) == KSR_MAP_INTERNAL) {
		ksr_note("dup2 onto fd %d, which ksock-run uses itself: refused", newfd);
		return -EBADF;
	}
	long k2 = ks_sys_fcntl(k, cloexec ? KS_F_DUPFD_CLOEXEC : KS_F_DUPFD, 0);
	if (k2 < 0)
		return (int)k2;
	KSR_COUNT(calls);
	pthread_mutex_lock(&ksr_map_lock);
	int r = REAL(dup3)(fd, newfd, O_CLOEXEC);
	int err = errno;
	int old = r < 0 ? 0 : map_swap_locked(newfd, (int)k2 + 1);
	pthread_mutex_unlock(&ksr_map_lock);
	if (r < 0) {
		(void)ks_sys_close((int)k2); /* undoing our own dup */
		return -err;
	}
	if (ksr_epoll_bridged(newfd))
		ksr_epoll_close(newfd);
	drop_old(newfd, old, NULL);
	return newfd;
}

void ksr_forget(int fd)
{
	if ((unsigned)fd >= KSR_MAXFD || !ksr_map)
		return;
	if (ksr_epoll_bridged(fd))
		ksr_epoll_close(fd);
	if (!__atomic_load_n(&ksr_map[fd], __ATOMIC_ACQUIRE))
		return;
	enum map_role role = map_role();
	if (role != ROLE_OWNER) {
		if (role == ROLE_FORKED)
			forked_forget(fd);
		return;
	}
	pthread_mutex_lock(&ksr_map_lock);
	int old = map_swap_locked(fd, 0);
	pthread_mutex_unlock(&ksr_map_lock);
	if (old == KSR_MAP_INTERNAL)
		ksr_note("internal fd %d was replaced by the program", fd);
	drop_old(fd, old, NULL);
}

int ksr_mapped_count(void)
{
	int n = 0;

	if (!ksr_map)
		return 0;
	pthread_mutex_lock(&ksr_map_lock);
	for (int fd = 0; fd <= map_hi; fd++)
		if (ksr_map[fd] > 0)
			n++;
	pthread_mutex_unlock(&ksr_map_lock);
	return n;
}

void ksr_map_foreach(void (*fn)(int fd, int k, void *arg), void *arg)
{
	int n = 0, cap = ksr_mapped_count();
	int *pairs = cap ? malloc((size_t)cap * 2 * sizeof(int)) : NULL;

	if (!pairs)
		return;
	/* Collected under the lock, visited without it: fn may call ksock. */
	pthread_mutex_lock(&ksr_map_lock);
	for (int fd = 0; fd <= map_hi && n < cap; fd++) {
		if (ksr_map[fd] > 0) {
			pairs[2 * n] = fd;
			pairs[2 * n++ + 1] = ksr_map[fd] - 1;
		}
	}
	pthread_mutex_unlock(&ksr_map_lock);
	for (int i = 0; i < n; i++)
		fn(pairs[2 * i], pairs[2 * i + 1], arg);
	free(pairs);
}

int ksr_map_hi(void)
{
	return __atomic_load_n(&map_hi, __ATOMIC_RELAXED);
}

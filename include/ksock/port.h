/*
 * ksock/port.h - everything ksock needs from its host, with a contract for
 * each hook.
 *
 * A port is a directory (port/hosted, port/template, a kernel's own) with
 * two things: ksock_port_types.h, which defines the few types the core
 * embeds in its objects (struct ks_mutex, struct ks_parker, struct
 * ks_timer), and the functions declared below. The core includes this
 * header only; it never names a platform. Build with -I<port-dir>.
 *
 * Contexts. "syscall" means a thread running one of the ks_sys_* calls on
 * behalf of a task; it may sleep (only through ks_port_park). "timer" means
 * a ks_timer callback; it may take socket locks but must not sleep. Each
 * hook below says from which contexts it may be called.
 *
 * Errors are negative KS_E* numbers, as everywhere in ksock.
 */
#ifndef KSOCK_PORT_H
#define KSOCK_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "ksock_port_types.h"

struct ks_socket;

/* ---- memory ----
 * ks_port_alloc: size bytes, aligned for any C object, contents undefined,
 * or NULL when memory is short (the caller returns -KS_ENOMEM or
 * -KS_ENOBUFS). Any context; may be called with socket locks held, so it
 * must not call back into ksock. ks_port_free takes the size that was
 * allocated (for sized allocators); NULL is ignored. */
void *ks_port_alloc(size_t size);
void ks_port_free(void *p, size_t size);
/* ks_port_buf_alloc/ks_port_buf_free: the same contract, for data buffers
 * that live while they are queued (made by a sender, freed by a receiver,
 * often on another task). A port may serve small ones from blocks carved
 * per CPU or per task and freed when their last buffer is (as Linux's
 * page fragments), trading some memory held by a long-queued buffer for no
 * allocator call per message; or simply call ks_port_alloc/ks_port_free. */
void *ks_port_buf_alloc(size_t size);
void ks_port_buf_free(void *p, size_t size);

/* ---- mutexes ----
 * Sleeping locks, not recursive. A port should detect (and panic on)
 * recursive locking and unlocking a mutex the caller does not hold; the
 * hosted port does. ks_mutex_held tells whether the calling thread holds m:
 * the core asserts it in every function whose name ends in _locked. */
void ks_mutex_init(struct ks_mutex *m);
void ks_mutex_destroy(struct ks_mutex *m);
void ks_mutex_lock(struct ks_mutex *m);
void ks_mutex_unlock(struct ks_mutex *m);
bool ks_mutex_held(const struct ks_mutex *m);

/* ---- sleeping and waking ----
 * Each task has one parker: a latch it sleeps on. The core builds its wait
 * queues (src/core/wait.c) from parkers, so that one task can wait on many
 * queues at once (poll).
 *   ks_port_parker: the calling task's parker (syscall context).
 *   ks_port_parker_reset: clears the latch; only the owning task calls it.
 *   ks_port_park: sleeps until the latch is set, the monotonic clock passes
 *     deadline_ns (KS_FOREVER: never), or the task is interrupted (a signal
 *     the task must handle). Returns 0 if the latch was set (it stays set),
 *     -KS_ETIMEDOUT, or -KS_EINTR. Returns at once if the latch is already
 *     set. Never called with a mutex held.
 *   ks_port_unpark: sets the latch and wakes the owner. Any context, with
 *     any ksock lock held; must not take any lock the core knows of.
 *     A parker must stay valid for the life of the system (pool them, do
 *     not free them with their task): the core may unpark one just after
 *     its owner stopped waiting, which may only cause a spurious wake-up. */
#define KS_FOREVER UINT64_MAX
struct ks_parker *ks_port_parker(void);
void ks_port_parker_reset(struct ks_parker *p);
int ks_port_park(struct ks_parker *p, uint64_t deadline_ns);
void ks_port_unpark(struct ks_parker *p);
/* ks_port_yield: lets other runnable tasks on this CPU run before the
 * caller goes on (a kernel's cond_resched or yield; a port may make it a
 * no-op). Syscall or timer context, no ksock lock held. The core calls it
 * when a task it woke has work piling up that only that task can take
 * (a listener's accept queue more than half full). */
void ks_port_yield(void);

/* ---- time ----
 * Monotonic nanoseconds since an arbitrary origin. Any context. */
uint64_t ks_port_now_ns(void);

/* ---- timers ----
 * A timer calls fn(arg) once, in timer context, at or after deadline_ns.
 * ks_timer_arm re-arms a pending timer. ks_timer_cancel disarms it and, if
 * the callback is running on another thread, waits for it to return: never
 * call it holding a lock the callback takes. Not used by AF_UNIX. */
void ks_timer_init(struct ks_timer *t, void (*fn)(void *arg), void *arg);
void ks_timer_arm(struct ks_timer *t, uint64_t deadline_ns);
void ks_timer_cancel(struct ks_timer *t);

/* ---- randomness ----
 * Fills buf with n unpredictable bytes (ISNs, ephemeral ports). Any context. */
void ks_port_random(void *buf, size_t n);

/* ---- user memory ----
 * Copy between kernel memory and the calling task's user memory. Return 0,
 * or -KS_EFAULT if any byte of the user range is not accessible (NULL, a
 * kernel address, an unmapped page); bytes before the fault may have been
 * copied. Syscall context; may sleep to page memory in, and may be called
 * with socket locks held (as Linux copies under its per-socket I/O lock),
 * so it must not call back into ksock. */
int ks_port_copy_from_user(void *dst, const void *usrc, size_t n);
/* Whether [uptr, uptr+n) lies in the user half of the address space, as
 * Linux's access_ok(): a range check only (NULL passes), no fault. The
 * system-call layer uses it where Linux does, so that error precedence
 * matches. Any context. */
bool ks_port_access_ok(const void *uptr, size_t n);
int ks_port_copy_to_user(void *udst, const void *src, size_t n);

/* ---- the current task ----
 * Its process id and credentials (effective uid and gid), and its file
 * creation mask. Syscall context. */
int ks_port_pid(void);
unsigned ks_port_uid(void);
unsigned ks_port_gid(void);
/* 0 if pid names a live process, else -KS_ESRCH (SCM_CREDENTIALS naming
 * another process, which only a privileged task may do). Syscall context. */
int ks_port_pid_alive(int pid);
/* Sends SIGPIPE to the calling task (a write to a socket whose peer is
 * gone, without MSG_NOSIGNAL). Syscall context, no lock held. */
void ks_port_raise_sigpipe(void);

/* ---- namespaces (for /net) ----
 * ks_port_owner: the identity of the calling task's socket namespace: the
 * group of tasks that see one another's sockets under /net (src/netfs).
 * ksock stamps it on every socket made with socket, socketpair or a /net
 * factory; an accepted socket takes its listener's. A kernel returns the
 * address of the process's (or its namespace's) object; one namespace for
 * everybody is a constant. Never 0 (0 marks sockets nobody sees), and not
 * reused for another namespace while sockets stamped with it live.
 * Syscall context, no ksock lock held. */
uintptr_t ks_port_owner(void);

/* ---- descriptors ----
 * The task's descriptor table belongs to the port (a kernel has one
 * already). A socket descriptor holds one file reference on its socket
 * (ks_socket_file_get / ks_socket_file_put in src/core/socket.h).
 *   ks_port_fd_install: a new descriptor >= min_fd for s, taking over one
 *     file reference the caller holds; returns the descriptor or -KS_EMFILE.
 *   ks_port_fd_get: the socket behind fd with a new file reference the
 *     caller drops with ks_socket_file_put; -KS_EBADF if fd is not open,
 *     -KS_ENOTSOCK if it is open but not a socket.
 *   ks_port_fd_close: removes fd from the table and drops its reference;
 *     -KS_EBADF if fd is not open.
 *   ks_port_fd_dup: a new descriptor >= min_fd (or exactly newfd when
 *     newfd >= 0, closing what was there) for the same file.
 *   ks_port_fd_cloexec: reads (set < 0) or sets the close-on-exec flag.
 * All syscall context, no ksock lock held. For a descriptor that is open but
 * not a socket, ks_port_fd_dup, ks_port_fd_close and ks_port_fd_cloexec act
 * on it as the host's own calls would. */
int ks_port_fd_install(struct ks_socket *s, int min_fd, bool cloexec);
int ks_port_fd_get(int fd, struct ks_socket **out);
int ks_port_fd_close(int fd);
int ks_port_fd_dup(int oldfd, int min_fd, int newfd, bool cloexec);
int ks_port_fd_cloexec(int fd, int set);
/* read/write on a descriptor that is not a socket: the host's own result. */
long ks_port_fd_rw_other(int fd, void *buf, size_t len, bool write);

/* ---- open files that are not ksock sockets (for SCM_RIGHTS) ----
 * struct ks_file is the port's own: a reference to an open file (a pipe, a
 * regular file, an epoll instance...) that a descriptor in flight keeps
 * alive. ksock sockets in flight are held by file references on the
 * socket itself (ks_socket_file_get/put), not through these hooks.
 *   ks_port_file_get: a reference to the open file behind fd, which the
 *     caller found is not a socket (ks_port_fd_get said -KS_ENOTSOCK);
 *     -KS_EBADF if fd is not open.
 *   ks_port_file_hold / ks_port_file_put: one more reference / one less.
 *     put may close the file; it is never called with a ksock lock held.
 *   ks_port_file_install: a new descriptor (lowest free) for f in the
 *     calling task, taking over one reference; -KS_EMFILE.
 * Syscall context. */
struct ks_file;
int ks_port_file_get(int fd, struct ks_file **out);
void ks_port_file_hold(struct ks_file *f);
void ks_port_file_put(struct ks_file *f);
int ks_port_file_install(struct ks_file *f, bool cloexec);

/* ---- AF_UNIX pathnames ----
 * A bound pathname socket is a node in the host's file system; ksock
 * identifies it by the key the port returns (a kernel uses the inode).
 *   ks_port_unix_mknod: creates a socket node at path (NUL-terminated),
 *     with permission bits 0777 less the task's umask. -KS_EADDRINUSE if
 *     anything exists there; -KS_ENOENT, -KS_ENOTDIR, -KS_EACCES,
 *     -KS_ENAMETOOLONG, -KS_ELOOP, -KS_EROFS from the lookup, checked
 *     against the calling task's credentials.
 *   ks_port_unix_lookup: resolves path to a socket node the task may write
 *     to (connect, sendto): -KS_ENOENT, -KS_ENOTDIR, -KS_EACCES (no search
 *     permission on a directory or no write permission on the node),
 *     -KS_ECONNREFUSED if the node is not a socket.
 *   ks_port_unix_unlink: removes the node bind just made, when bind fails
 *     after creating it.
 * Syscall context, may sleep, no ksock lock held. */
struct ks_unix_key {
	uint64_t dev;
	uint64_t ino;
};
int ks_port_unix_mknod(const char *path, struct ks_unix_key *out);
int ks_port_unix_lookup(const char *path, struct ks_unix_key *out);
void ks_port_unix_unlink(const char *path);

/* ---- failure ----
 * Called when an invariant is broken (never for bad input). Must not return. */
_Noreturn void ks_port_panic(const char *file, int line, const char *what);

#endif

/*
 * fdcalls.c - the descriptor calls that may meet a ksock socket: read,
 * write, readv, writev, the positioned ones (ESPIPE), close, close_range,
 * closefrom, dup, dup2, dup3, fcntl, ioctl, the fstat family, sendfile
 * and splice; plus the calls that create real descriptors, which drop any
 * stale map entry for the number they got (ksr_fresh).
 *
 * Interface: the libc functions above.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/socket.h"
#include "ksr.h"

static long served(long r)
{
	KSR_COUNT(calls);
	return ksr_ret(r);
}

/* ---- data ---- */

ssize_t read(int fd, void *buf, size_t n)
{
	KSR_ROUTE(fd, k, REAL(read)(fd, buf, n));
	return served(KSR_BLOCK_RD(k, ks_sys_read(k, buf, n)));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	long r;

	KSR_ROUTE(fd, k, REAL(write)(fd, buf, n));
	if (ksr_in_handler() && ksr_sigwrite(k, buf, n, &r))
		return ksr_ret(r); /* a self-pipe write: queued (sigwrite.c) */
	return served(KSR_BLOCK_WR(k, ks_sys_write(k, buf, n)));
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	KSR_ROUTE(fd, k, REAL(readv)(fd, iov, cnt));
	return served(KSR_BLOCK_RD(k, ks_sys_readv(k, (const struct ks_iovec *)iov, cnt)));
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	KSR_ROUTE(fd, k, REAL(writev)(fd, iov, cnt));
	return served(KSR_BLOCK_WR(k, ks_sys_writev(k, (const struct ks_iovec *)iov, cnt)));
}

/* A socket has no file position: Linux's ESPIPE. */
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	KSR_ROUTE(fd, k, REAL(pread)(fd, buf, n, off));
	(void)k;
	return ksr_fail(ESPIPE);
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	KSR_ROUTE(fd, k, REAL(pread64)(fd, buf, n, off));
	(void)k;
	return ksr_fail(ESPIPE);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	KSR_ROUTE(fd, k, REAL(pwrite)(fd, buf, n, off));
	(void)k;
	return ksr_fail(ESPIPE);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	KSR_ROUTE(fd, k, REAL(pwrite64)(fd, buf, n, off));
	(void)k;
	return ksr_fail(ESPIPE);
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	KSR_ROUTE(fd, k, REAL(preadv)(fd, iov, cnt, off));
	(void)k;
	return ksr_fail(ESPIPE);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	KSR_ROUTE(fd, k, REAL(pwritev)(fd, iov, cnt, off));
	(void)k;
	return ksr_fail(ESPIPE);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen);
void __chk_fail(void) __attribute__((noreturn));

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return read(fd, buf, n);
}

ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return pread(fd, buf, n, off);
}

ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return pread64(fd, buf, n, off);
}

/* sendfile to a ksock socket: read the file, write the socket (what
 * Linux's splice through a pipe amounts to). From a socket: EINVAL. */
static ssize_t sendfile_to_ks(int k, int in, off_t *off, size_t count)
{
	char buf[65536];
	size_t done = 0;

	while (done < count) {
		size_t want = count - done < sizeof(buf) ? count - done : sizeof(buf);
		ssize_t got = off ? pread(in, buf, want, *off) : read(in, buf, want);
		if (got <= 0) {
			if (got < 0 && !done)
				return -1;
			break;
		}
		long put = KSR_BLOCK_WR(k, ks_sys_write(k, buf, (size_t)got));
		KSR_COUNT(calls);
		if (put < 0 && !done)
			return ksr_ret(put);
		if (put > 0) {
			done += (size_t)put;
			if (off)
				*off += put;
			else if (put < got) /* give back what was read and not sent */
				(void)lseek(in, put - got, SEEK_CUR);
		}
		if (put < got)
			break;
	}
	return (ssize_t)done;
}

ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	int kin = ksr_ks(in), kout = ksr_ks(out);

	if (kin == KSR_NONE && kout == KSR_NONE)
		return REAL(sendfile)(out, in, off, count);
	if (kin == KSR_DEAD || kout == KSR_DEAD)
		return ksr_fail(EBADF);
	if (kin != KSR_NONE)
		return ksr_fail(EINVAL); /* a socket cannot be sendfile's source */
	return sendfile_to_ks(kout, in, off, count);
}

ssize_t sendfile64(int out, int in, off64_t *off, size_t count)
{
	return sendfile(out, in, (off_t *)off, count);
}

ssize_t splice(int in, loff_t *offin, int out, loff_t *offout, size_t len, unsigned flags)
{
	if (ksr_ks(in) == KSR_NONE && ksr_ks(out) == KSR_NONE)
		return REAL(splice)(in, offin, out, offout, len, flags);
	return ksr_fail(EINVAL); /* not supported on ksock sockets (yet) */
}

/* ---- close and dup ---- */

int close(int fd)
{
	int k = ksr_ks(fd);

	if (k == KSR_NONE) {
		if ((unsigned)fd < KSR_MAXFD && ksr_map &&
		    __atomic_load_n(&ksr_map[fd], __ATOMIC_RELAXED) == KSR_MAP_INTERNAL &&
		    !ksr_not_owner())
			return (int)ksr_fail(EBADF); /* ours: not the program's to close */
		if (ksr_epoll_bridged(fd))
			ksr_epoll_close(fd);
		return REAL(close)(fd);
	}
	(void)k; /* close works in a fork child too */
	int r = ksr_close_mapped(fd);
	return r;
}

/* close_range without closing our own descriptors; ksock ones properly. */
int close_range(unsigned first, unsigned last, int flags)
{
	int hi = ksr_map_hi();
	unsigned seg = first;

	if (first > last || hi < 0 || first > (unsigned)hi)
		return REAL(close_range)(first, last, flags);
	int cloexec = flags & CLOSE_RANGE_CLOEXEC;
	unsigned top = last < (unsigned)hi ? last : (unsigned)hi;
	for (unsigned fd = first; fd <= top; fd++) {
		int v = __atomic_load_n(&ksr_map[fd], __ATOMIC_ACQUIRE);
		if (v > 0 && cloexec && !ksr_not_owner())
			(void)ks_sys_fcntl(v - 1, KS_F_SETFD, KS_FD_CLOEXEC); /* cannot fail */
		else if (v > 0 && !cloexec)
			ksr_close_mapped((int)fd);
		if (v == KSR_MAP_INTERNAL && !ksr_not_owner()) {
			if (seg < fd && REAL(close_range)(seg, fd - 1, flags) < 0)
				return -1;
			seg = fd + 1;
		}
	}
	if (!cloexec)
		ksr_epoll_forget_range(first, last);
	return seg <= last ? REAL(close_range)(seg, last, flags) : 0;
}

void closefrom(int first)
{
	(void)close_range((unsigned)first, ~0u, 0); /* closefrom reports nothing */
}

int dup(int fd)
{
	int k = ksr_ks(fd);

	if (k == KSR_NONE) {
		int r = REAL(dup)(fd);
		if (r >= 0) {
			ksr_fresh(r);
			ksr_epoll_dup(fd, r);
		}
		return r;
	}
	int r = ksr_dup_mapped(fd, k, 0, 0); /* dead (a fork child's): a note, EBADF */
	return r < 0 ? (int)ksr_fail(-r) : r;
}

/* dup2/dup3 from a real descriptor. */
static int dup_real_onto(int fd, int newfd, int flags, int three)
{
	if ((unsigned)newfd < KSR_MAXFD && ksr_map && fd != newfd &&
	    __atomic_load_n(&ksr_map[newfd], __ATOMIC_RELAXED) == KSR_MAP_INTERNAL &&
	    !ksr_not_owner()) {
		ksr_note("dup2 onto fd %d, which ksock-run uses itself: refused", newfd);
		return (int)ksr_fail(EBADF);
	}
	int r = three ? REAL(dup3)(fd, newfd, flags) : REAL(dup2)(fd, newfd);
	if (r >= 0 && fd != newfd) {
		ksr_forget(newfd);
		ksr_epoll_dup(fd, newfd);
	}
	return r;
}

int dup2(int fd, int newfd)
{
	int k = ksr_ks(fd);

	if (k == KSR_NONE)
		return dup_real_onto(fd, newfd, 0, 0);
	if (fd == newfd)
		return k == KSR_DEAD ? (int)ksr_fail(EBADF) : newfd;
	int r = ksr_dup_onto(fd, k, newfd, 0); /* dead: a note, EBADF */
	return r < 0 ? (int)ksr_fail(-r) : r;
}

int dup3(int fd, int newfd, int flags)
{
	int k = ksr_ks(fd);

	if (k == KSR_NONE)
		return dup_real_onto(fd, newfd, flags, 1);
	if (fd == newfd || (flags & ~O_CLOEXEC))
		return (int)ksr_fail(k == KSR_DEAD ? EBADF : EINVAL);
	int r = ksr_dup_onto(fd, k, newfd, flags & O_CLOEXEC); /* dead: a note, EBADF */
	return r < 0 ? (int)ksr_fail(-r) : r;
}

/* ---- fcntl, ioctl ---- */

static int fcntl_any(int fd, int cmd, void *arg, int (*real)(int, int, ...))
{
	int k = ksr_ks(fd);

	if (k == KSR_NONE) {
		int r = real(fd, cmd, arg);
		if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
			ksr_fresh(r);
			ksr_epoll_dup(fd, r);
		}
		return r;
	}
	if (k == KSR_DEAD)
		return (int)ksr_fail(EBADF);
	/* The int-valued commands: take the int the caller passed. */
	long iarg = (int)(long)arg;
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		if (iarg < 0)
			return (int)ksr_fail(EINVAL);
		int r = ksr_dup_mapped(fd, k, (int)iarg, cmd == F_DUPFD_CLOEXEC);
		return r < 0 ? (int)ksr_fail(-r) : r;
	}
	long a = (cmd == F_SETFD || cmd == F_SETFL) ? iarg : (long)arg;
	return (int)served(ks_sys_fcntl(k, cmd, a));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;

	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_any(fd, cmd, arg, REAL(fcntl));
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;

	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_any(fd, cmd, arg, REAL(fcntl64));
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;

	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	KSR_ROUTE(fd, k, REAL(ioctl)(fd, req, arg));
	return (int)served(ks_sys_ioctl(k, req, arg));
}

/* ---- fstat ---- */

/* Linux's sockfs device number, read once from a real socket. */
static dev_t sockfs_dev(void)
{
	static dev_t dev;
	static int done;
	int sv[2];
	struct stat st;

	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		return dev;
	dev = makedev(0, 8);
	if (REAL(socketpair)(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0) {
		if (REAL(fstat)(sv[0], &st) == 0)
			dev = st.st_dev;
		REAL(close)(sv[0]);
		REAL(close)(sv[1]);
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	return dev;
}

/* What fstat says of a ksock socket: a socket inode owned by us. */
static int ks_stat(int k, struct stat *st)
{
	struct ks_socket *s;

	if (ks_port_fd_get(k, &s) < 0)
		return (int)ksr_fail(EBADF);
	memset(st, 0, sizeof(*st));
	st->st_dev = sockfs_dev();
	st->st_ino = s->id;
	st->st_mode = S_IFSOCK | 0777;
	st->st_nlink = 1;
	st->st_uid = geteuid();
	st->st_gid = getegid();
	st->st_blksize = 4096;
	ks_socket_file_put(s);
	KSR_COUNT(calls);
	return 0;
}

int fstat(int fd, struct stat *st)
{
	KSR_ROUTE(fd, k, REAL(fstat)(fd, st));
	return ks_stat(k, st);
}

int fstat64(int fd, struct stat64 *st)
{
	KSR_ROUTE(fd, k, REAL(fstat64)(fd, st));
	return ks_stat(k, (struct stat *)st);
}

int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);

int __fxstat(int ver, int fd, struct stat *st)
{
	KSR_ROUTE(fd, k, REAL(__fxstat)(ver, fd, st));
	return ks_stat(k, st);
}

int __fxstat64(int ver, int fd, struct stat64 *st)
{
	KSR_ROUTE(fd, k, REAL(__fxstat64)(ver, fd, st));
	return ks_stat(k, (struct stat *)st);
}

/* fstatat(fd, "", st, AT_EMPTY_PATH) is fstat(fd). */
static int is_fd_itself(const char *path, int flags)
{
	return (flags & AT_EMPTY_PATH) && path && !path[0];
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (!is_fd_itself(path, flags))
		return REAL(fstatat)(dirfd, path, st, flags);
	return fstat(dirfd, st);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	if (!is_fd_itself(path, flags))
		return REAL(fstatat64)(dirfd, path, st, flags);
	return fstat64(dirfd, st);
}

int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	struct stat st;

	if (!is_fd_itself(path, flags) || ksr_ks(dirfd) == KSR_NONE)
		return REAL(statx)(dirfd, path, flags, mask, stx);
	if (fstat(dirfd, &st) < 0)
		return -1;
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (unsigned)st.st_blksize;
	stx->stx_nlink = (unsigned)st.st_nlink;
	stx->stx_uid = st.st_uid;
	stx->stx_gid = st.st_gid;
	stx->stx_mode = (unsigned short)st.st_mode;
	stx->stx_ino = st.st_ino;
	stx->stx_dev_major = major(st.st_dev);
	stx->stx_dev_minor = minor(st.st_dev);
	return 0;
}

/* ---- calls that make real descriptors: drop stale entries ---- */

static int fresh(int fd)
{
	if (fd >= 0)
		ksr_fresh(fd);
	return fd;
}

/* open's mode is there only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, last)                                             \
	mode_t mode = 0;                                                   \
	if ((flags) & (O_CREAT | O_TMPFILE)) {                             \
		va_list ap;                                                \
		va_start(ap, last);                                        \
		mode = (mode_t)va_arg(ap, int);                            \
		va_end(ap);                                                \
	}

int open(const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return fresh(REAL(open)(path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return fresh(REAL(open64)(path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return fresh(REAL(openat)(dirfd, path, flags, mode));
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return fresh(REAL(openat64)(dirfd, path, flags, mode));
}

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

int __open_2(const char *path, int flags)
{
	return fresh(REAL(__open_2)(path, flags));
}

int __open64_2(const char *path, int flags)
{
	return fresh(REAL(__open64_2)(path, flags));
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return fresh(REAL(__openat_2)(dirfd, path, flags));
}

int creat(const char *path, mode_t mode)
{
	return fresh(REAL(creat)(path, mode));
}

int pipe(int fds[2])
{
	int r = REAL(pipe)(fds);
	if (r == 0) {
		fresh(fds[0]);
		fresh(fds[1]);
	}
	return r;
}

int pipe2(int fds[2], int flags)
{
	int r = REAL(pipe2)(fds, flags);
	if (r == 0) {
		fresh(fds[0]);
		fresh(fds[1]);
	}
	return r;
}

int eventfd(unsigned initval, int flags)
{
	return fresh(REAL(eventfd)(initval, flags));
}

int timerfd_create(int clockid, int flags)
{
	return fresh(REAL(timerfd_create)(clockid, flags));
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
	return fresh(REAL(signalfd)(fd, mask, flags));
}

int memfd_create(const char *name, unsigned flags)
{
	return fresh(REAL(memfd_create)(name, flags));
}

FILE *fopen(const char *path, const char *mode)
{
	FILE *f = REAL(fopen)(path, mode);
	if (f)
		fresh(fileno(f));
	return f;
}

FILE *fopen64(const char *path, const char *mode)
{
	FILE *f = REAL(fopen64)(path, mode);
	if (f)
		fresh(fileno(f));
	return f;
}

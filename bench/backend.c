/*
 * backend.c - the two backends: Linux's sockets through libc, and ksock's
 * hosted library through ks_sys_*.
 *
 * sendto/recvfrom/getsockname take libc's socklen_t as unsigned (the
 * same type on Linux). Both tables make the same calls in the same way (one indirect call to a
 * small wrapper per socket call), so neither side pays for the harness
 * more than the other. Linux's wrappers turn libc's -1/errno into -errno;
 * ksock's pass libc's structures through with a cast (include/ksock/abi.h
 * is layout-identical).
 *
 * Memory figures (mem_bytes):
 *   linux  the bytes of slab objects in use, summed over every cache in
 *          /proc/slabinfo (active_objs * objsize); where that file cannot
 *          be read, the "Slab:" line of /proc/meminfo (whole slab pages).
 *   ksock  ks_stats_get().bytes_live: the bytes the core asked the port's
 *          allocator for and has not freed.
 * docs/performance.md says why, and what each leaves out.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ksock/ksock.h"

/* ---- Linux ---- */

static long lx(long r)
{
	return r < 0 ? -errno : r;
}

static long lx_socket(int domain, int type, int protocol)
{
	return lx(socket(domain, type, protocol));
}

static long lx_socketpair(int domain, int type, int protocol, int sv[2])
{
	return lx(socketpair(domain, type, protocol, sv));
}

static long lx_bind(int fd, const void *addr, unsigned len)
{
	return lx(bind(fd, addr, len));
}

static long lx_listen(int fd, int backlog)
{
	return lx(listen(fd, backlog));
}

static long lx_accept(int fd)
{
	return lx(accept(fd, NULL, NULL));
}

static long lx_connect(int fd, const void *addr, unsigned len)
{
	return lx(connect(fd, addr, len));
}

static long lx_send(int fd, const void *buf, unsigned long len)
{
	return lx(send(fd, buf, len, 0));
}

static long lx_recv(int fd, void *buf, unsigned long len)
{
	return lx(recv(fd, buf, len, 0));
}

static long lx_sendto(int fd, const void *buf, unsigned long len, const void *addr,
		      unsigned alen)
{
	return lx(sendto(fd, buf, len, 0, addr, alen));
}

static long lx_recvfrom(int fd, void *buf, unsigned long len, void *addr, unsigned *alen)
{
	return lx(recvfrom(fd, buf, len, 0, addr, alen));
}

static long lx_getsockname(int fd, void *addr, unsigned *alen)
{
	return lx(getsockname(fd, addr, alen));
}

static long lx_read(int fd, void *buf, unsigned long len)
{
	return lx(read(fd, buf, len));
}

static long lx_write(int fd, const void *buf, unsigned long len)
{
	return lx(write(fd, buf, len));
}

static long lx_shutdown(int fd, int how)
{
	return lx(shutdown(fd, how));
}

static long lx_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
	return lx(setsockopt(fd, level, name, val, len));
}

static long lx_close(int fd)
{
	return lx(close(fd));
}

/* Sum of active_objs * objsize over /proc/slabinfo ("slabinfo - version:
 * 2.1": name active_objs num_objs objsize ...), or -errno. */
static long slabinfo_bytes(void)
{
	char line[512];
	long total = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		long active, num, size;

		if (line[0] == '#' || strncmp(line, "slabinfo", 8) == 0)
			continue;
		if (sscanf(line, "%127s %ld %ld %ld", name, &active, &num, &size) == 4)
			total += active * size;
	}
	fclose(f);
	return total > 0 ? total : -ENODATA;
}

/* The "Slab:" line of /proc/meminfo in bytes, or -errno. */
static long meminfo_slab_bytes(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -ENODATA : kb * 1024;
}

static long lx_mem_bytes(long *allocs)
{
	long r = slabinfo_bytes();

	static int noted;

	*allocs = -1;
	if (r >= 0)
		return r;
	if (!noted) {
		noted = 1;
		fprintf(stderr, "bench: cannot read /proc/slabinfo (%s; root needed): Linux's "
				"memory figure falls back to /proc/meminfo Slab (whole pages, noisier)\n",
			strerror((int)-r));
	}
	return meminfo_slab_bytes();
}

const struct bench_backend bench_linux = {
	.name = "linux",
	.socket = lx_socket,
	.socketpair = lx_socketpair,
	.bind = lx_bind,
	.listen = lx_listen,
	.accept = lx_accept,
	.connect = lx_connect,
	.send = lx_send,
	.recv = lx_recv,
	.sendto = lx_sendto,
	.recvfrom = lx_recvfrom,
	.getsockname = lx_getsockname,
	.read = lx_read,
	.write = lx_write,
	.shutdown = lx_shutdown,
	.setsockopt = lx_setsockopt,
	.close = lx_close,
	.mem_bytes = lx_mem_bytes,
	.mem_settles = 1,
	.tcp_expire = NULL,
};

/* ---- ksock ---- */

static long kb_socket(int domain, int type, int protocol)
{
	return ks_sys_socket(domain, type, protocol);
}

static long kb_socketpair(int domain, int type, int protocol, int sv[2])
{
	return ks_sys_socketpair(domain, type, protocol, sv);
}

static long kb_bind(int fd, const void *addr, unsigned len)
{
	return ks_sys_bind(fd, (const struct ks_sockaddr *)addr, len);
}

static long kb_listen(int fd, int backlog)
{
	return ks_sys_listen(fd, backlog);
}

static long kb_accept(int fd)
{
	return ks_sys_accept(fd, NULL, NULL);
}

static long kb_connect(int fd, const void *addr, unsigned len)
{
	return ks_sys_connect(fd, (const struct ks_sockaddr *)addr, len);
}

static long kb_send(int fd, const void *buf, unsigned long len)
{
	return ks_sys_sendto(fd, buf, len, 0, NULL, 0);
}

static long kb_recv(int fd, void *buf, unsigned long len)
{
	return ks_sys_recvfrom(fd, buf, len, 0, NULL, NULL);
}

static long kb_sendto(int fd, const void *buf, unsigned long len, const void *addr,
		      unsigned alen)
{
	return ks_sys_sendto(fd, buf, len, 0, (const struct ks_sockaddr *)addr, alen);
}

static long kb_recvfrom(int fd, void *buf, unsigned long len, void *addr, unsigned *alen)
{
	return ks_sys_recvfrom(fd, buf, len, 0, (struct ks_sockaddr *)addr, alen);
}

static long kb_getsockname(int fd, void *addr, unsigned *alen)
{
	return ks_sys_getsockname(fd, (struct ks_sockaddr *)addr, alen);
}

static long kb_read(int fd, void *buf, unsigned long len)
{
	return ks_sys_read(fd, buf, len);
}

static long kb_write(int fd, const void *buf, unsigned long len)
{
	return ks_sys_write(fd, buf, len);
}

static long kb_shutdown(int fd, int how)
{
	return ks_sys_shutdown(fd, how);
}

static long kb_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
	return ks_sys_setsockopt(fd, level, name, val, len);
}

static long kb_close(int fd)
{
	return ks_sys_close(fd);
}

static long kb_mem_bytes(long *allocs)
{
	struct ks_stats s;

	ks_stats_get(&s);
	*allocs = s.allocs_live;
	return s.bytes_live;
}

static int kb_tcp_expire(void)
{
	return ks_inet_tcp_expire();
}

const struct bench_backend bench_ksock = {
	.name = "ksock",
	.socket = kb_socket,
	.socketpair = kb_socketpair,
	.bind = kb_bind,
	.listen = kb_listen,
	.accept = kb_accept,
	.connect = kb_connect,
	.send = kb_send,
	.recv = kb_recv,
	.sendto = kb_sendto,
	.recvfrom = kb_recvfrom,
	.getsockname = kb_getsockname,
	.read = kb_read,
	.write = kb_write,
	.shutdown = kb_shutdown,
	.setsockopt = kb_setsockopt,
	.close = kb_close,
	.mem_bytes = kb_mem_bytes,
	.mem_settles = 0,
	.tcp_expire = kb_tcp_expire,
};

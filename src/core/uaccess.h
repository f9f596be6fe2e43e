/*
 * uaccess.h - the system-call layer's helpers for arguments in user memory:
 * addresses in and out (Linux's move_addr_to_kernel/move_addr_to_user),
 * iovec arrays, and the descriptor-to-socket lookup.
 *
 * Interface: each returns 0 or a negative error, in the order Linux checks.
 */
#ifndef KS_CORE_UACCESS_H
#define KS_CORE_UACCESS_H

#include "socket.h"

/* Linux's MAX_RW_COUNT: one call moves at most this many bytes. */
#define KS_MAX_RW_COUNT 0x7ffff000UL

/* Copies an address of len bytes in; -KS_EINVAL if len > 128. */
int ks_addr_in(const void *uaddr, unsigned len, struct ks_sockaddr_storage *k);
/* Copies klen bytes of k out to uaddr, truncated to *ulen, and stores klen
 * in *ulen (Linux reports the full length even when it truncates). */
int ks_addr_out(const struct ks_sockaddr_storage *k, int klen, void *uaddr, unsigned *ulen);

/* An iovec array imported from user memory. Arrays up to KS_IOV_FAST
 * entries live in the struct; larger ones are allocated. */
#define KS_IOV_FAST 8
struct ks_iov_import {
	struct ks_iovec fast[KS_IOV_FAST];
	struct ks_iovec *iov;
	unsigned long cnt;
};
/* Imports cnt iovecs (cnt <= UIO_MAXIOV is the caller's check) and sets up
 * it over them, clamping the total to KS_MAX_RW_COUNT. */
int ks_iov_import(struct ks_iov_import *imp, const struct ks_iovec *uiov, unsigned long cnt,
		  struct ks_iter *it);
void ks_iov_release(struct ks_iov_import *imp);

/* The socket behind fd, with a file reference (drop with
 * ks_socket_file_put). */
static inline int ks_sock_lookup(int fd, struct ks_socket **out)
{
	return ks_port_fd_get(fd, out);
}

#endif

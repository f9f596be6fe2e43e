/*
 * owner.c (hosted) - ks_port_owner: the socket namespace of the calling
 * thread, for /net (src/netfs).
 *
 * A hosted process is a namespace: the identity is the address of the
 * struct ks_proc the thread acts as (ks_proc_enter), or of the default
 * process. So sockets made by one hosted process are visible under /net to
 * that process only, as PatchworkOS shows a process its own sockets. The
 * FUSE daemon (fuse/) gives each namespace of its callers a process of its
 * own, which it never frees while it runs, so an identity is never reused.
 * A test that ends a process (ks_proc_exit) while /net handles keep its
 * sockets alive should not make a new process and expect not to see them:
 * the allocator may give the new one the same address.
 *
 * Interface: ks_port_owner (port.h). Locking: none (the current process is
 * thread-local).
 */
#include <stdint.h>

#include "hosted.h"

uintptr_t ks_port_owner(void)
{
	return (uintptr_t)hosted_proc_current();
}

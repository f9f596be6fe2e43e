/*
 * netfs.h - sockets as files: the /net tree, for any VFS.
 *
 * The tree (docs/netfs.md has every file and command):
 *   /net/<family>/                 local (AF_UNIX); inet once it exists
 *   /net/<family>/stream|dgram|seqpacket
 *                                  factories: opening one creates a socket;
 *                                  reading the handle gives its id
 *   /net/<family>/addrs            the caller's sockets that have a name
 *   /net/<family>/<id>/            one socket, seen by its namespace only
 *       ctl      commands (bind, listen, connect, shutdown, chained by &&);
 *                reading gives the id
 *       data     read = receive, write = send
 *       accept   opening it accepts a connection: the handle is the new
 *                socket's, read gives its id, write takes ctl commands
 *       status   state, queues, options (text, made at open)
 *       local, remote   addresses in the typable syntax (netfs_parse.h)
 *   data and accept also answer to "data:nonblock" and "accept:nonblock"
 *   (PatchworkOS's spelling of a nonblocking open).
 *
 * Object model. A node (struct ks_netfs_node) names a place in the tree:
 * a plain value, no reference, that a kernel may keep in its inode (or as
 * its inode number: ks_netfs_ino). A handle (struct ks_netfs_handle) is one
 * open file; every handle on a socket's file holds a FILE reference on the
 * socket (ks_socket_file_get/put), exactly as a descriptor does, so a
 * socket lives while any handle or descriptor is open and then disappears
 * from /net. Directory handles hold a snapshot of their names.
 *
 * Visibility. Each socket records its owner namespace (s->owner, from
 * ks_port_owner() when it was created; an accepted socket takes its
 * listener's). Walking to /net/<family>/<id>, its files, and the addrs
 * listing show only sockets whose owner is the caller's namespace; other
 * sockets are -KS_ENOENT, as if absent. Addresses are not private:
 * connecting to a name works across namespaces, as through the socket API.
 *
 * Interface (all may sleep, syscall context, no lock held by the caller):
 *   ks_netfs_root, ks_netfs_walk, ks_netfs_stat, ks_netfs_ino,
 *   ks_netfs_node_of_ino - resolve names, describe nodes.
 *   ks_netfs_open, ks_netfs_read, ks_netfs_write, ks_netfs_readdir,
 *   ks_netfs_poll, ks_netfs_close - the open-file operations.
 *   ks_netfs_fd     - a socket-API descriptor for a handle's socket.
 *   ks_netfs_id_of_fd - the /net id of the socket behind a descriptor.
 * User pointers (read and write buffers) go through the port's copy hooks,
 * as in ks_sys_read/write: a bad pointer is -KS_EFAULT.
 *
 * Locking: netfs has no lock of its own; handles do not change after open,
 * so one handle may be used by several threads at once. It calls each
 * socket's ops with no lock held, as the system-call layer does, and walks
 * the socket list (ks_socket_foreach, registry lock) with atomic loads and
 * ks_socket_file_tryget only.
 *
 * Ownership: ks_netfs_open gives the caller a handle that ks_netfs_close
 * frees; buffers passed in are borrowed.
 */
#ifndef KS_NETFS_NETFS_H
#define KS_NETFS_NETFS_H

#include "../core/socket.h"
#include "netfs_parse.h"

enum ks_netfs_kind {
	KS_NETFS_ROOT = 1, /* ino 1, as VFSes want their root */
	KS_NETFS_FAMILY,
	KS_NETFS_FACTORY,
	KS_NETFS_ADDRS,
	KS_NETFS_SOCKDIR,
	KS_NETFS_CTL,
	KS_NETFS_DATA,
	KS_NETFS_ACCEPT,
	KS_NETFS_STATUS,
	KS_NETFS_LOCAL,
	KS_NETFS_REMOTE,
	KS_NETFS_KIND_END
};

struct ks_netfs_node {
	unsigned char kind;     /* enum ks_netfs_kind */
	unsigned char fam;      /* index of the family (ROOT: 0) */
	unsigned char type;     /* FACTORY: index of the type in the family */
	unsigned char nonblock; /* DATA, ACCEPT: reached as "<name>:nonblock" */
	unsigned long id;       /* SOCKDIR and its files: the socket's id */
};

/* What a VFS shows of a node. */
struct ks_netfs_attr {
	bool dir;
	unsigned mode; /* permission bits: 0555 dirs, 0444 read-only, 0666 */
	unsigned nlink;
};

/* Open flags (a VFS maps its own: O_RDONLY is READ, O_NONBLOCK NONBLOCK). */
#define KS_NETFS_READ 1u
#define KS_NETFS_WRITE 2u
#define KS_NETFS_NONBLOCK 4u /* EAGAIN instead of blocking: accept, read, write */

#define KS_NETFS_NAME_MAX 32
struct ks_netfs_dirent {
	char name[KS_NETFS_NAME_MAX];
	struct ks_netfs_node node;
};

struct ks_netfs_handle;

void ks_netfs_root(struct ks_netfs_node *out);
/* The child name (n bytes, no '/') of dir: 0, -KS_ENOENT (no such name,
 * or a socket that is gone or not the caller's), -KS_ENOTDIR. */
int ks_netfs_walk(const struct ks_netfs_node *dir, const char *name, unsigned long n,
		  struct ks_netfs_node *out);
/* 0 and *out if the node exists for the caller, else -KS_ENOENT. */
int ks_netfs_stat(const struct ks_netfs_node *n, struct ks_netfs_attr *out);
/* A node as a 64-bit inode number (the root is 1) and back; a number that
 * names no node is -KS_ENOENT (whether it exists is ks_netfs_stat's). */
uint64_t ks_netfs_ino(const struct ks_netfs_node *n);
int ks_netfs_node_of_ino(uint64_t ino, struct ks_netfs_node *out);

/* Opens node n (KS_NETFS_* flags). Factories create a socket, accept
 * accepts (blocking unless NONBLOCK: -KS_EAGAIN), other socket files take
 * a file reference on their socket; text files make their text now. Errors:
 * -KS_ENOENT, -KS_EACCES (writing a read-only file), the errors of
 * socket(2) and accept(2), -KS_ENOMEM. */
int ks_netfs_open(const struct ks_netfs_node *n, unsigned flags, struct ks_netfs_handle **out);
/* Reads up to len bytes into user memory ubuf. data: receives (as
 * read(2) on the socket; flags may add KS_NETFS_NONBLOCK for this call);
 * text files (ctl, factory, accept, status, local, remote, addrs) read at
 * offset off. Returns the bytes read, 0 at the end, or an error. */
long ks_netfs_read(struct ks_netfs_handle *h, void *ubuf, unsigned long len, uint64_t off,
		   unsigned flags);
/* Writes len bytes from user memory ubuf. data: sends (as write(2));
 * ctl, factory and accept handles: runs the commands (all of them are
 * checked first; then each runs in turn and the first failure stops the
 * chain with the errno the socket call gives). Returns len or an error. */
long ks_netfs_write(struct ks_netfs_handle *h, const void *ubuf, unsigned long len,
		    unsigned flags);
/* Directory handles: entry idx of the snapshot made at open; 1 with *out,
 * 0 past the end, -KS_ENOTDIR for a file. */
int ks_netfs_readdir(struct ks_netfs_handle *h, unsigned long idx, struct ks_netfs_dirent *out);
/* Readiness (KS_POLL* bits): data handles ask the socket (registering on
 * pt, see docs/porting.md); other files are always ready. */
unsigned ks_netfs_poll(struct ks_netfs_handle *h, struct ks_poll_table *pt);
void ks_netfs_close(struct ks_netfs_handle *h);

/* The node a handle was opened on; the id of its socket (0: none). */
const struct ks_netfs_node *ks_netfs_handle_node(const struct ks_netfs_handle *h);
unsigned long ks_netfs_handle_id(const struct ks_netfs_handle *h);
/* A new descriptor (ks_port_fd_install) for the socket of h: the same
 * object the files show. -KS_ENOTSOCK if h has no socket, -KS_EMFILE. */
int ks_netfs_fd(struct ks_netfs_handle *h, bool cloexec);
/* The /net id of the socket behind descriptor fd, or -KS_EBADF/-KS_ENOTSOCK. */
long ks_netfs_id_of_fd(int fd);

#endif

/*
 * socket.h - the socket object, its state machine, the per-type operations
 * table and the family registry.
 *
 * Object model. One struct ks_socket per endpoint (a connected pair is two
 * objects, each pointing at the other). A family embeds it as the first
 * member of its own object (struct ks_unix_sock in src/unix). Two counts
 * keep it alive:
 *   files - file references: descriptors, descriptors in flight, /net
 *           handles. When the last one goes, ops->release runs: the
 *           endpoint is closed and the peer sees EOF.
 *   refs  - object references: the file count holds one, peers, queued
 *           buffers and wait registrations hold others. When the last one
 *           goes, ops->destroy frees the object.
 *
 * State. s->state is changed only by ks_socket_set_state_locked(), which
 * checks the transition against one table (socket.c) and wakes every waiter,
 * since a state change can make any call proceed.
 *
 * Interface:
 *   ks_family_register()  - a family announces itself (ks_init does it).
 *   ks_socket_create()    - socket(2) without the descriptor.
 *   ks_socket_alloc()     - for families: allocate and initialise the common
 *                           part of a new endpoint.
 *   ks_socket_hold/put, ks_socket_file_get/put - the two counts.
 *   ks_socket_file_tryget() - a file reference for a walker of the list of
 *                           all sockets (/net), unless the socket is closing.
 *   ks_socket_accepted()  - an accepted socket joins its listener's owner.
 *
 * Locking: s->lock guards every field marked [L] below, in the family's
 * object too. Wait queues have their own leaf locks (wait.h). The global
 * order is in docs/locking.md.
 */
#ifndef KS_CORE_SOCKET_H
#define KS_CORE_SOCKET_H

#include <ksock/port.h>

#include "wait.h"

/* Invariant checks: never for bad input. */
#define KS_ASSERT(c) ((c) ? (void)0 : ks_port_panic(__FILE__, __LINE__, #c))
#define KS_ASSERT_HELD(m) KS_ASSERT(ks_mutex_held(m))

enum ks_state {
	KS_SS_NEW,        /* created, no address */
	KS_SS_BOUND,      /* has a local address, no peer */
	KS_SS_LISTENING,  /* accepting connections */
	KS_SS_CONNECTING, /* connection under way (TCP) */
	KS_SS_CONNECTED,  /* has a peer (a datagram socket's default peer too) */
	KS_SS_CLOSING,    /* the peer has gone; queued data may still be read */
	KS_SS_CLOSED,     /* released by its last file reference */
	KS_SS_COUNT
};

/* Bits of s->shutdown, as Linux's RCV_SHUTDOWN and SEND_SHUTDOWN. */
#define KS_RCV_SHUTDOWN 1
#define KS_SEND_SHUTDOWN 2
#define KS_SHUTDOWN_MASK 3

/* Bits of s->flags: boolean socket options. */
#define KS_SF_REUSEADDR (1u << 0)
#define KS_SF_KEEPALIVE (1u << 1)
#define KS_SF_LINGER (1u << 2)
#define KS_SF_PASSCRED (1u << 3)
#define KS_SF_BROADCAST (1u << 4)
#define KS_SF_DONTROUTE (1u << 5)
#define KS_SF_OOBINLINE (1u << 6)
#define KS_SF_DEBUG (1u << 7)
#define KS_SF_NO_CHECK (1u << 8)
#define KS_SF_REUSEPORT (1u << 9)
#define KS_SF_PASSSEC (1u << 10)
#define KS_SF_RXQ_OVFL (1u << 11)

/* Capability flags of a socket type (struct ks_sock_ops.caps). */
#define KS_CAP_CONNECTION (1u << 0) /* connection-oriented: stream, seqpacket */
#define KS_CAP_LISTEN (1u << 1)     /* listen/accept make sense */

struct ks_msg;
struct ks_poll_table;

/* What the socket table shows of one socket (ops->describe). */
struct ks_sock_info {
	char local[112];
	char peer[112];
	unsigned long recv_q;
	unsigned long send_q;
	const char *state; /* the protocol's own state name (TCP's), or NULL */
};


struct ks_socket {
	/* Fixed at creation. */
	const struct ks_sock_ops *ops;
	const struct ks_family *family;
	short type;
	short protocol;
	unsigned long id; /* unique, for the socket table and /net */

	/* Atomic (__atomic builtins). */
	int refs;
	int files;
	int inflight;   /* of the files, how many are in flight (SCM_RIGHTS) */
	int nonblock;   /* O_NONBLOCK: a flag of the open file, shared by dups */
	int err;        /* pending asynchronous error (positive), SO_ERROR */
	int sndbuf;     /* SO_SNDBUF, bytes */
	int rcvbuf;     /* SO_RCVBUF, bytes */
	unsigned flags; /* KS_SF_* */
	/* The namespace that sees the socket under /net (ks_port_owner() of the
	 * task that made it with socket, socketpair or a /net factory; an
	 * accepted socket takes its listener's). 0: nobody (a connection not
	 * yet accepted). Written at creation and at accept. */
	uintptr_t owner;

	struct ks_mutex lock;
	enum ks_state state;      /* [L] */
	unsigned char shutdown;   /* [L] KS_RCV_SHUTDOWN | KS_SEND_SHUTDOWN */
	int rcvlowat;             /* [L] */
	int priority;             /* [L] */
	int mark;                 /* [L] */
	int linger_s;             /* [L] SO_LINGER seconds */
	long rcvtimeo;            /* ticks (KS_HZ): KS_TIMEO_FOREVER, 0 = never block */
	long sndtimeo;            /* atomic, as rcvtimeo */
	struct ks_ucred peercred; /* [L] SO_PEERCRED */
	int peek_off;             /* [L] SO_PEEK_OFF, -1 = off */

	struct ks_waitq rx_wait; /* readers and acceptors */
	struct ks_waitq tx_wait; /* writers waiting for buffer space */

	/* A family's list of sockets whose release is pending (its own use). */
	struct ks_socket *defer_next;

	/* The list of all sockets, for the socket table: registry lock. */
	struct ks_socket *all_next, *all_prev;
};

/* A walk over user iovecs (iter.c). The iovec array is a kernel copy;
 * the bases still point at user memory. */
struct ks_iter {
	const struct ks_iovec *iov;
	unsigned long cnt;
	unsigned long idx; /* current iovec */
	unsigned long off; /* offset in it */
	unsigned long left; /* bytes left in the whole walk */
};

/* Copies n <= left bytes between the walk and kernel memory, advancing it;
 * -KS_EFAULT if the user memory is bad (the walk is then undefined). The
 * inline part is the common case, n bytes within the current iovec; the
 * rest (iovec boundaries) is in iter.c. */
int ks_iter_copy_from_slow(struct ks_iter *it, void *dst, unsigned long n);
int ks_iter_copy_to_slow(struct ks_iter *it, const void *src, unsigned long n);

static inline int ks_iter_copy_from(struct ks_iter *it, void *dst, unsigned long n)
{
	if (it->idx < it->cnt && it->iov[it->idx].iov_len - it->off >= n) {
		int err = ks_port_copy_from_user(dst, (char *)it->iov[it->idx].iov_base + it->off, n);
		it->off += n;
		it->left -= n;
		return err;
	}
	return ks_iter_copy_from_slow(it, dst, n);
}

static inline int ks_iter_copy_to(struct ks_iter *it, const void *src, unsigned long n)
{
	if (it->idx < it->cnt && it->iov[it->idx].iov_len - it->off >= n) {
		int err = ks_port_copy_to_user((char *)it->iov[it->idx].iov_base + it->off, src, n);
		it->off += n;
		it->left -= n;
		return err;
	}
	return ks_iter_copy_to_slow(it, src, n);
}
/* A single-buffer walk (send, recv, read, write). */
static inline void ks_iter_single(struct ks_iter *it, struct ks_iovec *one, void *ubuf,
				  unsigned long len)
{
	one->iov_base = ubuf;
	one->iov_len = len;
	it->iov = one;
	it->cnt = 1;
	it->idx = 0;
	it->off = 0;
	it->left = len;
}

/* A message on its way through sendmsg/recvmsg. */
struct ks_msg {
	struct ks_iter it; /* the data */
	/* send: the destination, copied in (namelen 0: none);
	 * recv: the source, filled by the family, copied out by the caller. */
	struct ks_sockaddr_storage *name;
	unsigned namelen;
	void *control; /* user pointer, for SCM messages */
	unsigned long controllen;
	int flags_out; /* recv: MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
};

/*
 * One const table per socket type. Every slot is filled: a type that lacks
 * an operation points at the ks_sock_no_* stub, which returns Linux's
 * error. Addresses are kernel copies (sockaddr_storage, addrlen <= 128).
 */
struct ks_sock_ops {
	unsigned caps;
	/* Last file reference gone: close the endpoint. No lock held. */
	void (*release)(struct ks_socket *s);
	/* Last object reference gone: free the object. */
	void (*destroy)(struct ks_socket *s);
	int (*bind)(struct ks_socket *s, struct ks_sockaddr_storage *addr, unsigned len);
	int (*connect)(struct ks_socket *s, struct ks_sockaddr_storage *addr, unsigned len);
	int (*socketpair)(struct ks_socket *a, struct ks_socket *b);
	int (*listen)(struct ks_socket *s, int backlog);
	/* On success *out holds one file reference for the new socket. */
	int (*accept)(struct ks_socket *s, struct ks_socket **out, bool nonblock);
	/* Returns the address length (may exceed sizeof what was filled). */
	int (*getname)(struct ks_socket *s, struct ks_sockaddr_storage *addr, bool peer);
	long (*sendmsg)(struct ks_socket *s, struct ks_msg *m, int flags);
	long (*recvmsg)(struct ks_socket *s, struct ks_msg *m, int flags);
	int (*shutdown)(struct ks_socket *s, int how);
	/* Options at levels other than SOL_SOCKET (user pointers). */
	int (*setsockopt)(struct ks_socket *s, int level, int name, const void *uval, unsigned len);
	int (*getsockopt)(struct ks_socket *s, int level, int name, void *uval, unsigned *ulen);
	/* FIONREAD, SIOCOUTQ and family ioctls; uarg is a user pointer. */
	int (*ioctl)(struct ks_socket *s, unsigned long req, void *uarg);
	/* Readiness mask; registers with pt (may be NULL) on every queue whose
	 * change can alter the mask. */
	unsigned (*poll)(struct ks_socket *s, struct ks_poll_table *pt);
	/* Fills the socket-table columns: local, peer addresses as text, queues. */
	void (*describe)(struct ks_socket *s, struct ks_sock_info *out);
};

struct ks_family {
	int domain;
	const char *name;
	/* A new socket of this family with one file reference, or an error:
	 * -KS_ESOCKTNOSUPPORT / -KS_EPROTONOSUPPORT as Linux. type has no flags. */
	int (*create)(int type, int protocol, struct ks_socket **out);
	/* A file reference was dropped and others remain (AF_UNIX runs its
	 * garbage collector of descriptors in flight). No lock held. */
	void (*file_dropped)(struct ks_socket *s);
};

int ks_family_register(const struct ks_family *f);
const struct ks_family *ks_family_get(int domain);

/* socket(2) without the descriptor; *out holds one file reference. */
int ks_socket_create(int domain, int type, int protocol, struct ks_socket **out);

/* For families: allocate size bytes (>= sizeof(struct ks_socket)), zeroed,
 * with the common part initialised: refs = files = 1, state NEW, default
 * buffer sizes, on the socket list. NULL when memory is short. */
struct ks_socket *ks_socket_alloc(size_t size, const struct ks_family *f,
				  const struct ks_sock_ops *ops, int type, int protocol);
/* For ops->destroy: undo ks_socket_alloc and free size bytes. */
void ks_socket_free(struct ks_socket *s, size_t size);

void ks_socket_hold(struct ks_socket *s);
void ks_socket_put(struct ks_socket *s);
static inline void ks_socket_file_get(struct ks_socket *s)
{
	int old = __atomic_fetch_add(&s->files, 1, __ATOMIC_RELAXED);
	KS_ASSERT(old > 0);
}
/* Drops a file reference; the last one runs ops->release. Inline: every
 * system call drops the reference its descriptor lookup took. */
void ks_socket_file_put_slow(struct ks_socket *s);
static inline void ks_socket_file_put(struct ks_socket *s)
{
	/* Not the last reference and none in flight: only the count moves
	 * (ks_socket_file_drop has the rest). */
	if (__atomic_load_n(&s->inflight, __ATOMIC_ACQUIRE) == 0) {
		int left = __atomic_sub_fetch(&s->files, 1, __ATOMIC_ACQ_REL);
		KS_ASSERT(left >= 0);
		if (left > 0)
			return;
		s->ops->release(s);
		ks_socket_put(s); /* the reference the files held */
		return;
	}
	ks_socket_file_put_slow(s);
}
/* Drops a file reference; true if it was the last one, in which case the
 * caller must run s->ops->release(s) and then ks_socket_put(s) itself (so
 * that a chain of closes can be run as a loop instead of a recursion). */
bool ks_socket_file_drop(struct ks_socket *s);
/* Takes a file reference if s still has one (files > 0), for code that
 * found s on the list of all sockets, where a socket stays while it closes;
 * false if its last file reference is gone. Any context, no lock needed. */
bool ks_socket_file_tryget(struct ks_socket *s);
/* Gives ns, which accept just returned from listener, its listener's owner
 * (as Linux's accepted sockets share their listener's network namespace). */
void ks_socket_accepted(struct ks_socket *listener, struct ks_socket *ns);

/* Changes the state through the transition table; wakes all waiters. */
void ks_socket_set_state_locked(struct ks_socket *s, enum ks_state to);
const char *ks_state_name(enum ks_state st);

/* Stores an asynchronous error for SO_ERROR and the next call; wakes all. */
void ks_socket_set_error(struct ks_socket *s, int err);
/* Takes the pending error (0 if none), as Linux's sock_error(). */
int ks_socket_take_error(struct ks_socket *s);

/*
 * Deadline for a blocking call: SO_RCVTIMEO/SO_SNDTIMEO as a timeout not
 * started yet (KS_DEADLINE_REL | nanoseconds), KS_FOREVER, or 0 when the
 * call must not block (nonblocking socket or MSG_DONTWAIT). The timeout
 * starts when the call first blocks: ks_wait_block (or a caller that waits
 * more than once and keeps one deadline for all its waits) turns it into an
 * absolute time with ks_deadline_start. So a call that does not block reads
 * no clock, and, as Linux's timeo, the time counts from the wait.
 */
#define KS_TIMEO_FOREVER 0x7fffffffffffffffL
#define KS_DEADLINE_REL (1ull << 63)
uint64_t ks_socket_deadline_timeo(long ticks);
static inline uint64_t ks_socket_deadline(struct ks_socket *s, bool rcv, int flags)
{
	if ((flags & KS_MSG_DONTWAIT) || __atomic_load_n(&s->nonblock, __ATOMIC_RELAXED))
		return 0;
	long ticks = __atomic_load_n(rcv ? &s->rcvtimeo : &s->sndtimeo, __ATOMIC_RELAXED);
	return ticks == KS_TIMEO_FOREVER ? KS_FOREVER : ks_socket_deadline_timeo(ticks);
}

/* An absolute deadline (or 0, KS_FOREVER) for d: a timeout not yet
 * started starts now. */
static inline uint64_t ks_deadline_start(uint64_t d)
{
	if (d == KS_FOREVER || !(d & KS_DEADLINE_REL))
		return d;
	return ks_port_now_ns() + (d & ~KS_DEADLINE_REL);
}

/* Ticks per second of SO_RCVTIMEO/SO_SNDTIMEO, as Linux's HZ (the
 * rounding of those options is visible to programs). */
#ifndef KS_HZ
#define KS_HZ 250
#endif

/* System-wide tunables, as Linux's sysctls; a port may change them before
 * sockets are created (the hosted port copies the host's). */
struct ks_tunables {
	int wmem_default, wmem_max;
	int rmem_default, rmem_max;
	int somaxconn;
	int unix_max_dgram_qlen;
	int fd_limit; /* RLIMIT_NOFILE, for poll's nfds check */
};
extern struct ks_tunables ks_tunables;

/* Every socket, for the table and /net: calls fn for each live socket with
 * the registry lock held (fn must not take it, nor sleep). */
void ks_socket_foreach(void (*fn)(struct ks_socket *s, void *arg), void *arg);

/* Stubs for ops slots a type does not have (Linux's sock_no_*). */
int ks_sock_no_bind(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned l);
int ks_sock_no_connect(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned l);
int ks_sock_no_socketpair(struct ks_socket *a, struct ks_socket *b);
int ks_sock_no_listen(struct ks_socket *s, int backlog);
int ks_sock_no_accept(struct ks_socket *s, struct ks_socket **out, bool nonblock);
int ks_sock_no_setsockopt(struct ks_socket *s, int level, int name, const void *v, unsigned l);
int ks_sock_no_getsockopt(struct ks_socket *s, int level, int name, void *v, unsigned *l);
int ks_sock_no_ioctl(struct ks_socket *s, unsigned long req, void *uarg);

/* Linux's internal "no such ioctl here": the system-call layer turns it
 * into ENOTTY. */
#define KS_ENOIOCTLCMD 515

/* ks_init's helpers. */
void ks_registry_init(void);
int ks_unix_init(void);


/* Process-wide counters (ksock.h struct ks_stats). */
extern long ks_stat_sockets_live;

#endif

/*
 * unix.h - AF_UNIX internals shared by the family's files.
 *
 * Object model. Each endpoint is a struct ks_unix_sock (a ks_socket plus
 * the family's fields). A connection is two endpoints whose peer pointers
 * name each other (each holds a reference on the other); a datagram socket's
 * peer is its default destination, and need not point back. A message or a
 * piece of a stream is a struct ks_unix_buf in the RECEIVER's queue; its
 * size is charged to the SENDER (wmem), which bounds what a sender has in
 * flight by its SO_SNDBUF, as Linux does. A listener's queue holds buffers
 * whose embryo field is a not-yet-accepted server-side endpoint.
 *
 * Files: af_unix.c (family, ops tables, release, shutdown, names out,
 * ioctl), unix_addr.c (the name tables, bind, lookup), unix_stream.c
 * (listen, connect, accept, stream data), unix_dgram.c (datagram and
 * seqpacket data, datagram connect), unix_buf.c (buffers and queues).
 *
 * Locking (docs/locking.md has the whole order):
 *   u->sk.lock   guards the fields marked [L]: addr (written once), peer,
 *                the receive queue, backlog, dead, embryo. A stream read
 *                holds it for the whole call except while asleep, so one
 *                read's bytes are contiguous (Linux's iolock is not needed).
 *   two sockets  are locked together only through ks_unix_lock_two(), in
 *                address order.
 *   ks_unix_table_lock guards the name tables; taken inside socket locks,
 *                never the other way round.
 *   wmem         is atomic (with a bias while open: KS_UNIX_WMEM_OPEN): a
 *                reader frees a buffer and uncharges its sender
 *                without the sender's lock, then wakes the sender's tx_wait.
 *
 * Not supported (yet): SCM_RIGHTS (issue 3); SIGURG (no F_SETOWN owner).
 */
#ifndef KS_UNIX_UNIX_H
#define KS_UNIX_UNIX_H

#include "../core/socket.h"

/* A bound name, shared (reference-counted) by a listener and the sockets
 * it accepts, as Linux shares struct unix_address. */
struct ks_unix_addr {
	int refs;
	unsigned len; /* bytes of sun, as getsockname reports */
	bool abstract;
	struct ks_unix_key key; /* pathname: the node */
	struct ks_sockaddr_un sun;
	char nul; /* a 108-byte path still ends in NUL */
};

struct ks_unix_sock;
struct ks_scm_rights;

/* A stream buffer packs at most this many small writes (unix_stream_data.c). */
#define KS_UNIX_SEGS 16

struct ks_unix_buf {
	struct ks_unix_buf *next;
	struct ks_unix_sock *sender; /* holds a reference; charged truesize */
	struct ks_unix_sock *embryo; /* listener queue: the new connection */
	unsigned len;      /* data bytes */
	unsigned off;      /* bytes already read (stream) */
	unsigned size;     /* bytes allocated */
	unsigned truesize; /* what the sender is still charged for it */
	struct ks_ucred cred;
	struct ks_scm_rights *rights; /* descriptors in flight with this data */
	/* Stream writes packed into this buffer, each charged as the skb Linux
	 * would have queued for it: 0 if the buffer takes no more (any buffer
	 * but a packing one); else writes [segdone, nseg) are charged still,
	 * write i ending at seg_end[i]. [L] of the receiver while queued. */
	unsigned short nseg, segdone;
	unsigned short seg_end[KS_UNIX_SEGS];
	unsigned char data[];
};

struct ks_unix_queue {
	struct ks_unix_buf *head, *tail;
	unsigned long bytes; /* unread data bytes */
	unsigned len;        /* buffers */
};

struct ks_unix_sock {
	struct ks_socket sk;
	struct ks_unix_addr *addr;     /* [L] set once, read with acquire */
	struct ks_unix_sock *peer;     /* [L] holds a reference */
	struct ks_unix_queue rq;       /* [L] receive queue / pending connections */
	struct ks_unix_buf *oob;       /* [L] stream: the urgent byte's buffer in rq */
	int backlog;                   /* [L] listener */
	bool dead;                     /* [L] released (Linux's SOCK_DEAD) */
	bool embryo;                   /* [L] connected but not yet accepted */
	long wmem;                     /* atomic: truesize of my buffers queued at peers,
					* plus KS_UNIX_WMEM_OPEN until released */
	struct ks_waitq peer_wait;     /* senders and connectors waiting for room in rq */
	struct ks_unix_sock *hash_next; /* ks_unix_table_lock */

	/* Descriptors in flight (unix_gc.c): the gc lock. */
	struct ks_unix_sock *gc_next, *gc_prev, *gc_work;
	int gc_refs;
	bool gc_cand, gc_alive;
};

/* The part of wmem that is no charge: set from creation to release, with
 * one reference on the socket, as Linux's sk_wmem_alloc starts at 1. So
 * charges and uncharges of a live socket never move wmem to or from 0, and
 * take no reference of their own; the last uncharge after release (or the
 * release itself) drops that one. ks_unix_wmem() is the charged bytes. */
#define KS_UNIX_WMEM_OPEN (1L << 40)

static inline long ks_unix_wmem(const struct ks_unix_sock *u)
{
	return __atomic_load_n(&u->wmem, __ATOMIC_ACQUIRE) & (KS_UNIX_WMEM_OPEN - 1);
}

static inline struct ks_unix_sock *ks_unix(struct ks_socket *s)
{
	return (struct ks_unix_sock *)s;
}

#define KS_UNIX_SUN_OFF 2 /* offsetof(struct sockaddr_un, sun_path) */

extern const struct ks_family ks_unix_family;
extern const struct ks_sock_ops ks_unix_stream_ops;
extern const struct ks_sock_ops ks_unix_dgram_ops;
extern const struct ks_sock_ops ks_unix_seqpacket_ops;

/* af_unix.c */
struct ks_unix_sock *ks_unix_new(int type, int protocol);
void ks_unix_release(struct ks_socket *s);
/* Closes u, deferring the releases it causes onto *list (unix_gc.c drains). */
void ks_unix_release_one(struct ks_unix_sock *u, struct ks_socket **list);
void ks_unix_destroy(struct ks_socket *s);
int ks_unix_socketpair(struct ks_socket *a, struct ks_socket *b);
int ks_unix_getname(struct ks_socket *s, struct ks_sockaddr_storage *addr, bool peer);
int ks_unix_shutdown(struct ks_socket *s, int how);
int ks_unix_ioctl(struct ks_socket *s, unsigned long req, void *uarg);
void ks_unix_describe(struct ks_socket *s, struct ks_sock_info *out);
void ks_unix_lock_two(struct ks_unix_sock *a, struct ks_unix_sock *b);
void ks_unix_unlock_two(struct ks_unix_sock *a, struct ks_unix_sock *b);
static inline bool ks_unix_connected(const struct ks_unix_sock *u)
{
	enum ks_state st = __atomic_load_n(&u->sk.state, __ATOMIC_ACQUIRE);
	return st == KS_SS_CONNECTED || st == KS_SS_CLOSING;
}
/* Credentials of the calling task. */
void ks_unix_current_cred(struct ks_ucred *c);
/* Send-side SCM parsing: checks the control messages, fills *rights with
 * the descriptors to pass (NULL if none; the caller owns them) and, if the
 * sender gave its credentials explicitly (SCM_CREDENTIALS), *cred with
 * them; returns 1 if it did, 0 if not (*cred untouched: ks_unix_cred_attach
 * fills it), or an error. */
int ks_unix_scm_send_parse(struct ks_msg *m, struct ks_ucred *cred,
			   struct ks_scm_rights **rights);
static inline int ks_unix_scm_send(struct ks_msg *m, struct ks_ucred *cred,
				   struct ks_scm_rights **rights)
{
	*rights = NULL;
	return m->controllen ? ks_unix_scm_send_parse(m, cred, rights) : 0;
}
/* Receive side: SCM_CREDENTIALS (if SO_PASSCRED) then SCM_RIGHTS; takes
 * rights (already out of flight). */
void ks_unix_scm_recv_put(struct ks_unix_sock *u, struct ks_msg *m, const struct ks_ucred *cred,
			  struct ks_scm_rights *rights, int flags);
static inline void ks_unix_scm_recv(struct ks_unix_sock *u, struct ks_msg *m,
				    const struct ks_ucred *cred, struct ks_scm_rights *rights,
				    int flags)
{
	if (rights || (__atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) & KS_SF_PASSCRED))
		ks_unix_scm_recv_put(u, m, cred, rights, flags);
}
/* The credentials a message carries: *cred as given if explicit, else
 * the sender's own if either end has SO_PASSCRED (or to is an embryo),
 * else blank ones. */
static inline void ks_unix_cred_attach(struct ks_unix_sock *from, struct ks_unix_sock *to,
				       int explicit_cred, struct ks_ucred *cred)
{
	/* Linux records the sender's credentials only when one end asks for
	 * them; otherwise a receiver sees pid 0 and the overflow ids. */
	unsigned want = __atomic_load_n(&from->sk.flags, __ATOMIC_RELAXED) |
			__atomic_load_n(&to->sk.flags, __ATOMIC_RELAXED);
	if (explicit_cred)
		return;
	/* A not-yet-accepted socket cannot have asked: Linux stamps for it. */
	if ((want & KS_SF_PASSCRED) || __atomic_load_n(&to->embryo, __ATOMIC_ACQUIRE)) {
		ks_unix_current_cred(cred);
		return;
	}
	cred->pid = 0;
	cred->uid = cred->gid = 65534;
}
/* who's address (lock-free: the caller holds a reference on who). */
unsigned ks_unix_name_of(struct ks_unix_sock *who, struct ks_sockaddr_storage *out);
/* recvmsg's source address: from's name, or none (length 0) if unnamed. */
void ks_unix_copy_addr(struct ks_unix_sock *from, struct ks_msg *m);

/* unix_addr.c */
int ks_unix_validate_addr(const struct ks_sockaddr_storage *a, unsigned len);
int ks_unix_bind(struct ks_socket *s, struct ks_sockaddr_storage *addr, unsigned len);
int ks_unix_autobind(struct ks_unix_sock *u);
/* The bound socket named by addr, of the given type, with a reference. */
int ks_unix_find(const struct ks_sockaddr_storage *addr, unsigned len, int type,
		 struct ks_unix_sock **out);
void ks_unix_unhash(struct ks_unix_sock *u);
void ks_unix_addr_put(struct ks_unix_addr *a);
struct ks_unix_addr *ks_unix_addr_get(struct ks_unix_addr *a);
/* Writes a as text ("/path", "@name") into buf of size n. */
void ks_unix_addr_text(const struct ks_unix_addr *a, char *buf, unsigned n);

/* unix_buf.c */
#define KS_UNIX_SKB_MAX_HEAD 3776u   /* Linux's SKB_MAX_HEAD(0) with 4 KiB pages */
#define KS_UNIX_SKB_MAX_ALLOC 16064u /* Linux's SKB_MAX_ALLOC */
#define KS_UNIX_STREAM_MAX (KS_UNIX_SKB_MAX_HEAD + 32768u) /* one stream skb */
/*
 * What Linux charges a sender for a message of len bytes (skb->truesize):
 * the sk_buff (256), a kmalloc'ed head of the data plus skb_shared_info
 * (320), rounded up to a kmalloc size (above 256 bytes, the next power of
 * two: the caches 512..8192, then whole pages in powers of two), and whole
 * pages for data Linux puts in page fragments. SIOCOUTQ reports the sum,
 * and send-buffer limits count it, so ksock charges the same; its own
 * allocation is smaller. Inline: every message computes it.
 */
#define KS_UNIX_SKB_OVERHEAD 256u
#define KS_UNIX_SHINFO 320u
#define KS_UNIX_PAGE 4096u
static inline unsigned ks_unix_truesize(int type, unsigned len)
{
	unsigned data = 0; /* bytes in page fragments */

	if (type == KS_SOCK_STREAM) {
		if (len > KS_UNIX_SKB_MAX_HEAD) {
			data = (len - KS_UNIX_SKB_MAX_HEAD + KS_UNIX_PAGE - 1) & ~(KS_UNIX_PAGE - 1);
			if (data > len)
				data = len;
		}
	} else if (len > KS_UNIX_SKB_MAX_ALLOC) {
		data = (len - KS_UNIX_SKB_MAX_ALLOC + KS_UNIX_PAGE - 1) & ~(KS_UNIX_PAGE - 1);
	}
	unsigned head = ((len - data + 63) & ~63u) + KS_UNIX_SHINFO;
	return KS_UNIX_SKB_OVERHEAD + (1u << (32 - __builtin_clz(head - 1))) +
	       ((data + KS_UNIX_PAGE - 1) & ~(KS_UNIX_PAGE - 1));
}
struct ks_unix_buf *ks_unix_buf_alloc(struct ks_unix_sock *sender, unsigned len);
/* A buffer of len bytes with room for cap >= len (a packing stream buffer:
 * nseg 1), charged for len bytes. */
struct ks_unix_buf *ks_unix_buf_alloc_cap(struct ks_unix_sock *sender, unsigned len,
					  unsigned cap);
/* Charges or uncharges sender for truesize bytes in flight (the first
 * charge takes a reference on it, the last uncharge drops it, and an
 * uncharge wakes its writers once it is writable). Any context. */
void ks_unix_charge(struct ks_unix_sock *sender, unsigned truesize);
void ks_unix_uncharge(struct ks_unix_sock *sender, unsigned truesize);
void ks_unix_buf_free(struct ks_unix_buf *b);
static inline void ks_unix_queue_add_locked(struct ks_unix_sock *u, struct ks_unix_buf *b)
{
	KS_ASSERT_HELD(&u->sk.lock);
	b->next = NULL;
	if (u->rq.tail)
		u->rq.tail->next = b;
	else
		u->rq.head = b;
	u->rq.tail = b;
	u->rq.bytes += b->len - b->off;
	u->rq.len++;
}

static inline struct ks_unix_buf *ks_unix_queue_pop_locked(struct ks_unix_sock *u)
{
	struct ks_unix_buf *b = u->rq.head;

	KS_ASSERT_HELD(&u->sk.lock);
	if (!b)
		return NULL;
	u->rq.head = b->next;
	if (!u->rq.head)
		u->rq.tail = NULL;
	u->rq.bytes -= b->len - b->off;
	u->rq.len--;
	b->next = NULL;
	return b;
}
/* Frees every buffer of q (already detached from its socket); sockets
 * whose last reference goes are put on *list for ks_unix_drain. */
void ks_unix_queue_purge(struct ks_unix_queue *q, struct ks_socket **list);
void ks_unix_buf_free_deferred(struct ks_unix_buf *b, struct ks_socket **list);
/* Waits until the sender may allocate another buffer (wmem < sndbuf), as
 * Linux's sock_alloc_send_pskb: 0, or the pending error, -EPIPE after
 * SEND_SHUTDOWN, -EAGAIN, -EINTR. */
int ks_unix_wait_wmem_slow(struct ks_unix_sock *u, uint64_t *deadline);
/* *deadline is started (ks_deadline_start) if the caller must wait, so that
 * the caller's later waits share it. */
static inline int ks_unix_wait_wmem(struct ks_unix_sock *u, uint64_t *deadline)
{
	/* Room, no error, not shut down: no need to lock. */
	if (!__atomic_load_n(&u->sk.err, __ATOMIC_ACQUIRE) &&
	    !(__atomic_load_n(&u->sk.shutdown, __ATOMIC_ACQUIRE) & KS_SEND_SHUTDOWN) &&
	    ks_unix_wmem(u) < __atomic_load_n(&u->sk.sndbuf, __ATOMIC_RELAXED))
		return 0;
	return ks_unix_wait_wmem_slow(u, deadline);
}
bool ks_unix_writable(struct ks_unix_sock *u);

/* unix_gc.c */
void ks_unix_gc_init(void);
/* Counts rights' AF_UNIX sockets into (delta 1) or out of (-1) flight. */
void ks_unix_inflight(struct ks_scm_rights *r, int delta);
/* Drops one file reference; a last one is deferred onto *list. */
void ks_unix_defer_drop(struct ks_socket *s, struct ks_socket **list);
/* Drops every reference of r (deferring releases) and frees it. */
void ks_unix_rights_drop(struct ks_scm_rights *r, struct ks_socket **list);
/* Releases what was deferred, and what that defers, as a loop. */
void ks_unix_drain(struct ks_socket **list);
void ks_unix_gc(void);
void ks_unix_file_dropped(struct ks_socket *s);

/* unix_stream.c */
int ks_unix_listen(struct ks_socket *s, int backlog);
int ks_unix_stream_connect(struct ks_socket *s, struct ks_sockaddr_storage *addr, unsigned len);
int ks_unix_accept(struct ks_socket *s, struct ks_socket **out, bool nonblock);
long ks_unix_stream_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags);
long ks_unix_stream_recvmsg(struct ks_socket *s, struct ks_msg *m, int flags);
unsigned ks_unix_stream_poll(struct ks_socket *s, struct ks_poll_table *pt);

/* unix_dgram.c */
int ks_unix_dgram_connect(struct ks_socket *s, struct ks_sockaddr_storage *addr, unsigned len);
long ks_unix_dgram_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags);
long ks_unix_seqpacket_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags);
long ks_unix_dgram_recvmsg(struct ks_socket *s, struct ks_msg *m, int flags);
unsigned ks_unix_dgram_poll(struct ks_socket *s, struct ks_poll_table *pt);
/* A datagram socket loses its peer: purge own queue, tell the old peer. */
void ks_unix_dgram_disconnected(struct ks_unix_sock *u, struct ks_unix_sock *old);

#endif

/*
 * unix_dgram.c - AF_UNIX datagrams (and seqpacket data, which Linux sends
 * and receives with the datagram code): connect, send, receive, readiness.
 *
 * A datagram receiver's queue holds at most backlog+1 messages (backlog is
 * net.unix.max_dgram_qlen for a datagram socket) unless the receiver is
 * connected back to the sender, as Linux; a sender finding it full waits on
 * the receiver's peer_wait or gets EAGAIN.
 *
 * Locking: see unix.h. connect locks the caller and the target together
 * (address order); send locks only the receiver to queue.
 */
#include "unix.h"

#include "../core/scm.h"

int ks_unix_dgram_connect(struct ks_socket *s, struct ks_sockaddr_storage *sa, unsigned len)
{
	struct ks_unix_sock *u = ks_unix(s), *other = NULL, *old;
	int err;

	if (len < sizeof(ks_sa_family_t))
		return -KS_EINVAL;
	if (sa->ss_family != KS_AF_UNSPEC) {
		err = ks_unix_validate_addr(sa, len);
		if (err)
			return err;
		if ((__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_PASSCRED) && !u->addr) {
			err = ks_unix_autobind(u);
			if (err)
				return err;
		}
		for (;;) {
			err = ks_unix_find(sa, len, s->type, &other);
			if (err)
				return err;
			ks_unix_lock_two(u, other);
			if (!other->dead)
				break;
			ks_unix_unlock_two(u, other);
			ks_socket_put(&other->sk);
		}
		if (other->peer && other->peer != u) {
			ks_unix_unlock_two(u, other);
			ks_socket_put(&other->sk);
			return -KS_EPERM;
		}
		ks_unix_unlock_two(u, other);
	}
	ks_mutex_lock(&s->lock);
	old = u->peer;
	__atomic_store_n(&u->peer, other, __ATOMIC_RELEASE); /* our reference moves here */
	if (other)
		ks_socket_set_state_locked(s, KS_SS_CONNECTED);
	else if (s->state == KS_SS_CONNECTED)
		ks_socket_set_state_locked(s, u->addr ? KS_SS_BOUND : KS_SS_NEW);
	ks_mutex_unlock(&s->lock);
	if (old) {
		ks_waitq_wake_ev(&old->peer_wait, KS_EV_OUT);
		if (old != other)
			ks_unix_dgram_disconnected(u, old);
		ks_socket_put(&old->sk);
	}
	return 0;
}

void ks_unix_dgram_disconnected(struct ks_unix_sock *u, struct ks_unix_sock *old)
{
	struct ks_unix_queue q;

	ks_mutex_lock(&u->sk.lock);
	q = u->rq;
	u->rq.head = u->rq.tail = NULL;
	u->rq.bytes = 0;
	u->rq.len = 0;
	ks_mutex_unlock(&u->sk.lock);
	if (!q.len)
		return;
	struct ks_socket *list = NULL;
	ks_unix_queue_purge(&q, &list);
	ks_unix_drain(&list);
	ks_waitq_wake_ev(&u->peer_wait, KS_EV_OUT);
	/* A two-way datagram pair losing one direction: the other end learns
	 * that messages were lost. */
	ks_mutex_lock(&old->sk.lock);
	bool tell = !old->dead && old->peer == u;
	ks_mutex_unlock(&old->sk.lock);
	if (tell)
		ks_socket_set_error(&old->sk, KS_ECONNRESET);
}

static bool queue_full(struct ks_unix_sock *o)
{
	return o->rq.len > (unsigned)o->backlog;
}

static bool room_ready(void *arg)
{
	struct ks_unix_sock *o = arg;

	return o->dead || !queue_full(o) || (o->sk.shutdown & KS_RCV_SHUTDOWN);
}

/* The connected peer is gone: forget it (Linux's unix_dgram_sendmsg). */
static int dgram_peer_dead(struct ks_unix_sock *u, struct ks_unix_sock *other, bool named)
{
	if (u->sk.type == KS_SOCK_SEQPACKET)
		return -KS_EPIPE;
	ks_mutex_lock(&u->sk.lock);
	if (u->peer == other) {
		__atomic_store_n(&u->peer, NULL, __ATOMIC_RELEASE);
		if (u->sk.state == KS_SS_CONNECTED)
			ks_socket_set_state_locked(&u->sk, u->addr ? KS_SS_BOUND : KS_SS_NEW);
		ks_mutex_unlock(&u->sk.lock);
		ks_unix_dgram_disconnected(u, other);
		ks_socket_put(&other->sk); /* the peer reference */
		return -KS_ECONNREFUSED;
	}
	ks_mutex_unlock(&u->sk.lock);
	return named ? 1 : -KS_ECONNRESET;
}

/* What a sender finds at other (locked): 0 room, or why not. */
#define DG_DEAD 2
#define DG_FULL 3
static int dgram_check_locked(struct ks_unix_sock *u, struct ks_unix_sock *other)
{
	if (other->peer && other->peer != u)
		return -KS_EPERM;
	if (other->dead)
		return DG_DEAD;
	if (other->sk.shutdown & KS_RCV_SHUTDOWN)
		return -KS_EPIPE;
	if (other != u && other->peer != u && queue_full(other))
		return DG_FULL;
	return 0;
}

/* Queues b at other: 0 sent, 1 look the name up again, or an error. */
static int dgram_deliver(struct ks_unix_sock *u, struct ks_unix_sock *other, struct ks_unix_buf *b,
			 bool named, uint64_t *deadline)
{
	for (;;) {
		ks_mutex_lock(&other->sk.lock);
		int st = dgram_check_locked(u, other);
		if (st == 0) {
			ks_unix_queue_add_locked(other, b);
			bool wake = ks_waitq_active(&other->sk.rx_wait);
			ks_mutex_unlock(&other->sk.lock);
			if (wake)
				ks_waitq_wake_ev(&other->sk.rx_wait, KS_EV_IN);
			return 0;
		}
		if (st == DG_FULL) {
			*deadline = ks_deadline_start(*deadline); /* one for all the waits */
			st = *deadline ? ks_wait_block(&other->peer_wait, &other->sk.lock, *deadline,
						      room_ready, other)
				      : -KS_EAGAIN;
			ks_mutex_unlock(&other->sk.lock);
			if (st)
				return st;
			continue; /* room, or a change: check again */
		}
		ks_mutex_unlock(&other->sk.lock);
		return st == DG_DEAD ? dgram_peer_dead(u, other, named) : st;
	}
}

/* The destination: a name lookup, or the connected peer; with a reference,
 * except for a seqpacket socket's peer (*held false): as a stream socket's,
 * it is set once, at connect, and let go only by the socket's release, which
 * cannot run while the caller holds a file reference on u, and u's own
 * reference keeps it. A datagram socket's peer may change under connect(). */
static int dgram_target(struct ks_unix_sock *u, struct ks_msg *m, struct ks_unix_sock **out,
			bool *held)
{
	*held = true;
	if (m->namelen)
		return ks_unix_find(m->name, m->namelen, u->sk.type, out);
	if (u->sk.type == KS_SOCK_SEQPACKET) {
		*held = false;
		*out = __atomic_load_n(&u->peer, __ATOMIC_ACQUIRE);
		return *out ? 0 : -KS_ENOTCONN;
	}
	ks_mutex_lock(&u->sk.lock);
	*out = u->peer;
	if (*out)
		ks_socket_hold(&(*out)->sk);
	ks_mutex_unlock(&u->sk.lock);
	return *out ? 0 : -KS_ENOTCONN;
}

/* Checks before any buffer is made, in Linux's order. */
static int dgram_precheck(struct ks_unix_sock *u, struct ks_msg *m, int flags)
{
	if (flags & KS_MSG_OOB)
		return -KS_EOPNOTSUPP;
	if (m->namelen) {
		int err = ks_unix_validate_addr(m->name, m->namelen);
		if (err)
			return err;
	}
	if ((__atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) & KS_SF_PASSCRED) &&
	    !__atomic_load_n(&u->addr, __ATOMIC_ACQUIRE)) {
		int err = ks_unix_autobind(u);
		if (err)
			return err;
	}
	if (m->it.left > (unsigned long)__atomic_load_n(&u->sk.sndbuf, __ATOMIC_RELAXED) - 32)
		return -KS_EMSGSIZE;
	return 0;
}

static long dgram_send(struct ks_unix_sock *u, struct ks_msg *m, int flags)
{
	struct ks_unix_sock *other;
	struct ks_scm_rights *rights;
	struct ks_ucred cred;
	unsigned long len = m->it.left;
	int explicit_cred = ks_unix_scm_send(m, &cred, &rights);
	long err = explicit_cred < 0 ? explicit_cred : dgram_precheck(u, m, flags);

	/* One deadline for the whole call, as Linux's timeo. */
	uint64_t deadline = err ? 0 : ks_socket_deadline(&u->sk, false, flags);
	if (!err)
		err = ks_unix_wait_wmem(u, &deadline);
	struct ks_unix_buf *b = err ? NULL : ks_unix_buf_alloc(u, (unsigned)len);
	if (!b) {
		ks_scm_rights_free(rights); /* never in flight */
		return err ? err : -KS_ENOBUFS;
	}
	if (rights) {
		ks_unix_inflight(rights, 1);
		b->rights = rights;
	}
	err = ks_iter_copy_from(&m->it, b->data, len);
	while (!err) {
		bool held;
		err = dgram_target(u, m, &other, &held);
		if (err)
			break;
		if (explicit_cred)
			b->cred = cred;
		ks_unix_cred_attach(u, other, explicit_cred, &b->cred);
		err = dgram_deliver(u, other, b, m->namelen != 0, &deadline);
		if (held)
			ks_socket_put(&other->sk);
		if (err != 1)
			break;
		err = 0; /* the named socket died: look the name up again */
	}
	if (err) {
		ks_unix_buf_free(b);
		return err;
	}
	return (long)len;
}

long ks_unix_dgram_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	return dgram_send(ks_unix(s), m, flags);
}

long ks_unix_seqpacket_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	int err = ks_socket_take_error(s);

	if (err)
		return -err;
	if (!ks_unix_connected(ks_unix(s)))
		return -KS_ENOTCONN;
	m->namelen = 0; /* a seqpacket socket ignores any destination */
	return dgram_send(ks_unix(s), m, flags);
}

/* ---- receive ---- */

struct dgram_rd {
	struct ks_unix_sock *u;
	bool may_block;
	int err;
	int peek_off;             /* MSG_PEEK with SO_PEEK_OFF: bytes to skip, else -1 */
	struct ks_unix_buf *b;    /* the message found */
	unsigned skip;            /* offset in it */
};

/* The message holding byte r->peek_off of the queue, as Linux's
 * __skb_try_recv_from_queue skips whole datagrams (a datagram the offset
 * reaches the end of is skipped too). */
static struct ks_unix_buf *dgram_find(struct dgram_rd *r)
{
	unsigned off = r->peek_off < 0 ? 0 : (unsigned)r->peek_off;

	for (struct ks_unix_buf *b = r->u->rq.head; b; b = b->next) {
		if (off >= b->len && (b->len || off)) {
			off -= b->len;
			continue;
		}
		r->skip = off;
		return b;
	}
	return NULL;
}

static bool dgram_rd_ready(void *arg)
{
	struct dgram_rd *r = arg;
	struct ks_unix_sock *u = r->u;

	r->err = -ks_socket_take_error(&u->sk);
	if (r->err || (r->b = dgram_find(r)) != NULL)
		return true;
	if (!r->may_block)
		return false; /* Linux looks no further without a timeout */
	if (u->sk.shutdown & KS_RCV_SHUTDOWN)
		return true; /* end of file */
	if ((u->sk.ops->caps & KS_CAP_CONNECTION) && !ks_unix_connected(u) &&
	    u->sk.state != KS_SS_LISTENING) {
		r->err = -KS_ENOTCONN;
		return true;
	}
	return false;
}

/* The next message, dequeued unless peeking, or NULL with *err set (0:
 * end of file). Returns with u's lock held: a peeked message stays queued
 * and may only be read under it. */
static struct ks_unix_buf *dgram_next_locked(struct ks_unix_sock *u, int flags, long *err,
					     unsigned *skip)
{
	uint64_t deadline = ks_socket_deadline(&u->sk, true, flags);
	struct dgram_rd r = {u, deadline != 0, 0, -1, NULL, 0};
	struct ks_unix_buf *b = NULL;

	ks_mutex_lock(&u->sk.lock);
	if (flags & KS_MSG_PEEK)
		r.peek_off = u->sk.peek_off;
	*err = ks_wait_block(&u->sk.rx_wait, &u->sk.lock, deadline, dgram_rd_ready, &r);
	if (!*err)
		*err = r.err;
	if (!*err && r.b) {
		*skip = r.skip;
		b = (flags & KS_MSG_PEEK) ? r.b : ks_unix_queue_pop_locked(u);
		if (flags & KS_MSG_PEEK)
			; /* the offset moves on by what is copied (dgram_copy_out) */
		else if (u->sk.peek_off >= 0) /* Linux's sk_peek_offset_bwd */
			u->sk.peek_off = u->sk.peek_off > (int)b->len ? u->sk.peek_off - (int)b->len : 0;
	}
	/* Linux: end of file on a shut-down seqpacket socket, even nonblocking. */
	if (!b && *err == -KS_EAGAIN && u->sk.type == KS_SOCK_SEQPACKET &&
	    (u->sk.shutdown & KS_RCV_SHUTDOWN))
		*err = 0;
	return b;
}

/* Copies message b's data from skip, and its source, out; the result of
 * recvmsg. */
static long dgram_copy_out(struct ks_unix_buf *b, unsigned skip, struct ks_msg *m, int flags)
{
	unsigned len = b->len - skip;

	if (m->name)
		ks_unix_copy_addr(b->sender, m);
	unsigned long size = m->it.left;
	if (size > len)
		size = len;
	else if (size < len)
		m->flags_out |= KS_MSG_TRUNC;
	if (ks_iter_copy_to(&m->it, b->data + skip, size))
		return -KS_EFAULT;
	return (flags & KS_MSG_TRUNC) ? (long)len : (long)size;
}

long ks_unix_dgram_recvmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_unix_sock *u = ks_unix(s);
	struct ks_scm_rights *rights = NULL;
	struct ks_ucred cred;
	long err;

	if (s->type == KS_SOCK_SEQPACKET && !ks_unix_connected(u))
		return -KS_ENOTCONN;
	if (flags & KS_MSG_OOB)
		return -KS_EOPNOTSUPP;
	/* A message is taken off the queue whole, under the socket lock, so
	 * readers cannot interleave. */
	unsigned skip = 0;
	struct ks_unix_buf *b = dgram_next_locked(u, flags, &err, &skip);
	if (b && (flags & KS_MSG_PEEK)) {
		/* A peeked message stays queued: read it under the lock; Linux
		 * gives a peeker descriptors of its own for what it carries. */
		unsigned long room = m->it.left;
		err = dgram_copy_out(b, skip, m, flags);
		if (err >= 0 && s->peek_off >= 0) /* Linux's sk_peek_offset_fwd */
			s->peek_off += (int)(room < b->len - skip ? room : b->len - skip);
		cred = b->cred;
		if (err >= 0 && b->rights)
			rights = ks_scm_rights_dup(b->rights);
		ks_mutex_unlock(&s->lock);
	} else {
		/* Blocked senders and pollers count themselves in on peer_wait
		 * under (or before taking) this lock: ks_waitq_active. */
		bool wake = b && ks_waitq_active(&u->peer_wait);
		ks_mutex_unlock(&s->lock);
		if (!b)
			return err;
		if (wake)
			ks_waitq_wake_ev(&u->peer_wait, KS_EV_OUT);
		err = dgram_copy_out(b, 0, m, flags); /* an EFAULT loses it, as on Linux */
		cred = b->cred;
		if (err >= 0 && b->rights) {
			rights = b->rights;
			b->rights = NULL;
			ks_unix_inflight(rights, -1);
		}
		ks_unix_buf_free(b);
	}
	if (err >= 0)
		ks_unix_scm_recv(u, m, &cred, rights, flags);
	return err;
}

unsigned ks_unix_dgram_poll(struct ks_socket *s, struct ks_poll_table *pt)
{
	struct ks_unix_sock *u = ks_unix(s), *other;
	unsigned mask = 0;

	ks_poll_wait(pt, s, &s->rx_wait);
	ks_poll_wait(pt, s, &s->tx_wait);
	ks_mutex_lock(&s->lock);
	if (__atomic_load_n(&s->err, __ATOMIC_ACQUIRE))
		mask |= KS_POLLERR;
	if (s->shutdown & KS_RCV_SHUTDOWN)
		mask |= KS_POLLRDHUP | KS_POLLIN | KS_POLLRDNORM;
	if (s->shutdown == KS_SHUTDOWN_MASK)
		mask |= KS_POLLHUP;
	if (u->rq.len)
		mask |= KS_POLLIN | KS_POLLRDNORM;
	if (s->type == KS_SOCK_SEQPACKET && (s->state == KS_SS_NEW || s->state == KS_SS_BOUND))
		mask |= KS_POLLHUP;
	bool writable = s->state != KS_SS_LISTENING && ks_unix_writable(u);
	other = u->peer;
	if (other)
		ks_socket_hold(&other->sk);
	ks_mutex_unlock(&s->lock);
	if (writable && other && other != u) {
		ks_mutex_lock(&other->sk.lock);
		if (other->peer != u && queue_full(other)) {
			writable = false;
			ks_poll_wait(pt, &other->sk, &other->peer_wait);
		}
		ks_mutex_unlock(&other->sk.lock);
	}
	if (other)
		ks_socket_put(&other->sk);
	if (writable)
		mask |= KS_POLLOUT | KS_POLLWRNORM | KS_POLLWRBAND;
	return mask;
}

/*
 * unix_stream_data.c - AF_UNIX stream send, receive and readiness, as
 * Linux's unix_stream_sendmsg / unix_stream_read_generic / unix_poll.
 *
 * Locking: send locks only the receiving peer to queue a buffer; receive
 * holds its socket lock for the whole call, copies included, dropping it
 * only to sleep. That alone keeps one read's bytes contiguous (Linux needs
 * its per-socket iolock for that because it copies without the state
 * lock, and drops the iolock to sleep as well).
 */
#include "unix.h"

#include "../core/scm.h"

/* Linux's pipe error: SIGPIPE unless MSG_NOSIGNAL, and only if nothing was
 * sent by this call. */
static long stream_pipe_err(unsigned long sent, int flags)
{
	if (!sent && !(flags & KS_MSG_NOSIGNAL))
		ks_port_raise_sigpipe();
	return sent ? (long)sent : -KS_EPIPE;
}

/* Queues b at peer p; false if p can take no more data (b untouched). */
static bool stream_deliver(struct ks_unix_sock *p, struct ks_unix_buf *b)
{
	ks_mutex_lock(&p->sk.lock);
	if (p->dead || (p->sk.shutdown & KS_RCV_SHUTDOWN)) {
		ks_mutex_unlock(&p->sk.lock);
		return false;
	}
	ks_unix_queue_add_locked(p, b);
	bool wake = ks_waitq_active(&p->sk.rx_wait);
	ks_mutex_unlock(&p->sk.lock);
	if (wake)
		ks_waitq_wake_ev(&p->sk.rx_wait, KS_EV_IN);
	return true;
}

static unsigned stream_chunk(struct ks_unix_sock *u, unsigned long left)
{
	long half = (long)__atomic_load_n(&u->sk.sndbuf, __ATOMIC_RELAXED) / 2 - 64;
	unsigned long c = left;

	if (half > 0 && c > (unsigned long)half)
		c = (unsigned long)half;
	return c > KS_UNIX_STREAM_MAX ? KS_UNIX_STREAM_MAX : (unsigned)c;
}

/* The peer to write to, with a reference, or an error. */
/* The peer to write to (1: the pipe error), without a lock or a reference
 * of its own: a stream socket's peer is set once, at connect, and let go
 * only by the socket's release, which cannot run while the caller holds a
 * file reference on u; u's reference on the peer keeps it. */
static int stream_peer(struct ks_unix_sock *u, struct ks_msg *m, struct ks_unix_sock **out)
{
	if (m->namelen)
		return ks_unix_connected(u) ? -KS_EISCONN : -KS_EOPNOTSUPP;
	*out = __atomic_load_n(&u->peer, __ATOMIC_ACQUIRE);
	if (!*out)
		return -KS_ENOTCONN;
	if (__atomic_load_n(&u->sk.shutdown, __ATOMIC_ACQUIRE) & KS_SEND_SHUTDOWN)
		return 1;
	return 0;
}

/* Linux's queue_oob: the last byte of a MSG_OOB send becomes the peer's
 * urgent byte, in a buffer of its own at the end of the stream. */
static long stream_send_oob(struct ks_unix_sock *u, struct ks_unix_sock *p, struct ks_msg *m,
			    const struct ks_ucred *cred, struct ks_scm_rights **rights,
			    uint64_t *deadline)
{
	long err = ks_unix_wait_wmem(u, deadline);

	if (err)
		return err;
	struct ks_unix_buf *b = ks_unix_buf_alloc(u, 1);
	if (!b)
		return -KS_ENOBUFS;
	b->cred = *cred;
	if (*rights) {
		ks_unix_inflight(*rights, 1);
		b->rights = *rights;
		*rights = NULL;
	}
	err = ks_iter_copy_from(&m->it, b->data, 1);
	if (!err) {
		ks_mutex_lock(&p->sk.lock);
		if (p->dead || (p->sk.shutdown & KS_RCV_SHUTDOWN)) {
			err = -KS_EPIPE;
		} else {
			ks_unix_queue_add_locked(p, b);
			p->oob = b;
		}
		ks_mutex_unlock(&p->sk.lock);
	}
	if (err) {
		ks_unix_buf_free(b);
		return err;
	}
	ks_waitq_wake_ev(&p->sk.rx_wait, KS_EV_IN); /* no SIGURG: ksock has no F_SETOWN owner */
	return 0;
}

/*
 * Small writes are packed. Linux queues one skb per write; a write of up to
 * PACK_MAX bytes made while the writer still has data in flight (so the
 * reader is behind, and the peer's queue probably ends with the writer's
 * last buffer) goes into the tail buffer of the peer's queue when that has
 * room, or into a new buffer with room for more (PACK_CAP bytes). Each write
 * is still charged as the skb Linux would have made for it, and uncharged
 * when the reader has read all of it (rd_take), so SIOCOUTQ, the send-buffer
 * limit and the writer's wake-ups are Linux's; a read crosses from one write
 * to the next as it crosses skbs (same credentials only, never into or out
 * of a buffer carrying descriptors or the urgent byte).
 */
#define PACK_MAX 512u
#define PACK_CAP 1024u

static bool creds_equal(const struct ks_ucred *a, const struct ks_ucred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* Whether write n bytes from u with cred can go into p's tail buffer t. */
static bool pack_fits_locked(struct ks_unix_sock *p, struct ks_unix_buf *t, struct ks_unix_sock *u,
			     unsigned n, const struct ks_ucred *cred)
{
	return t && t->nseg && t->nseg < KS_UNIX_SEGS && t != p->oob && !t->rights &&
	       t->sender == u && t->size - (unsigned)sizeof(*t) - t->len >= n &&
	       creds_equal(&t->cred, cred);
}

/* Queues a small write of n bytes at p, packed (above), copying under p's
 * lock; 0, 1 if p can take no more data, or an error. */
static long stream_send_packed(struct ks_unix_sock *u, struct ks_unix_sock *p, struct ks_msg *m,
			       unsigned n, const struct ks_ucred *cred)
{
	struct ks_unix_buf *fresh = NULL; /* a new buffer not queued */
	long err = 0;

	ks_mutex_lock(&p->sk.lock);
	struct ks_unix_buf *t = p->rq.tail;
	if (p->dead || (p->sk.shutdown & KS_RCV_SHUTDOWN)) {
		err = 1;
	} else if (pack_fits_locked(p, t, u, n, cred)) {
		err = ks_iter_copy_from(&m->it, t->data + t->len, n);
		if (!err) {
			unsigned truesize = ks_unix_truesize(KS_SOCK_STREAM, n);
			ks_unix_charge(u, truesize);
			t->truesize += truesize;
			t->len += n;
			t->seg_end[t->nseg++] = (unsigned short)t->len;
			p->rq.bytes += n;
		}
	} else {
		/* Allocation and copy under the lock: no second lock round. */
		fresh = ks_unix_buf_alloc_cap(u, n, PACK_CAP);
		if (!fresh) {
			err = -KS_ENOBUFS;
		} else {
			fresh->cred = *cred;
			err = ks_iter_copy_from(&m->it, fresh->data, n);
			if (!err)
				ks_unix_queue_add_locked(p, fresh);
		}
	}
	bool wake = ks_waitq_active(&p->sk.rx_wait);
	ks_mutex_unlock(&p->sk.lock);
	if (err) {
		if (fresh)
			ks_unix_buf_free(fresh);
		return err;
	}
	if (wake)
		ks_waitq_wake_ev(&p->sk.rx_wait, KS_EV_IN);
	return 0;
}

/* Sends len bytes as buffers of at most stream_chunk(); returns the count
 * sent, with *errp the error that stopped it (1: the peer is gone). */
static unsigned long stream_send_data(struct ks_unix_sock *u, struct ks_unix_sock *p,
				      struct ks_msg *m, unsigned long len,
				      const struct ks_ucred *cred, struct ks_scm_rights **rights,
				      uint64_t *deadline, long *errp)
{
	unsigned long sent = 0;
	long err = 0;

	if (len && len <= PACK_MAX && !*rights &&
	    ks_unix_wmem(u) != 0) {
		err = ks_unix_wait_wmem(u, deadline);
		if (!err)
			err = stream_send_packed(u, p, m, (unsigned)len, cred);
		*errp = err;
		return err ? 0 : len;
	}
	while (sent < len) {
		unsigned n = stream_chunk(u, len - sent);
		err = ks_unix_wait_wmem(u, deadline);
		if (err)
			break;
		struct ks_unix_buf *b = ks_unix_buf_alloc(u, n);
		err = -KS_ENOBUFS;
		if (!b)
			break;
		b->cred = *cred;
		if (*rights) { /* descriptors travel with the first buffer only */
			ks_unix_inflight(*rights, 1);
			b->rights = *rights;
			*rights = NULL;
		}
		err = ks_iter_copy_from(&m->it, b->data, n);
		if (!err && !stream_deliver(p, b))
			err = 1;
		if (err) {
			ks_unix_buf_free(b);
			break;
		}
		sent += n;
	}
	*errp = err;
	return sent;
}

long ks_unix_stream_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_unix_sock *u = ks_unix(s), *p;
	struct ks_scm_rights *rights;
	struct ks_ucred cred;
	long err;

	int explicit_cred = ks_unix_scm_send(m, &cred, &rights);
	if (explicit_cred < 0)
		return explicit_cred;
	unsigned long len = m->it.left;
	bool oob = flags & KS_MSG_OOB;
	err = oob && len-- == 0 ? -KS_EOPNOTSUPP : stream_peer(u, m, &p);
	if (err) {
		ks_scm_rights_free(rights);
		return err == 1 ? stream_pipe_err(0, flags) : err;
	}
	ks_unix_cred_attach(u, p, explicit_cred, &cred);
	uint64_t deadline = ks_socket_deadline(s, false, flags);
	unsigned long sent = stream_send_data(u, p, m, len, &cred, &rights, &deadline, &err);
	if (!err && oob) {
		err = stream_send_oob(u, p, m, &cred, &rights, &deadline);
		if (!err)
			sent++;
		else if (err == -KS_EPIPE)
			err = 2; /* Linux: no SIGPIPE from the urgent byte */
	}
	if (rights) /* not sent: a zero-length write drops them, as Linux */
		ks_scm_rights_free(rights);
	if (err == 1 || err == -KS_EPIPE)
		return stream_pipe_err(sent, flags);
	if (err == 2)
		err = -KS_EPIPE;
	return sent ? (long)sent : err;
}

/* ---- receive ---- */

struct stream_rd {
	struct ks_unix_sock *u;
	struct ks_msg *m;
	int flags;
	unsigned long copied, target, size;
	unsigned long skip; /* MSG_PEEK: bytes already looked at */
	bool named, have_cred;
	struct ks_ucred cred;
	struct ks_scm_rights *rights; /* descriptors this read delivers */
	struct ks_unix_queue done;    /* buffers to free once unlocked */
};

static bool rd_ready(void *arg)
{
	struct stream_rd *r = arg;
	struct ks_unix_sock *u = r->u;

	return u->rq.bytes > r->skip || u->sk.err || (u->sk.shutdown & KS_RCV_SHUTDOWN) ||
	       !ks_unix_connected(u);
}

/* Takes b, the head of u's queue, off it, to be freed once unlocked. */
static void rd_retire(struct stream_rd *r, struct ks_unix_buf *b)
{
	KS_ASSERT(r->u->rq.head == b); /* not peeking: we read from the head */
	ks_unix_queue_pop_locked(r->u);
	if (r->done.tail)
		r->done.tail->next = b;
	else
		r->done.head = b;
	r->done.tail = b;
}

/*
 * The buffer holding byte r->skip of unread data, and the offset in it, as
 * Linux's manage_oob() sees the queue: a read stops at the urgent mark once
 * it has data; without SO_OOBINLINE the urgent byte itself is skipped (and
 * dropped unless peeking); the empty buffer left by a MSG_OOB read is a
 * boundary too. NULL: nothing (more) to read now; *stop says whether that is
 * a mark rather than an empty queue.
 */
static struct ks_unix_buf *rd_find(struct stream_rd *r, unsigned *off, bool *stop)
{
	struct ks_unix_sock *u = r->u;
	bool peek = r->flags & KS_MSG_PEEK;
	bool inline_oob = __atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) & KS_SF_OOBINLINE;
	unsigned long skip = r->skip;
	struct ks_unix_buf *b, *next;

	*stop = false;
	for (b = u->rq.head; b; b = next) {
		unsigned avail = b->len - b->off;
		next = b->next;
		if (avail == 0 || b == u->oob) {
			if (r->copied && (b == u->oob || (avail == 0 && !u->oob))) {
				*stop = true;
				return NULL;
			}
			if (avail == 0 || !inline_oob) {
				if (b == u->oob && !peek)
					u->oob = NULL;
				if (!peek)
					rd_retire(r, b);
				continue;
			}
			if (!peek)
				u->oob = NULL; /* read inline, as normal data */
		}
		if (skip < avail) {
			*off = b->off + (unsigned)skip;
			return b;
		}
		skip -= avail;
	}
	return NULL;
}

/* recv(MSG_OOB): the urgent byte, which stays queued as an empty buffer
 * (Linux's unix_stream_recv_urg). */
static long rd_urgent(struct ks_unix_sock *u, struct ks_msg *m, int flags)
{
	long err = 1;

	ks_mutex_lock(&u->sk.lock);
	struct ks_unix_buf *b = u->oob;
	if (!b || (__atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) & KS_SF_OOBINLINE)) {
		err = -KS_EINVAL;
	} else if (m->it.left) {
		if (ks_iter_copy_to(&m->it, &b->data[b->len - 1], 1)) {
			err = -KS_EFAULT;
		} else if (!(flags & KS_MSG_PEEK)) {
			u->oob = NULL;
			b->off = b->len;
			u->rq.bytes -= 1;
		}
	} else {
		err = 0;
	}
	ks_mutex_unlock(&u->sk.lock);
	if (err >= 0)
		m->flags_out |= KS_MSG_OOB;
	return err;
}

/* Uncharges the writes of b (partly read, not peeked) that are read
 * completely now, as Linux frees each skb once it is consumed. */
static void rd_uncharge_packed(struct ks_unix_buf *b)
{
	unsigned truesize = 0;

	while (b->segdone < b->nseg && b->seg_end[b->segdone] <= b->off) {
		unsigned start = b->segdone ? b->seg_end[b->segdone - 1] : 0;
		truesize += ks_unix_truesize(KS_SOCK_STREAM, b->seg_end[b->segdone] - start);
		b->segdone++;
	}
	if (!truesize)
		return;
	b->truesize -= truesize; /* the rest of b stays charged: wmem stays > 0 */
	ks_unix_uncharge(b->sender, truesize);
}

/* Copies from b at off; returns 0, 1 to stop the read, or -EFAULT. */
static int rd_take(struct stream_rd *r, struct ks_unix_buf *b, unsigned off)
{
	struct ks_unix_sock *u = r->u;
	bool peek = r->flags & KS_MSG_PEEK;

	if (__atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) & KS_SF_PASSCRED) {
		if (r->have_cred && !creds_equal(&r->cred, &b->cred))
			return 1; /* never glue data from different writers */
		r->cred = b->cred;
		r->have_cred = true;
	}
	if (!r->named) {
		if (r->m->name)
			ks_unix_copy_addr(b->sender, r->m);
		r->named = true;
	}
	unsigned long chunk = b->len - off;
	if (chunk > r->size)
		chunk = r->size;
	if (ks_iter_copy_to(&r->m->it, b->data + off, chunk))
		return -KS_EFAULT;
	r->copied += chunk;
	r->size -= chunk;
	if (peek) {
		r->skip += chunk;
		if (u->sk.peek_off >= 0)
			u->sk.peek_off += (int)chunk;
		if (!b->rights)
			return 0;
		r->rights = ks_scm_rights_dup(b->rights); /* a peeker gets its own */
		return 1;
	}
	b->off += (unsigned)chunk;
	u->rq.bytes -= chunk;
	if (b->nseg > 1 && b->off < b->len)
		rd_uncharge_packed(b);
	if (u->sk.peek_off > 0)
		u->sk.peek_off = u->sk.peek_off > (int)chunk ? u->sk.peek_off - (int)chunk : 0;
	struct ks_scm_rights *rights = b->rights;
	b->rights = NULL; /* delivered with the first byte read of b */
	if (b->off == b->len)
		rd_retire(r, b);
	if (!rights)
		return b->off == b->len ? 0 : 1;
	r->rights = rights;
	return 1; /* one set of descriptors per read, as Linux */
}

/* Sleeps for data with the socket lock dropped; returns 0 or
 * -EAGAIN/-EINTR. */
static int rd_wait(struct stream_rd *r, uint64_t deadline)
{
	return ks_wait_block(&r->u->sk.rx_wait, &r->u->sk.lock, deadline, rd_ready, r);
}

/* The read loop, with the socket lock held. */
static long rd_loop(struct stream_rd *r, uint64_t deadline)
{
	struct ks_unix_sock *u = r->u;
	long err = 0;
	unsigned off;

	do {
		bool stop;
		struct ks_unix_buf *b = rd_find(r, &off, &stop);
		if (!b) {
			if (stop || r->copied >= r->target)
				break;
			int e = ks_socket_take_error(&u->sk);
			if (e) {
				err = -e;
				break;
			}
			if (u->sk.shutdown & KS_RCV_SHUTDOWN)
				break;
			if (!deadline || (r->copied && (r->flags & KS_MSG_PEEK))) {
				err = -KS_EAGAIN;
				break;
			}
			deadline = ks_deadline_start(deadline); /* one for all the waits */
			err = rd_wait(r, deadline);
			if (err)
				break;
			continue;
		}
		int t = rd_take(r, b, off);
		if (t < 0 && !r->copied)
			err = t;
		if (t)
			break;
	} while (r->size);
	return r->copied ? (long)r->copied : err;
}

long ks_unix_stream_recvmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_unix_sock *u = ks_unix(s);
	struct stream_rd r = {.u = u, .m = m, .flags = flags, .size = m->it.left};

	if (!ks_unix_connected(u))
		return -KS_EINVAL;
	if (flags & KS_MSG_OOB)
		return rd_urgent(u, m, flags);
	uint64_t deadline = ks_socket_deadline(s, true, flags);
	ks_mutex_lock(&s->lock);
	r.target = (flags & KS_MSG_WAITALL) ? r.size
		   : (unsigned long)s->rcvlowat < r.size ? (unsigned long)s->rcvlowat : r.size;
	if (!r.target)
		r.target = 1;
	if ((flags & KS_MSG_PEEK) && s->peek_off >= 0)
		r.skip = (unsigned long)s->peek_off;
	long ret = rd_loop(&r, deadline);
	ks_mutex_unlock(&s->lock);
	if (r.done.head) {
		struct ks_socket *list = NULL;
		ks_unix_queue_purge(&r.done, &list);
		if (list)
			ks_unix_drain(&list);
	}
	if (r.rights && !(flags & KS_MSG_PEEK))
		ks_unix_inflight(r.rights, -1);
	if (ret >= 0) {
		ks_unix_scm_recv(u, m, &r.cred, r.rights, flags);
	} else if (r.rights) {
		ks_scm_rights_free(r.rights);
	}
	return ret;
}

unsigned ks_unix_stream_poll(struct ks_socket *s, struct ks_poll_table *pt)
{
	struct ks_unix_sock *u = ks_unix(s);
	unsigned mask = 0;

	ks_poll_wait(pt, s, &s->rx_wait);
	ks_poll_wait(pt, s, &s->tx_wait);
	ks_mutex_lock(&s->lock);
	if (__atomic_load_n(&s->err, __ATOMIC_ACQUIRE))
		mask |= KS_POLLERR;
	if (s->shutdown == KS_SHUTDOWN_MASK)
		mask |= KS_POLLHUP;
	if (s->shutdown & KS_RCV_SHUTDOWN)
		mask |= KS_POLLRDHUP | KS_POLLIN | KS_POLLRDNORM;
	if (u->rq.len)
		mask |= KS_POLLIN | KS_POLLRDNORM;
	if (u->oob)
		mask |= KS_POLLPRI;
	if (s->state == KS_SS_NEW || s->state == KS_SS_BOUND)
		mask |= KS_POLLHUP; /* not connected */
	if (s->state != KS_SS_LISTENING && ks_unix_writable(u))
		mask |= KS_POLLOUT | KS_POLLWRNORM | KS_POLLWRBAND;
	ks_mutex_unlock(&s->lock);
	return mask;
}

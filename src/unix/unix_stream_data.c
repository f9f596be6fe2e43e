/*
 * unix_stream_data.c - AF_UNIX stream send, receive and readiness, as
 * Linux's unix_stream_sendmsg / unix_stream_read_generic / unix_poll.
 *
 * Locking: send locks only the receiving peer to queue a buffer; receive
 * holds its own iolock for the whole call and its socket lock while it
 * touches the queue (dropping both to sleep).
 */
#include "unix.h"

#define KS_UNIX_STREAM_CHUNK 65536u

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
	ks_mutex_unlock(&p->sk.lock);
	ks_waitq_wake(&p->sk.rx_wait);
	return true;
}

static unsigned stream_chunk(struct ks_unix_sock *u, unsigned long left)
{
	long half = (long)__atomic_load_n(&u->sk.sndbuf, __ATOMIC_RELAXED) / 2 - 64;
	unsigned long c = left;

	if (half > 0 && c > (unsigned long)half)
		c = (unsigned long)half;
	return c > KS_UNIX_STREAM_CHUNK ? KS_UNIX_STREAM_CHUNK : (unsigned)c;
}

/* The peer to write to, with a reference, or an error. */
static int stream_peer(struct ks_unix_sock *u, struct ks_msg *m, struct ks_unix_sock **out)
{
	ks_mutex_lock(&u->sk.lock);
	int err = 0;
	if (m->namelen)
		err = ks_unix_connected(u) ? -KS_EISCONN : -KS_EOPNOTSUPP;
	else if (!u->peer)
		err = -KS_ENOTCONN;
	else
		ks_socket_hold(&u->peer->sk);
	*out = err ? NULL : u->peer;
	bool shut = u->sk.shutdown & KS_SEND_SHUTDOWN;
	ks_mutex_unlock(&u->sk.lock);
	if (!err && shut) {
		ks_socket_put(&(*out)->sk);
		return 1; /* pipe error */
	}
	return err;
}

long ks_unix_stream_sendmsg(struct ks_socket *s, struct ks_msg *m, int flags)
{
	struct ks_unix_sock *u = ks_unix(s), *p;
	struct ks_ucred cred;
	unsigned long sent = 0;
	long err;

	int explicit_cred = ks_unix_scm_send(m, &cred);
	if (explicit_cred < 0)
		return explicit_cred;
	if (flags & KS_MSG_OOB)
		return -KS_EOPNOTSUPP;
	err = stream_peer(u, m, &p);
	if (err == 1)
		return stream_pipe_err(0, flags);
	if (err)
		return err;
	ks_unix_cred_attach(u, p, explicit_cred, &cred);
	uint64_t deadline = ks_socket_deadline(s, false, flags);
	unsigned long len = m->it.left;
	while (sent < len) {
		unsigned n = stream_chunk(u, len - sent);
		err = ks_unix_wait_wmem(u, deadline);
		if (err)
			break;
		struct ks_unix_buf *b = ks_unix_buf_alloc(u, n);
		err = -KS_ENOBUFS;
		if (!b)
			break;
		b->cred = cred;
		err = ks_iter_copy_from(&m->it, b->data, n);
		if (!err && !stream_deliver(p, b))
			err = 1;
		if (err) {
			ks_unix_buf_free(b);
			break;
		}
		sent += n;
	}
	ks_socket_put(&p->sk);
	if (err == 1 || err == -KS_EPIPE)
		return stream_pipe_err(sent, flags);
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
};

static bool rd_ready(void *arg)
{
	struct stream_rd *r = arg;
	struct ks_unix_sock *u = r->u;

	return u->rq.bytes > r->skip || u->sk.err || (u->sk.shutdown & KS_RCV_SHUTDOWN) ||
	       !ks_unix_connected(u);
}

/* The buffer holding byte r->skip of unread data, and the offset in it. */
static struct ks_unix_buf *rd_find(struct stream_rd *r, unsigned *off)
{
	unsigned long skip = r->skip;

	for (struct ks_unix_buf *b = r->u->rq.head; b; b = b->next) {
		unsigned avail = b->len - b->off;
		if (skip < avail) {
			*off = b->off + (unsigned)skip;
			return b;
		}
		skip -= avail;
	}
	return NULL;
}

static bool creds_equal(const struct ks_ucred *a, const struct ks_ucred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* Copies from b at off; returns 0, 1 to stop the read, or -EFAULT. */
static int rd_take(struct stream_rd *r, struct ks_unix_buf *b, unsigned off)
{
	struct ks_unix_sock *u = r->u;
	bool peek = r->flags & KS_MSG_PEEK;

	if (u->sk.flags & KS_SF_PASSCRED) {
		if (r->have_cred && !creds_equal(&r->cred, &b->cred))
			return 1; /* never glue data from different writers */
		r->cred = b->cred;
		r->have_cred = true;
	}
	if (r->m->name && !r->named) {
		r->m->namelen = ks_unix_name_of(b->sender, r->m->name);
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
		return 0;
	}
	b->off += (unsigned)chunk;
	u->rq.bytes -= chunk;
	if (u->sk.peek_off > 0)
		u->sk.peek_off = u->sk.peek_off > (int)chunk ? u->sk.peek_off - (int)chunk : 0;
	if (b->off == b->len) {
		KS_ASSERT(u->rq.head == b); /* not peeking: we read from the head */
		ks_unix_queue_pop_locked(u);
		ks_unix_buf_free(b);
	}
	return 0;
}

/* Sleeps for data with neither lock held; returns 0 or -EAGAIN/-EINTR. */
static int rd_wait(struct stream_rd *r, uint64_t deadline)
{
	struct ks_unix_sock *u = r->u;

	ks_mutex_unlock(&u->iolock);
	int err = ks_wait_block(&u->sk.rx_wait, &u->sk.lock, deadline, rd_ready, r);
	ks_mutex_unlock(&u->sk.lock);
	ks_mutex_lock(&u->iolock);
	ks_mutex_lock(&u->sk.lock);
	return err;
}

/* The read loop, with iolock and the socket lock held. */
static long rd_loop(struct stream_rd *r, uint64_t deadline)
{
	struct ks_unix_sock *u = r->u;
	long err = 0;
	unsigned off;

	do {
		struct ks_unix_buf *b = rd_find(r, &off);
		if (!b) {
			if (r->copied >= r->target)
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
		return -KS_EINVAL; /* Linux, with no urgent byte pending */
	uint64_t deadline = ks_socket_deadline(s, true, flags);
	ks_mutex_lock(&u->iolock);
	ks_mutex_lock(&s->lock);
	r.target = (flags & KS_MSG_WAITALL) ? r.size
		   : (unsigned long)s->rcvlowat < r.size ? (unsigned long)s->rcvlowat : r.size;
	if (!r.target)
		r.target = 1;
	if ((flags & KS_MSG_PEEK) && s->peek_off >= 0)
		r.skip = (unsigned long)s->peek_off;
	long ret = rd_loop(&r, deadline);
	ks_mutex_unlock(&s->lock);
	ks_mutex_unlock(&u->iolock);
	if (r.have_cred && ret >= 0)
		ks_unix_put_creds(u, m, &r.cred);
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
	if (s->state == KS_SS_NEW || s->state == KS_SS_BOUND)
		mask |= KS_POLLHUP; /* not connected */
	if (s->state != KS_SS_LISTENING && ks_unix_writable(u))
		mask |= KS_POLLOUT | KS_POLLWRNORM | KS_POLLWRBAND;
	ks_mutex_unlock(&s->lock);
	return mask;
}

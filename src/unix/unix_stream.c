/*
 * unix_stream.c - connection set-up for AF_UNIX stream and seqpacket
 * sockets (listen, connect, accept), stream data and stream readiness.
 *
 * Connect creates the server-side endpoint at once (an "embryo"), connects
 * it to the caller and queues it on the listener, as Linux does; accept
 * takes it off. So a client may send before it is accepted, and the data
 * waits in the embryo's queue.
 *
 * A stream write is cut into buffers of at most half the send buffer; each
 * is queued at the peer as soon as it is filled, so a blocked writer has
 * already delivered what it could (partial writes). Small writes made while
 * the reader is behind are packed into the tail buffer, each still charged
 * as a buffer of its own (unix_stream_data.c). A read walks the
 * peer-filled queue, consuming whole and partial buffers.
 *
 * Locking: see unix.h. connect holds the listener's and the caller's locks
 * together (ks_unix_lock_two); waits for backlog room on the listener's
 * peer_wait with only the listener's lock (dropped while asleep).
 */
#include "unix.h"

int ks_unix_listen(struct ks_socket *s, int backlog)
{
	struct ks_unix_sock *u = ks_unix(s);
	int err = 0;

	if (!__atomic_load_n(&u->addr, __ATOMIC_ACQUIRE))
		return -KS_EINVAL; /* Linux: no listen on an unbound socket */
	ks_mutex_lock(&s->lock);
	if (s->state != KS_SS_BOUND && s->state != KS_SS_LISTENING) {
		err = -KS_EINVAL;
		goto out;
	}
	if (backlog > u->backlog)
		ks_waitq_wake_ev(&u->peer_wait, KS_EV_OUT);
	u->backlog = backlog;
	ks_unix_current_cred(&s->peercred); /* what connecting clients will see */
	ks_socket_set_state_locked(s, KS_SS_LISTENING);
out:
	ks_mutex_unlock(&s->lock);
	return err;
}

static bool backlog_ready(void *arg)
{
	struct ks_unix_sock *l = arg;

	return l->dead || l->sk.state != KS_SS_LISTENING || l->rq.len <= (unsigned)l->backlog;
}

/* Whether listener l (locked) refuses or has no room: 0 if a connection
 * may be queued now, 1 if the caller must wait, or an error. */
static int listener_check_locked(struct ks_unix_sock *l)
{
	if (l->sk.state != KS_SS_LISTENING || (l->sk.shutdown & KS_RCV_SHUTDOWN))
		return -KS_ECONNREFUSED;
	if (l->rq.len > (unsigned)l->backlog)
		return 1;
	return 0;
}

/* Links caller u, the embryo nu and listener l, all ready; u and l locked. */
static void connect_link_locked(struct ks_unix_sock *u, struct ks_unix_sock *nu,
				struct ks_unix_sock *l, struct ks_unix_buf *b)
{
	ks_mutex_lock(&nu->sk.lock); /* unreachable by anyone else yet */
	ks_socket_hold(&u->sk);
	__atomic_store_n(&nu->peer, u, __ATOMIC_RELEASE);
	__atomic_store_n(&nu->embryo, true, __ATOMIC_RELEASE);
	ks_unix_current_cred(&nu->sk.peercred);
	nu->addr = ks_unix_addr_get(l->addr);
	ks_socket_set_state_locked(&nu->sk, KS_SS_CONNECTED);
	ks_mutex_unlock(&nu->sk.lock);

	ks_socket_hold(&nu->sk);
	__atomic_store_n(&u->peer, nu, __ATOMIC_RELEASE);
	u->sk.peercred = l->sk.peercred;
	ks_socket_set_state_locked(&u->sk, KS_SS_CONNECTED);
	ks_unix_queue_add_locked(l, b);
}

/* One attempt: 0 done, 1 try again (after waiting if needed), or error. */
static int connect_try(struct ks_unix_sock *u, struct ks_unix_sock *l, struct ks_unix_buf *b,
		       uint64_t deadline)
{
	ks_mutex_lock(&l->sk.lock);
	int st = l->dead ? 1 : listener_check_locked(l);
	if (st == 1 && !l->dead) {
		if (!deadline)
			st = -KS_EAGAIN;
		else if ((st = ks_wait_block(&l->peer_wait, &l->sk.lock, deadline,
					     backlog_ready, l)) == 0)
			st = 1;
	}
	ks_mutex_unlock(&l->sk.lock);
	if (st != 0)
		return st;

	ks_unix_lock_two(u, l);
	st = l->dead ? 1 : listener_check_locked(l);
	if (st == 0) {
		if (u->sk.state == KS_SS_CONNECTED || u->sk.state == KS_SS_CLOSING)
			st = -KS_EISCONN;
		else if (u->sk.state != KS_SS_NEW && u->sk.state != KS_SS_BOUND)
			st = -KS_EINVAL;
		else
			connect_link_locked(u, b->embryo, l, b);
	}
	ks_unix_unlock_two(u, l);
	if (st == 0)
		ks_waitq_wake_ev(&l->sk.rx_wait, KS_EV_IN);
	return st;
}

int ks_unix_stream_connect(struct ks_socket *s, struct ks_sockaddr_storage *sa, unsigned len)
{
	struct ks_unix_sock *u = ks_unix(s), *l, *nu;
	int err = ks_unix_validate_addr(sa, len);

	if (err)
		return err;
	if ((__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_PASSCRED) && !u->addr) {
		err = ks_unix_autobind(u);
		if (err)
			return err;
	}
	nu = ks_unix_new(s->type, 0);
	if (!nu)
		return -KS_ENOMEM;
	struct ks_unix_buf *b = ks_unix_buf_alloc(nu, 0);
	if (!b) {
		ks_socket_file_put(&nu->sk);
		return -KS_ENOMEM;
	}
	b->embryo = nu; /* the queue now owns the embryo's file reference */
	/* Started now: the attempts below share it. */
	uint64_t deadline = ks_deadline_start(ks_socket_deadline(s, false, 0));
	do {
		err = ks_unix_find(sa, len, s->type, &l);
		if (err)
			break;
		err = connect_try(u, l, b, deadline);
		ks_socket_put(&l->sk);
	} while (err == 1);
	if (err)
		ks_unix_buf_free(b);
	return err;
}

static bool accept_ready(void *arg)
{
	struct ks_unix_sock *u = arg;

	return u->rq.head || u->sk.state != KS_SS_LISTENING || (u->sk.shutdown & KS_RCV_SHUTDOWN);
}

int ks_unix_accept(struct ks_socket *s, struct ks_socket **out, bool nonblock)
{
	struct ks_unix_sock *u = ks_unix(s), *nu;
	struct ks_unix_buf *b = NULL;
	int err;

	ks_mutex_lock(&s->lock);
	if (s->state != KS_SS_LISTENING) {
		ks_mutex_unlock(&s->lock);
		return -KS_EINVAL;
	}
	uint64_t deadline = ks_socket_deadline(s, true, nonblock ? KS_MSG_DONTWAIT : 0);
	err = ks_wait_block(&s->rx_wait, &s->lock, deadline, accept_ready, u);
	if (!err) {
		b = ks_unix_queue_pop_locked(u);
		if (!b)
			err = -KS_EINVAL; /* shut down or no longer listening */
	}
	ks_mutex_unlock(&s->lock);
	if (err)
		return err;
	ks_waitq_wake_ev(&u->peer_wait, KS_EV_OUT);
	nu = b->embryo;
	b->embryo = NULL;
	ks_unix_buf_free(b);
	ks_mutex_lock(&nu->sk.lock);
	__atomic_store_n(&nu->embryo, false, __ATOMIC_RELEASE);
	ks_mutex_unlock(&nu->sk.lock);
	/* Linux's unix_sock_inherit_flags, at accept time. */
	unsigned inherit = __atomic_load_n(&s->flags, __ATOMIC_RELAXED) &
			   (KS_SF_PASSCRED | KS_SF_PASSSEC);
	__atomic_or_fetch(&nu->sk.flags, inherit, __ATOMIC_RELAXED);
	*out = &nu->sk;
	return 0;
}

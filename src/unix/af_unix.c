/*
 * af_unix.c - the AF_UNIX family: creation, the three ops tables, close,
 * shutdown, names, ioctl, control messages and the socket-table row.
 *
 * Interface: ks_unix_init() registers the family. Everything else is
 * reached through the ops tables below.
 *
 * Locking: see unix.h. Release locks the closing socket, then (separately)
 * its peer; never both at once.
 */
#include "unix.h"

#include "../core/scm.h"

void ks_unix_addr_init(void);

static int unix_create(int type, int protocol, struct ks_socket **out);

const struct ks_family ks_unix_family = {
	.domain = KS_AF_UNIX,
	.name = "local",
	.create = unix_create,
	.file_dropped = ks_unix_file_dropped,
};

int ks_unix_init(void)
{
	ks_unix_addr_init();
	ks_unix_gc_init();
	return ks_family_register(&ks_unix_family);
}

static int unix_create(int type, int protocol, struct ks_socket **out)
{
	/* Linux's unix_create: protocol 0 or PF_UNIX, then the type. */
	if (protocol && protocol != KS_AF_UNIX)
		return -KS_EPROTONOSUPPORT;
	switch (type) {
	case KS_SOCK_STREAM:
	case KS_SOCK_DGRAM:
	case KS_SOCK_SEQPACKET:
		break;
	case KS_SOCK_RAW:
		type = KS_SOCK_DGRAM; /* Linux treats a raw unix socket as datagram */
		break;
	default:
		return -KS_ESOCKTNOSUPPORT;
	}
	/* The protocol is not kept: SO_PROTOCOL reads 0, as on Linux. */
	struct ks_unix_sock *u = ks_unix_new(type, 0);
	if (!u)
		return -KS_ENOMEM;
	*out = &u->sk;
	return 0;
}

struct ks_unix_sock *ks_unix_new(int type, int protocol)
{
	const struct ks_sock_ops *ops = type == KS_SOCK_STREAM ? &ks_unix_stream_ops
					: type == KS_SOCK_DGRAM	 ? &ks_unix_dgram_ops
								 : &ks_unix_seqpacket_ops;
	struct ks_unix_sock *u = (struct ks_unix_sock *)ks_socket_alloc(
		sizeof(*u), &ks_unix_family, ops, type, protocol);

	if (!u)
		return NULL;
	ks_waitq_init(&u->peer_wait);
	u->wmem = KS_UNIX_WMEM_OPEN;
	ks_socket_hold(&u->sk); /* wmem's, until release and the last uncharge */
	/* Linux's sk_max_ack_backlog: the datagram queue limit until listen()
	 * sets the connection backlog. */
	u->backlog = ks_tunables.unix_max_dgram_qlen;
	return u;
}

void ks_unix_lock_two(struct ks_unix_sock *a, struct ks_unix_sock *b)
{
	if (a == b) {
		ks_mutex_lock(&a->sk.lock);
		return;
	}
	if ((unsigned long)a > (unsigned long)b) {
		struct ks_unix_sock *t = a;
		a = b;
		b = t;
	}
	ks_mutex_lock(&a->sk.lock);
	ks_mutex_lock(&b->sk.lock);
}

void ks_unix_unlock_two(struct ks_unix_sock *a, struct ks_unix_sock *b)
{
	ks_mutex_unlock(&a->sk.lock);
	if (a != b)
		ks_mutex_unlock(&b->sk.lock);
}

void ks_unix_current_cred(struct ks_ucred *c)
{
	c->pid = ks_port_pid();
	c->uid = ks_port_uid();
	c->gid = ks_port_gid();
}

/* The peer of a closing connection-oriented socket: no more data either
 * way; ECONNRESET if the closer left data unread or was never accepted. */
static void release_tell_peer(struct ks_unix_sock *peer, bool reset)
{
	ks_mutex_lock(&peer->sk.lock);
	__atomic_store_n(&peer->sk.shutdown, KS_SHUTDOWN_MASK, __ATOMIC_RELEASE);
	if (reset)
		__atomic_store_n(&peer->sk.err, KS_ECONNRESET, __ATOMIC_RELEASE);
	if (peer->sk.state == KS_SS_CONNECTED)
		ks_socket_set_state_locked(&peer->sk, KS_SS_CLOSING);
	else
		ks_socket_set_state_locked(&peer->sk, peer->sk.state);
	ks_mutex_unlock(&peer->sk.lock);
}

void ks_unix_release_one(struct ks_unix_sock *u, struct ks_socket **list)
{
	struct ks_socket *s = &u->sk;
	struct ks_unix_queue q;

	ks_unix_unhash(u);
	ks_mutex_lock(&s->lock);
	struct ks_unix_sock *peer = u->peer;
	bool reset = u->rq.len != 0 || u->embryo;
	__atomic_store_n(&u->peer, NULL, __ATOMIC_RELEASE);
	u->dead = true;
	__atomic_store_n(&s->shutdown, KS_SHUTDOWN_MASK, __ATOMIC_RELEASE);
	q = u->rq;
	u->rq.head = u->rq.tail = NULL;
	u->rq.bytes = 0;
	u->rq.len = 0;
	u->oob = NULL;
	ks_socket_set_state_locked(s, KS_SS_CLOSED);
	ks_mutex_unlock(&s->lock);
	ks_waitq_wake_ev(&u->peer_wait, KS_EV_OUT);

	if (peer) {
		if (s->ops->caps & KS_CAP_CONNECTION)
			release_tell_peer(peer, reset);
		ks_waitq_wake_ev(&peer->peer_wait, KS_EV_OUT);
		ks_socket_put(&peer->sk);
	}
	/* A listener's embryos and any descriptors in flight go onto list. */
	ks_unix_queue_purge(&q, list);
	/* No more charges: wmem's reference goes with the last uncharge. */
	if (__atomic_sub_fetch(&u->wmem, KS_UNIX_WMEM_OPEN, __ATOMIC_ACQ_REL) == 0)
		ks_socket_put(s);
}

void ks_unix_release(struct ks_socket *s)
{
	struct ks_socket *list = NULL;

	ks_unix_release_one(ks_unix(s), &list);
	ks_unix_drain(&list);
}

void ks_unix_destroy(struct ks_socket *s)
{
	struct ks_unix_sock *u = ks_unix(s);

	KS_ASSERT(u->rq.len == 0 && u->peer == NULL);
	KS_ASSERT(__atomic_load_n(&u->wmem, __ATOMIC_ACQUIRE) == 0);
	ks_unix_addr_put(u->addr);
	ks_waitq_destroy(&u->peer_wait);
	ks_socket_free(s, sizeof(*u));
}

int ks_unix_socketpair(struct ks_socket *a, struct ks_socket *b)
{
	struct ks_unix_sock *ua = ks_unix(a), *ub = ks_unix(b);
	struct ks_ucred me;

	ks_unix_current_cred(&me);
	ks_unix_lock_two(ua, ub);
	ks_socket_hold(a);
	ks_socket_hold(b);
	__atomic_store_n(&ua->peer, ub, __ATOMIC_RELEASE);
	__atomic_store_n(&ub->peer, ua, __ATOMIC_RELEASE);
	a->peercred = b->peercred = me;
	ks_socket_set_state_locked(a, KS_SS_CONNECTED);
	ks_socket_set_state_locked(b, KS_SS_CONNECTED);
	ks_unix_unlock_two(ua, ub);
	return 0;
}

unsigned ks_unix_name_of(struct ks_unix_sock *who, struct ks_sockaddr_storage *out)
{
	/* A name is set once and freed with its socket: the caller's reference
	 * on who keeps it. */
	struct ks_unix_addr *a = __atomic_load_n(&who->addr, __ATOMIC_ACQUIRE);

	if (!a) {
		out->ss_family = KS_AF_UNIX;
		return KS_UNIX_SUN_OFF;
	}
	__builtin_memcpy(out, &a->sun, a->len);
	return a->len;
}

void ks_unix_copy_addr(struct ks_unix_sock *from, struct ks_msg *m)
{
	/* Linux's unix_copy_addr: an unnamed sender leaves msg_namelen 0. */
	if (!m->name)
		return;
	if (__atomic_load_n(&from->addr, __ATOMIC_ACQUIRE))
		m->namelen = ks_unix_name_of(from, m->name);
	else
		m->namelen = 0;
}

int ks_unix_getname(struct ks_socket *s, struct ks_sockaddr_storage *out, bool peer)
{
	struct ks_unix_sock *u = ks_unix(s), *who = u;

	ks_mutex_lock(&s->lock);
	if (peer)
		who = u->peer;
	if (who)
		ks_socket_hold(&who->sk);
	ks_mutex_unlock(&s->lock);
	if (!who)
		return -KS_ENOTCONN;
	int len = (int)ks_unix_name_of(who, out);
	ks_socket_put(&who->sk);
	return len;
}

int ks_unix_shutdown(struct ks_socket *s, int how)
{
	struct ks_unix_sock *u = ks_unix(s), *peer;

	if (how < KS_SHUT_RD || how > KS_SHUT_RDWR)
		return -KS_EINVAL;
	unsigned mode = (unsigned)how + 1; /* SHUT_RD -> RCV, SHUT_WR -> SEND */
	ks_mutex_lock(&s->lock);
	__atomic_or_fetch(&s->shutdown, (unsigned char)mode, __ATOMIC_RELEASE);
	peer = u->peer;
	if (peer)
		ks_socket_hold(&peer->sk);
	ks_socket_set_state_locked(s, s->state); /* wakes every waiter */
	ks_mutex_unlock(&s->lock);
	if (!peer)
		return 0;
	if (s->ops->caps & KS_CAP_CONNECTION) {
		unsigned pm = ((mode & KS_RCV_SHUTDOWN) ? KS_SEND_SHUTDOWN : 0) |
			      ((mode & KS_SEND_SHUTDOWN) ? KS_RCV_SHUTDOWN : 0);
		ks_mutex_lock(&peer->sk.lock);
		__atomic_or_fetch(&peer->sk.shutdown, (unsigned char)pm, __ATOMIC_RELEASE);
		ks_socket_set_state_locked(&peer->sk, peer->sk.state);
		ks_mutex_unlock(&peer->sk.lock);
	}
	ks_socket_put(&peer->sk);
	return 0;
}

int ks_unix_ioctl(struct ks_socket *s, unsigned long req, void *uarg)
{
	struct ks_unix_sock *u = ks_unix(s);
	int amount;

	switch (req) {
	case KS_SIOCOUTQ:
		amount = (int)ks_unix_wmem(u);
		break;
	case KS_SIOCINQ:
		ks_mutex_lock(&s->lock);
		if (s->state == KS_SS_LISTENING)
			amount = -1;
		else if (s->type == KS_SOCK_DGRAM)
			amount = u->rq.head ? (int)u->rq.head->len : 0;
		else
			amount = (int)u->rq.bytes;
		ks_mutex_unlock(&s->lock);
		if (amount < 0)
			return -KS_EINVAL;
		break;
	case KS_SIOCATMARK:
		ks_mutex_lock(&s->lock);
		amount = u->rq.head && u->rq.head == u->oob;
		ks_mutex_unlock(&s->lock);
		break;
	default:
		return -KS_ENOIOCTLCMD;
	}
	return ks_port_copy_to_user(uarg, &amount, sizeof(amount));
}

void ks_unix_describe(struct ks_socket *s, struct ks_sock_info *out)
{
	struct ks_unix_sock *u = ks_unix(s);
	struct ks_unix_sock *peer = __atomic_load_n(&u->peer, __ATOMIC_ACQUIRE);

	ks_unix_addr_text(__atomic_load_n(&u->addr, __ATOMIC_ACQUIRE), out->local,
			  sizeof(out->local));
	if (peer)
		ks_unix_addr_text(__atomic_load_n(&peer->addr, __ATOMIC_ACQUIRE), out->peer,
				  sizeof(out->peer));
	if (peer && !out->peer[0]) {
		out->peer[0] = '#';
		out->peer[1] = 0;
	}
	out->recv_q = __atomic_load_n(&u->rq.bytes, __ATOMIC_RELAXED);
	out->send_q = (unsigned long)ks_unix_wmem(u);
}

/* ---- control messages ---- */

static bool cred_ok(const struct ks_ucred *c)
{
	/* An unprivileged Linux process may only claim its own credentials. */
	struct ks_ucred me;

	ks_unix_current_cred(&me);
	if (me.uid == 0)
		return true;
	return c->pid == me.pid && c->uid == me.uid && c->gid == me.gid;
}

/* One SOL_SOCKET control message of the sender; c is complete. */
static int scm_one(const struct ks_cmsghdr *c, struct ks_ucred *cred, int *explicit_cred,
		   struct ks_scm_rights **rights)
{
	const unsigned long hdr = KS_CMSG_ALIGN(sizeof(struct ks_cmsghdr));

	switch (c->cmsg_type) {
	case KS_SCM_RIGHTS: {
		long n = (long)(c->cmsg_len - hdr) / (long)sizeof(int);
		return n > 0 ? ks_scm_rights_add(rights, (const int *)((const char *)c + hdr),
						 (unsigned)n)
			     : 0;
	}
	case KS_SCM_CREDENTIALS:
		if (c->cmsg_len != KS_CMSG_LEN(sizeof(struct ks_ucred)))
			return -KS_EINVAL;
		__builtin_memcpy(cred, (const char *)c + hdr, sizeof(*cred));
		if (cred->uid == 0xffffffffu || cred->gid == 0xffffffffu)
			return -KS_EINVAL; /* not a valid id */
		if (!cred_ok(cred))
			return -KS_EPERM;
		*explicit_cred = 1;
		return ks_port_pid_alive(cred->pid); /* Linux: ESRCH for no such process */
	default:
		return -KS_EINVAL;
	}
}

int ks_unix_scm_send_parse(struct ks_msg *m, struct ks_ucred *cred,
			   struct ks_scm_rights **rights)
{
	unsigned long off = 0;
	int explicit_cred = 0;

	*rights = NULL;
	while (off + sizeof(struct ks_cmsghdr) <= m->controllen) {
		const struct ks_cmsghdr *c = (const struct ks_cmsghdr *)((char *)m->control + off);
		int err = 0;
		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > m->controllen - off)
			err = -KS_EINVAL;
		else if (c->cmsg_level == KS_SOL_SOCKET)
			err = scm_one(c, cred, &explicit_cred, rights);
		if (err) {
			ks_scm_rights_free(*rights);
			*rights = NULL;
			return err;
		}
		off += KS_CMSG_ALIGN(c->cmsg_len);
	}
	return explicit_cred;
}

void ks_unix_scm_recv_put(struct ks_unix_sock *u, struct ks_msg *m, const struct ks_ucred *cred,
			  struct ks_scm_rights *rights, int flags)
{
	if (__atomic_load_n(&u->sk.flags, __ATOMIC_RELAXED) & KS_SF_PASSCRED)
		ks_scm_put(m, KS_SOL_SOCKET, KS_SCM_CREDENTIALS, cred, sizeof(*cred));
	if (rights)
		ks_scm_put_rights(m, rights, flags);
}

/* ---- the ops tables ---- */

const struct ks_sock_ops ks_unix_stream_ops = {
	.caps = KS_CAP_CONNECTION | KS_CAP_LISTEN,
	.release = ks_unix_release,
	.destroy = ks_unix_destroy,
	.bind = ks_unix_bind,
	.connect = ks_unix_stream_connect,
	.socketpair = ks_unix_socketpair,
	.listen = ks_unix_listen,
	.accept = ks_unix_accept,
	.getname = ks_unix_getname,
	.sendmsg = ks_unix_stream_sendmsg,
	.recvmsg = ks_unix_stream_recvmsg,
	.shutdown = ks_unix_shutdown,
	.setsockopt = ks_sock_no_setsockopt,
	.getsockopt = ks_sock_no_getsockopt,
	.ioctl = ks_unix_ioctl,
	.poll = ks_unix_stream_poll,
	.describe = ks_unix_describe,
};

const struct ks_sock_ops ks_unix_seqpacket_ops = {
	.caps = KS_CAP_CONNECTION | KS_CAP_LISTEN,
	.release = ks_unix_release,
	.destroy = ks_unix_destroy,
	.bind = ks_unix_bind,
	.connect = ks_unix_stream_connect,
	.socketpair = ks_unix_socketpair,
	.listen = ks_unix_listen,
	.accept = ks_unix_accept,
	.getname = ks_unix_getname,
	.sendmsg = ks_unix_seqpacket_sendmsg,
	.recvmsg = ks_unix_dgram_recvmsg,
	.shutdown = ks_unix_shutdown,
	.setsockopt = ks_sock_no_setsockopt,
	.getsockopt = ks_sock_no_getsockopt,
	.ioctl = ks_unix_ioctl,
	.poll = ks_unix_dgram_poll,
	.describe = ks_unix_describe,
};

const struct ks_sock_ops ks_unix_dgram_ops = {
	.caps = 0,
	.release = ks_unix_release,
	.destroy = ks_unix_destroy,
	.bind = ks_unix_bind,
	.connect = ks_unix_dgram_connect,
	.socketpair = ks_unix_socketpair,
	.listen = ks_sock_no_listen,
	.accept = ks_sock_no_accept,
	.getname = ks_unix_getname,
	.sendmsg = ks_unix_dgram_sendmsg,
	.recvmsg = ks_unix_dgram_recvmsg,
	.shutdown = ks_unix_shutdown,
	.setsockopt = ks_sock_no_setsockopt,
	.getsockopt = ks_sock_no_getsockopt,
	.ioctl = ks_unix_ioctl,
	.poll = ks_unix_dgram_poll,
	.describe = ks_unix_describe,
};

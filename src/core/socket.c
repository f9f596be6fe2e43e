/*
 * socket.c - the socket object: creation, the two reference counts, the
 * state machine, asynchronous errors, the family registry and the list of
 * all sockets.
 *
 * Locking: ks_registry_lock guards the family table's writers and the list
 * of all sockets (all_next/all_prev). It is taken inside socket locks
 * (ks_socket_free runs from ks_socket_put, which may be called with other
 * sockets locked), so nothing is locked inside it. See docs/locking.md.
 */
#include "socket.h"

struct ks_tunables ks_tunables = {
	.wmem_default = 212992,
	.wmem_max = 212992,
	.rmem_default = 212992,
	.rmem_max = 212992,
	.somaxconn = KS_SOMAXCONN,
	.unix_max_dgram_qlen = 10,
	.fd_limit = 1024,
};

long ks_stat_sockets_live;

static const struct ks_family *ks_families[KS_AF_MAX];
static struct ks_mutex ks_registry_lock;
static struct ks_socket *ks_all_sockets;
static unsigned long ks_next_id = 1;

void ks_registry_init(void)
{
	ks_mutex_init(&ks_registry_lock);
}

int ks_family_register(const struct ks_family *f)
{
	if (f->domain <= 0 || f->domain >= KS_AF_MAX)
		return -KS_EINVAL;
	ks_mutex_lock(&ks_registry_lock);
	int err = ks_families[f->domain] ? -KS_EEXIST : 0;
	if (!err)
		__atomic_store_n(&ks_families[f->domain], f, __ATOMIC_RELEASE);
	ks_mutex_unlock(&ks_registry_lock);
	return err;
}

const struct ks_family *ks_family_get(int domain)
{
	if (domain < 0 || domain >= KS_AF_MAX)
		return NULL;
	return __atomic_load_n(&ks_families[domain], __ATOMIC_ACQUIRE);
}

int ks_socket_create(int domain, int type, int protocol, struct ks_socket **out)
{
	/* The order of checks is Linux's __sock_create(). */
	if (domain < 0 || domain >= KS_AF_MAX)
		return -KS_EAFNOSUPPORT;
	if (type < 0 || type >= 11) /* SOCK_MAX */
		return -KS_EINVAL;
	const struct ks_family *f = ks_family_get(domain);
	if (!f)
		return -KS_EAFNOSUPPORT;
	int err = f->create(type, protocol, out);
	if (!err)
		__atomic_store_n(&(*out)->owner, ks_port_owner(), __ATOMIC_RELEASE);
	return err;
}

void ks_socket_accepted(struct ks_socket *listener, struct ks_socket *ns)
{
	__atomic_store_n(&ns->owner, __atomic_load_n(&listener->owner, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

struct ks_socket *ks_socket_alloc(size_t size, const struct ks_family *f,
				  const struct ks_sock_ops *ops, int type, int protocol)
{
	struct ks_socket *s = ks_port_alloc(size);

	if (!s)
		return NULL;
	__builtin_memset(s, 0, size);
	s->ops = ops;
	s->family = f;
	s->type = (short)type;
	s->protocol = (short)protocol;
	s->refs = 1;
	s->files = 1;
	s->state = KS_SS_NEW;
	s->sndbuf = ks_tunables.wmem_default;
	s->rcvbuf = ks_tunables.rmem_default;
	s->rcvlowat = 1;
	s->peek_off = -1;
	s->rcvtimeo = s->sndtimeo = KS_TIMEO_FOREVER;
	s->peercred.pid = 0;
	s->peercred.uid = 0xffffffffu; /* no peer credentials: Linux reports -1 */
	s->peercred.gid = 0xffffffffu;
	ks_mutex_init(&s->lock);
	ks_waitq_init(&s->rx_wait);
	ks_waitq_init(&s->tx_wait);

	ks_mutex_lock(&ks_registry_lock);
	s->id = ks_next_id++;
	s->all_next = ks_all_sockets;
	if (ks_all_sockets)
		ks_all_sockets->all_prev = s;
	ks_all_sockets = s;
	ks_mutex_unlock(&ks_registry_lock);
	__atomic_add_fetch(&ks_stat_sockets_live, 1, __ATOMIC_RELAXED);
	return s;
}

/* Takes s off the list of all sockets before its family frees anything, so
 * that a table walker (which holds the registry lock) never sees a socket
 * whose parts are being freed. */
static void socket_unlist(struct ks_socket *s)
{
	ks_mutex_lock(&ks_registry_lock);
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		ks_all_sockets = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	ks_mutex_unlock(&ks_registry_lock);
}

void ks_socket_free(struct ks_socket *s, size_t size)
{
	ks_waitq_destroy(&s->rx_wait);
	ks_waitq_destroy(&s->tx_wait);
	ks_mutex_destroy(&s->lock);
	__atomic_sub_fetch(&ks_stat_sockets_live, 1, __ATOMIC_RELAXED);
	ks_port_free(s, size);
}

void ks_socket_foreach(void (*fn)(struct ks_socket *s, void *arg), void *arg)
{
	ks_mutex_lock(&ks_registry_lock);
	for (struct ks_socket *s = ks_all_sockets; s; s = s->all_next)
		fn(s, arg);
	ks_mutex_unlock(&ks_registry_lock);
}

void ks_socket_hold(struct ks_socket *s)
{
	int old = __atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
	KS_ASSERT(old > 0);
}

void ks_socket_put(struct ks_socket *s)
{
	int left = __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	KS_ASSERT(left >= 0);
	if (left == 0) {
		socket_unlist(s);
		s->ops->destroy(s);
	}
}

bool ks_socket_file_drop(struct ks_socket *s)
{
	/* A socket none of whose references is in flight is never the
	 * collector's business: drop and be done. Otherwise, once our file
	 * reference is gone, another thread's collector may free s (its last
	 * references in flight, in garbage): hold the object across the hook
	 * that looks at it. (A reference put in flight by another thread at
	 * this very moment may be missed here; the next drop or close of a
	 * socket in flight runs the collector then.) */
	if (__atomic_load_n(&s->inflight, __ATOMIC_ACQUIRE) == 0) {
		int left = __atomic_sub_fetch(&s->files, 1, __ATOMIC_ACQ_REL);
		KS_ASSERT(left >= 0);
		return left == 0;
	}
	ks_socket_hold(s);
	int left = __atomic_sub_fetch(&s->files, 1, __ATOMIC_ACQ_REL);
	KS_ASSERT(left >= 0);
	if (left > 0)
		s->family->file_dropped(s);
	ks_socket_put(s);
	return left == 0;
}

bool ks_socket_file_tryget(struct ks_socket *s)
{
	int n = __atomic_load_n(&s->files, __ATOMIC_ACQUIRE);

	while (n > 0)
		if (__atomic_compare_exchange_n(&s->files, &n, n + 1, true, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

void ks_socket_file_put_slow(struct ks_socket *s)
{
	if (ks_socket_file_drop(s)) {
		s->ops->release(s);
		ks_socket_put(s); /* the reference the files held */
	}
}

/*
 * The transition table: allowed[from] has bit (1 << to) set for each legal
 * move. A move to the same state is always allowed (a re-listen, a datagram
 * socket connecting to a new peer).
 */
#define B(st) (1u << (st))
static const unsigned ks_allowed[KS_SS_COUNT] = {
	[KS_SS_NEW] = B(KS_SS_BOUND) | B(KS_SS_LISTENING) | B(KS_SS_CONNECTING) |
		      B(KS_SS_CONNECTED) | B(KS_SS_CLOSED),
	[KS_SS_BOUND] = B(KS_SS_LISTENING) | B(KS_SS_CONNECTING) | B(KS_SS_CONNECTED) |
			B(KS_SS_CLOSED),
	/* A TCP listener shut down (SHUT_RD) is an unconnected socket again. */
	[KS_SS_LISTENING] = B(KS_SS_CLOSED) | B(KS_SS_NEW) | B(KS_SS_BOUND),
	[KS_SS_CONNECTING] = B(KS_SS_CONNECTED) | B(KS_SS_NEW) | B(KS_SS_BOUND) |
			     B(KS_SS_CLOSING) | B(KS_SS_CLOSED),
	[KS_SS_CONNECTED] = B(KS_SS_CLOSING) | B(KS_SS_CLOSED) | B(KS_SS_NEW) | B(KS_SS_BOUND),
	[KS_SS_CLOSING] = B(KS_SS_CLOSED),
	[KS_SS_CLOSED] = 0,
};
#undef B

static const char *const ks_state_names[KS_SS_COUNT] = {
	[KS_SS_NEW] = "NEW",
	[KS_SS_BOUND] = "BOUND",
	[KS_SS_LISTENING] = "LISTEN",
	[KS_SS_CONNECTING] = "CONNECTING",
	[KS_SS_CONNECTED] = "ESTAB",
	[KS_SS_CLOSING] = "CLOSING",
	[KS_SS_CLOSED] = "CLOSED",
};

const char *ks_state_name(enum ks_state st)
{
	return (unsigned)st < KS_SS_COUNT ? ks_state_names[st] : "?";
}

void ks_socket_set_state_locked(struct ks_socket *s, enum ks_state to)
{
	KS_ASSERT_HELD(&s->lock);
	KS_ASSERT((unsigned)to < KS_SS_COUNT);
	if (s->state != to) {
		KS_ASSERT(ks_allowed[s->state] & (1u << to));
		__atomic_store_n(&s->state, to, __ATOMIC_RELEASE);
	}
	ks_waitq_wake(&s->rx_wait);
	ks_waitq_wake(&s->tx_wait);
}

void ks_socket_set_error(struct ks_socket *s, int err)
{
	__atomic_store_n(&s->err, err, __ATOMIC_RELEASE);
	ks_waitq_wake_ev(&s->rx_wait, KS_POLLERR);
	ks_waitq_wake_ev(&s->tx_wait, KS_POLLERR);
}

int ks_socket_take_error(struct ks_socket *s)
{
	if (__atomic_load_n(&s->err, __ATOMIC_ACQUIRE) == 0)
		return 0;
	return __atomic_exchange_n(&s->err, 0, __ATOMIC_ACQ_REL);
}

/* The rest of ks_socket_deadline (socket.h): a finite timeout, not yet
 * started (absurdly long ones are capped at about 292 years). */
uint64_t ks_socket_deadline_timeo(long ticks)
{
	const uint64_t max = (KS_DEADLINE_REL - 1) / (1000000000u / KS_HZ);

	if (ticks <= 0)
		return 0;
	uint64_t t = (uint64_t)ticks < max ? (uint64_t)ticks : max;
	return KS_DEADLINE_REL | (t * (1000000000u / KS_HZ));
}

/* ---- stubs for missing operations: Linux's sock_no_* results ---- */
int ks_sock_no_bind(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned l)
{
	(void)s, (void)a, (void)l;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_connect(struct ks_socket *s, struct ks_sockaddr_storage *a, unsigned l)
{
	(void)s, (void)a, (void)l;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_socketpair(struct ks_socket *a, struct ks_socket *b)
{
	(void)a, (void)b;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_listen(struct ks_socket *s, int backlog)
{
	(void)s, (void)backlog;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_accept(struct ks_socket *s, struct ks_socket **out, bool nonblock)
{
	(void)s, (void)out, (void)nonblock;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_setsockopt(struct ks_socket *s, int level, int name, const void *v, unsigned l)
{
	(void)s, (void)level, (void)name, (void)v, (void)l;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_getsockopt(struct ks_socket *s, int level, int name, void *v, unsigned *l)
{
	(void)s, (void)level, (void)name, (void)v, (void)l;
	return -KS_EOPNOTSUPP;
}

int ks_sock_no_ioctl(struct ks_socket *s, unsigned long req, void *uarg)
{
	(void)s, (void)req, (void)uarg;
	return -KS_ENOIOCTLCMD;
}

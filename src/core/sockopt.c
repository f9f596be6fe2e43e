/*
 * sockopt.c - setsockopt/getsockopt, with the SOL_SOCKET options every
 * family shares (Linux's sk_setsockopt/sk_getsockopt); other levels go to
 * the socket's ops.
 *
 * Values follow Linux exactly, visible quirks included: buffer sizes are
 * doubled and clamped, timeouts are kept in ticks of KS_HZ (so a read-back
 * shows the rounding), a negative timeout makes the calls nonblocking, and
 * SO_RCVLOWAT 0 means 1.
 *
 * Locking: the options marked [L] in socket.h are written under s->lock;
 * the atomic ones with __atomic stores.
 */
#include "uaccess.h"

#include <ksock/ksock.h>

#define KS_SO_PEERNAME 28
#define KS_SOCK_MIN_SNDBUF 4608 /* 2 * (2048 + sizeof an skb), as Linux */
#define KS_SOCK_MIN_RCVBUF 2304

/* Boolean options kept as KS_SF_* bits. */
static const struct {
	int name;
	unsigned bit;
} ks_bool_opts[] = {
	{KS_SO_REUSEADDR, KS_SF_REUSEADDR}, {KS_SO_KEEPALIVE, KS_SF_KEEPALIVE},
	{KS_SO_PASSCRED, KS_SF_PASSCRED},   {KS_SO_BROADCAST, KS_SF_BROADCAST},
	{KS_SO_DONTROUTE, KS_SF_DONTROUTE}, {KS_SO_OOBINLINE, KS_SF_OOBINLINE},
	{KS_SO_DEBUG, KS_SF_DEBUG},         {KS_SO_NO_CHECK, KS_SF_NO_CHECK},
	{KS_SO_PASSSEC, KS_SF_PASSSEC},     {KS_SO_RXQ_OVFL, KS_SF_RXQ_OVFL},
};

static unsigned bool_opt_bit(int name)
{
	for (unsigned i = 0; i < sizeof(ks_bool_opts) / sizeof(ks_bool_opts[0]); i++)
		if (ks_bool_opts[i].name == name)
			return ks_bool_opts[i].bit;
	return 0;
}

static void set_flag(struct ks_socket *s, unsigned bit, bool on)
{
	if (on)
		__atomic_or_fetch(&s->flags, bit, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&s->flags, ~bit, __ATOMIC_RELAXED);
}

/* SO_RCVTIMEO_NEW's value: 64-bit fields on every ABI. */
struct ks_sock_timeval {
	long long tv_sec;
	long long tv_usec;
};

/* Linux's sock_set_timeout, for the old struct timeval or the new one. */
static int set_timeout(long *ticks, const void *uval, unsigned len, bool new_tv)
{
	struct ks_sock_timeval tv;
	long t;

	if (new_tv) {
		if (len < sizeof(tv))
			return -KS_EINVAL;
		if (ks_port_copy_from_user(&tv, uval, sizeof(tv)))
			return -KS_EFAULT;
	} else {
		struct ks_timeval old;
		if (len < sizeof(old))
			return -KS_EINVAL;
		if (ks_port_copy_from_user(&old, uval, sizeof(old)))
			return -KS_EFAULT;
		tv.tv_sec = old.tv_sec;
		tv.tv_usec = old.tv_usec;
	}
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -KS_EDOM;
	if (tv.tv_sec < 0) {
		t = 0; /* Linux: a negative timeout makes the call nonblocking */
	} else if ((tv.tv_sec == 0 && tv.tv_usec == 0) ||
		   tv.tv_sec >= KS_TIMEO_FOREVER / KS_HZ - 1) {
		t = KS_TIMEO_FOREVER;
	} else {
		long per_tick = 1000000 / KS_HZ;
		t = (long)tv.tv_sec * KS_HZ + ((long)tv.tv_usec + per_tick - 1) / per_tick;
	}
	__atomic_store_n(ticks, t, __ATOMIC_RELAXED);
	return 0;
}

static int set_bufsize(struct ks_socket *s, int name, int val)
{
	unsigned v = (unsigned)val;

	if (name == KS_SO_SNDBUF) {
		if (v > (unsigned)ks_tunables.wmem_max)
			v = (unsigned)ks_tunables.wmem_max;
		int b = (int)(v * 2) > KS_SOCK_MIN_SNDBUF ? (int)(v * 2) : KS_SOCK_MIN_SNDBUF;
		__atomic_store_n(&s->sndbuf, b, __ATOMIC_RELAXED);
		ks_waitq_wake_ev(&s->tx_wait, KS_EV_OUT);
	} else {
		if (v > (unsigned)ks_tunables.rmem_max)
			v = (unsigned)ks_tunables.rmem_max;
		if (v > 0x7fffffff / 2)
			v = 0x7fffffff / 2;
		int b = (int)(v * 2) > KS_SOCK_MIN_RCVBUF ? (int)(v * 2) : KS_SOCK_MIN_RCVBUF;
		__atomic_store_n(&s->rcvbuf, b, __ATOMIC_RELAXED);
	}
	return 0;
}

static int set_linger(struct ks_socket *s, const void *uval, unsigned len)
{
	struct ks_linger l;

	if (len < sizeof(l))
		return -KS_EINVAL;
	if (ks_port_copy_from_user(&l, uval, sizeof(l)))
		return -KS_EFAULT;
	ks_mutex_lock(&s->lock);
	if (l.l_onoff)
		s->linger_s = l.l_linger;
	ks_mutex_unlock(&s->lock);
	set_flag(s, KS_SF_LINGER, l.l_onoff != 0);
	return 0;
}

static int sol_socket_set(struct ks_socket *s, int name, const void *uval, unsigned len)
{
	int val;

	if (len < sizeof(int))
		return -KS_EINVAL;
	if (ks_port_copy_from_user(&val, uval, sizeof(val)))
		return -KS_EFAULT;
	unsigned bit = bool_opt_bit(name);
	if (bit) {
		set_flag(s, bit, val != 0);
		return 0;
	}
	switch (name) {
	case KS_SO_SNDBUF:
	case KS_SO_RCVBUF:
		return set_bufsize(s, name, val);
	case KS_SO_SNDBUFFORCE:
	case KS_SO_RCVBUFFORCE:
		return set_bufsize(s, name == KS_SO_SNDBUFFORCE ? KS_SO_SNDBUF : KS_SO_RCVBUF,
				   val < 0 ? 0 : val);
	case KS_SO_LINGER:
		return set_linger(s, uval, len);
	case KS_SO_RCVTIMEO:
	case KS_SO_RCVTIMEO_NEW:
		return set_timeout(&s->rcvtimeo, uval, len, name == KS_SO_RCVTIMEO_NEW);
	case KS_SO_SNDTIMEO:
	case KS_SO_SNDTIMEO_NEW:
		return set_timeout(&s->sndtimeo, uval, len, name == KS_SO_SNDTIMEO_NEW);
	case KS_SO_REUSEPORT:
		/* Linux's sk_setsockopt: only inet sockets may share ports. */
		if (val && s->family->domain != KS_AF_INET)
			return -KS_EOPNOTSUPP;
		set_flag(s, KS_SF_REUSEPORT, val != 0);
		return 0;
	case KS_SO_BSDCOMPAT:
		return 0;
	default:
		break;
	}
	ks_mutex_lock(&s->lock);
	int err = 0;
	switch (name) {
	case KS_SO_RCVLOWAT:
		s->rcvlowat = val < 0 ? 0x7fffffff : (val ? val : 1);
		break;
	case KS_SO_PRIORITY:
		s->priority = val;
		break;
	case KS_SO_MARK:
		s->mark = val;
		break;
	case KS_SO_PEEK_OFF:
		s->peek_off = val;
		break;
	default:
		err = -KS_ENOPROTOOPT;
	}
	ks_mutex_unlock(&s->lock);
	return err;
}

long ks_sys_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
	struct ks_socket *s;
	long err = ks_sock_lookup(fd, &s);

	if (err)
		return err;
	if ((int)len < 0)
		err = -KS_EINVAL;
	else if (level == KS_SOL_SOCKET)
		err = sol_socket_set(s, name, val, len);
	else
		err = s->ops->setsockopt(s, level, name, val, len);
	ks_socket_file_put(s);
	return err;
}

/* The value of an option, as Linux's sk_getsockopt union: fills *v and
 * returns its length, or a negative error. */
union ks_optval {
	int val;
	struct ks_linger ling;
	struct ks_timeval tv;
	struct ks_sock_timeval stv;
	struct ks_ucred cred;
	struct ks_sockaddr_storage addr;
};

static int get_timeout(long ticks, union ks_optval *v, bool new_tv)
{
	long sec = 0, usec = 0;

	if (ticks != KS_TIMEO_FOREVER) {
		sec = ticks / KS_HZ;
		usec = (ticks % KS_HZ) * 1000000 / KS_HZ;
	}
	if (new_tv) {
		v->stv.tv_sec = sec;
		v->stv.tv_usec = usec;
		return sizeof(v->stv);
	}
	v->tv.tv_sec = sec;
	v->tv.tv_usec = usec;
	return sizeof(v->tv);
}

static int get_locked_opt(struct ks_socket *s, int name, union ks_optval *v)
{
	int lv = sizeof(int);

	ks_mutex_lock(&s->lock);
	switch (name) {
	case KS_SO_ACCEPTCONN: v->val = s->state == KS_SS_LISTENING; break;
	case KS_SO_RCVLOWAT: v->val = s->rcvlowat; break;
	case KS_SO_PRIORITY: v->val = s->priority; break;
	case KS_SO_MARK: v->val = s->mark; break;
	case KS_SO_PEEK_OFF: v->val = s->peek_off; break;
	case KS_SO_PEERCRED: v->cred = s->peercred; lv = sizeof(v->cred); break;
	case KS_SO_LINGER:
		v->ling.l_onoff = (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_LINGER) != 0;
		v->ling.l_linger = s->linger_s;
		lv = sizeof(v->ling);
		break;
	default: lv = -KS_ENOPROTOOPT;
	}
	ks_mutex_unlock(&s->lock);
	return lv;
}

static int sol_socket_get(struct ks_socket *s, int name, union ks_optval *v)
{
	unsigned bit = bool_opt_bit(name);

	if (bit) {
		v->val = (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & bit) != 0;
		return sizeof(int);
	}
	switch (name) {
	case KS_SO_TYPE: v->val = s->type; break;
	case KS_SO_PROTOCOL: v->val = s->protocol; break;
	case KS_SO_DOMAIN: v->val = s->family->domain; break;
	case KS_SO_ERROR: v->val = ks_socket_take_error(s); break;
	case KS_SO_SNDBUF: v->val = __atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED); break;
	case KS_SO_RCVBUF: v->val = __atomic_load_n(&s->rcvbuf, __ATOMIC_RELAXED); break;
	case KS_SO_SNDLOWAT: v->val = 1; break;
	case KS_SO_BSDCOMPAT: v->val = 0; break;
	case KS_SO_REUSEPORT:
		v->val = (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & KS_SF_REUSEPORT) != 0;
		break;
	case KS_SO_INCOMING_CPU: v->val = -1; break;
	case KS_SO_RCVTIMEO:
	case KS_SO_RCVTIMEO_NEW:
		return get_timeout(__atomic_load_n(&s->rcvtimeo, __ATOMIC_RELAXED), v,
				   name == KS_SO_RCVTIMEO_NEW);
	case KS_SO_SNDTIMEO:
	case KS_SO_SNDTIMEO_NEW:
		return get_timeout(__atomic_load_n(&s->sndtimeo, __ATOMIC_RELAXED), v,
				   name == KS_SO_SNDTIMEO_NEW);
	default: return get_locked_opt(s, name, v);
	}
	return sizeof(int);
}

/* SO_PEERNAME: the peer's address; the buffer must hold all of it. */
static int get_peername(struct ks_socket *s, union ks_optval *v, int len)
{
	int lv = s->ops->getname(s, &v->addr, true);

	if (lv < 0)
		return -KS_ENOTCONN;
	if (lv < len)
		return -KS_EINVAL;
	return lv;
}

static long sol_socket_getsockopt(struct ks_socket *s, int name, void *uval, unsigned *ulen)
{
	union ks_optval v;
	int len, lv;

	if (ks_port_copy_from_user(&len, ulen, sizeof(len)))
		return -KS_EFAULT;
	if (len < 0)
		return -KS_EINVAL;
	__builtin_memset(&v, 0, sizeof(v));
	lv = name == KS_SO_PEERNAME ? get_peername(s, &v, len) : sol_socket_get(s, name, &v);
	if (lv < 0)
		return lv;
	if (len > lv)
		len = lv;
	if (ks_port_copy_to_user(uval, &v, (size_t)len))
		return -KS_EFAULT;
	if (ks_port_copy_to_user(ulen, &len, sizeof(len)))
		return -KS_EFAULT;
	return 0;
}

long ks_sys_getsockopt(int fd, int level, int name, void *val, unsigned *len)
{
	struct ks_socket *s;
	long err = ks_sock_lookup(fd, &s);

	if (err)
		return err;
	if (level == KS_SOL_SOCKET)
		err = sol_socket_getsockopt(s, name, val, len);
	else
		err = s->ops->getsockopt(s, level, name, val, len);
	ks_socket_file_put(s);
	return err;
}

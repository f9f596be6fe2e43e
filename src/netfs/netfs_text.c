/*
 * netfs_text.c - the text files of /net: a socket's id, its status, its
 * addresses, and a family's addrs listing. Each is made once, when the
 * file is opened, into a buffer that grows as it is written.
 *
 * Interface: netfs_text_* (netfs_impl.h).
 *
 * Locking: status reads the [L] fields it shows under the socket's lock,
 * briefly; addresses come from ops->getname, queue sizes from
 * ops->describe (lock-free). No other lock is held meanwhile.
 * Ownership: a text's buffer belongs to it until netfs_text_free.
 */
#include "netfs_impl.h"

void netfs_text_put(struct netfs_text *t, const char *s, unsigned long n)
{
	if (t->err)
		return;
	if (t->len + n + 1 > t->cap) {
		unsigned long cap = t->cap ? t->cap : 128;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *nb = ks_port_alloc(cap);
		if (!nb) {
			t->err = -KS_ENOMEM;
			return;
		}
		if (t->len)
			__builtin_memcpy(nb, t->buf, t->len);
		ks_port_free(t->buf, t->cap);
		t->buf = nb;
		t->cap = cap;
	}
	__builtin_memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = 0;
}

void netfs_text_str(struct netfs_text *t, const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	netfs_text_put(t, s, n);
}

void netfs_text_num(struct netfs_text *t, unsigned long v)
{
	char d[24];
	int n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	netfs_text_put(t, d + n, sizeof(d) - (unsigned long)n);
}

void netfs_text_free(struct netfs_text *t)
{
	ks_port_free(t->buf, t->cap);
	t->buf = NULL;
	t->len = t->cap = 0;
}

int netfs_text_id(struct netfs_text *t, unsigned long id)
{
	netfs_text_num(t, id);
	netfs_text_str(t, "\n");
	return t->err;
}

/* Appends s's own or peer address in the typable syntax; false if it has
 * none (unnamed, or no peer). */
static bool put_addr(struct netfs_text *t, struct ks_socket *s, bool peer)
{
	struct ks_sockaddr_storage a;
	char buf[KS_NETFS_ADDR_TEXT];
	int len = s->ops->getname(s, &a, peer);

	if (len < 0)
		return false;
	unsigned long n = ks_netfs_addr_format(&a, (unsigned)len, buf, sizeof(buf));
	netfs_text_put(t, buf, n);
	return n != 0;
}

int netfs_text_addr(struct netfs_text *t, struct ks_socket *s, bool peer)
{
	if (put_addr(t, s, peer))
		netfs_text_str(t, "\n");
	return t->err;
}

static void put_line(struct netfs_text *t, const char *key, const char *val)
{
	netfs_text_str(t, key);
	netfs_text_str(t, " ");
	netfs_text_str(t, val);
	netfs_text_str(t, "\n");
}

static void put_num_line(struct netfs_text *t, const char *key, unsigned long v)
{
	netfs_text_str(t, key);
	netfs_text_str(t, " ");
	netfs_text_num(t, v);
	netfs_text_str(t, "\n");
}

static void put_addr_line(struct netfs_text *t, const char *key, struct ks_socket *s, bool peer)
{
	netfs_text_str(t, key);
	netfs_text_str(t, " ");
	if (!put_addr(t, s, peer))
		netfs_text_str(t, "-");
	netfs_text_str(t, "\n");
}

static const char *shutdown_name(unsigned sh)
{
	static const char *const names[] = {"none", "rd", "wr", "rdwr"};

	return names[sh & KS_SHUTDOWN_MASK];
}

int netfs_text_status(struct netfs_text *t, struct ks_socket *s, unsigned fam)
{
	struct ks_sock_info info;

	__builtin_memset(&info, 0, sizeof(info));
	s->ops->describe(s, &info);
	ks_mutex_lock(&s->lock);
	enum ks_state st = s->state;
	unsigned sh = s->shutdown;
	unsigned long lowat = (unsigned long)s->rcvlowat;
	ks_mutex_unlock(&s->lock);
	unsigned flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);

	put_num_line(t, "id", s->id);
	put_line(t, "family", netfs_families[fam].name);
	put_line(t, "type", netfs_type_name(fam, s->type));
	put_line(t, "state", ks_state_name(st));
	put_addr_line(t, "local", s, false);
	put_addr_line(t, "remote", s, true);
	put_num_line(t, "recv-q", info.recv_q);
	put_num_line(t, "send-q", info.send_q);
	put_line(t, "shutdown", shutdown_name(sh));
	put_num_line(t, "error", (unsigned long)__atomic_load_n(&s->err, __ATOMIC_ACQUIRE));
	put_num_line(t, "sndbuf", (unsigned long)__atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED));
	put_num_line(t, "rcvbuf", (unsigned long)__atomic_load_n(&s->rcvbuf, __ATOMIC_RELAXED));
	put_num_line(t, "rcvlowat", lowat);
	put_num_line(t, "nonblock", (unsigned long)__atomic_load_n(&s->nonblock, __ATOMIC_RELAXED));
	put_num_line(t, "passcred", (flags & KS_SF_PASSCRED) ? 1 : 0);
	put_num_line(t, "files", (unsigned long)__atomic_load_n(&s->files, __ATOMIC_RELAXED));
	return t->err;
}

/* Sorts by id, so that a listing reads in creation order. */
static void sort_by_id(struct ks_socket **v, unsigned long n)
{
	for (unsigned long i = 1; i < n; i++) {
		struct ks_socket *x = v[i];
		unsigned long j = i;
		for (; j > 0 && v[j - 1]->id > x->id; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* One addrs line: "<id> <type> <state> <local> <remote|->". */
static void addrs_line(struct netfs_text *t, struct ks_socket *s, unsigned fam)
{
	struct netfs_text name = {0};

	if (!put_addr(&name, s, false) || name.err) {
		t->err = t->err ? t->err : name.err;
		netfs_text_free(&name);
		return;
	}
	netfs_text_num(t, s->id);
	netfs_text_str(t, " ");
	netfs_text_str(t, netfs_type_name(fam, s->type));
	netfs_text_str(t, " ");
	netfs_text_str(t, ks_state_name(__atomic_load_n(&s->state, __ATOMIC_ACQUIRE)));
	netfs_text_str(t, " ");
	netfs_text_put(t, name.buf, name.len);
	netfs_text_str(t, " ");
	if (!put_addr(t, s, true))
		netfs_text_str(t, "-");
	netfs_text_str(t, "\n");
	netfs_text_free(&name);
}

int netfs_text_addrs(struct netfs_text *t, unsigned fam)
{
	struct ks_socket **socks;
	unsigned long n, cap;
	int err = netfs_socks_collect(fam, &socks, &n, &cap);

	if (err)
		return err;
	sort_by_id(socks, n);
	for (unsigned long i = 0; i < n; i++)
		addrs_line(t, socks[i], fam);
	for (unsigned long i = 0; i < n; i++)
		ks_socket_file_put(socks[i]);
	ks_port_free(socks, cap * sizeof(*socks));
	return t->err;
}

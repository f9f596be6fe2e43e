/*
 * unix_addr.c - AF_UNIX names: validation, bind (pathname, abstract,
 * autobind), lookup, and the tables of bound sockets.
 *
 * Two tables, as Linux has: pathname sockets by the node the port created
 * (its key), abstract sockets by (type, name bytes) -- Linux hashes the
 * type into an abstract name's bucket, so the same abstract name may be
 * bound once per socket type, and a lookup finds only its own type.
 *
 * Locking: ks_unix_table_lock guards both tables and every hash_next. It
 * is taken with a socket lock held (bind) or alone (lookup), never the
 * other way round. Lookups return a reference.
 */
#include "unix.h"

#define KS_UNIX_HASH 256

static struct ks_unix_sock *ks_unix_path_table[KS_UNIX_HASH];
static struct ks_unix_sock *ks_unix_abs_table[KS_UNIX_HASH];
static struct ks_mutex ks_unix_table_lock;
static unsigned ks_unix_autobind_next;

void ks_unix_addr_init(void);
void ks_unix_addr_init(void)
{
	ks_mutex_init(&ks_unix_table_lock);
	ks_port_random(&ks_unix_autobind_next, sizeof(ks_unix_autobind_next));
}

struct ks_unix_addr *ks_unix_addr_get(struct ks_unix_addr *a)
{
	if (a)
		__atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED);
	return a;
}

void ks_unix_addr_put(struct ks_unix_addr *a)
{
	if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0)
		ks_port_free(a, sizeof(*a));
}

static unsigned hash_bytes(const void *p, unsigned n, unsigned seed)
{
	const unsigned char *c = p;
	unsigned h = 2166136261u ^ seed;

	while (n--)
		h = (h ^ *c++) * 16777619u;
	return h % KS_UNIX_HASH;
}

static unsigned addr_hash(const struct ks_unix_addr *a, int type)
{
	if (a->abstract)
		return hash_bytes(&a->sun, a->len, (unsigned)type);
	return hash_bytes(&a->key, sizeof(a->key), 0);
}

static struct ks_unix_sock **table_of(const struct ks_unix_addr *a)
{
	return a->abstract ? ks_unix_abs_table : ks_unix_path_table;
}

static bool addr_match(const struct ks_unix_addr *x, const struct ks_unix_addr *y)
{
	if (x->abstract != y->abstract)
		return false;
	if (!x->abstract)
		return x->key.dev == y->key.dev && x->key.ino == y->key.ino;
	return x->len == y->len && __builtin_memcmp(&x->sun, &y->sun, x->len) == 0;
}

/* The socket bound to a (any type for pathnames), or NULL. Table lock held. */
static struct ks_unix_sock *table_find_locked(const struct ks_unix_addr *a, int type)
{
	KS_ASSERT_HELD(&ks_unix_table_lock);
	for (struct ks_unix_sock *u = table_of(a)[addr_hash(a, type)]; u; u = u->hash_next)
		if (addr_match(u->addr, a) && (!a->abstract || u->sk.type == type))
			return u;
	return NULL;
}

static void table_insert_locked(struct ks_unix_sock *u, struct ks_unix_addr *a)
{
	unsigned h = addr_hash(a, u->sk.type);

	u->hash_next = table_of(a)[h];
	table_of(a)[h] = u;
	__atomic_store_n(&u->addr, a, __ATOMIC_RELEASE);
	if (u->sk.state == KS_SS_NEW)
		ks_socket_set_state_locked(&u->sk, KS_SS_BOUND);
}

void ks_unix_unhash(struct ks_unix_sock *u)
{
	struct ks_unix_addr *a = u->addr;

	if (!a)
		return;
	ks_mutex_lock(&ks_unix_table_lock);
	struct ks_unix_sock **pp = &table_of(a)[addr_hash(a, u->sk.type)];
	for (; *pp; pp = &(*pp)->hash_next)
		if (*pp == u) {
			*pp = u->hash_next;
			break;
		}
	u->hash_next = NULL;
	ks_mutex_unlock(&ks_unix_table_lock);
}

int ks_unix_validate_addr(const struct ks_sockaddr_storage *a, unsigned len)
{
	if (len <= KS_UNIX_SUN_OFF || len > sizeof(struct ks_sockaddr_un))
		return -KS_EINVAL;
	if (a->ss_family != KS_AF_UNIX)
		return -KS_EINVAL;
	return 0;
}

/* A new name from a validated address: pathnames are cut at their first
 * NUL and their length recounted (Linux's unix_mkname_bsd). */
static struct ks_unix_addr *addr_make(const struct ks_sockaddr_storage *sa, unsigned len)
{
	struct ks_unix_addr *a = ks_port_alloc(sizeof(*a));

	if (!a)
		return NULL;
	__builtin_memset(a, 0, sizeof(*a));
	a->refs = 1;
	__builtin_memcpy(&a->sun, sa, len);
	a->abstract = a->sun.sun_path[0] == 0;
	if (a->abstract) {
		a->len = len;
	} else {
		unsigned n = 0;
		while (n < KS_UNIX_PATH_MAX && a->sun.sun_path[n])
			n++;
		a->len = KS_UNIX_SUN_OFF + n + 1;
	}
	return a;
}

static int bind_path(struct ks_unix_sock *u, struct ks_unix_addr *a)
{
	int err = ks_port_unix_mknod(a->sun.sun_path, &a->key);

	if (err)
		return err;
	ks_mutex_lock(&u->sk.lock);
	if (u->addr) {
		ks_mutex_unlock(&u->sk.lock);
		ks_port_unix_unlink(a->sun.sun_path);
		return -KS_EINVAL;
	}
	ks_mutex_lock(&ks_unix_table_lock);
	table_insert_locked(u, a);
	ks_mutex_unlock(&ks_unix_table_lock);
	ks_mutex_unlock(&u->sk.lock);
	return 0;
}

static int bind_abstract(struct ks_unix_sock *u, struct ks_unix_addr *a)
{
	int err = 0;

	ks_mutex_lock(&u->sk.lock);
	if (u->addr) {
		err = -KS_EINVAL;
		goto out;
	}
	ks_mutex_lock(&ks_unix_table_lock);
	if (table_find_locked(a, u->sk.type))
		err = -KS_EADDRINUSE;
	else
		table_insert_locked(u, a);
	ks_mutex_unlock(&ks_unix_table_lock);
out:
	ks_mutex_unlock(&u->sk.lock);
	return err;
}

int ks_unix_bind(struct ks_socket *s, struct ks_sockaddr_storage *sa, unsigned len)
{
	struct ks_unix_sock *u = ks_unix(s);

	if (len == KS_UNIX_SUN_OFF && sa->ss_family == KS_AF_UNIX)
		return ks_unix_autobind(u);
	int err = ks_unix_validate_addr(sa, len);
	if (err)
		return err;
	struct ks_unix_addr *a = addr_make(sa, len);
	if (!a)
		return -KS_ENOMEM;
	err = a->abstract ? bind_abstract(u, a) : bind_path(u, a);
	if (err)
		ks_port_free(a, sizeof(*a));
	return err;
}

/* "\0" and five hex digits, Linux's autobind name. */
static void autobind_name(struct ks_unix_addr *a, unsigned n)
{
	static const char hex[] = "0123456789abcdef";

	a->sun.sun_family = KS_AF_UNIX;
	a->sun.sun_path[0] = 0;
	for (int i = 5; i >= 1; i--, n >>= 4)
		a->sun.sun_path[i] = hex[n & 15];
	a->len = KS_UNIX_SUN_OFF + 6;
	a->abstract = true;
}

int ks_unix_autobind(struct ks_unix_sock *u)
{
	struct ks_unix_addr *a = ks_port_alloc(sizeof(*a));
	int err = -KS_ENOSPC;

	if (!a)
		return -KS_ENOMEM;
	__builtin_memset(a, 0, sizeof(*a));
	a->refs = 1;
	ks_mutex_lock(&u->sk.lock);
	if (u->addr) {
		err = 0;
		goto out;
	}
	ks_mutex_lock(&ks_unix_table_lock);
	for (unsigned tries = 0; tries <= 0xfffff; tries++) {
		unsigned n = __atomic_add_fetch(&ks_unix_autobind_next, 1, __ATOMIC_RELAXED);
		autobind_name(a, n & 0xfffff);
		if (!table_find_locked(a, u->sk.type)) {
			table_insert_locked(u, a);
			a = NULL;
			err = 0;
			break;
		}
	}
	ks_mutex_unlock(&ks_unix_table_lock);
out:
	ks_mutex_unlock(&u->sk.lock);
	if (a)
		ks_port_free(a, sizeof(*a));
	return err;
}

int ks_unix_find(const struct ks_sockaddr_storage *sa, unsigned len, int type,
		 struct ks_unix_sock **out)
{
	struct ks_unix_addr a;
	struct ks_unix_sock *u;
	int err = 0;

	__builtin_memset(&a, 0, sizeof(a));
	__builtin_memcpy(&a.sun, sa, len);
	a.abstract = a.sun.sun_path[0] == 0;
	a.len = len;
	if (!a.abstract) {
		err = ks_port_unix_lookup(a.sun.sun_path, &a.key);
		if (err)
			return err;
	}
	ks_mutex_lock(&ks_unix_table_lock);
	u = table_find_locked(&a, type);
	if (!u)
		err = -KS_ECONNREFUSED;
	else if (u->sk.type != type)
		err = -KS_EPROTOTYPE;
	else
		ks_socket_hold(&u->sk);
	ks_mutex_unlock(&ks_unix_table_lock);
	*out = err ? NULL : u;
	return err;
}

void ks_unix_addr_text(const struct ks_unix_addr *a, char *buf, unsigned n)
{
	unsigned i = 0, j = 0;

	if (!a || n == 0) {
		if (n)
			buf[0] = 0;
		return;
	}
	if (a->abstract) {
		buf[j++] = '@';
		i = 1;
	}
	unsigned plen = a->len - KS_UNIX_SUN_OFF;
	for (; i < plen && j + 1 < n && (a->abstract || a->sun.sun_path[i]); i++) {
		char c = a->sun.sun_path[i];
		buf[j++] = (c >= 32 && c < 127) ? c : '@';
	}
	buf[j] = 0;
}

/*
 * netfs_tree.c - the shape of /net: families and their factories, names,
 * inode numbers, and which sockets the caller may see.
 *
 * A node is resolved afresh on every walk and stat: a socket directory
 * exists while its socket has a file reference and belongs to the caller's
 * namespace (ks_port_owner()). Sockets are found by walking the list of all
 * sockets (ks_socket_foreach), which is O(sockets) per lookup; good enough
 * until a kernel has many thousands of sockets, when an id table is the
 * next step.
 *
 * Inode numbers: bits 0-4 the kind, bit 5 the ":nonblock" spelling, bits
 * 6-9 the family, bits 10-63 the socket id (a factory: its type index).
 * The root is kind 1 and nothing else, so its number is 1.
 *
 * Interface: ks_netfs_root, _walk, _stat, _ino, _node_of_ino (netfs.h);
 * the family table, netfs_sock_find and the collectors (netfs_impl.h).
 *
 * Locking: ks_socket_foreach holds the registry lock while the callbacks
 * here read ids, owners and file counts with atomic loads or take a file
 * reference with ks_socket_file_tryget; nothing else is locked.
 */
#include "netfs_impl.h"

static const struct netfs_type netfs_local_types[] = {
	{"stream", KS_SOCK_STREAM},
	{"dgram", KS_SOCK_DGRAM},
	{"seqpacket", KS_SOCK_SEQPACKET},
};

static const struct netfs_type netfs_inet_types[] = {
	{"stream", KS_SOCK_STREAM},
	{"dgram", KS_SOCK_DGRAM},
};

const struct netfs_family netfs_families[] = {
	{KS_AF_UNIX, "local", netfs_local_types, 3},
	{KS_AF_INET, "inet", netfs_inet_types, 2},
};
const unsigned netfs_nfamilies = sizeof(netfs_families) / sizeof(netfs_families[0]);

#define INO_NB_SHIFT 5
#define INO_FAM_SHIFT 6
#define INO_UPPER_SHIFT 10

bool netfs_family_present(unsigned fam)
{
	return fam < netfs_nfamilies && ks_family_get(netfs_families[fam].domain) != NULL;
}

const char *netfs_type_name(unsigned fam, int type)
{
	for (unsigned i = 0; fam < netfs_nfamilies && i < netfs_families[fam].ntypes; i++)
		if (netfs_families[fam].types[i].type == type)
			return netfs_families[fam].types[i].name;
	return "?";
}

static bool name_is(const char *name, unsigned long n, const char *s)
{
	unsigned long i = 0;

	for (; s[i]; i++)
		if (i >= n || name[i] != s[i])
			return false;
	return i == n;
}

/* ---- finding sockets ---- */

struct netfs_find {
	unsigned long id;
	uintptr_t owner;
	int domain;
	bool take;
	struct ks_socket *found;
};

static bool sock_mine(struct ks_socket *s, uintptr_t owner, int domain)
{
	return s->family->domain == domain &&
	       __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == owner &&
	       __atomic_load_n(&s->files, __ATOMIC_ACQUIRE) > 0;
}

static void find_cb(struct ks_socket *s, void *arg)
{
	struct netfs_find *f = arg;

	if (f->found || s->id != f->id || !sock_mine(s, f->owner, f->domain))
		return;
	if (!f->take || ks_socket_file_tryget(s))
		f->found = s;
}

int netfs_sock_find(unsigned fam, unsigned long id, struct ks_socket **out)
{
	struct netfs_find f = {id, ks_port_owner(), 0, out != NULL, NULL};

	if (!netfs_family_present(fam) || id == 0)
		return -KS_ENOENT;
	f.domain = netfs_families[fam].domain;
	ks_socket_foreach(find_cb, &f);
	if (!f.found)
		return -KS_ENOENT;
	if (out)
		*out = f.found;
	return 0;
}

/* One walk of the caller's live sockets of a family: counts them, or
 * stores up to cap of them (ids, or sockets with a file reference). */
struct netfs_collect {
	uintptr_t owner;
	int domain;
	unsigned long n, cap;
	unsigned long *ids;
	struct ks_socket **socks;
};

static void collect_cb(struct ks_socket *s, void *arg)
{
	struct netfs_collect *c = arg;

	if (!sock_mine(s, c->owner, c->domain))
		return;
	if (c->ids && c->n < c->cap)
		c->ids[c->n++] = s->id;
	else if (c->socks && c->n < c->cap && ks_socket_file_tryget(s))
		c->socks[c->n++] = s;
	else if (!c->ids && !c->socks)
		c->n++;
}

/* Counts, then allocates room for a few more (sockets made meanwhile are
 * left out: a snapshot). */
static int collect(unsigned fam, struct netfs_collect *c, unsigned long size, void **arr)
{
	c->owner = ks_port_owner();
	c->domain = netfs_families[fam].domain;
	c->n = 0;
	ks_socket_foreach(collect_cb, c);
	c->cap = c->n + 16;
	*arr = ks_port_alloc(c->cap * size);
	if (!*arr)
		return -KS_ENOMEM;
	c->n = 0;
	return 0;
}

int netfs_ids_collect(unsigned fam, unsigned long **ids, unsigned long *n, unsigned long *cap)
{
	struct netfs_collect c = {0};
	void *arr;
	int err = collect(fam, &c, sizeof(**ids), &arr);

	if (err)
		return err;
	c.ids = arr;
	ks_socket_foreach(collect_cb, &c);
	*ids = c.ids;
	*n = c.n;
	*cap = c.cap;
	return 0;
}

int netfs_socks_collect(unsigned fam, struct ks_socket ***socks, unsigned long *n,
			unsigned long *cap)
{
	struct netfs_collect c = {0};
	void *arr;
	int err = collect(fam, &c, sizeof(**socks), &arr);

	if (err)
		return err;
	c.socks = arr;
	ks_socket_foreach(collect_cb, &c);
	*socks = c.socks;
	*n = c.n;
	*cap = c.cap;
	return 0;
}

/* ---- names ---- */

void ks_netfs_root(struct ks_netfs_node *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	out->kind = KS_NETFS_ROOT;
}

static int walk_root(const char *name, unsigned long n, struct ks_netfs_node *out)
{
	for (unsigned f = 0; f < netfs_nfamilies; f++) {
		if (netfs_family_present(f) && name_is(name, n, netfs_families[f].name)) {
			out->kind = KS_NETFS_FAMILY;
			out->fam = (unsigned char)f;
			return 0;
		}
	}
	return -KS_ENOENT;
}

/* A socket id as its directory is named: decimal, no leading zero. */
static bool parse_id(const char *name, unsigned long n, unsigned long *id)
{
	unsigned long v = 0;

	if (n == 0 || n > 19 || name[0] == '0')
		return false;
	for (unsigned long i = 0; i < n; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	*id = v;
	return true;
}

static int walk_family(unsigned fam, const char *name, unsigned long n, struct ks_netfs_node *out)
{
	const struct netfs_family *f = &netfs_families[fam];
	unsigned long id;

	out->fam = (unsigned char)fam;
	for (unsigned t = 0; t < f->ntypes; t++) {
		if (name_is(name, n, f->types[t].name)) {
			out->kind = KS_NETFS_FACTORY;
			out->type = (unsigned char)t;
			return 0;
		}
	}
	if (name_is(name, n, "addrs")) {
		out->kind = KS_NETFS_ADDRS;
		return 0;
	}
	if (!parse_id(name, n, &id) || netfs_sock_find(fam, id, NULL))
		return -KS_ENOENT;
	out->kind = KS_NETFS_SOCKDIR;
	out->id = id;
	return 0;
}

static const struct {
	const char *name;
	unsigned char kind;
} netfs_sock_files[] = {
	{"ctl", KS_NETFS_CTL},       {"data", KS_NETFS_DATA},   {"accept", KS_NETFS_ACCEPT},
	{"status", KS_NETFS_STATUS}, {"local", KS_NETFS_LOCAL}, {"remote", KS_NETFS_REMOTE},
};
#define NETFS_NSOCK_FILES (sizeof(netfs_sock_files) / sizeof(netfs_sock_files[0]))

static int walk_sockdir(const struct ks_netfs_node *dir, const char *name, unsigned long n,
			struct ks_netfs_node *out)
{
	static const char suffix[] = ":nonblock";
	const unsigned long sl = sizeof(suffix) - 1;
	bool nb = n > sl && name_is(name + n - sl, sl, suffix);

	if (nb)
		n -= sl;
	for (unsigned i = 0; i < NETFS_NSOCK_FILES; i++) {
		unsigned char k = netfs_sock_files[i].kind;
		if (!name_is(name, n, netfs_sock_files[i].name))
			continue;
		if (nb && k != KS_NETFS_DATA && k != KS_NETFS_ACCEPT)
			return -KS_ENOENT;
		if (netfs_sock_find(dir->fam, dir->id, NULL))
			return -KS_ENOENT;
		*out = *dir;
		out->kind = k;
		out->nonblock = nb;
		return 0;
	}
	return -KS_ENOENT;
}

int ks_netfs_walk(const struct ks_netfs_node *dir, const char *name, unsigned long n,
		  struct ks_netfs_node *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	switch (dir->kind) {
	case KS_NETFS_ROOT:
		return walk_root(name, n, out);
	case KS_NETFS_FAMILY:
		if (!netfs_family_present(dir->fam))
			return -KS_ENOENT;
		return walk_family(dir->fam, name, n, out);
	case KS_NETFS_SOCKDIR:
		return walk_sockdir(dir, name, n, out);
	default:
		return dir->kind < KS_NETFS_KIND_END ? -KS_ENOTDIR : -KS_ENOENT;
	}
}

const char *netfs_sock_file_name(unsigned i, unsigned char *kind)
{
	if (i >= NETFS_NSOCK_FILES)
		return NULL;
	*kind = netfs_sock_files[i].kind;
	return netfs_sock_files[i].name;
}

int ks_netfs_stat(const struct ks_netfs_node *n, struct ks_netfs_attr *out)
{
	out->dir = false;
	out->nlink = 1;
	out->mode = 0444;
	switch (n->kind) {
	case KS_NETFS_ROOT:
		out->dir = true;
		break;
	case KS_NETFS_FAMILY:
		out->dir = true;
		/* fall through */
	case KS_NETFS_ADDRS:
		if (!netfs_family_present(n->fam))
			return -KS_ENOENT;
		break;
	case KS_NETFS_FACTORY:
		if (!netfs_family_present(n->fam))
			return -KS_ENOENT;
		out->mode = 0666;
		break;
	case KS_NETFS_SOCKDIR:
		out->dir = true;
		/* fall through */
	case KS_NETFS_STATUS:
	case KS_NETFS_LOCAL:
	case KS_NETFS_REMOTE:
		if (netfs_sock_find(n->fam, n->id, NULL))
			return -KS_ENOENT;
		break;
	case KS_NETFS_CTL:
	case KS_NETFS_DATA:
	case KS_NETFS_ACCEPT:
		if (netfs_sock_find(n->fam, n->id, NULL))
			return -KS_ENOENT;
		out->mode = 0666;
		break;
	default:
		return -KS_ENOENT;
	}
	if (out->dir) {
		out->mode = 0555;
		out->nlink = 2;
	}
	return 0;
}

uint64_t ks_netfs_ino(const struct ks_netfs_node *n)
{
	uint64_t upper = n->kind == KS_NETFS_FACTORY ? n->type : n->id;

	return (uint64_t)n->kind | (uint64_t)(n->nonblock ? 1 : 0) << INO_NB_SHIFT |
	       (uint64_t)n->fam << INO_FAM_SHIFT | upper << INO_UPPER_SHIFT;
}

int ks_netfs_node_of_ino(uint64_t ino, struct ks_netfs_node *out)
{
	unsigned kind = (unsigned)(ino & 31);
	unsigned nb = (unsigned)(ino >> INO_NB_SHIFT) & 1;
	unsigned fam = (unsigned)(ino >> INO_FAM_SHIFT) & 15;
	uint64_t upper = ino >> INO_UPPER_SHIFT;
	bool sock = kind >= KS_NETFS_SOCKDIR && kind < KS_NETFS_KIND_END;

	__builtin_memset(out, 0, sizeof(*out));
	if (kind < KS_NETFS_ROOT || kind >= KS_NETFS_KIND_END || fam >= netfs_nfamilies)
		return -KS_ENOENT;
	if (nb && kind != KS_NETFS_DATA && kind != KS_NETFS_ACCEPT)
		return -KS_ENOENT;
	if (kind == KS_NETFS_ROOT && (fam || upper))
		return -KS_ENOENT;
	if (kind == KS_NETFS_FACTORY ? upper >= netfs_families[fam].ntypes
				     : (sock ? upper == 0 : upper != 0))
		return -KS_ENOENT;
	out->kind = (unsigned char)kind;
	out->nonblock = (unsigned char)nb;
	out->fam = (unsigned char)fam;
	if (kind == KS_NETFS_FACTORY)
		out->type = (unsigned char)upper;
	else
		out->id = (unsigned long)upper;
	return 0;
}

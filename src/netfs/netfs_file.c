/*
 * netfs_file.c - open files of /net: what opening, reading and writing
 * each file does, mapped onto the socket's ops exactly as the system-call
 * layer maps socket(2), accept(2), read(2), write(2), bind(2), listen(2),
 * connect(2) and shutdown(2) (src/core/syscall*.c), so each gets the same
 * errno it would through the socket API.
 *
 * A handle is made complete by open and never changes afterwards: text
 * files carry the text made at open, directories a snapshot of their names,
 * socket files a file reference on their socket (so the socket lives while
 * the handle does, as with a descriptor).
 *
 * Interface: netfs.h. Locking: none here (netfs.h). Every operation may
 * sleep (accept, data, connect) in syscall context.
 * Ownership: a ctl write is copied into a buffer of ours first; data moves
 * straight between the caller's buffer and the socket (struct ks_iter).
 */
#include "netfs_impl.h"

#include "../core/uaccess.h"

struct ks_netfs_handle {
	struct ks_netfs_node node;
	unsigned flags;       /* KS_NETFS_*, with NONBLOCK for a ":nonblock" name */
	struct ks_socket *s;  /* a file reference, or NULL (directories, addrs) */
	struct netfs_text text;
	unsigned long *ids;   /* family directory: the sockets' ids at open */
	unsigned long nids, ids_cap;
};

static bool kind_is_dir(unsigned k)
{
	return k == KS_NETFS_ROOT || k == KS_NETFS_FAMILY || k == KS_NETFS_SOCKDIR;
}

static bool kind_is_readonly(unsigned k)
{
	return k == KS_NETFS_ADDRS || k == KS_NETFS_STATUS || k == KS_NETFS_LOCAL ||
	       k == KS_NETFS_REMOTE;
}

/* ctl, a factory and an accept handle all take commands and read the id. */
static bool kind_is_ctl(unsigned k)
{
	return k == KS_NETFS_CTL || k == KS_NETFS_FACTORY || k == KS_NETFS_ACCEPT;
}

static int open_dir(struct ks_netfs_handle *h)
{
	const struct ks_netfs_node *n = &h->node;

	switch (n->kind) {
	case KS_NETFS_FAMILY:
		if (!netfs_family_present(n->fam))
			return -KS_ENOENT;
		return netfs_ids_collect(n->fam, &h->ids, &h->nids, &h->ids_cap);
	case KS_NETFS_SOCKDIR:
		return netfs_sock_find(n->fam, n->id, NULL);
	default:
		return 0;
	}
}

/* socket(2) through a factory: the new socket belongs to the caller. */
static int open_factory(struct ks_netfs_handle *h)
{
	const struct netfs_family *f = &netfs_families[h->node.fam];

	if (!netfs_family_present(h->node.fam))
		return -KS_ENOENT;
	int err = ks_socket_create(f->domain, f->types[h->node.type].type, 0, &h->s);
	if (err) {
		h->s = NULL;
		return err;
	}
	return netfs_text_id(&h->text, h->s->id);
}

/* accept(2): the handle becomes the new socket's, which joins the
 * listener's namespace. Blocks unless the handle or the listener is
 * nonblocking. */
static int open_accept(struct ks_netfs_handle *h)
{
	struct ks_socket *l, *ns;
	int err = netfs_sock_find(h->node.fam, h->node.id, &l);

	if (err)
		return err;
	bool nb = (h->flags & KS_NETFS_NONBLOCK) || __atomic_load_n(&l->nonblock, __ATOMIC_RELAXED);
	err = l->ops->accept(l, &ns, nb);
	if (!err)
		ks_socket_accepted(l, ns);
	ks_socket_file_put(l);
	if (err)
		return err;
	h->s = ns;
	return netfs_text_id(&h->text, ns->id);
}

static int open_file(struct ks_netfs_handle *h)
{
	const struct ks_netfs_node *n = &h->node;

	if (n->kind == KS_NETFS_FACTORY)
		return open_factory(h);
	if (n->kind == KS_NETFS_ADDRS)
		return netfs_family_present(n->fam) ? netfs_text_addrs(&h->text, n->fam)
						    : -KS_ENOENT;
	if (n->kind == KS_NETFS_ACCEPT)
		return open_accept(h);
	int err = netfs_sock_find(n->fam, n->id, &h->s);
	if (err)
		return err;
	switch (n->kind) {
	case KS_NETFS_CTL:
		return netfs_text_id(&h->text, h->s->id);
	case KS_NETFS_STATUS:
		return netfs_text_status(&h->text, h->s, n->fam);
	case KS_NETFS_LOCAL:
	case KS_NETFS_REMOTE:
		return netfs_text_addr(&h->text, h->s, n->kind == KS_NETFS_REMOTE);
	default:
		return 0; /* data */
	}
}

int ks_netfs_open(const struct ks_netfs_node *n, unsigned flags, struct ks_netfs_handle **out)
{
	int err;

	if (n->kind < KS_NETFS_ROOT || n->kind >= KS_NETFS_KIND_END)
		return -KS_ENOENT;
	struct ks_netfs_handle *h = ks_port_alloc(sizeof(*h));
	if (!h)
		return -KS_ENOMEM;
	__builtin_memset(h, 0, sizeof(*h));
	h->node = *n;
	h->flags = flags | (n->nonblock ? KS_NETFS_NONBLOCK : 0);
	if (kind_is_dir(n->kind))
		err = open_dir(h);
	else if (kind_is_readonly(n->kind) && (flags & KS_NETFS_WRITE))
		err = -KS_EACCES;
	else
		err = open_file(h);
	if (err) {
		ks_netfs_close(h);
		return err;
	}
	*out = h;
	return 0;
}

void ks_netfs_close(struct ks_netfs_handle *h)
{
	if (h->s)
		ks_socket_file_put(h->s);
	netfs_text_free(&h->text);
	ks_port_free(h->ids, h->ids_cap * sizeof(*h->ids));
	ks_port_free(h, sizeof(*h));
}

/* read(2)/write(2) on the socket: ks_sys_read/write's rules (length clamp,
 * range check, MSG_DONTWAIT when nonblocking, MSG_EOR on seqpacket). */
static long data_io(struct ks_netfs_handle *h, void *ubuf, unsigned long len, unsigned flags,
		    bool write)
{
	struct ks_socket *s = h->s;
	struct ks_iovec one;
	struct ks_msg m = {0};
	int mflags = 0;

	if (len > KS_MAX_RW_COUNT)
		len = KS_MAX_RW_COUNT;
	if (!ks_port_access_ok(ubuf, len))
		return -KS_EFAULT;
	if (((h->flags | flags) & KS_NETFS_NONBLOCK) || __atomic_load_n(&s->nonblock, __ATOMIC_RELAXED))
		mflags |= KS_MSG_DONTWAIT;
	ks_iter_single(&m.it, &one, ubuf, len);
	if (!write)
		return len ? s->ops->recvmsg(s, &m, mflags) : 0;
	if (s->type == KS_SOCK_SEQPACKET)
		mflags |= KS_MSG_EOR;
	return s->ops->sendmsg(s, &m, mflags);
}

static long text_read(struct ks_netfs_handle *h, void *ubuf, unsigned long len, uint64_t off)
{
	if (off >= h->text.len)
		return 0;
	unsigned long n = h->text.len - (unsigned long)off;
	if (n > len)
		n = len;
	if (ks_port_copy_to_user(ubuf, h->text.buf + off, n))
		return -KS_EFAULT;
	return (long)n;
}

long ks_netfs_read(struct ks_netfs_handle *h, void *ubuf, unsigned long len, uint64_t off,
		   unsigned flags)
{
	if (kind_is_dir(h->node.kind))
		return -KS_EISDIR;
	if (!(h->flags & KS_NETFS_READ))
		return -KS_EBADF;
	if (h->node.kind == KS_NETFS_DATA)
		return data_io(h, ubuf, len, flags, false);
	return text_read(h, ubuf, len, off);
}

/* One command, as its system call would run it. */
static int ctl_exec(struct ks_socket *s, struct ks_netfs_cmd *c)
{
	int backlog = c->arg;

	switch (c->op) {
	case KS_NETFS_BIND:
		return s->ops->bind(s, &c->addr, c->addrlen);
	case KS_NETFS_LISTEN:
		if ((unsigned)backlog > (unsigned)ks_tunables.somaxconn)
			backlog = ks_tunables.somaxconn; /* as ks_sys_listen */
		return s->ops->listen(s, backlog);
	case KS_NETFS_CONNECT:
		return s->ops->connect(s, &c->addr, c->addrlen);
	default:
		return s->ops->shutdown(s, c->arg);
	}
}

/* Checks every command first, then runs them in turn until one fails. */
static int ctl_run(struct ks_socket *s, const char *buf, unsigned long len)
{
	struct ks_netfs_ctl p;
	struct ks_netfs_cmd cmd;
	int r;

	ks_netfs_ctl_init(&p, buf, len, s->family->domain);
	while ((r = ks_netfs_ctl_next(&p, &cmd)) == 1)
		;
	if (r < 0)
		return r;
	ks_netfs_ctl_init(&p, buf, len, s->family->domain);
	while ((r = ks_netfs_ctl_next(&p, &cmd)) == 1) {
		int err = ctl_exec(s, &cmd);
		if (err)
			return err;
	}
	return r;
}

static long ctl_write(struct ks_netfs_handle *h, const void *ubuf, unsigned long len)
{
	if (len > KS_NETFS_CTL_MAX)
		return -KS_EINVAL;
	char *buf = ks_port_alloc(len ? len : 1);
	if (!buf)
		return -KS_ENOMEM;
	long err = ks_port_copy_from_user(buf, ubuf, len);
	if (!err)
		err = ctl_run(h->s, buf, len);
	ks_port_free(buf, len ? len : 1);
	return err ? err : (long)len;
}

long ks_netfs_write(struct ks_netfs_handle *h, const void *ubuf, unsigned long len,
		    unsigned flags)
{
	if (kind_is_dir(h->node.kind))
		return -KS_EISDIR;
	if (!(h->flags & KS_NETFS_WRITE))
		return -KS_EBADF;
	if (h->node.kind == KS_NETFS_DATA)
		return data_io(h, (void *)ubuf, len, flags, true);
	if (kind_is_ctl(h->node.kind))
		return ctl_write(h, ubuf, len);
	return -KS_EBADF;
}

static void dirent_set(struct ks_netfs_dirent *e, const char *name, const struct ks_netfs_node *n)
{
	unsigned i = 0;

	for (; name[i] && i + 1 < sizeof(e->name); i++)
		e->name[i] = name[i];
	e->name[i] = 0;
	e->node = *n;
}

/* A socket directory's entry: its name is its id. */
static void dirent_sock(struct ks_netfs_dirent *e, const struct ks_netfs_node *node)
{
	char d[24];
	int n = sizeof(d) - 1;
	unsigned long id = node->id;

	d[n] = 0;
	do {
		d[--n] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	dirent_set(e, d + n, node);
}

/* The idx-th name of a family directory: types, addrs, then sockets. */
static int readdir_family(struct ks_netfs_handle *h, unsigned long idx, struct ks_netfs_dirent *out)
{
	const struct netfs_family *f = &netfs_families[h->node.fam];
	struct ks_netfs_node n = h->node;

	if (idx < f->ntypes) {
		n.kind = KS_NETFS_FACTORY;
		n.type = (unsigned char)idx;
		dirent_set(out, f->types[idx].name, &n);
		return 1;
	}
	if (idx == f->ntypes) {
		n.kind = KS_NETFS_ADDRS;
		dirent_set(out, "addrs", &n);
		return 1;
	}
	idx -= f->ntypes + 1;
	if (idx >= h->nids)
		return 0;
	n.kind = KS_NETFS_SOCKDIR;
	n.id = h->ids[idx];
	dirent_sock(out, &n);
	return 1;
}

static int readdir_root(unsigned long idx, struct ks_netfs_dirent *out)
{
	for (unsigned f = 0; f < netfs_nfamilies; f++) {
		if (!netfs_family_present(f) || idx--)
			continue;
		struct ks_netfs_node n = {KS_NETFS_FAMILY, (unsigned char)f, 0, 0, 0};
		dirent_set(out, netfs_families[f].name, &n);
		return 1;
	}
	return 0;
}

int ks_netfs_readdir(struct ks_netfs_handle *h, unsigned long idx, struct ks_netfs_dirent *out)
{
	struct ks_netfs_node n = h->node;
	const char *name;

	switch (h->node.kind) {
	case KS_NETFS_ROOT:
		return readdir_root(idx, out);
	case KS_NETFS_FAMILY:
		return readdir_family(h, idx, out);
	case KS_NETFS_SOCKDIR:
		if (idx > 0xffff || !(name = netfs_sock_file_name((unsigned)idx, &n.kind)))
			return 0;
		dirent_set(out, name, &n);
		return 1;
	default:
		return -KS_ENOTDIR;
	}
}

unsigned ks_netfs_poll(struct ks_netfs_handle *h, struct ks_poll_table *pt)
{
	if (h->node.kind == KS_NETFS_DATA)
		return h->s->ops->poll(h->s, pt);
	return KS_POLLIN | KS_POLLRDNORM | KS_POLLOUT | KS_POLLWRNORM;
}

const struct ks_netfs_node *ks_netfs_handle_node(const struct ks_netfs_handle *h)
{
	return &h->node;
}

unsigned long ks_netfs_handle_id(const struct ks_netfs_handle *h)
{
	return h->s ? h->s->id : 0;
}

int ks_netfs_fd(struct ks_netfs_handle *h, bool cloexec)
{
	if (!h->s)
		return -KS_ENOTSOCK;
	ks_socket_file_get(h->s);
	int fd = ks_port_fd_install(h->s, 0, cloexec);
	if (fd < 0)
		ks_socket_file_put(h->s);
	return fd;
}

long ks_netfs_id_of_fd(int fd)
{
	struct ks_socket *s;
	int err = ks_port_fd_get(fd, &s);

	if (err)
		return err;
	long id = (long)s->id;
	ks_socket_file_put(s);
	return id;
}

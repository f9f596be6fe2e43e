/*
 * scm.c - descriptors in flight and control messages out; see scm.h.
 *
 * Locking: none is held here; putting a reference may close a socket
 * (ks_socket_file_put), so callers drop their locks first.
 */
#include "scm.h"

static void fref_put(struct ks_fref *f)
{
	if (f->sock)
		ks_socket_file_put(f->sock);
	else
		ks_port_file_put(f->file);
}

static size_t rights_size(unsigned cap)
{
	return sizeof(struct ks_scm_rights) + cap * sizeof(struct ks_fref);
}

void ks_scm_rights_free(struct ks_scm_rights *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n; i++)
		fref_put(&r->f[i]);
	ks_port_free(r, rights_size(r->cap));
}

/* Room for count more entries in *rp. */
static int rights_grow(struct ks_scm_rights **rp, unsigned count)
{
	struct ks_scm_rights *r = *rp;
	unsigned n = r ? r->n : 0;
	struct ks_scm_rights *g = ks_port_alloc(rights_size(n + count));

	if (!g)
		return -KS_ENOMEM;
	g->n = n;
	g->cap = n + count;
	for (unsigned i = 0; i < n; i++)
		g->f[i] = r->f[i];
	if (r)
		ks_port_free(r, rights_size(r->cap));
	*rp = g;
	return 0;
}

int ks_scm_rights_add(struct ks_scm_rights **rp, const int *fds, unsigned count)
{
	if (count == 0)
		return 0;
	if (count > KS_SCM_MAX_FD || (*rp && (*rp)->n + count > KS_SCM_MAX_FD))
		return -KS_EINVAL;
	int err = rights_grow(rp, count);
	if (err)
		return err;
	struct ks_scm_rights *r = *rp;
	for (unsigned i = 0; i < count; i++) {
		struct ks_fref *f = &r->f[r->n];
		f->sock = NULL;
		f->file = NULL;
		err = ks_port_fd_get(fds[i], &f->sock);
		if (err == -KS_ENOTSOCK)
			err = ks_port_file_get(fds[i], &f->file);
		if (err)
			return err; /* what was added stays in *rp for the caller to free */
		r->n++;
	}
	return 0;
}

struct ks_scm_rights *ks_scm_rights_dup(const struct ks_scm_rights *r)
{
	struct ks_scm_rights *d = ks_port_alloc(rights_size(r->n));

	if (!d)
		return NULL;
	d->n = d->cap = r->n;
	for (unsigned i = 0; i < d->n; i++)
		d->f[i] = r->f[i];
	for (unsigned i = 0; i < d->n; i++) {
		if (d->f[i].sock)
			ks_socket_file_get(d->f[i].sock);
		else
			ks_port_file_hold(d->f[i].file);
	}
	return d;
}

void ks_scm_put(struct ks_msg *m, int level, int type, const void *data, unsigned len)
{
	const unsigned long hdr = KS_CMSG_ALIGN(sizeof(struct ks_cmsghdr));
	struct ks_cmsghdr h = {KS_CMSG_LEN(len), level, type};

	if (!m->control || m->controllen < sizeof(h)) {
		m->flags_out |= KS_MSG_CTRUNC;
		return;
	}
	if (m->controllen < h.cmsg_len) {
		m->flags_out |= KS_MSG_CTRUNC;
		h.cmsg_len = m->controllen;
	}
	if (ks_port_copy_to_user(m->control, &h, sizeof(h)) ||
	    ks_port_copy_to_user((char *)m->control + hdr, data, h.cmsg_len - hdr))
		return;
	unsigned long used = KS_CMSG_SPACE(len);
	if (used > m->controllen)
		used = m->controllen;
	m->control = (char *)m->control + used;
	m->controllen -= used;
}

/* Installs f as a new descriptor whose number goes to *ufd. */
static int install_one(struct ks_fref *f, int *ufd, bool cloexec)
{
	int fd = f->sock ? ks_port_fd_install(f->sock, 0, cloexec)
			 : ks_port_file_install(f->file, cloexec);

	if (fd < 0)
		return fd;
	f->sock = NULL; /* the descriptor owns the reference now */
	f->file = NULL;
	if (ks_port_copy_to_user(ufd, &fd, sizeof(fd))) {
		ks_port_fd_close(fd);
		return -KS_EFAULT;
	}
	return 0;
}

void ks_scm_put_rights(struct ks_msg *m, struct ks_scm_rights *r, int flags)
{
	const unsigned long hdr = KS_CMSG_ALIGN(sizeof(struct ks_cmsghdr));
	bool cloexec = flags & KS_MSG_CMSG_CLOEXEC;
	unsigned max = 0, i = 0;

	if (m->control && m->controllen > sizeof(struct ks_cmsghdr))
		max = (unsigned)((m->controllen - sizeof(struct ks_cmsghdr)) / sizeof(int));
	if (max > r->n)
		max = r->n;
	for (; i < max; i++)
		if (install_one(&r->f[i], (int *)((char *)m->control + hdr) + i, cloexec))
			break;
	if (i > 0) {
		struct ks_cmsghdr h = {KS_CMSG_LEN(i * sizeof(int)), KS_SOL_SOCKET, KS_SCM_RIGHTS};
		if (!ks_port_copy_to_user(m->control, &h, sizeof(h))) {
			unsigned long used = KS_CMSG_SPACE(i * sizeof(int));
			if (used > m->controllen)
				used = m->controllen;
			m->control = (char *)m->control + used;
			m->controllen -= used;
		}
	}
	if (i < r->n)
		m->flags_out |= KS_MSG_CTRUNC;
	/* Installed entries were cleared; the rest are dropped here. */
	for (unsigned j = 0; j < r->n; j++)
		if (r->f[j].sock || r->f[j].file)
			fref_put(&r->f[j]);
	ks_port_free(r, rights_size(r->cap));
}

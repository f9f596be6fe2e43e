/*
 * scm.h - control messages: descriptors in flight (SCM_RIGHTS) and the
 * receive side of put_cmsg, shared by families that carry them.
 *
 * Ownership: a struct ks_scm_rights holds one file reference per entry
 * (a socket's file count, or a port ks_file reference). Whoever has the
 * struct owns those references: ks_scm_rights_free drops them all;
 * ks_scm_put_rights installs them as descriptors (taking them over) and
 * drops what does not fit, then frees the struct.
 *
 * Interface: ks_scm_rights_add (send: parse one SCM_RIGHTS message),
 * ks_scm_rights_dup (MSG_PEEK), ks_scm_put (any cmsg out), ks_scm_put_rights.
 */
#ifndef KS_CORE_SCM_H
#define KS_CORE_SCM_H

#include "socket.h"

struct ks_fref {
	struct ks_socket *sock; /* a ksock socket (holds a file reference), or */
	struct ks_file *file;   /* any other open file (a port reference) */
};

struct ks_scm_rights {
	unsigned n, cap;
	struct ks_fref f[];
};

/* Adds the descriptors of one SCM_RIGHTS message (data of len bytes, user
 * descriptor numbers already copied in) to *rp, allocating it on first
 * use: -KS_EINVAL beyond KS_SCM_MAX_FD in all, -KS_EBADF for a bad one. */
int ks_scm_rights_add(struct ks_scm_rights **rp, const int *fds, unsigned count);
void ks_scm_rights_free(struct ks_scm_rights *r);
/* A copy holding its own references (for MSG_PEEK), or NULL. */
struct ks_scm_rights *ks_scm_rights_dup(const struct ks_scm_rights *r);

/* Linux's put_cmsg: writes one control message to m's user buffer,
 * setting MSG_CTRUNC when it does not fit. */
void ks_scm_put(struct ks_msg *m, int level, int type, const void *data, unsigned len);
/* Linux's scm_detach_fds: installs r's files as descriptors (close-on-exec
 * with MSG_CMSG_CLOEXEC) and writes SCM_RIGHTS; what does not fit is
 * dropped with MSG_CTRUNC. Frees r. */
void ks_scm_put_rights(struct ks_msg *m, struct ks_scm_rights *r, int flags);

#endif

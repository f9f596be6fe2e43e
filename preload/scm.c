/*
 * scm.c - SCM_RIGHTS across the two descriptor namespaces.
 *
 * Sending: the control message is copied (with the hosted port's
 * fault-safe copy, so a bad pointer is EFAULT as on Linux) and every
 * descriptor in an SCM_RIGHTS message is rewritten: a ksock socket's
 * placeholder becomes its ksock descriptor; a real descriptor (a pipe, a
 * file, a Linux socket) travels as a *token*: a ksock datagram socket bound
 * to the abstract name "ksock-run-fd-<id>" that the registry below ties to
 * a duplicate of the real descriptor. An invalid descriptor becomes -1,
 * which ksock refuses with EBADF, as Linux does.
 *
 * Receiving: ksock has installed ksock descriptors and written their
 * numbers into the program's buffer; each is rewritten in place: a token
 * becomes a new real descriptor for its real file (lowest free number,
 * MSG_CMSG_CLOEXEC honoured; a MSG_PEEK gets a duplicate and leaves the
 * token), anything else a placeholder.
 *
 * The registry holds each token's real duplicate until the token is
 * received, or until the token socket is released without being received
 * (the message was dropped: its receiver was closed). ksr_scm_gc(), run
 * after every ksock close, finds released tokens and closes their real
 * files, which is when Linux would have closed them too (give or take the
 * moment of the close that dropped them).
 *
 * Interface: ksr_scm_to_ks, ksr_scm_done, ksr_scm_from_ks, ksr_scm_gc
 * (ksr.h).
 *
 * Locking: reg_lock (a leaf) guards the registry. Token sockets are made
 * and closed without it.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/socket.h"
#include "ksr.h"

#define TOKEN_PREFIX "ksock-run-fd-"

struct token {
	struct token *next;
	unsigned long id;
	int realfd;            /* our duplicate (an internal descriptor) */
	struct ks_socket *s;   /* object reference: tells when it is released */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct token *reg_head; /* [reg_lock] */
static int reg_count;          /* atomic: entries, for a quick gc check */
static unsigned long reg_next_id; /* atomic */

/* ---- tokens ---- */

static int token_name(unsigned long id, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, TOKEN_PREFIX "%lu", id);
	return (int)offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

/* A bound token socket for realfd, registered; its ksock fd or -errno. */
static int token_make(int realfd, unsigned long *id_out)
{
	struct sockaddr_un a;
	struct ks_socket *s;
	int dupfd = REAL(fcntl)(realfd, F_DUPFD_CLOEXEC, 0);

	if (dupfd < 0)
		return -errno;
	dupfd = ksr_internal_fd(dupfd);
	if (dupfd < 0)
		return dupfd;
	unsigned long id = __atomic_add_fetch(&reg_next_id, 1, __ATOMIC_RELAXED);
	long t = ks_sys_socket(KS_AF_UNIX, KS_SOCK_DGRAM | KS_SOCK_CLOEXEC, 0);
	long err = t < 0 ? t : ks_sys_bind((int)t, (struct ks_sockaddr *)&a, (unsigned)token_name(id, &a));
	if (!err)
		err = ks_port_fd_get((int)t, &s);
	struct token *tk = err ? NULL : malloc(sizeof(*tk));
	if (!tk) {
		if (!err)
			ks_socket_file_put(s);
		if (t >= 0)
			(void)ks_sys_close((int)t); /* our own, never used */
		ksr_internal_close(dupfd);
		return err ? (int)err : -ENOMEM;
	}
	ks_socket_hold(s);
	ks_socket_file_put(s);
	*tk = (struct token){.id = id, .realfd = dupfd, .s = s};
	pthread_mutex_lock(&reg_lock);
	tk->next = reg_head;
	reg_head = tk;
	__atomic_add_fetch(&reg_count, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&reg_lock);
	*id_out = id;
	return (int)t;
}

static void token_free(struct token *tk)
{
	ksr_internal_close(tk->realfd);
	ks_socket_put(tk->s);
	free(tk);
}

/* A new real descriptor (F_DUPFD command cmd) for token id's file, the
 * token leaving the registry unless peek; -ENOENT if id is not one. */
static int token_claim(unsigned long id, int peek, int cmd)
{
	int fd = -ENOENT;

	pthread_mutex_lock(&reg_lock);
	struct token **pp = &reg_head;
	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	struct token *tk = *pp;
	if (tk) {
		fd = REAL(fcntl)(tk->realfd, cmd, 0);
		if (fd < 0)
			fd = -errno;
		if (!peek) {
			*pp = tk->next;
			__atomic_sub_fetch(&reg_count, 1, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&reg_lock);
	if (tk && !peek)
		token_free(tk);
	return fd;
}

void ksr_scm_gc(void)
{
	struct token *dead = NULL;

	if (!__atomic_load_n(&reg_count, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&reg_lock);
	for (struct token **pp = &reg_head; *pp;) {
		struct token *tk = *pp;
		if (__atomic_load_n(&tk->s->state, __ATOMIC_ACQUIRE) != KS_SS_CLOSED) {
			pp = &tk->next;
			continue;
		}
		*pp = tk->next;
		__atomic_sub_fetch(&reg_count, 1, __ATOMIC_RELAXED);
		tk->next = dead;
		dead = tk;
	}
	pthread_mutex_unlock(&reg_lock);
	for (struct token *next; dead; dead = next) {
		next = dead->next;
		token_free(dead);
	}
}

/* The token id behind ksock fd k, or 0 if k is not a token. */
static unsigned long token_id(int k)
{
	struct sockaddr_un a;
	unsigned len = sizeof(a);
	size_t plen = sizeof(TOKEN_PREFIX) - 1;

	if (!__atomic_load_n(&reg_count, __ATOMIC_RELAXED) ||
	    ks_sys_getsockname(k, (struct ks_sockaddr *)&a, &len) < 0)
		return 0;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	if (len <= off + 1 + plen || a.sun_path[0] || memcmp(a.sun_path + 1, TOKEN_PREFIX, plen))
		return 0;
	char num[24];
	size_t nlen = len - off - 1 - plen;
	if (nlen >= sizeof(num))
		return 0;
	memcpy(num, a.sun_path + 1 + plen, nlen);
	num[nlen] = 0;
	return strtoul(num, NULL, 10);
}

/* ---- sending ---- */

/* The ksock number to send for real descriptor fd. */
static int to_ks(int fd, struct ksr_scm_out *out)
{
	int k = ksr_ks(fd);

	if (k >= 0)
		return k;
	if (k == KSR_DEAD || REAL(fcntl)(fd, F_GETFD) < 0)
		return -1; /* ksock refuses it: EBADF, as Linux */
	if (out->ntokens == KS_SCM_MAX_FD)
		return -1;
	unsigned long id = 0;
	int t = token_make(fd, &id);
	if (t < 0)
		return -1;
	out->token_ids[out->ntokens] = id;
	out->tokens[out->ntokens++] = t;
	return t;
}

static void translate_out(struct msghdr *m, struct ksr_scm_out *out)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		int *fds = (int *)CMSG_DATA(c);
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			fds[i] = to_ks(fds[i], out);
			KSR_COUNT(passed);
		}
	}
}

int ksr_scm_to_ks(const struct msghdr *umsg, struct ksr_scm_out *out)
{
	out->heap = NULL;
	out->ntokens = 0;
	if (ks_port_copy_from_user(&out->msg, umsg, sizeof(*umsg)))
		return -EFAULT;
	size_t len = out->msg.msg_controllen;
	if (!out->msg.msg_control || len < sizeof(struct cmsghdr) || len > 131072)
		return 0; /* nothing to translate; ksock judges the rest */
	out->heap = malloc(len);
	if (!out->heap)
		return -ENOMEM;
	if (ks_port_copy_from_user(out->heap, out->msg.msg_control, len)) {
		free(out->heap);
		out->heap = NULL;
		return -EFAULT;
	}
	out->msg.msg_control = out->heap;
	translate_out(&out->msg, out);
	return 0;
}

void ksr_scm_done(struct ksr_scm_out *out, int sent)
{
	(void)sent; /* a token in flight outlives its descriptor; others go */
	for (int i = 0; i < out->ntokens; i++)
		(void)ks_sys_close(out->tokens[i]); /* ours: nothing to report */
	free(out->heap);
	out->heap = NULL;
	if (out->ntokens)
		ksr_scm_gc();
	out->ntokens = 0;
}

/* ---- receiving ---- */

/* The real descriptor to hand the program for received ksock fd k. */
static int from_ks(int k, int flags)
{
	unsigned long id = token_id(k);
	int cmd = (flags & MSG_CMSG_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD;
	int fd = id ? token_claim(id, flags & MSG_PEEK, cmd) : -ENOENT;

	KSR_COUNT(passed);
	if (fd == -ENOENT) {
		KSR_COUNT(received);
		return ksr_install(k);
	}
	(void)ks_sys_close(k); /* the token's descriptor: done with it */
	if (fd >= 0)
		ksr_fresh(fd);
	return fd;
}

void ksr_scm_from_ks(struct msghdr *m, int flags)
{
	if (!m->msg_control || m->msg_controllen < sizeof(struct cmsghdr))
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int *fds = (int *)CMSG_DATA(c);
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd = from_ks(fds[i], flags);
			if (fd < 0)
				m->msg_flags |= MSG_CTRUNC; /* as Linux when it cannot install */
			fds[i] = fd;
		}
	}
}

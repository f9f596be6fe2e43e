/*
 * syscall_io.c - the data-transfer system calls: sendto, recvfrom,
 * sendmsg, recvmsg, read, write, readv, writev.
 *
 * Each builds a struct ks_msg over the caller's buffers (never copying the
 * data here: the family copies straight between user memory and its
 * queues) and calls the socket's sendmsg or recvmsg operation.
 *
 * Locking: none here. Every call may sleep.
 */
#include "uaccess.h"

#include <ksock/ksock.h>

/* Linux's sysctl_optmem_max: the largest control message accepted. */
#define KS_OPTMEM_MAX 131072

int ks_iov_import(struct ks_iov_import *imp, const struct ks_iovec *uiov, unsigned long cnt,
		  struct ks_iter *it)
{
	unsigned long total = 0;

	imp->cnt = cnt;
	imp->iov = imp->fast;
	if (cnt > KS_IOV_FAST) {
		imp->iov = ks_port_alloc(cnt * sizeof(*imp->iov));
		if (!imp->iov)
			return -KS_ENOMEM;
	}
	if (ks_port_copy_from_user(imp->iov, uiov, cnt * sizeof(*imp->iov))) {
		ks_iov_release(imp);
		return -KS_EFAULT;
	}
	for (unsigned long i = 0; i < cnt; i++) {
		unsigned long len = imp->iov[i].iov_len;
		if ((long)len < 0) {
			ks_iov_release(imp);
			return -KS_EINVAL;
		}
		if (len > KS_MAX_RW_COUNT - total)
			imp->iov[i].iov_len = len = KS_MAX_RW_COUNT - total;
		if (!ks_port_access_ok(imp->iov[i].iov_base, len)) {
			ks_iov_release(imp);
			return -KS_EFAULT;
		}
		total += len;
	}
	it->iov = imp->iov;
	it->cnt = cnt;
	it->idx = it->off = 0;
	it->left = total;
	return 0;
}

void ks_iov_release(struct ks_iov_import *imp)
{
	if (imp->iov != imp->fast)
		ks_port_free(imp->iov, imp->cnt * sizeof(*imp->iov));
	imp->iov = imp->fast;
}

static int nonblock_flags(struct ks_socket *s, int flags)
{
	if (__atomic_load_n(&s->nonblock, __ATOMIC_RELAXED))
		flags |= KS_MSG_DONTWAIT;
	return flags;
}

long ks_sys_sendto(int fd, const void *buf, unsigned long len, int flags,
		   const struct ks_sockaddr *addr, unsigned addrlen)
{
	struct ks_sockaddr_storage k;
	struct ks_iovec one;
	struct ks_msg m = {0};
	struct ks_socket *s;

	if (len > KS_MAX_RW_COUNT)
		len = KS_MAX_RW_COUNT;
	if (!ks_port_access_ok(buf, len))
		return -KS_EFAULT;
	long err = ks_sock_lookup(fd, &s);
	if (err)
		return err;
	if (addr) {
		err = ks_addr_in(addr, addrlen, &k);
		if (err)
			goto out;
		m.name = &k;
		m.namelen = addrlen;
	}
	ks_iter_single(&m.it, &one, (void *)buf, len);
	err = s->ops->sendmsg(s, &m, nonblock_flags(s, flags));
out:
	ks_socket_file_put(s);
	return err;
}

long ks_sys_recvfrom(int fd, void *buf, unsigned long len, int flags,
		     struct ks_sockaddr *addr, unsigned *addrlen)
{
	struct ks_sockaddr_storage k;
	struct ks_iovec one;
	struct ks_msg m = {0};
	struct ks_socket *s;

	if (len > KS_MAX_RW_COUNT)
		len = KS_MAX_RW_COUNT;
	if (!ks_port_access_ok(buf, len))
		return -KS_EFAULT;
	long ret = ks_sock_lookup(fd, &s);
	if (ret)
		return ret;
	m.name = addr ? &k : NULL;
	ks_iter_single(&m.it, &one, buf, len);
	ret = s->ops->recvmsg(s, &m, nonblock_flags(s, flags));
	ks_socket_file_put(s);
	if (ret >= 0 && addr) {
		int err = ks_addr_out(&k, (int)m.namelen, addr, addrlen);
		if (err)
			ret = err;
	}
	return ret;
}

/* Copies a user msghdr in and prepares m over it: name (copied in when
 * sending), iovecs. Linux's copy_msghdr_from_user. */
static int msghdr_in(const struct ks_msghdr *umsg, struct ks_msghdr *kmsg, struct ks_msg *m,
		     struct ks_iov_import *imp, struct ks_sockaddr_storage *name, bool send)
{
	if (ks_port_copy_from_user(kmsg, umsg, sizeof(*kmsg)))
		return -KS_EFAULT;
	if (!kmsg->msg_name)
		kmsg->msg_namelen = 0;
	if ((int)kmsg->msg_namelen < 0)
		return -KS_EINVAL;
	if (kmsg->msg_namelen > sizeof(*name))
		kmsg->msg_namelen = sizeof(*name);
	m->name = kmsg->msg_name ? name : NULL;
	if (send && kmsg->msg_namelen) {
		if (ks_port_copy_from_user(name, kmsg->msg_name, kmsg->msg_namelen))
			return -KS_EFAULT;
		m->namelen = kmsg->msg_namelen;
	}
	if (kmsg->msg_iovlen > KS_UIO_MAXIOV)
		return -KS_EMSGSIZE;
	return ks_iov_import(imp, kmsg->msg_iov, kmsg->msg_iovlen, &m->it);
}

/* sendmsg on socket s: the user msghdr in, the send, everything freed.
 * *left gets the bytes of the message that were not sent. */
static long sock_sendmsg_user(struct ks_socket *s, const struct ks_msghdr *umsg, int flags,
			      unsigned long *left)
{
	struct ks_sockaddr_storage name;
	struct ks_iov_import imp;
	struct ks_msghdr kmsg;
	struct ks_msg m = {0};
	long err = msghdr_in(umsg, &kmsg, &m, &imp, &name, true);

	if (err)
		return err;
	err = -KS_ENOBUFS;
	if (kmsg.msg_controllen > KS_OPTMEM_MAX)
		goto out_iov;
	if (kmsg.msg_controllen) {
		m.control = ks_port_alloc(kmsg.msg_controllen);
		if (!m.control)
			goto out_iov;
		m.controllen = kmsg.msg_controllen;
		err = -KS_EFAULT;
		if (ks_port_copy_from_user(m.control, kmsg.msg_control, kmsg.msg_controllen))
			goto out_ctl;
	}
	unsigned long total = m.it.left;
	err = s->ops->sendmsg(s, &m, nonblock_flags(s, flags));
	*left = err >= 0 && (unsigned long)err < total ? total - (unsigned long)err : 0;
out_ctl:
	ks_port_free(m.control, m.controllen);
out_iov:
	ks_iov_release(&imp);
	return err;
}

/* Linux's MSG_CMSG_COMPAT: a 32-bit caller's flag, refused from a 64-bit
 * one (the msghdr calls, before anything else). */
#define KS_MSG_CMSG_COMPAT 0x80000000u

long ks_sys_sendmsg(int fd, const struct ks_msghdr *umsg, int flags)
{
	struct ks_socket *s;
	unsigned long left;

	if ((unsigned)flags & KS_MSG_CMSG_COMPAT)
		return -KS_EINVAL;
	long err = ks_sock_lookup(fd, &s);
	if (err)
		return err;
	err = sock_sendmsg_user(s, umsg, flags, &left);
	ks_socket_file_put(s);
	return err;
}

long ks_sys_sendmmsg(int fd, struct ks_mmsghdr *vec, unsigned vlen, int flags)
{
	struct ks_socket *s;
	unsigned long left = 0;
	unsigned n = 0;

	if ((unsigned)flags & KS_MSG_CMSG_COMPAT)
		return -KS_EINVAL;
	long err = ks_sock_lookup(fd, &s);
	if (err)
		return err;
	if (vlen > KS_UIO_MAXIOV)
		vlen = KS_UIO_MAXIOV;
	for (; n < vlen; n++) {
		int f = n + 1 < vlen ? flags | KS_MSG_BATCH : flags;
		err = sock_sendmsg_user(s, &vec[n].msg_hdr, f, &left);
		if (err < 0)
			break;
		unsigned len = (unsigned)err;
		err = ks_port_copy_to_user(&vec[n].msg_len, &len, sizeof(len));
		if (err)
			break;
		if (left) { /* a partial send ends the batch, as Linux */
			n++;
			break;
		}
	}
	ks_socket_file_put(s);
	return n ? (long)n : err;
}

/* Copies recvmsg's results out: name, flags, control length used. */
static long msghdr_out(struct ks_msghdr *umsg, const struct ks_msghdr *kmsg,
		       const struct ks_msg *m, long len)
{
	if (kmsg->msg_name) {
		int err = ks_addr_out(m->name, (int)m->namelen, kmsg->msg_name, &umsg->msg_namelen);
		if (err)
			return err;
	}
	if (ks_port_copy_to_user(&umsg->msg_flags, &m->flags_out, sizeof(int)))
		return -KS_EFAULT;
	unsigned long room = kmsg->msg_control ? kmsg->msg_controllen : 0;
	unsigned long used = room - m->controllen;
	if (ks_port_copy_to_user(&umsg->msg_controllen, &used, sizeof(used)))
		return -KS_EFAULT;
	return len;
}

/* recvmsg on socket s into the user msghdr; *flags_out gets msg_flags. */
static long sock_recvmsg_user(struct ks_socket *s, struct ks_msghdr *umsg, int flags,
			      int *flags_out)
{
	struct ks_sockaddr_storage name;
	struct ks_iov_import imp;
	struct ks_msghdr kmsg;
	struct ks_msg m = {0};
	long ret = msghdr_in(umsg, &kmsg, &m, &imp, &name, false);

	if (ret)
		return ret;
	m.control = kmsg.msg_control;
	m.controllen = kmsg.msg_control ? kmsg.msg_controllen : 0;
	m.flags_out = flags & KS_MSG_CMSG_CLOEXEC; /* Linux reports it back */
	ret = s->ops->recvmsg(s, &m, nonblock_flags(s, flags));
	if (ret >= 0)
		ret = msghdr_out(umsg, &kmsg, &m, ret);
	*flags_out = m.flags_out;
	ks_iov_release(&imp);
	return ret;
}

long ks_sys_recvmsg(int fd, struct ks_msghdr *umsg, int flags)
{
	struct ks_socket *s;
	int fo;

	if ((unsigned)flags & KS_MSG_CMSG_COMPAT)
		return -KS_EINVAL;
	long ret = ks_sock_lookup(fd, &s);
	if (ret)
		return ret;
	ret = sock_recvmsg_user(s, umsg, flags, &fo);
	ks_socket_file_put(s);
	return ret;
}

/* recvmmsg's timeout: the time left, written back; true once it is over.
 * Linux looks at it only between messages. */
static bool mmsg_timeout_left(uint64_t end, struct ks_timespec *left)
{
	uint64_t now = ks_port_now_ns();
	uint64_t rest = now < end ? end - now : 0;

	left->tv_sec = (long)(rest / 1000000000u);
	left->tv_nsec = (long)(rest % 1000000000u);
	return rest == 0;
}

static long do_recvmmsg(struct ks_socket *s, struct ks_mmsghdr *vec, unsigned vlen, int flags,
			struct ks_timespec *tleft, uint64_t end)
{
	unsigned n = 0;
	long err = -ks_socket_take_error(s);

	if (err)
		return err;
	while (n < vlen) {
		int fo = 0;
		err = sock_recvmsg_user(s, &vec[n].msg_hdr, flags & ~KS_MSG_WAITFORONE, &fo);
		if (err < 0)
			break;
		unsigned len = (unsigned)err;
		err = ks_port_copy_to_user(&vec[n].msg_len, &len, sizeof(len));
		if (err)
			break;
		n++;
		if (flags & KS_MSG_WAITFORONE)
			flags |= KS_MSG_DONTWAIT;
		if (tleft && mmsg_timeout_left(end, tleft))
			break;
		if (fo & KS_MSG_OOB)
			break;
	}
	if (err == 0 || n == 0)
		return n ? (long)n : err;
	if (err != -KS_EAGAIN) /* reported by the next call, as Linux */
		__atomic_store_n(&s->err, (int)-err, __ATOMIC_RELEASE);
	return n;
}

long ks_sys_recvmmsg(int fd, struct ks_mmsghdr *vec, unsigned vlen, int flags,
		     struct ks_timespec *timeout)
{
	struct ks_timespec t;
	struct ks_socket *s;
	uint64_t end = 0;

	if ((unsigned)flags & KS_MSG_CMSG_COMPAT)
		return -KS_EINVAL;
	if (timeout) {
		if (ks_port_copy_from_user(&t, timeout, sizeof(t)))
			return -KS_EFAULT;
		if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
			return -KS_EINVAL;
		end = ks_port_now_ns() + (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
	}
	long ret = ks_sock_lookup(fd, &s);
	if (ret)
		return ret;
	ret = do_recvmmsg(s, vec, vlen, flags, timeout ? &t : NULL, end);
	ks_socket_file_put(s);
	if (ret > 0 && timeout && ks_port_copy_to_user(timeout, &t, sizeof(t)))
		ret = -KS_EFAULT;
	return ret;
}

/* read/write/readv/writev: flags come from the file only. */
static long rw_iter(struct ks_socket *s, struct ks_msg *m, bool write)
{
	int flags = nonblock_flags(s, 0);

	if (!write) {
		if (m->it.left == 0)
			return 0; /* Linux: a zero-length read never reaches the protocol */
		return s->ops->recvmsg(s, m, flags);
	}
	if (s->type == KS_SOCK_SEQPACKET)
		flags |= KS_MSG_EOR;
	return s->ops->sendmsg(s, m, flags);
}

static long rw_single(int fd, void *buf, unsigned long len, bool write)
{
	struct ks_iovec one;
	struct ks_msg m = {0};
	struct ks_socket *s;
	long ret = ks_sock_lookup(fd, &s);

	if (ret == -KS_ENOTSOCK)
		return ks_port_fd_rw_other(fd, buf, len, write);
	if (ret)
		return ret;
	if (len > KS_MAX_RW_COUNT)
		len = KS_MAX_RW_COUNT;
	if (!ks_port_access_ok(buf, len)) {
		ks_socket_file_put(s);
		return -KS_EFAULT;
	}
	ks_iter_single(&m.it, &one, buf, len);
	ret = rw_iter(s, &m, write);
	ks_socket_file_put(s);
	return ret;
}

long ks_sys_read(int fd, void *buf, unsigned long len)
{
	return rw_single(fd, buf, len, false);
}

long ks_sys_write(int fd, const void *buf, unsigned long len)
{
	return rw_single(fd, (void *)buf, len, true);
}

static long rw_vec(int fd, const struct ks_iovec *uiov, int cnt, bool write)
{
	struct ks_iov_import imp;
	struct ks_msg m = {0};
	struct ks_socket *s;
	long ret = ks_sock_lookup(fd, &s);

	if (ret)
		return ret;
	if (cnt < 0 || cnt > KS_UIO_MAXIOV) {
		ks_socket_file_put(s);
		return -KS_EINVAL;
	}
	ret = ks_iov_import(&imp, uiov, (unsigned long)cnt, &m.it);
	if (!ret) {
		ret = rw_iter(s, &m, write);
		ks_iov_release(&imp);
	}
	ks_socket_file_put(s);
	return ret;
}

long ks_sys_readv(int fd, const struct ks_iovec *iov, int iovcnt)
{
	return rw_vec(fd, iov, iovcnt, false);
}

long ks_sys_writev(int fd, const struct ks_iovec *iov, int iovcnt)
{
	return rw_vec(fd, iov, iovcnt, true);
}

/*
 * test_abi.c - include/ksock/abi.h against the C library: every structure's
 * size, alignment and field offsets, and every KS_ constant libc also has,
 * checked at compile time (a mismatch does not build). The one run-time
 * case checks the CMSG macros on a few lengths.
 *
 * The system-call numbers are those of the generic table
 * (asm-generic/unistd.h), which is what KS_NR_* follow on every host.
 *
 * Interface: ut_cases_abi (ut.h). Locking: none.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <linux/sockios.h>
#include <asm-generic/unistd.h>

#include <ksock/abi.h>

#include "ut.h"

#define SAME_SIZE(ks, lc)                                                    \
	_Static_assert(sizeof(struct ks) == sizeof(struct lc), #ks " size"); \
	_Static_assert(_Alignof(struct ks) == _Alignof(struct lc), #ks " alignment")
#define SAME_FIELD(ks, lc, kf, lf)                                           \
	_Static_assert(offsetof(struct ks, kf) == offsetof(struct lc, lf),   \
		       #ks "." #kf " offset");                               \
	_Static_assert(sizeof(((struct ks *)0)->kf) == sizeof(((struct lc *)0)->lf), \
		       #ks "." #kf " size")
#define SAME(k, l) _Static_assert((k) == (l), #k " == " #l)

/* ---- structures ---- */
SAME_SIZE(ks_sockaddr, sockaddr);
SAME_FIELD(ks_sockaddr, sockaddr, sa_family, sa_family);
SAME_FIELD(ks_sockaddr, sockaddr, sa_data, sa_data);

SAME_SIZE(ks_sockaddr_un, sockaddr_un);
SAME_FIELD(ks_sockaddr_un, sockaddr_un, sun_family, sun_family);
SAME_FIELD(ks_sockaddr_un, sockaddr_un, sun_path, sun_path);

SAME_SIZE(ks_in_addr, in_addr);
SAME_FIELD(ks_in_addr, in_addr, s_addr, s_addr);
SAME_SIZE(ks_sockaddr_in, sockaddr_in);
SAME_FIELD(ks_sockaddr_in, sockaddr_in, sin_family, sin_family);
SAME_FIELD(ks_sockaddr_in, sockaddr_in, sin_port, sin_port);
SAME_FIELD(ks_sockaddr_in, sockaddr_in, sin_addr, sin_addr);
SAME_FIELD(ks_sockaddr_in, sockaddr_in, sin_zero, sin_zero);

SAME_SIZE(ks_sockaddr_storage, sockaddr_storage);
SAME_FIELD(ks_sockaddr_storage, sockaddr_storage, ss_family, ss_family);

SAME_SIZE(ks_iovec, iovec);
SAME_FIELD(ks_iovec, iovec, iov_base, iov_base);
SAME_FIELD(ks_iovec, iovec, iov_len, iov_len);

SAME_SIZE(ks_msghdr, msghdr);
SAME_FIELD(ks_msghdr, msghdr, msg_name, msg_name);
SAME_FIELD(ks_msghdr, msghdr, msg_namelen, msg_namelen);
SAME_FIELD(ks_msghdr, msghdr, msg_iov, msg_iov);
SAME_FIELD(ks_msghdr, msghdr, msg_iovlen, msg_iovlen);
SAME_FIELD(ks_msghdr, msghdr, msg_control, msg_control);
SAME_FIELD(ks_msghdr, msghdr, msg_controllen, msg_controllen);
SAME_FIELD(ks_msghdr, msghdr, msg_flags, msg_flags);

SAME_SIZE(ks_mmsghdr, mmsghdr);
SAME_FIELD(ks_mmsghdr, mmsghdr, msg_hdr, msg_hdr);
SAME_FIELD(ks_mmsghdr, mmsghdr, msg_len, msg_len);

SAME_SIZE(ks_cmsghdr, cmsghdr);
SAME_FIELD(ks_cmsghdr, cmsghdr, cmsg_len, cmsg_len);
SAME_FIELD(ks_cmsghdr, cmsghdr, cmsg_level, cmsg_level);
SAME_FIELD(ks_cmsghdr, cmsghdr, cmsg_type, cmsg_type);

SAME_SIZE(ks_ucred, ucred);
SAME_FIELD(ks_ucred, ucred, pid, pid);
SAME_FIELD(ks_ucred, ucred, uid, uid);
SAME_FIELD(ks_ucred, ucred, gid, gid);

SAME_SIZE(ks_linger, linger);
SAME_FIELD(ks_linger, linger, l_onoff, l_onoff);
SAME_FIELD(ks_linger, linger, l_linger, l_linger);

SAME_SIZE(ks_timeval, timeval);
SAME_FIELD(ks_timeval, timeval, tv_sec, tv_sec);
SAME_FIELD(ks_timeval, timeval, tv_usec, tv_usec);

SAME_SIZE(ks_timespec, timespec);
SAME_FIELD(ks_timespec, timespec, tv_sec, tv_sec);
SAME_FIELD(ks_timespec, timespec, tv_nsec, tv_nsec);

SAME_SIZE(ks_pollfd, pollfd);
SAME_FIELD(ks_pollfd, pollfd, fd, fd);
SAME_FIELD(ks_pollfd, pollfd, events, events);
SAME_FIELD(ks_pollfd, pollfd, revents, revents);

_Static_assert(sizeof(ks_sa_family_t) == sizeof(sa_family_t), "sa_family_t");
_Static_assert(sizeof(ks_socklen_t) == sizeof(socklen_t), "socklen_t");
_Static_assert(KS_UNIX_PATH_MAX == sizeof(((struct sockaddr_un *)0)->sun_path), "sun_path");

/* ---- families, types ---- */
SAME(KS_AF_UNSPEC, AF_UNSPEC);
SAME(KS_AF_UNIX, AF_UNIX);
SAME(KS_AF_LOCAL, AF_LOCAL);
SAME(KS_AF_INET, AF_INET);
SAME(KS_AF_INET6, AF_INET6);
SAME(KS_AF_NETLINK, AF_NETLINK);
SAME(KS_AF_PACKET, AF_PACKET);
SAME(KS_AF_MAX, AF_MAX);
SAME(KS_SOCK_STREAM, SOCK_STREAM);
SAME(KS_SOCK_DGRAM, SOCK_DGRAM);
SAME(KS_SOCK_RAW, SOCK_RAW);
SAME(KS_SOCK_RDM, SOCK_RDM);
SAME(KS_SOCK_SEQPACKET, SOCK_SEQPACKET);
SAME(KS_SOCK_DCCP, SOCK_DCCP);
SAME(KS_SOCK_PACKET, SOCK_PACKET);
SAME(KS_SOCK_NONBLOCK, SOCK_NONBLOCK);
SAME(KS_SOCK_CLOEXEC, SOCK_CLOEXEC);

/* ---- message flags ---- */
SAME(KS_MSG_OOB, MSG_OOB);
SAME(KS_MSG_PEEK, MSG_PEEK);
SAME(KS_MSG_DONTROUTE, MSG_DONTROUTE);
SAME(KS_MSG_CTRUNC, MSG_CTRUNC);
SAME(KS_MSG_PROXY, MSG_PROXY);
SAME(KS_MSG_TRUNC, MSG_TRUNC);
SAME(KS_MSG_DONTWAIT, MSG_DONTWAIT);
SAME(KS_MSG_EOR, MSG_EOR);
SAME(KS_MSG_WAITALL, MSG_WAITALL);
SAME(KS_MSG_FIN, MSG_FIN);
SAME(KS_MSG_SYN, MSG_SYN);
SAME(KS_MSG_CONFIRM, MSG_CONFIRM);
SAME(KS_MSG_RST, MSG_RST);
SAME(KS_MSG_ERRQUEUE, MSG_ERRQUEUE);
SAME(KS_MSG_NOSIGNAL, MSG_NOSIGNAL);
SAME(KS_MSG_MORE, MSG_MORE);
SAME(KS_MSG_WAITFORONE, MSG_WAITFORONE);
SAME(KS_MSG_BATCH, MSG_BATCH);
SAME(KS_MSG_ZEROCOPY, MSG_ZEROCOPY);
SAME(KS_MSG_FASTOPEN, MSG_FASTOPEN);
SAME(KS_MSG_CMSG_CLOEXEC, MSG_CMSG_CLOEXEC);

/* ---- socket options ---- */
SAME(KS_SOL_SOCKET, SOL_SOCKET);
SAME(KS_SO_DEBUG, SO_DEBUG);
SAME(KS_SO_REUSEADDR, SO_REUSEADDR);
SAME(KS_SO_TYPE, SO_TYPE);
SAME(KS_SO_ERROR, SO_ERROR);
SAME(KS_SO_DONTROUTE, SO_DONTROUTE);
SAME(KS_SO_BROADCAST, SO_BROADCAST);
SAME(KS_SO_SNDBUF, SO_SNDBUF);
SAME(KS_SO_RCVBUF, SO_RCVBUF);
SAME(KS_SO_KEEPALIVE, SO_KEEPALIVE);
SAME(KS_SO_OOBINLINE, SO_OOBINLINE);
SAME(KS_SO_NO_CHECK, SO_NO_CHECK);
SAME(KS_SO_PRIORITY, SO_PRIORITY);
SAME(KS_SO_LINGER, SO_LINGER);
SAME(KS_SO_BSDCOMPAT, SO_BSDCOMPAT);
SAME(KS_SO_REUSEPORT, SO_REUSEPORT);
SAME(KS_SO_PASSCRED, SO_PASSCRED);
SAME(KS_SO_PEERCRED, SO_PEERCRED);
SAME(KS_SO_RCVLOWAT, SO_RCVLOWAT);
SAME(KS_SO_SNDLOWAT, SO_SNDLOWAT);
SAME(KS_SO_RCVTIMEO, SO_RCVTIMEO_OLD);
SAME(KS_SO_SNDTIMEO, SO_SNDTIMEO_OLD);
SAME(KS_SO_ACCEPTCONN, SO_ACCEPTCONN);
SAME(KS_SO_PEERSEC, SO_PEERSEC);
SAME(KS_SO_SNDBUFFORCE, SO_SNDBUFFORCE);
SAME(KS_SO_RCVBUFFORCE, SO_RCVBUFFORCE);
SAME(KS_SO_PASSSEC, SO_PASSSEC);
SAME(KS_SO_MARK, SO_MARK);
SAME(KS_SO_PROTOCOL, SO_PROTOCOL);
SAME(KS_SO_DOMAIN, SO_DOMAIN);
SAME(KS_SO_RXQ_OVFL, SO_RXQ_OVFL);
SAME(KS_SO_PEEK_OFF, SO_PEEK_OFF);
SAME(KS_SO_BUSY_POLL, SO_BUSY_POLL);
SAME(KS_SO_INCOMING_CPU, SO_INCOMING_CPU);
SAME(KS_SO_PEERGROUPS, SO_PEERGROUPS);
SAME(KS_SO_ZEROCOPY, SO_ZEROCOPY);
SAME(KS_SO_RCVTIMEO_NEW, SO_RCVTIMEO_NEW);
SAME(KS_SO_SNDTIMEO_NEW, SO_SNDTIMEO_NEW);
SAME(KS_SCM_RIGHTS, SCM_RIGHTS);
SAME(KS_SCM_CREDENTIALS, SCM_CREDENTIALS);
SAME(KS_SHUT_RD, SHUT_RD);
SAME(KS_SHUT_WR, SHUT_WR);
SAME(KS_SHUT_RDWR, SHUT_RDWR);
SAME(KS_SOMAXCONN, SOMAXCONN);
SAME(KS_UIO_MAXIOV, UIO_MAXIOV);

/* ---- poll ---- */
SAME(KS_POLLIN, POLLIN);
SAME(KS_POLLPRI, POLLPRI);
SAME(KS_POLLOUT, POLLOUT);
SAME(KS_POLLERR, POLLERR);
SAME(KS_POLLHUP, POLLHUP);
SAME(KS_POLLNVAL, POLLNVAL);
SAME(KS_POLLRDNORM, POLLRDNORM);
SAME(KS_POLLRDBAND, POLLRDBAND);
SAME(KS_POLLWRNORM, POLLWRNORM);
SAME(KS_POLLWRBAND, POLLWRBAND);
SAME(KS_POLLMSG, POLLMSG);
SAME(KS_POLLRDHUP, POLLRDHUP);

/* ---- fcntl, ioctl ---- */
SAME(KS_O_RDWR, O_RDWR);
SAME(KS_O_NONBLOCK, O_NONBLOCK);
SAME(KS_O_CLOEXEC, O_CLOEXEC);
SAME(KS_FD_CLOEXEC, FD_CLOEXEC);
SAME(KS_F_DUPFD, F_DUPFD);
SAME(KS_F_GETFD, F_GETFD);
SAME(KS_F_SETFD, F_SETFD);
SAME(KS_F_GETFL, F_GETFL);
SAME(KS_F_SETFL, F_SETFL);
SAME(KS_F_DUPFD_CLOEXEC, F_DUPFD_CLOEXEC);
SAME(KS_SIOCOUTQ, SIOCOUTQ);
SAME(KS_FIONREAD, FIONREAD);
SAME(KS_SIOCINQ, SIOCINQ);
SAME(KS_FIONBIO, FIONBIO);
SAME(KS_FIONCLEX, FIONCLEX);
SAME(KS_FIOCLEX, FIOCLEX);
SAME(KS_FIOASYNC, FIOASYNC);
SAME(KS_SIOCATMARK, SIOCATMARK);

/* ---- generic system-call numbers ---- */
SAME(KS_NR_dup, __NR_dup);
SAME(KS_NR_dup3, __NR_dup3);
SAME(KS_NR_fcntl, __NR3264_fcntl);
SAME(KS_NR_ioctl, __NR_ioctl);
SAME(KS_NR_close, __NR_close);
SAME(KS_NR_read, __NR_read);
SAME(KS_NR_write, __NR_write);
SAME(KS_NR_readv, __NR_readv);
SAME(KS_NR_writev, __NR_writev);
SAME(KS_NR_ppoll, __NR_ppoll);
SAME(KS_NR_socket, __NR_socket);
SAME(KS_NR_socketpair, __NR_socketpair);
SAME(KS_NR_bind, __NR_bind);
SAME(KS_NR_listen, __NR_listen);
SAME(KS_NR_accept, __NR_accept);
SAME(KS_NR_connect, __NR_connect);
SAME(KS_NR_getsockname, __NR_getsockname);
SAME(KS_NR_getpeername, __NR_getpeername);
SAME(KS_NR_sendto, __NR_sendto);
SAME(KS_NR_recvfrom, __NR_recvfrom);
SAME(KS_NR_setsockopt, __NR_setsockopt);
SAME(KS_NR_getsockopt, __NR_getsockopt);
SAME(KS_NR_shutdown, __NR_shutdown);
SAME(KS_NR_sendmsg, __NR_sendmsg);
SAME(KS_NR_recvmsg, __NR_recvmsg);
SAME(KS_NR_accept4, __NR_accept4);
SAME(KS_NR_recvmmsg, __NR_recvmmsg);
SAME(KS_NR_sendmmsg, __NR_sendmmsg);

/* ---- errors ---- */
SAME(KS_EPERM, EPERM);
SAME(KS_ENOENT, ENOENT);
SAME(KS_ESRCH, ESRCH);
SAME(KS_EINTR, EINTR);
SAME(KS_EIO, EIO);
SAME(KS_ENXIO, ENXIO);
SAME(KS_E2BIG, E2BIG);
SAME(KS_EBADF, EBADF);
SAME(KS_EAGAIN, EAGAIN);
SAME(KS_EWOULDBLOCK, EWOULDBLOCK);
SAME(KS_ENOMEM, ENOMEM);
SAME(KS_EACCES, EACCES);
SAME(KS_EFAULT, EFAULT);
SAME(KS_EBUSY, EBUSY);
SAME(KS_EEXIST, EEXIST);
SAME(KS_EXDEV, EXDEV);
SAME(KS_ENODEV, ENODEV);
SAME(KS_ENOTDIR, ENOTDIR);
SAME(KS_EISDIR, EISDIR);
SAME(KS_EINVAL, EINVAL);
SAME(KS_ENFILE, ENFILE);
SAME(KS_EMFILE, EMFILE);
SAME(KS_ENOTTY, ENOTTY);
SAME(KS_ENOSPC, ENOSPC);
SAME(KS_ESPIPE, ESPIPE);
SAME(KS_EROFS, EROFS);
SAME(KS_EPIPE, EPIPE);
SAME(KS_ERANGE, ERANGE);
SAME(KS_ENAMETOOLONG, ENAMETOOLONG);
SAME(KS_ENOSYS, ENOSYS);
SAME(KS_ELOOP, ELOOP);
SAME(KS_ENOTSOCK, ENOTSOCK);
SAME(KS_EDESTADDRREQ, EDESTADDRREQ);
SAME(KS_EMSGSIZE, EMSGSIZE);
SAME(KS_EPROTOTYPE, EPROTOTYPE);
SAME(KS_ENOPROTOOPT, ENOPROTOOPT);
SAME(KS_EPROTONOSUPPORT, EPROTONOSUPPORT);
SAME(KS_ESOCKTNOSUPPORT, ESOCKTNOSUPPORT);
SAME(KS_EOPNOTSUPP, EOPNOTSUPP);
SAME(KS_EPFNOSUPPORT, EPFNOSUPPORT);
SAME(KS_EAFNOSUPPORT, EAFNOSUPPORT);
SAME(KS_EADDRINUSE, EADDRINUSE);
SAME(KS_EADDRNOTAVAIL, EADDRNOTAVAIL);
SAME(KS_ENETDOWN, ENETDOWN);
SAME(KS_ENETUNREACH, ENETUNREACH);
SAME(KS_ECONNABORTED, ECONNABORTED);
SAME(KS_ECONNRESET, ECONNRESET);
SAME(KS_ENOBUFS, ENOBUFS);
SAME(KS_EISCONN, EISCONN);
SAME(KS_ENOTCONN, ENOTCONN);
SAME(KS_ESHUTDOWN, ESHUTDOWN);
SAME(KS_ETOOMANYREFS, ETOOMANYREFS);
SAME(KS_ETIMEDOUT, ETIMEDOUT);
SAME(KS_ECONNREFUSED, ECONNREFUSED);
SAME(KS_EHOSTUNREACH, EHOSTUNREACH);
SAME(KS_EHOSTDOWN, EHOSTDOWN);
SAME(KS_ENONET, ENONET);
SAME(KS_EPROTO, EPROTO);
SAME(KS_EALREADY, EALREADY);
SAME(KS_EINPROGRESS, EINPROGRESS);

/* ---- CMSG macros (constant expressions in glibc too) ---- */
SAME(KS_CMSG_LEN(0), CMSG_LEN(0));
SAME(KS_CMSG_LEN(12), CMSG_LEN(12));
SAME(KS_CMSG_SPACE(4), CMSG_SPACE(4));
SAME(KS_CMSG_SPACE(12), CMSG_SPACE(12));
SAME(KS_CMSG_SPACE(253 * 4), CMSG_SPACE(253 * 4));

static void abi_cmsg(struct ut_ctx *t)
{
	for (unsigned long n = 0; n < 300; n++) {
		UT_EQ(t, KS_CMSG_LEN(n), CMSG_LEN(n));
		UT_EQ(t, KS_CMSG_SPACE(n), CMSG_SPACE(n));
		UT_EQ(t, KS_CMSG_ALIGN(n), CMSG_ALIGN(n));
	}
}

const struct ut_case ut_cases_abi[] = {
	{ "cmsg", abi_cmsg },
	{ 0 },
};

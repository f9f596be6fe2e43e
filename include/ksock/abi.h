/*
 * ksock/abi.h - the Linux socket ABI under KS_ and ks_ names.
 *
 * Every constant and structure a program passes through the socket system
 * calls, with Linux's values and layouts (the generic ABI used by riscv64,
 * arm64 and x86_64; long and unsigned long stand for ssize_t and size_t, so
 * the same header also matches 32-bit Linux ABIs). A hosted program may pass
 * libc's own structures with a cast: tests/unit/test_abi.c checks sizes and
 * offsets against <sys/socket.h>.
 *
 * Errors are returned as negative KS_E* values everywhere in ksock.
 *
 * This header includes nothing: it is valid freestanding C11.
 */
#ifndef KSOCK_ABI_H
#define KSOCK_ABI_H

/* ---- Address families ---- */
#define KS_AF_UNSPEC 0
#define KS_AF_UNIX 1
#define KS_AF_LOCAL KS_AF_UNIX
#define KS_AF_INET 2
#define KS_AF_INET6 10
#define KS_AF_NETLINK 16
#define KS_AF_PACKET 17
#define KS_AF_MAX 46 /* Linux's AF_MAX: families >= this are EAFNOSUPPORT */

/* ---- Socket types and the flags that may be or-ed into them ---- */
#define KS_SOCK_STREAM 1
#define KS_SOCK_DGRAM 2
#define KS_SOCK_RAW 3
#define KS_SOCK_RDM 4
#define KS_SOCK_SEQPACKET 5
#define KS_SOCK_DCCP 6
#define KS_SOCK_PACKET 10
#define KS_SOCK_TYPE_MASK 0xf
#define KS_SOCK_NONBLOCK 04000
#define KS_SOCK_CLOEXEC 02000000

/* ---- send/recv flags ---- */
#define KS_MSG_OOB 0x1
#define KS_MSG_PEEK 0x2
#define KS_MSG_DONTROUTE 0x4
#define KS_MSG_CTRUNC 0x8
#define KS_MSG_PROXY 0x10
#define KS_MSG_TRUNC 0x20
#define KS_MSG_DONTWAIT 0x40
#define KS_MSG_EOR 0x80
#define KS_MSG_WAITALL 0x100
#define KS_MSG_FIN 0x200
#define KS_MSG_SYN 0x400
#define KS_MSG_CONFIRM 0x800
#define KS_MSG_RST 0x1000
#define KS_MSG_ERRQUEUE 0x2000
#define KS_MSG_NOSIGNAL 0x4000
#define KS_MSG_MORE 0x8000
#define KS_MSG_WAITFORONE 0x10000
#define KS_MSG_BATCH 0x40000
#define KS_MSG_ZEROCOPY 0x4000000
#define KS_MSG_FASTOPEN 0x20000000
#define KS_MSG_CMSG_CLOEXEC 0x40000000

/* ---- socket-level options ---- */
#define KS_SOL_SOCKET 1
#define KS_SO_DEBUG 1
#define KS_SO_REUSEADDR 2
#define KS_SO_TYPE 3
#define KS_SO_ERROR 4
#define KS_SO_DONTROUTE 5
#define KS_SO_BROADCAST 6
#define KS_SO_SNDBUF 7
#define KS_SO_RCVBUF 8
#define KS_SO_KEEPALIVE 9
#define KS_SO_OOBINLINE 10
#define KS_SO_NO_CHECK 11
#define KS_SO_PRIORITY 12
#define KS_SO_LINGER 13
#define KS_SO_BSDCOMPAT 14
#define KS_SO_REUSEPORT 15
#define KS_SO_PASSCRED 16
#define KS_SO_PEERCRED 17
#define KS_SO_RCVLOWAT 18
#define KS_SO_SNDLOWAT 19
#define KS_SO_RCVTIMEO 20 /* SO_RCVTIMEO_OLD: struct ks_timeval */
#define KS_SO_SNDTIMEO 21 /* SO_SNDTIMEO_OLD */
#define KS_SO_ACCEPTCONN 30
#define KS_SO_PEERSEC 31
#define KS_SO_SNDBUFFORCE 32
#define KS_SO_RCVBUFFORCE 33
#define KS_SO_PASSSEC 34
#define KS_SO_MARK 36
#define KS_SO_PROTOCOL 38
#define KS_SO_DOMAIN 39
#define KS_SO_RXQ_OVFL 40
#define KS_SO_PEEK_OFF 42
#define KS_SO_BUSY_POLL 46
#define KS_SO_INCOMING_CPU 49
#define KS_SO_PEERGROUPS 59
#define KS_SO_ZEROCOPY 60
#define KS_SO_RCVTIMEO_NEW 66 /* struct ks_sock_timeval (64-bit fields) */
#define KS_SO_SNDTIMEO_NEW 67

#define KS_SCM_RIGHTS 1
#define KS_SCM_CREDENTIALS 2
#define KS_SCM_MAX_FD 253 /* Linux's limit of descriptors in one message */

#define KS_SHUT_RD 0
#define KS_SHUT_WR 1
#define KS_SHUT_RDWR 2

#define KS_SOMAXCONN 4096
#define KS_UIO_MAXIOV 1024
#define KS_UNIX_PATH_MAX 108

/* ---- poll ---- */
#define KS_POLLIN 0x001
#define KS_POLLPRI 0x002
#define KS_POLLOUT 0x004
#define KS_POLLERR 0x008
#define KS_POLLHUP 0x010
#define KS_POLLNVAL 0x020
#define KS_POLLRDNORM 0x040
#define KS_POLLRDBAND 0x080
#define KS_POLLWRNORM 0x100
#define KS_POLLWRBAND 0x200
#define KS_POLLMSG 0x400
#define KS_POLLRDHUP 0x2000

/* ---- epoll ---- */
#define KS_EPOLLIN 0x001
#define KS_EPOLLPRI 0x002
#define KS_EPOLLOUT 0x004
#define KS_EPOLLERR 0x008
#define KS_EPOLLHUP 0x010
#define KS_EPOLLRDNORM 0x040
#define KS_EPOLLRDBAND 0x080
#define KS_EPOLLWRNORM 0x100
#define KS_EPOLLWRBAND 0x200
#define KS_EPOLLMSG 0x400
#define KS_EPOLLRDHUP 0x2000
#define KS_EPOLLEXCLUSIVE (1u << 28)
#define KS_EPOLLWAKEUP (1u << 29)
#define KS_EPOLLONESHOT (1u << 30)
#define KS_EPOLLET (1u << 31)
#define KS_EPOLL_CTL_ADD 1
#define KS_EPOLL_CTL_DEL 2
#define KS_EPOLL_CTL_MOD 3
#define KS_EPOLL_CLOEXEC 02000000

/* ---- fcntl, file status flags, ioctl ---- */
#define KS_O_RDWR 02
#define KS_O_NONBLOCK 04000
#define KS_O_CLOEXEC 02000000
#define KS_FD_CLOEXEC 1
#define KS_F_DUPFD 0
#define KS_F_GETFD 1
#define KS_F_SETFD 2
#define KS_F_GETFL 3
#define KS_F_SETFL 4
#define KS_F_DUPFD_CLOEXEC 1030
#define KS_SIOCOUTQ 0x5411
#define KS_FIONREAD 0x541B
#define KS_SIOCINQ KS_FIONREAD
#define KS_FIONBIO 0x5421
#define KS_FIONCLEX 0x5450
#define KS_FIOCLEX 0x5451
#define KS_FIOASYNC 0x5452
#define KS_SIOCATMARK 0x8905

/* ---- generic system-call numbers (riscv64, arm64, the asm-generic table) ---- */
#define KS_NR_epoll_create1 20
#define KS_NR_epoll_ctl 21
#define KS_NR_epoll_pwait 22
#define KS_NR_dup 23
#define KS_NR_dup3 24
#define KS_NR_fcntl 25
#define KS_NR_ioctl 29
#define KS_NR_close 57
#define KS_NR_read 63
#define KS_NR_write 64
#define KS_NR_readv 65
#define KS_NR_writev 66
#define KS_NR_ppoll 73
#define KS_NR_socket 198
#define KS_NR_socketpair 199
#define KS_NR_bind 200
#define KS_NR_listen 201
#define KS_NR_accept 202
#define KS_NR_connect 203
#define KS_NR_getsockname 204
#define KS_NR_getpeername 205
#define KS_NR_sendto 206
#define KS_NR_recvfrom 207
#define KS_NR_setsockopt 208
#define KS_NR_getsockopt 209
#define KS_NR_shutdown 210
#define KS_NR_sendmsg 211
#define KS_NR_recvmsg 212
#define KS_NR_accept4 242
#define KS_NR_recvmmsg 243
#define KS_NR_sendmmsg 269

/* ---- error numbers (returned negated) ---- */
#define KS_EPERM 1
#define KS_ENOENT 2
#define KS_ESRCH 3
#define KS_EINTR 4
#define KS_EIO 5
#define KS_ENXIO 6
#define KS_E2BIG 7
#define KS_EBADF 9
#define KS_EAGAIN 11
#define KS_EWOULDBLOCK KS_EAGAIN
#define KS_ENOMEM 12
#define KS_EACCES 13
#define KS_EFAULT 14
#define KS_EBUSY 16
#define KS_EEXIST 17
#define KS_EXDEV 18
#define KS_ENODEV 19
#define KS_ENOTDIR 20
#define KS_EISDIR 21
#define KS_EINVAL 22
#define KS_ENFILE 23
#define KS_EMFILE 24
#define KS_ENOTTY 25
#define KS_ENOSPC 28
#define KS_ESPIPE 29
#define KS_EROFS 30
#define KS_EPIPE 32
#define KS_EDOM 33
#define KS_ERANGE 34
#define KS_ENAMETOOLONG 36
#define KS_ENOSYS 38
#define KS_ELOOP 40
#define KS_ENONET 64
#define KS_EPROTO 71
#define KS_ENOTSOCK 88
#define KS_EDESTADDRREQ 89
#define KS_EMSGSIZE 90
#define KS_EPROTOTYPE 91
#define KS_ENOPROTOOPT 92
#define KS_EPROTONOSUPPORT 93
#define KS_ESOCKTNOSUPPORT 94
#define KS_EOPNOTSUPP 95
#define KS_EPFNOSUPPORT 96
#define KS_EAFNOSUPPORT 97
#define KS_EADDRINUSE 98
#define KS_EADDRNOTAVAIL 99
#define KS_ENETDOWN 100
#define KS_ENETUNREACH 101
#define KS_ECONNABORTED 103
#define KS_ECONNRESET 104
#define KS_ENOBUFS 105
#define KS_EISCONN 106
#define KS_ENOTCONN 107
#define KS_ESHUTDOWN 108
#define KS_ETOOMANYREFS 109
#define KS_ETIMEDOUT 110
#define KS_ECONNREFUSED 111
#define KS_EHOSTDOWN 112
#define KS_EHOSTUNREACH 113
#define KS_EALREADY 114
#define KS_EINPROGRESS 115

/* ---- structures (layouts identical to Linux's) ---- */
typedef unsigned short ks_sa_family_t;
typedef unsigned int ks_socklen_t;

struct ks_sockaddr {
	ks_sa_family_t sa_family;
	char sa_data[14];
};

struct ks_sockaddr_un {
	ks_sa_family_t sun_family;
	char sun_path[KS_UNIX_PATH_MAX];
};

struct ks_in_addr {
	unsigned int s_addr; /* network byte order */
};

struct ks_sockaddr_in {
	ks_sa_family_t sin_family;
	unsigned short sin_port; /* network byte order */
	struct ks_in_addr sin_addr;
	unsigned char sin_zero[8];
};

/* Big enough for any address ksock handles (Linux's sockaddr_storage). */
struct ks_sockaddr_storage {
	ks_sa_family_t ss_family;
	char ss_data[126];
} __attribute__((aligned(8)));

struct ks_iovec {
	void *iov_base;
	unsigned long iov_len;
};

struct ks_msghdr {
	void *msg_name;
	ks_socklen_t msg_namelen;
	struct ks_iovec *msg_iov;
	unsigned long msg_iovlen;
	void *msg_control;
	unsigned long msg_controllen;
	int msg_flags;
};

struct ks_mmsghdr {
	struct ks_msghdr msg_hdr;
	unsigned int msg_len;
};

struct ks_cmsghdr {
	unsigned long cmsg_len;
	int cmsg_level;
	int cmsg_type;
};

#define KS_CMSG_ALIGN(len) (((len) + sizeof(long) - 1) & ~(sizeof(long) - 1))
#define KS_CMSG_SPACE(len) (KS_CMSG_ALIGN(sizeof(struct ks_cmsghdr)) + KS_CMSG_ALIGN(len))
#define KS_CMSG_LEN(len) (KS_CMSG_ALIGN(sizeof(struct ks_cmsghdr)) + (len))

struct ks_ucred {
	int pid;
	unsigned int uid;
	unsigned int gid;
};

struct ks_linger {
	int l_onoff;
	int l_linger;
};

struct ks_timeval {
	long tv_sec;
	long tv_usec;
};

struct ks_timespec {
	long tv_sec;
	long tv_nsec;
};

/* x86_64 packs it (12 bytes); every other Linux ABI pads it to 16. */
struct ks_epoll_event {
	unsigned int events;
	unsigned long long data;
}
#if defined(__x86_64__)
__attribute__((packed))
#endif
;

struct ks_pollfd {
	int fd;
	short events;
	short revents;
};

#endif

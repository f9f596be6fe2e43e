/*
 * cases_pmtu.c - path-MTU discovery's socket options (man 7 ip:
 * IP_MTU_DISCOVER, IP_MTU) on TCP and UDP, and ECN's visible trace on
 * loopback (man 7 tcp: tcp_ecn, TCP_INFO's tcpi_options), as Linux's
 * 127.0.0.1 shows them. What loopback cannot show (its MTU is 65536, no
 * router sends fragmentation needed, nobody marks CE) is in the unit
 * tests (tests/inet/test_tcp_ecn_pmtu.c).
 *
 * The ECN case assumes the host's net.ipv4.tcp_ecn is Linux's default 2
 * (ksock's stack setting starts at 2 too).
 */
#include <errno.h>
#include <time.h> /* linux/errqueue.h needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "ct_tcp.h"

#ifndef IP_PMTUDISC_OMIT
#define IP_PMTUDISC_OMIT 5
#endif
#ifndef TCPI_OPT_ECN
#define TCPI_OPT_ECN 8
#define TCPI_OPT_ECN_SEEN 16
#endif

static long udp_socket(struct ct_ctx *c)
{
	return ct_fd(c, c->b->socket(AF_INET, SOCK_DGRAM, 0));
}

/* IP_MTU_DISCOVER on a socket: IP_PMTUDISC_WANT by default (Linux's
 * ip_no_pmtu_disc 0), every value from DONT to OMIT accepted and read
 * back, others EINVAL; a one-byte option works both ways. */
static void check_mtu_discover(struct ct_ctx *c, int fd)
{
	unsigned char byte = 0xff;
	unsigned len = 1;

	CT_EQ(c, ct_tcp_getint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_WANT);
	for (int v = IP_PMTUDISC_DONT; v <= IP_PMTUDISC_OMIT; v++) {
		CT_EQ(c, ct_tcp_setint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER, v), 0);
		CT_EQ(c, ct_tcp_getint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER), v);
	}
	CT_EQ(c, ct_tcp_setint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER, -1), -EINVAL);
	CT_EQ(c, ct_tcp_setint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT + 1), -EINVAL);
	CT_EQ(c, ct_tcp_getint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_OMIT);
	byte = IP_PMTUDISC_DO;
	CT_EQ(c, c->b->setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &byte, 1), 0);
	byte = 0xff;
	CT_EQ(c, c->b->getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &byte, &len), 0);
	CT_EQ(c, len, 1);
	CT_EQ(c, byte, IP_PMTUDISC_DO);
	/* No bytes at all read as 0: DONT. */
	CT_EQ(c, c->b->setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &byte, 0), 0);
	CT_EQ(c, ct_tcp_getint(c, fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_DONT);
}

static void pmtu_tcp_mtu_discover(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	check_mtu_discover(c, (int)fd);
}

static void pmtu_udp_mtu_discover(struct ct_ctx *c)
{
	long fd;

	CT_OK(c, fd, udp_socket(c));
	check_mtu_discover(c, (int)fd);
}

/* A listener's children take its IP_MTU_DISCOVER (Linux's sk_clone). */
static void pmtu_tcp_mtu_discover_inherited(struct ct_ctx *c)
{
	struct sockaddr_in a;
	long lfd, cli, srv;

	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &a));
	CT_EQ(c, ct_tcp_setint(c, (int)lfd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO), 0);
	CT_OK(c, cli, ct_tcp_connect_to(c, &a));
	CT_OK(c, srv, ct_tcp_accept(c, (int)lfd));
	CT_EQ(c, ct_tcp_getint(c, (int)srv, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_DO);
	CT_EQ(c, ct_tcp_getint(c, (int)cli, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_WANT);
}

/* IP_MTU: ENOTCONN before a connection (a new or listening socket); the
 * route's MTU on both ends of one (loopback's 65536, reported as 65535:
 * Linux's IP_MAX_MTU cap); not settable. */
static void pmtu_tcp_ip_mtu(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct sockaddr_in a;
	long fd, lfd;

	CT_OK(c, fd, ct_tcp_socket(c, 0));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_MTU), -ENOTCONN);
	CT_EQ(c, ct_tcp_setint(c, (int)fd, IPPROTO_IP, IP_MTU, 1500), -ENOPROTOOPT);
	CT_OK(c, lfd, ct_tcp_listener(c, CT_LO, 4, &a));
	CT_EQ(c, ct_tcp_getint(c, (int)lfd, IPPROTO_IP, IP_MTU), -ENOTCONN);
	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, ct_tcp_getint(c, p.cli, IPPROTO_IP, IP_MTU), 65535);
	CT_EQ(c, ct_tcp_getint(c, p.srv, IPPROTO_IP, IP_MTU), 65535);
	/* A short buffer gets what fits of the int (the value is above 255). */
	int v = -1;
	unsigned len = 2;
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_IP, IP_MTU, &v, &len), 0);
	CT_EQ(c, len, 2);
}

/* UDP: ENOTCONN unconnected (bound or not), the route's MTU once
 * connected, ENOTCONN again after connect(AF_UNSPEC). */
static void pmtu_udp_ip_mtu(struct ct_ctx *c)
{
	struct sockaddr_in to = ct_sin4(CT_LO, 9), any = ct_sin4(0, 0);
	struct sockaddr un = {.sa_family = AF_UNSPEC};
	long fd;

	CT_OK(c, fd, udp_socket(c));
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_MTU), -ENOTCONN);
	CT_EQ(c, c->b->bind((int)fd, &any, sizeof(any)), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_MTU), -ENOTCONN);
	CT_EQ(c, c->b->connect((int)fd, &to, sizeof(to)), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_MTU), 65535);
	CT_EQ(c, c->b->connect((int)fd, &un, sizeof(un)), 0);
	CT_EQ(c, ct_tcp_getint(c, (int)fd, IPPROTO_IP, IP_MTU), -ENOTCONN);
}

/* With IP_PMTUDISC_DO, loopback's MTU is no limit for what UDP may send
 * at all (65507 bytes): the largest datagram still goes and arrives. */
static void pmtu_udp_do_loopback(struct ct_ctx *c)
{
	static char buf[65507], got[65507];
	struct sockaddr_in a, any = ct_sin4(CT_LO, 0);
	unsigned alen = sizeof(a);
	long rx, tx;

	CT_OK(c, rx, udp_socket(c));
	CT_EQ(c, c->b->bind((int)rx, &any, sizeof(any)), 0);
	CT_EQ(c, c->b->getsockname((int)rx, &a, &alen), 0);
	CT_OK(c, tx, udp_socket(c));
	CT_EQ(c, ct_tcp_setint(c, (int)tx, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO), 0);
	ct_fill(buf, sizeof(buf), 7);
	CT_EQ(c, c->b->sendto((int)tx, buf, sizeof(buf), 0, &a, sizeof(a)), (long)sizeof(buf));
	CT_EQ(c, ct_set_timeo(c, (int)rx, SO_RCVTIMEO, CT_TCP_TIMEO_MS), 0);
	CT_EQ(c, c->b->recvfrom((int)rx, got, sizeof(got), 0, NULL, NULL), (long)sizeof(got));
	CT_TRUE(c, memcmp(buf, got, sizeof(buf)) == 0);
	CT_EQ(c, c->b->sendto((int)tx, buf, sizeof(buf) + 1, 0, &a, sizeof(a)), -EMSGSIZE);
}

/* A UDP port on 127.0.0.1 where nobody listens (bound, then closed). */
static long dead_port(struct ct_ctx *c, struct sockaddr_in *out)
{
	struct sockaddr_in any = ct_sin4(CT_LO, 0);
	unsigned len = sizeof(*out);
	long fd = c->b->socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return fd;
	long rc = c->b->bind((int)fd, &any, sizeof(any));
	if (!rc)
		rc = c->b->getsockname((int)fd, out, &len);
	c->b->close((int)fd);
	return rc;
}

struct errq_msg {
	char data[64];
	struct sockaddr_in name;
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh;
	struct iovec iov;
};

static long read_errq(struct ct_ctx *c, int fd, struct errq_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->iov.iov_base = m->data;
	m->iov.iov_len = sizeof(m->data);
	m->mh.msg_iov = &m->iov;
	m->mh.msg_iovlen = 1;
	m->mh.msg_name = &m->name;
	m->mh.msg_namelen = sizeof(m->name);
	m->mh.msg_control = m->ctl.buf;
	m->mh.msg_controllen = sizeof(m->ctl.buf);
	return c->b->recvmsg(fd, &m->mh, MSG_ERRQUEUE);
}

static int so_error(struct ct_ctx *c, int fd)
{
	int v = -1;
	unsigned len = sizeof(v);

	return c->b->getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) ? -1 : v;
}

/* IP_RECVERR's error queue (man 7 ip): a datagram to a closed port on
 * loopback queues the ICMP port unreachable: POLLERR; MSG_ERRQUEUE reads
 * what was quoted of the datagram, the name it went to, and an IP_RECVERR
 * control message (ECONNREFUSED, SO_EE_ORIGIN_ICMP, type 3, code 3,
 * offender 127.0.0.1). The pending error moves with the queue: reading an
 * entry sets it to the next ICMP entry's, or clears it. Without
 * IP_RECVERR the queue stays empty. */
static void pmtu_udp_recverr_queue(struct ct_ctx *c)
{
	struct sockaddr_in dead, any = ct_sin4(CT_LO, 0);
	static struct errq_msg m;
	int one = 1;
	long fd, plain;

	CT_EQ(c, dead_port(c, &dead), 0);
	CT_OK(c, plain, udp_socket(c));
	CT_EQ(c, c->b->sendto((int)plain, "x", 1, 0, &dead, sizeof(dead)), 1);
	CT_EQ(c, read_errq(c, (int)plain, &m), -EAGAIN);
	CT_OK(c, fd, udp_socket(c));
	CT_EQ(c, c->b->bind((int)fd, &any, sizeof(any)), 0);
	CT_EQ(c, read_errq(c, (int)fd, &m), -EAGAIN);
	CT_EQ(c, c->b->setsockopt((int)fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->sendto((int)fd, "hello", 5, 0, &dead, sizeof(dead)), 5);
	/* The pending error goes to the next call (and is taken)... */
	CT_EQ(c, c->b->sendto((int)fd, "again", 5, 0, &dead, sizeof(dead)), -ECONNREFUSED);
	CT_EQ(c, c->b->sendto((int)fd, "again", 5, 0, &dead, sizeof(dead)), 5);
	CT_TRUE(c, ct_tcp_poll(c, (int)fd, POLLIN, 0) & POLLERR);
	CT_EQ(c, so_error(c, (int)fd), ECONNREFUSED); /* taken: cleared */
	CT_EQ(c, so_error(c, (int)fd), 0);
	/* ...but the queue keeps both entries. */
	CT_EQ(c, read_errq(c, (int)fd, &m), 5);
	CT_TRUE(c, memcmp(m.data, "hello", 5) == 0);
	CT_TRUE(c, m.mh.msg_flags & MSG_ERRQUEUE);
	CT_EQ(c, m.mh.msg_namelen, sizeof(struct sockaddr_in));
	CT_EQ(c, m.name.sin_port, dead.sin_port);
	CT_EQ(c, m.name.sin_addr.s_addr, htonl(CT_LO));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m.mh);
	CT_TRUE(c, cm != NULL);
	CT_EQ(c, cm->cmsg_level, SOL_IP);
	CT_EQ(c, cm->cmsg_type, IP_RECVERR);
	CT_EQ(c, cm->cmsg_len, CMSG_LEN(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in)));
	struct sock_extended_err ee;
	struct sockaddr_in off;
	memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
	memcpy(&off, CMSG_DATA(cm) + sizeof(ee), sizeof(off));
	CT_EQ(c, ee.ee_errno, ECONNREFUSED);
	CT_EQ(c, ee.ee_origin, SO_EE_ORIGIN_ICMP);
	CT_EQ(c, ee.ee_type, 3);
	CT_EQ(c, ee.ee_code, 3);
	CT_EQ(c, ee.ee_info, 0);
	CT_EQ(c, off.sin_family, AF_INET);
	CT_EQ(c, off.sin_addr.s_addr, htonl(CT_LO));
	CT_TRUE(c, CMSG_NXTHDR(&m.mh, cm) == NULL);
	/* The next entry is ICMP too: the pending error is its errno. */
	CT_EQ(c, so_error(c, (int)fd), ECONNREFUSED);
	CT_EQ(c, read_errq(c, (int)fd, &m), 5);
	CT_TRUE(c, memcmp(m.data, "again", 5) == 0);
	/* A short buffer: MSG_TRUNC. */
	CT_EQ(c, so_error(c, (int)fd), 0);
	CT_EQ(c, read_errq(c, (int)fd, &m), -EAGAIN);
	CT_EQ(c, ct_tcp_poll(c, (int)fd, POLLIN, 0) & POLLERR, 0);
	CT_EQ(c, c->b->sendto((int)fd, "truncate", 8, 0, &dead, sizeof(dead)), 8);
	memset(&m, 0, sizeof(m));
	m.iov.iov_base = m.data;
	m.iov.iov_len = 3;
	m.mh.msg_iov = &m.iov;
	m.mh.msg_iovlen = 1;
	m.mh.msg_control = m.ctl.buf;
	m.mh.msg_controllen = sizeof(m.ctl.buf);
	CT_EQ(c, c->b->recvmsg((int)fd, &m.mh, MSG_ERRQUEUE), 3);
	CT_TRUE(c, m.mh.msg_flags & MSG_TRUNC);
	CT_TRUE(c, m.mh.msg_flags & MSG_ERRQUEUE);
	CT_EQ(c, so_error(c, (int)fd), 0);
}

/* ECN with the default tcp_ecn (2: accept, never ask): neither end of a
 * loopback connection asks, so TCP_INFO shows neither TCPI_OPT_ECN nor
 * TCPI_OPT_ECN_SEEN, before and after data. */
static void ecn_tcp_info_default(struct ct_ctx *c)
{
	struct ct_tcp_conn p;
	struct tcp_info ti;
	unsigned len = sizeof(ti);
	char b[64] = {0};

	CT_EQ(c, ct_tcp_pair(c, &p), 0);
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CT_EQ(c, ti.tcpi_options & (TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN), 0);
	CT_EQ(c, c->b->write(p.cli, b, sizeof(b)), (long)sizeof(b));
	CT_EQ(c, c->b->read(p.srv, b, sizeof(b)), (long)sizeof(b));
	CT_EQ(c, c->b->write(p.srv, b, sizeof(b)), (long)sizeof(b));
	CT_EQ(c, c->b->read(p.cli, b, sizeof(b)), (long)sizeof(b));
	len = sizeof(ti);
	CT_EQ(c, c->b->getsockopt(p.srv, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CT_EQ(c, ti.tcpi_options & (TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN), 0);
	len = sizeof(ti);
	CT_EQ(c, c->b->getsockopt(p.cli, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CT_EQ(c, ti.tcpi_options & (TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN), 0);
	CT_EQ(c, ti.tcpi_pmtu, 65535);
	/* IP_TOS reads without ECN bits (TCP's own). */
	CT_EQ(c, ct_tcp_getint(c, p.cli, IPPROTO_IP, IP_TOS), 0);
}

const struct ct_case ct_cases_pmtu[] = {
	{ "pmtu_tcp_mtu_discover", pmtu_tcp_mtu_discover },
	{ "pmtu_udp_mtu_discover", pmtu_udp_mtu_discover },
	{ "pmtu_tcp_mtu_discover_inherited", pmtu_tcp_mtu_discover_inherited },
	{ "pmtu_tcp_ip_mtu", pmtu_tcp_ip_mtu },
	{ "pmtu_udp_ip_mtu", pmtu_udp_ip_mtu },
	{ "pmtu_udp_do_loopback", pmtu_udp_do_loopback },
	{ "pmtu_udp_recverr_queue", pmtu_udp_recverr_queue },
	{ "ecn_tcp_info_default", ecn_tcp_info_default },
	{ NULL, NULL },
};

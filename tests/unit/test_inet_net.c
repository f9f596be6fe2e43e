/*
 * test_inet_net.c - AF_INET sockets through device interfaces (src/inet/
 * sock_inet.h): the socket end of ARP resolution, routing, ICMP and
 * broadcast, on the host's one network with fake Ethernet devices that
 * keep what they send, and the stack's clock replaced by a variable for
 * the duration of each case (restored after).
 *
 *   arp_failure         a connected socket's datagram to a silent
 *                       neighbour: 3 requests 1 s apart, then the ICMP
 *                       host unreachable ARP makes up: EHOSTUNREACH as the
 *                       pending error with IP_RECVERR, nothing without
 *                       (Linux: a soft error; checked against Linux 6.18
 *                       in a namespace)
 *   icmp_errors         port unreachable arriving: ECONNREFUSED on a
 *                       connected socket; net unreachable: soft
 *   closed_port         a datagram to a closed port is answered
 *   routes              gateway and static routes through the C API, the
 *                       source by route, IP_PKTINFO's ipi_ifindex out
 *   broadcast           SO_BROADCAST out (EACCES without), to the link
 *                       broadcast and looped back; in to every socket on
 *                       the port bound to INADDR_ANY or the broadcast
 *   fragments           through the gateway: DF on what the route's MTU
 *                       carries whole, fragments (DF clear) past it; a
 *                       broadcast past it in fragments and looped back
 *                       whole; fragments from behind the gateway read
 *                       as one datagram
 *   pmtu_udp            ICMP fragmentation needed through the gateway:
 *                       a bogus MTU ignored and counted, a good one
 *                       learnt (IP_MTU), datagrams cut to it (WANT,
 *                       DONT), EMSGSIZE past it (DO), the link's MTU
 *                       for PROBE, forgotten after 10 minutes
 *   ecn_tcp             ECN through an interface: the SYN asks with
 *                       tcp_ecn 1, data leaves ECT(0) beside IP_TOS's
 *                       bits, a CE mark arriving is echoed with ECE
 *   pmtu_tcp            the same error about a TCP segment in flight:
 *                       the MSS follows and the data goes again in
 *                       smaller segments with DF; one quoting a sequence
 *                       number not in flight is ignored and counted
 *
 * Interfaces: L1 198.18.0.2/24 (gateway 198.18.0.1), L2 198.19.5.2/24.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ksock/ksock.h>

#include "inet/ipfrag.h"
#include "inet/wire/checksum.h"
#include "inet/sock_inet.h"
#include "ut.h"

#define A1 KS_IPV4(198, 18, 0, 1)
#define B1 KS_IPV4(198, 18, 0, 2)
#define B2 KS_IPV4(198, 19, 5, 2)
#define REMOTE KS_IPV4(198, 18, 200, 1)
#define SEC 1000000000ull

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 0xc };

struct fdev {
	struct ks_netdev dev;
	/* What the device sent. Locked: a drain on the timer thread (the
	 * stack's drain timer, a socket's timers) may transmit too. */
	pthread_mutex_t lock;
	struct ks_pbuf_queue sent;
	struct ks_inet_netif *nif;
};

struct fixture {
	struct fdev l1, l2;
	uint64_t clock;
	uint64_t (*old_now)(void *);
	void *old_arg;
};

static int fdev_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct fdev *f = dev->priv;

	pthread_mutex_lock(&f->lock);
	ks_pbufq_push(&f->sent, p);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static struct ks_pbuf *sent_pop(struct fdev *f)
{
	pthread_mutex_lock(&f->lock);
	struct ks_pbuf *p = ks_pbufq_pop(&f->sent);
	pthread_mutex_unlock(&f->lock);
	return p;
}

static unsigned sent_count(struct fdev *f)
{
	pthread_mutex_lock(&f->lock);
	unsigned n = f->sent.count;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void sent_purge(struct fdev *f)
{
	pthread_mutex_lock(&f->lock);
	ks_pbufq_purge(&f->sent);
	pthread_mutex_unlock(&f->lock);
}

static const struct ks_netdev_ops fdev_ops = { .xmit = fdev_xmit };

static uint64_t fake_now(void *arg)
{
	return *(uint64_t *)arg;
}

static int fdev_up(struct fdev *f, const uint8_t *mac, uint32_t addr)
{
	struct ks_inet_net *n = ks_inet_net_get();
	int rc;

	memset(f, 0, sizeof(*f));
	ks_netdev_init(&f->dev, &fdev_ops, f, "fake");
	f->dev.pool = &n->st.pbufs;
	memcpy(f->dev.mac, mac, 6);
	pthread_mutex_init(&f->lock, NULL);
	ks_pbufq_init(&f->sent);
	if ((rc = ks_inet_netif_add(&n->st, &f->dev, addr, 24, &f->nif)))
		return rc;
	if ((rc = ks_inet_net_attach(f->nif)))
		return rc;
	return ks_netdev_open(&f->dev);
}

static void fdev_down(struct fdev *f)
{
	ks_netdev_stop(&f->dev);
	ks_inet_net_detach(f->nif);
	ks_inet_netif_del(f->nif);
	ks_pbufq_purge(&f->sent);
	pthread_mutex_destroy(&f->lock);
}

/* The stack's clock becomes fx->clock (the socket layer's stack is the
 * host's; nothing else runs during the unit tests). */
static int fx_up(struct fixture *fx)
{
	struct ks_inet_stack *st = &ks_inet_net_get()->st;
	int rc = ks_init();

	if (rc)
		return rc;
	memset(fx, 0, sizeof(*fx));
	fx->clock = 1000 * SEC;
	fx->old_now = st->cfg.now;
	fx->old_arg = st->cfg.now_arg;
	st->cfg.now_arg = &fx->clock;
	st->cfg.now = fake_now;
	if ((rc = fdev_up(&fx->l1, mac_b, B1)))
		return rc;
	return fdev_up(&fx->l2, mac_c, B2);
}

static void fx_down(struct fixture *fx)
{
	struct ks_inet_stack *st = &ks_inet_net_get()->st;

	(void)ks_inet_route_del(0, 0); /* the default route, if a case added it */
	fdev_down(&fx->l1);
	fdev_down(&fx->l2);
	st->cfg.now = fx->old_now;
	st->cfg.now_arg = fx->old_arg;
}

static void feed(struct fdev *f, const uint8_t *frame, size_t len)
{
	struct ks_pbuf *p;

	if (ks_netdev_alloc_rx(&f->dev, (uint32_t)len, &p) == 0) {
		memcpy(p->data, frame, len);
		ks_netdev_rx(&f->dev, p);
	}
	(void)ks_inet_net_poll();
}

/* A's reply telling B1 its MAC. */
static void feed_arp_reply(struct fdev *f)
{
	uint8_t fr[42] = { 0 };
	struct ks_eth_hdr eh = { .type = KS_ETH_P_ARP };
	struct ks_arp a = { .op = KS_ARP_OP_REPLY, .spa = A1, .tpa = B1 };

	memcpy(eh.dst, mac_b, 6);
	memcpy(eh.src, mac_a, 6);
	memcpy(a.sha, mac_a, 6);
	memcpy(a.tha, mac_b, 6);
	ks_eth_emit(fr, 14, &eh);
	ks_arp_emit(fr + 14, 28, &a);
	feed(f, fr, sizeof(fr));
}

/* Ethernet A -> B1 around an IPv4 datagram of proto with l4 (n bytes;
 * the ICMP checksum is computed here, UDP's given). */
static size_t frame_ip(uint8_t *buf, const uint8_t *dmac, uint32_t src, uint32_t dst,
		       uint8_t proto, const uint8_t *l4, size_t n)
{
	struct ks_eth_hdr eh = { .type = KS_ETH_P_IPV4 };
	struct ks_ipv4_hdr ih = { .tot_len = (uint16_t)(20 + n), .id = 3, .ttl = 64,
				  .proto = proto, .src = src, .dst = dst };

	memcpy(eh.dst, dmac, 6);
	memcpy(eh.src, mac_a, 6);
	ks_eth_emit(buf, 14, &eh);
	ks_ipv4_emit(buf + 14, 20, &ih);
	memcpy(buf + 34, l4, n);
	if (proto == KS_IPPROTO_ICMP) {
		struct ks_icmp_hdr h;
		memset(&h, 0, sizeof(h));
		h.type = buf[34];
		h.code = buf[35];
		h.rest = ks_get32(buf + 38);
		h.mtu = ks_get16(buf + 40); /* kept for fragmentation needed */
		ks_icmp_emit(buf + 34, n, &h);
	}
	return 34 + n;
}

static size_t frame_udp(uint8_t *buf, const uint8_t *dmac, uint32_t src, uint32_t dst,
			uint16_t sport, uint16_t dport, const char *data)
{
	uint8_t u[64];
	size_t n = 8 + strlen(data);

	memcpy(u + 8, data, strlen(data));
	ks_udp_emit(u, n, sport, dport, src, dst, true);
	return frame_ip(buf, dmac, src, dst, KS_IPPROTO_UDP, u, n);
}

static long snd(int fd, const void *buf, unsigned long n, int flags)
{
	return ks_sys_sendto(fd, buf, n, flags, NULL, 0);
}

static long rcv(int fd, void *buf, unsigned long n, int flags)
{
	return ks_sys_recvfrom(fd, buf, n, flags, NULL, NULL);
}

static long udp_sock(uint32_t addr, uint16_t port, bool reuse)
{
	long fd = ks_sys_socket(KS_AF_INET, KS_SOCK_DGRAM, 0);
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(port),
				      .sin_addr = { ks_hton32(addr) } };
	int one = 1;

	if (fd < 0)
		return fd;
	if (reuse)
		(void)ks_sys_setsockopt((int)fd, KS_SOL_SOCKET, KS_SO_REUSEADDR, &one, sizeof(one));
	if (port || addr) {
		long rc = ks_sys_bind((int)fd, (struct ks_sockaddr *)&sin, sizeof(sin));
		if (rc) {
			ks_sys_close((int)fd);
			return rc;
		}
	}
	return fd;
}

static long to(int fd, uint32_t addr, uint16_t port, bool do_connect, const char *data)
{
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(port),
				      .sin_addr = { ks_hton32(addr) } };

	if (do_connect)
		return ks_sys_connect(fd, (struct ks_sockaddr *)&sin, sizeof(sin));
	return ks_sys_sendto(fd, data, strlen(data), 0, (struct ks_sockaddr *)&sin, sizeof(sin));
}

static int so_error(int fd)
{
	int v = -1;
	unsigned len = sizeof(v);

	if (ks_sys_getsockopt(fd, KS_SOL_SOCKET, KS_SO_ERROR, &v, &len))
		return -1;
	return v;
}

static void t_arp_failure(struct ut_ctx *t)
{
	struct fixture fx;
	int one = 1;

	UT_EQ(t, fx_up(&fx), 0);
	long a = udp_sock(0, 0, false), b = udp_sock(0, 0, false);
	UT_TRUE(t, a >= 0 && b >= 0);
	UT_EQ(t, ks_sys_setsockopt((int)b, KS_SOL_IP, KS_IP_RECVERR, &one, sizeof(one)), 0);
	UT_EQ(t, to((int)a, KS_IPV4(198, 18, 0, 77), 9, true, NULL), 0);
	UT_EQ(t, to((int)b, KS_IPV4(198, 18, 0, 78), 9, true, NULL), 0);
	UT_EQ(t, snd((int)a, "x", 1, 0), 1);
	UT_EQ(t, snd((int)b, "y", 1, 0), 1);
	UT_EQ(t, sent_count(&fx.l1), 2); /* two requests */
	uint64_t next = 0;
	for (int i = 1; i <= 2; i++) {
		fx.clock += SEC;
		(void)ks_inet_net_poll_next(&next);
		UT_EQ(t, next, fx.clock + SEC);
		UT_EQ(t, so_error((int)b), 0);
	}
	UT_EQ(t, sent_count(&fx.l1), 6);
	fx.clock += SEC;
	(void)ks_inet_net_poll_next(&next);
	UT_EQ(t, next, KS_INET_NEVER);
	UT_EQ(t, sent_count(&fx.l1), 6);
	char c;
	UT_EQ(t, rcv((int)a, &c, 1, KS_MSG_DONTWAIT), -KS_EAGAIN);
	UT_EQ(t, rcv((int)b, &c, 1, KS_MSG_DONTWAIT), -KS_EHOSTUNREACH);
	UT_EQ(t, so_error((int)b), 0); /* taken once */
	UT_EQ(t, ks_inet_drops_get(&ks_inet_net_get()->st, KS_DROP_ARP_FAILED) >= 2, 1);
	ks_sys_close((int)a);
	ks_sys_close((int)b);
	fx_down(&fx);
}

/* An ICMP error from A about the datagram s sent (the frame f). */
static void feed_error(struct fdev *l1, const struct ks_pbuf *f, uint8_t code)
{
	uint8_t msg[8 + 28] = { KS_ICMP_DEST_UNREACH, code };
	uint8_t buf[128];

	memcpy(msg + 8, f->data + 14, 28);
	feed(l1, buf, frame_ip(buf, mac_b, A1, B1, KS_IPPROTO_ICMP, msg, sizeof(msg)));
}

static void t_icmp_errors(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *f;
	char c;

	UT_EQ(t, fx_up(&fx), 0);
	feed_arp_reply(&fx.l1);
	long s = udp_sock(0, 0, false);
	UT_EQ(t, to((int)s, A1, 9, true, NULL), 0);
	UT_EQ(t, snd((int)s, "hello", 5, 0), 5);
	f = sent_pop(&fx.l1);
	UT_TRUE(t, f != NULL && ks_get16(f->data + 12) == KS_ETH_P_IPV4);
	/* Net unreachable: soft, not reported without IP_RECVERR. */
	feed_error(&fx.l1, f, KS_ICMP_NET_UNREACH);
	UT_EQ(t, so_error((int)s), 0);
	/* Port unreachable: ECONNREFUSED, once. */
	feed_error(&fx.l1, f, KS_ICMP_PORT_UNREACH);
	UT_EQ(t, rcv((int)s, &c, 1, KS_MSG_DONTWAIT), -KS_ECONNREFUSED);
	UT_EQ(t, rcv((int)s, &c, 1, KS_MSG_DONTWAIT), -KS_EAGAIN);
	/* With IP_RECVERR the soft ones too. */
	int one = 1;
	UT_EQ(t, ks_sys_setsockopt((int)s, KS_SOL_IP, KS_IP_RECVERR, &one, sizeof(one)), 0);
	feed_error(&fx.l1, f, KS_ICMP_NET_UNREACH);
	UT_EQ(t, so_error((int)s), KS_ENETUNREACH);
	feed_error(&fx.l1, f, KS_ICMP_HOST_UNREACH);
	UT_EQ(t, snd((int)s, "x", 1, 0), -KS_EHOSTUNREACH);
	ks_pbuf_free(f);
	ks_sys_close((int)s);
	fx_down(&fx);
}

static void t_closed_port(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_inet_decoded d;
	uint8_t buf[128];
	struct ks_pbuf *p;

	UT_EQ(t, fx_up(&fx), 0);
	feed_arp_reply(&fx.l1);
	feed(&fx.l1, buf, frame_udp(buf, mac_b, A1, B1, 40000, 9, "anyone?"));
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL);
	UT_EQ(t, ks_inet_decode(&ks_inet_net_get()->st, p->data, p->len, 0, &d), 0);
	UT_EQ(t, d.kind, KS_INET_ICMP);
	UT_EQ(t, d.icmp.code, KS_ICMP_PORT_UNREACH);
	UT_EQ(t, d.ip.dst, A1);
	UT_EQ(t, d.icmp.quote.dport, 9);
	ks_pbuf_free(p);
	fx_down(&fx);
}

static uint32_t local_addr(int fd)
{
	struct ks_sockaddr_in sin;
	unsigned len = sizeof(sin);

	if (ks_sys_getsockname(fd, (struct ks_sockaddr *)&sin, &len))
		return 0;
	return ks_ntoh32(sin.sin_addr.s_addr);
}

static void t_routes(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *p;

	UT_EQ(t, fx_up(&fx), 0);
	UT_EQ(t, fx.l1.dev.ifindex, 2);
	UT_EQ(t, fx.l2.dev.ifindex, 3);
	long s = udp_sock(0, 0, false);
	UT_EQ(t, to((int)s, REMOTE, 9, false, "far"), -KS_ENETUNREACH);
	UT_EQ(t, ks_inet_route_add(0, 0, KS_IPV4(198, 18, 9, 1), 0), -KS_ENETUNREACH);
	UT_EQ(t, ks_inet_route_add(0, 0, A1, 0), 0);
	UT_EQ(t, ks_inet_route_add(0, 0, A1, 0), -KS_EEXIST);
	/* To the gateway's MAC: first its ARP request. */
	UT_EQ(t, to((int)s, REMOTE, 9, false, "far"), 3);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL && ks_get16(p->data + 12) == KS_ETH_P_ARP);
	UT_EQ(t, ks_get32(p->data + 38), A1);
	ks_pbuf_free(p);
	feed_arp_reply(&fx.l1);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL);
	UT_TRUE(t, memcmp(p->data, mac_a, 6) == 0);
	UT_EQ(t, ks_get32(p->data + 26), B1);
	UT_EQ(t, ks_get32(p->data + 30), REMOTE);
	ks_pbuf_free(p);
	/* The source by route. */
	long c1 = udp_sock(0, 0, false), c2 = udp_sock(0, 0, false);
	UT_EQ(t, to((int)c1, KS_IPV4(198, 19, 5, 1), 9, true, NULL), 0);
	UT_EQ(t, local_addr((int)c1), B2);
	UT_EQ(t, to((int)c2, REMOTE, 9, true, NULL), 0);
	UT_EQ(t, local_addr((int)c2), B1);
	/* IP_PKTINFO's ipi_ifindex 2: L2's prefix, but out L1 by its default
	 * route (only L1's routes count). */
	struct {
		struct ks_cmsghdr h;
		struct ks_in_pktinfo pi;
	} cm = { { KS_CMSG_LEN(sizeof(struct ks_in_pktinfo)), KS_SOL_IP, KS_IP_PKTINFO },
		 { .ipi_ifindex = 2 } };
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(9),
				      .sin_addr = { ks_hton32(KS_IPV4(198, 19, 5, 77)) } };
	struct ks_iovec iov = { (void *)"oif", 3 };
	struct ks_msghdr mh = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov,
				.msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof(cm) };
	UT_EQ(t, ks_sys_sendmsg((int)s, &mh, 0), 3);
	UT_EQ(t, sent_count(&fx.l2), 0);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL && memcmp(p->data, mac_a, 6) == 0);
	UT_EQ(t, ks_get32(p->data + 26), B1);
	UT_EQ(t, ks_get32(p->data + 30), KS_IPV4(198, 19, 5, 77));
	ks_pbuf_free(p);
	cm.pi.ipi_ifindex = 9;
	UT_EQ(t, ks_sys_sendmsg((int)s, &mh, 0), -KS_ENODEV);
	UT_EQ(t, ks_inet_route_del(0, 0), 0);
	UT_EQ(t, ks_inet_route_del(0, 0), -KS_ESRCH);
	UT_EQ(t, to((int)s, REMOTE, 9, false, "far"), -KS_ENETUNREACH);
	ks_sys_close((int)s);
	ks_sys_close((int)c1);
	ks_sys_close((int)c2);
	fx_down(&fx);
}

static void t_broadcast(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *p;
	uint8_t buf[128];
	char got[16];
	int one = 1;

	UT_EQ(t, fx_up(&fx), 0);
	long s = udp_sock(B1, 5001, false);
	long any = udp_sock(0, 5000, true), any2 = udp_sock(0, 5000, true);
	long bc = udp_sock(KS_IPV4(198, 18, 0, 255), 5000, true);
	long uni = udp_sock(B1, 5000, true);
	UT_TRUE(t, s >= 0 && any >= 0 && any2 >= 0 && bc >= 0 && uni >= 0);
	/* Out: EACCES without SO_BROADCAST, then the link broadcast. */
	UT_EQ(t, to((int)s, KS_IPV4(198, 18, 0, 255), 5000, false, "sub"), -KS_EACCES);
	UT_EQ(t, to((int)s, 0xffffffffu, 5000, false, "all"), -KS_EACCES);
	UT_EQ(t, ks_sys_setsockopt((int)s, KS_SOL_SOCKET, KS_SO_BROADCAST, &one, sizeof(one)), 0);
	UT_EQ(t, to((int)s, 0xffffffffu, 5000, false, "all"), 3);
	p = sent_pop(&fx.l1); /* out L1: the source's interface */
	UT_TRUE(t, p != NULL);
	UT_TRUE(t, memcmp(p->data, ks_eth_broadcast, 6) == 0);
	UT_EQ(t, ks_get32(p->data + 30), 0xffffffffu);
	ks_pbuf_free(p);
	UT_EQ(t, to((int)s, KS_IPV4(198, 18, 0, 255), 5000, false, "sub"), 3);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL && memcmp(p->data, ks_eth_broadcast, 6) == 0);
	ks_pbuf_free(p);
	/* Looped back: the INADDR_ANY sockets got both; the one bound to the
	 * prefix broadcast only the second; the unicast-bound one neither. */
	UT_EQ(t, rcv((int)any, got, sizeof(got), KS_MSG_DONTWAIT), 3);
	UT_EQ(t, rcv((int)any2, got, sizeof(got), KS_MSG_DONTWAIT), 3);
	UT_EQ(t, rcv((int)bc, got, sizeof(got), KS_MSG_DONTWAIT), 3);
	UT_TRUE(t, memcmp(got, "sub", 3) == 0);
	UT_EQ(t, rcv((int)any, got, sizeof(got), KS_MSG_DONTWAIT), 3);
	UT_EQ(t, rcv((int)any, got, sizeof(got), KS_MSG_DONTWAIT), -KS_EAGAIN);
	UT_EQ(t, rcv((int)uni, got, sizeof(got), KS_MSG_DONTWAIT), -KS_EAGAIN);
	(void)rcv((int)any2, got, sizeof(got), KS_MSG_DONTWAIT);
	/* In from the link: to every socket on the port, with the ifindex. */
	UT_EQ(t, ks_sys_setsockopt((int)any, KS_SOL_IP, KS_IP_PKTINFO, &one, sizeof(one)), 0);
	feed(&fx.l1, buf, frame_udp(buf, ks_eth_broadcast, A1, KS_IPV4(198, 18, 0, 255), 777, 5000,
				    "hey"));
	struct {
		struct ks_cmsghdr h;
		struct ks_in_pktinfo pi;
	} cm;
	struct ks_iovec iov = { got, sizeof(got) };
	struct ks_msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm,
				.msg_controllen = sizeof(cm) };
	UT_EQ(t, ks_sys_recvmsg((int)any, &mh, KS_MSG_DONTWAIT), 3);
	UT_EQ(t, cm.pi.ipi_ifindex, 2);
	UT_EQ(t, ks_ntoh32(cm.pi.ipi_addr.s_addr), KS_IPV4(198, 18, 0, 255));
	UT_EQ(t, rcv((int)any2, got, sizeof(got), KS_MSG_DONTWAIT), 3);
	UT_EQ(t, rcv((int)bc, got, sizeof(got), KS_MSG_DONTWAIT), 3);
	UT_EQ(t, rcv((int)uni, got, sizeof(got), KS_MSG_DONTWAIT), -KS_EAGAIN);
	/* Nobody on the port: dropped, never answered. */
	feed(&fx.l1, buf, frame_udp(buf, ks_eth_broadcast, A1, 0xffffffffu, 777, 5999, "x"));
	UT_EQ(t, sent_count(&fx.l1), 0);
	ks_sys_close((int)s);
	ks_sys_close((int)any);
	ks_sys_close((int)any2);
	ks_sys_close((int)bc);
	ks_sys_close((int)uni);
	fx_down(&fx);
}

struct frames {
	struct fdev *to;
	int n;
};

/* Feeds one piece of ks_ipfrag_output to B1 as a frame from A. */
static int feed_piece(void *arg, struct ks_pbuf *p)
{
	struct frames *fr = arg;
	static uint8_t buf[1514];

	memcpy(buf, mac_b, 6);
	memcpy(buf + 6, mac_a, 6);
	ks_put16(buf + 12, KS_ETH_P_IPV4);
	ks_pbuf_copy_out(p, 0, buf + 14, p->tot_len);
	feed(fr->to, buf, 14 + p->tot_len);
	fr->n++;
	ks_pbuf_free(p);
	return 0;
}

/* Whether frame p is IPv4 to mac, tot_len bytes, with DF and MF as given. */
static bool ip_frame(const struct ks_pbuf *p, const uint8_t *mac, unsigned tot_len, bool df,
		     bool mf)
{
	uint16_t frag = p ? ks_get16(p->data + 20) : 0;

	return p && memcmp(p->data, mac, 6) == 0 && ks_get16(p->data + 16) == tot_len &&
	       !!(frag & 0x4000) == df && !!(frag & 0x2000) == mf;
}

static void t_fragments(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *p;
	static char big[3000], got[4000];
	int one = 1;

	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	UT_EQ(t, fx_up(&fx), 0);
	UT_EQ(t, ks_inet_route_add(0, 0, A1, 0), 0);
	long s = udp_sock(0, 0, false), r = udp_sock(0, 5002, false);
	UT_TRUE(t, s >= 0 && r >= 0);
	struct ks_sockaddr_in far = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(9),
				      .sin_addr = { ks_hton32(REMOTE) } };
	/* Waiting for the gateway's MAC, whole; sent in fragments (DF clear). */
	UT_EQ(t, ks_sys_sendto((int)s, big, 3000, 0, (struct ks_sockaddr *)&far, sizeof(far)),
	      3000);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL && ks_get16(p->data + 12) == KS_ETH_P_ARP);
	ks_pbuf_free(p);
	feed_arp_reply(&fx.l1);
	UT_EQ(t, sent_count(&fx.l1), 3);
	static const unsigned lens[3] = { 1500, 1500, 68 };
	for (int i = 0; i < 3; i++) {
		p = sent_pop(&fx.l1);
		UT_TRUE(t, ip_frame(p, mac_a, lens[i], false, i < 2));
		ks_pbuf_free(p);
	}
	/* What the route's MTU carries whole goes with DF. */
	UT_EQ(t, ks_sys_sendto((int)s, big, 1472, 0, (struct ks_sockaddr *)&far, sizeof(far)),
	      1472);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(p, mac_a, 1500, true, false));
	ks_pbuf_free(p);
	/* A broadcast past the MTU: two fragments, and a whole copy looped
	 * back to the socket on the port. */
	UT_EQ(t, ks_sys_setsockopt((int)s, KS_SOL_SOCKET, KS_SO_BROADCAST, &one, sizeof(one)), 0);
	struct ks_sockaddr_in bc = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(5002),
				     .sin_addr = { ks_hton32(KS_IPV4(198, 18, 0, 255)) } };
	UT_EQ(t, ks_sys_sendto((int)s, big, 2000, 0, (struct ks_sockaddr *)&bc, sizeof(bc)), 2000);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(p, ks_eth_broadcast, 1500, false, true));
	ks_pbuf_free(p);
	UT_EQ(t, sent_count(&fx.l1), 1);
	sent_purge(&fx.l1);
	UT_EQ(t, rcv((int)r, got, sizeof(got), KS_MSG_DONTWAIT), 2000);
	UT_TRUE(t, memcmp(got, big, 2000) == 0);
	/* In: a datagram from behind the gateway, in three fragments, read
	 * whole. */
	struct ks_ipv4_hdr ih = { .tot_len = 20 + 8 + 3000, .id = 44, .ttl = 64,
				  .proto = KS_IPPROTO_UDP, .src = REMOTE, .dst = B1 };
	UT_EQ(t, ks_pbuf_alloc(&ks_inet_net_get()->st.pbufs, 0, ih.tot_len, &p), 0);
	memcpy(p->data + 28, big, 3000);
	ks_udp_emit(p->data + 20, 8 + 3000, 40000, 5002, REMOTE, B1, true);
	ks_ipv4_emit(p->data, 20, &ih);
	struct frames fr = { &fx.l1, 0 };
	UT_EQ(t, ks_ipfrag_output(&ks_inet_net_get()->st, p, 1500, 0, feed_piece, &fr), 0);
	UT_EQ(t, fr.n, 3);
	UT_EQ(t, rcv((int)r, got, sizeof(got), KS_MSG_DONTWAIT), 3000);
	UT_TRUE(t, memcmp(got, big, 3000) == 0);
	UT_EQ(t, sent_count(&fx.l1), 0);
	ks_sys_close((int)s);
	ks_sys_close((int)r);
	fx_down(&fx);
}

/* ICMP fragmentation needed from the gateway quoting frame f (Ethernet)
 * with next-hop MTU mtu. */
static void feed_frag_needed(struct fdev *l1, const struct ks_pbuf *f, uint16_t mtu)
{
	uint8_t msg[8 + 28] = { KS_ICMP_DEST_UNREACH, KS_ICMP_FRAG_NEEDED };
	uint8_t buf[128];

	ks_put16(msg + 6, mtu);
	memcpy(msg + 8, f->data + 14, 28);
	feed(l1, buf, frame_ip(buf, mac_b, A1, B1, KS_IPPROTO_ICMP, msg, sizeof(msg)));
}

static int getint(int fd, int name)
{
	int v = -1;
	unsigned len = sizeof(v);
	long rc = ks_sys_getsockopt(fd, KS_SOL_IP, name, &v, &len);

	return rc ? (int)rc : v;
}

static int setint(int fd, int name, int v)
{
	return (int)ks_sys_setsockopt(fd, KS_SOL_IP, name, &v, sizeof(v));
}

/* One IP_RECVERR entry of fd: its extended error and offender, the
 * bytes read (or the error), the name's port (0: none). */
struct errq_read {
	long n;
	struct ks_sock_extended_err ee;
	struct ks_sockaddr_in offender, name;
	int flags;
};

static void read_errq(int fd, struct errq_read *r)
{
	char data[64];
	union {
		char buf[128];
		struct ks_cmsghdr align;
	} ctl;
	struct ks_iovec iov = { data, sizeof(data) };
	struct ks_msghdr mh = { &r->name, sizeof(r->name), &iov, 1, ctl.buf, sizeof(ctl.buf), 0 };

	memset(r, 0, sizeof(*r));
	memset(&ctl, 0, sizeof(ctl));
	r->n = ks_sys_recvmsg(fd, &mh, KS_MSG_ERRQUEUE);
	r->flags = mh.msg_flags;
	if (mh.msg_namelen == 0)
		memset(&r->name, 0, sizeof(r->name));
	if (r->n >= 0 && mh.msg_controllen >= KS_CMSG_LEN(sizeof(r->ee) + sizeof(r->offender))) {
		const char *d = ctl.buf + KS_CMSG_ALIGN(sizeof(struct ks_cmsghdr));
		memcpy(&r->ee, d, sizeof(r->ee));
		memcpy(&r->offender, d + sizeof(r->ee), sizeof(r->offender));
	}
}

static void t_pmtu_udp(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *f, *p;
	static char big[1472];
	struct ks_inet_stack *st = &ks_inet_net_get()->st;

	UT_EQ(t, fx_up(&fx), 0);
	UT_EQ(t, ks_inet_route_add(0, 0, A1, 0), 0);
	feed_arp_reply(&fx.l1);
	long s = udp_sock(0, 0, false);
	UT_EQ(t, getint((int)s, KS_IP_MTU), -KS_ENOTCONN);
	UT_EQ(t, to((int)s, REMOTE, 9, true, NULL), 0);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1500);
	UT_EQ(t, snd((int)s, big, sizeof(big), 0), 1472);
	f = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(f, mac_a, 1500, true, false));
	/* Below RFC 791's 68: not believed (the error is still reported). */
	unsigned long bad = st->pmtu.stats.bad_mtu;
	feed_frag_needed(&fx.l1, f, 40);
	UT_EQ(t, st->pmtu.stats.bad_mtu, bad + 1);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1500);
	UT_EQ(t, so_error((int)s), KS_EMSGSIZE);
	/* 1400: learnt; EMSGSIZE for the connected socket (Linux's hard error). */
	feed_frag_needed(&fx.l1, f, 1400);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1400);
	UT_EQ(t, so_error((int)s), KS_EMSGSIZE);
	/* WANT: cut to 1400 here, DF clear. */
	UT_EQ(t, snd((int)s, big, sizeof(big), 0), 1472);
	UT_EQ(t, sent_count(&fx.l1), 2);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(p, mac_a, 1396, false, true));
	ks_pbuf_free(p);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(p, mac_a, 20 + 1480 - 1376, false, false));
	ks_pbuf_free(p);
	/* DO: EMSGSIZE past it, DF on what fits. With IP_RECVERR, an entry
	 * of origin LOCAL with the MTU (Linux's ip_local_error); the ICMP
	 * one before it had the MTU the router said. */
	UT_EQ(t, setint((int)s, KS_IP_MTU_DISCOVER, KS_IP_PMTUDISC_DO), 0);
	UT_EQ(t, setint((int)s, KS_IP_RECVERR, 1), 0);
	UT_EQ(t, snd((int)s, big, sizeof(big), 0), -KS_EMSGSIZE);
	struct errq_read er;
	read_errq((int)s, &er);
	UT_EQ(t, er.n, 0);
	UT_EQ(t, er.ee.ee_errno, KS_EMSGSIZE);
	UT_EQ(t, er.ee.ee_origin, KS_SO_EE_ORIGIN_LOCAL);
	UT_EQ(t, er.ee.ee_info, 1400);
	UT_EQ(t, er.offender.sin_family, 0);
	UT_EQ(t, ks_ntoh16(er.name.sin_port), 9);
	UT_TRUE(t, er.flags & KS_MSG_ERRQUEUE);
	read_errq((int)s, &er);
	UT_EQ(t, er.n, -KS_EAGAIN);
	feed_frag_needed(&fx.l1, f, 1350);
	read_errq((int)s, &er);
	UT_EQ(t, er.n, 0); /* the quote had no payload past the UDP header */
	UT_EQ(t, er.ee.ee_origin, KS_SO_EE_ORIGIN_ICMP);
	UT_EQ(t, er.ee.ee_type, KS_ICMP_DEST_UNREACH);
	UT_EQ(t, er.ee.ee_code, KS_ICMP_FRAG_NEEDED);
	UT_EQ(t, er.ee.ee_info, 1350);
	UT_EQ(t, ks_ntoh32(er.offender.sin_addr.s_addr), A1);
	UT_EQ(t, ks_ntoh32(er.name.sin_addr.s_addr), REMOTE);
	UT_EQ(t, so_error((int)s), 0);
	UT_EQ(t, setint((int)s, KS_IP_RECVERR, 0), 0);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1350);
	UT_EQ(t, snd((int)s, big, 1372, 0), -KS_EMSGSIZE);
	UT_EQ(t, snd((int)s, big, 1322, 0), 1322);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(p, mac_a, 1350, true, false));
	ks_pbuf_free(p);
	/* PROBE: the link's MTU, DF. */
	UT_EQ(t, setint((int)s, KS_IP_MTU_DISCOVER, KS_IP_PMTUDISC_PROBE), 0);
	UT_EQ(t, snd((int)s, big, sizeof(big), 0), 1472);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(p, mac_a, 1500, true, false));
	ks_pbuf_free(p);
	/* DONT: cut to the path's MTU, and its ICMP is no error. */
	UT_EQ(t, setint((int)s, KS_IP_MTU_DISCOVER, KS_IP_PMTUDISC_DONT), 0);
	UT_EQ(t, snd((int)s, big, sizeof(big), 0), 1472);
	UT_EQ(t, sent_count(&fx.l1), 2);
	sent_purge(&fx.l1);
	feed_frag_needed(&fx.l1, f, 1300);
	UT_EQ(t, so_error((int)s), 0);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1300);
	/* Linux's mtu_expires: 10 minutes after it was learnt. */
	fx.clock += 600 * SEC;
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1500);
	ks_pbuf_free(f);
	ks_sys_close((int)s);
	ks_pmtu_reset(&st->pmtu); /* its times are the fake clock's */
	fx_down(&fx);
}

/* REMOTE:80 sends a TCP segment with n bytes of data to B1:dport (an
 * MSS option on a SYN), its IP ECN field ecn. */
static void feed_tcp_ecn(struct fdev *l1, uint16_t dport, uint32_t seq, uint32_t ack,
			 uint8_t flags, unsigned ecn, const char *data, size_t n)
{
	uint8_t seg[128], buf[192];
	struct ks_tcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.sport = 80;
	h.dport = dport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.wnd = 65535;
	h.opt.mss_ok = (flags & KS_TCP_SYN) != 0;
	h.opt.mss = 1460;
	h.hlen = (uint8_t)(KS_TCP_HLEN + ks_tcp_opts_len(&h.opt));
	if (n)
		memcpy(seg + h.hlen, data, n);
	ks_tcp_emit(seg, h.hlen + n, &h, REMOTE, B1);
	size_t len = frame_ip(buf, mac_b, REMOTE, B1, KS_IPPROTO_TCP, seg, h.hlen + n);
	buf[15] = (uint8_t)ecn; /* the TOS byte; the header checksum again */
	ks_put16(buf + 24, 0);
	ks_put16(buf + 24, ks_csum(buf + 14, 20));
	feed(l1, buf, len);
}

static void feed_tcp(struct fdev *l1, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	feed_tcp_ecn(l1, dport, seq, ack, flags, KS_IP_ECN_NOT_ECT, NULL, 0);
}

static void t_pmtu_tcp(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *f, *p;
	static char big[2920];
	struct ks_inet_stack *st = &ks_inet_net_get()->st;
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(80),
				      .sin_addr = { ks_hton32(REMOTE) } };

	UT_EQ(t, fx_up(&fx), 0);
	UT_EQ(t, ks_inet_route_add(0, 0, A1, 0), 0);
	feed_arp_reply(&fx.l1);
	long s = ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM | KS_SOCK_NONBLOCK, 0);
	UT_TRUE(t, s >= 0);
	UT_EQ(t, getint((int)s, KS_IP_MTU), -KS_ENOTCONN);
	UT_EQ(t, ks_sys_connect((int)s, (struct ks_sockaddr *)&sin, sizeof(sin)), -KS_EINPROGRESS);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL && p->len >= 54 && (p->data[20] & 0x40)); /* the SYN, with DF */
	uint32_t iss = ks_get32(p->data + 38);
	uint16_t lport = ks_get16(p->data + 34);
	ks_pbuf_free(p);
	feed_tcp(&fx.l1, lport, 5000, iss + 1, KS_TCP_SYN | KS_TCP_ACK);
	sent_purge(&fx.l1); /* the handshake's ACK */
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1500);
	UT_EQ(t, snd((int)s, big, sizeof(big), 0), 2920);
	UT_EQ(t, sent_count(&fx.l1), 2);
	f = sent_pop(&fx.l1);
	UT_TRUE(t, ip_frame(f, mac_a, 1500, true, false));
	sent_purge(&fx.l1);
	/* Quoting a sequence number not in flight: ignored, counted. */
	unsigned long oow = st->pmtu.stats.out_of_window;
	ks_put32(f->data + 38, iss + 100000);
	feed_frag_needed(&fx.l1, f, 1280);
	UT_EQ(t, st->pmtu.stats.out_of_window, oow + 1);
	UT_EQ(t, sent_count(&fx.l1), 0);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1500);
	/* Quoting the first segment: everything goes again at MSS 1240. */
	ks_put32(f->data + 38, iss + 1);
	feed_frag_needed(&fx.l1, f, 1280);
	UT_EQ(t, getint((int)s, KS_IP_MTU), 1280);
	int mss = -1;
	unsigned len = sizeof(mss);
	UT_EQ(t, ks_sys_getsockopt((int)s, 6 /* SOL_TCP */, 2 /* TCP_MAXSEG */, &mss, &len), 0);
	UT_EQ(t, mss, 1240);
	UT_EQ(t, so_error((int)s), 0); /* not an error for the user */
	static const unsigned lens[3] = { 1280, 1280, 40 + 2920 - 2480 };
	UT_EQ(t, sent_count(&fx.l1), 3);
	for (int i = 0; i < 3; i++) {
		p = sent_pop(&fx.l1);
		UT_TRUE(t, ip_frame(p, mac_a, lens[i], true, false));
		UT_EQ(t, ks_get32(p->data + 38), iss + 1 + (uint32_t)i * 1240);
		ks_pbuf_free(p);
	}
	ks_pbuf_free(f);
	feed_tcp(&fx.l1, lport, 5001, iss + 1 + 2920, KS_TCP_RST);
	ks_sys_close((int)s);
	(void)ks_inet_tcp_expire(); /* nothing should be left; if it is, end it */
	sent_purge(&fx.l1);
	ks_pmtu_reset(&st->pmtu);
	fx_down(&fx);
}

/* ECN through an interface: with tcp_ecn 1 the SYN asks (ECE and CWR,
 * Not-ECT), a SYN-ACK with ECE turns it on; data leaves ECT(0) in the TOS
 * byte beside IP_TOS's bits (whose own ECN bits are dropped); a CE-marked
 * segment arriving is answered at once with ECE, Not-ECT. */
static void t_ecn_tcp(struct ut_ctx *t)
{
	struct fixture fx;
	struct ks_pbuf *p;
	struct ks_sockaddr_in sin = { .sin_family = KS_AF_INET, .sin_port = ks_hton16(80),
				      .sin_addr = { ks_hton32(REMOTE) } };

	UT_EQ(t, fx_up(&fx), 0);
	UT_EQ(t, ks_inet_route_add(0, 0, A1, 0), 0);
	feed_arp_reply(&fx.l1);
	UT_EQ(t, ks_inet_get_tcp_ecn(), 2);
	UT_EQ(t, ks_inet_set_tcp_ecn(3), -KS_EINVAL);
	UT_EQ(t, ks_inet_set_tcp_ecn(-1), -KS_EINVAL);
	UT_EQ(t, ks_inet_set_tcp_ecn(1), 0);
	long s = ks_sys_socket(KS_AF_INET, KS_SOCK_STREAM | KS_SOCK_NONBLOCK, 0);
	UT_TRUE(t, s >= 0);
	UT_EQ(t, setint((int)s, KS_IP_TOS, 0x13), 0);
	UT_EQ(t, getint((int)s, KS_IP_TOS), 0x10);
	UT_EQ(t, ks_sys_connect((int)s, (struct ks_sockaddr *)&sin, sizeof(sin)), -KS_EINPROGRESS);
	(void)ks_inet_set_tcp_ecn(2); /* the SYN is out: the rest is the connection's */
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL && p->len >= 54);
	UT_EQ(t, p->data[47], KS_TCP_SYN | KS_TCP_ECE | KS_TCP_CWR);
	UT_EQ(t, p->data[15], 0x10);
	uint32_t iss = ks_get32(p->data + 38);
	uint16_t lport = ks_get16(p->data + 34);
	ks_pbuf_free(p);
	feed_tcp_ecn(&fx.l1, lport, 5000, iss + 1, KS_TCP_SYN | KS_TCP_ACK | KS_TCP_ECE,
		     KS_IP_ECN_NOT_ECT, NULL, 0);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL);
	UT_EQ(t, p->data[47], KS_TCP_ACK);
	UT_EQ(t, p->data[15], 0x10);
	ks_pbuf_free(p);
	UT_EQ(t, snd((int)s, "data", 4, 0), 4);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL);
	UT_EQ(t, p->data[15], 0x10 | KS_IP_ECN_ECT0);
	UT_EQ(t, p->data[47] & (KS_TCP_ECE | KS_TCP_CWR), 0);
	ks_pbuf_free(p);
	feed_tcp_ecn(&fx.l1, lport, 5001, iss + 5, KS_TCP_ACK | KS_TCP_PSH, KS_IP_ECN_CE, "abc", 3);
	p = sent_pop(&fx.l1);
	UT_TRUE(t, p != NULL);
	UT_EQ(t, p->data[47], KS_TCP_ACK | KS_TCP_ECE);
	UT_EQ(t, p->data[15], 0x10);
	ks_pbuf_free(p);
	uint8_t info[104];
	unsigned len = sizeof(info);
	UT_EQ(t, ks_sys_getsockopt((int)s, 6, 11 /* TCP_INFO */, info, &len), 0);
	UT_EQ(t, info[5] & (8 | 16), 8 | 16); /* TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN */
	feed_tcp(&fx.l1, lport, 5004, iss + 5, KS_TCP_RST);
	ks_sys_close((int)s);
	(void)ks_inet_tcp_expire();
	sent_purge(&fx.l1);
	fx_down(&fx);
}

const struct ut_case ut_cases_inet_net[] = {
	{ "arp_failure", t_arp_failure },
	{ "icmp_errors", t_icmp_errors },
	{ "closed_port", t_closed_port },
	{ "routes", t_routes },
	{ "broadcast", t_broadcast },
	{ "fragments", t_fragments },
	{ "pmtu_udp", t_pmtu_udp },
	{ "pmtu_tcp", t_pmtu_tcp },
	{ "ecn_tcp", t_ecn_tcp },
	{ 0 },
};

/*
 * netif.c - libFuzzer target: a sequence of events on one interface in a
 * routing table (198.18.0.2/24, default route via 198.18.0.1), so that
 * the neighbour cache, its queues and timers, ICMP errors and their rate
 * limit, broadcasts, echo replies and reassembly (fragments received,
 * their time exceeded errors, datagrams they complete) meet hostile input
 * and each other.
 *
 * Input: a mode byte (bits as fuzz.h: checksums fixed in each frame; bit 3
 * makes the UDP hook refuse with "no socket"), then records of one op
 * byte, one length byte L and, for op 0, L bytes:
 *   op 0  a frame of L bytes received (queued, then polled)
 *   op 1  the clock moves by L * 100 ms, timers run
 *   op 2  a datagram to 198.18.L.(L ^ 0x5a) sent by the routing table
 *   op 3  the same to 255.255.255.255 or, for an odd L, 198.18.0.255
 * Invariants: every frame the interface transmits decodes without a drop,
 * from its own MAC and, for IPv4, from its own address; no more ARP
 * requests than 3 per datagram sent or frame received (a reply may need
 * resolving); after the interface is deleted and the stack reset (the
 * fragments reassembly still holds) no packet buffer is live (queues, ARP
 * entries, sent frames).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inet/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ADDR KS_IPV4(198, 18, 0, 2)

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static uint64_t now;

static uint64_t clock_fn(void *arg)
{
	(void)arg; /* the target's own time */
	return now;
}

struct fz_dev {
	struct ks_netdev dev;
	struct ks_inet_stack *st;
	int refuse;
};

/* Every frame sent must be well formed and ours. */
static int xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct fz_dev *fd = dev->priv;
	struct ks_inet_stack check;
	struct ks_inet_decoded d;
	struct ks_inet_config cfg = { .now = clock_fn };

	FZ_ASSERT(p->next == NULL);
	FZ_ASSERT(ks_inet_stack_init(&check, &cfg) == 0);
	FZ_ASSERT(ks_inet_decode(&check, p->data, p->len, 0, &d) == 0);
	FZ_ASSERT(memcmp(d.eth.src, our_mac, 6) == 0);
	if (d.kind == KS_INET_ARP)
		FZ_ASSERT(d.arp.spa == ADDR);
	else
		FZ_ASSERT(d.ip.src == ADDR);
	(void)fd; /* the device's state is not needed */
	ks_pbuf_free(p);
	return 0;
}

static const struct ks_netdev_ops ops = { .xmit = xmit };

static int udp_hook(void *arg, struct ks_pbuf *p, const struct ks_inet_decoded *d)
{
	struct fz_dev *fd = arg;

	FZ_ASSERT(p->tot_len == d->ip.tot_len);
	if (fd->refuse)
		return -KS_DROP_NO_SOCKET;
	ks_pbuf_free(p); /* a socket took it */
	return 0;
}

static void err_hook(void *arg, const struct ks_icmp_hdr *icmp)
{
	(void)arg; /* only the quote's sanity matters */
	FZ_ASSERT(icmp->is_error && icmp->quote.ip.proto == KS_IPPROTO_UDP);
}

static void feed(struct fz_dev *fd, struct ks_inet_netif *nif, const uint8_t *b, size_t len,
		 unsigned mode)
{
	struct ks_pbuf *p;

	if (ks_netdev_alloc_rx(&fd->dev, (uint32_t)len, &p) != 0)
		return;
	memcpy(p->data, b, len);
	if (len >= KS_ETH_HLEN && ks_get16(p->data + 12) == KS_ETH_P_IPV4)
		fz_fix(p->data + KS_ETH_HLEN, len - KS_ETH_HLEN, mode);
	if (mode & FZ_CSUM_OK)
		p->flags |= KS_PBUF_F_CSUM_OK;
	ks_netdev_rx(&fd->dev, p);
	(void)ks_inet_netif_poll(nif);
}

static void send_dgram(struct ks_inet_rtab *rt, struct ks_inet_stack *st, uint32_t dst)
{
	struct ks_ipv4_hdr ih = { .tot_len = 20 + 8 + 4, .ttl = 64, .proto = KS_IPPROTO_UDP,
				  .src = ADDR, .dst = dst };
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&st->pbufs, KS_PBUF_ROOM_IP, ih.tot_len, &p) != 0)
		return;
	memset(p->data + 28, 'f', 4);
	ks_udp_emit(p->data + 20, 12, 40000, 9, ADDR, dst, true);
	ks_ipv4_emit(p->data, 20, &ih);
	(void)ks_inet_rtab_output(rt, p, ADDR, dst); /* errors are fine: no route, ... */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_inet_config cfg = { .now = clock_fn };
	struct ks_inet_stack st;
	struct ks_inet_rtab rt;
	struct ks_inet_netif *nif;
	struct fz_dev fd;

	if (size < 1)
		return 0;
	unsigned mode = data[0];
	now = IT_T0;
	FZ_ASSERT(ks_inet_stack_init(&st, &cfg) == 0);
	memset(&fd, 0, sizeof(fd));
	ks_netdev_init(&fd.dev, &ops, &fd, "fz");
	fd.dev.pool = &st.pbufs;
	fd.st = &st;
	fd.refuse = (mode & 8) != 0;
	memcpy(fd.dev.mac, our_mac, 6);
	FZ_ASSERT(ks_inet_netif_add(&st, &fd.dev, ADDR, 24, &nif) == 0);
	ks_inet_netif_set_udp(nif, udp_hook, &fd);
	ks_inet_netif_set_err(nif, err_hook, &fd);
	ks_inet_rtab_init(&rt);
	FZ_ASSERT(ks_inet_rtab_add_netif(&rt, nif) == 0);
	FZ_ASSERT(ks_inet_rtab_route_add(&rt, 0, 0, KS_IPV4(198, 18, 0, 1), 0) == 0);
	FZ_ASSERT(ks_netdev_open(&fd.dev) == 0);
	unsigned long events = 0;
	for (size_t i = 1; i + 2 <= size;) {
		uint8_t op = data[i] & 3, len = data[i + 1];
		i += 2;
		if (op == 0) {
			size_t n = len <= size - i ? len : size - i;
			feed(&fd, nif, data + i, n, mode);
			i += n;
			events++;
		} else if (op == 1) {
			now += (uint64_t)len * 100000000ull;
			(void)ks_inet_netif_timers(nif);
		} else if (op == 2) {
			send_dgram(&rt, &st, KS_IPV4(198, 18, len, len ^ 0x5a));
			events++;
		} else {
			send_dgram(&rt, &st, len & 1 ? KS_IPV4(198, 18, 0, 255) : 0xffffffffu);
		}
	}
	FZ_ASSERT(nif->stats.arp_requests <= events * KS_INET_ARP_SOLICIT);
	ks_netdev_stop(&fd.dev);
	ks_inet_rtab_del_netif(&rt, nif);
	ks_inet_netif_del(nif);
	ks_inet_stack_reset(&st); /* frees the fragments reassembly holds */
	FZ_ASSERT(ks_pbuf_pool_live(&st.pbufs) == 0);
	return 0;
}

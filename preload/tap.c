/*
 * tap.c - ksock-run's TAP interface: the program's AF_INET sockets reach
 * Linux (and beyond) through ksock's own IPv4 stack over a Linux TAP.
 *
 * With KSOCK_TAP=IFNAME (the launcher's --tap) and KSOCK_TAP_ADDR=A.B.C.D/N
 * (--addr), and optionally KSOCK_TAP_GATEWAY=A.B.C.D (--gateway), the
 * first AF_INET socket ksock makes in the process attaches the TAP
 * interface IFNAME (port/hosted/tap.c, which must exist in the process's
 * network namespace or be creatable by it), puts A.B.C.D/N on it (with
 * its connected route), adds a default route through the gateway, and
 * starts the interface's driver thread. Loopback (127.0.0.0/8) stays
 * ksock's own; every other destination goes out of the TAP, where Linux
 * (the other side of the TAP, its routing and forwarding) answers. The
 * TAP is attached on the first AF_INET socket rather than at start-up, so
 * a program that makes none (a shell that execs the real client) does not
 * hold the TAP, which another process could then not attach (a TAP
 * without IFF_MULTI_QUEUE has one owner: EBUSY).
 *
 * Data flow. Frames the stack sends go down through a thin wrapper device
 * (struct ksr_tap_dev) to the TAP's descriptor, written by the sending
 * thread. The TAP's receive thread (tap.c) reads each frame and hands it
 * to the wrapper's upcall, which passes it to the stack's (which only
 * queues it) and wakes the driver thread if it sleeps. The driver thread,
 * as a kernel's network softirq and timers would, runs
 * ks_inet_net_poll_next (received frames: ARP, IPv4, TCP and UDP input;
 * interface timers) and then sleeps on an eventfd until a frame arrives
 * or the next deadline the stack gave: it never polls in a loop. TCP's
 * own timers are port timers (sock_tcp.c), not the driver's.
 *
 * Interface: ksr_tap_config (the constructor), ksr_tap_start (socket(),
 * before an AF_INET socket is made).
 *
 * Locking: the start runs once (pthread_once); the wrapper's fields are
 * written before the device is opened and only read after. The driver's
 * "asleep" flag is a sequentially consistent atomic: the upcall queues
 * its frame before it reads the flag, the driver sets the flag before it
 * looks at the queue, so a frame is either seen or wakes the driver.
 *
 * Not supported: more than one interface; IPv6; detaching (the interface
 * stays until the process exits; exit does not wait for unsent TCP data);
 * the TAP's descriptors are ordinary ones (a program that closes every
 * descriptor it does not know, closefrom(3) after its first AF_INET
 * socket, closes them too).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "inet/netdev.h"
#include "inet/netif.h"
#include "inet/sock_inet.h"
#include "ksr.h"
#include "tap.h"

/* The settings (the constructor writes them, before any thread). */
static char tap_name[KS_NETDEV_NAMELEN];
static uint32_t tap_addr, tap_gw; /* host byte order; tap_gw 0: no route */
static unsigned tap_prefix;
static int tap_wanted;

/* A device over the TAP whose upcall wakes the driver thread. */
struct ksr_tap_dev {
	struct ks_netdev dev;
	struct ks_netdev *lower; /* the TAP's */
	int efd;                 /* the driver's wakeup */
	int asleep;              /* atomic: the driver sleeps (or is about to) */
};

static struct ksr_tap_dev tapdev;
static pthread_once_t tap_once = PTHREAD_ONCE_INIT;
static int tap_err; /* the start's result: 0 or a negative errno */

static int tap_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct ksr_tap_dev *t = dev->priv;

	return ks_netdev_xmit(t->lower, p);
}

static void tap_wake(struct ksr_tap_dev *t)
{
	uint64_t one = 1;

	if (__atomic_exchange_n(&t->asleep, 0, __ATOMIC_SEQ_CST) &&
	    REAL(write)(t->efd, &one, sizeof(one)) < 0)
		return; /* EAGAIN: the counter is full, the driver is woken anyway */
}

/* The TAP's upcall (its receive thread): up to the stack, then a wake. */
static void tap_rx(void *arg, struct ks_netdev *lower, struct ks_pbuf *p)
{
	struct ksr_tap_dev *t = arg;

	(void)lower; /* always t->lower */
	ks_netdev_rx(&t->dev, p);
	tap_wake(t);
}

static int tap_open(struct ks_netdev *dev)
{
	struct ksr_tap_dev *t = dev->priv;

	return ks_netdev_open(t->lower);
}

static void tap_stop(struct ks_netdev *dev)
{
	struct ksr_tap_dev *t = dev->priv;

	ks_netdev_stop(t->lower);
}

static const struct ks_netdev_ops tap_ops = {
	.xmit = tap_xmit,
	.open = tap_open,
	.stop = tap_stop,
};

/* The time until deadline (the stack's clock, CLOCK_MONOTONIC ns) as a
 * ppoll timeout in *ts; NULL for none. */
static struct timespec *tap_timeout(uint64_t deadline, struct timespec *ts)
{
	if (deadline == KS_INET_NEVER)
		return NULL;
	uint64_t now = ks_port_now_ns();
	uint64_t left = deadline > now ? deadline - now : 0;
	ts->tv_sec = (time_t)(left / 1000000000u);
	ts->tv_nsec = (long)(left % 1000000000u);
	return ts;
}

/* The driver thread: the stack's receive processing and interface timers. */
static void *tap_driver(void *arg)
{
	struct ksr_tap_dev *t = arg;
	struct pollfd pfd = { .fd = t->efd, .events = POLLIN };

	for (;;) {
		uint64_t next, count;
		struct timespec ts;

		__atomic_store_n(&t->asleep, 1, __ATOMIC_SEQ_CST);
		if (ks_inet_net_poll_next(&next) > 0) {
			__atomic_store_n(&t->asleep, 0, __ATOMIC_RELAXED);
			continue;
		}
		if (REAL(ppoll)(&pfd, 1, tap_timeout(next, &ts), NULL) > 0)
			(void)REAL(read)(t->efd, &count, sizeof(count)); /* clears it; any result */
	}
	return NULL;
}

/* Parses "A.B.C.D" into *addr (host order); 0 or -1. */
static int parse_addr(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*addr = ntohl(in.s_addr);
	return 0;
}

void ksr_tap_config(void)
{
	const char *name = getenv("KSOCK_TAP"), *addr = getenv("KSOCK_TAP_ADDR");
	const char *gw = getenv("KSOCK_TAP_GATEWAY");
	char buf[64], *slash;

	if (!name || !name[0])
		return;
	snprintf(buf, sizeof(buf), "%s", addr ? addr : "");
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (strlen(name) >= sizeof(tap_name) || !slash || parse_addr(buf, &tap_addr) ||
	    (tap_prefix = (unsigned)atoi(slash)) < 1 || tap_prefix > 30 ||
	    (gw && gw[0] && parse_addr(gw, &tap_gw))) {
		ksr_note("KSOCK_TAP=%s needs KSOCK_TAP_ADDR=A.B.C.D/N (N 1 to 30) and an optional "
			 "KSOCK_TAP_GATEWAY=A.B.C.D: got '%s', '%s'; no interface", name,
			 addr ? addr : "", gw ? gw : "");
		return;
	}
	snprintf(tap_name, sizeof(tap_name), "%s", name);
	tap_wanted = 1;
}

/* Attaches the TAP, the address, the route; starts the driver. */
static int tap_bring_up(void)
{
	struct ks_inet_net *net = ks_inet_net_get();
	struct ks_inet_netif *nif;
	struct ks_tap *tap;
	pthread_t drv;
	int rc;

	int efd = REAL(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -errno;
	if ((efd = ksr_internal_fd(efd)) < 0)
		return efd;
	if ((rc = ks_tap_open(tap_name, &net->st.pbufs, &tap)))
		return rc; /* efd stays: one internal descriptor, unused */
	tapdev.lower = ks_tap_dev(tap);
	tapdev.efd = efd;
	ks_netdev_init(&tapdev.dev, &tap_ops, &tapdev, tapdev.lower->name);
	ks_netdev_inherit(&tapdev.dev, tapdev.lower);
	ks_netdev_attach(tapdev.lower, tap_rx, &tapdev);
	if ((rc = ks_inet_netif_add(&net->st, &tapdev.dev, tap_addr, tap_prefix, &nif)))
		goto close_tap;
	if ((rc = ks_inet_net_attach(nif)))
		goto del_nif;
	if ((tap_gw && (rc = ks_inet_route_add(0, 0, tap_gw, 0))) ||
	    (rc = ks_netdev_open(&tapdev.dev)))
		goto detach;
	if ((rc = -pthread_create(&drv, NULL, tap_driver, &tapdev)))
		goto stop;
	pthread_detach(drv);
	return 0;
stop:
	ks_netdev_stop(&tapdev.dev);
detach:
	ks_inet_net_detach(nif);
del_nif:
	ks_inet_netif_del(nif);
close_tap:
	ks_tap_close(tap);
	return rc;
}

static void tap_start_once(void)
{
	sigset_t all, old;

	/* The TAP's receive thread and the driver inherit a full mask: the
	 * program's signals go to its own threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	tap_err = tap_bring_up();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	struct in_addr ia = { htonl(tap_addr) }, ig = { htonl(tap_gw) };
	inet_ntop(AF_INET, &ia, a, sizeof(a));
	inet_ntop(AF_INET, &ig, g, sizeof(g));
	if (tap_err)
		ksr_note("cannot attach TAP interface %s as %s/%u: %s (AF_INET sockets fail "
			 "with this error)", tap_name, a, tap_prefix, strerror(-tap_err));
	else if (getenv("KSOCK_TAP_VERBOSE"))
		ksr_note("TAP interface %s attached: %s/%u, default route via %s", tap_name, a,
			 tap_prefix, tap_gw ? g : "(none)");
}

int ksr_tap_start(void)
{
	if (!tap_wanted)
		return 0;
	pthread_once(&tap_once, tap_start_once);
	return tap_err;
}

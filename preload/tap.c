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
 * opens the device. Loopback (127.0.0.0/8) stays
 * ksock's own; every other destination goes out of the TAP, where Linux
 * (the other side of the TAP, its routing and forwarding) answers. The
 * TAP is attached on the first AF_INET socket rather than at start-up, so
 * a program that makes none (a shell that execs the real client) does not
 * hold the TAP, which another process could then not attach (a TAP
 * without IFF_MULTI_QUEUE has one owner: EBUSY).
 *
 * Data flow. Frames the stack sends are written to the TAP's descriptor
 * by the sending thread. The TAP's receive thread (tap.c) reads each
 * frame and passes it up; the stack's upcall queues it and kicks the
 * socket layer's net timer, whose callback (the hosted port's timer
 * thread) runs the stack's receive processing and the interface's timers
 * (sock_inet.c, "The stack drives itself"): the library runs no driver
 * loop of its own. TCP's timers are port timers too.
 *
 * Interface: ksr_tap_config (the constructor), ksr_tap_start (socket(),
 * before an AF_INET socket is made).
 *
 * Locking: the start runs once (pthread_once); the settings are written
 * by the constructor, before any thread.
 *
 * Not supported: more than one interface; IPv6; detaching (the interface
 * stays until the process exits; exit does not wait for unsent TCP data);
 * the TAP's descriptors are ordinary ones (a program that closes every
 * descriptor it does not know, closefrom(3) after its first AF_INET
 * socket, closes them too).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static pthread_once_t tap_once = PTHREAD_ONCE_INIT;
static int tap_err; /* the start's result: 0 or a negative errno */
static int tap_started; /* atomic: the start ran (tap_err is set) */

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

/* Attaches the TAP, the address, the route; opens the device. */
static int tap_bring_up(void)
{
	struct ks_inet_net *net = ks_inet_net_get();
	struct ks_inet_netif *nif;
	struct ks_netdev *dev;
	struct ks_tap *tap;
	int rc;

	if ((rc = ks_tap_open(tap_name, &net->st.pbufs, &tap)))
		return rc;
	dev = ks_tap_dev(tap);
	if ((rc = ks_inet_netif_add(&net->st, dev, tap_addr, tap_prefix, &nif)))
		goto close_tap;
	if ((rc = ks_inet_net_attach(nif)))
		goto del_nif;
	if ((tap_gw && (rc = ks_inet_route_add(0, 0, tap_gw, 0))) || (rc = ks_netdev_open(dev)))
		goto detach;
	return 0;
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

	/* The TAP's receive thread inherits a full mask: the program's
	 * signals go to its own threads. */
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
	__atomic_store_n(&tap_started, 1, __ATOMIC_RELEASE);
}

int ksr_tap_start(void)
{
	if (!tap_wanted)
		return 0;
	pthread_once(&tap_once, tap_start_once);
	return tap_err;
}

void ksr_tap_report(int fd)
{
	struct ks_inet_stack *st = &ks_inet_net_get()->st;
	char line[1024];
	size_t n = 0;

	if (!tap_wanted || !__atomic_load_n(&tap_started, __ATOMIC_ACQUIRE) || tap_err)
		return;
	for (int r = KS_DROP_FIRST; r < KS_DROP_END_ && n < sizeof(line); r++) {
		unsigned long c = ks_inet_drops_get(st, (enum ks_drop)r);
		if (c)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%lu",
					      ks_inet_drop_name((enum ks_drop)r), c);
	}
	dprintf(fd, "ksock-run: packets ksock's stack dropped:%s\n", n ? line : " none");
}

/*
 * ct_tcp.c - helpers shared by the TCP case files; see ct_tcp.h.
 */
#include "ct_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct sockaddr_in ct_sin4(unsigned addr_host_order, unsigned short port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = htonl(addr_host_order);
	return s;
}

long ct_tcp_socket(struct ct_ctx *c, int flags)
{
	return ct_fd(c, c->b->socket(AF_INET, SOCK_STREAM | flags, 0));
}

long ct_tcp_name(struct ct_ctx *c, int fd, struct sockaddr_in *out)
{
	unsigned len = sizeof(*out);
	long r = c->b->getsockname(fd, out, &len);

	return r == 0 && len != sizeof(*out) ? -1000 : r;
}

long ct_tcp_peer(struct ct_ctx *c, int fd, struct sockaddr_in *out)
{
	unsigned len = sizeof(*out);
	long r = c->b->getpeername(fd, out, &len);

	return r == 0 && len != sizeof(*out) ? -1000 : r;
}

long ct_tcp_bound(struct ct_ctx *c, unsigned addr, struct sockaddr_in *out)
{
	struct sockaddr_in a = ct_sin4(addr, 0);
	long fd = ct_tcp_socket(c, 0), r;

	if (fd < 0)
		return fd;
	r = c->b->bind((int)fd, &a, sizeof(a));
	if (!r)
		r = ct_tcp_name(c, (int)fd, out);
	return r < 0 ? r : fd;
}

long ct_tcp_listener(struct ct_ctx *c, unsigned addr, int backlog, struct sockaddr_in *out)
{
	long fd = ct_tcp_bound(c, addr, out), r;

	if (fd < 0)
		return fd;
	r = c->b->listen((int)fd, backlog);
	return r < 0 ? r : fd;
}

long ct_tcp_connect_to(struct ct_ctx *c, const struct sockaddr_in *to)
{
	long fd = ct_tcp_socket(c, 0), r;

	if (fd < 0)
		return fd;
	r = c->b->connect((int)fd, to, sizeof(*to));
	return r < 0 ? r : fd;
}

long ct_tcp_accept(struct ct_ctx *c, int lfd)
{
	long r = ct_tcp_wait(c, lfd, POLLIN, CT_TCP_TIMEO_MS);

	if (r < 0)
		return r;
	if (!(r & POLLIN))
		return -1001; /* nothing to accept within the bound */
	return ct_fd(c, c->b->accept(lfd, NULL, NULL));
}

long ct_tcp_pair(struct ct_ctx *c, struct ct_tcp_conn *p)
{
	long r;

	r = ct_tcp_listener(c, CT_LO, 8, &p->addr);
	if (r < 0)
		return r;
	p->lfd = (int)r;
	r = ct_tcp_connect_to(c, &p->addr);
	if (r < 0)
		return r;
	p->cli = (int)r;
	r = ct_tcp_accept(c, p->lfd);
	if (r < 0)
		return r;
	p->srv = (int)r;
	for (int i = 0; i < 2; i++) {
		int fd = i ? p->srv : p->cli;

		if ((r = ct_set_timeo(c, fd, SO_RCVTIMEO, CT_TCP_TIMEO_MS)) < 0 ||
		    (r = ct_set_timeo(c, fd, SO_SNDTIMEO, CT_TCP_TIMEO_MS)) < 0)
			return r;
	}
	return 0;
}

long ct_tcp_refused_port(struct ct_ctx *c, struct sockaddr_in *out)
{
	return ct_tcp_bound(c, CT_LO, out);
}

long ct_tcp_close(struct ct_ctx *c, int fd)
{
	ct_untrack(c, fd);
	return c->b->close(fd);
}

long ct_tcp_poll(struct ct_ctx *c, int fd, short events, int timeout_ms)
{
	struct pollfd p = { fd, events, 0 };
	long r = c->b->poll(&p, 1, timeout_ms);

	return r < 0 ? -1000 + r : p.revents;
}

long ct_tcp_wait(struct ct_ctx *c, int fd, short ev, int timeout_ms)
{
	struct timespec t0;
	long r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = timeout_ms - ct_elapsed_ms(&t0);

		r = ct_tcp_poll(c, fd, ev, left > 0 ? (int)left : 0);
		if (r < 0)
			return r;
		if (r & ev)
			return ct_tcp_poll(c, fd, CT_ALL_EV, 0);
		if (left <= 0)
			return 0;
	}
}

long ct_tcp_getint(struct ct_ctx *c, int fd, int level, int name)
{
	int v = -12345;
	unsigned len = sizeof(v);
	long r = c->b->getsockopt(fd, level, name, &v, &len);

	if (r < 0)
		return r;
	return len == sizeof(v) ? v : -1000;
}

long ct_tcp_setint(struct ct_ctx *c, int fd, int level, int name, int val)
{
	return c->b->setsockopt(fd, level, name, &val, sizeof(val));
}

long ct_tcp_state(struct ct_ctx *c, int fd)
{
	struct tcp_info ti;
	unsigned len = sizeof(ti);
	long r;

	memset(&ti, 0, sizeof(ti));
	r = c->b->getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	return r < 0 ? r : ti.tcpi_state;
}

long ct_tcp_wait_state(struct ct_ctx *c, int fd, int want, int timeout_ms)
{
	struct timespec t0, ms = { 0, 1000000 };
	long s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((s = ct_tcp_state(c, fd)) != want && s >= 0 && ct_elapsed_ms(&t0) < timeout_ms)
		nanosleep(&ms, NULL);
	return s;
}

long ct_tcp_read_full(struct ct_ctx *c, int fd, void *buf, unsigned long n)
{
	unsigned long got = 0;

	while (got < n) {
		long r = c->b->read(fd, (char *)buf + got, n - got);

		if (r < 0)
			return r;
		if (r == 0)
			break;
		got += (unsigned long)r;
	}
	return (long)got;
}

void ct_tcp_ephemeral_range(struct ct_ctx *c, unsigned *lo, unsigned *hi)
{
	*lo = 32768; /* ksock: Linux's default range */
	*hi = 60999;
	if (strcmp(c->b->name, "linux") == 0) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

		if (f) {
			if (fscanf(f, "%u %u", lo, hi) != 2) {
				*lo = 1024;
				*hi = 65535;
			}
			fclose(f);
		}
	}
}

long ct_tcp_fill(struct ct_ctx *c, int fd)
{
	static char chunk[65536];
	long total = 0, r;

	for (int quiet = 0; quiet < 100; quiet++) {
		int sent = 0;

		while ((r = c->b->sendto(fd, chunk, sizeof(chunk), MSG_DONTWAIT, NULL, 0)) > 0) {
			total += r;
			sent = 1;
		}
		if (r != -EAGAIN)
			return r < 0 ? r : -1000;
		if (!sent && quiet > 0)
			return total; /* EAGAIN twice around a quiet period */
		/* Let acknowledgements and window updates in flight land: a
		 * delayed ACK comes within 200 ms. */
		r = ct_tcp_poll(c, fd, POLLOUT, 250);
		if (r < 0)
			return r;
	}
	return -1001;
}

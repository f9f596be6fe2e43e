/*
 * ct_tcp.h - helpers shared by the TCP case files (cases_tcp.c,
 * cases_tcp_data.c): loopback addresses, listeners, connected pairs,
 * poll and option shorthands.
 *
 * Interface: every socket a helper makes is tracked (ct_fd), so the
 * runner closes it after the case; ct_tcp_close() closes one early.
 * Helpers return >= 0 or a negative errno (-1000 and below: a check of the
 * helper's own failed, such as a wrong address length). Connected pairs
 * get SO_RCVTIMEO and SO_SNDTIMEO of CT_TCP_TIMEO_MS on both ends, so a
 * missing byte fails a case instead of hanging it.
 */
#ifndef CT_TCP_H
#define CT_TCP_H

#include "ct.h"

#include <netinet/in.h>

#define CT_LO 0x7f000001u /* 127.0.0.1 */
#define CT_LO2 0x7f000002u /* 127.0.0.2: also loopback, another address */
#define CT_TCP_TIMEO_MS 2000

/* The poll bits, as tcp_poll reports them. */
#define CT_IN_EV (POLLIN | POLLRDNORM)
#define CT_OUT_EV (POLLOUT | POLLWRNORM)
#define CT_ALL_EV                                                                \
	(POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDBAND | POLLWRBAND | \
	 POLLRDHUP)

/* Linux's TCP states as TCP_INFO's tcpi_state reports them. */
enum {
	CT_TCP_ESTABLISHED = 1,
	CT_TCP_SYN_SENT = 2,
	CT_TCP_FIN_WAIT1 = 4,
	CT_TCP_FIN_WAIT2 = 5,
	CT_TCP_CLOSE = 7,
	CT_TCP_CLOSE_WAIT = 8,
	CT_TCP_LISTEN = 10,
};

/* A connected pair: the client, the accepted end and the listener (still
 * open), with the listener's address. */
struct ct_tcp_conn {
	int cli, srv, lfd;
	struct sockaddr_in addr;
};

struct sockaddr_in ct_sin4(unsigned addr_host_order, unsigned short port);
/* A tracked TCP socket (socket(AF_INET, SOCK_STREAM | flags, 0)). */
long ct_tcp_socket(struct ct_ctx *c, int flags);
/* getsockname/getpeername into *out; -1000 if the length is not 16. */
long ct_tcp_name(struct ct_ctx *c, int fd, struct sockaddr_in *out);
long ct_tcp_peer(struct ct_ctx *c, int fd, struct sockaddr_in *out);
/* A socket bound to addr:0; its name in *out. */
long ct_tcp_bound(struct ct_ctx *c, unsigned addr, struct sockaddr_in *out);
/* A listener on addr:0 with this backlog; its name in *out. */
long ct_tcp_listener(struct ct_ctx *c, unsigned addr, int backlog, struct sockaddr_in *out);
/* A new socket connected (blocking) to *to. */
long ct_tcp_connect_to(struct ct_ctx *c, const struct sockaddr_in *to);
/* accept with a CT_TCP_TIMEO_MS bound (poll first); the new socket tracked. */
long ct_tcp_accept(struct ct_ctx *c, int lfd);
/* Listener on 127.0.0.1, client connected to it, accepted end; both ends
 * with the receive and send timeouts. */
long ct_tcp_pair(struct ct_ctx *c, struct ct_tcp_conn *p);
/* A port where nothing listens (a socket bound there, not listening, and
 * kept open, so no other socket can take the port meanwhile): connecting
 * to it is refused. */
long ct_tcp_refused_port(struct ct_ctx *c, struct sockaddr_in *out);
/* Untracks and closes fd. */
long ct_tcp_close(struct ct_ctx *c, int fd);

/* poll on one descriptor: revents, or -1000 + the error. */
long ct_tcp_poll(struct ct_ctx *c, int fd, short events, int timeout_ms);
/* Polls (up to timeout_ms) until one of ev is reported; then every event
 * the socket reports (polled for CT_ALL_EV), or 0 on timeout. */
long ct_tcp_wait(struct ct_ctx *c, int fd, short ev, int timeout_ms);
/* getsockopt/setsockopt of an int: the value or -errno. */
long ct_tcp_getint(struct ct_ctx *c, int fd, int level, int name);
long ct_tcp_setint(struct ct_ctx *c, int fd, int level, int name, int val);
/* TCP_INFO's tcpi_state. */
long ct_tcp_state(struct ct_ctx *c, int fd);
/* Polls (up to timeout_ms) until tcpi_state is want; the last state seen. */
long ct_tcp_wait_state(struct ct_ctx *c, int fd, int want, int timeout_ms);
/* Reads until n bytes or EOF (blocking, with the socket's timeout); the
 * count read or the error. */
long ct_tcp_read_full(struct ct_ctx *c, int fd, void *buf, unsigned long n);
/* Linux's ephemeral range (from /proc on the linux backend). */
void ct_tcp_ephemeral_range(struct ct_ctx *c, unsigned *lo, unsigned *hi);
/* Fills fd's send path until a nonblocking send stays EAGAIN through
 * a quiet period of 250 ms (nothing more drains: a delayed ACK would have
 * come); the bytes sent or -errno. */
long ct_tcp_fill(struct ct_ctx *c, int fd);

#endif

/*
 * cases_select.c - select(2) over AF_UNIX sockets: which sets a socket
 * lands in for each state, the count, the timeout written back, and the
 * errors (EBADF for a descriptor that is not open, EINVAL, EFAULT).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ct.h"

/* select on one descriptor: bit 0 readable, 1 writable, 2 exceptional. */
static long sel_one(struct ct_ctx *c, int fd, long usec)
{
	fd_set r, w, e;
	struct timeval tv = {0, usec};

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &e);
	long n = c->b->select(fd + 1, &r, &w, &e, &tv);
	if (n < 0)
		return n;
	long bits = (FD_ISSET(fd, &r) ? 1 : 0) | (FD_ISSET(fd, &w) ? 2 : 0) | (FD_ISSET(fd, &e) ? 4 : 0);
	return n * 16 + bits; /* the count, and which sets */
}

static void select_stream_states(struct ct_ctx *c)
{
	int sv[2];
	char buf[4];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, sel_one(c, sv[1], 0), 1 * 16 + 2);
	CT_EQ(c, c->b->write(sv[0], "ab", 2), 2);
	CT_EQ(c, sel_one(c, sv[1], 0), 2 * 16 + 3);
	CT_EQ(c, c->b->read(sv[1], buf, sizeof(buf)), 2);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	CT_EQ(c, sel_one(c, sv[1], 0), 2 * 16 + 3); /* end of file reads as readable */
}

static void select_unconnected_and_listener(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "sel");
	long l, s, cl;

	CT_OK(c, s, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, sel_one(c, (int)s, 0), 2 * 16 + 3); /* HUP counts as readable */
	CT_OK(c, l, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)l, &a, al), 0);
	CT_EQ(c, c->b->listen((int)l, 4), 0);
	CT_EQ(c, sel_one(c, (int)l, 0), 0);
	CT_OK(c, cl, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_EQ(c, sel_one(c, (int)l, 0), 1 * 16 + 1);
}

static void select_dgram(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, sel_one(c, sv[1], 0), 1 * 16 + 2);
	CT_EQ(c, c->b->write(sv[0], "", 0), 0); /* an empty datagram is data */
	CT_EQ(c, sel_one(c, sv[1], 0), 2 * 16 + 3);
}

static void select_urgent_is_exceptional(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->sendto(sv[0], "!", 1, MSG_OOB, NULL, 0), 1);
	CT_EQ(c, sel_one(c, sv[1], 0), 3 * 16 + 7);
}

static void select_peer_closed(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, c->b->close(sv[0]), 0);
	ct_untrack(c, sv[0]);
	CT_EQ(c, sel_one(c, sv[1], 0), 2 * 16 + 3);
}

static void select_errors(struct ct_ctx *c)
{
	fd_set r;
	struct timeval tv = {0, 0};
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	FD_ZERO(&r);
	FD_SET(sv[1] + 20, &r); /* not open */
	CT_EQ(c, c->b->select(sv[1] + 21, &r, NULL, NULL, &tv), -EBADF);
	CT_EQ(c, c->b->select(-1, NULL, NULL, NULL, &tv), -EINVAL);
	tv.tv_usec = -1; /* (Linux folds whole seconds out of tv_usec first) */
	CT_EQ(c, c->b->select(sv[1] + 1, NULL, NULL, NULL, &tv), -EINVAL);
	tv.tv_usec = 0;
	tv.tv_sec = -1;
	CT_EQ(c, c->b->select(sv[1] + 1, NULL, NULL, NULL, &tv), -EINVAL);
	tv.tv_sec = 0;
	CT_EQ(c, c->b->select(sv[1] + 1, (void *)-1, NULL, NULL, &tv), -EFAULT);
	CT_EQ(c, c->b->select(sv[1] + 1, NULL, NULL, NULL, (void *)-1), -EFAULT);
	CT_EQ(c, c->b->select(0, NULL, NULL, NULL, &tv), 0);
}

/* An expired timeout returns 0, empties the sets and leaves 0 time. */
static void select_timeout_written_back(struct ct_ctx *c)
{
	fd_set r;
	struct timeval tv = {0, 20000};
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	FD_ZERO(&r);
	FD_SET(sv[1], &r);
	CT_EQ(c, c->b->select(sv[1] + 1, &r, NULL, NULL, &tv), 0);
	CT_EQ(c, FD_ISSET(sv[1], &r), 0);
	CT_TRUE(c, tv.tv_sec == 0 && tv.tv_usec == 0);
}

struct late_writer {
	const struct ct_backend *b;
	int fd;
};

static void *late_write(void *arg)
{
	struct late_writer *lw = arg;
	struct timeval tv = {0, 20000};

	lw->b->select(0, NULL, NULL, NULL, &tv); /* a short pause through the backend */
	lw->b->write(lw->fd, "z", 1);
	return NULL;
}

/* A blocked select wakes when another thread makes the socket readable. */
static void select_woken_by_write(struct ct_ctx *c)
{
	struct late_writer lw;
	pthread_t t;
	fd_set r;
	struct timeval tv = {5, 0};
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	lw.b = c->b;
	lw.fd = sv[0];
	CT_EQ(c, pthread_create(&t, NULL, late_write, &lw), 0);
	FD_ZERO(&r);
	FD_SET(sv[1], &r);
	CT_CHECK_EQ(c, c->b->select(sv[1] + 1, &r, NULL, NULL, &tv), 1);
	CT_CHECK_EQ(c, FD_ISSET(sv[1], &r) != 0, 1);
	CT_CHECK_TRUE(c, tv.tv_sec < 5);
	pthread_join(t, NULL);
}

const struct ct_case ct_cases_select[] = {
	{ "select_stream_states", select_stream_states },
	{ "select_unconnected_and_listener", select_unconnected_and_listener },
	{ "select_dgram", select_dgram },
	{ "select_urgent_is_exceptional", select_urgent_is_exceptional },
	{ "select_peer_closed", select_peer_closed },
	{ "select_errors", select_errors },
	{ "select_timeout_written_back", select_timeout_written_back },
	{ "select_woken_by_write", select_woken_by_write },
	{ 0 },
};

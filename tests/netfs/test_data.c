/*
 * test_data.c - data through the files: a listener, accept, both directions
 * on stream and seqpacket, message boundaries, EOF and EPIPE, blocking
 * accept and read woken by another thread, every nonblocking mode, bad
 * pointers, and the same socket through the socket API.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ksock/ksock.h>

#include "nt.h"

struct conn {
	struct ks_netfs_handle *lh, *ch, *ah; /* listener, client factory, accept */
	struct ks_netfs_handle *cd, *ad;      /* client data, accepted data */
	unsigned long lid, cid, aid;
	char name[64];
};

static void conn_close(struct conn *c)
{
	struct ks_netfs_handle *all[] = {c->ad, c->cd, c->ah, c->ch, c->lh};

	for (unsigned i = 0; i < 5; i++)
		if (all[i])
			ks_netfs_close(all[i]);
	memset(c, 0, sizeof(*c));
}

/* A listener of type, a client connected to it, the accepted connection,
 * and a data handle on each end. */
static int conn_open(struct conn *c, const char *type)
{
	char cmd[128];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", nt_name());
	snprintf(cmd, sizeof(cmd), "bind %s && listen 8", c->name);
	if (nt_new(type, &c->lh, &c->lid) || nt_ctl(c->lid, cmd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "connect %s", c->name);
	if (nt_new(type, &c->ch, &c->cid) || nt_ctl(c->cid, cmd) < 0)
		return -1;
	if (nt_open(nt_path(c->lid, "accept"), KS_NETFS_READ | KS_NETFS_WRITE, &c->ah))
		return -1;
	c->aid = ks_netfs_handle_id(c->ah);
	if (nt_open(nt_path(c->cid, "data"), KS_NETFS_READ | KS_NETFS_WRITE, &c->cd) ||
	    nt_open(nt_path(c->aid, "data"), KS_NETFS_READ | KS_NETFS_WRITE, &c->ad))
		return -1;
	return 0;
}

static void data_stream(struct nt_ctx *t)
{
	struct conn c;
	char buf[64], v[96];

	NT_TRUE(t, conn_open(&c, "stream") == 0 || (conn_close(&c), 0));
	NT_CHECK_TRUE(t, c.aid != c.lid && c.aid != c.cid && nt_exists(c.aid));
	NT_CHECK_EQ(t, nt_send(c.cd, "hello "), 6);
	NT_CHECK_EQ(t, nt_send(c.cd, "world"), 5);
	NT_CHECK_EQ(t, nt_status(c.aid, "recv-q", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "11");
	NT_CHECK_EQ(t, nt_recv(c.ad, buf, sizeof(buf)), 11);
	NT_CHECK_STR(t, buf, "hello world");
	NT_CHECK_EQ(t, nt_send(c.ad, "back"), 4);
	NT_CHECK_EQ(t, nt_recv(c.cd, buf, sizeof(buf)), 4);
	NT_CHECK_STR(t, buf, "back");
	/* addresses and states of the three sockets */
	NT_CHECK_EQ(t, nt_status(c.aid, "state", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "ESTAB");
	NT_CHECK_EQ(t, nt_status(c.aid, "local", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, c.name);
	NT_CHECK_EQ(t, nt_status(c.cid, "remote", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, c.name);
	NT_CHECK_EQ(t, nt_status(c.cid, "local", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "-");
	NT_CHECK_EQ(t, nt_status(c.lid, "state", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "LISTEN");
	/* the accept handle reads the new id and takes commands */
	NT_CHECK_EQ(t, ks_netfs_read(c.ah, buf, sizeof(buf) - 1, 0, 0) > 0, 1);
	NT_CHECK_EQ(t, strtoul(buf, NULL, 10), c.aid);
	NT_CHECK_EQ(t, nt_send(c.ah, "shutdown wr"), 11);
	NT_CHECK_EQ(t, nt_recv(c.cd, buf, sizeof(buf)), 0); /* EOF */
	/* a zero-length read never reaches the socket */
	NT_CHECK_EQ(t, ks_netfs_read(c.cd, buf, 0, 0, 0), 0);
	conn_close(&c);
}

static void data_seqpacket(struct nt_ctx *t)
{
	struct conn c;
	char buf[64];

	NT_TRUE(t, conn_open(&c, "seqpacket") == 0 || (conn_close(&c), 0));
	NT_CHECK_EQ(t, nt_send(c.cd, "one"), 3);
	NT_CHECK_EQ(t, nt_send(c.cd, "two!"), 4);
	NT_CHECK_EQ(t, ks_netfs_write(c.cd, "", 0, 0), 0); /* an empty message */
	NT_CHECK_EQ(t, nt_send(c.cd, "three"), 5);
	NT_CHECK_EQ(t, nt_recv(c.ad, buf, sizeof(buf)), 3);
	NT_CHECK_STR(t, buf, "one");
	NT_CHECK_EQ(t, nt_recv(c.ad, buf, 3), 2); /* truncated, as read(2) */
	NT_CHECK_STR(t, buf, "tw");
	NT_CHECK_EQ(t, nt_recv(c.ad, buf, sizeof(buf)), 0);
	NT_CHECK_EQ(t, nt_recv(c.ad, buf, sizeof(buf)), 5);
	NT_CHECK_STR(t, buf, "three");
	conn_close(&c);
}

static void data_dgram(struct nt_ctx *t)
{
	struct ks_netfs_handle *a, *b, *ad, *bd;
	unsigned long ia, ib;
	char cmd[96], buf[32], name[64];

	NT_EQ(t, nt_new("dgram", &a, &ia), 0);
	NT_EQ(t, nt_new("dgram", &b, &ib), 0);
	snprintf(name, sizeof(name), "%s", nt_name());
	snprintf(cmd, sizeof(cmd), "bind %s", name);
	NT_CHECK_EQ(t, nt_ctl(ia, cmd), (long)strlen(cmd));
	NT_CHECK_EQ(t, nt_open(nt_path(ib, "data"), KS_NETFS_READ | KS_NETFS_WRITE, &bd), 0);
	NT_CHECK_EQ(t, nt_open(nt_path(ia, "data"), KS_NETFS_READ, &ad), 0);
	if (!t->failed) {
		NT_CHECK_EQ(t, nt_send(bd, "x"), -KS_ENOTCONN);
		snprintf(cmd, sizeof(cmd), "connect %s", name);
		NT_CHECK_EQ(t, nt_ctl(ib, cmd), (long)strlen(cmd));
		NT_CHECK_EQ(t, nt_send(bd, "dgram"), 5);
		NT_CHECK_EQ(t, nt_recv(ad, buf, sizeof(buf)), 5);
		NT_CHECK_STR(t, buf, "dgram");
		NT_CHECK_EQ(t, ks_netfs_write(ad, "x", 1, 0), -KS_EBADF); /* opened to read */
		ks_netfs_close(ad);
		ks_netfs_close(bd);
	}
	ks_netfs_close(b);
	ks_netfs_close(a);
}

static void data_eof_epipe(struct nt_ctx *t)
{
	struct conn c;
	char buf[16];

	NT_TRUE(t, conn_open(&c, "stream") == 0 || (conn_close(&c), 0));
	NT_CHECK_EQ(t, nt_send(c.cd, "last"), 4);
	/* the accepted socket lives while its accept and data handles do */
	ks_netfs_close(c.ah);
	c.ah = NULL;
	NT_CHECK_TRUE(t, nt_exists(c.aid));
	ks_netfs_close(c.ad);
	c.ad = NULL;
	NT_CHECK_TRUE(t, !nt_exists(c.aid));
	NT_CHECK_EQ(t, nt_recv(c.cd, buf, sizeof(buf)), -KS_ECONNRESET); /* unread data */
	NT_CHECK_EQ(t, nt_recv(c.cd, buf, sizeof(buf)), 0);
	NT_CHECK_EQ(t, nt_send(c.cd, "x"), -KS_EPIPE);
	conn_close(&c);
}

static void data_nonblock(struct nt_ctx *t)
{
	struct conn c;
	struct ks_netfs_handle *x;
	char buf[16];

	NT_TRUE(t, conn_open(&c, "stream") == 0 || (conn_close(&c), 0));
	/* accept: a ":nonblock" name, or the flag */
	NT_CHECK_EQ(t, nt_open(nt_path(c.lid, "accept:nonblock"), KS_NETFS_READ, &x), -KS_EAGAIN);
	NT_CHECK_EQ(t, nt_open(nt_path(c.lid, "accept"), KS_NETFS_READ | KS_NETFS_NONBLOCK, &x),
		    -KS_EAGAIN);
	/* read: per call, per handle, per name */
	NT_CHECK_EQ(t, ks_netfs_read(c.cd, buf, sizeof(buf), 0, KS_NETFS_NONBLOCK), -KS_EAGAIN);
	NT_CHECK_EQ(t, nt_open(nt_path(c.cid, "data:nonblock"), KS_NETFS_READ | KS_NETFS_WRITE, &x), 0);
	if (!t->failed) {
		NT_CHECK_EQ(t, ks_netfs_read(x, buf, sizeof(buf), 0, 0), -KS_EAGAIN);
		/* write: fill the buffers until EAGAIN */
		static char chunk[65536];
		long n, total = 0;
		while ((n = ks_netfs_write(x, chunk, sizeof(chunk), 0)) > 0)
			total += n;
		NT_CHECK_EQ(t, n, -KS_EAGAIN);
		NT_CHECK_TRUE(t, total > 0);
		ks_netfs_close(x);
	}
	NT_CHECK_EQ(t, nt_open(nt_path(c.aid, "data"), KS_NETFS_READ | KS_NETFS_NONBLOCK, &x), 0);
	if (!t->failed) {
		NT_CHECK_EQ(t, ks_netfs_read(x, buf, sizeof(buf), 0, 0), (long)sizeof(buf));
		ks_netfs_close(x);
	}
	conn_close(&c);
}

struct waiter {
	const char *path;
	unsigned flags;
	struct ks_netfs_handle *h; /* read: the handle to read */
	long result;
	char buf[32];
};

static void *accept_thread(void *arg)
{
	struct waiter *w = arg;

	w->result = nt_open(w->path, w->flags, &w->h);
	return NULL;
}

static void *read_thread(void *arg)
{
	struct waiter *w = arg;

	w->result = nt_recv(w->h, w->buf, sizeof(w->buf));
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

static void data_blocking(struct nt_ctx *t)
{
	struct ks_netfs_handle *l, *c, *cd;
	unsigned long lid, cid;
	char cmd[96], path[64], name[64];
	pthread_t th;
	struct waiter w = {0};

	NT_EQ(t, nt_new("seqpacket", &l, &lid), 0);
	snprintf(name, sizeof(name), "%s", nt_name());
	snprintf(cmd, sizeof(cmd), "bind %s && listen", name);
	NT_CHECK_EQ(t, nt_ctl(lid, cmd), (long)strlen(cmd));
	snprintf(path, sizeof(path), "%s", nt_path(lid, "accept"));
	w.path = path;
	w.flags = KS_NETFS_READ;
	NT_CHECK_EQ(t, pthread_create(&th, NULL, accept_thread, &w), 0);
	sleep_ms(50); /* let it block */
	NT_CHECK_EQ(t, nt_new("seqpacket", &c, &cid), 0);
	snprintf(cmd, sizeof(cmd), "connect %s", name);
	NT_CHECK_EQ(t, nt_ctl(cid, cmd), (long)strlen(cmd));
	pthread_join(th, NULL);
	NT_CHECK_EQ(t, w.result, 0);
	if (!t->failed) {
		unsigned long aid = ks_netfs_handle_id(w.h);
		struct ks_netfs_handle *ad;
		NT_CHECK_EQ(t, nt_open(nt_path(aid, "data"), KS_NETFS_READ, &ad), 0);
		NT_CHECK_EQ(t, nt_open(nt_path(cid, "data"), KS_NETFS_WRITE, &cd), 0);
		struct waiter r = {.h = ad};
		NT_CHECK_EQ(t, pthread_create(&th, NULL, read_thread, &r), 0);
		sleep_ms(50);
		NT_CHECK_EQ(t, nt_send(cd, "wake"), 4);
		pthread_join(th, NULL);
		NT_CHECK_EQ(t, r.result, 4);
		NT_CHECK_STR(t, r.buf, "wake");
		ks_netfs_close(cd);
		ks_netfs_close(ad);
		ks_netfs_close(w.h);
	}
	ks_netfs_close(c);
	ks_netfs_close(l);
}

static void data_bad_pointers(struct nt_ctx *t)
{
	struct conn c;

	NT_TRUE(t, conn_open(&c, "stream") == 0 || (conn_close(&c), 0));
	NT_CHECK_EQ(t, ks_netfs_write(c.cd, (const void *)8, 4, 0), -KS_EFAULT);
	NT_CHECK_EQ(t, ks_netfs_write(c.cd, (const void *)(1ul << 62), 4, 0), -KS_EFAULT);
	NT_CHECK_EQ(t, nt_send(c.cd, "ok"), 2);
	NT_CHECK_EQ(t, ks_netfs_read(c.ad, (void *)8, 4, 0, 0), -KS_EFAULT);
	NT_CHECK_EQ(t, ks_netfs_read(c.ad, (void *)(1ul << 62), 4, 0, 0), -KS_EFAULT);
	conn_close(&c);
}

/* One object: an API descriptor and /net files on the same socket. */
static void data_socket_api(struct nt_ctx *t)
{
	int sv[2];
	struct ks_netfs_handle *d0, *d1;
	char buf[32], name[64], cmd[96];
	struct ks_sockaddr_un sun;
	unsigned len = sizeof(sun);

	NT_EQ(t, ks_sys_socketpair(KS_AF_UNIX, KS_SOCK_STREAM, 0, sv), 0);
	long id0 = ks_netfs_id_of_fd(sv[0]), id1 = ks_netfs_id_of_fd(sv[1]);
	NT_CHECK_TRUE(t, id0 > 0 && id1 > 0 && id0 != id1);
	NT_CHECK_EQ(t, ks_netfs_id_of_fd(999), -KS_EBADF);
	NT_CHECK_EQ(t, nt_open(nt_path((unsigned long)id0, "data"), KS_NETFS_READ | KS_NETFS_WRITE, &d0), 0);
	if (!t->failed) {
		NT_CHECK_EQ(t, ks_sys_write(sv[1], "api", 3), 3);
		NT_CHECK_EQ(t, nt_recv(d0, buf, sizeof(buf)), 3);
		NT_CHECK_STR(t, buf, "api");
		NT_CHECK_EQ(t, nt_send(d0, "files"), 5);
		NT_CHECK_EQ(t, ks_sys_read(sv[1], buf, sizeof(buf)), 5);
		/* the descriptor's O_NONBLOCK is the socket's open-file flag */
		NT_CHECK_EQ(t, ks_sys_fcntl(sv[0], KS_F_SETFL, KS_O_NONBLOCK), 0);
		NT_CHECK_EQ(t, ks_netfs_read(d0, buf, sizeof(buf), 0, 0), -KS_EAGAIN);
		ks_netfs_close(d0);
	}
	/* a ctl bind is what getsockname sees; a handle becomes a descriptor */
	NT_CHECK_EQ(t, nt_open(nt_path((unsigned long)id1, "ctl"), KS_NETFS_WRITE, &d1), 0);
	if (!t->failed) {
		snprintf(name, sizeof(name), "%s", nt_name());
		snprintf(cmd, sizeof(cmd), "bind %s", name);
		NT_CHECK_EQ(t, nt_send(d1, cmd), (long)strlen(cmd));
		int fd = ks_netfs_fd(d1, false);
		NT_CHECK_TRUE(t, fd >= 0);
		NT_CHECK_EQ(t, ks_sys_getsockname(fd, (struct ks_sockaddr *)&sun, &len), 0);
		NT_CHECK_EQ(t, len, 2 + strlen(name));
		NT_CHECK_TRUE(t, sun.sun_path[0] == 0 && memcmp(sun.sun_path + 1, name + 1, len - 3) == 0);
		NT_CHECK_EQ(t, ks_netfs_id_of_fd(fd), id1);
		ks_sys_close(fd);
		ks_netfs_close(d1);
	}
	ks_sys_close(sv[0]);
	ks_sys_close(sv[1]);
}

/* A listener made through the API, accepted through /net. */
static void data_api_listener(struct nt_ctx *t)
{
	struct ks_netfs_handle *a, *c;
	unsigned long cid;
	char cmd[96];
	struct ks_sockaddr_un sun = {KS_AF_UNIX, {0}};
	const char *name = nt_name();

	int l = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_STREAM, 0);
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	NT_EQ(t, ks_sys_bind(l, (struct ks_sockaddr *)&sun, (unsigned)(2 + strlen(name))), 0);
	NT_EQ(t, ks_sys_listen(l, 4), 0);
	NT_EQ(t, nt_new("stream", &c, &cid), 0);
	snprintf(cmd, sizeof(cmd), "connect %s", name);
	NT_CHECK_EQ(t, nt_ctl(cid, cmd), (long)strlen(cmd));
	long lid = ks_netfs_id_of_fd(l);
	NT_CHECK_EQ(t, nt_open(nt_path((unsigned long)lid, "accept"), KS_NETFS_READ, &a), 0);
	if (!t->failed) {
		NT_CHECK_TRUE(t, nt_exists(ks_netfs_handle_id(a)));
		ks_netfs_close(a);
	}
	ks_netfs_close(c);
	ks_sys_close(l);
}

/* A connection accepted through the API: visible to the listener's
 * namespace once the system-call layer stamps it (ks_socket_accepted),
 * and never to anybody else (before that, to nobody). */
static void data_api_accept(struct nt_ctx *t)
{
	struct ks_netfs_handle *c;
	struct ks_socket *s;
	unsigned long cid;
	char cmd[96];
	struct ks_sockaddr_un sun = {KS_AF_UNIX, {0}};
	const char *name = nt_name();
	int l = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_STREAM, 0);

	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	NT_EQ(t, ks_sys_bind(l, (struct ks_sockaddr *)&sun, (unsigned)(2 + strlen(name))), 0);
	NT_EQ(t, ks_sys_listen(l, 4), 0);
	NT_EQ(t, nt_new("stream", &c, &cid), 0);
	snprintf(cmd, sizeof(cmd), "connect %s", name);
	NT_CHECK_EQ(t, nt_ctl(cid, cmd), (long)strlen(cmd));
	int a = (int)ks_sys_accept(l, NULL, NULL);
	NT_CHECK_TRUE(t, a >= 0);
	if (a >= 0 && ks_port_fd_get(a, &s) == 0) {
		uintptr_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
		unsigned long aid = s->id;
		ks_socket_file_put(s);
		NT_CHECK_TRUE(t, owner == 0 || owner == ks_port_owner());
		NT_CHECK_EQ(t, nt_exists(aid), owner != 0);
	}
	ks_sys_close(a);
	ks_netfs_close(c);
	ks_sys_close(l);
}

const struct nt_case nt_cases_data[] = {
	{"stream", data_stream},
	{"seqpacket", data_seqpacket},
	{"dgram", data_dgram},
	{"eof_epipe", data_eof_epipe},
	{"nonblock", data_nonblock},
	{"blocking", data_blocking},
	{"bad_pointers", data_bad_pointers},
	{"socket_api", data_socket_api},
	{"api_listener", data_api_listener},
	{"api_accept", data_api_accept},
	{NULL, NULL},
};

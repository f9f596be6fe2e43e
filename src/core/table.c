/*
 * table.c - the table of live sockets in the style of `ss -x`, for the demo
 * and for ksock-run's exit report.
 *
 * Interface: ks_socket_table(line, arg) calls line() once for the header
 * and once per socket, with a NUL-terminated text line.
 *
 * Locking: rows are made under the registry lock (ks_socket_foreach), so
 * no listed socket is freed meanwhile (a socket leaves the list before its
 * family frees anything). Socket locks come before the registry lock, so
 * ops->describe must not lock: it reads with atomic loads.
 */
#include "socket.h"

#include <ksock/ksock.h>

struct ks_text {
	char *buf;
	unsigned len, cap;
};

static void put_str(struct ks_text *t, const char *s)
{
	while (*s && t->len + 1 < t->cap)
		t->buf[t->len++] = *s++;
	t->buf[t->len] = 0;
}

static void put_num(struct ks_text *t, unsigned long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && t->len + 1 < t->cap)
		t->buf[t->len++] = d[--n];
	t->buf[t->len] = 0;
}

static void pad_to(struct ks_text *t, unsigned col)
{
	do
		put_str(t, " ");
	while (t->len < col && t->len + 1 < t->cap);
}

static const char *type_name(int type)
{
	switch (type) {
	case KS_SOCK_STREAM: return "str";
	case KS_SOCK_DGRAM: return "dgr";
	case KS_SOCK_SEQPACKET: return "seq";
	default: return "?";
	}
}

struct table_walk {
	void (*line)(void *arg, const char *text);
	void *arg;
	int count;
};

static void table_row(struct ks_socket *s, void *arg)
{
	struct table_walk *w = arg;
	struct ks_sock_info info;
	char buf[400];
	struct ks_text t = {buf, 0, sizeof(buf)};

	__builtin_memset(&info, 0, sizeof(info));
	s->ops->describe(s, &info);
	put_str(&t, s->family->domain == KS_AF_UNIX ? "u_" : "i_");
	put_str(&t, type_name(s->type));
	pad_to(&t, 7);
	put_str(&t, info.state ? info.state : ks_state_name(__atomic_load_n(&s->state, __ATOMIC_ACQUIRE)));
	pad_to(&t, 18);
	put_num(&t, info.recv_q);
	pad_to(&t, 26);
	put_num(&t, info.send_q);
	pad_to(&t, 34);
	put_str(&t, info.local[0] ? info.local : "*");
	pad_to(&t, 62);
	put_str(&t, info.peer[0] ? info.peer : "*");
	w->line(w->arg, buf);
	w->count++;
}

int ks_socket_table(void (*line)(void *arg, const char *text), void *arg)
{
	struct table_walk w = {line, arg, 0};

	line(arg, "Netid  State      Recv-Q  Send-Q  Local Address               Peer Address");
	ks_socket_foreach(table_row, &w);
	return w.count;
}

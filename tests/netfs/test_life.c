/*
 * test_life.c - lifetime and visibility: a socket lives while any handle or
 * descriptor on it is open and then leaves /net; directory handles do not
 * keep it; each namespace (hosted process) sees only its own sockets, in
 * walks, listings and addrs, while names still connect across namespaces;
 * an accepted socket joins its listener's namespace; connections not yet
 * accepted are nobody's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ksock/ksock.h>

#include "nt.h"

static long live_sockets(void)
{
	struct ks_stats s;

	ks_stats_get(&s);
	return s.sockets_live;
}

static void life_factory_handle(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	unsigned long id;
	long before = live_sockets();

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	NT_EQ(t, live_sockets(), before + 1);
	NT_TRUE(t, nt_exists(id));
	ks_netfs_close(h);
	NT_EQ(t, live_sockets(), before);
	NT_TRUE(t, !nt_exists(id));
}

/* Each kind of handle keeps the socket alive on its own. */
static void life_any_handle(struct nt_ctx *t)
{
	static const char *const files[] = {"ctl", "data", "status", "local", "remote"};

	for (unsigned i = 0; i < 5; i++) {
		struct ks_netfs_handle *h, *x;
		unsigned long id;
		NT_EQ(t, nt_new("seqpacket", &h, &id), 0);
		NT_CHECK_EQ(t, nt_open(nt_path(id, files[i]), KS_NETFS_READ, &x), 0);
		ks_netfs_close(h);
		if (t->failed)
			return;
		NT_CHECK_TRUE(t, nt_exists(id));
		ks_netfs_close(x);
		NT_TRUE(t, !nt_exists(id));
	}
}

static void life_dir_handle(struct nt_ctx *t)
{
	struct ks_netfs_handle *h, *d;
	struct ks_netfs_dirent e;
	unsigned long id;

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	NT_CHECK_EQ(t, nt_open(nt_path(id, ""), KS_NETFS_READ, &d), 0);
	ks_netfs_close(h);
	if (t->failed)
		return;
	NT_CHECK_TRUE(t, !nt_exists(id)); /* an open directory does not keep it */
	NT_CHECK_EQ(t, ks_netfs_readdir(d, 0, &e), 1); /* the snapshot stays */
	ks_netfs_close(d);
}

static void life_descriptor(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	unsigned long id;

	NT_EQ(t, nt_new("dgram", &h, &id), 0);
	int fd = ks_netfs_fd(h, true);
	NT_CHECK_TRUE(t, fd >= 0);
	NT_CHECK_EQ(t, ks_sys_fcntl(fd, KS_F_GETFD, 0), KS_FD_CLOEXEC);
	ks_netfs_close(h);
	NT_CHECK_TRUE(t, nt_exists(id));
	NT_CHECK_EQ(t, ks_sys_close(fd), 0);
	NT_CHECK_TRUE(t, !nt_exists(id));
	/* and the other way round: a descriptor's socket, then a handle */
	fd = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_STREAM, 0);
	id = (unsigned long)ks_netfs_id_of_fd(fd);
	NT_EQ(t, nt_open(nt_path(id, "ctl"), KS_NETFS_READ, &h), 0);
	ks_sys_close(fd);
	NT_CHECK_TRUE(t, nt_exists(id));
	ks_netfs_close(h);
	NT_TRUE(t, !nt_exists(id));
}

/* Whether "local" (as the current process) lists id. */
static bool listed(unsigned long id)
{
	struct ks_netfs_handle *d;
	struct ks_netfs_dirent e;
	bool found = false;

	if (nt_open("local", KS_NETFS_READ, &d))
		return false;
	for (unsigned long i = 0; ks_netfs_readdir(d, i, &e) == 1; i++)
		found = found || (e.node.kind == KS_NETFS_SOCKDIR && e.node.id == id);
	ks_netfs_close(d);
	return found;
}

/* The number of socket directories "local" lists for the current process. */
static int count_listed(void)
{
	struct ks_netfs_handle *d;
	struct ks_netfs_dirent e;
	int n = 0;

	if (nt_open("local", KS_NETFS_READ, &d))
		return -1;
	for (unsigned long i = 0; ks_netfs_readdir(d, i, &e) == 1; i++)
		n += e.node.kind == KS_NETFS_SOCKDIR;
	ks_netfs_close(d);
	return n;
}

static void life_namespaces(struct nt_ctx *t)
{
	struct ks_proc *pa = ks_proc_new(4100, 1000, 1000), *pb = ks_proc_new(4200, 1001, 1001);
	struct ks_netfs_handle *l, *c, *a = NULL;
	unsigned long lid, cid;
	char cmd[96], name[64], text[512];
	struct ks_netfs_node n;

	NT_TRUE(t, pa && pb);
	snprintf(name, sizeof(name), "%s", nt_name());
	ks_proc_enter(pa);
	NT_CHECK_EQ(t, count_listed(), 0);
	NT_CHECK_EQ(t, nt_new("stream", &l, &lid), 0);
	snprintf(cmd, sizeof(cmd), "bind %s && listen", name);
	NT_CHECK_EQ(t, nt_ctl(lid, cmd), (long)strlen(cmd));
	NT_CHECK_TRUE(t, listed(lid));
	ks_proc_enter(pb);
	/* B sees none of A's, by walk, by listing, in addrs */
	NT_CHECK_TRUE(t, !nt_exists(lid) && !listed(lid));
	NT_CHECK_EQ(t, nt_walk(nt_path(lid, "ctl"), &n), -KS_ENOENT);
	NT_CHECK_EQ(t, nt_text("local/addrs", text, sizeof(text)), 0);
	/* a node A could name is not B's to stat or open */
	struct ks_netfs_attr at;
	NT_CHECK_EQ(t, ks_netfs_node_of_ino(KS_NETFS_DATA | (uint64_t)lid << 10, &n), 0);
	NT_CHECK_EQ(t, ks_netfs_stat(&n, &at), -KS_ENOENT);
	NT_CHECK_EQ(t, ks_netfs_open(&n, KS_NETFS_READ, &c), -KS_ENOENT);
	/* names are not private: B connects to A's listener */
	NT_CHECK_EQ(t, nt_new("stream", &c, &cid), 0);
	snprintf(cmd, sizeof(cmd), "connect %s", name);
	NT_CHECK_EQ(t, nt_ctl(cid, cmd), (long)strlen(cmd));
	NT_CHECK_EQ(t, count_listed(), 1); /* the client; the embryo is nobody's */
	ks_proc_enter(pa);
	NT_CHECK_EQ(t, count_listed(), 1); /* the listener only, until accepted */
	NT_CHECK_TRUE(t, !nt_exists(cid));
	NT_CHECK_EQ(t, nt_open(nt_path(lid, "accept"), KS_NETFS_READ, &a), 0);
	if (a) {
		unsigned long aid = ks_netfs_handle_id(a);
		NT_CHECK_TRUE(t, nt_exists(aid) && listed(aid));
		NT_CHECK_EQ(t, count_listed(), 2);
		ks_proc_enter(pb);
		NT_CHECK_TRUE(t, !nt_exists(aid));
		ks_proc_enter(pa);
	}
	NT_CHECK_EQ(t, nt_text("local/addrs", text, sizeof(text)) > 0, 1);
	ks_proc_enter(pb);
	ks_netfs_close(c);
	ks_proc_enter(pa);
	if (a)
		ks_netfs_close(a);
	ks_netfs_close(l);
	ks_proc_enter(NULL);
	ks_proc_exit(pa);
	ks_proc_exit(pb);
}

static void life_addrs(struct nt_ctx *t)
{
	struct ks_proc *p = ks_proc_new(4300, 1000, 1000);
	struct ks_netfs_handle *l, *c, *u;
	unsigned long lid, cid, uid;
	char cmd[192], name[64], text[512], want[512];

	NT_TRUE(t, p != NULL);
	ks_proc_enter(p);
	snprintf(name, sizeof(name), "%s", nt_name());
	NT_CHECK_EQ(t, nt_new("seqpacket", &l, &lid), 0);
	NT_CHECK_EQ(t, nt_new("seqpacket", &u, &uid), 0); /* unnamed: not listed */
	snprintf(cmd, sizeof(cmd), "bind %s && listen", name);
	NT_CHECK_EQ(t, nt_ctl(lid, cmd), (long)strlen(cmd));
	NT_CHECK_EQ(t, nt_new("seqpacket", &c, &cid), 0);
	snprintf(cmd, sizeof(cmd), "bind %s-c && connect %s", name, name);
	NT_CHECK_EQ(t, nt_ctl(cid, cmd), (long)strlen(cmd));
	snprintf(want, sizeof(want), "%lu seqpacket LISTEN %s -\n%lu seqpacket ESTAB %s-c %s\n", lid,
		 name, cid, name, name);
	NT_CHECK_EQ(t, nt_text("local/addrs", text, sizeof(text)), (long)strlen(want));
	NT_CHECK_STR(t, text, want);
	ks_netfs_close(c);
	ks_netfs_close(u);
	ks_netfs_close(l);
	NT_CHECK_EQ(t, nt_text("local/addrs", text, sizeof(text)), 0);
	ks_proc_enter(NULL);
	ks_proc_exit(p);
}

/* A handle closed while another thread still uses it is the VFS's to
 * prevent; but handles of one socket used from several threads at once
 * must not disturb each other. */
static void life_open_close_many(struct nt_ctx *t)
{
	struct ks_netfs_handle *h[64];
	unsigned long id[64];

	for (int i = 0; i < 64; i++)
		NT_EQ(t, nt_new(i % 2 ? "dgram" : "stream", &h[i], &id[i]), 0);
	NT_CHECK_EQ(t, count_listed(), 64);
	for (int i = 0; i < 64; i += 2)
		ks_netfs_close(h[i]);
	NT_CHECK_EQ(t, count_listed(), 32);
	for (int i = 1; i < 64; i += 2)
		ks_netfs_close(h[i]);
	NT_CHECK_EQ(t, count_listed(), 0);
}

const struct nt_case nt_cases_life[] = {
	{"factory_handle", life_factory_handle},
	{"any_handle", life_any_handle},
	{"dir_handle", life_dir_handle},
	{"descriptor", life_descriptor},
	{"namespaces", life_namespaces},
	{"addrs", life_addrs},
	{"open_close_many", life_open_close_many},
	{NULL, NULL},
};

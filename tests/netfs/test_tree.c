/*
 * test_tree.c - the shape of /net through the C API: names, directories and
 * their listings, attributes, inode numbers, the ":nonblock" names.
 */
#include <stdio.h>
#include <string.h>

#include <ksock/ksock.h>

#include "nt.h"

/* Whether directory path lists name. */
static bool dir_has(const char *path, const char *name)
{
	struct ks_netfs_handle *h;
	struct ks_netfs_dirent e;
	bool found = false;

	if (nt_open(path, KS_NETFS_READ, &h))
		return false;
	for (unsigned long i = 0; ks_netfs_readdir(h, i, &e) == 1; i++)
		found = found || strcmp(e.name, name) == 0;
	ks_netfs_close(h);
	return found;
}

static void tree_root(struct nt_ctx *t)
{
	struct ks_netfs_node root, n;
	struct ks_netfs_attr a;

	ks_netfs_root(&root);
	NT_EQ(t, ks_netfs_ino(&root), 1);
	NT_EQ(t, ks_netfs_stat(&root, &a), 0);
	NT_TRUE(t, a.dir);
	NT_EQ(t, a.mode, 0555);
	NT_EQ(t, ks_netfs_walk(&root, "local", 5, &n), 0);
	NT_EQ(t, n.kind, KS_NETFS_FAMILY);
	NT_EQ(t, ks_netfs_walk(&root, "loca", 4, &n), -KS_ENOENT);
	NT_EQ(t, ks_netfs_walk(&root, "localx", 6, &n), -KS_ENOENT);
	/* inet appears once AF_INET is registered */
	int want = ks_family_get(KS_AF_INET) ? 0 : -KS_ENOENT;
	NT_EQ(t, ks_netfs_walk(&root, "inet", 4, &n), want);
	NT_TRUE(t, dir_has("", "local"));
	NT_EQ(t, dir_has("", "inet"), want == 0);
}

static void tree_family(struct nt_ctx *t)
{
	struct ks_netfs_node n;
	struct ks_netfs_attr a;
	static const char *const names[] = {"stream", "dgram", "seqpacket", "addrs"};

	for (unsigned i = 0; i < 4; i++) {
		char path[32];
		snprintf(path, sizeof(path), "local/%s", names[i]);
		NT_EQ(t, nt_walk(path, &n), 0);
		NT_EQ(t, ks_netfs_stat(&n, &a), 0);
		NT_TRUE(t, !a.dir);
		NT_EQ(t, a.mode, i < 3 ? 0666 : 0444);
		NT_TRUE(t, dir_has("local", names[i]));
	}
	NT_EQ(t, nt_walk("local/raw", &n), -KS_ENOENT);
	NT_EQ(t, nt_walk("local/stream/x", &n), -KS_ENOTDIR);
	NT_EQ(t, nt_walk("local/0", &n), -KS_ENOENT);
	NT_EQ(t, nt_walk("local/01", &n), -KS_ENOENT);
	NT_EQ(t, nt_walk("local/99999999999999999999", &n), -KS_ENOENT);
	NT_EQ(t, nt_walk("local/1x", &n), -KS_ENOENT);
}

static void tree_socket_dir(struct nt_ctx *t)
{
	static const char *const files[] = {"ctl", "data", "accept", "status", "local", "remote"};
	struct ks_netfs_handle *h, *d;
	struct ks_netfs_node n;
	struct ks_netfs_attr a;
	struct ks_netfs_dirent e;
	unsigned long id;
	char dir[32];

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	snprintf(dir, sizeof(dir), "%lu", id);
	NT_CHECK_TRUE(t, dir_has("local", dir));
	NT_CHECK_EQ(t, nt_walk(nt_path(id, ""), &n), 0);
	NT_CHECK_EQ(t, ks_netfs_stat(&n, &a), 0);
	NT_CHECK_TRUE(t, a.dir);
	NT_CHECK_EQ(t, nt_open(nt_path(id, ""), KS_NETFS_READ, &d), 0);
	for (unsigned i = 0; !t->failed && i < 6; i++) {
		NT_CHECK_EQ(t, ks_netfs_readdir(d, i, &e), 1);
		NT_CHECK_TRUE(t, strcmp(e.name, files[i]) == 0);
		NT_CHECK_EQ(t, nt_walk(nt_path(id, files[i]), &n), 0);
		NT_CHECK_EQ(t, ks_netfs_stat(&n, &a), 0);
		NT_CHECK_EQ(t, a.mode, i < 3 ? 0666 : 0444);
	}
	NT_CHECK_EQ(t, ks_netfs_readdir(d, 6, &e), 0);
	NT_CHECK_EQ(t, ks_netfs_read(d, dir, 4, 0, 0), -KS_EISDIR);
	NT_CHECK_EQ(t, ks_netfs_write(d, "x", 1, 0), -KS_EISDIR);
	ks_netfs_close(d);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, "nope"), &n), -KS_ENOENT);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, "ctl/x"), &n), -KS_ENOTDIR);
	ks_netfs_close(h);
	NT_TRUE(t, !nt_exists(id));
	NT_TRUE(t, !dir_has("local", dir));
}

static void tree_nonblock_names(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	struct ks_netfs_node n;
	unsigned long id;

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, "data:nonblock"), &n), 0);
	NT_CHECK_EQ(t, n.kind, KS_NETFS_DATA);
	NT_CHECK_EQ(t, n.nonblock, 1);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, "accept:nonblock"), &n), 0);
	NT_CHECK_EQ(t, n.kind, KS_NETFS_ACCEPT);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, "ctl:nonblock"), &n), -KS_ENOENT);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, "data:nonblockx"), &n), -KS_ENOENT);
	NT_CHECK_EQ(t, nt_walk(nt_path(id, ":nonblock"), &n), -KS_ENOENT);
	ks_netfs_close(h);
}

static void tree_ino(struct nt_ctx *t)
{
	static const char *const paths[] = {
		"", "local", "local/stream", "local/dgram", "local/seqpacket", "local/addrs",
	};
	static const char *const files[] = {
		"", "ctl", "data", "accept", "status", "local", "remote", "data:nonblock",
		"accept:nonblock",
	};
	struct ks_netfs_handle *h;
	struct ks_netfs_node n, back;
	unsigned long id;

	for (unsigned i = 0; i < 6; i++) {
		NT_EQ(t, nt_walk(paths[i], &n), 0);
		NT_EQ(t, ks_netfs_node_of_ino(ks_netfs_ino(&n), &back), 0);
		NT_TRUE(t, memcmp(&n, &back, sizeof(n)) == 0);
	}
	NT_EQ(t, nt_new("dgram", &h, &id), 0);
	for (unsigned i = 0; !t->failed && i < 9; i++) {
		NT_CHECK_EQ(t, nt_walk(nt_path(id, files[i]), &n), 0);
		NT_CHECK_EQ(t, ks_netfs_node_of_ino(ks_netfs_ino(&n), &back), 0);
		NT_CHECK_TRUE(t, memcmp(&n, &back, sizeof(n)) == 0);
		NT_CHECK_EQ(t, back.id, id);
	}
	ks_netfs_close(h);
	/* numbers that name nothing */
	NT_EQ(t, ks_netfs_node_of_ino(0, &n), -KS_ENOENT);
	NT_EQ(t, ks_netfs_node_of_ino(31, &n), -KS_ENOENT);
	NT_EQ(t, ks_netfs_node_of_ino(1 | 1 << 10, &n), -KS_ENOENT);       /* root with an id */
	NT_EQ(t, ks_netfs_node_of_ino(KS_NETFS_CTL, &n), -KS_ENOENT);      /* socket file, id 0 */
	NT_EQ(t, ks_netfs_node_of_ino(KS_NETFS_CTL | 1 << 5 | 1 << 10, &n), -KS_ENOENT);
	NT_EQ(t, ks_netfs_node_of_ino(KS_NETFS_FACTORY | 3 << 10, &n), -KS_ENOENT);
	NT_EQ(t, ks_netfs_node_of_ino(KS_NETFS_FAMILY | 15 << 6, &n), -KS_ENOENT);
	NT_EQ(t, ks_netfs_node_of_ino(KS_NETFS_ADDRS | 1 << 10, &n), -KS_ENOENT);
	/* a well-formed number of a socket that is gone: stat says so */
	struct ks_netfs_attr a;
	NT_EQ(t, ks_netfs_node_of_ino(KS_NETFS_SOCKDIR | (uint64_t)id << 10, &n), 0);
	NT_EQ(t, ks_netfs_stat(&n, &a), -KS_ENOENT);
}

static void tree_open_modes(struct nt_ctx *t)
{
	struct ks_netfs_handle *h, *x;
	struct ks_netfs_node n;
	unsigned long id;

	NT_EQ(t, nt_new("seqpacket", &h, &id), 0);
	NT_CHECK_EQ(t, nt_open(nt_path(id, "status"), KS_NETFS_WRITE, &x), -KS_EACCES);
	NT_CHECK_EQ(t, nt_open(nt_path(id, "local"), KS_NETFS_READ | KS_NETFS_WRITE, &x), -KS_EACCES);
	NT_CHECK_EQ(t, nt_open("local/addrs", KS_NETFS_WRITE, &x), -KS_EACCES);
	NT_CHECK_EQ(t, nt_open(nt_path(id, "ctl"), KS_NETFS_WRITE, &x), 0);
	if (!t->failed) {
		char buf[8];
		NT_CHECK_EQ(t, ks_netfs_read(x, buf, sizeof(buf), 0, 0), -KS_EBADF);
		ks_netfs_close(x);
	}
	NT_CHECK_EQ(t, nt_open(nt_path(id, "status"), KS_NETFS_READ, &x), 0);
	if (!t->failed) {
		NT_CHECK_EQ(t, ks_netfs_write(x, "x", 1, 0), -KS_EBADF);
		struct ks_netfs_dirent e;
		NT_CHECK_EQ(t, ks_netfs_readdir(x, 0, &e), -KS_ENOTDIR);
		int fd = ks_netfs_fd(x, false);
		NT_CHECK_TRUE(t, fd >= 0);
		ks_netfs_close(x);
		NT_CHECK_EQ(t, ks_sys_close(fd), 0);
	}
	/* a bad node */
	memset(&n, 0, sizeof(n));
	NT_CHECK_EQ(t, ks_netfs_open(&n, KS_NETFS_READ, &x), -KS_ENOENT);
	ks_netfs_close(h);
}

const struct nt_case nt_cases_tree[] = {
	{"root", tree_root},
	{"family", tree_family},
	{"socket_dir", tree_socket_dir},
	{"nonblock_names", tree_nonblock_names},
	{"ino", tree_ino},
	{"open_modes", tree_open_modes},
	{NULL, NULL},
};

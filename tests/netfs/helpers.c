/*
 * helpers.c - the netfs unit tests' helpers: drive /net by path through the
 * file layer's C API (nt.h says what each does).
 *
 * Locking: none; the static buffers make nt_path and nt_name single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nt.h"

int nt_walk(const char *path, struct ks_netfs_node *out)
{
	struct ks_netfs_node cur;

	ks_netfs_root(&cur);
	while (*path) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		struct ks_netfs_node next;
		int err = ks_netfs_walk(&cur, path, n, &next);
		if (err)
			return err;
		cur = next;
		path += n;
		if (*path == '/')
			path++;
	}
	*out = cur;
	return 0;
}

int nt_open(const char *path, unsigned flags, struct ks_netfs_handle **out)
{
	struct ks_netfs_node n;
	int err = nt_walk(path, &n);

	return err ? err : ks_netfs_open(&n, flags, out);
}

int nt_new(const char *type, struct ks_netfs_handle **h, unsigned long *id)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "local/%s", type);
	int err = nt_open(path, KS_NETFS_READ | KS_NETFS_WRITE, h);
	if (err)
		return err;
	long n = ks_netfs_read(*h, buf, sizeof(buf) - 1, 0, 0);
	if (n <= 0) {
		ks_netfs_close(*h);
		return n < 0 ? (int)n : -1;
	}
	buf[n] = 0;
	*id = strtoul(buf, NULL, 10);
	return 0;
}

const char *nt_path(unsigned long id, const char *file)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "local/%lu/%s", id, file);
	return buf;
}

long nt_ctl(unsigned long id, const char *text)
{
	struct ks_netfs_handle *h;
	int err = nt_open(nt_path(id, "ctl"), KS_NETFS_WRITE, &h);

	if (err)
		return err;
	long r = ks_netfs_write(h, text, strlen(text), 0);
	ks_netfs_close(h);
	return r;
}

long nt_text(const char *path, char *buf, unsigned long cap)
{
	struct ks_netfs_handle *h;
	unsigned long len = 0;
	int err = nt_open(path, KS_NETFS_READ, &h);

	if (err)
		return err;
	for (;;) { /* small reads, to walk the offsets */
		unsigned long want = cap - 1 - len < 7 ? cap - 1 - len : 7;
		long n = want ? ks_netfs_read(h, buf + len, want, len, 0) : 0;
		if (n < 0) {
			ks_netfs_close(h);
			return n;
		}
		if (n == 0)
			break;
		len += (unsigned long)n;
	}
	buf[len] = 0;
	ks_netfs_close(h);
	return (long)len;
}

int nt_status(unsigned long id, const char *key, char *val, unsigned long cap)
{
	char buf[2048];
	long n = nt_text(nt_path(id, "status"), buf, sizeof(buf));
	size_t kl = strlen(key);

	if (n < 0)
		return (int)n;
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			size_t vl = strcspn(line + kl + 1, "\n");
			if (vl >= cap)
				vl = cap - 1;
			memcpy(val, line + kl + 1, vl);
			val[vl] = 0;
			return 0;
		}
	}
	return -1;
}

bool nt_exists(unsigned long id)
{
	struct ks_netfs_node n;
	char path[32];

	snprintf(path, sizeof(path), "local/%lu", id);
	return nt_walk(path, &n) == 0;
}

long nt_send(struct ks_netfs_handle *h, const char *s)
{
	return ks_netfs_write(h, s, strlen(s), 0);
}

long nt_recv(struct ks_netfs_handle *h, char *buf, unsigned long cap)
{
	long n = ks_netfs_read(h, buf, cap - 1, 0, 0);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

const char *nt_name(void)
{
	static char buf[64];
	static int n;

	snprintf(buf, sizeof(buf), "@nt-%d-%d", (int)getpid(), ++n);
	return buf;
}

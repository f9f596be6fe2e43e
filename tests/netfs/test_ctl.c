/*
 * test_ctl.c - every ctl command and every error, each compared with what
 * the same call gets through the socket API (ks_sys_*) on a socket in the
 * same state; chaining, partial chains, syntax errors, limits, the ctl
 * file's own id, status and address files after each command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ksock/ksock.h>

#include "nt.h"

/* Copies text to out with '$' replaced by own and '%' by shared. */
static void expand(const char *text, const char *own, const char *shared, char *out, size_t cap)
{
	size_t n = 0;

	for (; *text && n + 1 < cap; text++) {
		const char *rep = *text == '$' ? own : *text == '%' ? shared : NULL;
		if (!rep) {
			out[n++] = *text;
			continue;
		}
		size_t l = strlen(rep);
		if (n + l + 1 > cap)
			break;
		memcpy(out + n, rep, l);
		n += l;
	}
	out[n] = 0;
}

/* Runs ctl text on an API descriptor: the parser, then ks_sys_* calls. */
static long api_run(int fd, const char *text)
{
	struct ks_netfs_ctl p;
	struct ks_netfs_cmd c;
	int r;

	ks_netfs_ctl_init(&p, text, strlen(text), KS_AF_UNIX);
	while ((r = ks_netfs_ctl_next(&p, &c)) == 1) {
		long err;
		switch (c.op) {
		case KS_NETFS_BIND:
			err = ks_sys_bind(fd, (struct ks_sockaddr *)&c.addr, c.addrlen);
			break;
		case KS_NETFS_LISTEN:
			err = ks_sys_listen(fd, c.arg);
			break;
		case KS_NETFS_CONNECT:
			err = ks_sys_connect(fd, (struct ks_sockaddr *)&c.addr, c.addrlen);
			break;
		default:
			err = ks_sys_shutdown(fd, c.arg);
		}
		if (err)
			return err;
	}
	return r < 0 ? r : (long)strlen(text);
}

/* Runs setup then cmd on a new /net socket and on a new API socket of
 * type ('$': a name of each side's own, '%': shared); both must give want. */
static void cmp(struct nt_ctx *t, int line, int type, const char *shared, const char *setup,
		const char *cmd, long want)
{
	static const char *const types[] = {[KS_SOCK_STREAM] = "stream",
					    [KS_SOCK_DGRAM] = "dgram",
					    [KS_SOCK_SEQPACKET] = "seqpacket"};
	struct ks_netfs_handle *h;
	unsigned long id;
	char own[64], text[512];
	long got_f, got_a;

	if (nt_new(types[type], &h, &id)) {
		nt_fail(t, __FILE__, line, "factory");
		return;
	}
	int fd = (int)ks_sys_socket(KS_AF_UNIX, type, 0);
	snprintf(own, sizeof(own), "%sf", nt_name());
	expand(setup, own, shared, text, sizeof(text));
	long sf = *setup ? nt_ctl(id, text) : 0;
	expand(cmd, own, shared, text, sizeof(text));
	got_f = nt_ctl(id, text);
	own[strlen(own) - 1] = 'a';
	expand(setup, own, shared, text, sizeof(text));
	long sa = *setup ? api_run(fd, text) : 0;
	expand(cmd, own, shared, text, sizeof(text));
	got_a = api_run(fd, text);
	if (sf < 0 || sa < 0)
		nt_fail(t, __FILE__, line, "setup \"%s\": netfs %ld, api %ld", setup, sf, sa);
	else if (got_f != (want < 0 ? want : (long)strlen(text)) || got_a != got_f)
		nt_fail(t, __FILE__, line, "\"%s\": netfs %ld, api %ld, want %ld", cmd, got_f,
			got_a, want);
	ks_netfs_close(h);
	ks_sys_close(fd);
}
#define CMP(t, type, shared, setup, cmd, want) cmp(t, __LINE__, type, shared, setup, cmd, want)

/* A listener of type on a fresh name, through the API. */
static int api_listener(int type, char *name, size_t cap)
{
	snprintf(name, cap, "%s", nt_name());
	int fd = (int)ks_sys_socket(KS_AF_UNIX, type, 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "bind %s && listen 64", name);
	return api_run(fd, cmd) > 0 ? fd : -1;
}

static void ctl_errors_like_api(struct nt_ctx *t)
{
	char lst[64], dg[64], path[128], dpath[128];
	int l = api_listener(KS_SOCK_STREAM, lst, sizeof(lst));
	int d = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_DGRAM, 0);
	int pd = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_DGRAM, 0);
	char cmd[300];

	NT_TRUE(t, l >= 0 && d >= 0 && pd >= 0);
	snprintf(dg, sizeof(dg), "%s", nt_name());
	snprintf(cmd, sizeof(cmd), "bind %s", dg);
	NT_TRUE(t, api_run(d, cmd) > 0);
	snprintf(dpath, sizeof(dpath), "/tmp/nt-netfs-%d.sock", (int)getpid());
	unlink(dpath);
	snprintf(cmd, sizeof(cmd), "bind %s", dpath);
	NT_TRUE(t, api_run(pd, cmd) > 0);
	snprintf(path, sizeof(path), "/tmp/nt-netfs-%d-nodir/s", (int)getpid());

	CMP(t, KS_SOCK_STREAM, lst, "", "frob", -KS_EINVAL);
	CMP(t, KS_SOCK_STREAM, lst, "", "bind $", 0);
	CMP(t, KS_SOCK_STREAM, lst, "bind $", "bind $x", -KS_EINVAL);
	CMP(t, KS_SOCK_STREAM, lst, "bind $", "bind", 0); /* autobind on a bound socket */
	CMP(t, KS_SOCK_STREAM, lst, "", "bind %", -KS_EADDRINUSE);
	CMP(t, KS_SOCK_STREAM, path, "", "bind %", -KS_ENOENT);
	CMP(t, KS_SOCK_STREAM, dpath, "", "bind %", -KS_EADDRINUSE);
	CMP(t, KS_SOCK_STREAM, lst, "", "listen", -KS_EINVAL);
	CMP(t, KS_SOCK_STREAM, lst, "bind $", "listen 5", 0);
	CMP(t, KS_SOCK_STREAM, lst, "bind $ && listen", "listen -5", 0);
	CMP(t, KS_SOCK_DGRAM, lst, "bind $", "listen", -KS_EOPNOTSUPP);
	CMP(t, KS_SOCK_STREAM, lst, "", "connect %", 0);
	CMP(t, KS_SOCK_STREAM, lst, "connect %", "connect %", -KS_EISCONN);
	CMP(t, KS_SOCK_STREAM, lst, "connect %", "listen", -KS_EINVAL);
	CMP(t, KS_SOCK_STREAM, lst, "bind $ && listen", "connect %", -KS_EINVAL);
	CMP(t, KS_SOCK_STREAM, "@nt-nobody-here", "", "connect %", -KS_ECONNREFUSED);
	CMP(t, KS_SOCK_STREAM, lst, "", "connect @", -KS_ECONNREFUSED);
	CMP(t, KS_SOCK_SEQPACKET, lst, "", "connect %", -KS_ECONNREFUSED);
	CMP(t, KS_SOCK_STREAM, dg, "", "connect %", -KS_ECONNREFUSED);
	CMP(t, KS_SOCK_STREAM, dpath, "", "connect %", -KS_EPROTOTYPE);
	CMP(t, KS_SOCK_STREAM, path, "", "connect %", -KS_ENOENT);
	CMP(t, KS_SOCK_DGRAM, dg, "", "connect %", 0);
	CMP(t, KS_SOCK_DGRAM, dg, "connect %", "connect %", 0);
	CMP(t, KS_SOCK_DGRAM, dpath, "", "connect %", 0);
	CMP(t, KS_SOCK_STREAM, lst, "", "shutdown rd", 0);
	CMP(t, KS_SOCK_STREAM, lst, "connect %", "shutdown rdwr", 0);
	CMP(t, KS_SOCK_STREAM, lst, "connect %", "bind $", 0);
	CMP(t, KS_SOCK_STREAM, lst, "", "shutdown sideways", -KS_EINVAL);
	CMP(t, KS_SOCK_STREAM, lst, "", "connect 1.2.3.4:5", -KS_ENOENT); /* a relative path */
	/* abstract names are per type: a seqpacket socket may take the stream
	 * listener's name */
	struct ks_netfs_handle *h;
	unsigned long id;
	NT_CHECK_EQ(t, nt_new("seqpacket", &h, &id), 0);
	snprintf(cmd, sizeof(cmd), "bind %s", lst);
	NT_CHECK_EQ(t, nt_ctl(id, cmd), (long)strlen(cmd));
	ks_netfs_close(h);
	ks_sys_close(l);
	ks_sys_close(d);
	ks_sys_close(pd);
	unlink(dpath);
}

static void ctl_chain(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	unsigned long id;
	char v[64], cmd[128];

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	/* a syntax error anywhere: nothing runs */
	snprintf(cmd, sizeof(cmd), "bind %s && frob", nt_name());
	NT_CHECK_EQ(t, nt_ctl(id, cmd), -KS_EINVAL);
	NT_CHECK_EQ(t, nt_status(id, "state", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "NEW");
	/* a failing command stops the chain; what ran before stays done */
	snprintf(cmd, sizeof(cmd), "bind %s && listen 4 && connect @nt-none && shutdown rd", nt_name());
	NT_CHECK_EQ(t, nt_ctl(id, cmd), -KS_ECONNREFUSED); /* the name is looked up first */
	NT_CHECK_EQ(t, nt_status(id, "state", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "LISTEN");
	NT_CHECK_EQ(t, nt_status(id, "shutdown", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "none");
	/* several lines in one write */
	NT_CHECK_EQ(t, nt_ctl(id, "\nshutdown rd\n\nlisten 2\n"), 23);
	NT_CHECK_EQ(t, nt_status(id, "shutdown", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "rd");
	ks_netfs_close(h);
}

static void ctl_limits(struct nt_ctx *t)
{
	struct ks_netfs_handle *h, *c;
	unsigned long id;
	static char big[KS_NETFS_CTL_MAX + 2];

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	NT_CHECK_EQ(t, nt_open(nt_path(id, "ctl"), KS_NETFS_READ | KS_NETFS_WRITE, &c), 0);
	if (!t->failed) {
		memset(big, ' ', sizeof(big));
		NT_CHECK_EQ(t, ks_netfs_write(c, big, KS_NETFS_CTL_MAX, 0), KS_NETFS_CTL_MAX);
		NT_CHECK_EQ(t, ks_netfs_write(c, big, KS_NETFS_CTL_MAX + 1, 0), -KS_EINVAL);
		NT_CHECK_EQ(t, ks_netfs_write(c, "", 0, 0), 0);
		NT_CHECK_EQ(t, ks_netfs_write(c, (const void *)8, 5, 0), -KS_EFAULT);
		char buf[32];
		NT_CHECK_EQ(t, ks_netfs_read(c, (void *)8, 5, 0, 0), -KS_EFAULT);
		/* reading ctl gives the id, at any offset */
		long n = ks_netfs_read(c, buf, sizeof(buf) - 1, 0, 0);
		NT_CHECK_TRUE(t, n > 1);
		buf[n > 0 ? n : 0] = 0;
		NT_CHECK_EQ(t, strtoul(buf, NULL, 10), id);
		NT_CHECK_EQ(t, buf[n - 1], '\n');
		NT_CHECK_EQ(t, ks_netfs_read(c, buf, sizeof(buf), (uint64_t)n, 0), 0);
		NT_CHECK_EQ(t, ks_netfs_read(c, buf, 1, 1ull << 40, 0), 0);
		NT_CHECK_EQ(t, ks_netfs_handle_id(c), id);
		ks_netfs_close(c);
	}
	ks_netfs_close(h);
}

static void ctl_files_after(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	unsigned long id;
	char v[128], name[64], cmd[128], want[80];

	NT_EQ(t, nt_new("seqpacket", &h, &id), 0);
	NT_CHECK_EQ(t, nt_text(nt_path(id, "local"), v, sizeof(v)), 0);
	NT_CHECK_EQ(t, nt_text(nt_path(id, "remote"), v, sizeof(v)), 0);
	NT_CHECK_EQ(t, nt_status(id, "local", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "-");
	NT_CHECK_EQ(t, nt_status(id, "type", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "seqpacket");
	NT_CHECK_EQ(t, nt_status(id, "family", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "local");
	snprintf(name, sizeof(name), "%s", nt_name());
	snprintf(cmd, sizeof(cmd), "bind %s", name);
	NT_CHECK_EQ(t, nt_ctl(id, cmd), (long)strlen(cmd));
	snprintf(want, sizeof(want), "%s\n", name);
	NT_CHECK_EQ(t, nt_text(nt_path(id, "local"), v, sizeof(v)), (long)strlen(want));
	NT_CHECK_STR(t, v, want);
	NT_CHECK_EQ(t, nt_status(id, "state", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "BOUND");
	NT_CHECK_EQ(t, nt_status(id, "local", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, name);
	NT_CHECK_EQ(t, nt_ctl(id, "shutdown wr"), 11);
	NT_CHECK_EQ(t, nt_status(id, "shutdown", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "wr");
	NT_CHECK_EQ(t, nt_ctl(id, "shutdown rd"), 11);
	NT_CHECK_EQ(t, nt_status(id, "shutdown", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "rdwr");
	NT_CHECK_EQ(t, nt_status(id, "files", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "2"); /* the factory handle and the status handle */
	ks_netfs_close(h);
}

static void ctl_autobind(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	unsigned long id;
	char v[64];

	NT_EQ(t, nt_new("dgram", &h, &id), 0);
	NT_CHECK_EQ(t, nt_ctl(id, "bind"), 4);
	NT_CHECK_EQ(t, nt_text(nt_path(id, "local"), v, sizeof(v)), 7);
	NT_CHECK_TRUE(t, v[0] == '@' && strspn(v + 1, "0123456789abcdef") == 5 && v[6] == '\n');
	ks_netfs_close(h);
}

/* Commands through the factory handle itself (Plan 9's clone file). */
static void ctl_on_factory_handle(struct nt_ctx *t)
{
	struct ks_netfs_handle *h;
	unsigned long id;
	char v[64], cmd[96];

	NT_EQ(t, nt_new("stream", &h, &id), 0);
	snprintf(cmd, sizeof(cmd), "bind %s && listen", nt_name());
	NT_CHECK_EQ(t, nt_send(h, cmd), (long)strlen(cmd));
	NT_CHECK_EQ(t, nt_status(id, "state", v, sizeof(v)), 0);
	NT_CHECK_STR(t, v, "LISTEN");
	NT_CHECK_EQ(t, nt_send(h, "listen zero"), -KS_EINVAL);
	ks_netfs_close(h);
}

const struct nt_case nt_cases_ctl[] = {
	{"errors_like_api", ctl_errors_like_api},
	{"chain", ctl_chain},
	{"limits", ctl_limits},
	{"files_after", ctl_files_after},
	{"autobind", ctl_autobind},
	{"factory_handle", ctl_on_factory_handle},
	{NULL, NULL},
};

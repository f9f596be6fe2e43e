/*
 * test_parse.c - the ctl parser and the address syntax, as pure functions:
 * every command and argument form, every syntax error, escapes, each
 * family's addresses and their printing back.
 */
#include <string.h>

#include "nt.h"

/* Parses text (local family) into cmds; the count or the error. */
static int parse_all(const char *text, int domain, struct ks_netfs_cmd *cmds, int max)
{
	struct ks_netfs_ctl p;
	int n = 0, r;

	ks_netfs_ctl_init(&p, text, strlen(text), domain);
	while ((r = ks_netfs_ctl_next(&p, n < max ? &cmds[n] : &cmds[max - 1])) == 1)
		n++;
	return r < 0 ? r : n;
}

static int parse_local(const char *text, struct ks_netfs_cmd *cmds, int max)
{
	return parse_all(text, KS_AF_UNIX, cmds, max);
}

static void parse_chain(struct nt_ctx *t)
{
	struct ks_netfs_cmd c[4];

	NT_EQ(t, parse_local("bind @demo && listen", c, 4), 2);
	NT_EQ(t, c[0].op, KS_NETFS_BIND);
	NT_EQ(t, c[0].addrlen, 2 + 1 + 4);
	NT_EQ(t, c[0].addr.ss_family, KS_AF_UNIX);
	NT_TRUE(t, memcmp(c[0].addr.ss_data, "\0demo", 5) == 0);
	NT_EQ(t, c[1].op, KS_NETFS_LISTEN);
	NT_EQ(t, c[1].arg, KS_NETFS_BACKLOG_MAX);
	NT_EQ(t, parse_local("bind @x&&listen 3&&shutdown rd", c, 4), 3);
	NT_EQ(t, c[1].arg, 3);
	NT_EQ(t, c[2].op, KS_NETFS_SHUTDOWN);
	NT_EQ(t, c[2].arg, KS_SHUT_RD);
	NT_EQ(t, parse_local("  connect\t/tmp/s  \r\n", c, 4), 1);
	NT_EQ(t, c[0].op, KS_NETFS_CONNECT);
	NT_EQ(t, c[0].addrlen, 2 + 6 + 1);
	NT_TRUE(t, strcmp(c[0].addr.ss_data, "/tmp/s") == 0);
}

static void parse_lines(struct nt_ctx *t)
{
	struct ks_netfs_cmd c[4];

	NT_EQ(t, parse_local("", c, 4), 0);
	NT_EQ(t, parse_local("   \n\n \t\n", c, 4), 0);
	NT_EQ(t, parse_local("bind @a\nlisten 1\n", c, 4), 2);
	NT_EQ(t, parse_local("\nbind @a\n\nlisten\n\n", c, 4), 2);
	NT_EQ(t, parse_local("shutdown wr\nshutdown rdwr", c, 4), 2);
	NT_EQ(t, c[0].arg, KS_SHUT_WR);
	NT_EQ(t, c[1].arg, KS_SHUT_RDWR);
}

static void parse_args(struct nt_ctx *t)
{
	struct ks_netfs_cmd c[2];

	NT_EQ(t, parse_local("bind", c, 2), 1);
	NT_EQ(t, c[0].addrlen, 2); /* autobind */
	NT_EQ(t, parse_local("listen 0", c, 2), 1);
	NT_EQ(t, c[0].arg, 0);
	NT_EQ(t, parse_local("listen -1", c, 2), 1);
	NT_EQ(t, c[0].arg, -1);
	NT_EQ(t, parse_local("listen +7", c, 2), 1);
	NT_EQ(t, c[0].arg, 7);
	NT_EQ(t, parse_local("listen 2147483647", c, 2), 1);
	NT_EQ(t, c[0].arg, 2147483647);
	NT_EQ(t, parse_local("listen -2147483648", c, 2), 1);
	NT_EQ(t, c[0].arg, -2147483647 - 1);
}

static void parse_errors(struct nt_ctx *t)
{
	static const char *const bad[] = {
		"&& listen", "bind @a &&", "bind @a && && listen", "bind @a &&\nlisten",
		"frob", "BIND @a", "bind @a @b", "connect", "connect @a @b", "shutdown",
		"shutdown up", "shutdown rd wr", "listen x", "listen 1 2", "listen 2147483648",
		"listen -2147483649", "listen -", "listen 99999999999999999999", "bind @a\\",
		"a b c d e", "bind \\x0", "bind /a\\x00b", "&&", "\n&&\n", "listen 1\n&&",
	};
	struct ks_netfs_cmd c[4];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse_local(bad[i], c, 4);
		if (r != -KS_EINVAL)
			nt_fail(t, __FILE__, __LINE__, "\"%s\" gave %d, want -EINVAL", bad[i], r);
	}
	/* A NUL byte is never part of a command. */
	struct ks_netfs_ctl p;
	ks_netfs_ctl_init(&p, "bind @a\0b", 9, KS_AF_UNIX);
	NT_EQ(t, ks_netfs_ctl_next(&p, &c[0]), -KS_EINVAL);
	ks_netfs_ctl_init(&p, "listen\n\0", 8, KS_AF_UNIX);
	NT_EQ(t, ks_netfs_ctl_next(&p, &c[0]), 1);
	NT_EQ(t, ks_netfs_ctl_next(&p, &c[0]), -KS_EINVAL);
	/* An address of a family without a syntax. */
	NT_EQ(t, parse_all("connect x", KS_AF_NETLINK, c, 4), -KS_EAFNOSUPPORT);
	NT_EQ(t, parse_all("listen", KS_AF_NETLINK, c, 4), 1);
}

static void parse_escapes(struct nt_ctx *t)
{
	struct ks_netfs_cmd c[2];

	NT_EQ(t, parse_local("bind @a\\ b", c, 2), 1);
	NT_EQ(t, c[0].addrlen, 2 + 4);
	NT_TRUE(t, memcmp(c[0].addr.ss_data, "\0a b", 4) == 0);
	NT_EQ(t, parse_local("bind @x\\&&y", c, 2), 1);
	NT_TRUE(t, memcmp(c[0].addr.ss_data, "\0x&&y", 5) == 0);
	NT_EQ(t, parse_local("bind @\\x00\\x41\\\\", c, 2), 1);
	NT_EQ(t, c[0].addrlen, 2 + 4);
	NT_TRUE(t, memcmp(c[0].addr.ss_data, "\0\0A\\", 4) == 0);
	NT_EQ(t, parse_local("bind \\@lit", c, 2), 1);
	NT_TRUE(t, strcmp(c[0].addr.ss_data, "@lit") == 0);
	NT_EQ(t, parse_local("bind @\\xg0", c, 2), -KS_EINVAL);
	NT_EQ(t, parse_local("bind @\\x4", c, 2), -KS_EINVAL);
}

static void addr_local(struct nt_ctx *t)
{
	struct ks_sockaddr_storage a;
	unsigned len;
	char path[120];

	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, "rel/x", 5, &a, &len), 0);
	NT_EQ(t, len, 2 + 5 + 1);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, "@", 1, &a, &len), 0);
	NT_EQ(t, len, 3);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, "", 0, &a, &len), -KS_EINVAL);
	memset(path, 'p', sizeof(path));
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, path, 108, &a, &len), 0);
	NT_EQ(t, len, 110); /* a full sun_path, without its NUL */
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, path, 109, &a, &len), -KS_EINVAL);
	path[0] = '@';
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, path, 108, &a, &len), 0);
	NT_EQ(t, len, 110);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, path, 109, &a, &len), -KS_EINVAL);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, "a\0b", 3, &a, &len), -KS_EINVAL);
}

static void addr_inet(struct nt_ctx *t)
{
	static const char *const bad[] = {
		"256.0.0.1:1", "1.2.3:4", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:80x",
		"1.2.3.4.5:6", "1234.1.1.1:1", "a.b.c.d:1", "*", "*:", ":80", "1.2.3.4::80",
		"1.2.3.4:123456",
	};
	struct ks_sockaddr_storage a;
	struct ks_sockaddr_in *sin = (struct ks_sockaddr_in *)&a;
	unsigned len;

	NT_EQ(t, ks_netfs_addr_parse(KS_AF_INET, "10.0.0.1:80", 11, &a, &len), 0);
	NT_EQ(t, len, sizeof(struct ks_sockaddr_in));
	NT_EQ(t, sin->sin_family, KS_AF_INET);
	NT_TRUE(t, memcmp(&sin->sin_addr, "\x0a\x00\x00\x01", 4) == 0);
	NT_TRUE(t, memcmp(&sin->sin_port, "\x00\x50", 2) == 0);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_INET, "192.168.7.255!65535", 19, &a, &len), 0);
	NT_TRUE(t, memcmp(&sin->sin_addr, "\xc0\xa8\x07\xff", 4) == 0);
	NT_TRUE(t, memcmp(&sin->sin_port, "\xff\xff", 2) == 0);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_INET, "*!564", 5, &a, &len), 0);
	NT_EQ(t, sin->sin_addr.s_addr, 0);
	NT_TRUE(t, memcmp(&sin->sin_port, "\x02\x34", 2) == 0);
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_INET, "01.2.3.4:5", 10, &a, &len), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = ks_netfs_addr_parse(KS_AF_INET, bad[i], strlen(bad[i]), &a, &len);
		if (r != -KS_EINVAL)
			nt_fail(t, __FILE__, __LINE__, "\"%s\" gave %d, want -EINVAL", bad[i], r);
	}
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_INET6, "x", 1, &a, &len), -KS_EAFNOSUPPORT);
}

/* Prints text's address and checks the printing, then that it parses back. */
static void roundtrip(struct nt_ctx *t, int domain, const char *in, const char *want)
{
	struct ks_sockaddr_storage a, b;
	unsigned la, lb;
	char buf[KS_NETFS_ADDR_TEXT];

	NT_EQ(t, ks_netfs_addr_parse(domain, in, strlen(in), &a, &la), 0);
	unsigned long n = ks_netfs_addr_format(&a, la, buf, sizeof(buf));
	NT_EQ(t, n, strlen(buf));
	NT_STR(t, buf, want);
	NT_EQ(t, ks_netfs_addr_parse(domain, buf, n, &b, &lb), 0);
	NT_EQ(t, lb, la);
	NT_TRUE(t, memcmp(&a, &b, la) == 0);
}

static void addr_format(struct nt_ctx *t)
{
	struct ks_sockaddr_storage a;
	char buf[KS_NETFS_ADDR_TEXT];

	roundtrip(t, KS_AF_UNIX, "/tmp/x.sock", "/tmp/x.sock");
	roundtrip(t, KS_AF_UNIX, "@demo", "@demo");
	roundtrip(t, KS_AF_UNIX, "@", "@");
	roundtrip(t, KS_AF_UNIX, "@a b", "@a\\x20b");
	roundtrip(t, KS_AF_UNIX, "@\\x00\\x7f\\xff", "@\\x00\\x7f\\xff");
	roundtrip(t, KS_AF_UNIX, "@x&&y\\\\", "@x\\&\\&y\\\\");
	roundtrip(t, KS_AF_UNIX, "\\@notabstract", "\\@notabstract");
	roundtrip(t, KS_AF_INET, "10.1.2.3!8080", "10.1.2.3:8080");
	roundtrip(t, KS_AF_INET, "*:0", "0.0.0.0:0");
	/* unnamed, truncated, unknown */
	memset(&a, 0, sizeof(a));
	a.ss_family = KS_AF_UNIX;
	NT_EQ(t, ks_netfs_addr_format(&a, 2, buf, sizeof(buf)), 0);
	NT_STR(t, buf, "");
	unsigned len;
	NT_EQ(t, ks_netfs_addr_parse(KS_AF_UNIX, "@abcdef", 7, &a, &len), 0);
	NT_EQ(t, ks_netfs_addr_format(&a, len, buf, 4), 3);
	NT_STR(t, buf, "@ab");
	NT_EQ(t, ks_netfs_addr_format(&a, len, buf, 0), 0);
	a.ss_family = KS_AF_NETLINK;
	NT_EQ(t, ks_netfs_addr_format(&a, len, buf, sizeof(buf)), 1);
	NT_STR(t, buf, "?");
	/* The longest printing fits KS_NETFS_ADDR_TEXT. */
	memset(&a, 0xff, sizeof(a));
	a.ss_family = KS_AF_UNIX;
	a.ss_data[0] = 0;
	NT_EQ(t, ks_netfs_addr_format(&a, 110, buf, sizeof(buf)), 1 + 107 * 4);
}

const struct nt_case nt_cases_parse[] = {
	{"chain", parse_chain},     {"lines", parse_lines},   {"args", parse_args},
	{"errors", parse_errors},   {"escapes", parse_escapes}, {"addr_local", addr_local},
	{"addr_inet", addr_inet},   {"addr_format", addr_format}, {NULL, NULL},
};

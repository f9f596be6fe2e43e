/*
 * netfs_parse.c - the ctl command parser and the typable address syntax
 * of each family (grammar in netfs_parse.h and docs/netfs.md).
 *
 * The parser walks the caller's bytes once, without copying: a command is
 * up to KS_NETFS_CTL_WORDS words, each a [pointer, length) slice of the
 * buffer, and an address is decoded straight into a sockaddr. Every error
 * is -KS_EINVAL, the error the socket API gives a bad address or argument.
 *
 * Locking: none. Ownership: nothing is allocated; the buffer is borrowed.
 */
#include "netfs_parse.h"

#define NETFS_SUN_OFF 2 /* offsetof(struct sockaddr_un, sun_path) */

struct netfs_word {
	const char *p;
	unsigned long n;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool at_and(const struct ks_netfs_ctl *p)
{
	return p->pos + 1 < p->len && p->buf[p->pos] == '&' && p->buf[p->pos + 1] == '&';
}

static bool at_end_of_command(const struct ks_netfs_ctl *p)
{
	return p->pos >= p->len || p->buf[p->pos] == '\n' || at_and(p);
}

static void skip_blanks(struct ks_netfs_ctl *p)
{
	while (p->pos < p->len && is_blank(p->buf[p->pos]))
		p->pos++;
}

void ks_netfs_ctl_init(struct ks_netfs_ctl *p, const char *buf, unsigned long len, int domain)
{
	p->buf = buf;
	p->len = len;
	p->pos = 0;
	p->domain = domain;
	p->need_cmd = false;
}

/* One word at p->pos, which is not blank nor the end of a command. */
static int read_word(struct ks_netfs_ctl *p, struct netfs_word *w)
{
	unsigned long start = p->pos;

	while (p->pos < p->len) {
		char c = p->buf[p->pos];
		if (c == 0)
			return -KS_EINVAL;
		if (is_blank(c) || c == '\n' || at_and(p))
			break;
		if (c == '\\') {
			if (p->pos + 1 >= p->len || p->buf[p->pos + 1] == 0)
				return -KS_EINVAL;
			p->pos++;
		}
		p->pos++;
	}
	w->p = p->buf + start;
	w->n = p->pos - start;
	return 0;
}

/* The words of one command, and its terminator ("&&", newline, end). */
static int read_command(struct ks_netfs_ctl *p, struct netfs_word *w, unsigned *nw)
{
	*nw = 0;
	for (;;) {
		skip_blanks(p);
		if (at_end_of_command(p))
			break;
		if (*nw == KS_NETFS_CTL_WORDS)
			return -KS_EINVAL;
		int err = read_word(p, &w[(*nw)++]);
		if (err)
			return err;
	}
	if (*nw == 0)
		return -KS_EINVAL; /* "&&" with no command on one side */
	if (at_and(p)) {
		p->pos += 2;
		p->need_cmd = true;
	} else {
		if (p->pos < p->len)
			p->pos++; /* the newline */
		p->need_cmd = false;
	}
	return 0;
}

static bool word_is(const struct netfs_word *w, const char *s)
{
	unsigned long i = 0;

	for (; s[i]; i++)
		if (i >= w->n || w->p[i] != s[i])
			return false;
	return i == w->n;
}

/* A decimal int, optionally signed, nothing else. */
static int parse_int(const struct netfs_word *w, int *out)
{
	unsigned long i = 0;
	long long v = 0;
	bool neg = false;

	if (w->n && (w->p[0] == '-' || w->p[0] == '+'))
		neg = w->p[i++] == '-';
	if (i == w->n)
		return -KS_EINVAL;
	for (; i < w->n; i++) {
		if (w->p[i] < '0' || w->p[i] > '9')
			return -KS_EINVAL;
		v = v * 10 + (w->p[i] - '0');
		if (v > 0x80000000LL)
			return -KS_EINVAL;
	}
	if (neg)
		v = -v;
	if (v > 0x7fffffffLL)
		return -KS_EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_how(const struct netfs_word *w, int *how)
{
	if (word_is(w, "rd"))
		*how = KS_SHUT_RD;
	else if (word_is(w, "wr"))
		*how = KS_SHUT_WR;
	else if (word_is(w, "rdwr"))
		*how = KS_SHUT_RDWR;
	else
		return -KS_EINVAL;
	return 0;
}

static int cmd_addr(int domain, const struct netfs_word *w, struct ks_netfs_cmd *cmd)
{
	return ks_netfs_addr_parse(domain, w->p, w->n, &cmd->addr, &cmd->addrlen);
}

/* Turns the words of one command into *cmd. */
static int interpret(int domain, const struct netfs_word *w, unsigned nw, struct ks_netfs_cmd *cmd)
{
	__builtin_memset(cmd, 0, sizeof(*cmd));
	if (word_is(&w[0], "bind")) {
		cmd->op = KS_NETFS_BIND;
		if (nw == 1) { /* the family's autobind, as bind() with the family only */
			cmd->addr.ss_family = (ks_sa_family_t)domain;
			cmd->addrlen = sizeof(ks_sa_family_t);
			return 0;
		}
		return nw == 2 ? cmd_addr(domain, &w[1], cmd) : -KS_EINVAL;
	}
	if (word_is(&w[0], "listen")) {
		cmd->op = KS_NETFS_LISTEN;
		cmd->arg = KS_NETFS_BACKLOG_MAX;
		if (nw == 1)
			return 0;
		return nw == 2 ? parse_int(&w[1], &cmd->arg) : -KS_EINVAL;
	}
	if (word_is(&w[0], "connect")) {
		cmd->op = KS_NETFS_CONNECT;
		return nw == 2 ? cmd_addr(domain, &w[1], cmd) : -KS_EINVAL;
	}
	if (word_is(&w[0], "shutdown")) {
		cmd->op = KS_NETFS_SHUTDOWN;
		return nw == 2 ? parse_how(&w[1], &cmd->arg) : -KS_EINVAL;
	}
	return -KS_EINVAL;
}

int ks_netfs_ctl_next(struct ks_netfs_ctl *p, struct ks_netfs_cmd *cmd)
{
	struct netfs_word w[KS_NETFS_CTL_WORDS];
	unsigned nw;

	if (!p->need_cmd) { /* blank lines between commands */
		for (;;) {
			skip_blanks(p);
			if (p->pos >= p->len || p->buf[p->pos] != '\n')
				break;
			p->pos++;
		}
		if (p->pos >= p->len)
			return 0;
	}
	int err = read_command(p, w, &nw);
	if (!err)
		err = interpret(p->domain, w, nw, cmd);
	return err ? err : 1;
}

/* ---- addresses ---- */

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One byte of t at *i, decoding an escape; advances *i. */
static int unescape(const char *t, unsigned long n, unsigned long *i, unsigned char *out)
{
	if (t[*i] == 0)
		return -KS_EINVAL;
	if (t[*i] != '\\') {
		*out = (unsigned char)t[(*i)++];
		return 0;
	}
	if (n - *i < 2 || t[*i + 1] == 0)
		return -KS_EINVAL;
	if (t[*i + 1] != 'x') {
		*out = (unsigned char)t[*i + 1];
		*i += 2;
		return 0;
	}
	if (n - *i < 4)
		return -KS_EINVAL;
	int hi = hex_val(t[*i + 2]), lo = hex_val(t[*i + 3]);
	if (hi < 0 || lo < 0)
		return -KS_EINVAL;
	*out = (unsigned char)(hi << 4 | lo);
	*i += 4;
	return 0;
}

static int parse_local(const char *t, unsigned long n, struct ks_sockaddr_storage *out,
		       unsigned *len)
{
	struct ks_sockaddr_un *sun = (struct ks_sockaddr_un *)out;
	bool abstract = n > 0 && t[0] == '@';
	unsigned long i = abstract ? 1 : 0;
	unsigned pos = 0;

	if (n == 0)
		return -KS_EINVAL;
	sun->sun_family = KS_AF_UNIX;
	if (abstract)
		sun->sun_path[pos++] = 0;
	while (i < n) {
		unsigned char b;
		int err = unescape(t, n, &i, &b);
		if (err)
			return err;
		if ((!abstract && b == 0) || pos >= KS_UNIX_PATH_MAX)
			return -KS_EINVAL;
		sun->sun_path[pos++] = (char)b;
	}
	/* A pathname is passed with its NUL when it fits, as programs do. */
	*len = NETFS_SUN_OFF + pos + (!abstract && pos < KS_UNIX_PATH_MAX ? 1 : 0);
	return 0;
}

/* Up to max decimal digits at t[*i] (at least one): the value. */
static long parse_digits(const char *t, unsigned long n, unsigned long *i, int max)
{
	long v = 0;
	int d = 0;

	while (*i < n && d < max && t[*i] >= '0' && t[*i] <= '9') {
		v = v * 10 + (t[(*i)++] - '0');
		d++;
	}
	return d ? v : -1;
}

static int parse_inet(const char *t, unsigned long n, struct ks_sockaddr_storage *out,
		      unsigned *len)
{
	struct ks_sockaddr_in *sin = (struct ks_sockaddr_in *)out;
	unsigned char ip[4] = {0, 0, 0, 0};
	unsigned long i = 0;

	if (n > 0 && t[0] == '*') {
		i = 1;
	} else {
		for (int k = 0; k < 4; k++) {
			if (k && (i >= n || t[i++] != '.'))
				return -KS_EINVAL;
			long v = parse_digits(t, n, &i, 3);
			if (v < 0 || v > 255)
				return -KS_EINVAL;
			ip[k] = (unsigned char)v;
		}
	}
	if (i >= n || (t[i] != ':' && t[i] != '!'))
		return -KS_EINVAL;
	i++;
	long port = parse_digits(t, n, &i, 5);
	if (port < 0 || port > 65535 || i != n)
		return -KS_EINVAL;
	sin->sin_family = KS_AF_INET;
	unsigned char *pp = (unsigned char *)&sin->sin_port; /* network order */
	pp[0] = (unsigned char)(port >> 8);
	pp[1] = (unsigned char)port;
	__builtin_memcpy(&sin->sin_addr, ip, sizeof(ip));
	*len = sizeof(*sin);
	return 0;
}

int ks_netfs_addr_parse(int domain, const char *text, unsigned long n,
			struct ks_sockaddr_storage *out, unsigned *len)
{
	__builtin_memset(out, 0, sizeof(*out));
	switch (domain) {
	case KS_AF_UNIX:
		return parse_local(text, n, out, len);
	case KS_AF_INET:
		return parse_inet(text, n, out, len);
	default:
		return -KS_EAFNOSUPPORT;
	}
}

/* ---- printing ---- */

struct netfs_out {
	char *buf;
	unsigned long len, cap;
};

static void out_char(struct netfs_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
}

static void out_str(struct netfs_out *o, const char *s)
{
	while (*s)
		out_char(o, *s++);
}

static void out_num(struct netfs_out *o, unsigned long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out_char(o, d[--n]);
}

/* A byte as the parser reads it back. */
static void out_byte(struct netfs_out *o, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";

	if (b == '\\' || b == '&') {
		out_char(o, '\\');
		out_char(o, (char)b);
	} else if (b < '!' || b > '~') {
		out_str(o, "\\x");
		out_char(o, hex[b >> 4]);
		out_char(o, hex[b & 15]);
	} else {
		out_char(o, (char)b);
	}
}

static void format_local(const struct ks_sockaddr_storage *a, unsigned len, struct netfs_out *o)
{
	const struct ks_sockaddr_un *sun = (const struct ks_sockaddr_un *)a;
	unsigned plen = len > NETFS_SUN_OFF ? len - NETFS_SUN_OFF : 0;

	if (plen > KS_UNIX_PATH_MAX)
		plen = KS_UNIX_PATH_MAX;
	if (plen == 0)
		return; /* unnamed */
	if (sun->sun_path[0] == 0) {
		out_char(o, '@');
		for (unsigned i = 1; i < plen; i++)
			out_byte(o, (unsigned char)sun->sun_path[i]);
		return;
	}
	for (unsigned i = 0; i < plen && sun->sun_path[i]; i++) {
		if (i == 0 && sun->sun_path[0] == '@')
			out_char(o, '\\'); /* not an abstract name */
		out_byte(o, (unsigned char)sun->sun_path[i]);
	}
}

static void format_inet(const struct ks_sockaddr_storage *a, unsigned len, struct netfs_out *o)
{
	const struct ks_sockaddr_in *sin = (const struct ks_sockaddr_in *)a;

	if (len < sizeof(*sin)) {
		out_char(o, '?');
		return;
	}
	const unsigned char *ip = (const unsigned char *)&sin->sin_addr;
	const unsigned char *pp = (const unsigned char *)&sin->sin_port;
	for (int k = 0; k < 4; k++) {
		if (k)
			out_char(o, '.');
		out_num(o, ip[k]);
	}
	out_char(o, ':');
	out_num(o, (unsigned long)pp[0] << 8 | pp[1]);
}

unsigned long ks_netfs_addr_format(const struct ks_sockaddr_storage *a, unsigned len, char *buf,
				   unsigned long cap)
{
	struct netfs_out o = {buf, 0, cap};

	if (cap == 0)
		return 0;
	if (a->ss_family == KS_AF_UNIX)
		format_local(a, len, &o);
	else if (a->ss_family == KS_AF_INET)
		format_inet(a, len, &o);
	else
		out_char(&o, '?');
	buf[o.len] = 0;
	return o.len;
}

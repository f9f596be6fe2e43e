/*
 * cases_addr.c - AF_UNIX addresses: bind (pathname, abstract, autobind),
 * the names getsockname/getpeername/accept report, permission checks and
 * the errors of connecting to a name.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)
#define NOBODY 65534

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

/* A socket of type bound to a (and listening, for connection types);
 * fd or -errno. */
static long mk_bound(struct ct_ctx *c, int type, const void *a, unsigned alen)
{
	long fd = ct_fd(c, c->b->socket(AF_UNIX, type, 0));
	long r;

	if (fd < 0)
		return fd;
	r = c->b->bind((int)fd, a, alen);
	if (r == 0 && type != SOCK_DGRAM)
		r = c->b->listen((int)fd, 8);
	return r < 0 ? r : fd;
}

static int path_is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* ---- binding pathnames ---- */

static void addr_bind_creates_socket_file(struct ct_ctx *c)
{
	struct sockaddr_un a;
	char name[16];

	for (int t = 0; t < 3; t++) {
		snprintf(name, sizeof(name), "s%d", t);
		unsigned al = ct_path(c, &a, name);
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_TRUE(c, !path_is_socket(a.sun_path));
		CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
		CT_TRUE(c, path_is_socket(a.sun_path));
	}
}

struct path_arg {
	struct sockaddr_un a;
	unsigned len;
	int type;
};

/* As another process: binds to the path and returns the file's mode. */
static long as_bind_mode(const struct ct_backend *b, void *p)
{
	struct path_arg *x = p;
	struct stat st;
	long fd = b->socket(AF_UNIX, x->type, 0), r;

	if (fd < 0)
		return fd;
	r = b->bind((int)fd, &x->a, x->len);
	if (r == 0)
		r = stat(x->a.sun_path, &st) < 0 ? -errno : (long)(st.st_mode & 07777);
	b->close((int)fd);
	return r;
}

/* The socket file's mode is 0777 & ~umask (run_as sets umask 022). */
static void addr_bind_mode_umask(struct ct_ctx *c)
{
	struct path_arg x;

	x.len = ct_path(c, &x.a, "m");
	x.type = SOCK_STREAM;
	CT_EQ(c, c->b->run_as(0, 0, as_bind_mode, &x), 0755);
}

static void addr_bind_eaddrinuse_path(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "dup");
	long fd;

	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &a, al));
	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->bind((int)fd, &a, al), -EADDRINUSE);
	}
}

/* Any existing file blocks the name: a regular file, a directory. */
static void addr_bind_eaddrinuse_file(struct ct_ctx *c)
{
	struct sockaddr_un a, d;
	unsigned al = ct_path(c, &a, "reg"), dl = ct_path(c, &d, "dir");
	int hf = open(a.sun_path, O_CREAT | O_WRONLY, 0644);
	long fd;

	CT_TRUE(c, hf >= 0);
	close(hf);
	CT_EQ(c, mkdir(d.sun_path, 0755), 0);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, al), -EADDRINUSE);
	CT_EQ(c, c->b->bind((int)fd, &d, dl), -EADDRINUSE);
}

/* A closed socket leaves its file behind: the name stays in use until
 * unlinked. */
static void addr_path_persists_after_close(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "p");
	long fd;

	CT_OK(c, fd, c->b->socket(AF_UNIX, SOCK_STREAM, 0));
	CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
	CT_EQ(c, c->b->close((int)fd), 0);
	CT_TRUE(c, path_is_socket(a.sun_path));
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, al), -EADDRINUSE);
	CT_EQ(c, unlink(a.sun_path), 0);
	CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
}

/* Unlinking a bound socket's file frees the name; the old socket keeps
 * reporting it. */
static void addr_unlink_then_rebind(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "u"), gl = sizeof(got);
	long s1, s2;

	CT_OK(c, s1, mk_bound(c, SOCK_DGRAM, &a, al));
	CT_EQ(c, unlink(a.sun_path), 0);
	CT_OK(c, s2, mk_bound(c, SOCK_DGRAM, &a, al));
	CT_EQ(c, c->b->getsockname((int)s1, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !strcmp(got.sun_path, a.sun_path));
	/* The name reaches the new socket. */
	CT_EQ(c, c->b->sendto((int)s1, "n", 1, 0, &a, al), 1);
	CT_EQ(c, c->b->recvfrom((int)s2, &got, 1, MSG_DONTWAIT, NULL, NULL), 1);
}

static void addr_bind_enoent(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "missing/s");
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->bind((int)fd, &a, al), -ENOENT);
	}
}

static void addr_bind_enotdir(struct ct_ctx *c)
{
	struct sockaddr_un a, f;
	unsigned al = ct_path(c, &a, "file/s");
	int hf;
	long fd;

	ct_path(c, &f, "file");
	hf = open(f.sun_path, O_CREAT | O_WRONLY, 0644);
	CT_TRUE(c, hf >= 0);
	close(hf);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, al), -ENOTDIR);
}

/* A bound socket cannot be bound again, to any kind of name. */
static void addr_bind_twice_einval(struct ct_ctx *c)
{
	struct sockaddr_un p1, p2, n1, n2;
	unsigned pl1 = ct_path(c, &p1, "one"), pl2 = ct_path(c, &p2, "two");
	unsigned nl1 = ct_abstract(c, &n1, "one"), nl2 = ct_abstract(c, &n2, "two");
	long fd;

	for (int t = 0; t < 3; t++) {
		unlink(p1.sun_path);
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->bind((int)fd, &p1, pl1), 0);
		CT_EQ(c, c->b->bind((int)fd, &p2, pl2), -EINVAL);
		CT_EQ(c, c->b->bind((int)fd, &n2, nl2), -EINVAL);
		/* The file is made before the "already bound" check: an
		 * existing path is EADDRINUSE, a new one EINVAL (and the file
		 * made for it is removed again). */
		CT_EQ(c, c->b->bind((int)fd, &p1, pl1), -EADDRINUSE);
		CT_TRUE(c, !path_is_socket(p2.sun_path));
	}
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &n1, nl1), 0);
	CT_EQ(c, c->b->bind((int)fd, &n2, nl2), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &p2, pl2), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &n1, nl1), -EINVAL);
}

/* Lengths up to sun_family, and wrong families, are EINVAL; exactly
 * sun_family with AF_UNIX autobinds (addr_autobind_*). */
static void addr_bind_short_len(struct ct_ctx *c)
{
	struct sockaddr_un a;
	long fd;

	ct_path(c, &a, "short");
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, 0), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, &a, 1), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, NULL, 0), -EINVAL);
	a.sun_family = AF_INET;
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(sa_family_t)), -EINVAL);
	CT_TRUE(c, !path_is_socket(a.sun_path));
}

static void addr_bind_wrong_family(struct ct_ctx *c)
{
	static const int fams[] = { AF_UNSPEC, AF_INET, AF_INET6, 0xffff };
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "fam");
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	for (unsigned i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		a.sun_family = (sa_family_t)fams[i];
		CT_EQ(c, c->b->bind((int)fd, &a, al), -EINVAL);
	}
	CT_TRUE(c, !path_is_socket(a.sun_path));
}

/* Longer than sockaddr_un (110) is EINVAL, also past sockaddr_storage (128)
 * and for huge values. */
static void addr_bind_long_len(struct ct_ctx *c)
{
	static const unsigned lens[] = { 111, 127, 128, 129, 4096, 0x7fffffff, 0x80000000u,
					 0xffffffffu };
	char big[8192];
	struct sockaddr_un *a = (struct sockaddr_un *)big;
	long fd;

	memset(big, 0, sizeof(big));
	ct_path(c, a, "long");
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		CT_EQ(c, c->b->bind((int)fd, a, lens[i]), -EINVAL);
	CT_EQ(c, c->b->bind((int)fd, a, sizeof(struct sockaddr_un)), 0);
}

/* The path ends at the first NUL or at addrlen, whichever comes first: a
 * length that cuts the path binds the shorter path. */
static void addr_bind_len_cuts_path(struct ct_ctx *c)
{
	struct sockaddr_un a, want, got;
	unsigned gl = sizeof(got);
	unsigned wl = ct_path(c, &want, "cut");
	long fd;

	ct_path(c, &a, "cutmore");
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, wl - 1), 0); /* no NUL within the length */
	CT_TRUE(c, path_is_socket(want.sun_path));
	CT_TRUE(c, !path_is_socket(a.sun_path));
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, wl);
	CT_TRUE(c, !memcmp(got.sun_path, want.sun_path, wl - SUN_OFF));
}

/* A length past the NUL (up to the whole sockaddr_un) is fine and the
 * name's length is still strlen + 1. */
static void addr_bind_len_past_nul(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "full"), gl = sizeof(got);
	long fd;

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), 0);
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, al);
}

/* A path of all 108 bytes with no NUL: bound, and reported with a NUL
 * appended, so the reported length (111) exceeds sizeof(sockaddr_un). */
static void addr_path_108_no_nul(struct ct_ctx *c)
{
	struct sockaddr_storage ss;
	struct sockaddr_un a, *got = (struct sockaddr_un *)&ss;
	char name[sizeof(a.sun_path) + 1];
	unsigned gl;
	size_t dl = strlen(c->dir);
	long fd;

	CT_TRUE(c, dl < 100);
	memset(name, 'n', sizeof(name));
	memcpy(name, c->dir, dl);
	name[dl] = '/';
	name[sizeof(a.sun_path)] = 0; /* a 108-byte path */
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, name, sizeof(a.sun_path)); /* no NUL */

	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, sizeof(a)), 0);
	CT_TRUE(c, path_is_socket(name));
	memset(&ss, 0x55, sizeof(ss));
	gl = sizeof(ss);
	CT_EQ(c, c->b->getsockname((int)fd, got, &gl), 0);
	CT_EQ(c, gl, sizeof(a) + 1);
	CT_TRUE(c, !memcmp(got->sun_path, a.sun_path, sizeof(a.sun_path)));
	CT_EQ(c, ((char *)&ss)[sizeof(a)], 0);
	/* Into a plain sockaddr_un: 110 bytes copied, 111 reported. */
	memset(&ss, 0x55, sizeof(ss));
	gl = sizeof(a);
	CT_EQ(c, c->b->getsockname((int)fd, got, &gl), 0);
	CT_EQ(c, gl, sizeof(a) + 1);
	CT_EQ(c, ((unsigned char *)&ss)[sizeof(a)], 0x55);
}

/* ---- abstract names ---- */

/* Abstract names are defined by their length: "\0name" and "\0name\0" are
 * different names. */
static void addr_abstract_length_defined(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_abstract(c, &a, "len"), gl;
	long s1, s2, tx;
	char ch;

	CT_OK(c, s1, mk_bound(c, SOCK_DGRAM, &a, al));
	CT_OK(c, s2, mk_bound(c, SOCK_DGRAM, &a, al + 1));
	gl = sizeof(got);
	CT_EQ(c, c->b->getsockname((int)s1, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !memcmp(&got, &a, al));
	gl = sizeof(got);
	CT_EQ(c, c->b->getsockname((int)s2, &got, &gl), 0);
	CT_EQ(c, gl, al + 1);
	CT_TRUE(c, !memcmp(&got, &a, al + 1));

	CT_OK(c, tx, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->sendto((int)tx, "2", 1, 0, &a, al + 1), 1);
	CT_EQ(c, c->b->recvfrom((int)s1, &ch, 1, MSG_DONTWAIT, NULL, NULL), -EAGAIN);
	CT_EQ(c, c->b->recvfrom((int)s2, &ch, 1, MSG_DONTWAIT, NULL, NULL), 1);
	CT_EQ(c, ch, '2');
}

static void addr_abstract_eaddrinuse(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al;
	long fd;

	for (int t = 0; t < 3; t++) {
		al = ct_abstract(c, &a, "inuse");
		CT_OK(c, fd, mk_bound(c, unix_types[t], &a, al));
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->bind((int)fd, &a, al), -EADDRINUSE);
	}
}

/* An abstract name disappears with its socket: it can be bound again. */
static void addr_abstract_released_on_close(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "rel");
	long fd;

	CT_OK(c, fd, c->b->socket(AF_UNIX, SOCK_STREAM, 0));
	CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
	CT_EQ(c, c->b->close((int)fd), 0);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, al), -ECONNREFUSED);
}

/* ---- autobind ---- */

static int is_autobind_name(const struct sockaddr_un *a, unsigned len)
{
	if (len != SUN_OFF + 6 || a->sun_family != AF_UNIX || a->sun_path[0] != 0)
		return 0;
	for (int i = 1; i < 6; i++) {
		char ch = a->sun_path[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
	}
	return 1;
}

/* bind() with only sun_family picks an abstract name of five hex digits
 * (length 8). */
static void addr_autobind_format(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned gl;
	long fd;

	a.sun_family = AF_UNIX;
	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->bind((int)fd, &a, sizeof(sa_family_t)), 0);
		gl = sizeof(got);
		CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
		CT_TRUE(c, is_autobind_name(&got, gl));
	}
}

static void addr_autobind_unique(struct ct_ctx *c)
{
	struct sockaddr_un a, g1, g2;
	unsigned l1 = sizeof(g1), l2 = sizeof(g2);
	long s1, s2;

	a.sun_family = AF_UNIX;
	CT_OK(c, s1, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_OK(c, s2, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)s1, &a, sizeof(sa_family_t)), 0);
	CT_EQ(c, c->b->bind((int)s2, &a, sizeof(sa_family_t)), 0);
	CT_EQ(c, c->b->getsockname((int)s1, &g1, &l1), 0);
	CT_EQ(c, c->b->getsockname((int)s2, &g2, &l2), 0);
	CT_TRUE(c, memcmp(&g1, &g2, l1) != 0);
	/* An autobound name is reachable like any abstract name. */
	CT_EQ(c, c->b->sendto((int)s1, "a", 1, 0, &g2, l2), 1);
	CT_EQ(c, c->b->recvfrom((int)s2, &a, 1, MSG_DONTWAIT, NULL, NULL), 1);
}

/* An autobind request on an already bound socket succeeds and changes
 * nothing (unlike a second named bind, which is EINVAL). */
static void addr_autobind_when_bound(struct ct_ctx *c)
{
	struct sockaddr_un a, fam, got;
	unsigned al = ct_path(c, &a, "ab"), gl = sizeof(got);
	long fd;

	fam.sun_family = AF_UNIX;
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)fd, &a, al), 0);
	CT_EQ(c, c->b->bind((int)fd, &fam, sizeof(sa_family_t)), 0);
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !strcmp(got.sun_path, a.sun_path));
}

/* With SO_PASSCRED, connect() and sendto() autobind an unbound socket;
 * without it the socket stays unnamed. */
static void addr_autobind_passcred(struct ct_ctx *c)
{
	struct sockaddr_un r, got;
	unsigned rl = ct_abstract(c, &r, "pc"), gl;
	int one = 1;
	long rx, s1, s2, s3;

	CT_OK(c, rx, mk_bound(c, SOCK_DGRAM, &r, rl));
	CT_OK(c, s1, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_OK(c, s2, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_OK(c, s3, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->setsockopt((int)s1, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->setsockopt((int)s2, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	CT_EQ(c, c->b->connect((int)s1, &r, rl), 0);
	CT_EQ(c, c->b->sendto((int)s2, "x", 1, 0, &r, rl), 1);
	CT_EQ(c, c->b->connect((int)s3, &r, rl), 0);
	gl = sizeof(got);
	CT_EQ(c, c->b->getsockname((int)s1, &got, &gl), 0);
	CT_TRUE(c, is_autobind_name(&got, gl));
	gl = sizeof(got);
	CT_EQ(c, c->b->getsockname((int)s2, &got, &gl), 0);
	CT_TRUE(c, is_autobind_name(&got, gl));
	gl = sizeof(got);
	CT_EQ(c, c->b->getsockname((int)s3, &got, &gl), 0);
	CT_EQ(c, gl, sizeof(sa_family_t));
}

/* ---- the names getsockname/getpeername report ---- */

static void addr_getsockname_unnamed(struct ct_ctx *c)
{
	struct sockaddr_un got;
	unsigned gl;
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		memset(&got, 0x55, sizeof(got));
		gl = sizeof(got);
		CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
		CT_EQ(c, gl, sizeof(sa_family_t));
		CT_EQ(c, got.sun_family, AF_UNIX);
		CT_EQ(c, (unsigned char)got.sun_path[0], 0x55); /* nothing more written */
	}
}

static void addr_getsockname_path(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "gsn"), gl = sizeof(got);
	long fd;

	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &a, al));
	memset(&got, 0x55, sizeof(got));
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, SUN_OFF + strlen(a.sun_path) + 1);
	CT_EQ(c, got.sun_family, AF_UNIX);
	CT_TRUE(c, !strcmp(got.sun_path, a.sun_path));
}

static void addr_getsockname_abstract(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_abstract(c, &a, "gsn"), gl = sizeof(got);
	long fd;

	CT_OK(c, fd, mk_bound(c, SOCK_SEQPACKET, &a, al));
	memset(&got, 0x55, sizeof(got));
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !memcmp(&got, &a, al));
	CT_EQ(c, (unsigned char)((char *)&got)[al], 0x55); /* no NUL appended */
}

/* A short buffer gets a truncated copy and the full length. */
static void addr_getsockname_short_buffer(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "short"), gl;
	long fd;

	CT_OK(c, fd, mk_bound(c, SOCK_DGRAM, &a, al));
	memset(&got, 0x55, sizeof(got));
	gl = 5;
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !memcmp(&got, &a, 5));
	CT_EQ(c, (unsigned char)((char *)&got)[5], 0x55);
	memset(&got, 0x55, sizeof(got));
	gl = 1; /* not even the whole family */
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_EQ(c, ((unsigned char *)&got)[1], 0x55);
	memset(&got, 0x55, sizeof(got));
	gl = 0;
	CT_EQ(c, c->b->getsockname((int)fd, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_EQ(c, ((unsigned char *)&got)[0], 0x55);
}

/* A negative *addrlen (as int) is EINVAL. */
static void addr_getsockname_negative_len(struct ct_ctx *c)
{
	struct sockaddr_un got;
	unsigned gl = (unsigned)-1;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, c->b->getsockname(sv[0], &got, &gl), -EINVAL);
	gl = 0x80000000u;
	CT_EQ(c, c->b->getpeername(sv[0], &got, &gl), -EINVAL);
}

static void addr_getpeername_enotconn(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "l"), gl;
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		gl = sizeof(got);
		CT_EQ(c, c->b->getpeername((int)fd, &got, &gl), -ENOTCONN);
	}
	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &a, al)); /* a listener has no peer */
	gl = sizeof(got);
	CT_EQ(c, c->b->getpeername((int)fd, &got, &gl), -ENOTCONN);
}

static void addr_socketpair_names(struct ct_ctx *c)
{
	struct sockaddr_un got;
	unsigned gl;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int k = 0; k < 2; k++) {
			gl = sizeof(got);
			CT_EQ(c, c->b->getsockname(sv[k], &got, &gl), 0);
			CT_EQ(c, gl, sizeof(sa_family_t));
			gl = sizeof(got);
			CT_EQ(c, c->b->getpeername(sv[k], &got, &gl), 0);
			CT_EQ(c, gl, sizeof(sa_family_t));
			CT_EQ(c, got.sun_family, AF_UNIX);
		}
	}
}

/* The accepted socket is named like the listener; its peer (a client that
 * did not bind) is unnamed, and accept() reports that. */
static void addr_accept_names_unbound_client(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "lsn"), gl;
	long l, cl, sv;

	for (int t = 0; t < 3; t += 2) { /* stream, seqpacket */
		unlink(a.sun_path);
		CT_OK(c, l, mk_bound(c, unix_types[t], &a, al));
		CT_OK(c, cl, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
		memset(&got, 0x55, sizeof(got));
		gl = sizeof(got);
		CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, &got, &gl)));
		CT_EQ(c, gl, sizeof(sa_family_t));
		CT_EQ(c, got.sun_family, AF_UNIX);
		gl = sizeof(got);
		CT_EQ(c, c->b->getsockname((int)sv, &got, &gl), 0);
		CT_EQ(c, gl, al);
		CT_TRUE(c, !strcmp(got.sun_path, a.sun_path));
		gl = sizeof(got);
		CT_EQ(c, c->b->getpeername((int)sv, &got, &gl), 0);
		CT_EQ(c, gl, sizeof(sa_family_t));
		gl = sizeof(got);
		CT_EQ(c, c->b->getpeername((int)cl, &got, &gl), 0);
		CT_EQ(c, gl, al);
		CT_TRUE(c, !strcmp(got.sun_path, a.sun_path));
		gl = sizeof(got);
		CT_EQ(c, c->b->getsockname((int)cl, &got, &gl), 0);
		CT_EQ(c, gl, sizeof(sa_family_t));
	}
}

static void addr_accept_names_bound_client(struct ct_ctx *c)
{
	struct sockaddr_un a, ca, got;
	unsigned al = ct_abstract(c, &a, "lsn"), cal = ct_path(c, &ca, "client"), gl;
	long l, cl, sv;

	CT_OK(c, l, mk_bound(c, SOCK_STREAM, &a, al));
	CT_OK(c, cl, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->bind((int)cl, &ca, cal), 0);
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	gl = sizeof(got);
	CT_OK(c, sv, ct_fd(c, c->b->accept((int)l, &got, &gl)));
	CT_EQ(c, gl, cal);
	CT_TRUE(c, !strcmp(got.sun_path, ca.sun_path));
	gl = sizeof(got);
	CT_EQ(c, c->b->getpeername((int)sv, &got, &gl), 0);
	CT_EQ(c, gl, cal);
	gl = sizeof(got);
	CT_EQ(c, c->b->getsockname((int)sv, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !memcmp(&got, &a, al));
}

/* A stream socket keeps its peer's name after the peer closes. */
static void addr_getpeername_after_peer_close(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_path(c, &a, "pc"), gl = sizeof(got);
	long l, cl, sv;

	CT_OK(c, l, mk_bound(c, SOCK_STREAM, &a, al));
	CT_OK(c, cl, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)cl, &a, al), 0);
	CT_OK(c, sv, c->b->accept((int)l, NULL, NULL));
	CT_EQ(c, c->b->close((int)sv), 0);
	CT_EQ(c, c->b->getpeername((int)cl, &got, &gl), 0);
	CT_EQ(c, gl, al);
}

/* A datagram socket's peer is the name it connected to; connecting to
 * AF_UNSPEC dissolves the association. */
static void addr_dgram_connect_unspec(struct ct_ctx *c)
{
	struct sockaddr_un a, got;
	unsigned al = ct_abstract(c, &a, "dg"), gl = sizeof(got);
	struct sockaddr unspec;
	long rx, tx;

	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	CT_OK(c, rx, mk_bound(c, SOCK_DGRAM, &a, al));
	CT_OK(c, tx, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->connect((int)tx, &a, al), 0);
	CT_EQ(c, c->b->getpeername((int)tx, &got, &gl), 0);
	CT_EQ(c, gl, al);
	CT_TRUE(c, !memcmp(&got, &a, al));
	CT_EQ(c, c->b->connect((int)tx, &unspec, sizeof(unspec)), 0);
	gl = sizeof(got);
	CT_EQ(c, c->b->getpeername((int)tx, &got, &gl), -ENOTCONN);
	CT_EQ(c, c->b->write((int)tx, "x", 1), -ENOTCONN);
	/* Also with just the family. */
	CT_EQ(c, c->b->connect((int)tx, &a, al), 0);
	CT_EQ(c, c->b->connect((int)tx, &unspec, sizeof(sa_family_t)), 0);
	gl = sizeof(got);
	CT_EQ(c, c->b->getpeername((int)tx, &got, &gl), -ENOTCONN);
}

/* For stream sockets AF_UNSPEC is just a wrong family. */
static void addr_stream_connect_unspec(struct ct_ctx *c)
{
	struct sockaddr unspec;
	long fd;

	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &unspec, sizeof(unspec)), -EINVAL);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->connect((int)fd, &unspec, sizeof(unspec)), -EINVAL);
}

/* The source address a receiver sees: the sender's name, or none (length
 * 0) for an unbound sender. */
static void addr_recvfrom_sender_name(struct ct_ctx *c)
{
	struct sockaddr_un r, s, got;
	unsigned rl = ct_abstract(c, &r, "r"), sl = ct_path(c, &s, "snd"), gl;
	long rx, tx, anon;
	char ch;

	CT_OK(c, rx, mk_bound(c, SOCK_DGRAM, &r, rl));
	CT_OK(c, tx, mk_bound(c, SOCK_DGRAM, &s, sl));
	CT_OK(c, anon, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->sendto((int)tx, "a", 1, 0, &r, rl), 1);
	CT_EQ(c, c->b->sendto((int)anon, "b", 1, 0, &r, rl), 1);
	memset(&got, 0x55, sizeof(got));
	gl = sizeof(got);
	CT_EQ(c, c->b->recvfrom((int)rx, &ch, 1, 0, &got, &gl), 1);
	CT_EQ(c, gl, sl);
	CT_TRUE(c, !strcmp(got.sun_path, s.sun_path));
	memset(&got, 0x55, sizeof(got));
	gl = sizeof(got);
	CT_EQ(c, c->b->recvfrom((int)rx, &ch, 1, 0, &got, &gl), 1);
	CT_EQ(c, gl, 0);
	CT_EQ(c, ((unsigned char *)&got)[0], 0x55);
}

/* ---- connecting to a name ---- */

static void addr_connect_enoent(struct ct_ctx *c)
{
	struct sockaddr_un a, d;
	unsigned al = ct_path(c, &a, "nothing"), dl = ct_path(c, &d, "nodir/s");
	long fd;

	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->connect((int)fd, &a, al), -ENOENT);
		CT_EQ(c, c->b->connect((int)fd, &d, dl), -ENOENT);
	}
	/* An unconnected seqpacket socket ignores the address. */
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a, al), -ENOTCONN);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a, al), -ENOENT);
}

/* A name that exists but is no bound socket: ECONNREFUSED. */
static void addr_connect_not_a_socket(struct ct_ctx *c)
{
	struct sockaddr_un f, d;
	unsigned fl = ct_path(c, &f, "reg"), dl = ct_path(c, &d, "dir");
	int hf = open(f.sun_path, O_CREAT | O_WRONLY, 0666);
	long fd;

	CT_TRUE(c, hf >= 0);
	close(hf);
	CT_EQ(c, mkdir(d.sun_path, 0755), 0);
	for (int t = 0; t < 3; t++) {
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->connect((int)fd, &f, fl), -ECONNREFUSED);
		CT_EQ(c, c->b->connect((int)fd, &d, dl), -ECONNREFUSED);
	}
}

/* The socket file of a closed socket: ECONNREFUSED. */
static void addr_connect_stale_socket_file(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "stale");
	long fd;

	for (int t = 0; t < 3; t++) {
		unlink(a.sun_path);
		CT_OK(c, fd, mk_bound(c, unix_types[t], &a, al));
		ct_untrack(c, (int)fd);
		CT_EQ(c, c->b->close((int)fd), 0);
		CT_TRUE(c, path_is_socket(a.sun_path));
		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
		CT_EQ(c, c->b->connect((int)fd, &a, al), -ECONNREFUSED);
	}
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a, al), -ECONNREFUSED);
}

static void addr_connect_enotdir(struct ct_ctx *c)
{
	struct sockaddr_un a, f;
	unsigned al = ct_path(c, &a, "file/s");
	int hf;
	long fd;

	ct_path(c, &f, "file");
	hf = open(f.sun_path, O_CREAT | O_WRONLY, 0644);
	CT_TRUE(c, hf >= 0);
	close(hf);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, al), -ENOTDIR);
}

/* Connecting to a pathname socket of another type: EPROTOTYPE. */
static void addr_connect_eprototype_path(struct ct_ctx *c)
{
	struct sockaddr_un a[3];
	unsigned al[3];
	char name[16];
	long fd;

	for (int t = 0; t < 3; t++) {
		snprintf(name, sizeof(name), "t%d", t);
		al[t] = ct_path(c, &a[t], name);
		CT_OK(c, fd, mk_bound(c, unix_types[t], &a[t], al[t]));
	}
	for (int t = 0; t < 3; t++) {
		for (int u = 0; u < 3; u++) {
			if (u == t)
				continue;
			CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, unix_types[t], 0)));
			CT_EQ(c, c->b->connect((int)fd, &a[u], al[u]), -EPROTOTYPE);
		}
	}
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a[0], al[0]), -EPROTOTYPE);
}

/* Abstract names are per socket type: a name bound by a stream socket is
 * not found by the other types (ECONNREFUSED), and they may bind it too. */
static void addr_abstract_per_type(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "pt");
	long fd;

	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &a, al));
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, al), -ECONNREFUSED);
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a, al), -ECONNREFUSED);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_SEQPACKET, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, al), -ECONNREFUSED);
	CT_OK(c, fd, mk_bound(c, SOCK_DGRAM, &a, al));
	CT_OK(c, fd, mk_bound(c, SOCK_SEQPACKET, &a, al));
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, al), 0);
}

static void addr_connect_bad_len(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_path(c, &a, "bl");
	long fd;

	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &a, al));
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_STREAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, 0), -EINVAL);
	CT_EQ(c, c->b->connect((int)fd, &a, 1), -EINVAL);
	CT_EQ(c, c->b->connect((int)fd, &a, sizeof(sa_family_t)), -EINVAL);
	CT_EQ(c, c->b->connect((int)fd, &a, sizeof(a) + 1), -EINVAL);
	CT_EQ(c, c->b->connect((int)fd, &a, 129), -EINVAL);
	a.sun_family = AF_INET;
	CT_EQ(c, c->b->connect((int)fd, &a, al), -EINVAL);
	CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->connect((int)fd, &a, al), -EINVAL);
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a, al), -EINVAL);
	a.sun_family = AF_UNIX;
	CT_EQ(c, c->b->sendto((int)fd, "x", 1, 0, &a, sizeof(sa_family_t)), -EINVAL);
	CT_EQ(c, c->b->connect((int)fd, &a, 1), -EINVAL);
}

/* ---- permissions ---- */

/* As another process: a socket of x->type connects (or, with
 * x->type | 0x100, sends) to the path; returns the result. */
static long as_connect(const struct ct_backend *b, void *p)
{
	struct path_arg *x = p;
	int type = x->type & 0xff;
	long fd = b->socket(AF_UNIX, type, 0), r;

	if (fd < 0)
		return fd;
	if (x->type & 0x100)
		r = b->sendto((int)fd, "x", 1, MSG_DONTWAIT, &x->a, x->len);
	else
		r = b->connect((int)fd, &x->a, x->len);
	b->close((int)fd);
	return r;
}

static long as_bind(const struct ct_backend *b, void *p)
{
	struct path_arg *x = p;
	long fd = b->socket(AF_UNIX, x->type, 0), r;

	if (fd < 0)
		return fd;
	r = b->bind((int)fd, &x->a, x->len);
	b->close((int)fd);
	return r;
}

/* Connecting needs write permission on the socket file. */
static void addr_eacces_connect_no_write(struct ct_ctx *c)
{
	struct path_arg x;
	long fd;

	for (int t = 0; t < 3; t++) {
		x.len = ct_path(c, &x.a, t == 0 ? "s0" : t == 1 ? "s1" : "s2");
		x.type = unix_types[t];
		CT_OK(c, fd, mk_bound(c, unix_types[t], &x.a, x.len));
		CT_EQ(c, chmod(x.a.sun_path, 0755), 0);
		CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect, &x), -EACCES);
		CT_EQ(c, chmod(x.a.sun_path, 0777), 0);
		CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect, &x), 0);
	}
}

static void addr_eacces_sendto_no_write(struct ct_ctx *c)
{
	struct path_arg x;
	long fd;

	x.len = ct_path(c, &x.a, "dg");
	x.type = SOCK_DGRAM | 0x100;
	CT_OK(c, fd, mk_bound(c, SOCK_DGRAM, &x.a, x.len));
	CT_EQ(c, chmod(x.a.sun_path, 0755), 0);
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect, &x), -EACCES);
	CT_EQ(c, chmod(x.a.sun_path, 0722), 0);
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect, &x), 1);
}

/* Root needs no permission at all. */
static void addr_root_ignores_mode(struct ct_ctx *c)
{
	struct path_arg x;
	long fd;

	x.len = ct_path(c, &x.a, "root");
	x.type = SOCK_STREAM;
	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &x.a, x.len));
	CT_EQ(c, chmod(x.a.sun_path, 0), 0);
	CT_EQ(c, c->b->run_as(0, 0, as_connect, &x), 0);
}

/* A directory the user cannot search hides the socket: EACCES. */
static void addr_eacces_connect_search(struct ct_ctx *c)
{
	struct sockaddr_un d;
	struct path_arg x;
	long fd;

	ct_path(c, &d, "priv");
	CT_EQ(c, mkdir(d.sun_path, 0700), 0);
	x.len = ct_path(c, &x.a, "priv/s");
	x.type = SOCK_STREAM;
	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &x.a, x.len));
	CT_EQ(c, chmod(x.a.sun_path, 0777), 0);
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect, &x), -EACCES);
	x.len = ct_path(c, &x.a, "priv/new");
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_bind, &x), -EACCES);
}

/* Binding creates a file: it needs write permission on the directory. */
static void addr_eacces_bind_dir(struct ct_ctx *c)
{
	struct sockaddr_un d;
	struct path_arg x;

	ct_path(c, &d, "ro");
	CT_EQ(c, mkdir(d.sun_path, 0755), 0);
	x.len = ct_path(c, &x.a, "ro/s");
	for (int t = 0; t < 3; t++) {
		x.type = unix_types[t];
		CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_bind, &x), -EACCES);
	}
	CT_TRUE(c, !path_is_socket(x.a.sun_path));
	CT_EQ(c, chmod(d.sun_path, 0777), 0);
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_bind, &x), 0);
	CT_TRUE(c, path_is_socket(x.a.sun_path));
}

/* Abstract names have no permissions. */
static void addr_abstract_no_permission(struct ct_ctx *c)
{
	struct path_arg x;
	long fd;

	x.len = ct_abstract(c, &x.a, "perm");
	x.type = SOCK_STREAM;
	CT_OK(c, fd, mk_bound(c, SOCK_STREAM, &x.a, x.len));
	CT_EQ(c, c->b->run_as(NOBODY, NOBODY, as_connect, &x), 0);
}

const struct ct_case ct_cases_addr[] = {
	{ "addr_bind_creates_socket_file", addr_bind_creates_socket_file },
	{ "addr_bind_mode_umask", addr_bind_mode_umask },
	{ "addr_bind_eaddrinuse_path", addr_bind_eaddrinuse_path },
	{ "addr_bind_eaddrinuse_file", addr_bind_eaddrinuse_file },
	{ "addr_path_persists_after_close", addr_path_persists_after_close },
	{ "addr_unlink_then_rebind", addr_unlink_then_rebind },
	{ "addr_bind_enoent", addr_bind_enoent },
	{ "addr_bind_enotdir", addr_bind_enotdir },
	{ "addr_bind_twice_einval", addr_bind_twice_einval },
	{ "addr_bind_short_len", addr_bind_short_len },
	{ "addr_bind_wrong_family", addr_bind_wrong_family },
	{ "addr_bind_long_len", addr_bind_long_len },
	{ "addr_bind_len_cuts_path", addr_bind_len_cuts_path },
	{ "addr_bind_len_past_nul", addr_bind_len_past_nul },
	{ "addr_path_108_no_nul", addr_path_108_no_nul },
	{ "addr_abstract_length_defined", addr_abstract_length_defined },
	{ "addr_abstract_eaddrinuse", addr_abstract_eaddrinuse },
	{ "addr_abstract_released_on_close", addr_abstract_released_on_close },
	{ "addr_autobind_format", addr_autobind_format },
	{ "addr_autobind_unique", addr_autobind_unique },
	{ "addr_autobind_when_bound", addr_autobind_when_bound },
	{ "addr_autobind_passcred", addr_autobind_passcred },
	{ "addr_getsockname_unnamed", addr_getsockname_unnamed },
	{ "addr_getsockname_path", addr_getsockname_path },
	{ "addr_getsockname_abstract", addr_getsockname_abstract },
	{ "addr_getsockname_short_buffer", addr_getsockname_short_buffer },
	{ "addr_getsockname_negative_len", addr_getsockname_negative_len },
	{ "addr_getpeername_enotconn", addr_getpeername_enotconn },
	{ "addr_socketpair_names", addr_socketpair_names },
	{ "addr_accept_names_unbound_client", addr_accept_names_unbound_client },
	{ "addr_accept_names_bound_client", addr_accept_names_bound_client },
	{ "addr_getpeername_after_peer_close", addr_getpeername_after_peer_close },
	{ "addr_dgram_connect_unspec", addr_dgram_connect_unspec },
	{ "addr_stream_connect_unspec", addr_stream_connect_unspec },
	{ "addr_recvfrom_sender_name", addr_recvfrom_sender_name },
	{ "addr_connect_enoent", addr_connect_enoent },
	{ "addr_connect_not_a_socket", addr_connect_not_a_socket },
	{ "addr_connect_stale_socket_file", addr_connect_stale_socket_file },
	{ "addr_connect_enotdir", addr_connect_enotdir },
	{ "addr_connect_eprototype_path", addr_connect_eprototype_path },
	{ "addr_abstract_per_type", addr_abstract_per_type },
	{ "addr_connect_bad_len", addr_connect_bad_len },
	{ "addr_eacces_connect_no_write", addr_eacces_connect_no_write },
	{ "addr_eacces_sendto_no_write", addr_eacces_sendto_no_write },
	{ "addr_root_ignores_mode", addr_root_ignores_mode },
	{ "addr_eacces_connect_search", addr_eacces_connect_search },
	{ "addr_eacces_bind_dir", addr_eacces_bind_dir },
	{ "addr_abstract_no_permission", addr_abstract_no_permission },
	{ 0 },
};

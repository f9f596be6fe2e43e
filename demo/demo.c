/*
 * demo.c - ksock at work: two hosted processes talk over each AF_UNIX
 * socket type, then the table of live sockets, then what bad input gets.
 *
 *   ksock-demo            run the whole demo
 *   ksock-demo --dir D    put pathname sockets in directory D (default: a
 *                         fresh directory under /tmp, removed at the end)
 *   ksock-demo --connect PATH
 *                         just try to connect to PATH and report the result
 *
 * Every call goes through ksock (ks_sys_*), never through Linux's sockets.
 */
#include <ksock/ksock.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *err_name(long e)
{
	switch (-e) {
	case KS_ENOENT: return "ENOENT";
	case KS_EINVAL: return "EINVAL";
	case KS_EADDRINUSE: return "EADDRINUSE";
	case KS_ECONNREFUSED: return "ECONNREFUSED";
	case KS_ENOTCONN: return "ENOTCONN";
	case KS_EPIPE: return "EPIPE";
	case KS_EBADF: return "EBADF";
	case KS_EAFNOSUPPORT: return "EAFNOSUPPORT";
	case KS_ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case KS_EOPNOTSUPP: return "EOPNOTSUPP";
	case KS_EACCES: return "EACCES";
	case KS_EPROTOTYPE: return "EPROTOTYPE";
	case KS_EFAULT: return "EFAULT";
	case KS_EAGAIN: return "EAGAIN";
	default: return "?";
	}
}

/* Prints a failed call the way a person wants to read it; exits on a
 * failure the demo did not expect. */
static long check(const char *who, const char *what, long r)
{
	if (r < 0) {
		fprintf(stderr, "ksock-demo: %s: %s failed: %s (%s)\n", who, what, strerror((int)-r),
			err_name(r));
		exit(1);
	}
	return r;
}

struct peer_args {
	struct ks_proc *proc;
	const char *name;
	int type;
	struct ks_sockaddr_un addr;
	unsigned addrlen;
	int ready[2]; /* a host pipe: the server says it is listening */
	int keep_fd;  /* the server's connection, left open for the table */
};

static void say(const char *who, int type, const char *verb, const char *text)
{
	static const char *types[] = {"", "stream", "dgram", "", "", "seqpacket"};
	printf("  [%-9s %-8s] %s \"%s\"\n", types[type], who, verb, text);
}

static void *server(void *arg)
{
	struct peer_args *a = arg;
	char buf[128];
	struct ks_sockaddr_un from;
	unsigned fromlen = sizeof(from);

	ks_proc_enter(a->proc);
	int fd = (int)check(a->name, "socket", ks_sys_socket(KS_AF_UNIX, a->type, 0));
	check(a->name, "bind", ks_sys_bind(fd, (void *)&a->addr, a->addrlen));
	int conn = fd;
	if (a->type != KS_SOCK_DGRAM) {
		check(a->name, "listen", ks_sys_listen(fd, 8));
		(void)!write(a->ready[1], "x", 1);
		conn = (int)check(a->name, "accept", ks_sys_accept(fd, NULL, NULL));
	} else {
		(void)!write(a->ready[1], "x", 1);
	}
	long n = check(a->name, "recvfrom",
		       ks_sys_recvfrom(conn, buf, sizeof(buf) - 1, 0, (void *)&from, &fromlen));
	buf[n] = 0;
	say(a->name, a->type, "received", buf);
	const char *reply = "hello back, from process 100";
	if (a->type == KS_SOCK_DGRAM)
		check(a->name, "sendto",
		      ks_sys_sendto(conn, reply, strlen(reply), 0, (void *)&from, fromlen));
	else
		check(a->name, "send", ks_sys_sendto(conn, reply, strlen(reply), 0, NULL, 0));
	a->keep_fd = conn;
	return NULL;
}

static void client(struct peer_args *a, struct ks_proc *me, const char *name)
{
	char buf[128];

	ks_proc_enter(me);
	int fd = (int)check(name, "socket", ks_sys_socket(KS_AF_UNIX, a->type, 0));
	if (a->type == KS_SOCK_DGRAM) {
		struct ks_sockaddr_un any = {.sun_family = KS_AF_UNIX};
		check(name, "bind (autobind)", ks_sys_bind(fd, (void *)&any, 2));
	}
	check(name, "connect", ks_sys_connect(fd, (void *)&a->addr, a->addrlen));
	const char *msg = "hello, from process 200";
	say(name, a->type, "sends", msg);
	check(name, "send", ks_sys_sendto(fd, msg, strlen(msg), 0, NULL, 0));
	long n = check(name, "recv", ks_sys_recvfrom(fd, buf, sizeof(buf) - 1, 0, NULL, NULL));
	buf[n] = 0;
	say(name, a->type, "received", buf);
	ks_proc_enter(NULL);
}

static void talk(struct ks_proc *pa, struct ks_proc *pb, int type, const char *dir)
{
	struct peer_args a = {.proc = pa, .name = "pid 100", .type = type};
	pthread_t t;
	char c;

	a.addr.sun_family = KS_AF_UNIX;
	if (type == KS_SOCK_DGRAM) {
		/* an abstract name: a leading NUL, no file */
		memcpy(a.addr.sun_path, "\0ksock-demo-dgram", 17);
		a.addrlen = 2 + 17;
	} else {
		snprintf(a.addr.sun_path, sizeof(a.addr.sun_path), "%s/%s.sock", dir,
			 type == KS_SOCK_STREAM ? "stream" : "seqpacket");
		a.addrlen = (unsigned)(2 + strlen(a.addr.sun_path) + 1);
	}
	if (pipe(a.ready) != 0) {
		perror("ksock-demo: pipe");
		exit(1);
	}
	pthread_create(&t, NULL, server, &a);
	if (read(a.ready[0], &c, 1) != 1)
		exit(1);
	client(&a, pb, "pid 200");
	pthread_join(t, NULL);
	close(a.ready[0]);
	close(a.ready[1]);
}

static void line(void *arg, const char *text)
{
	(void)arg;
	printf("  %s\n", text);
}

static void show_bad(const char *what, long r)
{
	printf("  %-58s -> %ld %s (%s)\n", what, r, r < 0 ? err_name(r) : "",
	       r < 0 ? strerror((int)-r) : "ok");
}

static void bad_input(const char *dir)
{
	struct ks_sockaddr_un missing = {.sun_family = KS_AF_UNIX};
	snprintf(missing.sun_path, sizeof(missing.sun_path), "%s/no-such.sock", dir);
	int fd = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_STREAM, 0);
	int dg = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_DGRAM, 0);

	printf("\nWhat bad input gets (Linux's errors, and nothing breaks):\n");
	show_bad("socket(AF_UNIX, 42, 0)", ks_sys_socket(KS_AF_UNIX, 42, 0));
	show_bad("socket(1234, SOCK_STREAM, 0)", ks_sys_socket(1234, KS_SOCK_STREAM, 0));
	show_bad("connect(stream, \"<dir>/no-such.sock\")",
		 ks_sys_connect(fd, (void *)&missing, sizeof(missing)));
	show_bad("send(unconnected stream, \"x\")", ks_sys_sendto(fd, "x", 1, 0, NULL, 0));
	show_bad("listen(dgram socket)", ks_sys_listen(dg, 1));
	show_bad("recv(fd 9999)", ks_sys_recvfrom(9999, NULL, 0, 0, NULL, NULL));
	show_bad("bind(stream, (void *)-1, 110)", ks_sys_bind(fd, (void *)-1, 110));
	show_bad("getsockopt(stream, SOL_SOCKET, 9999)",
		 ks_sys_getsockopt(fd, KS_SOL_SOCKET, 9999, NULL, NULL));
	ks_sys_close(fd);
	ks_sys_close(dg);
}

static int connect_only(const char *path)
{
	struct ks_sockaddr_un a = {.sun_family = KS_AF_UNIX};

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "ksock-demo: --connect: path longer than %zu bytes\n",
			sizeof(a.sun_path) - 1);
		return 2;
	}
	strcpy(a.sun_path, path);
	int fd = (int)ks_sys_socket(KS_AF_UNIX, KS_SOCK_STREAM, 0);
	long r = ks_sys_connect(fd, (void *)&a, (unsigned)(2 + strlen(path) + 1));
	if (r < 0) {
		fprintf(stderr, "ksock-demo: connect %s: %s (%s)\n", path, strerror((int)-r),
			err_name(r));
		return 1;
	}
	printf("connected to %s\n", path);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ksock-demo [--dir DIR] | --connect PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/ksock-demo-XXXXXX";
	const char *dir = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--connect") && i + 1 < argc)
			return connect_only(argv[++i]);
		else
			return usage();
	}
	if (!dir && !(dir = mkdtemp(tmpl))) {
		perror("ksock-demo: mkdtemp");
		return 1;
	}
	if (dir == tmpl)
		chmod(dir, 0777); /* the hosted processes are not root: let them bind */
	struct ks_proc *pa = ks_proc_new(100, 1000, 1000);
	struct ks_proc *pb = ks_proc_new(200, 1000, 1000);
	printf("Two hosted processes (pid 100 and pid 200) talk over ksock's AF_UNIX:\n");
	talk(pa, pb, KS_SOCK_STREAM, dir);
	talk(pa, pb, KS_SOCK_SEQPACKET, dir);
	talk(pa, pb, KS_SOCK_DGRAM, dir);
	printf("\nLive sockets, as `ss -x` shows them (both processes still hold their ends):\n");
	ks_socket_table(line, NULL);
	bad_input(dir);
	ks_proc_exit(pa);
	ks_proc_exit(pb);
	struct ks_stats st;
	ks_stats_get(&st);
	printf("\nAfter both processes exit: %ld sockets and %ld allocations live.\n",
	       st.sockets_live, st.allocs_live);
	char path[256];
	snprintf(path, sizeof(path), "%s/stream.sock", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/seqpacket.sock", dir);
	unlink(path);
	if (dir == tmpl)
		rmdir(dir);
	return 0;
}

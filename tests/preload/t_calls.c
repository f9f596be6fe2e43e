/*
 * t_calls.c - a plain Linux C program (built without ksock) that uses the
 * libc entry points Python does not reach: readv/writev, sendmmsg and
 * recvmmsg (with SCM_RIGHTS), pread/pwrite (ESPIPE), fstat/statx,
 * dup3/F_DUPFD_CLOEXEC, close_range/closefrom, sendfile, ppoll/pselect with
 * signal masks, epoll_pwait, select/poll on bad descriptors, accept4
 * flags, ioctl, SA_RESTART and SA_RESETHAND handlers, sigaction's view of
 * handlers, EPIPE, handlers interrupting accept, send and recv (EINTR;
 * SA_RESTART restarts, except with SO_RCVTIMEO/SO_SNDTIMEO), a handler
 * writing to a busy socket (the self-pipe trick). tests/preload/run.py runs it under ksock-run and under
 * Linux; it prints "ok: ..." per check and "done", or exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static void check(int cond, const char *what)
{
	if (!cond) {
		printf("FAIL: %s (errno %d)\n", what, errno);
		exit(1);
	}
	printf("ok: %s\n", what);
}

static void pair(int type, int sv[2])
{
	if (socketpair(AF_UNIX, type, 0, sv))
		check(0, "socketpair");
}

static void io_vectors(void)
{
	int sv[2], p[2];
	char a[4], b[8], buf[64];
	struct iovec out[2] = {{"abc", 3}, {"defgh", 5}}, in[2] = {{a, 4}, {b, 8}};

	pair(SOCK_STREAM, sv);
	check(writev(sv[0], out, 2) == 8, "writev");
	check(readv(sv[1], in, 2) == 8 && !memcmp(a, "abcd", 4) && !memcmp(b, "efgh", 4), "readv");
	errno = 0;
	check(pread(sv[1], buf, 1, 0) < 0 && errno == ESPIPE, "pread: ESPIPE");
	check(pwrite(sv[0], "x", 1, 0) < 0 && errno == ESPIPE, "pwrite: ESPIPE");
	close(sv[0]);
	close(sv[1]);

	/* sendmmsg/recvmmsg on datagrams, one message carrying a pipe. */
	pair(SOCK_DGRAM, sv);
	if (pipe(p))
		check(0, "pipe");
	char cbuf[CMSG_SPACE(sizeof(int))], rcbuf[3][CMSG_SPACE(sizeof(int))];
	struct iovec iov[3] = {{"one", 3}, {"two", 3}, {"three", 5}};
	struct mmsghdr m[3];
	memset(m, 0, sizeof(m));
	memset(cbuf, 0, sizeof(cbuf));
	for (int i = 0; i < 3; i++) {
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	m[1].msg_hdr.msg_control = cbuf;
	m[1].msg_hdr.msg_controllen = sizeof(cbuf);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m[1].msg_hdr);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	check(sendmmsg(sv[0], m, 3, 0) == 3 && m[2].msg_len == 5, "sendmmsg: 3 messages, one with a pipe");
	close(p[1]);
	char r[3][16];
	struct iovec riov[3] = {{r[0], 16}, {r[1], 16}, {r[2], 16}};
	struct mmsghdr rm[3];
	memset(rm, 0, sizeof(rm));
	for (int i = 0; i < 3; i++) {
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
		rm[i].msg_hdr.msg_control = rcbuf[i];
		rm[i].msg_hdr.msg_controllen = sizeof(rcbuf[i]);
	}
	check(recvmmsg(sv[1], rm, 3, 0, NULL) == 3 && rm[2].msg_len == 5 &&
		      !memcmp(r[1], "two", 3), "recvmmsg: 3 messages");
	c = CMSG_FIRSTHDR(&rm[1].msg_hdr);
	int got;
	check(c && c->cmsg_type == SCM_RIGHTS, "recvmmsg: SCM_RIGHTS in the second");
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	check(write(got, "via mmsg", 8) == 8 && read(p[0], buf, 64) == 8, "the passed pipe works");
	close(got);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void descriptors(void)
{
	int sv[2];
	struct stat st;
	struct statx sx;
	char buf[16];

	pair(SOCK_STREAM, sv);
	check(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat: a socket");
	check(fstatat(sv[0], "", &st, AT_EMPTY_PATH) == 0 && S_ISSOCK(st.st_mode), "fstatat: a socket");
	check(statx(sv[0], "", AT_EMPTY_PATH, STATX_TYPE, &sx) == 0 && S_ISSOCK(sx.stx_mode),
	      "statx: a socket");
	check(dup3(sv[0], 150, O_CLOEXEC) == 150 && fcntl(150, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC");
	check(dup3(150, 150, 0) < 0 && errno == EINVAL, "dup3 onto itself: EINVAL");
	int d = fcntl(sv[0], F_DUPFD_CLOEXEC, 160);
	check(d >= 160 && fcntl(d, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC from 160");
	int e = fcntl(sv[0], F_DUPFD, 160);
	check(e > d && fcntl(e, F_GETFD) == 0, "F_DUPFD: the next free, no close-on-exec");
	check(write(e, "dup", 3) == 3 && read(sv[1], buf, 16) == 3, "the duplicate works");
	/* close_range and closefrom take ksock descriptors with them. */
	for (int fd = 300; fd < 306; fd++)
		check(dup2(sv[0], fd) == fd, "dup2 into 300..305");
	check(close_range(300, 302, CLOSE_RANGE_CLOEXEC) == 0 && fcntl(301, F_GETFD) == FD_CLOEXEC,
	      "close_range CLOEXEC");
	check(close_range(300, 305, 0) == 0 && fcntl(303, F_GETFD) < 0 && errno == EBADF,
	      "close_range closes them");
	check(dup2(sv[0], 400) == 400, "dup2 onto 400");
	closefrom(400);
	check(fcntl(400, F_GETFD) < 0 && errno == EBADF, "closefrom(400)");
	close(150);
	close(d);
	close(e);
	close(sv[0]);
	check(read(sv[1], buf, 16) == 0, "EOF once every copy is closed");
	close(sv[1]);
}

static void file_to_socket(void)
{
	int sv[2];
	char path[] = "/tmp/ksock-run-calls-XXXXXX", buf[64];
	int f = mkstemp(path);

	unlink(path);
	check(f >= 0 && write(f, "0123456789", 10) == 10, "a temporary file");
	pair(SOCK_STREAM, sv);
	off_t off = 2;
	check(sendfile(sv[0], f, &off, 5) == 5 && off == 7, "sendfile with an offset");
	check(read(sv[1], buf, 64) == 5 && !memcmp(buf, "23456", 5), "sendfile's bytes arrive");
	lseek(f, 8, SEEK_SET);
	check(sendfile(sv[0], f, NULL, 10) == 2 && read(sv[1], buf, 64) == 2, "sendfile from the position");
	close(f);
	close(sv[0]);
	close(sv[1]);
}

static volatile sig_atomic_t hits;
static void on_signal(int sig)
{
	(void)sig;
	hits++;
}

static void waits(void)
{
	int sv[2], efd = eventfd(0, EFD_CLOEXEC);
	sigset_t block, empty;
	fd_set rd;
	struct pollfd pf[3];

	pair(SOCK_STREAM, sv);
	signal(SIGUSR1, on_signal);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	FD_ZERO(&rd);
	FD_SET(sv[1], &rd);
	struct timespec five = {5, 0};
	errno = 0;
	check(pselect(sv[1] + 1, &rd, NULL, NULL, &five, &empty) < 0 && errno == EINTR && hits == 1,
	      "pselect: the mask lets a pending signal in (EINTR)");
	raise(SIGUSR1);
	pf[0] = (struct pollfd){sv[1], POLLIN, 0};
	check(ppoll(pf, 1, &five, &empty) < 0 && errno == EINTR && hits == 2,
	      "ppoll: the mask lets a pending signal in (EINTR)");
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1}, out[4];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	check(epoll_pwait(ep, out, 4, 100, &empty) == 0, "epoll_pwait: timeout");
	uint64_t one = 1;
	check(write(efd, &one, 8) == 8 && write(sv[0], "s", 1) == 1, "an eventfd and a socket ready");
	int n = epoll_pwait(ep, out, 4, 1000, &empty);
	check(n == 2 && out[0].data.u32 + out[1].data.u32 == 3, "epoll_pwait: both, mixed");
	ev.data.u32 = 3;
	check(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) < 0 && errno == EEXIST, "EPOLL_CTL_ADD twice: EEXIST");
	check(epoll_ctl(sv[0], EPOLL_CTL_ADD, sv[1], &ev) < 0 && errno == EINVAL,
	      "epoll_ctl on a socket as the set: EINVAL");
	close(ep);

	pf[0] = (struct pollfd){-1, POLLIN, 0};
	pf[1] = (struct pollfd){sv[1], POLLIN, 0};
	pf[2] = (struct pollfd){efd, POLLIN, 0};
	check(poll(pf, 3, 0) == 2 && pf[0].revents == 0, "poll: fd -1 ignored, two ready");
	int dead = dup(sv[1]);
	close(dead);
	pf[0] = (struct pollfd){dead, POLLIN, 0};
	check(poll(pf, 1, 0) == 1 && pf[0].revents == POLLNVAL, "poll: a closed number is POLLNVAL");
	FD_ZERO(&rd);
	FD_SET(sv[1], &rd);
	FD_SET(dead, &rd);
	struct timeval tv = {0, 0};
	check(select(dead + 1, &rd, NULL, NULL, &tv) < 0 && errno == EBADF, "select: a closed number, EBADF");
	close(efd);
	close(sv[0]);
	close(sv[1]);
}

static void *send_later(void *arg)
{
	usleep(300000);
	if (write(*(int *)arg, "late", 4) != 4)
		abort();
	return NULL;
}

static void signals(void)
{
	int sv[2];
	char buf[16];
	pthread_t t;
	struct sigaction sa, old;

	/* signal() gives SA_RESTART: a blocking read continues after it. */
	pair(SOCK_STREAM, sv);
	hits = 0;
	signal(SIGALRM, on_signal);
	struct itimerval it = {{0, 0}, {0, 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
	pthread_create(&t, NULL, send_later, &sv[0]);
	check(read(sv[1], buf, 16) == 4 && hits == 1, "SA_RESTART: read restarted after the handler");
	pthread_join(t, NULL);

	/* Without SA_RESTART: EINTR. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	check(recv(sv[1], buf, 16, 0) < 0 && errno == EINTR && hits == 2, "no SA_RESTART: recv EINTR");
	check(sigaction(SIGALRM, NULL, &old) == 0 && old.sa_handler == on_signal &&
		      !(old.sa_flags & SA_SIGINFO), "sigaction shows the program's own handler");
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	check(hits == 3 && sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_DFL,
	      "SA_RESETHAND: one call, then SIG_DFL");

	/* accept4 flags; EPIPE with SIGPIPE ignored. */
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "ksock-run-calls-%d", (int)getpid());
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
	check(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 1) == 0 &&
		      connect(c, (struct sockaddr *)&a, alen) == 0, "bind/listen/connect (abstract)");
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	check(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && fcntl(s, F_GETFD) == FD_CLOEXEC,
	      "accept4: SOCK_NONBLOCK|SOCK_CLOEXEC");
	int avail = -1, on = 0;
	check(write(c, "12345", 5) == 5 && ioctl(s, FIONREAD, &avail) == 0 && avail == 5, "ioctl FIONREAD");
	check(ioctl(s, FIONBIO, &on) == 0 && !(fcntl(s, F_GETFL) & O_NONBLOCK), "ioctl FIONBIO off");
	signal(SIGPIPE, SIG_IGN);
	close(s);
	errno = 0;
	check(write(c, "x", 1) < 0 && errno == EPIPE, "write after the peer closed: EPIPE");
	close(c);
	close(l);
	close(sv[0]);
	close(sv[1]);
}

/* A handler interrupting each kind of blocking call, sent to the blocked
 * thread itself (pthread_kill): EINTR without SA_RESTART; with it, the
 * handler runs while the call sleeps and the call goes on. */
static volatile sig_atomic_t usr1_hits;
static struct timespec usr1_at;

static void on_usr1(int sig)
{
	(void)sig;
	clock_gettime(CLOCK_MONOTONIC, &usr1_at); /* async-signal-safe */
	usr1_hits++;
}

static void *kill_later(void *arg)
{
	usleep(100000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void interrupts(void)
{
	pthread_t self = pthread_self(), t, t2;
	struct sigaction sa;
	struct timespec t0;
	char buf[4096];
	int sv[2];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "t_calls-intr-%d", (int)getpid());
	check(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0, "listener");
	pthread_create(&t, NULL, kill_later, &self);
	errno = 0;
	check(accept(l, NULL, NULL) < 0 && errno == EINTR && usr1_hits == 1,
	      "accept interrupted by a handler: EINTR");
	pthread_join(t, NULL);
	close(l);

	pair(SOCK_STREAM, sv);
	memset(buf, 'f', sizeof(buf));
	while (send(sv[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	pthread_create(&t, NULL, kill_later, &self);
	errno = 0;
	check(send(sv[0], buf, sizeof(buf), 0) < 0 && errno == EINTR && usr1_hits == 2,
	      "send on a full socket interrupted by a handler: EINTR");
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);

	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pair(SOCK_STREAM, sv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&t, NULL, kill_later, &self);
	pthread_create(&t2, NULL, send_later, &sv[0]); /* "late" after 300 ms */
	ssize_t n = recv(sv[1], buf, sizeof(buf), 0);
	double woke = since(&t0), ran = (double)(usr1_at.tv_sec - t0.tv_sec) +
				       (double)(usr1_at.tv_nsec - t0.tv_nsec) / 1e9;
	check(n == 4 && usr1_hits == 3 && ran < woke - 0.1,
	      "SA_RESTART: the handler ran while recv slept, then recv went on");
	pthread_join(t, NULL);
	pthread_join(t2, NULL);

	/* With a timeout in the call's direction Linux does not restart. */
	struct timeval tv = {2, 0};
	check(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
		      setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0,
	      "SO_RCVTIMEO, SO_SNDTIMEO set");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&t, NULL, kill_later, &self);
	errno = 0;
	check(recv(sv[1], buf, sizeof(buf), 0) < 0 && errno == EINTR && since(&t0) < 1.5 &&
		      usr1_hits == 4,
	      "SA_RESTART with SO_RCVTIMEO: recv EINTR, not restarted");
	pthread_join(t, NULL);
	while (send(sv[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&t, NULL, kill_later, &self);
	errno = 0;
	check(send(sv[0], buf, sizeof(buf), 0) < 0 && errno == EINTR && since(&t0) < 1.5 &&
		      usr1_hits == 5,
	      "SA_RESTART with SO_SNDTIMEO: send EINTR, not restarted");
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
	close(sv[0]);
	close(sv[1]);
}

/* The self-pipe trick: a handler writes a byte to a socket that the
 * thread it interrupts is itself writing to and reading from, so the
 * signal often lands inside a call on that socket pair (under ksock-run,
 * holding its locks, or inside malloc). Every byte the handler was told it
 * wrote must arrive. */
static int tick_fd;
static volatile sig_atomic_t ticks_sent;

static void on_tick(int sig)
{
	int saved = errno;

	(void)sig;
	if (write(tick_fd, "s", 1) == 1)
		ticks_sent++;
	errno = saved;
}

/* Reads what is there; counts the handler's bytes. */
static void drain_ticks(int fd, long *ticks, long *data)
{
	char buf[256];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		for (ssize_t i = 0; i < n; i++)
			*(buf[i] == 's' ? ticks : data) += 1;
}

static void self_pipe(void)
{
	struct itimerval it = {{0, 200}, {0, 200}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa;
	long ticks = 0, data = 0, wrote = 0;
	struct timespec t0, t;
	int sv[2];

	pair(SOCK_STREAM, sv);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	tick_fd = sv[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100; i++) {
			wrote += write(sv[1], "d", 1) == 1;
			drain_ticks(sv[0], &ticks, &data);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 400);
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < 200 && (ticks < ticks_sent || data < wrote); i++) {
		struct pollfd p = {sv[0], POLLIN, 0};
		poll(&p, 1, 10);
		drain_ticks(sv[0], &ticks, &data);
	}
	check(ticks_sent > 50 && ticks == ticks_sent && data == wrote,
	      "self-pipe: every byte a handler wrote to a busy socket arrived");
	signal(SIGALRM, SIG_DFL);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	io_vectors();
	descriptors();
	file_to_socket();
	waits();
	signals();
	interrupts();
	self_pipe();
	printf("done\n");
	return 0;
}

/*
 * test_fd.c - hosted processes and descriptor tables: lowest-free
 * numbering, min_fd, dup/dup3 semantics, close-on-exec, imported host
 * descriptors (ENOTSOCK, read/write, closed with their last slot), EMFILE at
 * RLIMIT_NOFILE, credentials, and a get/close race.
 *
 * Sockets here are fake: a zeroed struct ks_socket whose file count starts
 * high, so the core's ks_socket_file_get/put only count (no release runs).
 *
 * Interface: ut_cases_fd (ut.h). Locking: each case runs in a process of
 * its own, entered on the main thread and left before returning.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/socket.h"
#include "hosted.h"
#include "ut.h"

#define FAKE_FILES 1000

static void fake_file_dropped(struct ks_socket *s)
{
	(void)s;
}

/* A family with nothing but the hook a dropped file reference calls. */
static const struct ks_family fake_family = {.file_dropped = fake_file_dropped};

static void fake_socket(struct ks_socket *s)
{
	memset(s, 0, sizeof(*s));
	s->family = &fake_family;
	s->files = FAKE_FILES;
	s->refs = 1;
}

static int files_of(struct ks_socket *s)
{
	return __atomic_load_n(&s->files, __ATOMIC_ACQUIRE);
}

static struct ks_proc *fd_enter_new(void)
{
	struct ks_proc *p = ks_proc_new(4242, 0, 0);

	ks_proc_enter(p);
	return p;
}

static void fd_leave(struct ks_proc *p)
{
	ks_proc_enter(NULL);
	ks_proc_exit(p);
}

static int host_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void fd_lowest_free(struct ut_ctx *t)
{
	struct ks_proc *p = fd_enter_new();
	int h[4];

	for (int i = 0; i < 3; i++) {
		h[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		UT_CHECK_EQ(t, ks_hosted_import_fd(h[i]), i);
	}
	UT_CHECK_EQ(t, ks_port_fd_close(1), 0);
	UT_CHECK_TRUE(t, !host_fd_open(h[1]));
	h[3] = open("/dev/null", O_RDWR | O_CLOEXEC);
	UT_CHECK_EQ(t, ks_hosted_import_fd(h[3]), 1);
	struct ks_socket *s = NULL;
	UT_CHECK_EQ(t, ks_port_fd_get(1, &s), -KS_ENOTSOCK);
	UT_CHECK_EQ(t, ks_port_fd_get(5, &s), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_get(-1, &s), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_close(7), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_close(-3), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_close(100000), -KS_EBADF);
	fd_leave(p);
	UT_TRUE(t, !host_fd_open(h[0]) && !host_fd_open(h[2]) && !host_fd_open(h[3]));
}

static void fd_sockets(struct ut_ctx *t)
{
	struct ks_proc *p = fd_enter_new();
	struct ks_socket s, *got = NULL;

	fake_socket(&s);
	int fd = ks_port_fd_install(&s, 0, false);
	UT_CHECK_EQ(t, fd, 0);
	UT_CHECK_EQ(t, files_of(&s), FAKE_FILES); /* the caller's reference */
	UT_CHECK_EQ(t, ks_port_fd_get(fd, &got), 0);
	UT_CHECK_TRUE(t, got == &s);
	UT_CHECK_EQ(t, files_of(&s), FAKE_FILES + 1);
	ks_socket_file_put(got);
	int d = ks_port_fd_dup(fd, 0, -1, false);
	UT_CHECK_EQ(t, d, 1);
	UT_CHECK_EQ(t, files_of(&s), FAKE_FILES + 1);
	UT_CHECK_EQ(t, ks_port_fd_close(fd), 0);
	UT_CHECK_EQ(t, files_of(&s), FAKE_FILES);
	UT_CHECK_EQ(t, ks_port_fd_get(fd, &got), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_rw_other(d, &got, 1, false), -KS_EINVAL);
	fd_leave(p); /* closes d */
	UT_EQ(t, files_of(&s), FAKE_FILES - 1);
}

static void fd_min_fd(struct ut_ctx *t)
{
	struct ks_proc *p = fd_enter_new();
	struct ks_socket s;

	fake_socket(&s);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 10, false), 10);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 0, false), 0);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 10, false), 11);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 0, false), 1);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 5, -1, false), 5);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 300, -1, false), 300); /* grows */
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, -1, false), 2);
	UT_CHECK_EQ(t, ks_port_fd_close(0), 0);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 0, false), 0);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, -1, false), -KS_EINVAL);
	fd_leave(p);
	UT_EQ(t, files_of(&s), FAKE_FILES - 5); /* 5 installs handed over */
}

static void fd_dup_onto(struct ut_ctx *t)
{
	struct ks_proc *p = fd_enter_new();
	int a = open("/dev/null", O_RDWR | O_CLOEXEC), b = open("/dev/null", O_RDWR | O_CLOEXEC);

	UT_CHECK_EQ(t, ks_hosted_import_fd(a), 0);
	UT_CHECK_EQ(t, ks_hosted_import_fd(b), 1);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, 1, true), 1); /* replaces b */
	UT_CHECK_TRUE(t, !host_fd_open(b));
	UT_CHECK_EQ(t, ks_port_fd_cloexec(1, -1), 1);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(0, -1), 0);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, 50, false), 50);
	UT_CHECK_EQ(t, ks_port_fd_dup(7, 0, 51, false), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_dup(-1, 0, -1, false), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, p->nofile, false), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, p->nofile, -1, false), -KS_EINVAL);
	UT_CHECK_EQ(t, ks_port_fd_close(0), 0);
	UT_CHECK_EQ(t, ks_port_fd_close(1), 0);
	UT_CHECK_TRUE(t, host_fd_open(a)); /* fd 50 still refers to it */
	UT_CHECK_EQ(t, ks_port_fd_close(50), 0);
	UT_CHECK_TRUE(t, !host_fd_open(a));
	fd_leave(p);
}

static void fd_cloexec(struct ut_ctx *t)
{
	struct ks_proc *p = fd_enter_new();
	struct ks_socket s;

	fake_socket(&s);
	int fd = ks_port_fd_install(&s, 0, true);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(fd, -1), 1);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(fd, 0), 0);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(fd, -1), 0);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(fd, 1), 0);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(fd, -1), 1);
	UT_CHECK_EQ(t, ks_port_fd_dup(fd, 0, -1, false), 1);
	UT_CHECK_EQ(t, ks_port_fd_cloexec(1, -1), 0); /* dup clears it */
	UT_CHECK_EQ(t, ks_port_fd_cloexec(9, -1), -KS_EBADF);
	fd_leave(p);
}

static void fd_host_rw(struct ut_ctx *t)
{
	struct ks_proc *p = fd_enter_new();
	int pfd[2];
	char buf[8] = { 0 };

	UT_CHECK_EQ(t, pipe2(pfd, O_CLOEXEC), 0);
	int r = (int)ks_hosted_import_fd(pfd[0]), w = (int)ks_hosted_import_fd(pfd[1]);
	UT_CHECK_EQ(t, ks_port_fd_rw_other(w, "hello", 5, true), 5);
	UT_CHECK_EQ(t, ks_port_fd_rw_other(r, buf, sizeof(buf), false), 5);
	UT_CHECK_TRUE(t, memcmp(buf, "hello", 5) == 0);
	UT_CHECK_EQ(t, ks_port_fd_rw_other(w, NULL, 5, true), -KS_EFAULT);
	UT_CHECK_EQ(t, ks_port_fd_rw_other(r, buf, 1, true), -KS_EBADF); /* host: read end */
	UT_CHECK_EQ(t, ks_port_fd_rw_other(9, buf, 1, true), -KS_EBADF);
	UT_CHECK_EQ(t, ks_port_fd_close(w), 0);
	UT_CHECK_EQ(t, ks_port_fd_rw_other(r, buf, sizeof(buf), false), 0); /* EOF */
	UT_CHECK_EQ(t, ks_hosted_import_fd(-1), -KS_EBADF);
	UT_CHECK_EQ(t, ks_hosted_import_fd(pfd[1]), -KS_EBADF); /* closed */
	fd_leave(p);
}

/* A process made while RLIMIT_NOFILE's soft limit is 64. */
static struct ks_proc *fd_new_limited(int limit)
{
	struct rlimit old, rl;

	getrlimit(RLIMIT_NOFILE, &old);
	rl = old;
	rl.rlim_cur = (rlim_t)limit;
	setrlimit(RLIMIT_NOFILE, &rl);
	struct ks_proc *p = ks_proc_new(77, 0, 0);
	setrlimit(RLIMIT_NOFILE, &old);
	return p;
}

static void fd_emfile(struct ut_ctx *t)
{
	struct ks_proc *p = fd_new_limited(64);
	struct ks_socket s;
	int h = open("/dev/null", O_RDWR | O_CLOEXEC), n = 1;

	UT_TRUE(t, p != NULL);
	ks_proc_enter(p);
	fake_socket(&s);
	UT_CHECK_EQ(t, p->nofile, 64);
	UT_CHECK_EQ(t, ks_hosted_import_fd(h), 0);
	while (ks_port_fd_dup(0, 0, -1, false) >= 0)
		n++;
	UT_CHECK_EQ(t, n, 64);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, -1, false), -KS_EMFILE);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 0, false), -KS_EMFILE);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 64, false), -KS_EMFILE);
	int h2 = open("/dev/null", O_RDWR | O_CLOEXEC);
	UT_CHECK_EQ(t, ks_hosted_import_fd(h2), -KS_EMFILE);
	UT_CHECK_TRUE(t, host_fd_open(h2)); /* still the caller's */
	close(h2);
	UT_CHECK_EQ(t, ks_port_fd_close(63), 0);
	UT_CHECK_EQ(t, ks_port_fd_install(&s, 0, false), 63);
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, 63, false), 63); /* onto: ok */
	UT_CHECK_EQ(t, ks_port_fd_dup(0, 0, 64, false), -KS_EBADF);
	fd_leave(p);
	UT_TRUE(t, !host_fd_open(h));
	UT_EQ(t, files_of(&s), FAKE_FILES - 1);
}

static void *fd_cred_probe(void *arg)
{
	int *out = arg;

	out[0] = ks_port_pid();
	out[1] = (int)ks_port_uid();
	return NULL;
}

static void fd_credentials(struct ut_ctx *t)
{
	struct ks_proc *p = ks_proc_new(1234, 1000, 2000);
	int other[2];
	pthread_t th;

	UT_TRUE(t, p != NULL);
	ks_proc_enter(p);
	UT_CHECK_EQ(t, ks_port_pid(), 1234);
	UT_CHECK_EQ(t, ks_port_uid(), 1000);
	UT_CHECK_EQ(t, ks_port_gid(), 2000);
	UT_CHECK_EQ(t, ks_proc_umask(p, 077), 022);
	UT_CHECK_EQ(t, ks_proc_umask(p, 022), 077);
	pthread_create(&th, NULL, fd_cred_probe, other); /* acts as the default */
	pthread_join(th, NULL);
	UT_CHECK_EQ(t, other[0], getpid());
	UT_CHECK_EQ(t, other[1], (int)geteuid());
	ks_proc_exit(p); /* also leaves it */
	UT_EQ(t, ks_port_pid(), getpid());
	UT_EQ(t, ks_port_uid(), geteuid());
	UT_EQ(t, ks_port_gid(), getegid());
}

struct fd_race {
	struct ks_proc *p;
	struct ks_socket s;
	int stop; /* atomic */
	int bad;
};

static void *fd_race_getter(void *arg)
{
	struct fd_race *r = arg;
	struct ks_socket *got;

	ks_proc_enter(r->p);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (int fd = 0; fd < 4; fd++) {
			int err = ks_port_fd_get(fd, &got);
			if (err == 0 && got != &r->s)
				r->bad = 1;
			if (err == 0)
				ks_socket_file_put(got);
			else if (err != -KS_EBADF)
				r->bad = 1;
		}
	}
	ks_proc_enter(NULL);
	return NULL;
}

static void fd_get_close_race(struct ut_ctx *t)
{
	struct fd_race r = { .stop = 0 };
	pthread_t th[3];

	r.p = ks_proc_new(5, 0, 0);
	fake_socket(&r.s);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, fd_race_getter, &r);
	ks_proc_enter(r.p);
	for (int i = 0; i < 20000; i++) {
		ks_socket_file_get(&r.s);
		int fd = ks_port_fd_install(&r.s, 0, false);
		int d = ks_port_fd_dup(fd, 0, -1, false);
		ks_port_fd_close(fd);
		ks_port_fd_close(d);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	fd_leave(r.p);
	UT_EQ(t, r.bad, 0);
	UT_EQ(t, files_of(&r.s), FAKE_FILES);
}

const struct ut_case ut_cases_fd[] = {
	{ "lowest_free", fd_lowest_free },
	{ "sockets", fd_sockets },
	{ "min_fd", fd_min_fd },
	{ "dup_onto", fd_dup_onto },
	{ "cloexec", fd_cloexec },
	{ "host_rw", fd_host_rw },
	{ "emfile", fd_emfile },
	{ "credentials", fd_credentials },
	{ "get_close_race", fd_get_close_race },
	{ 0 },
};

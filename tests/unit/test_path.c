/*
 * test_path.c - AF_UNIX pathname hooks: node creation (mode from the umask,
 * owner when the host is root, key), EADDRINUSE, ENOENT, ENOTDIR,
 * ECONNREFUSED, ENAMETOOLONG, ELOOP, EACCES for a non-root hosted uid, and
 * relative paths.
 *
 * Everything happens in a temporary directory made and removed by each
 * case (mode 0755, so other hosted uids can search it).
 *
 * Interface: ut_cases_path (ut.h). Locking: single-threaded.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted.h"
#include "ut.h"

struct path_env {
	char dir[64];
	struct ks_proc *root; /* hosted uid 0, umask 022 */
	struct ks_proc *user; /* hosted uid/gid 12345 */
};

static int path_setup(struct path_env *e)
{
	e->root = e->user = NULL;
	strcpy(e->dir, "/tmp/ksunit.XXXXXX");
	if (!mkdtemp(e->dir) || chmod(e->dir, 0755) != 0)
		return -1;
	e->root = ks_proc_new(100, 0, 0);
	e->user = ks_proc_new(101, 12345, 12345);
	return e->root && e->user ? 0 : -1;
}

static void path_teardown(struct path_env *e)
{
	char cmd[128];

	ks_proc_enter(NULL);
	ks_proc_exit(e->root);
	ks_proc_exit(e->user);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_path: could not remove %s\n", e->dir);
}

/* e->dir + "/" + printf(fmt, ...) in a static buffer: one per call. */
static const char *P(const struct path_env *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *P(const struct path_env *e, const char *fmt, ...)
{
	static char buf[PATH_MAX];
	va_list ap;

	int n = snprintf(buf, sizeof(buf), "%s/", e->dir);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

static void path_touch(const char *p, mode_t mode)
{
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, mode);

	if (fd >= 0)
		close(fd);
	chmod(p, mode);
}

static void path_create_lookup(struct ut_ctx *t, struct path_env *e)
{
	struct ks_unix_key k = { 0, 0 }, k2 = { 1, 1 };
	struct stat st;

	ks_proc_enter(e->root);
	UT_EQ(t, ks_port_unix_mknod(P(e, "s1"), &k), 0);
	UT_EQ(t, lstat(P(e, "s1"), &st), 0);
	UT_TRUE(t, S_ISSOCK(st.st_mode));
	UT_EQ(t, st.st_mode & 07777, 0755);
	UT_TRUE(t, k.dev == (uint64_t)st.st_dev && k.ino == (uint64_t)st.st_ino);
	UT_EQ(t, ks_port_unix_lookup(P(e, "s1"), &k2), 0);
	UT_TRUE(t, k2.dev == k.dev && k2.ino == k.ino);
	UT_EQ(t, ks_port_unix_mknod(P(e, "s1"), &k2), -KS_EADDRINUSE);
	ks_proc_umask(e->root, 0);
	UT_EQ(t, ks_port_unix_mknod(P(e, "s2"), &k2), 0);
	UT_EQ(t, lstat(P(e, "s2"), &st), 0);
	UT_EQ(t, st.st_mode & 07777, 0777);
	ks_port_unix_unlink(P(e, "s1"));
	UT_EQ(t, ks_port_unix_lookup(P(e, "s1"), &k2), -KS_ENOENT);
}

static void path_errors(struct ut_ctx *t, struct path_env *e)
{
	struct ks_unix_key k;
	char longname[300];

	ks_proc_enter(e->root);
	path_touch(P(e, "file"), 0644);
	UT_EQ(t, ks_port_unix_mknod(P(e, "missing/s"), &k), -KS_ENOENT);
	UT_EQ(t, ks_port_unix_lookup(P(e, "nothing"), &k), -KS_ENOENT);
	UT_EQ(t, ks_port_unix_lookup("", &k), -KS_ENOENT);
	UT_EQ(t, ks_port_unix_mknod(P(e, "file/s"), &k), -KS_ENOTDIR);
	UT_EQ(t, ks_port_unix_lookup(P(e, "file/s"), &k), -KS_ENOTDIR);
	UT_EQ(t, ks_port_unix_lookup(P(e, "file"), &k), -KS_ECONNREFUSED);
	UT_EQ(t, ks_port_unix_lookup(e->dir, &k), -KS_ECONNREFUSED);
	UT_EQ(t, ks_port_unix_mknod(P(e, "file"), &k), -KS_EADDRINUSE);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	UT_EQ(t, ks_port_unix_mknod(P(e, "%s", longname), &k), -KS_ENAMETOOLONG);
	UT_EQ(t, ks_port_unix_lookup(P(e, "%s", longname), &k), -KS_ENAMETOOLONG);
	UT_EQ(t, symlink("loop2", P(e, "loop1")), 0);
	UT_EQ(t, symlink("loop1", P(e, "loop2")), 0);
	UT_EQ(t, ks_port_unix_lookup(P(e, "loop1"), &k), -KS_ELOOP);
	UT_EQ(t, ks_port_unix_mknod(P(e, "loop1/s"), &k), -KS_ELOOP);
	UT_EQ(t, ks_port_unix_mknod(P(e, "loop1"), &k), -KS_EADDRINUSE); /* exists */
	UT_EQ(t, symlink("nowhere", P(e, "dangling")), 0);
	UT_EQ(t, ks_port_unix_mknod(P(e, "dangling"), &k), -KS_EADDRINUSE);
	UT_EQ(t, ks_port_unix_lookup(P(e, "dangling"), &k), -KS_ENOENT);
}

static void path_eacces(struct ut_ctx *t, struct path_env *e)
{
	struct ks_unix_key k;

	UT_EQ(t, mkdir(P(e, "priv"), 0700), 0);
	UT_EQ(t, mkdir(P(e, "ro"), 0755), 0);
	path_touch(P(e, "file"), 0644);
	ks_proc_enter(e->root); /* umask 022: nodes are 0755 */
	UT_EQ(t, ks_port_unix_mknod(P(e, "priv/s"), &k), 0);
	UT_EQ(t, ks_port_unix_mknod(P(e, "ro/s"), &k), 0);
	ks_proc_enter(e->user);
	UT_EQ(t, ks_port_unix_mknod(P(e, "priv/s2"), &k), -KS_EACCES); /* no search */
	UT_EQ(t, ks_port_unix_lookup(P(e, "priv/s"), &k), -KS_EACCES);
	UT_EQ(t, ks_port_unix_mknod(P(e, "priv/s"), &k), -KS_EACCES); /* search first */
	UT_EQ(t, ks_port_unix_mknod(P(e, "ro/s2"), &k), -KS_EACCES);  /* no write */
	UT_EQ(t, ks_port_unix_mknod(P(e, "ro/s"), &k), -KS_EADDRINUSE); /* exists first */
	UT_EQ(t, ks_port_unix_lookup(P(e, "ro/s"), &k), -KS_EACCES);  /* node 0755 */
	UT_EQ(t, ks_port_unix_lookup(P(e, "file"), &k), -KS_EACCES);  /* before ECONNREFUSED */
	ks_proc_umask(e->root, 0);
	ks_proc_enter(e->root);
	UT_EQ(t, ks_port_unix_mknod(P(e, "ro/open"), &k), 0); /* 0777 */
	ks_proc_enter(e->user);
	UT_EQ(t, ks_port_unix_lookup(P(e, "ro/open"), &k), 0);
}

static void path_owner(struct ut_ctx *t, struct path_env *e)
{
	struct ks_unix_key k;
	struct stat st;

	UT_EQ(t, chmod(e->dir, 0777), 0);
	ks_proc_enter(e->user); /* umask 022 */
	UT_EQ(t, ks_port_unix_mknod(P(e, "mine"), &k), 0);
	if (geteuid() != 0)
		return; /* the host cannot give nodes away: they stay its own */
	UT_EQ(t, ks_port_unix_lookup(P(e, "mine"), &k), 0); /* owner may write */
	UT_EQ(t, lstat(P(e, "mine"), &st), 0);
	UT_EQ(t, st.st_uid, 12345);
	UT_EQ(t, st.st_gid, 12345);
	struct ks_proc *other = ks_proc_new(102, 23456, 23456);
	ks_proc_enter(other);
	int err = ks_port_unix_lookup(P(e, "mine"), &k);
	ks_proc_enter(NULL);
	ks_proc_exit(other);
	UT_EQ(t, err, -KS_EACCES);
}

static void path_relative(struct ut_ctx *t, struct path_env *e)
{
	struct ks_unix_key k, k2;
	char cwd[PATH_MAX];

	UT_TRUE(t, getcwd(cwd, sizeof(cwd)) != NULL);
	UT_EQ(t, chdir(e->dir), 0);
	ks_proc_enter(e->root);
	int e1 = ks_port_unix_mknod("rel.sock", &k);
	int e2 = ks_port_unix_lookup("./rel.sock", &k2);
	int e3 = chdir(cwd);
	UT_EQ(t, e1, 0);
	UT_EQ(t, e2, 0);
	UT_EQ(t, e3, 0);
	UT_TRUE(t, k.ino == k2.ino);
	UT_EQ(t, ks_port_unix_lookup(P(e, "rel.sock"), &k2), 0);
}

#define PATH_CASE(name)                                                      \
	static void path_case_##name(struct ut_ctx *t)                       \
	{                                                                    \
		struct path_env e;                                           \
		if (path_setup(&e) == 0)                                     \
			path_##name(t, &e);                                  \
		else                                                         \
			ut_fail(t, __FILE__, __LINE__, "setup failed");     \
		path_teardown(&e);                                           \
	}
PATH_CASE(create_lookup)
PATH_CASE(errors)
PATH_CASE(eacces)
PATH_CASE(owner)
PATH_CASE(relative)

const struct ut_case ut_cases_path[] = {
	{ "create_lookup", path_case_create_lookup },
	{ "errors", path_case_errors },
	{ "eacces", path_case_eacces },
	{ "owner", path_case_owner },
	{ "relative", path_case_relative },
	{ 0 },
};

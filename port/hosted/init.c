/*
 * init.c (hosted) - start-up of the hosted library and ks_port_panic.
 *
 * A constructor copies the host's socket sysctls and RLIMIT_NOFILE into
 * ks_tunables (so ksock mirrors the host it is compared with), installs the copy hooks' fault
 * handler and calls ks_init(). ks_port_panic lives here on purpose: every
 * program that uses ksock references it (the core's assertions, the
 * port's mutexes), so the linker always pulls this object, and with it the
 * constructor, out of libksock.a.
 *
 * Interface: ks_port_panic (port.h); nothing else is called from outside.
 *
 * Locking: none; the constructor runs before main, single-threaded.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/socket.h"
#include "hosted.h"

_Noreturn void ks_port_panic(const char *file, int line, const char *what)
{
	fprintf(stderr, "ksock panic: %s:%d: %s\n", file, line, what);
	fflush(stderr);
	abort();
}

/* Sets *val to the integer in /proc/sys/<name> if there is a positive one. */
static void init_read_sysctl(const char *name, int *val)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	char *end;
	long v = strtol(text, &end, 10);
	if (end != text && v > 0 && v <= INT_MAX)
		*val = (int)v;
}

static void init_tunables(void)
{
	init_read_sysctl("net/core/wmem_default", &ks_tunables.wmem_default);
	init_read_sysctl("net/core/wmem_max", &ks_tunables.wmem_max);
	init_read_sysctl("net/core/rmem_default", &ks_tunables.rmem_default);
	init_read_sysctl("net/core/rmem_max", &ks_tunables.rmem_max);
	init_read_sysctl("net/core/somaxconn", &ks_tunables.somaxconn);
	init_read_sysctl("net/unix/max_dgram_qlen", &ks_tunables.unix_max_dgram_qlen);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		ks_tunables.fd_limit = rl.rlim_cur > INT_MAX ? INT_MAX : (int)rl.rlim_cur;
}

__attribute__((constructor)) static void init_hosted(void)
{
	init_tunables();
	hosted_user_init();
	int err = ks_init();
	if (err < 0) {
		fprintf(stderr, "ksock: ks_init failed: %d\n", err);
		abort();
	}
}

/*
 * clock.c (hosted) - time and randomness: CLOCK_MONOTONIC and getrandom().
 *
 * Interface: ks_port_now_ns, ks_port_random (port.h).
 *
 * Locking: none.
 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "hosted.h"

uint64_t ks_port_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ks_port_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ks_port_panic(__FILE__, __LINE__, "getrandom failed");
		}
		p += got;
		n -= (size_t)got;
	}
}

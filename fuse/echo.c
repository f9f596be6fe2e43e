/*
 * echo.c - ksockd's own socket-API service: an echo server made with
 * ks_sys_* calls in the daemon's default hosted process, on the same ksock
 * instance that /net serves. A client that opens /net/local/stream, writes
 * "connect <name>" to its ctl and then writes to its data reads the same
 * bytes back: files on one side, the socket API on the other.
 *
 * One listener per type (stream and seqpacket: abstract names are per
 * type, so both take the same name), one thread per listener and per
 * connection. Stopping interrupts every thread's blocking call
 * (ks_hosted_interrupt) until it sees the stop flag, then joins it.
 *
 * Its sockets belong to the daemon's own namespace: they do not appear
 * under anybody's /net (docs/netfs.md, visibility).
 *
 * Interface: kd_echo_start, kd_echo_stop (ksockd.h).
 * Locking: kd_echo_lock guards the thread list; not held across ksock calls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ksock/ksock.h>

#include "hosted.h"
#include "ksockd.h"
#include "netfs/netfs_parse.h"

struct kd_echo {
	pthread_t thread;
	int fd;
	bool done; /* [kd_echo_lock] the thread has finished */
	struct kd_echo *next;
};

static pthread_mutex_t kd_echo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kd_echo *kd_echoes;
static int kd_echo_stopping; /* atomic */

static bool stopping(void)
{
	return __atomic_load_n(&kd_echo_stopping, __ATOMIC_ACQUIRE);
}

static void echo_finish(struct kd_echo *e)
{
	ks_sys_close(e->fd);
	pthread_mutex_lock(&kd_echo_lock);
	e->done = true;
	pthread_mutex_unlock(&kd_echo_lock);
}

/* One connection: send back what arrives, message by message. */
static void *echo_conn(void *arg)
{
	struct kd_echo *e = arg;
	char buf[65536];
	long n;

	while (!stopping() && (n = ks_sys_read(e->fd, buf, sizeof(buf))) > 0)
		if (ks_sys_write(e->fd, buf, (unsigned long)n) < 0)
			break;
	echo_finish(e);
	return NULL;
}

/* Starts a thread running fn on fd (which it then owns). */
static int echo_spawn(void *(*fn)(void *), int fd)
{
	struct kd_echo *e = calloc(1, sizeof(*e));

	if (!e) {
		ks_sys_close(fd);
		return -ENOMEM;
	}
	e->fd = fd;
	pthread_mutex_lock(&kd_echo_lock);
	int err = pthread_create(&e->thread, NULL, fn, e);
	if (err == 0) {
		e->next = kd_echoes;
		kd_echoes = e;
	}
	pthread_mutex_unlock(&kd_echo_lock);
	if (err) {
		ks_sys_close(fd);
		free(e);
		return -err;
	}
	return 0;
}

static void *echo_listener(void *arg)
{
	struct kd_echo *e = arg;

	while (!stopping()) {
		long fd = ks_sys_accept(e->fd, NULL, NULL);
		if (fd >= 0 && !stopping())
			echo_spawn(echo_conn, (int)fd);
		else if (fd >= 0)
			ks_sys_close((int)fd);
		else if (fd != -KS_EINTR && fd != -KS_ECONNABORTED)
			break;
	}
	echo_finish(e);
	return NULL;
}

int kd_echo_start(const char *name)
{
	struct ks_sockaddr_storage a;
	unsigned len;
	static const int types[] = {KS_SOCK_STREAM, KS_SOCK_SEQPACKET};

	int err = ks_netfs_addr_parse(KS_AF_UNIX, name, strlen(name), &a, &len);
	if (err)
		return err;
	for (unsigned i = 0; i < 2; i++) {
		long fd = ks_sys_socket(KS_AF_UNIX, types[i], 0);
		if (fd < 0)
			return (int)fd;
		err = (int)ks_sys_bind((int)fd, (struct ks_sockaddr *)&a, len);
		if (!err)
			err = (int)ks_sys_listen((int)fd, 128);
		if (err) {
			ks_sys_close((int)fd);
			return err;
		}
		err = echo_spawn(echo_listener, (int)fd);
		if (err)
			return err;
	}
	return 0;
}

/* Interrupts every thread not yet done; returns how many there were. */
static int echo_kick(void)
{
	int n = 0;

	pthread_mutex_lock(&kd_echo_lock);
	for (struct kd_echo *e = kd_echoes; e; e = e->next) {
		if (!e->done) {
			(void)ks_hosted_interrupt(e->thread);
			n++;
		}
	}
	pthread_mutex_unlock(&kd_echo_lock);
	return n;
}

void kd_echo_stop(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	__atomic_store_n(&kd_echo_stopping, 1, __ATOMIC_RELEASE);
	while (echo_kick() > 0)
		nanosleep(&ts, NULL);
	pthread_mutex_lock(&kd_echo_lock);
	struct kd_echo *e = kd_echoes;
	kd_echoes = NULL;
	pthread_mutex_unlock(&kd_echo_lock);
	while (e) {
		struct kd_echo *next = e->next;
		pthread_join(e->thread, NULL);
		free(e);
		e = next;
	}
}

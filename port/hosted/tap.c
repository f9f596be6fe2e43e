/*
 * tap.c - the hosted TAP driver (tap.h).
 *
 * Locking: the descriptor is written by any transmitting thread (one
 * write(2) per frame is atomic for a TAP) and read by the receive thread
 * only; running is set before the thread starts and cleared after it is
 * joined.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

#define TAP_FRAME_MAX (KS_ETH_HLEN + 65535)

struct ks_tap {
	struct ks_netdev dev;
	int fd;
	int wake[2]; /* a pipe: stop writes a byte, the thread wakes and exits */
	pthread_t thread;
	bool running;
};

static int tap_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct ks_tap *tap = dev->priv;
	uint8_t buf[TAP_FRAME_MAX];
	uint32_t n = ks_pbuf_copy_out(p, 0, buf, sizeof(buf));
	int rc = 0;

	ks_pbuf_free(p);
	if (!ks_netdev_is_up(dev))
		return -KS_ENETDOWN;
	ssize_t w = write(tap->fd, buf, n);
	if (w < 0)
		rc = (errno == EAGAIN || errno == ENOBUFS) ? -KS_ENOBUFS : -KS_EIO;
	else if ((size_t)w != n)
		rc = -KS_EIO;
	return rc;
}

static void *tap_thread(void *arg)
{
	struct ks_tap *tap = arg;
	static __thread uint8_t buf[TAP_FRAME_MAX];
	struct pollfd pf[2] = { { .fd = tap->fd, .events = POLLIN },
				{ .fd = tap->wake[0], .events = POLLIN } };

	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		ssize_t n = read(tap->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			break;
		}
		struct ks_pbuf *p;
		if (ks_netdev_alloc_rx(&tap->dev, (uint32_t)n, &p))
			continue; /* counted as rx_dropped */
		memcpy(p->data, buf, (size_t)n);
		ks_netdev_rx(&tap->dev, p);
	}
	return NULL;
}

static int tap_start(struct ks_netdev *dev)
{
	struct ks_tap *tap = dev->priv;

	if (tap->running)
		return 0;
	int rc = pthread_create(&tap->thread, NULL, tap_thread, tap);
	if (rc)
		return -rc;
	tap->running = true;
	return 0;
}

static void tap_stop(struct ks_netdev *dev)
{
	struct ks_tap *tap = dev->priv;
	char c = 1;

	if (!tap->running)
		return;
	while (write(tap->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(tap->thread, NULL);
	tap->running = false;
}

static const struct ks_netdev_ops tap_ops = {
	.xmit = tap_xmit,
	.open = tap_start,
	.stop = tap_stop,
};

static int tap_attach(const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int ks_tap_open(const char *ifname, struct ks_pbuf_pool *pool, struct ks_tap **out)
{
	struct ks_tap *tap = calloc(1, sizeof(*tap));
	int rc;

	if (!tap)
		return -KS_ENOMEM;
	tap->fd = tap_attach(ifname);
	if (tap->fd < 0) {
		rc = tap->fd;
		goto err_free;
	}
	if (pipe2(tap->wake, O_CLOEXEC) < 0) {
		rc = -errno;
		goto err_close;
	}
	ks_netdev_init(&tap->dev, &tap_ops, tap, ifname);
	tap->dev.pool = pool;
	/* Locally administered, unicast: 02:6b:73 ("ks") and three bytes of
	 * the process id and descriptor, so two taps differ. */
	uint32_t id = ((uint32_t)getpid() << 8) ^ (uint32_t)tap->fd;
	uint8_t mac[KS_ETH_ALEN] = { 0x02, 0x6b, 0x73, (uint8_t)(id >> 16), (uint8_t)(id >> 8),
				     (uint8_t)id };
	memcpy(tap->dev.mac, mac, sizeof(mac));
	*out = tap;
	return 0;

err_close:
	close(tap->fd);
err_free:
	free(tap);
	return rc;
}

struct ks_netdev *ks_tap_dev(struct ks_tap *tap)
{
	return &tap->dev;
}

void ks_tap_close(struct ks_tap *tap)
{
	if (!tap)
		return;
	if (ks_netdev_is_up(&tap->dev))
		ks_netdev_stop(&tap->dev);
	tap_stop(&tap->dev); /* started without ks_netdev_open: still joined */
	close(tap->wake[0]);
	close(tap->wake[1]);
	close(tap->fd);
	free(tap);
}

int ks_tap_pcap_file(void *arg, const void *buf, size_t len)
{
	FILE *f = arg;

	return fwrite(buf, 1, len, f) == len ? 0 : -KS_EIO;
}

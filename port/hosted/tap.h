/*
 * tap.h - a hosted TAP driver: a ks_netdev on a Linux TAP interface
 * (/dev/net/tun, IFF_TAP | IFF_NO_PI), for interop tests with Linux.
 *
 * Object model. ks_tap_open attaches to (or creates) the TAP interface
 * named ifname in the caller's network namespace and fills a ks_netdev
 * (ks_tap_dev): Ethernet, MTU 1500, a locally administered MAC of its own
 * (02:6b:73:xx:xx:xx, "ks"; Linux's side of the TAP has another), no
 * offloads, received frames allocated from the given pool. Transmit
 * writes one frame with one write(2) on the non-blocking descriptor
 * (a frame the kernel cannot take now is dropped: -KS_ENOBUFS). Opening
 * the device (ks_netdev_open) starts a receive thread that polls the
 * descriptor, reads each frame into a pbuf and calls ks_netdev_rx;
 * ks_netdev_stop wakes it through a pipe and joins it.
 *
 * Interface: ks_tap_open, ks_tap_dev, ks_tap_close; ks_tap_pcap_file
 * (a pcap write callback on a FILE, for pcap.h).
 *
 * Contexts: xmit never sleeps (non-blocking write); the upcall runs on the
 * receive thread, which holds no lock. open/stop/close sleep (thread
 * start and join). Ownership: as netdev.h.
 *
 * Not supported: multiqueue, vnet headers and offloads, carrier changes.
 */
#ifndef KS_HOSTED_TAP_H
#define KS_HOSTED_TAP_H

#include <stdio.h>

#include "inet/netdev.h"

struct ks_tap;

/* Opens the TAP interface ifname (created if it does not exist and the
 * caller may); rx frames come from pool. 0 or a negative errno. */
int ks_tap_open(const char *ifname, struct ks_pbuf_pool *pool, struct ks_tap **out);
struct ks_netdev *ks_tap_dev(struct ks_tap *tap);
/* Stops the device if it is up, closes the descriptor, frees the tap. */
void ks_tap_close(struct ks_tap *tap);

/* A pcap.h write callback: arg is a FILE *; -KS_EIO on a short write. */
int ks_tap_pcap_file(void *arg, const void *buf, size_t len);

#endif

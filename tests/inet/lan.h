/*
 * lan.h - a fake Ethernet link for the interface, ARP, routing and ICMP
 * tests (test_arp.c, test_route.c, test_netif_icmp.c): devices that keep
 * what they transmit, interfaces on them with recording UDP and error
 * hooks, and builders for the frames other hosts would send.
 *
 * Interface: lan_up/lan_down (a device and its interface), lan_feed (a
 * frame received: queued only), lan_poll, lan_take (the oldest frame
 * sent, given), lan_udp/lan_icmp/lan_arp (frames into a buffer),
 * lan_dgram (an IPv4+UDP datagram pbuf for output).
 *
 * Locking: single-threaded tests. Ownership: as netif.h; lan_take gives.
 */
#ifndef IT_LAN_H
#define IT_LAN_H

#include "inet/netif.h"
#include "inet/route.h"
#include "it.h"

struct lan_dev {
	struct ks_netdev dev;
	struct ks_pbuf_queue sent;   /* frames transmitted, oldest first */
	struct ks_inet_netif *nif;
	int xmit_rc;                 /* nonzero: xmit refuses with it */
	/* The UDP hook (lan_up with hooks). */
	struct ks_pbuf_queue got;    /* datagrams it took */
	int udp_rc;                  /* nonzero: it refuses with it */
	/* The error hook: how many, and the last one's fields. */
	int errs;
	uint8_t err_type, err_code, err_proto;
	uint32_t err_src, err_dst;   /* the quoted datagram's addresses */
	uint16_t err_sport, err_dport;
};

/* A device with mac, ifindex (0: none), and an interface addr/plen on it,
 * with the recording hooks if hooks; opened. 0 or the errno. */
int lan_up(struct it_ctx *t, struct lan_dev *d, const uint8_t *mac, uint16_t ifindex,
	   uint32_t addr, unsigned plen, bool hooks);
void lan_down(struct lan_dev *d);
void lan_feed(struct lan_dev *d, const uint8_t *frame, size_t len);
int lan_poll(struct lan_dev *d);
/* The oldest frame sent (the caller frees it), or NULL. */
struct ks_pbuf *lan_take(struct lan_dev *d);
/* Frees every frame sent; returns how many there were. */
int lan_drain(struct lan_dev *d);

/* Ethernet (smac -> dmac) + IPv4 (src -> dst, TTL 64, DF) + UDP
 * (sport -> dport, checksummed) + n bytes of payload; returns its length. */
size_t lan_udp(uint8_t *buf, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
	       uint32_t dst, uint16_t sport, uint16_t dport, const void *payload, size_t n);
/* Ethernet + IPv4 (proto ICMP) + the n-byte ICMP message msg, whose
 * checksum is fixed; returns the frame's length. */
size_t lan_icmp(uint8_t *buf, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
		uint32_t dst, const uint8_t *msg, size_t n);
/* An ARP frame (42 bytes): op from sha/spa about tha/tpa, to edst. */
size_t lan_arp(uint8_t *buf, const uint8_t *edst, uint16_t op, const uint8_t *sha, uint32_t spa,
	       const uint8_t *tha, uint32_t tpa);
/* An IPv4 + UDP datagram src:40000 -> dst:9 whose n payload bytes are all
 * tag, with KS_PBUF_ROOM_IP of room: for ks_inet_netif_output. */
struct ks_pbuf *lan_dgram(struct it_ctx *t, uint32_t src, uint32_t dst, uint32_t n, uint8_t tag);

#define LAN_SEC 1000000000ull

#endif

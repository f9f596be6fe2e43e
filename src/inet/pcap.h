/*
 * pcap.h - a capturing device wrapper: every frame that passes, in both
 * directions, written in the classic pcap format through a callback.
 *
 * Object model. struct ks_pcap is a ks_netdev (c->dev) stacked on a lower
 * device, as fault.h describes: frames transmitted on c->dev are recorded
 * and passed to the lower device; frames the lower device receives are
 * recorded and passed up to c->dev's upcall. Nothing is changed or held.
 * The bytes go through cfg.write, so src/ needs no files: the hosted side
 * gives a callback that writes a file (tests/inet/tap/, port/hosted/tap.h).
 *
 * Format (the classic libpcap format, as tcpdump, tshark and Wireshark
 * read it; https://www.tcpdump.org/manpages/pcap-savefile.5.html). All
 * fields little-endian, whatever the host, so the bytes are the same
 * everywhere:
 *   global header, 24 bytes, written by ks_pcap_init:
 *     magic 0xa1b2c3d4 (microsecond timestamps), version 2.4, thiszone 0,
 *     sigfigs 0, snaplen, network: LINKTYPE_ETHERNET (1) for an Ethernet
 *     device, LINKTYPE_RAW (101, IPv4 with no link header) for
 *     KS_NETDEV_LINK_NONE.
 *   per frame, 16 bytes then the frame: ts_sec, ts_usec (of the clock,
 *     cfg.now or the stack's), incl_len (at most snaplen), orig_len.
 * The classic format has no direction field; both directions go into the
 * one file in the order they passed.
 *
 * Interface:
 *   ks_pcap_init(c, st, lower, cfg) - attaches to lower, writes the header
 *   c->dev                          - the device to transmit on / attach to
 *   ks_pcap_stats_get               - records written, write errors
 *
 * Locking. A record is one to several cfg.write calls (header, then each
 * segment of the frame); cfg.lock/unlock, when given, are held around
 * them so that records from a transmitting thread and a receiving thread
 * do not interleave. Without them the caller serialises (single-threaded
 * tests). The counters are atomic.
 *
 * Contexts: as netdev.h; cfg.write is called on the packet paths, so it
 * must not sleep in a kernel (queue the bytes); a hosted callback may
 * write(2) a file.
 *
 * Ownership: its xmit and upcall take the pbuf and pass it on unchanged;
 * cfg.write borrows the bytes it is given.
 *
 * Not supported: pcapng (interfaces, direction flags, comments),
 * nanosecond timestamps.
 */
#ifndef KS_INET_PCAP_H
#define KS_INET_PCAP_H

#include "netdev.h"
#include "stack.h"

#define KS_PCAP_MAGIC 0xa1b2c3d4u
#define KS_PCAP_HDR_LEN 24
#define KS_PCAP_REC_LEN 16
#define KS_PCAP_SNAPLEN 65535
#define KS_PCAP_LINKTYPE_ETHERNET 1
#define KS_PCAP_LINKTYPE_RAW 101

struct ks_pcap_config {
	/* Writes len bytes; 0 or a negative errno. Required. */
	int (*write)(void *arg, const void *buf, size_t len);
	void *write_arg;
	/* The timestamps' clock, nanoseconds (a wall clock makes captures
	 * easier to read); NULL: the stack's clock. */
	uint64_t (*now)(void *arg);
	void *now_arg;
	uint32_t snaplen;        /* bytes kept of each frame; 0: KS_PCAP_SNAPLEN */
	void (*lock)(void *arg); /* optional: see Locking */
	void (*unlock)(void *arg);
	void *lock_arg;
};

struct ks_pcap_stats {
	unsigned long records;      /* frames recorded */
	unsigned long write_errors; /* records (or the header) cfg.write refused */
};

struct ks_pcap {
	struct ks_netdev dev;   /* the wrapper as a device */
	struct ks_netdev *lower;
	struct ks_inet_stack *st;
	struct ks_pcap_config cfg;
	struct ks_pcap_stats stats; /* atomic */
};

/* Initialises c over lower (attaching c to lower's upcall) and writes the
 * global header. 0, -KS_EINVAL (no write callback, or a link type pcap
 * has no number for here), or the callback's error (c is still usable:
 * records are written, the file just lacks its header). */
int ks_pcap_init(struct ks_pcap *c, struct ks_inet_stack *st, struct ks_netdev *lower,
		 const struct ks_pcap_config *cfg);
void ks_pcap_stats_get(const struct ks_pcap *c, struct ks_pcap_stats *out);

/* The 24-byte global header for a link type and snaplen, as init writes
 * it (for tests and for writers that start a new file). */
void ks_pcap_global_header(uint8_t out[KS_PCAP_HDR_LEN], uint32_t linktype, uint32_t snaplen);

#endif

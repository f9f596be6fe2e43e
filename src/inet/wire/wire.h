/*
 * wire.h - what every wire parser and emitter shares: network byte order,
 * the drop reasons parsers return, and the flags they take.
 *
 * src/inet/wire/ is pure code on byte arrays: no allocation, no packet
 * buffers, no stack state, no locks. A parser reads a header from
 * buf[0..len), checks every field against len before using it, and fills a
 * host-order struct; an emitter writes a header into a buffer whose size it
 * is told. Addresses are uint32_t in host order (198.18.0.1 is 0xc6120001);
 * MAC addresses are 6-byte arrays. Fields are read byte by byte, so headers
 * need no alignment.
 *
 * Returns. A parser returns the header length (>= 0) or a negative drop
 * reason, -KS_DROP_*. Drop reasons are not errno values: they start at
 * KS_DROP_FIRST (4096), above every errno (Linux's MAX_ERRNO is 4095), so
 * a function on the receive path can return either kind through one int
 * and the stack can count both (ks_inet_count_drop in stack.h); a drop
 * reason never reaches a system call. An emitter returns the length it
 * wrote or a negative errno (-KS_ENOBUFS: the buffer is too small,
 * -KS_EINVAL: the header asked for is impossible).
 *
 * Interface: ks_get16/32, ks_put16/32 (big-endian loads and stores),
 * ks_hton16/32 and ks_ntoh16/32 (for a port that keeps wire-order values in
 * memory), KS_INET_DROP_REASONS, ks_is_drop.
 *
 * Locking: none (pure functions). Ownership: parsers borrow the buffer and
 * may leave pointers into it in their output (valid while it is).
 */
#ifndef KS_INET_WIRE_H
#define KS_INET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ksock/abi.h>

/* ---- byte order (RFC 791 Appendix B: big-endian, "network order") ---- */

static inline uint16_t ks_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t ks_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void ks_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void ks_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Host order <-> network order for values kept in memory in wire order
 * (sockaddr_in's sin_port and sin_addr). The compiler says which order it
 * targets; no libc. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t ks_hton16(uint16_t v) { return v; }
static inline uint32_t ks_hton32(uint32_t v) { return v; }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t ks_hton16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t ks_hton32(uint32_t v) { return __builtin_bswap32(v); }
#else
#error "ksock inet: unknown byte order (__BYTE_ORDER__)"
#endif
static inline uint16_t ks_ntoh16(uint16_t v) { return ks_hton16(v); }
static inline uint32_t ks_ntoh32(uint32_t v) { return ks_hton32(v); }

/* An IPv4 address from its four dotted parts: KS_IPV4(198, 18, 0, 1). */
#define KS_IPV4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* ---- drop reasons ----
 * X(NAME, counter, description): one per reason, in the order of the
 * counters in struct ks_inet_drops (stack.h). Add new reasons at the end. */
#define KS_INET_DROP_REASONS(X)                                                            \
	X(TRUNCATED, truncated, "a header, or the length it claims, runs past the buffer")  \
	X(BAD_CHECKSUM, bad_checksum, "checksum does not verify")                          \
	X(BAD_LENGTH, bad_length, "a length field smaller than its header")                 \
	X(BAD_VERSION, bad_version, "IP version is not 4")                                 \
	X(BAD_IHL, bad_ihl, "IPv4 header length below 5 words")                            \
	X(BAD_OPTIONS, bad_options, "malformed IPv4 options")                               \
	X(SOURCE_ROUTE, source_route, "source-routed datagram (LSRR/SSRR)")               \
	X(BAD_FRAGMENT, bad_fragment, "fragment would end past 65535 bytes")               \
	X(BAD_ADDRESS, bad_address, "source address is multicast or broadcast")            \
	X(BAD_HEADER, bad_header, "a header field with an impossible value")               \
	X(BAD_QUOTE, bad_quote, "ICMP error quoting an unusable header")                   \
	X(UNSUPPORTED, unsupported, "protocol, type or operation not handled")             \
	X(NO_MEMORY, no_memory, "no packet buffer (pool limit or allocation failure)")      \
	X(NOT_LOCAL, not_local, "destination is not an address of this host")             \
	X(NO_SOCKET, no_socket, "no socket bound to the destination port")                 \
	X(RCVBUF_FULL, rcvbuf_full, "the receiving socket's buffer is full (SO_RCVBUF)")  \
	X(FRAG_OVERLAP, frag_overlap, "a fragment overlapping data received in part")      \
	X(FRAG_DUPLICATE, frag_duplicate, "a fragment whose data was all received already") \
	X(FRAG_TIMEOUT, frag_timeout, "a datagram not reassembled within 30 s")            \
	X(FRAG_TOOBIG, frag_toobig, "a reassembled datagram would pass 65535 bytes")       \
	X(FRAG_INVALID, frag_invalid, "fragment lengths that cannot belong to one datagram") \
	X(FRAG_MEMORY, frag_memory, "reassembly's byte limit or queue table is full")      \
	X(ARP_QUEUE_FULL, arp_queue_full, "too many datagrams waiting for one ARP answer") \
	X(ARP_FAILED, arp_failed, "the next hop did not answer ARP")

enum ks_drop {
	KS_DROP_BELOW_ = 4095, /* the last errno value; not a reason */
#define KS_DROP_ENUM_(u, l, d) KS_DROP_##u,
	KS_INET_DROP_REASONS(KS_DROP_ENUM_)
#undef KS_DROP_ENUM_
	KS_DROP_END_
};
#define KS_DROP_FIRST (KS_DROP_BELOW_ + 1)
#define KS_DROP_COUNT (KS_DROP_END_ - KS_DROP_FIRST)

/* Whether rc (a negative return) is a drop reason rather than an errno. */
static inline bool ks_is_drop(int rc)
{
	return rc <= -KS_DROP_FIRST && rc > -KS_DROP_END_;
}

/* ---- parser flags ---- */
/* The device verified the transport checksum (hardware offload): the
 * ICMP/UDP parsers skip theirs. The IPv4 header checksum is always checked
 * (RFC 1122 3.2.1.2: a host MUST verify it), as Linux does. */
#define KS_WIRE_CSUM_OK (1u << 0)

#endif

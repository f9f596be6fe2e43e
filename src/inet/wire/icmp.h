/*
 * icmp.h - ICMP messages for IPv4 (RFC 792, RFC 1122 3.2.2, RFC 1191).
 *
 * A message is the IPv4 payload: type, code, checksum, a second word whose
 * meaning depends on the type, then data. ks_icmp_parse verifies the
 * checksum over the whole message (RFC 792; skipped with KS_WIRE_CSUM_OK)
 * and fills the fields of the types ksock acts on:
 *   echo request/reply (8/0): id, seq; data is the payload to echo
 *   destination unreachable (3): code; mtu for code 4, "fragmentation
 *     needed and DF set" (RFC 1191 4: next-hop MTU in the low 16 bits)
 *   time exceeded (11), parameter problem (12, pointer), source quench (4),
 *     redirect (5): errors
 * For an error, the quoted datagram (RFC 792: "Internet Header + 64 bits
 * of Original Data Datagram") is checked and parsed into out->quote: its
 * version, IHL and the 8 bytes after its header must be present, and it
 * must be a first fragment, or the error cannot be matched to a socket
 * (BAD_QUOTE). The quoted header's checksum is not checked (Linux neither).
 * Any other type parses as a bare header; what to do with it is the
 * stack's decision (RFC 1122 3.2.2: unknown types are silently discarded).
 *
 * Emitting: ks_icmp_emit writes the header of a message whose data is
 * already in place and checksums it; ks_icmp_emit_error builds a whole
 * error message quoting as much of the offending datagram as fits in a
 * 576-byte reply (RFC 1812 4.3.2.3, Linux's icmp_send); and
 * ks_icmp_error_allowed says whether RFC 1122 3.2.2 lets a host send an
 * error about a datagram at all.
 *
 * Interface: above. Locking: none. Ownership: borrows buffers; out->data
 * and out->quote point into the buffer.
 */
#ifndef KS_INET_WIRE_ICMP_H
#define KS_INET_WIRE_ICMP_H

#include "ipv4.h"

#define KS_ICMP_HLEN 8
#define KS_ICMP_ECHOREPLY 0
#define KS_ICMP_DEST_UNREACH 3
#define KS_ICMP_SOURCE_QUENCH 4
#define KS_ICMP_REDIRECT 5
#define KS_ICMP_ECHO 8
#define KS_ICMP_TIME_EXCEEDED 11
#define KS_ICMP_PARAMETERPROB 12

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1). */
#define KS_ICMP_NET_UNREACH 0
#define KS_ICMP_HOST_UNREACH 1
#define KS_ICMP_PROT_UNREACH 2
#define KS_ICMP_PORT_UNREACH 3
#define KS_ICMP_FRAG_NEEDED 4
#define KS_ICMP_SR_FAILED 5

/* The most an error message quotes: a 576-byte datagram less its IPv4
 * header and the ICMP header (RFC 1812 4.3.2.3; Linux's icmp_send). */
#define KS_ICMP_QUOTE_MAX (576 - KS_IPV4_HLEN_MIN - KS_ICMP_HLEN)

/* The datagram an error message is about. */
struct ks_icmp_quote {
	struct ks_ipv4_hdr ip; /* its header, unchecked beyond version and IHL */
	const uint8_t *l4;     /* what follows its header (>= 8 bytes) */
	size_t l4_len;
	uint16_t sport, dport; /* the first two words: UDP and TCP ports */
};

struct ks_icmp_hdr {
	uint8_t type, code;
	uint16_t csum;
	uint32_t rest;        /* the second word as it is on the wire */
	uint16_t id, seq;     /* echo request and reply */
	uint16_t mtu;         /* unreachable, code 4: next-hop MTU (0: old router) */
	uint8_t pointer;      /* parameter problem: octet in error */
	bool is_error;        /* the type is one of the errors listed above */
	const uint8_t *data;  /* parse: the bytes after the 8-byte header */
	size_t data_len;
	struct ks_icmp_quote quote; /* parse, errors only */
	uint32_t from;        /* not the parser's: who sent it (decode.c sets the
				 IPv4 source; 0: unknown), IP_RECVERR's offender */
};

int ks_icmp_parse(const uint8_t *buf, size_t len, unsigned flags, struct ks_icmp_hdr *out);
int ks_icmp_parse_quote(const uint8_t *buf, size_t len, struct ks_icmp_quote *out);
bool ks_icmp_type_is_error(uint8_t type);

/* Writes the 8-byte header at msg (type, code and the second word from the
 * fields of h's type: id/seq, mtu, pointer, else rest) and the checksum
 * over msg[0..len). Returns 8, or -KS_EINVAL if len < 8. */
int ks_icmp_emit(uint8_t *msg, size_t len, const struct ks_icmp_hdr *h);

/* How many bytes of an offending datagram of orig_len bytes an error
 * quotes. */
size_t ks_icmp_quote_len(size_t orig_len);

/* Builds an error message in buf: header (mtu used for FRAG_NEEDED), then
 * ks_icmp_quote_len(orig_len) bytes of orig, the offending datagram from
 * its IPv4 header on. Returns the message length, -KS_EINVAL if orig is
 * shorter than its own header plus 8 bytes or type is not an error,
 * -KS_ENOBUFS if cap is too small. orig and buf must not overlap. */
int ks_icmp_emit_error(uint8_t *buf, size_t cap, uint8_t type, uint8_t code, uint16_t mtu,
		       const uint8_t *orig, size_t orig_len);

/* RFC 1122 3.2.2: whether a host may answer the datagram ip (parsed, with
 * its payload) with an ICMP error. Not about ICMP errors, nor datagrams to
 * a broadcast or multicast address (dst_bcast: the stack found dst to be a
 * subnet broadcast), nor link-layer broadcasts, nor non-initial fragments,
 * nor sources that do not name one host (zero, broadcast, multicast,
 * class E). A loopback source is left to the caller, since the loopback
 * device answers 127.0.0.1 (Linux does). */
bool ks_icmp_error_allowed(const struct ks_ipv4_hdr *ip, bool link_bcast, bool dst_bcast);

#endif

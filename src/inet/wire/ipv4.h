/*
 * ipv4.h - IPv4 headers (RFC 791 3.1) with the receiver's checks of
 * RFC 1122 3.2.1.
 *
 * ks_ipv4_parse checks, in Linux's order (ip_rcv_core), each against the
 * bytes it was given:
 *   fewer than 20 bytes                      -> TRUNCATED
 *   version != 4                             -> BAD_VERSION  (RFC 1122 3.2.1.1)
 *   IHL < 5                                  -> BAD_IHL      (RFC 791 3.1)
 *   IHL * 4 > bytes                          -> TRUNCATED
 *   header checksum                          -> BAD_CHECKSUM (RFC 1122 3.2.1.2)
 *   total length > bytes                     -> TRUNCATED    (Linux: InTruncatedPkts)
 *   total length < IHL * 4                   -> BAD_LENGTH
 *   offset + data past 65535 - 20            -> BAD_FRAGMENT (cannot be reassembled)
 *   source multicast or 255.255.255.255      -> BAD_ADDRESS  (RFC 1122 3.2.1.3)
 *   options that run past the header         -> BAD_OPTIONS  (RFC 791 3.1 "Options")
 *   loose or strict source route             -> SOURCE_ROUTE (RFC 7126 4.3, 4.4)
 * Bytes after the total length (Ethernet padding) are not part of the
 * datagram: payload_len counts only what the header claims. Options are
 * walked to prove they are well formed and otherwise ignored (RFC 1122
 * 3.2.1.8 lets a host ignore record-route and timestamp). Checks that need
 * the interface (loopback sources, subnet broadcasts) and fragment
 * bookkeeping belong to the stack.
 *
 * ks_ipv4_emit writes a header with the checksum filled in (options, if
 * any, are copied and must be padded to a multiple of 4 bytes).
 *
 * Interface: ks_ipv4_parse, ks_ipv4_emit, ks_ipv4_read, ks_ipv4_is_fragment and the
 * address-class tests. Locking: none. Ownership: borrows buffers; a parsed
 * header's opt and payload point into the buffer.
 */
#ifndef KS_INET_WIRE_IPV4_H
#define KS_INET_WIRE_IPV4_H

#include "wire.h"

#define KS_IPV4_HLEN_MIN 20
#define KS_IPV4_HLEN_MAX 60
#define KS_IPV4_MAX_LEN 65535
#define KS_IPPROTO_ICMP 1
#define KS_IPPROTO_TCP 6
#define KS_IPPROTO_UDP 17

/* The ECN field, the two low bits of the TOS octet (RFC 3168 5). */
#define KS_IP_ECN_MASK 3
#define KS_IP_ECN_NOT_ECT 0
#define KS_IP_ECN_ECT1 1
#define KS_IP_ECN_ECT0 2
#define KS_IP_ECN_CE 3

/* IPv4 options (RFC 791 3.1): type octets. */
#define KS_IPOPT_EOL 0
#define KS_IPOPT_NOP 1
#define KS_IPOPT_LSRR 0x83
#define KS_IPOPT_SSRR 0x89

struct ks_ipv4_hdr {
	uint8_t hlen;      /* header bytes, 20..60 */
	uint8_t tos;
	uint8_t ttl;
	uint8_t proto;
	uint16_t tot_len;  /* header plus data */
	uint16_t id;
	uint16_t frag_off; /* fragment offset in bytes (the field times 8) */
	bool df, mf;       /* don't fragment, more fragments */
	uint16_t csum;
	uint32_t src, dst;
	const uint8_t *opt;   /* parse: into the buffer; emit: copied */
	uint8_t opt_len;      /* hlen - 20 */
	const uint8_t *payload; /* parse only: the data after the header */
	uint16_t payload_len;   /* parse only: tot_len - hlen */
};

int ks_ipv4_parse(const uint8_t *buf, size_t len, struct ks_ipv4_hdr *out);
int ks_ipv4_emit(uint8_t *buf, size_t cap, const struct ks_ipv4_hdr *h);
/* Reads the fields of a header without checking anything: for a header
 * quoted in an ICMP error, after the caller has checked that its version
 * is 4 and that IHL * 4 bytes are present. Sets neither payload field. */
void ks_ipv4_read(const uint8_t *buf, struct ks_ipv4_hdr *out);

static inline bool ks_ipv4_is_fragment(const struct ks_ipv4_hdr *h)
{
	return h->mf || h->frag_off != 0;
}

static inline bool ks_ipv4_is_multicast(uint32_t a) { return (a >> 28) == 0xe; }
static inline bool ks_ipv4_is_lbcast(uint32_t a) { return a == 0xffffffffu; }
static inline bool ks_ipv4_is_loopback(uint32_t a) { return (a >> 24) == 127; }
static inline bool ks_ipv4_is_zeronet(uint32_t a) { return (a >> 24) == 0; }

#endif

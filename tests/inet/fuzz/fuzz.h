/*
 * fuzz.h - what the inet fuzz targets share (common.c).
 *
 * Each target takes one input byte as a mode and the rest as a frame
 * (frame.c) or an IPv4 datagram (ipv4.c); tcp.c takes a fixture byte and
 * operations on TCP pcbs (FZ_TCP_*). The mode lets the fuzzer reach
 * past the checksums: bit 0 fixes the IPv4 header checksum, bit 1 the
 * UDP/ICMP checksum, bit 2 passes KS_WIRE_CSUM_OK. After decoding, the
 * targets check invariants (a drop is counted exactly once; every offset
 * and pointer stays inside the input), re-emit what was parsed and compare
 * it with the input, and push the input through a packet buffer.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined; linked with the
 * test port (tests/inet/port.c). Locking: single-threaded.
 */
#ifndef IT_FUZZ_H
#define IT_FUZZ_H

#include "../it.h"

/* The tcp target's operations (fuzz/tcp.c describes their arguments);
 * FZ_TCP_CHILD ORed in sends a segment to the listener's newest child. */
#define FZ_TCP_SEG 0
#define FZ_TCP_RAW 1
#define FZ_TCP_TIME 2
#define FZ_TCP_SEND 3
#define FZ_TCP_RECV 4
#define FZ_TCP_USER 5
#define FZ_TCP_PEER 7
#define FZ_TCP_CHILD 8

#define FZ_FIX_IP 1u
#define FZ_FIX_L4 2u
#define FZ_CSUM_OK 4u

/* Aborts (a crash libFuzzer reports) if cond is false. */
#define FZ_ASSERT(cond) ((cond) ? (void)0 : fz_fail(__FILE__, __LINE__, #cond))
_Noreturn void fz_fail(const char *file, int line, const char *what);

/* A fresh stack on a fixed fake clock. */
void fz_stack(struct ks_inet_stack *st);
/* Fixes the checksums of the IPv4 datagram at ip (len bytes) as mode says,
 * where the lengths allow. */
void fz_fix(uint8_t *ip, size_t len, unsigned mode);
/* Checks a decode of buf[0..size) that returned rc. */
void fz_check(const struct ks_inet_stack *st, int rc, const struct ks_inet_decoded *d,
	      const uint8_t *buf, size_t size, unsigned flags);
/* Copies buf into a packet buffer, strips headers as decoded, trims the
 * padding, compares checksums over the buffer with the flat ones. */
void fz_pbuf(struct ks_inet_stack *st, const struct ks_inet_decoded *d, const uint8_t *buf,
	     size_t size);

#endif

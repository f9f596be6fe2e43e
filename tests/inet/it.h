/*
 * it.h - the inet test runner's interface: cases, check macros, the fake
 * clock, the test port's controls and frame helpers.
 *
 * A case is a function taking a struct it_ctx, which holds a fresh stack
 * (struct ks_inet_stack, initialised on the fake clock at IT_T0) for it.
 * Checks record the first failure and return from the case. After each
 * case the runner checks that no packet buffer of the stack is live and
 * no port allocation leaked. Each test file defines one group (an array of
 * cases ending in {0}) listed in main.c.
 *
 * Interface: IT_TRUE, IT_EQ, IT_MEMEQ (return on failure), it_fail;
 * it_expect_panic (runs fn, true if it hit a KS_ASSERT); it_port_*
 * (allocation counters and injected failures of the test port);
 * frames.c's builders and fixers.
 *
 * Locking: cases run one at a time on the main thread.
 */
#ifndef IT_H
#define IT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inet/decode.h"
#include "inet/pbuf.h"
#include "inet/stack.h"

#define IT_T0 1000000000ull /* the fake clock's start: 1 s */

struct it_ctx {
	int failed;
	char msg[256];
	uint64_t clock_ns;         /* the fake clock the stack reads */
	struct ks_inet_stack st;   /* fresh for each case */
};

struct it_case {
	const char *name;
	void (*fn)(struct it_ctx *t);
};

void it_fail(struct it_ctx *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define IT_TRUE(t, cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			it_fail((t), __FILE__, __LINE__, "%s", #cond);       \
			return;                                              \
		}                                                            \
	} while (0)
#define IT_EQ(t, expr, want)                                                 \
	do {                                                                 \
		long long it_g_ = (long long)(expr), it_w_ = (long long)(want); \
		if (it_g_ != it_w_) {                                        \
			it_fail((t), __FILE__, __LINE__, "%s = %lld, want %lld", \
				#expr, it_g_, it_w_);                        \
			return;                                              \
		}                                                            \
	} while (0)
#define IT_MEMEQ(t, a, b, n)                                                 \
	do {                                                                 \
		if (memcmp((a), (b), (n)) != 0) {                            \
			it_fail((t), __FILE__, __LINE__, "%s differs from %s", #a, #b); \
			return;                                              \
		}                                                            \
	} while (0)

/* The groups, one per test file. */
extern const struct it_case it_cases_checksum[];
extern const struct it_case it_cases_eth_arp[];
extern const struct it_case it_cases_ipv4[];
extern const struct it_case it_cases_icmp[];
extern const struct it_case it_cases_udp[];
extern const struct it_case it_cases_pbuf[];
extern const struct it_case it_cases_stack[];
extern const struct it_case it_cases_decode[];
extern const struct it_case it_cases_netdev[];
extern const struct it_case it_cases_netif[];
extern const struct it_case it_cases_netif_udp[];
extern const struct it_case it_cases_frag[];
extern const struct it_case it_cases_arp[];
extern const struct it_case it_cases_route[];
extern const struct it_case it_cases_netif_icmp[];
extern const struct it_case it_cases_frag_route[];
extern const struct it_case it_cases_tcp[];
extern const struct it_case it_cases_tcp_data[];
extern const struct it_case it_cases_tcp_wire[];
extern const struct it_case it_cases_tcp_e2e[];
extern const struct it_case it_cases_tcp_sack[];
extern const struct it_case it_cases_tcp_ecn_pmtu[];

/* Runs fn(arg); true if it called ks_port_panic (a broken KS_ASSERT),
 * which the test port then turns into a return here. */
bool it_expect_panic(void (*fn)(void *arg), void *arg);

/* The test port (port.c). */
long it_port_allocs_live(void);
void it_port_fail_next(int n);     /* the next n ks_port_alloc calls return NULL */
void it_port_set_now(uint64_t ns); /* what ks_port_now_ns returns */

/* The sum of every drop counter of st. */
unsigned long it_drops_total(const struct ks_inet_stack *st);

/* ---- frames (frames.c) ---- */
extern const uint8_t it_mac_a[6], it_mac_b[6];
#define IT_ADDR_A KS_IPV4(198, 18, 0, 1)
#define IT_ADDR_B KS_IPV4(198, 18, 0, 2)

/* Known frames, computed independently of ksock (see frames.c). */
extern const uint8_t it_frame_udp[47];
extern const uint8_t it_frame_icmp_echo[58];
extern const uint8_t it_frame_arp_request[42];

/* Builds Ethernet + IPv4 (20-byte header, DF, TTL 64, id 1) + proto's
 * payload of n bytes (already a whole transport message) into buf;
 * returns the frame length. A to B. */
size_t it_ipv4_frame(uint8_t *buf, uint8_t proto, const uint8_t *l4, size_t n);
/* Ethernet + IPv4 + UDP (with checksum) A:40000 -> B:port. */
size_t it_udp_frame(uint8_t *buf, uint16_t port, const void *payload, size_t n);
/* Writes the fuzz targets' seed inputs under dir (seeds.c); 0 or -1. */
int it_write_seeds(const char *dir);
/* Recomputes the IPv4 header checksum of the datagram at ip. */
void it_fix_ip_csum(uint8_t *ip);
/* Recomputes the UDP or ICMP checksum of the datagram at ip (IHL and total
 * length as they are in the header; nothing is checked). */
void it_fix_l4_csum(uint8_t *ip);

#endif

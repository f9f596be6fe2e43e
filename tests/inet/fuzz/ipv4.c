/*
 * ipv4.c - libFuzzer target: one IPv4 datagram through the parse stage
 * from the network layer (a device without a link header, or a datagram
 * after reassembly), with the invariants of fuzz.h; then, where RFC 1122
 * 3.2.2 allows one, an ICMP error about it, which must parse back and
 * quote the datagram's addresses and ports. Input: a mode byte, then the
 * datagram.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The error a stack would send (port unreachable) parses back. */
static void fz_error_about(const struct ks_inet_decoded *d, const uint8_t *dg)
{
	static uint8_t m[KS_ICMP_HLEN + KS_ICMP_QUOTE_MAX];
	struct ks_icmp_hdr h;

	if (!ks_icmp_error_allowed(&d->ip, false, false))
		return;
	int n = ks_icmp_emit_error(m, sizeof(m), KS_ICMP_DEST_UNREACH, KS_ICMP_PORT_UNREACH, 0,
				   dg, d->ip.tot_len);
	if (d->ip.payload_len < 8) {
		FZ_ASSERT(n == -KS_EINVAL);
		return;
	}
	FZ_ASSERT(n > 0 && ks_icmp_parse(m, (size_t)n, 0, &h) == KS_ICMP_HLEN);
	FZ_ASSERT(h.is_error && h.quote.ip.src == d->ip.src && h.quote.ip.dst == d->ip.dst);
	FZ_ASSERT(h.quote.ip.proto == d->ip.proto && h.quote.ip.id == d->ip.id);
	FZ_ASSERT(h.quote.sport == ks_get16(d->ip.payload));
	FZ_ASSERT(h.quote.dport == ks_get16(d->ip.payload + 2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_inet_stack st;
	struct ks_inet_decoded d;

	if (size < 1)
		return 0;
	unsigned mode = data[0];
	size--;
	uint8_t *dg = malloc(size ? size : 1);
	FZ_ASSERT(dg != NULL);
	memcpy(dg, data + 1, size);
	fz_fix(dg, size, mode);
	unsigned flags = (mode & FZ_CSUM_OK) ? KS_WIRE_CSUM_OK : 0;
	fz_stack(&st);
	int rc = ks_inet_decode_ipv4(&st, dg, size, flags, &d);
	fz_check(&st, rc, &d, dg, size, flags);
	if (rc == 0) {
		fz_pbuf(&st, &d, dg, size);
		fz_error_about(&d, dg);
	}
	free(dg);
	return 0;
}

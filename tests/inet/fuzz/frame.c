/*
 * frame.c - libFuzzer target: one Ethernet frame through the receive
 * path's parse stage (Ethernet -> ARP | IPv4 -> ICMP | UDP), with the
 * invariants of fuzz.h. Input: a mode byte, then the frame.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_inet_stack st;
	struct ks_inet_decoded d;

	if (size < 1)
		return 0;
	unsigned mode = data[0];
	size--;
	uint8_t *f = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
	FZ_ASSERT(f != NULL);
	memcpy(f, data + 1, size);
	if (size >= KS_ETH_HLEN && ks_get16(f + 12) == KS_ETH_P_IPV4)
		fz_fix(f + KS_ETH_HLEN, size - KS_ETH_HLEN, mode);
	unsigned flags = (mode & FZ_CSUM_OK) ? KS_WIRE_CSUM_OK : 0;
	fz_stack(&st);
	int rc = ks_inet_decode(&st, f, size, flags, &d);
	fz_check(&st, rc, &d, f, size, flags);
	if (rc == 0)
		fz_pbuf(&st, &d, f, size);
	free(f);
	return 0;
}

/*
 * checksum.c - the Internet checksum: RFC 1071 sums, RFC 1624 updates.
 *
 * Object model: a partial sum is a ones'-complement accumulator kept in 32
 * bits; the words it adds are big-endian, so no byte swapping is needed on
 * either kind of host. The loop adds 32-bit big-endian words into a 64-bit
 * accumulator (RFC 1071 2(C): with end-around carry folded later, a sum of
 * 32-bit words equals the sum of their 16-bit halves, as 2^16 = 1 modulo
 * 2^16 - 1). Interface and conventions: checksum.h. Locking: none.
 * Ownership: borrows every buffer.
 */
#include "checksum.h"

/* Folds a 64-bit accumulator to 32 bits, keeping its value mod 2^16 - 1. */
static uint32_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint32_t ks_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	for (; len >= 4; p += 4, len -= 4)
		acc += ks_get32(p);
	if (len >= 2) {
		acc += ks_get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8; /* RFC 1071 1: pad an odd byte with zero */
	return fold64(acc);
}

uint32_t ks_csum_add(uint32_t a, uint32_t b)
{
	return fold64((uint64_t)a + b);
}

uint16_t ks_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t ks_csum_shift(uint32_t sum, size_t offset)
{
	uint16_t f = ks_csum_fold(sum);

	return (offset & 1) ? (uint32_t)(uint16_t)(f << 8 | f >> 8) : f;
}

uint16_t ks_csum_finish(uint32_t sum)
{
	return (uint16_t)~ks_csum_fold(sum);
}

uint16_t ks_csum(const void *buf, size_t len)
{
	return ks_csum_finish(ks_csum_partial(buf, len, 0));
}

/* RFC 768 and RFC 793 3.1: source, destination, zero, protocol, length. */
uint32_t ks_csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t acc = (uint64_t)src + dst + proto + len;

	return fold64(acc);
}

/* RFC 1624 3, eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it never
 * yields 0xffff for a header whose true checksum is 0x0000 (RFC 1624 4). */
uint16_t ks_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_val;
	sum += new_val;
	return ks_csum_finish(sum);
}

uint16_t ks_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	csum = ks_csum_update16(csum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
	return ks_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

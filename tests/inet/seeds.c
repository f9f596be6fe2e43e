/*
 * seeds.c - writes seed inputs for the inet fuzz targets (`inet
 * --write-seeds DIR`): well-formed frames of every kind the parse stage
 * knows, so a short fuzz run starts past the headers. DIR/frame/ gets
 * frames, DIR/ipv4/ the same datagrams without the Ethernet header; each
 * file is a mode byte (0: checksums are right) and the bytes. Generated
 * rather than kept in the tree, so they follow the code.
 *
 * Interface: it_write_seeds (it.h). Locking: none.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"
#include "it.h"

static int seed_file(const char *dir, const char *sub, int n, const uint8_t *b, size_t len)
{
	char path[512];
	uint8_t mode = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/seed-%02d", dir, sub, n);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(&mode, 1, 1, f) == 1 && fwrite(b, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Writes b as it is to DIR/sub/seed-NN. */
static int seed_raw(const char *dir, const char *sub, int n, const uint8_t *b, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/seed-%02d", dir, sub, n);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(b, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The tcp target: each fixture (fuzz/tcp.c) with a conversation: data in
 * order, an ACK with timestamps, a write, time, a read, the peer's FIN, a
 * close, a long wait; and a raw SYN with options. */
static int tcp_seeds(const char *dir)
{
	static const uint8_t ops[] = {
		FZ_TCP_PEER, 0x08, 10,
		FZ_TCP_SEG, 0x10, 0, 10, 0, 0, 4, 0, 0x41, 0,
		FZ_TCP_SEND, 0x0b, 0xb8, 0,
		FZ_TCP_TIME, 0x01, 0x2c,
		FZ_TCP_RECV, 0x00, 0x64, 0,
		FZ_TCP_SEG | FZ_TCP_CHILD, 0x19, 0, 0, 0x0b, 0xb8, 4, 0, 0x41, 3, 'e', 'n', 'd',
		FZ_TCP_USER, 0,
		FZ_TCP_TIME, 0x80, 70,
	};
	uint8_t b[128];
	int rc = 0, n = 0;

	for (unsigned f = 0; f < 24; f++) {
		b[0] = (uint8_t)(f < 12 ? f : 0x80 | (f - 12));
		memcpy(b + 1, ops, sizeof(ops));
		rc |= seed_raw(dir, "tcp", n++, b, 1 + sizeof(ops));
	}
	/* A SYN with Linux's options to a listener, raw, checksum fixed. */
	static const uint8_t syn[] = {
		1, FZ_TCP_RAW, 40, 1,
		0x00, 0x50, 0x9c, 0x40, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0,
		0, 0, 0, 0, 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
		FZ_TCP_SEG | FZ_TCP_CHILD, 0x10, 0, 0, 0, 1, 4, 0, 0, 0,
	};
	rc |= seed_raw(dir, "tcp", n++, syn, sizeof(syn));
	return rc;
}

/* Writes one frame to frame/ and, for IPv4, its datagram to ipv4/. */
static int seed(const char *dir, int n, const uint8_t *f, size_t len)
{
	if (seed_file(dir, "frame", n, f, len) != 0)
		return -1;
	if (ks_get16(f + 12) != KS_ETH_P_IPV4)
		return 0;
	return seed_file(dir, "ipv4", n, f + KS_ETH_HLEN, len - KS_ETH_HLEN);
}

/* An ICMP error of type/code about the known UDP datagram, as a frame. */
static size_t error_frame(uint8_t *f, uint8_t type, uint8_t code, uint16_t mtu)
{
	uint8_t m[128];
	int n = ks_icmp_emit_error(m, sizeof(m), type, code, mtu, it_frame_udp + KS_ETH_HLEN,
				   sizeof(it_frame_udp) - KS_ETH_HLEN);

	return it_ipv4_frame(f, KS_IPPROTO_ICMP, m, (size_t)n);
}

int it_write_seeds(const char *dir)
{
	uint8_t f[256];
	size_t n;
	int rc = 0;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return -1;
	rc |= seed(dir, 0, it_frame_udp, sizeof(it_frame_udp));
	rc |= seed(dir, 1, it_frame_icmp_echo, sizeof(it_frame_icmp_echo));
	rc |= seed(dir, 2, it_frame_arp_request, sizeof(it_frame_arp_request));
	n = error_frame(f, KS_ICMP_DEST_UNREACH, KS_ICMP_PORT_UNREACH, 0);
	rc |= seed(dir, 3, f, n);
	n = error_frame(f, KS_ICMP_DEST_UNREACH, KS_ICMP_FRAG_NEEDED, 1400);
	rc |= seed(dir, 4, f, n);
	n = error_frame(f, KS_ICMP_PARAMETERPROB, 0, 0);
	rc |= seed(dir, 5, f, n);
	n = it_udp_frame(f, 53, "a longer payload, with a few more bytes in it", 45);
	rc |= seed(dir, 6, f, n);
	ks_put16(f + KS_ETH_HLEN + 6, 0x2000); /* the same as a first fragment */
	it_fix_ip_csum(f + KS_ETH_HLEN);
	rc |= seed(dir, 7, f, n);
	rc |= tcp_seeds(dir);
	return rc ? -1 : 0;
}

/*
 * seeds.c - writes seed inputs for the inet fuzz targets (`inet
 * --write-seeds DIR`): well-formed frames of every kind the parse stage
 * knows, so a short fuzz run starts past the headers. DIR/frame/ gets
 * frames, DIR/ipv4/ the same datagrams without the Ethernet header; each
 * file is a mode byte (0: checksums are right) and the bytes. DIR/frag/
 * gets fragment sequences in the records of fuzz/frag.c (the mode byte is
 * its config byte: 0, Linux's limits). DIR/netif/ gets event sequences
 * for the netif target (fuzz/netif.c): each frame received, and sends
 * resolved, answered, failed and broadcast. Generated rather than kept in
 * the tree, so they follow the code.
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

/* Writes one frame to frame/ and, for IPv4, its datagram to ipv4/; and
 * netif/ the frame as a "received" event (op 0, its length). */
static int seed(const char *dir, int n, const uint8_t *f, size_t len)
{
	uint8_t ev[258] = { 0, (uint8_t)len };

	if (len <= 255) {
		memcpy(ev + 2, f, len);
		if (seed_file(dir, "netif", n, ev, len + 2) != 0)
			return -1;
	}
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

/* One record of fuzz/frag.c: source 0..3, MF, id 0..3, offset in 8-byte
 * units, data bytes, option words. */
static uint8_t *frag_rec(uint8_t *r, unsigned src, bool mf, unsigned id, unsigned off8,
			 unsigned len, unsigned words)
{
	r[0] = (uint8_t)(src | (mf ? 4 : 0) | id << 3);
	r[1] = (uint8_t)(off8 >> 8), r[2] = (uint8_t)off8;
	r[3] = (uint8_t)(len >> 8), r[4] = (uint8_t)len;
	r[5] = (uint8_t)words;
	return r + 6;
}

/* In order, reversed with a duplicate, overlapping, two sources
 * interleaved with options. */
static int frag_seeds(const char *dir)
{
	uint8_t b[96], *r;
	int rc = 0;

	r = frag_rec(b, 0, true, 0, 0, 1480, 0);
	r = frag_rec(r, 0, true, 0, 185, 1480, 0);
	r = frag_rec(r, 0, false, 0, 370, 100, 0);
	rc |= seed_file(dir, "frag", 0, b, (size_t)(r - b));
	r = frag_rec(b, 0, false, 1, 20, 33, 0);
	r = frag_rec(r, 0, true, 1, 10, 80, 0);
	r = frag_rec(r, 0, true, 1, 10, 80, 0);
	r = frag_rec(r, 0, true, 1, 0, 80, 0);
	rc |= seed_file(dir, "frag", 1, b, (size_t)(r - b));
	r = frag_rec(b, 1, true, 2, 0, 80, 0);
	r = frag_rec(r, 1, true, 2, 5, 80, 0);
	r = frag_rec(r, 1, false, 2, 15, 8, 0);
	rc |= seed_file(dir, "frag", 2, b, (size_t)(r - b));
	r = frag_rec(b, 1, true, 3, 0, 64, 3);
	r = frag_rec(r, 2, true, 3, 0, 64, 0);
	r = frag_rec(r, 2, false, 3, 8, 10, 0);
	r = frag_rec(r, 1, false, 3, 8, 10, 1);
	rc |= seed_file(dir, "frag", 3, b, (size_t)(r - b));
	return rc;
}

/* Event sequences for the netif target: a send to the gateway's network
 * answered by A's reply (A is the gateway, 198.18.0.1); a send left to
 * fail (4 s); broadcasts; sends queued past the bound. */
static int netif_seeds(const char *dir)
{
	uint8_t b[128] = { 0 };
	size_t n = 0;
	uint8_t reply[42];
	static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	struct ks_eth_hdr eh = { .type = KS_ETH_P_ARP };
	struct ks_arp a = { .op = KS_ARP_OP_REPLY, .spa = IT_ADDR_A, .tpa = IT_ADDR_B };

	memcpy(eh.dst, mac_b, 6);
	memcpy(eh.src, it_mac_a, 6);
	memcpy(a.sha, it_mac_a, 6);
	memcpy(a.tha, mac_b, 6);
	ks_eth_emit(reply, KS_ETH_HLEN, &eh);
	ks_arp_emit(reply + KS_ETH_HLEN, KS_ARP_LEN, &a);
	b[n++] = 2, b[n++] = 7;                      /* to 198.18.7.x: via the gateway */
	b[n++] = 1, b[n++] = 3;                      /* 300 ms */
	b[n++] = 0, b[n++] = sizeof(reply);          /* the gateway answers */
	memcpy(b + n, reply, sizeof(reply));
	n += sizeof(reply);
	if (seed_file(dir, "netif", 20, b, n) != 0)
		return -1;
	static const uint8_t fail[] = { 2, 0, 2, 0, 2, 0, 2, 0, 1, 10, 1, 10, 1, 10, 1, 10 };
	static const uint8_t bcast[] = { 3, 0, 3, 1 };
	return seed_file(dir, "netif", 21, fail, sizeof(fail)) ||
	       seed_file(dir, "netif", 22, bcast, sizeof(bcast));
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
	rc |= frag_seeds(dir);
	rc |= netif_seeds(dir);
	rc |= tcp_seeds(dir);
	return rc ? -1 : 0;
}

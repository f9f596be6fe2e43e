/*
 * test_netdev.c - the device interface (netdev.h), the fault-injecting
 * wrapper (fault.h: each fault, the clock, determinism from the seed) and
 * the pcap writer (pcap.h: the exact bytes of the global and record
 * headers, both directions, chains, snap length, write errors).
 *
 * A fake lower device keeps what is transmitted on it in a queue; frames
 * are "received" by calling ks_netdev_rx on it, and what reaches the top
 * is kept in another queue. Frames carry an id in the byte after the
 * Ethernet header.
 */
#include <string.h>

#include "inet/fault.h"
#include "inet/pcap.h"
#include "it.h"

#define MS 1000000ull

struct fake {
	struct ks_netdev dev;
	struct ks_pbuf_queue sent; /* transmitted on the fake */
	struct ks_pbuf_queue up;   /* reached the top device's upcall */
	int xmit_rc;               /* what xmit returns (it frees p if not 0) */
};

static int fake_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct fake *fk = dev->priv;

	if (fk->xmit_rc) {
		ks_pbuf_free(p);
		return fk->xmit_rc;
	}
	ks_pbufq_push(&fk->sent, p);
	return 0;
}

static const struct ks_netdev_ops fake_ops = { .xmit = fake_xmit };

static void fake_up(void *arg, struct ks_netdev *dev, struct ks_pbuf *p)
{
	struct fake *fk = arg;

	(void)dev; /* the top device */
	ks_pbufq_push(&fk->up, p);
}

static void fake_init(struct fake *fk, struct it_ctx *t)
{
	memset(fk, 0, sizeof(*fk));
	ks_netdev_init(&fk->dev, &fake_ops, fk, "fake0");
	fk->dev.pool = &t->st.pbufs;
	fk->dev.ifindex = 3;
	memcpy(fk->dev.mac, it_mac_a, 6);
	ks_pbufq_init(&fk->sent);
	ks_pbufq_init(&fk->up);
}

static void fake_done(struct fake *fk)
{
	ks_pbufq_purge(&fk->sent);
	ks_pbufq_purge(&fk->up);
}

/* A 60-byte frame with id at offset 14. */
static struct ks_pbuf *frame(struct it_ctx *t, uint8_t id)
{
	struct ks_pbuf *p;

	if (ks_pbuf_alloc(&t->st.pbufs, KS_PBUF_DEVICE_ROOM, 60, &p))
		return NULL;
	memset(p->data, 0, 60);
	memcpy(p->data, it_mac_b, 6);
	memcpy(p->data + 6, it_mac_a, 6);
	p->data[12] = 0x08;
	p->data[14] = id;
	return p;
}

/* The ids in q, in order, into ids (up to max); returns how many; frees q. */
static int drain_ids(struct ks_pbuf_queue *q, uint8_t *ids, int max)
{
	struct ks_pbuf *p;
	int n = 0;

	while ((p = ks_pbufq_pop(q))) {
		if (n < max)
			ids[n] = p->data[14];
		n++;
		ks_pbuf_free(p);
	}
	return n;
}

/* ---- netdev ---- */

static void t_netdev_basics(struct it_ctx *t)
{
	struct fake fk;
	struct ks_netdev_stats s;
	struct ks_pbuf *p;

	fake_init(&fk, t);
	IT_EQ(t, fk.dev.mtu, 1500);
	IT_EQ(t, fk.dev.link, KS_NETDEV_LINK_ETHER);
	IT_TRUE(t, strcmp(fk.dev.name, "fake0") == 0);
	IT_EQ(t, ks_netdev_open(&fk.dev), 0);
	IT_TRUE(t, ks_netdev_is_up(&fk.dev));

	IT_EQ(t, ks_netdev_xmit(&fk.dev, frame(t, 1)), 0);
	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 0, 1515, &p), 0);
	IT_EQ(t, ks_netdev_xmit(&fk.dev, p), -KS_EMSGSIZE); /* freed */
	fk.xmit_rc = -KS_ENOBUFS;
	IT_EQ(t, ks_netdev_xmit(&fk.dev, frame(t, 2)), -KS_ENOBUFS);
	fk.xmit_rc = -KS_EIO;
	IT_EQ(t, ks_netdev_xmit(&fk.dev, frame(t, 3)), -KS_EIO);

	ks_netdev_rx(&fk.dev, frame(t, 4)); /* no upcall: dropped */
	ks_netdev_attach(&fk.dev, fake_up, &fk);
	ks_netdev_rx(&fk.dev, frame(t, 5));
	IT_EQ(t, fk.up.count, 1);
	IT_EQ(t, fk.up.head->ifindex, 3);

	ks_netdev_stats_get(&fk.dev, &s);
	IT_EQ(t, s.tx_packets, 1);
	IT_EQ(t, s.tx_bytes, 60);
	IT_EQ(t, s.tx_dropped, 2);
	IT_EQ(t, s.tx_errors, 1);
	IT_EQ(t, s.rx_packets, 1);
	IT_EQ(t, s.rx_bytes, 60);
	IT_EQ(t, s.rx_dropped, 1);
	ks_netdev_stop(&fk.dev);
	IT_TRUE(t, !ks_netdev_is_up(&fk.dev));
	fake_done(&fk);
}

static void t_netdev_alloc_rx(struct it_ctx *t)
{
	struct fake fk;
	struct ks_pbuf *p;
	struct ks_netdev_stats s;

	fake_init(&fk, t);
	IT_EQ(t, ks_netdev_alloc_rx(&fk.dev, 60, &p), 0);
	IT_EQ(t, ks_pbuf_headroom(p), 0);
	IT_EQ(t, p->tot_len, 60);
	ks_pbuf_free(p);
	t->st.pbufs.fail_next = 1;
	IT_EQ(t, ks_netdev_alloc_rx(&fk.dev, 60, &p), -KS_ENOBUFS);
	ks_netdev_stats_get(&fk.dev, &s);
	IT_EQ(t, s.rx_dropped, 1);
}

/* ---- fault ---- */

static int fault_setup(struct it_ctx *t, struct fake *fk, struct ks_fault *f,
		       const struct ks_fault_config *cfg)
{
	fake_init(fk, t);
	int rc = ks_fault_init(f, &t->st, &fk->dev, cfg);
	if (rc == 0)
		ks_netdev_attach(&f->dev, fake_up, fk);
	return rc;
}

static void t_fault_passthrough(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 1 };
	uint8_t ids[8];

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	IT_EQ(t, f.dev.mtu, 1500);
	IT_MEMEQ(t, f.dev.mac, it_mac_a, 6);
	IT_EQ(t, f.dev.ifindex, 3);
	for (uint8_t i = 0; i < 4; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, i)), 0);
	for (uint8_t i = 4; i < 8; i++)
		ks_netdev_rx(&fk.dev, frame(t, i));
	IT_EQ(t, drain_ids(&fk.sent, ids, 8), 4);
	IT_MEMEQ(t, ids, "\0\1\2\3", 4);
	IT_EQ(t, drain_ids(&fk.up, ids, 8), 4);
	IT_MEMEQ(t, ids, "\4\5\6\7", 4);
	IT_EQ(t, f.stats.passed, 8);
	cfg.loss_ppm = KS_FAULT_PPM + 1;
	IT_EQ(t, ks_fault_init(&f, &t->st, &fk.dev, &cfg), -KS_EINVAL);
	ks_fault_destroy(&f);
	fake_done(&fk);
}

static void t_fault_loss(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 7, .loss_ppm = 500000 };

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (int i = 0; i < 1000; i++) {
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, (uint8_t)i)), 0);
		ks_netdev_rx(&fk.dev, frame(t, (uint8_t)i));
	}
	IT_EQ(t, fk.sent.count + fk.up.count + f.stats.lost, 2000);
	IT_TRUE(t, f.stats.lost > 900 && f.stats.lost < 1100); /* 50% of 2000 */
	IT_TRUE(t, fk.sent.count > 400 && fk.up.count > 400);
	fake_done(&fk);

	/* Only the direction asked for. */
	cfg.loss_ppm = KS_FAULT_PPM;
	cfg.dirs = KS_FAULT_RX;
	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, 1)), 0);
	ks_netdev_rx(&fk.dev, frame(t, 2));
	IT_EQ(t, fk.sent.count, 1);
	IT_EQ(t, fk.up.count, 0);
	IT_EQ(t, f.stats.lost, 1);
	fake_done(&fk);
}

static void t_fault_duplicate(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 3, .dup_ppm = KS_FAULT_PPM };
	uint8_t ids[8];

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, 1)), 0);
	IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, 2)), 0);
	ks_netdev_rx(&fk.dev, frame(t, 3));
	IT_EQ(t, fk.sent.count, 4);
	IT_TRUE(t, fk.sent.head->data != fk.sent.head->qnext->data); /* a copy */
	IT_MEMEQ(t, fk.sent.head->data, fk.sent.head->qnext->data, 60);
	IT_EQ(t, drain_ids(&fk.sent, ids, 8), 4);
	IT_MEMEQ(t, ids, "\1\1\2\2", 4);
	IT_EQ(t, drain_ids(&fk.up, ids, 8), 2);
	IT_MEMEQ(t, ids, "\3\3", 2);
	IT_EQ(t, f.stats.duplicated, 3);

	/* No buffer for the copy: the original still passes. */
	struct ks_pbuf *p = frame(t, 4);
	t->st.pbufs.fail_next = 1;
	IT_EQ(t, ks_netdev_xmit(&f.dev, p), 0);
	IT_EQ(t, fk.sent.count, 1);
	fake_done(&fk);
}

static void t_fault_delay(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 5, .delay_ppm = KS_FAULT_PPM, .delay_ns = 10 * MS };
	uint8_t ids[4];

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, 1)), 0);
	t->clock_ns += 2 * MS;
	ks_netdev_rx(&fk.dev, frame(t, 2));
	IT_EQ(t, fk.sent.count + fk.up.count, 0);
	IT_EQ(t, ks_fault_poll(&f), IT_T0 + 10 * MS);
	t->clock_ns = IT_T0 + 10 * MS - 1;
	IT_EQ(t, ks_fault_poll(&f), IT_T0 + 10 * MS);
	IT_EQ(t, fk.sent.count, 0);
	t->clock_ns = IT_T0 + 10 * MS;
	IT_EQ(t, ks_fault_poll(&f), IT_T0 + 12 * MS);
	IT_EQ(t, drain_ids(&fk.sent, ids, 4), 1);
	IT_EQ(t, ids[0], 1);
	t->clock_ns += 5 * MS;
	IT_EQ(t, ks_fault_poll(&f), 0);
	IT_EQ(t, drain_ids(&fk.up, ids, 4), 1);
	IT_EQ(t, ids[0], 2);
	IT_EQ(t, f.stats.delayed, 2);

	/* Jitter: delays spread over [delay, delay + jitter). */
	cfg.jitter_ns = 100 * MS;
	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (uint8_t i = 0; i < 32; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, i)), 0);
	uint64_t first = ks_fault_poll(&f);
	IT_TRUE(t, first >= t->clock_ns + 10 * MS && first < t->clock_ns + 110 * MS);
	t->clock_ns += 60 * MS;
	(void)ks_fault_poll(&f); /* roughly half are due */
	IT_TRUE(t, fk.sent.count > 4 && fk.sent.count < 28);
	t->clock_ns += 50 * MS;
	IT_EQ(t, ks_fault_poll(&f), 0);
	IT_EQ(t, fk.sent.count, 32);
	fake_done(&fk);
}

static void t_fault_reorder(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 11, .reorder_ppm = KS_FAULT_PPM, .hold_ns = 50 * MS };
	uint8_t ids[64];
	bool seen[40] = { false };

	/* Every frame held, none passes: each leaves after hold_ns. */
	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, 1)), 0);
	IT_EQ(t, ks_fault_poll(&f), IT_T0 + 50 * MS);
	IT_EQ(t, fk.sent.count, 0);
	t->clock_ns += 50 * MS;
	IT_EQ(t, ks_fault_poll(&f), 0);
	IT_EQ(t, fk.sent.count, 1);
	fake_done(&fk);

	/* Half the frames held behind the next one: all arrive once, and some
	 * frame arrives right after its successor. */
	cfg.reorder_ppm = 500000;
	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (uint8_t i = 0; i < 40; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, i)), 0);
	ks_fault_flush(&f);
	IT_EQ(t, drain_ids(&fk.sent, ids, 64), 40);
	bool swapped = false;
	for (int i = 0; i < 40; i++) {
		IT_TRUE(t, ids[i] < 40 && !seen[ids[i]]);
		seen[ids[i]] = true;
		if (i > 0 && ids[i] + 1 == ids[i - 1])
			swapped = true;
	}
	IT_TRUE(t, swapped);
	IT_TRUE(t, f.stats.reordered > 10 && f.stats.reordered < 30);
	fake_done(&fk);
}

/* Sends 64 frames each way through a wrapper with every fault, moving the
 * clock, and records what came out (ids, direction marked by bit 7). */
static int fault_run(struct it_ctx *t, uint64_t seed, uint8_t *out, int max)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = {
		.seed = seed, .loss_ppm = 100000, .dup_ppm = 100000, .reorder_ppm = 100000,
		.delay_ppm = 200000, .delay_ns = 3 * MS, .jitter_ns = 5 * MS,
	};
	struct ks_pbuf *p;
	int n = 0;

	if (fault_setup(t, &fk, &f, &cfg))
		return -1;
	for (uint8_t i = 0; i < 64; i++) {
		(void)ks_netdev_xmit(&f.dev, frame(t, i)); /* the fake accepts all */
		ks_netdev_rx(&fk.dev, frame(t, (uint8_t)(0x80 | i)));
		t->clock_ns += 1 * MS;
		(void)ks_fault_poll(&f); /* the deadline is not needed */
		while ((p = ks_pbufq_pop(&fk.sent)) || (p = ks_pbufq_pop(&fk.up))) {
			if (n < max)
				out[n++] = p->data[14];
			ks_pbuf_free(p);
		}
	}
	ks_fault_destroy(&f);
	fake_done(&fk);
	return n;
}

static void t_fault_deterministic(struct it_ctx *t)
{
	uint8_t a[512], b[512], c[512];
	uint64_t t0 = t->clock_ns;

	int na = fault_run(t, 42, a, 512);
	t->clock_ns = t0;
	int nb = fault_run(t, 42, b, 512);
	t->clock_ns = t0;
	int nc = fault_run(t, 43, c, 512);
	IT_TRUE(t, na > 64);
	IT_EQ(t, na, nb);
	IT_MEMEQ(t, a, b, (size_t)na);
	IT_TRUE(t, na != nc || memcmp(a, c, (size_t)na) != 0);
}

/* Bursty loss: runs of burst_len frames, per direction, from a generator
 * of their own (the other faults decide as without bursts). */
static void t_fault_burst(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 9, .burst_ppm = 20000, .burst_len = 4 };
	bool sent[256] = { false };
	uint8_t ids[256];

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (int i = 0; i < 256; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, (uint8_t)i)), 0);
	IT_TRUE(t, f.stats.bursts > 0);
	IT_EQ(t, fk.sent.count + f.stats.lost, 256);
	int n = drain_ids(&fk.sent, ids, 256);
	for (int i = 0; i < n; i++)
		sent[ids[i]] = true;
	/* Every run of lost frames is a whole number of bursts, or a burst
	 * that another one extended. */
	for (int i = 0; i < 256;) {
		int run = 0;
		while (i + run < 256 && !sent[i + run])
			run++;
		IT_TRUE(t, run == 0 || run >= 4 || i + run == 256);
		i += run ? run : 1;
	}
	fake_done(&fk);

	/* The other draws are those of the same seed without bursts. */
	cfg = (struct ks_fault_config){ .seed = 9, .loss_ppm = 300000 };
	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (int i = 0; i < 64; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, (uint8_t)i)), 0);
	unsigned long plain = f.stats.lost;
	fake_done(&fk);
	cfg.burst_ppm = 1; /* a burst is unlikely in 64 frames */
	cfg.burst_len = 3;
	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (int i = 0; i < 64; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, (uint8_t)i)), 0);
	IT_EQ(t, f.stats.bursts, 0);
	IT_EQ(t, f.stats.lost, plain);
	fake_done(&fk);
}

static bool odd_id(void *arg, const struct ks_pbuf *p)
{
	(void)arg;
	return p->data[14] & 1;
}

/* ks_fault_drop_next loses the next frames its predicate picks, in the
 * direction asked for, and no more. */
static void t_fault_drop_next(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 1 };
	uint8_t ids[16];

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	ks_fault_drop_next(&f, KS_FAULT_TX, 2, odd_id, NULL);
	ks_netdev_rx(&fk.dev, frame(t, 1)); /* the other direction */
	for (uint8_t i = 2; i < 8; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, i)), 0);
	IT_EQ(t, drain_ids(&fk.sent, ids, 16), 4);
	IT_MEMEQ(t, ids, "\2\4\6\7", 4);
	IT_EQ(t, drain_ids(&fk.up, ids, 16), 1);
	IT_EQ(t, f.stats.lost, 2);
	fake_done(&fk);
}

/* Many frames held (a 50 ms delay of a bulk transfer): they leave in
 * deadline order, ties in arrival order. */
static void t_fault_delay_many(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .seed = 13, .delay_ppm = KS_FAULT_PPM, .delay_ns = 10 * MS,
				       .jitter_ns = 4 * MS };
	static uint8_t ids[2000];
	uint64_t last = 0;

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (int i = 0; i < 2000; i++) {
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, (uint8_t)i)), 0);
		if (i % 100 == 99)
			t->clock_ns += MS;
	}
	IT_EQ(t, f.stats.delayed, 2000);
	IT_EQ(t, f.stats.overflow, 0);
	while (f.nheld) {
		uint64_t due = f.held[0].due;
		IT_TRUE(t, due >= last);
		last = due;
		t->clock_ns = due;
		(void)ks_fault_poll(&f);
	}
	IT_EQ(t, drain_ids(&fk.sent, ids, 2000), 2000);
	fake_done(&fk);
}

static void t_fault_destroy_frees(struct it_ctx *t)
{
	static struct ks_fault f;
	struct fake fk;
	struct ks_fault_config cfg = { .delay_ppm = KS_FAULT_PPM, .delay_ns = MS };

	IT_EQ(t, fault_setup(t, &fk, &f, &cfg), 0);
	for (int i = 0; i < KS_FAULT_HELD_MAX + 3; i++)
		IT_EQ(t, ks_netdev_xmit(&f.dev, frame(t, (uint8_t)i)), 0);
	IT_EQ(t, f.nheld, KS_FAULT_HELD_MAX);
	IT_EQ(t, f.stats.overflow, 3);
	IT_EQ(t, fk.sent.count, 3);
	ks_fault_destroy(&f); /* the runner checks nothing leaked */
	fake_done(&fk);
}

/* ---- pcap ---- */

struct membuf {
	uint8_t b[4096];
	size_t n;
	int fail; /* the next write fails */
};

static int mem_write(void *arg, const void *buf, size_t len)
{
	struct membuf *m = arg;

	if (m->fail) {
		m->fail = 0;
		return -KS_EIO;
	}
	if (m->n + len > sizeof(m->b))
		return -KS_ENOSPC;
	memcpy(m->b + m->n, buf, len);
	m->n += len;
	return 0;
}

static const uint8_t pcap_hdr_eth[24] = {
	0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, /* magic, 2.4 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* thiszone, sigfigs */
	0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* snaplen 65535, Ethernet */
};

static void t_pcap_global_header(struct it_ctx *t)
{
	static struct ks_pcap c;
	static struct membuf m;
	struct fake fk;
	struct ks_pcap_config cfg = { .write = mem_write, .write_arg = &m };
	uint8_t h[24];

	memset(&m, 0, sizeof(m));
	fake_init(&fk, t);
	IT_EQ(t, ks_pcap_init(&c, &t->st, &fk.dev, &cfg), 0);
	IT_EQ(t, m.n, 24);
	IT_MEMEQ(t, m.b, pcap_hdr_eth, 24);
	ks_pcap_global_header(h, KS_PCAP_LINKTYPE_RAW, 256);
	IT_MEMEQ(t, h, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0"
		       "\x00\x01\x00\x00\x65\x00\x00\x00", 24);
	fk.dev.link = KS_NETDEV_LINK_NONE;
	m.n = 0;
	cfg.snaplen = 256;
	IT_EQ(t, ks_pcap_init(&c, &t->st, &fk.dev, &cfg), 0);
	IT_MEMEQ(t, m.b, h, 24);
	cfg.write = NULL;
	IT_EQ(t, ks_pcap_init(&c, &t->st, &fk.dev, &cfg), -KS_EINVAL);
	cfg.write = mem_write;
	m.fail = 1;
	IT_EQ(t, ks_pcap_init(&c, &t->st, &fk.dev, &cfg), -KS_EIO);
	IT_EQ(t, c.stats.write_errors, 1);
}

static void t_pcap_records(struct it_ctx *t)
{
	static struct ks_pcap c;
	static struct membuf m;
	struct fake fk;
	struct ks_pcap_config cfg = { .write = mem_write, .write_arg = &m };
	struct ks_pcap_stats s;
	struct ks_pbuf *p;
	static const uint8_t rec1[16] = {
		0x02, 0, 0, 0, 0x20, 0xa1, 0x07, 0, /* 2 s, 500000 us */
		42, 0, 0, 0, 42, 0, 0, 0,           /* incl_len, orig_len */
	};
	static const uint8_t rec2[16] = {
		0x03, 0, 0, 0, 0x01, 0, 0, 0, /* 3 s, 1 us */
		47, 0, 0, 0, 47, 0, 0, 0,
	};

	memset(&m, 0, sizeof(m));
	fake_init(&fk, t);
	IT_EQ(t, ks_pcap_init(&c, &t->st, &fk.dev, &cfg), 0);
	ks_netdev_attach(&c.dev, fake_up, &fk);

	/* Transmitted: the ARP request at 2.5 s. */
	t->clock_ns = 2500000000ull;
	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 16, 42, &p), 0);
	memcpy(p->data, it_frame_arp_request, 42);
	IT_EQ(t, ks_netdev_xmit(&c.dev, p), 0);
	IT_EQ(t, fk.sent.count, 1);
	IT_EQ(t, m.n, 24 + 16 + 42);
	IT_MEMEQ(t, m.b + 24, rec1, 16);
	IT_MEMEQ(t, m.b + 40, it_frame_arp_request, 42);

	/* Received, as a chain of two segments, at 3.000001999 s. */
	t->clock_ns = 3000001999ull;
	struct ks_pbuf *tail;
	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 0, 20, &p), 0);
	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 0, 27, &tail), 0);
	memcpy(p->data, it_frame_udp, 20);
	memcpy(tail->data, it_frame_udp + 20, 27);
	ks_pbuf_cat(p, tail);
	ks_netdev_rx(&fk.dev, p);
	IT_EQ(t, fk.up.count, 1);
	IT_EQ(t, m.n, 24 + 16 + 42 + 16 + 47);
	IT_MEMEQ(t, m.b + 82, rec2, 16);
	IT_MEMEQ(t, m.b + 98, it_frame_udp, 47);
	ks_pcap_stats_get(&c, &s);
	IT_EQ(t, s.records, 2);
	IT_EQ(t, s.write_errors, 0);
	fake_done(&fk);
}

static void t_pcap_snaplen_and_errors(struct it_ctx *t)
{
	static struct ks_pcap c;
	static struct membuf m;
	struct fake fk;
	struct ks_pcap_config cfg = { .write = mem_write, .write_arg = &m, .snaplen = 20 };
	struct ks_pbuf *p;
	struct ks_pcap_stats s;

	memset(&m, 0, sizeof(m));
	fake_init(&fk, t);
	IT_EQ(t, ks_pcap_init(&c, &t->st, &fk.dev, &cfg), 0);
	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 16, 47, &p), 0);
	memcpy(p->data, it_frame_udp, 47);
	IT_EQ(t, ks_netdev_xmit(&c.dev, p), 0);
	IT_EQ(t, m.n, 24 + 16 + 20);
	IT_EQ(t, m.b[24 + 8], 20); /* incl_len */
	IT_EQ(t, m.b[24 + 12], 47); /* orig_len */
	IT_MEMEQ(t, m.b + 40, it_frame_udp, 20);

	/* A refused write is counted; the frame still passes. */
	m.fail = 1;
	IT_EQ(t, ks_netdev_xmit(&c.dev, frame(t, 9)), 0);
	ks_pcap_stats_get(&c, &s);
	IT_EQ(t, s.records, 1);
	IT_EQ(t, s.write_errors, 1);
	IT_EQ(t, fk.sent.count, 2);
	fake_done(&fk);
}

/* pcap over fault over the fake: captured frames are those the stack
 * sent, before the faults. */
static void t_pcap_stacked(struct it_ctx *t)
{
	static struct ks_pcap c;
	static struct ks_fault f;
	static struct membuf m;
	struct fake fk;
	struct ks_fault_config fcfg = { .loss_ppm = KS_FAULT_PPM };
	struct ks_pcap_config pcfg = { .write = mem_write, .write_arg = &m };

	memset(&m, 0, sizeof(m));
	fake_init(&fk, t);
	IT_EQ(t, ks_fault_init(&f, &t->st, &fk.dev, &fcfg), 0);
	IT_EQ(t, ks_pcap_init(&c, &t->st, &f.dev, &pcfg), 0);
	ks_netdev_attach(&c.dev, fake_up, &fk);
	IT_EQ(t, ks_netdev_open(&c.dev), 0);
	IT_TRUE(t, ks_netdev_is_up(&fk.dev));
	IT_EQ(t, ks_netdev_xmit(&c.dev, frame(t, 1)), 0);
	IT_EQ(t, fk.sent.count, 0);
	IT_EQ(t, c.stats.records, 1);
	ks_netdev_rx(&fk.dev, frame(t, 2)); /* lost below the capture */
	IT_EQ(t, c.stats.records, 1);
	ks_netdev_stop(&c.dev);
	IT_TRUE(t, !ks_netdev_is_up(&fk.dev));
	fake_done(&fk);
}

const struct it_case it_cases_netdev[] = {
	{ "basics", t_netdev_basics },
	{ "alloc_rx", t_netdev_alloc_rx },
	{ "fault_passthrough", t_fault_passthrough },
	{ "fault_loss", t_fault_loss },
	{ "fault_duplicate", t_fault_duplicate },
	{ "fault_delay", t_fault_delay },
	{ "fault_reorder", t_fault_reorder },
	{ "fault_deterministic", t_fault_deterministic },
	{ "fault_destroy_frees", t_fault_destroy_frees },
	{ "fault_burst", t_fault_burst },
	{ "fault_drop_next", t_fault_drop_next },
	{ "fault_delay_many", t_fault_delay_many },
	{ "pcap_global_header", t_pcap_global_header },
	{ "pcap_records", t_pcap_records },
	{ "pcap_snaplen_and_errors", t_pcap_snaplen_and_errors },
	{ "pcap_stacked", t_pcap_stacked },
	{ 0 },
};

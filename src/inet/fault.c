/*
 * fault.c - the fault-injecting device wrapper (fault.h).
 *
 * Every entry works the same way: under the lock, decide each frame's fate
 * and collect the frames that leave now in two local queues (one per
 * direction, through qnext, in the order they leave); then add them to the
 * wrapper's outgoing queues and, unless another thread is at it, pass
 * those on, unlocked: down with ks_netdev_xmit on the lower device, up with
 * ks_netdev_rx on the wrapper (fault_drain).
 */
#include "fault.h"

#include "../core/socket.h" /* KS_ASSERT */

#define FAULT_HOLD_DEFAULT_NS 1000000000ull

struct fault_out {
	struct ks_pbuf_queue tx, rx;
};

static void fault_lock(struct ks_fault *f)
{
	if (f->cfg.lock)
		f->cfg.lock(f->cfg.lock_arg);
}

static void fault_unlock(struct ks_fault *f)
{
	if (f->cfg.unlock)
		f->cfg.unlock(f->cfg.lock_arg);
}

/* splitmix64 (Steele, Lea, Flood 2014): small, fast, full period. */
static uint64_t fault_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t fault_rand(struct ks_fault *f)
{
	return fault_next(&f->rng);
}

static bool fault_chance(struct ks_fault *f, uint32_t ppm)
{
	return fault_rand(f) % KS_FAULT_PPM < ppm;
}

/* Whether the frame is lost to a burst (fault.h): one draw of the burst
 * generator per frame while bursts are configured. */
static bool fault_burst(struct ks_fault *f, unsigned dir)
{
	uint32_t *left = &f->burst_left[dir == KS_FAULT_RX];

	if (!f->cfg.burst_ppm || !f->cfg.burst_len)
		return false;
	bool start = fault_next(&f->burst_rng) % KS_FAULT_PPM < f->cfg.burst_ppm;
	if (*left) {
		(*left)--;
		return true;
	}
	if (!start)
		return false;
	f->stats.bursts++;
	*left = f->cfg.burst_len - 1;
	return true;
}

static void out_push(struct fault_out *o, unsigned dir, struct ks_pbuf *p)
{
	ks_pbufq_push(dir == KS_FAULT_TX ? &o->tx : &o->rx, p);
}

/* The held frames are a binary min-heap ordered by (due, seq). */
static bool held_before(const struct ks_fault_held *a, const struct ks_fault_held *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void held_swap(struct ks_fault *f, uint32_t i, uint32_t j)
{
	struct ks_fault_held t = f->held[i];

	f->held[i] = f->held[j];
	f->held[j] = t;
}

static void heap_up(struct ks_fault *f, uint32_t i)
{
	while (i && held_before(&f->held[i], &f->held[(i - 1) / 2])) {
		held_swap(f, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct ks_fault *f, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < f->nheld && held_before(&f->held[l], &f->held[m]))
			m = l;
		if (l + 1 < f->nheld && held_before(&f->held[l + 1], &f->held[m]))
			m = l + 1;
		if (m == i)
			return;
		held_swap(f, i, m);
		i = m;
	}
}

/* Takes held frame i out of the heap and returns its packet. */
static struct ks_pbuf *heap_take(struct ks_fault *f, uint32_t i)
{
	struct ks_pbuf *p = f->held[i].p;

	if (f->held[i].behind_next)
		f->nbehind--;
	f->held[i] = f->held[--f->nheld];
	if (i < f->nheld) {
		heap_up(f, i);
		heap_down(f, i);
	}
	return p;
}

static bool fault_hold(struct ks_fault *f, struct ks_pbuf *p, unsigned dir, uint64_t due,
		       bool behind_next)
{
	if (f->nheld == KS_FAULT_HELD_MAX)
		return false;
	f->held[f->nheld++] = (struct ks_fault_held){
		.p = p, .due = due, .seq = f->seq++, .dir = dir, .behind_next = behind_next,
	};
	f->nbehind += behind_next;
	heap_up(f, f->nheld - 1);
	return true;
}

/* The index of the held frame to leave first among those that may leave
 * (due by now, or reordered behind a frame that passed in dir if dir is
 * not 0), or -1. The heap's top is the first of all; only when it is not
 * due are the reordered frames looked through. */
static int fault_pick(const struct ks_fault *f, uint64_t now, unsigned dir)
{
	int best = -1;

	if (!f->nheld)
		return -1;
	if (f->held[0].due <= now)
		return 0;
	if (!dir || !f->nbehind)
		return -1;
	for (uint32_t i = 0; i < f->nheld; i++) {
		const struct ks_fault_held *h = &f->held[i];

		if (h->behind_next && h->dir == dir && (best < 0 || held_before(h, &f->held[best])))
			best = (int)i;
	}
	return best;
}

/* Moves every held frame that may leave (see fault_pick) to o, in order. */
static void fault_release(struct ks_fault *f, uint64_t now, unsigned dir, struct fault_out *o)
{
	for (int i = fault_pick(f, now, dir); i >= 0; i = fault_pick(f, now, dir)) {
		unsigned d = f->held[i].dir;

		out_push(o, d, heap_take(f, (uint32_t)i));
	}
}

/* Decides the fate of p (and of a duplicate of it), under the lock. The
 * five draws are made for every frame, whatever the outcome, so one
 * probability's setting does not shift the others' decisions. */
static void fault_decide(struct ks_fault *f, unsigned dir, struct ks_pbuf *p, uint64_t now,
			 struct fault_out *o)
{
	bool lose = fault_chance(f, f->cfg.loss_ppm);
	bool dup = fault_chance(f, f->cfg.dup_ppm);
	bool reorder = fault_chance(f, f->cfg.reorder_ppm);
	bool delay = fault_chance(f, f->cfg.delay_ppm);
	uint64_t jitter = fault_rand(f) % (f->cfg.jitter_ns ? f->cfg.jitter_ns : 1);
	struct ks_pbuf *copy = NULL;
	uint64_t due = now;

	if (fault_burst(f, dir) || lose) {
		f->stats.lost++;
		ks_pbuf_free(p);
		return;
	}
	if (dup && ks_pbuf_copy(p->pool, p, ks_pbuf_headroom(p), &copy) == 0)
		f->stats.duplicated++;
	if (reorder || delay) {
		due = reorder ? now + f->cfg.hold_ns : now + f->cfg.delay_ns + jitter;
		if (f->nheld + (copy ? 2u : 1u) <= KS_FAULT_HELD_MAX) {
			fault_hold(f, p, dir, due, reorder);
			if (copy)
				fault_hold(f, copy, dir, due, reorder);
			if (reorder)
				f->stats.reordered++;
			else
				f->stats.delayed++;
			return;
		}
		f->stats.overflow++;
	}
	f->stats.passed++;
	out_push(o, dir, p);
	if (copy)
		out_push(o, dir, copy);
	fault_release(f, now, dir, o); /* frames reordered behind this one */
}

/* Passes on what o holds, unlocked; returns the result of transmitting
 * first (0 if it is not in o). */
static int fault_pass(struct ks_fault *f, struct fault_out *o, const struct ks_pbuf *first)
{
	struct ks_pbuf *p;
	int rc = 0;

	while ((p = ks_pbufq_pop(&o->tx))) {
		int r = ks_netdev_xmit(f->lower, p);

		if (p == first)
			rc = r;
	}
	while ((p = ks_pbufq_pop(&o->rx)))
		ks_netdev_rx(&f->dev, p);
	return rc;
}

/* Called locked; returns unlocked. Adds o to the outgoing queues and, unless
 * another thread is passing frames on, passes them all on (fault.h,
 * Locking); returns the result of transmitting first if this thread
 * passed it, else 0. */
static int fault_drain(struct ks_fault *f, struct fault_out *o, const struct ks_pbuf *first)
{
	struct ks_pbuf *p;
	int rc = 0;

	while ((p = ks_pbufq_pop(&o->tx)))
		ks_pbufq_push(&f->out_tx, p);
	while ((p = ks_pbufq_pop(&o->rx)))
		ks_pbufq_push(&f->out_rx, p);
	if (f->passing) {
		fault_unlock(f);
		return 0;
	}
	f->passing = true;
	while (f->out_tx.count || f->out_rx.count) {
		struct fault_out batch = { f->out_tx, f->out_rx };

		ks_pbufq_init(&f->out_tx);
		ks_pbufq_init(&f->out_rx);
		fault_unlock(f);
		int r = fault_pass(f, &batch, first);
		if (r)
			rc = r;
		fault_lock(f);
	}
	f->passing = false;
	fault_unlock(f);
	return rc;
}

static int fault_frame(struct ks_fault *f, unsigned dir, struct ks_pbuf *p)
{
	struct fault_out o;

	ks_pbufq_init(&o.tx);
	ks_pbufq_init(&o.rx);
	fault_lock(f);
	uint64_t now = ks_inet_now(f->st);
	fault_release(f, now, 0, &o); /* what is due leaves before p */
	if (f->drop_left && f->drop_dir == dir && f->drop_match(f->drop_arg, p)) {
		f->drop_left--;
		f->stats.lost++;
		ks_pbuf_free(p);
	} else if (f->cfg.dirs & dir) {
		fault_decide(f, dir, p, now, &o);
	} else {
		f->stats.passed++;
		out_push(&o, dir, p);
	}
	/* p may be freed by now; it is only compared, never read. */
	return fault_drain(f, &o, p);
}

static int fault_xmit(struct ks_netdev *dev, struct ks_pbuf *p)
{
	return fault_frame(dev->priv, KS_FAULT_TX, p);
}

static void fault_rx(void *arg, struct ks_netdev *lower, struct ks_pbuf *p)
{
	(void)lower; /* always f->lower */
	(void)fault_frame(arg, KS_FAULT_RX, p); /* receive has no result */
}

static int fault_open(struct ks_netdev *dev)
{
	struct ks_fault *f = dev->priv;

	return ks_netdev_open(f->lower);
}

static void fault_stop(struct ks_netdev *dev)
{
	struct ks_fault *f = dev->priv;

	ks_netdev_stop(f->lower);
}

static const struct ks_netdev_ops fault_ops = {
	.xmit = fault_xmit,
	.open = fault_open,
	.stop = fault_stop,
};

int ks_fault_init(struct ks_fault *f, struct ks_inet_stack *st, struct ks_netdev *lower,
		  const struct ks_fault_config *cfg)
{
	if (cfg->loss_ppm > KS_FAULT_PPM || cfg->dup_ppm > KS_FAULT_PPM ||
	    cfg->reorder_ppm > KS_FAULT_PPM || cfg->delay_ppm > KS_FAULT_PPM)
		return -KS_EINVAL;
	__builtin_memset(f, 0, sizeof(*f));
	ks_netdev_init(&f->dev, &fault_ops, f, lower->name);
	ks_netdev_inherit(&f->dev, lower);
	f->lower = lower;
	f->st = st;
	f->cfg = *cfg;
	if (!f->cfg.dirs)
		f->cfg.dirs = KS_FAULT_TX | KS_FAULT_RX;
	if (!f->cfg.hold_ns)
		f->cfg.hold_ns = FAULT_HOLD_DEFAULT_NS;
	f->rng = cfg->seed;
	ks_pbufq_init(&f->out_tx);
	ks_pbufq_init(&f->out_rx);
	f->burst_rng = cfg->seed ^ 0x6275727374ull; /* "burst": another sequence */
	ks_netdev_attach(lower, fault_rx, f);
	return 0;
}

uint64_t ks_fault_poll(struct ks_fault *f)
{
	struct fault_out o;
	uint64_t next = 0;

	ks_pbufq_init(&o.tx);
	ks_pbufq_init(&o.rx);
	fault_lock(f);
	fault_release(f, ks_inet_now(f->st), 0, &o);
	if (f->nheld)
		next = f->held[0].due;
	(void)fault_drain(f, &o, NULL); /* no caller waits for these results */
	return next;
}

void ks_fault_flush(struct ks_fault *f)
{
	struct fault_out o;

	ks_pbufq_init(&o.tx);
	ks_pbufq_init(&o.rx);
	fault_lock(f);
	fault_release(f, UINT64_MAX, 0, &o);
	(void)fault_drain(f, &o, NULL); /* as poll */
}

void ks_fault_drop_next(struct ks_fault *f, unsigned dir, uint32_t n,
			bool (*match)(void *arg, const struct ks_pbuf *p), void *arg)
{
	fault_lock(f);
	f->drop_dir = dir;
	f->drop_match = match;
	f->drop_arg = arg;
	f->drop_left = match ? n : 0;
	fault_unlock(f);
}

void ks_fault_destroy(struct ks_fault *f)
{
	fault_lock(f);
	while (f->nheld)
		ks_pbuf_free(f->held[--f->nheld].p);
	fault_unlock(f);
}

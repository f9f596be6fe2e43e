/*
 * fault.h - a fault-injecting device wrapper: loss, duplication,
 * reordering and delay on any ks_netdev, repeatable from a seed.
 *
 * Object model. struct ks_fault is a ks_netdev (f->dev) stacked on a lower
 * device: the stack (or another wrapper) transmits on f->dev and attaches
 * its upcall to f->dev; the wrapper attaches itself to the lower device's
 * upcall. Each frame that passes, in each direction chosen (cfg.dirs),
 * draws from the wrapper's pseudo-random generator (splitmix64, seeded
 * with cfg.seed) in a fixed order: lost? duplicated? reordered? delayed
 * (and by how much)? A lost frame is freed. Bursty loss is a second
 * generator's (seeded from cfg.seed too, so that turning it on changes no
 * other decision): a frame starts a burst with probability burst_ppm, and
 * it and the burst_len - 1 frames after it in the same direction are lost
 * (a two-state Gilbert model whose bad state always loses and lasts a
 * fixed number of frames). ks_fault_drop_next loses the next frames a
 * caller's predicate picks (a transfer's last segments, say), whatever
 * the draws say. A duplicate is a copy sent
 * right after the original. A reordered frame is held until the next
 * frame in the same direction has passed, then follows it (or, if none
 * comes, until cfg.hold_ns on the stack's clock). A delayed frame is held
 * until now + delay_ns + a draw below jitter_ns. Held frames leave in
 * deadline order (ties in the order they came) when ks_fault_poll runs or
 * any frame passes; they wait in a binary heap ordered by (deadline,
 * arrival), so a 50 ms delay of a bulk transfer (a few thousand frames in
 * flight) costs a logarithm per frame. With the same seed, configuration, frames and clock
 * readings, the same faults happen: tests are repeatable.
 *
 * Time is the stack's clock (ks_inet_now(st)); nothing leaves the wrapper
 * on its own: call ks_fault_poll after moving the clock (a test) or from
 * a timer armed for ks_fault_poll's return value (production).
 *
 * Interface:
 *   ks_fault_init(f, st, lower, cfg) - attaches to lower
 *   f->dev                           - the device to transmit on / attach to
 *   ks_fault_poll(f)                 - releases what is due; next deadline
 *   ks_fault_flush(f)                - releases everything held, now
 *   ks_fault_drop_next(f, dir, n, match, arg) - loses the next n frames
 *                                      in dir for which match is true
 *   ks_fault_destroy(f)              - frees everything held
 *
 * Locking. The generator and the held frames are guarded by cfg.lock /
 * cfg.unlock when given (a leaf lock; needed when transmit and receive run
 * in different threads, as over TAP); without them the caller serialises
 * every entry (the single-threaded tests). Frames are passed on with the
 * lock released, by one thread at a time and in the order they were
 * released: a thread that finds another passing leaves its frames in the
 * wrapper's outgoing queues for that one (and its xmit returns 0), so
 * that frames released by two threads at once cannot overtake each other
 * (which a 50 ms delay of a bulk transfer would otherwise turn into
 * reordering).
 *
 * Contexts: xmit and the upcall follow netdev.h (never sleep); poll,
 * flush: any context that may transmit (no socket lock held).
 *
 * Ownership: as any device: its xmit and upcall take the pbuf; held frames
 * are the wrapper's until they leave or ks_fault_destroy frees them.
 *
 * Not supported: corruption of bytes, bandwidth limits, a Gilbert-Elliott
 * model whose states lose with other probabilities or last a random
 * number of frames.
 */
#ifndef KS_INET_FAULT_H
#define KS_INET_FAULT_H

#include "netdev.h"
#include "stack.h"

#define KS_FAULT_TX (1u << 0) /* frames going down to the lower device */
#define KS_FAULT_RX (1u << 1) /* frames coming up from it */
#define KS_FAULT_PPM 1000000u /* probabilities are in parts per million */
#define KS_FAULT_HELD_MAX 4096 /* frames held at once; more pass unharmed */

struct ks_fault_config {
	uint64_t seed;
	unsigned dirs;           /* KS_FAULT_TX | KS_FAULT_RX; 0 means both */
	uint32_t loss_ppm;       /* probability a frame is lost */
	uint32_t dup_ppm;        /* ... duplicated */
	uint32_t reorder_ppm;    /* ... held behind the next frame */
	uint32_t delay_ppm;      /* ... delayed */
	uint64_t delay_ns;       /* a delayed frame's delay ... */
	uint64_t jitter_ns;      /* ... plus a uniform draw in [0, jitter_ns) */
	uint64_t hold_ns;        /* longest a reordered frame waits; 0: 1 s */
	uint32_t burst_ppm;      /* probability a frame starts a burst of loss */
	uint32_t burst_len;      /* frames lost in a burst, that one included */
	void (*lock)(void *arg); /* optional: see Locking */
	void (*unlock)(void *arg);
	void *lock_arg;
};

/* Counters (under the lock, or read when the wrapper is quiet). */
struct ks_fault_stats {
	unsigned long passed, lost, duplicated, reordered, delayed;
	unsigned long bursts;   /* bursts started (their frames count in lost) */
	unsigned long overflow; /* faults not applied: held frames at maximum */
};

struct ks_fault_held {
	struct ks_pbuf *p;
	uint64_t due;
	uint64_t seq;      /* arrival order, for ties */
	unsigned dir;      /* KS_FAULT_TX or KS_FAULT_RX */
	bool behind_next;  /* reordered: leaves once the next frame has passed */
};

struct ks_fault {
	struct ks_netdev dev;   /* the wrapper as a device */
	struct ks_netdev *lower;
	struct ks_inet_stack *st;
	struct ks_fault_config cfg;
	uint64_t rng;
	uint64_t burst_rng;     /* bursts draw from their own generator */
	uint32_t burst_left[2]; /* frames still to lose, per direction (TX, RX) */
	uint64_t seq;
	struct ks_fault_held held[KS_FAULT_HELD_MAX]; /* a min-heap by (due, seq) */
	uint32_t nheld;
	uint32_t nbehind;       /* held frames that wait for the next one (reordered) */
	struct ks_pbuf_queue out_tx, out_rx; /* released, not yet passed on */
	bool passing;           /* a thread is passing them on */
	unsigned drop_dir;      /* ks_fault_drop_next's request */
	uint32_t drop_left;
	bool (*drop_match)(void *arg, const struct ks_pbuf *p);
	void *drop_arg;
	struct ks_fault_stats stats;
};

/* Initialises f over lower (attaching f to lower's upcall) with cfg;
 * f->dev inherits lower's MTU, MAC, link type and offloads, and its name.
 * Returns 0 or -KS_EINVAL (a probability above KS_FAULT_PPM). */
int ks_fault_init(struct ks_fault *f, struct ks_inet_stack *st, struct ks_netdev *lower,
		  const struct ks_fault_config *cfg);
/* Passes on every held frame that is due at the stack's time; returns the
 * next deadline (stack time), or 0 if nothing is held. */
uint64_t ks_fault_poll(struct ks_fault *f);
/* Passes on every held frame now, in deadline order. */
void ks_fault_flush(struct ks_fault *f);
/* The next n frames in direction dir (KS_FAULT_TX or KS_FAULT_RX) for
 * which match(arg, frame) is true are lost (counted in lost); match runs
 * under the wrapper's lock, may only read the frame and is called until n
 * frames matched or the next call replaces the request (n = 0 cancels).
 * For tests that must lose particular frames, such as a transfer's last
 * segments. */
void ks_fault_drop_next(struct ks_fault *f, unsigned dir, uint32_t n,
			bool (*match)(void *arg, const struct ks_pbuf *p), void *arg);
/* Frees every held frame. The lower device must be stopped first. */
void ks_fault_destroy(struct ks_fault *f);

#endif

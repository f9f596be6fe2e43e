/*
 * test_stack.c - the stack structure: its clock (the case's fake clock,
 * or the port's by default), reset, the pool limit from the
 * configuration, drop counting and drop names.
 */
#include <string.h>

#include "it.h"

static void t_fake_clock(struct it_ctx *t)
{
	IT_EQ(t, ks_inet_now(&t->st), IT_T0);
	t->clock_ns += 30ull * 1000000000; /* 30 s later, instantly */
	IT_EQ(t, ks_inet_now(&t->st), IT_T0 + 30ull * 1000000000);
}

static void t_default_clock(struct it_ctx *t)
{
	struct ks_inet_stack st;

	IT_EQ(t, ks_inet_stack_init(&st, NULL), 0);
	it_port_set_now(123456789);
	IT_EQ(t, ks_inet_now(&st), 123456789);
	it_port_set_now(42);
	IT_EQ(t, ks_inet_now(&st), 42);
}

static void t_config(struct it_ctx *t)
{
	struct ks_inet_stack st;
	struct ks_inet_config cfg = { .pbuf_max_bytes = -1 };
	struct ks_pbuf *p;

	IT_EQ(t, ks_inet_stack_init(&st, &cfg), -KS_EINVAL);
	cfg.pbuf_max_bytes = 4096;
	IT_EQ(t, ks_inet_stack_init(&st, &cfg), 0);
	IT_EQ(t, ks_pbuf_alloc(&st.pbufs, 0, 4096, &p), -KS_ENOBUFS);
	IT_EQ(t, ks_pbuf_alloc(&st.pbufs, 0, 1024, &p), 0);
	ks_pbuf_free(p);
}

/* Reset zeroes the counters but keeps counting packets held elsewhere, so
 * a leak across a reset still shows. */
static void t_reset(struct it_ctx *t)
{
	struct ks_pbuf *p;

	IT_EQ(t, ks_pbuf_alloc(&t->st.pbufs, 0, 10, &p), 0);
	ks_inet_count_drop(&t->st, -KS_DROP_TRUNCATED);
	t->st.pbufs.fail_next = 5;
	ks_inet_stack_reset(&t->st);
	IT_EQ(t, it_drops_total(&t->st), 0);
	IT_EQ(t, t->st.pbufs.fail_next, 0);
	IT_EQ(t, ks_pbuf_pool_live(&t->st.pbufs), 1);
	IT_EQ(t, ks_inet_now(&t->st), IT_T0); /* same clock */
	ks_pbuf_free(p);
	IT_EQ(t, ks_pbuf_pool_live(&t->st.pbufs), 0);
}

/* Drop reasons are counted by name; memory errors count as no_memory;
 * other errors and successes are not drops; nothing is changed. */
static void t_count_drop(struct it_ctx *t)
{
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_DROP_BAD_CHECKSUM), -KS_DROP_BAD_CHECKSUM);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_DROP_BAD_CHECKSUM), -KS_DROP_BAD_CHECKSUM);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_DROP_NO_MEMORY), -KS_DROP_NO_MEMORY);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_ENOMEM), -KS_ENOMEM);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_ENOBUFS), -KS_ENOBUFS);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_EINVAL), -KS_EINVAL);
	IT_EQ(t, ks_inet_count_drop(&t->st, 0), 0);
	IT_EQ(t, ks_inet_count_drop(&t->st, 20), 20);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_DROP_FIRST + 1), -KS_DROP_FIRST + 1);
	IT_EQ(t, ks_inet_count_drop(&t->st, -KS_DROP_END_), -KS_DROP_END_);
	IT_EQ(t, t->st.drops.bad_checksum, 2);
	IT_EQ(t, t->st.drops.no_memory, 3);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_BAD_CHECKSUM), 2);
	IT_EQ(t, ks_inet_drops_get(&t->st, KS_DROP_END_), 0);
	IT_EQ(t, it_drops_total(&t->st), 5);
}

/* Every reason has a distinct name, the counter field of that name sits
 * at its index, and no reason is an errno. */
static void t_drop_names(struct it_ctx *t)
{
	IT_TRUE(t, strcmp(ks_inet_drop_name(KS_DROP_TRUNCATED), "truncated") == 0);
	IT_TRUE(t, strcmp(ks_inet_drop_name(KS_DROP_NO_MEMORY), "no_memory") == 0);
	IT_TRUE(t, strcmp(ks_inet_drop_name(KS_DROP_END_), "?") == 0);
	IT_TRUE(t, strcmp(ks_inet_drop_name((enum ks_drop)0), "?") == 0);
	for (int r = KS_DROP_FIRST; r < KS_DROP_END_; r++) {
		IT_TRUE(t, ks_is_drop(-r) && r > 4095);
		for (int s = r + 1; s < KS_DROP_END_; s++)
			IT_TRUE(t, strcmp(ks_inet_drop_name(r), ks_inet_drop_name(s)) != 0);
	}
	unsigned long *by = t->st.drops.by_reason;
	IT_TRUE(t, &t->st.drops.truncated == &by[KS_DROP_TRUNCATED - KS_DROP_FIRST]);
	IT_TRUE(t, &t->st.drops.bad_quote == &by[KS_DROP_BAD_QUOTE - KS_DROP_FIRST]);
	IT_TRUE(t, &t->st.drops.no_memory == &by[KS_DROP_NO_MEMORY - KS_DROP_FIRST]);
	IT_TRUE(t, &t->st.drops.rcvbuf_full == &by[KS_DROP_RCVBUF_FULL - KS_DROP_FIRST]);
	IT_TRUE(t, &t->st.drops.frag_memory == &by[KS_DROP_FRAG_MEMORY - KS_DROP_FIRST]);
	IT_TRUE(t, &t->st.drops.arp_queue_full == &by[KS_DROP_ARP_QUEUE_FULL - KS_DROP_FIRST]);
	IT_TRUE(t, &t->st.drops.arp_failed == &by[KS_DROP_COUNT - 1]);
	IT_TRUE(t, !ks_is_drop(-KS_ENOMEM) && !ks_is_drop(-4095) && !ks_is_drop(0));
}

const struct it_case it_cases_stack[] = {
	{ "fake_clock", t_fake_clock },
	{ "default_clock", t_default_clock },
	{ "config", t_config },
	{ "reset", t_reset },
	{ "count_drop", t_count_drop },
	{ "drop_names", t_drop_names },
	{ 0 },
};

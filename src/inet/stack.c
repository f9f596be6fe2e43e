/*
 * stack.c - initialisation, reset, clock and drop counters of the IPv4
 * stack. Object model, locking and what comes next: stack.h.
 */
#include "stack.h"

_Static_assert(sizeof(((struct ks_inet_drops *)0)->by_reason) == sizeof(struct ks_inet_drops),
	       "one counter per drop reason");

static const char *const drop_names[KS_DROP_COUNT] = {
#define KS_DROP_NAME_(u, l, d) #l,
	KS_INET_DROP_REASONS(KS_DROP_NAME_)
#undef KS_DROP_NAME_
};

static uint64_t port_clock(void *arg)
{
	(void)arg; /* the port's clock needs no context */
	return ks_port_now_ns();
}

int ks_inet_stack_init(struct ks_inet_stack *st, const struct ks_inet_config *cfg)
{
	__builtin_memset(st, 0, sizeof(*st));
	if (cfg) {
		if (cfg->pbuf_max_bytes < 0)
			return -KS_EINVAL;
		st->cfg = *cfg;
	}
	if (!st->cfg.now) {
		st->cfg.now = port_clock;
		st->cfg.now_arg = NULL;
	}
	ks_pbuf_pool_init(&st->pbufs, st->cfg.pbuf_max_bytes);
	ks_ipfrag_init(&st->frag);
	ks_pmtu_init(&st->pmtu);
	st->tcp_ecn = KS_TCP_ECN_PASSIVE;
	return 0;
}

void ks_inet_stack_reset(struct ks_inet_stack *st)
{
	/* The queues, caches and tables of the next steps are emptied here. */
	ks_ipfrag_reset(&st->frag);
	ks_pmtu_reset(&st->pmtu);
	__builtin_memset(&st->drops, 0, sizeof(st->drops));
	__atomic_store_n(&st->pbufs.peak_bytes, __atomic_load_n(&st->pbufs.bytes_live,
								 __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&st->pbufs.allocs, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->pbufs.failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->pbufs.fail_next, 0, __ATOMIC_RELAXED);
}

bool ks_inet_clock_is_port(const struct ks_inet_stack *st)
{
	return st->cfg.now == port_clock;
}

uint64_t ks_inet_now(const struct ks_inet_stack *st)
{
	return st->cfg.now(st->cfg.now_arg);
}

int ks_inet_count_drop(struct ks_inet_stack *st, int rc)
{
	int reason;

	if (ks_is_drop(rc))
		reason = -rc;
	else if (rc == -KS_ENOMEM || rc == -KS_ENOBUFS)
		reason = KS_DROP_NO_MEMORY;
	else
		return rc;
	__atomic_add_fetch(&st->drops.by_reason[reason - KS_DROP_FIRST], 1, __ATOMIC_RELAXED);
	return rc;
}

unsigned long ks_inet_drops_get(const struct ks_inet_stack *st, enum ks_drop reason)
{
	if ((int)reason < KS_DROP_FIRST || reason >= KS_DROP_END_)
		return 0;
	return __atomic_load_n(&st->drops.by_reason[reason - KS_DROP_FIRST], __ATOMIC_RELAXED);
}

const char *ks_inet_drop_name(enum ks_drop reason)
{
	if ((int)reason < KS_DROP_FIRST || reason >= KS_DROP_END_)
		return "?";
	return drop_names[reason - KS_DROP_FIRST];
}

/*
 * pmtu.c - the path-MTU cache of pmtu.h: a small table searched whole
 * (16 entries), entries expiring on the stack's clock.
 */
#include "pmtu.h"

#include "stack.h"

void ks_pmtu_init(struct ks_pmtu *c)
{
	__builtin_memset(c, 0, sizeof(*c));
	ks_mutex_init(&c->lock);
}

void ks_pmtu_reset(struct ks_pmtu *c)
{
	ks_mutex_lock(&c->lock);
	__builtin_memset(c->e, 0, sizeof(c->e));
	ks_mutex_unlock(&c->lock);
	__builtin_memset(&c->stats, 0, sizeof(c->stats));
}

uint32_t ks_pmtu_plausible(struct ks_inet_stack *st, uint32_t mtu)
{
	if (mtu < KS_PMTU_FLOOR) {
		__atomic_add_fetch(&st->pmtu.stats.bad_mtu, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return mtu < KS_PMTU_MIN_PMTU ? KS_PMTU_MIN_PMTU : mtu;
}

/* dst's live entry, or NULL; expired ones are freed on the way. */
static struct ks_pmtu_entry *find_locked(struct ks_pmtu *c, uint32_t dst, uint64_t now)
{
	struct ks_pmtu_entry *hit = NULL;

	for (int i = 0; i < KS_PMTU_ENTRIES; i++) {
		struct ks_pmtu_entry *e = &c->e[i];
		if (e->dst && e->expires <= now)
			e->dst = 0;
		if (e->dst && e->dst == dst)
			hit = e;
	}
	return hit;
}

uint32_t ks_pmtu_learn(struct ks_inet_stack *st, uint32_t dst, uint32_t mtu, uint32_t link_mtu)
{
	struct ks_pmtu *c = &st->pmtu;
	uint64_t now = ks_inet_now(st);

	ks_mutex_lock(&c->lock);
	struct ks_pmtu_entry *e = find_locked(c, dst, now);
	uint32_t cur = e && e->mtu < link_mtu ? e->mtu : link_mtu;
	if (mtu < cur) {
		if (!e) {
			e = &c->e[0];
			for (int i = 0; i < KS_PMTU_ENTRIES; i++) {
				if (!c->e[i].dst) {
					e = &c->e[i];
					break;
				}
				if (c->e[i].expires < e->expires)
					e = &c->e[i];
			}
		}
		e->dst = dst;
		e->mtu = mtu;
		e->expires = now + KS_PMTU_EXPIRES_NS; /* Linux restarts it on each update */
		cur = mtu;
		__atomic_add_fetch(&c->stats.learnt, 1, __ATOMIC_RELAXED);
	}
	ks_mutex_unlock(&c->lock);
	return cur;
}

uint32_t ks_pmtu_get(struct ks_inet_stack *st, uint32_t dst, uint32_t link_mtu)
{
	struct ks_pmtu *c = &st->pmtu;

	ks_mutex_lock(&c->lock);
	struct ks_pmtu_entry *e = find_locked(c, dst, ks_inet_now(st));
	uint32_t mtu = e && e->mtu < link_mtu ? e->mtu : link_mtu;
	ks_mutex_unlock(&c->lock);
	return mtu;
}

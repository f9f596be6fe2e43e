/*
 * route.c - the routing table: interfaces, connected and static routes,
 * longest-prefix lookup, output by route, and polling every interface.
 * Object model, semantics and locking: route.h.
 */
#include "route.h"

static uint32_t mask_of(unsigned prefix_len)
{
	return prefix_len ? 0xffffffffu << (32 - prefix_len) : 0;
}

void ks_inet_rtab_init(struct ks_inet_rtab *rt)
{
	__builtin_memset(rt, 0, sizeof(*rt));
}

struct ks_inet_netif *ks_inet_rtab_netif(const struct ks_inet_rtab *rt, int ifindex)
{
	for (int i = 0; i < rt->n_nifs; i++)
		if (ifindex && rt->nifs[i]->dev->ifindex == ifindex)
			return rt->nifs[i];
	return NULL;
}

struct ks_inet_netif *ks_inet_rtab_netif_by_addr(const struct ks_inet_rtab *rt, uint32_t addr)
{
	for (int i = 0; i < rt->n_nifs; i++)
		if (addr && rt->nifs[i]->addr == addr)
			return rt->nifs[i];
	return NULL;
}

bool ks_inet_rtab_is_bcast(const struct ks_inet_rtab *rt, uint32_t addr)
{
	if (ks_ipv4_is_lbcast(addr))
		return true;
	for (int i = 0; i < rt->n_nifs; i++)
		if (addr == ks_inet_netif_bcast(rt->nifs[i]))
			return true;
	return false;
}

static int route_find(const struct ks_inet_rtab *rt, uint32_t dst, unsigned prefix_len)
{
	for (int i = 0; i < rt->n_routes; i++)
		if (rt->routes[i].dst == dst && rt->routes[i].prefix_len == prefix_len)
			return i;
	return -1;
}

static int route_insert(struct ks_inet_rtab *rt, const struct ks_inet_route *r)
{
	if (route_find(rt, r->dst, r->prefix_len) >= 0)
		return -KS_EEXIST;
	if (rt->n_routes == KS_INET_ROUTE_MAX)
		return -KS_ENOBUFS;
	rt->routes[rt->n_routes++] = *r;
	return 0;
}

static void route_remove(struct ks_inet_rtab *rt, int i)
{
	for (; i + 1 < rt->n_routes; i++)
		rt->routes[i] = rt->routes[i + 1];
	rt->n_routes--;
}

/* The lowest ifindex from 2 that no interface has. */
static uint16_t free_ifindex(const struct ks_inet_rtab *rt)
{
	uint16_t idx = 2;

	while (ks_inet_rtab_netif(rt, idx))
		idx++;
	return idx;
}

int ks_inet_rtab_add_netif(struct ks_inet_rtab *rt, struct ks_inet_netif *nif)
{
	struct ks_inet_route r = { .dst = nif->addr & nif->mask, .prefix_len = nif->prefix_len,
				   .connected = true, .nif = nif };
	int err;

	if (nif->rt || ks_inet_rtab_netif_by_addr(rt, nif->addr) || nif->dev->ifindex == 1 ||
	    ks_inet_rtab_netif(rt, nif->dev->ifindex))
		return -KS_EEXIST;
	if (rt->n_nifs == KS_INET_NETIF_MAX)
		return -KS_ENOBUFS;
	err = route_insert(rt, &r);
	if (err)
		return err; /* another interface on the same prefix, or full */
	if (!nif->dev->ifindex)
		nif->dev->ifindex = free_ifindex(rt);
	rt->nifs[rt->n_nifs++] = nif;
	nif->rt = rt;
	return 0;
}

void ks_inet_rtab_del_netif(struct ks_inet_rtab *rt, struct ks_inet_netif *nif)
{
	for (int i = rt->n_routes - 1; i >= 0; i--)
		if (rt->routes[i].nif == nif)
			route_remove(rt, i);
	for (int i = 0; i < rt->n_nifs; i++) {
		if (rt->nifs[i] == nif) {
			rt->nifs[i] = rt->nifs[--rt->n_nifs];
			rt->nifs[rt->n_nifs] = NULL;
			break;
		}
	}
	if (nif->rt == rt)
		nif->rt = NULL;
}

/* The interface whose connected prefix holds addr (only oif's if oif). */
static struct ks_inet_netif *onlink_nif(const struct ks_inet_rtab *rt, uint32_t addr, int oif)
{
	for (int i = 0; i < rt->n_nifs; i++) {
		struct ks_inet_netif *n = rt->nifs[i];

		if ((!oif || n->dev->ifindex == oif) && (addr & n->mask) == (n->addr & n->mask))
			return n;
	}
	return NULL;
}

int ks_inet_rtab_route_add(struct ks_inet_rtab *rt, uint32_t dst, unsigned prefix_len,
			   uint32_t gw, int ifindex)
{
	struct ks_inet_route r = { .dst = dst, .prefix_len = (uint8_t)prefix_len, .gw = gw };

	if (prefix_len > 32 || (dst & ~mask_of(prefix_len)))
		return -KS_EINVAL;
	if (ifindex && !ks_inet_rtab_netif(rt, ifindex))
		return -KS_ENODEV;
	if (!gw) {
		r.nif = ks_inet_rtab_netif(rt, ifindex);
		if (!r.nif)
			return -KS_ENODEV;
		return route_insert(rt, &r);
	}
	if (ks_ipv4_is_zeronet(gw) || ks_ipv4_is_loopback(gw) || ks_ipv4_is_multicast(gw) ||
	    ks_inet_rtab_is_bcast(rt, gw) || ks_inet_rtab_netif_by_addr(rt, gw))
		return -KS_EINVAL;
	r.nif = onlink_nif(rt, gw, ifindex);
	if (!r.nif)
		return -KS_ENETUNREACH;
	return route_insert(rt, &r);
}

int ks_inet_rtab_route_del(struct ks_inet_rtab *rt, uint32_t dst, unsigned prefix_len)
{
	int i = prefix_len > 32 ? -1 : route_find(rt, dst & mask_of(prefix_len), prefix_len);

	if (i < 0)
		return -KS_ESRCH;
	route_remove(rt, i);
	return 0;
}

/* The longest prefix holding dst (through oif only, if oif), or NULL. */
static const struct ks_inet_route *longest(const struct ks_inet_rtab *rt, uint32_t dst, int oif)
{
	const struct ks_inet_route *best = NULL;

	for (int i = 0; i < rt->n_routes; i++) {
		const struct ks_inet_route *r = &rt->routes[i];

		if ((dst & mask_of(r->prefix_len)) != r->dst)
			continue;
		if (oif && r->nif->dev->ifindex != oif)
			continue;
		if (!best || r->prefix_len > best->prefix_len)
			best = r;
	}
	return best;
}

static void result(struct ks_inet_netif *nif, uint32_t next_hop, bool bcast,
		   struct ks_inet_rtres *out)
{
	out->nif = nif;
	out->next_hop = next_hop;
	out->src = nif->addr;
	out->ifindex = nif->dev->ifindex;
	out->bcast = bcast;
}

int ks_inet_rtab_lookup(const struct ks_inet_rtab *rt, uint32_t dst, int oif, uint32_t saddr,
			struct ks_inet_rtres *out)
{
	struct ks_inet_netif *nif = NULL;
	const struct ks_inet_route *r;

	if (oif) {
		nif = ks_inet_rtab_netif(rt, oif);
		if (!nif)
			return -KS_ENODEV;
	} else if (ks_ipv4_is_lbcast(dst)) {
		nif = ks_inet_rtab_netif_by_addr(rt, saddr);
	}
	if (ks_ipv4_is_lbcast(dst) && nif) {
		result(nif, dst, true, out);
		return 0;
	}
	r = longest(rt, dst, oif);
	if (!r) {
		if (!nif)
			return -KS_ENETUNREACH;
		result(nif, dst, false, out); /* oif given: on its link */
	} else {
		result(r->nif, r->gw ? r->gw : dst, false, out);
	}
	out->bcast = ks_ipv4_is_lbcast(dst) || dst == ks_inet_netif_bcast(out->nif);
	if (out->bcast)
		out->next_hop = dst;
	return 0;
}

int ks_inet_rtab_output(struct ks_inet_rtab *rt, struct ks_pbuf *p, uint32_t src, uint32_t dst)
{
	struct ks_inet_rtres res;
	int err = ks_inet_rtab_lookup(rt, dst, 0, src, &res);

	if (err) {
		ks_pbuf_free(p);
		return err;
	}
	if (res.bcast)
		return ks_inet_netif_output_bcast(res.nif, p);
	return ks_inet_netif_output(res.nif, p, res.next_hop);
}

int ks_inet_rtab_poll(struct ks_inet_rtab *rt, uint64_t *next)
{
	uint64_t soonest = KS_INET_NEVER;
	int n = 0;

	for (int i = 0; i < rt->n_nifs; i++) {
		n += ks_inet_netif_poll(rt->nifs[i]);
		uint64_t t = ks_inet_netif_timers(rt->nifs[i]);
		if (t < soonest)
			soonest = t;
	}
	if (next)
		*next = soonest;
	return n;
}

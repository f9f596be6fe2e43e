/*
 * tcp_harness.c - the hooks and drivers of tcp_harness.h: segments
 * captured in pbuf queues and parsed back, events logged, children
 * allocated, deadlines recorded and fired by a clock the tests move.
 */
#include <stdio.h>
#include <string.h>

#include "tcp_harness.h"

static void th_bad(struct th *w, const char *what)
{
	if (!w->bad++)
		snprintf(w->why, sizeof(w->why), "%s", what);
}

static struct th_end *end_of(struct ks_tcp_pcb *pcb)
{
	return pcb->owner;
}

/* ---- the hooks ---- */

/* The addresses ride in front of the TCP header, in the header room IPv4
 * would use. */
static void h_output(struct ks_tcp_pcb *pcb, struct ks_pbuf *p, uint32_t src, uint32_t dst)
{
	struct th_end *e = end_of(pcb);
	uint8_t *a = ks_pbuf_push(p, 8);

	ks_put32(a, src);
	ks_put32(a + 4, dst);
	ks_pbufq_push(&e->out, p);
	e->nout++;
	e->sent++;
}

static void h_event(struct ks_tcp_pcb *pcb, unsigned ev)
{
	struct th_end *e = end_of(pcb);

	e->ev |= ev;
	if (e->nev < TH_EVLOG)
		e->evlog[e->nev++] = ev;
}

static void h_timer(struct ks_tcp_pcb *pcb)
{
	struct th_end *e = end_of(pcb);

	e->deadline = ks_tcp_next_deadline(pcb);
	e->timer_calls++;
}

static struct ks_tcp_pcb *h_spawn(struct ks_tcp_pcb *lis, uint32_t src, uint16_t sport,
				  uint32_t dst, uint16_t dport)
{
	struct th_end *le = end_of(lis);
	struct th *w = le->w;

	if (le->refuse_spawn || w->nends == TH_ENDS)
		return NULL;
	struct th_end *c = ks_port_alloc(sizeof(*c));
	if (!c)
		return NULL;
	th_end_init(w, c);
	c->allocated = true;
	c->pcb.laddr = dst;
	c->pcb.lport = dport;
	c->pcb.raddr = src;
	c->pcb.rport = sport;
	/* The child inherits the listener's settings (Linux clones the
	 * listening socket). */
	c->pcb.adv_mss = lis->adv_mss;
	c->pcb.rcv_limit = lis->rcv_limit;
	c->pcb.snd_limit = lis->snd_limit;
	c->pcb.nodelay = lis->nodelay;
	c->pcb.user_mss = lis->user_mss;
	c->peer = le->peer;
	return &c->pcb;
}

static void h_spawned(struct ks_tcp_pcb *child)
{
	end_of(child)->spawned_called = true;
}

static const struct ks_tcp_hooks th_hooks = {
	.output = h_output,
	.event = h_event,
	.spawn = h_spawn,
	.spawned = h_spawned,
	.timer = h_timer,
};

/* ---- the world ---- */

void th_init(struct th *w, struct ks_inet_stack *st, uint64_t *clock)
{
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->clock = clock;
}

void th_end_init(struct th *w, struct th_end *e)
{
	memset(e, 0, sizeof(*e));
	e->w = w;
	ks_pbufq_init(&e->out);
	ks_tcp_pcb_init(&e->pcb, w->st, &th_hooks, e);
	e->pcb.laddr = TH_LOCAL;
	e->pcb.lport = TH_LOCAL_PORT;
	e->pcb.raddr = TH_PEER;
	e->pcb.rport = TH_PEER_PORT;
	if (w->nends < TH_ENDS)
		w->ends[w->nends++] = e;
	else
		th_bad(w, "too many ends");
}

void th_drain(struct th_end *e)
{
	ks_pbufq_purge(&e->out);
	e->nout = 0;
}

void th_fini(struct th *w)
{
	for (unsigned i = 0; i < w->nends; i++) {
		struct th_end *e = w->ends[i];
		th_drain(e);
		ks_tcp_pcb_fini(&e->pcb);
		if (e->allocated)
			ks_port_free(e, sizeof(*e));
	}
	w->nends = 0;
}

uint64_t th_now(const struct th *w)
{
	return *w->clock;
}

unsigned th_ev(struct th_end *e)
{
	unsigned ev = e->ev;

	e->ev = 0;
	return ev;
}

/* ---- segments ---- */

int th_pop(struct th_end *e, struct th_seg *s)
{
	struct ks_pbuf *p = ks_pbufq_pop(&e->out);

	if (!p)
		return 0;
	e->nout--;
	memset(&s->h, 0, sizeof(s->h));
	uint8_t a[8];
	ks_pbuf_copy_out(p, 0, a, 8);
	s->src = ks_get32(a);
	s->dst = ks_get32(a + 4);
	s->len = p->tot_len - 8;
	s->ecn = ks_pbuf_ecn(p);
	if (s->len > TH_SEG_MAX) {
		ks_pbuf_free(p);
		th_bad(e->w, "segment larger than TH_SEG_MAX");
		return -1;
	}
	ks_pbuf_copy_out(p, 8, s->raw, s->len);
	ks_pbuf_free(p);
	int rc = ks_tcp_parse(s->raw, s->len, s->src, s->dst, 0, &s->h);
	if (rc < 0) {
		th_bad(e->w, "an output segment does not parse back");
		return -1;
	}
	if (s->h.opt.ts_ok)
		e->our_tsval = s->h.opt.tsval;
	return 1;
}

int th_in_raw(struct th_end *e, const uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst,
	      unsigned flags)
{
	return th_in_raw_ecn(e, buf, len, src, dst, flags, KS_IP_ECN_NOT_ECT);
}

int th_in_raw_ecn(struct th_end *e, const uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst,
		  unsigned flags, unsigned ecn)
{
	struct ks_pbuf *p;
	struct ks_tcp_hdr h;
	int rc = ks_pbuf_alloc(&e->w->st->pbufs, KS_PBUF_ROOM_IP, len, &p);

	if (rc)
		return rc;
	ks_pbuf_copy_in(p, 0, buf, len);
	ks_pbuf_set_ecn(p, ecn);
	rc = ks_tcp_parse(p->data, len, src, dst, flags, &h);
	if (rc < 0) {
		ks_pbuf_free(p);
		return rc;
	}
	rc = ks_tcp_input(&e->pcb, p, src, dst, &h);
	if (rc == KS_TCP_IN_TW_REUSE)
		ks_pbuf_free(p); /* not taken: an owner would give it to a listener */
	return rc;
}

int th_in(struct th_end *e, const struct th_spec *sp)
{
	static uint8_t seg[KS_TCP_HLEN_MAX + 65536];
	struct ks_tcp_hdr h = {0};
	uint32_t src = sp->src ? sp->src : e->pcb.raddr;
	uint32_t dst = sp->dst ? sp->dst : e->pcb.laddr;

	h.sport = sp->sport ? sp->sport : e->pcb.rport;
	h.dport = sp->dport ? sp->dport : e->pcb.lport;
	h.seq = sp->seq;
	h.ack = sp->ack;
	h.flags = sp->flags;
	h.wnd = sp->wnd;
	h.urp = sp->urp;
	h.opt = sp->opt;
	h.hlen = (uint8_t)(KS_TCP_HLEN + ks_tcp_opts_len(&h.opt));
	if (sp->len)
		memcpy(seg + h.hlen, sp->data, sp->len);
	uint32_t len = h.hlen + sp->len;
	if (ks_tcp_emit(seg, len, &h, src, dst) < 0) {
		th_bad(e->w, "th_in: emit failed");
		return -KS_EINVAL;
	}
	return th_in_raw_ecn(e, seg, len, src, dst, 0, sp->ecn);
}

/* ---- time ---- */

/* The end with the earliest announced deadline at or before until. */
static struct th_end *next_due(struct th *w, uint64_t until)
{
	struct th_end *best = NULL;

	for (unsigned i = 0; i < w->nends; i++) {
		struct th_end *e = w->ends[i];
		if (e->deadline && e->deadline <= until && (!best || e->deadline < best->deadline))
			best = e;
	}
	return best;
}

void th_run(struct th *w, uint64_t until)
{
	struct th_end *e;
	unsigned guard = 0;

	while ((e = next_due(w, until)) != NULL) {
		if (e->deadline > *w->clock)
			*w->clock = e->deadline;
		uint64_t was = e->deadline;
		ks_tcp_timer(&e->pcb);
		if (e->deadline == was && ks_tcp_next_deadline(&e->pcb) == was) {
			th_bad(w, "ks_tcp_timer left its deadline in the past");
			e->deadline = 0;
		}
		if (e->peer)
			th_pump(w, w->net, 1000);
		if (++guard > 1000000) {
			th_bad(w, "th_run: timers do not settle");
			break;
		}
	}
	if (until > *w->clock)
		*w->clock = until;
}

void th_advance(struct th *w, uint64_t ns)
{
	th_run(w, *w->clock + ns);
}

/* ---- two ends back to back ---- */

void th_wire(struct th_end *a, struct th_end *b)
{
	a->peer = b;
	b->peer = a;
	b->pcb.laddr = TH_PEER;
	b->pcb.lport = TH_PEER_PORT;
	b->pcb.raddr = TH_LOCAL;
	b->pcb.rport = TH_LOCAL_PORT;
}

/* xorshift64* */
uint32_t th_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static bool chance(struct th_net *net, unsigned pct)
{
	return pct && th_rand(&net->rng) % 100 < pct;
}

/* Gives one captured segment to to's pcb (a listener's child is found
 * by its addresses, as an owner's lookup would). */
static void give(struct th_end *to, struct ks_pbuf *p)
{
	uint8_t a[8];
	struct ks_tcp_hdr h;

	ks_pbuf_copy_out(p, 0, a, 8);
	ks_pbuf_pull(p, 8);
	uint32_t src = ks_get32(a), dst = ks_get32(a + 4);
	if (ks_tcp_parse(p->data, p->len, src, dst, 0, &h) < 0) {
		ks_pbuf_free(p);
		th_bad(to->w, "a delivered segment does not parse");
		return;
	}
	struct th_end *e = to;
	struct th *w = to->w;
	for (unsigned i = 0; i < w->nends; i++) {
		struct ks_tcp_pcb *c = &w->ends[i]->pcb;
		if (w->ends[i]->allocated && c->parent == &to->pcb && c->raddr == src &&
		    c->rport == h.sport && c->state != KS_TCP_CLOSE)
			e = w->ends[i];
	}
	if (e->pcb.state == KS_TCP_CLOSE) {
		/* No connection: the owner answers with a reset
		 * (RFC 9293 3.10.7.1), sent as if from e. */
		struct ks_pbuf *r = ks_tcp_reset_reply(w->st, src, dst, &h);
		ks_pbuf_free(p);
		if (r)
			h_output(&e->pcb, r, dst, src);
		return;
	}
	if (ks_tcp_input(&e->pcb, p, src, dst, &h) == KS_TCP_IN_TW_REUSE)
		ks_pbuf_free(p); /* not taken */
}

unsigned th_deliver(struct th_end *e, struct th_net *net)
{
	struct ks_pbuf *batch[256];
	unsigned n = 0, taken = 0;
	struct ks_pbuf *p;

	if (!e->peer)
		return 0;
	while (n < 256 && (p = ks_pbufq_pop(&e->out)) != NULL) {
		e->nout--;
		batch[n++] = p;
	}
	taken = n;
	if (net) {
		for (unsigned i = 0; i + 1 < n; i++) {
			if (chance(net, net->reorder_pct)) {
				struct ks_pbuf *x = batch[i];
				batch[i] = batch[i + 1];
				batch[i + 1] = x;
				net->reordered++;
				i++;
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		p = batch[i];
		if (net && chance(net, net->loss_pct)) {
			net->dropped++;
			ks_pbuf_free(p);
			continue;
		}
		if (net && chance(net, net->dup_pct)) {
			struct ks_pbuf *c;
			if (ks_pbuf_copy(&e->w->st->pbufs, p, KS_PBUF_ROOM_IP, &c) == 0) {
				net->duplicated++;
				give(e->peer, c);
			}
		}
		if (net && ks_pbuf_ecn(p) != KS_IP_ECN_NOT_ECT && chance(net, net->ce_pct)) {
			ks_pbuf_set_ecn(p, KS_IP_ECN_CE); /* a congested router's mark */
			net->ce_marked++;
		}
		if (net)
			net->delivered++;
		give(e->peer, p);
	}
	return taken;
}

static bool pending(const struct th *w)
{
	for (unsigned i = 0; i < w->nends; i++)
		if (w->ends[i]->peer && w->ends[i]->nout)
			return true;
	return false;
}

unsigned th_pump(struct th *w, struct th_net *net, unsigned max)
{
	unsigned r = 0;

	while (r < max && pending(w)) {
		for (unsigned i = 0; i < w->nends; i++)
			th_deliver(w->ends[i], net);
		r++;
	}
	return r;
}

/* ---- fixtures ---- */

struct ks_tcp_opts th_linux_syn_opts(uint32_t tsval, uint32_t tsecr)
{
	struct ks_tcp_opts o = {0};

	o.mss_ok = true;
	o.mss = 1460;
	o.sack_perm = true;
	o.ts_ok = true;
	o.tsval = tsval;
	o.tsecr = tsecr;
	o.ws_ok = true;
	o.ws = 7;
	return o;
}

struct ks_tcp_opts th_ts_opts(uint32_t tsval, uint32_t tsecr)
{
	struct ks_tcp_opts o = {0};

	o.ts_ok = true;
	o.tsval = tsval;
	o.tsecr = tsecr;
	return o;
}

/* ---- invariants ---- */

const char *th_check(const struct th_end *e)
{
	const struct ks_tcp_pcb *p = &e->pcb;
	int32_t d;

	if (p->state == KS_TCP_LISTEN)
		return NULL;
	if (e->deadline != ks_tcp_next_deadline(p))
		return "the timer hook was not told of the deadline";
	if (p->state == KS_TCP_CLOSE)
		return NULL;
	if (!ks_seq_le(p->snd_una, p->snd_nxt) || !ks_seq_le(p->snd_nxt, p->snd_max))
		return "SND.UNA <= SND.NXT <= SND.MAX broken";
	if (p->snd_len > p->sbuf.cap && p->snd_len)
		return "more bytes in the send ring than it holds";
	d = (int32_t)(p->snd_una - p->sbuf_seq);
	if (d < -1 || d > 1)
		return "the send ring does not start at SND.UNA";
	if (!ks_seq_le(p->snd_max, p->sbuf_seq + p->snd_len + 1))
		return "sent beyond the send ring";
	if (!ks_seq_le(p->rcv_read, p->rcv_nxt))
		return "read beyond RCV.NXT";
	uint32_t held = p->rcv_nxt - p->rcv_read;
	if (held > p->rbuf.cap + 1)
		return "more received than the receive ring holds";
	if (p->nooo > KS_TCP_OOO_RANGES)
		return "too many out-of-order ranges";
	for (unsigned i = 0; i < p->nooo; i++) {
		const struct ks_tcp_ooo *o = &p->ooo[i];
		if (!ks_seq_gt(o->start, p->rcv_nxt) || !ks_seq_lt(o->start, o->end))
			return "an out-of-order range at or before RCV.NXT, or empty";
		if (o->end - p->rcv_read > p->rbuf.cap)
			return "an out-of-order range beyond the receive ring";
	}
	if (p->nsacked > KS_TCP_SACK_RANGES || (p->nsacked && !p->sack_ok))
		return "a SACK scoreboard without SACK, or too long";
	for (unsigned i = 0; i < p->nsacked; i++) {
		const struct ks_tcp_ooo *r = &p->sacked[i];
		if (!ks_seq_gt(r->start, i ? p->sacked[i - 1].end : p->snd_una) ||
		    !ks_seq_lt(r->start, r->end) || ks_seq_gt(r->end, p->snd_max))
			return "SACKed ranges not ascending and apart inside (SND.UNA, SND.MAX]";
	}
	return NULL;
}

/* ---- the peer a test plays ---- */

uint32_t th_peer_tsval(const struct th *w)
{
	return (uint32_t)(*w->clock / NS_MS) + 77777u;
}

int th_peer(struct th_end *e, uint8_t flags, uint32_t ack, const void *data, uint32_t len)
{
	struct th_spec sp = {0};

	sp.flags = flags;
	sp.seq = e->pseq;
	sp.ack = ack;
	sp.wnd = e->pwnd;
	sp.data = data;
	sp.len = len;
	if (e->pcb.ts_ok)
		sp.opt = th_ts_opts(th_peer_tsval(e->w), e->our_tsval);
	e->pseq += len + ((flags & KS_TCP_SYN) ? 1 : 0) + ((flags & KS_TCP_FIN) ? 1 : 0);
	return th_in(e, &sp);
}

static bool want(struct th *w, bool cond, const char *what)
{
	if (!cond)
		th_bad(w, what);
	return cond;
}

bool th_fx_active(struct th_end *e, bool ts)
{
	struct th *w = e->w;
	struct th_seg s;
	struct th_spec sp = {0};

	e->pcb.adv_mss = 1460;
	if (!want(w, ks_tcp_connect(&e->pcb) == 0, "connect failed"))
		return false;
	if (!want(w, th_pop(e, &s) == 1 && (s.h.flags & ~(KS_TCP_ECE | KS_TCP_CWR)) == KS_TCP_SYN,
		  "no SYN"))
		return false;
	sp.flags = KS_TCP_SYN | KS_TCP_ACK;
	if (s.h.flags & KS_TCP_ECE)
		sp.flags |= KS_TCP_ECE; /* asked for ECN (tcp_ecn 1): yes, as Linux */
	sp.seq = TH_PEER_ISS;
	sp.ack = e->pcb.iss + 1;
	sp.wnd = 65535;
	sp.opt = th_linux_syn_opts(th_peer_tsval(w), s.h.opt.tsval);
	if (!ts)
		sp.opt.ts_ok = false;
	th_in(e, &sp);
	e->pseq = TH_PEER_ISS + 1;
	e->pwnd = 1024;
	if (!want(w, e->pcb.state == KS_TCP_ESTABLISHED, "not ESTABLISHED"))
		return false;
	if (!want(w, th_pop(e, &s) == 1 && s.h.flags == KS_TCP_ACK, "no ACK"))
		return false;
	th_ev(e);
	return want(w, e->nout == 0, "more than the ACK");
}

bool th_fx_passive(struct th_end *e, bool ts, bool established, struct th_end **child)
{
	struct th *w = e->w;
	struct th_seg s;
	struct th_spec sp = {0};

	e->pcb.adv_mss = 1460;
	ks_tcp_listen(&e->pcb, 8);
	sp.flags = KS_TCP_SYN;
	sp.seq = TH_PEER_ISS;
	sp.wnd = 64240;
	sp.opt = th_linux_syn_opts(th_peer_tsval(w), 0);
	if (!ts)
		sp.opt.ts_ok = false;
	th_in(e, &sp);
	if (!want(w, w->nends >= 2, "no child"))
		return false;
	struct th_end *c = w->ends[w->nends - 1];
	*child = c;
	c->pseq = TH_PEER_ISS + 1;
	c->pwnd = 1024;
	if (!want(w, th_pop(c, &s) == 1 && s.h.flags == (KS_TCP_SYN | KS_TCP_ACK), "no SYN-ACK"))
		return false;
	if (!established)
		return true;
	th_peer(c, KS_TCP_ACK, c->pcb.iss + 1, NULL, 0);
	th_ev(c);
	return want(w, c->pcb.state == KS_TCP_ESTABLISHED && c->nout == 0, "child not ESTABLISHED");
}

void th_pattern(uint8_t *buf, uint64_t from, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		buf[k] = th_byte(from + k);
}

struct pat {
	uint64_t at;
};

static int pat_copy(void *arg, void *dst, uint32_t len)
{
	struct pat *p = arg;

	th_pattern(dst, p->at, len);
	p->at += len;
	return 0;
}

long th_send(struct th_end *e, uint64_t from, uint32_t n, bool more)
{
	struct pat p = {from};

	return ks_tcp_send(&e->pcb, n, pat_copy, &p, more);
}

struct sink {
	uint8_t *buf;
};

static int sink_copy(void *arg, const void *src, uint32_t len)
{
	struct sink *k = arg;

	memcpy(k->buf, src, len);
	k->buf += len;
	return 0;
}

long th_recv(struct th_end *e, uint8_t *buf, uint32_t n)
{
	struct sink k = {buf};

	return ks_tcp_recv(&e->pcb, 0, n, sink_copy, &k, false);
}

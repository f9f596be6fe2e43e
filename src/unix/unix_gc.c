/*
 * unix_gc.c - descriptors in flight and their garbage collector.
 *
 * A descriptor sent with SCM_RIGHTS keeps its file alive while it waits in
 * a receive queue. If an AF_UNIX socket is sent over itself, or A over B
 * and B over A, and the program then closes its own descriptors, every
 * reference to those sockets is in flight in their own queues: nothing can
 * ever receive them, and without a collector they leak. This is the
 * classic mark-and-sweep over the in-flight sockets that Linux used for
 * years (net/unix/garbage.c before 6.10):
 *
 *  1. candidates: in-flight AF_UNIX sockets all of whose file references
 *     are in flight (files == inflight);
 *  2. for each candidate, the references found in candidates' queues are
 *     subtracted from its count; what remains was sent through a queue that
 *     someone outside can still read, so the candidate is alive;
 *  3. everything reachable from an alive candidate's queue is alive too;
 *  4. the rest is garbage: their queues are purged, which drops the
 *     in-flight references and closes the cycle.
 *
 * It runs when a socket's last references outside queues go away
 * (ks_unix_file_dropped sees files == inflight), one collection at a time.
 *
 * Releasing garbage can release more sockets whose queues hold more
 * descriptors; ks_unix_drain runs such chains as a loop, never recursing,
 * so a long chain cannot overflow the stack.
 *
 * Locking: ks_unix_gc_lock guards inflight counts' list membership, the
 * list itself and the gc_* fields; it is taken before socket locks, never
 * under one (collection locks each candidate, and a listener's embryos,
 * one at a time while holding it).
 */
#include "unix.h"

#include "../core/scm.h"

static struct ks_mutex ks_unix_gc_lock;
static struct ks_unix_sock *ks_unix_gc_list; /* in-flight sockets */
static long ks_unix_gc_total;                /* in-flight AF_UNIX references */
static int ks_unix_gc_running;
static int ks_unix_gc_pending;

void ks_unix_gc_init(void)
{
	ks_mutex_init(&ks_unix_gc_lock);
}

static bool is_unix(const struct ks_socket *s)
{
	return s->family == &ks_unix_family;
}

void ks_unix_inflight(struct ks_scm_rights *r, int delta)
{
	if (!r)
		return;
	ks_mutex_lock(&ks_unix_gc_lock);
	for (unsigned i = 0; i < r->n; i++) {
		if (!r->f[i].sock || !is_unix(r->f[i].sock))
			continue;
		struct ks_unix_sock *u = ks_unix(r->f[i].sock);
		int was = u->sk.inflight;
		__atomic_store_n(&u->sk.inflight, was + delta, __ATOMIC_RELEASE);
		ks_unix_gc_total += delta;
		if (was == 0) { /* joins the list */
			u->gc_prev = NULL;
			u->gc_next = ks_unix_gc_list;
			if (ks_unix_gc_list)
				ks_unix_gc_list->gc_prev = u;
			ks_unix_gc_list = u;
		} else if (was + delta == 0) {
			if (u->gc_prev)
				u->gc_prev->gc_next = u->gc_next;
			else
				ks_unix_gc_list = u->gc_next;
			if (u->gc_next)
				u->gc_next->gc_prev = u->gc_prev;
		}
	}
	ks_mutex_unlock(&ks_unix_gc_lock);
}

/* ---- releasing chains without recursion ---- */

void ks_unix_defer_drop(struct ks_socket *s, struct ks_socket **list)
{
	if (!ks_socket_file_drop(s))
		return;
	if (is_unix(s)) {
		s->defer_next = *list;
		*list = s;
	} else {
		s->ops->release(s);
		ks_socket_put(s);
	}
}

void ks_unix_rights_drop(struct ks_scm_rights *r, struct ks_socket **list)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (r->f[i].sock)
			ks_unix_defer_drop(r->f[i].sock, list);
		else
			ks_port_file_put(r->f[i].file);
	}
	r->n = 0;
	ks_scm_rights_free(r);
}

void ks_unix_drain(struct ks_socket **list)
{
	while (*list) {
		struct ks_socket *s = *list;
		*list = s->defer_next;
		ks_unix_release_one(ks_unix(s), list);
		ks_socket_put(s); /* the reference the files held */
	}
}

/* ---- the collector ---- */

/* Calls fn on every AF_UNIX socket referenced from u's queue (and from its
 * embryos' queues when u listens). */
static void gc_scan(struct ks_unix_sock *u, void (*fn)(struct ks_unix_sock *v, void *arg),
		    void *arg)
{
	ks_mutex_lock(&u->sk.lock);
	for (struct ks_unix_buf *b = u->rq.head; b; b = b->next) {
		struct ks_unix_sock *e = b->embryo;
		if (e) {
			ks_mutex_lock(&e->sk.lock); /* reachable only through u's queue */
			for (struct ks_unix_buf *c = e->rq.head; c; c = c->next)
				for (unsigned i = 0; c->rights && i < c->rights->n; i++)
					if (c->rights->f[i].sock && is_unix(c->rights->f[i].sock))
						fn(ks_unix(c->rights->f[i].sock), arg);
			ks_mutex_unlock(&e->sk.lock);
		}
		for (unsigned i = 0; b->rights && i < b->rights->n; i++)
			if (b->rights->f[i].sock && is_unix(b->rights->f[i].sock))
				fn(ks_unix(b->rights->f[i].sock), arg);
	}
	ks_mutex_unlock(&u->sk.lock);
}

static void gc_dec(struct ks_unix_sock *v, void *arg)
{
	(void)arg;
	if (v->gc_cand)
		v->gc_refs--;
}

static void gc_mark(struct ks_unix_sock *v, void *arg)
{
	struct ks_unix_sock **work = arg;

	if (v->gc_cand && !v->gc_alive) {
		v->gc_alive = true;
		v->gc_work = *work;
		*work = v;
	}
}

static void gc_mark_alive(void)
{
	struct ks_unix_sock *work = NULL;

	for (struct ks_unix_sock *u = ks_unix_gc_list; u; u = u->gc_next)
		if (u->gc_cand && u->gc_refs > 0)
			gc_mark(u, &work);
	while (work) {
		struct ks_unix_sock *u = work;
		work = u->gc_work;
		gc_scan(u, gc_mark, &work);
	}
}

/* Takes every garbage socket's queue into *hit. gc lock held. */
static void gc_collect(struct ks_unix_queue *hit)
{
	for (struct ks_unix_sock *u = ks_unix_gc_list; u; u = u->gc_next) {
		if (!u->gc_cand || u->gc_alive)
			continue;
		ks_mutex_lock(&u->sk.lock);
		struct ks_unix_buf *b;
		while ((b = ks_unix_queue_pop_locked(u)) != NULL) {
			b->next = NULL;
			if (hit->tail)
				hit->tail->next = b;
			else
				hit->head = b;
			hit->tail = b;
		}
		u->oob = NULL;
		ks_mutex_unlock(&u->sk.lock);
	}
}

static void gc_once(void)
{
	struct ks_unix_queue hit = {NULL, NULL, 0, 0};
	struct ks_socket *list = NULL;

	ks_mutex_lock(&ks_unix_gc_lock);
	for (struct ks_unix_sock *u = ks_unix_gc_list; u; u = u->gc_next) {
		u->gc_refs = u->sk.inflight;
		u->gc_cand = __atomic_load_n(&u->sk.files, __ATOMIC_ACQUIRE) == u->sk.inflight;
		u->gc_alive = false;
	}
	for (struct ks_unix_sock *u = ks_unix_gc_list; u; u = u->gc_next)
		if (u->gc_cand)
			gc_scan(u, gc_dec, NULL);
	gc_mark_alive();
	gc_collect(&hit);
	ks_mutex_unlock(&ks_unix_gc_lock);
	ks_unix_queue_purge(&hit, &list);
	ks_unix_drain(&list);
}

void ks_unix_gc(void)
{
	/* One collection at a time. A request made while one runs is picked
	 * up by the running one (it loops while requests are pending), or by
	 * the requester once the runner has let go. */
	__atomic_store_n(&ks_unix_gc_pending, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ks_unix_gc_pending, __ATOMIC_SEQ_CST) &&
	       !__atomic_exchange_n(&ks_unix_gc_running, 1, __ATOMIC_SEQ_CST)) {
		while (__atomic_exchange_n(&ks_unix_gc_pending, 0, __ATOMIC_SEQ_CST))
			gc_once();
		__atomic_store_n(&ks_unix_gc_running, 0, __ATOMIC_SEQ_CST);
	}
}

void ks_unix_file_dropped(struct ks_socket *s)
{
	struct ks_unix_sock *u = ks_unix(s);
	int inflight = __atomic_load_n(&u->sk.inflight, __ATOMIC_RELAXED);

	if (inflight && __atomic_load_n(&s->files, __ATOMIC_ACQUIRE) == inflight)
		ks_unix_gc();
}

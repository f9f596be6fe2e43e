/*
 * cases_stress.c - several threads at once, for a bounded time: sockets
 * passed around a ring of threads with data, cycles of sockets in flight
 * made and dropped while data flows, many datagram senders batching with
 * sendmmsg into one recvmmsg reader, and an edge-triggered epoll reader
 * draining several streams.
 *
 * Every case ends by checking that each byte arrived exactly once and in
 * order (sequence numbers and hashes), and on ksock the runner then checks
 * that every allocation came back.
 *
 * Thread discipline: failures in threads are recorded with the CT_CHECK_*
 * forms; every thread is joined before the case returns; blocking calls
 * carry guard timeouts, and every loop has a deadline, so a bug fails the
 * case instead of hanging it. Each case runs for a few hundred
 * milliseconds (well under 2 s under ThreadSanitizer).
 */
#include "ct.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RUN_MS 300     /* how long the threads keep passing things on */
#define DEADLINE_MS 5000 /* a case that is not done by then fails */
#define SLICE_MS 20    /* ---- descriptors around a ring of threads ---- */

#define RING 4   /* threads, each with a mailbox */
#define TOKENS 6 /* stream pairs whose writing end travels the ring */
#define MSG 64   /* fixed message size on the mailboxes */

/* A mailbox message: which token, which hop, and a payload derived from
 * both. */
struct hop_msg {
	int token, hop;
	unsigned char payload[MSG - 2 * sizeof(int)];
};

/* One record written into a token's stream at each hop. */
struct record {
	int token, hop;
};

struct ring {
	struct ct_ctx *c;
	int box[RING][2]; /* [0] the senders' end, [1] the thread's end */
	int stop;         /* atomic: retire tokens instead of passing them */
	int retired;      /* atomic: tokens closed by the threads */
	struct timespec t0;
};

struct ring_thread {
	struct ring *r;
	int id;
};

static void hop_payload(struct hop_msg *m)
{
	ct_fill(m->payload, sizeof(m->payload), (unsigned)(m->token * 100003 + m->hop));
}

static long send_hop(const struct ct_backend *b, int box, const struct hop_msg *m, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct cmsghdr *cm;
	struct msghdr mh;

	memset(&u, 0, sizeof(u));
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return b->sendmsg(box, &mh, 0);
}

/* Receives one message and its descriptor (-1 if none came). */
static long recv_hop(const struct ct_backend *b, int box, struct hop_msg *m, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	struct iovec iov = { m, sizeof(*m) };
	struct cmsghdr *cm;
	struct msghdr mh;
	long r;

	*fd = -1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	r = b->recvmsg(box, &mh, MSG_WAITALL);
	if (r < 0)
		return r;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC) ? -1001 : r;
}

/* One hop: check the message, write the token's record, pass the token
 * on (or retire it once stopped). Returns 0 or a failure. */
static long ring_hop(struct ring *r, int id, struct hop_msg *m, int fd)
{
	const struct ct_backend *b = r->c->b;
	unsigned char want[sizeof(m->payload)];
	struct record rec = { m->token, m->hop };
	long e;

	ct_fill(want, sizeof(want), (unsigned)(m->token * 100003 + m->hop));
	if (memcmp(want, m->payload, sizeof(want)) != 0)
		return -2000;
	e = b->sendto(fd, &rec, sizeof(rec), 0, NULL, 0);
	if (e != (long)sizeof(rec))
		return e < 0 ? e : -2001;
	if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch(&r->retired, 1, __ATOMIC_ACQ_REL);
		return 0;
	}
	m->hop++;
	hop_payload(m);
	e = send_hop(b, r->box[(id + 1) % RING][0], m, fd);
	return e == (long)sizeof(*m) ? 0 : (e < 0 ? e : -2002);
}

static void *ring_thread_fn(void *arg)
{
	struct ring_thread *rt = arg;
	struct ring *r = rt->r;
	const struct ct_backend *b = r->c->b;
	struct hop_msg m;
	int fd;

	while (__atomic_load_n(&r->retired, __ATOMIC_ACQUIRE) < TOKENS) {
		long e;

		if (ct_elapsed_ms(&r->t0) > DEADLINE_MS) {
			CT_CHECK_TRUE(r->c, !"ring thread past its deadline");
			break;
		}
		e = recv_hop(b, r->box[rt->id][1], &m, &fd);
		if (e == -EAGAIN)
			continue;
		if (e == (long)sizeof(m) && fd >= 0)
			e = ring_hop(r, rt->id, &m, fd);
		else if (e >= 0)
			e = -2003;
		if (fd >= 0)
			b->close(fd);
		if (e < 0) {
			CT_CHECK_EQ(r->c, e, 0);
			__atomic_store_n(&r->retired, TOKENS, __ATOMIC_RELEASE); /* stop all */
			break;
		}
	}
	return NULL;
}

/* Reads the token streams until every one reached EOF (all references to
 * its writing end gone); checks the records hop by hop. */
static void ring_collect(struct ct_ctx *c, struct ring *r, int tok[TOKENS][2], int hops[TOKENS],
			 int eof[TOKENS])
{
	struct pollfd p[TOKENS];
	int open = TOKENS;

	while (open > 0 && ct_elapsed_ms(&r->t0) < DEADLINE_MS) {
		if (ct_elapsed_ms(&r->t0) >= RUN_MS)
			__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		for (int j = 0; j < TOKENS; j++) {
			p[j].fd = eof[j] ? -1 : tok[j][1];
			p[j].events = POLLIN;
			p[j].revents = 0;
		}
		if (c->b->poll(p, TOKENS, SLICE_MS) <= 0)
			continue;
		for (int j = 0; j < TOKENS; j++) {
			struct record rec[64];
			long n;

			if (eof[j] || !p[j].revents)
				continue;
			n = c->b->recvfrom(tok[j][1], rec, sizeof(rec), MSG_DONTWAIT, NULL, NULL);
			if (n == 0) {
				eof[j] = 1;
				open--;
				continue;
			}
			if (n < 0 || n % (long)sizeof(struct record)) {
				/* A partial record waits for the rest (rare). */
				CT_CHECK_TRUE(c, n == -EAGAIN || n > 0);
				if (n > 0) {
					CT_CHECK_TRUE(c, !"partial record");
					eof[j] = 1;
					open--;
				}
				continue;
			}
			for (long i = 0; i < n / (long)sizeof(struct record); i++) {
				CT_CHECK_EQ(c, rec[i].token, j);
				CT_CHECK_EQ(c, rec[i].hop, hops[j]);
				hops[j]++;
			}
		}
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
}

/* RING threads, each reading its mailbox (stream, datagram and seqpacket
 * mailboxes in turn); TOKENS stream sockets travel the ring as
 * descriptors, each hop writing a record into the token. Once stopped the
 * threads close the tokens: every token stream then ends in EOF, having
 * received its hops in order, each once. */
static void stress_rights_ring(struct ct_ctx *c)
{
	static const int types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct ring_thread rt[RING];
	int tok[TOKENS][2], hops[TOKENS], eof[TOKENS];
	pthread_t t[RING];
	struct ring r;
	struct hop_msg m;
	int started = 0;

	memset(&r, 0, sizeof(r));
	r.c = c;
	for (int i = 0; i < RING; i++) {
		CT_EQ(c, ct_pair(c, types[i % 3], r.box[i]), 0);
		CT_EQ(c, ct_set_timeo(c, r.box[i][1], SO_RCVTIMEO, SLICE_MS), 0);
		CT_EQ(c, ct_set_timeo(c, r.box[i][0], SO_SNDTIMEO, DEADLINE_MS), 0);
	}
	for (int j = 0; j < TOKENS; j++) {
		CT_EQ(c, ct_pair(c, SOCK_STREAM, tok[j]), 0);
		CT_EQ(c, ct_set_timeo(c, tok[j][0], SO_SNDTIMEO, DEADLINE_MS), 0);
		m.token = j;
		m.hop = 0;
		hop_payload(&m);
		CT_EQ(c, send_hop(c->b, r.box[j % RING][0], &m, tok[j][0]), (long)sizeof(m));
		ct_untrack(c, tok[j][0]);
		CT_EQ(c, c->b->close(tok[j][0]), 0);
		hops[j] = 0;
		eof[j] = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	for (int i = 0; i < RING; i++) {
		rt[i].r = &r;
		rt[i].id = i;
		if (pthread_create(&t[i], NULL, ring_thread_fn, &rt[i]) != 0)
			break;
		started++;
	}
	CT_CHECK_EQ(c, started, RING);
	if (started == RING)
		ring_collect(c, &r, tok, hops, eof);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&r.retired, TOKENS, __ATOMIC_RELEASE);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (int j = 0; j < TOKENS; j++) {
		CT_EQ(c, eof[j], 1);
		CT_TRUE(c, hops[j] > 0);
	}
}

/* ---- cycles in flight while data flows ---- */

#define CHURNERS 3
#define CHURN_MAX 1000 /* cycles per thread at most */

struct churn {
	struct ct_ctx *c;
	struct timespec t0;
	int made;
};

static long pass_fd(const struct ct_backend *b, int over, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { "c", 1 };
	struct cmsghdr *cm;
	struct msghdr mh;

	memset(&u, 0, sizeof(u));
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return b->sendmsg(over, &mh, MSG_DONTWAIT);
}

/* Makes cycles (a pair holding both its ends, or two pairs holding each
 * other) and drops them. */
static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	const struct ct_backend *b = ch->c->b;

	for (int i = 0; i < CHURN_MAX && ct_elapsed_ms(&ch->t0) < RUN_MS; i++) {
		int a[2], d[2];
		int type = i % 3 == 0 ? SOCK_STREAM : i % 3 == 1 ? SOCK_DGRAM : SOCK_SEQPACKET;

		if (b->socketpair(AF_UNIX, type, 0, a) != 0) {
			CT_CHECK_TRUE(ch->c, !"socketpair failed");
			break;
		}
		if (b->socketpair(AF_UNIX, SOCK_STREAM, 0, d) != 0) {
			CT_CHECK_TRUE(ch->c, !"socketpair failed");
			b->close(a[0]);
			b->close(a[1]);
			break;
		}
		CT_CHECK_EQ(ch->c, pass_fd(b, a[0], a[1]), 1);
		CT_CHECK_EQ(ch->c, pass_fd(b, a[1], a[0]), 1);
		CT_CHECK_EQ(ch->c, pass_fd(b, d[0], a[0]), 1); /* a hangs off d too */
		CT_CHECK_EQ(ch->c, pass_fd(b, a[0], d[1]), 1); /* and d off a */
		b->close(a[0]);
		b->close(a[1]);
		b->close(d[0]);
		b->close(d[1]);
		ch->made++;
	}
	return NULL;
}

struct streamer {
	struct ct_ctx *c;
	int fd;
	long bytes;
};

#define STREAM_BYTES (512 * 1024)

/* What every stream writer sends, filled before any writer starts. */
static char stream_src[STREAM_BYTES];

static unsigned long stream_src_init(void)
{
	ct_fill(stream_src, sizeof(stream_src), 99);
	return ct_hash(stream_src, sizeof(stream_src), 0);
}

static void *stream_writer(void *arg)
{
	const char *buf = stream_src;
	struct streamer *s = arg;
	long off = 0;

	while (off < STREAM_BYTES) {
		long chunk = 1 + (off * 7919) % 20000, r;

		if (chunk > STREAM_BYTES - off)
			chunk = STREAM_BYTES - off;
		r = s->c->b->sendto(s->fd, buf + off, (unsigned long)chunk, 0, NULL, 0);
		if (r <= 0) {
			CT_CHECK_TRUE(s->c, r > 0);
			break;
		}
		off += r;
	}
	s->bytes = off;
	return NULL;
}

/* Garbage cycles made and dropped by several threads while a stream
 * carries data: the data arrives intact; on ksock nothing leaks. */
static void stress_gc_churn(struct ct_ctx *c)
{
	static char buf[65536];
	struct churn ch[CHURNERS];
	struct streamer w;
	pthread_t t[CHURNERS], tw;
	unsigned long h = 0, want = stream_src_init();
	long got = 0, r;
	int sv[2], started = 0, writer = 0;
	struct timespec t0;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_set_timeo(c, sv[0], SO_SNDTIMEO, DEADLINE_MS), 0);
	CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, DEADLINE_MS), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.fd = sv[0];
	for (int i = 0; i < CHURNERS; i++) {
		ch[i].c = c;
		ch[i].t0 = t0;
		ch[i].made = 0;
		if (pthread_create(&t[i], NULL, churn_thread, &ch[i]) != 0)
			break;
		started++;
	}
	if (pthread_create(&tw, NULL, stream_writer, &w) == 0)
		writer = 1;
	CT_CHECK_EQ(c, started, CHURNERS);
	CT_CHECK_EQ(c, writer, 1);
	while (writer && got < STREAM_BYTES) {
		r = c->b->recvfrom(sv[1], buf, sizeof(buf), 0, NULL, NULL);
		if (r <= 0) {
			CT_CHECK_TRUE(c, r > 0);
			break;
		}
		h = ct_hash(buf, (size_t)r, h);
		got += r;
	}
	if (writer)
		pthread_join(tw, NULL);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CT_EQ(c, got, STREAM_BYTES);
	CT_EQ(c, w.bytes, STREAM_BYTES);
	CT_TRUE(c, h == want);
	for (int i = 0; i < started; i++)
		CT_TRUE(c, ch[i].made > 0);
}

/* ---- many datagram senders, batched ---- */

#define SENDERS 4
#define PER_SENDER 400
#define BATCH 8

struct mm_sender {
	struct ct_ctx *c;
	int fd, id;
	const struct sockaddr_un *to;
	unsigned tolen;
	int sent;
};

/* A datagram: sender id, sequence number, and bytes derived from both
 * (length 8 + seq % 40). */
static size_t dgram_make(unsigned char *buf, int id, int seq)
{
	size_t len = 8 + (size_t)(seq % 40);

	memcpy(buf, &id, 4);
	memcpy(buf + 4, &seq, 4);
	ct_fill(buf + 8, len - 8, (unsigned)(id * 7777 + seq));
	return len;
}

static void *mm_sender_fn(void *arg)
{
	struct mm_sender *s = arg;
	unsigned char data[BATCH][64];
	struct mmsghdr v[BATCH];
	struct iovec iov[BATCH];

	while (s->sent < PER_SENDER) {
		int n = PER_SENDER - s->sent < BATCH ? PER_SENDER - s->sent : BATCH;
		long r;

		memset(v, 0, sizeof(v));
		for (int i = 0; i < n; i++) {
			iov[i].iov_base = data[i];
			iov[i].iov_len = dgram_make(data[i], s->id, s->sent + i);
			v[i].msg_hdr.msg_iov = &iov[i];
			v[i].msg_hdr.msg_iovlen = 1;
			v[i].msg_hdr.msg_name = (void *)s->to;
			v[i].msg_hdr.msg_namelen = s->tolen;
		}
		r = s->c->b->sendmmsg(s->fd, v, (unsigned)n, 0);
		if (r <= 0) {
			CT_CHECK_TRUE(s->c, r > 0);
			break;
		}
		for (long i = 0; i < r; i++)
			CT_CHECK_EQ(s->c, v[i].msg_len, iov[i].iov_len);
		s->sent += (int)r;
	}
	return NULL;
}

/* SENDERS threads sendmmsg datagrams to one named socket (blocking on
 * its queue limit); the case receives them in batches with recvmmsg:
 * every sender's datagrams arrive once, in order, intact. */
static void stress_mmsg_senders(struct ct_ctx *c)
{
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "mm");
	struct mm_sender s[SENDERS];
	unsigned char buf[BATCH][64], want[64];
	struct mmsghdr v[BATCH];
	struct iovec iov[BATCH];
	int next[SENDERS] = { 0 }, started = 0, total = 0, bad = 0;
	pthread_t t[SENDERS];
	long rx;

	CT_OK(c, rx, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
	CT_EQ(c, c->b->bind((int)rx, &a, al), 0);
	CT_EQ(c, ct_set_timeo(c, (int)rx, SO_RCVTIMEO, DEADLINE_MS), 0);
	for (int i = 0; i < SENDERS; i++) {
		long fd;

		CT_OK(c, fd, ct_fd(c, c->b->socket(AF_UNIX, SOCK_DGRAM, 0)));
		CT_EQ(c, ct_set_timeo(c, (int)fd, SO_SNDTIMEO, DEADLINE_MS), 0);
		s[i].c = c;
		s[i].fd = (int)fd;
		s[i].id = i;
		s[i].to = &a;
		s[i].tolen = al;
		s[i].sent = 0;
	}
	for (int i = 0; i < SENDERS; i++) {
		if (pthread_create(&t[i], NULL, mm_sender_fn, &s[i]) != 0)
			break;
		started++;
	}
	CT_CHECK_EQ(c, started, SENDERS);
	while (total < started * PER_SENDER && !bad) {
		long n;

		memset(v, 0, sizeof(v));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			v[i].msg_hdr.msg_iov = &iov[i];
			v[i].msg_hdr.msg_iovlen = 1;
		}
		n = c->b->recvmmsg((int)rx, v, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0) {
			CT_CHECK_TRUE(c, n > 0);
			break;
		}
		for (long i = 0; i < n && !bad; i++) {
			int id, seq;

			memcpy(&id, buf[i], 4);
			memcpy(&seq, buf[i] + 4, 4);
			if (id < 0 || id >= started || seq != next[id] ||
			    v[i].msg_len != dgram_make(want, id, seq) ||
			    memcmp(want, buf[i], v[i].msg_len) != 0) {
				bad = 1;
				break;
			}
			next[id]++;
			total++;
		}
	}
	/* On failure, drain so that blocked senders finish (or time out). */
	while (bad && c->b->recvfrom((int)rx, buf[0], sizeof(buf[0]), 0, NULL, NULL) > 0)
		;
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CT_EQ(c, bad, 0);
	for (int i = 0; i < started; i++) {
		CT_EQ(c, s[i].sent, PER_SENDER);
		CT_EQ(c, next[i], PER_SENDER);
	}
}

/* ---- an edge-triggered epoll reader ---- */

#define PIPES 4

/* PIPES writer threads stream data into their own socket; the case reads
 * them all through one edge-triggered epoll set, each time until EAGAIN:
 * every stream arrives intact. */
static void stress_epoll_edge_reader(struct ct_ctx *c)
{
	static char buf[65536];
	struct streamer w[PIPES];
	struct epoll_event ev[PIPES];
	pthread_t t[PIPES];
	unsigned long h[PIPES] = { 0 }, want = stream_src_init();
	long got[PIPES] = { 0 }, ep;
	int sv[PIPES][2], started = 0, done = 0;
	struct timespec t0;

	CT_OK(c, ep, ct_fd(c, c->b->epoll_create1(0)));
	for (int i = 0; i < PIPES; i++) {
		struct epoll_event e;

		CT_EQ(c, ct_pair(c, SOCK_STREAM, sv[i]), 0);
		CT_EQ(c, ct_set_timeo(c, sv[i][0], SO_SNDTIMEO, DEADLINE_MS), 0);
		memset(&e, 0, sizeof(e));
		e.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		e.data.u64 = (unsigned long long)i;
		CT_EQ(c, c->b->epoll_ctl((int)ep, EPOLL_CTL_ADD, sv[i][1], &e), 0);
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = c;
		w[i].fd = sv[i][0];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < PIPES; i++) {
		if (pthread_create(&t[i], NULL, stream_writer, &w[i]) != 0)
			break;
		started++;
	}
	CT_CHECK_EQ(c, started, PIPES);
	while (done < started && ct_elapsed_ms(&t0) < DEADLINE_MS) {
		long n = c->b->epoll_wait((int)ep, ev, PIPES, 100);

		if (n < 0) {
			CT_CHECK_TRUE(c, n >= 0);
			break;
		}
		for (long k = 0; k < n; k++) {
			int i = (int)ev[k].data.u64;
			long r;

			if (i < 0 || i >= started || got[i] == STREAM_BYTES)
				continue;
			while ((r = c->b->recvfrom(sv[i][1], buf, sizeof(buf), MSG_DONTWAIT, NULL,
						   NULL)) > 0) {
				h[i] = ct_hash(buf, (size_t)r, h[i]);
				got[i] += r;
			}
			CT_CHECK_EQ(c, r, -EAGAIN);
			if (got[i] == STREAM_BYTES)
				done++;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < started; i++) {
		CT_EQ(c, got[i], STREAM_BYTES);
		CT_EQ(c, w[i].bytes, STREAM_BYTES);
		CT_TRUE(c, h[i] == want);
	}
}

const struct ct_case ct_cases_stress[] = {
	{ "stress_rights_ring", stress_rights_ring },
	{ "stress_gc_churn", stress_gc_churn },
	{ "stress_mmsg_senders", stress_mmsg_senders },
	{ "stress_epoll_edge_reader", stress_epoll_edge_reader },
	{ 0 },
};

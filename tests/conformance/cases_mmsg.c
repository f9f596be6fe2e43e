/*
 * cases_mmsg.c - sendmmsg/recvmmsg (counts, per-entry lengths, partial
 * success, the recvmmsg timeout), which MSG_* flags AF_UNIX accepts on
 * each call, and SO_PEEK_OFF.
 *
 * Every expectation here is what Linux does (checked against Linux's own
 * sockets); where it is not obvious a comment says so.
 *
 * Linux's recvmmsg checks its timeout only after each datagram: it never
 * shortens a wait for the next one (SO_RCVTIMEO bounds those here).
 */
#include "ct.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAM_QLEN 10
#define MAX_IOV 1024 /* UIO_MAXIOV: the cap on vlen and iovlen */
#define NV 8

static const int unix_types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

/* A vector of NV entries, each one buffer (to receive into, or to send). */
struct vec {
	struct mmsghdr v[NV];
	struct iovec iov[NV];
	char buf[NV][64];
};

static long mk_sock(struct ct_ctx *c, int type)
{
	return ct_fd(c, c->b->socket(AF_UNIX, type, 0));
}

/* An address that faults (an unmapped page). */
static void *bad_ptr(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)8;
	munmap(p, 4096);
	return p;
}

/* Entries to receive into: len bytes each. */
static void vec_rx(struct vec *x, size_t len)
{
	memset(x, 0, sizeof(*x));
	for (int i = 0; i < NV; i++) {
		x->iov[i].iov_base = x->buf[i];
		x->iov[i].iov_len = len;
		x->v[i].msg_hdr.msg_iov = &x->iov[i];
		x->v[i].msg_hdr.msg_iovlen = 1;
		x->v[i].msg_len = 0xdead;
	}
}

/* Entries to send: entry i is the string msgs[i]. */
static void vec_tx(struct vec *x, const char *const *msgs, int n)
{
	memset(x, 0, sizeof(*x));
	for (int i = 0; i < NV; i++)
		x->v[i].msg_len = 0xdead;
	for (int i = 0; i < n && i < NV; i++) {
		size_t len = strlen(msgs[i]);

		memcpy(x->buf[i], msgs[i], len);
		x->iov[i].iov_base = x->buf[i];
		x->iov[i].iov_len = len;
		x->v[i].msg_hdr.msg_iov = &x->iov[i];
		x->v[i].msg_hdr.msg_iovlen = 1;
	}
}

static const char *const abc[3] = { "a", "bb", "ccc" };

/* ---- sendmmsg ---- */

/* Each entry is one sendmsg: the count returned, msg_len of each set, and
 * the receiver sees each entry as its own message (dgram, seqpacket). */
static void mmsg_send_count_and_lens(struct ct_ctx *c)
{
	struct vec x;
	char buf[8];
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		vec_tx(&x, abc, 3);
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), 3);
		for (int i = 0; i < 3; i++) {
			CT_EQ(c, x.v[i].msg_len, i + 1);
			CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), i + 1);
			CT_EQ(c, buf[0], 'a' + i);
		}
		CT_EQ(c, x.v[3].msg_len, 0xdead); /* entries past vlen untouched */
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* On a stream the entries are written in order and read as one stream. */
static void mmsg_send_stream(struct ct_ctx *c)
{
	struct vec x;
	char buf[16];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	vec_tx(&x, abc, 3);
	CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), 3);
	CT_EQ(c, x.v[2].msg_len, 3);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 6);
	CT_TRUE(c, memcmp(buf, "abbccc", 6) == 0);
}

/* vlen 0: 0, nothing sent. */
static void mmsg_send_vlen_zero(struct ct_ctx *c)
{
	struct vec x;
	char buf[4];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		vec_tx(&x, abc, 3);
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 0, 0), 0);
		CT_EQ(c, c->b->sendmmsg(sv[0], NULL, 0, 0), 0);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* sendmmsg clamps vlen to UIO_MAXIOV (1024); recvmmsg does not clamp.
 * (The sent entries are empty: 1024 small writes would fill the
 * buffer.) */
static void mmsg_vlen_clamped(struct ct_ctx *c)
{
	static struct mmsghdr v[MAX_IOV + 5];
	static char data[MAX_IOV + 5];
	static struct iovec iov[MAX_IOV + 5];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	memset(v, 0, sizeof(v));
	for (int i = 0; i < MAX_IOV + 5; i++) {
		iov[i].iov_base = &data[i];
		iov[i].iov_len = 0;
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
		v[i].msg_len = 0xdead;
	}
	CT_EQ(c, c->b->sendmmsg(sv[0], v, MAX_IOV + 5, MSG_DONTWAIT), MAX_IOV);
	CT_EQ(c, v[MAX_IOV - 1].msg_len, 0);
	CT_EQ(c, v[MAX_IOV].msg_len, 0xdead);
	for (int i = 0; i < MAX_IOV + 5; i++) {
		data[i] = (char)i;
		iov[i].iov_len = 1;
	}
	CT_EQ(c, ct_snd(c, sv[0], data, sizeof(data), 0), (long)sizeof(data));
	memset(data, 0, sizeof(data));
	CT_EQ(c, c->b->recvmmsg(sv[1], v, MAX_IOV + 5, MSG_DONTWAIT, NULL), MAX_IOV + 5);
	CT_EQ(c, v[MAX_IOV + 4].msg_len, 1);
	CT_EQ(c, data[MAX_IOV + 4], (char)(MAX_IOV + 4));
	CT_EQ(c, ct_rcv(c, sv[1], data, sizeof(data), MSG_DONTWAIT), -EAGAIN);
}

/* An entry failing after others were sent: the count so far, and the
 * error is dropped (not kept for SO_ERROR). */
static void mmsg_send_partial_efault(struct ct_ctx *c)
{
	struct vec x;
	char buf[8];
	int sv[2], err = -1;
	unsigned el = sizeof(err);

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		vec_tx(&x, abc, 3);
		x.iov[1].iov_base = bad_ptr();
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), 1);
		CT_EQ(c, x.v[0].msg_len, 1);
		CT_EQ(c, x.v[1].msg_len, 0xdead);
		CT_EQ(c, c->b->getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el), 0);
		CT_EQ(c, err, 0);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* The first entry failing: its error. */
static void mmsg_send_first_fails(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		vec_tx(&x, abc, 3);
		x.iov[0].iov_base = bad_ptr();
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), -EFAULT);
		x.iov[0].iov_base = x.buf[0];
		x.v[0].msg_hdr.msg_iovlen = MAX_IOV + 1;
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), -EMSGSIZE);
	}
}

/* An oversized datagram after others: the count so far; the EMSGSIZE is
 * dropped. */
static void mmsg_send_partial_emsgsize(struct ct_ctx *c)
{
	static char big[300000];
	struct vec x;
	char buf[8];
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		vec_tx(&x, abc, 3);
		x.iov[1].iov_base = big;
		x.iov[1].iov_len = sizeof(big);
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, MSG_DONTWAIT), 1);
		CT_EQ(c, c->b->sendmmsg(sv[0], &x.v[1], 2, MSG_DONTWAIT), -EMSGSIZE);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	}
}

/* A stream entry written in part (nonblocking, buffer full) counts, with
 * its msg_len short; the entry after it gets EAGAIN and ends the call. */
static void mmsg_send_stream_partial_entry(struct ct_ctx *c)
{
	static char big[3][150000];
	struct mmsghdr v[3];
	struct iovec iov[3];
	long r, sum = 0;
	int sv[2], q = 0;

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = big[i];
		iov[i].iov_len = sizeof(big[i]);
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
	}
	CT_OK(c, r, c->b->sendmmsg(sv[0], v, 3, MSG_DONTWAIT));
	CT_TRUE(c, r >= 1 && r < 3);
	for (long i = 0; i < r; i++) {
		CT_TRUE(c, v[i].msg_len > 0);
		CT_TRUE(c, i == r - 1 || v[i].msg_len == sizeof(big[i]));
		sum += v[i].msg_len;
	}
	CT_TRUE(c, v[r - 1].msg_len < sizeof(big[0]));
	CT_EQ(c, c->b->ioctl(sv[1], FIONREAD, &q), 0);
	CT_EQ(c, q, sum);
}

/* The vector itself unreadable: EFAULT. */
static void mmsg_vec_efault(struct ct_ctx *c)
{
	char buf[4];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, c->b->sendmmsg(sv[0], bad_ptr(), 2, 0), -EFAULT);
		CT_EQ(c, ct_snd(c, sv[0], "k", 1, 0), 1);
		CT_EQ(c, c->b->recvmmsg(sv[1], bad_ptr(), 2, MSG_DONTWAIT, NULL), -EFAULT);
		/* Nothing was consumed. */
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
	}
}

/* A full datagram receiver: the entries that fit, then EAGAIN. */
static void mmsg_send_partial_eagain(struct ct_ctx *c)
{
	static const char *const many[NV] = { "0", "1", "2", "3", "4", "5", "6", "7" };
	struct sockaddr_un a;
	unsigned al = ct_abstract(c, &a, "q");
	struct vec x;
	long r, s;
	int i;

	CT_OK(c, r, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)r, &a, al), 0);
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->connect((int)s, &a, al), 0);
	for (i = 0; i < MAX_DGRAM_QLEN + 1 - 3; i++)
		CT_EQ(c, ct_snd(c, (int)s, "q", 1, MSG_DONTWAIT), 1);
	vec_tx(&x, many, NV);
	CT_EQ(c, c->b->sendmmsg((int)s, x.v, NV, MSG_DONTWAIT), 3);
	CT_EQ(c, c->b->sendmmsg((int)s, x.v, NV, MSG_DONTWAIT), -EAGAIN);
}

/* Each entry may name its own destination. */
static void mmsg_send_per_entry_address(struct ct_ctx *c)
{
	struct sockaddr_un a[2];
	unsigned al[2];
	struct vec x;
	char buf[8];
	long r[2], s;

	for (int i = 0; i < 2; i++) {
		al[i] = ct_abstract(c, &a[i], i ? "b" : "a");
		CT_OK(c, r[i], mk_sock(c, SOCK_DGRAM));
		CT_EQ(c, c->b->bind((int)r[i], &a[i], al[i]), 0);
	}
	CT_OK(c, s, mk_sock(c, SOCK_DGRAM));
	vec_tx(&x, abc, 3);
	for (int i = 0; i < 3; i++) {
		x.v[i].msg_hdr.msg_name = &a[i % 2];
		x.v[i].msg_hdr.msg_namelen = al[i % 2];
	}
	CT_EQ(c, c->b->sendmmsg((int)s, x.v, 3, 0), 3);
	CT_EQ(c, ct_rcv(c, (int)r[0], buf, sizeof(buf), MSG_DONTWAIT), 1);
	CT_EQ(c, ct_rcv(c, (int)r[0], buf, sizeof(buf), MSG_DONTWAIT), 3);
	CT_EQ(c, ct_rcv(c, (int)r[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
}

/* MSG_OOB on datagram and seqpacket sockets: EOPNOTSUPP, for both. */
static void mmsg_oob_unsupported(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		vec_tx(&x, abc, 3);
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, MSG_OOB), -EOPNOTSUPP);
		CT_EQ(c, ct_snd(c, sv[0], "d", 1, 0), 1);
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_OOB | MSG_DONTWAIT, NULL), -EOPNOTSUPP);
	}
}

/* MSG_EOR on a seqpacket sendmmsg is accepted; records stay records. */
static void mmsg_eor_seqpacket(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	vec_tx(&x, abc, 3);
	CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, MSG_EOR), 3);
	vec_rx(&x, 8);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_DONTWAIT, NULL), 3);
	for (int i = 0; i < 3; i++) {
		CT_EQ(c, x.v[i].msg_len, i + 1);
		CT_EQ(c, x.v[i].msg_hdr.msg_flags, 0);
	}
}

/* Descriptors in several entries: each entry's control data goes with it. */
static void mmsg_send_rights_per_entry(struct ct_ctx *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl[2], rctl[3];
	struct cmsghdr *cm;
	struct vec x;
	int sv[2], p[2][2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p[0]), 0);
	CT_EQ(c, ct_pair(c, SOCK_DGRAM, p[1]), 0);
	vec_tx(&x, abc, 3);
	memset(ctl, 0, sizeof(ctl));
	for (int i = 0; i < 2; i++) {
		x.v[i * 2].msg_hdr.msg_control = ctl[i].b;
		x.v[i * 2].msg_hdr.msg_controllen = sizeof(ctl[i].b);
		cm = CMSG_FIRSTHDR(&x.v[i * 2].msg_hdr);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &p[i][0], sizeof(int));
	}
	CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), 3);
	vec_rx(&x, 8);
	memset(rctl, 0, sizeof(rctl));
	for (int i = 0; i < 3; i++) {
		x.v[i].msg_hdr.msg_control = rctl[i].b;
		x.v[i].msg_hdr.msg_controllen = sizeof(rctl[i].b);
	}
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_DONTWAIT, NULL), 3);
	CT_EQ(c, x.v[1].msg_hdr.msg_controllen, 0);
	for (int i = 0; i < 2; i++) {
		int fd;
		char ch;

		CT_EQ(c, x.v[i * 2].msg_hdr.msg_controllen, CMSG_SPACE(sizeof(int)));
		cm = CMSG_FIRSTHDR(&x.v[i * 2].msg_hdr);
		CT_TRUE(c, cm && cm->cmsg_type == SCM_RIGHTS);
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		ct_fd(c, fd);
		CT_EQ(c, ct_snd(c, fd, "w", 1, 0), 1);
		CT_EQ(c, ct_rcv(c, p[i][1], &ch, 1, MSG_DONTWAIT), 1);
	}
}

/* ---- recvmmsg ---- */

/* Datagrams queued: as many as there are (up to vlen), each entry's
 * msg_len its datagram's length; a nonblocking call stops at EAGAIN
 * without reporting it. */
static void mmsg_recv_count_and_lens(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i < 3; i++)
			CT_EQ(c, ct_snd(c, sv[0], abc[i], strlen(abc[i]), 0), (long)strlen(abc[i]));
		CT_EQ(c, ct_snd(c, sv[0], "", 0, 0), 0);
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_DONTWAIT, NULL), 4);
		for (int i = 0; i < 3; i++) {
			CT_EQ(c, x.v[i].msg_len, i + 1);
			CT_EQ(c, x.buf[i][0], 'a' + i);
		}
		CT_EQ(c, x.v[3].msg_len, 0); /* the empty datagram counts */
		CT_EQ(c, x.v[4].msg_len, 0xdead);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_DONTWAIT, NULL), -EAGAIN);
	}
}

/* MSG_PEEK: every entry peeks the same first message (nothing is
 * consumed); with SO_PEEK_OFF the peeks move on, one message each,
 * until nothing is left to peek. */
static void mmsg_recv_peek(struct ct_ctx *c)
{
	struct vec x;
	int sv[2], z = 0;

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
		CT_EQ(c, ct_snd(c, sv[0], "bb", 2, 0), 2);
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_PEEK | MSG_DONTWAIT, NULL), 3);
		for (int i = 0; i < 3; i++) {
			CT_EQ(c, x.v[i].msg_len, 1);
			CT_EQ(c, x.buf[i][0], 'a');
		}
		CT_EQ(c, c->b->setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &z, sizeof(z)), 0);
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_PEEK | MSG_DONTWAIT, NULL), 2);
		CT_EQ(c, x.v[0].msg_len, 1);
		CT_EQ(c, x.v[1].msg_len, 2);
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_DONTWAIT, NULL), 2);
	}
}

/* Only vlen entries are filled; the rest stays queued. */
static void mmsg_recv_vlen_bounds(struct ct_ctx *c)
{
	struct vec x;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (int i = 0; i < 3; i++)
		CT_EQ(c, ct_snd(c, sv[0], abc[i], strlen(abc[i]), 0), (long)strlen(abc[i]));
	vec_rx(&x, 8);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 0, 0, NULL), 0); /* vlen 0: at once */
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, NULL), 2);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 3);
}

/* On a stream each entry is one read: a read does not span entries,
 * and at EOF the remaining entries each read 0 bytes and count. */
static void mmsg_recv_stream(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	CT_EQ(c, ct_snd(c, sv[0], "def", 3, 0), 3);
	vec_rx(&x, 4);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_DONTWAIT, NULL), 2);
	CT_EQ(c, x.v[0].msg_len, 4);
	CT_EQ(c, x.v[1].msg_len, 2);
	CT_TRUE(c, memcmp(x.buf[0], "abcd", 4) == 0);
	CT_EQ(c, ct_snd(c, sv[0], "g", 1, 0), 1);
	CT_EQ(c, c->b->shutdown(sv[0], SHUT_WR), 0);
	vec_rx(&x, 4);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, 0, NULL), 3);
	CT_EQ(c, x.v[0].msg_len, 1);
	CT_EQ(c, x.v[1].msg_len, 0);
	CT_EQ(c, x.v[2].msg_len, 0);
}

/* Seqpacket at EOF: the same, zero-length entries count. */
static void mmsg_recv_seqpacket_eof(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_SEQPACKET, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	ct_untrack(c, sv[0]);
	CT_EQ(c, c->b->close(sv[0]), 0);
	vec_rx(&x, 8);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, 0, NULL), 3);
	CT_EQ(c, x.v[0].msg_len, 3);
	CT_EQ(c, x.v[1].msg_len, 0);
	CT_EQ(c, x.v[2].msg_len, 0);
}

/* Names per entry: each datagram's sender. */
static void mmsg_recv_names(struct ct_ctx *c)
{
	struct sockaddr_un r, a[2], got[3];
	unsigned rl = ct_abstract(c, &r, "r"), al[2];
	struct vec x;
	long fr, s[2];

	CT_OK(c, fr, mk_sock(c, SOCK_DGRAM));
	CT_EQ(c, c->b->bind((int)fr, &r, rl), 0);
	for (int i = 0; i < 2; i++) {
		al[i] = ct_abstract(c, &a[i], i ? "s1" : "s0");
		CT_OK(c, s[i], mk_sock(c, SOCK_DGRAM));
		CT_EQ(c, c->b->bind((int)s[i], &a[i], al[i]), 0);
	}
	CT_EQ(c, c->b->sendto((int)s[0], "x", 1, 0, &r, rl), 1);
	CT_EQ(c, c->b->sendto((int)s[1], "y", 1, 0, &r, rl), 1);
	CT_EQ(c, c->b->sendto((int)s[0], "z", 1, 0, &r, rl), 1);
	vec_rx(&x, 8);
	for (int i = 0; i < 3; i++) {
		x.v[i].msg_hdr.msg_name = &got[i];
		x.v[i].msg_hdr.msg_namelen = sizeof(got[i]);
	}
	CT_EQ(c, c->b->recvmmsg((int)fr, x.v, 3, MSG_DONTWAIT, NULL), 3);
	for (int i = 0; i < 3; i++) {
		int k = i == 1;

		CT_EQ(c, x.v[i].msg_hdr.msg_namelen, al[k]);
		CT_TRUE(c, memcmp(&got[i], &a[k], al[k]) == 0);
	}
}

/* An entry failing after others were received: the count so far. On a
 * datagram socket the failed datagram is gone and its error is kept for
 * the next call (or SO_ERROR). */
static void mmsg_recv_partial_error_dgram(struct ct_ctx *c)
{
	struct vec x;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	for (int i = 0; i < 3; i++)
		CT_EQ(c, ct_snd(c, sv[0], abc[i], strlen(abc[i]), 0), (long)strlen(abc[i]));
	vec_rx(&x, 8);
	x.iov[1].iov_base = bad_ptr();
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_DONTWAIT, NULL), 1);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), -EFAULT);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 3);
}

/* On a stream the bytes that could not be copied stay queued; the error
 * is kept for SO_ERROR. */
static void mmsg_recv_partial_error_stream(struct ct_ctx *c)
{
	struct vec x;
	char buf[8];
	int sv[2], err = 0;
	unsigned el = sizeof(err);

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
	vec_rx(&x, 1);
	x.iov[1].iov_base = bad_ptr();
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, MSG_DONTWAIT, NULL), 1);
	CT_EQ(c, c->b->getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CT_EQ(c, err, EFAULT);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
	CT_TRUE(c, memcmp(buf, "bc", 2) == 0);
}

/* MSG_WAITFORONE: blocks for the first datagram only. */
static void mmsg_waitforone(struct ct_ctx *c)
{
	struct timespec t0;
	struct vec x;
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 2000), 0);
		CT_EQ(c, ct_snd(c, sv[0], "ab", 2, 0), 2);
		vec_rx(&x, 8);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_WAITFORONE, NULL), 1);
		CT_TRUE(c, ct_elapsed_ms(&t0) < 1000);
		if (unix_types[t] != SOCK_DGRAM)
			continue;
		/* With nothing queued it waits (here until SO_RCVTIMEO). */
		CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 50), 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_WAITFORONE, NULL), -EAGAIN);
		CT_TRUE(c, ct_elapsed_ms(&t0) >= 40);
	}
}

/* Without MSG_WAITFORONE a blocking recvmmsg waits for vlen datagrams;
 * SO_RCVTIMEO ends the wait and the count so far is returned. */
static void mmsg_recv_blocks_for_vlen(struct ct_ctx *c)
{
	struct timespec t0;
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 50), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	vec_rx(&x, 8);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, 0, NULL), 1);
	CT_TRUE(c, ct_elapsed_ms(&t0) >= 40);
}

/* The timeout is checked only after a datagram: a 10 ms timeout does not
 * end the wait for the second one (SO_RCVTIMEO does, 60 ms). The time
 * written back is what was left after the last datagram received. */
static void mmsg_timeout_between_datagrams(struct ct_ctx *c)
{
	struct timespec t0, to = { 0, 10 * 1000000 };
	struct vec x;
	long ms;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_set_timeo(c, sv[1], SO_RCVTIMEO, 60), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	vec_rx(&x, 8);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, 0, &to), 1);
	ms = ct_elapsed_ms(&t0);
	CT_TRUE(c, ms >= 50);
	CT_TRUE(c, ms < 1000);
	CT_EQ(c, to.tv_sec, 0);
	CT_TRUE(c, to.tv_nsec > 0 && to.tv_nsec <= 10 * 1000000);
}

/* An expired timeout ends the call after the datagram in hand; the time
 * left (none) is written back. */
static void mmsg_timeout_zero(struct ct_ctx *c)
{
	struct timespec to = { 0, 0 };
	struct vec x;
	char buf[8];
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int i = 0; i < 3; i++)
			CT_EQ(c, ct_snd(c, sv[0], abc[i], strlen(abc[i]), 0), (long)strlen(abc[i]));
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 3, 0, &to), 1);
		CT_EQ(c, to.tv_sec, 0);
		CT_EQ(c, to.tv_nsec, 0);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
	}
}

/* A long timeout: every datagram received, the time left written back
 * (a little under the timeout). */
static void mmsg_timeout_written_back(struct ct_ctx *c)
{
	struct timespec to = { 5, 0 };
	struct vec x;
	long left;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	CT_EQ(c, ct_snd(c, sv[0], "b", 1, 0), 1);
	vec_rx(&x, 8);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, 0, &to), 2);
	left = to.tv_sec * 1000000000L + to.tv_nsec;
	CT_TRUE(c, left > 4000000000L && left <= 5000000000L);
	/* With no datagram the timeout is not written. */
	to.tv_sec = 7;
	to.tv_nsec = 123;
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, &to), -EAGAIN);
	CT_EQ(c, to.tv_sec, 7);
	CT_EQ(c, to.tv_nsec, 123);
}

/* A malformed timeout: EINVAL, an unreadable one EFAULT; nothing read. */
static void mmsg_timeout_invalid(struct ct_ctx *c)
{
	struct timespec to;
	struct vec x;
	char buf[8];
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "a", 1, 0), 1);
	vec_rx(&x, 8);
	to.tv_sec = 0;
	to.tv_nsec = 1000000000;
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, &to), -EINVAL);
	to.tv_sec = -1;
	to.tv_nsec = 0;
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, &to), -EINVAL);
	to.tv_sec = 0;
	to.tv_nsec = -1;
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, &to), -EINVAL);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, bad_ptr()), -EFAULT);
	CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
}

/* On a stream, an urgent byte ends recvmmsg after its entry (MSG_OOB
 * in that entry's msg_flags). */
static void mmsg_recv_oob_stops(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "ab", 2, 0), 2);
	CT_EQ(c, ct_snd(c, sv[0], "!", 1, MSG_OOB), 1);
	vec_rx(&x, 8);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_OOB | MSG_DONTWAIT, NULL), 1);
	CT_EQ(c, x.v[0].msg_len, 1);
	CT_EQ(c, x.buf[0][0], '!');
	CT_EQ(c, x.v[0].msg_hdr.msg_flags, MSG_OOB);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, NV, MSG_DONTWAIT, NULL), 1);
	CT_EQ(c, x.v[0].msg_len, 2);
}

/* Truncated datagrams: MSG_TRUNC in the entry's msg_flags, msg_len the
 * bytes copied (or the full length with the MSG_TRUNC recv flag). */
static void mmsg_recv_trunc(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_DGRAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "gh", 2, 0), 2);
	CT_EQ(c, ct_snd(c, sv[0], "ijklmn", 6, 0), 6);
	vec_rx(&x, 3);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT, NULL), 2);
	CT_EQ(c, x.v[0].msg_len, 3);
	CT_EQ(c, x.v[0].msg_hdr.msg_flags, MSG_TRUNC);
	CT_EQ(c, x.v[1].msg_len, 2);
	CT_EQ(c, x.v[1].msg_hdr.msg_flags, 0);
	CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 2, MSG_DONTWAIT | MSG_TRUNC, NULL), 1);
	CT_EQ(c, x.v[0].msg_len, 6);
}

/* sendmmsg to a closed stream peer: EPIPE and SIGPIPE (MSG_NOSIGNAL:
 * none). */
static void mmsg_send_epipe(struct ct_ctx *c)
{
	struct vec x;
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	ct_untrack(c, sv[1]);
	CT_EQ(c, c->b->close(sv[1]), 0);
	vec_tx(&x, abc, 3);
	(void)ct_take_sigpipe();
	CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, 0), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 1);
	CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 3, MSG_NOSIGNAL), -EPIPE);
	CT_EQ(c, ct_take_sigpipe(), 0);
}

/* ---- MSG_* flags ---- */

/* Every flag bit is accepted by send on every type (unknown bits are
 * ignored), except MSG_OOB on datagram and seqpacket sockets. */
static void mmsg_send_flags_accepted(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (int bit = 1; bit < 32; bit++) {
			int f = (int)(1u << bit) | MSG_DONTWAIT;

			if (ct_snd(c, sv[0], "abc", 3, f) != 3) {
				ct_fail(c, __FILE__, __LINE__, "type %d: send flag %#x: %ld",
					unix_types[t], 1u << bit, ct_snd(c, sv[0], "abc", 3, f));
				return;
			}
			CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 3);
		}
	}
}

/* Receive flags with no effect on AF_UNIX are accepted and ignored; the
 * reads return the data as without them. */
static void mmsg_recv_flags_ignored(struct ct_ctx *c)
{
	static const int ignored[] = { MSG_DONTROUTE, MSG_CTRUNC, MSG_PROXY, MSG_EOR,
				       MSG_FIN,       MSG_SYN,	  MSG_CONFIRM, MSG_RST,
				       MSG_ERRQUEUE,  MSG_NOSIGNAL, MSG_MORE, MSG_WAITFORONE,
				       MSG_BATCH,     MSG_ZEROCOPY, MSG_FASTOPEN };
	struct iovec iov;
	struct msghdr m;
	char buf[4];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
			CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
			memset(&m, 0, sizeof(m));
			iov.iov_base = buf;
			iov.iov_len = sizeof(buf);
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			if (c->b->recvmsg(sv[1], &m, ignored[i] | MSG_DONTWAIT) != 4) {
				ct_fail(c, __FILE__, __LINE__, "type %d: recv flag %#x",
					unix_types[t], ignored[i]);
				return;
			}
			CT_EQ(c, m.msg_flags, unix_types[t] == SOCK_STREAM ? 0 : MSG_TRUNC);
			if (unix_types[t] == SOCK_STREAM)
				CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
		}
	}
}

/* MSG_CMSG_COMPAT (the top bit) is refused by the msghdr calls (EINVAL),
 * but ignored by sendto and recvfrom. */
static void mmsg_compat_flag(struct ct_ctx *c)
{
	const int compat = (int)0x80000000u;
	struct iovec iov = { "abc", 3 };
	struct msghdr m;
	struct vec x;
	char buf[8];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		CT_EQ(c, c->b->sendmsg(sv[0], &m, compat), -EINVAL);
		vec_tx(&x, abc, 1);
		CT_EQ(c, c->b->sendmmsg(sv[0], x.v, 1, compat), -EINVAL);
		CT_EQ(c, ct_snd(c, sv[0], "abc", 3, compat), 3);
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		CT_EQ(c, c->b->recvmsg(sv[1], &m, compat | MSG_DONTWAIT), -EINVAL);
		vec_rx(&x, 8);
		CT_EQ(c, c->b->recvmmsg(sv[1], x.v, 1, compat | MSG_DONTWAIT, NULL), -EINVAL);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), compat | MSG_DONTWAIT), 3);
		iov.iov_base = "abc";
		iov.iov_len = 3;
	}
}

/* MSG_OOB on receive: EINVAL on a stream with no urgent byte, EOPNOTSUPP
 * on the other types. */
static void mmsg_recv_oob_flag(struct ct_ctx *c)
{
	char buf[8];
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_snd(c, sv[0], "abc", 3, 0), 3);
		CT_EQ(c, ct_rcv(c, sv[1], buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT),
		      unix_types[t] == SOCK_STREAM ? -EINVAL : -EOPNOTSUPP);
	}
}

/* ---- SO_PEEK_OFF ---- */

static long set_peek_off(struct ct_ctx *c, int fd, int v)
{
	return c->b->setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v));
}

static long peek_off(struct ct_ctx *c, int fd)
{
	unsigned l = sizeof(int);
	int v = -7;
	long r = c->b->getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &v, &l);

	return r < 0 ? r : v;
}

/* Reads n bytes with flags; returns the count, the bytes compared with
 * want (a mismatch: -1000). */
static long rd(struct ct_ctx *c, int fd, int n, int flags, const char *want)
{
	char buf[32];
	long r = ct_rcv(c, fd, buf, (unsigned long)n, flags | MSG_DONTWAIT);

	if (r > 0 && want && memcmp(buf, want, (size_t)r) != 0)
		return -1000;
	return r;
}

/* Stream: each peek starts at the offset and moves it on; a read moves
 * it back by what it consumed. */
static void mmsg_peek_off_stream(struct ct_ctx *c)
{
	int sv[2];

	CT_EQ(c, ct_pair(c, SOCK_STREAM, sv), 0);
	CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
	CT_EQ(c, ct_snd(c, sv[0], "ghij", 4, 0), 4);
	CT_EQ(c, set_peek_off(c, sv[1], 0), 0);
	CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "ab"), 2);
	CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "cd"), 2);
	CT_EQ(c, peek_off(c, sv[1]), 4);
	CT_EQ(c, rd(c, sv[1], 10, MSG_PEEK, "efghij"), 6); /* across writes */
	CT_EQ(c, peek_off(c, sv[1]), 10);
	CT_EQ(c, rd(c, sv[1], 10, MSG_PEEK, NULL), -EAGAIN);
	CT_EQ(c, rd(c, sv[1], 1, 0, "a"), 1);
	CT_EQ(c, peek_off(c, sv[1]), 9);
	CT_EQ(c, rd(c, sv[1], 3, MSG_PEEK, NULL), -EAGAIN);
	CT_EQ(c, rd(c, sv[1], 10, 0, "bcdefghij"), 9);
	CT_EQ(c, peek_off(c, sv[1]), 0);
	/* An offset past the data: nothing to peek until more arrives. */
	CT_EQ(c, set_peek_off(c, sv[1], 3), 0);
	CT_EQ(c, ct_snd(c, sv[0], "xyz", 3, 0), 3);
	CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, NULL), -EAGAIN);
	CT_EQ(c, ct_snd(c, sv[0], "uv", 2, 0), 2);
	CT_EQ(c, rd(c, sv[1], 5, MSG_PEEK, "uv"), 2);
	CT_EQ(c, rd(c, sv[1], 8, 0, "xyzuv"), 5);
	CT_EQ(c, peek_off(c, sv[1]), 0);
}

/* Datagram and seqpacket: the offset runs within a message and then
 * skips whole messages; a peek returns the rest of one message at most;
 * reading a message moves the offset back by the message's full length. */
static void mmsg_peek_off_dgram(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 1; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_snd(c, sv[0], "abcdef", 6, 0), 6);
		CT_EQ(c, ct_snd(c, sv[0], "ghij", 4, 0), 4);
		CT_EQ(c, set_peek_off(c, sv[1], 0), 0);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "ab"), 2);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "cd"), 2);
		CT_EQ(c, rd(c, sv[1], 10, MSG_PEEK, "ef"), 2);
		CT_EQ(c, peek_off(c, sv[1]), 6);
		CT_EQ(c, rd(c, sv[1], 10, MSG_PEEK, "ghij"), 4);
		CT_EQ(c, peek_off(c, sv[1]), 10);
		CT_EQ(c, rd(c, sv[1], 10, MSG_PEEK, NULL), -EAGAIN);
		CT_EQ(c, rd(c, sv[1], 1, 0, "a"), 1); /* the whole datagram goes */
		CT_EQ(c, peek_off(c, sv[1]), 4);
		CT_EQ(c, rd(c, sv[1], 3, MSG_PEEK, NULL), -EAGAIN);
		CT_EQ(c, rd(c, sv[1], 10, 0, "ghij"), 4);
		CT_EQ(c, peek_off(c, sv[1]), 0);
		CT_EQ(c, set_peek_off(c, sv[1], 3), 0);
		CT_EQ(c, ct_snd(c, sv[0], "xyz", 3, 0), 3);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, NULL), -EAGAIN); /* offset == length */
		CT_EQ(c, rd(c, sv[1], 5, 0, "xyz"), 3);
		CT_EQ(c, peek_off(c, sv[1]), 0);
	}
}

/* A peek that does not use the offset (SO_PEEK_OFF -1, the default)
 * always starts at the front; turning it off resets nothing else. */
static void mmsg_peek_off_disabled(struct ct_ctx *c)
{
	int sv[2];

	for (int t = 0; t < 3; t++) {
		CT_EQ(c, ct_pair(c, unix_types[t], sv), 0);
		CT_EQ(c, ct_snd(c, sv[0], "abcd", 4, 0), 4);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "ab"), 2);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "ab"), 2);
		CT_EQ(c, peek_off(c, sv[1]), -1);
		CT_EQ(c, set_peek_off(c, sv[1], 1), 0);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "bc"), 2);
		CT_EQ(c, set_peek_off(c, sv[1], -1), 0);
		CT_EQ(c, rd(c, sv[1], 2, MSG_PEEK, "ab"), 2);
		CT_EQ(c, peek_off(c, sv[1]), -1);
	}
}

const struct ct_case ct_cases_mmsg[] = {
	{ "mmsg_send_count_and_lens", mmsg_send_count_and_lens },
	{ "mmsg_send_stream", mmsg_send_stream },
	{ "mmsg_send_vlen_zero", mmsg_send_vlen_zero },
	{ "mmsg_vlen_clamped", mmsg_vlen_clamped },
	{ "mmsg_send_partial_efault", mmsg_send_partial_efault },
	{ "mmsg_send_first_fails", mmsg_send_first_fails },
	{ "mmsg_send_partial_emsgsize", mmsg_send_partial_emsgsize },
	{ "mmsg_send_stream_partial_entry", mmsg_send_stream_partial_entry },
	{ "mmsg_vec_efault", mmsg_vec_efault },
	{ "mmsg_send_partial_eagain", mmsg_send_partial_eagain },
	{ "mmsg_send_per_entry_address", mmsg_send_per_entry_address },
	{ "mmsg_oob_unsupported", mmsg_oob_unsupported },
	{ "mmsg_eor_seqpacket", mmsg_eor_seqpacket },
	{ "mmsg_send_rights_per_entry", mmsg_send_rights_per_entry },
	{ "mmsg_recv_count_and_lens", mmsg_recv_count_and_lens },
	{ "mmsg_recv_peek", mmsg_recv_peek },
	{ "mmsg_recv_vlen_bounds", mmsg_recv_vlen_bounds },
	{ "mmsg_recv_stream", mmsg_recv_stream },
	{ "mmsg_recv_seqpacket_eof", mmsg_recv_seqpacket_eof },
	{ "mmsg_recv_names", mmsg_recv_names },
	{ "mmsg_recv_partial_error_dgram", mmsg_recv_partial_error_dgram },
	{ "mmsg_recv_partial_error_stream", mmsg_recv_partial_error_stream },
	{ "mmsg_waitforone", mmsg_waitforone },
	{ "mmsg_recv_blocks_for_vlen", mmsg_recv_blocks_for_vlen },
	{ "mmsg_timeout_between_datagrams", mmsg_timeout_between_datagrams },
	{ "mmsg_timeout_zero", mmsg_timeout_zero },
	{ "mmsg_timeout_written_back", mmsg_timeout_written_back },
	{ "mmsg_timeout_invalid", mmsg_timeout_invalid },
	{ "mmsg_recv_oob_stops", mmsg_recv_oob_stops },
	{ "mmsg_recv_trunc", mmsg_recv_trunc },
	{ "mmsg_send_epipe", mmsg_send_epipe },
	{ "mmsg_send_flags_accepted", mmsg_send_flags_accepted },
	{ "mmsg_recv_flags_ignored", mmsg_recv_flags_ignored },
	{ "mmsg_compat_flag", mmsg_compat_flag },
	{ "mmsg_recv_oob_flag", mmsg_recv_oob_flag },
	{ "mmsg_peek_off_stream", mmsg_peek_off_stream },
	{ "mmsg_peek_off_dgram", mmsg_peek_off_dgram },
	{ "mmsg_peek_off_disabled", mmsg_peek_off_disabled },
	{ 0 },
};

/*
 * netfs_impl.h - what the files of src/netfs share: the family table,
 * finding a socket by id for the caller's namespace, the snapshot of a
 * family directory, and a growing text buffer with the text files' makers.
 *
 * Interface: internal to src/netfs (netfs.h is the public one).
 * Locking: none of its own (see netfs.h).
 */
#ifndef KS_NETFS_IMPL_H
#define KS_NETFS_IMPL_H

#include "netfs.h"

struct netfs_type {
	const char *name; /* the factory's file name */
	int type;         /* KS_SOCK_* */
};

struct netfs_family {
	int domain;       /* KS_AF_* */
	const char *name; /* the directory's name */
	const struct netfs_type *types;
	unsigned ntypes;
};

extern const struct netfs_family netfs_families[];
extern const unsigned netfs_nfamilies;

/* Whether family index fam exists here (its ksock family is registered). */
bool netfs_family_present(unsigned fam);
/* The type's name in family fam ("?" if none). */
const char *netfs_type_name(unsigned fam, int type);

/* The i-th file of a socket directory: its name and kind; NULL past the end. */
const char *netfs_sock_file_name(unsigned i, unsigned char *kind);

/* Socket id of family fam, if the caller's namespace owns it and it still
 * has a file reference: 0 and, when out is not NULL, *out with a new file
 * reference (drop with ks_socket_file_put); else -KS_ENOENT. */
int netfs_sock_find(unsigned fam, unsigned long id, struct ks_socket **out);

/* The ids of the caller's live sockets of family fam, in an array of *cap
 * entries (free with ks_port_free(ids, cap * sizeof(*ids))). */
int netfs_ids_collect(unsigned fam, unsigned long **ids, unsigned long *n, unsigned long *cap);

/* The caller's live sockets of family fam, each with a file reference, in
 * an array of *cap entries: put each, then free the array. */
int netfs_socks_collect(unsigned fam, struct ks_socket ***socks, unsigned long *n,
			unsigned long *cap);

/* A text that grows as it is written; err keeps the first failure. */
struct netfs_text {
	char *buf;
	unsigned long len, cap;
	int err;
};
void netfs_text_put(struct netfs_text *t, const char *s, unsigned long n);
void netfs_text_str(struct netfs_text *t, const char *s);
void netfs_text_num(struct netfs_text *t, unsigned long v);
void netfs_text_free(struct netfs_text *t);

/* The text files' contents, appended to t; each returns t->err. */
int netfs_text_id(struct netfs_text *t, unsigned long id);
int netfs_text_status(struct netfs_text *t, struct ks_socket *s, unsigned fam);
int netfs_text_addr(struct netfs_text *t, struct ks_socket *s, bool peer);
int netfs_text_addrs(struct netfs_text *t, unsigned fam);

#endif

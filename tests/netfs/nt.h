/*
 * nt.h - the netfs unit tests' runner interface (as tests/unit/ut.h): cases,
 * groups, check macros, and helpers that drive the /net tree by path.
 *
 * A case is a function taking a struct nt_ctx; NT_TRUE/NT_EQ record the
 * first failure and return from the case, NT_CHECK_* only record (for use
 * between pthread_create and pthread_join). After every case the runner
 * checks that no ksock mutex is held, no port allocation leaked and no
 * socket is left alive.
 *
 * Helpers take paths below /net without a leading slash ("local/7/ctl").
 *
 * Interface: the macros, the groups (one per test file, listed in main.c),
 * nt_* helpers (helpers.c). Locking: cases run one at a time.
 */
#ifndef NT_H
#define NT_H

#include <stdbool.h>

#include "netfs/netfs.h"

struct nt_ctx {
	int failed;
	char msg[256];
};

struct nt_case {
	const char *name;
	void (*fn)(struct nt_ctx *t);
};

void nt_fail(struct nt_ctx *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define NT_CHECK_TRUE(t, cond)                                               \
	do {                                                                 \
		if (!(cond))                                                 \
			nt_fail((t), __FILE__, __LINE__, "%s", #cond);       \
	} while (0)
#define NT_CHECK_EQ(t, expr, want)                                           \
	do {                                                                 \
		long nt_g_ = (long)(expr), nt_w_ = (long)(want);             \
		if (nt_g_ != nt_w_)                                          \
			nt_fail((t), __FILE__, __LINE__, "%s = %ld, want %ld", \
				#expr, nt_g_, nt_w_);                        \
	} while (0)
#define NT_CHECK_STR(t, got, want)                                           \
	do {                                                                 \
		if (strcmp((got), (want)) != 0)                              \
			nt_fail((t), __FILE__, __LINE__, "%s = \"%s\", want \"%s\"", \
				#got, (got), (want));                        \
	} while (0)
#define NT_TRUE(t, cond)                                                     \
	do {                                                                 \
		NT_CHECK_TRUE(t, cond);                                      \
		if ((t)->failed)                                             \
			return;                                              \
	} while (0)
#define NT_EQ(t, expr, want)                                                 \
	do {                                                                 \
		NT_CHECK_EQ(t, expr, want);                                  \
		if ((t)->failed)                                             \
			return;                                              \
	} while (0)
#define NT_STR(t, got, want)                                                 \
	do {                                                                 \
		NT_CHECK_STR(t, got, want);                                  \
		if ((t)->failed)                                             \
			return;                                              \
	} while (0)

extern const struct nt_case nt_cases_parse[];
extern const struct nt_case nt_cases_tree[];
extern const struct nt_case nt_cases_ctl[];
extern const struct nt_case nt_cases_data[];
extern const struct nt_case nt_cases_life[];

/* ---- helpers.c ---- */
/* Resolves a path below /net. */
int nt_walk(const char *path, struct ks_netfs_node *out);
/* Resolves and opens a path. */
int nt_open(const char *path, unsigned flags, struct ks_netfs_handle **out);
/* Opens the factory local/<type>: the handle and the new socket's id. */
int nt_new(const char *type, struct ks_netfs_handle **h, unsigned long *id);
/* "local/<id>/<file>" into a static buffer (one at a time). */
const char *nt_path(unsigned long id, const char *file);
/* Writes text to local/<id>/ctl: the write's result (length or error). */
long nt_ctl(unsigned long id, const char *text);
/* Reads a whole text file into buf (NUL-terminated): length or error. */
long nt_text(const char *path, char *buf, unsigned long cap);
/* The value of "key" in local/<id>/status into val; 0 or an error. */
int nt_status(unsigned long id, const char *key, char *val, unsigned long cap);
/* Whether local/<id> exists for the caller. */
bool nt_exists(unsigned long id);
/* Writes / reads a handle's data (a C string / up to cap - 1 bytes). */
long nt_send(struct ks_netfs_handle *h, const char *s);
long nt_recv(struct ks_netfs_handle *h, char *buf, unsigned long cap);
/* A fresh abstract name for this run ("@nt-<pid>-<n>"). */
const char *nt_name(void);

#endif

/*
 * netfs_parse.h - the text a person types into /net: ctl commands and
 * addresses, parsed and printed.
 *
 * Pure functions over byte strings: no socket, no port hook, no lock, so
 * they are fuzzed on their own (tests/netfs/fuzz_ctl.c) and can be used by
 * any front end. docs/netfs.md has the grammar with examples.
 *
 * ctl text:
 *   write   := line ('\n' line)*
 *   line    := blank | command ('&&' command)*
 *   command := word (blank word)*        blank: spaces, tabs, '\r'
 *   A backslash makes the next byte part of the word, so "\&&" is not a
 *   separator and "\ " does not end a word; the address parser decodes the
 *   escapes. An empty line is skipped; an empty command next to "&&" is an
 *   error. NUL bytes are errors (write an address's NUL as \x00).
 *   Commands: bind [addr] (no address: autobind), listen [backlog],
 *   connect addr, shutdown rd|wr|rdwr.
 *
 * Addresses (KS_NETFS_ADDR_TEXT bytes hold any printed one):
 *   local  /path, relative/path  a pathname socket (at most 108 bytes)
 *          @name                 an abstract name ("@" alone: the empty one)
 *          escapes: \xHH for any byte, backslash-c for c itself; a pathname
 *          that starts with '@' is written \@...
 *   inet   a.b.c.d:port  or  a.b.c.d!port (Plan 9's), * for 0.0.0.0
 *   Printing escapes '\', '&' and every byte outside '!'..'~', so what is
 *   printed parses back to the same address.
 *
 * Interface:
 *   ks_netfs_ctl_init(p, buf, len, domain), then ks_netfs_ctl_next(p, &cmd)
 *   until it returns 0 (no more) or an error (-KS_EINVAL: syntax, unknown
 *   command, wrong arguments, bad address or number).
 *   ks_netfs_addr_parse(), ks_netfs_addr_format().
 *
 * Errors are negative KS_E* numbers. Locking: none (no shared state).
 */
#ifndef KS_NETFS_PARSE_H
#define KS_NETFS_PARSE_H

#include <stdbool.h>

#include <ksock/abi.h>

#define KS_NETFS_CTL_MAX 1024  /* bytes in one ctl write */
#define KS_NETFS_CTL_WORDS 4   /* words in one command */
#define KS_NETFS_ADDR_TEXT 448 /* a printed address with its NUL (4 * 108 + '@') */

enum ks_netfs_op {
	KS_NETFS_BIND = 1,
	KS_NETFS_LISTEN,
	KS_NETFS_CONNECT,
	KS_NETFS_SHUTDOWN,
};

/* listen without a backlog: the system's maximum (somaxconn), as the
 * system-call layer clamps any larger value to it. */
#define KS_NETFS_BACKLOG_MAX 0x7fffffff

struct ks_netfs_cmd {
	int op;           /* enum ks_netfs_op */
	int arg;          /* listen: backlog; shutdown: KS_SHUT_RD/WR/RDWR */
	unsigned addrlen; /* bind, connect: bytes of addr (bind: 2 = autobind) */
	struct ks_sockaddr_storage addr;
};

struct ks_netfs_ctl {
	const char *buf;
	unsigned long len;
	unsigned long pos;
	int domain;    /* the socket's family: how addresses are read */
	bool need_cmd; /* after "&&": a command must follow on this line */
};

void ks_netfs_ctl_init(struct ks_netfs_ctl *p, const char *buf, unsigned long len, int domain);
/* The next command: 1 (in *cmd), 0 at the end, or -KS_EINVAL. After an
 * error the parser stays at the error. */
int ks_netfs_ctl_next(struct ks_netfs_ctl *p, struct ks_netfs_cmd *cmd);

/* Reads n bytes of text as an address of domain (KS_AF_UNIX, KS_AF_INET):
 * 0 with *out and *len filled, -KS_EINVAL if it is not one, or
 * -KS_EAFNOSUPPORT for a family without a syntax. */
int ks_netfs_addr_parse(int domain, const char *text, unsigned long n,
			struct ks_sockaddr_storage *out, unsigned *len);
/* Prints the len-byte address a into buf (cap >= KS_NETFS_ADDR_TEXT holds
 * any), NUL-terminated; returns the length printed. An unnamed AF_UNIX
 * address (len <= 2) prints as "". */
unsigned long ks_netfs_addr_format(const struct ks_sockaddr_storage *a, unsigned len, char *buf,
				   unsigned long cap);

#endif

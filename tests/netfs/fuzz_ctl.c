/*
 * fuzz_ctl.c - libFuzzer target for the ctl parser and the address syntax
 * (src/netfs/netfs_parse.c). Input: one byte choosing the family (odd:
 * inet, even: local), then the bytes of a ctl write.
 *
 * Checks, besides the sanitizers' (no read outside the input, no UB): the
 * parser always ends (each command consumes input); every command it
 * returns is well formed; every address it returns prints without
 * truncation and parses back to the same bytes, both on its own and inside
 * a "connect <printed>" command (so printed addresses survive the
 * tokenizer); the whole input read as one address does the same.
 *
 * Build and run: make check-netfs (or build/fuzz_ctl -max_total_time=N).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netfs/netfs_parse.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

/* a (len bytes) prints and parses back to itself, alone and in a command. */
static void roundtrip(int domain, const struct ks_sockaddr_storage *a, unsigned len)
{
	char text[KS_NETFS_ADDR_TEXT], cmd[KS_NETFS_ADDR_TEXT + 16];
	struct ks_sockaddr_storage b;
	struct ks_netfs_ctl p;
	struct ks_netfs_cmd c;
	unsigned lb;

	unsigned long n = ks_netfs_addr_format(a, len, text, sizeof(text));
	check(n + 1 < sizeof(text) && strlen(text) == n);
	if (n == 0)
		return; /* unnamed */
	check(ks_netfs_addr_parse(domain, text, n, &b, &lb) == 0);
	check(lb == len && memcmp(a, &b, len) == 0);
	memcpy(cmd, "connect ", 8);
	memcpy(cmd + 8, text, n);
	ks_netfs_ctl_init(&p, cmd, 8 + n, domain);
	check(ks_netfs_ctl_next(&p, &c) == 1);
	check(c.op == KS_NETFS_CONNECT && c.addrlen == len && memcmp(&c.addr, a, len) == 0);
	check(ks_netfs_ctl_next(&p, &c) == 0);
}

static void check_cmd(int domain, const struct ks_netfs_cmd *c)
{
	check(c->op >= KS_NETFS_BIND && c->op <= KS_NETFS_SHUTDOWN);
	check(c->addrlen <= sizeof(c->addr));
	if (c->op == KS_NETFS_SHUTDOWN)
		check(c->arg >= KS_SHUT_RD && c->arg <= KS_SHUT_RDWR);
	if ((c->op == KS_NETFS_BIND || c->op == KS_NETFS_CONNECT) && c->addrlen > 2)
		roundtrip(domain, &c->addr, c->addrlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_netfs_ctl p;
	struct ks_netfs_cmd c;
	struct ks_sockaddr_storage a;
	unsigned len;
	int r;

	if (size == 0)
		return 0;
	int domain = (data[0] & 1) ? KS_AF_INET : KS_AF_UNIX;
	const char *text = (const char *)data + 1;
	size_t n = size - 1;

	ks_netfs_ctl_init(&p, text, n, domain);
	unsigned long last = 0;
	size_t cmds = 0;
	while ((r = ks_netfs_ctl_next(&p, &c)) == 1) {
		check(p.pos > last && p.pos <= n); /* progress */
		last = p.pos;
		check(++cmds <= n);
		check_cmd(domain, &c);
	}
	check(r == 0 || r == -KS_EINVAL || r == -KS_EAFNOSUPPORT);
	check(r != 0 || n == 0 || p.pos == n);
	if (ks_netfs_addr_parse(domain, text, n, &a, &len) == 0)
		roundtrip(domain, &a, len);
	return 0;
}

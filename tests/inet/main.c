/*
 * main.c - the inet unit-test runner: runs every case of every group (or
 * those whose "group/name" contains argv[1]), each on a fresh stack with a
 * fake clock, checks after each that no packet buffer is live and no port
 * allocation leaked, and ends with "inet: N passed, N failed". Exit status
 * 0 when nothing failed. `inet --write-seeds DIR` writes the fuzz targets'
 * seed inputs instead (seeds.c).
 *
 * Self-contained (no framework, no hosted port: port.c), so it can later
 * run inside a kernel. Interface: it.h. Locking: one case at a time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "it.h"

struct it_group {
	const char *name;
	const struct it_case *cases;
};

static const struct it_group it_groups[] = {
	{ "checksum", it_cases_checksum }, { "eth_arp", it_cases_eth_arp },
	{ "ipv4", it_cases_ipv4 },         { "icmp", it_cases_icmp },
	{ "udp", it_cases_udp },           { "pbuf", it_cases_pbuf },
	{ "stack", it_cases_stack },       { "decode", it_cases_decode },
	{ "netdev", it_cases_netdev },
	{ "netif", it_cases_netif },
	{ "netif_udp", it_cases_netif_udp },
	{ "frag", it_cases_frag },
	{ "arp", it_cases_arp },
	{ "route", it_cases_route },
	{ "netif_icmp", it_cases_netif_icmp },
	{ "frag_route", it_cases_frag_route },
	{ "tcp", it_cases_tcp },
	{ "tcp_data", it_cases_tcp_data },
	{ "tcp_wire", it_cases_tcp_wire },
	{ "tcp_e2e", it_cases_tcp_e2e },
	{ "tcp_sack", it_cases_tcp_sack },
	{ "tcp_ecn_pmtu", it_cases_tcp_ecn_pmtu },
};

void it_fail(struct it_ctx *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (t->failed++)
		return;
	int n = snprintf(t->msg, sizeof(t->msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(t->msg))
		vsnprintf(t->msg + n, sizeof(t->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static uint64_t it_clock(void *arg)
{
	return *(const uint64_t *)arg;
}

/* Runs one case; returns 1 if it passed. */
static int it_run(const char *group, const struct it_case *c)
{
	static struct it_ctx t; /* large: keep it off the stack */
	struct ks_inet_config cfg = { .now = it_clock, .now_arg = &t.clock_ns };
	long before = it_port_allocs_live();

	memset(&t, 0, sizeof(t));
	t.clock_ns = IT_T0;
	if (ks_inet_stack_init(&t.st, &cfg) != 0)
		it_fail(&t, __FILE__, __LINE__, "ks_inet_stack_init failed");
	else
		c->fn(&t);
	it_port_fail_next(0);
	if (!t.failed && ks_pbuf_pool_live(&t.st.pbufs) != 0)
		it_fail(&t, __FILE__, __LINE__, "%ld packet buffers leaked",
			ks_pbuf_pool_live(&t.st.pbufs));
	if (!t.failed && it_port_allocs_live() != before)
		it_fail(&t, __FILE__, __LINE__, "%ld port allocations leaked",
			it_port_allocs_live() - before);
	if (t.failed)
		printf("FAIL %s/%s: %s\n", group, c->name, t.msg);
	return !t.failed;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	char full[128];

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return it_write_seeds(argv[2]) == 0 ? 0 : 1;

	for (size_t g = 0; g < sizeof(it_groups) / sizeof(it_groups[0]); g++) {
		for (const struct it_case *c = it_groups[g].cases; c->name; c++) {
			snprintf(full, sizeof(full), "%s/%s", it_groups[g].name, c->name);
			if (filter && !strstr(full, filter))
				continue;
			if (it_run(it_groups[g].name, c))
				passed++;
			else
				failed++;
			fflush(stdout);
		}
	}
	printf("inet: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

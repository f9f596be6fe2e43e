# ksock build. `make` builds the hosted library, tests and demo into build/.
# `make check` runs every test (see README.md); `make install PREFIX=...`.
CC ?= cc
BUILD ?= build
SAN ?=
OPT ?= -O2
PREFIX ?= /usr/local

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CORE_CFLAGS := -std=c11 $(WARN) $(OPT) -g -Iinclude -Iport/hosted -fno-strict-aliasing
HOST_CFLAGS := -std=gnu11 $(WARN) $(OPT) -g -Iinclude -Iport/hosted -D_GNU_SOURCE -pthread
LDLIBS := -pthread

PORTABLE_SRCS := $(wildcard src/core/*.c src/unix/*.c src/inet/*.c src/inet/wire/*.c)
HOSTED_SRCS := $(wildcard port/hosted/*.c)
CT_SRCS := $(wildcard tests/conformance/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)

LIB := $(BUILD)/libksock.a
PORTABLE_OBJS := $(PORTABLE_SRCS:%.c=$(BUILD)/%.o)
HOSTED_OBJS := $(HOSTED_SRCS:%.c=$(BUILD)/%.o)

all: $(LIB) $(BUILD)/conformance $(BUILD)/unit $(BUILD)/ksock-demo

$(BUILD)/src/%.o: src/%.c $(wildcard include/ksock/*.h src/*/*.h) port/hosted/ksock_port_types.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN) -c $< -o $@

$(BUILD)/port/%.o: port/%.c $(wildcard include/ksock/*.h port/hosted/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -Isrc -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(wildcard include/ksock/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -Isrc -c $< -o $@

$(BUILD)/demo/%.o: demo/%.c $(wildcard include/ksock/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -c $< -o $@

$(LIB): $(PORTABLE_OBJS) $(HOSTED_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/conformance: $(CT_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/unit: $(UNIT_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/ksock-demo: $(BUILD)/demo/demo.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

# The portable sources, freestanding, for a 64-bit RISC-V kernel.
CROSS_CC ?= riscv64-unknown-elf-gcc
cross:
	@mkdir -p $(BUILD)/cross
	@for f in $(PORTABLE_SRCS); do \
	  echo "  CROSS $$f"; \
	  $(CROSS_CC) -std=c11 -ffreestanding -fno-builtin -nostdlib -mcmodel=medany $(WARN) -O2 \
	    -Iinclude -Iport/template -c $$f -o $(BUILD)/cross/$$(echo $$f | tr / _).o || exit 1; \
	done
	@echo "cross: $(words $(PORTABLE_SRCS)) portable sources compiled freestanding for riscv64"

install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/include/ksock $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/ksock/abi.h include/ksock/ksock.h $(DESTDIR)$(PREFIX)/include/ksock/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|' ksock.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ksock.pc

clean:
	rm -rf build

.PHONY: all cross install clean

# ---- bench: issue 4's benchmark (bench/, docs/performance.md) ----
# `make bench`: build, callgrind instruction counts, full timed run (about
# 130 s on 2 vCPUs; BENCH_ARGS passes options, e.g. BENCH_ARGS="--reps 9",
# or BENCH_ARGS="--only tcp" for the TCP cases alone).
# `make bench-smoke`: the same with one short repetition, for the tests.
BENCH_SRCS := bench/backend.c bench/cases_conn.c bench/cases_data.c bench/main.c \
	bench/report.c bench/util.c
BENCH_ARGS ?=

$(BUILD)/bench/%.o: bench/%.c $(wildcard bench/*.h include/ksock/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -c $< -o $@

# Rebuilt when valgrind's header appears (icount.c works without it).
$(BUILD)/bench/icount.o: $(wildcard /usr/include/valgrind/callgrind.h)

$(BUILD)/bench/bench: $(BENCH_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS) -lm

$(BUILD)/bench/icount: $(BUILD)/bench/icount.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

bench:
	@bench/icount.sh --install-valgrind
	@$(MAKE) --no-print-directory $(BUILD)/bench/bench $(BUILD)/bench/icount
	bench/icount.sh $(BUILD)/bench/icount 20000 $(BUILD)/bench/icount.txt
	$(BUILD)/bench/bench --icount $(BUILD)/bench/icount.txt --json $(BUILD)/bench.json \
	  --label "$$(git describe --always --dirty 2>/dev/null || echo unknown)" $(BENCH_ARGS)

bench-smoke: $(BUILD)/bench/bench $(BUILD)/bench/icount
	$(BUILD)/bench/icount 200 >/dev/null
	bench/icount.sh --if-valgrind $(BUILD)/bench/icount 200 $(BUILD)/bench/icount-smoke.txt
	$(BUILD)/bench/bench --quick --json $(BUILD)/bench-smoke.json \
	  $$(test -s $(BUILD)/bench/icount-smoke.txt && echo --icount $(BUILD)/bench/icount-smoke.txt)

# `make bench-tap` (root): TCP bulk of ksock over a TAP against a Linux peer
# beside Linux to Linux over a veth pair, iperf3 on both (bench/tap_bench.sh;
# BENCH_TAP_ARGS="--reps 5 --size 256M"). `make bench-tap-smoke`: one 4 MiB
# transfer each way, run by the test command. Both skip, saying why,
# without root, namespaces, /dev/net/tun or iperf3.
bench-tap: preload
	bench/tap_bench.sh $(BUILD) --json $(BUILD)/bench-tap.json $(BENCH_TAP_ARGS)

bench-tap-smoke: preload
	bench/tap_bench.sh $(BUILD) --smoke

.PHONY: bench bench-smoke bench-tap bench-tap-smoke

# ---- preload: issue 5's ksock-run (preload/, tests/preload/, docs/ksock-run.md) ----
# `make preload`: build/libksock-run.so (the LD_PRELOAD library: the same
# sources as libksock.a, compiled with -fPIC into build/pic, plus preload/*.c)
# and build/ksock-run (the launcher). `make check-preload`: runs unmodified
# programs under ksock-run (tests/preload/run.py); its last line is
# "preload: N passed, N failed".
PIC := $(BUILD)/pic
PRELOAD_SRCS := $(wildcard preload/*.c)
PRELOAD_SO := $(BUILD)/libksock-run.so
# Deferred (= and $$ below): PORTABLE_SRCS grows in later sections (netfs),
# and the library must hold all of libksock.a.
PRELOAD_OBJS = $(PORTABLE_SRCS:%.c=$(PIC)/%.o) $(HOSTED_SRCS:%.c=$(PIC)/%.o) \
	$(PRELOAD_SRCS:%.c=$(PIC)/%.o)

# ksock's own symbols are hidden: only the libc functions preload/ defines
# are exported from the library.
$(PIC)/src/%.o: src/%.c $(wildcard include/ksock/*.h src/*/*.h) port/hosted/ksock_port_types.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN) -fPIC -fvisibility=hidden -c $< -o $@

$(PIC)/port/%.o: port/%.c $(wildcard include/ksock/*.h port/hosted/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -fPIC -fvisibility=hidden -Isrc -c $< -o $@

$(PIC)/preload/%.o: preload/%.c preload/ksr.h $(wildcard include/ksock/*.h src/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -fPIC -Isrc -c $< -o $@

.SECONDEXPANSION:
$(PRELOAD_SO): $$(PRELOAD_OBJS)
	$(CC) $(SAN) -shared -Wl,-z,defs -o $@ $^ -ldl -pthread

$(BUILD)/ksock-run: preload/ksock-run
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# A plain Linux program (no ksock in it) that the tests run under ksock-run.
$(BUILD)/preload-tests/t_calls: tests/preload/t_calls.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread -o $@ $<

preload: $(PRELOAD_SO) $(BUILD)/ksock-run

check-preload: preload $(BUILD)/preload-tests/t_calls
	python3 tests/preload/run.py $(BUILD)

# `make check-preload-asan`, `make check-preload-tsan`: the library built
# with AddressSanitizer+UndefinedBehaviorSanitizer or ThreadSanitizer (in
# $(BUILD)/asan-preload, $(BUILD)/tsan-preload), every case's ksock run
# under it; a sanitizer report fails the run (tests/preload/run.py
# --sanitizer). Last line: "preload-asan: N passed, N failed".
PRELOAD_SAN_asan := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PRELOAD_SAN_tsan := -fsanitize=thread
check-preload-asan check-preload-tsan: check-preload-%:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/$*-preload OPT=-O1 SAN="$(PRELOAD_SAN_$*)" \
		$(BUILD)/$*-preload/libksock-run.so $(BUILD)/$*-preload/ksock-run \
		$(BUILD)/$*-preload/preload-tests/t_calls >/dev/null
	python3 tests/preload/run.py $(BUILD)/$*-preload --sanitizer $*

# `make check-preload-tap` (root): tests/preload/tap_run.sh runs programs
# under ksock-run --tap in a network namespace with a TAP (198.18.0.0/15
# only) against Linux's: python3 -m http.server and curl both ways, iperf3
# both ways (docs/ksock-run.md, "A TAP interface"). Skips, saying why, where
# the machine has no namespaces or /dev/net/tun. Last line:
# "check-preload-tap: N passed, N failed".
check-preload-tap: preload
	tests/preload/tap_run.sh $(BUILD)

.PHONY: preload check-preload check-preload-asan check-preload-tsan check-preload-tap

# ---- netfs: issue 6, sockets as files under /net (src/netfs, fuse/, tests/netfs, docs/netfs.md) ----
# src/netfs is portable: it goes into the library and into `make cross`.
# `make ksockd`: the FUSE daemon (needs libfuse3-dev). `make check-netfs`:
# the netfs unit tests (plain, ASan+UBSan, TSan), the FUSE end-to-end shell
# test with the plain and the ASan+UBSan daemon (it skips, saying why,
# without /dev/fuse or fusermount3) and a short libFuzzer run of the ctl
# parser (clang; NETFS_FUZZ_SECONDS, default 15). `make netfs-demo`: two
# shells talking through a mounted /net.
NETFS_SRCS := $(wildcard src/netfs/*.c)
PORTABLE_SRCS += $(NETFS_SRCS)
$(LIB): $(NETFS_SRCS:%.c=$(BUILD)/%.o)

FUSE_CFLAGS = $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_LIBS = $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)
KSOCKD_SRCS := $(wildcard fuse/*.c)
NETFS_TEST_SRCS := $(filter-out tests/netfs/fuzz_%.c,$(wildcard tests/netfs/*.c))
FUZZ_CC ?= clang
NETFS_FUZZ_SECONDS ?= 15
NETFS_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
NETFS_ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

$(BUILD)/fuse/%.o: fuse/%.c $(wildcard fuse/*.h src/netfs/*.h src/core/*.h include/ksock/*.h port/hosted/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) $(FUSE_CFLAGS) -Isrc -c $< -o $@

$(BUILD)/ksockd: $(KSOCKD_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(FUSE_LIBS) $(LDLIBS)

$(BUILD)/netfs-unit: $(NETFS_TEST_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz_ctl: tests/netfs/fuzz_ctl.c src/netfs/netfs_parse.c src/netfs/netfs_parse.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
	  tests/netfs/fuzz_ctl.c src/netfs/netfs_parse.c -o $@

ksockd: $(BUILD)/ksockd

check-netfs: $(BUILD)/netfs-unit $(BUILD)/ksockd $(BUILD)/fuzz_ctl
	$(BUILD)/netfs-unit
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan OPT=-O1 SAN="$(NETFS_ASAN)" \
	  $(BUILD)/asan/netfs-unit $(BUILD)/asan/ksockd >/dev/null
	$(NETFS_ASAN_ENV) $(BUILD)/asan/netfs-unit
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan OPT=-O1 SAN="-fsanitize=thread" \
	  $(BUILD)/tsan/netfs-unit >/dev/null
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(BUILD)/tsan/netfs-unit
	tests/netfs/fuse_e2e.sh $(BUILD)/ksockd
	$(NETFS_ASAN_ENV) tests/netfs/fuse_e2e.sh $(BUILD)/asan/ksockd
	@mkdir -p $(BUILD)/fuzz-ctl-corpus
	$(BUILD)/fuzz_ctl -max_total_time=$(NETFS_FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	  $(BUILD)/fuzz-ctl-corpus tests/netfs/fuzz_seeds 2>$(BUILD)/fuzz_ctl.log || \
	  { tail -40 $(BUILD)/fuzz_ctl.log; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(BUILD)/fuzz_ctl.log; echo "netfs-fuzz: ok"

netfs-demo: $(BUILD)/ksockd
	tests/netfs/demo.sh $(BUILD)/ksockd

.PHONY: ksockd check-netfs netfs-demo

# ---- inet: issue 7's IPv4 stack (src/inet, tests/inet, docs/inet.md) ----
# src/inet is portable (PORTABLE_SRCS above): it goes into the library and
# into `make cross`. `make build/inet`: the inet unit runner, linked with its
# own test port (tests/inet/port.c), not the hosted one. `make fuzz-inet`:
# each libFuzzer target for INET_FUZZ_TIME seconds (clang; corpus kept in
# build/fuzz/). `make check-inet`: the runner, the runner under ASan+UBSan,
# the fuzz runs; non-zero exit on any failure.
# The socket layer of AF_INET (src/inet/sock_*.c) needs src/core and the
# port's locks: it is in the library, not in the inet runner or the fuzzers.
INET_SRCS := $(filter-out src/inet/sock_%.c,$(wildcard src/inet/*.c src/inet/wire/*.c))
INET_HDRS := $(wildcard src/inet/*.h src/inet/wire/*.h)
INET_TEST_SRCS := $(wildcard tests/inet/*.c)
INET_FUZZ_TARGETS := frame ipv4 frag netif tcp
INET_FUZZ_CC ?= clang
INET_FUZZ_TIME ?= 10
INET_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(INET_SRCS:%.c=$(BUILD)/%.o) $(INET_TEST_SRCS:%.c=$(BUILD)/%.o): $(INET_HDRS) tests/inet/it.h \
	tests/inet/tcp_harness.h

$(BUILD)/inet: $(INET_TEST_SRCS:%.c=$(BUILD)/%.o) $(INET_SRCS:%.c=$(BUILD)/%.o)
	$(CC) $(SAN) -o $@ $^

# One compile per target: the parser sources, the test port and frames,
# the target; instrumented for coverage, ASan and UBSan.
$(BUILD)/fuzz/inet-%: tests/inet/fuzz/%.c tests/inet/fuzz/common.c tests/inet/port.c \
		tests/inet/frames.c tests/inet/tcp_harness.c $(INET_SRCS) $(INET_HDRS) \
		tests/inet/fuzz/fuzz.h tests/inet/it.h tests/inet/tcp_harness.h
	@mkdir -p $(dir $@)
	$(INET_FUZZ_CC) -std=gnu11 $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Iinclude -Iport/hosted -Isrc -o $@ $(filter %.c,$^)

fuzz-inet: $(INET_FUZZ_TARGETS:%=$(BUILD)/fuzz/inet-%) $(BUILD)/inet
	@$(BUILD)/inet --write-seeds $(BUILD)/fuzz/seeds
	@for t in $(INET_FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	  echo "  FUZZ inet-$$t for $(INET_FUZZ_TIME) s"; \
	  $(BUILD)/fuzz/inet-$$t -max_total_time=$(INET_FUZZ_TIME) -dict=tests/inet/fuzz/inet.dict \
	    -artifact_prefix=$(BUILD)/fuzz/crash-$$t- \
	    $(BUILD)/fuzz/corpus-$$t $(BUILD)/fuzz/seeds/$$t >$(BUILD)/fuzz/inet-$$t.log 2>&1 \
	    || { tail -n 40 $(BUILD)/fuzz/inet-$$t.log; echo "fuzz-inet: inet-$$t FAILED"; exit 1; }; \
	  grep -E '^#[0-9]+[[:space:]]+DONE' $(BUILD)/fuzz/inet-$$t.log | sed 's/^/    /'; \
	done

check-inet: $(BUILD)/inet
	$(BUILD)/inet
	$(MAKE) --no-print-directory BUILD=$(BUILD)/inet-asan OPT=-O1 SAN="$(INET_ASAN)" \
	  $(BUILD)/inet-asan/inet
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(BUILD)/inet-asan/inet
	$(MAKE) --no-print-directory fuzz-inet

.PHONY: fuzz-inet check-inet

# ---- tap: issue 7's hosted TAP driver (port/hosted/tap.c), pcap and fault wrappers ----
# port/hosted/tap.c is in the library (HOSTED_SRCS); src/inet/{netdev,fault,pcap}.c
# are portable (INET_SRCS: their unit tests run in build/inet, tests/inet/test_netdev.c).
# `make check-tap` (root): tests/inet/tap_smoke.sh creates a network namespace,
# a TAP in it with Linux's side at 198.18.0.1/24, and runs build/tap-arp in it:
# ksock sends an ARP request through the TAP, Linux's reply must come back, and
# the pcap file written is checked. It skips, saying why, without namespaces or
# /dev/net/tun.
$(BUILD)/tap-arp: $(BUILD)/tests/inet/tap/tap_arp.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/inet/tap/tap_arp.o: port/hosted/tap.h $(INET_HDRS)

check-tap: $(BUILD)/tap-arp
	tests/inet/tap_smoke.sh $(BUILD)/tap-arp

.PHONY: check-tap

# ---- ping: issue 7's first interop milestone, Linux's ping gets replies from ksock ----
# src/inet/netif.c (an interface: a device, an address and prefix, ARP responder
# and cache, ICMP echo) is portable (INET_SRCS; unit tests: tests/inet/test_netif.c).
# `make check-ping` (root): tests/inet/ping_smoke.sh creates a network namespace,
# a TAP in it with Linux's side at 198.18.0.1/24, runs build/ping-serve in it
# (ksock's interface 198.18.0.2/24 on the TAP, serving ARP and echo), and
# Linux's `ping -c 3 -W 2 198.18.0.2` must get 3 replies. It skips, saying
# why, without namespaces or /dev/net/tun.
$(BUILD)/ping-serve: $(BUILD)/tests/inet/ping/ping_serve.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/inet/ping/ping_serve.o: port/hosted/tap.h $(INET_HDRS)

check-ping: $(BUILD)/ping-serve
	tests/inet/ping_smoke.sh $(BUILD)/ping-serve

.PHONY: check-ping

# ---- udp-tap: issue 7, UDP between ksock's sockets and Linux over the TAP link ----
# An interface (src/inet/netif.c) attached to the socket layer with
# ks_inet_net_attach (src/inet/sock_inet.c) carries UDP both ways (docs/inet.md
# "UDP through an interface"). `make check-udp-tap` (root):
# tests/inet/udp_smoke.sh creates a network namespace, a TAP in it with Linux's
# side at 198.18.0.1/24, runs build/udp-echo in it (ksock's 198.18.0.2/24, a UDP
# echo service on port 7 through the socket API), and python3 checks echoes of
# 1, 100, 1000 and 1472 bytes byte for byte. It skips, saying why, without
# namespaces or /dev/net/tun.
$(BUILD)/udp-echo: $(BUILD)/tests/inet/udp/udp_echo.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/inet/udp/udp_echo.o: port/hosted/tap.h $(INET_HDRS)

check-udp-tap: $(BUILD)/udp-echo
	tests/inet/udp_smoke.sh $(BUILD)/udp-echo

.PHONY: check-udp-tap

# ---- net-tap: issue 7, ARP, routes, ICMP and broadcast between ksock and Linux ----
# The neighbour cache resolving with retries, the routing table with a default
# gateway, ICMP errors both ways, broadcasts both ways and 4000-byte datagrams
# in fragments through the gateway both ways (docs/inet.md
# "Interfaces, routes, ARP"). `make check-net-tap` (root): tests/inet/net_smoke.sh
# creates a network namespace with a TAP (Linux 198.18.0.1/24, and 198.19.77.1 on
# its lo, behind ksock's gateway), runs build/net-peer in it (ksock 198.18.0.2/24,
# default route via 198.18.0.1) and checks from both sides (python3, ping). It
# skips, saying why, without namespaces or /dev/net/tun.
$(BUILD)/net-peer: $(BUILD)/tests/inet/udp/net_peer.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/inet/udp/net_peer.o: port/hosted/tap.h $(INET_HDRS)

check-net-tap: $(BUILD)/net-peer
	tests/inet/net_smoke.sh $(BUILD)/net-peer

.PHONY: check-net-tap

# ---- tcp-tap: issue 8, TCP between ksock and Linux over the TAP link ----
# `make check-tcp-tap` (root): tests/inet/tcp_smoke.sh runs build/tcp-peer
# (tests/inet/tcp/tcp_peer.c: HTTP, echo and command servers on ksock
# 198.18.0.2, and a client of Linux's echo server) in a network namespace;
# curl, ss and tests/inet/tcp/tcp_linux.py on the Linux side, clean and
# with loss, bursts, reordering, duplication and delay from ksock's fault
# wrapper (src/inet/fault.h). It skips, saying why, without namespaces or
# /dev/net/tun.
$(BUILD)/tcp-peer: $(BUILD)/tests/inet/tcp/tcp_peer.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/inet/tcp/tcp_peer.o: port/hosted/tap.h $(INET_HDRS)

check-tcp-tap: $(BUILD)/tcp-peer
	tests/inet/tcp_smoke.sh $(BUILD)/tcp-peer

.PHONY: check-tcp-tap

# ---- ecn-pmtu-tap: ECN and path-MTU discovery against Linux over the TAP ----
# `make check-ecn-pmtu-tap` (root): tests/inet/ecn_pmtu_tap.sh runs
# build/ecn-pmtu-peer (tests/inet/tcp/ecn_pmtu_peer.c) in a network
# namespace: Linux with tcp_ecn=1 against ksock's echo server (ss -ti shows
# ecn, ecnseen), and ksock's client through Linux as a router to a
# 1280-byte link (ICMP fragmentation needed lowers its MSS). It skips,
# saying why, without namespaces or /dev/net/tun.
$(BUILD)/ecn-pmtu-peer: $(BUILD)/tests/inet/tcp/ecn_pmtu_peer.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/inet/tcp/ecn_pmtu_peer.o: port/hosted/tap.h $(INET_HDRS)

check-ecn-pmtu-tap: $(BUILD)/ecn-pmtu-peer
	tests/inet/ecn_pmtu_tap.sh $(BUILD)/ecn-pmtu-peer

.PHONY: check-ecn-pmtu-tap

#!/usr/bin/env bash
# Runs every test (README: "Run the tests"), as CI does (.ci/run):
#   unit tests and the conformance suite, plain, under AddressSanitizer +
#   UndefinedBehaviorSanitizer and under ThreadSanitizer; the freestanding
#   cross-compile of the portable sources; install + pkg-config link check;
#   the demo. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
start=$(date +%s)

step() { printf '\n==== %s\n' "$*"; }

run_suites() { # build-dir label
	"$1/unit"
	"$1/conformance"
}

step "build (plain)"
make -j"$jobs" all >/dev/null
step "unit + conformance (plain)"
run_suites build

step "build (ASan+UBSan)"
make -j"$jobs" BUILD=build/asan OPT=-O1 \
	SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	build/asan/unit build/asan/conformance >/dev/null
step "unit + conformance (ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_suites build/asan

step "build (TSan)"
make -j"$jobs" BUILD=build/tsan OPT=-O1 SAN="-fsanitize=thread" \
	build/tsan/unit build/tsan/conformance >/dev/null
step "unit + conformance (TSan)"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_suites build/tsan

step "freestanding cross-compile (riscv64-unknown-elf-gcc -ffreestanding)"
make cross

step "netfs: unit tests (plain, ASan+UBSan, TSan), FUSE end-to-end, ctl parser fuzzing"
make -j"$jobs" check-netfs

step "inet: packet-level unit tests and parser fuzzing"
make -j"$jobs" check-inet

step "inet: TAP driver against Linux in a network namespace (root; skips without netns or /dev/net/tun)"
make -j"$jobs" check-tap

step "inet: Linux's ping gets replies from ksock over a TAP in a network namespace (root; skips without netns or /dev/net/tun)"
make -j"$jobs" check-ping

step "inet: UDP between ksock's sockets and Linux over a TAP in a network namespace (root; skips without netns or /dev/net/tun)"
make -j"$jobs" check-udp-tap

step "inet: ARP both ways, a gateway, ICMP errors and broadcast between ksock and Linux over a TAP in a network namespace (root; skips without netns or /dev/net/tun)"
make -j"$jobs" check-net-tap

step "inet: TCP between ksock and Linux over a TAP (curl, python3; loss, reordering, duplication and delay injected; root; skips without netns or /dev/net/tun)"
make -j"$jobs" check-tcp-tap

step "inet: ECN and path-MTU discovery between ksock and Linux over a TAP (Linux with tcp_ecn=1; Linux as a router to a 1280-byte link; root)"
make -j"$jobs" check-ecn-pmtu-tap

step "install + pkg-config link"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make install PREFIX="$prefix" >/dev/null
cat >"$prefix/hello.c" <<'C'
#include <ksock/ksock.h>
#include <stdio.h>
int main(void) {
	int sv[2]; char buf[8];
	if (ks_sys_socketpair(KS_AF_UNIX, KS_SOCK_STREAM, 0, sv)) return 1;
	if (ks_sys_write(sv[0], "hi", 2) != 2 || ks_sys_read(sv[1], buf, 8) != 2) return 1;
	puts("linked against the installed libksock: ok");
	return 0;
}
C
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc "$prefix/hello.c" -o "$prefix/hello" \
	$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs ksock)
"$prefix/hello"

step "demo"
build/ksock-demo >/dev/null && echo "demo: ok"
make -j"$jobs" build/ksockd >/dev/null
if [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
	tests/netfs/demo.sh build/ksockd >/dev/null && echo "netfs demo: ok"
else
	echo "netfs demo: skipped (no /dev/fuse or fusermount3 on this machine)"
fi

step "ksock-run: unmodified programs on ksock's sockets (python3, perl, socat, CPython's test_socket)"
make -j"$jobs" check-preload

step "ksock-run: the same programs on the library built with ASan+UBSan, then ThreadSanitizer"
make -j"$jobs" check-preload-asan
make -j"$jobs" check-preload-tsan

step "ksock-run --tap: programs on ksock's TCP/IP talking to Linux's over a TAP (curl, http.server, iperf3; root)"
make -j"$jobs" check-preload-tap

step "benchmark smoke run (one short repetition; figures are not checked)"
make -j"$jobs" bench-smoke >/dev/null && echo "bench-smoke: ok"
make -j"$jobs" --no-print-directory bench-tap-smoke # TCP over the TAP beside Linux over a veth (root)

echo
echo "all tests passed in $(( $(date +%s) - start )) s"

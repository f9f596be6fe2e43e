#!/usr/bin/env bash
# ping_smoke.sh SERVER - Linux's ping against ksock's IPv4 interface, inside
# a private network namespace (make check-ping; root). Creates namespace
# ksock-ping-PID, a TAP interface ksping0 in it with Linux's side at
# 198.18.0.1/24 (the benchmarking range, RFC 2544; nothing else), runs
# SERVER (build/ping-serve) in the namespace, which puts 198.18.0.2/24 on
# the TAP and answers ARP and ICMP echo, and runs `ping -c 3 -W 2
# 198.18.0.2` there: all 3 must be answered, and the server must end with
# no packet buffer leaked. The namespace is deleted on every path (trap).
# Skips, with the reason, only when the machine cannot create a namespace
# or has no /dev/net/tun.
set -euo pipefail
server=${1:?usage: ping_smoke.sh SERVER}
ns=ksock-ping-$$
dev=ksping0
out=$(mktemp -d)
pid=

cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true # deleting it deletes ksping0 too
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

skip() { echo "check-ping: skipped: $*"; exit 0; }
fail() { cat "$out/log" 2>/dev/null || true; echo "check-ping: FAILED: $*"; exit 1; }
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "no ip(8) (Debian package iproute2)"
command -v ping >/dev/null || fail "no ping(8) (Debian package iputils-ping; scripts/deps.sh)"
ip netns add "$ns" 2>"$out/err" || skip "cannot create a network namespace: $(cat "$out/err")"

in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip tuntap add dev "$dev" mode tap
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
in_ns sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
in_ns ip addr add 198.18.0.1/24 dev "$dev"
in_ns ip link set "$dev" up
in_ns ip link set lo up

# ip netns exec execs the server: $! is its pid, for kill.
ip netns exec "$ns" "$server" "$dev" 20 >"$out/log" 2>&1 &
pid=$!
for _ in $(seq 100); do # up to 5 s for the TAP to be opened
	grep -q '^ready' "$out/log" && break
	kill -0 "$pid" 2>/dev/null || fail "the server exited early"
	sleep 0.05
done
grep -q '^ready' "$out/log" || fail "the server did not start"

status=0
in_ns ping -c 3 -W 2 198.18.0.2 >"$out/ping" 2>&1 || status=$?
sed 's/^/    /' "$out/ping"
in_ns ip neigh show dev "$dev" | sed 's/^/    neigh: /'

kill -TERM "$pid"
srv=0
wait "$pid" || srv=$?
pid=
cat "$out/log"; : >"$out/log" # printed
[ "$status" -eq 0 ] || fail "ping exited with $status"
grep -q '3 packets transmitted, 3 received' "$out/ping" || fail "not 3 replies out of 3"
[ "$srv" -eq 0 ] || fail "the server exited with $srv (leaked packet buffers?)"
echo "check-ping: ok"

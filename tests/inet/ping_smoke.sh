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
. "$(dirname "$0")/netns_lib.sh"
netns_setup check-ping ksock-ping-$$ ksping0
command -v ping >/dev/null || fail "no ping(8) (Debian package iputils-ping; scripts/deps.sh)"
netns_start "$server" "$dev" 20

status=0
in_ns ping -c 3 -W 2 198.18.0.2 >"$out/ping" 2>&1 || status=$?
sed 's/^/    /' "$out/ping"
in_ns ip neigh show dev "$dev" | sed 's/^/    neigh: /'

netns_stop
cat "$out/log"; : >"$out/log" # printed
[ "$status" -eq 0 ] || fail "ping exited with $status"
grep -q '3 packets transmitted, 3 received' "$out/ping" || fail "not 3 replies out of 3"
[ "$srv" -eq 0 ] || fail "the server exited with $srv (leaked packet buffers?)"
echo "check-ping: ok"

#!/usr/bin/env bash
# udp_smoke.sh SERVER - UDP between Linux and ksock's sockets over a TAP
# link, inside a private network namespace (make check-udp-tap; root).
# Creates namespace ksock-udp-PID, a TAP interface ksudp0 in it with
# Linux's side at 198.18.0.1/24 (the benchmarking range, RFC 2544; nothing
# else), runs SERVER (build/udp-echo) in the namespace, which puts
# 198.18.0.2/24 on the TAP, attaches it to ksock's AF_INET sockets and
# runs a UDP echo service on 198.18.0.2:7 through ks_sys_socket/bind/
# recvfrom/sendto. python3 (socket module) in the namespace sends
# datagrams of 1, 100, 1000 and 1472 bytes (1472: a full 1500-byte IPv4
# datagram) and checks each echo byte for byte, 2 s per datagram; the
# server must end with no packet buffer leaked. Bounded: the server exits
# by itself after 20 s. The namespace is deleted on every path (trap).
# Skips, with the reason, only when the machine cannot create a namespace
# or has no /dev/net/tun.
set -euo pipefail
server=${1:?usage: udp_smoke.sh SERVER}
ns=ksock-udp-$$
dev=ksudp0
out=$(mktemp -d)
pid=

cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true # deleting it deletes ksudp0 too
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

skip() { echo "check-udp-tap: skipped: $*"; exit 0; }
fail() { cat "$out/log" 2>/dev/null || true; echo "check-udp-tap: FAILED: $*"; exit 1; }
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "no ip(8) (Debian package iproute2)"
command -v python3 >/dev/null || fail "no python3"
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
in_ns timeout 15 python3 - >"$out/client" 2>&1 <<'PY' || status=$?
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 0))
s.settimeout(2.0)
ok = True
for size in (1, 100, 1000, 1472):
    data = os.urandom(size)
    s.sendto(data, ("198.18.0.2", 7))
    try:
        got, peer = s.recvfrom(65536)
    except socket.timeout:
        print(f"{size:5d} bytes: no echo within 2 s"); ok = False; continue
    same = got == data and peer == ("198.18.0.2", 7)
    print(f"{size:5d} bytes: echo of {len(got)} bytes from {peer[0]}:{peer[1]}: "
          + ("identical" if same else "DIFFERENT"))
    ok = ok and same
sys.exit(0 if ok else 1)
PY
sed 's/^/    /' "$out/client"
in_ns ip neigh show dev "$dev" | sed 's/^/    neigh: /'

kill -TERM "$pid"
srv=0
wait "$pid" || srv=$?
pid=
cat "$out/log"; : >"$out/log" # printed
[ "$status" -eq 0 ] || fail "the python3 client exited with $status"
[ "$(grep -c identical "$out/client")" -eq 4 ] || fail "not 4 identical echoes"
[ "$srv" -eq 0 ] || fail "the server exited with $srv (leaked packet buffers or a failed call?)"
echo "check-udp-tap: ok"

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
. "$(dirname "$0")/netns_lib.sh"
netns_setup check-udp-tap ksock-udp-$$ ksudp0
command -v python3 >/dev/null || fail "no python3"
netns_start "$server" "$dev" 20

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

netns_stop
cat "$out/log"; : >"$out/log" # printed
[ "$status" -eq 0 ] || fail "the python3 client exited with $status"
[ "$(grep -c identical "$out/client")" -eq 4 ] || fail "not 4 identical echoes"
[ "$srv" -eq 0 ] || fail "the server exited with $srv (leaked packet buffers or a failed call?)"
echo "check-udp-tap: ok"

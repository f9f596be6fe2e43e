#!/usr/bin/env bash
# udp_smoke.sh SERVER - UDP both ways between Linux and ksock's sockets
# over a TAP link, inside a private network namespace (make check-udp-tap;
# root), payloads from 1 byte to 65507 (the largest UDP datagram: 45
# fragments at the link's 1500-byte MTU), each verified byte for byte.
# Creates namespace ksock-udp-PID, a TAP interface ksudp0 in it with
# Linux's side at 198.18.0.1/24 (the benchmarking range, RFC 2544; nothing
# else), starts a python3 UDP echo service on 198.18.0.1:9007, then runs
# SERVER (build/udp-echo) in the namespace, which checks reassembly on
# its loopback (fragments queued last first), puts 198.18.0.2/24 on the
# TAP, attaches it to ksock's AF_INET sockets and
#   1. as a client, sends each size to Linux's echo service and checks
#      each echo (ksock fragments, Linux reassembles, and back);
#   2. runs a UDP echo service on 198.18.0.2:7 through ks_sys_socket/bind/
#      recvfrom/sendto, to which python3 in the namespace sends each size
#      and checks each echo (Linux fragments, ksock reassembles, and back).
# 2 s per datagram; the server must end with no packet buffer leaked.
# Bounded: the server exits by itself after 60 s, the echo service after
# 90 s. The namespace and the echo service go on every path (trap).
# Skips, with the reason, only when the machine cannot create a namespace
# or has no /dev/net/tun.
set -euo pipefail
server=${1:?usage: udp_smoke.sh SERVER}
. "$(dirname "$0")/netns_lib.sh"
netns_setup check-udp-tap ksock-udp-$$ ksudp0
command -v python3 >/dev/null || fail "no python3"
SIZES="1 100 1000 1472 1473 1480 2952 2953 4096 8192 16384 32768 65000 65507"
nsizes=$(echo $SIZES | wc -w)

# Linux's echo service for ksock's client side.
echo_pid=
trap '[ -z "$echo_pid" ] || kill "$echo_pid" 2>/dev/null || true; netns_cleanup' EXIT INT TERM
in_ns timeout 90 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 9007))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(data, peer)
' >"$out/echo" 2>&1 &
echo_pid=$!
for _ in $(seq 100); do grep -q ready "$out/echo" && break; sleep 0.05; done # bound: up to 5 s
grep -q ready "$out/echo" || fail "Linux's echo service did not start"

netns_start "$server" "$dev" 60 9007
for _ in $(seq 600); do # the client side: up to 30 s (2 s per size at worst)
	grep -q '^serving' "$out/log" && break
	kill -0 "$pid" 2>/dev/null || fail "the server exited during its client side"
	sleep 0.05
done
grep -q '^serving' "$out/log" || fail "the server's client side did not finish"

status=0
in_ns timeout 60 python3 - $SIZES >"$out/client" 2>&1 <<'PY' || status=$?
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 0))
s.settimeout(2.0)
ok = True
for size in map(int, sys.argv[1:]):
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
kill "$echo_pid" 2>/dev/null || true
wait "$echo_pid" 2>/dev/null || true
echo_pid=
ksock_ok=$(grep -c '^udp_echo: client .*identical' "$out/log" || true)
emsgsize=$(grep -c '^udp_echo: client 65508 bytes: EMSGSIZE' "$out/log" || true)
lo_ok=$(grep -c '^udp_echo: loopback: .*identical' "$out/log" || true)
cat "$out/log"; : >"$out/log" # printed
[ "$ksock_ok" -eq "$nsizes" ] || fail "ksock to Linux: $ksock_ok of $nsizes echoes identical"
[ "$emsgsize" -eq 1 ] || fail "ksock sending 65508 bytes was not EMSGSIZE"
[ "$lo_ok" -eq 1 ] || fail "fragments on ksock's loopback were not reassembled"
[ "$status" -eq 0 ] || fail "the python3 client exited with $status"
[ "$(grep -c identical "$out/client")" -eq "$nsizes" ] ||
	fail "Linux to ksock: not $nsizes identical echoes"
[ "$srv" -eq 0 ] || fail "the server exited with $srv (leaked packet buffers or a failed call?)"
echo "check-udp-tap: ok"

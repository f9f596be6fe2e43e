#!/usr/bin/env bash
# net_smoke.sh SERVER - ARP both ways, routing through a gateway, ICMP
# errors both ways and broadcast both ways between Linux and ksock over a
# TAP link, inside a private network namespace (make check-net-tap; root).
# Creates namespace ksock-net-PID, a TAP ksnet0 in it with Linux's side at
# 198.18.0.1/24 and 198.19.77.1/32 on Linux's lo (an address ksock reaches
# only through its default route via 198.18.0.1; nothing outside RFC
# 2544's 198.18.0.0/15), flushes Linux's neighbour table and runs SERVER
# (build/net-peer, tests/inet/udp/net_peer.c: ksock 198.18.0.2/24, default
# route via 198.18.0.1), which sends first. python3 in the namespace then
# checks, each within a few seconds:
#   ksock -> Linux first: "hello" to 198.18.0.1:5555 (ksock resolved
#     Linux's MAC), "via-gw" to 198.19.77.1:5556 (through the gateway),
#     4000 bytes of "g" to 198.19.77.1:5561 (through the gateway, in
#     fragments), "bcast" to 198.18.0.2's prefix broadcast, port 5558;
#     each acked
#   Linux -> ksock first, Linux's neighbour flushed again: an echo from
#     198.18.0.2:7 (Linux resolved ksock's MAC: its entry is checked)
#   4000 bytes from 198.19.77.1 to ksock's echo: Linux fragments them,
#     ksock reassembles and echoes them whole, fragmented, through its
#     gateway
#   a connected Linux socket's datagram to the closed port 9999 gets
#     ECONNREFUSED (ksock's port unreachable, traceroute-style)
#   a Linux broadcast to 198.18.0.255:5559 reaches ksock's INADDR_ANY
#     socket, which answers
# and `ping -I 198.19.77.1 198.18.0.2` (ksock's echo reply through its
# gateway). The server itself must see ECONNREFUSED for its probe of a
# closed Linux port, and EHOSTUNREACH (IP_RECVERR) 3 s after sending to
# 198.18.0.99, which nobody answers; it prints "done" when all its checks
# passed, and must exit 0 (no packet buffer leaked). The namespace is
# deleted on every path (trap). Skips, with the reason, only when the
# machine cannot create a namespace or has no /dev/net/tun.
set -euo pipefail
server=${1:?usage: net_smoke.sh SERVER}
. "$(dirname "$0")/netns_lib.sh"
netns_setup check-net-tap ksock-net-$$ ksnet0
command -v python3 >/dev/null || fail "no python3"
command -v ping >/dev/null || fail "no ping(8) (Debian package iputils-ping; scripts/deps.sh)"
in_ns ip addr add 198.19.77.1/32 dev lo
in_ns ip neigh flush dev "$dev"
netns_start "$server" "$dev" 25

status=0
in_ns timeout 20 python3 - "$dev" >"$out/client" 2>&1 <<'PY' || status=$?
import socket, subprocess, sys, time
dev = sys.argv[1]
ok = True
def report(what, good, detail=""):
    global ok
    print(f"{'ok  ' if good else 'FAIL'} {what}{': ' + detail if detail else ''}")
    ok = ok and good
def udp(addr, port, bcast=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if bcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind((addr, port))
    s.settimeout(5.0)
    return s
def neigh():
    return subprocess.run(["ip", "neigh", "show", "198.18.0.2", "dev", dev],
                          capture_output=True, text=True).stdout.strip()
# ksock first: three sockets waiting for what ksock resends every 200 ms.
for what, s, want in (("hello from ksock, which resolved Linux's MAC", udp("198.18.0.1", 5555), b"hello"),
                      ("via-gw through ksock's gateway to 198.19.77.1", udp("198.19.77.1", 5556), b"via-gw"),
                      ("4000 bytes through ksock's gateway, fragmented", udp("198.19.77.1", 5561), b"g" * 4000),
                      ("ksock's broadcast to 198.18.0.255", udp("", 5558), b"bcast")):
    try:
        data, peer = s.recvfrom(8192)
        s.sendto(b"ack", peer)
        shown = repr(data) if len(data) <= 16 else f"{len(data)} bytes"
        report(what, data == want and peer[0] == "198.18.0.2", f"{shown} from {peer[0]}:{peer[1]}")
    except socket.timeout:
        report(what, False, "nothing within 5 s")
    s.close()
time.sleep(0.3)  # the last resends in flight
# Linux first: its neighbour entry for ksock flushed, then an echo.
subprocess.run(["ip", "neigh", "flush", "dev", dev], check=True)
before = neigh()
s = udp("198.18.0.1", 0)
s.settimeout(2.0)
s.sendto(b"linux first", ("198.18.0.2", 7))
try:
    data, peer = s.recvfrom(100)
    after = neigh()
    report("Linux resolved ksock's MAC and got its echo", data == b"linux first" and
           "lladdr" in after and before == "", f"neighbour before: {before!r}, after: {after!r}")
except socket.timeout:
    report("Linux resolved ksock's MAC and got its echo", False, f"no echo; neighbour {neigh()!r}")
# 4000 bytes from behind ksock's gateway: reassembled, echoed in fragments.
big = bytes(range(256)) * 15 + bytes(160)
s = udp("198.19.77.1", 0)
s.settimeout(2.0)
s.sendto(big, ("198.18.0.2", 7))
try:
    data, peer = s.recvfrom(8192)
    report("4000 bytes from 198.19.77.1 echoed through ksock's gateway", data == big and
           peer == ("198.18.0.2", 7), f"{len(data)} bytes from {peer[0]}:{peer[1]}")
except socket.timeout:
    report("4000 bytes from 198.19.77.1 echoed through ksock's gateway", False, "no echo")
# A closed ksock port: ECONNREFUSED on the connected socket.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("198.18.0.2", 9999))
s.settimeout(2.0)
s.send(b"is anyone there")
try:
    s.recv(100)
    report("ECONNREFUSED from ksock's port unreachable", False, "got data")
except ConnectionRefusedError:
    report("ECONNREFUSED from ksock's port unreachable", True)
except socket.timeout:
    report("ECONNREFUSED from ksock's port unreachable", False, "nothing within 2 s")
# Linux's broadcast to ksock's INADDR_ANY socket on 5559.
s = udp("198.18.0.1", 0, bcast=True)
s.settimeout(1.0)
got = None
for _ in range(3):
    s.sendto(b"linux bcast", ("198.18.0.255", 5559))
    try:
        got = s.recvfrom(100)
        break
    except socket.timeout:
        pass
report("ksock received Linux's broadcast and answered", got is not None and got[0] == b"bcast-ack",
       repr(got))
sys.exit(0 if ok else 1)
PY
sed 's/^/    /' "$out/client"
pstatus=0
in_ns ping -c 2 -W 2 -I 198.19.77.1 198.18.0.2 >"$out/ping" 2>&1 || pstatus=$?
sed 's/^/    /' "$out/ping"
in_ns ip neigh show dev "$dev" | sed 's/^/    neigh: /'
for _ in $(seq 100); do grep -q '^done' "$out/log" && break; sleep 0.1; done # the 3 s ARP failure
netns_stop
cat "$out/log"; : >"$out/log" # printed
[ "$status" -eq 0 ] || fail "the python3 checks failed ($status)"
[ "$pstatus" -eq 0 ] && grep -q '2 received' "$out/ping" || fail "no echo replies through ksock's gateway"
[ "$srv" -eq 0 ] || fail "the server exited with $srv (a check not done, or leaked packet buffers)"
echo "check-net-tap: ok"

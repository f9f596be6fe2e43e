#!/usr/bin/env bash
# tcp_smoke.sh SERVER - TCP between ksock and Linux over a TAP link, inside
# a private network namespace (make check-tcp-tap; root). Creates namespace
# ksock-tcp-PID with a TAP kstcp0 whose Linux side is 198.18.0.1/24 (RFC
# 2544's range only), starts a python3 echo server on 198.18.0.1:5001,
# then SERVER (build/tcp-peer, tests/inet/tcp/tcp_peer.c: ksock
# 198.18.0.2/24 with an HTTP server on port 80 and an echo server on port
# 7), whose own client sends 4 MB to Linux's echo server and checks what
# comes back. From the Linux side:
#   curl fetches ksock's page, and 4 MB from /bytes/ checked byte for byte
#   python3 sends 4 MB to ksock's echo server and checks what comes back
#   the same again (1 MB) with 1% loss, with 5% loss plus reordering and
#   duplication, and with a 50 ms round trip, injected by ksock's fault
#   wrapper in both directions (this machine's kernel has no netem)
#   Linux's view of the connections (ss -ti) is printed
#   a flood of 500 SYNs from addresses that never answer fills the HTTP
#   listener's SYN queue; curl must still get 1 MB, through a SYN cookie
# Every step is bounded in time; the namespace goes on every path (trap).
# Skips, with the reason, only when the machine cannot create a namespace
# or has no /dev/net/tun.
set -euo pipefail
server=${1:?usage: tcp_smoke.sh SERVER}
. "$(dirname "$0")/netns_lib.sh"
netns_setup check-tcp-tap ksock-tcp-$$ kstcp0
command -v python3 >/dev/null || fail "no python3"
command -v curl >/dev/null || fail "no curl (Debian package curl; scripts/deps.sh)"

# Byte i of every transfer (tcp_peer.c's pattern()).
cat >"$out/pat.py" <<'PY'
import socket, sys, threading
def pattern(n, off=0):
    return bytes(((i * 7 + (i >> 11)) & 0xff) for i in range(off, off + n))
def echo_server(port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("198.18.0.1", port)); ls.listen(8)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        def serve(c=c):
            while True:
                d = c.recv(65536)
                if not d: break
                c.sendall(d)
            c.close()
        threading.Thread(target=serve, daemon=True).start()
def echo_client(n):
    s = socket.create_connection(("198.18.0.2", 7), timeout=30)
    data = pattern(n); got = bytearray()
    def rd():
        while len(got) < n:
            d = s.recv(65536)
            if not d: break
            got.extend(d)
    t = threading.Thread(target=rd); t.start()
    s.sendall(data); s.shutdown(socket.SHUT_WR); t.join(60); s.close()
    return bytes(got) == data, len(got)
def syn_flood(n):
    """n SYNs to 198.18.0.2:80 from 50 addresses nobody answers for
    (198.18.0.100-149): a listener's SYN queue fills with connections that
    never complete."""
    import random, struct
    def csum(b):
        if len(b) % 2: b += b"\0"
        s = sum(struct.unpack(f"!{len(b)//2}H", b))
        while s >> 16: s = (s & 0xffff) + (s >> 16)
        return ~s & 0xffff
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst = socket.inet_aton("198.18.0.2")
    for i in range(n):
        src = socket.inet_aton(f"198.18.0.{100 + i % 50}")
        tcp = struct.pack("!HHIIBBHHH", 20000 + i, 80, random.getrandbits(32), 0, 5 << 4, 0x02, 65535, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, src, dst)
        raw.sendto(ip + tcp, ("198.18.0.2", 0))
    print(f"ok   {n} SYNs sent from 50 addresses that never answer")
if __name__ == "__main__":
    if sys.argv[1] == "flood":
        syn_flood(int(sys.argv[2]))
    elif sys.argv[1] == "server":
        echo_server(int(sys.argv[2]))
    elif sys.argv[1] == "client":
        ok, n = echo_client(int(sys.argv[2]))
        print(f"{'ok  ' if ok else 'FAIL'} echo of {sys.argv[2]} bytes through ksock: {n} came back")
        sys.exit(0 if ok else 1)
    elif sys.argv[1] == "check":  # stdin: a body that must be the pattern
        d = sys.stdin.buffer.read(); n = int(sys.argv[2])
        ok = d == pattern(n)
        print(f"{'ok  ' if ok else 'FAIL'} {n} bytes over HTTP from ksock: {len(d)} received")
        sys.exit(0 if ok else 1)
PY
in_ns python3 "$out/pat.py" server 5001 >"$out/linux_echo" 2>&1 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true; netns_cleanup' EXIT INT TERM
for _ in $(seq 50); do grep -q ready "$out/linux_echo" && break; sleep 0.1; done
status=0
fetch() { # bytes: curl a body from ksock and check it
	in_ns curl -sS --max-time 50 "http://198.18.0.2/bytes/$1" | python3 "$out/pat.py" check "$1"
}
step() { # what, command...: report
	local what=$1; shift
	if "$@" >"$out/step" 2>&1; then sed 's/^/    /' "$out/step"
	else sed 's/^/    /' "$out/step"; echo "    FAIL $what"; status=1; fi
}
phase() { # label, bytes, [fault:...]: one run of the ksock server
	local label=$1 n=$2; shift 2
	echo "  $label:"
	netns_start "$server" "$dev" 120 client:5001:$n "$@"
	local page
	page=$(in_ns curl -sS --max-time 10 http://198.18.0.2/ || true)
	if [[ $page == *"Hello from ksock"* ]]; then echo "    ok   curl got ksock's page"; else echo "    FAIL curl: $page"; status=1; fi
	step "curl $n bytes" fetch "$n"
	step "echo $n bytes" in_ns python3 "$out/pat.py" client "$n"
	for _ in $(seq 600); do grep -q 'client done' "$out/log" && break; sleep 0.1; done
	if grep -q "client: ok $n" "$out/log"; then echo "    ok   ksock's client: $n bytes echoed by Linux, checked"
	else echo "    FAIL ksock's client"; status=1; fi
	in_ns ss -tin state all 2>/dev/null | grep -A1 198.18.0.2 | sed 's/^/    ss: /' | head -8 || true
	netns_stop
	grep -E 'fault wrapper|leaked|FAIL' "$out/log" | sed 's/^/    /' || true
	[ "$srv" -eq 0 ] || { cat "$out/log"; echo "    FAIL the server exited with $srv"; status=1; }
}
phase "no faults" 4000000
echo "  a SYN flood against ksock's HTTP listener (backlog 64), then curl:"
netns_start "$server" "$dev" 120
step "SYN flood" in_ns python3 "$out/pat.py" flood 500
step "curl 1 MB during the flood" fetch 1000000
netns_stop
grep -E 'syncookies' "$out/log" | sed 's/^/    /'
if grep -qE 'syncookies sent [1-9][0-9]*, connections from cookies [1-9]' "$out/log"; then
	echo "    ok   the listener answered with SYN cookies, and curl's connection came from one"
else echo "    FAIL no SYN cookie was used"; status=1; fi
[ "$srv" -eq 0 ] || { cat "$out/log"; echo "    FAIL the server exited with $srv"; status=1; }
if in_ns tc qdisc add dev "$dev" root netem loss 1% 2>/dev/null; then
	in_ns tc qdisc del dev "$dev" root
	echo "  (netem is available, but the phases below use ksock's fault wrapper for both directions)"
else
	echo "  (this kernel has no netem: the phases below use ksock's own fault wrapper, both directions)"
fi
phase "1% loss" 1000000 fault:1:0:0:0
phase "5% loss, 5% reordering, 2% duplication" 1000000 fault:5:2:5:0
phase "50 ms round trip" 1000000 fault:0:0:0:50
kill $echo_pid 2>/dev/null || true
: >"$out/log"
[ "$status" -eq 0 ] || fail "a transfer failed"
echo "check-tcp-tap: ok"

#!/usr/bin/env bash
# ecn_pmtu_tap.sh PEER - ECN and path-MTU discovery between ksock and
# Linux over a TAP link (make check-ecn-pmtu-tap; root). In a private
# network namespace ksock-ecn-PID: a TAP ksecn0 whose Linux side is
# 198.18.0.1/24, and behind that Linux as a router a second namespace
# reached over a veth pair 198.18.1.0/24 with MTU 1280, where a python3
# echo server listens on 198.18.1.2:5001. PEER (build/ecn-pmtu-peer,
# tests/inet/tcp/ecn_pmtu_peer.c) is ksock at 198.18.0.2/24.
#   1. Linux with net.ipv4.tcp_ecn=1 connects to ksock's echo server
#      (ksock at its default 2): while the connection is open, Linux's
#      TCP_INFO must have TCPI_OPT_ECN (negotiated) and TCPI_OPT_ECN_SEEN
#      (ksock's data came ECT); `ss -ti` is printed too, but this
#      machine's (iproute2 6.1) prints no option flags for kernel 6.18.
#   2. ksock with tcp_ecn 1 sends 300 kB to the echo server behind the
#      router: its 1500-byte segments meet the 1280-byte link, the router
#      answers with ICMP fragmentation needed, ksock must lower its MSS
#      (1240, or 1228 with timestamps), resend, and get every byte back;
#      its connection must have ECN (the Linux server accepts with the
#      default tcp_ecn 2).
# Every step is bounded in time; the namespaces go on every path (trap).
# Skips, saying why, only when the machine cannot create a namespace or
# has no /dev/net/tun.
set -euo pipefail
peer=${1:?usage: ecn_pmtu_tap.sh PEER}
. "$(dirname "$0")/netns_lib.sh"
netns_setup check-ecn-pmtu-tap ksock-ecn-$$ ksecn0
command -v python3 >/dev/null || fail "no python3"
command -v ss >/dev/null || skip "no ss(8) (Debian package iproute2)"
ns2=ksock-ecn2-$$
cleanup2() {
	[ -n "${echo_pid:-}" ] && kill "$echo_pid" 2>/dev/null || true
	[ -n "${cli_pid:-}" ] && kill "$cli_pid" 2>/dev/null || true
	exec 3>&- 2>/dev/null || true
	ip netns del "$ns2" 2>/dev/null || true
	netns_cleanup
}
trap cleanup2 EXIT INT TERM
ip netns add "$ns2"
in_ns ip link add ksv0 mtu 1280 type veth peer name ksv1 mtu 1280 netns "$ns2"
in_ns ip addr add 198.18.1.1/24 dev ksv0
in_ns ip link set ksv0 up
ip netns exec "$ns2" ip addr add 198.18.1.2/24 dev ksv1
ip netns exec "$ns2" ip link set ksv1 up
ip netns exec "$ns2" ip link set lo up
# The server announces a full-size MSS (advmss), as a host whose own link
# is not the narrow one would: only the router's ICMP can tell ksock.
ip netns exec "$ns2" ip route add default via 198.18.1.1 advmss 1460
in_ns sysctl -qw net.ipv4.ip_forward=1
in_ns sysctl -qw net.ipv4.tcp_ecn=1

cat >"$out/echo.py" <<'PY'
import socket, sys, threading, time
def server(addr, port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port)); ls.listen(8)
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
def client(n, hold):
    """Echoes n bytes through ksock's port 7, then keeps the connection
    open for hold seconds (for ss), then closes."""
    s = socket.create_connection(("198.18.0.2", 7), timeout=20)
    data = bytes((i * 7) & 0xff for i in range(n)); got = bytearray()
    s.sendall(data)
    while len(got) < n:
        d = s.recv(65536)
        if not d: break
        got.extend(d)
    print("echoed" if bytes(got) == data else f"FAIL echo: {len(got)} bytes", flush=True)
    opts = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[5]  # tcpi_options
    print(f"tcpi_options {opts} ecn {int(bool(opts & 8))} ecnseen {int(bool(opts & 16))}", flush=True)
    time.sleep(hold); s.close()
if __name__ == "__main__":
    if sys.argv[1] == "server": server(sys.argv[2], int(sys.argv[3]))
    else: client(int(sys.argv[2]), float(sys.argv[3]))
PY
ip netns exec "$ns2" python3 "$out/echo.py" server 198.18.1.2 5001 >"$out/echo_log" 2>&1 &
echo_pid=$!
for _ in $(seq 50); do grep -q ready "$out/echo_log" && break; sleep 0.1; done

# The peer reads commands on stdin: a fifo held open on fd 3.
mkfifo "$out/cmd"
ip netns exec "$ns" timeout 120 "$peer" ksecn0 198.18.1.2:5001 300000 <"$out/cmd" >"$out/log" 2>&1 &
pid=$!
exec 3>"$out/cmd"
for _ in $(seq 100); do grep -q '^ready' "$out/log" && break; kill -0 "$pid" 2>/dev/null || fail "the peer exited early"; sleep 0.05; done
grep -q '^ready' "$out/log" || fail "the peer did not start"
status=0

echo "  Linux (tcp_ecn=1) connects to ksock (tcp_ecn 2):"
in_ns python3 "$out/echo.py" client 20000 3 >"$out/cli" 2>&1 &
cli_pid=$!
for _ in $(seq 100); do grep -q tcpi_options "$out/cli" && break; sleep 0.05; done
ssl=$(in_ns ss -tin state established dst 198.18.0.2 2>/dev/null | tail -n +2 | tr -s ' \t\n' ' ' | cut -c1-200)
echo "    ss: $ssl"
grep -q echoed "$out/cli" && echo "    ok   20000 bytes echoed by ksock" || { echo "    FAIL echo: $(cat "$out/cli")"; status=1; }
# Linux's TCP_INFO (this machine's ss, iproute2 6.1, prints no option
# flags for kernel 6.18's tcp_info, not even ts and sack).
grep tcpi_options "$out/cli" | sed 's/^/    Linux: /'
if grep -q 'ecn 1 ' "$out/cli"; then echo "    ok   Linux: TCPI_OPT_ECN (negotiated)"; else echo "    FAIL Linux: no TCPI_OPT_ECN"; status=1; fi
if grep -q 'ecnseen 1' "$out/cli"; then echo "    ok   Linux: TCPI_OPT_ECN_SEEN (ksock's data came ECT)"; else echo "    FAIL Linux: no TCPI_OPT_ECN_SEEN"; status=1; fi
wait "$cli_pid" || true
cli_pid=

echo "  ksock (tcp_ecn 1) sends 300000 bytes through a router to a 1280-byte link:"
echo go >&3
for _ in $(seq 300); do grep -q 'client ' "$out/log" && break; sleep 0.1; done
line=$(grep 'client ' "$out/log" || true)
echo "    $line"
[[ $line == *"client ok 300000 bytes"* ]] && echo "    ok   every byte echoed back" || { echo "    FAIL the transfer"; status=1; }
[[ $line == *"ecn=1"* ]] && echo "    ok   ECN negotiated with Linux (tcp_ecn 2)" || { echo "    FAIL no ECN"; status=1; }
if [[ $line =~ mss=(1240|1228)\  ]] && [[ $line == *"ip_mtu=1280"* ]]; then
	echo "    ok   the MSS followed the path MTU (ICMP fragmentation needed from the router)"
else echo "    FAIL the MSS or IP_MTU did not follow the path MTU"; status=1; fi
echo quit >&3
exec 3>&-
wait "$pid" || { echo "    FAIL the peer exited with $?"; status=1; }
pid=
grep 'pmtu learnt' "$out/log" | sed 's/^/    /'
[ "$status" -eq 0 ] || fail "a check failed"
: >"$out/log"
echo "check-ecn-pmtu-tap: ok"

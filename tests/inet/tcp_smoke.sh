#!/usr/bin/env bash
# tcp_smoke.sh SERVER - TCP between ksock and Linux over a TAP link, inside
# a private network namespace (make check-tcp-tap; root). Creates namespace
# ksock-tcp-PID with a TAP kstcp0 whose Linux side is 198.18.0.1/24 (RFC
# 2544's range only), starts Linux's servers (tests/inet/tcp/tcp_linux.py:
# echo on 198.18.0.1:5001, 5003 and 5004 for ksock's clients), then, once
# per phase, SERVER (build/tcp-peer, tests/inet/tcp/tcp_peer.c: ksock on
# 198.18.0.2 with HTTP on port 80, echo on 7 and 8, a command server on 5),
# whose own client sends BYTES to Linux's echo server and checks them.
#
# Phases (each a fresh SERVER; faults from ksock's fault wrapper, both
# directions, because this machine's kernel has no netem):
#   no faults   curl fetches ksock's page and 4 MB from /bytes/; python3
#               echoes 4 MB through ksock; 64 MiB each way (Linux -> ksock
#               checked by ksock, ksock -> Linux checked by Linux), timed;
#               1000 connections open at once each way, each echoing a line
#   SYN flood   500 SYNs from addresses that never answer fill the HTTP
#               listener's SYN queue; curl still gets 1 MB, through a cookie
#   1% loss, 5% loss, bursty loss (0.5% of frames start a run of 4 lost),
#   5% reordering, 2% duplication, a 50 ms round trip
#               64 MiB Linux -> ksock and 64 MiB back, checked and timed
#               (ksock's sender is slow under 5% and bursty loss: see
#               below); Linux's view
#               of each transfer (ss -tein) is printed, and after the lossy
#               ones must show retransmissions, with SACK; ksock's own view
#               (TCP_INFO) of what it sent and its drop counters too
#   edge cases  (the wrapper present, no random faults) tail loss: the
#               last 3 segments of a transfer lost once, each way; zero
#               windows: a reader (Linux's, then ksock's) that pauses 2 s;
#               FIN and RST: each side closing first, a close with data
#               unread and with SO_LINGER 0 on each side (the other reads
#               ECONNRESET), a connect to a closed port each way;
#               TIME-WAIT: Linux reconnecting from its own TIME-WAIT
#               (tcp_tw_reuse 1), Linux reconnecting at once to ksock's
#               TIME-WAIT, ksock reconnecting to Linux's TIME-WAIT, and
#               ksock's connect from its own TIME-WAIT refused
# Every check prints "ok" or "FAIL"; the last line counts them:
# "check-tcp-tap: N passed, N failed". Each phase also checks that SERVER
# exited 0 (no failure, no packet buffer leaked). Every step is bounded
# in time; the namespace goes on every path (trap). Skips, with the
# reason, only when the machine cannot create a namespace or has no
# /dev/net/tun. TCP_TAP_PCAP=DIR keeps a capture of each phase there
# (the TAP's Linux side, headers only). TCP_TAP_PHASES="clean flood loss1 loss5 burst reorder dup
# delay edge" (any of them) runs only those.
set -euo pipefail
server=${1:?usage: tcp_smoke.sh SERVER}
here=$(dirname "$0")
linux="$here/tcp/tcp_linux.py"
. "$here/netns_lib.sh"
netns_setup check-tcp-tap ksock-tcp-$$ kstcp0
command -v python3 >/dev/null || fail "no python3"
command -v curl >/dev/null || fail "no curl (Debian package curl; scripts/deps.sh)"
command -v ss >/dev/null || fail "no ss (Debian package iproute2)"
ulimit -n 8192 # 1000 connections each way, on both sides
# Linux may take over its own TIME-WAIT when connecting (after 50 ms).
in_ns sysctl -qw net.ipv4.tcp_tw_reuse=1
in_ns sysctl -qw net.ipv4.tcp_tw_reuse_delay=50 2>/dev/null || true
big=$((64 << 20))
t_start=$SECONDS

in_ns timeout 600 python3 "$linux" servers >"$out/linux_servers" 2>&1 &
servers_pid=$!
trap 'kill $servers_pid 2>/dev/null || true; netns_cleanup' EXIT INT TERM
for _ in $(seq 50); do grep -q ready "$out/linux_servers" && break; sleep 0.1; done
grep -q ready "$out/linux_servers" || fail "Linux's servers did not start: $(cat "$out/linux_servers")"

passed=0 failed=0
count() { # file: counts its ok and FAIL lines, prints it indented
	sed 's/^/    /' "$1"
	passed=$((passed + $(grep -c '^ok' "$1" || true)))
	failed=$((failed + $(grep -c '^FAIL' "$1" || true)))
}
check() { # what, condition...: one check of the shell's own
	local what=$1; shift
	if "$@"; then echo "ok   $what" >"$out/c"; else echo "FAIL $what" >"$out/c"; fi
	count "$out/c"
}
on_linux() { # seconds, args...: a bounded run of tcp_linux.py in the namespace
	local limit=$1; shift
	in_ns timeout "$limit" python3 "$linux" "$@" >"$out/step" 2>&1 || {
		local rc=$?
		grep -q '^FAIL' "$out/step" || echo "FAIL tcp_linux.py $* exited with $rc" >>"$out/step"
	}
	count "$out/step"
}
fetch() { # bytes: curl a body from ksock and check it
	in_ns curl -sS --max-time 50 "http://198.18.0.2/bytes/$1" | python3 "$linux" check "$1"
}
start() { # label, ksock client bytes, [fault:...]: a fresh ksock
	local label=$1 n=$2; shift 2
	echo "  $label:"
	t_phase=$SECONDS
	netns_start "$server" "$dev" 300 client:5001:$n "$@"
	if [ -n "${TCP_TAP_PCAP:-}" ]; then # a capture per phase, headers only
		mkdir -p "$TCP_TAP_PCAP"
		in_ns timeout 600 tcpdump -i "$dev" -s 96 -U -w "$TCP_TAP_PCAP/${label//[^a-z0-9]/_}.pcap" \
			>/dev/null 2>&1 &
		pcap_pid=$!
		sleep 0.5
	fi
	grep '^tcp_peer: faults' "$out/log" | sed 's/^/    /' || true
	local page
	page=$(in_ns curl -sS --max-time 10 http://198.18.0.2/ || true)
	check "curl got ksock's page" test -n "$(echo "$page" | grep 'Hello from ksock')"
}
finish() { # ksock client bytes: its check, then stop it and check its exit
	local n=$1
	for _ in $(seq 1200); do grep -q 'client done' "$out/log" && break; sleep 0.1; done
	check "ksock's client: $n bytes echoed by Linux, checked" grep -q "client: ok $n" "$out/log"
	netns_stop
	if [ -n "${pcap_pid:-}" ]; then kill "$pcap_pid" 2>/dev/null || true; wait "$pcap_pid" 2>/dev/null || true; pcap_pid=; fi
	grep -E 'fault wrapper|at most|syncookies|SACK recoveries|leaked|ksock sent|dropped by' "$out/log" | sed 's/^tcp_peer: /       /' || true
	grep -E 'FAIL' "$out/log" | sed 's/^/       ksock: /' || true
	check "ksock's tcp-peer exited 0 (no failure, no leak) [phase: $((SECONDS - t_phase)) s]" test "$srv" -eq 0
}

want() { [ -z "${TCP_TAP_PHASES:-}" ] || [[ " $TCP_TAP_PHASES " == *" $1 "* ]]; }

if want clean; then
start "no faults" 4000000
fetch 4000000 >"$out/f" 2>&1 || true
count "$out/f"
on_linux 60 client 4000000
on_linux 120 bulk $big $big 0
on_linux 120 many 1000
finish 4000000
fi

if want flood; then
echo "  a SYN flood against ksock's HTTP listener (backlog 64), then curl:"
netns_start "$server" "$dev" 120
on_linux 30 flood 500
fetch 1000000 >"$out/f" 2>&1 || true
count "$out/f"
netns_stop
grep -E 'syncookies' "$out/log" | sed 's/^tcp_peer: /       /'
check "the listener answered with SYN cookies, and curl's connection came from one" \
	grep -qE 'syncookies sent [1-9][0-9]*, connections from cookies [1-9]' "$out/log"
check "ksock's tcp-peer exited 0" test "$srv" -eq 0
fi

if in_ns tc qdisc add dev "$dev" root netem loss 1% 2>/dev/null; then
	in_ns tc qdisc del dev "$dev" root
	echo "  (netem is available, but the phases below use ksock's fault wrapper for both directions)"
else
	echo "  (this kernel has no netem: the phases below use ksock's own fault wrapper, both directions)"
fi
# 64 MiB each way under every fault. ksock's sender is slow under 5 %
# loss (1-1.6 MB/s: 10-20 timeouts per 4 MiB) and bursty loss (1-4 MB/s:
# a run of 4 frames can swallow a sparse ACK stream whole, and ksock has
# no RACK reordering timer), so those two take 40-80 s each here;
# docs/tcp.md has the rates measured. The limit per transfer is 300 s.
lossy_phase() { # name, label, lossy (Linux must retransmit), MiB to ksock, MiB from it, fault:...
	want "$1" || return 0
	start "$2" 1000000 "$6"
	on_linux 300 bulk $(($4 << 20)) $(($5 << 20)) "$3"
	finish 1000000
}
#                                                      to from  loss dup reorder delay burst len
lossy_phase loss1 "1% loss" 1                          64 64 fault:1:0:0:0
lossy_phase loss5 "5% loss" 1                          64 64 fault:5:0:0:0
lossy_phase burst "bursty loss: runs of 4 frames" 1    64 64 fault:0:0:0:0:0.5:4
lossy_phase reorder "5% reordering" 0                  64 64 fault:0:0:5:0
lossy_phase dup "2% duplication" 0                     64 64 fault:0:2:0:0
lossy_phase delay "50 ms round trip" 0                 64 64 fault:0:0:0:50

if want edge; then
start "edge cases (the fault wrapper present, losing only what a test asks)" 1000000 fault:0:0:0:0
on_linux 90 edge
finish 1000000
fi

kill $servers_pid 2>/dev/null || true
: >"$out/log"
echo "check-tcp-tap: $passed passed, $failed failed ($((SECONDS - t_start)) s)"
[ "$failed" -eq 0 ]

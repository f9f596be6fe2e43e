#!/usr/bin/env bash
# tap_bench.sh BUILD [--reps N] [--size SIZE] [--json FILE] [--smoke]
#
# TCP bulk throughput of ksock over a TAP link against a Linux peer, beside
# Linux to Linux over a veth pair, in the same run (issue 8, item 5;
# `make bench-tap`, root). Both sides run iperf3; ksock's side runs it
# under ksock-run (BUILD/ksock-run), so the program and its buffers are
# the same and only the TCP/IP stack under it differs:
#
#   ksock  namespace ksb-tap-PID: a TAP ksbtap0, Linux 198.18.1.1/24, ksock
#          198.18.1.2/24 (ksock-run --tap); iperf3 -s on Linux's side
#   linux  namespaces ksb-va-PID and ksb-vb-PID joined by a veth pair,
#          198.18.2.1/24 and 198.18.2.2/24; iperf3 -s in the first
#
# For each direction (the measured stack sending, then receiving with -R)
# and each repetition, the two setups alternate; the rate is what iperf3's
# receiver counted over its own time (end.sum_received). Prints a table of
# medians and spreads with the ratio ksock/Linux, and the same as JSON.
# The two links differ in kind (a veth hands a frame to the other stack
# inside the kernel; a TAP passes it through a file descriptor and a
# thread in ksock's process), which is the point: it is the rate a user of
# ksock-run over a TAP gets, beside what two Linux stacks get.
#
# --smoke: one repetition of 4 MiB each way, checked for a sane result
# (run by the README's test command so that this script cannot rot; no
# rate is judged). Skips, saying why, where the machine has no network
# namespaces, no /dev/net/tun or no iperf3. Every step is bounded in time
# (timeout); the namespaces go on every path (trap).
set -euo pipefail
build=$(readlink -f "${1:?usage: tap_bench.sh BUILD [--reps N] [--size SIZE] [--json FILE] [--smoke]}")
shift
reps=3 size=64M json= smoke=
while [ $# -gt 0 ]; do
	case $1 in
	--reps) reps=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--json) json=$2; shift 2 ;;
	--smoke) smoke=1 reps=1 size=4M; shift ;;
	*) echo "tap_bench.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
label=bench-tap${smoke:+-smoke}
skip() { echo "$label: skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, a TAP)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "no ip(8) (Debian package iproute2)"
command -v iperf3 >/dev/null || skip "no iperf3 (Debian package iperf3; scripts/deps.sh)"
[ -x "$build/ksock-run" ] || { echo "$label: $build/ksock-run missing (make preload)"; exit 1; }

tap_ns=ksb-tap-$$ va=ksb-va-$$ vb=ksb-vb-$$
out=$(mktemp -d)
cleanup() {
	for n in "$tap_ns" "$va" "$vb"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$out"
}
trap cleanup EXIT INT TERM
ip netns add "$tap_ns" 2>"$out/err" || skip "cannot create a network namespace: $(cat "$out/err")"
ip netns add "$va"
ip netns add "$vb"
ip -n "$tap_ns" tuntap add dev ksbtap0 mode tap
ip -n "$tap_ns" addr add 198.18.1.1/24 dev ksbtap0
ip -n "$tap_ns" link set ksbtap0 up
ip -n "$tap_ns" link set lo up
ip link add ksbv0 netns "$va" type veth peer name ksbv1 netns "$vb"
ip -n "$va" addr add 198.18.2.1/24 dev ksbv0
ip -n "$vb" addr add 198.18.2.2/24 dev ksbv1
ip -n "$va" link set ksbv0 up
ip -n "$vb" link set ksbv1 up

# run SETUP DIR REP: one iperf3 transfer; prints the receiver's Gbit/s (or
# nothing). SETUP ksock: the client is iperf3 under ksock-run on the TAP;
# linux: the client is in the veth's other namespace. DIR send: the
# client sends; recv: the client receives (-R).
run() {
	local setup=$1 dir=$2 rep=$3 port=$((5300 + RANDOM % 500)) srv_ns srv_addr r=
	local tag="$out/$setup-$dir-$rep"
	if [ "$setup" = ksock ]; then srv_ns=$tap_ns srv_addr=198.18.1.1
	else srv_ns=$va srv_addr=198.18.2.1; fi
	ip netns exec "$srv_ns" timeout 60 iperf3 -s -1 -B "$srv_addr" -p "$port" >"$tag.srv" 2>&1 &
	local srv=$!
	for _ in $(seq 100); do
		ip netns exec "$srv_ns" ss -Hltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.05
	done
	local -a client=(iperf3 -c "$srv_addr" -p "$port" -n "$size" -J)
	[ "$dir" = recv ] && client+=(-R)
	if [ "$setup" = ksock ]; then
		ip netns exec "$tap_ns" timeout 60 "$build/ksock-run" --tap ksbtap0 \
			--addr 198.18.1.2/24 --gateway 198.18.1.1 -- "${client[@]}" \
			>"$tag.json" 2>"$tag.err" || true
	else
		ip netns exec "$vb" timeout 60 "${client[@]}" >"$tag.json" 2>"$tag.err" || true
	fi
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	python3 - "$tag.json" <<'PY' || true
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]["sum_received"]
    if e["bytes"] > 0:
        print(f'{e["bits_per_second"] / 1e9:.3f}')
except (OSError, ValueError, KeyError):
    pass
PY
}

declare -A rates
for rep in $(seq "$reps"); do
	for dir in send recv; do
		for setup in linux ksock; do # alternating, as bench/ does
			r=$(run "$setup" "$dir" "$rep")
			rates[$setup-$dir]+="${r:-x} "
		done
	done
done

python3 - "$size" "$reps" "${json:-}" "${smoke:-}" "${rates[linux-send]}" "${rates[ksock-send]}" \
	"${rates[linux-recv]}" "${rates[ksock-recv]}" <<'PY'
import json, statistics, sys
size, reps, jpath, smoke = sys.argv[1:5]
cols = sys.argv[5:]
def vals(s):
    return [float(v) for v in s.split() if v != "x"]
rows, bad = [], 0
print(f"TCP bulk, iperf3 -n {size}, {reps} repetition(s): receiver's Gbit/s, median ±spread (max-min)/median")
print(f"{'case':44} {'linux (veth)':>16} {'ksock (TAP)':>16} {'ratio':>7}")
for name, lin, ks in (("the measured stack sends (iperf3 client)", cols[0], cols[1]),
                      ("the measured stack receives (iperf3 -R)", cols[2], cols[3])):
    l, k = vals(lin), vals(ks)
    failed = int(reps) * 2 - len(l) - len(k)
    bad += failed
    def fmt(v):
        if not v:
            return "-"
        m = statistics.median(v)
        return f"{m:.3f} ±{(max(v) - min(v)) / m * 100 if m else 0:.0f}%"
    ratio = statistics.median(k) / statistics.median(l) if l and k and statistics.median(l) else None
    print(f"{name:44} {fmt(l):>16} {fmt(k):>16} {(f'{ratio:.2f}x' if ratio else '-'):>7}")
    rows.append({"case": name, "linux_veth_gbps": l, "ksock_tap_gbps": k, "ratio": ratio,
                 "failed_runs": failed})
if jpath:
    json.dump({"size": size, "reps": int(reps), "rows": rows}, open(jpath, "w"), indent=1)
label = "bench-tap-smoke" if smoke else "bench-tap"
if smoke:
    # Every transfer must have given a rate (the data arrived and iperf3
    # reported it); the rates themselves are not judged.
    n = int(reps) * 4
    print(f"{label}: {n - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY

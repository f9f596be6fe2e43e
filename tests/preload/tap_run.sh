#!/usr/bin/env bash
# tap_run.sh BUILD - unmodified programs under ksock-run talking to Linux
# processes through ksock's own IPv4 stack over a TAP link (make
# check-preload-tap; root). Creates namespace ksock-run-tap-PID with a TAP
# ksrtap0 whose Linux side is 198.18.0.1/24 (RFC 2544's range only); each
# program runs under
#   ksock-run --tap ksrtap0 --addr 198.18.0.2/24 --gateway 198.18.0.1
# (its AF_INET sockets are ksock's, reaching Linux through the TAP) and
# the Linux side is the namespace's ordinary processes:
#   python3 -m http.server on ksock, fetched by Linux's curl: a page and
#     8 MB, compared byte for byte; the server's exit report must show
#     ksock's TCP sockets
#   curl on ksock fetching a page and 8 MB from Linux's python3
#     http.server, compared byte for byte; its report must show ksock's
#     AF_INET socket
#   iperf3 (-n 20M): ksock's client sending to Linux's server, Linux's
#     client sending to ksock's server, and ksock's client receiving
#     (-R); the bytes each side counted must be 20 MiB; the rates are
#     printed, with Linux-to-Linux on the namespace's loopback beside them
# With BUILD a sanitizer build of the library (build/asan-preload,
# build/tsan-preload: make check-preload-asan/-tsan build them), a
# sanitizer report on a ksock-run program's stderr fails the run too.
# Every step is bounded in time; the namespace and every process go on
# every path (trap). Skips, with the reason, only when the machine cannot
# create a namespace or has no /dev/net/tun. The last line is
# "check-preload-tap: N passed, N failed".
set -euo pipefail
build=$(readlink -f "${1:?usage: tap_run.sh BUILD}")
here=$(dirname "$(readlink -f "$0")")
. "$here/../inet/netns_lib.sh"
netns_setup check-preload-tap ksock-run-tap-$$ ksrtap0
PY=/usr/bin/python3
# A sanitizer build's settings (as run.py's): reports on stderr; the
# programs' own leaks at exit do not set the exit status.
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=exitcode=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TSAN_OPTIONS=halt_on_error=0:exitcode=66
for t in curl iperf3; do
	command -v $t >/dev/null || fail "no $t (Debian package $t; scripts/deps.sh)"
done
[ -x $PY ] || fail "no $PY (Debian package python3)"
[ -x "$build/ksock-run" ] || fail "$build/ksock-run missing (make preload)"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "${TAP_RUN_KEEP:-}" ]; then # TAP_RUN_KEEP=DIR: keep the logs there
		mkdir -p "$TAP_RUN_KEEP" && cp -r "$out"/. "$TAP_RUN_KEEP"/ || true
	fi
	netns_cleanup
}
trap cleanup EXIT INT TERM
bg() { # LOG CMD...: starts CMD in the namespace; its pid in $last
	local log=$1; shift
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	last=$!
	pids+=("$last")
}
kr() { # TABLE CMD...: CMD under ksock-run with the TAP, in the namespace;
	# its stderr in TABLE.err
	local table=$1; shift
	in_ns timeout 30 "$build/ksock-run" --table="$table" --tap "$dev" \
		--addr 198.18.0.2/24 --gateway 198.18.0.1 -- "$@" 2>"$table.err"
}
passed=0 failed=0
check() { # WHAT CONDITION-COMMAND...
	local what=$1; shift
	if "$@"; then echo "ok   $what"; passed=$((passed + 1))
	else echo "FAIL $what"; failed=$((failed + 1)); fi
}
wait_port() { # ADDR PORT: until a TCP connect there succeeds (up to 10 s)
	for _ in $(seq 100); do
		in_ns $PY -c "import socket,sys; socket.create_connection(('$1', $2), 0.5).close()" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
wait_listen() { # PORT: until a Linux socket listens there (up to 10 s; no probe
	# connection, which iperf3 -s -1 would take for its one client)
	for _ in $(seq 100); do
		in_ns ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}
report_has() { # TABLE REGEX: the exit report in TABLE matches
	[ -s "$1" ] && grep -Eq "$2" "$1" || { echo "    report $1:"; sed 's/^/    /' "$1" 2>/dev/null; false; }
}

mkdir -p "$out/www"
echo "a page from Linux's disk, served by a program on ksock" >"$out/www/page.txt"
head -c 8000000 /dev/urandom >"$out/www/big"
chmod -R a+rX "$out"

echo "  python3 -m http.server on ksock (198.18.0.2:8081), Linux's curl fetching:"
# timeout --foreground: a plain timeout(1) passes the SIGINT below on
# twice (to the server and to its process group), and a second
# KeyboardInterrupt during Python's exit ends it by the signal, before the
# report is written; without timeout, the server would inherit the
# background job's ignored SIGINT.
KSOCK_TAP_VERBOSE=1 bg "$out/srv.log" timeout --foreground 60 "$build/ksock-run" \
	--table="$out/srv.table" \
	--tap "$dev" --addr 198.18.0.2/24 --gateway 198.18.0.1 -- \
	$PY -m http.server --bind 198.18.0.2 --directory "$out/www" 8081
srv=$last
check "ksock's server accepts connections from Linux" wait_port 198.18.0.2 8081
check "Linux's curl: the page" cmp -s <(in_ns curl -sS --max-time 10 http://198.18.0.2:8081/page.txt) "$out/www/page.txt"
in_ns curl -sS --max-time 20 -o "$out/got1" -w '%{size_download} %{speed_download}\n' \
	http://198.18.0.2:8081/big >"$out/rate1" || true
check "Linux's curl: 8 MB from ksock's server, byte for byte ($(awk '{printf "%.0f MB/s", $2/1e6}' "$out/rate1"))" \
	cmp -s "$out/got1" "$out/www/big"
kill -INT "$srv" # KeyboardInterrupt: http.server exits, the report is written
srv_st=0
wait "$srv" || srv_st=$?
check "the server exits on SIGINT with status 0" [ "$srv_st" -eq 0 ]
check "the server's report: ksock served its TCP sockets (listener, accepted)" report_has \
	"$out/srv.table" 'ksock served [0-9]+ sockets \(([3-9]|[1-9][0-9]+) of them AF_INET'
check "the server's report: its connections in ksock's table (i_str)" report_has "$out/srv.table" \
	'i_str  [A-Z-]+ +0 +0 +198\.18\.0\.2:8081 +198\.18\.0\.1:[1-9]'
grep -q "TAP interface ksrtap0 attached: 198.18.0.2/24" "$out/srv.log" ||
	{ cat "$out/srv.log"; fail "no note of the TAP attached"; }

echo "  curl on ksock, fetching from Linux's python3 -m http.server (198.18.0.1:8082):"
if grep -qaE 'lib[at]san\.so' "$build/libksock-run.so"; then
	# Debian's curl hangs at start-up with a sanitizer's runtime preloaded,
	# with or without ksock (LD_PRELOAD=libasan.so.8 curl --version; the
	# same with libtsan.so.2).
	echo "  (skipped with a sanitizer build: curl hangs under the sanitizer's runtime alone)"
else
bg "$out/lsrv.log" $PY -m http.server --bind 198.18.0.1 --directory "$out/www" 8082
wait_port 198.18.0.1 8082 || fail "Linux's http.server did not start"
check "ksock's curl: the page" cmp -s <(kr "$out/curl1.table" curl -sS --max-time 10 \
	http://198.18.0.1:8082/page.txt) "$out/www/page.txt"
sed 's/^/    /' "$out/curl1.table.err" # what curl said on failure (-sS: nothing else)
kr "$out/curl2.table" curl -sS --max-time 20 -o "$out/got2" -w '%{size_download} %{speed_download}\n' \
	http://198.18.0.1:8082/big >"$out/rate2" || true
check "ksock's curl: 8 MB from Linux's server, byte for byte ($(awk '{printf "%.0f MB/s", $2/1e6}' "$out/rate2"))" \
	cmp -s "$out/got2" "$out/www/big"
check "curl's report: ksock served its TCP socket" report_has "$out/curl2.table" \
	'\(curl\) at exit: ksock served [0-9]+ sockets \([1-9][0-9]* of them AF_INET.*\(0 of them AF_INET\)'
fi

# iperf3 -J's end.sum_sent/sum_received: the sender must have sent at least all
# 20 MiB, the receiver counted at least a quarter, with no error; prints
# the rate. (With -n, iperf3's receiver stops counting when the control
# connection says the test ended, so what was still in flight or in
# buffers is not counted: Linux to Linux counts 70 to 97% here.)
cat >"$out/iperf.py" <<'PY'
import json, sys
n = 20 * 1024 * 1024
try:
    d = json.load(open(sys.argv[1]))
    e = d["end"]
    sent, got = e["sum_sent"]["bytes"], e["sum_received"]["bytes"]
    rate = e["sum_received"]["bits_per_second"] / 1e9
except (OSError, ValueError, KeyError) as x:
    print(f"no result: {x!r}"); sys.exit(1)
print(f"sent {sent} bytes, the receiver counted {got}, {rate:.2f} Gbit/s")
sys.exit(0 if sent >= n and got >= n // 4 and "error" not in d else 1)
PY
iperf() { # WHAT JSON: checks an iperf3 -J result
	local r st=0
	r=$($PY "$out/iperf.py" "$2") || st=$?
	if [ $st -eq 0 ]; then check "$1: $r" true
	else check "$1: $r" false; tail -5 "$2" "${2%.json}.err" 2>/dev/null | sed 's/^/    /' || true; fi
}
echo "  iperf3 -n 20M between ksock (198.18.0.2) and Linux (198.18.0.1):"
bg "$out/is1.log" timeout 30 iperf3 -s -1 -B 198.18.0.1 -p 5201
wait_listen 5201 || fail "Linux's iperf3 server did not start"
kr "$out/ip1.table" iperf3 -c 198.18.0.1 -p 5201 -n 20M -J >"$out/ip1.json" 2>"$out/ip1.err" || true
iperf "ksock's iperf3 sending to Linux's" "$out/ip1.json"
bg "$out/is2.log" timeout 30 iperf3 -s -1 -B 198.18.0.1 -p 5202
wait_listen 5202 || fail "Linux's iperf3 server did not start"
kr "$out/ip2.table" iperf3 -c 198.18.0.1 -p 5202 -n 20M -R -J >"$out/ip2.json" 2>"$out/ip2.err" || true
iperf "ksock's iperf3 receiving from Linux's (-R)" "$out/ip2.json"
bg "$out/is3.log" timeout 40 "$build/ksock-run" --table="$out/ip3.table" --tap "$dev" \
	--addr 198.18.0.2/24 --gateway 198.18.0.1 -- iperf3 -s -1 -B 198.18.0.2 -p 5203
is3=$last
# (no probe connection: it would be the one test iperf3 -s -1 serves)
for _ in $(seq 100); do grep -q "Server listening" "$out/is3.log" && break; sleep 0.1; done
in_ns timeout 30 iperf3 -c 198.18.0.2 -p 5203 -n 20M -J >"$out/ip3.json" 2>"$out/ip3.err" || true
iperf "Linux's iperf3 sending to ksock's" "$out/ip3.json"
wait "$is3" || true
check "iperf3 server's report: ksock served its TCP sockets" report_has "$out/ip3.table" \
	'\(iperf3\) at exit: ksock served [0-9]+ sockets \(([3-9]|[1-9][0-9]+) of them AF_INET'
bg "$out/is4.log" timeout 30 iperf3 -s -1 -B 127.0.0.1 -p 5204
wait_listen 5204 || fail "Linux's iperf3 server did not start"
in_ns timeout 30 iperf3 -c 127.0.0.1 -p 5204 -n 20M -J >"$out/ip4.json" 2>"$out/ip4.err" || true
iperf "for comparison, Linux to Linux on the namespace's loopback" "$out/ip4.json"

# With a sanitizer build of the library (BUILD=build/asan-preload or
# build/tsan-preload), its reports go to the programs' stderr.
# Leaks count when a frame of the allocation is in the library (as in
# run.py: Python's and iperf3's own leaks at exit are theirs).
sanitizer_clean() {
	$PY - "$out"/*.err "$out/srv.log" "$out/is3.log" <<'PY'
import re, sys
bad = 0
for f in sys.argv[1:]:
    try:
        err = open(f, errors="replace").read()
    except OSError:
        continue
    n = len(re.findall(r"^(==\d+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer|.*: runtime error: )",
                       err, re.M))
    n += sum("libksock-run" in b.split("\n\n")[0]
             for b in re.split(r"\n(?=(?:Direct|Indirect) leak of )", err)[1:])
    if n:
        print(f"    {n} sanitizer report(s) in {f}")
    bad += n
sys.exit(1 if bad else 0)
PY
}
check "no sanitizer report from a program under ksock-run" sanitizer_clean

echo "check-preload-tap: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

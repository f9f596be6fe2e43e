# netns_lib.sh - sourced by the TAP smoke tests (ping_smoke.sh,
# udp_smoke.sh): a private network namespace with a TAP interface whose
# Linux side is 198.18.0.1/24 (the benchmarking range, RFC 2544; nothing
# else), a ksock server started inside it, and cleanup on every path.
#
#   netns_setup LABEL NSNAME DEV   make the namespace and the TAP (or skip)
#   netns_start SERVER ARGS...     run SERVER in it; wait for its "ready"
#   netns_stop                     SIGTERM the server (SIGKILL after 20 s);
#                                  its status in $srv
#   in_ns CMD...                   run CMD in the namespace
#   skip / fail MSG                end the test, saying why
# The caller sets `set -euo pipefail` first. Logs go to $out.

netns_cleanup() {
	if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true # deleting it deletes the TAP too
	rm -rf "$out"
}

skip() { echo "$label: skipped: $*"; exit 0; }
fail() { cat "$out/log" 2>/dev/null || true; echo "$label: FAILED: $*"; exit 1; }
in_ns() { ip netns exec "$ns" "$@"; }

netns_setup() {
	label=$1 ns=$2 dev=$3 pid=
	out=$(mktemp -d)
	trap netns_cleanup EXIT INT TERM
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	command -v ip >/dev/null || skip "no ip(8) (Debian package iproute2)"
	ip netns add "$ns" 2>"$out/err" || skip "cannot create a network namespace: $(cat "$out/err")"
	in_ns ip tuntap add dev "$dev" mode tap
	in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
	in_ns sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
	in_ns ip addr add 198.18.0.1/24 dev "$dev"
	in_ns ip link set "$dev" up
	in_ns ip link set lo up
}

netns_start() {
	# ip netns exec execs the server: $! is its pid, for kill.
	ip netns exec "$ns" "$@" >"$out/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do # up to 5 s for the TAP to be opened
		grep -q '^ready' "$out/log" && return 0
		kill -0 "$pid" 2>/dev/null || fail "the server exited early"
		sleep 0.05
	done
	fail "the server did not start"
}

netns_stop() { # SIGTERM; after 20 s, SIGKILL (status 137)
	kill -TERM "$pid"
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	srv=0
	wait "$pid" || srv=$?
	pid=
}

#!/usr/bin/env bash
# fuse_e2e.sh - end-to-end test of /net through ksockd's FUSE mount, with
# ordinary shell tools: the tree, factories and ids, ctl commands and their
# errors, a server and a client in two background shells exchanging data
# (seqpacket and stream), accept, nonblocking opens, cleanup on close,
# namespaces, the daemon's own socket-API service, interrupting a blocked
# read, and a clean stop on SIGTERM with a reader still blocked.
#
#   tests/netfs/fuse_e2e.sh [path/to/ksockd]
#
# Last line: "netfs-fuse: N passed, N failed" (exit 1 if any failed), or
# "netfs-fuse: skipped: <why>" when /dev/fuse or fusermount3 is missing.
set -u
KSOCKD=${1:-build/ksockd}

if [ ! -e /dev/fuse ]; then
	echo "netfs-fuse: skipped: /dev/fuse is missing (no FUSE in this kernel or container)"
	exit 0
fi
if ! command -v fusermount3 >/dev/null; then
	echo "netfs-fuse: skipped: fusermount3 is missing (Debian package fuse3)"
	exit 0
fi

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
# check NAME COMMAND...: passes if the command succeeds
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
# check_eq NAME GOT WANT
check_eq() { if [ "$2" == "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi; }
# check_has NAME TEXT PATTERN: TEXT contains PATTERN (fixed string)
check_has() { if [[ "$2" == *"$3"* ]]; then ok "$1"; else bad "$1" "'$2' lacks '$3'"; fi; }

T=$(mktemp -d /tmp/netfs-e2e.XXXXXX)
M=$T/net
mkdir "$M"
TAG=$$
ECHO=@netfs-e2e-echo-$TAG
"$KSOCKD" --mount "$M" --echo "$ECHO" 2>"$T/ksockd.log" &
KPID=$!

cleanup() {
	kill -TERM "$KPID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$KPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$KPID" 2>/dev/null
	fusermount3 -u -z "$M" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# waits until COMMAND... succeeds (5 s at most)
wait_for() { for _ in $(seq 100); do "$@" && return 0; sleep 0.05; done; return 1; }
# waits for background PIDs (15 s at most, then kills them)
wait_pids() {
	for _ in $(seq 300); do
		kill -0 "$@" 2>/dev/null || break
		sleep 0.05
	done
	kill "$@" 2>/dev/null
	wait "$@" 2>/dev/null
}
mounted() { grep -q " $M fuse" /proc/mounts; }
gone() { [ ! -e "$M/local/$1" ]; }

if ! wait_for mounted; then
	bad "mount" "$(cat "$T/ksockd.log")"
	echo "netfs-fuse: $pass passed, $fail failed"
	exit 1
fi
ok "mount"

# ---- the tree ----
check_has "root lists the families" " $(ls "$M" | tr '\n' ' ')" " local "
check_eq "family lists factories and addrs" "$(ls "$M/local" | tr '\n' ' ')" \
	"addrs dgram seqpacket stream "

# ---- a factory, its id and directory ----
(
	exec 3<"$M/local/seqpacket"
	read -r id <&3
	echo "$id" >"$T/f.id"
	ls "$M/local/$id" | tr '\n' ' ' >"$T/f.ls"
	cat "$M/local/$id/status" >"$T/f.status"
	cat "$M/local/$id/ctl" >"$T/f.ctl"
)
fid=$(cat "$T/f.id")
check "factory read gives a numeric id" grep -qE '^[0-9]+$' "$T/f.id"
check_eq "socket directory" "$(cat "$T/f.ls")" "accept ctl data local remote status "
check "status: state NEW" grep -qx "state NEW" "$T/f.status"
check "status: type seqpacket" grep -qx "type seqpacket" "$T/f.status"
check_eq "ctl reads the id" "$(cat "$T/f.ctl")" "$fid"
check "closing the factory handle removes the socket" wait_for gone "$fid"

# ---- ctl commands and their errors ----
(
	exec 3<"$M/local/stream"
	read -r id <&3
	ctl=$M/local/$id/ctl
	err() { { echo "$1" >"$ctl"; } 2>&1 | sed 's/.*write error: //'; }
	{
		echo "frob: $(err frob)"
		echo "listen unbound: $(err listen)"
		echo "connect nobody: $(err "connect @nobody-$TAG")"
		echo "bind, twice: $(err "bind @e2e-a-$TAG")$(err "bind @e2e-b-$TAG")"
		echo "chain: $(err "listen 5 && shutdown sideways")"
		echo "chain ok: $(err "listen 5 && shutdown rd")"
		grep -E '^(state|local|shutdown) ' "$M/local/$id/status" | tr '\n' ' '
		echo
		cat "$M/local/addrs"
	} >"$T/ctl.out"
	exec 4<"$M/local/stream"
	read -r id2 <&4
	{ echo "bind @e2e-a-$TAG" >"$M/local/$id2/ctl"; } 2>&1 | sed 's/.*write error: /in use: /' >>"$T/ctl.out"
	exec 5<"$M/local/dgram"
	read -r id3 <&5
	{ echo "bind && listen" >"$M/local/$id3/ctl"; } 2>&1 | sed 's/.*write error: /dgram listen: /' >>"$T/ctl.out"
)
out=$(cat "$T/ctl.out")
check_has "unknown command: EINVAL" "$out" "frob: Invalid argument"
check_has "listen unbound: EINVAL" "$out" "listen unbound: Invalid argument"
check_has "connect to nobody: ECONNREFUSED" "$out" "connect nobody: Connection refused"
check_has "bind twice: EINVAL the second time" "$out" "bind, twice: Invalid argument"
check_has "a syntax error runs nothing" "$out" "chain: Invalid argument"
check_has "&& chains" "$out" "chain ok: "$'\n'
check_has "status after the chain" "$out" "state LISTEN local @e2e-a-$TAG shutdown rd"
check_has "addrs lists the listener" "$out" "stream LISTEN @e2e-a-$TAG -"
check_has "bind in use: EADDRINUSE" "$out" "in use: Address already in use"
check_has "listen on dgram: EOPNOTSUPP" "$out" "dgram listen: Operation not supported"

# ---- two shells: a seqpacket server and client ----
SRV=@e2e-srv-$TAG
bash -c '
	M=$1 T=$2 SRV=$3
	exec 3<"$M/local/seqpacket"
	read -r id <&3
	echo "bind $SRV && listen" >"$M/local/$id/ctl"
	echo "$id" >"$T/srv.id"
	exec 4<"$M/local/$id/accept"          # blocks until the client connects
	read -r cid <&4
	echo "$cid" >"$T/srv.cid"
	dd if="$M/local/$cid/data" bs=65536 count=1 status=none >"$T/srv.got"
	cat "$M/local/$cid/status" >"$T/srv.status"
	echo pong >"$M/local/$cid/data"
	for _ in $(seq 200); do [ -e "$T/cli.done" ] && break; sleep 0.05; done
' srv "$M" "$T" "$SRV" 2>"$T/srv.err" &
SPID=$!
bash -c '
	M=$1 T=$2 SRV=$3
	for _ in $(seq 200); do [ -s "$T/srv.id" ] && break; sleep 0.05; done
	exec 3<"$M/local/seqpacket"
	read -r id <&3
	echo "$id" >"$T/cli.id"
	echo "connect $SRV" >"$M/local/$id/ctl"
	cat "$M/local/$id/remote" >"$T/cli.remote"
	exec 5<>"$M/local/$id/data"
	echo ping >&5
	dd bs=65536 count=1 status=none <&5 >"$T/cli.got"
	touch "$T/cli.done"
' cli "$M" "$T" "$SRV" 2>"$T/cli.err" &
CPID=$!
wait_pids "$SPID" "$CPID"
check_eq "server received the client's message" "$(cat "$T/srv.got" 2>/dev/null)" "ping"
check_eq "client received the reply" "$(cat "$T/cli.got" 2>/dev/null)" "pong"
check_eq "client's remote is the server's name" "$(cat "$T/cli.remote" 2>/dev/null)" "$SRV"
check "accepted connection has its own directory" \
	test -n "$(cat "$T/srv.cid")" -a "$(cat "$T/srv.cid")" != "$(cat "$T/srv.id")"
check "accepted connection: ESTAB, named like the listener" \
	grep -qzE "state ESTAB.*local $SRV" "$T/srv.status"
check_eq "no errors in the two shells" "$(cat "$T/srv.err" "$T/cli.err")" ""
for f in srv.id srv.cid cli.id; do
	id=$(cat "$T/$f" 2>/dev/null)
	check "cleanup on close: socket $f gone" wait_for gone "${id:-none}"
done
check "addrs no longer lists the server" wait_for bash -c "! grep -q '$SRV' '$M/local/addrs'"

# ---- stream: cat until EOF, shutdown wr from ctl ----
STR=@e2e-str-$TAG
bash -c '
	M=$1 T=$2 STR=$3
	exec 3<"$M/local/stream"
	read -r id <&3
	echo "bind $STR && listen" >"$M/local/$id/ctl"
	touch "$T/str.ready"
	exec 4<"$M/local/$id/accept"
	read -r cid <&4
	cat "$M/local/$cid/data" >"$T/str.got"   # until the client shuts down
' s "$M" "$T" "$STR" &
SPID=$!
bash -c '
	M=$1 T=$2 STR=$3
	for _ in $(seq 200); do [ -e "$T/str.ready" ] && break; sleep 0.05; done
	exec 3<"$M/local/stream"
	read -r id <&3
	echo "connect $STR" >"$M/local/$id/ctl"
	seq 1 1000 >"$M/local/$id/data"
	echo "shutdown wr" >"$M/local/$id/ctl"
' c "$M" "$T" "$STR" &
CPID=$!
wait_pids "$SPID" "$CPID"
check_eq "stream: cat saw every line, then EOF" "$(md5sum <"$T/str.got")" "$(seq 1 1000 | md5sum)"

# ---- nonblocking opens ----
(
	exec 3<"$M/local/stream"
	read -r id <&3
	echo "bind @e2e-nb-$TAG && listen" >"$M/local/$id/ctl"
	{ cat "$M/local/$id/accept:nonblock"; } 2>&1 | sed 's/.*: //' >"$T/nb.accept"
	{ dd if="$M/local/$id/accept" iflag=nonblock status=none; } 2>&1 | sed 's/.*: //' >"$T/nb.dd"
	exec 4<"$M/local/stream"
	read -r cid <&4
	echo "connect @e2e-nb-$TAG" >"$M/local/$cid/ctl"
	exec 5<"$M/local/$id/accept:nonblock"   # a connection is pending now
	read -r aid <&5
	{ cat "$M/local/$aid/data:nonblock"; } 2>&1 | sed 's/.*: //' >"$T/nb.read"
	echo hi >"$M/local/$cid/data"
	cat "$M/local/$aid/data:nonblock" >"$T/nb.data" 2>/dev/null
)
check_eq "accept:nonblock with nothing pending: EAGAIN" "$(cat "$T/nb.accept")" \
	"Resource temporarily unavailable"
check_eq "O_NONBLOCK open of accept: EAGAIN" "$(cat "$T/nb.dd")" "Resource temporarily unavailable"
check_eq "data:nonblock with nothing queued: EAGAIN" "$(cat "$T/nb.read")" \
	"Resource temporarily unavailable"
check_eq "data:nonblock reads what is queued" "$(cat "$T/nb.data")" "hi"

# ---- namespaces: another session sees none of ours, but connects ----
(
	exec 3<"$M/local/seqpacket"
	read -r id <&3
	echo "bind @e2e-ns-$TAG && listen" >"$M/local/$id/ctl"
	setsid -w bash -c "test -e '$M/local/$id'" && echo visible >"$T/ns.out"
	setsid -w bash -c "ls '$M/local'" | grep -qx "$id" && echo listed >>"$T/ns.out"
	setsid -w bash -c "grep -c . '$M/local/addrs'" >>"$T/ns.out"
	setsid -w bash -c "
		exec 3<'$M/local/seqpacket'; read -r c <&3
		echo 'connect @e2e-ns-$TAG' >'$M/local/'\$c/ctl && echo connected" >>"$T/ns.out"
	test -e "$M/local/$id" && echo "own: visible" >>"$T/ns.out"
)
check_eq "other session: not visible, not listed, no addrs; connects" \
	"$(tr '\n' ' ' <"$T/ns.out")" "0 connected own: visible "

# ---- the daemon's socket-API echo service, reached through files ----
for type in stream seqpacket; do
	(
		exec 3<"$M/local/$type"
		read -r id <&3
		echo "connect $ECHO" >"$M/local/$id/ctl"
		exec 5<>"$M/local/$id/data"
		echo "hello $type" >&5
		timeout 5 dd bs=65536 count=1 status=none <&5
	) >"$T/echo.$type" 2>&1
	check_eq "socket-API echo answers a $type client" "$(cat "$T/echo.$type")" "hello $type"
done

# ---- a blocked read is interrupted by a signal ----
(
	exec 3<"$M/local/stream"
	read -r id <&3
	echo "bind @e2e-int-$TAG && listen" >"$M/local/$id/ctl"
	exec 4<"$M/local/stream"
	read -r cid <&4
	echo "connect @e2e-int-$TAG" >"$M/local/$cid/ctl"
	start=$(date +%s%N)
	timeout 1 cat "$M/local/$cid/data"
	rc=$?
	echo "$rc $(( ($(date +%s%N) - start) / 1000000 ))" >"$T/int.out"
)
read -r rc ms <"$T/int.out"
check "timeout ends a blocked read (rc $rc after $ms ms)" test "$rc" = 124 -a "$ms" -lt 3000

# ---- stop on SIGTERM, with a reader still blocked ----
exec 7<"$M/local/stream"
read -r bid <&7
echo "bind @e2e-stop-$TAG && listen" >"$M/local/$bid/ctl"
exec 8<"$M/local/stream"
read -r bcid <&8
echo "connect @e2e-stop-$TAG" >"$M/local/$bcid/ctl"
cat "$M/local/$bcid/data" >/dev/null 2>&1 &
BLOCKED=$!
sleep 0.3
kill -TERM "$KPID"
stopped=no
for _ in $(seq 100); do kill -0 "$KPID" 2>/dev/null || { stopped=yes; break; }; sleep 0.05; done
check_eq "daemon stops on SIGTERM" "$stopped" "yes"
wait "$KPID"
check_eq "daemon exit status" "$?" "0"
check "mount is gone" bash -c "! grep -q ' $M fuse' /proc/mounts"
check "blocked reader was released" wait_for bash -c "! kill -0 $BLOCKED 2>/dev/null"
check_has "daemon log" "$(cat "$T/ksockd.log")" "ksockd: stopped"
exec 7<&- 8<&-

echo "netfs-fuse: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

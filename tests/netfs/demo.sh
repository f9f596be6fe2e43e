#!/usr/bin/env bash
# demo.sh - two shells talk through ksock's /net, mounted with FUSE by
# ksockd: shell A makes a seqpacket server with nothing but redirections,
# shell B (another session, so another namespace) connects to it, and they
# exchange messages; then a stream carries `seq` to `cat` until B shuts
# its side down. Lines from A start with "A|", lines from B with "B|".
#
#   tests/netfs/demo.sh [path/to/ksockd]      (as root; make netfs-demo)
set -euo pipefail
KSOCKD=${1:-build/ksockd}

if [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	echo "netfs demo: skipped: needs /dev/fuse and fusermount3 (package fuse3)"
	exit 0
fi
T=$(mktemp -d /tmp/netfs-demo.XXXXXX)
M=$T/net
mkdir "$M"
"$KSOCKD" --mount "$M" 2>"$T/ksockd.log" &
KPID=$!
cleanup() {
	kill -TERM "$KPID" 2>/dev/null || true
	wait "$KPID" 2>/dev/null || true
	fusermount3 -u -z "$M" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q " $M fuse" /proc/mounts && break; sleep 0.05; done

say() { printf '\n== %s\n' "$*"; }

say "ksockd serves /net at $M"
echo "\$ ls $M/local"
ls "$M/local"

say "shell A: a seqpacket server, shell B: a client (two sessions)"
setsid -w bash -c '
	set -e
	M=$1 T=$2
	exec 3<"$M/local/seqpacket"            # opening a factory makes a socket
	read -r id <&3                         # reading the handle gives its id
	echo "A| made socket $id: exec 3<\$M/local/seqpacket; read id <&3"
	echo "bind @demo && listen" >"$M/local/$id/ctl"
	echo "A| echo \"bind @demo && listen\" > \$M/local/$id/ctl"
	grep -E "^(state|local) " "$M/local/$id/status" | sed "s/^/A|   status: /"
	touch "$T/ready"
	exec 4<"$M/local/$id/accept"           # blocks until B connects
	read -r cid <&4
	echo "A| exec 4<\$M/local/$id/accept; read cid <&4: accepted connection $cid"
	echo "A| got: $(dd if="$M/local/$cid/data" bs=65536 count=1 status=none)"
	echo "hello B, this is A" >"$M/local/$cid/data"
	echo "A| sees: $(ls "$M/local" | tr "\n" " ")"
	while [ ! -e "$T/b.done" ]; do sleep 0.05; done
' a "$M" "$T" &
APID=$!
setsid -w bash -c '
	set -e
	M=$1 T=$2
	while [ ! -e "$T/ready" ]; do sleep 0.05; done
	exec 3<"$M/local/seqpacket"
	read -r id <&3
	echo "B| made socket $id"
	echo "connect @demo" >"$M/local/$id/ctl"
	echo "B| echo \"connect @demo\" > \$M/local/$id/ctl; remote is $(cat "$M/local/$id/remote")"
	exec 5<>"$M/local/$id/data"
	echo "hello A, this is B" >&5
	echo "B| got: $(dd bs=65536 count=1 status=none <&5)"
	echo "B| sees: $(ls "$M/local" | tr "\n" " ")(not A'"'"'s sockets: another namespace)"
	touch "$T/b.done"
' b "$M" "$T"
wait "$APID"

say "a stream: B writes seq 1 5 and shuts down its side, A's cat ends at EOF"
setsid -w bash -c '
	M=$1 T=$2
	exec 3<"$M/local/stream"
	read -r id <&3
	echo "bind @pipe && listen" >"$M/local/$id/ctl"
	touch "$T/pipe.ready"
	exec 4<"$M/local/$id/accept"
	read -r cid <&4
	cat "$M/local/$cid/data" | sed "s/^/A| cat: /"
	echo "A| EOF"
' a "$M" "$T" &
APID=$!
setsid -w bash -c '
	M=$1 T=$2
	while [ ! -e "$T/pipe.ready" ]; do sleep 0.05; done
	exec 3<"$M/local/stream"
	read -r id <&3
	echo "connect @pipe" >"$M/local/$id/ctl"
	seq 1 5 >"$M/local/$id/data"
	echo "shutdown wr" >"$M/local/$id/ctl"
	echo "B| seq 1 5 > data; echo \"shutdown wr\" > ctl"
' b "$M" "$T"
wait "$APID"

say "both shells have exited: their sockets are gone"
echo "\$ ls $M/local"
ls "$M/local"
say "SIGTERM stops ksockd, which unmounts"
kill -TERM "$KPID"
wait "$KPID"
tail -1 "$T/ksockd.log"
grep -q " $M fuse" /proc/mounts && echo "still mounted?" || echo "unmounted"

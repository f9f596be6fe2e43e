#!/usr/bin/env bash
# http_demo.sh SERVER - the demo's TCP part (scripts/demo.sh; root): ksock's
# TCP serves HTTP to curl on the Linux side of a TAP link, in a private
# network namespace (198.18.0.1 Linux, 198.18.0.2 ksock; RFC 2544's range
# only). SERVER is build/tcp-peer (tests/inet/tcp/tcp_peer.c). Shows a
# page, 10 MB checked by its SHA-256, and ksock's own socket table served
# over the connection that asked for it. Skips, saying why, where the
# machine cannot make a namespace or has no /dev/net/tun.
set -euo pipefail
server=${1:?usage: http_demo.sh SERVER}
. "$(dirname "$0")/netns_lib.sh"
netns_setup http-demo ksock-http-$$ kshttp0
command -v curl >/dev/null || fail "no curl (scripts/deps.sh installs it)"
netns_start "$server" "$dev" 60
echo "\$ curl -i http://198.18.0.2/            # Linux's curl, ksock's TCP and HTTP server"
in_ns curl -sS -i --max-time 10 http://198.18.0.2/ | tr -d '\r' | sed 's/^/  /'
echo "\$ curl http://198.18.0.2/bytes/10000000 | sha256sum"
got=$(in_ns curl -sS --max-time 30 -w '%{size_download} bytes, %{speed_download} bytes/s\n' \
	-o "$out/body" http://198.18.0.2/bytes/10000000)
want=$(python3 -c 'import sys, hashlib; n=10000000; print(hashlib.sha256(bytes(((i*7+(i>>11))&0xff) for i in range(n))).hexdigest())')
have=$(sha256sum "$out/body" | cut -d' ' -f1)
echo "  $got; sha256 $have ($([ "$have" = "$want" ] && echo matches the pattern || echo DIFFERS))"
echo "\$ curl http://198.18.0.2/table            # ksock's socket table, from inside ksock"
in_ns curl -sS --max-time 10 http://198.18.0.2/table | sed 's/^/  /'
netns_stop
[ "$have" = "$want" ] || fail "the 10 MB body differs"
[ "$srv" -eq 0 ] || fail "the server exited with $srv"

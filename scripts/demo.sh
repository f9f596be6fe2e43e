#!/usr/bin/env bash
# Builds ksock and runs the demo (README: "Run the demo").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" build/ksock-demo build/ksockd build/udp-echo build/tcp-peer >/dev/null
build/ksock-demo "$@"
echo
if [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
	tests/netfs/demo.sh build/ksockd
else
	echo "(the /net part of the demo needs /dev/fuse and fusermount3; skipped)"
fi
echo
echo "== ksock's IPv4 stack on a TAP link: UDP both ways between ksock (198.18.0.2)"
echo "   and Linux's python3 in a private network namespace, 1 to 65507 bytes (fragmented)"
tests/inet/udp_smoke.sh build/udp-echo
echo
echo "== ksock's TCP on the same kind of link: curl on the Linux side fetches pages from"
echo "   an HTTP server written on ksock's sockets (198.18.0.2)"
tests/inet/http_demo.sh build/tcp-peer

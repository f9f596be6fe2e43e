#!/usr/bin/env bash
# tap_smoke.sh HELPER - the TAP driver against Linux, inside a private
# network namespace (make check-tap; root). Creates namespace ksock-tap-PID,
# a TAP interface kstap0 in it with Linux's side at 198.18.0.1/24 (the
# benchmarking range, RFC 2544; nothing else), runs HELPER (build/tap-arp)
# in the namespace: ksock sends an ARP request for 198.18.0.1 through the
# TAP and waits for Linux's reply, capturing both directions to a pcap
# file, which is then checked (global header, record walk, record count).
# The namespace is deleted on every path (trap). Skips, with the reason,
# only when the machine cannot create a namespace or has no /dev/net/tun.
set -euo pipefail
helper=${1:?usage: tap_smoke.sh HELPER}
ns=ksock-tap-$$
dev=kstap0
out=$(mktemp -d)
pcap=$out/tap.pcap

cleanup() {
	ip netns del "$ns" 2>/dev/null || true # deleting it deletes kstap0 too
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

skip() { echo "check-tap: skipped: $*"; exit 0; }
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "no ip(8) (Debian package iproute2)"
ip netns add "$ns" 2>"$out/err" || skip "cannot create a network namespace: $(cat "$out/err")"

in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip tuntap add dev "$dev" mode tap
# Keep the capture to our frames: no IPv6 (router solicitations, MLD).
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
in_ns sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
in_ns ip addr add 198.18.0.1/24 dev "$dev"
in_ns ip link set "$dev" up
in_ns ip link set lo up

if ! in_ns "$helper" "$dev" "$pcap" >"$out/log" 2>&1; then
	cat "$out/log"
	echo "check-tap: FAILED (no ARP reply from Linux through the TAP)"
	exit 1
fi
cat "$out/log"
records=$(sed -n 's/^records=//p' "$out/log")

# The capture: a 24-byte little-endian header (magic, 2.4, Ethernet), then
# records that end exactly at the end of the file, as many as the helper
# counted, at least the request and the reply.
python3 - "$pcap" "$records" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
want = int(sys.argv[2])
magic, vmaj, vmin, _, _, snap, link = struct.unpack('<IHHiIII', data[:24])
assert (magic, vmaj, vmin, link) == (0xa1b2c3d4, 2, 4, 1), 'bad global header'
off, n, arp = 24, 0, 0
while off < len(data):
    _, _, incl, orig = struct.unpack('<IIII', data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    assert len(frame) == incl and incl <= orig, 'truncated record'
    arp += frame[12:14] == b'\x08\x06'
    off += 16 + incl
    n += 1
assert off == len(data), 'trailing bytes'
assert n == want and n >= 2 and arp >= 2, f'{n} records ({arp} ARP), helper said {want}'
print(f'check-tap: pcap ok: {len(data)} bytes, {n} records, {arp} ARP')
PY
if command -v tcpdump >/dev/null; then
	tcpdump -nn -r "$pcap" 2>/dev/null | sed 's/^/    /'
elif command -v tshark >/dev/null; then
	tshark -r "$pcap" 2>/dev/null | sed 's/^/    /'
fi
echo "check-tap: ok"

#!/usr/bin/env bash
# Counts ksock's instructions per operation on its hot paths with callgrind.
#
# Usage: bench/icount.sh [--if-valgrind] ICOUNT_BINARY K OUT
#        bench/icount.sh --install-valgrind
#
# Runs ICOUNT_BINARY K (bench/icount.c) once under valgrind --tool=callgrind.
# The driver zeroes the counters before each path's K operations and dumps
# them after, named for the path; this script reads each dump's total
# instruction count ("totals:" line, event Ir) and writes one line per path
# to OUT: "<instructions per op> <K> <path name>", which `bench --icount OUT`
# prints and records in its JSON.
#
# --install-valgrind installs Debian's valgrind package if it is missing
# (needs root and apt-get). --if-valgrind skips the count (removing OUT,
# exit 0, with a note) when valgrind is not installed: the smoke run uses it,
# so the tests do not install packages.
set -euo pipefail

if [ "${1:-}" = --install-valgrind ]; then
	command -v valgrind >/dev/null && exit 0
	echo "icount: installing valgrind (Debian package)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
	exit 0
fi

optional=0
if [ "${1:-}" = --if-valgrind ]; then
	optional=1
	shift
fi
if [ $# -ne 3 ]; then
	echo "usage: $0 [--if-valgrind] ICOUNT_BINARY K OUT | --install-valgrind" >&2
	exit 2
fi
bin=$1 k=$2 out=$3

if ! command -v valgrind >/dev/null; then
	rm -f "$out"
	if [ $optional = 1 ]; then
		echo "icount: valgrind not installed; instruction counts skipped"
		exit 0
	fi
	echo "icount: valgrind not installed (make bench installs it)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
	"$bin" "$k" >"$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	echo "icount: $bin failed under callgrind" >&2
	exit 1
fi

# Dumps are cg.out.1, cg.out.2, ... in the order the driver made them.
: >"$tmp/result"
for f in $(ls "$tmp"/cg.out.* 2>/dev/null | awk -F. '{ print $NF, $0 }' | sort -n | cut -d' ' -f2-); do
	awk -v k="$k" '
		/^desc: Trigger: Client Request: / { sub(/^desc: Trigger: Client Request: /, ""); name = $0 }
		/^(totals|summary): / { total = $2 }
		END {
			if (name == "" || total == "") exit 1
			printf "%.1f %d %s\n", total / k, k, name
		}' "$f" >>"$tmp/result" || { echo "icount: cannot read $f" >&2; exit 1; }
done
if [ ! -s "$tmp/result" ]; then
	cat "$tmp/log" >&2
	echo "icount: no counts: was $bin built without valgrind/callgrind.h? (rm it and re-make)" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
mv "$tmp/result" "$out"

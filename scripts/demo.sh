#!/usr/bin/env bash
# Builds ksock and runs the demo (README: "Run the demo").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" build/ksock-demo >/dev/null
exec build/ksock-demo "$@"

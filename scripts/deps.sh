#!/usr/bin/env bash
# Installs the Debian packages ksock's build and tests need, if missing.
# Usage: scripts/deps.sh [extra-package...]   (run as root on Debian 12)
set -euo pipefail
pkgs=(make gcc libc6-dev pkg-config gcc-riscv64-unknown-elf libfuse3-dev fuse3 clang libclang-rt-14-dev
	python3 libpython3.11-testsuite socat iputils-ping iproute2 curl iperf3 "$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi

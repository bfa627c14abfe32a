#!/bin/bash
# make cross-arm64 as part of make test (issue 15 item 5): libloket,
# loketctl and the unit tests built for arm64 and run under qemu-user, with
# the loketctl black-box tests against the arm64 binary.
set -u
cd "$(dirname "$0")/../.."
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
	echo "skip: no arm64 cross toolchain or qemu-user (scripts/deps.sh installs them)"
	exit 0
fi
scripts/cross-arm64.sh

#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds statelog, and runs the demo:
# a child process checkpoints at high frequency, is killed with SIGKILL,
# and recovery proves that every acknowledged checkpoint survived.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTATELOG_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target statelog_cli
./build/statelog demo "$@"

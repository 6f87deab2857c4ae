#!/usr/bin/env bash
# Installs the benchmark-only dependencies, builds the benchmarks in
# build-bench (Release, tests off), and runs the comparison harness
# statelog_compare in quick mode (about a minute), or in full mode with
# --full. Other arguments go to statelog_compare (see bench/compare.cc).
# The harness works in a fresh directory under build-bench, on the same disk
# as the repository, and removes it at the end. The micro-benchmarks are
# built too: run build-bench/<name>_benchmark by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq --no-install-recommends \
  libbenchmark-dev libsqlite3-dev libleveldb-dev >/dev/null

mode=--quick
args=()
for a in "$@"; do
  case "$a" in
    --full) mode=--full ;;
    --quick) mode=--quick ;;
    *) args+=("$a") ;;
  esac
done

# At most two compile jobs: the benchmark machines have two cores.
jobs="$(nproc)"
if [ "$jobs" -gt 2 ]; then jobs=2; fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release \
  -DSTATELOG_BUILD_BENCH=ON -DSTATELOG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$jobs"
cd build-bench
./statelog_compare "$mode" ${args[@]+"${args[@]}"}

#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/*_fuzzer.cc) with clang-14 and
# -fsanitize=fuzzer,address,undefined in build-fuzz-clang/, then runs each
# one for a fixed time, seeded with its committed corpus fuzz/corpus/<name>/.
# New inputs it finds go to build-fuzz-clang/corpus/<name>/ (not committed);
# a crashing input is written to build-fuzz-clang/crashes/<name>/ and named
# in the output. Prints one line per target and exits nonzero if any target
# crashed. See docs/testing.md ("Fuzzing").
#
# Usage: scripts/fuzz.sh [--long | --seconds N | --ci] [target...]
#   default   20 seconds per target
#   --long    30 minutes per target (also STATELOG_LONG=1)
#   --ci      a fixed number of runs per target with a fixed seed, about
#             15 s each, so that a run does the same work every time
#             (scripts/test.sh uses it)
#   target    journal, recovery, txn, json, model (default: all)
# Environment: STATELOG_JOBS (build parallelism, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
ci=0
if [ "${STATELOG_LONG:-}" = 1 ]; then seconds=1800; fi
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) seconds=1800 ;;
    --ci) ci=1 ;;
    --seconds) seconds="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
if [ ${#targets[@]} -eq 0 ]; then
  for src in fuzz/*_fuzzer.cc; do
    name="$(basename "$src" .cc)"
    targets+=("${name%_fuzzer}")
  done
fi

# 1234567 -> 1,234,567
commas() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

dir=build-fuzz-clang
start=$SECONDS
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTATELOG_FUZZ=ON \
  -DSTATELOG_BUILD_TESTS=OFF >/dev/null
cmake --build "$dir" -j"${STATELOG_JOBS:-2}" \
  --target "${targets[@]/%/_fuzzer}" >"$dir/build.log" 2>&1 || {
  tail -50 "$dir/build.log" >&2
  exit 1
}
echo "fuzz: built ${#targets[@]} targets with clang-14 in $((SECONDS - start)) s"

failed=0
for t in "${targets[@]}"; do
  work="$dir/corpus/$t"
  crashes="$dir/crashes/$t"
  log="$dir/logs/$t.log"
  mkdir -p "$work" "$crashes" "$dir/logs"
  status=0
  # --ci: runs per target sized to about 15 s each on a 2-core machine
  # (the model target replays whole store histories, 10-20 runs a second).
  budget=(-max_total_time="$seconds")
  if [ "$ci" = 1 ]; then
    case "$t" in
      journal) runs_wanted=30000 ;;
      txn) runs_wanted=40000 ;;
      recovery) runs_wanted=2000 ;;
      json) runs_wanted=100000 ;;
      *) runs_wanted=200 ;;
    esac
    budget=(-runs="$runs_wanted" -seed=20261125)
    rm -rf "$work" && mkdir -p "$work"
  fi
  "$dir/${t}_fuzzer" "$work" "fuzz/corpus/$t" \
    "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  seeds="$(find "fuzz/corpus/$t" -type f | wc -l)"
  found="$(find "$work" -type f | wc -l)"
  if [ "$status" -ne 0 ]; then
    failed=1
    artifact="$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)"
    echo "fuzz($t): CRASHED; input: ${artifact:-see $log}; log: $log"
    grep -m1 -E "fuzz property violated|ERROR: |runtime error" "$log" || true
  else
    what="${seconds} s"
    if [ "$ci" = 1 ]; then what="seed 20261125"; fi
    echo "fuzz($t): ${what}, $(commas "${runs:-0}") runs, 0 crashes ($(commas "$seeds") seeds, $(commas "$found") new inputs in $work)"
  fi
done
echo "fuzz: done in $((SECONDS - start)) s"
exit "$failed"

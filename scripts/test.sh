#!/usr/bin/env bash
# Installs the dependencies, checks the C++ layout (scripts/check-format.sh),
# then builds and runs every test twice: a normal
# build, and one with AddressSanitizer + UndefinedBehaviorSanitizer; then
# builds the fuzz targets with clang and libFuzzer and runs each for a fixed
# number of seeded runs (scripts/fuzz.sh --ci). STATELOG_LONG=1 also runs
# the long soak variants where tests have them (and 30-minute fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== format =="
scripts/check-format.sh
jobs="$(nproc)"
for variant in release asan; do
  dir="build-test-$variant"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
  if [ "$variant" = asan ]; then
    flags=(-DCMAKE_BUILD_TYPE=Debug -DSTATELOG_SANITIZE=ON)
  fi
  echo "== $variant build =="
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== $variant tests =="
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
  # The crash and fault battery's one-line summaries (docs/testing.md),
  # which ctest keeps in its log.
  echo "== $variant battery summaries =="
  grep -hE '^(crashsim|recovery-crash|io-faults|fsync-failure|killpoints|powercut|diskfull|sigkill|(damage|poison|lock|scenario)\([^)]*\)): ' \
    "$dir/Testing/Temporary/LastTest.log" || true
done
echo "== fuzz =="
if [ "${STATELOG_LONG:-}" = 1 ]; then
  scripts/fuzz.sh --long
else
  scripts/fuzz.sh --ci
fi

#!/usr/bin/env bash
# Installs the library from a build tree into a scratch prefix, builds
# examples/ against it with find_package(statelog), and runs them the way a
# user would: the README's program (which must be the README's text), a
# job run, killed part way, and resumed, and the history of what it did.
#   tests/install_test.sh BUILD_DIR
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/statelog/store.h"
test -f "$work/prefix/lib/cmake/statelog/statelogConfig.cmake"
cmake -S "$src/examples" -B "$work/build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null
resume="$work/build/resume"

# The README's library example is examples/readme.cc, byte for byte.
sed -n '/^## The library$/,/^```$/p' "$src/README.md" | sed '1,/^```cpp$/d;$d' \
  >"$work/readme-block.cc"
if ! cmp -s "$work/readme-block.cc" "$src/examples/readme.cc"; then
  echo "install_test: README's example differs from examples/readme.cc" >&2
  diff "$work/readme-block.cc" "$src/examples/readme.cc" >&2 || true
  exit 1
fi
# It runs, and again on the store it left (its transactions hold on rerun).
mkdir "$work/readme-run"
(cd "$work/readme-run" && "$work/build/readme" 2>/dev/null) >"$work/readme.out"
(cd "$work/readme-run" && "$work/build/readme" 2>/dev/null) >>"$work/readme.out"
printf '%s\n' \
  '{"agent":{"step":2},"runs":1,"status":"running"} at seq 3' \
  '{"agent":{"step":2},"runs":2,"status":"running"} at seq 6' |
  cmp -s - "$work/readme.out" || {
  echo "install_test: the README's example printed:" >&2
  cat "$work/readme.out" >&2
  exit 1
}

# Five steps, then the whole state.
out="$("$resume" "$work/a.state" 5)"
test "$(printf '%s\n' "$out" | grep -c '^step ')" = 5
test "$(printf '%s\n' "$out" | tail -n 1)" = \
  '{"done":5,"results":{"0":0,"1":1,"2":4,"3":9,"4":16}}'
# Again with more steps: it goes on from step 5, not from 0.
out="$("$resume" "$work/a.state" 7)"
test "$(printf '%s\n' "$out" | head -n 1)" = 'step 5 done (seq 6)'
test "$(printf '%s\n' "$out" | tail -n 1)" = \
  '{"done":7,"results":{"0":0,"1":1,"2":4,"3":9,"4":16,"5":25,"6":36}}'

# The history of that job: its state after step 3 (seq 3), and each record
# that changed its step counter.
out="$("$work/build/forensics" "$work/a.state" 3 /done)"
test "$(printf '%s\n' "$out" | head -n 1)" = \
  'at seq 3: {"done":3,"results":{"0":0,"1":1,"2":4}}'
test "$(printf '%s\n' "$out" | grep -c '^seq ')" = 7
test "$(printf '%s\n' "$out" | sed -n 2p)" = 'seq 1: (none) -> 1'
test "$(printf '%s\n' "$out" | tail -n 1)" = 'seq 7: 6 -> 7'

# Killed part way through a long run, then resumed: the steps it
# acknowledged are all there, with at most the one in flight beyond them,
# and the rerun starts at the first one not done.
: >"$work/b.out"  # before the job starts: its redirection runs in the child
"$resume" "$work/b.state" 100000 >>"$work/b.out" &
pid=$!
while [ "$(grep -c '^step ' "$work/b.out" || true)" -lt 20 ]; do sleep 0.01; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
acked="$(grep -c '^step ' "$work/b.out")"
first="$("$resume" "$work/b.state" 0 | tail -n 1)"
done_count="$(printf '%s\n' "$first" | sed 's/^{"done":\([0-9]*\),.*/\1/')"
test "$done_count" -ge "$acked"
test "$done_count" -le $((acked + 1))
out="$("$resume" "$work/b.state" $((done_count + 3)))"
test "$(printf '%s\n' "$out" | head -n 1)" = \
  "step $done_count done (seq $((done_count + 1)))"
echo "install_test: ok (killed run acknowledged $acked steps, store held $done_count)"

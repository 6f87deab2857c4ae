#!/usr/bin/env bash
# Checks that every C++ file is as clang-format (.clang-format: Google
# style) writes it; lists the files that are not. `--fix` rewrites them.
# examples/readme.cc is left out: it is the README's example byte for byte
# (tests/install_test.sh), laid out to be read there.
set -euo pipefail
cd "$(dirname "$0")/.."
format=clang-format-14
mode=(--dry-run --Werror)
if [ "${1:-}" = --fix ]; then mode=(-i); fi
mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '^examples/readme\.cc$')
if ! "$format" "${mode[@]}" "${files[@]}" 2>/dev/null; then
  echo "check-format: these files differ from clang-format's layout" \
       "(scripts/check-format.sh --fix rewrites them):" >&2
  for f in "${files[@]}"; do
    "$format" --dry-run --Werror "$f" >/dev/null 2>&1 || echo "  $f" >&2
  done
  exit 1
fi
echo "check-format: ${#files[@]} files as clang-format writes them"

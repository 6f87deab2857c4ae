#!/usr/bin/env bash
# Installs statelog's build and test dependencies from Debian 12 packages.
# Uses sudo when not run as root. Safe to run again. clang-14 with
# libclang-rt-14-dev (libFuzzer, sanitizer runtimes) and llvm-14
# (llvm-symbolizer, for stack traces) are for scripts/fuzz.sh. e2fsprogs
# (mkfs.ext4) is for the power-cut and disk-full tests.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake g++ pkg-config \
  libabsl-dev nlohmann-json3-dev libxxhash-dev libcli11-dev \
  libgtest-dev libgmock-dev libbenchmark-dev \
  clang-14 clang-format-14 libclang-rt-14-dev llvm-14 e2fsprogs >/dev/null

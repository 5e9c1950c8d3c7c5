#!/usr/bin/env bash
# README command 2: install what is missing, build, run every test (CTest, one process per case).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300

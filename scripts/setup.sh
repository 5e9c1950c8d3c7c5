#!/usr/bin/env bash
# Installs the Debian 12 packages ncoresim needs, only those missing (apt-get; root or sudo).
# clang-14 and libclang-rt-14-dev build the libFuzzer targets (scripts/fuzz.sh): without them
# CTest's fuzz_build and fuzz_smoke_* tests are skipped, not run.
# With --onnx-coverage also python3-torch and python3-torchvision (torch 1.13, torchvision 0.14),
# which only scripts/onnx_coverage.py needs (optional, not part of CTest; about 1 GB).
set -euo pipefail
PKGS=(cmake g++ make pkg-config git clang-format
      libsystemc-dev libeigen3-dev libyaml-cpp-dev libspdlog-dev catch2 libcli11-dev
      nlohmann-json3-dev libonnx-dev libprotobuf-dev python3-matplotlib python3-numpy
      python3-pandas clang-14 libclang-rt-14-dev)
if [ "${1:-}" = "--onnx-coverage" ]; then
  PKGS+=(python3-torch python3-torchvision)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

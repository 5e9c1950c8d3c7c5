#!/usr/bin/env bash
# Benchmarks (figures for the notes, never asserted by tests): wall time and peak RSS of ResNet-50
# points on inf1 (batch 8 and 64, with and without trace.json, with the simple DRAM model and the
# banked one), on trn1, and of the README demo sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
out=$(mktemp -d)
measure() {  # label, command...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>&1
  read -r secs kib <"$out/time"
  awk -v l="$label" -v s="$secs" -v k="$kib" 'BEGIN { printf "%-44s %8.2f s %8.1f MB\n", l, s, k / 1024 }'
}
measure "resnet50 inf1 batch 64, no trace" \
  build/ncoresim run configs/runs/resnet50_inf1.yaml --batch 64 --no-trace -o "$out/b64"
measure "resnet50 inf1 batch 64, with trace.json" \
  build/ncoresim run configs/runs/resnet50_inf1.yaml --batch 64 -o "$out/b64t"
measure "resnet50 inf1 batch 8, no trace" \
  build/ncoresim run configs/runs/resnet50_inf1.yaml --batch 8 --no-trace -o "$out/b8"
measure "resnet50 inf1 batch 8, dram banks ddr4-2400" \
  build/ncoresim run configs/runs/resnet50_inf1.yaml --batch 8 --no-trace -o "$out/b8d" \
  --set hw.dram.model=banks --set hw.dram.preset=ddr4-2400
measure "resnet50 inf1 batch 64, dram banks ddr4-2400" \
  build/ncoresim run configs/runs/resnet50_inf1.yaml --batch 64 --no-trace -o "$out/b64d" \
  --set hw.dram.model=banks --set hw.dram.preset=ddr4-2400
measure "resnet50 trn1 batch 64, no trace" \
  build/ncoresim run configs/runs/resnet50_trn1.yaml --batch 64 --no-trace -o "$out/t64"
measure "demo sweep (6 points, --jobs $(nproc))" \
  build/ncoresim sweep configs/sweeps/resnet50_batch.yaml -o "$out/demo"
rm -rf "$out"

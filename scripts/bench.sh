#!/usr/bin/env bash
# Benchmarks (figures for the notes, never asserted by tests): wall time and peak RSS of ResNet-50
# points on inf1 (batch 8 and 64, with and without trace.json, with the simple DRAM model and the
# banked one), on trn1, and of the README demo sweep. NCORESIM=PATH benchmarks that binary
# instead of building build/ncoresim (to compare two builds on one machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NCORESIM:-build/ncoresim}
if [ -z "${NCORESIM:-}" ]; then scripts/build.sh >/dev/null; fi
out=$(mktemp -d)
measure() {  # label, command...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>&1
  read -r secs kib <"$out/time"
  awk -v l="$label" -v s="$secs" -v k="$kib" 'BEGIN { printf "%-44s %8.2f s %8.1f MB\n", l, s, k / 1024 }'
}
measure "resnet50 inf1 batch 64, no trace" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 64 --no-trace -o "$out/b64"
measure "resnet50 inf1 batch 64, with trace.json" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 64 -o "$out/b64t"
measure "resnet50 inf1 batch 8, no trace" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 8 --no-trace -o "$out/b8"
measure "resnet50 inf1 batch 8, dram banks ddr4-2400" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 8 --no-trace -o "$out/b8d" \
  --set hw.dram.model=banks --set hw.dram.preset=ddr4-2400
measure "resnet50 inf1 batch 64, dram banks ddr4-2400" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 64 --no-trace -o "$out/b64d" \
  --set hw.dram.model=banks --set hw.dram.preset=ddr4-2400
measure "resnet50 trn1 batch 64, no trace" \
  "$bin" run configs/runs/resnet50_trn1.yaml --batch 64 --no-trace -o "$out/t64"
measure "demo sweep (6 points, --jobs $(nproc))" \
  "$bin" sweep configs/sweeps/resnet50_batch.yaml -o "$out/demo"
rm -rf "$out"

#!/usr/bin/env bash
# Benchmarks (figures for the notes, never asserted by tests): wall time and peak RSS of ResNet-50
# points on inf1 (batch 8 and 64, with and without trace.json, with the simple DRAM model and the
# banked one), on trn1, of multi-core deployments, of the README demo sweep, and of a 100-point
# sweep and the 10,240-point design sweep configs/sweeps/resnet50_inf1_dse.yaml (minutes); of
# decode points and a serving run (issue 16).
# NCORESIM=PATH benchmarks that binary instead of building build/ncoresim (to compare two builds
# on one machine).
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
# Issue 15: data-parallel over 4 cores at most 5 x one core's wall time; a 16-core BERT-base
# pipeline point under 10 s.
measure "resnet50 inf1 batch 4, one core" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 4 -o "$out/dp1"
measure "resnet50 inf1 batch 4, data_parallel 4 cores" \
  "$bin" run configs/runs/resnet50_inf1.yaml --batch 4 -o "$out/dp4" \
  --set deployment.mode=data_parallel --set deployment.cores=4
measure "bert_base inf1 batch 1, pipeline 16 cores" \
  "$bin" run configs/runs/bert_base_inf1.yaml --batch 1 -o "$out/pipe16" \
  --set deployment.mode=pipeline --set deployment.cores=16
# Issue 16: a GPT-2 small decode point at batch 64, context 1024 and a TinyLlama-1.1B one at
# batch 64, context 2048 under 1 s each; a 10,000-request serving run, its step grid included,
# under 30 s.
measure "gpt2_small trn1 decode b64 L1024, no trace" \
  "$bin" run configs/runs/gpt2_small_trn1_decode.yaml --batch 64 --set context=1024 --no-trace \
  -o "$out/g64"
measure "tinyllama_1b trn1 decode b64 L2048, no trace" \
  "$bin" run configs/runs/tinyllama_trn1_decode.yaml --batch 64 --set context=2048 --no-trace \
  -o "$out/t64d"
measure "serve gpt2_small trn1, 10,000 requests (--jobs 2)" \
  "$bin" serve configs/serve/gpt2_small_trn1.yaml --jobs 2 -o "$out/serve" \
  --set arrivals.requests=10000
measure "demo sweep (6 points, --jobs $(nproc))" \
  "$bin" sweep configs/sweeps/resnet50_batch.yaml -o "$out/demo"
# A sweep's wall time and its own process's peak memory (the sweep logs it with -v; its point
# processes are not counted).
sweep_bench() {  # label, sweep file, jobs
  local label=$1 file=$2 jobs=$3 start end kib
  start=$(date +%s.%N)
  "$bin" -v sweep "$file" -o "$out/sweep" --jobs "$jobs" --force 2>"$out/sweep.log" >/dev/null
  end=$(date +%s.%N)
  kib=$(sed -n 's/.*own process peaked at \([0-9]*\) KiB.*/\1/p' "$out/sweep.log")
  awk -v l="$label" -v a="$start" -v b="$end" -v k="$kib" \
    'BEGIN { printf "%-44s %8.2f s %8.1f MB (the sweep process)\n", l, b - a, k / 1024 }'
  rm -rf "$out/sweep"
}
printf 'base: %s\naxes:\n  batch: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  hw.dram.bandwidth: [%s]\n' \
  "$PWD/configs/runs/resnet50_inf1.yaml" \
  "4 GiB/s, 6 GiB/s, 8 GiB/s, 10 GiB/s, 12 GiB/s, 14 GiB/s, 16 GiB/s, 18 GiB/s, 20 GiB/s, 22 GiB/s" \
  >"$out/s100.yaml"
sweep_bench "100-point sweep (--jobs 2)" "$out/s100.yaml" 2
# Issue 14: at most 3 minutes, the sweep process at most twice the 100-point sweep's memory.
sweep_bench "DSE sweep (10,240 points, --jobs 2)" configs/sweeps/resnet50_inf1_dse.yaml 2
rm -rf "$out"

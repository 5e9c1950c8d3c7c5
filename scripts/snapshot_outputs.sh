#!/usr/bin/env bash
# Refactoring check: writes every output the shipped configs produce (each run with its trace, the
# small runs in functional mode, every sweep, `plan` and `plan --max-batch --json` of each run, `inspect` of each model, the
# SCALE-Sim imports of tests/data) into OUT_DIR, with the version string masked, so two builds
# compare with `diff -r A B`. Usage: scripts/snapshot_outputs.sh OUT_DIR [NCORESIM_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
bin=${2:-build/ncoresim}
rm -rf "$out"
mkdir -p "$out"/runs "$out"/sweeps "$out"/inspect "$out"/plan "$out"/import
for f in configs/runs/*.yaml; do
  n=$(basename "$f" .yaml)
  "$bin" -q run "$f" -o "$out/runs/$n"
  "$bin" plan "$f" >"$out/plan/$n.txt" 2>&1 || true
  "$bin" plan "$f" --max-batch --json >"$out/plan/${n}_max.json" 2>&1 || true
done
for n in tiny_cnn mlp_inf1; do  # functional mode (the larger runs take minutes)
  "$bin" -q run "configs/runs/$n.yaml" -o "$out/runs/${n}_functional" --no-trace \
    --set options.functional=true
done
for f in configs/sweeps/*.yaml; do
  "$bin" -q sweep "$f" -o "$out/sweeps/$(basename "$f" .yaml)"
done
for f in models/*.yaml; do
  "$bin" inspect "$f" >"$out/inspect/$(basename "$f" .yaml).txt" 2>&1
done
for f in tests/data/scalesim/*.csv; do
  "$bin" import "$f" -o "$out/import/$(basename "$f" .csv).yaml" >/dev/null 2>&1
done
grep -rlZ "ncoresim [0-9.]* (git " "$out" | xargs -0 -r sed -i -E 's/ncoresim [0-9.]+ \(git [0-9a-z-]+\)/ncoresim VERSION/g'

#!/usr/bin/env bash
# README command 1: install what is missing, build, sweep ResNet-50 FP16 on inf1 over compiled
# batch 1..32 and draw traces/demo/sweep.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build/ncoresim sweep configs/sweeps/resnet50_batch.yaml --out traces/demo
/usr/bin/python3 scripts/plot_sweep.py traces/demo
echo "demo: traces/demo/sweep.csv and traces/demo/sweep.png"

#!/usr/bin/env bash
# Bounds report: ResNet-50 on inf1 (batch 4) and BERT-base on trn1 (batch 8), per layer the
# simulated cycles against the compute and memory bounds (scripts/bounds.py).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
out=traces/validate
build/ncoresim run configs/runs/resnet50_inf1.yaml --batch 4 --no-trace -q -o "$out/resnet50_inf1"
build/ncoresim run configs/runs/bert_base_trn1.yaml --batch 8 --no-trace -q -o "$out/bert_base_trn1"
/usr/bin/python3 scripts/bounds.py "$out/resnet50_inf1" "$out/bert_base_trn1"

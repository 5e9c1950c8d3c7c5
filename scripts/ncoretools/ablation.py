"""Ablation of the timing mechanisms against the published figures (issue 11): the validation
table (validate_published) with the presets as they are, then once per mechanism with it switched
off (its --set overrides applied to every row). Prints one markdown line per case: median and max
|error| per hw, and the Inf1 ResNet-50 curve normalized to batch 1.
Usage: ablation.py [FILE] [-o DIR] [--jobs N]
"""

import argparse
import os
import statistics

from . import validate_published

# (mechanism, the overrides that switch it off); each key is one of the presets' own.
ABLATIONS = [
    ("none (the presets)", {}),
    ("pipelined tensor engine -> serial", {"hw.tensor_engine.timing": "serial"}),
    ("conv lowering by cost -> free im2col, a MatMul per group",
     {"hw.tensor_engine.conv_lowering": "packed", "hw.tensor_engine.grouped_lowering": "array"}),
    ("scalar (and GpSimd) engines -> evictions on the vector engine",
     {"hw.engines": "[tensor, vector]"}),
    ("vector and scalar fixed costs -> 0 (GpSimd runs nothing)",
     {f"hw.{e}_engine.{k}": "0" for e in ("vector", "scalar")
      for k in ("static_overhead", "access_overhead")}),
    ("vector cost per input -> per output", {"hw.vector_engine.per_input": "false"}),
    ("layernorm/softmax transposes -> none", {"hw.vector_engine.transpose_reductions": "false"}),
    ("DMA start latency -> 0", {"hw.dma.start_latency": "0"}),
    ("DMA per-transfer overhead -> 0", {"hw.dma.transfer_overhead": "0"}),
    ("weight buffers filling the SBUF -> double buffering", {"options.prefetch": "fixed"}),
    ("FP32 outputs of auto-cast FP32 models -> 2-byte outputs", {"io_dtype": "bf16"}),
    ("host requests in flight -> unbounded", {"hw.host.requests_in_flight": "0"}),
    ("host overhead -> 0", {"hw.host.overhead": "0"}),
    ("host link (fitted on inf1, carried to trn1) -> 8 GB/s", {"hw.host.link_bandwidth": "8GB/s"}),
]


def _errs(rows, hw):
    return [abs(r["error"]) * 100 for r in rows if r["hw"] == hw and r["error"] is not None]


def line(name, rows):
    hws = list(dict.fromkeys(r["hw"] for r in rows))
    cells = []
    for hw in hws:
        e = _errs(rows, hw)
        cells.append(f"{statistics.median(e):.1f} / {max(e):.1f}" if e else "-")
    curve = [r for r in rows if r["hw"] == "inf1" and r["model"] == "resnet50"]
    if curve and all(r["predicted"] for r in curve):
        shape = ", ".join(f"{r['predicted'] / curve[0]['predicted']:.2f}" for r in curve)
    else:
        shape = "-"
    return f"| {name} | " + " | ".join(cells) + f" | {shape} |", hws


def main(argv=None):
    ap = argparse.ArgumentParser(prog="ablation.py", description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default="configs/validation/published.csv")
    ap.add_argument("-o", "--out", default=os.path.join("traces", "ablation"))
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args(argv)
    lines, hws = [], []
    for i, (name, sets) in enumerate(ABLATIONS):
        rows = validate_published.validate(args.file, os.path.join(args.out, f"a{i:02d}"),
                                           args.jobs, sets=sets)
        text, hws = line(name, rows)
        lines.append(text)
    print("| switched off | " + " | ".join(f"{hw} median / max abs error %" for hw in hws) +
          " | inf1 ResNet-50 curve (b1 = 1) |")
    print("|---|" + "---|" * len(hws) + "---|")
    print("\n".join(lines))
    return 0

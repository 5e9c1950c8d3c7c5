"""Per-layer bounds report of one run: per layer, the simulated cycles (those of its busiest unit:
tensor engine, vector engine or DMA), the compute bound (MACs / (R x C x rate) at peak), the
memory bound (its DRAM bytes at peak bandwidth) and the ratio of the cycles to the larger bound:
how far above 1 says what the rest of the model costs (weight loads, fill and drain, the issue
interval, partly filled tiles, DRAM contention). The summary line covers MatMul layers (vector
layers have no MAC bound). An infeasible point (nothing simulated) is reported as such.
Usage: bounds.py RUN_DIR [RUN_DIR...]; exit 3 when one of them is infeasible, 2 on a bad folder.
"""

import argparse
import statistics
import sys

import numpy as np
import pandas as pd

from . import cli, outputs
from .outputs import LAYER_DRAM, OutputError

BUSY = ["tensor_busy_cycles", "vector_busy_cycles", "dma_busy_cycles"]


def layer_bounds(summary, layers):
    """One row per layer that ran (flatten runs nothing): layer, kind, macs, cycles (its busiest
    unit's), compute and memory bounds in cycles, ratio (cycles / the larger bound; NaN when
    that is below 1 cycle) and bound ("compute" or "memory", whichever is larger)."""
    try:
        f = summary["cycles"] / summary["seconds"]  # core clock
        peak_macs = summary["roofline"]["peak_macs_per_s"] / f
        peak_bytes = summary["roofline"]["peak_dram_bytes_per_s"] / f
    except (KeyError, TypeError) as e:
        raise OutputError(f"summary lacks cycles, seconds or roofline.* ({e})") from e
    ran = layers[layers["start_cycle"].notna()]
    t = pd.DataFrame({"layer": ran["layer"], "kind": ran["kind"], "macs": ran["macs"],
                      "cycles": ran[BUSY].max(axis=1).astype("int64"),
                      "compute": ran["macs"] / peak_macs,
                      "memory": ran[list(LAYER_DRAM)].sum(axis=1) / peak_bytes})
    larger = t[["compute", "memory"]].max(axis=1)
    t["ratio"] = (t["cycles"] / larger).where(larger >= 1)
    t["bound"] = np.where(t["compute"] >= t["memory"], "compute", "memory")
    return t.reset_index(drop=True)


def _median(values):
    values = list(values)
    return statistics.median(values) if values else float("nan")


def report(run_dir, out=None):
    """Print the report of one run folder (to `out`, default stdout); False when the point is
    infeasible."""
    out = out or sys.stdout
    s = outputs.read_summary(run_dir)
    head = f"{s.get('model')} on {s.get('hw')}, batch {s.get('batch')}, {s.get('dtype')}"
    if not outputs.feasible(s):
        inf = s.get("infeasible") or {}
        print(f"{head}: infeasible, nothing simulated (layer {inf.get('layer', '?')}, short by "
              f"{inf.get('shortfall_bytes', '?')} bytes: {inf.get('reason', 'no reason given')})\n",
              file=out)
        return False
    t = layer_bounds(s, outputs.read_layers(run_dir))
    print(f"{head}: {s['cycles']} cycles, bounds: compute {s['bounds']['compute_cycles']:.0f}, "
          f"DRAM {s['bounds']['dram_cycles']:.0f}", file=out)
    print(f"{'layer':<26} {'kind':<15} {'cycles':>10} {'compute':>10} {'memory':>10} "
          f"{'ratio':>7} bound", file=out)
    for r in t.itertuples():
        print(f"{r.layer[:26]:<26} {r.kind[:15]:<15} {r.cycles:>10} {r.compute:>10.0f} "
              f"{r.memory:>10.0f} {r.ratio:>7.2f} {r.bound}", file=out)
    matmul = t[t["ratio"].notna() & (t["macs"] > 0)]
    comp = matmul[matmul["bound"] == "compute"]["ratio"]
    mem = matmul[matmul["bound"] == "memory"]["ratio"]
    whole = s["cycles"] / max(s["bounds"]["compute_cycles"], s["bounds"]["dram_cycles"])
    print(f"summary: whole run {whole:.2f}x its bound; per MatMul layer median "
          f"{_median(matmul['ratio']):.2f}x; compute-bound layers {len(comp)} (median "
          f"{_median(comp):.2f}x), memory-bound layers {len(mem)} (median {_median(mem):.2f}x)\n",
          file=out)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bounds.py", description=__doc__.splitlines()[0])
    ap.add_argument("run_dirs", nargs="+", metavar="RUN_DIR",
                    help="output folder of `ncoresim run` (summary.json, layers.csv)")
    args = ap.parse_args(argv)
    feasible = [report(d) for d in args.run_dirs]
    return 0 if all(feasible) else 3


if __name__ == "__main__":
    sys.exit(cli.entry("bounds.py", main))

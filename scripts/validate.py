#!/usr/bin/python3
"""Validation table for one run directory: per layer, the simulated cycles (those of its busiest
unit: tensor engine, vector engine or DMA), the compute bound (MACs / (R x C x rate) at peak),
the memory bound (its DRAM bytes at peak bandwidth) and the ratio of the cycles to the larger
bound: how far above 1 says what the rest of the model costs (weight loads, fill and drain, the
issue interval, partly filled tiles, DRAM contention). The summary covers MatMul layers (vector
layers have no MAC bound). Usage: validate.py RUN_DIR [RUN_DIR...]
"""
import csv
import json
import statistics
import sys
from pathlib import Path


def validate(run_dir):
    d = Path(run_dir)
    s = json.loads((d / "summary.json").read_text())
    f = s["cycles"] / s["seconds"]  # core clock
    peak_mac_per_cycle = s["roofline"]["peak_macs_per_s"] / f
    peak_bytes_per_cycle = s["roofline"]["peak_dram_bytes_per_s"] / f
    rows = list(csv.DictReader((d / "layers.csv").open()))
    print(f"{s['model']} on {s['hw']}, batch {s['batch']}, {s['dtype']}: {s['cycles']} cycles, "
          f"bounds: compute {s['bounds']['compute_cycles']:.0f}, DRAM {s['bounds']['dram_cycles']:.0f}")
    print(f"{'layer':<26} {'kind':<15} {'cycles':>10} {'compute':>10} {'memory':>10} {'ratio':>7} bound")
    ratios = []
    for r in rows:
        if not r["start_cycle"]:
            continue
        cycles = max(int(r["tensor_busy_cycles"]), int(r["vector_busy_cycles"]), int(r["dma_busy_cycles"]))
        dram = sum(int(r[k]) for k in ("read_weights", "read_io", "read_spill", "write_io", "write_spill"))
        comp = int(r["macs"]) / peak_mac_per_cycle
        mem = dram / peak_bytes_per_cycle
        bound = max(comp, mem)
        ratio = cycles / bound if bound >= 1 else float("nan")
        if bound >= 1 and int(r["macs"]) > 0:
            ratios.append((ratio, comp >= mem, int(r["macs"])))
        print(f"{r['layer'][:26]:<26} {r['kind'][:15]:<15} {cycles:>10} {comp:>10.0f} {mem:>10.0f} "
              f"{ratio:>7.2f} {'compute' if comp >= mem else 'memory'}")
    whole = s["cycles"] / max(s["bounds"]["compute_cycles"], s["bounds"]["dram_cycles"])
    comp_r = [r for r, c, _ in ratios if c]
    mem_r = [r for r, c, _ in ratios if not c]
    print(f"summary: whole run {whole:.2f}x its bound; per MatMul layer median "
          f"{statistics.median(r for r, _, _ in ratios):.2f}x; compute-bound layers "
          f"{len(comp_r)} (median {statistics.median(comp_r) if comp_r else float('nan'):.2f}x), "
          f"memory-bound layers {len(mem_r)} (median "
          f"{statistics.median(mem_r) if mem_r else float('nan'):.2f}x)\n")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: validate.py RUN_DIR [RUN_DIR...]")
    for a in sys.argv[1:]:
        validate(a)

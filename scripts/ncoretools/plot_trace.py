"""Draws the Chrome trace of one `ncoresim run` (trace.json) as one PNG, 3 rows on a shared time
axis in ms. Top: Gantt chart, one row per engine / DMA queue, a bar wherever it was busy (DMA bars
coloured by traffic class weights/io/spill). Middle: state-buffer occupancy (MiB). Bottom: DRAM
bandwidth (GB/s). White gaps in a row = that unit idled. Prints busy time per track.
Usage: plot_trace.py RUN_DIR_or_trace.json [-o OUT.png]   (default: RUN_DIR/trace.png)
"""

import os
import re
import sys

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import cli, outputs
from .outputs import CLASSES, OutputError

DMA_CLASSES = list(CLASSES)
CLASS_COLORS = {"weights": "#4c72b0", "io": "#55a868", "spill": "#c44e52", "kv": "#8172b2", "other": "#8c8c8c"}
ENGINE_COLORS = {"tensor engine": "#8172b2", "vector engine": "#dd8452",
                 "scalar engine": "#937860", "gpsimd engine": "#da8bc3"}
COMPUTE_ENGINES = ["tensor engine", "vector engine", "scalar engine", "gpsimd engine"]
OTHER_ENGINE_COLOR = "#64b5cd"
MIB = 1 << 20
# Draw-time merge: gaps shorter than this fraction of the run (well under a pixel) are closed.
DRAW_GAP_FRACTION = 1.0 / 20000


def resolve_paths(arg, out):
    """(trace.json path, output png path) from RUN_DIR or a trace file."""
    path = os.path.join(arg, "trace.json") if os.path.isdir(arg) else arg
    if out is None:
        out = os.path.join(arg, "trace.png") if os.path.isdir(arg) \
            else os.path.splitext(path)[0] + ".png"
    return path, out


def track_order(name):
    """The compute engines (tensor, vector, scalar, GpSimd), DMA queues by number, then anything
    else."""
    if name in COMPUTE_ENGINES:
        return (0, COMPUTE_ENGINES.index(name), name)
    m = re.match(r"dma queue (\d+)$", name)
    if m:
        return (2, int(m.group(1)), name)
    return (3, 0, name)


def dma_class(ev):
    cls = (ev.get("args") or {}).get("class")
    if cls in DMA_CLASSES:
        return cls
    words = str(ev.get("name", "")).split()
    return next((w for w in words if w in DMA_CLASSES), "other")


def collect(events):
    """Split events into slices per (track, class) and counter series per counter name."""
    names = {}
    for ev in events:
        if isinstance(ev, dict) and ev.get("ph") == "M" and ev.get("name") == "thread_name":
            names[ev.get("tid")] = str((ev.get("args") or {}).get("name", ev.get("tid")))
    slices = {}                                   # (track name, class) -> [starts], [ends]
    counters = {}                                 # counter name -> (unit key, [ts], [values])
    for ev in events:
        if not isinstance(ev, dict):
            continue
        ph = ev.get("ph")
        if ph == "X":
            try:
                ts, dur = float(ev["ts"]), float(ev.get("dur", 0))
            except (KeyError, TypeError, ValueError):
                continue
            track = names.get(ev.get("tid"), f"tid {ev.get('tid')}")
            cls = dma_class(ev) if track.startswith("dma") else "compute"
            s, e = slices.setdefault((track, cls), ([], []))
            s.append(ts)
            e.append(ts + dur)
        elif ph == "C":
            args = ev.get("args") or {}
            for k, v in args.items():             # one value per counter event
                if isinstance(v, (int, float)):
                    c = counters.setdefault(str(ev.get("name")), (k, [], []))
                    c[1].append(float(ev.get("ts", 0)))
                    c[2].append(float(v))
                    break
    # Timestamps are microseconds; convert to ms numpy arrays.
    slices = {k: (np.asarray(s) / 1e3, np.asarray(e) / 1e3) for k, (s, e) in slices.items()}
    return slices, counters


def merge(starts, ends, gap=0.0):
    """Union of intervals as (starts, ends) arrays; intervals closer than `gap` are joined."""
    if len(starts) == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)              # furthest end seen so far
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    new[1:] = s[1:] > reach[:-1] + gap
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(s) - 1)
    return s[first], reach[last]


def union_ms(starts, ends):
    ms, me = merge(starts, ends)
    return float(np.sum(me - ms))


def read_summary(trace_path):
    """summary.json next to the trace (for SBUF capacity / DRAM peak lines), or {}."""
    try:
        return outputs.read_summary(os.path.dirname(os.path.abspath(trace_path)))
    except OutputError:
        return {}


def nested(d, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d if isinstance(d, (int, float)) else None


def series(counters, name):
    if name not in counters:
        return None, None
    _, ts, vs = counters[name]
    order = np.argsort(ts, kind="stable")
    return np.asarray(ts)[order] / 1e3, np.asarray(vs)[order]


def summarize(tracks, slices, run_ms):
    """Print busy time per track (union of its slices) and its split by DMA class."""
    print(f"run: {run_ms:.3f} ms")
    print(f"{'track':<16} {'slices':>8} {'busy ms':>10} {'% of run':>9}  by class (% of run)")
    for t in tracks:
        classes = {c for (tt, c) in slices if tt == t}
        parts = [(c, slices[(t, c)]) for c in DMA_CLASSES + ["other", "compute"] if c in classes]
        s = np.concatenate([p[1][0] for p in parts])
        e = np.concatenate([p[1][1] for p in parts])
        busy = union_ms(s, e)
        split = ""
        if len(parts) > 1 or parts[0][0] != "compute":
            split = "  ".join(f"{c} {100 * union_ms(*se) / run_ms:.1f}" for c, se in parts)
        print(f"{t:<16} {len(s):>8} {busy:>10.3f} {100 * busy / run_ms:>8.1f}%  {split}")


def draw_gantt(ax, tracks, slices, run_ms):
    gap = run_ms * DRAW_GAP_FRACTION
    n_bars = 0
    for row, t in enumerate(tracks):
        y = len(tracks) - 1 - row                 # first track on top
        for (tt, cls), (s, e) in slices.items():
            if tt != t:
                continue
            ms, me = merge(s, e, gap)
            n_bars += len(ms)
            color = CLASS_COLORS.get(cls) if cls != "compute" \
                else ENGINE_COLORS.get(t, OTHER_ENGINE_COLOR)
            ax.broken_barh(np.column_stack([ms, me - ms]), (y - 0.4, 0.8), facecolors=color,
                           edgecolor="none", linewidth=0)
    ax.set_yticks(range(len(tracks)))
    ax.set_yticklabels(list(reversed(tracks)))
    ax.set_ylim(-0.6, len(tracks) - 0.4)
    ax.grid(True, axis="x", alpha=0.3)
    handles = [Patch(color=ENGINE_COLORS.get(t, OTHER_ENGINE_COLOR), label=t)
               for t in tracks if not t.startswith("dma")]
    present = {c for (t, c) in slices if t.startswith("dma")}
    handles += [Patch(color=CLASS_COLORS[c], label=f"DMA: {c}")
                for c in DMA_CLASSES + ["other"] if c in present]
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0),
              borderaxespad=0)
    ax.set_title("Busy intervals per engine / DMA queue (white = idle)", fontsize=10)
    return n_bars


def plot(path, out=None, table=True):
    """Draw RUN_DIR/trace.json (or a trace file) into `out` (default RUN_DIR/trace.png, or the
    trace's name with .png), printing busy time per track unless `table` is False; returns the
    PNG's path."""
    path, out = resolve_paths(path, out)
    events, other = outputs.read_trace(path)
    slices, counters = collect(events)
    if not slices:
        raise OutputError(f"{path} has no duration (\"ph\": \"X\") slices to draw")
    tracks = sorted({t for (t, _) in slices}, key=track_order)
    run_ms = max(float(e.max()) for (_, e) in slices.values())
    for _, ts, _ in counters.values():
        if ts:
            run_ms = max(run_ms, max(ts) / 1e3)
    if run_ms <= 0:
        raise OutputError(f"{path}: all slices have zero length")
    if table:
        summarize(tracks, slices, run_ms)
    summary = read_summary(path)

    fig = Figure(figsize=(16, 4.2 + 0.32 * len(tracks)))
    ax_g, ax_sb, ax_bw = fig.subplots(
        3, 1, sharex=True,
        gridspec_kw={"height_ratios": [max(3, 0.35 * len(tracks)), 1.3, 1.3]})
    draw_gantt(ax_g, tracks, slices, run_ms)

    t, v = series(counters, "SBUF occupancy")
    if t is not None:
        ax_sb.step(np.append(t, run_ms), np.append(v, v[-1]) / MIB, where="post",
                   color="#4c72b0", lw=1.2, label=f"occupancy (peak {v.max() / MIB:.2f} MiB)")
        ax_sb.fill_between(np.append(t, run_ms), np.append(v, v[-1]) / MIB, step="post",
                           color="#4c72b0", alpha=0.15)
    else:
        ax_sb.text(0.5, 0.5, "no \"SBUF occupancy\" counter in trace", ha="center",
                   transform=ax_sb.transAxes, color="dimgray")
    cap = nested(summary, "state_buffer", "capacity_bytes")
    if cap:
        ax_sb.axhline(cap / MIB, color="crimson", ls="--", lw=1,
                      label=f"capacity {cap / MIB:g} MiB")
    top = max([cap or 0] + ([float(v.max())] if t is not None else []))
    ax_sb.set_ylim(0, top / MIB * 1.12 if top > 0 else 1)
    ax_sb.set_ylabel("SBUF (MiB)")
    ax_sb.grid(True, alpha=0.3)
    if ax_sb.get_legend_handles_labels()[0]:
        ax_sb.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0)

    t, v = series(counters, "DRAM bandwidth")
    if t is not None:
        unit = counters["DRAM bandwidth"][0]
        ax_bw.step(np.append(t, run_ms), np.append(v, v[-1]), where="post", color="#55a868",
                   lw=1.0, label=f"DRAM {unit}")
        # Time-weighted mean of the step function over the run.
        dt = np.diff(np.append(t, run_ms))
        mean = float(np.sum(v * dt) / max(float(np.sum(dt)), 1e-12))
        ax_bw.axhline(mean, color="#55a868", ls=":", lw=1, label=f"mean {mean:.3g} {unit}")
        ax_bw.set_ylabel(f"DRAM ({unit})")
    else:
        ax_bw.text(0.5, 0.5, "no \"DRAM bandwidth\" counter in trace", ha="center",
                   transform=ax_bw.transAxes, color="dimgray")
        ax_bw.set_ylabel("DRAM (GB/s)")
    peak = nested(summary, "roofline", "peak_dram_bytes_per_s")
    if peak:
        ax_bw.axhline(peak / 1e9, color="crimson", ls="--", lw=1,
                      label=f"peak {peak / 1e9:.3g} GB/s")
    ax_bw.set_ylim(bottom=0)
    ax_bw.grid(True, alpha=0.3)
    if ax_bw.get_legend_handles_labels()[0]:
        ax_bw.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0)
    ax_bw.set_xlabel("time (ms)")
    ax_bw.set_xlim(0, run_ms * 1.005)

    title = (f"model: {other.get('model', '?')} | hw: {other.get('hw', '?')} | "
             f"batch: {other.get('batch', '?')}   ({run_ms:.3f} ms)")
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return out


def main(argv=None):
    path, out = cli.plot_args(argv, "plot_trace.py",
                              "Plot the Chrome trace written by `ncoresim run`.", "path",
                              "run directory containing trace.json, or a trace .json file",
                              "RUN_DIR/trace.png")
    print(f"wrote {plot(path, out)}")


if __name__ == "__main__":
    sys.exit(cli.entry("plot_trace.py", main))

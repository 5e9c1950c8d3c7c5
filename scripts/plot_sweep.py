#!/usr/bin/python3
# plot_sweep.py: plot the results of `ncoresim sweep` (DIR/sweep.csv) into one PNG.
# Panels, all with the compiled batch on a log2 x-axis: (1) throughput in inferences/s,
# (2) latency in ms, (3) DRAM traffic per inference in MB, stacked by class (weights/io/spill).
# One line (or bar group) per combination of the other sweep axes; hollow markers = spilled
# (fits=false). Infeasible points (empty timing cells) are listed in the table but not drawn.
"""Usage: plot_sweep.py DIR [-o OUT.png]   (reads DIR/sweep.csv, writes DIR/sweep.png)"""

import argparse
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator  # noqa: E402

REQUIRED = ["batch", "throughput_inferences_per_s", "latency_s"]
CLASSES = ["weights", "io", "spill"]
CLASS_COLORS = {"weights": "#4c72b0", "io": "#55a868", "spill": "#c44e52"}
GROUP_HATCHES = ["", "//", ".."]
LINE_STYLES = ["-", "--", "-.", ":"]
MAX_BAR_GROUPS = 3
MIB = 1 << 20


def die(msg):
    print(f"plot_sweep.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def to_float(cell):
    """Parse a numeric cell; empty or unparsable cells give None."""
    if cell is None:
        return None
    cell = cell.strip()
    if not cell:
        return None
    try:
        v = float(cell)
    except ValueError:
        return None
    return None if math.isnan(v) else v


def format_bytes(v):
    for unit, scale in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1 << 10)):
        if abs(v) >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v:g} B"


def format_axis_value(key, raw):
    """Readable axis value: binary byte units for capacities and MiB multiples."""
    v = to_float(raw)
    if v is None:
        return raw.strip() or "(empty)"
    if key.endswith("capacity") or (v != 0 and v == int(v) and int(v) % MIB == 0):
        return format_bytes(v)
    return f"{v:g}"


def read_sweep(path):
    """Return (axis_columns, rows) from sweep.csv; exits 2 on unusable input."""
    if not os.path.isfile(path):
        die(f"{path} not found (run `ncoresim sweep` first)")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        rows = [r for r in reader if any((c or "").strip() for c in r.values())]
    if not header:
        die(f"{path} is empty")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        die(f"{path} lacks needed column(s): {', '.join(missing)}")
    if not rows:
        die(f"{path} has no data rows")
    # Axis columns sit between `point` and `version`.
    if "point" in header and "version" in header and header.index("point") < header.index("version"):
        axes = header[header.index("point") + 1:header.index("version")]
    else:
        axes = ["batch"]
    if "batch" not in axes:
        axes = ["batch"] + axes
    traffic = [f"dram.{d}_bytes.{c}" for d in ("read", "write") for c in CLASSES]
    absent = [c for c in traffic if c not in header]
    if len(absent) == len(traffic):
        die(f"{path} has no dram.{{read,write}}_bytes.* columns")
    if absent:
        print(f"plot_sweep.py: warning: missing {', '.join(absent)} (counted as 0)", file=sys.stderr)
    return axes, rows


def make_point(row, other_axes):
    """Turn one CSV row into a dict of the values we plot; None if batch is unusable."""
    batch = to_float(row.get("batch"))
    if batch is None or batch <= 0:
        return None
    thr = to_float(row.get("throughput_inferences_per_s"))
    lat = to_float(row.get("latency_s"))
    p = {
        "point": (row.get("point") or "").strip(),
        "batch": batch,
        "group": tuple(f"{k}={format_axis_value(k, row.get(k) or '')}" for k in other_axes),
        "feasible": thr is not None and lat is not None,
        "fits": (row.get("fits") or "").strip().lower() == "true",
        "throughput": thr,
        "latency_ms": lat * 1e3 if lat is not None else None,
    }
    for c in CLASSES:
        total = sum(to_float(row.get(f"dram.{d}_bytes.{c}")) or 0.0 for d in ("read", "write"))
        p["mb_" + c] = total / batch / 1e6
    return p


def group_points(points):
    """Ordered {group label tuple: [points sorted by batch]}, in first-appearance order."""
    groups = {}
    for p in points:
        groups.setdefault(p["group"], []).append(p)
    for g in groups.values():
        g.sort(key=lambda p: p["batch"])
    return groups


def group_label(group):
    return ", ".join(group) if group else "all points"


def setup_batch_axis(ax, batches):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(batches))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{b:g}" for b in batches])
    lo, hi = min(batches), max(batches)
    ax.set_xlim(lo / 1.5, hi * 1.5)
    ax.set_xlabel("compiled batch (log2)")
    ax.grid(True, which="major", alpha=0.3)


def plot_lines(ax, groups, key, colors):
    """One line per group over feasible points; spilled points drawn hollow."""
    for i, (g, pts) in enumerate(groups.items()):
        pts = [p for p in pts if p["feasible"]]
        if not pts:
            continue
        c = colors[i % len(colors)]
        xs = [p["batch"] for p in pts]
        ys = [p[key] for p in pts]
        ax.plot(xs, ys, LINE_STYLES[i % len(LINE_STYLES)], color=c, lw=1.8)
        fit = [p for p in pts if p["fits"]]
        spill = [p for p in pts if not p["fits"]]
        ax.plot([p["batch"] for p in fit], [p[key] for p in fit], "o", color=c, ms=6)
        ax.plot([p["batch"] for p in spill], [p[key] for p in spill], "o", ms=10,
                markerfacecolor="white", markeredgecolor=c, markeredgewidth=2)
    ax.set_ylim(bottom=0)


def plot_stacked(ax, groups, batches):
    """Stacked per-class MB/inference bars; up to MAX_BAR_GROUPS groups side by side."""
    shown = list(groups.items())[:MAX_BAR_GROUPS] if len(groups) <= MAX_BAR_GROUPS \
        else list(groups.items())[:1]
    logs = sorted({math.log2(b) for b in batches})
    gap = min((b - a for a, b in zip(logs, logs[1:])), default=1.0)
    total_w = 0.8 * gap                      # width of all bars at one batch, in log2 units
    bar_w = total_w / len(shown)
    for gi, (g, pts) in enumerate(shown):
        for p in pts:
            left = math.log2(p["batch"]) - total_w / 2 + gi * bar_w
            x0, x1 = 2 ** left, 2 ** (left + bar_w)
            if not p["feasible"]:
                ax.text(math.sqrt(x0 * x1), 0, "n/a", ha="center", va="bottom", fontsize=8,
                        color="dimgray")
                continue
            bottom = 0.0
            for c in CLASSES:
                h = p["mb_" + c]
                ax.bar(x0, h, width=x1 - x0, bottom=bottom, align="edge",
                       color=CLASS_COLORS[c], hatch=GROUP_HATCHES[gi % len(GROUP_HATCHES)],
                       edgecolor="black", linewidth=0.5)
                bottom += h
    handles = [Patch(facecolor=CLASS_COLORS[c], edgecolor="black", label=c) for c in CLASSES]
    if len(shown) > 1:
        handles += [Patch(facecolor="white", edgecolor="black",
                          hatch=GROUP_HATCHES[i % len(GROUP_HATCHES)], label=group_label(g))
                    for i, (g, _) in enumerate(shown)]
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
    title = "DRAM traffic per inference"
    if len(groups) > len(shown):
        title += f"\n(only {group_label(shown[0][0])}; {len(groups)} combinations)"
    ax.set_title(title)
    ax.set_ylabel("MB / inference (1 MB = 1e6 B)")


def draw(points, first_row, out_path):
    groups = group_points(points)
    feasible = [p for p in points if p["feasible"]]
    batches = sorted({p["batch"] for p in feasible}) or sorted({p["batch"] for p in points})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    fig, axes = plt.subplots(1, 3, figsize=(18, 5.8))
    ax_thr, ax_lat, ax_dram = axes
    plot_lines(ax_thr, groups, "throughput", colors)
    ax_thr.set_title("Throughput")
    ax_thr.set_ylabel("throughput (inferences/s)")
    plot_lines(ax_lat, groups, "latency_ms", colors)
    ax_lat.set_title("Latency (one compiled batch)")
    ax_lat.set_ylabel("latency (ms)")
    plot_stacked(ax_dram, groups, batches)
    for ax in axes:
        setup_batch_axis(ax, batches)

    # Legend for the line panels: one entry per group + marker meaning.
    handles = []
    if len(groups) > 1:
        handles += [Line2D([], [], color=colors[i % len(colors)], ls=LINE_STYLES[i % len(LINE_STYLES)],
                           marker="o", label=group_label(g))
                    for i, g in enumerate(groups)]
    else:
        handles.append(Line2D([], [], color=colors[0], marker="o", label="fits in state buffer"))
    handles.append(Line2D([], [], ls="", marker="o", ms=10, markerfacecolor="white",
                          markeredgecolor="gray", markeredgewidth=2,
                          label="spilled to DRAM (fits=false)"))
    ax_thr.legend(handles=handles, fontsize=8, loc="best")

    title = " | ".join(f"{k}: {(first_row.get(k) or '?').strip()}" for k in ("model", "hw", "dtype"))
    n_infeasible = len(points) - len(feasible)
    if n_infeasible:
        title += f"   ({n_infeasible} infeasible point(s) not simulated, not drawn)"
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    plt.close(fig)


def fmt(v, spec):
    width = int(spec.split(".")[0] or 0)
    return f"{'-':>{width}}" if v is None else format(v, spec)


def print_table(points):
    """One line per point, in sweep order; infeasible points show '-' cells."""
    multi = any(p["group"] for p in points)
    print(f"{'point':<6} {'batch':>6} {'fits':>10} {'inf/s':>12} {'lat ms':>10} "
          f"{'MB/inf wts':>11} {'io':>9} {'spill':>9} {'total':>9}" + ("  axes" if multi else ""))
    for p in points:
        ok = p["feasible"]
        mb = [p["mb_" + c] if ok else None for c in CLASSES]
        tot = sum(mb) if ok else None
        fits = str(p["fits"]).lower() if ok else "infeasible"
        line = (f"{p['point']:<6} {p['batch']:>6g} {fits:>10} {fmt(p['throughput'], '12.1f')} "
                f"{fmt(p['latency_ms'], '10.3f')} {fmt(mb[0], '11.3f')} {fmt(mb[1], '9.3f')} "
                f"{fmt(mb[2], '9.3f')} {fmt(tot, '9.3f')}")
        print(line + ("  " + group_label(p["group"]) if multi else ""))


def main():
    ap = argparse.ArgumentParser(description="Plot DIR/sweep.csv from `ncoresim sweep`.")
    ap.add_argument("dir", help="sweep output directory containing sweep.csv")
    ap.add_argument("-o", "--out", help="output PNG (default: DIR/sweep.png)")
    args = ap.parse_args()

    csv_path = os.path.join(args.dir, "sweep.csv")
    axes, rows = read_sweep(csv_path)
    other_axes = [a for a in axes if a != "batch"]
    points = [p for p in (make_point(r, other_axes) for r in rows) if p is not None]
    if not points:
        die(f"{csv_path} has no rows with a usable batch value")

    print_table(points)
    out = args.out or os.path.join(args.dir, "sweep.png")
    if not any(p["feasible"] for p in points):
        print("plot_sweep.py: warning: no feasible (simulated) points; plot will be empty",
              file=sys.stderr)
    draw(points, rows[0], out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

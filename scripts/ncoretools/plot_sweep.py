"""Draws `ncoresim sweep` results (DIR/sweep.csv) as one 2-row PNG. Top: throughput, latency
and DRAM MB/inference (stacked weights/io/spill) vs compiled batch. Bottom: latency vs throughput
with the Pareto front, and a roofline (achieved MAC/s vs MACs per DRAM byte), and energy per
inference when the sweep has it. Colour = one combination of the other sweep axes; hollow =
spilled; star = best under the SLO (best.csv). Usage: plot_sweep.py DIR [-o OUT.png]
"""

import math
import os
import sys

import matplotlib
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator

from . import cli, outputs
from .outputs import CLASSES, OutputError, to_float, to_text

REQUIRED = ["batch", "throughput_inferences_per_s", "latency_s"]
CLASS_COLORS = {"weights": "#4c72b0", "io": "#55a868", "spill": "#c44e52", "kv": "#8172b2"}
ENERGY = ["tensor", "vector", "sbuf", "psum", "dram", "static"]  # energy.<name>_j columns
ENERGY_COLORS = {"tensor": "#8172b2", "vector": "#dd8452", "sbuf": "#64b5cd", "psum": "#ccb974",
                 "dram": "#c44e52", "static": "#8c8c8c"}
GROUP_HATCHES = ["", "//", "..", "xx"]
LINE_STYLES = ["-", "--", "-.", ":"]
MAX_BAR_GROUPS = 4
MIB = 1 << 20
ROOFLINE = ["peak_macs_per_s", "peak_dram_bytes_per_s", "operational_intensity",
            "achieved_macs_per_s"]


def format_bytes(v):
    for unit, scale in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1 << 10)):
        if abs(v) >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v:g} B"


def format_axis_value(key, raw):
    """Readable axis value: binary byte units for capacities and MiB multiples."""
    v = to_float(raw)
    if v is None:
        return to_text(raw) or "(empty)"
    if key.endswith("capacity") or (v != 0 and v == int(v) and int(v) % MIB == 0):
        return format_bytes(v)
    return f"{v:g}"


def check_sweep(table, path):
    """(axis columns, rows as dicts) of a sweep table; OutputError when it cannot be drawn."""
    header = list(table.columns)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise OutputError(f"{path} lacks needed column(s): {', '.join(missing)}")
    if table.empty:
        raise OutputError(f"{path} has no data rows")
    axes = outputs.sweep_axes(table) or ["batch"]
    if "batch" not in axes:
        axes = ["batch"] + axes
    traffic = [f"dram.{d}_bytes.{c}" for d in ("read", "write") for c in CLASSES]
    absent = [c for c in traffic if c not in header]
    if len(absent) == len(traffic):
        raise OutputError(f"{path} has no dram.{{read,write}}_bytes.* columns")
    if absent:
        print(f"plot_sweep.py: warning: missing {', '.join(absent)} (counted as 0)",
              file=sys.stderr)
    return axes, table.to_dict("records")


def make_point(row, other_axes):
    """Turn one CSV row into a dict of the values we plot; None if batch is unusable."""
    batch = to_float(row.get("batch"))
    if batch is None or batch <= 0:
        return None
    thr = to_float(row.get("throughput_inferences_per_s"))
    lat = to_float(row.get("latency_s"))
    p = {
        "point": to_text(row.get("point")),
        "batch": batch,
        "group": tuple(f"{k}={format_axis_value(k, row.get(k))}" for k in other_axes),
        "feasible": thr is not None and lat is not None,
        "fits": to_text(row.get("fits")).lower() == "true",
        "throughput": thr,
        "latency_ms": lat * 1e3 if lat is not None else None,
    }
    for k in ROOFLINE:
        p[k] = to_float(row.get("roofline." + k))
    # Inferences the row's byte and energy counts cover: the batch, or for a data-parallel
    # deployment every copy's (dram.bytes_per_inference and energy.per_inference_j say so).
    totals = {c: sum(to_float(row.get(f"dram.{d}_bytes.{c}")) or 0.0 for d in ("read", "write"))
              for c in CLASSES}
    per_inf = to_float(row.get("dram.bytes_per_inference"))
    inferences = sum(totals.values()) / per_inf if per_inf else batch
    for c in CLASSES:
        p["mb_" + c] = totals[c] / inferences / 1e6
    e_total, e_per = to_float(row.get("energy.total_j")), to_float(row.get("energy.per_inference_j"))
    e_inferences = e_total / e_per if e_total and e_per else batch
    for e in ENERGY:  # mJ per inference, when the hardware file has an energy table
        v = to_float(row.get(f"energy.{e}_j"))
        p["mj_" + e] = v / e_inferences * 1e3 if v is not None else None
    p["has_energy"] = \
        to_float(row.get("energy.total_j")) is not None
    return p


def group_points(points, by="batch"):
    """Ordered {group label tuple: [points sorted by p[by]]}, in first-appearance order."""
    groups = {}
    for p in points:
        groups.setdefault(p["group"], []).append(p)
    for g in groups.values():
        g.sort(key=lambda p: p[by])
    return groups


def run_title(row):
    """"model: M | hw: H | dtype: D" of a sweep's (or run's) first row ("?" where absent)."""
    return " | ".join(f"{k}: {to_text(row.get(k)) or '?'}" for k in ("model", "hw", "dtype"))


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


def plot_stacked(ax, groups, batches, keys=CLASSES, colors=CLASS_COLORS, prefix="mb_",
                 title="DRAM traffic per inference", ylabel="MB / inference (1 MB = 1e6 B)"):
    """Stacked per-key bars per inference; up to MAX_BAR_GROUPS groups side by side."""
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
            for c in keys:
                h = p[prefix + c] or 0.0
                ax.bar(x0, h, width=x1 - x0, bottom=bottom, align="edge",
                       color=colors[c], hatch=GROUP_HATCHES[gi % len(GROUP_HATCHES)],
                       edgecolor="black", linewidth=0.5)
                bottom += h
    handles = [Patch(facecolor=colors[c], edgecolor="black", label=c) for c in keys]
    if len(shown) > 1:
        handles += [Patch(facecolor="white", edgecolor="black",
                          hatch=GROUP_HATCHES[i % len(GROUP_HATCHES)], label=group_label(g))
                    for i, (g, _) in enumerate(shown)]
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
    if len(groups) > len(shown):
        title += f"\n(only {group_label(shown[0][0])}; {len(groups)} combinations)"
    ax.set_title(title)
    ax.set_ylabel(ylabel)


def read_best(dir_path, other_axes):
    """DIR/best.csv (best batch per other-axes combination under the SLO), if present.

    Returns (best points, slo in seconds or None); best is empty when there is no file. A row
    with an empty batch means no batch met the bound for that combination: it is not drawn."""
    table = outputs.read_best(dir_path)
    if table is None:
        return [], None
    rows = table.to_dict("records")
    slo = None
    if "slo_s" in table.columns:
        slo = next((v for v in (to_float(r.get("slo_s")) for r in rows) if v is not None), None)
    best = []
    for r in rows:
        batch, thr, lat = (to_float(r.get(k)) for k in REQUIRED)
        ok = batch is not None and thr is not None and lat is not None
        best.append({
            "group": tuple(f"{k}={format_axis_value(k, r.get(k))}" for k in other_axes),
            "met": ok, "batch": batch, "throughput": thr, "latency_ms": lat * 1e3 if ok else None})
    return best, slo


def pareto_front(points):
    """Feasible points no other point dominates (>= throughput and <= latency, one strictly),
    sorted by throughput; coincident points are kept once."""
    pts = {(p["throughput"], p["latency_ms"]) for p in points if p["feasible"]}
    front = [a for a in pts
             if not any(b[0] >= a[0] and b[1] <= a[1] and b != a for b in pts)]
    return sorted(front)


def group_colors(groups, colors):
    return {g: colors[i % len(colors)] for i, g in enumerate(groups)}


def scatter_groups(ax, groups, gcolor, xkey, ykey):
    """All feasible points coloured by group (hollow = spilled), each labelled with its batch.
    Points within ~6% of each other in x and y share one label (e.g. "b2/4")."""
    near = {}
    for g, pts in groups.items():
        c = gcolor[g]
        for p in pts:
            x, y = p.get(xkey), p.get(ykey)
            if not p["feasible"] or x is None or y is None or x <= 0 or y <= 0:
                continue
            if p["fits"]:
                ax.plot(x, y, "o", color=c, ms=6, zorder=3)
            else:
                ax.plot(x, y, "o", ms=8, markerfacecolor="white", markeredgecolor=c,
                        markeredgewidth=2, zorder=3)
            key = (round(math.log10(x) * 40), round(math.log10(y) * 40))
            near.setdefault(key, (x, y, set()))[2].add(p["batch"])
    for x, y, bs in near.values():
        ax.annotate("b" + "/".join(f"{b:g}" for b in sorted(bs)), (x, y), xytext=(5, 3),
                    textcoords="offset points", fontsize=7, color="dimgray", zorder=2.5,
                    path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])


def plot_best(ax, best, gcolor, xkey, ykey, handles):
    """A star at each best batch under the SLO (in its group's colour), and their legend entry."""
    for b in best:
        ax.plot(b[xkey], b[ykey], "*", ms=16, color=gcolor.get(b["group"], "gold"),
                markeredgecolor="black", zorder=5)
    if best:
        handles.append(Line2D([], [], ls="", marker="*", ms=12, color="gold",
                              markeredgecolor="black", label="best batch under SLO (best.csv)"))


def plot_pareto(ax, points, groups, gcolor, best, slo):
    scatter_groups(ax, groups, gcolor, "throughput", "latency_ms")
    front = pareto_front(points)
    handles = []
    if front:
        ax.plot([f[0] for f in front], [f[1] for f in front], "-", color="black", lw=1.3,
                drawstyle="steps-pre", zorder=2)
        handles.append(Line2D([], [], color="black", lw=1.3, label="Pareto front"))
    plot_best(ax, best, gcolor, "throughput", "latency_ms", handles)
    if slo is not None:
        ax.axhline(slo * 1e3, color="crimson", ls="--", lw=1.2)
        handles.append(Line2D([], [], color="crimson", ls="--", label=f"SLO {slo * 1e3:g} ms"))
    ax.set_xlabel("throughput (inferences/s)")
    thrs = [p["throughput"] for p in points if p["feasible"]]
    if thrs:
        ax.set_xlim(0, max(thrs) * 1.12)     # room for the labels of the rightmost points
    lats = [p["latency_ms"] for p in points if p["feasible"] and p["latency_ms"] > 0]
    if lats and max(lats) > 10 * min(lats):    # wide latency range: log so the front is visible
        ax.set_yscale("log")
        log_ticks(ax.yaxis)
        ax.set_ylabel("latency (ms, log)")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("latency (ms)")
    ax.set_title("Latency vs throughput (label = batch; lower right is better)")
    ax.grid(True, which="major", alpha=0.3)
    if len(groups) > 1:
        handles = [Line2D([], [], ls="", marker="o", color=gcolor[g], label=group_label(g))
                   for g in groups] + handles
    if handles:
        ax.legend(handles=handles, fontsize=8, loc="best")


def log_ticks(axis):
    """Label a log axis at 1-2-5 steps in plain numbers (not 10^x)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def mac_unit(peak):
    return (1e12, "TMAC/s") if peak >= 1e12 else (1e9, "GMAC/s")


def plot_roofline(ax, points, groups, gcolor):
    ax.set_title("Roofline (label = batch; colours as in the other panels)")
    ax.set_xlabel("operational intensity (MACs per DRAM byte, log)")
    pts = [p for p in points if p["feasible"] and (p["operational_intensity"] or 0) > 0
           and (p["achieved_macs_per_s"] or 0) > 0]
    # The roof comes from the first row (first row that has both peaks, if that one is blank).
    peak_c, peak_bw = next(((p["peak_macs_per_s"], p["peak_dram_bytes_per_s"]) for p in points
                            if p["peak_macs_per_s"] and p["peak_dram_bytes_per_s"]), (None, None))
    if not pts or not peak_c or not peak_bw:
        ax.text(0.5, 0.5, "no feasible point with roofline.* values\n"
                "(all infeasible, or sweep.csv from an older ncoresim)", ha="center", va="center",
                transform=ax.transAxes, color="dimgray")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    scale, unit = mac_unit(peak_c)
    ax.set_ylabel(f"achieved {unit} (log)")
    # Plot in display units: copy the points with scaled MAC/s.
    scaled = {g: [dict(p, achieved=(p["achieved_macs_per_s"] or 0) / scale) for p in ps]
              for g, ps in groups.items()}
    ax.set_xscale("log")
    ax.set_yscale("log")
    scatter_groups(ax, scaled, gcolor, "operational_intensity", "achieved")
    ridge = peak_c / peak_bw
    ois = [p["operational_intensity"] for p in pts]
    x0, x1 = min(min(ois), ridge) / 1.6, max(max(ois), ridge) * 3   # room right of the ridge
    xs = [x0, ridge, x1]
    ax.plot(xs, [min(peak_c, peak_bw * x) / scale for x in xs], "-", color="black", lw=1.6,
            label=f"roofline: {peak_c / scale:g} {unit} peak, {peak_bw / 1e9:.3g} GB/s DRAM")
    ax.plot(ridge, peak_c / scale, "D", color="black", ms=7,
            label=f"ridge point: {ridge:.0f} MACs/byte")
    # Rows whose peaks differ from the first row (e.g. a sweep over hw.dram.*) get a dotted roof.
    others = {(p["peak_macs_per_s"], p["peak_dram_bytes_per_s"]) for p in pts
              if p["peak_macs_per_s"] and p["peak_dram_bytes_per_s"]} - {(peak_c, peak_bw)}
    for c, bw in sorted(others):
        xs2 = sorted({x0, min(max(c / bw, x0), x1), x1})
        ax.plot(xs2, [min(c, bw * x) / scale for x in xs2], ":", color="gray", lw=1)
    if others:
        ax.plot([], [], ":", color="gray", label="roofline of rows with other peaks")
    ax.set_xlim(x0, x1)
    ys = [p["achieved_macs_per_s"] / scale for p in pts]
    ax.set_ylim(min(ys) / 1.6, peak_c / scale * 1.6)
    log_ticks(ax.xaxis)
    log_ticks(ax.yaxis)
    ax.text(ridge / 1.15, peak_c / scale * 1.08, "memory-bound \u2190", ha="right", va="bottom",
            fontsize=8, color="gray")
    ax.text(ridge * 1.15, peak_c / scale * 1.08, "\u2192 compute-bound", ha="left", va="bottom",
            fontsize=8, color="gray")
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", alpha=0.1)
    ax.legend(fontsize=8, loc="lower right")


def draw(points, first_row, out_path, best=(), slo=None):
    groups = group_points(points)
    feasible = [p for p in points if p["feasible"]]
    batches = sorted({p["batch"] for p in feasible}) or sorted({p["batch"] for p in points})
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    gcolor = group_colors(groups, colors)

    # Top row: the three per-batch panels; bottom row: two wider panels.
    fig = Figure(figsize=(19, 12))
    gs = fig.add_gridspec(2, 6)
    ax_thr, ax_lat, ax_dram = (fig.add_subplot(gs[0, 2 * i:2 * i + 2]) for i in range(3))
    energy = any(p["feasible"] and p["has_energy"] for p in points)
    if energy:  # bottom row: Pareto, roofline, energy per inference
        ax_par, ax_roof, ax_en = (fig.add_subplot(gs[1, 2 * i:2 * i + 2]) for i in range(3))
        plot_stacked(ax_en, groups, batches, ENERGY, ENERGY_COLORS, "mj_",
                     "Energy per inference", "mJ / inference")
        setup_batch_axis(ax_en, batches)
    else:
        ax_par, ax_roof = fig.add_subplot(gs[1, 0:3]), fig.add_subplot(gs[1, 3:6])
    top = (ax_thr, ax_lat, ax_dram)
    plot_lines(ax_thr, groups, "throughput", colors)
    ax_thr.set_title("Throughput")
    ax_thr.set_ylabel("throughput (inferences/s)")
    plot_lines(ax_lat, groups, "latency_ms", colors)
    ax_lat.set_title("Latency (one compiled batch)")
    ax_lat.set_ylabel("latency (ms)")
    plot_stacked(ax_dram, groups, batches)
    for ax in top:
        setup_batch_axis(ax, batches)
    plot_pareto(ax_par, points, groups, gcolor, best, slo)
    plot_roofline(ax_roof, points, groups, gcolor)

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
    plot_best(ax_thr, best, gcolor, "batch", "throughput", handles)
    ax_thr.legend(handles=handles, fontsize=8, loc="best")
    if slo is not None:
        ax_lat.axhline(slo * 1e3, color="crimson", ls="--", lw=1.2)
        ax_lat.legend(handles=[Line2D([], [], color="crimson", ls="--",
                                      label=f"SLO {slo * 1e3:g} ms")], fontsize=8, loc="upper left")

    title = run_title(first_row)
    n_infeasible = len(points) - len(feasible)
    if n_infeasible:
        title += f"   ({n_infeasible} infeasible point(s) not simulated, not drawn)"
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)


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


def print_best(best, slo):
    """Extra lines after the table when DIR/best.csv exists."""
    print("best under SLO" + (f" {slo * 1e3:g} ms" if slo is not None else "") + " (best.csv):")
    for b in best:
        axes = f"  {group_label(b['group'])}" if b["group"] else ""
        if b["met"]:
            print(f"  batch {b['batch']:>4g} {b['throughput']:10.1f} inf/s {b['latency_ms']:9.3f} ms"
                  + axes)
        else:
            print("  no batch meets the bound" + axes)


def plot(dir_path, out=None, table=True):
    """Draw DIR/sweep.csv into `out` (default DIR/sweep.png), printing the points' table unless
    `table` is False; returns the PNG's path."""
    csv_path = os.path.join(dir_path, "sweep.csv")
    axes, rows = check_sweep(outputs.read_sweep(csv_path), csv_path)
    other_axes = [a for a in axes if a != "batch"]
    points = [p for p in (make_point(r, other_axes) for r in rows) if p is not None]
    if not points:
        raise OutputError(f"{csv_path} has no rows with a usable batch value")

    if table:
        print_table(points)
    out = out or os.path.join(dir_path, "sweep.png")
    if not any(p["feasible"] for p in points):
        print("plot_sweep.py: warning: no feasible (simulated) points; plot will be empty",
              file=sys.stderr)
    best, slo = read_best(dir_path, other_axes)
    if table and (best or slo is not None):
        print_best(best, slo)
    draw(points, rows[0], out, [b for b in best if b["met"]], slo)
    return out


def main(argv=None):
    path, out = cli.plot_args(argv, "plot_sweep.py", "Plot DIR/sweep.csv from `ncoresim sweep`.",
                              "dir", "sweep output directory containing sweep.csv",
                              "DIR/sweep.png")
    print(f"wrote {plot(path, out)}")


if __name__ == "__main__":
    sys.exit(cli.entry("plot_sweep.py", main))

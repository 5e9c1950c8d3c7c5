"""Draws a sweep of decode steps (`phase: decode`, axes batch and context; DIR/sweep.csv) as one
PNG of 3 panels: DRAM bytes per generated token (weights, and KV per context) against batch;
tokens/s against batch per context; which resource binds each point and where KV or compute takes
over from the weights. A step makes one token per sequence, so per token: weights =
read_bytes.weights / batch, KV = (read_bytes.kv + write_bytes.kv) / batch, tokens/s =
throughput_inferences_per_s = batch / seconds (the device's step; the logits are not sent to the
host). Prints the points as a Markdown table.
Usage: plot_decode.py DIR [-o OUT.png] [--table-only]   (default: DIR/decode.png)
"""

import argparse
import os
import sys

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullLocator

from . import cli, outputs
from .outputs import OutputError, to_float, to_text
from .plot_sweep import log_ticks, run_title

PROG = "plot_decode.py"
REQUIRED = ["batch", "context", "throughput_inferences_per_s", "seconds",
            "dram.read_bytes.weights", "dram.read_bytes.kv", "dram.write_bytes.kv"]
BINDINGS = ("weights", "kv", "compute")                 # of a simulated point
BINDING_COLORS = {"weights": "#4c72b0", "kv": "#8172b2", "compute": "#dd8452",
                  "dram_capacity": "#c44e52", "failed": "#8c8c8c"}
BINDING_TEXT = {"weights": "weights (DRAM)", "kv": "KV cache (DRAM)", "compute": "compute",
                "dram_capacity": "DRAM capacity (not run)", "failed": "not simulated"}
SHORT = {"weights": "weights", "kv": "KV", "compute": "compute", "dram_capacity": "DRAM\ncapacity",
         "failed": "failed"}
COLUMNS = ["context", "batch", "weight_bytes_per_token", "kv_bytes_per_token", "tokens_per_s",
           "step_ms", "binding"]


def check_table(table, path):
    """Rows of a decode sweep table as dicts; OutputError when it is not one."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if "context" in missing:
        raise OutputError(f"{path} is not a decode sweep: no `context` column (sweep a decoder "
                          "run with `phase: decode` over batch and context)")
    if missing:
        raise OutputError(f"{path} lacks needed column(s): {', '.join(missing)}")
    if table.empty:
        raise OutputError(f"{path} has no data rows")
    return table.to_dict("records")


def binding(weights, kv, compute_cycles, dram_cycles):
    """What limits a simulated step: `compute` when its compute bound exceeds its DRAM bound,
    else the larger DRAM stream per token, `kv` or `weights` (ties go to the weights)."""
    if compute_cycles is not None and dram_cycles is not None and compute_cycles > dram_cycles:
        return "compute"
    return "kv" if kv > weights else "weights"


def make_point(row):
    """One CSV row as the values drawn and tabled; None without a usable batch and context."""
    batch, context = to_float(row.get("batch")), to_float(row.get("context"))
    if batch is None or batch <= 0 or context is None:
        return None
    p = {"point": to_text(row.get("point")), "batch": batch, "context": context,
         "weight_bytes_per_token": None, "kv_bytes_per_token": None, "tokens_per_s": None,
         "step_ms": None}
    thr, lat = to_float(row.get("throughput_inferences_per_s")), to_float(row.get("seconds"))
    w = to_float(row.get("dram.read_bytes.weights"))
    kv_r, kv_w = to_float(row.get("dram.read_bytes.kv")), to_float(row.get("dram.write_bytes.kv"))
    p["feasible"] = None not in (thr, lat, w, kv_r, kv_w)
    p["fits"] = to_text(row.get("fits")).lower() != "false"
    if not p["feasible"]:
        p["binding"] = to_text(row.get("infeasible.resource")) or "failed"
        return p
    p.update(weight_bytes_per_token=w / batch, kv_bytes_per_token=(kv_r + kv_w) / batch,
             tokens_per_s=thr, step_ms=lat * 1e3)
    p["binding"] = binding(p["weight_bytes_per_token"], p["kv_bytes_per_token"],
                           to_float(row.get("bounds.compute_cycles")),
                           to_float(row.get("bounds.dram_cycles")))
    return p


def by_context(points):
    """{context: [points sorted by batch]}, contexts ascending."""
    groups = {}
    for p in sorted(points, key=lambda p: (p["context"], p["batch"])):
        groups.setdefault(p["context"], []).append(p)
    return groups


def takeover(pts):
    """(batch, resource) where the first simulated point past the weights binds, or None when
    the weights bind at every simulated batch of this context."""
    return next(((p["batch"], p["binding"]) for p in pts
                 if p["feasible"] and p["binding"] != "weights"), None)


def takeover_text(context, pts):
    t = takeover(pts)
    if t is None:
        return f"context {context:g}: weights bind at every batch"
    return f"context {context:g}: {BINDING_TEXT[t[1]]} binds from batch {t[0]:g}"


def setup_batch_axis(ax, batches):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(batches))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{b:g}" for b in batches])
    ax.set_xlim(min(batches) / 1.5, max(batches) * 1.5)
    ax.set_xlabel("batch (sequences per decode step, log2)")
    ax.grid(True, which="major", alpha=0.3)


def plot_bytes(ax, groups, colors):
    """Weight bytes per token (one line: they do not depend on the context) and KV bytes per
    token, one line per context."""
    weights = {}
    for pts in groups.values():
        for p in pts:
            if p["feasible"]:
                weights.setdefault(p["batch"], p["weight_bytes_per_token"])
    ws = sorted(weights.items())
    ax.plot([b for b, _ in ws], [w / 1e6 for _, w in ws], "s-", color="black", lw=2.2,
            label="weights (all contexts)")
    for i, (ctx, pts) in enumerate(groups.items()):
        pts = [p for p in pts if p["feasible"]]
        ax.plot([p["batch"] for p in pts], [p["kv_bytes_per_token"] / 1e6 for p in pts], "o--",
                color=colors[i % len(colors)], lw=1.6, label=f"KV cache, context {ctx:g}")
    ax.set_yscale("log")
    log_ticks(ax.yaxis)
    ax.set_ylabel("DRAM MB per generated token (1 MB = 1e6 B, log)")
    ax.set_title("DRAM traffic per generated token\n(weights fall as 1/batch; KV stays)")
    ax.legend(fontsize=8, loc="best")


def plot_tokens(ax, groups, colors):
    """Tokens/s per context; points that were not simulated as crosses on the bottom edge."""
    lo = min((p["tokens_per_s"] for ps in groups.values() for p in ps if p["feasible"]),
             default=1.0)
    floor = lo / 2
    missing = []
    for i, (ctx, pts) in enumerate(groups.items()):
        c = colors[i % len(colors)]
        ok = [p for p in pts if p["feasible"]]
        ax.plot([p["batch"] for p in ok], [p["tokens_per_s"] for p in ok], "o-", color=c, lw=1.8,
                label=f"context {ctx:g}")
        spilled = [p for p in ok if not p["fits"]]
        ax.plot([p["batch"] for p in spilled], [p["tokens_per_s"] for p in spilled], "o", ms=11,
                markerfacecolor="white", markeredgecolor=c, markeredgewidth=2)
        bad = [p for p in pts if not p["feasible"]]
        if bad:  # an empty unclipped line would stretch the axes' tight box to the origin
            ax.plot([p["batch"] for p in bad], [floor] * len(bad), "x", color=c, ms=11, mew=2.5,
                    clip_on=False)
        missing += bad
    ax.set_yscale("log")
    log_ticks(ax.yaxis)
    ax.set_ylim(floor / 1.3, ax.get_ylim()[1])
    ax.set_ylabel("generated tokens/s (batch / step time, log)")
    ax.set_title("Decode throughput")
    handles, _ = ax.get_legend_handles_labels()
    if any(not p["fits"] for ps in groups.values() for p in ps if p["feasible"]):
        handles.append(Line2D([], [], ls="", marker="o", ms=10, markerfacecolor="white",
                              markeredgecolor="gray", markeredgewidth=2,
                              label="activations spilled to DRAM (fits=false)"))
    if missing:
        kinds = sorted({BINDING_TEXT.get(p["binding"], p["binding"]) for p in missing})
        handles.append(Line2D([], [], ls="", marker="x", color="gray", ms=9, mew=2.5,
                              label=f"no result: {', '.join(kinds)}"))
    ax.legend(handles=handles, fontsize=8, loc="best")


def plot_binding(ax, groups, batches):
    """A batch x context grid of squares coloured by the binding resource, with the batch where
    KV or compute takes over from the weights per context as the legend."""
    contexts = list(groups)
    for y, (ctx, pts) in enumerate(groups.items()):
        for p in pts:
            ax.scatter(p["batch"], y, marker="s", s=2000, color=BINDING_COLORS.get(p["binding"],
                       "#8c8c8c"), edgecolor="black", zorder=3)
            ax.annotate(SHORT.get(p["binding"], p["binding"]), (p["batch"], y), ha="center",
                        va="center", fontsize=7, color="white", zorder=4, fontweight="bold")
    ax.set_yticks(range(len(contexts)))
    ax.set_yticklabels([f"{c:g}" for c in contexts])
    ax.set_ylim(-0.7, len(contexts) - 0.3 + 0.9)
    ax.set_ylabel("context (tokens in the KV cache)")
    setup_batch_axis(ax, batches)
    ax.grid(False)
    ax.set_title("Binding resource per step\n(compute if its bound > the DRAM bound, else the "
                 "larger DRAM stream)")
    used = [b for b in BINDING_COLORS if any(p["binding"] == b for ps in groups.values()
                                             for p in ps)]
    handles = [Patch(facecolor=BINDING_COLORS[b], edgecolor="black", label=BINDING_TEXT[b])
               for b in used]
    handles += [Line2D([], [], ls="", label=takeover_text(c, ps)) for c, ps in groups.items()]
    ax.legend(handles=handles, fontsize=8.5, loc="upper left", ncol=1, framealpha=0.95)


def draw(points, first, out_path):
    groups = by_context(points)
    batches = sorted({p["batch"] for p in points})
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    fig = Figure(figsize=(20, 6.5))
    ax_bytes, ax_tok, ax_bind = fig.subplots(1, 3)
    plot_bytes(ax_bytes, groups, colors)
    plot_tokens(ax_tok, groups, colors)
    for ax in (ax_bytes, ax_tok):
        setup_batch_axis(ax, batches)
    plot_binding(ax_bind, groups, batches)
    title = "Decode steps: " + run_title(first)
    n_missing = sum(not p["feasible"] for p in points)
    if n_missing:
        title += f"   ({n_missing} point(s) without a result, marked x)"
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)


def cell(v, spec):
    return "-" if v is None else format(v, spec)


def markdown_table(points):
    """The points as a Markdown table, by context then batch."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---:" for _ in COLUMNS[:-1])
             + "|:---|"]
    for p in sorted(points, key=lambda p: (p["context"], p["batch"])):
        lines.append("| " + " | ".join([
            f"{p['context']:g}", f"{p['batch']:g}", cell(p["weight_bytes_per_token"], ".0f"),
            cell(p["kv_bytes_per_token"], ".0f"), cell(p["tokens_per_s"], ".1f"),
            cell(p["step_ms"], ".3f"), p["binding"]]) + " |")
    return "\n".join(lines)


def load(dir_path):
    """(points, first row) of DIR/sweep.csv."""
    csv_path = os.path.join(dir_path, "sweep.csv")
    rows = check_table(outputs.read_sweep(csv_path), csv_path)
    points = [p for p in (make_point(r) for r in rows) if p is not None]
    if not points:
        raise OutputError(f"{csv_path} has no rows with a usable batch and context")
    first = next((r for r in rows if to_text(r.get("model"))), rows[0])
    return points, first


def plot(dir_path, out=None, table=True, draw_png=True):
    """Print the Markdown table of DIR/sweep.csv (unless `table` is False) and draw it into `out`
    (default DIR/decode.png) unless `draw_png` is False; returns the PNG's path or None."""
    points, first = load(dir_path)
    if table:
        print(markdown_table(points))
        print()
        for ctx, pts in by_context(points).items():
            print(takeover_text(ctx, pts))
    if not draw_png:
        return None
    if not any(p["feasible"] for p in points):
        raise OutputError(f"{os.path.join(dir_path, 'sweep.csv')} has no simulated point to draw")
    out = out or os.path.join(dir_path, "decode.png")
    draw(points, first, out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description="Plot a batch x context sweep of decode "
                                 "steps (DIR/sweep.csv of `ncoresim sweep`).")
    ap.add_argument("path", metavar="dir", help="decode sweep output directory with sweep.csv")
    ap.add_argument("-o", "--out", help="output PNG (default: DIR/decode.png)")
    ap.add_argument("--table-only", action="store_true", help="print the table, draw nothing")
    args = ap.parse_args(argv)
    out = plot(args.path, args.out, draw_png=not args.table_only)
    if out:
        print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(cli.entry(PROG, main))

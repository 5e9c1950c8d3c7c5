"""Draws `ncoresim serve` results as one PNG. One serve folder (summary.json with a `serve` block,
requests.csv): CDFs of TTFT, TPOT and end-to-end latency. A serve sweep (sweep.csv with serve.*
columns, DIR/<point>/requests.csv): achieved against offered requests/s (with y = x), P99 TTFT
and P99 TPOT against achieved tokens/s, one line per scheduler.policy and other non-rate axes;
and the end-to-end latency CDF of every line at one load (--rate R, or the highest offered rate
at which no line saturates: achieved >= SATURATED x offered and nothing rejected). A CDF's
fraction counts every request, so one that tops out below 1 left requests unserved.
Prints a Markdown table. Usage: plot_serve.py DIR [-o OUT.png] [--rate R] [--table-only]
"""

import argparse
import os
import sys

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import cli, outputs
from .outputs import OutputError, to_float, to_text
from .plot_sweep import group_points, log_ticks, run_title

PROG = "plot_serve.py"
SATURATED = 0.95          # achieved / offered requests/s below this: the point is saturated
LOAD_AXIS = "arrivals.rate"
SWEEP_REQUIRED = ["serve.policy", "serve.offered_requests_per_s", "serve.requests_per_s",
                  "serve.tokens_per_s", "serve.ttft_s.p99", "serve.tpot_s.p99"]
REQUEST_COLUMNS = ["arrival_s", "output_tokens", "ttft_s", "tpot_s", "latency_s", "status"]
CDFS = [("ttft_s", "time to first token"), ("tpot_s", "time per output token (after the first)"),
        ("latency_s", "end-to-end latency")]
TABLE = ["policy", "offered req/s", "achieved req/s", "tokens/s", "P99 TTFT (ms)",
         "P99 TPOT (ms)", "mean batch", "rejected"]
LINE_STYLES = ["-", "--", "-.", ":"]


def kind(dir_path):
    """'sweep' or 'single' for a serve sweep or serve folder; OutputError for anything else."""
    if not os.path.isdir(dir_path):
        raise OutputError(f"{dir_path} is not a folder (give a `ncoresim serve` output folder)")
    if os.path.isfile(os.path.join(dir_path, "sweep.csv")):
        return "sweep"
    if os.path.isfile(os.path.join(dir_path, "summary.json")):
        return "single"
    raise OutputError(f"{dir_path} has neither sweep.csv nor summary.json (run `ncoresim serve` "
                      "or sweep a serve file first)")


def read_requests(path):
    """A requests.csv as a DataFrame; OutputError when it lacks the columns drawn."""
    table = outputs.read_requests(path)
    missing = [c for c in REQUEST_COLUMNS if c not in table.columns]
    if missing:
        p = os.path.join(path, "requests.csv") if os.path.isdir(path) else path
        raise OutputError(f"{p} lacks needed column(s): {', '.join(missing)}")
    return table


def serve_row(serve, path):
    """The table's values of one summary's `serve` block (or a sweep row's serve.* cells, given as
    the same nested dict); OutputError when a needed field is absent."""
    def get(*keys):
        v = serve
        for k in keys:
            v = v.get(k) if isinstance(v, dict) else None
        return v
    for keys in (("offered_requests_per_s",), ("requests_per_s",), ("tokens_per_s",)):
        if to_float(get(*keys)) is None:
            raise OutputError(f"{path}: serve.{'.'.join(keys)} is missing or not a number")
    requests, done = to_float(get("requests")), to_float(get("requests_completed"))
    rejected = to_float(get("requests_rejected")) or 0
    return {
        "policy": to_text(get("policy")) or "?",
        "offered": to_float(get("offered_requests_per_s")),
        "achieved": to_float(get("requests_per_s")),
        "tokens_per_s": to_float(get("tokens_per_s")),
        "ttft_p99": to_float(get("ttft_s", "p99")),
        "tpot_p99": to_float(get("tpot_s", "p99")),
        "mean_batch": to_float(get("mean_batch")),
        "rejected": rejected,
        "unserved": max((requests or 0) - (done or 0) - rejected, 0)
                    if requests is not None and done is not None else 0,
    }


def saturated(p):
    return p["rejected"] > 0 or p["unserved"] > 0 or p["achieved"] < SATURATED * p["offered"]


def nest(flat, prefix="serve."):
    """{'serve.ttft_s.p99': v} as {'ttft_s': {'p99': v}}."""
    out = {}
    for k, v in flat.items():
        if not k.startswith(prefix):
            continue
        parts = k[len(prefix):].split(".")
        d = out
        for part in parts[:-1]:
            d = d.setdefault(part, {})
        d[parts[-1]] = v
    return out


def fmt_axis(key, v):
    f = to_float(v)
    return f"{key.split('.')[-1]}={f:g}" if f is not None else f"{key.split('.')[-1]}={to_text(v)}"


def load_sweep(dir_path):
    """(points, other axes, first row) of a serve sweep; each point has its table values, its
    group (the axes other than the arrival rate) and its folder."""
    csv_path = os.path.join(dir_path, "sweep.csv")
    table = outputs.read_sweep(csv_path)
    if not any(c.startswith("serve.") for c in table.columns):
        raise OutputError(f"{csv_path} is not a serve sweep (no serve.* columns; for a sweep of "
                          "runs use plot_sweep.py, for decode steps plot_decode.py)")
    missing = [c for c in SWEEP_REQUIRED if c not in table.columns]
    if missing:
        raise OutputError(f"{csv_path} lacks needed column(s): {', '.join(missing)}")
    if table.empty:
        raise OutputError(f"{csv_path} has no data rows")
    axes = [a for a in outputs.sweep_axes(table) if a != LOAD_AXIS]
    rows = table.to_dict("records")
    points = []
    for r in rows:
        p = serve_row(nest(r), f"{csv_path} point {to_text(r.get('point'))}")
        p["point"] = to_text(r.get("point"))
        p["requests"] = os.path.join(dir_path, p["point"], "requests.csv")
        p["group"] = (p["policy"],) + tuple(fmt_axis(a, r.get(a)) for a in axes
                                            if a != "scheduler.policy")
        points.append(p)
    return points, [a for a in axes if a != "scheduler.policy"], rows[0]


def chosen_rate(points, rate=None):
    """The offered rate whose CDFs are drawn: `rate` when given (it must be one of the sweep's),
    else the highest rate at which no point is saturated, else the lowest rate."""
    rates = sorted({p["offered"] for p in points})
    if rate is not None:
        match = [r for r in rates if abs(r - rate) <= 1e-9 * max(abs(r), 1)]
        if not match:
            raise cli.InputError(f"--rate {rate:g}: the sweep has no point at that offered rate "
                                 f"(rates: {', '.join(f'{r:g}' for r in rates)})")
        return match[0]
    ok = [r for r in rates if not any(saturated(p) for p in points if p["offered"] == r)]
    return ok[-1] if ok else rates[0]


def cdf(values, total):
    """(sorted values, fraction of `total` at or below each) of the non-NaN values."""
    v = np.sort(np.asarray([x for x in values if x == x], dtype=float))
    return v, np.arange(1, len(v) + 1) / max(total, 1)


def plot_cdf(ax, table, column, label, color, style="-"):
    """One CDF of a requests table's column, in ms; TPOT counts only requests of 2+ tokens."""
    total = len(table) if column != "tpot_s" else int((table["output_tokens"] > 1).sum())
    xs, ys = cdf(table[column].tolist(), total)
    xs = xs * 1e3
    if len(xs):
        ax.step(np.concatenate([[xs[0]], xs]), np.concatenate([[0.0], ys]), where="post",
                color=color, ls=style, lw=1.8, label=label)
    return xs


def finish_cdf(ax, title, xs_all):
    ax.set_xscale("log")
    xs = np.concatenate([x for x in xs_all if len(x)]) if any(len(x) for x in xs_all) else []
    xs = [x for x in xs if x > 0]
    if xs:
        ax.set_xlim(min(xs) / 1.3, max(xs) * 1.3)
    log_ticks(ax.xaxis)
    ax.set_ylim(0, 1.02)
    for q, name in ((0.5, "P50"), (0.99, "P99")):
        ax.axhline(q, color="gray", ls=":", lw=1)
        ax.text(1.0, q, name + " ", transform=ax.get_yaxis_transform(), ha="right", va="bottom",
                fontsize=8, color="gray")
    ax.set_ylabel("fraction of requests")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)


def draw_single(dir_path, row, summary, out):
    table = read_requests(dir_path)
    fig = Figure(figsize=(18, 5.5))
    color = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0]
    for ax, (col, what) in zip(fig.subplots(1, 3), CDFS):
        xs = plot_cdf(ax, table, col, what, color)
        ax.set_xlabel(f"{what} (ms, log)")
        finish_cdf(ax, what.split(" (")[0].capitalize(), [xs])
    served = int((table["status"] == "done").sum())
    fig.suptitle(f"Serving: {run_title(summary)} | {row['policy']} batching, offered "
                 f"{row['offered']:g} req/s, achieved {row['achieved']:.3g} req/s, "
                 f"{row['tokens_per_s']:.4g} tokens/s, {served}/{len(table)} requests served",
                 fontsize=12)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def plot_group_lines(ax, groups, colors, xkey, ykey, scale=1.0):
    for i, (g, pts) in enumerate(groups.items()):
        pts = [p for p in pts if p[xkey] is not None and p[ykey] is not None]
        c = colors[i % len(colors)]
        ax.plot([p[xkey] for p in pts], [p[ykey] * scale for p in pts],
                LINE_STYLES[i % len(LINE_STYLES)], marker="o", color=c, lw=1.8,
                label=", ".join(g))
        sat = [p for p in pts if saturated(p)]
        ax.plot([p[xkey] for p in sat], [p[ykey] * scale for p in sat], "o", ms=10,
                markerfacecolor="white", markeredgecolor=c, markeredgewidth=2)


def label_rates(ax, points, xkey, ykey, scale):
    """Each point's offered rate beside it ("40/s"); points of one line within ~3 % of each
    other in x and y share one label ("120/160/200/s")."""
    pts = [p for p in points if p[xkey] is not None and p[ykey] is not None and p[ykey] > 0]
    span = max((p[xkey] for p in pts), default=1.0) or 1.0
    near = {}
    for p in pts:
        key = (p["group"], round(p[xkey] / span * 30), round(np.log10(p[ykey]) * 15))
        near.setdefault(key, []).append(p)
    for ps in near.values():
        x, y = ps[0][xkey], ps[0][ykey] * scale
        ax.annotate("/".join(f"{p['offered']:g}" for p in ps) + "/s", (x, y), xytext=(7, -3),
                    textcoords="offset points", fontsize=7, color="dimgray")


def draw_sweep(dir_path, points, first, rate, out):
    groups = group_points(points, by="offered")
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    fig = Figure(figsize=(16, 12))
    (ax_thr, ax_ttft), (ax_tpot, ax_cdf) = fig.subplots(2, 2)

    plot_group_lines(ax_thr, groups, colors, "offered", "achieved")
    top = max(max(p["offered"], p["achieved"]) for p in points) * 1.05
    ax_thr.plot([0, top], [0, top], ":", color="black", lw=1.2, label="achieved = offered")
    ax_thr.plot([], [], "o", ms=10, ls="", markerfacecolor="white", markeredgecolor="gray",
                markeredgewidth=2, label=f"saturated (achieved < {SATURATED:g} x offered "
                                         "or requests rejected)")
    ax_thr.axvline(rate, color="crimson", ls="--", lw=1, label=f"load of the CDFs: {rate:g} req/s")
    ax_thr.set_xlim(0, top)
    ax_thr.set_ylim(0, top)
    ax_thr.set_xlabel("offered load (requests/s)")
    ax_thr.set_ylabel("achieved throughput (completed requests/s)")
    ax_thr.set_title("Achieved against offered load")

    for ax, key, what in ((ax_ttft, "ttft_p99", "P99 time to first token"),
                          (ax_tpot, "tpot_p99", "P99 time per output token")):
        plot_group_lines(ax, groups, colors, "tokens_per_s", key, 1e3)
        label_rates(ax, points, "tokens_per_s", key, 1e3)
        ys = [p[key] for p in points if p[key] is not None and p[key] > 0]
        wide = bool(ys) and max(ys) > 10 * min(ys)   # log only when the range needs it
        if wide:
            ax.set_yscale("log")
            log_ticks(ax.yaxis)
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlim(left=0)
        ax.set_xlabel("achieved throughput (generated tokens/s)")
        ax.set_ylabel(f"{what} (ms{', log' if wide else ''})")
        ax.set_title(f"{what} against throughput\n(label = offered requests/s; hollow = saturated)")

    xs_all = []
    for i, (g, pts) in enumerate(groups.items()):
        for p in pts:
            if p["offered"] == rate:
                xs_all.append(plot_cdf(ax_cdf, read_requests(p["requests"]), "latency_s",
                                       f"{', '.join(g)} ({p['point']})", colors[i % len(colors)],
                                       LINE_STYLES[i % len(LINE_STYLES)]))
    ax_cdf.set_xlabel("end-to-end latency (ms, log)")
    finish_cdf(ax_cdf, f"End-to-end latency at {rate:g} requests/s offered", xs_all)
    for ax in (ax_thr, ax_ttft, ax_tpot, ax_cdf):
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8.5, loc="best")
    fig.suptitle(f"Serving sweep: {run_title(first)}", fontsize=13)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def cell(v, spec):
    return "-" if v is None else format(v, spec)


def markdown_table(points, other_axes=()):
    """The points as a Markdown table, by group then offered rate."""
    head = TABLE[:1] + [a.split(".")[-1] for a in other_axes] + TABLE[1:]
    lines = ["| " + " | ".join(head) + " |",
             "|:---|" + "".join(":---|" for _ in other_axes) + "---:|" * (len(TABLE) - 1)]
    for g, pts in group_points(points, by="offered").items():
        for p in pts:
            rejected = f"{p['rejected']:g}" + (f" (+{p['unserved']:g} unserved)"
                                               if p["unserved"] else "")
            lines.append("| " + " | ".join(
                [p["policy"]] + [v.split("=", 1)[1] for v in p["group"][1:]] +
                [f"{p['offered']:g}", f"{p['achieved']:.2f}", f"{p['tokens_per_s']:.1f}",
                 cell(p["ttft_p99"] and p["ttft_p99"] * 1e3, ".2f"),
                 cell(p["tpot_p99"] and p["tpot_p99"] * 1e3, ".3f"),
                 cell(p["mean_batch"], ".2f"), rejected]) + " |")
    return "\n".join(lines)


def plot(dir_path, out=None, rate=None, table=True, draw_png=True):
    """Print the Markdown table of a serve folder or serve sweep (unless `table` is False) and
    draw it into `out` (default DIR/serve.png) unless `draw_png` is False; returns the PNG's path
    or None."""
    out = out or os.path.join(dir_path, "serve.png")
    if kind(dir_path) == "single":
        summary = outputs.read_summary(dir_path)
        if not isinstance(summary.get("serve"), dict):
            raise OutputError(f"{os.path.join(dir_path, 'summary.json')} has no `serve` block "
                              "(not a `ncoresim serve` output; for a run use plot_trace.py)")
        row = serve_row(summary["serve"], os.path.join(dir_path, "summary.json"))
        row["group"] = (row["policy"],)
        if table:
            print(markdown_table([row]))
        if draw_png:
            draw_single(dir_path, row, summary, out)
            return out
        return None
    points, other_axes, first = load_sweep(dir_path)
    r = chosen_rate(points, rate)
    if table:
        print(markdown_table(points, other_axes))
        print(f"\nCDFs at {r:g} requests/s offered"
              + (" (highest load no point saturates)" if rate is None else ""))
    if not draw_png:
        return None
    for p in points:
        if p["offered"] == r:
            read_requests(p["requests"])      # a missing requests.csv fails before drawing
    draw_sweep(dir_path, points, first, r, out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description="Plot a `ncoresim serve` folder or a "
                                 "sweep of a serve file.")
    ap.add_argument("path", metavar="dir", help="serve output folder (summary.json, requests.csv)"
                    " or serve sweep folder (sweep.csv)")
    ap.add_argument("-o", "--out", help="output PNG (default: DIR/serve.png)")
    ap.add_argument("--rate", type=float, help="offered requests/s whose latency CDFs a sweep's "
                    "figure shows (default: the highest load no point saturates)")
    ap.add_argument("--table-only", action="store_true", help="print the table, draw nothing")
    args = ap.parse_args(argv)
    out = plot(args.path, args.out, args.rate, draw_png=not args.table_only)
    if out:
        print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(cli.entry(PROG, main))

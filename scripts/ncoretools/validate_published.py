"""Validation against published Neuron figures: each row of a table such as
configs/validation/published.csv (model, sequence_or_image, hw, dtype, batch, metric,
published_per_core_per_s, setup, source, date_or_sdk) runs as one ncoresim point
(models/<model>.yaml on configs/hw/<hw>.yaml at that dtype and compiled batch) and its prediction
is compared with the published figure: `throughput` rows with throughput_inferences_per_s,
`latency` rows with batch / latency_s; error = (predicted - published) / published.
Prints the table and a summary (median and max |error|, over all rows and per hw), and writes
DIR/validation.csv (the input columns plus predicted_per_core_per_s and error), DIR/validation.png
(predicted against published, log-log) and each point's outputs in DIR/pNN.
Usage: validate_published.py FILE [-o DIR] [--jobs N]; exit 2 on a bad input file (one message
naming its file, line and column), 3 when a point is infeasible, 1 on an internal error.
"""

import argparse
import concurrent.futures
import csv
import json
import math
import os
import re
import statistics
import sys
import tempfile

from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import cli, runner
from .cli import InputError
from .plot_sweep import log_ticks

COLUMNS = ["model", "sequence_or_image", "hw", "dtype", "batch", "metric",
           "published_per_core_per_s", "setup", "source", "date_or_sdk"]
ADDED = ["predicted_per_core_per_s", "error"]
DTYPES = ("fp32", "fp16", "bf16", "int8")
METRICS = ("throughput", "latency")
NAME = re.compile(r"[A-Za-z0-9_.-]+")
PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b2", "#937860"]   # one per hw
BANDS = ((0.25, "#ededed"), (0.10, "#d4d4d4"))   # (relative half-width, shade), widest first


def _fail(path, line, column, message):
    raise InputError(f"{path}:{line}: column {column}: {message}")


def _positive(path, line, column, text, integer):
    """A cell as a positive int (integer) or finite float, else InputError."""
    try:
        v = int(text) if integer else float(text)
    except ValueError:
        v = None
    if v is None or v <= 0 or (not integer and not math.isfinite(v)):
        kind = "a positive integer" if integer else "a positive number"
        _fail(path, line, column, f"expected {kind}, got '{text}'")
    return v


def _file(path, line, column, name, folder):
    """REPO/folder/<name>.yaml of a model or hw cell; InputError when the name or file is bad."""
    if not NAME.fullmatch(name):
        _fail(path, line, column, f"expected a file name under {folder}/, got '{name}'")
    f = os.path.join(runner.REPO, folder, name + ".yaml")
    if not os.path.isfile(f):
        _fail(path, line, column, f"unknown {column} '{name}': no file {folder}/{name}.yaml")
    return f


def read_table(path):
    """The rows of a published table as dicts with their line number (`line`), the model and hw
    files, and batch, published and sequence_or_image as numbers. InputError on a missing
    column, a short row, an unknown model or hw, a bad dtype or metric, or a bad number."""
    try:
        with open(path, newline="") as f:
            lines = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read: {e}") from e
    if not lines:
        raise InputError(f"{path}:1: empty file (expected the header {','.join(COLUMNS)})")
    header = [h.strip() for h in lines[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}:1: missing column(s): {', '.join(missing)}")
    rows = []
    for line, cells in enumerate(lines[1:], start=2):     # the table's cells hold no newline
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise InputError(f"{path}:{line}: {len(cells)} fields, the header has {len(header)}")
        r = {h: c.strip() for h, c in zip(header, cells)}
        r["line"] = line
        r["model_file"] = _file(path, line, "model", r["model"], "models")
        r["hw_file"] = _file(path, line, "hw", r["hw"], os.path.join("configs", "hw"))
        for column, allowed in (("dtype", DTYPES), ("metric", METRICS)):
            if r[column] not in allowed:
                _fail(path, line, column, f"expected one of {', '.join(allowed)}, "
                      f"got '{r[column]}'")
        r["batch_n"] = _positive(path, line, "batch", r["batch"], True)
        r["seq_n"] = _positive(path, line, "sequence_or_image", r["sequence_or_image"], True)
        r["published"] = _positive(path, line, "published_per_core_per_s",
                                   r["published_per_core_per_s"], False)
        rows.append(r)
    if not rows:
        raise InputError(f"{path}:2: no data rows")
    return rows


def check_inputs(path, rows, binary=None):
    """Each row's sequence_or_image against its model's input height (an image's height, a
    sequence model's length), from `ncoresim inspect`; InputError when they differ."""
    shapes = {}
    for r in rows:
        if r["model_file"] not in shapes:
            shapes[r["model_file"]] = runner.inspect(r["model_file"], binary=binary).input
        shape = shapes[r["model_file"]]
        if shape is None:
            raise RuntimeError(f"`ncoresim inspect {r['model_file']}` printed no input shape")
        if shape[1] != r["seq_n"]:
            _fail(path, r["line"], "sequence_or_image",
                  f"{r['seq_n']}, but models/{r['model']}.yaml takes {shape[1]} "
                  f"(its input is {'x'.join(map(str, shape))}, CxHxW)")


def run_text(hw_file, model_file, batch, dtype, setup=""):
    """A row's run file: its hardware, model, batch and dtype, compiled as the Neuron compiler
    does in two respects (README "Validation against published Neuron figures"):
    - weight loads depend on nothing, so a static schedule issues them as early as buffers allow:
      options.prefetch = fill (the weight buffers take the SBUF the activations leave);
    - a row whose setup says "FP32 model" (auto-cast: only the matmuls run in BF16, and "the
      remaining operations are performed in the data type specified by the model", neuronx-cc's
      mixed-precision note) returns FP32 tensors to the host: io_dtype = fp32."""
    text = (f"hw: {json.dumps(hw_file)}\nmodel: {json.dumps(model_file)}\nbatch: {batch}\n"
            f"dtype: {dtype}\noptions: {{prefetch: fill}}\n")
    if "FP32 model" in setup:
        text += "io_dtype: fp32\n"
    return text


def predict(path, r, run_dir, out_dir, binary=None, sets=None):
    """Run one row's point (a run file in run_dir, outputs in out_dir); the predicted figure
    per core per second, or None when the point is infeasible."""
    run_file = os.path.join(run_dir, f"line{r['line']}.yaml")
    with open(run_file, "w") as f:
        f.write(run_text(r["hw_file"], r["model_file"], r["batch_n"], r["dtype"], r["setup"]))
    try:
        res = runner.run(run_file, out=out_dir, binary=binary, sets=sets)
    except runner.NcoresimError as e:
        if e.returncode == 2:
            raise InputError(f"{path}:{r['line']}: ncoresim run: {e.stderr.strip()}") from e
        raise RuntimeError(str(e)) from e
    if not res.feasible:
        return None
    s = res.summary
    if r["metric"] == "throughput":
        return s["throughput_inferences_per_s"]
    return r["batch_n"] / s["latency_s"]


def validate(path, out_dir, jobs=None, binary=None, sets=None):
    """Run every row of the table at `path` (points in out_dir/pNN, `jobs` at once, default the
    core count); the rows with `predicted` and `error` set (None when infeasible)."""
    rows = read_table(path)
    check_inputs(path, rows, binary)
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ncoresim-validate-") as run_dir, \
            concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(predict, path, r, run_dir, os.path.join(out_dir, f"p{i:02d}"),
                               binary, sets) for i, r in enumerate(rows)]
        for r, fut in zip(rows, futures):
            r["predicted"] = fut.result()
            r["error"] = None if r["predicted"] is None else \
                (r["predicted"] - r["published"]) / r["published"]
    return rows


def write_csv(rows, out_path):
    """The input columns as written, then predicted_per_core_per_s and error (a fraction; both
    empty for an infeasible point) at full precision."""
    with open(out_path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS + ADDED)
        for r in rows:
            w.writerow([r[c] for c in COLUMNS] +
                       ["" if r[k] is None else repr(r[k]) for k in ("predicted", "error")])


def _stats(rows):
    errs = [abs(r["error"]) * 100 for r in rows if r["error"] is not None]
    if not errs:
        return "no feasible row"
    return f"median {statistics.median(errs):.1f} %, max {max(errs):.1f} % ({len(errs)} rows)"


def summary_parts(rows):
    """Median and max |error| over all rows, then per hw in the table's order of hw."""
    hws = list(dict.fromkeys(r["hw"] for r in rows))
    n_bad = sum(r["predicted"] is None for r in rows)
    tail = f"; {n_bad} infeasible row(s) left out" if n_bad else ""
    return [f"|error| all: {_stats(rows)}{tail}"] + \
        [f"{hw}: {_stats([r for r in rows if r['hw'] == hw])}" for hw in hws]


def summary_line(rows):
    return "summary: " + "; ".join(summary_parts(rows))


def print_table(rows, out=None):
    out = out or sys.stdout
    print(f"{'model':<12} {'hw':<6} {'dtype':<5} {'batch':>5} {'metric':<10} {'published':>10} "
          f"{'predicted':>10} {'error %':>8}", file=out)
    for r in rows:
        pred = "infeasible" if r["predicted"] is None else f"{r['predicted']:.1f}"
        err = "-" if r["error"] is None else f"{r['error'] * 100:+.1f}"
        print(f"{r['model']:<12} {r['hw']:<6} {r['dtype']:<5} {r['batch_n']:>5} "
              f"{r['metric']:<10} {r['published']:>10g} {pred:>10} {err:>8}", file=out)
    print(summary_line(rows), file=out)


def plot(rows, out_path):
    """Predicted against published (log-log): the y = x line, the +-10 % and +-25 % bands, each
    point labelled model/b<batch> and coloured by hw. Infeasible rows are not drawn."""
    pts = [r for r in rows if r["predicted"] is not None]
    fig = Figure(figsize=(9, 8))
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    values = [v for r in pts for v in (r["published"], r["predicted"])] or [1.0]
    lo, hi = min(values) / 1.4, max(values) * 1.4
    xs = [lo, hi]
    handles = [Line2D([], [], color="black", lw=1.2, label="predicted = published")]
    for width, shade in BANDS:
        ax.fill_between(xs, [x * (1 - width) for x in xs], [x * (1 + width) for x in xs],
                        color=shade, lw=0, zorder=1)
        handles.append(Patch(color=shade, label=f"\u00b1{width * 100:g} %"))
    ax.plot(xs, xs, "-", color="black", lw=1.2, zorder=2)
    hws = list(dict.fromkeys(r["hw"] for r in rows))
    for i, hw in enumerate(hws):
        mine = [r for r in pts if r["hw"] == hw]
        c = PALETTE[i % len(PALETTE)]
        ax.plot([r["published"] for r in mine], [r["predicted"] for r in mine], "o", color=c,
                ms=7, zorder=3)
        handles.append(Line2D([], [], ls="", marker="o", color=c, label=hw))
        for r in mine:
            ax.annotate(f"{r['model']}/b{r['batch_n']}", (r["published"], r["predicted"]),
                        xytext=(6, -3), textcoords="offset points", fontsize=8, color=c,
                        path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    log_ticks(ax.xaxis)
    log_ticks(ax.yaxis)
    ax.set_xlabel("published (inferences/s per NeuronCore, log)")
    ax.set_ylabel("predicted by ncoresim (inferences/s per NeuronCore, log)")
    parts = summary_parts(rows)
    ax.set_title("ncoresim against published Neuron figures; error = (predicted \u2212 "
                 f"published) / published\n{parts[0]}\n{'; '.join(parts[1:])}", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(handles=handles, fontsize=9, loc="upper left")
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    return out_path


def main(argv=None):
    ap = argparse.ArgumentParser(prog="validate_published.py",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("file", metavar="FILE", help="published table, e.g. "
                    "configs/validation/published.csv")
    ap.add_argument("-o", "--out", default=os.path.join("traces", "validation"),
                    help="output folder (default: traces/validation)")
    ap.add_argument("--jobs", type=int, default=None,
                    help="points run at once (default: the core count)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a key in every row's run (an ablation: "
                    "--set hw.tensor_engine.timing=serial); repeatable")
    args = ap.parse_args(argv)
    sets = {}
    for kv in args.set:
        if "=" not in kv:
            raise InputError(f"--set {kv}: expected KEY=VALUE")
        k, v = kv.split("=", 1)
        sets[k] = v
    rows = validate(args.file, args.out, args.jobs, sets=sets)
    print_table(rows)
    write_csv(rows, os.path.join(args.out, "validation.csv"))
    plot(rows, os.path.join(args.out, "validation.png"))
    print(f"wrote {os.path.join(args.out, 'validation.csv')}, "
          f"{os.path.join(args.out, 'validation.png')}")
    return 3 if any(r["predicted"] is None for r in rows) else 0


if __name__ == "__main__":
    sys.exit(cli.entry("validate_published.py", main))

"""Reads ncoresim's output files: summary.json into a dict, layers.csv, sweep.csv, best.csv and
a serve run's requests.csv into pandas DataFrames, trace.json into its events. Names are
DESIGN.md's (Outputs); only an empty cell is missing (NaN), so a value such as `none` stays a
string. A missing or unreadable file raises OutputError.
"""

import json
import math
import os

import pandas as pd

CLASSES = ("weights", "io", "spill", "kv")            # DRAM traffic classes
LAYER_DRAM = ("read_weights", "read_io", "read_spill", "write_io", "write_spill", "read_kv",
              "write_kv")


class OutputError(ValueError):
    """An output file that is missing or is not what ncoresim writes."""


def _file(path, name, hint):
    """PATH itself, or PATH/name when PATH is a directory; OutputError when absent."""
    p = os.path.join(path, name) if os.path.isdir(path) else str(path)
    if not os.path.isfile(p):
        raise OutputError(f"{p} not found ({hint})")
    return p


def _json(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise OutputError(f"cannot read {p}: {e}") from e
    except json.JSONDecodeError as e:
        raise OutputError(f"{p} is not valid JSON ({e})") from e


def _csv(p):
    """A CSV as ncoresim writes it: empty cells are NaN, nothing else is; blank rows dropped.
    Floats parse exactly as Python's float() does (round_trip)."""
    try:
        df = pd.read_csv(p, keep_default_na=False, na_values=[""], float_precision="round_trip")
    except pd.errors.EmptyDataError as e:
        raise OutputError(f"{p} is empty") from e
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise OutputError(f"cannot read {p}: {e}") from e
    return df.dropna(how="all").reset_index(drop=True)


def read_summary(path):
    """RUN_DIR/summary.json (or that file) as a dict; an infeasible point's timings are None."""
    p = _file(path, "summary.json", "run `ncoresim run` first")
    data = _json(p)
    if not isinstance(data, dict):
        raise OutputError(f"{p} is not a JSON object")
    return data


def feasible(summary):
    """True when the point was simulated (an infeasible one has `cycles: null`)."""
    return summary.get("cycles") is not None


def flatten(summary, prefix=""):
    """The summary's scalar fields with dotted names, as sweep.csv's columns name them."""
    flat = {}
    for k, v in summary.items():
        if isinstance(v, dict):
            flat.update(flatten(v, f"{prefix}{k}."))
        else:
            flat[prefix + k] = v
    return flat


def read_layers(path):
    """RUN_DIR/layers.csv (or that file): one row per layer. A layer that runs nothing (flatten)
    has NaN cycle cells. An infeasible point has no layers.csv."""
    return _csv(_file(path, "layers.csv", "an infeasible point writes none"))


def read_sweep(path):
    """DIR/sweep.csv (or that file): one row per point, in axis order."""
    return _csv(_file(path, "sweep.csv", "run `ncoresim sweep` first"))


def sweep_axes(table):
    """The axis columns of a sweep table: those between `point` and `version`; [] if the table
    does not have both."""
    cols = list(table.columns)
    if "point" in cols and "version" in cols and cols.index("point") < cols.index("version"):
        return cols[cols.index("point") + 1:cols.index("version")]
    return []


def read_requests(path):
    """RUN_DIR/requests.csv (or that file) of `ncoresim serve`: one row per request; a request
    that was not served (status rejected or unserved) has NaN times, a 1-token one a NaN tpot_s."""
    return _csv(_file(path, "requests.csv", "run `ncoresim serve` first"))


def read_best(path):
    """DIR/best.csv (or that file) of a sweep with `slo`, or None when there is none. Its batch,
    throughput and latency are NaN where no batch met the bound."""
    p = os.path.join(path, "best.csv") if os.path.isdir(path) else str(path)
    return _csv(p) if os.path.isfile(p) else None


def read_trace(path):
    """(events, otherData) of RUN_DIR/trace.json (or a trace file), Chrome trace-event format."""
    p = _file(path, "trace.json", "run `ncoresim run ... -o RUN_DIR` first")
    data = _json(p)
    if isinstance(data, list):                    # the bare-array form of the format
        return data, {}
    if not isinstance(data, dict) or not isinstance(data.get("traceEvents"), list):
        raise OutputError(f"{p} is not a Chrome trace (no \"traceEvents\" list)")
    other = data.get("otherData")
    return data["traceEvents"], other if isinstance(other, dict) else {}


def to_float(cell):
    """A cell as a float; None when empty, NaN, boolean or not a number."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, str):
        cell = cell.strip()
        if not cell:
            return None
    try:
        v = float(cell)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def to_text(cell):
    """A cell as the text ncoresim wrote: '' when missing, `true`/`false` for booleans."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell).strip()

"""A thin wrapper over the `ncoresim` binary for notebooks and scripts: run, sweep and inspect
as subprocesses, their outputs read back with ncoretools.outputs. A failing command raises
NcoresimError with its exit code and stderr; an infeasible run (exit 3) is a result, not an error.
The binary: the `binary` argument, else $NCORESIM, else build/ncoresim, else `ncoresim` on PATH.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import pandas as pd

from . import outputs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class NcoresimError(RuntimeError):
    """An ncoresim command that exited with an error code (2: bad input, 1: a bug)."""

    def __init__(self, cmd, returncode, stderr):
        self.cmd, self.returncode, self.stderr = cmd, returncode, stderr
        super().__init__(f"`{' '.join(cmd)}` exited with {returncode}: {stderr.strip()}")


def find_binary(binary=None):
    """The ncoresim executable to run (see the module docstring)."""
    built = os.path.join(REPO, "build", "ncoresim")
    path = binary or os.environ.get("NCORESIM") or \
        (built if os.path.isfile(built) else shutil.which("ncoresim"))
    if not path or not os.path.isfile(path):
        raise FileNotFoundError(f"no ncoresim binary at {path or built}: build it "
                                "(scripts/build.sh) or set NCORESIM")
    return path


def call(args, binary=None, ok=(0,)):
    """Run `ncoresim ARGS`; the CompletedProcess (text) when its exit code is in `ok`."""
    cmd = [find_binary(binary)] + [str(a) for a in args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in ok:
        raise NcoresimError(cmd, proc.returncode, proc.stderr)
    return proc


def _sets(sets):
    """--set key=value arguments from a dict (booleans as true/false)."""
    args = []
    for k, v in (sets or {}).items():
        v = ("true" if v else "false") if isinstance(v, bool) else v
        args += ["--set", f"{k}={v}"]
    return args


@dataclass
class RunResult:
    """One point: its output folder, summary dict and exit code (0, or 3 when infeasible)."""
    dir: str
    summary: dict
    returncode: int

    @property
    def feasible(self):
        return outputs.feasible(self.summary)

    @property
    def layers(self):
        """layers.csv as a DataFrame; None for an infeasible point (it writes none)."""
        return outputs.read_layers(self.dir) if self.feasible else None


@dataclass
class SweepResult:
    """A sweep: its output folder, sweep.csv and best.csv (None without `slo`) as DataFrames."""
    dir: str
    table: pd.DataFrame
    best: pd.DataFrame = None

    @property
    def axes(self):
        return outputs.sweep_axes(self.table)


def run(config, out=None, batch=None, sets=None, trace=False, binary=None):
    """`ncoresim run CONFIG` into `out` (default: a new temporary folder) -> RunResult."""
    out = out or tempfile.mkdtemp(prefix="ncoresim-run-")
    args = ["-q", "run", config, "-o", out, "--trace" if trace else "--no-trace"]
    if batch is not None:
        args += ["--batch", batch]
    proc = call(args + _sets(sets), binary, ok=(0, 3))
    return RunResult(out, outputs.read_summary(out), proc.returncode)


def sweep(config, out=None, jobs=None, sets=None, trace=False, binary=None):
    """`ncoresim sweep CONFIG` into `out` (default: a new temporary folder) -> SweepResult."""
    out = out or tempfile.mkdtemp(prefix="ncoresim-sweep-")
    args = ["-q", "sweep", config, "-o", out] + (["--trace"] if trace else [])
    if jobs is not None:
        args += ["--jobs", jobs]
    call(args + _sets(sets), binary)
    return SweepResult(out, outputs.read_sweep(out), outputs.read_best(out))


@dataclass
class Inspection:
    """`ncoresim inspect MODEL`: the totals per sample, one row per layer (layer, kind, output
    as CxHxW text, macs, params, act_bytes, macs_per_byte) and the input's (C, H, W) (a sequence
    model's H is its sequence length)."""
    name: str
    macs: int
    params: int
    layers: pd.DataFrame
    input: tuple = None


_INSPECT_INPUT = re.compile(r"input (\d+)x(\d+)x(\d+),")
_INSPECT_TOTAL = re.compile(r"total: (\d+) layers, (\d+) MACs, (\d+) parameters")
_INSPECT_COLUMNS = ["layer", "kind", "output", "macs", "params", "act_bytes", "macs_per_byte"]


def inspect(model, dtype=None, binary=None):
    """Parse the table `ncoresim inspect MODEL` prints -> Inspection."""
    args = ["inspect", model] + (["--dtype", dtype] if dtype else [])
    text = call(args, binary).stdout
    lines = text.splitlines()
    total = next((_INSPECT_TOTAL.match(ln) for ln in lines if ln.startswith("total:")), None)
    if len(lines) < 3 or total is None or not lines[1].startswith("layer "):
        raise ValueError(f"unexpected `ncoresim inspect` output:\n{text}")
    rows = []
    for ln in lines[2:]:
        if ln.startswith("total:"):
            break
        name, kind, shape, *nums = ln.rsplit(None, 6)  # a name may hold spaces, nothing else
        rows.append([name, kind, shape, int(nums[0]), int(nums[1]), int(nums[2]), float(nums[3])])
    layers = pd.DataFrame(rows, columns=_INSPECT_COLUMNS)
    if int(total.group(1)) != len(layers):
        raise ValueError(f"`ncoresim inspect {model}`: {len(layers)} layer rows, "
                         f"total says {total.group(1)}")
    shape = _INSPECT_INPUT.search(lines[0])
    return Inspection(lines[0].split(":")[0], int(total.group(2)), int(total.group(3)), layers,
                      tuple(int(g) for g in shape.groups()) if shape else None)

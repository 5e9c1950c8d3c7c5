"""Shared fixtures of the ncoretools tests: the repository paths and, made once per test process,
a tiny_cnn run (with its trace) and a 2-point batch sweep of it with an SLO, in a temporary folder.
The binary is $NCORESIM (CTest sets it) or build/ncoresim.
"""

import atexit
import contextlib
import functools
import io
import os
import shutil
import tempfile

import ncoretools

REPO = ncoretools.runner.REPO
TINY_RUN = os.path.join(REPO, "configs", "runs", "tiny_cnn.yaml")
TINY_MODEL = os.path.join(REPO, "models", "tiny_cnn.yaml")
TINY_MACS = 6509184      # per sample: conv1 442368 + conv2 1179648 + 2 x 2359296 + pw 131072
                         # + dw 36864 + fc 640 (`ncoresim inspect models/tiny_cnn.yaml`)
TINY_PARAMS = 26986


@functools.lru_cache(maxsize=None)
def scratch():
    """A temporary folder removed when the test process ends."""
    d = tempfile.mkdtemp(prefix="ncoretools-test-")
    atexit.register(shutil.rmtree, d, True)
    return d


def folder(name):
    """A new empty folder under scratch()."""
    d = os.path.join(scratch(), name)
    os.makedirs(d)
    return d


@functools.lru_cache(maxsize=None)
def tiny_run():
    """RunResult of tiny_cnn at batch 1, with trace.json."""
    return ncoretools.run(TINY_RUN, out=os.path.join(scratch(), "tiny_run"), trace=True)


@functools.lru_cache(maxsize=None)
def tiny_sweep():
    """SweepResult of tiny_cnn at batch 1 and 2 with `slo: 1 s` (so it writes best.csv)."""
    path = os.path.join(scratch(), "tiny_sweep.yaml")
    with open(path, "w") as f:
        f.write(f"base: {TINY_RUN}\nslo: 1 s\naxes:\n  batch: [1, 2]\n")
    return ncoretools.sweep(path, out=os.path.join(scratch(), "tiny_sweep"), jobs=2)


def quietly(fn, *args, **kwargs):
    """fn(*args, **kwargs) with its stdout and stderr captured: (result, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        result = fn(*args, **kwargs)
    return result, out.getvalue(), err.getvalue()

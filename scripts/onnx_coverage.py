#!/usr/bin/python3
"""ONNX import coverage: export models with torch.onnx, import them with ncoresim, compare.

Exports every classification model of the installed torchvision (random weights) and the
transformer forms below, one at a time into a temporary folder, at each opset of --opsets; runs
`ncoresim inspect` and `ncoresim run` (batch 1) on configs/hw/inf1.yaml and trn1.yaml; and compares
the MACs and parameters ncoresim reports with a count taken from the exporting model: MACs of the
aten convolution, addmm, mm, bmm, baddbmm and matmul calls seen under TorchDispatchMode (module
hooks miss nn.MultiheadAttention's projections), and the parameters those calls read (each tensor
once) with BatchNorm as the importer sees the export: torch.onnx folds an eval BatchNorm into the
conv before it (the conv gains a bias), and a BatchNorm after anything else is a copy without
parameters.

Needs Debian's python3-torch and python3-torchvision (torch 1.13, torchvision 0.14); not part of
CTest. Writes a Markdown table (--out, default stdout) with one row per model and opset.

  scripts/onnx_coverage.py --models resnet50,vit_b_16 --opsets 17 --out coverage.md
"""
import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
import weakref

import torch
import torchvision
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_coverage_models as forms  # noqa: E402  (the transformer forms)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HW = ("inf1", "trn1")
TOLERANCE = 0.005  # the issue's +-0.5 %


class AtenCount(TorchDispatchMode):
    """MACs of the matrix products and convolutions one forward pass runs, and the BatchNorms that
    read a convolution's output (torch.onnx folds those into the conv)."""

    def __init__(self, params):
        super().__init__()
        self.params = {id(p): p for p in params}
        self.used = {}  # id -> parameter, those an op read
        self.macs = 0
        self.convs = weakref.WeakValueDictionary()  # id(output) -> output of a conv
        self.conv_bias = {}  # id(output) -> the conv had a bias
        self.bn_params = 0  # parameters the count drops or adds for BatchNorms

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for a in args:
            for t in a if isinstance(a, (list, tuple)) else (a,):
                if isinstance(t, torch.Tensor) and id(t) in self.params:
                    self.used[id(t)] = t
        name = func.overloadpacket.__name__
        if name == "convolution":
            w = args[1]
            self.macs += out.numel() * w.shape[1] * math.prod(w.shape[2:])
            self.convs[id(out)] = out
            self.conv_bias[id(out)] = args[2] is not None
        elif name in ("mm", "addmm"):
            a, b = (args[0], args[1]) if name == "mm" else (args[1], args[2])
            self.macs += a.shape[0] * a.shape[1] * b.shape[1]
        elif name in ("bmm", "baddbmm"):
            a, b = (args[0], args[1]) if name == "bmm" else (args[1], args[2])
            self.macs += a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]
        elif name == "matmul":
            self.macs += out.numel() * args[0].shape[-1]
        elif "batch_norm" in name and args[1] is not None:
            x, c = args[0], args[1].numel()
            folded = self.convs.get(id(x)) is x
            # its scale and shift are not parameters after the export; a bias-less conv gains one
            self.bn_params += -2 * c + (c if folded and not self.conv_bias[id(x)] else 0)
        return out


def reference(model, inputs):
    """(MACs, parameters) of one sample as the importer should count them: the parameters the
    forward pass reads (each once; Inception-v3's and GoogLeNet's auxiliary heads are not run in
    eval mode, nor exported)."""
    counter = AtenCount(model.parameters())
    # with autograd on, as torch.onnx traces (nn.TransformerEncoderLayer's fused fast path, one
    # opaque op, runs only without it)
    with torch.enable_grad(), counter:
        model(*inputs)
    params = sum(p.numel() for p in counter.used.values())  # each once (tied weights too)
    return counter.macs, params + counter.bn_params


def classification_models():
    return sorted(torchvision.models.list_models(module=torchvision.models))


def build(name):
    """(model, example inputs) for a torchvision classification model or a transformer form."""
    if name in forms.FORMS:
        return forms.FORMS[name]()
    model = torchvision.models.get_model(name, weights=None).eval()
    size = 299 if name == "inception_v3" else 224
    if name.startswith("vit_h"):
        size = 224
    return model, (torch.randn(1, 3, size, size),)


def ncoresim(binary, *args, timeout=900):
    try:
        r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "timed out after %d s" % timeout
    return r.returncode, (r.stdout + r.stderr).strip()


def first_line(text, width=110):
    line = text.splitlines()[0] if text else ""
    line = re.sub(r"(error: )?/\S*/onnx_coverage_\w+/", "", line)  # the temporary folder
    return line if len(line) <= width else line[: width - 1] + "…"


def import_and_run(binary, path, folder):
    """The row's ncoresim half: inspect's MACs and parameters, and each run's exit code."""
    row = {}
    start = time.monotonic()
    code, text = ncoresim(binary, "inspect", path)
    row["inspect_s"] = time.monotonic() - start
    if code != 0:
        row["error"] = "exit %d: %s" % (code, first_line(text))
        return row
    m = re.search(r"(\d+) MACs and (\d+) parameters per sample", text)
    row["macs"], row["params"] = int(m.group(1)), int(m.group(2))
    for hw in HW:
        run = os.path.join(folder, "run_%s.yaml" % hw)
        with open(run, "w") as f:
            f.write("hw: %s/configs/hw/%s.yaml\nmodel: %s\nbatch: 1\n" % (REPO, hw, path))
        code, text = ncoresim(binary, "run", run, "-q", "--no-trace", "--out",
                              os.path.join(folder, "out_" + hw))
        row[hw] = "ok" if code == 0 else "exit %d: %s" % (code, first_line(text, 60))
    return row


def export(name, model, inputs, path, opset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, inputs, path, opset_version=opset, do_constant_folding=True,
                          input_names=["input%d" % i for i in range(len(inputs))],
                          dynamic_axes=forms.DYNAMIC_AXES.get(name))


def measure(binary, name, opsets):
    """Rows of one model: exported once per opset into a temporary folder that is then removed."""
    model, inputs = build(name)
    ref_macs, ref_params = reference(model, inputs)
    rows = []
    for opset in opsets:
        row = {"model": name, "opset": opset, "ref_macs": ref_macs, "ref_params": ref_params}
        with tempfile.TemporaryDirectory(prefix="onnx_coverage_") as folder:
            path = os.path.join(folder, name + ".onnx")
            try:
                export(name, model, inputs, path, opset)
            except Exception as e:  # torch cannot export it (Swin-V2 in torch 1.13)
                row["error"] = "export failed: " + first_line(str(e) or type(e).__name__)
            else:
                row.update(import_and_run(binary, path, folder))
        rows.append(row)
        print(status(row), file=sys.stderr, flush=True)
    del model
    return rows


def diff(a, b):
    return abs(a - b) / b if b else (0.0 if a == b else 1.0)


def matches(row):
    return ("macs" in row and diff(row["macs"], row["ref_macs"]) <= TOLERANCE
            and diff(row["params"], row["ref_params"]) <= TOLERANCE)


def status(row):
    if "macs" not in row:
        return "%s opset %d: %s" % (row["model"], row["opset"], row["error"])
    runs = all(row[hw] == "ok" for hw in HW)
    return "%s opset %d: %s, MACs %+.2f %%, params %+.2f %%, runs %s" % (
        row["model"], row["opset"], "match" if matches(row) else "MISMATCH",
        100 * (row["macs"] - row["ref_macs"]) / max(row["ref_macs"], 1),
        100 * (row["params"] - row["ref_params"]) / max(row["ref_params"], 1),
        "ok" if runs else "failed")


def table(rows):
    out = ["| model | opset | ncoresim GMACs | aten GMACs | ncoresim M params | reference M params "
           "| match | inf1 | trn1 | inspect s |", "|---|---|---:|---:|---:|---:|---|---|---|---:|"]
    for r in rows:
        if "macs" not in r:
            out.append("| %s | %d | | %.3f | | %.3f | %s | | | |" % (
                r["model"], r["opset"], r["ref_macs"] / 1e9, r["ref_params"] / 1e6,
                r["error"].replace("|", "\\|")))
            continue
        out.append("| %s | %d | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %.1f |" % (
            r["model"], r["opset"], r["macs"] / 1e9, r["ref_macs"] / 1e9, r["params"] / 1e6,
            r["ref_params"] / 1e6, "yes" if matches(r) else "**no**",
            r["inf1"].replace("|", "\\|"), r["trn1"].replace("|", "\\|"), r["inspect_s"]))
    full = [r for r in rows if matches(r) and all(r.get(hw) == "ok" for hw in HW)]
    out.append("")
    out.append("%d of %d exports import with MACs and parameters within %.1f %% and run on %s." % (
        len(full), len(rows), 100 * TOLERANCE, " and ".join(HW)))
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="all",
                   help="comma-separated names: torchvision models and/or transformer forms (%s); "
                        "'all' (default), 'torchvision' or 'transformers'" % ", ".join(forms.FORMS))
    p.add_argument("--opsets", default="13,17", help="comma-separated opsets (default 13,17)")
    p.add_argument("--ncoresim", default=os.path.join(REPO, "build", "ncoresim"))
    p.add_argument("--out", help="the Markdown table's file (default: stdout)")
    a = p.parse_args(argv)
    names = []
    for n in a.models.split(","):
        if n in ("all", "torchvision"):
            names += classification_models()
        if n in ("all", "transformers"):
            names += list(forms.FORMS)
        if n not in ("all", "torchvision", "transformers"):
            names.append(n)
    known = set(classification_models()) | set(forms.FORMS)
    unknown = [n for n in names if n not in known]
    if unknown:
        p.error("unknown models: " + ", ".join(unknown))
    opsets = [int(o) for o in a.opsets.split(",")]
    torch.manual_seed(0)
    rows = []
    for name in names:
        rows += measure(a.ncoresim, name, opsets)
    text = table(rows)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

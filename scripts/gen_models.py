#!/usr/bin/python3
"""Generate ncoresim model YAML files (models/*.yaml).

Standard library only: the YAML is written as text in the compact flow style
described by the model format (one layer per line).

Each model is a function that builds a `Model` with the builder methods below.
The builder tracks every tensor's (C, H, W) shape, so the script can print the
total MACs (conv + linear) and parameter count (conv/linear weights + bias)
of every model it writes, as a self-check against published figures.

To add a model: write `def build_xxx() -> Model`, add it to MODELS, and
(optionally) an entry in EXPECTED with its reference MACs/params.

Usage: scripts/gen_models.py [--out-dir DIR] [--check] [model ...]
"""

import argparse
import os
import sys


def _pair(v):
    if isinstance(v, (list, tuple)):
        assert len(v) == 2
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _fmt(v):
    """Format a value in YAML flow style."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _pool_out(size, k, s, p):
    out = (size + 2 * p - k) // s + 1
    assert out >= 1, "pool/conv output size < 1"
    return out


class Model:
    """Builds a model layer by layer, tracking shapes, MACs and parameters."""

    def __init__(self, name, channels, height=1, width=1, header=()):
        self.name = name
        self.header = list(header)
        self.input = (channels, height, width)
        self.shapes = {"input": self.input}   # tensor name -> (C, H, W)
        self.layers = []                      # list of (name, ordered field dict)
        self.last = "input"
        self.consumed = set()
        self.macs = 0
        self.params = 0
        self.layer_macs = {}
        self.layer_params = {}

    # ---- internals -------------------------------------------------------
    def _inputs(self, inputs):
        if inputs is None:
            return [self.last], False
        if isinstance(inputs, str):
            inputs = [inputs]
        for t in inputs:
            assert t in self.shapes, "unknown tensor %r" % t
        return list(inputs), True

    def _add(self, name, kind, inputs, explicit, out_shape, fields, macs=0, params=0):
        assert name not in self.shapes, "duplicate layer name %r" % name
        d = {"name": name, "kind": kind}
        # Only write `inputs` when it differs from the implicit default.
        if explicit and inputs != [self.last]:
            d["inputs"] = inputs
        d.update(fields)
        self.layers.append((name, d))
        self.shapes[name] = out_shape
        self.consumed.update(inputs)
        self.last = name
        self.macs += macs
        self.params += params
        self.layer_macs[name] = macs
        self.layer_params[name] = params
        return name

    # ---- layer builders ----------------------------------------------------
    def conv2d(self, name, out_channels, kernel, stride=1, padding=0, groups=1,
               bias=True, activation="none", inputs=None):
        ins, explicit = self._inputs(inputs)
        assert len(ins) == 1
        cin, h, w = self.shapes[ins[0]]
        kh, kw = _pair(kernel)
        sh, sw = _pair(stride)
        ph, pw = _pair(padding)
        assert cin % groups == 0 and out_channels % groups == 0
        oh, ow = _pool_out(h, kh, sh, ph), _pool_out(w, kw, sw, pw)
        weights = out_channels * (cin // groups) * kh * kw
        macs = weights * oh * ow
        params = weights + (out_channels if bias else 0)
        fields = {"out_channels": out_channels, "kernel": kernel}
        if _pair(stride) != (1, 1):
            fields["stride"] = stride
        if _pair(padding) != (0, 0):
            fields["padding"] = padding
        if groups != 1:
            fields["groups"] = groups
        fields["bias"] = bias
        fields["activation"] = activation
        return self._add(name, "conv2d", ins, explicit, (out_channels, oh, ow),
                         fields, macs, params)

    def linear(self, name, out_features, bias=True, activation="none", inputs=None):
        ins, explicit = self._inputs(inputs)
        assert len(ins) == 1
        cin, h, w = self.shapes[ins[0]]
        weights = out_features * cin
        macs = weights * h * w  # applied per position
        params = weights + (out_features if bias else 0)
        fields = {"out_features": out_features}
        if not bias:
            fields["bias"] = False
        if activation != "none":
            fields["activation"] = activation
        return self._add(name, "linear", ins, explicit, (out_features, h, w),
                         fields, macs, params)

    def _pool(self, kind, name, kernel, stride, padding, inputs):
        ins, explicit = self._inputs(inputs)
        assert len(ins) == 1
        c, h, w = self.shapes[ins[0]]
        kh, kw = _pair(kernel)
        sh, sw = _pair(stride)
        ph, pw = _pair(padding)
        shape = (c, _pool_out(h, kh, sh, ph), _pool_out(w, kw, sw, pw))
        fields = {"kernel": kernel, "stride": stride}
        if _pair(padding) != (0, 0):
            fields["padding"] = padding
        return self._add(name, kind, ins, explicit, shape, fields)

    def maxpool(self, name, kernel, stride=1, padding=0, inputs=None):
        return self._pool("maxpool", name, kernel, stride, padding, inputs)

    def avgpool(self, name, kernel, stride=1, padding=0, inputs=None):
        return self._pool("avgpool", name, kernel, stride, padding, inputs)

    def global_avgpool(self, name, inputs=None):
        ins, explicit = self._inputs(inputs)
        c, _, _ = self.shapes[ins[0]]
        return self._add(name, "global_avgpool", ins, explicit, (c, 1, 1), {})

    def add(self, name, inputs, activation="none"):
        ins, _ = self._inputs(inputs)
        assert len(ins) >= 2
        shape = self.shapes[ins[0]]
        for t in ins[1:]:
            assert self.shapes[t] == shape, "add %s: shape mismatch" % name
        fields = {}
        if activation != "none":
            fields["activation"] = activation
        # add always lists its inputs explicitly
        d_name = self._add(name, "add", ins, False, shape, fields)
        self.layers[-1][1]["inputs"] = ins
        # keep key order name, kind, inputs, activation
        d = self.layers[-1][1]
        act = d.pop("activation", None)
        if act is not None:
            d["activation"] = act
        return d_name

    def relu(self, name, inputs=None):
        ins, explicit = self._inputs(inputs)
        return self._add(name, "relu", ins, explicit, self.shapes[ins[0]], {})

    def flatten(self, name, inputs=None):
        ins, explicit = self._inputs(inputs)
        c, h, w = self.shapes[ins[0]]
        return self._add(name, "flatten", ins, explicit, (c * h * w, 1, 1), {})

    # ---- output ------------------------------------------------------------
    def outputs(self):
        return [n for n, _ in self.layers if n not in self.consumed]

    def to_yaml(self):
        lines = ["# " + h if h else "#" for h in self.header]
        lines.append("name: %s" % self.name)
        c, h, w = self.input
        inp = "{channels: %d" % c
        if (h, w) != (1, 1):
            inp += ", height: %d, width: %d" % (h, w)
        lines.append("input: %s}" % inp)
        lines.append("layers:")
        for _, d in self.layers:
            body = ", ".join("%s: %s" % (k, _fmt(v)) for k, v in d.items())
            lines.append("  - {%s}" % body)
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def _bottleneck(m, prefix, width, stride, downsample):
    """torchvision Bottleneck (v1.5: stride on the 3x3 conv), BN folded."""
    block_in = m.last
    m.conv2d(prefix + ".conv1", width, 1, activation="relu")
    m.conv2d(prefix + ".conv2", width, 3, stride=stride, padding=1, activation="relu")
    main = m.conv2d(prefix + ".conv3", width * 4, 1)
    if downsample:
        shortcut = m.conv2d(prefix + ".downsample", width * 4, 1, stride=stride,
                            inputs=block_in)
    else:
        shortcut = block_in
    return m.add(prefix + ".add", [main, shortcut], activation="relu")


def build_resnet50():
    m = Model("resnet50", 3, 224, 224, header=[
        "ResNet-50 v1.5 (torchvision resnet50), 224x224 input, 1000 ImageNet classes.",
        "Architecture: He et al., \"Deep Residual Learning for Image Recognition\" (2015),",
        "with torchvision's v1.5 change (stride 2 on the 3x3 conv of each stage's first block).",
        "BatchNorm folded into the preceding conv (per-channel bias); ReLU fused into evictions.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    m.conv2d("conv1", 64, 7, stride=2, padding=3, activation="relu")
    m.maxpool("pool1", 3, stride=2, padding=1)
    in_ch = 64
    for stage, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512]), 1):
        for b in range(blocks):
            stride = 2 if (b == 0 and stage > 1) else 1
            downsample = b == 0 and (stride != 1 or in_ch != width * 4)
            _bottleneck(m, "layer%d.%d" % (stage, b), width, stride, downsample)
            in_ch = width * 4
    m.global_avgpool("gap")
    m.linear("fc", 1000)
    return m


MODELS = {
    "resnet50": build_resnet50,
}

# Reference figures (MACs, params) with folded-BN bias; checked to +-1%.
EXPECTED = {
    "resnet50": (4.089e9, 25.53e6),
}


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "models"))
    ap.add_argument("--check", action="store_true",
                    help="only compute and check totals, write nothing")
    ap.add_argument("models", nargs="*", help="models to generate (default: all)")
    args = ap.parse_args(argv)

    names = args.models or list(MODELS)
    ok = True
    for name in names:
        if name not in MODELS:
            print("unknown model %r (known: %s)" % (name, ", ".join(MODELS)), file=sys.stderr)
            return 2
        m = MODELS[name]()
        status = ""
        if name in EXPECTED:
            emacs, eparams = EXPECTED[name]
            good = abs(m.macs / emacs - 1) <= 0.01 and abs(m.params / eparams - 1) <= 0.01
            status = "  [OK]" if good else "  [MISMATCH: expected %.4g MACs, %.4g params]" % (emacs, eparams)
            ok &= good
        if not args.check:
            path = os.path.normpath(os.path.join(args.out_dir, name + ".yaml"))
            with open(path, "w") as f:
                f.write(m.to_yaml())
            where = " -> " + path
        else:
            where = ""
        print("%-10s %4d layers  %.4f GMACs (%d)  %.3f M params (%d)  outputs %s%s%s"
              % (name, len(m.layers), m.macs / 1e9, m.macs, m.params / 1e6, m.params,
                 m.outputs(), where, status))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Generate ncoresim model YAML files (models/*.yaml).

Standard library only: the YAML is written as text in the compact flow style
described by the model format (one layer per line).

Each model is a function that builds a `Model` with the builder methods below.
The builder tracks every tensor's (C, H, W) shape, so the script can print the
total MACs (conv + linear + matmul) and parameter count (conv/linear weights
+ bias, embedding tables, layernorm scale + shift) of every model it writes,
the same way `ncoresim inspect` counts them, as a self-check against published
figures.

To add a model: write `def build_xxx() -> Model`, add it to MODELS, and
(optionally) an entry in EXPECTED with its reference MACs/params.
Transformer builders take a `seq` argument (tokens per sample), set by --seq;
a non-default --seq writes `<model>_seq<N>.yaml` so the default files stay put.

Usage: scripts/gen_models.py [--out-dir DIR] [--check] [--seq N] [model ...]
"""

import argparse
import inspect
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

    # ---- transformer layers (tensors are (features, tokens, 1)) -----------
    def embedding(self, name, vocab, hidden, broadcast=False, inputs=None):
        ins, explicit = self._inputs(inputs)
        assert len(ins) == 1
        c, h, w = self.shapes[ins[0]]
        assert c == 1, "embedding input must be token ids (1, tokens)"
        assert not broadcast or h * w <= vocab, "broadcast table needs a row per position"
        fields = {"vocab": vocab, "hidden": hidden}
        if broadcast:
            fields["broadcast"] = True
        return self._add(name, "embedding", ins, explicit, (hidden, h, w), fields,
                         0, vocab * hidden)

    def matmul(self, name, inputs, heads=1, transpose_b=False):
        ins, _ = self._inputs(inputs)
        assert len(ins) == 2
        (ac, ah, aw), (bc, bh, bw) = self.shapes[ins[0]], self.shapes[ins[1]]
        assert aw == 1 and bw == 1 and bc % heads == 0
        if transpose_b:   # scores = Q K^T: (heads * keys, queries)
            assert ac == bc, "Q K^T: feature mismatch"
            k, m_, out = ac // heads, bh, (heads * bh, ah, 1)
        else:             # context = P V: (features, queries)
            assert ac == heads * bh, "P V: probs features != heads x value tokens"
            k, m_, out = bh, bc // heads, (bc, ah, 1)
        fields = {}
        if heads != 1:
            fields["heads"] = heads
        if transpose_b:
            fields["transpose_b"] = True
        self._add(name, "matmul", ins, False, out, fields, heads * k * m_ * ah, 0)
        # matmul always lists its inputs explicitly, right after the kind
        d = self.layers[-1][1]
        rest = {k2: d.pop(k2) for k2 in list(d) if k2 not in ("name", "kind")}
        d["inputs"] = ins
        d.update(rest)
        return name

    def _same_shape(self, kind, name, inputs, fields=None, params=0):
        ins, explicit = self._inputs(inputs)
        assert len(ins) == 1
        return self._add(name, kind, ins, explicit, self.shapes[ins[0]], fields or {},
                         0, params)

    def softmax(self, name, inputs=None):
        return self._same_shape("softmax", name, inputs)

    def gelu(self, name, inputs=None):
        return self._same_shape("gelu", name, inputs)

    def layernorm(self, name, inputs=None):
        ins, _ = self._inputs(inputs)
        return self._same_shape("layernorm", name, inputs,
                                params=2 * self.shapes[ins[0]][0])

    def slice(self, name, start=0, count=1, inputs=None):
        ins, explicit = self._inputs(inputs)
        assert len(ins) == 1
        c, h, w = self.shapes[ins[0]]
        assert start + count <= h, "slice outside the tokens"
        fields = {}
        if start != 0:
            fields["start"] = start
        fields["count"] = count
        return self._add(name, "slice", ins, explicit, (c, count, w), fields)

    # ---- output ------------------------------------------------------------
    def outputs(self):
        return [n for n, _ in self.layers if n not in self.consumed]

    def to_yaml(self):
        lines = ["# " + h if h else "#" for h in self.header]
        lines.append("name: %s" % self.name)
        c, h, w = self.input
        inp = "{channels: %d" % c
        if (h, w) != (1, 1):
            inp += ", height: %d" % h
        if w != 1:
            inp += ", width: %d" % w
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


def _basic_block(m, prefix, width, stride, downsample):
    """torchvision BasicBlock (two 3x3 convs), BN folded."""
    block_in = m.last
    m.conv2d(prefix + ".conv1", width, 3, stride=stride, padding=1, activation="relu")
    main = m.conv2d(prefix + ".conv2", width, 3, padding=1)
    if downsample:
        shortcut = m.conv2d(prefix + ".downsample", width, 1, stride=stride, inputs=block_in)
    else:
        shortcut = block_in
    return m.add(prefix + ".add", [main, shortcut], activation="relu")


def build_resnet18():
    m = Model("resnet18", 3, 224, 224, header=[
        "ResNet-18 (torchvision resnet18), 224x224 input, 1000 ImageNet classes.",
        "Architecture: He et al., \"Deep Residual Learning for Image Recognition\" (2015),",
        "BasicBlock [2, 2, 2, 2]; 1x1 stride-2 downsample convs on stages 2-4.",
        "Published: 1.82 GMACs, 11.69 M params (torchvision, BN counted as 2 params/channel).",
        "BatchNorm folded into the preceding conv (per-channel bias); ReLU fused into evictions.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    m.conv2d("conv1", 64, 7, stride=2, padding=3, activation="relu")
    m.maxpool("pool1", 3, stride=2, padding=1)
    in_ch = 64
    for stage, width in enumerate([64, 128, 256, 512], 1):
        for b in range(2):
            stride = 2 if (b == 0 and stage > 1) else 1
            downsample = b == 0 and (stride != 1 or in_ch != width)
            _basic_block(m, "layer%d.%d" % (stage, b), width, stride, downsample)
            in_ch = width
    m.global_avgpool("gap")
    m.linear("fc", 1000)
    return m


def build_vgg16():
    m = Model("vgg16", 3, 224, 224, header=[
        "VGG-16 without BatchNorm (torchvision vgg16, configuration D), 224x224 input, 1000 classes.",
        "Architecture: Simonyan & Zisserman, \"Very Deep Convolutional Networks for Large-Scale",
        "Image Recognition\" (2014). Published: 15.5 GMACs, 138 M params.",
        "13 conv3x3 (pad 1, ReLU fused) in 5 groups, each followed by maxpool 2x2/2; the 7x7",
        "adaptive avgpool is the identity at 224x224 and kept as a 1x1 avgpool; flatten;",
        "fc 25088->4096->4096 (ReLU) ->1000. Dropout is inference-time identity and omitted.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    cfg = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]
    for g, chans in enumerate(cfg, 1):
        for i, c in enumerate(chans, 1):
            m.conv2d("conv%d_%d" % (g, i), c, 3, padding=1, activation="relu")
        m.maxpool("pool%d" % g, 2, stride=2)
    assert m.shapes[m.last] == (512, 7, 7)
    m.avgpool("avgpool", 1, stride=1)   # AdaptiveAvgPool2d((7, 7)) on a 7x7 map
    m.flatten("flatten")
    m.linear("fc6", 4096, activation="relu")
    m.linear("fc7", 4096, activation="relu")
    m.linear("fc8", 1000)
    return m


def build_mobilenetv2():
    m = Model("mobilenetv2", 3, 224, 224, header=[
        "MobileNetV2, width 1.0 (torchvision mobilenet_v2), 224x224 input, 1000 ImageNet classes.",
        "Architecture: Sandler et al., \"MobileNetV2: Inverted Residuals and Linear Bottlenecks\"",
        "(2018). Published: 0.30 GMACs, 3.5 M params.",
        "Blocks: expansion 1x1 (skipped when t=1), depthwise 3x3 (groups = channels), linear",
        "projection 1x1; residual add when stride 1 and in == out channels.",
        "ReLU6 is modelled as ReLU (the format has no relu6; the clamp at 6 is elementwise and",
        "free in a fused eviction, so timing is unaffected). BatchNorm folded (per-channel bias).",
        "Dropout before the classifier is inference-time identity and omitted.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    m.conv2d("stem", 32, 3, stride=2, padding=1, activation="relu")
    in_ch = 32
    idx = 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            prefix = "block%d" % idx
            block_in = m.last
            hidden = in_ch * t
            if t != 1:
                m.conv2d(prefix + ".expand", hidden, 1, activation="relu")
            m.conv2d(prefix + ".dw", hidden, 3, stride=stride, padding=1, groups=hidden,
                     activation="relu")
            m.conv2d(prefix + ".project", c, 1)
            if stride == 1 and in_ch == c:
                m.add(prefix + ".add", [m.last, block_in])
            in_ch = c
            idx += 1
    m.conv2d("head", 1280, 1, activation="relu")
    m.global_avgpool("gap")
    m.linear("fc", 1000)
    return m


def _bert(name, header, hidden, layers, heads, ffn, seq, vocab=30522, max_pos=512,
          type_vocab=2):
    assert seq <= max_pos, "seq %d exceeds %d positions" % (seq, max_pos)
    m = Model(name, 1, seq, header=header)
    m.embedding("emb.word", vocab, hidden, inputs=["input"])
    m.embedding("emb.position", max_pos, hidden, broadcast=True, inputs=["input"])
    m.embedding("emb.token_type", type_vocab, hidden, inputs=["input"])
    m.add("emb.add", ["emb.word", "emb.position", "emb.token_type"])
    x = m.layernorm("emb.ln")
    for i in range(layers):
        p = "layer%d." % i
        q = m.linear(p + "q", hidden, inputs=[x])
        k = m.linear(p + "k", hidden, inputs=[x])
        v = m.linear(p + "v", hidden, inputs=[x])
        m.matmul(p + "scores", [q, k], heads=heads, transpose_b=True)
        probs = m.softmax(p + "probs")
        m.matmul(p + "ctx", [probs, v], heads=heads)
        m.linear(p + "attn_out", hidden)
        m.add(p + "attn_add", [m.last, x])
        h = m.layernorm(p + "attn_ln")
        m.linear(p + "ffn1", ffn, activation="gelu")
        m.linear(p + "ffn2", hidden)
        m.add(p + "ffn_add", [m.last, h])
        x = m.layernorm(p + "ffn_ln")
    m.slice("pooler.cls", count=1)
    m.linear("pooler.dense", hidden, activation="tanh")
    return m


_BERT_NOTES = [
    "Embeddings: word, position (broadcast: same rows for every sample) and token type, all",
    "indexed by the token-id input; their sum is layer-normalized. Post-LN encoder layers:",
    "q/k/v linears, scores = Q K^T per head, softmax, context = P V, output linear, residual",
    "add + layernorm, FFN (GELU fused) + residual add + layernorm. Pooler: [CLS] slice + linear",
    "+ tanh. Omitted (elementwise, no params): the 1/sqrt(d_head) score scaling, the attention",
    "mask and dropout. No MLM/NSP heads.",
]


def build_bert_base(seq=128):
    return _bert("bert_base" if seq == 128 else "bert_base_seq%d" % seq, [
        "BERT-base (uncased), %d tokens per sample: hidden 768, 12 layers, 12 heads, FFN 3072." % seq,
        "Architecture: Devlin et al., \"BERT: Pre-training of Deep Bidirectional Transformers for",
        "Language Understanding\" (2018); Hugging Face bert-base-uncased. Published: 110 M params",
        "(109.48 M exactly, including the pooler).",
    ] + _BERT_NOTES + [
        "generated by scripts/gen_models.py; do not edit by hand",
    ], hidden=768, layers=12, heads=12, ffn=3072, seq=seq)


def build_bert_large(seq=128):
    return _bert("bert_large" if seq == 128 else "bert_large_seq%d" % seq, [
        "BERT-large (uncased), %d tokens per sample: hidden 1024, 24 layers, 16 heads, FFN 4096." % seq,
        "Architecture: Devlin et al., \"BERT: Pre-training of Deep Bidirectional Transformers for",
        "Language Understanding\" (2018); Hugging Face bert-large-uncased. Published: 340 M params",
        "(335.14 M exactly, including the pooler; the paper's 340 M is rounded).",
    ] + _BERT_NOTES + [
        "generated by scripts/gen_models.py; do not edit by hand",
    ], hidden=1024, layers=24, heads=16, ffn=4096, seq=seq)


def build_gpt2_small(seq=128, hidden=768, layers=12, heads=12, ffn=3072, vocab=50257,
                     max_pos=1024):
    assert seq <= max_pos, "seq %d exceeds %d positions" % (seq, max_pos)
    m = Model("gpt2_small" if seq == 128 else "gpt2_small_seq%d" % seq, 1, seq, header=[
        "GPT-2 small (124M), one prefill of %d tokens per sample: hidden 768, 12 layers, 12 heads." % seq,
        "Architecture: Radford et al., \"Language Models are Unsupervised Multitask Learners\"",
        "(2019); Hugging Face gpt2. Published: 124 M params (124.44 M exactly).",
        "Token (wte) + position (wpe, broadcast) embeddings; pre-LN decoder blocks: ln1, q/k/v",
        "linears (HF's fused c_attn split in three; same weights), scores = Q K^T per head,",
        "softmax, context = P V, projection, residual add; ln2, fc (GELU fused), projection,",
        "residual add; final ln_f. The causal mask is omitted: the full scores are computed, as a",
        "prefill kernel without skipping would. The 1/sqrt(d_head) scaling and dropout are",
        "omitted (elementwise, no params). The LM head is tied to wte (no extra params) and is",
        "left out, so the model ends at ln_f and no logits are computed.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    m.embedding("wte", vocab, hidden, inputs=["input"])
    m.embedding("wpe", max_pos, hidden, broadcast=True, inputs=["input"])
    x = m.add("emb.add", ["wte", "wpe"])
    for i in range(layers):
        p = "h%d." % i
        a = m.layernorm(p + "ln1", inputs=[x])
        q = m.linear(p + "q", hidden, inputs=[a])
        k = m.linear(p + "k", hidden, inputs=[a])
        v = m.linear(p + "v", hidden, inputs=[a])
        m.matmul(p + "scores", [q, k], heads=heads, transpose_b=True)
        probs = m.softmax(p + "probs")
        m.matmul(p + "ctx", [probs, v], heads=heads)
        m.linear(p + "attn_proj", hidden)
        r = m.add(p + "attn_add", [m.last, x])
        m.layernorm(p + "ln2")
        m.linear(p + "fc", ffn, activation="gelu")
        m.linear(p + "mlp_proj", hidden)
        x = m.add(p + "mlp_add", [m.last, r])
    m.layernorm("ln_f")
    return m


MODELS = {
    "resnet50": build_resnet50,
    "resnet18": build_resnet18,
    "vgg16": build_vgg16,
    "mobilenetv2": build_mobilenetv2,
    "bert_base": build_bert_base,
    "bert_large": build_bert_large,
    "gpt2_small": build_gpt2_small,
}

# Reference figures (MACs, params), checked to +-TOLERANCE; None = not checked.
# ResNet-50 uses exact folded-BN figures; the others use the published (rounded)
# figures the project's tests assert. Transformer MACs depend on seq: not checked.
TOLERANCE = 0.02
EXPECTED = {
    "resnet50": (4.089e9, 25.53e6),
    "resnet18": (1.82e9, 11.69e6),
    "vgg16": (15.5e9, 138e6),
    "mobilenetv2": (0.30e9, 3.5e6),
    "bert_base": (None, 110e6),
    "bert_large": (None, 340e6),
    "gpt2_small": (None, 124e6),
}


def _close(value, ref):
    return ref is None or abs(value / ref - 1) <= TOLERANCE


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "models"))
    ap.add_argument("--check", action="store_true",
                    help="only compute and check totals, write nothing")
    ap.add_argument("--seq", type=int, default=None,
                    help="tokens per sample for the transformer models (default 128); "
                         "a non-default value writes <model>_seq<N>.yaml")
    ap.add_argument("models", nargs="*", help="models to generate (default: all)")
    args = ap.parse_args(argv)

    names = args.models or list(MODELS)
    ok = True
    for name in names:
        if name not in MODELS:
            print("unknown model %r (known: %s)" % (name, ", ".join(MODELS)), file=sys.stderr)
            return 2
        fn = MODELS[name]
        kwargs = {}
        if args.seq is not None and "seq" in inspect.signature(fn).parameters:
            kwargs["seq"] = args.seq
        m = fn(**kwargs)
        status = ""
        if name in EXPECTED:
            emacs, eparams = EXPECTED[name]
            good = _close(m.macs, emacs) and _close(m.params, eparams)
            if good:
                status = "  [OK]"
            else:
                status = "  [MISMATCH: expected %s MACs, %.4g params]" % (
                    "-" if emacs is None else "%.4g" % emacs, eparams)
            ok &= good
        if not args.check:
            path = os.path.normpath(os.path.join(args.out_dir, m.name + ".yaml"))
            with open(path, "w") as f:
                f.write(m.to_yaml())
            where = " -> " + path
        else:
            where = ""
        print("%-11s %4d layers  %.4f GMACs (%d)  %.3f M params (%d)  outputs %s%s%s"
              % (m.name, len(m.layers), m.macs / 1e9, m.macs, m.params / 1e6, m.params,
                 m.outputs(), where, status))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

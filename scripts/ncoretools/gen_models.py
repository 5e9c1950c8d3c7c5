"""Generates ncoresim model YAML files (models/*.yaml).

The YAML is written as text in the compact flow style of the model format (one layer per line).
Each model is a function that builds a `Model` with the builder methods below; the builder only
writes layers, it computes no shapes, MACs or parameters. Those are what `ncoresim inspect`
reports for the written file, and they are checked against published figures (EXPECTED) and,
where a builder relies on a shape, against that shape (EXPECTED_SHAPES); so the figures come
from the simulator's own layer arithmetic, never from a second copy of it here.

To add a model: write `def build_xxx() -> Model`, add it to MODELS, and (optionally) an entry in
EXPECTED with its reference MACs/params. Transformer builders take a `seq` argument (tokens per
sample), set by --seq; a non-default --seq writes `<model>_seq<N>.yaml` so the default files stay
put. Needs the ncoresim binary (--ncoresim, $NCORESIM or build/ncoresim).

Usage: scripts/gen_models.py [--out-dir DIR] [--check] [--seq N] [--ncoresim BIN] [model ...]
"""

import argparse
import inspect
import os
import sys
import tempfile

from . import cli, runner


def _is_one(v):
    """True for 1 and [1, 1]: a stride or padding the format's default already says."""
    return list(v) == [1, 1] if isinstance(v, (list, tuple)) else v == 1


def _is_zero(v):
    return list(v) == [0, 0] if isinstance(v, (list, tuple)) else v == 0


def _fmt(v):
    """Format a value in YAML flow style."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


class Model:
    """Builds a model layer by layer: its layers' fields and which tensors feed which."""

    def __init__(self, name, channels, height=1, width=1, header=(), root=None):
        self.name = name
        self.header = list(header)
        self.input = (channels, height, width)
        self.root = dict(root or {})          # root keys after `input:` (decoder, max_context)
        self.layers = []                      # list of (name, ordered field dict)
        self.last = "input"
        self.consumed = set()
        self.named_outputs = []               # consumed tensors the model also returns

    def _add(self, name, kind, inputs, fields, listed=False, phase_only=False):
        """Append a layer. `inputs` None means the previous layer; they are written when given
        and different from it, or always when `listed` (add and matmul), right after the kind.
        `phase_only`: the layer runs only in a decoder's phase runs (prefill, decode), not in a
        full forward; it is written last."""
        if isinstance(inputs, str):
            inputs = [inputs]
        d = {"name": name, "kind": kind}
        if inputs is None:
            inputs = [self.last]
        elif listed or inputs != [self.last]:
            d["inputs"] = list(inputs)
        d.update(fields)
        if phase_only:
            d["phase_only"] = True
        self.layers.append((name, d))
        self.consumed.update(inputs)
        self.last = name
        return name

    def full_forward_layers(self):
        """The layers a run without a phase has (ncoresim skips the phase_only ones)."""
        return [n for n, d in self.layers if not d.get("phase_only")]

    # ---- layer builders ----------------------------------------------------
    def conv2d(self, name, out_channels, kernel, stride=1, padding=0, groups=1,
               bias=True, activation="none", inputs=None):
        fields = {"out_channels": out_channels, "kernel": kernel}
        if not _is_one(stride):
            fields["stride"] = stride
        if not _is_zero(padding):
            fields["padding"] = padding
        if groups != 1:
            fields["groups"] = groups
        fields["bias"] = bias
        fields["activation"] = activation
        return self._add(name, "conv2d", inputs, fields)

    def linear(self, name, out_features, bias=True, activation="none", tied=False, inputs=None,
               phase_only=False):
        fields = {"out_features": out_features}
        if not bias:
            fields["bias"] = False
        if activation != "none":
            fields["activation"] = activation
        if tied:
            fields["tied"] = True
        return self._add(name, "linear", inputs, fields, phase_only=phase_only)

    def _pool(self, kind, name, kernel, stride, padding, inputs):
        fields = {"kernel": kernel, "stride": stride}
        if not _is_zero(padding):
            fields["padding"] = padding
        return self._add(name, kind, inputs, fields)

    def maxpool(self, name, kernel, stride=1, padding=0, inputs=None):
        return self._pool("maxpool", name, kernel, stride, padding, inputs)

    def avgpool(self, name, kernel, stride=1, padding=0, inputs=None):
        return self._pool("avgpool", name, kernel, stride, padding, inputs)

    def global_avgpool(self, name, inputs=None):
        return self._add(name, "global_avgpool", inputs, {})

    def add(self, name, inputs, activation="none"):
        fields = {"activation": activation} if activation != "none" else {}
        return self._add(name, "add", inputs, fields, listed=True)

    def relu(self, name, inputs=None):
        return self._add(name, "relu", inputs, {})

    def flatten(self, name, inputs=None):
        return self._add(name, "flatten", inputs, {})

    # ---- transformer layers (tensors are (features, tokens, 1)) -----------
    def embedding(self, name, vocab, hidden, broadcast=False, inputs=None):
        fields = {"vocab": vocab, "hidden": hidden}
        if broadcast:
            fields["broadcast"] = True
        return self._add(name, "embedding", inputs, fields)

    def matmul(self, name, inputs, heads=1, transpose_b=False, kv_heads=None):
        fields = {}
        if heads != 1:
            fields["heads"] = heads
        if kv_heads is not None and kv_heads != heads:
            fields["kv_heads"] = kv_heads
        if transpose_b:
            fields["transpose_b"] = True
        return self._add(name, "matmul", inputs, fields, listed=True)

    def softmax(self, name, inputs=None):
        return self._add(name, "softmax", inputs, {})

    def gelu(self, name, inputs=None):
        return self._add(name, "gelu", inputs, {})

    def layernorm(self, name, inputs=None):
        return self._add(name, "layernorm", inputs, {})

    def rmsnorm(self, name, inputs=None):
        return self._add(name, "rmsnorm", inputs, {})

    def rope(self, name, heads, inputs=None):
        return self._add(name, "rope", inputs, {"heads": heads})

    def mul(self, name, inputs):
        return self._add(name, "mul", inputs, {}, listed=True)

    def slice(self, name, start=0, count=1, inputs=None):
        fields = {"start": start} if start != 0 else {}
        fields["count"] = count
        return self._add(name, "slice", inputs, fields)

    def last_token(self, name, inputs, phase_only=False):
        """The last token (slice last: true), written with its input and axis spelled out."""
        return self._add(name, "slice", inputs, {"axis": "height", "last": True, "count": 1},
                         listed=True, phase_only=phase_only)

    # ---- output ------------------------------------------------------------
    def outputs(self):
        return [n for n, _ in self.layers if n not in self.consumed or n in self.named_outputs]

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
        lines.extend("%s: %s" % (k, _fmt(v)) for k, v in self.root.items())
        lines.append("layers:")
        for _, d in self.layers:
            body = ", ".join("%s: %s" % (k, _fmt(v)) for k, v in d.items())
            lines.append("  - {%s}" % body)
        if self.named_outputs:
            lines.append("outputs: [%s]" % ", ".join(self.named_outputs))
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def _resnet(m, block, blocks, expansion):
    """torchvision's ResNet around `block`: the 7x7/2 conv and 3x3/2 maxpool stem, four stages of
    widths 64-512 (`blocks` blocks each; the first block of stages 2-4 strides 2 and, like any
    block whose output channels differ from its input's, has a downsample conv), then global
    average pool and fc. `expansion`: a block's output channels per unit of width."""
    m.conv2d("conv1", 64, 7, stride=2, padding=3, activation="relu")
    m.maxpool("pool1", 3, stride=2, padding=1)
    in_ch = 64
    for stage, (n, width) in enumerate(zip(blocks, [64, 128, 256, 512]), 1):
        for b in range(n):
            stride = 2 if (b == 0 and stage > 1) else 1
            downsample = b == 0 and (stride != 1 or in_ch != width * expansion)
            block(m, "layer%d.%d" % (stage, b), width, stride, downsample)
            in_ch = width * expansion
    m.global_avgpool("gap")
    m.linear("fc", 1000)
    return m


def _residual_add(m, prefix, main, block_in, channels, stride, downsample):
    """A block's end: `main` + the block's input (through a 1x1 downsample conv when the shape
    changes), ReLU fused."""
    shortcut = m.conv2d(prefix + ".downsample", channels, 1, stride=stride, inputs=block_in) \
        if downsample else block_in
    return m.add(prefix + ".add", [main, shortcut], activation="relu")


def _bottleneck(m, prefix, width, stride, downsample):
    """torchvision Bottleneck (v1.5: stride on the 3x3 conv), BN folded."""
    block_in = m.last
    m.conv2d(prefix + ".conv1", width, 1, activation="relu")
    m.conv2d(prefix + ".conv2", width, 3, stride=stride, padding=1, activation="relu")
    main = m.conv2d(prefix + ".conv3", width * 4, 1)
    return _residual_add(m, prefix, main, block_in, width * 4, stride, downsample)


def build_resnet50():
    m = Model("resnet50", 3, 224, 224, header=[
        "ResNet-50 v1.5 (torchvision resnet50), 224x224 input, 1000 ImageNet classes.",
        "Architecture: He et al., \"Deep Residual Learning for Image Recognition\" (2015),",
        "with torchvision's v1.5 change (stride 2 on the 3x3 conv of each stage's first block).",
        "BatchNorm folded into the preceding conv (per-channel bias); ReLU fused into evictions.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    return _resnet(m, _bottleneck, [3, 4, 6, 3], expansion=4)


def _basic_block(m, prefix, width, stride, downsample):
    """torchvision BasicBlock (two 3x3 convs), BN folded."""
    block_in = m.last
    m.conv2d(prefix + ".conv1", width, 3, stride=stride, padding=1, activation="relu")
    main = m.conv2d(prefix + ".conv2", width, 3, padding=1)
    return _residual_add(m, prefix, main, block_in, width, stride, downsample)


def build_resnet18():
    m = Model("resnet18", 3, 224, 224, header=[
        "ResNet-18 (torchvision resnet18), 224x224 input, 1000 ImageNet classes.",
        "Architecture: He et al., \"Deep Residual Learning for Image Recognition\" (2015),",
        "BasicBlock [2, 2, 2, 2]; 1x1 stride-2 downsample convs on stages 2-4.",
        "Published: 1.82 GMACs, 11.69 M params (torchvision, BN counted as 2 params/channel).",
        "BatchNorm folded into the preceding conv (per-channel bias); ReLU fused into evictions.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ])
    return _resnet(m, _basic_block, [2, 2, 2, 2], expansion=1)


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
    m.avgpool("avgpool", 1, stride=1)   # AdaptiveAvgPool2d((7, 7)) on a 7x7 map: EXPECTED_SHAPES
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


def _attention(m, p, x, hidden, heads):
    """Multi-head self-attention on tensor x, up to the context (before the output linear):
    q/k/v linears, scores = Q K^T per head, softmax, context = P V."""
    q = m.linear(p + "q", hidden, inputs=[x])
    k = m.linear(p + "k", hidden, inputs=[x])
    v = m.linear(p + "v", hidden, inputs=[x])
    m.matmul(p + "scores", [q, k], heads=heads, transpose_b=True)
    probs = m.softmax(p + "probs")
    return m.matmul(p + "ctx", [probs, v], heads=heads)


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
        _attention(m, p, x, hidden, heads)
        m.linear(p + "attn_out", hidden)
        m.add(p + "attn_add", [m.last, x])
        h = m.layernorm(p + "attn_ln")
        m.linear(p + "ffn1", ffn, activation="gelu")
        m.linear(p + "ffn2", hidden)
        m.add(p + "ffn_add", [m.last, h])
        x = m.layernorm(p + "ffn_ln")
    m.slice("pooler.cls", count=1)
    m.linear("pooler.dense", hidden, activation="tanh")
    m.named_outputs = [x]     # Hugging Face BertModel returns the last hidden state too
    return m


_BERT_NOTES = [
    "Embeddings: word, position (broadcast: same rows for every sample) and token type, all",
    "indexed by the token-id input; their sum is layer-normalized. Post-LN encoder layers:",
    "q/k/v linears, scores = Q K^T per head, softmax, context = P V, output linear, residual",
    "add + layernorm, FFN (GELU fused) + residual add + layernorm. Pooler: [CLS] slice + linear",
    "+ tanh. Outputs, as Hugging Face BertModel (AutoModel) returns them: the last hidden state",
    "(the last layernorm, which the pooler reads too) and the pooler's. Omitted (elementwise, no params): the 1/sqrt(d_head) score scaling, the attention",
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


def _gpt2(name, title, published, seq, hidden, layers, heads, ffn, vocab=50257, max_pos=1024):
    assert seq <= max_pos, "seq %d exceeds %d positions" % (seq, max_pos)
    m = Model(name if seq == 128 else "%s_seq%d" % (name, seq), 1, seq, header=[
        "%s, one prefill of %d tokens per sample: hidden %d, %d layers, %d heads."
        % (title, seq, hidden, layers, heads),
        "Architecture: Radford et al., \"Language Models are Unsupervised Multitask Learners\"",
        "(2019); %s." % published,
        "Token (wte) + position (wpe, broadcast) embeddings; pre-LN decoder blocks: ln1, q/k/v",
        "linears (HF's fused c_attn split in three; same weights), scores = Q K^T per head,",
        "softmax, context = P V, projection, residual add; ln2, fc (GELU fused), projection,",
        "residual add; final ln_f. The causal mask is omitted: the full scores are computed, as a",
        "prefill kernel without skipping would. The 1/sqrt(d_head) scaling and dropout are",
        "omitted (elementwise, no params). The LM head is tied to wte (no extra params). It and",
        "the last-token slice before it are phase_only: a run with a decoder phase computes the",
        "last token's logits; a full forward ends at ln_f and computes no logits.",
        "generated by scripts/gen_models.py; do not edit by hand",
    ], root={"decoder": True, "max_context": max_pos})
    m.embedding("wte", vocab, hidden, inputs=["input"])
    m.embedding("wpe", max_pos, hidden, broadcast=True, inputs=["input"])
    x = m.add("emb.add", ["wte", "wpe"])
    for i in range(layers):
        p = "h%d." % i
        a = m.layernorm(p + "ln1", inputs=[x])
        _attention(m, p, a, hidden, heads)
        m.linear(p + "attn_proj", hidden)
        r = m.add(p + "attn_add", [m.last, x])
        m.layernorm(p + "ln2")
        m.linear(p + "fc", ffn, activation="gelu")
        m.linear(p + "mlp_proj", hidden)
        x = m.add(p + "mlp_add", [m.last, r])
    m.layernorm("ln_f")
    m.last_token("last", ["ln_f"], phase_only=True)
    m.linear("lm_head", vocab, bias=False, tied=True, phase_only=True)
    return m


def build_gpt2_small(seq=128):
    return _gpt2("gpt2_small", "GPT-2 small (124M)",
                 "Hugging Face gpt2. Published: 124 M params (124.44 M exactly)", seq,
                 hidden=768, layers=12, heads=12, ffn=3072)


def build_gpt2_medium(seq=128):
    return _gpt2("gpt2_medium", "GPT-2 medium (355M)",
                 "Hugging Face gpt2-medium. Published: 355 M params (354,823,168 exactly)", seq,
                 hidden=1024, layers=24, heads=16, ffn=4096)


def build_gpt2_large(seq=128):
    return _gpt2("gpt2_large", "GPT-2 large (774M)",
                 "Hugging Face gpt2-large. Published: 774 M params (774,030,080 exactly)", seq,
                 hidden=1280, layers=36, heads=20, ffn=5120)


def _llama(name, header, hidden, layers, heads, kv_heads, ffn, seq, vocab=32000, max_pos=2048):
    """A Llama decoder (Hugging Face LlamaForCausalLM): token embeddings (no position table; RoPE
    on q and k), pre-RMSNorm blocks with grouped-query attention and a SwiGLU MLP, final norm,
    the last token's slice and an untied LM head. head_dim = hidden / heads."""
    assert seq <= max_pos, "seq %d exceeds %d positions" % (seq, max_pos)
    head_dim = hidden // heads
    m = Model(name if seq == 128 else "%s_seq%d" % (name, seq), 1, seq, header=header,
              root={"decoder": True, "max_context": max_pos})
    x = m.embedding("embed_tokens", vocab, hidden, inputs=["input"])
    for i in range(layers):
        p = "layer%d." % i
        a = m.rmsnorm(p + "input_norm", inputs=[x])
        m.linear(p + "q", hidden, bias=False, inputs=[a])
        k = m.linear(p + "k", kv_heads * head_dim, bias=False, inputs=[a])
        v = m.linear(p + "v", kv_heads * head_dim, bias=False, inputs=[a])
        q = m.rope(p + "q_rope", heads, inputs=[p + "q"])
        k = m.rope(p + "k_rope", kv_heads, inputs=[k])
        m.matmul(p + "scores", [q, k], heads=heads, kv_heads=kv_heads, transpose_b=True)
        probs = m.softmax(p + "probs")
        m.matmul(p + "ctx", [probs, v], heads=heads, kv_heads=kv_heads)
        m.linear(p + "o", hidden, bias=False)
        r = m.add(p + "attn_add", [m.last, x])
        h = m.rmsnorm(p + "post_norm")
        gate = m.linear(p + "gate", ffn, bias=False, activation="silu", inputs=[h])
        up = m.linear(p + "up", ffn, bias=False, inputs=[h])
        m.mul(p + "mul", [gate, up])
        m.linear(p + "down", hidden, bias=False)
        x = m.add(p + "mlp_add", [m.last, r])
    m.rmsnorm("norm")
    m.last_token("last", ["norm"])
    m.linear("lm_head", vocab, bias=False)
    return m


_LLAMA_NOTES = [
    "Blocks (Hugging Face LlamaDecoderLayer): input RMSNorm; q, k, v linears (no bias; k and v",
    "kv_heads x 64 features); RoPE (rotate-half, theta 10000) on q and k; scores = Q K^T per",
    "head, the query heads sharing their K/V head (grouped-query attention); softmax; context",
    "= P V; o linear; residual add; post-attention RMSNorm; SwiGLU MLP: gate (SiLU fused) x up,",
    "down; residual add. Final RMSNorm, the last token's slice, then the untied LM head (the",
    "last token's logits). The causal mask and the 1/sqrt(head_dim) scaling are omitted",
    "(elementwise, no params); the full scores are computed, as a prefill kernel without",
    "skipping would. The matmuls' second inputs are the K (after RoPE) and V tensors: what a",
    "KV cache holds.",
]


def build_tinyllama_1b(seq=128):
    return _llama("tinyllama_1b", [
        "TinyLlama-1.1B v1.0, one prefill of %d tokens per sample: hidden 2048, 22 layers, 32" % seq,
        "heads, 4 KV heads (head_dim 64), SwiGLU intermediate 5632, vocab 32000, 2048 positions.",
        "Architecture: Zhang et al., \"TinyLlama: An Open-Source Small Language Model\" (2024),",
        "the Llama 2 architecture; Hugging Face TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json",
        "(untied LM head). Published: 1.1 B params (1,100,048,384 exactly).",
    ] + _LLAMA_NOTES + [
        "generated by scripts/gen_models.py; do not edit by hand",
    ], hidden=2048, layers=22, heads=32, kv_heads=4, ffn=5632, seq=seq, max_pos=2048)


def build_llama2_7b(seq=128):
    return _llama("llama2_7b", [
        "Llama 2 7B, one prefill of %d tokens per sample: hidden 4096, 32 layers, 32 heads" % seq,
        "(32 KV heads: multi-head attention), SwiGLU intermediate 11008, vocab 32000, 4096",
        "positions. Architecture: Touvron et al., \"Llama 2: Open Foundation and Fine-Tuned Chat",
        "Models\" (2023); Hugging Face meta-llama/Llama-2-7b-hf config.json (untied LM head).",
        "Published: 7 B params (6,738,415,616 exactly).",
    ] + _LLAMA_NOTES + [
        "generated by scripts/gen_models.py; do not edit by hand",
    ], hidden=4096, layers=32, heads=32, kv_heads=32, ffn=11008, seq=seq, max_pos=4096)


MODELS = {
    "resnet50": build_resnet50,
    "resnet18": build_resnet18,
    "vgg16": build_vgg16,
    "mobilenetv2": build_mobilenetv2,
    "bert_base": build_bert_base,
    "bert_large": build_bert_large,
    "gpt2_small": build_gpt2_small,
    "gpt2_medium": build_gpt2_medium,
    "gpt2_large": build_gpt2_large,
    "tinyllama_1b": build_tinyllama_1b,
    "llama2_7b": build_llama2_7b,
}

# Reference figures (MACs, params) per sample, checked against `ncoresim inspect` to
# +-TOLERANCE; None = not checked. ResNet-50 uses exact folded-BN figures; the others use the
# published (rounded) figures the project's tests assert. Transformer MACs depend on seq: not
# checked.
TOLERANCE = 0.02
EXPECTED = {
    "resnet50": (4.089e9, 25.53e6),
    "resnet18": (1.82e9, 11.69e6),
    "vgg16": (15.5e9, 138e6),
    "mobilenetv2": (0.30e9, 3.5e6),
    "bert_base": (None, 110e6),
    "bert_large": (None, 340e6),
    "gpt2_small": (None, 124e6),
    "gpt2_medium": (None, 355e6),
    "gpt2_large": (None, 774e6),
    "tinyllama_1b": (None, 1.1e9),
    "llama2_7b": (None, 6.74e9),
}
# Exact published parameter counts (Hugging Face's num_parameters(), the tied LM head counted
# once), checked with equality on top of EXPECTED's rounded figures.
PUBLISHED_PARAMS = {
    "gpt2_small": 124_439_808,
    "gpt2_medium": 354_823_168,
    "gpt2_large": 774_030_080,
    "tinyllama_1b": 1_100_048_384,
    "llama2_7b": 6_738_415_616,
}
# Output shapes (CxHxW, as `ncoresim inspect` prints them) that a builder relies on.
EXPECTED_SHAPES = {
    "vgg16": {"pool5": "512x7x7"},   # so the 1x1 avgpool is torchvision's 7x7 adaptive one
}


def _close(value, ref):
    return ref is None or abs(value / ref - 1) <= TOLERANCE


def check(name, m, path, binary=None):
    """`ncoresim inspect` of the file written from model `m` (MODELS[name]) -> (inspection,
    what does not match: the layers written (but the phase_only ones, which a full forward
    skips), EXPECTED[name], PUBLISHED_PARAMS[name], EXPECTED_SHAPES[name])."""
    info = runner.inspect(path, binary=binary)
    problems = []
    if list(info.layers["layer"]) != m.full_forward_layers():
        problems.append("ncoresim reads other layers than those written")
    emacs, eparams = EXPECTED.get(name, (None, None))
    if not (_close(info.macs, emacs) and _close(info.params, eparams)):
        problems.append("expected %s MACs, %s params" % tuple(
            "-" if v is None else "%.4g" % v for v in (emacs, eparams)))
    published = PUBLISHED_PARAMS.get(name)
    if published is not None and info.params != published:
        problems.append("expected exactly %d params, got %d" % (published, info.params))
    shapes = dict(zip(info.layers["layer"], info.layers["output"]))
    for layer, shape in EXPECTED_SHAPES.get(name, {}).items():
        if shapes.get(layer) != shape:
            problems.append("%s outputs %s, expected %s" % (layer, shapes.get(layer), shape))
    return info, problems


def main(argv=None):
    ap = argparse.ArgumentParser(prog="gen_models.py", description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(runner.REPO, "models"))
    ap.add_argument("--check", action="store_true",
                    help="only write into a temporary folder and check totals")
    ap.add_argument("--seq", type=int, default=None,
                    help="tokens per sample for the transformer models (default 128); "
                         "a non-default value writes <model>_seq<N>.yaml")
    ap.add_argument("--ncoresim", help="the ncoresim binary (default: $NCORESIM, build/ncoresim)")
    ap.add_argument("models", nargs="*", help="models to generate (default: all)")
    args = ap.parse_args(argv)

    names = args.models or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print("unknown model %r (known: %s)" % (unknown[0], ", ".join(MODELS)), file=sys.stderr)
        return 2
    ok = True
    with tempfile.TemporaryDirectory(prefix="gen_models-") as tmp:
        for name in names:
            fn = MODELS[name]
            kwargs = {}
            if args.seq is not None and "seq" in inspect.signature(fn).parameters:
                kwargs["seq"] = args.seq
            m = fn(**kwargs)
            path = os.path.normpath(os.path.join(tmp if args.check else args.out_dir,
                                                 m.name + ".yaml"))
            with open(path, "w") as f:
                f.write(m.to_yaml())
            info, problems = check(name, m, path, args.ncoresim)
            status = "  [MISMATCH: %s]" % "; ".join(problems) if problems else \
                "  [OK]" if name in EXPECTED or name in EXPECTED_SHAPES else ""
            ok &= not problems
            print("%-11s %4d layers  %.4f GMACs (%d)  %.3f M params (%d)  outputs %s%s%s"
                  % (m.name, len(m.layers), info.macs / 1e9, info.macs, info.params / 1e6,
                     info.params, m.outputs(), "" if args.check else " -> " + path, status))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(cli.entry("gen_models.py", main))

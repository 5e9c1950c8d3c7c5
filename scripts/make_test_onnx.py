#!/usr/bin/python3
"""Generate the small ONNX models the importer tests read (tests/data/onnx/*.onnx).

Needs Debian's python3-onnx (ONNX 1.12; `apt-get install python3-onnx`), used only here: the
tests read the committed files and never run Python. Deterministic: weights are zeros (the
importer reads shapes and dtypes, never values), node names are fixed, and the graphs are
written out by onnx.helper as an exporter would (torch.onnx's patterns: Shape -> Gather ->
Unsqueeze -> Concat -> Reshape for the heads, Add(bias, MatMul), the LayerNorm and Erf GELU
patterns, a mask built from the attention_mask input).

Models (the hand-computed MACs and parameters are in tests/workload/test_onnx_import.cpp):
  small_cnn.onnx        conv + BN + relu, maxpool, residual add, depthwise conv + BN + relu6,
                        avgpool, a SAME_UPPER strided conv, global pool, flatten, gemm;
                        dynamic batch dim "batch"
  small_cnn_ext.onnx    the same with every initializer in external data (small_cnn_ext.bin)
  mlp_batch4.onnx       MatMul + Add bias + Relu, Gemm, Softmax with a fixed batch of 4
  dynamic_seq.onnx      an input with a dynamic non-batch dim (an import error)
  unsupported.onnx      LRN, a Concat of activations, InstanceNormalization and an op in a
                        custom domain (one import error listing all four)
  attention.onnx        a BERT-style encoder layer (hidden 32, 4 heads, 8 tokens, FFN 64) with
                        word/position/token-type embeddings, a pooler and a padding mask

Usage: /usr/bin/python3 scripts/make_test_onnx.py  (from anywhere; writes tests/data/onnx/)
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")


class G:
    """A graph under construction: nodes, initializers (zeros), fixed node names."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def init(self, name, shape, dtype=np.float32, values=None):
        a = np.zeros(shape, dtype=dtype) if values is None else np.array(values, dtype=dtype)
        self.inits.append(numpy_helper.from_array(a, name))
        return name

    def const(self, values, dtype=np.int64):
        self.n += 1
        name = f"const_{self.n}"
        t = numpy_helper.from_array(np.array(values, dtype=dtype), name + "_value")
        self.nodes.append(helper.make_node("Constant", [], [name], name=name, value=t))
        return name

    def op(self, op, inputs, name, outputs=1, domain=None, **attrs):
        outs = [f"{name}_out{i}" if i else f"{name}_out" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, name, inputs, outputs, opset=14, extra_opsets=()):
        g = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in extra_opsets]
        m = helper.make_model(g, opset_imports=opsets, producer_name="make_test_onnx.py")
        m.ir_version = 8
        return m


def tensor(name, dtype, dims):
    return helper.make_tensor_value_info(name, dtype, dims)


def conv(g, x, name, cin, cout, k, bias=True, group=1, **attrs):
    w = g.init(name + ".weight", (cout, cin // group, k, k))
    ins = [x, w] + ([g.init(name + ".bias", (cout,))] if bias else [])
    return g.op("Conv", ins, name, kernel_shape=[k, k], group=group, **attrs)


def bn(g, x, name, c):
    ins = [x] + [g.init(f"{name}.{p}", (c,)) for p in ("scale", "bias", "mean", "var")]
    return g.op("BatchNormalization", ins, name)


def small_cnn():
    g = G()
    x = conv(g, "x", "conv1", 3, 8, 3, bias=False, pads=[1, 1, 1, 1])
    x = g.op("Relu", [bn(g, x, "bn1", 8)], "relu1")
    pool = g.op("MaxPool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])
    x = g.op("Relu", [conv(g, pool, "conv2", 8, 8, 3, pads=[1, 1, 1, 1])], "relu2")
    x = bn(g, conv(g, x, "conv3", 8, 8, 3, bias=False, pads=[1, 1, 1, 1]), "bn3", 8)
    x = g.op("Relu", [g.op("Add", [x, pool], "add1")], "relu3")
    x = bn(g, conv(g, x, "dw4", 8, 8, 3, bias=False, group=8, pads=[1, 1, 1, 1]), "bn4", 8)
    x = g.op("Clip", [x, g.const(0.0, np.float32), g.const(6.0, np.float32)], "relu6_4")
    x = g.op("AveragePool", [x], "pool2", kernel_shape=[2, 2], strides=[2, 2])
    x = g.op("Relu", [conv(g, x, "conv5", 8, 16, 3, strides=[2, 2], auto_pad="SAME_UPPER")], "relu5")
    x = g.op("GlobalAveragePool", [x], "gap")
    x = g.op("Flatten", [x], "flatten", axis=1)
    w, b = g.init("fc.weight", (10, 16)), g.init("fc.bias", (10,))
    g.op("Gemm", [x, w, b], "fc", transB=1)
    g.nodes[-1].output[0] = "logits"
    return g.model("small_cnn", [tensor("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                   [tensor("logits", TensorProto.FLOAT, ["batch", 10])])


def mlp_batch4():
    g = G()
    x = g.op("MatMul", ["x", g.init("fc1.weight_t", (64, 32))], "fc1")
    x = g.op("Add", [g.init("fc1.bias", (32,)), x], "fc1_bias")
    x = g.op("Relu", [x], "relu1")
    x = g.op("Gemm", [x, g.init("fc2.weight", (10, 32)), g.init("fc2.bias", (10,))], "fc2", transB=1)
    g.op("Softmax", [x], "softmax", axis=-1)
    g.nodes[-1].output[0] = "probs"
    return g.model("mlp_batch4", [tensor("x", TensorProto.FLOAT, [4, 64])],
                   [tensor("probs", TensorProto.FLOAT, [4, 10])])


def dynamic_seq():
    g = G()
    g.op("MatMul", ["x", g.init("w", (16, 16))], "proj")
    g.nodes[-1].output[0] = "y"
    return g.model("dynamic_seq", [tensor("x", TensorProto.FLOAT, ["batch", "sequence", 16])],
                   [tensor("y", TensorProto.FLOAT, ["batch", "sequence", 16])])


def unsupported():
    g = G()
    c1 = conv(g, "x", "conv1", 3, 8, 3, pads=[1, 1, 1, 1])
    lrn = g.op("LRN", [c1], "lrn_1", size=3)
    c2 = conv(g, lrn, "conv2", 8, 8, 3, pads=[1, 1, 1, 1])
    cat = g.op("Concat", [c2, lrn], "concat_1", axis=1)
    norm = g.op("InstanceNormalization", [cat, g.init("in.scale", (16,)), g.init("in.bias", (16,))],
                "inorm")
    custom = g.op("MyOp", [norm], "custom", domain="com.example")
    gap = g.op("GlobalAveragePool", [custom], "gap")
    g.op("Flatten", [gap], "flatten")
    g.nodes[-1].output[0] = "y"
    return g.model("unsupported", [tensor("x", TensorProto.FLOAT, ["batch", 3, 8, 8])],
                   [tensor("y", TensorProto.FLOAT, ["batch", 16])], extra_opsets=["com.example"])


# BERT-style encoder layer, written the way torch.onnx exports Hugging Face's BertModel.
T, HID, HEADS, FFN, VOCAB, POS = 8, 32, 4, 64, 50, 16
DH = HID // HEADS


def layernorm_pattern(g, x, p):
    mean = g.op("ReduceMean", [x], p + "/ReduceMean", axes=[-1])
    d = g.op("Sub", [x, mean], p + "/Sub")
    sq = g.op("Pow", [d, g.const(2.0, np.float32)], p + "/Pow")
    var = g.op("ReduceMean", [sq], p + "/ReduceMean_1", axes=[-1])
    std = g.op("Sqrt", [g.op("Add", [var, g.const(1e-12, np.float32)], p + "/Add")], p + "/Sqrt")
    y = g.op("Div", [d, std], p + "/Div")
    y = g.op("Mul", [y, g.init(p + ".weight", (HID,))], p + "/Mul")
    return g.op("Add", [y, g.init(p + ".bias", (HID,))], p + "/Add_1")


def linear(g, x, p, k, n):
    y = g.op("MatMul", [x, g.init(p + ".weight_t", (k, n))], p + "/MatMul")
    return g.op("Add", [g.init(p + ".bias", (n,)), y], p + "/Add")


def dim_of(g, x, i, p):
    s = g.op("Shape", [x], f"{p}/Shape_{i}")
    return g.op("Unsqueeze", [g.op("Gather", [s, g.const(i)], f"{p}/Gather_{i}", axis=0), g.const([0])],
                f"{p}/Unsqueeze_{i}")


def split_heads(g, x, p, dynamic):
    if dynamic:  # x.view(x.size()[:-1] + (heads, d)) as torch exports it
        shape = g.op("Concat", [dim_of(g, x, 0, p), dim_of(g, x, 1, p), g.const([HEADS]), g.const([DH])],
                     p + "/Concat", axis=0)
    else:
        shape = g.const([0, T, HEADS, DH])
    return g.op("Reshape", [x, shape], p + "/Reshape")


def attention():
    g = G()
    # embeddings: word (token ids), token type (a zero buffer expanded), position (a buffer sliced)
    seq = dim_of(g, "input_ids", 1, "emb")
    pos_ids = g.op("Slice", [g.init("emb.position_ids", (1, POS), np.int64, [list(range(POS))]),
                             g.const([0]), seq, g.const([1])], "emb/Slice")
    tt_ids = g.op("Slice", [g.init("emb.token_type_ids", (1, POS), np.int64), g.const([0]), seq,
                            g.const([1])], "emb/Slice_1")
    tt_ids = g.op("Expand", [tt_ids, g.op("Shape", ["input_ids"], "emb/Shape")], "emb/Expand")
    word = g.op("Gather", [g.init("emb.word.weight", (VOCAB, HID)), "input_ids"], "emb/word/Gather")
    tt = g.op("Gather", [g.init("emb.tt.weight", (2, HID)), tt_ids], "emb/tt/Gather")
    pos = g.op("Gather", [g.init("emb.pos.weight", (POS, HID)), pos_ids], "emb/pos/Gather")
    h = g.op("Add", [g.op("Add", [word, tt], "emb/Add"), pos], "emb/Add_1")
    h = layernorm_pattern(g, h, "emb/ln")
    # the padding mask: (1 - mask[:, None, None, :]) * -10000
    m = g.op("Unsqueeze", ["attention_mask", g.const([1, 2])], "mask/Unsqueeze")
    m = g.op("Cast", [m], "mask/Cast", to=TensorProto.FLOAT)
    m = g.op("Sub", [g.const(1.0, np.float32), m], "mask/Sub")
    m = g.op("Mul", [m, g.const(-10000.0, np.float32)], "mask/Mul")
    # self-attention
    q = split_heads(g, linear(g, h, "attn/q", HID, HID), "attn/q_heads", True)
    k = split_heads(g, linear(g, h, "attn/k", HID, HID), "attn/k_heads", False)
    v = split_heads(g, linear(g, h, "attn/v", HID, HID), "attn/v_heads", False)
    q = g.op("Transpose", [q], "attn/Transpose", perm=[0, 2, 1, 3])
    kt = g.op("Transpose", [k], "attn/Transpose_k", perm=[0, 2, 3, 1])
    v = g.op("Transpose", [v], "attn/Transpose_v", perm=[0, 2, 1, 3])
    s = g.op("MatMul", [q, kt], "attn/scores")
    s = g.op("Div", [s, g.const(float(np.sqrt(DH)), np.float32)], "attn/Div")
    s = g.op("Add", [s, m], "attn/mask_add")
    p = g.op("Softmax", [s], "attn/Softmax", axis=-1)
    c = g.op("MatMul", [p, v], "attn/context")
    c = g.op("Transpose", [c], "attn/Transpose_c", perm=[0, 2, 1, 3])
    c = g.op("Reshape", [c, g.const([0, T, HID])], "attn/merge")
    a = g.op("Add", [linear(g, c, "attn/o", HID, HID), h], "attn/residual")
    a = layernorm_pattern(g, a, "attn/ln")
    # FFN with the Erf GELU: x * 0.5 * (1 + erf(x / sqrt 2))
    f = linear(g, a, "ffn/i", HID, FFN)
    e = g.op("Erf", [g.op("Div", [f, g.const(1.4142135, np.float32)], "ffn/Div")], "ffn/Erf")
    e = g.op("Add", [e, g.const(1.0, np.float32)], "ffn/Add_1")
    f = g.op("Mul", [g.op("Mul", [f, e], "ffn/Mul"), g.const(0.5, np.float32)], "ffn/Mul_1")
    f = g.op("Add", [linear(g, f, "ffn/o", FFN, HID), a], "ffn/residual")
    out = layernorm_pattern(g, f, "ffn/ln")
    # pooler: tanh(W h[:, 0] + b)
    cls = g.op("Gather", [out, g.const(0)], "pool/Gather", axis=1)
    pooled = g.op("Gemm", [cls, g.init("pool.weight", (HID, HID)), g.init("pool.bias", (HID,))],
                  "pool/Gemm", transB=1)
    g.op("Tanh", [pooled], "pool/Tanh")
    g.nodes[-1].output[0] = "pooler_output"
    g.nodes[[n.name for n in g.nodes].index("ffn/ln/Add_1")].output[0] = "last_hidden_state"
    for n in g.nodes:  # the renamed output's readers
        n.input[:] = ["last_hidden_state" if i == "ffn/ln/Add_1_out" else i for i in n.input]
    return g.model("attention", [tensor("input_ids", TensorProto.INT64, ["batch", T]),
                                 tensor("attention_mask", TensorProto.INT64, ["batch", T])],
                   [tensor("last_hidden_state", TensorProto.FLOAT, ["batch", T, HID]),
                    tensor("pooler_output", TensorProto.FLOAT, ["batch", HID])])


def save(model, name, external=None):
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name)
    if external:
        data = os.path.join(OUT, external)
        if os.path.exists(data):
            os.remove(data)
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=external, size_threshold=0)
    else:
        onnx.save_model(model, path)
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    save(small_cnn(), "small_cnn.onnx")
    save(small_cnn(), "small_cnn_ext.onnx", external="small_cnn_ext.bin")
    save(mlp_batch4(), "mlp_batch4.onnx")
    save(dynamic_seq(), "dynamic_seq.onnx")
    save(unsupported(), "unsupported.onnx")
    save(attention(), "attention.onnx")


if __name__ == "__main__":
    main()

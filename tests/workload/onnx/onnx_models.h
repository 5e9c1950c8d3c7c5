// The ONNX models more than one importer test file builds (onnx_builder.h): a conv-bn-relu-pool
// CNN, a mixed CNN (residual add, depthwise conv, relu6, SAME_UPPER padding) and a BERT-style
// encoder with its embeddings, the way torch.onnx exports them. Their YAML twins and figures are
// in the test files. Weights are zeros (the importer reads shapes and dtypes only).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "workload/onnx_builder.h"

namespace ncore::test::onnxb {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kInt64 = onnx::TensorProto::INT64;

// conv-bn-relu-pool CNN: two conv + BatchNorm + Relu + MaxPool stages, a global average pool,
// Flatten and a Gemm classifier; input [batch, 3, 16, 16].
inline Model cnn() {
  Model m("cnn");
  m.input("x", kFloat, {"batch", 3, 16, 16});
  auto x = conv(m, "x", "conv1", 3, 8, 3, false, 1, pads1());
  x = m.op("Relu", {bn(m, x, "bn1", 8)}, "relu1");
  x = m.op("MaxPool", {x}, "pool1", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  x = conv(m, x, "conv2", 8, 16, 3, false, 1, pads1());
  x = m.op("Relu", {bn(m, x, "bn2", 16)}, "relu2");
  x = m.op("MaxPool", {x}, "pool2", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  x = m.op("GlobalAveragePool", {x}, "gap");
  x = m.op("Flatten", {x}, "flatten", {ai("axis", 1)});
  x = m.op("Gemm", {x, m.weight("fc.weight", {10, 16}), m.weight("fc.bias", {10})}, "fc",
           {ai("transB", 1)});
  m.output(x, kFloat, {"batch", 10});
  return m;
}

// Transformers, written the way torch.onnx exports Hugging Face's BertModel: 8 tokens, hidden
// 32, 4 heads of 8, FFN 64 (and for the embeddings: vocabulary 50, 16 positions).
constexpr int64_t kT = 8, kHid = 32, kHeads = 4, kDh = kHid / kHeads, kFfn = 64, kVocab = 50,
                  kPos = 16;

// ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul scale, Add shift.
inline std::string layernorm(Model& m, const std::string& x, const std::string& p) {
  const auto mean = m.op("ReduceMean", {x}, p + "/ReduceMean", {ais("axes", {-1})});
  const auto d = m.op("Sub", {x, mean}, p + "/Sub");
  const auto sq = m.op("Pow", {d, m.constant(2.0f)}, p + "/Pow");
  const auto var = m.op("ReduceMean", {sq}, p + "/ReduceMean_1", {ais("axes", {-1})});
  const auto eps = m.op("Add", {var, m.constant(1e-12f)}, p + "/Add");
  const auto sd = m.op("Sqrt", {eps}, p + "/Sqrt");
  auto y = m.op("Div", {d, sd}, p + "/Div");
  y = m.op("Mul", {y, m.weight(p + ".weight", {kHid})}, p + "/Mul");
  return m.op("Add", {y, m.weight(p + ".bias", {kHid})}, p + "/Add_1");
}

// MatMul by a [k, n] weight, then Add(bias, y) as torch exports nn.Linear.
inline std::string linear(Model& m, const std::string& x, const std::string& p, int64_t k,
                          int64_t n) {
  const auto y = m.op("MatMul", {x, m.weight(p + ".weight_t", {k, n})}, p + "/MatMul");
  return m.op("Add", {m.weight(p + ".bias", {n}), y}, p + "/Add");
}

// x.size(i) as a 1-D tensor: Shape -> Gather -> Unsqueeze.
inline std::string dim_of(Model& m, const std::string& x, int64_t i, const std::string& p) {
  const std::string n = std::to_string(i);
  const auto s = m.op("Shape", {x}, p + "/Shape_" + n);
  const auto g = m.op("Gather", {s, m.scalar(i)}, p + "/Gather_" + n, {ai("axis", 0)});
  return m.op("Unsqueeze", {g, m.ints({0})}, p + "/Unsqueeze_" + n);
}

// [B, T, hidden] -> [B, T, heads, d]: with the shape computed at run time (dynamic), as
// x.view(x.size()[:-1] + (heads, d)) exports, or a constant shape.
inline std::string split_heads(Model& m, const std::string& x, const std::string& p, bool dynamic) {
  std::string shape;
  if (dynamic) {
    const auto b = dim_of(m, x, 0, p);
    const auto t = dim_of(m, x, 1, p);
    shape = m.op("Concat", {b, t, m.ints({kHeads}), m.ints({kDh})}, p + "/Concat", {ai("axis", 0)});
  } else {
    shape = m.ints({0, kT, kHeads, kDh});
  }
  return m.op("Reshape", {x, shape}, p + "/Reshape");
}

// One encoder layer on h [B, T, hidden]: Q/K/V linears, heads split and transposed, Q K^T, the
// 1/sqrt(d) scaling (and the mask when given), Softmax, P V, heads merged, the output linear,
// residual Add, LayerNorm; FFN linear, Erf GELU, linear, residual Add, LayerNorm.
inline std::string encoder_layer(Model& m, const std::string& h, const std::string& mask) {
  const auto q = split_heads(m, linear(m, h, "attn/q", kHid, kHid), "attn/q_heads", true);
  const auto k = split_heads(m, linear(m, h, "attn/k", kHid, kHid), "attn/k_heads", false);
  const auto v = split_heads(m, linear(m, h, "attn/v", kHid, kHid), "attn/v_heads", false);
  const auto qt = m.op("Transpose", {q}, "attn/Transpose", {ais("perm", {0, 2, 1, 3})});
  const auto kt = m.op("Transpose", {k}, "attn/Transpose_k", {ais("perm", {0, 2, 3, 1})});
  const auto vt = m.op("Transpose", {v}, "attn/Transpose_v", {ais("perm", {0, 2, 1, 3})});
  auto s = m.op("MatMul", {qt, kt}, "attn/scores");
  s = m.op("Div", {s, m.constant(std::sqrt(static_cast<float>(kDh)))}, "attn/Div");
  if (!mask.empty()) s = m.op("Add", {s, mask}, "attn/mask_add");
  const auto p = m.op("Softmax", {s}, "attn/Softmax", {ai("axis", -1)});
  auto c = m.op("MatMul", {p, vt}, "attn/context");
  c = m.op("Transpose", {c}, "attn/Transpose_c", {ais("perm", {0, 2, 1, 3})});
  c = m.op("Reshape", {c, m.ints({0, kT, kHid})}, "attn/merge");
  auto a = m.op("Add", {linear(m, c, "attn/o", kHid, kHid), h}, "attn/residual");
  a = layernorm(m, a, "attn/ln");
  // FFN with the Erf GELU: x * 0.5 * (1 + erf(x / sqrt 2))
  const auto f = linear(m, a, "ffn/i", kHid, kFfn);
  auto e = m.op("Div", {f, m.constant(1.4142135f)}, "ffn/Div");
  e = m.op("Erf", {e}, "ffn/Erf");
  e = m.op("Add", {e, m.constant(1.0f)}, "ffn/Add_1");
  auto g = m.op("Mul", {f, e}, "ffn/Mul");
  g = m.op("Mul", {g, m.constant(0.5f)}, "ffn/Mul_1");
  const auto r = m.op("Add", {linear(m, g, "ffn/o", kFfn, kHid), a}, "ffn/residual");
  return layernorm(m, r, "ffn/ln");
}

// A BERT-style model: word, token-type and position embeddings (the position ids a buffer sliced
// to the sequence length, the token types a zero buffer expanded), LayerNorm, a padding mask
// (1 - mask[:, None, None, :]) * -10000 from the attention_mask input, one encoder layer and a
// [CLS] pooler tanh(W h[:, 0] + b).
inline Model bert() {
  Model m("bert", 14);
  m.input("input_ids", kInt64, {"batch", kT});
  m.input("attention_mask", kInt64, {"batch", kT});
  const auto seq = dim_of(m, "input_ids", 1, "emb");
  std::vector<int64_t> positions(kPos);
  for (int64_t i = 0; i < kPos; ++i) positions[static_cast<size_t>(i)] = i;
  const auto pos_ids =
      m.op("Slice",
           {m.int_init("emb.position_ids", {1, kPos}, positions), m.ints({0}), seq, m.ints({1})},
           "emb/Slice");
  auto tt_ids =
      m.op("Slice", {m.int_init("emb.token_type_ids", {1, kPos}), m.ints({0}), seq, m.ints({1})},
           "emb/Slice_1");
  tt_ids = m.op("Expand", {tt_ids, m.op("Shape", {"input_ids"}, "emb/Shape")}, "emb/Expand");
  const auto word =
      m.op("Gather", {m.weight("emb.word.weight", {kVocab, kHid}), "input_ids"}, "emb/word/Gather");
  const auto tt = m.op("Gather", {m.weight("emb.tt.weight", {2, kHid}), tt_ids}, "emb/tt/Gather");
  const auto pos =
      m.op("Gather", {m.weight("emb.pos.weight", {kPos, kHid}), pos_ids}, "emb/pos/Gather");
  auto h = m.op("Add", {m.op("Add", {word, tt}, "emb/Add"), pos}, "emb/Add_1");
  h = layernorm(m, h, "emb/ln");
  auto mask = m.op("Unsqueeze", {"attention_mask", m.ints({1, 2})}, "mask/Unsqueeze");
  mask = m.op("Cast", {mask}, "mask/Cast", {ai("to", kFloat)});
  mask = m.op("Sub", {m.constant(1.0f), mask}, "mask/Sub");
  mask = m.op("Mul", {mask, m.constant(-10000.0f)}, "mask/Mul");
  const auto out = encoder_layer(m, h, mask);
  const auto cls = m.op("Gather", {out, m.scalar(0)}, "pool/Gather", {ai("axis", 1)});
  auto pooled =
      m.op("Gemm", {cls, m.weight("pool.weight", {kHid, kHid}), m.weight("pool.bias", {kHid})},
           "pool/Gemm", {ai("transB", 1)});
  pooled = m.op("Tanh", {pooled}, "pool/Tanh");
  m.output(out, kFloat, {"batch", kT, kHid});
  m.output(pooled, kFloat, {"batch", kHid});
  return m;
}

// A mixed CNN: conv + BN + relu, maxpool, a residual add over the pool, depthwise conv + BN +
// relu6 (Clip 0..6), avgpool, a SAME_UPPER strided conv, global pool, flatten, gemm.
inline Model small_cnn() {
  Model m("small_cnn");
  m.input("x", kFloat, {"batch", 3, 16, 16});
  auto x = conv(m, "x", "conv1", 3, 8, 3, false, 1, pads1());
  x = m.op("Relu", {bn(m, x, "bn1", 8)}, "relu1");
  const auto pool =
      m.op("MaxPool", {x}, "pool1", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  x = m.op("Relu", {conv(m, pool, "conv2", 8, 8, 3, true, 1, pads1())}, "relu2");
  x = bn(m, conv(m, x, "conv3", 8, 8, 3, false, 1, pads1()), "bn3", 8);
  x = m.op("Relu", {m.op("Add", {x, pool}, "add1")}, "relu3");
  x = bn(m, conv(m, x, "dw4", 8, 8, 3, false, 8, pads1()), "bn4", 8);
  x = m.op("Clip", {x, m.constant(0.0f), m.constant(6.0f)}, "relu6_4");
  x = m.op("AveragePool", {x}, "pool2", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  x = conv(m, x, "conv5", 8, 16, 3, true, 1,
           {ais("strides", {2, 2}), as("auto_pad", "SAME_UPPER")});
  x = m.op("Relu", {x}, "relu5");
  x = m.op("GlobalAveragePool", {x}, "gap");
  x = m.op("Flatten", {x}, "flatten", {ai("axis", 1)});
  x = m.op("Gemm", {x, m.weight("fc.weight", {10, 16}), m.weight("fc.bias", {10})}, "fc",
           {ai("transB", 1)});
  m.output(x, kFloat, {"batch", 10});
  return m;
}

// nn.MultiheadAttention as torch 1.13 exports it, on x [T, B, E] (batch 1; hidden 32, 4 heads of
// 8, T tokens): the packed in-projection (MatMul by [32, 96] + bias), q, k, v Sliced off its last
// axis, each Reshaped to [T, B * heads, 8] and Transposed to [B * heads, T, 8] (k to
// [B * heads, 8, T]), q scaled, Q K^T, Softmax, P V, Transposed back, Reshaped to [T * B, 32], the
// out-projection Gemm and a Reshape to [T, 1, 32].
inline std::string mha(Model& m, const std::string& x, int64_t t) {
  auto qkv = m.op("MatMul", {x, m.weight("mha.in_proj_t", {kHid, 3 * kHid})}, "mha/in_proj");
  qkv = m.op("Add", {m.weight("mha.in_proj_bias", {3 * kHid}), qkv}, "mha/in_proj_bias");
  std::vector<std::string> parts;
  for (int64_t i = 0; i < 3; ++i)
    parts.push_back(m.op("Slice", {qkv, m.ints({i * kHid}), m.ints({(i + 1) * kHid}), m.ints({-1})},
                         "mha/Slice_" + std::to_string(i)));
  std::vector<std::string> heads;
  const std::vector<std::vector<int64_t>> perms{{1, 0, 2}, {1, 2, 0}, {1, 0, 2}};
  for (size_t i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    const auto r = m.op("Reshape", {parts[i], m.ints({t, kHeads, kDh})}, "mha/Reshape_" + n);
    heads.push_back(m.op("Transpose", {r}, "mha/Transpose_" + n, {ais("perm", perms[i])}));
  }
  const auto q = m.op("Div", {heads[0], m.constant(std::sqrt(static_cast<float>(kDh)))}, "mha/Div");
  const auto s = m.op("Softmax", {m.op("MatMul", {q, heads[1]}, "mha/scores")}, "mha/Softmax",
                      {ai("axis", -1)});
  auto c = m.op("MatMul", {s, heads[2]}, "mha/context");
  c = m.op("Transpose", {c}, "mha/Transpose_c", {ais("perm", {1, 0, 2})});
  c = m.op("Reshape", {c, m.ints({t, kHid})}, "mha/Reshape_c");
  c = m.op(
      "Gemm",
      {c, m.weight("mha.out_proj.weight", {kHid, kHid}), m.weight("mha.out_proj.bias", {kHid})},
      "mha/out_proj", {ai("transB", 1)});
  return m.op("Reshape", {c, m.ints({t, 1, kHid})}, "mha/Reshape_out");
}

}  // namespace ncore::test::onnxb

// The ONNX importer on models built here with the ONNX protobuf API (onnx_builder.h) and written
// to a scratch directory: no downloads, no files from outside. Weights are zeros (the importer
// reads shapes and dtypes only). Each model is compared with a hand-written YAML twin, layer by
// layer and through a simulation (the same summary); plus hand-computed MACs, parameters and
// shapes, the unsupported-op and malformed-file errors, external data, batch dims and the
// import -> YAML -> inspect round trip.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/importers.h"
#include "workload/onnx_builder.h"

using namespace ncore;
using namespace ncore::test::onnxb;
using nlohmann::json;

namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kInt64 = onnx::TensorProto::INT64;

// ---- comparing an import with its YAML twin ----------------------------------------------------

// Layer by layer: the same kinds in order, inputs, shapes, work and parameters (names may differ).
void require_same(const workload::Graph& a, const workload::Graph& b) {
  REQUIRE(a.input == b.input);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto& x = a.layers[i];
    const auto& y = b.layers[i];
    INFO("layer " << i << ": " << x.name << " / " << y.name);
    REQUIRE(x.kind == y.kind);
    REQUIRE(x.inputs == y.inputs);
    REQUIRE(x.out == y.out);
    REQUIRE(x.activation == y.activation);
    REQUIRE(x.shape_only == y.shape_only);
    REQUIRE(x.macs_per_sample() == y.macs_per_sample());
    REQUIRE(x.weight_elems() == y.weight_elems());
    REQUIRE(x.gemm.has_value() == y.gemm.has_value());
    if (x.gemm) {
      REQUIRE(x.gemm->groups == y.gemm->groups);
      REQUIRE(x.gemm->k == y.gemm->k);
      REQUIRE(x.gemm->m == y.gemm->m);
      REQUIRE(x.gemm->positions == y.gemm->positions);
      REQUIRE(x.gemm->bias == y.gemm->bias);
      REQUIRE(x.gemm->stationary_activation == y.gemm->stationary_activation);
      REQUIRE(x.gemm->transpose_b == y.gemm->transpose_b);
    }
    REQUIRE(x.window.kh == y.window.kh);
    REQUIRE(x.window.kw == y.window.kw);
    REQUIRE(x.window.sh == y.window.sh);
    REQUIRE(x.window.sw == y.window.sw);
    REQUIRE(x.window.ph == y.window.ph);
    REQUIRE(x.window.pw == y.window.pw);
    REQUIRE(x.vector.has_value() == y.vector.has_value());
    if (x.vector) {
      REQUIRE(x.vector->op == y.vector->op);
      REQUIRE(x.vector->ops_per_position == y.vector->ops_per_position);
    }
    REQUIRE(x.gather.has_value() == y.gather.has_value());
    if (x.gather) REQUIRE(x.gather->broadcast == y.gather->broadcast);
  }
  REQUIRE(a.macs_per_sample() == b.macs_per_sample());
  REQUIRE(a.weight_elems() == b.weight_elems());
}

// `ncoresim run` of `model` on the tiny accelerator at batch 2; the summary.json.
json simulate(const std::string& dir, const std::string& tag, const std::string& model) {
  const std::string run =
      test::write(dir + "/" + tag + "_run.yaml", "hw: " + test::repo("configs/hw/tiny.yaml") +
                                                     "\nmodel: " + model + "\nbatch: 2\n");
  const auto r =
      test::ncoresim("run '" + run + "' -q --no-trace --out '" + dir + "/" + tag + "_out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  return json::parse(test::read(dir + "/" + tag + "_out/summary.json"));
}

// The same cycles, MACs and every DRAM byte count (the model's name may differ).
void require_same_summary(const json& a, const json& b) {
  REQUIRE(a.at("batch") == 2);
  REQUIRE(a.at("cycles") == b.at("cycles"));
  REQUIRE(a.at("macs") == b.at("macs"));
  const json da = a.at("dram").flatten();
  const json db = b.at("dram").flatten();
  REQUIRE(da.contains("/read_bytes/weights"));
  REQUIRE(da.contains("/write_bytes/io"));
  REQUIRE(da.size() == db.size());
  for (const auto& [key, value] : da.items()) {
    INFO("dram" << key);
    REQUIRE(db.contains(key));
    REQUIRE(value == db.at(key));
  }
}

// Imports `model` (saved as NAME.onnx) and its YAML twin (NAME_twin.yaml) with
// config::load_model_file, checks them layer by layer and through a simulation; the import.
workload::Graph require_twins(const std::string& name, const Model& model,
                              const std::string& yaml) {
  const std::string dir = test::scratch("onnx_" + name);
  const std::string onnx_path = model.save(dir + "/" + name + ".onnx");
  const std::string yaml_path = test::write(dir + "/" + name + "_twin.yaml", yaml);
  const auto imported = config::load_model_file(onnx_path);
  const auto twin = config::load_model_file(yaml_path);
  require_same(imported, twin);
  require_same_summary(simulate(dir, "onnx", onnx_path), simulate(dir, "yaml", yaml_path));
  return imported;
}

// ---- the models --------------------------------------------------------------------------------

// conv-bn-relu-pool CNN: two conv + BatchNorm + Relu + MaxPool stages, a global average pool,
// Flatten and a Gemm classifier; input [batch, 3, 16, 16].
Model cnn() {
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

const char* const kCnnYaml = R"(name: cnn_twin
input: {channels: 3, height: 16, width: 16}
layers:
  - {name: c1, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: p1, kind: maxpool, kernel: 2, stride: 2}
  - {name: c2, kind: conv2d, out_channels: 16, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: p2, kind: maxpool, kernel: 2, stride: 2}
  - {name: gp, kind: global_avgpool}
  - {name: classifier, kind: linear, out_features: 10}
)";

// A ResNet basic block with an identity shortcut after a stem conv: conv + BN + Relu, conv + BN,
// Add of the block's input, Relu; 16 channels of 16 x 16.
Model residual_block() {
  Model m("residual");
  m.input("x", kFloat, {"batch", 3, 16, 16});
  auto stem = conv(m, "x", "stem", 3, 16, 3, false, 1, pads1());
  stem = m.op("Relu", {bn(m, stem, "stem_bn", 16)}, "stem_relu");
  auto x = conv(m, stem, "block.conv1", 16, 16, 3, false, 1, pads1());
  x = m.op("Relu", {bn(m, x, "block.bn1", 16)}, "block.relu1");
  x = conv(m, x, "block.conv2", 16, 16, 3, false, 1, pads1());
  x = bn(m, x, "block.bn2", 16);
  x = m.op("Add", {x, stem}, "block.add");
  x = m.op("Relu", {x}, "block.relu2");
  m.output(x, kFloat, {"batch", 16, 16, 16});
  return m;
}

const char* const kResidualYaml = R"(name: residual_twin
input: {channels: 3, height: 16, width: 16}
layers:
  - {name: stem, kind: conv2d, out_channels: 16, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: a, kind: conv2d, out_channels: 16, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: b, kind: conv2d, out_channels: 16, kernel: 3, padding: 1, bias: true}
  - {name: sum, kind: add, inputs: [b, stem], activation: relu}
)";

// A depthwise-separable block: depthwise conv (group = channels) + BN + Relu, pointwise 1x1
// conv + BN + Relu; 8 -> 16 channels of 16 x 16.
Model dwsep_block() {
  Model m("dwsep");
  m.input("x", kFloat, {"batch", 8, 16, 16});
  auto x = conv(m, "x", "dw", 8, 8, 3, false, 8, pads1());
  x = m.op("Relu", {bn(m, x, "dw_bn", 8)}, "dw_relu");
  x = conv(m, x, "pw", 8, 16, 1, false);
  x = m.op("Relu", {bn(m, x, "pw_bn", 16)}, "pw_relu");
  m.output(x, kFloat, {"batch", 16, 16, 16});
  return m;
}

const char* const kDwsepYaml = R"(name: dwsep_twin
input: {channels: 8, height: 16, width: 16}
layers:
  - {name: depthwise, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 8, bias: true, activation: relu}
  - {name: pointwise, kind: conv2d, out_channels: 16, kernel: 1, bias: true, activation: relu}
)";

// Transformers, written the way torch.onnx exports Hugging Face's BertModel: 8 tokens, hidden
// 32, 4 heads of 8, FFN 64 (and for the embeddings: vocabulary 50, 16 positions).
constexpr int64_t kT = 8, kHid = 32, kHeads = 4, kDh = kHid / kHeads, kFfn = 64, kVocab = 50,
                  kPos = 16;

// ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul scale, Add shift.
std::string layernorm(Model& m, const std::string& x, const std::string& p) {
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
std::string linear(Model& m, const std::string& x, const std::string& p, int64_t k, int64_t n) {
  const auto y = m.op("MatMul", {x, m.weight(p + ".weight_t", {k, n})}, p + "/MatMul");
  return m.op("Add", {m.weight(p + ".bias", {n}), y}, p + "/Add");
}

// x.size(i) as a 1-D tensor: Shape -> Gather -> Unsqueeze.
std::string dim_of(Model& m, const std::string& x, int64_t i, const std::string& p) {
  const std::string n = std::to_string(i);
  const auto s = m.op("Shape", {x}, p + "/Shape_" + n);
  const auto g = m.op("Gather", {s, m.scalar(i)}, p + "/Gather_" + n, {ai("axis", 0)});
  return m.op("Unsqueeze", {g, m.ints({0})}, p + "/Unsqueeze_" + n);
}

// [B, T, hidden] -> [B, T, heads, d]: with the shape computed at run time (dynamic), as
// x.view(x.size()[:-1] + (heads, d)) exports, or a constant shape.
std::string split_heads(Model& m, const std::string& x, const std::string& p, bool dynamic) {
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
std::string encoder_layer(Model& m, const std::string& h, const std::string& mask) {
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

// An encoder layer on a float input [batch, 8, 32].
Model encoder() {
  Model m("encoder");
  m.input("x", kFloat, {"batch", kT, kHid});
  m.output(encoder_layer(m, "x", ""), kFloat, {"batch", kT, kHid});
  return m;
}

const char* const kEncoderYaml = R"(name: encoder_twin
input: {channels: 32, height: 8}
layers:
  - {name: q, kind: linear, out_features: 32}
  - {name: k, kind: linear, inputs: [input], out_features: 32}
  - {name: v, kind: linear, inputs: [input], out_features: 32}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 4, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 4}
  - {name: o, kind: linear, out_features: 32}
  - {name: res1, kind: add, inputs: [o, input]}
  - {name: ln1, kind: layernorm}
  - {name: ffn1, kind: linear, out_features: 64, activation: gelu}
  - {name: ffn2, kind: linear, out_features: 32}
  - {name: res2, kind: add, inputs: [ffn2, ln1]}
  - {name: ln2, kind: layernorm}
)";

// A BERT-style model: word, token-type and position embeddings (the position ids a buffer sliced
// to the sequence length, the token types a zero buffer expanded), LayerNorm, a padding mask
// (1 - mask[:, None, None, :]) * -10000 from the attention_mask input, one encoder layer and a
// [CLS] pooler tanh(W h[:, 0] + b).
Model bert() {
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

// The BERT-style model as a model YAML written by hand, in models/bert_base.yaml's form.
const char* const kBertYaml = R"(name: bert_twin
input: {channels: 1, height: 8}
layers:
  - {name: word, kind: embedding, vocab: 50, hidden: 32}
  - {name: tt, kind: embedding, inputs: [input], vocab: 2, hidden: 32}
  - {name: pos, kind: embedding, inputs: [input], vocab: 16, hidden: 32, broadcast: true}
  - {name: emb, kind: add, inputs: [word, tt, pos]}
  - {name: emb_ln, kind: layernorm}
  - {name: q, kind: linear, out_features: 32}
  - {name: k, kind: linear, inputs: [emb_ln], out_features: 32}
  - {name: v, kind: linear, inputs: [emb_ln], out_features: 32}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 4, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 4}
  - {name: o, kind: linear, out_features: 32}
  - {name: res1, kind: add, inputs: [o, emb_ln]}
  - {name: ln1, kind: layernorm}
  - {name: ffn1, kind: linear, out_features: 64, activation: gelu}
  - {name: ffn2, kind: linear, out_features: 32}
  - {name: res2, kind: add, inputs: [ffn2, ln1]}
  - {name: ln2, kind: layernorm}
  - {name: cls, kind: slice, start: 0, count: 1}
  - {name: pooler, kind: linear, out_features: 32, activation: tanh}
)";

// A mixed CNN: conv + BN + relu, maxpool, a residual add over the pool, depthwise conv + BN +
// relu6 (Clip 0..6), avgpool, a SAME_UPPER strided conv, global pool, flatten, gemm.
Model small_cnn() {
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

// small_cnn as a model YAML written by hand (BatchNorm folded: a bias per channel).
const char* const kSmallCnnYaml = R"(name: small_cnn
input: {channels: 3, height: 16, width: 16}
layers:
  - {name: conv1, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: pool1, kind: maxpool, kernel: 2, stride: 2}
  - {name: conv2, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: conv3, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true}
  - {name: add1, kind: add, inputs: [conv3, pool1], activation: relu}
  - {name: dw4, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 8, bias: true, activation: relu}
  - {name: pool2, kind: avgpool, kernel: 2}
  - {name: conv5, kind: conv2d, out_channels: 16, kernel: 3, stride: 2, padding: 1, bias: true, activation: relu}
  - {name: gap, kind: global_avgpool}
  - {name: fc, kind: linear, out_features: 10}
)";

// [4, 64] -> MatMul + Add bias + Relu -> Gemm -> Softmax: a fixed batch of 4.
Model mlp_batch4() {
  Model m("mlp_batch4");
  m.input("x", kFloat, {4, 64});
  auto x = m.op("MatMul", {"x", m.weight("fc1.weight_t", {64, 32})}, "fc1");
  x = m.op("Add", {m.weight("fc1.bias", {32}), x}, "fc1_bias");
  x = m.op("Relu", {x}, "relu1");
  x = m.op("Gemm", {x, m.weight("fc2.weight", {10, 32}), m.weight("fc2.bias", {10})}, "fc2",
           {ai("transB", 1)});
  x = m.op("Softmax", {x}, "softmax", {ai("axis", -1)});
  m.output(x, kFloat, {4, 10});
  return m;
}

// An input with a dynamic dim other than the batch: [batch, sequence, 16].
Model dynamic_seq() {
  Model m("dynamic_seq");
  m.input("x", kFloat, {"batch", "sequence", 16});
  const auto y = m.op("MatMul", {"x", m.weight("w", {16, 16})}, "proj");
  m.output(y, kFloat, {"batch", "sequence", 16});
  return m;
}

// conv1 -> LRN lrn_1 -> conv2 -> InstanceNormalization inorm -> com.example.MyOp custom -> pool:
// three unsupported ops, two after the first.
Model three_unsupported() {
  Model m("unsupported");
  m.add_opset("com.example", 1);
  m.input("x", kFloat, {"batch", 3, 8, 8});
  const auto c1 = conv(m, "x", "conv1", 3, 8, 3, true, 1, pads1());
  const auto lrn = m.op("LRN", {c1}, "lrn_1", {ai("size", 3)});
  const auto c2 = conv(m, lrn, "conv2", 8, 8, 3, true, 1, pads1());
  const auto norm = m.op("InstanceNormalization",
                         {c2, m.weight("in.scale", {8}), m.weight("in.bias", {8})}, "inorm");
  const auto custom = m.op("MyOp", {norm}, "custom", {}, "com.example");
  const auto gap = m.op("GlobalAveragePool", {custom}, "gap");
  const auto y = m.op("Flatten", {gap}, "flatten");
  m.output(y, kFloat, {"batch", 8});
  return m;
}

}  // namespace

// ---- the four models and their YAML twins ------------------------------------------------------

TEST_CASE("ONNX import: a conv-bn-relu-pool CNN equals its YAML twin and simulates the same") {
  const auto g = require_twins("cnn", cnn(), kCnnYaml);
  // BN folded (a bias per channel), Relu fused, Flatten of 16x1x1 no layer:
  // conv1 3 -> 8, 3x3 on 16x16: 27 x 8 x 256 = 55296 MACs, 216 + 8 params;
  // conv2 8 -> 16, 3x3 on 8x8: 72 x 16 x 64 = 73728 MACs, 1152 + 16 params; fc 160 / 170
  REQUIRE(g.layers.size() == 6);
  REQUIRE(g.layers[0].activation == "relu");
  REQUIRE(g.layers[0].weight_elems() == 224);
  REQUIRE(g.layers[1].out == workload::Shape{8, 8, 8});
  REQUIRE(g.layers[2].macs_per_sample() == 73728);
  REQUIRE(g.layers[3].out == workload::Shape{16, 4, 4});
  REQUIRE(g.layers[4].out == workload::Shape{16, 1, 1});
  REQUIRE(g.layers[5].out == workload::Shape{10, 1, 1});
  REQUIRE(g.macs_per_sample() == 55296 + 73728 + 160);
  REQUIRE(g.weight_elems() == 224 + 1168 + 170);
}

TEST_CASE("ONNX import: a residual block equals its YAML twin and simulates the same") {
  const auto g = require_twins("residual", residual_block(), kResidualYaml);
  // stem 3 -> 16: 27 x 16 x 256 = 110592 MACs, 448 params; each block conv 16 -> 16:
  // 144 x 16 x 256 = 589824 MACs, 2304 + 16 params; the add reads conv2 and the stem, relu fused
  REQUIRE(g.layers.size() == 4);
  REQUIRE(g.layers[2].activation == "none");
  REQUIRE(g.layers[3].kind == "add");
  REQUIRE(g.layers[3].inputs == std::vector<int>{3, 1});
  REQUIRE(g.layers[3].activation == "relu");
  REQUIRE(g.macs_per_sample() == 110592 + 2 * 589824);
  REQUIRE(g.weight_elems() == 448 + 2 * 2320);
}

TEST_CASE(
    "ONNX import: an exported transformer encoder layer equals its YAML twin and "
    "simulates the same") {
  const auto g = require_twins("encoder", encoder(), kEncoderYaml);
  REQUIRE(g.input == workload::Shape{32, 8, 1});  // [T, hidden] -> (hidden, T, 1)
  // q, k, v, o: 32 x 32 x 8 tokens = 8192 MACs, 1024 + 32 params; scores and context: 4 heads x
  // 8 x 8 x 8 = 2048 each; FFN 32 x 64 x 8 = 16384 each way (the Erf GELU fused in the first)
  REQUIRE(g.layers[3].kind == "matmul");
  REQUIRE(g.layers[3].gemm->groups == 4);
  REQUIRE(g.layers[3].gemm->transpose_b);
  REQUIRE(g.layers[3].out == workload::Shape{32, 8, 1});
  REQUIRE(g.layers[9].activation == "gelu");
  REQUIRE(g.macs_per_sample() == 4 * 8192 + 2 * 2048 + 2 * 16384);
}

TEST_CASE("ONNX import: a depthwise-separable block equals its YAML twin and simulates the same") {
  const auto g = require_twins("dwsep", dwsep_block(), kDwsepYaml);
  // depthwise: 8 groups of K 9, M 1, 256 positions = 18432 MACs, 72 + 8 params;
  // pointwise 8 -> 16 1x1: 8 x 16 x 256 = 32768 MACs, 128 + 16 params
  REQUIRE(g.layers.size() == 2);
  REQUIRE(g.layers[0].gemm->groups == 8);
  REQUIRE(g.layers[0].macs_per_sample() == 18432);
  REQUIRE(g.layers[0].weight_elems() == 80);
  REQUIRE(g.layers[1].macs_per_sample() == 32768);
  REQUIRE(g.layers[1].weight_elems() == 144);
}

// ---- errors ------------------------------------------------------------------------------------

TEST_CASE("ONNX import: an unsupported op fails inspect with exit 2 naming its type and node") {
  // [batch, 8, 16] -> linear -> LSTM lstm_1 (batch first: layout 1, opset 14; hidden 16)
  Model m("lstm", 14);
  m.input("x", kFloat, {"batch", 8, 16});
  const auto p = m.op("MatMul", {"x", m.weight("proj.weight_t", {16, 16})}, "proj");
  const auto y = m.op("LSTM", {p, m.weight("lstm.W", {1, 64, 16}), m.weight("lstm.R", {1, 64, 16})},
                      "lstm_1", {ai("hidden_size", 16), ai("layout", 1)});
  m.output(y, kFloat, {"batch", 8, 1, 16});
  const std::string dir = test::scratch("onnx_lstm");
  const std::string path = m.save(dir + "/lstm.onnx");
  const auto r = test::ncoresim("inspect '" + path + "'");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(path + ": unsupported ops: LSTM (node lstm_1)"));
}

TEST_CASE("ONNX import: unsupported ops are one error listing every op type and node, exit 2") {
  const std::string dir = test::scratch("onnx_unsupported");
  const std::string path = three_unsupported().save(dir + "/unsupported.onnx");
  try {
    workload::import_onnx(path);
    FAIL("no ImportError");
  } catch (const workload::ImportError& e) {
    const std::string msg = e.what();
    REQUIRE(msg == path +
                       ": unsupported ops: InstanceNormalization (node inorm), LRN (node lrn_1), "
                       "com.example.MyOp (node custom)");
  }
  for (const std::string& cmd :
       {"inspect '" + path + "'", "import '" + path + "' -o '" + dir + "/u.yaml'"}) {
    INFO(cmd);
    const auto r = test::ncoresim(cmd);
    INFO(r.output);
    REQUIRE(r.code == 2);
    REQUIRE_THAT(r.output, Catch::Contains(path + ": unsupported ops: "));
    REQUIRE_THAT(r.output, Catch::Contains("LRN (node lrn_1)"));
    REQUIRE_THAT(r.output, Catch::Contains("InstanceNormalization (node inorm)"));
    REQUIRE_THAT(r.output, Catch::Contains("com.example.MyOp (node custom)"));
  }
  REQUIRE(!std::filesystem::exists(dir + "/u.yaml"));
}

TEST_CASE("ONNX import: a malformed or missing file is one error naming it, exit 2") {
  const std::string dir = test::scratch("onnx_malformed");
  // Random bytes (a fixed seed) and a valid model cut in half.
  std::mt19937 rng(7);
  std::string noise(512, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 0xff);
  test::write(dir + "/random.onnx", noise);
  const std::string whole = cnn().serialize();
  test::write(dir + "/truncated.onnx", whole.substr(0, whole.size() / 2));
  for (const std::string name : {"random.onnx", "truncated.onnx"}) {
    const std::string path = dir + "/" + name;
    INFO(path);
    REQUIRE_THROWS_WITH(workload::import_onnx(path),
                        path + ": not an ONNX model (the protobuf does not parse)");
    const auto r = test::ncoresim("inspect '" + path + "'");
    INFO(r.output);
    REQUIRE(r.code == 2);
    REQUIRE(r.output == "error: " + path + ": not an ONNX model (the protobuf does not parse)\n");
  }
  const auto r = test::ncoresim("inspect '" + dir + "/missing.onnx'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(dir + "/missing.onnx: cannot open file"));
}

// ---- hand-computed figures, external data, batch dims, round trip ------------------------------

TEST_CASE("ONNX import: a mixed CNN has its hand-computed MACs, parameters and shapes") {
  const std::string dir = test::scratch("onnx_small_cnn");
  const auto g = config::load_model_file(small_cnn().save(dir + "/small_cnn.onnx"));
  REQUIRE(g.input == workload::Shape{3, 16, 16});
  REQUIRE(g.layers.size() == 10);  // BN, Relu, Clip and Flatten add no layers
  // conv1 (3->8, 3x3, pad 1) + BN: K = 27, M = 8, 256 positions: 55296 MACs; 216 + 8 params
  const auto& c1 = test::find_layer(g, "conv1");
  REQUIRE(c1.out == workload::Shape{8, 16, 16});
  REQUIRE(c1.macs_per_sample() == 55296);
  REQUIRE(c1.weight_elems() == 224);
  REQUIRE(c1.activation == "relu");
  REQUIRE(test::find_layer(g, "pool1").out == workload::Shape{8, 8, 8});
  // conv2 (bias), conv3 (+ BN): K = 72, M = 8, 64 positions: 36864 MACs; 576 + 8 params each
  REQUIRE(test::find_layer(g, "conv2").macs_per_sample() == 36864);
  REQUIRE(test::find_layer(g, "conv3").weight_elems() == 584);
  REQUIRE(test::find_layer(g, "conv3").activation == "none");  // the relu follows the add
  const auto& add = test::find_layer(g, "add1");
  REQUIRE(add.activation == "relu");
  REQUIRE(add.inputs.size() == 2);
  // dw4: 8 groups of K = 9, M = 1, 64 positions: 4608 MACs; 72 + 8 (BN) params; relu6 -> relu
  const auto& dw = test::find_layer(g, "dw4");
  REQUIRE(dw.gemm->groups == 8);
  REQUIRE(dw.macs_per_sample() == 4608);
  REQUIRE(dw.weight_elems() == 80);
  REQUIRE(dw.activation == "relu");
  REQUIRE(test::find_layer(g, "pool2").out == workload::Shape{8, 4, 4});
  // conv5: SAME_UPPER, stride 2 on 4x4: out ceil(4 / 2) = 2 (pads 0 + 1: symmetric padding 1
  // gives the same size); K = 72, M = 16, 4 positions: 4608 MACs; 1152 + 16 params
  const auto& c5 = test::find_layer(g, "conv5");
  REQUIRE(c5.out == workload::Shape{16, 2, 2});
  REQUIRE(c5.macs_per_sample() == 4608);
  REQUIRE(c5.weight_elems() == 1168);
  // gap -> 16x1x1; Flatten of a 16x1x1 tensor is no layer; fc 16 -> 10: 160 MACs, 170 params
  REQUIRE(test::find_layer(g, "gap").out == workload::Shape{16, 1, 1});
  const auto& fc = test::find_layer(g, "fc");
  REQUIRE(fc.inputs == std::vector<int>{9});  // gap
  REQUIRE(fc.macs_per_sample() == 160);
  REQUIRE(fc.weight_elems() == 170);
  // 55296 + 2 x 36864 + 4608 + 4608 + 160; 224 + 2 x 584 + 80 + 1168 + 170
  REQUIRE(g.macs_per_sample() == 138400);
  REQUIRE(g.weight_elems() == 2810);
}

TEST_CASE("ONNX import: the mixed CNN equals its YAML twin and simulates the same") {
  require_twins("small_cnn", small_cnn(), kSmallCnnYaml);
}

TEST_CASE("ONNX import: initializers in external data are read for their dims only") {
  const std::string dir = test::scratch("onnx_external");
  Model m = small_cnn();
  m.externalize(dir, "small_cnn_ext.bin");
  for (const auto& t : m.graph().initializer()) REQUIRE(!t.has_raw_data());
  const std::string path = m.save(dir + "/small_cnn_ext.onnx");
  REQUIRE(std::filesystem::file_size(dir + "/small_cnn_ext.bin") ==
          4 * (2810 + 3 * 3 * 8));  // BN: 4 vectors, not 1
  const auto a = config::load_model_file(small_cnn().save(dir + "/small_cnn.onnx"));
  const auto b = config::load_model_file(path);
  REQUIRE(b.macs_per_sample() == 138400);
  REQUIRE(b.weight_elems() == 2810);
  require_same(a, b);
  // Without its data file the model still imports: the data is never read.
  std::filesystem::remove(dir + "/small_cnn_ext.bin");
  const auto c = config::load_model_file(path);
  REQUIRE(c.macs_per_sample() == 138400);
  REQUIRE(c.weight_elems() == 2810);
}

TEST_CASE("ONNX import: the batch dim is dropped, dynamic or fixed, and other dynamic dims fail") {
  const std::string dir = test::scratch("onnx_batch");
  // small_cnn's input is [batch, 3, 16, 16] with a dynamic "batch"
  REQUIRE(config::load_model_file(small_cnn().save(dir + "/small_cnn.onnx")).input ==
          workload::Shape{3, 16, 16});
  // mlp_batch4: a fixed batch of 4, [4, 64] -> MatMul + Add bias + Relu -> Gemm -> Softmax:
  // per sample 64 * 32 + 32 * 10 = 2368 MACs; 2080 + 330 = 2410 params
  const auto mlp = config::load_model_file(mlp_batch4().save(dir + "/mlp_batch4.onnx"));
  REQUIRE(mlp.input == workload::Shape{64, 1, 1});
  REQUIRE(mlp.layers.size() == 3);
  REQUIRE(mlp.layers[0].kind == "linear");
  REQUIRE(mlp.layers[0].activation == "relu");
  REQUIRE(mlp.layers[0].weight_elems() == 2080);  // the Add of a bias initializer: bias
  REQUIRE(mlp.layers[2].kind == "softmax");
  REQUIRE(mlp.layers[2].out == workload::Shape{10, 1, 1});
  REQUIRE(mlp.macs_per_sample() == 2368);
  REQUIRE(mlp.weight_elems() == 2410);
  // dynamic_seq: [batch, sequence, 16]
  const std::string path = dynamic_seq().save(dir + "/dynamic_seq.onnx");
  const auto r = test::ncoresim("inspect '" + path + "'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(path + ": dynamic input dims other than the batch: 'x' "
                                                "axis 1 (sequence)"));
}

TEST_CASE("ONNX import: a BERT-style encoder has its hand-computed MACs and parameters") {
  // Embeddings, a padding mask, dynamic head reshapes, Add(bias, MatMul), the LayerNorm and Erf
  // GELU patterns and a [CLS] pooler, as torch.onnx exports BertModel.
  const std::string dir = test::scratch("onnx_bert");
  const auto g = config::load_model_file(bert().save(dir + "/bert.onnx"));
  REQUIRE(g.input == workload::Shape{1, 8, 1});
  REQUIRE(g.layers.size() == 20);
  // embeddings: word 50 x 32, token type 2 x 32 (constant ids: 8 rows > 2, not broadcast),
  // position 16 x 32 (constant ids: broadcast); one 3-input add; layernorm 2 x 32
  REQUIRE(test::find_layer(g, "emb/word/Gather").weight_elems() == 1600);
  REQUIRE(!test::find_layer(g, "emb/tt/Gather").gather->broadcast);
  REQUIRE(test::find_layer(g, "emb/pos/Gather").gather->broadcast);
  REQUIRE(test::find_layer(g, "emb/Add").inputs.size() == 3);
  REQUIRE(test::find_layer(g, "emb/ln/Div").kind == "layernorm");
  REQUIRE(test::find_layer(g, "emb/ln/Div").weight_elems() == 64);
  // q, k, v, o: 32 x 32 x 8 tokens = 8192 MACs, 1024 + 32 params each (the Add of the bias)
  for (const char* n : {"attn/q/MatMul", "attn/k/MatMul", "attn/v/MatMul", "attn/o/MatMul"}) {
    INFO(n);
    REQUIRE(test::find_layer(g, n).macs_per_sample() == 8192);
    REQUIRE(test::find_layer(g, n).weight_elems() == 1056);
  }
  // scores = Q K^T per head: 4 heads x K 8 x M 8 keys x 8 queries = 2048; out (4 x 8 keys, 8)
  const auto& s = test::find_layer(g, "attn/scores");
  REQUIRE(s.kind == "matmul");
  REQUIRE(s.gemm->groups == 4);
  REQUIRE(s.gemm->stationary_activation);
  REQUIRE(s.out == workload::Shape{32, 8, 1});
  REQUIRE(s.macs_per_sample() == 2048);
  REQUIRE(test::find_layer(g, "attn/Softmax").kind == "softmax");  // the scale and mask: free
  // context = P V: 4 heads x K 8 keys x M 8 x 8 queries = 2048
  REQUIRE(test::find_layer(g, "attn/context").macs_per_sample() == 2048);
  REQUIRE(test::find_layer(g, "attn/context").out == workload::Shape{32, 8, 1});
  // FFN: 32 x 64 x 8 = 16384 MACs each way; the Erf GELU fused into the first
  REQUIRE(test::find_layer(g, "ffn/i/MatMul").activation == "gelu");
  REQUIRE(test::find_layer(g, "ffn/i/MatMul").weight_elems() == 2112);
  REQUIRE(test::find_layer(g, "ffn/o/MatMul").weight_elems() == 2080);
  // pooler: token 0 sliced, 32 x 32 linear with the tanh fused
  REQUIRE(test::find_layer(g, "pool/Gather").kind == "slice");
  REQUIRE(test::find_layer(g, "pool/Gemm").activation == "tanh");
  // MACs: 4 x 8192 + 2 x 2048 + 2 x 16384 + 1024 = 70656
  REQUIRE(g.macs_per_sample() == 70656);
  // params: 1600 + 64 + 512 + 3 x 64 (layernorms) + 4 x 1056 + 2112 + 2080 + 1056 = 11840
  REQUIRE(g.weight_elems() == 11840);
}

TEST_CASE("ONNX import: the BERT-style encoder equals its YAML twin and simulates the same") {
  require_twins("bert", bert(), kBertYaml);
}

TEST_CASE(
    "ONNX import: ncoresim import writes YAML that inspect reads back with the same "
    "totals") {
  const std::string dir = test::scratch("onnx_roundtrip");
  for (const auto& [name, model] : {std::pair<std::string, Model>{"small_cnn", small_cnn()},
                                    std::pair<std::string, Model>{"bert", bert()}}) {
    INFO(name);
    const std::string onnx_path = model.save(dir + "/" + name + ".onnx");
    const std::string yaml_path = dir + "/" + name + ".yaml";
    const auto imp = test::ncoresim("import '" + onnx_path + "' -o '" + yaml_path + "'");
    INFO(imp.output);
    REQUIRE(imp.code == 0);
    const auto from_onnx = test::ncoresim("inspect '" + onnx_path + "'");
    const auto from_yaml = test::ncoresim("inspect '" + yaml_path + "'");
    REQUIRE(from_onnx.code == 0);
    REQUIRE(from_yaml.code == 0);
    REQUIRE(from_onnx.output == from_yaml.output);  // the header line and every layer
    REQUIRE_THAT(
        test::read(yaml_path),
        Catch::StartsWith("# imported by ncoresim import from the ONNX model " + name + ".onnx"));
  }
}

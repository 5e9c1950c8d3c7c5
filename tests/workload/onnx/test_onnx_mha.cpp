// The ONNX importer on nn.MultiheadAttention as torch 1.13 exports it (onnx_models.h's mha():
// the batch moved to axis 1, then merged into the heads), in ViT's form (a patch-embedding conv
// flattened into tokens, a class token concatenated along the tokens, attention with
// batch_first=True, the class token picked for the head) and in nn.TransformerEncoder's
// sequence-first form (input [T, N, E] with its batch dim marked dynamic); each against its YAML
// twin.
#include <catch2/catch.hpp>

#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// A ViT on 3 x 8 x 8 images: 4 x 4 patches (a stride-4 conv to 32 features: 2 x 2 = 4 tokens),
// Reshape [1, 32, 4], Transpose to [1, 4, 32], Concat of the class token [1, 1, 32] along the
// tokens (5), the position embedding added, attention (Transpose to [5, 1, 32] and back) with a
// residual, the class token picked (Gather index 0 of axis 1) and a 10-way head.
Model vit() {
  Model m("vit", 13);
  m.input("x", kFloat, {1, 3, 8, 8});
  auto y = conv(m, "x", "conv_proj", 3, kHid, 4, true, 1, {ais("strides", {4, 4})});
  y = m.op("Reshape", {y, m.ints({1, kHid, 4})}, "flatten");
  y = m.op("Transpose", {y}, "to_tokens", {ais("perm", {0, 2, 1})});
  y = m.op("Concat", {m.weight("class_token", {1, 1, kHid}), y}, "cat_cls", {ai("axis", 1)});
  const auto h = m.op("Add", {y, m.weight("pos_embedding", {1, 5, kHid})}, "pos");
  auto a = m.op("Transpose", {h}, "to_seq_first", {ais("perm", {1, 0, 2})});
  a = m.op("Transpose", {mha(m, a, 5)}, "to_batch_first", {ais("perm", {1, 0, 2})});
  a = m.op("Add", {a, h}, "residual");
  const auto cls = m.op("Gather", {a, m.scalar(0)}, "cls", {ai("axis", 1)});
  m.output(m.op("Gemm", {cls, m.weight("head.weight", {10, kHid}), m.weight("head.bias", {10})},
                "head", {ai("transB", 1)}),
           kFloat, {1, 10});
  return m;
}

// The attention layers both forms share, on the tensor `x` (5 tokens of 32 features).
std::string attention_yaml(const std::string& x) {
  return "  - {name: in_proj, kind: linear, inputs: [" + x + R"(], out_features: 96}
  - {name: q, kind: slice, axis: channels, start: 0, count: 32}
  - {name: k, kind: slice, inputs: [in_proj], axis: channels, start: 32, count: 32}
  - {name: v, kind: slice, inputs: [in_proj], axis: channels, start: 64, count: 32}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 4, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 4}
  - {name: out_proj, kind: linear, out_features: 32}
)";
}

}  // namespace

TEST_CASE("ONNX import: ViT's patch tokens, class token and attention map onto the IR") {
  const std::string yaml = R"(name: vit_twin
input: {channels: 3, height: 8, width: 8}
layers:
  - {name: patch, kind: conv2d, out_channels: 32, kernel: 4, stride: 4}
  - {name: tokens, kind: tokens}
  - {name: cls, kind: pad, padding: [1, 0], padding_end: 0}
)" + attention_yaml("cls") +
                           R"(  - {name: residual, kind: add, inputs: [out_proj, cls]}
  - {name: pick, kind: slice, start: 0, count: 1}
  - {name: head, kind: linear, out_features: 10}
)";
  const auto g = require_twins("vit", vit(), yaml);
  // the 2 x 2 patches as 4 tokens (no copy), the class token a row on top: 32 x 5
  REQUIRE(g.layers[1].kind == "tokens");
  REQUIRE(g.layers[1].shape_only);
  REQUIRE(g.layers[2].out == workload::Shape{32, 5, 1});
  // MACs: patches 4 x 32 x 48 = 6144; in-projection 32 x 96 x 5 = 15360; Q K^T and P V
  // 4 heads x 8 x 5 x 5 = 800 each; out-projection 32 x 32 x 5 = 5120; head 320
  REQUIRE(g.macs_per_sample() == 6144 + 15360 + 2 * 800 + 5120 + 320);
}

TEST_CASE("ONNX import: a sequence-first attention block ([T, N, E], N dynamic) maps per sample") {
  Model m("seq_first", 13);
  m.input("x", kFloat, {5, "batch", kHid});
  m.output(m.op("Add", {mha(m, "x", 5), "x"}, "residual"), kFloat, {5, "batch", kHid});
  const std::string yaml = "name: seq_first_twin\ninput: {channels: 32, height: 5}\nlayers:\n" +
                           attention_yaml("input") +
                           "  - {name: residual, kind: add, inputs: [out_proj, input]}\n";
  const auto g = require_twins("seq_first", m, yaml);
  REQUIRE(g.input == workload::Shape{32, 5, 1});
  REQUIRE(g.macs_per_sample() == 15360 + 2 * 800 + 5120);
}

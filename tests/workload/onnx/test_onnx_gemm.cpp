// The ONNX importer's gemm family (src/workload/onnx/gemm.cpp) on a transformer encoder layer as
// torch.onnx exports it: Q/K/V/output linears (MatMul + Add of a bias), attention's Q K^T and P V
// matmuls with heads from the multi-head views, compared with a hand-written YAML twin layer by
// layer and through a simulation. The LayerNorm and Erf GELU patterns ride along.
#include <catch2/catch.hpp>

#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

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

}  // namespace

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

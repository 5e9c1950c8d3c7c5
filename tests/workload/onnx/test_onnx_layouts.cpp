// The ONNX importer's layout patterns (src/workload/onnx/shape_ops.cpp): ShuffleNetV2's channel
// shuffle (Reshape, Transpose, Reshape) as a channel_shuffle layer, and ConvNeXt's channels-last
// block (Transpose to NHWC, LayerNorm and Linear over the channels, Transpose back), each against
// its YAML twin; the channel_shuffle layer's data in functional mode and its bytes and cycles by
// hand.
#include <catch2/catch.hpp>

#include "test_runs.h"
#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// torchvision's channel_shuffle(x, 2) on 8 channels of 4 x 4, as torch.onnx exports it (static
// shapes), then a 1 x 1 conv.
Model shuffle() {
  Model m("shuffle");
  m.input("x", kFloat, {1, 8, 4, 4});
  auto y = m.op("Reshape", {"x", m.ints({1, 2, 4, 4, 4})}, "view");
  y = m.op("Transpose", {y}, "transpose", {ais("perm", {0, 2, 1, 3, 4})});
  y = m.op("Reshape", {y, m.ints({1, 8, 4, 4})}, "view_back");
  m.output(conv(m, y, "conv", 8, 8, 1), kFloat, {1, 8, 4, 4});
  return m;
}

// ConvNeXt's block on 32 channels of 7 x 7, as torch.onnx exports torchvision's CNBlock at
// opset 13: depthwise 7 x 7 conv, Transpose to [N, H, W, C], the LayerNorm pattern over the last
// axis, Linear 32 -> 64, the Erf GELU, Linear 64 -> 32, Transpose back, the layer scale (a Mul
// by a [C, 1, 1] parameter) and the residual Add.
Model convnext_block() {
  Model m("cnblock");
  m.input("x", kFloat, {"batch", kHid, 7, 7});
  auto y = conv(m, "x", "dw", kHid, kHid, 7, true, kHid, {ais("pads", {3, 3, 3, 3})});
  y = m.op("Transpose", {y}, "to_nhwc", {ais("perm", {0, 2, 3, 1})});
  y = layernorm(m, y, "ln");
  const auto f = linear(m, y, "fc1", kHid, kFfn);
  auto e = m.op("Erf", {m.op("Div", {f, m.constant(1.4142135f)}, "gelu/Div")}, "gelu/Erf");
  e = m.op("Mul", {f, m.op("Add", {e, m.constant(1.0f)}, "gelu/Add")}, "gelu/Mul");
  y = linear(m, m.op("Mul", {e, m.constant(0.5f)}, "gelu/Mul_1"), "fc2", kFfn, kHid);
  y = m.op("Transpose", {y}, "to_nchw", {ais("perm", {0, 3, 1, 2})});
  y = m.op("Mul", {m.weight("layer_scale", {kHid, 1, 1}), y}, "scale");
  m.output(m.op("Add", {y, "x"}, "residual"), kFloat, {"batch", kHid, 7, 7});
  return m;
}

}  // namespace

TEST_CASE("ONNX import: a ConvNeXt block's channels-last ops are per-position ops on channels") {
  // LayerNorm over the channels of each of the 49 positions; each Linear a GEMM over the
  // channels at every position (a 1 x 1 conv): 32 x 64 x 49 = 100352 MACs each way.
  const auto g = require_twins("cnblock", convnext_block(), R"(name: cnblock_twin
input: {channels: 32, height: 7, width: 7}
layers:
  - {name: dw, kind: conv2d, out_channels: 32, kernel: 7, padding: 3, groups: 32}
  - {name: ln, kind: layernorm}
  - {name: fc1, kind: linear, out_features: 64, activation: gelu}
  - {name: fc2, kind: linear, out_features: 32}
  - {name: residual, kind: add, inputs: [fc2, input]}
)");
  REQUIRE(g.layers[2].out == workload::Shape{64, 7, 7});
  REQUIRE(g.layers[2].macs_per_sample() == 100352);
  REQUIRE(g.layers[3].macs_per_sample() == 100352);
  // dw 49 x 32 x 49 = 76832; parameters 32 x 49 + 32, 64 (layernorm), 2112, 2080
  REQUIRE(g.macs_per_sample() == 76832 + 2 * 100352);
  REQUIRE(g.weight_elems() == 1600 + 64 + 2112 + 2080);
}

TEST_CASE("ONNX import: a channel shuffle is one channel_shuffle layer, 0 MACs") {
  const auto g = require_twins("shuffle", shuffle(), R"(name: shuffle_twin
input: {channels: 8, height: 4, width: 4}
layers:
  - {name: shuffle, kind: channel_shuffle, groups: 2}
  - {name: conv, kind: conv2d, out_channels: 8, kernel: 1}
)");
  REQUIRE(g.layers.size() == 2);
  REQUIRE(g.layers[0].kind == "channel_shuffle");
  REQUIRE(g.layers[0].macs_per_sample() == 0);
  REQUIRE(g.layers[0].weight_elems() == 0);
}

TEST_CASE("channel_shuffle interleaves the groups' channels (functional mode)") {
  const auto s = test::tiny_run("shuffle_functional")
                     .model(
                         "name: s\ninput: {channels: 12, height: 3, width: 5}\nlayers:\n"
                         "  - {name: s, kind: channel_shuffle, groups: 3}\n"
                         "  - {name: r, kind: relu}\n")
                     .batch(2)
                     .set("options.functional", "true")
                     .run("--no-trace")
                     .summary;
  REQUIRE(s["functional"]["passed"] == true);
}

TEST_CASE("a channel shuffle moves its input in and out, one lane-cycle per element") {
  // tiny.yaml (4 lanes, 16 B per cycle of DRAM, 1 GHz everywhere), fp16, batch 1: 4 channels of
  // 4 x 4 in 2 groups. DRAM: the input read, 4 x 16 x 2 = 128 B (io), the output written, 128 B
  // (io); no weights. Vector engine: 4 channels on the 4 lanes, 16 positions: 16 cycles.
  const auto s = test::tiny_run("shuffle_cost")
                     .model(
                         "name: s\ninput: {channels: 4, height: 4, width: 4}\nlayers:\n"
                         "  - {name: s, kind: channel_shuffle, groups: 2}\n")
                     .run("--no-trace")
                     .summary;
  REQUIRE(s["macs"] == 0);
  REQUIRE(s["dram"]["read_bytes"]["io"] == 128);
  REQUIRE(s["dram"]["write_bytes"]["io"] == 128);
  REQUIRE(s["vector_engine"]["busy_cycles"] == 16);
  // Serial: the input in (128 B / 16 = 8 cycles), the op (16), the output out (8).
  REQUIRE(s["cycles"] == 8 + 16 + 8);
}

TEST_CASE(
    "ONNX import: a Concat of one activation is that activation (DenseNet's torch.cat([x]))") {
  Model m("cat_one");
  m.input("x", kFloat, {"batch", 4, 8, 8});
  const auto y = m.op("Concat", {"x"}, "cat", {ai("axis", 1)});
  m.output(m.op("Relu", {y}, "relu"), kFloat, {"batch", 4, 8, 8});
  const auto g = require_twins("cat_one", m, R"(name: cat_one_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: relu, kind: relu}
)");
  REQUIRE(g.layers.size() == 1);
}

// The ONNX importer's one-input elementwise ops (src/workload/onnx/activations.cpp, the SiLU and
// standalone-Tanh patterns of arithmetic.cpp): each becomes an `elementwise` layer naming its
// function (unary_ops.h), so a Sigmoid is a sigmoid and not a relu, at the cost of one
// lane-cycle per element; Relu and Gelu stay relu/gelu layers that fuse into a conv.
#include <catch2/catch.hpp>

#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// A conv whose output nothing else reads, then a chain of one-input ops on 8 x 8 x 8.
Model activation_chain() {
  Model m("acts");
  m.input("x", kFloat, {"batch", 3, 8, 8});
  auto x = conv(m, "x", "c", 3, 8, 3, true, 1, pads1());
  x = m.op("Sigmoid", {x}, "sig");  // after a conv, but not a fusable activation
  x = m.op("HardSwish", {x}, "hs");
  x = m.op("Tanh", {x}, "th");  // its input is a layer that cannot fuse it
  x = m.op("Mul", {x, m.op("Sigmoid", {x}, "gate")}, "silu");
  x = m.op("LeakyRelu", {x}, "lrelu");
  m.output(x, kFloat, {"batch", 8, 8, 8});
  return m;
}

const char* const kActivationYaml = R"(name: acts_twin
input: {channels: 3, height: 8, width: 8}
layers:
  - {name: c, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true}
  - {name: sig, kind: elementwise, op: sigmoid}
  - {name: hs, kind: elementwise, op: hardswish}
  - {name: th, kind: elementwise, op: tanh}
  - {name: silu, kind: elementwise, op: silu}
  - {name: lrelu, kind: elementwise, op: leaky_relu}
)";

}  // namespace

TEST_CASE("ONNX import: one-input ops become elementwise layers naming their function") {
  const auto g = require_twins("acts", activation_chain(), kActivationYaml);
  // Each op: 8 x 8 x 8 = 512 elements, one lane-cycle each over 8 channels: 64 positions.
  REQUIRE(g.layers.size() == 6);
  for (size_t i = 1; i < g.layers.size(); ++i) {
    REQUIRE(g.layers[i].kind == "elementwise");
    REQUIRE(g.layers[i].vector->channels == 8);
    REQUIRE(g.layers[i].vector->positions == 64);
    REQUIRE(g.layers[i].macs_per_sample() == 0);
  }
  REQUIRE(g.layers[1].activation == "sigmoid");
  REQUIRE(g.layers[4].activation == "silu");
}

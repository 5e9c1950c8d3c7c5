// The ONNX importer's conv/pool family (src/workload/onnx/conv_pool.cpp) on whole CNNs built with
// the ONNX protobuf API: each compared with a hand-written YAML twin, layer by layer and through a
// simulation, plus hand-computed MACs, parameters and shapes. BatchNormalization folding, fused
// relu/relu6, residual adds, depthwise convs, pools, SAME_UPPER padding and Flatten ride along.
#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

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

}  // namespace

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

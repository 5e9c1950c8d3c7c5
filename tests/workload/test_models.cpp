// The shipped models against published figures, and the layer kinds' shape arithmetic.
#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/layer_kind.h"

using namespace ncore;

TEST_CASE("ResNet-50 has 4.09 GMACs and 25.5 M parameters within 1 percent") {
  // Published: torchvision resnet50 (v1.5), 4.09 GMACs ("4.1 GFLOPS" as multiply-adds) and
  // 25.557 M parameters with BatchNorm; folded BN keeps one bias per channel: 25.53 M.
  const auto g = config::load_model_file(test::repo("models/resnet50.yaml"));
  REQUIRE(static_cast<double>(g.macs_per_sample()) == Approx(4.09e9).epsilon(0.01));
  REQUIRE(static_cast<double>(g.weight_elems()) == Approx(25.5e6).epsilon(0.01));
  // Exact values of this file (conv + fc): a change to the model must be deliberate.
  REQUIRE(g.macs_per_sample() == 4089184256ull);
  REQUIRE(g.weight_elems() == 25530472ull);
}

TEST_CASE("ResNet-50 layer shapes: conv1, the strided 3x3 of stage 2, fc") {
  const auto g = config::load_model_file(test::repo("models/resnet50.yaml"));
  REQUIRE(test::find_layer(g, "conv1").out == workload::Shape{64, 112, 112});
  REQUIRE(test::find_layer(g, "pool1").out == workload::Shape{64, 56, 56});
  REQUIRE(test::find_layer(g, "layer2.0.conv2").out == workload::Shape{128, 28, 28});
  REQUIRE(test::find_layer(g, "layer4.2.add").out == workload::Shape{2048, 7, 7});
  REQUIRE(test::find_layer(g, "fc").out == workload::Shape{1000, 1, 1});
  // conv1: K = 3 * 7 * 7 = 147, M = 64, 112 * 112 positions
  const auto& c1 = *test::find_layer(g, "conv1").gemm;
  REQUIRE(c1.k == 147);
  REQUIRE(c1.m == 64);
  REQUIRE(c1.positions == 12544);
  REQUIRE(g.outputs() == std::vector<int>{static_cast<int>(g.layers.size())});
}

TEST_CASE("tiny_cnn and mlp have their hand-computed MACs and parameters") {
  // Sums of the per-layer figures in each file's header comment.
  const auto cnn = config::load_model_file(test::repo("models/tiny_cnn.yaml"));
  REQUIRE(cnn.macs_per_sample() == 6509184);
  REQUIRE(cnn.weight_elems() == 26986);
  // mlp: 784*512 + 512*256 + 256*10 = 535040 MACs; + biases 512 + 256 + 10 = 535818 params
  const auto mlp = config::load_model_file(test::repo("models/mlp.yaml"));
  REQUIRE(mlp.macs_per_sample() == 535040);
  REQUIRE(mlp.weight_elems() == 535818);
}

TEST_CASE("conv and pool output sizes follow floor((in + 2 pad - k) / stride) + 1") {
  REQUIRE(workload::window_out(224, 7, 2, 3) == 112);
  REQUIRE(workload::window_out(112, 3, 2, 1) == 56);
  REQUIRE(workload::window_out(7, 3, 2, 1) == 4);
  REQUIRE(workload::window_out(2, 3, 1, 0) == 0);  // does not fit
}

TEST_CASE("a grouped conv is groups GEMMs and flatten moves no data") {
  const std::string dir = test::scratch("grouped");
  test::write(dir + "/m.yaml",
              "name: g\ninput: {channels: 8, height: 5, width: 5}\nlayers:\n"
              "  - {name: dw, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 8, "
              "bias: false}\n"
              "  - {name: gc, kind: conv2d, out_channels: 4, kernel: 1, groups: 2}\n"
              "  - {name: f, kind: flatten}\n"
              "  - {name: fc, kind: linear, out_features: 3}\n");
  const auto g = config::load_model_file(dir + "/m.yaml");
  // dw: 8 groups of K = 1 * 3 * 3, M = 1, 25 positions: 8 * 9 * 25 MACs, 72 weights
  REQUIRE(g.layers[0].macs_per_sample() == 1800);
  REQUIRE(g.layers[0].weight_elems() == 72);
  // gc: 2 groups of K = 4, M = 2: 2 * 4 * 2 * 25 = 400 MACs; 16 weights + 4 biases
  REQUIRE(g.layers[1].macs_per_sample() == 400);
  REQUIRE(g.layers[1].weight_elems() == 20);
  REQUIRE(g.layers[2].shape_only);
  REQUIRE(g.layers[2].out == workload::Shape{100, 1, 1});
  REQUIRE(g.layers[3].gemm->k == 100);
}

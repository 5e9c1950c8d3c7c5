// The ONNX importer's Pad (src/workload/onnx/conv_pool.cpp): a zero pad of an image's rows and
// columns, the same on both sides, becomes a `pad` layer with its YAML twin; other pads are one
// clear error (exit 2).
#include <catch2/catch.hpp>

#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// A zero Pad of 1 row and 2 columns before an average pool without padding, as DenseNet's
// exporter writes count_include_pad; 4 channels of 8 x 8.
Model padded_pool(const std::vector<int64_t>& pads, int64_t out_h = 5, int64_t out_w = 6) {
  Model m("padded");
  m.input("x", kFloat, {"batch", 4, 8, 8});
  const auto p = m.op("Pad", {"x", m.ints(pads)}, "pad");
  const auto y =
      m.op("AveragePool", {p}, "pool", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  m.output(y, kFloat, {"batch", 4, out_h, out_w});
  return m;
}

const char* const kPaddedYaml = R"(name: padded_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pad, kind: pad, padding: [1, 2]}
  - {name: pool, kind: avgpool, kernel: 2, stride: 2}
)";

}  // namespace

TEST_CASE("ONNX import: a zero Pad of rows and columns is a pad layer equal to its YAML twin") {
  // pads [N, C, H, W begins, then ends]: 1 row and 2 columns on each side: 4 x 10 x 12, then
  // a 2 x 2 pool with stride 2: 4 x 5 x 6. The pad copies 4 x 10 x 12 = 480 elements.
  const auto g = require_twins("padded", padded_pool({0, 0, 1, 2, 0, 0, 1, 2}), kPaddedYaml);
  REQUIRE(g.layers[0].kind == "pad");
  REQUIRE(g.layers[0].out == workload::Shape{4, 10, 12});
  REQUIRE(g.layers[0].vector->channels * g.layers[0].vector->positions == 480);
  REQUIRE(g.layers[1].out == workload::Shape{4, 5, 6});
}

TEST_CASE("ONNX import: an asymmetric Pad is one error naming the node, exit 2") {
  const std::string dir = test::scratch("onnx_pad_asym");
  // 1 row on top only: 4 x 9 x 12, pooled to 4 x 4 x 6.
  padded_pool({0, 0, 1, 2, 0, 0, 0, 2}, 4, 6).save(dir + "/m.onnx");
  const auto r = test::ncoresim("inspect " + dir + "/m.onnx");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("asymmetric or negative padding"));
  REQUIRE_THAT(r.output, Catch::Contains("pad"));
}

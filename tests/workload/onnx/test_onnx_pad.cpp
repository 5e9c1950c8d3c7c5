// The ONNX importer's Pad (src/workload/onnx/conv_pool.cpp): a zero Pad of an image's rows and
// columns folds into the Conv or pool it feeds (DenseNet's and Inception-v3's count_include_pad
// average pools), a Pad that adds nothing is nothing, any other Pad of rows and columns is a
// `pad` layer; each against its YAML twin, and the pad layer's bytes and cycles by hand. A Pad of
// other axes is one clear error (exit 2).
#include <catch2/catch.hpp>

#include "test_runs.h"
#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// A Pad of `pads` ([N, C, H, W begins, then ends]) on 4 channels of 8 x 8, then `next` reading
// it (an AveragePool 2 x 2 with stride 2 unless given), as DenseNet's exporter writes
// count_include_pad.
Model padded(const std::vector<int64_t>& pads, const std::vector<Dim>& out,
             const std::string& next = "AveragePool", const Attrs& pad_attrs = {}) {
  Model m("padded");
  m.input("x", kFloat, {"batch", 4, 8, 8});
  const auto p = m.op("Pad", {"x", m.ints(pads)}, "pad", pad_attrs);
  std::string y;
  if (next == "Conv")
    y = conv(m, p, "conv", 4, 8, 3);
  else
    y = m.op(next, {p}, "pool", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  m.output(y, kFloat, out);
  return m;
}

}  // namespace

TEST_CASE("ONNX import: a zero Pad before a pool folds into the pool's padding") {
  // 1 row and 1 column on each side, then a 2 x 2 pool with stride 2: one symmetric padding of
  // 1 (at most half the kernel) gives the same 4 x 5 x 5: one avgpool layer, no copy.
  const auto g = require_twins("pad_pool", padded({0, 0, 1, 1, 0, 0, 1, 1}, {"batch", 4, 5, 5}),
                               R"(name: pad_pool_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pool, kind: avgpool, kernel: 2, stride: 2, padding: 1}
)");
  REQUIRE(g.layers.size() == 1);
  REQUIRE(g.layers[0].window.ph == 1);
  REQUIRE(g.layers[0].window.pw == 1);
}

TEST_CASE("ONNX import: a Pad that adds nothing is nothing (DenseNet's transitions)") {
  require_twins("pad_none", padded({0, 0, 0, 0, 0, 0, 0, 0}, {"batch", 4, 4, 4}),
                R"(name: pad_none_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pool, kind: avgpool, kernel: 2, stride: 2}
)");
}

TEST_CASE("ONNX import: a zero Pad before a Conv folds into the conv's padding") {
  // 1 row and column each side, then a 3 x 3 conv without pads: conv2d padding 1, 8 x 8 out.
  const auto g =
      require_twins("pad_conv", padded({0, 0, 1, 1, 0, 0, 1, 1}, {"batch", 8, 8, 8}, "Conv"),
                    R"(name: pad_conv_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: conv, kind: conv2d, out_channels: 8, kernel: 3, padding: 1}
)");
  REQUIRE(g.layers.size() == 1);
  REQUIRE_THAT(g.layers[0].name, Catch::Equals("conv"));
}

TEST_CASE("ONNX import: a zero Pad wider than a pool's padding can be is a pad layer") {
  // 1 row and 2 columns each side: 4 x 10 x 12, then the 2 x 2 pool (stride 2): 4 x 5 x 6. A
  // pool's padding is at most half its kernel (1), so the 2 columns stay a pad layer, a copy of
  // 4 x 10 x 12 = 480 elements.
  const auto g = require_twins("pad_layer", padded({0, 0, 1, 2, 0, 0, 1, 2}, {"batch", 4, 5, 6}),
                               R"(name: pad_layer_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pad, kind: pad, padding: [1, 2]}
  - {name: pool, kind: avgpool, kernel: 2, stride: 2}
)");
  REQUIRE(g.layers[0].kind == "pad");
  REQUIRE(g.layers[0].out == workload::Shape{4, 10, 12});
  REQUIRE(g.layers[0].vector->channels * g.layers[0].vector->positions == 480);
}

TEST_CASE("ONNX import: a reflect Pad before a Conv is a pad layer, not folded") {
  // A conv's own padding is zeros: a reflected border is a copy (the same cost as a zero one).
  require_twins(
      "pad_reflect",
      padded({0, 0, 1, 1, 0, 0, 1, 1}, {"batch", 8, 8, 8}, "Conv", {as("mode", "reflect")}),
      R"(name: pad_reflect_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pad, kind: pad, padding: 1}
  - {name: conv, kind: conv2d, out_channels: 8, kernel: 3}
)");
}

TEST_CASE("ONNX import: a zero Pad neither folded nor symmetric is a pad layer with padding_end") {
  // 1 row on top only and 2 columns each side: 4 x 9 x 12, pooled to 4 x 4 x 6; the pool cannot
  // take 2 columns of padding, so a pad layer, its bottom (0 rows) given as padding_end.
  const auto g = require_twins("pad_asym", padded({0, 0, 1, 2, 0, 0, 0, 2}, {"batch", 4, 4, 6}),
                               R"(name: pad_asym_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pad, kind: pad, padding: [1, 2], padding_end: [0, 2]}
  - {name: pool, kind: avgpool, kernel: 2, stride: 2}
)");
  REQUIRE(g.layers[0].out == workload::Shape{4, 9, 12});
}

TEST_CASE("ONNX import: a Pad of the channels is one error naming the node, exit 2") {
  const std::string dir = test::scratch("onnx_pad_channels");
  padded({0, 1, 0, 0, 0, 1, 0, 0}, {"batch", 6, 4, 4}).save(dir + "/m.onnx");
  const auto r = test::ncoresim("inspect " + dir + "/m.onnx");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("Pad (node pad: only the rows and columns of an image"));
}

TEST_CASE("a pad layer moves its input in and its padded output out, one lane-cycle per element") {
  // tiny.yaml (4 lanes, 16 B per cycle of DRAM, 1 GHz everywhere), fp16, batch 1: 4 channels of
  // 4 x 4 padded by 1 to 4 x 6 x 6. DRAM: the input read, 4 x 16 x 2 = 128 B (io), the output
  // written, 4 x 36 x 2 = 288 B (io); no weights. Vector engine: the 4 channels fit the 4 lanes,
  // one lane-cycle per output element: 36 cycles.
  const auto s = test::tiny_run("pad_layer_cost")
                     .model(
                         "name: p\ninput: {channels: 4, height: 4, width: 4}\nlayers:\n"
                         "  - {name: pad, kind: pad, padding: 1}\n")
                     .run("--no-trace")
                     .summary;
  REQUIRE(s["macs"] == 0);
  REQUIRE(s["dram"]["read_bytes"]["io"] == 128);
  REQUIRE(s["dram"]["read_bytes"]["weights"] == 0);
  REQUIRE(s["dram"]["write_bytes"]["io"] == 288);
  REQUIRE(s["vector_engine"]["busy_cycles"] == 36);
  // Serial: the input in (128 B / 16 = 8 cycles), the op (36), the output out (288 / 16 = 18).
  REQUIRE(s["cycles"] == 8 + 36 + 18);
}

TEST_CASE("ONNX import: pads computed as torch.onnx writes F.pad (Mod, Transpose) fold to a Pad") {
  // Swin's F.pad at opset 17: the pads built at run time from shape arithmetic. Here
  // [0, 0, 0, 0, 1, 1] and twice Mod(5, 4) = 1, as [4, 2] (begin, end) pairs, Transposed to
  // [2, 4] and flattened: ONNX's [0, 0, 1, 1, 0, 0, 1, 1], 1 row and column on each side.
  Model m("computed_pads");
  m.input("x", kFloat, {"batch", 4, 8, 8});
  const auto mod = m.op("Mod", {m.scalar(5), m.scalar(4)}, "mod");
  const auto one = m.op("Unsqueeze", {mod, m.ints({0})}, "one");
  auto pads = m.op("Concat", {m.ints({0, 0, 0, 0, 1, 1}), one, one}, "pairs", {ai("axis", 0)});
  pads = m.op("Reshape", {pads, m.ints({4, 2})}, "pairs_2d");
  pads = m.op("Transpose", {pads}, "by_side", {ais("perm", {1, 0})});
  pads = m.op("Reshape", {pads, m.ints({-1})}, "pads");
  const auto p = m.op("Pad", {"x", pads}, "pad");
  m.output(m.op("AveragePool", {p}, "pool", {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})}),
           kFloat, {"batch", 4, 5, 5});
  const auto g = require_twins("computed_pads", m, R"(name: computed_pads_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: pool, kind: avgpool, kernel: 2, stride: 2, padding: 1}
)");
  REQUIRE(g.layers.size() == 1);
}

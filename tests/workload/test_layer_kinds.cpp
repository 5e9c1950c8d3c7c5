// Every registered layer kind evaluates in functional mode: each kind has an example model here
// (a new kind adds its line), which runs through `ncoresim run` with options.functional on the
// tiny 4x4 accelerator at batch 2 and must match the direct reference. A kind registered without
// an example, or whose evaluation is missing, fails here rather than inside an SC_THREAD.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "test_util.h"
#include "workload/layer_kind.h"

using namespace ncore;

namespace {

const char* kImage = "input: {channels: 8, height: 6, width: 6}\n";
const char* kSequence = "input: {channels: 8, height: 4}\n";

struct Example {
  const char* input;
  const char* layers;  // YAML list items
};

// One small model per kind, its kind's layer last or feeding the last.
const std::map<std::string, Example>& examples() {
  static const std::map<std::string, Example> e = {
      {"add", {kImage, "- {name: a, kind: relu}\n- {name: x, kind: add, inputs: [input, a]}\n"}},
      {"avgpool", {kImage, "- {name: x, kind: avgpool, kernel: 3, stride: 2, padding: 1}\n"}},
      {"channel_shuffle", {kImage, "- {name: x, kind: channel_shuffle, groups: 2}\n"}},
      {"concat",
       {kImage, "- {name: a, kind: relu}\n- {name: x, kind: concat, inputs: [input, a]}\n"}},
      {"conv2d", {kImage, "- {name: x, kind: conv2d, out_channels: 4, kernel: 3, padding: 1}\n"}},
      {"elementwise", {kImage, "- {name: x, kind: elementwise, op: hardswish}\n"}},
      {"embedding",
       {"input: {channels: 1, height: 8}\n",
        "- {name: x, kind: embedding, vocab: 16, hidden: 8}\n"}},
      {"external",
       {kImage,
        "- {name: e, kind: external, channels: 8, height: 6, width: 6}\n"
        "- {name: x, kind: add, inputs: [input, e]}\n"}},
      {"kv_cache",
       {kSequence,
        "- {name: e, kind: kv_cache, channels: 8, tokens: 4}\n"
        "- {name: x, kind: add, inputs: [input, e]}\n"}},
      {"flatten",
       {kImage, "- {name: f, kind: flatten}\n- {name: x, kind: linear, out_features: 4}\n"}},
      {"gelu", {kImage, "- {name: x, kind: gelu}\n"}},
      {"global_avgpool", {kImage, "- {name: x, kind: global_avgpool}\n"}},
      {"layernorm", {kSequence, "- {name: x, kind: layernorm}\n"}},
      {"linear", {"input: {channels: 8}\n", "- {name: x, kind: linear, out_features: 4}\n"}},
      {"matmul",
       {kSequence,
        "- {name: q, kind: linear, out_features: 8}\n"
        "- {name: x, kind: matmul, inputs: [q, input], heads: 2, transpose_b: true}\n"}},
      {"maxpool", {kImage, "- {name: x, kind: maxpool, kernel: 2}\n"}},
      {"mul", {kSequence, "- {name: a, kind: relu}\n- {name: x, kind: mul, inputs: [input, a]}\n"}},
      {"pad", {kImage, "- {name: x, kind: pad, padding: [1, 2], padding_end: [0, 1]}\n"}},
      {"relu", {kImage, "- {name: x, kind: relu}\n"}},
      {"rmsnorm", {kSequence, "- {name: x, kind: rmsnorm}\n"}},
      {"rope", {kSequence, "- {name: x, kind: rope, heads: 1}\n"}},  // a head over 2 lane blocks
      {"slice", {kSequence, "- {name: x, kind: slice, start: 1, count: 2}\n"}},
      {"softmax", {kSequence, "- {name: x, kind: softmax}\n"}},
      {"tokens",
       {kImage, "- {name: t, kind: tokens}\n- {name: x, kind: linear, out_features: 4}\n"}},
      {"transpose",
       {kSequence,
        "- {name: t, kind: transpose, windows: 2}\n- {name: x, kind: transpose, "
        "windows: 2, to: tokens}\n"}},
      {"window_partition", {kImage, "- {name: x, kind: window_partition, window: [2, 3]}\n"}},
      {"window_reverse",
       {kImage,
        "- {name: p, kind: window_partition, window: 3}\n- {name: x, kind: "
        "window_reverse, window: 3, grid: 2}\n"}},
  };
  return e;
}

}  // namespace

TEST_CASE("every registered layer kind has an example that passes functional mode") {
  for (const auto& kind : workload::LayerRegistry::instance().names()) {
    INFO("kind " << kind);
    const auto it = examples().find(kind);
    REQUIRE(it != examples().end());  // a new kind adds its example above
    const std::string dir = test::scratch("kind_" + kind);
    test::write(dir + "/model.yaml", "name: " + kind + "_example\n" + it->second.input +
                                         "layers:\n" + it->second.layers);
    test::write(dir + "/run.yaml", "hw: " + test::repo("configs/hw/tiny.yaml") +
                                       "\nmodel: model.yaml\nbatch: 2\noptions: {functional: "
                                       "true}\n");
    const auto r = test::ncoresim("run " + dir + "/run.yaml --no-trace -o " + dir + "/out");
    INFO(r.output);
    REQUIRE(r.code == 0);
    const auto s = nlohmann::json::parse(test::read(dir + "/out/summary.json"));
    REQUIRE(s["functional"]["passed"] == true);
    REQUIRE(s["functional"]["elements_checked"].get<uint64_t>() > 0);  // something was compared
  }
}

TEST_CASE("a kind's flags and evaluation are where its file registered them") {
  CHECK(workload::LayerRegistry::instance().find("softmax")->flags.reduces_channels);
  CHECK(workload::LayerRegistry::instance().find("layernorm")->flags.reduces_channels);
  CHECK(workload::LayerRegistry::instance().find("rmsnorm")->flags.reduces_channels);
  CHECK_FALSE(workload::LayerRegistry::instance().find("relu")->flags.reduces_channels);
  for (const char* k : {"conv2d", "linear", "matmul", "add"})
    CHECK(workload::LayerRegistry::instance().find(k)->flags.fuses_activation);
  CHECK(workload::LayerRegistry::instance().find("conv2d")->eval == nullptr);  // GEMM reference
  CHECK(workload::LayerRegistry::instance().find("concat")->input_region != nullptr);
  CHECK(workload::LayerRegistry::instance().find("rope")->input_region != nullptr);
}

TEST_CASE("pad: a zero border of rows and columns, one lane-cycle per output element") {
  // 8 x 6 x 6 padded by 1 row and 2 columns on each side: 8 x 8 x 10, 80 positions per sample.
  const std::string dir = test::scratch("pad_shape");
  test::write(dir + "/m.yaml", std::string("name: p\n") + kImage +
                                   "layers:\n- {name: x, kind: pad, padding: [1, 2]}\n");
  const auto r = test::ncoresim("inspect " + dir + "/m.yaml");
  REQUIRE(r.code == 0);
  REQUIRE(r.output.find("8x8x10") != std::string::npos);
  REQUIRE(r.output.find("0 MACs and 0 parameters") != std::string::npos);
}

// The ONNX importer's Split and Slice (src/workload/onnx/slice_ops.cpp) and tied weights
// (gemm.cpp): Hugging Face GPT-2's fused QKV projection split in three, a Slice with axes and
// steps, and an LM head whose weights are the token embedding's table; each against its YAML
// twin, and the slice kind's data in functional mode.
#include <catch2/catch.hpp>

#include "test_runs.h"
#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// GPT-2's attention as Hugging Face writes it: one projection to 3 x hidden features, Split in
// three along the features (opset 13: the sizes as an input), heads split and transposed, Q K^T,
// softmax, P V. 8 tokens, hidden 32, 4 heads of 8.
Model fused_qkv() {
  Model m("fused_qkv");
  m.input("x", kFloat, {"batch", kT, kHid});
  const auto qkv = linear(m, "x", "attn/c_attn", kHid, 3 * kHid);
  const auto sizes = m.ints({kHid, kHid, kHid});
  auto* split = m.graph().add_node();
  split->set_op_type("Split");
  split->set_name("attn/Split");
  split->add_input(qkv);
  split->add_input(sizes);
  for (const char* o : {"q", "k", "v"}) split->add_output(o);
  *split->add_attribute() = ai("axis", 2);
  const auto q = m.op("Transpose", {split_heads(m, "q", "attn/q_heads", false)}, "attn/Transpose",
                      {ais("perm", {0, 2, 1, 3})});
  const auto k = m.op("Transpose", {split_heads(m, "k", "attn/k_heads", false)}, "attn/Transpose_k",
                      {ais("perm", {0, 2, 3, 1})});
  const auto v = m.op("Transpose", {split_heads(m, "v", "attn/v_heads", false)}, "attn/Transpose_v",
                      {ais("perm", {0, 2, 1, 3})});
  const auto s =
      m.op("Softmax", {m.op("MatMul", {q, k}, "attn/scores")}, "attn/Softmax", {ai("axis", -1)});
  m.output(m.op("MatMul", {s, v}, "attn/context"), kFloat, {"batch", kHeads, kT, kDh});
  return m;
}

const char* const kFusedQkvYaml = R"(name: fused_qkv_twin
input: {channels: 32, height: 8}
layers:
  - {name: c_attn, kind: linear, out_features: 96}
  - {name: q, kind: slice, axis: channels, start: 0, count: 32}
  - {name: k, kind: slice, inputs: [c_attn], axis: channels, start: 32, count: 32}
  - {name: v, kind: slice, inputs: [c_attn], axis: channels, start: 64, count: 32}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 4, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 4}
)";

// Every other column of an image from column 1 (Slice with axes [-1] and steps [2]), then 2 of
// its 4 channels from channel 1 (axes [1]); 4 channels of 8 x 8.
Model strided_slices() {
  Model m("strided");
  m.input("x", kFloat, {"batch", 4, 8, 8});
  auto y = m.op("Slice", {"x", m.ints({1}), m.ints({100}), m.ints({-1}), m.ints({2})}, "cols");
  y = m.op("Slice", {y, m.ints({1}), m.ints({3}), m.ints({1})}, "chans");
  m.output(m.op("Relu", {y}, "relu"), kFloat, {"batch", 2, 8, 4});
  return m;
}

// Token ids -> an embedding [vocab 6, hidden 4] -> an LM head MatMul by `head` [4, 6].
Model lm_head(const std::vector<float>& table, const std::vector<float>& head) {
  Model m("lm_head");
  m.input("ids", kInt64, {"batch", kT});
  *m.graph().add_initializer() = tensor<float>("wte.weight", kFloat, {6, 4}, table);
  *m.graph().add_initializer() = tensor<float>("head.weight_t", kFloat, {4, 6}, head);
  const auto h = m.op("Gather", {"wte.weight", "ids"}, "wte/Gather");
  m.output(m.op("MatMul", {h, "head.weight_t"}, "lm_head/MatMul"), kFloat, {"batch", kT, 6});
  return m;
}

// The table's values 0 ... 23 and their transpose (what torch.onnx writes for a tied head).
std::vector<float> table_values() {
  std::vector<float> t(24);
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}
std::vector<float> transposed(const std::vector<float>& t) {
  std::vector<float> r(24);
  for (size_t row = 0; row < 6; ++row)
    for (size_t col = 0; col < 4; ++col) r[col * 6 + row] = t[row * 4 + col];
  return r;
}

}  // namespace

TEST_CASE("ONNX import: a fused QKV projection Split in three is three channel slices") {
  const auto g = require_twins("fused_qkv", fused_qkv(), kFusedQkvYaml);
  // the split's three parts: 32 features of the 8 tokens each, from features 0, 32, 64
  for (uint64_t i = 0; i < 3; ++i) {
    const auto& s = g.layers[1 + i];
    REQUIRE(s.kind == "slice");
    REQUIRE(s.slice.axis == 0);
    REQUIRE(s.slice.start == 32 * i);
    REQUIRE(s.out == workload::Shape{32, 8, 1});
  }
  // MACs: the projection 32 x 96 x 8 = 24576, Q K^T and P V 4 x 8 x 8 x 8 = 2048 each
  REQUIRE(g.macs_per_sample() == 24576 + 2 * 2048);
}

TEST_CASE("ONNX import: a Slice with axes and steps is a slice along that axis") {
  const auto g = require_twins("strided", strided_slices(), R"(name: strided_twin
input: {channels: 4, height: 8, width: 8}
layers:
  - {name: cols, kind: slice, axis: width, start: 1, count: 4, step: 2}
  - {name: chans, kind: slice, axis: channels, start: 1, count: 2}
  - {name: relu, kind: relu}
)");
  REQUIRE(g.layers[0].out == workload::Shape{4, 8, 4});
  REQUIRE(g.layers[1].out == workload::Shape{2, 8, 4});
}

TEST_CASE("slices along each axis and with steps compute the right data") {
  // functional mode: the tiled program's slices match the direct reference, at batch 2
  const auto s = test::tiny_run("slice_functional")
                     .model(
                         "name: s\ninput: {channels: 6, height: 5, width: 7}\nlayers:\n"
                         "  - {name: w, kind: slice, axis: width, start: 1, count: 3, step: 2}\n"
                         "  - {name: c, kind: slice, axis: channels, start: 1, count: 2, "
                         "step: 3}\n"
                         "  - {name: h, kind: slice, start: 2, count: 2}\n"
                         "  - {name: r, kind: relu}\n")
                     .batch(2)
                     .set("options.functional", "true")
                     .run("--no-trace")
                     .summary;
  REQUIRE(s["functional"]["passed"] == true);
}

TEST_CASE("a slice outside its input is an error naming the key") {
  const std::string dir = test::scratch("slice_outside");
  test::write(dir + "/m.yaml",
              "name: s\ninput: {channels: 6, height: 5}\nlayers:\n"
              "  - {name: c, kind: slice, axis: channels, start: 1, count: 3, step: 3}\n");
  const auto r = test::ncoresim("inspect '" + dir + "/m.yaml'");
  REQUIRE(r.code == 2);
  // channels 1, 4, 7: 7 is past the 6 channels
  REQUIRE_THAT(r.output, Catch::Contains("count: slice of 3 from 1 every 3 is outside the "
                                         "input's 6 channels"));
}

TEST_CASE("ONNX import: an LM head tied to the token embedding counts its weights once") {
  const auto t = table_values();
  // the head's [4, 6] weights are the [6, 4] table transposed: 24 parameters, not 48
  const auto g = require_twins("tied", lm_head(t, transposed(t)), R"(name: tied_twin
input: {channels: 1, height: 8}
layers:
  - {name: wte, kind: embedding, vocab: 6, hidden: 4}
  - {name: lm_head, kind: linear, out_features: 6, bias: false, tied: true}
)");
  REQUIRE(g.layers[1].gemm->tied);
  REQUIRE(g.weight_elems() == 24);
  REQUIRE(g.dense_weight_elems() == 24);  // the head still reads its 4 x 6 weights whole
  REQUIRE(g.macs_per_sample() == 8 * 4 * 6);
  // one value differs: two tensors, 48 parameters
  auto other = transposed(t);
  other[5] += 1.0f;
  const std::string dir = test::scratch("onnx_untied");
  const auto u = config::load_model_file(lm_head(t, other).save(dir + "/m.onnx"));
  REQUIRE(!u.layers[1].gemm->tied);
  REQUIRE(u.weight_elems() == 48);
}

TEST_CASE("an imported Hugging Face-style attention (fused QKV) runs as a decoder: its decode "
          "step reads and appends the KV cache of its split K and V") {
  const std::string dir = test::scratch("onnx_decoder");
  const std::string onnx = fused_qkv().save(dir + "/m.onnx");
  const auto imp = test::ncoresim("import '" + onnx + "' -o '" + dir + "/m.yaml' --decoder 64");
  INFO(imp.output);
  REQUIRE(imp.code == 0);
  REQUIRE(test::read(dir + "/m.yaml").find("decoder: true") != std::string::npos);
  const auto s = test::Run("onnx_decoder_run", "")
                     .model_file(dir + "/m.yaml")
                     .batch(2)
                     .set("phase", "decode")
                     .set("context", "16")
                     .run()
                     .summary;
  // per sequence: K and V (the Split's 2nd and 3rd parts) of 32 features (4 heads of 8), 16
  // cached tokens read and one appended, fp16: 2 x 16 x 32 x 2 = 2048 and 2 x 32 x 2 = 128
  REQUIRE(s["dram"]["read_bytes"]["kv"] == 2 * 2048);
  REQUIRE(s["dram"]["write_bytes"]["kv"] == 2 * 128);
  // without --decoder, a phase is refused and says how to import a decoder
  const auto plain = test::ncoresim("import '" + onnx + "' -o '" + dir + "/p.yaml'");
  REQUIRE(plain.code == 0);
  test::write(dir + "/p_run.yaml", "hw: " + test::repo("configs/hw/tiny.yaml") +
                                       "\nmodel: p.yaml\nbatch: 1\nphase: decode\n");
  const auto r = test::ncoresim("run '" + dir + "/p_run.yaml' -q -o '" + dir + "/o'");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE(r.output.find("--decoder MAX_CONTEXT") != std::string::npos);
}

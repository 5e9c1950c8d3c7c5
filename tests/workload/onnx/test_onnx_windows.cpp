// Swin's and MaxViT's windowed attention (src/workload/onnx/window_ops.cpp) as torch.onnx exports
// torchvision's shifted_window_attention at batch 1: the roll (two Slices and a Concat per axis),
// the window partition (Reshape to 6-D, Transpose, Reshape), the fused QKV projection split by
// Gather into Q, K and V per window, the relative-position bias (an Add of a constant), softmax,
// P V, the heads merged back, the window reverse, a residual Add and PatchMerging's strided
// slices concatenated along the channels; MaxViT's channels-first partition and Einsum attention;
// an Einsum that is no matrix product; each against its YAML twin, the new kinds' data in
// functional mode, and their bytes and cycles derived by hand.
#include <catch2/catch.hpp>

#include "test_runs.h"
#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// An image of 8 channels, 4 x 4, in windows of 2 x 2 (a 2 x 2 grid), 2 heads of 4.
constexpr int64_t kC = 8, kS = 4, kWin = 2, kGrid = 2, kNw = kGrid * kGrid, kN = kWin * kWin,
                  kHeadsW = 2, kDw = kC / kHeadsW;

std::string slice(Model& m, const std::string& x, const std::string& name, int64_t axis,
                  int64_t start, int64_t end, int64_t step = 1) {
  return m.op("Slice", {x, m.ints({start}), m.ints({end}), m.ints({axis}), m.ints({step})}, name);
}

// torch.roll(x, -1, dims=(1, 2)) of [1, H, W, C]: per axis the tail, then the head.
std::string roll(Model& m, std::string x) {
  for (int64_t axis : {1, 2}) {
    const std::string a = std::to_string(axis);
    const auto tail = slice(m, x, "roll/Slice_tail" + a, axis, 1, kS);
    const auto head = slice(m, x, "roll/Slice_head" + a, axis, 0, 1);
    x = m.op("Concat", {tail, head}, "roll/Concat" + a, {ai("axis", axis)});
  }
  return x;
}

std::string reshape(Model& m, const std::string& x, const std::vector<int64_t>& shape,
                    const std::string& name) {
  return m.op("Reshape", {x, m.ints(shape)}, name);
}

std::string transpose(Model& m, const std::string& x, const std::vector<int64_t>& perm,
                      const std::string& name) {
  return m.op("Transpose", {x}, name, {ais("perm", perm)});
}

// Attention within each window of windows [nW, N, C]: the output [nW, N, C].
std::string window_attention(Model& m, const std::string& x) {
  auto qkv = linear(m, x, "attn/qkv", kC, 3 * kC);
  qkv = reshape(m, qkv, {kNw, kN, 3, kHeadsW, kDw}, "attn/Reshape_qkv");
  qkv = transpose(m, qkv, {2, 0, 3, 1, 4}, "attn/Transpose_qkv");
  std::string part[3];
  for (int64_t i = 0; i < 3; ++i)
    part[i] =
        m.op("Gather", {qkv, m.scalar(i)}, "attn/Gather_" + std::to_string(i), {ai("axis", 0)});
  const auto q = m.op("Mul", {part[0], m.constant(0.5f)}, "attn/Mul_scale");
  const auto kt = transpose(m, part[1], {0, 1, 3, 2}, "attn/Transpose_k");
  auto s = m.op("MatMul", {q, kt}, "attn/MatMul_qk");
  s = m.op("Add", {s, m.weight("attn.bias", {1, kHeadsW, kN, kN})}, "attn/Add_bias");
  s = m.op("Softmax", {s}, "attn/Softmax", {ai("axis", -1)});
  auto o = m.op("MatMul", {s, part[2]}, "attn/MatMul_pv");
  o = transpose(m, o, {0, 2, 1, 3}, "attn/Transpose_o");
  o = reshape(m, o, {kNw, kN, kC}, "attn/Reshape_o");
  return linear(m, o, "attn/proj", kC, kC);
}

Model swin_block() {
  Model m("swin_block");
  m.input("x", kFloat, {1, kC, kS, kS});
  const auto hwc = transpose(m, "x", {0, 2, 3, 1}, "permute");
  auto x = roll(m, hwc);
  x = reshape(m, x, {1, kGrid, kWin, kGrid, kWin, kC}, "part/Reshape");
  x = transpose(m, x, {0, 1, 3, 2, 4, 5}, "part/Transpose");
  x = reshape(m, x, {kNw, kN, kC}, "part/Reshape_1");
  x = window_attention(m, x);
  x = reshape(m, x, {1, kGrid, kGrid, kWin, kWin, kC}, "rev/Reshape");
  x = transpose(m, x, {0, 1, 3, 2, 4, 5}, "rev/Transpose");
  x = reshape(m, x, {1, kS, kS, kC}, "rev/Reshape_1");
  x = m.op("Add", {hwc, x}, "Add");
  // PatchMerging's x[..., 0::2, 0::2, :] and x[..., 1::2, 1::2, :] along the channels
  auto sl = [&](int64_t s0, const std::string& name) {
    return m.op("Slice", {x, m.ints({s0, s0}), m.ints({kS, kS}), m.ints({1, 2}), m.ints({2, 2})},
                name);
  };
  x = m.op("Concat", {sl(0, "merge/Slice_0"), sl(1, "merge/Slice_1")}, "merge/Concat",
           {ai("axis", -1)});
  m.output(transpose(m, x, {0, 3, 1, 2}, "permute_back"), kFloat, {1, 2 * kC, 2, 2});
  return m;
}

const char* const kSwinYaml = R"(name: swin_twin
input: {channels: 8, height: 4, width: 4}
layers:
  - {name: tail_h, kind: slice, axis: height, start: 1, count: 3}
  - {name: head_h, kind: slice, inputs: [input], axis: height, start: 0, count: 1}
  - {name: roll_h, kind: concat, inputs: [tail_h, head_h], axis: height}
  - {name: tail_w, kind: slice, axis: width, start: 1, count: 3}
  - {name: head_w, kind: slice, inputs: [roll_h], axis: width, start: 0, count: 1}
  - {name: roll_w, kind: concat, inputs: [tail_w, head_w], axis: width}
  - {name: part, kind: window_partition, window: 2}
  - {name: qkv, kind: linear, out_features: 24}
  - {name: q, kind: transpose, windows: 4, start: 0, count: 8}
  - {name: k, kind: transpose, inputs: [qkv], windows: 4, start: 8, count: 8}
  - {name: v, kind: transpose, inputs: [qkv], windows: 4, start: 16, count: 8}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 8, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 8}
  - {name: merge_heads, kind: transpose, windows: 4, to: tokens}
  - {name: proj, kind: linear, out_features: 8}
  - {name: rev, kind: window_reverse, window: 2, grid: 2}
  - {name: res, kind: add, inputs: [input, rev]}
  - {name: s0h, kind: slice, axis: height, start: 0, count: 2, step: 2}
  - {name: s0w, kind: slice, axis: width, start: 0, count: 2, step: 2}
  - {name: s1h, kind: slice, inputs: [res], axis: height, start: 1, count: 2, step: 2}
  - {name: s1w, kind: slice, axis: width, start: 1, count: 2, step: 2}
  - {name: merge, kind: concat, inputs: [s0w, s1w]}
)";

// MaxViT's block attention as torch.onnx exports torchvision's maxvit_t: the partition of a
// channels-first image ([C, H / 2, 2, W / 2, 2], Transpose, Reshape to [1, windows, N, C]), a
// LayerNorm and the QKV projection per token, Q, K and V as Slices of the features, heads split
// and transposed, attention as two Einsums, the heads merged, the projection, the residual and
// the departition back to [1, C, H, W].
Model maxvit_block() {
  Model m("maxvit_block", 17);
  m.input("x", kFloat, {1, kC, kS, kS});
  auto x = reshape(m, "x", {1, kC, kGrid, kWin, kGrid, kWin}, "part/Reshape");
  x = transpose(m, x, {0, 2, 4, 3, 5, 1}, "part/Transpose");
  const auto part = reshape(m, x, {1, kNw, kN, kC}, "part/Reshape_1");
  x = m.op("LayerNormalization", {part, m.weight("ln.weight", {kC}), m.weight("ln.bias", {kC})},
           "ln", {ai("axis", -1)}, "");
  const auto qkv = linear(m, x, "attn/to_qkv", kC, 3 * kC);
  std::string part_of[3];
  for (int64_t i = 0; i < 3; ++i) {
    const std::string s = std::to_string(i);
    const auto sl = slice(m, qkv, "attn/Slice_" + s, 3, i * kC, (i + 1) * kC);
    part_of[i] = transpose(m, reshape(m, sl, {1, kNw, kN, kHeadsW, kDw}, "attn/Reshape_" + s),
                           {0, 1, 3, 2, 4}, "attn/Transpose_" + s);
  }
  const auto k = m.op("Mul", {part_of[1], m.constant(0.5f)}, "attn/Mul_scale");
  auto s = m.op("Einsum", {part_of[0], k}, "attn/Einsum",
                {as("equation", "B G H I D, B G H J D -> B G H I J")});
  s = m.op("Add", {s, m.weight("attn.bias", {1, kHeadsW, kN, kN})}, "attn/Add_bias");
  s = m.op("Softmax", {s}, "attn/Softmax", {ai("axis", -1)});
  auto o = m.op("Einsum", {s, part_of[2]}, "attn/Einsum_1",
                {as("equation", "B G H I J, B G H J D -> B G H I D")});
  o = reshape(m, transpose(m, o, {0, 1, 3, 2, 4}, "attn/Transpose_o"), {1, kNw, kN, kC},
              "attn/Reshape_o");
  x = m.op("Add", {part, linear(m, o, "attn/merge", kC, kC)}, "Add");
  x = reshape(m, x, {1, kGrid, kGrid, kWin, kWin, kC}, "rev/Reshape");
  x = transpose(m, x, {0, 5, 1, 3, 2, 4}, "rev/Transpose");
  m.output(reshape(m, x, {1, kC, kS, kS}, "rev/Reshape_1"), kFloat, {1, kC, kS, kS});
  return m;
}

const char* const kMaxvitYaml = R"(name: maxvit_twin
input: {channels: 8, height: 4, width: 4}
layers:
  - {name: part, kind: window_partition, window: 2}
  - {name: ln, kind: layernorm}
  - {name: qkv, kind: linear, out_features: 24}
  - {name: qs, kind: slice, axis: channels, start: 0, count: 8}
  - {name: ks, kind: slice, inputs: [qkv], axis: channels, start: 8, count: 8}
  - {name: vs, kind: slice, inputs: [qkv], axis: channels, start: 16, count: 8}
  - {name: q, kind: transpose, inputs: [qs], windows: 4}
  - {name: k, kind: transpose, inputs: [ks], windows: 4}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 8, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: v, kind: transpose, inputs: [vs], windows: 4}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 8}
  - {name: merge_heads, kind: transpose, windows: 4, to: tokens}
  - {name: proj, kind: linear, out_features: 8}
  - {name: res, kind: add, inputs: [part, proj]}
  - {name: rev, kind: window_reverse, window: 2, grid: 2}
)";

// A one-layer data-movement model on tiny.yaml at batch 1, no trace: no MACs, `in` bytes read
// and `out` written (class io), `vector_cycles` on the vector engine, `cycles` in all.
void require_copy_cost(const std::string& name, const std::string& model, uint64_t in, uint64_t out,
                       uint64_t vector_cycles, uint64_t cycles) {
  const auto s = test::tiny_run(name).model(model).run("--no-trace").summary;
  REQUIRE(s["macs"] == 0);
  REQUIRE(s["dram"]["read_bytes"]["io"] == in);
  REQUIRE(s["dram"]["write_bytes"]["io"] == out);
  REQUIRE(s["vector_engine"]["busy_cycles"] == vector_cycles);
  REQUIRE(s["cycles"] == cycles);
}

}  // namespace

TEST_CASE("ONNX import: Swin's shifted window attention maps onto copies and per-window heads") {
  const auto g = require_twins("swin_block", swin_block(), kSwinYaml);
  // the windows as heads: 4 windows x 2 heads of 4 features, 4 tokens each
  REQUIRE(g.layers[8].out == workload::Shape{32, 4, 1});
  REQUIRE(g.layers[11].gemm->groups == 8);
  // MACs: qkv 16 tokens x 8 x 24 = 3072, proj 16 x 8 x 8 = 1024, Q K^T and P V 8 heads x 4 x 4
  // x 4 = 512 each; the rolls, partition, transposes, reverse and slices none
  REQUIRE(g.macs_per_sample() == 3072 + 1024 + 2 * 512);
  // parameters: 8 x 24 + 24 and 8 x 8 + 8 (the bias constant is not a layer's)
  REQUIRE(g.weight_elems() == 216 + 72);
}

TEST_CASE("window partition, reverse, transposes and concats along rows compute the right data") {
  const auto s = test::tiny_run("window_functional")
                     .model(
                         "name: w\ninput: {channels: 6, height: 4, width: 6}\nlayers:\n"
                         "  - {name: p, kind: window_partition, window: [2, 3]}\n"
                         "  - {name: t, kind: transpose, windows: 4, start: 1, count: 4}\n"
                         "  - {name: b, kind: transpose, windows: 4, to: tokens}\n"
                         "  - {name: r, kind: window_reverse, window: [2, 3], grid: 2}\n"
                         "  - {name: a, kind: slice, axis: height, start: 1, count: 3}\n"
                         "  - {name: h, kind: concat, inputs: [a, r], axis: height}\n"
                         "  - {name: c, kind: slice, axis: width, start: 2, count: 2}\n"
                         "  - {name: w, kind: concat, inputs: [c, h], axis: width}\n")
                     .batch(2)
                     .set("options.functional", "true")
                     .run("--no-trace")
                     .summary;
  REQUIRE(s["functional"]["passed"] == true);
}

TEST_CASE("a window partition moves its input in and its output out, one lane-cycle per element") {
  // tiny.yaml (4 lanes, 16 B per cycle of DRAM), fp16, batch 1: 4 channels of 4 x 4 into 4
  // windows of 2 x 2 as 16 tokens. DRAM: the input read, 4 x 16 x 2 = 128 B, the output written,
  // 128 B. Vector engine: the 4 channels on the 4 lanes, 16 elements each: 16 cycles. Serial:
  // 128 / 16 = 8 cycles in, 16, 8 out.
  require_copy_cost("window_partition_cost",
                    "name: p\ninput: {channels: 4, height: 4, width: 4}\nlayers:\n"
                    "  - {name: p, kind: window_partition, window: 2}\n",
                    128, 128, 16, 8 + 16 + 8);
}

TEST_CASE("a window reverse moves its tokens in and the image out, one lane-cycle per element") {
  // The inverse of the partition above: 4 channels of 16 tokens (a 2 x 2 grid of 2 x 2 windows)
  // back into 4 x 4. DRAM: 4 x 16 x 2 = 128 B in, 128 B out; vector engine: 4 lanes x 16
  // elements, 16 cycles. Serial: 8 cycles in, 16, 8 out.
  require_copy_cost("window_reverse_cost",
                    "name: r\ninput: {channels: 4, height: 16}\nlayers:\n"
                    "  - {name: r, kind: window_reverse, window: 2, grid: 2}\n",
                    128, 128, 16, 8 + 16 + 8);
}

TEST_CASE("a transpose of windows to the channels costs a copy of its output") {
  // 2 channels of 16 tokens, 4 windows of 4 tokens to the channels: 8 channels of 4 tokens.
  // DRAM: 2 x 16 x 2 = 64 B in, 8 x 4 x 2 = 64 B out. Vector engine: 8 channels on 4 lanes, two
  // blocks of 4 channels x 4 elements: 8 cycles. Pipelined: the input in at once (64 B / 16 =
  // 4 cycles), the two blocks (4 + 4), the first block's 32 B written while the second runs, the
  // second's after it (32 / 16 = 2).
  require_copy_cost("transpose_cost",
                    "name: t\ninput: {channels: 2, height: 16}\nlayers:\n"
                    "  - {name: t, kind: transpose, windows: 4}\n",
                    64, 64, 8, 4 + 8 + 2);
}

TEST_CASE("window and transpose keys that do not fit their input are errors naming the key") {
  const std::string dir = test::scratch("window_bad");
  auto inspect = [&](const std::string& layer) {
    test::write(dir + "/m.yaml",
                "name: w\ninput: {channels: 4, height: 6, width: 4}\nlayers:\n  - " + layer + "\n");
    return test::ncoresim("inspect '" + dir + "/m.yaml'");
  };
  auto r = inspect("{name: p, kind: window_partition, window: 4}");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("window: the input's 6 x 4 positions are not a whole "
                                         "number of 4 x 4 windows"));
  r = inspect("{name: t, kind: transpose, windows: 2}");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("transpose takes (features, tokens) tensors"));
}

TEST_CASE("ONNX import: MaxViT's attention as Einsums maps onto per-window heads") {
  const auto g = require_twins("maxvit_block", maxvit_block(), kMaxvitYaml);
  REQUIRE(g.layers[8].gemm->groups == 8);  // 4 windows x 2 heads
  // MACs: qkv 16 x 8 x 24 = 3072, merge 16 x 8 x 8 = 1024, each Einsum 8 x 4 x 4 x 4 = 512
  REQUIRE(g.macs_per_sample() == 3072 + 1024 + 2 * 512);
}

TEST_CASE("ONNX import: an Einsum that is not a matrix product is one clear error") {
  Model m("einsum_bad");
  m.input("x", kFloat, {1, 4, 8});
  m.output(m.op("Einsum", {"x", "x"}, "einsum", {as("equation", "bid,bjd->bd")}), kFloat, {1, 8});
  const std::string dir = test::scratch("onnx_einsum_bad");
  const auto r = test::ncoresim("inspect '" + m.save(dir + "/m.onnx") + "'");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("Einsum (node einsum: an Einsum other than a batched "
                                         "matrix product ('bid,bjd->bd')"));
}

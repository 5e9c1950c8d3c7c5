// The layer kinds a Llama-style or GPT-2 decoder needs (issue 16): rmsnorm, mul, rope, the fused
// silu, slice `last` and matmul `kv_heads` (grouped-query attention): shapes, costs, errors, and
// each kind's evaluation against values derived by hand.
#include <catch2/catch.hpp>
#include <cmath>

#include "config/config_error.h"
#include "config/hw_loader.h"
#include "test_util.h"
#include "workload/layer_kind.h"
#include "workload/reference.h"

using namespace ncore;

namespace {

workload::Graph load(const std::string& input, const std::string& layers) {
  return config::load_model("m.yaml", "name: m\ninput: " + input + "\nlayers:\n" + layers);
}

// The message of the ConfigError loading these layers throws ("" if none).
std::string error_of(const std::string& input, const std::string& layers) {
  try {
    load(input, layers);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

// Layer l of g evaluated by its kind over every channel and position of batch 1.
std::vector<float> eval(const workload::Graph& g, size_t l,
                        const std::vector<std::vector<float>>& ins,
                        const std::vector<float>& params = {}) {
  const workload::Layer& layer = g.layers[l];
  std::vector<const std::vector<float>*> ptrs;
  for (const auto& v : ins) ptrs.push_back(&v);
  std::vector<float> out(layer.out.elems(), 0.0f);
  workload::eval_layer(layer, ptrs, out, params, 0, layer.out.c, 0, layer.out.h * layer.out.w);
  return out;
}

const char* kTwoTokens = "{channels: 4, height: 2}";

}  // namespace

TEST_CASE("rmsnorm: x / sqrt(mean(x^2) + eps) x scale, one scale per feature, layernorm's cost") {
  const auto g = load("{channels: 2, height: 3}", "  - {name: n, kind: rmsnorm}\n");
  const workload::Layer& l = g.layers[0];
  REQUIRE(l.out == workload::Shape{2, 3, 1});
  REQUIRE(l.vector->op == workload::VectorOp::layernorm);
  REQUIRE(l.vector->channels == 2);
  REQUIRE(l.vector->positions == 3);
  REQUIRE(l.vector->ops_per_position == 1);
  REQUIRE(l.vector->param_elems == 2);  // one scale per feature, not 2 x features
  REQUIRE(l.weight_elems() == 2);
  REQUIRE(workload::kind_of(l).flags.reduces_channels);
  // Position 0: x = (3, 4): mean(x^2) = (9 + 16) / 2 = 12.5, rms = sqrt(12.5 + 1e-5) = 3.5355;
  // scales (1, 2): (3 / 3.5355, 2 x 4 / 3.5355) = (0.848528, 2.262742). Position 1: x = (0, 0)
  // gives 0. Position 2: x = (-1, 1): rms = sqrt(1 + 1e-5) ~ 1: (-1, 2).
  // NCHW, one sample: channel 0's positions, then channel 1's.
  const auto y = eval(g, 0, {{3, 0, -1, 4, 0, 1}}, {1, 2});
  CHECK(y[0] == Approx(0.848528).epsilon(1e-5));
  CHECK(y[3] == Approx(2.262742).epsilon(1e-5));
  CHECK(y[1] == 0.0f);
  CHECK(y[4] == 0.0f);
  CHECK(y[2] == Approx(-1.0).epsilon(1e-5));
  CHECK(y[5] == Approx(2.0).epsilon(1e-5));
}

TEST_CASE("mul: the product of two same-shape inputs, one lane-cycle per element") {
  const auto g = load(kTwoTokens,
                      "  - {name: a, kind: relu}\n"
                      "  - {name: x, kind: mul, inputs: [input, a]}\n");
  const workload::Layer& l = g.layers[1];
  REQUIRE(l.out == workload::Shape{4, 2, 1});
  REQUIRE(l.vector->op == workload::VectorOp::elementwise);
  REQUIRE(l.vector->channels == 4);
  REQUIRE(l.vector->positions == 2);
  REQUIRE(l.vector->ops_per_position == 1);
  REQUIRE(l.weight_elems() == 0);
  REQUIRE(l.macs_per_sample() == 0);
  // elementwise: (2, 3, 0, -1.5, ...) x (4, -5, 7, 2, ...)
  const auto y = eval(g, 1, {{2, 3, 0, -1.5, 1, 1, 1, 1}, {4, -5, 7, 2, 1, 2, 3, 4}});
  CHECK(y == std::vector<float>{8, -15, 0, -3, 1, 2, 3, 4});
  CHECK_THAT(error_of(kTwoTokens,
                      "  - {name: a, kind: linear, out_features: 3}\n"
                      "  - {name: x, kind: mul, inputs: [input, a]}\n"),
             Catch::Contains("inputs: shapes differ: 4x2x1 and 3x2x1"));
}

TEST_CASE("rope: rotate-half per head, at position0 + the token's index, 3 lane-cycles") {
  // One head of d = 4 (half 2), base 10000: w_0 = 1, w_1 = 10000^(-2/4) = 0.01. x at token 0 is
  // (1, 2, 3, 4) (position 0: no rotation); at token 1 (1, 0, 0, 1), position p = 1:
  // out[0] = x0 cos(p) - x2 sin(p) = cos 1 = 0.540302, out[2] = x2 cos(p) + x0 sin(p) = sin 1 =
  // 0.841471, out[1] = x1 cos(0.01 p) - x3 sin(0.01 p) = -sin 0.01 = -0.0099998,
  // out[3] = x3 cos(0.01 p) + x1 sin(0.01 p) = cos 0.01 = 0.99995.
  auto g = load(kTwoTokens, "  - {name: r, kind: rope, heads: 1}\n");
  const workload::Layer& l = g.layers[0];
  REQUIRE(l.out == workload::Shape{4, 2, 1});
  REQUIRE(l.vector->op == workload::VectorOp::elementwise);
  REQUIRE(l.vector->ops_per_position == 3);  // two multiplies, one add
  REQUIRE(l.vector->param_elems == 0);       // cos and sin generated on chip
  REQUIRE(l.weight_elems() == 0);
  REQUIRE(l.rope.base == 10000);
  // NCHW: channel c's two tokens at [2c], [2c + 1]
  const std::vector<float> x{1, 1, 2, 0, 3, 0, 4, 1};
  auto y = eval(g, 0, {x});
  CHECK(y[0] == Approx(1.0f));
  CHECK(y[2] == Approx(2.0f));
  CHECK(y[4] == Approx(3.0f));
  CHECK(y[6] == Approx(4.0f));
  CHECK(y[1] == Approx(0.540302).epsilon(1e-5));
  CHECK(y[5] == Approx(0.841471).epsilon(1e-5));
  CHECK(y[3] == Approx(-0.0099998).epsilon(1e-4));
  CHECK(y[7] == Approx(0.99995).epsilon(1e-5));
  // A decode step at position0 = 5: token 1 is at p = 6: cos 6 = 0.960170, sin 6 = -0.279415,
  // -sin 0.06 = -0.059964, cos 0.06 = 0.998201; token 0 at p = 5: out[0] = cos 5 - 3 sin 5 =
  // 0.283662 + 2.876773 = 3.160435.
  g.layers[0].position0 = 5;
  y = eval(g, 0, {x});
  CHECK(y[1] == Approx(0.960170).epsilon(1e-5));
  CHECK(y[5] == Approx(-0.279415).epsilon(1e-5));
  CHECK(y[3] == Approx(-0.059964).epsilon(1e-4));
  CHECK(y[7] == Approx(0.998201).epsilon(1e-5));
  CHECK(y[0] == Approx(3.160435).epsilon(1e-5));
}

TEST_CASE("rope: `base` sets theta, heads rotate apart, a tile reads its whole heads") {
  // Two heads of d = 2 (half 1, w_0 = 1 whatever the base): token 1 (p = 1) of head 1, x = (0, 1)
  // at channels 2, 3: out[2] = 0 cos 1 - 1 sin 1 = -0.841471, out[3] = 1 cos 1 + 0 = 0.540302.
  const auto g = load(kTwoTokens, "  - {name: r, kind: rope, heads: 2, base: 100}\n");
  REQUIRE(g.layers[0].rope.base == 100);
  const auto y = eval(g, 0, {{0, 0, 0, 0, 0, 0, 0, 1}});
  CHECK(y[5] == Approx(-0.841471).epsilon(1e-5));
  CHECK(y[7] == Approx(0.540302).epsilon(1e-5));
  // Output channels [1, 3) (the end of head 0, the start of head 1) read channels [0, 4).
  const auto region = workload::kind_of(g.layers[0]).input_region;
  REQUIRE(region != nullptr);
  const workload::Region r = region(g.layers[0], 0, workload::Region{1, 3, 0, 2});
  CHECK(r.c_lo == 0);
  CHECK(r.c_hi == 4);
  CHECK(r.p_lo == 0);
  CHECK(r.p_hi == 2);
  // base 100, d = 4: w_1 = 100^(-1/2) = 0.1; token 1, x = (0, 1, 0, 0): out[1] = cos 0.1 = 0.995004
  const auto g4 = load(kTwoTokens, "  - {name: r, kind: rope, base: 100}\n");
  CHECK(eval(g4, 0, {{0, 0, 0, 1, 0, 0, 0, 0}})[3] == Approx(0.995004).epsilon(1e-5));
}

TEST_CASE("rope: heads must divide the features into an even head_dim") {
  CHECK_THAT(error_of(kTwoTokens, "  - {name: r, kind: rope, heads: 3}\n"),
             Catch::Contains("heads: the features (4) are not 3 heads of an even head_dim"));
  CHECK_THAT(error_of(kTwoTokens, "  - {name: r, kind: rope, heads: 4}\n"),
             Catch::Contains("heads: the features (4) are not 4 heads of an even head_dim"));
}

TEST_CASE("linear fuses silu into its eviction (SwiGLU's gate)") {
  const auto g =
      load(kTwoTokens, "  - {name: gate, kind: linear, out_features: 3, activation: silu}\n");
  REQUIRE(g.layers[0].activation == "silu");
  CHECK_THAT(
      error_of(kTwoTokens, "  - {name: g, kind: linear, out_features: 3, activation: swish}\n"),
      Catch::Contains("silu"));  // listed among the choices
}

TEST_CASE("slice last: the last `count` elements along the axis") {
  // 4 tokens: last 1 starts at 3, last 2 at 2 (step 1)
  const auto g = load("{channels: 2, height: 4}",
                      "  - {name: a, kind: slice, last: true, count: 1}\n"
                      "  - {name: b, kind: slice, inputs: [input], axis: height, last: true, "
                      "count: 2}\n");
  CHECK(g.layers[0].out == workload::Shape{2, 1, 1});
  CHECK(g.layers[0].slice.start == 3);
  CHECK(g.layers[1].out == workload::Shape{2, 2, 1});
  CHECK(g.layers[1].slice.start == 2);
  CHECK(g.layers[1].slice.step == 1);
  // channel 0: tokens (0, 1, 2, 3), channel 1: (4, 5, 6, 7) -> last 2: (2, 3), (6, 7)
  CHECK(eval(g, 1, {{0, 1, 2, 3, 4, 5, 6, 7}}) == std::vector<float>{2, 3, 6, 7});
  const char* in = "{channels: 2, height: 4}";
  CHECK_THAT(error_of(in, "  - {name: a, kind: slice, last: true, start: 0, count: 1}\n"),
             Catch::Contains("start: `start` and `last: true` cannot be given together"));
  CHECK_THAT(error_of(in, "  - {name: a, kind: slice, last: true, count: 5}\n"),
             Catch::Contains("count: the last 5 of the input's 4 height do not exist"));
  CHECK_THAT(error_of(in, "  - {name: a, kind: slice, last: true, step: 2}\n"),
             Catch::Contains("step: "));
}

namespace {
// Q (8 features: 4 heads of 2) over 6 tokens, K and V (4 features: 2 KV heads of 2) over 5.
const char* kGqaInput = "{channels: 8, height: 6}";
std::string gqa_layers(const std::string& scores_keys) {
  return "  - {name: k, kind: linear, out_features: 4}\n"
         "  - {name: kk, kind: slice, count: 5}\n"
         "  - {name: v, kind: linear, inputs: [kk], out_features: 4}\n"
         "  - {name: s, kind: matmul, inputs: [input, kk], transpose_b: true, " +
         scores_keys +
         "}\n"
         "  - {name: c, kind: matmul, inputs: [s, v], heads: 4, kv_heads: 2}\n";
}
}  // namespace

TEST_CASE("matmul kv_heads: each K/V head stationary once, its query heads as moving columns") {
  const auto g = load(kGqaInput, gqa_layers("heads: 4, kv_heads: 2"));
  // Q K^T: head_dim K = 8 / 4 = 4 / 2 = 2, M = 5 keys; groups = 2 KV heads, each with
  // 4 / 2 = 2 query heads x 6 tokens = 12 moving columns; output (4 heads x 5 keys, 6).
  const workload::Gemm& s = *g.layers[3].gemm;
  CHECK(s.groups == 2);
  CHECK(s.heads_per_group == 2);
  CHECK(s.positions == 12);
  CHECK(s.k == 2);
  CHECK(s.m == 5);
  CHECK(s.stationary_activation);
  CHECK(g.layers[3].out == workload::Shape{20, 6, 1});
  // MACs: heads x K x M x tokens = 4 x 2 x 5 x 6 = 240 (= 2 groups x 2 x 5 x 12)
  CHECK(g.layers[3].macs_per_sample() == 240);
  // P V: K = 5 keys, M = 4 / 2 = 2 per head, output (4 x 2, 6); MACs 4 x 5 x 2 x 6 = 240
  const workload::Gemm& c = *g.layers[4].gemm;
  CHECK(c.groups == 2);
  CHECK(c.heads_per_group == 2);
  CHECK(c.positions == 12);
  CHECK(c.k == 5);
  CHECK(c.m == 2);
  CHECK(g.layers[4].out == workload::Shape{8, 6, 1});
  CHECK(g.layers[4].macs_per_sample() == 240);
  CHECK(g.layers[3].weight_elems() + g.layers[4].weight_elems() == 0);
}

TEST_CASE("matmul without kv_heads (or kv_heads = heads) keeps one group per head") {
  for (const char* keys : {"heads: 2", "heads: 2, kv_heads: 2"}) {
    const auto g = load("{channels: 4, height: 6}",
                        std::string("  - {name: k, kind: slice, count: 5}\n"
                                    "  - {name: s, kind: matmul, inputs: [input, k], "
                                    "transpose_b: true, ") +
                            keys + "}\n");
    const workload::Gemm& s = *g.layers[1].gemm;
    CHECK(s.groups == 2);
    CHECK(s.heads_per_group == 1);
    CHECK(s.positions == 6);
    CHECK(s.k == 2);
    CHECK(s.m == 5);
    CHECK(g.layers[1].out == workload::Shape{10, 6, 1});
  }
}

TEST_CASE("matmul kv_heads must divide heads and the second input's features") {
  CHECK_THAT(error_of(kGqaInput, gqa_layers("heads: 4, kv_heads: 3")),
             Catch::Contains("kv_heads: heads (4) are not divisible by kv_heads (3)"));
  CHECK_THAT(error_of("{channels: 16, height: 6}",
                      "  - {name: k, kind: linear, out_features: 6}\n"
                      "  - {name: s, kind: matmul, inputs: [input, k], transpose_b: true, "
                      "heads: 8, kv_heads: 4}\n"),
             Catch::Contains("kv_heads: the second input's features (6) are not divisible by "
                             "kv_heads (4)"));
  // Q's head_dim (8 / 4 = 2) must be K's (4 / 1 = 4)
  CHECK_THAT(error_of(kGqaInput, gqa_layers("heads: 4, kv_heads: 1")),
             Catch::Contains("Q K^T needs the first input's features to be heads / kv_heads x"));
  // the CLI reports it as a config error: exit 2, file, line and key
  const std::string dir = test::scratch("gqa_bad");
  test::write(dir + "/m.yaml", std::string("name: m\ninput: ") + kGqaInput + "\nlayers:\n" +
                                   gqa_layers("heads: 4, kv_heads: 3"));
  const auto r = test::ncoresim("inspect '" + dir + "/m.yaml'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output,
               Catch::Contains("m.yaml:7:89: layers[3].kv_heads: heads (4) are not divisible"));
}

TEST_CASE("matmul kv_heads: query head h reads K/V head h / (heads / kv_heads)") {
  // Q: 2 heads of head_dim 1 over 1 token, (2, 3); K: 1 KV head, 2 keys, (5, 7). Scores per head
  // h: q_h x (5, 7): head 0 (10, 14), head 1 (15, 21); output channels head-major.
  // P V with V (1 head of 1 feature, 2 keys) = (1, 2): head h: p_h . v: head 0: 10 + 28 = 38,
  // head 1: 15 + 42 = 57.
  auto g = config::load_model(
      "m.yaml",
      "name: m\ninput: {channels: 1}\nlayers:\n"
      "  - {name: q, kind: external, channels: 2}\n"
      "  - {name: k, kind: external, channels: 1, height: 2}\n"
      "  - {name: v, kind: external, channels: 1, height: 2}\n"
      "  - {name: s, kind: matmul, inputs: [q, k], heads: 2, kv_heads: 1, transpose_b: true}\n"
      "  - {name: c, kind: matmul, inputs: [s, v], heads: 2, kv_heads: 1}\n");
  workload::ModelData d = workload::make_model_data(g, 1, 1);
  d.external[0] = {2, 3};
  d.external[1] = {5, 7};
  d.external[2] = {1, 2};
  const auto t = workload::reference_forward(g, 1, d);
  CHECK(t[4] == std::vector<float>{10, 14, 15, 21});
  CHECK(t[5] == std::vector<float>{38, 57});
}

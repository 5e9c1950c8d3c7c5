// Functional mode: the engines compute on seeded data through the same program the timing
// replays, and every tensor must match a direct reference within |x - ref| <= 1e-4 (1 + |ref|)
// (float sums in a different order). Shapes force tiles across the 4x4 array's rows (K > 4)
// and columns (M > 4) and across PSUM banks (more than 512 positions per layer).
#include <algorithm>
#include <catch2/catch.hpp>

#include "test_runs.h"

using namespace ncore;

namespace {

constexpr double kTolerance = 1e-4;

config::RunConfig tiny_run(const std::string& name, const std::string& model, uint64_t batch,
                           std::vector<config::Override> o = {}) {
  return test::tiny_run(name).model(model).batch(batch).set(o).load();
}

// conv stride 1 and 2 with padding, a depthwise conv, a residual block, a linear layer
const char* kCnn =
    "name: cnn\ninput: {channels: 6, height: 20, width: 30}\nlayers:\n"
    "  - {name: c1, kind: conv2d, out_channels: 9, kernel: 3, padding: 1, activation: relu}\n"
    "  - {name: c2, kind: conv2d, out_channels: 10, kernel: 3, stride: 2, padding: 1}\n"
    "  - {name: dw, kind: conv2d, out_channels: 10, kernel: 3, padding: 1, groups: 10, activation: "
    "relu}\n"
    "  - {name: pw, kind: conv2d, out_channels: 10, kernel: 1}\n"
    "  - {name: res, kind: add, inputs: [pw, c2], activation: relu}\n"
    "  - {name: pool, kind: maxpool, kernel: 2}\n"
    "  - {name: gap, kind: global_avgpool}\n"
    "  - {name: fc, kind: linear, out_features: 7}\n";

// an attention block: embeddings, layernorm, Q K^T and P V over 2 heads of 8 (K and M of both
// MatMuls cross the 4x4 array's rows and columns), softmax, a pooler
const char* kAttention =
    "name: attn\ninput: {channels: 1, height: 24}\nlayers:\n"
    "  - {name: emb, kind: embedding, vocab: 50, hidden: 16}\n"
    "  - {name: pos, kind: embedding, inputs: [input], vocab: 24, hidden: 16, broadcast: true}\n"
    "  - {name: x, kind: add, inputs: [emb, pos]}\n"
    "  - {name: ln, kind: layernorm}\n"
    "  - {name: q, kind: linear, out_features: 16}\n"
    "  - {name: k, kind: linear, inputs: [ln], out_features: 16}\n"
    "  - {name: v, kind: linear, inputs: [ln], out_features: 16}\n"
    "  - {name: s, kind: matmul, inputs: [q, k], heads: 2, transpose_b: true}\n"
    "  - {name: p, kind: softmax}\n"
    "  - {name: c, kind: matmul, inputs: [p, v], heads: 2}\n"
    "  - {name: o, kind: linear, out_features: 16, activation: gelu}\n"
    "  - {name: r, kind: add, inputs: [o, x]}\n"
    "  - {name: cls, kind: slice, count: 1}\n"
    "  - {name: pool, kind: linear, out_features: 8, activation: tanh}\n";

// A Llama-style block with grouped-query attention: 4 query heads and 2 KV heads of head_dim 6
// (rope's heads cross the 4 lanes' channel blocks), 7 tokens (with 2 moving columns per MatMul,
// tiles cross from one query head to the next), SwiGLU MLP, the last token's logits. The scores
// and context are outputs too, so their tiles are also written to DRAM.
const char* kGqa =
    "name: gqa\ninput: {channels: 1, height: 7}\nlayers:\n"
    "  - {name: emb, kind: embedding, vocab: 50, hidden: 16}\n"
    "  - {name: n1, kind: rmsnorm}\n"
    "  - {name: q, kind: linear, out_features: 24, bias: false}\n"
    "  - {name: k, kind: linear, inputs: [n1], out_features: 12, bias: false}\n"
    "  - {name: v, kind: linear, inputs: [n1], out_features: 12, bias: false}\n"
    "  - {name: qr, kind: rope, inputs: [q], heads: 4}\n"
    "  - {name: kr, kind: rope, inputs: [k], heads: 2}\n"
    "  - {name: s, kind: matmul, inputs: [qr, kr], heads: 4, kv_heads: 2, transpose_b: true}\n"
    "  - {name: p, kind: softmax}\n"
    "  - {name: c, kind: matmul, inputs: [p, v], heads: 4, kv_heads: 2}\n"
    "  - {name: o, kind: linear, out_features: 16, bias: false}\n"
    "  - {name: r, kind: add, inputs: [o, emb]}\n"
    "  - {name: n2, kind: rmsnorm}\n"
    "  - {name: gate, kind: linear, out_features: 12, bias: false, activation: silu}\n"
    "  - {name: up, kind: linear, inputs: [n2], out_features: 12, bias: false}\n"
    "  - {name: m, kind: mul, inputs: [gate, up]}\n"
    "  - {name: down, kind: linear, out_features: 16, bias: false}\n"
    "  - {name: r2, kind: add, inputs: [down, r]}\n"
    "  - {name: norm, kind: rmsnorm}\n"
    "  - {name: last, kind: slice, last: true, count: 1}\n"
    "  - {name: head, kind: linear, out_features: 10, bias: false}\n"
    "outputs: [s, c]\n";

hw::Functional::Check simulate(const config::RunConfig& rc) {
  const auto p = planner::plan(rc);
  REQUIRE(p.feasible);
  hw::Functional f(rc.model, rc.batch, rc.hw.psum.banks,
                   workload::make_model_data(rc.model, rc.batch, 7), p.resident);
  test::simulate(rc, p, &f);
  return f.compare(kTolerance);
}

}  // namespace

TEST_CASE(
    "functional mode: convs (stride 1 and 2, padding, depthwise), a residual block and a "
    "linear layer match the direct reference") {
  const auto rc = tiny_run("fn_cnn", kCnn, 2);
  // c1: K = 6 * 9 = 54 rows (14 K blocks), M = 9 (3 column blocks), 600 positions per sample
  REQUIRE(rc.model.layers[0].gemm->k == 54);
  REQUIRE(rc.model.layers[0].gemm->positions == 600);
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
  REQUIRE(c.max_rel_error <= kTolerance);
  // Every layer's output at batch 2: c1 9 x 20 x 30, c2, dw, pw and res 10 x 10 x 15 each, pool
  // 10 x 5 x 7, gap 10, fc 7, and fc's again in DRAM (the network's output): 2 x 11774.
  REQUIRE(c.elements == 2 * (5400 + 4 * 1500 + 350 + 10 + 7 + 7));
}

TEST_CASE("functional mode: attention MatMuls, softmax, layernorm and embeddings match") {
  const auto c = simulate(tiny_run("fn_attn", kAttention, 3));
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}

TEST_CASE(
    "functional mode still matches when activations spill and layers go activation-stationary") {
  const auto rc = tiny_run("fn_spill", kCnn, 3, {{"hw.state_buffer.capacity", "16 KiB", "test"}});
  const auto p = planner::plan(rc);
  REQUIRE(p.spilled_tensors > 0);
  REQUIRE(std::any_of(p.layers.begin(), p.layers.end(), [](const isa::LayerPlan& l) {
    return l.order == isa::Order::activation_stationary;
  }));
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}

TEST_CASE("functional mode matches when every layer's MatMuls cross PSUM banks") {
  // 64 B of PSUM: 4 partitions x 2 banks x 8 B, 2 FP32 moving columns per MatMul. Every GEMM
  // then splits its columns over both banks in turn: the linear layers (N = batch 3), the
  // stride-2 conv (150 positions per sample) and both attention MatMuls (24 per sample and head).
  const config::Override psum{"hw.psum.capacity", "64 B", "test"};
  const auto cnn = tiny_run("fn_psum_cnn", kCnn, 3, {psum});
  REQUIRE(cnn.hw.psum.moving_limit() == 2);
  const auto c1 = simulate(cnn);
  INFO("worst " << c1.worst_layer << ": " << c1.max_rel_error);
  REQUIRE(c1.passed);
}

TEST_CASE("functional mode matches attention when its MatMuls cross PSUM banks") {
  const auto rc = tiny_run("fn_psum_attn", kAttention, 3, {{"hw.psum.capacity", "64 B", "test"}});
  // Q K^T per head: K = 8 (two row blocks), 24 x 24 scores; P V: K = 24, M = 8.
  const auto& s = *rc.model.layers[7].gemm;
  REQUIRE(s.k == 8);
  REQUIRE(s.groups == 2);  // heads, per sample
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
  REQUIRE(c.elements > 5000);
}

namespace {
// The attention block at `capacity` of SBUF, where tensor t lives in DRAM, matches.
void attention_with_spilled(const std::string& name, const std::string& capacity, size_t t) {
  const auto rc = tiny_run(name, kAttention, 3, {{"hw.state_buffer.capacity", capacity, "test"}});
  REQUIRE_FALSE(planner::plan(rc).resident[t]);
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}
}  // namespace

TEST_CASE("functional mode matches attention whose softmax output lives in DRAM") {
  // 8 KiB of SBUF: the scores' softmax p (layer 8, 24 channels: 6 blocks of the 4 lanes) spills.
  attention_with_spilled("fn_attn8", "8 KiB", 9);
}

TEST_CASE("functional mode matches attention whose layernorm output lives in DRAM") {
  attention_with_spilled("fn_attn4", "4 KiB", 4);  // ln: layer 3
}

namespace {
// Executes the program's queues in an order their semaphores allow, without the kernel, leaving
// out the functional effect of the instructions `drop` picks (they still "complete"), after
// `before` saw the program and the functional model; returns the check.
template <class Drop, class Before = void (*)(const isa::Program&, hw::Functional&)>
hw::Functional::Check run_dropping(
    const config::RunConfig& rc, Drop drop,
    Before before = [](const isa::Program&, hw::Functional&) {}) {
  const auto p = planner::plan(rc);
  hw::Functional f(rc.model, rc.batch, rc.hw.psum.banks,
                   workload::make_model_data(rc.model, rc.batch, 7), p.resident);
  before(p, f);
  std::vector<uint32_t> done(p.engines(), 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t e = 0; e < p.engines(); ++e)
      while (done[e] < p.queues[e].size()) {
        const auto& i = p.queues[e][done[e]];
        bool ready = true;
        for (const auto& d : i.deps) ready = ready && done[d.engine] >= d.count;
        if (!ready) break;
        if (!drop(e, done[e], i)) {
          if (e == isa::kTensorEngine) f.matmul(i);
          if (e == isa::kVectorEngine) p.layers[i.layer].matmuls ? f.evict(i) : f.vector(i);
          if (e >= p.first_dma()) {
            f.dma_start(i);
            f.dma(i);
          }
        }
        ++done[e];
        progress = true;
      }
  }
  return f.compare(kTolerance);
}
}  // namespace

TEST_CASE("the functional check catches a program that skips one MatMul") {
  // The compute of one MatMul in the middle of layer c1.
  const auto c = run_dropping(tiny_run("fn_skip", kCnn, 1), [](size_t e, uint32_t n, const auto&) {
    return e == isa::kTensorEngine && n == 20;
  });
  REQUIRE_FALSE(c.passed);
  REQUIRE(c.worst_layer == "c1");
  // Nothing dropped: it passes.
  REQUIRE(run_dropping(tiny_run("fn_none", kCnn, 1), [](size_t, uint32_t, const auto&) {
            return false;
          }).passed);
}

TEST_CASE("the functional check catches a missing weight load, reload or spill write") {
  using isa::DmaData;
  // With 40 KiB of SBUF, c1's output spills and c2 reads it back from DRAM: c1 holds its input
  // (6 x 20 x 30 x 3 x 2 B = 21600), its output (9 x 20 x 30 x 3 x 2 B = 32400) and 2 weight
  // blocks (c2's 4 output channels: 4 x 9 x 3 x 3 + 4 biases, x 2 B = 656): 55312 B, over 40 KiB.
  // With that output in DRAM the other layers fit (`ncoresim plan`: 28312 B at most, pw and res).
  const auto rc = tiny_run("fn_drop", kCnn, 3, {{"hw.state_buffer.capacity", "40 KiB", "test"}});
  const auto p = planner::plan(rc);
  REQUIRE(p.spilled_tensors == 1);
  REQUIRE_FALSE(p.resident[1]);  // c1's output
  // Which DMA of each kind to drop (one piece of one transfer: the transfer never lands).
  auto first = [&](DmaData what, isa::Op op) {
    return [what, op, seen = false](size_t, uint32_t, const isa::Instr& i) mutable {
      if (!std::holds_alternative<isa::Dma>(i.payload) || i.dma().data != what || i.op() != op ||
          seen)
        return false;
      return seen = true;
    };
  };
  // A weight tile never loaded: its MatMuls multiply NaN.
  auto c = run_dropping(rc, first(DmaData::weights, isa::Op::dma_read));
  REQUIRE_FALSE(c.passed);
  INFO(c.worst_layer);
  // A reload of a spilled input: its consumer reads NaN.
  c = run_dropping(rc, first(DmaData::gemm_input, isa::Op::dma_read));
  REQUIRE_FALSE(c.passed);
  // A spill write: the tensor never reaches DRAM whole.
  c = run_dropping(rc, first(DmaData::output, isa::Op::dma_write));
  REQUIRE_FALSE(c.passed);
  // The network input's load.
  c = run_dropping(rc, first(DmaData::whole, isa::Op::dma_read));
  REQUIRE_FALSE(c.passed);
  REQUIRE(c.worst_layer == "c1");
}

TEST_CASE("the functional check catches a reload that starts before its spill write lands") {
  // The first read back, by a 1x1 conv or a linear layer (its K blocks are distinct channels,
  // so no other read refills them), of a spilled tensor an engine produced starts before
  // anything runs: it takes what DRAM holds then (nothing yet), and its consumer computes on
  // that. The first SBUF size that spills such a tensor serves.
  std::string consumer;
  for (const char* capacity : {"40 KiB", "32 KiB", "24 KiB", "16 KiB", "12 KiB", "8 KiB"}) {
    const auto rc = tiny_run("fn_early", kCnn, 3, {{"hw.state_buffer.capacity", capacity, "t"}});
    const auto c = run_dropping(
        rc, [](size_t, uint32_t, const isa::Instr&) { return false; },
        [&](const isa::Program& p, hw::Functional& f) {
          for (size_t e = p.first_dma(); e < p.engines(); ++e)
            for (const auto& i : p.queues[e]) {
              const auto& l = rc.model.layers[i.layer];
              const isa::Dma& d = i.dma();
              if (consumer.empty() && d.data == isa::DmaData::gemm_input && d.tensor > 0 &&
                  !rc.model.layers[static_cast<size_t>(d.tensor - 1)].external &&
                  l.window.kh * l.window.kw == 1) {
                f.dma_start(i);
                consumer = l.name;
              }
            }
        });
    if (consumer.empty()) continue;
    INFO(capacity << ": consumer " << consumer << ", worst " << c.worst_layer);
    REQUIRE_FALSE(c.passed);
    REQUIRE(c.worst_layer.rfind(consumer, 0) == 0);
    break;
  }
  REQUIRE_FALSE(consumer.empty());
}

TEST_CASE("functional mode: grouped-query attention, rope, rmsnorm and SwiGLU match") {
  const auto rc = tiny_run("fn_gqa", kGqa, 2);
  // scores: 2 KV heads, each the moving columns of its 2 query heads' 7 tokens
  const auto& s = *rc.model.layers[7].gemm;
  REQUIRE(s.groups == 2);
  REQUIRE(s.positions == 14);
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}

TEST_CASE("functional mode: grouped-query tiles that cross query heads and PSUM banks match") {
  // 64 B of PSUM: 2 moving columns per MatMul; 7 tokens a head, so a tile holds the last token
  // of one query head and the first of the next
  const auto rc = tiny_run("fn_gqa_psum", kGqa, 2, {{"hw.psum.capacity", "64 B", "test"}});
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}

TEST_CASE("functional mode: grouped-query MatMuls whose inputs stream from DRAM match") {
  const auto rc =
      tiny_run("fn_gqa_spill", kGqa, 2, {{"hw.state_buffer.capacity", "1536 B", "test"}});
  const auto p = planner::plan(rc);
  REQUIRE_FALSE(p.resident[6]);  // qr, the scores' moving input
  // The scores read Q (24 x 7 x 2 samples x 2 B = 672 B) whole once per block of keys (7 keys on
  // the 4 columns: 2 blocks), not once per KV head: 2 x 672
  const auto spill = static_cast<size_t>(isa::TrafficClass::spill);
  REQUIRE(p.layers[7].read_bytes[spill] == 2 * 672);
  const auto c = simulate(rc);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}

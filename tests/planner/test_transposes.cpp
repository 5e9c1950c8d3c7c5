// Layout transposes of reductions over channels (hw vector_engine.transpose_reductions): the
// identity MatMuls and PSUM evictions the planner emits around a softmax or layernorm block, and
// what they cost the tensor engine (tensor_engine.transpose_rate), on tiny.yaml's 4x4 array.
#include <catch2/catch.hpp>

#include "test_runs.h"

using namespace ncore;

namespace {

// One softmax over 4 channels (the 4 lanes) of 8 positions, at batch 2: one block of 4 channels
// x 16 positions.
const char* const kSoftmax =
    "name: sm\ninput: {channels: 4, height: 8}\nlayers:\n  - {name: s, kind: softmax}\n";

test::Run softmax_run(const std::string& name) {
  return test::tiny_run(name).model(kSoftmax).batch(2);
}

}  // namespace

TEST_CASE("a reduction over channels is transposed through the array before and after its op") {
  const auto p =
      softmax_run("transposes").set("hw.vector_engine.transpose_reductions", "true").plan();
  // In: the 4 x 16 block becomes 16 positions on partitions, a 4-channel x 4-position tile
  // (C = 4 positions per tile) at a time: 4 x MatMul{K 4, M 4, N 4} (identity moving, N = K).
  // Out: 4 tiles of 4 positions (R = 4) x 4 channels: 4 x MatMul{4, 4, 4} again.
  const auto& tq = p.queues[isa::kTensorEngine];
  REQUIRE(tq.size() == 8);
  for (const auto& i : tq) {
    const isa::MatMul& mm = i.matmul();
    REQUIRE((mm.transpose && mm.k == 4 && mm.m == 4 && mm.n == 4));
  }
  // tiny has no scalar engine: the vector engine evicts. Each direction's 4 tiles, 4 columns
  // each, share one PSUM bank (16 of its 512 columns): one eviction of 4 partitions x 16
  // columns = 16 vector cycles (passes.evict 1); between them the op: 4 lanes, 16 positions,
  // 3 passes = 48.
  const auto& vq = p.queues[isa::kVectorEngine];
  REQUIRE(vq.size() == 3);
  REQUIRE((vq[0].is_evict() && vq[0].evict().transpose && vq[0].evict().vector_cycles == 16));
  REQUIRE(vq[1].vector().vector_cycles == 48);
  REQUIRE((vq[2].is_evict() && vq[2].evict().transpose && vq[2].evict().vector_cycles == 16));
  // Without the key: the op alone, no MatMul.
  const auto q = softmax_run("no_transposes").plan();
  REQUIRE(q.queues[isa::kTensorEngine].empty());
  REQUIRE(q.queues[isa::kVectorEngine].size() == 1);
}

TEST_CASE("a transpose occupies the array as a MatMul of N = K at the transpose rate, no MACs") {
  // tiny: weight_preload none, serial timing, I = 0. MatMul{4, 4, 4}: load R = 4, stream
  // max(ceil(4 / rate), 0), fill and drain R + C - 2 = 6. Rate 1 (fp16): 4 + 4 + 6 = 14, 8 of
  // them 112; transpose_rate 0.5: 4 + 8 + 6 = 18, 8 of them 144.
  const auto out = softmax_run("transpose_cycles")
                       .set("hw.vector_engine.transpose_reductions", "true")
                       .run("--no-trace");
  REQUIRE(out.summary["tensor_engine"]["busy_cycles"] == 112);
  REQUIRE(out.summary["macs"] == 0);
  const auto half = softmax_run("transpose_rate")
                        .set("hw.vector_engine.transpose_reductions", "true")
                        .set("hw.tensor_engine.transpose_rate", "0.5")
                        .run("--no-trace");
  REQUIRE(half.summary["tensor_engine"]["busy_cycles"] == 144);
  REQUIRE(half.summary["macs"] == 0);
}

TEST_CASE("functional mode still matches the reference with transposed reductions") {
  // The transposes move data only: an attention block's layernorm and softmax (across PSUM
  // banks: 3 x 24 positions) still match the direct reference.
  const auto rc = test::tiny_run("transpose_functional")
                      .model(
                          "name: attn\ninput: {channels: 1, height: 24}\nlayers:\n"
                          "  - {name: emb, kind: embedding, vocab: 50, hidden: 16}\n"
                          "  - {name: ln, kind: layernorm}\n"
                          "  - {name: q, kind: linear, out_features: 16}\n"
                          "  - {name: k, kind: linear, inputs: [ln], out_features: 16}\n"
                          "  - {name: s, kind: matmul, inputs: [q, k], heads: 2, transpose_b: "
                          "true}\n"
                          "  - {name: p, kind: softmax}\n")
                      .batch(3)
                      .set("hw.vector_engine.transpose_reductions", "true")
                      .load();
  const auto p = planner::plan(rc);
  REQUIRE(p.feasible);
  hw::Functional f(rc.model, rc.batch, rc.hw.psum.banks,
                   workload::make_model_data(rc.model, rc.batch, 7), p.resident);
  test::simulate(rc, p, &f);
  const auto c = f.compare(1e-4);
  INFO("worst " << c.worst_layer << ": " << c.max_rel_error);
  REQUIRE(c.passed);
}

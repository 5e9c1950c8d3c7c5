// A decoder's phases (issue 16) through the ncoresim binary on a two-layer decoder on the tiny
// hardware: the KV cache's traffic against hand-derived bytes, weights read once per step
// whatever the batch, the roofline bound, the DRAM capacity and the run keys' errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "test_runs.h"

using namespace ncore;
using nlohmann::json;

namespace {

// Two decoder layers of hidden 16, 2 heads of 8 (kv_heads = heads), vocabulary 100, a tied LM
// head that only a phase runs. Parameters: wte 100 x 16 = 1600; per layer q, k, v and proj of
// 16 x 16 + 16 = 272 each, 4 x 272 x 2 layers = 2176; 3776 in all (7552 bytes in fp16).
const char* kDecoder = R"(name: tiny_decoder
decoder: true
max_context: 64
input: {channels: 1, height: 8}
layers:
  - {name: wte, kind: embedding, vocab: 100, hidden: 16}
  - {name: h0.q, kind: linear, out_features: 16}
  - {name: h0.k, kind: linear, inputs: [wte], out_features: 16}
  - {name: h0.v, kind: linear, inputs: [wte], out_features: 16}
  - {name: h0.scores, kind: matmul, inputs: [h0.q, h0.k], heads: 2, transpose_b: true}
  - {name: h0.probs, kind: softmax}
  - {name: h0.ctx, kind: matmul, inputs: [h0.probs, h0.v], heads: 2}
  - {name: h0.proj, kind: linear, out_features: 16}
  - {name: h1.q, kind: linear, out_features: 16}
  - {name: h1.k, kind: linear, inputs: [h0.proj], out_features: 16}
  - {name: h1.v, kind: linear, inputs: [h0.proj], out_features: 16}
  - {name: h1.scores, kind: matmul, inputs: [h1.q, h1.k], heads: 2, transpose_b: true}
  - {name: h1.probs, kind: softmax}
  - {name: h1.ctx, kind: matmul, inputs: [h1.probs, h1.v], heads: 2}
  - {name: h1.proj, kind: linear, out_features: 16}
  - {name: lm_head, kind: linear, out_features: 100, bias: false, tied: true, phase_only: true}
)";

constexpr uint64_t kLayers = 2, kKvHeads = 2, kHeadDim = 8, kDtype = 2;  // fp16
constexpr uint64_t kWeightBytes = 3776 * kDtype;

test::Run decoder(const std::string& name, uint64_t batch) {
  test::Run r(name, "");
  r.model(kDecoder).batch(batch);
  return r;
}

uint64_t bytes(const json& s, const char* dir, const char* cls) {
  return s["dram"][dir][cls].get<uint64_t>();
}

}  // namespace

TEST_CASE(
    "a decode step reads 2 x layers x L x kv_heads x head_dim x dtype bytes of KV cache per "
    "sequence and writes one token's, whatever the batch") {
  for (uint64_t b : {1, 4})
    for (uint64_t L : {16, 32}) {
      INFO("batch " << b << ", context " << L);
      const auto s = decoder("d" + std::to_string(b) + "_" + std::to_string(L), b)
                         .set("phase", "decode")
                         .set("context", std::to_string(L))
                         .run()
                         .summary;
      // K and V (2) per layer: L cached tokens of kv_heads x head_dim features
      REQUIRE(bytes(s, "read_bytes", "kv") == b * 2 * kLayers * L * kKvHeads * kHeadDim * kDtype);
      REQUIRE(bytes(s, "write_bytes", "kv") == b * 2 * kLayers * 1 * kKvHeads * kHeadDim * kDtype);
      REQUIRE(bytes(s, "read_bytes", "spill") == 0);
      // Every weight once per step (the tied LM head reads wte's 1600 elements whole; the
      // embedding reads one 16-element row per sequence): per generated token they fall as 1/b.
      REQUIRE(bytes(s, "read_bytes", "weights") == (2176 + 1600) * kDtype + b * 16 * kDtype);
      // one token in, its 100 logits out
      REQUIRE(bytes(s, "read_bytes", "io") == b * 1 * kDtype);
      REQUIRE(bytes(s, "write_bytes", "io") == b * 100 * kDtype);
      REQUIRE(s["cycles"].get<double>() >= s["bounds"]["dram_cycles"].get<double>());
      REQUIRE(s["cycles"].get<double>() >= s["bounds"]["compute_cycles"].get<double>());
    }
}

TEST_CASE("a prefill writes the KV cache it creates and reads none, the full forward has neither") {
  const auto p = decoder("prefill", 2).set("phase", "prefill").set("sequence", "8").run().summary;
  REQUIRE(bytes(p, "read_bytes", "kv") == 0);
  REQUIRE(bytes(p, "write_bytes", "kv") == 2 * 2 * kLayers * 8 * kKvHeads * kHeadDim * kDtype);
  // the LM head runs on every token of the model as written (no last-token slice here)
  REQUIRE(bytes(p, "write_bytes", "io") == 2 * 8 * 100 * kDtype);
  const auto f = decoder("full", 2).run().summary;
  REQUIRE(bytes(f, "read_bytes", "kv") == 0);
  REQUIRE(bytes(f, "write_bytes", "kv") == 0);
  REQUIRE(bytes(f, "write_bytes", "io") == 2 * 8 * 16 * kDtype);  // ends at h1.proj: no LM head
  // `sequence` alone re-sizes the full forward
  const auto f4 = decoder("full4", 2).set("sequence", "4").run().summary;
  REQUIRE(bytes(f4, "write_bytes", "io") == 2 * 4 * 16 * kDtype);
}

TEST_CASE(
    "the DRAM capacity bounds weights plus KV caches: exit 3 beyond it, and plan "
    "--max-batch names it binding") {
  // Per sequence at context 32: per layer K and V, 32 cached + 1 new token of 16 features:
  // 2 x 2 x 33 x 16 = 2112 elements, 4224 bytes. Room for 10 sequences beside the weights.
  const uint64_t per_seq = 2 * kLayers * 33 * 16 * kDtype;
  const uint64_t capacity = kWeightBytes + 10 * per_seq + 100;
  auto r = decoder("cap", 11)
               .set("phase", "decode")
               .set("context", "32")
               .set("hw.dram.capacity", std::to_string(capacity));
  const auto s = r.run("", 3).summary;
  REQUIRE(s["infeasible"]["resource"] == "dram_capacity");
  REQUIRE(s["infeasible"]["shortfall_bytes"] == kWeightBytes + 11 * per_seq - capacity);
  const auto plan =
      test::ncoresim("plan '" + r.file() + "' --max-batch --json --set phase=decode " +
                     "--set context=32 --set hw.dram.capacity=" + std::to_string(capacity));
  INFO(plan.output);
  REQUIRE(plan.code == 0);
  const json j = json::parse(plan.output);
  REQUIRE(j["max_batch"] == 10);
  REQUIRE(j["binding"] == "dram_capacity");
  REQUIRE(j["kv_bytes_per_sequence"] == per_seq);
  // unbounded DRAM: the SBUF binds
  const auto sbuf = test::ncoresim("plan '" + r.file() + "' --max-batch --json");
  REQUIRE(json::parse(sbuf.output)["binding"] == "sbuf");
}

TEST_CASE("bad phase, sequence and context keys are one clear error, exit 2") {
  struct Bad {
    std::vector<std::pair<std::string, std::string>> set;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {{{"context", "8"}}, "context: the tokens already in the KV cache need `phase: decode`"},
      {{{"phase", "decode"}, {"context", "65"}}, "context: 65 cached tokens exceed the model's"},
      {{{"phase", "prefill"}, {"sequence", "65"}}, "sequence: 65 tokens exceed the model's"},
      {{{"phase", "decode"}, {"sequence", "4"}}, "sequence: a decode step has one token"},
      {{{"phase", "sideways"}}, "phase"},
  };
  for (const auto& c : bad) {
    auto r = decoder("bad", 1);
    for (const auto& [k, v] : c.set) r.set(k, v);
    const auto res = test::ncoresim("run '" + r.file() + "' -q --out '" + r.dir() + "/o'" + [&] {
      std::string a;
      for (const auto& [k, v] : c.set) a += " --set " + k + "=" + v;
      return a;
    }());
    INFO(res.output);
    REQUIRE(res.code == 2);
    REQUIRE(res.output.find(c.says) != std::string::npos);
  }
  // a phase on a model that is not a decoder
  const auto enc = test::ncoresim("run configs/runs/bert_base_trn1.yaml -q --out '" +
                                  test::scratch("enc") + "/o' --set phase=decode");
  INFO(enc.output);
  REQUIRE(enc.code == 2);
  REQUIRE(enc.output.find("--set phase=decode: phase:") != std::string::npos);
  REQUIRE(enc.output.find("is not a decoder-only language model") != std::string::npos);
}

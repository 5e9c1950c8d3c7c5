// The model zoo against published figures (within 2 %), and the transformer kinds' arithmetic.
// Sources: torchvision model cards (ResNet-18/50 "GFLOPS" as multiply-adds, parameters), Simonyan
// & Zisserman 2015 and torchvision (VGG-16 15.5 G, 138 M), Sandler et al. 2018 (MobileNetV2
// 300 M MACs, 3.4-3.5 M), Devlin et al. 2019 (BERT-base 110 M, BERT-large 340 M), Radford et al.
// 2019 / Hugging Face (GPT-2 small 124 M; the decoders' exact counts: Hugging Face
// num_parameters() of gpt2, gpt2-medium, gpt2-large, TinyLlama-1.1B v1.0, Llama-2-7b-hf).
// BatchNorm folded into a conv counts one bias/channel.
#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_util.h"

using namespace ncore;

namespace {
workload::Graph model(const std::string& name) {
  return config::load_model_file(test::repo("models/" + name + ".yaml"));
}
}  // namespace

TEST_CASE("CNN zoo MACs and parameters match the published figures within 2 percent") {
  struct Want {
    const char* name;
    double macs, params;
  };
  for (const Want& w : {Want{"resnet18", 1.82e9, 11.7e6}, Want{"resnet50", 4.09e9, 25.5e6},
                        Want{"vgg16", 15.5e9, 138e6}, Want{"mobilenetv2", 0.30e9, 3.5e6}}) {
    const auto g = model(w.name);
    INFO(w.name);
    REQUIRE(static_cast<double>(g.macs_per_sample()) == Approx(w.macs).epsilon(0.02));
    REQUIRE(static_cast<double>(g.weight_elems()) == Approx(w.params).epsilon(0.02));
  }
}

TEST_CASE("transformer zoo parameters match the published figures within 2 percent") {
  struct Want {
    const char* name;
    double params;
  };
  for (const Want& w :
       {Want{"bert_base", 110e6}, Want{"bert_large", 340e6}, Want{"gpt2_small", 124e6}}) {
    INFO(w.name);
    REQUIRE(static_cast<double>(model(w.name).weight_elems()) == Approx(w.params).epsilon(0.02));
  }
}

TEST_CASE("BERT-base attention shapes and MACs per head are as derived by hand") {
  const auto g = model("bert_base");
  // scores = Q K^T per head: K = 768 / 12 = 64, M = 128 keys, 128 query positions
  const auto& s = test::find_layer(g, "layer0.scores");
  REQUIRE(s.out == workload::Shape{12 * 128, 128, 1});
  REQUIRE(s.gemm->groups == 12);
  REQUIRE(s.gemm->k == 64);
  REQUIRE(s.gemm->m == 128);
  REQUIRE(s.macs_per_sample() == 12ull * 64 * 128 * 128);
  REQUIRE(s.weight_elems() == 0);
  // context = P V per head: K = 128 keys, M = 64 features
  const auto& c = test::find_layer(g, "layer0.ctx");
  REQUIRE(c.out == workload::Shape{768, 128, 1});
  REQUIRE(c.gemm->k == 128);
  REQUIRE(c.gemm->m == 64);
  // The word embedding is read by row: its table counts as parameters, not as dense weights.
  const auto& e = test::find_layer(g, "emb.word");
  REQUIRE(e.weight_elems() == 30522ull * 768);
  REQUIRE(e.dense_weight_elems() == 0);
  REQUIRE(test::find_layer(g, "layer0.attn_ln").weight_elems() == 2 * 768);
}

TEST_CASE("decoder zoo parameters are the published counts exactly") {
  struct Want {
    const char* name;
    uint64_t params;
  };
  // GPT-2: the LM head is tied to wte (counted once); Llama: untied, counted
  for (const Want& w : {Want{"gpt2_small", 124439808}, Want{"gpt2_medium", 354823168},
                        Want{"gpt2_large", 774030080}, Want{"tinyllama_1b", 1100048384},
                        Want{"llama2_7b", 6738415616}}) {
    INFO(w.name);
    REQUIRE(model(w.name).weight_elems() == w.params);
  }
}

TEST_CASE("TinyLlama: 4 KV heads, each stationary once for its 8 query heads") {
  const auto g = model("tinyllama_1b");
  // q: 2048 -> 2048; k, v: 2048 -> 4 x 64 = 256, no bias
  REQUIRE(test::find_layer(g, "layer0.k").weight_elems() == 2048ull * 256);
  REQUIRE(test::find_layer(g, "layer0.k_rope").out == workload::Shape{256, 128, 1});
  // scores: groups = 4 KV heads, 32 / 4 = 8 query heads x 128 tokens = 1024 moving columns,
  // K = head_dim 64, M = 128 keys; output (32 x 128, 128); MACs 32 x 64 x 128 x 128
  const auto& s = test::find_layer(g, "layer0.scores");
  REQUIRE(s.gemm->groups == 4);
  REQUIRE(s.gemm->heads_per_group == 8);
  REQUIRE(s.gemm->positions == 1024);
  REQUIRE(s.gemm->k == 64);
  REQUIRE(s.gemm->m == 128);
  REQUIRE(s.out == workload::Shape{32 * 128, 128, 1});
  REQUIRE(s.macs_per_sample() == 32ull * 64 * 128 * 128);
  // context: K = 128 keys, M = 256 / 4 = 64 per head; output (32 x 64, 128)
  const auto& c = test::find_layer(g, "layer0.ctx");
  REQUIRE(c.gemm->k == 128);
  REQUIRE(c.gemm->m == 64);
  REQUIRE(c.out == workload::Shape{2048, 128, 1});
  // the LM head computes the last token's logits only: 2048 x 32000 MACs per sample
  REQUIRE(test::find_layer(g, "last").out == workload::Shape{2048, 1, 1});
  REQUIRE(test::find_layer(g, "lm_head").macs_per_sample() == 2048ull * 32000);
  REQUIRE(test::find_layer(g, "layer0.gate").activation == "silu");
}

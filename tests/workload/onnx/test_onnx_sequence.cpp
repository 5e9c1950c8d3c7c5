// The ONNX importer's sequence ops (src/workload/onnx/sequence_ops.cpp) and arithmetic patterns
// (arithmetic.cpp) on a BERT-style model as torch.onnx exports BertModel: word, token-type and
// position embeddings, a padding mask, dynamic head reshapes, the LayerNorm and Erf GELU patterns,
// softmax and a [CLS] pooler; hand-computed MACs and parameters, and its YAML twin.
#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// The BERT-style model as a model YAML written by hand, in models/bert_base.yaml's form.
const char* const kBertYaml = R"(name: bert_twin
input: {channels: 1, height: 8}
layers:
  - {name: word, kind: embedding, vocab: 50, hidden: 32}
  - {name: tt, kind: embedding, inputs: [input], vocab: 2, hidden: 32}
  - {name: pos, kind: embedding, inputs: [input], vocab: 16, hidden: 32, broadcast: true}
  - {name: emb, kind: add, inputs: [word, tt, pos]}
  - {name: emb_ln, kind: layernorm}
  - {name: q, kind: linear, out_features: 32}
  - {name: k, kind: linear, inputs: [emb_ln], out_features: 32}
  - {name: v, kind: linear, inputs: [emb_ln], out_features: 32}
  - {name: scores, kind: matmul, inputs: [q, k], heads: 4, transpose_b: true}
  - {name: probs, kind: softmax}
  - {name: context, kind: matmul, inputs: [probs, v], heads: 4}
  - {name: o, kind: linear, out_features: 32}
  - {name: res1, kind: add, inputs: [o, emb_ln]}
  - {name: ln1, kind: layernorm}
  - {name: ffn1, kind: linear, out_features: 64, activation: gelu}
  - {name: ffn2, kind: linear, out_features: 32}
  - {name: res2, kind: add, inputs: [ffn2, ln1]}
  - {name: ln2, kind: layernorm}
  - {name: cls, kind: slice, start: 0, count: 1}
  - {name: pooler, kind: linear, out_features: 32, activation: tanh}
)";

}  // namespace

TEST_CASE("ONNX import: a BERT-style encoder has its hand-computed MACs and parameters") {
  // Embeddings, a padding mask, dynamic head reshapes, Add(bias, MatMul), the LayerNorm and Erf
  // GELU patterns and a [CLS] pooler, as torch.onnx exports BertModel.
  const std::string dir = test::scratch("onnx_bert");
  const auto g = config::load_model_file(bert().save(dir + "/bert.onnx"));
  REQUIRE(g.input == workload::Shape{1, 8, 1});
  REQUIRE(g.layers.size() == 20);
  // embeddings: word 50 x 32, token type 2 x 32 (constant ids: 8 rows > 2, not broadcast),
  // position 16 x 32 (constant ids: broadcast); one 3-input add; layernorm 2 x 32
  REQUIRE(test::find_layer(g, "emb/word/Gather").weight_elems() == 1600);
  REQUIRE(!test::find_layer(g, "emb/tt/Gather").gather->broadcast);
  REQUIRE(test::find_layer(g, "emb/pos/Gather").gather->broadcast);
  REQUIRE(test::find_layer(g, "emb/Add").inputs.size() == 3);
  REQUIRE(test::find_layer(g, "emb/ln/Div").kind == "layernorm");
  REQUIRE(test::find_layer(g, "emb/ln/Div").weight_elems() == 64);
  // q, k, v, o: 32 x 32 x 8 tokens = 8192 MACs, 1024 + 32 params each (the Add of the bias)
  for (const char* n : {"attn/q/MatMul", "attn/k/MatMul", "attn/v/MatMul", "attn/o/MatMul"}) {
    INFO(n);
    REQUIRE(test::find_layer(g, n).macs_per_sample() == 8192);
    REQUIRE(test::find_layer(g, n).weight_elems() == 1056);
  }
  // scores = Q K^T per head: 4 heads x K 8 x M 8 keys x 8 queries = 2048; out (4 x 8 keys, 8)
  const auto& s = test::find_layer(g, "attn/scores");
  REQUIRE(s.kind == "matmul");
  REQUIRE(s.gemm->groups == 4);
  REQUIRE(s.gemm->stationary_activation);
  REQUIRE(s.out == workload::Shape{32, 8, 1});
  REQUIRE(s.macs_per_sample() == 2048);
  REQUIRE(test::find_layer(g, "attn/Softmax").kind == "softmax");  // the scale and mask: free
  // context = P V: 4 heads x K 8 keys x M 8 x 8 queries = 2048
  REQUIRE(test::find_layer(g, "attn/context").macs_per_sample() == 2048);
  REQUIRE(test::find_layer(g, "attn/context").out == workload::Shape{32, 8, 1});
  // FFN: 32 x 64 x 8 = 16384 MACs each way; the Erf GELU fused into the first
  REQUIRE(test::find_layer(g, "ffn/i/MatMul").activation == "gelu");
  REQUIRE(test::find_layer(g, "ffn/i/MatMul").weight_elems() == 2112);
  REQUIRE(test::find_layer(g, "ffn/o/MatMul").weight_elems() == 2080);
  // pooler: token 0 sliced, 32 x 32 linear with the tanh fused
  REQUIRE(test::find_layer(g, "pool/Gather").kind == "slice");
  REQUIRE(test::find_layer(g, "pool/Gemm").activation == "tanh");
  // MACs: 4 x 8192 + 2 x 2048 + 2 x 16384 + 1024 = 70656
  REQUIRE(g.macs_per_sample() == 70656);
  // params: 1600 + 64 + 512 + 3 x 64 (layernorms) + 4 x 1056 + 2112 + 2080 + 1056 = 11840
  REQUIRE(g.weight_elems() == 11840);
}

TEST_CASE("ONNX import: the BERT-style encoder equals its YAML twin and simulates the same") {
  require_twins("bert", bert(), kBertYaml);
}

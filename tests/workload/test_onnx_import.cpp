// The ONNX importer on the small models scripts/make_test_onnx.py writes to tests/data/onnx/
// (zero weights; the importer reads shapes and dtypes only): hand-computed MACs, parameters and
// shapes, hand-written YAML twins, the unsupported-op error, external data, batch dims, a
// BERT-style encoder layer, and the import -> YAML -> inspect round trip.
#include <catch2/catch.hpp>
#include <filesystem>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/importers.h"

using namespace ncore;

namespace {

std::string onnx_file(const std::string& name) {
  return test::repo("tests/data/onnx/" + name);
}

workload::Graph yaml_twin(const std::string& name, const std::string& text) {
  const std::string dir = test::scratch(name);
  return config::load_model_file(test::write(dir + "/" + name + ".yaml", text));
}

// Layer by layer: the same names, kinds, inputs, shapes, work and parameters.
void require_same(const workload::Graph& a, const workload::Graph& b) {
  REQUIRE(a.input == b.input);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto& x = a.layers[i];
    const auto& y = b.layers[i];
    INFO("layer " << i << ": " << x.name << " / " << y.name);
    REQUIRE(x.name == y.name);
    REQUIRE(x.kind == y.kind);
    REQUIRE(x.inputs == y.inputs);
    REQUIRE(x.out == y.out);
    REQUIRE(x.activation == y.activation);
    REQUIRE(x.shape_only == y.shape_only);
    REQUIRE(x.macs_per_sample() == y.macs_per_sample());
    REQUIRE(x.weight_elems() == y.weight_elems());
    REQUIRE(x.gemm.has_value() == y.gemm.has_value());
    if (x.gemm) {
      REQUIRE(x.gemm->groups == y.gemm->groups);
      REQUIRE(x.gemm->k == y.gemm->k);
      REQUIRE(x.gemm->m == y.gemm->m);
      REQUIRE(x.gemm->positions == y.gemm->positions);
      REQUIRE(x.gemm->stationary_activation == y.gemm->stationary_activation);
    }
    REQUIRE(x.gather.has_value() == y.gather.has_value());
    if (x.gather) REQUIRE(x.gather->broadcast == y.gather->broadcast);
  }
  REQUIRE(a.macs_per_sample() == b.macs_per_sample());
  REQUIRE(a.weight_elems() == b.weight_elems());
}

// small_cnn.onnx as a model YAML written by hand (BatchNorm folded: a bias per channel).
const char* const kSmallCnnYaml = R"(name: small_cnn
input: {channels: 3, height: 16, width: 16}
layers:
  - {name: conv1, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true, activation: relu}
  - {name: pool1, kind: maxpool, kernel: 2, stride: 2}
  - {name: conv2, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, activation: relu}
  - {name: conv3, kind: conv2d, out_channels: 8, kernel: 3, padding: 1}
  - {name: add1, kind: add, inputs: [conv3, pool1], activation: relu}
  - {name: dw4, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 8, activation: relu}
  - {name: pool2, kind: avgpool, kernel: 2}
  - {name: conv5, kind: conv2d, out_channels: 16, kernel: 3, stride: 2, padding: 1, activation: relu}
  - {name: gap, kind: global_avgpool}
  - {name: fc, kind: linear, out_features: 10}
)";

// attention.onnx as a model YAML written by hand, in models/bert_base.yaml's form.
const char* const kAttentionYaml = R"(name: attention
input: {channels: 1, height: 8}
layers:
  - {name: emb/word/Gather, kind: embedding, vocab: 50, hidden: 32}
  - {name: emb/tt/Gather, kind: embedding, inputs: [input], vocab: 2, hidden: 32}
  - {name: emb/pos/Gather, kind: embedding, inputs: [input], vocab: 16, hidden: 32, broadcast: true}
  - {name: emb/Add, kind: add, inputs: [emb/word/Gather, emb/tt/Gather, emb/pos/Gather]}
  - {name: emb/ln/Div, kind: layernorm}
  - {name: attn/q/MatMul, kind: linear, out_features: 32}
  - {name: attn/k/MatMul, kind: linear, inputs: [emb/ln/Div], out_features: 32}
  - {name: attn/v/MatMul, kind: linear, inputs: [emb/ln/Div], out_features: 32}
  - {name: attn/scores, kind: matmul, inputs: [attn/q/MatMul, attn/k/MatMul], heads: 4, transpose_b: true}
  - {name: attn/Softmax, kind: softmax}
  - {name: attn/context, kind: matmul, inputs: [attn/Softmax, attn/v/MatMul], heads: 4}
  - {name: attn/o/MatMul, kind: linear, out_features: 32}
  - {name: attn/residual, kind: add, inputs: [attn/o/MatMul, emb/ln/Div]}
  - {name: attn/ln/Div, kind: layernorm}
  - {name: ffn/i/MatMul, kind: linear, out_features: 64, activation: gelu}
  - {name: ffn/o/MatMul, kind: linear, out_features: 32}
  - {name: ffn/residual, kind: add, inputs: [ffn/o/MatMul, attn/ln/Div]}
  - {name: ffn/ln/Div, kind: layernorm}
  - {name: pool/Gather, kind: slice, start: 0, count: 1}
  - {name: pool/Gemm, kind: linear, out_features: 32, activation: tanh}
)";

}  // namespace

TEST_CASE("ONNX import: a small CNN has its hand-computed MACs, parameters and shapes") {
  const auto g = config::load_model_file(onnx_file("small_cnn.onnx"));
  REQUIRE(g.input == workload::Shape{3, 16, 16});
  REQUIRE(g.layers.size() == 10);  // BN, Relu, Clip and Flatten add no layers
  // conv1 (3->8, 3x3, pad 1) + BN: K = 27, M = 8, 256 positions: 55296 MACs; 216 + 8 params
  const auto& c1 = test::find_layer(g, "conv1");
  REQUIRE(c1.out == workload::Shape{8, 16, 16});
  REQUIRE(c1.macs_per_sample() == 55296);
  REQUIRE(c1.weight_elems() == 224);
  REQUIRE(c1.activation == "relu");
  REQUIRE(test::find_layer(g, "pool1").out == workload::Shape{8, 8, 8});
  // conv2 (bias), conv3 (+ BN): K = 72, M = 8, 64 positions: 36864 MACs; 576 + 8 params each
  REQUIRE(test::find_layer(g, "conv2").macs_per_sample() == 36864);
  REQUIRE(test::find_layer(g, "conv3").weight_elems() == 584);
  REQUIRE(test::find_layer(g, "conv3").activation == "none");  // the relu follows the add
  const auto& add = test::find_layer(g, "add1");
  REQUIRE(add.activation == "relu");
  REQUIRE(add.inputs.size() == 2);
  // dw4: 8 groups of K = 9, M = 1, 64 positions: 4608 MACs; 72 + 8 (BN) params; relu6 -> relu
  const auto& dw = test::find_layer(g, "dw4");
  REQUIRE(dw.gemm->groups == 8);
  REQUIRE(dw.macs_per_sample() == 4608);
  REQUIRE(dw.weight_elems() == 80);
  REQUIRE(dw.activation == "relu");
  REQUIRE(test::find_layer(g, "pool2").out == workload::Shape{8, 4, 4});
  // conv5: SAME_UPPER, stride 2 on 4x4: out ceil(4 / 2) = 2 (pads 0 + 1: symmetric padding 1
  // gives the same size); K = 72, M = 16, 4 positions: 4608 MACs; 1152 + 16 params
  const auto& c5 = test::find_layer(g, "conv5");
  REQUIRE(c5.out == workload::Shape{16, 2, 2});
  REQUIRE(c5.macs_per_sample() == 4608);
  REQUIRE(c5.weight_elems() == 1168);
  // gap -> 16x1x1; Flatten of a 16x1x1 tensor is no layer; fc 16 -> 10: 160 MACs, 170 params
  REQUIRE(test::find_layer(g, "gap").out == workload::Shape{16, 1, 1});
  const auto& fc = test::find_layer(g, "fc");
  REQUIRE(fc.inputs == std::vector<int>{9});  // gap
  REQUIRE(fc.macs_per_sample() == 160);
  REQUIRE(fc.weight_elems() == 170);
  // 55296 + 2 x 36864 + 4608 + 4608 + 160; 224 + 2 x 584 + 80 + 1168 + 170
  REQUIRE(g.macs_per_sample() == 138400);
  REQUIRE(g.weight_elems() == 2810);
}

TEST_CASE("ONNX import: the small CNN equals its hand-written YAML twin") {
  require_same(config::load_model_file(onnx_file("small_cnn.onnx")),
               yaml_twin("small_cnn", kSmallCnnYaml));
}

TEST_CASE("ONNX import: unsupported ops are one error listing every op type and node, exit 2") {
  // unsupported.onnx: conv1 -> LRN lrn_1 -> conv2 -> Concat concat_1 (of two activations) ->
  // InstanceNormalization inorm -> com.example.MyOp custom -> pool: all four are named, even
  // those after the first.
  const std::string path = onnx_file("unsupported.onnx");
  try {
    workload::import_onnx(path);
    FAIL("no ImportError");
  } catch (const workload::ImportError& e) {
    const std::string msg = e.what();
    REQUIRE(msg == path +
                       ": unsupported ops: Concat (node concat_1: concatenating activations needs "
                       "a concat layer kind), InstanceNormalization (node inorm), LRN (node "
                       "lrn_1), com.example.MyOp (node custom)");
  }
  const std::string dir = test::scratch("onnx_unsupported");
  const auto r = test::ncoresim("import tests/data/onnx/unsupported.onnx -o '" + dir + "/u.yaml'");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("unsupported.onnx: unsupported ops: "));
  REQUIRE_THAT(r.output, Catch::Contains("LRN (node lrn_1)"));
  REQUIRE_THAT(r.output, Catch::Contains("InstanceNormalization (node inorm)"));
  REQUIRE_THAT(r.output, Catch::Contains("Concat (node concat_1"));
  REQUIRE_THAT(r.output, Catch::Contains("com.example.MyOp (node custom)"));
  REQUIRE(!std::filesystem::exists(dir + "/u.yaml"));
}

TEST_CASE("ONNX import: initializers in external data are read for their dims only") {
  // small_cnn_ext.onnx is small_cnn.onnx with every initializer in small_cnn_ext.bin
  const auto a = config::load_model_file(onnx_file("small_cnn.onnx"));
  const auto b = config::load_model_file(onnx_file("small_cnn_ext.onnx"));
  REQUIRE(b.macs_per_sample() == 138400);
  REQUIRE(b.weight_elems() == 2810);
  REQUIRE(b.layers.size() == a.layers.size());
  // Without its data file the model still imports: the data is never read.
  const std::string dir = test::scratch("onnx_external");
  std::filesystem::copy_file(onnx_file("small_cnn_ext.onnx"), dir + "/small_cnn_ext.onnx");
  REQUIRE(!std::filesystem::exists(dir + "/small_cnn_ext.bin"));
  const auto c = config::load_model_file(dir + "/small_cnn_ext.onnx");
  REQUIRE(c.macs_per_sample() == 138400);
  REQUIRE(c.weight_elems() == 2810);
}

TEST_CASE("ONNX import: the batch dim is dropped, dynamic or fixed; other dynamic dims fail") {
  // small_cnn.onnx's input is [batch, 3, 16, 16] with a dynamic "batch"
  REQUIRE(config::load_model_file(onnx_file("small_cnn.onnx")).input == workload::Shape{3, 16, 16});
  // mlp_batch4.onnx: a fixed batch of 4, [4, 64] -> MatMul + Add bias + Relu -> Gemm -> Softmax:
  // per sample 64 * 32 + 32 * 10 = 2368 MACs; 2080 + 330 = 2410 params
  const auto mlp = config::load_model_file(onnx_file("mlp_batch4.onnx"));
  REQUIRE(mlp.input == workload::Shape{64, 1, 1});
  REQUIRE(mlp.layers.size() == 3);
  REQUIRE(mlp.layers[0].kind == "linear");
  REQUIRE(mlp.layers[0].activation == "relu");
  REQUIRE(mlp.layers[0].weight_elems() == 2080);  // the Add of a bias initializer: bias
  REQUIRE(mlp.layers[2].kind == "softmax");
  REQUIRE(mlp.layers[2].out == workload::Shape{10, 1, 1});
  REQUIRE(mlp.macs_per_sample() == 2368);
  REQUIRE(mlp.weight_elems() == 2410);
  // dynamic_seq.onnx: [batch, sequence, 16]
  const auto r = test::ncoresim("inspect tests/data/onnx/dynamic_seq.onnx");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("dynamic_seq.onnx: dynamic input dims other than the "
                                         "batch: 'x' axis 1 (sequence)"));
}

TEST_CASE("ONNX import: a BERT-style encoder layer has its hand-computed MACs and parameters") {
  // attention.onnx: 8 tokens, hidden 32, 4 heads of 8, FFN 64, vocab 50, 16 positions, written
  // as torch.onnx exports BertModel (dynamic head reshapes, Add(bias, MatMul), the LayerNorm and
  // Erf GELU patterns, a mask from the attention_mask input, a [CLS] pooler).
  const auto g = config::load_model_file(onnx_file("attention.onnx"));
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

TEST_CASE("ONNX import: the BERT-style encoder layer equals its hand-written YAML twin") {
  require_same(config::load_model_file(onnx_file("attention.onnx")),
               yaml_twin("attention", kAttentionYaml));
}

TEST_CASE("ncoresim import writes YAML that inspect reads back with the same totals") {
  const std::string dir = test::scratch("onnx_roundtrip");
  for (const std::string name : {"small_cnn", "attention"}) {
    INFO(name);
    const auto imp = test::ncoresim("import tests/data/onnx/" + name + ".onnx -o '" + dir + "/" +
                                    name + ".yaml'");
    INFO(imp.output);
    REQUIRE(imp.code == 0);
    const auto from_onnx = test::ncoresim("inspect tests/data/onnx/" + name + ".onnx");
    const auto from_yaml = test::ncoresim("inspect '" + dir + "/" + name + ".yaml'");
    REQUIRE(from_onnx.code == 0);
    REQUIRE(from_yaml.code == 0);
    REQUIRE(from_onnx.output == from_yaml.output);  // the header line and every layer
    REQUIRE_THAT(
        test::read(dir + "/" + name + ".yaml"),
        Catch::StartsWith("# imported by ncoresim import from the ONNX model " + name + ".onnx"));
  }
}

TEST_CASE("ONNX import: a run file naming an .onnx model simulates it") {
  const std::string dir = test::scratch("onnx_run");
  test::write(dir + "/run.yaml", "hw: " + test::repo("configs/hw/trn1.yaml") +
                                     "\nmodel: " + onnx_file("small_cnn.onnx") + "\nbatch: 1\n");
  const auto r = test::ncoresim("run '" + dir + "/run.yaml' -q --no-trace --out '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE_THAT(test::read(dir + "/out/summary.json"), Catch::Contains("\"macs\": 138400"));
}

TEST_CASE("ONNX import: a file that is not an ONNX model is one error naming it") {
  const std::string dir = test::scratch("onnx_bad");
  test::write(dir + "/bad.onnx", "not a protobuf \xff\xff\xff");
  auto r = test::ncoresim("inspect '" + dir + "/bad.onnx'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(dir + "/bad.onnx: not an ONNX model"));
  r = test::ncoresim("inspect '" + dir + "/missing.onnx'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(dir + "/missing.onnx: cannot open file"));
}

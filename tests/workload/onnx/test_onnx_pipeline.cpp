// The ONNX import pipeline (src/workload/onnx/importer.cpp, finish.cpp): unsupported ops as one
// error naming every op type and node, malformed and missing files, initializers in external
// data, batch dims (dynamic, fixed, other dynamic dims failing) and the import -> YAML -> inspect
// round trip. Models are built with the ONNX protobuf API into scratch directories.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/importers.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/onnx_twins.h"

using namespace ncore;
using namespace ncore::test::onnxb;

namespace {

// [4, 64] -> MatMul + Add bias + Relu -> Gemm -> Softmax: a fixed batch of 4.
Model mlp_batch4() {
  Model m("mlp_batch4");
  m.input("x", kFloat, {4, 64});
  auto x = m.op("MatMul", {"x", m.weight("fc1.weight_t", {64, 32})}, "fc1");
  x = m.op("Add", {m.weight("fc1.bias", {32}), x}, "fc1_bias");
  x = m.op("Relu", {x}, "relu1");
  x = m.op("Gemm", {x, m.weight("fc2.weight", {10, 32}), m.weight("fc2.bias", {10})}, "fc2",
           {ai("transB", 1)});
  x = m.op("Softmax", {x}, "softmax", {ai("axis", -1)});
  m.output(x, kFloat, {4, 10});
  return m;
}

// An input with a dynamic dim other than the batch: [batch, sequence, 16].
Model dynamic_seq() {
  Model m("dynamic_seq");
  m.input("x", kFloat, {"batch", "sequence", 16});
  const auto y = m.op("MatMul", {"x", m.weight("w", {16, 16})}, "proj");
  m.output(y, kFloat, {"batch", "sequence", 16});
  return m;
}

// conv1 -> LRN lrn_1 -> conv2 -> InstanceNormalization inorm -> com.example.MyOp custom -> pool:
// three unsupported ops, two after the first.
Model three_unsupported() {
  Model m("unsupported");
  m.add_opset("com.example", 1);
  m.input("x", kFloat, {"batch", 3, 8, 8});
  const auto c1 = conv(m, "x", "conv1", 3, 8, 3, true, 1, pads1());
  const auto lrn = m.op("LRN", {c1}, "lrn_1", {ai("size", 3)});
  const auto c2 = conv(m, lrn, "conv2", 8, 8, 3, true, 1, pads1());
  const auto norm = m.op("InstanceNormalization",
                         {c2, m.weight("in.scale", {8}), m.weight("in.bias", {8})}, "inorm");
  const auto custom = m.op("MyOp", {norm}, "custom", {}, "com.example");
  const auto gap = m.op("GlobalAveragePool", {custom}, "gap");
  const auto y = m.op("Flatten", {gap}, "flatten");
  m.output(y, kFloat, {"batch", 8});
  return m;
}

}  // namespace

// ---- errors ------------------------------------------------------------------------------------

TEST_CASE("ONNX import: an unsupported op fails inspect with exit 2 naming its type and node") {
  // [batch, 8, 16] -> linear -> LSTM lstm_1 (batch first: layout 1, opset 14; hidden 16)
  Model m("lstm", 14);
  m.input("x", kFloat, {"batch", 8, 16});
  const auto p = m.op("MatMul", {"x", m.weight("proj.weight_t", {16, 16})}, "proj");
  const auto y = m.op("LSTM", {p, m.weight("lstm.W", {1, 64, 16}), m.weight("lstm.R", {1, 64, 16})},
                      "lstm_1", {ai("hidden_size", 16), ai("layout", 1)});
  m.output(y, kFloat, {"batch", 8, 1, 16});
  const std::string dir = test::scratch("onnx_lstm");
  const std::string path = m.save(dir + "/lstm.onnx");
  const auto r = test::ncoresim("inspect '" + path + "'");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(path + ": unsupported ops: LSTM (node lstm_1)"));
}

TEST_CASE("ONNX import: unsupported ops are one error listing every op type and node, exit 2") {
  const std::string dir = test::scratch("onnx_unsupported");
  const std::string path = three_unsupported().save(dir + "/unsupported.onnx");
  try {
    workload::import_onnx(path);
    FAIL("no ImportError");
  } catch (const workload::ImportError& e) {
    const std::string msg = e.what();
    REQUIRE(msg == path +
                       ": unsupported ops: InstanceNormalization (node inorm), LRN (node lrn_1), "
                       "com.example.MyOp (node custom)");
  }
  for (const std::string& cmd :
       {"inspect '" + path + "'", "import '" + path + "' -o '" + dir + "/u.yaml'"}) {
    INFO(cmd);
    const auto r = test::ncoresim(cmd);
    INFO(r.output);
    REQUIRE(r.code == 2);
    REQUIRE_THAT(r.output, Catch::Contains(path + ": unsupported ops: "));
    REQUIRE_THAT(r.output, Catch::Contains("LRN (node lrn_1)"));
    REQUIRE_THAT(r.output, Catch::Contains("InstanceNormalization (node inorm)"));
    REQUIRE_THAT(r.output, Catch::Contains("com.example.MyOp (node custom)"));
  }
  REQUIRE(!std::filesystem::exists(dir + "/u.yaml"));
}

TEST_CASE("ONNX import: a malformed or missing file is one error naming it, exit 2") {
  const std::string dir = test::scratch("onnx_malformed");
  // Random bytes (a fixed seed) and a valid model cut in half.
  std::mt19937 rng(7);
  std::string noise(512, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 0xff);
  test::write(dir + "/random.onnx", noise);
  const std::string whole = cnn().serialize();
  test::write(dir + "/truncated.onnx", whole.substr(0, whole.size() / 2));
  for (const std::string name : {"random.onnx", "truncated.onnx"}) {
    const std::string path = dir + "/" + name;
    INFO(path);
    REQUIRE_THROWS_WITH(workload::import_onnx(path),
                        path + ": not an ONNX model (the protobuf does not parse)");
    const auto r = test::ncoresim("inspect '" + path + "'");
    INFO(r.output);
    REQUIRE(r.code == 2);
    REQUIRE(r.output == "error: " + path + ": not an ONNX model (the protobuf does not parse)\n");
  }
  const auto r = test::ncoresim("inspect '" + dir + "/missing.onnx'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(dir + "/missing.onnx: cannot open file"));
}

TEST_CASE("ONNX import: initializers in external data are read for their dims only") {
  const std::string dir = test::scratch("onnx_external");
  Model m = small_cnn();
  m.externalize(dir, "small_cnn_ext.bin");
  for (const auto& t : m.graph().initializer()) REQUIRE(!t.has_raw_data());
  const std::string path = m.save(dir + "/small_cnn_ext.onnx");
  REQUIRE(std::filesystem::file_size(dir + "/small_cnn_ext.bin") ==
          4 * (2810 + 3 * 3 * 8));  // BN: 4 vectors, not 1
  const auto a = config::load_model_file(small_cnn().save(dir + "/small_cnn.onnx"));
  const auto b = config::load_model_file(path);
  REQUIRE(b.macs_per_sample() == 138400);
  REQUIRE(b.weight_elems() == 2810);
  require_same(a, b);
  // Without its data file the model still imports: the data is never read.
  std::filesystem::remove(dir + "/small_cnn_ext.bin");
  const auto c = config::load_model_file(path);
  REQUIRE(c.macs_per_sample() == 138400);
  REQUIRE(c.weight_elems() == 2810);
}

TEST_CASE("ONNX import: the batch dim is dropped, dynamic or fixed, and other dynamic dims fail") {
  const std::string dir = test::scratch("onnx_batch");
  // small_cnn's input is [batch, 3, 16, 16] with a dynamic "batch"
  REQUIRE(config::load_model_file(small_cnn().save(dir + "/small_cnn.onnx")).input ==
          workload::Shape{3, 16, 16});
  // mlp_batch4: a fixed batch of 4, [4, 64] -> MatMul + Add bias + Relu -> Gemm -> Softmax:
  // per sample 64 * 32 + 32 * 10 = 2368 MACs; 2080 + 330 = 2410 params
  const auto mlp = config::load_model_file(mlp_batch4().save(dir + "/mlp_batch4.onnx"));
  REQUIRE(mlp.input == workload::Shape{64, 1, 1});
  REQUIRE(mlp.layers.size() == 3);
  REQUIRE(mlp.layers[0].kind == "linear");
  REQUIRE(mlp.layers[0].activation == "relu");
  REQUIRE(mlp.layers[0].weight_elems() == 2080);  // the Add of a bias initializer: bias
  REQUIRE(mlp.layers[2].kind == "softmax");
  REQUIRE(mlp.layers[2].out == workload::Shape{10, 1, 1});
  REQUIRE(mlp.macs_per_sample() == 2368);
  REQUIRE(mlp.weight_elems() == 2410);
  // dynamic_seq: [batch, sequence, 16]
  const std::string path = dynamic_seq().save(dir + "/dynamic_seq.onnx");
  const auto r = test::ncoresim("inspect '" + path + "'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(path + ": dynamic input dims other than the batch: 'x' "
                                                "axis 1 (sequence)"));
}

TEST_CASE(
    "ONNX import: ncoresim import writes YAML that inspect reads back with the same "
    "totals") {
  const std::string dir = test::scratch("onnx_roundtrip");
  for (const auto& [name, model] : {std::pair<std::string, Model>{"small_cnn", small_cnn()},
                                    std::pair<std::string, Model>{"bert", bert()}}) {
    INFO(name);
    const std::string onnx_path = model.save(dir + "/" + name + ".onnx");
    const std::string yaml_path = dir + "/" + name + ".yaml";
    const auto imp = test::ncoresim("import '" + onnx_path + "' -o '" + yaml_path + "'");
    INFO(imp.output);
    REQUIRE(imp.code == 0);
    const auto from_onnx = test::ncoresim("inspect '" + onnx_path + "'");
    const auto from_yaml = test::ncoresim("inspect '" + yaml_path + "'");
    REQUIRE(from_onnx.code == 0);
    REQUIRE(from_yaml.code == 0);
    REQUIRE(from_onnx.output == from_yaml.output);  // the header line and every layer
    REQUIRE_THAT(
        test::read(yaml_path),
        Catch::StartsWith("# imported by ncoresim import from the ONNX model " + name + ".onnx"));
  }
}

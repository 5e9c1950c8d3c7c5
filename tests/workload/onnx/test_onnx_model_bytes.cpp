// Loading ONNX files without copying their weights (src/workload/onnx/model_bytes.cpp): the wire
// scan empties large raw_data fields and keeps their bytes in the mapped file, a malformed
// stream is left to the plain parse, and a tied LM head whose table is over the threshold is
// still found by comparing those mapped bytes.
#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_util.h"
#include "workload/onnx/model_bytes.h"
#include "workload/onnx/onnx_models.h"

using namespace ncore;
using namespace ncore::test::onnxb;
using workload::onnx::strip_raw_data;

namespace {

// 160 x 128 floats: 80 KiB, over the 64 KiB threshold; values 0, 1, 2, ...
constexpr int64_t kRows = 160, kCols = 128;

std::vector<float> counting(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

std::vector<float> transposed(const std::vector<float>& t, size_t rows, size_t cols) {
  std::vector<float> r(t.size());
  for (size_t row = 0; row < rows; ++row)
    for (size_t col = 0; col < cols; ++col) r[col * rows + row] = t[row * cols + col];
  return r;
}

Model big_lm_head(const std::vector<float>& head) {
  Model m("big_lm_head");
  m.input("ids", kInt64, {"batch", 8});
  const auto table = counting(static_cast<size_t>(kRows * kCols));
  *m.graph().add_initializer() = tensor<float>("wte.weight", kFloat, {kRows, kCols}, table);
  *m.graph().add_initializer() = tensor<float>("head.weight_t", kFloat, {kCols, kRows}, head);
  const auto h = m.op("Gather", {"wte.weight", "ids"}, "wte/Gather");
  m.output(m.op("MatMul", {h, "head.weight_t"}, "lm_head/MatMul"), kFloat, {"batch", 8, kRows});
  return m;
}

}  // namespace

TEST_CASE("the ONNX wire scan empties large raw_data and keeps its bytes by initializer") {
  Model m("strip");
  m.input("x", kFloat, {"batch", 4});
  m.weight("small", {4, 4});  // 64 bytes: kept
  *m.graph().add_initializer() =
      tensor<float>("big", kFloat, {kRows, kCols}, counting(static_cast<size_t>(kRows * kCols)));
  m.output(m.op("MatMul", {"x", "small"}, "mm"), kFloat, {"batch", 4});
  const std::string bytes = m.serialize();
  std::string stripped;
  std::map<int, std::string_view> raw;
  REQUIRE(strip_raw_data(bytes, workload::onnx::kStripRawBytes, stripped, raw));
  // 80 KiB left out, a few bytes of keys and lengths changed
  REQUIRE(stripped.size() < bytes.size() - 80 * 1024 + 16);
  onnx::ModelProto p;
  REQUIRE(p.ParseFromString(stripped));
  REQUIRE(p.graph().initializer_size() == 2);
  REQUIRE(p.graph().initializer(0).raw_data().size() == 64);
  REQUIRE(p.graph().initializer(1).has_raw_data());  // present, empty: a size check fails
  REQUIRE(p.graph().initializer(1).raw_data().empty());
  REQUIRE(p.graph().initializer(1).dims(1) == kCols);
  REQUIRE(p.graph().node(0).op_type() == "MatMul");
  REQUIRE(raw.size() == 1);
  REQUIRE(raw.at(1) == m.graph().initializer(1).raw_data());
}

TEST_CASE("the ONNX wire scan gives up on a malformed stream") {
  std::string out;
  std::map<int, std::string_view> raw;
  // field 7 (graph), length 255, but only 2 bytes follow
  REQUIRE(!strip_raw_data(std::string("\x3a\xff\x01\x0a\x00", 5), 16, out, raw));
  // wire type 3 (a group)
  REQUIRE(!strip_raw_data(std::string("\x0b", 1), 16, out, raw));
  // a varint that never ends
  REQUIRE(!strip_raw_data(std::string(12, '\xff'), 16, out, raw));
  // and such a file is still one clear error
  const std::string dir = test::scratch("onnx_bad_wire");
  const auto r = test::ncoresim("inspect '" + test::write(dir + "/m.onnx", "\x3a\xff\x01") + "'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("not an ONNX model"));
}

TEST_CASE("ONNX import: a tied LM head over the raw_data threshold is found in the mapped file") {
  const auto table = counting(static_cast<size_t>(kRows * kCols));
  const std::string dir = test::scratch("onnx_big_tied");
  const auto g = config::load_model_file(
      big_lm_head(transposed(table, kRows, kCols)).save(dir + "/tied.onnx"));
  REQUIRE(g.layers[1].gemm->tied);
  REQUIRE(g.weight_elems() == static_cast<uint64_t>(kRows * kCols));
  auto other = transposed(table, kRows, kCols);
  other.back() += 1.0f;  // the last element differs: two tensors
  const auto u = config::load_model_file(big_lm_head(other).save(dir + "/untied.onnx"));
  REQUIRE(!u.layers[1].gemm->tied);
  REQUIRE(u.weight_elems() == static_cast<uint64_t>(2 * kRows * kCols));
}

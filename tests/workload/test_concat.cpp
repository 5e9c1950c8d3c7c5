// concat: channel concatenation in YAML and from ONNX, its shape rule, and its data (functional
// mode) through the planner's vector ops.
#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_runs.h"

using namespace ncore;

namespace {

onnx::TensorProto weight(const std::string& name, std::vector<int64_t> dims) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t.add_dims(d);
    n *= d;
  }
  t.set_raw_data(std::string(static_cast<size_t>(n) * 4, '\0'));
  return t;
}

// x (N, 3, 16, 16) -> conv 3x3 (8) + relu, conv 1x1 (4) -> concat along the channels, serialized
std::string concat_onnx() {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("concat");
  auto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  for (int64_t d : {3, 16, 16}) tt->mutable_shape()->add_dim()->set_dim_value(d);
  g->add_output()->set_name("y");
  *g->add_initializer() = weight("w1", {8, 3, 3, 3});
  *g->add_initializer() = weight("w2", {4, 3, 1, 1});
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(out);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  auto* c1 = node("Conv", {"x", "w1"}, "a");
  auto* pads = c1->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  node("Relu", {"a"}, "ar");
  node("Conv", {"x", "w2"}, "b");
  auto* cat = node("Concat", {"ar", "b"}, "y");
  auto* axis = cat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

TEST_CASE("concat joins channels of equal height and width") {
  const std::string dir = test::scratch("concat_yaml");
  test::write(dir + "/m.yaml",
              "name: c\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
              "  - {name: a, kind: conv2d, out_channels: 5, kernel: 3, padding: 1}\n"
              "  - {name: b, kind: conv2d, inputs: [input], out_channels: 2, kernel: 1}\n"
              "  - {name: cat, kind: concat, inputs: [a, b, input]}\n");
  const auto g = config::load_model_file(dir + "/m.yaml");
  REQUIRE(g.layers[2].out == workload::Shape{10, 8, 8});
  test::write(dir + "/bad.yaml",
              "name: c\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
              "  - {name: a, kind: conv2d, out_channels: 5, kernel: 3, stride: 2}\n"
              "  - {name: cat, kind: concat, inputs: [a, input]}\n");
  const auto r = test::ncoresim("inspect '" + dir + "/bad.yaml'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("concat needs equal height and width"));
}

TEST_CASE("an ONNX Concat imports as concat and computes the right data") {
  const auto run = test::tiny_run("concat_onnx")
                       .model(concat_onnx(), "concat.onnx")
                       .batch(2)
                       .set("options.functional", "true");
  const auto g = config::load_model_file(run.model_path());
  REQUIRE(g.layers.size() == 3);
  REQUIRE(g.layers[2].kind == "concat");
  REQUIRE(g.layers[2].out == workload::Shape{12, 16, 16});
  REQUIRE(g.macs_per_sample() == 16 * 16 * (8 * 27 + 4 * 3));
  // functional mode: the tiled program's concat matches the direct reference
  const auto s = run.run("--no-trace").summary;
  REQUIRE(s["functional"]["passed"] == true);
}

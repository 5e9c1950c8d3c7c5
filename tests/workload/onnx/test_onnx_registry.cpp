// The ONNX op registry (src/workload/onnx/op_registry.h) is the one list of the ops the importer
// knows: every entry has a handler, handled_ops() is the registry, the flags agree, every op the
// shape folder evaluates is registered, and the walk hands every registered op to its handler
// (it is never reported as an unknown op type) while an unregistered one is reported as unknown.
#include <onnx/defs/schema.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_util.h"
#include "workload/importers.h"
#include "workload/onnx/onnx_models.h"
#include "workload/onnx/op_registry.h"
#include "workload/onnx/shape_folder.h"

using namespace ncore;
using namespace ncore::test::onnxb;
namespace ox = ncore::workload::onnx;

namespace {

// What importing a model of one `op` node (domain `domain`) reports: "" when it imports, else the
// ImportError's message. The node reads the input as often as the op's schema needs (at least
// once), so ONNX's shape inference accepts it.
std::string import_probe(const std::string& dir, const std::string& op,
                         const std::string& domain = "") {
  Model m("probe_" + op);
  if (!domain.empty()) m.add_opset(domain, 1);
  m.input("x", kFloat, {"batch", 4, 8, 8});
  const auto* schema = onnx::OpSchemaRegistry::Schema(op, domain);
  const int n_inputs = schema ? std::max(schema->min_input(), 1) : 1;
  const std::vector<std::string> inputs(static_cast<size_t>(n_inputs), "x");
  m.graph().add_output()->set_name(m.op(op, inputs, "probe", {}, domain));
  const std::string path = m.save(dir + "/" + (domain.empty() ? "" : domain + ".") + op + ".onnx");
  try {
    workload::import_onnx(path);
  } catch (const workload::ImportError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("every registered ONNX op has a handler and handled_ops() lists the registry") {
  const auto& reg = ox::OnnxOpRegistry::instance();
  REQUIRE(ox::handled_ops() == reg.names());
  for (const auto& [name, op] : reg.entries()) {
    INFO(name);
    REQUIRE(op.handle != nullptr);
  }
  for (const char* op : {"Conv", "BatchNormalization", "Gemm", "MatMul", "Add", "Softmax",
                         "LayerNormalization", "Gather", "Identity", "Shape", "Equal"})
    REQUIRE(reg.find(op));
  for (const char* op : {"LSTM", "GridSample", "NonMaxSuppression", "LRN", "MyOp"})
    REQUIRE(!reg.find(op));
}

TEST_CASE("ONNX op flags: unary ops are free on constants, Gelu and FastGelu cross domains") {
  const auto& reg = ox::OnnxOpRegistry::instance();
  REQUIRE(!ox::unary_ops().empty());
  for (const auto& name : ox::unary_ops()) {
    INFO(name);
    REQUIRE(reg.find(name)->free_on_constants());
  }
  for (const auto& name : ox::free_ops()) REQUIRE(reg.find(name)->free_on_constants());
  std::vector<std::string> any_domain;
  for (const auto& [name, op] : reg.entries())
    if (op.any_domain()) any_domain.push_back(name);
  REQUIRE(any_domain == std::vector<std::string>{"FastGelu", "Gelu"});
  // A Gather always reaches its handler: from a 2-D float table it is an embedding even when the
  // indices are constant; the handler frees the others itself.
  REQUIRE(!reg.find("Gather")->free_on_constants());
}

TEST_CASE("every op the ONNX shape folder evaluates is a registered op, free on constants") {
  const auto& reg = ox::OnnxOpRegistry::instance();
  REQUIRE(!ox::shape_evaluators().empty());
  for (const auto& [name, eval] : ox::shape_evaluators()) {
    INFO(name);
    REQUIRE(eval != nullptr);
    const ox::OnnxOp* op = reg.find(name);
    REQUIRE(op);
    if (name != "Gather") REQUIRE(op->free_on_constants());  // Gather: see the flags test
  }
}

TEST_CASE("the ONNX walk serves every registered op and reports an unregistered one as unknown") {
  const std::string dir = test::scratch("onnx_registry");
  // An unknown op is listed without a reason: "LRN (node probe)"; a served one imports or names
  // why it cannot map this use: "Conv (node probe: the weights are not an initializer)".
  REQUIRE_THAT(import_probe(dir, "LRN"), Catch::Contains("LRN (node probe)"));
  REQUIRE_THAT(import_probe(dir, "Conv", "com.example"),
               Catch::Contains("com.example.Conv (node probe)"));
  REQUIRE_THAT(import_probe(dir, "Gelu", "com.microsoft"), !Catch::Contains("Gelu (node probe)"));
  for (const auto& name : ox::handled_ops()) {
    const std::string msg = import_probe(dir, name);
    INFO(name << ": " << msg);
    REQUIRE_THAT(msg, !Catch::Contains(name + " (node probe)"));
    REQUIRE_THAT(msg, !Catch::Contains("shape inference failed"));
  }
}

// Views of the ONNX op registry (op_registry.h): the handled, free and unary op lists, derived
// from the registrations in the op family files (none are kept here).
#include "workload/onnx/op_registry.h"

namespace ncore::workload::onnx {
namespace {

std::vector<std::string> with_flag(unsigned flag) {
  std::vector<std::string> out;
  for (const auto& [name, op] : OnnxOpRegistry::instance().entries())
    if (op.flags & flag) out.push_back(name);
  return out;
}

}  // namespace

std::vector<std::string> handled_ops() {
  return OnnxOpRegistry::instance().names();
}

std::vector<std::string> free_ops() {
  return with_flag(kFreeOnConstants);
}

std::vector<std::string> unary_ops() {
  return with_flag(kUnary);
}

}  // namespace ncore::workload::onnx

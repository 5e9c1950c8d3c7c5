// Elementwise functions of one value, by name: the fused activations (`activation:` of conv2d,
// linear, matmul and add) and the ops of the `elementwise` kind. One table is the source of the
// names the YAML accepts, the ONNX importer emits and functional mode evaluates.
#pragma once
#include <string>
#include <vector>

namespace ncore::workload {

using UnaryFn = float (*)(float);

struct UnaryOp {
  const char* name;
  UnaryFn fn;
  const char* formula;  // for the README and messages
};

const std::vector<UnaryOp>& unary_ops();    // "none" (identity) first
UnaryFn unary_fn(const std::string& name);  // nullptr for an unknown name
std::vector<std::string> unary_op_names(bool with_none);

}  // namespace ncore::workload

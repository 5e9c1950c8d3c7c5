// The table of elementwise functions (see unary_ops.h). Definitions as PyTorch documents them
// (torch.nn.GELU exact form, Hardswish, LeakyReLU with slope 0.01, SiLU = x * sigmoid(x)).
#include "workload/unary_ops.h"

#include <algorithm>
#include <cmath>

namespace ncore::workload {
namespace {

float identity(float x) {
  return x;
}
float relu(float x) {
  return x > 0 ? x : 0;
}
float gelu(float x) {
  return 0.5f * x * (1.0f + std::erf(x * 0.70710678f));
}
float tanh_fn(float x) {
  return std::tanh(x);
}
float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}
float silu(float x) {
  return x * sigmoid(x);
}
float hardswish(float x) {
  return x * std::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
}
float leaky_relu(float x) {
  return x > 0 ? x : 0.01f * x;
}
float exp_fn(float x) {
  return std::exp(x);
}
float erf_fn(float x) {
  return std::erf(x);
}

}  // namespace

const std::vector<UnaryOp>& unary_ops() {
  static const std::vector<UnaryOp> ops = {{"none", identity, "x"},
                                           {"relu", relu, "max(x, 0)"},
                                           {"gelu", gelu, "x (1 + erf(x / sqrt 2)) / 2"},
                                           {"tanh", tanh_fn, "tanh x"},
                                           {"sigmoid", sigmoid, "1 / (1 + exp(-x))"},
                                           {"silu", silu, "x sigmoid(x)"},
                                           {"hardswish", hardswish, "x min(max(x + 3, 0), 6) / 6"},
                                           {"leaky_relu", leaky_relu, "x if x > 0, else 0.01 x"},
                                           {"exp", exp_fn, "exp x"},
                                           {"erf", erf_fn, "erf x"}};
  return ops;
}

UnaryFn unary_fn(const std::string& name) {
  for (const UnaryOp& op : unary_ops())
    if (name == op.name) return op.fn;
  return nullptr;
}

std::vector<std::string> unary_op_names(bool with_none) {
  std::vector<std::string> names;
  for (const UnaryOp& op : unary_ops())
    if (with_none || std::string(op.name) != "none") names.push_back(op.name);
  return names;
}

}  // namespace ncore::workload

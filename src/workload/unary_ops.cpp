// The table of elementwise functions (see unary_ops.h). Definitions as PyTorch and ONNX document
// them (torch.nn.GELU's exact form, Hardswish, SiLU = x sigmoid(x)); the ONNX ops take ONNX's
// default attributes (LeakyRelu alpha 0.01, Elu alpha 1, HardSigmoid 0.2 and 0.5, ...).
#include "workload/unary_ops.h"

#include <algorithm>
#include <cmath>

namespace ncore::workload {
namespace {

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}
float softplus(float x) {
  return std::log1p(std::exp(x));
}

}  // namespace

const std::vector<UnaryOp>& unary_ops() {
  static const std::vector<UnaryOp> ops = {
      {"none", [](float x) { return x; }, "x (a copy)"},
      {"relu", [](float x) { return x > 0 ? x : 0; }, "max(x, 0)"},
      {"gelu", [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678f)); },
       "x (1 + erf(x / sqrt 2)) / 2"},
      {"tanh", [](float x) { return std::tanh(x); }, "tanh x"},
      {"sigmoid", sigmoid, "1 / (1 + exp(-x))"},
      {"silu", [](float x) { return x * sigmoid(x); }, "x sigmoid(x)"},
      {"hardswish", [](float x) { return x * std::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f; },
       "x min(max(x + 3, 0), 6) / 6"},
      {"leaky_relu", [](float x) { return x > 0 ? x : 0.01f * x; }, "x if x > 0, else 0.01 x"},
      {"exp", [](float x) { return std::exp(x); }, "exp x"},
      {"erf", [](float x) { return std::erf(x); }, "erf x"},
      // ONNX's other one-input ops: an imported node's own alpha, or PRelu's learned slope, is
      // not read (the cost is the same one lane-cycle per element).
      {"log", [](float x) { return std::log(x); }, "ln x"},
      {"abs", [](float x) { return std::fabs(x); }, "|x|"},
      {"neg", [](float x) { return -x; }, "-x"},
      {"floor", [](float x) { return std::floor(x); }, "floor x"},
      {"ceil", [](float x) { return std::ceil(x); }, "ceil x"},
      {"round", [](float x) { return std::nearbyint(x); }, "x rounded half to even"},
      {"sign", [](float x) { return static_cast<float>((x > 0) - (x < 0)); }, "sign x"},
      {"elu", [](float x) { return x > 0 ? x : std::expm1(x); }, "x if x > 0, else exp(x) - 1"},
      {"selu",
       [](float x) {
         return 1.0507009873554805f * (x > 0 ? x : 1.6732632423543772f * std::expm1(x));
       },
       "1.0507 (x if x > 0, else 1.6733 (exp(x) - 1))"},
      {"softplus", softplus, "ln(1 + exp x)"},
      {"softsign", [](float x) { return x / (1.0f + std::fabs(x)); }, "x / (1 + |x|)"},
      {"sin", [](float x) { return std::sin(x); }, "sin x"},
      {"cos", [](float x) { return std::cos(x); }, "cos x"},
      {"mish", [](float x) { return x * std::tanh(softplus(x)); }, "x tanh(softplus x)"},
      {"hard_sigmoid", [](float x) { return std::clamp(0.2f * x + 0.5f, 0.0f, 1.0f); },
       "min(max(0.2 x + 0.5, 0), 1)"},
      {"thresholded_relu", [](float x) { return x > 1.0f ? x : 0.0f; }, "x if x > 1, else 0"},
      {"prelu", [](float x) { return x > 0 ? x : 0.25f * x; },
       "x if x > 0, else 0.25 x (PyTorch's initial slope)"},
      {"not", [](float x) { return x == 0.0f ? 1.0f : 0.0f; }, "1 if x = 0, else 0"}};
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

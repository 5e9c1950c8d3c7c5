// ONNX activation functions that need no pattern: Relu, Gelu (also com.microsoft's Gelu and
// FastGelu) and Clip with min 0 (relu6) -> a relu/gelu layer that fuse_activations() folds into
// its producer; every other one-input elementwise op (and a Clip with another min) -> a relu-kind
// layer named after the node, the IR's vector cost of one lane-cycle per element. Tanh, Sigmoid,
// Erf, Sqrt and Reciprocal start patterns, so they are in arithmetic.cpp.
#include "workload/onnx/op_registry.h"

namespace ncore::workload::onnx {
namespace {

void relu(ImportState& st, const NodeProto& n) {
  const Value x = st.need_act(n, 0);
  st.set_out(n, st.emit_activation(n, "relu", x));
}

void gelu(ImportState& st, const NodeProto& n) {
  const Value x = st.need_act(n, 0);
  st.set_out(n, st.emit_activation(n, "gelu", x));
}

void clip(ImportState& st, const NodeProto& n) {
  std::optional<double> lo;
  if (st.opset < 11) {
    if (auto f = attr_float(n, "min")) lo = *f;
  } else if (n.input_size() > 1 && !n.input(1).empty()) {
    lo = st.const_scalar(n.input(1));
  }
  if (lo && *lo == 0.0) return relu(st, n);  // relu6 and the like
  st.elementwise(n, 0);
}

void unary_layer(ImportState& st, const NodeProto& n) {
  st.elementwise(n, 0);
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Relu", relu, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Gelu", gelu, kAnyDomain);
NCORE_REGISTER_ONNX_OP("FastGelu", gelu, kAnyDomain);
NCORE_REGISTER_ONNX_OP("Clip", clip, kFreeOnConstants);
// Free on constants as well (shape arithmetic uses them).
NCORE_REGISTER_ONNX_OP("Exp", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Log", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Abs", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Neg", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Floor", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Ceil", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Round", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Sign", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Not", unary_layer, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("HardSigmoid", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("HardSwish", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("LeakyRelu", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Elu", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Selu", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Celu", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Softplus", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Softsign", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Sin", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Cos", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("Mish", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("ThresholdedRelu", unary_layer, kUnary);
NCORE_REGISTER_ONNX_OP("PRelu", unary_layer, kUnary);

}  // namespace ncore::workload::onnx

// ONNX ops the importer only ever sees computed from constants, static shapes and secondary
// inputs (shape arithmetic, masks, index generation): their outputs are free. On an activation
// each is an unsupported op whose message says so ("not supported on activations"). Registering
// them keeps them apart from ops the importer does not know at all.
#include "workload/onnx/op_registry.h"

namespace ncore::workload::onnx {
namespace {

void not_on_activations(ImportState&, const NodeProto&) {
  throw Unmappable{"not supported on activations", true};
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Constant", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ConstantOfShape", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Range", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("EyeLike", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("OneHot", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Trilu", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("CumSum", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("NonZero", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("GatherElements", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ScatterND", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ArgMax", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ArgMin", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ReduceSum", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ReduceProd", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ReduceMax", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ReduceMin", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Min", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Max", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Mod", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Equal", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Less", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("LessOrEqual", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Greater", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("GreaterOrEqual", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("And", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Or", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Xor", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("IsNaN", not_on_activations, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("IsInf", not_on_activations, kFreeOnConstants);

}  // namespace ncore::workload::onnx

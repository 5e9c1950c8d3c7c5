// What the ONNX importer reads out of the protobuf besides the graph's structure: the values of
// small constant tensors (fp32, fp64, int64, int32, int8, uint8, bool, fp16), node attributes,
// and element types (float-like or integer, the names written in the YAML header). External data
// is never read: tensor_values() gives nothing for it, and for tensors over 4096 elements.
#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ncore::workload::onnx {

using NodeProto = ::onnx::NodeProto;
using TensorProto = ::onnx::TensorProto;

float half_to_float(uint16_t h);

// The values of a small constant tensor stored in the file (not external data).
std::optional<std::vector<double>> tensor_values(const TensorProto& t);

// Float types (and the 8-bit types quantized weights use): what an embedding table can hold.
bool is_float_type(int32_t t);
bool integer_type(int32_t t);      // int64, int32, int8, uint8, bool
const char* type_name(int32_t t);  // fp32, fp16, bf16, fp64, int8, uint8 or other

// A double as an int64, saturating.
int64_t to_int(double d);

// Node attributes by name: the first match, or the fallback.
int64_t attr_int(const NodeProto& n, const std::string& name, int64_t fallback);
std::optional<float> attr_float(const NodeProto& n, const std::string& name);
std::optional<std::vector<int64_t>> attr_ints(const NodeProto& n, const std::string& name);
std::string attr_str(const NodeProto& n, const std::string& name, const std::string& fallback);

}  // namespace ncore::workload::onnx

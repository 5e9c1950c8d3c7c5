// Tensor values, attributes and element types of ONNX protobufs (tensor_data.h). Raw data is
// read little-endian as the ONNX spec stores it; external data is never opened.
#include "workload/onnx/tensor_data.h"

#include <cmath>
#include <cstring>

namespace ncore::workload::onnx {
namespace {

// Values stored as little-endian raw_data of T; false when the size does not match n.
template <typename T>
bool from_raw(const std::string& raw, int64_t n, std::vector<double>& out) {
  if (raw.size() != static_cast<size_t>(n) * sizeof(T)) return false;
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out.push_back(static_cast<double>(v));
  }
  return true;
}

// Raw data (when present) of T, else the typed field.
template <typename T, typename Field>
bool raw_or_field(const TensorProto& t, int64_t n, const Field& field, std::vector<double>& out) {
  if (t.has_raw_data()) return from_raw<T>(t.raw_data(), n, out);
  out.assign(field.begin(), field.end());
  return true;
}

bool half_values(const TensorProto& t, int64_t n, std::vector<double>& out) {
  const std::string& raw = t.raw_data();
  if (!t.has_raw_data()) {
    for (int32_t h : t.int32_data()) out.push_back(half_to_float(static_cast<uint16_t>(h)));
    return true;
  }
  if (raw.size() != static_cast<size_t>(n) * 2) return false;
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, raw.data() + i * 2, 2);
    out.push_back(half_to_float(h));
  }
  return true;
}

}  // namespace

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

std::optional<std::vector<double>> tensor_values(const TensorProto& t) {
  if (t.data_location() == TensorProto::EXTERNAL) return std::nullopt;
  int64_t n = 1;
  for (int64_t d : t.dims()) n *= d;
  if (n > 4096) return std::nullopt;
  std::vector<double> out;
  bool ok = true;
  switch (t.data_type()) {
    case TensorProto::FLOAT:
      ok = raw_or_field<float>(t, n, t.float_data(), out);
      break;
    case TensorProto::DOUBLE:
      ok = raw_or_field<double>(t, n, t.double_data(), out);
      break;
    case TensorProto::INT64:
      ok = raw_or_field<int64_t>(t, n, t.int64_data(), out);
      break;
    case TensorProto::INT32:
      ok = raw_or_field<int32_t>(t, n, t.int32_data(), out);
      break;
    case TensorProto::INT8:
      ok = raw_or_field<int8_t>(t, n, t.int32_data(), out);
      break;
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      ok = raw_or_field<uint8_t>(t, n, t.int32_data(), out);
      break;
    case TensorProto::FLOAT16:
      ok = half_values(t, n, out);
      break;
    default:
      return std::nullopt;
  }
  if (!ok || out.size() != static_cast<size_t>(n)) return std::nullopt;
  return out;
}

bool is_float_type(int32_t t) {
  return t == TensorProto::FLOAT || t == TensorProto::FLOAT16 || t == TensorProto::BFLOAT16 ||
         t == TensorProto::DOUBLE || t == TensorProto::INT8 || t == TensorProto::UINT8;
}

bool integer_type(int32_t t) {
  return t == TensorProto::INT64 || t == TensorProto::INT32 || t == TensorProto::INT8 ||
         t == TensorProto::UINT8 || t == TensorProto::BOOL;
}

const char* type_name(int32_t t) {
  switch (t) {
    case TensorProto::FLOAT:
      return "fp32";
    case TensorProto::FLOAT16:
      return "fp16";
    case TensorProto::BFLOAT16:
      return "bf16";
    case TensorProto::DOUBLE:
      return "fp64";
    case TensorProto::INT8:
      return "int8";
    case TensorProto::UINT8:
      return "uint8";
    default:
      return "other";
  }
}

int64_t to_int(double d) {
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

int64_t attr_int(const NodeProto& n, const std::string& name, int64_t fallback) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.i();
  return fallback;
}

std::optional<float> attr_float(const NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.f();
  return std::nullopt;
}

std::optional<std::vector<int64_t>> attr_ints(const NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return std::vector<int64_t>(a.ints().begin(), a.ints().end());
  return std::nullopt;
}

std::string attr_str(const NodeProto& n, const std::string& name, const std::string& fallback) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.s();
  return fallback;
}

}  // namespace ncore::workload::onnx

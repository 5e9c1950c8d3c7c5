// Shape and cost arithmetic of the graph IR (see graph.h).
#include "workload/graph.h"

#include <algorithm>

namespace ncore::workload {

uint32_t dtype_bytes(DType d) {
  switch (d) {
    case DType::fp32:
      return 4;
    case DType::fp16:
    case DType::bf16:
      return 2;
    case DType::int8:
      return 1;
  }
  return 0;
}

const char* dtype_name(DType d) {
  switch (d) {
    case DType::fp32:
      return "fp32";
    case DType::fp16:
      return "fp16";
    case DType::bf16:
      return "bf16";
    case DType::int8:
      return "int8";
  }
  return "?";
}

std::optional<DType> parse_dtype(const std::string& s) {
  for (DType d : {DType::fp32, DType::fp16, DType::bf16, DType::int8})
    if (s == dtype_name(d)) return d;
  return std::nullopt;
}

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::none:
      return "none";
    case Phase::prefill:
      return "prefill";
    case Phase::decode:
      return "decode";
  }
  return "?";
}

const char* vector_op_name(VectorOp op) {
  switch (op) {
    case VectorOp::elementwise:
      return "elementwise";
    case VectorOp::pool:
      return "pool";
    case VectorOp::reduce:
      return "reduce";
    case VectorOp::softmax:
      return "softmax";
    case VectorOp::layernorm:
      return "layernorm";
  }
  return "?";
}

std::string Shape::str() const {
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

std::string shape_bound_error(const Shape& s, const std::string& what) {
  using u128 = unsigned __int128;
  if (s.c > kMaxDim || s.h > kMaxDim || s.w > kMaxDim ||
      u128{s.c} * s.h * s.w > u128{kMaxElemsPerSample})
    return what + " " + s.str() + " is too large (each dimension at most 2^24, at most 2^40 " +
           "elements per sample)";
  return "";
}

std::string layer_bound_error(const Layer& l) {
  using u128 = unsigned __int128;
  const std::string out = shape_bound_error(l.out, "output");
  if (!out.empty()) return out;
  if (l.gemm) {
    const Gemm& g = *l.gemm;
    if (g.k > kMaxElemsPerSample || g.m > kMaxElemsPerSample || g.groups > kMaxElemsPerSample ||
        g.positions > kMaxElemsPerSample ||
        u128{g.groups} * g.k * g.m * g.positions > u128{kMaxLayerMacs})
      return "more than 2^50 MACs per sample";
    if (u128{g.groups} * g.k * (g.m + 1) > u128{kMaxLayerParams})
      return "more than 2^40 parameters";
  }
  if (l.gather && u128{l.gather->table_rows} * l.gather->row_elems > u128{kMaxLayerParams})
    return "a table of more than 2^40 elements";
  if (l.vector && l.vector->param_elems > kMaxLayerParams) return "more than 2^40 parameters";
  return "";
}

uint64_t Layer::macs_per_sample() const {
  return gemm ? gemm->groups * gemm->k * gemm->m * gemm->positions : 0;
}

uint64_t Layer::dense_weight_elems() const {
  if (vector) return vector->param_elems;
  if (!gemm || gemm->stationary_activation) return 0;
  return gemm->groups * (gemm->k * gemm->m + (gemm->bias ? gemm->m : 0));
}

uint64_t Layer::weight_elems() const {
  const uint64_t tied = gemm && gemm->tied ? gemm->groups * gemm->k * gemm->m : 0;
  return dense_weight_elems() - tied + (gather ? gather->table_rows * gather->row_elems : 0);
}

uint64_t Graph::macs_per_sample() const {
  uint64_t t = 0;
  for (const auto& l : layers) t += l.macs_per_sample();
  return t;
}

uint64_t Graph::weight_elems() const {
  uint64_t t = 0;
  for (const auto& l : layers) t += l.weight_elems();
  return t;
}

uint64_t Graph::dense_weight_elems() const {
  uint64_t t = 0;
  for (const auto& l : layers) t += l.dense_weight_elems();
  return t;
}

std::vector<int> Graph::outputs() const {
  std::vector<bool> used(layers.size() + 1, false);
  for (const auto& l : layers)
    for (int i : l.inputs) used[static_cast<size_t>(i)] = true;
  for (int i : named_outputs) used[static_cast<size_t>(i)] = false;
  std::vector<int> out;
  for (size_t i = 0; i < layers.size(); ++i)
    if (!used[i + 1]) out.push_back(static_cast<int>(i + 1));
  return out;
}

}  // namespace ncore::workload

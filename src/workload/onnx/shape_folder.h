// Constant folding of the shape computations exporters emit (Shape -> Gather -> Concat -> Reshape,
// buffers sliced to the sequence length) that ONNX's inference does not see through: integer
// tensors from constants and static shapes become Constant nodes, other constant-derived tensors
// get their dims as value_info; then inference runs again. One evaluator per op type, in the
// name -> function table of shape_evaluators.cpp; ops without one are left to ONNX.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "workload/onnx/layout.h"
#include "workload/onnx/tensor_data.h"

namespace ncore::workload::onnx {

// A tensor known while folding: its dims, and its values when they are known too.
struct CTensor {
  Dims dims;
  std::vector<double> v;  // row-major values; empty when only the dims are known
  int32_t type = TensorProto::INT64;
  bool known() const { return static_cast<int64_t>(v.size()) == product(dims); }
};

// What an evaluator reads: the tensors folded so far and the shapes inference gave.
class FoldInputs {
 public:
  FoldInputs(const std::map<std::string, CTensor>& known, const std::map<std::string, Dims>& shapes)
      : m_known(known), m_shapes(shapes) {}
  // Input i of n, or nullptr when absent or not known.
  const CTensor* in(const NodeProto& n, int i) const;
  // Input i of n (with its values when `values`), or a std::runtime_error: not foldable.
  const CTensor* need(const NodeProto& n, int i, bool values) const;
  // The axes of Squeeze/Unsqueeze/ReduceX: an attribute (older opsets) or input 1.
  Dims axes_of(const NodeProto& n) const;
  // The inferred shape of a tensor, or nullptr.
  const Dims* shape(const std::string& tensor) const;

 private:
  const std::map<std::string, CTensor>& m_known;
  const std::map<std::string, Dims>& m_shapes;
};

// Evaluates one node: its output tensor, or nothing when it cannot be folded (it may also throw).
using ShapeEval = std::optional<CTensor> (*)(const FoldInputs& in, const NodeProto& n);

// Op type -> evaluator (shape_evaluators.cpp).
const std::map<std::string, ShapeEval>& shape_evaluators();

class ShapeFolder {
 public:
  ShapeFolder(::onnx::GraphProto& g, const std::map<std::string, Dims>& shapes)
      : m_g(g), m_shapes(shapes) {}

  // Folds what it can; true when the model changed (inference should run again).
  bool run();

 private:
  void seed();
  void record_constant(const NodeProto& n);
  std::optional<CTensor> eval(const NodeProto& n) const;
  bool has_full_shape(const std::string& name) const;
  void record_dims(const std::string& name, const CTensor& r);
  static void to_constant(NodeProto& n, const CTensor& c);

  ::onnx::GraphProto& m_g;
  const std::map<std::string, Dims>& m_shapes;
  std::map<std::string, CTensor> m_known;
  std::set<std::string> m_tables;  // 2-D initializers: a Gather from one is an embedding
};

}  // namespace ncore::workload::onnx

// The name of each loop order (the one source for `plan`, layers.csv and tests) and small
// Program helpers.
#include "isa/program.h"

namespace ncore::isa {

const char* order_name(Order o) {
  switch (o) {
    case Order::weight_stationary:
      return "weight_stationary";
    case Order::activation_stationary:
      return "activation_stationary";
    case Order::activation_operands:
      return "activation_operands";
    case Order::vector:
      return "vector";
    case Order::gather:
      return "gather";
    case Order::external:
      return "external";
  }
  return "?";
}

int Program::engine_id(ComputeEngine e) const {
  for (size_t i = 0; i < compute.size(); ++i)
    if (compute[i] == e) return static_cast<int>(i);
  return -1;
}

const char* lowering_name(Lowering l) {
  switch (l) {
    case Lowering::none:
      return "";
    case Lowering::im2col:
      return "im2col";
    case Lowering::taps:
      return "taps";
    case Lowering::vector:
      return "vector";
    case Lowering::block_diagonal:
      return "block_diagonal";
  }
  return "?";
}

size_t Program::instructions() const {
  size_t n = 0;
  for (const auto& q : queues) n += q.size();
  return n;
}

}  // namespace ncore::isa

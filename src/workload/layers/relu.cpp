// relu: max(x, 0) elementwise on the vector engine, one lane-cycle per element. (conv2d, linear
// and add can fuse it into their eviction for free with `activation: relu` instead.)
#include "workload/layer_kind.h"
#include "workload/unary_ops.h"

namespace ncore::workload {
namespace {

void build_relu(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h * l.out.w, 1, 0};
}

void eval_relu(const EvalArgs& a) {
  map_sum(a, unary_fn("relu"));
}

}  // namespace

NCORE_REGISTER_LAYER("relu", 1, 1, build_relu, eval_relu, nullptr, KindFlags{},
                     KindDoc{"", "vector engine, 1 lane-cycle per element"});

}  // namespace ncore::workload

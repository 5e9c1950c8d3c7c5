// gelu elementwise on the vector engine, one lane-cycle per element (the activation unit
// evaluates it in one pass). linear and conv2d can fuse it with `activation: gelu` instead.
#include "workload/layer_kind.h"
#include "workload/unary_ops.h"

namespace ncore::workload {
namespace {

void build_gelu(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h * l.out.w, 1, 0};
}

void eval_gelu(const EvalArgs& a) {
  map_sum(a, unary_fn("gelu"));
}

}  // namespace

NCORE_REGISTER_LAYER("gelu", 1, 1, build_gelu, eval_gelu, nullptr, KindFlags{},
                     KindDoc{"", "vector engine, 1 lane-cycle per element"});

}  // namespace ncore::workload

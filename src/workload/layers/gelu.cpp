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
  static const UnaryFn gelu = unary_fn("gelu");
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos)
      a.out[a.at(c, pos)] = gelu(sum_inputs(a, c, pos));
}

}  // namespace

NCORE_REGISTER_LAYER("gelu", 1, 1, build_gelu, eval_gelu, nullptr, KindFlags{},
                     KindDoc{"", "vector engine, 1 lane-cycle per element"});

}  // namespace ncore::workload

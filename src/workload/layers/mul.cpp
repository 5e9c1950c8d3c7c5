// mul: the elementwise product of two same-shape tensors (SwiGLU's gate x up in a Llama MLP).
// Vector engine: one lane-cycle per output element (one multiply; vector_engine.passes.elementwise
// passes). No MACs on the array, no parameters.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_mul(Params& p, Layer& l) {
  if (!(l.in_shapes[1] == l.in_shapes[0]))
    p.fail("inputs", "shapes differ: " + l.in_shapes[0].str() + " and " + l.in_shapes[1].str());
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h * l.out.w, 1, 0};
}

void eval_mul(const EvalArgs& a) {
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos)
      a.out[a.at(c, pos)] = a.in(0)[a.at(c, pos)] * a.in(1)[a.at(c, pos)];
}

}  // namespace

NCORE_REGISTER_LAYER("mul", 2, 2, build_mul, eval_mul, nullptr, KindFlags{},
                     KindDoc{"two inputs of one shape",
                             "vector engine, 1 lane-cycle per element (the product)"});

}  // namespace ncore::workload

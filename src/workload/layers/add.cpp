// add: the elementwise sum of two or more same-shape tensors (a residual connection), with an
// optional fused relu. Vector engine: (inputs - 1) lane-cycles per output element per channel.
#include "workload/layer_kind.h"
#include "workload/unary_ops.h"

namespace ncore::workload {
namespace {

void build_add(Params& p, Layer& l) {
  l.activation = read_activation(p);
  for (size_t i = 1; i < l.in_shapes.size(); ++i)
    if (!(l.in_shapes[i] == l.in_shapes[0]))
      p.fail("inputs", "shapes differ: " + l.in_shapes[0].str() + " and " + l.in_shapes[i].str());
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h * l.out.w, l.in_shapes.size() - 1};
}

void eval_add(const EvalArgs& a) {
  map_sum(a, unary_fn(a.l.activation));
}

}  // namespace

NCORE_REGISTER_LAYER("add", 2, 8, build_add, eval_add, nullptr, KindFlags{false, true},
                     KindDoc{"2–8 inputs, `activation`",
                             "vector engine, inputs − 1 lane-cycles per element"});

}  // namespace ncore::workload

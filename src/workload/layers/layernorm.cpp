// layernorm over the features of each position, on the vector engine: one lane-cycle per
// element per pass; vector_engine.passes.layernorm passes (default 3: mean, variance, normalize
// with scale and shift). Parameters: a scale
// and a shift per feature (2 x features), read once per invocation.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_layernorm(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::layernorm, l.out.c, l.out.h * l.out.w, 1, 2 * l.out.c};
}

}  // namespace

NCORE_REGISTER_LAYER("layernorm", 1, 1, build_layernorm);

}  // namespace ncore::workload

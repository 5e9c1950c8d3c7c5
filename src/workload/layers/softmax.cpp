// softmax over the features of each position (attention probabilities), on the vector engine:
// one lane-cycle per element per pass; vector_engine.passes.softmax passes (default 3: max, exp
// and sum, scale).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_softmax(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::softmax, l.out.c, l.out.h * l.out.w, 1, 0};
}

}  // namespace

NCORE_REGISTER_LAYER("softmax", 1, 1, build_softmax);

}  // namespace ncore::workload

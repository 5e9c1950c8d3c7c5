// softmax over the features of each position (attention probabilities), on the vector engine:
// three passes over every element (max, exp and sum, scale), so 3 lane-cycles per element.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_softmax(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{l.out.c, l.out.h * l.out.w, 3, 0};
}

}  // namespace

NCORE_REGISTER_LAYER("softmax", 1, 1, build_softmax);

}  // namespace ncore::workload

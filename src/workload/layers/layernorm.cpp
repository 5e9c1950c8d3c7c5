// layernorm over the features of each position, on the vector engine: three passes (mean,
// variance, normalize with scale and shift), 3 lane-cycles per element. Parameters: a scale
// and a shift per feature (2 x features), read once per invocation.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_layernorm(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{l.out.c, l.out.h * l.out.w, 3, 2 * l.out.c};
}

}  // namespace

NCORE_REGISTER_LAYER("layernorm", 1, 1, build_layernorm);

}  // namespace ncore::workload

// global_avgpool: the mean over all H * W positions of each channel, on the vector engine.
// Output (C, 1, 1); one output position per sample costing H * W lane-cycles per channel.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_global_avgpool(Params&, Layer& l) {
  const Shape& in = l.in_shapes[0];
  l.out = Shape{in.c, 1, 1};
  l.vector = VectorWork{VectorOp::reduce, in.c, 1, in.h * in.w, 0};
}

}  // namespace

NCORE_REGISTER_LAYER("global_avgpool", 1, 1, build_global_avgpool);

}  // namespace ncore::workload

// concat: 2 to 8 inputs of equal height and width joined along the channels (Inception,
// DenseNet, U-Net skips). A copy on the vector engine, one lane-cycle per output element (a
// compiler that lays the producers' outputs side by side would make it free: an upper bound).
// Output (sum of channels, H, W); no MACs, no parameters.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_concat(Params& p, Layer& l) {
  uint64_t c = 0;
  for (const auto& s : l.in_shapes) {
    if (s.h != l.in_shapes[0].h || s.w != l.in_shapes[0].w)
      p.fail("inputs", "concat needs equal height and width, got " + l.in_shapes[0].str() +
                           " and " + s.str());
    c += s.c;
  }
  l.out = Shape{c, l.in_shapes[0].h, l.in_shapes[0].w};
  l.vector = VectorWork{VectorOp::elementwise, c, l.out.h * l.out.w, 1, 0};
}

}  // namespace

NCORE_REGISTER_LAYER("concat", 2, 8, build_concat);

}  // namespace ncore::workload

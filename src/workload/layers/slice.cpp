// slice: `count` positions from `start` along the tokens (height) axis, e.g. BERT's [CLS] token
// for the pooler; a copy on the vector engine, one lane-cycle per element kept.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_slice(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t start = p.count("start", 0, 0);
  const uint64_t count = p.count("count", 1);
  if (start + count > in.h)
    p.fail("count", "slice [" + std::to_string(start) + ", " + std::to_string(start + count) +
                        ") is outside the input's " + std::to_string(in.h) + " positions");
  l.out = Shape{in.c, count, in.w};
  l.slice_start = start;
  l.vector = VectorWork{VectorOp::elementwise, in.c, count * in.w, 1, 0};
}

}  // namespace

NCORE_REGISTER_LAYER("slice", 1, 1, build_slice);

}  // namespace ncore::workload

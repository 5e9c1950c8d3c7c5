// flatten: (C, H, W) -> (C * H * W, 1, 1). Shape only: no data moves and no engine runs; the
// output aliases its input in the state buffer.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_flatten(Params&, Layer& l) {
  l.out = Shape{l.in_shapes[0].elems(), 1, 1};
  l.shape_only = true;
}

}  // namespace

NCORE_REGISTER_LAYER("flatten", 1, 1, build_flatten, nullptr, nullptr, KindFlags{},
                     KindDoc{"", "nothing: the output aliases the input"});

}  // namespace ncore::workload

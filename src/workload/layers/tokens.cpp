// tokens: (C, H, W) -> (C, H * W, 1), an image's positions as a sequence's tokens (ViT's patch
// embedding, flattened into 196 tokens of 768 features). Shape only: each channel's positions
// keep their order, so no data moves and no engine runs; the output aliases the input.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_tokens(Params&, Layer& l) {
  const Shape& in = l.in_shapes[0];
  l.out = Shape{in.c, in.h * in.w, 1};
  l.shape_only = true;
}

}  // namespace

NCORE_REGISTER_LAYER("tokens", 1, 1, build_tokens, nullptr, nullptr, KindFlags{},
                     KindDoc{"",
                             "nothing: the output aliases the input (H·W positions as tokens)"});

}  // namespace ncore::workload

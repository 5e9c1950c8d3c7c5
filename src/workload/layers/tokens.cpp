// tokens: (C, H, W) -> (C, H * W, 1), an image's positions as a sequence's tokens (ViT's patch
// embedding, flattened into 196 tokens of 768 features); with `height: H` the inverse, (C, T, 1)
// -> (C, H, T / H) (Swin's last stage, one window: its tokens back into the image). Shape only:
// each channel's positions keep their order, so no data moves and no engine runs; the output
// aliases the input.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_tokens(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  l.out = Shape{in.c, in.h * in.w, 1};
  l.shape_only = true;
  const uint64_t h = p.count("height", 0, 0);
  if (h == 0) return;
  if (in.w != 1 || in.h % h != 0)
    p.fail("height",
           "the input " + in.str() + " is not tokens (width 1) in rows of " + std::to_string(h));
  l.out = Shape{in.c, h, in.h / h};
}

}  // namespace

NCORE_REGISTER_LAYER("tokens", 1, 1, build_tokens, nullptr, nullptr, KindFlags{},
                     KindDoc{"`height` (the inverse: tokens into an image of that many rows)",
                             "nothing: the output aliases the input (H·W positions as tokens)"});

}  // namespace ncore::workload

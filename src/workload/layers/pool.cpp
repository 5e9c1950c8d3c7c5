// maxpool and avgpool: a kh x kw window with a stride over each channel, on the vector engine.
// Each output element reads its window: ops per output position = kh * kw lane-cycles per channel.
// Output: floor((H + 2 pad - kh) / stride) + 1 (ceil with `ceil_mode: true`); the stride
// defaults to the kernel size.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_pool(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const auto k = p.pair("kernel", std::nullopt);
  const auto s = p.pair("stride", k);
  const auto pad = p.pair("padding", std::array<uint64_t, 2>{0, 0}, 0);
  if (pad[0] * 2 >= k[0] + 1 || pad[1] * 2 >= k[1] + 1)
    p.fail("padding", "padding must be at most half the kernel");
  const bool ceil_mode = p.flag("ceil_mode", false);
  const uint64_t oh = window_out(in.h, k[0], s[0], pad[0], ceil_mode);
  const uint64_t ow = window_out(in.w, k[1], s[1], pad[1], ceil_mode);
  if (oh == 0 || ow == 0) p.fail("kernel", "kernel larger than the padded input " + in.str());
  l.out = Shape{in.c, oh, ow};
  l.window = Window{k[0], k[1], s[0], s[1], pad[0], pad[1]};
  l.vector = VectorWork{VectorOp::pool, in.c, oh * ow, k[0] * k[1], 0};
}

}  // namespace

NCORE_REGISTER_LAYER("maxpool", 1, 1, build_pool);
NCORE_REGISTER_LAYER("avgpool", 1, 1, build_pool);

}  // namespace ncore::workload

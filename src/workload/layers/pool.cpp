// maxpool and avgpool: a kh x kw window with a stride over each channel, on the vector engine.
// Each output element reads its window: ops per output position = kh * kw lane-cycles per channel.
// Output: floor((H + 2 pad - kh) / stride) + 1 (ceil with `ceil_mode: true`); the stride
// defaults to the kernel size.
#include <algorithm>
#include <cmath>

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

// The window of output (n, c, oh, ow): its maximum, or its mean over kh x kw (padding counts).
template <bool kMax>
void eval_pool(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  const Shape& os = a.l.out;
  const Window& w = a.l.window;
  const std::vector<float>& in = a.in();
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per(), oh = pos % a.per() / os.w, ow = pos % os.w;
      float mx = -INFINITY, sum = 0;
      for (uint64_t i = 0; i < w.kh; ++i)
        for (uint64_t j = 0; j < w.kw; ++j) {
          const int64_t ih = static_cast<int64_t>(oh * w.sh + i) - static_cast<int64_t>(w.ph);
          const int64_t iw = static_cast<int64_t>(ow * w.sw + j) - static_cast<int64_t>(w.pw);
          if (ih < 0 || iw < 0 || ih >= static_cast<int64_t>(is.h) ||
              iw >= static_cast<int64_t>(is.w))
            continue;
          const float x = in[nchw(is, n, c, static_cast<uint64_t>(ih), static_cast<uint64_t>(iw))];
          mx = std::max(mx, x);
          sum += x;
        }
      a.out[a.at(c, pos)] = kMax ? mx : sum / static_cast<float>(w.kh * w.kw);
    }
}

// An output tile reads the input rows its windows cover.
Region pool_region(const Layer& l, size_t, const Region& out) {
  Region r = out;
  window_rows(l.in_shapes[0], l.out, l.window, out.p_lo, out.p_hi - out.p_lo, r.p_lo, r.p_hi);
  return r;
}

}  // namespace

NCORE_REGISTER_LAYER("maxpool", 1, 1, build_pool, eval_pool<true>, pool_region, KindFlags{},
                     KindDoc{"`kernel`, `stride`, `padding`, `ceil_mode`",
                             "vector engine, kh·kw lane-cycles per output element"});
NCORE_REGISTER_LAYER("avgpool", 1, 1, build_pool, eval_pool<false>, pool_region, KindFlags{},
                     KindDoc{"`kernel`, `stride`, `padding`, `ceil_mode`",
                             "vector engine, kh·kw lane-cycles per output element"});

}  // namespace ncore::workload
